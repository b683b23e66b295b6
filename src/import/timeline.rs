//! Timeline entries from a timeline section's items: the time each opens with, as written, its
//! kind inferred from the wording, and its event text in the source's words.
//!
//! Pure; dates are not completed here (a time of day stays one until [`crate::import`] knows
//! the incident's dates). A kind is given only when the wording says it; otherwise none.

use crate::import::sections::{Item, collapse, unemphasise};
use crate::import::times::{self, Written};
use crate::model::TimelineKind;

/// One entry as the document writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub line: usize,
    pub written: Option<Written>,
    pub kind: Option<TimelineKind>,
    pub event: String,
}

/// Words that say a path was a wrong one. A bare "assumption" is not among them: an assumption
/// is investigated before it proves wrong, and the source says so when it did.
const MISLEADING: [&str; 10] = [
    "misleading",
    "initially suspected",
    "erroneous",
    "wrongly",
    "mistakenly",
    "red herring",
    "false lead",
    "wrong assumption",
    "incorrect assumption",
    "false assumption",
];
const ESCALATION: [&str; 1] = ["escalat"];
const RESOLUTION: [&str; 5] = [
    "resolved",
    "restored",
    "back to normal",
    "permanent fix",
    "recovered",
];
/// Words that make a restoration partial: a mitigation, not the resolution.
const PARTIAL: [&str; 3] = ["gradually", "partially", "temporar"];
const MITIGATION: [&str; 5] = [
    "mitigat",
    "alleviat",
    "workaround",
    "rolled back",
    "rollback",
];
const DETECTION: [&str; 5] = ["detected", "alert", "noticed", "paged", "reported by"];
const INVESTIGATION: [&str; 5] = ["investigat", "analy", "identified", "examined", "diagnos"];
const COMMUNICATION: [&str; 3] = ["status page", "customers were notified", "announced"];

/// The kind the wording of an event gives, checked from the most specific to the least.
pub fn kind_of(event: &str) -> Option<TimelineKind> {
    let lower = event.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    let kind = if has(&MISLEADING) {
        TimelineKind::Misleading
    } else if has(&ESCALATION) {
        TimelineKind::Escalation
    } else if has(&RESOLUTION) && !has(&PARTIAL) {
        TimelineKind::Resolution
    } else if has(&MITIGATION) || has(&RESOLUTION) {
        TimelineKind::Mitigation
    } else if has(&DETECTION) {
        TimelineKind::Detection
    } else if has(&INVESTIGATION) {
        TimelineKind::Investigation
    } else if has(&COMMUNICATION) {
        TimelineKind::Communication
    } else {
        return None;
    };
    Some(kind)
}

/// The time an item opens with and the event after it, Markdown emphasis removed.
pub fn timed(text: &str) -> Option<(Written, String)> {
    let plain = unemphasise(text);
    let (written, rest) = times::leading(&plain)?;
    Some((written, collapse(rest)))
}

/// A leading `Misleading path:` label, removed when the event goes on after it: the kind says
/// it. Other labels (`Alert: …`) are part of what happened and stay.
fn without_kind_label(event: &str) -> &str {
    if let Some((label, rest)) = event.split_once(": ") {
        let words = label.split_whitespace().count();
        let misleading = label.to_lowercase().starts_with("misleading");
        if words <= 4 && !rest.trim().is_empty() && misleading {
            return rest.trim_start();
        }
    }
    event
}

/// A table row's cells, or `None` for a separator row (`|---|:--|`).
pub fn cells(row: &str) -> Option<Vec<String>> {
    let inner = row.trim().trim_start_matches('|').trim_end_matches('|');
    let cells: Vec<String> = inner.split('|').map(|c| collapse(c.trim())).collect();
    let separator = cells
        .iter()
        .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')));
    (!separator).then_some(cells)
}

/// The entries of a timeline section, in the document's order.
pub fn entries(items: &[Item]) -> Vec<Entry> {
    let mut out = Vec::new();
    for item in items {
        let text = if item.text.starts_with('|') {
            // A table row: the time in the first cell, the event in the others.
            let Some(cells) = cells(&item.text) else {
                continue;
            };
            let first = cells.first().cloned().unwrap_or_default();
            let rest = cells[1..].join(" — ");
            let header = times::find_all(&first).is_empty()
                && ["time", "when", "at", "timestamp"].contains(&first.to_lowercase().as_str());
            if header {
                continue;
            }
            if times::find_all(&first).is_empty() {
                cells.join(" — ")
            } else {
                format!("{first}: {rest}")
            }
        } else {
            item.text.clone()
        };
        let (written, event) = match timed(&text) {
            Some((w, rest)) => (Some(w), rest),
            None => (None, unemphasise(&text)),
        };
        let kind = kind_of(&event);
        let event = without_kind_label(&event).to_string();
        if event.is_empty() {
            continue;
        }
        out.push(Entry {
            line: item.line,
            written,
            kind,
            event,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::sections::Item;

    fn item(line: usize, text: &str) -> Item {
        Item {
            line,
            indent: 0,
            listed: false,
            after_blank: false,
            text: text.to_string(),
        }
    }

    #[test]
    fn kinds_follow_the_wording_and_stay_out_otherwise() {
        let cases = [
            (
                "The issue was detected when an alert fired.",
                Some(TimelineKind::Detection),
            ),
            (
                "An engineer noticed support tickets.",
                Some(TimelineKind::Detection),
            ),
            (
                "The team initially suspected the database.",
                Some(TimelineKind::Misleading),
            ),
            (
                "Misleading assumptions led elsewhere.",
                Some(TimelineKind::Misleading),
            ),
            ("Initial assumption of a DDoS attack.", None),
            (
                "The incident was escalated to the DBAs to investigate.",
                Some(TimelineKind::Escalation),
            ),
            (
                "As a temporary mitigation, the pool was enlarged.",
                Some(TimelineKind::Mitigation),
            ),
            (
                "Temporary fix applied, alleviating the issue.",
                Some(TimelineKind::Mitigation),
            ),
            (
                "Engineers gradually restored service.",
                Some(TimelineKind::Mitigation),
            ),
            (
                "The attack was mitigated and service fully restored.",
                Some(TimelineKind::Resolution),
            ),
            ("The incident was resolved.", Some(TimelineKind::Resolution)),
            ("Logs were analyzed.", Some(TimelineKind::Investigation)),
            ("Despite the temporary fix, the downtime persisted.", None),
        ];
        for (event, kind) in cases {
            assert_eq!(kind_of(event), kind, "{event}");
        }
    }

    #[test]
    fn entries_keep_their_time_and_lose_a_kind_label() {
        let found = entries(&[
            item(1, "**9:00 AM:** The issue was detected."),
            item(2, "Misleading path: Investigation focused on the CDN."),
            item(3, "Misleading investigation paths included scaling up."),
            item(4, "| Time | Event |"),
            item(5, "|---|---|"),
            item(6, "| 14:05 UTC | Paged the on-call |"),
        ]);
        let shown: Vec<(usize, Option<String>, Option<TimelineKind>, &str)> = found
            .iter()
            .map(|e| {
                (
                    e.line,
                    e.written
                        .and_then(|w| w.time)
                        .map(|t| t.format("%H:%M").to_string()),
                    e.kind,
                    e.event.as_str(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            vec![
                (
                    1,
                    Some("09:00".into()),
                    Some(TimelineKind::Detection),
                    "The issue was detected."
                ),
                (
                    2,
                    None,
                    Some(TimelineKind::Misleading),
                    "Investigation focused on the CDN."
                ),
                (
                    3,
                    None,
                    Some(TimelineKind::Misleading),
                    "Misleading investigation paths included scaling up."
                ),
                (
                    6,
                    Some("14:05".into()),
                    Some(TimelineKind::Detection),
                    "Paged the on-call"
                ),
            ]
        );
    }
}
