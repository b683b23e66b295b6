//! The issue tracker as aftercare sees it: a small interface in our own types.
//!
//! The core (planning, the issue index, sync and status) speaks only of [`TrackedIssue`],
//! [`IssueRef`], [`IssueState`] and [`IssueEdit`]. Each tracker lives in its own folder with its
//! wire types, client and mapping, and answers in these terms the questions whose answers
//! differ between trackers: which task an issue belongs to, whether its author is trusted, and
//! whether it is open, done or dropped. How a tracker lists issues (pages, watermarks, caches)
//! is its own business behind [`Tracker::list`]. Nothing outside this module names octocrab,
//! HTTP or a tracker's JSON.
//!
//! - [`github`]: GitHub and GitHub Enterprise Server, over octocrab;
//! - [`gitlab`]: gitlab.com and self-managed GitLab, over reqwest;
//! - [`jira`]: Jira Cloud and Jira Data Center, over reqwest;
//! - [`markdown`]: the issue text GitHub and GitLab share (Markdown with hidden notes);
//! - [`snapshot`]: the last complete view of a tracker's issues, for incremental listings.

pub mod cache_file;
pub mod connect;
pub mod fleet;
pub mod github;
pub mod gitlab;
pub mod jira;
pub mod listing;
pub mod markdown;
pub mod retry;
pub mod snapshot;

use std::fmt;
use std::future::Future;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{Priority, TaskKey, TaskType};

/// How an issue is named: the tracker's own id for it, the short reference people read, and
/// its page.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IssueRef {
    /// Opaque to everything but the tracker: `12` on GitHub (the number), `12` on GitLab (the
    /// project-scoped iid), `OPS-12` on Jira (the key).
    pub id: String,
    /// The issue's number where the tracker numbers issues (GitHub, GitLab), else `None`.
    pub number: Option<u64>,
    /// What people write to name it: `#12`, `OPS-12`.
    pub display: String,
    /// The issue's page for people.
    pub url: String,
    /// The repository or project it is in when that is not the configured one (a task's or
    /// postmortem's `repo`); `None` for the configured one. Set by [`fleet::Fleet`], never by
    /// a tracker module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

impl IssueRef {
    /// The reference of a numbered issue (GitHub, GitLab): `#12`.
    pub fn numbered(number: u64, url: impl Into<String>) -> IssueRef {
        IssueRef {
            id: number.to_string(),
            number: Some(number),
            display: format!("#{number}"),
            url: url.into(),
            place: None,
        }
    }
}

impl fmt::Display for IssueRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

/// Where an issue stands, as the tracker module reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    Open,
    /// Closed as done.
    Done,
    /// Closed as not going to be done; why, in the tracker's own words (`not planned`,
    /// `duplicate`, a label or a resolution).
    Dropped(String),
}

impl IssueState {
    pub fn is_open(&self) -> bool {
        matches!(self, IssueState::Open)
    }
}

/// What aftercare set on an issue from the YAML, as the issue records it (so that a label
/// dropped from the YAML can be taken off again without touching labels people added).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Owned {
    #[serde(default, deserialize_with = "exact_names")]
    pub labels: Vec<String>,
    #[serde(default, deserialize_with = "exact_names")]
    pub assignees: Vec<String>,
}

/// A list of names read at its exact length: a listing snapshot holds four lists for every
/// issue, and a list grown name by name makes room for four names at its first.
fn exact_names<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    struct Names;
    impl<'de> serde::de::Visitor<'de> for Names {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of names")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(
            self,
            mut seq: A,
        ) -> Result<Self::Value, A::Error> {
            let mut names = Vec::new();
            while let Some(name) = seq.next_element()? {
                names.reserve_exact(1);
                names.push(name);
            }
            Ok(names)
        }
    }
    deserializer.deserialize_seq(Names)
}

/// An issue as the core needs it. Pull requests and the like never become a `TrackedIssue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedIssue {
    pub issue: IssueRef,
    /// The task the issue belongs to, as the tracker records it (a hidden marker in the body
    /// on GitHub and GitLab); `None` for issues that are not aftercare's.
    pub task: Option<TaskKey>,
    /// Whether the author may speak for a task, by the tracker's own rules (the syncing
    /// identity, or someone with write access to the repository or project).
    pub trusted: bool,
    pub title: String,
    /// The description in the tracker's own text format; only the tracker's [`IssueText`]
    /// reads it. From a listing snapshot that keeps digests, a digest of it
    /// ([`snapshot::is_body_digest`]), which the tracker's [`IssueText::same_body`] compares.
    pub body: String,
    pub state: IssueState,
    #[serde(deserialize_with = "exact_names")]
    pub labels: Vec<String>,
    /// Logins (usernames) of the assignees.
    #[serde(deserialize_with = "exact_names")]
    pub assignees: Vec<String>,
    /// The login (username) of the issue's author.
    pub author: String,
    /// What aftercare recorded it set on the issue, when the issue records it.
    pub owned: Option<Owned>,
    /// True when aftercare itself dropped the issue because its task was removed, so that it
    /// is reopened when the task comes back (while a person's close is left alone).
    pub removed_by_aftercare: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was closed, if it is closed and the tracker says.
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
}

/// A comment on an issue, as the core needs it (reminders look for their own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueComment {
    /// The login (username) of the comment's author.
    pub author: String,
    /// Whether the author may speak for aftercare, by the tracker's rule for issue authors. A
    /// tracker that must ask about each author (GitLab) asks only for comments that may be a
    /// reminder, and leaves the others `false`.
    pub trusted: bool,
    pub body: String,
}

/// A reminder about an overdue task, as structured content: each tracker writes it in its own
/// text format ([`IssueText::reminder`]), with its own mentions and its own form of the hidden
/// marker that tells the reminder about `due` apart ([`IssueText::reminds_about`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderContent {
    /// The due date it reminds about.
    pub due: NaiveDate,
    /// The first day the task was overdue: the day after `due`.
    pub overdue_since: NaiveDate,
    /// Who to mention: logins (usernames) as the YAML's `owner` and the issue's assignees name
    /// them.
    pub mentions: Vec<String>,
    /// The postmortem's title.
    pub incident: String,
    /// The postmortem's file, relative to the repository root.
    pub file: String,
}

/// Who the token belongs to, as far as trust is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The login issues created with this token are authored by, for example `octocat` or
    /// `github-actions[bot]`; empty without a token.
    pub login: String,
}

/// What aftercare writes about a task, as structured content: each tracker renders it in its
/// own text format ([`IssueText`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueContent {
    pub key: TaskKey,
    /// The task's description, if it has one.
    pub description: Option<String>,
    /// The postmortem's title.
    pub incident: String,
    /// The postmortem's file, relative to the repository root.
    pub file: String,
    /// The title of the measure the task serves, if any.
    pub measure: Option<String>,
    pub kind: Option<TaskType>,
    pub priority: Option<Priority>,
    pub due: Option<NaiveDate>,
    /// The labels and assignees aftercare sets.
    pub owned: Owned,
}

/// How one tracker writes the text aftercare owns. Pure: no I/O.
pub trait IssueText: Sync + std::fmt::Debug {
    /// The task's title, shortened to what the tracker accepts.
    fn title(&self, title: &str) -> String;
    /// The description of a task's issue.
    fn body(&self, content: &IssueContent) -> String;
    /// True when `current` (an issue's description) says what `desired` says.
    fn same_body(&self, current: &str, desired: &str) -> bool;
    /// The description of an issue aftercare drops because its task was removed; where the
    /// tracker records that fact elsewhere, the description unchanged.
    fn with_removal_note(&self, body: &str) -> String;
    /// The comment reminding of an overdue task, with its marker.
    fn reminder(&self, reminder: &ReminderContent) -> String;
    /// True when a comment's `body` carries the marker of the reminder about `due`.
    fn reminds_about(&self, body: &str, due: NaiveDate) -> bool;
}

/// A new issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIssue {
    pub key: TaskKey,
    /// The repository or project to create it in when that is not the configured one.
    pub place: Option<String>,
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
}

/// A change of labels: the whole set after the change, and what it adds and removes (trackers
/// that replace the set use `all`; those that add and remove use the others, so that labels
/// people add meanwhile are never lost).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LabelChange {
    pub all: Vec<String>,
    pub add: Vec<String>,
    pub remove: Vec<String>,
}

/// How an edit changes an issue's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateChange {
    /// Dropped because its task was removed.
    DropNotPlanned,
    /// Dropped as a duplicate of another issue of the same task.
    DropDuplicate,
    /// Open again.
    Reopen,
}

/// Changes to an existing issue; `None` leaves a field as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IssueEdit {
    pub title: Option<String>,
    /// The new description, already in the tracker's text format.
    pub body: Option<String>,
    pub labels: Option<LabelChange>,
    /// The whole set of assignees after the change.
    pub assignees: Option<Vec<String>>,
    pub state: Option<StateChange>,
}

impl IssueEdit {
    /// True when the edit would change nothing.
    pub fn is_empty(&self) -> bool {
        self == &IssueEdit::default()
    }
}

/// How to connect to a tracker.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// How many `-v` were given: at 1 and above every request is logged (never its headers).
    pub verbose: u8,
    /// Where caches are kept between runs, with the listing snapshot beside it
    /// ([`snapshot::snapshot_path`]); `None` keeps nothing and lists everything.
    pub cache_file: Option<std::path::PathBuf>,
    /// Least time between two writes; zero switches all pacing off (the tracker's windows too).
    pub write_interval: std::time::Duration,
    /// The longest time between two complete listings (`full_every` in aftercare.yml).
    pub full_every: std::time::Duration,
    /// List everything, whatever the snapshot (`--full`).
    pub full: bool,
    /// The write pacer to share with the other repositories of one run; `None`: the client
    /// paces its own writes.
    pub pacer: Option<SharedPacer>,
}

/// One write pacer for several clients of one tracker account.
pub type SharedPacer = std::sync::Arc<std::sync::Mutex<crate::pacing::WritePacer>>;

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            verbose: 0,
            cache_file: None,
            write_interval: std::time::Duration::ZERO,
            full_every: crate::config::DEFAULT_FULL_EVERY,
            full: false,
            pacer: None,
        }
    }
}

/// Requests made so far, for the summary at `-v` and for measurements.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestStats {
    pub gets: usize,
    /// GETs answered `304` from the cache, which spend no budget.
    pub not_modified: usize,
    pub writes: usize,
    /// Retries and waits after refusals or failures.
    pub retries: usize,
}

/// Failures a caller branches on. Everything else is a plain error with context.
#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    /// The request budget is spent and comes back at `reset`, too far off to wait for.
    #[error("the {tracker} API budget is spent until {}", .reset.format("%H:%M:%S UTC"))]
    BudgetSpent {
        tracker: &'static str,
        reset: DateTime<Utc>,
    },
    /// A rate limit asks to wait until `until`: longer than is worth waiting for, or still
    /// refusing after every wait. `limit` names it (`GitHub's secondary rate limit`).
    #[error("{limit} asks to wait until {}", .until.format("%H:%M:%S UTC"))]
    RateLimited {
        limit: &'static str,
        until: DateTime<Utc>,
    },
    /// A write was sent but whether the tracker applied it is unknown (the connection dropped,
    /// a 5xx, a timeout). Creating again blindly could make a duplicate.
    #[error("the outcome of {what} is unknown")]
    OutcomeUnknown {
        what: String,
        #[source]
        source: anyhow::Error,
    },
    /// The tracker refused access to the repository or project (wrong token, missing
    /// permission, no such project, issues disabled): every further request would fail the
    /// same way.
    #[error(transparent)]
    Refused(anyhow::Error),
    /// The tracker kept failing (5xx, 429, no answer) through every retry of a request: the
    /// next requests would most likely wait and fail the same way.
    #[error(transparent)]
    Unavailable(anyhow::Error),
    /// The tracker rejected a request's content; `field` is the field it named.
    #[error("{error:#}")]
    Invalid {
        field: Option<String>,
        error: anyhow::Error,
    },
    /// Anything else, already worded for people.
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

/// The operations aftercare needs from an issue tracker.
///
/// Implementations retry what is safe to retry (reads, idempotent edits, requests the tracker
/// refused before doing anything) and never re-send a create whose outcome is unknown: they
/// return [`TrackerError::OutcomeUnknown`] and the caller looks ([`Tracker::find_created`])
/// before creating again.
pub trait Tracker: Sync {
    /// The tracker's name for messages: `GitHub`, `GitLab`, `Jira`.
    fn name(&self) -> &'static str;
    /// Where the issues are, for messages: `acme/web`, `group/project`, `OPS`.
    fn place(&self) -> String;
    /// Who may speak for a task besides the syncing identity, for warnings about look-alikes:
    /// `an owner, member or collaborator of the repository`.
    fn trust_rule(&self) -> &'static str;
    /// How this tracker writes issue text.
    fn text(&self) -> &dyn IssueText;
    /// Who the token belongs to.
    fn identity(&self) -> impl Future<Output = Result<Identity, TrackerError>> + Send;
    /// Takes `identity` as the token's own, found by another client of the same account, so
    /// as not to ask again. Trackers that need more than the login ask anyway.
    fn adopt_identity(&self, _identity: &Identity) {}
    /// Every issue that may be aftercare's: all carrying `labels[0]` and all the syncing
    /// identity opened (so that an issue whose label someone removed is still found). Issues
    /// without a task may be among them. Call [`Tracker::identity`] first.
    fn list(
        &self,
        labels: &[String],
    ) -> impl Future<Output = Result<Vec<TrackedIssue>, TrackerError>> + Send;
    /// One issue as it is now, whole (its description too); `None` when the tracker has no
    /// such issue any more (deleted, or moved elsewhere). Asked for the issues a sync closes when the listing snapshot kept
    /// only digests of their descriptions ([`snapshot::is_body_digest`]); trackers whose
    /// snapshot keeps the descriptions need not answer it.
    fn issue(
        &self,
        issue: &IssueRef,
    ) -> impl Future<Output = Result<Option<TrackedIssue>, TrackerError>> + Send {
        let message = format!("aftercare cannot read one {} issue", self.name());
        let _ = issue;
        std::future::ready(Err(TrackerError::Other(anyhow::anyhow!(message))))
    }
    /// Opens an issue.
    fn create_issue(
        &self,
        issue: &NewIssue,
    ) -> impl Future<Output = Result<TrackedIssue, TrackerError>> + Send;
    /// Changes an issue; sending the same edit twice has the effect of sending it once.
    /// Returns `None` when the tracker's answer does not describe the issue.
    fn edit_issue(
        &self,
        issue: &IssueRef,
        edit: &IssueEdit,
    ) -> impl Future<Output = Result<Option<TrackedIssue>, TrackerError>> + Send;
    /// Adds a comment. Not retried when its outcome is unknown, so a comment is never doubled.
    fn comment(
        &self,
        issue: &IssueRef,
        body: &str,
    ) -> impl Future<Output = Result<(), TrackerError>> + Send;
    /// The comments of an issue, oldest first.
    fn comments(
        &self,
        issue: &IssueRef,
    ) -> impl Future<Output = Result<Vec<IssueComment>, TrackerError>> + Send;
    /// Comments a reminder, written by [`IssueText::reminder`] unless the tracker needs more
    /// than text for it (Jira Cloud's mentions name accounts). Like [`Tracker::comment`], not
    /// retried when its outcome is unknown.
    fn remind(
        &self,
        issue: &IssueRef,
        reminder: &ReminderContent,
    ) -> impl Future<Output = Result<(), TrackerError>> + Send {
        let body = self.text().reminder(reminder);
        async move { self.comment(issue, &body).await }
    }
    /// Whether a merged pull request closed the issue (on GitHub: a `closed` event with a
    /// commit, or a connected pull request that is merged; on GitLab: a merged merge request
    /// among those that close it); `None` when the tracker cannot tell (Jira), so that only a
    /// task's own `verified_by` counts as evidence there.
    fn closed_by_merge(
        &self,
        issue: &IssueRef,
    ) -> impl Future<Output = Result<Option<bool>, TrackerError>> + Send {
        let _ = issue;
        std::future::ready(Ok(None))
    }
    /// After a create whose outcome is unknown: the issue the syncing identity made for `key`,
    /// if the tracker has one.
    fn find_created(
        &self,
        key: &TaskKey,
    ) -> impl Future<Output = Result<Option<TrackedIssue>, TrackerError>> + Send;
    /// Called once a sync has brought every issue in step (`wrote`: whether it wrote): the
    /// tracker may remember listing state for the next run. Errors are the tracker's to
    /// report at `-v`; a failure only costs the next run a longer listing.
    fn settle(&self, labels: &[String], wrote: bool) -> impl Future<Output = ()> + Send;
    /// Requests made so far.
    fn stats(&self) -> RequestStats;
    /// Writes what the tracker keeps between runs (caches, listing state).
    fn save(&self) -> anyhow::Result<()>;
}
