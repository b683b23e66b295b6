//! The report of `aftercare import`: for each document, where its draft went, every section
//! found and where, and every warning as `FILE:LINE: warning: …`, as text for people or the
//! same as JSON for scripts.
//!
//! A renderer is picked once ([`for_format`]). Renderers are pure formatting: they never read
//! or write files and never decide the exit code. Text from documents is made safe for a
//! terminal before it is printed.

use std::fmt::Write as _;

use serde::Serialize;

use super::text::terminal_safe;
use crate::import::{Found, Notice};
use crate::model::Position;

/// What importing one document came to.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The document as named on the command line (`stdin` for `-`).
    pub file: String,
    pub result: Result<Done, Failure>,
}

/// A document that was read into a draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Done {
    pub id: String,
    /// The draft's path: written, or that would be written in a dry run.
    pub path: String,
    pub timeline: usize,
    pub measures: usize,
    pub tasks: usize,
    pub sections: Vec<Found>,
    pub warnings: Vec<Notice>,
    /// The draft's text.
    pub yaml: String,
}

/// A document that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub position: Option<Position>,
    pub message: String,
}

/// What to print: the report, and in a dry run of the text format the drafts, which then go
/// to standard output with the report on standard error.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    pub stdout: String,
    pub stderr: String,
}

/// The formats `import --format` offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

/// Something that turns the outcomes of a run into what to print.
pub trait ImportReport {
    fn render(&self, outcomes: &[Outcome], dry_run: bool) -> Rendered;
}

/// The renderer of a format.
pub fn for_format(format: Format) -> Box<dyn ImportReport> {
    match format {
        Format::Text => Box::new(TextReport),
        Format::Json => Box::new(JsonReport),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One line per fact: the draft, the sections and warnings in line order, then a total.
pub struct TextReport;

impl ImportReport for TextReport {
    fn render(&self, outcomes: &[Outcome], dry_run: bool) -> Rendered {
        let mut report = String::new();
        let mut drafts = String::new();
        for outcome in outcomes {
            let file = terminal_safe(&outcome.file);
            match &outcome.result {
                Ok(done) => {
                    let _ = writeln!(
                        report,
                        "{file}: {} {} ({}, {}, {})",
                        if dry_run { "would write" } else { "wrote" },
                        terminal_safe(&done.path),
                        plural(done.timeline, "timeline entry", "timeline entries"),
                        plural(done.measures, "measure", "measures"),
                        plural(done.tasks, "task", "tasks"),
                    );
                    let mut lines: Vec<(usize, u8, String)> = done
                        .sections
                        .iter()
                        .map(|s| {
                            (
                                s.line,
                                0,
                                format!(
                                    "{file}:{}: section \"{}\" -> {}",
                                    s.line,
                                    terminal_safe(&s.name),
                                    s.to
                                ),
                            )
                        })
                        .collect();
                    lines.extend(done.warnings.iter().map(|w| {
                        (
                            w.line,
                            1,
                            format!("{file}:{}: warning: {}", w.line, terminal_safe(&w.message)),
                        )
                    }));
                    lines.sort_by_key(|(line, order, _)| (*line, *order));
                    for (_, _, line) in lines {
                        let _ = writeln!(report, "{line}");
                    }
                    if dry_run {
                        // Several drafts make one stream of YAML documents.
                        if !drafts.is_empty() {
                            drafts.push_str("---\n");
                        }
                        drafts.push_str(&done.yaml);
                    }
                }
                Err(failure) => {
                    let at = failure
                        .position
                        .map_or(String::new(), |p| format!(":{}:{}", p.line, p.column));
                    let _ = writeln!(
                        report,
                        "{file}{at}: error: {}",
                        terminal_safe(&failure.message)
                    );
                }
            }
        }
        let imported = outcomes.iter().filter(|o| o.result.is_ok()).count();
        let _ = writeln!(
            report,
            "{} {imported} of {}{}",
            if dry_run { "read" } else { "imported" },
            plural(outcomes.len(), "document", "documents"),
            if dry_run {
                " (dry run: nothing written)"
            } else {
                ""
            }
        );
        if dry_run {
            Rendered {
                stdout: drafts,
                stderr: report,
            }
        } else {
            Rendered {
                stdout: report,
                stderr: String::new(),
            }
        }
    }
}

#[derive(Serialize)]
struct JsonRun<'a> {
    documents: Vec<JsonDocument<'a>>,
    imported: usize,
    failed: usize,
    dry_run: bool,
}

#[derive(Serialize)]
struct JsonDocument<'a> {
    file: &'a str,
    imported: bool,
    id: Option<&'a str>,
    path: Option<&'a str>,
    counts: Option<JsonCounts>,
    sections: Vec<JsonSection<'a>>,
    warnings: Vec<JsonWarning<'a>>,
    error: Option<JsonError<'a>>,
    yaml: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonCounts {
    timeline: usize,
    measures: usize,
    tasks: usize,
}

#[derive(Serialize)]
struct JsonSection<'a> {
    name: &'a str,
    line: usize,
    to: &'a str,
}

#[derive(Serialize)]
struct JsonWarning<'a> {
    line: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonError<'a> {
    line: Option<usize>,
    column: Option<usize>,
    message: &'a str,
}

/// The same facts as the text report, as one JSON document; in a dry run each draft's text is
/// in `yaml`.
pub struct JsonReport;

impl ImportReport for JsonReport {
    fn render(&self, outcomes: &[Outcome], dry_run: bool) -> Rendered {
        let documents: Vec<JsonDocument<'_>> = outcomes
            .iter()
            .map(|o| match &o.result {
                Ok(done) => JsonDocument {
                    file: &o.file,
                    imported: true,
                    id: Some(&done.id),
                    path: Some(&done.path),
                    counts: Some(JsonCounts {
                        timeline: done.timeline,
                        measures: done.measures,
                        tasks: done.tasks,
                    }),
                    sections: done
                        .sections
                        .iter()
                        .map(|s| JsonSection {
                            name: &s.name,
                            line: s.line,
                            to: s.to,
                        })
                        .collect(),
                    warnings: done
                        .warnings
                        .iter()
                        .map(|w| JsonWarning {
                            line: w.line,
                            message: &w.message,
                        })
                        .collect(),
                    error: None,
                    yaml: dry_run.then_some(done.yaml.as_str()),
                },
                Err(failure) => JsonDocument {
                    file: &o.file,
                    imported: false,
                    id: None,
                    path: None,
                    counts: None,
                    sections: Vec::new(),
                    warnings: Vec::new(),
                    error: Some(JsonError {
                        line: failure.position.map(|p| p.line),
                        column: failure.position.map(|p| p.column),
                        message: &failure.message,
                    }),
                    yaml: None,
                },
            })
            .collect();
        let imported = outcomes.iter().filter(|o| o.result.is_ok()).count();
        let run = JsonRun {
            documents,
            imported,
            failed: outcomes.len() - imported,
            dry_run,
        };
        let mut stdout = serde_json::to_string_pretty(&run)
            .unwrap_or_else(|err| serde_json::json!({ "error": err.to_string() }).to_string());
        stdout.push('\n');
        Rendered {
            stdout,
            stderr: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes() -> Vec<Outcome> {
        vec![
            Outcome {
                file: "a.md".into(),
                result: Ok(Done {
                    id: "2023-05-10-disk".into(),
                    path: "drafts/2023-05-10-disk.yaml".into(),
                    timeline: 1,
                    measures: 0,
                    tasks: 2,
                    sections: vec![
                        Found {
                            name: "Timeline".into(),
                            line: 3,
                            to: "timeline",
                        },
                        Found {
                            name: "Appendix\u{1b}[2J".into(),
                            line: 9,
                            to: "lessons (not placed)",
                        },
                    ],
                    warnings: vec![Notice {
                        line: 3,
                        message: "the document names no time zone; its times are read as UTC"
                            .into(),
                    }],
                    yaml: "id: 2023-05-10-disk\n".into(),
                }),
            },
            Outcome {
                file: "b.bin".into(),
                result: Err(Failure {
                    position: Some(Position { line: 2, column: 5 }),
                    message: "binary data, not a text document (a NUL byte)".into(),
                }),
            },
        ]
    }

    #[test]
    fn text_lists_sections_and_warnings_in_line_order() {
        let expected = "\
a.md: wrote drafts/2023-05-10-disk.yaml (1 timeline entry, 0 measures, 2 tasks)
a.md:3: section \"Timeline\" -> timeline
a.md:3: warning: the document names no time zone; its times are read as UTC
a.md:9: section \"Appendix\u{FFFD}[2J\" -> lessons (not placed)
b.bin:2:5: error: binary data, not a text document (a NUL byte)
imported 1 of 2 documents
";
        assert_eq!(
            TextReport.render(&outcomes(), false),
            Rendered {
                stdout: expected.into(),
                stderr: String::new()
            }
        );
        let dry = TextReport.render(&outcomes(), true);
        assert_eq!(dry.stdout, "id: 2023-05-10-disk\n");
        assert!(
            dry.stderr
                .starts_with("a.md: would write drafts/2023-05-10-disk.yaml")
        );
        assert!(
            dry.stderr
                .ends_with("read 1 of 2 documents (dry run: nothing written)\n")
        );
    }

    #[test]
    fn drafts_of_a_dry_run_are_separate_yaml_documents() {
        let mut two = outcomes();
        two[1] = two[0].clone();
        assert_eq!(
            TextReport.render(&two, true).stdout,
            "id: 2023-05-10-disk\n---\nid: 2023-05-10-disk\n"
        );
    }

    #[test]
    fn json_holds_the_same_facts() {
        let out = JsonReport.render(&outcomes(), true);
        let value: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(
            value,
            serde_json::json!({
                "documents": [
                    {
                        "file": "a.md", "imported": true, "id": "2023-05-10-disk",
                        "path": "drafts/2023-05-10-disk.yaml",
                        "counts": {"timeline": 1, "measures": 0, "tasks": 2},
                        "sections": [
                            {"name": "Timeline", "line": 3, "to": "timeline"},
                            {"name": "Appendix\u{1b}[2J", "line": 9, "to": "lessons (not placed)"}
                        ],
                        "warnings": [{"line": 3, "message": "the document names no time zone; its times are read as UTC"}],
                        "error": null,
                        "yaml": "id: 2023-05-10-disk\n"
                    },
                    {
                        "file": "b.bin", "imported": false, "id": null, "path": null,
                        "counts": null, "sections": [], "warnings": [],
                        "error": {"line": 2, "column": 5, "message": "binary data, not a text document (a NUL byte)"},
                        "yaml": null
                    }
                ],
                "imported": 1, "failed": 1, "dry_run": true
            })
        );
        assert_eq!(out.stderr, "");
    }
}
