//! `aftercare import`: prose postmortems (plain text, Markdown, wiki and document exports)
//! turned into draft postmortem files, deterministically and without a network.
//!
//! [`import`] reads one document: [`sections`] finds its title and headings, [`times`] its
//! durations and times, [`timeline`] its timeline entries and their kinds, [`tasks`] its
//! measures and tasks, and [`emit`] writes the YAML, which is then loaded back through
//! [`crate::format`] so that a draft that would not pass `check` is never returned. Nothing is
//! invented: a field the document does not give stays out, and text with no place in the
//! format goes to `lessons` under a note and is reported as a warning with its line. This
//! module is pure: reading and writing files is the command's business.

pub mod emit;
pub mod sections;
pub mod tasks;
pub mod timeline;
pub mod times;

use std::collections::HashSet;
use std::path::PathBuf;

use chrono::{FixedOffset, NaiveDate, NaiveTime, TimeZone};

use crate::model::{Measure, Moment, Position, TimelineEntry, TimelineKind};
use sections::{Item, Kind, Section};
use tasks::{DraftTask, Lists};
use times::{Range, Written};

/// The most bytes a document may have: a draft is a postmortem file, which `check` reads only
/// up to this size.
pub const MAX_DOCUMENT_BYTES: u64 = crate::format::MAX_FILE_BYTES;

/// The postmortem read from a document, before it is written as YAML.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub id: String,
    pub title: String,
    pub started: Option<Moment>,
    pub ended: Option<Moment>,
    pub detected: Option<Moment>,
    pub detection: Option<String>,
    pub impact: String,
    pub users_affected_percent: Option<f64>,
    pub root_cause: String,
    pub resolution: Option<String>,
    pub timeline: Vec<TimelineEntry>,
    pub lessons: Option<String>,
    pub measures: Vec<Measure>,
    pub tasks: Vec<DraftTask>,
}

/// A section found in the document: its heading as written, its line, and where its text went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub line: usize,
    pub to: &'static str,
}

/// Something a reviewer should look at, at a line of the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub line: usize,
    pub message: String,
}

/// A document imported: the draft, its YAML text, and the report of how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    pub draft: Draft,
    pub yaml: String,
    pub sections: Vec<Found>,
    pub warnings: Vec<Notice>,
}

/// Why a document cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the file is empty")]
    Empty,
    #[error(
        "the file is larger than 1 MiB ({MAX_DOCUMENT_BYTES} bytes), the most a postmortem file may have"
    )]
    TooLarge,
    #[error("binary data, not a text document (a NUL byte)")]
    Binary { at: Position },
    #[error("the file is UTF-16 or UTF-32 (it starts with a byte order mark); save it as UTF-8")]
    Utf16,
    #[error("not UTF-8 text (an invalid byte); save it as UTF-8")]
    NotUtf8 { at: Position },
    #[error(
        "not a postmortem: {found} of the sections a postmortem has (summary, impact, timeline, root cause, resolution, measures, tasks, lessons) found, at least 2 needed"
    )]
    NotAPostmortem { found: usize },
    #[error("the draft would be larger than 1 MiB, the most a postmortem file may have")]
    DraftTooLarge,
    #[error("the draft would not pass `check`: {0}")]
    Invalid(String),
}

impl Refusal {
    /// Where in the document the problem is, when it is at one place.
    pub fn position(&self) -> Option<Position> {
        match self {
            Refusal::Binary { at } | Refusal::NotUtf8 { at } => Some(*at),
            _ => None,
        }
    }
}

fn position_of(bytes: &[u8], offset: usize) -> Position {
    let before = &bytes[..offset];
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let start = before
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    Position { line, column }
}

/// The document as text: UTF-8, without a byte order mark, with characters a postmortem file
/// may not hold (controls, line and paragraph separators) read as spaces.
fn decode(bytes: &[u8]) -> Result<String, Refusal> {
    if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(Refusal::TooLarge);
    }
    if [&b"\xFF\xFE"[..], b"\xFE\xFF"]
        .iter()
        .any(|bom| bytes.starts_with(bom))
    {
        return Err(Refusal::Utf16);
    }
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        return Err(Refusal::Binary {
            at: position_of(bytes, nul),
        });
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = std::str::from_utf8(bytes).map_err(|e| Refusal::NotUtf8 {
        at: position_of(bytes, e.valid_up_to()),
    })?;
    if text.trim().is_empty() {
        return Err(Refusal::Empty);
    }
    let text = text.replace("\r\n", "\n");
    Ok(text
        .chars()
        .map(|c| match c {
            '\n' | '\t' => c,
            '\r' => '\n',
            '\u{85}' | '\u{2028}' | '\u{2029}' | '\u{FEFF}' | '\u{FFFE}' | '\u{FFFF}' => ' ',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect())
}

/// Paragraphs joined by a blank line; `None` when there are none.
fn paragraphs(parts: &[String]) -> Option<String> {
    let kept: Vec<&str> = parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect();
    (!kept.is_empty()).then(|| kept.join("\n\n"))
}

/// Whether a line always starts an item: a timeline line opening with a time, a `Task:` line or
/// a table row.
fn starts_item(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    timeline::timed(text).is_some() || lower.starts_with("task:") || text.starts_with('|')
}

/// The share of users affected: the first `N%` (or `N percent`) followed closely by a word for
/// users.
fn users_affected(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit()
            || (i > 0 && (bytes[i - 1].is_ascii_digit() || bytes[i - 1] == b'.'))
        {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let number = text[start..i].trim_end_matches('.');
        let rest = &text[i..];
        let after = rest
            .strip_prefix('%')
            .or_else(|| rest.strip_prefix(" %"))
            .or_else(|| rest.strip_prefix(" percent"));
        let Some(after) = after else { continue };
        let near: String = after
            .split_whitespace()
            .take(5)
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase();
        let about_users = ["user", "customer", "client", "visitor", "subscriber"]
            .iter()
            .any(|w| near.contains(w));
        if let (true, Ok(value)) = (about_users, number.parse::<f64>()) {
            if (0.0..=100.0).contains(&value) {
                return Some(value);
            }
        }
    }
    None
}

/// Words that may stand in a duration beside its times without being worth keeping apart.
fn only_times(text: &str, range: &Range) -> bool {
    let mut rest = String::new();
    rest.push_str(&text[..range.from.start]);
    rest.push(' ');
    rest.push_str(&text[range.from.end..range.to.start]);
    rest.push(' ');
    rest.push_str(&text[range.to.end..]);
    rest.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| {
            [
                "from", "to", "until", "till", "through", "and", "on", "between",
            ]
            .contains(&w.to_lowercase().as_str())
        })
}

/// A time of day as UTC, from one written in `zone`.
fn utc_time(time: NaiveTime, zone: FixedOffset) -> NaiveTime {
    time.overflowing_sub_signed(chrono::TimeDelta::seconds(i64::from(
        zone.local_minus_utc(),
    )))
    .0
}

fn date_time(date: NaiveDate, time: NaiveTime, zone: FixedOffset) -> Option<Moment> {
    zone.from_local_datetime(&date.and_time(time))
        .single()
        .map(Moment::DateTime)
}

/// A written time in the format's forms: a date-time when it has a date and a time, a date, or
/// a time of day in UTC.
fn moment_of(w: &Written, zone: FixedOffset) -> Option<Moment> {
    let zone = w.zone.unwrap_or(zone);
    match (w.date, w.time) {
        (Some(d), Some(t)) => date_time(d, t, zone),
        (Some(d), None) => Some(Moment::Date(d)),
        (None, Some(t)) => Some(Moment::TimeOfDay(utc_time(t, zone))),
        (None, None) => None,
    }
}

/// Strips `Postmortem:` and the like from a title line.
fn title_of(line: &str) -> String {
    let mut t = line.trim();
    for prefix in [
        "incident postmortem",
        "postmortem",
        "post-mortem",
        "post mortem",
        "incident report",
    ] {
        if t.len() > prefix.len() && t.is_char_boundary(prefix.len()) {
            let (head, rest) = t.split_at(prefix.len());
            if head.eq_ignore_ascii_case(prefix) {
                let rest = rest.trim_start();
                if let Some(after) = rest
                    .strip_prefix(':')
                    .or_else(|| rest.strip_prefix('-'))
                    .or_else(|| rest.strip_prefix('–'))
                {
                    t = after.trim();
                    break;
                }
            }
        }
    }
    sections::collapse(t)
}

#[derive(Default)]
struct Builder {
    impact: Vec<String>,
    root_cause: Vec<String>,
    resolution: Vec<String>,
    detection: Vec<String>,
    lessons: Vec<String>,
    notes: Vec<String>,
    entries: Vec<timeline::Entry>,
    duration: Option<(Range, usize, String)>,
    /// The incident's day, given apart from its times (`Date: 2023-11-02`), with its line.
    date: Option<(NaiveDate, usize)>,
    lists: Lists,
    found: Vec<Found>,
    warnings: Vec<Notice>,
}

impl Builder {
    fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.warnings.push(Notice {
            line,
            message: message.into(),
        });
    }

    /// Text with no place in the format: kept in `lessons` under a note, and reported.
    fn unplaced(&mut self, line: usize, under: &str, text: String, why: &str) {
        self.notes.push(format!(
            "Not placed by the import (line {line}, {under}):\n{text}"
        ));
        self.warn(
            line,
            format!("{why}; its text is in `lessons` under a note"),
        );
    }

    fn section(&mut self, section: &Section<'_>) {
        self.found.push(Found {
            name: section.name.clone(),
            line: section.line,
            to: section.kind.target(),
        });
        let items = sections::items(&section.body, starts_item);
        match section.kind {
            Kind::Summary => {
                if self.duration.is_none() {
                    for item in &items {
                        if let Some(range) = times::range(&item.text) {
                            self.duration = Some((range, item.line, item.text.clone()));
                            break;
                        }
                    }
                }
                self.impact.push(sections::prose(&items));
            }
            Kind::Duration => {
                let text = sections::prose(&items);
                match times::range(&text) {
                    Some(range) if self.duration.is_none() => {
                        if !only_times(&text, &range) {
                            self.impact.insert(0, text.clone());
                        }
                        self.duration = Some((range, section.line, text));
                    }
                    _ => {
                        if !text.is_empty() {
                            self.warn(
                                section.line,
                                "no start and end time found in the duration; its text is in `impact.summary`",
                            );
                            self.impact.insert(0, text);
                        }
                    }
                }
            }
            Kind::Date => {
                let text = sections::prose(&items);
                let found = times::find_all(&text);
                match found.as_slice() {
                    [one] if one.date.is_some() && self.date.is_none() => {
                        self.date = one.date.map(|d| (d, section.line));
                    }
                    _ => {
                        if !text.is_empty() {
                            self.unplaced(
                                section.line,
                                "the date",
                                text,
                                "no single date found in the date",
                            );
                        }
                    }
                }
            }
            Kind::Impact => self.impact.push(sections::prose(&items)),
            Kind::Detection => self.detection.push(sections::prose(&items)),
            Kind::Timeline => {
                // A zone named in the heading (`Timeline (all times PDT)`) is the entries'.
                let zone = times::zone_named(&section.name);
                self.entries
                    .extend(timeline::entries(&items).into_iter().map(|mut e| {
                        if let Some(w) = e.written.as_mut() {
                            w.zone = w.zone.or(zone);
                        }
                        e
                    }));
            }
            Kind::RootCause => self.root_cause.push(sections::prose(&items)),
            Kind::Resolution => self.resolution_section(&items),
            Kind::RootCauseAndResolution => {
                let mut groups: Vec<Vec<Item>> = Vec::new();
                for item in items {
                    match groups.last_mut() {
                        Some(g) if !item.after_blank => g.push(item),
                        _ => groups.push(vec![item]),
                    }
                }
                for (i, group) in groups.iter().enumerate() {
                    let text = sections::prose(group);
                    if i == 0 {
                        self.root_cause.push(text);
                    } else {
                        self.resolution.push(text);
                    }
                }
            }
            Kind::Measures => self.lists.read(&items, true),
            Kind::Tasks => self.lists.read(&items, false),
            Kind::Lessons => self.lessons.push(sections::prose(&items)),
            Kind::Unknown => {
                if !items.is_empty() {
                    let under = format!("under \"{}\"", section.name);
                    self.unplaced(
                        section.line,
                        &under,
                        sections::prose(&items),
                        &format!(
                            "the section \"{}\" has no place in the format",
                            section.name
                        ),
                    );
                }
            }
        }
    }

    /// A resolution section: timed items are timeline entries (and, when there is no other text,
    /// the resolution), an item labelled `Root cause…:` is root cause, the rest is resolution.
    fn resolution_section(&mut self, items: &[Item]) {
        let mut rest: Vec<Item> = Vec::new();
        let mut timed: Vec<String> = Vec::new();
        for item in items {
            if timeline::timed(&item.text).is_some() {
                let entries = timeline::entries(std::slice::from_ref(item));
                timed.extend(entries.iter().map(|e| e.event.clone()));
                self.entries.extend(entries);
                continue;
            }
            let plain = sections::unemphasise(&item.text);
            if let Some((label, text)) = plain.split_once(':') {
                let label = label.trim().to_lowercase();
                if label.starts_with("root cause") && label.split_whitespace().count() <= 3 {
                    self.root_cause.push(text.trim().to_string());
                    continue;
                }
            }
            rest.push(Item {
                after_blank: item.after_blank && !rest.is_empty(),
                ..item.clone()
            });
        }
        let prose = sections::prose(&rest);
        if prose.trim().is_empty() {
            self.resolution.push(timed.join(" "));
        } else {
            self.resolution.push(prose);
        }
    }
}

/// The timeline in the format's time forms, and when the incident was detected (the first
/// detection entry's time, with the incident's date when it has one). A time of day stays one,
/// except after midnight in an incident whose duration crosses it, where it takes the next
/// date; an entry written with a date keeps it.
fn place_in_time(
    entries: &[timeline::Entry],
    zone: FixedOffset,
    started: Option<Moment>,
    ended: Option<Moment>,
) -> (Vec<TimelineEntry>, Option<Moment>) {
    let start_date = started.and_then(|m| m.date());
    let end_date = ended.and_then(|m| m.date());
    let crosses = matches!((start_date, end_date), (Some(s), Some(e)) if e > s);
    let mut day: u64 = 0;
    let mut last: Option<NaiveTime> = None;
    let mut detected = None;
    let mut timeline = Vec::new();
    for entry in entries {
        let mut at = None;
        let mut full = None;
        if let Some(w) = entry.written {
            match (w.date, w.time) {
                (None, Some(t)) => {
                    if crosses && last.is_some_and(|l| t < l) {
                        day += 1;
                    }
                    last = Some(t);
                    let date = start_date
                        .and_then(|d| d.checked_add_days(chrono::Days::new(day)))
                        .filter(|d| end_date.is_none_or(|e| *d <= e));
                    let dated = date.and_then(|d| date_time(d, t, w.zone.unwrap_or(zone)));
                    at = if day > 0 {
                        dated.or(moment_of(&w, zone))
                    } else {
                        moment_of(&w, zone)
                    };
                    full = dated.or(at);
                }
                _ => {
                    if let (Some(d), Some(t), Some(s)) = (w.date, w.time, start_date) {
                        day = u64::try_from((d - s).num_days()).unwrap_or(0);
                        last = Some(t);
                    }
                    at = moment_of(&w, zone);
                    full = at;
                }
            }
        }
        if detected.is_none() && entry.kind == Some(TimelineKind::Detection) {
            detected = full;
        }
        timeline.push(TimelineEntry {
            at,
            kind: entry.kind,
            event: entry.event.clone(),
        });
    }
    (timeline, detected)
}

/// Reads one document into a draft postmortem whose file starts with `schema_line` (the line
/// that points editors at the JSON Schema, which depends on where the draft is written).
pub fn import(bytes: &[u8], schema_line: &str) -> Result<Imported, Refusal> {
    let text = decode(bytes)?;
    let outline = sections::outline(&text);
    let kinds: HashSet<Kind> = outline
        .sections
        .iter()
        .map(|s| s.kind)
        .filter(|k| *k != Kind::Unknown)
        .collect();
    if kinds.len() < 2 {
        return Err(Refusal::NotAPostmortem { found: kinds.len() });
    }
    let mut b = Builder::default();

    let preamble: Vec<Item> = sections::items(&outline.preamble, starts_item);
    if let Some(first) = preamble.first() {
        b.unplaced(
            first.line,
            "before the first heading",
            sections::prose(&preamble),
            "text before the first heading has no place in the format",
        );
    }
    for section in &outline.sections {
        b.section(section);
    }

    let title = match &outline.title {
        Some((line, _)) => {
            let t = title_of(line);
            if t.is_empty() {
                sections::collapse(line)
            } else {
                t
            }
        }
        None => String::new(),
    };
    let title = if title.is_empty() {
        b.warn(
            1,
            "the document has no title line; the draft's title is a TODO",
        );
        "TODO: a title".to_string()
    } else if title.chars().count() > crate::format::validate::MAX_TITLE_CHARS {
        let line = outline.title.as_ref().map_or(1, |t| t.1);
        b.warn(
            line,
            "the title is longer than 200 characters; the draft keeps its start",
        );
        title
            .chars()
            .take(crate::format::validate::MAX_TITLE_CHARS)
            .collect()
    } else {
        title
    };

    // The zone: the duration's, else the first one written in the timeline, else UTC.
    let written_zone = b
        .duration
        .as_ref()
        .and_then(|(r, _, _)| r.from.zone.or(r.to.zone))
        .or_else(|| {
            b.entries
                .iter()
                .find_map(|e| e.written.and_then(|w| w.zone))
        });
    let any_time = b.duration.is_some()
        || b.entries
            .iter()
            .any(|e| e.written.is_some_and(|w| w.time.is_some()));
    if written_zone.is_none() && any_time {
        let line = b
            .duration
            .as_ref()
            .map(|(_, l, _)| *l)
            .or_else(|| {
                b.entries
                    .iter()
                    .find(|e| e.written.is_some())
                    .map(|e| e.line)
            })
            .unwrap_or(1);
        b.warn(
            line,
            "the document names no time zone; its times are read as UTC",
        );
    }
    let utc = FixedOffset::east_opt(0).expect("zero is a valid offset");
    let zone = written_zone.unwrap_or(utc);

    let (mut started, mut ended) = (None, None);
    if let Some((range, line, text)) = &b.duration {
        let mut range = *range;
        // Times of day take the date the document gives apart from them.
        if let (Some((day, _)), None, None) = (b.date, range.from.date, range.to.date) {
            range.from.date = Some(day);
            let past_midnight =
                matches!((range.from.time, range.to.time), (Some(f), Some(t)) if t < f);
            range.to.date = if past_midnight {
                day.succ_opt()
            } else {
                Some(day)
            };
        }
        started = moment_of(&range.from, zone);
        ended = moment_of(&range.to, zone);
        if let (Some(Moment::TimeOfDay(s)), Some(Moment::TimeOfDay(e))) = (started, ended) {
            if e < s {
                ended = None;
                let (line, text) = (*line, text.clone());
                if !b.impact.iter().any(|p| p.contains(&text)) {
                    b.impact.insert(0, text);
                }
                b.warn(
                    line,
                    "the incident ends after midnight but the document gives no date; `ended` is left out",
                );
            }
        }
    }

    if started.is_none() {
        started = b.date.map(|(d, _)| Moment::Date(d));
    }
    let (timeline, detected) = place_in_time(&b.entries, zone, started, ended);

    let mut lessons = b.lessons.clone();
    lessons.extend(b.lists.remarks.iter().map(|(_, r)| r.clone()));
    lessons.extend(b.notes.iter().cloned());

    let mut impact = paragraphs(&b.impact);
    let percent = impact.as_deref().and_then(users_affected);
    if impact.is_none() {
        b.warn(
            1,
            "the document describes no impact; the draft's `impact.summary` is a TODO",
        );
        impact = Some("TODO: what users saw, and for how long".into());
    }
    let root_cause = paragraphs(&b.root_cause).unwrap_or_else(|| {
        b.warn(
            1,
            "the document gives no root cause; the draft's `root_cause` is a TODO",
        );
        "TODO: why it happened".into()
    });

    let id = crate::scaffold::id_for(started.and_then(|m| m.date()), &title);
    let draft = Draft {
        id,
        title,
        started,
        ended,
        detected,
        detection: paragraphs(&b.detection),
        impact: impact.unwrap_or_default(),
        users_affected_percent: percent,
        root_cause,
        resolution: paragraphs(&b.resolution),
        timeline,
        lessons: paragraphs(&lessons),
        measures: b.lists.measures.clone(),
        tasks: b.lists.tasks.clone(),
    };
    let yaml = emit::yaml(&draft, schema_line);
    if yaml.len() as u64 > MAX_DOCUMENT_BYTES {
        return Err(Refusal::DraftTooLarge);
    }
    let file = format!("{}.yaml", draft.id);
    let validated = crate::format::load_source(&file, PathBuf::from(&file), yaml.as_bytes());
    if validated.postmortem.is_none() {
        let first = validated
            .diagnostics
            .iter()
            .find(|d| d.is_error())
            .map_or_else(
                || "no postmortem was read back".to_string(),
                |d| d.to_string(),
            );
        return Err(Refusal::Invalid(first));
    }
    let mut warnings = b.warnings;
    warnings.sort_by_key(|w| w.line);
    Ok(Imported {
        draft,
        yaml,
        sections: b.found,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "# yaml-language-server: $schema=../postmortem.schema.json";

    fn draft(text: &str) -> Imported {
        import(text.as_bytes(), SCHEMA).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    fn shown(m: Option<Moment>) -> Option<String> {
        m.map(|m| m.to_string())
    }

    #[test]
    fn a_time_of_day_after_midnight_takes_the_next_date_only_when_the_duration_crosses_it() {
        let crossing = draft(
            "Summary:\nDuration: May 10, 2023, 22:00 UTC to May 11, 2023, 01:00 UTC\n\
             Timeline:\n22:00 UTC: Alert fired.\n23:30: Escalated.\n00:40: Service restored.\n",
        );
        let at: Vec<Option<String>> = crossing
            .draft
            .timeline
            .iter()
            .map(|e| shown(e.at))
            .collect();
        assert_eq!(
            at,
            [
                Some("22:00".into()),
                Some("23:30".into()),
                Some("2023-05-11T00:40:00Z".into())
            ]
        );
        assert_eq!(
            shown(crossing.draft.detected).as_deref(),
            Some("2023-05-10T22:00:00Z")
        );

        // Without dates, nothing gets one; an end before the start is left out and said so.
        let undated = draft(
            "Night outage\nSummary:\nDuration: 22:00 - 01:00 (UTC)\nTimeline:\n22:00: Alert fired.\n\
             00:40: Service restored.\nRoot Cause:\nA bug.\n",
        );
        assert_eq!(shown(undated.draft.started).as_deref(), Some("22:00"));
        assert_eq!(undated.draft.ended, None);
        assert_eq!(
            undated
                .draft
                .timeline
                .iter()
                .map(|e| shown(e.at))
                .collect::<Vec<_>>(),
            [Some("22:00".to_string()), Some("00:40".to_string())]
        );
        assert_eq!(undated.draft.impact, "22:00 - 01:00 (UTC)");
        assert_eq!(
            undated.warnings,
            vec![Notice {
                line: 3,
                message: "the incident ends after midnight but the document gives no date; `ended` is left out".into()
            }]
        );
    }

    #[test]
    fn a_written_zone_is_kept_with_a_date_and_converted_without_one() {
        let dated = draft(
            "Summary:\nDuration: March 9, 2024, 9:00 AM PST to March 9, 2024, 11:00 AM PST\nRoot Cause:\nA bug.\n",
        );
        assert_eq!(
            shown(dated.draft.started).as_deref(),
            Some("2024-03-09T09:00:00-08:00")
        );
        assert_eq!(
            shown(dated.draft.ended).as_deref(),
            Some("2024-03-09T11:00:00-08:00")
        );
        let undated = draft(
            "Paging\nTimeline:\n9:00 AM (EST): Paged.\nImpact:\nNone.\nRoot Cause:\nA bug.\n",
        );
        assert_eq!(
            shown(undated.draft.timeline[0].at).as_deref(),
            Some("14:00")
        );
        assert_eq!(undated.warnings, vec![]);
    }

    #[test]
    fn a_date_given_apart_dates_the_times_and_a_zone_in_the_heading_applies() {
        let d = draft(
            "API latency\nDate: 2023-11-02\nSummary\nSlow API.\n\nTimeline (all times PDT)\n\
             10:32 AM – Latency alert paged the on-call.\nRoot cause\nN+1 queries.\n",
        );
        assert_eq!(shown(d.draft.started).as_deref(), Some("2023-11-02"));
        assert_eq!(shown(d.draft.timeline[0].at).as_deref(), Some("17:32"));
        assert_eq!(
            shown(d.draft.detected).as_deref(),
            Some("2023-11-02T10:32:00-07:00")
        );
        assert_eq!(d.draft.id, "2023-11-02-api-latency");
        assert_eq!(d.warnings, vec![]);
        let ranged =
            draft("Night\nDate: 2023-11-02\nDuration: 23:00 to 01:00 UTC\nRoot cause:\nA bug.\n");
        assert_eq!(
            shown(ranged.draft.started).as_deref(),
            Some("2023-11-02T23:00:00Z")
        );
        assert_eq!(
            shown(ranged.draft.ended).as_deref(),
            Some("2023-11-03T01:00:00Z")
        );
    }

    #[test]
    fn the_share_of_users_is_read_only_when_it_is_about_users() {
        for (text, expected) in [
            ("Approximately 30% of the users were affected.", Some(30.0)),
            ("affecting 30% of users", Some(30.0)),
            (
                "CPU at 95% for an hour; 12.5 percent of customers saw errors.",
                Some(12.5),
            ),
            ("Error rate rose by 400% of baseline.", None),
            ("250% of users", None),
        ] {
            assert_eq!(users_affected(text), expected, "{text}");
        }
    }

    #[test]
    fn a_duration_sentence_stays_in_the_impact_and_bare_times_do_not() {
        let sentence = draft(
            "Summary:\nDuration: The outage lasted 2 hours, from 10:00 to 12:00 (UTC).\nImpact: Slow pages.\n",
        );
        assert_eq!(
            sentence.draft.impact,
            "The outage lasted 2 hours, from 10:00 to 12:00 (UTC).\n\nSlow pages."
        );
        let bare = draft("Summary:\nDuration: 10:00 to 12:00 UTC\nImpact: Slow pages.\n");
        assert_eq!(bare.draft.impact, "Slow pages.");
        assert_eq!(shown(bare.draft.ended).as_deref(), Some("12:00"));
    }

    #[test]
    fn root_cause_and_resolution_without_labels_split_by_paragraph() {
        let d = draft(
            "Timeline:\n10:00 UTC: Alert.\n\nRoot Cause and Resolution:\n\nA full disk.\n\nWe freed space.\nAnd added a disk.\n",
        );
        assert_eq!(d.draft.root_cause, "A full disk.");
        assert_eq!(
            d.draft.resolution.as_deref(),
            Some("We freed space. And added a disk.")
        );
    }

    #[test]
    fn what_the_document_does_not_give_stays_out_or_is_a_marked_todo() {
        let d = draft("Timeline:\nSomething happened.\nTasks:\n- Fix it.\n");
        assert_eq!(d.draft.started, None);
        assert_eq!(d.draft.detected, None);
        assert_eq!(d.draft.title, "TODO: a title");
        assert_eq!(d.draft.id, "todo-a-title");
        assert_eq!(
            d.warnings
                .iter()
                .map(|w| (w.line, w.message.as_str()))
                .collect::<Vec<_>>(),
            [
                (
                    1,
                    "the document has no title line; the draft's title is a TODO"
                ),
                (
                    1,
                    "the document describes no impact; the draft's `impact.summary` is a TODO"
                ),
                (
                    1,
                    "the document gives no root cause; the draft's `root_cause` is a TODO"
                ),
            ]
        );
        assert!(
            d.yaml
                .contains("\nroot_cause: |\n  TODO: why it happened\n")
        );
    }

    #[test]
    fn no_input_makes_it_panic_and_every_draft_loads() {
        let pieces = [
            "# Postmortem: x",
            "## Timeline:",
            "Timeline",
            "--------",
            "**Tasks:**",
            "Tasks:",
            "Root Cause:",
            "Resolution",
            "Summary",
            "Impact: 50% of users",
            "Duration:",
            "May 10, 2023, 23:00 UTC to May 11, 2023, 01:00 UTC",
            "14:00: detected",
            "12:60 PM:",
            "24:00 - 99:99",
            "- ",
            "* a",
            "1. ",
            "1) b",
            "| a | b |",
            "|---|",
            "| Task | Owner | Due |",
            "| x | @bad--login | 2023-02-30 |",
            "Task:",
            "Task: y",
            "Name:",
            "N: d",
            ":",
            "::",
            "**",
            "*",
            "#",
            "By implementing",
            "\t\tindented",
            "é",
            "🙂 emoji",
            "\u{202E}rtl",
            "\u{2028}",
            "\r",
            "z",
            "2023-05-10T",
            "PM",
            "UTC",
            "Misleading path:",
            "escalated",
            "a.m.",
            "Sept 31, 2023",
            "0:00 AM",
            "13:00 PM",
            "title: [not yaml",
            "- id: x",
            "\"quoted\" # not a comment",
            "&anchor *alias",
        ];
        let mut rng = fastrand::Rng::with_seed(14);
        for round in 0..1500 {
            let mut text = String::new();
            for _ in 0..rng.usize(0..40) {
                if rng.u8(..) < 8 {
                    text.push(char::from(rng.u8(0..128)));
                } else {
                    text.push_str(pieces[rng.usize(..pieces.len())]);
                }
                text.push(if rng.bool() { '\n' } else { ' ' });
            }
            if let Ok(done) = import(text.as_bytes(), SCHEMA) {
                let loaded =
                    crate::format::load_source("x.yaml", "x.yaml".into(), done.yaml.as_bytes());
                assert!(
                    loaded.postmortem.is_some(),
                    "round {round}: {text:?}\n{}",
                    done.yaml
                );
            }
        }
        let mut rng = fastrand::Rng::with_seed(15);
        for _ in 0..500 {
            let bytes: Vec<u8> = (0..rng.usize(0..200)).map(|_| rng.u8(..)).collect();
            let _ = import(&bytes, SCHEMA);
        }
    }
}
