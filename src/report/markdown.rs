//! The Markdown report, and the Markdown pieces the README section is made of: the incident
//! table, the progress bar, and escaping for text and link destinations.
//!
//! Titles and URLs come from postmortem files and from GitHub, where anyone can write them, so
//! every one is escaped here: text can never open a link, an image, an HTML tag or a table
//! cell, and a link destination can never carry a script scheme.

use std::fmt::Write as _;

use super::{Report, format_percent};
use crate::status::{IncidentStatus, StatusReport};

/// Prints the status as Markdown: the same content as the text report.
pub struct MarkdownReport;

impl Report for MarkdownReport {
    fn render(&self, status: &StatusReport) -> String {
        let totals = &status.totals.counts;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "### Corrective actions in {}: {}/{} done ({})\n",
            escape_text(&status.repo),
            totals.done,
            totals.planned(),
            format_percent(totals.percent()),
        );
        if status.incidents.is_empty() {
            out.push_str("No published postmortems.\n");
        } else {
            let link = |incident: &IncidentStatus| {
                let repo_url = status.repo_url.as_deref()?;
                url_destination(&format!("{repo_url}/blob/HEAD/{}", incident.file))
            };
            out.push_str(&incident_table(status, &link, true));
            let notes = super::related_notes(status);
            if !notes.is_empty() {
                out.push('\n');
                for note in notes {
                    let _ = writeln!(out, "- {}", escape_text(&note));
                }
            }
        }
        out.push('\n');
        let overdue: Vec<_> = status.overdue().collect();
        if overdue.is_empty() {
            out.push_str("No overdue tasks.\n");
        } else {
            let _ = writeln!(out, "#### Overdue tasks ({})\n", overdue.len());
            out.push_str("| Task | Incident | Priority | Due | Issue | Owner |\n");
            out.push_str("| --- | --- | --- | --- | --- | --- |\n");
            for (incident, item) in overdue {
                let issue = match (item.issue, item.url.as_deref().and_then(url_destination)) {
                    (Some(n), Some(url)) => format!("[#{n}]({url})"),
                    (Some(n), None) => format!("#{n}"),
                    (None, _) => "–".to_string(),
                };
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    escape_text(&item.title),
                    escape_text(&incident.title),
                    item.priority
                        .map_or_else(|| "–".to_string(), |p| p.to_string()),
                    item.due.map_or_else(|| "–".to_string(), |d| d.to_string()),
                    issue,
                    item.owner
                        .as_deref()
                        .map_or_else(|| "–".to_string(), escape_text),
                );
            }
        }
        if let Some(note) = super::missing_note(totals.missing) {
            let _ = writeln!(out, "\n{note}");
        }
        if let Some(note) = super::unverified_note(status) {
            let _ = writeln!(out, "\n{}", escape_text(&note));
        }
        out
    }
}

/// The table of incidents: title (linked when `link` gives a destination for the postmortem
/// file), done/total, a progress bar, and the overdue count; with `details`, also the open,
/// dropped and missing counts. Ends with a total row.
pub fn incident_table(
    status: &StatusReport,
    link: &dyn Fn(&IncidentStatus) -> Option<String>,
    details: bool,
) -> String {
    let mut out = String::new();
    // Unverified tasks exist only where evidence is required: the column shows only then.
    let unverified = status.totals.counts.unverified > 0;
    let (extra_header, extra_rule) = if unverified {
        (" Unverified |", " ---: |")
    } else {
        ("", "")
    };
    if details {
        let _ = writeln!(
            out,
            "| Incident | Done | Progress | Open | Dropped | Missing |{extra_header} Overdue |"
        );
        let _ = writeln!(
            out,
            "| --- | ---: | --- | ---: | ---: | ---: |{extra_rule} ---: |"
        );
    } else {
        let _ = writeln!(
            out,
            "| Incident | Done | Progress |{extra_header} Overdue |"
        );
        let _ = writeln!(out, "| --- | ---: | --- |{extra_rule} ---: |");
    }
    let rows = status
        .incidents
        .iter()
        .map(|i| {
            let title = escape_text(&i.title);
            let name = match link(i) {
                Some(dest) => format!("[{title}]({dest})"),
                None => title,
            };
            (name, &i.counts)
        })
        .chain([("**Total**".to_string(), &status.totals.counts)]);
    for (name, c) in rows {
        let bar = progress_bar(c.percent());
        let extra = if unverified {
            format!(" {} |", c.unverified)
        } else {
            String::new()
        };
        if details {
            let _ = writeln!(
                out,
                "| {name} | {}/{} | {bar} | {} | {} | {} |{extra} {} |",
                c.done,
                c.planned(),
                c.open,
                c.dropped,
                c.missing,
                c.overdue
            );
        } else {
            let _ = writeln!(
                out,
                "| {name} | {}/{} | {bar} |{extra} {} |",
                c.done,
                c.planned(),
                c.overdue
            );
        }
    }
    out
}

/// A ten-cell text progress bar and the percentage: `▓▓▓▓░░░░░░ 40%`. A cell fills only when
/// its tenth is complete, so the bar is full only at 100%.
pub fn progress_bar(percent: f64) -> String {
    let filled = ((percent / 10.0).floor().clamp(0.0, 10.0)) as usize;
    format!(
        "{}{} {}",
        "▓".repeat(filled),
        "░".repeat(10 - filled),
        format_percent(percent)
    )
}

/// Escapes text for Markdown (GitHub Flavored, tables included): Markdown punctuation gets a
/// backslash, `<`, `>` and `&` become entities so no HTML tag or comment can form (nor end the
/// README's status section), and line breaks, other control characters and bidirectional
/// overrides become spaces so a cell stays on its row and reads as written.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '|' | '~' | '!' | '#' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c if super::text::acts_on_display(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A relative link destination for a path (`postmortems/2023-05-10-ddos.yaml`): every byte
/// other than letters, digits, `-._~/` is percent-encoded, so it cannot close the link or
/// become a scheme like `javascript:`.
pub fn path_destination(path: &str) -> String {
    percent_encode(path, |b| b.is_ascii_alphanumeric() || b"-._~/".contains(&b))
}

/// A link destination for a URL from GitHub: only `https://` and `http://` URLs are linked;
/// characters that could end the destination are percent-encoded.
pub fn url_destination(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return None;
    }
    Some(percent_encode(url, |b| {
        b.is_ascii_alphanumeric() || b"-._~/:?#@!$&*+,;=%".contains(&b)
    }))
}

fn percent_encode(s: &str, keep: impl Fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::tests::sample_report;

    #[test]
    fn markdown_report_escapes_every_title() {
        let expected = "\
### Corrective actions in acme/web: 2/5 done (40%)

| Incident | Done | Progress | Open | Dropped | Missing | Overdue |
| --- | ---: | --- | ---: | ---: | ---: | ---: |
| DDoS on the web tier | 1/3 | ▓▓▓░░░░░░░ 33.3% | 1 | 1 | 1 | 1 |
| DNS &lt;b&gt;outage&lt;/b&gt; \\| \\[x\\]\\(y\\) | 1/2 | ▓▓▓▓▓░░░░░ 50% | 1 | 0 | 0 | 1 |
| **Total** | 2/5 | ▓▓▓▓░░░░░░ 40% | 2 | 1 | 1 | 2 |

- 2023-07-02-dns cites 1 incident\\(s\\) with open follow-ups: 2023-05-10-ddos \\(2 open\\)

#### Overdue tasks (2)

| Task | Incident | Priority | Due | Issue | Owner |
| --- | --- | --- | --- | --- | --- |
| Task waf | DDoS on the web tier | P1 | 2023-06-07 | [#12](https://github.com/acme/web/issues/12) | octocat |
| &lt;script&gt;&amp;\"'\\| \\] \\( \\[x\\]\\(javascript:alert\\(1\\)\\) | DNS &lt;b&gt;outage&lt;/b&gt; \\| \\[x\\]\\(y\\) | P3 | 2023-08-01 | [#21](https://github.com/acme/web/issues/21) | – |

1 task has no issue yet: run `aftercare sync` to create it.
";
        assert_eq!(MarkdownReport.render(&sample_report()), expected);
    }

    #[test]
    fn unverified_tasks_get_a_column_and_a_note_only_when_there_are_some() {
        let out = MarkdownReport.render(&crate::status::tests::sample_report_with_unverified());
        let expected_table = "\
| Incident | Done | Progress | Open | Dropped | Missing | Unverified | Overdue |
| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |
| DDoS on the web tier | 0/3 | ░░░░░░░░░░ 0% | 1 | 1 | 1 | 1 | 1 |
| DNS &lt;b&gt;outage&lt;/b&gt; \\| \\[x\\]\\(y\\) | 1/2 | ▓▓▓▓▓░░░░░ 50% | 1 | 0 | 0 | 0 | 1 |
| **Total** | 1/5 | ▓▓░░░░░░░░ 20% | 2 | 1 | 1 | 1 | 2 |
";
        assert!(out.contains(expected_table), "{out}");
        assert!(
            out.ends_with(
                "\n1 task is closed as completed without evidence, so not counted as done: \
                 2023-05-10-ddos/pool \\(\\#13\\). Give it \\`verified\\_by\\`, or close it \
                 with a merged pull request.\n"
            ),
            "{out}"
        );
        let plain = MarkdownReport.render(&sample_report());
        assert!(!plain.contains("Unverified") && !plain.contains("evidence"));
    }

    #[test]
    fn incidents_link_to_their_file_on_the_repository_page_when_it_is_known() {
        let mut report = sample_report();
        report.repo_url = Some("https://github.com/acme/web".to_string());
        let out = MarkdownReport.render(&report);
        assert!(out.contains(
            "\n| [DDoS on the web tier](https://github.com/acme/web/blob/HEAD/postmortems/2023-05-10-ddos.yaml) | 1/3 |"
        ), "{out}");
    }

    #[test]
    fn progress_bar_fills_a_cell_per_complete_tenth() {
        assert_eq!(progress_bar(0.0), "░░░░░░░░░░ 0%");
        assert_eq!(progress_bar(40.0), "▓▓▓▓░░░░░░ 40%");
        assert_eq!(progress_bar(99.9), "▓▓▓▓▓▓▓▓▓░ 99.9%");
        assert_eq!(progress_bar(100.0), "▓▓▓▓▓▓▓▓▓▓ 100%");
    }

    #[test]
    fn escaped_text_cannot_form_html_links_images_or_cells() {
        assert_eq!(
            escape_text("<img src=x onerror=alert(1)>&amp;"),
            "&lt;img src=x onerror=alert\\(1\\)&gt;&amp;amp;"
        );
        assert_eq!(
            escape_text("![a](b) | `c` *d* _e_ ~f~ #g $h$ \\"),
            "\\!\\[a\\]\\(b\\) \\| \\`c\\` \\*d\\* \\_e\\_ \\~f\\~ \\#g \\$h\\$ \\\\"
        );
        assert_eq!(escape_text("two\nlines\r"), "two lines ");
    }

    #[test]
    fn link_destinations_cannot_close_the_link_or_carry_a_script() {
        assert_eq!(
            path_destination("postmortems/a b(1).yaml"),
            "postmortems/a%20b%281%29.yaml"
        );
        assert_eq!(
            path_destination("javascript:alert(1)"),
            "javascript%3Aalert%281%29"
        );
        assert_eq!(url_destination("javascript:alert(1)"), None);
        assert_eq!(url_destination("data:text/html,x"), None);
        assert_eq!(
            url_destination("https://github.com/acme/web/issues/1) <x>").as_deref(),
            Some("https://github.com/acme/web/issues/1%29%20%3Cx%3E")
        );
    }
}
