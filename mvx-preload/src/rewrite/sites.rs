//! Finding the inline syscall sites of libc's text that can be replaced by a 5-byte jump.
//!
//! Two instruction forms are recognised, the ones glibc's syscall wrappers compile to:
//! - `mov $NR, %eax; syscall` (`b8 imm32 0f 05`, 7 bytes): replaced as a unit.
//! - `xor %eax, %eax; syscall; cmp $-4096, %rax` (`31 c0 0f 05 48 3d 00 f0 ff ff`, 10 bytes):
//!   read's wrappers (NR 0); the 4 bytes before the `cmp` are too short for a jump, so the
//!   `cmp` is moved into the trampoline (it sets the flags the following `ja` reads).
//!
//! A site is taken only if nothing could jump into the middle of it. First, every byte offset
//! of the text is read as a relative jump or call (`jmp`/`jcc`/`call`/`loop`/`jrcxz`, rel8
//! and rel32): that finds every real branch and more. A site no such reading lands inside is
//! taken. For the others, the function holding the site and the functions holding those
//! readings (each from its start in the unwind table to the next function's start) are
//! decoded instruction by instruction (`decode.rs`); the site is taken only if it starts an
//! instruction and no decoded branch lands inside it: the readings were then parts of other
//! instructions. Anything the decoder does not know, or a reading outside every function,
//! leaves the site alone. What this cannot see are indirect jumps (jump tables): compilers emit those for
//! switch statements, whose case labels are never the `syscall` half of an inline syscall
//! sequence.

/// One site to rewrite.
use super::decode;

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
/// enter in the middle; and how many of those were left alone. `functions`: the offsets in
/// `text` where functions start, sorted.
pub fn find(text: &[u8], wanted: impl Fn(u32) -> bool, functions: &[usize]) -> (Vec<Site>, usize) {
    let mut sites = candidates(text, wanted);
    let sources = branches_into(text, &sites);
    let mut i = 0;
    let before = sites.len();
    sites.retain(|site| {
        i += 1;
        let from = &sources[i - 1];
        from.is_empty() || decoded_clean(text, functions, site, from)
    });
    let after = sites.len();
    (sites, before - after)
}

/// Whether decoding shows that the byte readings `sources` (which land inside `site`) are not
/// branches: the function holding the site and each function holding a reading, decoded
/// whole, have no branch landing inside the site, and the site starts an instruction.
fn decoded_clean(text: &[u8], functions: &[usize], site: &Site, sources: &[usize]) -> bool {
    let inside = |t: i64| t > site.offset as i64 && t < (site.offset + site.len) as i64;
    let Some((from, to)) = function_around(text, functions, site.offset) else {
        return false;
    };
    if site.offset + site.len > to {
        return false;
    }
    let mut walked = vec![from];
    let Some((starts, targets)) = decode::walk(text, from, to) else {
        return false;
    };
    if starts.binary_search(&site.offset).is_err() || targets.into_iter().any(inside) {
        return false;
    }
    for &source in sources {
        let Some((from, to)) = function_around(text, functions, source) else {
            return false;
        };
        if walked.contains(&from) {
            continue;
        }
        walked.push(from);
        match decode::walk(text, from, to) {
            Some((_, targets)) if !targets.iter().any(|&t| inside(t)) => {}
            _ => return false,
        }
    }
    true
}

/// The function holding offset `at`: from its start to the next function's start.
fn function_around(text: &[u8], functions: &[usize], at: usize) -> Option<(usize, usize)> {
    let k = functions.partition_point(|&f| f <= at);
    let from = *functions.get(k.checked_sub(1)?)?;
    let to = functions
        .get(k)
        .copied()
        .unwrap_or(text.len())
        .min(text.len());
    Some((from, to))
}

/// Every occurrence of the two forms, in address order, not overlapping.
fn candidates(text: &[u8], wanted: impl Fn(u32) -> bool) -> Vec<Site> {
    let mut sites: Vec<Site> = Vec::new();
    // memchr's portable searchers: its SIMD ones detect the CPU with cpuid, which the monitor
    // traps (a lock-stepped round trip each).
    let second_byte = memchr::arch::all::memchr::One::new(SYSCALL[1]);
    let syscalls = second_byte
        .iter(text)
        .filter_map(|at| at.checked_sub(1).filter(|&at| text[at] == SYSCALL[0]));
    for at in syscalls {
        let mov = at.checked_sub(5).filter(|&m| text[m] == MOV_EAX).map(|m| {
            (
                m,
                u32::from_le_bytes(text[m + 1..m + 5].try_into().unwrap()),
            )
        });
        let xor = at.checked_sub(2).filter(|&x| {
            text[x..at] == XOR_EAX_EAX && text.get(at + 2..at + 8) == Some(&CMP_ERROR_RANGE)
        });
        let site = match (mov, xor) {
            (Some((offset, nr)), _) => Site {
                offset,
                nr,
                len: 7,
                moved: &[],
            },
            (None, Some(offset)) => Site {
                offset,
                nr: 0,
                len: 10,
                moved: &CMP_ERROR_RANGE,
            },
            (None, None) => continue,
        };
        let after_last = sites.last().is_none_or(|l| l.offset + l.len <= site.offset);
        if wanted(site.nr) && after_last {
            sites.push(site);
        }
    }
    sites
}

/// For each site, the byte offsets of `text` that, read as a relative branch, target a byte
/// inside it (after its first). Short branches reach 128 bytes, so only the bytes around each
/// site are read for them; long ones (`call`/`jmp`/`jcc` rel32) anywhere.
fn branches_into(text: &[u8], sites: &[Site]) -> Vec<Vec<usize>> {
    let mut entered = vec![Vec::new(); sites.len()];
    // One bit per byte of text: whether it lies inside a site (most readings land elsewhere).
    let mut interior = vec![0u64; text.len() / 64 + 1];
    for s in sites {
        for b in s.offset + 1..s.offset + s.len {
            interior[b / 64] |= 1 << (b % 64);
        }
    }
    let mut mark = |source: usize, target: i64| {
        let Some(target) = usize::try_from(target)
            .ok()
            .filter(|&t| t < text.len() && interior[t / 64] & (1 << (t % 64)) != 0)
        else {
            return;
        };
        // The last site starting at or before the target.
        let i = sites.partition_point(|s| s.offset <= target);
        if i > 0 {
            let s = &sites[i - 1];
            if target > s.offset && target < s.offset + s.len && !entered[i - 1].contains(&source) {
                entered[i - 1].push(source);
            }
        }
    };
    let rel32 = |at: usize| {
        text.get(at..at + 4)
            .map(|b| i32::from_le_bytes(b.try_into().unwrap()) as i64)
    };
    for s in sites {
        for at in s.offset.saturating_sub(130)..(s.offset + s.len + 128).min(text.len()) {
            // jmp rel8, jcc rel8, loop/loope/loopne, jrcxz.
            if let (0xeb | 0x70..=0x7f | 0xe0..=0xe3, Some(&r)) = (text[at], text.get(at + 1)) {
                mark(at, at as i64 + 2 + r as i8 as i64);
            }
        }
    }
    for at in memchr::arch::all::memchr::Three::new(0xe8, 0xe9, 0x0f).iter(text) {
        match text[at] {
            // call rel32, jmp rel32.
            0xe8 | 0xe9 => {
                if let Some(r) = rel32(at + 1) {
                    mark(at, at as i64 + 5 + r);
                }
            }
            // jcc rel32.
            _ if matches!(text.get(at + 1), Some(0x80..=0x8f)) => {
                if let Some(r) = rel32(at + 2) {
                    mark(at, at as i64 + 6 + r);
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
        let sites = find(&text, |_| true, &[]).0;
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
        assert_eq!(find(&text, |nr| nr == 0, &[]).0.len(), 1);
        assert_eq!(find(&text, |nr| nr == 1, &[]).0[0].nr, 1);
        assert!(find(&text, |_| false, &[]).0.is_empty());
    }

    #[test]
    fn a_read_without_its_error_test_is_not_taken() {
        // xor eax,eax; syscall; ret: too short to hold a jump.
        let text = code(&[&READ[..4], &[RET]]);
        assert!(find(&text, |_| true, &[]).0.is_empty());
    }

    #[test]
    fn a_site_a_branch_enters_in_the_middle_is_left_alone() {
        // jmp +7 from offset 0 lands on the syscall of the site at 2 (2 + 5).
        let text = code(&[&[0xeb, 0x05], &WRITE, &[RET]]);
        assert_eq!(find(&text, |_| true, &[]), (vec![], 1));
        // A jump to the site's first byte is fine (it lands on the new jump).
        let text = code(&[&[0xeb, 0x00], &WRITE, &[RET]]);
        assert_eq!(find(&text, |_| true, &[]).0.len(), 1);
        // jne rel32 (6 bytes) +3: lands at 9, inside the read site at 6 (its cmp starts at 10,
        // its syscall at 8: any interior byte counts).
        let mut text = code(&[&[0x0f, 0x85], &3i32.to_le_bytes(), &READ, &[RET]]);
        assert!(find(&text, |_| true, &[]).0.is_empty());
        // call rel32 backwards into a site.
        text = code(&[&WRITE, &[0xe8], &(-7i32).to_le_bytes(), &[RET]]);
        assert!(find(&text, |_| true, &[]).0.is_empty());
    }

    #[test]
    fn a_reading_inside_another_instruction_is_told_apart_by_decoding_the_function() {
        // mov %rsi,0x10(%rsp) holds `74 24`: read alone, a je +36, into the read site.
        let mov = [0x48, 0x89, 0x74, 0x24, 0x10];
        let text = code(&[&[NOP; 3], &mov, &[NOP; 32], &READ, &[RET]]);
        assert_eq!(
            find(&text, |_| true, &[]),
            (vec![], 1),
            "the byte reading alone"
        );
        // Decoded from the function's start (3, or 0 with the nops), the 74 is part of the mov.
        assert_eq!(find(&text, |_| true, &[3]).0.len(), 1);
        assert_eq!(find(&text, |_| true, &[0]).0.len(), 1);
        // Decoded from 5, the bytes are that je.
        assert!(find(&text, |_| true, &[5]).0.is_empty());
        // A real je into the site stays a branch when decoded.
        let text = code(&[&[0x74, 0x03], &READ, &[RET]]);
        assert!(find(&text, |_| true, &[0]).0.is_empty());
        // A reading in another function: that function is decoded too.
        let text = code(&[&mov, &[RET], &[NOP; 32], &READ, &[RET]]);
        assert_eq!(find(&text, |_| true, &[]).1, 1);
        assert_eq!(find(&text, |_| true, &[0, 6]).0.len(), 1);
        assert!(find(&text, |_| true, &[2, 6]).0.is_empty());
        // A reading before the first function start is not judged.
        assert!(find(&text, |_| true, &[6]).0.is_empty());
    }

    #[test]
    fn branches_elsewhere_do_not_matter() {
        let text = code(&[&[0xeb, 0x08], &WRITE, &[RET, NOP], &[0x74, 0xf0], &[RET]]);
        assert_eq!(find(&text, |_| true, &[]).0.len(), 1);
    }
}
