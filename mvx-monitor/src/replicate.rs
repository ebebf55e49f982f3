//! Copying what the leader's syscall produced (out-buffers) into the followers.

use crate::capture::{
    node_mask_len, read_iovecs, read_msghdr, sysv_nsems, versioned_len, Captured, Value,
    MMSGHDR_SIZE, MSGHDR_SIZE, TIMEX_SIZE,
};
use crate::table::{Arg, Len};
use crate::tracee::{RawCall, Tracee};
use anyhow::{Context, Result};

/// What the leader's syscall wrote into one argument.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
enum Output {
    /// Plain memory at the argument's pointer.
    Flat { arg: usize, data: Vec<u8> },
    /// Bytes scattered over the argument's iovec array.
    Iov {
        arg: usize,
        count_arg: usize,
        data: Vec<u8>,
    },
    /// A received message: name, data, control and the header fields the kernel updates.
    Msg { arg: usize, msg: RecvMsg },
    /// Messages received by recvmmsg, the first ones of the argument's `struct mmsghdr` array.
    Mmsg { arg: usize, msgs: Vec<RecvMsg> },
    /// The `msg_len` the kernel wrote into the first entries of sendmmsg's array.
    MsgLens { arg: usize, lens: Vec<u32> },
    /// Memory behind a pointer held at byte `at` of the struct the argument points to (the
    /// value buffer of `struct xattr_args`): written through each variant's own pointer.
    Indirect { arg: usize, at: u64, data: Vec<u8> },
}

/// What the kernel wrote for one received message.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
struct RecvMsg {
    name: Vec<u8>,
    data: Vec<u8>,
    control: Vec<u8>,
    flags: u32,
    /// recvmmsg's `msg_len` (the bytes received); recvmsg returns it instead.
    len: u32,
}

/// Everything the leader's syscall wrote, ready to be applied to each follower.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Outputs(Vec<Output>);

impl Outputs {
    /// Reads the leader's out-buffers after its syscall returned `ret`; `args` describes the
    /// call's arguments and `captured` is the leader's call as captured at entry.
    pub fn collect(
        leader: &Tracee,
        args: &[Arg],
        captured: &Captured,
        ret: i64,
    ) -> Result<Outputs> {
        let mut out = Vec::new();
        let call = &captured.raw;
        for (i, arg) in args.iter().enumerate() {
            let ptr = call.args[i];
            // NULL, or an argument the kernel did not read in this call.
            if ptr == 0 || matches!(captured.values.get(i), Some(Value::Ignored(_))) {
                continue;
            }
            let arg = arg.resolve(&call.args);
            if ret < 0 {
                // The one output written on failure: the size name_to_handle_at asks for.
                if arg == Arg::HandleOut && ret == -(libc::EOVERFLOW as i64) {
                    out.push(Output::Flat {
                        arg: i,
                        data: leader.read_bytes(ptr, 4)?,
                    });
                }
                continue;
            }
            let item = match arg {
                Arg::Out(len) | Arg::InOut(len) => {
                    let Some(n) = output_len(leader, len, captured, ret, ptr)? else {
                        continue;
                    };
                    Output::Flat {
                        arg: i,
                        data: leader.read_bytes(ptr, n)?,
                    }
                }
                Arg::IovOut { count } => Output::Iov {
                    arg: i,
                    count_arg: count as usize,
                    data: gather(leader, ptr, call.args[count as usize], ret as usize)?,
                },
                Arg::MsgOut => Output::Msg {
                    arg: i,
                    msg: received(leader, ptr, ret as u32)?,
                },
                Arg::MmsgOut { .. } => Output::Mmsg {
                    arg: i,
                    msgs: (0..ret as u64)
                        .map(|k| {
                            let hdr = ptr + k * MMSGHDR_SIZE;
                            received(leader, hdr, leader.read_u32(hdr + MSGHDR_SIZE as u64)?)
                        })
                        .collect::<Result<_>>()?,
                },
                Arg::MmsgIn { .. } => Output::MsgLens {
                    arg: i,
                    lens: (0..ret as u64)
                        .map(|k| leader.read_u32(ptr + k * MMSGHDR_SIZE + MSGHDR_SIZE as u64))
                        .collect::<Result<_>>()?,
                },
                Arg::Timex => Output::Flat {
                    arg: i,
                    data: leader.read_bytes(ptr, TIMEX_SIZE)?,
                },
                Arg::HandleOut => {
                    // handle_bytes and handle_type, then at most the capacity passed in.
                    let capacity = match captured.values.get(i) {
                        Some(Value::Bytes(b)) if b.len() == 4 => {
                            u32::from_ne_bytes(b[..4].try_into().unwrap()) as usize
                        }
                        _ => 0,
                    };
                    let written = leader.read_u32(ptr)? as usize;
                    Output::Flat {
                        arg: i,
                        data: leader.read_bytes(ptr, 8 + written.min(capacity))?,
                    }
                }
                Arg::XattrArgsOut => {
                    let value = leader.read_u64(ptr)?;
                    let size = leader.read_u32(ptr + 8)? as usize;
                    if value == 0 || size == 0 {
                        continue;
                    }
                    Output::Indirect {
                        arg: i,
                        at: 0,
                        data: leader.read_bytes(value, (ret as usize).min(size))?,
                    }
                }
                _ => continue,
            };
            out.push(item);
        }
        Ok(Outputs(out))
    }

    /// The plain memory output for argument `arg`.
    pub fn flat(&self, arg: usize) -> Option<&[u8]> {
        self.0.iter().find_map(|item| match item {
            Output::Flat { arg: a, data } if *a == arg => Some(data.as_slice()),
            _ => None,
        })
    }

    /// The fds a received message carried (SCM_RIGHTS control messages), in order.
    pub fn received_fds(&self) -> Vec<i32> {
        self.0
            .iter()
            .flat_map(|item| match item {
                Output::Msg { msg, .. } => scm_rights_fds(&msg.control),
                Output::Mmsg { msgs, .. } => msgs
                    .iter()
                    .flat_map(|m| scm_rights_fds(&m.control))
                    .collect(),
                _ => vec![],
            })
            .collect()
    }

    /// Rewrites the plain memory output for argument `arg` (per-variant translation).
    pub fn map_flat(&mut self, arg: usize, f: impl Fn(&mut [u8])) {
        for item in &mut self.0 {
            if let Output::Flat { arg: a, data } = item {
                if *a == arg {
                    f(data);
                }
            }
        }
    }

    /// Writes the leader's outputs into a follower stopped at the same syscall.
    pub fn apply(&self, follower: &Tracee, call: &RawCall) -> Result<()> {
        for item in &self.0 {
            match item {
                Output::Flat { arg, data } => {
                    let ptr = call.args[*arg];
                    if ptr != 0 {
                        follower.write_bytes(ptr, data)?;
                    }
                }
                Output::Iov {
                    arg,
                    count_arg,
                    data,
                } => scatter(follower, call.args[*arg], call.args[*count_arg], data)?,
                Output::Msg { arg, msg } => apply_msg(follower, call.args[*arg], msg)?,
                Output::Mmsg { arg, msgs } => {
                    for (k, msg) in msgs.iter().enumerate() {
                        let hdr = call.args[*arg] + k as u64 * MMSGHDR_SIZE;
                        apply_msg(follower, hdr, msg)?;
                        follower.write_bytes(hdr + MSGHDR_SIZE as u64, &msg.len.to_ne_bytes())?;
                    }
                }
                Output::MsgLens { arg, lens } => {
                    for (k, len) in lens.iter().enumerate() {
                        let at = call.args[*arg] + k as u64 * MMSGHDR_SIZE + MSGHDR_SIZE as u64;
                        follower.write_bytes(at, &len.to_ne_bytes())?;
                    }
                }
                Output::Indirect { arg, at, data } => {
                    let ptr = follower.read_u64(call.args[*arg] + at)?;
                    if ptr != 0 {
                        follower.write_bytes(ptr, data)?;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The fds in the SCM_RIGHTS messages of a control buffer (`struct cmsghdr`: a `size_t`
/// length, then level and type as `int`s, then data, each message aligned to 8 bytes).
fn scm_rights_fds(control: &[u8]) -> Vec<i32> {
    const HEADER: usize = 16;
    let mut fds = Vec::new();
    let mut at = 0;
    while at + HEADER <= control.len() {
        let len = u64::from_ne_bytes(control[at..at + 8].try_into().unwrap()) as usize;
        let level = i32::from_ne_bytes(control[at + 8..at + 12].try_into().unwrap());
        let kind = i32::from_ne_bytes(control[at + 12..at + 16].try_into().unwrap());
        if len < HEADER || at + len > control.len() {
            break;
        }
        if level == libc::SOL_SOCKET && kind == libc::SCM_RIGHTS {
            fds.extend(
                control[at + HEADER..at + len]
                    .chunks_exact(4)
                    .map(|c| i32::from_ne_bytes(c.try_into().unwrap())),
            );
        }
        at += len.div_ceil(8) * 8;
    }
    fds
}

/// Bytes written into an out-argument, known once the syscall returned.
fn output_len(
    leader: &Tracee,
    len: Len,
    captured: &Captured,
    ret: i64,
    ptr: u64,
) -> Result<Option<usize>> {
    let call = &captured.raw;
    Ok(match len {
        Len::RetUpTo(cap) => Some((ret as usize).min(call.args[cap as usize] as usize)),
        Len::RetTimes(size) => Some(ret as usize * size),
        Len::RetPlus(n) => Some(ret as usize + n),
        Len::ArgPlus(i, n) => Some(call.args[i as usize] as usize + n),
        Len::Versioned(default) => versioned_len(leader, ptr, default),
        Len::Field { arg, at } => match call.args[arg as usize] {
            0 => None,
            p => Some(leader.read_u32(p + at as u64)? as usize),
        },
        Len::NodeMask(i) => Some(node_mask_len(call.args[i as usize])),
        Len::SemSet(i) => sysv_nsems(call.args[i as usize] as i32).map(|n| n * 2),
        Len::Arg(i) => Some(call.args[i as usize] as usize),
        Len::Fixed(n) => Some(n),
        Len::ArgTimes(i, size) => Some(call.args[i as usize] as usize * size),
        Len::DerefArg(i) => match call.args[i as usize] {
            0 => None,
            // The kernel stores the object's full size but wrote at most the capacity passed in
            // (captured at entry, and compared equal in every variant).
            p => {
                let full = leader.read_u32(p)? as usize;
                let capacity = match captured.values.get(i as usize) {
                    Some(Value::Bytes(b)) if b.len() == 4 => {
                        u32::from_ne_bytes(b[..4].try_into().unwrap()) as usize
                    }
                    _ => 0,
                };
                Some(full.min(capacity))
            }
        },
    })
}

fn gather(t: &Tracee, iov: u64, count: u64, mut total: usize) -> Result<Vec<u8>> {
    let mut data = Vec::with_capacity(total);
    for (base, len) in read_iovecs(t, iov, count).context("reading iovecs")? {
        if total == 0 {
            break;
        }
        let n = len.min(total);
        data.extend(t.read_bytes(base, n)?);
        total -= n;
    }
    Ok(data)
}

fn scatter(t: &Tracee, iov: u64, count: u64, mut data: &[u8]) -> Result<()> {
    for (base, len) in read_iovecs(t, iov, count).context("reading iovecs")? {
        if data.is_empty() {
            break;
        }
        let n = len.min(data.len());
        t.write_bytes(base, &data[..n])?;
        data = &data[n..];
    }
    Ok(())
}

/// What the kernel wrote into the leader's message header at `hdr` and behind it, `len` bytes
/// of data received.
fn received(leader: &Tracee, hdr: u64, len: u32) -> Result<RecvMsg> {
    let m = read_msghdr(leader, hdr).context("leader msghdr")?;
    let name = if m.name == 0 {
        vec![]
    } else {
        leader.read_bytes(m.name, m.namelen as usize)?
    };
    let control = if m.control == 0 {
        vec![]
    } else {
        leader.read_bytes(m.control, m.controllen as usize)?
    };
    Ok(RecvMsg {
        name,
        data: gather(leader, m.iov, m.iovlen, len as usize)?,
        control,
        flags: m.flags,
        len,
    })
}

fn apply_msg(t: &Tracee, hdr: u64, msg: &RecvMsg) -> Result<()> {
    let RecvMsg {
        name,
        data,
        control,
        flags,
        ..
    } = msg;
    let m = read_msghdr(t, hdr).context("follower msghdr")?;
    if m.name != 0 {
        let n = name.len().min(m.namelen as usize);
        t.write_bytes(m.name, &name[..n])?;
    }
    t.write_bytes(hdr + 8, &(name.len() as u32).to_ne_bytes())?;
    scatter(t, m.iov, m.iovlen, data)?;
    if m.control != 0 {
        let n = control.len().min(m.controllen as usize);
        t.write_bytes(m.control, &control[..n])?;
    }
    t.write_bytes(hdr + 40, &(control.len() as u64).to_ne_bytes())?;
    t.write_bytes(hdr + 48, &flags.to_ne_bytes())?;
    debug_assert_eq!(MSGHDR_SIZE, 56);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmsg(level: i32, kind: i32, data: &[u8]) -> Vec<u8> {
        let len = 16 + data.len();
        let mut m = (len as u64).to_ne_bytes().to_vec();
        m.extend(level.to_ne_bytes());
        m.extend(kind.to_ne_bytes());
        m.extend(data);
        m.resize(len.div_ceil(8) * 8, 0);
        m
    }

    fn me() -> Tracee {
        Tracee::new(nix::unistd::getpid())
    }

    /// The leader's call as the monitor captured it, made with pointers into our memory.
    fn leader_call(nr: syscalls::Sysno, args: [u64; 6]) -> (&'static [Arg], Captured) {
        let spec = crate::table::lookup(nr.id() as u64).unwrap();
        let raw = RawCall {
            nr: nr.id() as u64,
            args,
        };
        (spec.args, crate::capture::capture(&me(), spec, raw))
    }

    /// `n` mmsghdrs, each with one 16-byte buffer of its own.
    struct Mmsgs {
        hdrs: Vec<libc::mmsghdr>,
        _iovs: Vec<libc::iovec>,
        bufs: Vec<[u8; 16]>,
    }

    fn mmsgs(n: usize, fill: u8) -> Mmsgs {
        let mut bufs = vec![[fill; 16]; n];
        let iovs: Vec<libc::iovec> = bufs
            .iter_mut()
            .map(|b| libc::iovec {
                iov_base: b.as_mut_ptr().cast(),
                iov_len: 16,
            })
            .collect();
        let hdrs = iovs
            .iter()
            .map(|iov| {
                // SAFETY: an all-zero mmsghdr is valid.
                let mut h: libc::mmsghdr = unsafe { std::mem::zeroed() };
                h.msg_hdr.msg_iov = iov as *const _ as *mut _;
                h.msg_hdr.msg_iovlen = 1;
                h.msg_len = 0xffff;
                h
            })
            .collect();
        Mmsgs {
            hdrs,
            _iovs: iovs,
            bufs,
        }
    }

    #[test]
    fn recvmmsg_messages_reach_the_follower() {
        let mut sv = [0i32; 2];
        // SAFETY: plain syscalls on our own fds and buffers.
        unsafe {
            assert_eq!(
                libc::socketpair(libc::AF_UNIX, libc::SOCK_DGRAM, 0, sv.as_mut_ptr()),
                0
            );
            libc::send(sv[1], b"alpha".as_ptr().cast(), 5, 0);
            libc::send(sv[1], b"bravo!".as_ptr().cast(), 6, 0);
        }
        let mut leader = mmsgs(3, 0);
        let args = [
            sv[0] as u64,
            leader.hdrs.as_mut_ptr() as u64,
            3,
            libc::MSG_DONTWAIT as u64,
            0,
            0,
        ];
        let (kinds, captured) = leader_call(syscalls::Sysno::recvmmsg, args);
        // SAFETY: the headers point to live buffers.
        let ret = unsafe {
            libc::recvmmsg(
                sv[0],
                leader.hdrs.as_mut_ptr(),
                3,
                libc::MSG_DONTWAIT,
                std::ptr::null_mut(),
            )
        };
        assert_eq!(ret, 2);
        let out = Outputs::collect(&me(), kinds, &captured, ret as i64).unwrap();
        let mut follower = mmsgs(3, 0xee);
        let mut fargs = args;
        fargs[1] = follower.hdrs.as_mut_ptr() as u64;
        out.apply(
            &me(),
            &RawCall {
                nr: captured.raw.nr,
                args: fargs,
            },
        )
        .unwrap();
        assert_eq!(&follower.bufs[0][..6], b"alpha\xee");
        assert_eq!(&follower.bufs[1][..7], b"bravo!\xee");
        assert_eq!(
            follower.bufs[2], [0xee; 16],
            "a third message was not received"
        );
        let lens: Vec<u32> = follower.hdrs.iter().map(|h| h.msg_len).collect();
        assert_eq!(lens, [5, 6, 0xffff]);
        // SAFETY: closing our own fds.
        unsafe {
            libc::close(sv[0]);
            libc::close(sv[1]);
        }
    }

    #[test]
    fn sendmmsg_lengths_reach_the_follower() {
        let mut leader = mmsgs(2, b'x');
        leader.hdrs[0].msg_len = 16;
        leader.hdrs[1].msg_len = 16;
        let args = [3, leader.hdrs.as_mut_ptr() as u64, 2, 0, 0, 0];
        let (kinds, captured) = leader_call(syscalls::Sysno::sendmmsg, args);
        let out = Outputs::collect(&me(), kinds, &captured, 1).unwrap();
        let mut follower = mmsgs(2, b'x');
        let mut fargs = args;
        fargs[1] = follower.hdrs.as_mut_ptr() as u64;
        out.apply(
            &me(),
            &RawCall {
                nr: captured.raw.nr,
                args: fargs,
            },
        )
        .unwrap();
        // Only the messages sent (the return value) have a length.
        assert_eq!(follower.hdrs[0].msg_len, 16);
        assert_eq!(follower.hdrs[1].msg_len, 0xffff);
    }

    #[test]
    fn msgrcv_replicates_the_type_and_the_text() {
        let mut leader = 9i64.to_ne_bytes().to_vec();
        leader.extend(b"hello......");
        let args = [1, leader.as_ptr() as u64, 11, 0, 0, 0];
        let (kinds, captured) = leader_call(syscalls::Sysno::msgrcv, args);
        let out = Outputs::collect(&me(), kinds, &captured, 5).unwrap();
        let mut follower = [0u8; 19];
        let mut fargs = args;
        fargs[1] = follower.as_mut_ptr() as u64;
        out.apply(
            &me(),
            &RawCall {
                nr: captured.raw.nr,
                args: fargs,
            },
        )
        .unwrap();
        assert_eq!(&follower[..8], &9i64.to_ne_bytes());
        assert_eq!(&follower[8..], b"hello\0\0\0\0\0\0");
    }

    #[test]
    fn name_to_handle_at_asks_for_its_size_on_overflow() {
        let leader: [u32; 2] = [24, 0];
        let path = c"/";
        let args = [
            libc::AT_FDCWD as u64,
            path.as_ptr() as u64,
            leader.as_ptr() as u64,
            0,
            0,
            0,
        ];
        let (kinds, captured) = leader_call(syscalls::Sysno::name_to_handle_at, args);
        let out = Outputs::collect(&me(), kinds, &captured, -(libc::EOVERFLOW as i64)).unwrap();
        let mut follower: [u32; 2] = [0, 0];
        let mut fargs = args;
        fargs[2] = follower.as_mut_ptr() as u64;
        out.apply(
            &me(),
            &RawCall {
                nr: captured.raw.nr,
                args: fargs,
            },
        )
        .unwrap();
        assert_eq!(follower[0], 24);
    }

    #[test]
    fn fds_of_scm_rights_messages() {
        let fds: Vec<u8> = [5i32, 9, 12].iter().flat_map(|f| f.to_ne_bytes()).collect();
        let mut control = cmsg(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &[0; 12]);
        control.extend(cmsg(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fds));
        assert_eq!(scm_rights_fds(&control), vec![5, 9, 12]);
        assert!(scm_rights_fds(&control[..10]).is_empty());
    }
}
