//! pthread mutexes and condition variables in the leader's lock order. The libc functions are
//! passed in: the preload library hands over the next definitions (it interposes the names),
//! the C ABI (`mvx_pthread_*`, what the LLVM pass calls) hands over libc's.

use crate::{ordered, variant_index, ACQUIRED};
use libc::{c_int, pthread_cond_t, pthread_mutex_t, timespec};

/// A timed wait that timed out, recorded with the acquisition.
const TIMED_OUT: u64 = 2;

pub type LockFn = unsafe extern "C" fn(*mut pthread_mutex_t) -> c_int;
pub type WaitFn = unsafe extern "C" fn(*mut pthread_cond_t, *mut pthread_mutex_t) -> c_int;
pub type TimedWaitFn =
    unsafe extern "C" fn(*mut pthread_cond_t, *mut pthread_mutex_t, *const timespec) -> c_int;

/// pthread_mutex_lock in the leader's order.
///
/// # Safety
/// As pthread_mutex_lock; `lock` must be a pthread_mutex_lock.
pub unsafe fn mutex_lock(lock: LockFn, m: *mut pthread_mutex_t) -> c_int {
    ordered(|| (unsafe { lock(m) }, ACQUIRED), |_| unsafe { lock(m) })
}

/// pthread_mutex_trylock in the leader's order: followers get the leader's outcome.
///
/// # Safety
/// As pthread_mutex_trylock; `try_lock`/`lock` must be the pthread functions.
pub unsafe fn mutex_trylock(try_lock: LockFn, lock: LockFn, m: *mut pthread_mutex_t) -> c_int {
    ordered(
        || {
            let r = unsafe { try_lock(m) };
            (r, if r == 0 { ACQUIRED } else { 0 })
        },
        |flags| {
            if flags & ACQUIRED != 0 {
                unsafe { lock(m) }
            } else {
                libc::EBUSY
            }
        },
    )
}

/// A follower does not wait on the condition variable: the leader's record says when its wait
/// ended (re-acquiring the mutex), and the follower re-acquires in that turn.
unsafe fn follower_wait(lock: LockFn, m: *mut pthread_mutex_t, flags: u64) -> c_int {
    unsafe { lock(m) };
    if flags & TIMED_OUT != 0 {
        libc::ETIMEDOUT
    } else {
        0
    }
}

fn is_follower() -> bool {
    variant_index().unwrap_or(0) > 0
}

/// pthread_cond_wait, re-acquiring in the leader's order.
///
/// # Safety
/// As pthread_cond_wait, with the matching pthread functions.
pub unsafe fn cond_wait(
    wait: WaitFn,
    lock: LockFn,
    unlock: LockFn,
    c: *mut pthread_cond_t,
    m: *mut pthread_mutex_t,
) -> c_int {
    if is_follower() {
        unsafe { unlock(m) };
    }
    ordered(
        || (unsafe { wait(c, m) }, ACQUIRED),
        |flags| unsafe { follower_wait(lock, m, flags) },
    )
}

/// pthread_cond_timedwait, re-acquiring in the leader's order; followers time out when it did.
///
/// # Safety
/// As pthread_cond_timedwait, with the matching pthread functions.
pub unsafe fn cond_timedwait(
    wait: TimedWaitFn,
    lock: LockFn,
    unlock: LockFn,
    c: *mut pthread_cond_t,
    m: *mut pthread_mutex_t,
    abstime: *const timespec,
) -> c_int {
    if is_follower() {
        unsafe { unlock(m) };
    }
    ordered(
        || {
            let r = unsafe { wait(c, m, abstime) };
            (
                r,
                ACQUIRED | if r == libc::ETIMEDOUT { TIMED_OUT } else { 0 },
            )
        },
        |flags| unsafe { follower_wait(lock, m, flags) },
    )
}
