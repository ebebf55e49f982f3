//! rt_sigaction: every variant sets its own handler; the monitor keeps the disposition the
//! leader set, which decides how a synchronised signal is delivered (`signals.rs`).

use super::super::signals::Disposition;
use super::*;

pub(in crate::monitor) static HANDLER: Handler = Handler {
    execute: track,
    ..BASE
};

/// Records what rt_sigaction sets (from the leader's `act`; the followers' differ only in
/// their handler addresses).
fn track(m: &mut Monitor, g: GroupId, members: &[TaskId], leader: &Entry) {
    let call = &leader.call.raw;
    let (sig, act) = (call.args[0] as usize, call.args[1]);
    if act == 0 || sig == 0 || sig > 64 {
        return;
    }
    let Ok(bytes) = m.tasks[members[0]].tracee.read_bytes(act, 16) else {
        return;
    };
    let handler = u64::from_ne_bytes(bytes[..8].try_into().unwrap());
    let flags = u64::from_ne_bytes(bytes[8..].try_into().unwrap());
    let proc_ = m.groups[g].proc_;
    let disposition = match handler {
        0 => Disposition::Default,
        1 => Disposition::Ignore,
        _ => Disposition::Handler {
            restart: flags & libc::SA_RESTART as u64 != 0,
        },
    };
    m.procs[proc_].signals.set_disposition(sig, disposition);
}
