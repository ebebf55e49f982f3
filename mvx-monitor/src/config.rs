//! What a run is asked to do, independent of how it was asked (`cli.rs` maps the command line
//! onto it): the programs, the monitor level, the divergence policy, the timing windows.

use crate::spawn::Layout;
use std::ffi::CString;
use std::path::PathBuf;
use std::time::Duration;

/// Which syscalls stop in the monitor (the seccomp filter's level).
pub use crate::seccomp::Level;

/// What to do on divergence.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Policy {
    /// Kill every variant.
    #[default]
    Kill,
    /// With 3 or more variants, at `Level::Strict`: when a strict majority agrees with the
    /// leader, kill only the variants that differ and keep running (`monitor/majority.rs`).
    Majority,
}

/// What `mvx run` asked for.
#[derive(Clone, Debug)]
pub struct Config {
    /// One resolved executable per variant; variant 0 is the leader.
    pub programs: Vec<PathBuf>,
    /// The argv every variant gets (argv[0] included).
    pub argv: Vec<CString>,
    /// The environment every variant gets.
    pub envp: Vec<CString>,
    /// How long a variant may lag behind the first arrival at a rendezvous.
    pub window: Duration,
    /// Keep the kernel's address-space randomisation in the variants. Off by default: with
    /// ASLR, allocators whose behaviour depends on address alignment (CPython's pymalloc
    /// wastes a pool when an arena is not 16 KiB aligned) make honest variants issue different
    /// syscalls. Layout diversity that keeps such alignment comes with address-space
    /// partitioning.
    pub aslr: bool,
    /// Give each variant its own part of the address space (`spawn::Layout::Partitioned`);
    /// without ASLR only.
    pub partition: bool,
    /// Also move a position-independent executable there at exec (`exec_move.rs`).
    pub partition_executable: bool,
    /// Deliver signals synchronously (Orchestra); off, signals pass straight through.
    pub signal_sync: bool,
    /// How long a member may take to stop for a signal being delivered to its group.
    pub signal_wait: Duration,
    /// Which syscalls stop in the monitor (the seccomp filter).
    pub level: Level,
    /// What to do on divergence.
    pub policy: Policy,
    /// Print the state of every group when a rendezvous window expires.
    pub dump_on_hang: bool,
    /// Where the monitor and the variants run.
    pub placement: crate::monitor::placement::Placement,
    /// Follower hosts (`--remote`), one variant each: the last `remotes.len()` variants.
    pub remotes: Vec<crate::remote::link::RemoteSpec>,
    /// How the links to follower hosts are secured.
    pub security: Option<crate::remote::tls::Security>,
    /// Calls the level does not hold sensitive go ahead without remote members that have
    /// not reached them yet (`monitor/backlog.rs`).
    pub async_replication: bool,
    /// A lagging remote member gets a new fd of the leader's as a placeholder when it gets
    /// there, without the leader's host waiting for it (dMVX's fd prediction).
    pub fd_prediction: bool,
    /// Directories whose files every variant reads and writes on its own host's copy
    /// (`--host-local`; every follower remote).
    pub host_local: Vec<PathBuf>,
    /// Equivalence rules (`--rules`, and mvx-cc's for its variants).
    pub rules: crate::rules::Rules,
    /// Each follower pads its small heap allocations differently (`--heap-padding`).
    pub heap_padding: bool,
}

impl Config {
    /// The follower host that runs variant `index`, if it runs remotely.
    pub fn remote_of(&self, index: usize) -> Option<&crate::remote::link::RemoteSpec> {
        let first = self.programs.len() - self.remotes.len();
        index.checked_sub(first).map(|k| &self.remotes[k])
    }

    /// The memory layout of variant `index`.
    pub fn layout_of(&self, index: usize) -> Layout {
        match (self.aslr, self.partition) {
            (true, _) => Layout::Randomized,
            (false, true) => Layout::Partitioned { index },
            (false, false) => Layout::Fixed,
        }
    }
}
