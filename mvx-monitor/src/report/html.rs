//! A report as one self-contained HTML page (`mvx report --html`, `mvx run --report-html`).
//!
//! Everything the page needs is inline (CSS, no script) and it names no URL, so it opens the
//! same offline and cannot leak a run's data. Everything from the run (program output, paths,
//! arguments) goes through `escape`.

use super::align::{align, comparable, Alignment};
use super::byte_diff::{diverging_buffers, is_marked, printable, ArgBuffers, Shown, LINE};
use super::text::{counts_line, headline, node_label, shell_words, tree_order};
use super::{Divergence, Outcome, Report};
use std::fmt::Write as _;

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 0 auto; padding: 1em 2em; max-width: 100em;
       color: #1b1b1b; background: #fff; }
code, pre, .mono { font-family: ui-monospace, 'DejaVu Sans Mono', monospace; font-size: 0.9em; }
header.verdict { padding: 0.8em 1.2em; border-radius: 6px; border: 2px solid #2e7d32;
                 background: #e8f5e9; }
header.verdict.divergence { border-color: #c62828; background: #ffebee; }
header.verdict h1 { margin: 0 0 0.3em 0; font-size: 1.4em; }
header.verdict p { margin: 0.2em 0; }
h2 { border-bottom: 1px solid #ccc; padding-bottom: 0.2em; margin-top: 1.6em; }
table { border-collapse: collapse; }
th, td { border: 1px solid #ddd; padding: 0.25em 0.5em; text-align: left; vertical-align: top; }
th { background: #f4f4f4; }
table.calls td code { white-space: pre-wrap; word-break: break-all; }
.dumps { display: grid; grid-auto-flow: column; grid-auto-columns: max-content; gap: 1em;
         overflow-x: auto; }
.dump h4 { margin: 0.4em 0; }
.dump pre { margin: 0; padding: 0.4em; background: #fafafa; border: 1px solid #ddd;
            font-size: 0.8em; }
mark.diff { background: #ffab91; color: #000; font-weight: bold; }
table.history td { white-space: pre; font-family: ui-monospace, 'DejaVu Sans Mono', monospace;
                   font-size: 0.85em; max-width: 40em; overflow: hidden; text-overflow: ellipsis; }
table.history tr.parted td { border-top: 3px solid #c62828; }
table.history tr.after td { background: #fff8e1; }
table.history td.differs { background: #ffcdd2; }
table.history td.gap { color: #999; }
td.where { color: #c62828; font-weight: bold; }
ul.tree, ul.tree ul { list-style: none; padding-left: 1.4em; margin: 0.2em 0; }
ul.tree { padding-left: 0; }
li.diverged > .node { background: #ffcdd2; border: 1px solid #c62828; border-radius: 4px;
                      padding: 0 0.3em; font-weight: bold; }
dl { display: grid; grid-template-columns: max-content auto; gap: 0.2em 1em; }
dt { font-weight: bold; }
dd { margin: 0; }
.muted { color: #666; }
";

/// The whole page.
pub fn render(r: &Report) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>mvx report: {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape(&headline(r))
    );
    verdict(&mut out, r);
    if let Some(d) = &r.divergence {
        diverging_call(&mut out, d);
        history(&mut out, d);
    }
    tree(&mut out, r);
    statistics(&mut out, r);
    run_info(&mut out, r);
    out.push_str("</body>\n</html>\n");
    out
}

/// Text made safe for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters other than white space are parse errors in HTML.
            c if c.is_control() && !matches!(c, '\n' | '\t') => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

fn verdict(out: &mut String, r: &Report) {
    let class = if r.outcome == Outcome::Divergence {
        "verdict divergence"
    } else {
        "verdict"
    };
    let _ = writeln!(
        out,
        "<header class=\"{class}\" id=\"verdict\">\n<h1>{}</h1>",
        escape(&headline(r))
    );
    if let Some(d) = &r.divergence {
        let _ = writeln!(out, "<p class=\"message\">{}</p>", escape(&d.message));
    }
    let _ = writeln!(
        out,
        "<p class=\"muted\">{} variants; {} syscalls in lock-step</p>\n</header>",
        r.variants.len(),
        r.syscalls
    );
}

fn diverging_call(out: &mut String, d: &Divergence) {
    out.push_str("<section id=\"call\">\n<h2>Diverging call</h2>\n<table class=\"calls\">\n<tr>");
    for v in &d.variants {
        let _ = write!(out, "<th>{}</th>", escape(&v.label()));
    }
    out.push_str("</tr>\n<tr>");
    for v in &d.variants {
        match &v.syscall {
            Some(sc) => {
                let _ = write!(out, "<td><code>{}</code></td>", escape(&sc.text));
            }
            None => {
                let _ = write!(out, "<td class=\"muted\">(no syscall)</td>");
            }
        }
    }
    out.push_str("</tr>\n<tr>");
    for v in &d.variants {
        let _ = write!(out, "<td>{}</td>", escape(&v.status));
    }
    out.push_str("</tr>\n<tr>");
    for v in &d.variants {
        let _ = write!(out, "<td class=\"mono\">{}</td>", escape(&v.program));
    }
    out.push_str("</tr>\n</table>\n");
    for arg in diverging_buffers(d) {
        buffer_dumps(out, d, &arg);
    }
    out.push_str("</section>\n");
}

/// One argument's buffers side by side, hex and text, differing bytes in `<mark>`.
fn buffer_dumps(out: &mut String, d: &Divergence, arg: &ArgBuffers) {
    let _ = writeln!(
        out,
        "<h3>Argument {} (bytes that differ are marked)</h3>\n<div class=\"dumps\">",
        arg.arg + 1
    );
    for (v, shown) in d.variants.iter().zip(&arg.variants) {
        let Some(s) = shown else { continue };
        let kept = if s.len > s.bytes.len() {
            format!(", the first {} kept", s.bytes.len())
        } else {
            String::new()
        };
        let _ = write!(
            out,
            "<div class=\"dump\"><h4>variant {}: {} bytes{kept}</h4><pre>",
            v.index, s.len
        );
        for line in 0..s.bytes.len().div_ceil(LINE) {
            out.push_str(&dump_line(s, line));
            out.push('\n');
        }
        out.push_str("</pre></div>\n");
    }
    out.push_str("</div>\n");
}

/// `0010  68 65 <mark>41</mark>  |he<mark>A</mark>|`: one line of a hex dump, the marked
/// bytes in runs so that a differing stretch reads as one.
fn dump_line(s: &Shown, line: usize) -> String {
    let start = line * LINE;
    let end = s.bytes.len().min(start + LINE);
    let mut hex = Marked::default();
    let mut text = Marked::default();
    for i in start..end {
        let marked = is_marked(&s.differs, i);
        let b = s.bytes[i];
        hex.push(
            if i > start { " " } else { "" },
            &format!("{b:02x}"),
            marked,
        );
        text.push("", &escape(&printable(b).to_string()), marked);
    }
    let pad = " ".repeat((LINE - (end - start)) * 3);
    format!("{start:04x}  {}{pad}  |{}|", hex.finish(), text.finish())
}

/// HTML with runs of marked pieces inside `<mark class="diff">`.
#[derive(Default)]
struct Marked {
    html: String,
    open: bool,
}

impl Marked {
    /// Appends `sep` then `piece`; `sep` joins a run when both sides are marked.
    fn push(&mut self, sep: &str, piece: &str, marked: bool) {
        if self.open && !marked {
            self.html.push_str("</mark>");
            self.open = false;
        }
        self.html.push_str(sep);
        if marked && !self.open {
            self.html.push_str("<mark class=\"diff\">");
            self.open = true;
        }
        self.html.push_str(piece);
    }

    fn finish(mut self) -> String {
        if self.open {
            self.html.push_str("</mark>");
        }
        self.html
    }
}

fn history(out: &mut String, d: &Divergence) {
    let histories: Vec<Vec<String>> = d.variants.iter().map(|v| v.history.clone()).collect();
    if histories.iter().all(Vec::is_empty) {
        return;
    }
    let Alignment { rows, parted_at } = align(&histories);
    out.push_str(
        "<section id=\"history\">\n<h2>Last calls</h2>\n<p class=\"muted\">Aligned by call; \
         the red line is where the variants parted, cells that differ from the leader's are \
         red.</p>\n<table class=\"history\">\n<tr><th></th>",
    );
    for v in &d.variants {
        let _ = write!(out, "<th>{}</th>", escape(&v.label()));
    }
    out.push_str("</tr>\n");
    for (i, row) in rows.iter().enumerate() {
        let class = match parted_at {
            Some(p) if p == i => " class=\"parted\"",
            Some(p) if i > p => " class=\"after\"",
            _ => "",
        };
        let where_ = if Some(i) == parted_at { "parted" } else { "" };
        let _ = write!(out, "<tr{class}><td class=\"where\">{where_}</td>");
        let leader = row[0].map(|k| comparable(&histories[0][k]));
        for (v, cell) in row.iter().enumerate() {
            match cell {
                None => out.push_str("<td class=\"gap\">—</td>"),
                Some(k) => {
                    let entry = &histories[v][*k];
                    let differs = v > 0 && leader.as_deref() != Some(comparable(entry).as_str());
                    let class = if differs { " class=\"differs\"" } else { "" };
                    let _ = write!(out, "<td{class}>{}</td>", escape(entry));
                }
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n</section>\n");
}

fn tree(out: &mut String, r: &Report) {
    if r.tree.is_empty() {
        return;
    }
    out.push_str("<section id=\"tree\">\n<h2>Processes and threads</h2>\n<ul class=\"tree\">");
    let mut depth = 0;
    for (k, (d, n)) in tree_order(&r.tree).into_iter().enumerate() {
        if k > 0 {
            if d > depth {
                out.push_str("\n<ul>");
            } else {
                out.push_str("</li>");
                for _ in d..depth {
                    out.push_str("</ul></li>");
                }
            }
        }
        depth = d;
        let (class, mark) = if n.diverged {
            (" class=\"diverged\"", " ← diverged here")
        } else {
            ("", "")
        };
        let _ = write!(
            out,
            "\n<li{class}><span class=\"node\">{}</span> <span class=\"muted\">{}{mark}</span>",
            escape(&node_label(n)),
            escape(&n.state)
        );
    }
    out.push_str("</li>");
    for _ in 0..depth {
        out.push_str("</ul></li>");
    }
    out.push_str("\n</ul>\n");
    if r.tree_omitted > 0 {
        let _ = writeln!(
            out,
            "<p class=\"muted\">… and {} more groups</p>",
            r.tree_omitted
        );
    }
    out.push_str("</section>\n");
}

fn statistics(out: &mut String, r: &Report) {
    let s = &r.signals;
    let _ = writeln!(
        out,
        "<section id=\"stats\">\n<h2>Statistics</h2>\n<dl>\n\
         <dt>syscalls in lock-step</dt><dd>{}</dd>\n\
         <dt>by call</dt><dd class=\"mono\">{}</dd>\n\
         <dt>outside lock-step</dt><dd class=\"mono\">{}</dd>\n\
         <dt>run alone by equivalence rules</dt><dd class=\"mono\">{}</dd>\n\
         <dt>signals delivered</dt><dd>{}</dd>\n\
         <dt>syscalls skipped for signals</dt><dd>{}</dd>\n\
         <dt>signal delay (µs)</dt><dd>mean {:.0}, p50 {}, p99 {}, max {}</dd>\n</dl>",
        r.syscalls,
        escape(&counts_line(&r.syscalls_by_name)),
        escape(&counts_line(&r.unpaired_by_name)),
        escape(&counts_line(&r.rules_used)),
        s.delivered,
        s.skipped_syscalls,
        s.delay_us.mean,
        s.delay_us.p50,
        s.delay_us.p99,
        s.delay_us.max
    );
    if !r.warnings.is_empty() {
        out.push_str("<h3>Warnings</h3>\n<ul>\n");
        for w in &r.warnings {
            let _ = writeln!(out, "<li>{}</li>", escape(w));
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn run_info(out: &mut String, r: &Report) {
    let run = &r.run;
    let or_unknown = |s: &str| {
        if s.is_empty() {
            "(not recorded)".to_string()
        } else {
            escape(s)
        }
    };
    let _ = writeln!(
        out,
        "<section id=\"run\">\n<h2>Run</h2>\n<dl>\n\
         <dt>mvx version</dt><dd>{}</dd>\n\
         <dt>command</dt><dd class=\"mono\">{}</dd>\n\
         <dt>program</dt><dd class=\"mono\">{}</dd>\n\
         <dt>monitor level</dt><dd>{}</dd>\n\
         <dt>policy</dt><dd>{}</dd>",
        or_unknown(&run.mvx_version),
        or_unknown(&shell_words(&run.command_line)),
        or_unknown(&shell_words(&run.program_argv)),
        or_unknown(&run.level),
        or_unknown(&run.policy)
    );
    if !run.rules.is_empty() {
        let _ = writeln!(
            out,
            "<dt>equivalence rules</dt><dd class=\"mono\">{}</dd>",
            escape(&run.rules.join(", "))
        );
    }
    for (i, v) in r.variants.iter().enumerate() {
        let _ = writeln!(
            out,
            "<dt>variant {i}</dt><dd class=\"mono\">{}</dd>",
            escape(v)
        );
    }
    out.push_str("</dl>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::super::sample::sample_report;
    use super::*;

    #[test]
    fn program_output_cannot_inject_markup() {
        let page = render(&sample_report());
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("<b>"), "{page}");
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;"));
        assert!(page.contains("a &lt;b&gt;warning&lt;/b&gt;"));
    }

    #[test]
    fn escape_covers_markup_quotes_and_controls() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{1}b\n"), "a\\u{1}b\n");
    }

    #[test]
    fn the_differing_byte_is_marked_in_hex_and_text() {
        let page = render(&sample_report());
        // "hello from variant A\n": 'A' (0x41) at offset 19, on the line at 0x10.
        let line = format!(
            "0010  6e 74 20 <mark class=\"diff\">41</mark> 0a{}  |nt <mark class=\"diff\">A</mark>.|",
            " ".repeat(33)
        );
        assert!(page.contains(&line), "{page}");
        assert!(page.contains("|nt <mark class=\"diff\">B</mark>.|"));
        assert_eq!(page.matches("<mark class=\"diff\">").count(), 4);
    }

    #[test]
    fn runs_of_marked_bytes_share_one_mark() {
        let s = Shown {
            bytes: b"abcdef".to_vec(),
            len: 6,
            differs: vec![1..3, 5..6],
        };
        assert_eq!(
            dump_line(&s, 0),
            format!(
                "0000  61 <mark class=\"diff\">62 63</mark> 64 65 <mark class=\"diff\">66</mark>{}  \
                 |a<mark class=\"diff\">bc</mark>de<mark class=\"diff\">f</mark>|",
                " ".repeat(30)
            )
        );
    }

    #[test]
    fn the_page_names_no_url() {
        let page = render(&sample_report());
        for needle in [
            "http:", "https:", "src=", "href=", "<link", "@import", "url(",
        ] {
            assert!(!page.contains(needle), "{needle}");
        }
    }

    #[test]
    fn the_history_marks_the_parting_row_and_the_tree_the_group() {
        let page = render(&sample_report());
        assert_eq!(page.matches("<tr class=\"parted\">").count(), 1);
        assert!(page.contains("<li class=\"diverged\"><span class=\"node\">thread 102"));
        // The nested list closes properly: the thread's list inside the process's item.
        assert!(page.contains("</li></ul></li>\n</ul>"), "{page}");
    }
}
