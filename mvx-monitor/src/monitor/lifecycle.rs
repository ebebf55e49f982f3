//! Tasks coming and going: fork/vfork/clone, exec, signals, death.

use super::inject::{self, AddressSpace};
use super::signals;
use super::*;
use crate::dispatch_plan::Plan;
use crate::vdso;
use anyhow::bail;

impl Monitor {
    /// Prepares the group that a fork/clone of group `g` (now at the rendezvous) creates.
    pub(super) fn new_group_for_clone(&mut self, g: GroupId, leader: &Entry) -> Result<GroupId> {
        let flags = clone_flags(&self.tasks[self.member(g, 0).expect("leader")], leader)?;
        let parent_proc = self.groups[g].proc_;
        let thread = flags & libc::CLONE_THREAD as u64 != 0;
        let shares_memory = !thread && flags & libc::CLONE_VM as u64 != 0;
        let ng = self.groups.len();
        let proc_ = if thread {
            parent_proc
        } else {
            let parent = &self.procs[parent_proc];
            let p = VProc {
                fd: parent.fd.forked(),
                // fork copies the address space (and the scratch page with it); CLONE_VM shares it.
                spaces: parent.spaces.clone(),
                main_group: ng,
                signals: parent.signals.forked(),
                epoll: parent.epoll.clone(),
                temp_names: parent.temp_names.clone(),
                threaded: false,
                memory_children: 0,
                memory_parent: shares_memory
                    .then_some((parent_proc, flags & libc::CLONE_VFORK as u64 != 0)),
            };
            self.procs.push(p);
            let child = self.procs.len() - 1;
            if shares_memory {
                self.procs[parent_proc].memory_children += 1;
                self.runtime
                    .publish_process_flags(parent_proc, &self.procs[parent_proc]);
            }
            self.runtime.group_started(child);
            self.runtime.publish_fd_classes(child, &self.procs[child]);
            child
        };
        self.running.insert(ng);
        self.groups.push(Group {
            members: vec![None; self.variants()],
            proc_,
            thread,
            in_flight: None,
            doomed: false,
            delivery: None,
            clock_queues: Default::default(),
            fd_wait_since: None,
            backlogs: Default::default(),
            leader_siginfo: HashMap::new(),
            created_by: Some(g),
        });
        if thread {
            self.runtime.group_started(proc_);
            self.procs[proc_].threaded = true;
            self.runtime
                .publish_process_flags(proc_, &self.procs[proc_]);
        }
        Ok(ng)
    }

    /// PTRACE_EVENT_FORK/VFORK/CLONE in a parent: the new task joins the group being created.
    pub(super) fn on_clone_event(&mut self, t: TaskId, stop: Stopped) -> Result<()> {
        let parent = &self.tasks[t];
        let Some(child) = gone_ok(stop.event_message())? else {
            return Ok(());
        };
        let child = Pid::from_raw(child as i32);
        let (g, variant) = (parent.group, parent.variant);
        let Some(ng) = self.groups[g].in_flight.as_ref().and_then(|f| f.new_group) else {
            bail!(
                "task {} created {child} outside a dispatched clone",
                parent.tracee.pid
            );
        };
        let c = self.add_task(child, variant, ng, State::NewChild);
        if self.procs[self.groups[ng].proc_].memory_parent.is_some() {
            self.tasks[c].in_memory_of = Some(t);
        }
        debug!(group = ng, variant, %child, "new task");
        if let Some(child_stop) = self.unclaimed.remove(&child) {
            self.start_new_child(c, child_stop)?;
        }
        self.resume_unchanged(t, stop, None)
    }

    /// A new task's initial SIGSTOP has been seen: let it run.
    fn start_new_child(&mut self, c: TaskId, stop: Stopped) -> Result<()> {
        let task = &mut self.tasks[c];
        tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))
    }

    pub(super) fn on_exec(&mut self, t: TaskId, stop: Stopped) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        let first = matches!(task.state, State::Starting);
        if first {
            task.exec_error = None;
        }
        self.place_for_exec();
        let task = &mut self.tasks[t];
        let (p, variant) = (task.proc_, task.variant);
        let former = stop.event_message().unwrap_or(0) as i32;
        if former != 0 && former != task.tracee.pid.as_raw() {
            self.exec_from_thread(t, Pid::from_raw(former));
        }
        let task = &mut self.tasks[t];
        task.in_memory_of = None;
        task.state = State::AtExec(stop);
        // A new address space: nothing injected yet, vDSO to hide again.
        self.procs[p].spaces[variant] = AddressSpace::default();
        self.procs[p].threaded = false;
        // Children still in the former image's memory do not share the new one.
        self.procs[p].memory_children = 0;
        self.runtime.publish_process_flags(p, &self.procs[p]);
        if !vdso::hide(task.stopped()?)
            .with_context(|| format!("hiding the vDSO of task {}", task.tracee.pid))?
        {
            debug!(task = t, "no vDSO in auxv");
        }
        let held = match self.partition_image(t) {
            Ok(held) => held,
            Err(e) => match e.downcast::<crate::exec_move::Ended>() {
                Ok(crate::exec_move::Ended(end)) => {
                    return self.on_wait_status(crate::events::Waited::ended(end))
                }
                Err(e) => return Err(e),
            },
        };
        let task = &mut self.tasks[t];
        if variant == 0 {
            let leader = task.tracee.pid;
            if first {
                self.procs[p].fd.table = FdTable::inherited_from(leader);
                self.procs[p].signals.inherit(leader);
            } else {
                self.procs[p].fd.table.retain_open(leader);
                self.procs[p].signals.reset_on_exec();
            }
            self.runtime.publish_fd_classes(p, &self.procs[p]);
        }
        tolerate_gone(self.tasks[t].resume(State::Running, Resume::Cont(None)))?;
        for sig in held {
            signals::tkill(self.tasks[t].tracee.pid, sig);
        }
        Ok(None)
    }

    /// A secondary thread (`former`) of task `t`'s process called execve: the kernel ended
    /// every other thread, the old leader `t` among them, and gave the exec'ing thread the
    /// leader's id, with no exit notification for either. So `t`'s record (the pid the
    /// process keeps) now stands for the exec'ing thread, whose own record is retired, and its
    /// group (doomed when the exec was dispatched) lives on; the thread's old group ends.
    fn exec_from_thread(&mut self, t: TaskId, former: Pid) {
        debug!(task = t, %former, "exec from a secondary thread");
        if let Some(ft) = self.by_pid.remove(&former) {
            let fg = self.tasks[ft].group;
            self.groups[fg].doomed = true;
            self.groups[fg].in_flight = None;
            self.tasks[ft].state = State::Dead {
                how: Death::Exited(0),
                at: Instant::now(),
            };
        }
        let g = self.tasks[t].group;
        self.groups[g].doomed = false;
        self.groups[g].in_flight = None;
        let task = &mut self.tasks[t];
        task.state = State::Running;
        task.history.push(format!(
            "execve (from thread {former}, now this process's only thread)"
        ));
    }

    /// Moves a partitioned follower's new stack and executable into its own area (see
    /// `exec_move.rs`); returns the signals held back meanwhile. The move drives the tracee
    /// through stops of its own, so it takes the exec stop and gives back the one it ends at.
    fn partition_image(&mut self, t: TaskId) -> Result<Vec<i32>> {
        let task = &mut self.tasks[t];
        let crate::spawn::Layout::Partitioned { index, .. } = self.cfg.layout_of(task.variant)
        else {
            return Ok(Vec::new());
        };
        if index == 0 {
            return Ok(Vec::new());
        }
        let delta = index as u64 * crate::spawn::PARTITION_STEP;
        let executable = self.cfg.partition_executable;
        let State::AtExec(stop) = task.take_state() else {
            bail!("task {} is not at its exec", task.tracee.pid);
        };
        match crate::exec_move::move_image(stop, delta, executable) {
            Ok((moved, held, stop)) => {
                debug!(task = t, ranges = ?moved.ranges, "image moved");
                task.state = State::AtExec(stop);
                Ok(held)
            }
            Err(e) if e.is::<crate::exec_move::Ended>() => Err(e),
            Err(e) => Err(e.context(format!(
                "moving the image of variant {} (pid {}) into its partition",
                task.variant, task.tracee.pid
            ))),
        }
    }

    pub(super) fn on_signal(&mut self, t: TaskId, sig: i32, stop: Stopped) -> Result<Option<Stop>> {
        let task = &self.tasks[t];
        if matches!(task.state, State::NewChild) && sig == libc::SIGSTOP {
            self.start_new_child(t, stop)?;
            return Ok(None);
        }
        if sig == libc::SIGSEGV && matches!(task.state, State::Running) {
            self.tasks[t].state = State::AtFault(stop);
            let task = &self.tasks[t];
            let Some(regs) = gone_ok(task.regs())? else {
                return Ok(None);
            };
            let fault = inject::trapped_instruction(task, &regs);
            let State::AtFault(stop) = self.tasks[t].take_state() else {
                unreachable!("set above")
            };
            if let Some(raw) = fault {
                let (g, variant) = (self.tasks[t].group, self.tasks[t].variant);
                if raw.nr == inject::PSEUDO_CPUID && self.groups[g].delivery.is_none() {
                    let call = crate::tracee::RawCall {
                        nr: raw.nr,
                        args: raw.args,
                    };
                    if variant == 0 {
                        *self.unpaired_by_nr.entry(raw.nr).or_default() += 1;
                    }
                    let task = &mut self.tasks[t];
                    handlers::instructions::answer_cpuid_alone(task, &call, &regs, stop)?;
                    return Ok(None);
                }
                let call = crate::capture::capture_raw(crate::tracee::RawCall {
                    nr: raw.nr,
                    args: raw.args,
                });
                let call = Captured {
                    values: call.values[..3].to_vec(),
                    ..call
                };
                return self.arrive(
                    t,
                    Entry {
                        regs,
                        call,
                        spec: None,
                        arrived: Instant::now(),
                    },
                    stop,
                );
            }
            // A fault of the program's own: a signal like any other.
            return self.on_delivery_stop(t, sig, stop);
        }
        self.on_delivery_stop(t, sig, stop)
    }

    pub(super) fn on_death(&mut self, t: TaskId, how: Death) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        let was = std::mem::replace(
            &mut task.state,
            State::Dead {
                how,
                at: Instant::now(),
            },
        );
        debug!(task = t, pid = %task.tracee.pid, ?how, "task ended");
        if let State::Starting = was {
            if let Some(lost) = crate::remote::link::lost_error_of(task.tracee.pid) {
                return Err(lost); // not the program's failure: its host is gone
            }
            let errno = task.exec_error.as_ref().and_then(spawn::exec_errno);
            let why = errno.map_or_else(
                || how.describe(),
                |e| nix::errno::Errno::from_raw(e).desc().to_string(),
            );
            let program = self.cfg.programs[task.variant].display().to_string();
            bail!(crate::spawn::StartError::CannotExecute(program, why));
        }
        let (g, variant) = (task.group, task.variant);
        if self.majority.is_retired(variant) {
            return Ok(None); // killed by the majority policy; no group waits for it
        }
        if variant == 0 {
            self.runtime.mark_leader_gone(g);
        }
        if self.group_ended(g) {
            let p = self.groups[g].proc_;
            self.runtime.group_ended(g, p);
            self.running.remove(&g);
        }
        if let Death::Signaled(sig) = how {
            // Killed by a signal the others have too: they end before their next syscall.
            self.follow_fatal_signal(g, sig)?;
        }
        if let Some(f) = &mut self.groups[g].in_flight {
            let leader_only = matches!(f.decision.plan, Plan::LeaderOnly(_));
            if f.remaining.remove(&variant) && variant == 0 && leader_only {
                // The leader died inside a syscall it ran for everyone: let the followers go with
                // EINTR; they either end the same way or diverge at their next syscall.
                let held: Vec<TaskId> = (1..self.variants())
                    .filter_map(|v| self.member(g, v))
                    .filter(|&m| matches!(self.tasks[m].state, State::AtEntry(..)))
                    .collect();
                for m in held {
                    self.skip_with(m, -(libc::EINTR as i64), None)?;
                }
            }
            // A syscall every variant executes can still complete with the survivors.
            if let Some(stop) = self.progress(g)? {
                return Ok(Some(stop));
            }
        }
        let stop = self.try_rendezvous(g)?;
        if stop.is_none() && !self.running.contains(&g) {
            // Ended everywhere and nothing to report on it: free what it kept (a server that
            // makes a thread or a process per connection ends thousands of groups).
            for t in self.groups[g].members.iter().flatten() {
                self.tasks[*t].history = Default::default();
            }
            self.groups[g].clock_queues = Default::default();
        }
        Ok(stop)
    }
}

impl Monitor {
    /// The vfork of group `g` returned in every variant: every variant's child has exec'd or
    /// ended, so none runs in the parent's memory any more and its fast path comes back. A
    /// child of CLONE_VM without CLONE_VFORK runs beside its parent for as long as it likes:
    /// the parent stays off the fast path until its own exec (the point where the flag comes
    /// back must be the same in every variant's program order, and only vfork's return is).
    pub(super) fn vfork_returned(&mut self, child_group: GroupId) {
        let child = self.groups[child_group].proc_;
        let Some((parent, true)) = self.procs[child].memory_parent else {
            return;
        };
        self.procs[child].memory_parent = Some((parent, false));
        self.procs[parent].memory_children -= 1;
        self.runtime
            .publish_process_flags(parent, &self.procs[parent]);
    }

    /// Whether every variant's member of group `g` has ended (a variant the majority policy
    /// retired counts as ended; one whose task is not known yet, as alive).
    fn group_ended(&self, g: GroupId) -> bool {
        self.groups[g].members.iter().enumerate().all(|(v, m)| {
            self.majority.is_retired(v)
                || m.is_some_and(|t| matches!(self.tasks[t].state, State::Dead { .. }))
        })
    }
}

/// The clone flags of the leader's fork/vfork/clone/clone3.
fn clone_flags(leader: &Task, entry: &Entry) -> Result<u64> {
    let raw = &entry.call.raw;
    let flags = entry.spec.and_then(|s| s.props.clone_flags);
    Ok(
        match flags.context("a fork-like call without clone flags in the table")? {
            crate::table::CloneFlags::Fixed(flags) => flags,
            crate::table::CloneFlags::Arg(i) => raw.args[i as usize],
            crate::table::CloneFlags::CloneArgs(i) => {
                gone_ok(leader.tracee.read_u64(raw.args[i as usize]))?.unwrap_or(0)
            }
        },
    )
}
