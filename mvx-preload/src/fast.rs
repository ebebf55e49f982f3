//! libc's I/O, identity and clock calls through the runtime's fast path (levels above
//! `strict`). Each wrapper hands its syscall's number and raw arguments to
//! `fastpath::syscall`, which derives what to compare and replicate from the syscall table;
//! when the call does not qualify, the real libc function makes the ordinary (monitored)
//! syscall.
//!
//! libc's own internal calls (stdio's writes, for one) reach the fast path through the
//! rewritten syscall sites (`rewrite.rs`); raw `syscall(2)` calls through the `syscall`
//! wrapper here.

use mvx_sync_runtime::fastpath;
use std::ffi::{c_int, c_long, c_void};

/// A raw syscall result in libc's convention (-1 and errno).
pub(crate) fn libc_result(r: i64) -> isize {
    if r < 0 {
        // SAFETY: errno of this thread.
        unsafe { *libc::__errno_location() = (-r) as c_int };
        -1
    } else {
        r as isize
    }
}

/// Syscall `nr` through the fast path, in libc's convention; `None`: make it the ordinary way.
///
/// # Safety
/// The arguments are libc's own, valid as the syscall requires.
pub(crate) unsafe fn fast(nr: i64, args: [u64; 6]) -> Option<isize> {
    // SAFETY: the wrappers pass their callers' arguments.
    unsafe { fastpath::syscall(nr, args) }.map(libc_result)
}

/// # Safety
/// As libc's read.
#[no_mangle]
pub unsafe extern "C" fn read(fd: c_int, buf: *mut c_void, n: usize) -> isize {
    unsafe { fast(libc::SYS_read, [fd as u64, buf as u64, n as u64, 0, 0, 0]) }.unwrap_or_else(
        || {
            crate::real!("read": unsafe extern "C" fn(c_int, *mut c_void, usize) -> isize)(
                fd, buf, n,
            )
        },
    )
}

/// # Safety
/// As libc's write.
#[no_mangle]
pub unsafe extern "C" fn write(fd: c_int, buf: *const c_void, n: usize) -> isize {
    unsafe { fast(libc::SYS_write, [fd as u64, buf as u64, n as u64, 0, 0, 0]) }.unwrap_or_else(
        || {
            crate::real!("write": unsafe extern "C" fn(c_int, *const c_void, usize) -> isize)(
                fd, buf, n,
            )
        },
    )
}

/// # Safety
/// As libc's pread.
#[no_mangle]
pub unsafe extern "C" fn pread64(fd: c_int, buf: *mut c_void, n: usize, off: i64) -> isize {
    let args = [fd as u64, buf as u64, n as u64, off as u64, 0, 0];
    unsafe { fast(libc::SYS_pread64, args) }.unwrap_or_else(|| {
        crate::real!("pread64": unsafe extern "C" fn(c_int, *mut c_void, usize, i64) -> isize)(
            fd, buf, n, off,
        )
    })
}

/// # Safety
/// As libc's pread.
#[no_mangle]
pub unsafe extern "C" fn pread(fd: c_int, buf: *mut c_void, n: usize, off: i64) -> isize {
    unsafe { pread64(fd, buf, n, off) }
}

/// # Safety
/// As libc's pwrite.
#[no_mangle]
pub unsafe extern "C" fn pwrite64(fd: c_int, buf: *const c_void, n: usize, off: i64) -> isize {
    let args = [fd as u64, buf as u64, n as u64, off as u64, 0, 0];
    unsafe { fast(libc::SYS_pwrite64, args) }.unwrap_or_else(|| {
        crate::real!("pwrite64": unsafe extern "C" fn(c_int, *const c_void, usize, i64) -> isize)(
            fd, buf, n, off,
        )
    })
}

/// # Safety
/// As libc's pwrite.
#[no_mangle]
pub unsafe extern "C" fn pwrite(fd: c_int, buf: *const c_void, n: usize, off: i64) -> isize {
    unsafe { pwrite64(fd, buf, n, off) }
}

/// # Safety
/// As libc's readv.
#[no_mangle]
pub unsafe extern "C" fn readv(fd: c_int, iov: *const libc::iovec, count: c_int) -> isize {
    unsafe {
        fast(
            libc::SYS_readv,
            [fd as u64, iov as u64, count as u64, 0, 0, 0],
        )
    }
    .unwrap_or_else(|| {
        crate::real!("readv": unsafe extern "C" fn(c_int, *const libc::iovec, c_int) -> isize)(
            fd, iov, count,
        )
    })
}

/// # Safety
/// As libc's writev.
#[no_mangle]
pub unsafe extern "C" fn writev(fd: c_int, iov: *const libc::iovec, count: c_int) -> isize {
    unsafe {
        fast(
            libc::SYS_writev,
            [fd as u64, iov as u64, count as u64, 0, 0, 0],
        )
    }
    .unwrap_or_else(|| {
        crate::real!("writev": unsafe extern "C" fn(c_int, *const libc::iovec, c_int) -> isize)(
            fd, iov, count,
        )
    })
}

/// # Safety
/// As libc's recv (the kernel call is recvfrom without an address).
#[no_mangle]
pub unsafe extern "C" fn recv(fd: c_int, buf: *mut c_void, n: usize, flags: c_int) -> isize {
    let args = [fd as u64, buf as u64, n as u64, flags as u64, 0, 0];
    unsafe { fast(libc::SYS_recvfrom, args) }.unwrap_or_else(|| {
        crate::real!("recv": unsafe extern "C" fn(c_int, *mut c_void, usize, c_int) -> isize)(
            fd, buf, n, flags,
        )
    })
}

/// # Safety
/// As libc's recvfrom (with a source address it takes the monitored path).
#[no_mangle]
pub unsafe extern "C" fn recvfrom(
    fd: c_int,
    buf: *mut c_void,
    n: usize,
    flags: c_int,
    addr: *mut libc::sockaddr,
    addrlen: *mut libc::socklen_t,
) -> isize {
    let args = [
        fd as u64,
        buf as u64,
        n as u64,
        flags as u64,
        addr as u64,
        addrlen as u64,
    ];
    unsafe { fast(libc::SYS_recvfrom, args) }.unwrap_or_else(|| {
        crate::real!("recvfrom": unsafe extern "C" fn(c_int, *mut c_void, usize, c_int, *mut libc::sockaddr, *mut libc::socklen_t) -> isize)(
            fd, buf, n, flags, addr, addrlen,
        )
    })
}

/// # Safety
/// As libc's send (the kernel call is sendto without a destination).
#[no_mangle]
pub unsafe extern "C" fn send(fd: c_int, buf: *const c_void, n: usize, flags: c_int) -> isize {
    let args = [fd as u64, buf as u64, n as u64, flags as u64, 0, 0];
    unsafe { fast(libc::SYS_sendto, args) }.unwrap_or_else(|| {
        crate::real!("send": unsafe extern "C" fn(c_int, *const c_void, usize, c_int) -> isize)(
            fd, buf, n, flags,
        )
    })
}

/// # Safety
/// As libc's sendto (with a destination it takes the monitored path).
#[no_mangle]
pub unsafe extern "C" fn sendto(
    fd: c_int,
    buf: *const c_void,
    n: usize,
    flags: c_int,
    addr: *const libc::sockaddr,
    addrlen: libc::socklen_t,
) -> isize {
    let args = [
        fd as u64,
        buf as u64,
        n as u64,
        flags as u64,
        addr as u64,
        addrlen as u64,
    ];
    unsafe { fast(libc::SYS_sendto, args) }.unwrap_or_else(|| {
        crate::real!("sendto": unsafe extern "C" fn(c_int, *const c_void, usize, c_int, *const libc::sockaddr, libc::socklen_t) -> isize)(
            fd, buf, n, flags, addr, addrlen,
        )
    })
}

/// libc's `syscall(2)`: variadic, but the System V ABI passes its integer arguments in the
/// registers (and the stack slot) a seven-argument function reads, as libc's own does. Calls
/// the fast path does not take are made from this library's `syscall` instruction (never the
/// gadget), so they stop in the monitor.
///
/// # Safety
/// The arguments must be valid for syscall `nr`.
#[no_mangle]
pub unsafe extern "C" fn syscall(
    nr: c_long,
    a0: u64,
    a1: u64,
    a2: u64,
    a3: u64,
    a4: u64,
    a5: u64,
) -> c_long {
    let args = [a0, a1, a2, a3, a4, a5];
    // SAFETY: the caller's arguments.
    let r = unsafe { fastpath::syscall(nr, args) }
        .unwrap_or_else(|| unsafe { crate::rewrite::raw_syscall(nr, &args) });
    // As libc's: only -4095..-1 are errors (other results may be any 64-bit value).
    if (-4095..0).contains(&r) {
        // SAFETY: errno of this thread.
        unsafe { *libc::__errno_location() = (-r) as c_int };
        -1
    } else {
        r as c_long
    }
}

// --- Identity and clocks (level `base` and up) ------------------------------------------

/// A call without arguments whose result is the leader's (getpid, gettid, getuid, ...).
pub(crate) fn id_call<T: TryFrom<i64>>(nr: i64) -> Option<T> {
    // SAFETY: no pointers.
    unsafe { fastpath::syscall(nr, [0; 6]) }.and_then(|r| T::try_from(r).ok())
}

#[no_mangle]
pub extern "C" fn getppid() -> libc::pid_t {
    id_call(libc::SYS_getppid)
        .unwrap_or_else(|| crate::real!("getppid": extern "C" fn() -> libc::pid_t)())
}

#[no_mangle]
pub extern "C" fn gettid() -> libc::pid_t {
    id_call(libc::SYS_gettid)
        .unwrap_or_else(|| crate::real!("gettid": extern "C" fn() -> libc::pid_t)())
}

#[no_mangle]
pub extern "C" fn getuid() -> libc::uid_t {
    id_call(libc::SYS_getuid)
        .unwrap_or_else(|| crate::real!("getuid": extern "C" fn() -> libc::uid_t)())
}

#[no_mangle]
pub extern "C" fn geteuid() -> libc::uid_t {
    id_call(libc::SYS_geteuid)
        .unwrap_or_else(|| crate::real!("geteuid": extern "C" fn() -> libc::uid_t)())
}

#[no_mangle]
pub extern "C" fn getgid() -> libc::gid_t {
    id_call(libc::SYS_getgid)
        .unwrap_or_else(|| crate::real!("getgid": extern "C" fn() -> libc::gid_t)())
}

#[no_mangle]
pub extern "C" fn getegid() -> libc::gid_t {
    id_call(libc::SYS_getegid)
        .unwrap_or_else(|| crate::real!("getegid": extern "C" fn() -> libc::gid_t)())
}

/// # Safety
/// `ts` valid as for clock_gettime.
pub(crate) unsafe fn clock_gettime(
    clock: libc::clockid_t,
    ts: *mut libc::timespec,
) -> Option<c_int> {
    let args = [clock as u64, ts as u64, 0, 0, 0, 0];
    unsafe { fast(libc::SYS_clock_gettime, args) }.map(|r| r as c_int)
}

/// # Safety
/// As gettimeofday.
pub(crate) unsafe fn gettimeofday(tv: *mut libc::timeval, tz: *mut c_void) -> Option<c_int> {
    unsafe { fast(libc::SYS_gettimeofday, [tv as u64, tz as u64, 0, 0, 0, 0]) }.map(|r| r as c_int)
}

/// # Safety
/// `t` is NULL or valid.
pub(crate) unsafe fn time(t: *mut libc::time_t) -> Option<libc::time_t> {
    unsafe { fast(libc::SYS_time, [t as u64, 0, 0, 0, 0, 0]) }.map(|r| r as libc::time_t)
}
