//! GitLab's JSON for issues, notes, merge requests and users, read leniently, and its mapping
//! into the core's terms.
//!
//! GitLab records no reason for a close, so a closed issue is dropped when it carries one of
//! the configured `dropped_labels` (compared ignoring case; aftercare adds `not planned` or
//! `duplicate` when it closes), and done otherwise. The task and the notes aftercare keeps are
//! read from the Markdown description ([`crate::tracker::markdown`]). Whether the author is
//! trusted is decided by the client, which knows the project's members.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::tracker::markdown;
use crate::tracker::{IssueRef, IssueState, TrackedIssue};

/// An issue as GitLab sends it; unknown fields are ignored.
#[derive(Debug, Deserialize)]
pub struct RawIssue {
    pub iid: u64,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    pub state: String,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignees: Option<Vec<RawUser>>,
    pub author: Option<RawUser>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(default)]
    pub closed_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub web_url: Option<String>,
}

/// A user as GitLab sends it in issues, `GET /user` and `GET /users`.
#[derive(Debug, Clone, Deserialize)]
pub struct RawUser {
    pub id: u64,
    pub username: String,
}

/// A note (comment) on an issue as `GET /projects/:id/issues/:iid/notes` sends it.
#[derive(Debug, Deserialize)]
pub struct RawNote {
    #[serde(default)]
    pub body: Option<String>,
    pub author: Option<RawUser>,
    /// Written by GitLab itself ("changed the description"), not by a person.
    #[serde(default)]
    pub system: bool,
}

/// A merge request as `GET /projects/:id/issues/:iid/closed_by` sends it: only its state.
#[derive(Debug, Deserialize)]
pub struct RawMergeRequest {
    /// `opened`, `closed`, `locked` or `merged`.
    pub state: String,
}

impl RawMergeRequest {
    pub fn merged(&self) -> bool {
        self.state == "merged"
    }
}

/// A membership as `GET /projects/:id/members/all/:user_id` sends it.
#[derive(Debug, Deserialize)]
pub struct RawMember {
    pub access_level: u32,
}

/// GitLab's Reporter role: the least that may triage issues, and so speak for a task.
pub const REPORTER: u32 = 20;

impl RawIssue {
    /// The issue in the core's terms. `trusted` is the client's verdict on the author;
    /// `dropped_labels` the labels that make a closed issue dropped.
    pub fn into_tracked(self, trusted: bool, dropped_labels: &[String]) -> TrackedIssue {
        let closed = self.state == "closed";
        let dropped = self
            .labels
            .iter()
            .find(|l| dropped_labels.iter().any(|d| d.eq_ignore_ascii_case(l)));
        let state = match (closed, dropped) {
            (false, _) => IssueState::Open,
            (true, Some(label)) => IssueState::Dropped(label.clone()),
            (true, None) => IssueState::Done,
        };
        let body = self.description.unwrap_or_default();
        TrackedIssue {
            issue: IssueRef::numbered(self.iid, self.web_url.unwrap_or_default()),
            task: markdown::find_key(&body),
            trusted,
            owned: markdown::find_owned(&body),
            removed_by_aftercare: markdown::closed_for_removal(&body),
            title: self.title,
            body,
            state,
            labels: self.labels,
            assignees: self
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(|u| u.username)
                .collect(),
            author: self.author.map(|u| u.username).unwrap_or_default(),
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: if closed { self.closed_at } else { None },
        }
    }

    /// The author's user id, when GitLab names one.
    pub fn author_id(&self) -> Option<u64> {
        self.author.as_ref().map(|a| a.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(state: &str, labels: &[&str]) -> RawIssue {
        serde_json::from_value(serde_json::json!({
            "id": 901, "iid": 7, "project_id": 3, "title": "t",
            "description": "x\n<!-- aftercare:task=a/b -->\n<!-- aftercare:closed=task-removed -->",
            "state": state, "labels": labels, "assignees": [{"id": 2, "username": "alice"}],
            "author": {"id": 1, "username": "bot", "name": "Bot"},
            "created_at": "2024-05-01T12:00:00.123Z", "updated_at": "2024-05-02T12:00:00.456Z",
            "closed_at": "2024-05-02T12:00:00.456Z",
            "web_url": "https://gitlab.com/acme/web/-/issues/7", "milestone": null
        }))
        .unwrap()
    }

    #[test]
    fn notes_and_closing_merge_requests_are_read_leniently() {
        let notes: Vec<RawNote> = serde_json::from_value(serde_json::json!([
            {"id": 1, "body": "changed the description", "system": true,
             "author": {"id": 1, "username": "bot"}},
            {"id": 2, "body": null, "author": {"id": 3, "username": "gus"}, "type": null}
        ]))
        .unwrap();
        assert!(notes[0].system);
        assert_eq!(
            (
                notes[1].system,
                notes[1].body.as_deref(),
                notes[1].author.as_ref().map(|a| a.id)
            ),
            (false, None, Some(3))
        );
        let requests: Vec<RawMergeRequest> = serde_json::from_value(serde_json::json!([
            {"id": 9, "iid": 2, "state": "opened"},
            {"id": 8, "iid": 1, "state": "merged", "merged_at": "2024-05-02T12:00:00.000Z"}
        ]))
        .unwrap();
        let merged: Vec<bool> = requests.iter().map(RawMergeRequest::merged).collect();
        assert_eq!(merged, [false, true]);
    }

    #[test]
    fn closed_issues_are_dropped_by_label_and_done_otherwise() {
        let dropped = vec!["not planned".to_string(), "wontfix".to_string()];
        let issue = raw("closed", &["postmortem", "Not Planned"]).into_tracked(true, &dropped);
        assert_eq!(issue.state, IssueState::Dropped("Not Planned".into()));
        assert!(issue.removed_by_aftercare);
        let issue = raw("closed", &["postmortem"]).into_tracked(true, &dropped);
        assert_eq!(issue.state, IssueState::Done);
        assert!(issue.closed_at.is_some());
        let issue = raw("opened", &["wontfix"]).into_tracked(false, &dropped);
        assert_eq!(issue.state, IssueState::Open);
        assert_eq!(issue.closed_at, None);
        assert!(!issue.trusted);
        assert_eq!(issue.issue.display, "#7");
        assert_eq!(issue.issue.url, "https://gitlab.com/acme/web/-/issues/7");
        assert_eq!(issue.task, crate::model::TaskKey::parse("a/b"));
        assert_eq!(issue.assignees, ["alice"]);
        assert_eq!(issue.author, "bot");
    }
}
