//! What the monitor reads from /proc about its tracees: signal masks and run state.

use nix::unistd::Pid;
use std::path::PathBuf;

/// The contents of `/proc/PID/<file>` of a tracee, on this host or a follower host.
pub fn read(pid: Pid, file: &str) -> std::io::Result<Vec<u8>> {
    if crate::remote::link::is_remote(pid) {
        return crate::remote::link::read_proc(pid, file).map_err(std::io::Error::other);
    }
    std::fs::read(format!("/proc/{pid}/{file}"))
}

/// `read` as text.
pub fn read_text(pid: Pid, file: &str) -> std::io::Result<String> {
    String::from_utf8(read(pid, file)?).map_err(std::io::Error::other)
}

/// The target of the link `/proc/PID/<file>` of a tracee, on this host or a follower host.
pub fn read_link(pid: Pid, file: &str) -> std::io::Result<PathBuf> {
    if crate::remote::link::is_remote(pid) {
        return crate::remote::link::read_proc_link(pid, file).map_err(std::io::Error::other);
    }
    std::fs::read_link(format!("/proc/{pid}/{file}"))
}

/// The `/proc/PID/status` lines `fields` (hex signal masks such as "SigPnd"), or'ed together.
fn status_masks(pid: Pid, fields: &[&str]) -> Option<u64> {
    let status = read_text(pid, "status").ok()?;
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

/// The file position of `pid`'s `fd`, from /proc/PID/fdinfo/FD.
pub fn file_position(pid: Pid, fd: i32) -> Option<u64> {
    let info = read_text(pid, &format!("fdinfo/{fd}")).ok()?;
    info.lines()
        .find_map(|l| l.strip_prefix("pos:"))
        .and_then(|v| v.trim().parse().ok())
}

/// The signals pending for the task (its own queue and its process's), as a mask.
pub fn pending_signals(pid: Pid) -> u64 {
    status_masks(pid, &["SigPnd", "ShdPnd"]).unwrap_or(0)
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
    let text = read_text(pid, "syscall").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Whether the task is in a call that waits for a lock (a futex wait: the table's
/// `lock_wait`).
pub fn waits_on_lock(pid: Pid) -> bool {
    current_syscall(pid).is_some_and(|nr| crate::table::with(nr as u64, |p| p.lock_wait))
}

/// Whether a running task is blocked in the kernel (sleeping in a syscall).
pub fn blocked_in_kernel(pid: Pid) -> bool {
    read_text(pid, "stat")
        .ok()
        .and_then(|s| {
            s.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().chars().next())
        })
        .flatten()
        .is_some_and(|state| matches!(state, 'S' | 'D'))
}

/// Rewrites the process and thread ids in a /proc path (`/proc/ID/...`,
/// `/proc/.../task/ID/...`) with `map`; `None` if the path names no id or `map` changes none.
pub fn map_proc_path_ids(path: &[u8], map: impl Fn(i64) -> i64) -> Option<Vec<u8>> {
    let rest = path.strip_prefix(b"/proc/")?;
    let mut parts: Vec<Vec<u8>> = rest.split(|&b| b == b'/').map(<[u8]>::to_vec).collect();
    let mut changed = false;
    for k in 0..parts.len() {
        let names_id = k == 0 || parts[k - 1] == b"task";
        let Some(id) = std::str::from_utf8(&parts[k])
            .ok()
            .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse::<i64>().ok())
        else {
            continue;
        };
        if !names_id {
            continue;
        }
        let mapped = map(id);
        if mapped != id {
            parts[k] = mapped.to_string().into_bytes();
            changed = true;
        }
    }
    changed.then(|| [b"/proc/".to_vec(), parts.join(&b'/')].concat())
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

    #[test]
    fn proc_path_ids_are_mapped() {
        let map = |id| if id == 9192 { 9191 } else { id };
        assert_eq!(
            map_proc_path_ids(b"/proc/self/task/9192/comm", map).as_deref(),
            Some(&b"/proc/self/task/9191/comm"[..])
        );
        assert_eq!(
            map_proc_path_ids(b"/proc/9192/task/9192/stat", map).as_deref(),
            Some(&b"/proc/9191/task/9191/stat"[..])
        );
        // Numbers that are not ids (fd numbers) and other paths are left alone.
        assert_eq!(map_proc_path_ids(b"/proc/self/fd/9192", map), None);
        assert_eq!(map_proc_path_ids(b"/tmp/9192", map), None);
    }
}
