//! `mvx-cc` end to end: diversified variants of the I-MVX example run under the real monitor,
//! and `CC=mvx-cc make` builds a small project's variants.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn ready() -> bool {
    if mvx_llvm_pass::pragma_plugin().is_none() {
        eprintln!("note: no clang plugin (LLVM 19 missing); skipping");
        return false;
    }
    // The runtime library mvx-cc links, and the monitor the variants run under.
    let status = Command::new("cargo")
        .args(["build", "-q", "-p", "mvx-c-shim", "-p", "mvx-monitor"])
        .current_dir(workspace())
        .status()
        .unwrap();
    assert!(status.success());
    true
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mvx-cc-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn mvx_cc() -> &'static str {
    env!("CARGO_BIN_EXE_mvx-cc")
}

/// `mvx-cc [FLAGS] --variants N -o DIR/NAME examples/c/SOURCE [LIBS]`: the N variant binaries.
fn build_variants(
    dir: &Path,
    name: &str,
    source: &str,
    n: usize,
    flags: &[&str],
    libs: &[&str],
) -> Vec<PathBuf> {
    let out = Command::new(mvx_cc())
        .args(flags)
        .args(["--variants", &n.to_string(), "-o"])
        .arg(dir.join(name))
        .arg(workspace().join("examples/c").join(source))
        .args(libs)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (0..n).map(|k| dir.join(format!("{name}.v{k}"))).collect()
}

/// `mvx run OPTS --variant B0 --variant B1 ... -- ARGS` with the workspace's mvx.
fn mvx_over(bins: &[PathBuf], opts: &[&str], args: &[&str]) -> Command {
    let mut cmd = Command::new(workspace().join("target/debug/mvx"));
    cmd.arg("run").args(opts);
    for b in bins {
        cmd.arg("--variant").arg(b);
    }
    cmd.arg("--").args(args);
    cmd
}

#[test]
fn three_diversified_variants_of_the_i_mvx_example_run_without_alarm() {
    if !ready() {
        return;
    }
    let dir = scratch("imvx");
    let bins = build_variants(
        &dir,
        "rand-bytes",
        "rand-bytes-pragma.c",
        3,
        &[],
        &["-lcrypto"],
    );
    let bytes: Vec<Vec<u8>> = bins.iter().map(|b| std::fs::read(b).unwrap()).collect();
    for i in 0..3 {
        for j in i + 1..3 {
            assert_ne!(
                bytes[i], bytes[j],
                "variants {i} and {j} are the same binary"
            );
        }
    }
    let run = mvx_over(&bins, &["--aslr"], &[]).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout).lines().count(), 3);
}

#[test]
fn cc_mvx_cc_make_builds_variants_of_a_small_project() {
    if !ready() {
        return;
    }
    let dir = scratch("make");
    std::fs::write(dir.join("util.c"), "int twice(int x) { return 2 * x; }\n").unwrap();
    std::fs::write(
        dir.join("main.c"),
        "#include <stdio.h>\n#include <mvx.h>\nint twice(int);\nint main(void) {\n  printf(\"%d %d\\n\", twice(21), mvx_variant_index() >= 0);\n  return 0;\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Makefile"),
        "prog: main.o util.o\n\t$(CC) -o $@ main.o util.o\n%.o: %.c\n\t$(CC) -c -o $@ $<\n",
    )
    .unwrap();
    let make = Command::new("make")
        .current_dir(&dir)
        .env("CC", mvx_cc())
        .env("MVX_CC_VARIANTS", "2")
        .output()
        .unwrap();
    assert!(
        make.status.success(),
        "{}",
        String::from_utf8_lossy(&make.stderr)
    );
    for f in ["prog", "prog.v0", "prog.v1", "main.o", "main.o.v1"] {
        assert!(dir.join(f).exists(), "{f} missing");
    }
    let native = Command::new(dir.join("prog")).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&native.stdout),
        "42 0\n",
        "no mvx: index -1"
    );
    let run = Command::new(workspace().join("target/debug/mvx"))
        .arg("run")
        .arg("--variant")
        .arg(dir.join("prog.v0"))
        .arg("--variant")
        .arg(dir.join("prog.v1"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&run.stdout), "42 1\n");
}

#[test]
fn bad_variant_counts_are_refused() {
    let out = Command::new(mvx_cc())
        .args(["--variants", "0", "-c", "x.c"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--variants takes a number from 1 to 8"));
}

#[test]
fn bad_profiles_are_refused_with_the_list_of_profiles() {
    for (args, expected) in [
        (
            &["--variants", "2", "--profile", "fast", "-c", "x.c"][..],
            "unknown profile 'fast' (the profiles are: default, control-flow, data, max",
        ),
        (
            &["--variants", "2", "--profile"][..],
            "--profile needs a name",
        ),
        (
            &["--profile=data", "-c", "x.c"][..],
            "--profile data needs --variants N",
        ),
    ] {
        let out = Command::new(mvx_cc()).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
}

#[test]
fn every_profile_builds_variants_that_run_without_alarm() {
    if !ready() {
        return;
    }
    let dir = scratch("profiles");
    let source = workspace().join("examples/c/layout.c");
    for profile in ["default", "control-flow", "data", "max"] {
        let out = dir.join(format!("layout-{profile}"));
        let status = Command::new(mvx_cc())
            .args(["--variants", "2", "--profile", profile, "-O2", "-o"])
            .arg(&out)
            .arg(&source)
            .status()
            .unwrap();
        assert!(status.success(), "{profile}: mvx-cc failed");
        let bins: Vec<PathBuf> = (0..2)
            .map(|k| PathBuf::from(format!("{}.v{k}", out.display())))
            .collect();
        let run = mvx_over(&bins, &[], &["syscalls"]).output().unwrap();
        assert!(
            run.status.success(),
            "{profile}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
    }
}

#[test]
fn automatic_mode_runs_an_unannotated_threaded_program_without_alarm() {
    if !ready() {
        return;
    }
    let dir = scratch("auto");
    let bins = build_variants(
        &dir,
        "autosync",
        "autosync.c",
        3,
        &["--auto"],
        &["-pthread"],
    );
    for _ in 0..3 {
        let run = mvx_over(&bins, &[], &[]).output().unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        assert_eq!(String::from_utf8_lossy(&run.stdout).lines().count(), 1001);
    }
}

#[test]
fn the_pass_wraps_known_calls_and_reroutes_locks() {
    let Some(pass) = mvx_llvm_pass::autosync_plugin() else {
        return;
    };
    let out = Command::new("clang-19")
        .arg(format!("-fpass-plugin={}", pass.display()))
        .args(["-O2", "-S", "-emit-llvm", "-o", "-"])
        .arg(workspace().join("examples/c/autosync.c"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ir = String::from_utf8_lossy(&out.stdout);
    // rand, time, getpid and clock_gettime: four regions; the lock goes through the runtime.
    assert_eq!(
        ir.matches("call void @mvx_sync_op_before").count(),
        4,
        "{ir}"
    );
    assert_eq!(
        ir.matches("call void @mvx_sync_op_after").count(),
        4,
        "{ir}"
    );
    assert!(ir.contains("@mvx_pthread_mutex_lock("), "{ir}");
    assert!(!ir.contains("call i32 @pthread_mutex_lock("), "{ir}");
}

#[test]
fn the_tiny_httpd_built_with_mvx_cc_serves_curl_under_mvx() {
    if !ready() {
        return;
    }
    use std::io::{BufRead, BufReader};
    let dir = scratch("httpd");
    let bins = build_variants(&dir, "httpd", "httpd.c", 2, &[], &[]);
    let requests = 5;
    let mut mvx = mvx_over(&bins, &[], &["0", &requests.to_string()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(mvx.stdout.take().unwrap()).lines();
    let first = lines.next().expect("a port line").unwrap();
    let port: u16 = first
        .strip_prefix("port ")
        .expect("port N")
        .parse()
        .unwrap();
    for i in 0..requests {
        let curl = Command::new("curl")
            .args(["-s", "-i", "--max-time", "20"])
            .arg(format!("http://127.0.0.1:{port}/page{i}"))
            .output()
            .expect("curl runs");
        let text = String::from_utf8_lossy(&curl.stdout);
        assert!(text.starts_with("HTTP/1.0 200 OK"), "{text}");
        assert!(text.contains("X-Request-Id: "), "{text}");
        assert!(text.contains(&format!("you asked for /page{i}")), "{text}");
    }
    let status = mvx.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut mvx.stderr.take().unwrap(), &mut err).unwrap();
    assert!(status.success(), "{err}");
    assert_eq!(rest, vec![format!("served {requests}")], "{err}");
}
