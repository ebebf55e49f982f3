//! The syscall table entries (x86_64). One line per syscall: `sc(nr, dispatch, args, ret)`.
//!
//! Sizes are those of the x86_64 kernel ABI: `struct stat` 144, `struct statfs` 120,
//! `struct statx` 256, `struct timespec`/`timeval` 16, `struct timezone` 8,
//! `struct itimerval`/`itimerspec` 32, `struct rlimit` 16, `struct rusage` 144, `struct tms` 32,
//! `struct utsname` 390, `struct sysinfo` 112, `siginfo_t` 128, kernel `sigset_t` 8,
//! `struct kernel_sigaction` 32, `stack_t` 24, `struct epoll_event` 12 (packed),
//! `struct pollfd` 8, `fd_set` 128, `socklen_t` 4, `struct sched_param` 4.
//!
//! Anything the kernel reads that contains pointers (sigaction handlers, `stack_t`, `sigevent`,
//! `clone_args`, robust lists, the pselect6 sigmask pair) is declared `Ptr`, never `In`: pointers
//! differ between differently-linked variants and comparing them would raise false alarms.

use super::{sc, Arg::*, Dispatch::*, Fast, Len::*, Ret, Spec, Special};
use syscalls::Sysno;

#[rustfmt::skip]
pub(super) static ENTRIES: &[Spec] = &[
    // --- File descriptor I/O: leader only, followers receive the result and the data.
    sc(Sysno::read, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int], Ret::Int).fast(Fast::Read),
    sc(Sysno::write, LeaderOnly, &[Fd, In(Arg(2)), Int], Ret::Int).fast(Fast::Write),
    sc(Sysno::pread64, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int, Int], Ret::Int).fast(Fast::Read),
    sc(Sysno::pwrite64, LeaderOnly, &[Fd, In(Arg(2)), Int, Int], Ret::Int).fast(Fast::Write),
    sc(Sysno::readv, LeaderOnly, &[Fd, IovOut { count: 2 }, Int], Ret::Int).fast(Fast::Read),
    sc(Sysno::writev, LeaderOnly, &[Fd, IovIn { count: 2 }, Int], Ret::Int).fast(Fast::Write),
    sc(Sysno::preadv, LeaderOnly, &[Fd, IovOut { count: 2 }, Int, Int, Int], Ret::Int),
    sc(Sysno::pwritev, LeaderOnly, &[Fd, IovIn { count: 2 }, Int, Int, Int], Ret::Int),
    sc(Sysno::preadv2, LeaderOnly, &[Fd, IovOut { count: 2 }, Int, Int, Int, Flags], Ret::Int),
    sc(Sysno::pwritev2, LeaderOnly, &[Fd, IovIn { count: 2 }, Int, Int, Int, Flags], Ret::Int),
    sc(Sysno::lseek, LeaderOnly, &[Fd, Int, Int], Ret::Int),
    sc(Sysno::sendfile, LeaderOnly, &[Fd, Fd, InOut(Fixed(8)), Int], Ret::Int),
    sc(Sysno::copy_file_range, LeaderOnly, &[Fd, InOut(Fixed(8)), Fd, InOut(Fixed(8)), Int, Flags], Ret::Int),
    sc(Sysno::splice, LeaderOnly, &[Fd, InOut(Fixed(8)), Fd, InOut(Fixed(8)), Int, Flags], Ret::Int),
    sc(Sysno::tee, LeaderOnly, &[Fd, Fd, Int, Flags], Ret::Int),
    sc(Sysno::vmsplice, LeaderOnly, &[Fd, IovIn { count: 2 }, Int, Flags], Ret::Int),
    sc(Sysno::readahead, LeaderOnly, &[Fd, Int, Int], Ret::Int),

    // --- File descriptor metadata and syncing: leader only.
    sc(Sysno::fstat, LeaderOnly, &[Fd, Out(Fixed(144))], Ret::Int),
    sc(Sysno::fstatfs, LeaderOnly, &[Fd, Out(Fixed(120))], Ret::Int),
    sc(Sysno::getdents, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int], Ret::Int),
    sc(Sysno::getdents64, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int], Ret::Int),
    sc(Sysno::fsync, LeaderOnly, &[Fd], Ret::Int),
    sc(Sysno::fdatasync, LeaderOnly, &[Fd], Ret::Int),
    sc(Sysno::sync_file_range, LeaderOnly, &[Fd, Int, Int, Flags], Ret::Int),
    sc(Sysno::sync, LeaderOnly, &[], Ret::Int),
    sc(Sysno::syncfs, LeaderOnly, &[Fd], Ret::Int),
    sc(Sysno::ftruncate, LeaderOnly, &[Fd, Int], Ret::Int),
    sc(Sysno::fallocate, LeaderOnly, &[Fd, Flags, Int, Int], Ret::Int),
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

    // --- Path queries: leader only.
    sc(Sysno::stat, LeaderOnly, &[Path, Out(Fixed(144))], Ret::Int),
    sc(Sysno::lstat, LeaderOnly, &[Path, Out(Fixed(144))], Ret::Int),
    sc(Sysno::newfstatat, LeaderOnly, &[DirFd, Path, Out(Fixed(144)), Flags], Ret::Int),
    sc(Sysno::statx, LeaderOnly, &[DirFd, Path, Flags, Int, Out(Fixed(256))], Ret::Int),
    sc(Sysno::statfs, LeaderOnly, &[Path, Out(Fixed(120))], Ret::Int),
    sc(Sysno::access, LeaderOnly, &[Path, Int], Ret::Int),
    sc(Sysno::faccessat, LeaderOnly, &[DirFd, Path, Int], Ret::Int),
    sc(Sysno::faccessat2, LeaderOnly, &[DirFd, Path, Int, Flags], Ret::Int),
    sc(Sysno::readlink, LeaderOnly, &[Path, Out(RetUpTo(2)), Int], Ret::Int),
    sc(Sysno::readlinkat, LeaderOnly, &[DirFd, Path, Out(RetUpTo(3)), Int], Ret::Int),
    sc(Sysno::getcwd, LeaderOnly, &[Out(RetUpTo(1)), Int], Ret::Int),

    // --- Path mutations: leader only.
    sc(Sysno::unlink, LeaderOnly, &[Path], Ret::Int),
    sc(Sysno::unlinkat, LeaderOnly, &[DirFd, Path, Flags], Ret::Int),
    sc(Sysno::rename, LeaderOnly, &[Path, Path], Ret::Int),
    sc(Sysno::renameat, LeaderOnly, &[DirFd, Path, DirFd, Path], Ret::Int),
    sc(Sysno::renameat2, LeaderOnly, &[DirFd, Path, DirFd, Path, Flags], Ret::Int),
    sc(Sysno::mkdir, LeaderOnly, &[Path, Int], Ret::Int),
    sc(Sysno::mkdirat, LeaderOnly, &[DirFd, Path, Int], Ret::Int),
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
    sc(Sysno::utime, LeaderOnly, &[Path, In(Fixed(16))], Ret::Int),
    sc(Sysno::utimes, LeaderOnly, &[Path, In(Fixed(32))], Ret::Int),
    sc(Sysno::futimesat, LeaderOnly, &[DirFd, Path, In(Fixed(32))], Ret::Int),
    sc(Sysno::utimensat, LeaderOnly, &[DirFd, Path, UtimeTimes, Flags], Ret::Int),
    sc(Sysno::truncate, LeaderOnly, &[Path, Int], Ret::Int),
    sc(Sysno::mknod, LeaderOnly, &[Path, Int, Int], Ret::Int),
    sc(Sysno::mknodat, LeaderOnly, &[DirFd, Path, Int, Int], Ret::Int),

    // --- Opening files: per-variant or leader-only depending on the file (hand-written).
    sc(Sysno::open, Special(Special::Open), &[Path, Flags, Int], Ret::NewFd),
    sc(Sysno::openat, Special(Special::Open), &[DirFd, Path, Flags, Int], Ret::NewFd),
    sc(Sysno::openat2, Special(Special::Open), &[DirFd, Path, In(Arg(3)), Int], Ret::NewFd),
    sc(Sysno::creat, Special(Special::Open), &[Path, Int], Ret::NewFd),

    // --- The fd table and working directory: process-local, executed by every variant.
    sc(Sysno::close, All, &[Fd], Ret::Int),
    sc(Sysno::close_range, All, &[Fd, Int, Flags], Ret::Int),
    sc(Sysno::dup, All, &[Fd], Ret::NewFd),
    sc(Sysno::dup2, All, &[Fd, Fd], Ret::NewFd),
    sc(Sysno::dup3, All, &[Fd, Fd, Flags], Ret::NewFd),
    sc(Sysno::fcntl, Special(Special::Fcntl), &[Fd, Int, FcntlArg], Ret::Int),
    sc(Sysno::ioctl, Special(Special::Ioctl), &[Fd, Flags, Ptr], Ret::Int),
    sc(Sysno::chdir, All, &[Path], Ret::Int),
    sc(Sysno::fchdir, All, &[Fd], Ret::Int),
    sc(Sysno::umask, All, &[Int], Ret::Int),

    // --- Pipes and special fds: leader only, followers get placeholder fds.
    sc(Sysno::pipe, LeaderOnly, &[Out(Fixed(8))], Ret::NewFdPair(0)),
    sc(Sysno::pipe2, LeaderOnly, &[Out(Fixed(8)), Flags], Ret::NewFdPair(0)),
    sc(Sysno::eventfd, LeaderOnly, &[Int], Ret::NewFd),
    sc(Sysno::eventfd2, LeaderOnly, &[Int, Flags], Ret::NewFd),
    sc(Sysno::memfd_create, LeaderOnly, &[Str, Flags], Ret::NewFd),
    sc(Sysno::signalfd, LeaderOnly, &[Fd, In(Fixed(8)), Int], Ret::NewFd),
    sc(Sysno::signalfd4, LeaderOnly, &[Fd, In(Fixed(8)), Int, Flags], Ret::NewFd),
    sc(Sysno::timerfd_create, LeaderOnly, &[Int, Flags], Ret::NewFd),
    sc(Sysno::timerfd_settime, LeaderOnly, &[Fd, Flags, In(Fixed(32)), Out(Fixed(32))], Ret::Int),
    sc(Sysno::timerfd_gettime, LeaderOnly, &[Fd, Out(Fixed(32))], Ret::Int),
    sc(Sysno::inotify_init, LeaderOnly, &[], Ret::NewFd),
    sc(Sysno::inotify_init1, LeaderOnly, &[Flags], Ret::NewFd),
    sc(Sysno::inotify_add_watch, LeaderOnly, &[Fd, Path, Flags], Ret::Int),
    sc(Sysno::inotify_rm_watch, LeaderOnly, &[Fd, Int], Ret::Int),

    // --- Readiness: poll, select, epoll: leader only.
    sc(Sysno::poll, LeaderOnly, &[InOut(ArgTimes(1, 8)), Int, Timeout], Ret::Int),
    sc(Sysno::ppoll, LeaderOnly, &[InOut(ArgTimes(1, 8)), Int, Out(Fixed(16)), In(Fixed(8)), Int], Ret::Int),
    sc(Sysno::select, LeaderOnly, &[Int, InOut(Fixed(128)), InOut(Fixed(128)), InOut(Fixed(128)), Out(Fixed(16))], Ret::Int),
    sc(Sysno::pselect6, LeaderOnly, &[Int, InOut(Fixed(128)), InOut(Fixed(128)), InOut(Fixed(128)), Out(Fixed(16)), Ptr], Ret::Int),
    sc(Sysno::epoll_create, LeaderOnly, &[Int], Ret::NewFd),
    sc(Sysno::epoll_create1, LeaderOnly, &[Flags], Ret::NewFd),
    sc(Sysno::epoll_ctl, LeaderOnly, &[Fd, Int, Fd, EpollEvent], Ret::Int),
    sc(Sysno::epoll_wait, LeaderOnly, &[Fd, Out(RetTimes(12)), Int, Timeout], Ret::Int),
    sc(Sysno::epoll_pwait, LeaderOnly, &[Fd, Out(RetTimes(12)), Int, Timeout, In(Fixed(8)), Int], Ret::Int),
    sc(Sysno::epoll_pwait2, LeaderOnly, &[Fd, Out(RetTimes(12)), Int, Ptr, In(Fixed(8)), Int], Ret::Int),

    // --- Sockets: leader only.
    sc(Sysno::socket, LeaderOnly, &[Int, Flags, Int], Ret::NewFd),
    sc(Sysno::socketpair, LeaderOnly, &[Int, Flags, Int, Out(Fixed(8))], Ret::NewFdPair(3)),
    sc(Sysno::bind, LeaderOnly, &[Fd, SockAddr { len_arg: 2 }, Int], Ret::Int),
    sc(Sysno::connect, LeaderOnly, &[Fd, SockAddr { len_arg: 2 }, Int], Ret::Int),
    sc(Sysno::listen, LeaderOnly, &[Fd, Int], Ret::Int),
    sc(Sysno::accept, LeaderOnly, &[Fd, Out(DerefArg(2)), InOut(Fixed(4))], Ret::NewFd),
    sc(Sysno::accept4, LeaderOnly, &[Fd, Out(DerefArg(2)), InOut(Fixed(4)), Flags], Ret::NewFd),
    sc(Sysno::sendto, LeaderOnly, &[Fd, In(Arg(2)), Int, Flags, SockAddr { len_arg: 5 }, Int], Ret::Int).fast(Fast::Write),
    sc(Sysno::recvfrom, LeaderOnly, &[Fd, Out(RetUpTo(2)), Int, Flags, Out(DerefArg(5)), InOut(Fixed(4))], Ret::Int).fast(Fast::Read),
    sc(Sysno::sendmsg, LeaderOnly, &[Fd, MsgIn, Flags], Ret::Int),
    sc(Sysno::recvmsg, LeaderOnly, &[Fd, MsgOut, Flags], Ret::Int),
    // No arg kind for `struct mmsghdr[]` yet: data not compared, msg_len not replicated.
    sc(Sysno::sendmmsg, LeaderOnly, &[Fd, Ptr, Int, Flags], Ret::Int),
    sc(Sysno::recvmmsg, Deny(libc::ENOSYS), &[Fd, Ptr, Int, Flags, Ptr], Ret::Int),
    sc(Sysno::shutdown, LeaderOnly, &[Fd, Int], Ret::Int),
    sc(Sysno::getsockname, LeaderOnly, &[Fd, Out(DerefArg(2)), InOut(Fixed(4))], Ret::Int),
    sc(Sysno::getpeername, LeaderOnly, &[Fd, Out(DerefArg(2)), InOut(Fixed(4))], Ret::Int),
    sc(Sysno::setsockopt, LeaderOnly, &[Fd, Int, Int, In(Arg(4)), Int], Ret::Int),
    sc(Sysno::getsockopt, LeaderOnly, &[Fd, Int, Int, Out(DerefArg(4)), InOut(Fixed(4))], Ret::Int),

    // --- Randomness: leader only, so every variant sees the same bytes.
    sc(Sysno::getrandom, LeaderOnly, &[Out(RetUpTo(1)), Int, Flags], Ret::Int),

    // --- Memory management: process-local, executed by every variant.
    sc(Sysno::mmap, Special(Special::Mmap), &[Ptr, Int, Flags, Flags, Fd, Int], Ret::Addr),
    sc(Sysno::brk, All, &[Ptr], Ret::Addr),
    sc(Sysno::munmap, All, &[Ptr, Int], Ret::Int),
    sc(Sysno::mprotect, All, &[Ptr, Int, Flags], Ret::Int),
    sc(Sysno::pkey_mprotect, All, &[Ptr, Int, Flags, Int], Ret::Int),
    sc(Sysno::pkey_alloc, All, &[Flags, Flags], Ret::Int),
    sc(Sysno::pkey_free, All, &[Int], Ret::Int),
    sc(Sysno::mremap, All, &[Ptr, Int, Int, Flags, Ptr], Ret::Addr),
    sc(Sysno::madvise, All, &[Ptr, Int, Int], Ret::Int),
    sc(Sysno::msync, All, &[Ptr, Int, Flags], Ret::Int),
    sc(Sysno::mincore, All, &[Ptr, Int, Ptr], Ret::Int),
    sc(Sysno::mlock, All, &[Ptr, Int], Ret::Int),
    sc(Sysno::mlock2, All, &[Ptr, Int, Flags], Ret::Int),
    sc(Sysno::munlock, All, &[Ptr, Int], Ret::Int),
    sc(Sysno::mlockall, All, &[Flags], Ret::Int),
    sc(Sysno::munlockall, All, &[], Ret::Int),
    sc(Sysno::mseal, All, &[Ptr, Int, Flags], Ret::Int),
    sc(Sysno::map_shadow_stack, All, &[Ptr, Int, Flags], Ret::Addr),
    sc(Sysno::membarrier, All, &[Int, Flags, Int], Ret::Int),

    // --- Threads, TLS, futexes: process-local, executed by every variant.
    sc(Sysno::arch_prctl, All, &[Int, Ptr], Ret::Int),
    sc(Sysno::set_tid_address, All, &[Ptr], Ret::Int),
    sc(Sysno::set_robust_list, All, &[Ptr, Int], Ret::Int),
    sc(Sysno::get_robust_list, All, &[Pid, Ptr, Ptr], Ret::Int),
    sc(Sysno::futex, Unchecked, &[Ptr, Flags, Int, Ptr, Ptr, Ptr], Ret::Int),
    sc(Sysno::futex_waitv, Unchecked, &[Ptr, Int, Flags, Ptr, Int], Ret::Int),
    sc(Sysno::futex_wake, Unchecked, &[Ptr, Int, Int, Flags], Ret::Int),
    sc(Sysno::futex_wait, Unchecked, &[Ptr, Int, Int, Flags, Ptr, Int], Ret::Int),
    sc(Sysno::futex_requeue, Unchecked, &[Ptr, Flags, Int, Int], Ret::Int),
    sc(Sysno::sched_yield, Unchecked, &[], Ret::Int),
    // Continues the variant's own interrupted sleep/poll; no arguments.
    sc(Sysno::restart_syscall, All, &[], Ret::Int),
    // prctl's arguments 2-5 are values for some options and pointers for others (PR_SET_NAME).
    sc(Sysno::prctl, All, &[Int, Ptr, Ptr, Ptr, Ptr], Ret::Int),
    sc(Sysno::personality, All, &[Flags], Ret::Int),

    // --- Restartable sequences and introspection/escape hatches: refused everywhere.
    sc(Sysno::rseq, Deny(libc::ENOSYS), &[Ptr, Int, Flags, Int], Ret::Int),
    sc(Sysno::io_uring_setup, Deny(libc::ENOSYS), &[Int, Ptr], Ret::Int),
    sc(Sysno::io_uring_enter, Deny(libc::ENOSYS), &[Fd, Int, Int, Flags, Ptr, Int], Ret::Int),
    sc(Sysno::io_uring_register, Deny(libc::ENOSYS), &[Fd, Int, Ptr, Int], Ret::Int),
    sc(Sysno::perf_event_open, Deny(libc::ENOSYS), &[Ptr, Pid, Int, Fd, Flags], Ret::Int),
    sc(Sysno::userfaultfd, Deny(libc::ENOSYS), &[Flags], Ret::Int),
    sc(Sysno::ptrace, Deny(libc::ENOSYS), &[Int, Pid, Ptr, Ptr], Ret::Int),
    sc(Sysno::process_vm_readv, Deny(libc::ENOSYS), &[Pid, Ptr, Int, Ptr, Int, Flags], Ret::Int),
    sc(Sysno::process_vm_writev, Deny(libc::ENOSYS), &[Pid, Ptr, Int, Ptr, Int, Flags], Ret::Int),
    sc(Sysno::kexec_load, Deny(libc::ENOSYS), &[Ptr, Int, Ptr, Flags], Ret::Int),
    sc(Sysno::kexec_file_load, Deny(libc::ENOSYS), &[Fd, Fd, Int, Str, Flags], Ret::Int),
    sc(Sysno::bpf, Deny(libc::ENOSYS), &[Int, Ptr, Int], Ret::Int),
    sc(Sysno::pidfd_getfd, Deny(libc::ENOSYS), &[Fd, Int, Flags], Ret::Int),

    // --- Signal dispositions and masks: process-local, executed by every variant.
    sc(Sysno::rt_sigaction, All, &[Signal, Ptr, Out(Fixed(32)), Int], Ret::Int),
    sc(Sysno::rt_sigprocmask, All, &[Int, In(Arg(3)), Out(Arg(3)), Int], Ret::Int),
    // Untraced: a handler's return is process-local and restores a frame the (synchronised)
    // delivery built; tracing it doubled the cost of every signal. A forged frame (SROP) shows
    // at the next traced syscall, where the variants then differ.
    sc(Sysno::rt_sigreturn, Unchecked, &[], Ret::Int),
    sc(Sysno::sigaltstack, All, &[Ptr, Out(Fixed(24))], Ret::Int),
    sc(Sysno::rt_sigsuspend, All, &[In(Arg(1)), Int], Ret::Int),
    sc(Sysno::rt_sigpending, All, &[Out(Arg(1)), Int], Ret::Int),
    sc(Sysno::rt_sigtimedwait, All, &[In(Arg(3)), Out(Fixed(128)), Ptr, Int], Ret::Int),
    sc(Sysno::pause, All, &[], Ret::Int),

    // --- Sending signals: every variant (signals to self are the common case).
    sc(Sysno::kill, All, &[Pid, Signal], Ret::Int),
    sc(Sysno::tkill, All, &[Pid, Signal], Ret::Int),
    sc(Sysno::tgkill, All, &[Pid, Pid, Signal], Ret::Int),

    // --- Interval timers and POSIX timers: process-local, executed by every variant.
    sc(Sysno::alarm, All, &[Int], Ret::Int),
    sc(Sysno::setitimer, All, &[Int, In(Fixed(32)), Out(Fixed(32))], Ret::Int),
    sc(Sysno::getitimer, All, &[Int, Out(Fixed(32))], Ret::Int),
    sc(Sysno::timer_create, All, &[Int, Ptr, Out(Fixed(4))], Ret::Int),
    sc(Sysno::timer_settime, All, &[Int, Flags, In(Fixed(32)), Out(Fixed(32))], Ret::Int),
    sc(Sysno::timer_gettime, All, &[Int, Out(Fixed(32))], Ret::Int),
    sc(Sysno::timer_getoverrun, All, &[Int], Ret::Int),
    sc(Sysno::timer_delete, All, &[Int], Ret::Int),

    // --- Time and sleeping: every variant, followers see the leader's values.
    sc(Sysno::time, AllReplaceResult, &[Out(Fixed(8))], Ret::Int).fast(Fast::Local),
    sc(Sysno::gettimeofday, AllReplaceResult, &[Out(Fixed(16)), Out(Fixed(8))], Ret::Int).fast(Fast::Local),
    sc(Sysno::clock_gettime, AllReplaceResult, &[Int, Out(Fixed(16))], Ret::Int).fast(Fast::Local),
    sc(Sysno::clock_getres, AllReplaceResult, &[Int, Out(Fixed(16))], Ret::Int),
    sc(Sysno::clock_nanosleep, AllReplaceResult, &[Int, Flags, Ptr, Out(Fixed(16))], Ret::Int),
    sc(Sysno::nanosleep, AllReplaceResult, &[Ptr, Out(Fixed(16))], Ret::Int),

    // --- Process identity: every variant, followers see the leader's values.
    sc(Sysno::getpid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::getppid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::gettid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::getuid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::geteuid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::getgid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::getegid, AllReplaceResult, &[], Ret::Int).fast(Fast::Local),
    sc(Sysno::getresuid, AllReplaceResult, &[Out(Fixed(4)), Out(Fixed(4)), Out(Fixed(4))], Ret::Int),
    sc(Sysno::getresgid, AllReplaceResult, &[Out(Fixed(4)), Out(Fixed(4)), Out(Fixed(4))], Ret::Int),
    sc(Sysno::getgroups, AllReplaceResult, &[Int, Out(ArgTimes(0, 4))], Ret::Int),
    sc(Sysno::getpgrp, AllReplaceResult, &[], Ret::Int),
    sc(Sysno::getpgid, AllReplaceResult, &[Pid], Ret::Int),
    sc(Sysno::getsid, AllReplaceResult, &[Pid], Ret::Int),
    sc(Sysno::capget, AllReplaceResult, &[InOut(Fixed(8)), Ptr], Ret::Int),

    // --- Credentials setters: process-local, executed by every variant.
    sc(Sysno::setuid, All, &[Int], Ret::Int),
    sc(Sysno::setgid, All, &[Int], Ret::Int),
    sc(Sysno::setreuid, All, &[Int, Int], Ret::Int),
    sc(Sysno::setregid, All, &[Int, Int], Ret::Int),
    sc(Sysno::setresuid, All, &[Int, Int, Int], Ret::Int),
    sc(Sysno::setresgid, All, &[Int, Int, Int], Ret::Int),
    sc(Sysno::setfsuid, All, &[Int], Ret::Int),
    sc(Sysno::setfsgid, All, &[Int], Ret::Int),
    sc(Sysno::setgroups, All, &[Int, In(ArgTimes(0, 4))], Ret::Int),
    sc(Sysno::capset, All, &[In(Fixed(8)), Ptr], Ret::Int),

    // --- Sessions and process groups: leader only.
    sc(Sysno::setpgid, All, &[Pid, Pid], Ret::Int),
    sc(Sysno::setsid, LeaderOnly, &[], Ret::Int),

    // --- System and resource information: every variant, followers see the leader's values.
    sc(Sysno::uname, AllReplaceResult, &[Out(Fixed(390))], Ret::Int),
    sc(Sysno::sysinfo, AllReplaceResult, &[Out(Fixed(112))], Ret::Int),
    sc(Sysno::getrlimit, AllReplaceResult, &[Int, Out(Fixed(16))], Ret::Int),
    sc(Sysno::prlimit64, AllReplaceResult, &[Pid, Int, In(Fixed(16)), Out(Fixed(16))], Ret::Int),
    sc(Sysno::getrusage, AllReplaceResult, &[Int, Out(Fixed(144))], Ret::Int),
    sc(Sysno::times, AllReplaceResult, &[Out(Fixed(32))], Ret::Int),
    sc(Sysno::getcpu, AllReplaceResult, &[Out(Fixed(4)), Out(Fixed(4)), Ptr], Ret::Int),
    sc(Sysno::getpriority, AllReplaceResult, &[Int, Int], Ret::Int),
    sc(Sysno::sched_getaffinity, AllReplaceResult, &[Pid, Int, Out(RetUpTo(1))], Ret::Int),
    sc(Sysno::sched_getscheduler, AllReplaceResult, &[Pid], Ret::Int),
    sc(Sysno::sched_getparam, AllReplaceResult, &[Pid, Out(Fixed(4))], Ret::Int),
    sc(Sysno::sched_getattr, AllReplaceResult, &[Pid, Out(Arg(2)), Int, Flags], Ret::Int),
    sc(Sysno::sched_get_priority_max, AllReplaceResult, &[Int], Ret::Int),
    sc(Sysno::sched_get_priority_min, AllReplaceResult, &[Int], Ret::Int),
    sc(Sysno::sched_rr_get_interval, AllReplaceResult, &[Pid, Out(Fixed(16))], Ret::Int),

    // --- Resource and scheduling setters: process-local, executed by every variant.
    sc(Sysno::setrlimit, All, &[Int, In(Fixed(16))], Ret::Int),
    sc(Sysno::setpriority, All, &[Int, Int, Int], Ret::Int),
    sc(Sysno::sched_setaffinity, All, &[Pid, Int, In(Arg(1))], Ret::Int),
    sc(Sysno::sched_setscheduler, All, &[Pid, Int, In(Fixed(4))], Ret::Int),
    sc(Sysno::sched_setparam, All, &[Pid, In(Fixed(4))], Ret::Int),

    // --- Waiting for children: leader only.
    sc(Sysno::wait4, AllReplaceResult, &[Pid, Out(Fixed(4)), Flags, Out(Fixed(144))], Ret::Int),
    sc(Sysno::waitid, AllReplaceResult, &[Int, Pid, Out(Fixed(128)), Flags, Out(Fixed(144))], Ret::Int),

    // --- Process creation, exec and exit (hand-written).
    sc(Sysno::fork, Special(Special::Fork), &[], Ret::Int),
    sc(Sysno::vfork, Special(Special::Fork), &[], Ret::Int),
    sc(Sysno::clone, Special(Special::Fork), &[Flags, Ptr, Ptr, Ptr, Ptr], Ret::Int),
    sc(Sysno::clone3, Special(Special::Fork), &[Ptr, Int], Ret::Int),
    sc(Sysno::execve, Special(Special::Exec), &[Path, StrArray, StrArray], Ret::NoReturn),
    sc(Sysno::execveat, Special(Special::Exec), &[DirFd, Path, StrArray, StrArray, Flags], Ret::NoReturn),
    sc(Sysno::exit, Special(Special::Exit), &[Int], Ret::NoReturn),
    sc(Sysno::exit_group, Special(Special::Exit), &[Int], Ret::NoReturn),
];
