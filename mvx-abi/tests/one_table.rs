//! The table is the one description of every syscall: code outside mvx-abi asks it (a
//! property, the dispatch class, a `Special` kind) instead of keeping its own list of
//! syscall numbers.
//!
//! The rule this test checks, line by line in the non-test Rust sources of mvx-monitor,
//! mvx-sync-runtime and mvx-preload (`#[cfg(test)]` modules, `*tests.rs` files and `tests/`
//! skipped, `//` comments stripped): a syscall name (`SYS_x` or `Sysno::x`) *classifies* when
//! it stands
//! - inside a `matches!(...)` (followed across lines),
//! - before a `=>` on its line (a `match` arm pattern),
//! - right beside a `|` that is not `||` (a set joined with `|`, also when the next line
//!   goes on with `| ...`), or
//! - right beside `==` or `!=` (`Some(...)` and `as T` in between allowed), or
//! - in the initializer of a `const` or `static` item (a list kept as data).
//!
//! Naming a number to *make* a call (`libc::syscall(libc::SYS_x, ...)`, an injection
//! `(libc::SYS_mmap, [args])`, `set_call(regs, SYS_x, ...)`) matches none of these and is
//! allowed: the monitor's own calls are not a description of the program's.

use std::path::{Path, PathBuf};

const CRATES: &[&str] = &["mvx-monitor/src", "mvx-sync-runtime/src", "mvx-preload/src"];

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "tests") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs")
            && !path.to_string_lossy().ends_with("tests.rs")
        {
            out.push(path);
        }
    }
}

/// The lines of `text` outside `#[cfg(test)]` items, comments stripped, with their numbers.
fn code_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut skip_depth: Option<i32> = None; // brace depth inside a test item being skipped
    let mut test_attr = false;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("");
        let opens = line.matches('{').count() as i32;
        let closes = line.matches('}').count() as i32;
        if let Some(depth) = skip_depth.as_mut() {
            *depth += opens - closes;
            if *depth <= 0 {
                skip_depth = None;
            }
            continue;
        }
        if line.trim() == "#[cfg(test)]" {
            test_attr = true;
            continue;
        }
        if test_attr {
            test_attr = false;
            if opens > closes {
                skip_depth = Some(opens - closes);
            }
            // A one-line test item (`mod tests;`) is skipped too.
            continue;
        }
        out.push((i + 1, line.to_string()));
    }
    out
}

/// Byte ranges of syscall names (`SYS_x`, `Sysno::x`) in `line`.
fn syscall_names(line: &str) -> Vec<(usize, usize)> {
    let b = line.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = Vec::new();
    for pat in ["SYS_", "Sysno::"] {
        let mut from = 0;
        while let Some(at) = line[from..].find(pat) {
            let start = from + at;
            let mut end = start + pat.len();
            while end < b.len() && ident(b[end]) {
                end += 1;
            }
            // A whole identifier (not `FAST_SYS_...`), followed by a name.
            let whole = start == 0 || !ident(b[start - 1]);
            if whole && end > start + pat.len() {
                out.push((start, end));
            }
            from = end;
        }
    }
    out
}

/// Whether the name at `start..end` of `line` classifies (see the module comment).
fn classifies(line: &str, start: usize, end: usize) -> bool {
    let before = line[..start].trim_end();
    let before = before
        .strip_suffix("libc::")
        .or_else(|| before.strip_suffix("syscalls::"))
        .unwrap_or(before)
        .trim_end();
    let before = before.strip_suffix("Some(").unwrap_or(before).trim_end();
    let mut after = line[end..].trim_start();
    if let Some(rest) = after
        .strip_prefix(" as ")
        .or_else(|| after.strip_prefix("as "))
    {
        after = rest
            .trim_start_matches(|c: char| c.is_ascii_alphanumeric())
            .trim_start();
    }
    let after = after.strip_prefix(')').unwrap_or(after).trim_start();
    let single_bar = |s: &str, at_end: bool| {
        if at_end {
            s.ends_with('|') && !s.ends_with("||")
        } else {
            s.starts_with('|') && !s.starts_with("||")
        }
    };
    let arm = line[end..].contains("=>") && !line[..start].contains("=>");
    arm || single_bar(before, true)
        || single_bar(after, false)
        || before.ends_with("==")
        || before.ends_with("!=")
        || after.starts_with("==")
        || after.starts_with("!=")
}

/// Whether `line` starts a `const` or `static` item (not a `const fn`).
fn is_item_start(line: &str) -> bool {
    let t = line.trim_start();
    let t = t
        .strip_prefix("pub(crate) ")
        .or_else(|| t.strip_prefix("pub(super) "))
        .or_else(|| t.strip_prefix("pub "))
        .unwrap_or(t);
    (t.starts_with("const ") || t.starts_with("static ")) && !t.starts_with("const fn")
}

/// Every line of non-test code that classifies by syscall number: (file, line number, text).
fn offenders() -> Vec<(String, usize, String)> {
    let root = workspace();
    let mut out = Vec::new();
    for krate in CRATES {
        let mut files = Vec::new();
        rust_files(&root.join(krate), &mut files);
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let rel = file
                .strip_prefix(&root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let mut in_matches: i32 = 0; // paren depth inside a matches!( ... )
            let mut in_item = false; // inside a const/static initializer
            assert!(is_item_start("const BASE_UNTRACED: [i64; 10] = ["));
            assert!(is_item_start("pub static X: &[i64] = &[libc::SYS_read];"));
            assert!(!is_item_start("const fn arg_low(i: u32) -> u32 {"));
            assert!(!is_item_start("let x = libc::SYS_read;"));
            let lines = code_lines(&text);
            for (k, (n, line)) in lines.iter().enumerate() {
                let (n, line) = (*n, line.as_str());
                let names = syscall_names(line);
                // A set continued on the next line: `libc::SYS_a` then `| libc::SYS_b`.
                let next_joins = lines.get(k + 1).is_some_and(|(_, l)| {
                    let l = l.trim_start();
                    l.starts_with('|') && !l.starts_with("||")
                });
                in_item |= is_item_start(line);
                let item = in_item;
                if in_item && line.trim_end().ends_with(';') {
                    in_item = false;
                }
                let starts_matches = line.contains("matches!(");
                let inside = in_matches > 0 || starts_matches;
                let hit = (item && !names.is_empty())
                    || names.iter().any(|&(s, e)| {
                        (inside && (in_matches > 0 || line[..s].contains("matches!(")))
                            || classifies(line, s, e)
                            || (next_joins && line[e..].trim().is_empty())
                    });
                if hit {
                    out.push((rel.clone(), n, line.trim().to_string()));
                }
                if inside {
                    let from = if in_matches > 0 {
                        0
                    } else {
                        line.find("matches!(").unwrap() + "matches!".len()
                    };
                    for c in line[from..].chars() {
                        match c {
                            '(' => in_matches += 1,
                            ')' => in_matches -= 1,
                            _ => {}
                        }
                    }
                    in_matches = in_matches.max(0);
                }
            }
        }
    }
    out
}

#[test]
fn only_the_table_classifies_syscalls_by_number() {
    let found: Vec<String> = offenders()
        .iter()
        .map(|(file, n, text)| format!("{file}:{n}: {text}"))
        .collect();
    assert!(
        found.is_empty(),
        "syscall numbers classified outside mvx-abi (ask the table: a property on the entry's \
         line in entries.rs):\n{}",
        found.join("\n")
    );
}

/// The detector itself: what classifies and what only makes a call.
#[test]
fn the_detector_tells_lists_from_calls() {
    let hit = |line: &str| {
        syscall_names(line)
            .iter()
            .any(|&(s, e)| classifies(line, s, e))
    };
    assert!(hit("libc::SYS_read => None,"));
    assert!(hit(
        "syscalls::Sysno::close => FdEffect::Close { fd: a[0] as i32 },"
    ));
    assert!(hit("| libc::SYS_close => true,"));
    assert!(hit("libc::SYS_clone | libc::SYS_clone3"));
    assert!(hit("if nr == libc::SYS_pause {"));
    assert!(hit("call.nr as i64 == libc::SYS_brk"));
    assert!(hit("== Some(libc::SYS_futex)"));
    assert!(hit(
        "if leader.call.raw.nr == libc::SYS_rt_sigaction as u64 {"
    ));
    assert!(hit("if req.nr == libc::SYS_sendto && x"));
    assert!(hit("libc::SYS_epoll_wait as u64 != nr"));
    assert!(!hit("libc::syscall(libc::SYS_tkill, tid.as_raw(), sig);"));
    assert!(!hit(
        "Injection::CpuidFaulting => (libc::SYS_arch_prctl, [0; 6]),"
    ));
    assert!(!hit("libc::SYS_mremap,"));
    assert!(!hit("a || libc::SYS_x_is_not_a_thing"));
    assert!(!hit("let n = FAST_SYS_WRITE == x;"));
    assert!(is_item_start("const BASE_UNTRACED: [i64; 10] = ["));
    assert!(is_item_start("pub static X: &[i64] = &[libc::SYS_read];"));
    assert!(!is_item_start("const fn arg_low(i: u32) -> u32 {"));
    assert!(!is_item_start("let x = libc::SYS_read;"));
    let lines = code_lines(
        "fn a() {}\n#[cfg(test)]\nmod tests {\n    x == libc::SYS_read\n}\nfn b() { y == SYS_z } // c",
    );
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].0, 6);
}
