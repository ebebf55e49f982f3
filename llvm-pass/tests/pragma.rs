//! The clang plugin, compiled for real with clang-19: calls inserted where the pragmas are (and
//! nowhere else), ids stable across optimisation levels, diagnostics for malformed pragmas and
//! for a pragma as the bare body of an if, and a -E round trip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn plugin() -> Option<&'static Path> {
    let p = mvx_llvm_pass::pragma_plugin();
    if p.is_none() {
        eprintln!("note: the clang plugin was not built (no llvm-config-19); skipping");
    }
    p
}

fn scratch(name: &str, source: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mvx-pragma-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{name}.c"));
    std::fs::write(&file, source).unwrap();
    file
}

fn clang(plugin: &Path, args: &[&str], file: &Path) -> Output {
    Command::new("clang-19")
        .arg(format!("-fplugin={}", plugin.display()))
        .args(args)
        .arg(file)
        .output()
        .expect("clang-19 runs")
}

const EXAMPLE: &str = r#"
#include <stdlib.h>
extern int RAND_bytes(unsigned char *buf, int num);
void plain(unsigned char *buf) { buf[0] = rand(); }
void annotated(unsigned char *buf, const int *lengths, int testnum) {
#pragma mvx sync before
    RAND_bytes(buf, lengths[testnum]);
#pragma mvx sync after data(buf, lengths[testnum], char)
}
"#;

/// The IR of one function (between its `define` and the closing brace).
fn function_ir<'a>(ir: &'a str, name: &str) -> &'a str {
    let start = ir.find(&format!("@{name}(")).expect("function in IR");
    let start = ir[..start].rfind("define").unwrap();
    let end = start + ir[start..].find("\n}\n").unwrap();
    &ir[start..end]
}

#[test]
fn calls_are_inserted_around_the_region_only() {
    let Some(plugin) = plugin() else { return };
    let file = scratch("example", EXAMPLE);
    let out = clang(plugin, &["-O2", "-S", "-emit-llvm", "-o", "-"], &file);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ir = String::from_utf8_lossy(&out.stdout);
    let annotated = function_ir(&ir, "annotated");
    let before = annotated
        .find("call void @mvx_sync_op_before")
        .expect("before call");
    let region = annotated.find("@RAND_bytes").expect("the region's call");
    let after = annotated
        .find("call void @mvx_sync_op_after")
        .expect("after call");
    assert!(before < region && region < after, "{annotated}");
    assert!(
        !function_ir(&ir, "plain").contains("mvx_sync"),
        "no calls outside pragmas"
    );
}

#[test]
fn ids_do_not_depend_on_the_optimisation_level() {
    let Some(plugin) = plugin() else { return };
    let file = scratch("levels", EXAMPLE);
    let ids = |level: &str| {
        let out = clang(plugin, &[level, "-S", "-emit-llvm", "-o", "-"], &file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ir = String::from_utf8_lossy(&out.stdout).into_owned();
        ir.lines()
            .filter(|l| l.contains("call void @mvx_sync_op"))
            .map(|l| {
                l.split("i64 noundef ")
                    .nth(1)
                    .unwrap()
                    .split([',', ')'])
                    .next()
                    .unwrap()
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    let o0 = ids("-O0");
    assert_eq!(o0.len(), 2);
    for level in ["-O1", "-O2", "-O3"] {
        assert_eq!(ids(level), o0, "{level}");
    }
}

#[test]
fn preprocessed_output_compiles_again() {
    let Some(plugin) = plugin() else { return };
    let file = scratch("roundtrip", EXAMPLE);
    let pre = clang(plugin, &["-E", "-o", "-"], &file);
    assert!(
        pre.status.success(),
        "{}",
        String::from_utf8_lossy(&pre.stderr)
    );
    let text = String::from_utf8_lossy(&pre.stdout);
    assert!(text.contains("mvx_sync_op_before ("), "{text}");
    let again = scratch("roundtrip-i", &text);
    let out = Command::new("clang-19")
        .args(["-c", "-o", "/dev/null"])
        .arg(&again)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn malformed_pragmas_are_errors_with_locations() {
    let Some(plugin) = plugin() else { return };
    let file = scratch(
        "bad",
        "void f(char *buf, int n) {\n\
         #pragma mvx sync\n\
         #pragma mvx sink before\n\
         #pragma mvx sync after data(buf, n)\n\
         #pragma mvx sync after data(buf, n, char) extra\n\
         #pragma mvx sync before now\n\
         }\n",
    );
    let out = clang(plugin, &["-c", "-o", "/dev/null"], &file);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for (line, msg) in [
        (2, "expected 'before' or 'after'"),
        (3, "expected 'sync'"),
        (4, "'data' takes three arguments"),
        (5, "unexpected tokens after 'data(...)'"),
        (6, "takes no arguments"),
    ] {
        assert!(
            err.contains(&format!("bad.c:{line}:")) && err.contains(msg),
            "line {line}: {msg}\n{err}"
        );
    }
}

#[test]
fn a_pragma_as_the_bare_body_of_an_if_is_an_error() {
    let Some(plugin) = plugin() else { return };
    let file = scratch(
        "ifbody",
        "void f(int c, int n) {\n    if (c)\n#pragma mvx sync before\n    n++;\n}\n",
    );
    let out = clang(plugin, &["-c", "-o", "/dev/null"], &file);
    assert!(
        !out.status.success(),
        "the pragma silently became the if's body"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("ifbody.c:3:"));
}
