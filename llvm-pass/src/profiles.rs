//! mvx-cc's diversity profiles: what each variant is compiled and linked with, and which
//! attack class each profile makes the variants disagree on.
//!
//! - `default`: optimisation levels, stack protector levels, code alignment and automatic
//!   variable initialisation differ per variant; code addresses differ. Control-flow hijacks
//!   through a corrupted return address or code pointer.
//! - `control-flow`: SafeStack in every variant; stack protector levels, CFI with LTO (even
//!   variants) or another register allocator (odd), PIE (even) or a fixed address (odd),
//!   functions and data in their own sections shuffled by lld with a per-variant seed. The
//!   same attacks as `default`, with code and data addresses that share nothing between variants.
//! - `data`: `default`'s flags plus per-variant struct layouts (the mvx_layout plugin: field
//!   order shuffled, padding between fields; variant 0 keeps the source layout). Data-only
//!   attacks: an overflow from one field into another reaches different fields per variant.
//! - `max`: `control-flow` and `data` together.

use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Default,
    ControlFlow,
    Data,
    Max,
}

pub const PROFILE_NAMES: &str = "default, control-flow, data, max";

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Profile, String> {
        match s {
            "default" => Ok(Profile::Default),
            "control-flow" => Ok(Profile::ControlFlow),
            "data" => Ok(Profile::Data),
            "max" => Ok(Profile::Max),
            _ => Err(format!(
                "unknown profile '{s}' (the profiles are: {PROFILE_NAMES}; see mvx-cc --mvx-help)"
            )),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            Profile::Default => "default",
            Profile::ControlFlow => "control-flow",
            Profile::Data => "data",
            Profile::Max => "max",
        })
    }
}

/// The data layout of one variant: the mvx_layout plugin's seed and the padding it puts
/// between consecutive fields, and the padding the mvx_stackpad pass puts after each local
/// that holds an array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub seed: String,
    pub pad_bytes: usize,
    pub stack_pad: usize,
}

/// How variant k is built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VariantPlan {
    /// For every clang run (compiles and links).
    pub compile: Vec<String>,
    /// Only for links.
    pub link: Vec<String>,
    /// Make the executable position-dependent (unless the user chose PIC/PIE/static/shared).
    pub fixed_address: bool,
    /// Linked with lld (so base addresses are set with --image-base).
    pub lld: bool,
    pub layout: Option<Layout>,
}

impl Profile {
    pub fn all() -> [Profile; 4] {
        [
            Profile::Default,
            Profile::ControlFlow,
            Profile::Data,
            Profile::Max,
        ]
    }

    /// What the profile makes the variants disagree on, for --mvx-help and the README.
    pub fn defeats(self) -> &'static str {
        match self {
            Profile::Default => {
                "code-pointer and return-address overwrites (code addresses differ)"
            }
            Profile::ControlFlow => {
                "the same, plus code reuse with leaked addresses: CFI, SafeStack, PIE/no-PIE, \
                 shuffled sections leave no common code or data address"
            }
            Profile::Data => {
                "data-only overflows between struct fields (layouts differ), plus default's"
            }
            Profile::Max => "everything control-flow and data defeat",
        }
    }

    pub fn plan(self, k: usize) -> VariantPlan {
        let mut plan = match self {
            Profile::Default | Profile::Data => default_plan(k),
            Profile::ControlFlow | Profile::Max => control_flow_plan(k),
        };
        if matches!(self, Profile::Data | Profile::Max) && k > 0 {
            plan.layout = Some(Layout {
                seed: format!("mvx-variant-{k}"),
                pad_bytes: 8 * k,
                stack_pad: 16 * k,
            });
        }
        plan
    }
}

const DEFAULT_FLAGS: [&[&str]; 4] = [
    &["-O2", "-fstack-protector-strong"],
    &[
        "-O2",
        "-fno-stack-protector",
        "-falign-functions=64",
        "-ftrivial-auto-var-init=pattern",
    ],
    &[
        "-O1",
        "-fstack-protector-all",
        "-falign-functions=32",
        "-ftrivial-auto-var-init=zero",
    ],
    &[
        "-O2",
        "-fstack-protector-strong",
        "-fzero-call-used-regs=used-gpr",
        "-falign-loops=32",
    ],
];

fn strings(flags: &[&str]) -> Vec<String> {
    flags.iter().map(|s| s.to_string()).collect()
}

/// Variants 4.. repeat 0..3 with functions aligned differently.
fn alignment_beyond_four(k: usize) -> Vec<String> {
    if k < 4 {
        return Vec::new();
    }
    vec![
        "-mllvm".into(),
        format!("-align-all-functions={}", k.min(12)),
    ]
}

fn default_plan(k: usize) -> VariantPlan {
    let mut compile = strings(DEFAULT_FLAGS[k % 4]);
    compile.extend(alignment_beyond_four(k));
    VariantPlan {
        compile,
        ..VariantPlan::default()
    }
}

fn control_flow_plan(k: usize) -> VariantPlan {
    // SafeStack in every variant: buffers live on a separate stack, away from return
    // addresses. (In some variants only, its runtime's start-up calls and libraries would
    // make the variants differ before main.)
    let mut compile = strings(&[
        "-O2",
        "-ffunction-sections",
        "-fdata-sections",
        "-fsanitize=safe-stack",
    ]);
    let odd = k % 2 == 1;
    if odd {
        // Another register allocator changes which values sit where.
        compile.extend(strings(&[
            "-fstack-protector-all",
            "-mllvm",
            "-regalloc=basic",
        ]));
    } else {
        // CFI (needs LTO and hidden visibility): indirect calls only reach functions of the
        // right type; a violation traps (SIGILL) instead of running the attacker's target.
        compile.extend(strings(&[
            "-fstack-protector-strong",
            "-flto",
            "-fvisibility=hidden",
            "-fsanitize=cfi",
            "-fsanitize-trap=cfi",
        ]));
    }
    compile.extend(alignment_beyond_four(k));
    VariantPlan {
        compile,
        link: vec![
            "-fuse-ld=lld".into(),
            format!("-Wl,--shuffle-sections=*={}", k + 1),
        ],
        fixed_address: odd,
        lld: true,
        layout: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_explained() {
        for p in Profile::all() {
            assert_eq!(p.to_string().parse::<Profile>(), Ok(p));
        }
        let err = "fast".parse::<Profile>().unwrap_err();
        assert!(err.contains("unknown profile 'fast'") && err.contains("control-flow"));
    }

    #[test]
    fn data_keeps_variant_zero_in_source_layout_and_pads_the_others_differently() {
        assert_eq!(Profile::Data.plan(0).layout, None);
        let pads: Vec<usize> = (1..4)
            .map(|k| Profile::Data.plan(k).layout.unwrap().pad_bytes)
            .collect();
        assert_eq!(pads, [8, 16, 24]);
        assert_eq!(Profile::Default.plan(1).layout, None);
        assert!(Profile::Max.plan(1).layout.is_some());
    }

    #[test]
    fn control_flow_variants_differ_in_mechanism_and_seed() {
        let v0 = Profile::ControlFlow.plan(0);
        let v1 = Profile::ControlFlow.plan(1);
        assert!(v0.compile.iter().any(|f| f == "-fsanitize=cfi"));
        assert!(v1.compile.iter().any(|f| f == "-regalloc=basic"));
        assert!(!v1.compile.iter().any(|f| f == "-fsanitize=cfi"));
        assert!(!v0.fixed_address && v1.fixed_address);
        assert_ne!(v0.link, v1.link);
    }
}
