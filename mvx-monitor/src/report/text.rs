//! A report as aligned text for the terminal (`mvx report FILE.json`).

use super::align::{align, Alignment};
use super::byte_diff::{diverging_buffers, is_marked, printable, ArgBuffers, Shown, LINE};
use super::{Divergence, GroupNode, Outcome, Report};
use std::fmt::Write as _;

/// Widest a history column gets before its entries are cut.
const COLUMN_WIDTH: usize = 48;

/// Hex-dump lines shown per buffer: the first few, then those with differences.
const DUMP_HEAD_LINES: usize = 4;
const DUMP_MAX_LINES: usize = 24;

/// The whole report as text, sections in the page's order.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    verdict(&mut out, r);
    if let Some(d) = &r.divergence {
        diverging_call(&mut out, d);
        history(&mut out, d);
    }
    tree(&mut out, r);
    statistics(&mut out, r);
    run_info(&mut out, r);
    out
}

/// One line on how the run ended.
pub fn headline(r: &Report) -> String {
    match (&r.outcome, &r.divergence) {
        (Outcome::Divergence, Some(d)) => format!(
            "DIVERGENCE ({}) in {}: exit status {}",
            kind_name(d),
            d.group,
            r.exit_status
        ),
        (Outcome::Divergence, None) => format!("DIVERGENCE: exit status {}", r.exit_status),
        (Outcome::Exited, _) => format!(
            "no divergence: every variant exited with status {}",
            r.exit_status
        ),
        (Outcome::Signaled, _) => format!(
            "no divergence: every variant was killed by the same signal (exit status {})",
            r.exit_status
        ),
        (Outcome::Terminated, _) => format!(
            "terminated: mvx was signalled and killed every variant (exit status {})",
            r.exit_status
        ),
    }
}

/// `argument_mismatch` as `argument mismatch`.
pub fn kind_name(d: &Divergence) -> String {
    serde_json::to_value(d.kind)
        .ok()
        .and_then(|v| v.as_str().map(|s| s.replace('_', " ")))
        .unwrap_or_default()
}

fn verdict(out: &mut String, r: &Report) {
    let _ = writeln!(out, "mvx report: {}", headline(r));
    if let Some(d) = &r.divergence {
        let _ = writeln!(out, "  {}", d.message);
    }
}

fn diverging_call(out: &mut String, d: &Divergence) {
    let _ = writeln!(out, "\nDiverging call");
    let labels: Vec<String> = d.variants.iter().map(|v| v.label()).collect();
    let width = labels.iter().map(String::len).max().unwrap_or(0);
    for (v, label) in d.variants.iter().zip(&labels) {
        let _ = writeln!(out, "  {label:<width$}  {}", v.what());
    }
    for arg in diverging_buffers(d) {
        buffer_dump(out, d, &arg);
    }
}

/// One argument's buffers as hex-dump lines, each follower's under the leader's, with a
/// line of `^` under the bytes that differ.
fn buffer_dump(out: &mut String, d: &Divergence, arg: &ArgBuffers) {
    let _ = writeln!(out, "\n  argument {}:", arg.arg + 1);
    for (v, shown) in d.variants.iter().zip(&arg.variants) {
        if let Some(s) = shown {
            let cut = if s.len > s.bytes.len() {
                format!(", the first {} kept", s.bytes.len())
            } else {
                String::new()
            };
            let _ = writeln!(out, "    variant {}: {} bytes{cut}", v.index, s.len);
        }
    }
    let mut last_shown = None;
    for line in shown_lines(arg) {
        if last_shown.is_some_and(|l: usize| l + 1 != line) {
            let _ = writeln!(out, "    ...");
        }
        last_shown = Some(line);
        for (v, shown) in d.variants.iter().zip(&arg.variants) {
            let Some(s) = shown else { continue };
            let _ = writeln!(out, "    v{:<2} {}", v.index, hex_line(s, line));
            if let Some(marks) = marker_line(s, line) {
                let _ = writeln!(out, "        {marks}");
            }
        }
    }
}

/// The dump lines worth showing in a terminal: the first few and those that differ.
fn shown_lines(arg: &ArgBuffers) -> Vec<usize> {
    (0..arg.lines())
        .filter(|&l| l < DUMP_HEAD_LINES || arg.line_differs(l))
        .take(DUMP_MAX_LINES)
        .collect()
}

/// `0010  68 65 6c ...  |hel...|` for the bytes of line `line`.
fn hex_line(s: &Shown, line: usize) -> String {
    let start = line * LINE;
    let bytes = s.bytes.get(start..).unwrap_or(&[]);
    let bytes = &bytes[..bytes.len().min(LINE)];
    let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let text: String = bytes.iter().map(|&b| printable(b)).collect();
    format!(
        "{start:04x}  {:<width$}  |{text}|",
        hex.join(" "),
        width = LINE * 3 - 1
    )
}

/// `^^` under differing bytes of `hex_line`'s line, in both columns; `None` if none differ.
fn marker_line(s: &Shown, line: usize) -> Option<String> {
    let start = line * LINE;
    let end = s.bytes.len().min(start + LINE);
    let marked: Vec<bool> = (start..end).map(|i| is_marked(&s.differs, i)).collect();
    if !marked.contains(&true) {
        return None;
    }
    let hex: String = marked
        .iter()
        .map(|&m| if m { "^^ " } else { "   " })
        .collect();
    let text: String = marked.iter().map(|&m| if m { '^' } else { ' ' }).collect();
    let line = format!(
        "      {:<width$}   {text}",
        hex.trim_end(),
        width = LINE * 3 - 1
    );
    Some(line.trim_end().to_string())
}

fn history(out: &mut String, d: &Divergence) {
    let histories: Vec<Vec<String>> = d.variants.iter().map(|v| v.history.clone()).collect();
    if histories.iter().all(Vec::is_empty) {
        return;
    }
    let Alignment { rows, parted_at } = align(&histories);
    let _ = writeln!(
        out,
        "\nLast calls (aligned; `>` marks where the variants parted)"
    );
    let widths: Vec<usize> = d
        .variants
        .iter()
        .zip(&histories)
        .map(|(v, h)| {
            let longest = h.iter().map(|e| e.chars().count()).max().unwrap_or(0);
            longest.max(v.label().len()).min(COLUMN_WIDTH)
        })
        .collect();
    let header: Vec<String> = d
        .variants
        .iter()
        .zip(&widths)
        .map(|(v, &w)| pad(&v.label(), w))
        .collect();
    let _ = writeln!(out, "    {}", header.join(" | ").trim_end());
    for (i, row) in rows.iter().enumerate() {
        let mark = if Some(i) == parted_at { ">" } else { " " };
        let cells: Vec<String> = row
            .iter()
            .zip(&histories)
            .zip(&widths)
            .map(|((cell, h), &w)| pad(cell.map_or("", |k| h[k].as_str()), w))
            .collect();
        let _ = writeln!(out, "  {mark} {}", cells.join(" | ").trim_end());
    }
}

/// `s` cut or padded to `width` characters.
fn pad(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n > width {
        let cut: String = s.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// Groups by parent, in the report's order: (depth, node).
pub fn tree_order(nodes: &[GroupNode]) -> Vec<(usize, &GroupNode)> {
    let known = |id: usize| nodes.iter().any(|n| n.id == id);
    let mut order = Vec::new();
    let mut stack: Vec<(usize, &GroupNode)> = nodes
        .iter()
        .filter(|n| !n.parent.is_some_and(known))
        .rev()
        .map(|n| (0, n))
        .collect();
    while let Some((depth, node)) = stack.pop() {
        order.push((depth, node));
        // A node that names itself (a hand-edited report) would loop forever: skip it.
        let children = nodes
            .iter()
            .filter(|c| c.parent == Some(node.id) && c.id != node.id);
        let children: Vec<&GroupNode> = children.collect();
        stack.extend(children.into_iter().rev().map(|c| (depth + 1, c)));
        if order.len() > nodes.len() {
            break;
        }
    }
    order
}

/// `process 100 (pids 100, 101)`.
pub fn node_label(n: &GroupNode) -> String {
    let kind = if n.thread { "thread" } else { "process" };
    let pid = n.pids.first().copied().unwrap_or(0);
    let pids: Vec<String> = n.pids.iter().map(i32::to_string).collect();
    format!("{kind} {pid} (per variant: {})", pids.join(", "))
}

fn tree(out: &mut String, r: &Report) {
    if r.tree.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nProcesses and threads (lock-step groups)");
    for (depth, n) in tree_order(&r.tree) {
        let mark = if n.diverged { "  <== diverged" } else { "" };
        let indent = "  ".repeat(depth + 1);
        let _ = writeln!(out, "{indent}{}: {}{mark}", node_label(n), n.state);
    }
    if r.tree_omitted > 0 {
        let _ = writeln!(out, "  ... and {} more groups", r.tree_omitted);
    }
}

/// `write 3, read 2` for the most frequent calls.
pub fn counts_line(counts: &[(String, u64)]) -> String {
    let top: Vec<String> = counts
        .iter()
        .take(16)
        .map(|(name, n)| format!("{name} {n}"))
        .collect();
    let more = if counts.len() > 16 { ", ..." } else { "" };
    format!("{}{more}", top.join(", "))
}

fn statistics(out: &mut String, r: &Report) {
    let _ = writeln!(out, "\nStatistics");
    let _ = writeln!(out, "  syscalls in lock-step: {}", r.syscalls);
    if !r.syscalls_by_name.is_empty() {
        let _ = writeln!(out, "    by call: {}", counts_line(&r.syscalls_by_name));
    }
    if !r.unpaired_by_name.is_empty() {
        let _ = writeln!(
            out,
            "  in the monitor outside lock-step: {}",
            counts_line(&r.unpaired_by_name)
        );
    }
    if !r.rules_used.is_empty() {
        let _ = writeln!(
            out,
            "  run alone by equivalence rules: {}",
            counts_line(&r.rules_used)
        );
    }
    let _ = writeln!(out, "  {}", r.signals.summary());
    for w in &r.warnings {
        let _ = writeln!(out, "  warning: {w}");
    }
}

fn run_info(out: &mut String, r: &Report) {
    let run = &r.run;
    let _ = writeln!(out, "\nRun");
    let version = if run.mvx_version.is_empty() {
        "(not recorded)"
    } else {
        &run.mvx_version
    };
    let _ = writeln!(out, "  mvx version: {version}");
    if !run.command_line.is_empty() {
        let _ = writeln!(out, "  command:     {}", shell_words(&run.command_line));
    }
    if !run.program_argv.is_empty() {
        let _ = writeln!(out, "  program:     {}", shell_words(&run.program_argv));
    }
    if !run.level.is_empty() {
        let _ = writeln!(out, "  level:       {}", run.level);
        let _ = writeln!(out, "  policy:      {}", run.policy);
    }
    if !run.rules.is_empty() {
        let _ = writeln!(out, "  rules:       {}", run.rules.join(", "));
    }
    for (i, v) in r.variants.iter().enumerate() {
        let _ = writeln!(out, "  variant {i}:   {v}");
    }
}

/// Arguments as a shell would take them back: quoted where they need it.
pub fn shell_words(args: &[String]) -> String {
    let plain = |a: &str| {
        !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
    };
    args.iter()
        .map(|a| {
            if plain(a) {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::sample::sample_report;
    use super::*;

    #[test]
    fn the_verdict_comes_first() {
        let text = render(&sample_report());
        assert!(
            text.starts_with(
                "mvx report: DIVERGENCE (argument mismatch) in thread 102 of process 100"
            ),
            "{text}"
        );
    }

    #[test]
    fn differing_bytes_get_markers_under_them() {
        let text = render(&sample_report());
        // "hello from variant A\n": byte 19 differs, on the second dump line (offset 0x10).
        let lines: Vec<&str> = text.lines().collect();
        let at = lines
            .iter()
            .position(|l| l.starts_with("    v1  0010"))
            .unwrap_or_else(|| panic!("no second dump line of variant 1\n{text}"));
        assert!(lines[at].contains("|nt B.|"), "{}", lines[at]);
        let marks = lines[at + 1];
        let hex_col = lines[at].find("42").unwrap();
        assert_eq!(marks.find('^'), Some(hex_col), "{text}");
        assert_eq!(marks.matches('^').count(), 3, "{marks}");
    }

    #[test]
    fn history_columns_line_up_and_mark_the_parting() {
        let text = render(&sample_report());
        let parted: Vec<&str> = text.lines().filter(|l| l.starts_with("  > ")).collect();
        assert_eq!(parted.len(), 1, "{text}");
        assert!(parted[0].contains("write(1, \"hello from variant A"));
        let rows: Vec<&str> = text
            .lines()
            .filter(|l| l.contains("brk(NULL)") || l.contains("hello from variant"))
            .filter(|l| l.contains(" | "))
            .collect();
        let bars: Vec<usize> = rows.iter().map(|l| l.find(" | ").unwrap()).collect();
        assert!(bars.iter().all(|&b| b == bars[0]), "{rows:#?}");
    }

    #[test]
    fn the_tree_marks_the_diverged_group() {
        let text = render(&sample_report());
        assert!(
            text.contains("    thread 102 (per variant: 102, 103): at syscall entry  <== diverged"),
            "{text}"
        );
    }

    #[test]
    fn shell_words_quote_what_needs_it() {
        let args = ["mvx", "run", "--", "sh", "-c", "echo 'hi'"].map(String::from);
        assert_eq!(shell_words(&args), r"mvx run -- sh -c 'echo '\''hi'\'''");
    }

    #[test]
    fn pad_cuts_long_entries() {
        assert_eq!(pad("abcdef", 4), "abc…");
        assert_eq!(pad("ab", 4), "ab  ");
    }
}
