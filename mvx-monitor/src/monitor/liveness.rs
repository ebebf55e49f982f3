//! A run that stops making progress always ends, and says where it stood.
//!
//! - SIGTERM, SIGINT or SIGHUP sent to mvx are forwarded to the program; if it has not ended
//!   after a grace period, every variant is killed and mvx prints, per live task, where it
//!   was stuck. A second such signal ends the run at once, unless it comes so soon after the
//!   first that it is the same request arriving twice (`SAME_REQUEST_WITHIN`).
//! - SIGUSR2 sent to mvx prints the same state without ending anything (`--dump-on-hang`
//!   prints it when a rendezvous window expires).
//! - A group held by the monitor itself (its members all arrived but the call waits for the
//!   process's fd-table turn, or a signal delivery) counts against the window like a lagging
//!   variant.
//! - If the variants are all gone while the monitor's books still count some task as alive
//!   (an event it never saw), the run ends instead of waiting for it.

use super::*;
use crate::dispatch_plan::Plan;

/// How long the program gets to end by itself after a terminating signal sent to mvx.
pub(super) const TERMINATION_GRACE: Duration = Duration::from_millis(1500);

/// A terminating signal this soon after the first is the same request delivered twice, not a
/// user insisting: `timeout` relays to mvx the SIGTERM that `pkill -f` or a process-group kill
/// also sent it directly, systemd follows SIGTERM with SIGHUP. Taken as a second request, it
/// used to kill the variants a few ms after the first had been forwarded, before a program
/// with a handler could end cleanly (servers never could).
const SAME_REQUEST_WITHIN: Duration = Duration::from_millis(500);

/// A terminating signal sent to mvx, and when.
#[derive(Clone, Copy, Debug)]
pub(super) struct Termination {
    pub sig: i32,
    pub since: Instant,
}

impl Termination {
    /// When the grace period ends, for the event loop's timeout.
    pub(super) fn deadline(self) -> Instant {
        self.since + TERMINATION_GRACE
    }
}

impl Monitor {
    /// A signal sent to mvx: forward it, and for terminating ones start (or cut short) the
    /// grace period. Returns how the run ends if it ends now.
    pub(super) fn on_signal_to_mvx(&mut self, sig: nix::sys::signal::Signal) -> Option<Stop> {
        use nix::sys::signal::Signal;
        if sig == Signal::SIGUSR2 {
            for line in self.state_lines() {
                eprintln!("mvx: state: {line}");
            }
            return None;
        }
        let terminating = matches!(sig, Signal::SIGTERM | Signal::SIGINT | Signal::SIGHUP);
        let repeat = self
            .termination
            .filter(|t| terminating && t.since.elapsed() < SAME_REQUEST_WITHIN);
        if repeat.is_some_and(|t| t.sig == sig as i32) {
            // Forwarded once, as two such signals this close often merge natively. Forwarded
            // twice, they merge in one variant and not in another (one held at a ptrace stop
            // has not taken the first yet), and the handler runs a different number of times
            // or at different points: nginx diverged on it.
            debug!(
                ?sig,
                "the same terminating signal again at once: not forwarded again"
            );
            return None;
        }
        self.forward_signal(sig);
        if !terminating {
            return None;
        }
        match self.termination {
            Some(_) if repeat.is_some() => None,
            Some(_) => Some(self.terminate_now(sig as i32)),
            None => {
                self.termination = Some(Termination {
                    sig: sig as i32,
                    since: Instant::now(),
                });
                None
            }
        }
    }

    /// The grace period after a terminating signal is over and the program still runs.
    pub(super) fn check_termination(&mut self) -> Option<Stop> {
        let t = self.termination?;
        (t.since.elapsed() >= TERMINATION_GRACE).then(|| self.terminate_now(t.sig))
    }

    fn terminate_now(&mut self, sig: i32) -> Stop {
        eprintln!(
            "mvx: {} received and the program did not end: killing every variant",
            decode::signal_name(sig)
        );
        for line in self.stuck_lines() {
            eprintln!("mvx: stuck: {line}");
        }
        Stop::Terminated(sig)
    }

    /// One line per live task: where it is and what it waits for.
    pub(super) fn stuck_lines(&self) -> Vec<String> {
        (0..self.groups.len())
            .flat_map(|g| self.member_lines(g))
            .collect()
    }

    /// The whole state: one line per group, then one per member.
    pub(super) fn state_lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        for g in 0..self.groups.len() {
            let members = self.member_lines(g);
            if members.is_empty() {
                continue;
            }
            out.push(format!(
                "group {g} ({}): {}",
                self.group_label(g),
                self.group_waits_for(g)
            ));
            out.extend(members.into_iter().map(|m| format!("  {m}")));
        }
        if out.is_empty() {
            out.push("no live task".into());
        }
        out
    }

    fn member_lines(&self, g: GroupId) -> Vec<String> {
        self.groups[g]
            .members
            .iter()
            .flatten()
            .filter(|&&t| self.tasks[t].alive())
            .map(|&t| {
                let task = &self.tasks[t];
                format!(
                    "variant {} (pid {}) {}: {}; group waits for {}",
                    task.variant,
                    task.tracee.pid,
                    self.group_label(g),
                    self.task_position(t),
                    self.group_waits_for(g)
                )
            })
            .collect()
    }

    /// Where a task is, in words.
    fn task_position(&self, t: TaskId) -> String {
        let task = &self.tasks[t];
        let call = |e: &Entry| decode::syscall_text(&e.call);
        let kernel = || match crate::procfs::current_syscall(task.tracee.pid) {
            // -1: stopped in the kernel outside any syscall (a signal or ptrace stop).
            Some(nr) if nr >= 0 => format!(" (in the kernel: {})", table::name_of(nr as u64)),
            _ => String::new(),
        };
        match &task.state {
            State::Starting => "starting (before its exec)".into(),
            State::NewChild => "created, not yet stopped for the first time".into(),
            State::Running => format!("running program code{}", kernel()),
            State::AtExec(_) => "at its exec, its new image being prepared".into(),
            State::AtFault(_) => "at a fault, being examined".into(),
            State::AtEntry(e, _) => format!("held at the entry of {}", call(e)),
            State::InSyscall(Pending::Program(e)) => {
                format!("inside {}{}", call(e), kernel())
            }
            State::InSyscall(Pending::Placement(p)) => {
                format!("placing fds for {}", call(&p.entry))
            }
            State::InSyscall(_) => "inside a call the monitor injected".into(),
            State::AtExit { pending, .. } => match pending {
                Pending::Program(e) => format!("held at the exit of {}", call(e)),
                _ => "held at the exit of an injected call".into(),
            },
            State::Restarting { .. } => "interrupted by a signal, restarting its call".into(),
            State::ClockWait { entry, .. } => {
                format!("waiting for the leader's clock at {}", call(entry))
            }
            State::AtSignal { stop_sig, .. } => {
                format!("held at a signal stop ({})", decode::signal_name(*stop_sig))
            }
            State::GroupStopped { sig, .. } => {
                format!("stopped by {} (job control)", decode::signal_name(*sig))
            }
            State::Dead { how, .. } => how.describe(),
        }
    }

    /// What group `g` is waiting for, in words.
    pub(super) fn group_waits_for(&self, g: GroupId) -> String {
        let group = &self.groups[g];
        if group.doomed {
            return "its process to end (exit or exec)".into();
        }
        if let Some((sig, since)) = group.delivery {
            return format!(
                "every member to stop for {} (for {:.1?})",
                decode::signal_name(sig),
                since.elapsed()
            );
        }
        let proc_ = group.proc_;
        if self.procs[proc_].fd.waits_for_turn(g) {
            let holder = self.procs[proc_]
                .fd
                .turn_holder()
                .map_or("nobody".to_string(), |o| format!("group {o}"));
            return format!("its process's fd-table turn (held by {holder})");
        }
        if let Some(f) = &group.in_flight {
            let mut waiting: Vec<usize> = f.remaining.iter().copied().collect();
            waiting.sort_unstable();
            return format!("the syscall in flight to return in variant(s) {waiting:?}");
        }
        let missing: Vec<usize> = group
            .members
            .iter()
            .enumerate()
            .filter(|&(v, _)| !self.majority.is_retired(v))
            .filter(|(_, m)| m.is_none_or(|t| !matches!(self.tasks[t].state, State::AtEntry(..))))
            .map(|(v, _)| v)
            .collect();
        if missing.is_empty() {
            "nothing: its rendezvous is complete".into()
        } else {
            format!("variant(s) {missing:?} to reach the rendezvous")
        }
    }

    /// When a call every variant executes came back in one variant while others are still
    /// inside it: honest variants make the same call with the same arguments, so one that
    /// stays in the kernel a whole window longer than the others does something else.
    pub(super) fn in_flight_stall_start(&self, g: GroupId) -> Option<Instant> {
        if self.group_is_stopped(g) {
            return None;
        }
        let f = self.groups[g].in_flight.as_ref()?;
        if !matches!(
            f.decision.plan,
            Plan::AllChecked | Plan::AllReplace | Plan::Clone
        ) {
            return None;
        }
        f.first_exit
    }

    /// Reports a member still inside a call the others returned from a window ago.
    pub(super) fn check_in_flight_stalls(&self) -> Option<Stop> {
        for g in self.running_groups() {
            let Some(since) = self.in_flight_stall_start(g) else {
                continue;
            };
            if since.elapsed() < self.cfg.window {
                continue;
            }
            let inside: Vec<usize> = self.groups[g]
                .members
                .iter()
                .flatten()
                .map(|&t| &self.tasks[t])
                .filter(|t| matches!(t.state, State::InSyscall(Pending::Program(_))))
                .map(|t| t.variant)
                .collect();
            if inside.is_empty() {
                continue;
            }
            let name = self.groups[g]
                .members
                .iter()
                .flatten()
                .find_map(|&t| self.tasks[t].entry().map(|e| table::name_of(e.call.raw.nr)));
            let msg = format!(
                "variant(s) {inside:?} still inside {} {:?} after another variant returned from it",
                name.clone().unwrap_or_else(|| "a syscall".into()),
                self.cfg.window
            );
            if self.cfg.dump_on_hang {
                for line in self.state_lines() {
                    eprintln!("mvx: state: {line}");
                }
            }
            return Some(Stop::Diverged(self.divergence(
                g,
                DivergenceKind::Timeout,
                msg,
                name,
            )));
        }
        None
    }

    /// Since when group `g` has waited on the monitor itself with every member arrived (for
    /// its process's fd-table turn), if it does.
    pub(super) fn held_by_monitor_since(&self, g: GroupId) -> Option<Instant> {
        let proc_ = self.groups[g].proc_;
        if !self.procs[proc_].fd.waits_for_turn(g) {
            return None;
        }
        self.groups[g].fd_wait_since
    }

    /// Fails if the books count a task as alive although no tracee exists any more (it ended
    /// without an event the monitor saw): better a clear error than waiting for it forever.
    pub(super) fn check_vanished(&self) -> Result<()> {
        if !self.any_task_alive() || tracees_exist() {
            return Ok(());
        }
        anyhow::bail!(
            "the monitor lost track of the program: no variant process exists, yet it waits              for:\n  {}",
            self.stuck_lines().join("\n  ")
        )
    }
}

/// Whether any tracee still exists (a child of mvx, in any state).
fn tracees_exist() -> bool {
    // SAFETY: waitid with a valid out pointer; WNOHANG|WNOWAIT leaves any status for
    // the event loop.
    let rc = unsafe {
        let mut info: libc::siginfo_t = std::mem::zeroed();
        libc::waitid(
            libc::P_ALL,
            0,
            &mut info,
            libc::WEXITED | libc::WSTOPPED | libc::WNOHANG | libc::WNOWAIT | libc::__WALL,
        )
    };
    !(rc == -1 && nix::errno::Errno::last() == nix::errno::Errno::ECHILD)
}
