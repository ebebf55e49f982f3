//! mvx-sync-runtime: the in-variant half of mvx (I-MVX). Around a nondeterministic region
//! (random bytes, a time, a pid), `sync_op_before(id)` and `sync_op_after(id, buf, len)` let the
//! leader publish the bytes the region produced into a buffer shared with the followers; each
//! follower waits for the matching record, checks that the ids agree (a mismatch is reported to
//! the monitor as a divergence) and overwrites its own bytes with the leader's.
//!
//! The runtime learns its role from the monitor by a handshake syscall; without mvx (the
//! syscall fails), or with a single variant, every operation is a pass-through.
//!
//! Records are kept per lock-step group (per thread), so threads do not need to agree on the
//! order of their regions, only each thread with its twins.

mod clock_reads;
pub mod epoll;
pub mod fastpath;
pub mod fd_calls;
mod fd_classes;
mod msghdr;
mod mutex;
mod order;
pub mod protocol;
pub mod pthread;
mod ring;

pub use mutex::{Mutex, MutexGuard};
pub use order::ACQUIRED;
use protocol::*;
use ring::Ring;
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// What this variant is.
enum Role {
    /// No monitor, a single variant, or no sync buffer: operations do nothing.
    PassThrough,
    Leader {
        map: memmap2::MmapMut,
        variants: usize,
        /// The fast-path level (`FAST_*`).
        fast: u64,
    },
    Follower {
        map: memmap2::MmapMut,
        index: usize,
        fast: u64,
    },
}

pub(crate) fn handshake(op: u64, a: u64, b: u64) -> i64 {
    // SAFETY: a syscall number no kernel has; the kernel answers ENOSYS, mvx answers the op.
    unsafe { libc::syscall(HANDSHAKE_NR, op, a, b) }
}

static ROLE: OnceLock<Role> = OnceLock::new();

/// The role, if it is settled already: never blocks, so code that the settling itself may
/// reach (an interposed write while reporting a problem) cannot deadlock on it.
fn settled_role() -> Option<&'static Role> {
    ROLE.get()
}

fn role() -> &'static Role {
    ROLE.get_or_init(|| {
        let index = handshake(OP_INDEX, 0, 0);
        let variants = handshake(OP_VARIANTS, 0, 0);
        if index < 0 || variants < 2 {
            return Role::PassThrough;
        }
        // SAFETY: registering a plain function; runs in the child after fork.
        unsafe { libc::pthread_atfork(None, None, Some(forget_ids_in_child)) };
        let Some(map) = map_buffer() else {
            // A raw write: libc's write may be interposed by the fast path, which needs the
            // role being settled here.
            let msg =
                format!("mvx sync: cannot map the sync buffer (${SHM_ENV}); passing through\n");
            // SAFETY: writing a buffer we own to stderr.
            unsafe { libc::syscall(libc::SYS_write, 2, msg.as_ptr(), msg.len()) };
            return Role::PassThrough;
        };
        let fast = handshake(OP_FAST_LEVEL, 0, 0).max(0) as u64;
        report_panics_to_the_monitor();
        if index == 0 {
            Role::Leader {
                map,
                variants: variants as usize,
                fast,
            }
        } else {
            Role::Follower {
                map,
                index: index as usize,
                fast,
            }
        }
    })
}

/// A panic of the runtime is mvx's failure, not the program's: the monitor is told, so that
/// the abort that follows is not reported as the variant diverging.
fn report_panics_to_the_monitor() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let msg = info.to_string();
        handshake(OP_RUNTIME_PANIC, msg.as_ptr() as u64, msg.len() as u64);
        previous(info);
    }));
}

/// The role is settled when the library is loaded, in the main thread: settling it later, in
/// whichever thread first syncs, would make different threads of different variants issue the
/// mapping's syscalls, which mvx's lock-step cannot pair.
#[used]
#[link_section = ".init_array"]
static SETTLE_ROLE_AT_LOAD: extern "C" fn() = {
    extern "C" fn settle() {
        let _ = role();
    }
    settle
};

fn map_buffer() -> Option<memmap2::MmapMut> {
    let path = std::env::var_os(SHM_ENV)?;
    // open, statx, mmap, close: the runtime's own, kept out of the program's lock-step.
    handshake(OP_SETUP, 4, 0);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(path)
        .ok()?;
    // SAFETY: the file is the monitor's sync buffer, only ever accessed through `Ring`.
    let map = unsafe { memmap2::MmapMut::map_mut(&file) }.ok()?;
    (map.len() >= SHM_SIZE).then_some(map)
}

/// What the runtime keeps per thread, in one thread-local: in the preload library each
/// thread-local lookup is a `__tls_get_addr` call, so a fast call makes one, not one per item.
pub(crate) struct ThreadState {
    /// This thread's lock-step group, asked once (and again in a forked child).
    group: Cell<Option<usize>>,
    /// Set while a fast call or a signal handler runs on this thread (`fastpath`).
    pub(crate) busy: Cell<u32>,
}

thread_local! {
    /// Nesting depth of open regions: only the outermost one syncs.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    pub(crate) static THREAD: ThreadState = const {
        ThreadState {
            group: Cell::new(None),
            busy: Cell::new(0),
        }
    };
}

/// This process's lock-order slot (+1; 0: not asked yet). Reset in a forked child.
static PROCESS: AtomicUsize = AtomicUsize::new(0);

extern "C" fn forget_ids_in_child() {
    THREAD.with(|t| t.group.set(None));
    PROCESS.store(0, Ordering::Relaxed);
}

/// This thread's lock-step group, `None` beyond the buffer's slots.
pub(crate) fn try_group() -> Option<usize> {
    THREAD.with(ThreadState::try_group)
}

impl ThreadState {
    /// This thread's lock-step group, `None` beyond the buffer's slots.
    pub(crate) fn try_group(&self) -> Option<usize> {
        let group = match self.group.get() {
            Some(group) => group,
            None => {
                let group = handshake(OP_GROUP, 0, 0).max(0) as usize;
                self.group.set(Some(group));
                group
            }
        };
        (group < MAX_GROUPS).then_some(group)
    }
}

/// This process's slot, `None` beyond the buffer's slots.
pub(crate) fn try_process() -> Option<usize> {
    let p = match PROCESS.load(Ordering::Relaxed) {
        0 => {
            let p = handshake(OP_PROCESS, 0, 0).max(0) as usize;
            PROCESS.store(p + 1, Ordering::Relaxed);
            p
        }
        p => p - 1,
    };
    (p < MAX_GROUPS).then_some(p)
}

/// How many variants run (1 without mvx).
pub(crate) fn variants() -> usize {
    match role() {
        Role::Leader { variants, .. } => *variants,
        _ => 1,
    }
}

fn this_group() -> usize {
    let group = try_group().unwrap_or(MAX_GROUPS);
    assert!(
        group < MAX_GROUPS,
        "mvx sync: more than {MAX_GROUPS} threads use the runtime"
    );
    group
}

fn this_process() -> usize {
    let p = try_process().unwrap_or(MAX_GROUPS);
    assert!(
        p < MAX_GROUPS,
        "mvx sync: too many processes use the runtime"
    );
    p
}

fn ring_of_this_thread(map: &memmap2::MmapMut) -> Ring {
    // SAFETY: the slot lies within the mapping, which lives as long as the process.
    unsafe { Ring::new(map.as_ptr().add(data_slot(this_group())) as *mut u8) }
}

fn order_of_this_process(map: &memmap2::MmapMut) -> order::Order {
    // SAFETY: as above.
    unsafe { order::Order::new(map.as_ptr().add(order_slot(this_process()))) }
}

/// Runs a lock acquisition in the leader's order. Without mvx (or as the leader) `leader` runs
/// and returns its result and flags (`ACQUIRED` and the caller's own bits), which the leader
/// records; a follower waits for its turn in that record and runs `follower` with the flags.
pub fn ordered<R>(leader: impl FnOnce() -> (R, u64), follower: impl FnOnce(u64) -> R) -> R {
    match role() {
        Role::PassThrough => leader().0,
        Role::Leader { map, variants, .. } => {
            let (r, flags) = leader();
            order_of_this_process(map).record(*variants, this_group(), flags);
            r
        }
        Role::Follower { map, index, .. } => {
            order_of_this_process(map).in_turn(*index, this_group(), follower)
        }
    }
}

/// Spins briefly, then yields (sched_yield runs outside mvx's lock-step) until `ready`.
pub(crate) fn wait_until(mut ready: impl FnMut() -> bool) {
    for _ in 0..2000 {
        if ready() {
            return;
        }
        std::hint::spin_loop();
    }
    while !ready() {
        // SAFETY: sched_yield has no preconditions.
        unsafe { libc::sched_yield() };
    }
}

/// Whether this process runs under mvx as one of several variants.
pub fn active() -> bool {
    !matches!(role(), Role::PassThrough)
}

/// Whether this thread's sync ops reach the other variants: under mvx as one of several
/// variants, and the thread has a record slot (the buffer holds `MAX_GROUPS`; the threads and
/// processes of a run beyond them have none, and their callers need another way to agree).
pub fn replicating() -> bool {
    active() && try_group().is_some()
}

/// This variant's index (0: the leader), or `None` without mvx.
pub fn variant_index() -> Option<usize> {
    match role() {
        Role::PassThrough => None,
        Role::Leader { .. } => Some(0),
        Role::Follower { index, .. } => Some(*index),
    }
}

/// Opens a region whose result `sync_op_after` will synchronise.
pub fn sync_op_before(_id: u64) {
    DEPTH.with(|d| d.set(d.get() + 1));
}

/// Closes a region: the leader publishes `len` bytes at `buf`, followers replace theirs.
///
/// # Safety
/// `buf` must be valid for reads and writes of `len` bytes.
pub unsafe fn sync_op_after(id: u64, buf: *mut u8, len: usize) {
    let depth = DEPTH.with(|d| {
        let v = d.get().saturating_sub(1);
        d.set(v);
        v
    });
    if depth > 0 || (buf.is_null() && len > 0) {
        return;
    }
    // SAFETY: the caller guarantees `len` valid bytes at `buf`.
    let bytes = unsafe { std::slice::from_raw_parts_mut(buf, len) };
    sync_slice(id, bytes);
}

fn sync_slice(id: u64, bytes: &mut [u8]) {
    match role() {
        Role::PassThrough => {}
        Role::Leader { map, variants, .. } => {
            ring_of_this_thread(map).publish(*variants, id, bytes)
        }
        Role::Follower { map, index, .. } => {
            let ring = ring_of_this_thread(map);
            if ring.signal_owed_here(*index) {
                // The leader took a signal before this record: so does this variant. (The
                // leader takes its own at its next fast-path call: a sync op has no entry.)
                handshake(OP_SIGNAL_POINT, ring.position(*index), 0);
            }
            let (leader_id, data) = ring.consume(*index);
            if leader_id != id || data.len() != bytes.len() {
                handshake(OP_MISMATCH, leader_id, id);
                // The monitor ends the run; never go on with unsynchronised bytes.
                std::process::abort();
            }
            bytes.copy_from_slice(&data);
        }
    }
}

/// Synchronises `buf` as produced by the region `id` (before and after in one call).
pub fn sync_bytes(id: u64, buf: &mut [u8]) {
    sync_op_before(id);
    // SAFETY: a valid slice.
    unsafe { sync_op_after(id, buf.as_mut_ptr(), buf.len()) };
}

/// Returns the leader's `value` in every variant.
pub fn sync_value<T: Copy>(id: u64, value: T) -> T {
    let mut v = value;
    sync_op_before(id);
    // SAFETY: `v` is a plain `Copy` value of `size_of::<T>()` bytes; the leader's bytes come
    // from a `T` of the same type at the same site.
    unsafe { sync_op_after(id, &mut v as *mut T as *mut u8, std::mem::size_of::<T>()) };
    v
}

/// A stable id for a sync site (FNV-1a of its file, line and column): the same in every
/// variant whatever the optimisation level.
pub const fn site_id(file: &str, line: u32, column: u32) -> u64 {
    let bytes = file.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
        i += 1;
    }
    h ^= ((line as u64) << 32) | column as u64;
    h.wrapping_mul(0x100_0000_01b3)
}

/// C ABI: the names of the I-MVX paper.
pub mod c_abi {
    /// # Safety
    /// Always safe; `unsafe` only for the C ABI.
    #[no_mangle]
    pub extern "C" fn sync_op_before(id: u64) {
        super::sync_op_before(id)
    }

    /// # Safety
    /// `buf` must be valid for reads and writes of `len` bytes.
    #[no_mangle]
    pub unsafe extern "C" fn sync_op_after(id: u64, buf: *mut u8, len: usize) {
        unsafe { super::sync_op_after(id, buf, len) }
    }

    #[no_mangle]
    pub extern "C" fn mvx_sync_op_before(id: u64) {
        super::sync_op_before(id)
    }

    /// # Safety
    /// `buf` must be valid for reads and writes of `len` bytes.
    #[no_mangle]
    pub unsafe extern "C" fn mvx_sync_op_after(id: u64, buf: *mut u8, len: usize) {
        unsafe { super::sync_op_after(id, buf, len) }
    }

    /// The leader's `value` in every variant.
    #[no_mangle]
    pub extern "C" fn mvx_sync_u64(id: u64, value: u64) -> u64 {
        super::sync_value(id, value)
    }

    /// This variant's index (0: the leader), or -1 without mvx.
    #[no_mangle]
    pub extern "C" fn mvx_variant_index() -> i32 {
        super::variant_index().map_or(-1, |i| i as i32)
    }

    use libc::{c_int, pthread_cond_t, pthread_mutex_t, timespec};

    /// pthread_mutex_lock in the leader's order (what the LLVM pass calls instead).
    ///
    /// # Safety
    /// As pthread_mutex_lock.
    #[no_mangle]
    pub unsafe extern "C" fn mvx_pthread_mutex_lock(m: *mut pthread_mutex_t) -> c_int {
        unsafe { super::pthread::mutex_lock(libc::pthread_mutex_lock, m) }
    }

    /// # Safety
    /// As pthread_mutex_trylock.
    #[no_mangle]
    pub unsafe extern "C" fn mvx_pthread_mutex_trylock(m: *mut pthread_mutex_t) -> c_int {
        unsafe {
            super::pthread::mutex_trylock(libc::pthread_mutex_trylock, libc::pthread_mutex_lock, m)
        }
    }

    /// # Safety
    /// As pthread_cond_wait.
    #[no_mangle]
    pub unsafe extern "C" fn mvx_pthread_cond_wait(
        c: *mut pthread_cond_t,
        m: *mut pthread_mutex_t,
    ) -> c_int {
        unsafe {
            super::pthread::cond_wait(
                libc::pthread_cond_wait,
                libc::pthread_mutex_lock,
                libc::pthread_mutex_unlock,
                c,
                m,
            )
        }
    }

    /// # Safety
    /// As pthread_cond_timedwait.
    #[no_mangle]
    pub unsafe extern "C" fn mvx_pthread_cond_timedwait(
        c: *mut pthread_cond_t,
        m: *mut pthread_mutex_t,
        abstime: *const timespec,
    ) -> c_int {
        unsafe {
            super::pthread::cond_timedwait(
                libc::pthread_cond_timedwait,
                libc::pthread_mutex_lock,
                libc::pthread_mutex_unlock,
                c,
                m,
                abstime,
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_mvx_everything_passes_through() {
        assert!(!active());
        assert_eq!(variant_index(), None);
        let mut buf = *b"unchanged";
        sync_bytes(1, &mut buf);
        assert_eq!(&buf, b"unchanged");
        assert_eq!(sync_value(2, 42u32), 42);
    }

    #[test]
    fn site_ids_are_stable_and_distinct() {
        const A: u64 = site_id("src/main.rs", 10, 5);
        assert_eq!(A, site_id("src/main.rs", 10, 5));
        assert_ne!(A, site_id("src/main.rs", 11, 5));
        assert_ne!(A, site_id("src/lib.rs", 10, 5));
    }

    #[test]
    fn nesting_syncs_once() {
        sync_op_before(1);
        sync_op_before(2);
        let mut x = 5u8;
        unsafe { sync_op_after(2, &mut x, 1) };
        DEPTH.with(|d| assert_eq!(d.get(), 1));
        unsafe { sync_op_after(1, &mut x, 1) };
        DEPTH.with(|d| assert_eq!(d.get(), 0));
    }
}
