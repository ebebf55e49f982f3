//! Finding the inline syscall sites of libc's text that can be replaced by a 5-byte jump.
//!
//! Two instruction forms are recognised, the ones glibc's syscall wrappers compile to:
//! - `mov $NR, %eax; syscall` (`b8 imm32 0f 05`, 7 bytes): replaced as a unit.
//! - `xor %eax, %eax; syscall; cmp $-4096, %rax` (`31 c0 0f 05 48 3d 00 f0 ff ff`, 10 bytes):
//!   read's wrappers (NR 0); the 4 bytes before the `cmp` are too short for a jump, so the
//!   `cmp` is moved into the trampoline (it sets the flags the following `ja` reads).
//!
//! Nothing is disassembled from function starts (libc's internal functions have no symbols),
//! so a site is taken only if nothing could jump into the middle of it: every byte offset of
//! the text is read as a relative jump or call (`jmp`/`jcc`/`call`/`loop`/`jrcxz`, rel8 and
//! rel32), and a site any such reading lands inside is left alone. Reading every offset finds
//! every real branch and more (false readings only make it skip sites). What this cannot see
//! are indirect jumps (jump tables): compilers emit those for switch statements, whose case
//! labels are never the `syscall` half of an inline syscall sequence.

/// One site to rewrite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Site {
    /// Offset of the site's first byte in the scanned text.
    pub offset: usize,
    /// The syscall number it loads into eax.
    pub nr: u32,
    /// Bytes replaced (the jump, then padding that is never reached).
    pub len: usize,
    /// Instructions moved from the site into the trampoline, run after the call.
    pub moved: &'static [u8],
}

/// `cmp $-4096, %rax`: glibc's "is it an error" test after a syscall.
const CMP_ERROR_RANGE: [u8; 6] = [0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff];
const SYSCALL: [u8; 2] = [0x0f, 0x05];
const MOV_EAX: u8 = 0xb8;
const XOR_EAX_EAX: [u8; 2] = [0x31, 0xc0];

/// The sites in `text` whose syscall number `wanted` accepts, without the ones a branch could
/// enter in the middle; and how many of those were left alone.
pub fn find(text: &[u8], wanted: impl Fn(u32) -> bool) -> (Vec<Site>, usize) {
    let mut sites = candidates(text, wanted);
    let entered = entered_sites(text, &sites);
    let mut i = 0;
    sites.retain(|_| {
        i += 1;
        !entered[i - 1]
    });
    (sites, entered.iter().filter(|&&e| e).count())
}

/// Every occurrence of the two forms, in address order, not overlapping.
fn candidates(text: &[u8], wanted: impl Fn(u32) -> bool) -> Vec<Site> {
    let mut sites = Vec::new();
    let mut at = 0;
    while at + 2 <= text.len() {
        let rest = &text[at..];
        let site = if rest.len() >= 7 && rest[0] == MOV_EAX && rest[5..7] == SYSCALL {
            let nr = u32::from_le_bytes(rest[1..5].try_into().unwrap());
            wanted(nr).then_some(Site {
                offset: at,
                nr,
                len: 7,
                moved: &[],
            })
        } else if rest.len() >= 10
            && rest[..2] == XOR_EAX_EAX
            && rest[2..4] == SYSCALL
            && rest[4..10] == CMP_ERROR_RANGE
        {
            wanted(0).then_some(Site {
                offset: at,
                nr: 0,
                len: 10,
                moved: &CMP_ERROR_RANGE,
            })
        } else {
            None
        };
        match site {
            Some(s) => {
                at += s.len;
                sites.push(s);
            }
            None => at += 1,
        }
    }
    sites
}

/// For each site, whether some byte offset of `text`, read as a relative branch, targets a
/// byte inside it (after its first).
fn entered_sites(text: &[u8], sites: &[Site]) -> Vec<bool> {
    let mut entered = vec![false; sites.len()];
    let mut mark = |target: i64| {
        if target < 0 {
            return;
        }
        let target = target as usize;
        // The last site starting at or before the target.
        let i = sites.partition_point(|s| s.offset <= target);
        if i > 0 {
            let s = &sites[i - 1];
            if target > s.offset && target < s.offset + s.len {
                entered[i - 1] = true;
            }
        }
    };
    let rel8 = |at: usize| text.get(at).map(|&b| b as i8 as i64);
    let rel32 = |at: usize| {
        text.get(at..at + 4)
            .map(|b| i32::from_le_bytes(b.try_into().unwrap()) as i64)
    };
    for at in 0..text.len() {
        let here = at as i64;
        match text[at] {
            // jmp rel8, jcc rel8, loop/loope/loopne, jrcxz.
            0xeb | 0x70..=0x7f | 0xe0..=0xe3 => {
                if let Some(r) = rel8(at + 1) {
                    mark(here + 2 + r);
                }
            }
            // call rel32, jmp rel32.
            0xe8 | 0xe9 => {
                if let Some(r) = rel32(at + 1) {
                    mark(here + 5 + r);
                }
            }
            // jcc rel32.
            0x0f if matches!(text.get(at + 1), Some(0x80..=0x8f)) => {
                if let Some(r) = rel32(at + 2) {
                    mark(here + 6 + r);
                }
            }
            _ => {}
        }
    }
    entered
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRITE: [u8; 7] = [0xb8, 1, 0, 0, 0, 0x0f, 0x05];
    const READ: [u8; 10] = [0x31, 0xc0, 0x0f, 0x05, 0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff];
    const RET: u8 = 0xc3;
    const NOP: u8 = 0x90;

    fn code(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    #[test]
    fn both_forms_are_found_with_their_numbers() {
        let text = code(&[&[NOP], &WRITE, &[RET], &READ, &[RET]]);
        let sites = find(&text, |_| true).0;
        assert_eq!(
            sites,
            [
                Site {
                    offset: 1,
                    nr: 1,
                    len: 7,
                    moved: &[]
                },
                Site {
                    offset: 9,
                    nr: 0,
                    len: 10,
                    moved: &CMP_ERROR_RANGE
                },
            ]
        );
    }

    #[test]
    fn only_wanted_numbers_are_taken() {
        let text = code(&[&WRITE, &READ]);
        assert_eq!(find(&text, |nr| nr == 0).0.len(), 1);
        assert_eq!(find(&text, |nr| nr == 1).0[0].nr, 1);
        assert!(find(&text, |_| false).0.is_empty());
    }

    #[test]
    fn a_read_without_its_error_test_is_not_taken() {
        // xor eax,eax; syscall; ret: too short to hold a jump.
        let text = code(&[&READ[..4], &[RET]]);
        assert!(find(&text, |_| true).0.is_empty());
    }

    #[test]
    fn a_site_a_branch_enters_in_the_middle_is_left_alone() {
        // jmp +7 from offset 0 lands on the syscall of the site at 2 (2 + 5).
        let text = code(&[&[0xeb, 0x05], &WRITE, &[RET]]);
        assert_eq!(find(&text, |_| true), (vec![], 1));
        // A jump to the site's first byte is fine (it lands on the new jump).
        let text = code(&[&[0xeb, 0x00], &WRITE, &[RET]]);
        assert_eq!(find(&text, |_| true).0.len(), 1);
        // jne rel32 (6 bytes) +3: lands at 9, inside the read site at 6 (its cmp starts at 10,
        // its syscall at 8: any interior byte counts).
        let mut text = code(&[&[0x0f, 0x85], &3i32.to_le_bytes(), &READ, &[RET]]);
        assert!(find(&text, |_| true).0.is_empty());
        // call rel32 backwards into a site.
        text = code(&[&WRITE, &[0xe8], &(-7i32).to_le_bytes(), &[RET]]);
        assert!(find(&text, |_| true).0.is_empty());
    }

    #[test]
    fn branches_elsewhere_do_not_matter() {
        let text = code(&[&[0xeb, 0x08], &WRITE, &[RET, NOP], &[0x74, 0xf0], &[RET]]);
        assert_eq!(find(&text, |_| true).0.len(), 1);
    }
}
