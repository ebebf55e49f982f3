//! A process's fd table as the monitor keeps it: what each fd is (`fdtable.rs`), updated from
//! the results of the calls that create, duplicate or close fds, and the turn by which a
//! multi-threaded process changes its followers' tables one group at a time (`fd_place.rs`).

use super::*;
use crate::dispatch_plan::{FdEffect, Plan};
use crate::tracee::RawCall;

impl Monitor {
    /// Lock-step groups of process `proc_` with a live member (its threads).
    pub(super) fn live_threads(&self, proc_: ProcId) -> usize {
        self.groups
            .iter()
            .filter(|gr| {
                gr.proc_ == proc_ && gr.members.iter().flatten().any(|&t| self.tasks[t].alive())
            })
            .count()
    }

    /// Follower-side fd-table changes of a multi-threaded process run one group at a time
    /// (see `fd_place.rs`); none of them blocks, so the turn always comes round. The leader's
    /// own calls never wait for it: a leader-only call that creates fds (accept, socket, pipe)
    /// runs at once and takes the turn only at its exit, for the followers' placeholders.
    /// Returns whether group `g` has the turn; if not, it is queued for it.
    pub(super) fn take_fd_table(&mut self, g: GroupId) -> bool {
        let proc_ = self.groups[g].proc_;
        if self.live_threads(proc_) < 2 {
            return true;
        }
        match self.procs[proc_].fd_owner {
            Some(owner) if owner != g => {
                self.procs[proc_].fd_waiters.insert(g);
                self.groups[g]
                    .fd_wait_since
                    .get_or_insert_with(Instant::now);
                false
            }
            _ => {
                self.procs[proc_].fd_owner = Some(g);
                self.groups[g].fd_wait_since = None;
                true
            }
        }
    }

    /// Whether a call that passed its rendezvous must wait for its process's fd-table turn:
    /// calls every variant executes that create, duplicate or close fds, and clones (the
    /// child copies the table).
    pub(super) fn waits_for_fd_table(&mut self, g: GroupId, decision: &Decision) -> bool {
        let changes_table = match decision.plan {
            Plan::All | Plan::AllChecked => {
                decision.effect != FdEffect::None || decision.shadow_fd.is_some()
            }
            Plan::Clone => true,
            _ => false,
        };
        changes_table && !self.take_fd_table(g)
    }

    /// The fd-changing call of group `g` completed: let a waiting group of its process go on.
    pub(super) fn release_fd_table(&mut self, g: GroupId) -> Result<Option<Stop>> {
        let proc_ = self.groups[g].proc_;
        if self.procs[proc_].fd_owner != Some(g) {
            return Ok(None);
        }
        self.procs[proc_].fd_owner = None;
        let waiters: Vec<GroupId> = std::mem::take(&mut self.procs[proc_].fd_waiters)
            .into_iter()
            .collect();
        for w in waiters {
            // A leader waiting at its exit for its followers' placements, or a group waiting
            // at its rendezvous.
            let next = if self.groups[w].in_flight.is_some() {
                self.progress(w)?
            } else {
                self.try_rendezvous(w)?
            };
            if let Some(stop) = next {
                return Ok(Some(stop));
            }
        }
        Ok(None)
    }

    /// Updates a process's fd table once the result `ret` of the leader's call is known; `pair`
    /// holds the fds a pipe/socketpair created.
    pub(super) fn apply_effect(
        &mut self,
        proc_: ProcId,
        effect: FdEffect,
        ret: Option<i64>,
        pair: Option<(i32, i32)>,
    ) {
        let fds = &mut self.procs[proc_].fds;
        match (effect, ret) {
            (FdEffect::None, _) => {}
            (FdEffect::Close { fd }, _) => {
                fds.remove(fd);
                self.procs[proc_].epoll.forget_fd(fd);
            }
            (FdEffect::CloseRange { first, last }, _) => fds.remove_range(first, last),
            (_, None) => {}
            (_, Some(r)) if r < 0 => {}
            (
                FdEffect::New {
                    kind,
                    pair_arg: None,
                },
                Some(fd),
            ) => fds.insert(fd as i32, kind),
            (
                FdEffect::New {
                    kind,
                    pair_arg: Some(_),
                },
                Some(_),
            ) => {
                if let Some((a, b)) = pair {
                    fds.insert(a, kind);
                    fds.insert(b, kind);
                }
            }
            (FdEffect::Dup { src }, Some(fd)) => fds.duplicate(src, fd as i32),
        }
        self.learn_new_fd_types(proc_, effect, ret, pair);
        self.publish_fd_classes(proc_);
    }

    /// Reads from the leader's /proc which new fds are sockets (the fast path's socket levels
    /// need to know); without a fast path nobody asks.
    fn learn_new_fd_types(
        &mut self,
        proc_: ProcId,
        effect: FdEffect,
        ret: Option<i64>,
        pair: Option<(i32, i32)>,
    ) {
        if !self.cfg.level.uses_fast_io() {
            return;
        }
        let new: Vec<i32> = match (effect, ret) {
            (FdEffect::New { pair_arg: None, .. }, Some(fd)) if fd >= 0 => vec![fd as i32],
            (
                FdEffect::New {
                    pair_arg: Some(_), ..
                },
                Some(r),
            ) if r >= 0 => pair.map(|(a, b)| vec![a, b]).unwrap_or_default(),
            _ => return,
        };
        let Some(leader) = self.leader_pid_of(proc_) else {
            return;
        };
        for fd in new {
            self.procs[proc_].fds.learn_type(leader, fd);
        }
    }
}

/// The two fds a pipe/socketpair wrote to argument `arg` of the leader's call.
pub(super) fn read_pair(t: &Tracee, call: &RawCall, arg: usize) -> Result<(i32, i32)> {
    let b = t.read_bytes(call.args[arg], 8)?;
    Ok((
        i32::from_ne_bytes(b[..4].try_into().unwrap()),
        i32::from_ne_bytes(b[4..].try_into().unwrap()),
    ))
}
