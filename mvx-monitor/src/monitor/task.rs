//! A task of a variant and where it is: its state, the syscall it is held at, how it died.
//!
//! A stopped state owns the `tracee::Stopped` token of its stop; see `State`.

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

/// Where a task is. The states in which the task is held at a ptrace stop are exactly those
/// that hold the stop's token (`State::stop`): registers and siginfo are reached through it
/// (`Task::stopped`), and the only way to resume the task is to leave the state and give the
/// token up (`Task::resume`, `Task::resume_from`). A running state cannot hold one, so a task
/// is neither resumed twice nor read while it runs.
// Register sets make the stopped states large; boxing them would allocate on every syscall.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub(super) enum State {
    /// The first task of a variant, forked, not yet through its exec.
    Starting,
    /// Created by clone; its initial SIGSTOP has not been seen yet.
    NewChild,
    /// Executing program code (or a syscall it was let go into without an exit stop).
    Running,
    /// At its PTRACE_EVENT_EXEC stop, while the monitor prepares the new image (vDSO hidden,
    /// followers' image moved into their partition); runs on once that is done.
    AtExec(Stopped),
    /// At a SIGSEGV stop while the monitor looks whether a trapped instruction (cpuid, rdtsc)
    /// faulted: it becomes `AtEntry` if so, and goes on as a signal otherwise.
    AtFault(Stopped),
    /// Held at a seccomp stop (or a trapped instruction).
    AtEntry(Entry, Stopped),
    /// Resumed into a syscall; stops again at its exit.
    InSyscall(Pending),
    /// Held at a syscall-exit stop.
    AtExit {
        pending: Pending,
        regs: user_regs_struct,
        stop: Stopped,
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
        stop: Stopped,
    },
    /// Held at a signal-delivery stop until the signal can be delivered to the whole group;
    /// `resume` is the state to go back to if it is not delivered here.
    AtSignal {
        resume: Box<State>,
        /// The signal of the stop (the kick, or the task's own copy of a signal).
        stop_sig: i32,
        stop: Stopped,
    },
    /// Stopped by a stop signal (job control) until its process gets a SIGCONT; `resume` is
    /// the state to go back to.
    GroupStopped {
        resume: Box<State>,
        sig: i32,
        stop: Stopped,
    },
    Dead {
        how: Death,
        at: Instant,
    },
}

pub(super) struct Task {
    pub(super) tracee: Tracee,
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
    /// A child of CLONE_VM (vfork, posix_spawn) until its exec: the task whose memory, and so
    /// whose runtime state (thread-local group, process slot), it runs in.
    pub(super) in_memory_of: Option<super::TaskId>,
    /// Syscall entry stops it arrived at (a signal delivery asks whether it made a call
    /// since the previous one, `signals.rs`).
    pub(super) entries: u64,
    /// Where it is in an equivalent call sequence it walks alone (`--rules`).
    pub(super) rule_cursor: Option<crate::rules::Cursor>,
}

impl State {
    /// The variant's name, for messages (a state's contents can be long).
    pub(super) fn name(&self) -> &'static str {
        match self {
            State::Starting => "Starting",
            State::NewChild => "NewChild",
            State::Running => "Running",
            State::AtExec(_) => "AtExec",
            State::AtFault(_) => "AtFault",
            State::AtEntry(..) => "AtEntry",
            State::InSyscall(_) => "InSyscall",
            State::AtExit { .. } => "AtExit",
            State::Restarting { .. } => "Restarting",
            State::ClockWait { .. } => "ClockWait",
            State::AtSignal { .. } => "AtSignal",
            State::GroupStopped { .. } => "GroupStopped",
            State::Dead { .. } => "Dead",
        }
    }

    /// The stop a task in this state is held at.
    pub(super) fn stop(&self) -> Option<&Stopped> {
        match self {
            State::AtEntry(_, stop)
            | State::AtExit { stop, .. }
            | State::ClockWait { stop, .. }
            | State::AtSignal { stop, .. }
            | State::GroupStopped { stop, .. }
            | State::AtExec(stop)
            | State::AtFault(stop) => Some(stop),
            State::Starting
            | State::NewChild
            | State::Running
            | State::InSyscall(_)
            | State::Restarting { .. }
            | State::Dead { .. } => None,
        }
    }

    /// Leaves the state, giving up its stop if it holds one.
    pub(super) fn into_stop(self) -> Option<Stopped> {
        match self {
            State::AtEntry(_, stop)
            | State::AtExit { stop, .. }
            | State::ClockWait { stop, .. }
            | State::AtSignal { stop, .. }
            | State::GroupStopped { stop, .. }
            | State::AtExec(stop)
            | State::AtFault(stop) => Some(stop),
            State::Starting
            | State::NewChild
            | State::Running
            | State::InSyscall(_)
            | State::Restarting { .. }
            | State::Dead { .. } => None,
        }
    }
}

/// How a task is let go from its stop.
#[derive(Clone, Copy, Debug)]
pub(super) enum Resume {
    /// On to its next seccomp stop, delivering the signal if given (`Stopped::cont`).
    Cont(Option<i32>),
    /// To the exit of its syscall, delivering the signal if given (`Stopped::cont_to_exit_with`).
    ToExit(Option<i32>),
}

impl Resume {
    /// How a task goes on in `state` as if its stop had not happened: back into a syscall it
    /// was in (to its exit stop), or on to its next seccomp stop.
    pub(super) fn unchanged(state: &State, sig: Option<i32>) -> Resume {
        match state {
            State::InSyscall(_) => Resume::ToExit(sig),
            _ => Resume::Cont(sig),
        }
    }

    pub(super) fn apply(self, stop: Stopped) -> Result<()> {
        match self {
            Resume::Cont(sig) => stop.cont(sig),
            Resume::ToExit(sig) => stop.cont_to_exit_with(sig),
        }
    }
}

impl Task {
    pub(super) fn alive(&self) -> bool {
        !matches!(self.state, State::Dead { .. })
    }

    /// The stop the task is held at; an error naming its state if it is not held (a monitor
    /// bug).
    pub(super) fn stopped(&self) -> Result<&Stopped> {
        self.state.stop().with_context(|| {
            format!(
                "task {} is not held at a stop (state {})",
                self.tracee.pid,
                self.state.name()
            )
        })
    }

    /// Takes the task's state out, leaving `Running`: the caller moves it on, with its stop.
    pub(super) fn take_state(&mut self) -> State {
        std::mem::replace(&mut self.state, State::Running)
    }

    /// Moves the task to `next` and lets it go from the stop its present state holds.
    pub(super) fn resume(&mut self, next: State, how: Resume) -> Result<()> {
        let was = std::mem::replace(&mut self.state, next);
        let name = was.name();
        let stop = was.into_stop().with_context(|| {
            format!(
                "task {} is not held at a stop to resume (state {name})",
                self.tracee.pid
            )
        })?;
        how.apply(stop)
    }

    /// Takes a signal or group stop apart, leaving `Running`: the state it interrupted, and the
    /// stop to resume it from.
    pub(super) fn take_signal_stop(&mut self) -> Result<(State, Stopped)> {
        match self.take_state() {
            State::AtSignal { resume, stop, .. } | State::GroupStopped { resume, stop, .. } => {
                Ok((*resume, stop))
            }
            other => {
                let name = other.name();
                self.state = other;
                anyhow::bail!(
                    "task {} is at no signal stop (state {name})",
                    self.tracee.pid
                )
            }
        }
    }

    /// Lets the task go from `stop`, a stop just reported or taken out of its former state,
    /// into `next`.
    pub(super) fn resume_from(&mut self, stop: Stopped, next: State, how: Resume) -> Result<()> {
        self.state = next;
        how.apply(stop)
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
        self.state
            .stop()
            .map_or(Err(nix::errno::Errno::ESRCH), Stopped::siginfo)
    }

    pub(super) fn set_siginfo(&self, info: &libc::siginfo_t) -> nix::Result<()> {
        self.state
            .stop()
            .map_or(Err(nix::errno::Errno::ESRCH), |s| s.set_siginfo(info))
    }

    pub(super) fn entry(&self) -> Option<&Entry> {
        match &self.state {
            State::AtEntry(e, _) | State::ClockWait { entry: e, .. } => Some(e),
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
            variant: 0,
            group: 0,
            proc_: 0,
            state,
            history: History::default(),
            exec_error: None,
            sig: signals::SignalBook::default(),
            setup_calls: 0,
            temp_name_redraws: 0,
            in_memory_of: None,
            entries: 0,
            rule_cursor: None,
        }
    }

    #[test]
    fn a_task_without_a_stop_is_neither_read_nor_resumed() {
        let mut t = task(State::Running);
        for err in [
            t.regs().map(drop).unwrap_err(),
            t.resume(State::Running, Resume::Cont(None)).unwrap_err(),
            t.resume(State::Running, Resume::ToExit(None)).unwrap_err(),
        ] {
            assert!(err.to_string().contains("is not held at a stop"), "{err:#}");
            assert!(err.to_string().contains("state Running"), "{err:#}");
        }
        // As ptrace answers for a tracee that is not stopped.
        assert_eq!(t.siginfo().unwrap_err(), nix::errno::Errno::ESRCH);
        let err = t.take_signal_stop().map(drop).unwrap_err();
        assert!(err.to_string().contains("no signal stop"), "{err:#}");
        assert!(matches!(t.state, State::Running));
    }

    /// A stopped state carries its stop, so a task in it can be read and resumed, exactly
    /// once: the type allows no stopped state without a token, nor a running one with it.
    #[test]
    fn a_stopped_state_gives_its_one_stop_to_the_resume() {
        // SAFETY: the child calls only async-signal-safe functions before _exit.
        let child = match unsafe { nix::unistd::fork() }.expect("fork") {
            nix::unistd::ForkResult::Child => unsafe {
                libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
                libc::raise(libc::SIGSTOP);
                libc::_exit(3)
            },
            nix::unistd::ForkResult::Parent { child } => child,
        };
        let wait = || {
            let mut status = 0;
            // SAFETY: plain waitpid(2) on our own child with a valid out pointer.
            assert_eq!(
                unsafe { libc::waitpid(child.as_raw(), &mut status, 0) },
                child.as_raw()
            );
            status
        };
        let stop = Stopped::from_wait_status(child, wait()).expect("a stop");
        let mut t = task(State::AtSignal {
            resume: Box::new(State::Running),
            stop_sig: libc::SIGSTOP,
            stop,
        });
        t.tracee = Tracee::new(child);
        assert_eq!(t.stopped().expect("held").pid(), child);
        assert_ne!(t.regs().expect("registers").rsp, 0);
        assert_eq!(t.siginfo().expect("siginfo").si_signo, libc::SIGSTOP);
        // Leaving the signal stop gives back what it interrupted, and the token to resume.
        let (interrupted, stop) = t.take_signal_stop().expect("at a signal stop");
        assert!(matches!(interrupted, State::Running));
        t.resume_from(stop, interrupted, Resume::Cont(None))
            .expect("resumed");
        // Resumed: nothing is left to read or to resume it with.
        assert!(t.stopped().is_err());
        assert!(t.resume(State::Running, Resume::Cont(None)).is_err());
        let status = wait();
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 3);
    }
}
