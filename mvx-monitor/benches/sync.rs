//! The in-variant runtime's costs, in one run: a sync op (a u64 published by the leader and
//! taken by the follower) and a lock handoff (two threads alternating on a runtime Mutex, in
//! the leader's order), against the bare operation, natively and under `mvx run -n 2`.
//! Each figure is the median of interleaved rounds; per-op costs subtract the bare loop's time.
//!
//!     cargo bench -p mvx-monitor --bench sync [-- ROUNDS]

mod common;

use common::{build_release, median, rounds, time};
use std::process::Command;

const OPS: u64 = 200_000;

fn main() {
    let rounds = rounds(5);
    let dir = build_release(&["mvx-monitor", "randthreads"]);
    let (mvx, bench) = (dir.join("mvx"), dir.join("syncbench"));
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
