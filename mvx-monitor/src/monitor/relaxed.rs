//! Process-local calls of multi-threaded processes run at once, outside lock-step.
//!
//! Strict lock-step per thread deadlocks when threads take locks in different orders in
//! different variants: thread A holds a lock and waits at a rendezvous for its twin, which
//! waits for the same lock held by thread B of its variant, which waits at a rendezvous for
//! its twin... CPython's GIL does this around every mmap/munmap of its allocator. And how many
//! such calls a thread makes depends on scheduling: glibc gives a thread a new malloc arena
//! (mmap) or an existing one depending on contention. So in multi-threaded processes, calls
//! that only change the calling process's memory or signal state run at once and are not
//! compared. Everything with an effect outside the process (I/O, files, sockets, process
//! creation, signals to others) and everything whose result is replicated stays in strict
//! lock-step: an attack still has to pass those checks to have an effect. Exact lock-order
//! replay comes with the in-variant sync runtime.

use super::*;
use crate::table::{Dispatch, Special};

/// Calls that only change the calling process's memory or signal state.
fn is_process_local(spec: Option<&Spec>, call: &crate::tracee::RawCall, fds: &FdTable) -> bool {
    let Some(spec) = spec else { return false };
    match spec.dispatch {
        Dispatch::All => {
            !spec.creates_fd()
                && !matches!(
                    call.nr as i64,
                    libc::SYS_close
                        | libc::SYS_close_range
                        | libc::SYS_kill
                        | libc::SYS_tkill
                        | libc::SYS_tgkill
                        | libc::SYS_rt_sigaction
                        | libc::SYS_restart_syscall
                        | libc::SYS_rt_sigsuspend
                        | libc::SYS_pause
                        | libc::SYS_setpgid
                        | libc::SYS_chdir
                        | libc::SYS_fchdir
                )
        }
        // Anonymous memory, or a file every variant holds.
        Dispatch::Special(Special::Mmap) => {
            let (flags, fd) = (call.args[3] as i32, call.args[4] as i32);
            flags & libc::MAP_ANONYMOUS != 0 || fds.get(fd).is_some_and(|k| k.followers_hold_file())
        }
        _ => false,
    }
}

/// brk in any process: it only moves the program break (never executable memory), and how
/// often a variant's allocator moves it depends on allocations that differ legitimately (the
/// in-variant runtime allocates in followers only; diversified builds allocate differently).
/// Each variant's heap is its own (partitioned at exec), so nothing is compared.
fn brk_anywhere(call: &crate::tracee::RawCall) -> bool {
    call.nr as i64 == libc::SYS_brk
}

impl Monitor {
    /// Whether task `t`'s call runs at once, outside lock-step.
    pub(super) fn runs_relaxed(&self, t: TaskId, entry: &Entry) -> bool {
        let task = &self.tasks[t];
        self.groups[task.group].delivery.is_none()
            && (brk_anywhere(&entry.call.raw)
                || (is_process_local(entry.spec, &entry.call.raw, &self.procs[task.proc_].fds)
                    && self.procs[task.proc_].threaded))
    }

    /// Lets the call run now, without a rendezvous.
    pub(super) fn run_relaxed(&mut self, t: TaskId, entry: Entry) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        task.history.push(format!(
            "{} = ? (multi-threaded: not compared)",
            decode::syscall_text(&entry.call)
        ));
        task.state = State::Running;
        tolerate_gone(task.cont(None))?;
        Ok(None)
    }
}
