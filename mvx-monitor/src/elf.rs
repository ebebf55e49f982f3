//! What mvx reads from an executable: where its image goes, so that a follower's can be
//! moved into its partition (see `exec_move.rs`).

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const PT_LOAD: u32 = 1;
const PT_INTERP: u32 = 3;
const ET_DYN: u64 = 3;

/// Where an executable's image lies, relative to its load bias.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Image {
    /// ET_DYN: it may be loaded anywhere (a position-independent executable).
    pub position_independent: bool,
    /// It names a dynamic loader (PT_INTERP).
    pub dynamic: bool,
    /// The entry point (e_entry).
    pub entry: u64,
    /// The lowest and the end of the highest PT_LOAD segment (virtual addresses).
    pub extent: (u64, u64),
}

/// The image an ELF64 little-endian executable describes.
pub fn image(path: &Path) -> Option<Image> {
    let mut file = std::fs::File::open(path).ok()?;
    let (header, headers) = program_headers(&mut file)?;
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as u64;
    let u64_at = |b: &[u8], o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
    let kind = |h: &[u8]| u32::from_le_bytes(h[..4].try_into().unwrap());
    let loads = headers.iter().filter(|h| kind(h) == PT_LOAD);
    let low = loads.clone().map(|h| u64_at(h, 16)).min()?;
    let high = loads.map(|h| u64_at(h, 16) + u64_at(h, 40)).max()?;
    Some(Image {
        position_independent: u16_at(&header, 0x10) == ET_DYN,
        dynamic: headers.iter().any(|h| kind(h) == PT_INTERP),
        entry: u64_at(&header, 0x18),
        extent: (low, high),
    })
}

/// The ELF header and the program headers of an ELF64 little-endian file.
fn program_headers(file: &mut std::fs::File) -> Option<([u8; 64], Vec<Vec<u8>>)> {
    let mut header = [0u8; 64];
    file.read_exact(&mut header).ok()?;
    // \x7fELF, 64-bit, little-endian.
    if header[..4] != *b"\x7fELF" || header[4] != 2 || header[5] != 1 {
        return None;
    }
    let u16_at = |b: &[u8], o: usize| u16::from_le_bytes([b[o], b[o + 1]]) as u64;
    let phoff = u64::from_le_bytes(header[0x20..0x28].try_into().unwrap());
    let (phentsize, phnum) = (u16_at(&header, 0x36), u16_at(&header, 0x38));
    if phentsize < 56 || phnum > 256 {
        return None;
    }
    let mut all = vec![0u8; (phentsize * phnum) as usize];
    file.seek(SeekFrom::Start(phoff)).ok()?;
    file.read_exact(&mut all).ok()?;
    Some((
        header,
        all.chunks(phentsize as usize).map(<[u8]>::to_vec).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_a_position_independent_dynamic_image() {
        let ls = image(Path::new("/bin/ls")).expect("ls is ELF");
        assert!(ls.position_independent && ls.dynamic, "{ls:?}");
        assert!(ls.extent.0 < ls.entry && ls.entry < ls.extent.1, "{ls:?}");
        assert_eq!(image(Path::new("/nonexistent")), None);
    }

    #[test]
    fn scripts_and_missing_files_have_none() {
        assert_eq!(image(Path::new("/nonexistent")), None);
        let script = std::env::temp_dir().join(format!("mvx-elf-{}", std::process::id()));
        std::fs::write(&script, "#!/bin/sh\necho\n").unwrap();
        assert_eq!(image(&script), None);
        std::fs::remove_file(&script).unwrap();
    }
}
