//! Where mvx finds its own files (the preload library, the clang plugins, mvx-cc): in cargo's
//! target directory they sit beside the `mvx` binary; installed (`make install PREFIX=...`)
//! the binaries are in `$PREFIX/bin` and the libraries in `$PREFIX/lib/mvx`.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// The libraries' directory under an install prefix, relative to the `bin` directory.
pub const LIB_DIR_FROM_BIN: &str = "../lib/mvx";

/// The directories searched for mvx's libraries, in order, given the directory of the running
/// binary: beside it (a cargo build), then the prefix's `lib/mvx` (an install).
pub fn library_dirs(bin_dir: &Path) -> Vec<PathBuf> {
    vec![bin_dir.to_path_buf(), bin_dir.join(LIB_DIR_FROM_BIN)]
}

/// The directory of the running `mvx`.
pub fn bin_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("locating the mvx binary")?;
    Ok(exe.parent().map(Path::to_path_buf).unwrap_or_default())
}

/// The first existing `name` in `dirs`, or an error naming every place looked at.
pub fn find_in(dirs: &[PathBuf], name: &str) -> Result<PathBuf> {
    if let Some(found) = dirs.iter().map(|d| d.join(name)).find(|p| p.is_file()) {
        return Ok(normalize(&found));
    }
    let tried: Vec<String> = dirs
        .iter()
        .map(|d| normalize(&d.join(name)).display().to_string())
        .collect();
    anyhow::bail!("{name} not found (looked at {})", tried.join(", "))
}

/// One of mvx's libraries: `$override_var` if set (it must exist), else beside the binary or
/// under the prefix.
pub fn library(name: &str, override_var: &str) -> Result<PathBuf> {
    if let Some(p) = std::env::var_os(override_var) {
        let p = PathBuf::from(p);
        anyhow::ensure!(
            p.is_file(),
            "{} not found (from ${override_var})",
            p.display()
        );
        return Ok(p);
    }
    find_in(&library_dirs(&bin_dir()?), name)
}

/// libmvx_preload.so: $MVX_PRELOAD_LIB, beside mvx, or in the prefix's lib/mvx.
pub fn preload_library() -> Result<PathBuf> {
    library("libmvx_preload.so", "MVX_PRELOAD_LIB").context(
        "the preload library is missing (build it with `cargo build -p mvx-preload`, install \
         mvx with `make install`, or set MVX_PRELOAD_LIB)",
    )
}

/// libmvx_heappad.so, preloaded with `--heap-padding` only.
pub fn heappad_library() -> Result<PathBuf> {
    library("libmvx_heappad.so", "MVX_HEAPPAD_LIB").context(
        "the heap-padding library is missing (build it with `cargo build -p mvx-heappad`, \
         install mvx with `make install`, or set MVX_HEAPPAD_LIB)",
    )
}

/// `a/bin/../lib/mvx/x` as `a/lib/mvx/x` (lexically, so a symlinked bin stays as given), for
/// messages a user reads.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::ParentDir if out.file_name().is_some() => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn looks_beside_the_binary_then_in_the_prefix() {
        let dirs = library_dirs(Path::new("/opt/mvx/bin"));
        assert_eq!(
            dirs,
            [
                PathBuf::from("/opt/mvx/bin"),
                PathBuf::from("/opt/mvx/bin/../lib/mvx")
            ]
        );
        let err = find_in(&dirs, "libnothing.so").unwrap_err().to_string();
        assert!(
            err.contains("/opt/mvx/bin/libnothing.so, /opt/mvx/lib/mvx/libnothing.so"),
            "{err}"
        );
    }

    #[test]
    fn finds_an_installed_library_under_the_prefix() {
        let prefix = std::env::temp_dir().join(format!("mvx-paths-{}", std::process::id()));
        std::fs::create_dir_all(prefix.join("bin")).unwrap();
        std::fs::create_dir_all(prefix.join("lib/mvx")).unwrap();
        std::fs::write(prefix.join("lib/mvx/libx.so"), b"").unwrap();
        let found = find_in(&library_dirs(&prefix.join("bin")), "libx.so");
        let _ = std::fs::remove_dir_all(&prefix);
        assert_eq!(found.unwrap(), prefix.join("lib/mvx/libx.so"));
    }
}
