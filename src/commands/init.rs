//! `aftercare init`: set a repository up for aftercare in one command.
//!
//! Reads what is at each path [`crate::init::plan`] looks at, applies the steps it returns in
//! order (create, append, or with `--force` replace) and prints one line per change. What to
//! write is decided in [`crate::init`]; this file only reads, writes and prints.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::Globals;
use crate::config::Config;
use crate::exit;
use crate::init::{Action, Ci, Found, Options, Pin, Step, Tracker};

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The issue tracker the tasks become issues in.
    #[arg(long, value_enum, default_value_t = TrackerArg::Github)]
    pub tracker: TrackerArg,
    /// The CI system to set up (default: gitlab for a GitLab tracker, else github).
    #[arg(long, value_enum)]
    pub ci: Option<CiArg>,
    /// Replace files that exist and differ from what init writes.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrackerArg {
    Github,
    Gitlab,
    Jira,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CiArg {
    /// `.github/workflows/postmortems.yml`, using the aftercare Action.
    Github,
    /// Jobs in `.gitlab-ci.yml`.
    Gitlab,
    /// No CI configuration.
    None,
}

pub fn run(args: InitArgs, _globals: &Globals) -> anyhow::Result<u8> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let tracker = match args.tracker {
        TrackerArg::Github => Tracker::Github,
        TrackerArg::Gitlab => Tracker::Gitlab,
        TrackerArg::Jira => Tracker::Jira,
    };
    let ci = match args.ci {
        Some(CiArg::Github) => Ci::Github,
        Some(CiArg::Gitlab) => Ci::Gitlab,
        Some(CiArg::None) => Ci::None,
        None if tracker == Tracker::Gitlab => Ci::Gitlab,
        None => Ci::Github,
    };
    let options = Options {
        tracker,
        ci,
        force: args.force,
    };
    // The directory named by an aftercare.yml that init keeps; the default otherwise.
    let keeps_config = !args.force && root.join(crate::config::FILE_NAME).exists();
    let config = if keeps_config {
        Config::load(&root).context("aftercare.yml is kept as it is, and it must be valid")?
    } else {
        Config::default()
    };
    let dir = crate::format::shown(&root, &root.join(&config.dir))
        .to_string_lossy()
        .into_owned();

    let paths = [
        crate::config::FILE_NAME,
        dir.as_str(),
        crate::schema::FILE_NAME,
        crate::init::GITHUB_WORKFLOW,
        crate::init::GITLAB_CI,
        crate::init::README,
        ".gitignore",
    ];
    let mut found = BTreeMap::new();
    for path in paths {
        found.insert(path.to_string(), look_at(&root, path)?);
    }
    let steps = crate::init::plan(&options, &dir, Pin::of_this_build(), |path| {
        found.get(path).cloned().unwrap_or(Found::Missing)
    });
    for step in &steps {
        apply(&root, step)?;
        if let Some(line) = step.line() {
            crate::stdout::line(line);
        }
    }
    if steps.iter().any(Step::writes) {
        crate::stdout::line("next: `aftercare new \"A title\"` writes a draft postmortem");
    } else {
        crate::stdout::line("nothing to write: this repository is set up for aftercare");
    }
    Ok(exit::OK)
}

/// What is at `path` under `root`.
fn look_at(root: &Path, path: &str) -> anyhow::Result<Found> {
    let full = root.join(path);
    match std::fs::metadata(&full) {
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Found::Missing),
        Err(err) => Err(err).with_context(|| format!("cannot read {path}")),
        Ok(metadata) if metadata.is_dir() => Ok(Found::Directory),
        Ok(_) => {
            let bytes = std::fs::read(&full).with_context(|| format!("cannot read {path}"))?;
            Ok(Found::File(String::from_utf8_lossy(&bytes).into_owned()))
        }
    }
}

/// Carries out one step under `root`.
fn apply(root: &Path, step: &Step) -> anyhow::Result<()> {
    let path = root.join(&step.path);
    let shown = &step.path;
    let create_parent = || match path.parent() {
        Some(parent) => std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create the directory of {shown}")),
        None => Ok(()),
    };
    match &step.action {
        Action::Create(text) => {
            create_parent()?;
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut file| file.write_all(text.as_bytes()))
                .with_context(|| format!("cannot create {shown}"))
        }
        Action::CreateDirectory => {
            std::fs::create_dir_all(&path).with_context(|| format!("cannot create {shown}"))
        }
        Action::Replace(text) => {
            std::fs::write(&path, text).with_context(|| format!("cannot write {shown}"))
        }
        Action::Append { text, .. } => std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut file| file.write_all(text.as_bytes()))
            .with_context(|| format!("cannot add to {shown}")),
        Action::Present | Action::Keep(_) | Action::Suggest(_) => Ok(()),
    }
}
