//! A follower host answering calls the leader settled ahead (asynchronous replication):
//! the leader posts, per lagging tracee, the calls it settled without it, in order; when the
//! tracee stops at a call that is the oldest one expected (same syscall, equivalent
//! arguments), the follower host answers it at once instead of a round trip to the leader.
//!
//! Only the oldest expectation of a tracee is ever matched, so answers keep the program's
//! order. A stop that does not match it is reported as usual: the leader decides (a call it
//! does not settle ahead, or a divergence), and withdraws the expectation if it answered the
//! call itself.

use super::wire::Prepared;
use crate::capture::Captured;
use crate::tracee::{Stopped, Tracee};
use anyhow::Result;
use nix::unistd::Pid;
use std::collections::{HashMap, VecDeque};

/// The expected calls of each tracee (pid on this host), oldest first.
#[derive(Default)]
pub struct Expectations {
    by_pid: HashMap<i32, VecDeque<Expected>>,
}

struct Expected {
    id: u64,
    call: Captured,
    answer: Prepared,
}

impl Expectations {
    pub fn push(&mut self, pid: i32, id: u64, call: Captured, answer: Prepared) {
        self.by_pid
            .entry(pid)
            .or_default()
            .push_back(Expected { id, call, answer });
    }

    pub fn forget(&mut self, pid: i32, id: u64) {
        if let Some(q) = self.by_pid.get_mut(&pid) {
            q.retain(|e| e.id != id);
        }
    }

    /// The tracee ended: nothing more is expected of it.
    pub fn drop_pid(&mut self, pid: i32) {
        self.by_pid.remove(&pid);
    }

    /// If `mine` (the call `pid` stopped at) is its oldest expected call: that expectation.
    pub fn take_match(&mut self, pid: i32, mine: &Captured) -> Option<(u64, Prepared)> {
        let q = self.by_pid.get_mut(&pid)?;
        if !same_call(&q.front()?.call, mine) {
            return None;
        }
        let e = q.pop_front()?;
        Some((e.id, e.answer))
    }
}

/// The leader's comparison, without what needs the leader's state (pid arguments are
/// translated there, so a call with one never matches here and goes the slow way).
fn same_call(leader: &Captured, mine: &Captured) -> bool {
    let Some(spec) = crate::table::lookup(mine.raw.nr) else {
        return false;
    };
    leader.raw.nr == mine.raw.nr
        && leader.values.len() == mine.values.len()
        && !spec
            .args
            .iter()
            .any(|a| matches!(a, crate::table::Arg::Pid))
        && leader
            .values
            .iter()
            .zip(&mine.values)
            .all(|(a, b)| a.equivalent(b))
}

/// Answers `pid`'s call at `stop` as `answer` says, and lets it run on.
pub fn answer(
    stop: Stopped,
    pid: i32,
    mine: &Captured,
    regs: &libc::user_regs_struct,
    answer: &Prepared,
) -> Result<()> {
    match answer {
        Prepared::Answer { ret, outputs } => {
            outputs.apply(&Tracee::new(Pid::from_raw(pid)), &mine.raw)?;
            let mut regs = *regs;
            regs.orig_rax = u64::MAX; // no call: the kernel skips it
            regs.rax = *ret as u64;
            stop.set_regs(&regs)?;
            stop.cont(None)
        }
        Prepared::RunOwn => stop.cont(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::Value;
    use crate::tracee::RawCall;

    fn write_call(fd: u64, data: &[u8], ptr: u64) -> Captured {
        Captured {
            raw: RawCall {
                nr: libc::SYS_write as u64,
                args: [fd, ptr, data.len() as u64, 0, 0, 0],
            },
            values: vec![
                Value::Int(fd),
                Value::Bytes(data.to_vec()),
                Value::Int(data.len() as u64),
            ],
        }
    }

    #[test]
    fn only_the_oldest_expectation_is_matched_and_only_by_an_equivalent_call() {
        let mut ex = Expectations::default();
        ex.push(7, 1, write_call(1, b"a", 0x1000), Prepared::RunOwn);
        ex.push(7, 2, write_call(1, b"b", 0x1000), Prepared::RunOwn);
        assert!(ex.take_match(7, &write_call(1, b"b", 0x2000)).is_none());
        assert!(ex.take_match(8, &write_call(1, b"a", 0x2000)).is_none());
        // Pointers differ between variants; contents decide.
        assert_eq!(
            ex.take_match(7, &write_call(1, b"a", 0x2000)).map(|m| m.0),
            Some(1)
        );
        ex.forget(7, 2);
        assert!(ex.take_match(7, &write_call(1, b"b", 0x2000)).is_none());
    }

    #[test]
    fn a_call_with_a_pid_argument_always_goes_to_the_leader() {
        let kill = |pid: u64| Captured {
            raw: RawCall {
                nr: libc::SYS_kill as u64,
                args: [pid, 15, 0, 0, 0, 0],
            },
            values: vec![Value::Int(pid), Value::Int(15)],
        };
        let mut ex = Expectations::default();
        ex.push(7, 1, kill(100), Prepared::RunOwn);
        assert!(ex.take_match(7, &kill(100)).is_none());
    }
}
