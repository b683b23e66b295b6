//! The `tracker:` block of `aftercare.yml`: which tracker holds the issues, and its settings.
//!
//! Without the block aftercare talks to GitHub, and `repo:` names the repository. Each kind
//! has its own keys; an unknown key, or a key of another kind, is an error at its
//! `aftercare.yml:line:col`. Settings the environment can give (GitLab's `CI_SERVER_URL` and
//! `CI_PROJECT_PATH`) are resolved by the tracker module, not here.

use crate::format::source::{Node, ScalarKind, Value};
use crate::format::validate::unknown_message;
use crate::model::Position;

type Problem = (Position, String);

/// Labels that mean "dropped" on a closed GitLab issue, by default (compared ignoring case).
pub const GITLAB_DROPPED_LABELS: &[&str] = &["not planned", "won't do", "wontfix", "duplicate"];
/// Resolutions that mean "dropped" on a done Jira issue, by default.
pub const JIRA_DROPPED_RESOLUTIONS: &[&str] = &[
    "Won't Do",
    "Won't Fix",
    "Duplicate",
    "Cannot Reproduce",
    "Declined",
];

/// Which tracker, with its settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TrackerConfig {
    /// GitHub (or GitHub Enterprise Server): the repository is `repo:`, `--repo` or the
    /// environment.
    #[default]
    GitHub,
    GitLab(GitLabConfig),
    Jira(JiraConfig),
}

/// `tracker: {kind: gitlab, ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitLabConfig {
    /// The server, `https://gitlab.example.com`; `None`: `CI_SERVER_URL`, else gitlab.com.
    pub url: Option<String>,
    /// A project path (`group/sub/project`) or numeric id; `None`: `CI_PROJECT_PATH`.
    pub project: Option<String>,
    /// Labels that make a closed issue dropped rather than done.
    pub dropped_labels: Vec<String>,
}

/// Which Jira.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JiraDeployment {
    /// Jira Cloud: REST v3, Atlassian Document Format, e-mail and API token.
    Cloud,
    /// Jira Data Center: REST v2, wiki markup, a personal access token.
    DataCenter,
}

/// `tracker: {kind: jira, ...}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiraConfig {
    pub url: String,
    /// The project key, `OPS`.
    pub project: String,
    pub deployment: JiraDeployment,
    pub issue_type: String,
    /// Resolutions that make a done issue dropped.
    pub dropped_resolutions: Vec<String>,
}

const KINDS: &[&str] = &["github", "gitlab", "jira"];
const GITLAB_KEYS: &[&str] = &["kind", "url", "project", "dropped_labels"];
const JIRA_KEYS: &[&str] = &[
    "kind",
    "url",
    "project",
    "deployment",
    "issue_type",
    "dropped_resolutions",
];

/// Parses the value of `tracker:`; every problem with its position otherwise.
pub fn parse(value: &Node, problems: &mut Vec<Problem>) -> Option<TrackerConfig> {
    let Value::Mapping(entries) = &value.value else {
        if value.is_null() {
            return Some(TrackerConfig::GitHub);
        }
        problems.push((
            value.position,
            format!(
                "expected a mapping with `kind` for `tracker`, found {}",
                value.describe()
            ),
        ));
        return None;
    };
    let field = |name: &str| {
        entries.iter().find_map(|(k, v)| match &k.value {
            Value::Scalar(s) if s.text == name => Some(v),
            _ => None,
        })
    };
    let kind = match field("kind") {
        None => {
            problems.push((
                value.position,
                "`tracker` needs a `kind`: github, gitlab or jira".into(),
            ));
            return None;
        }
        Some(node) => match text(node, "tracker.kind", problems)? {
            k if KINDS.contains(&k.as_str()) => k,
            other => {
                problems.push((
                    node.position,
                    unknown_message("tracker kind", &other, KINDS),
                ));
                return None;
            }
        },
    };
    let allowed: &[&str] = match kind.as_str() {
        "gitlab" => GITLAB_KEYS,
        "jira" => JIRA_KEYS,
        _ => &["kind"],
    };
    let before = problems.len();
    for (key, _) in entries {
        let name = match &key.value {
            Value::Scalar(s) => s.text.as_str(),
            _ => {
                problems.push((key.position, "expected a key".into()));
                continue;
            }
        };
        if allowed.contains(&name) {
            continue;
        }
        let known = GITLAB_KEYS.contains(&name) || JIRA_KEYS.contains(&name);
        let message = if known {
            format!("`tracker.{name}` is not a setting of a {kind} tracker")
        } else {
            unknown_message("key", name, allowed)
        };
        problems.push((key.position, message));
    }
    let optional = |name: &str, problems: &mut Vec<Problem>| match field(name) {
        None => None,
        Some(node) if node.is_null() => None,
        Some(node) => text(node, &format!("tracker.{name}"), problems).map(|t| (t, node.position)),
    };
    let list = |name: &str, default: &[&str], problems: &mut Vec<Problem>| match field(name) {
        None => Some(default.iter().map(|s| s.to_string()).collect()),
        Some(node) => strings(node, &format!("tracker.{name}"), problems),
    };
    let config = match kind.as_str() {
        "github" => TrackerConfig::GitHub,
        "gitlab" => {
            let url = optional("url", problems);
            if let Some((url, at)) = &url {
                check_url(url, *at, problems);
            }
            let project = optional("project", problems);
            if let Some((project, at)) = &project {
                if project.trim().is_empty() || project.starts_with('/') || project.ends_with('/') {
                    problems.push((
                        *at,
                        format!(
                            "`tracker.project` must be a project path such as `group/project` \
                             or a numeric id, found `{project}`"
                        ),
                    ));
                }
            }
            TrackerConfig::GitLab(GitLabConfig {
                url: url.map(|(u, _)| u.trim_end_matches('/').to_string()),
                project: project.map(|(p, _)| p),
                dropped_labels: list("dropped_labels", GITLAB_DROPPED_LABELS, problems)?,
            })
        }
        _ => {
            let url = optional("url", problems);
            let project = optional("project", problems);
            if url.is_none() {
                problems.push((value.position, "a jira tracker needs `url`".into()));
            }
            if project.is_none() {
                problems.push((
                    value.position,
                    "a jira tracker needs `project`, the project key".into(),
                ));
            }
            if let Some((url, at)) = &url {
                check_url(url, *at, problems);
            }
            if let Some((key, at)) = &project {
                let valid = key.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                    && key
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if !valid {
                    problems.push((*at, format!("`tracker.project` must be a Jira project key such as `OPS`, found `{key}`")));
                }
            }
            let deployment = match optional("deployment", problems) {
                None => JiraDeployment::Cloud,
                Some((d, _)) if d == "cloud" => JiraDeployment::Cloud,
                Some((d, _)) if d == "datacenter" => JiraDeployment::DataCenter,
                Some((d, at)) => {
                    problems.push((
                        at,
                        unknown_message("deployment", &d, &["cloud", "datacenter"]),
                    ));
                    JiraDeployment::Cloud
                }
            };
            let issue_type = optional("issue_type", problems)
                .map(|(t, _)| t)
                .unwrap_or_else(|| "Task".to_string());
            let dropped_resolutions =
                list("dropped_resolutions", JIRA_DROPPED_RESOLUTIONS, problems)?;
            TrackerConfig::Jira(JiraConfig {
                url: url
                    .map(|(u, _)| u.trim_end_matches('/').to_string())
                    .unwrap_or_default(),
                project: project.map(|(p, _)| p).unwrap_or_default(),
                deployment,
                issue_type,
                dropped_resolutions,
            })
        }
    };
    (problems.len() == before).then_some(config)
}

fn text(node: &Node, key: &str, problems: &mut Vec<Problem>) -> Option<String> {
    match &node.value {
        Value::Scalar(s) if matches!(s.kind, ScalarKind::String | ScalarKind::Int) => {
            Some(s.text.clone())
        }
        _ => {
            problems.push((
                node.position,
                format!("expected a string for `{key}`, found {}", node.describe()),
            ));
            None
        }
    }
}

fn strings(node: &Node, key: &str, problems: &mut Vec<Problem>) -> Option<Vec<String>> {
    let Value::Sequence(items) = &node.value else {
        problems.push((
            node.position,
            format!("expected a list for `{key}`, found {}", node.describe()),
        ));
        return None;
    };
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            Value::Scalar(s) if s.kind == ScalarKind::String && !s.text.trim().is_empty() => {
                out.push(s.text.clone())
            }
            _ => {
                problems.push((
                    item.position,
                    format!(
                        "expected a non-empty string in `{key}`, found {}",
                        item.describe()
                    ),
                ));
                return None;
            }
        }
    }
    Some(out)
}

fn check_url(url: &str, at: Position, problems: &mut Vec<Problem>) {
    let ok = url::Url::parse(url)
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some());
    if !ok {
        problems.push((
            at,
            format!("`tracker.url` must be an http(s) address such as `https://gitlab.example.com`, found `{url}`"),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    #[test]
    fn without_a_block_the_tracker_is_github() {
        assert_eq!(
            Config::parse(b"repo: a/b\n").unwrap().tracker,
            TrackerConfig::GitHub
        );
        let config = Config::parse(b"tracker:\n  kind: github\n").unwrap();
        assert_eq!(config.tracker, TrackerConfig::GitHub);
    }

    #[test]
    fn a_gitlab_block_with_defaults_and_with_every_key() {
        let config = Config::parse(b"tracker:\n  kind: gitlab\n").unwrap();
        assert_eq!(
            config.tracker,
            TrackerConfig::GitLab(GitLabConfig {
                url: None,
                project: None,
                dropped_labels: vec![
                    "not planned".into(),
                    "won't do".into(),
                    "wontfix".into(),
                    "duplicate".into()
                ],
            })
        );
        let config = Config::parse(
            b"tracker:\n  kind: gitlab\n  url: https://gitlab.example.com/\n  project: group/sub/project\n  dropped_labels: [declined]\n",
        )
        .unwrap();
        assert_eq!(
            config.tracker,
            TrackerConfig::GitLab(GitLabConfig {
                url: Some("https://gitlab.example.com".into()),
                project: Some("group/sub/project".into()),
                dropped_labels: vec!["declined".into()],
            })
        );
        let config = Config::parse(b"tracker: {kind: gitlab, project: 4242}\n").unwrap();
        let TrackerConfig::GitLab(gitlab) = config.tracker else {
            panic!()
        };
        assert_eq!(gitlab.project.as_deref(), Some("4242"));
    }

    #[test]
    fn a_jira_block_takes_its_defaults() {
        let config = Config::parse(
            b"tracker:\n  kind: jira\n  url: https://acme.atlassian.net\n  project: OPS\n",
        )
        .unwrap();
        assert_eq!(
            config.tracker,
            TrackerConfig::Jira(JiraConfig {
                url: "https://acme.atlassian.net".into(),
                project: "OPS".into(),
                deployment: JiraDeployment::Cloud,
                issue_type: "Task".into(),
                dropped_resolutions: JIRA_DROPPED_RESOLUTIONS
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            })
        );
    }

    #[test]
    fn unknown_keys_keys_of_another_kind_and_bad_values_are_errors_at_their_place() {
        let problems = Config::parse(
            b"tracker:\n  kind: gitlab\n  deployment: cloud\n  projekt: x\n  url: gitlab.example.com\n",
        )
        .unwrap_err();
        assert_eq!(
            problems,
            vec![
                (
                    at(3, 3),
                    "`tracker.deployment` is not a setting of a gitlab tracker".to_string()
                ),
                (
                    at(4, 3),
                    "unknown key `projekt`, did you mean `project`?".to_string()
                ),
                (
                    at(5, 8),
                    "`tracker.url` must be an http(s) address such as \
                     `https://gitlab.example.com`, found `gitlab.example.com`"
                        .to_string()
                ),
            ]
        );
        let problems = Config::parse(b"tracker:\n  kind: gitlap\n").unwrap_err();
        assert_eq!(
            problems,
            vec![(
                at(2, 9),
                "unknown tracker kind `gitlap`, did you mean `gitlab`?".to_string()
            )]
        );
        let problems = Config::parse(b"tracker:\n  kind: jira\n  project: ops\n").unwrap_err();
        assert_eq!(
            problems,
            vec![
                (at(2, 3), "a jira tracker needs `url`".to_string()),
                (
                    at(3, 12),
                    "`tracker.project` must be a Jira project key such as `OPS`, found `ops`"
                        .to_string()
                ),
            ]
        );
        let problems = Config::parse(b"tracker: gitlab\n").unwrap_err();
        assert_eq!(
            problems,
            vec![(
                at(1, 10),
                "expected a mapping with `kind` for `tracker`, found a string".to_string()
            )]
        );
    }
}
