//! component-a: the requesting side of the reference plan's tests (rust_test.sh). Each
//! request from the host names a scenario; the answer to the host says what component-a saw.
//!
//!   flow TEXT      send TEXT to component-b, then ask it what it received
//!   request TEXT   request "echo TEXT" from component-b; check the callback's id
//!   isolation      send "secret" to component-b, then ask component-c what it received
//!   timeout        request from component-b something it never answers, 100 ms timeout
//!   crash          request something that makes component-b panic
//!   pong N         request "ping N" from pong (a C component in the interop test)

// BTreeMap, not HashMap: std seeds a HashMap from WASI random, which needs the `random` grant.
use std::collections::BTreeMap;
use std::time::Duration;
use wactor::{Component, Handled, Init, Message, Outcome, RequestId, Responder};

/// What a pending request of component-a is for.
enum Waiting {
    /// Answer the host with the outcome as text.
    Relay(Responder),
    /// Check that the callback's id is this request's, then answer the host.
    Match(Responder, RequestId, String),
}

struct ComponentA {
    waiting: BTreeMap<RequestId, Waiting>,
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Ok(p) => format!("OK {}", String::from_utf8_lossy(p)),
        Outcome::Error(p) => format!("ERROR {}", String::from_utf8_lossy(p)),
        Outcome::Timeout => "TIMEOUT".to_string(),
        Outcome::Failed(reason) => format!("FAILED {}", reason),
    }
}

impl ComponentA {
    fn relay(&mut self, host: Responder, id: RequestId) {
        self.waiting.insert(id, Waiting::Relay(host));
    }
}

impl Component for ComponentA {
    fn init() -> Init<Self> {
        Ok(ComponentA { waiting: BTreeMap::new() })
    }

    fn on_message(&mut self, msg: Message) -> Handled {
        let host = msg.responder().ok_or("component-a: expected a request")?;
        let text = msg.text().ok_or("component-a: expected text")?;
        let (verb, arg) = text.split_once(' ').unwrap_or((text, ""));
        match verb {
            "flow" => {
                wactor::send("component-b", arg)?;
                // Sends and requests from one sender arrive in order: the report comes after.
                let id = wactor::request("component-b", "report")?;
                self.relay(host, id);
            }
            "request" => {
                let id = wactor::request("component-b", format!("echo {}", arg))?;
                self.waiting.insert(id, Waiting::Match(host, id, arg.to_string()));
            }
            "isolation" => {
                wactor::send("component-b", "secret")?;
                let id = wactor::request("component-c", "report")?;
                self.relay(host, id);
            }
            "timeout" => {
                let id = wactor::request_timeout("component-b", "ignore", Duration::from_millis(100))?;
                self.relay(host, id);
            }
            "crash" => {
                let id = wactor::request("component-b", "panic")?;
                self.relay(host, id);
            }
            "pong" => {
                let id = wactor::request("pong", format!("ping {}", arg))?;
                self.relay(host, id);
            }
            _ => return Err(format!("component-a: unknown scenario {:?}", verb).into()),
        }
        Ok(())
    }

    fn on_callback(&mut self, id: RequestId, outcome: Outcome) -> Handled {
        match self.waiting.remove(&id) {
            Some(Waiting::Relay(host)) => host.ok(describe(&outcome))?,
            Some(Waiting::Match(host, sent, text)) => {
                let expected = Outcome::Ok(text.into_bytes());
                let verdict = if id == sent && outcome == expected { "match" } else { "MISMATCH" };
                host.ok(format!("{} id={} {}", verdict, id.get(), describe(&outcome)))?
            }
            None => return Err(format!("component-a: callback for unknown id {}", id.get()).into()),
        }
        Ok(())
    }
}

wactor::component!(ComponentA);
