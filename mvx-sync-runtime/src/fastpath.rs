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
//! Whether a call qualifies is decided the same way in every variant: from the level, the
//! call's class and the fd's class in the table the monitor keeps in the shared buffer.
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
use std::cell::Cell;

/// What a call does, which decides the level it needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// No fd: identity and clock reads.
    Local,
    /// Reads from `fd`.
    Read(i32),
    /// Writes to `fd`.
    Write(i32),
}

/// Where the kernel's answer goes.
pub enum Output<'a> {
    None,
    /// A struct the kernel fills (timespec, timeval): copied whole when the call succeeds.
    Fixed(*mut u8, usize),
    /// `ret` bytes spread over these buffers in order (read, readv, recv).
    Scatter(&'a [(*mut u8, usize)]),
}

/// One call, as the caller describes it.
pub struct Request<'a> {
    pub nr: i64,
    pub args: [u64; 6],
    pub class: Class,
    /// Arguments compared across variants (never pointers: they differ between variants).
    pub scalars: &'a [u64],
    /// Bytes the call hands to the kernel, compared across variants.
    pub input: &'a [(*const u8, usize)],
    pub output: Output<'a>,
}

/// Records larger than this (input or output) take the monitored path.
pub const MAX_BYTES: usize = 64 << 10;

/// Record ids are the syscall number under this tag.
const FAST_ID: u64 = 0x4d56_5846_0000_0000;

thread_local! {
    /// Set while a fast call or a signal handler runs on this thread: a call made then (from a
    /// handler) takes the monitored path, so handlers, which run at different points in
    /// different variants, never interleave with a thread's records.
    static BUSY: Cell<u32> = const { Cell::new(0) };
    /// A follower's buffer for the record it takes (reused, so no allocation per call).
    static RECORD: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs a signal handler with the fast path off on this thread (called by the preload
/// library's handler trampoline).
pub fn in_signal_handler<R>(handler: impl FnOnce() -> R) -> R {
    BUSY.with(|b| b.set(b.get() + 1));
    let r = handler();
    BUSY.with(|b| b.set(b.get() - 1));
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
    // Before the role is settled (while it is being settled) nothing is fast.
    let (map, fast, follower) = match settled_role()? {
        Role::PassThrough => return None,
        Role::Leader { map, fast, .. } => (map, *fast, None),
        Role::Follower { map, fast, index } => (map, *fast, Some(*index)),
    };
    if fast == FAST_OFF || BUSY.with(|b| b.get()) > 0 {
        return None;
    }
    let fd_class = match req.class {
        Class::Local if is_clock(req.nr) && threaded(map) => return None,
        Class::Local => None,
        Class::Read(fd) | Class::Write(fd) => Some(fd_class(map, fd)?),
    };
    let needed = match (req.class, fd_class) {
        (Class::Local, _) => FAST_BASE,
        (Class::Read(_), Some(FD_LEADER_SOCKET)) => FAST_SOCKET_RO,
        (Class::Write(_), Some(FD_LEADER_SOCKET)) => FAST_SOCKET_RW,
        (Class::Read(_), _) => FAST_NONSOCKET_RO,
        (Class::Write(_), _) => FAST_NONSOCKET_RW,
    };
    let input_len: usize = req.input.iter().map(|&(_, n)| n).sum();
    let (output_len, output_count) = match req.output {
        Output::None => (0, 0),
        Output::Fixed(_, n) => (n, 1),
        Output::Scatter(bufs) => (bufs.iter().map(|&(_, n)| n).sum(), bufs.len()),
    };
    if fast < needed
        || input_len > MAX_BYTES
        || output_len > MAX_BYTES
        || req.input.len() > MAX_BUFFERS
        || output_count > MAX_BUFFERS
        || req.scalars.len() > MAX_HEADER_WORDS - 4
    {
        return None;
    }
    let group = crate::try_group()?;

    BUSY.with(|b| b.set(1));
    // SAFETY: the group's slot lies within the mapping.
    let ring = unsafe { crate::ring::Ring::new(map.as_ptr().add(data_slot(group)) as *mut u8) };
    let ret = match follower {
        None => {
            // SAFETY: the caller vouches for the arguments.
            let ret = unsafe { gadget(req.nr, &req.args) };
            let variants = crate::variants();
            // SAFETY: as above; the output holds what the kernel wrote.
            unsafe {
                with_record(req, ret, |parts| {
                    ring.publish_parts(variants, FAST_ID | req.nr as u64, parts)
                })
            };
            ret
        }
        Some(index) => {
            let take = |buf: &mut Vec<u8>| {
                let id = ring.try_consume_into(index, buf)?;
                // SAFETY: as above.
                Some(unsafe { follow(req, id, buf) })
            };
            // At exit, after thread-local destructors ran (stdio flushing), with a fresh buffer.
            let taken = RECORD
                .try_with(|buf| take(&mut buf.borrow_mut()))
                .unwrap_or_else(|_| take(&mut Vec::new()));
            match taken {
                Some(ret) => ret,
                None => {
                    // The leader ended before making this call: make it the ordinary way, so
                    // the monitor sees this variant go on where the leader did not.
                    BUSY.with(|b| b.set(0));
                    return None;
                }
            }
        }
    };
    BUSY.with(|b| b.set(0));
    Some(ret)
}

fn is_clock(nr: i64) -> bool {
    matches!(
        nr,
        libc::SYS_clock_gettime | libc::SYS_gettimeofday | libc::SYS_time
    )
}

/// Whether the monitor marked this process multi-threaded (`threaded_flag`).
fn threaded(map: &memmap2::MmapMut) -> bool {
    // Beyond the slots the fd classes are unknown too, so nothing but identity is fast.
    crate::try_process().is_none_or(|p| {
        let at = threaded_flag(p);
        map[at..at + 8].iter().any(|&b| b != 0)
    })
}

/// The class byte of `fd` in this process's table, `None` if the fast path cannot take it.
fn fd_class(map: &memmap2::MmapMut, fd: i32) -> Option<u8> {
    let process = crate::try_process()?;
    let fd = usize::try_from(fd).ok().filter(|&fd| fd < FD_CLASSES)?;
    let class = map[fd_class_slot(process) + fd];
    (class != FD_UNKNOWN).then_some(class)
}

/// Most buffers (iovecs) a fast-path call may have, in or out.
pub const MAX_BUFFERS: usize = 16;
/// Most parts of a record: header, inputs and outputs.
const MAX_PARTS: usize = 1 + 2 * MAX_BUFFERS;
/// Header words: counts, result, output length, then up to 2 + `MAX_BUFFERS` scalars.
const MAX_HEADER_WORDS: usize = 4 + 2 + MAX_BUFFERS;

/// The leader's record: scalar count, input length, result, output length, then the scalars,
/// the input bytes and the output bytes. Given to `sink` as parts, without copying.
unsafe fn with_record<R>(req: &Request, ret: i64, sink: impl FnOnce(&[&[u8]]) -> R) -> R {
    let input_len: usize = req.input.iter().map(|&(_, n)| n).sum();
    let mut outputs: [&[u8]; MAX_BUFFERS] = [&[]; MAX_BUFFERS];
    let mut nout = 0;
    let mut output_len = 0;
    match req.output {
        Output::None => {}
        Output::Fixed(p, n) => {
            if ret >= 0 && !p.is_null() {
                // SAFETY: the struct the kernel filled.
                outputs[0] = unsafe { std::slice::from_raw_parts(p, n) };
                nout = 1;
                output_len = n;
            }
        }
        Output::Scatter(bufs) => {
            let mut left = ret.max(0) as usize;
            for &(p, n) in bufs.iter().take(MAX_BUFFERS) {
                let take = n.min(left);
                if take > 0 {
                    // SAFETY: the kernel wrote `ret` bytes over the buffers in order.
                    outputs[nout] = unsafe { std::slice::from_raw_parts(p, take) };
                    nout += 1;
                    output_len += take;
                }
                left -= take;
            }
        }
    }
    let mut words = [0u64; MAX_HEADER_WORDS];
    let nscalars = req.scalars.len().min(MAX_HEADER_WORDS - 4);
    words[..4].copy_from_slice(&[
        nscalars as u64,
        input_len as u64,
        ret as u64,
        output_len as u64,
    ]);
    words[4..4 + nscalars].copy_from_slice(&req.scalars[..nscalars]);
    // SAFETY: plain integers viewed as bytes.
    let header =
        unsafe { std::slice::from_raw_parts(words.as_ptr() as *const u8, (4 + nscalars) * 8) };
    let mut parts: [&[u8]; MAX_PARTS] = [&[]; MAX_PARTS];
    parts[0] = header;
    let mut n = 1;
    for &(p, len) in req.input.iter().take(MAX_BUFFERS) {
        if len > 0 {
            // SAFETY: the caller's readable input.
            parts[n] = unsafe { std::slice::from_raw_parts(p, len) };
            n += 1;
        }
    }
    for out in &outputs[..nout] {
        parts[n] = out;
        n += 1;
    }
    sink(&parts[..n])
}

#[cfg(test)]
unsafe fn encode(req: &Request, ret: i64) -> Vec<u8> {
    unsafe { with_record(req, ret, |parts| parts.concat()) }
}

/// A follower: checks its call against the leader's record, then takes the leader's results.
unsafe fn follow(req: &Request, id: u64, record: &[u8]) -> i64 {
    let own_nr = req.nr as u64;
    let fd = match req.class {
        Class::Local => u64::MAX,
        Class::Read(fd) | Class::Write(fd) => fd as u64,
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
    if id & !0xffff_ffff != FAST_ID || id != FAST_ID | own_nr || record.len() < 32 {
        diverged(id & 0xffff_ffff, u64::MAX, &[]);
    }
    let word = |i: usize| u64::from_ne_bytes(record[i * 8..i * 8 + 8].try_into().unwrap());
    let (nscalars, input_len, ret, output_len) = (
        word(0) as usize,
        word(1) as usize,
        word(2) as i64,
        word(3) as usize,
    );
    if nscalars != req.scalars.len()
        || record.len() != 32 + nscalars * 8 + input_len + output_len
        || (0..nscalars).any(|i| word(4 + i) != req.scalars[i])
    {
        diverged(own_nr, u64::MAX, &[]);
    }
    // The bytes handed to the kernel, compared in order.
    let mut at = 32 + nscalars * 8;
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
    if ret == -(libc::EPIPE as i64) && raises_sigpipe(req) {
        // SAFETY: as `handshake`.
        unsafe { libc::syscall(HANDSHAKE_NR, OP_SIGPIPE) };
    }
    let bytes = &record[at..];
    match req.output {
        Output::None => {}
        Output::Fixed(p, n) => {
            if !p.is_null() && bytes.len() == n {
                // SAFETY: the caller's writable struct.
                unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), p, n) };
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

/// Whether an EPIPE from this call came with SIGPIPE (writes, unless sent with MSG_NOSIGNAL).
fn raises_sigpipe(req: &Request) -> bool {
    matches!(req.class, Class::Write(_))
        && !(req.nr == libc::SYS_sendto && req.args[3] & libc::MSG_NOSIGNAL as u64 != 0)
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
unsafe fn gadget(nr: i64, a: &[u64; 6]) -> i64 {
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
        let out = [(buf.as_mut_ptr(), buf.len())];
        let req = Request {
            nr: libc::SYS_read,
            args: [0, buf.as_mut_ptr() as u64, 8, 0, 0, 0],
            class: Class::Read(0),
            scalars: &[0, 8],
            input: &[],
            output: Output::Scatter(&out),
        };
        assert_eq!(level(), FAST_OFF);
        assert!(unsafe { call(&req) }.is_none());
    }

    #[test]
    fn records_carry_scalars_input_result_and_output() {
        let data = *b"hello";
        let input = [(data.as_ptr(), data.len())];
        let req = Request {
            nr: libc::SYS_write,
            args: [1, 0, 5, 0, 0, 0],
            class: Class::Write(1),
            scalars: &[1, 5],
            input: &input,
            output: Output::None,
        };
        let rec = unsafe { encode(&req, 5) };
        assert_eq!(rec.len(), 32 + 16 + 5);
        // A follower making the same call gets the leader's result without a syscall.
        let ret = unsafe { follow(&req, FAST_ID | libc::SYS_write as u64, &rec) };
        assert_eq!(ret, 5);
    }

    #[test]
    fn a_follower_copies_the_leaders_output() {
        let mut leader = *b"abcdefgh";
        let lbufs = [
            (leader.as_mut_ptr(), 3),
            (unsafe { leader.as_mut_ptr().add(3) }, 5),
        ];
        let req = Request {
            nr: libc::SYS_readv,
            args: [0; 6],
            class: Class::Read(3),
            scalars: &[3, 2],
            input: &[],
            output: Output::Scatter(&lbufs),
        };
        let rec = unsafe { encode(&req, 6) };
        let mut mine = [0u8; 8];
        let mbufs = [
            (mine.as_mut_ptr(), 3),
            (unsafe { mine.as_mut_ptr().add(3) }, 5),
        ];
        let freq = Request {
            output: Output::Scatter(&mbufs),
            ..req
        };
        let ret = unsafe { follow(&freq, FAST_ID | libc::SYS_readv as u64, &rec) };
        assert_eq!(ret, 6);
        assert_eq!(&mine, b"abcdef\0\0");
    }

    #[test]
    fn differences_are_located() {
        assert_eq!(first_difference(b"abc", b"abc"), None);
        assert_eq!(first_difference(b"abc", b"abd"), Some(2));
        assert_eq!(first_difference(b"ab", b"abc"), Some(2));
    }
}
