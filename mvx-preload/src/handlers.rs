//! Signal handlers run with the fast path off. mvx delivers a signal to every variant, but a
//! handler may start at different points of different variants (wherever each was stopped);
//! if its calls went through the thread's record ring they would interleave differently with
//! the interrupted code's records. So every handler installed through `sigaction`/`signal`
//! runs inside a trampoline that turns the fast path off for its duration: the handler's calls
//! stop in the monitor, which pairs them by their own lock-step.

use mvx_sync_runtime::fastpath;
use std::ffi::c_int;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

const NSIG: usize = 65;

/// The program's handler per signal, and whether it takes siginfo.
static HANDLERS: [AtomicUsize; NSIG] = [const { AtomicUsize::new(0) }; NSIG];
static SIGINFO: [AtomicBool; NSIG] = [const { AtomicBool::new(false) }; NSIG];

type Handler = extern "C" fn(c_int);
type InfoHandler = extern "C" fn(c_int, *mut libc::siginfo_t, *mut libc::c_void);

extern "C" fn trampoline(sig: c_int, info: *mut libc::siginfo_t, ctx: *mut libc::c_void) {
    let i = sig as usize;
    let h = HANDLERS[i].load(Ordering::Acquire);
    if h == 0 {
        return;
    }
    fastpath::in_signal_handler(|| {
        if SIGINFO[i].load(Ordering::Acquire) {
            // SAFETY: installed by the program as an SA_SIGINFO handler.
            let handler = unsafe { std::mem::transmute::<usize, InfoHandler>(h) };
            handler(sig, info, ctx)
        } else {
            // SAFETY: installed by the program as a plain handler.
            let handler = unsafe { std::mem::transmute::<usize, Handler>(h) };
            handler(sig)
        }
    })
}

fn wraps(sig: c_int, handler: usize) -> bool {
    (1..NSIG as c_int).contains(&sig)
        && handler != libc::SIG_DFL
        && handler != libc::SIG_IGN
        && fastpath::level() != mvx_sync_runtime::protocol::FAST_OFF
}

type SigactionFn =
    unsafe extern "C" fn(c_int, *const libc::sigaction, *mut libc::sigaction) -> c_int;

/// # Safety
/// As libc's sigaction.
#[no_mangle]
pub unsafe extern "C" fn sigaction(
    sig: c_int,
    act: *const libc::sigaction,
    old: *mut libc::sigaction,
) -> c_int {
    let real = crate::real!("sigaction": SigactionFn);
    let idx = sig.clamp(0, NSIG as c_int - 1) as usize;
    let previous = (
        HANDLERS[idx].load(Ordering::Acquire),
        SIGINFO[idx].load(Ordering::Acquire),
    );
    // SAFETY: the caller's action, if any.
    let wrapped = match unsafe { act.as_ref() } {
        Some(a) if wraps(sig, a.sa_sigaction) => {
            HANDLERS[idx].store(a.sa_sigaction, Ordering::Release);
            SIGINFO[idx].store(a.sa_flags & libc::SA_SIGINFO != 0, Ordering::Release);
            let mut mine = *a;
            mine.sa_sigaction = trampoline as *const () as usize;
            mine.sa_flags |= libc::SA_SIGINFO;
            Some(mine)
        }
        _ => None,
    };
    let r = match &wrapped {
        Some(mine) => unsafe { real(sig, mine, old) },
        None => unsafe { real(sig, act, old) },
    };
    // SAFETY: the caller's buffer, filled by libc.
    if let Some(o) = unsafe { old.as_mut() } {
        if r == 0 && o.sa_sigaction == trampoline as *const () as usize {
            o.sa_sigaction = previous.0;
            if !previous.1 {
                o.sa_flags &= !libc::SA_SIGINFO;
            }
        }
    }
    r
}

/// # Safety
/// As libc's signal (BSD semantics, as glibc: restart, the signal blocked in its handler).
#[no_mangle]
pub unsafe extern "C" fn signal(sig: c_int, handler: libc::sighandler_t) -> libc::sighandler_t {
    // SAFETY: zeroed sigaction is a valid value (empty mask, no flags).
    let mut act: libc::sigaction = unsafe { std::mem::zeroed() };
    act.sa_sigaction = handler;
    act.sa_flags = libc::SA_RESTART;
    let mut old: libc::sigaction = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to local values.
    if unsafe { sigaction(sig, &act, &mut old) } != 0 {
        return libc::SIG_ERR;
    }
    old.sa_sigaction
}
