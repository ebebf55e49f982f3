//! `mvx bench`: runs each workload natively and under mvx, alternately, several times in one run,
//! and prints the machine, medians and ratios to native, and a summary beside the targets of
//! issue 15 (and writes them as JSON).
//!
//! Columns: native, `strace -f` (the ptrace peer), mvx with 2 variants at `strict` (every
//! call lock-stepped), at `socket-rw` (the runtime's fast path), and with 3 variants.
//!
//! - syscall: one operation repeated (getpid, getcwd, read 1 B, write 64 B, open+close,
//!   clock_gettime), per-operation cost from the difference between COUNT and 0 repetitions;
//! - cpu: gzip of generated data, sort, a Python workload, and a CPU loop with and without a
//!   1 ms timer;
//! - kernels: examples/bin/kernels (list, state machine, matrix multiply, stencil), each with and
//!   without a 1 ms timer and an empty handler, checksums compared with the native run;
//! - runtime: a sync op and a lock handoff (examples/rust/randthreads' syncbench);
//! - profiles: the cost of each mvx-cc profile natively, without the monitor: the kernels
//!   built by mvx-cc against plain clang-19 -O2 (bench_profiles);
//! - servers (alias http): the fork-per-request and thread-per-connection C examples, lighttpd,
//!   nginx and redis on 127.0.0.1, each with saturated requests/s, p50/p99 latency at fixed
//!   rates (25% and 50% of the native peak; open loop, from the scheduled send time) and CPU
//!   seconds per request (bench_servers, bench_load).

use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct BenchArgs {
    /// Repetitions of each measurement (medians are reported).
    #[arg(long, default_value_t = 5)]
    pub rounds: usize,
    /// Fewer repetitions and smaller workloads (a quick look, noisier).
    #[arg(long)]
    pub quick: bool,
    /// Also write the results as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Where the example programs are (`make -C examples` builds them).
    #[arg(long, value_name = "DIR")]
    pub examples: Option<PathBuf>,
    /// Run only these groups (syscall, cpu, kernels, profiles, runtime, servers;
    /// http = servers; remote, only when asked for by name),
    /// comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "GROUPS")]
    pub only: Vec<String>,
    /// The `remote` group: lighttpd with its follower on this follower host (HOST:PORT, where
    /// `mvx follower` runs); see benches/remote.sh.
    #[arg(long, value_name = "HOST:PORT")]
    pub remote: Vec<String>,
    #[command(flatten)]
    pub link: crate::cli::LinkArgs,
}

/// The CPU loop's row with a timer.
const TIMER_LOOP: &str = "CPU loop, 1 ms timer (empty handler)";

/// The CPU set's target at strict: 1.10x native, 1.15x with a 1 ms timer.
fn cpu_set_target(with_timer: bool) -> Option<Target> {
    Target::ratio_at_most(Column::Strict, if with_timer { 1.15 } else { 1.10 })
}

#[derive(Serialize)]
struct Row {
    group: &'static str,
    workload: String,
    unit: &'static str,
    native: f64,
    strace: Option<f64>,
    /// mvx -n 2, strict.
    mvx2: f64,
    /// mvx -n 2, socket-rw (fast path).
    mvx2_fast: Option<f64>,
    mvx3: Option<f64>,
    /// Issue 15's target for this row, if it has one.
    target: Option<Target>,
}

/// Which column a target is about.
#[derive(Serialize, Clone, Copy)]
enum Column {
    Strict,
    SocketRw,
}

/// A goal for one cell: its ratio to native, or its value, at most or at least `limit`.
#[derive(Serialize, Clone, Copy)]
struct Target {
    column: Column,
    limit: f64,
    /// Compare the value itself (e.g. µs), not the ratio to native.
    absolute: bool,
    /// Higher is better (throughput).
    at_least: bool,
}

impl Target {
    fn ratio_at_most(column: Column, limit: f64) -> Option<Target> {
        Some(Target {
            column,
            limit,
            absolute: false,
            at_least: false,
        })
    }

    fn ratio_at_least(column: Column, limit: f64) -> Option<Target> {
        Some(Target {
            column,
            limit,
            absolute: false,
            at_least: true,
        })
    }

    fn value_at_most(column: Column, limit: f64) -> Option<Target> {
        Some(Target {
            column,
            limit,
            absolute: true,
            at_least: false,
        })
    }

    fn describe(&self) -> String {
        let op = if self.at_least { ">=" } else { "<=" };
        let col = match self.column {
            Column::Strict => "strict",
            Column::SocketRw => "socket-rw",
        };
        if self.absolute {
            format!("{col} {op} {}", self.limit)
        } else {
            format!("{col} {op} {:.2}x", self.limit)
        }
    }
}

impl Row {
    fn ratio(v: f64, native: f64) -> String {
        if native > 0.0 {
            format!("{:.2}x", v / native)
        } else {
            "-".into()
        }
    }
}

fn time(cmd: &mut Command) -> Result<f64> {
    let start = Instant::now();
    let status = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .with_context(|| format!("running {cmd:?}"))?;
    if !status.success() {
        bail!("{cmd:?} failed: {status}");
    }
    Ok(start.elapsed().as_secs_f64())
}

/// A native server that could not answer most of a fixed rate it sustained moments before in the
/// closed loop: the machine was busy, and that row's latencies are no baseline.
fn warn_if_behind(name: &str, m: &crate::bench_servers::Measured) {
    for &(rate, _, _, answered) in &m.fixed {
        if answered < 0.9 {
            eprintln!(
                "mvx bench: {name} natively answered only {:.0}% of {rate:.0} req/s (its peak \
                 {:.0}): the machine is busy, its latencies at that rate are no baseline",
                answered * 100.0,
                m.peak
            );
        }
    }
}

/// Seconds and standard output of one successful run.
pub(crate) fn time_output(cmd: &mut Command) -> Result<(f64, Vec<u8>)> {
    let start = Instant::now();
    let out = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .with_context(|| format!("running {cmd:?}"))?;
    let seconds = start.elapsed().as_secs_f64();
    if !out.status.success() {
        bail!("{cmd:?} failed: {}", out.status);
    }
    Ok((seconds, out.stdout))
}

pub(crate) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The ways one workload is run.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Native,
    Strace,
    /// mvx with N variants at `strict`.
    Mvx(usize),
    /// mvx with 2 variants at `socket-rw`.
    MvxFast,
}

fn command(mode: Mode, mvx: &Path, program: &[String]) -> Command {
    let mut cmd = match mode {
        Mode::Native => Command::new(&program[0]),
        Mode::Strace => {
            let mut c = Command::new("strace");
            c.args(["-f", "-qq", "-o", "/dev/null", "--"])
                .arg(&program[0]);
            c
        }
        Mode::Mvx(n) => {
            let mut c = Command::new(mvx);
            c.args([
                "run",
                "-n",
                &n.to_string(),
                "--monitor-level",
                "strict",
                "--",
            ])
            .arg(&program[0]);
            c
        }
        Mode::MvxFast => {
            let mut c = Command::new(mvx);
            c.args(["run", "-n", "2", "--monitor-level", "socket-rw", "--"])
                .arg(&program[0]);
            c
        }
    };
    cmd.args(&program[1..]);
    cmd
}

struct Bench {
    mvx: PathBuf,
    examples: PathBuf,
    rounds: usize,
    quick: bool,
    strace: bool,
    rows: Vec<Row>,
    progress: crate::bench_progress::Progress,
}

impl Bench {
    fn example(&self, name: &str) -> String {
        self.examples.join(name).display().to_string()
    }

    /// Median seconds of `program` in each mode, measured in interleaved rounds.
    fn measure(&self, program: &[String], modes: &[Mode]) -> Result<Vec<f64>> {
        let mut samples = vec![Vec::new(); modes.len()];
        for _ in 0..self.rounds {
            for (i, &mode) in modes.iter().enumerate() {
                samples[i].push(time(&mut command(mode, &self.mvx, program))?);
            }
        }
        Ok(samples.into_iter().map(median).collect())
    }

    fn syscalls(&mut self) -> Result<()> {
        // A first guess at the calls per run; each mode's count is then scaled until its calls
        // take at least `MIN_SECONDS` and twice an empty run (a few thousand fast-path calls
        // last about a millisecond, and starting mvx varies by more than that: 2000 lock-stepped
        // getpids within the noise of a loaded machine once measured "0 µs").
        let first: u64 = if self.quick { 2000 } else { 20000 };
        const MIN_SECONDS: f64 = 0.2;
        const MAX_COUNT: u64 = 100_000_000;
        let mut modes = vec![Mode::Native, Mode::Mvx(2), Mode::MvxFast];
        if self.strace {
            modes.insert(1, Mode::Strace);
        }
        for op in SYSCALL_OPS {
            let prog = |n: u64| vec![self.example("syscallbench"), op.to_string(), n.to_string()];
            // Seconds of one run of `mode` and of an empty run.
            let runs = |mode: Mode, n: u64| -> Result<(f64, f64)> {
                let full = time(&mut command(mode, &self.mvx, &prog(n)))?;
                let empty = time(&mut command(mode, &self.mvx, &prog(0)))?;
                Ok((full, empty))
            };
            let spent = |mode: Mode, n: u64| -> Result<f64> {
                let (full, empty) = runs(mode, n)?;
                Ok(full - empty)
            };
            let mut counts = Vec::with_capacity(modes.len());
            for &mode in &modes {
                let mut n = first;
                loop {
                    let (full, empty) = runs(mode, n)?;
                    let (s, min) = (full - empty, MIN_SECONDS.max(2.0 * empty));
                    if s >= min || n >= MAX_COUNT {
                        break;
                    }
                    // Aim past the minimum; at most 100x per step (the first run may be noise).
                    let scale = (1.5 * min / s.max(min / 100.0)).max(2.0);
                    n = ((n as f64 * scale) as u64).min(MAX_COUNT);
                }
                counts.push(n);
            }
            // Interleaved rounds, each mode at its own count.
            let mut samples = vec![Vec::new(); modes.len()];
            for _ in 0..self.rounds {
                for (i, &mode) in modes.iter().enumerate() {
                    samples[i].push(spent(mode, counts[i])?.max(0.0) / counts[i] as f64 * 1e6);
                }
            }
            let per_op: Vec<f64> = samples.into_iter().map(median).collect();
            self.progress.row_done(op);
            self.rows.push(Row {
                group: "syscall",
                workload: op.to_string(),
                unit: "µs/op",
                native: per_op[0],
                strace: self.strace.then(|| per_op[1]),
                mvx2: per_op[per_op.len() - 2],
                mvx2_fast: Some(per_op[per_op.len() - 1]),
                mvx3: None,
                // A lock-stepped getpid within 50 µs; a fast-path call within 1.5x native.
                target: if op == "getpid" {
                    Target::value_at_most(Column::Strict, 50.0)
                } else {
                    Target::ratio_at_most(Column::SocketRw, 1.5)
                },
            });
        }
        Ok(())
    }

    fn cpu(&mut self, data: &Path) -> Result<()> {
        let iterations = if self.quick {
            "200000000"
        } else {
            "1500000000"
        };
        let workloads: Vec<(&str, Vec<String>)> = vec![
            ("gzip -9 of generated data", vec!["gzip".into(), "-9".into(), "-n".into(), "-c".into(), data.display().to_string()]),
            ("sort of generated data", vec!["sort".into(), "--parallel=1".into(), data.display().to_string()]),
            (
                "python3: sort and hash",
                vec!["/usr/bin/python3".into(), "-c".into(), "import hashlib,random; random.seed(1); x=sorted(random.random() for _ in range(300000)); print(hashlib.sha256(repr(x).encode()).hexdigest())".into()],
            ),
            ("CPU loop, no timer", vec![self.example("timer"), iterations.into(), "off".into()]),
            (TIMER_LOOP, vec![self.example("timer"), iterations.into(), "quiet".into()]),
        ];
        for (name, program) in workloads {
            let modes = [Mode::Native, Mode::Mvx(2), Mode::MvxFast, Mode::Mvx(3)];
            let t = self.measure(&program, &modes)?;
            self.progress.row_done(name);
            self.rows.push(Row {
                group: "cpu",
                workload: name.into(),
                unit: "s",
                native: t[0],
                strace: None,
                mvx2: t[1],
                mvx2_fast: Some(t[2]),
                mvx3: Some(t[3]),
                target: cpu_set_target(name == TIMER_LOOP),
            });
        }
        Ok(())
    }

    fn runtime(&mut self) -> Result<()> {
        let syncbench = self.mvx.with_file_name("syncbench");
        if !syncbench.is_file() {
            self.progress.plan_fewer(RUNTIME_ROWS);
            eprintln!(
                "mvx bench: no {} (cargo build -p randthreads): runtime rows skipped",
                syncbench.display()
            );
            return Ok(());
        }
        let ops: u64 = if self.quick { 20000 } else { 200000 };
        let prog = |mode: &str| {
            vec![
                syncbench.display().to_string(),
                mode.to_string(),
                ops.to_string(),
            ]
        };
        let modes = [Mode::Native, Mode::Mvx(2)];
        let bare = self.measure(&prog("bare"), &modes)?;
        // (The runtime's costs do not depend on the level: one mvx column.)
        for (name, mode) in [
            ("sync op (u64)", "sync"),
            ("lock handoff, runtime Mutex", "lock"),
        ] {
            let t = self.measure(&prog(mode), &modes)?;
            let ns: Vec<f64> = t
                .iter()
                .zip(&bare)
                .map(|(a, b)| (a - b).max(0.0) / ops as f64 * 1e9)
                .collect();
            self.progress.row_done(name);
            self.rows.push(Row {
                group: "runtime",
                workload: name.into(),
                unit: "ns/op",
                native: ns[0],
                strace: None,
                mvx2: ns[1],
                mvx2_fast: None,
                mvx3: None,
                target: None,
            });
        }
        Ok(())
    }

    /// The compute kernels (examples/bin/kernels), each without and with a 1 ms timer (empty
    /// SIGALRM handler), natively and at strict with 2 variants; every run's checksum must be
    /// the native one.
    fn kernels(&mut self) -> Result<()> {
        let kernels = self.example("kernels");
        if !Path::new(&kernels).is_file() {
            self.progress.plan_fewer(KERNEL_ROWS);
            eprintln!("mvx bench: no {kernels} (make -C examples): kernels rows skipped");
            return Ok(());
        }
        // First guesses at the repetitions; each is scaled until a native run takes
        // `native_seconds` (a quarter with --quick), so that starting mvx (~20 ms: the
        // loader's lock-stepped calls) weighs as little as in a real run of a kernel.
        let native_seconds = if self.quick { 0.25 } else { 1.0 };
        for (kernel, size) in KERNEL_SIZES {
            let size = self.repetitions_for(&kernels, kernel, size, native_seconds)?;
            for timer in [false, true] {
                let mut program = vec![kernels.clone()];
                if timer {
                    program.extend(["--timer-us".into(), "1000".into()]);
                }
                program.extend([kernel.to_string(), size.to_string()]);
                let t = self.measure_verified(&program, &[Mode::Native, Mode::Mvx(2)])?;
                let name = if timer {
                    format!("kernel {kernel}, 1 ms timer (empty handler)")
                } else {
                    format!("kernel {kernel}, no timer")
                };
                self.progress.row_done(&name);
                self.rows.push(Row {
                    group: "kernels",
                    workload: name,
                    unit: "s",
                    native: t[0],
                    strace: None,
                    mvx2: t[1],
                    mvx2_fast: None,
                    mvx3: None,
                    target: cpu_set_target(timer),
                });
            }
        }
        Ok(())
    }

    /// Repetitions of `kernel` for a native run of about `seconds`, from a first guess.
    fn repetitions_for(
        &self,
        kernels: &str,
        kernel: &str,
        guess: u64,
        seconds: f64,
    ) -> Result<u64> {
        let mut reps = guess;
        for _ in 0..4 {
            let program = [kernels.to_string(), kernel.to_string(), reps.to_string()];
            let took = time(&mut command(Mode::Native, &self.mvx, &program))?;
            if took >= 0.8 * seconds {
                break;
            }
            reps = ((reps as f64 * seconds / took.max(0.01)).ceil() as u64).max(reps + 1);
        }
        Ok(reps)
    }

    /// Like `measure`, and every run must print what the first native run printed (a checksum).
    fn measure_verified(&self, program: &[String], modes: &[Mode]) -> Result<Vec<f64>> {
        let mut samples = vec![Vec::new(); modes.len()];
        let mut expected: Option<Vec<u8>> = None;
        for _ in 0..self.rounds {
            for (i, &mode) in modes.iter().enumerate() {
                let (seconds, output) = time_output(&mut command(mode, &self.mvx, program))?;
                match &expected {
                    None => expected = Some(output),
                    Some(e) if *e != output => bail!(
                        "{program:?} printed {:?} in one run and {:?} in another",
                        String::from_utf8_lossy(e),
                        String::from_utf8_lossy(&output)
                    ),
                    Some(_) => {}
                }
                samples[i].push(seconds);
            }
        }
        Ok(samples.into_iter().map(median).collect())
    }

    /// Each server natively, at strict and at socket-rw with 2 variants: saturated requests/s,
    /// p50/p99 latency at 25% and 50% of the native peak (measured in this run), and CPU per
    /// request. A server that is not installed, or fails, leaves its row out or empty (NaN);
    /// the bench goes on.
    fn servers(&mut self) -> Result<()> {
        use crate::bench_servers::{Rates, Server, Site, FIXED_RATE_FRACTIONS};
        let (saturate, fixed) = if self.quick {
            (Duration::from_millis(1500), Duration::from_millis(1000))
        } else {
            (Duration::from_secs(4), Duration::from_secs(3))
        };
        let rounds = self.server_rounds();
        let site = Site::create()?;
        let mut servers: Vec<Server> = Vec::new();
        servers.extend(Server::httpd(&self.example("httpd")));
        servers.extend(Server::tinyhttpd(&self.example("tinyhttpd"), &site));
        servers.extend(Server::lighttpd(&site)?);
        servers.extend(Server::nginx(&site)?);
        servers.extend(Server::redis(&site)?);
        let modes = [Mode::Native, Mode::Mvx(2), Mode::MvxFast];
        self.progress.plan_more(servers.len());
        for server in servers {
            // Per mode, per round: (peak, [(rate, p50, p99)], CPU s/request).
            let mut runs: Vec<Vec<crate::bench_servers::Measured>> =
                (0..modes.len()).map(|_| Vec::new()).collect();
            let mut rates: Option<Vec<f64>> = None;
            for _ in 0..rounds {
                for (i, &mode) in modes.iter().enumerate() {
                    let plan = match (&rates, mode) {
                        (None, Mode::Native) => Rates::OfOwnPeak,
                        (Some(r), _) => Rates::Fixed(r.clone()),
                        // No native peak (its run failed): no fixed-rate load to compare.
                        (None, _) => Rates::Fixed(Vec::new()),
                    };
                    let mut cmd = command(mode, &self.mvx, &server.argv);
                    match server.measure(&mut cmd, saturate, fixed, &plan) {
                        Ok(m) => {
                            if mode == Mode::Native {
                                warn_if_behind(&server.name, &m);
                            }
                            if rates.is_none() && mode == Mode::Native {
                                rates = Some(m.fixed.iter().map(|f| f.0).collect());
                            }
                            runs[i].push(m);
                        }
                        // One failed lifetime does not end the benchmark: the row says so.
                        Err(e) => eprintln!("mvx bench: {e:#}"),
                    }
                }
            }
            self.progress.row_done(&server.name);
            let med = |i: usize, f: &dyn Fn(&crate::bench_servers::Measured) -> Option<f64>| {
                let v: Vec<f64> = runs[i].iter().filter_map(f).collect();
                if v.is_empty() {
                    f64::NAN
                } else {
                    median(v)
                }
            };
            let short = server.short;
            let mut push = |metric: String, unit, f: &dyn Fn(&_) -> Option<f64>, target| {
                let v: Vec<f64> = (0..modes.len()).map(|i| med(i, f)).collect();
                self.rows.push(Row {
                    group: "servers",
                    workload: format!("{short}: {metric}"),
                    unit,
                    native: v[0],
                    strace: None,
                    mvx2: v[1],
                    mvx2_fast: Some(v[2]),
                    mvx3: None,
                    target,
                });
            };
            let throughput_target = match short {
                "tinyhttpd" => Target::ratio_at_least(Column::SocketRw, 0.7),
                "httpd" => None,
                _ => Target::ratio_at_least(Column::SocketRw, 0.5),
            };
            push(
                format!("saturated, {} conns", crate::bench_servers::CONNECTIONS),
                "req/s",
                &|m| Some(m.peak),
                throughput_target,
            );
            for (k, fraction) in FIXED_RATE_FRACTIONS.iter().enumerate() {
                let pct = (fraction * 100.0).round();
                let at_quarter = k == 0;
                push(
                    format!("p50 at {pct}% of native peak"),
                    "µs",
                    &|m| m.fixed.get(k).map(|f| f.1),
                    if at_quarter {
                        Target::ratio_at_most(Column::SocketRw, 1.5)
                    } else {
                        None
                    },
                );
                push(
                    format!("p99 at {pct}% of native peak"),
                    "µs",
                    &|m| m.fixed.get(k).map(|f| f.2),
                    if at_quarter {
                        Target::ratio_at_most(Column::SocketRw, 3.0)
                    } else {
                        None
                    },
                );
            }
            push(
                "CPU per request (all processes)".into(),
                "µs CPU",
                &|m| Some(m.cpu_per_request * 1e6),
                Target::ratio_at_most(Column::SocketRw, 2.3),
            );
        }
        Ok(())
    }

    fn print(&self) {
        if self.rows.is_empty() {
            return;
        }
        println!(
            "{:<8} {:<46} {:>7} {:>10} {:>16} {:>18} {:>18} {:>16}",
            "group",
            "workload",
            "unit",
            "native",
            "strace -f",
            "mvx -n 2",
            "-n 2 socket-rw",
            "mvx -n 3"
        );
        for r in &self.rows {
            let cell = |v: Option<f64>| match v {
                Some(v) => format!("{:.3} ({})", v, Row::ratio(v, r.native)),
                None => "-".into(),
            };
            println!(
                "{:<8} {:<46} {:>7} {:>10.3} {:>16} {:>18} {:>18} {:>16}",
                r.group,
                r.workload,
                r.unit,
                r.native,
                cell(r.strace),
                cell(Some(r.mvx2)),
                cell(r.mvx2_fast),
                cell(r.mvx3)
            );
        }
    }

    /// Server lifetimes per column: each is several seconds of load.
    fn server_rounds(&self) -> usize {
        if self.quick {
            1
        } else {
            self.rounds.min(3)
        }
    }

    /// The rows that have a target, the cell the target is about and whether it is met.
    fn summary(&self) -> Vec<SummaryLine> {
        self.rows
            .iter()
            .filter_map(|r| {
                let target = r.target?;
                let value = match target.column {
                    Column::Strict => Some(r.mvx2),
                    Column::SocketRw => r.mvx2_fast,
                }?;
                let measured = if target.absolute {
                    value
                } else if r.native > 0.0 {
                    value / r.native
                } else {
                    // No native cost to compare with (below the noise): no ratio.
                    f64::NAN
                };
                let met = measured.is_finite()
                    && if target.at_least {
                        measured >= target.limit
                    } else {
                        measured <= target.limit
                    };
                Some(SummaryLine {
                    row: format!("{} {}", r.group, r.workload),
                    measured,
                    unit: if target.absolute { r.unit } else { "x native" },
                    target: target.describe(),
                    met,
                })
            })
            .collect()
    }
}

/// One line of the final summary: a measured cell beside its target.
#[derive(Serialize)]
struct SummaryLine {
    row: String,
    measured: f64,
    unit: &'static str,
    target: String,
    met: bool,
}

fn print_summary(lines: &[SummaryLine]) {
    if lines.is_empty() {
        return;
    }
    println!();
    println!("summary against issue 15's targets (N = 2; this machine, load generator beside it):");
    println!(
        "{:<62} {:>10} {:<9} {:<20} met",
        "row", "measured", "", "target"
    );
    for l in lines {
        println!(
            "{:<62} {:>10.3} {:<9} {:<20} {}",
            l.row,
            l.measured,
            l.unit,
            l.target,
            if l.met { "yes" } else { "no" }
        );
    }
}

/// The JSON report: the machine, every row, the summary.
#[derive(Serialize)]
struct Report<'a> {
    machine: &'a crate::bench_proc::Machine,
    rounds: usize,
    rows: &'a [Row],
    /// Each mvx-cc profile's variants against plain -O2, natively.
    profiles: &'a [crate::bench_profiles::ProfileRow],
    summary: &'a [SummaryLine],
}

/// The groups `--only` accepts (`http` is the old name of `servers`).
/// The syscall rows: syscallbench's operations.
const SYSCALL_OPS: [&str; 7] = [
    "getpid",
    "getpid-raw",
    "getcwd",
    "read1",
    "write64",
    "openclose",
    "clock_gettime",
];

/// The kernels of examples/bin/kernels, with first guesses at their repetitions.
pub(crate) const KERNEL_SIZES: [(&str, u64); 4] = [
    ("list", 3000),
    ("statemachine", 1200),
    ("matmul", 160),
    ("stencil", 3000),
];

/// Rows per group, for the progress lines' estimate (servers count theirs when they start).
const SYSCALL_ROWS: usize = SYSCALL_OPS.len();
const CPU_ROWS: usize = 5;
/// Each kernel without and with a timer.
const KERNEL_ROWS: usize = 2 * KERNEL_SIZES.len();
const RUNTIME_ROWS: usize = 2;

const GROUPS: [&str; 8] = [
    "syscall", "cpu", "kernels", "profiles", "runtime", "servers", "http", "remote",
];

pub fn run(args: BenchArgs) -> Result<i32> {
    if let Some(unknown) = args.only.iter().find(|g| !GROUPS.contains(&g.as_str())) {
        bail!(
            "no benchmark group {unknown:?} (groups: {})",
            GROUPS.join(", ")
        );
    }
    let mvx = std::env::current_exe().context("locating mvx")?;
    let examples = args
        .examples
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/bin"));
    for needed in ["syscallbench", "timer"] {
        if !examples.join(needed).is_file() {
            bail!(
                "{} not found: build the examples with `make -C examples` (or pass --examples DIR)",
                examples.join(needed).display()
            );
        }
    }
    let strace = Command::new("strace")
        .arg("-V")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let rounds = if args.quick { 3 } else { args.rounds.max(1) };
    let wants = |group: &str| {
        args.only.is_empty()
            || args
                .only
                .iter()
                .any(|g| g == group || (group == "servers" && g == "http"))
    };
    let planned = [
        ("syscall", SYSCALL_ROWS),
        ("cpu", CPU_ROWS),
        ("kernels", KERNEL_ROWS),
        ("profiles", crate::bench_profiles::PROFILE_STEPS),
        ("runtime", RUNTIME_ROWS),
    ]
    .iter()
    .filter(|(group, _)| wants(group))
    .map(|(_, rows)| rows)
    .sum();
    let mut bench = Bench {
        mvx,
        examples,
        rounds,
        quick: args.quick,
        strace,
        rows: Vec::new(),
        progress: crate::bench_progress::Progress::new(planned),
    };
    let data = std::env::temp_dir().join(format!("mvx-bench-{}.txt", std::process::id()));
    let lines = if args.quick { 100_000 } else { 600_000 };
    let text: String = (0..lines)
        .map(|i: u64| format!("{}\n", i.wrapping_mul(2654435761) % 1_000_003))
        .collect();
    std::fs::write(&data, text).context("writing the benchmark data")?;
    let machine = crate::bench_proc::Machine::describe(crate::bench_servers::CONNECTIONS);
    machine.print();
    let mut profiles = Vec::new();
    let result = (|| {
        if wants("syscall") {
            bench.syscalls()?;
        }
        if wants("cpu") {
            bench.cpu(&data)?;
        }
        if wants("kernels") {
            bench.kernels()?;
        }
        if wants("profiles") {
            profiles = crate::bench_profiles::measure(
                &bench.examples,
                bench.rounds,
                bench.quick,
                &mut bench.progress,
            )?;
        }
        if wants("runtime") {
            bench.runtime()?;
        }
        if wants("servers") {
            bench.servers()?;
        }
        if args.only.iter().any(|g| g == "remote") {
            anyhow::ensure!(
                !args.remote.is_empty(),
                "the remote group needs --remote HOST:PORT (see benches/remote.sh)"
            );
            let mut opts = Vec::new();
            for r in &args.remote {
                opts.extend(["--remote".to_string(), r.clone()]);
            }
            opts.extend(args.link.run_options());
            crate::bench_remote::run(&bench.mvx, &opts, bench.server_rounds(), bench.quick)?;
        }
        Ok::<(), anyhow::Error>(())
    })();
    let _ = std::fs::remove_file(&data);
    result?;
    println!(
        "mvx bench: medians of {rounds} interleaved rounds (servers: {}); ratios to native in \
         parentheses",
        bench.server_rounds()
    );
    machine.print();
    bench.print();
    crate::bench_profiles::print(&profiles, rounds);
    let summary = bench.summary();
    print_summary(&summary);
    if let Some(path) = args.json {
        let report = Report {
            machine: &machine,
            rounds,
            rows: &bench.rows,
            profiles: &profiles,
            summary: &summary,
        };
        std::fs::write(&path, serde_json::to_string_pretty(&report)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(workload: &str, native: f64, strict: f64, fast: f64, target: Option<Target>) -> Row {
        Row {
            group: "t",
            workload: workload.into(),
            unit: "µs",
            native,
            strace: None,
            mvx2: strict,
            mvx2_fast: Some(fast),
            mvx3: None,
            target,
        }
    }

    #[test]
    fn summary_compares_the_targeted_cell() {
        let bench = Bench {
            mvx: PathBuf::new(),
            examples: PathBuf::new(),
            rounds: 1,
            quick: true,
            strace: false,
            progress: crate::bench_progress::Progress::new(0),
            rows: vec![
                // Throughput: socket-rw at 0.6x of native meets ">= 0.5x".
                row(
                    "rate",
                    1000.0,
                    10.0,
                    600.0,
                    Target::ratio_at_least(Column::SocketRw, 0.5),
                ),
                // Latency: 2x native misses "<= 1.5x".
                row(
                    "p50",
                    100.0,
                    900.0,
                    200.0,
                    Target::ratio_at_most(Column::SocketRw, 1.5),
                ),
                // An absolute limit on the strict column: 40 µs meets "<= 50".
                row(
                    "getpid",
                    0.1,
                    40.0,
                    0.2,
                    Target::value_at_most(Column::Strict, 50.0),
                ),
                // A failed run (NaN) never meets its target; rows without one are left out.
                row(
                    "failed",
                    f64::NAN,
                    1.0,
                    1.0,
                    Target::ratio_at_most(Column::Strict, 1.1),
                ),
                row("untargeted", 1.0, 1.0, 1.0, None),
            ],
        };
        let lines = bench.summary();
        let met: Vec<(&str, bool)> = lines.iter().map(|l| (&l.row[2..], l.met)).collect();
        assert_eq!(
            met,
            [
                ("rate", true),
                ("p50", false),
                ("getpid", true),
                ("failed", false)
            ]
        );
        assert!((lines[0].measured - 0.6).abs() < 1e-9);
        assert_eq!(lines[2].measured, 40.0);
        assert_eq!(lines[2].target, "strict <= 50");
    }
}
