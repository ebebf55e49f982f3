//! End-to-end tests of the in-variant runtime (mvx-sync-runtime and mvx.h) under the real monitor.

#[path = "common/mod.rs"]
mod common;

use common::*;

#[test]
fn rand_bytes_with_sync_regions_agree_in_every_variant() {
    // --aslr: each variant's OpenSSL DRBG then gets its own nonce (pthread_self is an address),
    // so the bytes differ unless the sync regions replicate them.
    let out = Prog::new(example("rand-bytes")).run_mvx_opts(["-n", "3", "--aslr"]);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    let stdout = out.stdout_str();
    let widths: Vec<usize> = stdout.lines().map(str::len).collect();
    assert_eq!(widths, vec![32, 64, 128], "{}", out.context());
}

#[test]
fn rand_bytes_without_sync_regions_diverge() {
    // The same program without the annotations: the test above is not vacuous.
    let out = Prog::new(example("rand-bytes-nosync")).run_mvx_opts(["-n", "3", "--aslr"]);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    assert!(out.has_divergence_line(), "{}", out.context());
}

#[test]
fn without_mvx_the_runtime_passes_through() {
    let out = Prog::new(example("rand-bytes")).run_native();
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(out.stdout_str().lines().count(), 3, "{}", out.context());
}

#[test]
fn a_single_variant_passes_through() {
    let out = Prog::new(example("rand-bytes")).run_mvx(1);
    assert_no_divergence(&out);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert!(!out.stderr_str().contains("mvx sync"), "{}", out.context());
}
