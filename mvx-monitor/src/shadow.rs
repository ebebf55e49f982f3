//! Shadows of shared files for followers.
//!
//! Followers never hold a file the program writes (they get a `/dev/null` placeholder where
//! the leader holds it), yet programs map such files: SQLite's WAL index (`-shm`), POSIX shared
//! memory (`/dev/shm`, `shm_open`), memfds, LMDB. The leader maps the real file. Each follower
//! variant maps its own *shadow*: a copy of the file made when the first process of that
//! variant maps it, kept in /dev/shm for the rest of the run and shared by all of the
//! variant's processes (a parent and a child communicating through it see each other's
//! writes, as the leader's processes do through the real file). Followers' writes never reach
//! the real file. Writes the leader makes to the file with syscalls (write, pwrite, ftruncate,
//! fallocate) are applied to every shadow too, so a follower reads what the leader reads.
//!
//! Not covered: writers outside the program (another process changing the file while the
//! program runs: its changes reach the leader only), and writes by `sendfile`, `splice` or
//! `copy_file_range` into a shadowed file.

use anyhow::{Context, Result};
use nix::unistd::Pid;
use std::collections::HashMap;
use std::fs::File;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::PathBuf;

/// A file as the kernel knows it: device and inode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FileKey {
    dev: u64,
    ino: u64,
}

/// What a follower maps in place of the leader's fd.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Backing {
    /// Its own shadow file.
    Shadow(PathBuf),
    /// A device every variant may open itself (`/dev/zero`).
    Device(&'static str),
}

impl Backing {
    pub fn path_bytes(&self) -> Vec<u8> {
        match self {
            Backing::Shadow(p) => p.as_os_str().as_encoded_bytes().to_vec(),
            Backing::Device(d) => d.as_bytes().to_vec(),
        }
    }
}

/// A shadow file: here, or on the follower host of a remote variant (reached through any
/// of its tasks, by the host pid).
enum ShadowFile {
    Here(File),
    Remote(Pid),
}

impl ShadowFile {
    fn write_all_at(&self, path: &std::path::Path, data: &[u8], offset: u64) -> Result<()> {
        match self {
            ShadowFile::Here(f) => Ok(f.write_all_at(data, offset)?),
            ShadowFile::Remote(pid) => crate::remote::link::shadow_write(*pid, path, offset, data),
        }
    }

    fn set_len(&self, path: &std::path::Path, len: u64) -> Result<()> {
        match self {
            ShadowFile::Here(f) => Ok(f.set_len(len)?),
            ShadowFile::Remote(pid) => crate::remote::link::shadow_size(*pid, path, len),
        }
    }
}

/// The shadows of one run.
#[derive(Default)]
pub struct Shadows {
    /// Per file: each follower variant's shadow (index: variant).
    files: HashMap<FileKey, Vec<Option<(PathBuf, ShadowFile)>>>,
}

/// /dev/zero: major 1, minor 5.
const DEV_ZERO: (u64, u64) = (1, 5);

impl Shadows {
    /// Whether any file has shadows (the write mirroring checks nothing otherwise).
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// What follower `variant` maps for the leader's `fd`, creating its shadow if this is the
    /// first time (on its own host if `remote`, a task of it there); `None` for fds that
    /// cannot be shadowed (sockets, pipes, other devices).
    pub fn backing_for(
        &mut self,
        leader: Pid,
        fd: i32,
        variant: usize,
        remote: Option<Pid>,
    ) -> Result<Option<Backing>> {
        let link = format!("/proc/{leader}/fd/{fd}");
        let meta = std::fs::metadata(&link).with_context(|| format!("stat {link}"))?;
        let kind = meta.mode() & libc::S_IFMT;
        if kind == libc::S_IFCHR {
            let rdev = meta.rdev();
            let dev = (libc::major(rdev) as u64, libc::minor(rdev) as u64);
            return Ok((dev == DEV_ZERO).then_some(Backing::Device("/dev/zero")));
        }
        if kind != libc::S_IFREG {
            return Ok(None);
        }
        let key = FileKey {
            dev: meta.dev(),
            ino: meta.ino(),
        };
        let slots = self.files.entry(key).or_default();
        if slots.len() <= variant {
            slots.resize_with(variant + 1, || None);
        }
        if let Some((path, _)) = &slots[variant] {
            return Ok(Some(Backing::Shadow(path.clone())));
        }
        let path = shadow_dir().join(format!(
            "mvx-sync-{}-shadow-{variant}-{}-{}",
            std::process::id(),
            key.dev,
            key.ino
        ));
        if let Some(pid) = remote {
            let contents = std::fs::read(&link).with_context(|| format!("reading {link}"))?;
            crate::remote::link::shadow_create(pid, &path, &contents)?;
            slots[variant] = Some((path.clone(), ShadowFile::Remote(pid)));
            return Ok(Some(Backing::Shadow(path)));
        }
        let _ = std::fs::remove_file(&path);
        let mut shadow = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .with_context(|| format!("creating the shadow {}", path.display()))?;
        let mut real = File::open(&link).with_context(|| format!("reading {link}"))?;
        std::io::copy(&mut real, &mut shadow)
            .with_context(|| format!("copying {link} into {}", path.display()))?;
        shadow.set_len(meta.len())?;
        tracing::debug!(%leader, fd, variant, path = %path.display(), "shadow created");
        slots[variant] = Some((path.clone(), ShadowFile::Here(shadow)));
        Ok(Some(Backing::Shadow(path)))
    }

    /// The shadows of the file behind the leader's `fd`, if it has any.
    fn shadows_of(&self, leader: Pid, fd: i32) -> Option<&Vec<Option<(PathBuf, ShadowFile)>>> {
        if self.files.is_empty() {
            return None;
        }
        let meta = std::fs::metadata(format!("/proc/{leader}/fd/{fd}")).ok()?;
        self.files.get(&FileKey {
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    /// Whether the leader's `fd` is a file with shadows.
    pub fn is_shadowed(&self, leader: Pid, fd: i32) -> bool {
        self.shadows_of(leader, fd).is_some()
    }

    /// The leader wrote `data` at `offset` of the file behind its `fd`: so do the shadows.
    pub fn mirror_write(&self, leader: Pid, fd: i32, offset: u64, data: &[u8]) {
        for (path, file) in self.shadows_of(leader, fd).into_iter().flatten().flatten() {
            if let Err(e) = file.write_all_at(path, data, offset) {
                tracing::warn!(path = %path.display(), "mirroring a write into a shadow: {e:#}");
            }
        }
    }

    /// The file behind the leader's `fd` now has `len` bytes: so do the shadows.
    pub fn mirror_size(&self, leader: Pid, fd: i32, len: u64) {
        for (path, file) in self.shadows_of(leader, fd).into_iter().flatten().flatten() {
            if let Err(e) = file.set_len(path, len) {
                tracing::warn!(path = %path.display(), "resizing a shadow: {e:#}");
            }
        }
    }
}

impl Drop for Shadows {
    fn drop(&mut self) {
        // Remote ones go with their host's session.
        for (path, file) in self.files.values().flatten().flatten() {
            if let ShadowFile::Here(_) = file {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

/// Where shadows live: /dev/shm (memory, like the objects they stand for), else the temp dir.
pub fn shadow_dir() -> PathBuf {
    if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_shadow_copies_the_file_and_follows_the_leaders_writes() {
        let me = nix::unistd::getpid();
        let path = std::env::temp_dir().join(format!("mvx-shadow-test-{me}"));
        let mut real = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .unwrap();
        real.write_all(b"hello world").unwrap();
        let fd = real.as_raw_fd();
        let mut shadows = Shadows::default();
        let Some(Backing::Shadow(shadow)) = shadows.backing_for(me, fd, 1, None).unwrap() else {
            panic!("a regular file gets a shadow");
        };
        assert_eq!(std::fs::read(&shadow).unwrap(), b"hello world");
        // The same variant gets the same shadow; another variant its own.
        assert_eq!(
            shadows.backing_for(me, fd, 1, None).unwrap(),
            Some(Backing::Shadow(shadow.clone()))
        );
        let Some(Backing::Shadow(other)) = shadows.backing_for(me, fd, 2, None).unwrap() else {
            panic!()
        };
        assert_ne!(other, shadow);
        assert!(shadows.is_shadowed(me, fd));
        shadows.mirror_write(me, fd, 6, b"there");
        shadows.mirror_size(me, fd, 20);
        let mut expected = b"hello there".to_vec();
        expected.resize(20, 0);
        assert_eq!(std::fs::read(&shadow).unwrap(), expected);
        drop(shadows);
        assert!(!shadow.exists() && !other.exists(), "removed with the run");
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn dev_zero_is_backed_by_its_own_device_and_pipes_by_nothing() {
        let me = nix::unistd::getpid();
        let zero = File::open("/dev/zero").unwrap();
        let mut shadows = Shadows::default();
        assert_eq!(
            shadows.backing_for(me, zero.as_raw_fd(), 1, None).unwrap(),
            Some(Backing::Device("/dev/zero"))
        );
        let (r, _w) = nix::unistd::pipe().unwrap();
        assert_eq!(
            shadows.backing_for(me, r.as_raw_fd(), 1, None).unwrap(),
            None
        );
        assert!(shadows.is_empty());
    }
}
