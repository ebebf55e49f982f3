//! The syscall table entries (x86_64). One line per syscall: `sc(nr, dispatch, args, ret)`,
//! followed by the builders of its properties (`.clock()`, `.sigmask(SigMask::Arg(3))`, ...:
//! properties.rs) and its fast-path class (`.fast(Fast::Read)`). Every syscall of the x86_64
//! table has an entry (a unit test checks it against `syscalls::Sysno`); the calls mvx refuses
//! are `Deny` entries with their reason.
//!
//! Sizes are named constants of `size.rs` (x86_64 kernel ABI, checked against `libc` there).
//!
//! Anything the kernel reads that contains pointers (sigaction handlers, `stack_t`, `sigevent`,
//! `clone_args`, robust lists, the pselect6 sigmask pair, `struct iocb`, kexec segments, kdf
//! parameters) is declared `Ptr` (or `InPart` over its pointer-free bytes), never `In`:
//! pointers differ between differently-linked variants and comparing them would raise false
//! alarms.

use super::size::*;
use super::{
    sc, Arg, Arg::*, ArgBits, At, CloneFlags, Dispatch, Dispatch::*, Fast, FdOp, Len::*, Ns,
    OpenFlags, OwnId, Refusal, Relaxed, Ret, RuntimeSetup, SigMask, Spec, Special,
};
use syscalls::Sysno;

/// Refused silently: the kernel itself would answer ENOSYS (or the call is probed at every
/// start).
const fn absent(why: &'static str) -> Dispatch {
    Deny(Refusal {
        errno: libc::ENOSYS,
        warn: false,
        why,
    })
}

/// Refused with `errno` and a warning: the call would work natively.
const fn refuse(errno: i32, why: &'static str) -> Dispatch {
    Deny(Refusal {
        errno,
        warn: true,
        why,
    })
}

// Why calls are refused (README: "Calls mvx refuses, and why").
const NOT_IN_LINUX: &str = "not implemented by Linux on x86_64: the kernel itself answers ENOSYS";
const REMOVED: &str = "removed from Linux: current kernels answer ENOSYS";
const USELIB: &str = "maps a library into the process without an mmap the monitor could compare; \
    obsolete (kernels without CONFIG_USELIB answer ENOSYS)";
const SYSFS: &str = "obsolete, and its output buffer has no size to replicate (kernels without \
    CONFIG_SYSFS_SYSCALL answer ENOSYS; /proc/filesystems has the same)";
const RSEQ: &str = "restartable sequences: the kernel writes the cpu number into each variant's \
    memory and aborts critical sections on preemption, differently in each variant; glibc goes \
    on without it";
const IO_URING: &str = "submissions and completions go through rings shared with the kernel, \
    with no system call per operation: nothing to compare or replicate; programs fall back to \
    ordinary calls";
const AIO: &str = "Linux AIO completions land in a ring mapped into the process (libaio and \
    QEMU read it directly) and in buffers the monitor would have to pair between leader and \
    followers per request; ENOSYS is what a kernel without CONFIG_AIO answers, and libaio users \
    (InnoDB, ...) fall back to their own I/O threads";
const PTRACE: &str = "mvx traces the variants already (PTRACE_TRACEME gets EPERM under any \
    tracer); tracing another process would let a variant change it behind the monitor";
const PROCESS_VM: &str = "reads or writes another process's memory behind the monitor (a \
    variant's twin included)";
const PERF: &str = "counters differ per variant and are read through a ring and rdpmc, not system \
    calls; EACCES is what perf_event_paranoid gives an ordinary user";
const USERFAULTFD: &str = "page faults served by a thread of the program through ioctls: memory \
    contents the monitor cannot compare; EPERM is what vm.unprivileged_userfaultfd=0 gives";
const BPF: &str = "programs run in the kernel and maps are memory shared with it; EPERM is what \
    kernel.unprivileged_bpf_disabled gives";
const KEXEC_LOAD: &str = "the kernel image is passed as segments by pointer and cannot be \
    compared (kexec_file_load, which takes fds, is run by the leader)";
const PORT_IO: &str = "port I/O from every variant would reach the hardware once per variant; \
    EPERM is what an ordinary user gets";
const SETNS: &str = "the followers hold placeholders, not the namespace the leader's fd names; \
    joining in the leader alone would split the variants' views of the system";
const SHMAT: &str = "a System V segment is memory shared with other processes: the followers \
    cannot hold the leader's segment, and a store to it is no system call to compare (mmap of a \
    file or of shm_open's works: followers get shadows)";

// System V IPC commands (the `cmd` argument) and the struct each one reads or writes.
const MSGCTL_BUF: Arg = Sel {
    by: 1,
    mask: 0xffff_ffff,
    cases: &[
        (1, In(Fixed(MSQID_DS))),   // IPC_SET
        (2, Out(Fixed(MSQID_DS))),  // IPC_STAT
        (3, Out(Fixed(MSGINFO))),   // IPC_INFO: struct msginfo
        (11, Out(Fixed(MSQID_DS))), // MSG_STAT
        (12, Out(Fixed(MSGINFO))),  // MSG_INFO
        (13, Out(Fixed(MSQID_DS))), // MSG_STAT_ANY
    ],
    other: &Ptr,
};
const SEMCTL_ARG: Arg = Sel {
    by: 2,
    mask: 0xffff_ffff,
    cases: &[
        (1, In(Fixed(SEMID_DS))),   // IPC_SET
        (2, Out(Fixed(SEMID_DS))),  // IPC_STAT
        (3, Out(Fixed(SEMINFO))),   // IPC_INFO: struct seminfo
        (13, Out(SemSet(0))),       // GETALL
        (16, Int32),                // SETVAL: the int in the union
        (17, In(SemSet(0))),        // SETALL
        (18, Out(Fixed(SEMID_DS))), // SEM_STAT
        (19, Out(Fixed(SEMINFO))),  // SEM_INFO
        (20, Out(Fixed(SEMID_DS))), // SEM_STAT_ANY
    ],
    other: &Ptr,
};
const SHMCTL_BUF: Arg = Sel {
    by: 1,
    mask: 0xffff_ffff,
    cases: &[
        (1, In(Fixed(SHMID_DS))),   // IPC_SET
        (2, Out(Fixed(SHMID_DS))),  // IPC_STAT
        (3, Out(Fixed(SHMINFO64))), // IPC_INFO: struct shminfo64
        (13, Out(Fixed(SHMID_DS))), // SHM_STAT
        (14, Out(Fixed(SHM_INFO))), // SHM_INFO: struct shm_info
        (15, Out(Fixed(SHMID_DS))), // SHM_STAT_ANY
    ],
    other: &Ptr,
};

// keyctl: what arguments 1 to 4 are for each operation (unused ones: conditional.rs).
const KEYCTL_ARG1: Arg = Sel {
    by: 0,
    mask: 0xffff_ffff,
    cases: &[
        (1, Str),                            // JOIN_SESSION_KEYRING: name
        (23, In(Fixed(KEYCTL_DH_PARAMS))),   // DH_COMPUTE: struct keyctl_dh_params
        (25, In(Fixed(KEYCTL_PKEY_PARAMS))), // PKEY_ENCRYPT: struct keyctl_pkey_params
        (26, In(Fixed(KEYCTL_PKEY_PARAMS))), // PKEY_DECRYPT
        (27, In(Fixed(KEYCTL_PKEY_PARAMS))), // PKEY_SIGN
        (28, In(Fixed(KEYCTL_PKEY_PARAMS))), // PKEY_VERIFY
        (31, Out(RetUpTo(2))),               // CAPABILITIES: buffer
    ],
    other: &Int, // a key serial, uid, keyring or timeout
};
const KEYCTL_ARG2: Arg = Sel {
    by: 0,
    mask: 0xffff_ffff,
    cases: &[
        (2, In(Arg(3))),          // UPDATE: payload
        (6, Out(RetUpTo(3))),     // DESCRIBE
        (10, Str),                // SEARCH: type
        (11, Out(RetUpTo(3))),    // READ
        (12, In(Arg(3))),         // INSTANTIATE: payload
        (17, Out(RetUpTo(3))),    // GET_SECURITY
        (20, IovIn { count: 3 }), // INSTANTIATE_IOV
        (23, Out(RetUpTo(3))),    // DH_COMPUTE: result
        (25, Str),                // PKEY_*: info
        (26, Str),
        (27, Str),
        (28, Str),
        (29, Str), // RESTRICT_KEYRING: type
    ],
    other: &Int,
};
const KEYCTL_ARG3: Arg = Sel {
    by: 0,
    mask: 0xffff_ffff,
    cases: &[
        (10, Str), // SEARCH: description
        (24, Str), // PKEY_QUERY: info
        (
            25,
            In(Field {
                arg: 1,
                at: PKEY_IN_LEN_AT,
            }),
        ), // PKEY_*: input of params.in_len bytes
        (
            26,
            In(Field {
                arg: 1,
                at: PKEY_IN_LEN_AT,
            }),
        ),
        (
            27,
            In(Field {
                arg: 1,
                at: PKEY_IN_LEN_AT,
            }),
        ),
        (
            28,
            In(Field {
                arg: 1,
                at: PKEY_IN_LEN_AT,
            }),
        ),
        (29, Str), // RESTRICT_KEYRING: restriction
    ],
    other: &Int,
};
const KEYCTL_ARG4: Arg = Sel {
    by: 0,
    mask: 0xffff_ffff,
    cases: &[
        (23, Ptr),                           // DH_COMPUTE: kdf parameters (with pointers)
        (24, Out(Fixed(KEYCTL_PKEY_QUERY))), // PKEY_QUERY: struct keyctl_pkey_query
        (
            25,
            Out(Field {
                arg: 1,
                at: PKEY_OUT_LEN_AT,
            }),
        ), // PKEY_ENCRYPT: output of params.out_len bytes
        (
            26,
            Out(Field {
                arg: 1,
                at: PKEY_OUT_LEN_AT,
            }),
        ),
        (
            27,
            Out(Field {
                arg: 1,
                at: PKEY_OUT_LEN_AT,
            }),
        ),
        (
            28,
            In(Field {
                arg: 1,
                at: PKEY_OUT_LEN_AT,
            }),
        ), // PKEY_VERIFY: the signature (in2_len)
    ],
    other: &Int,
};

// Quota commands: QCMD(cmd, type) = cmd << 8 | type.
const QUOTA_ADDR_CASES: &[(u64, Arg)] = &[
    (0x8000_0200, Path),                  // Q_QUOTAON: the quota file
    (0x8000_0400, Out(Fixed(INT))),       // Q_GETFMT
    (0x8000_0500, Out(Fixed(IF_DQINFO))), // Q_GETINFO
    (0x8000_0600, In(Fixed(IF_DQINFO))),  // Q_SETINFO
    (0x8000_0700, Out(Fixed(IF_DQBLK))),  // Q_GETQUOTA
    (0x8000_0800, In(Fixed(IF_DQBLK))),   // Q_SETQUOTA
    (0x8000_0900, Out(Fixed(IF_DQBLK))),  // Q_GETNEXTQUOTA
];
const QUOTACTL_ADDR: Arg = Sel {
    by: 0,
    mask: 0xffff_ff00,
    cases: QUOTA_ADDR_CASES,
    other: &Ptr,
};
const QUOTACTL_FD_ADDR: Arg = Sel {
    by: 1,
    mask: 0xffff_ff00,
    cases: QUOTA_ADDR_CASES,
    other: &Ptr,
};

// syslog: SYSLOG_ACTION_READ, READ_ALL and READ_CLEAR fill the buffer.
const SYSLOG_BUF: Arg = Sel {
    by: 0,
    mask: 0xffff_ffff,
    cases: &[
        (2, Out(RetUpTo(2))),
        (3, Out(RetUpTo(2))),
        (4, Out(RetUpTo(2))),
    ],
    other: &Ptr,
};

// fsconfig: the key is a string for the FSCONFIG_SET_* commands; the value depends on them.
const FSCONFIG_KEY: Arg = Sel {
    by: 1,
    mask: 0xffff_ffff,
    cases: &[(0, Str), (1, Str), (2, Str), (3, Str), (4, Str), (5, Str)],
    other: &Ptr,
};
const FSCONFIG_VALUE: Arg = Sel {
    by: 1,
    mask: 0xffff_ffff,
    cases: &[(1, Str), (2, In(Arg(4))), (3, Path), (4, Path)],
    other: &Ptr,
};

// seccomp: SET_MODE_FILTER takes a BPF program, GET_ACTION_AVAIL a u32, GET_NOTIF_SIZES
// fills three u16.
const SECCOMP_ARGS: Arg = Sel {
    by: 0,
    mask: 0xffff_ffff,
    cases: &[
        (1, SockFprog),
        (2, In(Fixed(INT))),
        (3, Out(Fixed(SECCOMP_NOTIF_SIZES))),
    ],
    other: &Ptr,
};

// landlock_add_rule: LANDLOCK_RULE_PATH_BENEATH, LANDLOCK_RULE_NET_PORT.
const LANDLOCK_RULE: Arg = Sel {
    by: 1,
    mask: 0xffff_ffff,
    cases: &[
        (1, In(Fixed(LANDLOCK_PATH_BENEATH_ATTR))),
        (2, In(Fixed(LANDLOCK_NET_PORT_ATTR))),
    ],
    other: &Ptr,
};

// kcmp's KCMP_EPOLL_TFD passes a struct kcmp_epoll_slot.
const KCMP_IDX2: Arg = Sel {
    by: 2,
    mask: 0xffff_ffff,
    cases: &[(7, In(Fixed(KCMP_EPOLL_SLOT)))],
    other: &Int,
};

// name_to_handle_at's mount id: a u64 with AT_HANDLE_MNT_ID_UNIQUE, an int otherwise.
const MOUNT_ID: Arg = Sel {
    by: 4,
    mask: 1,
    cases: &[(1, Out(Fixed(LONG)))],
    other: &Out(Fixed(INT)),
};

// reboot's argument for LINUX_REBOOT_CMD_RESTART2: a command string.
const REBOOT_ARG: Arg = Sel {
    by: 2,
    mask: 0xffff_ffff,
    cases: &[(0xa1b2_c3d4, Str)],
    other: &Ptr,
};

// setsockopt's value: a classic BPF program for SOL_SOCKET's SO_ATTACH_FILTER and
// SO_ATTACH_REUSEPORT_CBPF (a struct with a pointer), bytes for everything else. The fast
// path carries byte values only: attaching a BPF program stays in lock-step.
const SOCKOPT_VALUE: Arg = Sel {
    by: 1,
    mask: 0xffff_ffff,
    cases: &[(
        1, // SOL_SOCKET
        Sel {
            by: 2,
            mask: 0xffff_ffff,
            cases: &[(26, SockFprog), (51, SockFprog)],
            other: &In(Arg(4)),
        },
    )],
    other: &In(Arg(4)),
};

// The base level's memory calls: traced when they ask for executable memory (PROT_EXEC in
// the protection argument), mmap also when it maps a file (no MAP_ANONYMOUS).
const NO_EXEC: Option<ArgBits> = Some(ArgBits {
    arg: 2,
    bits: libc::PROT_EXEC as u32,
});
/// Opens that may write, create or truncate stay in lock-step even from the gadget: the fast
/// path only takes read-only opens (the kernel filter enforces it, not only the runtime).
const OPENS_FOR_WRITING: ArgBits = ArgBits {
    arg: 2,
    bits: (libc::O_WRONLY
        | libc::O_RDWR
        | libc::O_CREAT
        | libc::O_TRUNC
        | libc::O_TMPFILE
        | libc::O_PATH) as u32,
};
/// epoll_pwait with a signal mask changes the mask for the wait: signals stay in lock-step.
/// The filter reads the low half of the pointer only, so a mask at an address whose low 32 bits are 0
/// would pass; the runtime never sends a non-NULL mask to the gadget either.
const SIGMASK_GIVEN: ArgBits = ArgBits {
    arg: 4,
    bits: u32::MAX,
};
/// ppoll with a signal mask (argument 3): as epoll_pwait's.
const PPOLL_SIGMASK_GIVEN: ArgBits = ArgBits {
    arg: 3,
    bits: u32::MAX,
};
/// pselect6's mask is behind its data pointer, which the filter cannot follow: any data
/// pointer keeps the call in lock-step (glibc's select passes none; its pselect always does).
const PSELECT_DATA_GIVEN: ArgBits = ArgBits {
    arg: 5,
    bits: u32::MAX,
};
const ANONYMOUS: Option<ArgBits> = Some(ArgBits {
    arg: 3,
    bits: libc::MAP_ANONYMOUS as u32,
});

// siginfo_t: signo, errno and code compared (the union after them may hold a pointer).
const SIGINFO_HEAD: Arg = InPart {
    at: 0,
    len: SIGINFO_HEAD_LEN,
};

#[rustfmt::skip]
pub(super) static ENTRIES: &[Spec] = &[
    // --- File descriptor I/O: leader only, followers receive the result and the data.
    sc(Sysno::read, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int], Ret::Int).file_read(At::Position).fast(Fast::Read),
    sc(Sysno::write, LeaderOnly, &[Fd, In(Arg(2)), Int], Ret::Int).file_write(At::Position).fast(Fast::Write),
    sc(Sysno::pread64, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int, Int], Ret::Int).file_read(At::Offset(3)).fast(Fast::Read),
    sc(Sysno::pwrite64, LeaderOnly, &[Fd, In(Arg(2)), Int, Int], Ret::Int).file_write(At::Offset(3)).fast(Fast::Write),
    sc(Sysno::readv, LeaderOnly, &[Fd, IovOut { count: 2 }, Int], Ret::Int).fast(Fast::Read),
    sc(Sysno::writev, LeaderOnly, &[Fd, IovIn { count: 2 }, Int], Ret::Int).file_write(At::Position).fast(Fast::Write),
    sc(Sysno::preadv, LeaderOnly, &[Fd, IovOut { count: 2 }, Int, Int, Int], Ret::Int),
    sc(Sysno::pwritev, LeaderOnly, &[Fd, IovIn { count: 2 }, Int, Int, Int], Ret::Int).file_write(At::Offset(3)),
    sc(Sysno::preadv2, LeaderOnly, &[Fd, IovOut { count: 2 }, Int, Int, Int, Flags], Ret::Int),
    sc(Sysno::pwritev2, LeaderOnly, &[Fd, IovIn { count: 2 }, Int, Int, Int, Flags], Ret::Int).file_write(At::Offset(3)),
    sc(Sysno::lseek, LeaderOnly, &[Fd, Int, Int], Ret::Int).fast(Fast::Read),
    sc(Sysno::sendfile, LeaderOnly, &[Fd, Fd, InOut(Fixed(LONG)), Int], Ret::Int).fast(Fast::Write),
    sc(Sysno::copy_file_range, LeaderOnly, &[Fd, InOut(Fixed(LONG)), Fd, InOut(Fixed(LONG)), Int, Flags], Ret::Int),
    sc(Sysno::splice, LeaderOnly, &[Fd, InOut(Fixed(LONG)), Fd, InOut(Fixed(LONG)), Int, Flags], Ret::Int),
    sc(Sysno::tee, LeaderOnly, &[Fd, Fd, Int, Flags], Ret::Int),
    sc(Sysno::vmsplice, LeaderOnly, &[Fd, IovIn { count: 2 }, Int, Flags], Ret::Int),
    sc(Sysno::readahead, LeaderOnly, &[Fd, Int, Int], Ret::Int),

    // --- File descriptor metadata and syncing: leader only.
    // Runtime setup (exemption): the runtime stats the buffer file it opened; a metadata read
    // with no effect outside the calling variant.
    sc(Sysno::fstat, LeaderOnly, &[Fd, Out(Fixed(STAT))], Ret::Int).runtime_setup(RuntimeSetup::Any).fast(Fast::Stat),
    sc(Sysno::fstatfs, LeaderOnly, &[Fd, Out(Fixed(STATFS))], Ret::Int).fast(Fast::Stat),
    sc(Sysno::getdents, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int], Ret::Int),
    sc(Sysno::getdents64, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int], Ret::Int),
    sc(Sysno::fsync, LeaderOnly, &[Fd], Ret::Int),
    sc(Sysno::fdatasync, LeaderOnly, &[Fd], Ret::Int),
    sc(Sysno::sync_file_range, LeaderOnly, &[Fd, Int, Int, Flags], Ret::Int),
    sc(Sysno::sync, LeaderOnly, &[], Ret::Int),
    sc(Sysno::syncfs, LeaderOnly, &[Fd], Ret::Int),
    // Leader only, unless every variant holds its own object behind the fd (memfd_secret).
    sc(Sysno::ftruncate, Special(Special::FdHolder), &[Fd, Int], Ret::Int).resizes_file(),
    sc(Sysno::fallocate, LeaderOnly, &[Fd, Flags, Int, Int], Ret::Int).resizes_file(),
    sc(Sysno::fadvise64, LeaderOnly, &[Fd, Int, Int, Int], Ret::Int),
    sc(Sysno::flock, LeaderOnly, &[Fd, Int], Ret::Int),
    sc(Sysno::fchmod, LeaderOnly, &[Fd, Int], Ret::Int),
    sc(Sysno::fchown, LeaderOnly, &[Fd, Int, Int], Ret::Int),

    // --- Extended attributes: leader only. Out sized by the size argument, not the return
    // value: with size 0 the kernel returns the needed size without writing anything.
    sc(Sysno::getxattr, LeaderOnly, &[Path, Str, Out(Arg(3)), Int], Ret::Int),
    sc(Sysno::lgetxattr, LeaderOnly, &[Path, Str, Out(Arg(3)), Int], Ret::Int),
    sc(Sysno::fgetxattr, LeaderOnly, &[Fd, Str, Out(Arg(3)), Int], Ret::Int),
    sc(Sysno::listxattr, LeaderOnly, &[Path, Out(Arg(2)), Int], Ret::Int),
    sc(Sysno::llistxattr, LeaderOnly, &[Path, Out(Arg(2)), Int], Ret::Int),
    sc(Sysno::flistxattr, LeaderOnly, &[Fd, Out(Arg(2)), Int], Ret::Int),
    sc(Sysno::setxattr, LeaderOnly, &[Path, Str, In(Arg(3)), Int, Flags], Ret::Int),
    sc(Sysno::lsetxattr, LeaderOnly, &[Path, Str, In(Arg(3)), Int, Flags], Ret::Int),
    sc(Sysno::fsetxattr, LeaderOnly, &[Fd, Str, In(Arg(3)), Int, Flags], Ret::Int),
    sc(Sysno::removexattr, LeaderOnly, &[Path, Str], Ret::Int),
    sc(Sysno::lremovexattr, LeaderOnly, &[Path, Str], Ret::Int),
    sc(Sysno::fremovexattr, LeaderOnly, &[Fd, Str], Ret::Int),
    sc(Sysno::getxattrat, LeaderOnly, &[DirFd, Path, Flags, Str, XattrArgsOut, Int], Ret::Int),
    sc(Sysno::setxattrat, LeaderOnly, &[DirFd, Path, Flags, Str, XattrArgsIn, Int], Ret::Int),
    sc(Sysno::listxattrat, LeaderOnly, &[DirFd, Path, Flags, Out(Arg(4)), Int], Ret::Int),
    sc(Sysno::removexattrat, LeaderOnly, &[DirFd, Path, Flags, Str], Ret::Int),
    // struct file_attr (24 bytes in version 0), its size in argument 3.
    sc(Sysno::file_getattr, LeaderOnly, &[DirFd, Path, Out(Arg(3)), Int, Flags], Ret::Int),
    sc(Sysno::file_setattr, LeaderOnly, &[DirFd, Path, In(Arg(3)), Int, Flags], Ret::Int),

    // --- Path queries: leader only.
    sc(Sysno::stat, LeaderOnly, &[Path, Out(Fixed(STAT))], Ret::Int),
    sc(Sysno::lstat, LeaderOnly, &[Path, Out(Fixed(STAT))], Ret::Int),
    // Runtime setup (exemption, as fstat): glibc may stat through newfstatat.
    sc(Sysno::newfstatat, LeaderOnly, &[DirFd, Path, Out(Fixed(STAT)), Flags], Ret::Int).runtime_setup(RuntimeSetup::Any).fast(Fast::Stat),
    // Runtime setup (exemption, as fstat).
    sc(Sysno::statx, LeaderOnly, &[DirFd, Path, Flags, Int, Out(Fixed(STATX))], Ret::Int).runtime_setup(RuntimeSetup::Any).fast(Fast::Stat),
    sc(Sysno::statfs, LeaderOnly, &[Path, Out(Fixed(STATFS))], Ret::Int).fast(Fast::Stat),
    sc(Sysno::access, LeaderOnly, &[Path, Int], Ret::Int),
    sc(Sysno::faccessat, LeaderOnly, &[DirFd, Path, Int], Ret::Int),
    sc(Sysno::faccessat2, LeaderOnly, &[DirFd, Path, Int, Flags], Ret::Int),
    sc(Sysno::readlink, LeaderOnly, &[Path, Out(RetUpTo(2)), Int], Ret::Int),
    sc(Sysno::readlinkat, LeaderOnly, &[DirFd, Path, Out(RetUpTo(3)), Int], Ret::Int),
    sc(Sysno::getcwd, LeaderOnly, &[Out(RetUpTo(1)), Int], Ret::Int),
    sc(Sysno::ustat, LeaderOnly, &[Int, Out(Fixed(USTAT))], Ret::Int),
    sc(Sysno::cachestat, LeaderOnly, &[Fd, In(Fixed(CACHESTAT_RANGE)), Out(Fixed(CACHESTAT)), Flags], Ret::Int),
    sc(Sysno::name_to_handle_at, LeaderOnly, &[DirFd, Path, HandleOut, MOUNT_ID, Flags], Ret::Int),

    // --- Path mutations: leader only.
    sc(Sysno::unlink, LeaderOnly, &[Path], Ret::Int),
    sc(Sysno::unlinkat, LeaderOnly, &[DirFd, Path, Flags], Ret::Int),
    sc(Sysno::rename, LeaderOnly, &[Path, Path], Ret::Int),
    sc(Sysno::renameat, LeaderOnly, &[DirFd, Path, DirFd, Path], Ret::Int),
    sc(Sysno::renameat2, LeaderOnly, &[DirFd, Path, DirFd, Path, Flags], Ret::Int),
    sc(Sysno::mkdir, LeaderOnly, &[Path, Int], Ret::Int).exclusive_create(0, None),
    sc(Sysno::mkdirat, LeaderOnly, &[DirFd, Path, Int], Ret::Int).exclusive_create(1, None),
    sc(Sysno::rmdir, LeaderOnly, &[Path], Ret::Int),
    sc(Sysno::link, LeaderOnly, &[Path, Path], Ret::Int),
    sc(Sysno::linkat, LeaderOnly, &[DirFd, Path, DirFd, Path, Flags], Ret::Int),
    sc(Sysno::symlink, LeaderOnly, &[Path, Path], Ret::Int),
    sc(Sysno::symlinkat, LeaderOnly, &[Path, DirFd, Path], Ret::Int),
    sc(Sysno::chmod, LeaderOnly, &[Path, Int], Ret::Int),
    sc(Sysno::fchmodat, LeaderOnly, &[DirFd, Path, Int], Ret::Int),
    sc(Sysno::fchmodat2, LeaderOnly, &[DirFd, Path, Int, Flags], Ret::Int),
    sc(Sysno::chown, LeaderOnly, &[Path, Int, Int], Ret::Int),
    sc(Sysno::lchown, LeaderOnly, &[Path, Int, Int], Ret::Int),
    sc(Sysno::fchownat, LeaderOnly, &[DirFd, Path, Int, Int, Flags], Ret::Int),
    sc(Sysno::utime, LeaderOnly, &[Path, In(Fixed(UTIMBUF))], Ret::Int),
    sc(Sysno::utimes, LeaderOnly, &[Path, In(Fixed(TIMEVAL_PAIR))], Ret::Int),
    sc(Sysno::futimesat, LeaderOnly, &[DirFd, Path, In(Fixed(TIMEVAL_PAIR))], Ret::Int),
    sc(Sysno::utimensat, LeaderOnly, &[DirFd, Path, UtimeTimes, Flags], Ret::Int),
    sc(Sysno::truncate, LeaderOnly, &[Path, Int], Ret::Int),
    sc(Sysno::mknod, LeaderOnly, &[Path, Int, Int], Ret::Int),
    sc(Sysno::mknodat, LeaderOnly, &[DirFd, Path, Int, Int], Ret::Int),

    // --- Opening files: per-variant or leader-only depending on the file (hand-written).
    sc(Sysno::open, Special(Special::Open), &[Path, Flags, Int], Ret::NewFd).open(None, 0, OpenFlags::Arg(1)).exclusive_create(0, Some(1)),
    // Runtime setup (exemption): only the open of the runtime's own buffer file, checked by
    // path; a new fd in the follower alone, as its runtime exists there alone.
    sc(Sysno::openat, Special(Special::Open), &[DirFd, Path, Flags, Int], Ret::NewFd).open(Some(0), 1, OpenFlags::Arg(2)).exclusive_create(1, Some(2)).runtime_setup(RuntimeSetup::BufferPath(1)).fast(Fast::FdTable).fast_unless(OPENS_FOR_WRITING),
    sc(Sysno::openat2, Special(Special::Open), &[DirFd, Path, In(Arg(3)), Int], Ret::NewFd).open(Some(0), 1, OpenFlags::How(2)),
    sc(Sysno::creat, Special(Special::Open), &[Path, Int], Ret::NewFd).open(None, 0, OpenFlags::Fixed(libc::O_CREAT | libc::O_WRONLY)),
    // What the handle names is unknown (and the call privileged): leader only, as for writes.
    sc(Sysno::open_by_handle_at, LeaderOnly, &[Fd, HandleIn, Flags], Ret::NewFd),

    // --- The fd table and working directory: process-local, executed by every variant.
    // Runtime setup (exemption): closing the fd of the buffer once mapped only changes the
    // follower's own fd table.
    sc(Sysno::close, All, &[Fd], Ret::Int).fd_op(FdOp::Close(0)).lockstep().runtime_setup(RuntimeSetup::Any).fast(Fast::FdTable),
    // close, close_range, chdir, fchdir: lock-step even in threaded processes, so that the
    // variants' fd tables (placeholders) and working directories change together.
    sc(Sysno::close_range, All, &[Fd, Int, Flags], Ret::Int).fd_op(FdOp::CloseRange { first: 0, last: 1 }).lockstep(),
    sc(Sysno::dup, All, &[Fd], Ret::NewFd).fd_op(FdOp::Dup(0)),
    sc(Sysno::dup2, All, &[Fd, Fd], Ret::NewFd).fd_op(FdOp::Dup(0)),
    sc(Sysno::dup3, All, &[Fd, Fd, Flags], Ret::NewFd).fd_op(FdOp::Dup(0)),
    sc(Sysno::fcntl, Special(Special::Fcntl), &[Fd, Int, FcntlArg], Ret::Int),
    sc(Sysno::ioctl, Special(Special::Ioctl), &[Fd, Flags, Ptr], Ret::Int),
    sc(Sysno::chdir, All, &[Path], Ret::Int).lockstep(),
    sc(Sysno::fchdir, All, &[Fd], Ret::Int).lockstep(),
    sc(Sysno::umask, All, &[Int], Ret::Int),
    // The root directory is the process's own: every variant, in lock-step.
    sc(Sysno::chroot, AllChecked, &[Path], Ret::Int),
    // Namespaces, the fd table, the fs struct, SysV semaphore undo lists: the process's own.
    // A new user namespace's uid_map is written through /proc by the leader only (README).
    sc(Sysno::unshare, AllChecked, &[Flags], Ret::Int),
    sc(Sysno::setns, refuse(libc::EPERM, SETNS), &[Fd, Int], Ret::Int),

    // --- Pipes and special fds: leader only, followers get placeholder fds.
    sc(Sysno::pipe, LeaderOnly, &[Out(Fixed(FD_PAIR))], Ret::NewFdPair(0)),
    sc(Sysno::pipe2, LeaderOnly, &[Out(Fixed(FD_PAIR)), Flags], Ret::NewFdPair(0)),
    sc(Sysno::eventfd, LeaderOnly, &[Int], Ret::NewFd),
    sc(Sysno::eventfd2, LeaderOnly, &[Int, Flags], Ret::NewFd),
    sc(Sysno::memfd_create, LeaderOnly, &[Str, Flags], Ret::NewFd),
    sc(Sysno::signalfd, LeaderOnly, &[Fd, In(Fixed(KERNEL_SIGSET)), Int], Ret::NewFd),
    sc(Sysno::signalfd4, LeaderOnly, &[Fd, In(Fixed(KERNEL_SIGSET)), Int, Flags], Ret::NewFd),
    sc(Sysno::timerfd_create, LeaderOnly, &[Int, Flags], Ret::NewFd),
    sc(Sysno::timerfd_settime, LeaderOnly, &[Fd, Flags, In(Fixed(ITIMERSPEC)), Out(Fixed(ITIMERSPEC))], Ret::Int),
    sc(Sysno::timerfd_gettime, LeaderOnly, &[Fd, Out(Fixed(ITIMERSPEC))], Ret::Int),
    sc(Sysno::inotify_init, LeaderOnly, &[], Ret::NewFd),
    sc(Sysno::inotify_init1, LeaderOnly, &[Flags], Ret::NewFd),
    sc(Sysno::inotify_add_watch, LeaderOnly, &[Fd, Path, Flags], Ret::Int),
    sc(Sysno::inotify_rm_watch, LeaderOnly, &[Fd, Int], Ret::Int),
    sc(Sysno::fanotify_init, LeaderOnly, &[Flags, Flags], Ret::NewFd),
    sc(Sysno::fanotify_mark, LeaderOnly, &[Fd, Flags, Flags, DirFd, Path], Ret::Int),
    // A pidfd names a process: each variant holds its own, of its own counterpart (the pid is
    // mapped), so that signals and waits through it reach every variant's child. (A pidfd of
    // a process outside the run is then signalled once per variant.)
    sc(Sysno::pidfd_open, AllChecked, &[Pid, Flags], Ret::NewFd),
    sc(Sysno::pidfd_getfd, LeaderOnly, &[Fd, Int, Flags], Ret::NewFd),
    sc(Sysno::pidfd_send_signal, All, &[Fd, Signal, SIGINFO_HEAD, Flags], Ret::Int),
    // Secret memory only mmap reaches: every variant holds its own (sized by ftruncate).
    sc(Sysno::memfd_secret, AllChecked, &[Flags], Ret::NewFd),

    // --- Readiness: poll, select, epoll: leader only.
    sc(Sysno::poll, LeaderOnly, &[InOut(ArgTimes(1, POLLFD)), Int, Timeout], Ret::Int).fast(Fast::Wait),
    sc(Sysno::ppoll, LeaderOnly, &[InOut(ArgTimes(1, POLLFD)), Int, Out(Fixed(TIMESPEC)), In(Fixed(KERNEL_SIGSET)), Int], Ret::Int).sigmask(SigMask::Arg(3)).fast(Fast::Wait).fast_unless(PPOLL_SIGMASK_GIVEN),
    sc(Sysno::select, LeaderOnly, &[Int, InOut(Fixed(FD_SET)), InOut(Fixed(FD_SET)), InOut(Fixed(FD_SET)), Out(Fixed(TIMEVAL))], Ret::Int).fast(Fast::Wait),
    sc(Sysno::pselect6, LeaderOnly, &[Int, InOut(Fixed(FD_SET)), InOut(Fixed(FD_SET)), InOut(Fixed(FD_SET)), Out(Fixed(TIMESPEC)), Ptr], Ret::Int).sigmask(SigMask::PselectData(5)).fast(Fast::Wait).fast_unless(PSELECT_DATA_GIVEN),
    sc(Sysno::epoll_create, LeaderOnly, &[Int], Ret::NewFd),
    sc(Sysno::epoll_create1, LeaderOnly, &[Flags], Ret::NewFd),
    sc(Sysno::epoll_ctl, Special(Special::EpollCtl), &[Fd, Int, Fd, EpollEvent], Ret::Int).fast(Fast::Wait),
    sc(Sysno::epoll_wait, LeaderOnly, &[Fd, Out(RetTimes(EPOLL_EVENT)), Int, Timeout], Ret::Int).epoll_events().fast(Fast::Wait),
    sc(Sysno::epoll_pwait, LeaderOnly, &[Fd, Out(RetTimes(EPOLL_EVENT)), Int, Timeout, In(Fixed(KERNEL_SIGSET)), Int], Ret::Int).epoll_events().sigmask(SigMask::Arg(4)).fast(Fast::Wait).fast_unless(SIGMASK_GIVEN),
    sc(Sysno::epoll_pwait2, LeaderOnly, &[Fd, Out(RetTimes(EPOLL_EVENT)), Int, Ptr, In(Fixed(KERNEL_SIGSET)), Int], Ret::Int).epoll_events().sigmask(SigMask::Arg(4)),

    // --- Sockets: leader only.
    sc(Sysno::socket, LeaderOnly, &[Int, Flags, Int], Ret::NewFd),
    sc(Sysno::socketpair, LeaderOnly, &[Int, Flags, Int, Out(Fixed(FD_PAIR))], Ret::NewFdPair(3)),
    sc(Sysno::bind, LeaderOnly, &[Fd, SockAddr { len_arg: 2 }, Int], Ret::Int),
    sc(Sysno::connect, LeaderOnly, &[Fd, SockAddr { len_arg: 2 }, Int], Ret::Int),
    sc(Sysno::listen, LeaderOnly, &[Fd, Int], Ret::Int),
    sc(Sysno::accept, LeaderOnly, &[Fd, Out(DerefArg(2)), InOut(Fixed(INT))], Ret::NewFd).fast(Fast::FdTable),
    sc(Sysno::accept4, LeaderOnly, &[Fd, Out(DerefArg(2)), InOut(Fixed(INT)), Flags], Ret::NewFd).fast(Fast::FdTable),
    sc(Sysno::sendto, LeaderOnly, &[Fd, In(Arg(2)), Int, Flags, SockAddr { len_arg: 5 }, Int], Ret::Int).fast(Fast::Write),
    sc(Sysno::recvfrom, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int, Flags, Out(DerefArg(5)), InOut(Fixed(INT))], Ret::Int).fast(Fast::Read),
    sc(Sysno::sendmsg, LeaderOnly, &[Fd, MsgIn, Flags], Ret::Int).fast(Fast::Write),
    sc(Sysno::recvmsg, LeaderOnly, &[Fd, MsgOut, Flags], Ret::Int).fast(Fast::Read),
    sc(Sysno::sendmmsg, LeaderOnly, &[Fd, MmsgIn { count: 2 }, Int, Flags], Ret::Int),
    // The timeout is written back with the time left, like ppoll's.
    sc(Sysno::recvmmsg, LeaderOnly, &[Fd, MmsgOut { count: 2 }, Int, Flags, Out(Fixed(TIMESPEC))], Ret::Int),
    sc(Sysno::shutdown, LeaderOnly, &[Fd, Int], Ret::Int).fast(Fast::Write),
    sc(Sysno::getsockname, LeaderOnly, &[Fd, Out(DerefArg(2)), InOut(Fixed(INT))], Ret::Int),
    sc(Sysno::getpeername, LeaderOnly, &[Fd, Out(DerefArg(2)), InOut(Fixed(INT))], Ret::Int),
    sc(Sysno::setsockopt, LeaderOnly, &[Fd, Int, Int, SOCKOPT_VALUE, Int], Ret::Int).fast(Fast::Write),
    sc(Sysno::getsockopt, LeaderOnly, &[Fd, Int, Int, Out(DerefArg(4)), InOut(Fixed(INT))], Ret::Int).fast(Fast::Read),

    // --- System V IPC and POSIX message queues: kernel objects outside the process, used by
    // the leader only. A shared memory segment cannot be attached (see SHMAT).
    sc(Sysno::msgget, LeaderOnly, &[Int, Flags], Ret::Int),
    sc(Sysno::msgsnd, LeaderOnly, &[Int, In(ArgPlus(2, LONG)), Int, Flags], Ret::Int),
    sc(Sysno::msgrcv, LeaderOnly, &[Int, Out(RetPlus(LONG)), Int, Int, Flags], Ret::Int),
    sc(Sysno::msgctl, LeaderOnly, &[Int, Int, MSGCTL_BUF], Ret::Int),
    sc(Sysno::semget, LeaderOnly, &[Int, Int, Flags], Ret::Int),
    sc(Sysno::semop, LeaderOnly, &[Int, In(ArgTimes(2, SEMBUF)), Int], Ret::Int),
    sc(Sysno::semtimedop, LeaderOnly, &[Int, In(ArgTimes(2, SEMBUF)), Int, Ptr], Ret::Int),
    sc(Sysno::semctl, LeaderOnly, &[Int, Int, Int, SEMCTL_ARG], Ret::Int),
    sc(Sysno::shmget, LeaderOnly, &[Int, Int, Flags], Ret::Int),
    sc(Sysno::shmctl, LeaderOnly, &[Int, Int, SHMCTL_BUF], Ret::Int),
    sc(Sysno::shmat, refuse(libc::EACCES, SHMAT), &[Int, Ptr, Flags], Ret::Addr),
    // Detaching is process-local (and fails with EINVAL where nothing is attached).
    sc(Sysno::shmdt, All, &[Ptr], Ret::Int),
    // mq_attr: only mq_maxmsg and mq_msgsize are read (mode and attr only with O_CREAT).
    sc(Sysno::mq_open, LeaderOnly, &[Str, Flags, Int, InPart { at: MQ_ATTR_LIMITS.0, len: MQ_ATTR_LIMITS.1 }], Ret::NewFd),
    sc(Sysno::mq_unlink, LeaderOnly, &[Str], Ret::Int),
    sc(Sysno::mq_timedsend, LeaderOnly, &[Fd, In(Arg(2)), Int, Int, Ptr], Ret::Int),
    sc(Sysno::mq_timedreceive, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int, Out(Fixed(INT)), Ptr], Ret::Int),
    // sigevent: sigev_signo and sigev_notify compared (the value may be a pointer).
    sc(Sysno::mq_notify, LeaderOnly, &[Fd, InPart { at: SIGEVENT_SIGNO_NOTIFY.0, len: SIGEVENT_SIGNO_NOTIFY.1 }], Ret::Int),
    // Only mq_flags (O_NONBLOCK) of the new attributes is read.
    sc(Sysno::mq_getsetattr, LeaderOnly, &[Fd, InPart { at: 0, len: MQ_ATTR_FLAGS_LEN }, Out(Fixed(MQ_ATTR))], Ret::Int),

    // --- Keys: kernel objects shared by the user's processes, used by the leader only.
    sc(Sysno::add_key, LeaderOnly, &[Str, Str, In(Arg(3)), Int, Int], Ret::Int),
    sc(Sysno::request_key, LeaderOnly, &[Str, Str, Str, Int], Ret::Int),
    sc(Sysno::keyctl, LeaderOnly, &[Int, KEYCTL_ARG1, KEYCTL_ARG2, KEYCTL_ARG3, KEYCTL_ARG4], Ret::Int),

    // --- Linux AIO: refused (see AIO). The context id is the address of the ring.
    sc(Sysno::io_setup, refuse(libc::ENOSYS, AIO), &[Int, Out(Fixed(LONG))], Ret::Int),
    sc(Sysno::io_destroy, refuse(libc::ENOSYS, AIO), &[Ptr], Ret::Int),
    sc(Sysno::io_submit, refuse(libc::ENOSYS, AIO), &[Ptr, Int, Ptr], Ret::Int),
    sc(Sysno::io_cancel, refuse(libc::ENOSYS, AIO), &[Ptr, Ptr, Out(Fixed(IO_EVENT))], Ret::Int),
    sc(Sysno::io_getevents, refuse(libc::ENOSYS, AIO), &[Ptr, Int, Int, Out(RetTimes(IO_EVENT)), Ptr], Ret::Int),
    sc(Sysno::io_pgetevents, refuse(libc::ENOSYS, AIO), &[Ptr, Int, Int, Out(RetTimes(IO_EVENT)), Ptr, Ptr], Ret::Int),

    // --- Randomness: leader only, so every variant sees the same bytes.
    sc(Sysno::getrandom, LeaderOnly, &[Out(RetUpTo(1)), Int, Flags], Ret::Int).random_draw().fills_caller_memory_only(),

    // --- Memory management: process-local, executed by every variant.
    // Runtime setup (exemption): mapping the buffer file into the follower's own memory. Also
    // relaxed in threaded processes when the mapping is the process's own (PROT_EXEC included:
    // see `Relaxed`).
    sc(Sysno::mmap, Special(Special::Mmap), &[Ptr, Int, Flags, Flags, Fd, Int], Ret::Addr).relaxed(Relaxed::InThreadsIfOwnMapping).runtime_setup(RuntimeSetup::Any).untraced_at_base_when("anonymous memory of this variant alone", NO_EXEC, ANONYMOUS).prot_arg(2),
    // Relaxed anywhere: it only moves the program break (never executable memory), and how
    // often a variant's allocator moves it differs legitimately (the runtime allocates in
    // followers only; diversified builds allocate differently); each heap is its own.
    sc(Sysno::brk, All, &[Ptr], Ret::Addr).relaxed(Relaxed::Anywhere).untraced_at_base("the heap of this variant alone (partitioned at exec)"),
    sc(Sysno::munmap, All, &[Ptr, Int], Ret::Int).untraced_at_base("unmaps this variant's own memory"),
    // Relaxed in threaded processes like every memory call (PROT_EXEC included: see `Relaxed`).
    sc(Sysno::mprotect, All, &[Ptr, Int, Flags], Ret::Int).untraced_at_base_when("protection of this variant's own memory", NO_EXEC, None).prot_arg(2),
    sc(Sysno::pkey_mprotect, All, &[Ptr, Int, Flags, Int], Ret::Int).prot_arg(2),
    sc(Sysno::pkey_alloc, All, &[Flags, Flags], Ret::Int),
    sc(Sysno::pkey_free, All, &[Int], Ret::Int),
    sc(Sysno::mremap, All, &[Ptr, Int, Int, Flags, Ptr], Ret::Addr).untraced_at_base("moves this variant's own memory; nothing becomes executable"),
    sc(Sysno::madvise, All, &[Ptr, Int, Int], Ret::Int).untraced_at_base("advice on this variant's own memory"),
    sc(Sysno::msync, All, &[Ptr, Int, Flags], Ret::Int),
    sc(Sysno::mincore, All, &[Ptr, Int, Ptr], Ret::Int),
    sc(Sysno::mlock, All, &[Ptr, Int], Ret::Int).untraced_at_base("pins this variant's own pages"),
    sc(Sysno::mlock2, All, &[Ptr, Int, Flags], Ret::Int),
    sc(Sysno::munlock, All, &[Ptr, Int], Ret::Int),
    sc(Sysno::mlockall, All, &[Flags], Ret::Int),
    sc(Sysno::munlockall, All, &[], Ret::Int),
    sc(Sysno::mseal, All, &[Ptr, Int, Flags], Ret::Int),
    sc(Sysno::map_shadow_stack, All, &[Ptr, Int, Flags], Ret::Addr),
    sc(Sysno::membarrier, All, &[Int, Flags, Int], Ret::Int).untraced_at_base("orders this process's own threads"),
    sc(Sysno::remap_file_pages, All, &[Ptr, Int, Int, Int, Flags], Ret::Int).prot_arg(2),
    // NUMA memory policy: the process's own memory; placement reads take the leader's view.
    sc(Sysno::mbind, All, &[Ptr, Int, Int, In(NodeMask(4)), Int, Flags], Ret::Int),
    sc(Sysno::set_mempolicy, All, &[Int, In(NodeMask(2)), Int], Ret::Int),
    sc(Sysno::set_mempolicy_home_node, All, &[Ptr, Int, Int, Flags], Ret::Int),
    sc(Sysno::get_mempolicy, AllReplaceResult, &[Out(Fixed(INT)), Out(NodeMask(2)), Int, Ptr, Flags], Ret::Int),
    sc(Sysno::migrate_pages, All, &[Pid, Int, In(NodeMask(1)), In(NodeMask(1))], Ret::Int),
    // pages: an array of addresses (per variant); status: where each page is.
    sc(Sysno::move_pages, AllReplaceResult, &[Pid, Int, Ptr, In(ArgTimes(1, INT)), Out(ArgTimes(1, INT)), Flags], Ret::Int),
    // The advice names the memory of the pidfd's process, which only the leader holds.
    sc(Sysno::process_madvise, LeaderOnly, &[Fd, Ptr, Int, Int, Flags], Ret::Int),
    sc(Sysno::process_mrelease, LeaderOnly, &[Fd, Flags], Ret::Int),

    // --- Threads, TLS, futexes: process-local, executed by every variant.
    sc(Sysno::arch_prctl, All, &[Int, Ptr], Ret::Int),
    // Segment descriptors hold base addresses (per variant).
    sc(Sysno::modify_ldt, All, &[Int, Ptr, Int], Ret::Int),
    sc(Sysno::get_thread_area, All, &[Ptr], Ret::Int),
    sc(Sysno::set_thread_area, All, &[Ptr], Ret::Int),
    sc(Sysno::set_tid_address, All, &[Ptr], Ret::Int),
    sc(Sysno::set_robust_list, All, &[Ptr, Int], Ret::Int).untraced_at_base("registers this thread's futex list with the kernel"),
    sc(Sysno::get_robust_list, All, &[Pid, Ptr, Ptr], Ret::Int).untraced_at_base("reads a thread's futex list head, an address of its own"),
    sc(Sysno::futex, Unchecked, &[Ptr, Flags, Int, Ptr, Ptr, Ptr], Ret::Int).lock_wait(),
    sc(Sysno::futex_waitv, Unchecked, &[Ptr, Int, Flags, Ptr, Int], Ret::Int).lock_wait(),
    sc(Sysno::futex_wake, Unchecked, &[Ptr, Int, Int, Flags], Ret::Int),
    sc(Sysno::futex_wait, Unchecked, &[Ptr, Int, Int, Flags, Ptr, Int], Ret::Int).lock_wait(),
    sc(Sysno::futex_requeue, Unchecked, &[Ptr, Flags, Int, Int], Ret::Int),
    sc(Sysno::sched_yield, Unchecked, &[], Ret::Int),
    // Continues the variant's own interrupted sleep/poll; no arguments.
    sc(Sysno::restart_syscall, Special(Special::Restart), &[], Ret::Int),
    // prctl's arguments 2-5 are values for some options and pointers for others (PR_SET_NAME).
    sc(Sysno::prctl, All, &[Int, Ptr, Ptr, Ptr, Ptr], Ret::Int),
    sc(Sysno::personality, All, &[Flags], Ret::Int),
    // Filters stack on mvx's (README: "Calls mvx refuses"); a user-space listener is refused.
    sc(Sysno::seccomp, Special(Special::Seccomp), &[Int, Flags, SECCOMP_ARGS], Ret::Int),
    // Landlock domains are the process's own: every variant builds and enforces its ruleset.
    sc(Sysno::landlock_create_ruleset, Special(Special::LandlockRuleset), &[In(Arg(1)), Int, Flags], Ret::NewFd),
    sc(Sysno::landlock_add_rule, Special(Special::FdHolder), &[Fd, Int, LANDLOCK_RULE, Flags], Ret::Int),
    sc(Sysno::landlock_restrict_self, Special(Special::FdHolder), &[Fd, Flags], Ret::Int),
    // The process's own security attributes (LSM).
    sc(Sysno::lsm_get_self_attr, AllReplaceResult, &[Int, Out(DerefArg(2)), InOut(Fixed(INT)), Flags], Ret::Int),
    sc(Sysno::lsm_set_self_attr, AllChecked, &[Int, In(Arg(2)), Int, Flags], Ret::Int),
    sc(Sysno::lsm_list_modules, AllReplaceResult, &[Out(DerefArg(1)), InOut(Fixed(INT)), Flags], Ret::Int),
    // Uprobe trampolines: the kernel's own, only valid from a probed instruction (SIGILL
    // otherwise). Probes may sit in one variant's binary only: untraced, uncompared.
    sc(Sysno::uprobe, Unchecked, &[], Ret::Int),
    sc(Sysno::uretprobe, Unchecked, &[], Ret::Int),

    // --- Restartable sequences and introspection/escape hatches: refused everywhere.
    sc(Sysno::rseq, absent(RSEQ), &[Ptr, Int, Flags, Int], Ret::Int),
    sc(Sysno::io_uring_setup, refuse(libc::ENOSYS, IO_URING), &[Int, Ptr], Ret::NewFd),
    sc(Sysno::io_uring_enter, refuse(libc::ENOSYS, IO_URING), &[Fd, Int, Int, Flags, Ptr, Int], Ret::Int),
    sc(Sysno::io_uring_register, refuse(libc::ENOSYS, IO_URING), &[Fd, Int, Ptr, Int], Ret::Int),
    sc(Sysno::perf_event_open, refuse(libc::EACCES, PERF), &[Ptr, Pid, Int, Fd, Flags], Ret::NewFd),
    sc(Sysno::userfaultfd, refuse(libc::EPERM, USERFAULTFD), &[Flags], Ret::NewFd),
    sc(Sysno::ptrace, refuse(libc::EPERM, PTRACE), &[Int, Pid, Ptr, Ptr], Ret::Int),
    sc(Sysno::process_vm_readv, refuse(libc::EPERM, PROCESS_VM), &[Pid, Ptr, Int, Ptr, Int, Flags], Ret::Int),
    sc(Sysno::process_vm_writev, refuse(libc::EPERM, PROCESS_VM), &[Pid, Ptr, Int, Ptr, Int, Flags], Ret::Int),
    sc(Sysno::kexec_load, refuse(libc::EPERM, KEXEC_LOAD), &[Ptr, Int, Ptr, Flags], Ret::Int),
    sc(Sysno::bpf, refuse(libc::EPERM, BPF), &[Int, Ptr, Int], Ret::Int),
    sc(Sysno::ioperm, refuse(libc::EPERM, PORT_IO), &[Int, Int, Int], Ret::Int),
    sc(Sysno::iopl, refuse(libc::EPERM, PORT_IO), &[Int], Ret::Int),
    sc(Sysno::uselib, absent(USELIB), &[Path], Ret::Int),
    sc(Sysno::sysfs, absent(SYSFS), &[Int, Ptr, Ptr], Ret::Int),
    sc(Sysno::lookup_dcookie, absent(REMOVED), &[Int, Ptr, Int], Ret::Int),
    sc(Sysno::nfsservctl, absent(REMOVED), &[], Ret::Int),
    sc(Sysno::_sysctl, absent(REMOVED), &[Ptr], Ret::Int),
    sc(Sysno::create_module, absent(REMOVED), &[], Ret::Int),
    sc(Sysno::get_kernel_syms, absent(REMOVED), &[], Ret::Int),
    sc(Sysno::query_module, absent(REMOVED), &[], Ret::Int),
    sc(Sysno::afs_syscall, absent(NOT_IN_LINUX), &[], Ret::Int),
    sc(Sysno::tuxcall, absent(NOT_IN_LINUX), &[], Ret::Int),
    sc(Sysno::security, absent(NOT_IN_LINUX), &[], Ret::Int),
    sc(Sysno::vserver, absent(NOT_IN_LINUX), &[], Ret::Int),
    sc(Sysno::getpmsg, absent(NOT_IN_LINUX), &[], Ret::Int),
    sc(Sysno::putpmsg, absent(NOT_IN_LINUX), &[], Ret::Int),
    sc(Sysno::epoll_ctl_old, absent(NOT_IN_LINUX), &[], Ret::Int),
    sc(Sysno::epoll_wait_old, absent(NOT_IN_LINUX), &[], Ret::Int),

    // --- Privileged system-wide calls: the leader alone (an ordinary user gets EPERM; with
    // the privilege the effect happens once, as natively).
    sc(Sysno::settimeofday, LeaderOnly, &[In(Fixed(TIMEVAL)), In(Fixed(TIMEZONE))], Ret::Int),
    sc(Sysno::clock_settime, LeaderOnly, &[ClockId, In(Fixed(TIMESPEC))], Ret::Int),
    sc(Sysno::clock_adjtime, LeaderOnly, &[ClockId, Timex], Ret::Int),
    sc(Sysno::adjtimex, LeaderOnly, &[Timex], Ret::Int),
    sc(Sysno::acct, LeaderOnly, &[Path], Ret::Int),
    sc(Sysno::swapon, LeaderOnly, &[Path, Flags], Ret::Int),
    sc(Sysno::swapoff, LeaderOnly, &[Path], Ret::Int),
    sc(Sysno::reboot, LeaderOnly, &[Int, Int, Int, REBOOT_ARG], Ret::Int),
    sc(Sysno::kexec_file_load, LeaderOnly, &[Fd, Fd, Int, Str, Flags], Ret::Int),
    sc(Sysno::init_module, LeaderOnly, &[In(Arg(1)), Int, Str], Ret::Int),
    sc(Sysno::finit_module, LeaderOnly, &[Fd, Str, Flags], Ret::Int),
    sc(Sysno::delete_module, LeaderOnly, &[Str, Flags], Ret::Int),
    sc(Sysno::quotactl, LeaderOnly, &[Int, Path, Int, QUOTACTL_ADDR], Ret::Int),
    sc(Sysno::quotactl_fd, LeaderOnly, &[Fd, Int, Int, QUOTACTL_FD_ADDR], Ret::Int),
    sc(Sysno::vhangup, LeaderOnly, &[], Ret::Int),
    sc(Sysno::syslog, LeaderOnly, &[Int, SYSLOG_BUF, Int], Ret::Int),
    sc(Sysno::kcmp, LeaderOnly, &[Pid, Pid, Int, Int, KCMP_IDX2], Ret::Int),

    // --- Namespaced calls: the leader alone, or every variant inside its own namespace.
    sc(Sysno::sethostname, Special(Special::Namespaced(Ns::Uts)), &[In(Arg(1)), Int], Ret::Int),
    sc(Sysno::setdomainname, Special(Special::Namespaced(Ns::Uts)), &[In(Arg(1)), Int], Ret::Int),
    sc(Sysno::mount, Special(Special::Namespaced(Ns::Mnt)), &[Str, Path, Str, Flags, Str], Ret::Int),
    sc(Sysno::umount2, Special(Special::Namespaced(Ns::Mnt)), &[Path, Flags], Ret::Int),
    sc(Sysno::pivot_root, Special(Special::Namespaced(Ns::Mnt)), &[Path, Path], Ret::Int),
    sc(Sysno::move_mount, Special(Special::Namespaced(Ns::Mnt)), &[DirFd, Path, DirFd, Path, Flags], Ret::Int),
    sc(Sysno::mount_setattr, Special(Special::Namespaced(Ns::Mnt)), &[DirFd, Path, Flags, In(Arg(4)), Int], Ret::Int),
    sc(Sysno::open_tree, Special(Special::Namespaced(Ns::Mnt)), &[DirFd, Path, Flags], Ret::NewFd),
    sc(Sysno::open_tree_attr, Special(Special::Namespaced(Ns::Mnt)), &[DirFd, Path, Flags, In(Arg(4)), Int], Ret::NewFd),
    sc(Sysno::fsopen, Special(Special::Namespaced(Ns::Mnt)), &[Str, Flags], Ret::NewFd),
    sc(Sysno::fspick, Special(Special::Namespaced(Ns::Mnt)), &[DirFd, Path, Flags], Ret::NewFd),
    sc(Sysno::fsconfig, Special(Special::Namespaced(Ns::Mnt)), &[Fd, Int, FSCONFIG_KEY, FSCONFIG_VALUE, Int], Ret::Int),
    sc(Sysno::fsmount, Special(Special::Namespaced(Ns::Mnt)), &[Fd, Flags, Flags], Ret::NewFd),
    // Mount table queries: the leader's view.
    sc(Sysno::statmount, LeaderOnly, &[In(Versioned(MNT_ID_REQ_VER0)), Out(Arg(2)), Int, Flags], Ret::Int),
    sc(Sysno::listmount, LeaderOnly, &[In(Versioned(MNT_ID_REQ_VER0)), Out(RetTimes(LONG)), Int, Flags], Ret::Int),

    // --- Signal dispositions and masks: process-local, executed by every variant.
    // Lock-step even in threaded processes (a `Special` kind, never relaxed): the monitor's
    // signal synchronisation follows the dispositions (so do rt_sigsuspend, pause and
    // restart_syscall, which wait for signals).
    sc(Sysno::rt_sigaction, Special(Special::Sigaction), &[Signal, Ptr, Out(Fixed(KERNEL_SIGACTION)), Int], Ret::Int),
    sc(Sysno::rt_sigprocmask, All, &[Int, In(Arg(3)), Out(Arg(3)), Int], Ret::Int).untraced_at_base("this thread's own signal mask"),
    // Untraced: a handler's return is process-local and restores a frame the (synchronised)
    // delivery built; tracing it doubled the cost of every signal. A forged frame (SROP) shows
    // at the next traced syscall, where the variants then differ.
    sc(Sysno::rt_sigreturn, Unchecked, &[], Ret::Int),
    sc(Sysno::sigaltstack, All, &[Ptr, Out(Fixed(STACK))], Ret::Int).untraced_at_base("this thread's own signal stack"),
    sc(Sysno::rt_sigsuspend, All, &[In(Arg(1)), Int], Ret::Int).sigmask(SigMask::Arg(0)).lockstep(),
    sc(Sysno::rt_sigpending, All, &[Out(Arg(1)), Int], Ret::Int),
    sc(Sysno::rt_sigtimedwait, All, &[In(Arg(3)), Out(Fixed(SIGINFO)), Ptr, Int], Ret::Int),
    sc(Sysno::pause, All, &[], Ret::Int).waits_for_signal().lockstep(),

    // --- Sending signals: every variant to a task of the run (signals to self are the common
    // case), the leader alone to any other process.
    sc(Sysno::kill, Special(Special::Signal { target: 0 }), &[Pid, Signal], Ret::Int),
    sc(Sysno::tkill, Special(Special::Signal { target: 0 }), &[Pid, Signal], Ret::Int),
    sc(Sysno::tgkill, Special(Special::Signal { target: 1 }), &[Pid, Pid, Signal], Ret::Int),
    sc(Sysno::rt_sigqueueinfo, Special(Special::Signal { target: 0 }), &[Pid, Signal, SIGINFO_HEAD], Ret::Int),
    sc(Sysno::rt_tgsigqueueinfo, Special(Special::Signal { target: 1 }), &[Pid, Pid, Signal, SIGINFO_HEAD], Ret::Int),

    // --- Interval timers and POSIX timers: process-local, executed by every variant.
    sc(Sysno::alarm, All, &[Int], Ret::Int),
    sc(Sysno::setitimer, All, &[Int, In(Fixed(ITIMERVAL)), Out(Fixed(ITIMERVAL))], Ret::Int),
    sc(Sysno::getitimer, All, &[Int, Out(Fixed(ITIMERVAL))], Ret::Int),
    sc(Sysno::timer_create, All, &[ClockId, Ptr, Out(Fixed(INT))], Ret::Int),
    sc(Sysno::timer_settime, All, &[Int, Flags, In(Fixed(ITIMERSPEC)), Out(Fixed(ITIMERSPEC))], Ret::Int),
    sc(Sysno::timer_gettime, All, &[Int, Out(Fixed(ITIMERSPEC))], Ret::Int),
    sc(Sysno::timer_getoverrun, All, &[Int], Ret::Int),
    sc(Sysno::timer_delete, All, &[Int], Ret::Int),

    // --- Time and sleeping: every variant, followers see the leader's values.
    sc(Sysno::time, AllReplaceResult, &[Out(Fixed(LONG))], Ret::Int).clock().fast(Fast::Local),
    sc(Sysno::gettimeofday, AllReplaceResult, &[Out(Fixed(TIMEVAL)), Out(Fixed(TIMEZONE))], Ret::Int).clock().fast(Fast::Local),
    sc(Sysno::clock_gettime, AllReplaceResult, &[ClockId, Out(Fixed(TIMESPEC))], Ret::Int).clock().random_draw().fast(Fast::Local),
    sc(Sysno::clock_getres, AllReplaceResult, &[ClockId, Out(Fixed(TIMESPEC))], Ret::Int),
    sc(Sysno::clock_nanosleep, AllReplaceResult, &[ClockId, Flags, Ptr, Out(Fixed(TIMESPEC))], Ret::Int),
    sc(Sysno::nanosleep, AllReplaceResult, &[Ptr, Out(Fixed(TIMESPEC))], Ret::Int),

    // --- Process identity: every variant, followers see the leader's values.
    sc(Sysno::getpid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local).own_id(OwnId::Process),
    sc(Sysno::getppid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::gettid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local).own_id(OwnId::Thread),
    sc(Sysno::getuid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::geteuid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::getgid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::getegid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::getresuid, AllReplaceResult, &[Out(Fixed(INT)), Out(Fixed(INT)), Out(Fixed(INT))], Ret::Int),
    sc(Sysno::getresgid, AllReplaceResult, &[Out(Fixed(INT)), Out(Fixed(INT)), Out(Fixed(INT))], Ret::Int),
    sc(Sysno::getgroups, AllReplaceResult, &[Int, Out(ArgTimes(0, INT))], Ret::Int),
    sc(Sysno::getpgrp, AllReplaceResult, &[], Ret::Int),
    sc(Sysno::getpgid, AllReplaceResult, &[Pid], Ret::Int),
    sc(Sysno::getsid, AllReplaceResult, &[Pid], Ret::Int),
    sc(Sysno::capget, AllReplaceResult, &[InOut(Fixed(CAP_HEADER)), Ptr], Ret::Int),

    // --- Credentials setters: process-local, executed by every variant.
    sc(Sysno::setuid, All, &[Int], Ret::Int),
    sc(Sysno::setgid, All, &[Int], Ret::Int),
    sc(Sysno::setreuid, All, &[Int, Int], Ret::Int),
    sc(Sysno::setregid, All, &[Int, Int], Ret::Int),
    sc(Sysno::setresuid, All, &[Int, Int, Int], Ret::Int),
    sc(Sysno::setresgid, All, &[Int, Int, Int], Ret::Int),
    sc(Sysno::setfsuid, All, &[Int], Ret::Int),
    sc(Sysno::setfsgid, All, &[Int], Ret::Int),
    sc(Sysno::setgroups, All, &[Int, In(ArgTimes(0, INT))], Ret::Int),
    sc(Sysno::capset, All, &[In(Fixed(CAP_HEADER)), Ptr], Ret::Int),

    // --- Sessions and process groups: leader only.
    // Lock-step even in threaded processes: job control (the terminal's foreground group).
    sc(Sysno::setpgid, All, &[Pid, Pid], Ret::Int).lockstep(),
    sc(Sysno::setsid, LeaderOnly, &[], Ret::Int),

    // --- System and resource information: every variant, followers see the leader's values.
    sc(Sysno::uname, AllReplaceResult, &[Out(Fixed(UTSNAME))], Ret::Int),
    sc(Sysno::sysinfo, AllReplaceResult, &[Out(Fixed(SYSINFO))], Ret::Int),
    sc(Sysno::getrlimit, AllReplaceResult, &[Int, Out(Fixed(RLIMIT))], Ret::Int),
    sc(Sysno::prlimit64, AllReplaceResult, &[Pid, Int, In(Fixed(RLIMIT)), Out(Fixed(RLIMIT))], Ret::Int),
    sc(Sysno::getrusage, AllReplaceResult, &[Int, Out(Fixed(RUSAGE))], Ret::Int),
    sc(Sysno::times, AllReplaceResult, &[Out(Fixed(TMS))], Ret::Int),
    sc(Sysno::getcpu, AllReplaceResult, &[Out(Fixed(INT)), Out(Fixed(INT)), Ptr], Ret::Int),
    // `who` is a pid, a process group or a uid depending on `which`: not mapped (the
    // followers' own calls only read, and get the leader's result).
    sc(Sysno::getpriority, AllReplaceResult, &[Int, Int], Ret::Int),
    sc(Sysno::ioprio_get, AllReplaceResult, &[Int, Int], Ret::Int),
    sc(Sysno::sched_getaffinity, AllReplaceResult, &[Pid, Int, Out(RetUpTo(1))], Ret::Int),
    sc(Sysno::sched_getscheduler, AllReplaceResult, &[Pid], Ret::Int),
    sc(Sysno::sched_getparam, AllReplaceResult, &[Pid, Out(Fixed(SCHED_PARAM))], Ret::Int),
    sc(Sysno::sched_getattr, AllReplaceResult, &[Pid, Out(Arg(2)), Int, Flags], Ret::Int),
    sc(Sysno::sched_get_priority_max, AllReplaceResult, &[Int], Ret::Int),
    sc(Sysno::sched_get_priority_min, AllReplaceResult, &[Int], Ret::Int),
    sc(Sysno::sched_rr_get_interval, AllReplaceResult, &[Pid, Out(Fixed(TIMESPEC))], Ret::Int),

    // --- Resource and scheduling setters: process-local, executed by every variant.
    sc(Sysno::setrlimit, All, &[Int, In(Fixed(RLIMIT))], Ret::Int),
    // PRIO_USER / IOPRIO_WHO_USER: the leader alone; a process or group: every variant, `who`
    // mapped (a uid equal to a follower task's real pid would be mistaken for it).
    sc(Sysno::setpriority, Special(Special::Priority { user: 2 }), &[Int, Pid, Int], Ret::Int),
    sc(Sysno::ioprio_set, Special(Special::Priority { user: 3 }), &[Int, Pid, Int], Ret::Int),
    sc(Sysno::sched_setattr, All, &[Pid, In(Versioned(SCHED_ATTR_VER0)), Flags], Ret::Int),
    sc(Sysno::sched_setaffinity, All, &[Pid, Int, In(Arg(1))], Ret::Int),
    sc(Sysno::sched_setscheduler, All, &[Pid, Int, In(Fixed(SCHED_PARAM))], Ret::Int),
    sc(Sysno::sched_setparam, All, &[Pid, In(Fixed(SCHED_PARAM))], Ret::Int),

    // --- Waiting for children: leader only.
    sc(Sysno::wait4, AllReplaceResult, &[Pid, Out(Fixed(INT)), Flags, Out(Fixed(RUSAGE))], Ret::Int),
    sc(Sysno::waitid, AllReplaceResult, &[Int, Pid, Out(Fixed(SIGINFO)), Flags, Out(Fixed(RUSAGE))], Ret::Int),

    // --- Process creation, exec and exit (hand-written).
    sc(Sysno::fork, Special(Special::Fork), &[], Ret::Int).clone_flags(CloneFlags::Fixed(libc::SIGCHLD as u64)),
    sc(Sysno::vfork, Special(Special::Fork), &[], Ret::Int).clone_flags(CloneFlags::Fixed((libc::CLONE_VM | libc::CLONE_VFORK | libc::SIGCHLD) as u64)),
    sc(Sysno::clone, Special(Special::Fork), &[Flags, Ptr, Ptr, Ptr, Ptr], Ret::Int).clone_flags(CloneFlags::Arg(0)),
    sc(Sysno::clone3, Special(Special::Fork), &[Ptr, Int], Ret::Int).clone_flags(CloneFlags::CloneArgs(0)),
    sc(Sysno::execve, Special(Special::Exec), &[Path, StrArray, StrArray], Ret::NoReturn).ends_other_threads(),
    sc(Sysno::execveat, Special(Special::Exec), &[DirFd, Path, StrArray, StrArray, Flags], Ret::NoReturn).ends_other_threads(),
    sc(Sysno::exit, Special(Special::Exit), &[Int], Ret::NoReturn),
    sc(Sysno::exit_group, Special(Special::Exit), &[Int], Ret::NoReturn).ends_other_threads(),
];
