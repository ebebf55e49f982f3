//! rdtsc, rdtscp and cpuid trapped in the variants (`inject.rs` arms the traps): they arrive as
//! pseudo syscalls, are compared like calls, and every member gets one answer, the monitor's.

use super::*;
use anyhow::bail;

/// Whether `nr` is a trapped instruction rather than a syscall.
pub(in crate::monitor) fn is_trapped(nr: u64) -> bool {
    matches!(nr, inject::PSEUDO_RDTSC | inject::PSEUDO_CPUID)
}

/// Executes and answers the instruction `call` trapped in every member.
pub(in crate::monitor) fn emulate(
    m: &mut Monitor,
    call: &RawCall,
    members: &[TaskId],
) -> Result<()> {
    let answer = answer_of(call);
    for &t in members {
        let task = &mut m.tasks[t];
        let State::AtEntry(e, stop) = task.take_state() else {
            bail!("task {} is not at a trapped instruction", task.tracee.pid);
        };
        give(task, call, &e.regs, answer, stop)?;
    }
    Ok(())
}

/// Answers a trapped cpuid at once, without a rendezvous: its answer is a pure function of
/// leaf and subleaf, the same for every member, and it has no effect outside the variant.
/// glibc's loader alone runs ~80 of them per exec; a rendezvous for each cost ~8 ms per exec
/// and made diversified builds that probe the CPU in another order diverge.
pub(in crate::monitor) fn answer_cpuid_alone(
    task: &mut Task,
    call: &RawCall,
    regs: &libc::user_regs_struct,
    stop: Stopped,
) -> Result<()> {
    task.history.push(format!(
        "cpuid(leaf {:#x}, subleaf {:#x}) = ? (answered alone)",
        call.args[1], call.args[2]
    ));
    give(task, call, regs, answer_of(call), stop)
}

/// The monitor's answer to `call`: eax, ebx, ecx, edx.
fn answer_of(call: &RawCall) -> [u32; 4] {
    if call.nr == inject::PSEUDO_CPUID {
        inject::cpuid(call.args[1] as u32, call.args[2] as u32)
    } else {
        // SAFETY: rdtsc has no preconditions on x86_64.
        let tsc = unsafe { core::arch::x86_64::_rdtsc() };
        // eax, ebx (untouched), ecx (rdtscp's TSC_AUX, the cpu: the same for all), edx
        [tsc as u32, 0, 0, (tsc >> 32) as u32]
    }
}

/// Puts `answer` in the registers of the task stopped at the trapped instruction and steps
/// over it.
fn give(
    task: &mut Task,
    call: &RawCall,
    regs: &libc::user_regs_struct,
    answer: [u32; 4],
    stop: Stopped,
) -> Result<()> {
    let len = call.args[0];
    let mut regs = *regs;
    regs.rax = answer[0] as u64;
    regs.rdx = answer[3] as u64;
    if call.nr == inject::PSEUDO_CPUID {
        regs.rbx = answer[1] as u64;
        regs.rcx = answer[2] as u64;
    } else if len == 3 {
        regs.rcx = 0;
    }
    regs.rip += len;
    tolerate_gone(stop.set_regs(&regs))?;
    task.history.set_last_result(&format!("{answer:x?}"));
    // The SIGSEGV of the trap is not delivered.
    tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))
}
