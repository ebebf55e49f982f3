//! Distributed followers: variants on other hosts (the dMVX line of work,
//! papers/dmvx-distributed-mvx.txt).
//!
//! `mvx follower --listen ADDR` on a follower host accepts runs; `mvx run --remote HOST:PORT`
//! on the leader's host runs the leader (and any local followers) and starts followers there.
//! Each follower host's variants are traced by its own `mvx follower` (ptrace is local), which
//! carries out the leader's monitor's tracee operations and reports its tracees' stops
//! (`agent.rs`); the leader's monitor keeps the one lock-step engine and sees remote tasks
//! through their host pids (`link.rs`). The link is mutual TLS over TCP (`tls.rs`), with a
//! versioned wire format (`wire.rs`), moved by an I/O thread off the tracer thread
//! (`channel.rs`).
//!
//! Assumed, as dMVX does: the program and the files it reads are the same on every host, at the
//! same paths. The executable is checked (SHA-256) before anything starts.

pub mod agent;
pub mod channel;
pub mod expect;
pub mod link;
pub mod tls;
pub mod wire;
