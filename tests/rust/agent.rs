//! agent: the rest of the Rust SDK's API through the real runtime (rust_test.sh). Each request
//! from the host names a check; the answer says what the agent saw.
//!
//!   kv        set, get, replace, delete, and a missing key
//!   config    answers its config: text and its own name
//!   errors    calls that must fail, each with the error's variant and ABI code
//!   timer     a send to itself after 10 ms answers the request ("tick")
//!   pubsub    subscribes to news.*, publishes news.today, answers with what it received
//!   monitor   monitors a component that does not exist: "@down" says "ghost not-found"
//!   fail      the handler returns Err: the host gets ERROR with the error's text
//!   stored    answers the value of key "count", incremented on every call (it survives
//!             restarts within one run)

use std::time::Duration;
use wactor::{kv, Component, Error, Handled, Init, Message, Responder};

#[derive(Default)]
struct Agent {
    /// The host's request that a tick or a publication will answer.
    waiting: Option<Responder>,
}

fn outcome<T: std::fmt::Debug>(r: wactor::Result<T>) -> String {
    match r {
        Ok(v) => format!("Ok({:?})", v),
        Err(e) => format!("{:?}={}", e, e.code()),
    }
}

fn check_kv() -> wactor::Result<String> {
    kv::set("colour", "blue")?;
    let first = kv::get("colour")?;
    kv::set("colour", b"green".to_vec())?;
    let second = kv::get("colour")?;
    let deleted = kv::delete("colour")?;
    let again = kv::delete("colour")?;
    let missing = kv::get("colour")?;
    Ok(format!(
        "{} {} {} {} {:?}",
        String::from_utf8_lossy(&first.unwrap_or_default()),
        String::from_utf8_lossy(&second.unwrap_or_default()),
        deleted,
        again,
        missing
    ))
}

fn check_errors() -> String {
    let list = [
        outcome(wactor::send("nobody", "x")),
        outcome(wactor::send("bad..name", "x")),
        outcome(wactor::request("forbidden", "x")),
        outcome(wactor::unsubscribe("never.subscribed")),
        outcome(kv::set("", "empty key")),
        outcome(wactor::state::load()),
    ];
    list.join(" ")
}

impl Component for Agent {
    fn init() -> Init<Self> {
        Ok(Agent::default())
    }

    fn on_message(&mut self, msg: Message) -> Handled {
        if !msg.is_request() {
            // A tick from itself or a publication: it completes the host's request.
            let seen = format!(
                "from {} topic {:?}: {}",
                msg.sender(),
                msg.topic(),
                msg.text().unwrap_or("?")
            );
            if let Some(host) = self.waiting.take() {
                host.ok(seen)?;
            }
            return Ok(());
        }
        match msg.text().unwrap_or("") {
            "kv" => msg.respond(check_kv()?)?,
            "config" => msg.respond(format!("{} {}", wactor::self_name(), wactor::config_text()))?,
            "errors" => msg.respond(check_errors())?,
            "timer" => {
                wactor::send_after(&wactor::self_name(), "tick", Duration::from_millis(10), None)?;
                self.waiting = msg.responder();
            }
            "pubsub" => {
                wactor::subscribe("news.*")?;
                wactor::publish("news.today", "extra")?;
                self.waiting = msg.responder();
            }
            "monitor" => {
                wactor::monitor("ghost")?;
                self.waiting = msg.responder();
            }
            "fail" => return Err(Error::Quota.into()),
            "stored" => {
                let count = kv::get("count")?
                    .and_then(|v| String::from_utf8(v).ok())
                    .and_then(|s| s.parse::<u32>().ok())
                    .unwrap_or(0);
                kv::set("count", (count + 1).to_string())?;
                wactor::info!("count is now {}", count + 1);
                msg.respond((count + 1).to_string())?
            }
            other => msg.respond_error(format!("agent: unknown check {:?}", other))?,
        }
        Ok(())
    }
}

wactor::component!(Agent);
