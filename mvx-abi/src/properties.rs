//! What the monitor needs to know about a syscall beyond its arguments and dispatch class:
//! each property is set on the entry's one line in entries.rs with a `const` builder
//! (`sc(...).clock()`), so that a syscall is learned in one place and no per-syscall list
//! lives outside the table.

use crate::{Dispatch, Ret, Spec, Special};

/// Where a call that reads or writes a file's bytes does so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// At the fd's file position, which the call advances (read, write, writev).
    Position,
    /// At the offset in argument `i` (pread64, pwrite64, pwritev); a negative offset means the
    /// file position (pwritev2 with -1).
    Offset(u8),
}

/// A call that creates a new name exclusively (it fails if the name exists): the calls
/// glibc's mkstemp/mkdtemp loops end with (temp_names.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExclusiveCreate {
    /// The path argument.
    pub path: u8,
    /// The open flags argument: exclusive only with O_CREAT|O_EXCL. `None`: always exclusive
    /// (mkdir fails with EEXIST).
    pub flags: Option<u8>,
}

/// Where a call takes the signal mask it installs while it waits (the kernel restores the
/// old one when it returns), so that a signal arriving meanwhile is taken under that mask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigMask {
    /// Argument `i` points to the `sigset_t` (rt_sigsuspend, ppoll, epoll_pwait, epoll_pwait2).
    Arg(u8),
    /// Argument `i` points to `{ const sigset_t *ss; size_t ss_len; }`, whose first word
    /// points to the mask (pselect6); a NULL argument means no mask.
    PselectData(u8),
}

/// An identity read whose answer the monitor knows without the call: the leader's id of the
/// calling thread or process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnId {
    /// gettid.
    Thread,
    /// getpid.
    Process,
}

/// Bits of an argument (its low 32 bits, which is what a seccomp filter can test at once).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArgBits {
    pub arg: u8,
    pub bits: u32,
}

/// A call the `base` level lets through the seccomp filter, and the argument bits that keep
/// it in lock-step anyway (the security exemption of `base`: only calls that change the
/// calling variant's own memory or signal state, never executable memory).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BaseUntraced {
    pub why: &'static str,
    /// Traced when any of these bits is set (PROT_EXEC: executable memory stays checked).
    pub unless_set: Option<ArgBits>,
    /// Traced unless one of these bits is set (MAP_ANONYMOUS: a file mapping stays checked).
    pub only_if_set: Option<ArgBits>,
}

/// How a call executed by every variant changes the fd table (besides creating fds, which the
/// return kind says).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdOp {
    /// Closes the fd in argument `i`.
    Close(u8),
    /// Closes the fds from argument `first` to argument `last` (close_range).
    CloseRange { first: u8, last: u8 },
    /// The new fd (the result) duplicates the fd in argument `i`.
    Dup(u8),
}

/// The open flags of an open-like call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenFlags {
    /// In argument `i`.
    Arg(u8),
    /// Implied by the call (creat: O_CREAT|O_WRONLY).
    Fixed(i32),
    /// The first `u64` of the `struct open_how` argument `i` points to (openat2).
    How(u8),
}

/// Where an open-like call (`Special::Open`) takes its directory, path and flags.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OpenArgs {
    /// The directory fd argument; `None`: relative paths are relative to the cwd.
    pub dirfd: Option<u8>,
    pub path: u8,
    pub flags: OpenFlags,
}

/// The clone flags of a call of the fork family (`Special::Fork`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloneFlags {
    /// Implied by the call (fork, vfork).
    Fixed(u64),
    /// In argument `i` (clone).
    Arg(u8),
    /// The first `u64` of the `struct clone_args` argument `i` points to (clone3).
    CloneArgs(u8),
}

/// When a call may run at once in one task, outside lock-step and uncompared. This is a
/// security exemption: an attack reaching such a call is not stopped there, only at the next
/// call the variants do compare, so only calls whose effect stays inside the calling process
/// qualify. `sc()` derives the default (`InThreads` for calls every variant executes that
/// create no fd, `Never` otherwise); entries that differ say so on their line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Relaxed {
    /// Always in lock-step.
    Never,
    /// In multi-threaded processes (relaxed.rs: strict lock-step per thread deadlocks when
    /// the variants' threads take locks in different orders, and how often a thread maps or
    /// unmaps memory depends on scheduling). This includes mprotect with PROT_EXEC: in a
    /// threaded process a variant may make memory executable unchecked; what it then runs
    /// still meets the compared calls.
    InThreads,
    /// In multi-threaded processes, when the mapping is anonymous or of a file every variant
    /// holds (mmap; PROT_EXEC included, as for `InThreads`); the monitor decides, knowing the
    /// fds.
    InThreadsIfOwnMapping,
    /// In every process (brk: see its entry).
    Anywhere,
}

/// A call the sync runtime makes while it sets itself up (a bounded number of calls after
/// its OP_SETUP request): it runs at once in the calling task alone, uncompared, because the
/// runtime exists in followers only, so no other variant makes it. A security exemption:
/// each entry carrying one says why the call is harmless there; anything else ends the
/// setup (sync_buffer.rs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuntimeSetup {
    /// Only when the path in argument `i` is the runtime's buffer file (openat).
    BufferPath(u8),
    /// Always.
    Any,
}

/// The properties an entry has besides its arguments, dispatch and return kind (see the
/// builders below); all off by default.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Props {
    /// Reads a clock (the clock channel of clock.rs; the fast path's clock reads).
    pub clock: bool,
    /// glibc's temporary-name loop draws its random value with it.
    pub random_draw: bool,
    /// Its only effect is to fill the caller's own memory (getrandom), though its result is
    /// the leader's: one variant may make it alone (equivalence rules) at no risk outside.
    pub fills_caller_memory_only: bool,
    /// The argument holding memory protection bits (PROT_EXEC makes memory executable, which
    /// equivalence rules never let one variant do alone).
    pub prot_arg: Option<u8>,
    pub exclusive_create: Option<ExclusiveCreate>,
    /// Writes the data of argument 1 into the file behind fd argument 0 (shadows follow it).
    pub file_write: Option<At>,
    /// Reads from the file behind fd argument 0 into the one buffer of argument 1.
    pub file_read: Option<At>,
    /// Changes the size of the file behind fd argument 0.
    pub resizes_file: bool,
    /// Returns `struct epoll_event`s in argument 1 (their data is translated per variant).
    pub epoll_events: bool,
    pub sigmask: Option<SigMask>,
    /// Does nothing but wait for a signal, under the mask the task has (pause): a signal ends
    /// it with EINTR rather than restarting it.
    pub waits_for_signal: bool,
    pub fd_op: Option<FdOp>,
    pub open: Option<OpenArgs>,
    pub clone_flags: Option<CloneFlags>,
    /// Blocks waiting for a lock (a futex wait): a variant stuck in it while its twin waits
    /// at a rendezvous is a cross-variant deadlock, not a legitimate wait.
    pub lock_wait: bool,
    pub relaxed: Relaxed,
    pub runtime_setup: Option<RuntimeSetup>,
    /// Whether, and when, the `base` level lets this call through the seccomp filter (it only
    /// changes the calling variant's own memory or signal state); `None`: it does not.
    pub untraced_at_base: Option<BaseUntraced>,
    /// Ends every other thread of the calling process (exit_group; exec, whose caller lives
    /// on in the new image): they die without reaching a rendezvous, at different moments in
    /// different variants, which is no divergence.
    pub ends_other_threads: bool,
    /// Reads the caller's own id (`OwnId`): answered at once in multi-threaded processes.
    pub own_id: Option<OwnId>,
    /// A fast-path call made from the gadget still stops in the monitor when any of these
    /// argument bits is set (openat for writing).
    pub fast_unless: Option<ArgBits>,
}

impl Props {
    /// The defaults of an entry with this dispatch and return kind.
    pub(crate) const fn of(dispatch: Dispatch, ret: Ret) -> Props {
        let own_effect =
            matches!(dispatch, Dispatch::All) && !matches!(ret, Ret::NewFd | Ret::NewFdPair(_));
        Props {
            clock: false,
            random_draw: false,
            fills_caller_memory_only: false,
            prot_arg: None,
            exclusive_create: None,
            file_write: None,
            file_read: None,
            resizes_file: false,
            epoll_events: false,
            sigmask: None,
            waits_for_signal: false,
            fd_op: None,
            open: None,
            clone_flags: None,
            lock_wait: false,
            relaxed: if own_effect {
                Relaxed::InThreads
            } else {
                Relaxed::Never
            },
            runtime_setup: None,
            untraced_at_base: None,
            ends_other_threads: false,
            own_id: None,
            fast_unless: None,
        }
    }
}

// Builders for entries.rs: each sets one property and returns the entry.
impl Spec {
    pub(crate) const fn fast_unless(mut self, bits: ArgBits) -> Spec {
        self.props.fast_unless = Some(bits);
        self
    }

    pub(crate) const fn ends_other_threads(mut self) -> Spec {
        self.props.ends_other_threads = true;
        self
    }

    /// Lets the call through the filter at `base` and up, for the reason given.
    pub(crate) const fn untraced_at_base(mut self, why: &'static str) -> Spec {
        self.props.untraced_at_base = Some(BaseUntraced {
            why,
            unless_set: None,
            only_if_set: None,
        });
        self
    }

    /// Lets the call through the filter at `base` and up when its arguments say so (the
    /// filter tests the bits): never with any bit of `unless_set`, only with a bit of
    /// `only_if_set`.
    pub(crate) const fn untraced_at_base_when(
        mut self,
        why: &'static str,
        unless_set: Option<ArgBits>,
        only_if_set: Option<ArgBits>,
    ) -> Spec {
        self.props.untraced_at_base = Some(BaseUntraced {
            why,
            unless_set,
            only_if_set,
        });
        self
    }

    pub(crate) const fn own_id(mut self, id: OwnId) -> Spec {
        self.props.own_id = Some(id);
        self
    }

    pub(crate) const fn clock(mut self) -> Spec {
        self.props.clock = true;
        self
    }
    pub(crate) const fn random_draw(mut self) -> Spec {
        self.props.random_draw = true;
        self
    }
    pub(crate) const fn fills_caller_memory_only(mut self) -> Spec {
        self.props.fills_caller_memory_only = true;
        self
    }
    pub(crate) const fn prot_arg(mut self, i: u8) -> Spec {
        self.props.prot_arg = Some(i);
        self
    }
    pub(crate) const fn exclusive_create(mut self, path: u8, flags: Option<u8>) -> Spec {
        self.props.exclusive_create = Some(ExclusiveCreate { path, flags });
        self
    }
    pub(crate) const fn file_write(mut self, at: At) -> Spec {
        self.props.file_write = Some(at);
        self
    }
    pub(crate) const fn file_read(mut self, at: At) -> Spec {
        self.props.file_read = Some(at);
        self
    }
    pub(crate) const fn resizes_file(mut self) -> Spec {
        self.props.resizes_file = true;
        self
    }
    pub(crate) const fn epoll_events(mut self) -> Spec {
        self.props.epoll_events = true;
        self
    }
    pub(crate) const fn sigmask(mut self, mask: SigMask) -> Spec {
        self.props.sigmask = Some(mask);
        self
    }
    pub(crate) const fn waits_for_signal(mut self) -> Spec {
        self.props.waits_for_signal = true;
        self
    }
    pub(crate) const fn fd_op(mut self, op: FdOp) -> Spec {
        self.props.fd_op = Some(op);
        self
    }
    pub(crate) const fn open(mut self, dirfd: Option<u8>, path: u8, flags: OpenFlags) -> Spec {
        self.props.open = Some(OpenArgs { dirfd, path, flags });
        self
    }
    pub(crate) const fn clone_flags(mut self, flags: CloneFlags) -> Spec {
        self.props.clone_flags = Some(flags);
        self
    }
    pub(crate) const fn lock_wait(mut self) -> Spec {
        self.props.lock_wait = true;
        self
    }
    pub(crate) const fn relaxed(mut self, relaxed: Relaxed) -> Spec {
        self.props.relaxed = relaxed;
        self
    }
    /// Kept in lock-step even in multi-threaded processes (`Relaxed::Never`).
    pub(crate) const fn lockstep(self) -> Spec {
        self.relaxed(Relaxed::Never)
    }
    pub(crate) const fn runtime_setup(mut self, setup: RuntimeSetup) -> Spec {
        self.props.runtime_setup = Some(setup);
        self
    }
}

// Queries: what the monitor's per-syscall lists answered.
impl Spec {
    /// Whether the call reads a clock.
    pub fn reads_clock(&self) -> bool {
        self.props.clock
    }

    /// The clock a clock read names (its `ClockId` argument; 0 for time and gettimeofday,
    /// which read the realtime clock).
    pub fn clock_of(&self, args: &[u64; 6]) -> u64 {
        self.args
            .iter()
            .position(|a| *a == crate::Arg::ClockId)
            .map_or(0, |i| args[i])
    }

    /// The path argument, if this call with these arguments creates a name exclusively.
    pub fn exclusive_create_path(&self, args: &[u64; 6]) -> Option<usize> {
        let excl = self.props.exclusive_create?;
        let exclusive = match excl.flags {
            Some(i) => {
                let flags = args[i as usize] as i32;
                flags & libc::O_CREAT != 0 && flags & libc::O_EXCL != 0
            }
            None => true,
        };
        exclusive.then_some(excl.path as usize)
    }

    /// Whether the call is one of the fork family (every variant forks).
    pub fn forks(&self) -> bool {
        matches!(self.dispatch, Dispatch::Special(Special::Fork))
    }

    /// The call's properties.
    pub fn props(&self) -> &Props {
        &self.props
    }
}

/// The entry of `nr` if it has a property: `with(nr, |p| p.lock_wait)`.
pub fn with(nr: u64, property: impl Fn(&Props) -> bool) -> bool {
    crate::lookup(nr).is_some_and(|s| property(&s.props))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{entries, lookup, Arg, Len};
    use syscalls::Sysno;

    fn spec(nr: Sysno) -> &'static Spec {
        lookup(nr.id() as u64).unwrap()
    }

    fn having(property: impl Fn(&Props) -> bool) -> Vec<Sysno> {
        let v: Vec<Sysno> = entries()
            .iter()
            .filter(|s| property(&s.props))
            .map(|s| s.nr)
            .collect();
        sorted(&v)
    }

    fn sorted(calls: &[Sysno]) -> Vec<Sysno> {
        let mut v = calls.to_vec();
        v.sort_by_key(|n| n.id());
        v
    }

    /// Every mask argument is a pointer the kernel reads 8 bytes (a kernel sigset) from, or
    /// pselect6's data pair, and the calls are those whose man pages describe a temporary mask.
    #[test]
    fn signal_masks_are_where_the_kernel_takes_them() {
        for s in entries() {
            match s.props.sigmask {
                Some(SigMask::Arg(i)) => {
                    let kind = s.args[i as usize];
                    let size = match kind {
                        Arg::In(Len::Fixed(n)) => n,
                        // rt_sigsuspend: the size in argument 1.
                        Arg::In(Len::Arg(1)) => crate::size::KERNEL_SIGSET,
                        k => panic!("{}: mask argument is {k:?}", s.name()),
                    };
                    assert_eq!(size, crate::size::KERNEL_SIGSET, "{}", s.name());
                }
                Some(SigMask::PselectData(i)) => {
                    assert_eq!(s.args[i as usize], Arg::Ptr, "{}: holds pointers", s.name());
                }
                None => {}
            }
        }
        assert_eq!(
            having(|p| p.sigmask.is_some()),
            sorted(&[
                Sysno::ppoll,
                Sysno::rt_sigsuspend,
                Sysno::pselect6,
                Sysno::epoll_pwait,
                Sysno::epoll_pwait2
            ])
        );
    }

    #[test]
    fn clock_reads() {
        assert_eq!(
            having(|p| p.clock),
            sorted(&[Sysno::gettimeofday, Sysno::time, Sysno::clock_gettime])
        );
        let gettime = spec(Sysno::clock_gettime);
        assert_eq!(gettime.clock_of(&[1, 0x1000, 0, 0, 0, 0]), 1);
        assert_eq!(spec(Sysno::time).clock_of(&[0x1000, 0, 0, 0, 0, 0]), 0);
        // Every clock read is one the fast path may make too.
        for nr in having(|p| p.clock) {
            assert_eq!(spec(nr).fast, Some(crate::Fast::Local), "{}", nr.name());
        }
    }

    #[test]
    fn exclusive_creations_only() {
        let excl = (libc::O_CREAT | libc::O_EXCL | libc::O_RDWR) as u64;
        let at = |flags| [libc::AT_FDCWD as u64, 0, flags, 0o600, 0, 0];
        let openat = spec(Sysno::openat);
        assert_eq!(openat.exclusive_create_path(&at(excl)), Some(1));
        assert_eq!(
            openat.exclusive_create_path(&at(libc::O_CREAT as u64)),
            None
        );
        assert_eq!(
            spec(Sysno::open).exclusive_create_path(&[0, excl, 0, 0, 0, 0]),
            Some(0)
        );
        assert_eq!(spec(Sysno::mkdir).exclusive_create_path(&[0; 6]), Some(0));
        assert_eq!(spec(Sysno::mkdirat).exclusive_create_path(&[0; 6]), Some(1));
        assert_eq!(spec(Sysno::unlink).exclusive_create_path(&[0; 6]), None);
        // The path argument is a path.
        for s in entries() {
            if let Some(e) = s.props.exclusive_create {
                assert_eq!(s.args[e.path as usize], Arg::Path, "{}", s.name());
                if let Some(f) = e.flags {
                    assert_eq!(s.args[f as usize], Arg::Flags, "{}", s.name());
                }
            }
        }
    }

    /// File reads and writes name an fd and a buffer, and their offsets are plain values.
    #[test]
    fn file_data_calls() {
        for s in entries() {
            let data = [s.props.file_read, s.props.file_write];
            for at in data.into_iter().flatten() {
                assert_eq!(s.args[0], Arg::Fd, "{}", s.name());
                assert_eq!(s.dispatch, Dispatch::LeaderOnly, "{}", s.name());
                if let At::Offset(i) = at {
                    assert_eq!(s.args[i as usize], Arg::Int, "{}", s.name());
                }
            }
            if s.props.resizes_file {
                assert_eq!(s.args[0], Arg::Fd, "{}", s.name());
            }
        }
        assert_eq!(
            having(|p| p.file_read.is_some()),
            sorted(&[Sysno::read, Sysno::pread64])
        );
        assert_eq!(spec(Sysno::pwritev2).props.file_write, Some(At::Offset(3)));
        assert_eq!(spec(Sysno::writev).props.file_write, Some(At::Position));
        assert_eq!(
            having(|p| p.resizes_file),
            sorted(&[Sysno::ftruncate, Sysno::fallocate])
        );
    }

    #[test]
    fn epoll_waits_return_events() {
        let events = Arg::Out(Len::RetTimes(crate::size::EPOLL_EVENT));
        for nr in having(|p| p.epoll_events) {
            assert_eq!(spec(nr).args[1], events, "{}", nr.name());
        }
        assert_eq!(having(|p| p.epoll_events).len(), 3);
    }

    /// The fd operations name fds, and only calls every variant executes have them (the fd
    /// table is per variant).
    #[test]
    fn fd_operations() {
        for s in entries() {
            let Some(op) = s.props.fd_op else { continue };
            assert_eq!(s.dispatch, Dispatch::All, "{}", s.name());
            let fd_args: &[u8] = match op {
                FdOp::Close(i) | FdOp::Dup(i) => &[i],
                FdOp::CloseRange { first, .. } => &[first],
            };
            for &i in fd_args {
                assert_eq!(s.args[i as usize], Arg::Fd, "{}", s.name());
            }
            if let FdOp::Dup(_) = op {
                assert_eq!(s.ret, Ret::NewFd, "{}", s.name());
            }
        }
        assert_eq!(having(|p| p.fd_op.is_some()).len(), 5);
    }

    /// Every open-like call says where its path is, and every fork-like call its flags.
    #[test]
    fn special_handlers_have_their_positions() {
        for s in entries() {
            match s.dispatch {
                Dispatch::Special(Special::Open) => {
                    let open = s.props.open.unwrap_or_else(|| panic!("{}", s.name()));
                    assert_eq!(s.args[open.path as usize], Arg::Path, "{}", s.name());
                    if let Some(d) = open.dirfd {
                        assert_eq!(s.args[d as usize], Arg::DirFd, "{}", s.name());
                    }
                }
                Dispatch::Special(Special::Fork) => {
                    assert!(s.props.clone_flags.is_some(), "{}", s.name());
                    assert!(s.forks());
                }
                _ => {
                    assert!(s.props.open.is_none() && s.props.clone_flags.is_none());
                    assert!(!s.forks());
                }
            }
        }
    }

    #[test]
    fn lock_waits_are_untraced_futex_calls() {
        for nr in having(|p| p.lock_wait) {
            assert_eq!(spec(nr).dispatch, Dispatch::Unchecked, "{}", nr.name());
        }
        assert!(with(Sysno::futex.id() as u64, |p| p.lock_wait));
        assert!(!with(Sysno::futex_wake.id() as u64, |p| p.lock_wait));
        assert!(!with(u64::MAX, |p| p.lock_wait));
    }

    /// Relaxed calls only touch the calling process: every variant executes them (so nothing
    /// is skipped or replicated) and none creates an fd.
    #[test]
    fn relaxed_calls_stay_inside_the_process() {
        for s in entries() {
            if s.props.relaxed == Relaxed::Never {
                continue;
            }
            let own = s.dispatch == Dispatch::All || s.nr == Sysno::mmap;
            assert!(own, "{} runs relaxed but is {:?}", s.name(), s.dispatch);
            assert!(!s.creates_fd(), "{}", s.name());
        }
        let never = |n: Sysno| spec(n).props.relaxed == Relaxed::Never;
        // The fd table, signal dispositions, the cwd, the process group and signal waits
        // stay in lock-step.
        for nr in [
            Sysno::close,
            Sysno::close_range,
            Sysno::rt_sigaction,
            Sysno::chdir,
            Sysno::fchdir,
            Sysno::setpgid,
            Sysno::pause,
            Sysno::rt_sigsuspend,
            Sysno::restart_syscall,
            Sysno::dup,
            Sysno::write,
        ] {
            assert!(never(nr), "{}", nr.name());
        }
        assert_eq!(spec(Sysno::munmap).props.relaxed, Relaxed::InThreads);
        assert_eq!(spec(Sysno::brk).props.relaxed, Relaxed::Anywhere);
        assert_eq!(
            spec(Sysno::mmap).props.relaxed,
            Relaxed::InThreadsIfOwnMapping
        );
    }

    /// The runtime's setup calls are few, and none writes data or signals anyone.
    #[test]
    fn runtime_setup_calls_are_few_and_harmless() {
        assert_eq!(
            having(|p| p.runtime_setup.is_some()),
            sorted(&[
                Sysno::fstat,
                Sysno::mmap,
                Sysno::close,
                Sysno::newfstatat,
                Sysno::openat,
                Sysno::statx
            ])
        );
        assert_eq!(
            spec(Sysno::openat).props.runtime_setup,
            Some(RuntimeSetup::BufferPath(1))
        );
        assert_eq!(spec(Sysno::openat).args[1], Arg::Path);
    }
}
