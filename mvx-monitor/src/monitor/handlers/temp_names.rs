//! Temporary files and directories (mkstemp, mkdtemp, Python's tempfile): each variant draws
//! its own random name, and a follower whose name differs from the leader's only in its random
//! letters takes the leader's (the rules: `crate::temp_names`).

use super::*;
use crate::capture::Value;

/// How many temporary names a process's followers remember at most (then forgotten at once).
const MAX_TEMP_NAMES: usize = 1024;

/// Arrive phase: a path a follower created as a temporary file under the leader's name (see
/// `give_followers_leaders_name`), named again later by the follower's own string, is compared
/// as the leader's.
pub(super) fn name_own_as_leaders(m: &Monitor, t: TaskId, spec: &Spec, call: &mut Captured) {
    let task = &m.tasks[t];
    let names = &m.procs[task.proc_].temp_names;
    if names.is_empty() {
        return;
    }
    for (arg, value) in spec.args.iter().zip(call.values.iter_mut()) {
        if let (Arg::Path, Value::Bytes(bytes)) = (arg, &mut *value) {
            if let Some(leaders) = names.get(&(task.variant, bytes.clone())) {
                bytes.clone_from(leaders);
            }
        }
    }
}

/// Rendezvous phase: members making one more random draw before an exclusive create than the
/// others run it alone. Returns whether any did.
pub(super) fn let_redraws_run(m: &mut Monitor, members: &[TaskId]) -> Result<bool> {
    use crate::temp_names::{exclusive_create_path_arg, is_random_draw, MAX_REDRAWS};
    let calls: Vec<RawCall> = members
        .iter()
        .filter_map(|&t| m.tasks[t].entry().map(|e| e.call.raw))
        .collect();
    if calls.len() != members.len() || calls.iter().all(|c| c.nr == calls[0].nr) {
        for &t in members {
            m.tasks[t].temp_name_redraws = 0;
        }
        return Ok(false);
    }
    let Some(create) = calls
        .iter()
        .find(|c| exclusive_create_path_arg(c.nr, &c.args).is_some())
        .map(|c| c.nr)
    else {
        return Ok(false);
    };
    let drawing: Vec<TaskId> = members
        .iter()
        .zip(&calls)
        .filter(|(_, c)| is_random_draw(c.nr))
        .map(|(&t, _)| t)
        .collect();
    let others_create = calls.iter().all(|c| c.nr == create || is_random_draw(c.nr));
    if !others_create
        || drawing
            .iter()
            .any(|&t| m.tasks[t].temp_name_redraws >= MAX_REDRAWS)
    {
        return Ok(false);
    }
    for t in drawing {
        let task = &mut m.tasks[t];
        task.temp_name_redraws += 1;
        task.history
            .set_last_result("? (a temporary name's redraw: not compared)");
        tolerate_gone(task.resume(State::Running, Resume::Cont(None)))?;
    }
    Ok(true)
}

/// Rendezvous phase: a follower creating a temporary file or directory whose name differs from
/// the leader's only in its random letters takes the leader's name.
pub(super) fn give_followers_leaders_name(m: &mut Monitor, members: &[TaskId]) -> Result<()> {
    let Some(leader) = m.tasks[members[0]].entry() else {
        return Ok(());
    };
    let raw = leader.call.raw;
    let Some(arg) = crate::temp_names::exclusive_create_path_arg(raw.nr, &raw.args) else {
        return Ok(());
    };
    let Some(Value::Bytes(name)) = leader.call.values.get(arg).cloned() else {
        return Ok(());
    };
    for &t in &members[1..] {
        let task = &mut m.tasks[t];
        let State::AtEntry(entry, _) = &mut task.state else {
            continue;
        };
        if entry.call.raw.nr != raw.nr {
            continue;
        }
        let Some(Value::Bytes(own)) = entry.call.values.get_mut(arg) else {
            continue;
        };
        if crate::temp_names::differ_only_in_random_part(&name, own) {
            tolerate_gone(task.tracee.write_bytes(entry.call.raw.args[arg], &name))?;
            debug!(task = t, "temporary name taken from the leader");
            let (proc_, variant) = (task.proc_, task.variant);
            let own = std::mem::replace(own, name.clone());
            // The program may build the name again from its own string for later calls
            // (Python's rename of a .pyc written to "NAME.<id()>"): remembered.
            let names = &mut m.procs[proc_].temp_names;
            if names.len() >= MAX_TEMP_NAMES {
                names.clear();
            }
            names.insert((variant, own), name.clone());
        }
    }
    Ok(())
}
