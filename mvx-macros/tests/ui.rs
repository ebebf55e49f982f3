//! Compile errors for malformed uses (tests/ui, with their .stderr), and a program using the
//! macros every supported way (tests/pass). Regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test -p mvx-macros --test ui`, then read them.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
