//! `aftercare status`: completion per incident read back from the issues.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Globals;

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Directory of postmortems (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Repository to read, `OWNER/NAME` (default: aftercare.yml, then GITHUB_REPOSITORY, then
    /// the `origin` remote).
    #[arg(long)]
    pub repo: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = StatusFormat::Text)]
    pub format: StatusFormat,
    /// Write an SVG badge to FILE, and its shields.io endpoint JSON beside it.
    #[arg(long, value_name = "FILE")]
    pub badge: Option<PathBuf>,
    /// Rewrite the status section between the aftercare markers in FILE.
    #[arg(long, value_name = "FILE")]
    pub readme: Option<PathBuf>,
    /// Exit with code 2 when any P1 task is overdue.
    #[arg(long)]
    pub fail_on_overdue: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    Text,
    Json,
    Markdown,
}

pub fn run(_args: StatusArgs, _globals: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("status is not implemented yet")
}
