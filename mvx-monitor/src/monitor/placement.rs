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
//! - `none`: the scheduler decides everything.
//!
//! Waiting: with `$MVX_WAIT_SPIN_US` set, the event loop polls `waitpid(WNOHANG)` that long
//! before it sleeps (measured here on a loaded 2-vCPU VM: more CPU time and no faster, so off
//! by default; kept to measure it on other machines).

use anyhow::{Context, Result};
use nix::unistd::Pid;
use std::time::{Duration, Instant};
use tracing::debug;

/// The placement policy (`mvx run --placement`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Placement {
    /// No affinity is set: the scheduler places the monitor and every variant.
    #[default]
    None,
    /// The allowed CPUs are shared out among the variants (the leader first), and the monitor
    /// is pinned to the leader's share.
    Split,
    /// Only the monitor is pinned, to the CPU the leader last ran on, rechecked every few ms.
    Follow,
}

/// How often `follow` looks up the leader's CPU (a /proc read of ~10-15 µs: every 2 ms
/// measured 0.2 reads per lock-stepped getpid).
const FOLLOW_PERIOD: Duration = Duration::from_millis(10);

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

    /// `follow`: moves the monitor to the leader's CPU if it is time to look and it changed.
    pub(super) fn follow(&mut self, leader: Pid) {
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
