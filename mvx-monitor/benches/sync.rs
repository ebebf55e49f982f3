//! The in-variant runtime's costs, in one run: a sync op (a u64 published by the leader and
//! taken by the follower) and a lock handoff (two threads alternating on a runtime Mutex, in
//! the leader's order), against the bare operation, natively and under `mvx run -n 2`.
//! Each figure is the median of interleaved rounds; per-op costs subtract the bare loop's time.
//!
//!     cargo bench -p mvx-monitor --bench sync [-- ROUNDS]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

const OPS: u64 = 200_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn build() -> (PathBuf, PathBuf) {
    let status = Command::new("cargo")
        .args([
            "build",
            "--release",
            "-q",
            "-p",
            "mvx-monitor",
            "-p",
            "randthreads",
        ])
        .current_dir(root())
        .status()
        .expect("cargo build");
    assert!(status.success(), "build failed");
    let dir = root().join("target/release");
    (dir.join("mvx"), dir.join("syncbench"))
}

fn time(cmd: &mut Command) -> f64 {
    let start = Instant::now();
    let status = cmd.stdout(Stdio::null()).status().expect("spawn");
    assert!(status.success(), "{cmd:?}: {status}");
    start.elapsed().as_secs_f64()
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(5);
    let (mvx, bench) = build();
    let modes = ["bare", "sync", "stdlock", "lock"];
    let mut native: Vec<Vec<f64>> = vec![vec![]; modes.len()];
    let mut under: Vec<Vec<f64>> = vec![vec![]; modes.len()];
    for _ in 0..rounds {
        for (i, mode) in modes.iter().enumerate() {
            let ops = OPS.to_string();
            native[i].push(time(Command::new(&bench).args([mode, ops.as_str()])));
            under[i].push(time(
                Command::new(&mvx)
                    .args(["run", "-n", "2", "--"])
                    .arg(&bench)
                    .args([mode, ops.as_str()]),
            ));
        }
    }
    let n: Vec<f64> = native.into_iter().map(median).collect();
    let u: Vec<f64> = under.into_iter().map(median).collect();
    let per_op = |t: f64, base: f64| (t - base).max(0.0) / OPS as f64 * 1e9;
    println!("sync benchmark: {OPS} operations, median of {rounds} interleaved rounds (ns per operation)");
    println!("{:<44} {:>12} {:>16}", "operation", "native", "mvx -n 2");
    println!(
        "{:<44} {:>12.1} {:>16.1}",
        "sync op (u64, leader publishes, follower takes)",
        per_op(n[1], n[0]),
        per_op(u[1], u[0])
    );
    println!(
        "{:<44} {:>12.1} {:>16.1}",
        "lock handoff, std::sync::Mutex (bare)",
        per_op(n[2], n[0]),
        per_op(u[2], u[0])
    );
    println!(
        "{:<44} {:>12.1} {:>16.1}",
        "lock handoff, mvx_sync_runtime::Mutex",
        per_op(n[3], n[0]),
        per_op(u[3], u[0])
    );
    println!("(native: the runtime passes through; under mvx both variants run in parallel, so a sync op's cost is the slower of leader and follower)");
}
