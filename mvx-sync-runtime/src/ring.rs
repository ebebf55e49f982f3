//! One lock-step group's records in the shared sync buffer: written by the leader's thread,
//! read by each follower's thread at its own position. Bounded: the leader waits when the
//! slowest follower is a whole ring behind.

use crate::protocol::*;
use crate::wait_until;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// A view of one slot of the mapped buffer.
pub struct Ring {
    base: *mut u8,
}

// SAFETY: the slot is shared memory accessed through atomics (positions) and by one writer
// (the leader's thread of the group) publishing bytes before advancing its position.
unsafe impl Send for Ring {}

impl Ring {
    /// # Safety
    /// `base` must point to `SLOT_SIZE` mapped, shared, writable bytes that outlive the ring.
    pub unsafe fn new(base: *mut u8) -> Ring {
        Ring { base }
    }

    fn pos(&self, offset: usize) -> &AtomicU64 {
        // SAFETY: offsets are within the slot and 8-aligned (the mapping is page-aligned).
        unsafe { &*(self.base.add(offset) as *const AtomicU64) }
    }

    fn write_pos(&self) -> &AtomicU64 {
        self.pos(WRITE_POS)
    }

    /// How many followers sleep on the write position (the futex word is its low half).
    fn sleepers(&self) -> &AtomicU64 {
        self.pos(SLEEPERS)
    }

    /// The futex word followers sleep on: bumped by the leader (when someone sleeps) and by
    /// the monitor (when the leader ends).
    fn wake_seq(&self) -> &AtomicU32 {
        // SAFETY: within the slot, 4-aligned.
        unsafe { &*(self.base.add(WAKE_SEQ) as *const AtomicU32) }
    }

    /// Whether the group's leader thread has ended (no record will come after the last).
    pub fn leader_gone(&self) -> bool {
        self.pos(LEADER_GONE).load(Ordering::Acquire) != 0
    }

    /// Follower: waits until the leader's write position passes `at`. Spins first (a record
    /// usually follows within microseconds), then sleeps on a futex the leader wakes, so an
    /// idle follower of a server blocked in `read` costs no CPU. `None` if the leader thread
    /// ended without publishing it.
    fn wait_for(&self, at: u64) -> Option<u64> {
        let ready = |w: u64| w >= at;
        for _ in 0..4000 {
            let w = self.write_pos().load(Ordering::Acquire);
            if ready(w) {
                return Some(w);
            }
            std::hint::spin_loop();
        }
        loop {
            self.sleepers().fetch_add(1, Ordering::SeqCst);
            // Read before the conditions: whoever changes one of them after this bumps the
            // word, so the wait below cannot miss it.
            let seq = self.wake_seq().load(Ordering::SeqCst);
            // The leader's end is checked before the position: its last record precedes it.
            let gone = self.leader_gone();
            let w = self.write_pos().load(Ordering::SeqCst);
            if !ready(w) && !gone {
                // SAFETY: a futex wait on a word of the shared mapping; a shared (not private)
                // futex because the leader is another process. Spurious wake-ups are harmless:
                // the conditions are checked again. No timeout: the leader (and the monitor,
                // when the leader ends) bumps the word and wakes every sleeper, and an untimed
                // wait interrupted by a signal restarts as itself, not as a restart_syscall
                // that mvx would see in this variant only.
                unsafe {
                    libc::syscall(
                        libc::SYS_futex,
                        self.wake_seq() as *const AtomicU32,
                        libc::FUTEX_WAIT,
                        seq,
                        std::ptr::null::<libc::timespec>(),
                    )
                };
            }
            self.sleepers().fetch_sub(1, Ordering::SeqCst);
            let w = self.write_pos().load(Ordering::Acquire);
            if ready(w) {
                return Some(w);
            }
            if gone {
                return None;
            }
        }
    }

    /// Leader: after publishing, wakes followers that went to sleep.
    fn wake_sleepers(&self) {
        if self.sleepers().load(Ordering::SeqCst) > 0 {
            self.wake_seq().fetch_add(1, Ordering::SeqCst);
            // SAFETY: a futex wake on the shared word.
            unsafe {
                libc::syscall(
                    libc::SYS_futex,
                    self.wake_seq() as *const AtomicU32,
                    libc::FUTEX_WAKE,
                    i32::MAX,
                )
            };
        }
    }

    fn read_pos(&self, variant: usize) -> &AtomicU64 {
        self.pos(READ_POS + 64 * variant)
    }

    fn copy_in(&self, at: u64, bytes: &[u8]) {
        let mut off = (at % RING_SIZE as u64) as usize;
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = rest.len().min(RING_SIZE - off);
            // SAFETY: within the ring area of the slot.
            unsafe {
                std::ptr::copy_nonoverlapping(rest.as_ptr(), self.base.add(RING_START + off), n)
            };
            rest = &rest[n..];
            off = 0;
        }
    }

    fn copy_out(&self, at: u64, out: &mut [u8]) {
        let mut off = (at % RING_SIZE as u64) as usize;
        let mut done = 0;
        while done < out.len() {
            let n = (out.len() - done).min(RING_SIZE - off);
            // SAFETY: within the ring area of the slot.
            unsafe {
                std::ptr::copy_nonoverlapping(
                    self.base.add(RING_START + off),
                    out[done..].as_mut_ptr(),
                    n,
                )
            };
            done += n;
            off = 0;
        }
    }

    /// Leader: appends a record, waiting while followers `1..variants` lag a ring behind.
    pub fn publish(&self, variants: usize, id: u64, data: &[u8]) {
        self.publish_parts(variants, id, &[data]);
    }

    /// Leader: appends one record made of `parts` in order (no intermediate copy).
    pub fn publish_parts(&self, variants: usize, id: u64, parts: &[&[u8]]) {
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let size = record_size(len);
        assert!(
            size <= RING_SIZE,
            "mvx sync: a {len}-byte record does not fit the ring"
        );
        let at = self.write_pos().load(Ordering::Relaxed);
        let end = at + size as u64;
        let seen = self.pos(LEADER_SEEN);
        if end - seen.load(Ordering::Relaxed) > RING_SIZE as u64 {
            let slowest = || {
                (1..variants)
                    .map(|f| self.read_pos(f).load(Ordering::Acquire))
                    .min()
                    .unwrap_or(at)
            };
            wait_until(|| end - slowest() <= RING_SIZE as u64);
            seen.store(slowest(), Ordering::Relaxed);
        }
        let mut header = [0u8; RECORD_HEADER];
        header[..8].copy_from_slice(&id.to_ne_bytes());
        header[8..].copy_from_slice(&(len as u64).to_ne_bytes());
        self.copy_in(at, &header);
        let mut offset = at + RECORD_HEADER as u64;
        for part in parts {
            self.copy_in(offset, part);
            offset += part.len() as u64;
        }
        self.write_pos().store(at + size as u64, Ordering::SeqCst);
        self.wake_sleepers();
    }

    /// Follower `variant`: waits for the next record and returns (id, bytes).
    pub fn consume(&self, variant: usize) -> (u64, Vec<u8>) {
        match self.try_consume(variant) {
            Some(record) => record,
            None => {
                // Sync ops have no ordinary path to fall back to: end as the leader did.
                eprintln!("mvx sync: the leader thread ended before its record");
                std::process::abort()
            }
        }
    }

    /// Follower `variant`: waits for the next record; `None` if the leader thread ended first.
    pub fn try_consume(&self, variant: usize) -> Option<(u64, Vec<u8>)> {
        let mut data = Vec::new();
        let id = self.try_consume_into(variant, &mut data)?;
        Some((id, data))
    }

    /// As `try_consume`, into `data` (reused: no allocation once it is large enough).
    pub fn try_consume_into(&self, variant: usize, data: &mut Vec<u8>) -> Option<u64> {
        let at = self.read_pos(variant).load(Ordering::Relaxed);
        self.wait_for(at + RECORD_HEADER as u64)?;
        let id = self.read_at(at, data);
        self.skip(variant, data.len());
        Some(id)
    }

    /// Follower `variant`: the next record into `data` if the leader has published it,
    /// without taking it (`skip` takes it). Never waits.
    pub fn peek_into(&self, variant: usize, data: &mut Vec<u8>) -> Option<u64> {
        let at = self.read_pos(variant).load(Ordering::Relaxed);
        if self.write_pos().load(Ordering::Acquire) < at + RECORD_HEADER as u64 {
            return None;
        }
        Some(self.read_at(at, data))
    }

    /// Follower `variant`: takes the next record, of `len` bytes (as `peek_into` gave it).
    pub fn skip(&self, variant: usize, len: usize) {
        let at = self.read_pos(variant).load(Ordering::Relaxed);
        self.read_pos(variant)
            .store(at + record_size(len) as u64, Ordering::Release);
    }

    /// The record at `at` (published: the caller has seen the write position pass it).
    fn read_at(&self, at: u64, data: &mut Vec<u8>) -> u64 {
        let mut header = [0u8; RECORD_HEADER];
        self.copy_out(at, &mut header);
        let id = u64::from_ne_bytes(header[..8].try_into().unwrap());
        let len = u64::from_ne_bytes(header[8..].try_into().unwrap()) as usize;
        data.clear();
        data.resize(len, 0);
        self.copy_out(at + RECORD_HEADER as u64, data);
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_go_round_the_ring_in_order() {
        let mut slot = vec![0u64; SLOT_SIZE / 8];
        // SAFETY: a slot-sized, 8-aligned buffer that outlives the ring.
        let ring = unsafe { Ring::new(slot.as_mut_ptr() as *mut u8) };
        let consumer = unsafe { Ring::new(slot.as_mut_ptr() as *mut u8) };
        // More bytes than the ring holds, so positions wrap; one follower keeps up.
        let chunk = vec![7u8; 1000];
        for i in 0..(RING_SIZE / 1000) * 3 {
            ring.publish(2, i as u64, &chunk[..(i % 1000) + 1]);
            let (id, data) = consumer.consume(1);
            assert_eq!(id, i as u64);
            assert_eq!(data.len(), (i % 1000) + 1);
            assert!(data.iter().all(|&b| b == 7));
        }
    }

    #[test]
    fn a_peeked_record_stays_until_skipped() {
        let mut slot = vec![0u64; SLOT_SIZE / 8];
        // SAFETY: the buffer outlives the ring.
        let ring = unsafe { Ring::new(slot.as_mut_ptr() as *mut u8) };
        let mut data = Vec::new();
        assert_eq!(ring.peek_into(1, &mut data), None, "nothing published yet");
        ring.publish(2, 7, b"seven");
        ring.publish(2, 8, b"eight!");
        assert_eq!(ring.peek_into(1, &mut data), Some(7));
        assert_eq!(
            ring.peek_into(1, &mut data),
            Some(7),
            "peeking takes nothing"
        );
        assert_eq!(data, b"seven");
        ring.skip(1, data.len());
        assert_eq!(ring.try_consume(1), Some((8, b"eight!".to_vec())));
        assert_eq!(ring.peek_into(1, &mut data), None);
        drop(slot);
    }

    #[test]
    fn the_leader_waits_for_a_lagging_follower() {
        let mut slot = vec![0u64; SLOT_SIZE / 8];
        let base = slot.as_mut_ptr() as usize;
        let big = vec![1u8; RING_SIZE / 2];
        let leader = std::thread::spawn(move || {
            // SAFETY: the buffer outlives both threads (joined below).
            let ring = unsafe { Ring::new(base as *mut u8) };
            for i in 0..6 {
                ring.publish(2, i, &big[..RING_SIZE / 2 - 64]);
            }
        });
        // SAFETY: as above.
        let ring = unsafe { Ring::new(base as *mut u8) };
        for i in 0..6 {
            assert_eq!(ring.consume(1).0, i);
        }
        leader.join().unwrap();
        drop(slot);
    }
}
