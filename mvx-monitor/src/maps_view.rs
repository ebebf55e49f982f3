//! A process's own memory map (/proc/PID/maps, smaps) as each variant must see it.
//!
//! /proc files are opened and read by the leader only; followers get its bytes. With
//! address-space partitioning every follower's mappings lie elsewhere, and a follower reading
//! its own map must find them: glibc's `pthread_getattr_np` looks the main thread's stack up
//! in /proc/self/maps (Rust's std does this in every program), a garbage collector its heap.
//! A follower therefore gets the leader's text with each mapping's address range replaced by
//! its own range of the same mapping: the lines, their order and their lengths stay the
//! leader's (so the variants make the same reads), the addresses are the follower's.

use crate::tracee::RawCall;
use nix::unistd::Pid;
use std::path::Path;

/// A leader's read from its own map file, kept to give each follower its own view of it.
pub struct OwnMapRead {
    offset: usize,
    len: usize,
    leader_text: Vec<u8>,
    file: &'static str,
}

impl OwnMapRead {
    /// If the leader's `read` or `pread64` (`call`, which returned the bytes `got`) read its
    /// own map file: what it read, with the whole text it read from.
    pub fn of(leader: Pid, call: &RawCall, got: &[u8]) -> Option<OwnMapRead> {
        let offset_arg = match crate::table::lookup(call.nr)?.props.file_read? {
            crate::table::At::Position => None,
            crate::table::At::Offset(i) => Some(call.args[i as usize]),
        };
        if got.is_empty() {
            return None;
        }
        let fd = call.args[0] as i32;
        let link = std::fs::read_link(format!("/proc/{leader}/fd/{fd}")).ok()?;
        let (pid, file) = map_file(&link)?;
        // Its own process: the leader thread is one of `pid`'s threads.
        if !Path::new(&format!("/proc/{pid}/task/{leader}")).exists() {
            return None;
        }
        let offset = match offset_arg {
            Some(at) => at as usize,
            None => (crate::procfs::file_position(leader, fd)? as usize).checked_sub(got.len())?,
        };
        if file == "stat" || file == "auxv" {
            // Read whole at once (a stat line changes with every clock tick: the leader's
            // bytes are what it read, not what the file holds now).
            return (offset == 0).then(|| OwnMapRead {
                offset,
                len: got.len(),
                leader_text: got.to_vec(),
                file,
            });
        }
        let leader_text = std::fs::read(format!("/proc/{leader}/{file}")).ok()?;
        // The text as the monitor reads it now must be what the leader just read.
        if leader_text.get(offset..offset + got.len()) != Some(got) {
            tracing::debug!(%leader, file, "own map changed since the leader read it");
            return None;
        }
        Some(OwnMapRead {
            offset,
            len: got.len(),
            leader_text,
            file,
        })
    }

    /// The bytes `follower` gets in place of the leader's: the same part of the leader's
    /// text with the follower's address ranges.
    pub fn for_follower(&self, follower: Pid) -> Option<Vec<u8>> {
        let own = std::fs::read(format!("/proc/{follower}/{}", self.file)).ok()?;
        let mine = match self.file {
            // Only addresses differ (the same keys in the same order): its own vector.
            "auxv" if own.len() >= self.len => own[..self.len].to_vec(),
            "auxv" => return None,
            "stat" => translate_stat(&self.leader_text, &own),
            _ => translate(&self.leader_text, &own),
        };
        mine.get(self.offset..self.offset + self.len)
            .map(<[u8]>::to_vec)
    }
}

/// Which map file a /proc path names, if it is one, and whose: `/proc/PID/maps`,
/// `/proc/PID/task/TID/maps` (and `smaps`), as the fd's link shows it.
pub fn map_file(link: &Path) -> Option<(i32, &'static str)> {
    let text = link.to_str()?;
    let rest = text.strip_prefix("/proc/")?;
    let (pid, rest) = rest.split_once('/')?;
    let pid: i32 = pid.parse().ok()?;
    let file = match rest.rsplit_once('/') {
        Some((task, file)) => {
            let tid = task.strip_prefix("task/")?;
            tid.parse::<i32>().ok()?;
            file
        }
        None => rest,
    };
    match file {
        "maps" => Some((pid, "maps")),
        "smaps" => Some((pid, "smaps")),
        "stat" => Some((pid, "stat")),
        "auxv" => Some((pid, "auxv")),
        _ => None,
    }
}

/// The `start-end` field a mapping's line begins with: its byte length, if the line is one.
fn range_len(line: &[u8]) -> Option<usize> {
    let end = line.iter().position(|&b| b == b' ')?;
    let (a, b) = line[..end].split_at(line[..end].iter().position(|&b| b == b'-')?);
    let hex = |s: &[u8]| !s.is_empty() && s.iter().all(u8::is_ascii_hexdigit);
    (hex(a) && hex(&b[1..])).then_some(end)
}

/// One mapping's line in a map text: where its range field is, how long it is, and the
/// label at its end (`[stack]`, a path, or nothing).
struct Mapping<'a> {
    at: usize,
    len: usize,
    label: &'a [u8],
}

/// The mapping labelled `label`, if it is the only one.
fn only<'m, 'a>(maps: &'m [Mapping<'a>], label: &[u8]) -> Option<&'m Mapping<'a>> {
    let mut found = maps.iter().filter(|m| m.label == label);
    match (found.next(), found.next()) {
        (Some(m), None) => Some(m),
        _ => None,
    }
}

fn mappings(text: &[u8]) -> Vec<Mapping<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive(|&b| b == b'\n') {
        if let Some(len) = range_len(line) {
            // Fields: range, perms, offset, device, inode, then the label (may be empty).
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            let label = body
                .split(|&b| b == b' ')
                .filter(|f| !f.is_empty())
                .nth(5)
                .unwrap_or(b"");
            out.push(Mapping {
                at: start,
                len,
                label,
            });
        }
        start += line.len();
    }
    out
}

/// The leader's map text with each mapping's range replaced by the follower's range for the
/// same mapping. With as many mappings on both sides, the i-th mappings pair up (both maps
/// are sorted by address and the partitions keep the order); otherwise (different binaries)
/// only the mappings named once on both sides in brackets (`[stack]`, `[heap]`, `[vdso]`)
/// pair up. A range whose length differs stays the leader's: the follower's text must have
/// the leader's length, so that both make the same reads.
/// The leader's /proc/PID/stat line with the fields that hold addresses (code, stack, data,
/// heap and argument bounds: fields 26-30 and 45-51) taken from the follower's own line,
/// where they have the same width (so the read's length stays the leader's).
pub fn translate_stat(leader: &[u8], follower: &[u8]) -> Vec<u8> {
    const ADDRESS_FIELDS: [usize; 12] = [26, 27, 28, 29, 30, 45, 46, 47, 48, 49, 50, 51];
    // Fields after the command name, which ends at the last ')' and may hold spaces.
    let split = |line: &[u8]| -> Option<(usize, Vec<(usize, usize)>)> {
        let close = line.iter().rposition(|&b| b == b')')?;
        let mut fields = Vec::new();
        let mut at = close + 1;
        while at < line.len() {
            while at < line.len() && line[at] == b' ' {
                at += 1;
            }
            let start = at;
            while at < line.len() && line[at] != b' ' && line[at] != b'\n' {
                at += 1;
            }
            if start == at {
                break;
            }
            fields.push((start, at));
        }
        Some((close, fields))
    };
    let mut out = leader.to_vec();
    let (Some((_, mine)), Some((_, theirs))) = (split(leader), split(follower)) else {
        return out;
    };
    for n in ADDRESS_FIELDS {
        // Field 3 (the state) is the first after the name.
        let (Some(&(a, b)), Some(&(c, d))) = (mine.get(n - 3), theirs.get(n - 3)) else {
            continue;
        };
        if b - a == d - c {
            out[a..b].copy_from_slice(&follower[c..d]);
        }
    }
    out
}

pub fn translate(leader: &[u8], follower: &[u8]) -> Vec<u8> {
    let (mine, theirs) = (mappings(leader), mappings(follower));
    let pairs: Vec<(&Mapping, &Mapping)> = if mine.len() == theirs.len() {
        mine.iter().zip(&theirs).collect()
    } else {
        mine.iter()
            .filter(|m| m.label.starts_with(b"["))
            .filter_map(|m| Some((only(&mine, m.label)?, only(&theirs, m.label)?)))
            .collect()
    };
    let mut out = leader.to_vec();
    for (m, f) in pairs {
        if m.len == f.len {
            out[m.at..m.at + m.len].copy_from_slice(&follower[f.at..f.at + f.len]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_own_map_files_only() {
        assert_eq!(map_file(Path::new("/proc/42/maps")), Some((42, "maps")));
        assert_eq!(
            map_file(Path::new("/proc/42/task/43/smaps")),
            Some((42, "smaps"))
        );
        assert_eq!(map_file(Path::new("/proc/42/status")), None);
        assert_eq!(map_file(Path::new("/proc/42/stat")), Some((42, "stat")));
        assert_eq!(map_file(Path::new("/proc/self/maps")), None);
        assert_eq!(map_file(Path::new("/tmp/maps")), None);
        assert_eq!(map_file(Path::new("/proc/42/task/x/maps")), None);
    }

    const LEADER: &str = "\
555555554000-555555556000 r--p 00000000 fe:00 12 /bin/x
7ffff7fc8000-7ffff7fca000 r-xp 00000000 00:00 0  [vdso]
7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0  [stack]
";

    #[test]
    fn keeps_the_leaders_text_with_the_followers_addresses() {
        let follower = "\
555555554000-555555556000 r--p 00000000 fe:00 99 /bin/y
7feff7fc8000-7feff7fca000 r-xp 00000000 00:00 0  [vdso]
7fefffffd000-7feffffff000 rw-p 00000000 00:00 0  [stack]
";
        let out = translate(LEADER.as_bytes(), follower.as_bytes());
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.len(), LEADER.len());
        assert!(out.contains("fe:00 12 /bin/x"), "{out}");
        assert!(out.contains("7feff7fc8000-7feff7fca000 r-xp"), "{out}");
        assert!(out.contains("7fefffffd000-7feffffff000 rw-p"), "{out}");
    }

    #[test]
    fn smaps_detail_lines_stay() {
        let leader = "7ffff7fc8000-7ffff7fca000 r-xp 0 0:0 0\nSize:  8 kB\n";
        let follower = "7feff7fc8000-7feff7fca000 r-xp 0 0:0 0\nSize:  8 kB\n";
        assert_eq!(
            translate(leader.as_bytes(), follower.as_bytes()),
            follower.as_bytes()
        );
    }

    #[test]
    fn different_mappings_pair_by_bracketed_name_and_length_never_changes() {
        // One mapping more in the follower: only [stack] and [vdso] pair up.
        let follower = "\
555555554000-555555556000 r--p 00000000 fe:00 99 /bin/y
555555556000-555555557000 r-xp 00000000 fe:00 99 /bin/y
7feff7fc8000-7feff7fca000 r-xp 00000000 00:00 0  [vdso]
7fefffffd000-7feffffff000 rw-p 00000000 00:00 0  [stack]
";
        let out = String::from_utf8(translate(LEADER.as_bytes(), follower.as_bytes())).unwrap();
        assert!(out.starts_with("555555554000-555555556000 r--p 00000000 fe:00 12 /bin/x"));
        assert!(out.contains("7feff7fc8000-7feff7fca000 r-xp"), "{out}");
        assert!(out.contains("7fefffffd000-7feffffff000 rw-p"), "{out}");
        assert_eq!(out.len(), LEADER.len());
        // A range of another width stays the leader's.
        let narrow = "\
400000-401000 r--p 00000000 fe:00 99 /bin/y
7feff7fc8000-7feff7fca000 r-xp 00000000 00:00 0  [vdso]
7fefffffd000-7feffffff000 rw-p 00000000 00:00 0  [stack]
";
        let out = String::from_utf8(translate(LEADER.as_bytes(), narrow.as_bytes())).unwrap();
        assert!(out.starts_with("555555554000-555555556000 r--p"), "{out}");
        assert!(out.contains("7fefffffd000-7feffffff000 rw-p"), "{out}");
    }

    #[test]
    fn stat_lines_take_the_followers_addresses() {
        let fields = |start_code: u64, stack: u64| {
            let mut f: Vec<String> = (3..=52).map(|n| (n * 11).to_string()).collect();
            f[0] = "R".into();
            f[26 - 3] = start_code.to_string();
            f[28 - 3] = stack.to_string();
            format!("1234 (a (b) c) {}\n", f.join(" "))
        };
        let leader = fields(0x5555_5555_4000, 0x7fff_ffff_e000);
        let follower = fields(0x5545_5555_4000, 0x7fef_ffff_e000);
        let got = translate_stat(leader.as_bytes(), follower.as_bytes());
        assert_eq!(String::from_utf8(got).unwrap(), follower);
        // A field of another width keeps the leader's.
        let wide = fields(5, 0x7fef_ffff_e000);
        let got = String::from_utf8(translate_stat(leader.as_bytes(), wide.as_bytes())).unwrap();
        assert!(got.contains(&0x5555_5555_4000u64.to_string()));
        assert!(got.contains(&0x7fef_ffff_e000u64.to_string()));
    }
}
