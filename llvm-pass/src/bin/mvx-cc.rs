//! `mvx-cc`: a drop-in C compiler (clang-19) that applies the mvx clang plugin (and, with
//! `--auto` or `MVX_CC_AUTO=1`, the LLVM pass that wraps rand/time/getpid/clock_gettime/
//! getrandom calls in sync regions and routes pthread locking through lock-order replay), finds `mvx.h`,
//! links the sync runtime, and with `--variants N` (or `MVX_CC_VARIANTS=N`) builds N
//! diversified variants: `-c -o x.o` writes `x.o` (variant 0) and `x.o.v1` ...; a link writes
//! `prog.v0` ... `prog.v{N-1}` (each from its own objects) and `prog` (a copy of variant 0), so
//! `CC=mvx-cc make` works.
//!
//! `--profile NAME` (or `MVX_CC_PROFILE=NAME`) chooses how the variants differ: `default`,
//! `control-flow`, `data`, `max` (see `mvx_llvm_pass::profiles` and `mvx-cc --mvx-help`).
//! Position-dependent links (`-no-pie`, `-static`, or a profile's fixed-address variants) put
//! variant k at 0x400000 + k * 256 MiB.

use mvx_llvm_pass::profiles::{Profile, VariantPlan, PROFILE_NAMES};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// Arguments by which the user already chose how the program is linked: a profile's
/// position-dependent variants leave those alone.
const LINK_MODEL_ARGS: [&str; 9] = [
    "-shared", "-fPIC", "-fpic", "-fPIE", "-fpie", "-pie", "-no-pie", "-nopie", "-static",
];

fn has_arg(inv: &Invocation, names: &[&str]) -> bool {
    inv.args
        .iter()
        .any(|a| a.to_str().is_some_and(|a| names.contains(&a)))
}

/// The profile's fixed-address choice, unless the user made one.
fn profile_fixes_address(inv: &Invocation, plan: &VariantPlan) -> bool {
    plan.fixed_address && !has_arg(inv, &LINK_MODEL_ARGS)
}

/// Links of position-dependent executables (`-no-pie`, `-static`): variant k's image starts
/// `k * 256 MiB` above the usual 0x400000, so no code or data address of one variant is
/// mapped in another (mvx itself moves each variant's mmap area; a position-independent
/// executable is placed by the kernel at the same address in all of them).
fn layout_flags(inv: &Invocation, plan: &VariantPlan, k: usize) -> Vec<String> {
    let fixed = has_arg(inv, &["-no-pie", "-static", "-nopie"]) || profile_fixes_address(inv, plan);
    if inv.compile_only || !fixed || k == 0 {
        return Vec::new();
    }
    let base = 0x40_0000 + k * 0x1000_0000;
    // lld has no -Ttext-segment; --image-base moves the whole image the same way.
    let option = if plan.lld {
        "--image-base"
    } else {
        "-Ttext-segment"
    };
    vec![format!("-Wl,{option}={base:#x}")]
}

/// Every flag of variant k's clang run, before the user's arguments (which win).
fn variant_flags(parts: &Parts, inv: &Invocation, plan: &VariantPlan, k: usize) -> Vec<String> {
    let mut flags = plan.compile.clone();
    if profile_fixes_address(inv, plan) {
        flags.push("-fno-pie".into());
        if !inv.compile_only {
            flags.push("-no-pie".into());
        }
    }
    if let Some(layout) = &plan.layout {
        flags.push(format!("-fplugin={}", parts.layout.display()));
        flags.push(format!("-fplugin-arg-mvx_layout-seed={}", layout.seed));
        flags.push(format!("-fplugin-arg-mvx_layout-pad={}", layout.pad_bytes));
        // The stack padding's amount goes by the environment (`MVX_STACK_PAD`, see `clang`): a
        // pass plugin cannot take -mllvm options clang parses before loading it.
        flags.push(format!("-fpass-plugin={}", parts.stackpad.display()));
    }
    if !inv.compile_only {
        flags.extend(plan.link.iter().cloned());
    }
    flags.extend(layout_flags(inv, plan, k));
    flags
}

fn print_help() {
    println!("mvx-cc [--variants N] [--profile NAME] [--auto] CLANG-ARGS...");
    println!("profiles ({PROFILE_NAMES}); variant 4.. repeats variant (k mod 4), or (k mod 2),");
    println!("with -mllvm -align-all-functions=k:");
    for profile in Profile::all() {
        println!("{profile}: defeats {}", profile.defeats());
        for k in 0..4 {
            let plan = profile.plan(k);
            let mut line = plan.compile.join(" ");
            if !plan.link.is_empty() {
                line += &format!(" [link: {}]", plan.link.join(" "));
            }
            if plan.fixed_address {
                line += " [-no-pie at 0x400000 + k * 256 MiB]";
            }
            if let Some(l) = &plan.layout {
                line += &format!(
                    " [struct layout: seed {}, {} bytes between fields; {} bytes after each local array]",
                    l.seed, l.pad_bytes, l.stack_pad
                );
            }
            println!("  v{k}: {line}");
        }
    }
}

/// Where the plugin, the runtime library and mvx.h are: beside this binary (cargo's target
/// directory), else under its install prefix (`PREFIX/bin/mvx-cc` -> `PREFIX/lib/mvx/`,
/// `PREFIX/include/mvx.h`); overridable by MVX_PLUGIN, MVX_AUTOSYNC, MVX_LAYOUT, MVX_STACKPAD, MVX_RUNTIME_LIB and
/// MVX_INCLUDE.
struct Parts {
    plugin: PathBuf,
    autosync: PathBuf,
    layout: PathBuf,
    stackpad: PathBuf,
    runtime: PathBuf,
    include: PathBuf,
}

/// `name` beside the binary if it is there, else in the prefix's lib/mvx (reported as missing
/// there when it is in neither).
fn installed_file(bin_dir: &Path, name: &str) -> PathBuf {
    let beside = bin_dir.join(name);
    if beside.exists() {
        return beside;
    }
    match bin_dir.parent() {
        Some(prefix) => prefix.join("lib/mvx").join(name),
        None => beside,
    }
}

/// mvx.h's directory: the prefix's include/ when installed, else the source tree's.
fn include_dir(bin_dir: &Path) -> PathBuf {
    let installed = bin_dir.parent().map(|prefix| prefix.join("include"));
    match installed {
        Some(dir) if dir.join("mvx.h").is_file() => dir,
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("../c-shim/include"),
    }
}

fn parts() -> Result<Parts, String> {
    let dir = std::env::current_exe()
        .map_err(|e| format!("locating mvx-cc: {e}"))?
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let pick = |var: &str, name: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .unwrap_or_else(|| installed_file(&dir, name))
    };
    let parts = Parts {
        plugin: pick("MVX_PLUGIN", "libmvx_pragma.so"),
        autosync: pick("MVX_AUTOSYNC", "libmvx_autosync.so"),
        layout: pick("MVX_LAYOUT", "libmvx_layout.so"),
        stackpad: pick("MVX_STACKPAD", "libmvx_stackpad.so"),
        runtime: pick("MVX_RUNTIME_LIB", "libmvx_sync.a"),
        include: std::env::var_os("MVX_INCLUDE")
            .map(PathBuf::from)
            .unwrap_or_else(|| include_dir(&dir)),
    };
    for (what, path, build) in [
        (
            "the clang plugin",
            &parts.plugin,
            "cargo build -p mvx-llvm-pass",
        ),
        (
            "the sync runtime",
            &parts.runtime,
            "cargo build -p mvx-c-shim",
        ),
    ] {
        if !path.exists() {
            return Err(format!(
                "{what} is missing at {} (build it with `{build}`, or install mvx with `make install`)",
                path.display()
            ));
        }
    }
    Ok(parts)
}

struct Invocation {
    variants: usize,
    profile: Profile,
    auto: bool,
    args: Vec<OsString>,
    output: Option<PathBuf>,
    compile_only: bool,
}

fn parse(mut raw: Vec<OsString>) -> Result<Invocation, String> {
    let mut variants = std::env::var("MVX_CC_VARIANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut args = Vec::new();
    let mut output = None;
    let mut compile_only = false;
    let mut auto = std::env::var("MVX_CC_AUTO").is_ok_and(|v| v == "1");
    let mut profile = match std::env::var("MVX_CC_PROFILE") {
        Ok(name) => name.parse().map_err(|e| format!("MVX_CC_PROFILE: {e}"))?,
        Err(_) => Profile::Default,
    };
    let mut profile_given = false;
    raw.reverse();
    while let Some(a) = raw.pop() {
        match a.to_str() {
            Some("--variants") => {
                let n = raw
                    .pop()
                    .and_then(|v| v.to_str().and_then(|v| v.parse().ok()));
                variants = n
                    .filter(|n| (1..=8).contains(n))
                    .ok_or("--variants takes a number from 1 to 8")?;
            }
            Some(s) if s.starts_with("--variants=") => {
                variants = s["--variants=".len()..]
                    .parse()
                    .ok()
                    .filter(|n| (1..=8).contains(n))
                    .ok_or("--variants takes a number from 1 to 8")?;
            }
            Some("--profile") => {
                let name = raw
                    .pop()
                    .ok_or(format!("--profile needs a name ({PROFILE_NAMES})"))?;
                profile = name.to_string_lossy().parse()?;
                profile_given = true;
            }
            Some(s) if s.starts_with("--profile=") => {
                profile = s["--profile=".len()..].parse()?;
                profile_given = true;
            }
            Some("--auto") => auto = true,
            Some("-o") => {
                let o = raw.pop().ok_or("-o needs a file name")?;
                output = Some(PathBuf::from(&o));
            }
            Some("-c") => {
                compile_only = true;
                args.push(a);
            }
            _ => args.push(a),
        }
    }
    if profile_given && variants == 0 {
        return Err(format!(
            "--profile {profile} needs --variants N (a profile says how variants differ)"
        ));
    }
    Ok(Invocation {
        variants,
        profile,
        auto,
        args,
        output,
        compile_only,
    })
}

fn with_suffix(path: &Path, k: usize) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(format!(".v{k}"));
    PathBuf::from(s)
}

/// One clang run: the plugin, mvx.h, the variant's flags (if any), the user's arguments;
/// `stack_pad` for the mvx_stackpad pass among them.
fn clang(
    parts: &Parts,
    inv: &Invocation,
    flags: &[String],
    stack_pad: Option<usize>,
    objects_of: Option<usize>,
    output: Option<&Path>,
) -> Result<(), String> {
    let mut cmd = Command::new("clang-19");
    match stack_pad {
        Some(pad) => cmd.env("MVX_STACK_PAD", pad.to_string()),
        None => cmd.env_remove("MVX_STACK_PAD"),
    };
    cmd.arg(format!("-fplugin={}", parts.plugin.display()))
        .arg("-I")
        .arg(&parts.include)
        .args(flags);
    if inv.auto {
        cmd.arg(format!("-fpass-plugin={}", parts.autosync.display()));
    }
    for a in &inv.args {
        // A link of variant k takes variant k's objects where they exist.
        let p = Path::new(a);
        match objects_of {
            Some(k)
                if k > 0
                    && p.extension().is_some_and(|e| e == "o")
                    && with_suffix(p, k).exists() =>
            {
                cmd.arg(with_suffix(p, k));
            }
            _ => {
                cmd.arg(a);
            }
        }
    }
    if let Some(o) = output {
        cmd.arg("-o").arg(o);
    }
    if !inv.compile_only {
        cmd.arg(&parts.runtime).args(["-lpthread", "-ldl", "-lm"]);
    }
    let status = cmd
        .status()
        .map_err(|e| format!("running clang-19: {e} (apt-get install clang-19)"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("clang-19 failed ({status})"))
    }
}

fn run() -> Result<(), String> {
    let raw: Vec<OsString> = std::env::args_os().skip(1).collect();
    if raw.iter().any(|a| a == "--mvx-help") {
        print_help();
        return Ok(());
    }
    let inv = parse(raw)?;
    let parts = parts()?;
    if inv.variants == 0 {
        return clang(&parts, &inv, &[], None, None, inv.output.as_deref());
    }
    let plans: Vec<VariantPlan> = (0..inv.variants).map(|k| inv.profile.plan(k)).collect();
    if plans.iter().any(|p| p.layout.is_some()) && !parts.layout.exists() {
        return Err(format!(
            "--profile {} needs the layout plugin, missing at {} (build it with `cargo build -p mvx-llvm-pass`)",
            inv.profile,
            parts.layout.display()
        ));
    }
    if plans.iter().any(|p| p.layout.is_some()) && !parts.stackpad.exists() {
        return Err(format!(
            "--profile {} needs the stack-padding pass, missing at {} (build it with `cargo build -p mvx-llvm-pass`)",
            inv.profile,
            parts.stackpad.display()
        ));
    }
    let output = inv
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(if inv.compile_only { "a.o" } else { "a.out" }));
    for (k, plan) in plans.iter().enumerate() {
        let out = if inv.compile_only && k == 0 {
            output.clone()
        } else {
            with_suffix(&output, k)
        };
        let flags = variant_flags(&parts, &inv, plan, k);
        eprintln!(
            "mvx-cc: variant {k}/{} ({}): {}",
            inv.variants,
            inv.profile,
            flags.join(" ")
        );
        let stack_pad = plan.layout.as_ref().map(|l| l.stack_pad);
        clang(&parts, &inv, &flags, stack_pad, Some(k), Some(&out))
            .map_err(|e| format!("variant {k}: {e}"))?;
    }
    if !inv.compile_only {
        std::fs::copy(with_suffix(&output, 0), &output)
            .map_err(|e| format!("writing {}: {e}", output.display()))?;
    }
    Ok(())
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mvx-cc: {e}");
            ExitCode::FAILURE
        }
    }
}
