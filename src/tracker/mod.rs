//! The issue tracker as aftercare sees it: a small interface in our own types.
//!
//! Everything outside this module speaks of [`TrackedIssue`], [`IssueState`] and
//! [`StateReason`]; only [`github`] knows about octocrab, HTTP and GitHub's JSON. A second
//! tracker (GitLab, Jira) is a new submodule implementing [`Tracker`], not edits elsewhere.

pub mod github;

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
