//! The strict path and the fast path judge every fast-path call alike: for each of the
//! syscall table's fast entries, two variants making the call with equal arguments run
//! cleanly and two making it with differing arguments diverge, both at `strict` (the call
//! stops in the monitor) and at the level that puts the call on the fast path (the leader
//! makes it, the follower compares its own against the leader's record).
//!
//! The variants are tests/fastpath/verdicts.c built plain and with -DDIFFER: one case per
//! call, chosen by name, so a divergence in one case cannot hide another.

#[path = "common/mod.rs"]
mod common;

use common::*;
use mvx_abi::{Fast, Level};
use std::path::{Path, PathBuf};
use std::process::Command;

/// `verdicts` built plain and with -DDIFFER.
fn build(dir: &TempDir) -> (PathBuf, PathBuf) {
    let source = repo_root().join("tests/fastpath/verdicts.c");
    let compile = |name: &str, extra: &[&str]| {
        let bin = dir.join(name);
        let out = run(
            Command::new("cc")
                .args(["-O2", "-Wall", "-Wextra", "-Werror"])
                .args(extra)
                .arg("-o")
                .arg(&bin)
                .arg(&source),
            None,
        );
        assert!(out.status.success(), "{}", out.context());
        bin
    };
    (
        compile("verdicts-a", &[]),
        compile("verdicts-b", &["-DDIFFER"]),
    )
}

/// Makes sure the preload library beside mvx (which carries the fast path) is this tree's.
fn build_preload() {
    let mut cmd = Command::new(env!("CARGO"));
    cmd.current_dir(repo_root())
        .args(["build", "-q", "-p", "mvx-preload"]);
    if mvx_bin()
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|p| p == "release")
    {
        cmd.arg("--release");
    }
    let out = run(&mut cmd, None);
    assert!(out.status.success(), "{}", out.context());
    assert!(mvx_bin().with_file_name("libmvx_preload.so").is_file());
}

/// The program's cases: (call name, whether its fd is a socket), checked against the table.
fn cases(prog: &Path) -> Vec<(String, Level)> {
    let out = run(Command::new(prog).arg("--list"), None);
    assert!(out.status.success(), "{}", out.context());
    let listed: Vec<(String, String)> = out
        .stdout_str()
        .lines()
        .map(|l| {
            let (name, fd) = l.split_once(' ').expect("NAME FD");
            (name.to_owned(), fd.to_owned())
        })
        .collect();
    let mut cases = Vec::new();
    for spec in mvx_abi::fast_entries() {
        let class = spec.fast.unwrap();
        let Some((_, fd)) = listed.iter().find(|(n, _)| n == spec.name()) else {
            panic!(
                "tests/fastpath/verdicts.c has no case for the fast-path call {}",
                spec.name()
            );
        };
        assert_eq!(
            fd == "none",
            class == Fast::Local,
            "{}: fd kind {fd} for a {class:?} call",
            spec.name()
        );
        cases.push((spec.name().to_owned(), Level::needed(class, fd == "socket")));
    }
    assert_eq!(
        listed.len(),
        cases.len(),
        "verdicts.c has cases for calls that are not fast-path calls: {listed:?}"
    );
    cases
}

/// Runs `a` as the leader and `b` as the follower on case `name` at `level`.
fn verdict(a: &Path, b: &Path, name: &str, level: Level, dir: &Path) -> Output {
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .arg("--monitor-level")
        .arg(level.name())
        .arg("--variant")
        .arg(a)
        .arg("--variant")
        .arg(b)
        .arg("--")
        .arg(name)
        .arg(dir);
    run(&mut cmd, None)
}

#[test]
fn the_strict_and_the_fast_path_give_the_same_verdict_for_every_fast_call() {
    build_preload();
    let dir = TempDir::new("fastpath-verdicts");
    let (plain, differ) = build(&dir);
    let mut wrong = Vec::new();
    for (name, fast_level) in cases(&plain) {
        for level in [Level::Strict, fast_level] {
            let on_fast_path = level != Level::Strict;
            let same = verdict(&plain, &plain, &name, level, dir.path());
            if same.code() != 0 || same.has_divergence_line() {
                wrong.push(format!(
                    "{name} at {level}: equal arguments diverged\n{}",
                    same.context()
                ));
            }
            let diff = verdict(&plain, &differ, &name, level, dir.path());
            let judged_fast = diff.stderr_str().contains("(fast path");
            if diff.code() != DIVERGENCE_STATUS || !diff.has_divergence_line() {
                wrong.push(format!(
                    "{name} at {level}: differing arguments ran cleanly\n{}",
                    diff.context()
                ));
            } else if judged_fast != on_fast_path {
                wrong.push(format!(
                    "{name} at {level}: the divergence was {} caught on the fast path\n{}",
                    if judged_fast { "" } else { "not" },
                    diff.context()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n\n"));
}

/// tests/fastpath/socket_messages.py in `mode` for `rounds`, natively and under mvx at
/// `socket-rw`: the same output, no divergence; the calls lock-stepped, by name.
fn socket_messages(mode: &str, rounds: u64) -> std::collections::HashMap<String, u64> {
    build_preload();
    let dir = TempDir::new("socket-messages");
    let script = repo_root().join("tests/fastpath/socket_messages.py");
    let prog = Prog::new("/usr/bin/python3")
        .arg(&script)
        .arg(mode)
        .arg(rounds.to_string());
    let native = prog.run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    let report = dir.join("report.json");
    let out = prog.run_mvx_opts([
        "--monitor-level".as_ref(),
        Level::SocketRw.name().as_ref(),
        "--report".as_ref(),
        report.as_os_str(),
    ]);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout, native.stdout, "{}", out.context());
    let (text, json) = read_report(&report);
    json["syscalls_by_name"]
        .as_array()
        .unwrap_or_else(|| panic!("no syscalls_by_name\n{text}"))
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_u64().unwrap(),
            )
        })
        .collect()
}

const MESSAGE_ROUNDS: u64 = 20;

/// Every round's sendmsg, recvmsg (with a source address and MSG_TRUNC over UDP), select
/// and setsockopt take the fast path at `socket-rw`: none stops in the monitor.
#[test]
fn socket_messages_take_the_fast_path_at_socket_rw() {
    let counts = socket_messages("plain", MESSAGE_ROUNDS);
    for name in ["sendmsg", "recvmsg", "setsockopt", "select", "pselect6"] {
        assert_eq!(
            counts.get(name),
            None,
            "{name} was lock-stepped: {counts:?}"
        );
    }
}

/// Messages carrying fds (SCM_RIGHTS) stay in lock-step, and the fds still arrive.
#[test]
fn messages_passing_fds_stay_in_lock_step() {
    let counts = socket_messages("fds", MESSAGE_ROUNDS);
    for name in ["sendmsg", "recvmsg"] {
        assert_eq!(
            counts.get(name),
            Some(&MESSAGE_ROUNDS),
            "{name}: {counts:?}"
        );
    }
}
