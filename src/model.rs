//! The validated postmortem model: what the rest of aftercare can trust without checking again.
//!
//! Values of these types are only built by [`crate::format`] after a file passed validation, so
//! ids match their pattern, titles are within bounds, `measure` references resolve and times
//! parse. Nothing here does I/O or knows about YAML; positions are kept only so that reports can
//! point back into the file a person edits.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A position in a source file, 1-based, as editors and GitHub annotations count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// Whether the postmortem is synced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PostmortemStatus {
    /// Checked, never synced.
    Draft,
    /// Checked and synced.
    #[default]
    Published,
}

/// A point in time as a postmortem gives it: as precisely as the source knew it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Moment {
    /// An RFC 3339 date-time with offset, `2023-05-10T14:00:00Z`.
    DateTime(DateTime<FixedOffset>),
    /// A date, `2023-05-10`.
    Date(NaiveDate),
    /// A time of day in UTC, `14:00`, for sources that give no date.
    TimeOfDay(NaiveTime),
}

impl Moment {
    /// The calendar date, when the moment has one (in the moment's own offset).
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Moment::DateTime(t) => Some(t.date_naive()),
            Moment::Date(d) => Some(*d),
            Moment::TimeOfDay(_) => None,
        }
    }
}

impl fmt::Display for Moment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Moment::DateTime(t) => write!(
                f,
                "{}",
                t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
            ),
            Moment::Date(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Moment::TimeOfDay(t) => write!(f, "{}", t.format("%H:%M")),
        }
    }
}

/// What an incident did to its users.
#[derive(Debug, Clone, PartialEq)]
pub struct Impact {
    pub summary: String,
    pub users_affected_percent: Option<f64>,
}

/// The kind of a timeline entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TimelineKind {
    Detection,
    Investigation,
    Misleading,
    Escalation,
    Mitigation,
    Resolution,
    Communication,
    Other,
}

/// One thing that happened during the incident.
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    pub at: Option<Moment>,
    pub kind: Option<TimelineKind>,
    pub event: String,
}

/// A corrective or preventative measure: a theme that tasks belong to.
#[derive(Debug, Clone, PartialEq)]
pub struct Measure {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
}

/// What kind of work a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TaskType {
    Prevent,
    Mitigate,
    Detect,
    Repair,
    Process,
    Investigate,
    Other,
}

impl fmt::Display for TaskType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            TaskType::Prevent => "prevent",
            TaskType::Mitigate => "mitigate",
            TaskType::Detect => "detect",
            TaskType::Repair => "repair",
            TaskType::Process => "process",
            TaskType::Investigate => "investigate",
            TaskType::Other => "other",
        };
        f.write_str(s)
    }
}

/// How urgent a task is; P1 is the most urgent.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
pub enum Priority {
    P1,
    P2,
    P3,
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
        })
    }
}

/// One corrective task. Every task of a published postmortem becomes exactly one issue.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub measure: Option<String>,
    pub kind: Option<TaskType>,
    pub priority: Option<Priority>,
    pub owner: Option<String>,
    pub due: Option<NaiveDate>,
    pub labels: Vec<String>,
    /// Evidence that the task is done: a URL or `#N`.
    pub verified_by: Option<String>,
    /// Where the task's issue lives when not where its postmortem's do (`repo`), with where
    /// it is written.
    pub repo: Option<(String, Position)>,
    /// Where the task starts in its file (the `- id:` line).
    pub position: Position,
}

/// A validated postmortem.
#[derive(Debug, Clone, PartialEq)]
pub struct Postmortem {
    /// The file it was read from, relative to the repository root when it lies inside it
    /// (`postmortems/2023-05-10-ddos.yaml`), with `/` separators.
    pub file: PathBuf,
    pub id: String,
    pub title: String,
    pub status: PostmortemStatus,
    pub severity: Option<String>,
    pub service: Option<String>,
    pub started: Option<Moment>,
    pub ended: Option<Moment>,
    pub detected: Option<Moment>,
    pub detection: Option<String>,
    pub impact: Impact,
    pub root_cause: String,
    pub resolution: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    pub lessons: Option<String>,
    pub measures: Vec<Measure>,
    pub tasks: Vec<Task>,
    /// The postmortems this incident cites (`related`), each with where it is written. The
    /// loader holds that each names a postmortem of the directory.
    pub related: Vec<(String, Position)>,
    /// Where the tasks' issues live when not in the configured repository (`repo`), with where
    /// it is written.
    pub repo: Option<(String, Position)>,
}

impl Postmortem {
    /// The date the incident ended, else the date it started: where SLO days are counted from.
    pub fn reference_date(&self) -> Option<NaiveDate> {
        self.ended
            .and_then(|m| m.date())
            .or_else(|| self.started.and_then(|m| m.date()))
    }

    /// The key of one of this postmortem's tasks.
    pub fn key_of(&self, task: &Task) -> TaskKey {
        TaskKey::new(&self.id, &task.id)
    }

    /// A published postmortem with only the required fields, in `postmortems/<id>.yaml`, for
    /// unit tests that set the fields they care about with struct update syntax.
    #[cfg(test)]
    pub(crate) fn minimal(id: &str, tasks: Vec<Task>) -> Postmortem {
        Postmortem {
            file: PathBuf::from(format!("postmortems/{id}.yaml")),
            id: id.to_string(),
            title: format!("Incident {id}"),
            status: PostmortemStatus::Published,
            severity: None,
            service: None,
            started: None,
            ended: None,
            detected: None,
            detection: None,
            impact: Impact {
                summary: "impact".to_string(),
                users_affected_percent: None,
            },
            root_cause: "cause".to_string(),
            resolution: None,
            timeline: vec![],
            lessons: None,
            measures: vec![],
            tasks,
            related: vec![],
            repo: None,
        }
    }

    /// The file path with `/` separators, as it appears in links and annotations.
    pub fn file_display(&self) -> String {
        self.file.to_string_lossy().replace('\\', "/")
    }
}

/// The identity of a task across runs: `<postmortem id>/<task id>`. Shared, not copied: a
/// clone (the plan and the index hold one for every task) costs no allocation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TaskKey(std::sync::Arc<str>);

impl TaskKey {
    pub fn new(postmortem: &str, task: &str) -> TaskKey {
        TaskKey(format!("{postmortem}/{task}").into())
    }

    /// Parses `pm/task` where both parts are non-empty ids; `None` otherwise.
    pub fn parse(s: &str) -> Option<TaskKey> {
        let (pm, task) = s.split_once('/')?;
        let ok = |p: &str| {
            !p.is_empty()
                && p.len() <= 64
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !p.starts_with('-')
        };
        (ok(pm) && ok(task)).then(|| TaskKey::new(pm, task))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn postmortem(&self) -> &str {
        self.0.split_once('/').map(|(p, _)| p).unwrap_or("")
    }

    pub fn task(&self) -> &str {
        self.0.split_once('/').map(|(_, t)| t).unwrap_or("")
    }
}

impl Serialize for TaskKey {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for TaskKey {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TaskKey, D::Error> {
        String::deserialize(deserializer).map(|key| TaskKey(key.into()))
    }
}

impl fmt::Display for TaskKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn task_key_round_trips_and_rejects_malformed_keys() {
        let key = TaskKey::new("2023-05-10-ddos", "evaluate-waf");
        assert_eq!(key.as_str(), "2023-05-10-ddos/evaluate-waf");
        assert_eq!(
            TaskKey::parse("2023-05-10-ddos/evaluate-waf"),
            Some(key.clone())
        );
        assert_eq!(key.postmortem(), "2023-05-10-ddos");
        assert_eq!(key.task(), "evaluate-waf");
        for bad in ["", "a", "a/", "/b", "A/b", "a/b/c", "-a/b", "a b/c"] {
            assert_eq!(TaskKey::parse(bad), None, "{bad:?}");
        }
    }
}
