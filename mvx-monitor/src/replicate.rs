//! Copying what the leader's syscall produced (out-buffers) into the followers.

use crate::capture::{read_iovecs, read_msghdr, Captured, Value, MSGHDR_SIZE};
use crate::table::{Arg, Len};
use crate::tracee::{RawCall, Tracee};
use anyhow::{Context, Result};

/// What the leader's syscall wrote into one argument.
#[derive(Clone, Debug)]
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
    Msg {
        arg: usize,
        name: Vec<u8>,
        data: Vec<u8>,
        control: Vec<u8>,
        flags: u32,
    },
}

/// Everything the leader's syscall wrote, ready to be applied to each follower.
#[derive(Clone, Debug, Default)]
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
        if ret < 0 {
            return Ok(Outputs(out));
        }
        let call = &captured.raw;
        for (i, arg) in args.iter().enumerate() {
            let ptr = call.args[i];
            // NULL, or an argument the kernel did not read in this call.
            if ptr == 0 || matches!(captured.values.get(i), Some(Value::Ignored(_))) {
                continue;
            }
            let item = match arg {
                Arg::Out(len) | Arg::InOut(len) => {
                    let Some(n) = output_len(leader, *len, captured, ret)? else {
                        continue;
                    };
                    Output::Flat {
                        arg: i,
                        data: leader.read_bytes(ptr, n)?,
                    }
                }
                Arg::IovOut { count } => Output::Iov {
                    arg: i,
                    count_arg: *count as usize,
                    data: gather(leader, ptr, call.args[*count as usize], ret as usize)?,
                },
                Arg::MsgOut => {
                    let m = read_msghdr(leader, ptr).context("leader msghdr")?;
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
                    Output::Msg {
                        arg: i,
                        name,
                        data: gather(leader, m.iov, m.iovlen, ret as usize)?,
                        control,
                        flags: m.flags,
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
            .filter_map(|item| match item {
                Output::Msg { control, .. } => Some(scm_rights_fds(control)),
                _ => None,
            })
            .flatten()
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
                Output::Msg {
                    arg,
                    name,
                    data,
                    control,
                    flags,
                } => apply_msg(follower, call.args[*arg], name, data, control, *flags)?,
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
fn output_len(leader: &Tracee, len: Len, captured: &Captured, ret: i64) -> Result<Option<usize>> {
    let call = &captured.raw;
    Ok(match len {
        Len::RetUpTo(cap) => Some((ret as usize).min(call.args[cap as usize] as usize)),
        Len::RetTimes(size) => Some(ret as usize * size),
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

fn apply_msg(
    t: &Tracee,
    hdr: u64,
    name: &[u8],
    data: &[u8],
    control: &[u8],
    flags: u32,
) -> Result<()> {
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

    #[test]
    fn fds_of_scm_rights_messages() {
        let fds: Vec<u8> = [5i32, 9, 12].iter().flat_map(|f| f.to_ne_bytes()).collect();
        let mut control = cmsg(libc::SOL_SOCKET, libc::SCM_CREDENTIALS, &[0; 12]);
        control.extend(cmsg(libc::SOL_SOCKET, libc::SCM_RIGHTS, &fds));
        assert_eq!(scm_rights_fds(&control), vec![5, 9, 12]);
        assert!(scm_rights_fds(&control[..10]).is_empty());
    }
}
