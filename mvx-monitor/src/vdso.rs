//! Hiding the vDSO from a freshly exec'd variant.
//!
//! vDSO time functions (clock_gettime, gettimeofday, time) never enter the kernel, so the
//! monitor would never see them and variants would read different clocks. Rewriting the auxv
//! entry AT_SYSINFO_EHDR to AT_IGNORE at the exec stop makes libc fall back to real syscalls,
//! which the table replicates.

use crate::tracee::Stopped;
use anyhow::{Context, Result};

const AT_NULL: u64 = 0;
const AT_IGNORE: u64 = 1;
const AT_SYSINFO_EHDR: u64 = 33;

/// Rewrites the auxv of a variant stopped at PTRACE_EVENT_EXEC. Returns whether a vDSO entry
/// was found.
pub fn hide(stop: &Stopped) -> Result<bool> {
    let rsp = stop.regs()?.rsp;
    let t = stop.tracee();
    // Initial stack: argc, argv[argc], NULL, envp..., NULL, auxv pairs.
    let argc = t.read_u64(rsp).context("reading argc")?;
    let mut p = rsp + 8 * (argc + 2);
    while t.read_u64(p).context("walking envp")? != 0 {
        p += 8;
    }
    p += 8;
    for _ in 0..128 {
        let key = t.read_u64(p).context("walking auxv")?;
        if key == AT_NULL {
            return Ok(false);
        }
        if key == AT_SYSINFO_EHDR {
            t.write_bytes(p, &AT_IGNORE.to_ne_bytes())?;
            return Ok(true);
        }
        p += 16;
    }
    Ok(false)
}
