//! `mvx follower`: the follower host's side. It accepts runs from leaders' hosts, starts the
//! follower variants under its own ptrace and seccomp filter, carries out the leader's
//! monitor's operations on them and reports their stops.
//!
//! Each accepted connection gets a process of its own (forked before any thread exists), so
//! that one run's tracees have one tracer and a failing session never takes the listener
//! down. A session kills its variants when the link ends for any reason: the leader's mvx
//! exiting, being killed, or its host disappearing (TCP keepalive bounds the last).

use super::channel::{Channel, Incoming};
use super::expect::{self, Expectations};
use super::tls::Security;
use super::wire::{self, Answer, Hello, Op, ResumeHow, ToFollower, ToLeader, WireError};
use crate::events::{Event, Events, WaitEvent, Waited};
use crate::spawn::{self, Layout};
use crate::tracee::{Stopped, Tracee};
use anyhow::{bail, Context, Result};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::ffi::CString;
use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::PathBuf;
use std::time::Duration;
use tracing::{debug, warn};

/// How long a session waits for the leader's `Hello`.
const HELLO_TIMEOUT: Duration = Duration::from_secs(30);

/// Serves runs on `listen` until killed (or after one run with `once`). Returns the exit
/// status of the last session with `once`, 0 otherwise.
pub fn serve(listen: &str, security: &Security, once: bool) -> Result<i32> {
    let listener = TcpListener::bind(listen).with_context(|| format!("listening on {listen}"))?;
    let local = listener.local_addr()?;
    if matches!(security, Security::Insecure) {
        security
            .check_peer(&local)
            .context("--insecure: listen on a loopback address")?;
    }
    // On stdout, for scripts that start it and wait until it listens.
    println!("mvx follower: listening on {local}");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    loop {
        let (tcp, peer) = listener.accept().context("accepting a connection")?;
        reap_sessions();
        // SAFETY: the listener is single-threaded (sessions start their threads after the
        // fork), so the child may do anything.
        match unsafe { nix::unistd::fork() }.context("fork")? {
            nix::unistd::ForkResult::Child => {
                drop(listener);
                let status = match session(tcp, security) {
                    Ok(()) => 0,
                    Err(e) => {
                        eprintln!("mvx follower: session with {peer}: {e:#}");
                        crate::exit_status::MONITOR_ERROR
                    }
                };
                std::process::exit(status);
            }
            nix::unistd::ForkResult::Parent { child } => {
                drop(tcp);
                debug!(%peer, %child, "session started");
                if once {
                    let status = nix::sys::wait::waitpid(child, None)?;
                    return Ok(match status {
                        nix::sys::wait::WaitStatus::Exited(_, code) => code,
                        _ => crate::exit_status::MONITOR_ERROR,
                    });
                }
            }
        }
    }
}

fn reap_sessions() {
    while let Ok(status) = nix::sys::wait::waitpid(None, Some(nix::sys::wait::WaitPidFlag::WNOHANG))
    {
        if status == nix::sys::wait::WaitStatus::StillAlive {
            break;
        }
    }
}

/// One run: until the leader says `Bye` or the link ends.
fn session(tcp: TcpStream, security: &Security) -> Result<()> {
    // Signals are blocked (read from a signalfd) before the I/O thread starts, so it inherits
    // the mask and SIGCHLD reaches the signalfd.
    let events = Events::new()?;
    keepalive(&tcp);
    let sec = security.clone();
    let channel: Channel<ToLeader, ToFollower> =
        Channel::start("mvx-follower-link", move || async move {
            tcp.set_nonblocking(true)?;
            sec.accept(tokio::net::TcpStream::from_std(tcp)?).await
        })?;
    let hello = match channel.recv_timeout(HELLO_TIMEOUT) {
        Some(Incoming::Msg(ToFollower::Hello(h))) => h,
        Some(Incoming::Msg(other)) => bail!("the leader spoke out of turn: {other:?}"),
        Some(Incoming::Closed(why)) => bail!("the link ended before the run started: {why}"),
        None => bail!("no run asked for within {}s", HELLO_TIMEOUT.as_secs()),
    };
    let mut s = Session {
        channel,
        events,
        stops: HashMap::new(),
        live: Vec::new(),
        shadows: Vec::new(),
        expected: Expectations::default(),
    };
    if let Err(e) = s.start(&hello) {
        s.channel.send(ToLeader::Refused {
            reason: format!("{e:#}"),
        });
        s.channel.close(Duration::from_secs(2));
        return Err(e.context("refused the run"));
    }
    let result = s.serve();
    s.kill_all();
    for path in &s.shadows {
        let _ = std::fs::remove_file(path);
    }
    s.channel.close(Duration::from_secs(2));
    result
}

/// Keepalive probes after 1 s of silence, every second, 3 of them: a leader's host that
/// disappears without closing the connection is noticed within about 4 s.
fn keepalive(tcp: &TcpStream) {
    let fd = tcp.as_raw_fd();
    for (level, opt, val) in [
        (libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1),
        (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, 1),
        (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, 1),
        (libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3),
    ] {
        // SAFETY: setsockopt with a valid int.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                opt,
                (&val as *const i32).cast(),
                std::mem::size_of::<i32>() as libc::socklen_t,
            )
        };
    }
}

struct Session {
    channel: Channel<ToLeader, ToFollower>,
    events: Events,
    /// Tracees held at a stop, with the token that proves it.
    stops: HashMap<i32, Stopped>,
    /// Tracees that have not ended.
    live: Vec<i32>,
    /// Shadow files made for the leader's monitor, removed when the session ends.
    shadows: Vec<PathBuf>,
    /// Calls the leader settled ahead, answered here when the tracees get there.
    expected: Expectations,
}

impl Session {
    /// Checks the run's programs and starts its variants; errors become the refusal.
    fn start(&mut self, hello: &Hello) -> Result<()> {
        if hello.magic != wire::MAGIC {
            bail!("not an mvx leader");
        }
        if hello.version != wire::VERSION {
            bail!(
                "the leader speaks wire version {}, this follower {}: run the same mvx on both hosts",
                hello.version,
                wire::VERSION
            );
        }
        let level = *crate::seccomp::Level::ALL
            .get(hello.level as usize)
            .context("unknown monitor level")?;
        let cwd = PathBuf::from(std::ffi::OsStr::from_bytes(&hello.cwd));
        std::env::set_current_dir(&cwd).with_context(|| {
            format!(
                "the leader's working directory {} does not exist here",
                cwd.display()
            )
        })?;
        let argv = to_cstrings(&hello.argv)?;
        let envp = to_cstrings(&hello.envp)?;
        let mut pids = Vec::new();
        for v in &hello.variants {
            let program = PathBuf::from(std::ffi::OsStr::from_bytes(&v.program));
            check_same_program(&program, &v.sha256)?;
            let layout = match v.layout {
                wire::Layout::Randomized => Layout::Randomized,
                wire::Layout::Fixed => Layout::Fixed,
                wire::Layout::Partitioned { index } => Layout::Partitioned {
                    index: index as usize,
                },
            };
            let spawned = spawn::spawn(
                &program,
                &argv,
                &envp,
                &spawn::sigset_of(hello.sigmask),
                hello.ignored,
                layout,
                level,
            )
            .with_context(|| format!("starting variant {} ({})", v.index, program.display()))?;
            pids.push(spawned.pid.as_raw());
            self.live.push(spawned.pid.as_raw());
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "?".into());
        self.channel.send(ToLeader::Welcome(wire::Welcome {
            version: wire::VERSION,
            host,
            pids,
            agent_pid: std::process::id() as i32,
        }));
        Ok(())
    }

    fn serve(&mut self) -> Result<()> {
        loop {
            // The leader's messages first: an expectation that came in meanwhile answers the
            // stop it was made for here, without a round trip.
            if self.take_messages()? {
                return Ok(());
            }
            while let Some(w) = self.events.next_wait_status()? {
                self.report(w);
            }
            if self.take_messages()? {
                return Ok(());
            }
            match self.events.wait_also(
                Some(Duration::from_secs(1)),
                &[self.channel.wake_fd().as_raw_fd()],
            )? {
                Event::Forward(sig) | Event::FromTerminal(sig) => bail!("ended by {sig}"),
                Event::Child | Event::Timeout => {}
            }
        }
    }

    /// Carries out what the leader sent; true once it said the run is over.
    fn take_messages(&mut self) -> Result<bool> {
        {
            while let Some(msg) = self.channel.try_recv() {
                match msg {
                    Incoming::Msg(ToFollower::Call { id, op }) => {
                        let result = self.carry_out(op).map_err(|e| WireError::from_anyhow(&e));
                        self.channel.send(ToLeader::Reply { id, result });
                    }
                    Incoming::Msg(ToFollower::Post(op)) => {
                        let what = op_name(&op);
                        if let Err(e) = self.carry_out(op) {
                            self.channel.send(ToLeader::Failed {
                                op: what.into(),
                                error: WireError::from_anyhow(&e),
                            });
                        }
                    }
                    Incoming::Msg(ToFollower::Bye) => return Ok(true),
                    Incoming::Msg(ToFollower::Hello(_)) => bail!("a second Hello"),
                    Incoming::Closed(why) => {
                        bail!("the link to the leader's host ended: {why}")
                    }
                }
            }
        }
        Ok(false)
    }

    /// Sends a wait status to the leader, with the registers of a stop.
    fn report(&mut self, w: Waited) {
        let pid = w.event.pid().as_raw();
        let regs = w.stop.as_ref().and_then(|s| s.regs().ok());
        match w.stop {
            Some(stop) => {
                if !self.live.contains(&pid) {
                    self.live.push(pid);
                }
                self.stops.insert(pid, stop);
            }
            None if matches!(w.event, WaitEvent::Exited { .. } | WaitEvent::Killed { .. }) => {
                self.stops.remove(&pid);
                self.live.retain(|&p| p != pid);
            }
            None => {}
        }
        if matches!(w.event, WaitEvent::Exited { .. } | WaitEvent::Killed { .. }) {
            self.expected.drop_pid(pid);
        }
        let status = raw_status(&w.event);
        let captured = match (w.event, &regs) {
            (WaitEvent::SeccompStop(_), Some(r)) => Some(capture_here(pid, r)),
            _ => None,
        };
        if let (Some(mine), Some(r)) = (&captured, &regs) {
            if let Some((id, prepared)) = self.expected.take_match(pid, mine) {
                let stop = self.stops.remove(&pid).expect("held above");
                match expect::answer(stop, pid, mine, r, &prepared) {
                    Ok(()) => {
                        self.channel.send(ToLeader::Answered {
                            pid,
                            id,
                            captured: mine.clone(),
                        });
                        return;
                    }
                    // Gone meanwhile: its death is the next status.
                    Err(e) => debug!(pid, "answering an expected call: {e:#}"),
                }
                return;
            }
        }
        self.channel.send(ToLeader::Wait {
            pid,
            status,
            regs: regs.map(|r| wire::regs_to_wire(&r)),
            captured,
        });
    }

    fn stopped(&self, pid: i32) -> Result<&Stopped> {
        self.stops.get(&pid).ok_or_else(|| not_stopped(pid))
    }

    /// A shadow's path from the leader, if it is one this host keeps shadows at.
    fn shadow_path(&self, path: &[u8]) -> Result<PathBuf> {
        let path = PathBuf::from(std::ffi::OsStr::from_bytes(path));
        let dir = crate::shadow::shadow_dir();
        anyhow::ensure!(
            wire::shadow_path_allowed(&path, &dir),
            "{} is no shadow in {}",
            path.display(),
            dir.display()
        );
        Ok(path)
    }

    fn ours(&self, pid: i32) -> Result<Tracee> {
        if !self.live.contains(&pid) {
            return Err(anyhow::Error::new(nix::errno::Errno::ESRCH)
                .context(format!("pid {pid} is no variant of this run")));
        }
        Ok(Tracee::new(Pid::from_raw(pid)))
    }

    fn carry_out(&mut self, op: Op) -> Result<Answer> {
        Ok(match op {
            Op::GetRegs { pid } => Answer::Regs(wire::regs_to_wire(&self.stopped(pid)?.regs()?)),
            Op::SetRegs { pid, regs } => {
                self.stopped(pid)?.set_regs(&wire::regs_from_wire(&regs))?;
                Answer::Done
            }
            Op::Resume { pid, how, sig } => {
                let stop = self.stops.remove(&pid).ok_or_else(|| not_stopped(pid))?;
                let sig = (sig != 0).then_some(sig);
                match how {
                    ResumeHow::Cont => stop.cont(sig)?,
                    ResumeHow::Syscall => stop.cont_to_exit_with(sig)?,
                }
                Answer::Done
            }
            Op::ReadMem { pid, addr, len } => {
                let len = usize::try_from(len).context("length")?;
                anyhow::ensure!(len <= wire::MAX_FRAME / 2, "read of {len} bytes too large");
                Answer::Bytes(self.ours(pid)?.read_bytes(addr, len)?)
            }
            Op::WriteMem { pid, addr, data } => {
                self.ours(pid)?.write_bytes(addr, &data)?;
                Answer::Done
            }
            Op::EventMessage { pid } => Answer::Word(self.stopped(pid)?.event_message()? as u64),
            Op::GetSiginfo { pid } => {
                let info = self.stopped(pid)?.siginfo()?;
                // SAFETY: siginfo_t is plain data; its bytes are copied.
                let bytes = unsafe {
                    std::slice::from_raw_parts(
                        (&info as *const libc::siginfo_t).cast::<u8>(),
                        std::mem::size_of::<libc::siginfo_t>(),
                    )
                };
                Answer::Bytes(bytes.to_vec())
            }
            Op::SetSiginfo { pid, info } => {
                anyhow::ensure!(
                    info.len() == std::mem::size_of::<libc::siginfo_t>(),
                    "siginfo of {} bytes",
                    info.len()
                );
                // SAFETY: plain data of exactly siginfo_t's size.
                let info = unsafe { std::ptr::read_unaligned(info.as_ptr().cast()) };
                self.stopped(pid)?.set_siginfo(&info)?;
                Answer::Done
            }
            Op::GetSigmask { pid } => Answer::Word(self.stopped(pid)?.sigmask()?),
            Op::SetSigmask { pid, mask } => {
                self.stopped(pid)?.set_sigmask(mask)?;
                Answer::Done
            }
            Op::Signal { pid, sig } => {
                self.ours(pid)?;
                nix::sys::signal::kill(
                    Pid::from_raw(pid),
                    nix::sys::signal::Signal::try_from(sig)?,
                )?;
                Answer::Done
            }
            Op::ThreadSignal { tid, sig } => {
                self.ours(tid)?;
                // SAFETY: plain tkill(2) on a tracee of this session.
                if unsafe { libc::syscall(libc::SYS_tkill, tid, sig) } != 0 {
                    return Err(nix::errno::Errno::last()).context("tkill");
                }
                Answer::Done
            }
            Op::ReadProc { pid, file } => {
                self.ours(pid)?;
                anyhow::ensure!(
                    wire::proc_file_allowed(&file),
                    "/proc/PID/{file} is not served"
                );
                Answer::Bytes(std::fs::read(format!("/proc/{pid}/{file}"))?)
            }
            Op::ShadowCreate { path, contents } => {
                let path = self.shadow_path(&path)?;
                let _ = std::fs::remove_file(&path);
                let mut f = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&path)
                    .with_context(|| format!("creating the shadow {}", path.display()))?;
                f.write_all(&contents)?;
                self.shadows.push(path);
                Answer::Done
            }
            Op::ShadowWrite { path, offset, data } => {
                let path = self.shadow_path(&path)?;
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)?
                    .write_all_at(&data, offset)?;
                Answer::Done
            }
            Op::Expect {
                pid,
                id,
                call,
                answer,
            } => {
                self.ours(pid)?;
                self.expected.push(pid, id, call, answer);
                Answer::Done
            }
            Op::Forget { pid, id } => {
                self.expected.forget(pid, id);
                Answer::Done
            }
            Op::ShadowSize { path, len } => {
                let path = self.shadow_path(&path)?;
                std::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)?
                    .set_len(len)?;
                Answer::Done
            }
            Op::ReadProcLink { pid, file } => {
                self.ours(pid)?;
                anyhow::ensure!(
                    wire::proc_file_allowed(&file),
                    "/proc/PID/{file} is not served"
                );
                let target = std::fs::read_link(format!("/proc/{pid}/{file}"))?;
                Answer::Bytes(target.as_os_str().as_bytes().to_vec())
            }
        })
    }

    fn kill_all(&mut self) {
        for &pid in &self.live {
            let _ = nix::sys::signal::kill(Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
        }
        self.stops.clear();
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while !self.live.is_empty() && std::time::Instant::now() < deadline {
            match self.events.next_wait_status() {
                Ok(Some(w)) if w.stop.is_none() => {
                    let pid = w.event.pid().as_raw();
                    self.live.retain(|&p| p != pid);
                }
                Ok(Some(_)) => {}
                Ok(None) => std::thread::sleep(Duration::from_millis(5)),
                Err(_) => break,
            }
        }
        if !self.live.is_empty() {
            warn!(left = ?self.live, "variants still there after SIGKILL");
        }
    }
}

/// The call at a seccomp stop, captured as the monitor does (`lockstep.rs`, `on_entry`).
fn capture_here(pid: i32, regs: &libc::user_regs_struct) -> crate::capture::Captured {
    let raw = crate::tracee::RawCall::from_regs(regs);
    let tracee = Tracee::new(Pid::from_raw(pid));
    match crate::table::lookup(raw.nr) {
        Some(spec) => crate::capture::capture(&tracee, spec, raw),
        None => crate::capture::capture_unknown(raw),
    }
}

/// ESRCH, as ptrace gives for a tracee that is not at a stop.
fn not_stopped(pid: i32) -> anyhow::Error {
    anyhow::Error::new(nix::errno::Errno::ESRCH).context(format!("pid {pid} is not stopped"))
}

/// The wait status that `WaitEvent::decode` decodes back to `event`.
fn raw_status(event: &WaitEvent) -> i32 {
    match *event {
        WaitEvent::Exited { code, .. } => (code & 0xff) << 8,
        WaitEvent::Killed { sig, .. } => sig & 0x7f,
        WaitEvent::SeccompStop(_) => {
            0x7f | (libc::SIGTRAP << 8) | (libc::PTRACE_EVENT_SECCOMP << 16)
        }
        WaitEvent::SyscallStop(_) => 0x7f | ((libc::SIGTRAP | 0x80) << 8),
        WaitEvent::PtraceEvent { event, .. } => 0x7f | (libc::SIGTRAP << 8) | (event << 16),
        WaitEvent::SignalStop { sig, .. } => 0x7f | (sig << 8),
        // Made by the leader's link, never reported by this host's kernel.
        WaitEvent::Answered { .. } => 0,
    }
}

fn op_name(op: &Op) -> &'static str {
    match op {
        Op::GetRegs { .. } => "GetRegs",
        Op::SetRegs { .. } => "SetRegs",
        Op::Resume { .. } => "Resume",
        Op::ReadMem { .. } => "ReadMem",
        Op::WriteMem { .. } => "WriteMem",
        Op::EventMessage { .. } => "EventMessage",
        Op::GetSiginfo { .. } => "GetSiginfo",
        Op::SetSiginfo { .. } => "SetSiginfo",
        Op::GetSigmask { .. } => "GetSigmask",
        Op::SetSigmask { .. } => "SetSigmask",
        Op::Signal { .. } => "Signal",
        Op::ThreadSignal { .. } => "ThreadSignal",
        Op::ReadProc { .. } => "ReadProc",
        Op::ReadProcLink { .. } => "ReadProcLink",
        Op::ShadowCreate { .. } => "ShadowCreate",
        Op::ShadowWrite { .. } => "ShadowWrite",
        Op::ShadowSize { .. } => "ShadowSize",
        Op::Expect { .. } => "Expect",
        Op::Forget { .. } => "Forget",
    }
}

fn to_cstrings(list: &[Vec<u8>]) -> Result<Vec<CString>> {
    list.iter()
        .map(|b| CString::new(b.clone()).context("an argument or variable with a NUL byte"))
        .collect()
}

/// Refuses a program that is missing here or differs from the leader's host's copy.
fn check_same_program(program: &std::path::Path, leader_sha: &[u8; 32]) -> Result<()> {
    use sha2::Digest;
    let bytes = std::fs::read(program)
        .with_context(|| format!("{} cannot be read on this host", program.display()))?;
    let here: [u8; 32] = sha2::Sha256::digest(&bytes).into();
    if &here != leader_sha {
        bail!(
            "{} differs between the hosts (SHA-256 {} here, {} on the leader's host): \
             the program must be the same file on every host",
            program.display(),
            hex(&here),
            hex(leader_sha)
        );
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_survive_the_round_trip() {
        let pid = Pid::from_raw(9);
        for event in [
            WaitEvent::Exited { pid, code: 3 },
            WaitEvent::Killed { pid, sig: 9 },
            WaitEvent::SeccompStop(pid),
            WaitEvent::SyscallStop(pid),
            WaitEvent::PtraceEvent {
                pid,
                event: libc::PTRACE_EVENT_CLONE,
            },
            WaitEvent::SignalStop { pid, sig: 34 },
        ] {
            assert_eq!(WaitEvent::decode(pid, raw_status(&event)), event);
        }
    }
}
