//! Instruction lengths of x86-64 code, for the integer instructions compilers emit in small
//! functions such as libc's syscall wrappers; anything else (VEX, three-byte opcodes, most
//! SSE, x87) is `None`, and the caller then decides nothing from the function. Used to walk a
//! whole function from its start and learn its real instruction boundaries and branches.

/// One decoded instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Insn {
    pub len: usize,
    /// The target of a relative jump or call, as an offset in the same text.
    pub target: Option<i64>,
}

/// The instruction at `at` in `text`.
pub fn decode(text: &[u8], at: usize) -> Option<Insn> {
    let mut i = at;
    let byte = |i: usize| text.get(i).copied();
    let mut opsize16 = false;
    // Legacy prefixes, then at most one REX.
    loop {
        match byte(i)? {
            0x66 => opsize16 = true,
            0x67 | 0xf2 | 0xf3 | 0x2e | 0x3e | 0x26 | 0x36 | 0x64 | 0x65 | 0xf0 => {}
            _ => break,
        }
        i += 1;
    }
    let mut rex_w = false;
    if let 0x40..=0x4f = byte(i)? {
        rex_w = byte(i)? & 8 != 0;
        i += 1;
    }
    // imm16/32 ("z"-sized) and the register immediates of mov (imm64 with REX.W).
    let z = if opsize16 { 2 } else { 4 };
    let op = byte(i)?;
    i += 1;
    // (has ModRM, immediate bytes, relative displacement bytes)
    let (modrm, imm, rel) = match op {
        0x0f => return two_byte(text, at, i),
        0x00..=0x3f => match op & 7 {
            0..=3 => (true, 0, 0),
            4 => (false, 1, 0),
            5 => (false, z, 0),
            _ => return None,
        },
        0x50..=0x5f | 0x90..=0x99 | 0xc3 | 0xcc | 0xf4 => (false, 0, 0),
        0x63 | 0x84..=0x8b | 0x8d | 0x8f | 0xd0..=0xd3 | 0xfe | 0xff => (true, 0, 0),
        0x68 => (false, z, 0),
        0x6a | 0xa8 => (false, 1, 0),
        0x69 | 0x81 | 0xc7 => (true, z, 0),
        0x6b | 0x80 | 0x83 | 0xc0 | 0xc1 | 0xc6 => (true, 1, 0),
        0xa9 => (false, z, 0),
        0xb0..=0xb7 => (false, 1, 0),
        0xb8..=0xbf => (false, if rex_w { 8 } else { z }, 0),
        0xc2 => (false, 2, 0),
        0x70..=0x7f | 0xe0..=0xe3 | 0xeb => (false, 0, 1),
        0xe8 | 0xe9 => (false, 0, 4),
        0xf6 | 0xf7 => {
            // test r/m, imm (/0 and /1) has an immediate; not, neg, mul, div do not.
            let reg = (byte(i)? >> 3) & 7;
            let imm = match (reg, op) {
                (0 | 1, 0xf6) => 1,
                (0 | 1, _) => z,
                _ => 0,
            };
            (true, imm, 0)
        }
        _ => return None,
    };
    finish(text, at, i, modrm, imm, rel)
}

/// The `0f xx` opcodes.
fn two_byte(text: &[u8], at: usize, i: usize) -> Option<Insn> {
    let op = *text.get(i)?;
    let i = i + 1;
    let (modrm, imm, rel) = match op {
        0x05 | 0x0b | 0xa2 | 0xc8..=0xcf => (false, 0, 0),
        // Hint nops (endbr64 is f3 0f 1e fa), multi-byte nop, cmov, setcc.
        0x18..=0x1f | 0x40..=0x4f | 0x90..=0x9f => (true, 0, 0),
        // SSE moves between registers and memory that compilers use to copy structs.
        0x10 | 0x11 | 0x28 | 0x29 | 0x6e | 0x6f | 0x7e | 0x7f | 0xd6 | 0xef => (true, 0, 0),
        0xa3
        | 0xa5
        | 0xab
        | 0xad
        | 0xaf
        | 0xb0
        | 0xb1
        | 0xb3
        | 0xb6
        | 0xb7
        | 0xbb..=0xbf
        | 0xc0
        | 0xc1 => (true, 0, 0),
        0xa4 | 0xac | 0xba => (true, 1, 0),
        0x80..=0x8f => (false, 0, 4),
        _ => return None,
    };
    finish(text, at, i, modrm, imm, rel)
}

/// The rest of an instruction whose opcode ends before `i`: ModRM (with SIB and
/// displacement), the immediate, the relative displacement.
fn finish(
    text: &[u8],
    at: usize,
    mut i: usize,
    modrm: bool,
    imm: usize,
    rel: usize,
) -> Option<Insn> {
    if modrm {
        let m = *text.get(i)?;
        i += 1;
        let (mode, rm) = (m >> 6, m & 7);
        if mode != 3 {
            let mut disp = match mode {
                1 => 1,
                2 => 4,
                _ if rm == 5 => 4,
                _ => 0,
            };
            if rm == 4 {
                let sib = *text.get(i)?;
                i += 1;
                if mode == 0 && sib & 7 == 5 {
                    disp = 4;
                }
            }
            i += disp;
        }
    }
    i += imm;
    let target = match rel {
        0 => None,
        1 => Some(*text.get(i)? as i8 as i64),
        _ => Some(i32::from_le_bytes(text.get(i..i + 4)?.try_into().ok()?) as i64),
    };
    i += rel;
    if i > text.len() {
        return None;
    }
    Some(Insn {
        len: i - at,
        target: target.map(|t| i as i64 + t),
    })
}

/// The instruction boundaries and the branch targets of the code in `text[from..to]`,
/// decoded from `from`; `None` if some instruction is not known or the last one runs past
/// `to`.
pub fn walk(text: &[u8], from: usize, to: usize) -> Option<(Vec<usize>, Vec<i64>)> {
    let (mut starts, mut targets) = (Vec::new(), Vec::new());
    let mut at = from;
    while at < to {
        let insn = decode(text, at)?;
        starts.push(at);
        targets.extend(insn.target);
        at += insn.len;
    }
    (at == to).then_some((starts, targets))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lengths(code: &[u8]) -> Option<Vec<usize>> {
        let mut at = 0;
        let mut v = Vec::new();
        while at < code.len() {
            let insn = decode(code, at)?;
            v.push(insn.len);
            at += insn.len;
        }
        Some(v)
    }

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    /// glibc 2.36's __read: the single-threaded path, then the start of the cancellable one.
    #[test]
    fn a_syscall_wrapper_decodes_instruction_by_instruction() {
        let code = hex("80 3d 31 33 0e 00 00 \
             74 17 \
             31 c0 \
             0f 05 \
             48 3d 00 f0 ff ff \
             77 5b \
             c3 \
             2e 66 0f 1f 84 00 00 00 00 00 \
             48 83 ec 28 \
             48 89 54 24 18 \
             48 89 74 24 10 \
             89 7c 24 08 \
             e8 00 00 00 00 \
             64 89 02 \
             48 c7 c0 ff ff ff ff \
             f3 0f 1e fa");
        assert_eq!(
            lengths(&code).unwrap(),
            [7, 2, 2, 2, 6, 2, 1, 10, 4, 5, 5, 4, 5, 3, 7, 4]
        );
    }

    #[test]
    fn branches_have_their_targets() {
        // jne +0x10 at 4 (after 4 bytes of nop): ends at 6, lands at 22.
        let code = hex("0f 1f 40 00 75 10");
        assert_eq!(decode(&code, 4).unwrap().target, Some(22));
        let code = hex("e9 fb ff ff ff");
        assert_eq!(decode(&code, 0).unwrap().target, Some(0));
        let code = hex("0f 87 00 01 00 00");
        assert_eq!(decode(&code, 0).unwrap().target, Some(0x106));
    }

    #[test]
    fn what_is_not_known_is_none() {
        // vzeroupper (VEX), a three-byte opcode, and a truncated instruction.
        assert_eq!(decode(&hex("c5 f8 77"), 0), None);
        assert_eq!(decode(&hex("66 0f 38 00 c1"), 0), None);
        assert_eq!(decode(&hex("48 3d 00 f0"), 0), None);
        assert_eq!(walk(&hex("90 90 c5 f8 77"), 0, 5), None);
    }

    #[test]
    fn a_walk_lists_boundaries_and_targets() {
        let code = hex("31 c0 74 02 0f 05 c3");
        let (starts, targets) = walk(&code, 0, code.len()).unwrap();
        assert_eq!(starts, [0, 2, 4, 6]);
        assert_eq!(targets, [6]);
    }
}
