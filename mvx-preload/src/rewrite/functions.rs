//! Where libc's functions start, internal ones included: the binary-search table of
//! `.eh_frame_hdr` (PT_GNU_EH_FRAME), which lists the start of every function with unwind
//! information (glibc is built with it throughout).

/// DW_EH_PE_datarel | DW_EH_PE_sdata4: the table's encoding in every GNU toolchain's output.
const DATAREL_SDATA4: u8 = 0x3b;
/// DW_EH_PE_udata4: the entry count's encoding.
const UDATA4: u8 = 0x03;
/// DW_EH_PE_omit.
const OMIT: u8 = 0xff;

/// The function starts listed in the `.eh_frame_hdr` at address `hdr`, sorted; `None` if its
/// encoding is not the usual one.
///
/// # Safety
/// `hdr` must be a mapped `.eh_frame_hdr` (the loader's PT_GNU_EH_FRAME).
pub unsafe fn starts(hdr: usize) -> Option<Vec<usize>> {
    // SAFETY: the four header bytes.
    let head = unsafe { std::slice::from_raw_parts(hdr as *const u8, 4) };
    let (version, ptr_enc, count_enc, table_enc) = (head[0], head[1], head[2], head[3]);
    if version != 1 || count_enc != UDATA4 || table_enc != DATAREL_SDATA4 {
        return None;
    }
    // eh_frame_ptr: 4 bytes in the usual encodings (pcrel/datarel sdata4), none if omitted.
    let ptr_len = match ptr_enc {
        OMIT => 0,
        e if e & 0x0f == 0x0b || e & 0x0f == 0x03 => 4,
        _ => return None,
    };
    let count_at = hdr + 4 + ptr_len;
    // SAFETY: the count, then `count` pairs of 4-byte words.
    let count = unsafe { (count_at as *const u32).read_unaligned() } as usize;
    let table = unsafe { std::slice::from_raw_parts((count_at + 4) as *const u8, count * 8) };
    let mut starts: Vec<usize> = table
        .chunks_exact(8)
        .map(|pair| {
            let rel = i32::from_le_bytes(pair[..4].try_into().unwrap());
            (hdr as i64 + rel as i64) as usize
        })
        .collect();
    // The table is sorted by definition; a stray one would only make walks fail.
    starts.sort_unstable();
    Some(starts)
}
