//! The lock-step engine: one tracer thread drives every variant through
//! arrive -> rendezvous -> compare -> dispatch -> replicate for each syscall.
//!
//! All variants of the program form one lock-step group (processes and threads, which need one
//! group per task, come with fork/clone support). Events come from `waitpid`; the monitor waits
//! for them on a signalfd so that the rendezvous window and signals sent to mvx itself are
//! handled in the same loop.

use crate::capture::{self, Captured, Value};
use crate::decode;
use crate::events::{Event, Events};
use crate::exit_status;
use crate::fdtable::{self, FdKind, FdTable};
use crate::plan::{self, Decision, FdEffect, FollowerAction, Plan};
use crate::replicate::Outputs;
use crate::report::{
    Divergence, DivergenceKind, History, Outcome, Report, SyscallView, VariantView,
};
use crate::spawn::{self, Spawned};
use crate::table::{self, Arg, Spec};
use crate::tracee::{self, RawCall, Tracee};
use crate::vdso;
use anyhow::{bail, Context, Result};
use libc::user_regs_struct;
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;
use std::collections::HashSet;
use std::ffi::CString;
use std::os::fd::OwnedFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use tracing::{debug, trace};

/// What `mvx run` asked for.
#[derive(Clone, Debug)]
pub struct Config {
    /// One resolved executable per variant; variant 0 is the leader.
    pub programs: Vec<PathBuf>,
    /// The argv every variant gets (argv[0] included).
    pub argv: Vec<CString>,
    /// The environment every variant gets.
    pub envp: Vec<CString>,
    /// How long a variant may lag behind the first arrival at a rendezvous.
    pub window: Duration,
    /// Keep the kernel's address-space randomisation in the variants. Off by default: with
    /// ASLR, allocators whose behaviour depends on address alignment (CPython's pymalloc
    /// wastes a pool when an arena is not 16 KiB aligned) make honest variants issue different
    /// syscalls. Layout diversity that keeps such alignment comes with address-space
    /// partitioning.
    pub aslr: bool,
}

/// The contents of the scratch page each variant maps at start: the placeholder path, then
/// room for a placeholder pipe's fds.
const SCRATCH_PATH: &[u8] = b"/dev/null\0";
const SCRATCH_PAIR_OFFSET: u64 = 16;
const SCRATCH_SIZE: u64 = 4096;

// Kernel-internal restart codes a syscall-exit stop can show when a signal interrupted it.
const ERESTART_CODES: std::ops::RangeInclusive<i64> = -516..=-512;

/// A syscall held at its seccomp stop.
#[derive(Clone, Debug)]
struct Entry {
    regs: user_regs_struct,
    call: Captured,
    spec: Option<&'static Spec>,
    arrived: Instant,
}

/// Why a variant was resumed into a syscall with an exit stop requested.
#[derive(Clone, Debug)]
enum Pending {
    /// The program's own syscall.
    Program(Entry),
    /// The injected mmap of the scratch page; `saved` are the registers of the syscall it
    /// displaced, which is re-executed afterwards.
    ScratchMmap { saved: user_regs_struct },
    /// A follower's placeholder for fds the leader created.
    Placeholder { entry: Entry, leader_ret: i64 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Death {
    Exited(i32),
    Signaled(Signal),
}

impl Death {
    fn describe(self) -> String {
        match self {
            Death::Exited(c) => format!("exited with status {c}"),
            Death::Signaled(s) => format!("killed by {}", s.as_str()),
        }
    }
}

/// Where a variant is; registers are only ever read in the states that hold a stop.
// Register sets make the stopped states large; boxing them would allocate on every syscall.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum State {
    /// Forked, not yet through its exec.
    Starting,
    /// Executing program code (or a syscall it was let go into without an exit stop).
    Running,
    /// Held at a seccomp stop.
    AtEntry(Entry),
    /// Resumed into a syscall; stops again at its exit.
    InSyscall(Pending),
    /// Held at a syscall-exit stop.
    AtExit {
        pending: Pending,
        regs: user_regs_struct,
    },
    Dead {
        how: Death,
        at: Instant,
    },
}

struct Variant {
    index: usize,
    tracee: Tracee,
    program: String,
    state: State,
    history: History,
    exec_error: Option<OwnedFd>,
    /// The scratch page of the current address space, once injected.
    scratch: Option<u64>,
}

impl Variant {
    fn alive(&self) -> bool {
        !matches!(self.state, State::Dead { .. })
    }

    fn entry(&self) -> Option<&Entry> {
        match &self.state {
            State::AtEntry(e) => Some(e),
            State::InSyscall(Pending::Program(e) | Pending::Placeholder { entry: e, .. })
            | State::AtExit {
                pending: Pending::Program(e) | Pending::Placeholder { entry: e, .. },
                ..
            } => Some(e),
            _ => None,
        }
    }
}

/// A syscall being executed after a successful rendezvous.
struct InFlight {
    decision: Decision,
    /// Variants that have not been let go yet.
    remaining: HashSet<usize>,
    /// The leader's out-buffers, read at its syscall exit (leader-only calls).
    outputs: Option<Outputs>,
    /// The fds a leader-only pipe/socketpair created.
    pair: Option<(i32, i32)>,
}

/// Why the run ended.
enum Stop {
    /// Every variant ended the same way.
    Finished(Death),
    Diverged(Divergence),
}

pub struct Monitor {
    cfg: Config,
    variants: Vec<Variant>,
    fds: FdTable,
    in_flight: Option<InFlight>,
    events: Events,
    rendezvous: u64,
    warned: HashSet<String>,
    warnings: Vec<String>,
}

impl Monitor {
    /// Starts every variant. Errors here are start-up failures of mvx itself.
    pub fn start(cfg: Config) -> Result<Monitor> {
        let events = Events::new().context("setting up the event loop")?;
        let mut variants = Vec::new();
        for (index, program) in cfg.programs.iter().enumerate() {
            let Spawned { pid, exec_error } = spawn::spawn(
                program,
                &cfg.argv,
                &cfg.envp,
                events.child_sigmask(),
                !cfg.aslr,
            )
            .with_context(|| format!("starting variant {index} ({})", program.display()))?;
            debug!(index, %pid, program = %program.display(), "variant started");
            variants.push(Variant {
                index,
                tracee: Tracee::new(pid),
                program: program.display().to_string(),
                state: State::Starting,
                history: History::default(),
                exec_error: Some(exec_error),
                scratch: None,
            });
        }
        Ok(Monitor {
            cfg,
            variants,
            fds: FdTable::default(),
            in_flight: None,
            events,
            rendezvous: 0,
            warned: HashSet::new(),
            warnings: Vec::new(),
        })
    }

    /// Pids of the variants (the leader first), for messages.
    pub fn pids(&self) -> Vec<i32> {
        self.variants
            .iter()
            .map(|v| v.tracee.pid.as_raw())
            .collect()
    }

    /// Runs the program to its end or to a divergence, then kills whatever is left.
    pub fn run(mut self) -> Result<Report> {
        let result = self.event_loop();
        self.kill_all();
        let stop = result?;
        let programs = self.variants.iter().map(|v| v.program.clone()).collect();
        let (outcome, exit_status, divergence) = match stop {
            Stop::Finished(Death::Exited(code)) => (Outcome::Exited, code, None),
            Stop::Finished(Death::Signaled(sig)) => {
                (Outcome::Signaled, exit_status::for_signal(sig as i32), None)
            }
            Stop::Diverged(d) => (Outcome::Divergence, exit_status::DIVERGENCE, Some(d)),
        };
        Ok(Report {
            outcome,
            exit_status,
            variants: programs,
            syscalls: self.rendezvous,
            warnings: std::mem::take(&mut self.warnings),
            divergence,
        })
    }

    fn event_loop(&mut self) -> Result<Stop> {
        loop {
            if let Some(stop) = self.all_dead()? {
                return Ok(stop);
            }
            while let Some(status) = self.events.next_wait_status()? {
                if let Some(stop) = self.on_wait_status(status)? {
                    return Ok(stop);
                }
            }
            if let Some(stop) = self.all_dead()? {
                return Ok(stop);
            }
            if let Some(stop) = self.check_window()? {
                return Ok(stop);
            }
            match self.events.wait(self.poll_timeout())? {
                Event::Child | Event::Timeout => {}
                Event::Forward(sig) => self.forward_signal(sig),
            }
        }
    }

    fn all_dead(&self) -> Result<Option<Stop>> {
        if self.variants.iter().any(Variant::alive) {
            return Ok(None);
        }
        let deaths: Vec<Death> = self
            .variants
            .iter()
            .map(|v| match v.state {
                State::Dead { how, .. } => how,
                _ => unreachable!("checked above"),
            })
            .collect();
        if deaths.iter().all(|d| *d == deaths[0]) {
            return Ok(Some(Stop::Finished(deaths[0])));
        }
        let msg = format!(
            "variants ended differently: {}",
            deaths
                .iter()
                .enumerate()
                .map(|(i, d)| format!("variant {i} {}", d.describe()))
                .collect::<Vec<_>>()
                .join(", ")
        );
        Ok(Some(Stop::Diverged(self.divergence(
            DivergenceKind::ExitMismatch,
            msg,
            None,
        ))))
    }

    fn index_of(&self, pid: Pid) -> Option<usize> {
        self.variants.iter().position(|v| v.tracee.pid == pid)
    }

    fn on_wait_status(&mut self, status: WaitStatus) -> Result<Option<Stop>> {
        let Some(pid) = status.pid() else {
            return Ok(None);
        };
        let Some(i) = self.index_of(pid) else {
            debug!(?status, "event for an unknown pid");
            return Ok(None);
        };
        trace!(variant = i, ?status, "wait status");
        match status {
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_SECCOMP) => self.on_entry(i),
            WaitStatus::PtraceSyscall(_) => self.on_exit(i),
            WaitStatus::PtraceEvent(_, _, libc::PTRACE_EVENT_EXEC) => {
                self.on_exec(i).map(|()| None)
            }
            WaitStatus::PtraceEvent(_, _, event) => {
                debug!(variant = i, event, "ignoring ptrace event");
                self.resume_running(i, None).map(|()| None)
            }
            WaitStatus::Stopped(_, sig) => self.on_signal(i, sig).map(|()| None),
            WaitStatus::Exited(_, code) => self.on_death(i, Death::Exited(code)),
            WaitStatus::Signaled(_, sig, _) => self.on_death(i, Death::Signaled(sig)),
            WaitStatus::Continued(_) | WaitStatus::StillAlive => Ok(None),
        }
    }

    /// Resumes a variant after a stop that did not change its state.
    fn resume_running(&mut self, i: usize, sig: Option<Signal>) -> Result<()> {
        let v = &self.variants[i];
        let r = match v.state {
            State::InSyscall(_) => {
                nix::sys::ptrace::syscall(v.tracee.pid, sig).context("PTRACE_SYSCALL")
            }
            _ => v.tracee.cont(sig),
        };
        tolerate_gone(r)
    }

    fn on_signal(&mut self, i: usize, sig: Signal) -> Result<()> {
        // Synchronous signal delivery (Orchestra) is not implemented yet: signals pass through.
        // Stop signals are dropped so that a variant cannot sit in a group-stop forever.
        let deliver = match sig {
            Signal::SIGSTOP | Signal::SIGTSTP | Signal::SIGTTIN | Signal::SIGTTOU => {
                self.warn(format!(
                    "{} to the program ignored: job control is not supported yet",
                    sig.as_str()
                ));
                None
            }
            _ => Some(sig),
        };
        self.resume_running(i, deliver)
    }

    fn on_exec(&mut self, i: usize) -> Result<()> {
        let v = &mut self.variants[i];
        let first = matches!(v.state, State::Starting);
        if first {
            v.state = State::Running;
            v.exec_error = None;
        }
        v.scratch = None;
        if !vdso::hide(&v.tracee).with_context(|| format!("hiding the vDSO of variant {i}"))? {
            debug!(variant = i, "no vDSO in auxv");
        }
        if i == 0 {
            let leader = v.tracee.pid;
            if first {
                self.fds = FdTable::inherited_from(leader);
            } else {
                self.fds.retain_open(leader);
            }
        }
        tolerate_gone(self.variants[i].tracee.cont(None))
    }

    fn on_entry(&mut self, i: usize) -> Result<Option<Stop>> {
        let v = &mut self.variants[i];
        match v.state {
            // Before exec: the child's own execve (or its error report).
            State::Starting => return tolerate_gone(v.tracee.cont(None)).map(|()| None),
            State::Running => {}
            ref other => bail!("variant {i}: unexpected syscall entry in state {other:?}"),
        }
        let Some(regs) = gone_ok(v.tracee.regs())? else {
            return Ok(None);
        };
        if v.scratch.is_none() {
            return inject_scratch(v, regs).map(|()| None);
        }
        let raw = RawCall::from_regs(&regs);
        let spec = table::lookup(raw.nr);
        let call = match spec {
            Some(spec) => capture::capture(&v.tracee, spec, raw),
            None => capture::capture_raw(raw),
        };
        v.history
            .push(format!("{} = ?", decode::syscall_text(&call)));
        v.state = State::AtEntry(Entry {
            regs,
            call,
            spec,
            arrived: Instant::now(),
        });
        self.try_rendezvous()
    }

    fn on_exit(&mut self, i: usize) -> Result<Option<Stop>> {
        let v = &mut self.variants[i];
        let State::InSyscall(pending) = std::mem::replace(&mut v.state, State::Running) else {
            bail!(
                "variant {i}: unexpected syscall-exit stop in state {:?}",
                v.state
            );
        };
        let Some(regs) = gone_ok(v.tracee.regs())? else {
            v.state = State::InSyscall(pending);
            return Ok(None);
        };
        match pending {
            Pending::ScratchMmap { saved } => {
                finish_scratch(v, saved, regs)?;
                Ok(None)
            }
            Pending::Placeholder { entry, leader_ret } => {
                self.finish_placeholder(i, entry, leader_ret, regs)
            }
            Pending::Program(_) => {
                v.state = State::AtExit { pending, regs };
                self.progress()
            }
        }
    }

    fn on_death(&mut self, i: usize, how: Death) -> Result<Option<Stop>> {
        let v = &mut self.variants[i];
        let was = std::mem::replace(
            &mut v.state,
            State::Dead {
                how,
                at: Instant::now(),
            },
        );
        debug!(variant = i, ?how, "variant ended");
        if let State::Starting = was {
            let errno = v.exec_error.as_ref().and_then(spawn::exec_errno);
            let why = errno.map_or_else(
                || how.describe(),
                |e| nix::errno::Errno::from_raw(e).desc().to_string(),
            );
            bail!(crate::spawn::StartError::CannotExecute(
                v.program.clone(),
                why
            ));
        }
        if let Some(f) = &mut self.in_flight {
            let leader_only = matches!(f.decision.plan, Plan::LeaderOnly(_));
            if f.remaining.remove(&i) && i == 0 && leader_only {
                // The leader died inside a syscall it ran for everyone: let the followers go with
                // EINTR; they either end the same way or diverge at their next syscall.
                self.release_followers_after_leader_death()?;
            }
            // A syscall every variant executes can still complete with the survivors.
            if let Some(stop) = self.progress()? {
                return Ok(Some(stop));
            }
        }
        if self.variants.iter().any(Variant::alive) {
            self.try_rendezvous()
        } else {
            Ok(None)
        }
    }

    fn release_followers_after_leader_death(&mut self) -> Result<()> {
        let held: Vec<usize> = self.variants[1..]
            .iter()
            .filter(|v| matches!(v.state, State::AtEntry(_)))
            .map(|v| v.index)
            .collect();
        for i in held {
            self.skip_with(i, -(libc::EINTR as i64), None)?;
        }
        Ok(())
    }

    /// The rendezvous: once every live variant is held at a syscall entry, compare and dispatch.
    fn try_rendezvous(&mut self) -> Result<Option<Stop>> {
        if self.in_flight.is_some() {
            return Ok(None);
        }
        let waiting = self.variants.iter().any(|v| {
            matches!(
                v.state,
                State::Running | State::Starting | State::InSyscall(_) | State::AtExit { .. }
            )
        });
        if waiting {
            return Ok(None);
        }
        if let Some(dead) = self.variants.iter().find(|v| !v.alive()) {
            let State::Dead { how, .. } = dead.state else {
                unreachable!()
            };
            let live = self
                .variants
                .iter()
                .find(|v| v.alive())
                .expect("some variant is alive");
            let name = live
                .entry()
                .map(|e| table::name_of(e.call.raw.nr))
                .unwrap_or_default();
            let kind = match how {
                Death::Signaled(_) => DivergenceKind::Crash,
                Death::Exited(_) => DivergenceKind::ExitMismatch,
            };
            let msg = format!(
                "variant {} {} while variant {} called {name}",
                dead.index,
                how.describe(),
                live.index
            );
            return Ok(Some(Stop::Diverged(self.divergence(kind, msg, Some(name)))));
        }
        if let Some(d) = self.compare() {
            return Ok(Some(Stop::Diverged(d)));
        }
        self.rendezvous += 1;
        self.dispatch()
    }

    /// The compare phase: same syscall, equivalent arguments.
    fn compare(&self) -> Option<Divergence> {
        let leader = self.variants[0].entry().expect("leader at entry");
        let name = table::name_of(leader.call.raw.nr);
        for v in &self.variants[1..] {
            let e = v.entry().expect("follower at entry");
            if e.call.raw.nr != leader.call.raw.nr {
                let msg = format!(
                    "variant {} called {} where the leader called {name}",
                    v.index,
                    table::name_of(e.call.raw.nr)
                );
                return Some(self.divergence(DivergenceKind::SyscallMismatch, msg, Some(name)));
            }
            for (k, (a, b)) in leader.call.values.iter().zip(&e.call.values).enumerate() {
                let kind = leader.spec.and_then(|s| s.args.get(k));
                let b = &self.to_virtual_pid(kind, v, b);
                if !a.equivalent(b) {
                    let what = leader
                        .spec
                        .and_then(|s| s.args.get(k))
                        .map_or("value".into(), describe_arg);
                    let msg = format!(
                        "{name}: argument {} ({what}) of variant {} differs from the leader's{}",
                        k + 1,
                        v.index,
                        first_difference(a, b)
                    );
                    return Some(self.divergence(
                        DivergenceKind::ArgumentMismatch,
                        msg,
                        Some(name),
                    ));
                }
            }
        }
        None
    }

    /// The program sees the leader's pid everywhere (getpid is replicated), but a follower can
    /// still learn its own id (set_tid_address returns the real tid, which libc caches for
    /// raise): compare pid arguments after mapping a follower's own id to the leader's.
    fn to_virtual_pid(&self, kind: Option<&Arg>, v: &Variant, value: &Value) -> Value {
        match (kind, value) {
            (Some(Arg::Pid), Value::Int(id)) if *id == v.tracee.pid.as_raw() as u64 => {
                Value::Int(self.variants[0].tracee.pid.as_raw() as u64)
            }
            _ => value.clone(),
        }
    }

    /// The dispatch phase.
    fn dispatch(&mut self) -> Result<Option<Stop>> {
        let leader = self.variants[0].entry().expect("leader at entry").clone();
        let mut decision = plan::decide(
            leader.spec,
            &leader.call,
            &self.fds,
            self.variants[0].tracee.pid,
        );
        if let Some(w) = decision.warning.take() {
            self.warn(w);
        }
        trace!(syscall = %table::name_of(leader.call.raw.nr), plan = ?decision.plan, "dispatch");
        self.map_pids_to_own(&leader, &decision)?;
        let live: Vec<usize> = (0..self.variants.len()).collect();
        match decision.plan {
            Plan::All => {
                self.apply_effect(decision.effect, None, None);
                for &i in &live {
                    self.let_go(i)?;
                }
            }
            Plan::Deny(errno) => {
                for &i in &live {
                    self.skip_with(i, -(errno as i64), None)?;
                }
            }
            Plan::AllChecked | Plan::AllReplace => {
                for &i in &live {
                    self.run_to_exit(i)?;
                }
                self.in_flight = Some(InFlight {
                    decision,
                    remaining: live.into_iter().collect(),
                    outputs: None,
                    pair: None,
                });
            }
            Plan::LeaderOnly(_) => {
                self.run_to_exit(0)?;
                self.in_flight = Some(InFlight {
                    decision,
                    remaining: live.into_iter().collect(),
                    outputs: None,
                    pair: None,
                });
            }
        }
        Ok(None)
    }

    /// Followers see the leader's pid (getpid is replicated), so calls that name the program's
    /// own process (kill, tgkill, ...) are rewritten to each variant's own pid before running.
    fn map_pids_to_own(&mut self, leader: &Entry, decision: &Decision) -> Result<()> {
        if !matches!(
            decision.plan,
            Plan::All | Plan::AllChecked | Plan::AllReplace
        ) {
            return Ok(());
        }
        let Some(spec) = leader.spec else {
            return Ok(());
        };
        let leader_pid = self.variants[0].tracee.pid.as_raw() as u64;
        let pid_args: Vec<usize> = spec
            .args
            .iter()
            .enumerate()
            .filter(|(_, a)| **a == Arg::Pid)
            .map(|(k, _)| k)
            .collect();
        if pid_args.is_empty() {
            return Ok(());
        }
        for v in &mut self.variants[1..] {
            let own = v.tracee.pid.as_raw() as u64;
            let State::AtEntry(e) = &mut v.state else {
                continue;
            };
            let mut args = e.call.raw.args;
            let mut changed = false;
            for &k in &pid_args {
                if args[k] == leader_pid {
                    args[k] = own;
                    changed = true;
                }
            }
            if changed {
                let mut regs = e.regs;
                tracee::set_call(&mut regs, e.call.raw.nr, args);
                regs.rax = e.regs.rax;
                tolerate_gone(v.tracee.set_regs(&regs))?;
            }
        }
        Ok(())
    }

    /// Resumes a variant held at entry into its syscall, without an exit stop.
    fn let_go(&mut self, i: usize) -> Result<()> {
        let v = &mut self.variants[i];
        v.state = State::Running;
        tolerate_gone(v.tracee.cont(None))
    }

    /// Resumes a variant held at entry into its syscall, stopping at the exit.
    fn run_to_exit(&mut self, i: usize) -> Result<()> {
        let v = &mut self.variants[i];
        let State::AtEntry(e) = std::mem::replace(&mut v.state, State::Running) else {
            bail!("variant {i} is not at a syscall entry");
        };
        v.state = State::InSyscall(Pending::Program(e));
        tolerate_gone(v.tracee.cont_to_exit())
    }

    /// Makes a variant held at entry skip its syscall and see `ret` (and `outputs`).
    fn skip_with(&mut self, i: usize, ret: i64, outputs: Option<&Outputs>) -> Result<()> {
        let v = &mut self.variants[i];
        let State::AtEntry(e) = std::mem::replace(&mut v.state, State::Running) else {
            bail!("variant {i} is not at a syscall entry");
        };
        if let Some(out) = outputs {
            tolerate_gone(out.apply(&v.tracee, &e.call.raw))?;
        }
        let mut regs = e.regs;
        regs.orig_rax = u64::MAX;
        regs.rax = ret as u64;
        tolerate_gone(v.tracee.set_regs(&regs))?;
        v.history.set_last_result(&decode::ret_text(ret));
        if let Some(f) = &mut self.in_flight {
            f.remaining.remove(&i);
        }
        tolerate_gone(v.tracee.cont(None))
    }

    /// Called whenever a variant reaches a syscall-exit stop of an in-flight syscall.
    fn progress(&mut self) -> Result<Option<Stop>> {
        let Some(f) = &self.in_flight else {
            return Ok(None);
        };
        let plan = f.decision.plan;
        let result = match plan {
            Plan::LeaderOnly(action) => self.progress_leader_only(action),
            Plan::AllChecked | Plan::AllReplace => self.progress_all(plan == Plan::AllChecked),
            Plan::All | Plan::Deny(_) => Ok(None),
        };
        if self
            .in_flight
            .as_ref()
            .is_some_and(|f| f.remaining.is_empty())
        {
            self.in_flight = None;
            if let Ok(None) = result {
                return self.try_rendezvous();
            }
        }
        result
    }

    fn exit_regs(&self, i: usize) -> Option<user_regs_struct> {
        match &self.variants[i].state {
            State::AtExit { regs, .. } => Some(*regs),
            _ => None,
        }
    }

    fn progress_all(&mut self, checked: bool) -> Result<Option<Stop>> {
        let f = self.in_flight.as_ref().expect("in flight");
        let members: Vec<usize> = f.remaining.iter().copied().collect();
        if members.iter().any(|&i| self.exit_regs(i).is_none()) {
            return Ok(None);
        }
        let Some(&first) = members.iter().min() else {
            return Ok(None);
        };
        let leader_regs = self.exit_regs(first).expect("checked");
        let mut ret = leader_regs.rax as i64;
        if checked {
            if let Some(&odd) = members
                .iter()
                .find(|&&i| self.exit_regs(i).unwrap().rax != leader_regs.rax)
            {
                let other = self.exit_regs(odd).unwrap().rax as i64;
                let name = self.variants[first]
                    .entry()
                    .map(|e| table::name_of(e.call.raw.nr))
                    .unwrap_or_default();
                let msg = format!(
                    "{name} returned {} in variant {first} but {} in variant {odd}",
                    decode::ret_text(ret),
                    decode::ret_text(other)
                );
                return Ok(Some(Stop::Diverged(self.divergence(
                    DivergenceKind::ResultMismatch,
                    msg,
                    Some(name),
                ))));
            }
        }
        let effect = f.decision.effect;
        self.apply_effect(effect, Some(ret), None);
        let leader_interrupted = ERESTART_CODES.contains(&ret);
        if leader_interrupted {
            // Followers must not see a kernel-internal code unless they were interrupted too.
            ret = -(libc::EINTR as i64);
        }
        let outputs = if checked {
            None
        } else {
            let e = self.variants[first].entry().expect("in syscall").clone();
            let spec_args = self.in_flight.as_ref().unwrap().decision.args.clone();
            Some(collect_outputs(
                &self.variants[first].tracee,
                &spec_args,
                &e.call,
                ret,
            )?)
        };
        for &i in &members {
            let v = &mut self.variants[i];
            let State::AtExit { pending, mut regs } =
                std::mem::replace(&mut v.state, State::Running)
            else {
                unreachable!()
            };
            // Interrupted in every variant: each restarts its own call (restart_syscall).
            let restarts_too = leader_interrupted && ERESTART_CODES.contains(&(regs.rax as i64));
            if let (Some(out), Pending::Program(e)) = (&outputs, &pending) {
                if i != first && !restarts_too {
                    tolerate_gone(out.apply(&v.tracee, &e.call.raw))?;
                    regs.rax = ret as u64;
                    tolerate_gone(v.tracee.set_regs(&regs))?;
                }
            }
            v.history
                .set_last_result(&decode::ret_text(regs.rax as i64));
            tolerate_gone(v.tracee.cont(None))?;
        }
        self.in_flight.as_mut().unwrap().remaining.clear();
        Ok(None)
    }

    fn progress_leader_only(&mut self, action: FollowerAction) -> Result<Option<Stop>> {
        let Some(leader_regs) = self.exit_regs(0) else {
            return Ok(None);
        };
        let mut ret = leader_regs.rax as i64;
        let f = self.in_flight.as_ref().expect("in flight");
        let (effect, args) = (f.decision.effect, f.decision.args.clone());
        let leader = &mut self.variants[0];
        let State::AtExit {
            pending: Pending::Program(entry),
            ..
        } = std::mem::replace(&mut leader.state, State::Running)
        else {
            unreachable!()
        };
        leader.history.set_last_result(&decode::ret_text(ret));
        let outputs = collect_outputs(&leader.tracee, &args, &entry.call, ret)?;
        let leader_pid = leader.tracee.pid;
        tolerate_gone(leader.tracee.cont(None))?;
        self.in_flight.as_mut().unwrap().remaining.remove(&0);
        if ERESTART_CODES.contains(&ret) {
            // A signal interrupted the leader; followers see the interruption as EINTR.
            ret = -(libc::EINTR as i64);
        }
        let pair = match effect {
            FdEffect::New {
                pair_arg: Some(arg),
                ..
            } if ret >= 0 => gone_ok(read_pair(&self.variants[0].tracee, &entry.call.raw, arg))?,
            _ => None,
        };
        self.apply_effect(effect, Some(ret), pair);
        let f = self.in_flight.as_mut().unwrap();
        f.outputs = Some(outputs.clone());
        f.pair = pair;
        let followers: Vec<usize> = (1..self.variants.len())
            .filter(|&i| matches!(self.variants[i].state, State::AtEntry(_)))
            .collect();
        for i in followers {
            if action == FollowerAction::Placeholder && ret >= 0 {
                self.start_placeholder(i, ret, leader_pid, pair)?;
            } else {
                self.skip_with(i, ret, Some(&outputs))?;
            }
        }
        Ok(None)
    }

    /// Makes a follower open inert fds with the numbers the leader just got, so fd numbers
    /// stay identical: `openat("/dev/null")` for one fd, `pipe2` into the scratch page for two.
    fn start_placeholder(
        &mut self,
        i: usize,
        leader_ret: i64,
        leader_pid: Pid,
        pair: Option<(i32, i32)>,
    ) -> Result<()> {
        let v = &mut self.variants[i];
        let State::AtEntry(entry) = std::mem::replace(&mut v.state, State::Running) else {
            bail!("variant {i} is not at a syscall entry");
        };
        let scratch = v.scratch.context("follower has no scratch page")?;
        let mut regs = entry.regs;
        match pair {
            Some((first_fd, _)) => {
                let flags = cloexec_flag(leader_pid, first_fd);
                tracee::set_call(
                    &mut regs,
                    libc::SYS_pipe2 as u64,
                    [scratch + SCRATCH_PAIR_OFFSET, flags, 0, 0, 0, 0],
                );
            }
            None => {
                let flags = libc::O_RDONLY as u64 | cloexec_flag(leader_pid, leader_ret as i32);
                tracee::set_call(
                    &mut regs,
                    libc::SYS_openat as u64,
                    [libc::AT_FDCWD as u64, scratch, flags, 0, 0, 0],
                );
            }
        }
        let v = &mut self.variants[i];
        tolerate_gone(v.tracee.set_regs(&regs))?;
        v.state = State::InSyscall(Pending::Placeholder { entry, leader_ret });
        tolerate_gone(v.tracee.cont_to_exit())
    }

    fn finish_placeholder(
        &mut self,
        i: usize,
        entry: Entry,
        leader_ret: i64,
        regs: user_regs_struct,
    ) -> Result<Option<Stop>> {
        let (outputs, pair) = {
            let f = self
                .in_flight
                .as_ref()
                .context("placeholder without a syscall in flight")?;
            (f.outputs.clone(), f.pair)
        };
        let got = regs.rax as i64;
        let v = &self.variants[i];
        let ok = if let Some((a, b)) = pair {
            let scratch = v.scratch.unwrap_or(0);
            let mine = v.tracee.read_bytes(scratch + SCRATCH_PAIR_OFFSET, 8).ok();
            got == 0 && mine == Some([a.to_ne_bytes(), b.to_ne_bytes()].concat())
        } else {
            got == leader_ret
        };
        if !ok {
            let name = table::name_of(entry.call.raw.nr);
            let msg = format!(
                "fd numbers went out of step: variant {i} got {} for its placeholder of {name}, the leader {}",
                decode::ret_text(got),
                decode::ret_text(leader_ret)
            );
            self.variants[i].state = State::AtEntry(entry);
            return Ok(Some(Stop::Diverged(self.divergence(
                DivergenceKind::ResultMismatch,
                msg,
                Some(name),
            ))));
        }
        // The leader's outputs were read at its exit (it may have moved on since).
        let v = &mut self.variants[i];
        if let Some(out) = outputs {
            tolerate_gone(out.apply(&v.tracee, &entry.call.raw))?;
        }
        let mut restored = entry.regs;
        restored.rax = leader_ret as u64;
        restored.orig_rax = entry.call.raw.nr;
        restored.rip = regs.rip;
        tolerate_gone(v.tracee.set_regs(&restored))?;
        v.history.set_last_result(&decode::ret_text(leader_ret));
        v.state = State::Running;
        tolerate_gone(v.tracee.cont(None))?;
        if let Some(f) = &mut self.in_flight {
            f.remaining.remove(&i);
            if f.remaining.is_empty() {
                self.in_flight = None;
                return self.try_rendezvous();
            }
        }
        Ok(None)
    }

    /// Updates the fd table once the result `ret` of the leader's call is known; `pair` holds
    /// the fds a pipe/socketpair created.
    fn apply_effect(&mut self, effect: FdEffect, ret: Option<i64>, pair: Option<(i32, i32)>) {
        match (effect, ret) {
            (FdEffect::None, _) => {}
            (FdEffect::Close { fd }, _) => self.fds.remove(fd),
            (FdEffect::CloseRange { first, last }, _) => self.fds.remove_range(first, last),
            (_, None) => {}
            (_, Some(r)) if r < 0 => {}
            (
                FdEffect::New {
                    kind,
                    pair_arg: None,
                },
                Some(fd),
            ) => self.fds.insert(fd as i32, kind),
            (
                FdEffect::New {
                    kind,
                    pair_arg: Some(_),
                },
                Some(_),
            ) => {
                if let Some((a, b)) = pair {
                    self.fds.insert(a, kind);
                    self.fds.insert(b, kind);
                }
            }
            (FdEffect::Dup { src }, Some(fd)) => {
                let kind = self.fds.get(src).unwrap_or(FdKind::LeaderOnly);
                self.fds.insert(fd as i32, kind);
            }
        }
    }

    /// How long the event loop may sleep before the rendezvous window needs checking.
    fn poll_timeout(&self) -> Option<Duration> {
        self.window_start().map(|start| {
            (start + self.cfg.window)
                .saturating_duration_since(Instant::now())
                .max(Duration::from_millis(1))
        })
    }

    /// The earliest arrival at an incomplete rendezvous.
    fn window_start(&self) -> Option<Instant> {
        if self.in_flight.is_some() {
            return None;
        }
        let lagging = self
            .variants
            .iter()
            .any(|v| matches!(v.state, State::Running));
        if !lagging {
            return None;
        }
        self.variants
            .iter()
            .filter_map(|v| match &v.state {
                State::AtEntry(e) => Some(e.arrived),
                State::Dead { at, .. } => Some(*at),
                _ => None,
            })
            .min()
    }

    /// Declares lagging variants non-complying once the window has passed, unless they are
    /// blocked in the kernel (a syscall every variant executes, such as a sleep).
    fn check_window(&mut self) -> Result<Option<Stop>> {
        let Some(start) = self.window_start() else {
            return Ok(None);
        };
        if start.elapsed() < self.cfg.window {
            return Ok(None);
        }
        let late: Vec<usize> = self
            .variants
            .iter()
            .filter(|v| matches!(v.state, State::Running) && !blocked_in_kernel(v.tracee.pid))
            .map(|v| v.index)
            .collect();
        if late.is_empty() {
            // Everyone lagging is blocked in a syscall: restart the window from now.
            for v in &mut self.variants {
                if let State::AtEntry(e) = &mut v.state {
                    e.arrived = Instant::now();
                }
            }
            return Ok(None);
        }
        let msg = format!(
            "variant(s) {:?} did not reach the next syscall within {:?} of the first arrival",
            late, self.cfg.window
        );
        let name = self
            .variants
            .iter()
            .find_map(|v| v.entry())
            .map(|e| table::name_of(e.call.raw.nr));
        Ok(Some(Stop::Diverged(self.divergence(
            DivergenceKind::Timeout,
            msg,
            name,
        ))))
    }

    fn forward_signal(&mut self, sig: Signal) {
        debug!(?sig, "forwarding a signal sent to mvx");
        for v in self.variants.iter().filter(|v| v.alive()) {
            let _ = nix::sys::signal::kill(v.tracee.pid, sig);
        }
    }

    fn warn(&mut self, text: String) {
        if self.warned.insert(text.clone()) {
            eprintln!("mvx: warning: {text}");
            self.warnings.push(text);
        }
    }

    fn divergence(
        &self,
        kind: DivergenceKind,
        message: String,
        syscall: Option<String>,
    ) -> Divergence {
        let variants = self
            .variants
            .iter()
            .map(|v| {
                let syscall = v.entry().map(|e| {
                    let spec = e.spec;
                    SyscallView {
                        name: table::name_of(e.call.raw.nr),
                        text: decode::syscall_text(&e.call),
                        args: e
                            .call
                            .values
                            .iter()
                            .enumerate()
                            .map(|(k, val)| {
                                decode::arg_text(spec.and_then(|s| s.args.get(k)).copied(), val)
                            })
                            .collect(),
                    }
                });
                let status = match &v.state {
                    State::Dead { how, .. } => how.describe(),
                    State::AtEntry(_) => "at syscall entry".into(),
                    State::Running | State::Starting => "running".into(),
                    State::InSyscall(_) | State::AtExit { .. } => "in syscall".into(),
                };
                VariantView {
                    index: v.index,
                    pid: v.tracee.pid.as_raw(),
                    program: v.program.clone(),
                    syscall: if matches!(v.state, State::Dead { .. }) {
                        None
                    } else {
                        syscall
                    },
                    status,
                    history: v.history.to_vec(),
                }
            })
            .collect();
        Divergence {
            kind,
            message,
            syscall,
            variants,
        }
    }

    /// Kills every variant that is still alive and reaps it: no tracee outlives the monitor.
    fn kill_all(&mut self) {
        for v in self.variants.iter().filter(|v| v.alive()) {
            v.tracee.kill();
        }
        for v in &mut self.variants {
            while v.alive() {
                match nix::sys::wait::waitpid(
                    v.tracee.pid,
                    Some(nix::sys::wait::WaitPidFlag::__WALL),
                ) {
                    Ok(WaitStatus::Exited(_, c)) => {
                        v.state = State::Dead {
                            how: Death::Exited(c),
                            at: Instant::now(),
                        }
                    }
                    Ok(WaitStatus::Signaled(_, s, _)) => {
                        v.state = State::Dead {
                            how: Death::Signaled(s),
                            at: Instant::now(),
                        }
                    }
                    Ok(_) => {}
                    Err(_) => {
                        v.state = State::Dead {
                            how: Death::Signaled(Signal::SIGKILL),
                            at: Instant::now(),
                        }
                    }
                }
            }
        }
    }
}

fn collect_outputs(leader: &Tracee, args: &[Arg], call: &Captured, ret: i64) -> Result<Outputs> {
    tolerate_gone_value(Outputs::collect(leader, args, call, ret))
}

/// Where two buffers part, for the one-line summary.
fn first_difference(a: &capture::Value, b: &capture::Value) -> String {
    use capture::Value::Bytes;
    let (Bytes(a), Bytes(b)) = (a, b) else {
        return String::new();
    };
    let at = a
        .iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    format!(
        " (first difference at byte {at}; {} vs {} bytes)",
        a.len(),
        b.len()
    )
}

fn describe_arg(a: &Arg) -> String {
    match a {
        Arg::In(_) | Arg::InOut(_) | Arg::IovIn { .. } | Arg::MsgIn => "buffer contents".into(),
        Arg::SockAddr { .. } => "socket address".into(),
        Arg::Path => "path".into(),
        Arg::Str => "string".into(),
        Arg::StrArray => "string array".into(),
        Arg::Ptr | Arg::Out(_) | Arg::IovOut { .. } | Arg::MsgOut => {
            "NULL-ness of a pointer".into()
        }
        Arg::Fd | Arg::DirFd => "file descriptor".into(),
        Arg::Flags => "flags".into(),
        Arg::Pid => "pid".into(),
        Arg::Signal => "signal".into(),
        Arg::Int | Arg::FcntlArg => "value".into(),
    }
}

fn cloexec_flag(leader: Pid, fd: i32) -> u64 {
    if fdtable::is_cloexec(leader, fd) {
        libc::O_CLOEXEC as u64
    } else {
        0
    }
}

/// The two fds a pipe/socketpair wrote to argument `arg` of the leader's call.
fn read_pair(t: &Tracee, call: &RawCall, arg: usize) -> Result<(i32, i32)> {
    let b = t.read_bytes(call.args[arg], 8)?;
    Ok((
        i32::from_ne_bytes(b[..4].try_into().unwrap()),
        i32::from_ne_bytes(b[4..].try_into().unwrap()),
    ))
}

/// Whether a running variant is blocked in the kernel (sleeping in a syscall).
fn blocked_in_kernel(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().chars().next())
        })
        .flatten()
        .is_some_and(|state| matches!(state, 'S' | 'D'))
}

/// Injects `mmap` of the scratch page in place of the variant's first syscall after exec.
fn inject_scratch(v: &mut Variant, saved: user_regs_struct) -> Result<()> {
    let mut regs = saved;
    tracee::set_call(
        &mut regs,
        libc::SYS_mmap as u64,
        [
            0,
            SCRATCH_SIZE,
            (libc::PROT_READ | libc::PROT_WRITE) as u64,
            (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
            u64::MAX,
            0,
        ],
    );
    tolerate_gone(v.tracee.set_regs(&regs))?;
    v.state = State::InSyscall(Pending::ScratchMmap { saved });
    tolerate_gone(v.tracee.cont_to_exit())
}

/// Records the scratch page and re-executes the syscall the injection displaced.
fn finish_scratch(v: &mut Variant, saved: user_regs_struct, regs: user_regs_struct) -> Result<()> {
    let addr = regs.rax;
    if (addr as i64) < 0 {
        bail!(
            "variant {}: mapping the scratch page failed: {}",
            v.index,
            decode::ret_text(addr as i64)
        );
    }
    v.tracee.write_bytes(addr, SCRATCH_PATH)?;
    v.scratch = Some(addr);
    let mut restart = saved;
    restart.rip -= tracee::SYSCALL_INSN_LEN;
    restart.rax = saved.orig_rax;
    tolerate_gone(v.tracee.set_regs(&restart))?;
    v.state = State::Running;
    tolerate_gone(v.tracee.cont(None))
}

/// ptrace fails with ESRCH once a tracee has been killed (by SIGKILL from outside, say); its
/// exit status follows as an event, so that failure is not an error of the monitor.
fn tolerate_gone(r: Result<()>) -> Result<()> {
    gone_ok(r).map(|_| ())
}

fn tolerate_gone_value<T: Default>(r: Result<T>) -> Result<T> {
    gone_ok(r).map(Option::unwrap_or_default)
}

fn gone_ok<T>(r: Result<T>) -> Result<Option<T>> {
    match r {
        Ok(v) => Ok(Some(v)),
        Err(e) => {
            let gone = e
                .chain()
                .any(|c| c.downcast_ref::<nix::errno::Errno>() == Some(&nix::errno::Errno::ESRCH));
            if gone {
                debug!("tracee vanished: {e:#}");
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}
