//! Where the monitor and the variants run (`--placement`), for machines with few cores.
//!
//! A lock-stepped call is a chain of wake-ups: the variant stops and wakes the monitor, the
//! monitor resumes the variant. On a small VM a wake-up across vCPUs costs 6-24 µs (an IPI to
//! an idle vCPU), one on the same vCPU is a context switch. The monitor's partner in most
//! wake-ups is the leader (it stops at entry and exit of every call the followers skip), so:
//! - `split`: the CPUs mvx may use are divided among the variants, the leader first, and the
//!   monitor runs on the leader's share. The variants still use every CPU (CPU-bound work is
//!   not serialised); the tasks a variant creates inherit its share.
//! - `follow`: nothing is pinned but the monitor, which moves to the CPU the leader last ran
//!   on, looked up now and then (`/proc/PID/stat`), so the scheduler stays free to balance.
//! - `adaptive`: everything on one CPU while the program is syscall-bound, left to the
//!   scheduler while it computes (`colocate.rs` decides, from the kernel's accounting).
//! - `none`: the scheduler decides everything.
//!
//! Waiting: with `$MVX_WAIT_SPIN_US` set, the event loop polls `waitpid(WNOHANG)` that long
//! before it sleeps (measured here on a loaded 2-vCPU VM: more CPU time and no faster, so off
//! by default; kept to measure it on other machines).

use super::colocate::{BusySampler, Hysteresis, Mode, Window};
use anyhow::{Context, Result};
use nix::unistd::Pid;
use std::time::{Duration, Instant};
use tracing::debug;

/// The placement policy (`mvx run --placement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Placement {
    /// No affinity is set: the scheduler places the monitor and every variant.
    None,
    /// The allowed CPUs are shared out among the variants (the leader first), and the monitor
    /// is pinned to the leader's share.
    Split,
    /// Only the monitor is pinned, to the CPU the leader last ran on, rechecked every few ms.
    Follow,
    /// The monitor and every variant on one CPU while the program is syscall-bound (its
    /// tasks mostly stopped at the monitor), back on every allowed CPU once it computes.
    #[default]
    Adaptive,
}

/// How often `follow` looks up the leader's CPU (a /proc read of ~10-15 µs: every 2 ms
/// measured 0.2 reads per lock-stepped getpid).
const FOLLOW_PERIOD: Duration = Duration::from_millis(10);

/// `adaptive` does not gather for this long after an exec: a program starting sizes its thread
/// pools by the CPUs it may use (sched_getaffinity: Go's GOMAXPROCS, Rust's
/// available_parallelism, OpenMP, nproc), and that should be every allowed CPU.
const START_GRACE: Duration = Duration::from_millis(500);

/// The placement state of a run.
pub(super) struct Placer {
    policy: Placement,
    /// The CPUs mvx was allowed when it started, in order.
    cpus: Vec<usize>,
    /// `follow`: the CPU the monitor is pinned to, and when the leader's was last looked up.
    pinned_to: Option<usize>,
    last_look: Option<Instant>,
    /// How long the event loop polls for a stop before it sleeps ($MVX_WAIT_SPIN_US).
    spin: Duration,
    /// `adaptive`: the mode, the samples that decide it, and the CPU of `Together`.
    hysteresis: Hysteresis,
    sampler: BusySampler,
    together_on: Option<usize>,
    /// Lock-stepped calls of the run at the last sample.
    calls_then: u64,
    /// Until when the program that last started (exec) must not be gathered.
    starting_until: Option<Instant>,
    /// `adaptive` stops for good once the program set an affinity of its own (`give_up`),
    /// after putting the tasks it had placed back on every allowed CPU (`restored`).
    given_up: bool,
    restored: bool,
}

impl Placer {
    pub(super) fn new(policy: Placement) -> Placer {
        let cpus = allowed_cpus().unwrap_or_default();
        Placer {
            policy,
            cpus,
            pinned_to: None,
            last_look: None,
            spin: std::env::var("MVX_WAIT_SPIN_US")
                .ok()
                .and_then(|v| v.parse().ok())
                .map_or(Duration::ZERO, Duration::from_micros),
            hysteresis: Hysteresis::default(),
            sampler: BusySampler::default(),
            together_on: None,
            calls_then: 0,
            starting_until: None,
            given_up: false,
            restored: false,
        }
    }

    /// Places variant `variant` (of `n`) just started as `pid`, and the monitor beside the
    /// leader. Failures only cost speed: they are logged, not fatal.
    pub(super) fn place_variant(&mut self, pid: Pid, variant: usize, n: usize) {
        if self.policy != Placement::Split || self.cpus.len() < 2 {
            return;
        }
        let share = share_of(&self.cpus, variant, n);
        if let Err(e) = set_affinity(pid, &share) {
            debug!("placing variant {variant} on {share:?}: {e:#}");
        }
        if variant == 0 {
            if let Err(e) = set_affinity(Pid::from_raw(0), &share) {
                debug!("placing the monitor on {share:?}: {e:#}");
            }
        }
    }

    pub(super) fn spin(&self) -> Duration {
        self.spin
    }

    /// Whether `tick` has something to do now (it needs the task lists).
    pub(super) fn due(&self) -> bool {
        match self.policy {
            Placement::Follow => self.last_look.is_none_or(|t| t.elapsed() >= FOLLOW_PERIOD),
            Placement::Adaptive if self.given_up => !self.restored,
            Placement::Adaptive => self.cpus.len() >= 2 && self.sampler.due(),
            Placement::None | Placement::Split => false,
        }
    }

    /// The periodic part of placement: `first` is the leader of the first process, `leaders`
    /// every live task of the leader variant, `all` every live task, `calls` the lock-stepped
    /// calls of the run so far.
    pub(super) fn tick(&mut self, first: Pid, leaders: &[Pid], all: &[Pid], calls: u64) {
        match self.policy {
            Placement::Follow => self.follow(first),
            Placement::Adaptive => self.adapt(first, leaders, all, calls),
            Placement::None | Placement::Split => {}
        }
    }

    /// A task the monitor just learned of: under `adaptive` it joins the present mode (it
    /// inherited its parent's CPUs, which may be those of the mode before).
    pub(super) fn place_new_task(&mut self, pid: Pid) {
        if self.policy != Placement::Adaptive || self.given_up || self.together_on.is_none() {
            return;
        }
        let want = self.mask_of(self.hysteresis.mode);
        match affinity_of(pid) {
            Ok(got) if got == want => {}
            Ok(got) if self.is_ours(&got) => {
                if let Err(e) = set_affinity(pid, &want) {
                    debug!("placing task {pid} on {want:?}: {e:#}");
                }
            }
            Ok(got) => self.give_up(&format!("task {pid} runs on {got:?}")),
            Err(e) => debug!("affinity of task {pid}: {e:#}"),
        }
    }

    /// `adaptive`: a program that starts (execs) sees every allowed CPU for its first
    /// `START_GRACE`, however busy its predecessor was: runtimes size their thread pools by
    /// the CPUs they may use as they start, and on one CPU they would stay small for good.
    /// The count to gather starts again after that.
    pub(super) fn on_exec(&mut self, all: &[Pid]) {
        if self.policy != Placement::Adaptive || self.given_up {
            return;
        }
        self.starting_until = Some(Instant::now() + START_GRACE);
        self.sampler = BusySampler::default();
        if self.hysteresis.mode == Mode::Together {
            self.switch(Mode::Together, Mode::Spread, all);
        }
        self.hysteresis = Hysteresis::default();
    }

    /// `adaptive`: samples the leader's tasks and switches mode when the hysteresis says so.
    fn adapt(&mut self, first: Pid, leaders: &[Pid], all: &[Pid], calls: u64) {
        if self.given_up {
            self.restore(all);
            return;
        }
        let calls_in_window = calls.saturating_sub(self.calls_then);
        self.calls_then = calls;
        let Some((busy, window)) = self.sampler.sample(leaders) else {
            return;
        };
        let w = Window {
            busy,
            calls_per_sec: calls_in_window as f64 / window.as_secs_f64().max(1e-6),
        };
        let before = self.hysteresis.mode;
        if self.starting_until.is_some_and(|t| Instant::now() < t) {
            return; // a program is starting: stay spread, count nothing yet
        }
        self.hysteresis = self.hysteresis.next(w);
        tracing::trace!(?w, mode = ?self.hysteresis.mode, "adaptive placement sample");
        let after = self.hysteresis.mode;
        if after == before {
            return;
        }
        if after == Mode::Together {
            // The CPU the leader last ran on: the scheduler found room for it there (another
            // mvx gathering its own program is likelier on the other CPU); else the monitor's.
            // SAFETY: sched_getcpu takes no arguments.
            let cpu = last_cpu(first).or(usize::try_from(unsafe { libc::sched_getcpu() }).ok());
            self.together_on = Some(
                cpu.filter(|c| self.cpus.contains(c))
                    .unwrap_or(self.cpus[0]),
            );
        }
        debug!(?w, ?after, "adaptive placement switches");
        self.switch(before, after, all);
    }

    /// Moves the monitor and every task from mode `before`'s CPUs to mode `after`'s.
    fn switch(&mut self, before: Mode, after: Mode, all: &[Pid]) {
        let new = self.mask_of(after);
        debug!(?before, ?new, "adaptive placement moves every task");
        for &pid in all {
            match affinity_of(pid) {
                Err(_) => continue, // exited meanwhile
                Ok(got) if got != new && !self.is_ours(&got) => {
                    self.give_up(&format!("task {pid} runs on {got:?}"));
                    return;
                }
                Ok(_) => {}
            }
            if let Err(e) = set_affinity(pid, &new) {
                debug!("placing task {pid} on {new:?}: {e:#}");
            }
        }
        if let Err(e) = set_affinity(Pid::from_raw(0), &new) {
            debug!("placing the monitor on {new:?}: {e:#}");
        }
    }

    /// The CPUs of a mode.
    fn mask_of(&self, mode: Mode) -> Vec<usize> {
        match (mode, self.together_on) {
            (Mode::Together, Some(cpu)) => vec![cpu],
            _ => self.cpus.clone(),
        }
    }

    /// Whether a task's CPUs are those adaptive placement gave it (either mode's).
    fn is_ours(&self, got: &[usize]) -> bool {
        got == self.cpus.as_slice() || self.together_on.is_some_and(|c| got == [c])
    }

    /// The program set an affinity of its own: that is its to keep, and adaptive placement
    /// stops for the run (at the next tick, `restore`).
    fn give_up(&mut self, why: &str) {
        debug!("adaptive placement stops: {why}");
        self.given_up = true;
    }

    /// After `give_up`: the monitor and the tasks that still have a mask adaptive placement
    /// gave go back to every allowed CPU; the program's own masks are left alone.
    fn restore(&mut self, all: &[Pid]) {
        for &pid in all {
            if affinity_of(pid).is_ok_and(|got| self.is_ours(&got)) {
                if let Err(e) = set_affinity(pid, &self.cpus) {
                    debug!("placing task {pid} on {:?}: {e:#}", self.cpus);
                }
            }
        }
        if let Err(e) = set_affinity(Pid::from_raw(0), &self.cpus) {
            debug!("placing the monitor on {:?}: {e:#}", self.cpus);
        }
        self.hysteresis = Hysteresis::default();
        self.restored = true;
    }

    /// `follow`: moves the monitor to the leader's CPU if it is time to look and it changed.
    fn follow(&mut self, leader: Pid) {
        if self.policy != Placement::Follow || self.cpus.len() < 2 {
            return;
        }
        if self.last_look.is_some_and(|t| t.elapsed() < FOLLOW_PERIOD) {
            return;
        }
        self.last_look = Some(Instant::now());
        let Some(cpu) = last_cpu(leader) else {
            return;
        };
        if self.pinned_to == Some(cpu) || !self.cpus.contains(&cpu) {
            return;
        }
        match set_affinity(Pid::from_raw(0), &[cpu]) {
            Ok(()) => self.pinned_to = Some(cpu),
            Err(e) => debug!("moving the monitor to CPU {cpu}: {e:#}"),
        }
    }
}

/// The CPUs of variant `variant`'s share: contiguous equal parts of `cpus` (the first parts
/// one larger when they do not divide evenly); with fewer CPUs than variants, one CPU each,
/// round robin.
fn share_of(cpus: &[usize], variant: usize, n: usize) -> Vec<usize> {
    if cpus.len() < n {
        return vec![cpus[variant % cpus.len()]];
    }
    let (base, extra) = (cpus.len() / n, cpus.len() % n);
    let start = variant * base + variant.min(extra);
    let len = base + usize::from(variant < extra);
    cpus[start..start + len].to_vec()
}

/// The CPU a task last ran on: field 39 of /proc/PID/stat (the 37th after the command name,
/// which may itself contain spaces and parentheses).
fn last_cpu(pid: Pid) -> Option<usize> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(36)?.parse().ok()
}

fn allowed_cpus() -> Result<Vec<usize>> {
    affinity_of(Pid::from_raw(0))
}

/// The CPUs task `pid` may run on (0: the calling thread).
fn affinity_of(pid: Pid) -> Result<Vec<usize>> {
    // SAFETY: cpu_set_t is plain bits; the kernel writes at most its size.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let rc = unsafe {
        libc::sched_getaffinity(
            pid.as_raw(),
            std::mem::size_of::<libc::cpu_set_t>(),
            &mut set,
        )
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("sched_getaffinity pid {pid}"));
    }
    let max = 8 * std::mem::size_of::<libc::cpu_set_t>();
    // SAFETY: CPU_ISSET reads a bit below the set's size.
    Ok((0..max)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect())
}

fn set_affinity(pid: Pid, cpus: &[usize]) -> Result<()> {
    // SAFETY: as above; CPU_SET writes bits below the set's size (checked).
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let max = 8 * std::mem::size_of::<libc::cpu_set_t>();
    for &c in cpus {
        anyhow::ensure!(c < max, "CPU {c} beyond the CPU set");
        unsafe { libc::CPU_SET(c, &mut set) };
    }
    let rc = unsafe {
        libc::sched_setaffinity(pid.as_raw(), std::mem::size_of::<libc::cpu_set_t>(), &set)
    };
    if rc != 0 {
        return Err(std::io::Error::last_os_error())
            .with_context(|| format!("sched_setaffinity pid {pid}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_cover_every_cpu_once_leader_first() {
        let cpus = [0, 1, 2, 3, 4];
        let shares: Vec<Vec<usize>> = (0..2).map(|v| share_of(&cpus, v, 2)).collect();
        assert_eq!(shares, vec![vec![0, 1, 2], vec![3, 4]]);
        let shares: Vec<Vec<usize>> = (0..3).map(|v| share_of(&[2, 5, 7], v, 3)).collect();
        assert_eq!(shares, vec![vec![2], vec![5], vec![7]]);
    }

    #[test]
    fn fewer_cpus_than_variants_go_round_robin() {
        let shares: Vec<Vec<usize>> = (0..3).map(|v| share_of(&[0, 1], v, 3)).collect();
        assert_eq!(shares, vec![vec![0], vec![1], vec![0]]);
    }

    #[test]
    fn reads_the_cpu_this_process_runs_on() {
        let cpu = last_cpu(nix::unistd::getpid()).expect("processor field");
        assert!(allowed_cpus().expect("affinity").contains(&cpu));
    }

    /// A sleeping child as the whole program, and a placer whose tick is run by hand: the
    /// sleeper is idle, so every window argues for gathering.
    fn adaptive_on_a_sleeper() -> Option<(Placer, std::process::Child, Pid)> {
        if allowed_cpus().expect("affinity").len() < 2 {
            return None;
        }
        let child = std::process::Command::new("sleep")
            .arg("10")
            .spawn()
            .expect("sleep");
        let pid = Pid::from_raw(child.id() as i32);
        Some((Placer::new(Placement::Adaptive), child, pid))
    }

    /// Runs windows of the placer until its mode is `mode` (at most 10), with 1000
    /// lock-stepped calls in each (a syscall-bound rate).
    fn tick_until(placer: &mut Placer, pid: Pid, mode: Mode) {
        for k in 1..=10 {
            if placer.hysteresis.mode == mode {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
            placer.tick(pid, &[pid], &[pid], k * 1000);
        }
        panic!("no switch to {mode:?}");
    }

    #[test]
    fn adaptive_gathers_an_idle_program_and_a_new_program_is_spread() {
        let Some((mut placer, mut child, pid)) = adaptive_on_a_sleeper() else {
            return;
        };
        let all = placer.cpus.clone();
        tick_until(&mut placer, pid, Mode::Together);
        let cpu = placer.together_on.expect("a CPU to gather on");
        let gathered = (affinity_of(pid).expect("get"), allowed_cpus().expect("get"));
        placer.on_exec(&[pid]);
        let spread = (affinity_of(pid).expect("get"), allowed_cpus().expect("get"));
        // The program that just started is not gathered again at once, however idle.
        for k in 11..=15 {
            std::thread::sleep(Duration::from_millis(5));
            placer.tick(pid, &[pid], &[pid], k * 1000);
        }
        let starting = placer.hysteresis.mode;
        child.kill().ok();
        child.wait().ok();
        assert_eq!(
            gathered,
            (vec![cpu], vec![cpu]),
            "task and monitor gathered"
        );
        assert_eq!(spread, (all.clone(), all), "an exec spreads them again");
        assert_eq!(starting, Mode::Spread, "gathered while starting");
    }

    #[test]
    fn adaptive_leaves_a_programs_own_affinity_alone() {
        let Some((mut placer, mut child, pid)) = adaptive_on_a_sleeper() else {
            return;
        };
        let all = placer.cpus.clone();
        tick_until(&mut placer, pid, Mode::Together);
        let cpu = placer.together_on.expect("a CPU to gather on");
        // The program, gathered, pins itself to another CPU; then it execs (a switch).
        let own = vec![*all.iter().find(|&&c| c != cpu).expect("another CPU")];
        set_affinity(pid, &own).expect("set");
        placer.on_exec(&[pid]);
        placer.tick(pid, &[pid], &[pid], 20_000);
        let kept = affinity_of(pid).expect("get");
        child.kill().ok();
        child.wait().ok();
        assert!(
            placer.given_up && placer.restored,
            "adaptive placement stops"
        );
        assert_eq!(kept, own, "the program's own CPUs");
        assert_eq!(
            allowed_cpus().expect("get"),
            all,
            "the monitor on every CPU again"
        );
    }

    #[test]
    fn split_pins_a_real_process_to_its_share() {
        let cpus = allowed_cpus().expect("affinity");
        let mut child = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        let pid = Pid::from_raw(child.id() as i32);
        let share = share_of(&cpus, 1, 2);
        set_affinity(pid, &share).expect("set");
        let got = affinity_of(pid).expect("get");
        child.kill().ok();
        child.wait().ok();
        assert_eq!(got, share);
    }
}
