//! End-to-end tests of `cargo mvx`: diversified builds of examples/rust/randthreads, a run under
//! mvx, and the errors.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn example_manifest() -> PathBuf {
    workspace().join("examples/rust/randthreads/Cargo.toml")
}

fn cargo_mvx() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cargo-mvx"))
}

/// The tests that build randthreads share its variant target directories: one at a time.
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn text(out: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The `mvx` binary, built by `cargo build -p mvx-monitor` (a no-op when it is fresh).
fn mvx() -> &'static Path {
    static MVX: OnceLock<PathBuf> = OnceLock::new();
    MVX.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let out = Command::new(cargo)
            .args([
                "build",
                "-p",
                "mvx-monitor",
                "--bin",
                "mvx",
                "--message-format=json-render-diagnostics",
            ])
            .current_dir(workspace())
            .output()
            .expect("cargo build -p mvx-monitor");
        assert!(
            out.status.success(),
            "building mvx failed:\n{}",
            text(&out).1
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["target"]["name"] == "mvx")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .expect("cargo did not report the mvx executable")
    })
}

/// Contents, address and size of an ELF64 section.
fn section(elf: &[u8], name: &str) -> Option<(Vec<u8>, u64)> {
    let u16_at = |o: usize| u16::from_le_bytes(elf[o..o + 2].try_into().unwrap()) as usize;
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap()) as usize;
    let u64_at = |o: usize| u64::from_le_bytes(elf[o..o + 8].try_into().unwrap());
    let (shoff, shentsize, shnum, shstrndx) = (
        u64_at(0x28) as usize,
        u16_at(0x3a),
        u16_at(0x3c),
        u16_at(0x3e),
    );
    let sh = |i: usize| shoff + i * shentsize;
    let strtab = u64_at(sh(shstrndx) + 24) as usize;
    (0..shnum).find_map(|i| {
        let n = strtab + u32_at(sh(i));
        let end = n + elf[n..].iter().position(|&b| b == 0)?;
        if &elf[n..end] != name.as_bytes() {
            return None;
        }
        let (addr, off, size) = (
            u64_at(sh(i) + 16),
            u64_at(sh(i) + 24) as usize,
            u64_at(sh(i) + 32) as usize,
        );
        Some((elf[off..off + size].to_vec(), addr))
    })
}

/// Address of every defined function symbol (`nm`).
fn functions(exe: &Path) -> HashMap<String, u64> {
    let out = Command::new("nm")
        .arg("--defined-only")
        .arg(exe)
        .output()
        .expect("nm");
    assert!(
        out.status.success(),
        "nm {}: {}",
        exe.display(),
        text(&out).1
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let (addr, kind, name) = (it.next()?, it.next()?, it.next()?);
            matches!(kind, "t" | "T")
                .then(|| Some((name.to_string(), u64::from_str_radix(addr, 16).ok()?)))?
        })
        .collect()
}

#[test]
fn three_variants_differ_in_code_and_layout() {
    let _g = serial();
    let t = Instant::now();
    let out = cargo_mvx()
        .args([
            "build",
            "--variants",
            "3",
            "--bin",
            "randthreads",
            "--manifest-path",
        ])
        .arg(example_manifest())
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "cargo mvx build failed:\n{stderr}");
    eprintln!("cargo mvx build --variants 3: {:.1?}", t.elapsed());
    for k in 1..=3 {
        assert!(
            stderr.contains(&format!("variant {k}/3 (v{}): building with", k - 1)),
            "no progress line for variant {k}:\n{stderr}"
        );
    }
    let exes: Vec<PathBuf> = stdout.lines().map(PathBuf::from).collect();
    assert_eq!(exes.len(), 3, "expected three paths on stdout:\n{stdout}");
    for (k, e) in exes.iter().enumerate() {
        assert!(e.is_file(), "{} missing", e.display());
        assert!(
            e.ends_with(format!(
                "mvx/v{k}/x86_64-unknown-linux-gnu/debug/randthreads"
            )),
            "unexpected path {}",
            e.display()
        );
    }
    let bytes: Vec<Vec<u8>> = exes.iter().map(|e| std::fs::read(e).unwrap()).collect();
    let texts: Vec<(Vec<u8>, u64)> = bytes
        .iter()
        .map(|b| section(b, ".text").expect(".text"))
        .collect();
    let syms: Vec<HashMap<String, u64>> = exes.iter().map(|e| functions(e)).collect();
    for i in 0..3 {
        for j in i + 1..3 {
            let pair = format!("v{i} and v{j}");
            assert_ne!(bytes[i], bytes[j], "{pair}: identical files");
            // Code bytes: the .text sections differ (not only build ids or debug info).
            assert_ne!(texts[i].0, texts[j].0, "{pair}: identical .text");
            // Layout: main is elsewhere, and most functions present in both are at different
            // addresses (lld shuffles std's functions too).
            assert_ne!(
                syms[i].get("main"),
                syms[j].get("main"),
                "{pair}: main at the same address"
            );
            let common: Vec<(&String, &u64)> = syms[i]
                .iter()
                .filter(|(n, _)| syms[j].contains_key(*n))
                .collect();
            let same = common.iter().filter(|(n, a)| syms[j][*n] == **a).count();
            eprintln!(
                "{pair}: .text {} vs {} bytes at {:#x} vs {:#x}; {same} of {} common functions \
                 at the same address",
                texts[i].0.len(),
                texts[j].0.len(),
                texts[i].1,
                texts[j].1,
                common.len()
            );
            assert!(common.len() > 100, "{pair}: too few common functions");
            assert!(
                same * 10 < common.len(),
                "{pair}: {same} of {} functions at the same address",
                common.len()
            );
        }
    }
}

#[test]
fn run_two_variants_under_mvx() {
    let mvx = mvx();
    let _g = serial();
    let t = Instant::now();
    // As cargo runs it (`cargo-mvx mvx run ...`), from the package's directory.
    let out = cargo_mvx()
        .args(["mvx", "run", "--variants", "2", "--bin", "randthreads"])
        .current_dir(example_manifest().parent().unwrap())
        .env("MVX", mvx)
        .output()
        .unwrap();
    let (stdout, stderr) = text(&out);
    eprintln!("cargo mvx run --variants 2: {:.1?}", t.elapsed());
    assert!(
        out.status.success(),
        "cargo mvx run failed ({}):\n{stderr}",
        out.status
    );
    assert!(
        stderr.contains("variant 2/2 (v1): building with"),
        "{stderr}"
    );
    assert!(!stderr.contains("mvx: divergence"), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 201, "expected 201 lines:\n{stdout}\n{stderr}");
    assert!(lines[200].starts_with("total "), "{stdout}");
}

#[test]
fn package_without_binary_is_a_clear_error() {
    let out = cargo_mvx()
        .args(["build", "--manifest-path"])
        .arg(workspace().join("mvx-sync-runtime/Cargo.toml"))
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("package `mvx-sync-runtime` has no binary target"),
        "{stderr}"
    );
}

#[test]
fn wrong_bin_name_is_a_clear_error() {
    let out = cargo_mvx()
        .args(["build", "--bin", "nope", "--manifest-path"])
        .arg(example_manifest())
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("no bin target named `nope` in package `randthreads`")
            && stderr.contains("randthreads")
            && stderr.contains("plain")
            && stderr.contains("syncbench"),
        "{stderr}"
    );
    // `run` needs one binary; randthreads has three.
    let out = cargo_mvx()
        .args(["run", "--manifest-path"])
        .arg(example_manifest())
        .env("MVX", "/bin/true")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(stderr.contains("choose one with --bin NAME"), "{stderr}");
}

#[test]
fn bad_usage_and_missing_mvx() {
    let out = cargo_mvx()
        .args(["build", "--variants", "9"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).1.contains("9"), "{}", text(&out).1);
    let out = cargo_mvx()
        .args(["run", "--bin", "randthreads", "--manifest-path"])
        .arg(example_manifest())
        .env("MVX", "/nonexistent/mvx")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("MVX is set to `/nonexistent/mvx`"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("building with"),
        "built before finding mvx:\n{stderr}"
    );
}

#[test]
fn compile_error_names_the_variant_and_passes_cargo_errors_through() {
    let dir = std::env::temp_dir().join(format!("cargo-mvx-broken-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"broken\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[workspace]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "fn main() { let x: u32 = \"no\"; }\n",
    )
    .unwrap();
    let out = cargo_mvx()
        .args(["build", "--variants", "2", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env_remove("CARGO_TARGET_DIR")
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    assert!(
        stderr.contains("error[E0308]"),
        "cargo's error not shown:\n{stderr}"
    );
    assert!(
        stderr.contains("variant 1/2 (v0) failed to build"),
        "{stderr}"
    );
}

/// Names of the defined data symbols of the given `nm` kinds, in address order.
fn data_symbols_in_order(exe: &Path, kinds: &[&str]) -> Vec<String> {
    let out = Command::new("nm")
        .args(["--defined-only", "--numeric-sort"])
        .arg(exe)
        .output()
        .expect("nm");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            let (_, kind, name) = (it.next()?, it.next()?, it.next()?);
            kinds.contains(&kind).then(|| name.to_string())
        })
        .collect()
}

#[test]
fn max_profile_shuffles_static_data_and_runs_under_mvx() {
    let mvx = mvx();
    let _g = serial();
    let t = Instant::now();
    let build = |args: &[&str]| {
        cargo_mvx()
            .args(args)
            .args([
                "--profile",
                "max",
                "--variants",
                "2",
                "--bin",
                "randthreads",
            ])
            .arg("--manifest-path")
            .arg(example_manifest())
            .env("MVX", mvx)
            .output()
            .unwrap()
    };
    let out = build(&["build"]);
    let (stdout, stderr) = text(&out);
    assert!(out.status.success(), "cargo mvx build failed:\n{stderr}");
    eprintln!(
        "cargo mvx build --profile max --variants 2: {:.1?}",
        t.elapsed()
    );
    assert!(
        stderr.contains("--shuffle-sections=.rodata.*=1"),
        "{stderr}"
    );
    assert!(stderr.contains("--shuffle-sections=.bss.*=1"), "{stderr}");
    let exes: Vec<PathBuf> = stdout.lines().map(PathBuf::from).collect();
    assert_eq!(exes.len(), 2, "{stdout}");
    assert!(exes[0].ends_with("mvx/v0/x86_64-unknown-linux-gnu/debug/randthreads"));
    assert!(exes[1].ends_with("mvx/max/v1/x86_64-unknown-linux-gnu/debug/randthreads"));
    // Static data in another order: the symbols both variants define, in address order.
    for (what, kinds) in [
        ("writable statics", &["d", "D", "b", "B"][..]),
        ("read-only data", &["r", "R"][..]),
    ] {
        let v0 = data_symbols_in_order(&exes[0], kinds);
        let v1 = data_symbols_in_order(&exes[1], kinds);
        let common = |v: &[String], other: &[String]| -> Vec<String> {
            v.iter().filter(|n| other.contains(n)).cloned().collect()
        };
        let (c0, c1) = (common(&v0, &v1), common(&v1, &v0));
        eprintln!("{what}: {} symbols in both variants", c0.len());
        assert!(c0.len() > 10, "{what}: too few common symbols");
        assert_ne!(c0, c1, "{what}: the same order in v0 and v1");
    }
    let t = Instant::now();
    let out = build(&["run"]);
    let (stdout, stderr) = text(&out);
    eprintln!(
        "cargo mvx run --profile max --variants 2: {:.1?}",
        t.elapsed()
    );
    assert!(out.status.success(), "cargo mvx run failed:\n{stderr}");
    assert!(!stderr.contains("mvx: divergence"), "{stderr}");
    assert_eq!(stdout.lines().count(), 201, "{stdout}\n{stderr}");
}

#[test]
fn unknown_profile_is_a_clear_error() {
    let out = cargo_mvx()
        .args(["build", "--profile", "fastest", "--manifest-path"])
        .arg(example_manifest())
        .output()
        .unwrap();
    let (_, stderr) = text(&out);
    assert!(!out.status.success());
    assert!(
        stderr.contains("unknown profile 'fastest'")
            && stderr.contains("default, control-flow, data, max"),
        "{stderr}"
    );
    assert!(!stderr.contains("building with"), "{stderr}");
}
