//! The fast path's fd-table calls (`Fast::FdTable`): read-only opens of regular files and
//! directories, close, accept. Only in single-threaded processes, where a follower's kernel
//! hands out the same fd number as the leader's (its table mirrors the leader's).
//!
//! - The leader makes the call from the gadget, updates its own fd classes and journals the
//!   change for the monitor (`fd_classes::journal`), which applies it to its fd table at the
//!   process's next rendezvous, as it would have applied the call's own effect.
//! - A follower, once it has checked its call against the leader's record, makes the same
//!   change to its own table: its own copy of the opened file (as the strict path's
//!   per-variant opens), an inert placeholder (`/dev/null`) for an accepted connection, the
//!   close of its own fd. Should its kernel hand out another number than the leader's, it
//!   reports it (a follower's table can only differ that way if its program did).
//! - An open the leader finds unsuitable once it looks at the file (not a regular file or
//!   directory, or on /proc-like file systems whose contents are per process) is declined:
//!   the record says so, and every variant makes the ordinary, monitored call.

use crate::fastpath::{gadget, Request};
use crate::fd_classes;
use crate::protocol::*;
use mvx_abi::{Arg, FdOp, Ret};

/// The leader's result for a call it left to the monitored path.
pub const DECLINED: i64 = i64::MIN;

/// What a fast fd-table call does, from its table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Opens the path in argument `path` (relative to the dirfd in `dirfd`, if any), flags in
    /// argument `flags`.
    Open {
        dirfd: Option<u8>,
        path: u8,
        flags: u8,
    },
    /// Closes the fd in argument `fd`.
    Close { fd: u8 },
    /// Creates an fd only the leader holds (accept); `flags`: the argument with SOCK_CLOEXEC.
    LeaderOnly { flags: Option<u8> },
}

impl Kind {
    pub(crate) fn of(spec: &mvx_abi::Spec) -> Option<Kind> {
        if let Some(open) = spec.props.open {
            let mvx_abi::OpenFlags::Arg(flags) = open.flags else {
                return None;
            };
            return Some(Kind::Open {
                dirfd: open.dirfd,
                path: open.path,
                flags,
            });
        }
        if let Some(FdOp::Close(fd)) = spec.props.fd_op {
            return Some(Kind::Close { fd });
        }
        (spec.ret == Ret::NewFd).then(|| Kind::LeaderOnly {
            flags: spec
                .args
                .iter()
                .position(|a| *a == Arg::Flags)
                .map(|i| i as u8),
        })
    }
}

/// File systems whose files are the same for every variant (disk, memory and network file
/// systems): /proc, /sys and the like are not on this list, so their files stay monitored.
const SHARED_FILE_SYSTEMS: &[i64] = &[
    0xef53,      // ext2/3/4
    0x0102_1994, // tmpfs
    0x794c_7630, // overlayfs
    0x9123_683e, // btrfs
    0x5846_5342, // xfs
    0xf2f5_2010, // f2fs
    0x2fc1_2fc1, // zfs
    0x6969,      // nfs
    0x0102_1997, // 9p
    0x7371_7368, // squashfs
    0x9660,      // iso9660
    0x6573_5546, // fuse (virtiofs)
];

fn suitable(st: &libc::stat) -> bool {
    matches!(st.st_mode & libc::S_IFMT, libc::S_IFREG | libc::S_IFDIR)
}

/// The leader's call. Returns its result, or `DECLINED`.
///
/// # Safety
/// The arguments must be valid for the syscall.
pub(crate) unsafe fn lead(map: &memmap2::MmapMut, kind: Kind, req: &Request) -> i64 {
    let a = req.args;
    match kind {
        Kind::Open { dirfd, path, flags } => {
            if !fd_classes::journal_has_room(map) {
                return DECLINED;
            }
            let dir = dirfd.map_or(libc::AT_FDCWD as u64, |i| a[i as usize]);
            let nofollow = if a[flags as usize] & libc::O_NOFOLLOW as u64 != 0 {
                libc::AT_SYMLINK_NOFOLLOW as u64
            } else {
                0
            };
            // Look before opening: a FIFO or a device must not even be opened (that blocks or
            // has effects). A path that does not exist is opened anyway: that fails the same.
            let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
            let stat = [
                dir,
                a[path as usize],
                st.as_mut_ptr() as u64,
                nofollow,
                0,
                0,
            ];
            // SAFETY: a stat buffer of ours; the path is the caller's.
            let found = unsafe { gadget(libc::SYS_newfstatat, &stat) };
            // SAFETY: filled when the call succeeded.
            if found == 0 && !suitable(unsafe { st.assume_init_ref() }) {
                return DECLINED;
            }
            // SAFETY: the caller's arguments.
            let fd = unsafe { gadget(req.nr, &a) };
            if fd < 0 {
                return fd;
            }
            // SAFETY: as above.
            if !unsafe { on_shared_file_system(fd) } {
                // SAFETY: our own fd, not yet seen by the program.
                unsafe { gadget(libc::SYS_close, &[fd as u64, 0, 0, 0, 0, 0]) };
                return DECLINED;
            }
            fd_classes::set(map, fd as i32, FD_PER_VARIANT);
            fd_classes::journal(map, FdChange::OpenedPerVariant(fd as i32));
            fd
        }
        Kind::Close { fd } => {
            if !fd_classes::journal_has_room(map) {
                return DECLINED;
            }
            // SAFETY: the caller's arguments.
            let ret = unsafe { gadget(req.nr, &a) };
            // Linux closes the fd even when close reports EINTR.
            if ret >= 0 || ret == -(libc::EINTR as i64) {
                let fd = a[fd as usize] as i32;
                fd_classes::set(map, fd, FD_UNKNOWN);
                fd_classes::journal(map, FdChange::Closed(fd));
            }
            ret
        }
        Kind::LeaderOnly { .. } => {
            if !fd_classes::journal_has_room(map) {
                return DECLINED;
            }
            // SAFETY: the caller's arguments.
            let fd = unsafe { gadget(req.nr, &a) };
            if fd >= 0 {
                fd_classes::set(map, fd as i32, FD_LEADER_SOCKET);
                fd_classes::journal(map, FdChange::Accepted(fd as i32));
            }
            fd
        }
    }
}

/// Whether the file behind `fd` is of a file system every variant sees alike.
unsafe fn on_shared_file_system(fd: i64) -> bool {
    let mut st = std::mem::MaybeUninit::<libc::stat>::uninit();
    let mut fs = std::mem::MaybeUninit::<libc::statfs>::uninit();
    // SAFETY: our own buffers.
    unsafe {
        gadget(
            libc::SYS_fstat,
            &[fd as u64, st.as_mut_ptr() as u64, 0, 0, 0, 0],
        ) == 0
            && suitable(st.assume_init_ref())
            && gadget(
                libc::SYS_fstatfs,
                &[fd as u64, fs.as_mut_ptr() as u64, 0, 0, 0, 0],
            ) == 0
            && SHARED_FILE_SYSTEMS.contains(&fs.assume_init_ref().f_type)
    }
}

/// A follower's side of the leader's call with result `ret` (not `DECLINED`): the same change
/// to its own fd table. `Err(fd)`: its kernel handed out `fd` instead of the leader's number.
///
/// # Safety
/// The arguments must be valid for the syscall.
pub(crate) unsafe fn follow(
    map: &memmap2::MmapMut,
    kind: Kind,
    req: &Request,
    ret: i64,
) -> Result<(), i64> {
    let a = req.args;
    let place = |got: i64, class: u8| {
        if got == ret {
            fd_classes::set(map, ret as i32, class);
            Ok(())
        } else {
            if got >= 0 {
                // SAFETY: the fd this follower just opened.
                unsafe { gadget(libc::SYS_close, &[got as u64, 0, 0, 0, 0, 0]) };
            }
            Err(got)
        }
    };
    match kind {
        Kind::Open { .. } if ret >= 0 => {
            // Its own copy, as the strict path's per-variant opens.
            // SAFETY: the caller's arguments.
            place(unsafe { gadget(req.nr, &a) }, FD_PER_VARIANT)
        }
        Kind::Close { fd } if ret >= 0 || ret == -(libc::EINTR as i64) => {
            // SAFETY: closes this follower's copy or placeholder of the same number.
            unsafe { gadget(req.nr, &a) };
            fd_classes::set(map, a[fd as usize] as i32, FD_UNKNOWN);
            Ok(())
        }
        Kind::LeaderOnly { flags } if ret >= 0 => {
            let cloexec = flags.is_some_and(|i| a[i as usize] & libc::SOCK_CLOEXEC as u64 != 0);
            let open_flags = libc::O_RDONLY | if cloexec { libc::O_CLOEXEC } else { 0 };
            let placeholder = [
                libc::AT_FDCWD as u64,
                c"/dev/null".as_ptr() as u64,
                open_flags as u64,
                0,
                0,
                0,
            ];
            // SAFETY: a constant path.
            place(
                unsafe { gadget(libc::SYS_openat, &placeholder) },
                FD_LEADER_SOCKET,
            )
        }
        _ => Ok(()),
    }
}
