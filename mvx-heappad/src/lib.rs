//! libmvx_heappad.so, preloaded by `mvx run --heap-padding` only (a library of its own: any
//! program that merely loads mvx's preload keeps its allocator untouched).
//!
//! Heap padding: each follower adds its own number of bytes to
//! every small allocation, so that consecutive heap objects lie at other distances in each
//! variant. An overflow from one object into the next (a flag, a length, a pointer) then
//! corrupts different bytes in each variant, and they diverge, where identical heaps would
//! agree on the forged value.
//!
//! Only allocations below `SMALL` are padded: larger ones are mmap'd one by one by glibc
//! (no neighbours to reach), and padding them would change the mmap lengths the monitor
//! compares. The padding sits after the caller's bytes; the pointer is the allocator's own, so
//! `free`, `malloc_usable_size` and friends are untouched.
//!
//! Calls go on to the *next* definition (`dlsym(RTLD_NEXT)`): glibc's, or the allocator the
//! program brings (redis-server links jemalloc, whose `free` must get jemalloc's pointers).
//! While that lookup runs, allocations it makes come from a small static arena (`Bootstrap`),
//! and `free` ignores them.
//!
//! # Safety
//! The exported functions are the C allocator API and have its contracts.

#![allow(clippy::missing_safety_doc)] // the C allocator API: its contracts are libc's

use std::sync::atomic::{AtomicUsize, Ordering};

/// Allocations below this are padded (glibc's mmap threshold starts at 128 KiB).
const SMALL: usize = 64 << 10;

/// Not asked yet.
const UNKNOWN: usize = usize::MAX;

static PAD: AtomicUsize = AtomicUsize::new(UNKNOWN);

type Malloc = unsafe extern "C" fn(usize) -> *mut libc::c_void;
type Calloc = unsafe extern "C" fn(usize, usize) -> *mut libc::c_void;
type Realloc = unsafe extern "C" fn(*mut libc::c_void, usize) -> *mut libc::c_void;
type Free = unsafe extern "C" fn(*mut libc::c_void);

/// The next definitions, resolved once (0: not yet).
static NEXT_MALLOC: AtomicUsize = AtomicUsize::new(0);
static NEXT_CALLOC: AtomicUsize = AtomicUsize::new(0);
static NEXT_REALLOC: AtomicUsize = AtomicUsize::new(0);
static NEXT_FREE: AtomicUsize = AtomicUsize::new(0);
static RESOLVING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// Whether the next allocator is glibc's: only then is anything padded. An allocator a
/// program brings (jemalloc) makes calls that depend on how much it hands out (its decay
/// clock reads), so padded variants diverged on redis-server; unpadded they agree.
static NEXT_IS_GLIBC: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Memory for what the symbol lookup itself allocates (never freed).
const BOOTSTRAP: usize = 64 << 10;
#[repr(align(16))]
struct Bootstrap(std::cell::UnsafeCell<[u8; BOOTSTRAP]>);
// SAFETY: handed out in disjoint pieces by an atomic bump pointer.
unsafe impl Sync for Bootstrap {}
static ARENA: Bootstrap = Bootstrap(std::cell::UnsafeCell::new([0; BOOTSTRAP]));
static ARENA_USED: AtomicUsize = AtomicUsize::new(0);

fn from_arena(n: usize) -> *mut libc::c_void {
    let n = (n + 15) & !15;
    let at = ARENA_USED.fetch_add(n, Ordering::Relaxed);
    if at + n > BOOTSTRAP {
        return std::ptr::null_mut();
    }
    // SAFETY: [at, at + n) is this caller's alone; the arena is zeroed (calloc's need).
    unsafe { (ARENA.0.get() as *mut u8).add(at) as *mut libc::c_void }
}

fn in_arena(p: *mut libc::c_void) -> bool {
    let start = ARENA.0.get() as usize;
    (start..start + BOOTSTRAP).contains(&(p as usize))
}

/// Resolves the next definitions (once).
fn resolve() {
    if NEXT_FREE.load(Ordering::Acquire) != 0 {
        return;
    }
    RESOLVING.store(true, Ordering::SeqCst);
    for (name, slot) in [
        (&b"malloc\0"[..], &NEXT_MALLOC),
        (b"calloc\0", &NEXT_CALLOC),
        (b"realloc\0", &NEXT_REALLOC),
        (b"free\0", &NEXT_FREE),
    ] {
        // SAFETY: a NUL-terminated name; RTLD_NEXT finds the definition after this library.
        let f = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr() as *const libc::c_char) };
        slot.store(f as usize, Ordering::Release);
    }
    // SAFETY: libc.so.6 is loaded already (RTLD_NOLOAD opens nothing); names NUL-terminated.
    let glibc_malloc = unsafe {
        let libc_so = libc::dlopen(c"libc.so.6".as_ptr(), libc::RTLD_NOW | libc::RTLD_NOLOAD);
        if libc_so.is_null() {
            0
        } else {
            libc::dlsym(libc_so, c"malloc".as_ptr()) as usize
        }
    };
    NEXT_IS_GLIBC.store(
        glibc_malloc != 0 && glibc_malloc == NEXT_MALLOC.load(Ordering::Acquire),
        Ordering::Release,
    );
    RESOLVING.store(false, Ordering::SeqCst);
}

/// The next definition of one function, or `None` while the lookup runs.
fn next(slot: &AtomicUsize) -> Option<usize> {
    if RESOLVING.load(Ordering::SeqCst) {
        return None;
    }
    resolve();
    Some(slot.load(Ordering::Acquire)).filter(|&f| f != 0)
}

/// This variant's padding: asked of the monitor at the first allocation when mvx turned it
/// on (the environment says so without a call); 0 without mvx.
fn pad() -> usize {
    let known = PAD.load(Ordering::Relaxed);
    if known != UNKNOWN {
        return known;
    }
    let name = std::ffi::CStr::from_bytes_until_nul(b"MVX_HEAP_PAD\0").expect("terminated");
    debug_assert_eq!(
        name.to_bytes(),
        mvx_sync_runtime::protocol::HEAP_PAD_ENV.as_bytes()
    );
    // SAFETY: getenv reads the environment without allocating.
    let on = unsafe { !libc::getenv(name.as_ptr()).is_null() };
    let pad = if on {
        // SAFETY: mvx's handshake call; without mvx the kernel answers ENOSYS.
        let got = unsafe {
            libc::syscall(
                mvx_sync_runtime::protocol::HANDSHAKE_NR,
                mvx_sync_runtime::protocol::OP_HEAP_PAD,
                0,
                0,
            )
        };
        usize::try_from(got).unwrap_or(0).min(4096)
    } else {
        0
    };
    PAD.store(pad, Ordering::Relaxed);
    pad
}

fn padded(n: usize) -> usize {
    if n < SMALL && NEXT_IS_GLIBC.load(Ordering::Relaxed) {
        n + pad()
    } else {
        n
    }
}

#[no_mangle]
pub unsafe extern "C" fn malloc(n: usize) -> *mut libc::c_void {
    let Some(f) = next(&NEXT_MALLOC) else {
        return from_arena(n);
    };
    // SAFETY: the next allocator's malloc, asked for at least `n` bytes.
    unsafe { std::mem::transmute::<usize, Malloc>(f)(padded(n)) }
}

#[no_mangle]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut libc::c_void {
    let Some(f) = next(&NEXT_CALLOC) else {
        return count
            .checked_mul(size)
            .map_or(std::ptr::null_mut(), from_arena);
    };
    // SAFETY: as above.
    let calloc = unsafe { std::mem::transmute::<usize, Calloc>(f) };
    match count.checked_mul(size) {
        // SAFETY: as above; calloc zeroes the padding too.
        Some(n) if n < SMALL => unsafe { calloc(1, padded(n)) },
        // SAFETY: as above (the allocator reports the overflow).
        _ => unsafe { calloc(count, size) },
    }
}

#[no_mangle]
pub unsafe extern "C" fn realloc(p: *mut libc::c_void, n: usize) -> *mut libc::c_void {
    if in_arena(p) {
        // From the lookup's arena: moved into real memory (its size is not kept: copy what
        // the new size asks, up to the arena's end).
        let left = ARENA.0.get() as usize + BOOTSTRAP - p as usize;
        // SAFETY: malloc as above; [p, p + min) lies in the arena, q holds `n` bytes.
        unsafe {
            let q = malloc(n);
            if !q.is_null() {
                std::ptr::copy_nonoverlapping(p as *const u8, q as *mut u8, n.min(left));
            }
            return q;
        }
    }
    let Some(f) = next(&NEXT_REALLOC) else {
        return from_arena(n);
    };
    // realloc(p, 0) frees p: not padded into an allocation.
    let n = if n == 0 { 0 } else { padded(n) };
    // SAFETY: the caller's pointer, from the next allocator.
    unsafe { std::mem::transmute::<usize, Realloc>(f)(p, n) }
}

#[no_mangle]
pub unsafe extern "C" fn free(p: *mut libc::c_void) {
    if p.is_null() || in_arena(p) {
        return;
    }
    if let Some(f) = next(&NEXT_FREE) {
        // SAFETY: the caller's pointer, from the next allocator.
        unsafe { std::mem::transmute::<usize, Free>(f)(p) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_allocations_are_padded() {
        PAD.store(32, Ordering::Relaxed);
        NEXT_IS_GLIBC.store(true, Ordering::Relaxed);
        assert_eq!(padded(24), 56);
        assert_eq!(padded(SMALL - 1), SMALL + 31);
        assert_eq!(padded(SMALL), SMALL);
        assert_eq!(padded(1 << 20), 1 << 20);
    }
}
