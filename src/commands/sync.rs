//! `aftercare sync`: one issue per corrective task, kept in step with the YAML.
//!
//! Wires the pipeline together: load and validate (any error stops the run before its first
//! request), connect to the tracker, list the issues ([`crate::plan::issue_index::fetch`]),
//! plan ([`crate::plan::plan`]), then print the plan (`--dry-run`) or apply it
//! ([`crate::sync::apply`]). What it prints is [`crate::report::sync`]'s, chosen once from
//! `--format`:
//!
//! - text: a line per change on stdout (`create 2023-05-10-ddos/add-waf: Put a WAF …`,
//!   `update #12 …`, `close #13 (not planned) …`, `reopen #14 …`,
//!   `close #15 (duplicate of #9) …`, and at `-v` `unchanged #16 …`), warnings on stderr, then
//!   `created 3, updated 1, closed 0, reopened 0, unchanged 30`; with `--dry-run` every line
//!   starts with `plan: `;
//! - json: one object on stdout:
//!   `{"repo": "acme/web" | null, "dry_run": bool, "changes": [{"action", "key", "issue",
//!   "title"}], "summary": {"created", "updated", "closed", "reopened", "unchanged"},
//!   "warnings": [..], "notes": [..], "stopped": null | "why", "errors": [..]}`, where `action`
//!   is `create`, `update`, `close`, `reopen`, `close-duplicate` (with `duplicate_of`) or
//!   `unchanged`, `issue` is the issue number (`null` for a create not made), and a failed
//!   change also has `error`.
//!
//! At `-v` every request is logged on stderr (never its headers) and unchanged issues are
//! listed; at `-vv` each update also says which fields it changes.
//!
//! A progress bar is drawn on standard error only when it is a terminal and `CI` is not set.
//! Without a token, `--dry-run` plans against an empty repository without any request.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

use super::Globals;
use crate::config::{Config, TrackerConfig};
use crate::exit;
use crate::format::Loaded;
use crate::model::Postmortem;
use crate::plan::issue_index::{IssueIndex, read_closed_whole};
use crate::plan::route::{self, Routes};
use crate::plan::{Change, Plan, PlanInput, plan};
pub use crate::report::sync::SyncFormat;
use crate::report::sync::{Reporter, reporter};
use crate::sync::{Event, apply};
use crate::tracker::connect;
use crate::tracker::fleet::Fleet;
use crate::tracker::github::target as repo_target;
use crate::tracker::markdown::{self, Markdown};
use crate::tracker::{ConnectOptions, IssueText, Tracker};

/// Where ETags are kept, relative to the repository root, with the listing snapshot beside it.
pub const DEFAULT_CACHE_FILE: &str = ".aftercare/cache.json";

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Directory of postmortems (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Repository to sync with, `OWNER/NAME` (default: aftercare.yml, then GITHUB_REPOSITORY,
    /// then the `origin` remote); a postmortem's or task's own `repo` sends its issues
    /// elsewhere.
    #[arg(long)]
    pub repo: Option<String>,
    /// Print the plan and make no change.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SyncFormat::Text)]
    pub format: SyncFormat,
    /// Least time between two writes to GitHub, in milliseconds; writes also stay within
    /// GitHub's limits of 80 a minute and 500 an hour. 0 switches all pacing off, for GitHub
    /// Enterprise Server with rate limits disabled and for benchmarks.
    #[arg(long, default_value_t = 1000)]
    pub write_interval_ms: u64,
    /// File keeping ETags and listing state between runs, so that unchanged listings cost no
    /// rate-limit budget.
    #[arg(long, value_name = "FILE", default_value = DEFAULT_CACHE_FILE)]
    pub cache_file: PathBuf,
    /// List every issue instead of only those changed since the last run (which happens by
    /// itself every `full_every`, a day by default).
    #[arg(long)]
    pub full: bool,
}

pub fn run(args: SyncArgs, globals: &Globals) -> anyhow::Result<u8> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let config = Config::load(&root)?;
    let dir = args.dir.clone().unwrap_or_else(|| config.dir.clone());
    let loaded = crate::format::load_dir(&root, &dir);
    if loaded.has_errors() {
        for diagnostic in &loaded.diagnostics {
            eprintln!("{diagnostic}");
        }
        let errors = loaded.diagnostics.iter().filter(|d| d.is_error()).count();
        eprintln!(
            "error: {errors} problem{} in the postmortems; nothing was synced",
            if errors == 1 { "" } else { "s" }
        );
        return Ok(exit::FAILURE);
    }
    for diagnostic in &loaded.diagnostics {
        eprintln!("{diagnostic}");
    }
    if route_problems(&loaded, &config) {
        return Ok(exit::FAILURE);
    }
    let env = |key: &str| std::env::var(key).ok();
    let mut reporter = reporter(args.format, globals.verbose, args.dry_run);
    let github_without_token =
        config.tracker == TrackerConfig::GitHub && repo_target::token(&env).is_none();
    if github_without_token {
        if !args.dry_run {
            anyhow::bail!(
                "sync needs a token that may write issues: set GITHUB_TOKEN or GH_TOKEN (or run \
                 with --dry-run to see the plan)"
            );
        }
        let repo = repo_target::resolve_repo(args.repo.as_deref(), &config, &env, &root).ok();
        let web = match &repo {
            Some(r) => format!(
                "{}/{r}",
                repo_target::web_base(&env, &repo_target::api_base(&env))
            ),
            None => "https://github.com/OWNER/NAME".to_string(),
        };
        let text = Markdown {
            file_base: format!("{web}/blob/HEAD"),
            max_title_chars: markdown::GITHUB_MAX_TITLE_CHARS,
        };
        reporter.note(
            "no token in GITHUB_TOKEN or GH_TOKEN: planning against an empty repository, \
             without contacting GitHub",
        );
        let name = repo
            .as_ref()
            .map_or("OWNER/NAME".to_string(), |r| r.to_string());
        let plan = offline_plan(&loaded, &config, &text, &name);
        return Ok(reporter.dry_run(repo.map(|r| r.to_string()).as_deref(), &plan));
    }

    let target = connect::resolve(&config, args.repo.as_deref(), &env, &root)?;
    if let Some(missing) = target.missing_token() {
        if !args.dry_run {
            anyhow::bail!("sync needs a token: {missing}");
        }
        reporter.note(&format!(
            "no token: planning against an empty {}, without contacting {}",
            target.place(),
            target.tracker_name()
        ));
        let plan = offline_plan(&loaded, &config, target.text().as_ref(), &target.place());
        return Ok(reporter.dry_run(Some(&target.place()), &plan));
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let options = ConnectOptions {
        verbose: globals.verbose,
        cache_file: Some(cache_path(&root, &args.cache_file)),
        write_interval: Duration::from_millis(args.write_interval_ms),
        full_every: config.full_every,
        full: args.full,
        pacer: None,
    };
    let run = Run {
        loaded: &loaded,
        config: &config,
        dir: &dir,
        dry_run: args.dry_run,
        format: args.format,
        verbose: globals.verbose,
    };
    // The clients must be built inside the runtime.
    let routes = Routes::new(&target.place(), &loaded.postmortems);
    runtime.block_on(async {
        let fleet = target.connect_fleet(options, routes)?;
        sync_with(&fleet, &run, reporter.as_mut()).await
    })
}

/// The cache file's path: as given when absolute, else under the repository root.
pub fn cache_path(root: &Path, file: &Path) -> PathBuf {
    if file.is_absolute() {
        file.to_path_buf()
    } else {
        root.join(file)
    }
}

/// Prints an error for each `repo` the configured tracker cannot name; true if there was one.
pub fn route_problems(loaded: &Loaded, config: &Config) -> bool {
    let kind = connect::Kind::of(&config.tracker);
    let problems = route::problems(&loaded.postmortems, &|p| connect::place_problem(kind, p));
    for problem in &problems {
        eprintln!("{problem}");
    }
    if !problems.is_empty() {
        eprintln!(
            "error: {} problem{} in the postmortems; nothing was synced",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }
    !problems.is_empty()
}

/// The plan against a tracker with no issues, made without any request.
fn offline_plan(loaded: &Loaded, config: &Config, text: &dyn IssueText, place: &str) -> Plan {
    plan(PlanInput {
        postmortems: &loaded.postmortems,
        index: &IssueIndex::default(),
        labels: &config.labels,
        text,
        trust_rule: "",
        routes: &Routes::new(place, &loaded.postmortems),
        unreadable: &[],
    })
}

/// What one sync works from, whatever the tracker.
struct Run<'a> {
    loaded: &'a Loaded,
    config: &'a Config,
    dir: &'a Path,
    dry_run: bool,
    format: SyncFormat,
    verbose: u8,
}

/// Lists every place, plans and applies (or prints the plan) through the fleet. A place that
/// cannot be read is an error naming it; the others still sync.
async fn sync_with<T: Tracker>(
    tracker: &Fleet<T>,
    run: &Run<'_>,
    reporter: &mut dyn Reporter,
) -> anyhow::Result<u8> {
    let place = tracker.place();
    let identity = tracker
        .identity()
        .await
        .context("cannot tell who the token belongs to")
        .with_context(|| format!("cannot read the issues of {place}"))?;
    let listing = tracker.list_each(&run.config.labels).await;
    let routes = tracker.routes();
    let mut unreadable = Vec::new();
    for (failed, err) in listing.failed {
        let name = routes.name(failed.as_deref()).to_string();
        let err = anyhow::Error::from(err).context(format!("cannot read the issues of {name}"));
        if unreadable.is_empty() && routes.others().is_empty() {
            return Err(err);
        }
        reporter.error(&format!("{err:#}; its tasks were left alone"));
        unreadable.push(failed);
    }
    let listed = listing.issues.len();
    let mut index = IssueIndex::build(listing.issues);
    let plan_from = |index: &IssueIndex| {
        plan(PlanInput {
            postmortems: &run.loaded.postmortems,
            index,
            labels: &run.config.labels,
            text: tracker.text(),
            trust_rule: tracker.trust_rule(),
            routes,
            unreadable: &unreadable,
        })
    };
    let mut plan = plan_from(&index);
    if run.verbose >= 2 {
        eprintln!(
            "listed {listed} issues as {}; {} changes planned",
            identity.login,
            plan.writes()
        );
    }
    refuse_mass_close(&run.loaded.postmortems, run.loaded.files, run.dir, &plan)?;
    if read_closed_whole(tracker, &plan, &mut index)
        .await
        .with_context(|| format!("cannot read the issues of {place}"))?
    {
        drop(plan);
        plan = plan_from(&index);
    }
    if run.dry_run {
        let code = reporter.dry_run(Some(&place), &plan);
        return Ok(if unreadable.is_empty() {
            code
        } else {
            exit::FAILURE
        });
    }
    for warning in &plan.warnings {
        reporter.warning(warning);
    }
    let progress = progress_bar(plan.writes(), run.format);
    let applied = apply(tracker, &plan, &mut |event| {
        progress.suspend(|| reporter.event(&event));
        if matches!(event, Event::Applied { change, .. } if change.is_write()) {
            progress.inc(1);
        }
    })
    .await;
    progress.finish_and_clear();
    if applied.complete() {
        tracker.settle(&run.config.labels, plan.writes() > 0).await;
        if unreadable.is_empty() {
            if let Err(err) = tracker.remember(&index) {
                reporter.warning(&format!("{err:#}"));
            }
        }
    }
    if let Err(err) = tracker.save() {
        reporter.warning(&format!("{err:#}"));
    }
    if run.verbose > 0 {
        let s = tracker.stats();
        eprintln!(
            "requests: {} GET ({} answered from the cache), {} writes, {} retries",
            s.gets, s.not_modified, s.writes, s.retries
        );
    }
    let code = reporter.finish(
        &place,
        &plan,
        applied.summary,
        applied.stopped.as_deref(),
        applied.failed,
    );
    Ok(if unreadable.is_empty() {
        code
    } else {
        exit::FAILURE
    })
}

/// An empty or misplaced directory must not close every issue: with no postmortem at all,
/// closing is refused.
fn refuse_mass_close(
    postmortems: &[Postmortem],
    files: usize,
    dir: &Path,
    plan: &Plan,
) -> anyhow::Result<()> {
    let closes = plan
        .changes
        .iter()
        .filter(|c| matches!(c, Change::Close { .. }))
        .count();
    if closes > 0 && (files == 0 || postmortems.is_empty()) {
        anyhow::bail!(
            "no postmortem found in {}: refusing to close {closes} issue{} (check --dir or `dir` \
             in aftercare.yml)",
            dir.display(),
            if closes == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

fn progress_bar(writes: usize, format: SyncFormat) -> ProgressBar {
    let show = writes > 1
        && format == SyncFormat::Text
        && std::io::stderr().is_terminal()
        && std::env::var_os("CI").is_none();
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(writes as u64);
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} changes {eta}") {
        bar.set_style(style);
    }
    bar
}
