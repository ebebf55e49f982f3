//! `--placement adaptive`: the monitor and every variant on one CPU while the program is
//! syscall-bound, spread over the allowed CPUs while it computes.
//!
//! Why: a lock-stepped call is ~6 hand-offs between a variant and the monitor. On a small VM a
//! hand-off across vCPUs wakes a halted vCPU (an IPI through the host, 6-24 µs), one on the
//! same vCPU is a context switch: a getpid lock-stepped across 2 vCPUs took ~150-200 µs, all
//! on one vCPU ~75-85 µs. But two variants that compute must keep a CPU each.
//!
//! What decides: the kernel's own accounting of the leader's tasks (`/proc/TID/schedstat`:
//! time on a CPU and time waiting for one), sampled every `WINDOW`. A task that is stopped at
//! the monitor (or blocked) most of the time is neither; a computing one is one or the other
//! all the time, wherever it runs. The busiest leader task decides (one computing thread or
//! child is enough to spread). A syscall-bound task still reads busy about half the time: its
//! stops and resumptions run in the kernel on its behalf, and the wait for a halted vCPU to
//! wake counts as waiting for a CPU (measured here, 2 variants of a raw getpid loop on a
//! loaded 2-vCPU VM: 0.45-0.6 spread, 0.35-0.72 together; CPU loops, with or without a 1 ms
//! timer signal, and compute kernels: 0.95-1.0 in both modes). The threshold to spread is
//! higher than the one to gather, because co-location itself makes a task wait for the CPU
//! more; several windows in a row are needed to switch (hysteresis).
//!
//! And what gathering saves: a round trip per lock-stepped call. A program that makes few of
//! them (a server whose calls take the fast path, one that sleeps) gains nothing and would
//! only have its variants share a CPU: gathering also needs a rate of lock-stepped calls, and
//! below a lower rate the program is spread again.

use nix::unistd::Pid;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How often the leader's tasks are sampled (each sample reads one /proc file per task).
pub(super) const WINDOW: Duration = Duration::from_millis(50);

/// More leader tasks than this are not sampled (the reads would cost too much): such a
/// program stays spread.
pub(super) const MAX_SAMPLED: usize = 32;

/// Spread -> together when the busiest leader task was busy less than this...
const GATHER_BELOW: f64 = 0.7;
/// ...for this many windows in a row.
const GATHER_AFTER: u32 = 3;
/// Together -> spread when it was busy more than this...
const SPREAD_ABOVE: f64 = 0.88;
/// ...for this many windows in a row (spreading is the safe side: sooner).
const SPREAD_AFTER: u32 = 2;
/// Gathering needs at least this many lock-stepped calls per second (at ~50 µs saved on each,
/// 5% of the time)...
const GATHER_CALLS_PER_SEC: f64 = 1000.0;
/// ...and below this many, a gathered program is spread again.
const SPREAD_CALLS_PER_SEC: f64 = 300.0;

/// What one window saw.
#[derive(Clone, Copy, Debug)]
pub(super) struct Window {
    /// The fraction of the window the busiest leader task was running or runnable.
    pub(super) busy: f64,
    /// Lock-stepped calls (rendezvous) per second in the window.
    pub(super) calls_per_sec: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Mode {
    /// Every task may run on every allowed CPU.
    Spread,
    /// The monitor and every task on one CPU.
    Together,
}

/// The mode and how many windows in a row have argued for the other one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Hysteresis {
    pub(super) mode: Mode,
    streak: u32,
}

impl Default for Hysteresis {
    fn default() -> Hysteresis {
        Hysteresis {
            mode: Mode::Spread,
            streak: 0,
        }
    }
}

impl Hysteresis {
    /// The state after window `w`.
    pub(super) fn next(self, w: Window) -> Hysteresis {
        let (argues_for_other, needed, other) = match self.mode {
            Mode::Spread => (
                w.busy < GATHER_BELOW && w.calls_per_sec >= GATHER_CALLS_PER_SEC,
                GATHER_AFTER,
                Mode::Together,
            ),
            Mode::Together => (
                w.busy > SPREAD_ABOVE || w.calls_per_sec < SPREAD_CALLS_PER_SEC,
                SPREAD_AFTER,
                Mode::Spread,
            ),
        };
        if !argues_for_other {
            return Hysteresis { streak: 0, ..self };
        }
        if self.streak + 1 >= needed {
            return Hysteresis {
                mode: other,
                streak: 0,
            };
        }
        Hysteresis {
            streak: self.streak + 1,
            ..self
        }
    }
}

/// Samples of the leader's tasks: busy time (on a CPU or waiting for one) at the last sample.
#[derive(Default)]
pub(super) struct BusySampler {
    last: Option<Instant>,
    busy_ns: HashMap<Pid, u64>,
}

impl BusySampler {
    pub(super) fn due(&self) -> bool {
        self.last.is_none_or(|t| t.elapsed() >= WINDOW)
    }

    /// The busiest fraction of the window among `tasks`, and the window's length (None on the
    /// first sample, which only sets the baseline). A task new since the last sample counts
    /// from zero (its schedstat starts there); a task whose file is gone is skipped.
    pub(super) fn sample(&mut self, tasks: &[Pid]) -> Option<(f64, Duration)> {
        let now = Instant::now();
        let window = self.last.map(|t| now.duration_since(t));
        self.last = Some(now);
        if tasks.len() > MAX_SAMPLED {
            self.busy_ns.clear();
            return window.map(|w| (1.0, w));
        }
        let mut busiest: f64 = 0.0;
        let mut seen = HashMap::with_capacity(tasks.len());
        for &pid in tasks {
            let Some(busy) = busy_ns(pid) else {
                continue;
            };
            let before = self.busy_ns.get(&pid).copied().unwrap_or(0);
            if let Some(w) = window {
                let fraction = busy.saturating_sub(before) as f64 / w.as_nanos().max(1) as f64;
                busiest = busiest.max(fraction);
            }
            seen.insert(pid, busy);
        }
        self.busy_ns = seen;
        window.map(|w| (busiest, w))
    }
}

/// Nanoseconds task `pid` has spent on a CPU plus waiting for one (`/proc/PID/schedstat`:
/// "run_ns wait_ns timeslices").
fn busy_ns(pid: Pid) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/schedstat")).ok()?;
    parse_schedstat(&text)
}

fn parse_schedstat(text: &str) -> Option<u64> {
    let mut fields = text.split_whitespace().map(|f| f.parse::<u64>().ok());
    let run = fields.next()??;
    let wait = fields.next()??;
    Some(run + wait)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows of a syscall-bound program (many lock-stepped calls) with these busy
    /// fractions.
    fn calling(busy: &[f64]) -> Vec<Window> {
        busy.iter()
            .map(|&busy| Window {
                busy,
                calls_per_sec: 10_000.0,
            })
            .collect()
    }

    fn run(h: Hysteresis, windows: &[Window]) -> Vec<Mode> {
        windows
            .iter()
            .scan(h, |h, &w| {
                *h = h.next(w);
                Some(h.mode)
            })
            .collect()
    }

    fn gathered() -> Hysteresis {
        let h = calling(&[0.0; 3])
            .into_iter()
            .fold(Hysteresis::default(), Hysteresis::next);
        assert_eq!(h.mode, Mode::Together);
        h
    }

    use Mode::{Spread as S, Together as T};

    #[test]
    fn gathers_after_enough_idle_windows_in_a_row() {
        assert_eq!(
            run(Hysteresis::default(), &calling(&[0.2, 0.3, 0.1])),
            [S, S, T]
        );
    }

    #[test]
    fn one_busy_window_restarts_the_count_to_gather() {
        assert_eq!(
            run(
                Hysteresis::default(),
                &calling(&[0.2, 0.3, 0.9, 0.1, 0.1, 0.1])
            ),
            [S, S, S, S, S, T]
        );
    }

    #[test]
    fn spreads_again_once_computing() {
        assert_eq!(run(gathered(), &calling(&[0.95, 0.99])), [T, S]);
    }

    #[test]
    fn between_the_thresholds_nothing_changes() {
        // Busy 0.8: not idle enough to gather when spread, not busy enough to spread when
        // together: whichever mode it is in, it stays (no flapping at the break-even).
        assert_eq!(run(Hysteresis::default(), &calling(&[0.8; 10])), [S; 10]);
        assert_eq!(run(gathered(), &calling(&[0.8; 10])), [T; 10]);
    }

    #[test]
    fn alternating_windows_never_switch() {
        let windows = calling(&[0.1, 0.9, 0.1, 0.9, 0.1, 0.9]);
        assert_eq!(run(Hysteresis::default(), &windows), [S; 6]);
    }

    #[test]
    fn an_idle_program_that_makes_few_lock_stepped_calls_is_not_gathered() {
        // A server whose calls take the fast path, or a sleeper: idle, but nothing to save.
        let few = Window {
            busy: 0.1,
            calls_per_sec: 200.0,
        };
        assert_eq!(run(Hysteresis::default(), &[few; 10]), [S; 10]);
        // Gathered while it started, it is spread again once its calls thin out.
        assert_eq!(run(gathered(), &[few; 2]), [T, S]);
        // Between the two rates a gathered program stays.
        let some = Window {
            busy: 0.1,
            calls_per_sec: 600.0,
        };
        assert_eq!(run(gathered(), &[some; 5]), [T; 5]);
        assert_eq!(run(Hysteresis::default(), &[some; 5]), [S; 5]);
    }

    #[test]
    fn parses_schedstat() {
        assert_eq!(parse_schedstat("1500 2500 7\n"), Some(4000));
        assert_eq!(parse_schedstat("garbage"), None);
        assert_eq!(parse_schedstat(""), None);
    }

    #[test]
    fn a_sleeping_task_is_idle_and_a_spinning_one_busy() {
        let mut sleeper = std::process::Command::new("sleep")
            .arg("5")
            .spawn()
            .expect("sleep");
        // A busy loop in a shell: it never blocks.
        let mut spinner = std::process::Command::new("/bin/sh")
            .args(["-c", "while :; do :; done"])
            .spawn()
            .expect("sh");
        let (s, b) = (
            Pid::from_raw(sleeper.id() as i32),
            Pid::from_raw(spinner.id() as i32),
        );
        // The sleeper is measured once it sleeps (starting, it may wait long for a CPU).
        let deadline = Instant::now() + Duration::from_secs(4);
        while !is_sleeping(s) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut sampler = BusySampler::default();
        assert!(
            sampler.sample(&[s]).is_none(),
            "the first sample is the baseline"
        );
        std::thread::sleep(Duration::from_millis(300));
        let (idle, _) = sampler.sample(&[s]).expect("second sample");
        let mut sampler = BusySampler::default();
        sampler.sample(&[b]);
        std::thread::sleep(Duration::from_millis(500));
        let (busy, _) = sampler.sample(&[b, s]).expect("second sample");
        for c in [&mut sleeper, &mut spinner] {
            c.kill().ok();
            c.wait().ok();
        }
        // (Under heavy load the accounting of a task waiting for a CPU lags: the spinner is
        // only asserted to read too busy to gather.)
        assert!(idle < GATHER_BELOW, "sleeping task busy {idle}");
        assert!(busy > GATHER_BELOW, "spinning task busy {busy}");
    }

    /// Whether a task is in an interruptible sleep (state S in /proc/PID/stat).
    fn is_sleeping(pid: Pid) -> bool {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        stat.rfind(')')
            .and_then(|i| stat[i + 1..].split_whitespace().next())
            .is_some_and(|state| state == "S")
    }
}
