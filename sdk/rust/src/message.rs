//! Messages: the one being handled, and sending, requesting, answering and pub/sub.

use crate::error::{check, check64, status, Error, Result};
use crate::mem::{arg, read_out, text};
use crate::sys;
use core::time::Duration;

/// The message being handled, read once from the runtime when the handler starts.
#[derive(Debug)]
pub struct Message {
    sender: String,
    payload: Vec<u8>,
    topic: Option<String>,
    correlation: i64,
}

impl Message {
    #[doc(hidden)]
    pub fn current(sender_len: i32, payload_len: i32, correlation: i64) -> Result<Message> {
        let hint = |n: i32| usize::try_from(n).unwrap_or(0);
        let sender = read_out(hint(sender_len), |b, c| unsafe { sys::msg_sender(b, c) })?;
        let payload = read_out(hint(payload_len), |b, c| unsafe { sys::msg_payload(b, c) })?;
        let topic = read_out(0, |b, c| unsafe { sys::msg_topic(b, c) })?;
        Ok(Message {
            sender: text(sender),
            payload,
            topic: if topic.is_empty() { None } else { Some(text(topic)) },
            correlation,
        })
    }

    /// Who sent it: a component's name, `@host` (the command line or an embedding program),
    /// `@http`, `@down` (a monitor's notice) ...
    pub fn sender(&self) -> &str {
        &self.sender
    }

    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// The payload as text, if it is UTF-8.
    pub fn text(&self) -> Option<&str> {
        core::str::from_utf8(&self.payload).ok()
    }

    /// The payload, taking it out of the message.
    pub fn into_payload(self) -> Vec<u8> {
        self.payload
    }

    /// The topic of a publication; `None` for a direct message.
    pub fn topic(&self) -> Option<&str> {
        self.topic.as_deref()
    }

    /// Whether the sender waits for an answer.
    pub fn is_request(&self) -> bool {
        self.correlation > 0
    }

    /// A header of this message (docs/ABI.md, "Headers"), while its handler runs.
    pub fn header(&self, name: &str) -> Option<Vec<u8>> {
        header(name)
    }

    /// The handle that answers this request, now or from a later handler; `None` if the
    /// message is not a request.
    pub fn responder(&self) -> Option<Responder> {
        if self.is_request() {
            Some(Responder { correlation: self.correlation })
        } else {
            None
        }
    }

    /// Answers the request with status OK; `Err(NotFound)` if it is not a request or was
    /// answered already.
    pub fn respond(&self, payload: impl AsRef<[u8]>) -> Result<()> {
        self.responder().ok_or(Error::NotFound)?.ok(payload)
    }

    /// Answers the request with status ERROR.
    pub fn respond_error(&self, payload: impl AsRef<[u8]>) -> Result<()> {
        self.responder().ok_or(Error::NotFound)?.error(payload)
    }
}

/// A header of the message or answer being handled; `None` if it has none of that name (or
/// outside a handler).
pub fn header(name: &str) -> Option<Vec<u8>> {
    let (n, nl) = arg(name.as_bytes());
    read_out(64, |b, c| unsafe { sys::msg_header(n, nl, b, c) }).ok()
}

/// The right to answer one request, which answering uses up. Keep it to answer later (a
/// deferred answer), e.g. from [`Component::on_callback`](crate::Component::on_callback).
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Responder {
    correlation: i64,
}

impl Responder {
    /// The request's correlation id.
    pub fn id(&self) -> i64 {
        self.correlation
    }

    /// Sets a header of the answer (`:status` sets an HTTP status), before answering.
    pub fn header(&self, name: &str, value: impl AsRef<[u8]>) -> Result<()> {
        let (n, nl) = arg(name.as_bytes());
        let (v, vl) = arg(value.as_ref());
        check(unsafe { sys::respond_header(self.correlation, n, nl, v, vl) }).map(drop)
    }

    /// Answers with status OK.
    pub fn ok(self, payload: impl AsRef<[u8]>) -> Result<()> {
        self.answer(status::OK, payload.as_ref())
    }

    /// Answers with status ERROR.
    pub fn error(self, payload: impl AsRef<[u8]>) -> Result<()> {
        self.answer(status::ERROR, payload.as_ref())
    }

    fn answer(self, status: i32, payload: &[u8]) -> Result<()> {
        let (p, pl) = arg(payload);
        check(unsafe { sys::respond(self.correlation, status, p, pl) }).map(drop)
    }
}

/// One of this component's requests in flight; its outcome comes to
/// [`Component::on_callback`](crate::Component::on_callback) with the same id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RequestId(i64);

impl RequestId {
    #[doc(hidden)]
    pub fn from_raw(correlation: i64) -> RequestId {
        RequestId(correlation)
    }

    /// The correlation id, never reused within a runtime's lifetime.
    pub fn get(self) -> i64 {
        self.0
    }

    /// Withdraws the request: no callback follows. `Err(NotFound)` if it has settled.
    pub fn cancel(self) -> Result<()> {
        cancel(self)
    }
}

/// How a request ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The responder's answer.
    Ok(Vec<u8>),
    /// The responder answered ERROR (with this payload), or its handler failed.
    Error(Vec<u8>),
    /// No answer within the request's timeout.
    Timeout,
    /// The target stopped, crashed while handling it (`crashed: KIND`) or became unreachable.
    Failed(String),
}

impl Outcome {
    #[doc(hidden)]
    pub fn from_status(status: i32, payload: Vec<u8>) -> Outcome {
        match status {
            status::OK => Outcome::Ok(payload),
            status::ERROR => Outcome::Error(payload),
            status::TIMEOUT => Outcome::Timeout,
            status::FAILED => Outcome::Failed(text(payload)),
            other => Outcome::Failed(format!("unknown status {}", other)),
        }
    }

    /// The ABI's name of the status: "OK", "ERROR", "TIMEOUT" or "FAILED".
    pub fn status_name(&self) -> &'static str {
        match self {
            Outcome::Ok(_) => "OK",
            Outcome::Error(_) => "ERROR",
            Outcome::Timeout => "TIMEOUT",
            Outcome::Failed(_) => "FAILED",
        }
    }
}

/// Fire-and-forget to a component (the `send` grant).
pub fn send(target: &str, payload: impl AsRef<[u8]>) -> Result<()> {
    let (t, tl) = arg(target.as_bytes());
    let (p, pl) = arg(payload.as_ref());
    check(unsafe { sys::send(t, tl, p, pl) }).map(drop)
}

/// A request with the runtime's default timeout (the `request` grant).
pub fn request(target: &str, payload: impl AsRef<[u8]>) -> Result<RequestId> {
    request_ms(target, payload.as_ref(), 0)
}

/// A request that times out after `timeout` (at least 1 ms).
pub fn request_timeout(
    target: &str,
    payload: impl AsRef<[u8]>,
    timeout: Duration,
) -> Result<RequestId> {
    let ms = i32::try_from(timeout.as_millis()).unwrap_or(i32::MAX).max(1);
    request_ms(target, payload.as_ref(), ms)
}

fn request_ms(target: &str, payload: &[u8], timeout_ms: i32) -> Result<RequestId> {
    let (t, tl) = arg(target.as_bytes());
    let (p, pl) = arg(payload);
    check64(unsafe { sys::request(t, tl, p, pl, timeout_ms) }).map(RequestId)
}

/// Withdraws a pending request: no callback follows. `Err(NotFound)` if it has settled.
pub fn cancel(id: RequestId) -> Result<()> {
    check(unsafe { sys::cancel(id.0) }).map(drop)
}

/// Delivers to every component subscribed to a matching pattern (the `publish` grant).
pub fn publish(topic: &str, payload: impl AsRef<[u8]>) -> Result<()> {
    let (t, tl) = arg(topic.as_bytes());
    let (p, pl) = arg(payload.as_ref());
    check(unsafe { sys::publish(t, tl, p, pl) }).map(drop)
}

/// Starts receiving publications matching the pattern (`orders.*`, `billing.>`).
pub fn subscribe(pattern: &str) -> Result<()> {
    let (p, pl) = arg(pattern.as_bytes());
    check(unsafe { sys::subscribe(p, pl) }).map(drop)
}

/// Stops; `Err(NotFound)` if not subscribed to that pattern.
pub fn unsubscribe(pattern: &str) -> Result<()> {
    let (p, pl) = arg(pattern.as_bytes());
    check(unsafe { sys::unsubscribe(p, pl) }).map(drop)
}
