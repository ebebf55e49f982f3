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
use crate::table::Relaxed;

/// Whether the call may run at once, outside lock-step (the table's `Relaxed`: calls that only
/// change the calling process's memory or signal state; brk anywhere).
fn runs_relaxed_here(
    spec: Option<&Spec>,
    call: &crate::tracee::RawCall,
    fds: &FdTable,
    threaded: bool,
) -> bool {
    let Some(spec) = spec else { return false };
    match spec.props.relaxed {
        Relaxed::Never => false,
        Relaxed::InThreads => threaded,
        // Anonymous memory, or a file every variant holds.
        Relaxed::InThreadsIfOwnMapping => {
            let (flags, fd) = (call.args[3] as i32, call.args[4] as i32);
            threaded
                && (flags & libc::MAP_ANONYMOUS != 0
                    || fds.get(fd).is_some_and(|k| k.followers_hold_file()))
        }
        Relaxed::Anywhere => true,
    }
}

impl Monitor {
    /// Whether task `t`'s call runs at once, outside lock-step.
    pub(super) fn runs_relaxed(&self, t: TaskId, entry: &Entry) -> bool {
        let task = &self.tasks[t];
        let proc_ = &self.procs[task.proc_];
        self.groups[task.group].delivery.is_none()
            && runs_relaxed_here(entry.spec, &entry.call.raw, &proc_.fd.table, proc_.threaded)
    }

    /// Lets the call run now, without a rendezvous.
    pub(super) fn run_relaxed(
        &mut self,
        t: TaskId,
        entry: Entry,
        stop: Stopped,
    ) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        if task.variant == 0 {
            *self.unpaired_by_nr.entry(entry.call.raw.nr).or_default() += 1;
        }
        task.history.push(format!(
            "{} = ? (multi-threaded: not compared)",
            decode::syscall_text(&entry.call)
        ));
        tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))?;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fdtable::FdKind;
    use crate::tracee::RawCall;

    fn relaxed(nr: i64, args: [u64; 6], fds: &FdTable, threaded: bool) -> bool {
        let spec = crate::table::lookup(nr as u64);
        let call = RawCall {
            nr: nr as u64,
            args,
        };
        runs_relaxed_here(spec, &call, fds, threaded)
    }

    #[test]
    fn process_local_calls_run_at_once_in_threaded_processes_only() {
        let fds = FdTable::default();
        assert!(relaxed(libc::SYS_munmap, [0; 6], &fds, true));
        assert!(!relaxed(libc::SYS_munmap, [0; 6], &fds, false));
        assert!(relaxed(libc::SYS_brk, [0; 6], &fds, false), "brk anywhere");
        // The fd table, signal dispositions and I/O stay in lock-step.
        for nr in [libc::SYS_close, libc::SYS_rt_sigaction, libc::SYS_write] {
            assert!(!relaxed(nr, [0; 6], &fds, true), "{nr}");
        }
        assert!(!relaxed(1 << 20, [0; 6], &fds, true), "unknown calls");
    }

    #[test]
    fn mmap_runs_at_once_only_on_memory_every_variant_holds() {
        let mut fds = FdTable::default();
        fds.insert(3, FdKind::PerVariant);
        fds.insert(4, FdKind::LeaderOnly);
        let map = |flags: i32, fd: i32| [0, 4096, 1, flags as u64, fd as u64, 0];
        let anon = libc::MAP_PRIVATE | libc::MAP_ANONYMOUS;
        assert!(relaxed(libc::SYS_mmap, map(anon, -1), &fds, true));
        assert!(relaxed(
            libc::SYS_mmap,
            map(libc::MAP_PRIVATE, 3),
            &fds,
            true
        ));
        assert!(!relaxed(
            libc::SYS_mmap,
            map(libc::MAP_PRIVATE, 4),
            &fds,
            true
        ));
        assert!(!relaxed(libc::SYS_mmap, map(anon, -1), &fds, false));
    }
}
