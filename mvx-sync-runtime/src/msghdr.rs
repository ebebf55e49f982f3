//! sendmsg's and recvmsg's `struct msghdr` on the fast path.
//!
//! What is compared is what the monitor's strict capture compares (`read_msg_in`): the name,
//! the data and the control bytes, and `msg_flags`; what is replicated is what its
//! `apply_msg` writes into a follower: the data, the name and `msg_namelen`,
//! `msg_controllen` and `msg_flags`. Messages whose control data could carry fds or
//! credentials stay in lock-step: a follower cannot receive the leader's fds.

use std::mem::{offset_of, size_of};

/// The buffers of a message sendmsg hands to the kernel.
pub(crate) struct Sent {
    /// The destination address and its length (0 without one).
    pub name: (u64, usize),
    pub iov: u64,
    pub iovlen: u64,
    /// The control messages and their length (0 without any).
    pub control: (u64, usize),
    pub flags: u32,
}

/// Where recvmsg's kernel writes go, besides the data.
pub(crate) struct Received {
    pub iov: u64,
    pub iovlen: u64,
    /// The buffer for the source address and its capacity (0 without one).
    pub name: (u64, usize),
    /// The fields the kernel writes back: `msg_namelen`, `msg_controllen`, `msg_flags`.
    pub fields: [(u64, usize); 3],
}

/// Most bytes of a source address recvmsg may ask for on the fast path.
const MAX_NAME: usize = size_of::<libc::sockaddr_storage>();

/// The caller's msghdr at `hdr`.
///
/// # Safety
/// `hdr` must point to a readable msghdr.
unsafe fn read(hdr: u64) -> libc::msghdr {
    // SAFETY: as the caller vouches.
    unsafe { (hdr as *const libc::msghdr).read_unaligned() }
}

/// sendmsg's message at `hdr`, `None` if it stays in lock-step: socket-level control
/// messages (SCM_RIGHTS fds, SCM_CREDENTIALS, ...) or control data the kernel would refuse.
///
/// # Safety
/// `hdr` must point to a readable msghdr whose name and control buffers are readable for
/// their lengths, as the kernel reads them.
pub(crate) unsafe fn sent(hdr: u64) -> Option<Sent> {
    // SAFETY: as the caller vouches.
    let m = unsafe { read(hdr) };
    let name = match m.msg_name as u64 {
        0 => (0, 0),
        p => (p, m.msg_namelen as usize),
    };
    let control = match m.msg_control as u64 {
        0 => (0, 0),
        p => (p, m.msg_controllen),
    };
    // SAFETY: the caller's control buffer.
    if control.1 > 0 && !unsafe { plain_control(control.0, control.1) } {
        return None;
    }
    Some(Sent {
        name,
        iov: m.msg_iov as u64,
        iovlen: m.msg_iovlen as u64,
        control,
        flags: m.msg_flags as u32,
    })
}

/// recvmsg's message at `hdr`, `None` if the caller passes a control buffer: the kernel
/// could put fds or credentials in it.
///
/// # Safety
/// `hdr` must point to a readable msghdr.
pub(crate) unsafe fn received(hdr: u64) -> Option<Received> {
    // SAFETY: as the caller vouches.
    let m = unsafe { read(hdr) };
    if !m.msg_control.is_null() && m.msg_controllen > 0 {
        return None;
    }
    let name = match m.msg_name as u64 {
        0 => (0, 0),
        p => (p, m.msg_namelen as usize),
    };
    if name.1 > MAX_NAME {
        return None;
    }
    let field = |at: usize, len: usize| (hdr + at as u64, len);
    Some(Received {
        iov: m.msg_iov as u64,
        iovlen: m.msg_iovlen as u64,
        name,
        fields: [
            field(
                offset_of!(libc::msghdr, msg_namelen),
                size_of::<libc::socklen_t>(),
            ),
            field(offset_of!(libc::msghdr, msg_controllen), size_of::<usize>()),
            field(
                offset_of!(libc::msghdr, msg_flags),
                size_of::<libc::c_int>(),
            ),
        ],
    })
}

/// Whether the control messages in `len` bytes at `p` are well formed and none is at the
/// socket level (where fds, credentials and the socket's own options travel), walked as the
/// kernel walks them (`CMSG_FIRSTHDR`/`CMSG_NXTHDR`).
///
/// # Safety
/// `p` must be readable for `len` bytes.
unsafe fn plain_control(p: u64, len: usize) -> bool {
    let header = size_of::<libc::cmsghdr>();
    let mut at = 0usize;
    while len - at >= header {
        // SAFETY: a whole header lies within the caller's buffer.
        let c = unsafe { ((p as usize + at) as *const libc::cmsghdr).read_unaligned() };
        if c.cmsg_len < header || c.cmsg_len > len - at || c.cmsg_level == libc::SOL_SOCKET {
            return false;
        }
        // The next header starts at the aligned end of this one.
        let next = c.cmsg_len.next_multiple_of(size_of::<usize>());
        match at.checked_add(next).filter(|&n| n <= len) {
            Some(n) => at = n,
            None => break,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One control message: a header and `data`, padded to the alignment.
    fn cmsg(level: i32, kind: i32, data: &[u8]) -> Vec<u8> {
        let len = size_of::<libc::cmsghdr>() + data.len();
        let mut m = (len as u64).to_ne_bytes().to_vec();
        m.extend(level.to_ne_bytes());
        m.extend(kind.to_ne_bytes());
        m.extend(data);
        m.resize(len.next_multiple_of(8), 0);
        m
    }

    fn msg(control: &mut [u8]) -> libc::msghdr {
        // SAFETY: an all-zero msghdr is a valid empty message.
        let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
        m.msg_control = control.as_mut_ptr().cast();
        m.msg_controllen = control.len();
        m
    }

    #[test]
    fn fds_and_credentials_stay_in_lock_step() {
        let sent_ok = |mut control: Vec<u8>| {
            let m = msg(&mut control);
            unsafe { sent(&m as *const _ as u64) }.is_some()
        };
        assert!(sent_ok(vec![]));
        // IP_PKTINFO-like protocol-level data is carried.
        assert!(sent_ok(cmsg(libc::IPPROTO_IP, 8, &[0; 12])));
        assert!(!sent_ok(cmsg(
            libc::SOL_SOCKET,
            libc::SCM_RIGHTS,
            &3i32.to_ne_bytes()
        )));
        let mut both = cmsg(libc::IPPROTO_IP, 8, &[0; 12]);
        both.extend(cmsg(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &[0; 12]));
        assert!(!sent_ok(both));
        // A length the kernel would refuse.
        let mut bad = cmsg(libc::IPPROTO_IP, 8, &[0; 12]);
        bad[..8].copy_from_slice(&100u64.to_ne_bytes());
        assert!(!sent_ok(bad));
    }

    #[test]
    fn a_receive_with_a_control_buffer_stays_in_lock_step() {
        let mut control = [0u8; 64];
        let m = msg(&mut control);
        assert!(unsafe { received(&m as *const _ as u64) }.is_none());
        let m = msg(&mut []);
        let r = unsafe { received(&m as *const _ as u64) }.unwrap();
        let hdr = &m as *const _ as u64;
        assert_eq!(r.fields[0], (hdr + 8, 4));
        assert_eq!(r.fields[1], (hdr + 40, 8));
        assert_eq!(r.fields[2], (hdr + 48, 4));
    }
}
