//! End-to-end tests of `mvx run`: the real `mvx` binary on real programs (coreutils,
//! python3, gzip and the small C programs in examples/c), compared with native runs.
//!
//! Every command runs with a hard timeout (common::TIMEOUT) so nothing can hang CI.

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

const PYTHON: &str = "/usr/bin/python3";

// ---------------------------------------------------------------------------
// Output printed once

fn echo_hello(n: usize) {
    let out = Prog::new("/bin/echo").arg("hello").run_mvx(n);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str(), "hello\n", "{}", out.context());
}

#[test]
fn echo_hello_n1() {
    echo_hello(1);
}

#[test]
fn echo_hello_n2() {
    echo_hello(2);
}

#[test]
fn echo_hello_n3() {
    echo_hello(3);
}

#[test]
fn echo_hello_n8() {
    echo_hello(8);
}

#[test]
fn stdin_is_read_once_and_replicated() {
    let out = Prog::new("cat").stdin("abc\n").run_mvx(3);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str(), "abc\n", "{}", out.context());
}

#[test]
fn large_stdin_through_cat_matches_native() {
    assert_same_as_native(&Prog::new("cat").stdin(generated_text(20_000)), 3);
}

// ---------------------------------------------------------------------------
// Real programs, byte for byte equal to native

#[test]
fn cat_of_a_file_matches_native() {
    let dir = TempDir::new("cat");
    let file = dir.join("input.txt");
    std::fs::write(&file, generated_text(3000)).unwrap();
    let (native, _) = assert_same_as_native(&Prog::new("cat").arg(&file), 2);
    assert_eq!(native.stdout, std::fs::read(&file).unwrap());
}

#[test]
fn sort_of_a_generated_file_matches_native() {
    let dir = TempDir::new("sort");
    let file = dir.join("input.txt");
    std::fs::write(&file, generated_text(4000)).unwrap();
    let prog = Prog::new("sort")
        .arg("--parallel=1")
        .arg(&file)
        .env("LC_ALL", "C");
    let (native, _) = assert_same_as_native(&prog, 2);
    assert_eq!(native.stdout.iter().filter(|&&b| b == b'\n').count(), 4000);
}

#[test]
fn sha256sum_of_a_generated_file_matches_native() {
    let dir = TempDir::new("sha256");
    let file = dir.join("input.txt");
    std::fs::write(&file, generated_text(4000)).unwrap();
    assert_same_as_native(&Prog::new("sha256sum").arg(&file), 3);
}

#[test]
fn gzip_to_stdout_matches_native_and_round_trips() {
    let dir = TempDir::new("gzip");
    let file = dir.join("input.txt");
    let original = generated_text(5000);
    std::fs::write(&file, &original).unwrap();
    // -n: no name or mtime in the header, so the bytes do not depend on the file.
    let (_, compressed) =
        assert_same_as_native(&Prog::new("gzip").args(["-n", "-c"]).arg(&file), 2);
    assert!(
        compressed.stdout.starts_with(&[0x1f, 0x8b]),
        "not gzip data"
    );

    let back = Prog::new("gzip")
        .args(["-d", "-c"])
        .stdin(compressed.stdout.clone())
        .run_mvx(2);
    assert_no_divergence(&back);
    assert_eq!(back.code(), 0, "{}", back.context());
    assert!(
        back.stdout == original,
        "gzip -d under mvx did not give the input back"
    );
}

/// `git grep` shares the files out among its threads through a queue under a pthread mutex:
/// which thread takes which file differs between variants, so their calls differ (a false
/// alarm without lock-order replay, which mvx's message now points to). With `--preload` the
/// followers' threads take the mutex in the leader's order and the run matches native.
#[test]
fn git_grep_with_threads_matches_native_with_lock_order_replay() {
    examples_bin(); // builds libmvx_preload.so beside mvx
    let dir = TempDir::new("git-grep");
    let repo = dir.join("repo");
    std::fs::create_dir(&repo).unwrap();
    for i in 0..60 {
        let text = format!("line {i}\nneedle {}\n{}", i % 7, "words ".repeat(20 + i));
        std::fs::write(repo.join(format!("f{i:02}.txt")), text).unwrap();
    }
    let git = |args: &[&str]| {
        let out = run(Command::new("git").arg("-C").arg(&repo).args(args), None);
        assert_eq!(out.code(), 0, "git {args:?}\n{}", out.context());
    };
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qm",
        "files",
    ]);
    let grep =
        Prog::new("git")
            .arg("-C")
            .arg(&repo)
            .args(["grep", "--threads", "4", "-c", "needle 3"]);
    let native = grep.run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    let under = grep.run_mvx_opts(["-n", "2", "--preload"]);
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    assert_eq!(under.stdout, native.stdout, "{}", under.context());
    // Without the replay the threads' calls differ (5 runs in 5 here): the report says why.
    let plain = grep.run_mvx(2);
    if plain.code() == DIVERGENCE_STATUS {
        assert!(
            plain.stderr_str().contains("`mvx run --preload` replays"),
            "{}",
            plain.context()
        );
    }
}

/// `ls -la /` is compared byte for byte, with two allowances for things that really do
/// change between two runs: the kernel reports the number of processes as the link
/// count of /proc (mvx adds processes), and other tests running at the same time create
/// and remove directories in /tmp (its link count and mtime): those fields are masked, and
/// a run is retried a few times.
#[test]
fn ls_la_root_matches_native() {
    fn mask_proc_links(out: &[u8]) -> Vec<String> {
        String::from_utf8_lossy(out)
            .lines()
            .map(|line| {
                let mut fields: Vec<&str> = line.split_whitespace().collect();
                if fields.len() > 8 && matches!(fields.last(), Some(&"proc") | Some(&"tmp")) {
                    fields[1] = "N";
                    fields[5..8].fill("T");
                }
                fields.join(" ")
            })
            .collect()
    }
    let prog = Prog::new("ls").args(["-la", "/"]).env("LC_ALL", "C");
    let mut last = String::new();
    for _attempt in 0..3 {
        let native = prog.run_native();
        let under = prog.run_mvx(2);
        assert_no_divergence(&under);
        assert_eq!(under.code(), native.code(), "{}", under.context());
        if native.stdout == under.stdout
            || mask_proc_links(&native.stdout) == mask_proc_links(&under.stdout)
        {
            return;
        }
        last = format!(
            "=== native ===\n{}\n=== mvx ===\n{}",
            native.stdout_str(),
            under.context()
        );
    }
    panic!("ls -la / under mvx differs from native in 3 attempts\n{last}");
}

#[test]
fn date_matches_native_within_two_seconds() {
    let prog = Prog::new("date").arg("+%s");
    let native = prog.run_native();
    let under = prog.run_mvx(2);
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    let parse = |out: &Output| -> i64 {
        out.stdout_str()
            .trim()
            .parse()
            .unwrap_or_else(|e| panic!("date printed no number ({e})\n{}", out.context()))
    };
    let (a, b) = (parse(&native), parse(&under));
    assert!((a - b).abs() <= 2, "native {a} vs mvx {b}");
    assert!(
        under.stdout_str().lines().count() == 1,
        "{}",
        under.context()
    );
}

#[test]
fn urandom_is_read_once_by_the_leader() {
    let out = Prog::new("od")
        .args(["-An", "-N", "32", "-tx1", "/dev/urandom"])
        .run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    let text = out.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        2,
        "expected one value (2 lines)\n{}",
        out.context()
    );
    for line in lines {
        let bytes: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(bytes.len(), 16, "{}", out.context());
        assert!(
            bytes
                .iter()
                .all(|b| b.len() == 2 && b.chars().all(|c| c.is_ascii_hexdigit())),
            "{}",
            out.context()
        );
    }
}

#[test]
fn python_hashing_workload_matches_native() {
    let script = r#"
import hashlib, json
d = {}
for i in range(20000):
    k = "k%05d" % ((i * 7919) % 20000)
    d[k] = hashlib.blake2b(str(i).encode(), digest_size=8).hexdigest()
h = hashlib.sha256()
for k in sorted(d):
    h.update(k.encode())
    h.update(d[k].encode())
small = {v: k for k, v in d.items() if v[0] in "0123"}
print(len(d), len(small), h.hexdigest())
print(json.dumps(sorted(small.items())[:3]))
"#;
    let prog = Prog::new(PYTHON)
        .arg("-c")
        .arg(script)
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONDONTWRITEBYTECODE", "1");
    let (native, _) = assert_same_as_native(&prog, 2);
    assert_eq!(native.code(), 0, "{}", native.context());
    assert!(
        native.stdout_str().starts_with("20000 "),
        "{}",
        native.context()
    );
}

#[test]
fn cp_creates_the_copy_once() {
    let dir = TempDir::new("cp");
    let content = generated_text(2000);
    std::fs::write(dir.join("a"), &content).unwrap();
    let out = Prog::new("cp").args(["a", "b"]).cwd(dir.path()).run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert!(out.stdout.is_empty(), "{}", out.context());
    assert!(
        std::fs::read(dir.join("b")).is_ok_and(|b| b == content),
        "b is missing or differs from a\n{}",
        out.context()
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["a", "b"], "cp left other files behind");
}

// ---------------------------------------------------------------------------
// Different binaries with --variant

#[test]
fn variants_get_the_same_arguments() {
    let (a, b) = (example("args-a"), example("args-b"));
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .arg("--variant")
        .arg(&a)
        .arg("--variant")
        .arg(&b)
        .args(["--", "one", "two words", ""]);
    let out = run(&mut cmd, None);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(
        out.stdout_str(),
        format!(
            "argv[0]={}\nargv[1]=one\nargv[2]=two words\nargv[3]=\n",
            a.display()
        ),
        "{}",
        out.context()
    );
}

/// cpuid has no effect outside the variant and one answer for all: a build that probes the CPU
/// more often (other dispatch code) is no divergence, and no probe waits for a rendezvous.
#[test]
fn builds_that_probe_the_cpu_differently_do_not_diverge() {
    for level in ["strict", "socket-rw"] {
        let dir = TempDir::new("cpuid-probe");
        let report = dir.join("report.json");
        let mut cmd = Command::new(mvx_bin());
        cmd.arg("run")
            .args(["--monitor-level", level, "--report"])
            .arg(&report)
            .arg("--variant")
            .arg(example("cpuid-probe-a"))
            .arg("--variant")
            .arg(example("cpuid-probe-b"));
        let out = run(&mut cmd, None);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{level}\n{}", out.context());
        assert!(
            out.stdout_str().starts_with("max leaf >= 1: 1"),
            "{level}\n{}",
            out.context()
        );
        let (text, json) = read_report(&report);
        let in_lock_step = |name: &str| {
            json["syscalls_by_name"]
                .as_array()
                .expect("syscalls_by_name")
                .iter()
                .any(|pair| pair[0] == name)
        };
        assert!(
            !in_lock_step("cpuid"),
            "{level}: cpuid went through a rendezvous\n{text}"
        );
    }
}

#[test]
fn different_writes_diverge_before_anything_is_written() {
    let dir = TempDir::new("diverge");
    let report = dir.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .arg("--report")
        .arg(&report)
        .arg("--variant")
        .arg(example("diverge-a"))
        .arg("--variant")
        .arg(example("diverge-b"));
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    if nonsocket_writes_relaxed() {
        // The fast path: the leader's write ran, the followers' comparison caught it.
        assert!(
            "hello from variant A\n".starts_with(out.stdout_str().as_str()),
            "{}",
            out.context()
        );
    } else {
        assert!(
            out.stdout.is_empty(),
            "the diverging write was executed\n{}",
            out.context()
        );
    }
    assert!(out.has_divergence_line(), "{}", out.context());
    let stderr = out.stderr_str();
    for text in ["hello from variant A", "hello from variant B"] {
        assert!(
            stderr.contains(text),
            "stderr lacks {text:?}\n{}",
            out.context()
        );
    }

    let (text, json) = read_report(&report);
    assert_eq!(json["outcome"], "divergence", "{text}");
    assert_eq!(json["exit_status"], DIVERGENCE_STATUS, "{text}");
    assert_eq!(json["divergence"]["kind"], "argument_mismatch", "{text}");
    assert_eq!(json["divergence"]["syscall"], "write", "{text}");
    for buffer in ["hello from variant A", "hello from variant B"] {
        assert!(text.contains(buffer), "report lacks {buffer:?}\n{text}");
    }
}

/// Every `--monitor-level`, weakest last.
const LEVELS: [&str; 6] = [
    "strict",
    "base",
    "nonsocket-ro",
    "nonsocket-rw",
    "socket-ro",
    "socket-rw",
];

fn diverge_pair(level: &str, mode: &str) -> (Output, String) {
    let dir = TempDir::new("diverge-level");
    let report = dir.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .arg("--monitor-level")
        .arg(level)
        .arg("--report")
        .arg(&report)
        .arg("--variant")
        .arg(example("diverge-a"))
        .arg("--variant")
        .arg(example("diverge-b"))
        .arg("--")
        .arg(mode);
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{level}\n{}", out.context());
    let (text, json) = read_report(&report);
    assert_eq!(json["divergence"]["syscall"], "write", "{level}\n{text}");
    assert_eq!(
        json["divergence"]["kind"], "argument_mismatch",
        "{level}\n{text}"
    );
    (out, text)
}

#[test]
fn a_divergent_write_to_a_socket_is_caught_at_every_level() {
    for level in LEVELS {
        let (out, _) = diverge_pair(level, "socket");
        let stderr = out.stderr_str();
        for text in ["hello from variant A", "hello from variant B"] {
            assert!(
                stderr.contains(text),
                "{level}: no {text:?}\n{}",
                out.context()
            );
        }
        // The socket pair is the process's own channel (it holds both ends): writes to it
        // stay in lock-step at every level, socket-rw included, so they are compared before
        // they run (fdtable.rs, `FD_INTERNAL_SOCKET`).
        assert!(!stderr.contains("fast path"), "{level}\n{}", out.context());
        assert!(
            out.stdout.is_empty(),
            "{level}: the socket write ran before the check\n{}",
            out.context()
        );
    }
}

#[test]
fn a_raw_syscall_never_takes_the_fast_path() {
    // Only the gadget may make fast-path calls; a write from the program's own code stops in
    // the monitor and is compared before it runs, whatever the level.
    for level in ["nonsocket-rw", "socket-rw"] {
        let (out, _) = diverge_pair(level, "raw");
        assert!(
            out.stdout.is_empty(),
            "{level}: the raw write ran\n{}",
            out.context()
        );
    }
}

#[test]
fn the_fast_path_removes_round_trips_and_keeps_output() {
    // Both runs load the preload library (above strict mvx loads it by itself).
    let count = |level: &str| {
        let dir = TempDir::new("fast-count");
        let report = dir.join("report.json");
        let mut cmd = Command::new(mvx_bin());
        cmd.args([
            "run",
            "-n",
            "2",
            "--preload",
            "--monitor-level",
            level,
            "--report",
        ])
        .arg(&report)
        .arg("--")
        .arg(example("crash-ok"));
        let out = run(&mut cmd, None);
        assert_no_divergence(&out);
        assert_eq!(out.stdout_str(), "line 1\nline 2\nline 3\nline 4\nline 5\n");
        let (text, json) = read_report(&report);
        json["syscalls"]
            .as_u64()
            .unwrap_or_else(|| panic!("{text}"))
    };
    let strict = count("strict");
    let fast = count("socket-rw");
    assert!(
        fast + 5 <= strict,
        "the five writes still stopped in the monitor: {fast} vs {strict} in lock-step"
    );
}

fn crash_pair(first: &str, second: &str) {
    let dir = TempDir::new("crash");
    let report = dir.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .arg("--report")
        .arg(&report)
        .arg("--variant")
        .arg(example(first))
        .arg("--variant")
        .arg(example(second));
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    let stdout = out.stdout_str();
    // With writes on the fast path the crash-free variant may write ahead of the crash.
    let allowed = if nonsocket_writes_relaxed() {
        "line 1\nline 2\nline 3\nline 4\nline 5\n"
    } else {
        "line 1\nline 2\nline 3\n"
    };
    assert!(
        allowed.starts_with(stdout.as_str()),
        "output after the crash point\n{}",
        out.context()
    );
    assert!(out.has_divergence_line(), "{}", out.context());
    assert!(out.stderr_str().contains("SIGSEGV"), "{}", out.context());

    let (text, json) = read_report(&report);
    assert_eq!(json["outcome"], "divergence", "{text}");
    assert_eq!(json["exit_status"], DIVERGENCE_STATUS, "{text}");
    assert_eq!(json["divergence"]["kind"], "crash", "{text}");
    assert!(
        text.contains("SIGSEGV"),
        "report does not name the signal\n{text}"
    );
}

#[test]
fn follower_crash_is_a_divergence() {
    crash_pair("crash-ok", "crash-segv");
}

#[test]
fn leader_crash_is_a_divergence() {
    crash_pair("crash-segv", "crash-ok");
}

// ---------------------------------------------------------------------------
// Exit statuses

#[test]
fn exit_status_is_passed_through() {
    let out = Prog::new("/bin/false").run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 1, "{}", out.context());

    let out = Prog::new(example("exitcode")).arg("42").run_mvx(3);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 42, "{}", out.context());

    let dir = TempDir::new("exit");
    let report = dir.join("report.json");
    let prog = Prog::new(PYTHON).args(["-c", "import sys; sys.exit(5)"]);
    let out = prog.run_mvx_opts([
        OsStr::new("-n"),
        OsStr::new("2"),
        OsStr::new("--report"),
        report.as_os_str(),
    ]);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 5, "{}", out.context());
    let (text, json) = read_report(&report);
    assert_eq!(json["outcome"], "exited", "{text}");
    assert_eq!(json["exit_status"], 5, "{text}");
}

/// A program that dies by a signal in every variant alike: no divergence, and the
/// status is 128 + the signal, as a shell reports it.
#[test]
fn death_by_signal_is_128_plus_signal() {
    for n in [1, 2] {
        let out = Prog::new(example("crash-segv")).run_mvx(n);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 128 + libc::SIGSEGV, "-n {n}\n{}", out.context());
        assert_eq!(
            out.stdout_str(),
            "line 1\nline 2\nline 3\n",
            "{}",
            out.context()
        );
    }
}

#[test]
fn options_are_accepted_and_logs_stay_off_stdout() {
    let out = Prog::new("/bin/echo")
        .arg("hi")
        .run_mvx_opts(["--policy", "kill", "--window", "5", "-v", "-n", "2"]);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str(), "hi\n", "{}", out.context());
}

// ---------------------------------------------------------------------------
// Bad input

#[test]
fn nonexistent_program_is_127() {
    for prog in [
        "mvx-no-such-program-xyz",
        "/nonexistent/dir/mvx-no-such-program-xyz",
    ] {
        let out = Prog::new(prog).run_mvx(2);
        assert_eq!(out.code(), 127, "{}", out.context());
        assert!(out.stdout.is_empty(), "{}", out.context());
        assert!(
            out.stderr_str().contains("mvx-no-such-program-xyz"),
            "stderr does not name the program\n{}",
            out.context()
        );
    }
}

#[test]
fn non_executable_file_is_126() {
    let dir = TempDir::new("noexec");
    let file = dir.join("not-executable");
    std::fs::write(&file, "#!/bin/sh\necho should not run\n").unwrap();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = Prog::new(&file).run_mvx(2);
    assert_eq!(out.code(), 126, "{}", out.context());
    assert!(out.stdout.is_empty(), "{}", out.context());
    assert!(
        out.stderr_str().contains("not-executable"),
        "stderr does not name the file\n{}",
        out.context()
    );
}

#[test]
fn bad_usage_is_rejected() {
    let cases: &[&[&str]] = &[
        &["run", "-n", "0", "--", "/bin/echo", "hi"],
        &["run", "-n", "9", "--", "/bin/echo", "hi"],
        &["run", "-n", "2", "--"],
        &[],
    ];
    for args in cases {
        let out = run(Command::new(mvx_bin()).args(*args), None);
        assert!(
            matches!(out.code(), 2 | 125),
            "expected a usage error (2 or 125)\n{}",
            out.context()
        );
        assert!(out.stdout.is_empty(), "{}", out.context());
        assert!(!out.stderr.is_empty(), "no message\n{}", out.context());
    }
}

#[test]
fn unsupported_syscall_gets_enosys_and_a_warning() {
    let (native, under) = assert_same_as_native(&Prog::new(example("unsupported")), 2);
    assert_eq!(native.stdout_str(), "ret=-1 errno=38\nstill running\n");
    assert_eq!(under.code(), 0, "{}", under.context());
    assert!(
        under
            .warnings()
            .iter()
            .any(|w| w.contains("unsupported syscall")),
        "no 'unsupported syscall' warning\n{}",
        under.context()
    );
}

#[test]
fn fork_and_wait_work_under_lock_step() {
    let prog = Prog::new(example("forker"));
    let (_, out) = assert_same_as_native(&prog, 2);
    assert_eq!(
        out.stdout_str(),
        "child exited with 0\n",
        "{}",
        out.context()
    );
}

// ---------------------------------------------------------------------------
// Process hygiene and privileges

/// A private copy of `spin` (so process scans cannot see another test's spinners) running
/// under `mvx run -n 2`, once it has printed "started".
struct SpinRun {
    _dir: TempDir,
    spin: PathBuf,
    child: std::process::Child,
}

fn start_spin_under_mvx(tag: &str) -> SpinRun {
    let dir = TempDir::new(tag);
    let spin = dir.join("spin");
    std::fs::copy(example("spin"), &spin).unwrap();
    let spin = spin.canonicalize().unwrap();

    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "-n", "2", "--"]).arg(&spin);
    let mut child = spawn(&mut cmd, None);
    let stderr = drain(child.stderr.take().unwrap());
    let stdout = child.stdout.take().unwrap();
    let (tx, lines) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });

    let deadline = Instant::now() + TIMEOUT;
    loop {
        match lines.recv_timeout(Duration::from_millis(50)) {
            Ok(line) if line == "started" => break,
            Ok(_) => {}
            Err(RecvTimeoutError::Timeout) if Instant::now() < deadline => {}
            Err(e) => {
                kill_group(&mut child);
                let err = stderr
                    .recv_timeout(Duration::from_secs(2))
                    .unwrap_or_default();
                panic!(
                    "no 'started' from mvx run -n 2 -- spin ({e:?})\nstderr:\n{}",
                    String::from_utf8_lossy(&err)
                );
            }
        }
    }
    SpinRun {
        _dir: dir,
        spin,
        child,
    }
}

/// Waits up to 5 s for every process running `spin` to go; kills and returns any survivors.
fn survivors_of(spin: &Path) -> Vec<i32> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let survivors = loop {
        let pids = pids_running(spin);
        if pids.is_empty() || Instant::now() >= deadline {
            break pids;
        }
        thread::sleep(Duration::from_millis(50));
    };
    for &pid in &survivors {
        // SAFETY: plain kill(2); do not leave spinners behind for the next tests.
        unsafe {
            libc::kill(pid, libc::SIGKILL);
        }
    }
    survivors
}

#[test]
fn no_variant_survives_sigkill_of_the_monitor() {
    let mut run = start_spin_under_mvx("orphans");
    let before = pids_running(&run.spin);
    run.child.kill().expect("SIGKILL the monitor"); // SIGKILL to mvx alone
    run.child.wait().unwrap();
    let survivors = survivors_of(&run.spin);
    assert!(
        survivors.is_empty(),
        "variants {survivors:?} survived SIGKILL of the monitor (variants before: {before:?})"
    );
    assert_eq!(
        before.len(),
        2,
        "expected 2 running variants before the kill, found {before:?}"
    );
}

#[test]
fn sigterm_to_the_monitor_reaches_every_variant() {
    let mut run = start_spin_under_mvx("sigterm");
    // SAFETY: plain kill(2) of our own child.
    unsafe {
        libc::kill(run.child.id() as i32, libc::SIGTERM);
    }
    let status = run.child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(128 + libc::SIGTERM),
        "every variant should die of SIGTERM, and mvx report it as 128+15"
    );
    assert!(survivors_of(&run.spin).is_empty());
}

/// Single-quotes `s` for /bin/sh.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// mvx needs no privileges: as root, run it as an ordinary user through su.
#[test]
fn runs_as_an_unprivileged_user() {
    if !is_root() {
        eprintln!("note: not root, so the test that drops from root to user mvxtest is skipped");
        return;
    }
    let (Some(useradd), Some(su)) = (find_program("useradd"), find_program("su")) else {
        eprintln!("note: useradd or su missing, so the unprivileged-user test is skipped");
        return;
    };
    // "already exists" (status 9) is fine.
    let _ = run(
        Command::new(&useradd).args(["-M", "-s", "/bin/sh", "mvxtest"]),
        None,
    );
    let id = run(Command::new("id").args(["-u", "mvxtest"]), None);
    assert_eq!(
        id.code(),
        0,
        "user mvxtest does not exist\n{}",
        id.context()
    );
    let uid = id.stdout_str().trim().to_string();

    let dir = TempDir::new("unprivileged");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let mvx = dir.join("mvx");
    let diverge_a = dir.join("diverge-a");
    // mvx finds its preload library beside itself.
    let preload = dir.join("libmvx_preload.so");
    for (from, to) in [
        (mvx_bin().to_path_buf(), &mvx),
        (example("diverge-a"), &diverge_a),
        (mvx_bin().with_file_name("libmvx_preload.so"), &preload),
    ] {
        std::fs::copy(&from, to).unwrap();
        std::fs::set_permissions(to, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let mvx = sh_quote(&mvx.to_string_lossy());

    let cases = [
        (
            format!("{mvx} run -n 2 -- /bin/echo hi"),
            "hi\n".to_string(),
        ),
        (
            format!(
                "{mvx} run -n 2 -- {}",
                sh_quote(&diverge_a.to_string_lossy())
            ),
            "hello from variant A\n".to_string(),
        ),
        (
            format!("{mvx} run -n 2 -- /usr/bin/id -u"),
            format!("{uid}\n"),
        ),
        // A follower "host" on loopback (`--insecure`): no privileges needed either.
        (
            format!(
                "f=$(mktemp); {mvx} follower --listen 127.0.0.1:{port} --insecure --once > $f 2>&1 & \
                 for i in $(seq 200); do grep -q listening $f && break; sleep 0.05; done; \
                 {mvx} run --remote 127.0.0.1:{port} --insecure -- /usr/bin/id -u; rm -f $f",
                port = 17000 + std::process::id() % 1000
            ),
            format!("{uid}\n"),
        ),
    ];
    for (script, expected) in cases {
        let out = run(
            Command::new(&su)
                .args(["mvxtest", "-s", "/bin/sh", "-c", &script])
                .current_dir(dir.path()),
            None,
        );
        assert_eq!(out.code(), 0, "{}", out.context());
        assert_eq!(out.stdout_str(), expected, "{}", out.context());
        assert_no_divergence(&out);
        assert!(
            !out.stderr_str().contains("mvx: warning"),
            "{}",
            out.context()
        );
    }
}

#[test]
fn a_variant_that_never_arrives_is_non_complying_after_the_window() {
    let dir = TempDir::new("window");
    let report = dir.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "--window", "1", "--report"])
        .arg(&report)
        .arg("--variant")
        .arg(example("late-ok"))
        .arg("--variant")
        .arg(example("late-spin"));
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert_eq!(out.stdout_str(), "started\n", "{}", out.context());
    let (text, json) = read_report(&report);
    assert_eq!(json["divergence"]["kind"], "timeout", "{text}");
    assert_eq!(json["divergence"]["syscall"], "exit_group", "{text}");
    assert_eq!(
        json["divergence"]["variants"][1]["status"], "running",
        "{text}"
    );
}

#[test]
fn clock_reads_are_identical_in_every_variant() {
    // The vDSO is hidden, so every clock read is a syscall whose result the leader provides.
    let prog = Prog::new(example("clock"));
    let out = prog.run_mvx(3);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert!(out.stdout_str().starts_with("time="), "{}", out.context());
}

#[test]
fn clock_reads_of_a_multi_threaded_process_are_identical_and_fast() {
    // How often a thread reads the clock can depend on scheduling, so in multi-threaded
    // processes followers pair their reads with the leader's loosely; the values must still
    // be the leader's (the printed mix of 400 readings agrees), and with a fast path they no
    // longer stop in the monitor.
    let prog = Prog::new(example("clock")).arg("threaded");
    let out = prog.run_mvx(3);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert!(out.stdout_str().starts_with("time="), "{}", out.context());

    let dir = TempDir::new("clock-threaded");
    let report = dir.join("report.json");
    let out = prog.run_mvx_opts([
        "-n".as_ref(),
        "2".as_ref(),
        "--monitor-level".as_ref(),
        "base".as_ref(),
        "--report".as_ref(),
        report.as_os_str(),
    ]);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    let (text, json) = read_report(&report);
    let in_monitor: u64 = ["syscalls_by_name", "unpaired_by_name"]
        .iter()
        .flat_map(|list| json[list].as_array().cloned().unwrap_or_default())
        .filter(|e| e[0] == "clock_gettime")
        .map(|e| e[1].as_u64().unwrap_or(0))
        .sum();
    assert!(
        in_monitor < 20,
        "{in_monitor} of 400 clock_gettime stopped in the monitor\n{text}"
    );
}

#[test]
fn signals_a_program_sends_itself_do_not_diverge() {
    // raise() names the thread by the tid libc cached from set_tid_address (each variant's
    // own), kill() by getpid() (the leader's): both must be treated as "this process".
    let prog = Prog::new(example("raise"));
    let (_, out) = assert_same_as_native(&prog, 3);
    assert_eq!(
        out.stdout_str(),
        "signals handled: 2\n",
        "{}",
        out.context()
    );
}

#[test]
fn bench_without_the_examples_says_how_to_build_them() {
    let mut cmd = Command::new(mvx_bin());
    cmd.args([
        "bench",
        "--quick",
        "--examples",
        "/nonexistent/examples/bin",
    ]);
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), 125, "{}", out.context());
    assert!(
        out.stderr_str().contains("make -C examples"),
        "{}",
        out.context()
    );
}

// ---------------------------------------------------------------------------
// Address-space partitioning

/// The hex addresses `addresses` printed, from a variant's write in the report
/// (`write(1, "7ffff7e1b490 ...\n", 52)`).
fn printed_addresses(text: &str) -> Vec<u64> {
    let Some(line) = text.split('"').nth(1) else {
        return Vec::new();
    };
    line.trim_end_matches("\\n")
        .split_whitespace()
        .filter_map(|h| u64::from_str_radix(h, 16).ok())
        .collect()
}

/// Runs `prog` under mvx with `opts`; it must diverge at the line `addresses` prints. Returns
/// each variant's printed addresses and the report's text.
fn diverging_addresses(prog: Prog, opts: &[&str]) -> (Vec<Vec<u64>>, String) {
    let dir = TempDir::new("partition");
    let report = dir.join("report.json");
    let mut args: Vec<&OsStr> = opts.iter().map(OsStr::new).collect();
    // Every variant's write as the monitor saw it: at `strict` (above it the followers compare
    // stdio's write on the fast path, whose report shows two buffers, not every variant's).
    args.extend(["--monitor-level", "strict"].map(OsStr::new));
    args.extend([OsStr::new("--report"), report.as_os_str()]);
    let out = prog.run_mvx_opts(args);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    let (text, json) = read_report(&report);
    let addresses = json["divergence"]["variants"]
        .as_array()
        .expect("variants")
        .iter()
        .map(|v| printed_addresses(v["syscall"]["text"].as_str().unwrap_or("")))
        .collect();
    (addresses, text)
}

#[test]
fn each_variant_has_its_own_mmap_area() {
    let (addresses, text) = diverging_addresses(Prog::new(example("addresses")), &["-n", "3"]);
    const STEP: u64 = 64 << 30;
    for (k, a) in addresses.iter().enumerate() {
        assert_eq!(a.len(), 5, "variant {k}: {a:?}\n{text}");
        // The same offsets, exactly k steps lower: alignment is kept, no address is shared
        // (library, heap block, the executable itself, the main stack, the brk heap).
        for i in 0..5 {
            assert_eq!(addresses[0][i] - a[i], k as u64 * STEP, "{text}");
        }
    }

    // --no-partition-executable: the executable is where the kernel puts it, the same in
    // every variant; the rest stays apart.
    let (a, text) = diverging_addresses(
        Prog::new(example("addresses")),
        &["-n", "2", "--no-partition-executable"],
    );
    assert_eq!(a[0][0] - a[1][0], STEP, "{text}");
    assert_eq!(a[0][3] - a[1][3], STEP, "{text}");
    assert_eq!(a[0][2], a[1][2], "{text}");
    // The brk heap stays beside an executable that stays.
    assert_eq!(a[1][4], a[0][4], "{text}");

    // --no-partition: one layout for all, so the variants agree.
    let same = Prog::new(example("addresses")).run_mvx_opts(["-n", "2", "--no-partition"]);
    assert_no_divergence(&same);
}

#[test]
fn a_program_execed_later_is_partitioned_and_knows_itself() {
    // The shell execs `addresses`: its executable, stack and libraries are moved at that exec
    // too, k steps lower.
    let script = format!("{} && echo unreachable", example("addresses").display());
    let (a, text) = diverging_addresses(Prog::new("sh").args(["-c", &script]), &["-n", "2"]);
    assert_eq!(a[0].len(), 5, "{text}");
    for (leader, follower) in a[0].iter().zip(&a[1]) {
        assert_eq!(leader - follower, 64 << 30, "{text}");
    }
    // Programs start as themselves (not through their loader): /proc/self/exe names them.
    let exe = Prog::new("readlink").arg("/proc/self/exe").run_mvx(2);
    assert_no_divergence(&exe);
    let native = run(Command::new("readlink").arg("/proc/self/exe"), None);
    assert_eq!(exe.stdout_str(), native.stdout_str(), "{}", exe.context());
}

#[test]
fn each_variant_finds_its_own_stack_in_its_memory_map() {
    // Each follower's stack is elsewhere; glibc's pthread_getattr_np and a plain read of
    // /proc/self/maps must both show a variant its own (the leader's map would not hold it,
    // and the variants would part ways).
    let out = Prog::new(example("stackbounds")).run_mvx(3);
    assert_no_divergence(&out);
    assert_eq!(out.stdout_str(), "1 1\n", "{}", out.context());
}

// ---------------------------------------------------------------------------
// --policy majority

fn majority(variants: [&str; 3]) -> Output {
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "--policy", "majority", "--monitor-level", "strict"]);
    for v in variants {
        cmd.arg("--variant").arg(example(v));
    }
    run(&mut cmd, None)
}

#[test]
fn majority_policy_retires_the_odd_variant_and_goes_on() {
    let out = majority(["diverge-a", "diverge-a", "diverge-b"]);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str(), "hello from variant A\n");
    assert!(
        out.stderr_str().contains("variant 2") && out.stderr_str().contains("retired"),
        "{}",
        out.context()
    );

    // A follower that crashes is retired too; the others finish the program.
    let out = majority(["crash-ok", "crash-segv", "crash-ok"]);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str(), "line 1\nline 2\nline 3\nline 4\nline 5\n");
    assert!(out.stderr_str().contains("SIGSEGV"), "{}", out.context());
}

#[test]
fn majority_policy_kills_all_when_the_leader_is_outvoted() {
    let out = majority(["diverge-b", "diverge-a", "diverge-a"]);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(out.stdout.is_empty(), "{}", out.context());
}

#[test]
fn majority_policy_needs_three_variants_and_strict() {
    let out = run(
        Command::new(mvx_bin()).args(["run", "--policy", "majority", "-n", "2", "--", "/bin/true"]),
        None,
    );
    assert_eq!(out.code(), 125, "{}", out.context());
    assert!(
        out.stderr_str().contains("at least 3 variants"),
        "{}",
        out.context()
    );
}

// ---------------------------------------------------------------------------
// Placement (`--placement`) and waiting: every value runs real programs as natively

/// A shell loop of many small syscalls (forks, writes, reads of /proc) and its output.
fn placement_loop() -> Prog {
    Prog::new("/bin/sh").args([
        "-c",
        "i=0; while [ $i -lt 20 ]; do echo line $i; i=$((i+1)); done; \
         seq 1 2000 | sort -rn | head -3; ls / | wc -l",
    ])
}

fn runs_as_natively_with(opts: &[&str], env: Option<(&str, &str)>) {
    let prog = placement_loop();
    let native = prog.run_native();
    let mut cmd = prog.mvx_command(opts.iter().copied().chain(["-n", "2"]));
    if let Some((k, v)) = env {
        cmd.env(k, v);
    }
    let under = run(&mut cmd, None);
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    assert_eq!(native.stdout, under.stdout, "{}", under.context());
}

#[test]
fn placement_none_runs_a_shell_loop_as_natively() {
    runs_as_natively_with(&["--placement", "none"], None);
}

#[test]
fn placement_split_runs_a_shell_loop_as_natively() {
    runs_as_natively_with(&["--placement", "split"], None);
}

#[test]
fn placement_follow_runs_a_shell_loop_as_natively() {
    runs_as_natively_with(&["--placement", "follow"], None);
}

#[test]
fn placement_adaptive_runs_a_shell_loop_as_natively() {
    runs_as_natively_with(&["--placement", "adaptive"], None);
}

/// A program that starts while adaptive placement has gathered everything on one CPU still
/// sees every CPU as it starts (runtimes size their thread pools by it): first a syscall-bound
/// phase long enough to gather, then a program that reads its CPUs (sched_getaffinity).
#[test]
fn placement_adaptive_shows_a_starting_program_every_cpu() {
    let bench = example("syscallbench");
    let prog = Prog::new("/bin/sh").args([
        "-c",
        &format!("{} getpid-raw 20000 >/dev/null; nproc", bench.display()),
    ]);
    let native = prog.run_native();
    let under = run(
        &mut prog.mvx_command(["--placement", "adaptive", "-n", "2"]),
        None,
    );
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    assert_eq!(native.stdout, under.stdout, "{}", under.context());
}

#[test]
fn a_monitor_that_spins_before_sleeping_runs_a_shell_loop_as_natively() {
    runs_as_natively_with(&[], Some(("MVX_WAIT_SPIN_US", "30")));
}

/// The CPUs a `Cpus_allowed_list` line names ("0-2,5" -> 4).
fn cpu_count(list: &str) -> usize {
    list.trim()
        .split(',')
        .filter(|r| !r.is_empty())
        .map(|r| match r.split_once('-') {
            Some((a, b)) => b.parse::<usize>().unwrap() - a.parse::<usize>().unwrap() + 1,
            None => 1,
        })
        .sum()
}

/// The CPUs process `pid` may run on, as its /proc status lists them.
fn allowed_cpus_of(pid: i32) -> usize {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))
        .map_or(0, cpu_count)
}

#[test]
fn placement_split_shares_the_cpus_out_among_the_variants() {
    // A private copy of sleep, so that its variants are found by their executable.
    let dir = TempDir::new("placement");
    let sleeper = dir.join("placement-sleeper");
    std::fs::copy("/bin/sleep", &sleeper).unwrap();
    let allowed = allowed_cpus_of(std::process::id() as i32);
    let mut child = spawn(
        Command::new(mvx_bin())
            .args(["run", "--placement", "split", "-n", "2", "--"])
            .arg(&sleeper)
            .arg("3"),
        None,
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut pids = pids_running(&sleeper);
    while pids.len() < 2 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(50));
        pids = pids_running(&sleeper);
    }
    let shares: Vec<usize> = pids.iter().map(|&p| allowed_cpus_of(p)).collect();
    kill_group(&mut child);
    assert_eq!(shares.len(), 2, "variants found: {pids:?}");
    if allowed >= 2 {
        // Each variant has its own part of the CPUs, the leader's the larger.
        let mut sorted = shares.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            vec![allowed / 2, allowed - allowed / 2],
            "{shares:?}"
        );
    } else {
        assert_eq!(shares, vec![allowed, allowed]);
    }
}
