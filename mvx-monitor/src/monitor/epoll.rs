//! epoll_event.data per variant: programs store pointers there (a connection object), which
//! differ between variants. epoll_ctl remembers each variant's data for a registration; the
//! events the leader's epoll_wait returns are translated into each follower's data (the
//! handlers: `handlers/epoll.rs`).

use std::collections::HashMap;

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

    /// Remembers the data of each variant (the leader's first) for registration `fd` of
    /// epoll instance `epfd`.
    pub(super) fn register(&mut self, epfd: i32, fd: i32, data: Vec<u64>) {
        self.0.insert((epfd, fd), data);
    }

    pub(super) fn unregister(&mut self, epfd: i32, fd: i32) {
        self.0.remove(&(epfd, fd));
    }

    /// Rewrites the leader's events of instance `epfd` (`struct epoll_event`s, packed) into
    /// variant `variant`'s data.
    pub(super) fn translate_events(&self, epfd: i32, events: &mut [u8], variant: usize) {
        for ev in events.chunks_exact_mut(EVENT_SIZE) {
            let leader = u64::from_ne_bytes(ev[4..12].try_into().unwrap());
            if let Some(own) = self.translate(epfd, leader, variant) {
                ev[4..12].copy_from_slice(&own.to_ne_bytes());
            }
        }
    }
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
