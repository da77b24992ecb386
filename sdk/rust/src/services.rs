//! Everything besides messages: identity, configuration, logging, time, storage, timers,
//! children and monitors, upgrade state, outbound HTTP.

use crate::error::{check, check64, Error, Result};
use crate::mem::{arg, read_out, text};
use crate::message::RequestId;
use crate::sys;
use core::time::Duration;

/// This component's name.
pub fn self_name() -> String {
    text(read_out(64, |b, c| unsafe { sys::self_name(b, c) }).unwrap_or_default())
}

/// The `config:` bytes the manifest gives this component (empty if none).
pub fn config() -> Vec<u8> {
    read_out(64, |b, c| unsafe { sys::config(b, c) }).unwrap_or_default()
}

/// The configuration as text (not UTF-8: replaced characters).
pub fn config_text() -> String {
    text(config())
}

/// Wall-clock milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    unsafe { sys::now_ms() }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Trace = 0,
    Debug = 1,
    Info = 2,
    Warn = 3,
    Error = 4,
}

/// One line of the runtime's log, tagged with the component's name. The runtime shows it when
/// its log level lets it through (`--log-level`).
pub fn log(level: Level, text: &str) {
    let (t, tl) = arg(text.as_bytes());
    unsafe { sys::log(level as i32, t, tl) };
}

/// The component's private key-value storage; it survives restarts (docs/ABI.md, "Storage").
pub mod kv {
    use super::*;

    /// The value of a key, or `None` if it is not stored.
    pub fn get(key: impl AsRef<[u8]>) -> Result<Option<Vec<u8>>> {
        let (k, kl) = arg(key.as_ref());
        match read_out(64, |b, c| unsafe { sys::kv_get(k, kl, b, c) }) {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Inserts or replaces; durable once it returns.
    pub fn set(key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        let (k, kl) = arg(key.as_ref());
        let (v, vl) = arg(value.as_ref());
        check(unsafe { sys::kv_set(k, kl, v, vl) }).map(drop)
    }

    /// Removes a key; `Ok(false)` if it was not stored.
    pub fn delete(key: impl AsRef<[u8]>) -> Result<bool> {
        let (k, kl) = arg(key.as_ref());
        match check(unsafe { sys::kv_delete(k, kl) }) {
            Ok(_) => Ok(true),
            Err(Error::NotFound) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

/// A timer of this component's instance (a crash cancels it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Timer(i64);

impl Timer {
    pub fn id(self) -> i64 {
        self.0
    }

    /// No send of this timer happens after it returns; `Err(NotFound)` if it is gone.
    pub fn cancel(self) -> Result<()> {
        check(unsafe { sys::timer_cancel(self.0) }).map(drop)
    }
}

fn millis(d: Duration) -> i32 {
    i32::try_from(d.as_millis()).unwrap_or(i32::MAX)
}

/// Sends `payload` to `target` after `delay`, then every `period` if one is given. Sending to
/// itself needs no grant; to another component, the `send` grant.
pub fn send_after(
    target: &str,
    payload: impl AsRef<[u8]>,
    delay: Duration,
    period: Option<Duration>,
) -> Result<Timer> {
    let (t, tl) = arg(target.as_bytes());
    let (p, pl) = arg(payload.as_ref());
    let period_ms = period.map(|d| millis(d).max(1)).unwrap_or(0);
    check64(unsafe { sys::send_after(t, tl, p, pl, millis(delay), period_ms) }).map(Timer)
}

/// Starts a child from a manifest template, named `SELF.SUFFIX`; returns its full name.
pub fn spawn(template: &str, suffix: &str, config: impl AsRef<[u8]>) -> Result<String> {
    let (t, tl) = arg(template.as_bytes());
    let (s, sl) = arg(suffix.as_bytes());
    let (c, cl) = arg(config.as_ref());
    check(unsafe { sys::spawn(t, tl, s, sl, c, cl) })?;
    Ok(format!("{}.{}", self_name(), suffix))
}

/// Stops one of this component's children gracefully.
pub fn stop(name: &str) -> Result<()> {
    let (n, nl) = arg(name.as_bytes());
    check(unsafe { sys::stop(n, nl) }).map(drop)
}

/// A monitor: when the component stops for good, this one gets a message from `@down`
/// whose payload is `NAME REASON`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MonitorRef(i64);

impl MonitorRef {
    pub fn id(self) -> i64 {
        self.0
    }
}

pub fn monitor(name: &str) -> Result<MonitorRef> {
    let (n, nl) = arg(name.as_bytes());
    check64(unsafe { sys::monitor(n, nl) }).map(MonitorRef)
}

/// No `@down` message for that monitor after it returns.
pub fn demonitor(reference: MonitorRef) -> Result<()> {
    check(unsafe { sys::demonitor(reference.0) }).map(drop)
}

/// State handed from the old version of a component to the new one in a hot upgrade.
pub mod state {
    use super::*;

    /// During [`Component::on_upgrade`](crate::Component::on_upgrade): keeps the bytes for
    /// the new version.
    pub fn save(data: impl AsRef<[u8]>) -> Result<()> {
        let (d, dl) = arg(data.as_ref());
        check(unsafe { sys::state_save(d, dl) }).map(drop)
    }

    /// During the new version's [`Component::init`](crate::Component::init): the saved
    /// bytes, or `None` on an ordinary start.
    pub fn load() -> Result<Option<Vec<u8>>> {
        match read_out(256, |b, c| unsafe { sys::state_load(b, c) }) {
            Ok(v) => Ok(Some(v)),
            Err(Error::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// Starts an outbound HTTP request (the `http` grant); its response comes to
/// [`Component::on_callback`](crate::Component::on_callback) as `Outcome::Ok(body)` with
/// `:status` and the response headers in [`header`](crate::header). `headers` are
/// `(name, value)` pairs; `timeout` `None` means the runtime's default.
pub fn http_request(
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: impl AsRef<[u8]>,
    timeout: Option<Duration>,
) -> Result<RequestId> {
    let mut lines = String::new();
    for (name, value) in headers {
        if !lines.is_empty() {
            lines.push('\n');
        }
        lines.push_str(name);
        lines.push_str(": ");
        lines.push_str(value);
    }
    let (m, ml) = arg(method.as_bytes());
    let (u, ul) = arg(url.as_bytes());
    let (h, hl) = arg(lines.as_bytes());
    let (b, bl) = arg(body.as_ref());
    let timeout_ms = timeout.map(|d| millis(d).max(1)).unwrap_or(0);
    let id = unsafe { sys::http_request(m, ml, u, ul, h, hl, b, bl, timeout_ms) };
    check64(id).map(RequestId::from_raw)
}
