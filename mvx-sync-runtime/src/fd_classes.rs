//! This variant's own view of its process's fd classes.
//!
//! The monitor writes the classes into the shared buffer at a rendezvous of the process (where
//! no variant lags behind another) and bumps the process's generation word. Fast fd-table calls
//! (`fd_calls.rs`) change the classes between rendezvous; each variant applies those changes
//! to its own copy, in program order, so a follower that lags behind its leader decides its
//! calls on the classes the leader had at the same point, never on newer ones.

use crate::protocol::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

struct Own {
    /// The process slot and generation the copy was taken at.
    process: usize,
    generation: u64,
    classes: Vec<u8>,
}

static OWN: Mutex<Option<Own>> = Mutex::new(None);

fn generation_word(map: &memmap2::MmapMut, process: usize) -> &AtomicU64 {
    // SAFETY: an aligned word within the mapping, only accessed atomically.
    unsafe { &*(map.as_ptr().add(fd_generation(process)) as *const AtomicU64) }
}

/// Runs `f` on this variant's copy of the classes, taken again from the monitor's if it wrote
/// them since (or this is another process, after a fork).
fn with_own<R>(map: &memmap2::MmapMut, process: usize, f: impl FnOnce(&mut [u8]) -> R) -> R {
    let generation = generation_word(map, process).load(Ordering::Acquire);
    let mut own = OWN.lock().unwrap_or_else(|e| e.into_inner());
    let fresh = own
        .as_ref()
        .is_some_and(|o| o.process == process && o.generation == generation);
    if !fresh {
        let at = fd_class_slot(process);
        *own = Some(Own {
            process,
            generation,
            classes: map[at..at + FD_CLASSES].to_vec(),
        });
    }
    f(&mut own.as_mut().expect("filled above").classes)
}

/// The class byte of `fd`, `None` if the fast path cannot take it.
pub(crate) fn class(map: &memmap2::MmapMut, fd: i32) -> Option<u8> {
    let process = crate::try_process()?;
    let fd = usize::try_from(fd).ok().filter(|&fd| fd < FD_CLASSES)?;
    let class = with_own(map, process, |c| c[fd]);
    (class != FD_UNKNOWN).then_some(class)
}

/// Records a change this variant made on the fast path.
pub(crate) fn set(map: &memmap2::MmapMut, fd: i32, class: u8) {
    let (Some(process), Ok(fd)) = (crate::try_process(), usize::try_from(fd)) else {
        return;
    };
    if fd < FD_CLASSES {
        with_own(map, process, |c| c[fd] = class);
    }
}

/// Appends a change to the process's journal for the monitor (the leader only). `false` if
/// the journal is full: the monitor has not taken the last entries yet.
pub(crate) fn journal(map: &memmap2::MmapMut, change: FdChange) -> bool {
    let Some(process) = crate::try_process() else {
        return false;
    };
    let base = fd_journal(process);
    // SAFETY: aligned words within the mapping, accessed atomically.
    let word = |i: usize| unsafe { &*(map.as_ptr().add(base + 8 * i) as *const AtomicU64) };
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
    // SAFETY: as in `journal`.
    let word = |i: usize| unsafe { &*(map.as_ptr().add(base + 8 * i) as *const AtomicU64) };
    word(0).load(Ordering::Relaxed) - word(1).load(Ordering::Acquire) < FD_JOURNAL_ENTRIES as u64
}
