//! The declarative syscall table: one entry per syscall describes its arguments and how it is
//! dispatched. Comparison, replication and report decoding are all derived from it.

mod conditional;
mod entries;
mod level;
mod properties;
pub mod size;

pub use conditional::{unused_args, ArgMask};
pub use level::Level;
pub use properties::{
    with, ArgBits, At, BaseUntraced, CloneFlags, ExclusiveCreate, FdOp, OpenArgs, OpenFlags, OwnId,
    Props, Relaxed, RuntimeSetup, SigMask,
};

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
    /// The value of argument `i` plus a fixed header (`struct msgbuf`: a `long` mtype, then
    /// `msgsz` bytes of text).
    ArgPlus(u8, usize),
    /// The return value plus a fixed header (msgrcv: mtype, then the bytes received).
    /// Out-buffers only.
    RetPlus(usize),
    /// A versioned struct whose first `u32` is its own size (`sched_attr`, `mnt_id_req`); a
    /// size of 0 means the given default (the first version). At most a page.
    Versioned(usize),
    /// A `u32` field at byte offset `at` of the struct argument `arg` points to (the lengths
    /// in keyctl's `keyctl_pkey_params`).
    Field { arg: u8, at: u8 },
    /// A NUMA node mask of `maxnode` bits, `maxnode` in argument `i`: the kernel reads and
    /// writes `maxnode - 1` bits, rounded up to whole `long`s.
    NodeMask(u8),
    /// The `unsigned short[nsems]` of semctl's GETALL/SETALL, `nsems` being the size of the
    /// semaphore set whose id is argument `i` (not an argument: read from /proc/sysvipc/sem).
    SemSet(u8),
}

/// What one syscall argument is, for comparison, replication and decoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg {
    /// A plain value compared for equality (sizes, modes, offsets, counts).
    Int,
    /// An `int` passed in a 64-bit slot whose upper half is not the caller's (semctl's
    /// `union semun` holding `val`): the low 32 bits compared.
    Int32,
    /// Bit flags: compared for equality, printed in hex.
    Flags,
    /// A file descriptor: fd numbers are identical in every variant, so compared by value.
    Fd,
    /// A directory fd of a `*at` call (`AT_FDCWD` decoded).
    DirFd,
    /// A process or thread id.
    Pid,
    /// A clock id: a fixed clock, or a process's or thread's CPU clock, which encodes its pid
    /// (`~pid << 3 | kind`): compared with the pid made the leader's.
    ClockId,
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
    /// `struct iovec[count]` the kernel fills (readv): each buffer's length compared (the
    /// lengths decide where the leader's bytes land in a follower), the return value's bytes
    /// replicated.
    IovOut { count: u8 },
    /// `struct msghdr` for sendmsg: name, data and control compared.
    MsgIn,
    /// `struct msghdr` for recvmsg: name, data, control and flags replicated.
    MsgOut,
    /// `struct mmsghdr[count]` for sendmmsg (64 bytes each: a msghdr and the `msg_len` the
    /// kernel writes): each message's name, data, control and flags compared; the `msg_len`
    /// of the messages sent (the return value) replicated.
    MmsgIn { count: u8 },
    /// `struct mmsghdr[count]` for recvmmsg: for each message received (the return value),
    /// name, data, control, flags and `msg_len` replicated.
    MmsgOut { count: u8 },
    /// Bytes `at..at + len` of a struct the kernel reads, compared; the rest of it is ignored
    /// by the kernel or holds pointers (`mq_attr` of mq_open, `sigevent`, `siginfo_t`).
    InPart { at: u16, len: u16 },
    /// `struct timex` (208 bytes) of adjtimex/clock_adjtime: `modes` and the fields it selects
    /// compared (the others are outputs, left uninitialised by ntp_gettime), the whole struct
    /// replicated.
    Timex,
    /// `struct sock_fprog` (a length and a pointer to the instructions): the BPF program
    /// compared (seccomp filters).
    SockFprog,
    /// `struct file_handle` the kernel fills (name_to_handle_at): its `handle_bytes` capacity
    /// compared; the handle replicated, and on EOVERFLOW the size the kernel asks for.
    HandleOut,
    /// `struct file_handle` the kernel reads (open_by_handle_at): compared whole.
    HandleIn,
    /// `struct xattr_args` of setxattrat (a pointer to the value, its size, flags): the value's
    /// bytes, the size and the flags compared.
    XattrArgsIn,
    /// `struct xattr_args` of getxattrat: size and flags compared; the value the kernel wrote
    /// (the return value's bytes) replicated through each variant's own pointer.
    XattrArgsOut,
    /// An argument whose kind depends on the value of argument `by` (masked with `mask`): the
    /// first case whose value matches, else `other` (the `cmd` of semctl, msgctl, keyctl, ...).
    Sel {
        by: u8,
        mask: u64,
        cases: &'static [(u64, Arg)],
        other: &'static Arg,
    },
}

impl Arg {
    /// The kind this argument has in a call with these argument values (resolves `Sel`).
    #[inline]
    pub fn resolve(&self, args: &[u64; 6]) -> Arg {
        match *self {
            Arg::Sel {
                by,
                mask,
                cases,
                other,
            } => {
                let v = args[by as usize] & mask;
                cases
                    .iter()
                    .find(|(c, _)| *c == v)
                    .map_or(*other, |(_, a)| *a)
                    .resolve(args)
            }
            a => a,
        }
    }

    /// What the argument is, in divergence messages.
    pub fn describe(&self) -> &'static str {
        match self {
            Arg::In(_)
            | Arg::InOut(_)
            | Arg::IovIn { .. }
            | Arg::MsgIn
            | Arg::MmsgIn { .. }
            | Arg::InPart { .. }
            | Arg::Timex
            | Arg::HandleIn
            | Arg::HandleOut
            | Arg::XattrArgsIn
            | Arg::XattrArgsOut => "buffer contents",
            Arg::SockFprog => "BPF program",
            Arg::SockAddr { .. } => "socket address",
            Arg::EpollEvent => "epoll events",
            Arg::UtimeTimes => "timestamps",
            Arg::Path => "path",
            Arg::Str => "string",
            Arg::StrArray => "string array",
            Arg::IovOut { .. } => "iovec lengths",
            Arg::Ptr | Arg::Out(_) | Arg::MsgOut | Arg::MmsgOut { .. } => "NULL-ness of a pointer",
            Arg::Fd | Arg::DirFd => "file descriptor",
            Arg::Flags => "flags",
            Arg::Pid => "pid",
            Arg::ClockId => "clock id",
            Arg::Signal => "signal",
            Arg::Int | Arg::Int32 | Arg::FcntlArg | Arg::Timeout => "value",
            Arg::Sel { .. } => "value (depending on another argument)",
        }
    }
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
    /// fork/vfork/clone/clone3: every variant forks; the new tasks form a lock-step group.
    Fork,
    /// Calls acting on a namespace (mounts, the host name): by every variant when the leader
    /// has a namespace of this kind other than mvx's own (it unshared one, and so did every
    /// variant: the effect stays inside the variant's own namespace), by the leader alone
    /// otherwise (the namespace is shared with the rest of the system; an ordinary user gets
    /// EPERM).
    Namespaced(Ns),
    /// setpriority/ioprio_set (`which` in argument 0, `who` in argument 1): for a user (`which`
    /// equal to `user`) the leader alone (the effect reaches every process of the user); for a
    /// process or process group every variant, each on its own.
    Priority { user: u64 },
    /// kill, tkill, tgkill, rt_(tg)sigqueueinfo (the target task in argument `target`): to a
    /// task of this run every variant signals its own counterpart (pids are mapped); to any
    /// other process the leader alone, so that it gets one signal, not one per variant.
    Signal { target: u8 },
    /// seccomp: every variant installs its own filter (stacked on mvx's) or makes the query;
    /// a filter with a user-space listener is refused (see README).
    Seccomp,
    /// A call on the object behind fd argument 0: by every variant where each holds its own
    /// object behind the number (fds created per variant), by the leader otherwise.
    FdHolder,
    /// landlock_create_ruleset: a ruleset per variant (a new fd), or a version query.
    LandlockRuleset,
    /// rt_sigaction: executed by every variant; the monitor records the disposition the
    /// leader set (signal synchronisation delivers by it).
    Sigaction,
    /// epoll_ctl: executed by the leader (it holds the epoll instances); the monitor remembers
    /// each variant's `epoll_event.data` to translate the events epoll_wait returns.
    EpollCtl,
    /// restart_syscall: the kernel's continuation of a call a signal interrupted, executed by
    /// every variant; it stands for the interrupted call, still in flight.
    Restart,
}

/// A kind of namespace (`/proc/PID/ns/NAME`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ns {
    Mnt,
    Uts,
}

impl Ns {
    pub fn proc_name(self) -> &'static str {
        match self {
            Ns::Mnt => "mnt",
            Ns::Uts => "uts",
        }
    }
}

/// Why a call is not executed, and what every variant gets instead.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// Every variant gets `-errno`.
    pub errno: i32,
    /// Whether mvx warns (once) when a program makes the call: for calls that would work
    /// natively. Calls the kernel itself does not implement, or that programs probe at
    /// every start (rseq), are refused silently.
    pub warn: bool,
    /// The reason, for the warning, the README and the tests.
    pub why: &'static str,
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
    /// Executed by every variant, always in lock-step (also in multi-threaded processes), the
    /// results compared: process-wide state that must not change unchecked (namespaces, the
    /// root directory, seccomp filters, Landlock domains). A new fd is one per variant.
    AllChecked,
    /// Executed by every variant without a rendezvous: the seccomp filter lets it through.
    /// For calls whose number depends on thread timing (futex waits and wakes under
    /// contention, sched_yield) and that only touch the process itself.
    Unchecked,
    /// Not executed anywhere: every variant gets `-errno` (see `Refusal`).
    Deny(Refusal),
    /// Needs a hand-written handler.
    Special(Special),
}

/// Which fast-path class a syscall belongs to: the runtime may make it without a monitor round
/// trip (from the gadget) at a level that covers the class (see `Level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fast {
    /// Identity and clock reads: level `base` and up.
    Local,
    /// Reads of an fd: `nonsocket-ro` (files, pipes, ttys) or `socket-ro` (sockets) and up.
    Read,
    /// Writes to an fd: `nonsocket-rw` or `socket-rw` and up.
    Write,
    /// File metadata reads (fstat, newfstatat, statx, statfs): `nonsocket-ro` and up. The
    /// follower takes the leader's answer, like a read of the file.
    Stat,
    /// Readiness waits (epoll_wait, epoll_ctl, poll): `socket-ro` and up. epoll data is
    /// remapped per variant by the runtime (`mvx_sync_runtime::epoll`).
    Wait,
    /// Calls that change the fd table (read-only opens of regular files, close, accept):
    /// `socket-ro` and up, single-threaded processes only. The leader's fd numbers stay
    /// authoritative; the runtime journals each change for the monitor.
    FdTable,
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
    /// Everything else the monitor needs to know about the call (properties.rs).
    pub props: Props,
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
        props: Props::of(dispatch, ret),
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
#[inline]
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

/// The calls the fast path may make (entries with a `Fast` class).
pub fn fast_entries() -> impl Iterator<Item = &'static Spec> {
    entries().iter().filter(|s| s.fast.is_some())
}

/// The calls the `base` level lets through the seccomp filter, each with why and the argument
/// bits that keep it traced.
pub fn base_untraced() -> impl Iterator<Item = (Sysno, BaseUntraced)> {
    entries()
        .iter()
        .filter_map(|s| s.props.untraced_at_base.map(|rule| (s.nr, rule)))
}

/// The calls mvx refuses, with what every variant gets and why (the table's `Deny` entries).
pub fn refused() -> impl Iterator<Item = (Sysno, Refusal)> {
    entries().iter().filter_map(|s| match s.dispatch {
        Dispatch::Deny(r) => Some((s.nr, r)),
        _ => None,
    })
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

    /// Every argument an entry's kinds refer to (lengths, counts, selectors) exists.
    fn check_refs(spec: &Spec, arg: &Arg) {
        let n = spec.args.len();
        let name = spec.name();
        let in_range = |i: u8| assert!((i as usize) < n, "{name}: argument {i} out of range");
        match *arg {
            Arg::In(len) | Arg::Out(len) | Arg::InOut(len) => {
                match len {
                    Len::Arg(i)
                    | Len::ArgTimes(i, _)
                    | Len::DerefArg(i)
                    | Len::RetUpTo(i)
                    | Len::ArgPlus(i, _)
                    | Len::NodeMask(i)
                    | Len::SemSet(i)
                    | Len::Field { arg: i, .. } => in_range(i),
                    Len::Fixed(_) | Len::RetTimes(_) | Len::RetPlus(_) | Len::Versioned(_) => {}
                }
                if matches!(arg, Arg::In(_)) {
                    assert!(
                        !matches!(len, Len::RetUpTo(_) | Len::RetTimes(_) | Len::RetPlus(_)),
                        "{name}: an input cannot be sized by the return value"
                    );
                }
            }
            Arg::IovIn { count }
            | Arg::IovOut { count }
            | Arg::MmsgIn { count }
            | Arg::MmsgOut { count }
            | Arg::SockAddr { len_arg: count } => in_range(count),
            Arg::Sel {
                by, cases, other, ..
            } => {
                in_range(by);
                for (_, case) in cases {
                    assert!(
                        !matches!(case, Arg::Pid),
                        "{name}: pids are mapped by position"
                    );
                    check_refs(spec, case);
                }
                check_refs(spec, other);
            }
            _ => {}
        }
    }

    #[test]
    fn argument_references_are_in_range() {
        for spec in entries() {
            assert!(spec.args.len() <= 6, "{}", spec.name());
            for arg in spec.args {
                check_refs(spec, arg);
            }
        }
    }

    /// Every syscall of the x86_64 table has an entry: none falls through to the "unknown
    /// syscall" path.
    #[test]
    fn every_x86_64_syscall_is_in_the_table() {
        // (Sysno::iter() stops before the last syscall; the set has them all.)
        let all: Vec<Sysno> = syscalls::SysnoSet::all().iter().collect();
        assert_eq!(all.len(), Sysno::count());
        let missing: Vec<&str> = all
            .iter()
            .filter(|nr| lookup(nr.id() as u64).is_none())
            .map(|nr| nr.name())
            .collect();
        assert!(missing.is_empty(), "not in the table: {missing:?}");
        assert_eq!(entries().len(), all.len());
    }

    /// The calls mvx refuses each say why, and the README lists every one of them.
    #[test]
    fn refused_calls_are_documented() {
        let readme = include_str!("../../README.md");
        let section = readme
            .split("## Calls mvx refuses, and why")
            .nth(1)
            .expect("README has a section on refused calls");
        for (nr, refusal) in refused() {
            assert!(refusal.why.len() > 20, "{}: no reason given", nr.name());
            assert!(refusal.errno > 0, "{}", nr.name());
            assert!(
                section.contains(&format!("`{}`", nr.name())),
                "README does not list the refused call {}",
                nr.name()
            );
        }
        // Refused calls that would work natively warn; the kernel's own ENOSYS is silent.
        let warns = |n: Sysno| refused().find(|(nr, _)| *nr == n).unwrap().1.warn;
        assert!(warns(Sysno::ptrace) && warns(Sysno::shmat) && warns(Sysno::io_setup));
        assert!(!warns(Sysno::rseq) && !warns(Sysno::tuxcall));
    }

    #[test]
    fn refusals_give_the_errno_an_ordinary_user_would_get() {
        let errno = |n: Sysno| match lookup(n.id() as u64).unwrap().dispatch {
            Dispatch::Deny(r) => r.errno,
            d => panic!("{} is not refused: {d:?}", n.name()),
        };
        assert_eq!(errno(Sysno::ptrace), libc::EPERM);
        assert_eq!(errno(Sysno::process_vm_readv), libc::EPERM);
        assert_eq!(errno(Sysno::process_vm_writev), libc::EPERM);
        assert_eq!(errno(Sysno::io_uring_setup), libc::ENOSYS);
        assert_eq!(errno(Sysno::io_setup), libc::ENOSYS);
        assert_eq!(errno(Sysno::setns), libc::EPERM);
        assert_eq!(errno(Sysno::shmat), libc::EACCES);
    }

    #[test]
    fn selected_kinds_follow_their_command() {
        let semctl = lookup(Sysno::semctl.id() as u64).unwrap();
        let kind = |cmd: u64| semctl.args[3].resolve(&[1, 0, cmd, 0x1000, 0, 0]);
        assert_eq!(
            kind(libc::IPC_STAT as u64),
            Arg::Out(Len::Fixed(size::SEMID_DS))
        );
        assert_eq!(
            kind(libc::IPC_SET as u64),
            Arg::In(Len::Fixed(size::SEMID_DS))
        );
        assert_eq!(kind(16), Arg::Int32); // SETVAL
        assert_eq!(kind(13), Arg::Out(Len::SemSet(0))); // GETALL
        assert_eq!(kind(99), Arg::Ptr);
        // A command with garbage in the upper half of the register is still the command.
        assert_eq!(
            kind(0xdead_0000_0000_0002),
            Arg::Out(Len::Fixed(size::SEMID_DS))
        );
        let keyctl = lookup(Sysno::keyctl.id() as u64).unwrap();
        let read = [11, 5, 0x1000, 64, 0, 0];
        assert_eq!(keyctl.args[2].resolve(&read), Arg::Out(Len::RetUpTo(3)));
        assert_eq!(keyctl.args[3].resolve(&read), Arg::Int);
        let quotactl = lookup(Sysno::quotactl.id() as u64).unwrap();
        // QCMD(Q_GETQUOTA, USRQUOTA), sign-extended as an int.
        let getquota = [0xffff_ffff_8000_0700, 1, 1000, 0x1000, 0, 0];
        assert_eq!(
            quotactl.args[3].resolve(&getquota),
            Arg::Out(Len::Fixed(size::IF_DQBLK))
        );
    }

    #[test]
    fn socket_filters_are_compared_as_programs() {
        let setsockopt = lookup(Sysno::setsockopt.id() as u64).unwrap();
        let kind = |level: u64, name: u64| setsockopt.args[3].resolve(&[3, level, name, 1, 16, 0]);
        assert_eq!(kind(1, 26), Arg::SockFprog); // SOL_SOCKET, SO_ATTACH_FILTER
        assert_eq!(kind(1, 51), Arg::SockFprog); // SO_ATTACH_REUSEPORT_CBPF
        assert_eq!(kind(0, 26), Arg::In(Len::Arg(4))); // IPPROTO_IP's option 26: an int
        assert_eq!(kind(1, 2), Arg::In(Len::Arg(4))); // SO_REUSEADDR
    }

    #[test]
    fn new_fds_are_declared() {
        for nr in [
            Sysno::pidfd_open,
            Sysno::pidfd_getfd,
            Sysno::fanotify_init,
            Sysno::mq_open,
            Sysno::open_by_handle_at,
            Sysno::memfd_secret,
            Sysno::fsopen,
            Sysno::fsmount,
            Sysno::fspick,
            Sysno::open_tree,
            Sysno::open_tree_attr,
            Sysno::landlock_create_ruleset,
        ] {
            assert!(
                lookup(nr.id() as u64).unwrap().creates_fd(),
                "{}",
                nr.name()
            );
        }
    }

    /// Calls let through untraced at `base` only touch the variant itself: executed by every
    /// variant, never the leader's alone, never with a fast-path record.
    #[test]
    fn base_untraced_calls_are_process_local() {
        let untraced: Vec<Sysno> = base_untraced().map(|(nr, _)| nr).collect();
        assert!(untraced.contains(&Sysno::brk) && untraced.contains(&Sysno::rt_sigprocmask));
        for (nr, rule) in base_untraced() {
            let spec = lookup(nr.id() as u64).unwrap();
            let own_memory = spec.dispatch == Dispatch::Special(Special::Mmap)
                && rule
                    .only_if_set
                    .is_some_and(|b| b.bits == libc::MAP_ANONYMOUS as u32);
            assert!(
                spec.dispatch == Dispatch::All || own_memory,
                "{}",
                nr.name()
            );
            assert!(spec.fast.is_none() && rule.why.len() > 10, "{}", nr.name());
        }
        // Calls that can make memory executable pass only without PROT_EXEC.
        for nr in [Sysno::mmap, Sysno::mprotect] {
            let rule = base_untraced().find(|(n, _)| *n == nr).unwrap().1;
            let exec = ArgBits {
                arg: 2,
                bits: libc::PROT_EXEC as u32,
            };
            assert_eq!(rule.unless_set, Some(exec), "{}", nr.name());
        }
        assert!(base_untraced().all(|(nr, _)| nr != Sysno::pkey_mprotect));
    }

    /// Clock reads are fast `Local` calls (the fast path takes them off in threaded processes).
    #[test]
    fn clock_reads_are_local_fast_calls() {
        let clocks: Vec<Sysno> = entries()
            .iter()
            .filter(|s| s.reads_clock())
            .map(|s| s.nr)
            .collect();
        assert_eq!(
            clocks,
            [Sysno::time, Sysno::gettimeofday, Sysno::clock_gettime]
        );
        for nr in clocks {
            assert_eq!(lookup(nr.id() as u64).unwrap().fast, Some(Fast::Local));
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
