//! The seccomp-bpf filter installed in every variant before exec.
//!
//! Every x86_64 syscall stops the variant with SECCOMP_RET_TRACE (one ptrace stop per call,
//! cheaper than PTRACE_SYSCALL's two). Other ABIs (i386 `int 0x80`, x32) would bypass the
//! table's argument layout, so they kill the process.

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

/// The filter program: trace every native x86_64 syscall, kill on any other ABI.
pub fn trace_all_filter() -> Vec<sock_filter> {
    vec![
        stmt(BPF_LD_W_ABS, OFFSET_ARCH),
        jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        stmt(BPF_RET_K, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_LD_W_ABS, OFFSET_NR),
        jump(BPF_JGE_K, X32_SYSCALL_BIT, 0, 1),
        stmt(BPF_RET_K, libc::SECCOMP_RET_KILL_PROCESS),
        stmt(BPF_RET_K, libc::SECCOMP_RET_TRACE),
    ]
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
