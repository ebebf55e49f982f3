//! Which slots of the shared sync buffer are lent to whom.
//!
//! The buffer has `MAX_GROUPS` data slots (a record ring per lock-step group, that is per
//! thread) and as many process slots (fd classes, fd journal, lock order, threaded flag).
//! They are lent while their group or process lives and given back when it has ended in
//! every variant, so a server that makes a thread or a process per connection keeps its fast
//! path past the 64th connection. A group or process that finds none free runs without the
//! fast path (its calls stop in the monitor), as before.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

/// Slots `0..capacity` lent to keys, lowest free first.
pub(super) struct Lender<K> {
    free: BTreeSet<usize>,
    lent: HashMap<K, usize>,
}

impl<K: Hash + Eq + Copy> Lender<K> {
    pub(super) fn new(capacity: usize) -> Self {
        Lender {
            free: (0..capacity).collect(),
            lent: HashMap::new(),
        }
    }

    /// `key`'s slot, if it holds one.
    pub(super) fn slot_of(&self, key: K) -> Option<usize> {
        self.lent.get(&key).copied()
    }

    /// `key`'s slot, lending it one if it holds none; the flag says whether the slot was
    /// just lent (and so must be cleared of its former holder's state).
    pub(super) fn lend(&mut self, key: K) -> Option<(usize, bool)> {
        if let Some(&slot) = self.lent.get(&key) {
            return Some((slot, false));
        }
        let slot = self.free.pop_first()?;
        self.lent.insert(key, slot);
        Some((slot, true))
    }

    /// Takes `key`'s slot back, if it held one.
    pub(super) fn give_back(&mut self, key: K) -> Option<usize> {
        let slot = self.lent.remove(&key)?;
        self.free.insert(slot);
        Some(slot)
    }
}

/// How many groups of each process still live, so that a process's slot goes back when its
/// last group ends, without scanning every group the run ever had.
#[derive(Default)]
pub(super) struct LiveGroups<P> {
    count: HashMap<P, usize>,
}

impl<P: Hash + Eq + Copy> LiveGroups<P> {
    pub(super) fn started(&mut self, process: P) {
        *self.count.entry(process).or_default() += 1;
    }

    /// A group of `process` ended; `true` if it was the last one.
    pub(super) fn ended(&mut self, process: P) -> bool {
        match self.count.get_mut(&process) {
            Some(n) if *n > 1 => {
                *n -= 1;
                false
            }
            Some(_) => {
                self.count.remove(&process);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_lent_lowest_first_and_reused_once_given_back() {
        let mut lender = Lender::new(2);
        assert_eq!(lender.lend(10), Some((0, true)));
        assert_eq!(lender.lend(10), Some((0, false)));
        assert_eq!(lender.lend(11), Some((1, true)));
        assert_eq!(lender.lend(12), None, "none left");
        assert_eq!(lender.give_back(10), Some(0));
        assert_eq!(lender.give_back(10), None, "given back once");
        assert_eq!(lender.slot_of(10), None);
        assert_eq!(lender.lend(12), Some((0, true)));
        assert_eq!(lender.slot_of(11), Some(1));
    }

    #[test]
    fn a_process_ends_with_its_last_group() {
        let mut live = LiveGroups::default();
        live.started(1);
        live.started(1);
        live.started(2);
        assert!(!live.ended(1));
        assert!(live.ended(2));
        assert!(live.ended(1));
        assert!(!live.ended(1), "an unknown process has no groups to end");
    }
}
