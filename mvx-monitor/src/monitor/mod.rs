//! The lock-step engine.
//!
//! Threading model: one tracer thread (ptrace ties every tracee to the thread that attached
//! it) drives one state machine per **lock-step group**. A group is the set of corresponding
//! tasks across variants (thread k of process p in every variant); groups are created at
//! fork/vfork/clone in creation order and are stepped independently, so a group blocked in a
//! syscall (a leader waiting in `read` on a pipe) never stalls another. Events come from
//! `waitpid`; the loop sleeps on a signalfd so that rendezvous windows and signals sent to mvx
//! are handled in the same place.
//!
//! State in parts: `Monitor` owns the tasks, groups and processes and orchestrates; state that
//! one kind of step changes sits in a part whose methods see only that part (`&mut self` of
//! the part), so a call's borrows show what it can change:
//! - `FdState` (per process, `fd_state.rs`): the fd table and the fd-table turn; changed by a
//!   call's fd effect and by taking or releasing the turn (waking the waiters is `Monitor`'s);
//! - `ProcSignals` (per process, `process_signals.rs`): dispositions (the leader's
//!   rt_sigaction, exec) and where process-directed signals are delivered, with the credits;
//! - `SignalSync` (the run, `signals.rs`): delivery counters and delays for the report, and the
//!   groups waiting for their members to die as one of them did;
//! - `RuntimeServer` (the run, `runtime_server.rs`): the runtime's shared buffer, which only it
//!   writes (fd classes, threaded and leader-gone flags), and the setup calls it exempts;
//! - `ClockQueues` (per group, `clock.rs`): leader clock values not yet taken by followers;
//! - `Majority` (`majority.rs`): which variants the policy retired; `Termination`
//!   (`liveness.rs`), `Warnings` and the followers' `Shadows` (`shadow_writes.rs`).
//!
//! What changes tasks or groups, or several parts at once, stays a `Monitor` method.
//!
//! For each syscall a group goes through arrive -> rendezvous -> compare -> dispatch ->
//! replicate (`lockstep.rs`), calling the phases of irregular calls in `handlers/` (keyed by
//! the table's `Special` kind); the runtime's own syscalls are served in `runtime_server.rs`;
//! task creation, exec and death are in `lifecycle.rs`; virtual pids in `ids.rs`; code
//! injected into variants (the scratch page, placeholder fds, emulated instructions) in
//! `inject.rs`.
//!
//! Stops: a wait status that reports a ptrace stop comes with a `tracee::Stopped` token, which
//! `on_wait_status` hands to the handler of the stop by value. The handler either resumes the
//! task with it at once, or moves the task into a stopped state, which holds it (`task.rs`):
//! `AtEntry`, `AtExit`, `ClockWait`, `AtSignal`, `GroupStopped`, `AtExec`, `AtFault`.
//! Registers and siginfo of a held task are reached through its state's token
//! (`Task::stopped`); resuming it means leaving the state and consuming the token
//! (`Task::resume` from the present state, `Task::resume_from` with a token in hand), so
//! that a token is held exactly in the stopped states is a fact of the types. A signal-delivery
//! stop is `AtSignal` from the moment it is seen, keeping the state it interrupted to go back
//! to. The initial stops of tasks not known yet wait in `Monitor::unclaimed` until their
//! parent's clone event names them.

mod backlog;
mod buffer_slots;
mod clock;
mod colocate;
mod epoll;
mod equivalence;
mod fd_place;
mod fd_state;
mod handlers;
mod ids;
mod inject;
mod job_control;
mod lifecycle;
mod liveness;
mod lockstep;
mod majority;
mod own_ids;
pub mod placement;
mod process_signals;
mod relaxed;
mod runtime_server;
mod shadow_writes;
mod siginfo;
mod signals;
mod task;

use crate::capture::Captured;
use crate::config::Config;
use crate::decode;
use crate::dispatch_plan::Decision;
use crate::events::{Event, Events, WaitEvent, Waited};
use crate::exit_status;
use crate::fdtable::FdTable;
use crate::replicate::Outputs;
use crate::report::{
    BufferView, Divergence, DivergenceKind, GroupNode, History, Outcome, Report, RunInfo,
    SyscallView, VariantView,
};
use crate::spawn::{self, Spawned};
use crate::table::{self, Spec};
use crate::tracee::{Stopped, Tracee};
use anyhow::{Context, Result};
use libc::user_regs_struct;
use nix::unistd::Pid;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ffi::CString;
use std::time::{Duration, Instant};
use tracing::{debug, trace};

use task::{Death, Entry, Pending, Resume, State, Task};

/// The longest the event loop sleeps before it checks that its tracees still exist.
const VANISH_POLL: Duration = Duration::from_secs(1);

type TaskId = usize;
type GroupId = usize;
type ProcId = usize;

/// A variant lost with its follower host's link, and why.
struct LostVariant {
    variant: usize,
    proc_: ProcId,
    why: String,
}

/// A syscall being executed after a successful rendezvous.
struct InFlight {
    decision: Decision,
    /// Variants whose task has not been let go yet.
    remaining: HashSet<usize>,
    /// The leader's out-buffers, read at its syscall exit (leader-only calls).
    outputs: Option<Outputs>,
    /// The fds a leader-only pipe/socketpair created.
    pair: Option<(i32, i32)>,
    /// The group a fork/clone in flight is creating.
    new_group: Option<GroupId>,
    /// When the first member came back from a call every variant executes.
    first_exit: Option<Instant>,
    /// Remote members that lagged and were left out (`backlog.rs`): they get the call's
    /// outcome from their backlog.
    absent: Vec<usize>,
}

/// Corresponding tasks of every variant, stepped together.
struct Group {
    /// The member task of each variant (`None` until the variant's clone reported it).
    members: Vec<Option<TaskId>>,
    proc_: ProcId,
    /// Whether the group is a secondary thread of its process.
    thread: bool,
    in_flight: Option<InFlight>,
    /// Its process called exit_group or exec: members die without reaching a rendezvous, at
    /// different moments in different variants, and that is no divergence.
    doomed: bool,
    /// A signal being delivered to every member, and since when.
    delivery: Option<(i32, Instant)>,
    /// Leader clock values not yet taken by each follower (see `clock.rs`).
    clock_queues: clock::ClockQueues,
    /// Since when it has waited for its process's fd-table turn (see `take_fd_table`).
    fd_wait_since: Option<Instant>,
    /// Calls settled without remote members that lag (`backlog.rs`).
    backlogs: backlog::Backlogs,
    /// The siginfo the leader was last delivered each signal with (`siginfo.rs`).
    leader_siginfo: HashMap<i32, libc::siginfo_t>,
    /// The group whose fork/clone created it (`None` for the first), for the report's tree.
    created_by: Option<GroupId>,
}

/// A process of the program, as all variants share it: what the monitor knows of it.
struct VProc {
    fd: fd_state::FdState,
    /// Per variant: what has been injected into its current address space.
    spaces: Vec<inject::AddressSpace>,
    /// The group of its first task (its pid is the process id).
    main_group: GroupId,
    /// Dispositions and process-directed delivery (`process_signals.rs`).
    signals: process_signals::ProcSignals,
    /// Each variant's epoll_event.data of every registration.
    epoll: epoll::EpollData,
    /// The process has (had) more than one thread since its exec: thread scheduling can change
    /// its syscalls (see `relaxed.rs`, `clock.rs`).
    threaded: bool,
    /// Children created with CLONE_VM (vfork, posix_spawn) that run in this process's memory
    /// and have not exec'd or ended in every variant (`PROCESS_SHARES_MEMORY`).
    memory_children: u32,
    /// For a child of CLONE_VM: the parent whose memory it runs in until it execs, and
    /// whether the parent waits for that (vfork) and so counts it in `memory_children`.
    memory_parent: Option<(ProcId, bool)>,
    /// Temporary names followers took from the leader: (variant, own name) -> leader's name.
    temp_names: HashMap<(usize, Vec<u8>), Vec<u8>>,
}

/// Why the run ended.
enum Stop {
    /// Every variant of the first process ended the same way.
    Finished(Death),
    Diverged(Divergence),
    /// A terminating signal was sent to mvx and the program did not end in time.
    Terminated(i32),
}

/// Warnings printed once each, and kept for the report.
#[derive(Default)]
struct Warnings {
    seen: HashSet<String>,
    list: Vec<String>,
}

impl Warnings {
    fn add(&mut self, text: String) {
        if self.seen.insert(text.clone()) {
            eprintln!("mvx: warning: {text}");
            self.list.push(text);
        }
    }
}

pub struct Monitor {
    cfg: Config,
    tasks: Vec<Task>,
    groups: Vec<Group>,
    procs: Vec<VProc>,
    by_pid: HashMap<Pid, TaskId>,
    /// Initial stops of new tasks that arrived before their parent's clone event.
    unclaimed: HashMap<Pid, Stopped>,
    events: Events,
    rendezvous: u64,
    /// Rendezvous per syscall number (`--stats`: which calls still take the round trip).
    rendezvous_by_nr: HashMap<u64, u64>,
    /// The leader's calls that stopped in the monitor outside lock-step, per syscall number
    /// (the clock channel and relaxed calls of multi-threaded processes).
    unpaired_by_nr: HashMap<u64, u64>,
    /// (syscall, rule line) -> how often an equivalence rule let a call run alone.
    rules_used: HashMap<(u64, usize), u64>,
    /// The last id of an expectation posted to a follower host (`backlog.rs`).
    next_expectation: u64,
    /// Calls of remote followers their hosts answered from expectations, per syscall.
    answered_remotely: HashMap<u64, u64>,
    /// Groups with a member that has not ended: what the event loop looks at, so that its
    /// work follows the live threads, not every thread a long-running server ever had.
    running: BTreeSet<GroupId>,
    warnings: Warnings,
    /// Whether this CPU can fault cpuid (learned from the first injection).
    cpuid_faulting: Option<bool>,
    /// Synchronous signal delivery's run-wide bookkeeping (`signals.rs`).
    signal_sync: signals::SignalSync,
    /// The buffer the in-variant runtime shares between variants (removed when mvx ends).
    runtime: runtime_server::RuntimeServer,
    /// Followers' shadows of the files the program maps shared (see `shadow.rs`).
    shadows: crate::shadow::Shadows,
    /// A terminating signal sent to mvx (see `liveness.rs`).
    termination: Option<liveness::Termination>,
    majority: majority::Majority,
    /// Where the monitor and the variants run (`--placement`).
    placer: placement::Placer,
}

impl Monitor {
    /// Starts every variant. Errors here are start-up failures of mvx itself.
    pub fn start(mut cfg: Config) -> Result<Monitor> {
        let events = Events::new().context("setting up the event loop")?;
        crate::open_policy::set_host_local(cfg.host_local.clone());
        if !cfg.remotes.is_empty() {
            crate::open_policy::set_remote_run_start();
        }
        let mut runtime = runtime_server::RuntimeServer::create(&mut cfg);
        runtime.group_started(0);
        let n = cfg.programs.len();
        let mut m = Monitor {
            tasks: Vec::new(),
            groups: vec![Group {
                members: vec![None; n],
                proc_: 0,
                thread: false,
                in_flight: None,
                doomed: false,
                delivery: None,
                clock_queues: Default::default(),
                fd_wait_since: None,
                backlogs: Default::default(),
                leader_siginfo: HashMap::new(),
                created_by: None,
            }],
            procs: vec![VProc {
                fd: Default::default(),
                spaces: vec![inject::AddressSpace::default(); n],
                main_group: 0,
                signals: Default::default(),
                epoll: epoll::EpollData::default(),
                temp_names: HashMap::new(),
                threaded: false,
                memory_children: 0,
                memory_parent: None,
            }],
            by_pid: HashMap::new(),
            unclaimed: HashMap::new(),
            events,
            rendezvous: 0,
            rendezvous_by_nr: HashMap::new(),
            unpaired_by_nr: HashMap::new(),
            rules_used: HashMap::new(),
            next_expectation: 0,
            answered_remotely: HashMap::new(),
            running: BTreeSet::from([0]),
            warnings: Warnings::default(),
            cpuid_faulting: None,
            signal_sync: Default::default(),
            runtime,
            majority: majority::Majority::new(cfg.policy, n),
            termination: None,
            shadows: Default::default(),
            placer: placement::Placer::new(cfg.placement),
            cfg,
        };
        for variant in 0..n {
            if m.cfg.remote_of(variant).is_some() {
                continue;
            }
            let program = m.cfg.programs[variant].clone();
            let Spawned { pid, exec_error } = spawn::spawn(
                &program,
                &m.cfg.argv,
                &m.cfg.envp,
                m.events.child_sigmask(),
                spawn::inherited_ignored(),
                m.cfg.layout_of(variant),
                m.cfg.level,
            )
            .with_context(|| format!("starting variant {variant} ({})", program.display()))?;
            debug!(variant, %pid, program = %program.display(), "variant started");
            m.placer.place_variant(pid, variant, n);
            let id = m.add_task(pid, variant, 0, State::Starting);
            m.tasks[id].exec_error = Some(exec_error);
        }
        // After the local forks: the links run I/O threads.
        for variant in 0..n {
            if let Some(spec) = m.cfg.remote_of(variant).cloned() {
                let pid = m.start_remote(variant, &spec)?;
                m.add_task(pid, variant, 0, State::Starting);
            }
        }
        Ok(m)
    }

    /// Starts variant `variant` on the follower host `spec`; returns its host pid.
    fn start_remote(&self, variant: usize, spec: &crate::remote::link::RemoteSpec) -> Result<Pid> {
        let program = &self.cfg.programs[variant];
        let start =
            crate::remote::link::variant_start(variant, program, self.cfg.layout_of(variant))?;
        let cwd = std::env::current_dir().context("the working directory")?;
        let hello = crate::remote::wire::Hello {
            magic: crate::remote::wire::MAGIC,
            version: crate::remote::wire::VERSION,
            variants: vec![start],
            argv: self
                .cfg
                .argv
                .iter()
                .map(|a| a.as_bytes().to_vec())
                .collect(),
            envp: self
                .cfg
                .envp
                .iter()
                .map(|a| a.as_bytes().to_vec())
                .collect(),
            cwd: cwd.as_os_str().as_encoded_bytes().to_vec(),
            level: self.cfg.level as u8,
            sigmask: spawn::sigset_bits(self.events.child_sigmask()),
            ignored: spawn::inherited_ignored(),
        };
        let security = self
            .cfg
            .security
            .as_ref()
            .context("--remote needs --cert/--key/--peer-ca or --insecure")?;
        let (_, pids) = crate::remote::link::open(spec, security, hello, self.cfg.window)
            .with_context(|| format!("starting variant {variant} on {}", spec.address))?;
        debug!(variant, pid = %pids[0], host = %spec.address, "remote variant started");
        Ok(pids[0])
    }

    fn add_task(&mut self, pid: Pid, variant: usize, group: GroupId, state: State) -> TaskId {
        let id = self.tasks.len();
        self.tasks.push(Task {
            tracee: Tracee::new(pid),
            variant,
            group,
            proc_: self.groups[group].proc_,
            state,
            history: History::default(),
            exec_error: None,
            sig: signals::SignalBook::default(),
            setup_calls: 0,
            temp_name_redraws: 0,
            in_memory_of: None,
            entries: 0,
            rule_cursor: None,
        });
        if self.majority.is_retired(variant) {
            // A task a retired variant created as it was being killed.
            crate::tracee::signal(pid, libc::SIGKILL);
        } else {
            self.groups[group].members[variant] = Some(id);
        }
        self.by_pid.insert(pid, id);
        self.placer.place_new_task(pid);
        id
    }

    /// The periodic part of placement (`placement.rs`), when it is due: it needs the tasks.
    fn place(&mut self) {
        if !self.placer.due() {
            return;
        }
        let Some(first) = self.groups[0].members[0].map(|t| self.tasks[t].tracee.pid) else {
            return;
        };
        let live = || self.tasks.iter().filter(|t| t.alive());
        let leaders: Vec<Pid> = live()
            .filter(|t| t.variant == 0)
            .map(|t| t.tracee.pid)
            .collect();
        let all: Vec<Pid> = live().map(|t| t.tracee.pid).collect();
        self.placer.tick(first, &leaders, &all, self.rendezvous);
    }

    /// A program starts: placement as it wants that (`Placer::on_exec`).
    fn place_for_exec(&mut self) {
        let all: Vec<Pid> = self
            .tasks
            .iter()
            .filter(|t| t.alive())
            .map(|t| t.tracee.pid)
            .collect();
        self.placer.on_exec(&all);
    }

    /// Pids of the first process of each variant (the leader first), for messages: a
    /// remote one's as its host knows it, with the host.
    pub fn pids(&self) -> Vec<String> {
        self.groups[0]
            .members
            .iter()
            .flatten()
            .map(|&t| {
                let pid = self.tasks[t].tracee.pid;
                match crate::remote::link::host_label(pid) {
                    Some(host) => format!("{} on {host}", crate::remote::link::own_pid(pid)),
                    None => pid.to_string(),
                }
            })
            .collect()
    }

    fn variants(&self) -> usize {
        self.cfg.programs.len()
    }

    /// The task of variant `v` in group `g`, if it exists yet.
    fn member(&self, g: GroupId, v: usize) -> Option<TaskId> {
        self.groups[g].members[v]
    }

    /// The groups with a member that has not ended, in creation order.
    fn running_groups(&self) -> Vec<GroupId> {
        self.running.iter().copied().collect()
    }

    /// The tasks of groups still running (every live task is among them).
    fn running_tasks(&self) -> impl Iterator<Item = &Task> + '_ {
        self.running
            .iter()
            .flat_map(|&g| self.groups[g].members.iter().flatten())
            .map(|&t| &self.tasks[t])
    }

    fn any_task_alive(&self) -> bool {
        self.running_tasks().any(Task::alive)
    }

    /// Runs the program to its end or to a divergence, then kills whatever is left.
    pub fn run(mut self) -> Result<Report> {
        let result = self.event_loop();
        let result = match result {
            // A follower host gone in the middle of an operation on its tracee: the run ends
            // as a divergence (that variant no longer complies), not as mvx's own failure.
            Err(e) => self.host_lost(&e).map(Stop::Diverged).ok_or(e),
            ok => ok,
        };
        // The tree as the run left it: after `kill_all` every task is dead.
        let diverged_group = match &result {
            Ok(Stop::Diverged(d)) => d.group_id,
            _ => None,
        };
        let (tree, tree_omitted) = self.group_tree(diverged_group);
        self.kill_all();
        let stop = result?;
        let (outcome, exit_status, divergence) = match stop {
            Stop::Finished(Death::Exited(code)) => (Outcome::Exited, code, None),
            Stop::Finished(Death::Signaled(sig)) => {
                (Outcome::Signaled, exit_status::for_signal(sig), None)
            }
            Stop::Diverged(d) => (Outcome::Divergence, exit_status::DIVERGENCE, Some(d)),
            Stop::Terminated(sig) => (Outcome::Terminated, exit_status::for_signal(sig), None),
        };
        Ok(Report {
            outcome,
            exit_status,
            variants: self
                .cfg
                .programs
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            syscalls: self.rendezvous,
            syscalls_by_name: by_name(&self.rendezvous_by_nr),
            unpaired_by_name: by_name(&self.unpaired_by_nr),
            rules_used: self.rules_used(),
            answered_on_follower_hosts: by_name(&self.answered_remotely),
            warnings: std::mem::take(&mut self.warnings.list),
            signals: self.signal_sync.report(),
            divergence,
            run: self.run_info(),
            tree,
            tree_omitted,
        })
    }

    fn run_info(&self) -> RunInfo {
        let policy = match self.cfg.policy {
            crate::config::Policy::Kill => "kill",
            crate::config::Policy::Majority => "majority",
        };
        let argv = self
            .cfg
            .argv
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        RunInfo {
            rules: self.cfg.rules.sources().to_vec(),
            ..RunInfo::of_this_run(argv, self.cfg.level.name(), policy)
        }
    }

    /// The groups for the report: the diverging one and its ancestors always, then the others
    /// in creation order up to `TREE_KEPT`; and how many were left out.
    fn group_tree(&self, diverged: Option<GroupId>) -> (Vec<GroupNode>, usize) {
        let parent_of = |g: GroupId| -> Option<GroupId> {
            let group = &self.groups[g];
            if group.thread {
                Some(self.procs[group.proc_].main_group)
            } else {
                group
                    .created_by
                    .map(|c| self.procs[self.groups[c].proc_].main_group)
            }
        };
        let mut kept = BTreeSet::new();
        let mut g = diverged;
        while let Some(at) = g {
            if !kept.insert(at) {
                break;
            }
            g = parent_of(at);
        }
        for g in 0..self.groups.len() {
            if kept.len() >= crate::report::TREE_KEPT {
                break;
            }
            kept.insert(g);
        }
        let nodes = kept
            .iter()
            .map(|&g| {
                let members = &self.groups[g].members;
                GroupNode {
                    id: g,
                    parent: parent_of(g),
                    thread: self.groups[g].thread,
                    pids: members
                        .iter()
                        .map(|t| t.map_or(0, |t| shown_pid(&self.tasks[t])))
                        .collect(),
                    state: members[0].map_or_else(
                        || "not created".into(),
                        |t| state_text(&self.tasks[t].state),
                    ),
                    diverged: Some(g) == diverged,
                }
            })
            .collect();
        (nodes, self.groups.len() - kept.len())
    }

    fn event_loop(&mut self) -> Result<Stop> {
        loop {
            match self.events_until_stop() {
                Err(e) => {
                    if let Some(stop) = self.outlive_lost_host(e)? {
                        return Ok(stop);
                    }
                }
                stop => return stop,
            }
        }
    }

    fn events_until_stop(&mut self) -> Result<Stop> {
        // Whether the last wait ended by its timeout: only then can tracees have vanished
        // unseen (an event would have come otherwise), so only then is that checked (a waitid).
        let mut idle = false;
        loop {
            while let Some(status) = self.events.next_wait_status()? {
                if let Some(stop) = self.on_wait_status(status)? {
                    return Ok(stop);
                }
            }
            if let Some(stop) = self.finished()? {
                return Ok(stop);
            }
            self.place();
            if let Some(stop) = self.check_termination() {
                return Ok(stop);
            }
            if idle {
                self.check_vanished()?;
            }
            self.expire_clock_waits()?;
            if self.any_group_stopped() {
                self.wake_continued()?;
            }
            if let Some(stop) = self.check_signal_waits() {
                return Ok(stop);
            }
            if let Some(stop) = self.check_windows()? {
                return Ok(stop);
            }
            if self.signals_waiting() {
                if let Some(stop) = self.recheck_signals()? {
                    return Ok(stop);
                }
                if let Some(stop) = self.recheck_deaths()? {
                    return Ok(stop);
                }
            }
            if let Some(status) = self.events.spin_for_wait_status(self.placer.spin())? {
                if let Some(stop) = self.on_wait_status(status)? {
                    return Ok(stop);
                }
                continue;
            }
            let timeout = self
                .poll_timeout()
                .map_or(VANISH_POLL, |t| t.min(VANISH_POLL));
            idle = false;
            match self.events.wait(Some(timeout))? {
                Event::Child => {}
                Event::Timeout => idle = true,
                Event::Forward(sig) => {
                    if let Some(stop) = self.on_signal_to_mvx(sig) {
                        return Ok(stop);
                    }
                }
                Event::FromTerminal(sig) => self.forward_signal_to_remote(sig),
            }
        }
    }

    /// The run is over once every task is gone; the first process decides the outcome.
    fn finished(&self) -> Result<Option<Stop>> {
        if self.any_task_alive() {
            return Ok(None);
        }
        let deaths: Vec<Death> = self.groups[0]
            .members
            .iter()
            .flatten()
            .map(|&t| match self.tasks[t].state {
                State::Dead { how, .. } => how,
                _ => unreachable!("every task is dead"),
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
            0,
            DivergenceKind::ExitMismatch,
            msg,
            None,
        ))))
    }

    fn on_wait_status(&mut self, waited: Waited) -> Result<Option<Stop>> {
        let Waited {
            event: status,
            stop,
        } = waited;
        let pid = status.pid();
        let Some(&t) = self.by_pid.get(&pid) else {
            match (status, stop) {
                // A new task that stopped before its parent's clone event named it.
                (WaitEvent::SignalStop { .. }, Some(stop)) => {
                    self.unclaimed.insert(pid, stop);
                }
                _ => debug!(?status, "event for an unknown pid"),
            }
            return Ok(None);
        };
        trace!(task = t, ?status, "wait status");
        // Each handler of a stop gets its token, and puts it into the state it moves the task
        // to, or resumes the task with it.
        let stop = match (status, stop) {
            (WaitEvent::Exited { code, .. }, _) => return self.on_death(t, Death::Exited(code)),
            (WaitEvent::Killed { sig, .. }, _) => return self.on_death(t, Death::Signaled(sig)),
            (WaitEvent::Answered { id, .. }, _) => return self.answered_at_host(t, id),
            (_, Some(stop)) => stop,
            (_, None) => anyhow::bail!("task {t}: {status:?} reported without a stop"),
        };
        match status {
            WaitEvent::SeccompStop(_) => self.on_entry(t, stop),
            WaitEvent::SyscallStop(_) => self.on_exit(t, stop),
            WaitEvent::PtraceEvent {
                event: libc::PTRACE_EVENT_EXEC,
                ..
            } => self.on_exec(t, stop),
            WaitEvent::PtraceEvent {
                event: libc::PTRACE_EVENT_FORK | libc::PTRACE_EVENT_VFORK | libc::PTRACE_EVENT_CLONE,
                ..
            } => self.on_clone_event(t, stop).map(|()| None),
            WaitEvent::PtraceEvent { event, .. } => {
                debug!(task = t, event, "ignoring ptrace event");
                self.resume_unchanged(t, stop, None).map(|()| None)
            }
            WaitEvent::SignalStop { sig, .. } => self.on_signal(t, sig, stop),
            WaitEvent::Exited { .. } | WaitEvent::Killed { .. } | WaitEvent::Answered { .. } => {
                unreachable!("handled above")
            }
        }
    }

    /// Resumes a task from `stop` after a stop that did not change its (running) state.
    fn resume_unchanged(&mut self, t: TaskId, stop: Stopped, sig: Option<i32>) -> Result<()> {
        tolerate_gone(Resume::unchanged(&self.tasks[t].state, sig).apply(stop))
    }

    /// How long the event loop may sleep before some rendezvous window needs checking.
    fn poll_timeout(&self) -> Option<Duration> {
        // Signals pending in held tasks' kernels are only seen by looking.
        let signal_poll = self
            .signals_waiting()
            .then_some(Duration::from_millis(5))
            .into_iter()
            .chain(self.delivery_poll())
            .chain(
                clock::next_clock_deadline(self.running_tasks())
                    .map(|d| d.saturating_duration_since(Instant::now())),
            )
            .min();
        let window = self
            .running
            .iter()
            .filter_map(|&g| {
                self.window_start(g)
                    .or_else(|| self.in_flight_stall_start(g))
            })
            .min()
            .map(|start| {
                (start + self.cfg.window)
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1))
            });
        let signal_wait = self
            .running
            .iter()
            .filter_map(|&g| {
                self.groups[g]
                    .delivery
                    .map(|(_, since)| since + self.cfg.signal_wait)
            })
            .min()
            .map(|d| {
                d.saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1))
            });
        let window = match (window, signal_wait) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let termination = self
            .termination
            .map(|t| t.deadline().saturating_duration_since(Instant::now()));
        let stopped = self.any_group_stopped().then_some(job_control::CONT_POLL);
        [signal_poll, window, termination, stopped]
            .into_iter()
            .flatten()
            .min()
    }

    /// The earliest arrival at an incomplete rendezvous of group `g`.
    fn window_start(&self, g: GroupId) -> Option<Instant> {
        let group = &self.groups[g];
        if group.doomed {
            return None;
        }
        if self.group_is_stopped(g) {
            return None;
        }
        if let Some(since) = self.held_by_monitor_since(g) {
            return Some(since);
        }
        if group.in_flight.is_some() || group.delivery.is_some() {
            return None;
        }
        let members: Vec<&Task> = group
            .members
            .iter()
            .flatten()
            .map(|&t| &self.tasks[t])
            .collect();
        if !members.iter().any(|t| matches!(t.state, State::Running)) {
            return None;
        }
        members
            .iter()
            .filter_map(|t| match &t.state {
                State::AtEntry(e, _) => Some(e.arrived),
                State::Dead { at, .. } => Some(*at),
                _ => None,
            })
            .min()
    }

    /// A member that does not stop for a signal being delivered within `signal_wait` (it blocks
    /// every signal and never reaches a syscall) is non-complying.
    fn check_signal_waits(&mut self) -> Option<Stop> {
        for g in self.running_groups() {
            let Some((sig, since)) = self.groups[g].delivery else {
                continue;
            };
            if since.elapsed() < self.cfg.signal_wait {
                continue;
            }
            let late: Vec<usize> = self.groups[g]
                .members
                .iter()
                .flatten()
                .map(|&t| &self.tasks[t])
                .filter(|t| {
                    matches!(
                        t.state,
                        State::Running | State::InSyscall(_) | State::Restarting { .. }
                    )
                })
                .map(|t| t.variant)
                .collect();
            let msg = format!(
                "{}: variant(s) {late:?} did not stop for {} within {:?}",
                self.group_label(g),
                decode::signal_name(sig),
                self.cfg.signal_wait
            );
            return Some(Stop::Diverged(self.divergence(
                g,
                DivergenceKind::Timeout,
                msg,
                None,
            )));
        }
        None
    }

    /// Declares lagging tasks non-complying once a window has passed, unless they are blocked
    /// in the kernel (in a syscall every variant executes, such as a sleep).
    fn check_windows(&mut self) -> Result<Option<Stop>> {
        if let Some(stop) = self.check_in_flight_stalls() {
            return Ok(Some(stop));
        }
        for g in self.running_groups() {
            let Some(start) = self.window_start(g) else {
                continue;
            };
            if start.elapsed() < self.cfg.window {
                continue;
            }
            let members: Vec<TaskId> = self.groups[g].members.iter().flatten().copied().collect();
            let late: Vec<usize> = members
                .iter()
                .map(|&t| &self.tasks[t])
                .filter(|t| matches!(t.state, State::Running) && !waits_legitimately(t.tracee.pid))
                .map(|t| t.variant)
                .collect();
            if late.is_empty() {
                // Everyone lagging is blocked in a syscall: restart the window from now.
                for &t in &members {
                    if let State::AtEntry(e, _) = &mut self.tasks[t].state {
                        e.arrived = Instant::now();
                    }
                }
                continue;
            }
            let on_lock = late.iter().any(|&v| {
                self.member(g, v)
                    .is_some_and(|t| crate::procfs::waits_on_lock(self.tasks[t].tracee.pid))
            });
            let msg = format!(
                "variant(s) {late:?} did not reach the next syscall within {:?} of the first arrival{}",
                self.cfg.window,
                if on_lock {
                    " (blocked on a lock: its threads took a lock in another order than the \
                     leader's, and one holds it at a monitored call; programs built with the \
                     sync runtime, or whose locks are pthread mutexes with `--preload`, replay \
                     the leader's order)"
                } else {
                    ""
                }
            );
            let name = members
                .iter()
                .find_map(|&t| self.tasks[t].entry())
                .map(|e| table::name_of(e.call.raw.nr));
            if self.cfg.dump_on_hang {
                for line in self.state_lines() {
                    eprintln!("mvx: state: {line}");
                }
            }
            return Ok(Some(Stop::Diverged(self.divergence(
                g,
                DivergenceKind::Timeout,
                msg,
                name,
            ))));
        }
        Ok(None)
    }

    /// Sends `sig` to the first process of each remote variant (a terminal's signal, which
    /// reached the local ones in their process group).
    fn forward_signal_to_remote(&mut self, sig: nix::sys::signal::Signal) {
        for &t in self.groups[0].members.iter().flatten() {
            let task = &self.tasks[t];
            if task.alive() && crate::remote::link::is_remote(task.tracee.pid) {
                debug!(
                    ?sig,
                    variant = task.variant,
                    "a terminal's signal forwarded to a follower host"
                );
                crate::tracee::signal(task.tracee.pid, sig as i32);
            }
        }
    }

    fn forward_signal(&mut self, sig: nix::sys::signal::Signal) {
        debug!(?sig, "forwarding a signal sent to mvx");
        for &t in self.groups[0].members.iter().flatten() {
            if self.tasks[t].alive() {
                crate::tracee::signal(self.tasks[t].tracee.pid, sig as i32);
            }
        }
    }

    /// "process 1234" or "thread 1240 of process 1234", in the leader's (virtual) ids.
    fn group_label(&self, g: GroupId) -> String {
        let group = &self.groups[g];
        let id_of = |g: GroupId| {
            self.groups[g].members[0]
                .map(|t| self.tasks[t].tracee.pid.to_string())
                .unwrap_or_else(|| "?".into())
        };
        let process = id_of(self.procs[group.proc_].main_group);
        if group.thread {
            format!("thread {} of process {process}", id_of(g))
        } else {
            format!("process {process}")
        }
    }

    /// The divergence a lost follower host makes, if a link was lost.
    fn host_lost(&self, e: &anyhow::Error) -> Option<Divergence> {
        let lost = self.lost_variants().into_iter().next()?;
        debug!("the run ends with a lost follower host: {e:#}");
        Some(self.divergence(
            self.procs[lost.proc_].main_group,
            DivergenceKind::HostLost,
            format!("variant {} was lost {}", lost.variant, lost.why),
            None,
        ))
    }

    /// The variants (not retired) whose follower host's link is lost, one entry each.
    fn lost_variants(&self) -> Vec<LostVariant> {
        let mut lost: Vec<LostVariant> = Vec::new();
        for task in &self.tasks {
            let v = task.variant;
            if self.majority.is_retired(v) || lost.iter().any(|l| l.variant == v) {
                continue;
            }
            if let Some(why) = crate::remote::link::lost_reason(task.tracee.pid) {
                let host = crate::remote::link::host_label(task.tracee.pid).unwrap_or_default();
                lost.push(LostVariant {
                    variant: v,
                    proc_: task.proc_,
                    why: format!("with the link to its host {host}: {why}"),
                });
            }
        }
        lost
    }

    fn divergence(
        &self,
        g: GroupId,
        kind: DivergenceKind,
        message: String,
        syscall: Option<String>,
    ) -> Divergence {
        let variants = self.groups[g]
            .members
            .iter()
            .enumerate()
            .map(|(v, t)| match t {
                Some(t) => self.variant_view(*t),
                None => VariantView {
                    index: v,
                    pid: 0,
                    host: self.cfg.remote_of(v).map(|r| r.address.clone()),
                    program: self.cfg.programs[v].display().to_string(),
                    syscall: None,
                    status: "not created".into(),
                    history: vec![],
                },
            })
            .collect();
        Divergence {
            kind,
            message,
            syscall,
            group: self.group_label(g),
            group_id: Some(g),
            variants,
        }
    }

    fn variant_view(&self, t: TaskId) -> VariantView {
        let task = &self.tasks[t];
        let syscall = task.entry().map(|e| SyscallView {
            name: table::name_of(e.call.raw.nr),
            text: decode::syscall_text(&e.call),
            args: e
                .call
                .values
                .iter()
                .enumerate()
                .map(|(k, val)| decode::arg_text(e.spec.and_then(|s| s.args.get(k)).copied(), val))
                .collect(),
            buffers: e
                .call
                .values
                .iter()
                .enumerate()
                .filter_map(|(k, val)| match val {
                    crate::capture::Value::Bytes(b) => Some(BufferView::new(k, b)),
                    _ => None,
                })
                .collect(),
        });
        let status = state_text(&task.state);
        let (pid, host, status) = match crate::remote::link::split_pid(task.tracee.pid) {
            Some((_, own)) => {
                let status = match crate::remote::link::lost_reason(task.tracee.pid) {
                    Some(why) if !task.alive() => format!("lost with the link to its host: {why}"),
                    _ => status,
                };
                (
                    own,
                    crate::remote::link::host_label(task.tracee.pid),
                    status,
                )
            }
            None => {
                let here =
                    (!self.cfg.remotes.is_empty()).then(crate::remote::link::this_host_label);
                (task.tracee.pid.as_raw(), here, status)
            }
        };
        VariantView {
            index: task.variant,
            pid,
            host,
            program: self.cfg.programs[task.variant].display().to_string(),
            syscall: if task.alive() { syscall } else { None },
            status,
            history: task.history.to_vec(),
        }
    }

    /// Kills every task that is still alive and reaps it: no tracee outlives the monitor.
    fn kill_all(&mut self) {
        for t in self.tasks.iter().filter(|t| t.alive()) {
            t.tracee.kill();
        }
        for (pid, _) in self.unclaimed.drain() {
            crate::tracee::signal(pid, libc::SIGKILL);
        }
        // Reap everything, including tasks we never got to know.
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.tasks.iter().any(Task::alive) && Instant::now() < deadline {
            let mut status = 0;
            // SAFETY: plain waitpid(2) with a valid out pointer.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL) };
            if pid <= 0 {
                break;
            }
            let how = match WaitEvent::decode(Pid::from_raw(pid), status) {
                WaitEvent::Exited { code, .. } => Death::Exited(code),
                WaitEvent::Killed { sig, .. } => Death::Signaled(sig),
                _ => continue,
            };
            if let Some(&t) = self.by_pid.get(&Pid::from_raw(pid)) {
                self.tasks[t].state = State::Dead {
                    how,
                    at: Instant::now(),
                };
            }
        }
    }
}

/// What a task was doing, for reports.
fn state_text(state: &State) -> String {
    match state {
        State::Dead { how, .. } => how.describe(),
        State::AtEntry(..) => "at syscall entry".into(),
        State::Running | State::Starting | State::NewChild => "running".into(),
        State::AtExec(_) => "at its exec".into(),
        State::AtFault(_) => "at a fault".into(),
        State::InSyscall(_) | State::AtExit { .. } | State::Restarting { .. } => {
            "in syscall".into()
        }
        State::AtSignal { .. } => "at a signal".into(),
        State::GroupStopped { .. } => "stopped (job control)".into(),
        State::ClockWait { .. } => "at a clock read".into(),
    }
}

/// A task's pid as its own host knows it (remote tracees' pids carry their host in mvx).
fn shown_pid(task: &Task) -> i32 {
    crate::remote::link::own_pid(task.tracee.pid)
}

/// Counts per syscall number as (name, count), most frequent first.
fn by_name(counts: &HashMap<u64, u64>) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = counts
        .iter()
        .map(|(&nr, &n)| (table::name_of(nr).to_string(), n))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v
}

/// A lagging task blocked in a syscall all variants execute (a sleep, a wait) is no reason
/// for alarm; one blocked on a futex is waiting for a lock held by another thread of its
/// variant, which waits at a rendezvous: a cross-variant deadlock (threads taking locks in
/// different orders, without the runtime's lock-order replay).
fn waits_legitimately(pid: Pid) -> bool {
    crate::procfs::blocked_in_kernel(pid) && !crate::procfs::waits_on_lock(pid)
}

/// ptrace fails with ESRCH once a tracee has been killed (by SIGKILL from outside, or by
/// another thread's exit_group); its exit status follows as an event, so that failure is not
/// an error of the monitor.
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
            // ESRCH from ptrace or process_vm_*, or from opening /proc/PID/mem.
            let gone = e.chain().any(|c| {
                c.downcast_ref::<nix::errno::Errno>() == Some(&nix::errno::Errno::ESRCH)
                    || c.downcast_ref::<std::io::Error>()
                        .and_then(std::io::Error::raw_os_error)
                        == Some(libc::ESRCH)
            });
            if gone {
                debug!("tracee vanished: {e:#}");
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}
