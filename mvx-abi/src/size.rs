//! Sizes (in bytes) of what the table's buffer arguments point to, in the x86_64 kernel ABI.
//! The tests check each against `libc`'s definition where libc has the type (glibc's
//! layout is the kernel's for all of these), or against the offsets and fields libc does
//! have; the few libc lacks are kernel UAPI structs whose layout is given beside them.

/// `int`, `unsigned int`, `uid_t`, `gid_t`, `pid_t`, `socklen_t`, `key_serial_t`, the
/// `u32` of seccomp's GET_ACTION_AVAIL, quota's format id.
pub const INT: usize = 4;
/// A `long` or `u64`: `loff_t`, `time_t`, `aio_context_t`, a unique mount id, the `mtype`
/// header of a System V message.
pub const LONG: usize = 8;
/// The `int[2]` pipe and socketpair write.
pub const FD_PAIR: usize = 8;
/// The kernel's `sigset_t` (64 signals; glibc's `sigset_t` is 128 bytes, the kernel reads 8).
pub const KERNEL_SIGSET: usize = 8;
/// `struct __user_cap_header_struct` { u32 version; int pid; } (not in libc).
pub const CAP_HEADER: usize = 8;
pub const STAT: usize = 144;
pub const STATFS: usize = 120;
pub const STATX: usize = 256;
/// `struct timespec` and `struct timeval`.
pub const TIMESPEC: usize = 16;
pub const TIMEVAL: usize = 16;
/// `struct timezone` { int tz_minuteswest, tz_dsttime; } (opaque in libc).
pub const TIMEZONE: usize = 8;
/// `struct timeval[2]` of utimes/futimesat.
pub const TIMEVAL_PAIR: usize = 2 * TIMEVAL;
/// `struct utimbuf` { time_t actime, modtime; } of utime.
pub const UTIMBUF: usize = 16;
pub const ITIMERVAL: usize = 32;
pub const ITIMERSPEC: usize = 32;
pub const RLIMIT: usize = 16;
pub const RUSAGE: usize = 144;
pub const TMS: usize = 32;
pub const UTSNAME: usize = 390;
pub const SYSINFO: usize = 112;
pub const SIGINFO: usize = 128;
/// The kernel's `struct sigaction` (handler, flags, restorer, an 8-byte mask); glibc's
/// has a 128-byte mask.
pub const KERNEL_SIGACTION: usize = 32;
pub const STACK: usize = 24;
/// `struct epoll_event`: packed on x86_64.
pub const EPOLL_EVENT: usize = 12;
pub const POLLFD: usize = 8;

/// Clears the `revents` of each `struct pollfd` in `bytes`: the kernel only writes that field
/// (programs leave it uninitialised, holding whatever the memory held), so it is never
/// compared.
pub fn clear_pollfd_revents(bytes: &mut [u8]) {
    for entry in bytes.chunks_exact_mut(POLLFD) {
        entry[6..].fill(0);
    }
}
pub const FD_SET: usize = 128;
pub const SCHED_PARAM: usize = 4;
pub const MSGHDR: usize = 56;
/// `struct mmsghdr`: a msghdr and the `msg_len` the kernel writes, padded.
pub const MMSGHDR: usize = 64;
/// `struct msqid64_ds` (glibc's `msqid_ds` on x86_64).
pub const MSQID_DS: usize = 120;
/// `struct semid64_ds` (glibc's `semid_ds`).
pub const SEMID_DS: usize = 104;
/// `struct shmid64_ds` (glibc's `shmid_ds`).
pub const SHMID_DS: usize = 112;
pub const MSGINFO: usize = 32;
pub const SEMINFO: usize = 40;
/// `struct shminfo64` of IPC_INFO: five `unsigned long`s and four unused (not in libc).
pub const SHMINFO64: usize = 9 * 8;
/// `struct shm_info` of SHM_INFO: two `int`s, then four `unsigned long`s (not in libc).
pub const SHM_INFO: usize = 8 + 4 * 8;
pub const SEMBUF: usize = 6;
pub const MQ_ATTR: usize = 64;
pub const TIMEX: usize = 208;
/// `struct ustat` { daddr_t f_tfree (int, padded); ino_t f_tinode; char f_fname[6],
/// f_fpack[6]; } (not in libc).
pub const USTAT: usize = 32;
/// `struct if_dqblk` of Q_GETQUOTA/Q_SETQUOTA/Q_GETNEXTQUOTA (glibc's `dqblk`;
/// `if_nextdqblk` adds a `u32` id that fits the padding).
pub const IF_DQBLK: usize = 72;
/// `struct if_dqinfo` { u64 bgrace, igrace; u32 flags, valid; } (not in libc).
pub const IF_DQINFO: usize = 24;
/// `struct cachestat_range` { u64 off, len; } (not in libc).
pub const CACHESTAT_RANGE: usize = 16;
/// `struct cachestat`: five `u64` counters (not in libc).
pub const CACHESTAT: usize = 40;
/// `struct mnt_id_req` version 0 (MNT_ID_REQ_SIZE_VER0): u32 size, u32 spare, u64 mnt_id,
/// u64 param (not in libc).
pub const MNT_ID_REQ_VER0: usize = 24;
/// `struct sched_attr` version 0 (SCHED_ATTR_SIZE_VER0).
pub const SCHED_ATTR_VER0: usize = 48;
/// `struct io_event` { u64 data, obj; s64 res, res2; } (not in libc).
pub const IO_EVENT: usize = 32;
/// `struct kcmp_epoll_slot` { u32 efd, tfd, toff; } (not in libc).
pub const KCMP_EPOLL_SLOT: usize = 12;
/// `struct landlock_path_beneath_attr` { u64 allowed_access; s32 parent_fd; } packed (not in
/// libc).
pub const LANDLOCK_PATH_BENEATH_ATTR: usize = 12;
/// `struct landlock_net_port_attr` { u64 allowed_access, port; } (not in libc).
pub const LANDLOCK_NET_PORT_ATTR: usize = 16;
pub const SECCOMP_NOTIF_SIZES: usize = 6;
/// `struct keyctl_dh_params` { s32 private, prime, base; } (not in libc).
pub const KEYCTL_DH_PARAMS: usize = 12;
/// `struct keyctl_pkey_params` { s32 key_id; u32 in_len; u32 out_len or in2_len; u32
/// spare[7]; } (not in libc).
pub const KEYCTL_PKEY_PARAMS: usize = 40;
/// `struct keyctl_pkey_query` { u32 supported_ops, key_size; u16 max_data_size,
/// max_sig_size, max_enc_size, max_dec_size; u32 spare[10]; } (not in libc).
pub const KEYCTL_PKEY_QUERY: usize = 56;

// Parts of structs compared (`InPart`) and fields holding lengths (`Len::Field`).

/// `si_signo`, `si_errno`, `si_code` at the start of a `siginfo_t`.
pub const SIGINFO_HEAD_LEN: u16 = 12;
/// `mq_maxmsg` and `mq_msgsize` of `struct mq_attr` (offset, length).
pub const MQ_ATTR_LIMITS: (u16, u16) = (8, 16);
/// `mq_flags`, the first field of `struct mq_attr`.
pub const MQ_ATTR_FLAGS_LEN: u16 = 8;
/// `sigev_signo` and `sigev_notify` of `struct sigevent` (offset, length).
pub const SIGEVENT_SIGNO_NOTIFY: (u16, u16) = (8, 8);
/// `in_len` of `struct keyctl_pkey_params`.
pub const PKEY_IN_LEN_AT: u8 = 4;
/// `out_len` (`in2_len` for PKEY_VERIFY) of `struct keyctl_pkey_params`.
pub const PKEY_OUT_LEN_AT: u8 = 8;

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::{offset_of, size_of};

    #[test]
    fn only_revents_is_cleared_and_it_is_where_libc_puts_it() {
        assert_eq!(offset_of!(libc::pollfd, revents), 6);
        let mut b: Vec<u8> = (1..=17).collect(); // two entries and a stray byte
        clear_pollfd_revents(&mut b);
        assert_eq!(b, [1, 2, 3, 4, 5, 6, 0, 0, 9, 10, 11, 12, 13, 14, 0, 0, 17]);
    }

    #[test]
    fn sizes_match_libc() {
        let checks: &[(&str, usize, usize)] = &[
            ("int", INT, size_of::<libc::c_int>()),
            ("socklen_t", INT, size_of::<libc::socklen_t>()),
            ("uid_t", INT, size_of::<libc::uid_t>()),
            ("long", LONG, size_of::<libc::c_long>()),
            ("loff_t", LONG, size_of::<libc::loff_t>()),
            ("time_t", LONG, size_of::<libc::time_t>()),
            ("int[2]", FD_PAIR, size_of::<[libc::c_int; 2]>()),
            ("stat", STAT, size_of::<libc::stat>()),
            ("statfs", STATFS, size_of::<libc::statfs>()),
            ("statx", STATX, size_of::<libc::statx>()),
            ("timespec", TIMESPEC, size_of::<libc::timespec>()),
            ("timeval", TIMEVAL, size_of::<libc::timeval>()),
            // libc declares `timezone` opaque: two ints (minuteswest, dsttime).
            ("timezone", TIMEZONE, size_of::<[libc::c_int; 2]>()),
            ("timeval[2]", TIMEVAL_PAIR, size_of::<[libc::timeval; 2]>()),
            ("utimbuf", UTIMBUF, size_of::<libc::utimbuf>()),
            ("itimerval", ITIMERVAL, size_of::<libc::itimerval>()),
            ("itimerspec", ITIMERSPEC, size_of::<libc::itimerspec>()),
            ("rlimit", RLIMIT, size_of::<libc::rlimit>()),
            ("rusage", RUSAGE, size_of::<libc::rusage>()),
            ("tms", TMS, size_of::<libc::tms>()),
            ("utsname", UTSNAME, size_of::<libc::utsname>()),
            ("sysinfo", SYSINFO, size_of::<libc::sysinfo>()),
            ("siginfo_t", SIGINFO, size_of::<libc::siginfo_t>()),
            ("stack_t", STACK, size_of::<libc::stack_t>()),
            ("epoll_event", EPOLL_EVENT, size_of::<libc::epoll_event>()),
            ("pollfd", POLLFD, size_of::<libc::pollfd>()),
            ("fd_set", FD_SET, size_of::<libc::fd_set>()),
            ("sched_param", SCHED_PARAM, size_of::<libc::sched_param>()),
            ("msghdr", MSGHDR, size_of::<libc::msghdr>()),
            ("mmsghdr", MMSGHDR, size_of::<libc::mmsghdr>()),
            ("msqid_ds", MSQID_DS, size_of::<libc::msqid_ds>()),
            ("semid_ds", SEMID_DS, size_of::<libc::semid_ds>()),
            ("shmid_ds", SHMID_DS, size_of::<libc::shmid_ds>()),
            ("msginfo", MSGINFO, size_of::<libc::msginfo>()),
            ("seminfo", SEMINFO, size_of::<libc::seminfo>()),
            ("sembuf", SEMBUF, size_of::<libc::sembuf>()),
            ("mq_attr", MQ_ATTR, size_of::<libc::mq_attr>()),
            ("timex", TIMEX, size_of::<libc::timex>()),
            ("dqblk", IF_DQBLK, size_of::<libc::dqblk>()),
            ("sched_attr", SCHED_ATTR_VER0, size_of::<libc::sched_attr>()),
            (
                "seccomp_notif_sizes",
                SECCOMP_NOTIF_SIZES,
                size_of::<libc::seccomp_notif_sizes>(),
            ),
        ];
        let wrong: Vec<String> = checks
            .iter()
            .filter(|(_, ours, theirs)| ours != theirs)
            .map(|(name, ours, theirs)| format!("{name}: {ours}, libc {theirs}"))
            .collect();
        assert!(wrong.is_empty(), "{wrong:?}");
    }

    /// Kernel structs libc lacks or defines differently: what can be checked against libc.
    #[test]
    fn kernel_layouts_agree_with_libc_where_it_can_tell() {
        // The kernel's sigset is the first 8 bytes of glibc's; its sigaction is handler,
        // flags, restorer and that mask.
        assert_eq!(KERNEL_SIGSET * 8, 64);
        assert_eq!(
            KERNEL_SIGACTION,
            size_of::<libc::sighandler_t>()
                + size_of::<libc::c_ulong>()
                + size_of::<usize>()
                + KERNEL_SIGSET
        );
        // An mmsghdr is a msghdr and its msg_len.
        assert_eq!(offset_of!(libc::mmsghdr, msg_len), MSGHDR);
        // if_dqinfo and cachestat_range: u64s and u32s without holes.
        assert_eq!(IF_DQINFO, 2 * 8 + 2 * 4);
        assert_eq!(CACHESTAT_RANGE, size_of::<[u64; 2]>());
        assert_eq!(CACHESTAT, size_of::<[u64; 5]>());
        assert_eq!(IO_EVENT, size_of::<[u64; 4]>());
        assert_eq!(MNT_ID_REQ_VER0, 2 * 4 + 2 * 8);
        assert_eq!(KCMP_EPOLL_SLOT, 3 * 4);
        assert_eq!(KEYCTL_DH_PARAMS, 3 * 4);
        assert_eq!(KEYCTL_PKEY_PARAMS, 3 * 4 + 7 * 4);
        assert_eq!(KEYCTL_PKEY_QUERY, 2 * 4 + 4 * 2 + 10 * 4);
        assert_eq!(LANDLOCK_PATH_BENEATH_ATTR, 8 + 4);
        assert_eq!(LANDLOCK_NET_PORT_ATTR, 2 * 8);
        assert_eq!(CAP_HEADER, 2 * size_of::<u32>());
        // ustat: an int padded to 8, an ino_t, two char[6], padded to 8.
        assert_eq!(USTAT, 8 + size_of::<libc::ino_t>() + 16);
        // The System V info structs of IPC_INFO/SHM_INFO beside glibc's shmid_ds fields.
        assert_eq!(
            SHM_INFO,
            2 * size_of::<libc::c_int>() + 4 * size_of::<libc::c_ulong>()
        );
        assert_eq!(SHMINFO64, 9 * size_of::<libc::c_ulong>());
        // Compared parts of structs, against libc's field offsets.
        let end = |at: usize, size: usize| (at + size) as u16;
        assert_eq!(
            SIGINFO_HEAD_LEN,
            end(
                offset_of!(libc::siginfo_t, si_code),
                size_of::<libc::c_int>()
            )
        );
        assert_eq!(
            MQ_ATTR_LIMITS.0 as usize,
            offset_of!(libc::mq_attr, mq_maxmsg)
        );
        assert_eq!(
            MQ_ATTR_LIMITS.0 + MQ_ATTR_LIMITS.1,
            end(
                offset_of!(libc::mq_attr, mq_msgsize),
                size_of::<libc::c_long>()
            )
        );
        assert_eq!(
            MQ_ATTR_FLAGS_LEN,
            end(
                offset_of!(libc::mq_attr, mq_flags),
                size_of::<libc::c_long>()
            )
        );
        assert_eq!(
            SIGEVENT_SIGNO_NOTIFY.0 as usize,
            offset_of!(libc::sigevent, sigev_signo)
        );
        assert_eq!(
            SIGEVENT_SIGNO_NOTIFY.0 + SIGEVENT_SIGNO_NOTIFY.1,
            end(
                offset_of!(libc::sigevent, sigev_notify),
                size_of::<libc::c_int>()
            )
        );
        // keyctl_pkey_params: an s32 key id, then the u32 lengths (not in libc).
        assert_eq!(PKEY_IN_LEN_AT as usize, size_of::<i32>());
        assert_eq!(
            PKEY_OUT_LEN_AT as usize,
            PKEY_IN_LEN_AT as usize + size_of::<u32>()
        );
        // The message header is the `long mtype` of struct msgbuf.
        assert_eq!(LONG, size_of::<libc::c_long>());
    }
}
