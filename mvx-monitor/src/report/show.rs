//! `mvx report FILE.json`: a saved report for people, as text or as a page.

use super::Report;
use anyhow::{Context, Result};
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
        None => print!("{}", super::text::render(&report)),
    }
    Ok(0)
}

/// Writes the report's page to `path`.
pub fn write_html(path: &Path, report: &Report) -> Result<()> {
    std::fs::write(path, super::html::render(report))
        .with_context(|| format!("writing report page {}", path.display()))
}
