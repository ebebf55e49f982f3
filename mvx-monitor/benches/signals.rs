//! Synchronous signal delivery, measured as in the Orchestra paper's evaluation: a CPU-bound
//! program with a 1 ms interval timer and an empty handler. Prints, in one run, native vs two
//! variants without signals vs two variants with the timer, as medians of interleaved rounds,
//! and the delivery delay statistics mvx reports.
//!
//!     cargo bench -p mvx-monitor --bench signals [-- ROUNDS]

mod common;

use common::{build_release, median, root, rounds, time};
use std::process::Command;

const ITERATIONS: &str = "3000000000";

fn main() {
    let rounds = rounds(5);
    let status = Command::new("make")
        .args(["-s", "-C"])
        .arg(root().join("examples"))
        .status()
        .expect("make");
    assert!(status.success(), "building the examples failed");
    let mvx = build_release(&["mvx-monitor"]).join("mvx");
    let timer = root().join("examples/bin/timer");
    let report =
        std::env::temp_dir().join(format!("mvx-bench-signals-{}.json", std::process::id()));

    let (mut native, mut native_timer, mut plain, mut signals) = (vec![], vec![], vec![], vec![]);
    let mut delays = Vec::new();
    for round in 0..rounds {
        native.push(time(Command::new(&timer).args([ITERATIONS, "off"])));
        native_timer.push(time(Command::new(&timer).args([ITERATIONS, "quiet"])));
        plain.push(time(
            Command::new(&mvx)
                .args(["run", "-n", "2", "--"])
                .arg(&timer)
                .args([ITERATIONS, "off"]),
        ));
        signals.push(time(
            Command::new(&mvx)
                .args(["run", "-n", "2", "--report"])
                .arg(&report)
                .arg("--")
                .arg(&timer)
                .args([ITERATIONS, "quiet"]),
        ));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).expect("report")).expect("json");
        delays.push(json["signals"].clone());
        eprintln!("round {}/{rounds} done", round + 1);
    }
    let _ = std::fs::remove_file(&report);
    let (n, nt, p, s) = (
        median(native),
        median(native_timer),
        median(plain),
        median(signals),
    );
    println!("signals benchmark: CPU-bound loop, 1 ms ITIMER_REAL, empty handler; median of {rounds} interleaved rounds");
    println!("{:<42} {:>9} {:>8}", "configuration", "seconds", "ratio");
    println!("{:<42} {:>9.3} {:>8.2}", "native, no timer", n, 1.0);
    println!("{:<42} {:>9.3} {:>8.2}", "native, 1 ms timer", nt, nt / n);
    println!("{:<42} {:>9.3} {:>8.2}", "mvx -n 2, no timer", p, p / n);
    println!(
        "{:<42} {:>9.3} {:>8.2}",
        "mvx -n 2, 1 ms timer (synchronous delivery)",
        s,
        s / n
    );
    println!(
        "extra overhead of synchronous delivery over plain mvx: {:+.1}%",
        (s / p - 1.0) * 100.0
    );
    let mean = |k: &str| {
        delays
            .iter()
            .map(|d| d["delay_us"][k].as_f64().unwrap_or(0.0))
            .sum::<f64>()
            / delays.len() as f64
    };
    let delivered = delays
        .iter()
        .map(|d| d["delivered"].as_u64().unwrap_or(0))
        .sum::<u64>()
        / delays.len() as u64;
    println!(
        "delay from first arrival to delivery to all (mean over rounds): mean {:.0} us, p50 {:.0} us, p99 {:.0} us, max {:.0} us; {} signals per run",
        mean("mean"),
        mean("p50"),
        mean("p99"),
        mean("max"),
        delivered
    );
    println!("(the paper: < 20% extra overhead, 450 us mean delay)");
}
