//! End-to-end tests of issue 3: processes, threads and exec in lock-step, and the
//! nondeterminism that bypasses system calls (rdtsc, the vDSO, epoll data pointers).
//!
//! Real programs (bash, make + cc, python3, sqlite3, git, tar) and the small C programs in
//! examples/c run under `mvx run` and are compared with native runs. Every command runs
//! with a hard timeout (common::TIMEOUT or shorter) so nothing can hang CI.

#[path = "common/mod.rs"]
mod common;

use common::*;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const PYTHON: &str = "/usr/bin/python3";

/// `mvx run OPTS... --variant A --variant B` with a JSON report in `dir`; returns the
/// output and the parsed report.
fn run_variant_pair(dir: &TempDir, a: &str, b: &str) -> (Output, String, serde_json::Value) {
    let report = dir.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .arg("--report")
        .arg(&report)
        .arg("--variant")
        .arg(example(a))
        .arg("--variant")
        .arg(example(b));
    let out = run(&mut cmd, None);
    let (text, json) = read_report(&report);
    (out, text, json)
}

/// The number after `prefix` on the first stderr line that starts with it.
fn stderr_number(out: &Output, prefix: &str) -> i64 {
    out.stderr_str()
        .lines()
        .find_map(|l| l.strip_prefix(prefix))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no line {prefix:?}<number> on stderr\n{}", out.context()))
}

/// Every regular file under `root` (relative path, contents), sorted by path.
fn tree_files(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let entries =
            std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path.strip_prefix(root).unwrap().to_path_buf();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    let mut files = Vec::new();
    walk(root, root, &mut files);
    files.sort();
    files
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines.sort();
    lines
}

// ---------------------------------------------------------------------------
// A shell: fork, exec, pipes between processes of the program, wait, exit status

fn bash_pipeline(n: usize) {
    let prog = Prog::new("bash").args([
        "-c",
        "for i in 1 2 3; do echo $i | cat; done; ls / | wc -l; (exit 3)",
    ]);
    let (native, under) = assert_same_as_native(&prog, n);
    assert_eq!(native.code(), 3, "{}", native.context());
    assert!(
        under.stdout_str().starts_with("1\n2\n3\n"),
        "{}",
        under.context()
    );
}

#[test]
fn bash_loop_with_pipes_and_subshell_n2() {
    bash_pipeline(2);
}

#[test]
fn bash_loop_with_pipes_and_subshell_n3() {
    bash_pipeline(3);
}

#[test]
fn temporary_files_get_one_name_in_every_variant() {
    // mkstemp/mkdtemp mix a stack address into the name; each variant's stack is elsewhere,
    // so the followers take the leader's name. One file and one directory are created (by the
    // leader), and every variant prints and uses the same names.
    let dir = TempDir::new("mktemp");
    let script = "f=$(mktemp -p \"$1\" t.XXXXXX) && d=$(mktemp -d -p \"$1\") && \
                  echo hi > \"$f\" && cat \"$f\" && rm \"$f\" && rmdir \"$d\" && \
                  echo \"${f##*/}\" \"${d##*/}\"";
    let out = Prog::new("sh")
        .args(["-c", script, "sh"])
        .arg(dir.path())
        .run_mvx(3);
    assert_no_divergence(&out);
    let text = out.stdout_str();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("hi"), "{}", out.context());
    let names: Vec<&str> = lines.next().unwrap_or("").split(' ').collect();
    assert!(
        names.len() == 2 && names[0].starts_with("t."),
        "{}",
        out.context()
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "{}",
        out.context()
    );
}

// ---------------------------------------------------------------------------
// make -j2 of a small generated C project

const PROJECT_UNITS: usize = 5;

/// Writes a small C project (f1.c .. f5.c, funcs.h, main.c, Makefile) into `dir`.
fn write_c_project(dir: &Path) {
    let mut header = String::from("#ifndef FUNCS_H\n#define FUNCS_H\n");
    let mut main_body = String::new();
    for k in 1..=PROJECT_UNITS {
        header.push_str(&format!("int f{k}(int x);\n"));
        std::fs::write(
            dir.join(format!("f{k}.c")),
            format!("#include \"funcs.h\"\n\nint f{k}(int x)\n{{\n\treturn x * {k} + {k};\n}}\n"),
        )
        .unwrap();
        main_body.push_str(&format!(
            "\tprintf(\"f{k}(10) = %d\\n\", f{k}(10));\n\ttotal += f{k}(10);\n"
        ));
    }
    header.push_str("#endif\n");
    std::fs::write(dir.join("funcs.h"), header).unwrap();
    std::fs::write(
        dir.join("main.c"),
        format!(
            "#include <stdio.h>\n#include \"funcs.h\"\n\nint main(void)\n{{\n\tint total = 0;\n{main_body}\tprintf(\"total = %d\\n\", total);\n\treturn 0;\n}}\n"
        ),
    )
    .unwrap();
    let objs: Vec<String> = std::iter::once("main.o".to_string())
        .chain((1..=PROJECT_UNITS).map(|k| format!("f{k}.o")))
        .collect();
    std::fs::write(
        dir.join("Makefile"),
        format!(
            "CC = cc\nCFLAGS = -O2 -Wall\nOBJS = {}\n\napp: $(OBJS)\n\t$(CC) -o $@ $(OBJS)\n\t@echo linked $@\n\n%.o: %.c funcs.h\n\t$(CC) $(CFLAGS) -c -o $@ $<\n\nclean:\n\trm -f app $(OBJS)\n\n.PHONY: clean\n",
            objs.join(" ")
        ),
    )
    .unwrap();
}

fn project_artifacts() -> Vec<String> {
    std::iter::once("app".to_string())
        .chain(std::iter::once("main.o".to_string()))
        .chain((1..=PROJECT_UNITS).map(|k| format!("f{k}.o")))
        .collect()
}

#[test]
fn make_j2_builds_a_c_project_like_native() {
    let native_dir = TempDir::new("make-native");
    let mvx_dir = TempDir::new("make-mvx");
    write_c_project(native_dir.path());
    write_c_project(mvx_dir.path());

    let native = run(
        Command::new("make")
            .arg("-j2")
            .current_dir(native_dir.path()),
        None,
    );
    assert_eq!(
        native.code(),
        0,
        "native build failed\n{}",
        native.context()
    );

    let start = Instant::now();
    let under = Prog::new("make").arg("-j2").cwd(mvx_dir.path()).run_mvx(2);
    eprintln!("make -j2 under mvx -n 2 took {:?}", start.elapsed());
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    // With -j2 the two compile lines running at once may be printed in either order.
    assert_eq!(
        sorted_lines(&under.stdout_str()),
        sorted_lines(&native.stdout_str()),
        "make's output differs from native (sorted lines)\n=== native ===\n{}\n=== mvx ===\n{}",
        native.context(),
        under.context()
    );
    assert!(
        under.stdout_str().ends_with("linked app\n"),
        "{}",
        under.context()
    );

    // The same artifacts: gcc without -g is deterministic, so they are equal byte for byte.
    for name in project_artifacts() {
        let built = std::fs::read(mvx_dir.join(&name))
            .unwrap_or_else(|e| panic!("{name} was not built under mvx: {e}\n{}", under.context()));
        let reference = std::fs::read(native_dir.join(&name)).unwrap();
        assert!(
            built == reference,
            "{name} built under mvx differs from the native build"
        );
    }
    let app = run(&mut Command::new(mvx_dir.join("app")), None);
    assert_eq!(app.code(), 0, "{}", app.context());
    let mut expected = String::new();
    let mut total = 0;
    for k in 1..=PROJECT_UNITS as i32 {
        let v = 10 * k + k;
        total += v;
        expected.push_str(&format!("f{k}(10) = {v}\n"));
    }
    expected.push_str(&format!("total = {total}\n"));
    assert_eq!(app.stdout_str(), expected, "{}", app.context());
}

// ---------------------------------------------------------------------------
// Threads: 8 pthreads doing their own syscalls, 50 runs in a row

const THREADS8_RUNS: usize = 50;

fn threads8_expected_file(i: usize) -> String {
    (0..20)
        .map(|line| format!("thread {i} line {line} pid same\n"))
        .collect()
}

fn check_threads8_files(dir: &Path, what: &str) {
    for i in 0..8 {
        let path = dir.join(format!("t{i}.txt"));
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{what}: cannot read {}: {e}", path.display()));
        assert_eq!(text.lines().count(), 20, "{what}: t{i}.txt\n{text}");
        assert_eq!(text, threads8_expected_file(i), "{what}: t{i}.txt");
    }
}

#[test]
fn eight_threads_run_50_times_without_false_alarm_n3() {
    let native_dir = TempDir::new("threads8-native");
    let native = Prog::new(example("threads8"))
        .arg(native_dir.path())
        .run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    assert_eq!(native.stdout_str(), "ok 8\n", "{}", native.context());
    check_threads8_files(native_dir.path(), "native");

    let start = Instant::now();
    let mut slowest = Duration::ZERO;
    for round in 1..=THREADS8_RUNS {
        let dir = TempDir::new("threads8");
        let began = Instant::now();
        let out = Prog::new(example("threads8")).arg(dir.path()).run_mvx(3);
        slowest = slowest.max(began.elapsed());
        assert!(
            !out.has_divergence_line() && out.code() != DIVERGENCE_STATUS,
            "false alarm in run {round} of {THREADS8_RUNS}\n{}",
            out.context()
        );
        assert_eq!(out.code(), 0, "run {round}\n{}", out.context());
        assert_eq!(out.stdout_str(), "ok 8\n", "run {round}\n{}", out.context());
        check_threads8_files(dir.path(), &format!("run {round}"));
    }
    eprintln!(
        "threads8 under mvx -n 3: {THREADS8_RUNS} runs in {:?} (slowest {slowest:?})",
        start.elapsed()
    );
}

// ---------------------------------------------------------------------------
// Interpreters and real tools

#[test]
fn python_threading_and_subprocess_match_native() {
    let script = r#"
import hashlib, subprocess, threading, time

results = [None] * 4

def work(i):
    h = hashlib.sha256()
    for j in range(3000):
        h.update(b"%d-%d" % (i, j))
        if j % 1000 == 0:
            time.sleep(0.001)
    results[i] = h.hexdigest()[:16]

threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join()
for i, r in enumerate(results):
    print("thread", i, r)
r = subprocess.run(["/bin/echo", "hi"], capture_output=True)
print("subprocess", r.returncode, r.stdout)
"#;
    let prog = Prog::new(PYTHON).args(["-c", script]);
    for n in [2, 3] {
        let (native, under) = assert_same_as_native(&prog, n);
        assert_eq!(native.code(), 0, "{}", native.context());
        assert!(
            under.stdout_str().ends_with("subprocess 0 b'hi\\n'\n"),
            "{}",
            under.context()
        );
    }
}

const SQL_SCRIPT: &str = "\
create table sales(region text, item text, qty integer, price real);
with recursive c(x) as (select 1 union all select x + 1 from c where x < 2000)
  insert into sales
  select case x % 4 when 0 then 'north' when 1 then 'south' when 2 then 'east' else 'west' end,
         'item' || (x % 7), x % 13, (x % 100) / 4.0
  from c;
begin;
insert into sales values ('north', 'extra', 5, 1.5), ('west', 'extra', 7, 2.25);
commit;
create index sales_region on sales(region);
select region, count(*), sum(qty), printf('%.2f', sum(qty * price)) from sales group by region order by region;
select item, sum(qty) from sales where region = 'north' group by item order by item;
select sum(qty), count(distinct item) from sales;
";

#[test]
fn sqlite3_script_from_stdin_matches_native() {
    let Some(sqlite3) = find_program("sqlite3") else {
        eprintln!(
            "note: sqlite3 is not installed, so the sqlite3 test is skipped (.ci/run installs it)"
        );
        return;
    };
    let native_dir = TempDir::new("sqlite-native");
    let mvx_dir = TempDir::new("sqlite-mvx");
    let native = Prog::new(&sqlite3)
        .arg(native_dir.join("test.db"))
        .stdin(SQL_SCRIPT)
        .run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    assert!(
        native.stdout_str().contains("north|"),
        "{}",
        native.context()
    );
    let under = Prog::new(&sqlite3)
        .arg(mvx_dir.join("test.db"))
        .stdin(SQL_SCRIPT)
        .run_mvx(2);
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    assert!(
        under.stdout == native.stdout,
        "stdout differs from native\n=== native ===\n{}\n=== mvx ===\n{}",
        native.context(),
        under.context()
    );
    // The database file written under mvx holds the same data: query it natively.
    let check = Prog::new(&sqlite3)
        .arg(mvx_dir.join("test.db"))
        .arg("select count(*), sum(qty) from sales;")
        .run_native();
    let reference = Prog::new(&sqlite3)
        .arg(native_dir.join("test.db"))
        .arg("select count(*), sum(qty) from sales;")
        .run_native();
    assert_eq!(check.code(), 0, "{}", check.context());
    assert_eq!(
        check.stdout_str(),
        reference.stdout_str(),
        "{}",
        check.context()
    );
}

const GIT_SCRIPT: &str = "\
git -c init.defaultBranch=main init -q && \
git add . && \
git commit -m 'first commit' && \
echo 'second line' >> a.txt && \
git add a.txt && \
git commit -m 'second commit' && \
git log --format='%H %s'";

fn git_prog(dir: &Path) -> Prog {
    let date = "1577836800 +0000";
    Prog::new("bash")
        .args(["-c", GIT_SCRIPT])
        .cwd(dir)
        .env("GIT_AUTHOR_NAME", "Mvx Test")
        .env("GIT_AUTHOR_EMAIL", "mvx@example.invalid")
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", "Mvx Test")
        .env("GIT_COMMITTER_EMAIL", "mvx@example.invalid")
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("HOME", dir)
        .env("TZ", "UTC")
}

fn write_git_files(dir: &Path) {
    std::fs::write(dir.join("a.txt"), "first line\n").unwrap();
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::fs::write(dir.join("sub").join("b.txt"), generated_text(200)).unwrap();
    for f in ["a.txt", "sub/b.txt"] {
        std::fs::set_permissions(dir.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
}

#[test]
fn git_init_add_commit_log_matches_native() {
    if find_program("git").is_none() {
        eprintln!("note: git is not installed, so the git test is skipped (.ci/run installs it)");
        return;
    }
    let native_dir = TempDir::new("git-native");
    let mvx_dir = TempDir::new("git-mvx");
    write_git_files(native_dir.path());
    write_git_files(mvx_dir.path());
    let native = git_prog(native_dir.path()).run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    let under = git_prog(mvx_dir.path()).run_mvx(2);
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    assert!(
        under.stdout == native.stdout,
        "stdout differs from native\n=== native ===\n{}\n=== mvx ===\n{}",
        native.context(),
        under.context()
    );
    let log: Vec<String> = under
        .stdout_str()
        .lines()
        .rev()
        .take(2)
        .map(str::to_owned)
        .collect();
    assert!(
        log[0].ends_with(" first commit") && log[1].ends_with(" second commit"),
        "{}",
        under.context()
    );
}

/// A small tree with text, binary, nested and empty directories, with fixed permissions.
fn write_tar_tree(src: &Path) {
    std::fs::create_dir_all(src.join("docs/deep/deeper")).unwrap();
    std::fs::create_dir_all(src.join("empty")).unwrap();
    std::fs::write(src.join("README"), "a small tree for tar\n").unwrap();
    std::fs::write(src.join("docs/words.txt"), generated_text(2000)).unwrap();
    let binary: Vec<u8> = (0..150_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(src.join("docs/deep/data.bin"), binary).unwrap();
    std::fs::write(src.join("docs/deep/deeper/note"), "deep\n").unwrap();
    for f in [
        "README",
        "docs/words.txt",
        "docs/deep/data.bin",
        "docs/deep/deeper/note",
    ] {
        std::fs::set_permissions(src.join(f), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    for d in ["", "docs", "docs/deep", "docs/deep/deeper", "empty"] {
        std::fs::set_permissions(src.join(d), std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// The three tar steps in `dir`: create, list, extract. Each one runs natively or under
/// `mvx run -n n` (n = 0 means natively); returns their outputs.
fn tar_round_trip(dir: &Path, n: usize) -> Vec<Output> {
    write_tar_tree(&dir.join("src"));
    std::fs::create_dir(dir.join("out")).unwrap();
    let steps: [&[&str]; 3] = [
        &[
            "--sort=name",
            "--mtime=@0",
            "--owner=0",
            "--group=0",
            "--numeric-owner",
            "-czf",
            "archive.tar.gz",
            "-C",
            "src",
            ".",
        ],
        &["-tvzf", "archive.tar.gz"],
        &["-xzf", "archive.tar.gz", "-C", "out"],
    ];
    steps
        .iter()
        .map(|args| {
            let prog = Prog::new("tar").args(*args).cwd(dir).env("TZ", "UTC");
            let out = if n == 0 {
                prog.run_native()
            } else {
                prog.run_mvx(n)
            };
            if n > 0 {
                assert_no_divergence(&out);
            }
            assert_eq!(out.code(), 0, "{}", out.context());
            out
        })
        .collect()
}

#[test]
fn tar_czf_xzf_round_trip_matches_native() {
    let native_dir = TempDir::new("tar-native");
    let mvx_dir = TempDir::new("tar-mvx");
    let native = tar_round_trip(native_dir.path(), 0);
    let under = tar_round_trip(mvx_dir.path(), 2);
    for (step, (n, m)) in native.iter().zip(&under).enumerate() {
        assert!(
            n.stdout == m.stdout,
            "tar step {step}: stdout differs from native\n=== native ===\n{}\n=== mvx ===\n{}",
            n.context(),
            m.context()
        );
    }
    assert!(
        under[1].stdout_str().contains("./docs/deep/data.bin"),
        "{}",
        under[1].context()
    );
    // Names sorted, times and owners fixed, gzip fed by a pipe: the archive is deterministic.
    assert!(
        std::fs::read(mvx_dir.join("archive.tar.gz")).unwrap()
            == std::fs::read(native_dir.join("archive.tar.gz")).unwrap(),
        "the archive made under mvx differs from the native one"
    );
    let extracted = tree_files(&mvx_dir.join("out"));
    assert_eq!(
        extracted,
        tree_files(&mvx_dir.join("src")),
        "extracted files differ from the source tree"
    );
    assert_eq!(extracted.len(), 4);
    assert!(
        mvx_dir.join("out/empty").is_dir(),
        "empty directory not extracted"
    );
}

// ---------------------------------------------------------------------------
// Nondeterministic instructions and the vDSO

#[test]
fn rdtsc_reads_agree_in_every_variant() {
    let native = Prog::new(example("rdtsc")).run_native();
    assert_eq!(native.code(), 0, "{}", native.context());
    for n in [2, 3] {
        let out = Prog::new(example("rdtsc")).run_mvx(n);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "-n {n}\n{}", out.context());
        let text = out.stdout_str();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "-n {n}\n{}", out.context());
        for (line, prefix) in lines.iter().zip(["rdtsc ", "rdtscp ", "diff "]) {
            assert!(line.starts_with(prefix), "-n {n}\n{}", out.context());
        }
    }
}

#[test]
fn vdso_clock_reads_agree_in_every_variant() {
    let out = Prog::new(example("vdso-clock")).run_mvx(3);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    let text = out.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{}", out.context());
    assert!(lines[0].starts_with("monotonic "), "{}", out.context());
    assert!(lines[1].starts_with("gettimeofday "), "{}", out.context());
    assert_eq!(lines[2], "backwards 0", "{}", out.context());
}

// ---------------------------------------------------------------------------
// epoll server with per-connection pointers in epoll_event.data

const EPOLL_REQUESTS: usize = 1000;

/// Starts `server` (which prints "port N"), runs the Python client against it, and
/// returns (client output, server output). Kills the server's process group on failure.
fn serve_epoll_requests(server: &mut Command) -> (Output, Output) {
    let mut bg = Background::start(server);
    let line = bg.wait_for_line(|l| l.starts_with("port "), TIMEOUT);
    let port: u16 = match line["port ".len()..].trim().parse() {
        Ok(port) => port,
        Err(e) => {
            let context = bg.kill_and_context();
            panic!("bad port line {line:?}: {e}\n{context}");
        }
    };
    let client_script = repo_root().join("examples").join("epoll-client.py");
    let client = run_timeout(
        Command::new(PYTHON)
            .arg(&client_script)
            .arg(port.to_string())
            .arg(EPOLL_REQUESTS.to_string())
            .args(["--threads", "4", "--per-conn", "10", "--timeout", "50"]),
        None,
        Duration::from_secs(55),
    );
    if client.status.code() != Some(0) {
        let context = bg.kill_and_context();
        panic!(
            "the client failed\n{}\n=== server ({}) ===\n{context}",
            client.context(),
            bg.command
        );
    }
    let server = bg.finish(Duration::from_secs(30));
    (client, server)
}

#[test]
fn epoll_server_serves_1000_requests_n2() {
    let server = example("epoll-server");
    let args = ["0", &EPOLL_REQUESTS.to_string()];

    let (client, native) = serve_epoll_requests(Command::new(&server).args(args));
    assert_eq!(client.stdout_str(), format!("ok {EPOLL_REQUESTS}\n"));
    assert_eq!(native.code(), 0, "{}", native.context());

    let start = Instant::now();
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "-n", "2", "--"]).arg(&server).args(args);
    let (client, under) = serve_epoll_requests(&mut cmd);
    eprintln!(
        "epoll server under mvx -n 2: {EPOLL_REQUESTS} requests in {:?}",
        start.elapsed()
    );
    assert_eq!(
        client.stdout_str(),
        format!("ok {EPOLL_REQUESTS}\n"),
        "{}",
        client.context()
    );
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    let text = under.stdout_str();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{}", under.context());
    assert!(lines[0].starts_with("port "), "{}", under.context());
    assert_eq!(
        lines[1],
        format!("served {EPOLL_REQUESTS}"),
        "{}",
        under.context()
    );
}

#[test]
fn epoll_server_at_socket_rw_serves_without_a_round_trip_per_request() {
    // accept, epoll_ctl/epoll_wait (with per-variant pointers as data), the reads and writes
    // and close all take the fast path at socket-rw: what stays in lock-step is the start
    // and the end, not the 1000 requests on 100 connections.
    let server = example("epoll-server");
    let dir = TempDir::new("epoll-fast");
    let report = dir.join("report.json");
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "-n", "2", "--monitor-level", "socket-rw", "--report"])
        .arg(&report)
        .arg("--")
        .arg(&server)
        .args(["0", &EPOLL_REQUESTS.to_string()]);
    let (client, under) = serve_epoll_requests(&mut cmd);
    assert_eq!(
        client.stdout_str(),
        format!("ok {EPOLL_REQUESTS}\n"),
        "{}",
        client.context()
    );
    assert_no_divergence(&under);
    assert_eq!(under.code(), 0, "{}", under.context());
    // The calls each request or connection makes (the loader's opens at start, which depend
    // on the environment, are not counted).
    const PER_REQUEST: &[&str] = &[
        "accept",
        "accept4",
        "epoll_wait",
        "epoll_ctl",
        "close",
        "read",
        "write",
        "recvfrom",
        "sendto",
    ];
    let (text, json) = read_report(&report);
    let per_request: u64 = json["syscalls_by_name"]
        .as_array()
        .unwrap_or_else(|| panic!("{text}"))
        .iter()
        .filter(|e| PER_REQUEST.contains(&e[0].as_str().unwrap_or("")))
        .map(|e| e[1].as_u64().unwrap_or(0))
        .sum();
    assert!(
        per_request < (EPOLL_REQUESTS / 20) as u64,
        "{per_request} per-request calls in lock-step for {EPOLL_REQUESTS} requests\n{text}"
    );
}

// ---------------------------------------------------------------------------
// Virtual pids: kill a child by the pid fork returned

fn kill_child(n: usize) {
    let (_, out) = assert_same_as_native(&Prog::new(example("killchild")), n);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(
        out.stdout_str(),
        "child killed by signal 15\n",
        "{}",
        out.context()
    );
}

#[test]
fn kill_child_by_virtual_pid_n2() {
    kill_child(2);
}

#[test]
fn kill_child_by_virtual_pid_n3() {
    kill_child(3);
}

// ---------------------------------------------------------------------------
// Divergence in a child process or a secondary thread is caught and named

#[test]
fn divergence_in_a_child_process_is_caught_and_named() {
    let dir = TempDir::new("child-diverge");
    let (out, text, json) = run_variant_pair(&dir, "child-diverge-a", "child-diverge-b");
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    // Above nonsocket-ro the leader's write runs on the fast path before the check.
    if !nonsocket_writes_relaxed() {
        assert!(
            out.stdout.is_empty(),
            "nothing may reach stdout: the child's line diverges and the parent never gets to \
             its own\n{}",
            out.context()
        );
    }
    // The program wrote both pids (the leader's, which every variant sees) to stderr.
    let parent = stderr_number(&out, "parent pid ");
    let child = stderr_number(&out, "child pid ");
    assert_ne!(parent, child, "{}", out.context());
    let group = format!("process {child}");
    assert!(
        out.stderr_str()
            .lines()
            .any(|l| l.starts_with(&format!("mvx: divergence in {group}: "))),
        "stderr does not name the child process ({group})\n{}",
        out.context()
    );
    assert_eq!(json["outcome"], "divergence", "{text}");
    assert_eq!(json["exit_status"], DIVERGENCE_STATUS, "{text}");
    assert_eq!(json["divergence"]["group"], group.as_str(), "{text}");
    assert_eq!(json["divergence"]["kind"], "argument_mismatch", "{text}");
    assert_eq!(json["divergence"]["syscall"], "write", "{text}");
    for buffer in ["child says A", "child says B"] {
        assert!(text.contains(buffer), "report lacks {buffer:?}\n{text}");
    }
}

#[test]
fn divergence_in_a_secondary_thread_is_caught_and_named() {
    let dir = TempDir::new("thread-diverge");
    let (out, text, json) = run_variant_pair(&dir, "thread-diverge-a", "thread-diverge-b");
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    // Above nonsocket-ro the leader's write runs on the fast path before the check.
    if !nonsocket_writes_relaxed() {
        assert!(
            out.stdout.is_empty(),
            "nothing may reach stdout: the thread's line diverges and main never gets to its \
             own\n{}",
            out.context()
        );
    }
    let pid = stderr_number(&out, "process pid ");
    let tid = stderr_number(&out, "thread tid ");
    assert_ne!(pid, tid, "{}", out.context());
    let group = format!("thread {tid} of process {pid}");
    assert!(
        out.stderr_str()
            .lines()
            .any(|l| l.starts_with(&format!("mvx: divergence in {group}: "))),
        "stderr does not name the thread ({group})\n{}",
        out.context()
    );
    assert_eq!(json["outcome"], "divergence", "{text}");
    assert_eq!(json["divergence"]["group"], group.as_str(), "{text}");
    assert!(
        json["divergence"]["group"]
            .as_str()
            .is_some_and(|g| g.starts_with("thread ")),
        "{text}"
    );
    assert_eq!(json["divergence"]["kind"], "argument_mismatch", "{text}");
    assert_eq!(json["divergence"]["syscall"], "write", "{text}");
    for buffer in ["thread says A", "thread says B"] {
        assert!(text.contains(buffer), "report lacks {buffer:?}\n{text}");
    }
}

/// `python3 -m venv` compiles .pyc files through "NAME.<id()>" temporary names (an address, a
/// different one in every variant): the follower takes the leader's name at the exclusive
/// create, and the later rename naming it again from its own string compares as the leader's.
#[test]
fn python_venv_writes_pyc_files_through_address_named_temporaries() {
    let dir = TempDir::new("venv");
    let out = Prog::new("/usr/bin/python3")
        .args(["-m", "venv", "--without-pip", "env"])
        .cwd(dir.path())
        .run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert!(dir.join("env/bin/python3").exists(), "{}", out.context());
    // And the interpreter of the new environment compiles a module the same way.
    let module = dir.join("m.py");
    std::fs::write(&module, "X = 42\n").unwrap();
    let out = Prog::new(dir.join("env/bin/python3"))
        .args([
            "-c",
            "import py_compile; py_compile.compile('m.py'); print('ok')",
        ])
        .cwd(dir.path())
        .run_mvx(2);
    assert_no_divergence(&out);
    assert_eq!(out.stdout_str(), "ok\n", "{}", out.context());
}
