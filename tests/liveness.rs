//! A run that stops making progress always ends: hangs found on real programs stay fixed,
//! a deadlock between variants is reported after the window, and a stuck run can be ended
//! politely (SIGTERM) with a line per variant saying where it was stuck.

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

const PYTHON: &str = "/usr/bin/python3";

/// Python's subprocess loop from a shell's second fork (`echo | sha1sum`): a SIGCHLD from the
/// first child used to interrupt the clone in flight (ERESTARTNOINTR) and leave its group
/// waiting for a clone that was never going to return (about one run in three hung).
#[test]
fn python_subprocess_loop_never_hangs() {
    let script = r#"
import subprocess
for i in range(40):
    r = subprocess.run(["sh", "-c", "echo $0 | sha1sum", str(i)], capture_output=True)
    print(i, r.stdout.decode().split()[0])
"#;
    let prog = Prog::new(PYTHON).args(["-c", script]);
    let native = prog.run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    // 50 runs, two at a time; each is bounded by the helpers' timeout.
    let runs: Vec<thread::JoinHandle<()>> = (0..2)
        .map(|_| {
            let prog = prog.clone();
            let expected = native.stdout.clone();
            thread::spawn(move || {
                for _ in 0..25 {
                    let out = run_timeout(
                        &mut prog.mvx_command(["-n", "2"]),
                        None,
                        Duration::from_secs(40),
                    );
                    assert_eq!(out.code(), 0, "{}", out.context());
                    assert_eq!(out.stdout, expected, "{}", out.context());
                    assert_no_divergence(&out);
                }
            })
        })
        .collect();
    for r in runs {
        r.join().expect("a run failed");
    }
}

fn stuck(mode: &str, opts: &[&str]) -> Command {
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .args(opts)
        .arg("--variant")
        .arg(example("stuck-a"))
        .arg("--variant")
        .arg(example("stuck-b"))
        .arg("--")
        .arg(mode);
    cmd
}

/// Variant B stays inside nanosleep a day while A returned after 0.1 s: a call every variant
/// executes, with the same arguments as far as the monitor compares them. Reported after the
/// window, with the state of every group (`--dump-on-hang`).
#[test]
fn a_variant_stuck_inside_a_call_the_others_left_is_reported_after_the_window() {
    let dir = TempDir::new("stuck-sleep");
    let report = dir.join("report.json");
    let out = run(
        stuck(
            "sleep",
            &[
                "--window",
                "1",
                "--dump-on-hang",
                "--report",
                report.to_str().unwrap(),
            ],
        )
        .current_dir(dir.path()),
        None,
    );
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    let err = out.stderr_str();
    assert!(
        err.contains("variant(s) [1] still inside clock_nanosleep"),
        "{}",
        out.context()
    );
    assert!(err.contains("mvx: state: group 0"), "{}", out.context());
    // The leader's write after its sleep never happened.
    assert!(out.stdout.is_empty(), "{}", out.context());
    let (_, json) = read_report(&report);
    assert_eq!(json["divergence"]["kind"], "timeout", "{json}");
}

/// Variant A deadlocks on its own mutex (a futex the monitor never sees), variant B waits in
/// pause(): two variants blocked in different calls forever.
#[test]
fn variants_blocked_in_different_calls_are_non_complying_after_the_window() {
    let out = run(&mut stuck("lock", &["--window", "1"]), None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(
        out.stderr_str()
            .contains("did not reach the next syscall within 1s"),
        "{}",
        out.context()
    );
}

/// SIGTERM to mvx: forwarded (the variants ignore it), then after the grace period every
/// variant is killed, with one line per variant saying where it was stuck; well under 2 s.
#[test]
fn sigterm_ends_a_stuck_run_quickly_with_stuck_at_lines() {
    let mut cmd = stuck("lock", &["--window", "600"]);
    let mut child = spawn(&mut cmd, None);
    let stderr = drain(child.stderr.take().unwrap());
    let _stdout = drain(child.stdout.take().unwrap());
    // Both variants reach their blocking point within this.
    thread::sleep(Duration::from_millis(1500));
    let sent = Instant::now();
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if sent.elapsed() > Duration::from_secs(10) {
            kill_group(&mut child);
            panic!("mvx did not end within 10 s of SIGTERM");
        }
        thread::sleep(Duration::from_millis(10));
    };
    let took = sent.elapsed();
    let err =
        String::from_utf8_lossy(&stderr.recv_timeout(Duration::from_secs(5)).unwrap()).into_owned();
    assert_eq!(status.code(), Some(128 + libc::SIGTERM), "{err}");
    assert!(took < Duration::from_secs(2), "took {took:?}\n{err}");
    assert!(err.contains("SIGTERM received"), "{err}");
    let stuck: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("mvx: stuck:"))
        .collect();
    assert_eq!(stuck.len(), 2, "{err}");
    assert!(
        stuck[0].contains("variant 0") && stuck[0].contains("futex"),
        "{err}"
    );
    assert!(
        stuck[1].contains("variant 1") && stuck[1].contains("pause()"),
        "{err}"
    );
    assert!(pids_running(&example("stuck-a")).is_empty(), "{err}");
    assert!(pids_running(&example("stuck-b")).is_empty(), "{err}");
}

/// SIGUSR2 prints the state of every group and the run goes on to its normal end.
#[test]
fn sigusr2_prints_the_state_and_the_run_goes_on() {
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "-n", "2", "--", "sh", "-c", "sleep 2; echo done"]);
    let mut child = spawn(&mut cmd, None);
    let stdout = drain(child.stdout.take().unwrap());
    let stderr = drain(child.stderr.take().unwrap());
    thread::sleep(Duration::from_millis(1000));
    // SAFETY: plain kill(2) on our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGUSR2) };
    let deadline = Instant::now() + TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "mvx did not end");
        thread::sleep(Duration::from_millis(10));
    };
    let out = stdout.recv_timeout(Duration::from_secs(5)).unwrap();
    let err =
        String::from_utf8_lossy(&stderr.recv_timeout(Duration::from_secs(5)).unwrap()).into_owned();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(out, b"done\n", "{err}");
    assert!(err.contains("mvx: state: group 0"), "{err}");
    assert!(err.contains("variant 1 (pid"), "{err}");
}
