//! What the monitor reads from /proc about its tracees: signal masks and run state.

use nix::unistd::Pid;

/// The `/proc/PID/status` lines `fields` (hex signal masks such as "SigPnd"), or'ed together.
fn status_masks(pid: Pid, fields: &[&str]) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let mut found = None;
    for line in status.lines() {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        if fields.contains(&name) {
            let mask = u64::from_str_radix(value.trim(), 16).ok()?;
            found = Some(found.unwrap_or(0) | mask);
        }
    }
    found
}

fn has(mask: Option<u64>, sig: i32) -> bool {
    (1..=64).contains(&sig) && mask.is_some_and(|m| m & (1u64 << (sig - 1)) != 0)
}

/// Whether `sig` is pending for the task (its own queue or its process's).
pub fn signal_pending(pid: Pid, sig: i32) -> bool {
    has(status_masks(pid, &["SigPnd", "ShdPnd"]), sig)
}

/// Whether `sig` is blocked in the task's signal mask.
pub fn signal_blocked(pid: Pid, sig: i32) -> bool {
    has(status_masks(pid, &["SigBlk"]), sig)
}

/// The signals the task ignores.
pub fn ignored_signals(pid: Pid) -> u64 {
    status_masks(pid, &["SigIgn"]).unwrap_or(0)
}

/// The syscall a task is in (from /proc/PID/syscall), if it is in one.
pub fn current_syscall(pid: Pid) -> Option<i64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Whether a running task is blocked in the kernel (sleeping in a syscall).
pub fn blocked_in_kernel(pid: Pid) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().chars().next())
        })
        .flatten()
        .is_some_and(|state| matches!(state, 'S' | 'D'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nix::sys::signal::{SigSet, SigmaskHow, Signal};

    #[test]
    fn reads_own_masks() {
        let me = nix::unistd::gettid();
        let mut set = SigSet::empty();
        set.add(Signal::SIGUSR2);
        nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).unwrap();
        assert!(signal_blocked(me, libc::SIGUSR2));
        assert!(!signal_pending(me, libc::SIGUSR2));
        nix::sys::signal::pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&set), None).unwrap();
        assert!(!signal_blocked(me, libc::SIGUSR2));
        assert!(!has(Some(u64::MAX), 0));
    }
}
