//! Synchronous signal delivery, measured as in the Orchestra paper's evaluation: CPU-bound
//! programs with a 1 ms interval timer and an empty handler. For each workload (the examples'
//! timer loop, and two compute kernels from `signal_kernels.c`: a dense matrix multiply and a
//! pointer-chasing list walk) it prints, as medians of interleaved rounds: native without and
//! with the timer, two variants without and with the timer, and the extra time per delivered
//! signal, with the delivery delay statistics mvx reports.
//!
//!     cargo bench -p mvx-monitor --bench signals [-- ROUNDS]
//!
//! `MVX_BENCH_SIGNALS_ONLY=matmul,chase` runs a subset; `MVX_MONITOR_LEVEL` picks the level.

mod common;

use common::{build_release, median, root, rounds, time};
use std::path::{Path, PathBuf};
use std::process::Command;

/// One program measured with and without a 1 ms timer.
struct Workload {
    name: &'static str,
    program: PathBuf,
    /// Arguments without the timer, and with it.
    plain: Vec<String>,
    timed: Vec<String>,
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

/// Compiles `signal_kernels.c` (next to this file) into the target directory.
fn build_kernels(out_dir: &Path) -> PathBuf {
    let source = root().join("mvx-monitor/benches/signal_kernels.c");
    let binary = out_dir.join("signal_kernels");
    let status = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&binary)
        .arg(&source)
        .status()
        .expect("cc");
    assert!(status.success(), "compiling {} failed", source.display());
    binary
}

fn workloads(release: &Path) -> Vec<Workload> {
    let timer = root().join("examples/bin/timer");
    let kernels = build_kernels(release);
    let kernel = |name: &'static str, sizing: &[&str]| {
        let plain = [&[name][..], sizing].concat();
        let timed = [&plain[..], &["--timer-us", "1000"]].concat();
        Workload {
            name,
            program: kernels.clone(),
            plain: args(&plain),
            timed: args(&timed),
        }
    };
    let all = vec![
        Workload {
            name: "loop",
            program: timer,
            plain: args(&["3000000000", "off"]),
            timed: args(&["3000000000", "quiet"]),
        },
        kernel("matmul", &["--size", "1000", "--reps", "2"]),
        kernel("chase", &["--size", "4194304", "--reps", "3"]),
    ];
    let only = std::env::var("MVX_BENCH_SIGNALS_ONLY").unwrap_or_default();
    all.into_iter()
        .filter(|w| only.is_empty() || only.split(',').any(|o| o == w.name))
        .collect()
}

/// The medians of one workload, in seconds, and the signal statistics of the timed runs.
struct Measured {
    native: f64,
    native_timer: f64,
    plain: f64,
    signals: f64,
    reports: Vec<serde_json::Value>,
}

fn measure(w: &Workload, mvx: &Path, rounds: usize) -> Measured {
    let report =
        std::env::temp_dir().join(format!("mvx-bench-signals-{}.json", std::process::id()));
    let (mut native, mut native_timer, mut plain, mut signals) = (vec![], vec![], vec![], vec![]);
    let mut reports = Vec::new();
    for round in 0..rounds {
        native.push(time(Command::new(&w.program).args(&w.plain)));
        native_timer.push(time(Command::new(&w.program).args(&w.timed)));
        plain.push(time(
            Command::new(mvx)
                .args(["run", "-n", "2", "--"])
                .arg(&w.program)
                .args(&w.plain),
        ));
        signals.push(time(
            Command::new(mvx)
                .args(["run", "-n", "2", "--report"])
                .arg(&report)
                .arg("--")
                .arg(&w.program)
                .args(&w.timed),
        ));
        let text = std::fs::read_to_string(&report).expect("report");
        let json: serde_json::Value = serde_json::from_str(&text).expect("json");
        reports.push(json["signals"].clone());
        eprintln!("{}: round {}/{rounds} done", w.name, round + 1);
    }
    let _ = std::fs::remove_file(&report);
    Measured {
        native: median(native),
        native_timer: median(native_timer),
        plain: median(plain),
        signals: median(signals),
        reports,
    }
}

fn print(w: &Workload, m: &Measured) {
    let n = m.native;
    println!(
        "\n{}: {} {}",
        w.name,
        w.program.display(),
        w.timed.join(" ")
    );
    println!("{:<42} {:>9} {:>8}", "configuration", "seconds", "ratio");
    for (what, secs) in [
        ("native, no timer", m.native),
        ("native, 1 ms timer", m.native_timer),
        ("mvx -n 2, no timer", m.plain),
        ("mvx -n 2, 1 ms timer (synchronous delivery)", m.signals),
    ] {
        println!("{what:<42} {secs:>9.3} {:>8.2}", secs / n);
    }
    let mean = |k: &str| {
        m.reports
            .iter()
            .map(|d| d["delay_us"][k].as_f64().unwrap_or(0.0))
            .sum::<f64>()
            / m.reports.len() as f64
    };
    let delivered = m
        .reports
        .iter()
        .map(|d| d["delivered"].as_u64().unwrap_or(0))
        .sum::<u64>()
        / m.reports.len() as u64;
    println!(
        "extra overhead of synchronous delivery over plain mvx: {:+.1}%; {:.0} us per signal \
         ({} signals per run)",
        (m.signals / m.plain - 1.0) * 100.0,
        (m.signals - m.plain) / delivered.max(1) as f64 * 1e6,
        delivered
    );
    println!(
        "delay from first arrival to delivery to all (mean over rounds): mean {:.0} us, p50 {:.0} \
         us, p99 {:.0} us, max {:.0} us",
        mean("mean"),
        mean("p50"),
        mean("p99"),
        mean("max"),
    );
}

fn main() {
    let rounds = rounds(5);
    let status = Command::new("make")
        .args(["-s", "-C"])
        .arg(root().join("examples"))
        .status()
        .expect("make");
    assert!(status.success(), "building the examples failed");
    let release = build_release(&["mvx-monitor"]);
    let mvx = release.join("mvx");
    println!(
        "signals benchmark: CPU-bound programs, 1 ms ITIMER_REAL, empty handler; median of \
         {rounds} interleaved rounds (the paper: < 20% extra overhead, 450 us mean delay)"
    );
    for w in workloads(&release) {
        let m = measure(&w, &mvx, rounds);
        print(&w, &m);
    }
}
