//! Lining up the variants' last calls so that the point where they parted shows.
//!
//! Each follower's history is aligned with the leader's by the longest common subsequence of
//! syscall names (like diff, on names: arguments legitimately differ in addresses), matching
//! from the newest call back, since the histories are windows that may start at different
//! calls. A call only one variant made gets a row of its own, with gaps in the others' columns.

/// The aligned histories.
#[derive(Debug, PartialEq, Eq)]
pub struct Alignment {
    /// One cell per variant in each row: the index of the call in that variant's history, or
    /// `None` where the variant made no corresponding call.
    pub rows: Vec<Vec<Option<usize>>>,
    /// The first row after the last one on which every variant agrees (the same call with
    /// the same arguments, addresses aside): where they parted. `None` if they agree up to
    /// the end of the histories.
    pub parted_at: Option<usize>,
}

/// Aligns the histories of every variant (the leader's first).
pub fn align(histories: &[Vec<String>]) -> Alignment {
    let Some(leader) = histories.first() else {
        return Alignment {
            rows: vec![],
            parted_at: None,
        };
    };
    let pairs: Vec<PairAlignment> = histories[1..]
        .iter()
        .map(|h| align_pair(leader, h))
        .collect();
    let mut rows = Vec::new();
    for at in 0..=leader.len() {
        let inserted = pairs
            .iter()
            .map(|p| p.inserted[at].len())
            .max()
            .unwrap_or(0);
        for r in 0..inserted {
            let mut row = vec![None];
            row.extend(pairs.iter().map(|p| p.inserted[at].get(r).copied()));
            rows.push(row);
        }
        if at < leader.len() {
            let mut row = vec![Some(at)];
            row.extend(pairs.iter().map(|p| p.matched[at]));
            rows.push(row);
        }
    }
    let agrees = |row: &Vec<Option<usize>>| {
        let keys: Option<Vec<String>> = row
            .iter()
            .zip(histories)
            .map(|(cell, h)| cell.map(|i| comparable(&h[i])))
            .collect();
        keys.is_some_and(|k| k.iter().all(|x| *x == k[0]))
    };
    let parted_at = match rows.iter().rposition(agrees) {
        Some(last) if last + 1 == rows.len() => None,
        Some(last) => Some(last + 1),
        None => (!rows.is_empty()).then_some(0),
    };
    Alignment { rows, parted_at }
}

/// A follower's history against the leader's.
struct PairAlignment {
    /// For each leader call, the follower's corresponding call.
    matched: Vec<Option<usize>>,
    /// For each position before a leader call (and one past the last), the follower's calls
    /// there that the leader did not make.
    inserted: Vec<Vec<usize>>,
}

fn align_pair(leader: &[String], follower: &[String]) -> PairAlignment {
    let (n, m) = (leader.len(), follower.len());
    let a: Vec<&str> = leader.iter().map(|s| call_name(s)).collect();
    let b: Vec<&str> = follower.iter().map(|s| call_name(s)).collect();
    // lcs[i][j]: the longest common subsequence of a[..i] and b[..j].
    let mut lcs = vec![vec![0u16; m + 1]; n + 1];
    for i in 1..=n {
        for j in 1..=m {
            lcs[i][j] = if a[i - 1] == b[j - 1] {
                lcs[i - 1][j - 1] + 1
            } else {
                lcs[i - 1][j].max(lcs[i][j - 1])
            };
        }
    }
    let mut matched = vec![None; n];
    let mut inserted = vec![Vec::new(); n + 1];
    let (mut i, mut j) = (n, m);
    // From the newest calls back: equal names always match (that is optimal for an LCS).
    while i > 0 || j > 0 {
        if i > 0 && j > 0 && a[i - 1] == b[j - 1] {
            matched[i - 1] = Some(j - 1);
            i -= 1;
            j -= 1;
        } else if j > 0 && (i == 0 || lcs[i][j - 1] >= lcs[i - 1][j]) {
            inserted[i].insert(0, j - 1);
            j -= 1;
        } else {
            i -= 1;
        }
    }
    PairAlignment { matched, inserted }
}

/// The syscall name of a history entry: `write` of `write(1, "a", 1) = 1`.
pub fn call_name(entry: &str) -> &str {
    let end = entry.find(['(', ' ']).unwrap_or(entry.len());
    &entry[..end]
}

/// A history entry with what differs between honest variants masked: numbers that look like
/// addresses (hex, or long decimals such as brk's result) outside quoted strings. The bytes
/// the program passed, inside quotes, are kept as they are.
pub fn comparable(entry: &str) -> String {
    let mut out = String::with_capacity(entry.len());
    let mut chars = entry.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => quoted = false,
                _ => {}
            }
            continue;
        }
        if c == '"' {
            quoted = true;
            out.push(c);
        } else if c.is_ascii_digit() {
            let mut token = String::from(c);
            while let Some(&d) = chars.peek() {
                if d.is_ascii_alphanumeric() {
                    token.push(d);
                    chars.next();
                } else {
                    break;
                }
            }
            let address_like = token.starts_with("0x") || token.len() >= 7;
            out.push_str(if address_like { "#" } else { &token });
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(calls: &[&str]) -> Vec<String> {
        calls.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn names_and_masks() {
        assert_eq!(call_name("write(1, \"a\", 1) = ?"), "write");
        assert_eq!(call_name("mvx_handshake(3) = 0"), "mvx_handshake");
        assert_eq!(
            comparable("mmap(NULL, 4096, 0x3) = 140737353924608"),
            "mmap(NULL, 4096, #) = #"
        );
        assert_eq!(
            comparable("write(1, \"0x1234 \\\" 12345678\", 20) = ?"),
            "write(1, \"0x1234 \\\" 12345678\", 20) = ?"
        );
    }

    #[test]
    fn a_differing_last_call_is_where_they_parted() {
        let a = h(&["brk(NULL) = 93824992235520", "write(1, \"A\", 1) = ?"]);
        let b = h(&["brk(NULL) = 93824994332672", "write(1, \"B\", 1) = ?"]);
        let al = align(&[a, b]);
        assert_eq!(
            al.rows,
            vec![vec![Some(0), Some(0)], vec![Some(1), Some(1)]]
        );
        assert_eq!(al.parted_at, Some(1));
    }

    #[test]
    fn an_extra_call_gets_its_own_row() {
        let a = h(&["open", "read", "close", "write(1) = ?"]);
        let b = h(&["open", "read", "getpid", "close", "exit_group(1) = ?"]);
        let al = align(&[a, b]);
        assert_eq!(
            al.rows,
            vec![
                vec![Some(0), Some(0)],
                vec![Some(1), Some(1)],
                vec![None, Some(2)],
                vec![Some(2), Some(3)],
                vec![Some(3), None],
                vec![None, Some(4)],
            ]
        );
        // They agree on close after the extra getpid, and part after it.
        assert_eq!(al.parted_at, Some(4));
    }

    #[test]
    fn windows_that_start_apart_match_from_the_newest_call() {
        let a = h(&["x", "y", "z", "w"]);
        let b = h(&["y", "z", "w"]);
        let al = align(&[a, b]);
        assert_eq!(al.rows[0], vec![Some(0), None]);
        assert_eq!(al.rows[3], vec![Some(3), Some(2)]);
        assert_eq!(al.parted_at, None);
    }

    #[test]
    fn three_variants_share_rows() {
        let a = h(&["open", "write(A)"]);
        let b = h(&["open", "write(A)"]);
        let c = h(&["open", "kill", "write(C)"]);
        let al = align(&[a, b, c]);
        assert_eq!(
            al.rows,
            vec![
                vec![Some(0), Some(0), Some(0)],
                vec![None, None, Some(1)],
                vec![Some(1), Some(1), Some(2)],
            ]
        );
        assert_eq!(al.parted_at, Some(1));
    }

    #[test]
    fn nothing_to_align() {
        assert_eq!(align(&[]).rows.len(), 0);
        let al = align(&[vec![], vec![]]);
        assert!(al.rows.is_empty());
        assert_eq!(al.parted_at, None);
    }
}
