//! System calls beyond files and sockets, each run natively and under mvx with stdout and the
//! exit status compared: message arrays (sendmmsg/recvmmsg), System V message queues,
//! semaphores and segments, POSIX message queues, unshare, I/O priorities, keys, setting the
//! clock as an ordinary user, a seccomp filter of the program's own, signals to a process
//! outside the run, and the calls mvx refuses (ptrace and the rest fail at once, with the
//! errno an ordinary user would get).

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::process::Command;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Runs `name` natively and under `mvx run -n N` for each N, comparing stdout and status, and
/// checks mvx printed no warning. Returns the native output.
fn same_as_native(name: &str, ns: &[usize]) -> Output {
    let prog = Prog::new(example(name));
    let mut native = None;
    for &n in ns {
        let (nat, under) = assert_same_as_native(&prog, n);
        assert_eq!(nat.code(), 0, "{}", nat.context());
        assert!(under.warnings().is_empty(), "{}", under.context());
        native = Some(nat);
    }
    native.expect("at least one N")
}

#[test]
fn sendmmsg_and_recvmmsg_replicate_every_message() {
    let native = same_as_native("mmsg", &[2, 3]);
    let out = native.stdout_str();
    // The receiver's socket filter (a struct with a pointer) compared as a program.
    assert!(out.starts_with("filter: 0\n"), "{out}");
    // Both transports: three messages each, the second truncated, the fourth slot untouched.
    assert_eq!(out.matches("recvmmsg: 3").count(), 2, "{out}");
    assert!(
        out.contains("[1] len=6 data=second trunc=1 from-sender=1"),
        "{out}"
    );
    assert!(out.contains("untouched: len=12345"), "{out}");
    assert!(out.contains("empty: -1 EAGAIN"), "{out}");
}

#[test]
fn system_v_queues_semaphores_and_segments() {
    let native = same_as_native("sysv-ipc", &[2, 3]);
    let out = native.stdout_str();
    assert!(
        out.contains("type 2: 19 bytes, type 2: only one of type 2"),
        "{out}"
    );
    assert!(out.contains("getall: 0 2 5"), "{out}");
    assert!(out.contains("setval 1: 0, now 7"), "{out}");
    assert!(out.contains("semtimedop: -1 EAGAIN"), "{out}");
}

#[test]
fn posix_message_queues() {
    let native = same_as_native("posix-mq", &[2, 3]);
    let out = native.stdout_str();
    assert!(out.contains("receive: 5 bytes, priority 9: high"), "{out}");
    assert!(out.contains("unlink again: -1 ENOENT"), "{out}");
}

/// unshare(CLONE_FILES), ioprio_get/set, keys (which a container may refuse: whatever the
/// kernel answers natively, mvx must answer the same), clock_settime as an ordinary user
/// (EPERM), and a seccomp filter of the program's own (uname gets EACCES in every variant).
#[test]
fn process_state_keys_clock_and_an_own_seccomp_filter() {
    let native = same_as_native("process-state", &[2, 3]);
    let out = native.stdout_str();
    assert!(out.contains("unshare(CLONE_FILES): ok"), "{out}");
    assert!(out.contains("ioprio_get: "), "{out}");
    assert!(out.contains("clock_settime(invalid): EINVAL"), "{out}");
    assert!(out.contains("clock_settime(as a user): EPERM"), "{out}");
    assert!(out.contains("uname: EACCES"), "{out}");
}

/// The calls mvx refuses fail at once with their errno, with one warning each, and the program
/// goes on. Natively (untraced, with no supervisor) they succeed: only the exit status is
/// compared with native; PTRACE_TRACEME's EPERM is what it gets natively under any tracer.
#[test]
fn refused_calls_fail_at_once_with_their_errno() {
    let prog = Prog::new(example("refused"));
    let native = prog.run_native();
    let start = Instant::now();
    let under = prog.run_mvx(2);
    let took = start.elapsed();
    assert_no_divergence(&under);
    assert_eq!(under.code(), native.code(), "{}", under.context());
    assert_eq!(
        under.stdout_str(),
        "ptrace(TRACEME): EPERM\nprocess_vm_readv: EPERM\nio_setup: ENOSYS\nshmat: EACCES\n\
         seccomp listener: EBUSY\nstill running\n",
        "{}",
        under.context()
    );
    assert!(took < Duration::from_secs(10), "took {took:?}");
    let warnings = under.warnings().join("\n");
    for name in [
        "ptrace",
        "process_vm_readv",
        "io_setup",
        "shmat",
        "SECCOMP_FILTER_FLAG_NEW_LISTENER",
    ] {
        assert!(
            warnings.contains(name),
            "no warning for {name}\n{}",
            under.context()
        );
    }
}

/// A signal to a process outside the run is sent by the leader alone: with three variants the
/// receiver (which counts queued real-time signals) gets one kill and one sigqueue, as natively.
#[test]
fn signals_to_a_process_outside_the_run_arrive_once() {
    let sigcount = example("sigcount");
    let received = |sender: &mut Command| -> String {
        let mut waiter = spawn(Command::new(&sigcount).arg("wait"), None);
        let stdout = waiter.stdout.take().expect("piped");
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let pid = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("the receiver prints its pid");
        let out = run(sender.arg(&pid), None);
        assert_no_divergence(&out);
        assert_eq!(
            out.stdout_str(),
            "kill 0, sigqueue 0\n",
            "{}",
            out.context()
        );
        let count = rx.recv_timeout(Duration::from_secs(20));
        kill_group(&mut waiter);
        count.expect("the receiver prints its count")
    };
    let native = received(Command::new(&sigcount).arg("send"));
    assert_eq!(native, "received 2, queued value 42");
    let under = received(
        Command::new(mvx_bin())
            .args(["run", "-n", "3", "--"])
            .arg(&sigcount)
            .arg("send"),
    );
    assert_eq!(under, native);
}
