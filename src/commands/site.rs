//! `aftercare site`: the postmortems as a static web site.
//!
//! Wiring only: loads the postmortems as `status` does, reads the task states through the same
//! [`super::status::read_status`] (or, with `--offline`, makes no request and leaves every
//! state unknown), renders the pages with [`crate::report::site`] and writes them to the
//! output directory. Pages an earlier run wrote for postmortems that are gone are removed.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use chrono::{SubsecRound, Utc};
use clap::Args;

use super::Globals;
use super::status::{Reading, load_postmortems, plural, read_status};
use super::sync::DEFAULT_CACHE_FILE;
use crate::config::Config;
use crate::plan::issue_index::IssueIndex;
use crate::report::site::{self, SiteInput, States};
use crate::status::{self, StatusInputs};

/// What marks a page as written by this command, so that a later run may remove it.
const GENERATOR_MARK: &str = r#"<meta name="generator" content="aftercare">"#;

#[derive(Debug, Args)]
pub struct SiteArgs {
    /// Directory of postmortems (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Directory to write the site to.
    #[arg(long, value_name = "DIR", default_value = "site")]
    pub out: PathBuf,
    /// Render from the postmortems alone: no request, no token, task states unknown.
    #[arg(long)]
    pub offline: bool,
    /// Repository to read, `OWNER/NAME` (default: aftercare.yml, then GITHUB_REPOSITORY, then
    /// the `origin` remote).
    #[arg(long)]
    pub repo: Option<String>,
    /// File keeping ETags and listing state between runs, shared with `sync` and `status`.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_CACHE_FILE)]
    pub cache_file: PathBuf,
}

pub fn run(args: SiteArgs, globals: &Globals) -> anyhow::Result<u8> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let config = Config::load(&root)?;
    let postmortems = load_postmortems(&root, &config, args.dir.as_deref(), "the site")?;
    let (status, states) = if args.offline {
        let now = Utc::now().trunc_subsecs(0);
        let no_merges = std::collections::BTreeSet::new();
        let repo = args
            .repo
            .as_deref()
            .or(config.repo.as_deref())
            .unwrap_or("");
        let routes = crate::plan::route::Routes::new(repo, &postmortems);
        let report = status::compute(
            &postmortems,
            &IssueIndex::default(),
            &StatusInputs {
                repo,
                routes: &routes,
                slo: &config.slo,
                today: now.date_naive(),
                generated_at: now,
                repo_url: None,
                // Offline, nothing tells done from unverified.
                require_evidence: false,
                closed_by_merge: &no_merges,
            },
        );
        (report, States::Unknown)
    } else {
        let reading = Reading {
            what: "site",
            repo: args.repo.as_deref(),
            cache_file: &args.cache_file,
            full: false,
        };
        let report = read_status(&root, &config, &postmortems, reading, globals)?;
        (report, States::Known)
    };
    let pages = site::render(&SiteInput {
        postmortems: &postmortems,
        status: &status,
        states,
    });

    let out = root.join(&args.out);
    fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    for page in &pages {
        let path = out.join(&page.file);
        fs::write(&path, &page.html).with_context(|| format!("cannot write {}", path.display()))?;
    }
    let written: BTreeSet<&str> = pages.iter().map(|p| p.file.as_str()).collect();
    let removed = remove_stale_pages(&out, &written)?;

    let source = match states {
        States::Known => format!("task states from {}", status.repo),
        States::Unknown => "offline: task states unknown".to_string(),
    };
    let mut line = format!(
        "wrote {} to {} ({source})",
        plural(pages.len(), "page", "pages"),
        args.out.display()
    );
    if removed > 0 {
        line.push_str(&format!(
            "; removed {}",
            plural(removed, "stale page", "stale pages")
        ));
    }
    crate::stdout::print(&format!("{line}\n"));
    Ok(crate::exit::OK)
}

/// Removes the pages in `out` that an earlier run wrote (they carry [`GENERATOR_MARK`]) and
/// this run did not: those of postmortems deleted or turned back into drafts. Other files are
/// left alone.
fn remove_stale_pages(out: &Path, written: &BTreeSet<&str>) -> anyhow::Result<usize> {
    let mut removed = 0;
    let entries = fs::read_dir(out).with_context(|| format!("cannot read {}", out.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot read {}", out.display()))?
            .path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if !name.ends_with(".html") || written.contains(name) || !path.is_file() {
            continue;
        }
        let ours = fs::read_to_string(&path).is_ok_and(|text| text.contains(GENERATOR_MARK));
        if ours {
            fs::remove_file(&path).with_context(|| format!("cannot remove {}", path.display()))?;
            removed += 1;
        }
    }
    Ok(removed)
}
