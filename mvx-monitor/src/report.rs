//! Divergence reports: one line for people, the decoded syscalls side by side, JSON for machines.
//!
//! The JSON is read back by `mvx report` (`report/show.rs`), which renders it as aligned text
//! (`report/text.rs`) or as one HTML page (`report/html.rs`). Fields added after the first
//! version have defaults, so reports of older runs still load.

mod align;
mod byte_diff;
mod html;
#[cfg(test)]
mod sample;
mod show;
mod text;

pub use show::{run as show, write_html, ReportArgs};

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::path::Path;

/// How many syscalls of each variant the report keeps.
pub const HISTORY_LEN: usize = 32;

/// How many bytes of each compared buffer of a diverging call the report keeps.
pub const BUFFER_KEPT: usize = 4096;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DivergenceKind {
    /// Variants called different syscalls.
    SyscallMismatch,
    /// Same syscall, non-equivalent arguments.
    ArgumentMismatch,
    /// A syscall every variant executed returned different results where they must agree.
    ResultMismatch,
    /// A variant died from a signal while the others did not.
    Crash,
    /// Variants exited with different statuses.
    ExitMismatch,
    /// A variant did not reach the rendezvous within the window.
    Timeout,
    /// The in-variant runtime found a follower's sync region out of step with the leader's.
    SyncMismatch,
    /// The link to a follower host was lost: its variants are gone.
    HostLost,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SyscallView {
    pub name: String,
    pub text: String,
    pub args: Vec<String>,
    /// The memory contents of the arguments compared byte for byte (write's data, a path).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub buffers: Vec<BufferView>,
}

/// One compared buffer of a syscall, as the monitor read it from the variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BufferView {
    /// The argument's position (0-based).
    pub arg: usize,
    /// Its whole length.
    pub len: usize,
    /// Its first `BUFFER_KEPT` bytes, in hex.
    pub hex: String,
}

impl BufferView {
    pub fn new(arg: usize, bytes: &[u8]) -> BufferView {
        let kept = &bytes[..bytes.len().min(BUFFER_KEPT)];
        BufferView {
            arg,
            len: bytes.len(),
            hex: kept.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }

    /// The kept bytes; `None` if the hex is not hex (a hand-edited report).
    pub fn bytes(&self) -> Option<Vec<u8>> {
        if !self.hex.len().is_multiple_of(2) {
            return None;
        }
        (0..self.hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(self.hex.get(i..i + 2)?, 16).ok())
            .collect()
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VariantView {
    pub index: usize,
    /// Its pid on the host it runs on.
    pub pid: i32,
    /// The host it runs on, in runs with follower hosts (`--remote`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub program: String,
    /// The syscall the variant was stopped at, if any.
    pub syscall: Option<SyscallView>,
    /// What the variant was doing: "at syscall", "running", "killed by SIGSEGV", ...
    pub status: String,
    pub history: Vec<String>,
}

impl VariantView {
    /// `variant 0 (leader, pid 100)`.
    pub fn label(&self) -> String {
        let role = if self.index == 0 { "leader, " } else { "" };
        match &self.host {
            Some(host) => format!("variant {} ({role}pid {} on {host})", self.index, self.pid),
            None => format!("variant {} ({role}pid {})", self.index, self.pid),
        }
    }

    /// The diverging call, or what the variant was doing instead.
    pub fn what(&self) -> &str {
        match &self.syscall {
            Some(sc) => &sc.text,
            None => &self.status,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Divergence {
    pub kind: DivergenceKind,
    pub message: String,
    /// The syscall where the variants parted (the leader's, or the first one seen).
    pub syscall: Option<String>,
    /// The lock-step group where it happened: "process 1234" or "thread 1240 of process 1234"
    /// (the leader's ids, which the program sees).
    pub group: String,
    /// The group's `id` in `Report::tree`.
    #[serde(default)]
    pub group_id: Option<usize>,
    pub variants: Vec<VariantView>,
}

impl Divergence {
    /// The text printed on stderr.
    pub fn render(&self) -> String {
        let mut s = format!("mvx: divergence in {}: {}\n", self.group, self.message);
        let labels: Vec<String> = self.variants.iter().map(VariantView::label).collect();
        let width = labels.iter().map(String::len).max().unwrap_or(0);
        for (v, label) in self.variants.iter().zip(&labels) {
            s.push_str(&format!("  {label:<width$}  {}\n", v.what()));
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The program exited normally in every variant.
    Exited,
    /// The program was killed by the same signal in every variant.
    Signaled,
    /// The variants diverged and were killed.
    Divergence,
    /// A terminating signal was sent to mvx and the program did not end within the grace
    /// period: every variant was killed.
    Terminated,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Report {
    pub outcome: Outcome,
    pub exit_status: i32,
    pub variants: Vec<String>,
    /// Lock-step rendezvous completed (syscalls of the program).
    pub syscalls: u64,
    /// The same, per syscall, most frequent first.
    pub syscalls_by_name: Vec<(String, u64)>,
    /// The leader's calls that stopped in the monitor without a rendezvous (the clock channel
    /// and relaxed calls of multi-threaded processes), per syscall, most frequent first.
    pub unpaired_by_name: Vec<(String, u64)>,
    /// Calls equivalence rules (`--rules`) let a variant make alone, per rule.
    #[serde(default)]
    pub rules_used: Vec<(String, u64)>,
    /// Calls of remote followers their hosts answered from the leader's settled calls, without
    /// a round trip (asynchronous replication), per syscall.
    #[serde(default)]
    pub answered_on_follower_hosts: Vec<(String, u64)>,
    pub warnings: Vec<String>,
    /// Synchronous signal delivery.
    pub signals: SignalStats,
    pub divergence: Option<Divergence>,
    /// How the run was started.
    #[serde(default)]
    pub run: RunInfo,
    /// The lock-step groups (processes and threads) the run had when it stopped, in creation
    /// order, at most `TREE_KEPT` of them.
    #[serde(default)]
    pub tree: Vec<GroupNode>,
    /// Groups left out of `tree` (long-running servers make thousands).
    #[serde(default)]
    pub tree_omitted: usize,
}

/// How many groups `Report::tree` keeps.
pub const TREE_KEPT: usize = 256;

/// How the run was started.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RunInfo {
    pub mvx_version: String,
    /// mvx's own command line.
    pub command_line: Vec<String>,
    /// The program's argv (the same in every variant).
    pub program_argv: Vec<String>,
    /// `--monitor-level`.
    pub level: String,
    /// `--policy`.
    pub policy: String,
    /// Where the equivalence rules of the run came from (`--rules`, mvx-cc's).
    #[serde(default)]
    pub rules: Vec<String>,
}

impl RunInfo {
    /// This process's command line, with the run's settings.
    pub fn of_this_run(program_argv: Vec<String>, level: &str, policy: &str) -> RunInfo {
        RunInfo {
            mvx_version: env!("CARGO_PKG_VERSION").to_string(),
            command_line: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
            program_argv,
            level: level.to_string(),
            policy: policy.to_string(),
            rules: Vec::new(),
        }
    }
}

/// One lock-step group: a process, or a thread of one, with its task in every variant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupNode {
    pub id: usize,
    /// For a process, the group of the process that created it; for a thread, the group of
    /// its process.
    pub parent: Option<usize>,
    pub thread: bool,
    /// Each variant's pid (tid) on its host; 0 where the variant's task was not created yet.
    pub pids: Vec<i32>,
    /// What the leader's task was doing when the run stopped.
    pub state: String,
    /// The divergence happened in this group.
    pub diverged: bool,
}

impl Report {
    /// Reads a report `mvx run --report` wrote.
    pub fn load(path: &Path) -> Result<Report> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading report {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not a report of `mvx run --report` (malformed JSON or missing fields)",
                path.display()
            )
        })
    }
}

/// What synchronous signal delivery did during a run.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SignalStats {
    /// Signals delivered to a whole group in one signal time frame.
    pub delivered: u64,
    /// Syscalls members skipped (and re-executed, or ended with EINTR) to take a signal.
    pub skipped_syscalls: u64,
    /// Microseconds from the first arrival of a signal in a group to its delivery to all.
    pub delay_us: DelayStats,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct DelayStats {
    pub mean: f64,
    pub p50: u64,
    pub p99: u64,
    pub max: u64,
}

impl DelayStats {
    pub fn from_samples(samples: &[u64]) -> DelayStats {
        if samples.is_empty() {
            return DelayStats::default();
        }
        let mut sorted = samples.to_vec();
        sorted.sort_unstable();
        let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q).round() as usize];
        DelayStats {
            mean: sorted.iter().sum::<u64>() as f64 / sorted.len() as f64,
            p50: at(0.5),
            p99: at(0.99),
            max: *sorted.last().unwrap(),
        }
    }
}

impl SignalStats {
    /// One line for `--stats`.
    pub fn summary(&self) -> String {
        format!(
            "signals delivered: {}, syscalls skipped: {}, delay us: mean {:.0} p50 {} p99 {} max {}",
            self.delivered,
            self.skipped_syscalls,
            self.delay_us.mean,
            self.delay_us.p50,
            self.delay_us.p99,
            self.delay_us.max
        )
    }
}

/// The last syscalls of one variant.
#[derive(Debug, Default)]
pub struct History(VecDeque<String>);

impl History {
    pub fn push(&mut self, entry: String) {
        if self.0.len() == HISTORY_LEN {
            self.0.pop_front();
        }
        self.0.push_back(entry);
    }

    /// Completes the newest entry with its result.
    pub fn set_last_result(&mut self, result: &str) {
        if let Some(last) = self.0.back_mut() {
            if let Some(stripped) = last.strip_suffix(" = ?") {
                *last = format!("{stripped} = {result}");
            }
        }
    }

    pub fn to_vec(&self) -> Vec<String> {
        self.0.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_percentiles() {
        let d = DelayStats::from_samples(&(1..=100).collect::<Vec<u64>>());
        assert_eq!(d.p50, 51);
        assert_eq!(d.p99, 99);
        assert_eq!(d.max, 100);
        assert!((d.mean - 50.5).abs() < 1e-9);
        assert_eq!(DelayStats::from_samples(&[]).max, 0);
    }

    #[test]
    fn history_keeps_the_last_entries() {
        let mut h = History::default();
        for i in 0..40 {
            h.push(format!("call{i} = ?"));
        }
        h.set_last_result("0");
        let v = h.to_vec();
        assert_eq!(v.len(), HISTORY_LEN);
        assert_eq!(v.first().unwrap(), "call8 = ?");
        assert_eq!(v.last().unwrap(), "call39 = 0");
    }

    #[test]
    fn renders_side_by_side() {
        let view = |index, text: &str| VariantView {
            index,
            pid: 100 + index as i32,
            host: None,
            program: "p".into(),
            syscall: Some(SyscallView {
                name: "write".into(),
                text: text.into(),
                args: vec![],
                buffers: vec![],
            }),
            status: "at syscall".into(),
            history: vec![],
        };
        let d = Divergence {
            kind: DivergenceKind::ArgumentMismatch,
            message: "write: argument 2 differs".into(),
            syscall: Some("write".into()),
            group: "process 100".into(),
            group_id: Some(0),
            variants: vec![view(0, "write(1, \"a\", 1)"), view(1, "write(1, \"b\", 1)")],
        };
        let text = d.render();
        assert!(text.starts_with("mvx: divergence in process 100: write: argument 2 differs\n"));
        assert!(text.contains("variant 0 (leader, pid 100)  write(1, \"a\", 1)"));
        assert!(text.contains("variant 1 (pid 101)          write(1, \"b\", 1)"));
        let json = serde_json::to_string(&d).unwrap();
        assert!(json.contains("\"kind\":\"argument_mismatch\""));
        let back: Divergence = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.variants[1].syscall.as_ref().unwrap().text,
            "write(1, \"b\", 1)"
        );
    }

    #[test]
    fn reports_without_the_later_fields_still_load() {
        let mut json = serde_json::to_value(sample::sample_report()).unwrap();
        let report = json.as_object_mut().unwrap();
        for later in ["run", "tree", "tree_omitted"] {
            report.remove(later);
        }
        let d = report["divergence"].as_object_mut().unwrap();
        d.remove("group_id");
        for v in d["variants"].as_array_mut().unwrap() {
            v["syscall"].as_object_mut().unwrap().remove("buffers");
        }
        let old: Report = serde_json::from_value(json).unwrap();
        assert!(old.tree.is_empty() && old.run.mvx_version.is_empty());
        let d = old.divergence.unwrap();
        assert_eq!(d.group_id, None);
        assert!(d.variants[0].syscall.as_ref().unwrap().buffers.is_empty());
    }

    #[test]
    fn buffers_keep_their_first_bytes_in_hex() {
        let b = BufferView::new(1, b"hi\n");
        assert_eq!(b.hex, "68690a");
        assert_eq!(b.bytes().unwrap(), b"hi\n");
        let big = BufferView::new(1, &vec![0xab; BUFFER_KEPT + 10]);
        assert_eq!(big.len, BUFFER_KEPT + 10);
        assert_eq!(big.bytes().unwrap().len(), BUFFER_KEPT);
        let bad = BufferView {
            hex: "zz".into(),
            ..b
        };
        assert_eq!(bad.bytes(), None);
    }
}
