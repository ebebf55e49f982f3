//! Helpers shared by the benchmarks: the workspace root, timing a command, medians.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Builds the given packages in release mode and returns the release directory.
pub fn build_release(packages: &[&str]) -> PathBuf {
    let mut cmd = Command::new("cargo");
    cmd.args(["build", "--release", "-q"]).current_dir(root());
    for p in packages {
        cmd.args(["-p", p]);
    }
    let status = cmd.status().expect("cargo build");
    assert!(status.success(), "building {packages:?} failed");
    root().join("target/release")
}

/// Runs a command to completion (stdout discarded) and returns its wall time in seconds.
pub fn time(cmd: &mut Command) -> f64 {
    let start = Instant::now();
    let status = cmd.stdout(Stdio::null()).status().expect("spawn");
    assert!(status.success(), "{cmd:?} failed: {status}");
    start.elapsed().as_secs_f64()
}

pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

/// The number of rounds given after `--` (default `default`).
pub fn rounds(default: usize) -> usize {
    std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(default)
}
