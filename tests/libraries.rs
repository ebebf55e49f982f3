//! End-to-end tests of the compat wrappers: libraries that mix addresses into their random
//! bytes (OpenSSL, NSS) agree across partitioned variants at default settings, without any
//! annotation, in unmodified programs.

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::process::Command;

/// `make -C examples` builds libmvx_preload.so beside mvx too: every test here needs it.
fn preload_built() {
    examples_bin();
}

fn openssl() -> Option<std::path::PathBuf> {
    preload_built();
    let found = find_program("openssl");
    if found.is_none() {
        eprintln!("note: no openssl binary (Debian package openssl); its tests are skipped");
    }
    found
}

fn is_hex(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[test]
fn openssl_rand_agrees_in_every_variant() {
    let Some(openssl) = openssl() else { return };
    let prog = Prog::new(openssl).args(["rand", "-hex", "32"]);
    for n in [2, 3] {
        let out = prog.run_mvx(n);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{}", out.context());
        let stdout = out.stdout_str();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(lines.len(), 1, "{}", out.context());
        assert!(
            lines[0].len() == 64 && is_hex(lines[0]),
            "{}",
            out.context()
        );
    }
}

#[test]
fn openssl_genpkey_ed25519_agrees_in_every_variant() {
    let Some(openssl) = openssl() else { return };
    let prog = Prog::new(openssl).args(["genpkey", "-algorithm", "ed25519"]);
    for n in [2, 3] {
        let out = prog.run_mvx(n);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{}", out.context());
        let stdout = out.stdout_str();
        let lines: Vec<&str> = stdout.lines().collect();
        assert_eq!(
            lines,
            vec![
                "-----BEGIN PRIVATE KEY-----",
                lines.get(1).copied().unwrap_or("(missing)"),
                "-----END PRIVATE KEY-----"
            ],
            "not exactly one PEM key\n{}",
            out.context()
        );
    }
}

#[test]
fn without_the_compat_wrappers_openssl_rand_diverges() {
    // The tests above are not vacuous: partitioning alone makes OpenSSL's bytes differ.
    let Some(openssl) = openssl() else { return };
    let out = Prog::new(openssl)
        .args(["rand", "-hex", "32"])
        .run_mvx_opts(["-n", "2", "--no-compat-wrappers"]);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(out.has_divergence_line(), "{}", out.context());
    assert!(out.stderr_str().contains("write"), "{}", out.context());
}

/// The lines of `openssl-rand`: three per thread and the digest of a 300000-byte draw.
fn openssl_rand_lines(out: &Output) -> Vec<String> {
    let stdout = out.stdout_str();
    let lines: Vec<String> = stdout.lines().map(str::to_owned).collect();
    let prefixes: Vec<&str> = lines
        .iter()
        .map(|l| l.split(' ').next().unwrap_or(""))
        .collect();
    assert_eq!(
        prefixes,
        ["main", "main", "main", "thread", "thread", "thread", "big"],
        "{}",
        out.context()
    );
    for line in &lines {
        let hex = line.split(' ').nth(1).unwrap_or("");
        assert!(hex.len() == 64 && is_hex(hex), "{}", out.context());
    }
    lines
}

#[test]
fn a_libcrypto_program_agrees_from_two_threads() {
    // RAND_bytes, RAND_priv_bytes and RAND_bytes_ex from the main thread and a second thread
    // at once, and one draw larger than the runtime's ring.
    let prog = Prog::new(example("openssl-rand"));
    let mut seen = Vec::new();
    for n in [2, 3] {
        let out = prog.run_mvx(n);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{}", out.context());
        let lines = openssl_rand_lines(&out);
        let mut values: Vec<&String> = lines.iter().collect();
        values.sort();
        values.dedup();
        assert_eq!(
            values.len(),
            lines.len(),
            "repeated bytes\n{}",
            out.context()
        );
        seen.push(lines);
    }
    // Really random: the leader's bytes are new in every run.
    assert!(
        seen[0].iter().all(|l| !seen[1].contains(l)),
        "two runs printed the same bytes: {seen:?}"
    );
}

#[test]
fn libcrypto_loaded_rtld_local_agrees() {
    // Python's _ssl module brings libcrypto with dlopen(RTLD_LOCAL): the wrapper finds the
    // real function through the loaded objects, not RTLD_NEXT.
    preload_built();
    // Debian's python3 (with Debian's libcrypto) before any other on PATH.
    let debian = std::path::PathBuf::from("/usr/bin/python3");
    let python = debian.is_file().then_some(debian);
    let Some(python) = python.or_else(|| find_program("python3")) else {
        eprintln!("note: no python3; the RTLD_LOCAL test is skipped");
        return;
    };
    let prog = Prog::new(python).args(["-c", "import ssl; print(ssl.RAND_bytes(32).hex())"]);
    if prog.run_native().code() != 0 {
        eprintln!("note: python3 has no ssl module; the RTLD_LOCAL test is skipped");
        return;
    }
    let out = prog.run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    let stdout = out.stdout_str();
    assert!(
        stdout.trim().len() == 64 && is_hex(stdout.trim()),
        "{}",
        out.context()
    );
}

#[test]
fn nss_random_agrees_and_diverges_without_the_wrappers() {
    let path = examples_bin().join("nss-rand");
    if !path.is_file() {
        eprintln!("note: nss-rand was not built (no libnss3-dev); the NSS test is skipped");
        return;
    }
    let prog = Prog::new(path);
    let out = prog.run_mvx(3);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    let stdout = out.stdout_str();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.context());
    assert!(lines[0].starts_with("main ") && lines[1].starts_with("thread "));
    // Without them: a write differs (or, if the threads took NSS's locks in different
    // orders, the variants wait for each other and the window reports it).
    let out = prog.run_mvx_opts(["-n", "2", "--no-compat-wrappers", "--window", "5"]);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
}

#[test]
fn an_openssl_tls_server_serves_under_mvx() {
    let Some(openssl) = openssl() else { return };
    let Some(curl) = find_program("curl") else {
        eprintln!("note: no curl; the TLS server test is skipped");
        return;
    };
    let dir = TempDir::new("tls");
    let (key, cert) = (dir.join("key.pem"), dir.join("cert.pem"));
    let made = run(
        Command::new(&openssl)
            .args([
                "req", "-x509", "-newkey", "ed25519", "-nodes", "-subj", "/CN=mvx",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert),
        None,
    );
    assert_eq!(made.code(), 0, "{}", made.context());
    // Two connections: TLS 1.3 and TLS 1.2 (ECDHE key shares, randoms, session ids).
    let mut server = Background::start(
        Prog::new(&openssl)
            .args([
                "s_server",
                "-accept",
                "127.0.0.1:0",
                "-www",
                "-naccept",
                "2",
            ])
            .arg("-cert")
            .arg(&cert)
            .arg("-key")
            .arg(&key)
            .mvx_command(["-n", "2"])
            .current_dir(dir.path()),
    );
    let line = server.wait_for_line(|l| l.starts_with("ACCEPT "), TIMEOUT);
    let addr = line["ACCEPT ".len()..].to_string();
    for tls in ["--tlsv1.3", "--tls-max"] {
        let mut cmd = Command::new(&curl);
        cmd.args(["-sSk", "--max-time", "30"]);
        if tls == "--tls-max" {
            cmd.args(["--tls-max", "1.2"]);
        }
        let reply = run(cmd.arg(format!("https://{addr}/")), None);
        assert_eq!(reply.code(), 0, "{}", reply.context());
        assert!(reply.stdout_str().contains("<HTML>"), "{}", reply.context());
    }
    let out = server.finish(TIMEOUT);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
}

#[test]
fn beyond_the_buffers_threads_and_processes_the_kernels_bytes_agree() {
    // A run's first 64 threads and processes have record slots; the 71st process's calls
    // take getrandom's bytes (replicated by mvx) instead.
    let Some(openssl) = openssl() else { return };
    let script = format!(
        "for i in $(seq 70); do /bin/true; done; {} rand -hex 32",
        openssl.display()
    );
    let out = Prog::new("/bin/sh").args(["-c", &script]).run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    let stdout = out.stdout_str();
    assert!(
        stdout.trim().len() == 64 && is_hex(stdout.trim()),
        "{}",
        out.context()
    );
}

#[test]
fn a_static_program_runs_without_a_warning() {
    // LD_PRELOAD means nothing to a statically linked program.
    let out = Prog::new(example("nondet-static")).run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str().lines().count(), 3, "{}", out.context());
    assert!(out.warnings().is_empty(), "{}", out.context());
}

#[test]
fn a_missing_preload_library_is_one_warning_not_a_failure() {
    let echo = |opts: &[&str]| {
        let out = Prog::new("/bin/echo")
            .arg("hi")
            .env("MVX_PRELOAD_LIB", "/nonexistent/libmvx_preload.so")
            .run_mvx_opts(opts);
        assert_eq!(out.code(), 0, "{}", out.context());
        assert_eq!(out.stdout_str(), "hi\n", "{}", out.context());
        out
    };
    let out = echo(&["-n", "2"]);
    let warnings = out.warnings();
    assert_eq!(warnings.len(), 1, "{}", out.context());
    assert!(
        warnings[0].contains("compat wrappers") && warnings[0].contains("/nonexistent"),
        "{}",
        out.context()
    );
    // Nothing wants the library: no warning (above strict the fast path still does).
    if monitor_level() == "strict" {
        for opts in [&["-n", "2", "--no-compat-wrappers"][..], &["-n", "1"]] {
            let out = echo(opts);
            assert!(out.warnings().is_empty(), "{}", out.context());
        }
    }
}

#[test]
fn at_strict_the_library_is_loaded_only_for_the_compat_wrappers() {
    if monitor_level() != "strict" {
        return;
    }
    preload_built();
    let printenv = Prog::new("/usr/bin/printenv").args(["LD_PRELOAD", "MVX_PRELOAD_COMPAT"]);
    let on = printenv.run_mvx(2);
    assert_eq!(on.code(), 0, "{}", on.context());
    let stdout = on.stdout_str();
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(
        lines.len() == 2 && lines[0].ends_with("/libmvx_preload.so") && lines[1] == "1",
        "{}",
        on.context()
    );
    let off = printenv.run_mvx_opts(["-n", "2", "--no-compat-wrappers"]);
    // printenv exits 1 when a variable is unset.
    assert_eq!(off.code(), 1, "{}", off.context());
    assert!(off.stdout.is_empty(), "{}", off.context());
}
