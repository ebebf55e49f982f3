//! Irregular calls: the hand-written parts of the syscall path, keyed by the table.
//!
//! A call goes through fixed phases (GHUMVEE's pre-call / call / post-call), the spine in
//! `lockstep.rs` calling each one in turn:
//! - **arrive**: a follower's call is named as the leader's would be before comparison (its own
//!   program, ids and temporary names: `own_names.rs`);
//! - **rendezvous**: members whose calls differ by design are sorted out before comparison
//!   (temporary names' random draws: `temp_names.rs`; the leader's SIGPIPE death on the fast
//!   path: `sigpipe.rs`);
//! - **plan**: the dispatch decision, `dispatch_plan::decide`, whose `decide_special` holds the
//!   plan of each `Special` kind;
//! - **execute**: state the monitor derives from the call, before any member runs it
//!   (`Handler::execute`: dispositions, epoll registrations, dooming the other tasks);
//! - **answer**: what a follower gets of a leader-only call (`Handler::answer`: epoll events
//!   in its own data, its own memory map) and whether fds came with it (`receives_fds`).
//!
//! Trapped instructions (rdtsc, cpuid) are answered by the monitor itself: `instructions.rs`.
//! A regular syscall needs none of this: its table line is all there is.

pub(super) mod epoll;
mod exec_exit;
pub(super) mod instructions;
mod mmap;
mod own_names;
mod sigaction;
pub(super) mod sigpipe;
mod temp_names;

use super::*;
use crate::table::{Arg, Dispatch, Special};
use crate::tracee::RawCall;

/// What a follower of a leader-only call is answered from.
pub(super) struct Answer<'a> {
    pub proc_: ProcId,
    /// The leader's call.
    pub call: &'a RawCall,
    /// The leader's out-buffers.
    pub outputs: &'a Outputs,
    /// The leader's result.
    pub ret: i64,
    /// The leader read its own memory map (`maps_view.rs`).
    pub own_map: Option<&'a crate::maps_view::OwnMapRead>,
}

/// The phases a kind of call has beyond the regular path.
pub(super) struct Handler {
    /// Execute phase: at dispatch, once the plan is made, before any member runs the call.
    pub execute: fn(&mut Monitor, GroupId, &[TaskId], &Entry),
    /// Answer phase of a leader-only call: the out-buffers follower `t` gets instead of the
    /// leader's (`None`: the leader's as they are).
    pub answer: fn(&Monitor, TaskId, &Answer) -> Option<Outputs>,
    /// The leader may have received fds over a unix socket (SCM_RIGHTS): the followers get
    /// placeholders at their numbers.
    pub receives_fds: bool,
}

/// The phases of the regular path, which irregular kinds override.
const BASE: Handler = Handler {
    execute: nothing_to_execute,
    answer: own_names::own_map_answer,
    receives_fds: false,
};

fn nothing_to_execute(_: &mut Monitor, _: GroupId, _: &[TaskId], _: &Entry) {}

/// The regular path: nothing besides the table's description.
pub(super) static REGULAR: Handler = BASE;

/// recvmsg, recvmmsg: a `msghdr` the kernel fills may carry fds.
static RECEIVES_FDS: Handler = Handler {
    receives_fds: true,
    ..BASE
};

/// The handler of a call, from its table entry: the `Special` kind, or the argument kinds that
/// make a call irregular.
pub(super) fn of(spec: Option<&Spec>) -> &'static Handler {
    let Some(spec) = spec else {
        return &REGULAR;
    };
    match spec.dispatch {
        Dispatch::Special(Special::Sigaction) => &sigaction::HANDLER,
        Dispatch::Special(Special::EpollCtl) => &epoll::CTL,
        Dispatch::Special(Special::Exec | Special::Exit) => &exec_exit::HANDLER,
        _ if spec.props.epoll_events => &epoll::WAIT,
        _ if spec
            .args
            .iter()
            .any(|a| matches!(a, Arg::MsgOut | Arg::MmsgOut { .. })) =>
        {
            &RECEIVES_FDS
        }
        _ => &REGULAR,
    }
}

/// Arrive phase: a follower's call named as the leader's would be, for comparison (only the
/// captured values change; the call runs with its own).
pub(super) fn arrive(m: &Monitor, t: TaskId, spec: Option<&Spec>, call: &mut Captured) {
    let Some(spec) = spec else { return };
    if m.tasks[t].variant == 0 {
        return;
    }
    own_names::program(m, t, spec, call);
    own_names::ids(m, t, spec, call);
    temp_names::name_own_as_leaders(m, t, spec, call);
}

/// Rendezvous phase, every member at an entry: members whose calls differ by design are dealt
/// with before comparison. Returns whether the rendezvous is off for now.
pub(super) fn rendezvous(m: &mut Monitor, members: &[TaskId]) -> Result<bool> {
    if temp_names::let_redraws_run(m, members)? {
        return Ok(true);
    }
    temp_names::give_followers_leaders_name(m, members)?;
    Ok(false)
}

/// Whether a task whose call `interrupted` a signal interrupted is back at it: the same call
/// re-executed, or the kernel's restart_syscall standing for it.
pub(super) fn continues_interrupted(nr: u64, interrupted: &Entry) -> bool {
    nr == interrupted.call.raw.nr || is_restart(nr)
}

/// Whether `nr` is the kernel's restart_syscall (the continuation of an interrupted call).
pub(super) fn is_restart(nr: u64) -> bool {
    table::lookup(nr).is_some_and(|s| s.dispatch == Dispatch::Special(Special::Restart))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn handler_of(nr: i64) -> *const Handler {
        of(table::lookup(nr as u64))
    }

    #[test]
    fn irregular_calls_find_their_handler_in_the_table() {
        assert_eq!(
            handler_of(libc::SYS_rt_sigaction),
            &sigaction::HANDLER as *const _
        );
        assert_eq!(handler_of(libc::SYS_epoll_ctl), &epoll::CTL as *const _);
        assert_eq!(handler_of(libc::SYS_epoll_pwait2), &epoll::WAIT as *const _);
        assert_eq!(
            handler_of(libc::SYS_exit_group),
            &exec_exit::HANDLER as *const _
        );
        assert_eq!(
            handler_of(libc::SYS_execveat),
            &exec_exit::HANDLER as *const _
        );
        assert!(of(table::lookup(libc::SYS_recvmmsg as u64)).receives_fds);
        assert!(!of(table::lookup(libc::SYS_read as u64)).receives_fds);
        assert_eq!(handler_of(libc::SYS_write), &REGULAR as *const _);
    }
}
