//! `cargo mvx build --profile NAME`: the named diversity profiles, mvx-cc's names mapped to what
//! stable rustc can do. Each adds linker flags to the followers' flag sets of `profiles::PROFILES`
//! (v0, the leader, is cargo's own code generation under every profile).
//!
//! - `default`: the flag sets alone: code layout per variant.
//! - `control-flow`: also read-only data shuffled per variant (`.rodata.*`: constant tables,
//!   strings, jump tables), so no code or constant address is shared.
//! - `data`: also writable statics shuffled per variant (`.data.*` but `.data.rel.ro*`, and
//!   `.bss.*`), so an overflow from one static reaches a different neighbour in each variant.
//! - `max`: both.
//!
//! Not possible with stable rustc: struct layout randomization (`-Z randomize-layout`), stack
//! protectors (`-Z stack-protector`), SafeStack and CFI (`-Z sanitizer=safestack|cfi`), CET
//! (`-Z cf-protection`): all nightly-only. `.data.rel.ro` (vtables, relocated constants) is not
//! shuffled: it lies in the RELRO segment, whose length mvx compares at the loader's mprotect.

use crate::profiles::LinkerCaps;
use anyhow::{bail, Result};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum NamedProfile {
    #[default]
    Default,
    ControlFlow,
    Data,
    Max,
}

pub const NAMES: &str = "default, control-flow, data, max";

/// Read-only data: constants, strings, jump tables.
const READ_ONLY_DATA: &str = ".rodata.*";
/// Writable statics, without `.data.rel.ro.*` (RELRO) and zero-initialised ones.
const WRITABLE_DATA: [&str; 2] = [".data.[!r]*", ".bss.*"];

impl FromStr for NamedProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "default" => Ok(NamedProfile::Default),
            "control-flow" => Ok(NamedProfile::ControlFlow),
            "data" => Ok(NamedProfile::Data),
            "max" => Ok(NamedProfile::Max),
            _ => Err(format!(
                "unknown profile '{s}' (the profiles are: {NAMES}; see cargo mvx build --help)"
            )),
        }
    }
}

impl fmt::Display for NamedProfile {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(match self {
            NamedProfile::Default => "default",
            NamedProfile::ControlFlow => "control-flow",
            NamedProfile::Data => "data",
            NamedProfile::Max => "max",
        })
    }
}

impl NamedProfile {
    fn shuffles_read_only_data(self) -> bool {
        matches!(self, NamedProfile::ControlFlow | NamedProfile::Max)
    }

    fn shuffles_writable_data(self) -> bool {
        matches!(self, NamedProfile::Data | NamedProfile::Max)
    }

    /// Where variant k's build goes under `<target-dir>/mvx`: v0 and the default profile's
    /// followers in `v<k>` (v0 is the same build under every profile), the other profiles'
    /// followers in `<profile>/v<k>`, so that switching profiles rebuilds nothing twice.
    pub fn variant_dir(self, k: usize) -> String {
        if k == 0 || self == NamedProfile::Default {
            format!("v{k}")
        } else {
            format!("{self}/v{k}")
        }
    }

    /// The flags variant k gets on top of its flag set: seeded section shuffles for k > 0.
    pub fn extra_flags(self, k: usize, linker: LinkerCaps) -> Result<Vec<String>> {
        let mut globs: Vec<&str> = Vec::new();
        if self.shuffles_read_only_data() {
            globs.push(READ_ONLY_DATA);
        }
        if self.shuffles_writable_data() {
            globs.extend(WRITABLE_DATA);
        }
        if k == 0 || globs.is_empty() {
            return Ok(Vec::new());
        }
        if !linker.shuffle {
            bail!(
                "--profile {self} shuffles data sections, and the linker rejects \
                 --shuffle-sections (rust-lld, rustc's default linker on x86_64 Linux, accepts it)"
            );
        }
        Ok(globs
            .iter()
            .flat_map(|glob| {
                [
                    "-C".to_string(),
                    format!("link-arg=-Wl,--shuffle-sections={glob}={k}"),
                ]
            })
            .collect())
    }

    /// For `cargo mvx build --help`.
    pub fn help() -> String {
        format!(
            "Named profiles (--profile NAME; the followers v1.. get more on top of the table \
             above):\n  \
             default       the table alone: code layout differs per variant\n  \
             control-flow  also read-only data shuffled ({READ_ONLY_DATA}): no code or constant \
             address is shared\n  \
             data          also writable statics shuffled ({}): an overflow from one static \
             reaches a different neighbour\n  \
             max           control-flow and data together\n\
             Not possible with stable rustc (nightly-only -Z flags): struct layout randomization \
             (-Z randomize-layout), stack protectors, SafeStack, CFI, CET. .data.rel.ro stays in \
             place (its RELRO length is compared by mvx).",
            WRITABLE_DATA.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LLD: LinkerCaps = LinkerCaps {
        separate_segments: true,
        shuffle: true,
    };

    #[test]
    fn names_round_trip_and_a_bad_name_lists_them() {
        for name in NAMES.split(", ") {
            assert_eq!(name.parse::<NamedProfile>().unwrap().to_string(), name);
        }
        let err = "fast".parse::<NamedProfile>().unwrap_err();
        assert!(
            err.contains("unknown profile 'fast'") && err.contains(NAMES),
            "{err}"
        );
    }

    #[test]
    fn the_leader_and_the_default_profile_get_nothing_more() {
        for name in NAMES.split(", ") {
            let p: NamedProfile = name.parse().unwrap();
            assert!(p.extra_flags(0, LLD).unwrap().is_empty());
            assert_eq!(p.variant_dir(0), "v0");
        }
        assert!(NamedProfile::Default
            .extra_flags(1, LLD)
            .unwrap()
            .is_empty());
        assert_eq!(NamedProfile::Default.variant_dir(2), "v2");
    }

    #[test]
    fn max_shuffles_every_data_kind_with_the_variants_seed() {
        let flags = NamedProfile::Max.extra_flags(3, LLD).unwrap().join(" ");
        for glob in [READ_ONLY_DATA, WRITABLE_DATA[0], WRITABLE_DATA[1]] {
            assert!(
                flags.contains(&format!("--shuffle-sections={glob}=3")),
                "{flags}"
            );
        }
        assert!(!flags.contains(".data.rel.ro"), "{flags}");
        assert_eq!(NamedProfile::Max.variant_dir(3), "max/v3");
    }

    #[test]
    fn data_profiles_need_a_shuffling_linker() {
        let gnu_ld = LinkerCaps {
            separate_segments: false,
            shuffle: false,
        };
        let err = NamedProfile::Data.extra_flags(1, gnu_ld).unwrap_err();
        assert!(err.to_string().contains("--shuffle-sections"), "{err}");
    }
}
