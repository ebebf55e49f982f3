//! Deciding, at syscall entry, whether an open may run in every variant.
//!
//! Read-only opens of regular files and directories run in every variant (the loader's libraries
//! must be mmapped by each). Everything else (files opened for writing, devices such as
//! /dev/urandom, FIFOs, sockets, /proc and /sys files whose content differs per process) is
//! opened by the leader only; followers get a placeholder fd with the same number.

use nix::sys::statfs::{statfs, PROC_SUPER_MAGIC, SYSFS_MAGIC};
use nix::unistd::Pid;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenClass {
    /// Opened by every variant (its own file description).
    PerVariant,
    /// Opened by the leader only.
    LeaderOnly,
    /// A /proc file of the process's own state that every variant opens and writes itself:
    /// a thread's name (`/proc/self/task/TID/comm`, written by `pthread_setname_np` for
    /// another thread), which each variant reads back with `prctl(PR_GET_NAME)`.
    ProcessLocal,
}

/// The sync buffer of the in-variant runtime: every variant maps it itself (read-write,
/// shared), so its open runs in every variant whatever its flags.
static RUNTIME_BUFFER: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

pub fn set_runtime_buffer(path: &std::path::Path) {
    let _ = RUNTIME_BUFFER.set(path.as_os_str().as_bytes().to_vec());
}

/// Directories whose files each host reads and writes on its own copy (`--host-local`:
/// dMVX's selective replication, with every follower on another host).
static HOST_LOCAL: std::sync::OnceLock<Vec<std::path::PathBuf>> = std::sync::OnceLock::new();

pub fn set_host_local(dirs: Vec<std::path::PathBuf>) {
    let _ = HOST_LOCAL.set(dirs);
}

/// Whether the file `full` names lies in a `--host-local` directory (its directory resolved,
/// so that `..` and symbolic links cannot lead out).
fn in_host_local_dir(full: &std::path::Path) -> bool {
    let Some(dirs) = HOST_LOCAL.get().filter(|d| !d.is_empty()) else {
        return false;
    };
    let real = match (full.parent(), full.file_name()) {
        (Some(parent), Some(name)) => std::fs::canonicalize(parent).map(|p| p.join(name)),
        _ => std::fs::canonicalize(full),
    };
    real.is_ok_and(|real| dirs.iter().any(|d| real.starts_with(d) && real != *d))
}

/// With followers on other hosts: when the run started. A file or directory changed since
/// (inode change time) may exist or read differently there, since the program's writes reach
/// the leader's host only: it is read by the leader and replicated, not opened by each host.
static REMOTE_RUN_START: std::sync::OnceLock<i64> = std::sync::OnceLock::new();

pub fn set_remote_run_start() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    // A second early: inode times are coarser than the clock.
    let _ = REMOTE_RUN_START.set(now - 1);
}

fn changed_during_remote_run(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    REMOTE_RUN_START
        .get()
        .is_some_and(|&start| m.ctime() >= start)
}

/// Classifies `open(path, flags)` issued by the leader `pid` relative to `dirfd`.
pub fn classify(pid: Pid, dirfd: i32, path: &[u8], flags: i32) -> OpenClass {
    if RUNTIME_BUFFER.get().is_some_and(|p| p == path) {
        return OpenClass::PerVariant;
    }
    if in_host_local_dir(&resolve(pid, dirfd, path)) {
        // Every variant opens its host's own copy and writes it itself.
        return OpenClass::ProcessLocal;
    }
    if names_own_thread_name(pid, path) {
        return OpenClass::ProcessLocal;
    }
    // O_TMPFILE includes the O_DIRECTORY bit: test it as a whole.
    let writes = flags & libc::O_ACCMODE != libc::O_RDONLY
        || flags & (libc::O_CREAT | libc::O_TRUNC) != 0
        || flags & libc::O_TMPFILE == libc::O_TMPFILE;
    if writes {
        return OpenClass::LeaderOnly;
    }
    if flags & libc::O_PATH != 0 {
        return OpenClass::PerVariant;
    }
    let full = resolve(pid, dirfd, path);
    let meta = if flags & libc::O_NOFOLLOW != 0 {
        std::fs::symlink_metadata(&full)
    } else {
        std::fs::metadata(&full)
    };
    match meta {
        // A failing open fails the same way everywhere: let every variant see it.
        Err(_) => OpenClass::PerVariant,
        Ok(m) => {
            let ft = m.file_type();
            let plain = ft.is_file() || ft.is_dir();
            if plain
                && !on_pseudo_fs(&full)
                && !ft.is_char_device()
                && !changed_during_remote_run(&m)
            {
                OpenClass::PerVariant
            } else {
                OpenClass::LeaderOnly
            }
        }
    }
}

/// Whether `path` is the `comm` file of a thread of `pid`'s own process: `/proc/self/comm`,
/// `/proc/thread-self/comm`, `/proc/ID/comm` or `/proc/ID/task/TID/comm` with ids of its own.
fn names_own_thread_name(pid: Pid, path: &[u8]) -> bool {
    let Some(rest) = path
        .strip_prefix(b"/proc/")
        .and_then(|r| r.strip_suffix(b"/comm"))
    else {
        return false;
    };
    let parts: Vec<&[u8]> = rest.split(|&b| b == b'/').collect();
    let own = |id: &[u8]| {
        id == b"self"
            || id == b"thread-self"
            || (!id.is_empty()
                && id.iter().all(u8::is_ascii_digit)
                && std::path::Path::new(&format!(
                    "/proc/{pid}/task/{}",
                    String::from_utf8_lossy(id)
                ))
                .exists())
    };
    match parts.as_slice() {
        [id] => own(id),
        [id, b"task", tid] => own(id) && *id != b"thread-self" && own(tid),
        _ => false,
    }
}

/// The path as the monitor can reach it: relative paths go through the leader's cwd or dirfd.
fn resolve(pid: Pid, dirfd: i32, path: &[u8]) -> PathBuf {
    let p = PathBuf::from(std::ffi::OsStr::from_bytes(path));
    if p.is_absolute() {
        p
    } else if dirfd == libc::AT_FDCWD {
        PathBuf::from(format!("/proc/{pid}/cwd")).join(p)
    } else {
        PathBuf::from(format!("/proc/{pid}/fd/{dirfd}")).join(p)
    }
}

/// /proc and /sys files differ per process (or per read): the leader reads them once.
fn on_pseudo_fs(p: &std::path::Path) -> bool {
    statfs(p)
        .map(|s| s.filesystem_type() == PROC_SUPER_MAGIC || s.filesystem_type() == SYSFS_MAGIC)
        .unwrap_or(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn me() -> Pid {
        nix::unistd::getpid()
    }

    #[test]
    fn thread_names_of_the_own_process_are_opened_by_every_variant() {
        let own = format!("/proc/{}/task/{}/comm", me(), me());
        for path in ["/proc/self/comm", "/proc/thread-self/comm", own.as_str()] {
            let class = classify(me(), libc::AT_FDCWD, path.as_bytes(), libc::O_RDWR);
            assert_eq!(class, OpenClass::ProcessLocal, "{path}");
        }
        // Another process's name, or another file: leader only.
        let other = classify(me(), libc::AT_FDCWD, b"/proc/1/comm", libc::O_RDWR);
        assert_eq!(other, OpenClass::LeaderOnly);
        let status = classify(me(), libc::AT_FDCWD, b"/proc/self/status", libc::O_RDONLY);
        assert_eq!(status, OpenClass::LeaderOnly);
    }

    #[test]
    fn read_only_regular_files_and_dirs_are_per_variant() {
        assert_eq!(
            classify(me(), libc::AT_FDCWD, b"/etc/passwd", libc::O_RDONLY),
            OpenClass::PerVariant
        );
        assert_eq!(
            classify(
                me(),
                libc::AT_FDCWD,
                b"/",
                libc::O_RDONLY | libc::O_DIRECTORY
            ),
            OpenClass::PerVariant
        );
        assert_eq!(
            classify(me(), libc::AT_FDCWD, b"/does/not/exist", libc::O_RDONLY),
            OpenClass::PerVariant
        );
        assert_eq!(
            classify(
                me(),
                libc::AT_FDCWD,
                b".",
                libc::O_RDONLY | libc::O_DIRECTORY
            ),
            OpenClass::PerVariant
        );
    }

    #[test]
    fn writes_devices_and_proc_are_leader_only() {
        assert_eq!(
            classify(
                me(),
                libc::AT_FDCWD,
                b"/tmp/x",
                libc::O_WRONLY | libc::O_CREAT
            ),
            OpenClass::LeaderOnly
        );
        assert_eq!(
            classify(me(), libc::AT_FDCWD, b"/dev/urandom", libc::O_RDONLY),
            OpenClass::LeaderOnly
        );
        assert_eq!(
            classify(me(), libc::AT_FDCWD, b"/proc/self/maps", libc::O_RDONLY),
            OpenClass::LeaderOnly
        );
    }

    #[test]
    fn relative_paths_resolve_through_the_cwd() {
        let here = std::env::current_dir().unwrap();
        let rel = std::path::Path::new("Cargo.toml");
        assert!(here.join(rel).exists());
        assert_eq!(
            classify(me(), libc::AT_FDCWD, b"Cargo.toml", libc::O_RDONLY),
            OpenClass::PerVariant
        );
    }
}
