//! `--policy majority`: with three or more variants, a divergence in which a strict majority
//! (the leader among it) agrees ends only the variants that differ; the others go on.
//!
//! What it guarantees: the call a retired variant asked for never ran (lock-step catches it
//! at the syscall's entry), and the survivors keep being compared with each other. What it
//! does not: the run continues with less diversity, and an attack that subverts a majority
//! (or the leader alone) is not outvoted. A leader in the minority ends the run, because the
//! followers hold placeholders where the leader holds the connections and files.

use super::*;

impl Monitor {
    /// Whether the majority policy applies to this run.
    fn majority_policy(&self) -> bool {
        self.cfg.policy == crate::config::Policy::Majority
    }

    /// Variants still in the run.
    pub(super) fn live_variants(&self) -> usize {
        self.retired.iter().filter(|r| !**r).count()
    }

    /// At a rendezvous that found `d`: the followers whose call differs from the leader's, if
    /// the policy is majority and the rest are a strict majority; `None` otherwise (the run
    /// ends).
    pub(super) fn outvoted(&self, g: GroupId, members: &[TaskId]) -> Option<Vec<TaskId>> {
        if !self.majority_policy() {
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
        let agreeing = self.live_variants() - odd.len();
        (agreeing * 2 > self.live_variants()).then_some(odd)
    }

    /// A follower died while the others did not: retire it if a majority is left.
    pub(super) fn outvoted_death(&self, dead: TaskId) -> bool {
        self.majority_policy()
            && self.tasks[dead].variant != 0
            && (self.live_variants() - 1) * 2 > self.live_variants()
    }

    /// Takes variant `v` out of the run: kills all its tasks and removes them from every
    /// group, so that no rendezvous waits for them.
    pub(super) fn retire(&mut self, v: usize, why: &str) -> Result<Option<Stop>> {
        if self.retired[v] {
            return Ok(None);
        }
        self.retired[v] = true;
        self.warn(format!(
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
