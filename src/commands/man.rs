//! `aftercare man`: print a manual page, or write them all to a directory.
//!
//! The pages come from [`crate::manual`]; this file only picks one or writes them out.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::Globals;
use crate::exit;

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to print (default: the page of aftercare itself).
    pub command: Option<String>,
    /// Write every page (`aftercare.1`, `aftercare-check.1`, ...) into this directory instead,
    /// and print their paths.
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub out_dir: Option<PathBuf>,
}

pub fn run(args: ManArgs, _globals: &Globals) -> anyhow::Result<u8> {
    let pages = crate::manual::pages();
    if let Some(dir) = args.out_dir {
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        for page in &pages {
            let path = dir.join(page.file_name());
            std::fs::write(&path, &page.text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            crate::stdout::line(path.display());
        }
        return Ok(exit::OK);
    }
    let name = match &args.command {
        Some(command) => format!("aftercare-{command}"),
        None => "aftercare".to_string(),
    };
    let Some(page) = pages.iter().find(|p| p.name == name) else {
        let commands: Vec<&str> = pages
            .iter()
            .filter_map(|p| p.name.strip_prefix("aftercare-"))
            .collect();
        anyhow::bail!(
            "there is no command `{}`; the commands are {}",
            args.command.unwrap_or_default(),
            commands.join(", ")
        );
    };
    crate::stdout::print(&page.text);
    Ok(exit::OK)
}
