//! `aftercare remind`: one comment on each open, overdue task's issue, never two for the same
//! due date.
//!
//! The shell around [`crate::remind`]: it loads the postmortems, reads the issues as `status`
//! does, computes which tasks are overdue ([`crate::status`]), reads the comments of each
//! overdue task's issue to see whether a trusted reminder about the same due date is there,
//! and comments where none is (not with `--dry-run`). What is owed and what it says is decided
//! in the library; how it is shown, in [`crate::report::remind`].

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use chrono::{SubsecRound, Utc};
use clap::{Args, ValueEnum};

use super::Globals;
use super::status::{load_postmortems, read_issues};
use super::sync::DEFAULT_CACHE_FILE;
use crate::config::Config;
use crate::plan::route::Routes;
use crate::remind;
use crate::report::remind::{Action, Outcome};
use crate::status::{self, StatusInputs};
use crate::tracker::connect;
use crate::tracker::{ConnectOptions, Tracker};

#[derive(Debug, Args)]
pub struct RemindArgs {
    /// Directory of postmortems (default: `dir` in aftercare.yml, else `postmortems`).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Repository to remind in, `OWNER/NAME` (default: aftercare.yml, then GITHUB_REPOSITORY,
    /// then the `origin` remote).
    #[arg(long)]
    pub repo: Option<String>,
    /// Print what would be commented and comment nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = RemindFormat::Text)]
    pub format: RemindFormat,
    /// Least time between two comments, in milliseconds (as for `sync`); 0 switches pacing
    /// off.
    #[arg(long, default_value_t = 1000)]
    pub write_interval_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RemindFormat {
    /// A line per overdue task, then the counts.
    Text,
    /// One JSON object.
    Json,
}

pub fn run(args: RemindArgs, globals: &Globals) -> anyhow::Result<u8> {
    let root = std::env::current_dir().context("cannot read the current directory")?;
    let env = |key: &str| std::env::var(key).ok();
    let config = Config::load(&root)?;
    let postmortems = load_postmortems(&root, &config, args.dir.as_deref(), "reminders")?;
    let target = connect::resolve(&config, args.repo.as_deref(), &env, &root)?;
    if let Some(missing) = target.missing_token() {
        bail!("remind needs a token: {missing}");
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let options = ConnectOptions {
        verbose: globals.verbose,
        cache_file: Some(root.join(DEFAULT_CACHE_FILE)),
        write_interval: Duration::from_millis(args.write_interval_ms),
        full_every: config.full_every,
        full: false,
        pacer: None,
    };
    let place = target.place();
    let web_url = target.web_url();
    let routes = Routes::new(&place, &postmortems);
    let outcomes = runtime
        .block_on(async {
            // The clients must be built inside the runtime.
            let tracker = target.connect_fleet(options, routes.clone())?;
            let fetched = read_issues(&tracker, &config.labels, globals.verbose).await?;
            let now = Utc::now().trunc_subsecs(0);
            let no_merges = BTreeSet::new();
            let report = status::compute(
                &postmortems,
                &fetched.index,
                &StatusInputs {
                    repo: &place,
                    routes: &routes,
                    slo: &config.slo,
                    today: now.date_naive(),
                    generated_at: now,
                    repo_url: Some(&web_url),
                    // Evidence only tells done from unverified; overdue tasks are open.
                    require_evidence: false,
                    closed_by_merge: &no_merges,
                },
            );
            let owed = remind::due(&report, &postmortems, &fetched.index);
            let mut outcomes = Vec::with_capacity(owed.len());
            for reminder in &owed {
                outcomes.push(send(&tracker, reminder, args.dry_run).await?);
            }
            if let Err(err) = tracker.save() {
                eprintln!("warning: {err:#}");
            }
            anyhow::Ok(outcomes)
        })
        .with_context(|| format!("cannot remind in {place}"))?;

    let out = match args.format {
        RemindFormat::Text => crate::report::remind::text(&outcomes),
        RemindFormat::Json => crate::report::remind::json(&place, args.dry_run, &outcomes),
    };
    crate::stdout::print(&out);
    Ok(crate::exit::OK)
}

/// Comments the reminder unless a trusted one about the same due date is on the issue.
async fn send<T: Tracker>(
    tracker: &T,
    reminder: &remind::Reminder,
    dry_run: bool,
) -> anyhow::Result<Outcome> {
    let comments = tracker
        .comments(&reminder.issue)
        .await
        .with_context(|| format!("cannot read the comments of {}", reminder.issue))?;
    let action = if remind::already_sent(&comments, reminder.content.due, tracker.text()) {
        Action::AlreadyReminded
    } else if dry_run {
        Action::WouldRemind
    } else {
        tracker
            .remind(&reminder.issue, &reminder.content)
            .await
            .with_context(|| format!("cannot comment on {}", reminder.issue))?;
        Action::Remind
    };
    Ok(Outcome::of(reminder, action))
}
