//! The `yaml-language-server` comment that points editors at the schema
//! (`# yaml-language-server: $schema=../postmortem.schema.json`): finding it in a file's text.
//!
//! Pure text inspection: whether the file it names exists is for the caller to find out, and
//! only a path is worth checking (a URL cannot be followed without the network).

use crate::model::Position;

/// A schema line found in a file: where its reference starts, and the reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaLine {
    pub position: Position,
    pub reference: String,
}

impl SchemaLine {
    /// Whether the reference is a path on disk rather than a URL (`https:`, `file:`, ...).
    pub fn is_path(&self) -> bool {
        let scheme_end = self.reference.find(':');
        !scheme_end.is_some_and(|end| {
            end > 1
                && self.reference[..end]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        })
    }
}

/// The first comment line of the form `# yaml-language-server: $schema=REFERENCE`, as the YAML
/// language server reads it (spaces around `yaml-language-server` and `:` allowed).
pub fn find(text: &str) -> Option<SchemaLine> {
    for (index, line) in text.lines().enumerate() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(rest) = comment.trim_start().strip_prefix("yaml-language-server") else {
            continue;
        };
        let Some(rest) = rest.trim_start().strip_prefix(':') else {
            continue;
        };
        let Some(at) = rest.find("$schema=") else {
            continue;
        };
        let start = line.len() - rest.len() + at + "$schema=".len();
        let reference: String = line[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        if reference.is_empty() {
            continue;
        }
        return Some(SchemaLine {
            position: Position {
                line: index + 1,
                column: line[..start].chars().count() + 1,
            },
            reference,
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize, reference: &str) -> Option<SchemaLine> {
        Some(SchemaLine {
            position: Position { line, column },
            reference: reference.into(),
        })
    }

    #[test]
    fn the_schema_line_is_found_with_its_position() {
        assert_eq!(
            find("# yaml-language-server: $schema=../postmortem.schema.json\nid: x\n"),
            at(1, 33, "../postmortem.schema.json")
        );
        assert_eq!(
            find("id: x\n  #yaml-language-server : $schema=s.json  # editors\n"),
            at(2, 35, "s.json")
        );
        assert_eq!(find("# yaml-language-server: $schema=\nid: x\n"), None);
        assert_eq!(find("# a comment about $schema=x.json\nid: x\n"), None);
        assert_eq!(find("id: x\n"), None);
    }

    #[test]
    fn urls_are_not_paths() {
        let line = |r: &str| SchemaLine {
            position: Position { line: 1, column: 1 },
            reference: r.into(),
        };
        assert!(line("../postmortem.schema.json").is_path());
        assert!(line("schemas/pm:v1.json").is_path());
        assert!(line("C:/schemas/pm.json").is_path());
        assert!(!line("https://example.com/pm.json").is_path());
        assert!(!line("file:///srv/pm.json").is_path());
    }
}
