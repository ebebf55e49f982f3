//! execve/execveat and exit/exit_group: the process's other tasks end without reaching a
//! rendezvous, at different moments in different variants, and that is no divergence.

use super::*;

pub(in crate::monitor) static HANDLER: Handler = Handler {
    execute: doom_other_tasks,
    ..BASE
};

/// exit_group ends every thread of the process; exec every thread but the caller; exit only
/// the caller.
fn doom_other_tasks(m: &mut Monitor, g: GroupId, _: &[TaskId], leader: &Entry) {
    let Some(spec) = leader.spec else { return };
    if !spec.props.ends_other_threads {
        return;
    }
    let exec = spec.dispatch == Dispatch::Special(Special::Exec);
    let proc_ = m.groups[g].proc_;
    for (id, group) in m.groups.iter_mut().enumerate() {
        if group.proc_ == proc_ && !(exec && id == g) {
            group.doomed = true;
        }
    }
}
