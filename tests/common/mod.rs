//! Helpers shared by the end-to-end tests: building the C examples once, running
//! commands natively and under `mvx` with a hard timeout, temporary directories,
//! report parsing and process scans.
#![allow(dead_code)]

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// No single command of the test suite may run longer than this.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// The `--monitor-level` the suite runs at ($MVX_MONITOR_LEVEL, which mvx reads too).
pub fn monitor_level() -> String {
    std::env::var("MVX_MONITOR_LEVEL").unwrap_or_else(|_| "strict".into())
}

/// Whether writes to files, pipes and terminals take the fast path at this level: the leader's
/// write runs before the followers compare theirs, so a divergent write's output can escape
/// (the divergence is still reported).
pub fn nonsocket_writes_relaxed() -> bool {
    matches!(
        monitor_level().as_str(),
        "nonsocket-rw" | "socket-ro" | "socket-rw"
    )
}

/// `mvx`'s exit status when the variants diverge.
pub const DIVERGENCE_STATUS: i32 = 86;

/// The workspace root (the parent of `mvx-monitor/`).
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("mvx-monitor has a parent directory")
}

/// The `mvx` binary cargo built for this test.
pub fn mvx_bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_mvx"))
}

/// `examples/bin`, built by `make -C examples` the first time it is asked for.
pub fn examples_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        require_packages();
        let examples = repo_root().join("examples");
        let out = run(
            Command::new("make").arg("-s").arg("-C").arg(&examples),
            None,
        );
        assert!(
            out.status.success(),
            "building the C examples failed\n{}",
            out.context()
        );
        examples
            .join("bin")
            .canonicalize()
            .expect("examples/bin exists after make")
    })
}

/// Fails the test with scripts/deps.sh's one line naming the missing Debian packages, if any:
/// on a fresh machine that line, not a compiler error from deep inside `make`, says what to do.
pub fn require_packages() {
    let out = run(
        Command::new("bash")
            .arg(repo_root().join("scripts/deps.sh"))
            .args(["--check", "tests"]),
        None,
    );
    assert!(out.status.success(), "{}", out.stderr_str().trim());
}

/// The absolute path of one example binary, e.g. `example("diverge-a")`.
pub fn example(name: &str) -> PathBuf {
    let path = examples_bin().join(name);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// What a finished command left behind.
pub struct Output {
    pub command: String,
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl Output {
    /// The exit code; fails the test (with the whole context) if the process was killed.
    pub fn code(&self) -> i32 {
        match self.status.code() {
            Some(code) => code,
            None => panic!("process was killed by a signal\n{}", self.context()),
        }
    }

    pub fn stdout_str(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    pub fn stderr_str(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }

    /// Everything about the run, for assertion messages.
    pub fn context(&self) -> String {
        format!(
            "command: {}\nstatus: {}\n--- stdout ({} bytes) ---\n{}\n--- stderr ({} bytes) ---\n{}\n---",
            self.command,
            describe_status(self.status),
            self.stdout.len(),
            excerpt(&self.stdout),
            self.stderr.len(),
            excerpt(&self.stderr),
        )
    }

    /// Lines of stderr that `mvx` printed as warnings.
    pub fn warnings(&self) -> Vec<String> {
        self.stderr_str()
            .lines()
            .filter(|l| l.starts_with("mvx: warning:"))
            .map(str::to_owned)
            .collect()
    }

    pub fn has_divergence_line(&self) -> bool {
        self.stderr_str()
            .lines()
            .any(|l| l.starts_with("mvx: divergence"))
    }
}

fn describe_status(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => format!("killed by signal {sig}"),
        _ => format!("{status:?}"),
    }
}

fn excerpt(bytes: &[u8]) -> String {
    const MAX: usize = 6000;
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= MAX {
        return text.into_owned();
    }
    let mut cut = MAX;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}\n[... {} more bytes]", &text[..cut], text.len() - cut)
}

fn describe_command(cmd: &Command) -> String {
    let mut s = String::new();
    if let Some(dir) = cmd.get_current_dir() {
        let _ = write!(s, "(cd {}) ", dir.display());
    }
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            let _ = write!(s, "{}={} ", k.to_string_lossy(), v.to_string_lossy());
        }
    }
    let _ = write!(s, "{}", cmd.get_program().to_string_lossy());
    for a in cmd.get_args() {
        let a = a.to_string_lossy();
        if a.is_empty() || a.contains(|c: char| c.is_whitespace() || c == '\'') {
            let _ = write!(s, " {a:?}");
        } else {
            let _ = write!(s, " {a}");
        }
    }
    s
}

/// Reads a pipe to its end on a thread; the bytes arrive on the returned channel.
pub fn drain<R: Read + Send + 'static>(mut pipe: R) -> Receiver<Vec<u8>> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = pipe.read_to_end(&mut buf);
        let _ = tx.send(buf);
    });
    rx
}

/// Sends SIGKILL to the whole process group of `child` (every spawned command leads its own).
pub fn kill_group(child: &mut Child) {
    // SAFETY: plain kill(2) on a process group we created.
    unsafe {
        libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// Spawns `cmd` in a process group of its own, with piped stdout/stderr and the
/// given stdin (or /dev/null).
pub fn spawn(cmd: &mut Command, stdin: Option<&[u8]>) -> Child {
    spawn_with_stdin(cmd, stdin, false)
}

/// `spawn`, optionally leaving stdin a pipe whose write end stays in `Child::stdin`.
pub fn spawn_with_stdin(cmd: &mut Command, stdin: Option<&[u8]>, keep_pipe: bool) -> Child {
    cmd.process_group(0)
        .stdin(if stdin.is_some() || keep_pipe {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {}: {e}", describe_command(cmd)));
    if let Some(data) = stdin {
        let mut pipe = child.stdin.take().expect("stdin is piped");
        let data = data.to_vec();
        // The program may exit without reading everything: EPIPE is not an error here.
        thread::spawn(move || {
            let _ = pipe.write_all(&data);
        });
    }
    child
}

/// Runs `cmd` to completion with the default timeout.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> Output {
    run_timeout(cmd, stdin, TIMEOUT)
}

/// Runs `cmd` to completion; kills its process group and fails the test after `timeout`.
pub fn run_timeout(cmd: &mut Command, stdin: Option<&[u8]>, timeout: Duration) -> Output {
    let command = describe_command(cmd);
    let start = Instant::now();
    let deadline = start + timeout;
    let mut child = spawn(cmd, stdin);
    let stdout = drain(child.stdout.take().expect("stdout is piped"));
    let stderr = drain(child.stderr.take().expect("stderr is piped"));
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
            Ok(None) => {
                kill_group(&mut child);
                let out = stdout
                    .recv_timeout(Duration::from_secs(2))
                    .unwrap_or_default();
                let err = stderr
                    .recv_timeout(Duration::from_secs(2))
                    .unwrap_or_default();
                panic!(
                    "timed out after {timeout:?}: {command}\n--- stdout so far ---\n{}\n--- stderr so far ---\n{}",
                    excerpt(&out),
                    excerpt(&err)
                );
            }
            Err(e) => panic!("waiting for {command}: {e}"),
        }
    };
    // The pipes close when every process holding them is gone; a process that keeps
    // them open after the command exited (a surviving variant) fails the test.
    let grace = deadline
        .saturating_duration_since(Instant::now())
        .max(Duration::from_secs(5));
    let collect = |rx: Receiver<Vec<u8>>, name: &str| {
        rx.recv_timeout(grace).unwrap_or_else(|_| {
            // SAFETY: plain kill(2) on the process group we created.
            unsafe {
                libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL);
            }
            panic!("{command} exited ({status}) but its {name} stayed open: a process survived it")
        })
    };
    let stdout = collect(stdout, "stdout");
    let stderr = collect(stderr, "stderr");
    Output {
        command,
        status,
        stdout,
        stderr,
    }
}

/// A program invocation that can be run natively or under `mvx` with the same
/// arguments, environment, working directory and stdin.
#[derive(Clone, Debug)]
pub struct Prog {
    program: OsString,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    cwd: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
}

impl Prog {
    pub fn new(program: impl AsRef<OsStr>) -> Self {
        Prog {
            program: program.as_ref().to_owned(),
            args: Vec::new(),
            env: Vec::new(),
            cwd: None,
            stdin: None,
        }
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(mut self, args: I) -> Self {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(data.into());
        self
    }

    fn configure(&self, mut cmd: Command) -> Command {
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// The program itself, without `mvx`.
    pub fn native_command(&self) -> Command {
        let mut cmd = Command::new(&self.program);
        cmd.args(&self.args);
        self.configure(cmd)
    }

    /// `mvx run OPTS... -- PROGRAM ARGS...`
    pub fn mvx_command<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&self, opts: I) -> Command {
        let mut cmd = Command::new(mvx_bin());
        cmd.arg("run")
            .args(opts)
            .arg("--")
            .arg(&self.program)
            .args(&self.args);
        self.configure(cmd)
    }

    pub fn run_native(&self) -> Output {
        run(&mut self.native_command(), self.stdin.as_deref())
    }

    /// `mvx run -n N -- PROGRAM ARGS...`
    pub fn run_mvx(&self, n: usize) -> Output {
        self.run_mvx_opts(["-n".to_string(), n.to_string()])
    }

    pub fn run_mvx_opts<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(&self, opts: I) -> Output {
        run(&mut self.mvx_command(opts), self.stdin.as_deref())
    }
}

/// Asserts that `mvx` reported no divergence.
pub fn assert_no_divergence(out: &Output) {
    assert!(
        !out.has_divergence_line() && out.code() != DIVERGENCE_STATUS,
        "unexpected divergence\n{}",
        out.context()
    );
}

/// Runs `prog` natively and under `mvx run -n N`, and asserts that stdout is equal
/// byte for byte and the exit status is the same. Returns (native, mvx).
pub fn assert_same_as_native(prog: &Prog, n: usize) -> (Output, Output) {
    let native = prog.run_native();
    let under = prog.run_mvx(n);
    assert_no_divergence(&under);
    assert_eq!(
        native.status.into_raw(),
        under.status.into_raw(),
        "exit status differs from native\nnative: {}\nmvx:\n{}",
        describe_status(native.status),
        under.context()
    );
    assert!(
        native.stdout == under.stdout,
        "stdout differs from native\n=== native ===\n{}\n=== mvx -n {n} ===\n{}",
        native.context(),
        under.context()
    );
    (native, under)
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "mvx-test-{tag}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, name: impl AsRef<Path>) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `lines` deterministic pseudo-random text lines (unsorted, with duplicates).
pub fn generated_text(lines: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
        "juliet", "kilo", "lima", "mike", "november", "oscar", "papa",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut out = String::new();
    for i in 0..lines {
        let r = next();
        let _ = writeln!(
            out,
            "{} {:08x} {} {}",
            WORDS[(r % WORDS.len() as u64) as usize],
            (r >> 16) as u32 % 5000,
            WORDS[((r >> 40) % WORDS.len() as u64) as usize],
            i % 97
        );
    }
    out.into_bytes()
}

/// Reads a `--report` file: its raw text and the parsed JSON.
pub fn read_report(path: &Path) -> (String, serde_json::Value) {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read report {}: {e}", path.display()));
    let json = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("report {} is not JSON: {e}\n{text}", path.display()));
    (text, json)
}

/// Every process in /proc: its pid and its /proc directory.
pub fn all_processes() -> Vec<(i32, PathBuf)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|entry| {
            let pid = entry.file_name().to_str()?.parse::<i32>().ok()?;
            Some((pid, entry.path()))
        })
        .collect()
}

/// Pids of live processes whose executable (or argv[0]) is exactly `path`.
pub fn pids_running(path: &Path) -> Vec<i32> {
    let me = std::process::id() as i32;
    let mut pids = Vec::new();
    for (pid, dir) in all_processes() {
        if pid == me {
            continue;
        }
        // A zombie has neither an exe link nor a cmdline: it runs nothing any more.
        let exe_matches = std::fs::read_link(dir.join("exe")).is_ok_and(|exe| exe == path);
        // Or its argv[0].
        let argv0_matches = std::fs::read(dir.join("cmdline")).is_ok_and(|cmdline| {
            let target = path.as_os_str().as_encoded_bytes();
            cmdline.split(|&b| b == 0).next() == Some(target)
        });
        if exe_matches || argv0_matches {
            pids.push(pid);
        }
    }
    pids
}

/// True when the tests run as root.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The full path of `name` looked up in PATH (and the sbin directories, which a
/// non-login root shell may lack), or None.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

/// A command running in the background in a process group of its own, with its stdout
/// read line by line as it comes. Dropping it (also when a test panics) SIGKILLs the
/// whole process group, so a failing test cannot leave it running.
pub struct Background {
    pub command: String,
    child: Child,
    lines: Receiver<Vec<u8>>,
    stdout: Vec<u8>,
    stderr: Option<Receiver<Vec<u8>>>,
    finished: bool,
}

impl Background {
    /// Spawns `cmd` (stdin /dev/null, stdout and stderr piped).
    pub fn start(cmd: &mut Command) -> Self {
        Self::start_with(cmd, false)
    }

    /// Spawns `cmd` with stdin a pipe whose write end is returned.
    pub fn start_with_stdin(cmd: &mut Command) -> (Self, std::process::ChildStdin) {
        let mut bg = Self::start_with(cmd, true);
        let stdin = bg.child.stdin.take().expect("stdin is piped");
        (bg, stdin)
    }

    fn start_with(cmd: &mut Command, stdin_pipe: bool) -> Self {
        let command = describe_command(cmd);
        let mut child = spawn_with_stdin(cmd, None, stdin_pipe);
        let stderr = drain(child.stderr.take().expect("stderr is piped"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = std::io::BufReader::new(stdout);
            loop {
                let mut line = Vec::new();
                match std::io::BufRead::read_until(&mut reader, b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Background {
            command,
            child,
            lines,
            stdout: Vec::new(),
            stderr: Some(stderr),
            finished: false,
        }
    }

    /// The process id of the spawned command (also its process group id).
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for a stdout line (without its newline) that `want` accepts,
    /// and returns it; lines before it are kept for `finish`. On timeout or end of
    /// stdout, kills the process group and fails the test with everything seen.
    pub fn wait_for_line(&mut self, want: impl Fn(&str) -> bool, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.stdout.extend_from_slice(&line);
                    let text = String::from_utf8_lossy(&line);
                    let text = text.strip_suffix('\n').unwrap_or(&text);
                    if want(text) {
                        return text.to_owned();
                    }
                }
                Err(e) => {
                    let why = match e {
                        mpsc::RecvTimeoutError::Timeout => {
                            format!("no such line within {timeout:?}")
                        }
                        mpsc::RecvTimeoutError::Disconnected => "stdout closed".to_owned(),
                    };
                    let context = self.kill_and_context();
                    panic!("waiting for a line from {}: {why}\n{context}", self.command);
                }
            }
        }
    }

    /// SIGKILLs the process group and returns what it printed so far, for a failure message.
    pub fn kill_and_context(&mut self) -> String {
        kill_group(&mut self.child);
        self.finished = true;
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(500)) {
            self.stdout.extend_from_slice(&line);
        }
        let stderr = self
            .stderr
            .take()
            .and_then(|rx| rx.recv_timeout(Duration::from_secs(2)).ok())
            .unwrap_or_default();
        format!(
            "--- stdout so far ---\n{}\n--- stderr so far ---\n{}",
            excerpt(&self.stdout),
            excerpt(&stderr)
        )
    }

    /// Waits up to `timeout` for the command to exit and returns all it printed
    /// (stdout including the lines already consumed). On timeout, kills the process
    /// group and fails the test.
    pub fn finish(mut self, timeout: Duration) -> Output {
        let deadline = Instant::now() + timeout;
        let status = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(5)),
                Ok(None) => {
                    let context = self.kill_and_context();
                    panic!("timed out after {timeout:?}: {}\n{context}", self.command);
                }
                Err(e) => panic!("waiting for {}: {e}", self.command),
            }
        };
        let grace = Duration::from_secs(5);
        let give_up = Instant::now() + grace;
        loop {
            match self
                .lines
                .recv_timeout(give_up.saturating_duration_since(Instant::now()))
            {
                Ok(line) => self.stdout.extend_from_slice(&line),
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let context = self.kill_and_context();
                    panic!(
                        "{} exited ({status}) but its stdout stayed open: a process survived it\n{context}",
                        self.command
                    );
                }
            }
        }
        let stderr = match self.stderr.take().map(|rx| rx.recv_timeout(grace)) {
            Some(Ok(bytes)) => bytes,
            _ => {
                let context = self.kill_and_context();
                panic!(
                    "{} exited ({status}) but its stderr stayed open: a process survived it\n{context}",
                    self.command
                );
            }
        };
        self.finished = true;
        Output {
            command: self.command.clone(),
            status,
            stdout: std::mem::take(&mut self.stdout),
            stderr,
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if !self.finished {
            kill_group(&mut self.child);
        }
    }
}
