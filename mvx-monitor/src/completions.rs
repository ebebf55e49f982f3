//! Shell completions and man pages, generated from the clap definitions of `cli.rs` (so they
//! never fall behind the options): `mvx completions SHELL` prints a completion script,
//! `mvx man DIR` writes mvx.1 and one page per subcommand (mvx-run.1, ...). `make install`
//! puts them where shells and man look.

use anyhow::{Context, Result};
use clap::CommandFactory;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(clap::Args, Debug)]
pub struct ManArgs {
    /// The directory to write the pages into (created if needed).
    #[arg(value_name = "DIR")]
    pub dir: PathBuf,
}

/// Prints the completion script of `args.shell` on stdout.
pub fn completions(args: &CompletionsArgs) -> Result<i32> {
    let mut cmd = crate::cli::Cli::command();
    clap_complete::generate(args.shell, &mut cmd, "mvx", &mut std::io::stdout());
    Ok(0)
}

/// Writes the man pages into `args.dir`.
pub fn man_pages(args: &ManArgs) -> Result<i32> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("creating {}", args.dir.display()))?;
    clap_mangen::generate_to(crate::cli::Cli::command(), &args.dir)
        .with_context(|| format!("writing man pages into {}", args.dir.display()))?;
    Ok(0)
}
