//! Synchronous signal delivery (Orchestra, section 3): a signal with a handler is delivered to
//! every member of a group in the same *signal time frame* (between the same two syscalls).
//!
//! - Faults (SIGSEGV from the task's own code, ...) and signals whose default action
//!   terminates are delivered at once; the other variants must then end the same way before
//!   their next syscall, or it is a divergence.
//! - Ignored signals (and those ignored by default, SIGCHLD, SIGWINCH, ...) are dropped: the
//!   interrupted syscall restarts transparently.
//! - A signal with a handler is held at its delivery stop and recorded. Once at least half of
//!   the group has it (held at the stop, recorded earlier, or pending in the kernel of a task
//!   held at a syscall), every member is brought to a stop: members in a syscall are
//!   interrupted with a private kick signal, members running program code are waited for
//!   (they reach a syscall or the signal). Then all get it at once: members at a signal stop
//!   have it delivered there; members at a syscall skip it (it is re-executed after the
//!   handler, or returns EINTR, as the kernel decides for the interrupted ones) and receive
//!   the signal before returning to user code.
//! - A member that received the signal only because the majority had it takes a credit: its
//!   own copy, when it comes, is dropped.

use super::*;
use crate::table::SigMask;
use crate::tracee::SYSCALL_INSN_LEN;
use std::collections::BTreeSet;

const ERESTARTSYS: i64 = -512;
/// How long a signal only a minority of the group received is held before it is delivered to
/// every member anyway.
const FORCE_AFTER: Duration = Duration::from_millis(100);
const ERESTARTNOINTR: i64 = -513;

/// The real-time signal mvx sends to interrupt a task that sits in a syscall; its stop is
/// turned into the delivery of the signal being synchronised.
/// How long members get to reach the others' syscall before a kick, above `strict`.
const FAST_PATH_GRACE: Duration = Duration::from_millis(5);
/// How long a member still running program code gets to stop by itself (its own copy of the
/// signal, or its next syscall) when the others took the signal already, before a kick.
const CATCH_UP_GRACE: Duration = Duration::from_millis(5);
/// How long a leader in program code gets to reach its next call's entry, where it takes a
/// signal of a member-by-member delivery (`leader_takes`), before it takes it where it is.
const ENTRY_GRACE: Duration = Duration::from_millis(2);

/// How long a call-free stretch of a member holds a signal back from it while the others
/// wait at a call's entry (`leader_takes`): beyond it, the member takes it where it is.
const ENTRY_WAIT_MAX: Duration = Duration::from_millis(100);

/// Which of the member-by-member delivery's waits are over, for one member.
///
/// `entry_grace` and `too_long` measure how long the member *could have run* since the
/// delivery was decided: its CPU time, or the time since the decision while it sleeps in
/// the kernel (a blocking call, which a kick interrupts). A member that waits for a CPU (a
/// loaded machine) is not in a call-free stretch however long it waits: judged on the wall
/// clock, a leader preempted for 2 ms between two calls was taken for one in a loop, and the
/// signal was taken in program code, where one variant had made its next call's arguments
/// (read the counter the handler bumps) and another had not.
#[derive(Clone, Copy)]
struct Waited {
    entry_grace: bool,
    catch_up: bool,
    too_long: bool,
}

/// CPU time a task's process has used (its CPU clock), if it can be read here.
fn cpu_time(pid: Pid) -> Option<Duration> {
    if crate::remote::link::is_remote(pid) {
        return None;
    }
    let mut clock: libc::clockid_t = 0;
    // SAFETY: plain calls with a valid out-pointer.
    if unsafe { libc::clock_getcpuclockid(pid.as_raw(), &mut clock) } != 0 {
        return None;
    }
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: as above.
    if unsafe { libc::clock_gettime(clock, &mut ts) } != 0 {
        return None;
    }
    Some(Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// Where the leader took a signal of a member-by-member delivery.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TakenAt {
    /// At a call's entry: its arguments were made without the handler.
    Entry,
    /// In a loop: it made no call since the group's previous delivery, so the others are
    /// in the same call-free stretch, which is where each takes it as it stops.
    Loop,
    /// In program code, with every member stopped in program code at its position (it made
    /// no call within `ENTRY_GRACE`).
    ProgramCode,
}

fn kick_signal() -> i32 {
    libc::SIGRTMAX()
}

/// What a process does with a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Disposition {
    Default,
    Ignore,
    Handler { restart: bool },
}

/// A task's signal bookkeeping.
#[derive(Clone, Debug, Default)]
pub(super) struct SignalBook {
    /// Signals received (handler disposition) and not yet delivered.
    pub(super) pending: BTreeSet<i32>,
    /// Signals delivered on the majority's behalf before the task's own copy arrived.
    pub(super) credit: HashMap<i32, u32>,
    /// Which of `pending` were directed at the process, not the thread (`process_signals.rs`).
    pub(super) process_directed: BTreeSet<i32>,
    /// The siginfo each pending signal is to be delivered with (`siginfo.rs`).
    pub(super) infos: HashMap<i32, libc::siginfo_t>,
    /// Signals the monitor arranged to be delivered: let them through at their stop.
    expect: HashMap<i32, u32>,
    /// A kick is on its way: at its stop, deliver this signal instead.
    substitute: Option<i32>,
    /// A kick is on its way to bring the task to a stop for a delivery in progress.
    kicked: bool,
    /// Since when the task is held at a signal stop waiting for the rest of its group.
    held_since: Option<Instant>,
    /// Signals kept back while the task re-executes a clone a signal interrupted: the others'
    /// clone has happened, so the signal comes after it here too (see `defer_past_clone`).
    /// With each, whether the group already decided to deliver it (then it is let through
    /// at its stop) or it is this task's own copy (then it is synchronised as usual).
    after_clone: Vec<(i32, bool)>,
    /// The task was just answered EINTR for a call the leader ran for it (the leader's was
    /// interrupted), and has made no call since: it is where the leader's signal came, at
    /// the end of that call.
    pub(super) answered_eintr: bool,
}

/// A task (state) that will re-execute an interrupted clone when it resumes.
fn restarts_clone(state: &State) -> bool {
    matches!(state,
        State::Restarting { pending: Pending::Program(e), .. }
            if e.spec.is_some_and(|s| s.forks()))
}

fn take(map: &mut HashMap<i32, u32>, sig: i32) -> bool {
    match map.get_mut(&sig) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    }
}

/// The default action of `sig` is to ignore it.
fn ignored_by_default(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGCHLD | libc::SIGWINCH | libc::SIGURG | libc::SIGCONT
    )
}

/// Signals an instruction of the task itself raises (when not sent by someone).
fn fault_signal(sig: i32) -> bool {
    matches!(
        sig,
        libc::SIGSEGV | libc::SIGBUS | libc::SIGILL | libc::SIGFPE | libc::SIGTRAP | libc::SIGSYS
    )
}

/// Whether the stop is a fault raised by the task's own instruction (not a sent signal).
fn is_fault(task: &Task, sig: i32) -> bool {
    fault_signal(sig) && task.siginfo().map(|si| si.si_code > 0).unwrap_or(true)
}

/// Dispositions inherited at start: what mvx itself ignores (e.g. SIGINT in a background job).
pub(super) fn initial_dispositions(pid: Pid) -> Vec<Disposition> {
    let ignored = crate::procfs::ignored_signals(pid);
    (0..=64)
        .map(|sig| {
            if sig > 0 && ignored & (1u64 << (sig - 1)) != 0 {
                Disposition::Ignore
            } else {
                Disposition::Default
            }
        })
        .collect()
}

/// After exec, handlers are reset to the default; ignored signals stay ignored.
pub(super) fn reset_on_exec(handlers: &mut [Disposition]) {
    for h in handlers {
        if matches!(h, Disposition::Handler { .. }) {
            *h = Disposition::Default;
        }
    }
}

/// The run's signal synchronisation bookkeeping that belongs to no group or task: the
/// counters and delays for the report, and the groups waiting for their members to die of
/// the signal one of them died of (`awaits_same_death`).
#[derive(Default)]
pub(super) struct SignalSync {
    stats: crate::report::SignalStats,
    /// Delays (µs) from a signal's first stop to its delivery in every member.
    delays: Vec<u64>,
    deaths_to_follow: HashSet<GroupId>,
    /// Groups whose delivery in progress goes member by member (`deliver_as_they_stop`),
    /// with the members that took it already.
    taken: HashMap<GroupId, Vec<TaskId>>,
    /// For such a group: the ring position where its leader took the signal, and whether
    /// at a call's entry; where every follower takes it too.
    points: HashMap<GroupId, (u64, TakenAt, Option<u64>)>,
    /// Groups whose leader, in program code past `ENTRY_GRACE`, is held while the others
    /// are stopped too (`followers_gathered`).
    gathering: HashSet<GroupId>,
    /// Groups whose delivery is of an asynchronous signal: the leader takes it first, at a
    /// call's entry, and the others where it did (`leader_takes`). A signal the process sent
    /// itself each member takes as it stops (`member_takes_where_it_stops`): it is at the same
    /// point of every variant already.
    leader_first: HashSet<GroupId>,
    /// Per group, where its leader took its latest signal: ring position and syscall entries.
    last_leader_point: HashMap<GroupId, (u64, u64, TakenAt)>,
    /// For a member-by-member delivery: each member's CPU time when it was decided
    /// (`Waited`).
    cpu_at_decision: HashMap<TaskId, Duration>,
}

impl SignalSync {
    /// A signal was delivered to a whole group; its first member stopped for it at `since`.
    fn delivered(&mut self, since: Option<Instant>) {
        if let Some(since) = since {
            self.delays.push(since.elapsed().as_micros() as u64);
        }
        self.stats.delivered += 1;
    }

    /// A syscall was skipped so that a signal could be taken before it.
    fn skipped_syscall(&mut self) {
        self.stats.skipped_syscalls += 1;
    }

    /// Group `g` waits (or no longer waits) for its members to die as one of them did.
    fn follow_deaths(&mut self, g: GroupId, waits: bool) {
        if waits {
            self.deaths_to_follow.insert(g);
        } else {
            self.deaths_to_follow.remove(&g);
        }
    }

    fn awaits_deaths(&self) -> bool {
        !self.deaths_to_follow.is_empty()
    }

    fn take_deaths_to_follow(&mut self) -> Vec<GroupId> {
        self.deaths_to_follow.drain().collect()
    }

    /// The counters for the report.
    pub(super) fn report(&self) -> crate::report::SignalStats {
        crate::report::SignalStats {
            delay_us: crate::report::DelayStats::from_samples(&self.delays),
            ..self.stats.clone()
        }
    }
}

impl Monitor {
    /// A signal-delivery stop of task `t` (after instruction traps and new-task stops).
    pub(super) fn on_delivery_stop(
        &mut self,
        t: TaskId,
        sig: i32,
        stop: Stopped,
    ) -> Result<Option<Stop>> {
        // Held at the stop while it is looked at (its siginfo); let go from it below, or kept.
        let task = &mut self.tasks[t];
        let interrupted = task.take_state();
        task.state = State::AtSignal {
            resume: Box::new(interrupted),
            stop_sig: sig,
            stop,
        };
        let s = sig;
        if super::job_control::STOP_SIGNALS.contains(&sig)
            && super::job_control::is_group_stop(&self.tasks[t])
        {
            self.enter_group_stop(t, sig);
            return Ok(None);
        }
        if self.clone_restart_pending(t) && !is_fault(&self.tasks[t], sig) {
            // Its clone must run first (see `defer_past_clone`).
            let kick = s == kick_signal();
            if kick {
                self.tasks[t].sig.kicked = false;
            }
            let real = if kick {
                self.tasks[t].sig.substitute.take().map(|r| (r, true))
            } else if take(&mut self.tasks[t].sig.expect, s) {
                Some((s, true))
            } else {
                Some((s, false))
            };
            return self.defer_past_clone(t, real).map(|()| None);
        }
        if s == kick_signal() {
            if let Some(real) = self.tasks[t].sig.substitute.take() {
                // A kick sent so that a signal is delivered here, now: deliver it.
                return self.deliver_here(t, real, s).map(|()| None);
            }
            if std::mem::take(&mut self.tasks[t].sig.kicked) {
                if self.took_delivery_in_progress(t) {
                    // Kicked before it stopped by itself and took the delivery there (at a
                    // call's entry, say): the kick, sent to the thread, is dequeued before
                    // anything sent to the process. Held here, nothing would let it go.
                    debug!(task = t, "stale kick: the delivery is taken already");
                    return self.release_signal_stop(t).map(|()| None);
                }
                return self.hold_for_delivery(t, None);
            }
        }
        if take(&mut self.tasks[t].sig.expect, s) {
            if !self.tasks[t].sig.infos.contains_key(&s) {
                self.record_siginfo(t, s);
            }
            return self.deliver_here(t, s, s).map(|()| None);
        }
        if !self.cfg.signal_sync || is_fault(&self.tasks[t], sig) {
            return self.leave_signal_stop(t, Some(sig)).map(|()| None);
        }
        let proc_ = self.tasks[t].proc_;
        if self.stops_process(t, sig) {
            // Delivered like a caught signal, to every member at once (`job_control.rs`).
            if take(&mut self.tasks[t].sig.credit, s) {
                return self.leave_signal_stop(t, None).map(|()| None);
            }
            self.tasks[t].sig.pending.insert(s);
            return self.hold_for_delivery(t, Some(s));
        }
        match self.procs[proc_].signals.disposition(s) {
            Disposition::Ignore => self.leave_signal_stop(t, None).map(|()| None),
            Disposition::Default if ignored_by_default(sig) => {
                self.leave_signal_stop(t, None).map(|()| None)
            }
            // Terminating: at once; the others must follow before their next syscall.
            Disposition::Default => {
                self.pass_outside_fatal_signal(t, sig);
                self.leave_signal_stop(t, Some(sig)).map(|()| None)
            }
            Disposition::Handler { .. } => {
                if take(&mut self.tasks[t].sig.credit, s) {
                    return self.leave_signal_stop(t, None).map(|()| None);
                }
                if self.merges_into_delivery(t, s) {
                    debug!(
                        task = t,
                        sig = s,
                        "copy merged into the delivery in progress"
                    );
                    return self.leave_signal_stop(t, None).map(|()| None);
                }
                // (Only threaded processes route them: asking costs a PTRACE_GETSIGINFO.)
                if self.procs[proc_].threaded
                    && super::process_signals::directed_at_process(&self.tasks[t], s)
                {
                    if let Some(outcome) = self.route_process_signal(t, s)? {
                        return Ok(outcome);
                    }
                }
                self.record_siginfo(t, s);
                self.tasks[t].sig.pending.insert(s);
                let g = self.tasks[t].group;
                if self.lags_behind(g) && crate::remote::link::is_remote(self.tasks[t].tracee.pid) {
                    // Calls behind: its copy is kept while it catches up (`backlog.rs`).
                    return self.leave_signal_stop(t, None).map(|()| None);
                }
                self.hold_for_delivery(t, Some(s))
            }
        }
    }

    /// Keeps task `t` at its signal stop and tries to deliver `sig` (or the group's delivery
    /// in progress) to its group.
    fn hold_for_delivery(&mut self, t: TaskId, sig: Option<i32>) -> Result<Option<Stop>> {
        let g = self.tasks[t].group;
        let sig = match (self.groups[g].delivery, sig) {
            (Some((d, _)), _) => d,
            (None, Some(s)) => s,
            (None, None) => {
                // A stale kick: nothing to deliver any more.
                return self.release_signal_stop(t).map(|()| None);
            }
        };
        self.sync_signal(g, sig)
    }

    /// Whether task `t` took its group's member-by-member delivery in progress already.
    fn took_delivery_in_progress(&self, t: TaskId) -> bool {
        let g = self.tasks[t].group;
        self.groups[g].delivery.is_some()
            && self
                .signal_sync
                .taken
                .get(&g)
                .is_some_and(|taken| taken.contains(&t))
    }

    /// Whether task `t` is about to re-execute a clone that a signal interrupted (a pending
    /// signal makes fork return ERESTARTNOINTR) while its group's clone is in flight.
    fn clone_restart_pending(&self, t: TaskId) -> bool {
        let task = &self.tasks[t];
        let State::AtSignal { resume, .. } = &task.state else {
            return false;
        };
        restarts_clone(resume)
            && self.groups[task.group]
                .in_flight
                .as_ref()
                .is_some_and(|f| f.decision.plan == crate::dispatch_plan::Plan::Clone)
    }

    /// A member whose clone was interrupted by a signal while the group's clone is in flight:
    /// in other members the clone may have happened already, and there the signal is taken
    /// right after it. So here too: the signal (dequeued at this stop) is kept back, the clone
    /// is re-executed without a handler running first, and the signal is sent again once the
    /// clone returned (`resend_after_clone`). Delivering it now would run the handler, whose
    /// syscalls would wait for the clone in flight, which waits for this member: a deadlock.
    fn defer_past_clone(&mut self, t: TaskId, sig: Option<(i32, bool)>) -> Result<()> {
        let task = &mut self.tasks[t];
        if let Some(sig) = sig {
            task.sig.after_clone.push(sig);
        }
        task.sig.held_since = None;
        debug!(
            task = t,
            ?sig,
            "signal kept back until the interrupted clone ran"
        );
        let (interrupted, stop) = task.take_signal_stop()?;
        tolerate_gone(task.resume_from(stop, interrupted, Resume::Cont(None)))
    }

    /// The clone of `t` returned: the signals kept back for it are sent now.
    pub(super) fn resend_after_clone(&mut self, t: TaskId) {
        let task = &mut self.tasks[t];
        for (sig, decided) in std::mem::take(&mut task.sig.after_clone) {
            if decided {
                *task.sig.expect.entry(sig).or_default() += 1;
            }
            tkill(task.tracee.pid, sig);
        }
    }

    /// Lets a task held at a signal stop go on without a signal.
    fn release_signal_stop(&mut self, t: TaskId) -> Result<()> {
        let task = &mut self.tasks[t];
        if !matches!(task.state, State::AtSignal { .. }) {
            return Ok(());
        }
        task.sig.held_since = None;
        self.leave_signal_stop(t, None)
    }

    /// Lets task `t` go from its signal (or group) stop back into the state the stop
    /// interrupted, as if it had not happened, delivering `sig` if given.
    pub(super) fn leave_signal_stop(&mut self, t: TaskId, sig: Option<i32>) -> Result<()> {
        let task = &mut self.tasks[t];
        let (interrupted, stop) = task.take_signal_stop()?;
        let how = Resume::unchanged(&interrupted, sig);
        tolerate_gone(task.resume_from(stop, interrupted, how))
    }

    /// Whether member `t` has `sig`: held at its stop with it, recorded, or pending in the
    /// kernel while held at a syscall or at a kick's stop (a kick, sent to the thread, is
    /// taken before a signal sent to the process: mvx forwards SIGTERM that way).
    fn member_has(&self, t: TaskId, sig: i32) -> bool {
        let task = &self.tasks[t];
        task.sig.pending.contains(&sig)
            || ((matches!(task.state, State::AtEntry(..) | State::AtExit { .. })
                || at_kick_stop(&task.state))
                && crate::procfs::signal_pending(task.tracee.pid, sig))
    }

    /// Group `g`'s members that are alive, in variant order.
    fn live_members(&self, g: GroupId) -> Vec<TaskId> {
        self.groups[g]
            .members
            .iter()
            .flatten()
            .copied()
            .filter(|&m| self.tasks[m].alive())
            .collect()
    }

    /// The synchronisation step for `sig` in group `g`, run whenever a member stops.
    pub(super) fn sync_signal(&mut self, g: GroupId, sig: i32) -> Result<Option<Stop>> {
        if self.groups[g].delivery.is_none() && self.lags_behind(g) {
            // A member is calls behind (`backlog.rs`): it catches up first, so that it takes
            // the signal at the same call as the others.
            return Ok(None);
        }
        let live = self.live_members(g);
        let deciding = self.groups[g].delivery.is_none();
        if deciding {
            // A member-by-member delivery that ended without this group (a member died).
            if self.signal_sync.taken.remove(&g).is_some() {
                self.forget_cpu_at_decision(g);
            }
            let have = live.iter().filter(|&&m| self.member_has(m, sig)).count();
            let all_stopped = live.iter().all(|&m| {
                matches!(
                    self.tasks[m].state,
                    State::AtSignal { .. } | State::AtEntry(..) | State::AtExit { .. }
                )
            });
            let held_long = live
                .iter()
                .filter_map(|&m| self.tasks[m].sig.held_since)
                .min()
                .is_some_and(|since| since.elapsed() >= FORCE_AFTER);
            // Fewer than half have it: hold it while the others may still get theirs (a
            // signal a process sends itself, a child's exit); deliver it to all once nobody can
            // (everyone stopped) or after a bound (a signal sent to one variant from outside).
            if have * 2 < live.len() && !all_stopped && !held_long {
                return Ok(None);
            }
            self.groups[g].delivery = Some((sig, Instant::now()));
        }
        // Members waiting at a clock read are at a syscall: they take the signal there.
        for &m in &live {
            if let State::ClockWait { .. } = self.tasks[m].state {
                let State::ClockWait { entry, stop, .. } = self.tasks[m].take_state() else {
                    unreachable!()
                };
                self.tasks[m].state = State::AtEntry(entry, stop);
            }
        }
        if self.signal_sync.taken.contains_key(&g)
            || (deciding && self.can_deliver_as_they_stop(g, sig, &live))
        {
            return self.deliver_as_they_stop(g, sig, &live);
        }
        // Bring every member to a stop. Lock-step guarantees that a member not stopped has
        // passed exactly the syscalls the others passed, so wherever it is, it is in the same
        // signal time frame: a kick may stop it there, even in a syscall-free loop (the paper
        // waits for its next syscall, without bound).
        //
        // With the fast path on, calls between two lock-step stops run unsynchronised, so a
        // member stopped anywhere is no longer at the same point as the others: members still
        // running get a short grace to reach the others' syscall first, and are kicked only
        // after it (a syscall-free loop).
        let decided = self.groups[g].delivery.map(|(_, at)| at);
        let grace_over = self.cfg.level == crate::seccomp::Level::Strict
            || decided.is_none_or(|at| at.elapsed() >= FAST_PATH_GRACE);
        if !grace_over {
            // A member stopped by its own copy in program code, while others wait at a
            // syscall: let it run on to that syscall (its copy is remembered in `pending`).
            let someone_at_syscall = live
                .iter()
                .any(|&m| matches!(self.tasks[m].state, State::AtEntry(..)));
            let in_program_code: Vec<TaskId> = live
                .iter()
                .copied()
                .filter(|&m| {
                    matches!(&self.tasks[m].state,
                        State::AtSignal { resume, .. } if matches!(**resume, State::Running))
                        && !self.tasks[m].sig.kicked
                        && self.tasks[m].sig.substitute.is_none()
                })
                .collect();
            if someone_at_syscall {
                for m in in_program_code {
                    self.release_signal_stop(m)?;
                }
            }
        }
        let mut ready = true;
        for &m in &live {
            match &self.tasks[m].state {
                State::AtSignal { .. } | State::AtEntry(..) | State::AtExit { .. } => {}
                State::Running | State::InSyscall(_) | State::Restarting { .. } => {
                    ready = false;
                    if grace_over {
                        self.kick(m)?;
                    }
                }
                // Not started, or never to return (it will die): nothing to wait for there.
                _ => {}
            }
        }
        if ready {
            self.deliver_all(g, sig, &live)?;
        }
        Ok(None)
    }

    /// Whether the delivery of `sig` just decided for group `g` may go member by member:
    /// every lock-stepped syscall is a rendezvous, so a member that has not passed the
    /// others' next one is in their signal time frame wherever it is, and each member can
    /// take the signal as soon as it stops (its own copy, its next syscall, or a kick after
    /// `CATCH_UP_GRACE`) while the others run on: nobody is held waiting for the rest, and a
    /// member whose own copy comes by itself is neither kicked nor stopped twice. Calls on
    /// the fast path pass no rendezvous: there the leader takes the signal first and its
    /// ring position is the point where every follower takes it (`take_in_order`). Only for
    /// the plain case: one thread, nothing in flight, every member in program code or at a
    /// syscall entry (so the calls they are held at are re-executed after the handler).
    fn can_deliver_as_they_stop(&self, g: GroupId, sig: i32, live: &[TaskId]) -> bool {
        let group = &self.groups[g];
        !self.procs[group.proc_].threaded
            && group.in_flight.is_none()
            && live.first().is_some_and(|&m| !self.stops_process(m, sig))
            && live.iter().all(|&m| match &self.tasks[m].state {
                State::Running | State::AtEntry(..) => true,
                State::AtSignal { resume, .. } => matches!(**resume, State::Running),
                _ => false,
            })
    }

    /// Whether a new copy of `sig` that task `t` stopped with merges into the member-by-member
    /// delivery of `sig` its group is in: `t` took that delivery already and the others have
    /// not yet. Standard signals do not queue (two pending are one), so for a signal whose
    /// copies come on their own in each variant (each variant's interval timer) this is two
    /// expirations taken as one, which the kernel does too when a task runs late; holding
    /// the copy instead would stop `t` until the others caught up, and pair each variant's
    /// k-th copy with the others' k-th however far apart they came.
    /// Only copies a timer sent merge: those the program sends itself (raise, kill) come in
    /// the same number in every variant and are delivered one by one, as natively (a signal
    /// pending for the thread and one pending for the process are two deliveries).
    fn merges_into_delivery(&self, t: TaskId, sig: i32) -> bool {
        let g = self.tasks[t].group;
        sig < libc::SIGRTMIN()
            && self.groups[g].delivery.is_some_and(|(d, _)| d == sig)
            && self
                .signal_sync
                .taken
                .get(&g)
                .is_some_and(|taken| taken.contains(&t))
            && self.tasks[t].siginfo().is_ok_and(|info| {
                // SI_TIMER: a POSIX timer; SI_KERNEL: setitimer's SIGALRM and the like.
                info.si_code == libc::SI_TIMER || info.si_code == libc::SI_KERNEL
            })
    }

    /// One step of a member-by-member delivery of `sig` to group `g`: members stopped in
    /// program code or at a syscall entry take it now; members still running are waited for
    /// (kicked after `CATCH_UP_GRACE`); members in a syscall are kicked. The group's syscalls
    /// wait (no rendezvous while `delivery` is set) until every member took it.
    fn deliver_as_they_stop(
        &mut self,
        g: GroupId,
        sig: i32,
        live: &[TaskId],
    ) -> Result<Option<Stop>> {
        let Some((_, since)) = self.groups[g].delivery else {
            return Ok(None);
        };
        if !self.signal_sync.taken.contains_key(&g) {
            debug!(
                group = g,
                sig, "signal delivered to each member as it stops"
            );
            let proc_ = self.groups[g].proc_;
            self.procs[proc_].signals.delivered(g, sig);
            self.share_siginfo(sig, live);
            self.signal_sync.taken.insert(g, Vec::new());
            for &m in live {
                match cpu_time(self.tasks[m].tracee.pid) {
                    Some(cpu) => self.signal_sync.cpu_at_decision.insert(m, cpu),
                    None => self.signal_sync.cpu_at_decision.remove(&m),
                };
            }
            if !self.sent_by_itself(g, sig) {
                self.signal_sync.leader_first.insert(g);
                // A leader in a loop (no call since the group's previous signal): every
                // member is in that call-free stretch, where each takes it as it stops.
                if let Some(leader) = self.member(g, 0) {
                    if self.made_no_call_since_last_delivery(g, leader) {
                        self.leader_point(g, sig, TakenAt::Loop, None);
                    }
                }
            }
        }
        let grace_over = since.elapsed() >= CATCH_UP_GRACE;
        // With a shared buffer the group's calls may take the fast path (from its first one,
        // which may come after the signal): its ring is lent now if it has none yet.
        let ring = self.runtime.has_ring(g);
        let leader_first = self.signal_sync.leader_first.contains(&g)
            && live.iter().any(|&m| self.tasks[m].variant == 0);
        for &m in live {
            if self.signal_sync.taken[&g].contains(&m) {
                continue;
            }
            if !leader_first {
                self.member_takes_where_it_stops(g, m, sig, grace_over)?;
            } else if self.tasks[m].variant == 0 {
                let waited = self.waited(m, since);
                self.leader_takes(g, m, sig, ring, waited)?;
            } else {
                let waited = self.waited(m, since);
                self.follower_takes_in_order(g, m, sig, waited)?;
            }
        }
        self.finish_if_all_took(g, live)
    }

    /// Which waits of the member-by-member delivery decided at `decided` are over for
    /// member `m` (`Waited`).
    fn waited(&self, m: TaskId, decided: Instant) -> Waited {
        let wall = decided.elapsed();
        let pid = self.tasks[m].tracee.pid;
        let could_run = |limit: Duration| {
            // (A thread's CPU time never grows faster than the wall clock.)
            if wall < limit {
                return false;
            }
            let ran = self
                .signal_sync
                .cpu_at_decision
                .get(&m)
                .and_then(|&at| Some(cpu_time(pid)?.saturating_sub(at)));
            match ran {
                Some(ran) if ran >= limit => true,
                Some(_) => {
                    matches!(self.tasks[m].state, State::Running | State::InSyscall(_))
                        && crate::procfs::blocked_in_kernel(pid)
                }
                None => true,
            }
        };
        Waited {
            entry_grace: could_run(ENTRY_GRACE),
            catch_up: wall >= CATCH_UP_GRACE,
            too_long: could_run(ENTRY_WAIT_MAX),
        }
    }

    fn forget_cpu_at_decision(&mut self, g: GroupId) {
        for m in self.groups[g].members.iter().flatten() {
            self.signal_sync.cpu_at_decision.remove(m);
        }
    }

    /// Ends group `g`'s member-by-member delivery once every live member took it.
    fn finish_if_all_took(&mut self, g: GroupId, live: &[TaskId]) -> Result<Option<Stop>> {
        let Some((_, since)) = self.groups[g].delivery else {
            return Ok(None);
        };
        let Some(taken) = self.signal_sync.taken.get(&g) else {
            return Ok(None);
        };
        if live.iter().all(|m| taken.contains(m)) {
            self.signal_sync.taken.remove(&g);
            self.forget_cpu_at_decision(g);
            self.signal_sync.points.remove(&g);
            self.signal_sync.gathering.remove(&g);
            self.signal_sync.leader_first.remove(&g);
            for v in 1..self.variants() {
                self.runtime.set_signal_point(g, v, 0);
            }
            self.groups[g].delivery = None;
            self.signal_sync.delivered(Some(since));
            // Members that took it early may be waiting at their next syscall.
            return self.try_rendezvous(g);
        }
        Ok(None)
    }

    /// Member `m` takes `sig` at its first stop in program code or at a syscall entry
    /// (kicked after `CATCH_UP_GRACE`), the others wherever they are: for a signal the process
    /// sent itself, and for a group whose leader is gone.
    fn member_takes_where_it_stops(
        &mut self,
        g: GroupId,
        m: TaskId,
        sig: i32,
        grace_over: bool,
    ) -> Result<()> {
        match &self.tasks[m].state {
            State::AtSignal { resume, .. } if matches!(**resume, State::Running) => {}
            State::AtEntry(..) => {}
            State::Running if !grace_over => return Ok(()),
            State::Running | State::InSyscall(_) | State::Restarting { .. } => {
                return self.kick(m);
            }
            _ => return Ok(()),
        }
        // A call the member is held at comes again after the handler (or ends with EINTR
        // if waiting for a signal is what it is for), as when a handler interrupts
        // program code just before it.
        self.take_here(g, m, sig, true)
    }

    /// The leader takes the signal first, at the entry of a call: at a lock-stepped call's
    /// entry stop, inside a fast-path call whose record it has not published, or at the top
    /// of its next fast-path call (its runtime asks, `OP_SIGNAL_POINT`). There the call's
    /// arguments are made without the handler in every variant, which is where the others
    /// take it too: taken in program code, a handler's effects (a counter it bumps) could
    /// reach the next call's arguments in one variant and not in another. A leader that makes
    /// no call within `ENTRY_GRACE` (a loop) takes it in program code.
    fn leader_takes(
        &mut self,
        g: GroupId,
        m: TaskId,
        sig: i32,
        ring: bool,
        waited: Waited,
    ) -> Result<()> {
        let interrupted = self.interrupted_call(m);
        let in_call = (ring && self.runtime.in_call(g, 0)) || interrupted.is_some();
        if let Some(&(_, TakenAt::Loop, _)) = self.signal_sync.points.get(&g) {
            // Decided for a loop (`deliver_as_they_stop`): taken where it stops, as by the others.
            return match &self.tasks[m].state {
                State::AtSignal { resume, .. } if matches!(**resume, State::Running) => {
                    self.take_here(g, m, sig, true)
                }
                State::AtEntry(..) => self.take_here(g, m, sig, true),
                State::Running if waited.catch_up => self.kick(m),
                State::InSyscall(_) | State::Restarting { .. } => self.kick(m),
                _ => Ok(()),
            };
        }
        let at = match &self.tasks[m].state {
            State::AtEntry(..) => TakenAt::Entry,
            State::AtSignal { resume, .. } if matches!(**resume, State::Running) => {
                if in_call {
                    TakenAt::Entry
                } else if self.made_no_call_since_last_delivery(g, m) {
                    TakenAt::Loop
                } else if waited.too_long && self.another_member_at_entry(g, m) {
                    // A long call-free stretch (a slower build, a computation): the signal
                    // is not held back any longer, at the price of taking it in program
                    // code here while the others are at the entry.
                    TakenAt::ProgramCode
                } else if waited.entry_grace && !self.another_member_at_entry(g, m) {
                    // No call within the grace: a loop, or a leader that did not get a CPU.
                    // Held here while the others are stopped too; taken in program code
                    // only if they all are in program code where it is (a loop of the
                    // program's), else it goes on to the call the others are at.
                    self.signal_sync.gathering.insert(g);
                    if !self.followers_gathered(g, m)? {
                        return Ok(());
                    }
                    TakenAt::ProgramCode
                } else {
                    if ring {
                        self.runtime.set_signal_point(g, 0, 1);
                    }
                    return self.release_signal_stop(m);
                }
            }
            State::Running => {
                if ring {
                    self.runtime.set_signal_point(g, 0, 1);
                }
                // Kicked to gather the group only if nobody waits at a call's entry already:
                // then the leader is on its way there (a kick would only slow it down).
                let gather = waited.entry_grace && !self.another_member_at_entry(g, m);
                return if gather || waited.too_long {
                    self.kick(m)
                } else {
                    Ok(())
                };
            }
            State::InSyscall(_) | State::Restarting { .. } => return self.kick(m),
            _ => return Ok(()),
        };
        // A call the leader was inside ends as the kernel decides; the others' same call ends
        // the same way (held at its entry, a follower's comes again or returns EINTR).
        let ends_early = interrupted
            .filter(|&(_, code)| !self.comes_again(g, sig, code))
            .map(|(nr, _)| nr);
        self.leader_point(g, sig, at, ends_early);
        self.take_here(g, m, sig, true)
    }

    /// Member `m` of group `g` takes `sig` at the stop it is held at (a call it is held at
    /// comes again after the handler if `comes_again`, else ends with EINTR).
    fn take_here(&mut self, g: GroupId, m: TaskId, sig: i32, comes_again: bool) -> Result<()> {
        self.deliver_to_member(m, sig, comes_again, false, false)?;
        self.signal_sync.taken.entry(g).or_default().push(m);
        Ok(())
    }

    /// Whether the leader `m` of group `g` made no call (fast or lock-stepped) since where it
    /// took the group's previous signal.
    fn made_no_call_since_last_delivery(&self, g: GroupId, m: TaskId) -> bool {
        let now = (
            self.runtime.ring_position(g, 0).unwrap_or(0),
            self.tasks[m].entries,
        );
        // Only after a delivery that found it in program code too: right after one at a
        // call's entry, the leader is between that call and the next, not in a loop.
        self.signal_sync
            .last_leader_point
            .get(&g)
            .is_some_and(|&(position, entries, at)| {
                (position, entries) == now && at != TakenAt::Entry
            })
    }

    /// Whether task `m`, at a signal stop, was inside a syscall the signal interrupts (a
    /// blocking call made from program code, or one of the fast path's, whose kernel part the
    /// monitor does not see): its arguments are made, as at the call's entry, and the call
    /// ends as the kernel decides (EINTR, or again after the handler).
    fn interrupted_call(&self, m: TaskId) -> Option<(u64, i64)> {
        if !matches!(self.tasks[m].state, State::AtSignal { .. }) {
            return None;
        }
        let r = self.tasks[m].regs().ok()?;
        let code = r.rax as i64;
        (r.orig_rax as i64 >= 0
            && (super::lockstep::ERESTART_CODES.contains(&code) || code == -(libc::EINTR as i64)))
            .then_some((r.orig_rax, code))
    }

    /// Whether a call interrupted with `code` by `sig` comes again after the handler (else
    /// it ends with EINTR), as the kernel decides.
    fn comes_again(&self, g: GroupId, sig: i32, code: i64) -> bool {
        let sa_restart = matches!(
            self.procs[self.groups[g].proc_].signals.disposition(sig),
            Disposition::Handler { restart: true }
        );
        match code {
            ERESTARTNOINTR => true,
            ERESTARTSYS => sa_restart,
            _ => false,
        }
    }

    /// Whether every follower of group `g` is stopped in program code at the position of
    /// its leader `m`; kicks those still running, lets go those behind it.
    fn followers_gathered(&mut self, g: GroupId, m: TaskId) -> Result<bool> {
        let position = self.runtime.ring_position(g, 0).unwrap_or(0);
        let mut all = true;
        for f in self.live_members(g).into_iter().filter(|&f| f != m) {
            let v = self.tasks[f].variant;
            let here = self.runtime.ring_position(g, v).unwrap_or(0);
            match &self.tasks[f].state {
                State::AtSignal { resume, .. } if matches!(**resume, State::Running) => {
                    if here < position {
                        self.release_signal_stop(f)?;
                        all = false;
                    }
                }
                State::Running | State::InSyscall(_) | State::Restarting { .. } => {
                    self.kick(f)?;
                    all = false;
                }
                _ => all = false,
            }
        }
        Ok(all)
    }

    /// Whether a member of group `g` other than `m` is at a call's entry: then `m`, in
    /// program code, is on its way there too (and a handler it ran now could reach the
    /// arguments of that call, which the other made without it).
    fn another_member_at_entry(&self, g: GroupId, m: TaskId) -> bool {
        self.groups[g].members.iter().flatten().any(|&o| {
            o != m
                && (matches!(self.tasks[o].state, State::AtEntry(..))
                    || self.runtime.in_call(g, self.tasks[o].variant))
        })
    }

    /// The leader of group `g` takes `sig` now: its ring position (the records it has
    /// published) is where each follower takes it (`signal_point_word`).
    fn leader_point(&mut self, g: GroupId, sig: i32, at: TakenAt, ends_early: Option<u64>) {
        self.signal_sync.gathering.remove(&g);
        let position = self.runtime.ring_position(g, 0).unwrap_or(0);
        if let Some(leader) = self.member(g, 0) {
            let entries = self.tasks[leader].entries;
            self.signal_sync
                .last_leader_point
                .insert(g, (position, entries, at));
        }
        debug!(group = g, sig, position, ?at, "the leader takes the signal");
        self.signal_sync
            .points
            .insert(g, (position, at, ends_early));
        self.runtime.set_signal_point(g, 0, 0);
        for v in 1..self.variants() {
            self.runtime.set_signal_point(g, v, position + 1);
        }
    }

    /// Follower `m` takes `sig` where the leader took it: at the same ring position (having
    /// consumed the records the leader had published then), and at a call's entry if the
    /// leader took it at one. Stopped before that point it runs on: its runtime asks for the
    /// signal at the entry of the call whose record is there (`OP_SIGNAL_POINT`), and a
    /// lock-stepped call's entry stop is one too. Before the leader took it there is no
    /// point yet.
    fn follower_takes_in_order(
        &mut self,
        g: GroupId,
        m: TaskId,
        sig: i32,
        waited: Waited,
    ) -> Result<()> {
        let in_program_code = matches!(&self.tasks[m].state,
            State::AtSignal { resume, .. } if matches!(**resume, State::Running));
        let v = self.tasks[m].variant;
        let Some(&(point, at, ends_early)) = self.signal_sync.points.get(&g) else {
            // Before the leader took it: held where the leader may still take it (at the
            // leader's ring position; without the fast path, anywhere: a follower answered a
            // call the leader was interrupted in is past the leader's syscall already), let
            // go if behind it (it cannot pass that position before the leader took it).
            let behind = match (
                self.runtime.ring_position(g, v),
                self.runtime.ring_position(g, 0),
            ) {
                (Some(here), Some(leader)) => here < leader,
                _ => false,
            };
            if in_program_code && behind && !self.signal_sync.gathering.contains(&g) {
                self.release_signal_stop(m)?;
            }
            return Ok(());
        };
        let here = self.runtime.ring_position(g, v).unwrap_or(0);
        let in_call = self.runtime.in_call(g, v)
            || self.interrupted_call(m).is_some()
            || self.tasks[m].sig.answered_eintr;
        // (Never beyond the point: its runtime stops there. Beyond it, it takes it now.)
        let ready = match &self.tasks[m].state {
            State::AtEntry(..) => true,
            _ if in_program_code => {
                here > point
                    || (here == point && (in_call || at != TakenAt::Entry || waited.too_long))
            }
            _ => false,
        };
        if !ready {
            return match &self.tasks[m].state {
                _ if in_program_code => self.release_signal_stop(m),
                // The leader took it in a loop: so does this follower, as its own copy stops
                // it in the loop (or a kick, later).
                State::Running if at == TakenAt::Loop && waited.catch_up && here >= point => {
                    self.kick(m)
                }
                State::Running if at == TakenAt::ProgramCode && here >= point => self.kick(m),
                // A long call-free stretch before its next call's entry: not waited for
                // any longer (as the leader is not, `leader_takes`).
                State::Running if waited.too_long && here >= point => self.kick(m),
                State::InSyscall(_) | State::Restarting { .. } => self.kick(m),
                _ => Ok(()),
            };
        }
        debug!(
            task = m,
            here,
            point,
            ?at,
            in_call,
            state = self.tasks[m].state.name(),
            "a follower takes the signal"
        );
        self.runtime.set_signal_point(g, v, 0);
        // Held at the entry of the call the leader's ended with EINTR: so does this one.
        let comes_again = !matches!(&self.tasks[m].state,
            State::AtEntry(e, _) if Some(e.call.raw.nr) == ends_early);
        self.take_here(g, m, sig, comes_again)
    }

    /// How often to look at member-by-member deliveries: a leader waiting for its next call's
    /// entry is looked at again after `ENTRY_GRACE`.
    pub(super) fn delivery_poll(&self) -> Option<Duration> {
        let waits_for_leader = self
            .signal_sync
            .taken
            .keys()
            .any(|g| !self.signal_sync.points.contains_key(g));
        waits_for_leader.then_some(ENTRY_GRACE)
    }

    /// A variant's runtime is at the entry of a fast-path call where it owes a signal
    /// (`OP_SIGNAL_POINT`, at ring `position`): the leader takes it here first, a follower
    /// where the leader did; it is delivered as the handshake returns. A point no longer
    /// owed (taken at a stop meanwhile) just returns.
    pub(super) fn signal_point_reached(
        &mut self,
        t: TaskId,
        stop: Stopped,
        regs: user_regs_struct,
        position: u64,
    ) -> Result<Option<Stop>> {
        let (g, variant) = (self.tasks[t].group, self.tasks[t].variant);
        self.runtime.set_signal_point(g, variant, 0);
        let taken = self
            .signal_sync
            .taken
            .get(&g)
            .is_some_and(|v| v.contains(&t));
        let point = self.signal_sync.points.get(&g).map(|&(p, ..)| p);
        let owed = match self.groups[g].delivery {
            Some((sig, _)) if !taken && variant == 0 && point.is_none() => Some(sig),
            Some((sig, _)) if !taken && variant != 0 && point.is_some_and(|p| position >= p) => {
                Some(sig)
            }
            _ => None,
        };
        let Some(sig) = owed else {
            let task = &mut self.tasks[t];
            task.history
                .push("mvx_signal_point() = 0 (nothing owed)".into());
            return super::lockstep::answer(task, stop, &regs, 0, None).map(|()| None);
        };
        debug!(
            task = t,
            position, "a variant takes the signal at a fast-path call's entry"
        );
        if variant == 0 {
            self.leader_point(g, sig, TakenAt::Entry, None);
        }
        self.tasks[t].history.push(format!(
            "mvx_signal_point() = 0 ({} taken here)",
            crate::decode::signal_name(sig)
        ));
        let in_kernel = self.settle_member_copy(t, sig, false);
        let mut regs = regs;
        regs.orig_rax = u64::MAX; // the handshake is not made: answered with 0
        regs.rax = 0;
        self.send_before_return(t, stop, regs, sig, in_kernel)?;
        self.signal_sync.taken.entry(g).or_default().push(t);
        let live = self.live_members(g);
        // The followers held at a stop may take it now.
        self.deliver_as_they_stop(g, sig, &live)
    }

    /// Interrupts a task sitting in a syscall; its kick stop holds it for the delivery.
    fn kick(&mut self, t: TaskId) -> Result<()> {
        let task = &mut self.tasks[t];
        if !task.sig.kicked {
            task.sig.kicked = true;
            tkill(task.tracee.pid, kick_signal());
        }
        Ok(())
    }

    /// Every live member is stopped: deliver `sig` to all in this signal time frame.
    fn deliver_all(&mut self, g: GroupId, sig: i32, live: &[TaskId]) -> Result<()> {
        debug!(group = g, sig, "synchronous signal delivery");
        let first_seen = live
            .iter()
            .filter_map(|&m| self.tasks[m].sig.held_since)
            .chain(self.groups[g].delivery.map(|(_, since)| since))
            .min();
        self.signal_sync.delivered(first_seen);
        self.groups[g].delivery = None;
        let proc_ = self.groups[g].proc_;
        self.procs[proc_].signals.delivered(g, sig);
        let mut process_directed = false;
        for &m in live {
            process_directed |= self.tasks[m].sig.process_directed.remove(&sig);
        }
        self.share_siginfo(sig, live);
        let restart = self.restarts_after_delivery(proc_, sig, live);
        // A syscall in flight ends here for everyone (returned EINTR or will be re-executed).
        let clone_in_flight = self.groups[g]
            .in_flight
            .as_ref()
            .is_some_and(|f| f.decision.plan == crate::dispatch_plan::Plan::Clone);
        if !clone_in_flight {
            self.groups[g].in_flight = None;
        }
        for &m in live {
            self.deliver_to_member(m, sig, restart, clone_in_flight, process_directed)?;
        }
        Ok(())
    }

    /// Whether the calls the members were interrupted in are restarted once the signal is
    /// taken (else they end with EINTR): as the kernel decides for the interrupted member.
    fn restarts_after_delivery(&self, proc_: ProcId, sig: i32, live: &[TaskId]) -> bool {
        let sa_restart = matches!(
            self.procs[proc_].signals.disposition(sig),
            Disposition::Handler { restart: true }
        );
        // How an interrupted member's syscall ends once the handler runs decides how the
        // members held at that syscall end it.
        let interrupted_code = live.iter().find_map(|&m| match &self.tasks[m].state {
            State::AtSignal { resume, .. } => match resume.as_ref() {
                State::Restarting { code, .. } => Some(*code),
                _ => None,
            },
            _ => None,
        });
        // No handler runs for a stop signal: every interrupted call is restarted.
        let stop = live.first().is_some_and(|&m| self.stops_process(m, sig));
        match interrupted_code {
            _ if stop => true,
            Some(ERESTARTNOINTR) => true,
            Some(ERESTARTSYS) => sa_restart,
            Some(_) => false,
            None => true,
        }
    }

    /// Member `m` takes `sig` now: its own copy, if it had one, is used up; whether that copy
    /// is still pending in its kernel (else a later copy of its own is credited against it).
    fn settle_member_copy(&mut self, m: TaskId, sig: i32, process_directed: bool) -> bool {
        let had = self.tasks[m].sig.pending.remove(&sig);
        let in_kernel = !had && self.member_has(m, sig);
        if !had && !in_kernel {
            self.credit_member(m, sig, process_directed);
        }
        in_kernel
    }

    /// Delivers `sig` to member `m` at the stop it is held at: at a signal stop it takes it
    /// there; at a syscall entry or exit the call is ended (restarted or EINTR, or taken under
    /// the call's own mask) and the signal sent before it returns.
    fn deliver_to_member(
        &mut self,
        m: TaskId,
        sig: i32,
        restart: bool,
        clone_in_flight: bool,
        process_directed: bool,
    ) -> Result<()> {
        debug!(
            task = m,
            restart,
            state = ?std::mem::discriminant(&self.tasks[m].state),
            at = ?self.tasks[m].entry().map(|e| table::name_of(e.call.raw.nr)),
            "delivering to member"
        );
        let in_kernel = self.settle_member_copy(m, sig, process_directed);
        if let State::AtSignal {
            resume, stop_sig, ..
        } = &mut self.tasks[m].state
        {
            if clone_in_flight && restarts_clone(resume) {
                self.defer_past_clone(m, Some((sig, true)))?;
            } else if in_kernel {
                // At a kick's stop with its own copy pending behind it: that copy is taken
                // right after the kick, here. Delivered in its place with a credit instead,
                // it stayed pending, a second SIGTERM merged with it here and not in the
                // others, and nginx ran its handler at different points (a divergence).
                *self.tasks[m].sig.expect.entry(sig).or_default() += 1;
                self.release_signal_stop(m)?;
            } else {
                // The handler runs now: whatever the stop interrupted is over.
                **resume = State::Running;
                let stop_sig = *stop_sig;
                self.deliver_here(m, sig, stop_sig)?;
            }
            return Ok(());
        }
        match self.tasks[m].take_state() {
            State::AtEntry(e, token) => {
                if let Some(mask) = temporary_mask(&self.tasks[m].tracee, &e.call.raw) {
                    // The call would have taken the signal under its own mask: take it
                    // the same way, in rt_sigsuspend with that mask.
                    self.tasks[m].history.set_last_result("-1 EINTR (signal)");
                    self.take_under_mask(m, token, e.regs, mask, sig, in_kernel)?;
                    return Ok(());
                }
                // Waiting for a signal is what these calls are for: they end with EINTR.
                let waits = e.spec.is_some_and(|s| s.props.waits_for_signal);
                let mut regs = e.regs;
                regs.orig_rax = u64::MAX; // skip it now
                if restart && !waits {
                    regs.rip -= SYSCALL_INSN_LEN;
                    regs.rax = e.call.raw.nr;
                } else {
                    regs.rax = -(libc::EINTR as i64) as u64;
                }
                self.tasks[m].history.set_last_result(if restart && !waits {
                    "(signal first, then again)"
                } else {
                    "-1 EINTR (signal)"
                });
                self.send_before_return(m, token, regs, sig, in_kernel)?;
            }
            State::AtExit {
                pending,
                mut regs,
                stop: token,
            } => {
                let nr = match &pending {
                    Pending::Program(e) | Pending::ClockRead(e) => e.call.raw.nr,
                    Pending::Placement(p) => p.entry.call.raw.nr,
                    Pending::Injected { saved, .. } | Pending::SigWait { saved } => saved.orig_rax,
                };
                let is_clone = crate::table::lookup(nr).is_some_and(|s| s.forks());
                if clone_in_flight && is_clone {
                    // The clone happened: keep it; the signal comes right after it.
                    self.tasks[m].state = State::AtExit {
                        pending,
                        regs,
                        stop: token,
                    };
                    self.tasks[m]
                        .sig
                        .expect
                        .entry(sig)
                        .and_modify(|n| *n += 1)
                        .or_insert(1);
                    if !in_kernel {
                        tkill(self.tasks[m].tracee.pid, sig);
                    }
                    return Ok(());
                }
                if restart {
                    regs.rip -= SYSCALL_INSN_LEN;
                    regs.rax = regs.orig_rax;
                } else {
                    regs.rax = -(libc::EINTR as i64) as u64;
                }
                self.send_before_return(m, token, regs, sig, in_kernel)?;
            }
            other => {
                self.tasks[m].state = other;
            }
        }
        Ok(())
    }
    /// Resumes a task from a syscall stop with `regs`, with `sig` delivered before it returns
    /// to user code (already pending in the kernel, or sent now by way of a kick).
    fn send_before_return(
        &mut self,
        t: TaskId,
        stop: Stopped,
        regs: user_regs_struct,
        sig: i32,
        in_kernel: bool,
    ) -> Result<()> {
        self.signal_sync.skipped_syscall();
        tolerate_gone(stop.set_regs(&regs))?;
        self.arrange_signal(t, sig, in_kernel);
        let task = &mut self.tasks[t];
        tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))
    }

    /// Arranges for a stopped task to get `sig` when it resumes: already pending in its kernel
    /// (let its stop through), or by way of a kick whose stop delivers `sig` instead.
    fn arrange_signal(&mut self, t: TaskId, sig: i32, in_kernel: bool) {
        let task = &mut self.tasks[t];
        if in_kernel {
            *task.sig.expect.entry(sig).or_default() += 1;
        } else {
            task.sig.substitute = Some(sig);
            tkill(task.tracee.pid, kick_signal());
        }
    }

    /// Makes a task held at a syscall entry take `sig` inside rt_sigsuspend(`mask`), as the
    /// interrupted call (pselect6, ppoll, epoll_pwait, rt_sigsuspend) would have; the call
    /// then returns EINTR.
    fn take_under_mask(
        &mut self,
        t: TaskId,
        stop: Stopped,
        saved: user_regs_struct,
        mask: u64,
        sig: i32,
        in_kernel: bool,
    ) -> Result<()> {
        self.signal_sync.skipped_syscall();
        let mut regs = saved;
        crate::tracee::set_call(
            &mut regs,
            libc::SYS_rt_sigsuspend as u64,
            [mask, 8, 0, 0, 0, 0],
        );
        tolerate_gone(stop.set_regs(&regs))?;
        self.arrange_signal(t, sig, in_kernel);
        let next = State::InSyscall(Pending::SigWait { saved });
        tolerate_gone(self.tasks[t].resume_from(stop, next, Resume::ToExit(None)))
    }

    /// The rt_sigsuspend of `take_under_mask` returned: put the program's registers back (the
    /// result stays: the kernel turns it into EINTR when the handler runs).
    pub(super) fn finish_sig_wait(
        &mut self,
        t: TaskId,
        stop: Stopped,
        saved: user_regs_struct,
        regs: user_regs_struct,
    ) -> Result<()> {
        let mut restored = saved;
        restored.rax = regs.rax;
        restored.rip = regs.rip;
        tolerate_gone(stop.set_regs(&restored))?;
        let task = &mut self.tasks[t];
        tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))
    }

    /// Delivers `sig` at the signal stop (for `stop_sig`) task `t` is at. Delivered in place of
    /// another signal, `sig` may be blocked there (inside its own handler, say): the kernel
    /// then queues it, and its later stop must be let through.
    fn deliver_here(&mut self, t: TaskId, sig: i32, stop_sig: i32) -> Result<()> {
        let pid = self.tasks[t].tracee.pid;
        if stop_sig != sig && crate::procfs::signal_blocked(pid, sig) {
            *self.tasks[t].sig.expect.entry(sig).or_default() += 1;
            if crate::procfs::signal_pending(pid, sig) && take(&mut self.tasks[t].sig.credit, sig) {
                // Its own copy is pending already (blocked): a second one queued now would
                // merge with it and one delivery would be lost. That copy is this delivery:
                // it no longer counts against a credit, and its stop is let through.
                debug!(task = t, sig, "own pending copy taken as the delivery");
                let task = &mut self.tasks[t];
                task.sig.held_since = None;
                let (interrupted, stop) = task.take_signal_stop()?;
                return tolerate_gone(task.resume_from(stop, interrupted, Resume::Cont(None)));
            }
        }
        self.apply_siginfo(t, sig);
        let task = &mut self.tasks[t];
        task.sig.held_since = None;
        let (interrupted, stop) = task.take_signal_stop()?;
        tolerate_gone(task.resume_from(stop, interrupted, Resume::Cont(Some(sig))))
    }

    /// A member that died of a signal: the others must follow. Members held at a syscall with
    /// the same signal pending in their kernel are let go without executing it, so they die too.
    /// A terminating signal from outside the program reached task `t` only (a Ctrl-C goes
    /// to the terminal's foreground process group, which only the leader's job is; `kill`
    /// from another program names one pid): its counterparts in the other variants get it
    /// too, before `t` dies, so that every variant ends the same way. Signals the program
    /// sends itself (each variant sends its own) and faults are not passed on.
    fn pass_outside_fatal_signal(&mut self, t: TaskId, sig: i32) {
        let Ok(info) = self.tasks[t].siginfo() else {
            return;
        };
        let from_outside = match info.si_code {
            libc::SI_KERNEL => true,
            libc::SI_USER | -1 /* SI_QUEUE */ => {
                // SAFETY: for these codes the kill fields are the active union member.
                let sender = unsafe { info.si_pid() };
                sender != 0 && !self.by_pid.contains_key(&Pid::from_raw(sender))
            }
            _ => false,
        };
        if !from_outside {
            return;
        }
        let g = self.tasks[t].group;
        for m in self.groups[g].members.iter().flatten().copied() {
            let other = &self.tasks[m];
            if m != t && other.alive() && !crate::procfs::signal_pending(other.tracee.pid, sig) {
                debug!(task = m, sig, "a terminating signal from outside passed on");
                tkill(other.tracee.pid, sig);
            }
        }
    }

    /// A call that waits under its own signal mask (ppoll, pselect6, epoll_pwait) while a
    /// signal that mask lets in is already pending returns EINTR at once, after the handler.
    /// Run by the leader alone, it would do so in the leader only (followers get its EINTR
    /// without the handler): so the signal is delivered to the whole group first, each member
    /// taking it under the call's mask. Returns the outcome if that happened.
    pub(super) fn deliver_what_the_call_unblocks(
        &mut self,
        g: GroupId,
        members: &[TaskId],
    ) -> Result<Option<Option<Stop>>> {
        if self.groups[g].delivery.is_some() || !self.cfg.signal_sync {
            return Ok(None);
        }
        let leader = members[0];
        let Some(entry) = self.tasks[leader].entry() else {
            return Ok(None);
        };
        let tracee = self.tasks[leader].tracee;
        if entry
            .spec
            .is_some_and(|s| s.dispatch == crate::table::Dispatch::All)
        {
            return Ok(None); // executed by every variant (rt_sigsuspend): each takes it itself
        }
        let Some(mask_at) = temporary_mask(&tracee, &entry.call.raw) else {
            return Ok(None);
        };
        let Ok(mask) = tracee.read_u64(mask_at) else {
            return Ok(None);
        };
        let proc_ = self.tasks[leader].proc_;
        let lets_in = crate::procfs::pending_signals(tracee.pid) & !mask;
        let Some(sig) = (1..=64).find(|&s| {
            lets_in & (1u64 << (s - 1)) != 0
                && s != kick_signal()
                && matches!(
                    self.procs[proc_].signals.disposition(s),
                    Disposition::Handler { .. }
                )
        }) else {
            return Ok(None);
        };
        debug!(
            group = g,
            sig, "pending signal the call's mask lets in: delivered first"
        );
        self.groups[g].delivery = Some((sig, Instant::now()));
        self.sync_signal(g, sig).map(Some)
    }

    /// Member `dead` of group `g` was killed by a signal that does not come from its own code
    /// (a parent-death signal, a child's, a timer's): the other variants get theirs a moment
    /// later, at their own pace. Members held at a syscall wait for it up to `--signal-wait`
    /// (and then die of it too) before this counts as a divergence. Returns whether `g` waits.
    pub(super) fn awaits_same_death(&mut self, g: GroupId, dead: TaskId) -> Result<bool> {
        let State::Dead {
            how: Death::Signaled(sig),
            at,
        } = self.tasks[dead].state
        else {
            return Ok(false);
        };
        if fault_signal(sig) {
            return Ok(false);
        }
        if self.follow_fatal_signal(g, sig)? {
            self.signal_sync.follow_deaths(g, false);
            return Ok(true);
        }
        let waits = at.elapsed() < self.cfg.signal_wait;
        self.signal_sync.follow_deaths(g, waits);
        Ok(waits)
    }

    /// Groups waiting for their members to die as one of them did: look again.
    pub(super) fn recheck_deaths(&mut self) -> Result<Option<Stop>> {
        let waiting = self.signal_sync.take_deaths_to_follow();
        for g in waiting {
            if let Some(stop) = self.try_rendezvous(g)? {
                return Ok(Some(stop));
            }
        }
        Ok(None)
    }

    pub(super) fn follow_fatal_signal(&mut self, g: GroupId, sig: i32) -> Result<bool> {
        let held: Vec<TaskId> = self.groups[g]
            .members
            .iter()
            .flatten()
            .copied()
            .filter(|&m| matches!(self.tasks[m].state, State::AtEntry(..)))
            .collect();
        let all_pending = !held.is_empty()
            && held
                .iter()
                .all(|&m| crate::procfs::signal_pending(self.tasks[m].tracee.pid, sig));
        if !all_pending {
            return Ok(false);
        }
        for m in held {
            self.skip_with(m, -(libc::EINTR as i64), None)?;
        }
        Ok(true)
    }

    /// Tasks still waiting for a delivery whose members all stopped meanwhile, and held tasks
    /// whose kernel now has a recorded signal: re-run the synchronisation.
    pub(super) fn recheck_signals(&mut self) -> Result<Option<Stop>> {
        for g in self.running_groups() {
            let sigs: BTreeSet<i32> = match self.groups[g].delivery {
                Some((sig, _)) => [sig].into(),
                None => self.groups[g]
                    .members
                    .iter()
                    .flatten()
                    .flat_map(|&m| self.tasks[m].sig.pending.iter().copied())
                    .collect(),
            };
            for sig in sigs {
                if let Some(stop) = self.sync_signal(g, sig)? {
                    return Ok(Some(stop));
                }
            }
        }
        Ok(None)
    }

    /// Whether some signal is waiting to be synchronised (the event loop then polls).
    pub(super) fn signals_waiting(&self) -> bool {
        self.signal_sync.awaits_deaths()
            || self
                .running
                .iter()
                .any(|&g| self.groups[g].delivery.is_some())
            || self
                .running_tasks()
                .any(|t| t.alive() && !t.sig.pending.is_empty())
    }
}

/// A task held at the stop of a kick (`kick_signal`).
fn at_kick_stop(state: &State) -> bool {
    matches!(state, State::AtSignal { stop_sig, .. } if *stop_sig == kick_signal())
}

/// The signal mask a call installs while it waits, if any (a pointer to a sigset in the
/// task's memory; the table's `sigmask` says where).
fn temporary_mask(t: &Tracee, call: &crate::tracee::RawCall) -> Option<u64> {
    let a = call.args;
    let ptr = match crate::table::lookup(call.nr)?.props.sigmask? {
        SigMask::Arg(i) => a[i as usize],
        SigMask::PselectData(i) if a[i as usize] != 0 => t.read_u64(a[i as usize]).ok()?,
        SigMask::PselectData(_) => 0,
    };
    (ptr != 0).then_some(ptr)
}

/// Sends `sig` to one thread (the kick and forced deliveries must reach that very task).
pub(super) fn tkill(tid: Pid, sig: i32) {
    crate::tracee::thread_signal(tid, sig);
}
