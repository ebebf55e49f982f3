//! Keeping followers' shadows in step with the leader's file (see `shadow.rs`): what the
//! leader writes to a shadowed file with a syscall, the monitor writes into every shadow
//! before the leader goes on.

use super::*;
use crate::capture::Value;
use crate::shadow::Shadows;
use crate::table::At;

/// The leader's leader-only call `call` returned `ret`: mirror its effect on a shadowed file
/// into the shadows (the only part of the monitor it needs).
pub(super) fn mirror_into_shadows(shadows: &Shadows, leader: Pid, call: &Captured, ret: i64) {
    if shadows.is_empty() || ret < 0 {
        return;
    }
    let fd = call.raw.args[0] as i32;
    let Some(spec) = crate::table::lookup(call.raw.nr) else {
        return;
    };
    let (writes, resizes) = (spec.props.file_write, spec.props.resizes_file);
    if !(writes.is_some() || resizes) || !shadows.is_shadowed(leader, fd) {
        return;
    }
    if resizes {
        if let Ok(meta) = std::fs::metadata(format!("/proc/{leader}/fd/{fd}")) {
            shadows.mirror_size(leader, fd, meta.len());
        }
        return;
    }
    let Some(Value::Bytes(data)) = call.values.get(1) else {
        return;
    };
    let written = &data[..(ret as usize).min(data.len())];
    let offset = match writes {
        // pwritev2 with offset -1 writes at the file position, like writev.
        Some(At::Offset(i)) if call.raw.args[i as usize] as i64 >= 0 => {
            Some(call.raw.args[i as usize])
        }
        _ => crate::procfs::file_position(leader, fd)
            .and_then(|end| end.checked_sub(written.len() as u64)),
    };
    if let Some(offset) = offset {
        shadows.mirror_write(leader, fd, offset, written);
    }
}
