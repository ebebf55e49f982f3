//! A thin typed layer over ptrace and cross-process memory access.
//!
//! Two handles, so that the stop state is in the types:
//!
//! - [`Stopped`] is the proof that a tracee is held at a ptrace stop. Only a wait status that
//!   reports a stop of that pid creates one ([`Stopped::from_wait_status`]); it is neither
//!   `Copy` nor `Clone`, so there is one per stop. Everything ptrace allows only at a stop
//!   (registers, signal mask, siginfo, the event message) borrows it, and every resume
//!   consumes it: a tracee cannot be resumed twice from one stop, nor touched after its resume.
//!   The monitor keeps each token in the state of the task held at that stop (the stopped
//!   variants of `monitor::task::State` own one, the running ones cannot), so resuming a task
//!   means leaving its stopped state.
//! - [`Tracee`] is the pid: memory access and SIGKILL, which the kernel allows in any state.
//!   Memory stays on the pid on purpose: the monitor reads a task's memory only while holding
//!   that task at a stop, but a stop of one thread does not stop its siblings, which share the
//!   address space, so a token would not make such reads any more meaningful; and the pure
//!   capture/replicate code reads memory of tasks it has no business resuming.
//!
//! ```compile_fail
//! // A stop cannot be copied...
//! fn twice(s: mvx_monitor::tracee::Stopped) -> (mvx_monitor::tracee::Stopped, mvx_monitor::tracee::Stopped) {
//!     (s, s)
//! }
//! ```
//!
//! ```compile_fail
//! // ...or cloned...
//! fn needs_clone<T: Clone>() {}
//! needs_clone::<mvx_monitor::tracee::Stopped>();
//! ```
//!
//! ```compile_fail
//! // ...nor used once the tracee was resumed from it.
//! fn resume_then_read(s: mvx_monitor::tracee::Stopped) {
//!     let _ = s.cont(None);
//!     let _ = s.regs();
//! }
//! ```
//!
//! ```compile_fail
//! // ...nor made up from a pid.
//! let s = mvx_monitor::tracee::Stopped { pid: nix::unistd::Pid::from_raw(1) };
//! ```
//!
//! ```
//! // Whereas a wait status that is no stop gives no token (exit status 0).
//! use mvx_monitor::tracee::Stopped;
//! assert!(Stopped::from_wait_status(nix::unistd::Pid::from_raw(1), 0).is_none());
//! ```

use anyhow::{Context, Result};
use libc::user_regs_struct;
use nix::sys::ptrace;
use nix::sys::uio::{process_vm_readv, process_vm_writev, RemoteIoVec};
use nix::unistd::Pid;
use std::fs::OpenOptions;
use std::io::{IoSlice, IoSliceMut};
use std::os::unix::fs::FileExt;

use crate::remote::link as remote;

/// kill(2) of a tracee, local or remote; a tracee that is gone already is no error.
pub fn signal(pid: Pid, sig: i32) {
    if remote::is_remote(pid) {
        let _ = remote::signal(pid, sig);
    } else {
        // SAFETY: plain kill(2).
        unsafe { libc::kill(pid.as_raw(), sig) };
    }
}

/// tkill(2) of a tracee's thread, local or remote.
pub fn thread_signal(tid: Pid, sig: i32) {
    if remote::is_remote(tid) {
        let _ = remote::thread_signal(tid, sig);
    } else {
        // SAFETY: plain tkill(2) on a task of ours.
        unsafe { libc::syscall(libc::SYS_tkill, tid.as_raw(), sig) };
    }
}

/// Blocks until tracee `pid`, local or remote, has a wait status, and returns it.
pub fn wait_for(pid: Pid) -> Result<crate::events::Waited> {
    if remote::is_remote(pid) {
        return remote::wait_for(pid);
    }
    let mut status = 0;
    // SAFETY: plain waitpid(2) on our own tracee with a valid out pointer.
    let got = unsafe { libc::waitpid(pid.as_raw(), &mut status, libc::__WALL) };
    if got != pid.as_raw() {
        anyhow::bail!("waiting for pid {pid}: {}", std::io::Error::last_os_error());
    }
    Ok(crate::events::Waited::decode(pid, status))
}

/// The errno an error of a remote operation carries (ESRCH if none: the link is gone).
fn errno_of(e: &anyhow::Error) -> nix::errno::Errno {
    e.chain()
        .find_map(|c| c.downcast_ref::<nix::errno::Errno>().copied())
        .unwrap_or(nix::errno::Errno::ESRCH)
}

/// Length of the `syscall` instruction (0f 05): rewinding rip by this much re-executes it.
pub const SYSCALL_INSN_LEN: u64 = 2;

const PTRACE_GETSIGMASK: libc::c_uint = 0x420a;
const PTRACE_SETSIGMASK: libc::c_uint = 0x420b;

/// Upper bound on a C string read from a tracee (paths, argv entries).
const MAX_CSTR: usize = 1 << 20;

/// A tracee held at a ptrace stop; see the module documentation.
#[derive(Debug)]
#[must_use = "a stopped tracee stays stopped until it is resumed"]
pub struct Stopped {
    pid: Pid,
}

impl Stopped {
    /// The stop a wait status of `pid` reports, if it reports one (`WIFSTOPPED`: any ptrace
    /// stop, seccomp, syscall, event, signal-delivery and group stops alike).
    pub fn from_wait_status(pid: Pid, status: i32) -> Option<Stopped> {
        libc::WIFSTOPPED(status).then_some(Stopped { pid })
    }

    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// The pid, for memory access.
    pub fn tracee(&self) -> Tracee {
        Tracee::new(self.pid)
    }

    pub fn regs(&self) -> Result<user_regs_struct> {
        if remote::is_remote(self.pid) {
            return remote::regs(self.pid);
        }
        ptrace::getregs(self.pid).with_context(|| format!("PTRACE_GETREGS pid {}", self.pid))
    }

    pub fn set_regs(&self, regs: &user_regs_struct) -> Result<()> {
        if remote::is_remote(self.pid) {
            return remote::set_regs(self.pid, regs);
        }
        ptrace::setregs(self.pid, *regs).with_context(|| format!("PTRACE_SETREGS pid {}", self.pid))
    }

    /// Resume until the next seccomp stop (no syscall-exit stop), delivering `sig` if given.
    pub fn cont(self, sig: Option<i32>) -> Result<()> {
        if remote::is_remote(self.pid) {
            return remote::resume(self.pid, crate::remote::wire::ResumeHow::Cont, sig);
        }
        self.restart(libc::PTRACE_CONT, sig)
            .with_context(|| format!("PTRACE_CONT pid {}", self.pid))
    }

    /// Resume and stop again at the exit of the current syscall.
    pub fn cont_to_exit(self) -> Result<()> {
        self.cont_to_exit_with(None)
    }

    /// Like `cont_to_exit`, delivering `sig` if given.
    pub fn cont_to_exit_with(self, sig: Option<i32>) -> Result<()> {
        if remote::is_remote(self.pid) {
            return remote::resume(self.pid, crate::remote::wire::ResumeHow::Syscall, sig);
        }
        self.restart(libc::PTRACE_SYSCALL, sig)
            .with_context(|| format!("PTRACE_SYSCALL pid {}", self.pid))
    }

    fn restart(&self, request: libc::c_uint, sig: Option<i32>) -> Result<(), nix::errno::Errno> {
        // SAFETY: a ptrace restart request takes no pointers; nix's wrappers cannot carry
        // real-time signals, hence the raw call.
        let rc = unsafe {
            libc::ptrace(
                request,
                self.pid.as_raw(),
                0,
                sig.unwrap_or(0) as libc::c_long,
            )
        };
        if rc == -1 {
            Err(nix::errno::Errno::last())
        } else {
            Ok(())
        }
    }

    /// The message of a PTRACE_EVENT stop (the new task of a clone, the former pid at exec).
    pub fn event_message(&self) -> Result<libc::c_long> {
        if remote::is_remote(self.pid) {
            return remote::event_message(self.pid);
        }
        ptrace::getevent(self.pid).with_context(|| format!("PTRACE_GETEVENTMSG pid {}", self.pid))
    }

    /// The siginfo of the signal of a signal-delivery stop (EINVAL at a group-stop).
    pub fn siginfo(&self) -> nix::Result<libc::siginfo_t> {
        if remote::is_remote(self.pid) {
            return remote::siginfo(self.pid).map_err(|e| errno_of(&e));
        }
        ptrace::getsiginfo(self.pid)
    }

    /// Replaces the siginfo the signal of a signal-delivery stop is delivered with.
    pub fn set_siginfo(&self, info: &libc::siginfo_t) -> nix::Result<()> {
        if remote::is_remote(self.pid) {
            return remote::set_siginfo(self.pid, info).map_err(|e| errno_of(&e));
        }
        ptrace::setsiginfo(self.pid, info)
    }

    /// The blocked-signal mask (PTRACE_GETSIGMASK).
    pub fn sigmask(&self) -> Result<u64> {
        if remote::is_remote(self.pid) {
            return remote::sigmask(self.pid);
        }
        let mut mask: u64 = 0;
        // SAFETY: the kernel writes 8 bytes (the size passed as addr) to `mask`.
        let rc = unsafe {
            libc::ptrace(
                PTRACE_GETSIGMASK,
                self.pid.as_raw(),
                std::mem::size_of::<u64>(),
                &mut mask as *mut u64,
            )
        };
        if rc == -1 {
            return Err(nix::errno::Errno::last())
                .with_context(|| format!("PTRACE_GETSIGMASK pid {}", self.pid));
        }
        Ok(mask)
    }

    /// Sets the blocked-signal mask (PTRACE_SETSIGMASK); SIGKILL and SIGSTOP stay unblocked.
    pub fn set_sigmask(&self, mask: u64) -> Result<()> {
        if remote::is_remote(self.pid) {
            return remote::set_sigmask(self.pid, mask);
        }
        // SAFETY: the kernel reads 8 bytes from `mask`.
        let rc = unsafe {
            libc::ptrace(
                PTRACE_SETSIGMASK,
                self.pid.as_raw(),
                std::mem::size_of::<u64>(),
                &mask as *const u64,
            )
        };
        if rc == -1 {
            return Err(nix::errno::Errno::last())
                .with_context(|| format!("PTRACE_SETSIGMASK pid {}", self.pid));
        }
        Ok(())
    }
}

/// A tracee's pid: memory access and SIGKILL, legal whether or not it is stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Tracee {
    pub pid: Pid,
}

impl Tracee {
    pub fn new(pid: Pid) -> Self {
        Tracee { pid }
    }

    pub fn kill(&self) {
        signal(self.pid, libc::SIGKILL);
    }

    /// Reads `len` bytes at `addr`. Fails if any part is unmapped.
    pub fn read_bytes(&self, addr: u64, len: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        if len == 0 {
            return Ok(buf);
        }
        if remote::is_remote(self.pid) {
            return remote::read_bytes(self.pid, addr, len);
        }
        let n = process_vm_readv(
            self.pid,
            &mut [IoSliceMut::new(&mut buf)],
            &[RemoteIoVec {
                base: addr as usize,
                len,
            }],
        )
        .with_context(|| format!("reading {len} bytes at {addr:#x} in pid {}", self.pid))?;
        anyhow::ensure!(
            n == len,
            "short read of pid {} memory at {addr:#x}: {n} of {len} bytes",
            self.pid
        );
        Ok(buf)
    }

    pub fn read_u64(&self, addr: u64) -> Result<u64> {
        let b = self.read_bytes(addr, 8)?;
        Ok(u64::from_ne_bytes(b.try_into().expect("8 bytes")))
    }

    pub fn read_u32(&self, addr: u64) -> Result<u32> {
        let b = self.read_bytes(addr, 4)?;
        Ok(u32::from_ne_bytes(b.try_into().expect("4 bytes")))
    }

    /// Reads a NUL-terminated string (without the NUL), page by page so that a string ending
    /// just before an unmapped page is still read.
    pub fn read_cstr(&self, addr: u64) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let mut cur = addr;
        while out.len() < MAX_CSTR {
            let to_page_end = 4096 - (cur % 4096) as usize;
            let chunk = self.read_bytes(cur, to_page_end)?;
            if let Some(nul) = chunk.iter().position(|&b| b == 0) {
                out.extend_from_slice(&chunk[..nul]);
                return Ok(out);
            }
            out.extend_from_slice(&chunk);
            cur += to_page_end as u64;
        }
        anyhow::bail!("string at {addr:#x} in pid {} is not terminated", self.pid)
    }

    /// Writes `data` at `addr`. Falls back to /proc/pid/mem, which can also write to pages
    /// the tracee mapped read-only.
    pub fn write_bytes(&self, addr: u64, data: &[u8]) -> Result<()> {
        if data.is_empty() {
            return Ok(());
        }
        if remote::is_remote(self.pid) {
            return remote::write_bytes(self.pid, addr, data);
        }
        let fast = process_vm_writev(
            self.pid,
            &[IoSlice::new(data)],
            &[RemoteIoVec {
                base: addr as usize,
                len: data.len(),
            }],
        );
        if matches!(fast, Ok(n) if n == data.len()) {
            return Ok(());
        }
        let mem = OpenOptions::new()
            .write(true)
            .open(format!("/proc/{}/mem", self.pid))
            .with_context(|| format!("opening /proc/{}/mem", self.pid))?;
        mem.write_all_at(data, addr).with_context(|| {
            format!(
                "writing {} bytes at {addr:#x} in pid {}",
                data.len(),
                self.pid
            )
        })
    }
}

/// Raw view of a syscall at a stop: number and the six argument registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RawCall {
    pub nr: u64,
    pub args: [u64; 6],
}

impl RawCall {
    pub fn from_regs(r: &user_regs_struct) -> Self {
        RawCall {
            nr: r.orig_rax,
            args: [r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9],
        }
    }
}

/// Rewrites the registers of a syscall-entry stop so that another syscall runs instead.
pub fn set_call(r: &mut user_regs_struct, nr: u64, args: [u64; 6]) {
    r.orig_rax = nr;
    r.rax = nr;
    r.rdi = args[0];
    r.rsi = args[1];
    r.rdx = args[2];
    r.r10 = args[3];
    r.r8 = args[4];
    r.r9 = args[5];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(pid: Pid) -> i32 {
        let mut status = 0;
        // SAFETY: plain waitpid(2) on our own child with a valid out pointer.
        assert_eq!(
            unsafe { libc::waitpid(pid.as_raw(), &mut status, 0) },
            pid.as_raw()
        );
        status
    }

    #[test]
    fn a_real_stop_gives_the_one_token_that_reads_and_resumes_it() {
        // SAFETY: the child calls only async-signal-safe functions before _exit.
        let child = match unsafe { nix::unistd::fork() }.expect("fork") {
            nix::unistd::ForkResult::Child => unsafe {
                libc::ptrace(libc::PTRACE_TRACEME, 0, 0, 0);
                libc::raise(libc::SIGSTOP);
                libc::_exit(7)
            },
            nix::unistd::ForkResult::Parent { child } => child,
        };
        let stop = Stopped::from_wait_status(child, wait(child)).expect("stopped");
        assert_eq!(stop.pid(), child);
        // Stop-only requests work with it: the registers, the mask, the siginfo of SIGSTOP.
        assert_ne!(stop.regs().expect("registers").rsp, 0);
        stop.sigmask().expect("signal mask");
        assert_eq!(stop.siginfo().expect("siginfo").si_signo, libc::SIGSTOP);
        stop.cont(None).expect("resumed");
        // Its end is no stop: no token.
        let status = wait(child);
        assert!(Stopped::from_wait_status(child, status).is_none());
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 7);
    }
}
