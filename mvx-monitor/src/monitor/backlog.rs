//! Asynchronous replication to followers on other hosts (dMVX's technique).
//!
//! A follower on another host reports each call a network round trip late, and takes the
//! leader's result as late again. Waiting for it at every call would put that round trip on
//! the leader's path. So a call that is not security-sensitive at the run's level (one the
//! fast path would take locally: `Level::needed` of its class) goes ahead without the remote
//! members that have not reached it yet: the leader (and the local followers) make it, and
//! what each absent member is to get is queued in its **backlog**, in order. A remote member
//! that arrives with a backlog is compared with the leader's call at the front (divergence
//! as at a rendezvous, only later) and answered at once, without waiting for anybody.
//!
//! Everything else, every call of a sensitive kind (exec, clone, executable memory, opens,
//! fd-table changes, ...), waits for every member: a remote member then first works through
//! its backlog, so no effect of a sensitive call happens before every earlier call of every
//! variant has been checked. Signals are not delivered in a group while a member has a
//! backlog (it would take them at an older call): its own copies are recorded and
//! it catches up first.
//!
//! Only single-threaded processes replicate asynchronously, and only calls of the regular
//! path (or epoll waits) whose plan is the leader's alone with no fd effect, or every
//! variant's own with none.
//!
//! A remote member does not even wait for the leader's host to answer what is in its
//! backlog: each plain record (the leader's result and out-buffers, or "make it yourself") is
//! posted to its host ahead as an expectation (`remote/expect.rs`), which answers the call
//! when the member gets there and reports `Answered`; the bookkeeping here follows
//! (`answered_at_host`). A record answered the slow way after all is withdrawn there.

use super::*;
use crate::dispatch_plan::{FdEffect, FollowerAction, Plan};
use anyhow::{bail, ensure};
use std::collections::VecDeque;

/// The most calls a member may be behind; beyond, the group waits for it.
const MAX_BACKLOG: usize = 4096;

/// What a member that was absent from a call gets when it arrives there.
pub(super) enum Settled {
    /// The leader's result (a leader-only call).
    Answer {
        leader: Entry,
        ret: i64,
        outputs: Outputs,
        sigpipe: bool,
    },
    /// Its own run of the call (every variant makes it).
    RunOwn { leader: Entry },
    /// Placeholders at the fds the leader's call made, then its result and out-buffers.
    Placeholders {
        leader: Entry,
        ret: i64,
        fds: Vec<(i32, bool)>,
        outputs: Outputs,
    },
}

impl Settled {
    fn leader(&self) -> &Entry {
        match self {
            Settled::Answer { leader, .. }
            | Settled::RunOwn { leader }
            | Settled::Placeholders { leader, .. } => leader,
        }
    }
}

/// Each member's calls settled without it, oldest first.
#[derive(Default)]
pub(super) struct Backlogs {
    /// Per variant: its settled calls, each with the id of the expectation posted to its host
    /// for it, if one was.
    queues: HashMap<usize, VecDeque<(Settled, Option<u64>)>>,
    /// The members absent from the call being settled now (moved in at dispatch).
    pub(super) absent: Vec<usize>,
}

impl Backlogs {
    pub(super) fn is_behind(&self, variant: usize) -> bool {
        self.queues.get(&variant).is_some_and(|q| !q.is_empty())
    }

    pub(super) fn any_behind(&self) -> bool {
        self.queues.values().any(|q| !q.is_empty())
    }

    fn len(&self, variant: usize) -> usize {
        self.queues.get(&variant).map_or(0, VecDeque::len)
    }

    fn push(&mut self, variant: usize, settled: Settled, expectation: Option<u64>) {
        self.queues
            .entry(variant)
            .or_default()
            .push_back((settled, expectation));
    }

    fn pop(&mut self, variant: usize) -> Option<(Settled, Option<u64>)> {
        self.queues.get_mut(&variant)?.pop_front()
    }
}

impl Monitor {
    /// Whether member `t` may be left out of its group's next call: a remote member that has
    /// not reached it (running towards it, or behind with a backlog).
    pub(super) fn may_lag(&self, t: TaskId) -> bool {
        let task = &self.tasks[t];
        self.cfg.async_replication
            && crate::remote::link::is_remote(task.tracee.pid)
            && (self.groups[task.group].backlogs.is_behind(task.variant)
                || matches!(task.state, State::Running))
    }

    /// Whether the call the leader of `g` is at may go ahead without the members that lag.
    pub(super) fn settles_without_laggers(&self, g: GroupId, lagging: &[TaskId]) -> bool {
        let group = &self.groups[g];
        let proc_ = &self.procs[group.proc_];
        if group.thread || proc_.threaded || proc_.memory_children > 0 {
            return false;
        }
        if lagging
            .iter()
            .any(|&t| group.backlogs.len(self.tasks[t].variant) >= MAX_BACKLOG)
        {
            return false;
        }
        let Some(leader) = self.member(g, 0).and_then(|t| self.tasks[t].entry()) else {
            return false;
        };
        let Some(spec) = leader.spec else {
            return false;
        };
        let Some(class) = spec.fast else {
            return false;
        };
        let handler = handlers::of(Some(spec));
        if !(std::ptr::eq(handler, &handlers::REGULAR)
            || std::ptr::eq(handler, &handlers::epoll::WAIT))
        {
            return false;
        }
        let fds = &proc_.fd.table;
        if class == crate::table::Fast::Write && fds.talks_to_itself(leader.call.raw.args[0] as i32)
        {
            return false; // a channel of the program's own: its writes wait for everybody
        }
        let socket = match class {
            crate::table::Fast::Read | crate::table::Fast::Write => {
                match fds.socket(leader.call.raw.args[0] as i32) {
                    Some(s) => s,
                    None => return false, // an fd of unknown type
                }
            }
            _ => false,
        };
        if self.cfg.level < crate::table::Level::needed(class, socket) {
            return false;
        }
        let decision = crate::dispatch_plan::decide(
            Some(spec),
            &leader.call,
            fds,
            self.tasks[self.member(g, 0).expect("leader")].tracee.pid,
        );
        // A new fd of the leader's is a placeholder at its number in the follower whenever it
        // gets there (its fd table changes in the same order as the leader's): no network round
        // trip to learn the number, as dMVX's fd prediction.
        let plan_ok = match (decision.plan, decision.effect) {
            (Plan::LeaderOnly(FollowerAction::Skip), FdEffect::None) => true,
            (
                Plan::LeaderOnly(FollowerAction::Placeholder),
                FdEffect::New { pair_arg: None, .. },
            ) => self.cfg.fd_prediction,
            (Plan::All, FdEffect::None | FdEffect::Close { .. }) => true,
            _ => false,
        };
        decision.shadow_fd.is_none() && plan_ok
    }

    /// Member `t` has arrived, with no backlog, at the call its group makes without it: it
    /// joins the call (compared now), so that it ends the call as the others do, a signal
    /// that interrupts the leader there included. `Some` if it diverged.
    pub(super) fn join_call_in_flight(&mut self, t: TaskId) -> Option<Stop> {
        let (g, v) = (self.tasks[t].group, self.tasks[t].variant);
        let absent = self.groups[g]
            .in_flight
            .as_ref()
            .is_some_and(|f| f.absent.contains(&v));
        if !absent {
            return None;
        }
        let leader = self
            .member(g, 0)
            .and_then(|l| self.tasks[l].entry().cloned())?;
        let mine = self.tasks[t].entry().expect("at entry").clone();
        if let Some(d) = self.compare_entries(g, &[(0, &leader), (v, &mine)]) {
            return Some(Stop::Diverged(d));
        }
        let f = self.groups[g].in_flight.as_mut().expect("in flight");
        f.absent.retain(|&a| a != v);
        f.remaining.insert(v);
        None
    }

    /// Whether a member of `g` has not caught up with the group: calls behind, or absent from
    /// the call in flight. Signals wait for it (they would find it at another call).
    pub(super) fn lags_behind(&self, g: GroupId) -> bool {
        let group = &self.groups[g];
        group.backlogs.any_behind()
            || group
                .in_flight
                .as_ref()
                .is_some_and(|f| !f.absent.is_empty())
    }

    /// Member `t` has arrived at a call with a backlog: the oldest call settled without it
    /// is this one. Compared with the leader's, then answered or let run. `None` if it has
    /// no backlog.
    pub(super) fn catch_up(&mut self, t: TaskId) -> Result<Option<Option<Stop>>> {
        let (g, v) = (self.tasks[t].group, self.tasks[t].variant);
        let Some((settled, expectation)) = self.groups[g].backlogs.pop(v) else {
            return Ok(None);
        };
        if let Some(id) = expectation {
            // Answered here after all (the stop was reported before the expectation got
            // there): the host must not answer a later call with it.
            tolerate_gone(crate::remote::link::forget(self.tasks[t].tracee.pid, id))?;
        }
        let mine = self.tasks[t].entry().expect("at entry").clone();
        if let Some(d) = self.compare_entries(g, &[(0, settled.leader()), (v, &mine)]) {
            return Ok(Some(Some(Stop::Diverged(d))));
        }
        match settled {
            Settled::Answer {
                leader,
                ret,
                outputs,
                sigpipe,
            } => {
                if sigpipe {
                    handlers::sigpipe::pass_on(self, t);
                }
                let handler = handlers::of(leader.spec);
                let from = handlers::Answer {
                    proc_: self.groups[g].proc_,
                    call: &leader.call.raw,
                    outputs: &outputs,
                    ret,
                    own_map: None,
                };
                let own = (handler.answer)(self, t, &from);
                self.skip_with(t, ret, Some(own.as_ref().unwrap_or(&outputs)))?;
            }
            Settled::RunOwn { .. } => {
                tolerate_gone(self.tasks[t].resume(State::Running, Resume::Cont(None)))?;
            }
            Settled::Placeholders {
                ret, fds, outputs, ..
            } => self.start_placeholders(t, &fds, ret, Some(outputs))?,
        }
        Ok(Some(None))
    }

    /// Queues `settled` for absent member `v` of `g`, and posts it ahead to the member's host
    /// where it can answer it there (a plain answer or the member's own run).
    pub(super) fn settle_for_absent(&mut self, g: GroupId, v: usize, settled: Settled) {
        let expectation = self.expectation_for(g, v, &settled);
        self.groups[g].backlogs.push(v, settled, expectation);
    }

    fn expectation_for(&mut self, g: GroupId, v: usize, settled: &Settled) -> Option<u64> {
        let t = self.member(g, v)?;
        let pid = self.tasks[t].tracee.pid;
        if !crate::remote::link::is_remote(pid) {
            return None;
        }
        let answer = match settled {
            Settled::Answer {
                leader,
                ret,
                outputs,
                sigpipe: false,
            } if std::ptr::eq(handlers::of(leader.spec), &handlers::REGULAR) => {
                crate::remote::wire::Prepared::Answer {
                    ret: *ret,
                    outputs: outputs.clone(),
                }
            }
            Settled::RunOwn { .. } => crate::remote::wire::Prepared::RunOwn,
            _ => return None,
        };
        self.next_expectation += 1;
        let id = self.next_expectation;
        match crate::remote::link::expect(pid, id, &settled.leader().call, answer) {
            Ok(()) => Some(id),
            Err(e) => {
                debug!(task = t, "posting an expectation: {e:#}");
                None
            }
        }
    }

    /// Remote member `t`'s host answered its call from expectation `id`: the bookkeeping of
    /// `catch_up`, with nothing left to do to the member (it runs on).
    pub(super) fn answered_at_host(&mut self, t: TaskId, id: u64) -> Result<Option<Stop>> {
        let (g, v) = (self.tasks[t].group, self.tasks[t].variant);
        let pid = self.tasks[t].tracee.pid;
        let call = crate::remote::link::take_answered(pid);
        let Some((settled, Some(expected))) = self.groups[g].backlogs.pop(v) else {
            bail!("variant {v}'s host answered a call the leader did not expect it to answer");
        };
        ensure!(
            expected == id,
            "variant {v}'s host answered expectation {id} where {expected} was next"
        );
        *self
            .answered_remotely
            .entry(settled.leader().call.raw.nr)
            .or_default() += 1;
        let task = &mut self.tasks[t];
        let text = call
            .as_ref()
            .map_or_else(|| "?".to_string(), decode::syscall_text);
        task.history
            .push(format!("{text} = ? (answered on its host)"));
        task.entries += 1;
        if let Settled::Answer { ret, .. } = settled {
            task.sig.answered_eintr = ret == -(libc::EINTR as i64);
            task.history.set_last_result(&decode::ret_text(ret));
        }
        if !self.groups[g].backlogs.is_behind(v) {
            // Caught up: a call waiting for it may go now.
            return self.try_rendezvous(g);
        }
        Ok(None)
    }
}
