//! Names of new temporary files: the same name for every variant.
//!
//! glibc's mkstemp/mkdtemp (and gcc's, git's temporary files) pick the random part of a
//! name from the clock mixed with the address of a stack variable, which differs between
//! variants by design (address-space partitioning). Where a follower exclusively creates a
//! file or directory whose name differs from the leader's only in the letters and digits of
//! its last component, it takes the leader's name: written into its own memory (the template
//! the program keeps and uses afterwards), so the variants go on with one name.
//!
//! The same loop draws again when its value falls in the range that would bias the digits
//! (about 1 time in 22), which depends on that address too: one variant may make one more
//! draw (clock_gettime or getrandom) than the others before its create. Such draws run in that
//! variant alone, uncompared: they only change its own memory, and the name it ends with is
//! replaced by the leader's.

/// Calls glibc's temporary-name loop draws its random value with (the table's
/// `random_draw`: the clocks without the vDSO, getrandom).
pub fn is_random_draw(nr: u64) -> bool {
    crate::table::with(nr, |p| p.random_draw)
}

/// How many draws in a row a variant may make alone before an exclusive create.
pub const MAX_REDRAWS: u32 = 8;

/// The path argument of a call that creates a new name exclusively (the table's
/// `exclusive_create`: `open`/`openat` with O_CREAT|O_EXCL, `mkdir`, `mkdirat`).
pub fn exclusive_create_path_arg(nr: u64, args: &[u64; 6]) -> Option<usize> {
    crate::table::lookup(nr)?.exclusive_create_path(args)
}

/// Whether `follower`'s path differs from `leader`'s only in letters and digits within the
/// last path component (the random part of a temporary name), by at most 32 of them.
pub fn differ_only_in_random_part(leader: &[u8], follower: &[u8]) -> bool {
    if leader.len() != follower.len() || leader == follower {
        return false;
    }
    let last_component = leader.iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    let mut differing = 0;
    for (i, (&a, &b)) in leader.iter().zip(follower).enumerate() {
        if a == b {
            continue;
        }
        if i < last_component || !a.is_ascii_alphanumeric() || !b.is_ascii_alphanumeric() {
            return false;
        }
        differing += 1;
    }
    differing <= 32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exclusive_creations_only() {
        let excl = (libc::O_CREAT | libc::O_EXCL | libc::O_RDWR) as u64;
        let at = |flags| [libc::AT_FDCWD as u64, 0, flags, 0o600, 0, 0];
        assert_eq!(
            exclusive_create_path_arg(libc::SYS_openat as u64, &at(excl)),
            Some(1)
        );
        let plain = libc::O_CREAT as u64;
        assert_eq!(
            exclusive_create_path_arg(libc::SYS_openat as u64, &at(plain)),
            None
        );
        assert_eq!(
            exclusive_create_path_arg(libc::SYS_mkdir as u64, &[0; 6]),
            Some(0)
        );
        assert_eq!(
            exclusive_create_path_arg(libc::SYS_unlink as u64, &[0; 6]),
            None
        );
    }

    #[test]
    fn only_the_random_letters_of_the_last_component() {
        assert!(differ_only_in_random_part(
            b"/tmp/ccxMczyq.s",
            b"/tmp/ccjz5ujx.s"
        ));
        assert!(differ_only_in_random_part(
            b"/r/.git/tcQDhGW",
            b"/r/.git/tebOnx4"
        ));
        // Same name, another directory, other punctuation, another length: no.
        assert!(!differ_only_in_random_part(b"/tmp/a", b"/tmp/a"));
        assert!(!differ_only_in_random_part(b"/tmq/abc", b"/tmp/abc"));
        assert!(!differ_only_in_random_part(b"/tmp/ab.c", b"/tmp/ab/c"));
        assert!(!differ_only_in_random_part(b"/tmp/abc", b"/tmp/abcd"));
    }
}
