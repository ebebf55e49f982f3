//! mvx-monitor: run N diversified variants of a program in syscall lock-step under ptrace and
//! seccomp, replicate the leader's I/O, and report any divergence.

pub mod address_hint;
pub mod bench;
mod bench_load;
mod bench_proc;
mod bench_profiles;
mod bench_progress;
mod bench_remote;
mod bench_servers;
pub mod capture;
pub mod cli;
pub mod completions;
pub mod config;
pub mod decode;
pub mod dispatch_plan;
pub mod doctor;
mod doctor_probes;
pub mod elf;
pub mod events;
pub mod exec_move;
pub mod exit_status;
pub mod fdtable;
pub mod install_paths;
pub mod maps_view;
pub mod monitor;
pub mod open_policy;
pub mod procfs;
pub mod remote;
pub mod replicate;
pub mod report;
pub mod rules;
pub mod seccomp;
pub mod shadow;
pub mod spawn;
/// The syscall table lives in its own crate, shared with the in-process fast path.
pub use mvx_abi as table;
#[cfg(test)]
mod table_kinds_tests;
pub mod temp_names;
pub mod tracee;
pub mod vdso;
