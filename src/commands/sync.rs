//! `aftercare sync`: one GitHub issue per corrective task, kept in step with the YAML.
//!
//! Wires the pipeline together: load and validate (any error stops the run before its first
//! request), resolve the repository and token, list the issues ([`crate::plan::issue_index::fetch`]),
//! plan ([`crate::plan::plan`]), then print the plan (`--dry-run`) or apply it
//! ([`crate::sync::apply`]). Output goes through one [`Reporter`] chosen from `--format`:
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
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use super::Globals;
use crate::config::Config;
use crate::exit;
use crate::model::Postmortem;
use crate::plan::issue_index::{IssueIndex, fetch, settled_watermark};
use crate::plan::{Change, Plan, PlanInput, Summary, plan};
use crate::sync::{Event, apply};
use crate::tracker::Tracker;
use crate::tracker::github::target::{self as repo_target, RepoName};
use crate::tracker::github::{ConnectOptions, GitHub};

/// Where ETags and the listing watermark are kept, relative to the repository root.
pub const DEFAULT_CACHE_FILE: &str = ".aftercare/cache.json";

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Directory of postmortems (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Repository to sync with, `OWNER/NAME` (default: aftercare.yml, then GITHUB_REPOSITORY,
    /// then the `origin` remote).
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SyncFormat {
    Text,
    Json,
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
    let env = |key: &str| std::env::var(key).ok();
    let mut reporter = reporter(args.format, globals.verbose, args.dry_run);
    let token = repo_target::token(&env);

    if token.is_none() {
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
        let index = IssueIndex::default();
        let plan = plan(PlanInput {
            postmortems: &loaded.postmortems,
            index: &index,
            labels: &config.labels,
            repo_web_url: &web,
        });
        reporter.note(
            "no token in GITHUB_TOKEN or GH_TOKEN: planning against an empty repository, \
             without contacting GitHub",
        );
        return Ok(reporter.dry_run(repo.as_ref(), &plan));
    }

    let target = repo_target::resolve(args.repo.as_deref(), &config, &env, &root)?;
    let cache_file = if args.cache_file.is_absolute() {
        args.cache_file.clone()
    } else {
        root.join(&args.cache_file)
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let github = GitHub::connect(
            &target,
            ConnectOptions {
                verbose: globals.verbose,
                cache_file: Some(cache_file),
                write_interval: Duration::from_millis(args.write_interval_ms),
            },
        )?;
        let fetched = fetch(&github, &config.labels)
            .await
            .with_context(|| format!("cannot read the issues of {}", target.repo))?;
        let plan = plan(PlanInput {
            postmortems: &loaded.postmortems,
            index: &fetched.index,
            labels: &config.labels,
            repo_web_url: &target.repo_web_url(),
        });
        if globals.verbose >= 2 {
            eprintln!(
                "listed {} issues as {}; {} changes planned",
                fetched.listed,
                fetched.identity.login,
                plan.writes()
            );
        }
        refuse_mass_close(&loaded.postmortems, loaded.files, &dir, &plan)?;
        if args.dry_run {
            return Ok(reporter.dry_run(Some(&target.repo), &plan));
        }
        for warning in &plan.warnings {
            reporter.warning(warning);
        }
        let progress = progress_bar(plan.writes(), args.format);
        let applied = apply(&github, &plan, &fetched.identity.login, &mut |event| {
            progress.suspend(|| reporter.event(&event));
            if matches!(event, Event::Applied { change, .. } if change.is_write()) {
                progress.inc(1);
            }
        })
        .await;
        progress.finish_and_clear();
        if applied.complete() {
            let settled = settled_watermark(
                &github,
                &config.labels,
                &fetched.identity.login,
                fetched.newest_update,
                plan.writes() > 0,
            )
            .await;
            match settled {
                Ok(Some(watermark)) => {
                    if let Some(label) = config.labels.first() {
                        github.record_watermark(label, watermark);
                    }
                }
                Ok(None) => {}
                Err(err) => {
                    if globals.verbose > 0 {
                        eprintln!("warning: the listing watermark is not updated: {err:#}");
                    }
                }
            }
        }
        if let Err(err) = github.save_cache() {
            reporter.warning(&format!("{err:#}"));
        }
        if globals.verbose > 0 {
            let s = github.stats();
            eprintln!(
                "requests: {} GET ({} answered from the cache), {} writes, {} retries",
                s.gets, s.not_modified, s.writes, s.retries
            );
        }
        Ok(reporter.finish(
            &target.repo,
            &plan,
            applied.summary,
            applied.stopped.as_deref(),
            applied.failed,
        ))
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

/// How a run is shown: text lines as changes land, or one JSON object at the end.
trait Reporter {
    fn note(&mut self, note: &str);
    fn warning(&mut self, warning: &str);
    fn event(&mut self, event: &Event<'_>);
    /// Shows a plan that is not applied; returns the exit code.
    fn dry_run(&mut self, repo: Option<&RepoName>, plan: &Plan) -> u8;
    /// Ends an applied run; returns the exit code.
    fn finish(
        &mut self,
        repo: &RepoName,
        plan: &Plan,
        summary: Summary,
        stopped: Option<&str>,
        failed: usize,
    ) -> u8;
}

fn reporter(format: SyncFormat, verbose: u8, dry_run: bool) -> Box<dyn Reporter> {
    match format {
        SyncFormat::Text => Box::new(TextReporter { verbose }),
        SyncFormat::Json => Box::new(JsonReporter {
            dry_run,
            ..JsonReporter::default()
        }),
    }
}

/// The line for a change: `update #12 pm/task: title`.
pub fn change_line(change: &Change, number: Option<u64>) -> String {
    let num = |n: Option<u64>| n.map(|n| format!(" #{n}")).unwrap_or_default();
    let head = match change {
        Change::Create { .. } => format!("create{}", num(number)),
        Change::Update { number, .. } => format!("update #{number}"),
        Change::Close { number, .. } => format!("close #{number} (not planned)"),
        Change::Reopen { number, .. } => format!("reopen #{number}"),
        Change::CloseDuplicate { number, kept, .. } => {
            format!("close #{number} (duplicate of #{kept})")
        }
        Change::Unchanged { number, .. } => format!("unchanged #{number}"),
    };
    // A closed, reopened or unchanged issue's title is read from GitHub, where anybody who
    // may edit it can put escape sequences meant for a terminal.
    format!(
        "{head} {}: {}",
        change.key(),
        crate::report::text::terminal_safe(change.title())
    )
}

/// The fields an edit sets, for `-vv`.
fn edited_fields(edit: &crate::tracker::IssueEdit) -> Vec<&'static str> {
    [
        ("title", edit.title.is_some()),
        ("body", edit.body.is_some()),
        ("labels", edit.labels.is_some()),
        ("assignees", edit.assignees.is_some()),
        ("state", edit.state.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect()
}

struct TextReporter {
    verbose: u8,
}

impl Reporter for TextReporter {
    fn note(&mut self, note: &str) {
        crate::stdout::line(note);
    }

    fn warning(&mut self, warning: &str) {
        eprintln!("warning: {warning}");
    }

    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Applied { change, number } => {
                if change.is_write() || self.verbose > 0 {
                    crate::stdout::line(change_line(change, *number));
                }
                if self.verbose >= 2 {
                    if let Change::Update { edit, .. } = change {
                        eprintln!("  changed: {}", edited_fields(edit).join(", "));
                    }
                }
            }
            Event::Failed { change, error } => {
                eprintln!("error: {}: {error}", change_line(change, change.number()));
            }
            Event::Warning(w) => self.warning(w),
        }
    }

    fn dry_run(&mut self, repo: Option<&RepoName>, plan: &Plan) -> u8 {
        for warning in &plan.warnings {
            self.warning(warning);
        }
        for change in &plan.changes {
            if change.is_write() || self.verbose > 0 {
                crate::stdout::line(format_args!(
                    "plan: {}",
                    change_line(change, change.number())
                ));
            }
        }
        let repo = repo.map(|r| format!(" in {r}")).unwrap_or_default();
        let s = plan.summary();
        crate::stdout::line(format_args!(
            "plan: {} to create, {} to update, {} to close, {} to reopen, {} unchanged (dry \
             run{repo}: nothing was changed)",
            s.created, s.updated, s.closed, s.reopened, s.unchanged
        ));
        exit::OK
    }

    fn finish(
        &mut self,
        _repo: &RepoName,
        _plan: &Plan,
        summary: Summary,
        stopped: Option<&str>,
        failed: usize,
    ) -> u8 {
        crate::stdout::line(summary);
        if let Some(stopped) = stopped {
            eprintln!("error: {stopped}");
            return exit::FAILURE;
        }
        if failed > 0 {
            eprintln!(
                "error: {failed} change{} failed; run again to retry",
                if failed == 1 { "" } else { "s" }
            );
            return exit::FAILURE;
        }
        exit::OK
    }
}

#[derive(Default)]
struct JsonReporter {
    dry_run: bool,
    notes: Vec<String>,
    warnings: Vec<String>,
    changes: Vec<JsonChange>,
    errors: Vec<String>,
}

#[derive(Serialize)]
struct JsonChange {
    action: &'static str,
    key: String,
    issue: Option<u64>,
    title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl JsonChange {
    fn of(change: &Change, number: Option<u64>, error: Option<String>) -> JsonChange {
        JsonChange {
            action: change.action(),
            key: change.key().to_string(),
            issue: number,
            title: change.title().to_string(),
            duplicate_of: match change {
                Change::CloseDuplicate { kept, .. } => Some(*kept),
                _ => None,
            },
            error,
        }
    }
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    repo: Option<String>,
    dry_run: bool,
    changes: &'a [JsonChange],
    summary: Summary,
    warnings: &'a [String],
    notes: &'a [String],
    stopped: Option<&'a str>,
    errors: &'a [String],
}

impl JsonReporter {
    fn print(&self, repo: Option<&RepoName>, summary: Summary, stopped: Option<&str>) {
        let out = JsonOutput {
            repo: repo.map(|r| r.to_string()),
            dry_run: self.dry_run,
            changes: &self.changes,
            summary,
            warnings: &self.warnings,
            notes: &self.notes,
            stopped,
            errors: &self.errors,
        };
        match serde_json::to_string_pretty(&out) {
            Ok(text) => crate::stdout::line(text),
            Err(err) => eprintln!("error: cannot encode the output: {err}"),
        }
    }
}

impl Reporter for JsonReporter {
    fn note(&mut self, note: &str) {
        self.notes.push(note.to_string());
    }

    fn warning(&mut self, warning: &str) {
        self.warnings.push(warning.to_string());
    }

    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Applied { change, number } => {
                self.changes.push(JsonChange::of(change, *number, None));
            }
            Event::Failed { change, error } => {
                self.errors.push(format!("{}: {error}", change.key()));
                self.changes
                    .push(JsonChange::of(change, change.number(), Some(error.clone())));
            }
            Event::Warning(w) => self.warnings.push(w.clone()),
        }
    }

    fn dry_run(&mut self, repo: Option<&RepoName>, plan: &Plan) -> u8 {
        self.warnings.extend(plan.warnings.iter().cloned());
        self.changes = plan
            .changes
            .iter()
            .map(|c| JsonChange::of(c, c.number(), None))
            .collect();
        self.print(repo, plan.summary(), None);
        exit::OK
    }

    fn finish(
        &mut self,
        repo: &RepoName,
        _plan: &Plan,
        summary: Summary,
        stopped: Option<&str>,
        failed: usize,
    ) -> u8 {
        self.print(Some(repo), summary, stopped);
        if stopped.is_some() || failed > 0 {
            exit::FAILURE
        } else {
            exit::OK
        }
    }
}
