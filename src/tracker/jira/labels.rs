//! Jira's rule for labels: a label is one word, without spaces. `aftercare check` reports a
//! label that breaks it at its place, in `aftercare.yml` and in the postmortems, when the
//! tracker is Jira. Pure: it reads the YAML tree it is given.

use crate::format::source::{Node, ScalarKind, Value};
use crate::model::Position;

/// The message for a label Jira would refuse.
pub fn message(label: &str) -> String {
    format!(
        "label `{label}` contains a space, which Jira does not allow in labels: use `{}`",
        label.split_whitespace().collect::<Vec<_>>().join("-")
    )
}

/// Whether Jira refuses `label`.
pub fn has_space(label: &str) -> bool {
    label.chars().any(char::is_whitespace)
}

/// Each label with a space in a list of labels, at its position.
pub fn in_list(node: &Node) -> Vec<(Position, String)> {
    let Value::Sequence(items) = &node.value else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.value {
            Value::Scalar(s) if s.kind == ScalarKind::String && has_space(s.text.trim()) => {
                Some((item.position, message(s.text.trim())))
            }
            _ => None,
        })
        .collect()
}

/// Each task label with a space in a postmortem's YAML tree (`tasks[].labels[]`).
pub fn in_postmortem(root: &Node) -> Vec<(Position, String)> {
    let Some(tasks) = field(root, "tasks") else {
        return Vec::new();
    };
    let Value::Sequence(tasks) = &tasks.value else {
        return Vec::new();
    };
    tasks
        .iter()
        .filter_map(|task| field(task, "labels"))
        .flat_map(in_list)
        .collect()
}

fn field<'a>(node: &'a Node, name: &str) -> Option<&'a Node> {
    let Value::Mapping(entries) = &node.value else {
        return None;
    };
    entries.iter().find_map(|(k, v)| match &k.value {
        Value::Scalar(s) if s.text == name => Some(v),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::source::parse;

    #[test]
    fn task_labels_with_spaces_are_found_at_their_place() {
        let text = "id: x\ntasks:\n  - id: a\n    labels: [ok, needs review]\n  - id: b\n    labels:\n      - \"two  words\"\n";
        let root = parse(text).root.unwrap();
        assert_eq!(
            in_postmortem(&root),
            vec![
                (
                    Position {
                        line: 4,
                        column: 18
                    },
                    "label `needs review` contains a space, which Jira does not allow in \
                     labels: use `needs-review`"
                        .to_string()
                ),
                (
                    Position { line: 7, column: 9 },
                    "label `two  words` contains a space, which Jira does not allow in labels: \
                     use `two-words`"
                        .to_string()
                ),
            ]
        );
    }

    #[test]
    fn configured_labels_with_spaces_are_errors_only_for_jira() {
        use crate::config::Config;
        let jira = b"labels: [postmortem, follow up]\ntracker:\n  kind: jira\n  url: https://acme.atlassian.net\n  project: OPS\n";
        assert_eq!(
            Config::parse(jira).unwrap_err(),
            vec![(
                Position {
                    line: 1,
                    column: 22
                },
                "label `follow up` contains a space, which Jira does not allow in labels: use \
                 `follow-up`"
                    .to_string()
            )]
        );
        assert!(Config::parse(b"labels: [postmortem, follow up]\n").is_ok());
    }
}
