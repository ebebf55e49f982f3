//! One lock-step group's records in the shared sync buffer: written by the leader's thread,
//! read by each follower's thread at its own position. Bounded: the leader waits when the
//! slowest follower is a whole ring behind.
//!
//! Built for few cache-line transfers between the leader's and the followers' CPUs (see the
//! layout in `protocol`): a record starts on a line of its own and carries its own "published"
//! word (its tag), so a follower waits on the line it is about to read anyway, and never on a
//! shared write position; followers read records in place.

use crate::protocol::*;
use crate::wait_until;
use std::borrow::Cow;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// A view of one slot of the mapped buffer.
pub struct Ring {
    base: *mut u8,
}

// SAFETY: the slot is shared memory accessed through atomics (positions, tags) and by one
// writer (the leader's thread of the group) publishing bytes before their tag.
unsafe impl Send for Ring {}

/// The next record of a follower, not consumed yet (`Ring::advance` consumes it).
pub struct Record<'a> {
    pub id: u64,
    /// The record's bytes: in place in the ring, or copied if they go round its end.
    pub data: Cow<'a, [u8]>,
    /// The position after the record.
    end: u64,
}

/// How long a follower polls for a record before it sleeps: `SPINS` pauses (about 10 µs
/// here), then `YIELDS` sched_yields (about 30 µs when nothing else wants the CPU).
const SPINS: u32 = 1000;
const YIELDS: u32 = 64;

/// A record's tag: its position + 1, so that no stale word (zero, or the tag of a record a
/// lap before) matches.
fn tag_of(at: u64) -> u64 {
    at + 1
}

impl Ring {
    /// # Safety
    /// `base` must point to `SLOT_SIZE` mapped, shared, writable bytes that outlive the ring.
    pub unsafe fn new(base: *mut u8) -> Ring {
        Ring { base }
    }

    fn word(&self, offset: usize) -> &AtomicU64 {
        // SAFETY: offsets are within the slot and 8-aligned (the mapping is page-aligned).
        unsafe { &*(self.base.add(offset) as *const AtomicU64) }
    }

    /// The word at ring position `at` (8-aligned).
    fn ring_word(&self, at: u64) -> &AtomicU64 {
        self.word(RING_START + (at % RING_SIZE as u64) as usize)
    }

    fn write_pos(&self) -> &AtomicU64 {
        self.word(WRITE_POS)
    }

    fn read_pos(&self, variant: usize) -> &AtomicU64 {
        self.word(READ_POS + 64 * variant)
    }

    /// How many followers sleep on `wake_seq`.
    fn sleepers(&self) -> &AtomicU64 {
        self.word(SLEEPERS)
    }

    /// The futex word followers sleep on: bumped by the leader (when someone sleeps) and by
    /// the monitor (when the leader ends).
    fn wake_seq(&self) -> &AtomicU32 {
        // SAFETY: within the slot, 4-aligned.
        unsafe { &*(self.base.add(WAKE_SEQ) as *const AtomicU32) }
    }

    /// Whether variant `variant` must take a signal here, at the entry of its next call
    /// (`signal_point_word`): the leader wherever it is, a follower at the read position where
    /// the leader took it, before it consumes the record there.
    pub fn signal_owed_here(&self, variant: usize) -> bool {
        let point = self
            .word(signal_point_word(variant))
            .load(Ordering::Acquire);
        point != 0 && (variant == 0 || point == self.position(variant) + 1)
    }

    /// Variant `variant`'s position: the leader's write position, a follower's read position.
    pub fn position(&self, variant: usize) -> u64 {
        if variant == 0 {
            self.write_pos().load(Ordering::Relaxed)
        } else {
            self.read_pos(variant).load(Ordering::Relaxed)
        }
    }

    /// Marks variant `variant`'s thread inside a fast-path call (`in_call_word`): the call
    /// whose record is at its current position.
    pub fn enter_call(&self, variant: usize) {
        self.word(in_call_word(variant))
            .store(self.position(variant) + 1, Ordering::Relaxed);
    }

    /// Variant `variant`'s thread left its fast-path call.
    pub fn leave_call(&self, variant: usize) {
        self.word(in_call_word(variant)).store(0, Ordering::Relaxed);
    }

    /// Whether the group's leader thread has ended (no record will come after the last).
    pub fn leader_gone(&self) -> bool {
        self.word(LEADER_GONE).load(Ordering::Acquire) != 0
    }

    /// Whether the monitor holds the group's leader at a lock-stepped call before the record
    /// follower `variant` is to read next: no record comes before that rendezvous.
    pub fn leader_held_before_next(&self, variant: usize) -> bool {
        self.leader_held_at(self.read_pos(variant).load(Ordering::Relaxed))
    }

    /// Whether the monitor holds the group's leader at a lock-stepped call with the ring
    /// written up to `at` (`LEADER_HELD_AT`): the record at `at` does not come before this
    /// follower goes to that rendezvous.
    fn leader_held_at(&self, at: u64) -> bool {
        self.word(LEADER_HELD_AT).load(Ordering::Acquire) == at + 1
    }

    /// Whether the record at `at` is published (the tag is read with `order`).
    fn published(&self, at: u64, order: Ordering) -> bool {
        self.ring_word(at).load(order) == tag_of(at)
    }

    /// Follower: waits until the record at `at` is published. Spins first (a record usually
    /// follows within microseconds), then yields the CPU for a while (the leader may be waiting
    /// for this very CPU: on a busy machine a spinning follower kept its own leader from running
    /// for whole time slices), then sleeps on a futex the leader wakes, so an idle follower of a
    /// server blocked in `read` costs no CPU. `false` if the leader thread ended without
    /// publishing it, or (`held_is_final`) while the monitor holds the leader at a
    /// lock-stepped call before it (`leader_held_at`).
    fn wait_for(&self, at: u64, held_is_final: bool) -> bool {
        for _ in 0..SPINS {
            if self.published(at, Ordering::Acquire) {
                return true;
            }
            std::hint::spin_loop();
        }
        for _ in 0..YIELDS {
            if self.published(at, Ordering::Acquire) {
                return true;
            }
            // SAFETY: sched_yield has no preconditions (and runs outside mvx's lock-step).
            unsafe { libc::sched_yield() };
        }
        loop {
            // The sleeper's half of the handshake with `wake_sleepers`: count itself in, then
            // look at the tag, both SeqCst (see there).
            self.sleepers().fetch_add(1, Ordering::SeqCst);
            // Read before the conditions: whoever changes one of them after this bumps the
            // word, so the wait below cannot miss it.
            let seq = self.wake_seq().load(Ordering::SeqCst);
            // The leader's end is checked before the tag: its last record precedes it.
            let gone = self.leader_gone() || (held_is_final && self.leader_held_at(at));
            if !self.published(at, Ordering::SeqCst) && !gone {
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
            if self.published(at, Ordering::Acquire) {
                return true;
            }
            if gone {
                return false;
            }
        }
    }

    /// Leader: publishes the record at `at` (its tag) and wakes followers that went to sleep.
    ///
    /// The handshake with a follower going to sleep (`wait_for`) is Dekker's: the leader stores
    /// the tag, then loads the sleeper count; the follower increments the count, then loads the
    /// tag. All four are SeqCst, so they fall in one total order and at least one side sees
    /// the other's write: either the leader sees the sleeper (and wakes it) or the follower
    /// sees the tag (and does not sleep). With a weaker store, x86 may let the leader's load
    /// pass its store still in the store buffer, both would read the old values, and the
    /// follower would sleep on a record that is there. The SeqCst store (an `xchg`) is the one
    /// full barrier a record costs the leader.
    fn publish_tag(&self, at: u64) {
        self.ring_word(at).store(tag_of(at), Ordering::SeqCst);
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

    /// `len` bytes at `at`: borrowed in place, or copied when they go round the ring's end.
    fn bytes_at(&self, at: u64, len: usize) -> Cow<'_, [u8]> {
        let off = (at % RING_SIZE as u64) as usize;
        // SAFETY: within the ring area of the slot; the leader does not write these bytes
        // again before this follower's read position passes them (`reserve`).
        let part = |off: usize, n: usize| unsafe {
            std::slice::from_raw_parts(self.base.add(RING_START + off), n)
        };
        if off + len <= RING_SIZE {
            Cow::Borrowed(part(off, len))
        } else {
            let first = RING_SIZE - off;
            let mut v = Vec::with_capacity(len);
            v.extend_from_slice(part(off, first));
            v.extend_from_slice(part(0, len - first));
            Cow::Owned(v)
        }
    }

    /// Leader: waits until followers `1..variants` have read everything before `end` less a
    /// ring, so the bytes up to `end` may be written.
    fn reserve(&self, variants: usize, end: u64) {
        let seen = self.word(LEADER_SEEN);
        if end - seen.load(Ordering::Relaxed) <= RING_SIZE as u64 {
            return;
        }
        let slowest = || {
            (1..variants)
                .map(|f| self.read_pos(f).load(Ordering::Acquire))
                .min()
                .unwrap_or(end)
        };
        wait_until(|| end.saturating_sub(slowest()) <= RING_SIZE as u64);
        seen.store(slowest(), Ordering::Relaxed);
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
            size + RECORD_ALIGN <= RING_SIZE,
            "mvx sync: a {len}-byte record does not fit the ring"
        );
        let at = self.write_pos().load(Ordering::Relaxed);
        let end = at + size as u64;
        // The next record's tag word is cleared below: it must be free too.
        self.reserve(variants, end + 8);
        self.ring_word(at + 8).store(id, Ordering::Relaxed);
        self.ring_word(at + 16).store(len as u64, Ordering::Relaxed);
        let mut offset = at + RECORD_HEADER as u64;
        for part in parts {
            self.copy_in(offset, part);
            offset += part.len() as u64;
        }
        // Where a follower waits next holds stale bytes of a record a lap before (any value,
        // the program's data): clear it before this record is published, so that a follower
        // waiting there sees either this zero or the next record's tag.
        self.ring_word(end).store(0, Ordering::Relaxed);
        self.write_pos().store(end, Ordering::Relaxed);
        self.publish_tag(at);
    }

    /// Follower `variant`: waits for its next record and returns it without consuming it
    /// (`advance` does), so a caller may look at it and leave it for later. `None` if the
    /// leader thread ended first.
    pub fn next(&self, variant: usize) -> Option<Record<'_>> {
        self.next_unless(variant, false)
    }

    /// As `next`, for a fast-path syscall, which has the ordinary path to fall back to:
    /// also `None` while the monitor holds the leader at a lock-stepped call before the record
    /// (`LEADER_HELD_AT`).
    pub fn next_call(&self, variant: usize) -> Option<Record<'_>> {
        self.next_unless(variant, true)
    }

    fn next_unless(&self, variant: usize, held_is_final: bool) -> Option<Record<'_>> {
        let at = self.read_pos(variant).load(Ordering::Relaxed);
        if !self.wait_for(at, held_is_final) {
            return None;
        }
        Some(self.record_at(at))
    }

    /// Follower `variant`: its next record if the leader has published it already, without
    /// consuming it. Never waits.
    pub fn try_next(&self, variant: usize) -> Option<Record<'_>> {
        let at = self.read_pos(variant).load(Ordering::Relaxed);
        self.published(at, Ordering::Acquire)
            .then(|| self.record_at(at))
    }

    /// The published record at `at`.
    fn record_at(&self, at: u64) -> Record<'_> {
        // The header's words follow the tag in the same line, published with it.
        let id = self.ring_word(at + 8).load(Ordering::Relaxed);
        let len = self.ring_word(at + 16).load(Ordering::Relaxed) as usize;
        // A leader's length beyond the ring is a forged record: take none of its bytes (its
        // id and length cannot match a real call, so the caller reports it).
        let len = if len < RING_SIZE && record_size(len) + RECORD_ALIGN <= RING_SIZE {
            len
        } else {
            0
        };
        Record {
            id,
            data: self.bytes_at(at + RECORD_HEADER as u64, len),
            end: at + record_size(len) as u64,
        }
    }

    /// Follower `variant`: consumes `record` (from `next`), so the leader may reuse its bytes.
    pub fn advance(&self, variant: usize, record: Record<'_>) {
        let end = record.end;
        // The bytes are no longer looked at once the position passes them.
        drop(record);
        self.read_pos(variant).store(end, Ordering::Release);
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
        let record = self.next(variant)?;
        let taken = (record.id, record.data.to_vec());
        self.advance(variant, record);
        Some(taken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A zeroed, slot-sized, 64-aligned buffer (as the page-aligned mapping is), leaked so
    /// that a thread a failed test leaves behind never touches freed memory.
    fn new_slot() -> usize {
        Box::leak(vec![[0u64; 8]; SLOT_SIZE / 64].into_boxed_slice()).as_mut_ptr() as usize
    }

    /// Joins `thread`, failing the test if it takes longer than `secs`.
    fn join_within<T>(secs: u64, thread: std::thread::JoinHandle<T>) -> T {
        let deadline = std::time::Instant::now() + Duration::from_secs(secs);
        while !thread.is_finished() {
            assert!(std::time::Instant::now() < deadline, "the thread is stuck");
            std::thread::sleep(Duration::from_millis(5));
        }
        thread.join().unwrap()
    }

    fn ring(base: usize) -> Ring {
        // SAFETY: slots are never freed.
        unsafe { Ring::new(base as *mut u8) }
    }

    #[test]
    fn records_go_round_the_ring_in_order() {
        let base = new_slot();
        let (leader, follower) = (ring(base), ring(base));
        // More bytes than the ring holds, so positions wrap, records cross the ring's end,
        // and old bytes lie where the next tag goes; one follower keeps up.
        let chunk: Vec<u8> = (0..1000).map(|i| i as u8).collect();
        for i in 0..(RING_SIZE / 1000) * 3 {
            let n = (i * 37) % 1000 + 1;
            leader.publish(2, i as u64, &chunk[..n]);
            let (id, data) = follower.consume(1);
            assert_eq!(id, i as u64);
            assert_eq!(data, &chunk[..n]);
        }
    }

    #[test]
    fn records_straddling_the_end_are_whole() {
        let base = new_slot();
        let (leader, follower) = (ring(base), ring(base));
        // Fill up to two lines before the end, then a record of several lines goes round it.
        let filler = vec![0u8; RING_SIZE - 2 * RECORD_ALIGN - RECORD_HEADER];
        leader.publish(2, 1, &filler);
        assert_eq!(follower.consume(1).0, 1);
        let straddling: Vec<u8> = (0..300).map(|i| (i * 7) as u8).collect();
        leader.publish(2, 2, &straddling);
        let record = follower.next(1).unwrap();
        assert!(matches!(record.data, Cow::Owned(_)), "it should go round");
        assert_eq!((record.id, &record.data[..]), (2, &straddling[..]));
        follower.advance(1, record);
        // The one after it is read in place again.
        leader.publish(2, 3, b"after");
        let record = follower.next(1).unwrap();
        assert!(matches!(record.data, Cow::Borrowed(_)));
        assert_eq!((record.id, &record.data[..]), (3, &b"after"[..]));
    }

    #[test]
    fn a_record_can_be_looked_at_before_it_is_consumed() {
        let base = new_slot();
        let (leader, follower) = (ring(base), ring(base));
        leader.publish(2, 7, b"first");
        leader.publish(2, 8, b"second");
        let record = follower.next(1).unwrap();
        assert_eq!(record.id, 7);
        drop(record);
        // Not consumed: the same record again.
        let record = follower.next(1).unwrap();
        assert_eq!((record.id, &record.data[..]), (7, &b"first"[..]));
        follower.advance(1, record);
        assert_eq!(follower.consume(1), (8, b"second".to_vec()));
    }

    #[test]
    fn trying_for_a_record_never_waits() {
        let base = new_slot();
        let (leader, follower) = (ring(base), ring(base));
        assert!(follower.try_next(1).is_none(), "nothing published yet");
        leader.publish(2, 9, b"nine");
        let record = follower.try_next(1).unwrap();
        assert_eq!((record.id, &record.data[..]), (9, &b"nine"[..]));
        follower.advance(1, record);
        assert!(follower.try_next(1).is_none(), "consumed");
    }

    #[test]
    fn the_leader_waits_for_a_lagging_follower() {
        let base = new_slot();
        let big: Vec<u8> = (0..RING_SIZE / 2).map(|i| i as u8).collect();
        let leader = std::thread::spawn(move || {
            let ring = ring(base);
            for i in 0..6 {
                ring.publish(2, i, &big[..RING_SIZE / 2 - 128 - i as usize]);
            }
        });
        let follower = ring(base);
        for i in 0..6 {
            // Lag: the leader fills the ring and must wait for this follower.
            std::thread::sleep(Duration::from_millis(20));
            let (id, data) = follower.consume(1);
            assert_eq!(id, i);
            assert_eq!(data.len(), RING_SIZE / 2 - 128 - i as usize);
            assert!(data.iter().enumerate().all(|(k, &b)| b == k as u8));
        }
        join_within(30, leader);
    }

    #[test]
    fn a_sleeping_follower_is_woken_by_the_next_record() {
        let base = new_slot();
        let follower = std::thread::spawn(move || {
            let ring = ring(base);
            (0..50).map(|_| ring.consume(1).0).collect::<Vec<u64>>()
        });
        let leader = ring(base);
        for i in 0..50 {
            // Every fifth record only once the follower sleeps on the futex (or after 2 s):
            // the record must wake it.
            if i % 5 == 0 {
                let deadline = std::time::Instant::now() + Duration::from_secs(2);
                while leader.sleepers().load(Ordering::SeqCst) == 0
                    && std::time::Instant::now() < deadline
                {
                    std::thread::sleep(Duration::from_millis(1));
                }
            }
            leader.publish(2, i, b"x");
        }
        assert_eq!(join_within(30, follower), (0..50).collect::<Vec<u64>>());
        assert_eq!(leader.sleepers().load(Ordering::SeqCst), 0);
    }

    #[test]
    fn a_follower_waiting_when_the_leader_ends_gets_none() {
        let base = new_slot();
        let follower = std::thread::spawn(move || {
            let ring = ring(base);
            let first = ring.try_consume(1).map(|r| r.0);
            (first, ring.try_consume(1).is_none())
        });
        let leader = ring(base);
        leader.publish(2, 5, b"last");
        // What the monitor does when the leader thread ends (`mark_leader_gone`).
        std::thread::sleep(Duration::from_millis(50));
        leader.word(LEADER_GONE).store(1, Ordering::SeqCst);
        leader.wake_seq().fetch_add(1, Ordering::SeqCst);
        // SAFETY: a futex wake on the shared word.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                leader.wake_seq() as *const AtomicU32,
                libc::FUTEX_WAKE,
                i32::MAX,
            )
        };
        assert_eq!(join_within(30, follower), (Some(5), true));
    }

    /// What the monitor does to tell followers something (`set_and_wake`).
    fn set_and_wake(ring: &Ring, at: usize, value: u64) {
        ring.word(at).store(value, Ordering::SeqCst);
        ring.wake_seq().fetch_add(1, Ordering::SeqCst);
        // SAFETY: a futex wake on the shared word.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                ring.wake_seq() as *const AtomicU32,
                libc::FUTEX_WAKE,
                i32::MAX,
            )
        };
    }

    #[test]
    fn a_call_waiting_where_the_monitor_holds_the_leader_goes_the_ordinary_way() {
        let base = new_slot();
        let leader = ring(base);
        leader.publish(2, 5, b"first");
        let follower = std::thread::spawn(move || {
            let ring = ring(base);
            let first = ring.next_call(1).map(|r| r.id);
            if let Some(r) = ring.next_call(1) {
                ring.advance(1, r);
            }
            // Held right where it waits now: no record comes before the rendezvous.
            let held = ring.next_call(1).is_none();
            (first, held)
        });
        std::thread::sleep(Duration::from_millis(50));
        let at = leader.write_pos().load(Ordering::SeqCst);
        set_and_wake(&leader, LEADER_HELD_AT, at + 1);
        assert_eq!(join_within(30, follower), (Some(5), true));

        // Held at another position (it moved on since), or a sync op's wait: it waits on.
        let follower = std::thread::spawn(move || ring(base).next(1).map(|r| r.id));
        std::thread::sleep(Duration::from_millis(50));
        assert!(
            !follower.is_finished(),
            "a sync op must wait for its record"
        );
        set_and_wake(&leader, LEADER_HELD_AT, 0);
        leader.publish(2, 6, b"second");
        assert_eq!(join_within(30, follower), Some(6));
    }

    #[test]
    fn stale_bytes_where_the_next_tag_goes_are_not_a_record() {
        let base = new_slot();
        let (leader, follower) = (ring(base), ring(base));
        // A lap of five-line records whose every word looks like the tag of its position a
        // lap later; the lap ends inside one of them.
        let words = (5 * RECORD_ALIGN - RECORD_HEADER) / 8;
        let mut at = 0u64;
        while at < RING_SIZE as u64 {
            let payload = at + RECORD_HEADER as u64;
            let fake: Vec<u8> = (0..words as u64)
                .flat_map(|j| tag_of(payload + 8 * j + RING_SIZE as u64).to_ne_bytes())
                .collect();
            leader.publish(2, at, &fake);
            assert_eq!(follower.consume(1).0, at);
            at += record_size(fake.len()) as u64;
        }
        // Nothing is published at the follower's position: it must not take those bytes for
        // a record.
        let next = follower.read_pos(1).load(Ordering::Relaxed);
        assert_ne!(
            next % RING_SIZE as u64,
            0,
            "the lap should end inside a record"
        );
        assert!(!follower.published(next, Ordering::Acquire));
    }
}
