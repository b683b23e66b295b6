//! The issue tracker as aftercare sees it: a small interface in our own types.
//!
//! Everything outside this module speaks of [`TrackedIssue`], [`IssueState`] and
//! [`StateReason`]; only [`github`] knows about octocrab, HTTP and GitHub's JSON. A second
//! tracker (GitLab, Jira) is a new submodule implementing [`Tracker`], not edits elsewhere.

pub mod github;

use std::future::Future;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Whether an issue is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IssueState {
    Open,
    Closed,
}

/// Why an issue was closed (or that it was reopened), as GitHub records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StateReason {
    Completed,
    NotPlanned,
    Duplicate,
    Reopened,
}

/// How the author of an issue relates to the repository (GitHub's `author_association`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthorAssociation {
    Owner,
    Member,
    Collaborator,
    Contributor,
    FirstTimer,
    FirstTimeContributor,
    Mannequin,
    None,
    #[serde(other)]
    Unknown,
}

impl AuthorAssociation {
    /// Owners, organisation members and collaborators can be trusted to speak for a task.
    pub fn is_trusted(self) -> bool {
        matches!(
            self,
            AuthorAssociation::Owner | AuthorAssociation::Member | AuthorAssociation::Collaborator
        )
    }
}

/// An issue as aftercare needs it. Pull requests never become a `TrackedIssue`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedIssue {
    pub number: u64,
    pub title: String,
    pub body: String,
    pub state: IssueState,
    pub state_reason: Option<StateReason>,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
    /// The login of the issue's author.
    pub author: String,
    pub author_association: AuthorAssociation,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the issue was last closed; `None` while it is open (GitHub clears it on reopen).
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    /// The issue's page for people (`html_url`).
    pub url: String,
}

/// Who the token belongs to, as far as trust is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The login issues created with this token are authored by, for example `octocat` or
    /// `github-actions[bot]`.
    pub login: String,
}

/// Which issues to list. Listings always cover open and closed issues (`state=all`) and use
/// the largest page GitHub allows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct IssueQuery {
    /// Only issues carrying this label.
    pub label: Option<String>,
    /// Only issues opened by this login.
    pub creator: Option<String>,
    /// How to order the listing.
    pub order: ListOrder,
}

/// The order of a listing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListOrder {
    /// Oldest first, GitHub's default order for a full listing.
    #[default]
    Created,
    /// Most recently created first: where an issue created a moment ago is found.
    NewestCreated,
    /// Most recently updated first: lets a listing stop at a watermark.
    RecentlyUpdated,
}

/// One page of a listing, and where the next one is.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuePage {
    /// The issues on this page; pull requests are already left out.
    pub issues: Vec<TrackedIssue>,
    /// How many items the page held before pull requests were left out.
    pub raw_len: usize,
    /// Opaque cursor of the next page, `None` on the last page.
    pub next: Option<String>,
}

/// A new issue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewIssue {
    pub title: String,
    pub body: String,
    pub labels: Vec<String>,
    pub assignees: Vec<String>,
}

/// Changes to an existing issue; `None` leaves a field as it is. Labels and assignees replace
/// the whole set, so callers pass the union they want to keep.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct IssueEdit {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignees: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<IssueState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_reason: Option<StateReason>,
}

impl IssueEdit {
    /// True when the edit would change nothing.
    pub fn is_empty(&self) -> bool {
        self == &IssueEdit::default()
    }
}

/// Failures a caller branches on. Everything else is a plain error with context.
#[derive(Debug, thiserror::Error)]
pub enum TrackerError {
    /// The request budget is spent and comes back at `reset`, too far off to wait for.
    #[error("the GitHub API budget is spent until {}", .reset.format("%H:%M:%S UTC"))]
    BudgetSpent { reset: DateTime<Utc> },
    /// GitHub's secondary rate limit asks to wait until `until`: longer than is worth waiting
    /// for, or still refusing after every wait.
    #[error("GitHub's secondary rate limit asks to wait until {}", .until.format("%H:%M:%S UTC"))]
    SecondaryLimit { until: DateTime<Utc> },
    /// A write was sent but whether the tracker applied it is unknown (the connection dropped,
    /// a 5xx, a timeout). Creating again blindly could make a duplicate.
    #[error("the outcome of {what} is unknown")]
    OutcomeUnknown {
        what: String,
        #[source]
        source: anyhow::Error,
    },
    /// The tracker refused access to the repository (wrong token, missing permission, no such
    /// repository, issues disabled): every further request would fail the same way.
    #[error(transparent)]
    Refused(anyhow::Error),
    /// The tracker kept failing (5xx, 429, no answer) through every retry of a request: the
    /// next requests would most likely wait and fail the same way.
    #[error(transparent)]
    Unavailable(anyhow::Error),
    /// The tracker rejected a request's content (GitHub's 422); `field` is the field it named.
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
/// return [`TrackerError::OutcomeUnknown`] and the caller looks before creating again.
pub trait Tracker {
    /// Who the token belongs to.
    fn identity(&self) -> impl Future<Output = Result<Identity, TrackerError>> + Send;
    /// One page of a listing; `cursor` is `None` for the first page, else a page's `next`.
    fn list_page(
        &self,
        query: &IssueQuery,
        cursor: Option<&str>,
    ) -> impl Future<Output = Result<IssuePage, TrackerError>> + Send;
    /// Opens an issue.
    fn create_issue(
        &self,
        issue: &NewIssue,
    ) -> impl Future<Output = Result<TrackedIssue, TrackerError>> + Send;
    /// Changes an issue; sending the same edit twice has the effect of sending it once.
    fn edit_issue(
        &self,
        number: u64,
        edit: &IssueEdit,
    ) -> impl Future<Output = Result<TrackedIssue, TrackerError>> + Send;
    /// Adds a comment. Not retried when its outcome is unknown, so a comment is never doubled.
    fn comment(
        &self,
        number: u64,
        body: &str,
    ) -> impl Future<Output = Result<(), TrackerError>> + Send;
    /// The newest `updated_at` seen by the last complete sync with this identity that listed
    /// by `label`, if the tracker remembers one (see [`crate::issue_index`] for how listings use
    /// it). A watermark only holds for the label it was recorded with: it promises that every
    /// older issue carries that label.
    fn creator_watermark(&self, _label: &str) -> Option<DateTime<Utc>> {
        None
    }
    /// Remembers the watermark of listings by `label` for the next run. Only a sync that
    /// brought every issue in step (so that all of them carry `label`) may call this.
    fn record_watermark(&self, _label: &str, _at: DateTime<Utc>) {}
}
