//! The mvx clang plugin. `clang-19 -fplugin=<pragma_plugin()>` lowers
//!
//! ```c
//! #pragma mvx sync before
//! RAND_bytes(buf, lengths[testnum]);
//! #pragma mvx sync after data(buf, lengths[testnum], char)
//! ```
//!
//! into calls of the runtime's `mvx_sync_op_before` / `mvx_sync_op_after` (see
//! `cpp/mvx_pragma.cpp` for the exact lowering and the diagnostics).

pub mod profiles;

use std::path::Path;

/// The built plugin, or `None` where LLVM 19 was not available at build time.
pub fn pragma_plugin() -> Option<&'static Path> {
    let path = env!("MVX_PRAGMA_PLUGIN");
    (!path.is_empty()).then(|| Path::new(path))
}

/// The LLVM pass plugin of automatic mode (`-fpass-plugin=`), or `None` without LLVM 19.
pub fn autosync_plugin() -> Option<&'static Path> {
    let path = env!("MVX_AUTOSYNC_PLUGIN");
    (!path.is_empty()).then(|| Path::new(path))
}

/// The data-layout plugin of `mvx-cc --profile data` (per-variant struct field order and
/// padding), or `None` without LLVM 19.
pub fn layout_plugin() -> Option<&'static Path> {
    let path = env!("MVX_LAYOUT_PLUGIN");
    (!path.is_empty()).then(|| Path::new(path))
}
