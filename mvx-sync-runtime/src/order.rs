//! Lock-acquisition order: the leader records which thread (by lock-step group, the same in
//! every variant) took each lock of the process, in order; a follower thread takes a lock only
//! when it is its turn in that record. Critical sections then run in the same order in every
//! variant, so what threads do under locks (and the syscalls that follow) agrees.

use crate::protocol::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// The lock-order record of one process (a slot of the shared buffer).
pub struct Order {
    base: *const u8,
}

// SAFETY: shared memory accessed only through atomics.
unsafe impl Send for Order {}
unsafe impl Sync for Order {}

const CAPACITY: u64 = (RING_SIZE / 8) as u64;

/// Outcome flag of a recorded acquisition (trylock and timed waits can fail).
pub const ACQUIRED: u64 = 1;

impl Order {
    /// # Safety
    /// `base` must point to `SLOT_SIZE` mapped, shared, writable bytes that outlive the value.
    pub unsafe fn new(base: *const u8) -> Order {
        Order { base }
    }

    fn atomic(&self, offset: usize) -> &AtomicU64 {
        // SAFETY: offsets within the slot, 8-aligned.
        unsafe { &*(self.base.add(offset) as *const AtomicU64) }
    }

    fn next(&self) -> &AtomicU64 {
        self.atomic(WRITE_POS)
    }

    fn consumed(&self, variant: usize) -> &AtomicU64 {
        self.atomic(READ_POS + 64 * variant)
    }

    fn entry(&self, seq: u64) -> &AtomicU64 {
        self.atomic(RING_START + 8 * (seq % CAPACITY) as usize)
    }

    /// Leader: records that `group` just acquired (or, `flags` without ACQUIRED, failed to).
    pub fn record(&self, variants: usize, group: usize, flags: u64) {
        let seq = self.next().fetch_add(1, Ordering::AcqRel);
        crate::wait_until(|| {
            (1..variants).all(|f| seq - self.consumed(f).load(Ordering::Acquire) < CAPACITY)
        });
        // Entry: lap-tagged sequence number, flags, group.
        let value = ((seq + 1) << 16) | (flags << 8) | group as u64;
        self.entry(seq).store(value, Ordering::Release);
    }

    /// Follower `variant`: waits until the next acquisition in the record is `group`'s, runs
    /// `acquire` (which takes the real lock as the leader's outcome says), then passes the turn.
    /// Returns the leader's flags.
    pub fn in_turn<R>(&self, variant: usize, group: usize, acquire: impl FnOnce(u64) -> R) -> R {
        let mut flags = 0;
        crate::wait_until(|| {
            let c = self.consumed(variant).load(Ordering::Acquire);
            let e = self.entry(c).load(Ordering::Acquire);
            let mine = e >> 16 == c + 1 && (e & 0xff) as usize == group;
            if mine {
                flags = (e >> 8) & 0xff;
            }
            mine
        });
        let r = acquire(flags);
        self.consumed(variant).fetch_add(1, Ordering::AcqRel);
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn followers_acquire_in_the_leaders_order() {
        let mut slot = vec![0u64; SLOT_SIZE / 8];
        let base = slot.as_mut_ptr() as usize;
        // SAFETY: the buffer outlives the threads below (joined).
        let order = unsafe { Order::new(base as *const u8) };
        for group in [3usize, 1, 2, 1] {
            order.record(2, group, ACQUIRED);
        }
        let seen = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for group in [1usize, 2, 3] {
                let seen = &seen;
                s.spawn(move || {
                    // SAFETY: as above.
                    let order = unsafe { Order::new(base as *const u8) };
                    let turns = if group == 1 { 2 } else { 1 };
                    for _ in 0..turns {
                        order.in_turn(1, group, |_| seen.lock().unwrap().push(group));
                    }
                });
            }
        });
        assert_eq!(*seen.lock().unwrap(), vec![3, 1, 2, 1]);
        drop(slot);
    }
}
