//! Installing mvx like a tool: `make install PREFIX=<temp>` from the build this test runs
//! with, then the C example built from the installed tree alone (pkg-config, mvx-cc) and run
//! under the installed mvx, which must find its libraries under the prefix. And `mvx doctor`,
//! which on a machine set up as CI is has nothing missing.

mod common;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A cold build of the installed crates can take minutes on a loaded two-core machine.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(900);

/// cargo's target directory and profile of the mvx this test was built with, so that
/// `make install` reuses that build instead of making a release one.
fn target_and_profile() -> (PathBuf, String) {
    let profile_dir = mvx_bin().parent().expect("mvx is in a profile directory");
    let profile = profile_dir
        .file_name()
        .expect("the profile directory has a name")
        .to_string_lossy()
        .into_owned();
    let target = profile_dir
        .parent()
        .expect("the profile is in a target dir");
    (target.to_path_buf(), profile)
}

fn make(target: &str, prefix: &Path) -> Output {
    let (target_dir, profile) = target_and_profile();
    run_timeout(
        Command::new("make")
            .arg("-C")
            .arg(repo_root())
            .arg(target)
            .arg(format!("PREFIX={}", prefix.display()))
            .arg(format!("PROFILE={profile}"))
            .arg(format!("CARGO_TARGET_DIR={}", target_dir.display())),
        None,
        INSTALL_TIMEOUT,
    )
}

/// A command of the installed tree, with no override that would point mvx back at the build.
fn installed(prefix: &Path, bin: &str) -> Command {
    let mut cmd = Command::new(prefix.join("bin").join(bin));
    for var in [
        "MVX_PRELOAD_LIB",
        "MVX_PLUGIN",
        "MVX_AUTOSYNC",
        "MVX_RUNTIME_LIB",
        "MVX_INCLUDE",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn pkg_config(prefix: &Path) -> Vec<String> {
    let out = run(
        Command::new("pkg-config")
            .args(["--cflags", "--libs", "mvx"])
            .env("PKG_CONFIG_PATH", prefix.join("lib/pkgconfig")),
        None,
    );
    assert!(out.status.success(), "pkg-config mvx\n{}", out.context());
    out.stdout_str()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The example's three lines of random hex, printed once (by the leader).
fn assert_rand_bytes_output(out: &Output) {
    assert_eq!(out.code(), 0, "{}", out.context());
    let lines: Vec<String> = out.stdout_str().lines().map(str::to_string).collect();
    let lengths: Vec<usize> = lines.iter().map(String::len).collect();
    assert_eq!(lengths, [32, 64, 128], "{}", out.context());
}

#[test]
fn make_install_gives_a_tree_that_builds_and_runs_the_c_example() {
    // First the examples' build (once per test binary): two cargo builds at a time would wait
    // for each other's lock past the examples' timeout.
    examples_bin();
    let tmp = TempDir::new("install");
    let prefix = tmp.join("prefix");
    let out = make("install", &prefix);
    assert!(out.status.success(), "make install\n{}", out.context());

    for file in [
        "bin/mvx",
        "bin/mvx-cc",
        "bin/cargo-mvx",
        "lib/mvx/libmvx_preload.so",
        "lib/mvx/libmvx_sync.a",
        "include/mvx.h",
        "lib/pkgconfig/mvx.pc",
        "share/man/man1/mvx.1",
        "share/man/man1/mvx-run.1",
        "share/man/man1/mvx-doctor.1",
        "share/bash-completion/completions/mvx",
        "share/zsh/site-functions/_mvx",
        "share/fish/vendor_completions.d/mvx.fish",
    ] {
        assert!(prefix.join(file).is_file(), "{file} was not installed");
    }
    let bash = std::fs::read_to_string(prefix.join("share/bash-completion/completions/mvx"))
        .expect("reading the bash completions");
    assert!(
        bash.contains("doctor") && bash.contains("--monitor-level"),
        "the completions miss subcommands or options"
    );

    // The installed mvx resolves its libraries under the prefix, not in the build tree.
    let doctor = run(installed(&prefix, "mvx").arg("doctor"), None);
    let lib_dir = prefix.join("lib/mvx");
    for lib in ["libmvx_preload.so", "libmvx_sync.a"] {
        let want = format!("OK ({})", lib_dir.join(lib).display());
        assert!(
            doctor.stdout_str().contains(&want),
            "mvx doctor does not find {lib} under the prefix\n{}",
            doctor.context()
        );
    }

    // The C example, compiled with the flags pkg-config gives, runs under the installed mvx.
    let example = repo_root().join("examples/c/rand-bytes.c");
    let plain = tmp.join("rand-bytes");
    let out = run(
        Command::new("cc")
            .args(["-O2", "-o"])
            .arg(&plain)
            .arg(&example)
            .args(pkg_config(&prefix))
            .arg("-lcrypto"),
        None,
    );
    assert!(
        out.status.success(),
        "cc with pkg-config\n{}",
        out.context()
    );
    let out = run(
        installed(&prefix, "mvx")
            .args(["run", "-n", "2", "--"])
            .arg(&plain),
        None,
    );
    assert_rand_bytes_output(&out);

    // mvx-cc from the prefix: two diversified variants, run against each other.
    if find_program("clang-19").is_none() {
        eprintln!("no clang-19: the installed mvx-cc is not tried");
    } else {
        let built = tmp.join("rand-bytes-cc");
        let out = run(
            installed(&prefix, "mvx-cc")
                .args(["--variants", "2", "-O2", "-o"])
                .arg(&built)
                .arg(&example)
                .arg("-lcrypto"),
            None,
        );
        assert!(out.status.success(), "mvx-cc\n{}", out.context());
        let out = run(
            installed(&prefix, "mvx")
                .arg("run")
                .arg("--variant")
                .arg(tmp.join("rand-bytes-cc.v0"))
                .arg("--variant")
                .arg(tmp.join("rand-bytes-cc.v1")),
            None,
        );
        assert_rand_bytes_output(&out);
    }

    let out = make("uninstall", &prefix);
    assert!(out.status.success(), "make uninstall\n{}", out.context());
    for file in [
        "bin/mvx",
        "lib/mvx/libmvx_preload.so",
        "share/man/man1/mvx.1",
    ] {
        assert!(
            !prefix.join(file).exists(),
            "{file} is left after uninstall"
        );
    }
}

#[test]
fn doctor_prints_every_check_and_finds_nothing_missing_here() {
    // The examples' build also builds what the doctor looks for beside mvx (the preload and
    // runtime libraries, the clang plugin).
    examples_bin();
    let out = run(Command::new(mvx_bin()).arg("doctor"), None);
    let text = out.stdout_str();
    for name in [
        "kernel",
        "ptrace",
        "seccomp",
        "cpuid faulting",
        "rdtsc trapping",
        "syscall user dispatch",
        "preload library",
        "sync runtime",
        "clang-19",
        "clang plugin",
        "/dev/shm",
    ] {
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .unwrap_or_else(|| panic!("no {name} line\n{}", out.context()));
        let verdict = line[name.len() + 1..].trim_start();
        assert!(
            ["OK", "degraded (", "missing ("]
                .iter()
                .any(|w| verdict.starts_with(w)),
            "{line}"
        );
    }
    assert_eq!(out.code(), 0, "something is missing\n{}", out.context());
}
