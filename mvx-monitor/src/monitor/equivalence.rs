//! Equivalence rules at a rendezvous (`rules/`): members whose call differs from the
//! leader's but which a rule lets make that call alone run it for themselves and come back
//! to the rendezvous at their next call.

use super::*;
use crate::rules::Step;

/// Whether a call would make memory executable: never made alone, whatever a rule says
/// (code injection goes through it).
fn makes_executable(call: &crate::tracee::RawCall) -> bool {
    table::lookup(call.nr)
        .and_then(|spec| spec.props.prot_arg)
        .is_some_and(|i| call.args[i as usize] & libc::PROT_EXEC as u64 != 0)
}

impl Monitor {
    /// At a rendezvous whose calls differ: the members a rule lets make their call alone, or
    /// none. In this order: members walking an equivalent sequence that expects their call;
    /// the start of a sequence rule (every member at the first call of its side); extra
    /// calls (followers first: the leader's call is the reference the others are held to).
    pub(super) fn members_alone_by_rule(
        &mut self,
        g: GroupId,
        members: &[TaskId],
    ) -> Vec<(TaskId, usize)> {
        if self.cfg.rules.is_empty() {
            return Vec::new();
        }
        let nr_of = |m: &Monitor, t: TaskId| m.tasks[t].entry().expect("at entry").call.raw.nr;
        let walking = self.walk_sequences(members);
        if !walking.is_empty() {
            return walking;
        }
        let leader = self.tasks[members[0]].entry().expect("leader at entry");
        let differing: Vec<TaskId> = members[1..]
            .iter()
            .copied()
            .filter(|&t| {
                let e = self.tasks[t].entry().expect("at entry");
                self.compare_entries(g, &[(0, leader), (self.tasks[t].variant, e)])
                    .is_some()
            })
            .collect();
        if differing.is_empty() {
            return Vec::new();
        }
        let leader_nr = leader.call.raw.nr;
        let started = differing.iter().find_map(|&t| {
            self.cfg
                .rules
                .sequence_starting(self.tasks[t].variant, nr_of(self, t), leader_nr)
        });
        if let Some(rule) = started {
            return self.start_sequence(rule, members);
        }
        let allowed = |t: TaskId| {
            let task = &self.tasks[t];
            let entry = task.entry().expect("at entry");
            if makes_executable(&entry.call.raw) {
                return None;
            }
            self.cfg
                .rules
                .runs_alone(task.variant, entry.call.raw.nr)
                .map(|line| (t, line))
        };
        let followers: Vec<(TaskId, usize)> =
            differing.iter().filter_map(|&t| allowed(t)).collect();
        if !followers.is_empty() {
            return followers;
        }
        allowed(members[0]).into_iter().collect()
    }

    /// Members in a sequence whose next call is the one they are at: they make it alone.
    /// Members at another call leave their sequence.
    fn walk_sequences(&mut self, members: &[TaskId]) -> Vec<(TaskId, usize)> {
        let mut alone = Vec::new();
        for &t in members {
            let Some(cursor) = self.tasks[t].rule_cursor else {
                continue;
            };
            let call = &self.tasks[t].entry().expect("at entry").call.raw;
            let (nr, exec) = (call.nr, makes_executable(call));
            let step = cursor.step(&self.cfg.rules, nr);
            self.tasks[t].rule_cursor = match step {
                Step::Next(next) if !exec => Some(next),
                _ => None,
            };
            if matches!(step, Step::Next(_) | Step::Done) && !exec {
                alone.push((t, self.cfg.rules.sequence_line(cursor.rule())));
            }
        }
        alone
    }

    /// Sequence rule `rule` starts: each member at the first call of its side walks it.
    fn start_sequence(&mut self, rule: usize, members: &[TaskId]) -> Vec<(TaskId, usize)> {
        let line = self.cfg.rules.sequence_line(rule);
        let mut alone = Vec::new();
        for &t in members {
            let call = &self.tasks[t].entry().expect("at entry").call.raw;
            if makes_executable(call) {
                continue;
            }
            let nr = call.nr;
            let variant = self.tasks[t].variant;
            let rules = &self.cfg.rules;
            let theirs =
                rules.sequence_selects(rule, variant) && rules.start(rule, false, nr) != Step::Off;
            let step = if theirs {
                rules.start(rule, false, nr)
            } else {
                rules.start(rule, true, nr)
            };
            match step {
                Step::Off => continue,
                Step::Next(c) => self.tasks[t].rule_cursor = Some(c),
                Step::Done => self.tasks[t].rule_cursor = None,
            }
            alone.push((t, line));
        }
        alone
    }

    /// A rendezvous that matched without rules: whoever was in a sequence is back in plain
    /// lock-step.
    pub(super) fn leave_sequences(&mut self, members: &[TaskId]) {
        if self.cfg.rules.is_empty() {
            return;
        }
        for &t in members {
            self.tasks[t].rule_cursor = None;
        }
    }

    /// Lets task `t` make the call it is stopped at for itself alone (a rule allows it).
    pub(super) fn run_alone_by_rule(&mut self, t: TaskId, line: usize) -> Result<()> {
        let task = &mut self.tasks[t];
        let State::AtEntry(entry, _) = &task.state else {
            return Ok(());
        };
        let text = decode::syscall_text(&entry.call);
        task.history
            .push(format!("{text} = ? (alone, by rule at line {line})"));
        *self
            .rules_used
            .entry((entry.call.raw.nr, line))
            .or_default() += 1;
        debug!(
            task = t,
            variant = task.variant,
            "{text}: alone, by rule at line {line}"
        );
        let State::AtEntry(_, stop) = std::mem::replace(&mut task.state, State::Running) else {
            unreachable!("checked above")
        };
        tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))
    }

    /// How often each rule let a call run alone, for the report: "mmap (line 1): 12".
    pub(super) fn rules_used(&self) -> Vec<(String, u64)> {
        let mut used: Vec<(String, u64)> = self
            .rules_used
            .iter()
            .map(|(&(nr, line), &n)| (format!("{} alone (line {line})", table::name_of(nr)), n))
            .collect();
        used.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        used
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tracee::RawCall;

    #[test]
    fn executable_memory_is_never_made_alone() {
        let call = |nr: syscalls::Sysno, prot: i32| RawCall {
            nr: nr.id() as u64,
            args: [0, 4096, prot as u64, 0, 0, 0],
        };
        assert!(makes_executable(&call(
            syscalls::Sysno::mprotect,
            libc::PROT_READ | libc::PROT_EXEC
        )));
        assert!(makes_executable(&call(
            syscalls::Sysno::mmap,
            libc::PROT_EXEC
        )));
        assert!(!makes_executable(&call(
            syscalls::Sysno::mmap,
            libc::PROT_READ | libc::PROT_WRITE
        )));
        assert!(!makes_executable(&call(
            syscalls::Sysno::munmap,
            libc::PROT_EXEC
        )));
    }
}
