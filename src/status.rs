//! Completion per incident, computed from the model and the issues found.
//!
//! [`compute`] is a pure function from validated postmortems, the [`IssueIndex`] of the
//! repository, the SLO days per priority and today's date to a [`StatusReport`]: the state of
//! every task, its due date, whether it is overdue, and counts per incident and in total. The
//! report's serde form is the public `status --format json` interface, so field names, nesting
//! and types here must not change. This module does no I/O and does not format anything for
//! people; that is [`crate::report`]'s job.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Days, NaiveDate, SecondsFormat, Utc};
use serde::{Serialize, Serializer};

use crate::model::{Postmortem, PostmortemStatus, Priority, Task, TaskKey};
use crate::plan::issue_index::IssueIndex;
use crate::plan::route::Routes;
use crate::tracker::{IssueState, TrackedIssue};

/// Where a task stands, read from its issue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TaskState {
    /// The issue is closed as done (on GitHub: as completed, or with no reason).
    Done,
    /// The issue is closed as not going to be done (on GitHub: not planned or a duplicate).
    Dropped,
    /// The issue is open.
    Open,
    /// There is no issue for the task yet: sync has not run since it was written.
    Missing,
    /// The issue is closed as done, but evidence is required (`require_evidence`) and there is
    /// none: no `verified_by` on the task and no merged pull request that closed the issue.
    Unverified,
}

impl TaskState {
    /// The state a task's issue (or its absence) puts it in.
    pub fn of(issue: Option<&TrackedIssue>) -> TaskState {
        match issue {
            None => TaskState::Missing,
            Some(issue) => match issue.state {
                IssueState::Open => TaskState::Open,
                IssueState::Done => TaskState::Done,
                IssueState::Dropped(_) => TaskState::Dropped,
            },
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Done => "done",
            TaskState::Dropped => "dropped",
            TaskState::Open => "open",
            TaskState::Missing => "missing",
            TaskState::Unverified => "unverified",
        }
    }
}

/// One task of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemStatus {
    pub id: String,
    pub title: String,
    pub state: TaskState,
    /// The issue number, when the task has an issue and the tracker numbers issues.
    pub issue: Option<u64>,
    /// How people name the issue (`#12`, `OPS-12`), when the task has one.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The issue's page, when the task has an issue.
    pub url: Option<String>,
    /// The repository or project the task's issue lives in (its `repo`, else the configured
    /// one).
    pub repo: String,
    /// The task's owner, else the first assignee of its issue.
    pub owner: Option<String>,
    pub priority: Option<Priority>,
    /// The task's `due`, else the incident's date plus the SLO days for its priority.
    pub due: Option<NaiveDate>,
    /// Open, and due before today.
    pub overdue: bool,
    /// When the task's issue was opened. Not part of the JSON interface.
    #[serde(skip)]
    pub opened_at: Option<DateTime<Utc>>,
    /// When the task's issue was last closed, while it is closed. Not part of the JSON
    /// interface.
    #[serde(skip)]
    pub closed_at: Option<DateTime<Utc>>,
    /// The line of the task in its file, for annotations. Not part of the JSON interface.
    #[serde(skip)]
    pub line: usize,
}

/// The counts shared by an incident and the totals.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Counts {
    pub tasks: usize,
    pub done: usize,
    pub open: usize,
    pub dropped: usize,
    pub missing: usize,
    pub unverified: usize,
    pub overdue: usize,
}

impl Counts {
    fn add_item(&mut self, item: &ItemStatus) {
        self.tasks += 1;
        match item.state {
            TaskState::Done => self.done += 1,
            TaskState::Dropped => self.dropped += 1,
            TaskState::Open => self.open += 1,
            TaskState::Missing => self.missing += 1,
            TaskState::Unverified => self.unverified += 1,
        }
        if item.overdue {
            self.overdue += 1;
        }
    }

    fn add(&mut self, other: &Counts) {
        self.tasks += other.tasks;
        self.done += other.done;
        self.open += other.open;
        self.dropped += other.dropped;
        self.missing += other.missing;
        self.unverified += other.unverified;
        self.overdue += other.overdue;
    }

    /// The tasks still meant to be done: all but the dropped ones.
    pub fn planned(&self) -> usize {
        self.tasks.saturating_sub(self.dropped)
    }

    /// done / (tasks − dropped) × 100 (unverified tasks are planned but not done), rounded to one decimal; 100 when nothing is left to do.
    pub fn percent(&self) -> f64 {
        let planned = self.planned();
        if planned == 0 {
            return 100.0;
        }
        (self.done as f64 * 1000.0 / planned as f64).round() / 10.0
    }
}

/// One incident of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentStatus {
    pub id: String,
    pub title: String,
    /// The postmortem file, relative to the repository root, with `/` separators.
    pub file: String,
    pub counts: Counts,
    pub items: Vec<ItemStatus>,
    /// The incidents this one cites (`related`), in the order the postmortem lists them.
    pub related: Vec<RelatedStatus>,
}

impl IncidentStatus {
    /// How many of the cited incidents still have follow-ups to do.
    pub fn related_with_open_follow_ups(&self) -> usize {
        self.related.iter().filter(|r| r.open > 0).count()
    }
}

/// An incident another one cites, with how far its follow-ups are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RelatedStatus {
    pub id: String,
    pub title: String,
    /// Its tasks still to do: neither done nor dropped (whether or not they have an issue).
    pub open: usize,
    pub done: usize,
}

impl Serialize for IncidentStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json<'a> {
            id: &'a str,
            title: &'a str,
            file: &'a str,
            tasks: usize,
            done: usize,
            open: usize,
            dropped: usize,
            missing: usize,
            unverified: usize,
            overdue: usize,
            percent: f64,
            items: &'a [ItemStatus],
            related: &'a [RelatedStatus],
        }
        let c = &self.counts;
        Json {
            id: &self.id,
            title: &self.title,
            file: &self.file,
            tasks: c.tasks,
            done: c.done,
            open: c.open,
            dropped: c.dropped,
            missing: c.missing,
            unverified: c.unverified,
            overdue: c.overdue,
            percent: c.percent(),
            items: &self.items,
            related: &self.related,
        }
        .serialize(serializer)
    }
}

/// The counts over all incidents.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Totals {
    /// Published postmortems counted (drafts are never synced, so never counted).
    pub postmortems: usize,
    pub counts: Counts,
}

impl Serialize for Totals {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Json {
            postmortems: usize,
            tasks: usize,
            done: usize,
            open: usize,
            dropped: usize,
            missing: usize,
            unverified: usize,
            overdue: usize,
            percent: f64,
        }
        let c = &self.counts;
        Json {
            postmortems: self.postmortems,
            tasks: c.tasks,
            done: c.done,
            open: c.open,
            dropped: c.dropped,
            missing: c.missing,
            unverified: c.unverified,
            overdue: c.overdue,
            percent: c.percent(),
        }
        .serialize(serializer)
    }
}

/// The whole status: what `status --format json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// `OWNER/NAME`.
    pub repo: String,
    #[serde(serialize_with = "serialize_seconds")]
    pub generated_at: DateTime<Utc>,
    /// The repository's web page (`https://github.com/acme/web`), for links in Markdown. Not
    /// part of the JSON interface.
    #[serde(skip)]
    pub repo_url: Option<String>,
    pub totals: Totals,
    pub incidents: Vec<IncidentStatus>,
}

fn serialize_seconds<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&at.to_rfc3339_opts(SecondsFormat::Secs, true))
}

impl StatusReport {
    /// Every overdue task with the incident it belongs to, in report order.
    pub fn overdue(&self) -> impl Iterator<Item = (&IncidentStatus, &ItemStatus)> {
        self.incidents
            .iter()
            .flat_map(|incident| incident.items.iter().map(move |item| (incident, item)))
            .filter(|(_, item)| item.overdue)
    }

    /// Whether a P1 task is overdue: the badge turns red and `--fail-on-overdue` fails.
    pub fn has_overdue_p1(&self) -> bool {
        self.overdue()
            .any(|(_, item)| item.priority == Some(Priority::P1))
    }
}

/// What [`compute`] needs besides the postmortems and the issues.
#[derive(Debug, Clone)]
pub struct StatusInputs<'a> {
    /// `OWNER/NAME` of the repository the issues were read from.
    pub repo: &'a str,
    /// Days allowed per priority, counted from the incident's end (or start) date.
    pub slo: &'a BTreeMap<Priority, u32>,
    /// Today, in UTC: a task due before it and still open is overdue.
    pub today: NaiveDate,
    /// When the report is made.
    pub generated_at: DateTime<Utc>,
    /// The repository's web page, when known.
    pub repo_url: Option<&'a str>,
    /// Whether a task closed as done needs evidence to count as done (`require_evidence`).
    pub require_evidence: bool,
    /// The tasks whose issue a merged pull request closed, as the tracker tells (asked only
    /// when evidence is required).
    pub closed_by_merge: &'a BTreeSet<TaskKey>,
    /// Where each task's issue lives.
    pub routes: &'a Routes,
}

/// The due date of a task: its own `due`, else the incident's end (or start) date plus the SLO
/// days for its priority; `None` when neither is known.
pub fn due_date(
    postmortem: &Postmortem,
    task: &Task,
    slo: &BTreeMap<Priority, u32>,
) -> Option<NaiveDate> {
    if let Some(due) = task.due {
        return Some(due);
    }
    let days = slo.get(&task.priority?)?;
    postmortem
        .reference_date()?
        .checked_add_days(Days::new(u64::from(*days)))
}

/// Whether a task closed as done shows it: its own `verified_by`, or a merged pull request
/// that closed its issue.
fn has_evidence(task: &Task, key: &TaskKey, inputs: &StatusInputs) -> bool {
    task.verified_by.is_some() || inputs.closed_by_merge.contains(key)
}

/// The status of each task of one postmortem, and their counts.
fn incident_items(
    postmortem: &Postmortem,
    index: &IssueIndex,
    inputs: &StatusInputs,
) -> (Counts, Vec<ItemStatus>) {
    let mut counts = Counts::default();
    let items = postmortem
        .tasks
        .iter()
        .map(|task| {
            let key = postmortem.key_of(task);
            let place = inputs.routes.place_of(&key);
            let issue = index.get_in(&key, place);
            let state = match TaskState::of(issue) {
                TaskState::Done if inputs.require_evidence && !has_evidence(task, &key, inputs) => {
                    TaskState::Unverified
                }
                state => state,
            };
            let due = due_date(postmortem, task, inputs.slo);
            let item = ItemStatus {
                id: task.id.clone(),
                title: task.title.clone(),
                state,
                issue: issue.and_then(|i| i.issue.number),
                reference: issue.map(|i| i.issue.display.clone()),
                url: issue.map(|i| i.issue.url.clone()),
                repo: inputs.routes.name(place).to_string(),
                owner: task
                    .owner
                    .clone()
                    .or_else(|| issue.and_then(|i| i.assignees.first().cloned())),
                priority: task.priority,
                due,
                overdue: state == TaskState::Open && due.is_some_and(|d| d < inputs.today),
                opened_at: issue.map(|i| i.created_at),
                closed_at: issue.and_then(|i| i.closed_at),
                line: task.position.line,
            };
            counts.add_item(&item);
            item
        })
        .collect();
    (counts, items)
}

/// Computes the status of every task of the published postmortems. Drafts are left out: they
/// are never synced, so they have no issues to report on.
pub fn compute(
    postmortems: &[Postmortem],
    index: &IssueIndex,
    inputs: &StatusInputs,
) -> StatusReport {
    let mut totals = Totals::default();
    let mut incidents = Vec::new();
    let of_all: Vec<(&Postmortem, Counts, Vec<ItemStatus>)> = postmortems
        .iter()
        .map(|postmortem| {
            let (counts, items) = incident_items(postmortem, index, inputs);
            (postmortem, counts, items)
        })
        .collect();
    // The counts of every postmortem, for the incidents that cite it; the items are moved into
    // the report, never copied.
    let counts_of: Vec<(&Postmortem, Counts)> = of_all.iter().map(|(p, c, _)| (*p, *c)).collect();
    for (postmortem, counts, items) in of_all {
        if postmortem.status != PostmortemStatus::Published {
            continue;
        }
        let related = postmortem
            .related
            .iter()
            .filter_map(|(id, _)| counts_of.iter().find(|(p, _)| p.id == *id))
            .map(|(p, c)| RelatedStatus {
                id: p.id.clone(),
                title: p.title.clone(),
                open: c.planned() - c.done,
                done: c.done,
            })
            .collect();
        totals.postmortems += 1;
        totals.counts.add(&counts);
        incidents.push(IncidentStatus {
            id: postmortem.id.clone(),
            title: postmortem.title.clone(),
            file: postmortem.file_display(),
            counts,
            items,
            related,
        });
    }
    StatusReport {
        repo: inputs.repo.to_string(),
        generated_at: inputs.generated_at,
        repo_url: inputs.repo_url.map(str::to_string),
        totals,
        incidents,
    }
}

#[cfg(test)]
pub(crate) mod tests {

    use chrono::TimeZone;

    use super::*;
    use crate::model::{Moment, Position, TaskKey};

    /// How GitHub records an issue's state, to build issues as the GitHub tracker reads them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum Gh {
        Open,
        Closed,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub(crate) enum StateReason {
        Completed,
        NotPlanned,
        Duplicate,
        Reopened,
    }

    pub(crate) fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a test date")
    }

    pub(crate) fn task(
        id: &str,
        priority: Option<Priority>,
        due: Option<&str>,
        line: usize,
    ) -> Task {
        Task {
            id: id.to_string(),
            title: format!("Task {id}"),
            description: None,
            measure: None,
            kind: None,
            priority,
            owner: None,
            due: due.map(date),
            labels: vec![],
            verified_by: None,
            repo: None,
            position: Position { line, column: 5 },
        }
    }

    pub(crate) fn postmortem(id: &str, ended: Option<&str>, tasks: Vec<Task>) -> Postmortem {
        Postmortem {
            ended: ended.map(|d| Moment::Date(date(d))),
            ..Postmortem::minimal(id, tasks)
        }
    }

    pub(crate) fn issue(
        number: u64,
        key: &str,
        state: Gh,
        reason: Option<StateReason>,
        author: &str,
        trusted_by_role: bool,
    ) -> TrackedIssue {
        let closed = state == Gh::Closed;
        let state = match (state, reason) {
            (Gh::Open, _) => IssueState::Open,
            (Gh::Closed, Some(StateReason::NotPlanned)) => {
                IssueState::Dropped("not planned".into())
            }
            (Gh::Closed, Some(StateReason::Duplicate)) => IssueState::Dropped("duplicate".into()),
            (Gh::Closed, _) => IssueState::Done,
        };
        let at = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
            + chrono::Duration::seconds(number as i64);
        TrackedIssue {
            issue: crate::tracker::IssueRef::numbered(
                number,
                format!("https://github.com/acme/web/issues/{number}"),
            ),
            task: TaskKey::parse(key),
            trusted: author == "aftercare-bot" || trusted_by_role,
            title: format!("issue {number}"),
            body: format!("text\n\n<!-- aftercare:task={key} -->\n"),
            state,
            labels: vec!["aftercare".to_string()],
            assignees: vec![],
            author: author.to_string(),
            owned: None,
            removed_by_aftercare: false,
            created_at: at,
            updated_at: at,
            closed_at: closed.then_some(at + chrono::Duration::days(1)),
        }
    }

    pub(crate) fn bot_issue(
        number: u64,
        key: &str,
        state: Gh,
        reason: Option<StateReason>,
    ) -> TrackedIssue {
        issue(number, key, state, reason, "aftercare-bot", false)
    }

    /// A report built by hand: two incidents, one with every state and a hostile title.
    pub(crate) fn sample_report() -> StatusReport {
        let item =
            |id: &str, state, issue: Option<u64>, priority, due: Option<&str>, overdue, line| {
                ItemStatus {
                    id: id.to_string(),
                    title: format!("Task {id}"),
                    state,
                    issue,
                    reference: issue.map(|n| format!("#{n}")),
                    url: issue.map(|n| format!("https://github.com/acme/web/issues/{n}")),
                    repo: "acme/web".to_string(),
                    owner: (id == "waf").then(|| "octocat".to_string()),
                    priority,
                    due: due.map(date),
                    overdue,
                    // Issues opened a day after the incident, an hour apart; the finished
                    // ones closed ten days after they were opened.
                    opened_at: issue.map(|n| {
                        Utc.with_ymd_and_hms(2023, 5, 12, 0, 0, 0).unwrap()
                            + chrono::Duration::hours(n as i64)
                    }),
                    closed_at: issue
                        .filter(|_| matches!(state, TaskState::Done | TaskState::Dropped))
                        .map(|n| {
                            Utc.with_ymd_and_hms(2023, 5, 22, 0, 0, 0).unwrap()
                                + chrono::Duration::hours(n as i64)
                        }),
                    line,
                }
            };
        let ddos_items = vec![
            item(
                "waf",
                TaskState::Open,
                Some(12),
                Some(Priority::P1),
                Some("2023-06-07"),
                true,
                31,
            ),
            item(
                "pool",
                TaskState::Done,
                Some(13),
                Some(Priority::P2),
                None,
                false,
                40,
            ),
            item("drill", TaskState::Dropped, Some(14), None, None, false, 47),
            item(
                "paging",
                TaskState::Missing,
                None,
                Some(Priority::P1),
                Some("2023-06-01"),
                false,
                52,
            ),
        ];
        let mut dns_items = vec![
            item(
                "ttl",
                TaskState::Done,
                Some(20),
                Some(Priority::P3),
                None,
                false,
                25,
            ),
            item(
                "cache",
                TaskState::Open,
                Some(21),
                Some(Priority::P3),
                Some("2023-08-01"),
                true,
                33,
            ),
        ];
        dns_items[1].title = "<script>&\"'| ] ( [x](javascript:alert(1))".to_string();
        let counts = |items: &[ItemStatus]| {
            let mut c = Counts::default();
            items.iter().for_each(|i| c.add_item(i));
            c
        };
        let ddos = IncidentStatus {
            id: "2023-05-10-ddos".to_string(),
            title: "DDoS on the web tier".to_string(),
            file: "postmortems/2023-05-10-ddos.yaml".to_string(),
            counts: counts(&ddos_items),
            items: ddos_items,
            related: vec![],
        };
        let dns = IncidentStatus {
            id: "2023-07-02-dns".to_string(),
            title: "DNS <b>outage</b> | [x](y)".to_string(),
            file: "postmortems/2023-07-02-dns.yaml".to_string(),
            counts: counts(&dns_items),
            items: dns_items,
            related: vec![RelatedStatus {
                id: ddos.id.clone(),
                title: ddos.title.clone(),
                open: 2,
                done: 1,
            }],
        };
        let mut totals = Totals {
            postmortems: 2,
            counts: Counts::default(),
        };
        totals.counts.add(&ddos.counts);
        totals.counts.add(&dns.counts);
        StatusReport {
            repo: "acme/web".to_string(),
            generated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            repo_url: None,
            totals,
            incidents: vec![ddos, dns],
        }
    }

    /// [`sample_report`] with evidence required and the done task of the first incident
    /// closed without any.
    pub(crate) fn sample_report_with_unverified() -> StatusReport {
        let mut report = sample_report();
        let incident = &mut report.incidents[0];
        let item = incident
            .items
            .iter_mut()
            .find(|i| i.state == TaskState::Done)
            .expect("a done task");
        item.state = TaskState::Unverified;
        for counts in [&mut incident.counts, &mut report.totals.counts] {
            counts.done -= 1;
            counts.unverified += 1;
        }
        report
    }

    fn inputs<'a>(slo: &'a BTreeMap<Priority, u32>, today: &str) -> StatusInputs<'a> {
        StatusInputs {
            repo: "acme/web",
            routes: Box::leak(Box::new(Routes::single("acme/web"))),
            slo,
            today: date(today),
            generated_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            repo_url: None,
            require_evidence: false,
            closed_by_merge: &NO_MERGES,
        }
    }

    static NO_MERGES: BTreeSet<TaskKey> = BTreeSet::new();

    #[test]
    fn task_state_follows_issue_state_and_reason() {
        let open = bot_issue(1, "a/b", Gh::Open, None);
        let reopened = bot_issue(1, "a/b", Gh::Open, Some(StateReason::Reopened));
        let completed = bot_issue(1, "a/b", Gh::Closed, Some(StateReason::Completed));
        let no_reason = bot_issue(1, "a/b", Gh::Closed, None);
        let not_planned = bot_issue(1, "a/b", Gh::Closed, Some(StateReason::NotPlanned));
        let duplicate = bot_issue(1, "a/b", Gh::Closed, Some(StateReason::Duplicate));
        assert_eq!(TaskState::of(None), TaskState::Missing);
        assert_eq!(TaskState::of(Some(&open)), TaskState::Open);
        assert_eq!(TaskState::of(Some(&reopened)), TaskState::Open);
        assert_eq!(TaskState::of(Some(&completed)), TaskState::Done);
        assert_eq!(TaskState::of(Some(&no_reason)), TaskState::Done);
        assert_eq!(TaskState::of(Some(&not_planned)), TaskState::Dropped);
        assert_eq!(TaskState::of(Some(&duplicate)), TaskState::Dropped);
    }

    #[test]
    fn due_date_prefers_the_task_then_the_slo_from_the_end_date() {
        let slo = BTreeMap::from([(Priority::P1, 28), (Priority::P2, 56)]);
        let own = task("own", Some(Priority::P1), Some("2023-07-01"), 1);
        let p1 = task("p1", Some(Priority::P1), None, 1);
        let p3 = task("p3", Some(Priority::P3), None, 1);
        let none = task("none", None, None, 1);
        let pm = postmortem("pm", Some("2023-05-11"), vec![]);
        assert_eq!(due_date(&pm, &own, &slo), Some(date("2023-07-01")));
        assert_eq!(due_date(&pm, &p1, &slo), Some(date("2023-06-08")));
        assert_eq!(due_date(&pm, &p3, &slo), None, "no SLO for P3");
        assert_eq!(due_date(&pm, &none, &slo), None, "no priority");
        let mut started_only = postmortem("pm", None, vec![]);
        started_only.started = Some(Moment::Date(date("2023-05-01")));
        assert_eq!(due_date(&started_only, &p1, &slo), Some(date("2023-05-29")));
        let undated = postmortem("pm", None, vec![]);
        assert_eq!(due_date(&undated, &p1, &slo), None, "no incident date");
    }

    #[test]
    fn percent_rounds_to_one_decimal_and_is_100_when_nothing_is_left() {
        let counts = |tasks, done, dropped| Counts {
            tasks,
            done,
            dropped,
            ..Counts::default()
        };
        assert_eq!(counts(34, 3, 1).percent(), 9.1);
        assert_eq!(counts(8, 1, 0).percent(), 12.5);
        assert_eq!(counts(3, 2, 0).percent(), 66.7);
        assert_eq!(counts(3, 0, 3).percent(), 100.0);
        assert_eq!(counts(0, 0, 0).percent(), 100.0);
        assert_eq!(counts(4, 3, 1).percent(), 100.0);
    }

    #[test]
    fn compute_counts_every_state_overdue_and_leaves_drafts_out() {
        let slo = BTreeMap::from([(Priority::P1, 28)]);
        let ddos = postmortem(
            "ddos",
            Some("2023-05-11"),
            vec![
                task("done", Some(Priority::P2), None, 10),
                task("dropped", Some(Priority::P1), Some("2023-01-01"), 20),
                task("late", Some(Priority::P1), None, 30),
                task("future", Some(Priority::P1), Some("2999-01-01"), 40),
                task("missing", Some(Priority::P1), Some("2023-01-01"), 50),
                task("duplicate", None, None, 60),
            ],
        );
        let mut draft = postmortem("draft", None, vec![task("x", None, None, 5)]);
        draft.status = PostmortemStatus::Draft;
        let empty = postmortem("empty", None, vec![]);
        let index = IssueIndex::build(vec![
            bot_issue(1, "ddos/done", Gh::Closed, Some(StateReason::Completed)),
            bot_issue(2, "ddos/dropped", Gh::Closed, Some(StateReason::NotPlanned)),
            bot_issue(3, "ddos/late", Gh::Open, Some(StateReason::Reopened)),
            bot_issue(4, "ddos/future", Gh::Open, None),
            bot_issue(
                5,
                "ddos/duplicate",
                Gh::Closed,
                Some(StateReason::Duplicate),
            ),
            issue(
                6,
                "ddos/missing",
                Gh::Closed,
                Some(StateReason::Completed),
                "mallory",
                false,
            ),
            bot_issue(7, "draft/x", Gh::Open, None),
        ]);
        let report = compute(&[ddos, draft, empty], &index, &inputs(&slo, "2024-01-01"));

        assert_eq!(report.totals.postmortems, 2);
        assert_eq!(
            report.totals.counts,
            Counts {
                tasks: 6,
                done: 1,
                open: 2,
                dropped: 2,
                missing: 1,
                unverified: 0,
                overdue: 1
            }
        );
        assert_eq!(report.totals.counts.percent(), 25.0);
        let states: Vec<(&str, TaskState, Option<u64>, bool)> = report.incidents[0]
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.state, i.issue, i.overdue))
            .collect();
        assert_eq!(
            states,
            vec![
                ("done", TaskState::Done, Some(1), false),
                ("dropped", TaskState::Dropped, Some(2), false),
                ("late", TaskState::Open, Some(3), true),
                ("future", TaskState::Open, Some(4), false),
                ("missing", TaskState::Missing, None, false),
                ("duplicate", TaskState::Dropped, Some(5), false),
            ]
        );
        assert_eq!(report.incidents[0].items[2].due, Some(date("2023-06-08")));
        assert_eq!(report.incidents[0].items[2].line, 30);
        // The issue's times come along for the burn-down: opened always, closed while closed.
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        type Times = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);
        let times: Vec<Times> = report.incidents[0]
            .items
            .iter()
            .map(|i| (i.opened_at, i.closed_at))
            .collect();
        let second = |n: i64| start + chrono::Duration::seconds(n);
        let closed = |n: i64| second(n) + chrono::Duration::days(1);
        assert_eq!(
            times,
            vec![
                (Some(second(1)), Some(closed(1))),
                (Some(second(2)), Some(closed(2))),
                (Some(second(3)), None),
                (Some(second(4)), None),
                (None, None),
                (Some(second(5)), Some(closed(5))),
            ]
        );
        assert_eq!(report.incidents[1].counts.percent(), 100.0);
        assert!(report.has_overdue_p1());
        let overdue: Vec<&str> = report.overdue().map(|(_, i)| i.id.as_str()).collect();
        assert_eq!(overdue, vec!["late"]);
        assert_eq!(TaskKey::new("ddos", "late").as_str(), "ddos/late");
    }

    #[test]
    fn json_form_is_the_documented_interface() {
        let slo = BTreeMap::new();
        let mut t = task("evaluate-waf", Some(Priority::P1), Some("2023-06-07"), 12);
        t.owner = Some("octocat".to_string());
        let pm = postmortem(
            "ddos",
            Some("2023-05-11"),
            vec![t, task("b", None, None, 20)],
        );
        let index = IssueIndex::build(vec![bot_issue(12, "ddos/evaluate-waf", Gh::Open, None)]);
        let report = compute(&[pm], &index, &inputs(&slo, "2024-01-01"));
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "repo": "acme/web",
                "generated_at": "2026-01-01T00:00:00Z",
                "totals": {"postmortems": 1, "tasks": 2, "done": 0, "open": 1, "dropped": 0, "missing": 1, "unverified": 0, "overdue": 1, "percent": 0.0},
                "incidents": [{
                    "id": "ddos", "title": "Incident ddos", "file": "postmortems/ddos.yaml",
                    "tasks": 2, "done": 0, "open": 1, "dropped": 0, "missing": 1, "unverified": 0, "overdue": 1, "percent": 0.0,
                    "items": [
                        {"id": "evaluate-waf", "title": "Task evaluate-waf", "state": "open", "issue": 12, "ref": "#12",
                         "url": "https://github.com/acme/web/issues/12", "repo": "acme/web", "owner": "octocat", "priority": "P1",
                         "due": "2023-06-07", "overdue": true},
                        {"id": "b", "title": "Task b", "state": "missing", "issue": null, "ref": null, "url": null,
                         "repo": "acme/web", "owner": null, "priority": null, "due": null, "overdue": false}
                    ],
                    "related": []
                }]
            })
        );
    }

    #[test]
    fn with_evidence_required_a_completed_issue_is_done_only_with_verified_by_or_a_merged_close() {
        let slo = BTreeMap::new();
        let mut proven = task("proven", None, None, 1);
        proven.verified_by = Some("#7".to_string());
        let pm = postmortem(
            "pm",
            None,
            vec![
                proven,
                task("merged", None, None, 2),
                task("bare", None, None, 3),
                task("open", None, None, 4),
            ],
        );
        let index = IssueIndex::build(vec![
            bot_issue(1, "pm/proven", Gh::Closed, Some(StateReason::Completed)),
            bot_issue(2, "pm/merged", Gh::Closed, Some(StateReason::Completed)),
            bot_issue(3, "pm/bare", Gh::Closed, None),
            bot_issue(4, "pm/open", Gh::Open, None),
        ]);
        let merged = BTreeSet::from([TaskKey::new("pm", "merged")]);
        let required = StatusInputs {
            require_evidence: true,
            closed_by_merge: &merged,
            ..inputs(&slo, "2024-01-01")
        };
        let report = compute(std::slice::from_ref(&pm), &index, &required);
        let states: Vec<TaskState> = report.incidents[0].items.iter().map(|i| i.state).collect();
        assert_eq!(
            states,
            [
                TaskState::Done,
                TaskState::Done,
                TaskState::Unverified,
                TaskState::Open
            ]
        );
        let totals = serde_json::to_value(report.totals).unwrap();
        assert_eq!(
            totals,
            serde_json::json!({"postmortems": 1, "tasks": 4, "done": 2, "open": 1, "dropped": 0,
                               "missing": 0, "unverified": 1, "overdue": 0, "percent": 50.0})
        );
        assert_eq!(report.incidents[0].counts.unverified, 1);
        // Without the setting, every completed issue is done.
        let report = compute(&[pm], &index, &inputs(&slo, "2024-01-01"));
        assert_eq!(report.totals.counts.done, 3);
        assert_eq!(report.totals.counts.unverified, 0);
    }

    #[test]
    fn related_incidents_carry_their_own_open_and_done_counts() {
        let slo = BTreeMap::new();
        let earlier = postmortem(
            "earlier",
            None,
            vec![
                task("a", None, None, 1),
                task("b", None, None, 2),
                task("c", None, None, 3),
                task("d", None, None, 4),
            ],
        );
        let mut draft = postmortem("draft", None, vec![task("x", None, None, 5)]);
        draft.status = PostmortemStatus::Draft;
        let finished = postmortem("finished", None, vec![task("y", None, None, 6)]);
        let mut again = postmortem("again", None, vec![task("z", None, None, 7)]);
        let at = Position { line: 3, column: 5 };
        again.related = ["earlier", "draft", "finished"]
            .map(|id| (id.to_string(), at))
            .to_vec();
        let index = IssueIndex::build(vec![
            bot_issue(1, "earlier/a", Gh::Closed, Some(StateReason::Completed)),
            bot_issue(2, "earlier/b", Gh::Open, None),
            bot_issue(3, "earlier/c", Gh::Closed, Some(StateReason::NotPlanned)),
            bot_issue(4, "finished/y", Gh::Closed, Some(StateReason::Completed)),
        ]);
        let report = compute(
            &[earlier, draft, finished, again],
            &index,
            &inputs(&slo, "2024-01-01"),
        );
        let again = &report.incidents[2];
        assert_eq!(
            serde_json::to_value(&again.related).unwrap(),
            serde_json::json!([
                {"id": "earlier", "title": "Incident earlier", "open": 2, "done": 1},
                {"id": "draft", "title": "Incident draft", "open": 1, "done": 0},
                {"id": "finished", "title": "Incident finished", "open": 0, "done": 1}
            ])
        );
        assert_eq!(again.related_with_open_follow_ups(), 2);
        assert_eq!(report.incidents[0].related, vec![]);
    }

    #[test]
    fn owner_falls_back_to_the_first_assignee() {
        let slo = BTreeMap::new();
        let pm = postmortem("ddos", None, vec![task("a", None, None, 1)]);
        let mut i = bot_issue(3, "ddos/a", Gh::Open, None);
        i.assignees = vec!["hubot".to_string(), "octocat".to_string()];
        let index = IssueIndex::build(vec![i]);
        let report = compute(&[pm], &index, &inputs(&slo, "2024-01-01"));
        assert_eq!(report.incidents[0].items[0].owner.as_deref(), Some("hubot"));
    }
}
