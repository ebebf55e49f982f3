//! Starting a variant: fork, become a tracee, install the seccomp filter, exec.

use crate::seccomp;
use anyhow::{bail, Context, Result};
use nix::sys::ptrace::{self, Options};
use nix::sys::signal::SigSet;
use nix::unistd::{ForkResult, Pid};
use std::ffi::CString;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Why a program could not be started; maps to the shell's 126/127 statuses.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}: command not found")]
    NotFound(String),
    #[error("{0}: {1}")]
    CannotExecute(String, String),
}

impl StartError {
    pub fn exit_status(&self) -> i32 {
        match self {
            StartError::NotFound(_) => crate::exit_status::NOT_FOUND,
            StartError::CannotExecute(..) => crate::exit_status::CANNOT_EXECUTE,
        }
    }
}

/// Resolves a program the way a shell does: names without '/' are looked up in PATH.
pub fn resolve_program(prog: &str) -> Result<PathBuf, StartError> {
    let candidate = if prog.contains('/') {
        PathBuf::from(prog)
    } else {
        let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into());
        std::env::split_paths(&path)
            .map(|dir| dir.join(prog))
            .find(|p| is_executable_file(p))
            .ok_or_else(|| StartError::NotFound(prog.to_string()))?
    };
    let meta = std::fs::metadata(&candidate).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            StartError::NotFound(prog.to_string())
        } else {
            StartError::CannotExecute(prog.to_string(), e.to_string())
        }
    })?;
    if meta.is_dir() {
        return Err(StartError::CannotExecute(
            prog.into(),
            "Is a directory".into(),
        ));
    }
    if !is_executable_file(&candidate) {
        return Err(StartError::CannotExecute(
            prog.into(),
            "Permission denied".into(),
        ));
    }
    Ok(candidate)
}

fn is_executable_file(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else {
        return false;
    };
    meta.is_file()
        && meta.permissions().mode() & 0o111 != 0
        && nix::unistd::access(p, nix::unistd::AccessFlags::X_OK).is_ok()
}

/// A variant that has been forked and is stopped before its seccomp filter and exec.
pub struct Spawned {
    pub pid: Pid,
    /// Read end of a close-on-exec pipe: the child writes its exec errno here if exec fails.
    pub exec_error: OwnedFd,
}

/// Children and threads are traced from their first instruction and inherit these options.
pub const TRACE_OPTIONS: Options = Options::PTRACE_O_TRACESECCOMP
    .union(Options::PTRACE_O_TRACESYSGOOD)
    .union(Options::PTRACE_O_TRACEEXEC)
    .union(Options::PTRACE_O_TRACEFORK)
    .union(Options::PTRACE_O_TRACEVFORK)
    .union(Options::PTRACE_O_TRACECLONE)
    .union(Options::PTRACE_O_EXITKILL);

/// Where a variant's memory goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// The kernel's randomisation (`--aslr`).
    Randomized,
    /// No randomisation: every variant gets the same addresses.
    Fixed,
    /// No randomisation, and variant `index`'s mmap area (shared libraries, large heap
    /// blocks, thread stacks, anonymous mappings) starts `index * PARTITION_STEP` lower than
    /// the leader's. The kernel places the mmap base below the stack's rlimit at exec, so a
    /// larger RLIMIT_STACK per variant moves it; the step is a multiple of 1 GiB, so address
    /// alignment (which allocators depend on) is the same in every variant. The stack and a
    /// position-independent executable are moved as far at the exec stop (`exec_move.rs`).
    Partitioned { index: usize },
}

/// How far apart the variants' mmap areas start: 64 GiB per variant.
pub const PARTITION_STEP: u64 = 64 << 30;

/// The stack rlimit that puts variant `index`'s mmap base exactly `index * PARTITION_STEP`
/// below the leader's, whose soft limit is `current`. Without randomisation the kernel puts
/// the mmap base `max(rlimit + guard gap, 128 MiB)` below the top of the address space (the
/// guard gap is 1 MiB by default).
pub fn partition_stack_limit(current: u64, index: usize) -> u64 {
    const GUARD_GAP: u64 = 1 << 20;
    const MIN_GAP: u64 = 128 << 20;
    let leader_gap = if current == libc::RLIM_INFINITY {
        // The leader's area then starts far lower (at a sixth of the address space); any
        // follower offset from the top keeps clear of it.
        MIN_GAP
    } else {
        current.saturating_add(GUARD_GAP).max(MIN_GAP)
    };
    leader_gap + index as u64 * PARTITION_STEP - GUARD_GAP
}

/// Forks a variant that will exec `program` with `argv` and `envp` under the monitor.
///
/// `child_sigmask` is the signal mask the program should start with (the monitor blocks the
/// signals it reads through a signalfd), `ignored` the signals it starts ignoring (bit
/// `sig - 1`), as it would have inherited them from mvx's parent.
pub fn spawn(
    program: &Path,
    argv: &[CString],
    envp: &[CString],
    child_sigmask: &SigSet,
    ignored: u64,
    layout: Layout,
    level: seccomp::Level,
) -> Result<Spawned> {
    let path = CString::new(program.as_os_str().as_bytes()).context("path has a NUL byte")?;
    let mut argv_ptrs: Vec<*const libc::c_char> = argv.iter().map(|a| a.as_ptr()).collect();
    argv_ptrs.push(std::ptr::null());
    let mut envp_ptrs: Vec<*const libc::c_char> = envp.iter().map(|a| a.as_ptr()).collect();
    envp_ptrs.push(std::ptr::null());
    let filter = seccomp::table_filter(level);
    let (err_read, err_write) =
        nix::unistd::pipe2(nix::fcntl::OFlag::O_CLOEXEC).context("creating exec-error pipe")?;
    let monitor_pid = nix::unistd::getpid();

    // SAFETY: the monitor is single-threaded; the child only makes async-signal-safe calls on
    // memory prepared before the fork, then execs or _exits.
    match unsafe { nix::unistd::fork() }.context("fork")? {
        ForkResult::Child => unsafe {
            let fail = |errno: i32| -> ! {
                let bytes = errno.to_ne_bytes();
                libc::write(err_write.as_raw_fd(), bytes.as_ptr().cast(), bytes.len());
                libc::_exit(crate::exit_status::CANNOT_EXECUTE);
            };
            libc::sigprocmask(
                libc::SIG_SETMASK,
                child_sigmask.as_ref(),
                std::ptr::null_mut(),
            );
            // Dispositions survive exec only as ignored or default: set every one as asked
            // (the Rust runtime ignores SIGPIPE in mvx; a follower host's mvx may have been
            // started with others ignored than the leader's).
            for sig in 1..=64 {
                if sig == libc::SIGKILL || sig == libc::SIGSTOP {
                    continue;
                }
                let how = if ignored & (1 << (sig - 1)) != 0 {
                    libc::SIG_IGN
                } else {
                    libc::SIG_DFL
                };
                libc::signal(sig, how);
            }
            // Until PTRACE_O_EXITKILL is set, this covers a monitor that dies early.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            if libc::getppid() != monitor_pid.as_raw() {
                libc::_exit(crate::exit_status::MONITOR_ERROR);
            }
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
                fail(*libc::__errno_location());
            }
            if layout != Layout::Randomized {
                // Address-dependent behaviour (allocator alignment, pointer-keyed hashing) must
                // not make honest variants diverge; see `Config::aslr`.
                let current = libc::personality(0xffff_ffff);
                libc::personality((current | libc::ADDR_NO_RANDOMIZE) as libc::c_ulong);
            }
            if let Layout::Partitioned { index, .. } = layout {
                let mut lim = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                if index > 0 && libc::getrlimit(libc::RLIMIT_STACK, &mut lim) == 0 {
                    // Checked by the monitor (`/proc/PID/limits`) before the exec.
                    let want = partition_stack_limit(lim.rlim_cur, index);
                    if lim.rlim_max == libc::RLIM_INFINITY || lim.rlim_max >= want {
                        lim.rlim_cur = want;
                        libc::setrlimit(libc::RLIMIT_STACK, &lim);
                    }
                }
            }
            // rdtsc/rdtscp fault (SIGSEGV), so the monitor can give every variant one value.
            // Survives exec and is inherited by children.
            libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV);
            libc::raise(libc::SIGSTOP);
            if let Err(errno) = seccomp::install(&filter) {
                fail(errno);
            }
            libc::execve(path.as_ptr(), argv_ptrs.as_ptr(), envp_ptrs.as_ptr());
            fail(*libc::__errno_location());
        },
        ForkResult::Parent { child } => {
            drop(err_write);
            let mut status = 0;
            // SAFETY: plain waitpid(2) on our own child with a valid out pointer.
            if unsafe { libc::waitpid(child.as_raw(), &mut status, 0) } != child.as_raw() {
                return Err(std::io::Error::last_os_error()).context("waiting for the new variant");
            }
            let stop = match crate::events::Waited::decode(child, status) {
                crate::events::Waited {
                    event:
                        crate::events::WaitEvent::SignalStop {
                            sig: libc::SIGSTOP, ..
                        },
                    stop: Some(stop),
                } => stop,
                other => bail!(
                    "variant {child} did not stop before exec: {:?}",
                    other.event
                ),
            };
            if let Layout::Partitioned { index, .. } = layout {
                check_partition(child, index);
            }
            ptrace::setoptions(child, TRACE_OPTIONS).context("PTRACE_SETOPTIONS")?;
            stop.cont(None).context("resuming the new variant")?;
            Ok(Spawned {
                pid: child,
                exec_error: err_read,
            })
        }
    }
}

/// The signals the program inherits as ignored (bit `sig - 1`): those mvx's parent left
/// ignored, read from /proc, but SIGPIPE, which the Rust runtime ignores in mvx itself.
pub fn inherited_ignored() -> u64 {
    let ignored = crate::procfs::ignored_signals(nix::unistd::getpid());
    ignored & !(1 << (libc::SIGPIPE - 1))
}

/// A signal set as bits (bit `sig - 1`).
pub fn sigset_bits(set: &SigSet) -> u64 {
    (1..=64)
        .filter(|&sig| {
            // SAFETY: sigismember on an initialised set.
            unsafe { libc::sigismember(set.as_ref(), sig) == 1 }
        })
        .fold(0, |bits, sig| bits | 1 << (sig - 1))
}

/// The signal set of `bits` (bit `sig - 1`).
pub fn sigset_of(bits: u64) -> SigSet {
    // SAFETY: sigemptyset initialises the set; sigaddset takes real-time signals too, which
    // nix's `Signal` cannot name.
    unsafe {
        let mut raw: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut raw);
        for sig in 1..=64 {
            if bits & (1 << (sig - 1)) != 0 {
                libc::sigaddset(&mut raw, sig);
            }
        }
        SigSet::from_sigset_t_unchecked(raw)
    }
}

/// Warns if variant `index` (> 0) could not get its larger stack rlimit (a hard limit below
/// it): its mmap area then overlaps the leader's.
fn check_partition(child: Pid, index: usize) {
    if index == 0 {
        return;
    }
    let limit = std::fs::read_to_string(format!("/proc/{child}/limits"))
        .ok()
        .and_then(|text| {
            text.lines()
                .find(|l| l.starts_with("Max stack size"))
                .and_then(|l| l.split_whitespace().nth(3).map(str::to_string))
        });
    let raised = limit.as_deref().is_some_and(|soft| {
        soft == "unlimited" || soft.parse::<u64>().is_ok_and(|v| v >= PARTITION_STEP)
    });
    if !raised {
        tracing::warn!(
            "variant {index}: the stack hard limit is too low to move its mmap area \
             (address-space partitioning off for it; raise `ulimit -Hs`)"
        );
    }
}

/// Reads the errno a child reported through the exec-error pipe, if any.
pub fn exec_errno(fd: &OwnedFd) -> Option<i32> {
    let mut buf = [0u8; 4];
    match nix::unistd::read(fd, &mut buf) {
        Ok(4) => Some(i32::from_ne_bytes(buf)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signal_sets_survive_as_bits() {
        let bits = 1 << (libc::SIGINT - 1) | 1 << (libc::SIGRTMIN() - 1) | 1 << 63;
        assert_eq!(sigset_bits(&sigset_of(bits)), bits);
        assert_eq!(sigset_bits(&SigSet::empty()), 0);
    }

    #[test]
    fn partitions_start_whole_steps_apart() {
        // 8 MiB soft limit: the leader's gap is the 128 MiB minimum.
        let mib = 1u64 << 20;
        assert_eq!(
            partition_stack_limit(8 * mib, 1) + mib,
            128 * mib + PARTITION_STEP
        );
        assert_eq!(
            partition_stack_limit(8 * mib, 3) + mib,
            128 * mib + 3 * PARTITION_STEP
        );
        // A 1 GiB limit: the leader's gap is 1 GiB + the guard gap.
        assert_eq!(
            partition_stack_limit(1024 * mib, 1),
            1024 * mib + PARTITION_STEP
        );
    }
}
