//! Clock reads in multi-threaded processes.
//!
//! How often a thread reads the clock can depend on scheduling (a timed wait for a lock that
//! timed out in one variant and not in another: CPython's GIL re-reads the clock on every
//! timeout), and a thread waiting at a strict rendezvous for such a read can close a deadlock
//! cycle with the lock. So in multi-threaded processes clock reads leave strict lock-step.
//! Each variant's k-th read of a clock since the group's last rendezvous is a *position*; its
//! value is the first one read for it, by whichever variant got there first:
//! - the leader reads at once; if a follower already read the position, the leader's result
//!   is replaced by that value at its exit stop, else its value is queued for the followers;
//! - a follower whose position has a value takes it without running the call (a follower that
//!   lags behind sees the very values the leader saw at the same points);
//! - a follower that gets to a position first reads its own clock, and its value is the
//!   position's, for the leader and the other followers too. Nobody waits: a follower waiting
//!   for its twin's read could close a deadlock cycle through a lock, and one using its own
//!   value alone (or, as before, the leader's latest again and again) formatted other seconds
//!   into a `Date:` header, or computed the same deadline forever (CPython's timed waits);
//! - a follower whose leader thread is held at a rendezvous (it reads nothing before it) reads
//!   its own clock; the extra reads of either side are dropped at the next rendezvous.
//!
//! A follower on another host, whose monotonic clock is not the leader's, still waits a while
//! for the leader's value and then takes the leader's latest.

use super::*;
use std::collections::VecDeque;

/// How long a follower's clock read waits for the leader's value before checking whether
/// the leader's thread can still produce one.
const CLOCK_WAIT: Duration = Duration::from_millis(2);

/// The longest a follower's clock read waits for a leader that keeps running without
/// reading the clock.
const CLOCK_WAIT_MAX: Duration = Duration::from_millis(500);

/// A clock read's identity: the syscall and, for clock_gettime, the clock id.
type ClockKey = (u64, u64);

/// A leader's clock result: return value and out-buffers.
type ClockValue = (i64, Outputs);

/// The leader's clock results of a group since its last rendezvous, and how far each
/// follower has read.
#[derive(Default)]
pub(super) struct ClockQueues {
    /// Per clock: the values in the leader's order, the first having sequence number `base`.
    values: HashMap<ClockKey, (u64, VecDeque<ClockValue>)>,
    /// The latest value of each clock, kept across rendezvous.
    latest: HashMap<ClockKey, ClockValue>,
    /// Per follower and clock: how many values it has taken (a sequence number).
    taken: HashMap<(usize, ClockKey), u64>,
    /// Per clock: the sequence number of the leader's next read.
    leader_next: HashMap<ClockKey, u64>,
}

impl ClockQueues {
    /// The follower's next value of `key`, if the leader has produced it; marks it taken.
    fn take(&mut self, variant: usize, key: ClockKey) -> Option<ClockValue> {
        let (base, queue) = self.values.get(&key)?;
        let taken = self.taken.entry((variant, key)).or_insert(*base);
        let index = taken.checked_sub(*base)? as usize;
        let value = queue.get(index)?.clone();
        *taken += 1;
        Some(value)
    }

    /// The leader's read of `key` returned: the value a follower's own read gave first for
    /// this position, which the leader takes too, if there is one (else the leader's value is
    /// to be published).
    fn claim_for_leader(&mut self, key: ClockKey) -> Option<ClockValue> {
        let (base, queue) = self.values.entry(key).or_default();
        let next = self.leader_next.entry(key).or_insert(*base);
        let index = next.checked_sub(*base)? as usize;
        *next += 1;
        queue.get(index).cloned()
    }

    /// Follower `variant`'s own read of `key` returned `value`: it is the value of this
    /// position unless the leader (or another follower) gave one first, which the follower
    /// takes instead (returned).
    fn define_by_follower(
        &mut self,
        variant: usize,
        key: ClockKey,
        value: ClockValue,
    ) -> Option<ClockValue> {
        if let Some(first) = self.take(variant, key) {
            return Some(first);
        }
        let (base, queue) = self.values.entry(key).or_default();
        let taken = self.taken.entry((variant, key)).or_insert(*base);
        if *taken == *base + queue.len() as u64 {
            queue.push_back(value.clone());
            self.latest.insert(key, value);
        }
        *taken += 1;
        None
    }

    /// The leader's latest value of `key` (a follower's extra read).
    fn latest(&self, key: ClockKey) -> Option<ClockValue> {
        self.latest.get(&key).cloned()
    }

    fn publish(&mut self, key: ClockKey, ret: i64, out: Outputs) {
        let (_, queue) = self.values.entry(key).or_default();
        queue.push_back((ret, out.clone()));
        self.latest.insert(key, (ret, out));
    }

    /// The group meets at a rendezvous: every member has made the same lock-stepped calls, so
    /// the clock reads before it are settled; values no follower took are dropped.
    pub(super) fn resync(&mut self) {
        for (key, (base, queue)) in self.values.iter_mut() {
            *base += queue.len() as u64;
            queue.clear();
            for ((_, k), taken) in self.taken.iter_mut() {
                if k == key {
                    *taken = *base;
                }
            }
            self.leader_next.insert(*key, *base);
        }
    }
}

impl Monitor {
    /// The clock read's identity as the leader would name it (a thread's CPU clock encodes
    /// the thread's id, the variant's own).
    fn clock_key(&self, variant: usize, call: &crate::tracee::RawCall) -> ClockKey {
        let (nr, clock) = key_of(call);
        (nr, self.virtual_clockid(variant, clock))
    }
}

fn key_of(call: &crate::tracee::RawCall) -> ClockKey {
    let clock = crate::table::lookup(call.nr).map_or(0, |s| s.clock_of(&call.args));
    (call.nr, clock)
}

impl Monitor {
    pub(super) fn clock_channel_applies(&self, t: TaskId, entry: &Entry) -> bool {
        let task = &self.tasks[t];
        entry.spec.is_some_and(|s| s.reads_clock())
            && self.procs[task.proc_].threaded
            && self.groups[task.group].delivery.is_none()
    }

    pub(super) fn clock_read(
        &mut self,
        t: TaskId,
        entry: Entry,
        stop: Stopped,
    ) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        task.history.push(format!(
            "{} = ? (multi-threaded: clock channel)",
            decode::syscall_text(&entry.call)
        ));
        if task.variant == 0 {
            *self.unpaired_by_nr.entry(entry.call.raw.nr).or_default() += 1;
            let next = State::InSyscall(Pending::ClockRead(entry));
            return tolerate_gone(task.resume_from(stop, next, Resume::ToExit(None)))
                .map(|()| None);
        }
        let (variant, g) = (task.variant, task.group);
        let key = self.clock_key(variant, &entry.call.raw);
        match self.groups[g].clock_queues.take(variant, key) {
            Some((ret, outputs)) => self
                .serve_clock(t, stop, entry, ret, &outputs)
                .map(|()| None),
            // The leader's thread cannot read before the group's next rendezvous (it is held
            // at one, or gone): no value is coming, so waiting for one only slows down a
            // follower whose timed waits read the clock more often.
            None if self
                .member(g, 0)
                .is_none_or(|l| leader_held_or_gone(&self.tasks[l])) =>
            {
                self.serve_extra_read(t, entry, stop).map(|()| None)
            }
            // The leader's thread may still read (it runs, or waits for a lock): this
            // follower reads first and its value is the one of this position, which the
            // leader then takes too (`finish_clock_read`). Waiting for the leader could close
            // a deadlock cycle through a lock, and a value of the follower's own that the
            // leader did not see (a `Date:` header) would differ now and then.
            None if !crate::remote::link::is_remote(self.tasks[t].tracee.pid) => {
                let task = &mut self.tasks[t];
                let next = State::InSyscall(Pending::ClockRead(entry));
                tolerate_gone(task.resume_from(stop, next, Resume::ToExit(None))).map(|()| None)
            }
            None => {
                self.tasks[t].state = State::ClockWait {
                    entry,
                    until: Instant::now() + CLOCK_WAIT,
                    stop,
                };
                Ok(None)
            }
        }
    }

    /// A follower's clock read beyond the leader's: time must move on for it, since such
    /// reads are those of a timed wait that expired again and again (a deadline computed
    /// from the same value every time never comes). So a local follower reads its own clock;
    /// one on another host, whose monotonic clock is not the leader's, takes the leader's
    /// latest value if there is one.
    fn serve_extra_read(&mut self, t: TaskId, entry: Entry, stop: Stopped) -> Result<()> {
        let (variant, g) = (self.tasks[t].variant, self.tasks[t].group);
        let key = self.clock_key(variant, &entry.call.raw);
        let latest = crate::remote::link::is_remote(self.tasks[t].tracee.pid)
            .then(|| self.groups[g].clock_queues.latest(key))
            .flatten();
        match latest {
            Some((ret, out)) => {
                self.serve_clock(t, stop, entry, ret, &out)?;
                self.tasks[t]
                    .history
                    .set_last_result(&format!("{ret} (the leader's latest: an extra read)"));
            }
            None => {
                let task = &mut self.tasks[t];
                task.history
                    .set_last_result("(own clock: an extra read of the follower's)");
                tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))?;
            }
        }
        Ok(())
    }

    /// A clock read made at once returned. The value of its position is the first one read:
    /// this one (published for the other variants), or one a follower (or the leader) read
    /// first, which replaces this one.
    pub(super) fn finish_clock_read(
        &mut self,
        t: TaskId,
        stop: Stopped,
        entry: Entry,
        mut regs: user_regs_struct,
    ) -> Result<Option<Stop>> {
        let ret = regs.rax as i64;
        let args = entry.spec.map(|s| s.args).unwrap_or(&[]);
        let outputs = lockstep::collect_outputs(&self.tasks[t].tracee, args, &entry.call, ret)?;
        let (variant, g) = (self.tasks[t].variant, self.tasks[t].group);
        let key = self.clock_key(variant, &entry.call.raw);
        let queues = &mut self.groups[g].clock_queues;
        let first = if variant == 0 {
            let first = queues.claim_for_leader(key);
            if first.is_none() {
                queues.publish(key, ret, outputs);
            }
            first
        } else {
            queues.define_by_follower(variant, key, (ret, outputs))
        };
        let task = &mut self.tasks[t];
        let ret = match first {
            Some((first_ret, first_out)) => {
                tolerate_gone(first_out.apply(&task.tracee, &entry.call.raw))?;
                regs.rax = first_ret as u64;
                tolerate_gone(stop.set_regs(&regs))?;
                first_ret
            }
            None => ret,
        };
        task.history.set_last_result(&decode::ret_text(ret));
        tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))?;
        if variant != 0 {
            return Ok(None);
        }
        for v in 1..self.variants() {
            let Some(f) = self.member(g, v) else { continue };
            let waiting = matches!(&self.tasks[f].state, State::ClockWait { entry: e, .. } if self.clock_key(v, &e.call.raw) == key);
            if !waiting {
                continue;
            }
            if let Some((ret, out)) = self.groups[g].clock_queues.take(v, key) {
                let State::ClockWait {
                    entry: fe, stop, ..
                } = self.tasks[f].take_state()
                else {
                    unreachable!()
                };
                self.serve_clock(f, stop, fe, ret, &out)?;
            }
        }
        Ok(None)
    }

    /// Gives a follower held at a clock read the leader's result, without executing it.
    fn serve_clock(
        &mut self,
        t: TaskId,
        stop: Stopped,
        entry: Entry,
        ret: i64,
        outputs: &Outputs,
    ) -> Result<()> {
        let call = &entry.call.raw;
        let task = &mut self.tasks[t];
        lockstep::answer(task, stop, &entry.regs, ret, Some((outputs, call)))
    }

    /// Followers whose wait for a leader value ran out: wait on while the leader's thread is
    /// running (its read may be coming), else read on (`serve_extra_read`).
    pub(super) fn expire_clock_waits(&mut self) -> Result<()> {
        let now = Instant::now();
        for t in 0..self.tasks.len() {
            let State::ClockWait {
                until, ref entry, ..
            } = self.tasks[t].state
            else {
                continue;
            };
            if until > now {
                continue;
            }
            let g = self.tasks[t].group;
            let waited_long = entry.arrived.elapsed() >= CLOCK_WAIT_MAX;
            let leader = self.member(g, 0).map(|lt| &self.tasks[lt]);
            if !waited_long && leader.is_some_and(leader_may_read_clock) {
                if let State::ClockWait { until, .. } = &mut self.tasks[t].state {
                    *until = now + CLOCK_WAIT;
                }
                continue;
            }
            let State::ClockWait { entry, stop, .. } = self.tasks[t].take_state() else {
                unreachable!()
            };
            self.serve_extra_read(t, entry, stop)?;
        }
        Ok(())
    }
}

/// Whether the leader's thread `task` runs freely (not held by the monitor, not blocked on a
/// lock), so that a clock read a follower waits for may still come.
fn leader_may_read_clock(task: &Task) -> bool {
    match task.state {
        State::Running => {
            !(crate::procfs::blocked_in_kernel(task.tracee.pid)
                && crate::procfs::waits_on_lock(task.tracee.pid))
        }
        State::InSyscall(Pending::ClockRead(_)) => true,
        _ => false,
    }
}

/// Whether the leader's thread `task` is held by the monitor (at a rendezvous) or gone: it
/// reads no clock before the group's next rendezvous.
fn leader_held_or_gone(task: &Task) -> bool {
    matches!(task.state, State::AtEntry(..) | State::Dead { .. })
}

/// When the first follower's wait for a leader's clock value runs out, for the event loop.
pub(super) fn next_clock_deadline<'a>(tasks: impl Iterator<Item = &'a Task>) -> Option<Instant> {
    tasks
        .filter_map(|t| match t.state {
            State::ClockWait { until, .. } => Some(until),
            _ => None,
        })
        .min()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ret(v: Option<ClockValue>) -> Option<i64> {
        v.map(|(r, _)| r)
    }

    #[test]
    fn followers_take_the_leaders_values_in_order() {
        let mut q = ClockQueues::default();
        let key = (libc::SYS_clock_gettime as u64, 1);
        assert!(q.take(1, key).is_none());
        q.publish(key, 5, Outputs::default());
        q.publish(key, 7, Outputs::default());
        // A lagging follower sees both values, in order.
        assert_eq!(ret(q.take(1, key)), Some(5));
        assert_eq!(ret(q.take(1, key)), Some(7));
        assert!(q.take(1, key).is_none(), "taken once");
        assert_eq!(ret(q.take(2, key)), Some(5), "each follower takes them");
        assert_eq!(ret(q.latest(key)), Some(7));
    }

    #[test]
    fn the_first_read_of_a_position_is_its_value_for_every_variant() {
        let mut q = ClockQueues::default();
        let key = (libc::SYS_clock_gettime as u64, 0);
        // Follower 1 reads first: its value is the position's.
        assert!(q
            .define_by_follower(1, key, (10, Outputs::default()))
            .is_none());
        // The leader's read of that position, and follower 2's, take it.
        assert_eq!(ret(q.claim_for_leader(key)), Some(10));
        assert_eq!(ret(q.take(2, key)), Some(10));
        // The next position: the leader first, then follower 1's own read takes the leader's.
        assert!(q.claim_for_leader(key).is_none());
        q.publish(key, 11, Outputs::default());
        assert_eq!(
            ret(q.define_by_follower(1, key, (12, Outputs::default()))),
            Some(11)
        );
        // After a rendezvous both start afresh.
        q.resync();
        assert!(q.claim_for_leader(key).is_none());
        q.publish(key, 20, Outputs::default());
        assert_eq!(ret(q.take(1, key)), Some(20));
    }

    #[test]
    fn a_rendezvous_drops_the_leaders_extra_reads() {
        let mut q = ClockQueues::default();
        let key = (libc::SYS_clock_gettime as u64, 1);
        q.publish(key, 1, Outputs::default());
        q.publish(key, 2, Outputs::default()); // an extra read of the leader's
        assert_eq!(ret(q.take(1, key)), Some(1));
        q.resync();
        assert!(q.take(1, key).is_none());
        q.publish(key, 3, Outputs::default());
        assert_eq!(ret(q.take(1, key)), Some(3));
        assert_eq!(
            ret(q.take(2, key)),
            Some(3),
            "a follower that read nothing resyncs too"
        );
    }
}
