//! Job control: stop signals and SIGCONT (Ctrl-Z, `fg`, `bg`, `kill -STOP`).
//!
//! A stop signal with its default action (SIGSTOP always; SIGTSTP, SIGTTIN, SIGTTOU unless
//! caught or ignored) is delivered like any other synchronised signal: to every member of the
//! group in the same signal time frame (a shell's Ctrl-Z reaches only the leader's job, the
//! foreground process group of the terminal being set by the leader alone). Delivered, it
//! puts each variant's process into a group-stop, which ptrace reports per thread; the
//! monitor then leaves those threads stopped (`State::GroupStopped`), and their parent sees
//! them stopped (`wait` with WUNTRACED), as natively.
//!
//! A traced thread in a group-stop is not woken by SIGCONT: the monitor looks for a pending
//! SIGCONT in stopped processes and resumes their threads. A SIGCONT that reached the
//! leader's process only (sent from outside to its pid) is passed on to the followers'
//! corresponding processes, so the variants go on together. Stopped groups never count
//! against the rendezvous window.

use super::*;

/// How often stopped processes are checked for a SIGCONT.
pub(super) const CONT_POLL: Duration = Duration::from_millis(10);

pub(super) const STOP_SIGNALS: [i32; 4] =
    [libc::SIGSTOP, libc::SIGTSTP, libc::SIGTTIN, libc::SIGTTOU];

/// Whether the stop of `task` with a stop signal is a group-stop (the signal already took
/// effect) rather than the signal's delivery stop: ptrace has no siginfo for it.
pub(super) fn is_group_stop(task: &Task) -> bool {
    matches!(task.siginfo(), Err(nix::errno::Errno::EINVAL))
}

impl Monitor {
    /// Whether `sig` stops the process of task `t` (its default action, not caught).
    pub(super) fn stops_process(&self, t: TaskId, sig: i32) -> bool {
        if sig == libc::SIGSTOP {
            return true;
        }
        STOP_SIGNALS.contains(&sig)
            && matches!(
                self.procs[self.tasks[t].proc_].signals.disposition(sig),
                super::signals::Disposition::Default
            )
    }

    /// Task `t` entered its process's group-stop: leave it stopped.
    pub(super) fn enter_group_stop(&mut self, t: TaskId, sig: i32) {
        let task = &mut self.tasks[t];
        debug!(task = t, sig, "group-stop");
        let State::AtSignal { resume, stop, .. } = task.take_state() else {
            unreachable!("a group-stop is reported as a signal stop")
        };
        task.state = State::GroupStopped { resume, sig, stop };
    }

    pub(super) fn any_group_stopped(&self) -> bool {
        self.tasks
            .iter()
            .any(|t| matches!(t.state, State::GroupStopped { .. }))
    }

    /// Resumes the stopped threads of processes that got a SIGCONT; a leader's process
    /// continued from outside passes the SIGCONT on to its followers.
    pub(super) fn wake_continued(&mut self) -> Result<()> {
        let stopped: Vec<TaskId> = (0..self.tasks.len())
            .filter(|&t| matches!(self.tasks[t].state, State::GroupStopped { .. }))
            .collect();
        let continued: Vec<TaskId> = stopped
            .iter()
            .copied()
            .filter(|&t| crate::procfs::signal_pending(self.tasks[t].tracee.pid, libc::SIGCONT))
            .collect();
        for &t in &continued {
            if self.tasks[t].variant == 0 {
                self.pass_cont_to_followers(t);
            }
        }
        // Every stopped thread of a continued process goes on (SIGCONT is process-wide).
        let procs: HashSet<(ProcId, usize)> = continued
            .iter()
            .map(|&t| (self.tasks[t].proc_, self.tasks[t].variant))
            .collect();
        for t in stopped {
            if procs.contains(&(self.tasks[t].proc_, self.tasks[t].variant)) {
                debug!(task = t, "continued");
                self.leave_signal_stop(t, None)?;
            }
        }
        Ok(())
    }

    /// The leader's stopped thread `t` got a SIGCONT: each follower's process that is still
    /// stopped gets one too (sent to a variant from outside, it reached that variant only).
    fn pass_cont_to_followers(&mut self, t: TaskId) {
        let g = self.tasks[t].group;
        for v in 1..self.variants() {
            let Some(m) = self.member(g, v) else { continue };
            let pid = self.tasks[m].tracee.pid;
            if matches!(self.tasks[m].state, State::GroupStopped { .. })
                && !crate::procfs::signal_pending(pid, libc::SIGCONT)
            {
                crate::tracee::signal(pid, libc::SIGCONT);
            }
        }
    }

    /// Whether a member of group `g` sits in a group-stop (no window runs then).
    pub(super) fn group_is_stopped(&self, g: GroupId) -> bool {
        self.groups[g]
            .members
            .iter()
            .flatten()
            .any(|&t| matches!(self.tasks[t].state, State::GroupStopped { .. }))
    }
}
