//! The issue text GitHub and GitLab share: Markdown with hidden notes.
//!
//! An issue belongs to a task when its body carries `<!-- aftercare:task=<pm-id>/<task-id> -->`
//! (whitespace inside the comment is tolerated, so a person reformatting the body does not
//! detach it). Beside it aftercare keeps two more hidden notes: what it owns on the issue (the
//! labels and assignee it set, so that a label dropped from the YAML can be taken off again
//! without touching labels people added) and, when it closed the issue because the task was
//! removed, a note saying so (so that the issue is reopened when the task comes back, while an
//! issue a person closed stays closed). [`Markdown`] renders an [`IssueContent`] into such a
//! body, and a [`ReminderContent`] into a comment mentioning `@login`s and ending with
//! `<!-- aftercare:reminder due=YYYY-MM-DD -->`; the free functions read the notes back.
//! Everything here is pure text; nothing does I/O, and nothing may panic on any body, however
//! malformed.

use chrono::NaiveDate;

use crate::model::TaskKey;
use crate::report::markdown::{escape_text, url_destination};
use crate::tracker::snapshot::{body_digest_of, is_body_digest};
use crate::tracker::{IssueContent, IssueText, Owned, ReminderContent};

/// GitHub refuses longer bodies ("body is too long (maximum is 65536 characters)"); GitLab
/// accepts about a million, so GitHub's limit serves both.
pub const MAX_BODY_CHARS: usize = 65_536;
/// GitHub refuses titles past 256 characters.
pub const GITHUB_MAX_TITLE_CHARS: usize = 256;
/// GitLab refuses titles past 255 characters.
pub const GITLAB_MAX_TITLE_CHARS: usize = 255;

/// The note aftercare adds to the body of an issue it closed because its task was removed.
pub const CLOSED_FOR_REMOVAL: &str = "<!-- aftercare:closed=task-removed -->";

/// The marker for a task, exactly as aftercare writes it.
pub fn task_marker(key: &TaskKey) -> String {
    format!("<!-- aftercare:task={key} -->")
}

/// The task key of the first well-formed marker in `body`, if any.
pub fn find_key(body: &str) -> Option<TaskKey> {
    comments(body).find_map(|inner| {
        let rest = inner.trim().strip_prefix("aftercare:task")?;
        let rest = rest.trim_start().strip_prefix('=')?;
        TaskKey::parse(rest.trim())
    })
}

/// The hidden note recording what aftercare owns on an issue.
pub fn owned_note(owned: &Owned) -> String {
    // `>` is escaped so that no label can end the HTML comment early.
    let json = serde_json::to_string(owned)
        .unwrap_or_else(|_| "{}".to_string())
        .replace('>', "\\u003e");
    format!("<!-- aftercare:owned {json} -->")
}

/// The ownership note of `body`, if it has a readable one.
pub fn find_owned(body: &str) -> Option<Owned> {
    comments(body).find_map(|inner| {
        let json = inner.trim().strip_prefix("aftercare:owned")?;
        serde_json::from_str(json.trim()).ok()
    })
}

/// True when aftercare closed this issue because its task was removed.
pub fn closed_for_removal(body: &str) -> bool {
    comments(body).any(|inner| {
        inner
            .trim()
            .strip_prefix("aftercare:closed")
            .and_then(|r| r.trim_start().strip_prefix('='))
            .is_some_and(|r| r.trim() == "task-removed")
    })
}

/// The hidden marker of a reminder about `due`, exactly as aftercare writes it.
pub fn reminder_marker(due: NaiveDate) -> String {
    format!("<!-- aftercare:reminder due={due} -->")
}

/// True when `body` carries the marker of the reminder about `due` (whitespace inside the
/// comment tolerated, as in the task marker).
pub fn has_reminder_marker(body: &str, due: NaiveDate) -> bool {
    comments(body).any(|inner| {
        inner
            .trim()
            .strip_prefix("aftercare:reminder")
            .and_then(|r| r.trim_start().strip_prefix("due"))
            .and_then(|r| r.trim_start().strip_prefix('='))
            .and_then(|r| NaiveDate::parse_from_str(r.trim(), "%Y-%m-%d").ok())
            == Some(due)
    })
}

/// The contents of every `<!-- ... -->` comment in `text`, in order.
fn comments(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        let start = rest.find("<!--")?;
        let after = &rest[start + 4..];
        let end = after.find("-->")?;
        rest = &after[end + 3..];
        Some(&after[..end])
    })
}

/// Markdown issue text, with the link to the postmortem file under `file_base`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Markdown {
    /// Where files of the default branch are shown: `https://github.com/OWNER/NAME/blob/HEAD`
    /// (GitHub resolves `HEAD` to the default branch), or
    /// `https://gitlab.com/group/project/-/blob/main`.
    pub file_base: String,
    /// The longest title the tracker accepts, in characters.
    pub max_title_chars: usize,
}

impl IssueText for Markdown {
    fn title(&self, title: &str) -> String {
        truncate_chars(title.trim(), self.max_title_chars)
    }

    fn body(&self, content: &IssueContent) -> String {
        let file = &content.file;
        let mut facts = vec![format!(
            "- **Incident:** [{}]({}/{})",
            one_line(&content.incident),
            self.file_base.trim_end_matches('/'),
            file
        )];
        if let Some(measure) = &content.measure {
            facts.push(format!("- **Measure:** {}", one_line(measure)));
        }
        if let Some(kind) = content.kind {
            facts.push(format!("- **Type:** {kind}"));
        }
        if let Some(priority) = content.priority {
            facts.push(format!("- **Priority:** {priority}"));
        }
        if let Some(due) = content.due {
            facts.push(format!("- **Due:** {}", due.format("%Y-%m-%d")));
        }
        let tail = format!(
            "{}\n\n_Kept in step with `{}` by aftercare: edit the postmortem, not this text._\n\n{}\n{}\n",
            facts.join("\n"),
            file,
            owned_note(&content.owned),
            task_marker(&content.key),
        );
        let description = content
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty());
        match description {
            None => tail,
            Some(d) => {
                let room = MAX_BODY_CHARS.saturating_sub(tail.chars().count() + 2);
                format!("{}\n\n{tail}", truncate_chars(d, room))
            }
        }
    }

    fn same_body(&self, current: &str, desired: &str) -> bool {
        same_body(current, desired)
    }

    fn with_removal_note(&self, body: &str) -> String {
        with_closed_note(body)
    }

    fn reminder(&self, reminder: &ReminderContent) -> String {
        let incident_title = escape_text(&reminder.incident);
        let file_url = format!("{}/{}", self.file_base.trim_end_matches('/'), reminder.file);
        let incident = match url_destination(&file_url) {
            Some(dest) => format!("[{incident_title}]({dest})"),
            None => incident_title,
        };
        let greeting = if reminder.mentions.is_empty() {
            "This corrective task".to_string()
        } else {
            let logins: Vec<String> = reminder.mentions.iter().map(|m| format!("@{m}")).collect();
            format!("{}: this corrective task", logins.join(" "))
        };
        format!(
            "{greeting} is overdue since {}: it was due on {} and is still open.\n\nIt follows \
             from the incident {incident}. Close this issue when it is done, or change `due` in \
             the postmortem if the plan changed.\n\n{}\n",
            reminder.overdue_since,
            reminder.due,
            reminder_marker(reminder.due)
        )
    }

    fn reminds_about(&self, body: &str, due: NaiveDate) -> bool {
        has_reminder_marker(body, due)
    }
}

/// `body` with the note that aftercare closed the issue because its task was removed.
pub fn with_closed_note(body: &str) -> String {
    // A digest is never sent: the whole body is read back before an issue is closed.
    if closed_for_removal(body) || is_body_digest(body) {
        return body.to_string();
    }
    let body = body.trim_end();
    let note_len = CLOSED_FOR_REMOVAL.chars().count() + 1;
    if body.chars().count() + note_len > MAX_BODY_CHARS {
        // Only reachable for bodies someone else made huge; the marker must survive, so keep
        // the end of the body, which is where aftercare puts it.
        let keep = MAX_BODY_CHARS - note_len;
        let skip = body.chars().count() - keep;
        let tail: String = body.chars().skip(skip).collect();
        return format!("{tail}\n{CLOSED_FOR_REMOVAL}");
    }
    format!("{body}\n{CLOSED_FOR_REMOVAL}")
}

/// Two bodies that differ only in line endings or trailing whitespace are the same body. Either
/// may be the [`body_digest`] a listing snapshot keeps instead of the body.
pub fn same_body(a: &str, b: &str) -> bool {
    match (is_body_digest(a), is_body_digest(b)) {
        (false, false) => compared(a) == compared(b),
        (true, true) => a == b,
        (true, false) => a == body_digest(b),
        (false, true) => body_digest(a) == b,
    }
}

/// What a listing snapshot keeps of `body`: a digest of the body as [`same_body`] compares it
/// (a digest stays as it is).
pub fn body_digest(body: &str) -> String {
    if is_body_digest(body) {
        return body.to_string();
    }
    body_digest_of(&compared(body))
}

/// A body as [`same_body`] compares it: line endings as `\n`, no trailing whitespace.
fn compared(body: &str) -> String {
    body.replace("\r\n", "\n").trim_end().to_string()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn truncate_chars(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Measure, Postmortem, Priority, Task, TaskType};
    use chrono::NaiveDate;

    fn github() -> Markdown {
        Markdown {
            file_base: "https://github.com/acme/web/blob/HEAD".into(),
            max_title_chars: GITHUB_MAX_TITLE_CHARS,
        }
    }

    fn issue_body(pm: &Postmortem, task: &Task, owned: &Owned) -> String {
        let mut content = crate::plan::content::issue_content(pm, task);
        content.owned = owned.clone();
        github().body(&content)
    }

    fn task() -> Task {
        Task {
            id: "add-waf".into(),
            title: "Put a WAF in front of the API".into(),
            description: Some("Rate-limit per client at the edge.".into()),
            measure: Some("edge".into()),
            kind: Some(TaskType::Prevent),
            priority: Some(Priority::P1),
            owner: Some("alice".into()),
            due: NaiveDate::from_ymd_opt(2023, 6, 1),
            labels: vec!["security".into()],
            verified_by: None,
            repo: None,
            position: Default::default(),
        }
    }

    fn postmortem() -> Postmortem {
        Postmortem {
            title: "DDoS on the API".into(),
            measures: vec![Measure {
                id: "edge".into(),
                title: "Harden the edge".into(),
                description: None,
            }],
            ..Postmortem::minimal("2023-05-10-ddos", vec![task()])
        }
    }

    #[test]
    fn marker_round_trips_and_tolerates_whitespace() {
        let key = TaskKey::new("2023-05-10-ddos", "add-waf");
        assert_eq!(
            task_marker(&key),
            "<!-- aftercare:task=2023-05-10-ddos/add-waf -->"
        );
        assert_eq!(find_key(&task_marker(&key)), Some(key.clone()));
        for body in [
            "text\n<!--aftercare:task=2023-05-10-ddos/add-waf-->",
            "<!--   aftercare:task =  2023-05-10-ddos/add-waf \n -->",
            "<!-- other --> <!-- aftercare:task=2023-05-10-ddos/add-waf -->",
        ] {
            assert_eq!(find_key(body), Some(key.clone()), "{body:?}");
        }
    }

    #[test]
    fn malformed_markers_are_not_keys() {
        for body in [
            "",
            "aftercare:task=a/b",
            "<!-- aftercare:task=a/b",
            "<!-- aftercare:task=A/b -->",
            "<!-- aftercare:task=a -->",
            "<!-- aftercare:tasks=a/b -->",
            "<!-- aftercare:task a/b -->",
            "<!--",
            "-->  <!--",
        ] {
            assert_eq!(find_key(body), None, "{body:?}");
        }
    }

    #[test]
    fn a_digest_compares_as_the_body_it_stands_for() {
        let body = "Text.\n\n<!-- aftercare:task=a/b -->\n";
        let digest = body_digest(body);
        assert!(is_body_digest(&digest));
        assert_eq!(body_digest(&digest), digest, "a digest stays as it is");
        assert_eq!(
            body_digest("Text.\r\n\r\n<!-- aftercare:task=a/b -->  "),
            digest
        );
        assert!(same_body(&digest, body));
        assert!(same_body(body, &digest));
        assert!(same_body(&digest, &digest));
        assert!(!same_body(
            &digest,
            "Text.\n\n<!-- aftercare:task=a/c -->\n"
        ));
        assert!(!same_body(&body_digest("other"), &digest));
        assert!(!is_body_digest(body));
        // Never written in place of a body.
        assert_eq!(with_closed_note(&digest), digest);
    }

    #[test]
    fn body_carries_description_incident_link_facts_and_marker() {
        let pm = postmortem();
        let owned = Owned {
            labels: vec!["postmortem".into(), "security".into()],
            assignees: vec!["alice".into()],
        };
        let body = issue_body(&pm, &pm.tasks[0], &owned);
        assert_eq!(
            body,
            "Rate-limit per client at the edge.\n\n\
             - **Incident:** [DDoS on the API](https://github.com/acme/web/blob/HEAD/postmortems/2023-05-10-ddos.yaml)\n\
             - **Measure:** Harden the edge\n\
             - **Type:** prevent\n\
             - **Priority:** P1\n\
             - **Due:** 2023-06-01\n\n\
             _Kept in step with `postmortems/2023-05-10-ddos.yaml` by aftercare: edit the postmortem, not this text._\n\n\
             <!-- aftercare:owned {\"labels\":[\"postmortem\",\"security\"],\"assignees\":[\"alice\"]} -->\n\
             <!-- aftercare:task=2023-05-10-ddos/add-waf -->\n"
        );
        assert_eq!(
            find_key(&body),
            Some(TaskKey::new("2023-05-10-ddos", "add-waf"))
        );
        assert_eq!(find_owned(&body), Some(owned));
        assert!(!closed_for_removal(&body));
    }

    #[test]
    fn owned_note_cannot_be_ended_early_by_a_label() {
        let owned = Owned {
            labels: vec!["a-->b".into()],
            assignees: vec![],
        };
        let note = owned_note(&owned);
        assert_eq!(note.matches("-->").count(), 1);
        assert_eq!(find_owned(&note), Some(owned));
    }

    #[test]
    fn huge_description_and_title_are_cut_to_github_limits() {
        let mut pm = postmortem();
        pm.tasks[0].description = Some("x".repeat(100_000));
        pm.tasks[0].title = "t".repeat(300);
        let body = issue_body(&pm, &pm.tasks[0], &Owned::default());
        assert_eq!(body.chars().count(), MAX_BODY_CHARS);
        assert_eq!(
            find_key(&body),
            Some(TaskKey::new("2023-05-10-ddos", "add-waf"))
        );
        let title = github().title(&pm.tasks[0].title);
        assert_eq!(title.chars().count(), GITHUB_MAX_TITLE_CHARS);
        assert!(title.ends_with('…'));
        let closed = with_closed_note(&body);
        assert!(closed.chars().count() <= MAX_BODY_CHARS);
        assert!(closed_for_removal(&closed));
        assert_eq!(
            find_key(&closed),
            Some(TaskKey::new("2023-05-10-ddos", "add-waf"))
        );
    }

    #[test]
    fn closed_note_is_added_once_and_recognised() {
        let body = "text\n<!-- aftercare:task=a/b -->\n";
        let closed = with_closed_note(body);
        assert_eq!(
            closed,
            "text\n<!-- aftercare:task=a/b -->\n<!-- aftercare:closed=task-removed -->"
        );
        assert_eq!(with_closed_note(&closed), closed);
        assert!(closed_for_removal(&closed));
        assert!(closed_for_removal("<!--aftercare:closed = task-removed-->"));
        assert!(!closed_for_removal("<!-- aftercare:closed=done -->"));
    }

    fn reminder(mentions: &[&str]) -> ReminderContent {
        ReminderContent {
            due: NaiveDate::from_ymd_opt(2024, 1, 10).unwrap(),
            overdue_since: NaiveDate::from_ymd_opt(2024, 1, 11).unwrap(),
            mentions: mentions.iter().map(|m| m.to_string()).collect(),
            incident: "DDoS [edge]".into(),
            file: "postmortems/2023-05-10-ddos.yaml".into(),
        }
    }

    #[test]
    fn a_reminder_mentions_logins_links_the_postmortem_and_ends_with_its_marker() {
        let body = github().reminder(&reminder(&["octocat", "hubot"]));
        assert_eq!(
            body,
            "@octocat @hubot: this corrective task is overdue since 2024-01-11: it was due on \
             2024-01-10 and is still open.\n\nIt follows from the incident [DDoS \\[edge\\]]\
             (https://github.com/acme/web/blob/HEAD/postmortems/2023-05-10-ddos.yaml). Close \
             this issue when it is done, or change `due` in the postmortem if the plan \
             changed.\n\n<!-- aftercare:reminder due=2024-01-10 -->\n"
        );
        let due = NaiveDate::from_ymd_opt(2024, 1, 10).unwrap();
        assert!(github().reminds_about(&body, due));
        assert!(!github().reminds_about(&body, due.succ_opt().unwrap()));
        let nobody = github().reminder(&reminder(&[]));
        assert!(nobody.starts_with("This corrective task is overdue since 2024-01-11"));
        let gitlab = Markdown {
            file_base: "https://gitlab.com/acme/web/-/blob/HEAD".into(),
            max_title_chars: GITLAB_MAX_TITLE_CHARS,
        };
        assert!(gitlab.reminder(&reminder(&["ada"])).contains(
            "(https://gitlab.com/acme/web/-/blob/HEAD/postmortems/2023-05-10-ddos.yaml)"
        ));
    }

    #[test]
    fn a_reminder_marker_tolerates_whitespace_and_nothing_else() {
        let due = NaiveDate::from_ymd_opt(2024, 1, 10).unwrap();
        assert_eq!(
            reminder_marker(due),
            "<!-- aftercare:reminder due=2024-01-10 -->"
        );
        for body in [
            "x\n<!--aftercare:reminder due=2024-01-10-->",
            "<!--  aftercare:reminder  due = 2024-01-10 \n-->",
        ] {
            assert!(has_reminder_marker(body, due), "{body:?}");
        }
        for body in [
            "",
            "aftercare:reminder due=2024-01-10",
            "<!-- aftercare:reminder due=2024-01-03 -->",
            "<!-- aftercare:reminder due=2024-1-10x -->",
            "<!-- aftercare:reminders due=2024-01-10 -->",
            "<!-- aftercare:reminder due=2024-01-10",
        ] {
            assert!(!has_reminder_marker(body, due), "{body:?}");
        }
    }

    #[test]
    fn bodies_differing_in_line_endings_are_the_same() {
        assert!(same_body("a\r\nb\n", "a\nb"));
        assert!(!same_body("a\nb", "a\nc"));
    }
}
