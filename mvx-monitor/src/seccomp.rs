//! The seccomp-bpf filter installed in every variant before exec.
//!
//! Every x86_64 syscall stops the variant with SECCOMP_RET_TRACE (one ptrace stop per call,
//! cheaper than PTRACE_SYSCALL's two), except those the table marks `Unchecked`, which run
//! untraced. Other ABIs (i386 `int 0x80`, x32) would bypass the table's argument layout, so
//! they kill the process.

use crate::table::ArgBits;
use libc::{sock_filter, sock_fprog};
use mvx_sync_runtime::protocol::GADGET_SYSCALL_IP;

const AUDIT_ARCH_X86_64: u32 = 0xC000_003E;
const X32_SYSCALL_BIT: u32 = 0x4000_0000;

// struct seccomp_data offsets.
const OFFSET_NR: u32 = 0;
const OFFSET_ARCH: u32 = 4;
const OFFSET_IP_LOW: u32 = 8;
const OFFSET_IP_HIGH: u32 = 12;

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

/// The monitor levels live in the table crate, which the runtime shares.
pub use crate::table::Level;

// struct seccomp_data: nr (u32), arch (u32), instruction_pointer (u64), args[6] (u64 each).
const fn arg_low(i: u32) -> u32 {
    16 + 8 * i
}
const BPF_JSET_K: u16 = (libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K) as u16;

/// A BPF program with forward jumps to labels, resolved at the end.
#[derive(Default)]
struct Asm {
    code: Vec<(sock_filter, Option<String>, Option<String>)>,
    labels: Vec<(String, usize)>,
}

impl Asm {
    fn stmt(&mut self, code: u16, k: u32) {
        self.code.push((stmt(code, k), None, None));
    }
    /// A conditional jump: to `yes` if true, to `no` (or the next instruction) otherwise.
    fn jump(&mut self, code: u16, k: u32, yes: &str, no: Option<&str>) {
        self.code
            .push((jump(code, k, 0, 0), Some(yes.into()), no.map(Into::into)));
    }
    fn label(&mut self, name: &str) {
        self.labels.push((name.into(), self.code.len()));
    }
    fn finish(self) -> Vec<sock_filter> {
        let at = |name: &str| {
            self.labels
                .iter()
                .find(|(n, _)| *n == name)
                .expect("label")
                .1
        };
        self.code
            .iter()
            .enumerate()
            .map(|(pc, (ins, yes, no))| {
                let mut ins = *ins;
                let offset = |target: usize| u8::try_from(target - pc - 1).expect("short jump");
                if let Some(y) = yes {
                    ins.jt = offset(at(y));
                }
                if let Some(n) = no {
                    ins.jf = offset(at(n));
                }
                ins
            })
            .collect()
    }
}

/// The filter program: let `untraced` through, trace every other native x86_64 syscall, kill
/// on any other ABI. At `Level::Base` and up, also let through the table's base-untraced
/// calls, under their argument conditions (mmap and mprotect unless they ask for executable
/// memory, mmap only anonymous: a file mapping stays in lock-step). The `fast` calls pass only
/// when made by the runtime's gadget (the instruction at `GADGET_SYSCALL_IP`); from anywhere
/// else they stop in the monitor.
fn fast_label(nr: u32) -> String {
    format!("fast_args_{nr}")
}

/// A fast call with `unless` set stops in the monitor when any of those argument bits is set,
/// even from the gadget.
pub fn filter(untraced: &[u32], fast: &[(u32, Option<ArgBits>)], level: Level) -> Vec<sock_filter> {
    let relaxed = level >= Level::Base;
    let mut a = Asm::default();
    a.stmt(BPF_LD_W_ABS, OFFSET_ARCH);
    a.jump(BPF_JEQ_K, AUDIT_ARCH_X86_64, "native", Some("kill"));
    a.label("native");
    a.stmt(BPF_LD_W_ABS, OFFSET_NR);
    a.jump(BPF_JGE_K, X32_SYSCALL_BIT, "kill", None);
    for &nr in untraced {
        a.jump(BPF_JEQ_K, nr, "allow", None);
    }
    let base_untraced: Vec<_> = if relaxed {
        crate::table::base_untraced().collect()
    } else {
        vec![]
    };
    for (nr, rule) in &base_untraced {
        let conditional = rule.unless_set.is_some() || rule.only_if_set.is_some();
        let to = if conditional { nr.name() } else { "allow" };
        a.jump(BPF_JEQ_K, nr.id() as u32, to, None);
    }
    for &(nr, _) in fast {
        a.jump(BPF_JEQ_K, nr, "gadget", None);
    }
    a.stmt(BPF_RET_K, libc::SECCOMP_RET_TRACE);
    if !fast.is_empty() {
        a.label("gadget");
        a.stmt(BPF_LD_W_ABS, OFFSET_IP_LOW);
        a.jump(
            BPF_JEQ_K,
            GADGET_SYSCALL_IP as u32,
            "gadget_high",
            Some("trace"),
        );
        a.label("gadget_high");
        a.stmt(BPF_LD_W_ABS, OFFSET_IP_HIGH);
        a.jump(
            BPF_JEQ_K,
            (GADGET_SYSCALL_IP >> 32) as u32,
            "gadget_args",
            Some("trace"),
        );
        // From the gadget: the argument conditions of the conditional fast calls.
        a.label("gadget_args");
        a.stmt(BPF_LD_W_ABS, OFFSET_NR);
        for &(nr, unless) in fast {
            if unless.is_some() {
                a.jump(BPF_JEQ_K, nr, &fast_label(nr), None);
            }
        }
        a.stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW);
        for &(nr, unless) in fast {
            if let Some(b) = unless {
                a.label(&fast_label(nr));
                a.stmt(BPF_LD_W_ABS, arg_low(b.arg as u32));
                a.jump(BPF_JSET_K, b.bits, "trace", Some("allow"));
            }
        }
    }
    // The argument conditions of the conditional base-untraced calls, one block each.
    for (nr, rule) in &base_untraced {
        if rule.unless_set.is_none() && rule.only_if_set.is_none() {
            continue;
        }
        a.label(nr.name());
        if let Some(b) = rule.unless_set {
            a.stmt(BPF_LD_W_ABS, arg_low(b.arg as u32));
            a.jump(BPF_JSET_K, b.bits, "trace", None);
        }
        match rule.only_if_set {
            Some(b) => {
                a.stmt(BPF_LD_W_ABS, arg_low(b.arg as u32));
                a.jump(BPF_JSET_K, b.bits, "allow", Some("trace"));
            }
            None => a.stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW),
        }
    }
    a.label("trace");
    a.stmt(BPF_RET_K, libc::SECCOMP_RET_TRACE);
    a.label("allow");
    a.stmt(BPF_RET_K, libc::SECCOMP_RET_ALLOW);
    a.label("kill");
    a.stmt(BPF_RET_K, libc::SECCOMP_RET_KILL_PROCESS);
    a.finish()
}

/// The filter for the table at `level`: `Unchecked` syscalls always run untraced; the
/// fast-path calls the level covers run untraced from the gadget.
pub fn table_filter(level: Level) -> Vec<sock_filter> {
    let untraced: Vec<u32> = crate::table::entries()
        .iter()
        .filter(|s| s.dispatch == crate::table::Dispatch::Unchecked)
        .map(|s| s.nr.id() as u32)
        .collect();
    let fast: Vec<(u32, Option<ArgBits>)> = crate::table::entries()
        .iter()
        .filter(|s| s.fast.is_some_and(|class| level.covers(class)))
        .map(|s| (s.nr.id() as u32, s.props.fast_unless))
        .collect();
    filter(&untraced, &fast, level)
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

    /// Runs a classic BPF program over a seccomp_data (enough for our opcodes).
    fn eval(prog: &[sock_filter], arch: u32, nr: u32, args: [u64; 6]) -> u32 {
        eval_at(prog, arch, nr, 0x40_1000, args)
    }

    fn eval_at(prog: &[sock_filter], arch: u32, nr: u32, ip: u64, args: [u64; 6]) -> u32 {
        let mut pc = 0;
        let mut acc = 0u32;
        loop {
            let ins = prog[pc];
            match ins.code {
                BPF_LD_W_ABS => {
                    acc = match ins.k {
                        OFFSET_ARCH => arch,
                        OFFSET_NR => nr,
                        OFFSET_IP_LOW => ip as u32,
                        OFFSET_IP_HIGH => (ip >> 32) as u32,
                        k => args[((k - 16) / 8) as usize] as u32,
                    }
                }
                BPF_JEQ_K => pc += if acc == ins.k { ins.jt } else { ins.jf } as usize,
                BPF_JGE_K => pc += if acc >= ins.k { ins.jt } else { ins.jf } as usize,
                BPF_JSET_K => pc += if acc & ins.k != 0 { ins.jt } else { ins.jf } as usize,
                BPF_RET_K => return ins.k,
                other => panic!("unexpected opcode {other}"),
            }
            pc += 1;
        }
    }

    const X86: u32 = AUDIT_ARCH_X86_64;

    #[test]
    fn untraced_calls_pass_and_others_trap() {
        let prog = filter(&[202, 24], &[], Level::Strict);
        assert_eq!(eval(&prog, X86, 202, [0; 6]), libc::SECCOMP_RET_ALLOW);
        assert_eq!(eval(&prog, X86, 24, [0; 6]), libc::SECCOMP_RET_ALLOW);
        assert_eq!(eval(&prog, X86, 1, [0; 6]), libc::SECCOMP_RET_TRACE);
        assert_eq!(
            eval(&prog, X86, 0x4000_0001, [0; 6]),
            libc::SECCOMP_RET_KILL_PROCESS
        );
        assert_eq!(
            eval(&prog, 0x4000_0003, 1, [0; 6]),
            libc::SECCOMP_RET_KILL_PROCESS
        );
    }

    #[test]
    fn the_table_filter_lets_futex_through() {
        let prog = table_filter(Level::Strict);
        assert_eq!(
            eval(&prog, X86, libc::SYS_futex as u32, [0; 6]),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval(&prog, X86, libc::SYS_write as u32, [0; 6]),
            libc::SECCOMP_RET_TRACE
        );
        assert_eq!(
            eval(&prog, X86, libc::SYS_brk as u32, [0; 6]),
            libc::SECCOMP_RET_TRACE
        );
    }

    #[test]
    fn base_lets_process_local_memory_calls_through_but_never_executable_memory() {
        let prog = table_filter(Level::Base);
        let rw = (libc::PROT_READ | libc::PROT_WRITE) as u64;
        let rx = (libc::PROT_READ | libc::PROT_EXEC) as u64;
        let anon = (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64;
        let file = libc::MAP_PRIVATE as u64;
        let mmap = libc::SYS_mmap as u32;
        let mprotect = libc::SYS_mprotect as u32;
        assert_eq!(
            eval(&prog, X86, libc::SYS_brk as u32, [0; 6]),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval(&prog, X86, mmap, [0, 4096, rw, anon, u64::MAX, 0]),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval(&prog, X86, mmap, [0, 4096, rx, anon, u64::MAX, 0]),
            libc::SECCOMP_RET_TRACE
        );
        assert_eq!(
            eval(&prog, X86, mmap, [0, 4096, rw, file, 3, 0]),
            libc::SECCOMP_RET_TRACE
        );
        assert_eq!(
            eval(&prog, X86, mprotect, [0, 4096, rw, 0, 0, 0]),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval(&prog, X86, mprotect, [0, 4096, rx, 0, 0, 0]),
            libc::SECCOMP_RET_TRACE
        );
        assert_eq!(
            eval(&prog, X86, libc::SYS_write as u32, [0; 6]),
            libc::SECCOMP_RET_TRACE
        );
        assert_eq!(
            eval(&prog, X86, libc::SYS_execve as u32, [0; 6]),
            libc::SECCOMP_RET_TRACE
        );
        assert_eq!(
            eval(&prog, X86, libc::SYS_futex as u32, [0; 6]),
            libc::SECCOMP_RET_ALLOW
        );
    }

    #[test]
    fn fast_path_calls_pass_only_from_the_gadget_and_only_at_their_level() {
        let write = libc::SYS_write as u32;
        let read = libc::SYS_read as u32;
        let getpid = libc::SYS_getpid as u32;
        let open = libc::SYS_openat as u32;
        let gadget = GADGET_SYSCALL_IP;
        let elsewhere = 0x7fff_f7a0_1234;
        let rw = table_filter(Level::SocketRw);
        for nr in [write, read, getpid] {
            assert_eq!(
                eval_at(&rw, X86, nr, gadget, [0; 6]),
                libc::SECCOMP_RET_ALLOW
            );
            assert_eq!(
                eval_at(&rw, X86, nr, elsewhere, [0; 6]),
                libc::SECCOMP_RET_TRACE
            );
            // Same low half, another high half: still not the gadget.
            let alias = (gadget & 0xffff_ffff) | (1 << 40);
            assert_eq!(
                eval_at(&rw, X86, nr, alias, [0; 6]),
                libc::SECCOMP_RET_TRACE
            );
        }
        // Never more than the level's calls, even from the gadget.
        let execve = libc::SYS_execve as u32;
        assert_eq!(
            eval_at(&rw, X86, execve, gadget, [0; 6]),
            libc::SECCOMP_RET_TRACE
        );
        // Opens from the gadget: read-only ones pass at the socket levels; one that may write,
        // create or truncate stops in the monitor (the entry's `fast_unless`).
        let read_only = [
            libc::AT_FDCWD as u64,
            0x1000,
            libc::O_RDONLY as u64,
            0,
            0,
            0,
        ];
        assert_eq!(
            eval_at(&rw, X86, open, gadget, read_only),
            libc::SECCOMP_RET_ALLOW
        );
        for flags in [libc::O_WRONLY, libc::O_RDWR, libc::O_CREAT, libc::O_TRUNC] {
            let mut args = read_only;
            args[2] = flags as u64;
            assert_eq!(
                eval_at(&rw, X86, open, gadget, args),
                libc::SECCOMP_RET_TRACE,
                "flags {flags:#x}"
            );
        }
        assert_eq!(
            eval_at(
                &table_filter(Level::NonsocketRw),
                X86,
                open,
                gadget,
                read_only
            ),
            libc::SECCOMP_RET_TRACE
        );
        // A wait with a signal mask stays in lock-step.
        let pwait = libc::SYS_epoll_pwait as u32;
        assert_eq!(
            eval_at(&rw, X86, pwait, gadget, [3, 0x1000, 1, 0, 0, 8]),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval_at(&rw, X86, pwait, gadget, [3, 0x1000, 1, 0, 0x2000, 8]),
            libc::SECCOMP_RET_TRACE
        );
        // So do ppoll with a mask and pselect6 with any data pointer (the mask is behind it).
        let ppoll = libc::SYS_ppoll as u32;
        let pselect = libc::SYS_pselect6 as u32;
        for (nr, mask_arg) in [(ppoll, 3), (pselect, 5)] {
            let mut args = [1, 0x1000, 0, 0, 0, 0];
            assert_eq!(eval_at(&rw, X86, nr, gadget, args), libc::SECCOMP_RET_ALLOW);
            args[mask_arg] = 0x2000;
            assert_eq!(eval_at(&rw, X86, nr, gadget, args), libc::SECCOMP_RET_TRACE);
        }
        let ro = table_filter(Level::NonsocketRo);
        assert_eq!(
            eval_at(&ro, X86, read, gadget, [0; 6]),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval_at(&ro, X86, write, gadget, [0; 6]),
            libc::SECCOMP_RET_TRACE
        );
        let base = table_filter(Level::Base);
        assert_eq!(
            eval_at(&base, X86, getpid, gadget, [0; 6]),
            libc::SECCOMP_RET_ALLOW
        );
        assert_eq!(
            eval_at(&base, X86, read, gadget, [0; 6]),
            libc::SECCOMP_RET_TRACE
        );
        let strict = table_filter(Level::Strict);
        assert_eq!(
            eval_at(&strict, X86, getpid, gadget, [0; 6]),
            libc::SECCOMP_RET_TRACE
        );
    }

    #[test]
    fn the_tables_base_untraced_calls_pass_from_base_on() {
        for (nr, rule) in crate::table::base_untraced() {
            let nr = nr.id() as u32;
            // Arguments that meet the rule's condition (an anonymous mapping for mmap).
            let mut args = [0; 6];
            if let Some(b) = rule.only_if_set {
                args[b.arg as usize] = b.bits as u64;
            }
            let at = |level| eval(&table_filter(level), X86, nr, args);
            assert_eq!(at(Level::Strict), libc::SECCOMP_RET_TRACE, "{nr}");
            assert_eq!(at(Level::Base), libc::SECCOMP_RET_ALLOW, "{nr}");
            assert_eq!(at(Level::SocketRw), libc::SECCOMP_RET_ALLOW, "{nr}");
        }
    }

    #[test]
    fn brk_is_lock_stepped_at_strict_and_untraced_above() {
        // The brk heap is partitioned at exec (`exec_move.rs`), so brk runs in every variant.
        assert_eq!(
            eval(
                &table_filter(Level::Strict),
                X86,
                libc::SYS_brk as u32,
                [0; 6]
            ),
            libc::SECCOMP_RET_TRACE
        );
        assert_eq!(
            eval(
                &table_filter(Level::SocketRw),
                X86,
                libc::SYS_brk as u32,
                [0; 6]
            ),
            libc::SECCOMP_RET_ALLOW
        );
    }
}
