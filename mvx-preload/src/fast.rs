//! libc's I/O, identity and clock calls through the runtime's fast path (levels above
//! `strict`). Each wrapper describes its call to `fastpath::call`; when the call does not
//! qualify, the real libc function makes the ordinary (monitored) syscall.
//!
//! Only calls through libc's exported symbols are seen: libc's own internal calls (stdio's
//! writes, for one) take the monitored path, which is correct, only slower.

use mvx_sync_runtime::fastpath::{self, Class, Output, Request};
use std::ffi::{c_int, c_void};

/// A raw syscall result in libc's convention (-1 and errno).
fn libc_result(r: i64) -> isize {
    if r < 0 {
        // SAFETY: errno of this thread.
        unsafe { *libc::__errno_location() = (-r) as c_int };
        -1
    } else {
        r as isize
    }
}

/// Most iovecs the fast path takes in one call.
const MAX_IOV: c_int = fastpath::MAX_BUFFERS as c_int;

unsafe fn iovecs(iov: *const libc::iovec, count: c_int) -> Option<Vec<(*mut u8, usize)>> {
    if !(0..=MAX_IOV).contains(&count) || (count > 0 && iov.is_null()) {
        return None;
    }
    // SAFETY: the caller's array of `count` iovecs.
    let iov = unsafe { std::slice::from_raw_parts(iov, count as usize) };
    Some(
        iov.iter()
            .map(|v| (v.iov_base as *mut u8, v.iov_len))
            .collect(),
    )
}

unsafe fn fast(req: &Request) -> Option<isize> {
    // SAFETY: the wrappers pass libc's own arguments.
    unsafe { fastpath::call(req) }.map(libc_result)
}

/// # Safety
/// As libc's read.
#[no_mangle]
pub unsafe extern "C" fn read(fd: c_int, buf: *mut c_void, n: usize) -> isize {
    let out = [(buf as *mut u8, n)];
    let req = Request {
        nr: libc::SYS_read,
        args: [fd as u64, buf as u64, n as u64, 0, 0, 0],
        class: Class::Read(fd),
        scalars: &[fd as u64, n as u64],
        input: &[],
        output: Output::Scatter(&out),
    };
    unsafe { fast(&req) }.unwrap_or_else(|| {
        crate::real!("read": unsafe extern "C" fn(c_int, *mut c_void, usize) -> isize)(fd, buf, n)
    })
}

/// # Safety
/// As libc's write.
#[no_mangle]
pub unsafe extern "C" fn write(fd: c_int, buf: *const c_void, n: usize) -> isize {
    let input = [(buf as *const u8, n)];
    let req = Request {
        nr: libc::SYS_write,
        args: [fd as u64, buf as u64, n as u64, 0, 0, 0],
        class: Class::Write(fd),
        scalars: &[fd as u64, n as u64],
        input: &input,
        output: Output::None,
    };
    unsafe { fast(&req) }.unwrap_or_else(|| {
        crate::real!("write": unsafe extern "C" fn(c_int, *const c_void, usize) -> isize)(
            fd, buf, n,
        )
    })
}

/// # Safety
/// As libc's pread.
#[no_mangle]
pub unsafe extern "C" fn pread64(fd: c_int, buf: *mut c_void, n: usize, off: i64) -> isize {
    let out = [(buf as *mut u8, n)];
    let req = Request {
        nr: libc::SYS_pread64,
        args: [fd as u64, buf as u64, n as u64, off as u64, 0, 0],
        class: Class::Read(fd),
        scalars: &[fd as u64, n as u64, off as u64],
        input: &[],
        output: Output::Scatter(&out),
    };
    unsafe { fast(&req) }.unwrap_or_else(|| {
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
    let input = [(buf as *const u8, n)];
    let req = Request {
        nr: libc::SYS_pwrite64,
        args: [fd as u64, buf as u64, n as u64, off as u64, 0, 0],
        class: Class::Write(fd),
        scalars: &[fd as u64, n as u64, off as u64],
        input: &input,
        output: Output::None,
    };
    unsafe { fast(&req) }.unwrap_or_else(|| {
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
    let real = || {
        crate::real!("readv": unsafe extern "C" fn(c_int, *const libc::iovec, c_int) -> isize)(
            fd, iov, count,
        )
    };
    let Some(bufs) = (unsafe { iovecs(iov, count) }) else {
        return real();
    };
    let mut scalars = vec![fd as u64, count as u64];
    scalars.extend(bufs.iter().map(|&(_, n)| n as u64));
    let req = Request {
        nr: libc::SYS_readv,
        args: [fd as u64, iov as u64, count as u64, 0, 0, 0],
        class: Class::Read(fd),
        scalars: &scalars,
        input: &[],
        output: Output::Scatter(&bufs),
    };
    unsafe { fast(&req) }.unwrap_or_else(real)
}

/// # Safety
/// As libc's writev.
#[no_mangle]
pub unsafe extern "C" fn writev(fd: c_int, iov: *const libc::iovec, count: c_int) -> isize {
    let real = || {
        crate::real!("writev": unsafe extern "C" fn(c_int, *const libc::iovec, c_int) -> isize)(
            fd, iov, count,
        )
    };
    let Some(bufs) = (unsafe { iovecs(iov, count) }) else {
        return real();
    };
    let input: Vec<(*const u8, usize)> = bufs.iter().map(|&(p, n)| (p as *const u8, n)).collect();
    let scalars = [fd as u64, count as u64];
    let req = Request {
        nr: libc::SYS_writev,
        args: [fd as u64, iov as u64, count as u64, 0, 0, 0],
        class: Class::Write(fd),
        scalars: &scalars,
        input: &input,
        output: Output::None,
    };
    unsafe { fast(&req) }.unwrap_or_else(real)
}

/// recv/recvfrom without a source address (the kernel call is recvfrom either way).
unsafe fn recv_fast(fd: c_int, buf: *mut c_void, n: usize, flags: c_int) -> Option<isize> {
    let out = [(buf as *mut u8, n)];
    let req = Request {
        nr: libc::SYS_recvfrom,
        args: [fd as u64, buf as u64, n as u64, flags as u64, 0, 0],
        class: Class::Read(fd),
        scalars: &[fd as u64, n as u64, flags as u64],
        input: &[],
        output: Output::Scatter(&out),
    };
    unsafe { fast(&req) }
}

/// # Safety
/// As libc's recv.
#[no_mangle]
pub unsafe extern "C" fn recv(fd: c_int, buf: *mut c_void, n: usize, flags: c_int) -> isize {
    unsafe { recv_fast(fd, buf, n, flags) }.unwrap_or_else(|| {
        crate::real!("recv": unsafe extern "C" fn(c_int, *mut c_void, usize, c_int) -> isize)(
            fd, buf, n, flags,
        )
    })
}

/// # Safety
/// As libc's recvfrom.
#[no_mangle]
pub unsafe extern "C" fn recvfrom(
    fd: c_int,
    buf: *mut c_void,
    n: usize,
    flags: c_int,
    addr: *mut libc::sockaddr,
    addrlen: *mut libc::socklen_t,
) -> isize {
    if addr.is_null() {
        if let Some(r) = unsafe { recv_fast(fd, buf, n, flags) } {
            return r;
        }
    }
    crate::real!("recvfrom": unsafe extern "C" fn(c_int, *mut c_void, usize, c_int, *mut libc::sockaddr, *mut libc::socklen_t) -> isize)(
        fd, buf, n, flags, addr, addrlen,
    )
}

/// send/sendto without a destination (the kernel call is sendto either way).
unsafe fn send_fast(fd: c_int, buf: *const c_void, n: usize, flags: c_int) -> Option<isize> {
    let input = [(buf as *const u8, n)];
    let req = Request {
        nr: libc::SYS_sendto,
        args: [fd as u64, buf as u64, n as u64, flags as u64, 0, 0],
        class: Class::Write(fd),
        scalars: &[fd as u64, n as u64, flags as u64],
        input: &input,
        output: Output::None,
    };
    unsafe { fast(&req) }
}

/// # Safety
/// As libc's send.
#[no_mangle]
pub unsafe extern "C" fn send(fd: c_int, buf: *const c_void, n: usize, flags: c_int) -> isize {
    unsafe { send_fast(fd, buf, n, flags) }.unwrap_or_else(|| {
        crate::real!("send": unsafe extern "C" fn(c_int, *const c_void, usize, c_int) -> isize)(
            fd, buf, n, flags,
        )
    })
}

/// # Safety
/// As libc's sendto.
#[no_mangle]
pub unsafe extern "C" fn sendto(
    fd: c_int,
    buf: *const c_void,
    n: usize,
    flags: c_int,
    addr: *const libc::sockaddr,
    addrlen: libc::socklen_t,
) -> isize {
    if addr.is_null() {
        if let Some(r) = unsafe { send_fast(fd, buf, n, flags) } {
            return r;
        }
    }
    crate::real!("sendto": unsafe extern "C" fn(c_int, *const c_void, usize, c_int, *const libc::sockaddr, libc::socklen_t) -> isize)(
        fd, buf, n, flags, addr, addrlen,
    )
}

// --- Identity and clocks (level `base` and up) ------------------------------------------

/// A call without arguments whose result is the leader's (getpid, gettid, getuid, ...).
pub(crate) fn id_call<T: TryFrom<i64>>(nr: i64) -> Option<T> {
    let req = Request {
        nr,
        args: [0; 6],
        class: Class::Local,
        scalars: &[],
        input: &[],
        output: Output::None,
    };
    // SAFETY: no pointers.
    unsafe { fastpath::call(&req) }.and_then(|r| T::try_from(r).ok())
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
    let req = Request {
        nr: libc::SYS_clock_gettime,
        args: [clock as u64, ts as u64, 0, 0, 0, 0],
        class: Class::Local,
        scalars: &[clock as u64],
        input: &[],
        output: Output::Fixed(ts as *mut u8, std::mem::size_of::<libc::timespec>()),
    };
    unsafe { fast(&req) }.map(|r| r as c_int)
}

/// # Safety
/// As gettimeofday; a timezone request takes the ordinary path.
pub(crate) unsafe fn gettimeofday(tv: *mut libc::timeval, tz: *mut c_void) -> Option<c_int> {
    if !tz.is_null() {
        return None;
    }
    let req = Request {
        nr: libc::SYS_gettimeofday,
        args: [tv as u64, 0, 0, 0, 0, 0],
        class: Class::Local,
        scalars: &[],
        input: &[],
        output: Output::Fixed(tv as *mut u8, std::mem::size_of::<libc::timeval>()),
    };
    unsafe { fast(&req) }.map(|r| r as c_int)
}

/// # Safety
/// `t` is NULL or valid.
pub(crate) unsafe fn time(t: *mut libc::time_t) -> Option<libc::time_t> {
    let now = id_call::<i64>(libc::SYS_time)?;
    if !t.is_null() {
        // SAFETY: the caller's pointer.
        unsafe { *t = now };
    }
    Some(now)
}
