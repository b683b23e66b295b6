//! Measures and tasks from the sections that list them, in every shape the seed documents use
//! and a few more: `Task:` lines under a measure sentence, `Name: description` items, numbered
//! and bulleted lists, nested bullets under a measure, a group label ending in a colon, and
//! Markdown tables. Closing remarks (`By implementing these measures…`) are set apart for
//! `lessons`, never taken for a task.
//!
//! Pure. Ids are made from titles and are unique within the document; a task is linked to a
//! measure only where the document places it under one.

use std::collections::HashSet;

use crate::format::validate::MAX_TITLE_CHARS;
use crate::import::sections::{Item, collapse, unemphasise};
use crate::import::timeline::cells;
use crate::import::times;
use crate::model::{Measure, Priority, TaskType};

/// A task as the document gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftTask {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub measure: Option<String>,
    pub kind: Option<TaskType>,
    pub priority: Option<Priority>,
    pub owner: Option<String>,
    pub due: Option<chrono::NaiveDate>,
}

/// What the measure and task sections held.
#[derive(Debug, Default)]
pub struct Lists {
    pub measures: Vec<Measure>,
    pub tasks: Vec<DraftTask>,
    /// Closing remarks, with their line.
    pub remarks: Vec<(usize, String)>,
    ids: HashSet<String>,
}

/// How a closing remark opens.
const CLOSING: [&str; 14] = [
    "by implementing",
    "by addressing",
    "this incident",
    "this outage",
    "going forward",
    "moving forward",
    "as part of our",
    "in conclusion",
    "to conclude",
    "in summary",
    "overall,",
    "we are committed",
    "we aim",
    "we encourage",
];

/// Whether an item is a closing remark rather than a measure or task.
pub fn is_closing(text: &str) -> bool {
    let lower = text.trim_start_matches(['*', '_']).to_lowercase();
    CLOSING.iter().any(|c| lower.starts_with(c))
}

/// Words left out of ids.
const STOP_WORDS: [&str; 16] = [
    "a", "an", "the", "to", "and", "of", "for", "in", "on", "with", "by", "at", "or", "as", "into",
    "its",
];

/// An id from a title: its first five significant words, lowercase, joined by `-`.
fn slug(title: &str) -> String {
    let words: Vec<String> = title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .filter(|w| !STOP_WORDS.contains(&w.as_str()))
        .take(5)
        .collect();
    let mut id = String::new();
    for w in words {
        if id.len() + w.len() + 1 > 48 {
            break;
        }
        if !id.is_empty() {
            id.push('-');
        }
        id.push_str(&w);
    }
    id
}

/// A title within bounds: the text without its final full stop; when too long, its first
/// sentence, else its words up to the limit and an ellipsis (the whole text then goes to the
/// description).
fn title_of(text: &str) -> (String, bool) {
    let t = text.trim().trim_end_matches('.').trim();
    if t.chars().count() <= MAX_TITLE_CHARS {
        return (t.to_string(), false);
    }
    if let Some((first, _)) = t.split_once(". ") {
        if first.chars().count() <= MAX_TITLE_CHARS {
            return (first.to_string(), true);
        }
    }
    let mut out = String::new();
    for word in t.split(' ') {
        if out.chars().count() + word.chars().count() + 2 > MAX_TITLE_CHARS {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = t.chars().take(MAX_TITLE_CHARS - 1).collect();
    }
    out.push('…');
    (out, true)
}

/// An item's title and description: `Name: description` split in two, else the sentence as
/// the title (and as the description too when the title had to be shortened).
fn title_and_description(text: &str) -> (String, Option<String>) {
    let (title, description) = match named(text) {
        Some((name, rest)) => (name, Some(rest)),
        None => {
            let (title, cut) = title_of(text);
            (title, cut.then(|| text.to_string()))
        }
    };
    (title_of(&title).0, description)
}

/// `Name: description`, when the name is short enough to be one.
fn named(text: &str) -> Option<(String, String)> {
    let (name, rest) = text.split_once(':')?;
    let name = name.trim().trim_matches(['*', '_']).trim();
    let rest = rest.trim_start_matches(['*', '_']).trim();
    let words = name.split_whitespace().count();
    let open_bracket = name.matches(['(', '[']).count() > name.matches([')', ']']).count();
    if name.is_empty()
        || rest.is_empty()
        || words > 8
        || open_bracket
        || name.ends_with(['.', '!', '?'])
    {
        return None;
    }
    if !times::find_all(name).is_empty() {
        return None;
    }
    Some((name.to_string(), rest.to_string()))
}

/// A `Task:` or `Action:` line's text.
fn task_line(text: &str) -> Option<&str> {
    let lower = text.to_ascii_lowercase();
    for prefix in ["task:", "action item:", "action:", "todo:"] {
        if lower.starts_with(prefix) {
            return Some(text[prefix.len()..].trim());
        }
    }
    None
}

impl Lists {
    fn unique(&mut self, kind: &str, title: &str) -> String {
        let base = slug(title);
        let base = if base.is_empty() {
            kind.to_string()
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 2;
        while self.ids.contains(&format!("{kind}/{id}")) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.ids.insert(format!("{kind}/{id}"));
        id
    }

    fn add_measure(&mut self, text: &str) -> String {
        let (title, description) = title_and_description(text);
        let id = self.unique("measure", &title);
        self.measures.push(Measure {
            id: id.clone(),
            title,
            description,
        });
        id
    }

    fn add_task(&mut self, text: &str, measure: Option<String>) {
        let (text, owner) = owner_in_brackets(text);
        let (title, description) = title_and_description(&text);
        let id = self.unique("task", &title);
        self.tasks.push(DraftTask {
            id,
            title,
            description,
            measure,
            kind: None,
            priority: None,
            owner,
            due: None,
        });
    }

    /// A table's rows as tasks (or measures): a header row names the columns.
    fn table(&mut self, rows: &[&Item], as_measures: bool, measure: Option<String>) {
        let mut rows: Vec<Vec<String>> = rows.iter().filter_map(|r| cells(&r.text)).collect();
        if rows.is_empty() {
            return;
        }
        let known = |h: &str| {
            matches!(
                h,
                "task"
                    | "tasks"
                    | "action"
                    | "action item"
                    | "title"
                    | "item"
                    | "what"
                    | "measure"
                    | "description"
                    | "details"
                    | "owner"
                    | "assignee"
                    | "who"
                    | "due"
                    | "due date"
                    | "deadline"
                    | "priority"
                    | "type"
            )
        };
        let header: Option<Vec<String>> = rows[0]
            .iter()
            .any(|c| known(&c.to_lowercase()))
            .then(|| rows.remove(0).iter().map(|c| c.to_lowercase()).collect());
        for row in rows {
            let column = |i: usize| -> &str {
                header
                    .as_ref()
                    .and_then(|h| h.get(i))
                    .map_or(if i == 0 { "title" } else { "" }, String::as_str)
            };
            let mut title = None;
            let mut details: Vec<String> = Vec::new();
            let mut owner = None;
            let mut due = None;
            let mut priority = None;
            let mut kind = None;
            let mut measure_title = None;
            for (i, cell) in row.iter().enumerate() {
                if cell.is_empty() {
                    continue;
                }
                let head = column(i);
                match head {
                    "task" | "tasks" | "action" | "action item" | "title" | "item" | "what"
                        if title.is_none() =>
                    {
                        title = Some(cell.clone())
                    }
                    "measure" if !as_measures => measure_title = Some(cell.clone()),
                    "measure" if title.is_none() => title = Some(cell.clone()),
                    "owner" | "assignee" | "who" if !as_measures && login(cell).is_some() => {
                        owner = login(cell)
                    }
                    "due" | "due date" | "deadline" if !as_measures && date(cell).is_some() => {
                        due = date(cell)
                    }
                    "priority" if !as_measures && priority_of(cell).is_some() => {
                        priority = priority_of(cell)
                    }
                    "type" if !as_measures && type_of(cell).is_some() => kind = type_of(cell),
                    "description" | "details" | "" => details.push(cell.clone()),
                    _ => {
                        let mut name: Vec<char> = head.chars().collect();
                        if let Some(c) = name.first_mut() {
                            *c = c.to_ascii_uppercase();
                        }
                        details.push(format!("{}: {cell}", name.into_iter().collect::<String>()));
                    }
                }
            }
            let Some(title) = title.or_else(|| (!details.is_empty()).then(|| details.remove(0)))
            else {
                continue;
            };
            let description = (!details.is_empty()).then(|| details.join("\n"));
            if as_measures {
                let (t, _) = title_of(&title);
                let id = self.unique("measure", &t);
                self.measures.push(Measure {
                    id,
                    title: t,
                    description,
                });
                continue;
            }
            let linked = measure_title
                .and_then(|mt| {
                    self.measures
                        .iter()
                        .find(|m| m.title.eq_ignore_ascii_case(&mt))
                        .map(|m| m.id.clone())
                })
                .or_else(|| measure.clone());
            let (t, cut) = title_of(&title);
            let description = match (cut, description) {
                (true, Some(d)) => Some(format!("{title}\n{d}")),
                (true, None) => Some(title.clone()),
                (false, d) => d,
            };
            let id = self.unique("task", &t);
            self.tasks.push(DraftTask {
                id,
                title: t,
                description,
                measure: linked,
                kind,
                priority,
                owner,
                due,
            });
        }
    }

    /// Reads a section of measures (`as_measures`) or of tasks.
    pub fn read(&mut self, items: &[Item], as_measures: bool) {
        let mut measure: Option<(String, usize)> = None;
        // Whether the current measure was a group label (`Monitoring:`) whose items are tasks.
        let mut grouping = false;
        let mut closing = false;
        let mut i = 0;
        while i < items.len() {
            let item = &items[i];
            i += 1;
            if item.text.starts_with('|') {
                let mut rows = vec![item];
                while i < items.len() && items[i].text.starts_with('|') {
                    rows.push(&items[i]);
                    i += 1;
                }
                self.table(&rows, as_measures, measure.as_ref().map(|m| m.0.clone()));
                continue;
            }
            let text = collapse(&unemphasise(&item.text));
            if closing || (is_closing(&text) && named(&text).is_none()) {
                closing = true;
                self.remarks.push((item.line, text));
                continue;
            }
            if let Some(task) = task_line(&text) {
                if !task.is_empty() {
                    self.add_task(task, measure.as_ref().map(|m| m.0.clone()));
                }
                continue;
            }
            if text.ends_with(':') && named(&text).is_none() {
                // A group label: a measure whose items follow.
                let id = self.add_measure(text.trim_end_matches(':'));
                measure = Some((id, item.indent));
                // A plain label groups the list that follows; a listed one only its sub-items.
                grouping = !item.listed;
                continue;
            }
            let nested = measure
                .as_ref()
                .is_some_and(|(_, indent)| item.listed && item.indent > *indent);
            if nested || (grouping && item.listed) {
                self.add_task(&text, measure.as_ref().map(|m| m.0.clone()));
                continue;
            }
            grouping = false;
            if as_measures {
                let id = self.add_measure(&text);
                measure = Some((id, item.indent));
            } else {
                measure = None;
                self.add_task(&text, None);
            }
        }
    }
}

/// A trailing `(owner: @login)` (or `assignee`) taken out of a task's text as its owner.
fn owner_in_brackets(text: &str) -> (String, Option<String>) {
    let trimmed = text.trim_end().trim_end_matches('.');
    if let Some(open) = trimmed.rfind('(') {
        if let Some(inner) = trimmed[open + 1..].strip_suffix(')') {
            let lower = inner.to_ascii_lowercase();
            for key in ["owner:", "assignee:", "owner", "assignee"] {
                if let Some(name) = lower.strip_prefix(key).map(|_| inner[key.len()..].trim()) {
                    if let Some(owner) = login(name) {
                        return (trimmed[..open].trim_end().to_string(), Some(owner));
                    }
                }
            }
        }
    }
    (text.to_string(), None)
}

fn login(cell: &str) -> Option<String> {
    let l = cell.trim().trim_start_matches('@');
    let ok = !l.is_empty()
        && l.len() <= crate::format::validate::MAX_LOGIN_CHARS
        && !l.starts_with('-')
        && !l.ends_with('-')
        && !l.contains("--")
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    ok.then(|| l.to_string())
}

fn date(cell: &str) -> Option<chrono::NaiveDate> {
    let found = times::find_all(cell);
    match found.as_slice() {
        [one] if one.time.is_none() => one.date,
        _ => None,
    }
}

/// A task type as a table names it: the format's word, or its noun (`Prevention`).
fn type_of(cell: &str) -> Option<TaskType> {
    let word = cell.trim().to_ascii_lowercase();
    let word = match word.as_str() {
        "prevention" | "preventative" | "preventive" => "prevent",
        "mitigation" => "mitigate",
        "detection" => "detect",
        "investigation" => "investigate",
        w => w,
    };
    crate::format::validate::TASK_TYPES
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, t)| *t)
}

fn priority_of(cell: &str) -> Option<Priority> {
    match cell.trim().to_ascii_uppercase().as_str() {
        "P1" => Some(Priority::P1),
        "P2" => Some(Priority::P2),
        "P3" => Some(Priority::P3),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(lines: &[(usize, bool, &str)]) -> Vec<Item> {
        lines
            .iter()
            .enumerate()
            .map(|(n, (indent, listed, text))| Item {
                line: n + 1,
                indent: *indent,
                listed: *listed,
                after_blank: false,
                text: text.to_string(),
            })
            .collect()
    }

    fn shown(lists: &Lists) -> (Vec<String>, Vec<String>, Vec<usize>) {
        (
            lists
                .measures
                .iter()
                .map(|m| {
                    format!(
                        "{}={}|{}",
                        m.id,
                        m.title,
                        m.description.as_deref().unwrap_or("")
                    )
                })
                .collect(),
            lists
                .tasks
                .iter()
                .map(|t| {
                    format!(
                        "{}={}|{}|{}",
                        t.id,
                        t.title,
                        t.description.as_deref().unwrap_or(""),
                        t.measure.as_deref().unwrap_or("")
                    )
                })
                .collect(),
            lists.remarks.iter().map(|r| r.0).collect(),
        )
    }

    #[test]
    fn task_lines_under_a_measure_sentence_link_to_it() {
        let mut lists = Lists::default();
        lists.read(
            &items(&[
                (0, false, "Improve DDoS detection by adding tools."),
                (0, false, "Task: Evaluate a DDoS detection system."),
                (0, false, "Task: Evaluate a DDoS detection system."),
                (
                    0,
                    false,
                    "By implementing these measures, we aim to do better.",
                ),
            ]),
            true,
        );
        assert_eq!(
            shown(&lists),
            (
                vec!["improve-ddos-detection-adding-tools=Improve DDoS detection by adding tools|".into()],
                vec![
                    "evaluate-ddos-detection-system=Evaluate a DDoS detection system||improve-ddos-detection-adding-tools".into(),
                    "evaluate-ddos-detection-system-2=Evaluate a DDoS detection system||improve-ddos-detection-adding-tools".into(),
                ],
                vec![4]
            )
        );
    }

    #[test]
    fn named_items_nested_bullets_and_group_labels() {
        let mut lists = Lists::default();
        lists.read(
            &items(&[
                (0, true, "**Alerting:** Alert on disk usage."),
                (2, true, "Add a disk alert at 80%."),
                (0, false, "Capacity:"),
                (0, true, "Order disks."),
                (0, true, "This incident showed we need headroom."),
            ]),
            true,
        );
        assert_eq!(
            shown(&lists),
            (
                vec![
                    "alerting=Alerting|Alert on disk usage.".into(),
                    "capacity=Capacity|".into()
                ],
                vec![
                    "add-disk-alert-80=Add a disk alert at 80%||alerting".into(),
                    "order-disks=Order disks||capacity".into(),
                ],
                vec![5]
            )
        );
    }

    #[test]
    fn a_task_table_reads_owner_due_priority_and_type_and_keeps_other_columns() {
        let mut lists = Lists::default();
        lists.read(
            &items(&[
                (
                    0,
                    false,
                    "| Task | Owner | Due | Priority | Type | Status |",
                ),
                (
                    0,
                    false,
                    "|------|-------|-----|----------|------|--------|",
                ),
                (
                    0,
                    false,
                    "| Add alerts | @octocat | 2023-06-01 | P1 | Detection | open |",
                ),
                (
                    0,
                    false,
                    "| Write runbook | Jane Doe | next week | soon | paperwork | |",
                ),
            ]),
            false,
        );
        assert_eq!(
            shown(&lists).1,
            vec![
                "add-alerts=Add alerts|Status: open|".to_string(),
                "write-runbook=Write runbook|Owner: Jane Doe\nDue: next week\nPriority: soon\nType: paperwork|"
                    .into(),
            ]
        );
        assert_eq!(lists.tasks[0].owner.as_deref(), Some("octocat"));
        assert_eq!(
            lists.tasks[0].due.map(|d| d.to_string()).as_deref(),
            Some("2023-06-01")
        );
        assert_eq!(lists.tasks[0].priority, Some(Priority::P1));
        assert_eq!(lists.tasks[0].kind, Some(TaskType::Detect));
        assert_eq!(lists.tasks[1].kind, None);
    }

    #[test]
    fn an_owner_in_brackets_is_the_tasks_owner() {
        let mut lists = Lists::default();
        lists.read(
            &items(&[
                (0, true, "Re-enable the renewal job (owner: @carol)"),
                (0, true, "Alert before expiry (owner: the SRE team)."),
            ]),
            false,
        );
        assert_eq!(
            shown(&lists).1,
            vec![
                "re-enable-renewal-job=Re-enable the renewal job||".to_string(),
                "alert-before-expiry-owner-sre=Alert before expiry (owner: the SRE team)||".into(),
            ]
        );
        assert_eq!(lists.tasks[0].owner.as_deref(), Some("carol"));
        assert_eq!(lists.tasks[1].owner, None);
    }

    #[test]
    fn over_long_titles_keep_their_first_sentence_and_the_whole_text() {
        let long = format!("{}. Then more.", "word ".repeat(50).trim());
        let (title, cut) = title_of(&long);
        assert!(cut);
        assert_eq!(title.chars().count(), 200);
        assert!(title.ends_with("word…"));
        let (title, cut) = title_of("Short one. Then more.");
        assert_eq!((title.as_str(), cut), ("Short one. Then more", false));
    }
}
