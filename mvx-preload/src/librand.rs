//! Random bytes from libraries whose generators mix addresses into their state: OpenSSL's
//! DRBG puts a thread id and pointers to its own objects into its nonce and additional input,
//! NSS's RNG hashes the addresses of the environment. With mvx's address-space partitioning
//! these differ in every variant on purpose, so the variants' bytes differ although their seed
//! (getrandom, made by the leader) is the same.
//!
//! Each wrapper calls the real function in every variant (so every variant makes the same
//! syscalls, e.g. a reseed's getrandom, and keeps the library's own generator and error
//! returns), then the followers take the leader's result and bytes through the runtime. Only
//! the outermost wrapper of a thread syncs: RAND_bytes calls RAND_bytes_ex, which calls
//! EVP_RAND_generate, each through the PLT, so each reaches its wrapper.
//!
//! On unless `mvx run --no-compat-wrappers`: mvx sets `MVX_PRELOAD_COMPAT`. Without mvx,
//! with one variant, or with the switch off, every wrapper is the real function.

use std::cell::Cell;
use std::ffi::{c_int, c_uint, c_void, CStr, CString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

fn compat_on() -> bool {
    static ON: OnceLock<bool> = OnceLock::new();
    *ON.get_or_init(|| std::env::var_os("MVX_PRELOAD_COMPAT").is_some())
}

thread_local! {
    /// Inside a wrapper already: nested wrappers only call the real function.
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

static IN_LEADER_ORDER: mvx_sync_runtime::Mutex<()> = mvx_sync_runtime::Mutex::new(());

/// Bytes per record: a record must fit the runtime's ring, and a large request must not
/// hold the leader back a whole ring.
const CHUNK: usize = 64 << 10;

/// Runs `generate` (the real function, which fills `len` bytes at `buf` when `ok` accepts its
/// result) and makes every variant end with the leader's result and bytes.
///
/// # Safety
/// `buf` must be valid for `len` bytes whenever `ok` accepts the result.
unsafe fn replicated<R: Copy>(
    site: u64,
    buf: *mut u8,
    len: usize,
    ok: impl Fn(R) -> bool,
    generate: impl FnOnce() -> R,
) -> R {
    if !compat_on() || INSIDE.get() {
        return generate();
    }
    // Under mvx without the runtime's buffer (followers on other hosts, which cannot map
    // it): no record slot anywhere, the kernel's bytes as below.
    let replicating = mvx_sync_runtime::replicating();
    INSIDE.set(true);
    let r = if replicating {
        // Threads enter one at a time, in the leader's order: inside, the library takes its
        // own locks (rwlocks, which the runtime does not replay) around syscalls (OpenSSL's
        // primary DRBG checks getpid under its lock when a thread's first call seeds that
        // thread's generators from it), and two threads taking them in different orders in
        // different variants would wait for each other across variants.
        let _turn = IN_LEADER_ORDER.lock();
        generate()
    } else {
        generate()
    };
    INSIDE.set(false);
    if !replicating {
        // The thread has no record slot (a run's threads and processes beyond the buffer's,
        // or no buffer). The kernel's bytes then: getrandom is made by the leader and
        // replicated by mvx.
        if ok(r) && !buf.is_null() {
            // SAFETY: the caller's buffer, filled by the library.
            fill_from_kernel(unsafe { std::slice::from_raw_parts_mut(buf, len) });
        }
        return r;
    }
    let r = mvx_sync_runtime::sync_value(site, r);
    if ok(r) && !buf.is_null() {
        // SAFETY: as above; `ok` is the leader's verdict, the same in every variant.
        let bytes = unsafe { std::slice::from_raw_parts_mut(buf, len) };
        for chunk in bytes.chunks_mut(CHUNK) {
            mvx_sync_runtime::sync_bytes(site ^ 1, chunk);
        }
    }
    r
}

/// Raw getrandom: libc's is wrapped by this library.
fn fill_from_kernel(mut buf: &mut [u8]) {
    while !buf.is_empty() {
        // SAFETY: writes at most `buf.len()` bytes into `buf`.
        let n = unsafe { libc::syscall(libc::SYS_getrandom, buf.as_mut_ptr(), buf.len(), 0) };
        if n > 0 {
            buf = &mut buf[n as usize..];
        } else if n < 0 && std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

/// The real `name`: the next definition after this library, or, for a library loaded
/// `RTLD_LOCAL` (Python's `_ssl` brings libcrypto so), one that a loaded object's own scope
/// finds. `None` when no loaded object defines it (then the wrapper cannot have been called
/// through the library; only a program probing for the symbol gets here). Found pointers are
/// kept; a miss is not, as the library may be loaded later.
fn resolve(cache: &AtomicUsize, name: &CStr, own: usize) -> Option<usize> {
    let cached = cache.load(Ordering::Relaxed);
    if cached != 0 {
        return Some(cached);
    }
    // SAFETY: dlsym with a NUL-terminated name.
    let next = unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) } as usize;
    let found = if next != 0 && next != own {
        Some(next)
    } else {
        in_loaded_objects(name, own)
    }?;
    cache.store(found, Ordering::Relaxed);
    Some(found)
}

fn in_loaded_objects(name: &CStr, own: usize) -> Option<usize> {
    unsafe extern "C" fn collect(
        info: *mut libc::dl_phdr_info,
        _size: usize,
        data: *mut c_void,
    ) -> c_int {
        // SAFETY: dl_iterate_phdr passes a valid info and our vector.
        let (info, paths) = unsafe { (&*info, &mut *(data as *mut Vec<CString>)) };
        if !info.dlpi_name.is_null() {
            // SAFETY: a NUL-terminated name owned by the loader.
            let path = unsafe { CStr::from_ptr(info.dlpi_name) };
            if !path.is_empty() {
                paths.push(path.to_owned());
            }
        }
        0
    }
    let mut paths: Vec<CString> = Vec::new();
    // The names are collected first: dlopen is not called under dl_iterate_phdr's lock.
    // SAFETY: the callback only reads the info and pushes to the vector.
    unsafe { libc::dl_iterate_phdr(Some(collect), &mut paths as *mut _ as *mut c_void) };
    paths.into_iter().find_map(|path| {
        // SAFETY: RTLD_NOLOAD: only a handle to an object that is loaded already.
        let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_LAZY | libc::RTLD_NOLOAD) };
        if handle.is_null() {
            return None;
        }
        // SAFETY: a valid handle and a NUL-terminated name; the handle is released at once
        // (the object stays loaded: NOLOAD took a reference only).
        let f = unsafe { libc::dlsym(handle, name.as_ptr()) } as usize;
        unsafe { libc::dlclose(handle) };
        (f != 0 && f != own).then_some(f)
    })
}

/// The real function `$name` of type `$ty`, or `None`.
macro_rules! library_fn {
    ($name:literal, $own:expr, $ty:ty) => {{
        static REAL: AtomicUsize = AtomicUsize::new(0);
        resolve(
            &REAL,
            // SAFETY: a literal without NUL bytes, NUL-terminated.
            unsafe { CStr::from_bytes_with_nul_unchecked(concat!($name, "\0").as_bytes()) },
            $own as usize,
        )
        // SAFETY: the symbol has this C signature.
        .map(|f| unsafe { std::mem::transmute::<usize, $ty>(f) })
    }};
}

const fn id(name: &str) -> u64 {
    mvx_sync_runtime::site_id(name, 0, 0)
}

/// A length of C type `int`: negative ones ask for nothing.
fn int_len(num: c_int) -> usize {
    num.max(0) as usize
}

// --- OpenSSL (libcrypto) --------------------------------------------------------------------
//
// Callers get libcrypto's randomness through RAND_bytes and RAND_priv_bytes and their _ex
// forms (libssl, and libcrypto's own key generation, padding and nonces, call the _ex forms
// through the PLT); RAND_pseudo_bytes (deprecated) and EVP_RAND_generate on the global
// generators (RAND_get0_public/private) are the remaining public ways in. Success is 1.

type RandBytes = unsafe extern "C" fn(*mut u8, c_int) -> c_int;
type RandBytesEx = unsafe extern "C" fn(*mut c_void, *mut u8, usize, c_uint) -> c_int;
type EvpRandGenerate =
    unsafe extern "C" fn(*mut c_void, *mut u8, usize, c_uint, c_int, *const u8, usize) -> c_int;

/// OpenSSL's failure without a generator: no loaded library defines the function.
const OPENSSL_FAIL: c_int = 0;

fn openssl_ok(r: c_int) -> bool {
    r == 1
}

/// # Safety
/// As OpenSSL's RAND_bytes.
#[no_mangle]
pub unsafe extern "C" fn RAND_bytes(buf: *mut u8, num: c_int) -> c_int {
    let Some(real) = library_fn!("RAND_bytes", RAND_bytes as RandBytes, RandBytes) else {
        return OPENSSL_FAIL;
    };
    unsafe {
        replicated(id("RAND_bytes"), buf, int_len(num), openssl_ok, || {
            real(buf, num)
        })
    }
}

/// # Safety
/// As OpenSSL's RAND_priv_bytes.
#[no_mangle]
pub unsafe extern "C" fn RAND_priv_bytes(buf: *mut u8, num: c_int) -> c_int {
    let Some(real) = library_fn!("RAND_priv_bytes", RAND_priv_bytes as RandBytes, RandBytes) else {
        return OPENSSL_FAIL;
    };
    unsafe {
        replicated(id("RAND_priv_bytes"), buf, int_len(num), openssl_ok, || {
            real(buf, num)
        })
    }
}

/// # Safety
/// As OpenSSL's RAND_pseudo_bytes.
#[no_mangle]
pub unsafe extern "C" fn RAND_pseudo_bytes(buf: *mut u8, num: c_int) -> c_int {
    let Some(real) = library_fn!(
        "RAND_pseudo_bytes",
        RAND_pseudo_bytes as RandBytes,
        RandBytes
    ) else {
        return OPENSSL_FAIL;
    };
    // 1: cryptographically strong, 0: not; both fill the buffer.
    unsafe {
        replicated(
            id("RAND_pseudo_bytes"),
            buf,
            int_len(num),
            |r| r >= 0,
            || real(buf, num),
        )
    }
}

/// # Safety
/// As OpenSSL's RAND_bytes_ex.
#[no_mangle]
pub unsafe extern "C" fn RAND_bytes_ex(
    ctx: *mut c_void,
    buf: *mut u8,
    num: usize,
    strength: c_uint,
) -> c_int {
    let Some(real) = library_fn!("RAND_bytes_ex", RAND_bytes_ex as RandBytesEx, RandBytesEx) else {
        return OPENSSL_FAIL;
    };
    unsafe {
        replicated(id("RAND_bytes_ex"), buf, num, openssl_ok, || {
            real(ctx, buf, num, strength)
        })
    }
}

/// # Safety
/// As OpenSSL's RAND_priv_bytes_ex.
#[no_mangle]
pub unsafe extern "C" fn RAND_priv_bytes_ex(
    ctx: *mut c_void,
    buf: *mut u8,
    num: usize,
    strength: c_uint,
) -> c_int {
    let Some(real) = library_fn!(
        "RAND_priv_bytes_ex",
        RAND_priv_bytes_ex as RandBytesEx,
        RandBytesEx
    ) else {
        return OPENSSL_FAIL;
    };
    unsafe {
        replicated(id("RAND_priv_bytes_ex"), buf, num, openssl_ok, || {
            real(ctx, buf, num, strength)
        })
    }
}

/// # Safety
/// As OpenSSL's EVP_RAND_generate.
#[no_mangle]
pub unsafe extern "C" fn EVP_RAND_generate(
    ctx: *mut c_void,
    out: *mut u8,
    outlen: usize,
    strength: c_uint,
    prediction_resistance: c_int,
    addin: *const u8,
    addin_len: usize,
) -> c_int {
    let Some(real) = library_fn!(
        "EVP_RAND_generate",
        EVP_RAND_generate as EvpRandGenerate,
        EvpRandGenerate
    ) else {
        return OPENSSL_FAIL;
    };
    unsafe {
        replicated(id("EVP_RAND_generate"), out, outlen, openssl_ok, || {
            real(
                ctx,
                out,
                outlen,
                strength,
                prediction_resistance,
                addin,
                addin_len,
            )
        })
    }
}

// --- NSS (libnss3) --------------------------------------------------------------------------
//
// PK11_GenerateRandom calls PK11_GenerateRandomOnSlot through the PLT; libssl3 calls the
// former. Success is SECSuccess (0); SECFailure (-1) without the library.

type Pk11GenerateRandom = unsafe extern "C" fn(*mut u8, c_int) -> c_int;
type Pk11GenerateRandomOnSlot = unsafe extern "C" fn(*mut c_void, *mut u8, c_int) -> c_int;

const SEC_SUCCESS: c_int = 0;
const SEC_FAILURE: c_int = -1;

/// # Safety
/// As NSS's PK11_GenerateRandom.
#[no_mangle]
pub unsafe extern "C" fn PK11_GenerateRandom(data: *mut u8, len: c_int) -> c_int {
    let Some(real) = library_fn!(
        "PK11_GenerateRandom",
        PK11_GenerateRandom as Pk11GenerateRandom,
        Pk11GenerateRandom
    ) else {
        return SEC_FAILURE;
    };
    unsafe {
        replicated(
            id("PK11_GenerateRandom"),
            data,
            int_len(len),
            |r| r == SEC_SUCCESS,
            || real(data, len),
        )
    }
}

/// # Safety
/// As NSS's PK11_GenerateRandomOnSlot.
#[no_mangle]
pub unsafe extern "C" fn PK11_GenerateRandomOnSlot(
    slot: *mut c_void,
    data: *mut u8,
    len: c_int,
) -> c_int {
    let Some(real) = library_fn!(
        "PK11_GenerateRandomOnSlot",
        PK11_GenerateRandomOnSlot as Pk11GenerateRandomOnSlot,
        Pk11GenerateRandomOnSlot
    ) else {
        return SEC_FAILURE;
    };
    unsafe {
        replicated(
            id("PK11_GenerateRandomOnSlot"),
            data,
            int_len(len),
            |r| r == SEC_SUCCESS,
            || real(slot, data, len),
        )
    }
}
