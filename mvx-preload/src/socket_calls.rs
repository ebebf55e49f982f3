//! libc's message, socket-option and readiness calls through the runtime's fast path (issue
//! 15: the per-request calls of servers): sendmsg, recvmsg, setsockopt, ppoll, select and
//! pselect. As in `fd_calls.rs`, each wrapper hands the syscall's number and raw arguments to
//! the runtime, which decides from the table and the level (a message carrying fds, a wait
//! with a signal mask stay in lock-step); when the call does not qualify, the real libc
//! function makes the ordinary (monitored) call.

use crate::fast::fast;
use std::ffi::{c_int, c_void};

/// The kernel's sigset size, as libc passes it.
const KERNEL_SIGSET: u64 = 8;

/// # Safety
/// As libc's sendmsg.
#[no_mangle]
pub unsafe extern "C" fn sendmsg(fd: c_int, msg: *const libc::msghdr, flags: c_int) -> isize {
    let args = [fd as u64, msg as u64, flags as u64, 0, 0, 0];
    // SAFETY: the caller's arguments, as libc's function takes them.
    unsafe { fast(libc::SYS_sendmsg, args) }.unwrap_or_else(|| {
        crate::real!("sendmsg": unsafe extern "C" fn(c_int, *const libc::msghdr, c_int) -> isize)(
            fd, msg, flags,
        )
    })
}

/// # Safety
/// As libc's recvmsg.
#[no_mangle]
pub unsafe extern "C" fn recvmsg(fd: c_int, msg: *mut libc::msghdr, flags: c_int) -> isize {
    let args = [fd as u64, msg as u64, flags as u64, 0, 0, 0];
    // SAFETY: as above.
    unsafe { fast(libc::SYS_recvmsg, args) }.unwrap_or_else(|| {
        crate::real!("recvmsg": unsafe extern "C" fn(c_int, *mut libc::msghdr, c_int) -> isize)(
            fd, msg, flags,
        )
    })
}

/// # Safety
/// As libc's setsockopt.
#[no_mangle]
pub unsafe extern "C" fn setsockopt(
    fd: c_int,
    level: c_int,
    name: c_int,
    value: *const c_void,
    len: libc::socklen_t,
) -> c_int {
    let args = [
        fd as u64,
        level as u64,
        name as u64,
        value as u64,
        u64::from(len),
        0,
    ];
    // SAFETY: as above.
    match unsafe { fast(libc::SYS_setsockopt, args) } {
        Some(r) => r as c_int,
        None => {
            crate::real!("setsockopt": unsafe extern "C" fn(c_int, c_int, c_int, *const c_void, libc::socklen_t) -> c_int)(
                fd, level, name, value, len,
            )
        }
    }
}

/// # Safety
/// As libc's ppoll. As libc does, the kernel gets a copy of the timeout (it writes the time
/// left into it; the caller's is const).
#[no_mangle]
pub unsafe extern "C" fn ppoll(
    fds: *mut libc::pollfd,
    n: libc::nfds_t,
    timeout: *const libc::timespec,
    mask: *const libc::sigset_t,
) -> c_int {
    // SAFETY: the caller's timeout, if any.
    let mut left = unsafe { timeout.as_ref() }.copied();
    let kernel_timeout = left
        .as_mut()
        .map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec);
    let args = [
        fds as u64,
        n,
        kernel_timeout as u64,
        mask as u64,
        KERNEL_SIGSET,
        0,
    ];
    // SAFETY: as above, with our copy of the timeout.
    match unsafe { fast(libc::SYS_ppoll, args) } {
        Some(r) => r as c_int,
        None => {
            crate::real!("ppoll": unsafe extern "C" fn(*mut libc::pollfd, libc::nfds_t, *const libc::timespec, *const libc::sigset_t) -> c_int)(
                fds, n, timeout, mask,
            )
        }
    }
}

/// # Safety
/// As libc's select (Linux's: the timeout gets the time left).
#[no_mangle]
pub unsafe extern "C" fn select(
    nfds: c_int,
    read: *mut libc::fd_set,
    write: *mut libc::fd_set,
    except: *mut libc::fd_set,
    timeout: *mut libc::timeval,
) -> c_int {
    let args = [
        nfds as u64,
        read as u64,
        write as u64,
        except as u64,
        timeout as u64,
        0,
    ];
    // SAFETY: as above.
    match unsafe { fast(libc::SYS_select, args) } {
        Some(r) => r as c_int,
        None => {
            crate::real!("select": unsafe extern "C" fn(c_int, *mut libc::fd_set, *mut libc::fd_set, *mut libc::fd_set, *mut libc::timeval) -> c_int)(
                nfds, read, write, except, timeout,
            )
        }
    }
}

/// # Safety
/// As libc's pselect. Without a mask the kernel gets no mask argument at all (what it does
/// with a NULL mask anyway), so the call can take the fast path; with one it stays in
/// lock-step. The timeout is copied, as libc does.
#[no_mangle]
pub unsafe extern "C" fn pselect(
    nfds: c_int,
    read: *mut libc::fd_set,
    write: *mut libc::fd_set,
    except: *mut libc::fd_set,
    timeout: *const libc::timespec,
    mask: *const libc::sigset_t,
) -> c_int {
    let real = crate::real!("pselect": unsafe extern "C" fn(c_int, *mut libc::fd_set, *mut libc::fd_set, *mut libc::fd_set, *const libc::timespec, *const libc::sigset_t) -> c_int);
    if !mask.is_null() {
        // SAFETY: the caller's arguments.
        return unsafe { real(nfds, read, write, except, timeout, mask) };
    }
    // SAFETY: the caller's timeout, if any.
    let mut left = unsafe { timeout.as_ref() }.copied();
    let kernel_timeout = left
        .as_mut()
        .map_or(std::ptr::null_mut(), |t| t as *mut libc::timespec);
    let args = [
        nfds as u64,
        read as u64,
        write as u64,
        except as u64,
        kernel_timeout as u64,
        0,
    ];
    // SAFETY: as above, with our copy of the timeout.
    match unsafe { fast(libc::SYS_pselect6, args) } {
        Some(r) => r as c_int,
        None => unsafe { real(nfds, read, write, except, timeout, mask) },
    }
}
