//! Building the variants: which package and binaries, the host triple, the linker probe, one
//! `cargo build` per variant with its own target directory and `CARGO_ENCODED_RUSTFLAGS`.

use crate::profiles::{self, LinkerCaps, LoaderFootprint, PROFILES};
use anyhow::{anyhow, bail, Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// What to build (the options shared by `cargo mvx build` and `cargo mvx run`).
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub variants: usize,
    pub profile: crate::named_profiles::NamedProfile,
    pub release: bool,
    pub bin: Option<String>,
    pub manifest_path: Option<PathBuf>,
    pub package: Option<String>,
    pub features: Vec<String>,
    pub all_features: bool,
    pub no_default_features: bool,
    /// `run` needs exactly one binary: without `--bin`, the package's `default-run` or its only one.
    pub single_bin: bool,
}

/// The built variants: `paths[k][b]` is binary `bins[b]` of variant k.
pub struct Built {
    pub bins: Vec<String>,
    pub paths: Vec<Vec<PathBuf>>,
}

struct Package {
    name: String,
    manifest: PathBuf,
    bins: Vec<String>,
    default_run: Option<String>,
    target_dir: PathBuf,
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string())
}

fn rustc() -> String {
    std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_string())
}

/// The host triple, from `rustc -vV`.
pub fn host_triple() -> Result<String> {
    let out = Command::new(rustc())
        .arg("-vV")
        .output()
        .with_context(|| format!("cannot run `{} -vV`", rustc()))?;
    if !out.status.success() {
        bail!(
            "`{} -vV` failed: {}",
            rustc(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(|h| h.trim().to_string()))
        .ok_or_else(|| anyhow!("`{} -vV` printed no `host:` line", rustc()))
}

/// The rustflags the user set, in cargo's order of precedence (only the first source set counts,
/// as in cargo). They are appended after the variant's flags.
pub fn user_rustflags(host: &str) -> Vec<String> {
    if let Ok(enc) = std::env::var("CARGO_ENCODED_RUSTFLAGS") {
        if !enc.is_empty() {
            return enc.split('\x1f').map(str::to_string).collect();
        }
        return Vec::new();
    }
    let target_var = format!(
        "CARGO_TARGET_{}_RUSTFLAGS",
        host.to_uppercase().replace(['-', '.'], "_")
    );
    for var in ["RUSTFLAGS", &target_var, "CARGO_BUILD_RUSTFLAGS"] {
        if let Ok(s) = std::env::var(var) {
            return s.split_whitespace().map(str::to_string).collect();
        }
    }
    Vec::new()
}

fn find_manifest(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return p
            .canonicalize()
            .with_context(|| format!("manifest path `{}` does not exist", p.display()));
    }
    let cwd = std::env::current_dir().context("no current directory")?;
    for dir in cwd.ancestors() {
        let m = dir.join("Cargo.toml");
        if m.is_file() {
            return Ok(m.canonicalize()?);
        }
    }
    bail!(
        "could not find `Cargo.toml` in `{}` or any parent directory",
        cwd.display()
    )
}

fn locate_package(req: &Request) -> Result<Package> {
    let manifest = find_manifest(req.manifest_path.as_deref())?;
    let out = Command::new(cargo())
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(&manifest)
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run `cargo metadata`")?;
    if !out.status.success() {
        bail!("`cargo metadata` failed for {}", manifest.display());
    }
    let meta: Value =
        serde_json::from_slice(&out.stdout).context("cannot parse `cargo metadata` output")?;
    let target_dir = PathBuf::from(
        meta["target_directory"]
            .as_str()
            .context("`cargo metadata` gave no target_directory")?,
    );
    let packages = meta["packages"]
        .as_array()
        .context("`cargo metadata` gave no packages")?;
    let names: Vec<&str> = packages.iter().filter_map(|p| p["name"].as_str()).collect();
    let pkg = if let Some(name) = &req.package {
        packages
            .iter()
            .find(|p| p["name"].as_str() == Some(name))
            .with_context(|| {
                format!(
                    "package `{name}` is not a member of the workspace (members: {})",
                    names.join(", ")
                )
            })?
    } else {
        let here = packages.iter().find(|p| {
            p["manifest_path"]
                .as_str()
                .and_then(|m| Path::new(m).canonicalize().ok())
                .is_some_and(|m| m == manifest)
        });
        match (here, packages.len()) {
            (Some(p), _) => p,
            (None, 1) => &packages[0],
            (None, _) => bail!(
                "`{}` is a virtual workspace manifest: choose a package with -p (one of: {})",
                manifest.display(),
                names.join(", ")
            ),
        }
    };
    let name = pkg["name"].as_str().unwrap_or_default().to_string();
    let bins = pkg["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| {
            t["kind"]
                .as_array()
                .is_some_and(|k| k.iter().any(|k| k == "bin"))
        })
        .filter_map(|t| t["name"].as_str().map(str::to_string))
        .collect();
    Ok(Package {
        name,
        manifest: PathBuf::from(pkg["manifest_path"].as_str().unwrap_or_default()),
        bins,
        default_run: pkg["default_run"].as_str().map(str::to_string),
        target_dir,
    })
}

/// The binaries to build, checked against the package's bin targets.
fn choose_bins(pkg: &Package, req: &Request) -> Result<Vec<String>> {
    if pkg.bins.is_empty() {
        bail!(
            "package `{}` has no binary target: cargo mvx builds executables (a `src/main.rs` or `[[bin]]`)",
            pkg.name
        );
    }
    if let Some(b) = &req.bin {
        if !pkg.bins.contains(b) {
            bail!(
                "no bin target named `{b}` in package `{}` (available: {})",
                pkg.name,
                pkg.bins.join(", ")
            );
        }
        return Ok(vec![b.clone()]);
    }
    if !req.single_bin {
        return Ok(pkg.bins.clone());
    }
    if let Some(d) = &pkg.default_run {
        return Ok(vec![d.clone()]);
    }
    if pkg.bins.len() == 1 {
        return Ok(pkg.bins.clone());
    }
    bail!(
        "package `{}` has several binaries ({}): choose one with --bin NAME",
        pkg.name,
        pkg.bins.join(", ")
    )
}

/// Which of the linker options the variants may use: links a one-line program with them (and the
/// user's rustflags, and a `CARGO_TARGET_<HOST>_LINKER` if set).
fn probe_linker(host: &str, user: &[String], dir: &Path) -> LinkerCaps {
    let try_link = |args: &[&str]| -> bool {
        let src = dir.join("probe.rs");
        if std::fs::create_dir_all(dir).is_err() || std::fs::write(&src, "fn main() {}\n").is_err()
        {
            return false;
        }
        let mut cmd = Command::new(rustc());
        cmd.args(["--target", host, "--crate-type", "bin", "-o"])
            .arg(dir.join("probe"))
            .arg(&src);
        let linker_var = format!(
            "CARGO_TARGET_{}_LINKER",
            host.to_uppercase().replace(['-', '.'], "_")
        );
        if let Ok(l) = std::env::var(linker_var) {
            cmd.arg("-C").arg(format!("linker={l}"));
        }
        for a in args {
            cmd.args(["-C", a]);
        }
        cmd.args(user)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    const SEP: &str = "link-arg=-Wl,-z,separate-loadable-segments";
    const SHUF: &str = "link-arg=-Wl,--shuffle-sections=.text*=1";
    if try_link(&[SEP, SHUF]) {
        return LinkerCaps {
            separate_segments: true,
            shuffle: true,
        };
    }
    LinkerCaps {
        separate_segments: try_link(&[SEP]),
        shuffle: try_link(&[SHUF]),
    }
}

fn shown(flags: &[String]) -> String {
    if flags.is_empty() {
        "no extra flags".to_string()
    } else {
        flags.join(" ")
    }
}

/// Builds the variants; progress and cargo's own output go to stderr.
pub fn build(req: &Request) -> Result<Built> {
    let pkg = locate_package(req)?;
    let bins = choose_bins(&pkg, req)?;
    let host = host_triple()?;
    let user = user_rustflags(&host);
    let mvx_dir = pkg.target_dir.join("mvx");
    let caps = probe_linker(&host, &user, &mvx_dir.join("probe"));
    let missing: Vec<&str> = [
        (caps.shuffle, "--shuffle-sections"),
        (caps.separate_segments, "-z separate-loadable-segments"),
    ]
    .iter()
    .filter(|(ok, _)| !ok)
    .map(|(_, f)| *f)
    .collect();
    if !missing.is_empty() {
        eprintln!(
            "cargo mvx: note: the linker rejects {}: the variants are built without it \
             (rust-lld, rustc's default linker on x86_64 Linux, accepts both)",
            missing.join(" and ")
        );
    }
    let profile_dir = if req.release { "release" } else { "debug" };
    let n = req.variants;
    let mut paths = Vec::new();
    let mut leader: Vec<LoaderFootprint> = Vec::new();
    for (k, prof) in PROFILES.iter().enumerate().take(n) {
        let tdir = mvx_dir.join(req.profile.variant_dir(k));
        let extra = req.profile.extra_flags(k, caps)?;
        let label = format!("variant {}/{n} (v{k})", k + 1);
        let exes: Vec<PathBuf> = bins
            .iter()
            .map(|b| tdir.join(&host).join(profile_dir).join(b))
            .collect();
        // A variant whose codegen-units changed its RELRO size is built without them; remember it.
        let fallback_mark = tdir.join(format!("cargo-mvx-no-codegen-units-{profile_dir}"));
        let primary = [prof.flags(caps, true), extra.clone()].concat();
        let mut full = prof.has_data_changing()
            && std::fs::read_to_string(&fallback_mark).ok().as_deref()
                != Some(primary.join(" ").as_str());
        loop {
            let flags = [prof.flags(caps, full), extra.clone()].concat();
            eprintln!(
                "cargo mvx: {label}: building with {}{}",
                shown(&flags),
                if user.is_empty() {
                    String::new()
                } else {
                    format!(" (then your rustflags: {})", user.join(" "))
                }
            );
            cargo_build(req, &pkg, &host, &tdir, &bins, &flags, &user, &label)?;
            for e in &exes {
                if !e.is_file() {
                    bail!(
                        "{label}: cargo finished but did not produce {} (does the binary need \
                         `required-features`? try --features)",
                        e.display()
                    );
                }
            }
            if k == 0 {
                for e in &exes {
                    leader.push(loader_footprint_or_warn(e));
                }
                break;
            }
            let mismatch = exes
                .iter()
                .zip(&leader)
                .map(|(e, l)| (e, loader_footprint_or_warn(e), l))
                .find(|(_, f, l)| f != *l);
            match mismatch {
                None => break,
                Some((e, f, l)) if full => {
                    eprintln!(
                        "cargo mvx: {label}: {} has {} but v0 has {} (mvx would report a divergence \
                         at the loader's mprotect): rebuilding without codegen-units",
                        e.display(),
                        f.describe(),
                        l.describe()
                    );
                    std::fs::write(&fallback_mark, primary.join(" "))
                        .with_context(|| format!("writing {}", fallback_mark.display()))?;
                    full = false;
                }
                Some((e, f, l)) => {
                    eprintln!(
                        "cargo mvx: warning: {label}: {} has {} but v0 has {}: mvx will probably \
                         report a divergence at start-up",
                        e.display(),
                        f.describe(),
                        l.describe()
                    );
                    break;
                }
            }
        }
        paths.push(exes);
    }
    Ok(Built { bins, paths })
}

fn loader_footprint_or_warn(exe: &Path) -> LoaderFootprint {
    profiles::loader_footprint(exe).unwrap_or_else(|e| {
        eprintln!("cargo mvx: warning: {e:#}");
        LoaderFootprint {
            elf_type: 0,
            relro_len: 0,
            tls: None,
        }
    })
}

#[allow(clippy::too_many_arguments)]
fn cargo_build(
    req: &Request,
    pkg: &Package,
    host: &str,
    tdir: &Path,
    bins: &[String],
    flags: &[String],
    user: &[String],
    label: &str,
) -> Result<()> {
    let mut cmd = Command::new(cargo());
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(&pkg.manifest)
        .args(["--target", host])
        .arg("--target-dir")
        .arg(tdir);
    if req.release {
        cmd.arg("--release");
    }
    for b in bins {
        cmd.args(["--bin", b]);
    }
    if !req.features.is_empty() {
        cmd.args(["--features", &req.features.join(",")]);
    }
    if req.all_features {
        cmd.arg("--all-features");
    }
    if req.no_default_features {
        cmd.arg("--no-default-features");
    }
    let encoded: Vec<&str> = flags.iter().chain(user).map(String::as_str).collect();
    cmd.env("CARGO_ENCODED_RUSTFLAGS", encoded.join("\x1f"))
        .env_remove("RUSTFLAGS")
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit());
    let status = cmd
        .status()
        .with_context(|| format!("{label}: cannot run `{}`", cargo()))?;
    if !status.success() {
        bail!(
            "{label} failed to build: `cargo build` exited with {} (flags: {})",
            status
                .code()
                .map_or_else(|| status.to_string(), |c| format!("status {c}")),
            shown(flags)
        );
    }
    Ok(())
}
