//! A run that stops making progress always ends: hangs found on real programs stay fixed,
//! a deadlock between variants is reported after the window, and a stuck run can be ended
//! politely (SIGTERM) with a line per variant saying where it was stuck, while a program
//! that handles SIGTERM ends by itself, cleanly, however the signal reaches it.

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
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

/// A Python thread pool (`concurrent.futures`): four workers pass the GIL around with timed
/// waits, each of which reads the clock, and how often depends on scheduling. A follower's
/// thread that read the clock more often than its leader twin (held at its exit meanwhile)
/// used to get the leader's latest value again and again: its timed waits computed the same
/// deadline each time and never ended, and the run was reported as stuck after the window,
/// 6 runs in 6. Now such extra reads read the follower's own clock. At strict (the monitor's
/// clock channel) and at base and socket-rw (the fast path's), two runs each.
#[test]
fn a_python_thread_pool_finishes_at_every_level() {
    let script = "import concurrent.futures as f; \
        print(sum(f.ThreadPoolExecutor(4).map(lambda x: x * x, range(500))))";
    let prog = Prog::new(PYTHON).args(["-c", script]);
    examples_bin(); // builds libmvx_preload.so beside mvx (the fast path's levels)
    for level in ["strict", "base", "socket-rw"] {
        for round in 0..2 {
            let mut cmd = prog.mvx_command(["-n", "2", "--window", "10", "--monitor-level", level]);
            let out = run_timeout(&mut cmd, None, Duration::from_secs(40));
            let what = format!("{level}, round {round}");
            assert_no_divergence(&out);
            assert_eq!(out.code(), 0, "{what}\n{}", out.context());
            assert_eq!(out.stdout_str(), "41541750\n", "{what}\n{}", out.context());
        }
    }
}

/// Four Python threads each running a subprocess (CPython's vfork path) at once, with the
/// others waiting for the GIL in timed futex waits: 5 runs at the suite's level, with
/// `--preload` and at `socket-rw`, each ending with "py ok" and status 0. Up to 6 runs in 6
/// hung or diverged ("did not reach the next syscall", a restart_syscall against another
/// call).
#[test]
#[ignore = "fails about half the runs: CPython 3.11 holds the GIL across vfork, so two threads \
            at a vfork each, in opposite orders in two variants, close a cycle that only replaying \
            the GIL's lock order breaks (own ids and clock reads no longer do); run with --ignored"]
fn python_threads_each_spawning_a_subprocess_never_hang() {
    let script = "import subprocess,threading; \
        ts=[threading.Thread(target=lambda: subprocess.run(['true'])) for _ in range(4)]; \
        [t.start() for t in ts]; [t.join() for t in ts]; print('py ok')";
    let prog = Prog::new(PYTHON).args(["-c", script]);
    examples_bin(); // builds libmvx_preload.so beside mvx (`--preload`, socket-rw)
    let level = monitor_level();
    let mut configs = vec![vec![], vec!["--preload"]];
    if level != "socket-rw" {
        configs.push(vec!["--monitor-level", "socket-rw"]);
    }
    for opts in configs {
        for round in 0..5 {
            // A short window: a hang is reported (status 86) well before the timeout.
            let mut cmd = prog.mvx_command(["-n", "2", "--window", "10"].iter().chain(&opts));
            let out = run_timeout(&mut cmd, None, Duration::from_secs(30));
            let what = format!("{level} {opts:?}, round {round}");
            assert_no_divergence(&out);
            assert_eq!(out.code(), 0, "{what}\n{}", out.context());
            assert_eq!(out.stdout_str(), "py ok\n", "{what}\n{}", out.context());
        }
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

/// How a SIGTERM meant to stop a program run under mvx reaches it.
#[derive(Clone, Copy, Debug)]
enum TermSent {
    /// `kill <mvx pid>`.
    Once,
    /// The same request twice, a moment apart: `timeout mvx ...` relaying the SIGTERM that
    /// `pkill -f` also sent mvx directly.
    Twice,
    /// To the process group, mvx and every variant (`kill -- -PGID`, a service manager).
    ToGroup,
}

impl TermSent {
    fn send(self, pid: u32) {
        let pid = pid as libc::pid_t;
        // SAFETY: plain kill(2) on our own child and its process group.
        unsafe {
            match self {
                TermSent::Once => libc::kill(pid, libc::SIGTERM),
                TermSent::Twice => {
                    libc::kill(pid, libc::SIGTERM);
                    // Apart enough for mvx to read them as two signals, not one pending twice.
                    thread::sleep(Duration::from_millis(2));
                    libc::kill(pid, libc::SIGTERM)
                }
                TermSent::ToGroup => libc::kill(-pid, libc::SIGTERM),
            }
        };
    }
}

/// The levels a termination test runs at: the suite's, and `socket-rw` (where the calls
/// between two lock-step stops run unsynchronised).
fn termination_levels() -> Vec<String> {
    let mut levels = vec![monitor_level()];
    if levels[0] != "socket-rw" {
        levels.push("socket-rw".into());
    }
    levels
}

/// A program blocked in epoll_wait or read with a SIGTERM handler (`termwait`) ends cleanly,
/// with its own status, on a SIGTERM sent to mvx however it is sent. A SIGTERM relayed twice
/// used to count as a second request, which kills every variant at once: in about one run in
/// two the variants died before their handler's flag ended the loop (at every level).
#[test]
fn sigterm_to_mvx_lets_a_program_with_a_handler_end_cleanly() {
    let rounds = [
        (TermSent::Twice, 8),
        (TermSent::Once, 2),
        (TermSent::ToGroup, 2),
    ];
    for level in termination_levels() {
        for call in ["epoll", "read"] {
            for (how, times) in rounds {
                for round in 0..times {
                    let mut cmd = Command::new(mvx_bin());
                    cmd.args(["run", "-n", "2", "--monitor-level", &level, "--"])
                        .arg(example("termwait"))
                        .arg(call);
                    let mut bg = Background::start(&mut cmd);
                    bg.wait_for_line(|l| l == "ready", TIMEOUT);
                    // The leader is now blocked in its call, the follower held at its entry.
                    thread::sleep(Duration::from_millis(50));
                    how.send(bg.id());
                    let out = bg.finish(Duration::from_secs(10));
                    let what = format!("{call}, SIGTERM {how:?}, {level}, round {round}");
                    assert_eq!(out.code(), 0, "{what}\n{}", out.context());
                    assert_eq!(
                        out.stdout_str(),
                        "ready\nterminated cleanly\n",
                        "{what}\n{}",
                        out.context()
                    );
                    assert!(
                        !out.stderr_str().contains("killing every variant"),
                        "{what}\n{}",
                        out.context()
                    );
                    assert_no_divergence(&out);
                }
            }
        }
    }
}

/// A real server in the foreground, configured in a directory of its own.
struct ForegroundServer {
    name: &'static str,
    port: u16,
    argv: Vec<String>,
    _dir: TempDir,
}

/// Writes a server's configuration into a fresh directory, for the program at that path.
type ServerSetup = fn(&Path) -> ForegroundServer;

/// A TCP port that was free a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// nginx as a single foreground process (`daemon off; master_process off;`): its loop blocks
/// in epoll_wait and its SIGTERM handler sets the flag that ends it.
fn nginx(program: &Path) -> ForegroundServer {
    let dir = TempDir::new("nginx-term");
    let port = free_port();
    let root = dir.path().display().to_string();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(dir.join("index.html"), "hello\n").unwrap();
    let conf = format!(
        "daemon off;\nmaster_process off;\nerror_log {root}/logs/error.log;\npid {root}/nginx.pid;\n\
         events {{ worker_connections 64; }}\n\
         http {{\n  access_log off;\n  client_body_temp_path {root}/tmp;\n  proxy_temp_path {root}/tmp;\n  \
         fastcgi_temp_path {root}/tmp;\n  uwsgi_temp_path {root}/tmp;\n  scgi_temp_path {root}/tmp;\n  \
         server {{ listen 127.0.0.1:{port}; root {root}; }}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    ForegroundServer {
        name: "nginx",
        port,
        argv: vec![
            program.display().to_string(),
            "-p".into(),
            root.clone(),
            "-c".into(),
            format!("{root}/nginx.conf"),
        ],
        _dir: dir,
    }
}

/// lighttpd in the foreground (`-D`).
fn lighttpd(program: &Path) -> ForegroundServer {
    let dir = TempDir::new("lighttpd-term");
    let port = free_port();
    let root = dir.path().display().to_string();
    std::fs::write(dir.join("index.html"), "hello\n").unwrap();
    let conf = format!(
        "server.document-root = \"{root}\"\nserver.port = {port}\nserver.bind = \"127.0.0.1\"\n\
         server.errorlog = \"{root}/error.log\"\nindex-file.names = (\"index.html\")\n"
    );
    std::fs::write(dir.join("lighttpd.conf"), conf).unwrap();
    ForegroundServer {
        name: "lighttpd",
        port,
        argv: vec![
            program.display().to_string(),
            "-D".into(),
            "-f".into(),
            format!("{root}/lighttpd.conf"),
        ],
        _dir: dir,
    }
}

/// Starts `server` (natively, or under mvx with `mvx_opts`), waits until it accepts a
/// connection, sends SIGTERM `how`, and returns how it ended.
fn serve_then_terminate(
    server: &ForegroundServer,
    mvx_opts: Option<&[&str]>,
    how: TermSent,
) -> Output {
    let mut cmd = match mvx_opts {
        None => Command::new(&server.argv[0]),
        Some(opts) => {
            let mut cmd = Command::new(mvx_bin());
            cmd.arg("run").args(opts).arg("--").arg(&server.argv[0]);
            cmd
        }
    };
    cmd.args(&server.argv[1..]);
    let mut bg = Background::start(&mut cmd);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, server.port)).is_err() {
        if Instant::now() > deadline {
            let context = bg.kill_and_context();
            panic!("{} never listened\n{context}", server.name);
        }
        thread::sleep(Duration::from_millis(50));
    }
    // Back in its event loop after that connection.
    thread::sleep(Duration::from_millis(200));
    how.send(bg.id());
    bg.finish(Duration::from_secs(10))
}

/// nginx and lighttpd (when installed: they are not part of the CI's packages) end by
/// themselves on a SIGTERM sent to mvx, with the status they end with natively, instead of
/// being killed after the grace period. nginx also used to diverge when the SIGTERM reached
/// mvx twice and was forwarded twice (its handler ran at different points in the variants).
#[test]
fn sigterm_to_mvx_stops_real_servers_cleanly() {
    let servers: [(&str, ServerSetup); 2] = [("nginx", nginx), ("lighttpd", lighttpd)];
    for (name, make) in servers {
        let Some(program) = find_program(name) else {
            eprintln!("skipping {name}: not installed (Debian package {name})");
            continue;
        };
        let native = serve_then_terminate(&make(&program), None, TermSent::Once);
        assert!(
            native.status.code().is_some(),
            "{name} natively does not end by itself on SIGTERM\n{}",
            native.context()
        );
        for level in termination_levels() {
            for how in [TermSent::Twice, TermSent::Once, TermSent::Twice] {
                let opts = ["-n", "2", "--monitor-level", &level];
                let out = serve_then_terminate(&make(&program), Some(&opts), how);
                let what = format!("{name}, SIGTERM {how:?}, {level}");
                assert_eq!(
                    out.status.code(),
                    native.status.code(),
                    "{what}\nnative: {}\n{}",
                    native.context(),
                    out.context()
                );
                assert!(
                    !out.stderr_str().contains("killing every variant"),
                    "{what}\n{}",
                    out.context()
                );
                assert_no_divergence(&out);
            }
        }
    }
}
