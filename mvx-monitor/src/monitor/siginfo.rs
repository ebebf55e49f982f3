//! What a handler sees in its `siginfo_t`, the same in every variant.
//!
//! The kernel fills a signal's siginfo with the sender's real pid (a follower's own pid when
//! it signals itself, its own child's pid in SIGCHLD), and a signal the monitor delivers in
//! place of another (a member that gets it on the others' behalf, at a kick stop) would carry
//! the monitor as its sender. So each copy's siginfo is read at its stop, its pid turned into
//! the leader's (virtual) id, and whichever member is delivered the signal gets that siginfo
//! (its own copy's, else the group's first) with PTRACE_SETSIGINFO just before.

use super::*;

/// Where `si_pid` sits in `siginfo_t` on x86_64 (after signo, errno, code and padding).
const SI_PID_OFFSET: usize = 16;
const SI_QUEUE: i32 = -1;
const SI_TKILL: i32 = -6;

/// Whether the siginfo carries a sender or child pid at `SI_PID_OFFSET`.
fn carries_pid(info: &libc::siginfo_t) -> bool {
    matches!(info.si_code, libc::SI_USER | SI_QUEUE | SI_TKILL)
        || (info.si_signo == libc::SIGCHLD && info.si_code > 0)
}

fn read_pid(info: &libc::siginfo_t) -> i32 {
    // SAFETY: siginfo_t is 128 plain bytes; the i32 at this offset is in bounds.
    unsafe {
        std::ptr::read_unaligned(
            (info as *const libc::siginfo_t as *const u8).add(SI_PID_OFFSET) as *const i32,
        )
    }
}

fn write_pid(info: &mut libc::siginfo_t, pid: i32) {
    // SAFETY: as in `read_pid`.
    unsafe {
        std::ptr::write_unaligned(
            (info as *mut libc::siginfo_t as *mut u8).add(SI_PID_OFFSET) as *mut i32,
            pid,
        )
    }
}

impl Monitor {
    /// Whether the members of group `g` got `sig` from their own process (raise, kill or
    /// tgkill of itself, a kernel signal like SIGPIPE sent as the process's own, or mvx's
    /// stand-in for SIGPIPE on the fast path), as the siginfo recorded for it says: each
    /// variant then has it at the same point of its program, right after the call that sent
    /// it, rather than wherever an asynchronous signal finds it.
    pub(super) fn sent_by_itself(&self, g: GroupId, sig: i32) -> bool {
        let Some(info) = self.groups[g]
            .members
            .iter()
            .flatten()
            .find_map(|&m| self.tasks[m].sig.infos.get(&sig))
        else {
            return false;
        };
        let own = self.groups[self.procs[self.groups[g].proc_].main_group].members[0]
            .map(|t| self.tasks[t].tracee.pid.as_raw());
        let sender = read_pid(info);
        matches!(info.si_code, libc::SI_USER | SI_QUEUE | SI_TKILL)
            && (Some(sender) == own
                || (info.si_code == SI_TKILL && sender as u32 == std::process::id()))
    }

    /// Records the siginfo of the copy of `sig` task `t` is stopped with, its pid virtual.
    pub(super) fn record_siginfo(&mut self, t: TaskId, sig: i32) {
        let task = &self.tasks[t];
        let Ok(mut info) = task.siginfo() else {
            return;
        };
        if info.si_signo != sig {
            return;
        }
        if carries_pid(&info) {
            let sender = read_pid(&info);
            let virt = if crate::remote::link::is_hosts_mvx(task.tracee.pid, sender) {
                // Forwarded by its host's mvx: as if by this one, the leader's sender.
                std::process::id() as i64
            } else {
                self.pid_to_virtual(task.variant, sender as i64)
            };
            write_pid(&mut info, virt as i32);
        }
        self.tasks[t].sig.infos.insert(sig, info);
    }

    /// Before `sig` is delivered to the live members of a group: each gets the group's
    /// siginfo (the leader's copy's first) unless it holds its own copy.
    pub(super) fn share_siginfo(&mut self, sig: i32, live: &[TaskId]) {
        let (mut holders, others): (Vec<TaskId>, Vec<TaskId>) = live
            .iter()
            .partition(|&&m| self.tasks[m].sig.pending.contains(&sig));
        holders.sort_by_key(|&m| self.tasks[m].variant);
        let Some(info) = holders
            .iter()
            .find_map(|&m| self.tasks[m].sig.infos.get(&sig).copied())
        else {
            return;
        };
        for m in others {
            self.tasks[m].sig.infos.insert(sig, info);
        }
    }

    /// Sets the siginfo task `t` is to be delivered `sig` with, if one is known. A member on a
    /// follower host gets the one the leader was last delivered `sig` with: a signal sent to
    /// a process group here reaches it only as mvx forwards it, from another sender.
    pub(super) fn apply_siginfo(&mut self, t: TaskId, sig: i32) {
        let g = self.tasks[t].group;
        let own = self.tasks[t].sig.infos.remove(&sig);
        let info = if self.tasks[t].variant == 0 {
            if let Some(info) = own {
                self.groups[g].leader_siginfo.insert(sig, info);
            }
            own
        } else if crate::remote::link::is_remote(self.tasks[t].tracee.pid) {
            self.groups[g].leader_siginfo.get(&sig).copied().or(own)
        } else {
            own
        };
        if let Some(info) = info {
            debug!(
                task = t,
                sig,
                code = info.si_code,
                pid = read_pid(&info),
                "siginfo set for the delivery"
            );
            if let Err(e) = self.tasks[t].set_siginfo(&info) {
                debug!(task = t, sig, "PTRACE_SETSIGINFO: {e}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pid_is_at_its_offset() {
        // SAFETY: an all-zero siginfo_t is valid.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        info.si_signo = libc::SIGUSR1;
        info.si_code = libc::SI_USER;
        write_pid(&mut info, 4242);
        // SAFETY: for SI_USER the kill fields are the active union member.
        assert_eq!(unsafe { info.si_pid() }, 4242);
        assert!(carries_pid(&info));
        info.si_code = -2; // SI_TIMER
        assert!(!carries_pid(&info));
    }
}
