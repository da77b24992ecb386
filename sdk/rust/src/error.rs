//! The ABI's result codes as a Rust error, one variant per code (include/wactor_codes.h is
//! the table; tests/rust/codes_check.rs.in checks this file against it at build time).

use core::fmt;

/// The raw codes, by the names docs/ABI.md gives them.
pub mod code {
    pub const OK: i32 = 0;
    pub const EINVAL: i32 = -1;
    pub const EDENIED: i32 = -2;
    pub const ENOTFOUND: i32 = -3;
    pub const EFULL: i32 = -4;
    pub const ETOOBIG: i32 = -5;
    pub const EQUOTA: i32 = -6;
    pub const ESTATE: i32 = -7;
    pub const EEXIST: i32 = -8;
}

/// The callback statuses by their ABI names (`Outcome` is their typed form).
pub mod status {
    pub const OK: i32 = 0;
    pub const ERROR: i32 = 1;
    pub const TIMEOUT: i32 = 2;
    pub const FAILED: i32 = 3;
}

/// Why a call into the runtime was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// `EINVAL`: a bad argument (a malformed name, pattern or header, an unknown status).
    Invalid,
    /// `EDENIED`: the manifest's capabilities do not allow it (the attempt is audit-logged).
    Denied,
    /// `ENOTFOUND`: no such component, key, timer or pending request.
    NotFound,
    /// `EFULL`: the target's mailbox, or this component's pending requests or timers, are full.
    Full,
    /// `ETOOBIG`: over the runtime's message size limit, or the storage key/value limits.
    TooBig,
    /// `EQUOTA`: the storage quota would be exceeded; nothing was written.
    Quota,
    /// `ESTATE`: not valid now (e.g. reading the current message outside a handler).
    State,
    /// `EEXIST`: the name is already in use.
    Exists,
    /// A negative code this SDK does not know (a newer runtime's).
    Other(i32),
}

impl Error {
    /// The error for a negative code; `None` for success (0 or more).
    pub const fn from_code(code: i64) -> Option<Error> {
        if code >= 0 {
            return None;
        }
        Some(match code as i32 {
            code::EINVAL => Error::Invalid,
            code::EDENIED => Error::Denied,
            code::ENOTFOUND => Error::NotFound,
            code::EFULL => Error::Full,
            code::ETOOBIG => Error::TooBig,
            code::EQUOTA => Error::Quota,
            code::ESTATE => Error::State,
            code::EEXIST => Error::Exists,
            other => Error::Other(other),
        })
    }

    /// The ABI's code for this error.
    pub const fn code(self) -> i32 {
        match self {
            Error::Invalid => code::EINVAL,
            Error::Denied => code::EDENIED,
            Error::NotFound => code::ENOTFOUND,
            Error::Full => code::EFULL,
            Error::TooBig => code::ETOOBIG,
            Error::Quota => code::EQUOTA,
            Error::State => code::ESTATE,
            Error::Exists => code::EEXIST,
            Error::Other(c) => c,
        }
    }

    /// The ABI's name of the code: "EINVAL", "EDENIED", ...
    pub const fn name(self) -> &'static str {
        match self {
            Error::Invalid => "EINVAL",
            Error::Denied => "EDENIED",
            Error::NotFound => "ENOTFOUND",
            Error::Full => "EFULL",
            Error::TooBig => "ETOOBIG",
            Error::Quota => "EQUOTA",
            Error::State => "ESTATE",
            Error::Exists => "EEXIST",
            Error::Other(_) => "unknown",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let meaning = match self {
            Error::Invalid => "invalid argument",
            Error::Denied => "denied by capabilities",
            Error::NotFound => "not found",
            Error::Full => "mailbox or pending-request limit reached",
            Error::TooBig => "too big",
            Error::Quota => "storage quota exceeded",
            Error::State => "not valid in this state",
            Error::Exists => "name already in use",
            Error::Other(c) => return write!(f, "unknown error {}", c),
        };
        write!(f, "{} ({})", meaning, self.name())
    }
}

impl std::error::Error for Error {}

/// What every fallible call of this crate returns.
pub type Result<T> = core::result::Result<T, Error>;

/// A 32-bit result: the non-negative value, or the error.
pub(crate) fn check(code: i32) -> Result<u32> {
    match Error::from_code(code as i64) {
        Some(e) => Err(e),
        None => Ok(code as u32),
    }
}

/// A 64-bit result (an id): the positive value, or the error.
pub(crate) fn check64(code: i64) -> Result<i64> {
    match Error::from_code(code) {
        Some(e) => Err(e),
        None => Ok(code),
    }
}
