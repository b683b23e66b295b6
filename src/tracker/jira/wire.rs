//! Jira's JSON as aftercare reads and writes it, and its mapping to [`TrackedIssue`].
//!
//! An issue is aftercare's when it carries the entity property `aftercare`
//! ([`Property`]): `{"task": "<postmortem id>/<task id>"}`, plus what aftercare set on the
//! issue (`owned`: labels, the owner it assigned; `assignee`: the Jira account it assigned)
//! and `removed` when aftercare dropped it because its task was removed. People never see the
//! property, so they cannot break it by editing the description.
//!
//! The state comes from the status category and the resolution: category `done` with a
//! resolution in the configured `dropped_resolutions` is dropped, `done` otherwise is done,
//! anything else is open. Users are named by `accountId` on Cloud and by `name` on Data Center.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::model::TaskKey;
use crate::tracker::{IssueRef, IssueState, Owned, TrackedIssue};

/// The entity property key.
pub const PROPERTY_KEY: &str = "aftercare";

/// The fields aftercare reads of an issue, for `fields` in searches and GETs.
pub const FIELDS: &[&str] = &[
    "summary",
    "description",
    "status",
    "resolution",
    "resolutiondate",
    "labels",
    "assignee",
    "creator",
    "created",
    "updated",
];

/// The value of the `aftercare` entity property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Property {
    pub task: String,
    #[serde(default)]
    pub owned: Owned,
    /// The account aftercare assigned (accountId on Cloud, username on Data Center).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// True when aftercare dropped the issue because its task was removed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub removed: bool,
}

/// A user as Jira names one: `accountId` on Cloud, `name` on Data Center.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
}

impl User {
    /// The id aftercare compares: the accountId, else the username.
    pub fn id(&self) -> String {
        self.account_id
            .clone()
            .or_else(|| self.name.clone())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Named {
    #[serde(default)]
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatusCategory {
    #[serde(default)]
    pub key: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Status {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub status_category: StatusCategory,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Fields {
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub description: Value,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub resolution: Option<Named>,
    #[serde(default)]
    pub resolutiondate: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    #[serde(default)]
    pub assignee: Option<User>,
    #[serde(default)]
    pub creator: Option<User>,
    #[serde(default)]
    pub created: Option<String>,
    #[serde(default)]
    pub updated: Option<String>,
}

/// An issue in a search result or a GET.
#[derive(Debug, Clone, Deserialize)]
pub struct RawIssue {
    pub id: String,
    pub key: String,
    #[serde(default)]
    pub fields: Fields,
    #[serde(default)]
    pub properties: serde_json::Map<String, Value>,
}

/// What the mapping needs to know besides the issue.
pub struct Reading<'a> {
    /// The site, for issue pages.
    pub url: &'a str,
    pub dropped_resolutions: &'a [String],
    /// Whether a creator (by [`User::id`]) may speak for a task.
    pub trusted: &'a dyn Fn(&str) -> bool,
}

impl RawIssue {
    /// The `aftercare` property, when present and readable.
    pub fn property(&self) -> Option<Property> {
        serde_json::from_value(self.properties.get(PROPERTY_KEY)?.clone()).ok()
    }

    /// The numeric id, for `reconcileIssues`.
    pub fn numeric_id(&self) -> Option<u64> {
        self.id.parse().ok()
    }

    pub fn into_tracked(self, reading: &Reading<'_>) -> TrackedIssue {
        let property = self.property();
        let f = &self.fields;
        let state = match f.status.status_category.key.as_str() {
            "done" => match &f.resolution {
                Some(r)
                    if reading
                        .dropped_resolutions
                        .iter()
                        .any(|d| d.eq_ignore_ascii_case(&r.name)) =>
                {
                    IssueState::Dropped(r.name.clone())
                }
                _ => IssueState::Done,
            },
            _ => IssueState::Open,
        };
        let body = match &f.description {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let creator = f.creator.clone().unwrap_or_default();
        let assignees = assignees(f.assignee.as_ref(), property.as_ref());
        let epoch = DateTime::<Utc>::UNIX_EPOCH;
        let created_at = f.created.as_deref().and_then(parse_time).unwrap_or(epoch);
        TrackedIssue {
            issue: issue_ref(reading.url, &self.key),
            task: property.as_ref().and_then(|p| TaskKey::parse(&p.task)),
            trusted: (reading.trusted)(&creator.id()),
            title: f.summary.clone(),
            body,
            state,
            labels: f.labels.clone(),
            assignees,
            author: creator.display_name.clone().unwrap_or_else(|| creator.id()),
            owned: property.as_ref().map(|p| p.owned.clone()),
            removed_by_aftercare: property.as_ref().is_some_and(|p| p.removed),
            created_at,
            updated_at: f
                .updated
                .as_deref()
                .and_then(parse_time)
                .unwrap_or(created_at),
            closed_at: f.resolutiondate.as_deref().and_then(parse_time),
        }
    }
}

/// The issue's assignees as the core compares them with the YAML: the owners aftercare set
/// while the account it assigned still is the assignee, plus anyone else a person assigned.
fn assignees(assignee: Option<&User>, property: Option<&Property>) -> Vec<String> {
    let set_by_aftercare = property.and_then(|p| p.assignee.clone());
    let owned = property
        .map(|p| p.owned.assignees.clone())
        .unwrap_or_default();
    match (assignee, set_by_aftercare) {
        (Some(user), Some(id)) if user.id() == id => owned,
        (Some(user), _) => {
            let mut out = owned;
            out.push(user.id());
            out
        }
        (None, _) => Vec::new(),
    }
}

pub fn issue_ref(url: &str, key: &str) -> IssueRef {
    IssueRef {
        id: key.to_string(),
        number: None,
        display: key.to_string(),
        url: format!("{url}/browse/{key}"),
        place: None,
    }
}

/// Jira's timestamps: `2024-05-01T10:00:00.000+0000` (or RFC 3339).
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|t| t.and_utc())
        })
}

/// The messages of Jira's error body (`errorMessages` and `errors`), joined; the field names of
/// `errors` are returned as well.
pub fn error_messages(body: &str) -> Option<(String, Vec<String>)> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ErrorCollection {
        #[serde(default)]
        error_messages: Vec<String>,
        #[serde(default)]
        errors: serde_json::Map<String, Value>,
    }
    let e: ErrorCollection = serde_json::from_str(body).ok()?;
    let mut parts = e.error_messages.clone();
    let mut fields = Vec::new();
    for (field, message) in &e.errors {
        fields.push(field.clone());
        let message = message
            .as_str()
            .map(str::to_string)
            .unwrap_or(message.to_string());
        parts.push(format!("{field}: {message}"));
    }
    (!parts.is_empty()).then(|| (parts.join("; "), fields))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn issue(json: Value) -> TrackedIssue {
        let dropped = vec!["Won't Do".to_string(), "Duplicate".to_string()];
        let trusted = |id: &str| id == "acc-bot";
        let raw: RawIssue = serde_json::from_value(json).unwrap();
        raw.into_tracked(&Reading {
            url: "https://acme.atlassian.net",
            dropped_resolutions: &dropped,
            trusted: &trusted,
        })
    }

    fn fields(category: &str, resolution: Option<&str>) -> Value {
        serde_json::json!({
            "id": "10001", "key": "OPS-12",
            "fields": {
                "summary": "Put a WAF in front",
                "description": {"type": "doc", "version": 1, "content": []},
                "status": {"name": "X", "statusCategory": {"key": category}},
                "resolution": resolution.map(|r| serde_json::json!({"name": r})),
                "labels": ["postmortem", "people-label"],
                "assignee": {"accountId": "acc-alice", "displayName": "Alice"},
                "creator": {"accountId": "acc-bot", "displayName": "aftercare bot"},
                "created": "2024-05-01T10:00:00.000+0000",
                "updated": "2024-05-02T11:30:00.000+0200"
            },
            "properties": {"aftercare": {
                "task": "2023-05-10-ddos/add-waf",
                "owned": {"labels": ["postmortem"], "assignees": ["alice"]},
                "assignee": "acc-alice"
            }}
        })
    }

    #[test]
    fn an_issue_maps_to_a_tracked_issue() {
        let t = issue(fields("indeterminate", None));
        assert_eq!(t.issue.id, "OPS-12");
        assert_eq!(t.issue.display, "OPS-12");
        assert_eq!(t.issue.number, None);
        assert_eq!(t.issue.url, "https://acme.atlassian.net/browse/OPS-12");
        assert_eq!(t.task, Some(TaskKey::new("2023-05-10-ddos", "add-waf")));
        assert!(t.trusted);
        assert_eq!(t.state, IssueState::Open);
        assert_eq!(t.assignees, vec!["alice".to_string()]);
        assert_eq!(t.author, "aftercare bot");
        assert_eq!(t.body, r#"{"content":[],"type":"doc","version":1}"#);
        assert_eq!(
            t.created_at,
            Utc.with_ymd_and_hms(2024, 5, 1, 10, 0, 0).unwrap()
        );
        assert_eq!(
            t.updated_at,
            Utc.with_ymd_and_hms(2024, 5, 2, 9, 30, 0).unwrap()
        );
        assert!(!t.removed_by_aftercare);
    }

    #[test]
    fn done_with_a_dropped_resolution_is_dropped_else_done() {
        assert_eq!(issue(fields("done", Some("Done"))).state, IssueState::Done);
        assert_eq!(issue(fields("done", None)).state, IssueState::Done);
        assert_eq!(
            issue(fields("done", Some("won't do"))).state,
            IssueState::Dropped("won't do".into())
        );
        assert_eq!(
            issue(fields("new", Some("Duplicate"))).state,
            IssueState::Open
        );
    }

    #[test]
    fn a_person_s_assignee_is_reported_beside_the_owner() {
        let mut json = fields("new", None);
        json["fields"]["assignee"] = serde_json::json!({"accountId": "acc-bob"});
        assert_eq!(issue(json.clone()).assignees, vec!["alice", "acc-bob"]);
        json["fields"]["assignee"] = Value::Null;
        assert!(issue(json.clone()).assignees.is_empty());
        json["fields"]["creator"] = serde_json::json!({"name": "mallory"});
        json["properties"] = serde_json::json!({});
        let t = issue(json);
        assert!(!t.trusted);
        assert_eq!(t.task, None);
        assert_eq!(t.author, "mallory");
    }

    #[test]
    fn jira_errors_are_read_with_their_fields() {
        let body =
            r#"{"errorMessages":["Nope."],"errors":{"issuetype":"Specify a valid issue type"}}"#;
        assert_eq!(
            error_messages(body),
            Some((
                "Nope.; issuetype: Specify a valid issue type".to_string(),
                vec!["issuetype".to_string()]
            ))
        );
        assert_eq!(error_messages("<html>"), None);
    }
}
