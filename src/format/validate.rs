//! Validation of one postmortem document: from a positioned YAML tree to the trusted model,
//! with every problem found along the way.
//!
//! It keeps going past each problem so that one run reports all of them, and it builds a
//! [`Postmortem`] only when the file has no error. It must not read files or look at other
//! postmortems: checks across files (duplicate ids) belong to the loader.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use crate::diagnostics::Diagnostic;
use crate::format::source::{Node, ScalarKind, Value, excerpt};
use crate::format::time::{self, Comparable, TIME_FORMS};
use crate::model::{
    Impact, Measure, Moment, Position, Postmortem, PostmortemStatus, Priority, Task, TaskType,
    TimelineEntry, TimelineKind,
};

/// The fields of each object of the format, and which are required. A unit test holds these
/// equal to the JSON Schema generated from `raw.rs`.
pub(crate) const POSTMORTEM_FIELDS: &[&str] = &[
    "id",
    "title",
    "status",
    "severity",
    "service",
    "started",
    "ended",
    "detected",
    "detection",
    "impact",
    "root_cause",
    "resolution",
    "timeline",
    "lessons",
    "measures",
    "tasks",
    "related",
    "repo",
];
pub(crate) const POSTMORTEM_REQUIRED: &[&str] = &["id", "title", "impact", "root_cause"];
pub(crate) const IMPACT_FIELDS: &[&str] = &["summary", "users_affected_percent"];
pub(crate) const IMPACT_REQUIRED: &[&str] = &["summary"];
pub(crate) const TIMELINE_FIELDS: &[&str] = &["at", "kind", "event"];
pub(crate) const TIMELINE_REQUIRED: &[&str] = &["event"];
pub(crate) const MEASURE_FIELDS: &[&str] = &["id", "title", "description"];
pub(crate) const MEASURE_REQUIRED: &[&str] = &["id", "title"];
pub(crate) const TASK_FIELDS: &[&str] = &[
    "id",
    "title",
    "description",
    "measure",
    "type",
    "priority",
    "owner",
    "due",
    "labels",
    "verified_by",
    "repo",
];
pub(crate) const TASK_REQUIRED: &[&str] = &["id", "title"];

pub(crate) const STATUSES: &[(&str, PostmortemStatus)] = &[
    ("draft", PostmortemStatus::Draft),
    ("published", PostmortemStatus::Published),
];
pub(crate) const TIMELINE_KINDS: &[(&str, TimelineKind)] = &[
    ("detection", TimelineKind::Detection),
    ("investigation", TimelineKind::Investigation),
    ("misleading", TimelineKind::Misleading),
    ("escalation", TimelineKind::Escalation),
    ("mitigation", TimelineKind::Mitigation),
    ("resolution", TimelineKind::Resolution),
    ("communication", TimelineKind::Communication),
    ("other", TimelineKind::Other),
];
pub(crate) const TASK_TYPES: &[(&str, TaskType)] = &[
    ("prevent", TaskType::Prevent),
    ("mitigate", TaskType::Mitigate),
    ("detect", TaskType::Detect),
    ("repair", TaskType::Repair),
    ("process", TaskType::Process),
    ("investigate", TaskType::Investigate),
    ("other", TaskType::Other),
];
pub(crate) const PRIORITIES: &[(&str, Priority)] = &[
    ("P1", Priority::P1),
    ("P2", Priority::P2),
    ("P3", Priority::P3),
];

/// The longest id.
pub const MAX_ID_CHARS: usize = 64;
/// The longest title.
pub const MAX_TITLE_CHARS: usize = 200;
/// The longest label GitHub accepts.
pub const MAX_LABEL_CHARS: usize = 50;
/// The longest GitHub login.
pub const MAX_LOGIN_CHARS: usize = 39;

/// What validating one document produced.
#[derive(Debug, Default)]
pub struct Validated {
    /// The postmortem, when the document has no error.
    pub postmortem: Option<Postmortem>,
    /// The postmortem's id and where it is, when the id itself is valid (for checks across
    /// files).
    pub id: Option<(String, Position)>,
    pub diagnostics: Vec<Diagnostic>,
}

/// The closest of `candidates` to `word`, when it is close enough to be a likely typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    let length = lower.chars().count();
    candidates
        .into_iter()
        // Lengths further apart than the distance allowed cannot match, and comparing a huge
        // word would cost time and memory in proportion to its length.
        .filter(|c| length <= c.chars().count() + 2)
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= 2 && *d < c.chars().count().max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `unknown WHAT `word`, did you mean `x`?` or `unknown WHAT `word`; expected one of: …`.
pub fn unknown_message(what: &str, word: &str, candidates: &[&str]) -> String {
    suggestion_message(
        what,
        word,
        suggest(word, candidates.iter().copied()),
        candidates,
    )
}

/// [`unknown_message`] with the suggestion already found.
fn suggestion_message(
    what: &str,
    word: &str,
    suggestion: Option<&str>,
    candidates: &[&str],
) -> String {
    match suggestion {
        Some(s) => format!("unknown {what} `{}`, did you mean `{s}`?", excerpt(word)),
        None => format!(
            "unknown {what} `{}`; expected one of: {}",
            excerpt(word),
            candidates.join(", ")
        ),
    }
}

/// Whether `id` is a valid postmortem, measure or task id; the reason when not.
pub fn id_problem(id: &str) -> Option<String> {
    let chars = id.chars().count();
    if id.trim().is_empty() {
        return Some("must not be empty".into());
    }
    if chars > MAX_ID_CHARS {
        return Some(format!(
            "is {chars} characters long, at most {MAX_ID_CHARS} are allowed"
        ));
    }
    let ok = id
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-');
    (!ok).then(|| {
        "must use only lowercase letters, digits and `-`, and start with a letter or digit".into()
    })
}

/// Why a one-line text (a title, a label) is not one line of plain text: a line break or
/// another control character inside it, which would break the lines of reports and logs or act
/// on a terminal. White space around it is allowed (a folded block scalar ends with a newline).
fn one_line_problem(text: &str) -> Option<String> {
    let c = text.trim().chars().find(|c| c.is_control())?;
    Some(match c {
        '\n' | '\r' => "must be one line: it contains a line break".to_string(),
        c => format!(
            "must be plain text: it contains the control character U+{:04X}",
            u32::from(c)
        ),
    })
}

fn login_ok(login: &str) -> bool {
    !login.is_empty()
        && login.len() <= MAX_LOGIN_CHARS
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !login.starts_with('-')
        && !login.ends_with('-')
        && !login.contains("--")
}

/// A mapping's entries by field name, after unknown and missing fields were reported.
struct Fields<'a> {
    position: Position,
    entries: Vec<(&'a str, &'a Node, &'a Node)>,
}

impl<'a> Fields<'a> {
    /// The key and value of a field that is present and not null.
    fn get(&self, name: &str) -> Option<(&'a Node, &'a Node)> {
        self.entries
            .iter()
            .find(|(n, _, _)| *n == name)
            .map(|(_, k, v)| (*k, *v))
    }
}

struct Checker {
    file: String,
    diagnostics: Vec<Diagnostic>,
    errors: usize,
}

impl Checker {
    fn error(&mut self, position: Position, message: impl Into<String>) {
        self.errors += 1;
        self.diagnostics
            .push(Diagnostic::error(self.file.clone(), position, message));
    }

    fn warning(&mut self, position: Position, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::warning(self.file.clone(), position, message));
    }

    /// Reads a mapping: reports a non-mapping, unknown fields and missing required fields.
    fn fields<'a>(
        &mut self,
        node: &'a Node,
        what: &str,
        names: &[&'a str],
        required: &[&str],
    ) -> Option<Fields<'a>> {
        let Value::Mapping(entries) = &node.value else {
            self.error(
                node.position,
                format!("expected a mapping for {what}, found {}", node.describe()),
            );
            return None;
        };
        let mut fields = Fields {
            position: node.position,
            entries: Vec::new(),
        };
        let mut suggested: Vec<&str> = Vec::new();
        for (key, value) in entries {
            let Value::Scalar(k) = &key.value else {
                self.error(
                    key.position,
                    format!("expected a field name, found {}", key.describe()),
                );
                continue;
            };
            match names.iter().find(|n| **n == k.text) {
                Some(name) => fields.entries.push((name, key, value)),
                None => {
                    let suggestion = suggest(&k.text, names.iter().copied());
                    suggested.extend(suggestion);
                    let message = suggestion_message("field", &k.text, suggestion, names);
                    self.error(key.position, message);
                }
            }
        }
        for name in required {
            // A misspelt field already says what is missing.
            let present = fields.get(name).is_some() || suggested.contains(name);
            if !present {
                self.error(node.position, format!("missing field `{name}` in {what}"));
            }
        }
        Some(fields)
    }

    /// A text field; `None` when absent or null. Wrong types are reported.
    fn text(&mut self, fields: &Fields, name: &str) -> Option<(String, Position)> {
        let (key, value) = fields.get(name)?;
        match &value.value {
            Value::Scalar(s) if s.kind == ScalarKind::Null => {
                let _ = key;
                None
            }
            Value::Scalar(s) if s.kind == ScalarKind::String => {
                Some((s.text.clone(), value.position))
            }
            Value::Scalar(s) => {
                self.error(
                    value.position,
                    format!(
                        "expected a string for `{name}`, found {}; quote it (`'{}'`) if it is text",
                        value.describe(),
                        excerpt(&s.text)
                    ),
                );
                None
            }
            _ => {
                self.error(
                    value.position,
                    format!("expected a string for `{name}`, found {}", value.describe()),
                );
                None
            }
        }
    }

    /// An optional free text: whitespace-only counts as absent.
    fn optional_text(&mut self, fields: &Fields, name: &str) -> Option<String> {
        self.text(fields, name)
            .map(|(t, _)| t)
            .filter(|t| !t.trim().is_empty())
    }

    /// A required, non-empty text of at most `max` characters.
    fn required_text(&mut self, fields: &Fields, name: &str, max: Option<usize>) -> Option<String> {
        let (key, value) = fields.get(name)?;
        let (text, position) = match self.text(fields, name) {
            Some(found) => found,
            None if value.is_null() => {
                self.error(key.position, format!("`{name}` must not be empty"));
                return None;
            }
            None => return None,
        };
        if text.trim().is_empty() {
            self.error(position, format!("`{name}` must not be empty"));
            return None;
        }
        let chars = text.chars().count();
        if let Some(max) = max {
            if chars > max {
                self.error(
                    position,
                    format!("`{name}` is {chars} characters long, at most {max} are allowed"),
                );
                return None;
            }
            if let Some(problem) = one_line_problem(&text) {
                self.error(position, format!("`{name}` {problem}"));
                return None;
            }
        }
        Some(text)
    }

    /// A required id.
    fn id(&mut self, fields: &Fields, what: &str) -> Option<(String, Position)> {
        let (key, value) = fields.get("id")?;
        let Some((id, position)) = self.text(fields, "id") else {
            if value.is_null() {
                self.error(key.position, format!("{what} id must not be empty"));
            }
            return None;
        };
        match id_problem(&id) {
            Some(problem) => {
                self.error(position, format!("{what} id `{}` {problem}", excerpt(&id)));
                None
            }
            None => Some((id, position)),
        }
    }

    /// An optional time in one of the three forms.
    fn moment(&mut self, fields: &Fields, name: &str) -> Option<(Moment, Position)> {
        let (_, value) = fields.get(name)?;
        match &value.value {
            Value::Scalar(s) if s.kind == ScalarKind::Null => None,
            Value::Scalar(s) => match time::parse_moment(&s.text) {
                Some(m) => Some((m, value.position)),
                None => {
                    self.error(
                        value.position,
                        format!(
                            "invalid time `{}` for `{name}`: {TIME_FORMS}",
                            excerpt(&s.text)
                        ),
                    );
                    None
                }
            },
            _ => {
                self.error(
                    value.position,
                    format!("expected a time for `{name}`, found {}", value.describe()),
                );
                None
            }
        }
    }

    /// One of a fixed set of words.
    fn choice<T: Copy>(&mut self, fields: &Fields, name: &str, table: &[(&str, T)]) -> Option<T> {
        let (text, position) = self.text(fields, name)?;
        match table.iter().find(|(word, _)| *word == text) {
            Some((_, value)) => Some(*value),
            None => {
                let words: Vec<&str> = table.iter().map(|(w, _)| *w).collect();
                let message = unknown_message(name, &text, &words);
                self.error(position, message);
                None
            }
        }
    }

    /// An optional list; `None` when absent or null.
    fn list<'a>(&mut self, fields: &Fields<'a>, name: &str) -> Option<&'a [Node]> {
        let (_, value) = fields.get(name)?;
        match &value.value {
            Value::Sequence(items) => Some(items),
            Value::Scalar(s) if s.kind == ScalarKind::Null => None,
            _ => {
                self.error(
                    value.position,
                    format!("expected a list for `{name}`, found {}", value.describe()),
                );
                None
            }
        }
    }
}

/// Validates one document. `file` is the path shown in diagnostics; `path` is what the model
/// records.
pub fn validate(file: &str, path: PathBuf, root: &Node) -> Validated {
    let mut c = Checker {
        file: file.to_string(),
        diagnostics: Vec::new(),
        errors: 0,
    };
    let mut out = Validated::default();
    let Some(fields) = c.fields(
        root,
        "the postmortem",
        POSTMORTEM_FIELDS,
        POSTMORTEM_REQUIRED,
    ) else {
        out.diagnostics = c.diagnostics;
        return out;
    };

    let id = c.id(&fields, "postmortem");
    out.id = id.clone();
    let title = c.required_text(&fields, "title", Some(MAX_TITLE_CHARS));
    let status = c
        .choice(&fields, "status", STATUSES)
        .unwrap_or(PostmortemStatus::Published);
    let severity = c.optional_text(&fields, "severity");
    let service = c.optional_text(&fields, "service");
    let started = c.moment(&fields, "started");
    let ended = c.moment(&fields, "ended");
    let detected = c.moment(&fields, "detected");
    let detection = c.optional_text(&fields, "detection");
    let base_date = started.and_then(|(m, _)| m.date());
    if let (Some((s, _)), Some((e, e_pos))) = (started, ended) {
        let before = time::is_before(time::comparable(e, None), time::comparable(s, None));
        if before == Some(true) {
            c.error(e_pos, format!("`ended` ({e}) is before `started` ({s})"));
        }
    }

    let impact = fields
        .get("impact")
        .and_then(|(key, value)| impact(&mut c, key, value));
    let root_cause = c.required_text(&fields, "root_cause", None);
    let resolution = c.optional_text(&fields, "resolution");
    let lessons = c.optional_text(&fields, "lessons");
    let timeline = c
        .list(&fields, "timeline")
        .map(|items| timeline(&mut c, items, base_date))
        .unwrap_or_default();
    let measures = c
        .list(&fields, "measures")
        .map(|items| measures(&mut c, items))
        .unwrap_or_default();
    let tasks = c
        .list(&fields, "tasks")
        .map(|items| tasks(&mut c, items, &measures))
        .unwrap_or_default();

    let related = related(&mut c, &fields);
    let repo = place(&mut c, &fields);

    if status == PostmortemStatus::Published && tasks.is_empty() && c.errors == 0 {
        let at = fields
            .get("tasks")
            .map_or(fields.position, |(k, _)| k.position);
        c.warning(
            at,
            "published postmortem has no tasks; add tasks or set `status: draft`",
        );
    }

    if c.errors == 0 {
        if let (Some((id, _)), Some(title), Some(impact), Some(root_cause)) =
            (id, title, impact, root_cause)
        {
            out.postmortem = Some(Postmortem {
                file: path,
                id,
                title,
                status,
                severity,
                service,
                started: started.map(|(m, _)| m),
                ended: ended.map(|(m, _)| m),
                detected: detected.map(|(m, _)| m),
                detection,
                impact,
                root_cause,
                resolution,
                timeline,
                lessons,
                measures: measures.into_iter().map(|(m, _)| m).collect(),
                tasks,
                related,
                repo,
            });
        }
    }
    out.diagnostics = c.diagnostics;
    out
}

fn impact(c: &mut Checker, key: &Node, value: &Node) -> Option<Impact> {
    if value.is_null() {
        c.error(
            key.position,
            "`impact` must not be empty: it needs a `summary`",
        );
        return None;
    }
    let fields = c.fields(value, "`impact`", IMPACT_FIELDS, IMPACT_REQUIRED)?;
    let summary = c.required_text(&fields, "summary", None);
    let percent = match fields.get("users_affected_percent") {
        None => None,
        Some((_, v)) => percent(c, v),
    };
    Some(Impact {
        summary: summary?,
        users_affected_percent: percent,
    })
}

fn percent(c: &mut Checker, value: &Node) -> Option<f64> {
    let name = "users_affected_percent";
    let Value::Scalar(s) = &value.value else {
        c.error(
            value.position,
            format!("expected a number for `{name}`, found {}", value.describe()),
        );
        return None;
    };
    let number = match s.kind {
        ScalarKind::Null => return None,
        ScalarKind::Float(f) => f,
        ScalarKind::Int => integer_value(&s.text),
        _ => {
            c.error(
                value.position,
                format!("expected a number for `{name}`, found {}", value.describe()),
            );
            return None;
        }
    };
    if !(0.0..=100.0).contains(&number) {
        c.error(
            value.position,
            format!(
                "`{name}` must be between 0 and 100, found {}",
                excerpt(&s.text)
            ),
        );
        return None;
    }
    Some(number)
}

/// The value of a YAML core-schema integer, as a float (out of range numbers stay large).
fn integer_value(text: &str) -> f64 {
    let parsed = if let Some(hex) = text.strip_prefix("0x") {
        u128::from_str_radix(hex, 16).ok().map(|v| v as f64)
    } else if let Some(oct) = text.strip_prefix("0o") {
        u128::from_str_radix(oct, 8).ok().map(|v| v as f64)
    } else {
        text.parse::<f64>().ok()
    };
    parsed.unwrap_or(f64::INFINITY)
}

fn timeline(
    c: &mut Checker,
    items: &[Node],
    base: Option<chrono::NaiveDate>,
) -> Vec<TimelineEntry> {
    let mut entries = Vec::new();
    let mut seen: Vec<(Comparable, Moment, Position)> = Vec::new();
    for item in items {
        let Some(fields) = c.fields(item, "a timeline entry", TIMELINE_FIELDS, TIMELINE_REQUIRED)
        else {
            continue;
        };
        let at = c.moment(&fields, "at");
        let kind = c.choice(&fields, "kind", TIMELINE_KINDS);
        let event = c.required_text(&fields, "event", None);
        if let Some((moment, position)) = at {
            let this = time::comparable(moment, base);
            let earlier = seen
                .iter()
                .rev()
                .find_map(|(prev, m, p)| time::is_before(this, *prev).map(|b| (b, m, p)));
            if let Some((true, prev, prev_pos)) = earlier {
                c.warning(
                    position,
                    format!(
                        "timeline is out of order: `{moment}` is listed after `{prev}` (line {})",
                        prev_pos.line
                    ),
                );
            }
            seen.push((this, moment, position));
        }
        if let Some(event) = event {
            entries.push(TimelineEntry {
                at: at.map(|(m, _)| m),
                kind,
                event,
            });
        }
    }
    entries
}

fn measures(c: &mut Checker, items: &[Node]) -> Vec<(Measure, Position)> {
    let mut out: Vec<(Measure, Position)> = Vec::new();
    let mut first_at: HashMap<String, Position> = HashMap::new();
    for item in items {
        let Some(fields) = c.fields(item, "a measure", MEASURE_FIELDS, MEASURE_REQUIRED) else {
            continue;
        };
        let id = c.id(&fields, "measure");
        let title = c.required_text(&fields, "title", Some(MAX_TITLE_CHARS));
        let description = c.optional_text(&fields, "description");
        let Some((id, position)) = id else { continue };
        if let Some(first) = first_at.get(&id) {
            let first = first.line;
            c.error(
                position,
                format!("duplicate measure id `{id}` (first at line {first})"),
            );
            continue;
        }
        first_at.insert(id.clone(), position);
        if let Some(title) = title {
            out.push((
                Measure {
                    id,
                    title,
                    description,
                },
                position,
            ));
        }
    }
    out
}

fn tasks(c: &mut Checker, items: &[Node], measures: &[(Measure, Position)]) -> Vec<Task> {
    let mut out = Vec::new();
    let mut first_at: HashMap<String, Position> = HashMap::new();
    let measure_ids: Vec<&str> = measures.iter().map(|(m, _)| m.id.as_str()).collect();
    let known_measures: HashSet<&str> = measure_ids.iter().copied().collect();
    for item in items {
        let Some(fields) = c.fields(item, "a task", TASK_FIELDS, TASK_REQUIRED) else {
            continue;
        };
        let id = c.id(&fields, "task");
        let title = c.required_text(&fields, "title", Some(MAX_TITLE_CHARS));
        let description = c.optional_text(&fields, "description");
        let measure = c.text(&fields, "measure").and_then(|(m, position)| {
            if known_measures.contains(m.as_str()) {
                Some(m)
            } else {
                let message = if measure_ids.is_empty() {
                    format!(
                        "unknown measure `{}`: this file defines no `measures`",
                        excerpt(&m)
                    )
                } else {
                    unknown_message("measure", &m, &measure_ids)
                };
                c.error(position, message);
                None
            }
        });
        let kind = c.choice(&fields, "type", TASK_TYPES);
        let priority = c.choice(&fields, "priority", PRIORITIES);
        let owner = c.text(&fields, "owner").and_then(|(login, position)| {
            if login_ok(&login) {
                Some(login)
            } else {
                let hint = if login.starts_with('@') {
                    "; write it without `@`"
                } else {
                    ""
                };
                c.error(
                    position,
                    format!(
                        "invalid GitHub login `{}` for `owner`{hint}",
                        excerpt(&login)
                    ),
                );
                None
            }
        });
        let due = due(c, &fields);
        let labels = labels(c, &fields);
        let verified_by = verified_by(c, &fields);
        let repo = place(c, &fields);
        let Some((id, position)) = id else { continue };
        if let Some(first) = first_at.get(&id) {
            let first = first.line;
            c.error(
                position,
                format!("duplicate task id `{id}` (first at line {first})"),
            );
            continue;
        }
        first_at.insert(id.clone(), position);
        if let Some(title) = title {
            out.push(Task {
                id,
                title,
                description,
                measure,
                kind,
                priority,
                owner,
                due,
                labels,
                verified_by,
                repo,
                position: fields.position,
            });
        }
    }
    out
}

fn due(c: &mut Checker, fields: &Fields) -> Option<chrono::NaiveDate> {
    let (_, value) = fields.get("due")?;
    match &value.value {
        Value::Scalar(s) if s.kind == ScalarKind::Null => None,
        Value::Scalar(s) => match time::parse_date(s.text.trim()) {
            Some(d) => Some(d),
            None => {
                c.error(
                    value.position,
                    format!(
                        "invalid date `{}` for `due`: expected a date like `2023-06-10`",
                        excerpt(&s.text)
                    ),
                );
                None
            }
        },
        _ => {
            c.error(
                value.position,
                format!("expected a date for `due`, found {}", value.describe()),
            );
            None
        }
    }
}

/// `verified_by`: an `http(s)` URL without white space, or `#N`.
fn verified_by(c: &mut Checker, fields: &Fields) -> Option<String> {
    let (text, position) = c.text(fields, "verified_by")?;
    let text = text.trim().to_string();
    let url = (text.starts_with("https://") || text.starts_with("http://"))
        && text.len() > "https://".len()
        && !text.chars().any(|ch| ch.is_whitespace() || ch.is_control());
    let number = text
        .strip_prefix('#')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if url || number {
        Some(text)
    } else {
        c.error(
            position,
            format!(
                "invalid `verified_by` `{}`: expected the URL of a pull request or document \
                 (`https://…`) or `#N`",
                excerpt(&text)
            ),
        );
        None
    }
}

/// `repo`: where the issues are tracked, in any tracker's form (`owner/name`, a GitLab project
/// path, a Jira key). Whether it suits the configured tracker is checked with the
/// configuration ([`crate::plan::route::problems`]).
fn place(c: &mut Checker, fields: &Fields) -> Option<(String, Position)> {
    let (text, position) = c.text(fields, "repo")?;
    let text = text.trim().to_string();
    let ok = !text.is_empty()
        && text.len() <= 255
        && text.split('/').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    if ok {
        Some((text, position))
    } else {
        c.error(
            position,
            format!(
                "invalid `repo` `{}`: expected a repository like `owner/name` (a GitLab project \
                 path or a Jira project key on those trackers)",
                excerpt(&text)
            ),
        );
        None
    }
}

/// The ids of `related`, each well formed and listed once, with where it is written. Whether
/// each names a postmortem is checked by the loader, which sees the whole directory.
fn related(c: &mut Checker, fields: &Fields) -> Vec<(String, Position)> {
    let mut out: Vec<(String, Position)> = Vec::new();
    for item in c.list(fields, "related").unwrap_or_default() {
        match &item.value {
            Value::Scalar(s) if s.kind == ScalarKind::String => match id_problem(&s.text) {
                Some(problem) => c.error(
                    item.position,
                    format!("related postmortem id `{}` {problem}", excerpt(&s.text)),
                ),
                None if out.iter().any(|(id, _)| *id == s.text) => c.warning(
                    item.position,
                    format!("`{}` is listed twice in `related`", s.text),
                ),
                None => out.push((s.text.clone(), item.position)),
            },
            _ => c.error(
                item.position,
                format!(
                    "expected a postmortem id for `related`, found {}",
                    item.describe()
                ),
            ),
        }
    }
    out
}

fn labels(c: &mut Checker, fields: &Fields) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: HashSet<&str> = HashSet::new();
    for item in c.list(fields, "labels").unwrap_or_default() {
        match &item.value {
            Value::Scalar(s) if s.kind == ScalarKind::String && !s.text.trim().is_empty() => {
                let chars = s.text.chars().count();
                if chars > MAX_LABEL_CHARS {
                    c.error(
                        item.position,
                        format!(
                            "label `{}` is {chars} characters long, GitHub allows at most {MAX_LABEL_CHARS}",
                            excerpt(&s.text)
                        ),
                    );
                } else if let Some(problem) = one_line_problem(&s.text) {
                    c.error(item.position, format!("a label {problem}"));
                } else if seen.insert(&s.text) {
                    out.push(s.text.clone());
                }
            }
            Value::Scalar(s) if s.kind == ScalarKind::String || s.kind == ScalarKind::Null => {
                c.error(item.position, "a label must not be empty");
            }
            _ => c.error(
                item.position,
                format!("expected a string for a label, found {}", item.describe()),
            ),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(value: &serde_json::Value) -> Vec<String> {
        let mut out: Vec<String> = match value {
            serde_json::Value::Object(map) => map.keys().cloned().collect(),
            serde_json::Value::Array(items) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        out.sort();
        out
    }

    fn sorted<'a>(words: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let mut out: Vec<String> = words.into_iter().map(str::to_string).collect();
        out.sort();
        out
    }

    /// The values of an enum definition, whether schemars wrote `enum` or `oneOf` of `const`s.
    fn enum_values(schema: &serde_json::Value, def: &str) -> Vec<String> {
        let def = &schema["$defs"][def];
        let mut all = names(&def["enum"]);
        for variant in def["oneOf"].as_array().into_iter().flatten() {
            all.extend(names(&variant["enum"]));
            all.extend(variant["const"].as_str().map(str::to_string));
        }
        all.sort();
        all
    }

    /// The validator's field tables and the schema generated from `raw.rs` describe the same
    /// format: same fields, same required ones, same words.
    #[test]
    fn field_tables_match_the_schema_of_the_raw_types() {
        let schema: serde_json::Value =
            serde_json::from_str(&crate::schema::postmortem_schema_json()).expect("json");
        let objects = [
            (&schema, POSTMORTEM_FIELDS, POSTMORTEM_REQUIRED),
            (
                &schema["$defs"]["RawImpact"],
                IMPACT_FIELDS,
                IMPACT_REQUIRED,
            ),
            (
                &schema["$defs"]["RawTimelineEntry"],
                TIMELINE_FIELDS,
                TIMELINE_REQUIRED,
            ),
            (
                &schema["$defs"]["RawMeasure"],
                MEASURE_FIELDS,
                MEASURE_REQUIRED,
            ),
            (&schema["$defs"]["RawTask"], TASK_FIELDS, TASK_REQUIRED),
        ];
        for (object, fields, required) in objects {
            assert_eq!(names(&object["properties"]), sorted(fields.iter().copied()));
            assert_eq!(names(&object["required"]), sorted(required.iter().copied()));
            assert_eq!(object["additionalProperties"], false);
        }
        assert_eq!(
            enum_values(&schema, "PostmortemStatus"),
            sorted(STATUSES.iter().map(|(w, _)| *w))
        );
        assert_eq!(
            enum_values(&schema, "TimelineKind"),
            sorted(TIMELINE_KINDS.iter().map(|(w, _)| *w))
        );
        assert_eq!(
            enum_values(&schema, "TaskType"),
            sorted(TASK_TYPES.iter().map(|(w, _)| *w))
        );
        assert_eq!(
            enum_values(&schema, "Priority"),
            sorted(PRIORITIES.iter().map(|(w, _)| *w))
        );
    }

    #[test]
    fn suggestions_catch_typos_and_ignore_unrelated_words() {
        let fields = TASK_FIELDS.iter().copied();
        assert_eq!(suggest("titel", fields.clone()), Some("title"));
        assert_eq!(suggest("Owner", fields.clone()), Some("owner"));
        assert_eq!(suggest("assignee", fields.clone()), None);
        assert_eq!(suggest("x", fields.clone()), None);
        // A word too long to be a typo of any field is not compared at all.
        assert_eq!(suggest(&"t".repeat(1_000_000), fields), None);
        assert_eq!(
            one_line_problem("a\nb").as_deref(),
            Some("must be one line: it contains a line break")
        );
        assert_eq!(one_line_problem("folded title\n"), None);
        assert_eq!(
            unknown_message("type", "fix", &["prevent", "repair"]),
            "unknown type `fix`; expected one of: prevent, repair"
        );
    }

    #[test]
    fn ids_and_logins_follow_their_patterns() {
        assert_eq!(id_problem("2023-05-10-ddos"), None);
        assert_eq!(id_problem(&"a".repeat(64)), None);
        assert!(id_problem("-a").is_some());
        assert!(id_problem("a_b").is_some());
        assert!(id_problem("é").is_some());
        assert!(login_ok("octo-cat"));
        assert!(!login_ok("octo--cat"));
        assert!(!login_ok("-octocat"));
        assert!(!login_ok(&"a".repeat(40)));
    }
}
