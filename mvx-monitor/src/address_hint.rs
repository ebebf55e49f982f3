//! Recognising addresses in a divergence.
//!
//! Address-space partitioning places follower k's memory exactly k × 64 GiB below the leader's,
//! so a program that prints or sends an address (`%p`, a pointer in a binary message, a hash
//! keyed by an address) diverges by design. When the differing bytes of two buffers are
//! numbers that differ by a multiple of that step, the report says so in plain words.

/// The distance between two variants' partitions (see `spawn::Layout::Partitioned`).
pub const PARTITION_STEP: u64 = 64 << 30;

/// Whether `a` and `b` are user-space addresses a non-zero multiple of the partition step
/// apart.
fn partition_apart(a: u64, b: u64) -> bool {
    let user = |v: u64| (0x1_0000..=0x7fff_ffff_ffff).contains(&v);
    let d = a.abs_diff(b);
    user(a) && user(b) && d != 0 && d.is_multiple_of(PARTITION_STEP)
}

/// Whether the two buffers differ where they hold addresses one or more partitions apart:
/// hexadecimal or decimal text at the same place, or 8-byte little-endian words.
pub fn looks_like_partitioned_addresses(a: &[u8], b: &[u8]) -> bool {
    let Some(first) = a.iter().zip(b).position(|(x, y)| x != y) else {
        return false;
    };
    text_numbers_apart(a, b, first) || words_apart(a, b, first)
}

/// The number written in text around `at` (hex digits, with or without 0x, or decimal).
fn number_around(buf: &[u8], at: usize) -> Option<u64> {
    let is_digit = |c: u8| c.is_ascii_hexdigit();
    if at >= buf.len() || !is_digit(buf[at]) {
        return None;
    }
    let start = (0..=at)
        .rev()
        .take_while(|&i| is_digit(buf[i]))
        .last()
        .unwrap_or(at);
    let end = (at..buf.len())
        .take_while(|&i| is_digit(buf[i]))
        .last()
        .map_or(at, |i| i + 1);
    let text = std::str::from_utf8(&buf[start..end]).ok()?;
    let hex = start >= 2 && &buf[start - 2..start] == b"0x";
    if hex || text.bytes().any(|c| c.is_ascii_alphabetic()) {
        u64::from_str_radix(text, 16).ok()
    } else {
        text.parse().ok()
    }
}

fn text_numbers_apart(a: &[u8], b: &[u8], at: usize) -> bool {
    match (number_around(a, at), number_around(b, at)) {
        (Some(x), Some(y)) => partition_apart(x, y),
        _ => false,
    }
}

fn words_apart(a: &[u8], b: &[u8], at: usize) -> bool {
    // The 8-byte aligned word holding the first difference (buffers of structs are aligned).
    let start = at - at % 8;
    let (Some(x), Some(y)) = (a.get(start..start + 8), b.get(start..start + 8)) else {
        return false;
    };
    let word = |w: &[u8]| u64::from_le_bytes(w.try_into().unwrap());
    partition_apart(word(x), word(y))
}

/// The sentence a report adds when the hint applies.
pub const HINT: &str = "the differing bytes look like addresses one or more partitions \
    (64 GiB) apart: the program reveals memory addresses, which differ between variants by \
    design (address-space partitioning); `mvx run --no-partition` gives every variant the same \
    layout, at the cost of that protection";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_pointers_one_partition_apart() {
        assert!(looks_like_partitioned_addresses(
            b"ptr 0x7ffff7dd1a10\n",
            b"ptr 0x7feff7dd1a10\n"
        ));
        // Decimal, two partitions apart.
        let a = format!("{}", 0x7fff_f7dd_1a10u64);
        let b = format!("{}", 0x7fff_f7dd_1a10u64 - 2 * PARTITION_STEP);
        assert!(looks_like_partitioned_addresses(a.as_bytes(), b.as_bytes()));
    }

    #[test]
    fn binary_words_one_partition_apart() {
        let mut a = vec![1u8; 8];
        a.extend(0x5555_5555_4000u64.to_le_bytes());
        let mut b = vec![1u8; 8];
        b.extend((0x5555_5555_4000u64 - PARTITION_STEP).to_le_bytes());
        assert!(looks_like_partitioned_addresses(&a, &b));
    }

    #[test]
    fn other_differences_are_not_addresses() {
        assert!(!looks_like_partitioned_addresses(
            b"hello A\n",
            b"hello B\n"
        ));
        assert!(!looks_like_partitioned_addresses(
            b"n = 12345",
            b"n = 12346"
        ));
        assert!(!looks_like_partitioned_addresses(b"same", b"same"));
    }
}
