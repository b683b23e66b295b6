//! GitHub's JSON for issues, read leniently, and its mapping into the core's terms.
//!
//! GitHub records why an issue was closed (`state_reason`): `completed` (or no reason) is done,
//! `not_planned` and `duplicate` are dropped. An author is trusted when it is the syncing
//! identity or the repository's OWNER, MEMBER or COLLABORATOR (`author_association`). The task
//! and the notes aftercare keeps are read from the Markdown body ([`crate::tracker::markdown`]).

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::tracker::markdown;
use crate::tracker::{IssueComment, IssueRef, IssueState, TrackedIssue};

/// An issue as GitHub sends it, read leniently: unknown fields are ignored and unknown values
/// of `state_reason` or `author_association` do not fail the read.
#[derive(Debug, Deserialize)]
pub struct RawIssue {
    number: u64,
    title: String,
    body: Option<String>,
    state: String,
    state_reason: Option<String>,
    #[serde(default)]
    labels: Vec<RawLabel>,
    #[serde(default)]
    assignees: Option<Vec<RawUser>>,
    user: Option<RawUser>,
    author_association: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(default)]
    html_url: Option<String>,
    #[serde(default)]
    closed_at: Option<DateTime<Utc>>,
}

/// Whether an author may speak for aftercare: the syncing identity (`login`, empty without a
/// token), or the repository's owner, a member or a collaborator.
fn trusted(login: &str, author: &str, association: Option<&str>) -> bool {
    (!login.is_empty() && author == login)
        || matches!(association, Some("OWNER" | "MEMBER" | "COLLABORATOR"))
}

/// A comment as GitHub sends it, read leniently.
#[derive(Debug, Deserialize)]
pub struct RawComment {
    user: Option<RawUser>,
    body: Option<String>,
    author_association: Option<String>,
}

impl RawComment {
    /// The comment in the core's terms, trusted by the rule of issue authors.
    pub fn into_comment(self, login: &str) -> IssueComment {
        let author = self.user.map(|u| u.login).unwrap_or_default();
        IssueComment {
            trusted: trusted(login, &author, self.author_association.as_deref()),
            author,
            body: self.body.unwrap_or_default(),
        }
    }
}

/// One event of an issue's timeline (`GET …/issues/{n}/timeline`), read leniently: only what
/// tells whether a merged pull request closed the issue.
#[derive(Debug, Deserialize)]
pub struct TimelineEvent {
    #[serde(default)]
    event: Option<String>,
    /// The commit that closed the issue, on a `closed` event: set when a merged pull request
    /// (or a pushed commit) closed it.
    #[serde(default)]
    commit_id: Option<String>,
    /// What referenced the issue, on a `cross-referenced` event.
    #[serde(default)]
    source: Option<TimelineSource>,
}

#[derive(Debug, Deserialize)]
struct TimelineSource {
    #[serde(default)]
    issue: Option<SourceIssue>,
}

#[derive(Debug, Deserialize)]
struct SourceIssue {
    #[serde(default)]
    pull_request: Option<PullRequestMark>,
}

#[derive(Debug, Deserialize)]
struct PullRequestMark {
    #[serde(default)]
    merged_at: Option<DateTime<Utc>>,
}

impl TimelineEvent {
    /// A `closed` event with the commit that closed the issue, or a pull request connected to
    /// the issue that is merged.
    pub fn closed_by_merge(&self) -> bool {
        match self.event.as_deref() {
            Some("closed") => self.commit_id.as_deref().is_some_and(|c| !c.is_empty()),
            Some("cross-referenced") => self
                .source
                .as_ref()
                .and_then(|s| s.issue.as_ref())
                .and_then(|i| i.pull_request.as_ref())
                .is_some_and(|p| p.merged_at.is_some()),
            _ => false,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawLabel {
    Name(String),
    Object { name: String },
}

#[derive(Debug, Deserialize)]
struct RawUser {
    login: String,
}

impl RawIssue {
    /// The issue in the core's terms. `login` is the syncing identity (empty without a
    /// token): its issues are trusted, as are those of the repository's owners, members and
    /// collaborators.
    pub fn into_tracked(self, login: &str) -> TrackedIssue {
        let closed = self.state.eq_ignore_ascii_case("closed");
        let state = match self.state_reason.as_deref() {
            _ if !closed => IssueState::Open,
            Some("not_planned") => IssueState::Dropped("not planned".into()),
            Some("duplicate") => IssueState::Dropped("duplicate".into()),
            // Completed, or closed with no reason (as before GitHub recorded reasons).
            _ => IssueState::Done,
        };
        let author = self.user.map(|u| u.login).unwrap_or_default();
        let trusted = trusted(login, &author, self.author_association.as_deref());
        let body = self.body.unwrap_or_default();
        TrackedIssue {
            issue: IssueRef::numbered(self.number, self.html_url.unwrap_or_default()),
            task: markdown::find_key(&body),
            trusted,
            owned: markdown::find_owned(&body),
            removed_by_aftercare: markdown::closed_for_removal(&body),
            title: self.title,
            body,
            state,
            labels: self
                .labels
                .into_iter()
                .map(|l| match l {
                    RawLabel::Name(n) | RawLabel::Object { name: n } => n,
                })
                .collect(),
            assignees: self
                .assignees
                .unwrap_or_default()
                .into_iter()
                .map(|u| u.login)
                .collect(),
            author,
            created_at: self.created_at,
            updated_at: self.updated_at,
            closed_at: if closed { self.closed_at } else { None },
        }
    }
}

/// A listing's JSON reduced to the fields [`RawIssue`] reads, so that the cache of a large
/// repository stays small; any other body is kept as it is.
pub fn compact(body: &str) -> String {
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str::<serde_json::Value>(body)
    else {
        return body.to_string();
    };
    const KEPT: [&str; 11] = [
        "number",
        "title",
        "body",
        "state",
        "state_reason",
        "author_association",
        "created_at",
        "updated_at",
        "html_url",
        "pull_request",
        "closed_at",
    ];
    let login = |user: &serde_json::Value| serde_json::json!({ "login": user.get("login") });
    let items: Vec<serde_json::Value> = items
        .into_iter()
        .map(|item| {
            let mut out = serde_json::Map::new();
            for key in KEPT {
                if let Some(value) = item.get(key) {
                    out.insert(key.to_string(), value.clone());
                }
            }
            if let Some(labels) = item.get("labels").and_then(|l| l.as_array()) {
                let names = labels
                    .iter()
                    .map(|l| l.get("name").cloned().unwrap_or_else(|| l.clone()))
                    .collect();
                out.insert("labels".into(), serde_json::Value::Array(names));
            }
            if let Some(assignees) = item.get("assignees").and_then(|a| a.as_array()) {
                let logins = assignees.iter().map(login).collect();
                out.insert("assignees".into(), serde_json::Value::Array(logins));
            }
            if let Some(user) = item.get("user").filter(|u| !u.is_null()) {
                out.insert("user".into(), login(user));
            }
            serde_json::Value::Object(out)
        })
        .collect();
    serde_json::to_string(&items).unwrap_or_else(|_| body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_closing_commit_or_a_merged_connected_pull_request_is_a_merged_close() {
        let merged = |json: &str| {
            serde_json::from_str::<TimelineEvent>(json)
                .unwrap()
                .closed_by_merge()
        };
        assert!(merged(r#"{"event":"closed","commit_id":"6dcb09b5b5"}"#));
        assert!(!merged(r#"{"event":"closed","commit_id":null}"#));
        assert!(!merged(
            r#"{"event":"referenced","commit_id":"6dcb09b5b5"}"#
        ));
        assert!(merged(
            r#"{"event":"cross-referenced","source":{"type":"issue","issue":{"number":9,
                "pull_request":{"url":"u","merged_at":"2024-01-02T00:00:00Z"}}}}"#
        ));
        assert!(!merged(
            r#"{"event":"cross-referenced","source":{"type":"issue","issue":{"number":9,
                "pull_request":{"url":"u","merged_at":null}}}}"#
        ));
        assert!(!merged(
            r#"{"event":"cross-referenced","source":{"type":"issue","issue":{"number":9}}}"#
        ));
        assert!(!merged(r#"{"event":"commented","body":"closed by #9"}"#));
    }

    #[test]
    fn issues_read_leniently() {
        let raw: RawIssue = serde_json::from_str(
            r#"{"number":3,"title":"t","body":null,"state":"closed","state_reason":"something_new",
               "labels":[{"name":"a","color":"fff"},"b"],"assignees":null,"user":{"login":"x"},
               "author_association":"NEW_KIND","created_at":"2024-01-01T00:00:00Z",
               "updated_at":"2024-01-02T00:00:00Z","extra":{"anything":1}}"#,
        )
        .unwrap();
        let issue = raw.into_tracked("octocat");
        assert_eq!(issue.state, IssueState::Done);
        assert_eq!(issue.labels, ["a", "b"]);
        assert_eq!(issue.author, "x");
        assert!(!issue.trusted, "an unknown association is not trusted");
        assert_eq!(issue.body, "");
    }

    #[test]
    fn compacted_listings_read_the_same() {
        let body = r#"[{"number":3,"title":"t","body":"b","state":"open","state_reason":null,
            "labels":[{"id":1,"name":"a","color":"fff"}],"assignees":[{"login":"x","id":2}],
            "user":{"login":"y","id":3,"avatar_url":"u"},"author_association":"OWNER",
            "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T00:00:00Z",
            "html_url":"h","node_id":"n","reactions":{"+1":0}},
            {"number":4,"title":"p","body":null,"state":"open","labels":[],"user":null,
            "created_at":"2024-01-01T00:00:00Z","updated_at":"2024-01-02T00:00:00Z",
            "pull_request":{"url":"u"}}]"#;
        let small = compact(body);
        assert!(small.len() < body.len());
        assert!(!small.contains("node_id"));
        let read = |text: &str| -> Vec<serde_json::Value> { serde_json::from_str(text).unwrap() };
        let (a, b) = (read(body), read(&small));
        let first = |v: &[serde_json::Value]| {
            serde_json::from_value::<RawIssue>(v[0].clone())
                .unwrap()
                .into_tracked("octocat")
        };
        assert_eq!(first(&a), first(&b));
        assert!(b[1].get("pull_request").is_some_and(|p| !p.is_null()));
        assert_eq!(compact("not json"), "not json");
        assert_eq!(compact(r#"{"login":"x"}"#), r#"{"login":"x"}"#);
    }
}
