//! Clock reads in multi-threaded processes.
//!
//! How often a thread reads the clock can depend on scheduling (a timed wait for a lock that
//! timed out in one variant and not in another: CPython's GIL re-reads the clock on every
//! timeout), and a thread waiting at a strict rendezvous for such a read can close a deadlock
//! cycle with the lock. So in multi-threaded processes clock reads leave strict lock-step: the
//! leader reads the clock at once and publishes the value; a follower takes the leader's latest
//! value of the same clock that it has not taken yet (so an extra read of the leader's does not
//! shift the followers by one), waiting at most `CLOCK_WAIT` for the leader to produce one, and
//! reads its own clock after that (an extra read the leader did not make).

use super::*;

/// How long a follower's clock read waits for the leader's value.
const CLOCK_WAIT: Duration = Duration::from_millis(2);

/// A clock read's identity: the syscall and, for clock_gettime, the clock id.
type ClockKey = (u64, u64);

/// The leader's latest clock results of a group, and what each follower took.
#[derive(Default)]
pub(super) struct ClockQueues {
    /// Per clock: generation, return value, out-buffers.
    latest: HashMap<ClockKey, (u64, i64, Outputs)>,
    /// Per follower and clock: the generation it took last.
    taken: HashMap<(usize, ClockKey), u64>,
}

impl ClockQueues {
    /// The leader's latest value for `variant` if it has not taken it yet; marks it taken.
    fn take(&mut self, variant: usize, key: ClockKey) -> Option<(i64, Outputs)> {
        let (generation, ret, out) = self.latest.get(&key)?;
        let taken = self.taken.entry((variant, key)).or_default();
        if *generation <= *taken {
            return None;
        }
        *taken = *generation;
        Some((*ret, out.clone()))
    }

    fn publish(&mut self, key: ClockKey, ret: i64, out: Outputs) {
        let generation = self.latest.get(&key).map_or(1, |(g, ..)| g + 1);
        self.latest.insert(key, (generation, ret, out));
    }
}

fn is_clock_read(nr: u64) -> bool {
    matches!(
        nr as i64,
        libc::SYS_clock_gettime | libc::SYS_gettimeofday | libc::SYS_time
    )
}

fn key_of(call: &crate::tracee::RawCall) -> ClockKey {
    let clock = if call.nr as i64 == libc::SYS_clock_gettime {
        call.args[0]
    } else {
        0
    };
    (call.nr, clock)
}

impl Monitor {
    pub(super) fn clock_channel_applies(&self, t: TaskId, entry: &Entry) -> bool {
        let task = &self.tasks[t];
        is_clock_read(entry.call.raw.nr)
            && self.procs[task.proc_].threaded
            && self.groups[task.group].delivery.is_none()
            && entry.spec.is_some()
    }

    pub(super) fn clock_read(&mut self, t: TaskId, entry: Entry) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        task.history.push(format!(
            "{} = ? (multi-threaded: clock channel)",
            decode::syscall_text(&entry.call)
        ));
        if task.variant == 0 {
            task.state = State::InSyscall(Pending::ClockRead(entry));
            return tolerate_gone(task.tracee.cont_to_exit()).map(|()| None);
        }
        let (variant, key) = (task.variant, key_of(&entry.call.raw));
        match self.groups[task.group].clock_queues.take(variant, key) {
            Some((ret, outputs)) => self.serve_clock(t, entry, ret, &outputs).map(|()| None),
            None => {
                self.tasks[t].state = State::ClockWait {
                    entry,
                    until: Instant::now() + CLOCK_WAIT,
                };
                Ok(None)
            }
        }
    }

    /// The leader's clock read returned: hand the value to waiting followers, queue it for
    /// the others.
    pub(super) fn finish_leader_clock_read(
        &mut self,
        t: TaskId,
        entry: Entry,
        regs: user_regs_struct,
    ) -> Result<Option<Stop>> {
        let ret = regs.rax as i64;
        let args = entry.spec.map(|s| s.args).unwrap_or(&[]);
        let outputs = lockstep::collect_outputs(&self.tasks[t].tracee, args, &entry.call, ret)?;
        let task = &mut self.tasks[t];
        task.history.set_last_result(&decode::ret_text(ret));
        task.state = State::Running;
        tolerate_gone(task.tracee.cont(None))?;
        let g = task.group;
        let key = key_of(&entry.call.raw);
        self.groups[g].clock_queues.publish(key, ret, outputs);
        for v in 1..self.variants() {
            let Some(f) = self.member(g, v) else { continue };
            let waiting = matches!(&self.tasks[f].state, State::ClockWait { entry: e, .. } if key_of(&e.call.raw) == key);
            if !waiting {
                continue;
            }
            if let Some((ret, out)) = self.groups[g].clock_queues.take(v, key) {
                let State::ClockWait { entry: fe, .. } =
                    std::mem::replace(&mut self.tasks[f].state, State::Running)
                else {
                    unreachable!()
                };
                self.serve_clock(f, fe, ret, &out)?;
            }
        }
        Ok(None)
    }

    /// Gives a follower held at a clock read the leader's result, without executing it.
    fn serve_clock(&mut self, t: TaskId, entry: Entry, ret: i64, outputs: &Outputs) -> Result<()> {
        let task = &mut self.tasks[t];
        tolerate_gone(outputs.apply(&task.tracee, &entry.call.raw))?;
        let mut regs = entry.regs;
        regs.orig_rax = u64::MAX;
        regs.rax = ret as u64;
        tolerate_gone(task.tracee.set_regs(&regs))?;
        task.history.set_last_result(&decode::ret_text(ret));
        task.state = State::Running;
        tolerate_gone(task.tracee.cont(None))
    }

    /// Followers whose wait for a leader value ran out read their own clock.
    pub(super) fn expire_clock_waits(&mut self) -> Result<()> {
        let now = Instant::now();
        for t in 0..self.tasks.len() {
            if matches!(self.tasks[t].state, State::ClockWait { until, .. } if until <= now) {
                let task = &mut self.tasks[t];
                task.state = State::Running;
                task.history
                    .set_last_result("(own clock: the leader made no such read)");
                tolerate_gone(task.tracee.cont(None))?;
            }
        }
        Ok(())
    }

    pub(super) fn next_clock_deadline(&self) -> Option<Instant> {
        self.tasks
            .iter()
            .filter_map(|t| match t.state {
                State::ClockWait { until, .. } => Some(until),
                _ => None,
            })
            .min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn followers_take_the_newest_value_once() {
        let mut q = ClockQueues::default();
        let key = (libc::SYS_clock_gettime as u64, 1);
        assert!(q.take(1, key).is_none());
        q.publish(key, 0, Outputs::default());
        q.publish(key, 7, Outputs::default()); // an extra read of the leader's
        assert_eq!(q.take(1, key).map(|(r, _)| r), Some(7));
        assert!(q.take(1, key).is_none(), "taken once");
        assert_eq!(
            q.take(2, key).map(|(r, _)| r),
            Some(7),
            "each follower takes it"
        );
    }
}
