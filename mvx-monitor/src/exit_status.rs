//! The exit statuses of `mvx run` (documented in the README).

/// The variants diverged and were killed.
pub const DIVERGENCE: i32 = 86;
/// mvx itself failed (bad usage, internal error).
pub const MONITOR_ERROR: i32 = 125;
/// The program exists but cannot be executed.
pub const CANNOT_EXECUTE: i32 = 126;
/// The program was not found.
pub const NOT_FOUND: i32 = 127;

/// The shell's convention for a process killed by signal `sig`.
pub fn for_signal(sig: i32) -> i32 {
    128 + sig
}
