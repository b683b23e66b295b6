//! The postmortem file format as plain Rust types: field names, which are required, and what
//! each holds. The JSON Schema (`aftercare schema`) is generated from these types, and the
//! validator's field tables are tested against them, so the format is described once.
//!
//! These types deliberately hold no positions and make no checks beyond their shape; the
//! positioned validation lives in `validate.rs` and produces the trusted [`crate::model`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::model::{PostmortemStatus, Priority, TaskType, TimelineKind};

/// The pattern of postmortem, measure and task ids.
pub const ID_PATTERN: &str = "^[a-z0-9][a-z0-9-]*$";
/// The pattern of the time forms: a date-time with offset, a date, or a time of day.
pub const TIME_PATTERN: &str = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$|^[0-9]{2}:[0-9]{2}(:[0-9]{2})?$";
/// The pattern of a date.
pub const DATE_PATTERN: &str = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";
/// The pattern of evidence: an `http(s)` URL or `#N`.
pub const EVIDENCE_PATTERN: &str = r"^(https?://[^\s]+|#[0-9]+)$";
/// The pattern of a GitHub login.
pub const LOGIN_PATTERN: &str = "^[A-Za-z0-9](-?[A-Za-z0-9])*$";
/// The pattern of a `repo`: a GitHub `owner/name`, a GitLab `group/subgroup/project` or a
/// Jira project key.
pub const PLACE_PATTERN: &str = r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$";

/// One incident postmortem: what happened, why, and the corrective tasks that follow from it.
/// Every task of a published postmortem becomes exactly one GitHub issue.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "aftercare postmortem")]
pub struct RawPostmortem {
    /// Identifies the postmortem across the repository and in issue markers; never change it
    /// once tasks are synced. Lowercase letters, digits and `-`, at most 64 characters, unique
    /// across the directory, e.g. `2023-05-10-ddos-database-overload`.
    #[schemars(regex(pattern = ID_PATTERN), length(min = 1, max = 64))]
    pub id: String,
    /// A one-line title for the incident, at most 200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub title: String,
    /// `draft` postmortems are checked but never synced; `published` ones are synced.
    #[serde(default)]
    pub status: PostmortemStatus,
    /// How severe the incident was, in your own scale (e.g. `SEV2`).
    pub severity: Option<String>,
    /// The affected application or service.
    pub service: Option<String>,
    /// When the incident started: `2023-05-10T14:00:00Z`, `2023-05-10` or `14:00` (UTC).
    #[schemars(regex(pattern = TIME_PATTERN))]
    pub started: Option<String>,
    /// When the incident ended; not before `started`. Same forms as `started`.
    #[schemars(regex(pattern = TIME_PATTERN))]
    pub ended: Option<String>,
    /// When the incident was detected. Same forms as `started`.
    #[schemars(regex(pattern = TIME_PATTERN))]
    pub detected: Option<String>,
    /// How the incident was detected (e.g. a monitoring alert, a customer report).
    pub detection: Option<String>,
    /// What the incident did to its users.
    pub impact: RawImpact,
    /// Why the incident happened.
    #[schemars(length(min = 1))]
    pub root_cause: String,
    /// How the incident was resolved.
    pub resolution: Option<String>,
    /// What happened, in the order it happened, including misleading paths and escalations.
    pub timeline: Option<Vec<RawTimelineEntry>>,
    /// Lessons learned and closing remarks.
    pub lessons: Option<String>,
    /// The corrective and preventative measures: themes that tasks belong to.
    pub measures: Option<Vec<RawMeasure>>,
    /// The corrective tasks; every task becomes one GitHub issue.
    pub tasks: Option<Vec<RawTask>>,
    /// The ids of earlier postmortems this incident cites (each must name a postmortem in the
    /// directory); `status` shows how many of their follow-ups are still open.
    #[schemars(inner(regex(pattern = ID_PATTERN), length(min = 1, max = 64)))]
    pub related: Option<Vec<String>>,
    /// Where this postmortem's tasks are tracked, when not in `aftercare.yml`'s repository: a
    /// GitHub `owner/name`, a GitLab project path or a Jira project key. A task's own `repo`
    /// overrides it.
    #[schemars(regex(pattern = PLACE_PATTERN), length(min = 1, max = 255))]
    pub repo: Option<String>,
}

/// What the incident did to its users.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawImpact {
    /// The impact in a few sentences.
    #[schemars(length(min = 1))]
    pub summary: String,
    /// The share of users affected, from 0 to 100.
    #[schemars(range(min = 0, max = 100))]
    pub users_affected_percent: Option<f64>,
}

/// One thing that happened during the incident.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTimelineEntry {
    /// When it happened: `2023-05-10T14:30:00Z`, `2023-05-10` or `14:30` (UTC; takes its date
    /// from `started` when that has one).
    #[schemars(regex(pattern = TIME_PATTERN))]
    pub at: Option<String>,
    /// What kind of step this was.
    pub kind: Option<TimelineKind>,
    /// What happened.
    #[schemars(length(min = 1))]
    pub event: String,
}

/// A corrective or preventative measure: a theme that tasks belong to.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawMeasure {
    /// Identifies the measure within the file; tasks name it in `measure`.
    #[schemars(regex(pattern = ID_PATTERN), length(min = 1, max = 64))]
    pub id: String,
    /// What the measure is about.
    #[schemars(length(min = 1, max = 200))]
    pub title: String,
    /// More about the measure.
    pub description: Option<String>,
}

/// One corrective task. It becomes one GitHub issue.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTask {
    /// Identifies the task within the file; never change it once synced and never reuse it for
    /// another task.
    #[schemars(regex(pattern = ID_PATTERN), length(min = 1, max = 64))]
    pub id: String,
    /// The issue title, at most 200 characters.
    #[schemars(length(min = 1, max = 200))]
    pub title: String,
    /// The issue body.
    pub description: Option<String>,
    /// The id of the measure in this file that the task belongs to.
    #[schemars(regex(pattern = ID_PATTERN))]
    pub measure: Option<String>,
    /// What kind of work the task is.
    #[serde(rename = "type")]
    pub kind: Option<TaskType>,
    /// How urgent the task is; P1 is the most urgent.
    pub priority: Option<Priority>,
    /// The GitHub login of the person responsible; becomes the issue's assignee.
    #[schemars(regex(pattern = LOGIN_PATTERN), length(max = 39))]
    pub owner: Option<String>,
    /// When the task is due, `2023-06-10`.
    #[schemars(regex(pattern = DATE_PATTERN))]
    pub due: Option<String>,
    /// Extra labels for the issue, besides those of the configuration (at most 50 characters
    /// each, as GitHub allows).
    #[schemars(inner(length(min = 1, max = 50)))]
    pub labels: Option<Vec<String>>,
    /// Evidence that the task is done: the URL of a pull request or document, or `#N` (a pull
    /// request of the repository). With `require_evidence: true` in `aftercare.yml`, a task
    /// closed as completed counts as done only with this or a merged closing pull request.
    #[schemars(regex(pattern = EVIDENCE_PATTERN))]
    pub verified_by: Option<String>,
    /// Where this task's issue lives, when not in its postmortem's or `aftercare.yml`'s
    /// repository: a GitHub `owner/name`, a GitLab project path or a Jira project key. Moving
    /// a task to another repository creates its issue there and closes the old one with a link.
    #[schemars(regex(pattern = PLACE_PATTERN), length(min = 1, max = 255))]
    pub repo: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_example_of_the_format_deserialises_into_the_raw_types() {
        let yaml = "id: a\ntitle: T\nimpact:\n  summary: s\n  users_affected_percent: 30\n\
                    root_cause: r\ntasks:\n  - id: t\n    title: T\n    type: prevent\n    \
                    priority: P1\n    due: 2023-06-10\n    labels: [database]\n";
        let pm: RawPostmortem = serde_yaml::from_str(yaml).expect("valid");
        assert_eq!(pm.status, PostmortemStatus::Published);
        assert_eq!(pm.tasks.expect("tasks")[0].kind, Some(TaskType::Prevent));
        let err = serde_yaml::from_str::<RawPostmortem>("titel: x\n").unwrap_err();
        assert!(
            err.to_string().starts_with("unknown field `titel`"),
            "{err}"
        );
    }
}
