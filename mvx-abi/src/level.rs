//! Monitor levels (`--monitor-level`): how much of the program the monitor sees, and which
//! fast-path calls the runtime may make itself. The monitor, its seccomp filter and the
//! runtime all decide from this one enum; the runtime learns the level as `Level as u64`.

use crate::Fast;
use std::fmt;
use std::str::FromStr;

/// How much of the program the monitor sees. Cumulative: each level lets through what the
/// one before it does, and more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default, Hash)]
#[repr(u64)]
pub enum Level {
    /// Every syscall in lock-step except the table's `Unchecked` ones (futex, sched_yield,
    /// rt_sigreturn).
    #[default]
    Strict = 0,
    /// Also lets through calls that only change the process's own memory or signal state
    /// (the table's `untraced_at_base` calls, under their argument conditions: anonymous
    /// mmap and mprotect without PROT_EXEC): anything that could make memory executable, and everything with an
    /// outside effect, stays in lock-step. With the runtime loaded, identity and clock reads
    /// (`Fast::Local`) take its fast path (the leader's result, no monitor round trip).
    Base = 1,
    /// `base`, and reads of files, pipes and terminals take the fast path, and file metadata
    /// reads (stat).
    NonsocketRo = 2,
    /// `nonsocket-ro`, and writes to files, pipes and terminals.
    NonsocketRw = 3,
    /// `nonsocket-rw`, and reads of sockets, readiness waits (epoll, poll) and the calls that
    /// change the fd table (read-only opens of regular files, close, accept) in
    /// single-threaded processes.
    SocketRo = 4,
    /// `socket-ro`, and writes to sockets.
    SocketRw = 5,
}

impl Level {
    /// Every level, weakest monitoring last.
    pub const ALL: [Level; 6] = [
        Level::Strict,
        Level::Base,
        Level::NonsocketRo,
        Level::NonsocketRw,
        Level::SocketRo,
        Level::SocketRw,
    ];

    /// The levels' names on the command line, in the order of `ALL`.
    pub const NAMES: [&'static str; 6] = [
        "strict",
        "base",
        "nonsocket-ro",
        "nonsocket-rw",
        "socket-ro",
        "socket-rw",
    ];

    /// The level's name on the command line.
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }

    /// The level as the runtime knows it (the handshake's answer): `Strict` is 0, fast path
    /// off.
    pub fn fast_level(self) -> u64 {
        self as u64
    }

    /// The level the runtime was told (`fast_level`), if it is one.
    pub fn from_fast_level(v: u64) -> Option<Level> {
        Self::ALL.get(usize::try_from(v).ok()?).copied()
    }

    /// The lowest level at which a call of `class` takes the fast path, on a socket or not
    /// (`Local` calls have no fd).
    pub fn needed(class: Fast, socket: bool) -> Level {
        match (class, socket) {
            (Fast::Local, _) => Level::Base,
            (Fast::Read, false) => Level::NonsocketRo,
            (Fast::Write, false) => Level::NonsocketRw,
            (Fast::Read, true) => Level::SocketRo,
            (Fast::Write, true) => Level::SocketRw,
            (Fast::Stat, _) => Level::NonsocketRo,
            (Fast::Wait | Fast::FdTable, _) => Level::SocketRo,
        }
    }

    /// Whether the fast path may make calls of `class` (for some fd classes) at this level.
    pub fn covers(self, class: Fast) -> bool {
        self >= Level::needed(class, false)
    }

    /// Whether the level relies on the runtime (the preload library and the gadget) for I/O.
    pub fn uses_fast_io(self) -> bool {
        self >= Level::NonsocketRo
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Level {
    type Err = String;

    fn from_str(s: &str) -> Result<Level, String> {
        Self::NAMES
            .iter()
            .position(|n| *n == s)
            .map(|i| Self::ALL[i])
            .ok_or_else(|| {
                format!(
                    "unknown monitor level {s:?} (one of {})",
                    Self::NAMES.join(", ")
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_runtime_numbers_round_trip() {
        for (i, level) in Level::ALL.into_iter().enumerate() {
            assert_eq!(level.name().parse::<Level>(), Ok(level));
            assert_eq!(level.to_string(), Level::NAMES[i]);
            assert_eq!(Level::from_fast_level(level.fast_level()), Some(level));
        }
        assert!("fast".parse::<Level>().is_err());
        assert_eq!(Level::from_fast_level(6), None);
        assert!(Level::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn classes_need_their_level() {
        assert!(!Level::Strict.covers(Fast::Local));
        assert!(Level::Base.covers(Fast::Local) && !Level::Base.covers(Fast::Read));
        assert!(Level::NonsocketRo.covers(Fast::Read) && !Level::NonsocketRo.covers(Fast::Write));
        assert!(Level::NonsocketRw.covers(Fast::Write));
        assert_eq!(Level::needed(Fast::Read, true), Level::SocketRo);
        assert_eq!(Level::needed(Fast::Write, true), Level::SocketRw);
        assert!(!Level::Base.uses_fast_io() && Level::NonsocketRo.uses_fast_io());
    }
}
