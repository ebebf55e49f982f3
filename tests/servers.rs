//! Acceptance tests on real servers: each server runs natively and under `mvx run -n N`, takes
//! real load (ab, redis-benchmark, memcslap, small clients), and must answer as it does natively
//! with no divergence; the server is always killed at the end and must leave no process behind.
//! Also real programs using shared memory (sqlite3 in WAL mode, Python's
//! multiprocessing.shared_memory), fd passing (SCM_RIGHTS) and OpenSSL's random generator.
//!
//! The tools come from the packages `.ci/run` installs; a missing one fails the test with the
//! package to install. Every wait is bounded, so a hang fails the test instead of stalling CI.
//!

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

const PYTHON: &str = "/usr/bin/python3";

/// How long a server may take to start listening (under mvx, with its startup in lock-step).
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// A client run (curl, redis-cli, a Python client) may take this long.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(15);

/// A load generator run may take this long.
const LOAD_TIMEOUT: Duration = Duration::from_secs(50);

/// The full path of a tool the tests need; fails the test naming the package if it is missing.
fn tool(name: &str, package: &str) -> PathBuf {
    find_program(name).unwrap_or_else(|| {
        panic!("{name} is not installed: install the Debian package {package} (.ci/run does)")
    })
}

/// A TCP port that was free a moment ago, for servers that cannot pick their own.
fn free_port() -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

// ---------------------------------------------------------------------------
// A server in the background

/// How a server is run: natively or under `mvx run -n N`.
#[derive(Clone, Copy, Debug)]
enum Mode {
    Native,
    Mvx(usize),
    /// Two variants at this monitoring level (whatever `MVX_MONITOR_LEVEL` says).
    MvxAt(&'static str),
}

impl Mode {
    fn command(self, program: &Path, args: &[&OsStr]) -> Command {
        match self {
            Mode::Native => {
                let mut cmd = Command::new(program);
                cmd.args(args);
                cmd
            }
            Mode::Mvx(n) => {
                let mut cmd = Command::new(mvx_bin());
                cmd.args(["run", "-n", &n.to_string(), "--"])
                    .arg(program)
                    .args(args);
                cmd
            }
            Mode::MvxAt(level) => {
                let mut cmd = Command::new(mvx_bin());
                cmd.args(["run", "-n", "2", "--monitor-level", level, "--"])
                    .arg(program)
                    .args(args);
                cmd
            }
        }
    }

    fn label(self) -> String {
        match self {
            Mode::Native => "native".into(),
            Mode::Mvx(n) => format!("mvx -n {n}"),
            Mode::MvxAt(level) => format!("mvx --monitor-level {level}"),
        }
    }
}

/// A server running in a process group of its own, its stdout read line by line and its
/// stderr collected. Dropping it (also when a test fails) SIGKILLs the group.
struct Server {
    label: String,
    command: String,
    child: Child,
    port: u16,
    lines: Receiver<Vec<u8>>,
    stdout: Vec<u8>,
    stderr: Option<Receiver<Vec<u8>>>,
    stopped: bool,
}

impl Server {
    fn spawn(mode: Mode, mut cmd: Command) -> Server {
        let command = format!("{cmd:?}");
        let mut child = spawn(&mut cmd, None);
        let stderr = drain(child.stderr.take().expect("stderr is piped"));
        let out = child.stdout.take().expect("stdout is piped");
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(out);
            loop {
                let mut line = Vec::new();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        if tx.send(line).is_err() {
                            break;
                        }
                    }
                }
            }
        });
        Server {
            label: mode.label(),
            command,
            child,
            port: 0,
            lines,
            stdout: Vec::new(),
            stderr: Some(stderr),
            stopped: false,
        }
    }

    /// Starts a server that picks its port and prints "port N" (examples/c servers).
    fn announcing(mode: Mode, program: &Path, args: &[&OsStr]) -> Server {
        Server::announcing_from(mode, mode.command(program, args))
    }

    /// As `announcing`, with the command made by the caller.
    fn announcing_from(mode: Mode, cmd: Command) -> Server {
        let mut server = Server::spawn(mode, cmd);
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match server.lines.recv_timeout(left) {
                Ok(line) => {
                    server.stdout.extend_from_slice(&line);
                    let text = String::from_utf8_lossy(&line);
                    if let Some(port) = text.trim().strip_prefix("port ") {
                        match port.parse() {
                            Ok(port) => server.port = port,
                            Err(e) => server.fail(&format!("bad port line {text:?}: {e}")),
                        }
                        return server;
                    }
                }
                Err(e) => server.fail(&format!("no \"port N\" line ({e:?})")),
            }
        }
    }

    /// Starts a server told to listen on `port` and waits until it accepts connections.
    fn on_port(mode: Mode, program: &Path, args: &[&OsStr], port: u16, cwd: &Path) -> Server {
        let mut cmd = mode.command(program, args);
        cmd.current_dir(cwd);
        let mut server = Server::spawn(mode, cmd);
        server.port = port;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                server.fail(&format!(
                    "exited ({status}) before listening on port {port}"
                ));
            }
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return server;
            }
            if Instant::now() > deadline {
                server.fail(&format!(
                    "not listening on port {port} after {START_TIMEOUT:?}"
                ));
            }
            thread::sleep(Duration::from_millis(50));
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Kills the server and fails the test with `why` and everything it printed.
    fn fail(&mut self, why: &str) -> ! {
        let (out, _) = self.kill_and_collect();
        panic!(
            "{} server: {why}\n{}",
            self.label,
            out.map_or_else(|e| e, |o| o.context())
        )
    }

    /// Fails the test with `why`, the client's output and the server's.
    fn client_failed(&mut self, why: &str, client: &Output) -> ! {
        self.fail(&format!("{why}\n=== client ===\n{}", client.context()))
    }

    /// SIGKILLs the process group and collects the output. Returns the output (or a
    /// description of what went wrong) and the status the server had exited with by itself
    /// before the kill, if it had.
    fn kill_and_collect(&mut self) -> (Result<Output, String>, Option<ExitStatus>) {
        let exited_before = self.child.try_wait().ok().flatten();
        let pgid = self.child.id() as i32;
        kill_group(&mut self.child);
        self.stopped = true;
        let status = self.child.wait().expect("wait for the killed server");
        // The pipes close when every process holding them is gone.
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut survived = None;
        loop {
            match self
                .lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(line) => self.stdout.extend_from_slice(&line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    survived = Some("its stdout stayed open after the kill");
                    break;
                }
            }
        }
        let stderr = match self
            .stderr
            .take()
            .map(|rx| rx.recv_timeout(Duration::from_secs(5)))
        {
            Some(Ok(bytes)) => bytes,
            _ => {
                survived = survived.or(Some("its stderr stayed open after the kill"));
                Vec::new()
            }
        };
        let left = live_processes_in_group(pgid, Duration::from_secs(5));
        let out = Output {
            command: self.command.clone(),
            status,
            stdout: std::mem::take(&mut self.stdout),
            stderr,
        };
        if survived.is_some() || !left.is_empty() {
            return (
                Err(format!(
                    "processes survived the kill ({}; live in group {pgid}: {left:?})\n{}",
                    survived.unwrap_or("pipes closed"),
                    out.context()
                )),
                exited_before,
            );
        }
        (Ok(out), exited_before)
    }

    /// Ends mvx the way a user does (SIGTERM to mvx, which passes it on to the program), so
    /// that it writes its report; then collects the output as `stop` does.
    fn terminate(mut self) -> Output {
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.child.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(20));
        }
        match self.kill_and_collect() {
            (Ok(out), Some(_)) => out,
            (Ok(out), None) => panic!("{}: mvx ignored SIGTERM\n{}", self.label, out.context()),
            (Err(e), _) => panic!("{} server: {e}", self.label),
        }
    }

    /// Stops the server. It must still have been running (a server does not exit by itself;
    /// mvx exiting with 86 would be a divergence), must leave no process behind, and under mvx
    /// must not have reported a divergence.
    fn stop(mut self) -> Output {
        let (out, exited_before) = self.kill_and_collect();
        let out = out.unwrap_or_else(|e| panic!("{} server: {e}", self.label));
        if let Some(status) = exited_before {
            panic!(
                "{} server exited by itself ({status}) while it should have been serving\n{}",
                self.label,
                out.context()
            );
        }
        assert!(
            !out.has_divergence_line(),
            "{} server: mvx reported a divergence\n{}",
            self.label,
            out.context()
        );
        out
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.stopped {
            kill_group(&mut self.child);
        }
    }
}

/// Waits up to `wait` for every process of group `pgid` to be gone (zombies count as gone);
/// returns the pids still running after that.
fn live_processes_in_group(pgid: i32, wait: Duration) -> Vec<i32> {
    let deadline = Instant::now() + wait;
    loop {
        let live = processes_in_group(pgid);
        if live.is_empty() || Instant::now() > deadline {
            return live;
        }
        thread::sleep(Duration::from_millis(50));
    }
}

fn processes_in_group(pgid: i32) -> Vec<i32> {
    let mut pids = Vec::new();
    for (pid, dir) in all_processes() {
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else {
            continue;
        };
        // After the command name: state, ppid, pgrp.
        let Some((_, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        if fields.len() > 2 && fields[0] != "Z" && fields[0] != "X" && fields[2] == pgid.to_string()
        {
            pids.push(pid);
        }
    }
    pids
}

// ---------------------------------------------------------------------------
// Clients

fn curl(args: &[&str]) -> Output {
    let mut cmd = Command::new(tool("curl", "curl"));
    cmd.args(["-s", "-S", "--max-time", "10"]).args(args);
    run_timeout(&mut cmd, None, CLIENT_TIMEOUT)
}

/// The response to each request (`curl` arguments), checked to succeed, in order.
fn curl_all(server: &mut Server, requests: &[Vec<String>]) -> Vec<String> {
    let mut responses = Vec::new();
    for request in requests {
        let args: Vec<&str> = request.iter().map(String::as_str).collect();
        let out = curl(&args);
        if out.status.code() != Some(0) {
            server.client_failed(&format!("curl {request:?} failed"), &out);
        }
        responses.push(out.stdout_str());
    }
    responses
}

/// `ab -c C -n N URL`; checks every request completed and none failed, and returns the
/// "Document Length" line (the size of the page as ab saw it).
fn ab(server: &mut Server, concurrency: usize, requests: usize, url: &str) -> String {
    let mut cmd = Command::new(tool("ab", "apache2-utils"));
    cmd.args([
        "-s",
        "20",
        "-c",
        &concurrency.to_string(),
        "-n",
        &requests.to_string(),
    ])
    .arg(url);
    let start = Instant::now();
    let out = run_timeout(&mut cmd, None, LOAD_TIMEOUT);
    eprintln!(
        "{}: ab -c {concurrency} -n {requests} in {:?}",
        server.label,
        start.elapsed()
    );
    if out.status.code() != Some(0) {
        server.client_failed("ab failed", &out);
    }
    let text = out.stdout_str();
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
    };
    if field("Complete requests:") != Some(requests.to_string()) {
        server.client_failed(&format!("not all {requests} requests completed"), &out);
    }
    if field("Failed requests:") != Some("0".into()) {
        server.client_failed("some requests failed", &out);
    }
    if field("Non-2xx responses:").is_some() {
        server.client_failed("some responses were not 2xx", &out);
    }
    field("Document Length:")
        .unwrap_or_else(|| server.client_failed("ab printed no Document Length", &out))
}

// ---------------------------------------------------------------------------
// tinyhttpd: thread per connection, 1-byte recv, stat/open/send, CGI through fork + pipes

const CGI_SCRIPT: &str = "#!/bin/sh\n\
printf 'Content-Type: text/plain\\r\\n\\r\\n'\n\
echo \"method=$REQUEST_METHOD query=$QUERY_STRING length=$CONTENT_LENGTH\"\n\
echo \"body:\"\n\
cat\n\
echo\n\
echo \"done\"\n";

/// A document root with an index page, a larger text page and a CGI script.
fn docroot(tag: &str) -> TempDir {
    let dir = TempDir::new(tag);
    // mini_httpd, started as root, serves as the user nobody.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(
        dir.join("index.html"),
        "<html><body><h1>mvx acceptance</h1><p>served once, checked twice</p></body></html>\n",
    )
    .unwrap();
    std::fs::write(dir.join("page.txt"), generated_text(60)).unwrap();
    let cgi = dir.join("cgi-bin");
    std::fs::create_dir(&cgi).unwrap();
    std::fs::set_permissions(&cgi, std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = cgi.join("echo.sh");
    std::fs::write(&script, CGI_SCRIPT).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn tinyhttpd_requests(server: &Server) -> Vec<Vec<String>> {
    let get = |path: &str| vec!["-i".to_owned(), server.url(path)];
    vec![
        get("/"),
        get("/index.html"),
        get("/page.txt"),
        get("/missing.html"),
        get("/cgi-bin/echo.sh?name=mvx&n=3"),
        vec![
            "-i".into(),
            "--data-binary".into(),
            "posted=body&x=1".into(),
            server.url("/cgi-bin/echo.sh?post=1"),
        ],
    ]
}

/// The responses (headers and bodies) of the curl requests and ab's document length.
fn tinyhttpd_session(mode: Mode) -> (Vec<String>, String, String) {
    let root = docroot("tinyhttpd");
    let binary = example("tinyhttpd");
    let mut server = Server::announcing(mode, &binary, &[OsStr::new("0"), root.path().as_os_str()]);
    let requests = tinyhttpd_requests(&server);
    let before = curl_all(&mut server, &requests);
    let url = server.url("/page.txt");
    let length = ab(&mut server, 8, 1000, &url);
    let after = curl_all(&mut server, &requests);
    server.stop();
    let all = before.join("\n----\n");
    assert_eq!(
        all,
        after.join("\n----\n"),
        "{}: responses changed under load",
        mode.label()
    );
    (before, length, all)
}

fn tinyhttpd_serves_like_native(n: usize) {
    let (native, native_len, _) = tinyhttpd_session(Mode::Native);
    assert!(
        native[4].contains("method=GET query=name=mvx&n=3"),
        "{native:?}"
    );
    assert!(native[5].contains("posted=body&x=1"), "{native:?}");
    let (under, len, _) = tinyhttpd_session(Mode::Mvx(n));
    assert_eq!(native_len, len, "ab's document length differs from native");
    for (k, (a, b)) in native.iter().zip(&under).enumerate() {
        assert_eq!(a, b, "response {k} differs from native");
    }
}

/// Each connection is a new thread, so a new lock-step group: the sync buffer's slots (64)
/// are given back as threads end, and the 100th connection's 1-byte recvs still take the fast
/// path at socket-rw instead of a monitor round trip each.
#[test]
fn tinyhttpd_keeps_the_fast_path_past_64_threads() {
    const CONNECTIONS: usize = 100;
    let root = docroot("tinyhttpd-slots");
    let report = root.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "-n", "2", "--monitor-level", "socket-rw", "--report"])
        .arg(&report)
        .arg("--")
        .arg(example("tinyhttpd"))
        .arg("0")
        .arg(root.path());
    let mut server = Server::announcing_from(Mode::Mvx(2), cmd);
    let url = server.url("/index.html");
    for _ in 0..CONNECTIONS {
        let out = curl(&[&url]);
        if !out.stdout_str().contains("mvx acceptance") {
            server.client_failed("curl got another page", &out);
        }
    }
    let out = server.terminate();
    assert_eq!(out.code(), 128 + libc::SIGTERM, "{}", out.context());
    let (text, json) = read_report(&report);
    let by_name = |name: &str| -> u64 {
        json["syscalls_by_name"]
            .as_array()
            .unwrap_or_else(|| panic!("{text}"))
            .iter()
            .filter(|e| e[0].as_str() == Some(name))
            .map(|e| e[1].as_u64().unwrap_or(0))
            .sum()
    };
    // Every connection makes one clone3 in lock-step (threads are always created there)...
    assert!(
        by_name("clone3") + by_name("clone") >= CONNECTIONS as u64,
        "{text}"
    );
    // ...and reads its request a byte at a time (~80 recvs) without one.
    assert!(
        by_name("recvfrom") < 10,
        "{} recvfrom in lock-step for {CONNECTIONS} connections\n{text}",
        by_name("recvfrom")
    );
}

/// Sixteen connections at once: sixteen threads, so glibc's malloc makes arenas as contention
/// dictates, differently in each variant. Served at socket-rw with no alarm (mvx gives malloc a
/// fixed arena limit, so no variant reads the CPU count at a point the others do not).
#[test]
fn tinyhttpd_under_16_concurrent_connections_at_socket_rw() {
    let root = docroot("tinyhttpd-16");
    let binary = example("tinyhttpd");
    let mut server = Server::announcing(
        Mode::MvxAt("socket-rw"),
        &binary,
        &[OsStr::new("0"), root.path().as_os_str()],
    );
    let url = server.url("/page.txt");
    let length = ab(&mut server, 16, 3000, &url);
    assert_eq!(length, format!("{} bytes", generated_text(60).len()));
    let out = server.terminate();
    assert_no_divergence(&out);
    assert_eq!(out.code(), 128 + libc::SIGTERM, "{}", out.context());
}

/// Python's `http.server` (a thread per request, under CPython's GIL) with four clients at
/// once: each response's `Date:` header and log line read the realtime clock in the request's
/// thread. A follower's thread that read it while its leader twin waited for the GIL used its
/// own clock, and about half the runs of 100 requests ended in a false alarm on a second that
/// differed; now the first read of a position is every variant's value.
#[test]
fn python_http_server_under_4_concurrent_clients() {
    let root = docroot("python-http");
    let port = free_port();
    let port_arg = port.to_string();
    let args: Vec<&OsStr> = ["-m", "http.server", "--bind", "127.0.0.1", &port_arg]
        .into_iter()
        .map(OsStr::new)
        .collect();
    let mut server = Server::on_port(Mode::Mvx(2), Path::new(PYTHON), &args, port, root.path());
    let url = server.url("/page.txt");
    let length = ab(&mut server, 4, 300, &url);
    assert_eq!(length, format!("{} bytes", generated_text(60).len()));
    server.stop();
}

/// Our own example, natively: the test's expectations hold without mvx.
#[test]
fn tinyhttpd_native_baseline() {
    let (responses, length, _) = tinyhttpd_session(Mode::Native);
    assert!(
        responses[0].starts_with("HTTP/1.0 200 OK\r\n"),
        "{responses:?}"
    );
    assert!(responses[3].starts_with("HTTP/1.0 404"), "{responses:?}");
    assert!(
        responses[5].contains("method=POST query=post=1 length=15"),
        "{responses:?}"
    );
    assert_eq!(length, format!("{} bytes", generated_text(60).len()));
}

#[test]
fn tinyhttpd_ab_1000_n2() {
    tinyhttpd_serves_like_native(2);
}

#[test]
fn tinyhttpd_ab_1000_n3() {
    tinyhttpd_serves_like_native(3);
}

// ---------------------------------------------------------------------------
// mini_httpd: fork per request

fn mini_httpd_session(mode: Mode) -> (Vec<String>, String) {
    let root = docroot("mini-httpd");
    let port = free_port();
    let port_arg = port.to_string();
    let args: Vec<&OsStr> = vec![
        OsStr::new("-D"),
        OsStr::new("-p"),
        OsStr::new(&port_arg),
        OsStr::new("-h"),
        OsStr::new("127.0.0.1"),
        OsStr::new("-d"),
        root.path().as_os_str(),
        OsStr::new("-l"),
        OsStr::new("/dev/null"),
    ];
    let binary = tool("mini_httpd", "mini-httpd");
    let mut server = Server::on_port(mode, &binary, &args, port, root.path());
    // mini_httpd's headers carry the date: compare bodies and status codes.
    let body_and_code = |path: &str| {
        vec![
            "-w".to_owned(),
            "\n%{http_code}\n".to_owned(),
            server.url(path),
        ]
    };
    let requests = vec![
        body_and_code("/"),
        body_and_code("/index.html"),
        body_and_code("/page.txt"),
        body_and_code("/missing.html"),
    ];
    let before = curl_all(&mut server, &requests);
    let url = server.url("/index.html");
    let length = ab(&mut server, 8, 2000, &url);
    let after = curl_all(&mut server, &requests);
    server.stop();
    assert_eq!(
        before,
        after,
        "{}: responses changed under load",
        mode.label()
    );
    (before, length)
}

#[test]
fn mini_httpd_ab_2000_n2() {
    let (native, native_len) = mini_httpd_session(Mode::Native);
    assert!(native[0].ends_with("\n200\n"), "{native:?}");
    assert!(native[3].ends_with("\n404\n"), "{native:?}");
    let (under, len) = mini_httpd_session(Mode::Mvx(2));
    assert_eq!(native_len, len, "ab's document length differs from native");
    assert_eq!(native, under, "responses differ from native");
}

/// At socket-rw its accepts, closes and socket I/O take the fast path while every connection
/// is served by a forked child whose SIGCHLD can interrupt the leader and the follower at
/// different points (the leader inside a fast wait): their fd classes must still agree.
#[test]
fn mini_httpd_ab_2000_at_socket_rw() {
    let (native, native_len) = mini_httpd_session(Mode::Native);
    let (under, len) = mini_httpd_session(Mode::MvxAt("socket-rw"));
    assert_eq!(native_len, len, "ab's document length differs from native");
    assert_eq!(native, under, "responses differ from native");
}

// ---------------------------------------------------------------------------
// redis-server

const REDIS_BEFORE: &str = "SET greeting hello\nGET greeting\nINCRBY counter 41\nINCR counter\n\
RPUSH letters a b c\nLRANGE letters 0 -1\nSET greeting world XX\nGET greeting\nEXISTS nothing\n";
const REDIS_AFTER: &str = "GET greeting\nGET counter\nLLEN letters\nDBSIZE\n";

/// The benchmark's tests: the full default set takes minutes under mvx (about 1,600
/// requests/s in a debug build), so SET and GET, 20000 requests each.
const REDIS_BENCH_TESTS: &[&str] = &["SET", "GET"];

fn redis_cli(server: &mut Server, script: &str) -> String {
    let mut cmd = Command::new(tool("redis-cli", "redis-tools"));
    cmd.args(["-h", "127.0.0.1", "-p", &server.port.to_string()]);
    let out = run_timeout(&mut cmd, Some(script.as_bytes()), CLIENT_TIMEOUT);
    if out.status.code() != Some(0) || out.stdout_str().contains("ERR") {
        server.client_failed("redis-cli failed", &out);
    }
    out.stdout_str()
}

fn redis_session(mode: Mode) -> (String, String) {
    let dir = TempDir::new("redis");
    let port = free_port();
    let port_arg = port.to_string();
    let args = [
        "--port",
        &port_arg,
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
    ]
    .map(OsStr::new);
    let binary = tool("redis-server", "redis-server");
    let mut server = Server::on_port(mode, &binary, &args, port, dir.path());
    let before = redis_cli(&mut server, REDIS_BEFORE);
    let mut cmd = Command::new(tool("redis-benchmark", "redis-tools"));
    cmd.args([
        "-q",
        "-n",
        "20000",
        "-h",
        "127.0.0.1",
        "-p",
        &port_arg,
        "-t",
    ])
    .arg(REDIS_BENCH_TESTS.join(",").to_lowercase());
    let start = Instant::now();
    let bench = run_timeout(&mut cmd, None, LOAD_TIMEOUT);
    eprintln!("{}: redis-benchmark in {:?}", mode.label(), start.elapsed());
    if bench.status.code() != Some(0) {
        server.client_failed("redis-benchmark failed", &bench);
    }
    // -q prints one "NAME: R requests per second" line per finished test (progress lines
    // end with a carriage return).
    let text = bench.stdout_str();
    let finished: Vec<&str> = text
        .split(['\r', '\n'])
        .filter(|l| l.contains("requests per second"))
        .filter_map(|l| l.split(':').next())
        .map(str::trim)
        .collect();
    if finished != REDIS_BENCH_TESTS {
        server.client_failed(
            &format!("benchmark tests finished: {finished:?}, expected {REDIS_BENCH_TESTS:?}"),
            &bench,
        );
    }
    let after = redis_cli(&mut server, REDIS_AFTER);
    // Ended as a service manager does: redis-server shuts down by itself on SIGTERM (its
    // main thread reads the clock on the way out, after its thread-locals are gone).
    let label = mode.label();
    let out = server.terminate();
    assert_no_divergence(&out);
    assert_eq!(
        out.code(),
        0,
        "{label}: SIGTERM should end redis cleanly\n{}",
        out.context()
    );
    (before, after)
}

#[test]
fn redis_benchmark_n2() {
    let native = redis_session(Mode::Native);
    assert_eq!(native.0, "OK\nhello\n41\n42\n3\na\nb\nc\nOK\nworld\n0\n");
    let under = redis_session(Mode::Mvx(2));
    assert_eq!(native, under, "redis-cli answers differ from native");
}

// ---------------------------------------------------------------------------
// memcached: 4 worker threads

/// A memcached client: THREADS connections at once, each setting, reading back, incrementing
/// and multi-getting its own keys, then reading the others'; prints a digest of everything read.
const MEMCACHED_CLIENT: &str = r#"
import hashlib, socket, sys, threading

PORT = int(sys.argv[1])
THREADS, KEYS = 4, 150

def value(t, i):
    return (f"v{t}-{i}-" + "x" * ((t * 37 + i * 11) % 300)).encode()

class Conn:
    def __init__(self):
        self.s = socket.create_connection(("127.0.0.1", PORT), timeout=20)
        self.buf = b""
    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line
    def exact(self, n):
        while len(self.buf) < n + 2:
            chunk = self.s.recv(65536)
            if not chunk:
                raise EOFError("connection closed")
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data
    def cmd(self, text, data=None):
        self.s.sendall(text.encode() + b"\r\n" + (data + b"\r\n" if data is not None else b""))
    def get(self, *keys):
        self.cmd("get " + " ".join(keys))
        found = {}
        while True:
            line = self.line()
            if line == b"END":
                return found
            _, key, _, n = line.split()
            found[key.decode()] = self.exact(int(n))

errors, digests = [], [None] * THREADS

def worker(t):
    try:
        c = Conn()
        h = hashlib.sha256()
        for i in range(KEYS):
            v = value(t, i)
            c.cmd(f"set k{t}:{i} {i} 0 {len(v)}", v)
            assert c.line() == b"STORED"
            got = c.get(f"k{t}:{i}")
            assert got == {f"k{t}:{i}": v}, (t, i, got)
            h.update(got[f"k{t}:{i}"])
        c.cmd(f"set n{t} 0 0 1", b"0")
        assert c.line() == b"STORED"
        for i in range(50):
            c.cmd(f"incr n{t} {i}")
            h.update(c.line())
        keys = [f"k{t}:{i}" for i in range(0, KEYS, 7)]
        got = c.get(*keys)
        assert got == {k: value(t, int(k.split(":")[1])) for k in keys}, (t, "multi-get")
        c.cmd(f"delete k{t}:0")
        assert c.line() == b"DELETED"
        assert c.get(f"k{t}:0") == {}
        digests[t] = h.hexdigest()
    except Exception as e:
        errors.append(f"thread {t}: {e!r}")

threads = [threading.Thread(target=worker, args=(t,)) for t in range(THREADS)]
for th in threads:
    th.start()
for th in threads:
    th.join(60)
if errors or None in digests:
    print("errors:", errors, file=sys.stderr)
    sys.exit(1)
c = Conn()
everyone = c.get(*[f"k{t}:{i}" for t in range(THREADS) for i in range(1, KEYS, 13)])
assert everyone == {f"k{t}:{i}": value(t, i) for t in range(THREADS) for i in range(1, KEYS, 13)}
for t in range(THREADS):
    print(t, digests[t])
print("ok", len(everyone))
"#;

fn memcached_session(mode: Mode) -> String {
    let dir = TempDir::new("memcached");
    let client = dir.join("client.py");
    std::fs::write(&client, MEMCACHED_CLIENT).unwrap();
    let port = free_port();
    let port_arg = port.to_string();
    let mut args = vec!["-t", "4", "-p", &port_arg, "-l", "127.0.0.1"];
    if is_root() {
        args.extend(["-u", "root"]); // memcached refuses to run as root without it
    }
    let args: Vec<&OsStr> = args.into_iter().map(OsStr::new).collect();
    let binary = tool("memcached", "memcached");
    let mut server = Server::on_port(mode, &binary, &args, port, dir.path());
    let checked = run_timeout(
        Command::new(PYTHON).arg(&client).arg(&port_arg),
        None,
        LOAD_TIMEOUT,
    );
    if checked.status.code() != Some(0) {
        server.client_failed("the checking client failed", &checked);
    }
    let memcslap = tool("memcslap", "libmemcached-tools");
    for test in ["set", "get"] {
        let start = Instant::now();
        let load = run_timeout(
            Command::new(&memcslap)
                .arg(format!("--servers=127.0.0.1:{port}"))
                .args([
                    "--test",
                    test,
                    "--concurrency",
                    "8",
                    "--execute-number",
                    "500",
                ]),
            None,
            LOAD_TIMEOUT,
        );
        eprintln!(
            "{}: memcslap --test {test} in {:?}",
            mode.label(),
            start.elapsed()
        );
        if load.status.code() != Some(0) || !load.stderr.is_empty() {
            server.client_failed(&format!("memcslap --test {test} failed"), &load);
        }
    }
    // The checked values are still there after the load.
    let again = run_timeout(
        Command::new(PYTHON).arg(&client).arg(&port_arg),
        None,
        LOAD_TIMEOUT,
    );
    if again.stdout != checked.stdout {
        server.client_failed("the checking client's second run differs", &again);
    }
    server.stop();
    checked.stdout_str()
}

#[test]
fn memcached_get_set_n2() {
    let native = memcached_session(Mode::Native);
    assert!(native.ends_with("ok 48\n"), "{native}");
    let under = memcached_session(Mode::Mvx(2));
    assert_eq!(native, under, "the client's answers differ from native");
}

/// The same at socket-rw, where reads and writes take the fast path. memcached's dispatcher
/// thread queues each new connection in memory and then writes a notify pipe that the worker
/// thread waits on: had the leader's write run ahead of the follower's, the follower's worker
/// would read the leader's notification before its own dispatcher had queued the connection,
/// find its queue empty, and go back to `epoll_wait` where the leader's worker served the
/// connection (a false alarm seen before writes to pipes made inside the run were kept in
/// lock-step).
#[test]
fn memcached_get_set_at_socket_rw() {
    let native = memcached_session(Mode::Native);
    let under = memcached_session(Mode::MvxAt("socket-rw"));
    assert_eq!(native, under, "the client's answers differ from native");
}

// ---------------------------------------------------------------------------
// sqlite3 in WAL mode: the WAL index is a MAP_SHARED mapping of the -shm file

const WAL_SCRIPT: &str = "\
PRAGMA journal_mode=WAL;
CREATE TABLE items(id INTEGER PRIMARY KEY, name TEXT NOT NULL, qty INTEGER, price REAL);
INSERT INTO items(name, qty, price) VALUES ('bolt', 100, 0.25), ('nut', 250, 0.1), ('gear', 7, 12.5);
CREATE INDEX items_name ON items(name);
BEGIN;
INSERT INTO items(name, qty, price) SELECT name || '-large', qty * 2, price * 3 FROM items;
UPDATE items SET qty = qty - 1 WHERE name LIKE '%-large';
DELETE FROM items WHERE name = 'nut-large';
COMMIT;
BEGIN;
INSERT INTO items(name, qty, price) VALUES ('rolled back', 1, 1);
ROLLBACK;
SELECT id, name, qty, printf('%.2f', price) FROM items ORDER BY name;
SELECT count(*), sum(qty) FROM items WHERE name >= 'g';
PRAGMA wal_checkpoint(TRUNCATE);
PRAGMA integrity_check;
";

#[test]
fn sqlite3_wal_script_matches_native() {
    let sqlite3 = tool("sqlite3", "sqlite3");
    let native_dir = TempDir::new("sqlite-wal-native");
    let mvx_dir = TempDir::new("sqlite-wal-mvx");
    let native = Prog::new(&sqlite3)
        .arg(native_dir.join("wal.db"))
        .stdin(WAL_SCRIPT)
        .run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    assert!(
        native.stdout_str().starts_with("wal\n"),
        "{}",
        native.context()
    );
    let under = Prog::new(&sqlite3)
        .arg(mvx_dir.join("wal.db"))
        .stdin(WAL_SCRIPT)
        .run_mvx(2);
    assert_no_divergence(&under);
    assert_eq!(
        (native.code(), native.stdout_str(), native.stderr_str()),
        (under.code(), under.stdout_str(), under.stderr_str()),
        "sqlite3 under mvx differs from native\n{}",
        under.context()
    );
    // The database the leader wrote is the one native wrote.
    let dump = |dir: &TempDir| {
        let out = Prog::new(&sqlite3)
            .arg(dir.join("wal.db"))
            .arg(".dump")
            .run_native();
        assert_eq!(out.code(), 0, "{}", out.context());
        out.stdout_str()
    };
    assert_eq!(dump(&native_dir), dump(&mvx_dir));
}

// ---------------------------------------------------------------------------
// Python multiprocessing.shared_memory between a parent and a forked child

const SHARED_MEMORY_SCRIPT: &str = r#"
import multiprocessing as mp
from multiprocessing import shared_memory

N = 4096

def child(name):
    shm = shared_memory.SharedMemory(name=name)
    data = bytes(shm.buf[:N])
    shm.buf[N:N + 8] = sum(data).to_bytes(8, "little")
    shm.buf[N + 8:2 * N + 8] = data[::-1]
    shm.close()

if __name__ == "__main__":
    mp.set_start_method("fork")
    shm = shared_memory.SharedMemory(create=True, size=3 * N)
    try:
        shm.buf[:N] = bytes((i * 7 + 3) % 251 for i in range(N))
        p = mp.Process(target=child, args=(shm.name,))
        p.start()
        p.join(30)
        print("child exit code", p.exitcode)
        print("sum from the child", int.from_bytes(bytes(shm.buf[N:N + 8]), "little"))
        back = bytes(shm.buf[N + 8:2 * N + 8])
        print("reversed by the child", back == bytes(shm.buf[:N])[::-1])
        print("first bytes", back[:8].hex())
    finally:
        shm.close()
        shm.unlink()
"#;

#[test]
fn python_shared_memory_matches_native() {
    let dir = TempDir::new("shared-memory");
    let script = dir.join("shm.py");
    std::fs::write(&script, SHARED_MEMORY_SCRIPT).unwrap();
    let prog = Prog::new(PYTHON).arg(&script);
    let (native, _) = assert_same_as_native(&prog, 2);
    assert_eq!(
        native.stdout_str(),
        "child exit code 0\nsum from the child 511308\nreversed by the child True\n\
         first bytes 362f28211a130c05\n",
        "{}",
        native.context()
    );
}

// ---------------------------------------------------------------------------
// SCM_RIGHTS: a pipe's write end passed to a child over a unix socketpair

#[test]
fn scm_rights_fd_passing_matches_native() {
    let dir = TempDir::new("scm-rights");
    let input = dir.join("input.txt");
    std::fs::write(&input, generated_text(20)).unwrap();
    let prog = Prog::new(example("scm-rights")).arg(&input);
    let (native, _) = assert_same_as_native(&prog, 2);
    assert!(
        native
            .stdout_str()
            .starts_with("child: writing through the fd it was passed\n"),
        "{}",
        native.context()
    );
    assert!(
        native.stdout_str().ends_with("child exited with 0\n"),
        "{}",
        native.context()
    );
}

// ---------------------------------------------------------------------------
// OpenSSL's random generator

#[test]
fn openssl_rand_once_n2() {
    let out = Prog::new(tool("openssl", "openssl"))
        .args(["rand", "-hex", "32"])
        .run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert!(out.warnings().is_empty(), "{}", out.context());
    let text = out.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "one output expected\n{}", out.context());
    assert!(
        lines[0].len() == 64 && lines[0].bytes().all(|b| b.is_ascii_hexdigit()),
        "{}",
        out.context()
    );
}

// ---------------------------------------------------------------------------

/// The tools above, all present (a machine without them fails here with the package names).
#[test]
fn server_tools_are_installed() {
    for (name, package) in [
        ("ab", "apache2-utils"),
        ("curl", "curl"),
        ("mini_httpd", "mini-httpd"),
        ("redis-server", "redis-server"),
        ("redis-cli", "redis-tools"),
        ("redis-benchmark", "redis-tools"),
        ("memcached", "memcached"),
        ("memcslap", "libmemcached-tools"),
        ("sqlite3", "sqlite3"),
        ("openssl", "openssl"),
    ] {
        tool(name, package);
    }
    assert!(
        Path::new(PYTHON).is_file(),
        "{PYTHON} is missing: install python3"
    );
}
