//! Loading postmortem files into the validated model, with every problem found.
//!
//! [`load_dir`] reads every `*.yaml` / `*.yml` file directly inside a directory, reads each
//! into a positioned YAML tree ([`source`]), validates it ([`validate`]) and checks what spans
//! files (duplicate postmortem ids). It never stops at the first problem, never panics on any
//! input, and never prints: what to show and how is the caller's choice.

pub mod raw;
pub mod schema_line;
pub mod source;
pub mod time;
pub mod validate;

use std::path::{Component, Path, PathBuf};

use crate::diagnostics::{Counts, Diagnostic};
use crate::model::{Position, Postmortem};

/// Everything found in a directory of postmortems.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The postmortems without any error, in file-name order.
    pub postmortems: Vec<Postmortem>,
    /// Every problem, in file order, then position order.
    pub diagnostics: Vec<Diagnostic>,
    /// How many postmortem files were read.
    pub files: usize,
}

impl Loaded {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// Tasks in the valid postmortems.
    pub fn task_count(&self) -> usize {
        self.postmortems.iter().map(|p| p.tasks.len()).sum()
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.diagnostics.len() - self.error_count()
    }

    /// The counts a report shows.
    pub fn counts(&self) -> Counts {
        Counts {
            files: self.files,
            postmortems: self.postmortems.len(),
            tasks: self.task_count(),
        }
    }
}

const START: Position = Position { line: 1, column: 1 };

/// Whether a directory entry name is a postmortem file: `*.yaml` or `*.yml`, not hidden.
pub fn is_postmortem_file(name: &str) -> bool {
    !name.starts_with('.') && (name.ends_with(".yaml") || name.ends_with(".yml"))
}

/// `path` relative to `root` when it lies inside it, `/`-separated.
pub fn shown(root: &Path, path: &Path) -> PathBuf {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let parts: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        return PathBuf::from(".");
    }
    PathBuf::from(parts.join("/"))
}

/// Loads every *.yaml / *.yml directly inside `dir`, sorted by file name. Paths (in the model's
/// `file` and in diagnostics) are shown relative to `root` when `dir` is inside it, `/`-separated,
/// e.g. `postmortems/x.yaml`. A postmortem with any error is left out of `postmortems`.
pub fn load_dir(root: &Path, dir: &Path) -> Loaded {
    let mut loaded = Loaded::default();
    let full_dir = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        root.join(dir)
    };
    let dir_shown = shown(root, &full_dir);
    let entries = match std::fs::read_dir(&full_dir) {
        Ok(entries) => entries,
        Err(err) => {
            loaded.diagnostics.push(Diagnostic::error(
                dir_shown.to_string_lossy(),
                START,
                format!("cannot read the postmortem directory: {err}"),
            ));
            return loaded;
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().map(|t| !t.is_dir()).unwrap_or(false))
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|name| is_postmortem_file(name))
        .collect();
    names.sort();

    let mut ids: Vec<(String, String, Position)> = Vec::new();
    let mut files: Vec<validate::Validated> = Vec::new();
    for name in names {
        let path = full_dir.join(&name);
        let file = shown(root, &path);
        let file_shown = file.to_string_lossy().into_owned();
        loaded.files += 1;
        let mut validated = match read_postmortem(&path) {
            Ok(bytes) => {
                let mut validated = load_source(&file_shown, file.clone(), &bytes);
                validated
                    .diagnostics
                    .extend(missing_schema(&file_shown, &path, &bytes));
                validated
            }
            Err(message) => validate::Validated {
                diagnostics: vec![Diagnostic::error(file_shown.clone(), START, message)],
                ..Default::default()
            },
        };
        if let Some((id, position)) = &validated.id {
            if let Some((_, first_file, first)) = ids.iter().find(|(other, _, _)| other == id) {
                validated.diagnostics.push(Diagnostic::error(
                    file_shown.clone(),
                    *position,
                    format!(
                        "duplicate postmortem id `{id}` (also in {first_file}:{}:{})",
                        first.line, first.column
                    ),
                ));
                validated.postmortem = None;
            } else {
                ids.push((id.clone(), file_shown.clone(), *position));
            }
        }
        files.push(validated);
    }
    let known: Vec<&str> = ids.iter().map(|(id, _, _)| id.as_str()).collect();
    for mut validated in files {
        unknown_related(&mut validated, &known);
        validated.diagnostics.sort_by_key(|d| d.position);
        loaded.diagnostics.append(&mut validated.diagnostics);
        loaded.postmortems.extend(validated.postmortem);
    }
    loaded
}

/// An error for each `related` id of the file that names no postmortem of the directory; the
/// postmortem is then left out, as with any error.
fn unknown_related(validated: &mut validate::Validated, known: &[&str]) {
    let Some(postmortem) = &validated.postmortem else {
        return;
    };
    let file = postmortem.file_display();
    let unknown: Vec<Diagnostic> = postmortem
        .related
        .iter()
        .filter(|(id, _)| !known.contains(&id.as_str()))
        .map(|(id, position)| {
            let message = match validate::suggest(id, known.iter().copied()) {
                Some(close) => {
                    format!("unknown related postmortem `{id}`, did you mean `{close}`?")
                }
                None => format!(
                    "unknown related postmortem `{id}`: no postmortem in the directory has this id"
                ),
            };
            Diagnostic::error(file.clone(), *position, message)
        })
        .collect();
    if !unknown.is_empty() {
        validated.postmortem = None;
        validated.diagnostics.extend(unknown);
    }
}

/// A warning when the file's schema line names a path that does not exist beside the file (a
/// URL is not followed).
fn missing_schema(file: &str, path: &Path, bytes: &[u8]) -> Option<Diagnostic> {
    let text = std::str::from_utf8(bytes).ok()?;
    let line = schema_line::find(text).filter(schema_line::SchemaLine::is_path)?;
    let target = path.parent().unwrap_or(Path::new("")).join(&line.reference);
    if target.exists() {
        return None;
    }
    Some(Diagnostic::warning(
        file,
        line.position,
        format!(
            "the schema line points at `{}`, which does not exist, so editors cannot check this \
             file (`aftercare init` writes {})",
            line.reference,
            crate::schema::FILE_NAME
        ),
    ))
}

/// The most bytes a postmortem file may have. A postmortem is a few kilobytes; a larger file
/// is refused before it is read, so that no file can exhaust memory.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a postmortem file: a regular file (or a link to one) of at most [`MAX_FILE_BYTES`].
/// Anything else (a FIFO that would block, a device that never ends, a huge file) is refused
/// with the reason, without reading more than the limit.
fn read_postmortem(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read as _;
    let cannot = |err: std::io::Error| format!("cannot read the file: {err}");
    let too_large = || {
        format!(
            "the file is larger than 1 MiB ({MAX_FILE_BYTES} bytes), the most a postmortem file \
             may have"
        )
    };
    let metadata = std::fs::metadata(path).map_err(cannot)?;
    if !metadata.is_file() {
        return Err("not a regular file: a postmortem must be a plain text file".into());
    }
    if metadata.len() > MAX_FILE_BYTES {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes))
        .map_err(cannot)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        // The file grew after its size was read.
        return Err(too_large());
    }
    Ok(bytes)
}

/// The first character YAML does not allow in a file (YAML 1.2's `c-printable`: no control
/// characters but tab, line feed and carriage return, and no U+FFFE or U+FFFF), with where it
/// is. yaml-rust2 would silently stop reading at a NUL, so these are refused before parsing.
fn first_unprintable(text: &str) -> Option<(Position, char)> {
    let printable = |c: char| {
        matches!(c, '\t' | '\n' | '\r' | '\u{85}')
            || !(c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}')
    };
    let mut line = 1;
    let mut column = 1;
    for c in text.chars() {
        if !printable(c) {
            return Some((Position { line, column }, c));
        }
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    None
}

/// Validates the bytes of one file. `file` is the path shown in diagnostics and `path` the one
/// recorded in the model. Diagnostics are not sorted.
pub fn load_source(file: &str, path: PathBuf, bytes: &[u8]) -> validate::Validated {
    let error = |position: Position, message: String| validate::Validated {
        diagnostics: vec![Diagnostic::error(file, position, message)],
        ..Default::default()
    };
    if [&b"\xFF\xFE"[..], b"\xFE\xFF", b"\x00\x00\xFE\xFF"]
        .iter()
        .any(|bom| bytes.starts_with(bom))
    {
        return error(
            START,
            "the file is UTF-16 or UTF-32 (it starts with a byte order mark); save it as UTF-8"
                .into(),
        );
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &bytes[..err.valid_up_to()];
            // The prefix is valid UTF-8 by construction.
            let prefix = std::str::from_utf8(valid).unwrap_or_default();
            let line = prefix.matches('\n').count() + 1;
            let column = prefix.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            return error(
                Position { line, column },
                "the file is not valid UTF-8; save it as UTF-8".into(),
            );
        }
    };
    if let Some((position, c)) = first_unprintable(text) {
        let message = if c == '\0' {
            "the file contains a NUL character, which YAML does not allow; save it as UTF-8 \
             text (a UTF-16 file has one in every other byte)"
                .to_string()
        } else {
            format!(
                "the file contains the control character U+{:04X}, which YAML does not allow; \
                 remove it",
                u32::from(c)
            )
        };
        return error(position, message);
    }
    let document = source::parse(text);
    let mut diagnostics: Vec<Diagnostic> = document
        .errors
        .iter()
        .map(|e| Diagnostic::error(file, e.position, e.message.clone()))
        .collect();
    let syntax_failed = !diagnostics.is_empty();
    let root = match document.root {
        Some(root) if !root.is_null() && !document.stopped => root,
        _ if syntax_failed => {
            return validate::Validated {
                diagnostics,
                ..Default::default()
            };
        }
        _ => return error(START, "the file is empty; a postmortem needs at least `id`, `title`, `impact` and `root_cause`".into()),
    };
    let mut validated = validate::validate(file, path, &root);
    if syntax_failed {
        // A document with a duplicate key is checked for everything else, but must not be
        // trusted even if what was kept of it is valid.
        validated.postmortem = None;
        validated.id = None;
    }
    diagnostics.append(&mut validated.diagnostics);
    validated.diagnostics = diagnostics;
    validated
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = "id: 2023-05-10-db
title: Database overload
started: 2023-05-10
impact:
  summary: Slow pages
  users_affected_percent: 12.5
root_cause: |
  Too many connections
timeline:
  - at: 14:00
    kind: detection
    event: Alert
measures:
  - id: pooling
    title: Pooling
tasks:
  - id: add-pooling
    title: Add connection pooling
    measure: pooling
    labels: [db, db]
";

    fn load(text: &[u8]) -> validate::Validated {
        load_source("x.yaml", PathBuf::from("x.yaml"), text)
    }

    #[test]
    fn a_valid_file_becomes_the_model() {
        let validated = load(VALID.as_bytes());
        assert_eq!(validated.diagnostics, vec![]);
        let pm = validated.postmortem.expect("a postmortem");
        assert_eq!(pm.id, "2023-05-10-db");
        assert_eq!(pm.root_cause, "Too many connections\n");
        assert_eq!(pm.impact.users_affected_percent, Some(12.5));
        assert_eq!(
            pm.timeline[0].at.map(|m| m.to_string()),
            Some("14:00".into())
        );
        assert_eq!(pm.tasks[0].labels, vec!["db"]);
        assert_eq!(pm.tasks[0].measure.as_deref(), Some("pooling"));
        assert_eq!(
            pm.tasks[0].position,
            Position {
                line: 17,
                column: 5
            }
        );
        assert_eq!(pm.file, PathBuf::from("x.yaml"));
    }

    /// No input may panic, and a file either yields a postmortem or says why not.
    #[test]
    fn every_truncation_and_corruption_yields_a_postmortem_or_an_error() {
        let mut inputs: Vec<Vec<u8>> = Vec::new();
        for (i, _) in VALID.char_indices() {
            inputs.push(VALID.as_bytes()[..i].to_vec());
            let mut dropped = VALID.as_bytes().to_vec();
            dropped.remove(i);
            inputs.push(dropped);
            for junk in [
                b':', b'-', b'[', b'{', b'"', b'&', b'*', b'!', b'\t', b'\n', b'|', 0xff,
            ] {
                let mut corrupted = VALID.as_bytes().to_vec();
                corrupted[i] = junk;
                inputs.push(corrupted);
            }
        }
        for input in &inputs {
            let validated = load(input);
            let has_error = validated.diagnostics.iter().any(Diagnostic::is_error);
            assert!(
                validated.postmortem.is_some() != has_error,
                "{:?}: {:?}",
                String::from_utf8_lossy(input),
                validated.diagnostics
            );
            for d in &validated.diagnostics {
                assert!(d.position.line >= 1 && d.position.column >= 1, "{d}");
            }
        }
    }

    #[test]
    fn encodings_and_characters_yaml_does_not_allow_are_refused_with_their_place() {
        let first = |bytes: &[u8]| load(bytes).diagnostics[0].to_string();
        assert_eq!(
            first(b"\xFF\xFEi\x00d\x00"),
            "x.yaml:1:1: error: the file is UTF-16 or UTF-32 (it starts with a byte order mark); \
             save it as UTF-8"
        );
        // yaml-rust2 would stop at the NUL and read `id: a` as the whole file.
        assert_eq!(
            first(b"id: a\x00b\ntitle: T\n"),
            "x.yaml:1:6: error: the file contains a NUL character, which YAML does not allow; \
             save it as UTF-8 text (a UTF-16 file has one in every other byte)"
        );
        assert_eq!(
            first("id: a\ntitle: caf\u{e9} \u{9b}\n".as_bytes()),
            "x.yaml:2:13: error: the file contains the control character U+009B, which YAML \
             does not allow; remove it"
        );
        let valid_with_crlf_and_tabs = VALID.replace('\n', "\r\n").replace("Alert", "Alert\t!");
        assert_eq!(
            load(valid_with_crlf_and_tabs.as_bytes()).diagnostics,
            vec![]
        );
    }

    #[test]
    fn paths_are_shown_relative_to_the_root() {
        let root = Path::new("/repo");
        assert_eq!(
            shown(root, Path::new("/repo/postmortems/a.yaml")),
            PathBuf::from("postmortems/a.yaml")
        );
        assert_eq!(
            shown(root, Path::new("/elsewhere/a.yaml")),
            PathBuf::from("/elsewhere/a.yaml")
        );
        assert!(is_postmortem_file("a.yml"));
        assert!(!is_postmortem_file(".a.yaml"));
        assert!(!is_postmortem_file("a.yaml.orig"));
    }
}
