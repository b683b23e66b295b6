//! `aftercare status`: completion per incident read back from the issues.
//!
//! The shell around [`crate::status`]: it loads the postmortems and the configuration, lists
//! the issues through the same [`crate::plan::issue_index::fetch`] as `sync`, computes the report,
//! and writes what was asked for (report on standard output, badge, README section, job
//! summary, annotations). Decisions about states, dates and counts are not made here.

use std::collections::BTreeSet;
use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use chrono::{SubsecRound, Utc};
use clap::{Args, ValueEnum};

use super::Globals;
use super::sync::DEFAULT_CACHE_FILE;
use crate::badge::{self, Badge};
use crate::config::Config;
use crate::model::{Postmortem, PostmortemStatus, TaskKey};
use crate::plan::issue_index::IssueIndex;
use crate::plan::issue_index::{Fetched, fetch};
use crate::plan::route::Routes;
use crate::readme::{self, BadgeImage};
use crate::report::{self, Format, annotations, markdown};
use crate::status::{self, StatusInputs, StatusReport};
use crate::tracker::connect::{self, Target};
use crate::tracker::fleet::Fleet;
use crate::tracker::{ConnectOptions, IssueState, Tracker};

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
    /// File keeping ETags and listing state between runs, shared with `sync`, so that
    /// unchanged listings cost no rate-limit budget.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_CACHE_FILE)]
    pub cache_file: PathBuf,
    /// List every issue instead of only those changed since the last run (which happens by
    /// itself every `full_every`, a day by default).
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// A table: one row per incident, then the overdue tasks.
    Text,
    /// The documented JSON interface.
    Json,
    /// The text report as Markdown.
    Markdown,
}

impl From<StatusFormat> for Format {
    fn from(format: StatusFormat) -> Format {
        match format {
            StatusFormat::Text => Format::Text,
            StatusFormat::Json => Format::Json,
            StatusFormat::Markdown => Format::Markdown,
        }
    }
}

pub fn run(args: StatusArgs, globals: &Globals) -> anyhow::Result<u8> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let env = |key: &str| std::env::var(key).ok();
    let config = Config::load(&root)?;
    let postmortems = load_postmortems(&root, &config, args.dir.as_deref(), "a status")?;
    let reading = Reading {
        what: "status",
        repo: args.repo.as_deref(),
        cache_file: &args.cache_file,
        full: args.full,
    };
    let status = read_status(&root, &config, &postmortems, reading, globals)?;

    // Everything that can fail on the user's files is prepared before anything is written.
    let readme_update = match &args.readme {
        Some(path) => Some(prepare_readme(&root, path, args.badge.as_deref(), &status)?),
        None => None,
    };
    if let Some(path) = &args.badge {
        write_badge(path, &Badge::of(&status))?;
    }
    if let Some((path, text)) = readme_update {
        write_if_changed(&path, &text)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(summary) = env("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        append(
            Path::new(&summary),
            &report::for_format(Format::Markdown).render(&status),
        )
        .context("cannot append to the job summary (GITHUB_STEP_SUMMARY)")?;
    }

    let format = Format::from(args.format);
    crate::stdout::print(&report::for_format(format).render(&status));
    if env("GITHUB_ACTIONS").as_deref() == Some("true") {
        let warnings = annotations::overdue_warnings(&status);
        // JSON on standard output must stay parseable; the runner reads workflow commands
        // from standard error as well.
        if format == Format::Json {
            eprint!("{warnings}");
        } else {
            crate::stdout::print(&warnings);
        }
    }

    if args.fail_on_overdue && status.has_overdue_p1() {
        let p1 = status
            .overdue()
            .filter(|(_, i)| i.priority == Some(crate::model::Priority::P1))
            .count();
        eprintln!(
            "error: {} overdue (--fail-on-overdue)",
            plural(p1, "P1 task is", "P1 tasks are")
        );
        return Ok(crate::exit::OVERDUE);
    }
    Ok(crate::exit::OK)
}

/// Loads the postmortems of `dir` (else the configured directory), printing every error and
/// failing when there is one: `what` (`a status`, `the site`) would leave their tasks out.
pub fn load_postmortems(
    root: &Path,
    config: &Config,
    dir: Option<&Path>,
    what: &str,
) -> anyhow::Result<Vec<Postmortem>> {
    let dir = dir.unwrap_or(&config.dir);
    let loaded = crate::format::load_dir(root, dir);
    if loaded.has_errors() {
        for d in loaded.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("{d}");
        }
        bail!(
            "{} in the postmortems; {what} would leave their tasks out (see `aftercare check`)",
            plural(loaded.error_count(), "error", "errors")
        );
    }
    Ok(loaded.postmortems)
}

/// How a command reads the issues' states.
pub struct Reading<'a> {
    /// The command, for errors: `status`, `site`.
    pub what: &'a str,
    /// `--repo`, which names a GitHub repository.
    pub repo: Option<&'a str>,
    /// The cache file, relative to the root.
    pub cache_file: &'a Path,
    /// List everything, whatever the snapshot (`--full`).
    pub full: bool,
}

/// The status of the postmortems' tasks, read from the tracker as `status` reads it: the same
/// tracker, repository, token, trust rules and cache, with a warning for every untrusted issue
/// that was ignored.
pub fn read_status(
    root: &Path,
    config: &Config,
    postmortems: &[Postmortem],
    reading: Reading<'_>,
    globals: &Globals,
) -> anyhow::Result<StatusReport> {
    let Reading {
        what,
        repo,
        cache_file,
        full,
    } = reading;
    let env = |key: &str| std::env::var(key).ok();
    let target = connect::resolve(config, repo, &env, root)?;
    if let (Target::GitLab(..) | Target::Jira(_), Some(missing)) = (&target, target.missing_token())
    {
        bail!("{what} needs a token: {missing}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let options = ConnectOptions {
        verbose: globals.verbose,
        cache_file: Some(root.join(cache_file)),
        full_every: config.full_every,
        full,
        ..ConnectOptions::default()
    };
    let repo = target.place();
    let routes = Routes::new(&repo, postmortems);
    let (fetched, closed_by_merge) = runtime.block_on(async {
        // The clients must be built inside the runtime.
        let tracker = target.connect_fleet(options, routes.clone())?;
        let fetched = read_issues(&tracker, &config.labels, globals.verbose).await?;
        let merged = if config.require_evidence {
            merged_closes(&tracker, postmortems, &fetched.index)
                .await
                .with_context(|| format!("cannot read the issues of {repo}"))?
        } else {
            BTreeSet::new()
        };
        anyhow::Ok((fetched, merged))
    })?;
    let now = Utc::now().trunc_subsecs(0);
    let repo_url = target.web_url();
    Ok(status::compute(
        postmortems,
        &fetched.index,
        &StatusInputs {
            repo: &repo,
            routes: &routes,
            slo: &config.slo,
            today: now.date_naive(),
            generated_at: now,
            repo_url: Some(&repo_url),
            require_evidence: config.require_evidence,
            closed_by_merge: &closed_by_merge,
        },
    ))
}

/// Lists the tracker's issues through the path shared with `sync`, keeping the tracker's
/// caches and listing snapshot for the next run (a sync's writes are only `sync`'s to settle),
/// and warns
/// about look-alikes whose authors the tracker does not trust.
pub async fn read_issues<T: Tracker>(
    tracker: &Fleet<T>,
    labels: &[String],
    verbose: u8,
) -> anyhow::Result<Fetched> {
    let fetched = fetch(tracker, labels).await?;
    if let Err(err) = tracker.save() {
        eprintln!("warning: {err:#}");
    }
    for (key, issue) in fetched.index.untrusted() {
        eprintln!(
            "warning: ignored issue {} marked for task {key}: its author {} is neither this \
             token's account nor {}",
            issue.issue,
            report::text::terminal_safe(&issue.author),
            tracker.trust_rule()
        );
    }
    if verbose > 0 {
        let s = tracker.stats();
        eprintln!(
            "requests: {} GET ({} answered from the cache); {} issues listed as {}",
            s.gets, s.not_modified, fetched.listed, fetched.identity.login
        );
    }
    Ok(fetched)
}

/// The tasks of published postmortems whose issue is closed as done without a `verified_by`
/// and that a merged pull request closed, as the tracker tells. Only these issues are asked
/// about, and only when evidence is required, so other runs make no more requests.
async fn merged_closes<T: Tracker>(
    tracker: &Fleet<T>,
    postmortems: &[Postmortem],
    index: &IssueIndex,
) -> anyhow::Result<BTreeSet<TaskKey>> {
    let mut merged = BTreeSet::new();
    for postmortem in postmortems
        .iter()
        .filter(|p| p.status == PostmortemStatus::Published)
    {
        for task in postmortem.tasks.iter().filter(|t| t.verified_by.is_none()) {
            let key = postmortem.key_of(task);
            let place = tracker.routes().place_of(&key);
            let found = index.get_in(&key, place);
            let Some(issue) = found.filter(|i| i.state == IssueState::Done) else {
                continue;
            };
            if tracker.closed_by_merge(&issue.issue).await? == Some(true) {
                merged.insert(key);
            }
        }
    }
    Ok(merged)
}

/// Reads the README and renders its new text; fails when its markers are missing.
fn prepare_readme(
    root: &Path,
    path: &Path,
    badge_file: Option<&Path>,
    status: &StatusReport,
) -> anyhow::Result<(PathBuf, String)> {
    let text =
        fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let readme_dir = fs::canonicalize(path)
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| root.to_path_buf());
    let badge = match badge_file {
        Some(badge) => {
            let absolute = absolute(root, badge);
            match readme::relative_path(&readme_dir, &absolute) {
                Some(rel) => BadgeImage::File(rel),
                None => BadgeImage::Shields,
            }
        }
        None => BadgeImage::Shields,
    };
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let link = |incident: &status::IncidentStatus| {
        readme::relative_path(&readme_dir, &root.join(&incident.file))
            .map(|rel| markdown::path_destination(&rel))
    };
    let section = readme::section(status, &badge, &link);
    let updated = readme::replace_section(&text, &section)
        .with_context(|| format!("cannot update {}", path.display()))?;
    Ok((path.to_path_buf(), updated))
}

/// `path` made absolute against `root`, with `.` and `..` resolved as far as the file system
/// allows (the badge file may not exist yet, but its directory must).
fn absolute(root: &Path, path: &Path) -> PathBuf {
    let joined = root.join(path);
    if let Ok(p) = fs::canonicalize(&joined) {
        return p;
    }
    match (joined.parent(), joined.file_name()) {
        (Some(parent), Some(name)) => fs::canonicalize(parent)
            .map(|p| p.join(name))
            .unwrap_or(joined.clone()),
        _ => joined,
    }
}

fn write_badge(path: &Path, badge: &Badge) -> anyhow::Result<()> {
    let endpoint = badge::endpoint_path(path).with_context(|| {
        format!(
            "the badge file {} cannot end in .json: its endpoint JSON is written beside it with \
             that extension",
            path.display()
        )
    })?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    write_if_changed(path, &badge.svg())
        .with_context(|| format!("cannot write the badge {}", path.display()))?;
    write_if_changed(&endpoint, &badge.endpoint_json())
        .with_context(|| format!("cannot write the badge endpoint {}", endpoint.display()))?;
    Ok(())
}

/// Writes `text` unless the file already holds exactly that, so an unchanged status leaves the
/// file (and its modification time) alone.
fn write_if_changed(path: &Path, text: &str) -> std::io::Result<()> {
    if fs::read(path).is_ok_and(|old| old == text.as_bytes()) {
        return Ok(());
    }
    fs::write(path, text)
}

fn append(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    file.write_all(text.as_bytes())
}

pub(super) fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}
