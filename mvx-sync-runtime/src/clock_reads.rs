//! Clock reads of multi-threaded processes, on the fast path.
//!
//! How often a thread reads the clock can depend on scheduling: a timed wait for a lock that
//! times out in one variant and not in another reads the clock once more there (CPython's GIL
//! re-reads it at every timeout). So in a multi-threaded process a follower's clock read is
//! not paired record by record with the leader's, as every other fast call is:
//! - the leader's clock records a follower reaches while making another call are the leader's
//!   extra reads: they are passed over;
//! - a follower's clock read takes the leader's next record if it is a read of the same clock
//!   (other clocks' records before it are passed over: the leader read them and this follower
//!   did not);
//! - if the leader's next record is another call, the follower read more often: it reads its
//!   own clock (time must move on for it: such reads are those of a timed wait that expired
//!   again and again, and a deadline computed from the same value every time never comes;
//!   the leader's latest value, given before, made Python threads spin forever);
//! - if the leader has published nothing yet, the follower waits for it a while
//!   (`LEADER_WAIT`), then reads its own: the leader's thread may be blocked on a lock this
//!   follower's process holds elsewhere, and waiting longer could close a deadlock cycle. It
//!   does not wait when the monitor holds the leader's thread at a lock-stepped call (no
//!   record comes before that rendezvous) or the thread has ended.
//!
//! Values paired with the leader's reads come from the leader's clock, in the order it read
//! them, and every non-clock call puts the pairing right again. The monitor's own clock
//! channel (`clock.rs` in mvx-monitor) does the same for the calls that reach it.

use crate::fastpath::{follow, gadget, is_clock, RecordHeader, Request, FAST_ID};
use crate::ring::Ring;

/// How long a follower's clock read waits for the leader's next record.
const LEADER_WAIT_NS: i64 = 10_000_000;

/// Spins before a waiting follower starts yielding its CPU.
const SPINS: u32 = 2000;

/// Whether record `id` is a clock read's.
pub(crate) fn is_clock_record(id: u64) -> bool {
    id & !0xffff_ffff == FAST_ID && is_clock((id & 0xffff_ffff) as i64)
}

/// Whether `record` (of id `id`) is the leader's making of the same call as `req`: the same
/// syscall with the same compared values (the clock id, which pointers are NULL).
fn same_call(req: &Request, id: u64, record: &[u8]) -> bool {
    id == FAST_ID | req.nr as u64
        && RecordHeader::parse(record).is_some_and(|h| h.has_scalars(req.scalars))
}

/// A follower's clock read `req` in a multi-threaded process, answered from group ring
/// `ring` as the module says.
///
/// # Safety
/// As `fastpath::call`: `req`'s output buffers are writable.
pub(crate) unsafe fn follow_clock(ring: &Ring, variant: usize, req: &Request) -> i64 {
    let mut deadline = None;
    let mut spins = 0;
    loop {
        match ring.try_next(variant) {
            Some(record) if same_call(req, record.id, &record.data) => {
                // SAFETY: the caller's buffers; `follow` checks what `same_call` did not.
                let ret = unsafe { follow(req, record.id, &record.data) };
                ring.advance(variant, record);
                return ret;
            }
            Some(record) if is_clock_record(record.id) => ring.advance(variant, record),
            Some(_) => break,
            None if ring.leader_gone() || ring.leader_held_before_next(variant) => break,
            None if spins < SPINS => {
                spins += 1;
                std::hint::spin_loop();
            }
            None => {
                let now = monotonic_ns();
                if now >= *deadline.get_or_insert(now + LEADER_WAIT_NS) {
                    break;
                }
                // SAFETY: sched_yield has no preconditions (and runs outside the monitor).
                unsafe { libc::sched_yield() };
            }
        }
    }
    // SAFETY: the caller vouches for the arguments, as for the leader's own call.
    unsafe { gadget(req.nr, &req.args) }
}
/// CLOCK_MONOTONIC in nanoseconds, read through the gadget (a clock read is fast here, and
/// the libc path would come back to the fast path).
fn monotonic_ns() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    let args = [
        libc::CLOCK_MONOTONIC as u64,
        &mut ts as *mut libc::timespec as u64,
        0,
        0,
        0,
        0,
    ];
    // SAFETY: clock_gettime into our own timespec.
    unsafe { gadget(libc::SYS_clock_gettime, &args) };
    ts.tv_sec * 1_000_000_000 + ts.tv_nsec
}
