//! Load-time rewriting of libc's inline syscall sites (SaBRe/Varan style), so libc's internal
//! calls (stdio's writes through `__write_nocancel` and the internal `__write`, `*_nocancel`
//! reads, `__getpid`, the clock fallbacks) reach the fast path like calls through the
//! exported symbols do.
//!
//! At load, above `strict`: the sites of libc's executable segment that load a syscall number
//! the level's fast path takes (the table's `fast` entries the level covers) and then make
//! the syscall, and that no branch enters in the middle (`sites.rs`, with `decode.rs` and
//! the unwind table's function starts, `functions.rs`), are replaced by a jump to a stub in a page mapped near libc
//! (`trampoline.rs`); the stub calls the fast path, or makes the ordinary syscall from the
//! preload library's own `syscall` instruction (never the gadget), so the seccomp filter still
//! sends it to the monitor. The same libc gives the same sites, the same pages and the same
//! calls (mmap of the stub page, mprotect of it and of libc's text, lock-stepped for
//! PROT_EXEC) in every variant. Anything unexpected (no libc found, a stub page out of a
//! 32-bit jump's reach, a failed mprotect) leaves libc as it was: its calls then stop in the
//! monitor as before. `MVX_NO_REWRITE=1` turns rewriting off; `MVX_REWRITE_VERBOSE=1` prints
//! what was rewritten to stderr.
//!
//! It runs from the library's constructor, before `main`, and only while libc says the
//! process has one thread (`__libc_single_threaded`), so no other thread can execute a site
//! while it changes.

mod decode;
mod functions;
mod sites;
mod trampoline;

pub(crate) use trampoline::raw_syscall;

use mvx_abi::Level;
use mvx_sync_runtime::fastpath;
use std::ffi::{c_int, c_void, CStr};

const PAGE: usize = 4096;

/// libc's executable bytes, where they are mapped, and its unwind table's address.
struct Text {
    start: usize,
    len: usize,
    eh_frame_hdr: Option<usize>,
}

impl Text {
    /// Where functions start, as offsets in the text (none if the table is not readable:
    /// the sites are then judged by the byte scan alone).
    fn function_starts(&self) -> Vec<usize> {
        // SAFETY: the loader's PT_GNU_EH_FRAME of libc.
        let starts = self
            .eh_frame_hdr
            .and_then(|hdr| unsafe { functions::starts(hdr) });
        starts
            .unwrap_or_default()
            .into_iter()
            .filter_map(|f| f.checked_sub(self.start).filter(|&f| f < self.len))
            .collect()
    }
}

/// Rewrites libc's fast-path syscall sites, if mvx runs this process above `strict`.
pub fn install() {
    if std::env::var_os("MVX_NO_REWRITE").is_some_and(|v| v != "0") || !mvx_sync_runtime::active() {
        return;
    }
    let Some(level) = Level::from_fast_level(fastpath::level()).filter(|&l| l > Level::Strict)
    else {
        return;
    };
    let verbose = std::env::var_os("MVX_REWRITE_VERBOSE").is_some();
    let began = verbose.then(std::time::Instant::now);
    let outcome = libc_text().ok_or("libc's text not found").and_then(|text| {
        if !single_threaded() {
            return Err("the process has threads already");
        }
        // SAFETY: a mapped, readable segment of libc.
        let bytes = unsafe { std::slice::from_raw_parts(text.start as *const u8, text.len) };
        let functions = text.function_starts();
        let (sites, entered) = sites::find(bytes, |nr| fast_at(level, nr), &functions);
        // SAFETY: at load, one thread; the sites were found in `text`.
        unsafe { rewrite(&text, &sites) }.map(|()| (sites.len(), entered))
    });
    if let Some(began) = began {
        let msg = match outcome {
            Ok((n, entered)) => format!(
                "mvx preload: {n} libc syscall sites rewritten ({entered} left alone: a branch \
                 may enter them) in {} us\n",
                began.elapsed().as_micros()
            ),
            Err(why) => format!("mvx preload: libc not rewritten: {why}\n"),
        };
        // SAFETY: a buffer we own, to stderr; the raw call keeps it out of the fast path.
        unsafe {
            raw_syscall(
                libc::SYS_write,
                &[2, msg.as_ptr() as u64, msg.len() as u64, 0, 0, 0],
            )
        };
    }
}

/// Whether libc knows the process to be single-threaded (`__libc_single_threaded`, glibc
/// 2.32 and later): another thread could be running the code being rewritten.
fn single_threaded() -> bool {
    // SAFETY: dlsym with a NUL-terminated name; the symbol is a `char`.
    let flag = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"__libc_single_threaded".as_ptr()) };
    !flag.is_null() && unsafe { *(flag as *const u8) } != 0
}

/// Whether syscall `nr` is one the fast path may take at `level`.
fn fast_at(level: Level, nr: u32) -> bool {
    mvx_abi::lookup(nr as u64)
        .and_then(|spec| spec.fast)
        .is_some_and(|class| level.covers(class))
}

/// libc's executable segment, checked by finding its `write` inside it.
fn libc_text() -> Option<Text> {
    unsafe extern "C" fn visit(info: *mut libc::dl_phdr_info, _: usize, out: *mut c_void) -> c_int {
        // SAFETY: the loader's description of one object; `out` is our `Option<Text>`.
        let (info, out) = unsafe { (&*info, &mut *(out as *mut Option<Text>)) };
        if info.dlpi_name.is_null() {
            return 0;
        }
        // SAFETY: the loader's NUL-terminated name.
        let name = unsafe { CStr::from_ptr(info.dlpi_name) }.to_bytes();
        if !(name == b"libc.so.6" || name.ends_with(b"/libc.so.6")) {
            return 0;
        }
        // SAFETY: the object's program headers.
        let headers =
            unsafe { std::slice::from_raw_parts(info.dlpi_phdr, info.dlpi_phnum as usize) };
        let at = |h: &libc::Elf64_Phdr| info.dlpi_addr as usize + h.p_vaddr as usize;
        let eh_frame_hdr = headers
            .iter()
            .find(|h| h.p_type == libc::PT_GNU_EH_FRAME)
            .map(at);
        *out = headers
            .iter()
            .find(|h| h.p_type == libc::PT_LOAD && h.p_flags & libc::PF_X != 0)
            .map(|h| Text {
                start: at(h),
                len: h.p_filesz as usize,
                eh_frame_hdr,
            });
        1
    }
    let mut text: Option<Text> = None;
    // SAFETY: the callback only reads the loader's descriptions.
    unsafe { libc::dl_iterate_phdr(Some(visit), &mut text as *mut Option<Text> as *mut c_void) };
    let text = text?;
    // SAFETY: dlsym with a NUL-terminated name.
    let write = unsafe { libc::dlsym(libc::RTLD_NEXT, c"write".as_ptr()) } as usize;
    (text.start..text.start + text.len)
        .contains(&write)
        .then_some(text)
}

/// Maps the stubs near libc, then writes the jumps over the sites.
///
/// # Safety
/// Only this thread runs; `sites` were found in `text`.
unsafe fn rewrite(text: &Text, sites: &[sites::Site]) -> Result<(), &'static str> {
    let (Some(first), Some(last)) = (sites.first(), sites.last()) else {
        return Ok(());
    };
    let stubs_len =
        (trampoline::SLOT_SIZE + sites.len() * trampoline::STUB_SIZE).div_ceil(PAGE) * PAGE;
    // A little below libc: usually free; if not, the kernel picks a place of its own (near
    // the other libraries), and the reach of every jump is checked below.
    let hint = (text.start & !(PAGE - 1)).saturating_sub(stubs_len + (64 << 20));
    // SAFETY: a new anonymous mapping.
    let page = unsafe {
        libc::mmap(
            hint as *mut c_void,
            stubs_len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if page == libc::MAP_FAILED {
        return Err("no page for the stubs");
    }
    let base = page as u64;
    let mut stubs = Vec::with_capacity(sites.len());
    let mut codes = Vec::with_capacity(sites.len());
    for (i, s) in sites.iter().enumerate() {
        let site = (text.start + s.offset) as u64;
        let stub = base + (trampoline::SLOT_SIZE + i * trampoline::STUB_SIZE) as u64;
        let back = site + s.len as u64;
        match (
            trampoline::stub_code(stub, base, s.nr, s.moved, back),
            trampoline::site_code(site, s.len, stub),
        ) {
            (Some(stub_code), Some(site_code)) => {
                stubs.push((stub, stub_code));
                codes.push((site, site_code));
            }
            _ => {
                // SAFETY: our own mapping, unused.
                unsafe { libc::munmap(page, stubs_len) };
                return Err("the stub page is out of a jump's reach");
            }
        }
    }
    // SAFETY: the page is ours and writable; every stub fits its `STUB_SIZE` bytes.
    unsafe {
        (base as *mut u64).write(trampoline::entry_address());
        for (at, code) in &stubs {
            std::ptr::copy_nonoverlapping(code.as_ptr(), *at as *mut u8, code.len());
        }
    }
    let rx = libc::PROT_READ | libc::PROT_EXEC;
    // SAFETY: our own mapping.
    if unsafe { libc::mprotect(page, stubs_len, rx) } != 0 {
        unsafe { libc::munmap(page, stubs_len) };
        return Err("the stub page cannot be made executable");
    }
    // libc's pages holding sites, writable for the rewrite and executable throughout (this
    // code calls libc meanwhile).
    let from = (text.start + first.offset) & !(PAGE - 1);
    let to = (text.start + last.offset + last.len).div_ceil(PAGE) * PAGE;
    let span = from as *mut c_void;
    // SAFETY: libc's own text pages.
    if unsafe { libc::mprotect(span, to - from, rx | libc::PROT_WRITE) } != 0 {
        unsafe { libc::munmap(page, stubs_len) };
        return Err("libc's text cannot be made writable");
    }
    for (site, code) in &codes {
        // SAFETY: the site's bytes, writable now; no other thread runs.
        unsafe { std::ptr::copy_nonoverlapping(code.as_ptr(), *site as *mut u8, code.len()) };
    }
    // SAFETY: as above.
    if unsafe { libc::mprotect(span, to - from, rx) } != 0 {
        return Err("rewritten, but libc's text stays writable");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// This machine's libc: its write and read wrappers are found, with nothing left alone
    /// that decoding could judge.
    #[test]
    fn the_loaded_libc_has_write_and_read_sites() {
        let text = libc_text().expect("libc's text");
        let functions = text.function_starts();
        assert!(
            functions.len() > 1000,
            "{} function starts",
            functions.len()
        );
        // SAFETY: libc's mapped text.
        let bytes = unsafe { std::slice::from_raw_parts(text.start as *const u8, text.len) };
        let began = std::time::Instant::now();
        let (sites, entered) = sites::find(bytes, |nr| fast_at(Level::SocketRw, nr), &functions);
        eprintln!(
            "{} sites, {entered} left alone, in {} us",
            sites.len(),
            began.elapsed().as_micros()
        );
        for nr in [libc::SYS_read, libc::SYS_write] {
            assert!(
                sites.iter().any(|s| s.nr as i64 == nr),
                "no site of {nr}: {sites:?}"
            );
        }
        // Every site found decodes as an instruction start of its function, where our decoder
        // can walk the function up to it (it knows the instructions libc's syscall wrappers
        // use, not every instruction of libc: glibc 2.36's __select has one it does not).
        let mut walked = 0;
        for s in &sites {
            let k = functions.partition_point(|&f| f <= s.offset);
            let from = functions[k - 1];
            if let Some((starts, _)) = decode::walk(bytes, from, s.offset + s.len) {
                assert!(starts.contains(&s.offset), "{s:?} from {from}");
                walked += 1;
            }
        }
        assert!(
            walked * 2 > sites.len(),
            "only {walked} of {} sites walked",
            sites.len()
        );
    }
}
