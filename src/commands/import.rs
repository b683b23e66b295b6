//! `aftercare import FILE...`: turn prose postmortems into draft postmortem files.
//!
//! Wiring only: reads each document (`-` is standard input) up to the size a postmortem file
//! may have, hands it to [`crate::import::import`], writes `DIR/<id>.yaml` without ever
//! overwriting (or, with `--dry-run`, writes nothing), and prints the report chosen once from
//! `--format`. Exit code 0 when every document was imported, 1 when one was not.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::Globals;
use crate::config::Config;
use crate::exit;
use crate::import::{Imported, MAX_DOCUMENT_BYTES, Refusal};
use crate::report::import::{Done, Failure, Format, Outcome, for_format};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The documents to import (plain text or Markdown); `-` reads standard input.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Directory to write the drafts in (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the drafts instead of writing them.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format of the report.
    #[arg(long, value_enum, default_value_t = ImportFormat::Text)]
    pub format: ImportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFormat {
    /// `FILE:LINE: section ...` and `FILE:LINE: warning: ...` lines, then a total.
    Text,
    /// The same as one JSON document.
    Json,
}

impl From<ImportFormat> for Format {
    fn from(format: ImportFormat) -> Self {
        match format {
            ImportFormat::Text => Format::Text,
            ImportFormat::Json => Format::Json,
        }
    }
}

/// Reads at most one byte more than a document may have, so a huge file or an endless stream
/// is refused without being read.
fn read_document(file: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let limit = MAX_DOCUMENT_BYTES + 1;
    let read = if file == Path::new("-") {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        let metadata = std::fs::metadata(file).map_err(|e| format!("cannot read the file: {e}"))?;
        if !metadata.is_file() {
            return Err("not a regular file".into());
        }
        if metadata.len() > MAX_DOCUMENT_BYTES {
            return Err(Refusal::TooLarge.to_string());
        }
        std::fs::File::open(file).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("cannot read the file: {e}"))?;
    Ok(bytes)
}

fn failure(message: impl Into<String>) -> Failure {
    Failure {
        position: None,
        message: message.into(),
    }
}

/// Writes a new file, failing when one of that name exists.
fn write_new(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

pub fn run(args: ImportArgs, _globals: &Globals) -> anyhow::Result<u8> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let config = Config::load(&root)?;
    let dir = args.out.unwrap_or(config.dir);
    let existing = if root.join(&dir).is_dir() {
        crate::format::load_dir(&root, &dir).postmortems
    } else {
        Vec::new()
    };
    let schema_line = crate::scaffold::schema_line(&crate::schema::reference_from(&root, &dir));
    let schema_line = schema_line.trim_end();
    let mut taken_now: Vec<String> = Vec::new();
    let mut outcomes = Vec::new();
    for file in &args.files {
        let shown = if file == Path::new("-") {
            "stdin".to_string()
        } else {
            file.display().to_string()
        };
        let result = read_document(file)
            .map_err(failure)
            .and_then(|bytes| {
                crate::import::import(&bytes, schema_line).map_err(|refusal| Failure {
                    position: refusal.position(),
                    message: refusal.to_string(),
                })
            })
            .and_then(|imported| {
                place(
                    &root,
                    &dir,
                    &existing,
                    &mut taken_now,
                    imported,
                    args.dry_run,
                )
            });
        outcomes.push(Outcome {
            file: shown,
            result,
        });
    }
    let rendered = for_format(args.format.into()).render(&outcomes, args.dry_run);
    crate::stdout::print(&rendered.stdout);
    eprint!("{}", rendered.stderr);
    // The drafts' schema line points at the schema file: write it when it is missing.
    if !args.dry_run
        && outcomes.iter().any(|o| o.result.is_ok())
        && super::new::write_schema_if_missing(&root)?
    {
        eprintln!(
            "wrote {}: the schema the drafts' first line points editors at",
            crate::schema::FILE_NAME
        );
    }
    Ok(if outcomes.iter().all(|o| o.result.is_ok()) {
        exit::OK
    } else {
        exit::FAILURE
    })
}

/// Claims the draft's id in `dir` and writes it there, unless this is a dry run.
fn place(
    root: &Path,
    dir: &Path,
    existing: &[crate::model::Postmortem],
    taken_now: &mut Vec<String>,
    imported: Imported,
    dry_run: bool,
) -> Result<Done, Failure> {
    let id = imported.draft.id.clone();
    let path = dir.join(format!("{id}.yaml"));
    let taken = super::new::id_taken(root, dir, &id, existing).or_else(|| {
        taken_now
            .contains(&id)
            .then(|| format!("another document of this run has the id `{id}`"))
    });
    if let Some(taken) = taken {
        return Err(failure(format!(
            "the draft's id `{id}` is already used: {taken}; nothing was written"
        )));
    }
    taken_now.push(id.clone());
    if !dry_run {
        std::fs::create_dir_all(root.join(dir))
            .map_err(|e| failure(format!("cannot create {}: {e}", dir.display())))?;
        write_new(&root.join(&path), &imported.yaml)
            .map_err(|e| failure(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(Done {
        id,
        path: path.display().to_string(),
        timeline: imported.draft.timeline.len(),
        measures: imported.draft.measures.len(),
        tasks: imported.draft.tasks.len(),
        sections: imported.sections,
        warnings: imported.warnings,
        yaml: imported.yaml,
    })
}
