//! Comments on Jira issues, for `remind`: reading an issue's comments, and writing a reminder
//! in the deployment's text format with mentions Jira understands and a marker that survives
//! Jira.
//!
//! GitHub and GitLab hide the reminder's marker in an HTML comment; Jira keeps no such thing.
//! Wiki markup (Data Center) shows `<!-- … -->` as text, and an Atlassian document (Cloud) can
//! hide nothing at all: every text node is shown. A comment entity property would stay hidden,
//! but comment lists return properties only through `POST /comment/list`, one more request per
//! issue. So the marker takes the most discreet form each format has:
//!
//! - **Data Center**: the wiki macro `{anchor:aftercare-reminder-YYYY-MM-DD}`, which renders as
//!   an invisible anchor and is returned as written;
//! - **Cloud**: a last paragraph in italics, `aftercare reminder, due YYYY-MM-DD`, which people
//!   see (and which tells them why no second reminder comes for that date); it is found again
//!   as the text of one paragraph, however Jira splits that paragraph into text nodes.
//!
//! Either way only comments by trusted authors count ([`already_sent`](crate::remind::already_sent)),
//! by the rule for issue creators: the syncing account, or a user who may edit issues in the
//! project. A copy of the marker by anyone else does not count.
//!
//! **Mentions.** The YAML's `owner` is a tracker login, as for assignment. On Data Center a
//! login is a username, mentioned as `[~username]`. On Cloud a mention is an ADF `mention` node
//! naming an accountId: the owner is looked up as for assignment (`GET /user/search?query=`,
//! one match, once a run); an issue's assignee that aftercare did not set is already an
//! accountId (it is one of the users who may edit issues when it is mentioned as such). A
//! login that matches no single account is written as plain `@login` text, so the reminder is
//! still sent.
//!
//! The pure part ([`reminder_body`], [`reminds_about`]) does no I/O; the client's part reads
//! and writes through the client's retry rules: a comment whose outcome is unknown is never
//! sent again.

use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::{Value, json};

use super::Jira;
use super::text::{escape_wiki, one_line};
use super::wire;
use crate::config::JiraDeployment;
use crate::tracker::{IssueComment, IssueRef, ReminderContent, TrackerError};

/// Comments per page read.
const PAGE_SIZE: usize = 100;

/// The visible marker of a reminder on Cloud: the text of its last paragraph.
pub fn cloud_marker(due: NaiveDate) -> String {
    format!("aftercare reminder, due {due}")
}

/// The hidden marker of a reminder on Data Center: an anchor macro.
pub fn wiki_marker(due: NaiveDate) -> String {
    format!("{{anchor:aftercare-reminder-{due}}}")
}

/// Someone to mention: the login the YAML or the issue names, and on Cloud the accountId it
/// belongs to, when one was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub login: String,
    pub account: Option<String>,
}

/// The reminder's body: an ADF document on Cloud, wiki markup on Data Center. `file_base`
/// links the postmortem file when the repository's web address is known.
pub fn reminder_body(
    deployment: JiraDeployment,
    file_base: Option<&str>,
    reminder: &ReminderContent,
    mentions: &[Mention],
) -> Value {
    let link = file_base.map(|base| format!("{}/{}", base.trim_end_matches('/'), reminder.file));
    let incident = one_line(&reminder.incident);
    let overdue = format!(
        "is overdue since {}: it was due on {} and is still open.",
        reminder.overdue_since, reminder.due
    );
    match deployment {
        JiraDeployment::Cloud => {
            let text = |t: &str| json!({"type": "text", "text": t});
            let mut first = Vec::new();
            for (i, m) in mentions.iter().enumerate() {
                if i > 0 {
                    first.push(text(" "));
                }
                first.push(match &m.account {
                    Some(id) => json!({"type": "mention",
                        "attrs": {"id": id, "text": format!("@{}", m.login)}}),
                    None => text(&format!("@{}", m.login)),
                });
            }
            if mentions.is_empty() {
                first.push(text(&format!("This corrective task {overdue}")));
            } else {
                first.push(text(&format!(": this corrective task {overdue}")));
            }
            let incident = match &link {
                Some(href) => json!({"type": "text", "text": incident,
                    "marks": [{"type": "link", "attrs": {"href": href}}]}),
                None => text(&incident),
            };
            json!({"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": first},
                {"type": "paragraph", "content": [
                    text("It follows from the incident "),
                    incident,
                    text(". Close this issue when it is done, or change "),
                    {"type": "text", "text": "due", "marks": [{"type": "code"}]},
                    text(" in the postmortem if the plan changed."),
                ]},
                {"type": "paragraph", "content": [
                    {"type": "text", "text": cloud_marker(reminder.due),
                     "marks": [{"type": "em"}]},
                ]},
            ]})
        }
        JiraDeployment::DataCenter => {
            let greeting = if mentions.is_empty() {
                "This corrective task".to_string()
            } else {
                let names: Vec<String> =
                    mentions.iter().map(|m| format!("[~{}]", m.login)).collect();
                format!("{}: this corrective task", names.join(" "))
            };
            let incident = escape_wiki(&incident);
            let incident = match &link {
                Some(href) => format!("[{incident}|{href}]"),
                None => incident,
            };
            Value::String(format!(
                "{greeting} {overdue}\n\nIt follows from the incident {incident}. Close this \
                 issue when it is done, or change {{{{due}}}} in the postmortem if the plan \
                 changed.\n\n{}\n",
                wiki_marker(reminder.due)
            ))
        }
    }
}

/// True when a comment's body (an ADF document's JSON text on Cloud, wiki markup on Data
/// Center) carries the marker of the reminder about `due`.
pub fn reminds_about(deployment: JiraDeployment, body: &str, due: NaiveDate) -> bool {
    match deployment {
        JiraDeployment::Cloud => serde_json::from_str::<Value>(body)
            .is_ok_and(|doc| has_paragraph(&doc, &cloud_marker(due))),
        JiraDeployment::DataCenter => body.contains(&wiki_marker(due)),
    }
}

/// Whether some node of an ADF document has direct text children that read `wanted`.
fn has_paragraph(node: &Value, wanted: &str) -> bool {
    let Some(children) = node.get("content").and_then(Value::as_array) else {
        return false;
    };
    let text: String = children
        .iter()
        .filter(|c| c.get("type").and_then(Value::as_str) == Some("text"))
        .filter_map(|c| c.get("text").and_then(Value::as_str))
        .collect();
    text.trim() == wanted || children.iter().any(|c| has_paragraph(c, wanted))
}

/// A comment as Jira sends it in a page of comments.
#[derive(Debug, Deserialize)]
struct RawComment {
    #[serde(default)]
    author: Option<wire::User>,
    #[serde(default)]
    body: Value,
}

/// A page of `GET /issue/{key}/comment`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    #[serde(default)]
    comments: Vec<RawComment>,
    #[serde(default)]
    total: usize,
}

impl Jira {
    /// The comments of an issue, oldest first, each trusted by the rule for issue creators.
    /// Call after listing, which learns who may edit issues.
    pub(super) async fn read_comments(
        &self,
        issue: &IssueRef,
    ) -> Result<Vec<IssueComment>, TrackerError> {
        let (me, editors) = {
            let run = super::lock(&self.run);
            (run.me.clone().unwrap_or_default(), run.editors.clone())
        };
        let mut comments = Vec::new();
        let mut start = 0usize;
        loop {
            let path = format!(
                "/issue/{}/comment?{}",
                issue.id,
                super::query(&[
                    ("startAt", &start.to_string()),
                    ("maxResults", &PAGE_SIZE.to_string()),
                    ("orderBy", "created"),
                ])
            );
            let answer = self
                .request(reqwest::Method::GET, &path, None, true)
                .await?;
            let page: Page = answer.json("the comments")?;
            let got = page.comments.len();
            for c in page.comments {
                let author = c.author.unwrap_or_default();
                let id = author.id();
                comments.push(IssueComment {
                    trusted: !id.is_empty() && (id == me || editors.contains(&id)),
                    author: author.display_name.clone().unwrap_or(id),
                    body: match c.body {
                        Value::Null => String::new(),
                        Value::String(s) => s,
                        other => other.to_string(),
                    },
                });
            }
            start += got;
            if got == 0 || start >= page.total {
                return Ok(comments);
            }
        }
    }

    /// Comments a reminder with its mentions resolved to accounts on Cloud.
    pub(super) async fn post_reminder(
        &self,
        issue: &IssueRef,
        reminder: &ReminderContent,
    ) -> Result<(), TrackerError> {
        let mut mentions = Vec::with_capacity(reminder.mentions.len());
        for login in &reminder.mentions {
            let account = if self.cloud() {
                self.mention_account(login).await?
            } else {
                None
            };
            mentions.push(Mention {
                login: login.clone(),
                account,
            });
        }
        let body = reminder_body(
            self.target.deployment,
            self.target.file_base.as_deref(),
            reminder,
            &mentions,
        );
        let path = format!("/issue/{}/comment", issue.id);
        self.request(
            reqwest::Method::POST,
            &path,
            Some(json!({ "body": body })),
            false,
        )
        .await?;
        Ok(())
    }

    /// The Cloud account to mention for `login`: itself when it is the accountId of the syncing
    /// account or of a user who may edit issues (an assignee a person set), else the single
    /// account a user search finds for it.
    async fn mention_account(&self, login: &str) -> Result<Option<String>, TrackerError> {
        let known = {
            let run = super::lock(&self.run);
            run.me.as_deref() == Some(login) || run.editors.contains(login)
        };
        if known {
            return Ok(Some(login.to_string()));
        }
        self.account_of(login).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content(mentions: &[&str]) -> ReminderContent {
        ReminderContent {
            due: NaiveDate::from_ymd_opt(2024, 1, 10).unwrap(),
            overdue_since: NaiveDate::from_ymd_opt(2024, 1, 11).unwrap(),
            mentions: mentions.iter().map(|m| m.to_string()).collect(),
            incident: "DDoS [edge]\non the API".into(),
            file: "postmortems/2023-05-10-ddos.yaml".into(),
        }
    }

    const BASE: &str = "https://github.com/acme/web/blob/HEAD";

    fn due() -> NaiveDate {
        NaiveDate::from_ymd_opt(2024, 1, 10).unwrap()
    }

    #[test]
    fn cloud_mentions_accounts_links_the_postmortem_and_ends_with_the_marker() {
        let mentions = [
            Mention {
                login: "alice".into(),
                account: Some("acc-alice".into()),
            },
            Mention {
                login: "al".into(),
                account: None,
            },
        ];
        let body = reminder_body(
            JiraDeployment::Cloud,
            Some(BASE),
            &content(&["alice", "al"]),
            &mentions,
        );
        let href = format!("{BASE}/postmortems/2023-05-10-ddos.yaml");
        assert_eq!(
            body,
            json!({"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [
                    {"type": "mention", "attrs": {"id": "acc-alice", "text": "@alice"}},
                    {"type": "text", "text": " "},
                    {"type": "text", "text": "@al"},
                    {"type": "text", "text": ": this corrective task is overdue since \
                     2024-01-11: it was due on 2024-01-10 and is still open."}]},
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "It follows from the incident "},
                    {"type": "text", "text": "DDoS [edge] on the API",
                     "marks": [{"type": "link", "attrs": {"href": href}}]},
                    {"type": "text", "text": ". Close this issue when it is done, or change "},
                    {"type": "text", "text": "due", "marks": [{"type": "code"}]},
                    {"type": "text", "text": " in the postmortem if the plan changed."}]},
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "aftercare reminder, due 2024-01-10",
                     "marks": [{"type": "em"}]}]}]})
        );
        let text = body.to_string();
        assert!(reminds_about(JiraDeployment::Cloud, &text, due()));
        assert!(!reminds_about(
            JiraDeployment::Cloud,
            &text,
            due().succ_opt().unwrap()
        ));
        assert!(!reminds_about(JiraDeployment::DataCenter, &text, due()));
    }

    #[test]
    fn data_center_mentions_usernames_and_hides_the_marker_in_an_anchor() {
        let mentions = [Mention {
            login: "alice".into(),
            account: None,
        }];
        let body = reminder_body(
            JiraDeployment::DataCenter,
            None,
            &content(&["alice"]),
            &mentions,
        );
        assert_eq!(
            body,
            Value::String(
                "[~alice]: this corrective task is overdue since 2024-01-11: it was due on \
                 2024-01-10 and is still open.\n\nIt follows from the incident DDoS \\[edge\\] on \
                 the API. Close this issue when it is done, or change {{due}} in the postmortem \
                 if the plan changed.\n\n{anchor:aftercare-reminder-2024-01-10}\n"
                    .to_string()
            )
        );
        let text = body.as_str().unwrap();
        assert!(reminds_about(JiraDeployment::DataCenter, text, due()));
        assert!(!reminds_about(
            JiraDeployment::DataCenter,
            "{anchor:aftercare-reminder-2024-01-03}",
            due()
        ));
        let nobody = reminder_body(JiraDeployment::DataCenter, None, &content(&[]), &[]);
        assert!(
            nobody
                .as_str()
                .unwrap()
                .starts_with("This corrective task is overdue since 2024-01-11")
        );
    }

    #[test]
    fn the_cloud_marker_is_found_however_jira_splits_its_paragraph() {
        let split = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "aftercare reminder, ", "marks": [{"type": "em"}]},
                {"type": "text", "text": "due 2024-01-10"}]}]});
        assert!(reminds_about(
            JiraDeployment::Cloud,
            &split.to_string(),
            due()
        ));
        let quoted = json!({"type": "doc", "version": 1, "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "not an aftercare reminder, due 2024-01-10"}]}]});
        assert!(!reminds_about(
            JiraDeployment::Cloud,
            &quoted.to_string(),
            due()
        ));
        assert!(!reminds_about(JiraDeployment::Cloud, "not json", due()));
        let nobody = reminder_body(JiraDeployment::Cloud, None, &content(&[]), &[]);
        assert_eq!(
            nobody["content"][0]["content"],
            json!([{"type": "text", "text": "This corrective task is overdue since 2024-01-11: \
                     it was due on 2024-01-10 and is still open."}])
        );
        assert_eq!(
            nobody["content"][1]["content"][1],
            json!({"type": "text", "text": "DDoS [edge] on the API"})
        );
    }
}
