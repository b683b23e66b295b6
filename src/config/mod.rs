//! The optional `aftercare.yml` configuration at the repository root, and how it layers with
//! flags: defaults ← file ← flags.
//!
//! The file is read with the same positioned YAML reader as postmortems, so every problem names
//! `aftercare.yml:line:col`. Unknown keys are errors. This module only reads the file; it does
//! not look at the environment or at git, which is the business of the commands that need a
//! repository.

pub mod tracker;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::diagnostics::Diagnostic;
use crate::format::source::{self, Node, ScalarKind, Value};
use crate::format::validate::{MAX_LABEL_CHARS, unknown_message};
use crate::model::{Position, Priority};
pub use tracker::{GitLabConfig, JiraConfig, JiraDeployment, TrackerConfig};

/// The configuration file's name, at the repository root.
pub const FILE_NAME: &str = "aftercare.yml";

const KEYS: &[&str] = &[
    "repo",
    "dir",
    "labels",
    "slo",
    "tracker",
    "full_every",
    "require_evidence",
];
const PRIORITIES: &[(&str, Priority)] = &[
    ("P1", Priority::P1),
    ("P2", Priority::P2),
    ("P3", Priority::P3),
];

/// The settings, after defaults and the file (flags are applied by each command).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// The GitHub repository issues live in, `owner/name`.
    pub repo: Option<String>,
    /// The directory of postmortems, relative to the root.
    pub dir: PathBuf,
    /// Labels on every issue.
    pub labels: Vec<String>,
    /// Days to complete a task of each priority, counted from the incident's end, for tasks
    /// with no `due`.
    pub slo: BTreeMap<Priority, u32>,
    /// The tracker the issues live in; GitHub without a `tracker` block.
    pub tracker: TrackerConfig,
    /// The longest time between two complete listings of the tracker's issues: in between,
    /// runs read only what changed since the last one (deleted and transferred issues show only
    /// in a complete listing).
    pub full_every: Duration,
    /// Whether an issue closed as completed counts as done only with evidence: the task's
    /// `verified_by`, or a merged pull request that closed it.
    pub require_evidence: bool,
}

/// `full_every` when the file does not set it: a day.
pub const DEFAULT_FULL_EVERY: Duration = Duration::from_secs(24 * 3600);

impl Default for Config {
    fn default() -> Self {
        Config {
            repo: None,
            dir: PathBuf::from("postmortems"),
            labels: vec!["postmortem".to_string()],
            slo: BTreeMap::new(),
            tracker: TrackerConfig::GitHub,
            full_every: DEFAULT_FULL_EVERY,
            require_evidence: false,
        }
    }
}

impl Config {
    /// Reads `root/aftercare.yml` if it exists; the defaults otherwise.
    pub fn load(root: &Path) -> anyhow::Result<Config> {
        Config::load_checked(root).map_err(|problems| {
            let lines: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
            anyhow::anyhow!("invalid configuration\n{}", lines.join("\n"))
        })
    }

    /// Like [`Config::load`], with every problem as a [`Diagnostic`] of `aftercare.yml`, so a
    /// caller can report them like problems in postmortems.
    pub fn load_checked(root: &Path) -> Result<Config, Vec<Diagnostic>> {
        let start = Position { line: 1, column: 1 };
        let bytes = match std::fs::read(root.join(FILE_NAME)) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Config::default());
            }
            Err(err) => {
                let message = format!("cannot read the file: {err}");
                return Err(vec![Diagnostic::error(FILE_NAME, start, message)]);
            }
        };
        Config::parse(&bytes).map_err(|problems| {
            problems
                .into_iter()
                .map(|(position, message)| Diagnostic::error(FILE_NAME, position, message))
                .collect()
        })
    }

    /// Parses the text of a configuration file; every problem with its position otherwise.
    pub fn parse(bytes: &[u8]) -> Result<Config, Vec<(Position, String)>> {
        let start = Position { line: 1, column: 1 };
        let text = std::str::from_utf8(bytes)
            .map_err(|_| vec![(start, "the file is not valid UTF-8".to_string())])?;
        let document = source::parse(text);
        let mut problems: Vec<(Position, String)> = document
            .errors
            .iter()
            .map(|e| (e.position, e.message.clone()))
            .collect();
        let mut config = Config::default();
        let mut labels_node = None;
        match &document.root {
            None => {}
            Some(root) if root.is_null() => {}
            Some(Node {
                value: Value::Mapping(entries),
                ..
            }) => {
                for (key, value) in entries {
                    let name = match &key.value {
                        Value::Scalar(s) => s.text.as_str(),
                        _ => {
                            problems.push((key.position, "expected a key".into()));
                            continue;
                        }
                    };
                    let result = match name {
                        "repo" => repo(value).map(|r| config.repo = r),
                        "dir" => dir(value).map(|d| config.dir = d),
                        "labels" => {
                            labels_node = Some(value);
                            labels(value).map(|l| config.labels = l)
                        }
                        "slo" => slo(value, &mut problems).map(|s| config.slo = s),
                        "require_evidence" => {
                            boolean(value, "require_evidence").map(|b| config.require_evidence = b)
                        }
                        "tracker" => {
                            if let Some(t) = tracker::parse(value, &mut problems) {
                                config.tracker = t;
                            }
                            Ok(())
                        }
                        "full_every" => full_every(value).map(|d| config.full_every = d),
                        other => Err((key.position, unknown_message("key", other, KEYS))),
                    };
                    if let Err(problem) = result {
                        problems.push(problem);
                    }
                }
            }
            Some(root) => problems.push((
                root.position,
                format!("expected a mapping of settings, found {}", root.describe()),
            )),
        }
        if let (TrackerConfig::Jira(_), Some(node)) = (&config.tracker, labels_node) {
            problems.extend(crate::tracker::jira::labels::in_list(node));
        }
        problems.sort_by_key(|(p, _)| *p);
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// The SLO in days for a priority, when configured.
    pub fn slo_days(&self, priority: Priority) -> Option<u32> {
        self.slo.get(&priority).copied()
    }
}

type Problem = (Position, String);

fn string(value: &Node, key: &str) -> Result<Option<String>, Problem> {
    match &value.value {
        Value::Scalar(s) if s.kind == ScalarKind::Null => Ok(None),
        Value::Scalar(s) if s.kind == ScalarKind::String => Ok(Some(s.text.clone())),
        _ => Err((
            value.position,
            format!("expected a string for `{key}`, found {}", value.describe()),
        )),
    }
}

fn boolean(value: &Node, key: &str) -> Result<bool, Problem> {
    match &value.value {
        Value::Scalar(s) if s.kind == ScalarKind::Bool => Ok(s.text.eq_ignore_ascii_case("true")),
        _ => Err((
            value.position,
            format!(
                "expected `true` or `false` for `{key}`, found {}",
                value.describe()
            ),
        )),
    }
}

fn repo(value: &Node) -> Result<Option<String>, Problem> {
    let Some(repo) = string(value, "repo")? else {
        return Ok(None);
    };
    let valid_part = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    };
    match repo.split_once('/') {
        Some((owner, name)) if valid_part(owner) && valid_part(name) => Ok(Some(repo)),
        _ => Err((
            value.position,
            format!("`repo` must be `owner/name`, found `{repo}`"),
        )),
    }
}

fn dir(value: &Node) -> Result<PathBuf, Problem> {
    match string(value, "dir")? {
        Some(d) if !d.trim().is_empty() => Ok(PathBuf::from(d)),
        _ => Err((value.position, "`dir` must not be empty".into())),
    }
}

fn labels(value: &Node) -> Result<Vec<String>, Problem> {
    let Value::Sequence(items) = &value.value else {
        return Err((
            value.position,
            format!("expected a list for `labels`, found {}", value.describe()),
        ));
    };
    let mut out: Vec<String> = Vec::new();
    for item in items {
        match &item.value {
            Value::Scalar(s) if s.kind == ScalarKind::String && !s.text.trim().is_empty() => {
                if s.text.chars().count() > MAX_LABEL_CHARS {
                    return Err((
                        item.position,
                        format!(
                            "label `{}` is longer than {MAX_LABEL_CHARS} characters, GitHub's limit",
                            s.text
                        ),
                    ));
                }
                if !out.contains(&s.text) {
                    out.push(s.text.clone());
                }
            }
            Value::Scalar(s) if matches!(s.kind, ScalarKind::String | ScalarKind::Null) => {
                return Err((item.position, "a label must not be empty".into()));
            }
            _ => {
                return Err((
                    item.position,
                    format!("expected a string for a label, found {}", item.describe()),
                ));
            }
        }
    }
    Ok(out)
}

/// A duration such as `30m`, `24h` or `7d`: a positive whole number and one unit of `s`, `m`,
/// `h` or `d`.
fn full_every(value: &Node) -> Result<Duration, Problem> {
    let found = match &value.value {
        Value::Scalar(s) if s.kind != ScalarKind::Null => {
            if let Some(duration) = parse_duration(s.text.trim()) {
                return Ok(duration);
            }
            format!("`{}`", s.text)
        }
        _ => value.describe().to_string(),
    };
    Err((
        value.position,
        format!("`full_every` must be a duration such as `30m`, `24h` or `7d`, found {found}"),
    ))
}

/// Parses `30s`, `30m`, `24h`, `7d`; `None` for anything else, zero included.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number.parse().ok().filter(|n| *n > 0)?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3_600,
        "d" => 86_400,
        _ => return None,
    };
    number.checked_mul(seconds).map(Duration::from_secs)
}

fn slo(value: &Node, problems: &mut Vec<Problem>) -> Result<BTreeMap<Priority, u32>, Problem> {
    let Value::Mapping(entries) = &value.value else {
        if value.is_null() {
            return Ok(BTreeMap::new());
        }
        return Err((
            value.position,
            format!(
                "expected a mapping of priority to days for `slo`, found {}",
                value.describe()
            ),
        ));
    };
    let mut out = BTreeMap::new();
    for (key, days) in entries {
        let name = match &key.value {
            Value::Scalar(s) => s.text.as_str(),
            _ => {
                problems.push((key.position, "expected a priority".into()));
                continue;
            }
        };
        let Some((_, priority)) = PRIORITIES.iter().find(|(p, _)| *p == name) else {
            let words: Vec<&str> = PRIORITIES.iter().map(|(p, _)| *p).collect();
            problems.push((key.position, unknown_message("priority", name, &words)));
            continue;
        };
        let parsed = match &days.value {
            Value::Scalar(s) if s.kind == ScalarKind::Int => s.text.parse::<u32>().ok(),
            _ => None,
        }
        .filter(|d| *d > 0);
        match parsed {
            Some(d) => {
                out.insert(*priority, d);
            }
            None => problems.push((
                days.position,
                format!("`slo.{name}` must be a positive whole number of days"),
            )),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn a_full_file_overrides_every_default() {
        let config = Config::parse(
            b"repo: acme/widgets\ndir: incidents\nlabels: [postmortem, incident]\nslo: {P1: 28, P2: 56, P3: 84}\n",
        )
        .expect("valid");
        assert_eq!(config.repo.as_deref(), Some("acme/widgets"));
        assert_eq!(config.dir, PathBuf::from("incidents"));
        assert_eq!(config.labels, vec!["postmortem", "incident"]);
        assert_eq!(config.slo_days(Priority::P1), Some(28));
        assert_eq!(config.slo_days(Priority::P3), Some(84));
    }

    #[test]
    fn require_evidence_is_a_boolean_and_off_by_default() {
        assert!(!Config::default().require_evidence);
        let config = Config::parse(b"require_evidence: true\n").expect("valid");
        assert!(config.require_evidence);
        assert_eq!(
            Config::parse(b"require_evidence: yes\n"),
            Err(vec![(
                at(1, 19),
                "expected `true` or `false` for `require_evidence`, found a string".to_string()
            )])
        );
    }

    #[test]
    fn an_empty_file_means_the_defaults() {
        assert_eq!(Config::parse(b"# nothing yet\n"), Ok(Config::default()));
        assert_eq!(Config::default().labels, vec!["postmortem"]);
        assert_eq!(Config::default().slo_days(Priority::P1), None);
    }

    #[test]
    fn every_problem_is_reported_with_its_position() {
        let problems = Config::parse(
            b"repo: widgets\nlables: [x]\nslo:\n  P1: 0\n  P4: 3\n  P2: two\nlabels: ['']\n",
        )
        .unwrap_err();
        assert_eq!(
            problems,
            vec![
                (
                    at(1, 7),
                    "`repo` must be `owner/name`, found `widgets`".to_string()
                ),
                (
                    at(2, 1),
                    "unknown key `lables`, did you mean `labels`?".to_string()
                ),
                (
                    at(4, 7),
                    "`slo.P1` must be a positive whole number of days".to_string()
                ),
                (
                    at(5, 3),
                    "unknown priority `P4`, did you mean `P1`?".to_string()
                ),
                (
                    at(6, 7),
                    "`slo.P2` must be a positive whole number of days".to_string()
                ),
                (at(7, 10), "a label must not be empty".to_string()),
            ]
        );
    }

    #[test]
    fn full_every_reads_seconds_minutes_hours_and_days() {
        assert_eq!(Config::default().full_every, Duration::from_secs(86_400));
        for (text, seconds) in [
            ("90s", 90),
            ("30m", 1_800),
            ("24h", 86_400),
            ("7d", 604_800),
        ] {
            let config = Config::parse(format!("full_every: {text}\n").as_bytes()).unwrap();
            assert_eq!(config.full_every, Duration::from_secs(seconds), "{text}");
        }
        let problems = Config::parse(b"labels: [x]\nfull_every: 0h\n").unwrap_err();
        assert_eq!(
            problems,
            vec![(
                at(2, 13),
                "`full_every` must be a duration such as `30m`, `24h` or `7d`, found `0h`"
                    .to_string()
            )]
        );
        for text in [
            "24",
            "1w",
            "h",
            "-1h",
            "1.5h",
            "1h30m",
            "99999999999999999999d",
        ] {
            assert_eq!(parse_duration(text), None, "{text}");
        }
        let problems = Config::parse(b"full_every: [1h]\n").unwrap_err();
        assert_eq!(
            problems[0].1,
            "`full_every` must be a duration such as `30m`, `24h` or `7d`, found a list"
        );
    }
}
