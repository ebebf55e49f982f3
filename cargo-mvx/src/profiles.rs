//! The variant profiles: one rustc flag set per variant, and the check that keeps the variants'
//! loader-visible footprint identical (see the crate docs).

use anyhow::{bail, Context, Result};
use std::path::Path;

/// What the linker accepts (probed once per `cargo mvx` run, see `variants::probe_linker`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkerCaps {
    /// `-z separate-loadable-segments` (lld): every PT_LOAD starts on a page.
    pub separate_segments: bool,
    /// `--shuffle-sections=GLOB=SEED` (lld).
    pub shuffle: bool,
}

/// One variant's code generation choices. `None` leaves rustc's (or the cargo profile's) default.
#[derive(Clone, Copy, Debug)]
pub struct Profile {
    /// `-C force-frame-pointers=yes|no`.
    pub frame_pointers: Option<bool>,
    /// `-C llvm-args=-align-all-functions=N`: every function aligned to 2^N bytes.
    pub function_align: Option<u32>,
    /// `-C llvm-args=-align-all-nofallthru-blocks=N`: blocks not reached by fall-through aligned to
    /// 2^N bytes (padding inside functions).
    pub block_align: Option<u32>,
    /// `-C codegen-units=N`: a different partitioning, so different inlining, ordering and local
    /// symbol duplication. May change data sizes (see `Profile::flags`).
    pub codegen_units: Option<u32>,
    /// `-C link-arg=-Wl,--shuffle-sections=.text*=SEED`: lld places the functions (std's too,
    /// which are precompiled) in a seeded random order. Only when the linker accepts it.
    pub shuffle_seed: Option<u32>,
}

const fn p(
    frame_pointers: Option<bool>,
    function_align: Option<u32>,
    block_align: Option<u32>,
    codegen_units: Option<u32>,
    shuffle_seed: Option<u32>,
) -> Profile {
    Profile {
        frame_pointers,
        function_align,
        block_align,
        codegen_units,
        shuffle_seed,
    }
}

/// The most variants `cargo mvx` builds (mvx runs at most 8).
pub const MAX_VARIANTS: usize = 8;

/// Variant k is built with `PROFILES[k]`. v0 (mvx's leader) is cargo's own code generation.
pub const PROFILES: [Profile; MAX_VARIANTS] = [
    p(None, None, None, None, None),
    p(Some(true), Some(6), None, Some(1), Some(1)),
    p(Some(false), Some(5), Some(4), Some(4), Some(2)),
    p(Some(true), Some(7), None, Some(2), Some(3)),
    p(Some(false), Some(6), Some(5), Some(8), Some(4)),
    p(Some(true), Some(5), Some(3), Some(3), Some(5)),
    p(Some(false), Some(8), None, Some(1), Some(6)),
    p(Some(true), Some(4), Some(4), Some(16), Some(7)),
];

/// Page size used for the loader's RELRO `mprotect` (x86_64).
const PAGE: u64 = 4096;

impl Profile {
    /// The rustc arguments of this profile (each a separate argument, as in
    /// `CARGO_ENCODED_RUSTFLAGS`). With `with_data_changing == false`, the flags that may change
    /// the size of the program's data (`codegen-units`) are left out: the remaining ones only move
    /// and pad code, so the variant's data, and hence its RELRO segment, are those of v0.
    pub fn flags(&self, linker: LinkerCaps, with_data_changing: bool) -> Vec<String> {
        let mut f: Vec<String> = Vec::new();
        let mut c = |s: String| {
            f.push("-C".to_string());
            f.push(s);
        };
        if let Some(fp) = self.frame_pointers {
            c(format!(
                "force-frame-pointers={}",
                if fp { "yes" } else { "no" }
            ));
        }
        if let Some(n) = self.function_align {
            c(format!("llvm-args=-align-all-functions={n}"));
        }
        if let Some(n) = self.block_align {
            c(format!("llvm-args=-align-all-nofallthru-blocks={n}"));
        }
        if with_data_changing {
            if let Some(n) = self.codegen_units {
                c(format!("codegen-units={n}"));
            }
        }
        if linker.separate_segments {
            c("link-arg=-Wl,-z,separate-loadable-segments".to_string());
        }
        if let (Some(seed), true) = (self.shuffle_seed, linker.shuffle) {
            c(format!("link-arg=-Wl,--shuffle-sections=.text*={seed}"));
        }
        f
    }

    /// Whether `flags(.., true)` differs from `flags(.., false)`.
    pub fn has_data_changing(&self) -> bool {
        self.codegen_units.is_some()
    }

    /// The documentation line of this profile (crate docs and `--help`; a unit test keeps the two
    /// in step).
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        match self.frame_pointers {
            Some(true) => parts.push("frame pointers on".to_string()),
            Some(false) => parts.push("frame pointers off".to_string()),
            None => {}
        }
        if let Some(n) = self.function_align {
            parts.push(format!("functions aligned to {}", 1u32 << n));
        }
        if let Some(n) = self.block_align {
            parts.push(format!("jump targets aligned to {}", 1u32 << n));
        }
        if let Some(n) = self.codegen_units {
            parts.push(format!("codegen-units={n}"));
        }
        if let Some(n) = self.shuffle_seed {
            parts.push(format!("functions shuffled (seed {n})"));
        }
        if parts.is_empty() {
            "cargo's own code generation (the leader)".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// The profile table as text: one line per variant with its description and its flags.
pub fn table() -> String {
    let all = LinkerCaps {
        separate_segments: false,
        shuffle: true,
    };
    let mut s = String::new();
    for (k, prof) in PROFILES.iter().enumerate() {
        s.push_str(&format!("v{k}: {}\n", prof.describe()));
        let flags = prof.flags(all, true);
        let flags = if flags.is_empty() {
            "(none)".to_string()
        } else {
            flags.join(" ")
        };
        s.push_str(&format!("    {flags}\n"));
    }
    s
}

/// Text after `cargo mvx build --help`.
pub fn help() -> String {
    format!(
        "Variant profiles (variant k uses vk; N variants use v0..v(N-1)):\n\n{}\n\
         Every variant, v0 included, also gets `-C link-arg=-Wl,-z,separate-loadable-segments`.\n\
         The linker flags are used only if a probe link accepts them (rust-lld, rustc's default\n\
         linker on x86_64 Linux, does). Your RUSTFLAGS (or CARGO_ENCODED_RUSTFLAGS) come after the\n\
         variant's flags, so they win; rustflags from .cargo/config files are not applied. If\n\
         codegen-units changes the size of a variant's RELRO segment (mvx would see a divergence in\n\
         the loader's mprotect), that variant is rebuilt without it, and the choice is remembered\n\
         in its target directory (target/mvx/v<k>).",
        table()
    )
}

/// What the dynamic loader does with an executable through system calls that mvx compares: the
/// executable's type, the length of the RELRO `mprotect` and the static TLS block (its size goes
/// into thread stack `mmap`s). Variants whose footprints differ diverge at start-up under mvx.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoaderFootprint {
    pub elf_type: u16,
    pub relro_len: u64,
    pub tls: Option<(u64, u64)>,
}

impl LoaderFootprint {
    pub fn describe(&self) -> String {
        format!(
            "RELRO {} pages{}",
            self.relro_len / PAGE,
            match self.tls {
                Some((size, align)) => format!(", TLS {size} bytes aligned {align}"),
                None => String::new(),
            }
        )
    }
}

/// Reads the program headers of an ELF64 little-endian executable.
pub fn loader_footprint(path: &Path) -> Result<LoaderFootprint> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    footprint_of(&data).with_context(|| format!("{} is not a readable ELF64 file", path.display()))
}

fn footprint_of(d: &[u8]) -> Result<LoaderFootprint> {
    let u16_at = |o: usize| -> Result<u16> {
        Ok(u16::from_le_bytes(
            d.get(o..o + 2).context("truncated")?.try_into()?,
        ))
    };
    let u32_at = |o: usize| -> Result<u32> {
        Ok(u32::from_le_bytes(
            d.get(o..o + 4).context("truncated")?.try_into()?,
        ))
    };
    let u64_at = |o: usize| -> Result<u64> {
        Ok(u64::from_le_bytes(
            d.get(o..o + 8).context("truncated")?.try_into()?,
        ))
    };
    if d.len() < 64 || &d[..4] != b"\x7fELF" || d[4] != 2 || d[5] != 1 {
        bail!("not an ELF64 little-endian file");
    }
    let elf_type = u16_at(16)?;
    let phoff = u64_at(32)? as usize;
    let phentsize = u16_at(54)? as usize;
    let phnum = u16_at(56)? as usize;
    let mut relro_len = 0;
    let mut tls = None;
    for i in 0..phnum {
        let ph = phoff + i * phentsize;
        let vaddr = u64_at(ph + 16)?;
        let memsz = u64_at(ph + 40)?;
        match u32_at(ph)? {
            // PT_GNU_RELRO: glibc's _dl_protect_relro rounds both ends down to a page.
            0x6474_e552 => relro_len = (vaddr + memsz) / PAGE * PAGE - vaddr / PAGE * PAGE,
            // PT_TLS
            7 => tls = Some((memsz, u64_at(ph + 48)?)),
            _ => {}
        }
    }
    Ok(LoaderFootprint {
        elf_type,
        relro_len,
        tls,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crate_docs_list_every_profile() {
        let docs = include_str!("main.rs");
        for line in table().lines() {
            assert!(
                docs.contains(&format!("//! {line}")),
                "src/main.rs docs lack the profile line `{line}`; paste profiles::table() there"
            );
        }
    }

    #[test]
    fn profiles_differ_pairwise() {
        let caps = LinkerCaps {
            separate_segments: true,
            shuffle: true,
        };
        for (i, a) in PROFILES.iter().enumerate() {
            for b in &PROFILES[i + 1..] {
                assert_ne!(a.flags(caps, true), b.flags(caps, true));
                assert_ne!(a.flags(caps, false), b.flags(caps, false));
            }
        }
    }

    #[test]
    fn footprint_of_this_test_binary() {
        let exe = std::env::current_exe().unwrap();
        let f = loader_footprint(&exe).unwrap();
        assert!(f.elf_type == 2 || f.elf_type == 3);
        assert_eq!(f.relro_len % PAGE, 0);
        assert!(footprint_of(b"not an elf").is_err());
    }
}
