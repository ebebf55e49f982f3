//! The one thing mvx reads from an executable: its program interpreter (PT_INTERP), so that
//! partitioned variants can be started through it (see `spawn::Layout::Partitioned`).

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

const PT_INTERP: u32 = 3;

/// The interpreter (dynamic loader) an ELF64 little-endian executable names, if any.
pub fn interpreter(path: &Path) -> Option<PathBuf> {
    let mut file = std::fs::File::open(path).ok()?;
    let mut header = [0u8; 64];
    file.read_exact(&mut header).ok()?;
    // \x7fELF, 64-bit, little-endian.
    if header[..4] != *b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return None;
    }
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as u64;
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let (phoff, phentsize, phnum) = (
        u64_at(&header, 0x20),
        u16_at(&header, 0x36),
        u16_at(&header, 0x38),
    );
    if phentsize < 56 || phnum > 256 {
        return None;
    }
    let mut entry = vec![0u8; phentsize as usize];
    for i in 0..phnum {
        file.seek(SeekFrom::Start(phoff + i * phentsize)).ok()?;
        file.read_exact(&mut entry).ok()?;
        if u32::from_le_bytes(entry[..4].try_into().unwrap()) != PT_INTERP {
            continue;
        }
        let (offset, size) = (u64_at(&entry, 8), u64_at(&entry, 32));
        if size == 0 || size > 4096 {
            return None;
        }
        let mut name = vec![0u8; size as usize];
        file.seek(SeekFrom::Start(offset)).ok()?;
        file.read_exact(&mut name).ok()?;
        let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
        use std::os::unix::ffi::OsStrExt;
        let interp = PathBuf::from(std::ffi::OsStr::from_bytes(&name[..end]));
        return interp.is_file().then_some(interp);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_dynamic_loader_of_a_system_binary() {
        let interp = interpreter(Path::new("/bin/ls")).expect("ls is dynamically linked");
        assert!(interp.to_string_lossy().contains("ld-linux"), "{interp:?}");
    }

    #[test]
    fn scripts_and_missing_files_have_none() {
        assert_eq!(interpreter(Path::new("/nonexistent")), None);
        let script = std::env::temp_dir().join(format!("mvx-elf-{}", std::process::id()));
        std::fs::write(&script, "#!/bin/sh\necho\n").unwrap();
        assert_eq!(interpreter(&script), None);
        std::fs::remove_file(&script).unwrap();
    }
}
