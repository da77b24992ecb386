//! front: answers each request by asking both workers in parallel and combining their
//! answers: "hello" becomes "a:HELLO|b:olleh". If a worker's answer is not OK, the requester
//! gets ERROR with the reason, and the other worker's request is cancelled. The Rust twin of
//! examples/fanout/front.c.
//!
//! The answer is deferred: on_message starts the fan-out and keeps the requester's Responder;
//! the callback that brings the last worker's answer responds.

use std::collections::BTreeMap;
use wactor::{Component, Handled, Init, Message, Outcome, RequestId, Responder};

const WORKERS: [&str; 2] = ["workers.a", "workers.b"];
const MAX_IN_FLIGHT: usize = 16;

/// One fan-out in progress: the requester, and each worker's request and answer.
struct Fanout {
    requester: Responder,
    requests: [Option<RequestId>; 2],
    answers: [Option<Vec<u8>>; 2],
}

#[derive(Default)]
struct Front {
    next: u64,
    fanouts: BTreeMap<u64, Fanout>,
    /// Which fan-out and worker each pending request belongs to.
    pending: BTreeMap<RequestId, (u64, usize)>,
}

/// Each worker's label in the answer is its name's last token.
fn label(worker: usize) -> &'static str {
    WORKERS[worker].rsplit('.').next().unwrap_or(WORKERS[worker])
}

impl Front {
    /// Withdraws the requests still pending and answers ERROR.
    fn fail(&mut self, key: u64, why: String) -> Handled {
        wactor::warn!("{}", why);
        if let Some(f) = self.fanouts.remove(&key) {
            for id in f.requests.iter().flatten() {
                self.pending.remove(id);
                let _ = id.cancel(); // it may have settled already: nothing to withdraw
            }
            f.requester.error(why)?;
        }
        Ok(())
    }
}

impl Component for Front {
    fn init() -> Init<Self> {
        Ok(Front::default())
    }

    fn on_message(&mut self, msg: Message) -> Handled {
        let requester = match msg.responder() {
            Some(r) => r,
            None => {
                wactor::warn!("front: ignoring a message that is not a request");
                return Ok(());
            }
        };
        if self.fanouts.len() >= MAX_IN_FLIGHT {
            requester.error("front: too many requests")?;
            return Ok(());
        }
        let key = self.next;
        self.next += 1;
        self.fanouts.insert(key, Fanout { requester, requests: [None, None], answers: [None, None] });
        for (w, name) in WORKERS.iter().enumerate() {
            match wactor::request(name, msg.payload()) {
                Ok(id) => {
                    self.pending.insert(id, (key, w));
                    if let Some(f) = self.fanouts.get_mut(&key) {
                        f.requests[w] = Some(id);
                    }
                }
                Err(e) => return self.fail(key, format!("front: cannot ask {}: {}", name, e)),
            }
        }
        Ok(())
    }

    fn on_callback(&mut self, id: RequestId, outcome: Outcome) -> Handled {
        let (key, w) = match self.pending.remove(&id) {
            Some(found) => found,
            None => return Ok(()), // a fan-out that already failed
        };
        let answer = match outcome {
            Outcome::Ok(answer) => answer,
            Outcome::Error(detail) => {
                let detail = String::from_utf8_lossy(&detail).into_owned();
                return self.fail(key, format!("front: {} answered ERROR: {}", WORKERS[w], detail));
            }
            Outcome::Failed(reason) => {
                return self.fail(key, format!("front: {} answered FAILED: {}", WORKERS[w], reason))
            }
            Outcome::Timeout => return self.fail(key, format!("front: {} answered TIMEOUT", WORKERS[w])),
        };
        let done = match self.fanouts.get_mut(&key) {
            Some(f) => {
                f.requests[w] = None;
                f.answers[w] = Some(answer);
                f.answers.iter().all(Option::is_some)
            }
            None => false,
        };
        if done {
            if let Some(f) = self.fanouts.remove(&key) {
                let mut combined = Vec::new();
                for (w, answer) in f.answers.iter().enumerate() {
                    if w > 0 {
                        combined.push(b'|');
                    }
                    combined.extend_from_slice(label(w).as_bytes());
                    combined.push(b':');
                    combined.extend_from_slice(answer.as_deref().unwrap_or_default());
                }
                f.requester.ok(combined)?;
            }
        }
        Ok(())
    }
}

wactor::component!(Front);
