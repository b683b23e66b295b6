//! The skeleton postmortem that `aftercare new` writes, and the id it proposes.
//!
//! Pure text generation: the caller supplies the date, so nothing here reads the clock or the
//! disk. The skeleton is a draft whose placeholders pass `aftercare check`, with the optional
//! fields shown as comments so people see the whole format in their editor.

use chrono::NaiveDate;

use crate::format::source::{self, ScalarKind, Value};
use crate::format::validate::{MAX_ID_CHARS, MAX_TITLE_CHARS, id_problem};

/// The `status` line of a draft, with the advice on publishing it.
pub const DRAFT_STATUS: &str =
    "status: draft  # set to `published` when reviewed: its tasks then become GitHub issues";

/// The id `aftercare new` proposes: the date, `-`, and a slug of the title, within 64
/// characters (`2023-05-10-outage-caused-by-a-ddos-attack`).
pub fn default_id(date: NaiveDate, title: &str) -> String {
    id_for(Some(date), title)
}

/// An id from a title, after the date when there is one: a slug of the title within 64
/// characters, cut at a word boundary; `incident` when the title has no letter or digit.
pub fn id_for(date: Option<NaiveDate>, title: &str) -> String {
    let prefix = date.map(|d| d.format("%Y-%m-%d").to_string());
    let mut slug = String::new();
    for c in title.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let room = MAX_ID_CHARS - prefix.as_ref().map_or(0, |p| p.len() + 1);
    if slug.len() > room {
        // Cut at a word boundary when there is one.
        let cut = &slug[..room];
        slug = match cut.rfind('-') {
            Some(i) if i > 0 && slug.as_bytes().get(room) != Some(&b'-') => cut[..i].to_string(),
            _ => cut.to_string(),
        };
    }
    let slug = match slug.trim_matches('-') {
        "" => "incident",
        s => s,
    };
    match prefix {
        Some(p) => format!("{p}-{slug}"),
        None => slug.to_string(),
    }
}

/// Why a title or id cannot be used for a new postmortem.
pub fn problem(id: &str, title: &str) -> Option<String> {
    if title.trim().is_empty() {
        return Some("the title must not be empty".into());
    }
    let chars = title.chars().count();
    if chars > MAX_TITLE_CHARS {
        return Some(format!(
            "the title is {chars} characters long, at most {MAX_TITLE_CHARS} are allowed"
        ));
    }
    id_problem(id).map(|p| format!("the id `{id}` {p}"))
}

/// `text` as a YAML scalar that reads back as exactly `text`: plain when that is safe, else
/// double-quoted (a JSON string is a valid YAML double-quoted scalar).
pub fn yaml_scalar(text: &str) -> String {
    let plain_reads_back = || {
        let doc = source::parse(&format!("k: {text}\n"));
        if !doc.errors.is_empty() {
            return false;
        }
        let Some(root) = doc.root else { return false };
        let Value::Mapping(entries) = root.value else {
            return false;
        };
        matches!(
            entries.as_slice(),
            [(_, v)] if matches!(&v.value, Value::Scalar(s) if s.kind == ScalarKind::String && s.text == text)
        )
    };
    if !text.contains(['\n', '\r', '#', '"', '\'', '\\']) && plain_reads_back() {
        text.to_string()
    } else {
        serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
    }
}

/// The first line of a postmortem: the `yaml-language-server` comment that points editors at the
/// schema, `schema_reference` being the path from the postmortem's directory to the schema file
/// ([`crate::schema::reference_from`]). Ends with a newline.
pub fn schema_line(schema_reference: &str) -> String {
    format!("# yaml-language-server: $schema={schema_reference}\n")
}

/// The skeleton of a new postmortem, whose schema line points at `schema_reference`.
pub fn skeleton(id: &str, title: &str, schema_reference: &str) -> String {
    format!(
        "\
{schema_line}id: {id}
title: {title}
{draft_status}
# severity: SEV2
# service: the affected application
# started: 2023-05-10T14:00:00Z  # a date-time, a date, or a time of day like 14:00 (UTC)
# ended: 2023-05-11T02:00:00Z
# detected: 2023-05-10T14:00:00Z
# detection: how the incident was detected
impact:
  summary: TODO what users saw, and for how long
  # users_affected_percent: 30
root_cause: |
  TODO why it happened
# resolution: |
#   how it was resolved
timeline: []
#  - at: 14:30
#    kind: investigation  # detection | investigation | misleading | escalation | mitigation | resolution | communication | other
#    event: what happened
# lessons: |
#   lessons learned
measures: []
#  - id: a-measure
#    title: a corrective or preventative measure
tasks: []
#  - id: a-task  # never change or reuse a task id once synced
#    title: what needs to be done
#    measure: a-measure
#    type: prevent  # prevent | mitigate | detect | repair | process | investigate | other
#    priority: P2  # P1 | P2 | P3
#    owner: octocat
#    due: 2023-06-10
#    labels: [database]
",
        schema_line = schema_line(schema_reference),
        draft_status = DRAFT_STATUS,
        title = yaml_scalar(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::load_source;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2023, 5, 10).expect("a date")
    }

    #[test]
    fn default_ids_slug_the_title_within_64_characters() {
        assert_eq!(
            default_id(date(), "Outage caused by a DDoS attack!"),
            "2023-05-10-outage-caused-by-a-ddos-attack"
        );
        assert_eq!(
            default_id(date(), "Ünïcode — only"),
            "2023-05-10-n-code-only"
        );
        assert_eq!(default_id(date(), "???"), "2023-05-10-incident");
        let long = default_id(
            date(),
            "The database cluster failed over twice during the quarterly maintenance window",
        );
        assert_eq!(
            long,
            "2023-05-10-the-database-cluster-failed-over-twice-during-the"
        );
        assert!(long.len() <= 64);
        let word = default_id(date(), &"a".repeat(100));
        assert_eq!(word.len(), 64);
        assert_eq!(id_problem(&word), None);
    }

    #[test]
    fn the_skeleton_is_a_valid_draft_for_any_title() {
        for title in [
            "Outage caused by a DDoS attack",
            "Disk full: writes failed",
            "\"quoted\" # not a comment",
            "- looks like a list",
            "true",
            "14:00",
            "  padded  ",
            "[brackets] & {braces} *star @at `tick` %pct",
        ] {
            let text = skeleton("2023-05-10-x", title, "../postmortem.schema.json");
            let validated = load_source("x.yaml", "x.yaml".into(), text.as_bytes());
            assert_eq!(validated.diagnostics, vec![], "{title:?}\n{text}");
            let pm = validated.postmortem.expect("a postmortem");
            assert_eq!(pm.title, title);
            assert_eq!(pm.id, "2023-05-10-x");
            assert_eq!(pm.status, crate::model::PostmortemStatus::Draft);
        }
    }

    #[test]
    fn the_skeleton_starts_with_the_schema_line_it_is_given() {
        let text = skeleton("2023-05-10-x", "T", "../../postmortem.schema.json");
        assert!(text.starts_with(
            "# yaml-language-server: $schema=../../postmortem.schema.json\nid: 2023-05-10-x\n"
        ));
    }

    #[test]
    fn bad_titles_and_ids_are_explained() {
        assert_eq!(
            problem("x", " "),
            Some("the title must not be empty".into())
        );
        assert_eq!(
            problem("x", &"t".repeat(201)),
            Some("the title is 201 characters long, at most 200 are allowed".into())
        );
        assert_eq!(
            problem("Bad", "T"),
            Some(
                "the id `Bad` must use only lowercase letters, digits and `-`, and start with a \
                 letter or digit"
                    .into()
            )
        );
    }
}
