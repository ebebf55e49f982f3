//! `mvx bench`: runs each workload natively and under mvx, alternately, several times in one run,
//! and prints medians and ratios to native (and writes them as JSON).
//!
//! Columns: native, `strace -f` (the ptrace peer), mvx with 2 variants at `strict` (every
//! call lock-stepped), at `socket-rw` (the runtime's fast path), and with 3 variants.
//!
//! - syscalls: one operation repeated (getpid, getcwd, read 1 B, write 64 B, open+close,
//!   clock_gettime), per-operation cost from the difference between COUNT and 0 repetitions;
//! - CPU: gzip of generated data, sort, a Python workload, and a CPU loop with and without a
//!   1 ms timer;
//! - runtime: a sync op and a lock handoff (examples/rust/randthreads' syncbench);
//! - http: requests/s under `wrk` on 127.0.0.1 of the C httpd example (fork per request),
//!   and of Debian's lighttpd and nginx (one process, loopback only), where installed.

use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

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
    /// Run only these groups (syscall, cpu, runtime, http), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "GROUPS")]
    pub only: Vec<String>,
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

fn median(mut v: Vec<f64>) -> f64 {
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
        let count: u64 = if self.quick { 2000 } else { 20000 };
        let mut modes = vec![Mode::Native, Mode::Mvx(2), Mode::MvxFast];
        if self.strace {
            modes.insert(1, Mode::Strace);
        }
        for op in [
            "getpid",
            "getpid-raw",
            "getcwd",
            "read1",
            "write64",
            "openclose",
            "clock_gettime",
        ] {
            let prog = |n: u64| vec![self.example("syscallbench"), op.to_string(), n.to_string()];
            let full = self.measure(&prog(count), &modes)?;
            let empty = self.measure(&prog(0), &modes)?;
            let per_op: Vec<f64> = full
                .iter()
                .zip(&empty)
                .map(|(f, e)| (f - e).max(0.0) / count as f64 * 1e6)
                .collect();
            eprintln!("mvx bench: {op} done");
            self.rows.push(Row {
                group: "syscall",
                workload: op.to_string(),
                unit: "µs/op",
                native: per_op[0],
                strace: self.strace.then(|| per_op[1]),
                mvx2: per_op[per_op.len() - 2],
                mvx2_fast: Some(per_op[per_op.len() - 1]),
                mvx3: None,
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
            ("CPU loop, 1 ms timer (empty handler)", vec![self.example("timer"), iterations.into(), "quiet".into()]),
        ];
        for (name, program) in workloads {
            let modes = [Mode::Native, Mode::Mvx(2), Mode::MvxFast, Mode::Mvx(3)];
            let t = self.measure(&program, &modes)?;
            eprintln!("mvx bench: {name} done");
            self.rows.push(Row {
                group: "cpu",
                workload: name.into(),
                unit: "s",
                native: t[0],
                strace: None,
                mvx2: t[1],
                mvx2_fast: Some(t[2]),
                mvx3: Some(t[3]),
            });
        }
        Ok(())
    }

    fn runtime(&mut self) -> Result<()> {
        let syncbench = self.mvx.with_file_name("syncbench");
        if !syncbench.is_file() {
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
            self.rows.push(Row {
                group: "runtime",
                workload: name.into(),
                unit: "ns/op",
                native: ns[0],
                strace: None,
                mvx2: ns[1],
                mvx2_fast: None,
                mvx3: None,
            });
        }
        eprintln!("mvx bench: runtime done");
        Ok(())
    }

    /// Requests per second `wrk` gets from the httpd example, lighttpd and nginx, natively
    /// and under mvx -n 2 (strict and socket-rw).
    fn http(&mut self) -> Result<()> {
        if Command::new("wrk")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
        {
            eprintln!("mvx bench: no wrk (apt-get install wrk): http rows skipped");
            return Ok(());
        }
        let seconds = if self.quick { "2" } else { "4" };
        let site = crate::bench_servers::Site::create()?;
        let mut servers = vec![crate::bench_servers::Server::httpd(&self.example("httpd"))];
        servers.extend(crate::bench_servers::Server::lighttpd(&site)?);
        servers.extend(crate::bench_servers::Server::nginx(&site)?);
        for server in servers {
            let modes = [Mode::Native, Mode::Mvx(2), Mode::MvxFast];
            let mut rates = Vec::new();
            for mode in modes {
                let mut samples = Vec::new();
                for _ in 0..self.rounds.min(3) {
                    let mut cmd = command(mode, &self.mvx, &server.argv);
                    match server.serve_and_load(&mut cmd, seconds) {
                        Ok(rate) => samples.push(rate),
                        // One failed load does not end the benchmark: the row says so.
                        Err(e) => eprintln!("mvx bench: {e:#}"),
                    }
                }
                rates.push(if samples.is_empty() {
                    f64::NAN
                } else {
                    median(samples)
                });
            }
            eprintln!("mvx bench: {} done", server.name);
            self.rows.push(Row {
                group: "http",
                workload: server.name.clone(),
                unit: "req/s",
                native: rates[0],
                strace: None,
                mvx2: rates[1],
                mvx2_fast: Some(rates[2]),
                mvx3: None,
            });
        }
        Ok(())
    }

    fn print(&self) {
        println!(
            "{:<8} {:<40} {:>7} {:>10} {:>16} {:>16} {:>16} {:>16}",
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
                "{:<8} {:<40} {:>7} {:>10.3} {:>16} {:>16} {:>16} {:>16}",
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
}

pub fn run(args: BenchArgs) -> Result<i32> {
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
    let mut bench = Bench {
        mvx,
        examples,
        rounds,
        quick: args.quick,
        strace,
        rows: Vec::new(),
    };
    let data = std::env::temp_dir().join(format!("mvx-bench-{}.txt", std::process::id()));
    let lines = if args.quick { 100_000 } else { 600_000 };
    let text: String = (0..lines)
        .map(|i: u64| format!("{}\n", i.wrapping_mul(2654435761) % 1_000_003))
        .collect();
    std::fs::write(&data, text).context("writing the benchmark data")?;
    let wants = |group: &str| args.only.is_empty() || args.only.iter().any(|g| g == group);
    let result = (|| {
        if wants("syscall") {
            bench.syscalls()?;
        }
        if wants("cpu") {
            bench.cpu(&data)?;
        }
        if wants("runtime") {
            bench.runtime()?;
        }
        if wants("http") {
            bench.http()?;
        }
        Ok::<(), anyhow::Error>(())
    })();
    let _ = std::fs::remove_file(&data);
    result?;
    println!("mvx bench: medians of {rounds} interleaved rounds; ratios to native in parentheses");
    bench.print();
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&bench.rows)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(0)
}
