//! Followers' fds at the leader's numbers.
//!
//! The leader's fd numbers are authoritative: the program only ever sees them. A follower
//! either creates its fd itself (its own copy of a read-only file) or gets an inert
//! placeholder (`/dev/null`) where the leader holds a channel (socket, pipe, writable file).
//! Either way its kernel picks the lowest free number, and in a multi-threaded process that
//! can differ from the leader's: the leader's threads create fds concurrently and without
//! waiting for anyone (an `accept` blocks for as long as it likes). So a follower's new fd is
//! *placed*: if it landed elsewhere, the monitor injects `dup3(got, leader's, flags)` and
//! `close(got)` before the program sees the result.
//!
//! Why the leader's number is free in the follower: follower-side fd-table changes of one
//! process run one group at a time (the process's fd-table turn, `take_fd_table`), and none
//! of them can block (opens of regular files, dup, close, placements). A follower's table is
//! therefore always the leader's minus the leader-only fds still waiting for their placement,
//! and closes complete in every variant before the turn passes on.
//!
//! Several injected calls in a row pass through user mode between them; the follower's signal
//! mask is blocked for that time (PTRACE_SETSIGMASK), so no handler can run on the injected
//! registers. Signals that arrive stay pending and are delivered when the program goes on.

use super::*;
use crate::tracee::{self, SYSCALL_INSN_LEN};
use anyhow::bail;
use std::collections::VecDeque;

/// One follower's placement in progress.
#[derive(Clone, Debug)]
pub(super) struct Placement {
    /// The program's syscall in this follower.
    pub entry: Entry,
    /// The registers to return to the program with: the exit stop of the follower's own call,
    /// or (placeholders, where the program's call never ran) rebuilt from `entry`.
    base: Option<user_regs_struct>,
    /// How the program's call ends once the fds are in place.
    finish: Finish,
    /// Placeholders still to create: (the leader's number, close-on-exec).
    todo: VecDeque<(i32, bool)>,
    step: Step,
    /// The follower's signal mask while injected calls follow each other.
    saved_mask: Option<u64>,
    /// Whether the task was sent back into user mode to re-execute its `syscall`
    /// instruction (its next stop is that call's seccomp stop).
    rewound: bool,
    /// The leader's out-buffers, which the program gets with `Finish::Result` (accept's
    /// peer address). Kept here, not read from the group's call in flight at the end: a
    /// remote follower catching up (`backlog.rs`) is placed long after that call.
    outputs: Option<Outputs>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Finish {
    /// The program sees this result (the leader's) without its call running.
    Result(i64),
    /// The program's own call runs now, on the fd just put in place (a follower's mmap of
    /// its shadow), and stops at its exit like its group's other members.
    Reexecute,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// `openat` of the path at `path` (in the scratch page) with `flags`, for an fd at
    /// `target`: a placeholder (`/dev/null`) or a shadow.
    Open { target: i32, flags: u64, path: u64 },
    /// `dup3(from, target)`.
    Move {
        from: i32,
        target: i32,
        cloexec: bool,
    },
    /// `close(fd)`: the number the kernel picked, now that the fd sits at the leader's.
    Close { fd: i32 },
    /// The program's own call, re-executed (`Finish::Reexecute`).
    Program,
}

impl Step {
    /// The syscall this step injects; `scratch` is the follower's scratch page.
    fn call(self, scratch: u64) -> (i64, [u64; 6]) {
        match self {
            Step::Open { flags, path, .. } => (
                libc::SYS_openat,
                [libc::AT_FDCWD as u64, scratch + path, flags, 0, 0, 0],
            ),
            Step::Move {
                from,
                target,
                cloexec,
            } => (
                libc::SYS_dup3,
                [from as u64, target as u64, cloexec_bits(cloexec), 0, 0, 0],
            ),
            Step::Close { fd } => (libc::SYS_close, [fd as u64, 0, 0, 0, 0, 0]),
            Step::Program => unreachable!("the program's call is not injected"),
        }
    }
}

/// Where the scratch page holds the path of a shadow being opened (`/dev/null` is at 0).
pub(super) const SCRATCH_SHADOW_PATH: u64 = 64;
/// The longest shadow path the scratch page takes.
const MAX_SHADOW_PATH: usize = 4096 - SCRATCH_SHADOW_PATH as usize - 1;

fn placeholder_open(target: i32, cloexec: bool) -> Step {
    Step::Open {
        target,
        flags: libc::O_RDONLY as u64 | cloexec_bits(cloexec),
        path: 0,
    }
}

fn cloexec_bits(cloexec: bool) -> u64 {
    if cloexec {
        libc::O_CLOEXEC as u64
    } else {
        0
    }
}

impl Monitor {
    /// Gives follower `t` (held at the entry of a call the leader ran alone) placeholders at
    /// the leader's new fds `fds` (with their close-on-exec flag in the leader); the program
    /// then sees `result`.
    pub(super) fn start_placeholders(
        &mut self,
        t: TaskId,
        fds: &[(i32, bool)],
        result: i64,
        outputs: Option<Outputs>,
    ) -> Result<()> {
        let task = &mut self.tasks[t];
        let State::AtEntry(entry, stop) = task.take_state() else {
            bail!("task {} is not at a syscall entry", task.tracee.pid);
        };
        let mut todo: VecDeque<(i32, bool)> = fds.iter().copied().collect();
        let Some((target, cloexec)) = todo.pop_front() else {
            bail!("a placement without fds");
        };
        let placement = Placement {
            entry,
            base: None,
            finish: Finish::Result(result),
            todo,
            step: placeholder_open(target, cloexec),
            saved_mask: None,
            rewound: false,
            outputs,
        };
        self.inject_step(t, stop, placement, None)
    }

    /// Moves follower `t`'s new fd (its own call returned it in `regs`, of the exit stop
    /// `stop`) to the leader's number `target`.
    pub(super) fn start_move(
        &mut self,
        t: TaskId,
        stop: Stopped,
        pending: Pending,
        regs: user_regs_struct,
        target: i32,
        leader: Pid,
    ) -> Result<()> {
        let got = regs.rax as i32;
        let Pending::Program(entry) = pending else {
            bail!("only a program's call is moved");
        };
        debug!(task = t, got, target, "fd placed at the leader's number");
        let placement = Placement {
            entry,
            base: Some(regs),
            finish: Finish::Result(target as i64),
            todo: VecDeque::new(),
            step: Step::Move {
                from: got,
                target,
                cloexec: crate::fdtable::is_cloexec(leader, target),
            },
            saved_mask: None,
            rewound: false,
            outputs: None,
        };
        self.inject_step(t, stop, placement, Some(regs))
    }

    /// Puts follower `t`'s shadow (or device) `backing` in place of its placeholder at `fd`,
    /// then lets its own call (an mmap of `fd`) run on it.
    pub(super) fn start_shadow(
        &mut self,
        t: TaskId,
        fd: i32,
        backing: &crate::shadow::Backing,
        cloexec: bool,
    ) -> Result<()> {
        let task = &mut self.tasks[t];
        let State::AtEntry(entry, stop) = task.take_state() else {
            bail!("task {} is not at a syscall entry", task.tracee.pid);
        };
        let scratch = self.procs[task.proc_].spaces[task.variant]
            .scratch
            .context("follower has no scratch page")?;
        let mut path = backing.path_bytes();
        anyhow::ensure!(
            path.len() <= MAX_SHADOW_PATH,
            "shadow path too long: {}",
            String::from_utf8_lossy(&path)
        );
        path.push(0);
        tolerate_gone(
            task.tracee
                .write_bytes(scratch + SCRATCH_SHADOW_PATH, &path),
        )?;
        let placement = Placement {
            entry,
            base: None,
            finish: Finish::Reexecute,
            todo: VecDeque::new(),
            step: Step::Open {
                target: fd,
                flags: libc::O_RDWR as u64 | cloexec_bits(cloexec),
                path: SCRATCH_SHADOW_PATH,
            },
            saved_mask: None,
            rewound: false,
            outputs: None,
        };
        self.inject_step(t, stop, placement, None)
    }

    /// Runs the placement's current step: at the program's entry stop (`at_exit` None) the
    /// call is replaced; at an exit stop the task re-executes its `syscall` instruction.
    fn inject_step(
        &mut self,
        t: TaskId,
        stop: Stopped,
        mut p: Placement,
        at_exit: Option<user_regs_struct>,
    ) -> Result<()> {
        let task = &mut self.tasks[t];
        let scratch = self.procs[task.proc_].spaces[task.variant]
            .scratch
            .context("follower has no scratch page")?;
        let (nr, args) = p.step.call(scratch);
        let mut regs = at_exit.unwrap_or(p.entry.regs);
        tracee::set_call(&mut regs, nr as u64, args);
        if at_exit.is_some() {
            if p.saved_mask.is_none() {
                p.saved_mask = gone_ok(stop.sigmask())?;
                tolerate_gone(stop.set_sigmask(!0))?;
            }
            regs.rip -= SYSCALL_INSN_LEN;
            p.rewound = true;
        }
        tolerate_gone(stop.set_regs(&regs))?;
        // Every injected call is traced (the filter lets fd calls through only from the
        // fast-path gadget): after a rewind the next stop is its seccomp stop.
        let how = if p.rewound {
            Resume::Cont(None)
        } else {
            Resume::ToExit(None)
        };
        let next = State::InSyscall(Pending::Placement(Box::new(p)));
        tolerate_gone(task.resume_from(stop, next, how))
    }

    /// The seccomp stop of a re-executed placement call: run it to its exit.
    pub(super) fn placement_entered(&mut self, t: TaskId, stop: Stopped) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        let State::InSyscall(Pending::Placement(p)) = &mut task.state else {
            unreachable!("checked by the caller")
        };
        if !std::mem::take(&mut p.rewound) {
            bail!(
                "task {}: unexpected syscall entry during an fd placement",
                task.tracee.pid
            );
        }
        if p.step == Step::Program {
            // The program's own call, re-executed on the fd put in place: it runs like its
            // group's other members' (to its exit stop).
            let State::InSyscall(Pending::Placement(p)) = task.take_state() else {
                unreachable!()
            };
            if let Some(mask) = p.saved_mask {
                tolerate_gone(stop.set_sigmask(mask))?;
            }
            task.state = State::InSyscall(Pending::Program(p.entry));
        }
        tolerate_gone(Resume::ToExit(None).apply(stop)).map(|()| None)
    }

    /// The exit stop of a placement step.
    pub(super) fn placement_step_done(
        &mut self,
        t: TaskId,
        stop: Stopped,
        mut p: Placement,
        regs: user_regs_struct,
    ) -> Result<Option<Stop>> {
        let got = regs.rax as i64;
        let next = match p.step {
            Step::Open { target, .. } if got == target as i64 => None,
            Step::Open { target, flags, .. } if got >= 0 => Some(Step::Move {
                from: got as i32,
                target,
                cloexec: flags & libc::O_CLOEXEC as u64 != 0,
            }),
            Step::Move { from, target, .. } if got == target as i64 => {
                Some(Step::Close { fd: from })
            }
            Step::Close { .. } => None,
            Step::Open { target, .. } | Step::Move { target, .. } => {
                return self.placement_failed(t, stop, p, target, got);
            }
            Step::Program => bail!("the program's call is not a placement step"),
        };
        let next = next.or_else(|| {
            p.todo
                .pop_front()
                .map(|(target, cloexec)| placeholder_open(target, cloexec))
        });
        match next {
            Some(step) => {
                p.step = step;
                self.inject_step(t, stop, p, Some(regs)).map(|()| None)
            }
            None => self.finish_placement(t, stop, p, regs),
        }
    }

    fn placement_failed(
        &mut self,
        t: TaskId,
        stop: Stopped,
        p: Placement,
        target: i32,
        got: i64,
    ) -> Result<Option<Stop>> {
        let task = &mut self.tasks[t];
        let name = table::name_of(p.entry.call.raw.nr);
        let msg = format!(
            "fd numbers went out of step: variant {} could not place fd {target} of {name} \
             (the injected call returned {})",
            task.variant,
            decode::ret_text(got),
        );
        task.state = State::AtEntry(p.entry, stop);
        let g = task.group;
        Ok(Some(Stop::Diverged(self.divergence(
            g,
            DivergenceKind::ResultMismatch,
            msg,
            Some(name),
        ))))
    }

    /// Every fd is in place: the program goes on with the leader's result (and out-buffers),
    /// or its own call runs now.
    fn finish_placement(
        &mut self,
        t: TaskId,
        stop: Stopped,
        mut p: Placement,
        regs: user_regs_struct,
    ) -> Result<Option<Stop>> {
        let result = match p.finish {
            Finish::Result(r) => r,
            Finish::Reexecute => {
                // Back into the program's syscall instruction; the signal mask stays blocked
                // until its seccomp stop (`placement_entered`).
                let task = &mut self.tasks[t];
                let mut again = p.entry.regs;
                again.rip = regs.rip - SYSCALL_INSN_LEN;
                again.rax = p.entry.call.raw.nr;
                tolerate_gone(stop.set_regs(&again))?;
                p.step = Step::Program;
                p.rewound = true;
                let next = State::InSyscall(Pending::Placement(Box::new(p)));
                let resumed = task.resume_from(stop, next, Resume::Cont(None));
                return tolerate_gone(resumed).map(|()| None);
            }
        };
        let g = self.tasks[t].group;
        let outputs = p.outputs.take();
        let task = &mut self.tasks[t];
        if let Some(mask) = p.saved_mask {
            tolerate_gone(stop.set_sigmask(mask))?;
        }
        let mut restored = match p.base {
            Some(base) => base,
            None => {
                if let Some(out) = &outputs {
                    tolerate_gone(out.apply(&task.tracee, &p.entry.call.raw))?;
                }
                let mut r = p.entry.regs;
                r.orig_rax = p.entry.call.raw.nr;
                r
            }
        };
        restored.rax = result as u64;
        restored.rip = regs.rip;
        tolerate_gone(stop.set_regs(&restored))?;
        task.history.set_last_result(&decode::ret_text(result));
        tolerate_gone(task.resume_from(stop, State::Running, Resume::Cont(None)))?;
        let v = task.variant;
        if let Some(f) = &mut self.groups[g].in_flight {
            f.remaining.remove(&v);
        }
        self.close_in_flight_if_done(g, Ok(None))
    }
}
