//! This variant's own view of its process's fd classes.
//!
//! The monitor writes the classes into the shared buffer (a *snapshot*) and bumps the
//! process's generation word; a snapshot includes the first `taken` entries of the process's
//! fd journal (the leader's fast fd-table changes the monitor has applied). Fast fd-table
//! calls (`fd_calls.rs`) change the classes between snapshots; each variant applies those
//! changes to its own copy, in program order, and counts them, so a follower that lags behind
//! its leader decides its calls on the classes the leader had at the same point, never on
//! newer ones. A new snapshot is taken when this variant has applied exactly the journal
//! entries it includes. Usually that is at once (the monitor writes at a rendezvous, where
//! no variant lags behind another), but a rendezvous of calls a signal handler makes can
//! come at different points of different variants:
//! - a variant behind the snapshot keeps it aside and takes it once it has caught up;
//! - a variant ahead of it takes it and applies its own later changes again on top.

use crate::protocol::*;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

/// How many of its own latest changes a variant remembers, to apply again on top of an
/// older snapshot.
const REMEMBERED: usize = 64;

/// The monitor's classes, as of `journal` applied entries.
struct Snapshot {
    journal: u64,
    classes: Vec<u8>,
}

struct Own {
    /// The process slot and generation the copy was last brought up to date at.
    process: usize,
    generation: u64,
    classes: Vec<u8>,
    /// Journal entries this variant has applied (its own fast fd-table changes, counted).
    applied: u64,
    /// Its latest changes: (journal index, fd, class).
    recent: VecDeque<(u64, usize, u8)>,
    /// A snapshot ahead of this variant, taken once it has applied as many entries.
    pending: Option<Snapshot>,
}

impl Own {
    fn new(process: usize, generation: u64, snapshot: Snapshot) -> Own {
        Own {
            process,
            generation,
            applied: snapshot.journal,
            classes: snapshot.classes,
            recent: VecDeque::new(),
            pending: None,
        }
    }

    /// Brings the copy up to date with the monitor's `snapshot`.
    fn adopt(&mut self, snapshot: Snapshot) {
        if snapshot.journal > self.applied {
            self.pending = Some(snapshot);
            return;
        }
        self.pending = None;
        let since = snapshot.journal;
        let replayable = since == self.applied
            || self
                .recent
                .front()
                .is_some_and(|&(first, ..)| first <= since);
        if !replayable {
            // Too far ahead of the monitor to put its snapshot right: keep our own view.
            return;
        }
        self.classes = snapshot.classes;
        for &(_, fd, class) in self.recent.iter().filter(|&&(i, ..)| i >= since) {
            self.classes[fd] = class;
        }
    }

    /// One fast fd-table change of this variant (the next journal entry); `None`: an fd
    /// beyond the table, counted all the same.
    fn change(&mut self, fd: Option<usize>, class: u8) {
        if let Some(fd) = fd {
            self.classes[fd] = class;
            if self.recent.len() == REMEMBERED {
                self.recent.pop_front();
            }
            self.recent.push_back((self.applied, fd, class));
        }
        self.applied += 1;
        if self
            .pending
            .as_ref()
            .is_some_and(|p| p.journal == self.applied)
        {
            let snapshot = self.pending.take().expect("checked above");
            self.classes = snapshot.classes;
        }
    }
}

static OWN: Mutex<Option<Own>> = Mutex::new(None);

/// The monitor's current snapshot of `process`'s classes and its generation. The monitor
/// writes it as a seqlock (the generation is odd meanwhile: this variant's thread may run
/// while the monitor handles another variant), so it is read again until it is whole.
fn snapshot(map: &memmap2::MmapMut, process: usize) -> (u64, Snapshot) {
    let generation = shared_word(map, fd_generation(process));
    let at = fd_class_slot(process);
    for tries in 0u32.. {
        let before = generation.load(Ordering::Acquire);
        if before % 2 == 1 {
            if tries < 100 {
                std::hint::spin_loop();
            } else {
                // SAFETY: sched_yield has no preconditions (and runs outside the monitor).
                unsafe { libc::sched_yield() };
            }
            continue;
        }
        let snapshot = Snapshot {
            journal: shared_word(map, fd_journal(process) + 8).load(Ordering::Acquire),
            classes: map[at..at + FD_CLASSES].to_vec(),
        };
        std::sync::atomic::fence(Ordering::Acquire);
        if generation.load(Ordering::Relaxed) == before {
            return (before, snapshot);
        }
    }
    unreachable!("the loop above returns")
}

/// Runs `f` on this variant's copy of the classes, brought up to date with the monitor's if
/// it wrote them since (or this is another process, after a fork).
fn with_own<R>(map: &memmap2::MmapMut, process: usize, f: impl FnOnce(&mut Own) -> R) -> R {
    let generation = shared_word(map, fd_generation(process)).load(Ordering::Acquire);
    let mut own = OWN.lock().unwrap_or_else(|e| e.into_inner());
    match own.as_mut() {
        Some(o) if o.process == process => {
            if o.generation != generation {
                let (generation, snapshot) = snapshot(map, process);
                o.generation = generation;
                o.adopt(snapshot);
            }
        }
        _ => {
            let (generation, snapshot) = snapshot(map, process);
            *own = Some(Own::new(process, generation, snapshot));
        }
    }
    f(own.as_mut().expect("filled above"))
}

/// The class byte of `fd`, `None` if the fast path cannot take it.
pub(crate) fn class(map: &memmap2::MmapMut, fd: i32) -> Option<u8> {
    let process = crate::try_process()?;
    let fd = usize::try_from(fd).ok().filter(|&fd| fd < FD_CLASSES)?;
    let class = with_own(map, process, |o| o.classes[fd]);
    (class != FD_UNKNOWN).then_some(class)
}

/// Records a change this variant made on the fast path: the one the leader journals (every
/// call of this is one journal entry, in the leader's order).
pub(crate) fn set(map: &memmap2::MmapMut, fd: i32, class: u8) {
    let Some(process) = crate::try_process() else {
        return;
    };
    let fd = usize::try_from(fd).ok().filter(|&fd| fd < FD_CLASSES);
    with_own(map, process, |o| o.change(fd, class));
}

/// Appends a change to the process's journal for the monitor (the leader only). `false` if
/// the journal is full: the monitor has not taken the last entries yet.
pub(crate) fn journal(map: &memmap2::MmapMut, change: FdChange) -> bool {
    let Some(process) = crate::try_process() else {
        return false;
    };
    let base = fd_journal(process);
    let word = |i: usize| shared_word(map, base + 8 * i);
    let (written, taken) = (
        word(0).load(Ordering::Relaxed),
        word(1).load(Ordering::Acquire),
    );
    if written - taken >= FD_JOURNAL_ENTRIES as u64 {
        return false;
    }
    word(2 + (written as usize % FD_JOURNAL_ENTRIES)).store(change.encode(), Ordering::Relaxed);
    word(0).store(written + 1, Ordering::Release);
    true
}

/// Whether the journal has room for one more entry (checked before a call that will need it).
pub(crate) fn journal_has_room(map: &memmap2::MmapMut) -> bool {
    let Some(process) = crate::try_process() else {
        return false;
    };
    let base = fd_journal(process);
    let word = |i: usize| shared_word(map, base + 8 * i);
    word(0).load(Ordering::Relaxed) - word(1).load(Ordering::Acquire) < FD_JOURNAL_ENTRIES as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot_of(journal: u64, known: &[usize]) -> Snapshot {
        let mut classes = vec![FD_UNKNOWN; FD_CLASSES];
        for &fd in known {
            classes[fd] = FD_PER_VARIANT;
        }
        Snapshot { journal, classes }
    }

    fn known(own: &Own) -> Vec<usize> {
        (0..FD_CLASSES)
            .filter(|&fd| own.classes[fd] != FD_UNKNOWN)
            .collect()
    }

    #[test]
    fn a_variant_behind_a_snapshot_takes_it_once_it_caught_up() {
        let mut own = Own::new(0, 1, snapshot_of(10, &[3]));
        // The leader opened 4 and closed 3 (entries 10, 11); the monitor's snapshot has both.
        own.adopt(snapshot_of(12, &[4]));
        assert_eq!(
            known(&own),
            vec![3],
            "not before this variant made those calls"
        );
        own.change(Some(4), FD_PER_VARIANT);
        assert_eq!(known(&own), vec![3, 4]);
        own.change(Some(3), FD_UNKNOWN);
        assert_eq!(known(&own), vec![4]);
        assert!(own.pending.is_none());
    }

    #[test]
    fn a_variant_ahead_of_a_snapshot_keeps_its_own_later_changes() {
        let mut own = Own::new(0, 1, snapshot_of(10, &[3]));
        own.change(Some(5), FD_PER_VARIANT); // entry 10
        own.change(Some(3), FD_UNKNOWN); // entry 11
                                         // The monitor applied entry 10 only, and learnt of fd 7 from a monitored call.
        own.adopt(snapshot_of(11, &[3, 5, 7]));
        assert_eq!(known(&own), vec![5, 7]);
    }

    #[test]
    fn a_snapshot_at_the_same_point_is_taken_whole() {
        let mut own = Own::new(0, 1, snapshot_of(0, &[]));
        own.change(Some(5), FD_PER_VARIANT);
        own.adopt(snapshot_of(1, &[5, 6]));
        assert_eq!(known(&own), vec![5, 6]);
    }
}
