//! Security end to end: real exploits against the deliberately vulnerable servers of
//! examples/vuln. For each: natively the exploit runs its shell command (the marker file
//! appears); under mvx with two variants built by mvx-cc it is caught (a divergence report
//! naming the syscall where the variants parted) and the marker never appears; and ordinary
//! clients get correct answers from the same server under mvx with no alarm.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const PYTHON: &str = "/usr/bin/python3";

fn exploit_script() -> PathBuf {
    repo_root().join("examples/vuln/exploit.py")
}

/// A server running in the background, natively or under mvx, and the port it announced.
struct Served {
    bg: Background,
    port: u16,
}

impl Served {
    fn start(cmd: &mut Command) -> Served {
        let mut bg = Background::start(cmd);
        let line = bg.wait_for_line(|l| l.starts_with("port "), TIMEOUT);
        let port = line["port ".len()..].trim().parse().unwrap_or_else(|e| {
            let context = bg.kill_and_context();
            panic!("bad port line {line:?}: {e}\n{context}")
        });
        Served { bg, port }
    }

    fn native(server: &str, marker: &Path) -> Served {
        Served::start(Command::new(example(server)).arg("0").arg(marker))
    }

    /// Under mvx with the two mvx-cc variants of `server`, at `level`.
    fn mvx(server: &str, marker: &Path, report: &Path, level: &str) -> Served {
        Served::variants(&format!("{server}-mvx"), marker, report, level, &[])
    }

    /// Under mvx with the variants `{prefix}.v0` and `{prefix}.v1`, at `level`, with more
    /// options of `mvx run`.
    fn variants(
        prefix: &str,
        marker: &Path,
        report: &Path,
        level: &str,
        options: &[&str],
    ) -> Served {
        let mut cmd = Command::new(mvx_bin());
        cmd.args(["run", "--monitor-level", level, "--report"])
            .arg(report)
            .args(options)
            .arg("--variant")
            .arg(example(&format!("{prefix}.v0")))
            .arg("--variant")
            .arg(example(&format!("{prefix}.v1")))
            .arg("--")
            .arg("0")
            .arg(marker);
        Served::start(&mut cmd)
    }

    fn client(&self, args: &[&str]) -> Output {
        run_timeout(
            Command::new(PYTHON)
                .arg(exploit_script())
                .args(args)
                .arg("--port")
                .arg(self.port.to_string()),
            None,
            Duration::from_secs(30),
        )
    }
}

fn attack(served: &Served, kind: &str, binary: &Path) -> Output {
    attack_studying(served, kind, &[binary.to_path_buf()])
}

/// The attack with every binary the attacker studied (`rop` picks the one the leak matches).
fn attack_studying(served: &Served, kind: &str, binaries: &[PathBuf]) -> Output {
    let mut args = vec![kind.to_string()];
    for binary in binaries {
        args.push("--binary".into());
        args.push(binary.to_str().expect("utf-8 path").into());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    served.client(&args)
}

/// The exploit works against the native server: its shell command creates the marker.
fn native_exploit_succeeds(server: &str, kind: &str) {
    let dir = TempDir::new(&format!("vuln-native-{kind}"));
    let marker = dir.join("pwned");
    let mut served = Served::native(server, &marker);
    let out = attack(&served, kind, &example(server));
    let context = served.bg.kill_and_context();
    assert!(
        marker.exists(),
        "the exploit did not work natively\n{}\n=== server ===\n{context}",
        out.context()
    );
}

/// Under mvx (2 variants from mvx-cc) the exploit, aimed at variant 1, is caught: mvx exits
/// with the divergence status, the report names the syscall, the marker never appears.
fn mvx_catches_exploit(server: &str, kind: &str, level: &str) -> Output {
    mvx_catches_exploit_studying(server, kind, level, &[example(&format!("{server}-mvx.v1"))])
}

/// The same, with the attacker knowing the binaries `targets`; returns the exploit's output.
fn mvx_catches_exploit_studying(
    server: &str,
    kind: &str,
    level: &str,
    targets: &[PathBuf],
) -> Output {
    let dir = TempDir::new(&format!("vuln-mvx-{kind}"));
    let marker = dir.join("pwned");
    let report = dir.join("report.json");
    let served = Served::mvx(server, &marker, &report, level);
    let out = attack_studying(&served, kind, targets);
    let under = served.bg.finish(Duration::from_secs(30));
    assert_eq!(
        under.code(),
        DIVERGENCE_STATUS,
        "{level}: mvx did not stop the exploit\n{}\n=== exploit ===\n{}",
        under.context(),
        out.context()
    );
    assert!(
        !marker.exists(),
        "{level}: the exploit's command ran under mvx"
    );
    let (text, json) = read_report(&report);
    let syscall = json["divergence"]["syscall"].as_str().unwrap_or("");
    assert!(
        !syscall.is_empty(),
        "{level}: the report names no syscall\n{text}"
    );
    let closed = out
        .stdout_str()
        .lines()
        .find(|l| l.starts_with("closed after"))
        .unwrap_or("")
        .to_string();
    eprintln!(
        "{server} ({kind}) at {level}: caught at {syscall}; {closed}: {}",
        json["divergence"]["message"]
    );
    out
}

/// Ordinary clients get the native answers from the server under mvx, and nothing alarms.
fn normal_clients_are_served(server: &str, kind: &str, expected: &str) {
    let dir = TempDir::new(&format!("vuln-normal-{kind}"));
    let marker = dir.join("pwned");
    let report = dir.join("report.json");
    let mut served = Served::mvx(server, &marker, &report, &monitor_level());
    for _ in 0..3 {
        let out = served.client(&[&format!("normal-{kind}")]);
        if out.stdout_str() != expected {
            let context = served.bg.kill_and_context();
            panic!(
                "wrong answer under mvx\n{}\n=== server ===\n{context}",
                out.context()
            );
        }
    }
    // SAFETY: plain kill(2) of the mvx process we started.
    unsafe { libc::kill(served.bg.id() as libc::pid_t, libc::SIGTERM) };
    let under = served.bg.finish(Duration::from_secs(30));
    assert!(!under.has_divergence_line(), "{}", under.context());
    assert_eq!(under.code(), 128 + libc::SIGTERM, "{}", under.context());
}

#[test]
fn stack_overflow_exploit_works_natively() {
    native_exploit_succeeds("vuln-stack", "stack");
}

#[test]
fn stack_overflow_exploit_is_caught_under_mvx() {
    mvx_catches_exploit("vuln-stack", "stack", "strict");
    mvx_catches_exploit("vuln-stack", "stack", "socket-rw");
}

#[test]
fn stack_overflow_server_serves_normal_clients_under_mvx() {
    normal_clients_are_served("vuln-stack", "stack", "hello alice\n");
}

#[test]
fn heap_overflow_exploit_works_natively() {
    native_exploit_succeeds("vuln-heap", "heap");
}

#[test]
fn heap_overflow_exploit_is_caught_under_mvx() {
    mvx_catches_exploit("vuln-heap", "heap", "strict");
    mvx_catches_exploit("vuln-heap", "heap", "socket-rw");
}

#[test]
fn heap_overflow_server_serves_normal_clients_under_mvx() {
    normal_clients_are_served("vuln-heap", "heap", "welcome alice\n");
}

// The use-after-free (examples/vuln/vuln-uaf.c): a note reuses a freed session and forges
// its handler pointer. The default profile's position-dependent variants are linked 256 MiB
// apart, so the forged code address exists in one variant only.

#[test]
fn use_after_free_exploit_works_natively() {
    native_exploit_succeeds("vuln-uaf", "uaf");
}

#[test]
fn use_after_free_exploit_is_caught_under_mvx() {
    mvx_catches_exploit("vuln-uaf", "uaf", "strict");
    mvx_catches_exploit("vuln-uaf", "uaf", "socket-rw");
}

#[test]
fn use_after_free_server_serves_normal_clients_under_mvx() {
    normal_clients_are_served(
        "vuln-uaf",
        "uaf",
        "welcome alice\nyou are alice\nnoted 5\nbye\n",
    );
}

// The leak and return-oriented chain (examples/vuln/vuln-rop.c): an over-read leaks the
// stack up to the return address, and the overflow returns through gadgets of the PIE.

#[test]
fn leak_and_rop_chain_exploit_works_natively() {
    native_exploit_succeeds("vuln-rop", "rop");
}

#[test]
fn leak_and_rop_chain_exploit_is_caught_under_mvx() {
    // The attacker knows both variants and builds the chain for whichever one the leak
    // came from. The over-read bytes differ between the variants (addresses, canary,
    // v1's pattern-initialised locals): at `strict` the leak never leaves; at `socket-rw` the
    // leader's leak does leave (fast-path writes are not held), and the run ends when the
    // follower's differing write is compared, before the chain can be returned through.
    let targets = [example("vuln-rop-mvx.v0"), example("vuln-rop-mvx.v1")];
    let strict = mvx_catches_exploit_studying("vuln-rop", "rop", "strict", &targets);
    assert!(
        strict.stdout_str().contains("no return address in 0 bytes"),
        "at strict the leak reached the attacker\n{}",
        strict.context()
    );
    mvx_catches_exploit_studying("vuln-rop", "rop", "socket-rw", &targets);
}

#[test]
fn rop_chain_valid_in_the_leader_is_caught_in_the_follower() {
    // The chain stage alone, without a leak under mvx: the attacker learns the leader's layout
    // from the same binary run natively with ASLR off (where mvx puts its leader: the same
    // load address, the same frame) and sends only the chain. v1 leads (no canary to guess).
    // The leader returns through the chain into system(); the follower dies first: v0 at its
    // stack canary, or v1 itself (no compile-time diversity) at addresses that partitioning
    // left unmapped 64 GiB below. The leader is held at system()'s first call, rt_sigaction.
    let leader = example("vuln-rop-mvx.v1");
    let dir = TempDir::new("vuln-rop-chain");
    let native_marker = dir.join("native-pwned");
    let mut native = Served::start(
        Command::new("setarch")
            .args(["x86_64", "-R"])
            .arg(&leader)
            .arg("0")
            .arg(&native_marker),
    );
    for follower in ["vuln-rop-mvx.v0", "vuln-rop-mvx.v1"] {
        for level in ["strict", "socket-rw"] {
            let marker = dir.join("pwned");
            let report = dir.join(format!("report-{follower}-{level}.json"));
            let mut cmd = Command::new(mvx_bin());
            cmd.args(["run", "--monitor-level", level, "--report"])
                .arg(&report)
                .arg("--variant")
                .arg(&leader)
                .arg("--variant")
                .arg(example(follower))
                .arg("--")
                .arg("0")
                .arg(&marker);
            let served = Served::start(&mut cmd);
            let leak_port = native.port.to_string();
            let out = served.client(&[
                "rop",
                "--leak-port",
                &leak_port,
                "--binary",
                leader.to_str().expect("utf-8 path"),
            ]);
            let under = served.bg.finish(Duration::from_secs(30));
            let context = format!(
                "{follower} at {level}\n{}\n=== exploit ===\n{}",
                under.context(),
                out.context()
            );
            assert_eq!(under.code(), DIVERGENCE_STATUS, "{context}");
            assert!(!marker.exists(), "the chain's command ran: {context}");
            assert!(
                out.stdout_str().contains("return-oriented chain: sent"),
                "the chain was not sent: {context}"
            );
            let (text, json) = read_report(&report);
            assert_eq!(
                json["divergence"]["syscall"], "rt_sigaction",
                "{context}\n{text}"
            );
            eprintln!(
                "follower {follower} at {level}: {}",
                json["divergence"]["message"]
            );
        }
    }
    let context = native.bg.kill_and_context();
    assert!(
        !native_marker.exists(),
        "the native server was attacked\n{context}"
    );
}

#[test]
fn rop_server_serves_normal_clients_under_mvx() {
    normal_clients_are_served("vuln-rop", "rop", "stored 5\nhello\n");
}

#[test]
fn leak_and_code_reuse_exploit_works_natively() {
    native_exploit_succeeds("vuln-leak", "leak");
}

#[test]
fn leak_and_code_reuse_exploit_is_caught_under_mvx() {
    mvx_catches_exploit("vuln-leak", "leak", "strict");
    mvx_catches_exploit("vuln-leak", "leak", "socket-rw");
}

#[test]
fn leak_server_serves_normal_clients_under_mvx() {
    normal_clients_are_served("vuln-leak", "leak", "hi there\nok\n");
}

#[test]
fn at_strict_the_leak_never_leaves() {
    // The leaked addresses differ between the variants, so the reply carrying them is the
    // first thing the variants disagree on: at `strict` it is never sent.
    let dir = TempDir::new("vuln-leak-strict");
    let marker = dir.join("pwned");
    let report = dir.join("report.json");
    let served = Served::mvx("vuln-leak", &marker, &report, "strict");
    let out = attack(&served, "leak", &example("vuln-leak-mvx.v1"));
    let under = served.bg.finish(Duration::from_secs(30));
    assert_eq!(under.code(), DIVERGENCE_STATUS, "{}", under.context());
    assert!(
        out.stdout_str().contains("no code pointer in 0 bytes"),
        "the leak reached the attacker\n{}",
        out.context()
    );
    let (text, json) = read_report(&report);
    assert_eq!(json["divergence"]["syscall"], "write", "{text}");
}

#[test]
fn partitioning_alone_catches_the_leak_in_one_binary() {
    // No compile-time diversity: both variants run the very same PIE, the one the attacker
    // studied. Address-space partitioning (executable, stack, libraries 64 GiB apart) makes
    // the very first leaked word (a libc address) differ; without it the first difference
    // is far into the reply (the per-process stack canary). The reply is caught at `strict`,
    // and at `socket-rw` the run ends before the second stage can use what the leader leaked.
    for level in ["strict", "socket-rw"] {
        let dir = TempDir::new(&format!("vuln-leak-one-binary-{level}"));
        let marker = dir.join("pwned");
        let report = dir.join("report.json");
        let mut cmd = Command::new(mvx_bin());
        cmd.args(["run", "-n", "2", "--monitor-level", level, "--report"])
            .arg(&report)
            .arg("--")
            .arg(example("vuln-leak"))
            .arg("0")
            .arg(&marker);
        let served = Served::start(&mut cmd);
        let out = attack(&served, "leak", &example("vuln-leak"));
        let under = served.bg.finish(Duration::from_secs(30));
        assert_eq!(
            under.code(),
            DIVERGENCE_STATUS,
            "{level}\n{}\n=== exploit ===\n{}",
            under.context(),
            out.context()
        );
        assert!(!marker.exists(), "{level}: the exploit's command ran");
        let (text, json) = read_report(&report);
        assert_eq!(json["divergence"]["syscall"], "write", "{level}: {text}");
        if level == "strict" {
            let message = json["divergence"]["message"].as_str().unwrap_or("");
            let at: usize = message
                .split("first difference at byte ")
                .nth(1)
                .and_then(|rest| rest.split(';').next())
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(usize::MAX);
            assert!(at < 16, "the leaked addresses agree: {text}");
        }
    }
}

// The data-only attack (examples/vuln/vuln-data.c): a user name overflows into the session's
// is_admin flag; no code address is involved, so code diversity alone does not see it.

/// The data-only exploit against `{prefix}.v0`/`.v1` under mvx at `level`: what happened.
struct DataAttack {
    caught: bool,
    marker_created: bool,
    context: String,
}

fn data_attack_under_mvx(prefix: &str, level: &str) -> DataAttack {
    let dir = TempDir::new(&format!("vuln-data-{level}"));
    let marker = dir.join("pwned");
    let report = dir.join("report.json");
    // At socket-rw the variant that kept its flag writes "denied" through the fast path while
    // the forged one is held at system()'s first lock-stepped call: told that the leader is
    // held (`LEADER_HELD_AT`), the follower makes its write the ordinary way and the two calls
    // are compared at once. The default window (30 s): caught within the 2 s below, not by
    // the window expiring.
    let served = Served::variants(prefix, &marker, &report, level, &[]);
    let out = served.client(&["data"]);
    // A caught attack has ended the run by the time the connection closed; an uncaught one
    // leaves the server serving: stop it (a signal to an exited, unreaped child is harmless).
    std::thread::sleep(Duration::from_secs(2));
    // SAFETY: plain kill(2) of the mvx process we started.
    unsafe { libc::kill(served.bg.id() as libc::pid_t, libc::SIGTERM) };
    let under = served.bg.finish(Duration::from_secs(30));
    let context = format!("{}\n=== exploit ===\n{}", under.context(), out.context());
    DataAttack {
        caught: under.code() == DIVERGENCE_STATUS,
        marker_created: marker.exists(),
        context,
    }
}

#[test]
fn data_only_exploit_works_natively() {
    let dir = TempDir::new("vuln-data-native");
    let marker = dir.join("pwned");
    let mut served = Served::native("vuln-data", &marker);
    let out = served.client(&["data"]);
    let context = served.bg.kill_and_context();
    assert!(
        marker.exists(),
        "the data-only exploit did not work natively\n{}\n=== server ===\n{context}",
        out.context()
    );
}

#[test]
fn data_only_exploit_is_caught_with_the_data_profile() {
    for level in ["strict", "socket-rw"] {
        let attack = data_attack_under_mvx("vuln-data-mvx-data", level);
        assert!(attack.caught, "{level}: no divergence\n{}", attack.context);
        assert!(
            !attack.marker_created,
            "{level}: the privileged action ran\n{}",
            attack.context
        );
    }
}

#[test]
fn data_only_exploit_is_not_caught_with_the_default_profile() {
    // The gap the data profile closes: both variants share the struct layout, both accept
    // the forged flag, and the privileged action runs with no alarm.
    let attack = data_attack_under_mvx("vuln-data-mvx", "strict");
    assert!(
        !attack.caught && attack.marker_created,
        "the default profile was expected to miss the data-only attack\n{}",
        attack.context
    );
}

#[test]
fn data_only_server_serves_normal_clients_with_the_data_profile() {
    for level in ["strict", "socket-rw"] {
        let dir = TempDir::new(&format!("vuln-data-normal-{level}"));
        let marker = dir.join("pwned");
        let report = dir.join("report.json");
        let mut served = Served::variants("vuln-data-mvx-data", &marker, &report, level, &[]);
        for _ in 0..3 {
            let out = served.client(&["normal-data"]);
            if out.stdout_str() != "hello alice\ndenied\n" {
                let context = served.bg.kill_and_context();
                panic!(
                    "{level}: wrong answer\n{}\n=== server ===\n{context}",
                    out.context()
                );
            }
        }
        // SAFETY: plain kill(2) of the mvx process we started.
        unsafe { libc::kill(served.bg.id() as libc::pid_t, libc::SIGTERM) };
        let under = served.bg.finish(Duration::from_secs(30));
        assert!(!under.has_divergence_line(), "{}", under.context());
        assert!(!marker.exists(), "{level}: a normal client became admin");
    }
}

/// A heap overflow into the next allocation (examples/c/heapflag.c): 432 bytes of name, then
/// the account record's admin flag. Natively, and under mvx with identical heaps (same binary,
/// no padding), the forged flag takes the privileged action (the marker file). With
/// `--heap-padding` each follower's record lies elsewhere, the variants disagree before the
/// marker's open, at strict and at socket-rw; an ordinary name runs clean.
#[test]
fn heap_overflow_into_a_neighbour_is_caught_with_heap_padding() {
    let payload: Vec<u8> = [vec![b'A'; 432], vec![1, 0, 0, 0]].concat();
    let dir = TempDir::new("heapflag");
    let marker = dir.join("pwned");
    let heapflag = example("heapflag");

    let native = run(Command::new(&heapflag).arg(&marker), Some(&payload));
    assert!(
        marker.exists() && native.stdout_str() == "admin\n",
        "the overflow did not work natively\n{}",
        native.context()
    );
    std::fs::remove_file(&marker).unwrap();

    let mvx = |opts: &[&str], input: &[u8]| {
        run(
            Command::new(mvx_bin())
                .arg("run")
                .args(opts)
                .arg("--")
                .arg(&heapflag)
                .arg(&marker),
            Some(input),
        )
    };
    // The gap padding closes: identical heaps agree on the forged flag.
    let out = mvx(&["-n", "2", "--monitor-level", "strict"], &payload);
    assert!(
        out.code() == 0 && marker.exists(),
        "without padding the variants were expected to agree on the forged flag\n{}",
        out.context()
    );
    std::fs::remove_file(&marker).unwrap();

    for level in ["strict", "socket-rw"] {
        let opts = ["-n", "2", "--heap-padding", "--monitor-level", level];
        let out = mvx(&opts, &payload);
        assert_eq!(out.code(), DIVERGENCE_STATUS, "{level}\n{}", out.context());
        assert!(
            !marker.exists(),
            "{level}: the privileged action ran\n{}",
            out.context()
        );
        assert!(
            !out.stdout_str().contains("admin"),
            "{level}\n{}",
            out.context()
        );

        let out = mvx(&opts, b"alice");
        assert!(!out.has_divergence_line(), "{level}\n{}", out.context());
        assert_eq!(out.stdout_str(), "user\n", "{level}\n{}", out.context());
    }
}
