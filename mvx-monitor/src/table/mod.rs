//! The declarative syscall table: one entry per syscall describes its arguments and how it is
//! dispatched. Comparison, replication and report decoding are all derived from it.

mod conditional;
mod entries;

pub use conditional::{unused_args, ArgMask};

use std::sync::OnceLock;
use syscalls::Sysno;

/// How the length of a buffer argument is found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Len {
    /// The value of argument `i`.
    Arg(u8),
    /// A fixed size (a struct).
    Fixed(usize),
    /// Argument `i` times an element size (arrays: pollfd, gid_t, ...).
    ArgTimes(u8, usize),
    /// The syscall's return value (bytes produced by the kernel), at most the capacity given
    /// by argument `i` (recvfrom with MSG_TRUNC returns more than it wrote). Out-buffers only.
    RetUpTo(u8),
    /// The return value times an element size (epoll_wait events). Out-buffers only.
    RetTimes(usize),
    /// The `u32` pointed to by argument `i` (a `socklen_t *`): the capacity at entry, the
    /// (possibly larger) full size of the object at exit.
    DerefArg(u8),
}

/// What one syscall argument is, for comparison, replication and decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A plain value compared for equality (sizes, modes, offsets, counts).
    Int,
    /// Bit flags: compared for equality, printed in hex.
    Flags,
    /// A file descriptor: fd numbers are identical in every variant, so compared by value.
    Fd,
    /// A directory fd of a `*at` call (`AT_FDCWD` decoded).
    DirFd,
    /// A process or thread id.
    Pid,
    /// A signal number.
    Signal,
    /// A timeout in milliseconds: not compared. Timeouts and deadlines are computed from clock
    /// readings, whose timing differs between variants (deadline and timespec pointers are
    /// declared `Ptr` for the same reason); a variant waiting longer or shorter is no attack.
    Timeout,
    /// A pointer whose target is not compared (only whether it is NULL).
    Ptr,
    /// fcntl's third argument: a value for commands that take one (compared), unused garbage
    /// or a pointer for the others (not compared).
    FcntlArg,
    /// `struct epoll_event` (packed: u32 events, u64 data): the events are compared; the data
    /// is often a pointer, so it is remembered per variant and translated on epoll_wait.
    EpollEvent,
    /// A NUL-terminated path, compared by content.
    Path,
    /// A NUL-terminated string, compared by content.
    Str,
    /// A NULL-terminated array of string pointers (argv, envp), compared by content.
    StrArray,
    /// Memory the kernel reads: compared by content.
    In(Len),
    /// Memory the kernel writes: replicated from the leader to the followers.
    Out(Len),
    /// Memory the kernel reads and writes: compared at entry, replicated at exit.
    InOut(Len),
    /// A `struct sockaddr` the kernel reads, length in argument `len_arg`: compared by the
    /// fields that matter for its family (padding and bytes after a path's NUL are ignored).
    SockAddr { len_arg: u8 },
    /// utimensat's `struct timespec[2]`: compared with the seconds of a UTIME_NOW/UTIME_OMIT
    /// entry cleared (the kernel ignores them, and programs leave them uninitialised).
    UtimeTimes,
    /// `struct iovec[count]` whose data the kernel reads (writev): data compared.
    IovIn { count: u8 },
    /// `struct iovec[count]` the kernel fills (readv): the return value's bytes are replicated.
    IovOut { count: u8 },
    /// `struct msghdr` for sendmsg: name, data and control compared.
    MsgIn,
    /// `struct msghdr` for recvmsg: name, data, control and flags replicated.
    MsgOut,
}

/// What the syscall returns, for decoding and fd bookkeeping.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ret {
    /// An integer or -errno.
    Int,
    /// A new file descriptor.
    NewFd,
    /// Two new file descriptors written as `int[2]` to argument `i` (pipe, socketpair).
    NewFdPair(u8),
    /// An address (mmap, brk): differs per variant, never replicated.
    Addr,
    /// The syscall does not return on success (exit, execve).
    NoReturn,
}

/// Hand-written handlers for syscalls whose treatment depends on their arguments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Special {
    /// open/openat/openat2/creat: per-variant for read-only regular files and directories,
    /// leader-only (with a placeholder fd in followers) for everything else.
    Open,
    /// mmap: anonymous or backed by an fd every variant holds: all; otherwise unsupported.
    Mmap,
    /// fcntl: fd duplication and fd flags in all variants; file status and locks leader-only.
    Fcntl,
    /// ioctl: leader-only; the out-size comes from the request encoding or a known list.
    Ioctl,
    /// execve/execveat: compared (path, argv, envp), executed by all.
    Exec,
    /// exit/exit_group: compared, executed by all; exit statuses compared afterwards.
    Exit,
    /// fork/vfork/clone/clone3: not supported yet (ENOSYS in every variant, with a warning).
    Fork,
}

/// Dispatch classes (Orchestra 2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dispatch {
    /// (a) Executed by every variant: process-local state (memory, signal handlers, fd table).
    All,
    /// (b) Executed by the leader only; followers skip it and receive its result and out-buffers.
    LeaderOnly,
    /// (c) Executed by every variant; the followers' results are replaced by the leader's.
    AllReplaceResult,
    /// Executed by every variant without a rendezvous: the seccomp filter lets it through.
    /// For calls whose number depends on thread timing (futex waits and wakes under
    /// contention, sched_yield) and that only touch the process itself.
    Unchecked,
    /// Not executed anywhere: every variant gets `-errno`.
    Deny(i32),
    /// Needs a hand-written handler.
    Special(Special),
}

/// Which fast-path class a syscall belongs to: the runtime may make it without a monitor round
/// trip (from the gadget) at a level that covers the class (see `seccomp::Level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fast {
    /// Identity and clock reads: level `base` and up.
    Local,
    /// Reads of an fd: `nonsocket-ro` (files, pipes, ttys) or `socket-ro` (sockets) and up.
    Read,
    /// Writes to an fd: `nonsocket-rw` or `socket-rw` and up.
    Write,
}

/// One entry of the table.
#[derive(Clone, Copy, Debug)]
pub struct Spec {
    pub nr: Sysno,
    pub args: &'static [Arg],
    pub dispatch: Dispatch,
    pub ret: Ret,
    /// The fast-path class, if the runtime may make this call itself.
    pub fast: Option<Fast>,
}

impl Spec {
    pub fn name(&self) -> &'static str {
        self.nr.name()
    }

    /// Whether the syscall creates a file descriptor.
    pub fn creates_fd(&self) -> bool {
        matches!(self.ret, Ret::NewFd | Ret::NewFdPair(_))
    }
}

/// Builder used by the entries file: keeps each entry on one readable line.
pub(crate) const fn sc(nr: Sysno, dispatch: Dispatch, args: &'static [Arg], ret: Ret) -> Spec {
    Spec {
        nr,
        args,
        dispatch,
        ret,
        fast: None,
    }
}

impl Spec {
    /// Marks the entry as one the runtime's fast path may make (`sc(...).fast(Fast::Read)`).
    pub(crate) const fn fast(mut self, class: Fast) -> Spec {
        self.fast = Some(class);
        self
    }
}

/// Looks up the table entry of a syscall number; `None` for syscalls the table lacks.
pub fn lookup(nr: u64) -> Option<&'static Spec> {
    static INDEX: OnceLock<Vec<Option<&'static Spec>>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let size = entries::ENTRIES
            .iter()
            .map(|s| s.nr.id() as usize + 1)
            .max()
            .unwrap_or(0);
        let mut index = vec![None; size];
        for spec in entries::ENTRIES {
            index[spec.nr.id() as usize] = Some(spec);
        }
        index
    });
    usize::try_from(nr)
        .ok()
        .and_then(|i| index.get(i).copied().flatten())
}

/// Pseudo syscall numbers for instructions the monitor traps and emulates in lock-step
/// (arguments: instruction length, then eax and ecx for cpuid).
pub const PSEUDO_RDTSC: u64 = 1 << 32;
pub const PSEUDO_CPUID: u64 = (1 << 32) + 1;

/// The name of a syscall number, whether or not the table has it.
pub fn name_of(nr: u64) -> String {
    match nr {
        PSEUDO_RDTSC => return "rdtsc".into(),
        PSEUDO_CPUID => return "cpuid".into(),
        _ => {}
    }
    match usize::try_from(nr).ok().and_then(Sysno::new) {
        Some(s) => s.name().to_string(),
        None => format!("syscall_{nr}"),
    }
}

/// All entries, for tests and the seccomp filter.
pub fn entries() -> &'static [Spec] {
    entries::ENTRIES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_duplicate_entries() {
        let mut seen = std::collections::HashSet::new();
        for spec in entries() {
            assert!(seen.insert(spec.nr), "{} listed twice", spec.name());
        }
    }

    #[test]
    fn argument_references_are_in_range() {
        for spec in entries() {
            assert!(spec.args.len() <= 6, "{}", spec.name());
            for arg in spec.args {
                let lens = match arg {
                    Arg::In(l) | Arg::Out(l) | Arg::InOut(l) => vec![*l],
                    _ => vec![],
                };
                for len in lens {
                    if let Len::Arg(i) | Len::ArgTimes(i, _) | Len::DerefArg(i) | Len::RetUpTo(i) =
                        len
                    {
                        assert!((i as usize) < spec.args.len(), "{}", spec.name());
                    }
                    if matches!(arg, Arg::In(_)) {
                        assert!(
                            !matches!(len, Len::RetUpTo(_) | Len::RetTimes(_)),
                            "{}: an input cannot be sized by the return value",
                            spec.name()
                        );
                    }
                }
                if let Arg::IovIn { count }
                | Arg::IovOut { count }
                | Arg::SockAddr { len_arg: count } = arg
                {
                    assert!((*count as usize) < spec.args.len(), "{}", spec.name());
                }
            }
        }
    }

    #[test]
    fn lookup_finds_common_calls() {
        for nr in [
            Sysno::read,
            Sysno::write,
            Sysno::openat,
            Sysno::mmap,
            Sysno::exit_group,
        ] {
            assert_eq!(lookup(nr.id() as u64).map(|s| s.nr), Some(nr));
        }
        assert!(lookup(100_000).is_none());
    }
}
