//! The monitor's event source: wait statuses of the variants, a timeout for the rendezvous
//! window, and signals sent to mvx itself, all multiplexed on one signalfd.

use crate::tracee::Stopped;
use anyhow::{Context, Result};
use nix::poll::{ppoll, PollFd, PollFlags};
use nix::sys::signal::{SigSet, SigmaskHow, Signal};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::time::TimeSpec;
use nix::unistd::Pid;
use std::os::fd::{AsFd, RawFd};
use std::time::Duration;

/// A wait status, decoded. Signals stay plain numbers: real-time signals have no `Signal`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEvent {
    Exited {
        pid: Pid,
        code: i32,
    },
    Killed {
        pid: Pid,
        sig: i32,
    },
    /// A SECCOMP_RET_TRACE stop: syscall entry.
    SeccompStop(Pid),
    /// A syscall-exit stop (PTRACE_O_TRACESYSGOOD).
    SyscallStop(Pid),
    /// PTRACE_EVENT_* stop other than seccomp.
    PtraceEvent {
        pid: Pid,
        event: i32,
    },
    /// A signal-delivery stop (or a new task's initial stop).
    SignalStop {
        pid: Pid,
        sig: i32,
    },
    /// A remote tracee's call was answered on its host, as the leader's expectation `id`
    /// said (`remote/expect.rs`); the tracee runs on. No wait status of the kernel's.
    Answered {
        pid: Pid,
        id: u64,
    },
}

impl WaitEvent {
    pub fn decode(pid: Pid, status: i32) -> WaitEvent {
        if libc::WIFEXITED(status) {
            return WaitEvent::Exited {
                pid,
                code: libc::WEXITSTATUS(status),
            };
        }
        if libc::WIFSIGNALED(status) {
            return WaitEvent::Killed {
                pid,
                sig: libc::WTERMSIG(status),
            };
        }
        let sig = libc::WSTOPSIG(status);
        let event = (status >> 16) & 0xff;
        match (sig, event) {
            (s, 0) if s == libc::SIGTRAP | 0x80 => WaitEvent::SyscallStop(pid),
            (libc::SIGTRAP, libc::PTRACE_EVENT_SECCOMP) => WaitEvent::SeccompStop(pid),
            (_, 0) => WaitEvent::SignalStop { pid, sig },
            (_, event) => WaitEvent::PtraceEvent { pid, event },
        }
    }

    pub fn pid(&self) -> Pid {
        match *self {
            WaitEvent::Exited { pid, .. }
            | WaitEvent::Killed { pid, .. }
            | WaitEvent::SeccompStop(pid)
            | WaitEvent::SyscallStop(pid)
            | WaitEvent::PtraceEvent { pid, .. }
            | WaitEvent::SignalStop { pid, .. }
            | WaitEvent::Answered { pid, .. } => pid,
        }
    }
}

/// One wait status: what happened, and for a stop the token that proves the tracee is held
/// there (the only way the monitor gets one).
#[derive(Debug)]
pub struct Waited {
    pub event: WaitEvent,
    pub stop: Option<Stopped>,
}

impl Waited {
    pub fn decode(pid: Pid, status: i32) -> Waited {
        Waited {
            event: WaitEvent::decode(pid, status),
            stop: Stopped::from_wait_status(pid, status),
        }
    }

    /// An end (exit or kill) that was collected elsewhere, or a remote call answered on its
    /// host: no stop.
    pub fn ended(event: WaitEvent) -> Waited {
        debug_assert!(matches!(
            event,
            WaitEvent::Exited { .. } | WaitEvent::Killed { .. } | WaitEvent::Answered { .. }
        ));
        Waited { event, stop: None }
    }
}

pub enum Event {
    /// A child changed state (drain wait statuses).
    Child,
    /// The timeout passed.
    Timeout,
    /// A signal sent to mvx that the program should receive.
    Forward(Signal),
    /// A signal the terminal sent to the foreground process group (Ctrl-C): the variants on
    /// this host have it already, those on follower hosts do not.
    FromTerminal(Signal),
}

pub struct Events {
    sfd: SignalFd,
    child_mask: SigSet,
}

/// Signals mvx takes through the signalfd instead of dying from them. All but SIGCHLD and
/// SIGWINCH are forwarded to the program when someone sends them to mvx.
const HANDLED: [Signal; 9] = [
    Signal::SIGCHLD,
    Signal::SIGINT,
    Signal::SIGTERM,
    Signal::SIGHUP,
    Signal::SIGQUIT,
    Signal::SIGUSR1,
    Signal::SIGUSR2,
    Signal::SIGALRM,
    Signal::SIGWINCH,
];

impl Events {
    pub fn new() -> Result<Events> {
        let mut mask = SigSet::empty();
        for s in HANDLED {
            mask.add(s);
        }
        let mut old = SigSet::empty();
        nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&mask), Some(&mut old))
            .context("blocking signals")?;
        let sfd = SignalFd::with_flags(&mask, SfdFlags::SFD_NONBLOCK | SfdFlags::SFD_CLOEXEC)
            .context("signalfd")?;
        Ok(Events {
            sfd,
            child_mask: old,
        })
    }

    /// The signal mask variants start with (the one mvx was started with).
    pub fn child_sigmask(&self) -> &SigSet {
        &self.child_mask
    }

    /// The next pending wait status of any child, or of a task on a follower host, without
    /// blocking.
    pub fn next_wait_status(&self) -> Result<Option<Waited>> {
        let mut status = 0;
        // SAFETY: plain waitpid(2) with a valid out pointer.
        let pid = unsafe { libc::waitpid(-1, &mut status, libc::WNOHANG | libc::__WALL) };
        match pid {
            0 => Ok(None),
            -1 => match nix::errno::Errno::last() {
                nix::errno::Errno::ECHILD => Ok(None),
                e => Err(e).context("waitpid"),
            },
            pid => Ok(Some(Waited::decode(Pid::from_raw(pid), status))),
        }
        .map(|w| w.or_else(crate::remote::link::next_wait_status))
    }

    /// Polls for a wait status for up to `spin` before the caller blocks: a stop that comes
    /// within it is taken without the monitor sleeping and being woken (on a small VM the
    /// wake-up of an idle vCPU is the larger part of a round trip), at the price of the CPU
    /// time spun.
    pub fn spin_for_wait_status(&self, spin: Duration) -> Result<Option<Waited>> {
        if spin.is_zero() {
            return Ok(None);
        }
        let deadline = std::time::Instant::now() + spin;
        loop {
            if let Some(w) = self.next_wait_status()? {
                return Ok(Some(w));
            }
            if std::time::Instant::now() >= deadline {
                return Ok(None);
            }
            std::hint::spin_loop();
        }
    }

    /// Blocks until a signal arrives, a follower host reports, or `timeout` passes.
    pub fn wait(&self, timeout: Option<Duration>) -> Result<Event> {
        self.wait_also(timeout, &crate::remote::link::wake_fds())
    }

    /// Blocks until a signal arrives, one of `extra` becomes readable (`Event::Child`), or
    /// `timeout` passes.
    pub fn wait_also(&self, timeout: Option<Duration>, extra: &[RawFd]) -> Result<Event> {
        if let Some(ev) = self.read_signal()? {
            return Ok(ev);
        }
        // ppoll: microsecond timeouts (signal delivery waits a few hundred of them).
        let t = timeout.map(TimeSpec::from_duration);
        let mut fds = vec![PollFd::new(self.sfd.as_fd(), PollFlags::POLLIN)];
        for &fd in extra {
            // SAFETY: the caller's fds stay open for the duration of this call.
            fds.push(PollFd::new(
                unsafe { std::os::fd::BorrowedFd::borrow_raw(fd) },
                PollFlags::POLLIN,
            ));
        }
        match ppoll(&mut fds, t, None) {
            Ok(0) => Ok(Event::Timeout),
            Ok(_) => Ok(self.read_signal()?.unwrap_or(Event::Child)),
            Err(nix::errno::Errno::EINTR) => Ok(Event::Child),
            Err(e) => Err(e).context("poll"),
        }
    }

    fn read_signal(&self) -> Result<Option<Event>> {
        let Some(info) = self.sfd.read_signal().context("reading signalfd")? else {
            return Ok(None);
        };
        let sig = Signal::try_from(info.ssi_signo as i32).context("signal number")?;
        // Terminal-generated signals (Ctrl-C) already reached the variants, which share the
        // foreground process group; only signals sent to mvx alone are forwarded.
        let from_kernel = info.ssi_code == libc::SI_KERNEL;
        Ok(Some(match sig {
            // A terminal resize reaches the variants directly (same process group).
            Signal::SIGCHLD | Signal::SIGWINCH => Event::Child,
            s if from_kernel => Event::FromTerminal(s),
            s => Event::Forward(s),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_ptrace_statuses() {
        let pid = Pid::from_raw(7);
        // Stopped: 0x7f | sig << 8 | event << 16.
        let stop = |sig: i32, event: i32| 0x7f | (sig << 8) | (event << 16);
        assert_eq!(
            WaitEvent::decode(pid, stop(libc::SIGTRAP, libc::PTRACE_EVENT_SECCOMP)),
            WaitEvent::SeccompStop(pid)
        );
        assert_eq!(
            WaitEvent::decode(pid, stop(libc::SIGTRAP | 0x80, 0)),
            WaitEvent::SyscallStop(pid)
        );
        assert_eq!(
            WaitEvent::decode(pid, stop(64, 0)),
            WaitEvent::SignalStop { pid, sig: 64 }
        );
        assert_eq!(
            WaitEvent::decode(pid, stop(libc::SIGTRAP, libc::PTRACE_EVENT_CLONE)),
            WaitEvent::PtraceEvent {
                pid,
                event: libc::PTRACE_EVENT_CLONE
            }
        );
        assert_eq!(
            WaitEvent::decode(pid, 3 << 8),
            WaitEvent::Exited { pid, code: 3 }
        );
        assert_eq!(WaitEvent::decode(pid, 9), WaitEvent::Killed { pid, sig: 9 });
    }

    #[test]
    fn only_stops_carry_a_token() {
        let pid = Pid::from_raw(7);
        let stop = |sig: i32, event: i32| 0x7f | (sig << 8) | (event << 16);
        for status in [
            stop(libc::SIGTRAP, libc::PTRACE_EVENT_SECCOMP),
            stop(libc::SIGTRAP | 0x80, 0),
            stop(libc::SIGSTOP, 0),
            stop(libc::SIGTRAP, libc::PTRACE_EVENT_EXEC),
        ] {
            let w = Waited::decode(pid, status);
            assert_eq!(w.stop.map(|s| s.pid()), Some(pid), "{:?}", w.event);
        }
        for status in [3 << 8, 9, 0] {
            assert!(Waited::decode(pid, status).stop.is_none());
        }
    }
}
