//! Heap padding (`mvx run --heap-padding`): each follower adds its own number of bytes to
//! every small allocation, so that consecutive heap objects lie at other distances in each
//! variant. An overflow from one object into the next (a flag, a length, a pointer) then
//! corrupts different bytes in each variant, and they diverge, where identical heaps would
//! agree on the forged value.
//!
//! Only allocations below `SMALL` are padded: larger ones are mmap'd one by one by glibc
//! (no neighbours to reach), and padding them would change the mmap lengths the monitor
//! compares. The padding sits after the caller's bytes; the pointer is glibc's own, so
//! `free`, `malloc_usable_size` and friends are untouched.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Allocations below this are padded (glibc's mmap threshold starts at 128 KiB).
const SMALL: usize = 64 << 10;

/// Not asked yet.
const UNKNOWN: usize = usize::MAX;

static PAD: AtomicUsize = AtomicUsize::new(UNKNOWN);

extern "C" {
    fn __libc_malloc(n: usize) -> *mut libc::c_void;
    fn __libc_calloc(count: usize, size: usize) -> *mut libc::c_void;
    fn __libc_realloc(p: *mut libc::c_void, n: usize) -> *mut libc::c_void;
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
    if n < SMALL {
        n + pad()
    } else {
        n
    }
}

#[no_mangle]
pub unsafe extern "C" fn malloc(n: usize) -> *mut libc::c_void {
    // SAFETY: glibc's allocator, asked for at least `n` bytes.
    unsafe { __libc_malloc(padded(n)) }
}

#[no_mangle]
pub unsafe extern "C" fn calloc(count: usize, size: usize) -> *mut libc::c_void {
    match count.checked_mul(size) {
        // SAFETY: as above; calloc zeroes the padding too.
        Some(n) if n < SMALL => unsafe { __libc_calloc(1, padded(n)) },
        // SAFETY: as above (glibc reports the overflow).
        _ => unsafe { __libc_calloc(count, size) },
    }
}

#[no_mangle]
pub unsafe extern "C" fn realloc(p: *mut libc::c_void, n: usize) -> *mut libc::c_void {
    // realloc(p, 0) frees p: not padded into an allocation.
    let n = if n == 0 { 0 } else { padded(n) };
    // SAFETY: the caller's pointer, from this allocator.
    unsafe { __libc_realloc(p, n) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_small_allocations_are_padded() {
        PAD.store(32, Ordering::Relaxed);
        assert_eq!(padded(24), 56);
        assert_eq!(padded(SMALL - 1), SMALL + 31);
        assert_eq!(padded(SMALL), SMALL);
        assert_eq!(padded(1 << 20), 1 << 20);
    }
}
