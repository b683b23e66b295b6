//! Reminders for overdue tasks: which issues get one, and whether one was sent.
//!
//! [`due`] is a pure function from the status report (overdue as `status` computes it, from
//! `due` or the SLO), the postmortems and the issue index to the reminders owed: one per open,
//! overdue task, mentioning the task's owner (else the issue's assignees), saying since when it
//! is overdue and linking the postmortem. What a reminder says is handed to the tracker as a
//! [`ReminderContent`], which each tracker writes in its own text format with a hidden marker
//! of the due date it reminds about ([`crate::tracker::IssueText::reminder`]); [`already_sent`]
//! finds that marker among an issue's comments, counting only comments by trusted authors, so
//! that running `remind` again never comments twice for the same due date while a new due date
//! that passes earns one new reminder. Nothing here talks to the tracker.

use chrono::{Days, NaiveDate};

use crate::model::{Postmortem, TaskKey};
use crate::plan::issue_index::IssueIndex;
use crate::status::StatusReport;
use crate::tracker::{IssueComment, IssueRef, IssueText, ReminderContent};

/// One reminder owed: on which issue, for which task, and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    pub key: TaskKey,
    pub issue: IssueRef,
    /// The due date it reminds about, since when the task is overdue, who it mentions (the
    /// task's owner, else the issue's assignees) and the incident it follows from.
    pub content: ReminderContent,
}

/// The reminders owed for the overdue tasks of `status`, in report order.
pub fn due(status: &StatusReport, postmortems: &[Postmortem], index: &IssueIndex) -> Vec<Reminder> {
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
            Some(Reminder {
                key,
                issue: issue.issue.clone(),
                content: ReminderContent {
                    due,
                    overdue_since: due.checked_add_days(Days::new(1)).unwrap_or(due),
                    mentions,
                    incident: incident.title.clone(),
                    file: incident.file.clone(),
                },
            })
        })
        .collect()
}

/// Whether a trusted author already left the reminder about `due` among `comments`, as
/// `text` (the tracker's) marks reminders.
pub fn already_sent(comments: &[IssueComment], due: NaiveDate, text: &dyn IssueText) -> bool {
    comments
        .iter()
        .any(|c| c.trusted && text.reminds_about(&c.body, due))
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
        let reminders = due(&status, std::slice::from_ref(&pm), &index);
        let summary: Vec<(&str, &str, Vec<String>)> = reminders
            .iter()
            .map(|r| {
                (
                    r.key.as_str(),
                    r.issue.display.as_str(),
                    r.content.mentions.clone(),
                )
            })
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
            reminders[0].content,
            ReminderContent {
                due: date("2024-01-10"),
                overdue_since: date("2024-01-11"),
                mentions: vec!["octocat".to_string()],
                incident: pm.title.clone(),
                file: "postmortems/pm.yaml".to_string(),
            }
        );
        assert_eq!(reminders[1].content.overdue_since, date("2024-01-21"));
    }

    #[test]
    fn only_a_trusted_reminder_about_the_same_due_date_counts_as_sent() {
        let text = crate::tracker::markdown::Markdown {
            file_base: "https://github.com/acme/web/blob/HEAD".to_string(),
            max_title_chars: 256,
        };
        let due = date("2024-01-10");
        let marker = crate::tracker::markdown::reminder_marker(due);
        assert!(already_sent(
            &[comment(true, &format!("x\n{marker}\n"))],
            due,
            &text
        ));
        assert!(!already_sent(&[comment(false, &marker)], due, &text));
        assert!(!already_sent(
            &[comment(true, "<!-- aftercare:reminder due=2024-01-03 -->")],
            due,
            &text
        ));
        assert!(!already_sent(&[], due, &text));
    }
}
