//! `aftercare sync`: one GitHub issue per corrective task, kept in step with the YAML.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Globals;

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Directory of postmortems (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Repository to sync with, `OWNER/NAME` (default: aftercare.yml, then GITHUB_REPOSITORY,
    /// then the `origin` remote).
    #[arg(long)]
    pub repo: Option<String>,
    /// Print the plan and make no change.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SyncFormat::Text)]
    pub format: SyncFormat,
    /// Least time between two writes to GitHub, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    pub write_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncFormat {
    Text,
    Json,
}

pub fn run(_args: SyncArgs, _globals: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("sync is not implemented yet")
}
