//! Finding the sections of a prose postmortem: its title, its headings in the forms people
//! write them (Markdown `#`, underlined, bold, a plain line ending in a colon, a bare known
//! name, or a `Label: text` line), and the items under each (bullets, numbers, wrapped lines
//! joined to the line they continue).
//!
//! Pure text work on lines; it knows section names, not what goes in them: the timeline,
//! measures and tasks are read by their own modules.

/// What a section holds, by its heading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Summary,
    /// The day of the incident, for documents that give it apart from the times.
    Date,
    Duration,
    Impact,
    Detection,
    Timeline,
    RootCause,
    Resolution,
    RootCauseAndResolution,
    Measures,
    Tasks,
    Lessons,
    /// A heading aftercare has no place for.
    Unknown,
}

impl Kind {
    /// The field or fields of the format a section goes to, as the report names it.
    pub fn target(self) -> &'static str {
        match self {
            Kind::Summary => "impact",
            Kind::Date => "the date of started, ended",
            Kind::Duration => "started, ended",
            Kind::Impact => "impact",
            Kind::Detection => "detection",
            Kind::Timeline => "timeline",
            Kind::RootCause => "root_cause",
            Kind::Resolution => "resolution",
            Kind::RootCauseAndResolution => "root_cause, resolution",
            Kind::Measures => "measures",
            Kind::Tasks => "tasks",
            Kind::Lessons => "lessons",
            Kind::Unknown => "lessons (not placed)",
        }
    }

    /// Sections of lists, where a `Label: text` line is an item, not a heading.
    fn is_list(self) -> bool {
        matches!(self, Kind::Timeline | Kind::Measures | Kind::Tasks)
    }
}

/// The kind of a section by its name, when aftercare knows the name.
pub fn kind_of(name: &str) -> Option<Kind> {
    // `Timeline (all times UTC)` is a timeline.
    let name = match name.split_once(" (") {
        Some((head, _)) if name.trim_end().ends_with(')') => head,
        _ => name,
    };
    let n = name
        .to_lowercase()
        .replace('&', " and ")
        .replace("preventive", "preventative")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let n = n.trim_end_matches([':', '.', ' ']);
    let is = |names: &[&str]| names.contains(&n);
    let kind = if n.starts_with("root cause and resolution") || n == "cause and resolution" {
        Kind::RootCauseAndResolution
    } else if is(&[
        "issue summary",
        "summary",
        "incident summary",
        "summary of the incident",
        "summary of incident",
        "executive summary",
        "overview",
        "incident overview",
    ]) {
        Kind::Summary
    } else if is(&[
        "date",
        "incident date",
        "date of incident",
        "date of the incident",
    ]) {
        Kind::Date
    } else if is(&["duration", "incident duration", "outage duration"]) {
        Kind::Duration
    } else if is(&[
        "impact",
        "customer impact",
        "user impact",
        "impact on users",
    ]) {
        Kind::Impact
    } else if is(&["detection", "how it was detected"]) {
        Kind::Detection
    } else if is(&[
        "timeline",
        "timeline of events",
        "incident timeline",
        "chronology",
        "sequence of events",
    ]) {
        Kind::Timeline
    } else if is(&[
        "root cause",
        "root causes",
        "cause",
        "causes",
        "root cause analysis",
    ]) {
        Kind::RootCause
    } else if is(&["resolution", "resolution and recovery", "recovery"]) {
        Kind::Resolution
    } else if is(&[
        "corrective and preventative measures",
        "corrective measures",
        "preventative measures",
        "corrective actions",
        "corrective and preventative actions",
        "improvements/fixes",
        "improvements / fixes",
        "improvements and fixes",
        "improvements",
        "fixes",
        "remediation",
    ]) {
        Kind::Measures
    } else if n == "tasks"
        || n.starts_with("tasks to ")
        || n.starts_with("tasks for ")
        || is(&[
            "action items",
            "action plan",
            "follow-up tasks",
            "follow-up actions",
            "follow-up items",
            "follow-ups",
            "next steps",
        ])
    {
        Kind::Tasks
    } else if is(&[
        "lessons learned",
        "lessons",
        "closing remarks",
        "conclusion",
        "conclusions",
        "takeaways",
        "what we learned",
        "what went well",
        "what went wrong",
    ]) {
        Kind::Lessons
    } else {
        return None;
    };
    Some(kind)
}

/// One line of the document: 1-based number, indentation in columns, and its trimmed text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    pub number: usize,
    pub indent: usize,
    pub text: &'a str,
}

/// A heading and the lines under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<'a> {
    pub kind: Kind,
    /// The heading as written, without its markup.
    pub name: String,
    pub line: usize,
    pub body: Vec<Line<'a>>,
}

/// A document split into its title, what stands before the first heading, and its sections.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Outline<'a> {
    pub title: Option<(String, usize)>,
    pub preamble: Vec<Line<'a>>,
    pub sections: Vec<Section<'a>>,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .enumerate()
        .map(|(i, raw)| {
            let trimmed = raw.trim_start();
            let indent = raw[..raw.len() - trimmed.len()]
                .chars()
                .map(|c| if c == '\t' { 4 } else { 1 })
                .sum();
            Line {
                number: i + 1,
                indent,
                text: trimmed.trim_end(),
            }
        })
        .collect()
}

/// Markdown emphasis and heading marks stripped from both ends, and the trailing colon.
pub fn clean_name(text: &str) -> String {
    let t = text
        .trim_start_matches(['#', '*', '_', ' '])
        .trim_end_matches(['*', '_', ' ', ':', '#']);
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// The list marker a line starts with (`-`, `*`, `+`, `•`, `1.`, `2)`, `a.`), and the text after
/// it.
pub fn bullet(text: &str) -> Option<&str> {
    for marker in ["- ", "* ", "+ ", "• ", "· ", "– "] {
        if let Some(rest) = text.strip_prefix(marker) {
            // A Markdown task list's box: `- [ ] Add an alert`.
            let rest = rest.trim_start();
            let unboxed = ["[ ] ", "[x] ", "[X] "]
                .iter()
                .find_map(|b| rest.strip_prefix(b))
                .unwrap_or(rest);
            return Some(unboxed.trim_start());
        }
    }
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let letter = text.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && text.as_bytes().get(1).is_some_and(|b| *b == b')');
    let end = if (1..=3).contains(&digits) {
        digits
    } else if letter {
        1
    } else {
        return None;
    };
    let rest = &text[end..];
    let after = rest
        .strip_prefix(". ")
        .or_else(|| rest.strip_prefix(") "))?;
    Some(after.trim_start())
}

/// What kind of heading a line is, when it is one: its name and whether it could only be a
/// heading by its name (a plain line).
fn heading<'a>(line: &Line<'a>, next: Option<&Line<'a>>) -> Option<(String, bool)> {
    let text = line.text;
    if text.is_empty() || bullet(text).is_some() || text.starts_with('|') {
        return None;
    }
    if text.starts_with('#') {
        let name = clean_name(text);
        return (!name.is_empty()).then_some((name, false));
    }
    if let Some(next) = next {
        let n = next.text;
        if n.len() >= 3 && (n.bytes().all(|b| b == b'=') || n.bytes().all(|b| b == b'-')) {
            return Some((clean_name(text), false));
        }
    }
    let emphasised = (text.starts_with("**") || text.starts_with("__") || text.starts_with('*'))
        && text.ends_with(['*', '_', ':']);
    if emphasised {
        let name = clean_name(text);
        if !name.is_empty() && !name.contains('*') && word_count(&name) <= 10 {
            return Some((name, false));
        }
    }
    let name = clean_name(text);
    let short = word_count(&name) <= 8 && !name.ends_with(['.', '!', '?']);
    if short && kind_of(&name).is_some() {
        return Some((name, true));
    }
    let capital = name.chars().next().is_some_and(char::is_uppercase);
    if text.ends_with(':') && short && capital {
        return Some((name, true));
    }
    None
}

/// `Label: text` on one line where the label is a section name (`Duration: …`,
/// `**Impact:** …`): the label and the text after it.
fn labelled(text: &str) -> Option<(String, &str)> {
    let (label, rest) = text.split_once(':')?;
    let rest = rest.trim_start_matches(['*', '_']).trim_start();
    if rest.is_empty() || word_count(label) > 6 {
        return None;
    }
    let name = clean_name(label);
    kind_of(&name).map(|_| (name, rest))
}

/// Splits a document into its outline.
pub fn outline(text: &str) -> Outline<'_> {
    let all = lines(text);
    let mut out = Outline::default();
    let mut current: Option<Section<'_>> = None;
    let mut skip_underline = false;
    for (i, line) in all.iter().enumerate() {
        if skip_underline {
            skip_underline = false;
            continue;
        }
        if line.text.is_empty() {
            match current.as_mut() {
                Some(s) => s.body.push(*line),
                None => out.preamble.push(*line),
            }
            continue;
        }
        let in_list = current.as_ref().is_some_and(|s| s.kind.is_list());
        let next = all.get(i + 1);
        if let Some((name, plain)) = heading(line, next) {
            let kind = kind_of(&name);
            let untitled = out.title.is_none() && current.is_none();
            let underlined = next.is_some_and(|n| {
                n.text.len() >= 3 && n.text.bytes().all(|b| b == b'=' || b == b'-')
            });
            if untitled && kind.is_none() {
                out.title = Some((name, line.number));
                skip_underline = underlined;
                continue;
            }
            if !(plain && in_list && kind.is_none()) {
                if let Some(done) = current.take() {
                    out.sections.push(done);
                }
                current = Some(Section {
                    kind: kind.unwrap_or(Kind::Unknown),
                    name,
                    line: line.number,
                    body: Vec::new(),
                });
                skip_underline = underlined;
                continue;
            }
        }
        // In a list a `Label: text` line is an item, unless the label is bold (`**Root
        // cause:** …`).
        let bold = line.text.starts_with("**") || line.text.starts_with("__");
        if !in_list || bold {
            if let Some((name, rest)) = labelled(line.text) {
                if let Some(done) = current.take() {
                    out.sections.push(done);
                }
                current = Some(Section {
                    kind: kind_of(&name).unwrap_or(Kind::Unknown),
                    name,
                    line: line.number,
                    body: vec![Line {
                        text: rest,
                        ..*line
                    }],
                });
                continue;
            }
        }
        if out.title.is_none()
            && current.is_none()
            && out.preamble.iter().all(|l| l.text.is_empty())
        {
            let name = clean_name(line.text);
            if word_count(&name) <= 15 && !name.ends_with('.') {
                out.title = Some((name, line.number));
                continue;
            }
        }
        match current.as_mut() {
            Some(s) => s.body.push(*line),
            None => out.preamble.push(*line),
        }
    }
    if let Some(done) = current {
        out.sections.push(done);
    }
    out
}

/// One item of a section: a bulleted or numbered entry, a line, or a paragraph of wrapped
/// lines, with the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub line: usize,
    pub indent: usize,
    /// Whether it had a list marker.
    pub listed: bool,
    /// Whether a blank line stands before it.
    pub after_blank: bool,
    /// Its text, white space collapsed, list marker removed.
    pub text: String,
}

/// Whether a line ends a sentence or opens a list, so the next line starts a new item.
fn ends_sentence(text: &str) -> bool {
    text.trim_end_matches(['*', '_', ')', '"', '\''])
        .ends_with(['.', '!', '?', ':', ';'])
}

/// The items of a section body. A line continues the item above it when no blank line or
/// marker separates them and the item above did not end a sentence, or the line starts in
/// lower case, or it is indented under a list marker; `starts_entry` marks lines that always
/// begin an item (a timeline line opening with a time).
pub fn items(body: &[Line<'_>], starts_entry: impl Fn(&str) -> bool) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    let mut blank = false;
    for line in body {
        if line.text.is_empty() {
            blank = true;
            continue;
        }
        let marked = bullet(line.text);
        let text = marked.unwrap_or(line.text);
        let table = line.text.starts_with('|');
        if let Some(prev) = out.last_mut() {
            let lower = text.chars().next().is_some_and(char::is_lowercase);
            let under_marker = prev.listed && line.indent > prev.indent;
            let joins = !blank
                && marked.is_none()
                && !table
                && !prev.text.starts_with('|')
                && !starts_entry(text)
                && (!ends_sentence(&prev.text) || lower || under_marker);
            if joins {
                prev.text.push(' ');
                prev.text.push_str(&collapse(text));
                blank = false;
                continue;
            }
        }
        out.push(Item {
            line: line.number,
            indent: line.indent,
            listed: marked.is_some(),
            after_blank: blank,
            text: collapse(text),
        });
        blank = false;
    }
    out
}

/// White space runs as one space.
pub fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Markdown bold and italic marks removed (`**Name:**` → `Name:`).
pub fn unemphasise(text: &str) -> String {
    text.replace("**", "").replace("__", "")
}

/// Prose from items: items after a blank line start a paragraph, listed items keep a `- `
/// line of their own, other lines of a paragraph are joined.
pub fn prose(items: &[Item]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        let text = unemphasise(&item.text);
        if i > 0 {
            if item.after_blank {
                out.push_str("\n\n");
            } else if item.listed || items[i - 1].listed {
                out.push('\n');
            } else {
                out.push(' ');
            }
        }
        if item.listed {
            out.push_str("- ");
        }
        out.push_str(&text);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(Kind, String, usize)> {
        outline(text)
            .sections
            .into_iter()
            .map(|s| (s.kind, s.name, s.line))
            .collect()
    }

    #[test]
    fn headings_in_every_form_are_found() {
        let text = "\
# Postmortem: Disk full

## Summary
Something broke.

Timeline
--------
14:00: it broke

**Root Cause:**
A full disk.

Resolution
Freed space.

Corrective and Preventive Measures:
- Alerting: alert on disk usage.
Follow-ups for the team:
- Add a disk.

*Lessons Learned:***
Watch disks.

## Appendix
";
        let found = outline(text);
        assert_eq!(found.title, Some(("Postmortem: Disk full".into(), 1)));
        assert_eq!(
            names(text),
            vec![
                (Kind::Summary, "Summary".into(), 3),
                (Kind::Timeline, "Timeline".into(), 6),
                (Kind::RootCause, "Root Cause".into(), 10),
                (Kind::Resolution, "Resolution".into(), 13),
                (
                    Kind::Measures,
                    "Corrective and Preventive Measures".into(),
                    16
                ),
                (Kind::Lessons, "Lessons Learned".into(), 21),
                (Kind::Unknown, "Appendix".into(), 24),
            ]
        );
        let measures = &found.sections[4].body;
        assert_eq!(
            measures.iter().map(|l| l.text).collect::<Vec<_>>(),
            [
                "- Alerting: alert on disk usage.",
                "Follow-ups for the team:",
                "- Add a disk.",
                ""
            ]
        );
    }

    #[test]
    fn section_names_are_matched_in_their_usual_variants() {
        let cases = [
            ("Issue Summary", Some(Kind::Summary)),
            ("SUMMARY OF THE INCIDENT", Some(Kind::Summary)),
            ("Timeline (all times UTC)", Some(Kind::Timeline)),
            (
                "Root Cause & Resolution",
                Some(Kind::RootCauseAndResolution),
            ),
            ("Corrective and Preventive Measures", Some(Kind::Measures)),
            ("Improvements/Fixes", Some(Kind::Measures)),
            ("Tasks for Addressing the Issue", Some(Kind::Tasks)),
            ("Action Items", Some(Kind::Tasks)),
            ("Closing remarks", Some(Kind::Lessons)),
            ("Date of the incident", Some(Kind::Date)),
            ("Installation", None),
            ("Tasks were many", None),
        ];
        for (name, kind) in cases {
            assert_eq!(kind_of(name), kind, "{name}");
        }
    }

    #[test]
    fn a_label_line_opens_a_section_with_its_text() {
        let text =
            "Postmortem\n\nIssue Summary:\nDuration: May 10, 2023\n **Impact:** 30% of users\n";
        let found = outline(text);
        assert_eq!(found.title, Some(("Postmortem".into(), 1)));
        let sections: Vec<(Kind, usize, Vec<&str>)> = found
            .sections
            .iter()
            .map(|s| (s.kind, s.line, s.body.iter().map(|l| l.text).collect()))
            .collect();
        assert_eq!(
            sections,
            vec![
                (Kind::Summary, 3, vec![]),
                (Kind::Duration, 4, vec!["May 10, 2023"]),
                (Kind::Impact, 5, vec!["30% of users"]),
            ]
        );
    }

    #[test]
    fn wrapped_lines_join_and_sentences_stay_apart() {
        let body = lines(
            "Approximately 30% of the users \nwere affected.\nNext sentence.\n\n  * A bullet that\n    wraps.\n  * Another\n1. First\n2) Second\n- [x] Boxed\n",
        );
        let got: Vec<(usize, bool, bool, String)> = items(&body, |_| false)
            .into_iter()
            .map(|i| (i.line, i.listed, i.after_blank, i.text))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    1,
                    false,
                    false,
                    "Approximately 30% of the users were affected.".into()
                ),
                (3, false, false, "Next sentence.".into()),
                (5, true, true, "A bullet that wraps.".into()),
                (7, true, false, "Another".into()),
                (8, true, false, "First".into()),
                (9, true, false, "Second".into()),
                (10, true, false, "Boxed".into()),
            ]
        );
    }
}
