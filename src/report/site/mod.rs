//! The static site: the postmortems as web pages, with the follow-ups' live states.
//!
//! [`render`] turns the validated postmortems and the [`StatusReport`] computed from the
//! tracker into pages: `index.html` and one `<id>.html` per published postmortem. Each page is
//! self-contained HTML with its CSS in the page and pictures as inline SVG: no JavaScript, no
//! external font, script or image, and a `Content-Security-Policy` that allows only the page's
//! own stylesheet. Every string from a postmortem or the tracker goes through maud, which
//! escapes it; links go only to `https:` addresses ([`https_href`]) and the site's own pages.
//! This module is pure: it reads no file, asks no tracker and writes nothing.

mod burndown;
mod format;
mod index;
mod postmortem;
mod timeline;

use std::collections::HashMap;
use std::sync::OnceLock;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use sha2::{Digest, Sha256};

use crate::model::{Postmortem, PostmortemStatus};
use crate::status::{Counts, IncidentStatus, ItemStatus, StatusReport, TaskState};

/// The stylesheet every page carries in its `<style>` element.
const STYLE: &str = include_str!("style.css");

/// Whether the states in the status were read from the tracker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum States {
    /// Read from the tracker: done, dropped, open, overdue or missing.
    Known,
    /// Rendered from the YAML alone (`--offline`): every state is unknown.
    Unknown,
}

/// What the site is made from.
#[derive(Debug, Clone, Copy)]
pub struct SiteInput<'a> {
    /// The loaded postmortems; drafts are left out of the site.
    pub postmortems: &'a [Postmortem],
    /// The status of the published ones, in the same order.
    pub status: &'a StatusReport,
    pub states: States,
}

/// One file of the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The file name inside the output directory: `index.html` or `<id>.html`.
    pub file: String,
    pub html: String,
}

/// Where a task stands as the site shows it: the status's state, with open tasks past their
/// due date shown as overdue, or unknown when rendered offline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Done,
    Dropped,
    Open,
    Overdue,
    Missing,
    /// Closed as completed without the evidence `require_evidence` asks for.
    Unverified,
    Unknown,
}

impl Shown {
    pub fn of(item: &ItemStatus, states: States) -> Shown {
        match (states, item.state) {
            (States::Unknown, _) => Shown::Unknown,
            (States::Known, TaskState::Done) => Shown::Done,
            (States::Known, TaskState::Dropped) => Shown::Dropped,
            (States::Known, TaskState::Open) if item.overdue => Shown::Overdue,
            (States::Known, TaskState::Open) => Shown::Open,
            (States::Known, TaskState::Missing) => Shown::Missing,
            (States::Known, TaskState::Unverified) => Shown::Unverified,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Shown::Done => "done",
            Shown::Dropped => "dropped",
            Shown::Open => "open",
            Shown::Overdue => "overdue",
            Shown::Missing => "missing",
            Shown::Unverified => "unverified",
            Shown::Unknown => "unknown",
        }
    }

    /// The state as a coloured word.
    fn markup(self) -> Markup {
        html! { span class=(format!("state state-{}", self.as_str())) { (self.as_str()) } }
    }
}

/// The file name of a postmortem's page. Ids are validated (`[a-z0-9-]`), so they are safe as
/// file names and as relative links.
pub fn page_file(id: &str) -> String {
    format!("{id}.html")
}

/// Renders every page of the site: the index first, then one page per published postmortem
/// in the order they were loaded.
pub fn render(input: &SiteInput) -> Vec<Page> {
    let status_of: HashMap<&str, &IncidentStatus> = input
        .status
        .incidents
        .iter()
        .map(|i| (i.id.as_str(), i))
        .collect();
    let published: Vec<(&Postmortem, &IncidentStatus)> = input
        .postmortems
        .iter()
        .filter(|p| p.status == PostmortemStatus::Published)
        .filter_map(|p| status_of.get(p.id.as_str()).map(|s| (p, *s)))
        .collect();
    let mut pages = Vec::with_capacity(published.len() + 1);
    pages.push(Page {
        file: "index.html".to_string(),
        html: index::page(input, &published).into_string(),
    });
    for (postmortem, incident) in &published {
        pages.push(Page {
            file: page_file(&postmortem.id),
            html: postmortem::page(input, postmortem, incident).into_string(),
        });
    }
    pages
}

/// The page around a body: the `<head>` with the policy and the stylesheet, a way back to the
/// index, and the footer saying where the states came from.
fn layout(title: &str, input: &SiteInput, home: bool, body: Markup) -> Markup {
    let generated = input.status.generated_at.format("%Y-%m-%d %H:%M UTC");
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(content_security_policy());
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="color-scheme" content="light dark";
                meta name="referrer" content="no-referrer";
                meta name="generator" content="aftercare";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                @if !home {
                    nav { a href="index.html" { "All postmortems" } }
                }
                main { (body) }
                footer {
                    @match input.states {
                        States::Known => {
                            "Task states read from the issues of " (input.status.repo)
                            " at " (generated) "."
                        }
                        States::Unknown => {
                            "Rendered offline at " (generated)
                            " from the postmortems alone: task states are unknown."
                        }
                    }
                    " Made by aftercare."
                }
            }
        }
    }
}

/// A follow-ups' progress: a bar of done over planned, and the counts in words, dropped tasks
/// apart; offline, only how many there are.
fn progress(counts: &Counts, states: States) -> Markup {
    const BAR: f64 = 120.0;
    if states == States::Unknown {
        return html! {
            span.progress { (counts.tasks) " tasks, states unknown" }
        };
    }
    let planned = counts.planned();
    let done_width = if planned == 0 {
        BAR
    } else {
        BAR * counts.done as f64 / planned as f64
    };
    html! {
        span.progress {
            svg xmlns="http://www.w3.org/2000/svg" width="120" height="10" viewBox="0 0 120 10"
                aria-hidden="true" {
                rect class="bar-rest" x="0" y="0" width="120" height="10" rx="3" {}
                rect class="bar-done" x="0" y="0" width=(timeline::px(done_width)) height="10"
                    rx="3" {}
            }
            span {
                (counts.done) " of " (planned) " done"
                @if counts.dropped > 0 { ", " (counts.dropped) " dropped" }
            }
        }
    }
}

/// A table's head: one column header per name.
fn header_row(columns: &[&str]) -> Markup {
    html! {
        thead {
            tr {
                @for column in columns {
                    th scope="col" { (column) }
                }
            }
        }
    }
}

/// A link to a task's issue (`#12`), when it has one with an `https:` address.
fn issue_link(item: &ItemStatus) -> Markup {
    match (item.issue, item.url.as_deref().and_then(https_href)) {
        (Some(number), Some(href)) => html! { a href=(href) { "#" (number) } },
        (Some(number), None) => html! { "#" (number) },
        (None, _) => html! { span.muted { "none" } },
    }
}

/// The opening and closing times of the tasks' issues, for the burn-down.
fn issue_times(
    items: &[ItemStatus],
) -> impl Iterator<Item = (DateTime<Utc>, Option<DateTime<Utc>>)> + '_ {
    items
        .iter()
        .filter_map(|i| i.opened_at.map(|opened| (opened, i.closed_at)))
}

/// The burn-down, or a sentence saying why there is none.
fn burndown_or_note(
    input: &SiteInput,
    times: &[(
        chrono::DateTime<chrono::Utc>,
        Option<chrono::DateTime<chrono::Utc>>,
    )],
    label: &str,
) -> Markup {
    match (
        input.states,
        burndown::svg(times, input.status.generated_at, label),
    ) {
        (States::Unknown, _) => html! {
            p.muted { "No burn-down: the issues' times are unknown when rendered offline." }
        },
        (States::Known, None) => html! {
            p.muted { "No burn-down yet: no follow-up has an issue." }
        },
        (States::Known, Some(svg)) => svg,
    }
}

/// The policy every page carries: nothing may load or run, except the page's own stylesheet,
/// allowed by its hash.
pub fn content_security_policy() -> &'static str {
    static POLICY: OnceLock<String> = OnceLock::new();
    POLICY.get_or_init(|| {
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        format!(
            "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; base-uri 'none'; \
             form-action 'none'"
        )
    })
}

/// The address to link to for a URL from the tracker or a postmortem: only absolute `https:`
/// URLs with a host, in their normalised form; anything else is not linked.
pub fn https_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    (parsed.scheme() == "https" && parsed.host().is_some()).then(|| parsed.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_urls_with_a_host_are_linked() {
        assert_eq!(
            https_href("https://github.com/acme/web/issues/3").as_deref(),
            Some("https://github.com/acme/web/issues/3")
        );
        assert_eq!(
            https_href("https://example.com/a b\"<").as_deref(),
            Some("https://example.com/a%20b%22%3C")
        );
        for refused in [
            "http://github.com/acme/web/issues/3",
            "javascript:alert(1)",
            "JAVASCRIPT:alert(1)",
            "data:text/html,<script>",
            "//github.com/x",
            "issues/3",
            "",
        ] {
            assert_eq!(https_href(refused), None, "{refused:?}");
        }
    }

    #[test]
    fn the_policy_allows_only_the_pages_own_stylesheet() {
        let policy = content_security_policy();
        let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        assert_eq!(
            policy,
            format!(
                "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; \
                 base-uri 'none'; form-action 'none'"
            )
        );
        assert!(!policy.contains("unsafe"));
        assert!(!policy.contains("script-src"));
    }
}

#[cfg(test)]
mod page_tests {
    use super::*;
    use crate::status::tests::{sample_report, task};

    fn postmortems() -> Vec<Postmortem> {
        let mut ddos = Postmortem::minimal(
            "2023-05-10-ddos",
            ["waf", "pool", "drill", "paging"]
                .iter()
                .map(|id| task(id, None, None, 1))
                .collect(),
        );
        ddos.title = "DDoS on the web tier".to_string();
        let mut dns = Postmortem::minimal(
            "2023-07-02-dns",
            ["ttl", "cache"]
                .iter()
                .map(|id| task(id, None, None, 1))
                .collect(),
        );
        dns.title = "DNS <b>outage</b> | [x](y)".to_string();
        dns.tasks[1].title = "<script>&\"'| ] ( [x](javascript:alert(1))".to_string();
        let mut draft = Postmortem::minimal("2024-01-01-draft", vec![]);
        draft.status = PostmortemStatus::Draft;
        vec![ddos, dns, draft]
    }

    #[test]
    fn pages_escape_every_title_and_show_each_state() {
        let postmortems = postmortems();
        let status = sample_report();
        let pages = render(&SiteInput {
            postmortems: &postmortems,
            status: &status,
            states: States::Known,
        });
        let files: Vec<&str> = pages.iter().map(|p| p.file.as_str()).collect();
        assert_eq!(
            files,
            ["index.html", "2023-05-10-ddos.html", "2023-07-02-dns.html"]
        );
        for page in &pages {
            assert!(!page.html.contains("<script"), "{}", page.file);
            assert!(!page.html.contains("<b>"), "{}", page.file);
        }
        let dns = &pages[2].html;
        assert!(dns.contains("<td>&lt;script&gt;&amp;&quot;'| ] ( [x](javascript:alert(1))</td>"));
        assert!(dns.contains("<h1>DNS &lt;b&gt;outage&lt;/b&gt; | [x](y)</h1>"));
        let ddos = &pages[1].html;
        for (task, state) in [
            ("waf", "overdue"),
            ("pool", "done"),
            ("drill", "dropped"),
            ("paging", "missing"),
        ] {
            assert!(
                ddos.contains(&format!("<tr id=\"task-{task}\" data-state=\"{state}\">")),
                "{task}"
            );
        }
        assert!(ddos.contains("<a href=\"https://github.com/acme/web/issues/12\">#12</a>"));
    }

    #[test]
    fn offline_pages_show_every_state_as_unknown() {
        let postmortems = postmortems();
        let status = sample_report();
        let pages = render(&SiteInput {
            postmortems: &postmortems,
            status: &status,
            states: States::Unknown,
        });
        let ddos = &pages[1].html;
        assert_eq!(ddos.matches("data-state=\"unknown\"").count(), 4);
        assert!(!ddos.contains("href=\"https:"));
        assert!(
            pages[0]
                .html
                .contains("6 follow-ups in 2 postmortems; their states are unknown")
        );
    }
}
