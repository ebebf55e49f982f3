//! Arguments the kernel does not read in a given call.
//!
//! Callers of variadic or multiplexed calls (open's mode, fcntl's and prctl's argument, the
//! addresses of clone) leave whatever was in the register when the call does not need it:
//! often an address, which differs between variants by design. Such an argument is neither
//! compared nor read from the variant's memory nor replicated: it is captured as
//! `Value::Ignored`. The table's argument kinds describe the call when the argument is used;
//! this file says, per syscall, when it is not.

use syscalls::Sysno;

/// A set of argument positions (bit k: argument k).
pub type ArgMask = u8;

const fn bit(k: usize) -> ArgMask {
    1 << k
}

/// From argument `k` to the last (the kernel reads none of them).
const fn from(k: usize) -> ArgMask {
    !0 << k
}

/// The arguments of syscall `nr` that the kernel ignores for these argument values.
pub fn unused_args(nr: u64, a: &[u64; 6]) -> ArgMask {
    let Some(sysno) = usize::try_from(nr).ok().and_then(Sysno::new) else {
        return 0;
    };
    match sysno {
        Sysno::open => mode_unless_created(a[1], 2),
        Sysno::openat => mode_unless_created(a[2], 3),
        Sysno::fcntl => fcntl_unused(a[1] as i32),
        Sysno::prctl => prctl_unused(a[0] as i32),
        Sysno::futex => futex_unused(a[1] as i32),
        Sysno::clone => clone_unused(a[0]),
        Sysno::mmap if a[3] & libc::MAP_ANONYMOUS as u64 != 0 => bit(4) | bit(5),
        Sysno::mremap if a[3] & (libc::MREMAP_FIXED | libc::MREMAP_DONTUNMAP) as u64 == 0 => bit(4),
        // The cpu is read only with MEMBARRIER_CMD_FLAG_CPU.
        Sysno::membarrier if a[1] & 1 == 0 => bit(2),
        // Since Linux 2.6.9 the event of EPOLL_CTL_DEL is ignored.
        Sysno::epoll_ctl if a[1] as i32 == libc::EPOLL_CTL_DEL => bit(3),
        // Without an address buffer the kernel does not look at its length.
        Sysno::accept | Sysno::accept4 | Sysno::getsockname | Sysno::getpeername if a[1] == 0 => {
            bit(2)
        }
        Sysno::recvfrom if a[4] == 0 => bit(5),
        Sysno::sendto if a[4] == 0 => bit(5),
        Sysno::arch_prctl if matches!(a[0], ARCH_GET_CPUID) => bit(1),
        Sysno::ioctl => ioctl_unused(a[1] & 0xffff_ffff),
        Sysno::clock_nanosleep if a[1] & libc::TIMER_ABSTIME as u64 != 0 => bit(3),
        // mode and attributes only when creating the queue.
        Sysno::mq_open if a[1] & libc::O_CREAT as u64 == 0 => bit(2) | bit(3),
        Sysno::msgctl if a[1] as i32 == libc::IPC_RMID => bit(2),
        Sysno::shmctl => shmctl_unused(a[1] as i32),
        Sysno::semctl => semctl_unused(a[2] as i32),
        Sysno::keyctl => keyctl_unused(a[0] as i32),
        Sysno::syslog => syslog_unused(a[0] as i32),
        Sysno::kcmp => kcmp_unused(a[2] as i32),
        // The command string only with LINUX_REBOOT_CMD_RESTART2.
        Sysno::reboot if a[2] as u32 != 0xa1b2_c3d4 => bit(3),
        Sysno::mount => mount_unused(a[3]),
        Sysno::quotactl => quota_unused(a[0] as u32 >> 8, 2, 3),
        Sysno::quotactl_fd => quota_unused(a[1] as u32 >> 8, 2, 3),
        _ => 0,
    }
}

fn shmctl_unused(cmd: i32) -> ArgMask {
    const SHM_LOCK: i32 = 11;
    const SHM_UNLOCK: i32 = 12;
    match cmd {
        libc::IPC_RMID | SHM_LOCK | SHM_UNLOCK => bit(2),
        _ => 0,
    }
}

/// semctl(semid, semnum, cmd, arg): semnum only names a semaphore for the per-semaphore
/// commands; arg is read by IPC_SET/IPC_STAT/..., SETVAL, GETALL and SETALL.
fn semctl_unused(cmd: i32) -> ArgMask {
    const GETPID: i32 = 11;
    const GETVAL: i32 = 12;
    const GETNCNT: i32 = 14;
    const GETZCNT: i32 = 15;
    const SETVAL: i32 = 16;
    let semnum = match cmd {
        GETPID | GETVAL | GETNCNT | GETZCNT | SETVAL => 0,
        _ => bit(1),
    };
    let arg = match cmd {
        libc::IPC_RMID | GETPID | GETVAL | GETNCNT | GETZCNT => bit(3),
        _ => 0,
    };
    semnum | arg
}

/// keyctl(op, ...): libkeyutils passes its variadic arguments on whatever the registers hold,
/// so the arguments an operation does not take are garbage.
fn keyctl_unused(op: i32) -> ArgMask {
    let takes = match op {
        18 => 0,                                 // SESSION_TO_PARENT
        1 | 3 | 7 | 14 | 16 | 21 => 1, // JOIN, REVOKE, CLEAR, SET_REQKEY, ASSUME, INVALIDATE
        0 | 5 | 8 | 9 | 15 | 22 | 31 => 2, // GET_KEYRING_ID, SETPERM, LINK, UNLINK, ...
        2 | 4 | 6 | 11 | 13 | 17 | 29 | 32 => 3, // UPDATE, CHOWN, DESCRIBE, READ, NEGATE, ...
        _ => 4,
    };
    from(takes + 1) & 0x1f
}

fn syslog_unused(kind: i32) -> ArgMask {
    match kind {
        // SYSLOG_ACTION_READ, READ_ALL, READ_CLEAR: buffer and length.
        2..=4 => 0,
        // SYSLOG_ACTION_CONSOLE_LEVEL: the level is the length argument.
        8 => bit(1),
        _ => bit(1) | bit(2),
    }
}

/// kcmp(pid1, pid2, type, idx1, idx2): the indexes only for KCMP_FILE and KCMP_EPOLL_TFD.
fn kcmp_unused(kind: i32) -> ArgMask {
    const KCMP_FILE: i32 = 0;
    const KCMP_EPOLL_TFD: i32 = 7;
    match kind {
        KCMP_FILE | KCMP_EPOLL_TFD => 0,
        _ => bit(3) | bit(4),
    }
}

/// mount(source, target, fstype, flags, data): the kernel copies every string but uses them
/// only for the operations that need them.
fn mount_unused(flags: u64) -> ArgMask {
    let has = |f: libc::c_ulong| flags & f != 0;
    let (source, fstype, data) = (bit(0), bit(2), bit(4));
    if has(libc::MS_REMOUNT) && has(libc::MS_BIND) {
        source | fstype | data
    } else if has(libc::MS_REMOUNT) {
        source | fstype
    } else if has(libc::MS_BIND) {
        fstype | data
    } else if has(libc::MS_SHARED | libc::MS_PRIVATE | libc::MS_SLAVE | libc::MS_UNBINDABLE) {
        source | fstype | data
    } else if has(libc::MS_MOVE) {
        fstype | data
    } else {
        0
    }
}

/// quotactl: the id only for the per-user commands, the address not for Q_SYNC/Q_QUOTAOFF.
fn quota_unused(cmd: u32, id_arg: usize, addr_arg: usize) -> ArgMask {
    const Q_SYNC: u32 = 0x80_0001;
    const Q_QUOTAON: u32 = 0x80_0002;
    const Q_QUOTAOFF: u32 = 0x80_0003;
    const Q_GETQUOTA: u32 = 0x80_0007;
    const Q_SETQUOTA: u32 = 0x80_0008;
    const Q_GETNEXTQUOTA: u32 = 0x80_0009;
    let id = match cmd {
        Q_QUOTAON | Q_GETQUOTA | Q_SETQUOTA | Q_GETNEXTQUOTA => 0,
        _ => bit(id_arg),
    };
    let addr = match cmd {
        Q_SYNC | Q_QUOTAOFF => bit(addr_arg),
        _ => 0,
    };
    id | addr
}

const ARCH_GET_CPUID: u64 = 0x1011;

fn mode_unless_created(flags: u64, mode_arg: usize) -> ArgMask {
    let flags = flags as i32;
    if flags & libc::O_CREAT != 0 || flags & libc::O_TMPFILE == libc::O_TMPFILE {
        0
    } else {
        bit(mode_arg)
    }
}

fn fcntl_unused(cmd: i32) -> ArgMask {
    const F_GETSIG: i32 = 11;
    const F_GET_SEALS: i32 = 1034;
    match cmd {
        libc::F_GETFD
        | libc::F_GETFL
        | libc::F_GETOWN
        | F_GETSIG
        | libc::F_GETLEASE
        | libc::F_GETPIPE_SZ
        | F_GET_SEALS => bit(2),
        _ => 0,
    }
}

/// prctl options and the arguments each one reads (the others are left as they come).
fn prctl_unused(option: i32) -> ArgMask {
    const PR_SET_VMA: i32 = 0x5356_4d41;
    const PR_SET_PTRACER: i32 = 0x5961_6d61;
    const PR_SET_IO_FLUSHER: i32 = 57;
    const PR_GET_IO_FLUSHER: i32 = 58;
    let used: ArgMask = match option {
        libc::PR_GET_DUMPABLE
        | libc::PR_GET_KEEPCAPS
        | libc::PR_GET_TIMERSLACK
        | libc::PR_GET_SECCOMP
        | libc::PR_GET_THP_DISABLE
        | PR_GET_IO_FLUSHER
        | libc::PR_TASK_PERF_EVENTS_DISABLE
        | libc::PR_TASK_PERF_EVENTS_ENABLE => 0,
        libc::PR_SET_PDEATHSIG
        | libc::PR_GET_PDEATHSIG
        | libc::PR_SET_DUMPABLE
        | libc::PR_SET_KEEPCAPS
        | libc::PR_SET_NAME
        | libc::PR_GET_NAME
        | libc::PR_SET_TIMERSLACK
        | libc::PR_CAPBSET_READ
        | libc::PR_CAPBSET_DROP
        | libc::PR_SET_CHILD_SUBREAPER
        | libc::PR_GET_CHILD_SUBREAPER
        | libc::PR_GET_TID_ADDRESS
        | libc::PR_SET_THP_DISABLE
        | libc::PR_GET_SPECULATION_CTRL
        | PR_SET_IO_FLUSHER
        | PR_SET_PTRACER
        | libc::PR_SET_TSC
        | libc::PR_GET_TSC
        | libc::PR_GET_SECUREBITS
        | libc::PR_SET_SECUREBITS
        | libc::PR_SET_TIMING
        | libc::PR_GET_TIMING
        | libc::PR_SET_ENDIAN
        | libc::PR_GET_ENDIAN
        | libc::PR_SET_FPEMU
        | libc::PR_GET_FPEMU
        | libc::PR_SET_FPEXC
        | libc::PR_GET_FPEXC
        | libc::PR_SET_UNALIGN
        | libc::PR_GET_UNALIGN
        | libc::PR_MCE_KILL_GET => bit(1),
        libc::PR_SET_SECCOMP
        | libc::PR_MCE_KILL
        | libc::PR_SET_SPECULATION_CTRL
        | libc::PR_CAP_AMBIENT => bit(1) | bit(2),
        // Arguments that must be zero are read (EINVAL otherwise): compared.
        libc::PR_SET_NO_NEW_PRIVS | libc::PR_GET_NO_NEW_PRIVS => from(1) & 0x1f,
        libc::PR_SET_MM | PR_SET_VMA => from(1) & 0x1f,
        // Unknown options: every argument may matter.
        _ => from(1) & 0x1f,
    };
    from(1) & 0x1f & !used
}

fn futex_unused(op: i32) -> ArgMask {
    const FUTEX_CMD_MASK: i32 = !(libc::FUTEX_PRIVATE_FLAG | libc::FUTEX_CLOCK_REALTIME);
    match op & FUTEX_CMD_MASK {
        libc::FUTEX_WAKE => bit(3) | bit(4) | bit(5),
        libc::FUTEX_WAIT => bit(4) | bit(5),
        libc::FUTEX_WAIT_BITSET => bit(4),
        libc::FUTEX_WAKE_BITSET => bit(3) | bit(4),
        libc::FUTEX_LOCK_PI | libc::FUTEX_LOCK_PI2 => bit(2) | bit(4) | bit(5),
        libc::FUTEX_TRYLOCK_PI | libc::FUTEX_UNLOCK_PI => bit(2) | bit(3) | bit(4) | bit(5),
        _ => 0,
    }
}

fn clone_unused(flags: u64) -> ArgMask {
    let has = |f: i32| flags & f as u64 != 0;
    let mut unused = 0;
    if !has(libc::CLONE_PARENT_SETTID | libc::CLONE_PIDFD) {
        unused |= bit(2);
    }
    if !has(libc::CLONE_CHILD_SETTID | libc::CLONE_CHILD_CLEARTID) {
        unused |= bit(3);
    }
    if !has(libc::CLONE_SETTLS) {
        unused |= bit(4);
    }
    unused
}

/// ioctl's third argument: requests encoded with no data direction and no size take none.
fn ioctl_unused(req: u64) -> ArgMask {
    const TIOCNOTTY: u64 = 0x5422;
    const FIOCLEX: u64 = 0x5451;
    const FIONCLEX: u64 = 0x5450;
    let dir = (req >> 30) & 3;
    let size = (req >> 16) & 0x3fff;
    if matches!(req, TIOCNOTTY | FIOCLEX | FIONCLEX) || (req > 0xffff && dir == 0 && size == 0) {
        bit(2)
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unused(nr: Sysno, a: [u64; 6]) -> ArgMask {
        unused_args(nr.id() as u64, &a)
    }

    const GARBAGE: u64 = 0x7fff_1234_5678;

    #[test]
    fn open_mode_only_with_create() {
        let ro = (libc::O_RDONLY | libc::O_CLOEXEC) as u64;
        assert_eq!(unused(Sysno::open, [1, ro, GARBAGE, 0, 0, 0]), bit(2));
        assert_eq!(
            unused(Sysno::open, [1, libc::O_CREAT as u64, 0o644, 0, 0, 0]),
            0
        );
        assert_eq!(
            unused(Sysno::openat, [libc::AT_FDCWD as u64, 1, ro, GARBAGE, 0, 0]),
            bit(3)
        );
        let tmpfile = (libc::O_TMPFILE | libc::O_RDWR) as u64;
        assert_eq!(unused(Sysno::openat, [0, 1, tmpfile, 0o600, 0, 0]), 0);
        // O_DIRECTORY alone shares a bit with O_TMPFILE but takes no mode.
        let dir = libc::O_DIRECTORY as u64;
        assert_eq!(unused(Sysno::openat, [0, 1, dir, GARBAGE, 0, 0]), bit(3));
    }

    #[test]
    fn fcntl_argument_only_for_commands_that_take_one() {
        assert_eq!(
            unused(Sysno::fcntl, [3, libc::F_GETFL as u64, GARBAGE, 0, 0, 0]),
            bit(2)
        );
        assert_eq!(
            unused(Sysno::fcntl, [3, libc::F_GETFD as u64, GARBAGE, 0, 0, 0]),
            bit(2)
        );
        assert_eq!(
            unused(Sysno::fcntl, [3, libc::F_SETFL as u64, 0o4000, 0, 0, 0]),
            0
        );
        assert_eq!(
            unused(Sysno::fcntl, [3, libc::F_DUPFD as u64, 10, 0, 0, 0]),
            0
        );
    }

    #[test]
    fn prctl_reads_only_its_options_arguments() {
        let name = unused(
            Sysno::prctl,
            [libc::PR_SET_NAME as u64, 1, GARBAGE, GARBAGE, GARBAGE, 0],
        );
        assert_eq!(name, bit(2) | bit(3) | bit(4));
        let dumpable = unused(
            Sysno::prctl,
            [libc::PR_GET_DUMPABLE as u64, GARBAGE, 0, 0, 0, 0],
        );
        assert_eq!(dumpable, bit(1) | bit(2) | bit(3) | bit(4));
        // PR_SET_NO_NEW_PRIVS checks that the others are zero: all compared.
        assert_eq!(
            unused(
                Sysno::prctl,
                [libc::PR_SET_NO_NEW_PRIVS as u64, 1, 0, 0, 0, 0]
            ),
            0
        );
        assert_eq!(unused(Sysno::prctl, [9999, 1, 2, 3, 4, 0]), 0);
    }

    #[test]
    fn futex_timeout_only_for_timed_ops() {
        let wake = (libc::FUTEX_WAKE | libc::FUTEX_PRIVATE_FLAG) as u64;
        assert_eq!(
            unused(Sysno::futex, [1, wake, 1, GARBAGE, GARBAGE, GARBAGE]),
            bit(3) | bit(4) | bit(5)
        );
        let wait = libc::FUTEX_WAIT as u64;
        assert_eq!(
            unused(Sysno::futex, [1, wait, 1, 0, GARBAGE, GARBAGE]),
            bit(4) | bit(5)
        );
        let requeue = libc::FUTEX_CMP_REQUEUE as u64;
        assert_eq!(unused(Sysno::futex, [1, requeue, 1, 2, 3, 4]), 0);
    }

    #[test]
    fn clone_addresses_only_with_their_flags() {
        let thread = (libc::CLONE_VM
            | libc::CLONE_THREAD
            | libc::CLONE_SETTLS
            | libc::CLONE_PARENT_SETTID
            | libc::CLONE_CHILD_CLEARTID) as u64;
        assert_eq!(unused(Sysno::clone, [thread, 1, 2, 3, 4, 0]), 0);
        let fork = (libc::CLONE_CHILD_SETTID | libc::SIGCHLD) as u64;
        assert_eq!(
            unused(Sysno::clone, [fork, 0, GARBAGE, 3, GARBAGE, 0]),
            bit(2) | bit(4)
        );
    }

    #[test]
    fn other_conditional_arguments() {
        let anon = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
        assert_eq!(
            unused(Sysno::mmap, [0, 4096, 3, anon, GARBAGE, GARBAGE]),
            bit(4) | bit(5)
        );
        assert_eq!(
            unused(Sysno::mmap, [0, 4096, 1, libc::MAP_PRIVATE as u64, 3, 0]),
            0
        );
        assert_eq!(unused(Sysno::membarrier, [1, 0, GARBAGE, 0, 0, 0]), bit(2));
        assert_eq!(unused(Sysno::membarrier, [1, 1, 3, 0, 0, 0]), 0);
        let del = libc::EPOLL_CTL_DEL as u64;
        assert_eq!(unused(Sysno::epoll_ctl, [3, del, 4, GARBAGE, 0, 0]), bit(3));
        assert_eq!(unused(Sysno::accept4, [3, 0, GARBAGE, 0, 0, 0]), bit(2));
        assert_eq!(unused(Sysno::recvfrom, [3, 1, 2, 0, 0, GARBAGE]), bit(5));
        assert_eq!(unused(Sysno::ioctl, [0, 0x5451, GARBAGE, 0, 0, 0]), bit(2));
        assert_eq!(unused(Sysno::ioctl, [0, 0x5413, 1, 0, 0, 0]), 0);
        assert_eq!(unused(Sysno::read, [0, 1, 2, GARBAGE, GARBAGE, GARBAGE]), 0);
    }

    #[test]
    fn ipc_buffers_only_for_commands_that_take_them() {
        let rmid = libc::IPC_RMID as u64;
        assert_eq!(unused(Sysno::msgctl, [3, rmid, GARBAGE, 0, 0, 0]), bit(2));
        assert_eq!(
            unused(Sysno::msgctl, [3, libc::IPC_STAT as u64, 1, 0, 0, 0]),
            0
        );
        assert_eq!(unused(Sysno::shmctl, [3, rmid, GARBAGE, 0, 0, 0]), bit(2));
        // GETVAL: semnum used, arg not; SETALL: arg used, semnum not; IPC_RMID: neither.
        assert_eq!(unused(Sysno::semctl, [3, 0, 12, GARBAGE, 0, 0]), bit(3));
        assert_eq!(unused(Sysno::semctl, [3, GARBAGE, 17, 1, 0, 0]), bit(1));
        assert_eq!(
            unused(Sysno::semctl, [3, GARBAGE, rmid, GARBAGE, 0, 0]),
            bit(1) | bit(3)
        );
        assert_eq!(unused(Sysno::semctl, [3, 1, 16, 5, 0, 0]), 0);
        let creat = (libc::O_CREAT | libc::O_RDWR) as u64;
        assert_eq!(
            unused(Sysno::mq_open, [1, 2, GARBAGE, GARBAGE, 0, 0]),
            bit(2) | bit(3)
        );
        assert_eq!(unused(Sysno::mq_open, [1, creat, 0o600, 0, 0, 0]), 0);
    }

    #[test]
    fn keyctl_reads_only_its_operations_arguments() {
        // KEYCTL_READ(id, buf, len): the fifth register is garbage.
        assert_eq!(unused(Sysno::keyctl, [11, 5, 1, 2, GARBAGE, 0]), bit(4));
        // KEYCTL_REVOKE(id)
        assert_eq!(
            unused(Sysno::keyctl, [3, 5, GARBAGE, GARBAGE, GARBAGE, 0]),
            bit(2) | bit(3) | bit(4)
        );
        // KEYCTL_SEARCH(ring, type, desc, dest): all four.
        assert_eq!(unused(Sysno::keyctl, [10, 1, 2, 3, 4, 0]), 0);
        assert_eq!(
            unused(Sysno::keyctl, [18, GARBAGE, GARBAGE, GARBAGE, GARBAGE, 0]),
            from(1) & 0x1f
        );
    }

    #[test]
    fn mount_strings_only_where_the_operation_reads_them() {
        let bind = libc::MS_BIND | libc::MS_REC;
        assert_eq!(
            unused(Sysno::mount, [1, 2, GARBAGE, bind, GARBAGE, 0]),
            bit(2) | bit(4)
        );
        let private = libc::MS_PRIVATE | libc::MS_REC;
        assert_eq!(
            unused(Sysno::mount, [GARBAGE, 2, GARBAGE, private, GARBAGE, 0]),
            bit(0) | bit(2) | bit(4)
        );
        assert_eq!(unused(Sysno::mount, [1, 2, 3, 0, 4, 0]), 0);
        assert_eq!(
            unused(Sysno::reboot, [1, 2, 0x0123_4567, GARBAGE, 0, 0]),
            bit(3)
        );
        assert_eq!(
            unused(Sysno::syslog, [10, GARBAGE, GARBAGE, 0, 0, 0]),
            bit(1) | bit(2)
        );
        assert_eq!(unused(Sysno::syslog, [3, 1, 100, 0, 0, 0]), 0);
    }
}
