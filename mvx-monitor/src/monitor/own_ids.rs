//! Identity reads of multi-threaded processes, answered at once.
//!
//! A thread that reads its own id while holding a lock, and waits at a rendezvous for its
//! twin, can close a cross-variant deadlock cycle (relaxed.rs): CPython reads each new
//! thread's id (gettid) holding the GIL, so with four threads starting, a follower's thread
//! waited for the GIL that its variant's thread at a vfork held, whose twin waited for the
//! leader's GIL, held by the leader's thread at its gettid, which waited for the first one.
//! The answer of such a read is known without any twin: the leader's id of the calling
//! thread or process (ids.rs). So in multi-threaded processes the leader makes the call at
//! once, and a follower is answered at once with its leader twin's id, uncompared: reading
//! one's own id has no effect, and what a variant does with the value still meets the
//! compared calls.

use super::*;
use crate::table::OwnId;

impl Monitor {
    /// The answer of task `t`'s call if it is an identity read answered at once: `Some(None)`
    /// for the leader (its own call runs), `Some(Some(id))` for a follower.
    pub(super) fn own_id_answer(&self, t: TaskId, entry: &Entry) -> Option<Option<i64>> {
        let task = &self.tasks[t];
        let own = entry.spec?.props.own_id?;
        // Decided the same way for every variant's task (a process is threaded in all of
        // them at once): a follower whose read went to a rendezvous where its leader's did not
        // would be compared with the leader's next call.
        if !self.procs[task.proc_].threaded {
            return None;
        }
        if task.variant == 0 {
            return Some(None);
        }
        let group = match own {
            OwnId::Thread => task.group,
            OwnId::Process => self.procs[task.proc_].main_group,
        };
        let own_task = self.member(group, task.variant).unwrap_or(t);
        let real = self.tasks[own_task].tracee.pid.as_raw() as i64;
        Some(Some(self.pid_to_virtual(task.variant, real)))
    }

    /// Answers task `t`'s identity read at once, as `own_id_answer` said.
    pub(super) fn answer_own_id(
        &mut self,
        t: TaskId,
        entry: &Entry,
        stop: Stopped,
        answer: Option<i64>,
    ) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        let text = decode::syscall_text(&entry.call);
        let resumed = match answer {
            None => {
                *self.unpaired_by_nr.entry(entry.call.raw.nr).or_default() += 1;
                task.history
                    .push(format!("{text} = ? (multi-threaded: at once)"));
                task.resume_from(stop, State::Running, Resume::Cont(None))
            }
            Some(id) => {
                task.history
                    .push(format!("{text} = ? (multi-threaded: the leader's id)"));
                lockstep::answer(task, stop, &entry.regs, id, None)
            }
        };
        tolerate_gone(resumed).map(|()| None)
    }
}
