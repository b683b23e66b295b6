//! What `aftercare remind` prints: a line per overdue task and a summary, or one JSON object.
//!
//! - text: `remind #12 2023-05-10-ddos/evaluate-waf (@octocat): overdue since 2023-06-08`,
//!   `already reminded #12 …` for a due date already reminded about, with `--dry-run` the
//!   first word is `would remind`; then `reminded 1, already reminded 2`;
//! - json: `{"repo", "dry_run", "reminders": [{"action", "key", "issue", "ref", "url", "due",
//!   "overdue_since", "mentions"}], "summary": {"reminded", "already_reminded"}}`, where
//!   `action` is `remind`, `would-remind` or `already-reminded`.

use chrono::NaiveDate;
use serde::Serialize;

use crate::remind::Reminder;
use crate::report::text::terminal_safe;

/// What became of one reminder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// The comment was written.
    Remind,
    /// `--dry-run`: the comment would be written.
    WouldRemind,
    /// A trusted reminder about the same due date is on the issue already.
    AlreadyReminded,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub action: Action,
    pub key: String,
    pub issue: Option<u64>,
    #[serde(rename = "ref")]
    pub reference: String,
    pub url: String,
    pub due: NaiveDate,
    pub overdue_since: NaiveDate,
    pub mentions: Vec<String>,
}

impl Outcome {
    pub fn of(reminder: &Reminder, action: Action) -> Outcome {
        Outcome {
            action,
            key: reminder.key.to_string(),
            issue: reminder.issue.number,
            reference: reminder.issue.display.clone(),
            url: reminder.issue.url.clone(),
            due: reminder.content.due,
            overdue_since: reminder.content.overdue_since,
            mentions: reminder.content.mentions.clone(),
        }
    }
}

/// The text report: a line per outcome, then the counts.
pub fn text(outcomes: &[Outcome]) -> String {
    let mut out = String::new();
    if outcomes.is_empty() {
        out.push_str("No overdue tasks: nothing to remind.\n");
        return out;
    }
    for o in outcomes {
        let verb = match o.action {
            Action::Remind => "remind",
            Action::WouldRemind => "would remind",
            Action::AlreadyReminded => "already reminded",
        };
        let mentions = if o.mentions.is_empty() {
            String::new()
        } else {
            let logins: Vec<String> = o
                .mentions
                .iter()
                .map(|m| format!("@{}", terminal_safe(m)))
                .collect();
            format!(" ({})", logins.join(" "))
        };
        out.push_str(&format!(
            "{verb} {} {}{mentions}: overdue since {}\n",
            terminal_safe(&o.reference),
            o.key,
            o.overdue_since
        ));
    }
    let (reminded, already) = counts(outcomes);
    out.push_str(&format!(
        "reminded {reminded}, already reminded {already}\n"
    ));
    out
}

/// The JSON report.
pub fn json(repo: &str, dry_run: bool, outcomes: &[Outcome]) -> String {
    let (reminded, already) = counts(outcomes);
    let value = serde_json::json!({
        "repo": repo,
        "dry_run": dry_run,
        "reminders": outcomes,
        "summary": {"reminded": reminded, "already_reminded": already},
    });
    format!("{value:#}\n")
}

/// Reminders written (or, in a dry run, to be written), and those already sent.
fn counts(outcomes: &[Outcome]) -> (usize, usize) {
    let already = outcomes
        .iter()
        .filter(|o| o.action == Action::AlreadyReminded)
        .count();
    (outcomes.len() - already, already)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(action: Action, n: u64, mentions: &[&str]) -> Outcome {
        Outcome {
            action,
            key: format!("pm/t{n}"),
            issue: Some(n),
            reference: format!("#{n}"),
            url: format!("https://github.com/acme/web/issues/{n}"),
            due: NaiveDate::from_ymd_opt(2024, 1, 10).unwrap(),
            overdue_since: NaiveDate::from_ymd_opt(2024, 1, 11).unwrap(),
            mentions: mentions.iter().map(|m| m.to_string()).collect(),
        }
    }

    #[test]
    fn text_names_each_issue_and_counts() {
        let outcomes = [
            outcome(Action::Remind, 1, &["octocat"]),
            outcome(Action::AlreadyReminded, 2, &[]),
            outcome(Action::WouldRemind, 3, &["hubot", "mona"]),
        ];
        assert_eq!(
            text(&outcomes),
            "remind #1 pm/t1 (@octocat): overdue since 2024-01-11\n\
             already reminded #2 pm/t2: overdue since 2024-01-11\n\
             would remind #3 pm/t3 (@hubot @mona): overdue since 2024-01-11\n\
             reminded 2, already reminded 1\n"
        );
        assert_eq!(text(&[]), "No overdue tasks: nothing to remind.\n");
    }

    #[test]
    fn json_is_one_object_with_the_documented_fields() {
        let out = json(
            "acme/web",
            false,
            &[outcome(Action::Remind, 1, &["octocat"])],
        );
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "repo": "acme/web", "dry_run": false,
                "reminders": [{"action": "remind", "key": "pm/t1", "issue": 1, "ref": "#1",
                               "url": "https://github.com/acme/web/issues/1", "due": "2024-01-10",
                               "overdue_since": "2024-01-11", "mentions": ["octocat"]}],
                "summary": {"reminded": 1, "already_reminded": 0}
            })
        );
    }
}
