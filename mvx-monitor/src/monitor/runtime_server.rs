//! The monitor's side of the in-variant runtime (mvx-sync-runtime): the shared sync buffer it
//! creates per run, and the handshake syscall by which each variant learns its role.

use super::buffer_slots::{Lender, LiveGroups};
use super::*;
use crate::table::RuntimeSetup;
use mvx_sync_runtime::protocol::*;
use std::path::PathBuf;

/// The sync buffer file, named to the variants in their environment; removed when mvx ends.
pub(super) struct SyncBuffer {
    pub(super) path: PathBuf,
    /// The monitor's own mapping: it writes the fd-class tables of the fast path here.
    map: memmap2::MmapMut,
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
        remove_stale_buffers(&dir);
        let path = dir.join(format!("mvx-sync-{}", std::process::id()));
        // Left by an earlier mvx that had this pid and was killed before it could clean up.
        let _ = std::fs::remove_file(&path);
        let made = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .and_then(|f| {
                f.set_len(SHM_SIZE as u64)?;
                // SAFETY: a file this run just created; the variants only touch it through the
                // runtime, and the monitor only writes the fd-class tables.
                unsafe { memmap2::MmapMut::map_mut(&f) }
            });
        let map = match made {
            Ok(map) => map,
            Err(e) => {
                debug!("no sync buffer at {}: {e}", path.display());
                let _ = std::fs::remove_file(&path);
                return None;
            }
        };
        let mut var = format!("{SHM_ENV}=").into_bytes();
        var.extend_from_slice(path.as_os_str().as_encoded_bytes());
        envp.retain(|kv| !kv.as_bytes().starts_with(format!("{SHM_ENV}=").as_bytes()));
        envp.push(CString::new(var).ok()?);
        crate::open_policy::set_runtime_buffer(&path);
        Some(SyncBuffer { path, map })
    }
}

/// Removes the buffers of mvx runs that are gone (killed with SIGKILL, they could not remove
/// their own): `mvx-sync-PID` whose PID no longer runs mvx.
fn remove_stale_buffers(dir: &std::path::Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|n| n.strip_prefix("mvx-sync-"))
            // mvx-sync-PID, and mvx-sync-PID-shadow-... (`shadow.rs`)
            .and_then(|p| p.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let alive = std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim() == "mvx");
        if !alive {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

impl Drop for SyncBuffer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The monitor's side of the runtime's shared buffer: the only part that writes it (the
/// fast path's fd classes, threaded flags, leader-gone flags).
pub(super) struct RuntimeServer {
    /// `None` if the buffer could not be made (the runtime then passes through).
    buffer: Option<SyncBuffer>,
    /// Whether the fast path serves I/O calls (and so reads the fd classes).
    fast_io: bool,
    /// Data slots lent to groups, process slots to processes (`buffer_slots.rs`).
    group_slots: Lender<GroupId>,
    process_slots: Lender<ProcId>,
    live_groups: LiveGroups<ProcId>,
    /// Processes whose fd journal is being applied: published once, at the end.
    holding: HashSet<ProcId>,
}

impl RuntimeServer {
    /// Creates the run's buffer and names it in `cfg`'s environment.
    pub(super) fn create(cfg: &mut Config) -> RuntimeServer {
        RuntimeServer {
            // Followers on other hosts cannot map this host's buffer: with them the runtime
            // passes through in every variant and every call stops in the monitor.
            buffer: if cfg.remotes.is_empty() {
                SyncBuffer::create(&mut cfg.envp)
            } else {
                None
            },
            fast_io: cfg.level.uses_fast_io(),
            group_slots: Lender::new(MAX_GROUPS),
            process_slots: Lender::new(MAX_GROUPS),
            live_groups: LiveGroups::default(),
            holding: HashSet::new(),
        }
    }

    /// A group of process `p` was created (it asks for its data slot when its runtime first
    /// needs one); `p` gets its process slot now, before anything is published for it.
    pub(super) fn group_started(&mut self, p: ProcId) {
        self.live_groups.started(p);
        self.process_slot(p);
    }

    /// Group `g` of process `p` has ended in every variant: its slot goes back, and the
    /// process's too if it was the last.
    pub(super) fn group_ended(&mut self, g: GroupId, p: ProcId) {
        self.group_slots.give_back(g);
        if self.live_groups.ended(p) {
            self.process_slots.give_back(p);
        }
    }

    /// Group `g`'s data slot (`MAX_GROUPS` if none is free: no fast path for it). A slot
    /// lent anew starts zeroed: an empty ring.
    pub(super) fn group_slot(&mut self, g: GroupId) -> usize {
        match self.group_slots.lend(g) {
            Some((slot, fresh)) => {
                if fresh {
                    if let Some(buffer) = self.buffer.as_mut() {
                        // Whole: a record's published tag derives from its position, so the
                        // former holder's records would look published to the new one.
                        let at = data_slot(slot);
                        buffer.map[at..at + SLOT_SIZE].fill(0);
                    }
                }
                slot
            }
            None => MAX_GROUPS,
        }
    }

    /// Process `p`'s slot (`MAX_GROUPS` if none is free). A slot lent anew starts with an
    /// empty lock-order record and fd journal, unknown fd classes, not threaded; its
    /// generation word is bumped, never reset, so no runtime mistakes old classes for new.
    pub(super) fn process_slot(&mut self, p: ProcId) -> usize {
        let Some((slot, fresh)) = self.process_slots.lend(p) else {
            return MAX_GROUPS;
        };
        if let (true, Some(buffer)) = (fresh, self.buffer.as_mut()) {
            let order = order_slot(slot);
            buffer.map[order..order + SLOT_SIZE].fill(0);
            let journal = fd_journal(slot);
            buffer.map[journal..journal + FD_JOURNAL_SIZE].fill(0);
            let classes = fd_class_slot(slot);
            buffer.map[classes..classes + FD_CLASSES].fill(FD_UNKNOWN);
            let flags = process_flags(slot);
            buffer.map[flags..flags + 8].fill(0);
            // By two: an odd generation means classes being written (`publish_snapshot`).
            word(&buffer.map, fd_generation(slot))
                .fetch_add(2, std::sync::atomic::Ordering::Release);
        }
        slot
    }

    /// Whether `path` names the buffer.
    fn is_buffer(&self, path: &[u8]) -> bool {
        self.buffer
            .as_ref()
            .is_some_and(|b| b.path.as_os_str().as_encoded_bytes() == path)
    }

    /// Writes process `proc_`'s fd classes where its runtime's fast path reads them. Called
    /// whenever the table changes, before the variant that changed it runs on.
    pub(super) fn publish_fd_classes(&mut self, p: ProcId, proc_: &VProc) {
        self.publish_snapshot(p, proc_, None);
    }

    /// Writes the classes (and, with `journal`, how many journal entries they include) as a
    /// seqlock: the generation word is odd while they change, so a variant that reads them
    /// meanwhile (one whose thread runs while the monitor handles another) reads again.
    fn publish_snapshot(&mut self, p: ProcId, proc_: &VProc, journal: Option<u64>) {
        use std::sync::atomic::Ordering;
        if !self.fast_io || self.holding.contains(&p) {
            return;
        }
        let Some(slot) = self.process_slots.slot_of(p) else {
            return;
        };
        let Some(buffer) = self.buffer.as_mut() else {
            return;
        };
        // The variants take the new classes at their next fast call (`fd_classes.rs`).
        word(&buffer.map, fd_generation(slot)).fetch_add(1, Ordering::AcqRel);
        std::sync::atomic::fence(Ordering::Release);
        if let Some(taken) = journal {
            word(&buffer.map, fd_journal(slot) + 8).store(taken, Ordering::Release);
        }
        let at = fd_class_slot(slot);
        buffer.map[at..at + FD_CLASSES].copy_from_slice(&proc_.fd.table.classes());
        word(&buffer.map, fd_generation(slot)).fetch_add(1, Ordering::Release);
    }

    /// While the leader's journal of process `p` is being applied, its classes are not
    /// published change by change: `release_publishing` publishes them once, with the
    /// journal position they then include.
    pub(super) fn hold_publishing(&mut self, p: ProcId) {
        self.holding.insert(p);
    }

    pub(super) fn release_publishing(&mut self, p: ProcId, proc_: &VProc, taken: u64) {
        self.holding.remove(&p);
        self.publish_snapshot(p, proc_, Some(taken));
    }

    /// The fd-table changes the leader of process `p` made on the fast path since the last
    /// call (read-only opens, closes, accepts), in order, and the journal position after them
    /// (marked taken by `release_publishing`, with the classes that include them).
    pub(super) fn take_fd_journal(&mut self, p: ProcId) -> (Vec<FdChange>, u64) {
        use std::sync::atomic::Ordering;
        let (Some(slot), Some(buffer)) = (self.process_slots.slot_of(p), self.buffer.as_ref())
        else {
            return (vec![], 0);
        };
        if !self.fast_io {
            return (vec![], 0);
        }
        let base = fd_journal(slot);
        let written = word(&buffer.map, base).load(Ordering::Acquire);
        let taken = word(&buffer.map, base + 8).load(Ordering::Relaxed);
        let changes = (taken..written)
            .filter_map(|i| {
                let at = base + 16 + 8 * (i as usize % FD_JOURNAL_ENTRIES);
                FdChange::decode(word(&buffer.map, at).load(Ordering::Relaxed))
            })
            .collect();
        (changes, written)
    }

    /// Writes process `p`'s flags for its runtime (`PROCESS_THREADED`, `PROCESS_SHARES_MEMORY`).
    pub(super) fn publish_process_flags(&mut self, p: ProcId, proc_: &VProc) {
        let (Some(slot), Some(buffer)) = (self.process_slots.slot_of(p), self.buffer.as_mut())
        else {
            return;
        };
        let mut flags = 0;
        if proc_.threaded {
            flags |= PROCESS_THREADED;
        }
        if proc_.memory_children > 0 {
            flags |= PROCESS_SHARES_MEMORY;
        }
        let at = process_flags(slot);
        buffer.map[at..at + 8].copy_from_slice(&flags.to_ne_bytes());
    }

    /// Where variant `variant` of group `g` is in its ring (the leader's write position, a
    /// follower's read position); `None` if the group has no ring. Exact while the variant
    /// is stopped; a running follower's position cannot pass a signal point it owes (its
    /// runtime stops there, `signal_point_word`).
    pub(super) fn ring_position(&self, g: GroupId, variant: usize) -> Option<u64> {
        use std::sync::atomic::Ordering;
        let slot = self.group_slots.slot_of(g)?;
        let buffer = self.buffer.as_ref()?;
        let base = data_slot(slot);
        let at = if variant == 0 {
            WRITE_POS
        } else {
            READ_POS + 64 * variant
        };
        Some(word(&buffer.map, base + at).load(Ordering::Acquire))
    }

    /// Whether variant `variant` of group `g` is inside a fast-path call whose record it
    /// has not published or consumed yet (`in_call_word`): at that call's entry.
    pub(super) fn in_call(&self, g: GroupId, variant: usize) -> bool {
        let (Some(slot), Some(buffer)) = (self.group_slots.slot_of(g), self.buffer.as_ref()) else {
            return false;
        };
        let at = data_slot(slot) + in_call_word(variant);
        let call = word(&buffer.map, at).load(std::sync::atomic::Ordering::Acquire);
        call != 0 && Some(call - 1) == self.ring_position(g, variant)
    }

    /// Whether group `g` has a fast-path ring, lending it one now if there is a buffer.
    pub(super) fn has_ring(&mut self, g: GroupId) -> bool {
        self.buffer.is_some() && self.group_slot(g) < MAX_GROUPS
    }

    /// Sets (or, with 0, clears) the signal point follower `variant` of group `g` owes.
    pub(super) fn set_signal_point(&mut self, g: GroupId, variant: usize, value: u64) {
        let (Some(slot), Some(buffer)) = (self.group_slots.slot_of(g), self.buffer.as_ref()) else {
            return;
        };
        let at = data_slot(slot) + signal_point_word(variant);
        word(&buffer.map, at).store(value, std::sync::atomic::Ordering::Release);
    }

    /// Tells group `g`'s followers that its leader thread ended: a follower waiting for a
    /// fast-path record then makes its call the ordinary way, and the monitor sees it.
    pub(super) fn mark_leader_gone(&mut self, g: GroupId) {
        self.set_and_wake(g, LEADER_GONE, 1);
    }

    /// Tells group `g`'s followers whether its leader is held at the entry of a lock-stepped
    /// call for a rendezvous (`Some`: with this ring write position): a follower waiting for
    /// the record there then makes its call the ordinary way (`LEADER_HELD_AT`).
    pub(super) fn mark_leader_held(&mut self, g: GroupId, at: Option<u64>) {
        let value = at.map_or(0, |at| at + 1);
        let (Some(slot), Some(buffer)) = (self.group_slots.slot_of(g), self.buffer.as_ref()) else {
            return;
        };
        let word_at = data_slot(slot) + LEADER_HELD_AT;
        if word(&buffer.map, word_at).load(std::sync::atomic::Ordering::Acquire) == value {
            return;
        }
        if value == 0 {
            // Nobody waits on a clear: no wake-up needed.
            word(&buffer.map, word_at).store(0, std::sync::atomic::Ordering::Release);
            return;
        }
        self.set_and_wake(g, LEADER_HELD_AT, value);
    }

    /// Sets word `at` of group `g`'s line and wakes its sleeping followers to look at it.
    fn set_and_wake(&mut self, g: GroupId, at: usize, value: u64) {
        let (Some(slot), Some(buffer)) = (self.group_slots.slot_of(g), self.buffer.as_mut()) else {
            return;
        };
        let w = data_slot(slot) + at;
        buffer.map[w..w + 8].copy_from_slice(&value.to_ne_bytes());
        // Bump the followers' futex word, then wake them (a shared futex on the file's page):
        // one that read the word before the flag was set does not go to sleep.
        let seq = buffer.map.as_ptr().wrapping_add(data_slot(slot) + WAKE_SEQ);
        // SAFETY: a 4-aligned word of our own mapping, shared with the variants.
        let seq = unsafe { &*(seq as *const std::sync::atomic::AtomicU32) };
        seq.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        // SAFETY: a futex wake on that word.
        unsafe {
            libc::syscall(
                libc::SYS_futex,
                seq as *const std::sync::atomic::AtomicU32,
                libc::FUTEX_WAKE,
                i32::MAX,
            )
        };
    }
}

impl Monitor {
    /// The pid of variant 0's task of process `p` (its main thread, or any live thread).
    pub(super) fn leader_pid_of(&self, p: ProcId) -> Option<Pid> {
        let main = self.member(self.procs[p].main_group, 0);
        main.or_else(|| {
            self.running
                .iter()
                .copied()
                .filter(|&g| self.groups[g].proc_ == p)
                .find_map(|g| self.member(g, 0))
        })
        .map(|t| self.tasks[t].tracee.pid)
    }

    /// The fast-path level for task `t`'s address space: the configured one once the gadget
    /// is mapped there.
    fn fast_level_of(&self, t: TaskId) -> u64 {
        let task = &self.tasks[t];
        match self.procs[task.proc_].spaces[task.variant].gadget {
            Some(true) => self.cfg.level.fast_level(),
            _ => FAST_OFF,
        }
    }

    /// The divergence a follower's runtime reported from its fast path (`OP_FAST_DIVERGED`
    /// with the address of its report).
    fn fast_divergence(&self, t: TaskId, report_addr: u64) -> Divergence {
        let task = &self.tasks[t];
        let word = |i: u64| {
            task.tracee
                .read_u64(report_addr + 8 * i)
                .unwrap_or(u64::MAX)
        };
        let (leader_nr, own_nr, fd, byte) = (word(0), word(1), word(2), word(3));
        let bytes = |addr: u64, len: u64| {
            task.tracee
                .read_bytes(addr, len.min(4096) as usize)
                .unwrap_or_default()
        };
        let (leader_input, own_input) = (bytes(word(4), word(5)), bytes(word(6), word(7)));
        let name = crate::table::name_of(own_nr);
        let on_fd = if fd == u64::MAX {
            String::new()
        } else {
            format!(" on fd {fd}")
        };
        let level = format!("--monitor-level {}", self.cfg.level.name());
        let (kind, msg) = if leader_nr != own_nr {
            (
                DivergenceKind::SyscallMismatch,
                format!(
                    "variant {} made {name}{on_fd} where the leader made {} (fast path, {level})",
                    task.variant,
                    crate::table::name_of(leader_nr)
                ),
            )
        } else if byte == FD_MISMATCH {
            (
                DivergenceKind::ArgumentMismatch,
                format!(
                    "{name}: variant {} got fd {} where the leader got another number: its fd \
                     table differs from the leader's (fast path, {level})",
                    task.variant, fd as i64
                ),
            )
        } else if byte == u64::MAX {
            (
                DivergenceKind::ArgumentMismatch,
                format!(
                    "{name}{on_fd}: arguments differ between the leader and variant {} (fast path, {level})",
                    task.variant
                ),
            )
        } else {
            (
                DivergenceKind::ArgumentMismatch,
                format!(
                    "{name}{on_fd}: data differs at byte {byte} (fast path, {level}: the leader's call \
                     already ran)\n  leader:    {}\n  variant {}: {}",
                    crate::decode::quote(&leader_input),
                    task.variant,
                    crate::decode::quote(&own_input)
                ),
            )
        };
        self.divergence(task.group, kind, msg, Some(name))
    }

    /// The runtime's handshake: answered for each task at once, outside lock-step (the answer
    /// differs per variant by design).
    pub(super) fn answer_handshake(
        &mut self,
        t: TaskId,
        stop: Stopped,
        regs: user_regs_struct,
    ) -> Result<Option<Stop>> {
        let (op, a, b) = (regs.rdi, regs.rsi, regs.rdx);
        let task = &self.tasks[t];
        let answer: i64 = match op {
            // No buffer (it could not be made, or followers run on other hosts): the runtime
            // passes through in every variant, as without a monitor.
            OP_INDEX if self.runtime.buffer.is_none() => -1,
            OP_INDEX => task.variant as i64,
            OP_VARIANTS => self.variants() as i64,
            OP_HEAP_PAD => heap_pad(self.cfg.heap_padding, task.variant) as i64,
            // A vfork child before its exec asks in its parent's memory, where the answer is
            // kept: it gets the parent's slots (and sees there that nothing is fast).
            OP_GROUP => {
                let owner = &self.tasks[task.in_memory_of.unwrap_or(t)];
                self.runtime.group_slot(owner.group) as i64
            }
            OP_PROCESS => {
                let owner = &self.tasks[task.in_memory_of.unwrap_or(t)];
                self.runtime.process_slot(owner.proc_) as i64
            }
            OP_SETUP => {
                let n = a.min(MAX_SETUP_CALLS);
                self.tasks[t].setup_calls = n;
                n as i64
            }
            OP_FAST_LEVEL => self.fast_level_of(t) as i64,
            OP_SIGNAL_POINT => return self.signal_point_reached(t, stop, regs, a),
            OP_SIGPIPE => {
                super::signals::tkill(task.tracee.pid, libc::SIGPIPE);
                0
            }
            OP_FAST_DIVERGED => {
                let d = self.fast_divergence(t, a);
                return Ok(Some(Stop::Diverged(d)));
            }
            OP_RUNTIME_PANIC => {
                let msg = task
                    .tracee
                    .read_bytes(a, b.min(4096) as usize)
                    .unwrap_or_default();
                anyhow::bail!(
                    "the mvx runtime failed in variant {} (pid {}): {}",
                    task.variant,
                    task.tracee.pid,
                    String::from_utf8_lossy(&msg)
                );
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
        super::lockstep::answer(task, stop, &regs, answer, None).map(|()| None)
    }
}

impl RuntimeServer {
    /// A syscall of the runtime's setup (after OP_SETUP): open/stat/mmap/close of the sync
    /// buffer (the table's `runtime_setup` calls), run at once in this task only. Anything
    /// else ends the exemption.
    pub(super) fn runs_as_setup(&self, task: &mut Task, raw: &crate::tracee::RawCall) -> bool {
        if task.setup_calls == 0 {
            return false;
        }
        // The exempted calls are table data (`RuntimeSetup`), each with its reason there.
        let ok = match crate::table::lookup(raw.nr).and_then(|s| s.props.runtime_setup) {
            Some(RuntimeSetup::BufferPath(i)) => {
                let path = task.tracee.read_cstr(raw.args[i as usize]).ok();
                path.is_some_and(|p| self.is_buffer(&p))
            }
            Some(RuntimeSetup::Any) => true,
            None => false,
        };
        task.setup_calls = if ok { task.setup_calls - 1 } else { 0 };
        ok
    }
}

/// The shared buffer's word at byte `at`, which the variants access atomically.
use mvx_sync_runtime::protocol::shared_word as word;

/// The bytes variant `variant` adds to each small allocation with `--heap-padding`: none in
/// the leader, 16 more per follower (malloc's granularity), so each pair of variants places
/// consecutive heap objects at different distances.
fn heap_pad(on: bool, variant: usize) -> u64 {
    if on {
        16 * variant as u64
    } else {
        0
    }
}
