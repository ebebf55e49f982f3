//! Moving a follower's fresh address space into its partition at exec.
//!
//! Without randomisation the kernel puts every variant's stack at the top of the address
//! space and a position-independent executable at one fixed base; only the mmap area moves
//! with the stack rlimit (`spawn::partition_stack_limit`). At a follower's exec stop, before
//! its first instruction, the monitor moves the stack, and a dynamically linked
//! position-independent executable, `delta` bytes lower (the follower's partition offset), so
//! that no address is valid in two variants. At that point only the initial stack block
//! points into them: the argv and envp arrays, auxv entries (AT_EXECFN, AT_RANDOM,
//! AT_PLATFORM, AT_PHDR, AT_ENTRY), rsp, and the kernel's record of the layout
//! (`/proc/PID/cmdline`, `environ`, the `[stack]` label, the code and data bounds). The first
//! ones are rewritten in memory, the last with `prctl(PR_SET_MM, PR_SET_MM_MAP)`, which needs
//! no privilege as long as the executable link is left alone. The dynamic loader, which runs
//! first, relocates the executable from AT_PHDR as it would at any base.
//!
//! The syscalls (one mremap per mapping, one prctl) run in the follower: its first
//! instruction (the loader's entry, which stays in place) is replaced by `syscall` for their
//! duration.
//!
//! This runs inside the handling of the exec stop and waits for the follower's stops itself
//! (`run_syscall_stops`) rather than through the monitor's loop: the follower runs no code of
//! its own meanwhile, only execve's return and the calls injected here, so none of its stops
//! is one the lock-step would act on, and the group stays as it was. The types say so: the
//! move takes the exec stop's token by value and gives back the token of the stop it leaves
//! the follower at. What it passes over is explicit: the seccomp stops of its own injected
//! calls (checked by number; any other is an error), and signal stops, whose signals are
//! returned to be raised again once the follower runs.

use crate::elf;
use crate::events::{WaitEvent, Waited};
use crate::tracee::Stopped;
use anyhow::{bail, ensure, Context, Result};
use libc::user_regs_struct;
use nix::unistd::Pid;

const SYSCALL_INSN: [u8; 2] = [0x0f, 0x05];
const PR_SET_MM: u64 = 35;
const PR_SET_MM_MAP: u64 = 14;
/// `struct prctl_mm_map`: eleven addresses, the auxv pointer, auxv size and exe fd.
const MM_MAP_SIZE: usize = 104;
const AT_ENTRY: u64 = 9;
const PAGE: u64 = 4096;

/// The variant ended while its image was being moved; its wait status, which the monitor
/// must still act on.
#[derive(Debug, thiserror::Error)]
#[error("the variant ended while its image was moved: {0:?}")]
pub struct Ended(pub WaitEvent);

/// What was moved, for the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moved {
    /// The mappings moved, as they were.
    pub ranges: Vec<(u64, u64)>,
}

/// Moves the initial stack of the tracee stopped at PTRACE_EVENT_EXEC (`at_exec`) `delta`
/// bytes lower, and its executable too if `executable` and it is a dynamically linked PIE.
/// Returns the stop it leaves the tracee at: the exit of its execve, ready to run its first
/// instruction. Signals that arrived meanwhile were held back and are returned, to be raised
/// again.
pub fn move_image(
    at_exec: Stopped,
    delta: u64,
    executable: bool,
) -> Result<(Moved, Vec<i32>, Stopped)> {
    let mut held = Vec::new();
    let t = at_exec.tracee();
    // The exec event stop is inside execve, whose return value would overwrite rax: go on to
    // its exit first.
    let stop =
        run_syscall_stops(at_exec, 1, None, &mut held).context("reaching the end of execve")?;
    let saved = stop.regs()?;
    let pid = t.pid.as_raw();
    let maps = mappings(pid)?;
    let stack = *maps
        .iter()
        .find(|&&(lo, hi)| lo <= saved.rsp && saved.rsp < hi)
        .with_context(|| format!("no mapping holds the stack pointer {:#x}", saved.rsp))?;
    let words = t.read_bytes(saved.rsp, (stack.1 - saved.rsp) as usize)?;
    let slots = initial_stack_slots(|i| {
        words
            .get(i * 8..i * 8 + 8)
            .map(|b| u64::from_ne_bytes(b.try_into().unwrap()))
    });
    let mut ranges = vec![stack];
    if executable {
        let image = crate::procfs::read_link(Pid::from_raw(pid), "exe")
            .ok()
            .and_then(|exe| elf::image(&exe));
        let entry = auxv_value(&slots, AT_ENTRY);
        if let (Some(image), Some(entry)) = (image, entry) {
            ranges.extend(executable_mappings(&maps, &image, entry));
        }
    }
    // A layout mvx cannot move (a 32-bit program, an entry point inside what would move):
    // the follower keeps the kernel's placement.
    let movable = ranges.iter().all(|&(lo, _)| lo > delta)
        && !ranges
            .iter()
            .any(|&(lo, hi)| lo <= saved.rip && saved.rip < hi);
    if !movable {
        tracing::warn!(
            "pid {}: its stack or executable cannot be moved into its partition",
            pid
        );
        return Ok((Moved { ranges: Vec::new() }, held, stop));
    }
    let mm = MmFields::read(pid)?;

    for (slot, value) in initial_stack_pointers(&slots, saved.rsp, &ranges) {
        t.write_bytes(slot, &(value - delta).to_ne_bytes())?;
    }
    let code = t.read_bytes(saved.rip, SYSCALL_INSN.len())?;
    t.write_bytes(saved.rip, &SYSCALL_INSN)?;
    // A failure inside loses the token: the error ends the run, which kills the tracee.
    let result = (|mut stop: Stopped| -> Result<Stopped> {
        let flags = (libc::MREMAP_MAYMOVE | libc::MREMAP_FIXED) as u64;
        for &(lo, hi) in &ranges {
            let size = hi - lo;
            let got;
            (got, stop) = inject(
                stop,
                &saved,
                libc::SYS_mremap,
                [lo, size, size, flags, lo - delta, 0],
                &mut held,
            )?;
            ensure!(
                got as u64 == lo - delta,
                "mremap of {lo:#x}-{hi:#x} failed: {}",
                crate::decode::ret_text(got)
            );
        }
        // The struct goes below the (moved) stack pointer, inside the stack mapping.
        let map_at = (saved.rsp - PAGE).max(stack.0) - delta;
        // The brk heap moves with the executable; where the executable stays (position-
        // dependent, or --no-partition-executable) the heap stays beside it, as in the leader:
        // programs place mappings near their executable (V8 hints at addresses past it), and a
        // heap elsewhere in one variant only would make such a hint land differently.
        let mut fields = mm.moved(&ranges, delta);
        // The kernel's copy of the auxiliary vector (/proc/PID/auxv) with the moved addresses,
        // right after the struct, where the stack has room for it.
        let auxv = moved_auxv(pid, &ranges, delta);
        let auxv_at = map_at + MM_MAP_SIZE as u64;
        if !auxv.is_empty() && auxv_at + auxv.len() as u64 <= saved.rsp - delta {
            t.write_bytes(auxv_at, &auxv)?;
            fields.auxv = Some((auxv_at, auxv.len() as u32));
        }
        t.write_bytes(map_at, &fields.to_bytes())?;
        let got;
        (got, stop) = inject(
            stop,
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
                pid,
                crate::decode::ret_text(got)
            );
        }
        Ok(stop)
    })(stop);
    t.write_bytes(saved.rip, &code)?;
    let stop = result?;
    let mut regs = saved;
    regs.rsp -= delta;
    stop.set_regs(&regs)?;
    Ok((Moved { ranges }, held, stop))
}

/// The mappings of a dynamically linked position-independent executable whose entry point
/// the kernel put at `entry` (a static one, or the loader run as a program, lies in the
/// mmap area already).
fn executable_mappings(maps: &[(u64, u64)], image: &elf::Image, entry: u64) -> Vec<(u64, u64)> {
    if !image.position_independent || !image.dynamic || entry < image.entry {
        return Vec::new();
    }
    let bias = entry - image.entry;
    let low = (bias + image.extent.0) & !(PAGE - 1);
    let high = (bias + image.extent.1).div_ceil(PAGE) * PAGE;
    maps.iter()
        .copied()
        .filter(|&(lo, hi)| low <= lo && hi <= high)
        .collect()
}

/// One word of the initial stack block that may hold a pointer: an argv or envp entry, or
/// an auxv entry's value (with its key).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Slot {
    /// Its index in words above rsp.
    index: usize,
    auxv_key: Option<u64>,
    value: u64,
}

/// Walks the initial stack block (argc, argv..., NULL, envp..., NULL, auxv pairs..., AT_NULL)
/// given word `i` above rsp.
fn initial_stack_slots(word: impl Fn(usize) -> Option<u64>) -> Vec<Slot> {
    let mut out = Vec::new();
    let mut i = 1usize; // past argc
                        // argv, then envp, each up to its NULL.
    for _ in 0..2 {
        while let Some(value) = word(i) {
            i += 1;
            if value == 0 {
                break;
            }
            out.push(Slot {
                index: i - 1,
                auxv_key: None,
                value,
            });
        }
    }
    // auxv: (key, value) pairs up to AT_NULL.
    while let (Some(key), Some(value)) = (word(i), word(i + 1)) {
        if key == 0 {
            break;
        }
        out.push(Slot {
            index: i + 1,
            auxv_key: Some(key),
            value,
        });
        i += 2;
    }
    out
}

/// The kernel's auxiliary vector of `pid` with every value inside `ranges` moved `delta`
/// lower (AT_PHDR, AT_ENTRY, AT_EXECFN, AT_RANDOM, ...), ending with AT_NULL; empty if it
/// cannot be read. The vDSO entry stays as the kernel recorded it, as in the leader's.
fn moved_auxv(pid: i32, ranges: &[(u64, u64)], delta: u64) -> Vec<u8> {
    let Ok(raw) = crate::procfs::read(Pid::from_raw(pid), "auxv") else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(raw.len());
    for pair in raw.chunks_exact(16) {
        let key = u64::from_ne_bytes(pair[..8].try_into().unwrap());
        let mut value = u64::from_ne_bytes(pair[8..].try_into().unwrap());
        if key != 0 && ranges.iter().any(|&(lo, hi)| lo <= value && value < hi) {
            value -= delta;
        }
        out.extend(key.to_ne_bytes());
        out.extend(value.to_ne_bytes());
        if key == 0 {
            break;
        }
    }
    out
}

/// The value of auxv entry `key`.
fn auxv_value(slots: &[Slot], key: u64) -> Option<u64> {
    slots
        .iter()
        .find(|s| s.auxv_key == Some(key))
        .map(|s| s.value)
}

/// The slots (addresses, given rsp) pointing into one of `ranges`, with what they hold.
fn initial_stack_pointers(slots: &[Slot], rsp: u64, ranges: &[(u64, u64)]) -> Vec<(u64, u64)> {
    slots
        .iter()
        .filter(|s| ranges.iter().any(|&(lo, hi)| lo <= s.value && s.value < hi))
        .map(|s| (rsp + 8 * s.index as u64, s.value))
        .collect()
}

/// Runs one syscall in the tracee (stopped at a syscall exit, `syscall` at `base.rip`) and
/// returns its result and that syscall's exit stop.
fn inject(
    stop: Stopped,
    base: &user_regs_struct,
    nr: i64,
    args: [u64; 6],
    held: &mut Vec<i32>,
) -> Result<(i64, Stopped)> {
    let mut regs = *base;
    crate::tracee::set_call(&mut regs, nr as u64, args);
    regs.orig_rax = u64::MAX;
    stop.set_regs(&regs)?;
    // Entry stop, possibly a seccomp stop, then the exit stop.
    let stop = run_syscall_stops(stop, 2, Some(nr), held)?;
    Ok((stop.regs()?.rax as i64, stop))
}

/// Resumes the tracee until it has passed `count` syscall stops (entry or exit) and returns
/// the last. On the way it passes over the seccomp stop of `injected` (the filter traces the
/// calls injected here too; another call's seccomp stop is an error: the program runs no code
/// meanwhile) and holds back signals.
fn run_syscall_stops(
    mut stop: Stopped,
    count: usize,
    injected: Option<i64>,
    held: &mut Vec<i32>,
) -> Result<Stopped> {
    let pid = stop.pid();
    let mut seen = 0;
    loop {
        if let Err(e) = stop.cont_to_exit() {
            // ESRCH: killed meanwhile; its end is the next (and last) status to collect.
            let gone = e
                .downcast_ref::<nix::errno::Errno>()
                .is_some_and(|&errno| errno == nix::errno::Errno::ESRCH);
            if !gone {
                return Err(e);
            }
        }
        let Waited { event, stop: next } = crate::tracee::wait_for(pid)?;
        // Only an end comes without a stop.
        let Some(next) = next else {
            return Err(Ended(event).into());
        };
        stop = next;
        match event {
            WaitEvent::SyscallStop(_) => {
                seen += 1;
                if seen == count {
                    return Ok(stop);
                }
            }
            WaitEvent::SeccompStop(_) => {
                let nr = stop.regs()?.orig_rax as i64;
                ensure!(
                    Some(nr) == injected,
                    "pid {pid}: seccomp stop of {} while its image was moved",
                    crate::table::name_of(nr as u64)
                );
                tracing::trace!(%pid, nr, "passing over the seccomp stop of an injected call");
            }
            WaitEvent::SignalStop { sig, .. } => held.push(sig),
            WaitEvent::PtraceEvent { event, .. } => {
                bail!("unexpected ptrace event {event} while moving the stack")
            }
            WaitEvent::Exited { .. } | WaitEvent::Killed { .. } | WaitEvent::Answered { .. } => {
                unreachable!("an end has no stop")
            }
        }
    }
}

/// Every mapping's range, from /proc/PID/maps.
fn mappings(pid: i32) -> Result<Vec<(u64, u64)>> {
    let maps = crate::procfs::read_text(Pid::from_raw(pid), "maps")
        .with_context(|| format!("reading /proc/{pid}/maps"))?;
    Ok(maps.lines().filter_map(parse_range).collect())
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
    /// A new auxiliary vector for the kernel's record (where, how many bytes); `None` keeps it.
    auxv: Option<(u64, u32)>,
}

impl MmFields {
    fn read(pid: i32) -> Result<MmFields> {
        let stat = crate::procfs::read_text(Pid::from_raw(pid), "stat")
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
            auxv: None,
        })
    }

    /// The fields after `ranges` moved `delta` lower (a bound may be a range's end).
    fn moved(mut self, ranges: &[(u64, u64)], delta: u64) -> MmFields {
        for v in [
            &mut self.start_code,
            &mut self.end_code,
            &mut self.start_data,
            &mut self.end_data,
            &mut self.start_brk,
            &mut self.start_stack,
            &mut self.arg_start,
            &mut self.arg_end,
            &mut self.env_start,
            &mut self.env_end,
        ] {
            if ranges.iter().any(|&(lo, hi)| lo <= *v && *v <= hi) {
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
            self.auxv.map_or(0, |(at, _)| at),
        ];
        let mut out = [0u8; MM_MAP_SIZE];
        for (i, w) in words.iter().enumerate() {
            out[i * 8..i * 8 + 8].copy_from_slice(&w.to_ne_bytes());
        }
        // auxv_size (0: kept), exe_fd -1 (kept: changing it would need privilege).
        let auxv_size = self.auxv.map_or(0, |(_, size)| size);
        out[96..100].copy_from_slice(&auxv_size.to_ne_bytes());
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
        let slots = initial_stack_slots(|i| stack.get(i).copied());
        let found = initial_stack_pointers(&slots, rsp, &[(lo, hi)]);
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
    fn finds_auxv_entries_past_argv_and_envp() {
        let stack = [1u64, 0x10, 0, 0x20, 0x30, 0, 6, 4096, 9, 0x5555_1000, 0, 0];
        let slots = initial_stack_slots(|i| stack.get(i).copied());
        assert_eq!(auxv_value(&slots, AT_ENTRY), Some(0x5555_1000));
        assert_eq!(auxv_value(&slots, 3), None);
    }

    #[test]
    fn a_dynamic_pie_moves_with_its_bss_and_nothing_else() {
        let image = elf::Image {
            position_independent: true,
            dynamic: true,
            entry: 0x1100,
            extent: (0, 0x5010),
        };
        let bias = 0x5555_5555_4000;
        let maps = [
            (bias, bias + 0x1000),
            (bias + 0x1000, bias + 0x3000),
            (bias + 0x5000, bias + 0x6000), // data + bss
            (bias + 0x6000, bias + 0x9000), // something after it
            (0x7fff_f7fc_a000, 0x7fff_f7fc_b000),
        ];
        let moved = executable_mappings(&maps, &image, bias + 0x1100);
        assert_eq!(moved, maps[..3].to_vec());
        let fixed = elf::Image {
            position_independent: false,
            ..image
        };
        assert!(executable_mappings(&maps, &fixed, bias + 0x1100).is_empty());
        let loader = elf::Image {
            dynamic: false,
            ..image
        };
        assert!(executable_mappings(&maps, &loader, bias + 0x1100).is_empty());
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
        let m = mm.moved(&[(0x7ffe_0000, 0x8000_0000)], 0x1000_0000);
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
