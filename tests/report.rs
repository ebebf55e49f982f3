//! `mvx report` and `mvx run --report-html`: a known divergence (examples/diverge-a and
//! diverge-b write different text) rendered as text and as a page, the page checked by an
//! HTML parser's error list and rendered in a real headless browser (Debian's chromium).

mod common;

use common::*;
use html5ever::tendril::TendrilSink;
use markup5ever_rcdom::RcDom;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

/// A browser run may take this long (it starts cold, with a fresh profile).
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs diverge-a against diverge-b with the given report options; checks it diverged.
fn diverge_with(opts: &[&Path]) -> Output {
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run");
    for pair in opts.chunks(2) {
        cmd.args(pair);
    }
    cmd.arg("--variant")
        .arg(example("diverge-a"))
        .arg("--variant")
        .arg(example("diverge-b"));
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    out
}

fn mvx_report(args: &[&std::ffi::OsStr]) -> Output {
    run(Command::new(mvx_bin()).arg("report").args(args), None)
}

/// The HTML parse errors (tokenizer and tree construction, as the HTML standard defines
/// them) of `page`, and whether it parsed in no-quirks mode (a proper doctype).
fn html_errors(page: &str) -> (Vec<String>, bool) {
    let opts = html5ever::ParseOpts {
        tokenizer: html5ever::tokenizer::TokenizerOpts {
            exact_errors: true,
            ..Default::default()
        },
        tree_builder: html5ever::tree_builder::TreeBuilderOpts {
            exact_errors: true,
            ..Default::default()
        },
    };
    let dom = html5ever::parse_document(RcDom::default(), opts).one(page);
    let errors = dom.errors.borrow().iter().map(|e| e.to_string()).collect();
    let standard = dom.quirks_mode.get() == html5ever::tree_builder::NoQuirks;
    (errors, standard)
}

fn assert_valid_html(page: &str) {
    let (errors, standard) = html_errors(page);
    assert!(errors.is_empty(), "HTML parse errors: {errors:#?}\n{page}");
    assert!(standard, "the page renders in quirks mode\n{page}");
    for external in [
        "http:", "https:", "src=", "href=", "<link", "@import", "url(",
    ] {
        assert!(
            !page.contains(external),
            "the page may reach out ({external})"
        );
    }
}

#[test]
fn the_validator_catches_broken_markup() {
    let (errors, standard) = html_errors("<p>a <b>stray</p></i><div>");
    assert!(!errors.is_empty(), "no errors found in broken markup");
    assert!(!standard, "no doctype, yet standards mode");
    let (errors, standard) = html_errors(
        "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body><p>ok</p></body></html>",
    );
    assert!(errors.is_empty() && standard, "{errors:?}");
}

/// The browser; fails the test naming the package if it is missing.
fn chromium() -> PathBuf {
    find_program("chromium")
        .or_else(|| find_program("chromium-browser"))
        .unwrap_or_else(|| {
            panic!("chromium is not installed: install the Debian package chromium (.ci/run does)")
        })
}

/// Runs headless chromium on `page` with `args`, in a profile of its own.
fn browse(page: &Path, args: &[String]) -> Output {
    let profile = TempDir::new("chromium-profile");
    let mut cmd = Command::new(chromium());
    cmd.args([
        "--headless",
        // Root (CI) cannot use chromium's sandbox.
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
    ])
    .arg(format!("--user-data-dir={}", profile.path().display()))
    .args(args)
    .arg(format!("file://{}", page.display()));
    let out = run_timeout(&mut cmd, None, BROWSER_TIMEOUT);
    assert!(out.status.success(), "chromium failed\n{}", out.context());
    out
}

/// The page a browser made of the report: its DOM, and a screenshot that shows something.
fn check_in_browser(page: &Path, dir: &TempDir) -> String {
    let shot = dir.join("page.png");
    browse(
        page,
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1280,2000".into(),
        ],
    );
    let png = std::fs::read(&shot).unwrap_or_else(|e| panic!("no screenshot: {e}"));
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let (width, height) = (
        u32::from_be_bytes(png[16..20].try_into().unwrap()),
        u32::from_be_bytes(png[20..24].try_into().unwrap()),
    );
    assert_eq!((width, height), (1280, 2000), "screenshot size");
    // A blank 1280x2000 page compresses to a few kB; tables and text do not.
    assert!(
        png.len() > 30_000,
        "the screenshot is nearly empty: {} bytes",
        png.len()
    );
    browse(page, &["--dump-dom".into()]).stdout_str()
}

fn assert_shows_the_divergence(dom: &str) {
    for text in [
        "DIVERGENCE (argument mismatch)",
        "hello from variant A",
        "hello from variant B",
        // 'A' and 'B' at byte 19, marked in the hex and the text columns.
        "<mark class=\"diff\">41</mark>",
        "<mark class=\"diff\">42</mark>",
        "|nt <mark class=\"diff\">A</mark>.|",
        "|nt <mark class=\"diff\">B</mark>.|",
        "<tr class=\"parted\">",
        "<li class=\"diverged\">",
        "diverge-a",
        "strict",
    ] {
        assert!(
            dom.contains(text),
            "the rendered page lacks {text:?}\n{dom}"
        );
    }
}

#[test]
fn a_divergence_page_renders_in_a_browser_with_the_differing_bytes_marked() {
    let dir = TempDir::new("report-html");
    let (json, page) = (dir.join("run.json"), dir.join("run.html"));
    diverge_with(&[
        Path::new("--report"),
        &json,
        Path::new("--report-html"),
        &page,
    ]);
    let html = std::fs::read_to_string(&page).expect("--report-html wrote the page");
    assert_valid_html(&html);
    let dom = check_in_browser(&page, &dir);
    assert_shows_the_divergence(&dom);

    // The page of the saved JSON is the same page.
    let again = dir.join("again.html");
    let out = mvx_report(&[json.as_os_str(), "--html".as_ref(), again.as_os_str()]);
    assert_eq!(out.code(), 0, "{}", out.context());
    assert_eq!(
        std::fs::read_to_string(&again).expect("mvx report --html wrote the page"),
        html
    );
}

#[test]
fn the_report_gives_the_run_and_the_diverging_buffers() {
    let dir = TempDir::new("report-json");
    let json = dir.join("run.json");
    diverge_with(&[Path::new("--report"), &json]);
    let (text, report) = read_report(&json);
    let run = &report["run"];
    assert_eq!(run["mvx_version"], env!("CARGO_PKG_VERSION"), "{text}");
    assert_eq!(run["level"], monitor_level(), "{text}");
    assert_eq!(run["policy"], "kill", "{text}");
    assert_eq!(run["command_line"][1], "run", "{text}");
    let d = &report["divergence"];
    let hex = |v: usize| d["variants"][v]["syscall"]["buffers"][0]["hex"].clone();
    let expect = |s: &str| s.bytes().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(hex(0), expect("hello from variant A\n"), "{text}");
    assert_eq!(hex(1), expect("hello from variant B\n"), "{text}");
    let tree = report["tree"].as_array().expect("a tree");
    let diverged: Vec<_> = tree.iter().filter(|n| n["diverged"] == true).collect();
    assert_eq!(diverged.len(), 1, "{text}");
    assert_eq!(diverged[0]["id"], d["group_id"], "{text}");
}

#[test]
fn mvx_report_prints_the_divergence_as_aligned_text() {
    let dir = TempDir::new("report-text");
    let json = dir.join("run.json");
    diverge_with(&[Path::new("--report"), &json]);
    let out = mvx_report(&[json.as_os_str()]);
    assert_eq!(out.code(), 0, "{}", out.context());
    let text = out.stdout_str();
    assert!(
        text.starts_with("mvx report: DIVERGENCE (argument mismatch)"),
        "{text}"
    );
    // The differing byte, marked under the hex and the text column of each variant.
    let lines: Vec<&str> = text.lines().collect();
    for (variant, byte) in [("v0", "41"), ("v1", "42")] {
        let at = lines
            .iter()
            .position(|l| l.trim_start().starts_with(&format!("{variant}  0010")))
            .unwrap_or_else(|| panic!("no dump line 0010 of {variant}\n{text}"));
        let col = lines[at].find(&format!(" {byte} ")).expect("the byte") + 1;
        assert_eq!(lines[at + 1].find("^^"), Some(col), "{text}");
    }
    // The last calls side by side, the parting row marked.
    let parted = lines
        .iter()
        .find(|l| l.starts_with("  > "))
        .unwrap_or_else(|| panic!("no parting row\n{text}"));
    assert!(
        parted.contains("hello from variant A") && parted.contains("hello from variant B"),
        "{parted}"
    );
    assert!(text.contains("<== diverged"), "{text}");
    assert!(text.contains("policy:      kill"), "{text}");
}

#[test]
fn a_divergence_in_a_thread_is_marked_under_its_process() {
    let dir = TempDir::new("report-thread");
    let page = dir.join("thread.html");
    let mut cmd = Command::new(mvx_bin());
    cmd.arg("run")
        .arg("--report-html")
        .arg(&page)
        .arg("--variant")
        .arg(example("thread-diverge-a"))
        .arg("--variant")
        .arg(example("thread-diverge-b"));
    let out = run(&mut cmd, None);
    assert_eq!(out.code(), DIVERGENCE_STATUS, "{}", out.context());
    let html = std::fs::read_to_string(&page).expect("--report-html wrote the page");
    assert_valid_html(&html);
    // The thread's item is nested in its process's list, and it alone is marked.
    let process = html
        .find("<li><span class=\"node\">process ")
        .expect("the process");
    let nested =
        html[process..].find("\n<ul>\n<li class=\"diverged\"><span class=\"node\">thread ");
    assert!(nested.is_some(), "{html}");
    assert_eq!(html.matches("<li class=\"diverged\">").count(), 1, "{html}");
    assert!(
        html.contains("|thread says <mark class=\"diff\">B</mark>.|"),
        "{html}"
    );
}

#[test]
fn a_run_without_divergence_has_a_page_too() {
    let dir = TempDir::new("report-clean");
    let page = dir.join("clean.html");
    let out = run(
        Command::new(mvx_bin())
            .arg("run")
            .arg("--report-html")
            .arg(&page)
            .arg("--")
            .arg("true"),
        None,
    );
    assert_eq!(out.code(), 0, "{}", out.context());
    let html = std::fs::read_to_string(&page).expect("--report-html wrote the page");
    assert_valid_html(&html);
    assert!(
        html.contains("no divergence: every variant exited with status 0"),
        "{html}"
    );
}

#[test]
fn a_missing_or_malformed_report_is_a_clear_error() {
    let dir = TempDir::new("report-bad");
    let missing = dir.join("missing.json");
    let garbage = dir.join("garbage.json");
    std::fs::write(&garbage, "{\"outcome\": \"divergence\", \"exit_status\": ").unwrap();
    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, "[1, 2, 3]\n").unwrap();
    for (file, says) in [
        (&missing, "reading report"),
        (&garbage, "is not a report of `mvx run --report`"),
        (&wrong, "is not a report of `mvx run --report`"),
    ] {
        let out = mvx_report(&[file.as_os_str()]);
        let err = out.stderr_str();
        assert_eq!(out.code(), 125, "{}", out.context());
        assert!(
            err.starts_with("mvx: error: ") && err.contains(says),
            "{}",
            out.context()
        );
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(out.stdout.is_empty(), "{}", out.context());
    }
}
