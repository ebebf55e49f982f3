//! A task of a variant and where it is: its state, the syscall it is held at, how it died.

use super::{fd_place, inject, signals, GroupId, ProcId};
use crate::capture::Captured;
use crate::decode;
use crate::report::History;
use crate::table::Spec;
use crate::tracee::{Stopped, Tracee};
use anyhow::{Context, Result};
use libc::user_regs_struct;
use std::os::fd::OwnedFd;
use std::time::Instant;
use tracing::debug;

/// A syscall (or trapped instruction) held at its stop.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    pub(super) regs: user_regs_struct,
    pub(super) call: Captured,
    pub(super) spec: Option<&'static Spec>,
    pub(super) arrived: Instant,
}

/// Why a task was resumed into a syscall with an exit stop requested.
#[derive(Clone, Debug)]
pub(super) enum Pending {
    /// The program's own syscall.
    Program(Entry),
    /// A syscall the monitor injected in place of the program's `saved` one, which is
    /// re-executed afterwards.
    Injected {
        what: inject::Injection,
        saved: user_regs_struct,
    },
    /// A follower's fds being placed at the leader's numbers (`fd_place.rs`).
    Placement(Box<fd_place::Placement>),
    /// rt_sigsuspend standing in for a call that waits under its own signal mask, so that a
    /// synchronised signal is taken the way that call would have taken it.
    SigWait { saved: user_regs_struct },
    /// The leader's clock read in a multi-threaded process (see `clock.rs`).
    ClockRead(Entry),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Death {
    Exited(i32),
    Signaled(i32),
}

impl Death {
    pub(super) fn describe(self) -> String {
        match self {
            Death::Exited(c) => format!("exited with status {c}"),
            Death::Signaled(s) => format!("killed by {}", decode::signal_name(s)),
        }
    }
}

/// Where a task is. The states that say the task is held at a ptrace stop (`is_stopped`) are
/// exactly those in which its `Task` holds the stop's token (`Task::stop`); the event loop
/// checks this after every event in debug builds (`check_stops`).
// Register sets make the stopped states large; boxing them would allocate on every syscall.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
pub(super) enum State {
    /// The first task of a variant, forked, not yet through its exec.
    Starting,
    /// Created by clone; its initial SIGSTOP has not been seen yet.
    NewChild,
    /// Executing program code (or a syscall it was let go into without an exit stop).
    Running,
    /// At its PTRACE_EVENT_EXEC stop, while the monitor prepares the new image (vDSO hidden,
    /// followers' image moved into their partition); runs on once that is done.
    AtExec,
    /// At a SIGSEGV stop while the monitor looks whether a trapped instruction (cpuid, rdtsc)
    /// faulted: it becomes `AtEntry` if so, and goes on as a signal otherwise.
    AtFault,
    /// Held at a seccomp stop (or a trapped instruction).
    AtEntry(Entry),
    /// Resumed into a syscall; stops again at its exit.
    InSyscall(Pending),
    /// Held at a syscall-exit stop.
    AtExit {
        pending: Pending,
        regs: user_regs_struct,
    },
    /// Its syscall was interrupted by a signal (exit `code` is a kernel restart code); it comes
    /// back to the same syscall (or restart_syscall) unless a handler runs.
    Restarting {
        pending: Pending,
        code: i64,
    },
    /// A follower held at a clock read in a multi-threaded process, waiting (briefly) for the
    /// leader's value.
    ClockWait {
        entry: Entry,
        until: Instant,
    },
    /// Held at a signal-delivery stop until the signal can be delivered to the whole group;
    /// `resume` is the state to go back to if it is not delivered here.
    AtSignal {
        resume: Box<State>,
        /// The signal of the stop (the kick, or the task's own copy of a signal).
        stop_sig: i32,
    },
    /// Stopped by a stop signal (job control) until its process gets a SIGCONT; `resume` is
    /// the state to go back to.
    GroupStopped {
        resume: Box<State>,
        sig: i32,
    },
    Dead {
        how: Death,
        at: Instant,
    },
}

pub(super) struct Task {
    pub(super) tracee: Tracee,
    /// The stop it is held at, in the states that say so (see `State`).
    pub(super) stop: Option<Stopped>,
    pub(super) variant: usize,
    pub(super) group: GroupId,
    pub(super) proc_: ProcId,
    pub(super) state: State,
    pub(super) history: History,
    pub(super) exec_error: Option<OwnedFd>,
    pub(super) sig: signals::SignalBook,
    /// Syscalls of the runtime's setup still to run outside lock-step (see `runtime_server.rs`).
    pub(super) setup_calls: u64,
    /// Random draws made alone in a row before a temporary file's creation (`temp_names.rs`).
    pub(super) temp_name_redraws: u32,
}

impl State {
    /// The variant's name, for messages (a state's contents can be long).
    pub(super) fn name(&self) -> &'static str {
        match self {
            State::Starting => "Starting",
            State::NewChild => "NewChild",
            State::Running => "Running",
            State::AtExec => "AtExec",
            State::AtFault => "AtFault",
            State::AtEntry(_) => "AtEntry",
            State::InSyscall(_) => "InSyscall",
            State::AtExit { .. } => "AtExit",
            State::Restarting { .. } => "Restarting",
            State::ClockWait { .. } => "ClockWait",
            State::AtSignal { .. } => "AtSignal",
            State::GroupStopped { .. } => "GroupStopped",
            State::Dead { .. } => "Dead",
        }
    }

    /// Whether a task in this state is held at a ptrace stop.
    pub(super) fn is_stopped(&self) -> bool {
        match self {
            State::AtEntry(_)
            | State::AtExit { .. }
            | State::ClockWait { .. }
            | State::AtSignal { .. }
            | State::GroupStopped { .. }
            | State::AtExec
            | State::AtFault => true,
            State::Starting
            | State::NewChild
            | State::Running
            | State::InSyscall(_)
            | State::Restarting { .. }
            | State::Dead { .. } => false,
        }
    }
}

impl Task {
    pub(super) fn alive(&self) -> bool {
        !matches!(self.state, State::Dead { .. })
    }

    /// Keeps the token of the stop a wait status reported.
    pub(super) fn hold(&mut self, stop: Stopped) {
        if self.stop.replace(stop).is_some() {
            // ptrace reports no second stop before a resume; keep the newer token anyway.
            debug!(pid = %self.tracee.pid, "a stop reported while one was held");
        }
    }

    /// The stop the task is held at; an error if it is not held (a monitor bug).
    pub(super) fn stopped(&self) -> Result<&Stopped> {
        self.stop.as_ref().with_context(|| {
            format!(
                "task {} is not held at a stop (state {})",
                self.tracee.pid,
                self.state.name()
            )
        })
    }

    /// Gives up the task's stop, to resume it.
    pub(super) fn take_stop(&mut self) -> Result<Stopped> {
        self.stop.take().with_context(|| {
            format!(
                "task {} is not held at a stop to resume (state {})",
                self.tracee.pid,
                self.state.name()
            )
        })
    }

    pub(super) fn regs(&self) -> Result<user_regs_struct> {
        self.stopped()?.regs()
    }

    pub(super) fn set_regs(&self, regs: &user_regs_struct) -> Result<()> {
        self.stopped()?.set_regs(regs)
    }

    /// The siginfo of its signal stop; ESRCH if it is not held, as ptrace answers for a
    /// tracee that is not stopped.
    pub(super) fn siginfo(&self) -> nix::Result<libc::siginfo_t> {
        self.stop
            .as_ref()
            .map_or(Err(nix::errno::Errno::ESRCH), Stopped::siginfo)
    }

    pub(super) fn set_siginfo(&self, info: &libc::siginfo_t) -> nix::Result<()> {
        self.stop
            .as_ref()
            .map_or(Err(nix::errno::Errno::ESRCH), |s| s.set_siginfo(info))
    }

    pub(super) fn sigmask(&self) -> Result<u64> {
        self.stopped()?.sigmask()
    }

    pub(super) fn set_sigmask(&self, mask: u64) -> Result<()> {
        self.stopped()?.set_sigmask(mask)
    }

    /// Resumes the task from its stop (see `Stopped::cont`).
    pub(super) fn cont(&mut self, sig: Option<i32>) -> Result<()> {
        self.take_stop()?.cont(sig)
    }

    /// Resumes the task to the exit of its syscall (see `Stopped::cont_to_exit`).
    pub(super) fn cont_to_exit(&mut self) -> Result<()> {
        self.take_stop()?.cont_to_exit()
    }

    pub(super) fn cont_to_exit_with(&mut self, sig: Option<i32>) -> Result<()> {
        self.take_stop()?.cont_to_exit_with(sig)
    }

    pub(super) fn entry(&self) -> Option<&Entry> {
        match &self.state {
            State::AtEntry(e) | State::ClockWait { entry: e, .. } => Some(e),
            State::InSyscall(Pending::Program(e))
            | State::AtExit {
                pending: Pending::Program(e),
                ..
            } => Some(e),
            State::InSyscall(Pending::Placement(p))
            | State::AtExit {
                pending: Pending::Placement(p),
                ..
            } => Some(&p.entry),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::unistd::Pid;

    fn task(state: State) -> Task {
        Task {
            // No such process: anything that reached the kernel would fail differently.
            tracee: Tracee::new(Pid::from_raw(i32::MAX)),
            stop: None,
            variant: 0,
            group: 0,
            proc_: 0,
            state,
            history: History::default(),
            exec_error: None,
            sig: signals::SignalBook::default(),
            setup_calls: 0,
            temp_name_redraws: 0,
        }
    }

    #[test]
    fn a_task_without_a_stop_is_neither_read_nor_resumed() {
        let mut t = task(State::Running);
        for err in [
            t.regs().map(drop).unwrap_err(),
            t.sigmask().map(drop).unwrap_err(),
            t.cont(None).unwrap_err(),
            t.cont_to_exit().unwrap_err(),
        ] {
            assert!(err.to_string().contains("is not held at a stop"), "{err:#}");
        }
        // As ptrace answers for a tracee that is not stopped.
        assert_eq!(t.siginfo().unwrap_err(), nix::errno::Errno::ESRCH);
    }
}
