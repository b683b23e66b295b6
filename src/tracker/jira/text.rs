//! The issue text aftercare writes on Jira: Atlassian Document Format on Cloud, wiki markup on
//! Data Center. Pure: no I/O.
//!
//! A Jira description cannot hide anything from people, so unlike on GitHub and GitLab the text
//! holds no marker: which task an issue belongs to, what aftercare set and whether aftercare
//! dropped it live in the issue's `aftercare` entity property ([`super::wire::Property`]).
//! The description says what the task is: its text, then the incident (linked to the postmortem
//! file when the repository's web address is known), measure, type, priority and due date, and
//! a line saying the text is kept in step with the file.
//!
//! On Cloud the description is a JSON document, handed around as its compact JSON text; two
//! descriptions are the same when they parse to the same JSON value, whatever Jira did to the
//! key order or spacing.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::comments::{self, Mention, reminder_body};
use crate::config::JiraDeployment;
use crate::tracker::{IssueContent, IssueText, ReminderContent};

/// Jira's limit on a summary.
pub const MAX_SUMMARY_CHARS: usize = 255;
/// Jira's limit on a text field (32,767 characters); the description is kept below it.
pub const MAX_DESCRIPTION_CHARS: usize = 32_000;

/// How aftercare writes issue text on one Jira.
#[derive(Debug, Clone)]
pub struct JiraText {
    pub deployment: JiraDeployment,
    /// Where the repository's files are shown, `https://github.com/acme/web/blob/HEAD`; `None`
    /// names the file without a link.
    pub file_base: Option<String>,
}

impl JiraText {
    fn file_link(&self, file: &str) -> Option<String> {
        self.file_base
            .as_deref()
            .map(|base| format!("{}/{file}", base.trim_end_matches('/')))
    }

    /// `(label, value)` of each fact after the description, the incident first.
    fn facts(content: &IssueContent) -> Vec<(&'static str, String)> {
        let mut facts = Vec::new();
        if let Some(measure) = &content.measure {
            facts.push(("Measure", one_line(measure)));
        }
        if let Some(kind) = content.kind {
            facts.push(("Type", kind.to_string()));
        }
        if let Some(priority) = content.priority {
            facts.push(("Priority", priority.to_string()));
        }
        if let Some(due) = content.due {
            facts.push(("Due", due.format("%Y-%m-%d").to_string()));
        }
        facts
    }

    fn adf(&self, content: &IssueContent, description: Option<&str>) -> Value {
        let mut blocks = Vec::new();
        for paragraph in description.into_iter().flat_map(paragraphs) {
            let mut inline = Vec::new();
            for (i, line) in paragraph.lines().enumerate() {
                if i > 0 {
                    inline.push(json!({"type": "hardBreak"}));
                }
                if !line.is_empty() {
                    inline.push(json!({"type": "text", "text": line}));
                }
            }
            blocks.push(json!({"type": "paragraph", "content": inline}));
        }
        let strong = |label: &str| json!({"type": "text", "text": format!("{label}: "), "marks": [{"type": "strong"}]});
        let item = |inline: Vec<Value>| json!({"type": "listItem", "content": [{"type": "paragraph", "content": inline}]});
        let incident = one_line(&content.incident);
        let incident = match self.file_link(&content.file) {
            Some(href) => json!({"type": "text", "text": incident,
                "marks": [{"type": "link", "attrs": {"href": href}}]}),
            None => json!({"type": "text", "text": incident}),
        };
        let mut items = vec![item(vec![strong("Incident"), incident])];
        for (label, value) in Self::facts(content) {
            items.push(item(vec![
                strong(label),
                json!({"type": "text", "text": value}),
            ]));
        }
        blocks.push(json!({"type": "bulletList", "content": items}));
        let em = json!([{"type": "em"}]);
        blocks.push(json!({"type": "paragraph", "content": [
            {"type": "text", "text": "Kept in step with ", "marks": em},
            {"type": "text", "text": content.file, "marks": [{"type": "em"}, {"type": "code"}]},
            {"type": "text", "text": " by aftercare: edit the postmortem, not this text.", "marks": em},
        ]}));
        json!({"type": "doc", "version": 1, "content": blocks})
    }

    fn wiki(&self, content: &IssueContent, description: Option<&str>) -> String {
        let mut out = String::new();
        if let Some(d) = description {
            out.push_str(&escape_wiki(d));
            out.push_str("\n\n");
        }
        let incident = escape_wiki(&one_line(&content.incident));
        match self.file_link(&content.file) {
            Some(href) => out.push_str(&format!("* *Incident:* [{incident}|{href}]\n")),
            None => out.push_str(&format!("* *Incident:* {incident}\n")),
        }
        for (label, value) in Self::facts(content) {
            out.push_str(&format!("* *{label}:* {}\n", escape_wiki(&value)));
        }
        out.push_str(&format!(
            "\n_Kept in step with {{{{{}}}}} by aftercare: edit the postmortem, not this text._\n",
            content.file
        ));
        out
    }
}

impl IssueText for JiraText {
    fn title(&self, title: &str) -> String {
        one_line(title).chars().take(MAX_SUMMARY_CHARS).collect()
    }

    fn body(&self, content: &IssueContent) -> String {
        let description = content
            .description
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(|d| d.chars().take(MAX_DESCRIPTION_CHARS).collect::<String>());
        match self.deployment {
            JiraDeployment::Cloud => self.adf(content, description.as_deref()).to_string(),
            JiraDeployment::DataCenter => self.wiki(content, description.as_deref()),
        }
    }

    fn same_body(&self, current: &str, desired: &str) -> bool {
        match self.deployment {
            JiraDeployment::Cloud => {
                match (
                    serde_json::from_str::<Value>(current),
                    serde_json::from_str::<Value>(desired),
                ) {
                    (Ok(a), Ok(b)) => a == b,
                    _ => false,
                }
            }
            JiraDeployment::DataCenter => {
                let norm = |s: &str| s.replace("\r\n", "\n").trim_end().to_string();
                norm(current) == norm(desired)
            }
        }
    }

    /// Unchanged: the removal is recorded in the `aftercare` entity property.
    fn with_removal_note(&self, body: &str) -> String {
        body.to_string()
    }

    /// The reminder without looking anyone up: on Cloud, logins are mentioned as plain text
    /// (the client mentions accounts instead, [`super::comments`]).
    fn reminder(&self, reminder: &ReminderContent) -> String {
        let mentions: Vec<Mention> = (reminder.mentions.iter())
            .map(|login| Mention {
                login: login.clone(),
                account: None,
            })
            .collect();
        match reminder_body(
            self.deployment,
            self.file_base.as_deref(),
            reminder,
            &mentions,
        ) {
            Value::String(text) => text,
            doc => doc.to_string(),
        }
    }

    fn reminds_about(&self, body: &str, due: NaiveDate) -> bool {
        comments::reminds_about(self.deployment, body, due)
    }
}

/// A comment's body in the deployment's format: an ADF document on Cloud, the text itself on
/// Data Center.
pub fn comment_body(deployment: JiraDeployment, text: &str) -> Value {
    match deployment {
        JiraDeployment::Cloud => json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": text}]}
        ]}),
        JiraDeployment::DataCenter => Value::String(text.to_string()),
    }
}

pub(super) fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Paragraphs separated by blank lines.
fn paragraphs(text: &str) -> impl Iterator<Item = String> + '_ {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .into_iter()
}

/// Text with wiki markup's link, macro and table characters escaped.
pub(super) fn escape_wiki(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '[' | ']' | '{' | '}' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Priority, TaskKey, TaskType};
    use crate::tracker::Owned;
    use chrono::NaiveDate;

    fn content() -> IssueContent {
        IssueContent {
            key: TaskKey::new("2023-05-10-ddos", "add-waf"),
            description: Some("Rate-limit per client.\nAt the edge.\n\nThen measure.".into()),
            incident: "DDoS on the API".into(),
            file: "postmortems/2023-05-10-ddos.yaml".into(),
            measure: Some("Harden the edge".into()),
            kind: Some(TaskType::Prevent),
            priority: Some(Priority::P1),
            due: NaiveDate::from_ymd_opt(2023, 6, 1),
            owned: Owned::default(),
        }
    }

    const BASE: &str = "https://github.com/acme/web/blob/HEAD";

    #[test]
    fn cloud_writes_an_adf_document() {
        let text = JiraText {
            deployment: JiraDeployment::Cloud,
            file_base: Some(BASE.into()),
        };
        let body: Value = serde_json::from_str(&text.body(&content())).unwrap();
        let link = format!("{BASE}/postmortems/2023-05-10-ddos.yaml");
        let fact = |label: &str, value: &str| {
            json!({"type": "listItem", "content": [{"type": "paragraph", "content": [
                {"type": "text", "text": format!("{label}: "), "marks": [{"type": "strong"}]},
                {"type": "text", "text": value}]}]})
        };
        assert_eq!(
            body,
            json!({"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "Rate-limit per client."},
                    {"type": "hardBreak"},
                    {"type": "text", "text": "At the edge."}]},
                {"type": "paragraph", "content": [{"type": "text", "text": "Then measure."}]},
                {"type": "bulletList", "content": [
                    {"type": "listItem", "content": [{"type": "paragraph", "content": [
                        {"type": "text", "text": "Incident: ", "marks": [{"type": "strong"}]},
                        {"type": "text", "text": "DDoS on the API",
                         "marks": [{"type": "link", "attrs": {"href": link}}]}]}]},
                    fact("Measure", "Harden the edge"),
                    fact("Type", "prevent"),
                    fact("Priority", "P1"),
                    fact("Due", "2023-06-01")]},
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "Kept in step with ", "marks": [{"type": "em"}]},
                    {"type": "text", "text": "postmortems/2023-05-10-ddos.yaml",
                     "marks": [{"type": "em"}, {"type": "code"}]},
                    {"type": "text", "text": " by aftercare: edit the postmortem, not this text.",
                     "marks": [{"type": "em"}]}]}]})
        );
    }

    #[test]
    fn data_center_writes_wiki_markup() {
        let text = JiraText {
            deployment: JiraDeployment::DataCenter,
            file_base: None,
        };
        let mut c = content();
        c.incident = "DDoS [edge|api]".into();
        assert_eq!(
            text.body(&c),
            "Rate-limit per client.\nAt the edge.\n\nThen measure.\n\n\
             * *Incident:* DDoS \\[edge\\|api\\]\n\
             * *Measure:* Harden the edge\n\
             * *Type:* prevent\n\
             * *Priority:* P1\n\
             * *Due:* 2023-06-01\n\n\
             _Kept in step with {{postmortems/2023-05-10-ddos.yaml}} by aftercare: edit the \
             postmortem, not this text._\n"
        );
    }

    #[test]
    fn bodies_compare_by_meaning_and_removal_leaves_them_alone() {
        let cloud = JiraText {
            deployment: JiraDeployment::Cloud,
            file_base: None,
        };
        let body = cloud.body(&content());
        let pretty =
            serde_json::to_string_pretty(&serde_json::from_str::<Value>(&body).unwrap()).unwrap();
        assert!(cloud.same_body(&pretty, &body));
        assert!(!cloud.same_body("plain text", &body));
        assert_eq!(cloud.with_removal_note(&body), body);
        let dc = JiraText {
            deployment: JiraDeployment::DataCenter,
            file_base: None,
        };
        assert!(dc.same_body("a\r\nb\r\n", "a\nb\n"));
        assert!(!dc.same_body("a\nc\n", "a\nb\n"));
    }

    #[test]
    fn a_summary_is_one_line_of_at_most_255_characters() {
        let text = JiraText {
            deployment: JiraDeployment::Cloud,
            file_base: None,
        };
        assert_eq!(text.title("Put a\n WAF   in front"), "Put a WAF in front");
        assert_eq!(text.title(&"x".repeat(300)).chars().count(), 255);
    }
}
