//! What a rewritten site jumps to: a small per-site stub in a page near libc, and one shared
//! entry that saves the registers a Rust call may clobber and calls `dispatch`.
//!
//! A stub (`stub_code`):
//! ```text
//!   lea  -128(%rsp), %rsp     skip the red zone: the interrupted code may keep data there
//!   mov  $NR, %eax
//!   call *entry(%rip)         the shared entry, through a slot at the start of the page
//!   lea  128(%rsp), %rsp
//!   <moved instructions>      (read's `cmp $-4096, %rax`: it sets the flags code after reads)
//!   jmp  site + len
//! ```
//! The entry saves rdi, rsi, rdx, r10, r8, r9, rflags and xmm0-15 (everything `syscall`
//! preserves that the System V ABI lets a callee clobber; rcx and r11 the kernel clobbers
//! anyway), aligns the stack, calls `dispatch(nr, &args)` and returns its result in rax.
//! The upper halves of the ymm registers are not saved: glibc's code that makes inline
//! syscalls is compiled for the x86-64 baseline (no AVX), only its string functions use ymm,
//! and they make no syscalls.
//!
//! A signal arriving anywhere in here is delivered below the current stack pointer, under the
//! saved area and the program's red zone, like anywhere else in the program.

use mvx_sync_runtime::fastpath;

/// Bytes reserved per stub (the longest with a moved instruction is 35).
pub const STUB_SIZE: usize = 48;
/// Bytes at the start of the stub page: the entry's address, read by every stub's call.
pub const SLOT_SIZE: usize = 16;

std::arch::global_asm!(
    ".pushsection .text.mvx_rewrite_entry, \"ax\", @progbits",
    ".globl mvx_rewrite_entry",
    ".hidden mvx_rewrite_entry",
    ".type mvx_rewrite_entry, @function",
    "mvx_rewrite_entry:",
    "push rbp",
    "mov rbp, rsp",
    "pushfq",
    "cld",
    // The arguments in the order of `args`, lowest address first.
    "push r9",
    "push r8",
    "push r10",
    "push rdx",
    "push rsi",
    "push rdi",
    "mov rsi, rsp",
    "mov rdi, rax",
    "and rsp, -16",
    "sub rsp, 256",
    "movdqu [rsp + 0*16], xmm0",
    "movdqu [rsp + 1*16], xmm1",
    "movdqu [rsp + 2*16], xmm2",
    "movdqu [rsp + 3*16], xmm3",
    "movdqu [rsp + 4*16], xmm4",
    "movdqu [rsp + 5*16], xmm5",
    "movdqu [rsp + 6*16], xmm6",
    "movdqu [rsp + 7*16], xmm7",
    "movdqu [rsp + 8*16], xmm8",
    "movdqu [rsp + 9*16], xmm9",
    "movdqu [rsp + 10*16], xmm10",
    "movdqu [rsp + 11*16], xmm11",
    "movdqu [rsp + 12*16], xmm12",
    "movdqu [rsp + 13*16], xmm13",
    "movdqu [rsp + 14*16], xmm14",
    "movdqu [rsp + 15*16], xmm15",
    "call {dispatch}",
    "movdqu xmm0, [rsp + 0*16]",
    "movdqu xmm1, [rsp + 1*16]",
    "movdqu xmm2, [rsp + 2*16]",
    "movdqu xmm3, [rsp + 3*16]",
    "movdqu xmm4, [rsp + 4*16]",
    "movdqu xmm5, [rsp + 5*16]",
    "movdqu xmm6, [rsp + 6*16]",
    "movdqu xmm7, [rsp + 7*16]",
    "movdqu xmm8, [rsp + 8*16]",
    "movdqu xmm9, [rsp + 9*16]",
    "movdqu xmm10, [rsp + 10*16]",
    "movdqu xmm11, [rsp + 11*16]",
    "movdqu xmm12, [rsp + 12*16]",
    "movdqu xmm13, [rsp + 13*16]",
    "movdqu xmm14, [rsp + 14*16]",
    "movdqu xmm15, [rsp + 15*16]",
    // rbp - 8 (rflags) - 6 * 8 (arguments).
    "lea rsp, [rbp - 56]",
    "pop rdi",
    "pop rsi",
    "pop rdx",
    "pop r10",
    "pop r8",
    "pop r9",
    "popfq",
    "pop rbp",
    "ret",
    ".size mvx_rewrite_entry, . - mvx_rewrite_entry",
    ".popsection",
    dispatch = sym dispatch,
);

extern "C" {
    fn mvx_rewrite_entry();
}

/// The shared entry's address, for the page's slot.
pub fn entry_address() -> u64 {
    mvx_rewrite_entry as *const () as u64
}

/// A rewritten site's call: the fast path if it takes it, else the ordinary syscall, made
/// here (not from the gadget) so the seccomp filter sends it to the monitor as before.
extern "C" fn dispatch(nr: i64, args: &[u64; 6]) -> i64 {
    // SAFETY: libc's own arguments for its own syscall.
    unsafe { fastpath::syscall(nr, *args) }.unwrap_or_else(|| unsafe { raw_syscall(nr, args) })
}

/// The syscall instruction, outside the gadget.
///
/// # Safety
/// The arguments must be valid for the syscall.
pub unsafe fn raw_syscall(nr: i64, a: &[u64; 6]) -> i64 {
    let ret: i64;
    // SAFETY: the caller vouches for the arguments; the kernel clobbers rcx and r11.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr => ret,
            in("rdi") a[0],
            in("rsi") a[1],
            in("rdx") a[2],
            in("r10") a[3],
            in("r8") a[4],
            in("r9") a[5],
            out("rcx") _,
            out("r11") _,
            options(nostack),
        );
    }
    ret
}

/// The stub of a site with syscall `nr`, placed at `at`, whose slot (the entry's address) is
/// at `slot`, returning to `back`, with `moved` run before returning. `None` if a target is
/// out of a 32-bit displacement's reach.
pub fn stub_code(at: u64, slot: u64, nr: u32, moved: &[u8], back: u64) -> Option<Vec<u8>> {
    let mut c = Vec::with_capacity(STUB_SIZE);
    c.extend_from_slice(&[0x48, 0x8d, 0x64, 0x24, 0x80]);
    c.push(0xb8);
    c.extend_from_slice(&nr.to_le_bytes());
    c.extend_from_slice(&[0xff, 0x15]);
    c.extend_from_slice(&rel32(at + c.len() as u64 + 4, slot)?.to_le_bytes());
    c.extend_from_slice(&[0x48, 0x8d, 0xa4, 0x24, 0x80, 0x00, 0x00, 0x00]);
    c.extend_from_slice(moved);
    c.push(0xe9);
    c.extend_from_slice(&rel32(at + c.len() as u64 + 4, back)?.to_le_bytes());
    (c.len() <= STUB_SIZE).then_some(c)
}

/// What replaces a site of `len` bytes at `site`: a jump to its stub at `stub`, then int3s
/// that are never reached.
pub fn site_code(site: u64, len: usize, stub: u64) -> Option<Vec<u8>> {
    let mut c = vec![0xe9];
    c.extend_from_slice(&rel32(site + 5, stub)?.to_le_bytes());
    c.resize(len, 0xcc);
    Some(c)
}

/// The displacement from `next` (the address after the instruction) to `target`.
fn rel32(next: u64, target: u64) -> Option<i32> {
    i32::try_from(target.wrapping_sub(next) as i64).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_becomes_a_jump_to_its_stub_and_padding() {
        let code = site_code(0x1000, 7, 0x2000).unwrap();
        assert_eq!(code[0], 0xe9);
        assert_eq!(
            i32::from_le_bytes(code[1..5].try_into().unwrap()),
            0x2000 - 0x1005
        );
        assert_eq!(&code[5..], [0xcc, 0xcc]);
        assert!(site_code(0x1000, 7, 0x1000 + (3 << 30)).is_none());
    }

    #[test]
    fn a_stub_calls_the_entry_and_jumps_back_after_the_site() {
        let moved = [0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff];
        let code = stub_code(0x5010, 0x5000, 0, &moved, 0x100a).unwrap();
        assert!(code.len() <= STUB_SIZE);
        // mov $0, %eax after the red-zone skip.
        assert_eq!(&code[5..10], [0xb8, 0, 0, 0, 0]);
        // call *slot(%rip): the displacement counts from the end of the instruction.
        let disp = i32::from_le_bytes(code[12..16].try_into().unwrap()) as i64;
        assert_eq!(0x5010 + 16 + disp, 0x5000);
        // The moved cmp runs after the stack is back, then the jump back.
        assert_eq!(&code[24..30], moved);
        let back = i32::from_le_bytes(code[31..35].try_into().unwrap()) as i64;
        assert_eq!(0x5010 + 35 + back, 0x100a);
    }
}
