//! `aftercare check`: validate every postmortem and report all problems at once.
//!
//! Loads the directory through [`crate::format::load_dir`] and renders the problems with the
//! [`crate::diagnostics::Report`] chosen once from `--format`. It changes nothing on disk or on
//! GitHub; its exit code is 0 without errors (warnings allowed) and 1 with any error. Problems
//! in `aftercare.yml` are reported the same way, before any postmortem is read.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};

use super::Globals;
use crate::config::{Config, TrackerConfig};
use crate::diagnostics::{Counts, Diagnostic, ReportFormat, reporter};
use crate::exit;
use crate::format::Loaded;
use crate::plan::route;
use crate::tracker::connect;
use crate::tracker::jira::labels;

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
    /// GitLab's Code Quality report, shown in a merge request's widget.
    Codequality,
}

impl From<CheckFormat> for ReportFormat {
    fn from(format: CheckFormat) -> Self {
        match format {
            CheckFormat::Text => ReportFormat::Text,
            CheckFormat::Json => ReportFormat::Json,
            CheckFormat::Github => ReportFormat::Github,
            CheckFormat::Codequality => ReportFormat::Codequality,
        }
    }
}

pub fn run(args: CheckArgs, _globals: &Globals) -> anyhow::Result<u8> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let report = reporter(args.format.into());
    let config = match Config::load_checked(&root) {
        Ok(config) => config,
        Err(problems) => {
            crate::stdout::print(&report.render(&problems, Counts::default()));
            return Ok(exit::FAILURE);
        }
    };
    let dir = args.dir.unwrap_or(config.dir);
    let mut loaded = crate::format::load_dir(&root, &dir);
    if matches!(config.tracker, TrackerConfig::Jira(_)) {
        jira_label_problems(&root, &mut loaded);
    }
    // A `repo` must name a place the configured tracker knows how to reach.
    let kind = connect::Kind::of(&config.tracker);
    let places = route::problems(&loaded.postmortems, &|p| connect::place_problem(kind, p));
    if !places.is_empty() {
        loaded.diagnostics.extend(places);
        loaded
            .diagnostics
            .sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
    }
    crate::stdout::print(&report.render(&loaded.diagnostics, loaded.counts()));
    Ok(if loaded.has_errors() {
        exit::FAILURE
    } else {
        exit::OK
    })
}

/// Adds an error for each task label Jira would refuse, at its place in its file.
fn jira_label_problems(root: &std::path::Path, loaded: &mut Loaded) {
    let mut found = Vec::new();
    for pm in &loaded.postmortems {
        let file = pm.file_display();
        let Ok(text) = std::fs::read_to_string(root.join(&file)) else {
            continue;
        };
        if let Some(tree) = crate::format::source::parse(&text).root {
            for (position, message) in labels::in_postmortem(&tree) {
                found.push(Diagnostic::error(file.clone(), position, message));
            }
        }
    }
    loaded.diagnostics.extend(found);
    loaded
        .diagnostics
        .sort_by(|a, b| (&a.file, a.position).cmp(&(&b.file, b.position)));
}
