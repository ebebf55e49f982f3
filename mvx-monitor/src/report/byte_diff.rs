//! Where two variants' buffers differ, and hex-dump lines to show it.

use super::Divergence;
use std::ops::Range;

/// One compared argument of the diverging call, in every variant.
#[derive(Debug)]
pub struct ArgBuffers {
    /// The argument's position (0-based; shown 1-based, as the divergence message counts).
    pub arg: usize,
    /// Per variant: its buffer, if it made a call with this argument as a buffer.
    pub variants: Vec<Option<Shown>>,
}

/// One variant's buffer, with where it differs from the others.
#[derive(Debug)]
pub struct Shown {
    /// The bytes the report kept (the first `BUFFER_KEPT`).
    pub bytes: Vec<u8>,
    /// The buffer's whole length.
    pub len: usize,
    /// For a follower, where it differs from the leader; for the leader, where it differs
    /// from any follower.
    pub differs: Vec<Range<usize>>,
}

impl ArgBuffers {
    /// How many hex-dump lines the longest buffer takes.
    pub fn lines(&self) -> usize {
        let longest = self.variants.iter().flatten().map(|s| s.bytes.len()).max();
        longest.unwrap_or(0).div_ceil(LINE)
    }

    /// Whether any variant's buffer differs on dump line `line`.
    pub fn line_differs(&self, line: usize) -> bool {
        let span = line * LINE..(line + 1) * LINE;
        self.variants.iter().flatten().any(|s| {
            s.differs
                .iter()
                .any(|r| r.start < span.end && span.start < r.end)
        })
    }
}

/// The buffers of the diverging call, per argument, compared with the leader's.
pub fn diverging_buffers(d: &Divergence) -> Vec<ArgBuffers> {
    let mut args: Vec<usize> = d
        .variants
        .iter()
        .filter_map(|v| v.syscall.as_ref())
        .flat_map(|sc| sc.buffers.iter().map(|b| b.arg))
        .collect();
    args.sort_unstable();
    args.dedup();
    args.into_iter()
        .map(|arg| {
            let raw: Vec<Option<(Vec<u8>, usize)>> = d
                .variants
                .iter()
                .map(|v| {
                    let buf = v.syscall.as_ref()?.buffers.iter().find(|b| b.arg == arg)?;
                    Some((buf.bytes()?, buf.len))
                })
                .collect();
            let leader = raw.first().cloned().flatten();
            let variants = raw
                .iter()
                .enumerate()
                .map(|(i, this)| {
                    let (bytes, len) = this.clone()?;
                    let differs = match (&leader, i) {
                        (Some(_), 0) => union(
                            raw[1..]
                                .iter()
                                .flatten()
                                .map(|(other, _)| differing_ranges(&bytes, other))
                                .collect(),
                        ),
                        (Some((base, _)), _) => differing_ranges(base, &bytes),
                        // Nothing to compare with: the leader made no such call.
                        (None, _) => vec![],
                    };
                    Some(Shown {
                        bytes,
                        len,
                        differs,
                    })
                })
                .collect();
            ArgBuffers { arg, variants }
        })
        .collect()
}

/// The union of sets of ranges, sorted and merged.
fn union(sets: Vec<Vec<Range<usize>>>) -> Vec<Range<usize>> {
    let mut all: Vec<Range<usize>> = sets.into_iter().flatten().collect();
    all.sort_by_key(|r| r.start);
    let mut merged: Vec<Range<usize>> = Vec::new();
    for r in all {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// Bytes per hex-dump line.
pub const LINE: usize = 16;

/// The ranges of positions where `other` differs from `base`: a different byte, or a byte
/// only one of them has (the tail of the longer). Adjacent positions make one range.
pub fn differing_ranges(base: &[u8], other: &[u8]) -> Vec<Range<usize>> {
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for i in 0..base.len().max(other.len()) {
        if base.get(i) == other.get(i) {
            continue;
        }
        match ranges.last_mut() {
            Some(r) if r.end == i => r.end = i + 1,
            _ => ranges.push(i..i + 1),
        }
    }
    ranges
}

/// Whether position `i` is inside one of `ranges` (sorted, as `differing_ranges` makes them).
pub fn is_marked(ranges: &[Range<usize>], i: usize) -> bool {
    ranges
        .binary_search_by(|r| {
            if r.end <= i {
                std::cmp::Ordering::Less
            } else if r.start > i {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// A byte as shown in the text column of a hex dump.
pub fn printable(b: u8) -> char {
    if (0x20..0x7f).contains(&b) {
        b as char
    } else {
        '.'
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_buffers_have_no_ranges() {
        assert!(differing_ranges(b"same", b"same").is_empty());
        assert!(differing_ranges(b"", b"").is_empty());
    }

    #[test]
    fn differing_bytes_make_merged_ranges() {
        let a = b"hello from variant A\n";
        let b = b"hello from variant B\n";
        assert_eq!(differing_ranges(a, b), vec![19..20]);
        assert_eq!(differing_ranges(b"abcdef", b"aXYdeZ"), vec![1..3, 5..6]);
    }

    #[test]
    fn a_longer_buffer_differs_in_its_tail() {
        assert_eq!(differing_ranges(b"ab", b"abcd"), vec![2..4]);
        assert_eq!(differing_ranges(b"abcd", b"aX"), vec![1..4]);
    }

    #[test]
    fn marks_follow_the_ranges() {
        let r = vec![1..3, 5..6];
        let marked: Vec<usize> = (0..8).filter(|&i| is_marked(&r, i)).collect();
        assert_eq!(marked, vec![1, 2, 5]);
    }

    #[test]
    fn the_leader_is_marked_where_any_follower_differs() {
        assert_eq!(union(vec![vec![1..3], vec![2..5, 7..8]]), vec![1..5, 7..8]);
        assert!(union(vec![]).is_empty());
    }

    #[test]
    fn unprintable_bytes_show_as_dots() {
        assert_eq!(printable(b'a'), 'a');
        assert_eq!(printable(b'\n'), '.');
        assert_eq!(printable(0xff), '.');
    }
}
