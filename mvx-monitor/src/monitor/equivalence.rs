//! Equivalence rules at a rendezvous (`rules/`): members whose call differs from the
//! leader's but which a rule lets make that call alone run it for themselves and come back
//! to the rendezvous at their next call.

use super::*;

/// Whether a call would make memory executable: never made alone, whatever a rule says
/// (code injection goes through it).
fn makes_executable(call: &crate::tracee::RawCall) -> bool {
    use syscalls::Sysno;
    let prot = match Sysno::from(call.nr as i32) {
        Sysno::mmap | Sysno::mprotect | Sysno::pkey_mprotect => call.args[2],
        Sysno::remap_file_pages => call.args[2],
        _ => return false,
    };
    prot & libc::PROT_EXEC as u64 != 0
}

impl Monitor {
    /// At a rendezvous whose calls differ: the members a rule lets make their call alone
    /// (followers first: the leader's call is the reference the others are held to), or none.
    pub(super) fn members_alone_by_rule(&self, g: GroupId, members: &[TaskId]) -> Vec<TaskId> {
        if self.cfg.rules.is_empty() {
            return Vec::new();
        }
        let leader = self.tasks[members[0]].entry().expect("leader at entry");
        let allowed = |t: TaskId| {
            let task = &self.tasks[t];
            let entry = task.entry().expect("at entry");
            !makes_executable(&entry.call.raw)
                && self
                    .cfg
                    .rules
                    .runs_alone(task.variant, entry.call.raw.nr)
                    .is_some()
        };
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
        let followers: Vec<TaskId> = differing.iter().copied().filter(|&t| allowed(t)).collect();
        if !followers.is_empty() {
            return followers;
        }
        if allowed(members[0]) {
            return vec![members[0]];
        }
        Vec::new()
    }

    /// Lets task `t` make the call it is stopped at for itself alone (a rule allows it).
    pub(super) fn run_alone_by_rule(&mut self, t: TaskId) -> Result<()> {
        let task = &mut self.tasks[t];
        let State::AtEntry(entry, _) = &task.state else {
            return Ok(());
        };
        let line = self
            .cfg
            .rules
            .runs_alone(task.variant, entry.call.raw.nr)
            .unwrap_or(0);
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
