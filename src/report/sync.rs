//! What `aftercare sync` prints: a line per change as it lands, or one JSON object.
//!
//! A [`Reporter`] is chosen once from `--format` ([`reporter`]):
//!
//! - text: a line per change on stdout (`create 2023-05-10-ddos/add-waf: Put a WAF …`,
//!   `update #12 …`, `close #13 (not planned) …`, `reopen #14 …`,
//!   `close #15 (duplicate of #9) …`, `move #17 (to acme/api) …`, and at `-v`
//!   `unchanged #16 …`; on Jira the references
//!   are keys such as `OPS-12`), warnings on stderr, then
//!   `created 3, updated 1, closed 0, reopened 0, unchanged 30`; with `--dry-run` every line
//!   starts with `plan: `;
//! - json: one object on stdout:
//!   `{"repo": "acme/web" | null, "dry_run": bool, "changes": [{"action", "key", "issue",
//!   "ref", "title"}], "summary": {"created", "updated", "closed", "reopened", "unchanged"},
//!   "warnings": [..], "notes": [..], "stopped": null | "why", "errors": [..]}`, where `action`
//!   is `create`, `update`, `close`, `reopen`, `close-duplicate` (with `duplicate_of`) or
//!   `unchanged` or `move` (with `to`, the repository the task moved to), `issue` is the issue
//!   number (`null` for a create not made, and on trackers without numbers), `ref` how people
//!   name the issue (`#12`, `OPS-12`, `acme/api#7` outside the configured repository), `repo`
//!   names the repository or project (the run's, and each change's own), and a failed change
//!   also has `error`. The summary also counts `moved`.
//!
//! Reporters only format; they never decide what changes and never talk to the tracker.

use serde::Serialize;

use crate::exit;
use crate::plan::{Change, Plan, Summary};
use crate::sync::Event;
use crate::tracker::{IssueEdit, IssueRef};

/// The formats `sync --format` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SyncFormat {
    Text,
    Json,
}

/// How a run is shown: text lines as changes land, or one JSON object at the end.
pub trait Reporter {
    fn note(&mut self, note: &str);
    fn warning(&mut self, warning: &str);
    /// An error that does not stop the run (a repository that could not be read).
    fn error(&mut self, error: &str);
    fn event(&mut self, event: &Event<'_>);
    /// Shows a plan that is not applied; returns the exit code.
    fn dry_run(&mut self, place: Option<&str>, plan: &Plan) -> u8;
    /// Ends an applied run; returns the exit code.
    fn finish(
        &mut self,
        place: &str,
        plan: &Plan,
        summary: Summary,
        stopped: Option<&str>,
        failed: usize,
    ) -> u8;
}

pub fn reporter(format: SyncFormat, verbose: u8, dry_run: bool) -> Box<dyn Reporter> {
    match format {
        SyncFormat::Text => Box::new(TextReporter { verbose }),
        SyncFormat::Json => Box::new(JsonReporter {
            dry_run,
            ..JsonReporter::default()
        }),
    }
}

/// The line for a change: `update #12 pm/task: title`. `made` is the issue a create made.
pub fn change_line(change: &Change, made: Option<&IssueRef>) -> String {
    let head = match change {
        Change::Create { issue, .. } => match (made, &issue.place) {
            (Some(made), _) => format!("create {made}"),
            (None, Some(place)) => format!("create in {place}"),
            (None, None) => "create".to_string(),
        },
        Change::Update { issue, .. } => format!("update {issue}"),
        Change::Close { issue, .. } => format!("close {issue} (not planned)"),
        Change::Reopen { issue, .. } => format!("reopen {issue}"),
        Change::CloseDuplicate { issue, kept, .. } => {
            format!("close {issue} (duplicate of {kept})")
        }
        Change::Unchanged { issue, .. } => format!("unchanged {issue}"),
        Change::Move { issue, to_name, .. } => format!("move {issue} (to {to_name})"),
    };
    // A closed, reopened or unchanged issue's title is read from the tracker, where anybody
    // who may edit it can put escape sequences meant for a terminal.
    format!(
        "{head} {}: {}",
        change.key(),
        crate::report::text::terminal_safe(change.title())
    )
}

/// The fields an edit sets, for `-vv`.
fn edited_fields(edit: &IssueEdit) -> Vec<&'static str> {
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

    fn error(&mut self, error: &str) {
        eprintln!("error: {error}");
    }

    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Applied { change, issue } => {
                if change.is_write() || self.verbose > 0 {
                    crate::stdout::line(change_line(change, issue.as_ref()));
                }
                if self.verbose >= 2 {
                    if let Change::Update { edit, .. } = change {
                        eprintln!("  changed: {}", edited_fields(edit).join(", "));
                    }
                }
            }
            Event::Failed { change, error } => {
                eprintln!("error: {}: {error}", change_line(change, None));
            }
            Event::Warning(w) => self.warning(w),
        }
    }

    fn dry_run(&mut self, place: Option<&str>, plan: &Plan) -> u8 {
        for warning in &plan.warnings {
            self.warning(warning);
        }
        for change in &plan.changes {
            if change.is_write() || self.verbose > 0 {
                crate::stdout::line(format_args!("plan: {}", change_line(change, None)));
            }
        }
        let repo = place.map(|r| format!(" in {r}")).unwrap_or_default();
        let s = plan.summary();
        let moves = match s.moved {
            0 => String::new(),
            n => format!(", {n} to move"),
        };
        crate::stdout::line(format_args!(
            "plan: {} to create, {} to update, {} to close, {} to reopen, {} unchanged{moves} \
             (dry run{repo}: nothing was changed)",
            s.created, s.updated, s.closed, s.reopened, s.unchanged
        ));
        exit::OK
    }

    fn finish(
        &mut self,
        _place: &str,
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
    #[serde(rename = "ref")]
    reference: Option<String>,
    title: String,
    /// The repository or project the change is in.
    repo: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    duplicate_of: Option<u64>,
    /// Where a moved task's issue now lives.
    #[serde(skip_serializing_if = "Option::is_none")]
    to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl JsonChange {
    fn of(change: &Change, made: Option<&IssueRef>, error: Option<String>) -> JsonChange {
        let issue = made.or(change.issue());
        JsonChange {
            action: change.action(),
            key: change.key().to_string(),
            issue: issue.and_then(|i| i.number),
            reference: issue.map(|i| i.display.clone()),
            title: change.title().to_string(),
            repo: match change {
                Change::Create { issue, .. } => issue.place.clone(),
                _ => issue.and_then(|i| i.place.clone()),
            },
            duplicate_of: match change {
                Change::CloseDuplicate { kept, .. } => kept.number,
                _ => None,
            },
            to: match change {
                Change::Move { to_name, .. } => Some(to_name.clone()),
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
    fn print(&mut self, place: Option<&str>, summary: Summary, stopped: Option<&str>) {
        for change in &mut self.changes {
            if change.repo.is_none() {
                change.repo = place.map(str::to_string);
            }
        }
        let out = JsonOutput {
            repo: place.map(str::to_string),
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

    fn error(&mut self, error: &str) {
        self.errors.push(error.to_string());
    }

    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Applied { change, issue } => {
                self.changes
                    .push(JsonChange::of(change, issue.as_ref(), None));
            }
            Event::Failed { change, error } => {
                self.errors.push(format!("{}: {error}", change.key()));
                self.changes
                    .push(JsonChange::of(change, None, Some(error.clone())));
            }
            Event::Warning(w) => self.warnings.push(w.clone()),
        }
    }

    fn dry_run(&mut self, place: Option<&str>, plan: &Plan) -> u8 {
        self.warnings.extend(plan.warnings.iter().cloned());
        self.changes = plan
            .changes
            .iter()
            .map(|c| JsonChange::of(c, None, None))
            .collect();
        self.print(place, plan.summary(), None);
        exit::OK
    }

    fn finish(
        &mut self,
        place: &str,
        _plan: &Plan,
        summary: Summary,
        stopped: Option<&str>,
        failed: usize,
    ) -> u8 {
        self.print(Some(place), summary, stopped);
        if stopped.is_some() || failed > 0 {
            exit::FAILURE
        } else {
            exit::OK
        }
    }
}
