//! `mvx doctor`: what this machine allows and what mvx does about it, one line per check:
//! `OK`, `degraded (what it means for mvx)` or `missing (how to fix it)`. The exit status is
//! 0 unless something is missing.

use crate::doctor_probes::{self as probes, Probe};
use crate::install_paths;
use anyhow::Result;
use std::path::{Path, PathBuf};

/// One check's finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Works; the text says how, or is empty.
    Ok(String),
    /// mvx runs, with less: the text says what it loses.
    Degraded(String),
    /// A part of mvx cannot work: the text says how to fix it.
    Missing(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub verdict: Verdict,
}

impl Check {
    /// `name  OK (...)`, with the names in one column.
    pub fn render(&self) -> String {
        let (word, text) = match &self.verdict {
            Verdict::Ok(t) => ("OK", t),
            Verdict::Degraded(t) => ("degraded", t),
            Verdict::Missing(t) => ("missing", t),
        };
        let name = format!("{}:", self.name);
        if text.is_empty() {
            format!("{name:<24}{word}")
        } else {
            format!("{name:<24}{word} ({text})")
        }
    }
}

/// The kernel release, e.g. "6.1.0-18-amd64" -> (6, 1).
fn kernel_version(release: &str) -> Option<(u32, u32)> {
    let mut parts = release.split(['.', '-']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    Some((major, minor))
}

pub fn classify_kernel(release: Option<&str>) -> Verdict {
    let Some(release) = release else {
        return Verdict::Degraded("cannot read /proc/sys/kernel/osrelease".into());
    };
    match kernel_version(release) {
        Some(v) if v >= (5, 4) => Verdict::Ok(format!("Linux {release}")),
        // Seccomp's trace stop comes after ptrace's syscall-entry stop only from 4.8 on.
        Some(v) if v >= (4, 8) => Verdict::Degraded(format!(
            "Linux {release}: older than the kernels mvx is tested on (5.4 and later)"
        )),
        Some(_) => Verdict::Missing(format!(
            "Linux {release}: mvx needs Linux 4.8 or later (seccomp trace stops)"
        )),
        None => Verdict::Degraded(format!("cannot parse the kernel release {release:?}")),
    }
}

/// ptrace: what the probe found, and Yama's scope (None where there is no Yama) to explain it.
pub fn classify_ptrace(probe: Probe, scope: Option<u32>, root: bool) -> Verdict {
    let yama = match scope {
        None => "no Yama".to_string(),
        Some(s) => format!("Yama ptrace_scope {s}"),
    };
    match probe {
        Probe::Works => Verdict::Ok(format!("{yama}: mvx may trace the variants it starts")),
        _ => {
            let fix = match scope {
                Some(2) if !root => "run mvx as root, or: sudo sysctl kernel.yama.ptrace_scope=1",
                Some(3) => "ptrace_scope 3 lasts until reboot: set kernel.yama.ptrace_scope=1 at boot",
                _ => "allow ptrace (a container needs it in its seccomp profile, or --cap-add SYS_PTRACE)",
            };
            Verdict::Missing(format!("{yama}: mvx cannot trace its variants; {fix}"))
        }
    }
}

pub fn classify_seccomp(probe: Probe) -> Verdict {
    match probe {
        Probe::Works => {
            Verdict::Ok("filters install: only the calls that need checking stop".into())
        }
        Probe::Refused(e) => Verdict::Missing(format!(
            "seccomp filters refused ({}): mvx needs a kernel with CONFIG_SECCOMP_FILTER, and a \
             container profile that allows seccomp(2)",
            std::io::Error::from_raw_os_error(e)
        )),
        Probe::NoEffect => {
            Verdict::Missing("seccomp filters do not install: mvx cannot run".into())
        }
    }
}

pub fn classify_cpuid(probe: Probe) -> Verdict {
    match probe {
        Probe::Works => {
            Verdict::Ok("cpuid faults; mvx answers it identically for every variant".into())
        }
        _ => Verdict::Degraded(
            "this CPU cannot fault cpuid (ARCH_SET_CPUID): mvx lets cpuid run natively, so \
             per-core fields such as the APIC id may differ between variants"
                .into(),
        ),
    }
}

pub fn classify_rdtsc(probe: Probe) -> Verdict {
    match probe {
        Probe::Works => Verdict::Ok("rdtsc faults; mvx gives every variant the same value".into()),
        _ => Verdict::Degraded(
            "rdtsc cannot be trapped (PR_SET_TSC): each variant reads its own counter, so \
             programs that read the TSC directly may diverge"
                .into(),
        ),
    }
}

pub fn classify_dispatch(probe: Probe, kernel: Option<(u32, u32)>) -> Verdict {
    match probe {
        Probe::Works => Verdict::Ok("available; this mvx does not use it".into()),
        _ => {
            let why = match kernel {
                Some(v) if v < (5, 11) => "needs Linux 5.11",
                _ => "refused",
            };
            Verdict::Ok(format!("not available ({why}); this mvx does not use it"))
        }
    }
}

pub fn classify_clang(clang: Option<&Path>) -> Verdict {
    match clang {
        Some(p) => Verdict::Ok(p.display().to_string()),
        None => Verdict::Missing(
            "mvx-cc and the clang plugins need clang-19: sudo apt-get install clang-19".into(),
        ),
    }
}

/// The plugin: where mvx-cc finds it, and whether clang-19 loads it (`loads` is None when
/// there is no clang-19 to try).
pub fn classify_plugin(plugin: &Result<PathBuf>, loads: Option<Result<(), String>>) -> Verdict {
    match (plugin, loads) {
        (Err(e), _) => Verdict::Missing(format!(
            "{e:#}; build it with `cargo build -p mvx-llvm-pass` (needs llvm-19-dev and \
             libclang-19-dev) or install mvx with `make install`"
        )),
        (Ok(p), None) => Verdict::Degraded(format!("{}, not tried without clang-19", p.display())),
        (Ok(p), Some(Ok(()))) => Verdict::Ok(format!("{} loads in clang-19", p.display())),
        (Ok(p), Some(Err(e))) => Verdict::Missing(format!(
            "{} does not load in clang-19 ({e}): rebuild it against LLVM 19 (llvm-config-19)",
            p.display()
        )),
    }
}

pub fn classify_preload(lib: &Result<PathBuf>) -> Verdict {
    match lib {
        Ok(p) => Verdict::Ok(p.display().to_string()),
        Err(e) => Verdict::Missing(format!(
            "{e:#}; build it with `cargo build -p mvx-preload` or install mvx with `make \
             install`; without it mvx runs with no fast path and no compat wrappers"
        )),
    }
}

pub fn classify_runtime(lib: &Result<PathBuf>) -> Verdict {
    match lib {
        Ok(p) => Verdict::Ok(p.display().to_string()),
        Err(e) => Verdict::Missing(format!(
            "{e:#}; mvx-cc links it into every program: build it with `cargo build -p \
             mvx-c-shim` or install mvx with `make install`"
        )),
    }
}

/// /dev/shm: where the per-run sync buffer and the shadows of shared files go.
pub fn classify_shm(is_dir: bool, writable: bool, free: Option<u64>, needed: u64) -> Verdict {
    const MIB: u64 = 1 << 20;
    if !is_dir || !writable {
        return Verdict::Degraded(
            "/dev/shm is not a writable directory: the sync buffer and shadows go to the temp \
             directory (on disk, slower)"
                .into(),
        );
    }
    match free {
        Some(f) if f < needed => Verdict::Degraded(format!(
            "{} MiB free, less than one run's sync buffer ({} MiB): programs with many \
             threads may fail; enlarge it (mount -o remount,size=1G /dev/shm)",
            f / MIB,
            needed / MIB
        )),
        Some(f) => Verdict::Ok(format!("{} MiB free", f / MIB)),
        None => Verdict::Degraded("cannot read its free space".into()),
    }
}

/// Whether any check says missing (the exit status).
pub fn anything_missing(checks: &[Check]) -> bool {
    checks
        .iter()
        .any(|c| matches!(c.verdict, Verdict::Missing(_)))
}

fn read_trimmed(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Tries the plugin in clang-19 on an empty C file.
fn plugin_loads(clang: &Path, plugin: &Path) -> Result<(), String> {
    let out = std::process::Command::new(clang)
        .arg(format!("-fplugin={}", plugin.display()))
        .args(["-fsyntax-only", "-x", "c", "/dev/null"])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("running {}: {e}", clang.display()))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(err.lines().next().unwrap_or("failed").trim().to_string())
}

/// A probe that could not even fork counts as refused.
fn probe(f: fn() -> Result<Probe>) -> Probe {
    f().unwrap_or(Probe::Refused(0))
}

/// Runs every check on this machine.
pub fn checks() -> Vec<Check> {
    let release = read_trimmed("/proc/sys/kernel/osrelease");
    let kernel = release.as_deref().and_then(kernel_version);
    let scope = read_trimmed("/proc/sys/kernel/yama/ptrace_scope").and_then(|s| s.parse().ok());
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    let lib_dirs = install_paths::bin_dir()
        .map(|d| install_paths::library_dirs(&d))
        .unwrap_or_default();
    let clang = on_path("clang-19");
    let plugin = std::env::var_os("MVX_PLUGIN")
        .map(|p| Ok(PathBuf::from(p)))
        .unwrap_or_else(|| install_paths::find_in(&lib_dirs, "libmvx_pragma.so"));
    let loads = match (&clang, &plugin) {
        (Some(c), Ok(p)) => Some(plugin_loads(c, p)),
        _ => None,
    };
    let runtime = std::env::var_os("MVX_RUNTIME_LIB")
        .map(|p| Ok(PathBuf::from(p)))
        .unwrap_or_else(|| install_paths::find_in(&lib_dirs, "libmvx_sync.a"));
    let shm = Path::new("/dev/shm");
    let check = |name, verdict| Check { name, verdict };
    vec![
        check("kernel", classify_kernel(release.as_deref())),
        check(
            "ptrace",
            classify_ptrace(probe(probes::ptrace_traceme), scope, root),
        ),
        check("seccomp", classify_seccomp(probe(probes::seccomp_filter))),
        check(
            "cpuid faulting",
            classify_cpuid(probe(probes::cpuid_faulting)),
        ),
        check(
            "rdtsc trapping",
            classify_rdtsc(probe(probes::rdtsc_trapping)),
        ),
        check(
            "syscall user dispatch",
            classify_dispatch(probe(probes::syscall_user_dispatch), kernel),
        ),
        check(
            "preload library",
            classify_preload(&install_paths::library(
                "libmvx_preload.so",
                "MVX_PRELOAD_LIB",
            )),
        ),
        check("sync runtime", classify_runtime(&runtime)),
        check("clang-19", classify_clang(clang.as_deref())),
        check("clang plugin", classify_plugin(&plugin, loads)),
        check(
            "/dev/shm",
            classify_shm(
                shm.is_dir(),
                probes::writable(shm),
                probes::free_bytes(shm),
                mvx_sync_runtime::protocol::SHM_SIZE as u64,
            ),
        ),
    ]
}

/// `mvx doctor`: prints the checks, returns the exit status.
pub fn run() -> Result<i32> {
    let checks = checks();
    for c in &checks {
        println!("{}", c.render());
    }
    Ok(i32::from(anything_missing(&checks)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_put_the_verdict_after_an_aligned_name() {
        let ok = Check {
            name: "kernel",
            verdict: Verdict::Ok("Linux 6.1.0".into()),
        };
        assert_eq!(ok.render(), "kernel:                 OK (Linux 6.1.0)");
        let bare = Check {
            name: "x",
            verdict: Verdict::Ok(String::new()),
        };
        assert_eq!(bare.render(), "x:                      OK");
        let missing = Check {
            name: "clang-19",
            verdict: Verdict::Missing("apt-get install clang-19".into()),
        };
        assert!(missing
            .render()
            .ends_with("missing (apt-get install clang-19)"));
        assert!(anything_missing(&[ok.clone(), missing]));
        assert!(!anything_missing(&[ok]));
    }

    #[test]
    fn kernel_releases_parse_and_old_ones_are_flagged() {
        assert_eq!(kernel_version("6.18.0-1-amd64"), Some((6, 18)));
        assert_eq!(kernel_version("5.10.0"), Some((5, 10)));
        assert_eq!(kernel_version("4.19+"), Some((4, 19)));
        assert_eq!(kernel_version("garbage"), None);
        assert!(matches!(classify_kernel(Some("6.1.0")), Verdict::Ok(_)));
        assert!(matches!(
            classify_kernel(Some("4.19.0")),
            Verdict::Degraded(_)
        ));
        assert!(matches!(
            classify_kernel(Some("3.10.0")),
            Verdict::Missing(_)
        ));
        assert!(matches!(classify_kernel(None), Verdict::Degraded(_)));
    }

    #[test]
    fn ptrace_refused_says_how_to_allow_it() {
        assert!(matches!(
            classify_ptrace(Probe::Works, Some(1), false),
            Verdict::Ok(_)
        ));
        let Verdict::Missing(fix) = classify_ptrace(Probe::Refused(libc::EPERM), Some(2), false)
        else {
            panic!("scope 2 without root is missing");
        };
        assert!(fix.contains("ptrace_scope=1"), "{fix}");
        let Verdict::Missing(fix) = classify_ptrace(Probe::Refused(libc::EPERM), None, true) else {
            panic!("a refused probe is missing");
        };
        assert!(fix.contains("SYS_PTRACE"), "{fix}");
    }

    #[test]
    fn cpu_traps_that_fail_degrade_and_say_what_mvx_does() {
        assert!(matches!(classify_cpuid(Probe::Works), Verdict::Ok(_)));
        let Verdict::Degraded(what) = classify_cpuid(Probe::Refused(libc::ENODEV)) else {
            panic!("no cpuid faulting is degraded");
        };
        assert!(what.contains("natively"), "{what}");
        assert!(matches!(
            classify_rdtsc(Probe::NoEffect),
            Verdict::Degraded(_)
        ));
        assert!(matches!(
            classify_seccomp(Probe::Refused(libc::EINVAL)),
            Verdict::Missing(_)
        ));
        let Verdict::Ok(text) = classify_dispatch(Probe::Refused(libc::EINVAL), Some((5, 10)))
        else {
            panic!("dispatch is not needed");
        };
        assert!(text.contains("5.11"), "{text}");
    }

    #[test]
    fn plugin_shm_and_libraries_classify() {
        let p = Ok(PathBuf::from("/x/libmvx_pragma.so"));
        assert!(matches!(classify_plugin(&p, Some(Ok(()))), Verdict::Ok(_)));
        assert!(matches!(classify_plugin(&p, None), Verdict::Degraded(_)));
        assert!(matches!(
            classify_plugin(&p, Some(Err("bad".into()))),
            Verdict::Missing(_)
        ));
        let absent: Result<PathBuf> = Err(anyhow::anyhow!("libmvx_pragma.so not found"));
        assert!(matches!(
            classify_plugin(&absent, None),
            Verdict::Missing(_)
        ));
        assert!(matches!(classify_preload(&absent), Verdict::Missing(_)));
        assert!(matches!(classify_runtime(&absent), Verdict::Missing(_)));
        assert!(matches!(classify_clang(None), Verdict::Missing(_)));
        let gib = 1 << 30;
        assert!(matches!(
            classify_shm(true, true, Some(gib), 64 << 20),
            Verdict::Ok(_)
        ));
        assert!(matches!(
            classify_shm(true, true, Some(1 << 20), 64 << 20),
            Verdict::Degraded(_)
        ));
        assert!(matches!(
            classify_shm(false, false, None, 64 << 20),
            Verdict::Degraded(_)
        ));
    }
}
