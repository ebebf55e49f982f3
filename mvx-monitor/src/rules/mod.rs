//! Equivalence rules (`mvx run --rules FILE`): where diversified variants legitimately make
//! different syscalls, the user says which differences are benign (the survey's DSL strategy,
//! Pina et al. for Varan), and nothing else is widened.
//!
//! A rule can only accept more, and never a difference in a call with an effect outside the
//! process: only calls that change the calling variant's own memory or signal state, or read
//! something about it (`harmless_alone`), may run for one variant alone or have arguments
//! ignored; that is checked when the file is read, with the line and column of the rule.
//!
//! Compiled form: per variant a bitmap of the calls it may make alone, per syscall and
//! argument a comparison mask, per variant a path map; each is one lookup at a rendezvous
//! (no round trip, no search).

mod syntax;

pub use syntax::SyntaxError;
use syntax::{Located, Name, Rule, Variants};

use crate::capture::Value;
use crate::table::{self, Arg, Dispatch, Spec};
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// The highest syscall number a rule can name (x86_64's table ends below it).
const MAX_NR: usize = 512;

/// Rules shipped with mvx for the diversity its own tools introduce (`mvx-cc` profiles:
/// safe-stack and CFI runtimes map and protect memory of their own; allocator and layout
/// padding changes the number of memory calls).
pub const MVX_CC_RULES: &str = include_str!("mvx-cc.rules");

/// Whether the variants are ones mvx-cc (`prog.v0`, `prog.v1`, ...) or cargo mvx
/// (`.../mvx/v0/...`, `.../mvx/v1/...`) built, which get the rules shipped for their diversity.
pub fn built_by_mvx_tools(programs: &[std::path::PathBuf]) -> bool {
    let mvx_cc = |k: usize, p: &Path| {
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
        name.and_then(|n| n.strip_suffix(&format!(".v{k}")).map(str::to_string))
    };
    let cargo_mvx = |k: usize, p: &Path| {
        let parts: Vec<String> = p
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts
            .windows(2)
            .any(|w| w[0] == "mvx" && w[1] == format!("v{k}"))
    };
    if programs.len() < 2 {
        return false;
    }
    let stems: Vec<Option<String>> = programs
        .iter()
        .enumerate()
        .map(|(k, p)| mvx_cc(k, p))
        .collect();
    let same_stem = stems.iter().all(|s| s.is_some() && *s == stems[0]);
    same_stem || programs.iter().enumerate().all(|(k, p)| cargo_mvx(k, p))
}

/// Compiled rules.
#[derive(Clone, Default)]
pub struct Rules {
    /// `alone[v][nr]`: the line of the rule that lets variant `v` make call `nr` alone.
    alone: Vec<Vec<Option<usize>>>,
    /// The same for rules about any variant.
    alone_any: Vec<Option<usize>>,
    /// (nr, argument from 0) -> the bits compared (0: none) and the rule's line.
    masks: HashMap<(u64, usize), (u64, usize)>,
    /// Per variant: (its path, the leader's path, line).
    paths: Vec<(Variants, Vec<u8>, Vec<u8>, usize)>,
    /// Equivalent call sequences.
    sequences: Vec<Sequence>,
    /// Where the rules come from, for messages ("rules.txt", "mvx-cc's rules").
    sources: Vec<String>,
}

/// `variant N calls A, B where the leader calls C`: syscall numbers of each side.
#[derive(Clone, Debug)]
struct Sequence {
    variants: Variants,
    theirs: Vec<u64>,
    leader: Vec<u64>,
    line: usize,
}

/// Where a task is in an equivalent sequence it walks alone: the rule, which side, and the
/// index of the call it makes next (a DFA state per task, as the survey has one per thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cursor {
    rule: usize,
    leader_side: bool,
    next: usize,
}

/// What a call does to a cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// It was the call the sequence expected, and more follow.
    Next(Cursor),
    /// It was the sequence's last call.
    Done,
    /// It is not the call the sequence expected: the member is back in plain lock-step.
    Off,
}

impl Cursor {
    pub fn step(self, rules: &Rules, nr: u64) -> Step {
        let Some(seq) = rules.sequences.get(self.rule) else {
            return Step::Off;
        };
        let side = if self.leader_side {
            &seq.leader
        } else {
            &seq.theirs
        };
        match side.get(self.next) {
            Some(&want) if want == nr && self.next + 1 == side.len() => Step::Done,
            Some(&want) if want == nr => Step::Next(Cursor {
                next: self.next + 1,
                ..self
            }),
            _ => Step::Off,
        }
    }

    pub fn rule(self) -> usize {
        self.rule
    }
}

/// A rule that cannot be, with where it is.
#[derive(Debug, thiserror::Error)]
#[error("{source_name}:{line}:{column}: {message}\n  {text}\n  {caret:>width$}")]
pub struct RuleError {
    pub source_name: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub text: String,
    caret: &'static str,
    width: usize,
}

impl RuleError {
    fn new(source_name: &str, line: usize, column: usize, message: String, text: &str) -> Self {
        RuleError {
            source_name: source_name.to_string(),
            line,
            column,
            message,
            text: text.to_string(),
            caret: "^",
            width: column,
        }
    }
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Rules({})", self.sources.join(", "))
    }
}

impl Rules {
    /// Reads a rules file and adds its rules.
    pub fn add_file(&mut self, path: &Path) -> anyhow::Result<()> {
        use anyhow::Context;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the rules file {}", path.display()))?;
        self.add(&path.display().to_string(), &text)?;
        Ok(())
    }

    /// Adds the rules of `text` (named `source_name` in errors).
    pub fn add(&mut self, source_name: &str, text: &str) -> Result<(), RuleError> {
        let parsed = syntax::parse(text).map_err(|e: SyntaxError| {
            RuleError::new(source_name, e.line, e.column, e.message, &e.text)
        })?;
        let lines: Vec<&str> = text.lines().collect();
        for Located { line, rule } in parsed {
            let fail = |column: usize, message: String| {
                RuleError::new(source_name, line, column + 1, message, lines[line - 1])
            };
            self.compile(rule, line, &fail)?;
        }
        self.sources.push(source_name.to_string());
        Ok(())
    }

    fn compile(
        &mut self,
        rule: Rule,
        line: usize,
        fail: &dyn Fn(usize, String) -> RuleError,
    ) -> Result<(), RuleError> {
        match rule {
            Rule::Alone { variants, calls } => {
                for call in calls {
                    let spec = spec_named(&call, fail)?;
                    if let Some(why) = alone_refusal(spec) {
                        return Err(fail(
                            call.column,
                            format!(
                                "{} {why}: no rule can let one variant make it alone",
                                call.text
                            ),
                        ));
                    }
                    let nr = spec.nr.id() as usize;
                    match &variants {
                        Variants::Any => set_line(&mut self.alone_any, nr, line),
                        Variants::These(vs) => {
                            for &v in vs {
                                if self.alone.len() <= v {
                                    self.alone.resize(v + 1, Vec::new());
                                }
                                set_line(&mut self.alone[v], nr, line);
                            }
                        }
                    }
                }
            }
            Rule::Sequence {
                variants,
                theirs,
                leader,
            } => {
                let side = |calls: &[Name]| -> Result<Vec<u64>, RuleError> {
                    calls
                        .iter()
                        .map(|call| {
                            let spec = spec_named(call, fail)?;
                            match alone_refusal(spec) {
                                Some(why) => Err(fail(
                                    call.column,
                                    format!(
                                        "{} {why}: no rule can make it part of a sequence a \
                                         variant makes alone",
                                        call.text
                                    ),
                                )),
                                None => Ok(spec.nr.id() as u64),
                            }
                        })
                        .collect()
                };
                let (theirs, leader) = (side(&theirs)?, side(&leader)?);
                self.sequences.push(Sequence {
                    variants,
                    theirs,
                    leader,
                    line,
                });
            }
            Rule::Ignore { arg, call } => self.mask(arg, &call, 0, line, fail)?,
            Rule::Mask { arg, call, mask } => self.mask(arg, &call, mask, line, fail)?,
            Rule::Path {
                theirs,
                variants,
                leader,
            } => {
                if theirs.is_empty() || leader.is_empty() {
                    return Err(fail(0, "a path rule needs two non-empty paths".into()));
                }
                self.paths
                    .push((variants, theirs.into_bytes(), leader.into_bytes(), line));
            }
        }
        Ok(())
    }

    fn mask(
        &mut self,
        arg: usize,
        call: &Name,
        mask: u64,
        line: usize,
        fail: &dyn Fn(usize, String) -> RuleError,
    ) -> Result<(), RuleError> {
        let spec = spec_named(call, fail)?;
        if let Some(why) = alone_refusal(spec) {
            return Err(fail(
                call.column,
                format!(
                    "{} {why}: no rule can let its arguments differ between variants",
                    call.text
                ),
            ));
        }
        if arg == 0 || arg > spec.args.len() {
            return Err(fail(
                call.column,
                format!(
                    "{} has {} argument(s): argument {arg} does not exist (they count from 1)",
                    call.text,
                    spec.args.len()
                ),
            ));
        }
        self.masks
            .insert((spec.nr.id() as u64, arg - 1), (mask, line));
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.alone.iter().all(|v| v.iter().all(Option::is_none))
            && self.alone_any.iter().all(Option::is_none)
            && self.masks.is_empty()
            && self.paths.is_empty()
            && self.sequences.is_empty()
    }

    /// Where the rules came from, for the report.
    pub fn sources(&self) -> &[String] {
        &self.sources
    }

    /// The line of the rule that lets `variant` make call `nr` for itself alone, if any.
    pub fn runs_alone(&self, variant: usize, nr: u64) -> Option<usize> {
        let nr = nr as usize;
        self.alone
            .get(variant)
            .and_then(|calls| calls.get(nr).copied().flatten())
            .or_else(|| self.alone_any.get(nr).copied().flatten())
    }

    /// A sequence rule whose variants' side starts with `theirs` (for `variant`) where the
    /// leader's starts with `leader`: cursors for a member at either first call.
    pub fn sequence_starting(&self, variant: usize, theirs: u64, leader: u64) -> Option<usize> {
        self.sequences.iter().position(|s| {
            selects(&s.variants, variant) && s.theirs[0] == theirs && s.leader[0] == leader
        })
    }

    /// A member starts walking side `leader_side` of sequence `rule` with call `nr`.
    pub fn start(&self, rule: usize, leader_side: bool, nr: u64) -> Step {
        Cursor {
            rule,
            leader_side,
            next: 0,
        }
        .step(self, nr)
    }

    /// Whether sequence rule `rule`'s side of the variants is for `variant`.
    pub fn sequence_selects(&self, rule: usize, variant: usize) -> bool {
        self.sequences
            .get(rule)
            .is_some_and(|s| selects(&s.variants, variant))
    }

    /// The line of a sequence rule.
    pub fn sequence_line(&self, rule: usize) -> usize {
        self.sequences[rule].line
    }

    /// Whether argument `k` (from 0) of call `nr` of `variant` (`theirs`) is equivalent to the
    /// leader's (`leader`) under the rules, where the plain comparison found them different.
    pub fn equivalent(
        &self,
        nr: u64,
        k: usize,
        kind: Option<&Arg>,
        variant: usize,
        leader: &Value,
        theirs: &Value,
    ) -> bool {
        if let Some(&(mask, _)) = self.masks.get(&(nr, k)) {
            return match (leader, theirs) {
                (Value::Int(a), Value::Int(b)) => a & mask == b & mask,
                _ => mask == 0,
            };
        }
        if matches!(kind, Some(Arg::Path)) {
            if let (Value::Bytes(a), Value::Bytes(b)) = (leader, theirs) {
                return self.paths.iter().any(|(vs, their_path, leader_path, _)| {
                    selects(vs, variant) && same_path_under(b, their_path, a, leader_path)
                });
            }
        }
        false
    }
}

/// Whether `theirs` under `their_path` is `leader` under `leader_path`: the same path, or
/// the same place below two directories (paths ending with `/`).
fn same_path_under(theirs: &[u8], their_path: &[u8], leader: &[u8], leader_path: &[u8]) -> bool {
    if theirs == their_path && leader == leader_path {
        return true;
    }
    their_path.ends_with(b"/")
        && leader_path.ends_with(b"/")
        && theirs
            .strip_prefix(their_path)
            .is_some_and(|rest| leader.strip_prefix(leader_path) == Some(rest))
}

fn selects(vs: &Variants, variant: usize) -> bool {
    match vs {
        Variants::Any => variant != 0,
        Variants::These(list) => list.contains(&variant),
    }
}

fn set_line(calls: &mut Vec<Option<usize>>, nr: usize, line: usize) {
    if calls.len() < MAX_NR {
        calls.resize(MAX_NR, None);
    }
    calls[nr] = Some(line);
}

fn spec_named(
    call: &Name,
    fail: &dyn Fn(usize, String) -> RuleError,
) -> Result<&'static Spec, RuleError> {
    call.text
        .parse::<syscalls::Sysno>()
        .ok()
        .and_then(|nr| table::lookup(nr.id() as u64))
        .ok_or_else(|| {
            fail(
                call.column,
                format!("{}: no such syscall on x86_64", call.text),
            )
        })
}

/// Why a call may not run for one variant alone (or with arguments that differ), if it may
/// not: only calls that change or read the calling variant's own memory, signal state or
/// identity may, and getrandom (which only fills the caller's memory).
pub fn alone_refusal(spec: &Spec) -> Option<&'static str> {
    let p = &spec.props;
    if p.fills_caller_memory_only {
        return None;
    }
    if spec.creates_fd() || p.fd_op.is_some() || p.open.is_some() {
        return Some("changes the fd table, which the variants must keep in step");
    }
    if p.clone_flags.is_some() || p.ends_other_threads {
        return Some("creates or ends tasks");
    }
    if p.file_write.is_some() || p.resizes_file {
        return Some("has an effect outside the process");
    }
    match spec.dispatch {
        Dispatch::All | Dispatch::AllReplaceResult | Dispatch::Unchecked => None,
        Dispatch::Special(_) if p.relaxed != table::Relaxed::Never => None,
        Dispatch::AllChecked => Some("changes process-wide security state"),
        Dispatch::Deny(_) => Some("is refused to every variant"),
        Dispatch::LeaderOnly | Dispatch::Special(_) => {
            Some("has an effect outside the process (or its result is the leader's)")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syscalls::Sysno;

    fn rules(text: &str) -> Rules {
        let mut r = Rules::default();
        r.add("test.rules", text).unwrap();
        r
    }

    fn refused(text: &str) -> RuleError {
        let mut r = Rules::default();
        r.add("test.rules", text).unwrap_err()
    }

    #[test]
    fn extra_calls_are_allowed_per_variant_or_for_any() {
        let r =
            rules("variant 1 may call mmap, munmap alone\nany variant may call getrandom alone\n");
        let (mmap, getrandom) = (Sysno::mmap.id() as u64, Sysno::getrandom.id() as u64);
        assert_eq!(r.runs_alone(1, mmap), Some(1));
        assert_eq!(r.runs_alone(2, mmap), None);
        assert_eq!(r.runs_alone(0, getrandom), Some(2));
        assert_eq!(r.runs_alone(3, getrandom), Some(2));
        assert!(!r.is_empty());
        assert!(Rules::default().is_empty());
    }

    #[test]
    fn a_rule_that_would_let_an_outside_effect_differ_is_refused_where_it_is() {
        let e = refused("# ok\nvariant 1 may call mmap, write alone\n");
        assert_eq!((e.line, e.column), (2, 26), "{e}");
        assert!(
            e.to_string()
                .contains("write has an effect outside the process"),
            "{e}"
        );
        assert!(e.to_string().starts_with("test.rules:2:26: "), "{e}");

        for text in [
            "ignore argument 2 of write",
            "mask argument 2 of sendto with 0xff",
            "any variant may call execve alone",
            "any variant may call openat alone",
            "any variant may call kill alone",
            "any variant may call clone alone",
            "any variant may call seccomp alone",
        ] {
            let e = refused(text);
            assert!(e.message.contains("no rule can"), "{text}: {e}");
        }
        let e = refused("ignore argument 9 of mprotect");
        assert!(e.message.contains("does not exist"), "{e}");
        let e = refused("ignore argument 1 of frobnicate");
        assert!(e.message.contains("no such syscall"), "{e}");
    }

    #[test]
    fn masks_and_ignored_arguments_widen_only_their_argument() {
        let r = rules("ignore argument 3 of mprotect\nmask argument 2 of mmap with 0xfff\n");
        let (mprotect, mmap) = (Sysno::mprotect.id() as u64, Sysno::mmap.id() as u64);
        let int = Value::Int;
        assert!(r.equivalent(mprotect, 2, None, 1, &int(1), &int(3)));
        assert!(!r.equivalent(mprotect, 1, None, 1, &int(1), &int(3)));
        assert!(r.equivalent(mmap, 1, None, 1, &int(0x1234), &int(0x5234)));
        assert!(!r.equivalent(mmap, 1, None, 1, &int(0x1234), &int(0x1235)));
    }

    #[test]
    fn paths_map_exactly_or_below_a_directory() {
        let r = rules(
            "path \"/opt/b/lib.so\" in variant 1 is \"/opt/a/lib.so\"\n\
             path \"/v2/\" in variant 2 is \"/v0/\"\n",
        );
        let nr = Sysno::openat.id() as u64;
        let b = |s: &str| Value::Bytes(s.as_bytes().to_vec());
        let path = Some(&Arg::Path);
        assert!(r.equivalent(nr, 1, path, 1, &b("/opt/a/lib.so"), &b("/opt/b/lib.so")));
        assert!(!r.equivalent(nr, 1, path, 2, &b("/opt/a/lib.so"), &b("/opt/b/lib.so")));
        assert!(!r.equivalent(nr, 1, None, 1, &b("/opt/a/lib.so"), &b("/opt/b/lib.so")));
        assert!(r.equivalent(nr, 1, path, 2, &b("/v0/x/y"), &b("/v2/x/y")));
        assert!(!r.equivalent(nr, 1, path, 2, &b("/v0/x/y"), &b("/v2/x/z")));
    }

    #[test]
    fn the_variants_of_mvx_cc_and_cargo_mvx_are_recognised() {
        let p = |v: &[&str]| v.iter().map(std::path::PathBuf::from).collect::<Vec<_>>();
        assert!(built_by_mvx_tools(&p(&["bin/srv.v0", "bin/srv.v1"])));
        assert!(built_by_mvx_tools(&p(&[
            "t/mvx/v0/release/x",
            "t/mvx/v1/release/x"
        ])));
        assert!(!built_by_mvx_tools(&p(&["bin/srv.v0", "bin/other.v1"])));
        assert!(!built_by_mvx_tools(&p(&["bin/srv.v1", "bin/srv.v0"])));
        assert!(!built_by_mvx_tools(&p(&["a", "b"])));
        assert!(!built_by_mvx_tools(&p(&["bin/srv.v0"])));
    }

    #[test]
    fn a_sequence_is_walked_call_by_call_on_each_side() {
        let r = rules("variant 1 calls mmap, mprotect where the leader calls mmap\n");
        let (mmap, mprotect) = (Sysno::mmap.id() as u64, Sysno::mprotect.id() as u64);
        assert_eq!(r.sequence_starting(1, mmap, mmap), Some(0));
        assert_eq!(r.sequence_starting(2, mmap, mmap), None);
        assert_eq!(r.sequence_starting(1, mprotect, mmap), None);
        let Step::Next(c) = r.start(0, false, mmap) else {
            panic!("their side goes on")
        };
        assert_eq!(c.step(&r, mprotect), Step::Done);
        assert_eq!(c.step(&r, mmap), Step::Off);
        assert_eq!(r.start(0, true, mmap), Step::Done);
        assert_eq!(r.start(0, true, mprotect), Step::Off);
        let e = refused("variant 1 calls mmap, write where the leader calls mmap\n");
        assert!(e.message.contains("write has an effect"), "{e}");
    }

    #[test]
    fn the_shipped_rules_are_valid() {
        let mut r = Rules::default();
        r.add("mvx-cc.rules", MVX_CC_RULES).unwrap();
        assert!(!r.is_empty());
    }

    #[test]
    fn the_memory_and_identity_calls_may_run_alone_and_io_may_not() {
        for ok in [
            Sysno::mmap,
            Sysno::munmap,
            Sysno::mprotect,
            Sysno::madvise,
            Sysno::brk,
            Sysno::getrandom,
            Sysno::getpid,
        ] {
            let spec = table::lookup(ok.id() as u64).unwrap();
            assert_eq!(alone_refusal(spec), None, "{ok}");
        }
        for no in [
            Sysno::write,
            Sysno::read,
            Sysno::sendto,
            Sysno::openat,
            Sysno::close,
            Sysno::execve,
            Sysno::unlink,
            Sysno::kill,
            Sysno::ftruncate,
        ] {
            let spec = table::lookup(no.id() as u64).unwrap();
            assert!(alone_refusal(spec).is_some(), "{no}");
        }
    }
}
