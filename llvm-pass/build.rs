//! Builds the clang plugins (cpp/mvx_pragma.cpp, cpp/mvx_layout.cpp) and the LLVM passes
//! (cpp/mvx_autosync.cpp, cpp/mvx_stackpad.cpp) as shared libraries with the `cc` crate's
//! compiler, against the LLVM that `llvm-config-19` (or $LLVM_CONFIG) describes. A plugin only
//! works with the clang it was built for: pair llvm-config-19 with clang-19. Without LLVM the
//! plugin is skipped with a warning, and the crate reports it as absent.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=cpp/mvx_pragma.cpp");
    println!("cargo:rerun-if-changed=cpp/mvx_autosync.cpp");
    println!("cargo:rerun-if-changed=cpp/mvx_layout.cpp");
    println!("cargo:rerun-if-changed=cpp/mvx_stackpad.cpp");
    println!("cargo:rerun-if-env-changed=LLVM_CONFIG");
    let llvm_config = std::env::var("LLVM_CONFIG").unwrap_or_else(|_| "llvm-config-19".into());
    let cxxflags = match Command::new(&llvm_config).arg("--cxxflags").output() {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        _ => {
            println!("cargo:warning=no {llvm_config}: the mvx clang plugin is not built (apt-get install llvm-19-dev libclang-19-dev)");
            println!("cargo:rustc-env=MVX_PRAGMA_PLUGIN=");
            println!("cargo:rustc-env=MVX_AUTOSYNC_PLUGIN=");
            println!("cargo:rustc-env=MVX_LAYOUT_PLUGIN=");
            println!("cargo:rustc-env=MVX_STACKPAD_PLUGIN=");
            return;
        }
    };
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    for (source, lib, var) in [
        (
            "cpp/mvx_pragma.cpp",
            "libmvx_pragma.so",
            "MVX_PRAGMA_PLUGIN",
        ),
        (
            "cpp/mvx_autosync.cpp",
            "libmvx_autosync.so",
            "MVX_AUTOSYNC_PLUGIN",
        ),
        (
            "cpp/mvx_layout.cpp",
            "libmvx_layout.so",
            "MVX_LAYOUT_PLUGIN",
        ),
        (
            "cpp/mvx_stackpad.cpp",
            "libmvx_stackpad.so",
            "MVX_STACKPAD_PLUGIN",
        ),
    ] {
        let plugin = out_dir.join(lib);
        let mut cmd = cc::Build::new().cpp(true).get_compiler().to_command();
        cmd.args(["-shared", "-fPIC", "-fno-rtti", "-O2"])
            .args(cxxflags.split_whitespace())
            .arg(source)
            .arg("-o")
            .arg(&plugin);
        let status = cmd.status().expect("running the C++ compiler");
        assert!(status.success(), "building {lib} failed: {cmd:?}");
        println!("cargo:rustc-env={var}={}", plugin.display());
        // Also beside the other artifacts (target/<profile>/), where Makefiles and mvx-cc find it.
        if let Some(profile_dir) = out_dir.ancestors().nth(3) {
            let _ = std::fs::copy(&plugin, profile_dir.join(lib));
        }
    }
}
