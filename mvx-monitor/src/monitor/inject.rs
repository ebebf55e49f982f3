//! Code the monitor runs inside variants: syscalls injected in place of a program's syscall
//! (which is re-executed afterwards), and emulation of trapped instructions.
//!
//! Per address space the monitor injects, at the first syscall after exec: `arch_prctl
//! (ARCH_SET_CPUID, 0)` so cpuid faults and can be answered identically for every variant, and
//! the mmap of a scratch page holding the placeholder path `/dev/null`. Above `strict`, also the fast-path gadget: one read+execute page at
//! `GADGET_ADDR` holding `syscall; jmp r12`, the only place from which the seccomp filter lets
//! the level's fast-path calls through.

use super::*;
use crate::tracee::{self, SYSCALL_INSN_LEN};
use anyhow::bail;
use mvx_sync_runtime::protocol::{GADGET_ADDR, GADGET_CODE};

pub(super) use crate::table::{PSEUDO_CPUID, PSEUDO_RDTSC};

const SCRATCH_PATH: &[u8] = b"/dev/null\0";
const SCRATCH_SIZE: u64 = 4096;
const ARCH_SET_CPUID: u64 = 0x1012;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Injection {
    CpuidFaulting,
    ScratchPage,
    Gadget,
}

/// Per variant and address space: what has been set up.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct AddressSpace {
    pub scratch: Option<u64>,
    /// `Some(true)` once cpuid faults, `Some(false)` if the CPU cannot fault it.
    pub cpuid_faulting: Option<bool>,
    /// `Some(true)` once the fast-path gadget is mapped.
    pub gadget: Option<bool>,
}

/// What still has to be injected into variant `variant` of process `p`; `cpu_faults` is
/// `Some(false)` once this machine showed it cannot fault cpuid (no need to ask again);
/// `gadget` whether the level has a fast path.
pub(super) fn needed(
    p: &VProc,
    variant: usize,
    cpu_faults: Option<bool>,
    gadget: bool,
) -> Option<Injection> {
    let space = &p.spaces[variant];
    if space.cpuid_faulting.is_none() && cpu_faults != Some(false) {
        Some(Injection::CpuidFaulting)
    } else if space.scratch.is_none() {
        Some(Injection::ScratchPage)
    } else if gadget && space.gadget.is_none() {
        Some(Injection::Gadget)
    } else {
        None
    }
}

/// Replaces the syscall `saved` the task is stopped at with the injection.
pub(super) fn start(
    task: &mut Task,
    stop: Stopped,
    what: Injection,
    saved: user_regs_struct,
) -> Result<()> {
    let mut regs = saved;
    let (nr, args) = match what {
        Injection::CpuidFaulting => (libc::SYS_arch_prctl, [ARCH_SET_CPUID, 0, 0, 0, 0, 0]),
        Injection::ScratchPage => (
            libc::SYS_mmap,
            [
                0,
                SCRATCH_SIZE,
                (libc::PROT_READ | libc::PROT_WRITE) as u64,
                (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS) as u64,
                u64::MAX,
                0,
            ],
        ),
        Injection::Gadget => (
            libc::SYS_mmap,
            [
                GADGET_ADDR,
                SCRATCH_SIZE,
                (libc::PROT_READ | libc::PROT_EXEC) as u64,
                (libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED_NOREPLACE) as u64,
                u64::MAX,
                0,
            ],
        ),
    };
    tracee::set_call(&mut regs, nr as u64, args);
    tolerate_gone(stop.set_regs(&regs))?;
    let next = State::InSyscall(Pending::Injected { what, saved });
    tolerate_gone(task.resume_from(stop, next, Resume::ToExit(None)))
}

/// Records what the injection produced and re-executes the displaced syscall.
pub(super) fn finish(
    task: &mut Task,
    stop: Stopped,
    p: &mut VProc,
    variant: usize,
    what: Injection,
    saved: user_regs_struct,
    regs: user_regs_struct,
) -> Result<()> {
    let ret = regs.rax as i64;
    let space = &mut p.spaces[variant];
    match what {
        Injection::CpuidFaulting => space.cpuid_faulting = Some(ret == 0),
        Injection::ScratchPage => {
            if ret < 0 {
                bail!(
                    "mapping the scratch page in pid {} failed: {}",
                    task.tracee.pid,
                    decode::ret_text(ret)
                );
            }
            task.tracee.write_bytes(regs.rax, SCRATCH_PATH)?;
            space.scratch = Some(regs.rax);
        }
        Injection::Gadget => {
            if regs.rax != GADGET_ADDR {
                bail!(
                    "mapping the fast-path gadget at {GADGET_ADDR:#x} in pid {} failed ({}): \
                     the program uses that address; run at --monitor-level strict",
                    task.tracee.pid,
                    decode::ret_text(ret)
                );
            }
            // The page is read+execute: written through /proc/PID/mem, as a debugger would.
            task.tracee.write_bytes(GADGET_ADDR, &GADGET_CODE)?;
            space.gadget = Some(true);
        }
    }
    let mut restart = saved;
    restart.rip -= SYSCALL_INSN_LEN;
    restart.rax = saved.orig_rax;
    tolerate_gone(stop.set_regs(&restart))?;
    tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))
}

/// If a SIGSEGV stopped the task on rdtsc/rdtscp (PR_SET_TSC) or a faulting cpuid, the
/// pseudo-call to rendezvous on.
pub(super) fn trapped_instruction(task: &Task, regs: &user_regs_struct) -> Option<RawCallOf> {
    let code = task.tracee.read_bytes(regs.rip, 3).ok()?;
    let (nr, len) = match code.as_slice() {
        [0x0f, 0x31, _] => (PSEUDO_RDTSC, 2),
        [0x0f, 0x01, 0xf9] => (PSEUDO_RDTSC, 3),
        [0x0f, 0xa2, _] => (PSEUDO_CPUID, 2),
        _ => return None,
    };
    let mut args = [len, 0, 0, 0, 0, 0];
    if nr == PSEUDO_CPUID {
        args[1] = regs.rax & 0xffff_ffff;
        // The subleaf only for leaves that read one: elsewhere ecx holds leftovers (an
        // address, different in every variant).
        if cpuid_reads_subleaf(args[1] as u32) {
            args[2] = regs.rcx & 0xffff_ffff;
        }
    }
    Some(RawCallOf { nr, args })
}

/// Leaves whose result depends on ecx (Intel SDM, AMD APM).
fn cpuid_reads_subleaf(leaf: u32) -> bool {
    matches!(
        leaf,
        0x4 | 0x7
            | 0xb
            | 0xd
            | 0xf
            | 0x10
            | 0x12
            | 0x14
            | 0x17
            | 0x18
            | 0x1a
            | 0x1b
            | 0x1d
            | 0x1e
            | 0x1f
            | 0x20
            | 0x23
            | 0x24
            | 0x8000_001d
            | 0x8000_0020
            | 0x8000_0026
    )
}

/// A pseudo-call's number and arguments.
pub(super) struct RawCallOf {
    pub nr: u64,
    pub args: [u64; 6],
}

/// cpuid as every variant sees it: the monitor's own answer, with per-core ids zeroed and the
/// hardware random number instructions hidden (rdrand/rdseed cannot be trapped).
pub(super) fn cpuid(leaf: u32, subleaf: u32) -> [u32; 4] {
    let r = core::arch::x86_64::__cpuid_count(leaf, subleaf);
    let (eax, mut ebx, mut ecx, mut edx) = (r.eax, r.ebx, r.ecx, r.edx);
    match leaf {
        1 => {
            ebx &= 0x00ff_ffff; // initial APIC id
            ecx &= !(1 << 30); // RDRAND
        }
        7 if subleaf == 0 => ebx &= !(1 << 18), // RDSEED
        0xb | 0x1f => edx = 0,                  // x2APIC id
        _ => {}
    }
    let _ = &mut ecx;
    [eax, ebx, ecx, edx]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpuid_hides_rdrand_and_core_ids() {
        let [_, ebx, ecx, _] = cpuid(1, 0);
        assert_eq!(ebx >> 24, 0);
        assert_eq!(ecx & (1 << 30), 0);
        let [_, ebx7, _, _] = cpuid(7, 0);
        assert_eq!(ebx7 & (1 << 18), 0);
        // Leaf 0 is passed through (vendor string).
        let [max, ..] = cpuid(0, 0);
        assert!(max >= 1);
    }
}
