//! `--policy majority`: with three or more variants, a divergence in which a strict majority
//! (the leader among it) agrees ends only the variants that differ; the others go on.
//!
//! What it guarantees: the call a retired variant asked for never ran (lock-step catches it
//! at the syscall's entry), and the survivors keep being compared with each other. What it
//! does not: the run continues with less diversity, and an attack that subverts a majority
//! (or the leader alone) is not outvoted. A leader in the minority ends the run, because the
//! followers hold placeholders where the leader holds the connections and files.

use super::*;
use crate::config::Policy;

/// The policy's state: which variants it took out of the run (their tasks are killed and
/// belong to no group any more).
pub(super) struct Majority {
    on: bool,
    retired: Vec<bool>,
}

impl Majority {
    pub(super) fn new(policy: Policy, variants: usize) -> Majority {
        Majority {
            on: policy == Policy::Majority,
            retired: vec![false; variants],
        }
    }

    pub(super) fn is_retired(&self, v: usize) -> bool {
        self.retired[v]
    }

    /// Variants still in the run.
    fn live_variants(&self) -> usize {
        self.retired.iter().filter(|r| !**r).count()
    }

    /// Variant `v` died while the others did not: whether it is retired (the leader never is,
    /// see above) because a majority is left.
    pub(super) fn outvotes_death_of(&self, v: usize) -> bool {
        self.on && v != 0 && self.is_majority(self.live_variants() - 1)
    }

    /// The variants `lost` (none of them retired yet) were lost together: whether the
    /// policy retires them all because a majority, the leader among it, is left.
    fn outvotes_loss_of(&self, lost: impl Iterator<Item = usize>) -> bool {
        let lost: Vec<usize> = lost.collect();
        self.on && !lost.contains(&0) && self.is_majority(self.live_variants() - lost.len())
    }

    /// Marks `v` retired; false if it already was.
    fn retire(&mut self, v: usize) -> bool {
        !std::mem::replace(&mut self.retired[v], true)
    }

    /// Whether `agreeing` of the live variants are a strict majority.
    fn is_majority(&self, agreeing: usize) -> bool {
        agreeing * 2 > self.live_variants()
    }
}

impl Monitor {
    /// At a rendezvous that found `d`: the followers whose call differs from the leader's, if
    /// the policy is majority and the rest are a strict majority; `None` otherwise (the run
    /// ends).
    pub(super) fn outvoted(&self, g: GroupId, members: &[TaskId]) -> Option<Vec<TaskId>> {
        if !self.majority.on {
            return None;
        }
        let leader = self.tasks[members[0]].entry()?;
        let odd: Vec<TaskId> = members[1..]
            .iter()
            .copied()
            .filter(|&t| {
                let task = &self.tasks[t];
                task.entry().is_none_or(|e| {
                    self.compare_entries(g, &[(0, leader), (task.variant, e)])
                        .is_some()
                })
            })
            .collect();
        let agreeing = self.majority.live_variants() - odd.len();
        self.majority.is_majority(agreeing).then_some(odd)
    }

    /// An operation failed with `e`: if it failed because the link to a follower host is lost
    /// and the policy outvotes the loss of that host's variants, they are retired and the
    /// run goes on (`Ok`, with a stop if retiring ended it); otherwise `e` stands (and the
    /// run ends, as a `HostLost` divergence if it was a lost link).
    pub(super) fn outlive_lost_host(&mut self, e: anyhow::Error) -> Result<Option<Stop>> {
        if !crate::remote::link::is_lost_link_error(&e) {
            return Err(e);
        }
        let lost = self.lost_variants();
        if lost.is_empty()
            || !self
                .majority
                .outvotes_loss_of(lost.iter().map(|l| l.variant))
        {
            return Err(e);
        }
        debug!("retiring the variants of a lost follower host after: {e:#}");
        for l in lost {
            if let Some(stop) = self.retire(l.variant, &format!("lost {}", l.why))? {
                return Ok(Some(stop));
            }
        }
        // The failed operation may have left survivors arrived at a rendezvous that waited
        // for the retired variant: look at every group again.
        for g in self.running_groups() {
            if self.groups[g].in_flight.is_none() {
                if let Some(stop) = self.try_rendezvous(g)? {
                    return Ok(Some(stop));
                }
            }
        }
        Ok(None)
    }

    /// Takes variant `v` out of the run: kills all its tasks and removes them from every
    /// group, so that no rendezvous waits for them.
    pub(super) fn retire(&mut self, v: usize, why: &str) -> Result<Option<Stop>> {
        if !self.majority.retire(v) {
            return Ok(None);
        }
        self.warnings.add(format!(
            "variant {v} ({}) retired by the majority policy: {why}",
            self.cfg.programs[v].display()
        ));
        for t in 0..self.tasks.len() {
            if self.tasks[t].variant == v && self.tasks[t].alive() {
                self.tasks[t].tracee.kill();
            }
        }
        let mut stop = None;
        for g in 0..self.groups.len() {
            self.groups[g].members[v] = None;
            if let Some(f) = &mut self.groups[g].in_flight {
                f.remaining.remove(&v);
            }
            if self.groups[g].in_flight.is_some() && stop.is_none() {
                stop = self.progress(g)?;
            }
        }
        Ok(stop)
    }
}
