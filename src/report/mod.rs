//! Reports of the status: text, JSON and Markdown, behind one [`Report`] abstraction, plus the
//! GitHub workflow annotations for overdue tasks, and the web [`site`], which renders the
//! postmortems themselves together with their status as pages. The report of `aftercare import`
//! is in [`import`], with its own renderers picked the same way.
//!
//! A renderer is picked once ([`for_format`]) and turns a [`StatusReport`] into the text to
//! print. Renderers are pure formatting: they never compute counts (that is
//! [`crate::status`]), never read files or the environment, and never write anything. Every
//! string that came from a file or from GitHub is escaped for the format it is written into.

pub mod annotations;
pub mod import;
pub mod json;
pub mod markdown;
pub mod remind;
pub mod site;
pub mod sync;
pub mod text;

use crate::status::{IncidentStatus, StatusReport};

/// The formats `status --format` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table for people: one row per incident, then the overdue tasks.
    Text,
    /// The documented JSON interface for dashboards and the Action.
    Json,
    /// The same as the text report, as Markdown (for a job summary or a comment).
    Markdown,
}

/// Something that turns a status into the text to print.
pub trait Report {
    /// The whole output, ending with a newline.
    fn render(&self, status: &StatusReport) -> String;
}

/// The renderer of a format.
pub fn for_format(format: Format) -> Box<dyn Report> {
    match format {
        Format::Text => Box::new(text::TextReport),
        Format::Json => Box::new(json::JsonReport),
        Format::Markdown => Box::new(markdown::MarkdownReport),
    }
}

/// A percentage as people write it: one decimal, none when it is whole (`12.5%`, `40%`).
pub fn format_percent(percent: f64) -> String {
    if percent.fract() == 0.0 {
        format!("{percent:.0}%")
    } else {
        format!("{percent:.1}%")
    }
}

/// The line that tells people tasks have no issue yet, when some have none.
pub fn missing_note(missing: usize) -> Option<String> {
    match missing {
        0 => None,
        1 => Some("1 task has no issue yet: run `aftercare sync` to create it.".to_string()),
        n => Some(format!(
            "{n} tasks have no issue yet: run `aftercare sync` to create them."
        )),
    }
}

/// The note about tasks closed as completed without the evidence `require_evidence` asks
/// for, naming each (`pm/task`, and its issue), when there are any.
pub fn unverified_note(status: &StatusReport) -> Option<String> {
    let tasks: Vec<String> = status
        .incidents
        .iter()
        .flat_map(|incident| incident.items.iter().map(move |item| (incident, item)))
        .filter(|(_, item)| item.state == crate::status::TaskState::Unverified)
        .map(|(incident, item)| match &item.reference {
            Some(reference) => format!("{}/{} ({reference})", incident.id, item.id),
            None => format!("{}/{}", incident.id, item.id),
        })
        .collect();
    let (count, verb) = match tasks.len() {
        0 => return None,
        1 => ("1 task is".to_string(), "it"),
        n => (format!("{n} tasks are"), "them"),
    };
    Some(format!(
        "{count} closed as completed without evidence, so not counted as done: {}. Give {verb} \
         `verified_by`, or close {verb} with a merged pull request.",
        tasks.join(", ")
    ))
}

/// The lines that say which incidents cite earlier incidents whose follow-ups are still open:
/// `2023-07-02-dns cites 1 incident(s) with open follow-ups: 2023-05-10-ddos (2 open)`. Ids
/// match `[a-z0-9-]`, so they are safe in every format.
pub fn related_notes(status: &StatusReport) -> Vec<String> {
    status.incidents.iter().filter_map(related_note).collect()
}

fn related_note(incident: &IncidentStatus) -> Option<String> {
    let cited: Vec<String> = incident
        .related
        .iter()
        .filter(|r| r.open > 0)
        .map(|r| format!("{} ({} open)", r.id, r.open))
        .collect();
    (!cited.is_empty()).then(|| {
        format!(
            "{} cites {} incident(s) with open follow-ups: {}",
            incident.id,
            cited.len(),
            cited.join(", ")
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_missing_note_agrees_in_number_and_is_absent_at_zero() {
        assert_eq!(missing_note(0), None);
        assert_eq!(
            missing_note(1).as_deref(),
            Some("1 task has no issue yet: run `aftercare sync` to create it.")
        );
        assert_eq!(
            missing_note(34).as_deref(),
            Some("34 tasks have no issue yet: run `aftercare sync` to create them.")
        );
    }

    #[test]
    fn percent_shows_one_decimal_unless_whole() {
        assert_eq!(format_percent(12.5), "12.5%");
        assert_eq!(format_percent(40.0), "40%");
        assert_eq!(format_percent(100.0), "100%");
        assert_eq!(format_percent(9.1), "9.1%");
    }
}
