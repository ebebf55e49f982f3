//! The seccomp-bpf filter installed in every variant before exec.
//!
//! Every x86_64 syscall stops the variant with SECCOMP_RET_TRACE (one ptrace stop per call,
//! cheaper than PTRACE_SYSCALL's two), except those the table marks `Unchecked`, which run
//! untraced. Other ABIs (i386 `int 0x80`, x32) would bypass the table's argument layout, so
//! they kill the process.

use libc::{sock_filter, sock_fprog};

const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

// struct seccomp_data offsets.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;

const BPF_LD_W_ABS: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
const BPF_JEQ_K: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
const BPF_JGE_K: u16 = (libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K) as u16;
const BPF_RET_K: u16 = (libc::BPF_RET | libc::BPF_K) as u16;

fn stmt(code: u16, k: u32) -> sock_filter {
    sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    }
}

fn jump(code: u16, k: u32, jt: u8, jf: u8) -> sock_filter {
    sock_filter { code, jt, jf, k }
}

/// The filter program: let `untraced` through, trace every other native x86_64 syscall, kill
/// on any other ABI.
pub fn filter(untraced: &[u32]) -> Vec<sock_filter> {
    let mut prog = vec![
        stmt(BPF_LD_W_ABS, OFFSET_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        stmt(BPF_RET_K, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, OFFSET_NR),
        jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1),
        stmt(BPF_RET_K, libc::SECCOMP_RET_KILL_PROCESS),
    ];
    // One compare per untraced call: on a match, skip to the final ALLOW.
    let n = untraced.len();
    for (i, &nr) in untraced.iter().enumerate() {
        let to_allow = (n - i) as u8; // the remaining compares, then the TRACE return
        prog.push(jump(BPF_JEQ_K, nr, to_allow, 0));
    }
    prog.push(stmt(BPF_RET_K, libc::SECCOMP_RET_TRACE));
    prog.push(stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW));
    prog
}

/// The filter for the table: `Unchecked` syscalls run untraced.
pub fn table_filter() -> Vec<sock_filter> {
    let untraced: Vec<u32> = crate::table::entries()
        .iter()
        .filter(|s| s.dispatch == crate::table::Dispatch::Unchecked)
        .map(|s| s.nr.id() as u32)
        .collect();
    filter(&untraced)
}

/// Installs `filter` in the calling process. Async-signal-safe: called between fork and exec.
///
/// # Safety
/// `filter` must be a valid BPF program; the caller must be prepared for every later syscall
/// to be traced.
pub unsafe fn install(filter: &[sock_filter]) -> Result<(), i32> {
    let prog = sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_ptr() as *mut sock_filter,
    };
    if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
        return Err(*libc::__errno_location());
    }
    let rc = libc::syscall(
        libc::SYS_seccomp,
        libc::SECCOMP_SET_MODE_FILTER,
        0,
        &prog as *const sock_fprog,
    );
    if rc != 0 {
        return Err(*libc::__errno_location());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs a classic BPF program over a seccomp_data with `nr` (enough for our opcodes).
    fn eval(prog: &[sock_filter], arch: u32, nr: u32) -> u32 {
        let mut pc = 0;
        let mut acc = 0u32;
        loop {
            let ins = prog[pc];
            match ins.code {
                BPF_LD_W_ABS => acc = if ins.k == OFFSET_ARCH { arch } else { nr },
                BPF_JEQ_K => {
                    pc += if acc == ins.k { ins.jt } else { ins.jf } as usize;
                }
                BPF_JGE_K => {
                    pc += if acc >= ins.k { ins.jt } else { ins.jf } as usize;
                }
                BPF_RET_K => return ins.k,
                other => panic!("unexpected opcode {other}"),
            }
            pc += 1;
        }
    }

    #[test]
    fn untraced_calls_pass_and_others_trap() {
        let prog = filter(&[202, 24]);
        assert_eq!(eval(&prog, AUDIT_ARCH_X86_64, 202), libc::SECCOMP_RET_ALLOW);
        assert_eq!(eval(&prog, AUDIT_ARCH_X86_64, 24), libc::SECCOMP_RET_ALLOW);
        assert_eq!(eval(&prog, AUDIT_ARCH_X86_64, 1), libc::SECCOMP_RET_TRACE);
        assert_eq!(
            eval(&prog, AUDIT_ARCH_X86_64, 0x4000_0001),
            libc::SECCOMP_RET_KILL_PROCESS
        );
        assert_eq!(eval(&prog, 0x4000_0003, 1), libc::SECCOMP_RET_KILL_PROCESS);
    }

    #[test]
    fn the_table_filter_lets_futex_through() {
        let prog = table_filter();
        assert_eq!(
            eval(&prog, AUDIT_ARCH_X86_64, libc::SYS_futex as u32),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval(&prog, AUDIT_ARCH_X86_64, libc::SYS_write as u32),
            libc::SECCOMP_RET_TRACE
        );
    }
}
