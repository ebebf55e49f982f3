//! SIGPIPE of a write to a broken pipe: the kernel raises it in the variant that wrote, the
//! leader; the followers, which did not write, get it at the same point.

use super::*;

/// Rendezvous phase, a member dead: the leader died of SIGPIPE in a fast-path write (the
/// kernel raised it; no record was published) and the followers, finding no record, now make
/// that write the ordinary way: they get EPIPE and SIGPIPE too, and end as the leader did.
/// Returns whether that is what happened.
pub(in crate::monitor) fn follows_leaders_death(
    m: &mut Monitor,
    dead: TaskId,
    members: &[TaskId],
) -> Result<bool> {
    let leader_sigpipe = m.tasks[dead].variant == 0
        && matches!(
            m.tasks[dead].state,
            State::Dead {
                how: Death::Signaled(libc::SIGPIPE),
                ..
            }
        );
    let fast_write = |t: &Task| {
        matches!(&t.state, State::AtEntry(e, _)
            if e.spec.and_then(|s| s.fast) == Some(table::Fast::Write))
    };
    let live: Vec<TaskId> = members
        .iter()
        .copied()
        .filter(|&t| m.tasks[t].alive())
        .collect();
    if !leader_sigpipe
        || !m.cfg.level.covers(table::Fast::Write)
        || !live.iter().all(|&t| fast_write(&m.tasks[t]))
    {
        return Ok(false);
    }
    for t in live {
        super::super::signals::tkill(m.tasks[t].tracee.pid, libc::SIGPIPE);
        m.skip_with(t, -(libc::EPIPE as i64), None)?;
    }
    Ok(true)
}

/// Whether a leader-only call that returned `ret` raised SIGPIPE in the leader (checked before
/// the leader takes it).
pub(in crate::monitor) fn raised_in_leader(leader: Pid, ret: i64) -> bool {
    ret == -(libc::EPIPE as i64) && crate::procfs::signal_pending(leader, libc::SIGPIPE)
}

/// Answer phase: the follower `t` gets the leader's SIGPIPE.
pub(in crate::monitor) fn pass_on(m: &Monitor, t: TaskId) {
    super::super::signals::tkill(m.tasks[t].tracee.pid, libc::SIGPIPE);
}
