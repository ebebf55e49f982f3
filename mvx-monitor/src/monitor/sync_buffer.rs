//! The monitor's side of the in-variant runtime (mvx-sync-runtime): the shared sync buffer it
//! creates per run, and the handshake syscall by which each variant learns its role.

use super::*;
use mvx_sync_runtime::protocol::*;
use std::path::PathBuf;

/// The sync buffer file, named to the variants in their environment; removed when mvx ends.
pub(super) struct SyncBuffer {
    pub(super) path: PathBuf,
}

impl SyncBuffer {
    /// Creates the buffer (sparse, private to the user) and adds its name to `envp`. Without
    /// it the runtime passes through, so a failure is only logged.
    pub(super) fn create(envp: &mut Vec<CString>) -> Option<SyncBuffer> {
        use std::os::unix::fs::OpenOptionsExt;
        let dir = if std::path::Path::new("/dev/shm").is_dir() {
            PathBuf::from("/dev/shm")
        } else {
            std::env::temp_dir()
        };
        let path = dir.join(format!("mvx-sync-{}", std::process::id()));
        let made = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|f| f.set_len(SHM_SIZE as u64));
        if let Err(e) = made {
            debug!("no sync buffer at {}: {e}", path.display());
            return None;
        }
        let mut var = format!("{SHM_ENV}=").into_bytes();
        var.extend_from_slice(path.as_os_str().as_encoded_bytes());
        envp.retain(|kv| !kv.as_bytes().starts_with(format!("{SHM_ENV}=").as_bytes()));
        envp.push(CString::new(var).ok()?);
        crate::open_policy::set_runtime_buffer(&path);
        Some(SyncBuffer { path })
    }
}

impl Drop for SyncBuffer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl Monitor {
    /// The runtime's handshake: answered for each task at once, outside lock-step (the answer
    /// differs per variant by design).
    pub(super) fn answer_handshake(
        &mut self,
        t: TaskId,
        mut regs: user_regs_struct,
    ) -> Result<Option<Stop>> {
        let (op, a, b) = (regs.rdi, regs.rsi, regs.rdx);
        let task = &self.tasks[t];
        let answer: i64 = match op {
            OP_INDEX => task.variant as i64,
            OP_VARIANTS => self.variants() as i64,
            OP_GROUP => task.group as i64,
            OP_PROCESS => self.procs[task.proc_].main_group as i64,
            OP_SETUP => {
                let n = a.min(MAX_SETUP_CALLS);
                self.tasks[t].setup_calls = n;
                n as i64
            }
            OP_MISMATCH => {
                let g = task.group;
                let msg = format!(
                    "sync op out of step: variant {} expected a record of region {b:#x}, the leader recorded region {a:#x}",
                    task.variant
                );
                return Ok(Some(Stop::Diverged(self.divergence(
                    g,
                    DivergenceKind::SyncMismatch,
                    msg,
                    Some("sync_op_after".into()),
                ))));
            }
            _ => -(libc::EINVAL as i64),
        };
        let task = &mut self.tasks[t];
        task.history.push(format!("mvx_handshake({op}) = {answer}"));
        regs.orig_rax = u64::MAX;
        regs.rax = answer as u64;
        tolerate_gone(task.tracee.set_regs(&regs))?;
        tolerate_gone(task.tracee.cont(None)).map(|()| None)
    }
}

impl Monitor {
    /// A syscall of the runtime's setup (after OP_SETUP): open/stat/mmap/close of the sync
    /// buffer, run at once in this task only. Anything else ends the exemption.
    pub(super) fn runs_as_runtime_setup(
        &mut self,
        t: TaskId,
        raw: &crate::tracee::RawCall,
    ) -> bool {
        let task = &self.tasks[t];
        if task.setup_calls == 0 {
            return false;
        }
        let ok = match raw.nr as i64 {
            libc::SYS_openat => {
                let path = task.tracee.read_cstr(raw.args[1]).ok();
                let buffer = self
                    ._sync_buffer
                    .as_ref()
                    .map(|b| b.path.as_os_str().as_encoded_bytes().to_vec());
                path.is_some() && path == buffer
            }
            libc::SYS_statx
            | libc::SYS_fstat
            | libc::SYS_newfstatat
            | libc::SYS_mmap
            | libc::SYS_close => true,
            _ => false,
        };
        let task = &mut self.tasks[t];
        task.setup_calls = if ok { task.setup_calls - 1 } else { 0 };
        ok
    }
}
