//! epoll_event.data per variant: programs store pointers there (a connection object), which
//! differ between variants. epoll_ctl remembers each variant's data for a registration; the
//! events the leader's epoll_wait returns are translated into each follower's data.

use super::*;
use crate::replicate::Outputs;
use std::collections::HashMap;

const EPOLL_CTL_ADD: u64 = 1;
const EPOLL_CTL_DEL: u64 = 2;
const EPOLL_CTL_MOD: u64 = 3;
const EVENT_SIZE: usize = 12;

/// Registrations of one process: (epoll fd, target fd) -> data of each variant.
#[derive(Clone, Debug, Default)]
pub(super) struct EpollData(HashMap<(i32, i32), Vec<u64>>);

impl EpollData {
    /// Forgets registrations that die with fd `fd` (an epoll instance or a watched fd).
    pub(super) fn forget_fd(&mut self, fd: i32) {
        self.0.retain(|&(ep, target), _| ep != fd && target != fd);
    }

    /// The data of variant `variant` for the registration whose leader data is `leader_data`.
    fn translate(&self, epfd: i32, leader_data: u64, variant: usize) -> Option<u64> {
        self.0
            .iter()
            .find(|((ep, _), data)| *ep == epfd && data.first() == Some(&leader_data))
            .and_then(|(_, data)| data.get(variant).copied())
    }
}

impl Monitor {
    /// epoll_ctl at its rendezvous: remember what each member registered.
    pub(super) fn track_epoll_ctl(
        &mut self,
        g: GroupId,
        members: &[TaskId],
        call: &crate::tracee::RawCall,
    ) {
        let (epfd, op, fd) = (call.args[0] as i32, call.args[1], call.args[2] as i32);
        let proc_ = self.groups[g].proc_;
        if op == EPOLL_CTL_DEL {
            self.procs[proc_].epoll.0.remove(&(epfd, fd));
            return;
        }
        if op != EPOLL_CTL_ADD && op != EPOLL_CTL_MOD {
            return;
        }
        let data: Option<Vec<u64>> = members
            .iter()
            .map(|&t| {
                let task = &self.tasks[t];
                let ptr = task.entry()?.call.raw.args[3];
                let b = task.tracee.read_bytes(ptr + 4, 8).ok()?;
                Some(u64::from_ne_bytes(b.try_into().ok()?))
            })
            .collect();
        if let Some(data) = data {
            self.procs[proc_].epoll.0.insert((epfd, fd), data);
        }
    }

    /// The leader's epoll_wait events as follower `variant` must see them.
    pub(super) fn epoll_outputs_for(
        &self,
        proc_: ProcId,
        call: &crate::tracee::RawCall,
        outputs: &Outputs,
        variant: usize,
    ) -> Outputs {
        let epfd = call.args[0] as i32;
        let table = &self.procs[proc_].epoll;
        let mut mine = outputs.clone();
        mine.map_flat(1, |events| {
            for ev in events.chunks_exact_mut(EVENT_SIZE) {
                let leader = u64::from_ne_bytes(ev[4..12].try_into().unwrap());
                if let Some(own) = table.translate(epfd, leader, variant) {
                    ev[4..12].copy_from_slice(&own.to_ne_bytes());
                }
            }
        });
        mine
    }
}

/// Whether `nr` returns epoll events in its second argument (the table's `epoll_events`).
pub(super) fn is_epoll_wait(nr: u64) -> bool {
    crate::table::with(nr, |p| p.epoll_events)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn translates_leader_data_to_each_variant() {
        let mut t = EpollData::default();
        t.0.insert((5, 7), vec![0x1000, 0x2000, 0x3000]);
        t.0.insert((5, 8), vec![0x1100, 0x2100, 0x3100]);
        assert_eq!(t.translate(5, 0x1100, 2), Some(0x3100));
        assert_eq!(t.translate(5, 0x1000, 1), Some(0x2000));
        assert_eq!(t.translate(6, 0x1000, 1), None);
        t.forget_fd(7);
        assert_eq!(t.translate(5, 0x1000, 1), None);
    }
}
