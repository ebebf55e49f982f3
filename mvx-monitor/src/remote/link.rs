//! The leader's host's side: links to the follower hosts, and the tracee operations the
//! monitor makes on remote tasks.
//!
//! A remote task is known to the monitor by a **host pid**: its pid on its host with the host's
//! number in the bits above the largest Linux pid ([`host_pid`]), so that it never equals a
//! local pid and every `Pid` of the monitor's tables stays unique. `tracee.rs`, `procfs.rs`
//! and the event loop route an operation on such a pid here; the rest of the monitor does not
//! know whether a task is remote.
//!
//! Operations that only change a stopped tracee (registers, memory writes, resume, signals)
//! are posted without waiting: the follower applies them in order, and its next report
//! shows their effect. Reads wait for the answer (one round trip). The registers of a stop
//! come with its report and are cached until the tracee is resumed.

use super::channel::{Channel, Incoming};
use super::tls::Security;
use super::wire::{self, Answer, Hello, Op, Regs, ToFollower, ToLeader, VariantStart};
use crate::capture::Captured;
use crate::events::{WaitEvent, Waited};
use anyhow::{bail, Context, Result};
use nix::unistd::Pid;
use std::collections::{HashMap, HashSet, VecDeque};
use std::net::{SocketAddr, ToSocketAddrs};
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Mutex;
use std::time::Duration;
use tracing::debug;

/// Linux pids are below 2^22 (`PID_MAX_LIMIT`); host numbers go above.
const HOST_SHIFT: u32 = 23;
const PID_MASK: i32 = (1 << HOST_SHIFT) - 1;

/// How long starting a run on a follower host may take.
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// The monitor's pid for `pid` on follower host `host`.
pub fn host_pid(host: usize, pid: i32) -> Pid {
    Pid::from_raw(((host as i32 + 1) << HOST_SHIFT) | (pid & PID_MASK))
}

/// The follower host and its own pid, if `pid` names a remote task.
pub fn split_pid(pid: Pid) -> Option<(usize, i32)> {
    let raw = pid.as_raw();
    (raw > PID_MASK).then(|| (((raw >> HOST_SHIFT) - 1) as usize, raw & PID_MASK))
}

/// The id a task is known by on its own host (its pid there).
pub fn own_pid(pid: Pid) -> i32 {
    split_pid(pid).map_or(pid.as_raw(), |(_, own)| own)
}

/// Whether `pid`, as a remote task of `task`'s host sees it, is that host's mvx (which sends
/// the signals mvx forwards there, as this host's mvx does here).
pub fn is_hosts_mvx(task: Pid, pid: i32) -> bool {
    let Some((host, _)) = split_pid(task) else {
        return false;
    };
    with_link(host, |l| Ok(l.agent_pid == pid)).unwrap_or(false)
}

/// Whether `pid` names a task on a follower host.
pub fn is_remote(pid: Pid) -> bool {
    split_pid(pid).is_some()
}

/// Where a follower host is, as the command line names it.
#[derive(Clone, Debug)]
pub struct RemoteSpec {
    /// `HOST:PORT` as given.
    pub address: String,
}

impl RemoteSpec {
    /// The host part, which the follower's certificate must name.
    pub fn host_name(&self) -> &str {
        let host = self
            .address
            .rsplit_once(':')
            .map_or(self.address.as_str(), |(h, _)| h);
        host.trim_start_matches('[').trim_end_matches(']')
    }

    fn socket_addr(&self) -> Result<SocketAddr> {
        self.address
            .to_socket_addrs()
            .with_context(|| format!("--remote {}: cannot resolve HOST:PORT", self.address))?
            .next()
            .with_context(|| format!("--remote {}: the name has no address", self.address))
    }
}

/// One follower host.
struct Link {
    label: String,
    channel: Channel<ToFollower, ToLeader>,
    next_id: u64,
    /// Reports read while waiting for an answer, for the event loop.
    pending: VecDeque<ToLeader>,
    /// Registers of stopped tracees, from their report (host pids).
    regs: HashMap<i32, Regs>,
    /// The call at a tracee's seccomp stop, captured on its host.
    captured: HashMap<i32, Captured>,
    /// Tracees that have not ended (their pid on the host).
    live: HashSet<i32>,
    /// The call a tracee made that its host answered from an expectation (`Answered`).
    answered: HashMap<i32, Captured>,
    /// Why the link is gone, once it is.
    lost: Option<String>,
    /// How long an answer may take before the link counts as stalled (the run's `--window`).
    timeout: Duration,
    /// The follower host's mvx (its session), which sends the signals forwarded there.
    agent_pid: i32,
}

static LINKS: Mutex<Vec<Link>> = Mutex::new(Vec::new());

fn with_link<T>(host: usize, f: impl FnOnce(&mut Link) -> Result<T>) -> Result<T> {
    let mut links = LINKS.lock().unwrap_or_else(|e| e.into_inner());
    let link = links
        .get_mut(host)
        .with_context(|| format!("no follower host number {host}"))?;
    f(link)
}

/// What an operation on a tracee of a lost link fails with (under ESRCH in the chain).
#[derive(Debug, thiserror::Error)]
#[error("the link to {host} is lost: {why}")]
pub struct LinkLost {
    pub host: String,
    pub why: String,
}

/// An error for an operation on a lost link: ESRCH, as for a tracee that vanished, which is
/// what the monitor makes of it, with `LinkLost` as its context so that the run can tell it
/// from a local failure.
fn lost_error(link: &Link) -> anyhow::Error {
    anyhow::Error::new(nix::errno::Errno::ESRCH).context(LinkLost {
        host: link.label.clone(),
        why: link.lost.clone().unwrap_or_else(|| "?".into()),
    })
}

/// The error of an operation on remote tracee `pid`, if its link is lost.
pub fn lost_error_of(pid: Pid) -> Option<anyhow::Error> {
    let (host, _) = split_pid(pid)?;
    with_link(host, |l| Ok(l.lost.is_some().then(|| lost_error(l))))
        .ok()
        .flatten()
}

/// Whether `e` comes from an operation on a lost link (under any context added since).
pub fn is_lost_link_error(e: &anyhow::Error) -> bool {
    e.downcast_ref::<LinkLost>().is_some()
}

impl Link {
    fn post(&mut self, op: Op) -> Result<()> {
        if self.lost.is_some() {
            return Err(lost_error(self));
        }
        self.channel.send(ToFollower::Post(op));
        Ok(())
    }

    fn call(&mut self, op: Op) -> Result<Answer> {
        if self.lost.is_some() {
            return Err(lost_error(self));
        }
        self.next_id += 1;
        let id = self.next_id;
        self.channel.send(ToFollower::Call { id, op });
        let deadline = std::time::Instant::now() + self.timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.channel.recv_timeout(left) {
                Some(Incoming::Msg(ToLeader::Reply { id: got, result })) if got == id => {
                    return result.map_err(wire::WireError::into_anyhow);
                }
                Some(Incoming::Msg(other)) => self.pending.push_back(other),
                Some(Incoming::Closed(why)) => {
                    self.lost = Some(why);
                    return Err(lost_error(self));
                }
                None => {
                    self.lost = Some(format!(
                        "no answer within {:.1}s (--window)",
                        self.timeout.as_secs_f64()
                    ));
                    return Err(lost_error(self));
                }
            }
        }
    }

    /// A reported wait status, as the monitor takes it: the registers of a stop are kept
    /// until the tracee is resumed.
    fn take_wait(
        &mut self,
        host: usize,
        pid: i32,
        status: i32,
        regs: Option<Regs>,
        captured: Option<Captured>,
    ) -> Waited {
        let waited = Waited::decode(host_pid(host, pid), status);
        match captured {
            Some(c) => self.captured.insert(pid, c),
            None => self.captured.remove(&pid),
        };
        match (&waited.stop, regs) {
            (Some(_), Some(r)) => {
                self.regs.insert(pid, r);
            }
            _ => {
                self.regs.remove(&pid);
            }
        }
        if waited.stop.is_some() {
            self.live.insert(pid);
        } else {
            self.live.remove(&pid);
        }
        waited
    }

    /// Blocks until tracee `pid` reports; other reports wait for the event loop.
    fn wait_for(&mut self, host: usize, pid: i32) -> Result<Waited> {
        let is_it = |m: &ToLeader| matches!(m, ToLeader::Wait { pid: p, .. } if *p == pid);
        if let Some(i) = self.pending.iter().position(is_it) {
            let Some(ToLeader::Wait {
                status,
                regs,
                captured,
                ..
            }) = self.pending.remove(i)
            else {
                unreachable!()
            };
            return Ok(self.take_wait(host, pid, status, regs, captured));
        }
        loop {
            if self.lost.is_some() {
                return Err(lost_error(self));
            }
            match self.channel.recv_timeout(self.timeout) {
                Some(Incoming::Msg(ToLeader::Wait {
                    pid: p,
                    status,
                    regs,
                    captured,
                })) if p == pid => {
                    return Ok(self.take_wait(host, pid, status, regs, captured));
                }
                Some(Incoming::Msg(other)) => self.pending.push_back(other),
                Some(Incoming::Closed(why)) => self.lost = Some(why),
                None => {
                    self.lost = Some(format!(
                        "no report within {:.1}s (--window)",
                        self.timeout.as_secs_f64()
                    ))
                }
            }
        }
    }

    /// The next report for the event loop, if any.
    fn next_report(&mut self) -> Option<ToLeader> {
        if let Some(m) = self.pending.pop_front() {
            return Some(m);
        }
        if self.lost.is_some() {
            return None;
        }
        match self.channel.try_recv()? {
            Incoming::Msg(m) => Some(m),
            Incoming::Closed(why) => {
                self.lost = Some(why);
                None
            }
        }
    }
}

/// Connects to a follower host and starts `variants` there. Returns the host's number and
/// the host pid of each variant.
pub fn open(
    spec: &RemoteSpec,
    security: &Security,
    hello: Hello,
    window: Duration,
) -> Result<(usize, Vec<Pid>)> {
    let addr = spec.socket_addr()?;
    let name = spec.host_name().to_string();
    let sec = security.clone();
    let channel: Channel<ToFollower, ToLeader> =
        Channel::start(
            "mvx-link",
            move || async move { sec.connect(addr, &name).await },
        )?;
    let n = hello.variants.len();
    channel.send(ToFollower::Hello(hello));
    let welcome = match channel.recv_timeout(START_TIMEOUT) {
        Some(Incoming::Msg(ToLeader::Welcome(w))) => w,
        Some(Incoming::Msg(ToLeader::Refused { reason })) => {
            bail!(
                "the follower host {} refused the run: {reason}",
                spec.address
            )
        }
        Some(Incoming::Msg(other)) => bail!(
            "the follower host {} answered out of turn: {other:?}",
            spec.address
        ),
        Some(Incoming::Closed(why)) => bail!(
            "the follower host {} closed the link before the run started: {why} (a certificate \
             it does not trust is refused this way)",
            spec.address
        ),
        None => bail!("the follower host {} did not answer", spec.address),
    };
    if welcome.pids.len() != n {
        bail!(
            "the follower host {} started {} variants, not {n}",
            spec.address,
            welcome.pids.len()
        );
    }
    let mut links = LINKS.lock().unwrap_or_else(|e| e.into_inner());
    let host = links.len();
    let label = format!("{} ({})", spec.address, welcome.host);
    debug!(host, %label, pids = ?welcome.pids, "follower host joined");
    links.push(Link {
        label,
        channel,
        next_id: 0,
        pending: VecDeque::new(),
        regs: HashMap::new(),
        captured: HashMap::new(),
        live: welcome.pids.iter().copied().collect(),
        lost: None,
        answered: HashMap::new(),
        timeout: window,
        agent_pid: welcome.agent_pid,
    });
    Ok((
        host,
        welcome.pids.iter().map(|&p| host_pid(host, p)).collect(),
    ))
}

/// A variant to start remotely, with its executable's hash.
pub fn variant_start(
    index: usize,
    program: &std::path::Path,
    layout: crate::spawn::Layout,
) -> Result<VariantStart> {
    use sha2::Digest;
    let bytes = std::fs::read(program)
        .with_context(|| format!("reading {} to hash it", program.display()))?;
    let sha256: [u8; 32] = sha2::Sha256::digest(&bytes).into();
    Ok(VariantStart {
        index: index as u32,
        program: program.as_os_str().as_encoded_bytes().to_vec(),
        sha256,
        layout: match layout {
            crate::spawn::Layout::Randomized => wire::Layout::Randomized,
            crate::spawn::Layout::Fixed => wire::Layout::Fixed,
            crate::spawn::Layout::Partitioned { index } => wire::Layout::Partitioned {
                index: index as u32,
            },
        },
    })
}

/// A host's label for reports (`ADDRESS (hostname)`), if `pid` is remote.
pub fn host_label(pid: Pid) -> Option<String> {
    let (host, _) = split_pid(pid)?;
    with_link(host, |l| Ok(l.label.clone())).ok()
}

/// This host's label for reports, beside follower hosts' (`this host (hostname)`).
pub fn this_host_label() -> String {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
    format!("this host ({})", name.trim())
}

/// Why the link of a remote task was lost, if it was.
pub fn lost_reason(pid: Pid) -> Option<String> {
    let (host, _) = split_pid(pid)?;
    with_link(host, |l| Ok(l.lost.clone())).ok().flatten()
}

/// The fds that become readable when a follower host has reported something.
pub fn wake_fds() -> Vec<RawFd> {
    let links = LINKS.lock().unwrap_or_else(|e| e.into_inner());
    links
        .iter()
        .filter(|l| l.lost.is_none())
        .map(|l| l.channel.wake_fd().as_raw_fd())
        .collect()
}

/// Whether any remote tracee has not ended.
pub fn any_live() -> bool {
    let links = LINKS.lock().unwrap_or_else(|e| e.into_inner());
    links.iter().any(|l| !l.live.is_empty())
}

/// The next wait status of a remote tracee, if one was reported. A lost link reports each of
/// its tracees as killed (the follower host kills them when it loses the link).
pub fn next_wait_status() -> Option<Waited> {
    let mut links = LINKS.lock().unwrap_or_else(|e| e.into_inner());
    for (host, link) in links.iter_mut().enumerate() {
        while let Some(msg) = link.next_report() {
            match msg {
                ToLeader::Wait {
                    pid,
                    status,
                    regs,
                    captured,
                } => {
                    return Some(link.take_wait(host, pid, status, regs, captured));
                }
                ToLeader::Answered { pid, id, captured } => {
                    link.answered.insert(pid, captured);
                    link.regs.remove(&pid);
                    return Some(Waited::ended(WaitEvent::Answered {
                        pid: host_pid(host, pid),
                        id,
                    }));
                }
                ToLeader::Failed { op, error } => {
                    debug!(host, %op, error = %error.text, "a posted operation failed");
                }
                other => debug!(host, ?other, "unexpected report"),
            }
        }
        if link.lost.is_some() {
            if let Some(&pid) = link.live.iter().next() {
                link.live.remove(&pid);
                link.regs.remove(&pid);
                return Some(Waited::ended(WaitEvent::Killed {
                    pid: host_pid(host, pid),
                    sig: libc::SIGKILL,
                }));
            }
        }
    }
    None
}

/// Ends every link: the follower hosts kill what is left of their variants.
pub fn close_all() {
    let mut links = LINKS.lock().unwrap_or_else(|e| e.into_inner());
    for link in links.iter_mut() {
        if link.lost.is_none() {
            link.channel.send(ToFollower::Bye);
        }
        link.channel.close(Duration::from_secs(2));
        link.live.clear();
    }
    links.clear();
}

// Tracee operations on remote pids (`tracee.rs` calls these for host pids).

fn on_host<T>(pid: Pid, f: impl FnOnce(&mut Link, i32) -> Result<T>) -> Result<T> {
    let (host, own) = split_pid(pid).context("not a remote pid")?;
    with_link(host, |l| f(l, own))
}

/// Blocks until remote tracee `pid` reports a wait status (waitpid(pid) of a local one).
pub fn wait_for(pid: Pid) -> Result<Waited> {
    let (host, own) = split_pid(pid).context("not a remote pid")?;
    with_link(host, |l| l.wait_for(host, own))
}

/// The call remote tracee `pid` is stopped at, as its host captured it, if it is `raw`.
pub fn take_captured(pid: Pid, raw: &crate::tracee::RawCall) -> Option<Captured> {
    let (host, own) = split_pid(pid)?;
    with_link(host, |l| Ok(l.captured.remove(&own)))
        .ok()
        .flatten()
        .filter(|c| c.raw == *raw)
}

pub fn regs(pid: Pid) -> Result<libc::user_regs_struct> {
    on_host(pid, |l, own| {
        if let Some(r) = l.regs.get(&own) {
            return Ok(wire::regs_from_wire(r));
        }
        match l.call(Op::GetRegs { pid: own })? {
            Answer::Regs(r) => {
                l.regs.insert(own, r);
                Ok(wire::regs_from_wire(&r))
            }
            other => bail!("GetRegs answered {other:?}"),
        }
    })
}

pub fn set_regs(pid: Pid, regs: &libc::user_regs_struct) -> Result<()> {
    on_host(pid, |l, own| {
        let r = wire::regs_to_wire(regs);
        l.regs.insert(own, r);
        l.post(Op::SetRegs { pid: own, regs: r })
    })
}

pub fn resume(pid: Pid, how: wire::ResumeHow, sig: Option<i32>) -> Result<()> {
    on_host(pid, |l, own| {
        l.regs.remove(&own);
        l.post(Op::Resume {
            pid: own,
            how,
            sig: sig.unwrap_or(0),
        })
    })
}

pub fn read_bytes(pid: Pid, addr: u64, len: usize) -> Result<Vec<u8>> {
    on_host(pid, |l, own| {
        match l.call(Op::ReadMem {
            pid: own,
            addr,
            len: len as u64,
        })? {
            Answer::Bytes(b) => Ok(b),
            other => bail!("ReadMem answered {other:?}"),
        }
    })
}

/// Posts to remote tracee `pid`'s host that its next call is expected to be `call`, to be
/// answered there as `answer` says (`remote/expect.rs`).
pub fn expect(pid: Pid, id: u64, call: &Captured, answer: super::wire::Prepared) -> Result<()> {
    on_host(pid, |l, own| {
        l.post(Op::Expect {
            pid: own,
            id,
            call: call.clone(),
            answer,
        })
    })
}

/// Withdraws expectation `id` of remote tracee `pid` (it was answered the slow way).
pub fn forget(pid: Pid, id: u64) -> Result<()> {
    on_host(pid, |l, own| l.post(Op::Forget { pid: own, id }))
}

/// The call remote tracee `pid` made that its host answered from an expectation.
pub fn take_answered(pid: Pid) -> Option<Captured> {
    let (host, own) = split_pid(pid)?;
    with_link(host, |l| Ok(l.answered.remove(&own)))
        .ok()
        .flatten()
}

pub fn write_bytes(pid: Pid, addr: u64, data: &[u8]) -> Result<()> {
    on_host(pid, |l, own| {
        l.post(Op::WriteMem {
            pid: own,
            addr,
            data: data.to_vec(),
        })
    })
}

fn word(pid: Pid, op: impl FnOnce(i32) -> Op) -> Result<u64> {
    on_host(pid, |l, own| match l.call(op(own))? {
        Answer::Word(w) => Ok(w),
        other => bail!("answered {other:?}"),
    })
}

/// The message of a PTRACE_EVENT stop. The monitor reads it at fork/clone (the new task)
/// and exec (the former pid) stops only, where it is a pid on the host: it is made a host pid.
pub fn event_message(pid: Pid) -> Result<libc::c_long> {
    let (host, _) = split_pid(pid).context("not a remote pid")?;
    let own = word(pid, |pid| Op::EventMessage { pid })? as i32;
    Ok(host_pid(host, own).as_raw() as libc::c_long)
}

pub fn sigmask(pid: Pid) -> Result<u64> {
    word(pid, |pid| Op::GetSigmask { pid })
}

pub fn set_sigmask(pid: Pid, mask: u64) -> Result<()> {
    on_host(pid, |l, own| l.post(Op::SetSigmask { pid: own, mask }))
}

pub fn siginfo(pid: Pid) -> Result<libc::siginfo_t> {
    on_host(pid, |l, own| match l.call(Op::GetSiginfo { pid: own })? {
        Answer::Bytes(b) if b.len() == std::mem::size_of::<libc::siginfo_t>() => {
            // SAFETY: siginfo_t is plain data of exactly this size.
            Ok(unsafe { std::ptr::read_unaligned(b.as_ptr().cast::<libc::siginfo_t>()) })
        }
        other => bail!("GetSiginfo answered {other:?}"),
    })
}

pub fn set_siginfo(pid: Pid, info: &libc::siginfo_t) -> Result<()> {
    // SAFETY: siginfo_t is plain data; its bytes are read, not interpreted.
    let bytes = unsafe {
        std::slice::from_raw_parts(
            (info as *const libc::siginfo_t).cast::<u8>(),
            std::mem::size_of::<libc::siginfo_t>(),
        )
    };
    on_host(pid, |l, own| {
        l.post(Op::SetSiginfo {
            pid: own,
            info: bytes.to_vec(),
        })
    })
}

/// kill(2) of a remote task.
pub fn signal(pid: Pid, sig: i32) -> Result<()> {
    on_host(pid, |l, own| l.post(Op::Signal { pid: own, sig }))
}

/// tkill(2) of a remote task.
pub fn thread_signal(tid: Pid, sig: i32) -> Result<()> {
    on_host(tid, |l, own| l.post(Op::ThreadSignal { tid: own, sig }))
}

/// Creates a shadow file at `path` on the host of remote task `pid` (`shadow.rs`).
pub fn shadow_create(pid: Pid, path: &std::path::Path, contents: &[u8]) -> Result<()> {
    on_host(pid, |l, _| {
        match l.call(Op::ShadowCreate {
            path: path.as_os_str().as_encoded_bytes().to_vec(),
            contents: contents.to_vec(),
        })? {
            Answer::Done => Ok(()),
            other => bail!("ShadowCreate answered {other:?}"),
        }
    })
}

/// Writes `data` at `offset` of the shadow at `path` on the host of remote task `pid`.
pub fn shadow_write(pid: Pid, path: &std::path::Path, offset: u64, data: &[u8]) -> Result<()> {
    on_host(pid, |l, _| {
        l.post(Op::ShadowWrite {
            path: path.as_os_str().as_encoded_bytes().to_vec(),
            offset,
            data: data.to_vec(),
        })
    })
}

/// Resizes the shadow at `path` on the host of remote task `pid`.
pub fn shadow_size(pid: Pid, path: &std::path::Path, len: u64) -> Result<()> {
    on_host(pid, |l, _| {
        l.post(Op::ShadowSize {
            path: path.as_os_str().as_encoded_bytes().to_vec(),
            len,
        })
    })
}

/// `/proc/PID/<file>` of a remote task.
pub fn read_proc(pid: Pid, file: &str) -> Result<Vec<u8>> {
    on_host(pid, |l, own| {
        match l.call(Op::ReadProc {
            pid: own,
            file: file.to_string(),
        })? {
            Answer::Bytes(b) => Ok(b),
            other => bail!("ReadProc answered {other:?}"),
        }
    })
}

/// The target of the link `/proc/PID/<file>` of a remote task.
pub fn read_proc_link(pid: Pid, file: &str) -> Result<std::path::PathBuf> {
    on_host(pid, |l, own| {
        match l.call(Op::ReadProcLink {
            pid: own,
            file: file.to_string(),
        })? {
            Answer::Bytes(b) => Ok(std::path::PathBuf::from(
                <std::ffi::OsString as std::os::unix::ffi::OsStringExt>::from_vec(b),
            )),
            other => bail!("ReadProcLink answered {other:?}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_pids_never_meet_local_ones() {
        let p = host_pid(0, 4_194_303);
        assert!(p.as_raw() > 4_194_304);
        assert_eq!(split_pid(p), Some((0, 4_194_303)));
        assert_eq!(split_pid(host_pid(5, 77)), Some((5, 77)));
        assert_eq!(split_pid(Pid::from_raw(4_194_304)), None);
        assert_eq!(split_pid(Pid::from_raw(-5)), None);
    }

    #[test]
    fn the_host_part_is_what_the_certificate_names() {
        let s = |a: &str| RemoteSpec { address: a.into() };
        assert_eq!(s("10.0.0.2:7000").host_name(), "10.0.0.2");
        assert_eq!(s("[::1]:7000").host_name(), "::1");
        assert_eq!(s("follower.example:7000").host_name(), "follower.example");
    }

    #[test]
    fn a_lost_link_is_told_apart_under_any_context_and_still_reads_as_esrch() {
        let e = anyhow::Error::new(nix::errno::Errno::ESRCH).context(LinkLost {
            host: "h".into(),
            why: "reset".into(),
        });
        let e = Err::<(), _>(e)
            .context("walking envp")
            .context("hiding the vDSO")
            .unwrap_err();
        assert!(is_lost_link_error(&e));
        assert!(e
            .chain()
            .any(|c| c.downcast_ref::<nix::errno::Errno>() == Some(&nix::errno::Errno::ESRCH)));
        assert!(!is_lost_link_error(&anyhow::anyhow!("a local failure")));
    }
}
