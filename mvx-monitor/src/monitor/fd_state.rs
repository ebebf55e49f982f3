//! A process's fd table as the monitor keeps it: what each fd is (`fdtable.rs`), updated from
//! the results of the calls that create, duplicate or close fds, and the turn by which a
//! multi-threaded process changes its followers' tables one group at a time (`fd_place.rs`).

use super::*;
use crate::dispatch_plan::{FdEffect, Plan};
use crate::fdtable::FdKind;
use crate::tracee::RawCall;

/// A process's fd state: its table and its fd-table turn. Changed only through these methods,
/// which see nothing else of the monitor; the groups that wait for the turn are woken by the
/// monitor (`release_fd_table`).
#[derive(Default)]
pub(super) struct FdState {
    pub(super) table: FdTable,
    /// The group whose fd-creating or closing call is in flight (see `changes_fd_table`).
    owner: Option<GroupId>,
    /// Groups waiting at their rendezvous for the fd table.
    waiters: HashSet<GroupId>,
}

impl FdState {
    /// The state a forked child starts with: the parent's table, nobody holding the turn.
    pub(super) fn forked(&self) -> FdState {
        FdState {
            table: self.table.clone(),
            ..FdState::default()
        }
    }

    /// Gives group `g` the turn if nobody else holds it; queues it otherwise.
    fn take_turn(&mut self, g: GroupId) -> bool {
        match self.owner {
            Some(owner) if owner != g => {
                self.waiters.insert(g);
                false
            }
            _ => {
                self.owner = Some(g);
                true
            }
        }
    }

    /// Ends group `g`'s turn; the groups that waited for it, or `None` if `g` did not hold it.
    fn release_turn(&mut self, g: GroupId) -> Option<Vec<GroupId>> {
        if self.owner != Some(g) {
            return None;
        }
        self.owner = None;
        Some(std::mem::take(&mut self.waiters).into_iter().collect())
    }

    pub(super) fn holds_turn(&self, g: GroupId) -> bool {
        self.owner == Some(g)
    }

    pub(super) fn waits_for_turn(&self, g: GroupId) -> bool {
        self.waiters.contains(&g)
    }

    /// Who holds the turn, for messages.
    pub(super) fn turn_holder(&self) -> Option<GroupId> {
        self.owner
    }

    /// Updates the table once the result `ret` of the leader's call is known; `pair` holds the
    /// fds a pipe/socketpair created.
    fn apply(&mut self, effect: FdEffect, ret: Option<i64>, pair: Option<(i32, i32)>) {
        let fds = &mut self.table;
        match (effect, ret) {
            (FdEffect::None, _) => {}
            (FdEffect::Close { fd }, _) => fds.remove(fd),
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
    }

    /// Reads from the `leader`'s /proc which new fds are sockets (the fast path's socket levels
    /// need to know).
    fn learn_new_types(
        &mut self,
        leader: Pid,
        effect: FdEffect,
        ret: Option<i64>,
        pair: Option<(i32, i32)>,
    ) {
        let (new, paired): (Vec<i32>, bool) = match (effect, ret) {
            (FdEffect::New { pair_arg: None, .. }, Some(fd)) if fd >= 0 => (vec![fd as i32], false),
            (
                FdEffect::New {
                    pair_arg: Some(_), ..
                },
                Some(r),
            ) if r >= 0 => (pair.map(|(a, b)| vec![a, b]).unwrap_or_default(), true),
            _ => return,
        };
        for &fd in &new {
            self.table.learn_type(leader, fd);
        }
        if let (true, [a, b]) = (paired, new.as_slice()) {
            self.table.set_pair(leader, *a, *b);
        }
    }
}

/// Whether a call that passed its rendezvous changes its process's fd table, and so must
/// have the fd-table turn: calls every variant executes that create, duplicate or close fds,
/// and clones (the child copies the table).
pub(super) fn changes_fd_table(decision: &Decision) -> bool {
    match decision.plan {
        Plan::All | Plan::AllChecked => {
            decision.effect != FdEffect::None || decision.shadow_fd.is_some()
        }
        Plan::Clone => true,
        _ => false,
    }
}

impl Monitor {
    /// Lock-step groups of process `proc_` with a live member (its threads).
    pub(super) fn live_threads(&self, proc_: ProcId) -> usize {
        self.running
            .iter()
            .map(|&g| &self.groups[g])
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
        if self.procs[proc_].fd.take_turn(g) {
            self.groups[g].fd_wait_since = None;
            true
        } else {
            self.groups[g]
                .fd_wait_since
                .get_or_insert_with(Instant::now);
            false
        }
    }

    /// The fd-changing call of group `g` completed: let a waiting group of its process go on.
    pub(super) fn release_fd_table(&mut self, g: GroupId) -> Result<Option<Stop>> {
        let proc_ = self.groups[g].proc_;
        let Some(waiters) = self.procs[proc_].fd.release_turn(g) else {
            return Ok(None);
        };
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
        self.procs[proc_].fd.apply(effect, ret, pair);
        if let FdEffect::Close { fd } = effect {
            self.procs[proc_].epoll.forget_fd(fd);
        }
        // Without a fast path nobody asks for the new fds' types.
        if self.cfg.level.uses_fast_io() {
            if let Some(leader) = self.leader_pid_of(proc_) {
                self.procs[proc_]
                    .fd
                    .learn_new_types(leader, effect, ret, pair);
            }
        }
        self.runtime.publish_fd_classes(proc_, &self.procs[proc_]);
    }
}

impl Monitor {
    /// Applies the fd-table changes the leader of process `proc_` made on the fast path since
    /// the process's last rendezvous, as the calls' own effects would have been applied had
    /// they been lock-stepped. Called before the monitor looks at the table.
    pub(super) fn apply_fd_journal(&mut self, proc_: ProcId) {
        use mvx_sync_runtime::protocol::FdChange;
        let (changes, taken) = self.runtime.take_fd_journal(proc_);
        if changes.is_empty() {
            return;
        }
        self.runtime.hold_publishing(proc_);
        for change in changes {
            let (effect, fd) = match change {
                FdChange::OpenedPerVariant(fd) => (
                    FdEffect::New {
                        kind: FdKind::PerVariant,
                        pair_arg: None,
                    },
                    fd,
                ),
                FdChange::Accepted(fd) => (
                    FdEffect::New {
                        kind: FdKind::LeaderOnly,
                        pair_arg: None,
                    },
                    fd,
                ),
                FdChange::Closed(fd) => (FdEffect::Close { fd }, fd),
            };
            trace!(proc_, ?change, "fd journal");
            self.apply_effect(proc_, effect, Some(fd as i64), None);
        }
        self.runtime
            .release_publishing(proc_, &self.procs[proc_], taken);
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
