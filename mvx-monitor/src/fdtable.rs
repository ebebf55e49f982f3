//! The monitor's view of the program's file descriptors.
//!
//! fd numbers are identical in every variant at all times. What differs is what stands behind a
//! number in a follower: its own open file (read-only regular files and directories, which
//! every variant may open and mmap), the very same inherited file, or an inert placeholder
//! (`/dev/null`) for channels only the leader may touch.

use std::collections::BTreeMap;

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
}

impl FdKind {
    /// Whether followers hold a real file behind this number (needed to mmap it).
    pub fn followers_hold_file(self) -> bool {
        matches!(self, FdKind::PerVariant | FdKind::Inherited)
    }
}

#[derive(Clone, Debug, Default)]
pub struct FdTable {
    fds: BTreeMap<i32, FdKind>,
}

impl FdTable {
    /// The table for a freshly started program: whatever the leader holds is inherited.
    pub fn inherited_from(pid: nix::unistd::Pid) -> FdTable {
        let mut t = FdTable::default();
        for fd in open_fds(pid) {
            t.fds.insert(fd, FdKind::Inherited);
        }
        t
    }

    pub fn get(&self, fd: i32) -> Option<FdKind> {
        self.fds.get(&fd).copied()
    }

    pub fn insert(&mut self, fd: i32, kind: FdKind) {
        self.fds.insert(fd, kind);
    }

    pub fn remove(&mut self, fd: i32) {
        self.fds.remove(&fd);
    }

    pub fn remove_range(&mut self, first: i32, last: i32) {
        self.fds.retain(|&fd, _| fd < first || fd > last);
    }

    /// After an exec: close-on-exec descriptors are gone; keep what the leader still holds.
    pub fn retain_open(&mut self, pid: nix::unistd::Pid) {
        let open: std::collections::HashSet<i32> = open_fds(pid).into_iter().collect();
        self.fds.retain(|fd, _| open.contains(fd));
    }
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
