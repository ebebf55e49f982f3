//! epoll_event.data per variant, kept in the variant itself.
//!
//! Programs keep pointers in an event's data (a connection object), which differ between
//! variants, so the leader's events cannot be handed to a follower as they are. When the fast
//! path may make epoll calls (`socket-ro` and up), every variant registers its fds with the
//! kernel under the same data: a tag and the fd number (the leader's numbers, which are every
//! variant's). Each remembers its own data per registration, and puts it back into the events
//! any epoll_wait returns, whether the call took the fast path (the follower got the leader's
//! events) or the monitored one (the monitor's own translation is then the identity).

use std::collections::HashMap;
use std::sync::Mutex;

/// The data the kernel holds for a registration of fd `fd`: this tag in the high half.
const TAG: u64 = 0x4d56_5845 << 32;

/// (epoll fd, registered fd) -> the program's data.
static DATA: Mutex<Option<HashMap<(i32, i32), u64>>> = Mutex::new(None);

/// Whether registrations are tagged in this process: only where epoll calls may take the
/// fast path, so that at lower levels the kernel and the monitor see the program's own data.
pub fn tagging() -> bool {
    crate::fastpath::level() >= mvx_abi::Level::SocketRo as u64
}

/// The event to hand to the kernel for `epoll_ctl(epfd, op, fd, event)`: the program's,
/// with the tag as its data.
pub fn tagged(fd: i32, event: &libc::epoll_event) -> libc::epoll_event {
    libc::epoll_event {
        events: event.events,
        u64: TAG | fd as u32 as u64,
    }
}

/// Remembers the program's data once `epoll_ctl` succeeded.
pub fn registered(epfd: i32, op: i32, fd: i32, event: Option<&libc::epoll_event>) {
    let mut data = DATA.lock().unwrap_or_else(|e| e.into_inner());
    let data = data.get_or_insert_with(HashMap::new);
    match (op, event) {
        (libc::EPOLL_CTL_ADD | libc::EPOLL_CTL_MOD, Some(ev)) => {
            data.insert((epfd, fd), ev.u64);
        }
        (libc::EPOLL_CTL_DEL, _) => {
            data.remove(&(epfd, fd));
        }
        _ => {}
    }
}

/// Puts this variant's data back into the `n` events epoll_wait returned for `epfd`.
pub fn untag(epfd: i32, events: &mut [libc::epoll_event]) {
    let data = DATA.lock().unwrap_or_else(|e| e.into_inner());
    let Some(data) = data.as_ref() else {
        return;
    };
    for ev in events {
        let word = ev.u64;
        if word & !0xffff_ffff == TAG {
            if let Some(&own) = data.get(&(epfd, word as u32 as i32)) {
                ev.u64 = own;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_goes_back_per_registration() {
        let ev = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: 0xdead_beef,
        };
        let t = tagged(7, &ev);
        assert_eq!({ t.events }, { ev.events });
        assert_ne!({ t.u64 }, 0xdead_beef);
        registered(900, libc::EPOLL_CTL_ADD, 7, Some(&ev));
        let mut got = [t, tagged(8, &ev)];
        untag(900, &mut got);
        assert_eq!({ got[0].u64 }, 0xdead_beef);
        // Not registered through here: left as it is.
        assert_eq!({ got[1].u64 }, TAG | 8);
        registered(900, libc::EPOLL_CTL_DEL, 7, None);
        let mut again = [t];
        untag(900, &mut again);
        assert_eq!({ again[0].u64 }, TAG | 7);
    }
}
