//! libc's fd-table, metadata and readiness calls through the runtime's fast path (issue 15:
//! the per-request calls of servers): open/openat/close, stat/fstat/lstat/fstatat/statx,
//! lseek, accept/accept4, shutdown, getsockopt, sendfile, poll, and epoll_ctl/epoll_wait with
//! each variant's own event data (`mvx_sync_runtime::epoll`). Each wrapper hands the syscall's
//! number and raw arguments to the runtime, which decides from the table and the level; when
//! the call does not qualify, the real libc function makes the ordinary (monitored) call.

use crate::fast::fast;
use mvx_sync_runtime::epoll;
use std::ffi::{c_char, c_int, c_uint, c_void};

/// `libc_fn(args)` unless the fast path took the call.
macro_rules! fast_or_real {
    ($nr:expr, [$($a:expr),*], $name:literal: $ty:ty, ($($arg:expr),*)) => {{
        let mut args = [0u64; 6];
        let given = [$($a as u64),*];
        args[..given.len()].copy_from_slice(&given);
        // SAFETY: the caller's arguments, as libc's function takes them.
        match unsafe { fast($nr, args) } {
            Some(r) => r as _,
            None => crate::real!($name: $ty)($($arg),*),
        }
    }};
}

/// # Safety
/// As libc's open64. The mode is read whatever the flags: the kernel ignores it unless a
/// file is created, which the fast path never does.
#[no_mangle]
pub unsafe extern "C" fn open64(path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    fast_or_real!(
        libc::SYS_openat,
        [libc::AT_FDCWD, path, flags, mode],
        "open64": unsafe extern "C" fn(*const c_char, c_int, c_uint) -> c_int,
        (path, flags, mode)
    )
}

/// # Safety
/// As libc's open.
#[no_mangle]
pub unsafe extern "C" fn open(path: *const c_char, flags: c_int, mode: c_uint) -> c_int {
    unsafe { open64(path, flags, mode) }
}

/// # Safety
/// As libc's openat64.
#[no_mangle]
pub unsafe extern "C" fn openat64(
    dirfd: c_int,
    path: *const c_char,
    flags: c_int,
    mode: c_uint,
) -> c_int {
    fast_or_real!(
        libc::SYS_openat,
        [dirfd, path, flags, mode],
        "openat64": unsafe extern "C" fn(c_int, *const c_char, c_int, c_uint) -> c_int,
        (dirfd, path, flags, mode)
    )
}

/// # Safety
/// As libc's openat.
#[no_mangle]
pub unsafe extern "C" fn openat(
    dirfd: c_int,
    path: *const c_char,
    flags: c_int,
    mode: c_uint,
) -> c_int {
    unsafe { openat64(dirfd, path, flags, mode) }
}

/// # Safety
/// As libc's close.
#[no_mangle]
pub unsafe extern "C" fn close(fd: c_int) -> c_int {
    fast_or_real!(libc::SYS_close, [fd], "close": unsafe extern "C" fn(c_int) -> c_int, (fd))
}

/// # Safety
/// As libc's stat64.
#[no_mangle]
pub unsafe extern "C" fn stat64(path: *const c_char, buf: *mut libc::stat64) -> c_int {
    fast_or_real!(
        libc::SYS_newfstatat,
        [libc::AT_FDCWD, path, buf, 0],
        "stat64": unsafe extern "C" fn(*const c_char, *mut libc::stat64) -> c_int,
        (path, buf)
    )
}

/// # Safety
/// As libc's stat.
#[no_mangle]
pub unsafe extern "C" fn stat(path: *const c_char, buf: *mut libc::stat64) -> c_int {
    unsafe { stat64(path, buf) }
}

/// # Safety
/// As libc's lstat64.
#[no_mangle]
pub unsafe extern "C" fn lstat64(path: *const c_char, buf: *mut libc::stat64) -> c_int {
    fast_or_real!(
        libc::SYS_newfstatat,
        [libc::AT_FDCWD, path, buf, libc::AT_SYMLINK_NOFOLLOW],
        "lstat64": unsafe extern "C" fn(*const c_char, *mut libc::stat64) -> c_int,
        (path, buf)
    )
}

/// # Safety
/// As libc's lstat.
#[no_mangle]
pub unsafe extern "C" fn lstat(path: *const c_char, buf: *mut libc::stat64) -> c_int {
    unsafe { lstat64(path, buf) }
}

/// # Safety
/// As libc's fstat64.
#[no_mangle]
pub unsafe extern "C" fn fstat64(fd: c_int, buf: *mut libc::stat64) -> c_int {
    fast_or_real!(
        libc::SYS_fstat,
        [fd, buf],
        "fstat64": unsafe extern "C" fn(c_int, *mut libc::stat64) -> c_int,
        (fd, buf)
    )
}

/// # Safety
/// As libc's fstat.
#[no_mangle]
pub unsafe extern "C" fn fstat(fd: c_int, buf: *mut libc::stat64) -> c_int {
    unsafe { fstat64(fd, buf) }
}

/// # Safety
/// As libc's fstatat64.
#[no_mangle]
pub unsafe extern "C" fn fstatat64(
    dirfd: c_int,
    path: *const c_char,
    buf: *mut libc::stat64,
    flags: c_int,
) -> c_int {
    fast_or_real!(
        libc::SYS_newfstatat,
        [dirfd, path, buf, flags],
        "fstatat64": unsafe extern "C" fn(c_int, *const c_char, *mut libc::stat64, c_int) -> c_int,
        (dirfd, path, buf, flags)
    )
}

/// # Safety
/// As libc's fstatat.
#[no_mangle]
pub unsafe extern "C" fn fstatat(
    dirfd: c_int,
    path: *const c_char,
    buf: *mut libc::stat64,
    flags: c_int,
) -> c_int {
    unsafe { fstatat64(dirfd, path, buf, flags) }
}

/// # Safety
/// As libc's statx.
#[no_mangle]
pub unsafe extern "C" fn statx(
    dirfd: c_int,
    path: *const c_char,
    flags: c_int,
    mask: c_uint,
    buf: *mut c_void,
) -> c_int {
    fast_or_real!(
        libc::SYS_statx,
        [dirfd, path, flags, mask, buf],
        "statx": unsafe extern "C" fn(c_int, *const c_char, c_int, c_uint, *mut c_void) -> c_int,
        (dirfd, path, flags, mask, buf)
    )
}

/// # Safety
/// As libc's lseek64.
#[no_mangle]
pub unsafe extern "C" fn lseek64(fd: c_int, offset: i64, whence: c_int) -> i64 {
    fast_or_real!(
        libc::SYS_lseek,
        [fd, offset, whence],
        "lseek64": unsafe extern "C" fn(c_int, i64, c_int) -> i64,
        (fd, offset, whence)
    )
}

/// # Safety
/// As libc's lseek.
#[no_mangle]
pub unsafe extern "C" fn lseek(fd: c_int, offset: i64, whence: c_int) -> i64 {
    unsafe { lseek64(fd, offset, whence) }
}

/// # Safety
/// As libc's accept.
#[no_mangle]
pub unsafe extern "C" fn accept(
    fd: c_int,
    addr: *mut libc::sockaddr,
    len: *mut libc::socklen_t,
) -> c_int {
    fast_or_real!(
        libc::SYS_accept,
        [fd, addr, len],
        "accept": unsafe extern "C" fn(c_int, *mut libc::sockaddr, *mut libc::socklen_t) -> c_int,
        (fd, addr, len)
    )
}

/// # Safety
/// As libc's accept4.
#[no_mangle]
pub unsafe extern "C" fn accept4(
    fd: c_int,
    addr: *mut libc::sockaddr,
    len: *mut libc::socklen_t,
    flags: c_int,
) -> c_int {
    fast_or_real!(
        libc::SYS_accept4,
        [fd, addr, len, flags],
        "accept4": unsafe extern "C" fn(c_int, *mut libc::sockaddr, *mut libc::socklen_t, c_int) -> c_int,
        (fd, addr, len, flags)
    )
}

/// # Safety
/// As libc's shutdown.
#[no_mangle]
pub unsafe extern "C" fn shutdown(fd: c_int, how: c_int) -> c_int {
    fast_or_real!(
        libc::SYS_shutdown,
        [fd, how],
        "shutdown": unsafe extern "C" fn(c_int, c_int) -> c_int,
        (fd, how)
    )
}

/// # Safety
/// As libc's getsockopt.
#[no_mangle]
pub unsafe extern "C" fn getsockopt(
    fd: c_int,
    level: c_int,
    name: c_int,
    value: *mut c_void,
    len: *mut libc::socklen_t,
) -> c_int {
    fast_or_real!(
        libc::SYS_getsockopt,
        [fd, level, name, value, len],
        "getsockopt": unsafe extern "C" fn(c_int, c_int, c_int, *mut c_void, *mut libc::socklen_t) -> c_int,
        (fd, level, name, value, len)
    )
}

/// # Safety
/// As libc's sendfile64.
#[no_mangle]
pub unsafe extern "C" fn sendfile64(
    out: c_int,
    from: c_int,
    offset: *mut i64,
    count: usize,
) -> isize {
    fast_or_real!(
        libc::SYS_sendfile,
        [out, from, offset, count],
        "sendfile64": unsafe extern "C" fn(c_int, c_int, *mut i64, usize) -> isize,
        (out, from, offset, count)
    )
}

/// # Safety
/// As libc's sendfile.
#[no_mangle]
pub unsafe extern "C" fn sendfile(
    out: c_int,
    from: c_int,
    offset: *mut i64,
    count: usize,
) -> isize {
    unsafe { sendfile64(out, from, offset, count) }
}

/// # Safety
/// As libc's poll.
#[no_mangle]
pub unsafe extern "C" fn poll(fds: *mut libc::pollfd, n: libc::nfds_t, timeout: c_int) -> c_int {
    fast_or_real!(
        libc::SYS_poll,
        [fds, n, timeout],
        "poll": unsafe extern "C" fn(*mut libc::pollfd, libc::nfds_t, c_int) -> c_int,
        (fds, n, timeout)
    )
}

/// # Safety
/// As libc's epoll_ctl.
#[no_mangle]
pub unsafe extern "C" fn epoll_ctl(
    epfd: c_int,
    op: c_int,
    fd: c_int,
    event: *mut libc::epoll_event,
) -> c_int {
    let real = crate::real!("epoll_ctl": unsafe extern "C" fn(c_int, c_int, c_int, *mut libc::epoll_event) -> c_int);
    if !epoll::tagging() {
        // SAFETY: the caller's arguments.
        return unsafe { real(epfd, op, fd, event) };
    }
    // SAFETY: the caller's event, if any.
    let own = unsafe { event.as_ref() }.copied();
    let mut tagged = own.map(|ev| epoll::tagged(fd, &ev));
    let kernel_event = tagged
        .as_mut()
        .map_or(std::ptr::null_mut(), |ev| ev as *mut libc::epoll_event);
    let args = [epfd as u64, op as u64, fd as u64, kernel_event as u64, 0, 0];
    // SAFETY: as libc's epoll_ctl, with our copy of the event.
    let r = match unsafe { fast(libc::SYS_epoll_ctl, args) } {
        Some(r) => r as c_int,
        None => unsafe { real(epfd, op, fd, kernel_event) },
    };
    if r == 0 {
        epoll::registered(epfd, op, fd, own.as_ref());
    }
    r
}

/// # Safety
/// As libc's epoll_wait.
#[no_mangle]
pub unsafe extern "C" fn epoll_wait(
    epfd: c_int,
    events: *mut libc::epoll_event,
    max: c_int,
    timeout: c_int,
) -> c_int {
    let n: c_int = fast_or_real!(
        libc::SYS_epoll_wait,
        [epfd, events, max, timeout],
        "epoll_wait": unsafe extern "C" fn(c_int, *mut libc::epoll_event, c_int, c_int) -> c_int,
        (epfd, events, max, timeout)
    );
    // SAFETY: the kernel filled `n` events.
    unsafe { untag(epfd, events, n) };
    n
}

/// # Safety
/// As libc's epoll_pwait.
#[no_mangle]
pub unsafe extern "C" fn epoll_pwait(
    epfd: c_int,
    events: *mut libc::epoll_event,
    max: c_int,
    timeout: c_int,
    mask: *const libc::sigset_t,
) -> c_int {
    // The kernel's sigset size, as libc passes it.
    const KERNEL_SIGSET: usize = 8;
    let n: c_int = fast_or_real!(
        libc::SYS_epoll_pwait,
        [epfd, events, max, timeout, mask, KERNEL_SIGSET],
        "epoll_pwait": unsafe extern "C" fn(c_int, *mut libc::epoll_event, c_int, c_int, *const libc::sigset_t) -> c_int,
        (epfd, events, max, timeout, mask)
    );
    // SAFETY: as above.
    unsafe { untag(epfd, events, n) };
    n
}

/// This variant's data back into the `n` events of `epfd` (when registrations are tagged).
unsafe fn untag(epfd: c_int, events: *mut libc::epoll_event, n: c_int) {
    if n > 0 && epoll::tagging() {
        // SAFETY: the caller's `n` events.
        epoll::untag(epfd, unsafe {
            std::slice::from_raw_parts_mut(events, n as usize)
        });
    }
}

/// # Safety
/// As libc's statfs64.
#[no_mangle]
pub unsafe extern "C" fn statfs64(path: *const c_char, buf: *mut libc::statfs64) -> c_int {
    fast_or_real!(
        libc::SYS_statfs,
        [path, buf],
        "statfs64": unsafe extern "C" fn(*const c_char, *mut libc::statfs64) -> c_int,
        (path, buf)
    )
}

/// # Safety
/// As libc's statfs.
#[no_mangle]
pub unsafe extern "C" fn statfs(path: *const c_char, buf: *mut libc::statfs64) -> c_int {
    unsafe { statfs64(path, buf) }
}

/// # Safety
/// As libc's fstatfs64.
#[no_mangle]
pub unsafe extern "C" fn fstatfs64(fd: c_int, buf: *mut libc::statfs64) -> c_int {
    fast_or_real!(
        libc::SYS_fstatfs,
        [fd, buf],
        "fstatfs64": unsafe extern "C" fn(c_int, *mut libc::statfs64) -> c_int,
        (fd, buf)
    )
}

/// # Safety
/// As libc's fstatfs.
#[no_mangle]
pub unsafe extern "C" fn fstatfs(fd: c_int, buf: *mut libc::statfs64) -> c_int {
    unsafe { fstatfs64(fd, buf) }
}
