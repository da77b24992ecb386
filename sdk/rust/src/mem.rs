//! Passing Rust slices to the host as the ABI's (pointer, length) pairs, and reading what the
//! host copies out with its (buffer, capacity) convention.

use crate::error::{check, Result};

/// A length as the ABI's i32. A length over i32::MAX (impossible in a 4 GiB memory unless
/// bogus) becomes -1, which the host refuses with EINVAL.
pub(crate) fn len32(len: usize) -> i32 {
    i32::try_from(len).unwrap_or(-1)
}

/// (pointer, length) of bytes for an import.
pub(crate) fn arg(bytes: &[u8]) -> (*const u8, i32) {
    (bytes.as_ptr(), len32(bytes.len()))
}

/// Calls `copy(buffer, capacity)`, which returns the full length, with a first guess of
/// `hint` bytes, and again with the full length if the first buffer was too small.
pub(crate) fn read_out(hint: usize, mut copy: impl FnMut(*mut u8, i32) -> i32) -> Result<Vec<u8>> {
    let mut buf: Vec<u8> = Vec::with_capacity(hint);
    loop {
        let cap = buf.capacity();
        let len = check(copy(buf.as_mut_ptr(), len32(cap)))? as usize;
        if len <= cap {
            // SAFETY: the host wrote min(cap, len) = len bytes at the start of the buffer.
            unsafe { buf.set_len(len) };
            return Ok(buf);
        }
        buf.reserve_exact(len);
    }
}

/// Bytes as text, replacing what is not UTF-8 (names and reasons always are).
pub(crate) fn text(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}
