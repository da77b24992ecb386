//! What the exports of [`component!`](crate::component) call: the state's slot and the
//! glue between the ABI's integers and a [`Component`]'s typed handlers.
//!
//! Handlers never run concurrently or re-enter (the runtime delivers one message at a time
//! and no import calls back into the guest), so one `RefCell` holds the state.

use crate::message::{Message, Outcome, RequestId};
use crate::services::{log, Level};
use crate::{mem, sys, Component, Handled};
use core::cell::RefCell;

pub struct Slot<T>(RefCell<Option<T>>);

impl<T> Slot<T> {
    pub const fn new() -> Slot<T> {
        Slot(RefCell::new(None))
    }
}

/// A panic is a crash (the module traps); its message goes to the runtime's log first, since
/// the component may have no `stderr` grant.
fn log_panics() {
    std::panic::set_hook(Box::new(|info| log(Level::Error, &format!("panic: {}", info))));
}

pub fn init<T: Component>(slot: &Slot<T>) -> i32 {
    log_panics();
    match T::init() {
        Ok(state) => {
            *slot.0.borrow_mut() = Some(state);
            0
        }
        Err(e) => {
            log(Level::Error, &format!("failed to start: {}", e));
            1
        }
    }
}

/// Runs a handler on the state; a missing state (no successful init) fails the message.
fn with_state<T: Component>(slot: &Slot<T>, run: impl FnOnce(&mut T) -> i32) -> i32 {
    match slot.0.borrow_mut().as_mut() {
        Some(state) => run(state),
        None => 1,
    }
}

pub fn on_message<T: Component>(slot: &Slot<T>, sender_len: i32, payload_len: i32, corr: i64) -> i32 {
    let msg = match Message::current(sender_len, payload_len, corr) {
        Ok(msg) => msg,
        Err(_) => return 1,
    };
    with_state(slot, |state| {
        let failure = state.on_message(msg).err();
        failed(failure, corr)
    })
}

/// An `Err` from a handler: a request not answered yet is answered ERROR with its text (the
/// runtime would answer ERROR with no text); otherwise it goes to the log.
fn failed(failure: Option<Box<dyn std::error::Error>>, corr: i64) -> i32 {
    let e = match failure {
        None => return 0,
        Some(e) => e,
    };
    let why = e.to_string();
    let (p, pl) = (why.as_ptr(), mem::len32(why.len()));
    if corr <= 0 || unsafe { sys::respond(corr, crate::status::ERROR, p, pl) } < 0 {
        log(Level::Warn, &format!("handler failed: {}", why));
    }
    1
}

pub fn on_callback<T: Component>(slot: &Slot<T>, corr: i64, status: i32, payload_len: i32) -> i32 {
    let hint = usize::try_from(payload_len).unwrap_or(0);
    let payload = match mem::read_out(hint, |b, c| unsafe { sys::msg_payload(b, c) }) {
        Ok(p) => p,
        Err(_) => return 1,
    };
    let outcome = Outcome::from_status(status, payload);
    with_state(slot, |state| {
        let result: Handled = state.on_callback(RequestId::from_raw(corr), outcome);
        failed(result.err(), 0)
    })
}

pub fn on_shutdown<T: Component>(slot: &Slot<T>) {
    with_state(slot, |state| {
        state.on_shutdown();
        0
    });
}

pub fn on_upgrade<T: Component>(slot: &Slot<T>) -> i32 {
    with_state(slot, |state| failed(state.on_upgrade().err(), 0))
}

pub fn health<T: Component>(slot: &Slot<T>) -> i32 {
    with_state(slot, |state| state.health() as i32)
}
