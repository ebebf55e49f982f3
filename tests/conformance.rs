//! The conformance suite (tests/conformance/README.md): small C programs, each exercising one
//! kernel feature with a deterministic stdout and exit status, built with `cc`, run once
//! natively and then under the real `mvx` in every mode of `MODES`; a run passes when its exit
//! status and stdout equal the native run's. `tests/conformance/known-failures.txt` lists the
//! (program, mode) pairs that do not pass yet: the test fails on any other failure and prints
//! the listed pairs that pass now, so that the list can be pruned.
//!
//! Environment knobs (for working on the suite by hand):
//! - `MVX_CONF_ONLY=prog1,prog2` runs only those programs (names without `.c`);
//! - `MVX_CONF_MODES=strict-2,socket-rw-2` runs only those modes;
//! - `MVX_CONF_JOBS=N` runs N programs at a time (default 3);
//! - `MVX_CONF_SUGGEST=FILE` writes every failure seen, in the list's format, with the
//!   reason the runner inferred (a starting point for editing the list, not a replacement).

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread;
use std::time::{Duration, Instant, SystemTime};

/// Like `eprintln!`, but straight to the process's stderr, past libtest's output capture:
/// the summary shows in CI logs whether the test passes or fails.
macro_rules! report {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// No single run (native or under mvx) may take longer than this.
const RUN_TIMEOUT: Duration = Duration::from_secs(20);

/// How long stdout/stderr may stay open after the command exited (a surviving process).
const PIPE_GRACE: Duration = Duration::from_secs(5);

/// One way of running a program under mvx.
#[derive(Clone, Copy, Debug)]
struct Mode {
    name: &'static str,
    variants: usize,
    level: &'static str,
}

const MODES: [Mode; 4] = [
    Mode {
        name: "strict-1",
        variants: 1,
        level: "strict",
    },
    Mode {
        name: "strict-2",
        variants: 2,
        level: "strict",
    },
    Mode {
        name: "strict-3",
        variants: 3,
        level: "strict",
    },
    Mode {
        name: "socket-rw-2",
        variants: 2,
        level: "socket-rw",
    },
];

/// Every monitor level, two variants: the `table_sections` test runs the programs of each
/// section of the syscall table in these modes.
const LEVEL_MODES: [Mode; 6] = [
    Mode {
        name: "strict-2",
        variants: 2,
        level: "strict",
    },
    Mode {
        name: "base-2",
        variants: 2,
        level: "base",
    },
    Mode {
        name: "nonsocket-ro-2",
        variants: 2,
        level: "nonsocket-ro",
    },
    Mode {
        name: "nonsocket-rw-2",
        variants: 2,
        level: "nonsocket-rw",
    },
    Mode {
        name: "socket-ro-2",
        variants: 2,
        level: "socket-ro",
    },
    Mode {
        name: "socket-rw-2",
        variants: 2,
        level: "socket-rw",
    },
];

/// Every mode of either test, by name (known-failures.txt may name any of them).
fn all_modes() -> Vec<Mode> {
    let mut modes = MODES.to_vec();
    for m in LEVEL_MODES {
        if !modes.iter().any(|k| k.name == m.name) {
            modes.push(m);
        }
    }
    modes
}

/// The two tests of this file share the machine's cores: one runs at a time.
static ONE_SUITE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn suite_dir() -> PathBuf {
    repo_root().join("tests").join("conformance")
}

fn jobs() -> usize {
    std::env::var("MVX_CONF_JOBS")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or(3)
}

/// A comma-separated filter from the environment, or None for "everything".
fn env_filter(name: &str) -> Option<BTreeSet<String>> {
    let value = std::env::var(name).ok()?;
    let set: BTreeSet<String> = value
        .split(',')
        .map(|s| s.trim().trim_end_matches(".c").to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    (!set.is_empty()).then_some(set)
}

/// Every program of the suite (the `.c` files), sorted by name.
fn all_programs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(suite_dir())
        .expect("tests/conformance exists")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".c").map(str::to_owned)
        })
        .collect();
    names.sort();
    names
}

/// Runs `f` on every item with `jobs()` worker threads; results come back in input order.
fn parallel_map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    thread::scope(|scope| {
        for _ in 0..jobs().min(items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item was processed"))
        .collect()
}

// ---------------------------------------------------------------------------
// Building

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

/// Compiles every program into the test's target temp dir (not the source tree), skipping
/// those whose binary is newer than its source and the shared headers. Returns the bin dir.
fn build(programs: &[String]) -> PathBuf {
    let src = suite_dir();
    let bin = Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance");
    std::fs::create_dir_all(&bin).expect("create the conformance bin dir");
    let headers = ["conf.h", "conf_net.h"]
        .iter()
        .filter_map(|h| modified(&src.join(h)))
        .max();
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let errors = parallel_map(programs, |name| {
        let source = src.join(format!("{name}.c"));
        let out = bin.join(name);
        let newest_input = modified(&source).max(headers);
        if modified(&out).is_some_and(|built| Some(built) >= newest_input) {
            return None;
        }
        let mut cmd = Command::new(&cc);
        cmd.args(["-O2", "-Wall", "-I"])
            .arg(&src)
            .arg("-o")
            .arg(&out)
            .arg(&source)
            .args(["-pthread", "-lrt"]);
        let result = run(&mut cmd, None);
        (!result.status.success()).then(|| format!("{name}:\n{}", result.stderr_str()))
    });
    let errors: Vec<String> = errors.into_iter().flatten().collect();
    assert!(
        errors.is_empty(),
        "{} conformance program(s) failed to build with `{cc}`:\n{}",
        errors.len(),
        errors.join("\n")
    );
    bin
}

/// The native exit status a program expects: 0 unless its source says
/// `conformance: native-status N` (a program that ends by a signal: 128 + the signal).
fn expected_native_status(name: &str) -> i32 {
    let text = std::fs::read_to_string(suite_dir().join(format!("{name}.c"))).unwrap_or_default();
    text.lines()
        .find_map(|l| {
            let rest = l.split("conformance: native-status").nth(1)?;
            rest.split_whitespace().next()?.parse().ok()
        })
        .unwrap_or(0)
}

// ---------------------------------------------------------------------------
// Running

/// What one run left behind.
struct Run {
    /// None: killed after RUN_TIMEOUT.
    status: Option<ExitStatus>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// The command exited but a process kept its stdout or stderr open.
    survivor: bool,
    elapsed: Duration,
}

impl Run {
    /// The exit status as a shell reports it: the exit code, or 128 + the signal number
    /// (which is how mvx reports a leader killed by a signal).
    fn code(&self) -> Option<i32> {
        let s = self.status?;
        s.code().or_else(|| s.signal().map(|sig| 128 + sig))
    }

    fn describe_status(&self) -> String {
        match self.status {
            None => format!("no exit within {RUN_TIMEOUT:?} (killed)"),
            Some(s) => match (s.code(), s.signal()) {
                (Some(c), _) => format!("exit {c}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                _ => format!("{s:?}"),
            },
        }
    }
}

/// Runs `cmd` in a fresh working directory with stdin /dev/null; never panics on the
/// program's behaviour: a hang is killed (with its whole process group) after RUN_TIMEOUT.
fn run_bounded(mut cmd: Command) -> Run {
    let dir = TempDir::new("conf");
    cmd.current_dir(dir.path()).env("LC_ALL", "C");
    let start = Instant::now();
    let mut child = spawn(&mut cmd, None);
    let out_rx = drain(child.stdout.take().expect("stdout is piped"));
    let err_rx = drain(child.stderr.take().expect("stderr is piped"));
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if start.elapsed() < RUN_TIMEOUT => thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                kill_group(&mut child);
                break None;
            }
            Err(e) => panic!("waiting for a conformance run: {e}"),
        }
    };
    let elapsed = start.elapsed();
    let grace = if status.is_some() {
        PIPE_GRACE
    } else {
        Duration::from_secs(2)
    };
    let mut survivor = false;
    let mut collect = |rx: std::sync::mpsc::Receiver<Vec<u8>>| match rx.recv_timeout(grace) {
        Ok(bytes) => bytes,
        Err(_) => {
            survivor = status.is_some();
            // SAFETY: plain kill(2) on the process group this run created.
            unsafe {
                libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
            }
            rx.recv_timeout(Duration::from_secs(2)).unwrap_or_default()
        }
    };
    let stdout = collect(out_rx);
    let stderr = collect(err_rx);
    Run {
        status,
        stdout,
        stderr,
        survivor,
        elapsed,
    }
}

fn run_native(bin: &Path, name: &str) -> Run {
    run_bounded(Command::new(bin.join(name)))
}

fn run_mvx(bin: &Path, name: &str, mode: Mode) -> Run {
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .arg("-n")
        .arg(mode.variants.to_string())
        .arg("--monitor-level")
        .arg(mode.level)
        .arg("--")
        .arg(bin.join(name));
    run_bounded(cmd)
}

// ---------------------------------------------------------------------------
// Judging

/// Why a run under mvx does not match the native one, in a line (None: it matches).
fn failure_reason(native: &Run, under: &Run) -> Option<String> {
    let stderr = String::from_utf8_lossy(&under.stderr);
    let unsupported: Vec<&str> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("mvx: warning: unsupported syscall "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let enosys = if unsupported.is_empty() {
        String::new()
    } else {
        let mut names = unsupported.clone();
        names.dedup();
        format!(" (ENOSYS for {})", names.join(", "))
    };
    if under.status.is_none() {
        let last = stderr.lines().rev().find(|l| l.starts_with("mvx:"));
        return Some(format!(
            "hang: no exit within {}s{enosys}{}",
            RUN_TIMEOUT.as_secs(),
            last.map(|l| format!("; last mvx line: {l}"))
                .unwrap_or_default()
        ));
    }
    let mut lines = stderr.lines();
    if let Some(line) = lines.find(|l| l.starts_with("mvx: divergence")) {
        // "mvx: divergence in process 1234: what" -> "divergence: what"
        let what = line
            .strip_prefix("mvx: divergence")
            .and_then(|rest| rest.split_once(": "))
            .map_or(line, |(_, what)| what);
        // The decoded calls that follow: "  variant 0 (leader, pid 1234)  write(...)".
        let calls: Vec<String> = lines
            .take_while(|l| l.starts_with("  variant"))
            .filter_map(|l| {
                let (who, call) = l.trim_start().split_once(")  ")?;
                let who = who.split(" (").next()?;
                Some(format!("{who}: {}", call.trim()))
            })
            .collect();
        let calls = if calls.is_empty() {
            String::new()
        } else {
            format!(" [{}]", calls.join(" | "))
        };
        return Some(format!("divergence: {what}{calls}{enosys}"));
    }
    if under.code() == Some(125) {
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        return Some(format!("mvx error (exit 125): {}", last.unwrap_or("")));
    }
    if under.survivor {
        return Some("a process outlived mvx and kept its output open".into());
    }
    let status_differs = native.code() != under.code();
    let stdout_differs = native.stdout != under.stdout;
    if !status_differs && !stdout_differs {
        return None;
    }
    let mut why = String::new();
    if status_differs {
        let _ = write!(
            why,
            "status {} instead of {}",
            under.describe_status(),
            native.describe_status()
        );
    }
    if stdout_differs {
        if !why.is_empty() {
            why.push_str(", ");
        }
        why.push_str(&first_difference(&native.stdout, &under.stdout));
    }
    Some(format!("{why}{enosys}"))
}

/// "stdout line N: `mvx's` instead of `native's`".
fn first_difference(native: &[u8], under: &[u8]) -> String {
    let native = String::from_utf8_lossy(native);
    let under = String::from_utf8_lossy(under);
    let mut a = native.lines();
    let mut b = under.lines();
    for n in 1.. {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (Some(x), Some(y)) => return format!("stdout line {n}: `{y}` instead of `{x}`"),
            (Some(x), None) => return format!("stdout ends before line {n} `{x}`"),
            (None, Some(y)) => return format!("stdout has an extra line {n} `{y}`"),
            (None, None) => break,
        }
    }
    "stdout differs (line endings)".into()
}

fn excerpt(bytes: &[u8], max_lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = lines
        .iter()
        .take(max_lines)
        .map(|l| format!("    | {l}\n"))
        .collect::<String>();
    if lines.len() > max_lines {
        let _ = writeln!(out, "    | [... {} more lines]", lines.len() - max_lines);
    }
    if out.is_empty() {
        out.push_str("    | (empty)\n");
    }
    out
}

// ---------------------------------------------------------------------------
// The known-failures list

/// `program mode reason` lines; `*` as the mode stands for every mode. A reason starting
/// with "flaky" marks a failure that comes and goes: passing runs are not reported as stale.
struct KnownFailures {
    entries: BTreeMap<(String, String), String>,
}

impl KnownFailures {
    fn path() -> PathBuf {
        suite_dir().join("known-failures.txt")
    }

    fn load(programs: &[String]) -> Self {
        let path = Self::path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let mut entries = BTreeMap::new();
        let mut problems = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut parts = line.splitn(3, char::is_whitespace);
            let (Some(prog), Some(mode), Some(reason)) = (parts.next(), parts.next(), parts.next())
            else {
                problems.push(format!("line {}: expected `program mode reason`", i + 1));
                continue;
            };
            if programs.binary_search(&prog.to_owned()).is_err() {
                problems.push(format!("line {}: no program {prog}.c", i + 1));
                continue;
            }
            let modes: Vec<&str> = if mode == "*" {
                all_modes().iter().map(|m| m.name).collect()
            } else if all_modes().iter().any(|m| m.name == mode) {
                vec![mode]
            } else {
                problems.push(format!("line {}: unknown mode {mode}", i + 1));
                continue;
            };
            for m in modes {
                let key = (prog.to_owned(), m.to_owned());
                if entries.insert(key, reason.trim().to_owned()).is_some() {
                    problems.push(format!("line {}: {prog} {m} listed twice", i + 1));
                }
            }
        }
        assert!(
            problems.is_empty(),
            "{} is malformed:\n{}",
            path.display(),
            problems.join("\n")
        );
        KnownFailures { entries }
    }

    fn reason(&self, prog: &str, mode: &str) -> Option<&str> {
        self.entries
            .get(&(prog.to_owned(), mode.to_owned()))
            .map(String::as_str)
    }
}

// ---------------------------------------------------------------------------
// The preload library (the fast path of the levels above strict)

/// Makes sure `libmvx_preload.so` is where mvx looks for it, building it if needed, so that
/// `socket-rw` really exercises the fast path. Returns a note when it could not.
fn ensure_preload_library() -> Option<String> {
    if std::env::var_os("MVX_PRELOAD_LIB").is_some() {
        return None;
    }
    let lib = mvx_bin().with_file_name("libmvx_preload.so");
    if lib.is_file() {
        return None;
    }
    let profile_release = mvx_bin()
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|p| p == "release");
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(repo_root())
        .args(["build", "-q", "-p", "mvx-preload"]);
    if profile_release {
        cmd.arg("--release");
    }
    let out = run(&mut cmd, None);
    if out.status.success() && lib.is_file() {
        None
    } else {
        Some(format!(
            "note: {} is missing and `cargo build -p mvx-preload` did not provide it: \
             socket-rw runs without the fast path\n{}",
            lib.display(),
            out.stderr_str()
        ))
    }
}

// ---------------------------------------------------------------------------

#[derive(Clone, Default)]
struct ModeTally {
    pass: usize,
    known: usize,
    unexpected: usize,
    stale: usize,
}

#[test]
fn conformance() {
    let all = all_programs();
    assert!(!all.is_empty(), "no programs in tests/conformance");
    run_suite("conformance", &all, &all, &MODES);
}

/// The section titles of the syscall table (`// --- TITLE: ...` in mvx-abi/src/entries.rs).
fn table_section_titles() -> Vec<String> {
    let entries = Path::new(env!("CARGO_MANIFEST_DIR")).join("../mvx-abi/src/entries.rs");
    let text = std::fs::read_to_string(&entries).expect("mvx-abi/src/entries.rs");
    text.lines()
        .filter_map(|l| l.trim().strip_prefix("// --- "))
        .map(|l| {
            let end = l.find([':', '.', '(']).unwrap_or(l.len());
            l[..end].trim().to_owned()
        })
        .collect()
}

/// Every section of the syscall table has conformance programs (tests/conformance/
/// sections.txt), and they behave natively at every monitor level: a call's table line is
/// exercised on the strict path and on each level's fast path or untraced path.
#[test]
fn table_sections() {
    let all = all_programs();
    let listing = suite_dir().join("sections.txt");
    let text = std::fs::read_to_string(&listing).expect("tests/conformance/sections.txt");
    let mut sections: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (title, progs) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("sections.txt line {}: expected `TITLE = PROGRAMS`", i + 1));
        let progs: Vec<String> = progs.split_whitespace().map(str::to_owned).collect();
        for p in &progs {
            assert!(
                all.contains(p),
                "sections.txt line {}: no program {p}.c",
                i + 1
            );
        }
        sections.insert(title.to_owned(), progs);
    }
    let titles = table_section_titles();
    assert!(titles.len() > 20, "found only {titles:?} in entries.rs");
    let missing: Vec<&String> = titles
        .iter()
        .filter(|t| !sections.contains_key(*t))
        .collect();
    assert!(
        missing.is_empty(),
        "sections of the syscall table without a conformance program in sections.txt: {missing:?}"
    );
    let stale: Vec<&String> = sections.keys().filter(|t| !titles.contains(t)).collect();
    assert!(
        stale.is_empty(),
        "sections.txt names sections the table lacks: {stale:?}"
    );
    let mut programs: Vec<String> = sections.into_values().flatten().collect();
    programs.sort();
    programs.dedup();
    run_suite("table sections", &all, &programs, &LEVEL_MODES);
}

/// Runs `programs` natively and under mvx in `modes` (both narrowed by MVX_CONF_ONLY and
/// MVX_CONF_MODES) and fails on any run that differs from the native one and is not listed in
/// known-failures.txt.
fn run_suite(title: &str, all: &[String], programs: &[String], suite_modes: &[Mode]) {
    let _turn = ONE_SUITE_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let suite_start = Instant::now();
    let known = KnownFailures::load(all);
    let programs: Vec<String> = match env_filter("MVX_CONF_ONLY") {
        Some(only) => {
            let unknown: Vec<&String> = only.iter().filter(|p| !all.contains(p)).collect();
            assert!(
                unknown.is_empty(),
                "MVX_CONF_ONLY names no such programs: {unknown:?}"
            );
            programs
                .iter()
                .filter(|p| only.contains(*p))
                .cloned()
                .collect()
        }
        None => programs.to_vec(),
    };
    let modes: Vec<Mode> = match env_filter("MVX_CONF_MODES") {
        Some(only) => {
            let names: Vec<&str> = all_modes().iter().map(|m| m.name).collect();
            let unknown: Vec<&String> = only
                .iter()
                .filter(|m| !names.contains(&m.as_str()))
                .collect();
            assert!(
                unknown.is_empty(),
                "MVX_CONF_MODES: the modes are {names:?}"
            );
            suite_modes
                .iter()
                .filter(|m| only.contains(m.name))
                .copied()
                .collect()
        }
        None => suite_modes.to_vec(),
    };
    if programs.is_empty() || modes.is_empty() {
        report!("{title}: nothing selected by MVX_CONF_ONLY / MVX_CONF_MODES");
        return;
    }

    let bin = build(&programs);
    if modes.iter().any(|m| m.level != "strict") {
        if let Some(note) = ensure_preload_library() {
            report!("{note}");
        }
    }
    let built = suite_start.elapsed();

    // Native runs: each program must behave as it says natively, or the suite is broken.
    let natives = parallel_map(&programs, |name| run_native(&bin, name));
    let mut broken = String::new();
    for (name, native) in programs.iter().zip(&natives) {
        let want = expected_native_status(name);
        if native.code() != Some(want) || native.survivor {
            let _ = write!(
                broken,
                "\n{name}: natively {} (expected exit {want}){}\n  stdout:\n{}  stderr:\n{}",
                native.describe_status(),
                if native.survivor {
                    ", a child kept its output open"
                } else {
                    ""
                },
                excerpt(&native.stdout, 20),
                excerpt(&native.stderr, 20)
            );
        }
    }
    assert!(
        broken.is_empty(),
        "conformance programs misbehave natively (fix the program):{broken}"
    );
    let slow: Vec<String> = programs
        .iter()
        .zip(&natives)
        .filter(|(_, n)| n.elapsed > Duration::from_secs(1))
        .map(|(p, n)| format!("{p} ({:.1}s)", n.elapsed.as_secs_f64()))
        .collect();
    if !slow.is_empty() {
        report!(
            "note: slow natively (should take well under a second): {}",
            slow.join(", ")
        );
    }

    // Runs under mvx, mode-major: a program's runs in the different modes are far apart in
    // the queue, so that its hangs do not occupy every worker at once.
    let jobs_list: Vec<(usize, Mode)> = modes
        .iter()
        .flat_map(|&m| (0..programs.len()).map(move |i| (i, m)))
        .collect();
    let results = parallel_map(&jobs_list, |&(i, mode)| {
        let under = run_mvx(&bin, &programs[i], mode);
        let reason = failure_reason(&natives[i], &under);
        (under, reason)
    });

    let mut tallies: BTreeMap<&str, ModeTally> = BTreeMap::new();
    let mut unexpected = String::new();
    let mut unexpected_count = 0;
    let mut stale = Vec::new();
    let mut flaky_passed = Vec::new();
    let mut passed_on_retry = Vec::new();
    let mut suggestions = String::new();
    for (&(i, mode), (under, reason)) in jobs_list.iter().zip(&results) {
        let name = &programs[i];
        let tally = tallies.entry(mode.name).or_default();
        let listed = known.reason(name, mode.name);
        match (reason, listed) {
            (None, None) => tally.pass += 1,
            (None, Some(why)) if why.starts_with("flaky") => {
                tally.pass += 1;
                flaky_passed.push(format!("{name} {}", mode.name));
            }
            (None, Some(why)) => {
                tally.pass += 1;
                tally.stale += 1;
                stale.push(format!("{name} {} {why}", mode.name));
            }
            (Some(_), Some(_)) => tally.known += 1,
            // An unlisted failure is run once more: one that passes then is a race worth a
            // look (printed), not a regression that blocks the suite.
            (Some(why), None)
                if failure_reason(&natives[i], &run_mvx(&bin, name, mode)).is_none() =>
            {
                tally.pass += 1;
                passed_on_retry.push(format!("{name} {}: {why}", mode.name));
            }
            (Some(why), None) => {
                tally.unexpected += 1;
                unexpected_count += 1;
                let native = &natives[i];
                let _ = write!(
                    unexpected,
                    "\n=== {name} {}: {why}\n  native: {}\n{}  mvx -n {} --monitor-level {}: {} ({:.1}s)\n{}  mvx stderr:\n{}",
                    mode.name,
                    native.describe_status(),
                    excerpt(&native.stdout, 30),
                    mode.variants,
                    mode.level,
                    under.describe_status(),
                    under.elapsed.as_secs_f64(),
                    excerpt(&under.stdout, 30),
                    excerpt(&under.stderr, 30),
                );
            }
        }
        if let Some(why) = reason {
            let _ = writeln!(suggestions, "{name} {} {why}", mode.name);
        }
    }

    if !passed_on_retry.is_empty() {
        report!(
            "failed once, passed when run again (races to look into; list them as flaky if they recur):\n  {}",
            passed_on_retry.join("\n  ")
        );
    }
    if let Ok(path) = std::env::var("MVX_CONF_SUGGEST") {
        std::fs::write(&path, &suggestions)
            .unwrap_or_else(|e| panic!("cannot write MVX_CONF_SUGGEST={path}: {e}"));
        report!("wrote every failure seen to {path}");
    }

    let mut summary = format!(
        "\n{title}: {} programs, built in {:.1}s, whole suite {:.1}s ({} at a time)\n",
        programs.len(),
        built.as_secs_f64(),
        suite_start.elapsed().as_secs_f64(),
        jobs()
    );
    let _ = writeln!(
        summary,
        "{:<15} {:>6} {:>6} {:>11} {:>11} {:>12}",
        "mode", "pass", "total", "known-fail", "unexpected", "now-passing"
    );
    for mode in &modes {
        let t = tallies.get(mode.name).cloned().unwrap_or_default();
        let _ = writeln!(
            summary,
            "{:<15} {:>6} {:>6} {:>11} {:>11} {:>12}",
            mode.name,
            t.pass,
            programs.len(),
            t.known,
            t.unexpected,
            t.stale
        );
    }
    report!("{summary}");
    if !stale.is_empty() {
        report!(
            "listed in {} but passing now (remove these lines once they pass reliably):\n  {}\n",
            KnownFailures::path().display(),
            stale.join("\n  ")
        );
    }
    if !flaky_passed.is_empty() {
        report!(
            "listed as flaky, passed this time: {}\n",
            flaky_passed.join(", ")
        );
    }
    assert!(
        unexpected_count == 0,
        "{unexpected_count} run(s) under mvx failed and are not in {}:{unexpected}\n{summary}",
        KnownFailures::path().display()
    );
}
