//! Applying a plan to the tracker: one change at a time, resuming safely, never a duplicate.
//!
//! [`apply`] walks the plan in order and reports each change as it lands. A create whose outcome
//! is unknown (the connection dropped after the request left, a 5xx, a timeout) is not sent
//! again blindly: the issues just created by the syncing identity are listed first, and the
//! create is repeated only if no issue carries the task's marker. A change the tracker rejects
//! is reported and the rest still applied. The run stops, saying how far it got, on a spent
//! rate-limit budget, on a secondary rate limit that asks for a longer wait than is honoured,
//! on a request that kept failing through all its retries (so that a tracker in trouble is not
//! waited out again change after change), and on a refusal of access. Because planning starts
//! from what the tracker holds, running again resumes where a stopped run ended. This module
//! decides nothing about what should change (that is [`crate::plan`]) and prints nothing (that
//! is the command's job).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::TaskKey;
use crate::plan::route::is_in;
use crate::plan::{Change, Plan, Summary};
use crate::tracker::{IssueEdit, IssueRef, NewIssue, TrackedIssue, Tracker, TrackerError};

/// How many times a create is tried when its outcome keeps being unknown.
const CREATE_ATTEMPTS: u32 = 3;

/// What happened to one change, as it happens.
#[derive(Debug)]
pub enum Event<'a> {
    /// The change was applied (or needed nothing); `issue` is the issue it changed or made.
    Applied {
        change: &'a Change,
        issue: Option<IssueRef>,
    },
    /// The change failed; the run goes on.
    Failed { change: &'a Change, error: String },
    /// Something people should know that did not fail the change.
    Warning(String),
}

/// The result of applying a plan.
#[derive(Debug, Default)]
pub struct Applied {
    /// Changes applied, by kind.
    pub summary: Summary,
    /// Changes that failed.
    pub failed: usize,
    /// Why the run stopped early, with how far it got and when to resume.
    pub stopped: Option<String>,
}

impl Applied {
    /// True when every change was applied.
    pub fn complete(&self) -> bool {
        self.failed == 0 && self.stopped.is_none()
    }
}

/// Applies `plan` through `tracker`, calling `on_event` after each change.
pub async fn apply<T: Tracker>(
    tracker: &T,
    plan: &Plan,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Applied {
    let mut out = Applied::default();
    let total = plan.writes();
    let mut written = 0usize;
    let mut made: BTreeMap<TaskKey, IssueRef> = BTreeMap::new();
    // Places (other than the configured one) that refused a write: their later changes are
    // not sent, and every other place goes on.
    let mut refused: Vec<(String, String)> = Vec::new();
    for change in &plan.changes {
        let place = change_place(change);
        if let Some((_, why)) = refused.iter().find(|(p, _)| is_in(Some(p), place)) {
            out.failed += 1;
            on_event(Event::Failed {
                change,
                error: format!("not sent: {why}"),
            });
            continue;
        }
        let result = apply_one(tracker, change, &made, on_event).await;
        match result {
            Ok(issue) => {
                if change.is_write() {
                    written += 1;
                }
                out.summary.add(change);
                let issue = issue.map(|i| i.issue).or(change.issue().cloned());
                if let (Change::Create { key, .. }, Some(issue)) = (change, &issue) {
                    made.insert(key.clone(), issue.clone());
                }
                on_event(Event::Applied { change, issue });
            }
            Err(TrackerError::Refused(err)) if place.is_some() => {
                let why = format!("{} refused: {err:#}", place.unwrap_or_default());
                out.failed += 1;
                on_event(Event::Failed {
                    change,
                    error: why.clone(),
                });
                refused.push((place.unwrap_or_default().to_string(), why));
            }
            Err(TrackerError::BudgetSpent { tracker, reset }) => {
                out.stopped = Some(budget_message(tracker, written, total, reset, Utc::now()));
                return out;
            }
            Err(TrackerError::RateLimited { limit, until }) => {
                out.stopped = Some(rate_limit_message(limit, written, total, until, Utc::now()));
                return out;
            }
            Err(TrackerError::Refused(err)) => {
                out.stopped = Some(format!(
                    "stopped after {written} of {total} changes: {err:#}"
                ));
                return out;
            }
            Err(TrackerError::Unavailable(err)) => {
                out.stopped = Some(format!(
                    "stopped after {written} of {total} changes: {} keeps failing: {err:#}; \
                     run `aftercare sync` again later to resume",
                    tracker.name()
                ));
                return out;
            }
            Err(err) => {
                out.failed += 1;
                on_event(Event::Failed {
                    change,
                    error: format!("{:#}", anyhow::Error::from(err)),
                });
            }
        }
    }
    out
}

/// The message for a run stopped by a spent budget of `tracker` (`GitHub`).
pub fn budget_message(
    tracker: &str,
    written: usize,
    total: usize,
    reset: DateTime<Utc>,
    now: DateTime<Utc>,
) -> String {
    let why = format!("the {tracker} API budget is spent until");
    stop_message(written, total, &why, reset, now)
}

/// The message for a run stopped by a rate limit (`GitHub's secondary rate limit`) that asks
/// for a longer wait than is honoured.
pub fn rate_limit_message(
    limit: &str,
    written: usize,
    total: usize,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> String {
    let why = format!("{limit} asks to wait until");
    stop_message(written, total, &why, until, now)
}

/// "stopped after 3 of 5 changes: {why} {when} (in about N min); run again after that".
fn stop_message(
    written: usize,
    total: usize,
    why: &str,
    when: DateTime<Utc>,
    now: DateTime<Utc>,
) -> String {
    let minutes = (when - now).num_minutes().max(0) + 1;
    format!(
        "stopped after {written} of {total} changes: {why} {} (in about {minutes} min); run \
         `aftercare sync` again after that to resume",
        when.format("%Y-%m-%d %H:%M:%S UTC")
    )
}

/// The place a change writes to (`None`: the configured repository).
fn change_place(change: &Change) -> Option<&str> {
    match change {
        Change::Create { issue, .. } => issue.place.as_deref(),
        other => other.issue().and_then(|i| i.place.as_deref()),
    }
}

/// The comment on an issue closed because its task moved: where the work goes on.
pub fn moved_comment(key: &TaskKey, to: &IssueRef, place: &str) -> String {
    format!(
        "Moved by aftercare: task `{}` of postmortem `{}` is now tracked in {place}, as {}: {}. \
         This issue is closed as not planned; the work goes on there.",
        key.task(),
        key.postmortem(),
        to.display,
        to.url
    )
}

/// Applies one change; the issue the tracker returned, if a write returned one. `made` holds
/// the issues this run created, by task.
async fn apply_one<T: Tracker>(
    tracker: &T,
    change: &Change,
    made: &BTreeMap<TaskKey, IssueRef>,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Option<TrackedIssue>, TrackerError> {
    match change {
        Change::Unchanged { .. } => Ok(None),
        Change::Move {
            key,
            issue: target,
            to_name: place,
            kept,
            edit,
            ..
        } => {
            let Some(new) = kept.as_deref().or(made.get(key)) else {
                return Err(TrackerError::Other(anyhow::anyhow!(
                    "left open: the task's issue in {place} was not created, so there is \
                     nothing to link to yet; the next sync moves it"
                )));
            };
            let comment = moved_comment(key, new, place);
            edit_then_comment(tracker, target, edit, &comment, on_event).await
        }
        Change::Create { key, issue } => create(tracker, key, issue, on_event).await.map(Some),
        Change::Update { issue, edit, .. } => edit_issue(tracker, issue, edit, on_event).await,
        Change::Close {
            issue: target,
            edit,
            comment,
            ..
        }
        | Change::Reopen {
            issue: target,
            edit,
            comment,
            ..
        }
        | Change::CloseDuplicate {
            issue: target,
            edit,
            comment,
            ..
        } => edit_then_comment(tracker, target, edit, comment, on_event).await,
    }
}

/// Edits an issue (closing or reopening it), then comments why.
async fn edit_then_comment<T: Tracker>(
    tracker: &T,
    target: &IssueRef,
    edit: &IssueEdit,
    comment: &str,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Option<TrackedIssue>, TrackerError> {
    let issue = edit_issue(tracker, target, edit, on_event).await?;
    // (`issue` is `None` when nothing but assignees was to change, or when the tracker's
    // answer does not describe the issue.)
    match tracker.comment(target, comment).await {
        Ok(()) => {}
        // Sending it again could post it twice; a missing comment is the lesser harm.
        Err(TrackerError::OutcomeUnknown { source, .. }) => on_event(Event::Warning(format!(
            "the comment on issue {target} may not have been posted: {source:#}"
        ))),
        Err(err) => return Err(err),
    }
    Ok(issue)
}

/// Edits an issue; when the owner cannot be assigned, edits without assignees and warns.
async fn edit_issue<T: Tracker>(
    tracker: &T,
    issue: &IssueRef,
    edit: &IssueEdit,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<Option<TrackedIssue>, TrackerError> {
    match tracker.edit_issue(issue, edit).await {
        Err(TrackerError::Invalid {
            field: Some(field), ..
        }) if field == "assignees" && edit.assignees.is_some() => {
            on_event(Event::Warning(format!(
                "issue {issue}: {} cannot be assigned in this repository; fix the task's \
                 owner (assignees left as they are)",
                edit.assignees.as_deref().unwrap_or_default().join(", ")
            )));
            let edit = IssueEdit {
                assignees: None,
                ..edit.clone()
            };
            if edit.is_empty() {
                return Ok(None);
            }
            tracker.edit_issue(issue, &edit).await
        }
        other => other,
    }
}

/// Creates a task's issue, without ever making a second one.
async fn create<T: Tracker>(
    tracker: &T,
    key: &TaskKey,
    issue: &NewIssue,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<TrackedIssue, TrackerError> {
    let mut issue = issue.clone();
    let mut attempt = 0;
    loop {
        attempt += 1;
        match tracker.create_issue(&issue).await {
            Ok(created) => return Ok(created),
            Err(TrackerError::Invalid {
                field: Some(field), ..
            }) if field == "assignees" && !issue.assignees.is_empty() => {
                on_event(Event::Warning(format!(
                    "{key}: {} cannot be assigned in this repository; creating the issue \
                     without an assignee",
                    issue.assignees.join(", ")
                )));
                issue.assignees.clear();
            }
            Err(TrackerError::OutcomeUnknown { what, source }) => {
                if let Some(found) = tracker.find_created(key).await? {
                    return Ok(found);
                }
                if attempt >= CREATE_ATTEMPTS {
                    return Err(TrackerError::OutcomeUnknown { what, source });
                }
            }
            Err(err) => return Err(err),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn budget_message_says_how_far_and_when_to_resume() {
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 14, 0, 0).unwrap();
        let reset = Utc.with_ymd_and_hms(2024, 5, 1, 14, 41, 30).unwrap();
        assert_eq!(
            budget_message("GitHub", 12, 34, reset, now),
            "stopped after 12 of 34 changes: the GitHub API budget is spent until \
             2024-05-01 14:41:30 UTC (in about 42 min); run `aftercare sync` again after that \
             to resume"
        );
    }

    /// Regression: a secondary limit asking for a longer wait than is honoured stopped the run
    /// saying that the API budget was spent, which it was not.
    #[test]
    fn a_secondary_limit_stop_names_the_secondary_limit() {
        let now = Utc.with_ymd_and_hms(2024, 5, 1, 14, 0, 0).unwrap();
        let until = Utc.with_ymd_and_hms(2024, 5, 1, 14, 5, 1).unwrap();
        assert_eq!(
            rate_limit_message("GitHub's secondary rate limit", 0, 34, until, now),
            "stopped after 0 of 34 changes: GitHub's secondary rate limit asks to wait until \
             2024-05-01 14:05:01 UTC (in about 6 min); run `aftercare sync` again after that \
             to resume"
        );
    }
}
