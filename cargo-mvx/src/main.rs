//! # cargo mvx: diversified variant builds of a cargo package, run under mvx
//!
//! ```text
//! cargo mvx build [--variants N] [--profile NAME] [--release] [--bin NAME] [--manifest-path PATH] [-p PKG]
//! cargo mvx run   [--variants N] [--profile NAME] [--release] [--bin NAME] [--mvx-arg ARG]... [-- ARGS...]
//! ```
//!
//! `cargo mvx build` builds N (default 2, at most 8) variants of the current package: variant k
//! is a separate `cargo build` with its own target directory (`<target-dir>/mvx/v<k>`), an
//! explicit `--target <host>` (so the flags reach only the target code, never build scripts or
//! proc-macros) and its own flag set passed through `CARGO_ENCODED_RUSTFLAGS`, followed by the
//! rustflags you set (`CARGO_ENCODED_RUSTFLAGS`, else `RUSTFLAGS`, else
//! `CARGO_TARGET_<HOST>_RUSTFLAGS`, else `CARGO_BUILD_RUSTFLAGS`; rustflags from `.cargo/config`
//! files are not applied, since the environment overrides them). It prints the paths of the built
//! binaries on stdout, one a line, variant 0 first: binary `b` of variant k is
//! `<target-dir>/mvx/v<k>/<host>/{debug,release}/<b>`.
//!
//! `cargo mvx run` builds the same way (one binary: `--bin`, else the package's `default-run`, else
//! its only one) and then execs `mvx run [ARG...] --variant <v0> --variant <v1> ... -- ARGS`, so its
//! exit status is mvx's. `mvx` is `$MVX`, else the `mvx` next to `cargo-mvx`, else the one on PATH.
//!
//! ## Variant profiles
//!
//! ```text
//! v0: cargo's own code generation (the leader)
//!     (none)
//! v1: frame pointers on, functions aligned to 64, codegen-units=1, functions shuffled (seed 1)
//!     -C force-frame-pointers=yes -C llvm-args=-align-all-functions=6 -C codegen-units=1 -C link-arg=-Wl,--shuffle-sections=.text*=1
//! v2: frame pointers off, functions aligned to 32, jump targets aligned to 16, codegen-units=4, functions shuffled (seed 2)
//!     -C force-frame-pointers=no -C llvm-args=-align-all-functions=5 -C llvm-args=-align-all-nofallthru-blocks=4 -C codegen-units=4 -C link-arg=-Wl,--shuffle-sections=.text*=2
//! v3: frame pointers on, functions aligned to 128, codegen-units=2, functions shuffled (seed 3)
//!     -C force-frame-pointers=yes -C llvm-args=-align-all-functions=7 -C codegen-units=2 -C link-arg=-Wl,--shuffle-sections=.text*=3
//! v4: frame pointers off, functions aligned to 64, jump targets aligned to 32, codegen-units=8, functions shuffled (seed 4)
//!     -C force-frame-pointers=no -C llvm-args=-align-all-functions=6 -C llvm-args=-align-all-nofallthru-blocks=5 -C codegen-units=8 -C link-arg=-Wl,--shuffle-sections=.text*=4
//! v5: frame pointers on, functions aligned to 32, jump targets aligned to 8, codegen-units=3, functions shuffled (seed 5)
//!     -C force-frame-pointers=yes -C llvm-args=-align-all-functions=5 -C llvm-args=-align-all-nofallthru-blocks=3 -C codegen-units=3 -C link-arg=-Wl,--shuffle-sections=.text*=5
//! v6: frame pointers off, functions aligned to 256, codegen-units=1, functions shuffled (seed 6)
//!     -C force-frame-pointers=no -C llvm-args=-align-all-functions=8 -C codegen-units=1 -C link-arg=-Wl,--shuffle-sections=.text*=6
//! v7: frame pointers on, functions aligned to 16, jump targets aligned to 16, codegen-units=16, functions shuffled (seed 7)
//!     -C force-frame-pointers=yes -C llvm-args=-align-all-functions=4 -C llvm-args=-align-all-nofallthru-blocks=4 -C codegen-units=16 -C link-arg=-Wl,--shuffle-sections=.text*=7
//! ```
//!
//! Every variant, v0 included, also gets `-C link-arg=-Wl,-z,separate-loadable-segments`. The two
//! linker flags are used only when a probe link with them succeeds (rust-lld, rustc's default linker
//! on x86_64 Linux, accepts both; GNU ld does not). So the variants differ in their code bytes
//! (frame pointer prologues, alignment padding, every relative call and jump displacement, the
//! codegen-unit partitioning) and in their layout (function addresses, std's included, since lld
//! shuffles the precompiled standard library's function sections too).
//!
//! ## Named profiles (`--profile NAME`)
//!
//! mvx-cc's profile names, with what stable rustc allows (`named_profiles`); the followers get
//! more linker flags on top of the table above, and build in `<target-dir>/mvx/<profile>/v<k>`
//! (v0 and `default` in `mvx/v<k>`):
//! - `default`: the table alone: code layout differs per variant;
//! - `control-flow`: also read-only data (`.rodata.*`) shuffled with the variant's seed: no code
//!   or constant address is shared;
//! - `data`: also writable statics (`.data.*` but `.data.rel.ro*`, and `.bss.*`) shuffled: an
//!   overflow from one static reaches a different neighbour in each variant;
//! - `max`: both.
//!
//! Not possible on stable: struct layout randomization (`-Z randomize-layout`), stack
//! protectors, SafeStack, CFI and CET (`-Z stack-protector`, `-Z sanitizer`, `-Z cf-protection`),
//! so the protections of mvx-cc's `control-flow` and `data` that need them have no equivalent
//! here. An unknown name is refused with the list.
//!
//! ## What the variants must keep identical
//!
//! mvx compares system-call arguments, and the dynamic loader makes some that depend on the
//! executable's layout: the length of the RELRO `mprotect` and, through the static TLS size, the
//! thread-stack `mmap`s. So the profiles stay away from flags that change the program's data:
//! `-C relocation-model=static` (non-PIE; measured: a RELRO of 4 pages instead of 6, mvx reports
//! a divergence at start-up) and `-C opt-level` (changes data, and at opt-level 0 also
//! `debug-assertions`, that is the program's behaviour). Code-only flags leave the data alone, and
//! `-z separate-loadable-segments` starts RELRO on a page, so its length depends only on the data.
//! `codegen-units` may change the data slightly (constants duplicated or merged per unit): after
//! each follower is built, its loader footprint (ELF type, RELRO `mprotect` length, TLS size) is
//! compared with v0's, and if they differ the follower is rebuilt without `codegen-units`; a file
//! in its target directory remembers that for the next builds. `-C llvm-args=-regalloc=basic`
//! fails under rustc; stack protectors and `-Z randomize-layout` are nightly-only.

mod named_profiles;
mod profiles;
mod variants;

use anyhow::{bail, Result};
use clap::{Args, Parser, Subcommand};
use std::ffi::OsString;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;

#[derive(Parser)]
#[command(
    name = "cargo-mvx",
    bin_name = "cargo mvx",
    version,
    about = "Build diversified variants of a cargo package and run them under mvx"
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Build N diversified variants of the current package
    #[command(after_help = format!("{}\n\n{}", profiles::help(), named_profiles::NamedProfile::help()))]
    Build(BuildArgs),
    /// Build the variants, then run them under `mvx run --variant ... -- ARGS`
    #[command(
        after_help = "Exit status: mvx's (the program's own, 86 on a divergence, 125 on an \
                            mvx error); 1 if a variant failed to build.\n\
                            See `cargo mvx build --help` for the variant profiles."
    )]
    Run(RunArgs),
}

#[derive(Args)]
struct BuildArgs {
    /// Number of variants to build (1 to 8)
    #[arg(short = 'n', long, default_value_t = 2, value_parser = clap::value_parser!(u8).range(1..=8))]
    variants: u8,
    /// Build with the release profile
    #[arg(long)]
    release: bool,
    /// Diversity profile: default, control-flow, data or max (see `cargo mvx build --help`)
    #[arg(long, value_name = "NAME", default_value = "default")]
    profile: named_profiles::NamedProfile,
    /// Build only this binary (for `run`: the one to run)
    #[arg(long, value_name = "NAME")]
    bin: Option<String>,
    /// Path to Cargo.toml
    #[arg(long, value_name = "PATH")]
    manifest_path: Option<PathBuf>,
    /// Package to build (a member of the workspace)
    #[arg(short = 'p', long, value_name = "PKG")]
    package: Option<String>,
    /// Features to activate (passed to cargo)
    #[arg(short = 'F', long, value_delimiter = ',')]
    features: Vec<String>,
    /// Activate all features (passed to cargo)
    #[arg(long)]
    all_features: bool,
    /// Do not activate the `default` feature (passed to cargo)
    #[arg(long)]
    no_default_features: bool,
}

#[derive(Args)]
struct RunArgs {
    #[command(flatten)]
    build: BuildArgs,
    /// An option for `mvx run`, before the variants (repeat it), e.g. --mvx-arg=--preload
    #[arg(long = "mvx-arg", value_name = "ARG", allow_hyphen_values = true)]
    mvx_args: Vec<String>,
    /// Arguments for the program
    #[arg(last = true)]
    args: Vec<OsString>,
}

impl BuildArgs {
    fn request(&self, single_bin: bool) -> variants::Request {
        variants::Request {
            variants: self.variants as usize,
            profile: self.profile,
            release: self.release,
            bin: self.bin.clone(),
            manifest_path: self.manifest_path.clone(),
            package: self.package.clone(),
            features: self.features.clone(),
            all_features: self.all_features,
            no_default_features: self.no_default_features,
            single_bin,
        }
    }
}

fn main() {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    // cargo runs a subcommand as `cargo-mvx mvx ARGS...`.
    if args.get(1).is_some_and(|a| a == "mvx") {
        args.remove(1);
    }
    let cli = Cli::parse_from(args);
    let result = match cli.command {
        Cmd::Build(b) => cmd_build(&b),
        Cmd::Run(r) => cmd_run(&r),
    };
    if let Err(e) = result {
        eprintln!("cargo mvx: error: {e:#}");
        std::process::exit(1);
    }
}

fn cmd_build(b: &BuildArgs) -> Result<()> {
    let built = variants::build(&b.request(false))?;
    eprintln!(
        "cargo mvx: built {} variant(s) of {}:",
        built.paths.len(),
        built.bins.join(", ")
    );
    for exes in &built.paths {
        for e in exes {
            println!("{}", e.display());
        }
    }
    Ok(())
}

fn cmd_run(r: &RunArgs) -> Result<()> {
    let mvx = find_mvx()?;
    let built = variants::build(&r.build.request(true))?;
    let mut cmd = Command::new(&mvx);
    cmd.arg("run").args(&r.mvx_args);
    for exes in &built.paths {
        cmd.arg("--variant").arg(&exes[0]);
    }
    cmd.arg("--").args(&r.args);
    eprintln!(
        "cargo mvx: running {} variant(s) of {} under {}",
        built.paths.len(),
        built.bins[0],
        mvx.display()
    );
    let err = cmd.exec();
    bail!("cannot run {}: {err}", mvx.display())
}

fn is_executable(p: &std::path::Path) -> bool {
    p.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `$MVX`, else `mvx` next to this executable, else `mvx` on PATH.
fn find_mvx() -> Result<PathBuf> {
    if let Some(m) = std::env::var_os("MVX") {
        let p = PathBuf::from(&m);
        if is_executable(&p) {
            return Ok(p);
        }
        bail!(
            "MVX is set to `{}`, which is not an executable file",
            p.display()
        );
    }
    let beside = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|d| d.join("mvx")));
    if let Some(p) = &beside {
        if is_executable(p) {
            return Ok(p.clone());
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("mvx");
            if is_executable(&p) {
                return Ok(p);
            }
        }
    }
    bail!(
        "cannot find the `mvx` monitor: set MVX=/path/to/mvx, or put `mvx` {}or on PATH \
         (build it with `cargo build -p mvx-monitor`)",
        beside.map_or_else(String::new, |p| format!("at {} ", p.display()))
    )
}
