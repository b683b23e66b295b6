//! The text report: a summary line, a table with one row per incident and a total, then the
//! overdue tasks.
//!
//! Text that came from files or from GitHub goes to a terminal, so control characters and
//! bidirectional overrides in it are replaced; nothing else is changed.

use std::fmt::Write as _;

use super::{Report, format_percent};
use crate::status::{Counts, StatusReport};

/// Prints the status as aligned columns.
pub struct TextReport;

const HEADERS: [&str; 8] = [
    "INCIDENT", "TASKS", "DONE", "OPEN", "DROPPED", "MISSING", "OVERDUE", "PERCENT",
];

impl Report for TextReport {
    fn render(&self, status: &StatusReport) -> String {
        let mut out = String::new();
        let totals = &status.totals.counts;
        let unverified = match totals.unverified {
            0 => String::new(),
            n => format!(", {n} unverified"),
        };
        let _ = writeln!(
            out,
            "Corrective actions in {}: {} of {} done ({}){unverified}, {} overdue",
            terminal_safe(&status.repo),
            totals.done,
            totals.planned(),
            format_percent(totals.percent()),
            totals.overdue,
        );
        out.push('\n');
        if status.incidents.is_empty() {
            out.push_str("No published postmortems.\n");
        } else {
            let mut rows: Vec<[String; 8]> = status
                .incidents
                .iter()
                .map(|i| row(&i.id, &i.counts))
                .collect();
            rows.push(row("total", totals));
            let mut widths = HEADERS.map(str::len);
            for r in &rows {
                for (w, cell) in widths.iter_mut().zip(r) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            let header = HEADERS.map(str::to_string);
            write_row(&mut out, &header, &widths, Some("TITLE"));
            for (r, incident) in rows
                .iter()
                .zip(status.incidents.iter().map(Some).chain([None]))
            {
                let title = incident.map(|i| terminal_safe(&i.title));
                write_row(&mut out, r, &widths, title.as_deref());
            }
            let notes = super::related_notes(status);
            if !notes.is_empty() {
                out.push('\n');
                for note in notes {
                    let _ = writeln!(out, "{note}");
                }
            }
        }

        let overdue: Vec<[String; 6]> = status
            .overdue()
            .map(|(incident, item)| {
                [
                    format!("{}/{}", incident.id, item.id),
                    item.priority
                        .map_or_else(|| "-".to_string(), |p| p.to_string()),
                    item.due.map_or_else(String::new, |d| format!("due {d}")),
                    item.issue
                        .map_or_else(|| "-".to_string(), |n| format!("#{n}")),
                    item.owner
                        .as_deref()
                        .map_or_else(|| "-".to_string(), terminal_safe),
                    terminal_safe(&item.title),
                ]
            })
            .collect();
        out.push('\n');
        if overdue.is_empty() {
            out.push_str("No overdue tasks.\n");
        } else {
            let _ = writeln!(out, "Overdue tasks ({}):", overdue.len());
            let mut widths = [0usize; 5];
            for r in &overdue {
                for (w, cell) in widths.iter_mut().zip(r) {
                    *w = (*w).max(cell.chars().count());
                }
            }
            for r in &overdue {
                let mut line = String::new();
                for (cell, w) in r.iter().zip(widths) {
                    let _ = write!(line, "  {cell:<w$}");
                }
                let _ = write!(line, "  {}", r[5]);
                out.push_str(line.trim_end());
                out.push('\n');
            }
        }
        if let Some(note) = super::missing_note(totals.missing) {
            let _ = writeln!(out, "\n{note}");
        }
        if let Some(note) = super::unverified_note(status) {
            let _ = writeln!(out, "\n{}", terminal_safe(&note));
        }
        out
    }
}

fn row(name: &str, c: &Counts) -> [String; 8] {
    [
        name.to_string(),
        c.tasks.to_string(),
        c.done.to_string(),
        c.open.to_string(),
        c.dropped.to_string(),
        c.missing.to_string(),
        c.overdue.to_string(),
        format_percent(c.percent()),
    ]
}

/// The first column left-aligned, the numbers right-aligned, then the title unpadded.
fn write_row(out: &mut String, cells: &[String; 8], widths: &[usize; 8], title: Option<&str>) {
    let mut line = String::new();
    for (n, (cell, w)) in cells.iter().zip(widths).enumerate() {
        if n == 0 {
            let _ = write!(line, "{cell:<w$}");
        } else {
            let _ = write!(line, "  {cell:>w$}");
        }
    }
    if let Some(title) = title {
        let _ = write!(line, "  {title}");
    }
    out.push_str(line.trim_end());
    out.push('\n');
}

/// Whether a character would act on a terminal or reorder the text around it instead of being
/// shown: a control character (escape sequences start with one, line breaks start a line that
/// could pass for another message) or a bidirectional override.
pub fn acts_on_display(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Replaces every character that [`acts_on_display`] with U+FFFD.
pub fn terminal_safe(s: &str) -> String {
    s.chars()
        .map(|c| if acts_on_display(c) { '\u{FFFD}' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::tests::sample_report;

    #[test]
    fn text_report_is_a_table_then_the_overdue_tasks() {
        let expected = "\
Corrective actions in acme/web: 2 of 5 done (40%), 2 overdue

INCIDENT         TASKS  DONE  OPEN  DROPPED  MISSING  OVERDUE  PERCENT  TITLE
2023-05-10-ddos      4     1     1        1        1        1    33.3%  DDoS on the web tier
2023-07-02-dns       2     1     1        0        0        1      50%  DNS <b>outage</b> | [x](y)
total                6     2     2        1        1        2      40%

2023-07-02-dns cites 1 incident(s) with open follow-ups: 2023-05-10-ddos (2 open)

Overdue tasks (2):
  2023-05-10-ddos/waf   P1  due 2023-06-07  #12  octocat  Task waf
  2023-07-02-dns/cache  P3  due 2023-08-01  #21  -        <script>&\"'| ] ( [x](javascript:alert(1))

1 task has no issue yet: run `aftercare sync` to create it.
";
        assert_eq!(TextReport.render(&sample_report()), expected);
    }

    #[test]
    fn unverified_tasks_are_counted_in_the_summary_and_named_in_a_note() {
        let out = TextReport.render(&crate::status::tests::sample_report_with_unverified());
        assert!(
            out.starts_with(
                "Corrective actions in acme/web: 1 of 5 done (20%), 1 unverified, 2 overdue\n"
            ),
            "{out}"
        );
        assert!(
            out.ends_with(
                "\n1 task is closed as completed without evidence, so not counted as done: \
                 2023-05-10-ddos/pool (#13). Give it `verified_by`, or close it with a merged \
                 pull request.\n"
            ),
            "{out}"
        );
    }

    #[test]
    fn text_report_without_incidents_or_overdue_tasks() {
        let mut report = sample_report();
        report.incidents.clear();
        report.totals = Default::default();
        assert_eq!(
            TextReport.render(&report),
            "Corrective actions in acme/web: 0 of 0 done (100%), 0 overdue\n\n\
             No published postmortems.\n\nNo overdue tasks.\n"
        );
    }

    #[test]
    fn terminal_escape_sequences_and_bidi_overrides_are_replaced() {
        assert_eq!(
            terminal_safe("a\u{1b}[31mb\u{202e}c\td"),
            "a\u{FFFD}[31mb\u{FFFD}c\u{FFFD}d"
        );
    }
}
