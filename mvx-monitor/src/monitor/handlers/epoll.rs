//! epoll_ctl and epoll_wait: the leader holds the epoll instances; followers get its events
//! with their own `epoll_event.data` (the registrations: `epoll.rs`).

use super::*;

const EPOLL_CTL_ADD: u64 = 1;
const EPOLL_CTL_DEL: u64 = 2;
const EPOLL_CTL_MOD: u64 = 3;

pub(in crate::monitor) static CTL: Handler = Handler {
    execute: track_ctl,
    ..BASE
};

/// epoll_wait, epoll_pwait, epoll_pwait2.
pub(in crate::monitor) static WAIT: Handler = Handler {
    answer: events_for,
    ..BASE
};

/// epoll_ctl at its rendezvous: remember what each member registered.
fn track_ctl(m: &mut Monitor, g: GroupId, members: &[TaskId], leader: &Entry) {
    let call = &leader.call.raw;
    let (epfd, op, fd) = (call.args[0] as i32, call.args[1], call.args[2] as i32);
    let proc_ = m.groups[g].proc_;
    if op == EPOLL_CTL_DEL {
        m.procs[proc_].epoll.unregister(epfd, fd);
        return;
    }
    if op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD {
        return;
    }
    let data: Option<Vec<u64>> = members
        .iter()
        .map(|&t| {
            let task = &m.tasks[t];
            let ptr = task.entry()?.call.raw.args[3];
            let b = task.tracee.read_bytes(ptr + 4, 8).ok()?;
            Some(u64::from_ne_bytes(b.try_into().ok()?))
        })
        .collect();
    if let Some(data) = data {
        m.procs[proc_].epoll.register(epfd, fd, data);
    }
}

/// The leader's events as follower `t` must see them.
fn events_for(m: &Monitor, t: TaskId, a: &Answer) -> Option<Outputs> {
    if a.ret <= 0 {
        return None;
    }
    let (epfd, variant) = (a.call.args[0] as i32, m.tasks[t].variant);
    let table = &m.procs[a.proc_].epoll;
    let mut mine = a.outputs.clone();
    mine.map_flat(1, |events| table.translate_events(epfd, events, variant));
    Some(mine)
}
