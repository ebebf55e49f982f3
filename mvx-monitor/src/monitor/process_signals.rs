//! Process-directed signals in multi-threaded processes.
//!
//! A signal sent to a process (kill, sigqueue, a child's SIGCHLD, alarm's SIGALRM) is taken by
//! whichever of its threads the kernel picks, and the kernel skips threads that are stopped,
//! which under mvx depends on where each variant's threads are held: the leader's copy may land
//! in its main thread and a follower's in a worker. Delivered per thread group as they land,
//! the handler would run twice in every variant. So such a signal is delivered in one group
//! per process: the group where the first copy landed (`pd_target`). A copy that lands in
//! another thread of the same variant is taken back at its stop and recorded as arrived in the
//! target group's member instead. A member that gets the signal only on the others' behalf
//! leaves a credit for its *process* (`pd_credit`): its own copy, wherever it lands, is
//! dropped.
//!
//! Not kept: the original `siginfo` of a copy moved to another thread (the handler sees the
//! signal as sent by mvx).

use super::signals::Disposition;
use super::*;

/// A process's signal state: the dispositions its leader set, and where process-directed
/// signals are being delivered. Changed only through these methods.
pub(super) struct ProcSignals {
    /// Signal dispositions (index: signal number), tracked from rt_sigaction.
    handlers: Vec<Disposition>,
    /// Per signal, the group in which a process-directed signal is being delivered.
    pd_target: HashMap<i32, GroupId>,
    /// Per variant and signal, process-directed copies already delivered on the others' behalf.
    pd_credit: HashMap<(usize, i32), u32>,
}

impl Default for ProcSignals {
    fn default() -> Self {
        ProcSignals {
            handlers: vec![Disposition::Default; 65],
            pd_target: HashMap::new(),
            pd_credit: HashMap::new(),
        }
    }
}

impl ProcSignals {
    /// What a forked child starts with: the parent's dispositions, no delivery under way.
    pub(super) fn forked(&self) -> ProcSignals {
        ProcSignals {
            handlers: self.handlers.clone(),
            ..ProcSignals::default()
        }
    }

    pub(super) fn disposition(&self, sig: i32) -> Disposition {
        self.handlers[sig as usize]
    }

    /// Records what the leader's rt_sigaction set.
    pub(super) fn set_disposition(&mut self, sig: usize, d: Disposition) {
        self.handlers[sig] = d;
    }

    /// At the first exec: the dispositions mvx itself was started with (`leader` has them).
    pub(super) fn inherit(&mut self, leader: Pid) {
        self.handlers = signals::initial_dispositions(leader);
    }

    pub(super) fn reset_on_exec(&mut self) {
        signals::reset_on_exec(&mut self.handlers);
    }

    /// Takes one of `variant`'s credits for `sig`, if it has one.
    fn take_credit(&mut self, variant: usize, sig: i32) -> bool {
        match self.pd_credit.get_mut(&(variant, sig)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }

    fn add_credit(&mut self, variant: usize, sig: i32) {
        *self.pd_credit.entry((variant, sig)).or_default() += 1;
    }

    /// The group where `sig` is being delivered; `g` if none is yet.
    fn target(&mut self, sig: i32, g: GroupId) -> GroupId {
        *self.pd_target.entry(sig).or_insert(g)
    }

    /// `sig` was delivered in group `g`: the next process-directed copy starts afresh.
    pub(super) fn delivered(&mut self, g: GroupId, sig: i32) {
        if self.pd_target.get(&sig) == Some(&g) {
            self.pd_target.remove(&sig);
        }
    }
}

/// Whether the signal at `task`'s delivery stop was sent to its process rather than its thread.
pub(super) fn directed_at_process(task: &Task, sig: i32) -> bool {
    let Ok(info) = task.siginfo() else {
        return false;
    };
    const SI_TKILL: i32 = -6;
    match info.si_code {
        SI_TKILL => false,
        // Faults and the like carry positive codes; for SIGCHLD they are CLD_*.
        code if code > 0 && code != libc::SI_KERNEL => sig == libc::SIGCHLD,
        _ => true,
    }
}

impl Monitor {
    /// A process-directed copy of `sig` stopped task `t` (handler disposition). Returns `None`
    /// if it is to be held here as usual, or the outcome once it was dropped (a credit) or
    /// moved to the process's target group.
    pub(super) fn route_process_signal(
        &mut self,
        t: TaskId,
        sig: i32,
    ) -> Result<Option<Option<Stop>>> {
        let (proc_, variant, g) = {
            let task = &self.tasks[t];
            (task.proc_, task.variant, task.group)
        };
        if !self.procs[proc_].threaded {
            return Ok(None);
        }
        if self.procs[proc_].signals.take_credit(variant, sig) {
            debug!(
                task = t,
                sig, "process-directed copy already delivered in its process"
            );
            self.leave_signal_stop(t, None)?;
            return Ok(Some(None));
        }
        let target = self.procs[proc_].signals.target(sig, g);
        let counterpart = self
            .member(target, variant)
            .filter(|&m| self.tasks[m].alive());
        let Some(m) = counterpart.filter(|_| target != g) else {
            self.tasks[t].sig.process_directed.insert(sig);
            return Ok(None);
        };
        debug!(
            task = t,
            sig,
            to = m,
            "process-directed copy moved to the target group"
        );
        self.leave_signal_stop(t, None)?;
        let member = &mut self.tasks[m].sig;
        member.pending.insert(sig);
        member.process_directed.insert(sig);
        self.sync_signal(target, sig).map(Some)
    }

    /// Member `m` gets `sig` on the others' behalf; if the signal is directed at its process,
    /// its own copy may land in any of its threads: the credit is its process's.
    pub(super) fn credit_member(&mut self, m: TaskId, sig: i32, process_directed: bool) {
        let task = &mut self.tasks[m];
        if process_directed && self.procs[task.proc_].threaded {
            self.procs[task.proc_].signals.add_credit(task.variant, sig);
        } else {
            *task.sig.credit.entry(sig).or_default() += 1;
        }
    }
}
