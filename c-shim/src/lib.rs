//! libmvx_sync.a / libmvx_sync.so: the runtime's C ABI (declared in include/mvx.h) for C
//! programs. The functions live in mvx-sync-runtime (`c_abi`); this crate only links them into C
//! libraries, and keeps the runtime's load-time setup.

pub use mvx_sync_runtime::c_abi::*;
