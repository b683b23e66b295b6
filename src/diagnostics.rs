//! Problems found in postmortems, with file, line and column, and how they are printed.
//!
//! A [`Diagnostic`] is one problem; a [`Report`] renders a whole run of them (text for people,
//! JSON for scripts, GitHub workflow commands for pull-request annotations, GitLab's Code
//! Quality report for merge requests). The renderers are
//! pure: they build strings and never print, read files or decide exit codes, so `check` and
//! `sync` render the same problems the same way.

use std::fmt;

use serde::Serialize;

use crate::model::Position;
use crate::report::text::{acts_on_display, terminal_safe};

/// How bad a problem is. Errors fail `check` and stop `sync`; warnings are only shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// The word used in text output and GitHub workflow commands.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem in one file, at a 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The file, relative to the repository root when it lies inside it, `/`-separated.
    pub file: String,
    pub position: Position,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, position: Position, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            position,
            severity: Severity::Error,
            message: message.into(),
        }
    }

    pub fn warning(
        file: impl Into<String>,
        position: Position,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            file: file.into(),
            position,
            severity: Severity::Warning,
            message: message.into(),
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    /// `path:line:col: error: message`, the form editors and terminals turn into links. File
    /// names and messages quote what people wrote, so characters that would act on a terminal
    /// or break the line are replaced ([`terminal_safe`]): one problem is always one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            terminal_safe(&self.file),
            self.position.line,
            self.position.column,
            self.severity,
            terminal_safe(&self.message)
        )
    }
}

/// What a run looked at, for the summary line and the JSON counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Counts {
    /// Postmortem files read.
    pub files: usize,
    /// Postmortems that passed validation.
    pub postmortems: usize,
    /// Tasks in the postmortems that passed validation.
    pub tasks: usize,
}

/// Renders the problems of one run. Chosen once per run with [`reporter`].
pub trait Report {
    /// The complete output for these problems (in the order given) and counts.
    fn render(&self, diagnostics: &[Diagnostic], counts: Counts) -> String;
}

/// The output formats of the problems.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Text,
    Json,
    Github,
    Codequality,
}

/// The renderer for a format.
pub fn reporter(format: ReportFormat) -> Box<dyn Report> {
    match format {
        ReportFormat::Text => Box::new(TextReport),
        ReportFormat::Json => Box::new(JsonReport),
        ReportFormat::Github => Box::new(GithubReport),
        ReportFormat::Codequality => Box::new(CodequalityReport),
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// The one-line summary: `2 errors, 1 warning in 5 files`, or, when nothing failed,
/// `no problems in 5 files (5 postmortems, 34 tasks)`.
pub fn summary(diagnostics: &[Diagnostic], counts: Counts) -> String {
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    let files = plural(counts.files, "file", "files");
    let found = match (errors, warnings) {
        (0, 0) => "no problems".to_string(),
        (0, w) => plural(w, "warning", "warnings"),
        (e, 0) => plural(e, "error", "errors"),
        (e, w) => format!(
            "{}, {}",
            plural(e, "error", "errors"),
            plural(w, "warning", "warnings")
        ),
    };
    if errors == 0 {
        format!(
            "{found} in {files} ({}, {})",
            plural(counts.postmortems, "postmortem", "postmortems"),
            plural(counts.tasks, "task", "tasks")
        )
    } else {
        format!("{found} in {files}")
    }
}

/// One line per problem, `path:line:col: error: message`, then the summary.
pub struct TextReport;

impl Report for TextReport {
    fn render(&self, diagnostics: &[Diagnostic], counts: Counts) -> String {
        let mut out = String::new();
        for d in diagnostics {
            out.push_str(&d.to_string());
            out.push('\n');
        }
        out.push_str(&summary(diagnostics, counts));
        out.push('\n');
        out
    }
}

/// One JSON object, pretty-printed:
///
/// ```json
/// {
///   "files": 5,          // postmortem files read
///   "postmortems": 4,    // postmortems without any error
///   "tasks": 30,         // tasks in those postmortems
///   "errors": 1,
///   "warnings": 0,
///   "problems": [
///     {"file": "postmortems/x.yaml", "line": 3, "column": 1, "severity": "error",
///      "message": "unknown field `titel`, did you mean `title`?"}
///   ]
/// }
/// ```
pub struct JsonReport;

#[derive(Serialize)]
struct JsonProblem<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    severity: Severity,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    files: usize,
    postmortems: usize,
    tasks: usize,
    errors: usize,
    warnings: usize,
    problems: Vec<JsonProblem<'a>>,
}

impl Report for JsonReport {
    fn render(&self, diagnostics: &[Diagnostic], counts: Counts) -> String {
        let errors = diagnostics.iter().filter(|d| d.is_error()).count();
        let output = JsonOutput {
            files: counts.files,
            postmortems: counts.postmortems,
            tasks: counts.tasks,
            errors,
            warnings: diagnostics.len() - errors,
            problems: diagnostics
                .iter()
                .map(|d| JsonProblem {
                    file: &d.file,
                    line: d.position.line,
                    column: d.position.column,
                    severity: d.severity,
                    message: &d.message,
                })
                .collect(),
        };
        // Serialising plain strings and numbers cannot fail.
        let mut out = serde_json::to_string_pretty(&output).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// GitLab's Code Quality report: the subset of the CodeClimate JSON that GitLab reads, one
/// object a problem, shown in a merge request's widget.
///
/// ```json
/// [{"description": "unknown field `titel`, did you mean `title`?",
///   "check_name": "aftercare-check", "fingerprint": "…", "severity": "major",
///   "location": {"path": "postmortems/a.yaml", "lines": {"begin": 3}}}]
/// ```
///
/// Errors are `major`, warnings `minor`. The fingerprint is a SHA-256 of the file, the message
/// and how many times the same message came before in that file, so it stays the same when
/// lines move and a merge request shows only the problems it adds.
pub struct CodequalityReport;

#[derive(Serialize)]
struct CodequalityIssue<'a> {
    description: &'a str,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: CodequalityLocation<'a>,
}

#[derive(Serialize)]
struct CodequalityLocation<'a> {
    path: &'a str,
    lines: CodequalityLines,
}

#[derive(Serialize)]
struct CodequalityLines {
    begin: usize,
}

impl Report for CodequalityReport {
    fn render(&self, diagnostics: &[Diagnostic], _counts: Counts) -> String {
        use sha2::{Digest, Sha256};
        let mut seen: std::collections::HashMap<(&str, &str), usize> = Default::default();
        let issues: Vec<CodequalityIssue<'_>> = diagnostics
            .iter()
            .map(|d| {
                let n = seen.entry((&d.file, &d.message)).or_insert(0);
                *n += 1;
                let digest = Sha256::digest(format!("{}\0{}\0{n}", d.file, d.message));
                CodequalityIssue {
                    description: &d.message,
                    check_name: "aftercare-check",
                    fingerprint: format!("{digest:x}"),
                    severity: if d.is_error() { "major" } else { "minor" },
                    location: CodequalityLocation {
                        path: &d.file,
                        lines: CodequalityLines {
                            begin: d.position.line.max(1),
                        },
                    },
                }
            })
            .collect();
        let mut out = serde_json::to_string_pretty(&issues).unwrap_or_default();
        out.push('\n');
        out
    }
}

/// GitHub workflow commands (`::error file=…,line=…,col=…::message`), then the summary as a
/// plain log line.
pub struct GithubReport;

/// Escapes a workflow command's message: `%`, `\r` and `\n` as the runner decodes them; any
/// other character that [`acts_on_display`] (the log viewer renders ANSI escapes) becomes
/// U+FFFD.
pub fn escape_github_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c if acts_on_display(c) => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes a workflow command's property value: as a message, plus `:` and `,`.
pub fn escape_github_property(s: &str) -> String {
    escape_github_data(s)
        .replace(':', "%3A")
        .replace(',', "%2C")
}

impl Report for GithubReport {
    fn render(&self, diagnostics: &[Diagnostic], counts: Counts) -> String {
        let mut out = String::new();
        for d in diagnostics {
            out.push_str(&format!(
                "::{} file={},line={},col={}::{}\n",
                d.severity,
                escape_github_property(&d.file),
                d.position.line,
                d.position.column,
                escape_github_data(&d.message)
            ));
        }
        out.push_str(&summary(diagnostics, counts));
        out.push('\n');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn summary_words_counts_in_singular_and_plural() {
        let counts = Counts {
            files: 5,
            postmortems: 5,
            tasks: 34,
        };
        assert_eq!(
            summary(&[], counts),
            "no problems in 5 files (5 postmortems, 34 tasks)"
        );
        let one = Counts {
            files: 1,
            postmortems: 1,
            tasks: 1,
        };
        let w = Diagnostic::warning("a.yaml", at(1, 1), "w");
        let e = Diagnostic::error("a.yaml", at(1, 1), "e");
        assert_eq!(
            summary(std::slice::from_ref(&w), one),
            "1 warning in 1 file (1 postmortem, 1 task)"
        );
        assert_eq!(summary(std::slice::from_ref(&e), one), "1 error in 1 file");
        assert_eq!(
            summary(&[e.clone(), e, w.clone(), w], counts),
            "2 errors, 2 warnings in 5 files"
        );
    }

    #[test]
    fn github_commands_escape_data_and_properties() {
        let d = Diagnostic::error("dir,x/a:b.yaml", at(3, 4), "100% wrong\r\nreally");
        let out = GithubReport.render(&[d], Counts::default());
        assert_eq!(
            out,
            "::error file=dir%2Cx/a%3Ab.yaml,line=3,col=4::100%25 wrong%0D%0Areally\n1 error in 0 files\n"
        );
    }

    #[test]
    fn a_problem_quoting_control_characters_stays_one_harmless_line() {
        let d = Diagnostic::error("a\nb.yaml", at(1, 2), "unknown field `\u{1b}[2J\u{202e}x`");
        assert_eq!(
            d.to_string(),
            "a\u{FFFD}b.yaml:1:2: error: unknown field `\u{FFFD}[2J\u{FFFD}x`"
        );
        assert_eq!(
            escape_github_data("\u{1b}[2J 100%\n"),
            "\u{FFFD}[2J 100%25%0A"
        );
    }

    #[test]
    fn text_lines_follow_the_editor_convention() {
        let d = Diagnostic::warning("postmortems/a.yaml", at(12, 7), "timeline is out of order");
        assert_eq!(
            d.to_string(),
            "postmortems/a.yaml:12:7: warning: timeline is out of order"
        );
    }
}
