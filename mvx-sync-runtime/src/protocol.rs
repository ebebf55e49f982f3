//! What the runtime and the monitor agree on: the handshake syscall and the sync buffer layout.

/// The syscall number of the handshake. No kernel has it, so without mvx it fails with ENOSYS
/// and the runtime passes through; under mvx the monitor answers it for each variant.
pub const HANDSHAKE_NR: i64 = 0x4d_5658;

/// Handshake operations (first argument).
pub const OP_INDEX: u64 = 0;
/// How many variants run.
pub const OP_VARIANTS: u64 = 1;
/// The calling thread's lock-step group: the same number in every variant (groups are
/// created in the same order everywhere), so it names the thread's records.
pub const OP_GROUP: u64 = 2;
/// A follower found a record whose id is not its own: args (leader's id, own id); the monitor
/// reports a divergence and never returns.
pub const OP_MISMATCH: u64 = 3;
/// The calling thread's process, as the lock-step group of its first thread: names the
/// process's lock-order record.
pub const OP_PROCESS: u64 = 4;
/// The calling thread's next `arg` syscalls set up the runtime (open, stat and mmap of the
/// sync buffer, close): the monitor runs them outside lock-step. Only those calls qualify, and
/// the open only of the sync buffer; any other call ends the exemption.
pub const OP_SETUP: u64 = 5;
/// How many setup syscalls one OP_SETUP may cover.
pub const MAX_SETUP_CALLS: u64 = 8;
/// The fast-path level of this address space (`FAST_*`; `FAST_OFF` when the monitor injected
/// no gadget or runs at `strict`).
pub const OP_FAST_LEVEL: u64 = 6;
/// A follower's fast-path call differs from the leader's record. The argument points to
/// `[u64; 8]` in the follower: leader's nr, own nr, fd (`u64::MAX`: none), first differing
/// byte (`u64::MAX`: the call or its arguments differ), then address and length of the
/// leader's input bytes and of the follower's own. The monitor reports a divergence and never
/// returns.
pub const OP_FAST_DIVERGED: u64 = 7;
/// A follower's fast-path write took the leader's EPIPE: the kernel raised SIGPIPE in the
/// leader, so the monitor raises it in the calling thread too.
pub const OP_SIGPIPE: u64 = 8;
/// The runtime itself failed (a Rust panic in it): args (address, length) of the message in
/// the caller. The monitor ends the run with that message as mvx's own error, since what the
/// variant does next (abort) is no divergence of the program's.
pub const OP_RUNTIME_PANIC: u64 = 9;

/// A follower reached the ring position where the leader took a signal (`signal_point_word`),
/// the argument. The monitor delivers the signal as the handshake returns, so the handler
/// runs at the point where the leader's ran.
pub const OP_SIGNAL_POINT: u64 = 10;

/// The preload's heap padding (`mvx run --heap-padding`): the bytes this variant adds to each
/// small allocation (0: none), so that heap objects lie at other distances from each other in
/// each variant. Asked once per process image, at its first allocation.
pub const OP_HEAP_PAD: u64 = 11;

/// Set in the variants' environment by `mvx run --heap-padding`: the preload asks for its
/// padding (`OP_HEAP_PAD`) only then, so runs without it make no extra call.
pub const HEAP_PAD_ENV: &str = "MVX_HEAP_PAD";

/// Fast-path levels as the handshake answers them: `mvx_abi::Level as u64` (`--monitor-level`),
/// cumulative: which calls the runtime may run without a monitor round trip.
pub const FAST_OFF: u64 = mvx_abi::Level::Strict as u64;
/// Identity and clock reads (the table's `Fast::Local` calls).
pub const FAST_BASE: u64 = mvx_abi::Level::Base as u64;
/// + reads of files, pipes and terminals.
pub const FAST_NONSOCKET_RO: u64 = mvx_abi::Level::NonsocketRo as u64;
/// + writes to files, pipes and terminals.
pub const FAST_NONSOCKET_RW: u64 = mvx_abi::Level::NonsocketRw as u64;
/// + reads of sockets.
pub const FAST_SOCKET_RO: u64 = mvx_abi::Level::SocketRo as u64;
/// + writes to sockets.
pub const FAST_SOCKET_RW: u64 = mvx_abi::Level::SocketRw as u64;

/// Where the monitor maps the fast-path gadget (`syscall; jmp r12`), read+execute only, in every
/// variant that runs above `strict`. The seccomp filter lets the level's fast-path syscalls
/// through only when they are made by this instruction; anywhere else they stop in the monitor.
pub const GADGET_ADDR: u64 = 0x4d56_5800_0000;
pub const GADGET_CODE: [u8; 5] = [0x0f, 0x05, 0x41, 0xff, 0xe4];
/// The instruction pointer the kernel reports for a syscall made by the gadget.
pub const GADGET_SYSCALL_IP: u64 = GADGET_ADDR + 2;

/// Per process (indexed like the lock-order slots), one byte per fd number below `FD_CLASSES`:
/// what stands behind the fd, written by the monitor whenever its fd table changes.
pub const FD_CLASSES: usize = 4096;
/// Unknown or beyond the table: no fast path.
pub const FD_UNKNOWN: u8 = 0;
/// Every variant opened its own copy (read-only regular file, for mmap); reads are the
/// leader's like any other.
pub const FD_PER_VARIANT: u8 = 1;
/// One channel only the leader does I/O on (pipe, tty, writable file, inherited fd):
/// followers take the leader's results.
pub const FD_LEADER_FILE: u8 = 2;
/// As `FD_LEADER_FILE`, a socket.
pub const FD_LEADER_SOCKET: u8 = 3;
/// A channel the program made for itself inside the run (a pipe, eventfd or socketpair end;
/// `FD_INTERNAL_SOCKET`: a socketpair's): the leader's alone as `FD_LEADER_FILE`, but writes
/// to it never take the fast path. Threads (and processes sharing memory) notify each other
/// through such channels about data they left in memory; were the leader's write to run
/// ahead of a follower's, the follower's reader would get the leader's notification before
/// its own writer had left the data. A lock-stepped write happens only once every variant's
/// writer has reached it, so every follower's reader sees its own data in place.
pub const FD_INTERNAL_FILE: u8 = 4;
pub const FD_INTERNAL_SOCKET: u8 = 5;

/// Whether an fd of class `class` is a socket (for the socket levels).
pub fn class_is_socket(class: u8) -> bool {
    matches!(class, FD_LEADER_SOCKET | FD_INTERNAL_SOCKET)
}

/// Whether writes to an fd of class `class` may take the fast path (at the level for it).
pub fn class_written_fast(class: u8) -> bool {
    !matches!(class, FD_INTERNAL_FILE | FD_INTERNAL_SOCKET)
}

/// The environment variable that names the sync buffer file.
pub const SHM_ENV: &str = "MVX_SYNC_SHM";

/// Bytes of the sync buffer per lock-step group, and the number of groups it holds. The
/// buffer holds `MAX_GROUPS` data slots (one per thread), then `MAX_GROUPS` lock-order slots
/// (one per process, indexed by its first thread's group).
pub const SLOT_SIZE: usize = 256 << 10;
pub const MAX_GROUPS: usize = 64;
pub const SHM_SIZE: usize = SLOT_SIZE * MAX_GROUPS * 2
    + FD_CLASSES * MAX_GROUPS
    + 16 * MAX_GROUPS
    + FD_JOURNAL_SIZE * MAX_GROUPS;

/// Byte offset of the data slot of `group` and of the lock-order slot of a process.
pub const fn data_slot(group: usize) -> usize {
    group * SLOT_SIZE
}
pub const fn order_slot(process: usize) -> usize {
    (MAX_GROUPS + process) * SLOT_SIZE
}
pub const fn fd_class_slot(process: usize) -> usize {
    2 * MAX_GROUPS * SLOT_SIZE + process * FD_CLASSES
}
/// A word of flags per process, set by the monitor at calls every variant passes in lock-step
/// (clone, exec, and the end of a child): `PROCESS_THREADED`, `PROCESS_SHARES_MEMORY`.
pub const fn process_flags(process: usize) -> usize {
    2 * MAX_GROUPS * SLOT_SIZE + MAX_GROUPS * FD_CLASSES + 8 * process
}

/// The process has (had) several threads: clock reads are paired loosely and fd-table calls
/// leave the fast path (how often and in which order threads make them depends on timing).
pub const PROCESS_THREADED: u64 = 1;

/// A child created with CLONE_VM (vfork, posix_spawn) runs in the process's memory and has
/// not exec'd yet: it sees this process's runtime (thread slot, fd classes), so nothing takes
/// the fast path until it is gone, and the monitor sees the child's calls as its own.
pub const PROCESS_SHARES_MEMORY: u64 = 2;

/// The `byte` of an OP_FAST_DIVERGED report whose follower got another fd number than the
/// leader's from a fast fd-table call (the report's fd word holds the follower's number).
pub const FD_MISMATCH: u64 = u64::MAX - 1;

/// A word per process the monitor bumps whenever it rewrites the process's fd classes. Each
/// variant's runtime keeps its own copy of the classes (changed by its own fast fd-table calls,
/// in program order) and takes the monitor's again when this word changes: the monitor writes
/// only at a rendezvous of the process, where no variant lags behind another.
pub const fn fd_generation(process: usize) -> usize {
    2 * MAX_GROUPS * SLOT_SIZE + MAX_GROUPS * FD_CLASSES + 8 * MAX_GROUPS + 8 * process
}

/// Per process, the fd-table changes its leader made on the fast path (read-only opens,
/// closes, accepts), for the monitor's fd table: word 0 counts entries written (by the
/// leader), word 1 entries taken (by the monitor, at the process's next rendezvous), then a
/// ring of `FD_JOURNAL_ENTRIES` entries (`fd_journal_entry`). Only single-threaded processes
/// make such calls, so there is one writer.
pub const FD_JOURNAL_SIZE: usize = 4096;
pub const FD_JOURNAL_ENTRIES: usize = FD_JOURNAL_SIZE / 8 - 2;
pub const fn fd_journal(process: usize) -> usize {
    2 * MAX_GROUPS * SLOT_SIZE
        + MAX_GROUPS * FD_CLASSES
        + 16 * MAX_GROUPS
        + FD_JOURNAL_SIZE * process
}

/// One journal entry: what happened to which fd.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdChange {
    /// Every variant opened its own copy of a regular file or directory (read-only).
    OpenedPerVariant(i32),
    /// The leader accepted a connection; followers hold a placeholder.
    Accepted(i32),
    Closed(i32),
}

impl FdChange {
    pub fn encode(self) -> u64 {
        let (op, fd) = match self {
            FdChange::OpenedPerVariant(fd) => (1u64, fd),
            FdChange::Accepted(fd) => (2, fd),
            FdChange::Closed(fd) => (3, fd),
        };
        op << 32 | fd as u32 as u64
    }

    pub fn decode(word: u64) -> Option<FdChange> {
        let fd = word as u32 as i32;
        match word >> 32 {
            1 => Some(FdChange::OpenedPerVariant(fd)),
            2 => Some(FdChange::Accepted(fd)),
            3 => Some(FdChange::Closed(fd)),
            _ => None,
        }
    }
}

/// Slot layout, by who writes each 64-byte line, so that a record costs as few cache-line
/// transfers between the leader's and the followers' CPUs as possible:
/// - line 0, the leader's own: its write position and its note of the slowest follower;
/// - line 1, written only when a follower goes to sleep (and by the monitor when the leader
///   ends): the sleeper count, the futex word, the leader-gone flag. The leader reads it at
///   every record, which costs nothing while it does not change;
/// - one line per variant for its read position, written by that follower; the leader reads
///   them only when the ring might be full;
/// - the ring of records, each starting on a line of its own (see `RECORD_HEADER`).
pub const WRITE_POS: usize = 0;
/// The leader's own note of the slowest follower's read position when last looked at, so that
/// it reads the followers' cache lines only when the ring might be full.
pub const LEADER_SEEN: usize = 8;
/// Followers asleep on `WAKE_SEQ`.
pub const SLEEPERS: usize = 64;
/// A 32-bit futex word that followers sleep on (see `Ring`); the monitor bumps it too.
pub const WAKE_SEQ: usize = 72;
/// Set by the monitor when the group's leader thread has ended: no record will come, so a
/// waiting follower makes its call the ordinary way and the monitor sees where it went.
pub const LEADER_GONE: usize = 80;
/// Set by the monitor while the group's leader is held at the entry of a lock-stepped call
/// for a rendezvous, to its write position + 1 (0 otherwise): a follower waiting for the
/// record there waits for one that cannot come before a rendezvous it is not at (its call is
/// not the leader's), so it makes its call the ordinary way and the monitor compares it with
/// the leader's at once, instead of both waiting out the window.
pub const LEADER_HELD_AT: usize = 88;
pub const READ_POS: usize = 128;
/// In variant `v`'s line: a signal it must take at the entry of a fast-path call (the
/// arguments made, as at a lock-stepped call's entry stop, where every variant takes a
/// signal), or 0. For a follower, the ring position (+1) where the leader took it: the call
/// whose record is there. For the leader, any nonzero value: its next call. Written by the
/// monitor, cleared by it when the variant took the signal. (Handlers run with the fast path
/// off, `fastpath::in_signal_handler`, so their own calls are lock-stepped.)
pub const fn signal_point_word(variant: usize) -> usize {
    READ_POS + 64 * variant + 8
}

/// In variant `v`'s line: while its thread is inside a fast-path call, the call's ring
/// position (+1), else 0. While that is still the variant's position, the call's record is
/// not published (leader) or consumed (follower) yet, and a signal stop there is at the
/// call's entry as far as the program is concerned: its arguments are made. (The leader's
/// position moves when the record is published, before it leaves the call.)
pub const fn in_call_word(variant: usize) -> usize {
    READ_POS + 64 * variant + 16
}
pub const MAX_VARIANTS: usize = 8;
pub const RING_START: usize = READ_POS + 64 * MAX_VARIANTS;
pub const RING_SIZE: usize = SLOT_SIZE - RING_START;

/// Records start on a cache line: the leader never writes into a line a follower is still
/// reading, and a small record (a getpid's) is one line.
pub const RECORD_ALIGN: usize = 64;
/// A record: its tag (its position + 1, written last: a follower waits for this word and never
/// for a separate position), id (u64), length (u64), then the bytes, padded to `RECORD_ALIGN`.
pub const RECORD_HEADER: usize = 24;

pub fn record_size(len: usize) -> usize {
    (RECORD_HEADER + len).div_ceil(RECORD_ALIGN) * RECORD_ALIGN
}

const _: () =
    assert!(RING_START.is_multiple_of(RECORD_ALIGN) && RING_SIZE.is_multiple_of(RECORD_ALIGN));

/// The shared word at byte `at` of the sync buffer's mapping. The variants and the monitor
/// access the buffer's words only atomically, through this (or the ring's own accessor).
pub fn shared_word(map: &memmap2::MmapMut, at: usize) -> &std::sync::atomic::AtomicU64 {
    assert!(
        at.is_multiple_of(8) && at + 8 <= map.len(),
        "shared word {at:#x} outside the buffer"
    );
    // SAFETY: an aligned word within the mapping, which outlives the reference; every access
    // to it, in every process, is atomic.
    unsafe { &*(map.as_ptr().add(at) as *const std::sync::atomic::AtomicU64) }
}
