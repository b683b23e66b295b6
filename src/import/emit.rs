//! The YAML text of an imported draft: the schema line, then the fields in the order of the
//! README's example, multi-line text as literal block scalars, one-line text as plain or quoted
//! scalars that read back as exactly the text.
//!
//! Pure text generation. It writes only fields that have a value, so nothing the document did
//! not give appears in the file.

use std::fmt::Write as _;

use crate::import::Draft;
use crate::model::Moment;
use crate::scaffold::{DRAFT_STATUS, yaml_scalar};

/// `text` as a literal block scalar after `key:` at `indent` spaces.
fn block(out: &mut String, indent: usize, key: &str, text: &str) {
    let pad = " ".repeat(indent);
    let _ = writeln!(out, "{pad}{key}: |");
    for line in text.trim_end().lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else {
            let _ = writeln!(out, "{pad}  {}", line.trim_end());
        }
    }
}

/// One-line text as a scalar, multi-line as a block.
fn text_field(out: &mut String, indent: usize, key: &str, text: &str) {
    if text.contains('\n') {
        block(out, indent, key, text);
    } else {
        let _ = writeln!(out, "{}{key}: {}", " ".repeat(indent), yaml_scalar(text));
    }
}

fn moment(m: &Moment) -> String {
    match m {
        Moment::TimeOfDay(_) => format!("\"{m}\""),
        _ => m.to_string(),
    }
}

fn percent(p: f64) -> String {
    if p.fract() == 0.0 {
        format!("{p:.0}")
    } else {
        format!("{p}")
    }
}

/// The draft as the text of a postmortem file that starts with `schema_line`.
pub fn yaml(draft: &Draft, schema_line: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{schema_line}");
    let _ = writeln!(out, "id: {}", yaml_scalar(&draft.id));
    let _ = writeln!(out, "title: {}", yaml_scalar(&draft.title));
    let _ = writeln!(out, "{DRAFT_STATUS}");
    for (key, value) in [
        ("started", &draft.started),
        ("ended", &draft.ended),
        ("detected", &draft.detected),
    ] {
        if let Some(m) = value {
            let _ = writeln!(out, "{key}: {}", moment(m));
        }
    }
    if let Some(d) = &draft.detection {
        text_field(&mut out, 0, "detection", d);
    }
    out.push_str("impact:\n");
    block(&mut out, 2, "summary", &draft.impact);
    if let Some(p) = draft.users_affected_percent {
        let _ = writeln!(out, "  users_affected_percent: {}", percent(p));
    }
    block(&mut out, 0, "root_cause", &draft.root_cause);
    if let Some(r) = &draft.resolution {
        block(&mut out, 0, "resolution", r);
    }
    if draft.timeline.is_empty() {
        out.push_str("timeline: []\n");
    } else {
        out.push_str("timeline:\n");
        for entry in &draft.timeline {
            let mut first = true;
            let mut lead = || {
                if std::mem::take(&mut first) {
                    "  - "
                } else {
                    "    "
                }
            };
            if let Some(at) = &entry.at {
                let _ = writeln!(out, "{}at: {}", lead(), moment(at));
            }
            if let Some(kind) = entry.kind {
                let _ = writeln!(out, "{}kind: {}", lead(), kind_name(kind));
            }
            let _ = writeln!(out, "{}event: {}", lead(), yaml_scalar(&entry.event));
        }
    }
    if let Some(l) = &draft.lessons {
        block(&mut out, 0, "lessons", l);
    }
    if draft.measures.is_empty() {
        out.push_str("measures: []\n");
    } else {
        out.push_str("measures:\n");
        for m in &draft.measures {
            let _ = writeln!(out, "  - id: {}", yaml_scalar(&m.id));
            let _ = writeln!(out, "    title: {}", yaml_scalar(&m.title));
            if let Some(d) = &m.description {
                text_field(&mut out, 4, "description", d);
            }
        }
    }
    if draft.tasks.is_empty() {
        out.push_str("tasks: []\n");
    } else {
        out.push_str("tasks:\n");
        for t in &draft.tasks {
            let _ = writeln!(out, "  - id: {}", yaml_scalar(&t.id));
            let _ = writeln!(out, "    title: {}", yaml_scalar(&t.title));
            if let Some(d) = &t.description {
                text_field(&mut out, 4, "description", d);
            }
            if let Some(m) = &t.measure {
                let _ = writeln!(out, "    measure: {}", yaml_scalar(m));
            }
            if let Some(kind) = t.kind {
                let _ = writeln!(out, "    type: {kind}");
            }
            if let Some(p) = t.priority {
                let _ = writeln!(out, "    priority: {p}");
            }
            if let Some(o) = &t.owner {
                let _ = writeln!(out, "    owner: {}", yaml_scalar(o));
            }
            if let Some(d) = t.due {
                let _ = writeln!(out, "    due: {}", d.format("%Y-%m-%d"));
            }
        }
    }
    out
}

fn kind_name(kind: crate::model::TimelineKind) -> &'static str {
    crate::format::validate::TIMELINE_KINDS
        .iter()
        .find(|(_, k)| *k == kind)
        .map_or("other", |(name, _)| name)
}
