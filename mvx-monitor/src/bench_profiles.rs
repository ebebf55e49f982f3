//! `mvx bench --only profiles`: what each mvx-cc profile costs a program before any monitor is
//! involved. examples/c/kernels.c is built with plain `clang-19 -O2` and with
//! `mvx-cc --variants 2 --profile P` for every profile; each variant binary runs natively,
//! interleaved with the plain build, and its time is compared with the plain build's, kernel
//! by kernel (medians), then over the kernels (geometric mean). Every run must print the plain
//! build's checksum.

use crate::bench::{median, time_output, KERNEL_SIZES};
use crate::bench_progress::Progress;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// mvx-cc's profiles, in the order of its documentation.
const PROFILES: [&str; 4] = ["default", "control-flow", "data", "max"];
const VARIANTS: usize = 2;
const CLANG: &str = "clang-19";

/// Progress steps: one per kernel (each measures every binary).
pub const PROFILE_STEPS: usize = KERNEL_SIZES.len();

/// One variant of one profile against the plain -O2 build.
#[derive(Serialize)]
pub struct ProfileRow {
    pub profile: &'static str,
    pub variant: usize,
    /// Median seconds of the plain build and of this variant, per kernel.
    pub kernels: Vec<KernelTimes>,
    /// Geometric mean of the per-kernel ratios.
    pub ratio: f64,
}

#[derive(Serialize)]
pub struct KernelTimes {
    pub kernel: &'static str,
    pub plain: f64,
    pub variant: f64,
}

/// A binary to time: the plain build, or variant `variant` of `profile`.
struct Build {
    profile: Option<&'static str>,
    variant: usize,
    path: PathBuf,
}

/// Builds and measures; no rows (and a line saying why) when clang-19, mvx-cc or the kernels'
/// source is missing.
pub fn measure(
    examples_bin: &Path,
    rounds: usize,
    quick: bool,
    progress: &mut Progress,
) -> Result<Vec<ProfileRow>> {
    let source = examples_bin.join("../c/kernels.c");
    let missing = if !source.is_file() {
        Some(format!("no {}", source.display()))
    } else if !runs(CLANG) {
        Some(format!("no {CLANG} on PATH"))
    } else {
        find_mvx_cc().err().map(|e| e.to_string())
    };
    if let Some(why) = missing {
        progress.plan_fewer(PROFILE_STEPS);
        eprintln!("mvx bench: {why}: profiles rows skipped");
        return Ok(Vec::new());
    }
    let dir = std::env::temp_dir().join(format!("mvx-bench-profiles-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let result = build_all(&source, &dir).and_then(|builds| {
        let native_seconds = if quick { 0.25 } else { 1.0 };
        time_all(&builds, rounds, native_seconds, progress)
    });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn runs(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// `$MVX_CC`, else the newest mvx-cc beside this mvx or in the other cargo profile's directory
/// (mvx-cc is usually built in debug, the bench's mvx in release, and an old build may lack
/// profiles), else mvx-cc on PATH.
fn find_mvx_cc() -> Result<PathBuf> {
    if let Some(cc) = std::env::var_os("MVX_CC") {
        return Ok(PathBuf::from(cc));
    }
    let exe = std::env::current_exe().context("locating mvx")?;
    let dir = exe.parent().context("mvx has no directory")?;
    let newest = ["mvx-cc", "../debug/mvx-cc", "../release/mvx-cc"]
        .iter()
        .map(|name| dir.join(name))
        .filter_map(|p| Some((p.metadata().ok()?.modified().ok()?, p)))
        .max_by_key(|(modified, _)| *modified);
    if let Some((_, found)) = newest {
        return Ok(found);
    }
    if runs("mvx-cc") {
        return Ok(PathBuf::from("mvx-cc"));
    }
    bail!("no mvx-cc (cargo build -p mvx-llvm-pass, or set MVX_CC)")
}

fn build_all(source: &Path, dir: &Path) -> Result<Vec<Build>> {
    let mvx_cc = find_mvx_cc()?;
    let plain = dir.join("plain");
    compile(
        Command::new(CLANG)
            .arg("-O2")
            .arg("-o")
            .arg(&plain)
            .arg(source),
    )?;
    let mut builds = vec![Build {
        profile: None,
        variant: 0,
        path: plain,
    }];
    for profile in PROFILES {
        let out = dir.join(profile);
        compile(
            Command::new(&mvx_cc)
                .args(["--variants", &VARIANTS.to_string(), "--profile", profile])
                .arg("-O2")
                .arg("-o")
                .arg(&out)
                .arg(source),
        )?;
        for variant in 0..VARIANTS {
            builds.push(Build {
                profile: Some(profile),
                variant,
                path: dir.join(format!("{profile}.v{variant}")),
            });
        }
    }
    Ok(builds)
}

fn compile(cmd: &mut Command) -> Result<()> {
    let out = cmd.output().with_context(|| format!("running {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(())
}

/// Times every build on every kernel in interleaved rounds; builds[0] is the plain one.
fn time_all(
    builds: &[Build],
    rounds: usize,
    native_seconds: f64,
    progress: &mut Progress,
) -> Result<Vec<ProfileRow>> {
    // medians[b][k]: build b, kernel k.
    let mut medians = vec![Vec::new(); builds.len()];
    for (kernel, guess) in KERNEL_SIZES {
        let reps = repetitions_for(&builds[0].path, kernel, guess, native_seconds)?;
        let mut samples = vec![Vec::new(); builds.len()];
        let mut expected: Option<Vec<u8>> = None;
        for _ in 0..rounds {
            for (b, build) in builds.iter().enumerate() {
                let mut cmd = Command::new(&build.path);
                cmd.args([kernel, &reps.to_string()]);
                let (seconds, output) = time_output(&mut cmd)?;
                match &expected {
                    None => expected = Some(output),
                    Some(e) if *e != output => bail!(
                        "{} printed {:?}, the plain build {:?}",
                        build.path.display(),
                        String::from_utf8_lossy(&output),
                        String::from_utf8_lossy(e)
                    ),
                    Some(_) => {}
                }
                samples[b].push(seconds);
            }
        }
        for (b, s) in samples.into_iter().enumerate() {
            medians[b].push(median(s));
        }
        progress.row_done(&format!("profiles, kernel {kernel}"));
    }
    let plain = &medians[0];
    Ok(builds
        .iter()
        .zip(&medians)
        .skip(1)
        .map(|(build, times)| {
            let kernels: Vec<KernelTimes> = KERNEL_SIZES
                .iter()
                .zip(plain.iter().zip(times))
                .map(|(&(kernel, _), (&plain, &variant))| KernelTimes {
                    kernel,
                    plain,
                    variant,
                })
                .collect();
            let ratios: Vec<f64> = kernels.iter().map(|k| k.variant / k.plain).collect();
            ProfileRow {
                profile: build.profile.expect("only the first build is plain"),
                variant: build.variant,
                ratio: geometric_mean(&ratios),
                kernels,
            }
        })
        .collect())
}

/// Repetitions of `kernel` for a run of about `seconds`, from a first guess.
fn repetitions_for(binary: &Path, kernel: &str, guess: u64, seconds: f64) -> Result<u64> {
    let mut reps = guess;
    for _ in 0..4 {
        let (took, _) = time_output(Command::new(binary).args([kernel, &reps.to_string()]))?;
        if took >= 0.8 * seconds {
            break;
        }
        reps = ((reps as f64 * seconds / took.max(0.01)).ceil() as u64).max(reps + 1);
    }
    Ok(reps)
}

fn geometric_mean(values: &[f64]) -> f64 {
    let logs: f64 = values.iter().map(|v| v.ln()).sum();
    (logs / values.len() as f64).exp()
}

pub fn print(rows: &[ProfileRow], rounds: usize) {
    if rows.is_empty() {
        return;
    }
    println!();
    println!(
        "profiles: examples/c/kernels.c built by mvx-cc --variants {VARIANTS} --profile P, each \
         variant run natively (no monitor), time against plain {CLANG} -O2 (medians of {rounds} \
         interleaved rounds; last column: geometric mean)"
    );
    print!("{:<14} {:<8}", "profile", "variant");
    for (kernel, _) in KERNEL_SIZES {
        print!(" {kernel:>13}");
    }
    println!(" {:>9}", "all");
    for r in rows {
        print!("{:<14} v{:<7}", r.profile, r.variant);
        for k in &r.kernels {
            print!(" {:>12.2}x", k.variant / k.plain);
        }
        println!(" {:>8.2}x", r.ratio);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mean_of_ratios() {
        assert!((geometric_mean(&[0.5, 2.0]) - 1.0).abs() < 1e-12);
        assert!((geometric_mean(&[1.1]) - 1.1).abs() < 1e-12);
    }
}
