//! Reading a syscall's arguments out of a stopped variant, as the table describes them.

use crate::table::{Arg, Len, Spec};
use crate::tracee::{RawCall, Tracee};

/// Buffers larger than this are compared by length and a digest of their content.
const MAX_COMPARED: usize = 64 << 20;

/// One argument as captured at syscall entry: what is compared and what is shown.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Value {
    /// A value compared as is.
    Int(u64),
    /// A pointer whose target is not compared; `0` is NULL.
    Ptr(u64),
    /// Memory contents compared byte for byte.
    Bytes(Vec<u8>),
    /// An array of strings (argv, envp).
    Strings(Vec<Vec<u8>>),
    /// An out-buffer: only where it is matters, and only for replication.
    Out(u64),
    /// A value shown in reports but never compared (timeouts).
    Ignored(u64),
    /// Memory that could not be read (the kernel will answer EFAULT).
    Unreadable(u64),
}

impl Value {
    /// Whether two variants' values of one argument are equivalent.
    pub fn equivalent(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Ptr(a), Value::Ptr(b)) | (Value::Out(a), Value::Out(b)) => {
                (*a == 0) == (*b == 0)
            }
            (Value::Unreadable(a), Value::Unreadable(b)) => (*a == 0) == (*b == 0),
            (Value::Ignored(_), Value::Ignored(_)) => true,
            (a, b) => a == b,
        }
    }
}

/// A syscall captured at entry.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Captured {
    pub raw: RawCall,
    pub values: Vec<Value>,
}

/// Captures the arguments of `raw` according to `spec`.
pub fn capture(t: &Tracee, spec: &Spec, raw: RawCall) -> Captured {
    let unused = crate::table::unused_args(raw.nr, &raw.args);
    let values = spec
        .args
        .iter()
        .enumerate()
        .map(|(i, arg)| {
            if unused & (1 << i) != 0 {
                Value::Ignored(raw.args[i])
            } else {
                capture_one(t, arg, raw.args[i], &raw)
            }
        })
        .collect();
    Captured { raw, values }
}

/// A syscall the table lacks (denied everywhere): only its number is compared. How many
/// arguments it takes is unknown, so the registers may hold leftovers such as addresses,
/// which differ between variants by design.
pub fn capture_unknown(raw: RawCall) -> Captured {
    Captured {
        raw,
        values: raw.args.iter().map(|&a| Value::Ignored(a)).collect(),
    }
}

/// Captures every argument as a plain integer (pseudo-calls of trapped instructions).
pub fn capture_raw(raw: RawCall) -> Captured {
    Captured {
        raw,
        values: raw.args.iter().map(|&a| Value::Int(a)).collect(),
    }
}

fn capture_one(t: &Tracee, arg: &Arg, v: u64, raw: &RawCall) -> Value {
    let read = |len: usize| match t.read_bytes(v, len.min(MAX_COMPARED)) {
        Ok(b) => Value::Bytes(b),
        Err(_) => Value::Unreadable(v),
    };
    let bytes = |b: Option<Vec<u8>>| match b {
        Some(b) => Value::Bytes(b),
        None => Value::Unreadable(v),
    };
    match &arg.resolve(&raw.args) {
        Arg::Sel { .. } => unreachable!("resolved"),
        Arg::Int | Arg::Flags | Arg::Fd | Arg::DirFd | Arg::Pid | Arg::ClockId | Arg::Signal => {
            Value::Int(v)
        }
        Arg::Int32 => Value::Int(v as i32 as i64 as u64),
        Arg::Ptr => Value::Ptr(v),
        Arg::Timeout => Value::Ignored(v),
        Arg::FcntlArg => match raw.args[1] as i32 {
            libc::F_DUPFD
            | libc::F_DUPFD_CLOEXEC
            | libc::F_SETFD
            | libc::F_SETFL
            | libc::F_SETOWN
            | 10 // F_SETSIG
            | libc::F_SETLEASE
            | libc::F_NOTIFY
            | libc::F_SETPIPE_SZ
            | libc::F_ADD_SEALS => Value::Int(v),
            _ => Value::Ptr(v),
        },
        Arg::Out(_) | Arg::MsgOut | Arg::MmsgOut { .. } => Value::Out(v),
        _ if v == 0 => Value::Ptr(0),
        // The lengths shape where the leader's bytes land in each follower: compared, as the
        // fast path does.
        Arg::IovOut { count } => match read_iovecs(t, v, raw.args[*count as usize]) {
            Some(iov) => Value::Bytes(iov_lengths(&iov)),
            None => Value::Unreadable(v),
        },
        Arg::Path | Arg::Str => match t.read_cstr(v) {
            Ok(s) => Value::Bytes(s),
            Err(_) => Value::Unreadable(v),
        },
        Arg::StrArray => match read_str_array(t, v) {
            Some(list) => Value::Strings(list),
            None => Value::Unreadable(v),
        },
        Arg::In(len) | Arg::InOut(len) => match (entry_len(t, *len, raw, v).map(read), len) {
            (Some(Value::Bytes(mut b)), Len::ArgTimes(_, mvx_abi::size::POLLFD)) => {
                mvx_abi::size::clear_pollfd_revents(&mut b);
                Value::Bytes(b)
            }
            (Some(value), _) => value,
            (None, _) => Value::Unreadable(v),
        },
        Arg::EpollEvent => match t.read_bytes(v, 4) {
            Ok(events) => Value::Bytes(events),
            Err(_) => Value::Unreadable(v),
        },
        Arg::SockAddr { len_arg } => {
            match t.read_bytes(v, (raw.args[*len_arg as usize] as usize).min(128)) {
                Ok(b) => Value::Bytes(sockaddr_significant(&b).to_vec()),
                Err(_) => Value::Unreadable(v),
            }
        }
        Arg::UtimeTimes => match t.read_bytes(v, 32) {
            Ok(b) => Value::Bytes(utime_significant(b)),
            Err(_) => Value::Unreadable(v),
        },
        Arg::IovIn { count } => match read_iov_data(t, v, raw.args[*count as usize]) {
            Some(b) => Value::Bytes(b),
            None => Value::Unreadable(v),
        },
        Arg::MsgIn => match read_msg_in(t, v) {
            Some(parts) => Value::Strings(parts),
            None => Value::Unreadable(v),
        },
        Arg::MmsgIn { count } => match read_mmsg_in(t, v, raw.args[*count as usize]) {
            Some(parts) => Value::Strings(parts),
            None => Value::Unreadable(v),
        },
        Arg::InPart { at, len } => bytes(
            t.read_bytes(v, (*at + *len) as usize)
                .ok()
                .map(|b| b[*at as usize..].to_vec()),
        ),
        Arg::Timex => bytes(t.read_bytes(v, TIMEX_SIZE).ok().map(timex_significant)),
        Arg::SockFprog => bytes(read_sock_fprog(t, v)),
        Arg::HandleOut => bytes(t.read_bytes(v, 4).ok()),
        Arg::HandleIn => bytes(read_file_handle(t, v)),
        Arg::XattrArgsIn => bytes(read_xattr_args(t, v, true)),
        Arg::XattrArgsOut => bytes(read_xattr_args(t, v, false)),
    }
}

/// The size of `struct timex`.
pub const TIMEX_SIZE: usize = 208;

/// `struct timex` with only `modes` and the fields it selects kept: the kernel reads no other
/// (ntp_gettime leaves them uninitialised).
pub fn timex_significant(b: Vec<u8>) -> Vec<u8> {
    const ADJ_OFFSET_SS_READ: u32 = 0xa001;
    // (mode bit, offset, length) of the fields the kernel reads.
    const FIELDS: &[(u32, usize, usize)] = &[
        (0x0001, 8, 8),   // ADJ_OFFSET: offset
        (0x0002, 16, 8),  // ADJ_FREQUENCY: freq
        (0x0004, 24, 8),  // ADJ_MAXERROR: maxerror
        (0x0008, 32, 8),  // ADJ_ESTERROR: esterror
        (0x0010, 40, 4),  // ADJ_STATUS: status
        (0x0020, 48, 8),  // ADJ_TIMECONST: constant
        (0x0080, 48, 8),  // ADJ_TAI: constant
        (0x0100, 72, 16), // ADJ_SETOFFSET: time
        (0x4000, 88, 8),  // ADJ_TICK: tick
    ];
    if b.len() < TIMEX_SIZE {
        return b;
    }
    let modes = u32::from_ne_bytes(b[..4].try_into().unwrap());
    let mut out = vec![0u8; TIMEX_SIZE];
    out[..4].copy_from_slice(&b[..4]);
    if modes != ADJ_OFFSET_SS_READ {
        for &(bit, at, len) in FIELDS {
            if modes & bit != 0 {
                out[at..at + len].copy_from_slice(&b[at..at + len]);
            }
        }
    }
    out
}

/// A seccomp filter: its instructions (`struct sock_filter`, 8 bytes each), after its length.
fn read_sock_fprog(t: &Tracee, addr: u64) -> Option<Vec<u8>> {
    const BPF_MAXINSNS: usize = 4096;
    let hdr = t.read_bytes(addr, 16).ok()?;
    let len = u16::from_ne_bytes([hdr[0], hdr[1]]) as usize;
    let filter = u64::from_ne_bytes(hdr[8..16].try_into().unwrap());
    let mut out = hdr[..2].to_vec();
    if len > 0 && len <= BPF_MAXINSNS {
        out.extend(t.read_bytes(filter, len * 8).ok()?);
    }
    Some(out)
}

/// `struct file_handle`: `handle_bytes`, `handle_type`, then the handle (at most 128 bytes).
fn read_file_handle(t: &Tracee, addr: u64) -> Option<Vec<u8>> {
    const MAX_HANDLE_SZ: usize = 128;
    let n = t.read_u32(addr).ok()? as usize;
    t.read_bytes(addr, 8 + n.min(MAX_HANDLE_SZ)).ok()
}

/// `struct xattr_args` (value pointer, size, flags) as size and flags, followed by the
/// value's bytes when the kernel reads them (`with_value`).
fn read_xattr_args(t: &Tracee, addr: u64, with_value: bool) -> Option<Vec<u8>> {
    let b = t.read_bytes(addr, 16).ok()?;
    let value = u64::from_ne_bytes(b[..8].try_into().unwrap());
    let size = u32::from_ne_bytes(b[8..12].try_into().unwrap()) as usize;
    let mut out = b[8..16].to_vec();
    out.push(u8::from(value != 0));
    if with_value && value != 0 {
        out.extend(t.read_bytes(value, size.min(MAX_COMPARED)).ok()?);
    }
    Some(out)
}

/// The number of semaphores in System V set `semid`, from /proc/sysvipc/sem (the monitor's
/// IPC namespace, which is the variants' unless they unshared one).
pub fn sysv_nsems(semid: i32) -> Option<usize> {
    let text = std::fs::read_to_string("/proc/sysvipc/sem").ok()?;
    text.lines().skip(1).find_map(|line| {
        let cols: Vec<&str> = line.split_whitespace().collect();
        (cols.get(1)?.parse::<i32>().ok()? == semid)
            .then(|| cols.get(3)?.parse().ok())
            .flatten()
    })
}

/// utimensat's two timespecs with the ignored seconds of UTIME_NOW/UTIME_OMIT entries cleared.
pub fn utime_significant(mut b: Vec<u8>) -> Vec<u8> {
    const UTIME_NOW: i64 = (1 << 30) - 1;
    const UTIME_OMIT: i64 = (1 << 30) - 2;
    for half in b.chunks_mut(16).filter(|h| h.len() == 16) {
        let nsec = i64::from_ne_bytes(half[8..16].try_into().unwrap());
        if nsec == UTIME_NOW || nsec == UTIME_OMIT {
            half[..8].fill(0);
        }
    }
    b
}

/// The bytes of a sockaddr that identify the address: uninitialised padding (sin_zero, bytes
/// after a unix socket path's NUL) differs between variants and must not count.
pub fn sockaddr_significant(b: &[u8]) -> &[u8] {
    if b.len() < 2 {
        return b;
    }
    let family = u16::from_ne_bytes([b[0], b[1]]) as i32;
    let end = match family {
        libc::AF_INET => 8,
        libc::AF_INET6 => 28,
        // A pathname socket ends at its NUL; an abstract one (leading NUL) uses every byte.
        libc::AF_UNIX if b.len() > 2 && b[2] != 0 => {
            2 + b[2..].iter().position(|&c| c == 0).unwrap_or(b.len() - 2)
        }
        _ => b.len(),
    };
    &b[..end.min(b.len())]
}

/// The length of a buffer as known at syscall entry (`None` if it depends on the result or
/// cannot be read).
pub fn entry_len(t: &Tracee, len: Len, raw: &RawCall, ptr: u64) -> Option<usize> {
    match len {
        Len::Arg(i) => Some(raw.args[i as usize] as usize),
        Len::Fixed(n) => Some(n),
        Len::ArgTimes(i, size) => (raw.args[i as usize] as usize).checked_mul(size),
        Len::DerefArg(i) => match raw.args[i as usize] {
            0 => Some(0),
            p => t.read_u32(p).ok().map(|n| n as usize),
        },
        Len::ArgPlus(i, n) => (raw.args[i as usize] as usize).checked_add(n),
        Len::Versioned(default) => versioned_len(t, ptr, default),
        Len::Field { arg, at } => match raw.args[arg as usize] {
            0 => None,
            p => t.read_u32(p + at as u64).ok().map(|n| n as usize),
        },
        Len::NodeMask(i) => Some(node_mask_len(raw.args[i as usize])),
        Len::SemSet(i) => sysv_nsems(raw.args[i as usize] as i32).map(|n| n * 2),
        Len::RetUpTo(_) | Len::RetTimes(_) | Len::RetPlus(_) => None,
    }
}

/// A versioned struct's own size (its first `u32`; 0 means the first version), at most a page.
pub fn versioned_len(t: &Tracee, ptr: u64, default: usize) -> Option<usize> {
    match t.read_u32(ptr).ok()? as usize {
        0 => Some(default),
        n => Some(n.min(4096)),
    }
}

/// Bytes of a node mask of `maxnode` bits: the kernel uses `maxnode - 1` bits, in whole longs.
pub fn node_mask_len(maxnode: u64) -> usize {
    const MAX_BITS: u64 = 4096 * 8;
    let bits = maxnode.saturating_sub(1).min(MAX_BITS);
    bits.div_ceil(64) as usize * 8
}

fn read_str_array(t: &Tracee, mut addr: u64) -> Option<Vec<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        let p = t.read_u64(addr).ok()?;
        if p == 0 {
            return Some(out);
        }
        out.push(t.read_cstr(p).ok()?);
        addr += 8;
        if out.len() > 1 << 16 {
            return None;
        }
    }
}

/// `struct iovec` entries (base, len) of an array.
pub fn read_iovecs(t: &Tracee, addr: u64, count: u64) -> Option<Vec<(u64, usize)>> {
    if count > 1024 {
        return None;
    }
    let raw = t.read_bytes(addr, count as usize * 16).ok()?;
    Some(
        raw.chunks_exact(16)
            .map(|c| {
                let base = u64::from_ne_bytes(c[..8].try_into().unwrap());
                let len = u64::from_ne_bytes(c[8..].try_into().unwrap()) as usize;
                (base, len)
            })
            .collect(),
    )
}

/// The lengths of an iovec array, as compared and shown (`iov_len [3, 5]`).
pub fn iov_lengths(iov: &[(u64, usize)]) -> Vec<u8> {
    let lens: Vec<usize> = iov.iter().map(|&(_, n)| n).collect();
    format!("iov_len {lens:?}").into_bytes()
}

fn read_iov_data(t: &Tracee, addr: u64, count: u64) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    for (base, len) in read_iovecs(t, addr, count)? {
        data.extend(t.read_bytes(base, len.min(MAX_COMPARED)).ok()?);
    }
    Some(data)
}

/// The fields of a `struct msghdr` (x86_64 layout).
#[derive(Clone, Copy, Debug)]
pub struct MsgHdr {
    pub name: u64,
    pub namelen: u32,
    pub iov: u64,
    pub iovlen: u64,
    pub control: u64,
    pub controllen: u64,
    pub flags: u32,
}

pub const MSGHDR_SIZE: usize = 56;

pub fn read_msghdr(t: &Tracee, addr: u64) -> Option<MsgHdr> {
    let b = t.read_bytes(addr, MSGHDR_SIZE).ok()?;
    let u64_at = |o: usize| u64::from_ne_bytes(b[o..o + 8].try_into().unwrap());
    let u32_at = |o: usize| u32::from_ne_bytes(b[o..o + 4].try_into().unwrap());
    Some(MsgHdr {
        name: u64_at(0),
        namelen: u32_at(8),
        iov: u64_at(16),
        iovlen: u64_at(24),
        control: u64_at(32),
        controllen: u64_at(40),
        flags: u32_at(48),
    })
}

/// The size of `struct mmsghdr` (a msghdr and the kernel's `msg_len`, padded).
pub const MMSGHDR_SIZE: u64 = 64;
/// The kernel handles at most this many messages per sendmmsg/recvmmsg.
pub const UIO_MAXIOV: u64 = 1024;

/// sendmmsg's messages, each as [name, data, control, flags].
fn read_mmsg_in(t: &Tracee, addr: u64, vlen: u64) -> Option<Vec<Vec<u8>>> {
    let mut parts = Vec::new();
    for i in 0..vlen.min(UIO_MAXIOV) {
        parts.extend(read_msg_in(t, addr + i * MMSGHDR_SIZE)?);
    }
    Some(parts)
}

/// sendmsg's message as [name, data, control, flags] for comparison.
fn read_msg_in(t: &Tracee, addr: u64) -> Option<Vec<Vec<u8>>> {
    let m = read_msghdr(t, addr)?;
    let name = if m.name == 0 {
        vec![]
    } else {
        t.read_bytes(m.name, m.namelen as usize).ok()?
    };
    let data = read_iov_data(t, m.iov, m.iovlen)?;
    let control = if m.control == 0 {
        vec![]
    } else {
        t.read_bytes(m.control, m.controllen.min(1 << 16) as usize)
            .ok()?
    };
    Some(vec![name, data, control, m.flags.to_ne_bytes().to_vec()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_compare_by_nullness_only() {
        assert!(Value::Ptr(0x1000).equivalent(&Value::Ptr(0x2000)));
        assert!(!Value::Ptr(0).equivalent(&Value::Ptr(0x2000)));
        assert!(Value::Out(0x10).equivalent(&Value::Out(0x20)));
    }

    #[test]
    fn buffers_compare_by_content() {
        assert!(Value::Bytes(b"abc".to_vec()).equivalent(&Value::Bytes(b"abc".to_vec())));
        assert!(!Value::Bytes(b"abc".to_vec()).equivalent(&Value::Bytes(b"abd".to_vec())));
        assert!(!Value::Int(1).equivalent(&Value::Int(2)));
    }

    #[test]
    fn sockaddr_padding_is_ignored() {
        let mut a = vec![1u8, 0];
        a.extend_from_slice(b"/run/sock\0\0\0");
        let mut b = a.clone();
        b[13] = b'%';
        assert_eq!(sockaddr_significant(&a), sockaddr_significant(&b));
        assert_eq!(sockaddr_significant(&a), b"\x01\x00/run/sock");
        let inet = [2u8, 0, 0, 80, 127, 0, 0, 1, 9, 9, 9, 9, 9, 9, 9, 9];
        assert_eq!(sockaddr_significant(&inet).len(), 8);
    }

    #[test]
    fn reads_own_memory_through_the_tracee_layer() {
        // process_vm_readv on ourselves exercises the same code path as on a variant.
        let me = Tracee::new(nix::unistd::getpid());
        let s = std::ffi::CString::new("hello").unwrap();
        assert_eq!(me.read_cstr(s.as_ptr() as u64).unwrap(), b"hello");
        let iov = [libc::iovec {
            iov_base: s.as_ptr() as *mut libc::c_void,
            iov_len: 3,
        }];
        assert_eq!(
            read_iov_data(&me, iov.as_ptr() as u64, 1).unwrap(),
            b"hel".to_vec()
        );
    }
}
