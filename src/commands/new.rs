//! `aftercare new`: write a skeleton postmortem.
//!
//! Writes `<dir>/<id>.yaml` from [`crate::scaffold`] and prints its path. It never overwrites:
//! a file of that name, of the same id with the other extension, or a postmortem that already
//! has the id, is an error. The draft's schema line points at `postmortem.schema.json` at the
//! root, relative to the draft's directory; when that file is missing it is written too (and
//! said so on standard error), so the line never points at nothing.

use std::io::Write;

use anyhow::Context;
use clap::Args;

use super::Globals;
use crate::config::Config;
use crate::exit;

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

pub fn run(args: NewArgs, _globals: &Globals) -> anyhow::Result<u8> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let config = Config::load(&root)?;
    let dir = args.dir.unwrap_or(config.dir);
    let today = chrono::Utc::now().date_naive();
    let id = args
        .id
        .unwrap_or_else(|| crate::scaffold::default_id(today, &args.title));
    if let Some(problem) = crate::scaffold::problem(&id, &args.title) {
        anyhow::bail!("{problem}");
    }
    let existing = crate::format::load_dir(&root, &dir);
    if let Some(taken) = id_taken(&root, &dir, &id, &existing.postmortems) {
        anyhow::bail!("{taken}; choose another id with --id");
    }
    let shown = |ext: &str| dir.join(format!("{id}.{ext}"));
    let full_dir = root.join(&dir);
    std::fs::create_dir_all(&full_dir)
        .with_context(|| format!("cannot create {}", dir.display()))?;
    let path = shown("yaml");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(root.join(&path))
        .with_context(|| format!("cannot create {}", path.display()))?;
    let schema_reference = crate::schema::reference_from(&root, &dir);
    file.write_all(crate::scaffold::skeleton(&id, &args.title, &schema_reference).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    if write_schema_if_missing(&root)? {
        eprintln!(
            "wrote {}: the schema the draft's first line points editors at",
            crate::schema::FILE_NAME
        );
    }
    crate::stdout::line(path.display());
    Ok(exit::OK)
}

/// Writes the schema to `root/postmortem.schema.json` unless a file is there; whether it wrote.
pub fn write_schema_if_missing(root: &std::path::Path) -> anyhow::Result<bool> {
    let name = crate::schema::FILE_NAME;
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(root.join(name));
    let mut file = match file {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => return Ok(false),
        Err(err) => return Err(err).with_context(|| format!("cannot create {name}")),
    };
    file.write_all(crate::schema::postmortem_schema_json().as_bytes())
        .with_context(|| format!("cannot write {name}"))?;
    Ok(true)
}

/// Why `id` cannot be used for a new file in `dir`: a file of that name with either extension
/// exists, or a postmortem in `existing` already has the id.
pub(crate) fn id_taken(
    root: &std::path::Path,
    dir: &std::path::Path,
    id: &str,
    existing: &[crate::model::Postmortem],
) -> Option<String> {
    for ext in ["yaml", "yml"] {
        let shown = dir.join(format!("{id}.{ext}"));
        if root.join(&shown).exists() {
            return Some(format!("{} already exists", shown.display()));
        }
    }
    existing
        .iter()
        .find(|p| p.id == id)
        .map(|pm| format!("{} already has the id `{id}`", pm.file_display()))
}
