//! The example postmortems in `postmortems/`: that `check` accepts them without a single
//! problem, that each keeps the task and measure counts of the document it was converted from,
//! and, when `AFTERCARE_SEEDS` names the directory of those documents, that each example keeps
//! the facts of exactly one of them (times, dates, share of users, misleading paths,
//! escalations, title words) and adds no date the document does not give.
//!
//! These tests read the repository's own files; they must not write to the repository.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::cli::Aftercare;

/// The examples in the order of the documents they were converted from, with their number of
/// tasks and measures.
const EXAMPLES: [(&str, usize, usize); 5] = [
    ("2023-05-10-ddos-database-overload", 8, 4),
    ("2023-05-10-network-misconfiguration", 6, 6),
    ("database-connection-bottleneck", 8, 8),
    ("2024-03-09-connection-pool-exhaustion", 4, 3),
    ("2023-08-10-widgetworld-connection-pooling", 8, 8),
];

const SCHEMA_LINE: &str = "# yaml-language-server: $schema=../postmortem.schema.json";

/// Short words a title may use without the source using them.
const FUNCTION_WORDS: [&str; 4] = ["from", "with", "into", "after"];

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_path(id: &str) -> PathBuf {
    repository().join("postmortems").join(format!("{id}.yaml"))
}

fn read_example(id: &str) -> (String, Value) {
    let path = example_path(id);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let value: Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not YAML: {e}", path.display()));
    (text, value)
}

fn list_len(value: &Value, key: &str) -> usize {
    value[key].as_array().map_or(0, Vec::len)
}

#[test]
fn check_accepts_the_examples_without_any_problem() {
    let out = Aftercare::new(&repository())
        .args(["check", "--format", "json"])
        .run();
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    let report: Value = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("check --format json printed no JSON ({e}):\n{}", out.stdout));
    assert_eq!(report["problems"], Value::Array(vec![]), "{}", out.stdout);
    assert_eq!(report["errors"], 0);
    assert_eq!(report["warnings"], 0);
    assert_eq!(report["files"], 5);
    assert_eq!(report["postmortems"], 5);
    assert_eq!(report["tasks"], 34);
}

#[test]
fn the_examples_are_exactly_the_five_converted_documents() {
    let mut on_disk: Vec<String> = std::fs::read_dir(repository().join("postmortems"))
        .expect("the postmortems directory is readable")
        .map(|entry| {
            let entry = entry.expect("a directory entry is readable");
            entry.file_name().to_string_lossy().into_owned()
        })
        .collect();
    on_disk.sort();
    let mut expected: Vec<String> = EXAMPLES
        .iter()
        .map(|(id, _, _)| format!("{id}.yaml"))
        .collect();
    expected.sort();
    assert_eq!(on_disk, expected);
}

#[test]
fn each_example_keeps_the_task_and_measure_counts_of_its_document() {
    let counts: Vec<(String, usize, usize)> = EXAMPLES
        .iter()
        .map(|(id, _, _)| {
            let (_, value) = read_example(id);
            (
                id.to_string(),
                list_len(&value, "tasks"),
                list_len(&value, "measures"),
            )
        })
        .collect();
    let expected: Vec<(String, usize, usize)> = EXAMPLES
        .iter()
        .map(|(id, tasks, measures)| (id.to_string(), *tasks, *measures))
        .collect();
    assert_eq!(counts, expected);
    assert_eq!(counts.iter().map(|(_, t, _)| t).sum::<usize>(), 34);
    assert_eq!(counts.iter().map(|(_, _, m)| m).sum::<usize>(), 29);
}

#[test]
fn each_example_is_named_after_its_id_and_points_editors_at_the_schema() {
    for (id, _, _) in EXAMPLES {
        let (text, value) = read_example(id);
        assert_eq!(text.lines().next(), Some(SCHEMA_LINE), "{id}");
        assert_eq!(value["id"], id, "{id}");
        assert_eq!(value["status"], "published", "{id}");
    }
}

#[test]
fn no_example_invents_an_owner_a_due_date_or_a_priority() {
    // None of the source documents names an owner, a due date or a priority.
    for (id, _, _) in EXAMPLES {
        let (_, value) = read_example(id);
        for task in value["tasks"].as_array().expect("tasks is a list") {
            for key in ["owner", "due", "priority"] {
                assert_eq!(task.get(key), None, "{id}/{}: {key}", task["id"]);
            }
        }
    }
}

/// `HH:MM` on a 24-hour clock.
type TimeOfDay = (u32, u32);
/// `(year, month, day)`.
type Date = (u32, u32, u32);

/// Every time of day written in a document, `14:00`, `9:00 AM` or `06:00 PM`, on a 24-hour
/// clock.
fn times_in_document(text: &str) -> BTreeSet<TimeOfDay> {
    let bytes = text.as_bytes();
    let mut times = BTreeSet::new();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b':' || i == 0 {
            continue;
        }
        let minute_digits = bytes
            .get(i + 1..i + 3)
            .filter(|m| m.iter().all(u8::is_ascii_digit));
        let Some(minute_digits) = minute_digits else {
            continue;
        };
        if bytes.get(i + 3).is_some_and(u8::is_ascii_digit) {
            continue;
        }
        let start = (i.saturating_sub(2)..i)
            .find(|&s| bytes[s..i].iter().all(u8::is_ascii_digit))
            .unwrap_or(i);
        if start == i
            || (start > 0 && (bytes[start - 1].is_ascii_digit() || bytes[start - 1] == b':'))
        {
            continue;
        }
        let hour: u32 = text[start..i].parse().expect("digits");
        let minute: u32 = std::str::from_utf8(minute_digits)
            .expect("digits")
            .parse()
            .expect("digits");
        let rest = text[i + 3..].trim_start_matches(' ');
        let hour = if rest.starts_with("PM") && hour < 12 {
            hour + 12
        } else if rest.starts_with("AM") && hour == 12 {
            0
        } else {
            hour
        };
        times.insert((hour, minute));
    }
    times
}

/// Every date written in a document as `May 10, 2023`.
fn dates_in_document(text: &str) -> BTreeSet<Date> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let mut dates = BTreeSet::new();
    for (index, month) in MONTHS.iter().enumerate() {
        for (at, _) in text.match_indices(&format!("{month} ")) {
            let rest = &text[at + month.len() + 1..];
            let Some((day, rest)) = rest.split_once(", ") else {
                continue;
            };
            let year = rest.get(..4).unwrap_or("");
            if let (Ok(day), Ok(year)) = (day.parse::<u32>(), year.parse::<u32>()) {
                dates.insert((year, index as u32 + 1, day));
            }
        }
    }
    dates
}

/// The times an example gives: `started`, `ended`, `detected` and every timeline `at`.
fn moments_in_example(value: &Value) -> Vec<String> {
    let mut moments: Vec<String> = ["started", "ended", "detected"]
        .iter()
        .filter_map(|key| value[*key].as_str().map(str::to_string))
        .collect();
    for entry in value["timeline"].as_array().into_iter().flatten() {
        if let Some(at) = entry["at"].as_str() {
            moments.push(at.to_string());
        }
    }
    moments
}

/// Splits `2023-05-10T14:00:00Z`, `2023-05-10` or `14:00` into its date and time of day.
fn split_moment(moment: &str) -> (Option<Date>, Option<TimeOfDay>) {
    let number = |s: &str| s.parse::<u32>().expect("a number in a time");
    let time = |s: &str| (number(&s[0..2]), number(&s[3..5]));
    let date = |s: &str| (number(&s[0..4]), number(&s[5..7]), number(&s[8..10]));
    match moment.len() {
        5 => (None, Some(time(moment))),
        10 => (Some(date(moment)), None),
        _ => (Some(date(moment)), Some(time(&moment[11..]))),
    }
}

fn kind_count(value: &Value, kind: &str) -> usize {
    value["timeline"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|entry| entry["kind"] == kind)
        .count()
}

/// What can be compared between a document and an example without reading prose.
#[derive(Debug, PartialEq, Eq)]
struct Facts {
    times: BTreeSet<TimeOfDay>,
    dates: BTreeSet<Date>,
    users_affected_percent: Option<u64>,
    misleading: usize,
    escalations: usize,
}

fn facts_of_document(text: &str) -> Facts {
    let lower = text.to_lowercase();
    let users_affected_percent = text.find('%').and_then(|end| {
        let start = text[..end]
            .rfind(|c: char| !c.is_ascii_digit())
            .map_or(0, |i| i + 1);
        text[start..end].parse().ok()
    });
    Facts {
        times: times_in_document(text),
        dates: dates_in_document(text),
        users_affected_percent,
        misleading: lower.matches("misleading").count(),
        escalations: lower.matches("escalated").count(),
    }
}

fn facts_of_example(value: &Value) -> Facts {
    let mut times = BTreeSet::new();
    let mut dates = BTreeSet::new();
    for moment in moments_in_example(value) {
        let (date, time) = split_moment(&moment);
        dates.extend(date);
        times.extend(time);
    }
    Facts {
        times,
        dates,
        users_affected_percent: value["impact"]["users_affected_percent"].as_u64(),
        misleading: kind_count(value, "misleading"),
        escalations: kind_count(value, "escalation"),
    }
}

fn seed_documents(dir: &Path) -> Vec<(String, String)> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("AFTERCARE_SEEDS={} is not readable: {e}", dir.display()))
        .map(|entry| entry.expect("a directory entry is readable").path())
        .filter(|path| path.is_file())
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            (
                path.file_name()
                    .unwrap_or_default()
                    .to_string_lossy()
                    .into_owned(),
                text,
            )
        })
        .collect()
}

#[test]
fn each_seed_document_has_exactly_one_example_that_keeps_its_facts() {
    let Some(dir) = std::env::var_os("AFTERCARE_SEEDS") else {
        println!("skipped: AFTERCARE_SEEDS is not set");
        return;
    };
    let dir = PathBuf::from(dir);
    assert!(
        dir.is_dir(),
        "AFTERCARE_SEEDS={} is not a directory",
        dir.display()
    );
    let seeds = seed_documents(&dir);
    assert_eq!(seeds.len(), EXAMPLES.len(), "one example per seed document");

    let examples: Vec<(&str, Value)> = EXAMPLES
        .iter()
        .map(|(id, _, _)| (*id, read_example(id).1))
        .collect();
    for (index, (name, text)) in seeds.iter().enumerate() {
        let facts = facts_of_document(text);
        let matching: Vec<&str> = examples
            .iter()
            .filter(|(_, value)| facts_of_example(value) == facts)
            .map(|(id, _)| *id)
            .collect();
        assert_eq!(
            matching,
            vec![EXAMPLES[index].0],
            "{name}: {facts:?} should be kept by exactly its own example"
        );

        let (_, value) = &examples[index];
        let title = value["title"].as_str().expect("a title");
        let lower = text.to_lowercase();
        let unsourced: Vec<&str> = title
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.len() >= 4 && !FUNCTION_WORDS.contains(&w.to_lowercase().as_str()))
            .filter(|w| !lower.contains(&w.to_lowercase()))
            .collect();
        assert_eq!(
            unsourced,
            Vec::<&str>::new(),
            "{name}: title words not in the document"
        );
    }
}

#[test]
fn document_times_are_read_on_a_24_hour_clock() {
    let text = "from 10:00 AM to 2:00 PM; 12:00 PM; 12:30 AM; 14:00 UTC; 09:15 AM (UTC); 1:00:00";
    let expected: BTreeSet<TimeOfDay> = [(10, 0), (14, 0), (12, 0), (0, 30), (9, 15), (1, 0)]
        .into_iter()
        .collect();
    assert_eq!(times_in_document(text), expected);
    let dates: BTreeSet<Date> = [(2023, 5, 10), (2024, 3, 9)].into_iter().collect();
    assert_eq!(
        dates_in_document("May 10, 2023 and March 9, 2024, 14:00"),
        dates
    );
}
