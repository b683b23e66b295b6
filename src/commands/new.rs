//! `aftercare new`: write a skeleton postmortem.

use clap::Args;

use super::Globals;

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The incident's title.
    pub title: String,
    /// The postmortem id (default: today's date and a slug of the title).
    #[arg(long)]
    pub id: Option<String>,
    /// Directory of postmortems (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub dir: Option<std::path::PathBuf>,
}

pub fn run(_args: NewArgs, _globals: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("new is not implemented yet")
}
