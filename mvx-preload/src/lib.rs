//! `libmvx_preload.so`: with `LD_PRELOAD` (or `mvx run --preload`), an unannotated program gets
//! - libc's nondeterministic results made identical: rand/random/rand_r, the *rand48 family,
//!   getrandom/getentropy, time, gettimeofday, clock_gettime, getpid (each variant calls the real
//!   function, then takes the leader's result through the runtime);
//! - pthread mutexes and condition variables acquired in the leader's order in every variant;
//! - above `strict`, libc's own syscalls (stdio's writes, raw `syscall(2)`) on the fast path
//!   (`rewrite`, `fast::syscall`);
//! - at every level by default (`librand`): the random bytes of libraries that mix addresses
//!   into their generators (OpenSSL's RAND_bytes, NSS's PK11_GenerateRandom) taken from the
//!   leader.
//!
//! Without mvx every wrapper is the real function.

use mvx_sync_runtime::site_id;
use std::ffi::{c_int, c_long, c_uint, c_ushort, c_void};
use std::sync::OnceLock;

/// Whether the value and lock-order wrappers replay the leader (`mvx run --preload` sets
/// `MVX_PRELOAD_SYNC`). mvx also loads this library for the fast path alone (levels above
/// `strict`); then these wrappers are plain calls.
fn sync_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("MVX_PRELOAD_SYNC").is_some())
}

fn sync_value<T: Copy>(id: u64, value: T) -> T {
    if sync_on() {
        mvx_sync_runtime::sync_value(id, value)
    } else {
        value
    }
}

fn sync_bytes(id: u64, buf: &mut [u8]) {
    if sync_on() {
        mvx_sync_runtime::sync_bytes(id, buf)
    }
}

/// The next definition of a libc symbol (the real one).
#[macro_export]
macro_rules! real {
    ($name:literal: $ty:ty) => {{
        static REAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let f = *REAL.get_or_init(|| {
            // SAFETY: dlsym with a NUL-terminated name.
            let p = unsafe {
                libc::dlsym(
                    libc::RTLD_NEXT,
                    concat!($name, "\0").as_ptr() as *const std::ffi::c_char,
                )
            };
            assert!(!p.is_null(), concat!("mvx preload: no ", $name, " in libc"));
            p as usize
        });
        // SAFETY: the symbol has this C signature.
        unsafe { std::mem::transmute::<usize, $ty>(f) }
    }};
    // A versioned symbol: libc keeps old ABIs of some functions (pthread_cond_* of
    // GLIBC_2.2.5 work on a different condvar layout); which one an unversioned lookup finds
    // depends on how the program was loaded, so name the current one.
    ($name:literal @ $version:literal: $ty:ty) => {{
        static REAL: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
        let f = *REAL.get_or_init(|| {
            // SAFETY: dlvsym with NUL-terminated names.
            let p = unsafe {
                libc::dlvsym(
                    libc::RTLD_NEXT,
                    concat!($name, "\0").as_ptr() as *const std::ffi::c_char,
                    concat!($version, "\0").as_ptr() as *const std::ffi::c_char,
                )
            };
            assert!(
                !p.is_null(),
                concat!("mvx preload: no ", $name, "@", $version, " in libc")
            );
            p as usize
        });
        // SAFETY: the symbol has this C signature.
        unsafe { std::mem::transmute::<usize, $ty>(f) }
    }};
}

mod fast;
mod fd_calls;
mod handlers;
mod librand;
mod rewrite;
mod socket_calls;

/// libc's syscall sites are rewritten at load, in the main thread, before `main` (and before
/// any other thread can run libc code).
#[used]
#[link_section = ".init_array"]
static REWRITE_LIBC_AT_LOAD: extern "C" fn() = {
    extern "C" fn install() {
        rewrite::install();
    }
    install
};

const fn id(name: &str) -> u64 {
    site_id(name, 0, 0)
}

// --- Random numbers -------------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn rand() -> c_int {
    sync_value(id("rand"), real!("rand": extern "C" fn() -> c_int)())
}

#[no_mangle]
pub extern "C" fn random() -> c_long {
    sync_value(id("random"), real!("random": extern "C" fn() -> c_long)())
}

/// # Safety
/// `seed` must be valid, as for libc's rand_r.
#[no_mangle]
pub unsafe extern "C" fn rand_r(seed: *mut c_uint) -> c_int {
    let r = real!("rand_r": unsafe extern "C" fn(*mut c_uint) -> c_int)(seed);
    // SAFETY: the caller's seed.
    unsafe { *seed = sync_value(id("rand_r seed"), *seed) };
    sync_value(id("rand_r"), r)
}

#[no_mangle]
pub extern "C" fn drand48() -> f64 {
    sync_value(id("drand48"), real!("drand48": extern "C" fn() -> f64)())
}

#[no_mangle]
pub extern "C" fn lrand48() -> c_long {
    sync_value(id("lrand48"), real!("lrand48": extern "C" fn() -> c_long)())
}

#[no_mangle]
pub extern "C" fn mrand48() -> c_long {
    sync_value(id("mrand48"), real!("mrand48": extern "C" fn() -> c_long)())
}

/// The xsubi state of erand48/nrand48/jrand48, then the result.
unsafe fn with_xsubi<T: Copy>(site: u64, xsubi: *mut c_ushort, r: T) -> T {
    // SAFETY: the caller's three-element state.
    let state = unsafe { std::slice::from_raw_parts_mut(xsubi as *mut u8, 6) };
    sync_bytes(site ^ 1, state);
    sync_value(site, r)
}

/// # Safety
/// `xsubi` must point to three `unsigned short`s.
#[no_mangle]
pub unsafe extern "C" fn erand48(xsubi: *mut c_ushort) -> f64 {
    let r = real!("erand48": unsafe extern "C" fn(*mut c_ushort) -> f64)(xsubi);
    unsafe { with_xsubi(id("erand48"), xsubi, r) }
}

/// # Safety
/// `xsubi` must point to three `unsigned short`s.
#[no_mangle]
pub unsafe extern "C" fn nrand48(xsubi: *mut c_ushort) -> c_long {
    let r = real!("nrand48": unsafe extern "C" fn(*mut c_ushort) -> c_long)(xsubi);
    unsafe { with_xsubi(id("nrand48"), xsubi, r) }
}

/// # Safety
/// `xsubi` must point to three `unsigned short`s.
#[no_mangle]
pub unsafe extern "C" fn jrand48(xsubi: *mut c_ushort) -> c_long {
    let r = real!("jrand48": unsafe extern "C" fn(*mut c_ushort) -> c_long)(xsubi);
    unsafe { with_xsubi(id("jrand48"), xsubi, r) }
}

/// # Safety
/// As libc's getrandom.
#[no_mangle]
pub unsafe extern "C" fn getrandom(buf: *mut c_void, len: usize, flags: c_uint) -> isize {
    let r = real!("getrandom": unsafe extern "C" fn(*mut c_void, usize, c_uint) -> isize)(
        buf, len, flags,
    );
    let r = sync_value(id("getrandom"), r);
    if r > 0 {
        // SAFETY: the kernel filled `r` bytes of the caller's buffer.
        sync_bytes(id("getrandom bytes"), unsafe {
            std::slice::from_raw_parts_mut(buf as *mut u8, r as usize)
        });
    }
    r
}

/// # Safety
/// As libc's getentropy.
#[no_mangle]
pub unsafe extern "C" fn getentropy(buf: *mut c_void, len: usize) -> c_int {
    let r = real!("getentropy": unsafe extern "C" fn(*mut c_void, usize) -> c_int)(buf, len);
    let r = sync_value(id("getentropy"), r);
    if r == 0 {
        // SAFETY: `len` bytes of the caller's buffer.
        sync_bytes(id("getentropy bytes"), unsafe {
            std::slice::from_raw_parts_mut(buf as *mut u8, len)
        });
    }
    r
}

// --- Time and identity ----------------------------------------------------------------------
//
// Clock reads are not synced here: they reach the monitor (mvx hides the vDSO), whose lock-step
// or, in threaded processes, clock channel gives every variant the leader's values already, or
// the fast path does. Synced again record by record, a follower's extra read (a timed wait that
// expired once more than in the leader: CPython's GIL) waited forever for a record that never
// came.

/// # Safety
/// `t` is NULL or valid, as for libc's time.
#[no_mangle]
pub unsafe extern "C" fn time(t: *mut libc::time_t) -> libc::time_t {
    if let Some(now) = fast::time(t) {
        return now;
    }
    // `t` goes to the kernel as the program gave it: whether it is NULL is compared, as on
    // the fast path.
    real!("time": unsafe extern "C" fn(*mut libc::time_t) -> libc::time_t)(t)
}

/// # Safety
/// As libc's gettimeofday.
#[no_mangle]
pub unsafe extern "C" fn gettimeofday(tv: *mut libc::timeval, tz: *mut c_void) -> c_int {
    if let Some(r) = fast::gettimeofday(tv, tz) {
        return r;
    }
    real!("gettimeofday": unsafe extern "C" fn(*mut libc::timeval, *mut c_void) -> c_int)(tv, tz)
}

/// # Safety
/// As libc's clock_gettime.
#[no_mangle]
pub unsafe extern "C" fn clock_gettime(clock: libc::clockid_t, ts: *mut libc::timespec) -> c_int {
    if let Some(r) = fast::clock_gettime(clock, ts) {
        return r;
    }
    real!("clock_gettime": unsafe extern "C" fn(libc::clockid_t, *mut libc::timespec) -> c_int)(
        clock, ts,
    )
}

#[no_mangle]
pub extern "C" fn getpid() -> libc::pid_t {
    if let Some(pid) = fast::id_call(libc::SYS_getpid) {
        return pid;
    }
    sync_value(
        id("getpid"),
        real!("getpid": extern "C" fn() -> libc::pid_t)(),
    )
}

// --- Lock order ---------------------------------------------------------------------------

type LockFn = mvx_sync_runtime::pthread::LockFn;

fn lock_fn() -> LockFn {
    real!("pthread_mutex_lock": LockFn)
}

fn unlock_fn() -> LockFn {
    real!("pthread_mutex_unlock": LockFn)
}

/// # Safety
/// As libc's pthread_mutex_lock.
#[no_mangle]
pub unsafe extern "C" fn pthread_mutex_lock(m: *mut libc::pthread_mutex_t) -> c_int {
    if !sync_on() {
        return unsafe { lock_fn()(m) };
    }
    unsafe { mvx_sync_runtime::pthread::mutex_lock(lock_fn(), m) }
}

/// # Safety
/// As libc's pthread_mutex_trylock.
#[no_mangle]
pub unsafe extern "C" fn pthread_mutex_trylock(m: *mut libc::pthread_mutex_t) -> c_int {
    let try_lock = real!("pthread_mutex_trylock": LockFn);
    if !sync_on() {
        return unsafe { try_lock(m) };
    }
    unsafe { mvx_sync_runtime::pthread::mutex_trylock(try_lock, lock_fn(), m) }
}

/// # Safety
/// As libc's pthread_cond_wait.
#[no_mangle]
pub unsafe extern "C" fn pthread_cond_wait(
    c: *mut libc::pthread_cond_t,
    m: *mut libc::pthread_mutex_t,
) -> c_int {
    let wait = real!("pthread_cond_wait" @ "GLIBC_2.3.2": mvx_sync_runtime::pthread::WaitFn);
    if !sync_on() {
        return unsafe { wait(c, m) };
    }
    unsafe { mvx_sync_runtime::pthread::cond_wait(wait, lock_fn(), unlock_fn(), c, m) }
}

/// # Safety
/// As libc's pthread_cond_timedwait.
#[no_mangle]
pub unsafe extern "C" fn pthread_cond_timedwait(
    c: *mut libc::pthread_cond_t,
    m: *mut libc::pthread_mutex_t,
    abstime: *const libc::timespec,
) -> c_int {
    let wait =
        real!("pthread_cond_timedwait" @ "GLIBC_2.3.2": mvx_sync_runtime::pthread::TimedWaitFn);
    if !sync_on() {
        return unsafe { wait(c, m, abstime) };
    }
    unsafe {
        mvx_sync_runtime::pthread::cond_timedwait(wait, lock_fn(), unlock_fn(), c, m, abstime)
    }
}
