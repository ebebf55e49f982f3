//! Distributed followers: `mvx run --remote` with the follower variant on another "host", a
//! network namespace of its own joined to the leader's by a veth pair (made here, as root),
//! over mutual TLS with certificates made here by openssl.
mod common;

use common::*;
use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const FOLLOWER_IP: &str = "10.213.0.2";
const LEADER_IP: &str = "10.213.0.1";
const PORT: u16 = 7000;

/// Every `--monitor-level`, weakest last (the names mvx's command line takes).
const LEVELS: [&str; 6] = mvx_monitor::table::Level::NAMES;

/// The follower host's own /dev/shm (a host of its own keeps its shared memory, and mvx's
/// shadows of shared files, apart), and mvx started the way a script puts it in the
/// background, with SIGINT and SIGQUIT ignored: its variants must not inherit that (Python
/// installs its SIGINT handler only where SIGINT is not ignored, and so made another call
/// there than the leader).
const FOLLOWER_HOST_SETUP: &str =
    "mount -t tmpfs mvx-follower-shm /dev/shm && trap '' INT QUIT && exec \"$0\" \"$@\"";

/// Two network namespaces joined by a veth pair, with a CA and a certificate for each end.
struct Hosts {
    leader_ns: String,
    follower_ns: String,
    follower_veth: String,
    pki: TempDir,
}

fn sh(cmd: &str) {
    let out = run(Command::new("sh").arg("-c").arg(cmd), None);
    assert!(out.status.success(), "{cmd}\n{}", out.context());
}

impl Hosts {
    /// `None` (with a note) when not root: namespaces need it.
    fn new() -> Option<Hosts> {
        if !is_root() {
            eprintln!("note: the remote tests make network namespaces and need root; skipped");
            return None;
        }
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let k = COUNT.fetch_add(1, Ordering::Relaxed);
        let tag = format!("{:x}{k:x}", std::process::id());
        let hosts = Hosts {
            leader_ns: format!("mvx-lead-{tag}"),
            follower_ns: format!("mvx-foll-{tag}"),
            follower_veth: format!("mf{tag}"),
            pki: TempDir::new("remote-pki"),
        };
        let (l, f) = (&hosts.leader_ns, &hosts.follower_ns);
        let lv = format!("ml{tag}");
        let fv = &hosts.follower_veth;
        sh(&format!(
            "ip netns add {l} && ip netns add {f} && \
             ip link add {lv} type veth peer name {fv} && \
             ip link set {lv} netns {l} && ip link set {fv} netns {f} && \
             ip -n {l} addr add {LEADER_IP}/24 dev {lv} && ip -n {f} addr add {FOLLOWER_IP}/24 dev {fv} && \
             ip -n {l} link set {lv} up && ip -n {f} link set {fv} up && \
             ip -n {l} link set lo up && ip -n {f} link set lo up"
        ));
        hosts.make_certificates();
        Some(hosts)
    }

    fn make_certificates(&self) {
        let dir = self.pki.path().display().to_string();
        let key = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";
        let mut script = format!(
            "set -e; cd {dir}; \
             openssl req -x509 {key} -keyout ca.key -out ca.pem -days 2 -subj /CN=mvx-test-ca; \
             openssl req -x509 {key} -keyout rogue.key -out rogue.pem -days 2 -subj /CN=rogue-ca; "
        );
        for (name, san, ca) in [
            ("follower", format!("IP:{FOLLOWER_IP}"), "ca"),
            ("leader", format!("IP:{LEADER_IP}"), "ca"),
            ("intruder", format!("IP:{LEADER_IP}"), "rogue"),
        ] {
            script.push_str(&format!(
                "openssl req {key} -keyout {name}.key -out {name}.csr -subj /CN={name}; \
                 printf 'subjectAltName={san}\\nbasicConstraints=CA:FALSE\\nkeyUsage=digitalSignature\\nextendedKeyUsage=serverAuth,clientAuth\\n' > {name}.ext; \
                 openssl x509 -req -in {name}.csr -CA {ca}.pem -CAkey {ca}.key -CAcreateserial -out {name}.pem -days 2 -extfile {name}.ext; "
            ));
        }
        let out = run(Command::new("sh").arg("-c").arg(script), None);
        assert!(
            out.status.success(),
            "making certificates\n{}",
            out.context()
        );
    }

    fn file(&self, name: &str) -> PathBuf {
        self.pki.join(name)
    }

    /// `--cert/--key/--peer-ca` of `who` (its certificate is `who.pem`).
    fn identity(&self, who: &str) -> Vec<String> {
        vec![
            "--cert".into(),
            self.file(&format!("{who}.pem")).display().to_string(),
            "--key".into(),
            self.file(&format!("{who}.key")).display().to_string(),
            "--peer-ca".into(),
            self.file("ca.pem").display().to_string(),
        ]
    }

    /// `follower`, on a host whose `dir` is its own: `own` is seen there in its place (a
    /// file or a directory).
    fn follower_with_own(&self, own: &std::path::Path, dir: &std::path::Path) -> Background {
        self.follower_after(&format!(
            "mount --bind {} {} && {FOLLOWER_HOST_SETUP}",
            own.display(),
            dir.display()
        ))
    }

    /// Starts `mvx follower` on the follower host and waits until it listens (see
    /// `FOLLOWER_HOST_SETUP`).
    fn follower(&self) -> Background {
        self.follower_after(FOLLOWER_HOST_SETUP)
    }

    /// `mvx follower` in a mount namespace of its own, after the shell commands `setup`
    /// (which end by exec'ing it).
    fn follower_after(&self, setup: &str) -> Background {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.follower_ns, "unshare", "-m"])
            .args(["sh", "-c", setup])
            .arg(mvx_bin())
            .args(["follower", "--listen", &format!("{FOLLOWER_IP}:{PORT}")])
            .args(self.identity("follower"));
        let mut bg = Background::start(&mut cmd);
        bg.wait_for_line(|l| l.contains("listening on"), Duration::from_secs(20));
        bg
    }

    /// `mvx run --remote FOLLOWER` on the leader's host, as `who`, with `opts` before `--`.
    fn leader(&self, who: &str, opts: &[&str], program: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.leader_ns])
            .arg(mvx_bin())
            .arg("run")
            .args(["--remote", &format!("{FOLLOWER_IP}:{PORT}")])
            .args(self.identity(who))
            .args(opts)
            .arg("--")
            .args(program);
        cmd
    }

    /// Delays every packet on the follower's side of the link by `ms` (both directions
    /// cross it). False (with a note) where the kernel has no netem.
    fn delay(&self, ms: u32) -> bool {
        let out = run(
            Command::new("ip").args([
                "netns",
                "exec",
                &self.follower_ns,
                "tc",
                "qdisc",
                "add",
                "dev",
                &self.follower_veth,
                "root",
                "netem",
                "delay",
                &format!("{ms}ms"),
            ]),
            None,
        );
        if !out.status.success() && out.stderr_str().contains("qdisc kind is unknown") {
            eprintln!(
                "note: this kernel has no netem (CONFIG_NET_SCH_NETEM); the delay test is skipped"
            );
            return false;
        }
        assert!(out.status.success(), "{}", out.context());
        true
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        // Deleting a namespace deletes its end of the veth pair, and with it the other end.
        for ns in [&self.leader_ns, &self.follower_ns] {
            let _ = Command::new("ip").args(["netns", "del", ns]).status();
        }
    }
}

const SQL: &str = "\
create table t(k integer primary key, v text);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 500)
  insert into t select x, 'row' || (x % 17) from c;
select v, count(*) from t group by v order by v limit 5;
select sum(k) from t;
";

/// The runs of the acceptance list, each compared with a native run.
fn programs() -> Vec<(Vec<String>, Option<&'static str>)> {
    let mut list = vec![
        (vec!["echo".into(), "hello from two hosts".into()], None),
        (
            vec![
                "sh".into(),
                "-c".into(),
                "echo b a c | tr ' ' '\\n' | sort | tr a-z A-Z".into(),
            ],
            None,
        ),
        (
            vec![
                "bash".into(),
                "-c".into(),
                "for i in 1 2 3; do echo $i | cat; done; ls / | wc -l; (exit 3)".into(),
            ],
            None,
        ),
    ];
    list.push((
        vec![
            "/usr/bin/python3".into(),
            "-c".into(),
            "import json, os; print(json.dumps(sorted(os.listdir('/'))))".into(),
        ],
        None,
    ));
    match find_program("sqlite3") {
        Some(sqlite3) => list.push((
            vec![sqlite3.display().to_string(), ":memory:".into()],
            Some(SQL),
        )),
        None => eprintln!("note: sqlite3 is not installed; its remote run is skipped"),
    }
    list
}

#[test]
fn a_remote_follower_gives_native_output_at_every_level() {
    let Some(hosts) = Hosts::new() else { return };
    let _follower = hosts.follower();
    for (argv, stdin) in programs() {
        let native = run(
            Command::new(&argv[0]).args(&argv[1..]),
            stdin.map(str::as_bytes),
        );
        for level in LEVELS {
            let args: Vec<&str> = argv.iter().map(String::as_str).collect();
            let under = run(
                &mut hosts.leader("leader", &["--monitor-level", level], &args),
                stdin.map(str::as_bytes),
            );
            assert!(!under.has_divergence_line(), "{level}\n{}", under.context());
            assert_eq!(under.code(), native.code(), "{level}\n{}", under.context());
            assert_eq!(
                under.stdout_str(),
                native.stdout_str(),
                "{level}: output differs from native\n{}",
                under.context()
            );
        }
    }
}

/// With asynchronous replication the follower host answers the calls the leader settled
/// without its variant itself (expectations), so a lagging follower costs no round trip per
/// call; the output stays native and `--stats` counts them. Without asynchronous replication
/// there are none.
#[test]
fn the_follower_host_answers_settled_calls_itself() {
    let Some(hosts) = Hosts::new() else { return };
    let _follower = hosts.follower();
    let script = "for i in $(seq 1 2000); do echo line $i; done";
    let expected: String = (1..=2000).map(|i| format!("line {i}\n")).collect();
    for (opts, answered_here) in [
        (&["--monitor-level", "socket-rw", "--stats"][..], true),
        (
            &[
                "--monitor-level",
                "socket-rw",
                "--stats",
                "--no-async-replication",
            ][..],
            false,
        ),
    ] {
        let out = run(
            &mut hosts.leader("leader", opts, &["bash", "-c", script]),
            None,
        );
        assert!(!out.has_divergence_line(), "{opts:?}\n{}", out.context());
        assert_eq!(out.code(), 0, "{opts:?}\n{}", out.context());
        assert_eq!(out.stdout_str(), expected, "{opts:?}\n{}", out.context());
        let line = out
            .stderr_str()
            .lines()
            .find(|l| l.contains("answered on follower hosts without a round trip: "))
            .map(str::to_owned);
        assert_eq!(
            line.as_deref().is_some_and(|l| l.contains("write ")),
            answered_here,
            "{opts:?}\n{}",
            out.context()
        );
    }
}

#[test]
fn a_remote_variant_that_writes_other_text_is_caught_before_the_write() {
    let Some(hosts) = Hosts::new() else { return };
    let _follower = hosts.follower();
    let (a, b) = (example("diverge-a"), example("diverge-b"));
    let mut cmd = hosts.leader(
        "leader",
        &[
            "--variant",
            a.to_str().unwrap(),
            "--variant",
            b.to_str().unwrap(),
        ],
        &[],
    );
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(
        out.stdout.is_empty(),
        "the write was executed\n{}",
        out.context()
    );
    let stderr = out.stderr_str();
    assert!(
        stderr.contains("hello from variant B") && stderr.contains("on this host"),
        "{}",
        out.context()
    );
    assert!(
        stderr.contains(&format!("on {FOLLOWER_IP}:{PORT}")),
        "the report does not name the follower host\n{}",
        out.context()
    );
}

/// A program of its own name, so that its processes can be told from everything else.
fn sleeper(dir: &TempDir) -> PathBuf {
    let path = dir.join("mvx-remote-sleeper");
    std::fs::copy("/bin/sleep", &path).expect("copying sleep");
    path
}

fn wait_until(what: &str, timeout: Duration, cond: impl Fn() -> bool) {
    let deadline = Instant::now() + timeout;
    while !cond() {
        assert!(Instant::now() < deadline, "{what}: not within {timeout:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn losing_the_follower_host_ends_the_run_as_a_divergence() {
    let Some(hosts) = Hosts::new() else { return };
    let mut follower = hosts.follower();
    let dir = TempDir::new("remote-lost");
    let prog = sleeper(&dir);
    let run = Background::start(&mut hosts.leader(
        "leader",
        &["--window", "3"],
        &[prog.to_str().unwrap(), "30"],
    ));
    wait_until("both variants run", Duration::from_secs(20), || {
        pids_running(&prog).len() == 2
    });
    // The follower host's mvx (listener and session) goes away.
    let _ = follower.kill_and_context();
    let start = Instant::now();
    let out = run.finish(Duration::from_secs(15));
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(
        start.elapsed() < Duration::from_secs(8),
        "noticed only after {:?}",
        start.elapsed()
    );
    assert!(
        out.stderr_str().contains("lost with the link to its host"),
        "{}",
        out.context()
    );
    wait_until("every variant gone", Duration::from_secs(2), || {
        pids_running(&prog).is_empty()
    });
}

#[test]
fn killing_the_leaders_mvx_ends_the_remote_variants() {
    let Some(hosts) = Hosts::new() else { return };
    let _follower = hosts.follower();
    let dir = TempDir::new("remote-leader-killed");
    let prog = sleeper(&dir);
    let mut run =
        Background::start(&mut hosts.leader("leader", &[], &[prog.to_str().unwrap(), "30"]));
    wait_until("both variants run", Duration::from_secs(20), || {
        pids_running(&prog).len() == 2
    });
    let _ = run.kill_and_context();
    wait_until(
        "the remote variant gone after the leader's mvx was killed",
        Duration::from_secs(2),
        || pids_running(&prog).is_empty(),
    );
}

#[test]
fn a_leader_without_a_trusted_certificate_is_refused_and_nothing_runs() {
    let Some(hosts) = Hosts::new() else { return };
    let mut follower = hosts.follower();
    let dir = TempDir::new("remote-refused");
    let marker = dir.join("ran");
    let script = format!("touch {}; echo ran", marker.display());
    let out = run(
        &mut hosts.leader("intruder", &[], &["sh", "-c", &script]),
        None,
    );
    assert_ne!(out.code(), 0, "{}", out.context());
    assert!(out.stdout.is_empty(), "{}", out.context());
    assert!(!marker.exists(), "the program ran");
    assert!(
        out.stderr_str().contains("refused") || out.stderr_str().contains("UnknownCA"),
        "no clear message\n{}",
        out.context()
    );
    // The follower host is still there for a leader it trusts.
    let ok = run(&mut hosts.leader("leader", &[], &["echo", "ok"]), None);
    assert_eq!(ok.stdout_str(), "ok\n", "{}", ok.context());
    let context = follower.kill_and_context();
    assert!(context.contains("UnknownIssuer"), "{context}");
}

#[test]
fn a_millisecond_of_network_delay_changes_nothing_but_time() {
    let Some(hosts) = Hosts::new() else { return };
    if !hosts.delay(1) {
        return;
    }
    let _follower = hosts.follower();
    let script = "for i in 1 2 3; do echo $i | cat; done; (exit 3)";
    let out = run(
        &mut hosts.leader("leader", &[], &["bash", "-c", script]),
        None,
    );
    assert_eq!(out.code(), 3, "{}", out.context());
    assert_eq!(out.stdout_str(), "1\n2\n3\n", "{}", out.context());
}

#[test]
fn a_different_executable_on_the_follower_host_is_refused() {
    let Some(hosts) = Hosts::new() else { return };
    let dir = TempDir::new("remote-other-exe");
    let prog = dir.join("prog");
    let other = dir.join("other");
    std::fs::copy("/bin/true", &prog).unwrap();
    std::fs::copy("/bin/false", &other).unwrap();
    // The follower host sees another file at the program's path.
    let _follower = hosts.follower_with_own(&other, &prog);
    let out = run(
        &mut hosts.leader("leader", &[], &[prog.to_str().unwrap()]),
        None,
    );
    assert_ne!(out.code(), 0, "{}", out.context());
    assert!(
        out.stderr_str().contains("differs between the hosts"),
        "{}",
        out.context()
    );
}

#[test]
fn a_stalled_follower_host_is_reported_within_the_window() {
    let Some(hosts) = Hosts::new() else { return };
    let follower = hosts.follower();
    let script = "for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; sleep 0.3; done";
    let mut run =
        Background::start(&mut hosts.leader("leader", &["--window", "2"], &["bash", "-c", script]));
    run.wait_for_line(|l| l == "1", Duration::from_secs(20));
    // The follower host's mvx stops answering (its whole process group).
    // SAFETY: plain kill(2) of the process group the test made.
    unsafe { libc::kill(-(follower.id() as i32), libc::SIGSTOP) };
    let start = Instant::now();
    let out = run.finish(Duration::from_secs(15));
    // SAFETY: as above.
    unsafe { libc::kill(-(follower.id() as i32), libc::SIGCONT) };
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(
        start.elapsed() < Duration::from_secs(6),
        "noticed only after {:?}",
        start.elapsed()
    );
    assert!(
        out.stderr_str()
            .contains(&format!("on {FOLLOWER_IP}:{PORT}")),
        "{}",
        out.context()
    );
}

/// With `--policy majority`, a lost follower host's variant is retired and the others go on.
/// The host is killed at several points of a loop that forks and execs, so that the loss
/// also lands in the middle of the monitor's work on the remote variant (an exec, a clone):
/// before, an operation that failed there ended the run as a divergence.
#[test]
fn with_the_majority_policy_a_lost_follower_host_is_retired_and_the_run_goes_on() {
    let Some(hosts) = Hosts::new() else { return };
    let script = "for i in 1 2 3 4 5 6 7 8 9 10; do echo $i; /bin/true | cat; sleep 0.1; done";
    let expected: String = (1..=10).map(|i| format!("{i}\n")).collect();
    for kill_after in ["2", "4", "6"] {
        let mut follower = hosts.follower();
        let mut run = Background::start(&mut hosts.leader(
            "leader",
            &["-n", "2", "--policy", "majority", "--window", "3"],
            &["bash", "-c", script],
        ));
        run.wait_for_line(|l| l == kill_after, Duration::from_secs(20));
        let _ = follower.kill_and_context();
        let out = run.finish(Duration::from_secs(30));
        let what = format!("killed after {kill_after}\n{}", out.context());
        assert_eq!(out.code(), 0, "{what}");
        assert_eq!(out.stdout_str(), expected, "{what}");
        assert!(
            out.stderr_str().contains("retired by the majority policy")
                && out.stderr_str().contains("lost with the link to its host"),
            "{what}"
        );
    }
}

/// OpenSSL mixes addresses into its generator's input: under mvx its bytes are the leader's.
/// Without the runtime's buffer (a remote follower cannot map it) they come from getrandom,
/// which mvx replicates; before that, every `openssl rand` diverged.
#[test]
fn openssl_rand_agrees_with_a_remote_follower() {
    let Some(hosts) = Hosts::new() else { return };
    let _follower = hosts.follower();
    for level in ["strict", "socket-rw"] {
        let out = run(
            &mut hosts.leader(
                "leader",
                &["--monitor-level", level],
                &["openssl", "rand", "-hex", "16"],
            ),
            None,
        );
        assert!(!out.has_divergence_line(), "{level}\n{}", out.context());
        assert_eq!(out.code(), 0, "{level}\n{}", out.context());
        let text = out.stdout_str();
        assert!(
            text.len() == 33 && text.trim().bytes().all(|b| b.is_ascii_hexdigit()),
            "{level}\n{}",
            out.context()
        );
    }
}

/// SQLite in WAL mode maps its `-shm` index shared: the remote follower maps a shadow of it,
/// which must be made on its own host (before, its mmap failed with ENOENT: a divergence).
#[test]
fn sqlite_in_wal_mode_runs_with_a_remote_follower() {
    let Some(hosts) = Hosts::new() else { return };
    let Some(sqlite3) = find_program("sqlite3") else {
        eprintln!("note: sqlite3 is not installed; skipped");
        return;
    };
    let _follower = hosts.follower();
    let script = "pragma journal_mode=wal;\ncreate table t(x);\n\
                  insert into t values (1), (2), (3);\nselect sum(x) from t;\n";
    for level in ["strict", "socket-rw"] {
        let dir = TempDir::new("remote-wal");
        let db = dir.join("db");
        let out = run(
            &mut hosts.leader(
                "leader",
                &["--monitor-level", level],
                &[sqlite3.to_str().unwrap(), db.to_str().unwrap()],
            ),
            Some(script.as_bytes()),
        );
        assert!(!out.has_divergence_line(), "{level}\n{}", out.context());
        assert_eq!(out.stdout_str(), "wal\n6\n", "{level}\n{}", out.context());
    }
}

/// A shell that writes a file and reads it back, in a directory the follower host has its
/// own copy of.
const WRITE_READ_BACK: &str = "cat in; echo data > out; cat out; echo more >> out; wc -l < out; ls";

/// The program's writes reach the leader's host only: a file it wrote, or a directory it
/// changed, is read there and replicated. Before, the follower host opened its own copy,
/// which lacked the file: "openat returned 3 in variant 0 but -1 ENOENT in variant 1".
#[test]
fn a_file_the_program_wrote_is_read_back_with_the_follower_on_a_host_of_its_own() {
    let Some(hosts) = Hosts::new() else { return };
    let (mine, theirs) = (TempDir::new("remote-files"), TempDir::new("remote-files-f"));
    for d in [&mine, &theirs] {
        std::fs::write(d.join("in"), "seed\n").unwrap();
    }
    let _follower = hosts.follower_with_own(theirs.path(), mine.path());
    let mut cmd = hosts.leader("leader", &[], &["sh", "-c", WRITE_READ_BACK]);
    cmd.current_dir(mine.path());
    let out = run(&mut cmd, None);
    assert!(!out.has_divergence_line(), "{}", out.context());
    assert_eq!(
        out.stdout_str(),
        "seed\ndata\n2\nin\nout\n",
        "{}",
        out.context()
    );
    assert!(
        !theirs.join("out").exists(),
        "the follower host's copy was written"
    );
}

/// `--host-local DIR` (dMVX's selective replication): each host reads and writes its own
/// copy of DIR's files.
#[test]
fn host_local_files_are_written_on_each_hosts_own_copy() {
    let Some(hosts) = Hosts::new() else { return };
    let (mine, theirs) = (
        TempDir::new("remote-host-local"),
        TempDir::new("remote-host-local-f"),
    );
    for d in [&mine, &theirs] {
        std::fs::write(d.join("in"), "seed\n").unwrap();
    }
    let _follower = hosts.follower_with_own(theirs.path(), mine.path());
    let dir = mine.path().to_str().unwrap();
    let mut cmd = hosts.leader(
        "leader",
        &["--host-local", dir],
        &["sh", "-c", WRITE_READ_BACK],
    );
    cmd.current_dir(mine.path());
    let out = run(&mut cmd, None);
    assert!(!out.has_divergence_line(), "{}", out.context());
    assert_eq!(
        out.stdout_str(),
        "seed\ndata\n2\nin\nout\n",
        "{}",
        out.context()
    );
    for d in [&mine, &theirs] {
        assert_eq!(
            std::fs::read_to_string(d.join("out")).unwrap(),
            "data\nmore\n"
        );
    }
    // Refused where two variants would write one copy.
    let local = run(
        &mut hosts.leader("leader", &["-n", "2", "--host-local", dir], &["true"]),
        None,
    );
    assert_ne!(local.code(), 0, "{}", local.context());
    assert!(
        local.stderr_str().contains("--host-local needs"),
        "{}",
        local.context()
    );
}
