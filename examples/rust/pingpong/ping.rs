//! ping: given a count N (decimal payload, empty = 5), requests "ping 1" .. "ping N" from pong,
//! one at a time, logs each answer, and then answers its own request with "ping: N pongs"
//! (the Rust twin of examples/pingpong/ping.c).
//!
//! The answer to the starter is deferred: the Responder of the starting request is kept in the
//! rally and used from on_callback once the last pong came back. A message that arrives while
//! a rally is running is refused with ERROR.

use wactor::{Component, Handled, Init, Message, Outcome, RequestId, Responder};

const DEFAULT_COUNT: u32 = 5;
const MAX_COUNT: u32 = 100_000;

struct Rally {
    starter: Option<Responder>, // None: started by a send, the summary goes to the log
    count: u32,
    answered: u32,
    pending: RequestId,
}

#[derive(Default)]
struct Ping {
    rally: Option<Rally>,
}

/// The count in the payload: DEFAULT_COUNT if empty, None if not a number in 1..=MAX_COUNT.
fn parse_count(payload: &[u8]) -> Option<u32> {
    if payload.is_empty() {
        return Some(DEFAULT_COUNT);
    }
    if payload.len() > 6 || !payload.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: u32 = std::str::from_utf8(payload).ok()?.parse().ok()?;
    if (1..=MAX_COUNT).contains(&n) {
        Some(n)
    } else {
        None
    }
}

/// Ends a rally with a summary for the starter, or in the log if nobody waits for one.
fn finish(starter: Option<Responder>, result: Result<String, String>) -> Handled {
    match (starter, result) {
        (Some(starter), Ok(text)) => starter.ok(text)?,
        (Some(starter), Err(text)) => starter.error(text)?,
        (None, Ok(text)) => wactor::info!("{}", text),
        (None, Err(text)) => wactor::error!("{}", text),
    }
    Ok(())
}

fn ask_pong(i: u32) -> Result<RequestId, String> {
    wactor::request("pong", format!("ping {}", i))
        .map_err(|e| format!("ping: request to pong failed: {}", e))
}

impl Component for Ping {
    fn init() -> Init<Self> {
        Ok(Ping::default())
    }

    fn on_message(&mut self, msg: Message) -> Handled {
        let refusal = if self.rally.is_some() {
            "ping: busy with another rally"
        } else {
            match parse_count(msg.payload()) {
                Some(count) => {
                    let starter = msg.responder();
                    return match ask_pong(1) {
                        Ok(pending) => {
                            self.rally = Some(Rally { starter, count, answered: 0, pending });
                            Ok(())
                        }
                        Err(why) => finish(starter, Err(why)),
                    };
                }
                None => "ping: the payload must be a count from 1 to 100000",
            }
        };
        if msg.is_request() {
            msg.respond_error(refusal)?;
        } else {
            wactor::warn!("{}", refusal);
        }
        Ok(())
    }

    fn on_callback(&mut self, id: RequestId, outcome: Outcome) -> Handled {
        let mut rally = match self.rally.take() {
            Some(rally) if rally.pending == id => rally,
            other => {
                self.rally = other; // not ours to wait for any more
                return Ok(());
            }
        };
        let answer = match outcome {
            Outcome::Ok(answer) => answer,
            other => return finish(rally.starter, Err(format!("ping: pong answered {}", other.status_name()))),
        };
        wactor::info!("{}", String::from_utf8_lossy(&answer));
        rally.answered += 1;
        if rally.answered < rally.count {
            match ask_pong(rally.answered + 1) {
                Ok(pending) => {
                    rally.pending = pending;
                    self.rally = Some(rally);
                    Ok(())
                }
                Err(why) => finish(rally.starter, Err(why)),
            }
        } else {
            let summary = format!("ping: {} pong{}", rally.count, if rally.count == 1 { "" } else { "s" });
            finish(rally.starter, Ok(summary))
        }
    }
}

wactor::component!(Ping);
