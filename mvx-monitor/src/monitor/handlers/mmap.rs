//! mmap of a file only the leader holds (a follower has a placeholder there): the followers map
//! their shadow of the leader's file instead (`shadow.rs`).

use super::*;

impl Monitor {
    /// For a follower's mmap of an fd only the leader holds (`decision.shadow_fd`): what each
    /// member must map instead of its placeholder (`None` where nothing is to be done: the
    /// leader, followers whose fd is already their shadow). A channel that cannot be shadowed
    /// (socket, pipe, device) turns the decision into ENODEV with a warning.
    pub(in crate::monitor) fn shadow_backings(
        &mut self,
        g: GroupId,
        members: &[TaskId],
        decision: &mut Decision,
    ) -> Vec<Option<crate::shadow::Backing>> {
        let Some(fd) = decision.shadow_fd else {
            return vec![];
        };
        let proc_ = self.groups[g].proc_;
        let leader = self.tasks[members[0]].tracee.pid;
        let mut out = vec![None];
        for &t in &members[1..] {
            let v = self.tasks[t].variant;
            if self.procs[proc_].fd.table.is_shadowed(fd, v) {
                out.push(None);
                continue;
            }
            let pid = self.tasks[t].tracee.pid;
            let remote = crate::remote::link::is_remote(pid).then_some(pid);
            match self.shadows.backing_for(leader, fd, v, remote) {
                Ok(Some(b)) => out.push(Some(b)),
                Ok(None) => {
                    *decision = Decision {
                        warning: Some(format!(
                            "mmap of fd {fd} (a socket, pipe or device only the leader holds) \
                             is not supported: ENODEV in every variant"
                        )),
                        ..Decision::new_deny(libc::ENODEV, &decision.args)
                    };
                    return vec![];
                }
                Err(e) => {
                    *decision = Decision {
                        warning: Some(format!(
                            "mmap of fd {fd}: no shadow for the followers ({e:#}): ENODEV in \
                             every variant"
                        )),
                        ..Decision::new_deny(libc::ENODEV, &decision.args)
                    };
                    return vec![];
                }
            }
        }
        out
    }

    /// Execute phase of an mmap of `fd` on shadows: members with a backing first put their
    /// shadow in place of their placeholder (the call runs after it); the others go into the
    /// call now.
    pub(in crate::monitor) fn run_on_shadows(
        &mut self,
        g: GroupId,
        members: &[TaskId],
        fd: i32,
        backings: &[Option<crate::shadow::Backing>],
    ) -> Result<()> {
        let proc_ = self.groups[g].proc_;
        let leader_pid = self.tasks[members[0]].tracee.pid;
        // Read while the leader is still held: the loop resumes it first.
        let cloexec = crate::fdtable::is_cloexec(leader_pid, fd);
        for (k, &t) in members.iter().enumerate() {
            match backings.get(k).cloned().flatten() {
                Some(backing) => {
                    let v = self.tasks[t].variant;
                    self.procs[proc_].fd.table.set_shadowed(fd, v);
                    self.start_shadow(t, fd, &backing, cloexec)?;
                }
                None => self.run_to_exit(t)?,
            }
        }
        self.runtime.publish_fd_classes(proc_, &self.procs[proc_]);
        Ok(())
    }
}
