//! Moving a follower's initial stack into its own partition at exec.
//!
//! Without randomisation the kernel puts every variant's stack at the top of the address
//! space. At a follower's exec stop, before its first instruction, the monitor moves the stack
//! `delta` bytes lower (the follower's partition offset, as its mmap area already is), so that
//! no stack address is valid in two variants. At that point only the initial stack block
//! points into the stack: the argv and envp arrays, a few auxv entries (AT_EXECFN, AT_RANDOM,
//! AT_PLATFORM), rsp, and the kernel's own record of where the stack, arguments and
//! environment are (`/proc/PID/cmdline`, `environ`, the `[stack]` label). The first ones are
//! rewritten in memory, the last with `prctl(PR_SET_MM, PR_SET_MM_MAP)`, which needs no
//! privilege as long as the executable link is left alone.
//!
//! The two syscalls (mremap, prctl) run in the follower: its first instruction is replaced
//! by `syscall` for their duration.

use crate::events::WaitEvent;
use crate::tracee::Tracee;
use anyhow::{bail, ensure, Context, Result};
use libc::user_regs_struct;

const SYSCALL_INSN: [u8; 2] = [0x0f, 0x05];
const PR_SET_MM: u64 = 35;
const PR_SET_MM_MAP: u64 = 14;
/// `struct prctl_mm_map`: eleven addresses, the auxv pointer, auxv size and exe fd.
const MM_MAP_SIZE: usize = 104;

/// The variant ended while its stack was being moved; its wait status, which the monitor
/// must still act on.
#[derive(Debug, thiserror::Error)]
#[error("the variant ended while its stack was moved: {0:?}")]
pub struct Ended(pub WaitEvent);

/// What was moved, for the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Moved {
    pub from: u64,
    pub to: u64,
}

/// Moves the initial stack of `t`, stopped at PTRACE_EVENT_EXEC, `delta` bytes lower. Leaves
/// `t` stopped at the exit of its execve, ready to run its first instruction. Signals that
/// arrived meanwhile were held back and are returned, to be raised again.
pub fn move_initial_stack(t: &Tracee, delta: u64) -> Result<(Moved, Vec<i32>)> {
    let mut held = Vec::new();
    // The exec event stop is inside execve, whose return value would overwrite rax: go on to
    // its exit first.
    run_syscall_stops(t, 1, &mut held).context("reaching the end of execve")?;
    let saved = t.regs()?;
    let (lo, hi) = stack_vma(t.pid.as_raw(), saved.rsp)?;
    ensure!(
        lo > delta,
        "the stack at {lo:#x} cannot move {delta:#x} lower"
    );
    let mm = MmFields::read(t.pid.as_raw())?;

    for (slot, value) in stack_pointers(t, saved.rsp, lo, hi)? {
        t.write_bytes(slot, &(value - delta).to_ne_bytes())?;
    }
    let code = t.read_bytes(saved.rip, SYSCALL_INSN.len())?;
    t.write_bytes(saved.rip, &SYSCALL_INSN)?;
    let result = (|| -> Result<()> {
        let size = hi - lo;
        let flags = (libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED) as u64;
        let got = inject(
            t,
            &saved,
            libc::SYS_mremap,
            [lo, size, size, flags, lo - delta, 0],
            &mut held,
        )?;
        ensure!(
            got as u64 == lo - delta,
            "mremap of the stack failed: {}",
            crate::decode::ret_text(got)
        );
        // The struct goes below the (moved) stack pointer, inside the stack mapping.
        let map_at = saved.rsp - delta - 4096;
        t.write_bytes(map_at, &mm.moved(lo, hi, delta).to_bytes())?;
        let got = inject(
            t,
            &saved,
            libc::SYS_prctl,
            [PR_SET_MM, PR_SET_MM_MAP, map_at, MM_MAP_SIZE as u64, 0, 0],
            &mut held,
        )?;
        if got != 0 {
            // The program runs fine; only /proc/PID/cmdline and environ of this follower
            // read from where the stack was.
            tracing::warn!(
                "pid {}: recording the moved stack failed ({}); its /proc cmdline is empty",
                t.pid,
                crate::decode::ret_text(got)
            );
        }
        Ok(())
    })();
    t.write_bytes(saved.rip, &code)?;
    result?;
    let mut regs = saved;
    regs.rsp -= delta;
    t.set_regs(&regs)?;
    Ok((
        Moved {
            from: lo,
            to: lo - delta,
        },
        held,
    ))
}

/// Runs one syscall in `t` (stopped at a syscall exit, `syscall` at `base.rip`) and returns its
/// result, leaving `t` at that syscall's exit stop.
fn inject(
    t: &Tracee,
    base: &user_regs_struct,
    nr: i64,
    args: [u64; 6],
    held: &mut Vec<i32>,
) -> Result<i64> {
    let mut regs = *base;
    crate::tracee::set_call(&mut regs, nr as u64, args);
    regs.orig_rax = u64::MAX;
    t.set_regs(&regs)?;
    // Entry stop, possibly a seccomp stop, then the exit stop.
    run_syscall_stops(t, 2, held)?;
    Ok(t.regs()?.rax as i64)
}

/// Resumes `t` until it has passed `count` syscall stops (entry or exit), passing over
/// seccomp stops and holding back signals.
fn run_syscall_stops(t: &Tracee, count: usize, held: &mut Vec<i32>) -> Result<()> {
    let mut seen = 0;
    while seen < count {
        if let Err(e) = t.cont_to_exit() {
            // ESRCH: killed meanwhile; its end is the next (and last) status to collect.
            let gone = e
                .downcast_ref::<nix::errno::Errno>()
                .is_some_and(|&errno| errno == nix::errno::Errno::ESRCH);
            if !gone {
                return Err(e);
            }
        }
        let mut status = 0;
        // SAFETY: plain waitpid(2) on our own tracee with a valid out pointer.
        let pid = unsafe { libc::waitpid(t.pid.as_raw(), &mut status, libc::__WALL) };
        if pid != t.pid.as_raw() {
            bail!(
                "waiting for pid {}: {}",
                t.pid,
                std::io::Error::last_os_error()
            );
        }
        match WaitEvent::decode(t.pid, status) {
            WaitEvent::SyscallStop(_) => seen += 1,
            WaitEvent::SeccompStop(_) => {}
            WaitEvent::SignalStop { sig, .. } => held.push(sig),
            WaitEvent::PtraceEvent { event, .. } => {
                bail!("unexpected ptrace event {event} while moving the stack")
            }
            end @ (WaitEvent::Exited { .. } | WaitEvent::Killed { .. }) => {
                return Err(Ended(end).into())
            }
        }
    }
    Ok(())
}

/// The mapping holding `rsp`, from /proc/PID/maps.
fn stack_vma(pid: i32, rsp: u64) -> Result<(u64, u64)> {
    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))
        .with_context(|| format!("reading /proc/{pid}/maps"))?;
    maps.lines()
        .filter_map(parse_range)
        .find(|&(lo, hi)| lo <= rsp && rsp < hi)
        .with_context(|| format!("no mapping holds the stack pointer {rsp:#x}"))
}

/// The `start-end` range a /proc/PID/maps line begins with.
pub fn parse_range(line: &str) -> Option<(u64, u64)> {
    let (range, _) = line.split_once(' ')?;
    let (a, b) = range.split_once('-')?;
    Some((
        u64::from_str_radix(a, 16).ok()?,
        u64::from_str_radix(b, 16).ok()?,
    ))
}

/// The initial stack's slots that point into `[lo, hi)`: argv and envp entries and auxv
/// values, with what they hold.
fn stack_pointers(t: &Tracee, rsp: u64, lo: u64, hi: u64) -> Result<Vec<(u64, u64)>> {
    let words = t.read_bytes(rsp, (hi - rsp) as usize)?;
    let word = |i: usize| -> Option<u64> {
        words
            .get(i * 8..i * 8 + 8)
            .map(|b| u64::from_ne_bytes(b.try_into().unwrap()))
    };
    Ok(initial_stack_pointers(word, rsp, lo, hi))
}

/// Walks the initial stack block (argc, argv..., NULL, envp..., NULL, auxv pairs..., AT_NULL)
/// given word `i` above rsp, and lists the slots pointing into `[lo, hi)`.
fn initial_stack_pointers(
    word: impl Fn(usize) -> Option<u64>,
    rsp: u64,
    lo: u64,
    hi: u64,
) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let inside = |v: u64| lo <= v && v < hi;
    let Some(argc) = word(0) else {
        return out;
    };
    let mut i = 1usize;
    // argv (argc entries + NULL), then envp up to its NULL.
    for _ in 0..2 {
        while let Some(v) = word(i) {
            i += 1;
            if v == 0 {
                break;
            }
            if inside(v) {
                out.push((rsp + 8 * (i as u64 - 1), v));
            }
        }
    }
    let _ = argc;
    // auxv: (key, value) pairs up to AT_NULL.
    while let (Some(key), Some(v)) = (word(i), word(i + 1)) {
        if key == 0 {
            break;
        }
        if inside(v) {
            out.push((rsp + 8 * (i as u64 + 1), v));
        }
        i += 2;
    }
    out
}

/// The kernel's record of a process's layout, as `prctl_mm_map` wants it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct MmFields {
    start_code: u64,
    end_code: u64,
    start_data: u64,
    end_data: u64,
    start_brk: u64,
    start_stack: u64,
    arg_start: u64,
    arg_end: u64,
    env_start: u64,
    env_end: u64,
}

impl MmFields {
    fn read(pid: i32) -> Result<MmFields> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .with_context(|| format!("reading /proc/{pid}/stat"))?;
        MmFields::parse(&stat).with_context(|| format!("parsing /proc/{pid}/stat"))
    }

    /// From /proc/PID/stat: fields 26-28 and 45-51 (1-based; the command name, field 2, may
    /// hold spaces and ends at the last ')').
    fn parse(stat: &str) -> Option<MmFields> {
        let rest = stat.rsplit_once(')')?.1;
        let f: Vec<u64> = rest
            .split_whitespace()
            .skip(1) // field 3, the state letter
            .map(|s| s.parse().unwrap_or(0))
            .collect();
        let field = |n: usize| f.get(n - 4).copied();
        Some(MmFields {
            start_code: field(26)?,
            end_code: field(27)?,
            start_stack: field(28)?,
            start_data: field(45)?,
            end_data: field(46)?,
            start_brk: field(47)?,
            arg_start: field(48)?,
            arg_end: field(49)?,
            env_start: field(50)?,
            env_end: field(51)?,
        })
    }

    /// The fields after the stack `[lo, hi)` moved `delta` lower.
    fn moved(mut self, lo: u64, hi: u64, delta: u64) -> MmFields {
        for v in [
            &mut self.start_stack,
            &mut self.arg_start,
            &mut self.arg_end,
            &mut self.env_start,
            &mut self.env_end,
        ] {
            if lo <= *v && *v <= hi {
                *v -= delta;
            }
        }
        self
    }

    fn to_bytes(self) -> [u8; MM_MAP_SIZE] {
        // Right after exec the break is where it starts.
        let brk = self.start_brk;
        let words = [
            self.start_code,
            self.end_code,
            self.start_data,
            self.end_data,
            self.start_brk,
            brk,
            self.start_stack,
            self.arg_start,
            self.arg_end,
            self.env_start,
            self.env_end,
            0, // auxv: kept
        ];
        let mut out = [0u8; MM_MAP_SIZE];
        for (i, w) in words.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&w.to_ne_bytes());
        }
        // auxv_size 0 (kept), exe_fd -1 (kept: changing it would need privilege).
        out[100..104].copy_from_slice(&u32::MAX.to_ne_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_fields_past_a_name_with_spaces() {
        // 52 fields; the name holds ") (".
        let mut fields: Vec<String> = (3..=52).map(|n| n.to_string()).collect();
        fields[0] = "S".into();
        let stat = format!("1234 (a) (b) {}", fields.join(" "));
        let mm = MmFields::parse(&stat).unwrap();
        assert_eq!(mm.start_code, 26);
        assert_eq!(mm.start_stack, 28);
        assert_eq!(mm.start_data, 45);
        assert_eq!(mm.env_end, 51);
    }

    #[test]
    fn finds_argv_envp_and_auxv_pointers_into_the_stack() {
        let (lo, hi, rsp) = (0x7000_0000u64, 0x7000_4000u64, 0x7000_1000u64);
        let stack = [
            2,           // argc
            0x7000_3000, // argv[0]
            0x7000_3008, // argv[1]
            0,
            0x7000_3100, // envp[0]
            0,
            6,
            4096, // AT_PAGESZ: not a pointer
            31,
            0x7000_3ff0, // AT_EXECFN
            9,
            0x40_1000, // AT_ENTRY: outside the stack
            0,
            0,
        ];
        let found = initial_stack_pointers(|i| stack.get(i).copied(), rsp, lo, hi);
        assert_eq!(
            found,
            vec![
                (rsp + 8, 0x7000_3000),
                (rsp + 16, 0x7000_3008),
                (rsp + 32, 0x7000_3100),
                (rsp + 72, 0x7000_3ff0),
            ]
        );
    }

    #[test]
    fn moved_fields_keep_what_is_not_on_the_stack() {
        let mm = MmFields {
            start_code: 0x40_0000,
            end_code: 0x40_2000,
            start_stack: 0x7fff_f000,
            arg_start: 0x7fff_f100,
            arg_end: 0x7fff_f200,
            env_start: 0x7fff_f200,
            env_end: 0x7fff_f300,
            ..MmFields::default()
        };
        let m = mm.moved(0x7ffe_0000, 0x8000_0000, 0x1000_0000);
        assert_eq!(m.start_code, 0x40_0000);
        assert_eq!(m.start_stack, 0x6fff_f000);
        assert_eq!(m.env_end, 0x6fff_f300);
        let bytes = m.to_bytes();
        assert_eq!(&bytes[100..], &[0xff; 4]);
        assert_eq!(
            u64::from_ne_bytes(bytes[48..56].try_into().unwrap()),
            0x6fff_f000
        );
    }
}
