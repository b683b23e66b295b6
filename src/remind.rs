//! Reminders for overdue tasks: which issues get one, what it says, and whether one was sent.
//!
//! [`due`] is a pure function from the status report (overdue as `status` computes it, from
//! `due` or the SLO), the postmortems and the issue index to the reminders owed: one per open,
//! overdue task, mentioning the task's owner (else the issue's assignees), saying since when it
//! is overdue and linking the postmortem. Each reminder carries a hidden marker with the due
//! date it reminds about; [`already_sent`] finds it among an issue's comments, counting only
//! comments by trusted authors, so that running `remind` again never comments twice for the
//! same due date while a new due date that passes earns one new reminder. Nothing here talks to
//! the tracker.

use chrono::{Days, NaiveDate};

use crate::model::{Postmortem, TaskKey};
use crate::plan::issue_index::IssueIndex;
use crate::report::markdown::{escape_text, url_destination};
use crate::status::StatusReport;
use crate::tracker::{IssueComment, IssueRef};

/// The hidden marker of a reminder about `due`.
pub fn marker(due: NaiveDate) -> String {
    format!("<!-- aftercare:reminder due={due} -->")
}

/// One reminder owed: on which issue, about which due date, for whom, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub key: TaskKey,
    pub issue: IssueRef,
    pub due: NaiveDate,
    /// The first day the task was overdue: the day after `due`.
    pub overdue_since: NaiveDate,
    /// Logins mentioned: the task's owner, else the issue's assignees.
    pub mentions: Vec<String>,
    /// The comment, in Markdown, ending with the marker.
    pub body: String,
}

/// The reminders owed for the overdue tasks of `status`, in report order. `postmortem_url`
/// gives the web page of a postmortem file (`postmortems/x.yaml`).
pub fn due(
    status: &StatusReport,
    postmortems: &[Postmortem],
    index: &IssueIndex,
    postmortem_url: &dyn Fn(&str) -> String,
) -> Vec<Reminder> {
    status
        .overdue()
        .filter_map(|(incident, item)| {
            let key = TaskKey::new(&incident.id, &item.id);
            // The issue the report counted: in the task's place, once a sync moved it.
            let issue =
                (index.all(&key).iter()).find(|i| Some(&i.issue.url) == item.url.as_ref())?;
            let due = item.due?;
            let owner = postmortems
                .iter()
                .find(|p| p.id == incident.id)
                .and_then(|p| p.tasks.iter().find(|t| t.id == item.id))
                .and_then(|t| t.owner.clone());
            let mentions = match owner {
                Some(owner) => vec![owner],
                None => issue.assignees.clone(),
            };
            let overdue_since = due.checked_add_days(Days::new(1)).unwrap_or(due);
            let link = url_destination(&postmortem_url(&incident.file));
            let incident_title = escape_text(&incident.title);
            let incident_link = match link {
                Some(dest) => format!("[{incident_title}]({dest})"),
                None => incident_title,
            };
            let greeting = if mentions.is_empty() {
                "This corrective task".to_string()
            } else {
                let logins: Vec<String> = mentions.iter().map(|m| format!("@{m}")).collect();
                format!("{}: this corrective task", logins.join(" "))
            };
            let body = format!(
                "{greeting} is overdue since {overdue_since}: it was due on {due} and is still \
                 open.\n\nIt follows from the incident {incident_link}. Close this issue when it \
                 is done, or change `due` in the postmortem if the plan changed.\n\n{}\n",
                marker(due)
            );
            Some(Reminder {
                key,
                issue: issue.issue.clone(),
                due,
                overdue_since,
                mentions,
                body,
            })
        })
        .collect()
}

/// Whether a trusted author already left the reminder about `due` among `comments`.
pub fn already_sent(comments: &[IssueComment], due: NaiveDate) -> bool {
    let marker = marker(due);
    comments
        .iter()
        .any(|c| c.trusted && c.body.contains(&marker))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::model::Priority;
    use crate::status::tests::{Gh, bot_issue, date, postmortem, task};
    use crate::status::{StatusInputs, compute};

    fn comment(trusted: bool, body: &str) -> IssueComment {
        IssueComment {
            author: "someone".to_string(),
            trusted,
            body: body.to_string(),
        }
    }

    #[test]
    fn overdue_open_tasks_get_one_reminder_each_with_owner_or_assignees() {
        let mut owned = task("owned", Some(Priority::P1), Some("2024-01-10"), 1);
        owned.owner = Some("octocat".to_string());
        let pm = postmortem(
            "pm",
            None,
            vec![
                owned,
                task("assigned", None, Some("2024-01-20"), 2),
                task("later", None, Some("2999-01-01"), 3),
                task("closed", None, Some("2024-01-01"), 4),
            ],
        );
        let mut assigned = bot_issue(2, "pm/assigned", Gh::Open, None);
        assigned.assignees = vec!["hubot".to_string(), "mona".to_string()];
        let index = IssueIndex::build(vec![
            bot_issue(1, "pm/owned", Gh::Open, None),
            assigned,
            bot_issue(3, "pm/later", Gh::Open, None),
            bot_issue(4, "pm/closed", Gh::Closed, None),
        ]);
        let slo = BTreeMap::new();
        let merged = Default::default();
        let status = compute(
            std::slice::from_ref(&pm),
            &index,
            &StatusInputs {
                repo: "acme/web",
                routes: &crate::plan::route::Routes::single("acme/web"),
                slo: &slo,
                today: date("2024-02-01"),
                generated_at: Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap(),
                repo_url: None,
                require_evidence: false,
                closed_by_merge: &merged,
            },
        );
        let url = |file: &str| format!("https://github.com/acme/web/blob/HEAD/{file}");
        let reminders = due(&status, &[pm], &index, &url);
        let summary: Vec<(&str, &str, Vec<String>)> = reminders
            .iter()
            .map(|r| (r.key.as_str(), r.issue.display.as_str(), r.mentions.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("pm/owned", "#1", vec!["octocat".to_string()]),
                (
                    "pm/assigned",
                    "#2",
                    vec!["hubot".to_string(), "mona".to_string()]
                ),
            ]
        );
        assert_eq!(
            reminders[0].body,
            "@octocat: this corrective task is overdue since 2024-01-11: it was due on \
             2024-01-10 and is still open.\n\nIt follows from the incident [Incident \
             pm](https://github.com/acme/web/blob/HEAD/postmortems/pm.yaml). Close this issue \
             when it is done, or change `due` in the postmortem if the plan changed.\n\n\
             <!-- aftercare:reminder due=2024-01-10 -->\n"
        );
        assert!(
            reminders[1]
                .body
                .starts_with("@hubot @mona: this corrective task")
        );
    }

    #[test]
    fn only_a_trusted_reminder_about_the_same_due_date_counts_as_sent() {
        let due = date("2024-01-10");
        let marker = marker(due);
        assert!(already_sent(
            &[comment(true, &format!("x\n{marker}\n"))],
            due
        ));
        assert!(!already_sent(&[comment(false, &marker)], due));
        assert!(!already_sent(
            &[comment(true, "<!-- aftercare:reminder due=2024-01-03 -->")],
            due
        ));
        assert!(!already_sent(&[], due));
    }
}
