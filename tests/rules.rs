//! Equivalence rules (`mvx run --rules`): two builds of examples/c/extra-calls.c make
//! different syscalls for benign reasons (extra-alloc maps, touches and unmaps a scratch
//! area; extra-random draws a canary with getrandom). Without rules mvx reports the
//! difference; a three-line rules file makes the run clean; a rule that would let a call with
//! an outside effect differ is refused before anything runs, with its line and column.

mod common;

use common::*;
use std::path::Path;
use std::process::Command;

const GOOD_RULES: &str = "# benign differences between the two builds\n\
                          any variant may call mmap, munmap alone\n\
                          any variant may call getrandom alone\n";

fn run_builds(level: &str, rules: Option<&Path>) -> Output {
    let mut cmd = Command::new(mvx_bin());
    cmd.args(["run", "--stats", "--monitor-level", level]);
    if let Some(rules) = rules {
        cmd.arg("--rules").arg(rules);
    }
    cmd.arg("--variant")
        .arg(example("extra-alloc"))
        .arg("--variant")
        .arg(example("extra-random"))
        .args(["--", "4"]);
    run(&mut cmd, None)
}

const OUTPUT: &str = "round 1: 1\nround 2: 5\nround 3: 14\nround 4: 30\n";

#[test]
fn extra_calls_diverge_without_rules_and_run_clean_with_them() {
    let dir = TempDir::new("rules");
    let rules = dir.join("benign.rules");
    std::fs::write(&rules, GOOD_RULES).unwrap();
    for level in ["strict", "socket-rw"] {
        let out = run_builds(level, None);
        assert_eq!(out.code(), DIVERGENCE_STATUS, "{level}\n{}", out.context());
        assert!(out.has_divergence_line(), "{level}\n{}", out.context());
        assert_eq!(
            out.stdout_str(),
            "",
            "{level}: nothing may be written\n{}",
            out.context()
        );

        let out = run_builds(level, Some(&rules));
        assert!(!out.has_divergence_line(), "{level}\n{}", out.context());
        assert_eq!(out.code(), 0, "{level}\n{}", out.context());
        assert_eq!(out.stdout_str(), OUTPUT, "{level}\n{}", out.context());
        assert!(
            out.stderr_str()
                .contains("run alone by equivalence rules: getrandom alone (line 3)"),
            "{level}: the stats count what the rules let through\n{}",
            out.context()
        );
    }
}

/// Rules widen only what they name: the same rules do not hide a real difference in what
/// the variants write.
#[test]
fn rules_do_not_hide_a_difference_in_output() {
    let dir = TempDir::new("rules-output");
    let rules = dir.join("benign.rules");
    std::fs::write(&rules, GOOD_RULES).unwrap();
    let out = run(
        Command::new(mvx_bin())
            .arg("run")
            .arg("--rules")
            .arg(&rules)
            .arg("--variant")
            .arg(example("diverge-a"))
            .arg("--variant")
            .arg(example("diverge-b")),
        None,
    );
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(!out.stdout_str().contains("hello"), "{}", out.context());
}

#[test]
fn a_rule_letting_a_write_differ_is_refused_before_anything_runs() {
    let dir = TempDir::new("rules-bad");
    let marker = dir.join("ran");
    for (text, line, column, what) in [
        (
            "any variant may call mmap alone\nvariant 1 may call munmap, write alone\n",
            2,
            28,
            "write has an effect outside the process",
        ),
        (
            "ignore argument 2 of write\n",
            1,
            22,
            "write has an effect outside the process",
        ),
        ("variant 1 may call mmap\n", 1, 24, "expected `alone`"),
    ] {
        let rules = dir.join("bad.rules");
        std::fs::write(&rules, text).unwrap();
        let out = run(
            Command::new(mvx_bin())
                .arg("run")
                .arg("--rules")
                .arg(&rules)
                .args(["-n", "2", "--", "touch"])
                .arg(&marker),
            None,
        );
        let err = out.stderr_str();
        assert_ne!(out.code(), 0, "{}", out.context());
        assert!(
            err.contains(&format!("bad.rules:{line}:{column}: ")) && err.contains(what),
            "{text:?}\n{}",
            out.context()
        );
        assert!(!marker.exists(), "the program ran despite the bad rules");
    }
    let out = run(
        Command::new(mvx_bin())
            .arg("run")
            .arg("--rules")
            .arg(dir.join("missing.rules"))
            .args(["--", "true"]),
        None,
    );
    assert_ne!(out.code(), 0, "{}", out.context());
    assert!(
        out.stderr_str().contains("reading the rules file"),
        "{}",
        out.context()
    );
}

/// An equivalent sequence: where the leader maps a work area, variant 1 maps one a page
/// larger and guards that page (mmap, mprotect). The rule is directional: with the builds the
/// other way round it does not apply. (At `base` and up these calls do not stop in the
/// monitor at all, so this runs at `strict`.)
#[test]
fn an_equivalent_sequence_is_walked_by_each_side_alone() {
    let dir = TempDir::new("rules-seq");
    let rules = dir.join("seq.rules");
    std::fs::write(
        &rules,
        "variant 1 calls mmap, mprotect where the leader calls mmap\n",
    )
    .unwrap();
    let run_pair = |first: &str, second: &str, rules: Option<&Path>| {
        let mut cmd = Command::new(mvx_bin());
        cmd.args(["run", "--stats", "--monitor-level", "strict"]);
        if let Some(rules) = rules {
            cmd.arg("--rules").arg(rules);
        }
        cmd.arg("--variant")
            .arg(example(first))
            .arg("--variant")
            .arg(example(second))
            .args(["--", "4"]);
        run(&mut cmd, None)
    };
    let out = run_pair("scratch-plain", "scratch-guarded", None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());

    let out = run_pair("scratch-plain", "scratch-guarded", Some(&rules));
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str(), OUTPUT, "{}", out.context());
    assert!(
        out.stderr_str().contains("mprotect alone (line 1) 1"),
        "{}",
        out.context()
    );

    let out = run_pair("scratch-guarded", "scratch-plain", Some(&rules));
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert_eq!(out.stdout_str(), "", "{}", out.context());
}
