//! End-to-end tests of the in-variant runtime (mvx-sync-runtime and mvx.h) under the real monitor.

#[path = "common/mod.rs"]
mod common;

use common::*;

#[test]
fn rand_bytes_with_sync_regions_agree_in_every_variant() {
    // --aslr: each variant's OpenSSL DRBG then gets its own nonce (pthread_self is an address),
    // so the bytes differ unless the sync regions replicate them.
    let out = Prog::new(example("rand-bytes")).run_mvx_opts(["-n", "3", "--aslr"]);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    let stdout = out.stdout_str();
    let widths: Vec<usize> = stdout.lines().map(str::len).collect();
    assert_eq!(widths, vec![32, 64, 128], "{}", out.context());
}

#[test]
fn rand_bytes_without_sync_regions_diverge() {
    // The same program without the annotations: the test above is not vacuous. (mvx's compat
    // wrappers of RAND_bytes, on by default, would make it agree: see tests/libraries.rs.)
    let out = Prog::new(example("rand-bytes-nosync")).run_mvx_opts([
        "-n",
        "3",
        "--aslr",
        "--no-compat-wrappers",
    ]);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(out.has_divergence_line(), "{}", out.context());
}

#[test]
fn without_mvx_the_runtime_passes_through() {
    let out = Prog::new(example("rand-bytes")).run_native();
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str().lines().count(), 3, "{}", out.context());
}

#[test]
fn a_single_variant_passes_through() {
    let out = Prog::new(example("rand-bytes")).run_mvx(1);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert!(!out.stderr_str().contains("mvx sync"), "{}", out.context());
}

#[test]
fn prodcons_with_lock_order_replay_agrees_50_times() {
    // Two producers and two consumers under one mutex and two condition variables: with the
    // preload library the leader's lock order is replayed, so every variant prints its trace.
    let prog = Prog::new(example("prodcons"));
    for run in 0..50 {
        let out = prog.run_mvx_opts(["-n", "3", "--preload"]);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "run {run}\n{}", out.context());
        let stdout = out.stdout_str();
        assert!(
            stdout.ends_with("done, count 0\n"),
            "run {run}\n{}",
            out.context()
        );
        assert_eq!(stdout.lines().count(), 801, "run {run}\n{}", out.context());
    }
}

#[test]
fn prodcons_without_lock_order_replay_is_caught() {
    // Without replay the variants' threads take the lock in different orders: their traces
    // differ or they deadlock across variants, and mvx reports it (here within the 2 s window).
    // The orders are a race: a run may happen to agree; at least one in five must be caught.
    let mut last = None;
    for _ in 0..5 {
        let out = Prog::new(example("prodcons")).run_mvx_opts(["-n", "3", "--window", "2"]);
        if out.code() == DIVERGENCE_STATUS {
            assert!(out.has_divergence_line(), "{}", out.context());
            return;
        }
        assert_eq!(out.code(), 0, "neither caught nor clean\n{}", out.context());
        last = Some(out);
    }
    panic!(
        "five runs, no divergence caught\n{}",
        last.expect("a run").context()
    );
}

#[test]
fn an_unannotated_program_runs_under_the_preload_library() {
    let out = Prog::new(example("nondet")).run_mvx_opts(["-n", "3", "--preload"]);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str().lines().count(), 3, "{}", out.context());
}

#[test]
fn preload_without_the_library_is_a_clear_error() {
    let mut cmd = std::process::Command::new(mvx_bin());
    cmd.env("MVX_PRELOAD_LIB", "/nonexistent/libmvx_preload.so")
        .args(["run", "--preload", "--", "/bin/true"]);
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), 125, "{}", out.context());
    assert!(out.stderr_str().contains("--preload"), "{}", out.context());
}

/// A binary of the Rust example (built by `make -C examples`, beside mvx).
fn rust_example(name: &str) -> std::path::PathBuf {
    examples_bin();
    let path = repo_root().join("target/debug").join(name);
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

#[test]
fn rust_example_with_annotations_agrees() {
    for _ in 0..5 {
        let out = Prog::new(rust_example("randthreads")).run_mvx(3);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{}", out.context());
        assert_eq!(out.stdout_str().lines().count(), 201, "{}", out.context());
    }
}

#[test]
fn rust_example_without_annotations_is_caught() {
    // The threads' lock order is a race: some runs happen to take it in the same order in
    // every variant (more often at the relaxed levels, which stop the threads less). Each run
    // is either caught or identical output; at least one in five must be caught.
    let mut last = None;
    for _ in 0..5 {
        let out = Prog::new(rust_example("plain")).run_mvx_opts(["-n", "3", "--window", "2"]);
        match out.code() {
            DIVERGENCE_STATUS => return,
            0 => last = Some(out),
            _ => panic!("neither caught nor a clean run\n{}", out.context()),
        }
    }
    panic!(
        "five runs, no divergence caught\n{}",
        last.expect("a run").context()
    );
}

#[test]
fn without_mvx_every_runtime_example_runs_normally() {
    let preload = repo_root().join("target/debug/libmvx_preload.so");
    examples_bin();
    for prog in [
        Prog::new(example("prodcons")).env("LD_PRELOAD", &preload),
        Prog::new(example("nondet")).env("LD_PRELOAD", &preload),
        Prog::new(example("rand-bytes-nosync")),
        Prog::new(rust_example("randthreads")),
        Prog::new(rust_example("plain")),
    ] {
        let out = prog.run_native();
        assert_eq!(out.code(), 0, "{}", out.context());
        assert!(!out.stdout.is_empty(), "{}", out.context());
        assert!(
            out.stderr.is_empty(),
            "the runtime said something without mvx\n{}",
            out.context()
        );
    }
}

#[test]
fn the_i_mvx_pragma_example_agrees_with_the_plugin_and_diverges_without() {
    if find_program("clang-19").is_none() {
        eprintln!("note: no clang-19; the pragma example is not built");
        return;
    }
    let with = Prog::new(example("rand-bytes-pragma")).run_mvx_opts(["-n", "3", "--aslr"]);
    assert_no_divergence(&with);
    assert_eq!(with.code(), 0, "{}", with.context());
    let without = Prog::new(example("rand-bytes-pragma-noplugin")).run_mvx_opts([
        "-n",
        "3",
        "--aslr",
        "--no-compat-wrappers",
    ]);
    assert_eq!(without.code(), DIVERGENCE_STATUS, "{}", without.context());
}

// --- libc's own calls on the fast path: rewritten syscall sites and raw syscall(2) --------

/// Makes sure the preload library beside mvx (which mvx loads above `strict`) is this tree's.
fn build_preload() {
    let mut cmd = std::process::Command::new(env!("CARGO"));
    cmd.current_dir(repo_root())
        .args(["build", "-q", "-p", "mvx-preload"]);
    if mvx_bin()
        .parent()
        .and_then(std::path::Path::file_name)
        .is_some_and(|p| p == "release")
    {
        cmd.arg("--release");
    }
    let out = run(&mut cmd, None);
    assert!(out.status.success(), "{}", out.context());
}

/// tests/fastpath/stdio.c built plain and with -DDIFFER (line N/2 differs).
fn stdio_programs(dir: &TempDir) -> (std::path::PathBuf, std::path::PathBuf) {
    build_preload();
    let source = repo_root().join("tests/fastpath/stdio.c");
    let compile = |name: &str, extra: &[&str]| {
        let bin = dir.join(name);
        let out = run(
            std::process::Command::new("cc")
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
    (compile("stdio", &[]), compile("stdio-b", &["-DDIFFER"]))
}

/// A run under mvx at `level` with a report; the report's lock-stepped calls by name.
fn run_with_counts(
    prog: &Prog,
    level: &str,
    variants: &[&std::path::Path],
    dir: &TempDir,
) -> (Output, std::collections::HashMap<String, u64>) {
    let report = dir.join(format!("report-{level}.json"));
    let mut opts: Vec<std::ffi::OsString> = vec![
        "--monitor-level".into(),
        level.into(),
        "--report".into(),
        report.clone().into(),
    ];
    for v in variants {
        opts.push("--variant".into());
        opts.push(v.into());
    }
    let out = prog.run_mvx_opts(opts);
    let (text, json) = read_report(&report);
    let counts = json["syscalls_by_name"]
        .as_array()
        .unwrap_or_else(|| panic!("no syscalls_by_name\n{text}"))
        .iter()
        .map(|pair| {
            (
                pair[0].as_str().unwrap().to_owned(),
                pair[1].as_u64().unwrap(),
            )
        })
        .collect();
    (out, counts)
}

const STDIO_LINES: u64 = 400;

#[test]
fn stdio_writes_and_raw_syscalls_take_the_fast_path_at_nonsocket_rw() {
    let dir = TempDir::new("libc-fastpath");
    let (stdio, _) = stdio_programs(&dir);
    let prog = Prog::new(&stdio).arg(STDIO_LINES.to_string());
    let native = prog.run_native();
    assert_eq!(native.code(), 0, "{}", native.context());

    let (out, counts) = run_with_counts(&prog, "nonsocket-rw", &[], &dir);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout, native.stdout, "{}", out.context());
    // Each line is one write of libc's internal __write (fflush), each getpid a raw
    // syscall(2): a few stop in the monitor (before the library is loaded), not hundreds.
    for name in ["write", "getpid"] {
        let n = counts.get(name).copied().unwrap_or(0);
        assert!(
            n < STDIO_LINES / 10,
            "{n} of {STDIO_LINES} {name} calls lock-stepped: {counts:?}\n{}",
            out.context()
        );
    }

    // Without the rewriting, stdio's writes stop in the monitor again.
    let prog = prog.env("MVX_NO_REWRITE", "1");
    let (out, counts) = run_with_counts(&prog, "nonsocket-rw", &[], &dir);
    assert_no_divergence(&out);
    assert_eq!(out.stdout, native.stdout, "{}", out.context());
    let writes = counts.get("write").copied().unwrap_or(0);
    assert!(
        writes >= STDIO_LINES,
        "MVX_NO_REWRITE=1: only {writes} writes lock-stepped: {counts:?}\n{}",
        out.context()
    );
}

#[test]
fn a_divergent_stdio_write_is_caught_by_the_follower_and_nothing_is_rewritten_at_strict() {
    let dir = TempDir::new("libc-fastpath-diverge");
    let (plain, differ) = stdio_programs(&dir);
    // With --variant, the command line after `--` is the arguments alone.
    let prog = Prog::new(STDIO_LINES.to_string()).env("MVX_REWRITE_VERBOSE", "1");

    let (out, counts) = run_with_counts(&prog, "nonsocket-rw", &[&plain, &differ], &dir);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(out.has_divergence_line(), "{}", out.context());
    let stderr = out.stderr_str();
    assert!(
        stderr.contains("libc syscall sites rewritten"),
        "{}",
        out.context()
    );
    // The follower compared its internal write with the leader's record.
    assert!(stderr.contains("fast path"), "{}", out.context());
    assert!(
        counts.get("write").copied().unwrap_or(0) < STDIO_LINES / 10,
        "{counts:?}"
    );

    let (out, counts) = run_with_counts(&prog, "strict", &[&plain, &differ], &dir);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    let stderr = out.stderr_str();
    assert!(!stderr.contains("rewritten"), "{}", out.context());
    assert!(!stderr.contains("fast path"), "{}", out.context());
    // Every line before the differing one stopped in the monitor, and nothing after it ran.
    let writes = counts.get("write").copied().unwrap_or(0);
    assert!(writes >= STDIO_LINES / 2, "{counts:?}\n{}", out.context());
    assert_eq!(
        out.stdout_str().lines().count() as u64,
        STDIO_LINES / 2,
        "{}",
        out.context()
    );
}

#[test]
fn real_programs_keep_their_output_with_libc_rewritten() {
    build_preload();
    let dir = TempDir::new("libc-fastpath-real");
    let lines: String = (0..3000)
        .map(|i| format!("{}\n", (i * 7919) % 3001))
        .collect();
    std::fs::write(dir.join("in.txt"), &lines).unwrap();
    let mut progs = vec![
        Prog::new("sort").arg(dir.join("in.txt")),
        Prog::new("gzip").args(["-n", "-c"]).arg(dir.join("in.txt")),
    ];
    if std::path::Path::new("/usr/bin/python3").is_file() {
        progs.push(Prog::new("/usr/bin/python3").args([
            "-c",
            "import sys\nfor i in range(500): print('line', i, flush=True)\nprint(sys.stdin.read().upper())",
        ]).stdin("from stdin\n"));
    }
    for prog in progs {
        let native = prog.run_native();
        assert_eq!(native.code(), 0, "{}", native.context());
        let (out, counts) = run_with_counts(&prog, "nonsocket-rw", &[], &dir);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{}", out.context());
        assert_eq!(out.stdout, native.stdout, "{counts:?}\n{}", out.context());
    }
}
