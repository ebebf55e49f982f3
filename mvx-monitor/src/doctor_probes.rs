//! The kernel and CPU features `mvx doctor` asks about, each tried for real in a forked child
//! (so that a feature that turns itself on, or kills the task that tries it, leaves mvx as it
//! was). The children make raw system calls only, and never dump core.

use anyhow::{bail, Result};

/// How a probe child ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChildEnd {
    Exited(i32),
    Signaled(i32),
    Stopped(i32),
}

/// What a feature probe found: the feature works, the kernel refused it (errno), or it was
/// accepted but did not take effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    Works,
    Refused(i32),
    NoEffect,
}

const ARCH_SET_CPUID: libc::c_long = 0x1012;
const PR_SET_SYSCALL_USER_DISPATCH: libc::c_int = 59;
const PR_SYS_DISPATCH_OFF: libc::c_ulong = 0;
const PR_SYS_DISPATCH_ON: libc::c_ulong = 1;
/// A child's exit status for "the call failed": 100 + errno, so the errno comes back.
const FAILED_BASE: i32 = 100;

/// Runs `body` in a forked child that exits with its return value; a stopped child is killed.
fn in_child(body: impl FnOnce() -> i32) -> Result<ChildEnd> {
    // SAFETY: the child only makes system calls (no allocation, no locks) and then _exits.
    let pid = unsafe { libc::fork() };
    if pid < 0 {
        bail!("fork: {}", std::io::Error::last_os_error());
    }
    if pid == 0 {
        let no_core = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain system calls in the child.
        unsafe {
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            libc::_exit(body());
        }
    }
    let end = wait(pid)?;
    if let ChildEnd::Stopped(_) = end {
        // SAFETY: our own child.
        unsafe { libc::kill(pid, libc::SIGKILL) };
        wait(pid)?;
    }
    Ok(end)
}

fn wait(pid: libc::pid_t) -> Result<ChildEnd> {
    let mut status = 0;
    loop {
        // SAFETY: waits for our own child.
        let r = unsafe { libc::waitpid(pid, &mut status, libc::WUNTRACED) };
        if r == pid {
            break;
        }
        let err = std::io::Error::last_os_error();
        if err.raw_os_error() != Some(libc::EINTR) {
            bail!("waitpid: {err}");
        }
    }
    Ok(if libc::WIFSTOPPED(status) {
        ChildEnd::Stopped(libc::WSTOPSIG(status))
    } else if libc::WIFSIGNALED(status) {
        ChildEnd::Signaled(libc::WTERMSIG(status))
    } else {
        ChildEnd::Exited(libc::WEXITSTATUS(status))
    })
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn failed() -> i32 {
    FAILED_BASE + errno().min(100)
}

/// Reads a child's end as a probe's result: `expected` is how it ends when the feature works.
fn judge(end: ChildEnd, expected: ChildEnd) -> Probe {
    match end {
        e if e == expected => Probe::Works,
        ChildEnd::Exited(code) if code >= FAILED_BASE => Probe::Refused(code - FAILED_BASE),
        _ => Probe::NoEffect,
    }
}

/// What mvx does to start a variant: the child asks to be traced and stops itself.
pub fn ptrace_traceme() -> Result<Probe> {
    let end = in_child(|| {
        // SAFETY: plain system calls.
        unsafe {
            if libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0) != 0 {
                return failed();
            }
            libc::raise(libc::SIGSTOP);
        }
        0
    })?;
    Ok(judge(end, ChildEnd::Stopped(libc::SIGSTOP)))
}

/// A seccomp filter (allow everything), installed as an unprivileged process does.
pub fn seccomp_filter() -> Result<Probe> {
    let end = in_child(|| {
        let allow = [libc::sock_filter {
            code: (libc::BPF_RET | libc::BPF_K) as u16,
            jt: 0,
            jf: 0,
            k: libc::SECCOMP_RET_ALLOW,
        }];
        let prog = libc::sock_fprog {
            len: 1,
            filter: allow.as_ptr() as *mut libc::sock_filter,
        };
        // SAFETY: plain system calls; `prog` outlives them.
        unsafe {
            if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0
                || libc::prctl(
                    libc::PR_SET_SECCOMP,
                    libc::SECCOMP_MODE_FILTER,
                    &prog as *const libc::sock_fprog,
                ) != 0
            {
                return failed();
            }
        }
        0
    })?;
    Ok(judge(end, ChildEnd::Exited(0)))
}

/// CPUID faulting: after `arch_prctl(ARCH_SET_CPUID, 0)` a cpuid instruction must fault.
pub fn cpuid_faulting() -> Result<Probe> {
    let end = in_child(|| {
        // SAFETY: a plain system call, then cpuid, which every x86_64 CPU has.
        #[allow(unused_unsafe)]
        unsafe {
            if libc::syscall(libc::SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0 {
                return failed();
            }
            std::hint::black_box(core::arch::x86_64::__cpuid(0));
        }
        0
    })?;
    Ok(judge(end, ChildEnd::Signaled(libc::SIGSEGV)))
}

/// rdtsc trapping: after `prctl(PR_SET_TSC, PR_TSC_SIGSEGV)` an rdtsc instruction must fault.
pub fn rdtsc_trapping() -> Result<Probe> {
    let end = in_child(|| {
        // SAFETY: a plain system call, then rdtsc.
        unsafe {
            if libc::prctl(libc::PR_SET_TSC, libc::PR_TSC_SIGSEGV) != 0 {
                return failed();
            }
            std::hint::black_box(core::arch::x86_64::_rdtsc());
        }
        0
    })?;
    Ok(judge(end, ChildEnd::Signaled(libc::SIGSEGV)))
}

/// Syscall User Dispatch: switched on (with its selector at "allow", so the child's own calls
/// still run) and off again.
pub fn syscall_user_dispatch() -> Result<Probe> {
    let end = in_child(|| {
        let selector: u8 = 0; // SYSCALL_DISPATCH_FILTER_ALLOW
                              // SAFETY: plain system calls; `selector` outlives the dispatch being on.
        unsafe {
            if libc::prctl(
                PR_SET_SYSCALL_USER_DISPATCH,
                PR_SYS_DISPATCH_ON,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                &selector as *const u8,
            ) != 0
            {
                return failed();
            }
            libc::prctl(
                PR_SET_SYSCALL_USER_DISPATCH,
                PR_SYS_DISPATCH_OFF,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
                0 as libc::c_ulong,
            );
        }
        0
    })?;
    Ok(judge(end, ChildEnd::Exited(0)))
}

/// Free bytes of the file system at `path` for an unprivileged user, or None if it cannot be
/// asked.
pub fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    // SAFETY: statvfs fills the struct it is given.
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid path and struct.
    if unsafe { libc::statvfs(c.as_ptr(), &mut st) } != 0 {
        return None;
    }
    Some(st.f_bavail as u64 * st.f_frsize as u64)
}

/// Whether this user may create files in `dir`.
pub fn writable(dir: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: a valid path.
    unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_child_that_ends_as_expected_means_the_feature_works() {
        let segv = ChildEnd::Signaled(libc::SIGSEGV);
        assert_eq!(judge(segv, segv), Probe::Works);
        assert_eq!(
            judge(ChildEnd::Exited(FAILED_BASE + libc::ENODEV), segv),
            Probe::Refused(libc::ENODEV)
        );
        assert_eq!(judge(ChildEnd::Exited(0), segv), Probe::NoEffect);
    }

    #[test]
    fn probes_run_and_leave_this_process_alone() {
        // Whatever this machine allows, every probe returns, and this process can still read
        // the TSC and run cpuid afterwards.
        for probe in [
            ptrace_traceme,
            seccomp_filter,
            cpuid_faulting,
            rdtsc_trapping,
            syscall_user_dispatch,
        ] {
            probe().unwrap();
        }
        // SAFETY: plain instructions.
        #[allow(unused_unsafe)]
        unsafe {
            std::hint::black_box(core::arch::x86_64::_rdtsc());
            std::hint::black_box(core::arch::x86_64::__cpuid(0));
        }
    }
}
