//! Data-layout diversity of `mvx-cc --profile data` (examples/c/layout.c, three variants):
//! the program's own structs are laid out differently in every variant, the structs whose
//! layout is an ABI (kernel structs from system headers, packed and MVX_FIXED_LAYOUT structs)
//! are not, and the variants pass kernel structs to syscalls under mvx with no alarm.

mod common;

use common::*;
use std::collections::BTreeMap;
use std::process::Command;

const VARIANTS: usize = 3;

/// What variant k of the layout example prints in `mode`.
fn layout_output(k: usize, mode: &str) -> String {
    let out = run(
        Command::new(example(&format!("layout-data.v{k}"))).arg(mode),
        None,
    );
    assert_eq!(out.code(), 0, "{}", out.context());
    out.stdout_str()
}

/// Field name -> offset, as variant k prints them.
fn offsets(k: usize) -> BTreeMap<String, usize> {
    layout_output(k, "offsets")
        .lines()
        .filter_map(|l| {
            let (name, offset) = l.rsplit_once(' ')?;
            Some((name.to_string(), offset.parse().ok()?))
        })
        .collect()
}

#[test]
fn program_structs_differ_between_variants_and_abi_structs_do_not() {
    let all: Vec<_> = (0..VARIANTS).map(offsets).collect();
    // Variant 0 keeps the source layout.
    assert_eq!(all[0]["session.is_admin"], 32, "{all:#?}");
    for a in 0..VARIANTS {
        for b in a + 1..VARIANTS {
            let distance =
                |k: usize| all[k]["session.is_admin"] as i64 - all[k]["session.name"] as i64;
            assert_ne!(
                distance(a),
                distance(b),
                "variants {a} and {b} put is_admin at the same place relative to name: {all:#?}"
            );
        }
    }
    let abi: Vec<&String> = all[0].keys().filter(|k| k.starts_with("abi ")).collect();
    assert_eq!(abi.len(), 6, "{all:#?}");
    for field in abi {
        for (k, layout) in all.iter().enumerate() {
            assert_eq!(
                layout[field], all[0][field],
                "variant {k} moved {field}: {all:#?}"
            );
        }
    }
}

#[test]
fn variants_pass_kernel_structs_to_syscalls_with_no_alarm() {
    for level in ["strict", "socket-rw"] {
        let mut cmd = Command::new(mvx_bin());
        cmd.args(["run", "--monitor-level", level]);
        for k in 0..VARIANTS {
            cmd.arg("--variant")
                .arg(example(&format!("layout-data.v{k}")));
        }
        let out = run(cmd.arg("--").arg("syscalls"), None);
        assert_no_divergence(&out);
        assert_eq!(out.code(), 0, "{level}: {}", out.context());
        assert_eq!(
            out.stdout_str(),
            "request 7 (layout): slept, bound 127.0.0.1, socket stat ok\n",
            "{level}: {}",
            out.context()
        );
    }
}

/// The data profile's stack padding (the mvx_stackpad pass): the distances from a local
/// buffer to the locals around it differ in every pair of variants, so an overflow sized for
/// one variant's frame corrupts other bytes in another.
#[test]
fn stack_frames_differ_between_variants() {
    let distances: Vec<BTreeMap<String, i64>> = (0..VARIANTS)
        .map(|k| {
            layout_output(k, "stack")
                .lines()
                .filter_map(|l| {
                    let (name, d) = l.strip_prefix("stack ")?.split_once(' ')?;
                    Some((name.to_string(), d.parse().ok()?))
                })
                .collect()
        })
        .collect();
    for local in ["is_admin", "tail"] {
        for a in 0..VARIANTS {
            for b in a + 1..VARIANTS {
                assert_ne!(
                    distances[a][local], distances[b][local],
                    "variants {a} and {b} put {local} at the same distance from the buffer: \
                     {distances:#?}"
                );
            }
        }
    }
}
