//! The spine of one syscall of one group: arrive -> rendezvous -> compare -> dispatch ->
//! progress -> replicate. Calls with a handler (`handlers/`, found from the table entry) get
//! its phase at each step; nothing here names a syscall.

use super::inject;
use super::*;
use crate::capture::{self, Value};
use crate::dispatch_plan::{self, FdEffect, FollowerAction, Plan};
use crate::fdtable::FdKind;
use crate::table::Arg;
use crate::tracee::{self, RawCall};
use anyhow::bail;

// Kernel-internal restart codes a syscall-exit stop can show when a signal interrupted it.
pub(super) const ERESTART_CODES: std::ops::RangeInclusive<i64> = -516..=-512;

impl Monitor {
    pub(super) fn on_entry(&mut self, t: TaskId, stop: Stopped) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        match task.state {
            // Before exec: the child's own execve (or its error report).
            State::Starting => return tolerate_gone(stop.cont(None)).map(|()| None),
            State::Running | State::Restarting { .. } => {}
            State::InSyscall(Pending::Placement(_)) => return self.placement_entered(t, stop),
            ref other => bail!(
                "task {}: unexpected syscall entry in state {other:?}",
                task.tracee.pid
            ),
        }
        let Some(regs) = gone_ok(stop.regs())? else {
            return Ok(None);
        };
        if let State::Restarting { pending, .. } = &task.state {
            // The interrupted syscall comes back (re-executed, or as restart_syscall): it is
            // still the one in flight.
            let Pending::Program(e) = pending else {
                unreachable!("only program calls restart")
            };
            if handlers::continues_interrupted(regs.orig_rax, e) {
                let State::Restarting { pending, .. } = task.take_state() else {
                    unreachable!()
                };
                let resumed =
                    task.resume_from(stop, State::InSyscall(pending), Resume::ToExit(None));
                return tolerate_gone(resumed).map(|()| None);
            }
            debug!(task = t, "interrupted syscall did not come back");
            task.state = State::Running;
        }
        if handlers::is_restart(regs.orig_rax) {
            // restart_syscall outside `Restarting`: the kernel going on with a call the monitor
            // let through untraced, a futex wait with a timeout (CPython's GIL, any timed
            // pthread wait) that a signal interrupted: one the monitor dropped (SIGCHLD), or
            // one another thread took first (a process-directed signal wakes one thread,
            // which then finds nothing to take and no stop is reported). That happens in one
            // variant's thread only, and held for a rendezvous it waited for a twin that
            // never came: a false divergence, or a hang when the twin waits for the GIL. It
            // runs untraced, like the call it continues. (Called by the program itself it
            // can only go on with a wait the kernel set up, or fail with EINTR.)
            if task.variant == 0 {
                *self.unpaired_by_nr.entry(regs.orig_rax).or_default() += 1;
            }
            task.history
                .push("restart_syscall() (continues an untraced call, not compared)".into());
            let resumed = task.resume_from(stop, State::Running, Resume::Cont(None));
            return tolerate_gone(resumed).map(|()| None);
        }
        let (proc_, variant) = (task.proc_, task.variant);
        if let Some(what) = inject::needed(
            &self.procs[proc_],
            variant,
            self.cpuid_faulting,
            self.cfg.level > crate::seccomp::Level::Strict,
        ) {
            return inject::start(&mut self.tasks[t], stop, what, regs).map(|()| None);
        }
        if regs.orig_rax == mvx_sync_runtime::protocol::HANDSHAKE_NR as u64 {
            return self.answer_handshake(t, stop, regs);
        }
        let raw = RawCall::from_regs(&regs);
        if self.runtime.runs_as_setup(&mut self.tasks[t], &raw) {
            let task = &mut self.tasks[t];
            task.history.push(format!(
                "{} (runtime setup, outside lock-step)",
                table::name_of(raw.nr)
            ));
            let resumed = task.resume_from(stop, State::Running, Resume::Cont(None));
            return tolerate_gone(resumed).map(|()| None);
        }
        let spec = table::lookup(raw.nr);
        let tracee = self.tasks[t].tracee;
        // A remote tracee's host captured the call already (`remote/agent.rs`).
        let prefetched = crate::remote::link::take_captured(tracee.pid, &raw);
        let mut call = match (prefetched, spec) {
            (Some(call), _) => call,
            (None, Some(spec)) => capture::capture(&tracee, spec, raw),
            (None, None) => capture::capture_unknown(raw),
        };
        handlers::arrive(self, t, spec, &mut call);
        let entry = Entry {
            regs,
            call,
            spec,
            arrived: Instant::now(),
        };
        if self.clock_channel_applies(t, &entry) {
            return self.clock_read(t, entry, stop);
        }
        if self.runs_relaxed(t, &entry) {
            return self.run_relaxed(t, entry, stop);
        }
        if let Some(answer) = self.own_id_answer(t, &entry) {
            return self.answer_own_id(t, &entry, stop, answer);
        }
        self.arrive(
            t,
            Entry {
                arrived: Instant::now(),
                ..entry
            },
            stop,
        )
    }

    /// Holds a task at a syscall (or trapped instruction) and tries its group's rendezvous.
    pub(super) fn arrive(
        &mut self,
        t: TaskId,
        entry: Entry,
        stop: Stopped,
    ) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        task.history
            .push(format!("{} = ?", decode::syscall_text(&entry.call)));
        task.entries += 1;
        task.sig.answered_eintr = false;
        task.state = State::AtEntry(entry, stop);
        let g = task.group;
        if let Some(outcome) = self.catch_up(t)? {
            return Ok(outcome);
        }
        if let Some(stop) = self.join_call_in_flight(t) {
            return Ok(Some(stop));
        }
        if let Some((sig, _)) = self.groups[g].delivery {
            return self.sync_signal(g, sig);
        }
        self.try_rendezvous(g)
    }

    pub(super) fn on_exit(&mut self, t: TaskId, stop: Stopped) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        let State::InSyscall(pending) = task.take_state() else {
            bail!(
                "task {}: unexpected syscall-exit stop in state {:?}",
                task.tracee.pid,
                task.state
            );
        };
        let Some(regs) = gone_ok(stop.regs())? else {
            task.state = State::InSyscall(pending);
            return Ok(None);
        };
        match pending {
            Pending::Injected { what, saved } => {
                let (proc_, variant) = (task.proc_, task.variant);
                inject::finish(
                    &mut self.tasks[t],
                    stop,
                    &mut self.procs[proc_],
                    variant,
                    what,
                    saved,
                    regs,
                )?;
                if what == inject::Injection::CpuidFaulting {
                    self.cpuid_faulting = self.procs[proc_].spaces[variant].cpuid_faulting;
                }
                if self.procs[proc_].spaces[variant].cpuid_faulting == Some(false) {
                    // Documented fallback (README): cpuid runs natively.
                    tracing::info!(
                        task = t,
                        "this CPU cannot trap cpuid (ARCH_SET_CPUID unsupported)"
                    );
                }
                Ok(None)
            }
            Pending::SigWait { saved } => self.finish_sig_wait(t, stop, saved, regs).map(|()| None),
            Pending::ClockRead(entry) => self.finish_clock_read(t, stop, entry, regs),
            Pending::Placement(p) => self.placement_step_done(t, stop, *p, regs),
            Pending::Program(_) if ERESTART_CODES.contains(&(regs.rax as i64)) => {
                // Interrupted by a signal; the kernel restarts it unless a handler runs.
                let code = regs.rax as i64;
                let resumed = task.resume_from(
                    stop,
                    State::Restarting { pending, code },
                    Resume::Cont(None),
                );
                tolerate_gone(resumed).map(|()| None)
            }
            Pending::Program(_) => {
                task.state = State::AtExit {
                    pending,
                    regs,
                    stop,
                };
                let g = task.group;
                if let Some(f) = &mut self.groups[g].in_flight {
                    f.first_exit.get_or_insert_with(Instant::now);
                }
                self.progress(g)
            }
        }
    }

    /// The rendezvous: once every live member is held at a syscall entry, compare and dispatch.
    pub(super) fn try_rendezvous(&mut self, g: GroupId) -> Result<Option<Stop>> {
        let group = &self.groups[g];
        if group.in_flight.is_some() || group.delivery.is_some() {
            return Ok(None);
        }
        let Some(mut members) = group
            .members
            .iter()
            .enumerate()
            .filter(|&(v, _)| !self.majority.is_retired(v))
            .map(|(_, m)| *m)
            .collect::<Option<Vec<TaskId>>>()
        else {
            return Ok(None); // a variant's clone has not reported this task yet
        };
        if members.is_empty() {
            return Ok(None);
        }
        self.groups[g].backlogs.absent.clear();
        let lagging: Vec<TaskId> = members
            .iter()
            .copied()
            .filter(|&t| self.may_lag(t))
            .collect();
        if !lagging.is_empty() {
            if !self.settles_without_laggers(g, &lagging) {
                return Ok(None);
            }
            members.retain(|t| !lagging.contains(t));
            self.groups[g].backlogs.absent =
                lagging.iter().map(|&t| self.tasks[t].variant).collect();
        }
        let states: Vec<&State> = members.iter().map(|&t| &self.tasks[t].state).collect();
        if states
            .iter()
            .any(|s| !matches!(s, State::AtEntry(..) | State::Dead { .. }))
        {
            self.tell_followers_the_leader_is_held(g, &members);
            return Ok(None);
        }
        self.runtime.mark_leader_held(g, None);
        let dead = members.iter().find(|&&t| !self.tasks[t].alive()).copied();
        let live = members.iter().find(|&&t| self.tasks[t].alive()).copied();
        match (dead, live) {
            (_, None) => return Ok(None), // the group is gone; finished() decides the rest
            (Some(d), Some(l)) => {
                if self.groups[g].doomed {
                    // The process is exiting: the others will be killed too.
                    return Ok(None);
                }
                if handlers::sigpipe::follows_leaders_death(self, d, &members)? {
                    return Ok(None);
                }
                if self.awaits_same_death(g, d)? {
                    return Ok(None);
                }
                let stop = self.death_divergence(g, d, l);
                if self.majority.outvotes_death_of(self.tasks[d].variant) {
                    let why = match &stop {
                        Stop::Diverged(div) => div.message.clone(),
                        _ => "it died".into(),
                    };
                    if let Some(stop) = self.retire(self.tasks[d].variant, &why)? {
                        return Ok(Some(stop));
                    }
                    return self.try_rendezvous(g);
                }
                return Ok(Some(stop));
            }
            (None, Some(_)) => {}
        }
        if handlers::rendezvous(self, &members)? {
            return Ok(None);
        }
        if let Some(outcome) = self.deliver_what_the_call_unblocks(g, &members)? {
            return Ok(outcome);
        }
        if let Some(d) = self.compare(g, &members) {
            let alone = self.members_alone_by_rule(g, &members);
            if !alone.is_empty() {
                for (t, line) in alone {
                    self.run_alone_by_rule(t, line)?;
                }
                return Ok(None);
            }
            match self.outvoted(g, &members) {
                Some(odd) if !odd.is_empty() => {
                    for t in odd {
                        if let Some(stop) = self.retire(self.tasks[t].variant, &d.message)? {
                            return Ok(Some(stop));
                        }
                    }
                    return self.try_rendezvous(g);
                }
                _ => return Ok(Some(Stop::Diverged(d))),
            }
        }
        self.leave_sequences(&members);
        self.dispatch(g, &members)
    }

    fn death_divergence(&self, g: GroupId, dead: TaskId, live: TaskId) -> Stop {
        let State::Dead { how, .. } = self.tasks[dead].state else {
            unreachable!()
        };
        let name = self.tasks[live]
            .entry()
            .map(|e| table::name_of(e.call.raw.nr))
            .unwrap_or_default();
        let kind = match how {
            Death::Signaled(_) => DivergenceKind::Crash,
            Death::Exited(_) => DivergenceKind::ExitMismatch,
        };
        let what = match crate::remote::link::lost_reason(self.tasks[dead].tracee.pid) {
            Some(why) => format!(
                "was lost with the link to its host {} ({why})",
                crate::remote::link::host_label(self.tasks[dead].tracee.pid).unwrap_or_default()
            ),
            None => how.describe(),
        };
        let msg = format!(
            "variant {} {what} while variant {} called {name}",
            self.tasks[dead].variant, self.tasks[live].variant
        );
        Stop::Diverged(self.divergence(g, kind, msg, Some(name)))
    }

    /// The compare phase: same syscall, equivalent arguments.
    fn compare(&self, g: GroupId, members: &[TaskId]) -> Option<Divergence> {
        let entries: Vec<(usize, &Entry)> = members
            .iter()
            .map(|&t| {
                (
                    self.tasks[t].variant,
                    self.tasks[t].entry().expect("at entry"),
                )
            })
            .collect();
        self.compare_entries(g, &entries)
    }

    /// Compares each follower's call with the leader's (the first entry).
    pub(super) fn compare_entries(
        &self,
        g: GroupId,
        entries: &[(usize, &Entry)],
    ) -> Option<Divergence> {
        let (_, leader) = entries[0];
        let name = table::name_of(leader.call.raw.nr);
        for &(variant, e) in &entries[1..] {
            if e.call.raw.nr != leader.call.raw.nr {
                let msg = format!(
                    "variant {variant} called {} where the leader called {name}{}",
                    table::name_of(e.call.raw.nr),
                    self.threads_hint(g)
                );
                return Some(self.divergence(g, DivergenceKind::SyscallMismatch, msg, Some(name)));
            }
            for (k, (a, b)) in leader.call.values.iter().zip(&e.call.values).enumerate() {
                let kind = leader.spec.and_then(|s| s.args.get(k));
                let a = &self.pid_arg_to_virtual(kind, 0, a);
                let b = &self.pid_arg_to_virtual(kind, variant, b);
                if !a.equivalent(b)
                    && !self
                        .cfg
                        .rules
                        .equivalent(leader.call.raw.nr, k, kind, variant, a, b)
                {
                    let what = kind.map_or("value".into(), describe_arg);
                    let hint = match (a, b) {
                        (Value::Bytes(x), Value::Bytes(y))
                            if crate::address_hint::looks_like_partitioned_addresses(x, y) =>
                        {
                            format!("; {}", crate::address_hint::HINT)
                        }
                        _ => self.threads_hint(g).to_string(),
                    };
                    let msg = format!(
                        "{name}: argument {} ({what}) of variant {variant} differs from the leader's{}{hint}",
                        k + 1,
                        first_difference(a, b)
                    );
                    return Some(self.divergence(
                        g,
                        DivergenceKind::ArgumentMismatch,
                        msg,
                        Some(name),
                    ));
                }
            }
        }
        None
    }

    /// A hint for a divergence in a multi-threaded process run without lock-order replay:
    /// threads that share out work (a queue under a mutex: `git grep`) do it in another order
    /// in each variant, so each thread's calls differ.
    fn threads_hint(&self, g: GroupId) -> &'static str {
        let replaying = self
            .cfg
            .envp
            .iter()
            .any(|e| e.to_bytes().starts_with(b"MVX_PRELOAD_SYNC="));
        if self.procs[self.groups[g].proc_].threaded && !replaying {
            "; a multi-threaded process: its threads may have shared out their work in another \
             order than the leader's (`mvx run --preload` replays the order in which they take \
             pthread mutexes)"
        } else {
            ""
        }
    }

    fn count_rendezvous(&mut self, nr: u64) {
        self.rendezvous += 1;
        *self.rendezvous_by_nr.entry(nr).or_default() += 1;
    }

    /// The dispatch phase.
    fn dispatch(&mut self, g: GroupId, members: &[TaskId]) -> Result<Option<Stop>> {
        let leader = self.tasks[members[0]]
            .entry()
            .expect("leader at entry")
            .clone();
        if handlers::instructions::is_trapped(leader.call.raw.nr) {
            self.count_rendezvous(leader.call.raw.nr);
            return handlers::instructions::emulate(self, &leader.call.raw, members).map(|()| None);
        }
        let proc_ = self.groups[g].proc_;
        self.apply_fd_journal(proc_);
        let mut decision = dispatch_plan::decide(
            leader.spec,
            &leader.call,
            &self.procs[proc_].fd.table,
            self.tasks[members[0]].tracee.pid,
        );
        let backings = self.shadow_backings(g, members, &mut decision);
        if fd_state::changes_fd_table(&decision) && !self.take_fd_table(g) {
            return Ok(None);
        }
        self.count_rendezvous(leader.call.raw.nr);
        self.groups[g].clock_queues.resync();
        if let Some(w) = decision.warning.take() {
            self.warnings.add(w);
        }
        trace!(group = g, syscall = %table::name_of(leader.call.raw.nr), plan = ?decision.plan, "dispatch");
        self.execute(g, members, &leader, decision, backings)
    }

    /// The execute phase: members go into the call (or are answered) as the plan says, after
    /// the handler's own execute phase.
    fn execute(
        &mut self,
        g: GroupId,
        members: &[TaskId],
        leader: &Entry,
        mut decision: Decision,
        backings: Vec<Option<crate::shadow::Backing>>,
    ) -> Result<Option<Stop>> {
        let proc_ = self.groups[g].proc_;
        if decision.plan == Plan::AllReplace
            && decision.shadow_fd.is_none()
            && leader.spec.is_some_and(followers_need_not_run)
        {
            // The followers' own run of it would change nothing and its result is replaced:
            // answered at their entry stop in one SETREGS, with no exit stop.
            decision.plan = Plan::LeaderOnly(FollowerAction::Skip);
        }
        if matches!(
            decision.plan,
            Plan::All | Plan::AllChecked | Plan::AllReplace | Plan::Clone
        ) {
            self.map_pid_args(leader, members)?;
        }
        (handlers::of(leader.spec).execute)(self, g, members, leader);
        let variants: HashSet<usize> = members.iter().map(|&t| self.tasks[t].variant).collect();
        let absent = std::mem::take(&mut self.groups[g].backlogs.absent);
        let in_flight = |decision, new_group| InFlight {
            decision,
            remaining: variants.clone(),
            outputs: None,
            pair: None,
            new_group,
            first_exit: None,
            absent: absent.clone(),
        };
        if decision.plan == Plan::All && self.procs[proc_].fd.holds_turn(g) {
            // close in a multi-threaded process: hold the fd table until it is done everywhere.
            decision.plan = Plan::AllChecked;
        }
        match decision.plan {
            Plan::All => {
                self.apply_effect(proc_, decision.effect, None, None);
                for &t in members {
                    self.let_go(t)?;
                }
                for &v in &absent {
                    let settled = backlog::Settled::RunOwn {
                        leader: leader.clone(),
                    };
                    self.settle_for_absent(g, v, settled);
                }
            }
            Plan::Deny(errno) => {
                for &t in members {
                    self.skip_with(t, -(errno as i64), None)?;
                }
            }
            Plan::AllChecked | Plan::AllReplace => {
                let shadow_fd = decision.shadow_fd;
                self.groups[g].in_flight = Some(in_flight(decision, None));
                match shadow_fd {
                    Some(fd) => self.run_on_shadows(g, members, fd, &backings)?,
                    None => {
                        for &t in members {
                            self.run_to_exit(t)?;
                        }
                    }
                }
            }
            Plan::Clone => {
                let ng = self.new_group_for_clone(g, leader)?;
                self.groups[g].in_flight = Some(in_flight(decision, Some(ng)));
                for &t in members {
                    self.run_to_exit(t)?;
                }
            }
            Plan::LeaderOnly(_) => {
                self.groups[g].in_flight = Some(in_flight(decision, None));
                self.run_to_exit(members[0])?;
            }
        }
        Ok(None)
    }

    /// Rewrites pid arguments of each follower from the leader's (virtual) ids to its own.
    fn map_pid_args(&mut self, leader: &Entry, members: &[TaskId]) -> Result<()> {
        let Some(spec) = leader.spec else {
            return Ok(());
        };
        let pid_args: Vec<usize> = spec
            .args
            .iter()
            .enumerate()
            .filter(|(_, a)| **a == Arg::Pid)
            .map(|(k, _)| k)
            .collect();
        if pid_args.is_empty() {
            return Ok(());
        }
        for &t in &members[1..] {
            let variant = self.tasks[t].variant;
            let State::AtEntry(e, _) = &self.tasks[t].state else {
                continue;
            };
            let mut args = e.call.raw.args;
            for &k in &pid_args {
                args[k] = self.pid_to_real(variant, leader.call.raw.args[k] as i32 as i64) as u64;
            }
            if args != e.call.raw.args {
                let mut regs = e.regs;
                tracee::set_call(&mut regs, e.call.raw.nr, args);
                regs.rax = e.regs.rax;
                tolerate_gone(self.tasks[t].set_regs(&regs))?;
            }
        }
        Ok(())
    }

    /// Resumes a task held at entry into its syscall, without an exit stop.
    fn let_go(&mut self, t: TaskId) -> Result<()> {
        tolerate_gone(self.tasks[t].resume(State::Running, Resume::Cont(None)))
    }

    /// Resumes a task held at entry into its syscall, stopping at the exit.
    pub(super) fn run_to_exit(&mut self, t: TaskId) -> Result<()> {
        let task = &mut self.tasks[t];
        let State::AtEntry(e, stop) = task.take_state() else {
            bail!("task {} is not at a syscall entry", task.tracee.pid);
        };
        let next = State::InSyscall(Pending::Program(e));
        tolerate_gone(task.resume_from(stop, next, Resume::ToExit(None)))
    }

    /// Makes a task held at entry skip its syscall and see `ret` (and `outputs`).
    pub(super) fn skip_with(
        &mut self,
        t: TaskId,
        ret: i64,
        outputs: Option<&Outputs>,
    ) -> Result<()> {
        let task = &mut self.tasks[t];
        let State::AtEntry(e, stop) = task.take_state() else {
            bail!("task {} is not at a syscall entry", task.tracee.pid);
        };
        let (g, v) = (task.group, task.variant);
        task.sig.answered_eintr = ret == -(libc::EINTR as i64);
        if let Some(f) = &mut self.groups[g].in_flight {
            f.remaining.remove(&v);
        }
        answer(
            &mut self.tasks[t],
            stop,
            &e.regs,
            ret,
            outputs.map(|o| (o, &e.call.raw)),
        )
    }

    /// Called whenever a member reaches a syscall-exit stop of an in-flight syscall (or dies).
    pub(super) fn progress(&mut self, g: GroupId) -> Result<Option<Stop>> {
        let Some(f) = &self.groups[g].in_flight else {
            return Ok(None);
        };
        let plan = f.decision.plan;
        let result = match plan {
            Plan::LeaderOnly(action) => self.progress_leader_only(g, action),
            Plan::AllChecked | Plan::AllReplace | Plan::Clone => self.progress_all(g, plan),
            Plan::All | Plan::Deny(_) => Ok(None),
        };
        self.close_in_flight_if_done(g, result)
    }

    pub(super) fn close_in_flight_if_done(
        &mut self,
        g: GroupId,
        result: Result<Option<Stop>>,
    ) -> Result<Option<Stop>> {
        if self.groups[g]
            .in_flight
            .as_ref()
            .is_some_and(|f| f.remaining.is_empty())
        {
            self.groups[g].in_flight = None;
            if let Ok(None) = result {
                if let Some(stop) = self.release_fd_table(g)? {
                    return Ok(Some(stop));
                }
                return self.try_rendezvous(g);
            }
        }
        result
    }

    fn exit_regs(&self, t: TaskId) -> Option<user_regs_struct> {
        match &self.tasks[t].state {
            State::AtExit { regs, .. } => Some(*regs),
            _ => None,
        }
    }

    /// Syscalls every variant executed: once all have returned, check or replace results.
    fn progress_all(&mut self, g: GroupId, plan: Plan) -> Result<Option<Stop>> {
        let f = self.groups[g].in_flight.as_ref().expect("in flight");
        let mut members: Vec<TaskId> = f
            .remaining
            .iter()
            .filter_map(|&v| self.member(g, v))
            .collect();
        members.sort_by_key(|&t| self.tasks[t].variant);
        if members.iter().any(|&t| self.exit_regs(t).is_none()) {
            return Ok(None);
        }
        let Some(&first) = members.first() else {
            return Ok(None);
        };
        let mut ret = self.exit_regs(first).expect("checked").rax as i64;
        let checked = plan != Plan::AllReplace;
        if checked {
            if let Some(d) = self.result_mismatch(g, &members, plan) {
                return Ok(Some(Stop::Diverged(d)));
            }
        }
        let (effect, args, new_group) = (f.decision.effect, f.decision.args.clone(), f.new_group);
        let proc_ = self.groups[g].proc_;
        self.apply_effect(proc_, effect, Some(ret), None);
        let leader_interrupted = ERESTART_CODES.contains(&ret);
        if leader_interrupted {
            // Followers must not see a kernel-internal code unless they were interrupted too.
            ret = -(libc::EINTR as i64);
        }
        let outputs = match plan {
            Plan::AllReplace => {
                let e = self.tasks[first].entry().expect("in syscall").clone();
                Some(collect_outputs(
                    &self.tasks[first].tracee,
                    &args,
                    &e.call,
                    ret,
                )?)
            }
            _ => None,
        };
        if let Some(ng) = new_group {
            debug!(group = ng, label = %self.group_label(ng), "new lock-step group");
            self.vfork_returned(ng);
        }
        let new_fd = matches!(effect, FdEffect::New { .. } | FdEffect::Dup { .. });
        let leader_pid = self.tasks[first].tracee.pid;
        let mut moving = HashSet::new();
        for &t in &members {
            let task = &mut self.tasks[t];
            let State::AtExit {
                pending,
                mut regs,
                stop,
            } = task.take_state()
            else {
                unreachable!()
            };
            let got = regs.rax as i64;
            if new_fd && t != first && ret >= 0 && got >= 0 && got != ret {
                // The follower's kernel picked another number: place it at the leader's.
                moving.insert(task.variant);
                self.start_move(t, stop, pending, regs, ret as i32, leader_pid)?;
                continue;
            }
            // Interrupted in every variant: each restarts its own call (restart_syscall).
            let restarts_too = leader_interrupted && ERESTART_CODES.contains(&(regs.rax as i64));
            let replace = (outputs.is_some() || plan == Plan::Clone) && t != first && !restarts_too;
            if replace {
                if let (Some(out), Pending::Program(e)) = (&outputs, &pending) {
                    tolerate_gone(out.apply(&task.tracee, &e.call.raw))?;
                }
                // Clone: followers see the leader's child id, the one the program knows.
                regs.rax = ret as u64;
                tolerate_gone(stop.set_regs(&regs))?;
            }
            task.history
                .set_last_result(&decode::ret_text(regs.rax as i64));
            tolerate_gone(stop.cont(None))?;
            if plan == Plan::Clone {
                self.resend_after_clone(t);
            }
        }
        self.groups[g]
            .in_flight
            .as_mut()
            .unwrap()
            .remaining
            .retain(|v| moving.contains(v));
        Ok(None)
    }

    /// Results that must agree (fds created in every variant, fork succeeding everywhere).
    fn result_mismatch(&self, g: GroupId, members: &[TaskId], plan: Plan) -> Option<Divergence> {
        let first = members[0];
        let ret = self.exit_regs(first)?.rax as i64;
        // Addresses differ by design (partitioning), and a follower's new fd is placed at the
        // leader's number afterwards: for those only success must agree, as for child ids.
        let per_variant_value = self.groups[g].in_flight.as_ref().is_some_and(|f| {
            matches!(
                f.decision.effect,
                FdEffect::New { .. } | FdEffect::Dup { .. }
            )
        }) || self.tasks[first]
            .entry()
            .and_then(|e| e.spec)
            .is_some_and(|s| s.ret == crate::table::Ret::Addr);
        let agrees = |other: i64| match plan {
            _ if plan == Plan::Clone || per_variant_value => {
                (ret >= 0) == (other >= 0) && (ret >= 0 || ret == other)
            }
            _ => other == ret,
        };
        let &odd = members
            .iter()
            .find(|&&t| !agrees(self.exit_regs(t).unwrap().rax as i64))?;
        let other = self.exit_regs(odd).unwrap().rax as i64;
        let name = self.tasks[first]
            .entry()
            .map(|e| table::name_of(e.call.raw.nr))
            .unwrap_or_default();
        let msg = format!(
            "{name} returned {} in variant {} but {} in variant {}",
            decode::ret_text(ret),
            self.tasks[first].variant,
            decode::ret_text(other),
            self.tasks[odd].variant
        );
        Some(self.divergence(g, DivergenceKind::ResultMismatch, msg, Some(name)))
    }

    fn progress_leader_only(&mut self, g: GroupId, action: FollowerAction) -> Result<Option<Stop>> {
        let Some(lt) = self.member(g, 0) else {
            return Ok(None);
        };
        let Some(leader_regs) = self.exit_regs(lt) else {
            return Ok(None);
        };
        let mut ret = leader_regs.rax as i64;
        let handler = handlers::of(self.tasks[lt].entry().and_then(|e| e.spec));
        let may_receive_fds = handler.receives_fds;
        if (action == FollowerAction::Placeholder || may_receive_fds)
            && ret >= 0
            && !self.take_fd_table(g)
        {
            // Another group's fd-table change is under way in the followers: the leader waits
            // at its exit stop until the placements can follow (see `fd_place.rs`).
            return Ok(None);
        }
        let f = self.groups[g].in_flight.as_ref().expect("in flight");
        let (effect, args) = (f.decision.effect, f.decision.args.clone());
        let leader = &mut self.tasks[lt];
        let State::AtExit {
            pending: Pending::Program(entry),
            stop: leader_stop,
            ..
        } = leader.take_state()
        else {
            unreachable!()
        };
        leader.history.set_last_result(&decode::ret_text(ret));
        let outputs = collect_outputs(&leader.tracee, &args, &entry.call, ret)?;
        let leader_pid = leader.tracee.pid;
        let pair = match effect {
            FdEffect::New {
                pair_arg: Some(arg),
                ..
            } if ret >= 0 => gone_ok(super::fd_state::read_pair(
                &leader.tracee,
                &entry.call.raw,
                arg,
            ))?,
            _ => None,
        };
        super::shadow_writes::mirror_into_shadows(&self.shadows, leader_pid, &entry.call, ret);
        let sigpipe = handlers::sigpipe::raised_in_leader(leader_pid, ret);
        if ERESTART_CODES.contains(&ret) {
            // A signal interrupted the leader; followers see the interruption as EINTR.
            ret = -(libc::EINTR as i64);
        }
        let proc_ = self.groups[g].proc_;
        // fds passed to the leader over a unix socket (SCM_RIGHTS): placeholders in followers.
        let received = if may_receive_fds && ret >= 0 {
            outputs.received_fds()
        } else {
            vec![]
        };
        for &fd in &received {
            self.procs[proc_].fd.table.insert(fd, FdKind::LeaderOnly);
            if self.cfg.level.uses_fast_io() {
                self.procs[proc_].fd.table.learn_type(leader_pid, fd);
            }
        }
        // Before the leader runs on: its fast path must see the new fd's class.
        self.apply_effect(proc_, effect, Some(ret), pair);
        // Whatever the followers take from the leader's /proc is read before it runs on: once
        // resumed it could close, reopen or remap what was read.
        let own_map = outputs
            .flat(1)
            .and_then(|got| crate::maps_view::OwnMapRead::of(leader_pid, &entry.call.raw, got));
        // The followers' fds (those the leader received, or those its call created), with the
        // leader's close-on-exec flag of each.
        let placeholders: Vec<(i32, bool)> = if !received.is_empty() {
            received
        } else if action == FollowerAction::Placeholder && ret >= 0 {
            match pair {
                Some((a, b)) => vec![a, b],
                None => vec![ret as i32],
            }
        } else {
            vec![]
        }
        .into_iter()
        .map(|fd| (fd, crate::fdtable::is_cloexec(leader_pid, fd)))
        .collect();
        tolerate_gone(leader_stop.cont(None))?;
        let f = self.groups[g].in_flight.as_mut().unwrap();
        f.remaining.remove(&0);
        f.outputs = Some(outputs.clone());
        f.pair = pair;
        let from = handlers::Answer {
            proc_,
            call: &entry.call.raw,
            outputs: &outputs,
            ret,
            own_map: own_map.as_ref(),
        };
        self.answer_followers(g, handler, &from, &placeholders, sigpipe, &entry)
    }

    /// The answer phase of a leader-only call (the leader has gone on): each follower held at
    /// the call gets placeholders for the fds the leader got, or the leader's result as the
    /// call's handler gives it, and the leader's SIGPIPE.
    fn answer_followers(
        &mut self,
        g: GroupId,
        handler: &handlers::Handler,
        from: &handlers::Answer,
        placeholders: &[(i32, bool)],
        sigpipe: bool,
        leader: &Entry,
    ) -> Result<Option<Stop>> {
        let absent = self.groups[g]
            .in_flight
            .as_ref()
            .map(|f| f.absent.clone())
            .unwrap_or_default();
        for &v in &absent {
            let arrived = self
                .member(g, v)
                .filter(|&t| matches!(self.tasks[t].state, State::AtEntry(..)));
            match arrived {
                // It reached the call while the leader made it: compared now, answered below.
                Some(t) => {
                    let mine = self.tasks[t].entry().expect("at entry").clone();
                    if let Some(d) = self.compare_entries(g, &[(0, leader), (v, &mine)]) {
                        return Ok(Some(Stop::Diverged(d)));
                    }
                }
                None => {
                    let settled = if placeholders.is_empty() {
                        backlog::Settled::Answer {
                            leader: leader.clone(),
                            ret: from.ret,
                            outputs: from.outputs.clone(),
                            sigpipe,
                        }
                    } else {
                        backlog::Settled::Placeholders {
                            leader: leader.clone(),
                            ret: from.ret,
                            fds: placeholders.to_vec(),
                            outputs: from.outputs.clone(),
                        }
                    };
                    self.settle_for_absent(g, v, settled);
                }
            }
        }
        let followers: Vec<TaskId> = (1..self.variants())
            .filter_map(|v| self.member(g, v))
            .filter(|&t| matches!(self.tasks[t].state, State::AtEntry(..)))
            .collect();
        for t in followers {
            if sigpipe {
                handlers::sigpipe::pass_on(self, t);
            }
            if !placeholders.is_empty() {
                self.start_placeholders(t, placeholders, from.ret, Some(from.outputs.clone()))?;
                continue;
            }
            let mine = (handler.answer)(self, t, from);
            self.skip_with(t, from.ret, Some(mine.as_ref().unwrap_or(from.outputs)))?;
        }
        Ok(None)
    }
}

/// Answers a task held at a syscall stop (`regs`) without executing its call: `outputs` written
/// to the buffers of its own `call`, `ret` in rax; then resumes it. The one place a variant is
/// given a result instead of running its call (followers of leader-only calls, denied calls,
/// clock reads, the runtime's handshake).
pub(super) fn answer(
    task: &mut Task,
    stop: Stopped,
    regs: &user_regs_struct,
    ret: i64,
    outputs: Option<(&Outputs, &RawCall)>,
) -> Result<()> {
    task.state = State::Running;
    if let Some((out, call)) = outputs {
        tolerate_gone(out.apply(&task.tracee, call))?;
    }
    let mut regs = *regs;
    regs.orig_rax = u64::MAX; // no call: the kernel skips it
    regs.rax = ret as u64;
    tolerate_gone(stop.set_regs(&regs))?;
    task.history.set_last_result(&decode::ret_text(ret));
    tolerate_gone(stop.cont(None))
}

/// Whether a call whose followers' results are replaced by the leader's may be skipped in the
/// followers altogether: the identity and clock reads (the table's local fast-path class),
/// which only read the caller's own state and change nothing, so running them in a follower
/// costs an exit stop and gives it nothing.
fn followers_need_not_run(spec: &Spec) -> bool {
    spec.dispatch == crate::table::Dispatch::AllReplaceResult
        && spec.fast == Some(crate::table::Fast::Local)
}

pub(super) fn collect_outputs(
    leader: &Tracee,
    args: &[Arg],
    call: &Captured,
    ret: i64,
) -> Result<Outputs> {
    tolerate_gone_value(Outputs::collect(leader, args, call, ret))
}

/// Where two buffers part, for the one-line summary.
fn first_difference(a: &Value, b: &Value) -> String {
    let (Value::Bytes(a), Value::Bytes(b)) = (a, b) else {
        return String::new();
    };
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    format!(
        " (first difference at byte {at}; {} vs {} bytes)",
        a.len(),
        b.len()
    )
}

fn describe_arg(a: &Arg) -> String {
    a.describe().into()
}

impl Monitor {
    /// The leader of `g` waits at a call's entry for members still running: a follower
    /// waiting in the fast path for the leader's next record would wait for one that comes
    /// only after this rendezvous, which it is not at. Told so, it makes its call the ordinary
    /// way, and the rendezvous compares it at once (`LEADER_HELD_AT`).
    fn tell_followers_the_leader_is_held(&mut self, g: GroupId, members: &[TaskId]) {
        let leader_held = matches!(self.tasks[members[0]].state, State::AtEntry(..));
        let at = if leader_held {
            self.runtime.ring_position(g, 0)
        } else {
            None
        };
        self.runtime.mark_leader_held(g, at);
    }
}
