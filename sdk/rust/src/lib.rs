//! Write wactor components in Rust.
//!
//! A component is a type that implements [`Component`], declared once with [`component!`],
//! which exports the guest ABI's functions (docs/ABI.md) for it:
//!
//! ```ignore
//! use wactor::{Component, Message, Outcome, RequestId};
//!
//! struct Echo;
//!
//! impl Component for Echo {
//!     fn init() -> wactor::Init<Self> {
//!         Ok(Echo)
//!     }
//!     fn on_message(&mut self, msg: Message) -> wactor::Handled {
//!         msg.respond(msg.payload())?;
//!         Ok(())
//!     }
//! }
//!
//! wactor::component!(Echo);
//! ```
//!
//! Build it as a `cdylib` for `wasm32-wasi` (docs/RUST.md). Every call into the runtime is a
//! safe function of this crate returning [`Result`], whose error is one variant per ABI code.
//! Handlers run one at a time (an actor has one mailbox), so the component's state is a plain
//! `&mut self`.

mod error;
mod mem;
mod message;
#[doc(hidden)]
pub mod rt;
mod services;
#[doc(hidden)]
pub mod sys;

pub use error::{code, status, Error, Result};
pub use message::{
    cancel, header, publish, request, request_timeout, send, subscribe, unsubscribe, Message,
    Outcome, RequestId, Responder,
};
pub use services::{
    config, config_text, demonitor, http_request, kv, log, monitor, now_ms, self_name,
    send_after, spawn, state, stop, Level, MonitorRef, Timer,
};

/// What a handler returns: `Err` with any error (`?` works on every call of this crate).
/// For a request not answered yet, an `Err` answers it with status ERROR and the error's text.
pub type Handled = core::result::Result<(), Box<dyn std::error::Error>>;

/// What [`Component::init`] returns: the component's state, or why it cannot start.
pub type Init<T> = core::result::Result<T, Box<dyn std::error::Error>>;

/// The component's health, as `wactor_health` reports it (docs/ABI.md, "Health").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Healthy = 0,
    Degraded = 1,
    Unhealthy = 2,
}

/// A component: its state and its handlers. Only `init` and `on_message` are required.
pub trait Component: Sized + 'static {
    /// Builds the state, on every (re)start. An `Err` means the component failed to start: it
    /// is logged and counts as a crash.
    fn init() -> Init<Self>;

    /// One incoming message: a send, a request (answer it with [`Message::respond`], now or
    /// later through [`Message::responder`]) or a publication.
    fn on_message(&mut self, msg: Message) -> Handled;

    /// The outcome of one of this component's requests: exactly once per [`request`], unless
    /// it was cancelled.
    fn on_callback(&mut self, id: RequestId, outcome: Outcome) -> Handled {
        let _ = (id, outcome);
        Ok(())
    }

    /// A graceful stop.
    fn on_shutdown(&mut self) {}

    /// Just before a hot upgrade replaces this version: save state with [`state::save`]. An
    /// `Err` aborts the upgrade.
    fn on_upgrade(&mut self) -> Handled {
        Ok(())
    }

    /// Asked between messages, for a component declared with `component!(Type, health)`.
    fn health(&self) -> Health {
        Health::Healthy
    }
}

/// Exports the ABI's functions for a [`Component`] type; write it once per component.
///
/// ```ignore
/// wactor::component!(Echo);
/// wactor::component!(Worker, health); // also exports wactor_health: checks every 5 s
/// ```
///
/// `wactor_health` is exported only when asked for, because the runtime checks every module
/// that exports it.
#[macro_export]
macro_rules! component {
    (@exports $component:ty, $($health:ident)?) => {
        const _: () = {
            ::std::thread_local! {
                static STATE: $crate::rt::Slot<$component> = $crate::rt::Slot::new();
            }
            #[export_name = "wactor_init"]
            extern "C" fn wactor_init() -> i32 {
                STATE.with(|slot| $crate::rt::init(slot))
            }
            #[export_name = "wactor_on_message"]
            extern "C" fn wactor_on_message(sender_len: i32, payload_len: i32, corr: i64) -> i32 {
                STATE.with(|slot| $crate::rt::on_message(slot, sender_len, payload_len, corr))
            }
            #[export_name = "wactor_on_callback"]
            extern "C" fn wactor_on_callback(corr: i64, status: i32, payload_len: i32) -> i32 {
                STATE.with(|slot| $crate::rt::on_callback(slot, corr, status, payload_len))
            }
            #[export_name = "wactor_on_shutdown"]
            extern "C" fn wactor_on_shutdown() {
                STATE.with(|slot| $crate::rt::on_shutdown(slot))
            }
            #[export_name = "wactor_on_upgrade"]
            extern "C" fn wactor_on_upgrade() -> i32 {
                STATE.with(|slot| $crate::rt::on_upgrade(slot))
            }
            $(
                #[export_name = "wactor_health"]
                extern "C" fn $health() -> i32 {
                    STATE.with(|slot| $crate::rt::health(slot))
                }
            )?
        };
    };
    ($component:ty) => {
        $crate::component!(@exports $component,);
    };
    ($component:ty, health) => {
        $crate::component!(@exports $component, health);
    };
}

/// Logs at trace level, formatted like `format!`.
#[macro_export]
macro_rules! trace { ($($arg:tt)*) => { $crate::log($crate::Level::Trace, &::std::format!($($arg)*)) }; }
/// Logs at debug level, formatted like `format!`.
#[macro_export]
macro_rules! debug { ($($arg:tt)*) => { $crate::log($crate::Level::Debug, &::std::format!($($arg)*)) }; }
/// Logs at info level, formatted like `format!`.
#[macro_export]
macro_rules! info { ($($arg:tt)*) => { $crate::log($crate::Level::Info, &::std::format!($($arg)*)) }; }
/// Logs at warn level, formatted like `format!`.
#[macro_export]
macro_rules! warn { ($($arg:tt)*) => { $crate::log($crate::Level::Warn, &::std::format!($($arg)*)) }; }
/// Logs at error level, formatted like `format!`.
#[macro_export]
macro_rules! error { ($($arg:tt)*) => { $crate::log($crate::Level::Error, &::std::format!($($arg)*)) }; }
