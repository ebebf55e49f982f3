//! The in-process fast path (ReMon's IP-MON, dMVX's selective monitoring): above `strict`,
//! calls of the chosen level run without a monitor round trip.
//!
//! - The leader makes the call itself, through the gadget the monitor mapped at `GADGET_ADDR`
//!   (the only place from which the seccomp filter lets these syscalls through), then
//!   publishes a record into its thread's ring: the call's scalar arguments, the bytes it gave
//!   the kernel, its result and the bytes the kernel gave back. It does not wait.
//! - A follower takes the next record of its thread, checks that it would make the same call
//!   with the same bytes (otherwise it reports a divergence to the monitor and stops), then
//!   takes the leader's result and bytes, as lock-step replication would: a follower's own
//!   copy of a read-only file (held for mmap) is never read, so its offset never matters.
//!
//! What is compared and what is replicated comes from the call's entry in the syscall table
//! (`mvx_abi`), the one the monitor's strict path captures with (`describe`): a value the
//! strict path compares is compared here, a pointer only by whether it is NULL, an argument
//! the kernel ignores (`mvx_abi::unused_args`) not at all.
//!
//! Whether a call qualifies is decided the same way in every variant: from the level, the
//! call's class (the entry's `Fast`) and the fd's class in the table the monitor keeps in the
//! shared buffer.
//! Anything that does not qualify returns `None`, and the caller makes the ordinary syscall,
//! which stops in the monitor.
//!
//! Threat model: see the README ("The fast path and what protects it"). In short, the kernel
//! filter confines the gadget to the level's syscall numbers; the ring only carries the
//! leader's results to followers, and a follower trusts nothing in it without comparing its
//! own call first. A program that already runs attacker code can make the level's calls
//! unmonitored in one variant — which is what choosing a level above `strict` accepts.

use crate::protocol::*;
use crate::{settled_role, Role};
use std::mem::MaybeUninit;

/// What a call does, which decides the level it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// No fd: identity and clock reads.
    Local,
    /// Reads from `fd`.
    Read(i32),
    /// Writes to `fd`.
    Write(i32),
    /// Reads metadata of `fd`'s file, or (`None`) of a path relative to the cwd.
    Stat(Option<i32>),
    /// Waits for readiness of the fds it names (epoll, poll).
    Wait,
    /// Changes the fd table (`fd_calls.rs`).
    FdTable(crate::fd_calls::Kind),
}

impl Class {
    /// The table's class of a call of this class.
    pub fn fast(self) -> mvx_abi::Fast {
        use mvx_abi::Fast;
        match self {
            Class::Local => Fast::Local,
            Class::Read(_) => Fast::Read,
            Class::Write(_) => Fast::Write,
            Class::Stat(_) => Fast::Stat,
            Class::Wait => Fast::Wait,
            Class::FdTable(_) => Fast::FdTable,
        }
    }
}

/// Where the kernel's answer goes.
pub enum Output<'a> {
    None,
    /// Structs the kernel fills (timespec, timeval, timezone): copied whole when the call
    /// succeeds.
    Whole(&'a [(*mut u8, usize)]),
    /// `ret` bytes (`ret` elements of `Request::ret_scale` bytes) spread over these buffers
    /// in order (read, readv, recv, epoll_wait).
    Scatter(&'a [(*mut u8, usize)]),
}

/// One call, as `describe` derives it from the table.
pub struct Request<'a> {
    pub nr: i64,
    pub args: [u64; 6],
    pub class: Class,
    /// Values compared across variants (never pointers, only whether they are NULL: pointers
    /// differ between variants).
    pub scalars: &'a [u64],
    /// Bytes the call hands to the kernel, compared across variants.
    pub input: &'a [(*const u8, usize)],
    pub output: Output<'a>,
    /// Structs the kernel fills besides a scattered output (recvmsg's name and the msghdr
    /// fields it writes back): copied whole after the scattered bytes when the call succeeds.
    pub tail: &'a [(*mut u8, usize)],
    /// Whether an EPIPE of this call came with SIGPIPE (a write not sent with MSG_NOSIGNAL).
    pub sigpipe: bool,
    /// Bytes per unit of the result, for `Output::Scatter` (an epoll_event's size for
    /// epoll_wait, else 1).
    pub ret_scale: usize,
    /// The fds the call names in its arguments (at most two).
    pub fds: &'a [i32],
    /// poll's array of fds, and its length.
    pub pollfds: Option<(*const libc::pollfd, usize)>,
    /// select's fd sets (`fd_set`, the fds it names are its set bits).
    pub fd_sets: &'a [*const u8],
    /// Whether the call's first input is a path (stat by path).
    pub paths: bool,
    /// Whether the kernel overwrites some input (in-out buffers).
    pub inout: bool,
}

/// Most scalars of one call: its six arguments and the lengths of its iovecs.
pub const MAX_SCALARS: usize = 6 + MAX_BUFFERS;

/// A call's request with its own storage: on the caller's stack, filled in place and never
/// zeroed (it runs on every fast call; only the first `n*` entries of each array are used).
pub struct Described {
    nr: i64,
    args: [u64; 6],
    class: Class,
    scalars: [MaybeUninit<u64>; MAX_SCALARS],
    nscalars: usize,
    input: [MaybeUninit<(*const u8, usize)>; MAX_BUFFERS],
    ninput: usize,
    output: [MaybeUninit<(*mut u8, usize)>; MAX_BUFFERS],
    noutput: usize,
    /// `output` is filled by the return value's bytes in order; else each buffer whole.
    scatter: bool,
    tail: [MaybeUninit<(*mut u8, usize)>; MAX_TAIL],
    ntail: usize,
    sigpipe: bool,
    ret_scale: usize,
    fds: [i32; 2],
    nfds: usize,
    pollfds: Option<(*const libc::pollfd, usize)>,
    fd_sets: [*const u8; 3],
    nfd_sets: usize,
    paths: bool,
    inout: bool,
}

/// The first `n` entries of `a`, which are initialised.
fn filled<T>(a: &[MaybeUninit<T>], n: usize) -> &[T] {
    let n = n.min(a.len());
    // SAFETY: `Described` writes entries in order and counts them; MaybeUninit<T> has T's
    // layout.
    unsafe { std::slice::from_raw_parts(a.as_ptr().cast(), n) }
}

impl Described {
    fn new(nr: i64, args: [u64; 6]) -> Described {
        Described {
            nr,
            args,
            class: Class::Local,
            scalars: [const { MaybeUninit::uninit() }; MAX_SCALARS],
            nscalars: 0,
            input: [const { MaybeUninit::uninit() }; MAX_BUFFERS],
            ninput: 0,
            output: [const { MaybeUninit::uninit() }; MAX_BUFFERS],
            noutput: 0,
            scatter: false,
            tail: [const { MaybeUninit::uninit() }; MAX_TAIL],
            ntail: 0,
            sigpipe: false,
            ret_scale: 1,
            fds: [0; 2],
            nfds: 0,
            pollfds: None,
            fd_sets: [std::ptr::null(); 3],
            nfd_sets: 0,
            paths: false,
            inout: false,
        }
    }

    #[inline]
    pub fn request(&self) -> Request<'_> {
        let out = filled(&self.output, self.noutput);
        Request {
            nr: self.nr,
            args: self.args,
            class: self.class,
            scalars: filled(&self.scalars, self.nscalars),
            input: filled(&self.input, self.ninput),
            output: match (self.noutput, self.scatter) {
                (0, _) => Output::None,
                (_, true) => Output::Scatter(out),
                (_, false) => Output::Whole(out),
            },
            tail: filled(&self.tail, self.ntail),
            sigpipe: self.sigpipe,
            ret_scale: self.ret_scale,
            fds: &self.fds[..self.nfds],
            pollfds: self.pollfds,
            fd_sets: &self.fd_sets[..self.nfd_sets],
            paths: self.paths,
            inout: self.inout,
        }
    }

    fn scalar(&mut self, v: u64) -> Option<()> {
        self.scalars.get_mut(self.nscalars)?.write(v);
        self.nscalars += 1;
        Some(())
    }

    fn input(&mut self, p: u64, n: usize) -> Option<()> {
        self.input.get_mut(self.ninput)?.write((p as *const u8, n));
        self.ninput += 1;
        Some(())
    }

    /// An output buffer; a call whose outputs are both whole and scattered is not taken.
    fn output(&mut self, p: u64, n: usize, scatter: bool) -> Option<()> {
        if self.noutput > 0 && self.scatter != scatter {
            return None;
        }
        self.scatter = scatter;
        self.output.get_mut(self.noutput)?.write((p as *mut u8, n));
        self.noutput += 1;
        Some(())
    }

    /// A struct the kernel fills after a scattered output (`Request::tail`).
    fn tail(&mut self, p: u64, n: usize) -> Option<()> {
        self.tail.get_mut(self.ntail)?.write((p as *mut u8, n));
        self.ntail += 1;
        Some(())
    }
}

/// Derives how syscall `nr` with `args` is compared and replicated from its table entry, as
/// the strict path's capture does; `None` if the call is not a fast-path call or has an
/// argument the fast path does not carry (an address to send to or receive from, a pid the
/// monitor would map, more than `MAX_BUFFERS` iovecs): it then takes the monitored path.
///
/// # Safety
/// The iovec arrays the arguments point to must be readable (as the kernel would read them).
pub unsafe fn describe(nr: i64, args: [u64; 6]) -> Option<Described> {
    let mut d = Described::new(nr, args);
    // SAFETY: as the caller vouches.
    unsafe { fill(&mut d) }?;
    Some(d)
}

/// `describe`, in place.
///
/// # Safety
/// As `describe`.
unsafe fn fill(d: &mut Described) -> Option<()> {
    use mvx_abi::{Arg, Fast, Len};
    let (nr, args) = (d.nr, d.args);
    let spec = mvx_abi::lookup(u64::try_from(nr).ok()?)?;
    let unused = mvx_abi::unused_args(nr as u64, &args);
    // What the kernel filter would send to the monitor anyway (an open for writing).
    if let Some(b) = spec.props.fast_unless {
        if args[b.arg as usize] as u32 & b.bits != 0 {
            return None;
        }
    }
    // A wait with a signal mask changes the mask: signals stay in lock-step.
    // pselect6's mask is behind its data pointer: any data pointer keeps it in lock-step, as
    // the kernel filter does (`fast_unless`).
    if let Some(mvx_abi::SigMask::Arg(k) | mvx_abi::SigMask::PselectData(k)) = spec.props.sigmask {
        if args[k as usize] != 0 {
            return None;
        }
    }
    let mut fd = None;
    let mut no_sigpipe = false;
    for (i, kind) in spec.args.iter().enumerate() {
        let v = args[i];
        if unused & (1 << i) != 0 {
            continue;
        }
        match kind.resolve(&args) {
            Arg::Fd => {
                fd.get_or_insert(v as i32);
                *d.fds.get_mut(d.nfds)? = v as i32;
                d.nfds += 1;
                d.scalar(v)?;
            }
            Arg::Flags => {
                no_sigpipe |= v & libc::MSG_NOSIGNAL as u64 != 0;
                d.scalar(v)?;
            }
            Arg::DirFd => {
                fd.get_or_insert(v as i32);
                d.scalar(v)?;
            }
            Arg::Int | Arg::Signal => d.scalar(v)?,
            Arg::Int32 => d.scalar(v as i32 as i64 as u64)?,
            // A process's or thread's CPU clock names a pid, which the monitor maps: only the
            // caller's own (pid 0) is the same number in every variant.
            Arg::ClockId if (v as i32) < 0 && (v as i32) >> 3 != !0 => return None,
            Arg::ClockId => d.scalar(v)?,
            Arg::Timeout => {}
            Arg::Ptr => d.scalar(u64::from(v != 0))?,
            _ if v == 0 => d.scalar(0)?,
            Arg::In(len) => {
                d.scalar(1)?;
                let n = match len {
                    Len::Arg(k) => args[k as usize] as usize,
                    Len::Fixed(n) => n,
                    _ => return None,
                };
                d.input(v, n)?;
            }
            Arg::Out(len) => {
                d.scalar(1)?;
                match len {
                    Len::RetUpTo(k) => d.output(v, args[k as usize] as usize, true)?,
                    Len::Fixed(n) => d.output(v, n, false)?,
                    // The element count follows the buffer (epoll_wait's maxevents).
                    Len::RetTimes(size) => {
                        let mut count = usize::try_from(*args.get(i + 1)?).ok()?;
                        // The kernel may return fewer events than asked for (the rest stay
                        // ready for the next call), so a large maxevents (redis: 10,128) is
                        // capped to what a record carries instead of leaving the fast path.
                        // The program's own value is what is compared.
                        let most = (MAX_BYTES / size.max(1)).max(1);
                        if count > most {
                            count = most;
                            d.args[i + 1] = most as u64;
                        }
                        d.ret_scale = size;
                        d.output(v, count.checked_mul(size)?, true)?
                    }
                    // A socklen_t the caller sets to the buffer's size (accept, getsockopt).
                    Len::DerefArg(k) => {
                        let at = args[k as usize];
                        if at == 0 {
                            return None;
                        }
                        // SAFETY: the caller's socklen_t, as the kernel reads it.
                        let n = unsafe { (at as *const u32).read_unaligned() };
                        d.output(v, n as usize, false)?
                    }
                    _ => return None,
                }
            }
            Arg::InOut(len) => {
                d.scalar(1)?;
                let n = match len {
                    Len::Fixed(n) => {
                        if n == mvx_abi::size::FD_SET {
                            *d.fd_sets.get_mut(d.nfd_sets)? = v as *const u8;
                            d.nfd_sets += 1;
                        }
                        n
                    }
                    Len::Arg(k) => args[k as usize] as usize,
                    Len::ArgTimes(k, size) => {
                        let count = args[k as usize] as usize;
                        if size == mvx_abi::size::POLLFD {
                            d.pollfds = Some((v as *const libc::pollfd, count));
                        }
                        count.checked_mul(size)?
                    }
                    _ => return None,
                };
                d.input(v, n)?;
                d.output(v, n, false)?;
                d.inout = true;
            }
            Arg::Path => {
                d.paths |= d.ninput == 0;
                d.scalar(1)?;
                // SAFETY: the caller's NUL-terminated path, as the kernel reads it.
                let n = unsafe { libc::strnlen(v as *const libc::c_char, libc::PATH_MAX as usize) };
                d.input(v, n)?;
            }
            // Only the event mask is compared: the data is the variant's own (a pointer).
            Arg::EpollEvent => {
                d.scalar(1)?;
                d.input(v, 4)?;
            }
            Arg::IovIn { count } => {
                d.scalar(1)?;
                // SAFETY: the caller's iovec array.
                for (p, n) in unsafe { iovecs(v, args[count as usize]) }? {
                    d.input(p, n)?;
                }
            }
            Arg::IovOut { count } => {
                d.scalar(1)?;
                // SAFETY: as above.
                for (p, n) in unsafe { iovecs(v, args[count as usize]) }? {
                    // The lengths are compared, as the strict path does.
                    d.scalar(n as u64)?;
                    d.output(p, n, true)?;
                }
            }
            // sendmsg: the name, the data and the control bytes compared, each by its length
            // and bytes (as the strict path's capture), and msg_flags.
            Arg::MsgIn => {
                d.scalar(1)?;
                // SAFETY: the caller's msghdr and its buffers, as the kernel reads them.
                let m = unsafe { crate::msghdr::sent(v) }?;
                d.scalar(m.name.1 as u64)?;
                d.scalar(m.control.1 as u64)?;
                d.scalar(u64::from(m.flags))?;
                if m.name.1 > 0 {
                    d.input(m.name.0, m.name.1)?;
                }
                // SAFETY: the message's iovec array.
                for (p, n) in unsafe { iovecs(m.iov, m.iovlen) }? {
                    d.input(p, n)?;
                }
                if m.control.1 > 0 {
                    d.input(m.control.0, m.control.1)?;
                }
            }
            // recvmsg: the data scattered over the iovecs, then the name and the fields the
            // kernel writes back. The strict path compares only the msghdr's NULL-ness; the
            // name's capacity is compared too, as it shapes the record.
            Arg::MsgOut => {
                d.scalar(1)?;
                // SAFETY: the caller's msghdr.
                let m = unsafe { crate::msghdr::received(v) }?;
                d.scalar(m.name.1 as u64)?;
                // SAFETY: the message's iovec array.
                for (p, n) in unsafe { iovecs(m.iov, m.iovlen) }? {
                    d.output(p, n, true)?;
                }
                if m.name.1 > 0 {
                    d.tail(m.name.0, m.name.1)?;
                }
                for (p, n) in m.fields {
                    d.tail(p, n)?;
                }
            }
            _ => return None,
        }
    }
    d.class = match spec.fast? {
        Fast::Local => Class::Local,
        Fast::Read => Class::Read(fd?),
        Fast::Write => Class::Write(fd?),
        Fast::Stat => Class::Stat(fd.filter(|&fd| fd != libc::AT_FDCWD)),
        Fast::Wait => Class::Wait,
        Fast::FdTable => Class::FdTable(crate::fd_calls::Kind::of(spec)?),
    };
    d.sigpipe = matches!(d.class, Class::Write(_)) && !no_sigpipe;
    Some(())
}

/// The `count` iovecs at `iov`, if the fast path takes that many.
///
/// # Safety
/// `iov` must point to `count` readable iovecs.
unsafe fn iovecs(iov: u64, count: u64) -> Option<impl Iterator<Item = (u64, usize)>> {
    let count = usize::try_from(count).ok().filter(|&c| c <= MAX_BUFFERS)?;
    if iov == 0 && count > 0 {
        return None;
    }
    let v: &[libc::iovec] = if count == 0 {
        &[]
    } else {
        // SAFETY: the caller's array of `count` iovecs.
        unsafe { std::slice::from_raw_parts(iov as *const libc::iovec, count) }
    };
    Some(v.iter().map(|v| (v.iov_base as u64, v.iov_len)))
}

/// Makes syscall `nr` through the fast path if its table entry and the level allow it, and
/// returns its raw result (`-errno` on failure); `None`: make the ordinary syscall.
///
/// # Safety
/// The arguments must be valid for the syscall, as the kernel would take them.
pub unsafe fn syscall(nr: i64, args: [u64; 6]) -> Option<i64> {
    // Without mvx and at `strict` nothing is described.
    if level() == FAST_OFF {
        return None;
    }
    crate::THREAD.with(|thread| {
        // Nor inside handlers.
        if thread.busy.get() > 0 {
            return None;
        }
        let mut d = Described::new(nr, args);
        // SAFETY: the caller vouches for the arguments.
        unsafe { fill(&mut d) }?;
        // SAFETY: as above; `fill` derived the ranges from them.
        unsafe { call_on(thread, &d.request()) }
    })
}

/// Records larger than this (input or output) take the monitored path.
pub const MAX_BYTES: usize = 64 << 10;

/// Record ids are the syscall number under this tag.
pub(crate) const FAST_ID: u64 = 0x4d56_5846_0000_0000;

/// Runs a signal handler with the fast path off on this thread (called by the preload
/// library's handler trampoline): a call made while a fast call or a handler runs (`busy`)
/// takes the monitored path, so handlers, which run at different points in different
/// variants, never interleave with a thread's records.
pub fn in_signal_handler<R>(handler: impl FnOnce() -> R) -> R {
    crate::THREAD.with(|t| t.busy.set(t.busy.get() + 1));
    let r = handler();
    crate::THREAD.with(|t| t.busy.set(t.busy.get() - 1));
    r
}

/// The fast-path level of this process (`FAST_OFF` without mvx or at `strict`).
pub fn level() -> u64 {
    match settled_role() {
        None | Some(Role::PassThrough) => FAST_OFF,
        Some(Role::Leader { fast, .. } | Role::Follower { fast, .. }) => *fast,
    }
}

/// Makes the call through the fast path and returns its result, or `None` if it does not
/// qualify (the caller then makes the ordinary, monitored syscall).
///
/// # Safety
/// Every pointer in `req` must be valid as the syscall requires; the input and output ranges
/// must be readable and writable for their lengths.
pub unsafe fn call(req: &Request) -> Option<i64> {
    // SAFETY: as the caller vouches.
    crate::THREAD.with(|thread| unsafe { call_on(thread, req) })
}

/// `call`, with this thread's state looked up already.
///
/// # Safety
/// As `call`.
unsafe fn call_on(thread: &crate::ThreadState, req: &Request) -> Option<i64> {
    // Before the role is settled (while it is being settled) nothing is fast.
    let (map, fast, follower) = match settled_role()? {
        Role::PassThrough => return None,
        Role::Leader { map, fast, .. } => (map, *fast, None),
        Role::Follower { map, fast, index } => (map, *fast, Some(*index)),
    };
    if fast == FAST_OFF || thread.busy.get() > 0 || memory_shared(map) {
        return None;
    }
    let (class, fd_class) = match req.class {
        // Identity reads of threaded processes go to the monitor, which answers them at once
        // (own_ids.rs there). Paired record by record here, a follower's read waits for its
        // twin's, which can close a deadlock cycle with a lock the reader holds (the GIL).
        Class::Local if threaded(map) && is_own_id_read(req.nr) => return None,
        Class::Local => (mvx_abi::Fast::Local, None),
        Class::Read(fd) => (mvx_abi::Fast::Read, Some(fd_class(map, fd)?)),
        Class::Write(fd) => (mvx_abi::Fast::Write, Some(fd_class(map, fd)?)),
        Class::Stat(fd) => {
            if let Some(fd) = fd {
                fd_class(map, fd)?;
            }
            if req.paths && !req.input.first().is_some_and(|&(p, n)| shared_path(p, n)) {
                return None;
            }
            (mvx_abi::Fast::Stat, None)
        }
        // Every fd the call names must be one the monitor knows.
        Class::Wait => {
            for &fd in req.fds {
                fd_class(map, fd)?;
            }
            if let Some((fds, count)) = req.pollfds {
                // SAFETY: the caller's pollfd array, as the kernel reads it.
                let fds = unsafe { std::slice::from_raw_parts(fds, count) };
                for p in fds.iter().filter(|p| p.fd >= 0) {
                    fd_class(map, p.fd)?;
                }
            }
            for &set in req.fd_sets {
                // SAFETY: the caller's fd_set, as the kernel reads it.
                for fd in unsafe { fd_set_members(set) } {
                    fd_class(map, fd)?;
                }
            }
            (mvx_abi::Fast::Wait, None)
        }
        Class::FdTable(_) if threaded(map) => return None,
        Class::FdTable(kind) => {
            fd_calls_allowed(map, kind, req)?;
            (mvx_abi::Fast::FdTable, None)
        }
    };
    if class == mvx_abi::Fast::Write && fd_class.is_some_and(|c| !class_written_fast(c)) {
        return None;
    }
    let needed = mvx_abi::Level::needed(class, fd_class.is_some_and(class_is_socket)) as u64;
    let input_len: usize = req.input.iter().map(|&(_, n)| n).sum();
    let (output_len, output_count) = match req.output {
        Output::None => (0, 0),
        Output::Whole(bufs) | Output::Scatter(bufs) => {
            (bufs.iter().map(|&(_, n)| n).sum(), bufs.len())
        }
    };
    if fast < needed
        || input_len > MAX_BYTES
        || output_len > MAX_BYTES
        || req.input.len() > MAX_BUFFERS
        || output_count > MAX_BUFFERS
        || req.scalars.len() > MAX_SCALARS
    {
        return None;
    }
    let group = thread.try_group()?;

    // SAFETY: the group's slot lies within the mapping.
    let ring = unsafe { crate::ring::Ring::new(map.as_ptr().add(data_slot(group)) as *mut u8) };
    let me = follower.unwrap_or(0);
    if ring.signal_owed_here(me) {
        // A signal waits for this call's entry (the arguments are made, the call is not):
        // the monitor delivers it as the handshake returns, as at a lock-stepped call.
        crate::handshake(OP_SIGNAL_POINT, ring.position(me), 0);
    }
    if let Some((fds, count)) = req.pollfds {
        // The kernel ignores what revents holds and overwrites it: programs leave it
        // uninitialised, and the leader's record must not carry its garbage to be compared.
        for i in 0..count {
            // SAFETY: the caller's pollfd array, which the kernel writes too.
            unsafe { (*(fds as *mut libc::pollfd).add(i)).revents = 0 };
        }
    }
    ring.enter_call(me);
    thread.busy.set(1);
    let ret = match follower {
        None => {
            // Buffers the kernel reads and then overwrites (poll's array, accept's address
            // length) are recorded as they were handed over, as the strict path compares them.
            let before = req.inout.then(|| {
                let mut v = Vec::with_capacity(input_len);
                for &(p, n) in req.input {
                    // SAFETY: the caller's readable input.
                    v.extend_from_slice(unsafe { std::slice::from_raw_parts(p, n) });
                }
                v
            });
            // SAFETY: the caller vouches for the arguments.
            let ret = match req.class {
                Class::FdTable(kind) => unsafe { crate::fd_calls::lead(map, kind, req) },
                _ => unsafe { gadget(req.nr, &req.args) },
            };
            let variants = crate::variants();
            // SAFETY: as above; the output holds what the kernel wrote.
            unsafe {
                with_record(req, ret, before.as_deref(), |parts| {
                    ring.publish_parts(variants, FAST_ID | req.nr as u64, parts)
                })
            };
            ring.leave_call(0);
            ret
        }
        Some(index) => {
            // In multi-threaded processes clock reads are paired loosely (`clock_reads.rs`).
            let loose_clocks = threaded(map);
            let taken = if loose_clocks && is_clock(req.nr) {
                // SAFETY: as above.
                Some(unsafe { crate::clock_reads::follow_clock(&ring, index, req) })
            } else {
                loop {
                    let Some(record) = ring.next_call(index) else {
                        break None;
                    };
                    if ring.signal_owed_here(index) {
                        // The leader took a signal at this call's entry (this follower was
                        // waiting here already): take it here too, then look again.
                        drop(record);
                        crate::handshake(OP_SIGNAL_POINT, ring.position(index), 0);
                        continue;
                    }
                    // The leader read a clock where this follower did not: passed over.
                    if loose_clocks && crate::clock_reads::is_clock_record(record.id) {
                        ring.advance(index, record);
                        continue;
                    }
                    // The record is read in place, then consumed.
                    // SAFETY: as above.
                    let ret = unsafe { follow(req, record.id, &record.data) };
                    ring.advance(index, record);
                    ring.leave_call(index);
                    break Some(ret);
                }
            };
            match taken {
                Some(ret) => {
                    if let (Class::FdTable(kind), true) = (req.class, ret != DECLINED) {
                        // SAFETY: as above.
                        if let Err(got) = unsafe { crate::fd_calls::follow(map, kind, req, ret) } {
                            report_fd_mismatch(req, got);
                        }
                    }
                    ret
                }
                None => {
                    // The leader ended before making this call, or the monitor holds it at a
                    // lock-stepped call (another one): make it the ordinary way, so the
                    // monitor sees where this variant went.
                    thread.busy.set(0);
                    ring.leave_call(index);
                    return None;
                }
            }
        }
    };
    thread.busy.set(0);
    ring.leave_call(me);
    // Declined by the leader: every variant makes the ordinary call.
    (ret != DECLINED).then_some(ret)
}

use crate::fd_calls::DECLINED;

/// Whether a path-based call may take the fast path: only absolute paths (a relative one
/// depends on the cwd or a directory fd, which may name /proc), and none under /proc, /sys or
/// /dev, whose files differ per process or have effects.
fn shared_path(p: *const u8, n: usize) -> bool {
    // SAFETY: the call's path, `n` readable bytes.
    let path = unsafe { std::slice::from_raw_parts(p, n) };
    path.starts_with(b"/")
        && ![&b"/proc"[..], b"/sys", b"/dev"].iter().any(|prefix| {
            path.starts_with(prefix) && matches!(path.get(prefix.len()), None | Some(b'/'))
        })
}

/// Whether fd-table call `kind` may take the fast path: the fds it names are known and, for
/// an accept, a socket.
fn fd_calls_allowed(
    map: &memmap2::MmapMut,
    kind: crate::fd_calls::Kind,
    req: &Request,
) -> Option<()> {
    use crate::fd_calls::Kind;
    match kind {
        Kind::Open { .. } => {
            let (p, n) = *req.input.first()?;
            shared_path(p, n).then_some(())
        }
        // Closing an end of the process's own channel goes to the monitor: the other end
        // may then be the process's only one, whose writes take the fast path again, which
        // only the monitor's new classes can say.
        Kind::Close { fd } => fd_class(map, req.args[fd as usize] as i32)
            .filter(|&c| class_written_fast(c))
            .map(|_| ()),
        Kind::LeaderOnly { .. } => {
            (fd_class(map, req.args[0] as i32)? == FD_LEADER_SOCKET).then_some(())
        }
    }
}

/// A follower whose kernel handed out another fd number than the leader's.
fn report_fd_mismatch(req: &Request, got: i64) -> ! {
    let report: [u64; 8] = [
        req.nr as u64,
        req.nr as u64,
        got as u64,
        FD_MISMATCH,
        0,
        0,
        0,
        0,
    ];
    handshake_report(&report);
    std::process::abort()
}

/// Whether `nr` reads a clock (paired loosely in threaded processes, see `PROCESS_THREADED`).
pub(crate) fn is_clock(nr: i64) -> bool {
    mvx_abi::lookup(nr as u64).is_some_and(|s| s.reads_clock())
}

/// Whether the monitor marked this process multi-threaded (`PROCESS_THREADED`).
/// Whether call `nr` reads the caller's own thread or process id.
fn is_own_id_read(nr: i64) -> bool {
    u64::try_from(nr)
        .ok()
        .and_then(mvx_abi::lookup)
        .is_some_and(|spec| spec.props.own_id.is_some())
}

fn threaded(map: &memmap2::MmapMut) -> bool {
    // Beyond the slots the fd classes are unknown too, so nothing but identity is fast.
    crate::try_process().is_none_or(|p| flags_of(map, p) & PROCESS_THREADED != 0)
}

/// Whether a vfork-like child runs in this process's memory (`PROCESS_SHARES_MEMORY`).
fn memory_shared(map: &memmap2::MmapMut) -> bool {
    crate::try_process().is_some_and(|p| flags_of(map, p) & PROCESS_SHARES_MEMORY != 0)
}

fn flags_of(map: &memmap2::MmapMut, process: usize) -> u64 {
    let at = process_flags(process);
    u64::from_ne_bytes(map[at..at + 8].try_into().expect("8 bytes"))
}

/// The class byte of `fd` in this process's table, `None` if the fast path cannot take it.
fn fd_class(map: &memmap2::MmapMut, fd: i32) -> Option<u8> {
    crate::fd_classes::class(map, fd)
}

/// The fds of an `fd_set`: its set bits. All of it, not only those below `nfds`: a bit the
/// kernel ignores can only keep the call off the fast path.
///
/// # Safety
/// `set` must point to a readable `fd_set`.
unsafe fn fd_set_members(set: *const u8) -> impl Iterator<Item = i32> {
    const WORDS: usize = mvx_abi::size::FD_SET / 8;
    // SAFETY: as the caller vouches (read unaligned: the caller's struct may be anywhere).
    let words: [u64; WORDS] = unsafe { (set as *const [u64; WORDS]).read_unaligned() };
    words.into_iter().enumerate().flat_map(|(k, mut word)| {
        std::iter::from_fn(move || {
            let bit = word.trailing_zeros();
            (bit < 64).then(|| {
                word &= word - 1;
                (k * 64) as i32 + bit as i32
            })
        })
    })
}

/// Most buffers (iovecs) a fast-path call may have, in or out.
pub const MAX_BUFFERS: usize = 16;
/// Most structs filled after a scattered output (`Request::tail`): recvmsg's name and three
/// msghdr fields.
const MAX_TAIL: usize = 4;
/// Most parts of a record: header, inputs, outputs and the tail.
const MAX_PARTS: usize = 1 + 2 * MAX_BUFFERS + MAX_TAIL;
/// Header words: counts, result, output length, then up to `MAX_SCALARS` scalars.
const MAX_HEADER_WORDS: usize = 4 + MAX_SCALARS;

/// The leader's record: scalar count, input length, result, output length, then the scalars,
/// the input bytes and the output bytes. Given to `sink` as parts, without copying.
unsafe fn with_record<R>(
    req: &Request,
    ret: i64,
    input_before: Option<&[u8]>,
    sink: impl FnOnce(&[&[u8]]) -> R,
) -> R {
    let input_len: usize = req.input.iter().map(|&(_, n)| n).sum();
    let mut outputs = Few::<&[u8], { MAX_BUFFERS + MAX_TAIL }>::new();
    let mut output_len = 0;
    match req.output {
        Output::None => {}
        Output::Whole(bufs) => {
            if ret >= 0 {
                for &(p, n) in bufs.iter().take(MAX_BUFFERS) {
                    // SAFETY: the structs the kernel filled.
                    outputs.push(unsafe { std::slice::from_raw_parts(p, n) });
                    output_len += n;
                }
            }
        }
        Output::Scatter(bufs) => {
            let mut left = (ret.max(0) as usize).saturating_mul(req.ret_scale);
            for &(p, n) in bufs.iter().take(MAX_BUFFERS) {
                let take = n.min(left);
                if take > 0 {
                    // SAFETY: the kernel wrote `ret` bytes over the buffers in order.
                    outputs.push(unsafe { std::slice::from_raw_parts(p, take) });
                    output_len += take;
                }
                left -= take;
            }
        }
    }
    if ret >= 0 {
        for &(p, n) in req.tail.iter().take(MAX_TAIL) {
            // SAFETY: the structs the kernel filled.
            outputs.push(unsafe { std::slice::from_raw_parts(p, n) });
            output_len += n;
        }
    }
    let nscalars = req.scalars.len().min(MAX_HEADER_WORDS - 4);
    let mut words = Few::<u64, MAX_HEADER_WORDS>::new();
    for w in [
        nscalars as u64,
        input_len as u64,
        ret as u64,
        output_len as u64,
    ] {
        words.push(w);
    }
    for &w in &req.scalars[..nscalars] {
        words.push(w);
    }
    let words = words.as_slice();
    // SAFETY: plain integers viewed as bytes.
    let header =
        unsafe { std::slice::from_raw_parts(words.as_ptr() as *const u8, words.len() * 8) };
    let mut parts = Few::<&[u8], MAX_PARTS>::new();
    parts.push(header);
    match input_before {
        Some(bytes) => parts.push(bytes),
        None => {
            for &(p, len) in req.input.iter().take(MAX_BUFFERS) {
                if len > 0 {
                    // SAFETY: the caller's readable input.
                    parts.push(unsafe { std::slice::from_raw_parts(p, len) });
                }
            }
        }
    }
    for &out in outputs.as_slice() {
        parts.push(out);
    }
    sink(parts.as_slice())
}

/// A record's header as `with_record` writes it: scalar count, input length, result, output
/// length, then the scalars.
pub(crate) struct RecordHeader<'a> {
    pub input_len: usize,
    pub ret: i64,
    pub output_len: usize,
    scalars: &'a [u8],
}

impl RecordHeader<'_> {
    /// The header at the start of `record`; `None` if it does not fit (a forged record).
    pub(crate) fn parse(record: &[u8]) -> Option<RecordHeader<'_>> {
        let word = |i: usize| {
            record
                .get(i * 8..i * 8 + 8)
                .map(|b| u64::from_ne_bytes(b.try_into().expect("8 bytes")))
        };
        let nscalars = usize::try_from(word(0)?).ok()?;
        let scalars = record.get(32..32usize.checked_add(nscalars.checked_mul(8)?)?)?;
        Some(RecordHeader {
            input_len: usize::try_from(word(1)?).ok()?,
            ret: word(2)? as i64,
            output_len: usize::try_from(word(3)?).ok()?,
            scalars,
        })
    }

    /// The header's length in bytes.
    pub(crate) fn size(&self) -> usize {
        32 + self.scalars.len()
    }

    /// Whether the leader's scalars are `mine`.
    pub(crate) fn has_scalars(&self, mine: &[u64]) -> bool {
        self.scalars.len() == mine.len() * 8
            && self
                .scalars
                .chunks_exact(8)
                .zip(mine)
                .all(|(b, &m)| u64::from_ne_bytes(b.try_into().expect("8 bytes")) == m)
    }
}

/// Up to `N` items on the stack, none initialised but those pushed: the record's arrays are
/// built on every fast call, and filling them whole first cost more than their contents.
struct Few<T: Copy, const N: usize> {
    items: [MaybeUninit<T>; N],
    n: usize,
}

impl<T: Copy, const N: usize> Few<T, N> {
    fn new() -> Self {
        Few {
            items: [const { MaybeUninit::uninit() }; N],
            n: 0,
        }
    }

    /// Panics beyond `N` (callers take at most as many).
    fn push(&mut self, item: T) {
        self.items[self.n].write(item);
        self.n += 1;
    }

    fn as_slice(&self) -> &[T] {
        filled(&self.items, self.n)
    }
}

#[cfg(test)]
unsafe fn encode(req: &Request, ret: i64) -> Vec<u8> {
    unsafe { with_record(req, ret, None, |parts| parts.concat()) }
}

/// A follower: checks its call against the leader's record, then takes the leader's results.
pub(crate) unsafe fn follow(req: &Request, id: u64, record: &[u8]) -> i64 {
    let own_nr = req.nr as u64;
    let fd = match req.class {
        Class::Read(fd) | Class::Write(fd) | Class::Stat(Some(fd)) => fd as u64,
        _ => req.fds.first().map_or(u64::MAX, |&fd| fd as u64),
    };
    // The follower's own input, whole (only needed for a report).
    let own_input = || -> Vec<u8> {
        let mut v = Vec::new();
        for &(p, n) in req.input {
            if n > 0 {
                // SAFETY: the caller's readable input.
                v.extend_from_slice(unsafe { std::slice::from_raw_parts(p, n) });
            }
        }
        v
    };
    let diverged = |leader_nr: u64, byte: u64, leader_input: &[u8]| -> ! {
        let own = own_input();
        let report: [u64; 8] = [
            leader_nr,
            own_nr,
            fd,
            byte,
            leader_input.as_ptr() as u64,
            leader_input.len() as u64,
            own.as_ptr() as u64,
            own.len() as u64,
        ];
        handshake_report(&report);
        // The monitor ends the run; never go on with the wrong result.
        std::process::abort()
    };
    if id & !0xffff_ffff != FAST_ID || id != FAST_ID | own_nr {
        diverged(id & 0xffff_ffff, u64::MAX, &[]);
    }
    let Some(header) = RecordHeader::parse(record) else {
        diverged(own_nr, u64::MAX, &[]);
    };
    let (input_len, ret) = (header.input_len, header.ret);
    let whole = header
        .size()
        .checked_add(input_len)
        .and_then(|n| n.checked_add(header.output_len));
    if !header.has_scalars(req.scalars) || whole != Some(record.len()) {
        diverged(own_nr, u64::MAX, &[]);
    }
    // The bytes handed to the kernel, compared in order.
    let mut at = header.size();
    let leader_input = &record[at..at + input_len];
    let mut offset = 0usize;
    for &(p, n) in req.input {
        // SAFETY: the caller's readable input.
        let mine = if n > 0 {
            unsafe { std::slice::from_raw_parts(p, n) }
        } else {
            &[]
        };
        let theirs = leader_input.get(offset..offset + n).unwrap_or(&[]);
        if let Some(k) = first_difference(mine, theirs) {
            diverged(own_nr, (offset + k) as u64, leader_input);
        }
        offset += n;
    }
    if offset != input_len {
        diverged(own_nr, offset.min(input_len) as u64, leader_input);
    }
    at += input_len;
    if ret == -(libc::EPIPE as i64) && req.sigpipe {
        // SAFETY: as `handshake`.
        unsafe { libc::syscall(HANDSHAKE_NR, OP_SIGPIPE) };
    }
    let mut bytes = &record[at..];
    // The tail comes after the output, whole.
    let tail_len: usize = req.tail.iter().map(|&(_, n)| n).sum();
    if ret >= 0 && tail_len > 0 {
        let Some(split) = bytes.len().checked_sub(tail_len) else {
            diverged(own_nr, u64::MAX, &[]);
        };
        let mut rest = &bytes[split..];
        for &(p, n) in req.tail {
            // SAFETY: the caller's writable structs.
            unsafe { std::ptr::copy_nonoverlapping(rest.as_ptr(), p, n) };
            rest = &rest[n..];
        }
        bytes = &bytes[..split];
    }
    match req.output {
        Output::None => {}
        Output::Whole(bufs) => {
            if bytes.len() == bufs.iter().map(|&(_, n)| n).sum::<usize>() {
                let mut rest = bytes;
                for &(p, n) in bufs {
                    // SAFETY: the caller's writable structs.
                    unsafe { std::ptr::copy_nonoverlapping(rest.as_ptr(), p, n) };
                    rest = &rest[n..];
                }
            }
        }
        Output::Scatter(bufs) => {
            let mut rest = bytes;
            for &(p, n) in bufs {
                let take = n.min(rest.len());
                // SAFETY: the caller's writable buffers; the leader's call filled as much.
                unsafe { std::ptr::copy_nonoverlapping(rest.as_ptr(), p, take) };
                rest = &rest[take..];
            }
        }
    }
    ret
}

fn first_difference(a: &[u8], b: &[u8]) -> Option<usize> {
    if a == b {
        return None;
    }
    Some(
        a.iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len())),
    )
}

/// OP_FAST_DIVERGED with the report's address (the monitor reads it from this process).
fn handshake_report(report: &[u64; 8]) -> i64 {
    // SAFETY: as `handshake`; the report outlives the call.
    unsafe { libc::syscall(HANDSHAKE_NR, OP_FAST_DIVERGED, report.as_ptr()) }
}

/// Makes syscall `nr` from the gadget: the one instruction the filter lets the fast-path
/// calls through from. The gadget returns by `jmp r12`, so no stack is touched (the caller's
/// red zone stays intact).
///
/// # Safety
/// The gadget must be mapped (the monitor reported a fast-path level) and the arguments valid.
pub(crate) unsafe fn gadget(nr: i64, a: &[u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: the gadget is `syscall; jmp r12`; the kernel clobbers rcx and r11 only.
    unsafe {
        std::arch::asm!(
            "lea r12, [rip + 2f]",
            "jmp {gadget}",
            "2:",
            gadget = in(reg) GADGET_ADDR,
            inlateout("rax") nr => ret,
            in("rdi") a[0],
            in("rsi") a[1],
            in("rdx") a[2],
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            out("r12") _,
            out("rcx") _,
            out("r11") _,
            options(nostack),
        );
    }
    ret
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_mvx_nothing_takes_the_fast_path() {
        let mut buf = [0u8; 8];
        assert_eq!(level(), FAST_OFF);
        let args = [0, buf.as_mut_ptr() as u64, 8, 0, 0, 0];
        assert!(unsafe { syscall(libc::SYS_read, args) }.is_none());
    }

    #[test]
    fn records_carry_scalars_input_result_and_output() {
        let data = *b"hello";
        let d =
            unsafe { describe(libc::SYS_write, [1, data.as_ptr() as u64, 5, 0, 0, 0]) }.unwrap();
        let req = d.request();
        // fd, the buffer (not NULL), its length.
        assert_eq!(req.scalars, [1, 1, 5]);
        assert_eq!(req.class, Class::Write(1));
        assert!(req.sigpipe);
        let rec = unsafe { encode(&req, 5) };
        assert_eq!(rec.len(), 32 + 24 + 5);
        // A follower making the same call gets the leader's result without a syscall.
        let ret = unsafe { follow(&req, FAST_ID | libc::SYS_write as u64, &rec) };
        assert_eq!(ret, 5);
    }

    fn iov(buf: &mut [u8], lens: &[usize]) -> Vec<libc::iovec> {
        let mut at = 0;
        lens.iter()
            .map(|&n| {
                let v = libc::iovec {
                    iov_base: buf[at..].as_mut_ptr().cast(),
                    iov_len: n,
                };
                at += n;
                v
            })
            .collect()
    }

    #[test]
    fn a_follower_copies_the_leaders_output() {
        let mut leader = *b"abcdefgh";
        let lv = iov(&mut leader, &[3, 5]);
        let d = unsafe { describe(libc::SYS_readv, [3, lv.as_ptr() as u64, 2, 0, 0, 0]) }.unwrap();
        let rec = unsafe { encode(&d.request(), 6) };
        let mut mine = [0u8; 8];
        let mv = iov(&mut mine, &[3, 5]);
        let f = unsafe { describe(libc::SYS_readv, [3, mv.as_ptr() as u64, 2, 0, 0, 0]) }.unwrap();
        let ret = unsafe { follow(&f.request(), FAST_ID | libc::SYS_readv as u64, &rec) };
        assert_eq!(ret, 6);
        assert_eq!(&mine, b"abcdef\0\0");
    }

    /// As on the strict path: readv's iovec lengths are compared, its pointers are not.
    #[test]
    fn readv_compares_lengths_not_addresses() {
        let (mut a, mut b) = ([0u8; 8], [0u8; 8]);
        let scalars = |v: &[libc::iovec]| {
            let args = [3, v.as_ptr() as u64, v.len() as u64, 0, 0, 0];
            unsafe { describe(libc::SYS_readv, args) }
                .unwrap()
                .request()
                .scalars
                .to_vec()
        };
        assert_eq!(
            scalars(&iov(&mut a, &[3, 5])),
            scalars(&iov(&mut b, &[3, 5]))
        );
        assert_ne!(
            scalars(&iov(&mut a, &[3, 5])),
            scalars(&iov(&mut b, &[4, 4]))
        );
    }

    #[test]
    fn what_the_fast_path_does_not_carry_takes_the_monitored_path() {
        let mut buf = [0u8; 16];
        let p = buf.as_mut_ptr() as u64;
        // recvfrom with a source address, sendto with a destination.
        let ok = |nr, args| unsafe { describe(nr, args) }.is_some();
        assert!(!ok(libc::SYS_recvfrom, [3, p, 8, 0, p, p]));
        assert!(ok(libc::SYS_recvfrom, [3, p, 8, 0, 0, 0xdead]));
        assert!(!ok(libc::SYS_sendto, [3, p, 8, 0, p, 16]));
        // Another process's CPU clock (its pid is mapped by the monitor); our own is fine.
        assert!(!ok(
            libc::SYS_clock_gettime,
            [(!1234u64 << 3) | 2, p, 0, 0, 0, 0]
        ));
        assert!(ok(
            libc::SYS_clock_gettime,
            [(!0u64 << 3) | 2, p, 0, 0, 0, 0]
        ));
        // Not a fast-path call at all.
        assert!(!ok(libc::SYS_mkdir, [0; 6]));
        // A wait that changes the signal mask.
        assert!(!ok(libc::SYS_epoll_pwait, [3, p, 1, 0, p, 8]));
        assert!(ok(libc::SYS_epoll_pwait, [3, p, 1, 0, 0, 8]));
        // More iovecs than a record carries.
        let many = iov(&mut buf, &[1; 16]);
        assert!(ok(libc::SYS_writev, [3, many.as_ptr() as u64, 16, 0, 0, 0]));
        let v = vec![many[0]; MAX_BUFFERS + 1];
        assert!(!ok(
            libc::SYS_writev,
            [3, v.as_ptr() as u64, v.len() as u64, 0, 0, 0]
        ));
    }

    /// Every fast-path entry is described from its argument kinds: values compared, pointers
    /// compared only by whether they are NULL, and the class is the entry's.
    #[test]
    fn every_fast_entry_is_described_from_the_table() {
        use mvx_abi::{Arg, Len};
        let mut buf = [0u8; 64];
        let mut other = [0u8; 64];
        for spec in mvx_abi::fast_entries() {
            let nr = spec.nr.id() as i64;
            // Plausible arguments: small values, pointers to buffers (iovecs to iovec arrays).
            let build = |buf: &mut [u8; 64], int: u64| {
                let v = iov(buf, &[2, 2]);
                // A message of those iovecs, without name or control.
                let mut m: Box<libc::msghdr> = Box::new(unsafe { std::mem::zeroed() });
                m.msg_iov = v.as_ptr() as *mut libc::iovec;
                m.msg_iovlen = v.len();
                let mut a = [0u64; 6];
                for (i, kind) in spec.args.iter().enumerate() {
                    a[i] = match kind {
                        Arg::MsgIn | Arg::MsgOut => &*m as *const libc::msghdr as u64,
                        // Decided by other arguments (setsockopt's value): a buffer.
                        Arg::Sel { .. } => buf.as_mut_ptr() as u64,
                        Arg::Out(Len::DerefArg(_)) => 0,
                        Arg::IovIn { .. } | Arg::IovOut { .. } => v.as_ptr() as u64,
                        Arg::In(_) | Arg::Out(_) | Arg::Ptr | Arg::Path | Arg::EpollEvent => {
                            buf.as_mut_ptr() as u64
                        }
                        // Addresses of recvfrom/sendto: the monitored path's.
                        Arg::SockAddr { .. } | Arg::InOut(_) => 0,
                        Arg::Fd => 3,
                        Arg::ClockId => 1,
                        _ => int,
                    };
                }
                // No signal mask: a wait with one is not fast.
                if let Some(mvx_abi::SigMask::Arg(k)) = spec.props.sigmask {
                    a[k as usize] = 0;
                }
                // Nothing the kernel filter would send to the monitor (an open for writing).
                if let Some(b) = spec.props.fast_unless {
                    a[b.arg as usize] = 0;
                }
                // Counts of iovecs.
                for kind in spec.args {
                    if let Arg::IovIn { count } | Arg::IovOut { count } = kind {
                        a[*count as usize] = 2;
                    }
                }
                (a, v, m)
            };
            let (a, _va, _ma) = build(&mut buf, 2);
            let (b, _vb, _mb) = build(&mut other, 2);
            let d = unsafe { describe(nr, a) }.unwrap_or_else(|| panic!("{}", spec.name()));
            let e = unsafe { describe(nr, b) }.unwrap();
            assert_eq!(Some(d.request().class.fast()), spec.fast, "{}", spec.name());
            assert_eq!(
                d.request().scalars,
                e.request().scalars,
                "{}: a pointer was compared",
                spec.name()
            );
            let counts: Vec<usize> = spec
                .args
                .iter()
                .filter_map(|k| match k {
                    Arg::IovIn { count } | Arg::IovOut { count } => Some(*count as usize),
                    _ => None,
                })
                .collect();
            let ints =
                (0..spec.args.len()).any(|i| spec.args[i] == Arg::Int && !counts.contains(&i));
            if ints {
                let (c, _vc, _mc) = build(&mut other, 1);
                let f = unsafe { describe(nr, c) }.unwrap();
                assert_ne!(
                    d.request().scalars,
                    f.request().scalars,
                    "{}: a value was not compared",
                    spec.name()
                );
            }
        }
    }

    fn msghdr(v: &[libc::iovec], name: &mut [u8], control: &mut [u8]) -> libc::msghdr {
        let mut m: libc::msghdr = unsafe { std::mem::zeroed() };
        m.msg_iov = v.as_ptr() as *mut libc::iovec;
        m.msg_iovlen = v.len();
        if !name.is_empty() {
            m.msg_name = name.as_mut_ptr().cast();
            m.msg_namelen = name.len() as u32;
        }
        if !control.is_empty() {
            m.msg_control = control.as_mut_ptr().cast();
            m.msg_controllen = control.len();
        }
        m
    }

    /// sendmsg compares the name, the data and the control bytes each (where one ends and
    /// the next begins too), as the strict path's capture does.
    #[test]
    fn sendmsg_compares_each_part_of_the_message() {
        let send = |name: &[u8], data: &[u8]| {
            let (mut name, mut data) = (name.to_vec(), data.to_vec());
            let v = [libc::iovec {
                iov_base: data.as_mut_ptr().cast(),
                iov_len: data.len(),
            }];
            let m = msghdr(&v, &mut name, &mut []);
            let d = unsafe { describe(libc::SYS_sendmsg, [3, &m as *const _ as u64, 0, 0, 0, 0]) }
                .unwrap();
            let req = d.request();
            assert_eq!(req.class, Class::Write(3));
            let input: Vec<u8> = req
                .input
                .iter()
                .flat_map(|&(p, n)| unsafe { std::slice::from_raw_parts(p, n) }.to_vec())
                .collect();
            (req.scalars.to_vec(), input)
        };
        assert_eq!(send(b"ab", b"cd"), send(b"ab", b"cd"));
        assert_eq!(send(b"ab", b"cd").1, b"abcd");
        assert_ne!(send(b"ab", b"cd").1, send(b"ab", b"ce").1);
        // The same bytes split otherwise between name and data.
        assert_ne!(send(b"ab", b"cd").0, send(b"a", b"bcd").0);
    }

    /// recvmsg: the follower gets the leader's data over its own iovecs, the leader's source
    /// address, its length and msg_flags.
    #[test]
    fn a_recvmsg_follower_takes_data_name_and_flags() {
        // What the kernel gave the leader: 6 bytes, a 4-byte address, a flag.
        let mut leader = *b"abcdef\0\0";
        let lv = iov(&mut leader, &[3, 5]);
        let mut lname = [0u8; 16];
        lname[..4].copy_from_slice(b"\x01\x00xy");
        let mut lm = msghdr(&lv, &mut lname, &mut []);
        let lp = &mut lm as *mut libc::msghdr;
        let d = unsafe { describe(libc::SYS_recvmsg, [3, lp as u64, 0, 0, 0, 0]) }.unwrap();
        assert_eq!(d.request().class, Class::Read(3));
        unsafe {
            (*lp).msg_namelen = 4;
            (*lp).msg_flags = libc::MSG_TRUNC;
        }
        let rec = unsafe { encode(&d.request(), 6) };

        let mut mine = [0u8; 8];
        let mv = iov(&mut mine, &[3, 5]);
        let mut mname = [0u8; 16];
        let mut mm = msghdr(&mv, &mut mname, &mut []);
        let mp = &mut mm as *mut libc::msghdr as u64;
        let f = unsafe { describe(libc::SYS_recvmsg, [3, mp, 0, 0, 0, 0]) }.unwrap();
        let ret = unsafe { follow(&f.request(), FAST_ID | libc::SYS_recvmsg as u64, &rec) };
        assert_eq!(ret, 6);
        assert_eq!(&mine, b"abcdef\0\0");
        assert_eq!(&mname[..4], b"\x01\x00xy");
        assert_eq!((mm.msg_namelen, mm.msg_flags), (4, libc::MSG_TRUNC));
        assert_eq!(mm.msg_controllen, 0);
    }

    #[test]
    fn calls_that_move_fds_or_change_the_mask_stay_in_lock_step() {
        let ok = |nr, args| unsafe { describe(nr, args) }.is_some();
        let mut data = *b"data";
        let v = [libc::iovec {
            iov_base: data.as_mut_ptr().cast(),
            iov_len: 4,
        }];
        // sendmsg passing an fd.
        let mut rights = vec![0u8; 24];
        rights[..8].copy_from_slice(&20u64.to_ne_bytes());
        rights[8..12].copy_from_slice(&libc::SOL_SOCKET.to_ne_bytes());
        rights[12..16].copy_from_slice(&libc::SCM_RIGHTS.to_ne_bytes());
        let m = msghdr(&v, &mut [], &mut rights);
        assert!(!ok(
            libc::SYS_sendmsg,
            [3, &m as *const _ as u64, 0, 0, 0, 0]
        ));
        let m = msghdr(&v, &mut [], &mut []);
        assert!(ok(
            libc::SYS_sendmsg,
            [3, &m as *const _ as u64, 0, 0, 0, 0]
        ));
        // recvmsg with room for control messages (fds could arrive).
        let mut control = [0u8; 64];
        let m = msghdr(&v, &mut [], &mut control);
        assert!(!ok(
            libc::SYS_recvmsg,
            [3, &m as *const _ as u64, 0, 0, 0, 0]
        ));
        // setsockopt attaching a BPF program (SOL_SOCKET, SO_ATTACH_FILTER); a plain value.
        let one = 1i32;
        let p = &one as *const i32 as u64;
        assert!(!ok(libc::SYS_setsockopt, [3, 1, 26, p, 16, 0]));
        assert!(ok(
            libc::SYS_setsockopt,
            [3, 1, libc::SO_REUSEADDR as u64, p, 4, 0]
        ));
        // ppoll and pselect6 with a signal mask.
        let mut fds = [libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        }];
        let fp = fds.as_mut_ptr() as u64;
        let mask = 0u64;
        let mp = &mask as *const u64 as u64;
        assert!(!ok(libc::SYS_ppoll, [fp, 1, 0, mp, 8, 0]));
        assert!(ok(libc::SYS_ppoll, [fp, 1, 0, 0, 8, 0]));
        let mut set = [0u64; 16];
        let sp = set.as_mut_ptr() as u64;
        let data = [mp, 8];
        assert!(!ok(
            libc::SYS_pselect6,
            [1, sp, 0, 0, 0, data.as_ptr() as u64]
        ));
        assert!(ok(libc::SYS_pselect6, [1, sp, 0, 0, 0, 0]));
    }

    /// select's fds are the set bits of its sets, checked against the fd classes.
    #[test]
    fn select_names_the_fds_of_its_sets() {
        let mut read = [0u64; 16];
        let mut write = [0u64; 16];
        read[0] = 1 << 3 | 1 << 63;
        read[15] = 1 << 63;
        write[1] = 1;
        let (rp, wp) = (read.as_mut_ptr() as u64, write.as_mut_ptr() as u64);
        let d = unsafe { describe(libc::SYS_select, [1024, rp, wp, 0, 0, 0]) }.unwrap();
        let req = d.request();
        assert_eq!(req.class, Class::Wait);
        let fds: Vec<Vec<i32>> = req
            .fd_sets
            .iter()
            .map(|&s| unsafe { fd_set_members(s) }.collect())
            .collect();
        assert_eq!(fds, [vec![3, 63, 1023], vec![64]]);
        assert!(req.inout);
    }

    #[test]
    fn differences_are_located() {
        assert_eq!(first_difference(b"abc", b"abc"), None);
        assert_eq!(first_difference(b"abc", b"abd"), Some(2));
        assert_eq!(first_difference(b"ab", b"abc"), Some(2));
    }
}
