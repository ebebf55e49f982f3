//! Where a follower's own world differs from the leader's by design: its program's path, its
//! pids and tids, its memory map. Its calls are compared, and answered, as the leader's.

use super::*;
use crate::capture::Value;

/// Variants may be different binaries: a path naming the variant's own program (the loader
/// opening it, a program reading itself) is compared as the leader's program path. Only the
/// captured value changes; the call runs with the variant's own path.
pub(super) fn program(m: &Monitor, t: TaskId, spec: &Spec, call: &mut Captured) {
    let v = m.tasks[t].variant;
    let (own, leaders) = (&m.cfg.programs[v], &m.cfg.programs[0]);
    if own == leaders {
        return;
    }
    for (arg, value) in spec.args.iter().zip(call.values.iter_mut()) {
        if let (Arg::Path, Value::Bytes(bytes)) = (arg, &mut *value) {
            if bytes.as_slice() == own.as_os_str().as_encoded_bytes() {
                *bytes = leaders.as_os_str().as_encoded_bytes().to_vec();
            }
        }
    }
}

/// A follower's path naming one of its own pids or tids under /proc (`/proc/1234/stat`,
/// `/proc/self/task/1240/comm` built by pthread_setname_np from the tid the kernel wrote into
/// the thread's memory) is compared as the leader's: the program sees the leader's ids
/// everywhere else. Only the captured value changes.
pub(super) fn ids(m: &Monitor, t: TaskId, spec: &Spec, call: &mut Captured) {
    let v = m.tasks[t].variant;
    for (arg, value) in spec.args.iter().zip(call.values.iter_mut()) {
        if let (Arg::Path, Value::Bytes(bytes)) = (arg, &mut *value) {
            if let Some(path) =
                crate::procfs::map_proc_path_ids(bytes, |id| m.pid_to_virtual(v, id))
            {
                *bytes = path;
            }
        }
    }
}

/// Answer phase of a regular leader-only call: a read of the leader's own memory map gives
/// each follower the same part of its own (see `maps_view.rs`).
pub(super) fn own_map_answer(m: &Monitor, t: TaskId, a: &Answer) -> Option<Outputs> {
    let read = a.own_map?;
    let mut mine = a.outputs.clone();
    match read.for_follower(m.tasks[t].tracee.pid) {
        Some(bytes) => mine.map_flat(1, |data| data.copy_from_slice(&bytes)),
        None => debug!(task = t, "own /proc view unavailable: the leader's bytes"),
    }
    Some(mine)
}
