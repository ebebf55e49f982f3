//! The monitor's view of the program's file descriptors.
//!
//! fd numbers are identical in every variant at all times. What differs is what stands behind a
//! number in a follower: its own open file (read-only regular files and directories, which
//! every variant may open and mmap), the very same inherited file, or an inert placeholder
//! (`/dev/null`) for channels only the leader may touch.

use mvx_sync_runtime::protocol::{
    FD_CLASSES, FD_INTERNAL_FILE, FD_INTERNAL_SOCKET, FD_LEADER_FILE, FD_LEADER_SOCKET,
    FD_PER_VARIANT, FD_UNKNOWN,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdKind {
    /// Every variant opened the same read-only regular file or directory itself.
    PerVariant,
    /// Inherited from the monitor at start: every variant holds the same open file description,
    /// so only the leader may do I/O on it, but followers may mmap it.
    Inherited,
    /// A channel only the leader touches (socket, pipe, tty, device, writable file, /proc);
    /// followers hold a placeholder.
    LeaderOnly,
    /// Every variant opened its own process's /proc file and writes it itself (a thread's
    /// name, see `open_policy::OpenClass::ProcessLocal`).
    ProcessLocal,
}

impl FdKind {
    /// Whether followers hold a real file behind this number (needed to mmap it).
    pub fn followers_hold_file(self) -> bool {
        matches!(self, FdKind::PerVariant | FdKind::Inherited)
    }

    /// Whether writes to it run in every variant (each on its own process's state).
    pub fn written_by_every_variant(self) -> bool {
        self == FdKind::ProcessLocal
    }
}

/// Which channel of the program's own an fd is an end of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Channel {
    /// A pipe, by its inode (both ends have it).
    Pipe(u64),
    /// A socketpair, by the inode of its first end.
    Pair(u64),
    /// An eventfd: one fd is both ends.
    Eventfd,
}

#[derive(Clone, Debug, Default)]
pub struct FdTable {
    fds: BTreeMap<i32, FdKind>,
    /// Which fds are sockets (for the fast path's socket levels); an fd whose type could not
    /// be read is in `unknown` and never takes the fast path.
    sockets: BTreeSet<i32>,
    unknown: BTreeSet<i32>,
    /// Channels the program made for itself (pipes, eventfds, socketpairs), by fd. While the
    /// process holds both ends of one (a thread tells another about data it left in memory),
    /// writes to it stay in lock-step at every level (see `FD_INTERNAL_FILE`).
    internal: BTreeMap<i32, Channel>,
    /// Per fd, the followers (bit k: variant k) whose fd is backed by their shadow of the
    /// leader's file (see `shadow.rs`) instead of the placeholder.
    shadowed: BTreeMap<i32, u64>,
}

impl FdTable {
    /// The table for a freshly started program: whatever the leader holds is inherited.
    pub fn inherited_from(pid: nix::unistd::Pid) -> FdTable {
        let mut t = FdTable::default();
        for fd in open_fds(pid) {
            t.fds.insert(fd, FdKind::Inherited);
            t.learn_type(pid, fd);
        }
        t
    }

    /// Reads whether the leader's `fd` is a socket (from its /proc link).
    pub fn learn_type(&mut self, leader: nix::unistd::Pid, fd: i32) {
        self.sockets.remove(&fd);
        self.unknown.remove(&fd);
        match std::fs::read_link(format!("/proc/{leader}/fd/{fd}")) {
            Ok(target)
                if target
                    .as_os_str()
                    .as_encoded_bytes()
                    .starts_with(b"socket:") =>
            {
                self.sockets.insert(fd);
            }
            // Each variant must read its own map (see maps_view.rs): never the fast path,
            // which copies the leader's bytes.
            Ok(target) if crate::maps_view::map_file(&target).is_some() => {
                self.unknown.insert(fd);
            }
            // A pipe or eventfd the program holds (not one the run inherited): its own.
            Ok(target) if self.get(fd) != Some(FdKind::Inherited) => {
                if let Some(channel) = channel_of_link(&target) {
                    self.internal.insert(fd, channel);
                }
            }
            Ok(_) => {}
            Err(_) => {
                self.unknown.insert(fd);
            }
        }
    }

    /// `a` and `b` are the ends of a socketpair the program made (its `learn_type` read
    /// both links already; a socket's link does not tell a pair from any other socket).
    pub fn set_pair(&mut self, leader: nix::unistd::Pid, a: i32, b: i32) {
        let Some(id) = link_inode(leader, a) else {
            return;
        };
        for fd in [a, b] {
            if self.sockets.contains(&fd) {
                self.internal.insert(fd, Channel::Pair(id));
            }
        }
    }

    /// Whether `fd` is an end of a channel the process holds the other end of too: writes to
    /// it stay in lock-step.
    pub fn talks_to_itself(&self, fd: i32) -> bool {
        let Some(&channel) = self.internal.get(&fd) else {
            return false;
        };
        channel == Channel::Eventfd || self.internal.values().filter(|&&c| c == channel).count() > 1
    }

    /// Whether `fd` is a socket; `None` if its type is not known.
    pub fn socket(&self, fd: i32) -> Option<bool> {
        if self.unknown.contains(&fd) || !self.fds.contains_key(&fd) {
            return None;
        }
        Some(self.sockets.contains(&fd))
    }

    /// One byte per fd for the runtime's fast path (`FD_*`).
    pub fn classes(&self) -> Vec<u8> {
        let mut out = vec![FD_UNKNOWN; FD_CLASSES];
        for (&fd, &kind) in self.fds.range(0..FD_CLASSES as i32) {
            out[fd as usize] = if self.unknown.contains(&fd) || kind == FdKind::ProcessLocal {
                FD_UNKNOWN
            } else if kind == FdKind::PerVariant {
                FD_PER_VARIANT
            } else if self.talks_to_itself(fd) && self.sockets.contains(&fd) {
                FD_INTERNAL_SOCKET
            } else if self.talks_to_itself(fd) {
                FD_INTERNAL_FILE
            } else if self.sockets.contains(&fd) {
                FD_LEADER_SOCKET
            } else {
                FD_LEADER_FILE
            };
        }
        out
    }

    /// Whether follower `variant`'s `fd` is backed by its shadow.
    pub fn is_shadowed(&self, fd: i32, variant: usize) -> bool {
        self.shadowed
            .get(&fd)
            .is_some_and(|m| m & (1 << variant) != 0)
    }

    /// Follower `variant`'s `fd` is now backed by its shadow; the fast path must not take it
    /// (the leader's writes to it are mirrored into the shadows by the monitor).
    pub fn set_shadowed(&mut self, fd: i32, variant: usize) {
        *self.shadowed.entry(fd).or_default() |= 1 << variant;
        self.unknown.insert(fd);
    }

    pub fn get(&self, fd: i32) -> Option<FdKind> {
        self.fds.get(&fd).copied()
    }

    /// Records a new fd; its type is not known until `learn_type` (or copied from a source).
    pub fn insert(&mut self, fd: i32, kind: FdKind) {
        self.fds.insert(fd, kind);
        self.sockets.remove(&fd);
        self.internal.remove(&fd);
        self.unknown.insert(fd);
        self.shadowed.remove(&fd);
    }

    /// `fd` now refers to what `src` refers to (dup).
    pub fn duplicate(&mut self, src: i32, fd: i32) {
        let kind = self.get(src).unwrap_or(FdKind::LeaderOnly);
        let (socket, unknown) = (self.sockets.contains(&src), self.unknown.contains(&src));
        let internal = self.internal.get(&src).copied();
        self.fds.insert(fd, kind);
        self.sockets.remove(&fd);
        self.unknown.remove(&fd);
        self.internal.remove(&fd);
        if socket {
            self.sockets.insert(fd);
        }
        if let Some(channel) = internal {
            self.internal.insert(fd, channel);
        }
        if unknown || !self.fds.contains_key(&src) {
            self.unknown.insert(fd);
        }
        match self.shadowed.get(&src).copied() {
            Some(m) => self.shadowed.insert(fd, m),
            None => self.shadowed.remove(&fd),
        };
    }

    pub fn remove(&mut self, fd: i32) {
        self.fds.remove(&fd);
        self.sockets.remove(&fd);
        self.internal.remove(&fd);
        self.unknown.remove(&fd);
        self.shadowed.remove(&fd);
    }

    pub fn remove_range(&mut self, first: i32, last: i32) {
        let keep = |fd: &i32| *fd < first || *fd > last;
        self.fds.retain(|fd, _| keep(fd));
        self.sockets.retain(keep);
        self.internal.retain(|fd, _| keep(fd));
        self.unknown.retain(keep);
        self.shadowed.retain(|fd, _| keep(fd));
    }

    /// After an exec: close-on-exec descriptors are gone; keep what the leader still holds.
    pub fn retain_open(&mut self, pid: nix::unistd::Pid) {
        let open: std::collections::HashSet<i32> = open_fds(pid).into_iter().collect();
        self.fds.retain(|fd, _| open.contains(fd));
        self.sockets.retain(|fd| open.contains(fd));
        self.internal.retain(|fd, _| open.contains(fd));
        self.unknown.retain(|fd| open.contains(fd));
        self.shadowed.retain(|fd, _| open.contains(fd));
    }
}

/// The channel a /proc fd link names, if a pipe or an eventfd.
fn channel_of_link(target: &std::path::Path) -> Option<Channel> {
    let text = target.to_str()?;
    if text == "anon_inode:[eventfd]" {
        return Some(Channel::Eventfd);
    }
    Some(Channel::Pipe(inode_of_link(text, "pipe:")?))
}

/// N of a link `KIND[N]`.
fn inode_of_link(text: &str, kind: &str) -> Option<u64> {
    text.strip_prefix(kind)?
        .strip_prefix('[')?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// The inode of the socket behind the leader's `fd`.
fn link_inode(leader: nix::unistd::Pid, fd: i32) -> Option<u64> {
    let target = std::fs::read_link(format!("/proc/{leader}/fd/{fd}")).ok()?;
    inode_of_link(target.to_str()?, "socket:")
}

fn open_fds(pid: nix::unistd::Pid) -> Vec<i32> {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|dir| {
            dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the leader's descriptor `fd` is close-on-exec (from /proc/PID/fdinfo).
pub fn is_cloexec(pid: nix::unistd::Pid, fd: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/fdinfo/{fd}"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("flags:"))
                .and_then(|v| i64::from_str_radix(v.trim(), 8).ok())
        })
        .is_some_and(|flags| flags & libc::O_CLOEXEC as i64 != 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracks_kinds_and_ranges() {
        let mut t = FdTable::default();
        t.insert(3, FdKind::PerVariant);
        t.insert(4, FdKind::LeaderOnly);
        t.insert(9, FdKind::LeaderOnly);
        assert!(t.get(3).unwrap().followers_hold_file());
        assert!(!t.get(4).unwrap().followers_hold_file());
        t.remove_range(4, 8);
        assert_eq!(t.get(4), None);
        assert_eq!(t.get(9), Some(FdKind::LeaderOnly));
    }

    #[test]
    fn classes_tell_sockets_files_and_per_variant_copies_apart() {
        use std::os::fd::AsRawFd;
        let me = nix::unistd::getpid();
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let (r, _w) = nix::unistd::pipe().unwrap();
        let mut t = FdTable::default();
        t.insert(a.as_raw_fd(), FdKind::LeaderOnly);
        t.learn_type(me, a.as_raw_fd());
        t.insert(r.as_raw_fd(), FdKind::Inherited); // a pipe from outside the run
        t.learn_type(me, r.as_raw_fd());
        t.insert(b.as_raw_fd(), FdKind::LeaderOnly); // type not read yet
        t.insert(3000, FdKind::PerVariant);
        t.learn_type(me, 3000); // not open here: unknown
        t.duplicate(a.as_raw_fd(), 2000);
        let c = t.classes();
        assert_eq!(c[a.as_raw_fd() as usize], FD_LEADER_SOCKET);
        assert_eq!(c[2000], FD_LEADER_SOCKET);
        assert_eq!(c[r.as_raw_fd() as usize], FD_LEADER_FILE);
        assert_eq!(c[b.as_raw_fd() as usize], FD_UNKNOWN);
        assert_eq!(c[3000], FD_UNKNOWN);
        assert_eq!(c[1999], FD_UNKNOWN);
        t.remove(2000);
        assert_eq!(t.classes()[2000], FD_UNKNOWN);
    }

    #[test]
    fn writes_stay_lock_stepped_while_the_process_holds_both_ends_of_its_own_channel() {
        use std::os::fd::AsRawFd;
        let me = nix::unistd::getpid();
        let (r, w) = nix::unistd::pipe().unwrap();
        // SAFETY: a plain syscall; the fd is owned here at once.
        let efd = unsafe {
            use std::os::fd::FromRawFd;
            std::os::fd::OwnedFd::from_raw_fd(libc::eventfd(0, libc::EFD_CLOEXEC))
        };
        let (a, b) = std::os::unix::net::UnixStream::pair().unwrap();
        let mut t = FdTable::default();
        for fd in [
            r.as_raw_fd(),
            w.as_raw_fd(),
            efd.as_raw_fd(),
            a.as_raw_fd(),
            b.as_raw_fd(),
        ] {
            t.insert(fd, FdKind::LeaderOnly);
            t.learn_type(me, fd);
        }
        let c = t.classes();
        // A socket's link does not say whether it came from socketpair: the call does.
        assert_eq!(c[a.as_raw_fd() as usize], FD_LEADER_SOCKET);
        t.set_pair(me, a.as_raw_fd(), b.as_raw_fd());
        let c = t.classes();
        assert_eq!(c[r.as_raw_fd() as usize], FD_INTERNAL_FILE);
        assert_eq!(c[w.as_raw_fd() as usize], FD_INTERNAL_FILE);
        assert_eq!(c[efd.as_raw_fd() as usize], FD_INTERNAL_FILE);
        assert_eq!(c[a.as_raw_fd() as usize], FD_INTERNAL_SOCKET);
        assert_eq!(c[b.as_raw_fd() as usize], FD_INTERNAL_SOCKET);
        // A pipeline's writer, once it closed the read end, writes to another process: fast.
        t.duplicate(w.as_raw_fd(), 2000);
        t.remove(w.as_raw_fd());
        assert!(t.talks_to_itself(2000));
        t.remove(r.as_raw_fd());
        assert!(!t.talks_to_itself(2000));
        assert_eq!(t.classes()[2000], FD_LEADER_FILE);
        // The number reused for something else is that thing.
        t.insert(a.as_raw_fd(), FdKind::LeaderOnly);
        assert!(!t.talks_to_itself(b.as_raw_fd()));
    }

    #[test]
    fn reads_cloexec_from_fdinfo() {
        use std::os::fd::AsRawFd;
        let me = nix::unistd::getpid();
        let (a, b) = nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).unwrap();
        assert!(is_cloexec(me, a.as_raw_fd()));
        let (c, _d) = nix::unistd::pipe().unwrap();
        assert!(!is_cloexec(me, c.as_raw_fd()));
        drop(b);
    }
}
