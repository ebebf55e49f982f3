//! What `mvx bench` knows about processes and the machine: the CPU time of a server and everything
//! under it, its end by SIGTERM and `wait4`, and the machine's description (nproc, CPU, kernel,
//! pinning) printed above the results.

use anyhow::{Context, Result};
use serde::Serialize;
use std::time::{Duration, Instant};

/// Clock ticks per second of /proc's times.
fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no side effects.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as f64
    } else {
        100.0
    }
}

/// (pid, parent, utime + stime + cutime + cstime in ticks) from /proc/PID/stat.
fn stat_of(pid: i32) -> Option<(i32, i32, u64)> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name may hold spaces and parentheses: fields start after the last ')'.
    let rest = &text[text.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14).
    let num = |i: usize| fields.get(i)?.parse::<u64>().ok();
    let ppid = fields.get(1)?.parse().ok()?;
    Some((pid, ppid, num(11)? + num(12)? + num(13)? + num(14)?))
}

/// CPU seconds used so far by `root` and all its live descendants, including the children they
/// have reaped (cutime/cstime). Under mvx the variants are mvx's children: they are counted.
pub fn tree_cpu_seconds(root: i32) -> f64 {
    let all: Vec<(i32, i32, u64)> = std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .filter_map(stat_of)
        .collect();
    let mut in_tree = vec![root];
    let mut ticks = 0;
    // Parents come before children in no guaranteed order: grow the set until it stops.
    let mut counted = std::collections::HashSet::new();
    loop {
        let before = counted.len();
        for &(pid, ppid, t) in &all {
            if !counted.contains(&pid) && (pid == root || in_tree.contains(&ppid)) {
                counted.insert(pid);
                in_tree.push(pid);
                ticks += t;
            }
        }
        if counted.len() == before {
            break;
        }
    }
    ticks as f64 / ticks_per_second()
}

/// How a stopped server ended and the CPU it used in all.
pub struct Reaped {
    /// User + system CPU seconds of the process and every descendant it reaped.
    pub cpu_seconds: f64,
    /// The server did not end within the grace period and was killed.
    pub killed: bool,
}

fn timeval_seconds(tv: libc::timeval) -> f64 {
    tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6
}

/// Stops `pid` (a child of this process) with SIGTERM, reaps it with `wait4` and returns its
/// rusage. `wait4`'s rusage covers the child and all the descendants it waited for; mvx waits for
/// its variants (and a variant for its own children), so under mvx the sum covers leader,
/// followers and monitor. Checked against the /proc sums of `tree_cpu_seconds` taken just before
/// SIGTERM, for every server of the bench natively, at strict and at socket-rw (one `--quick`
/// run): the rusage was 0.01-0.07 s above the /proc sum every time, the shutdown's share, never
/// below. The bench logs both (`RUST_LOG=mvx_monitor::bench_proc=debug`).
pub fn terminate_and_reap(pid: i32, grace: Duration) -> Result<Reaped> {
    let before = tree_cpu_seconds(pid);
    // SAFETY: `pid` is our own unreaped child, so the number cannot have been reused.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let deadline = Instant::now() + grace;
    let mut killed = false;
    loop {
        let mut status = 0;
        // SAFETY: a plain wait4 into locals.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        let flags = if killed { 0 } else { libc::WNOHANG };
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if r == pid {
            let cpu_seconds = timeval_seconds(usage.ru_utime) + timeval_seconds(usage.ru_stime);
            tracing::debug!(pid, cpu_seconds, proc_sum_before_sigterm = before, "reaped");
            return Ok(Reaped {
                cpu_seconds,
                killed,
            });
        }
        if r < 0 {
            return Err(std::io::Error::last_os_error()).context("wait4 on the server");
        }
        if Instant::now() >= deadline && !killed {
            // SAFETY: as above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The machine the numbers were measured on.
#[derive(Serialize, Clone)]
pub struct Machine {
    pub nproc: usize,
    pub cpu_model: String,
    pub kernel: String,
    /// CPUs this bench process may run on (its affinity), e.g. "0-1".
    pub affinity: String,
    /// The affinity is narrower than the online CPUs.
    pub pinned: bool,
    /// Where the load generator runs.
    pub load_generator: String,
}

fn online_cpus() -> usize {
    // SAFETY: sysconf has no side effects.
    let n = unsafe { libc::sysconf(libc::_SC_NPROCESSORS_ONLN) };
    n.max(1) as usize
}

/// The CPUs in this thread's affinity mask.
fn affinity_cpus() -> Vec<usize> {
    // SAFETY: sched_getaffinity fills the set we pass.
    let mut set: libc::cpu_set_t = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::sched_getaffinity(0, std::mem::size_of_val(&set), &mut set) } == 0;
    if !ok {
        return (0..online_cpus()).collect();
    }
    (0..libc::CPU_SETSIZE as usize)
        .filter(|&c| unsafe { libc::CPU_ISSET(c, &set) })
        .collect()
}

/// "0-1,3" for [0, 1, 3].
pub fn cpu_list(cpus: &[usize]) -> String {
    let mut parts = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let mut j = i;
        while j + 1 < cpus.len() && cpus[j + 1] == cpus[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            cpus[i].to_string()
        } else {
            format!("{}-{}", cpus[i], cpus[j])
        });
        i = j + 1;
    }
    parts.join(",")
}

impl Machine {
    pub fn describe(load_threads: usize) -> Machine {
        let cpu_model = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|t| {
                t.lines()
                    .find_map(|l| l.strip_prefix("model name")?.split_once(':'))
                    .map(|(_, m)| m.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let cpus = affinity_cpus();
        let affinity = cpu_list(&cpus);
        Machine {
            nproc: cpus.len(),
            cpu_model,
            kernel,
            pinned: cpus.len() < online_cpus(),
            load_generator: format!(
                "{load_threads} threads in the bench process, same machine, affinity {affinity} \
                 (shares the CPUs with the server and mvx)"
            ),
            affinity,
        }
    }

    pub fn print(&self) {
        println!(
            "machine: nproc {} ({} online), {}, kernel {}, affinity {} ({})",
            self.nproc,
            online_cpus(),
            self.cpu_model,
            self.kernel,
            self.affinity,
            if self.pinned { "pinned" } else { "not pinned" }
        );
        println!("load generator: {}", self.load_generator);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_collapse_runs() {
        assert_eq!(cpu_list(&[0, 1]), "0-1");
        assert_eq!(cpu_list(&[0, 1, 3, 5, 6, 7]), "0-1,3,5-7");
        assert_eq!(cpu_list(&[2]), "2");
        assert_eq!(cpu_list(&[]), "");
    }

    #[test]
    // The child is reaped by terminate_and_reap's wait4, which clippy cannot see.
    #[allow(clippy::zombie_processes)]
    fn a_reaped_child_reports_its_cpu_and_its_children() {
        use std::io::BufRead;
        // A shell that burns CPU in a child it waits for, says so, then waits for SIGTERM.
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "sh -c 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done'; \
                 trap 'exit 0' TERM; echo reaped; while :; do sleep 0.05; done",
            ])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id() as i32;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "reaped\n");
        let seen = tree_cpu_seconds(pid);
        let reaped = terminate_and_reap(pid, Duration::from_secs(10)).unwrap();
        assert!(!reaped.killed);
        assert!(seen >= 0.05, "{seen}");
        assert!(
            reaped.cpu_seconds + 0.02 >= seen,
            "{} < {seen}",
            reaped.cpu_seconds
        );
    }
}
