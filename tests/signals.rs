//! End-to-end tests of synchronous signal delivery (the Orchestra algorithm): the paper's
//! validity experiment, its three scenarios, and signals sent to mvx from outside.

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::io::Write;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

fn send(pid: u32, sig: i32) {
    // SAFETY: plain kill(2) of our own child.
    assert_eq!(
        unsafe { libc::kill(pid as i32, sig) },
        0,
        "kill({pid}, {sig})"
    );
}

/// The output of the timer example: only "tick" lines and one "done" line.
fn done_line(out: &Output) -> String {
    let text = out.stdout_str();
    for line in text.lines() {
        assert!(
            line == "tick" || line.starts_with("done "),
            "unexpected line {line:?}\n{}",
            out.context()
        );
    }
    let done: Vec<&str> = text.lines().filter(|l| l.starts_with("done ")).collect();
    assert_eq!(done.len(), 1, "{}", out.context());
    done[0].to_string()
}

#[test]
fn validity_experiment_timer_signals_cause_no_alarm() {
    // A CPU-bound loop with a 1 ms SIGALRM whose handler writes: signals arrive at different
    // instructions in each variant, yet the handler's writes must agree.
    let prog = Prog::new(example("timer")).arg("150000000");
    let native = prog.run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    let expected = done_line(&native);
    for n in [2, 3] {
        let out = prog.run_mvx_opts(["-n".to_string(), n.to_string(), "--stats".into()]);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{}", out.context());
        assert_eq!(done_line(&out), expected);
        assert!(
            out.stdout_str().contains("tick\n"),
            "no timer signal was handled\n{}",
            out.context()
        );
        assert!(
            out.stderr_str().contains("signals delivered: "),
            "{}",
            out.context()
        );
    }
}

/// A handler that bumps a counter the next call writes out (a progress count, `ping`'s
/// alarm): a variant that ran it in program code before making the call's arguments wrote
/// another count than one that ran it at the call's entry, a false alarm at every level
/// (strict included). Every variant now takes it at the same call's entry, or, with the
/// fast path, before the same record.
#[test]
fn a_counter_a_handler_bumps_reaches_every_variants_next_call_alike() {
    let levels = ["strict".to_string(), monitor_level()];
    for level in levels.iter().collect::<std::collections::BTreeSet<_>>() {
        for n in [2, 3] {
            let out = Prog::new(example("tickwrite")).arg("20000").run_mvx_opts([
                "-n".to_string(),
                n.to_string(),
                "--monitor-level".into(),
                level.clone(),
                "--stats".into(),
            ]);
            assert_no_divergence(&out);
            assert_eq!(out.code(), 0, "{level} -n {n}\n{}", out.context());
            assert_eq!(
                out.stdout_str(),
                "20000 writes, each with the ticks seen so far\n",
                "{level}\n{}",
                out.context()
            );
            assert!(
                !out.stderr_str().contains("signals delivered: 0,"),
                "{level}: no tick was handled\n{}",
                out.context()
            );
        }
    }
}

/// Busy loops on every CPU until dropped: variants that wait for a CPU, as under a loaded
/// machine (where the test above diverged about one run in 16 with three variants).
struct CpuLoad {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    threads: Vec<thread::JoinHandle<()>>,
}

impl CpuLoad {
    fn start() -> CpuLoad {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let cpus = thread::available_parallelism().map_or(2, |n| n.get());
        let threads = (0..cpus)
            .map(|_| {
                let stop = stop.clone();
                thread::spawn(move || {
                    let deadline = Instant::now() + Duration::from_secs(60);
                    while !stop.load(std::sync::atomic::Ordering::Relaxed)
                        && Instant::now() < deadline
                    {
                        std::hint::spin_loop();
                    }
                })
            })
            .collect();
        CpuLoad { stop, threads }
    }
}

impl Drop for CpuLoad {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// The same counter with three variants on a machine whose CPUs are all busy: a leader that
/// waited for a CPU between two calls for longer than the entry grace was taken for one in a
/// call-free loop, and the signal was taken in program code, where one variant had read the
/// counter for its next write already and another had not.
#[test]
fn a_counter_a_handler_bumps_stays_alike_in_three_variants_on_busy_cpus() {
    let levels = ["strict".to_string(), monitor_level()];
    for level in levels.iter().collect::<std::collections::BTreeSet<_>>() {
        let load = CpuLoad::start();
        let out = Prog::new(example("tickwrite")).arg("8000").run_mvx_opts([
            "-n",
            "3",
            "--monitor-level",
            level,
            "--stats",
        ]);
        drop(load);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{level}\n{}", out.context());
        assert_eq!(
            out.stdout_str(),
            "8000 writes, each with the ticks seen so far\n",
            "{level}\n{}",
            out.context()
        );
    }
}

#[test]
fn without_signal_sync_the_same_run_is_flagged() {
    let prog = Prog::new(example("timer")).arg("150000000");
    let start = Instant::now();
    let out = prog.run_mvx_opts(["-n", "2", "--no-signal-sync"]);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(out.has_divergence_line(), "{}", out.context());
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "took {:?}",
        start.elapsed()
    );
}

/// Runs the sigframe variants (spin times in ms) under mvx, sends SIGUSR1 to mvx while the
/// slow ones spin and the fast ones wait at the next syscall, and returns the report.
fn scenario(spins: &[u32]) -> serde_json::Value {
    // Where the signal finds each variant depends on timing: one scenario at a time.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let dir = TempDir::new("sigframe");
    let report = dir.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run").arg("--report").arg(&report);
    for s in spins {
        cmd.arg("--variant").arg(example(&format!("sigframe-{s}")));
    }
    let mut bg = Background::start(&mut cmd);
    bg.wait_for_line(|l| l == "ready", TIMEOUT);
    // The fast variants reach getppid at once; the slow ones spin for 400 ms.
    thread::sleep(Duration::from_millis(200));
    send(bg.id(), libc::SIGUSR1);
    let out = bg.finish(TIMEOUT);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    // The handler ran once, between "ready" and "after", in every variant (its write is
    // compared like any other: a variant handling it elsewhere would diverge).
    assert_eq!(
        out.stdout_str(),
        "ready\nhandled\nafter\n",
        "{}",
        out.context()
    );
    let (text, json) = read_report(&report);
    assert_eq!(json["signals"]["delivered"], 1, "{text}");
    json
}

#[test]
fn scenario_all_variants_at_the_signal() {
    let json = scenario(&[400, 400, 400]);
    assert_eq!(json["signals"]["skipped_syscalls"], 0, "{json}");
}

#[test]
fn scenario_b_majority_at_the_signal_minority_skips_its_syscall() {
    // Figure 4b: two variants get the signal in user code, the third is already at the
    // syscall: it skips the syscall, takes the signal, and re-executes the syscall.
    let json = scenario(&[400, 400, 0]);
    assert_eq!(json["signals"]["skipped_syscalls"], 1, "{json}");
}

#[test]
fn scenario_a_c_minority_at_the_signal_majority_at_the_syscall() {
    // Figures 4a/4c: one variant gets the signal in user code, two are at the syscall with the
    // signal pending: all take it in the same time frame, the two skip their syscall.
    let json = scenario(&[400, 0, 0]);
    assert_eq!(json["signals"]["skipped_syscalls"], 2, "{json}");
}

#[test]
fn scenario_two_variants_either_way_round() {
    assert_eq!(scenario(&[400, 0])["signals"]["skipped_syscalls"], 1);
    assert_eq!(scenario(&[0, 400])["signals"]["skipped_syscalls"], 1);
}

#[test]
fn sigterm_ends_sleep_in_every_variant_with_the_native_status() {
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "-n", "2", "--", "sleep", "100"]);
    let bg = Background::start(&mut cmd);
    thread::sleep(Duration::from_millis(300));
    send(bg.id(), libc::SIGTERM);
    let out = bg.finish(Duration::from_secs(10));
    // Native: sleep killed by SIGTERM, which a shell reports as 128 + 15.
    assert_eq!(out.code(), 128 + libc::SIGTERM, "{}", out.context());
}

/// A signal that interrupts a futex wait with a timeout (untraced: futex never stops in the
/// monitor) in one variant only: the kernel goes on with the wait as restart_syscall, which
/// the filter traces. It was held for a rendezvous that the other variant, still in its own
/// wait, never came to: a divergence (restart_syscall against its next call) or, when the
/// other waits for a lock, a hang. Here a SIGCHLD (ignored by default, dropped by the
/// monitor) is sent to the leader alone while Python waits on an Event with a timeout.
#[test]
fn a_signal_interrupting_an_untraced_timed_wait_in_one_variant_is_no_divergence() {
    let script = "import os, threading\n\
        print(os.getpid(), flush=True)\n\
        threading.Event().wait(1.5)\n\
        print('done')\n";
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "-n", "2", "--", "/usr/bin/python3", "-c", script]);
    let mut bg = Background::start(&mut cmd);
    // Every variant prints the leader's pid (getpid is the leader's in every variant).
    let leader: u32 = bg
        .wait_for_line(|l| l.parse::<u32>().is_ok(), TIMEOUT)
        .parse()
        .unwrap();
    thread::sleep(Duration::from_millis(300)); // the leader is in its timed futex wait now
    send(leader, libc::SIGCHLD);
    let out = bg.finish(Duration::from_secs(20));
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert!(out.stdout_str().ends_with("\ndone\n"), "{}", out.context());
}

#[test]
fn sigusr1_interrupts_a_read_on_stdin_once_per_variant() {
    let dir = TempDir::new("readsig");
    let report = dir.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "-n", "3", "--report"])
        .arg(&report)
        .arg("--")
        .arg(example("readsig"));
    let (mut bg, mut stdin) = Background::start_with_stdin(&mut cmd);
    bg.wait_for_line(|l| l == "ready", TIMEOUT);
    thread::sleep(Duration::from_millis(100)); // the leader is now blocked in read
    send(bg.id(), libc::SIGUSR1);
    bg.wait_for_line(|l| l == "read interrupted", TIMEOUT);
    stdin.write_all(b"hello\n").unwrap();
    drop(stdin);
    let out = bg.finish(TIMEOUT);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(
        out.stdout_str(),
        "ready\nusr1\nread interrupted\ngot: hello\neof\n",
        "{}",
        out.context()
    );
    let (text, json) = read_report(&report);
    assert_eq!(json["signals"]["delivered"], 1, "{text}");
}

#[test]
fn sigpipe_from_a_leader_only_write_reaches_every_variant() {
    // Only the leader writes to the pipe, so only its kernel raises SIGPIPE; the followers get
    // it at the same point and every `yes` dies of it, as natively (141 = 128 + SIGPIPE).
    let prog = Prog::new("bash").args(["-c", r#"yes | head -1; echo "${PIPESTATUS[@]}""#]);
    for n in [2, 3] {
        let (_, out) = assert_same_as_native(&prog, n);
        assert_eq!(out.stdout_str(), "y\n141 0\n", "{}", out.context());
    }
}

/// A signal sent to a multi-threaded process is taken by whichever thread its kernel picks,
/// a different one in each variant (the kernel skips threads held at a ptrace stop): it is
/// still delivered once per process, in the same thread in every variant.
#[test]
fn process_directed_signals_in_threaded_programs_run_the_handler_once() {
    let prog = Prog::new(example("procsig"));
    for n in [2, 3] {
        for _ in 0..3 {
            let out = prog.run_mvx(n);
            assert_eq!(out.code(), 0, "{}", out.context());
            assert_eq!(out.stdout_str(), "handled 20\n", "{}", out.context());
            assert_no_divergence(&out);
        }
    }
}

/// Job control in an interactive shell under mvx, on a real pseudo-terminal: Ctrl-Z stops the
/// job in every variant (the terminal signals the leader's job only), `bg` and `fg` continue
/// it, Ctrl-C ends it, and the shell goes on.
#[test]
fn job_control_in_an_interactive_shell() {
    let script = repo_root().join("tests/scripts/job_control.py");
    let out = run(
        Command::new("/usr/bin/python3").arg(&script).arg(mvx_bin()),
        None,
    );
    let text = out.stdout_str().replace('\r', "");
    let expect_in_order = [
        "Stopped                 sleep 30",
        "$ bg",
        "Running                 sleep 30 &",
        "$ fg",
        "after 130",
        "STATUS 0",
    ];
    let mut at = 0;
    for want in expect_in_order {
        match text[at..].find(want) {
            Some(i) => at += i + want.len(),
            None => panic!("{want:?} missing (in order)\n{}", out.context()),
        }
    }
    assert!(!text.contains("mvx: divergence"), "{}", out.context());
}
