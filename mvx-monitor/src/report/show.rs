//! `mvx report FILE.json`: a saved report for people, as text or as a page.

use super::Report;
use anyhow::{Context, Result};
use std::io::Write as _;
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The JSON report `mvx run --report FILE` wrote.
    #[arg(value_name = "FILE.json")]
    pub file: PathBuf,
    /// Write one self-contained HTML page to OUT instead of printing text.
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
}

/// Prints the report as aligned text, or writes its page.
pub fn run(args: ReportArgs) -> Result<i32> {
    let report = Report::load(&args.file)?;
    match &args.html {
        Some(out) => {
            write_html(out, &report)?;
            eprintln!("mvx: wrote {}", out.display());
        }
        None => print_text(&super::text::render(&report))?,
    }
    Ok(0)
}

/// Writes to stdout; a reader that stopped early (`mvx report FILE | head`) is no error.
fn print_text(text: &str) -> Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        result => result.context("writing the report to stdout"),
    }
}

/// Writes the report's page to `path`.
pub fn write_html(path: &Path, report: &Report) -> Result<()> {
    std::fs::write(path, super::html::render(report))
        .with_context(|| format!("writing report page {}", path.display()))
}
