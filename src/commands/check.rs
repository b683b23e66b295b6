//! `aftercare check`: validate every postmortem and report all problems at once.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::Globals;

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Directory of postmortems (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CheckFormat::Text)]
    pub format: CheckFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// `path:line:col: error: message`, then a summary.
    Text,
    /// A machine-readable list of problems.
    Json,
    /// GitHub workflow commands, shown as annotations on a pull request.
    Github,
}

pub fn run(_args: CheckArgs, _globals: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("check is not implemented yet")
}
