//! A YAML document as a tree in which every node knows its line and column.
//!
//! Built from yaml-rust2's event parser so that every later problem can point at the exact
//! place in the file. This module only reads YAML: it resolves plain scalars by the YAML 1.2
//! core schema (so `14:00` and `2023-05-10` stay strings), expands aliases within a budget of
//! nodes and of text, rejects duplicate keys and more than one document, points a syntax error
//! caused by a tab at the tab, and knows nothing about postmortems.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use crate::model::Position;

/// Deeper nesting than this is refused, so no input can exhaust the stack.
const MAX_DEPTH: usize = 64;
/// At most this many nodes per document, counting those that aliases repeat. A postmortem has a
/// few hundred; the limit keeps an alias bomb far below 100 MiB of memory.
const MAX_NODES: usize = 100_000;
/// At most this many bytes of scalar text per document, counting what aliases repeat, so that
/// aliases of one long string cannot multiply it.
const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;
/// The longest piece of a document quoted back in a message.
const MAX_QUOTED_CHARS: usize = 80;

/// A node of the tree and where it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub position: Position,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    /// Entries in source order; keys are unique (duplicates are reported while building).
    Mapping(Vec<(Node, Node)>),
}

/// A scalar's text and the type YAML gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub kind: ScalarKind,
}

/// The YAML 1.2 core schema types of a scalar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScalarKind {
    Null,
    Bool,
    Int,
    Float(f64),
    String,
}

impl Node {
    /// What the node is, for "expected …, found …" messages.
    pub fn describe(&self) -> &'static str {
        match &self.value {
            Value::Scalar(s) => match s.kind {
                ScalarKind::Null => "nothing",
                ScalarKind::Bool => "a boolean",
                ScalarKind::Int | ScalarKind::Float(_) => "a number",
                ScalarKind::String => "a string",
            },
            Value::Sequence(_) => "a list",
            Value::Mapping(_) => "a mapping",
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(
            &self.value,
            Value::Scalar(Scalar {
                kind: ScalarKind::Null,
                ..
            })
        )
    }
}

/// A problem found while reading the YAML itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub position: Position,
    pub message: String,
}

/// The result of reading one document: the root (absent for an empty stream) and every
/// problem found. A syntax error stops reading; duplicate keys do not.
#[derive(Debug, Default)]
pub struct Document {
    pub root: Option<Node>,
    pub errors: Vec<SyntaxError>,
    /// Reading stopped at an error, so the tree holds only what came before it (and checking
    /// it would report fields as missing that are merely unread).
    pub stopped: bool,
}

fn position(mark: &Marker) -> Position {
    Position {
        line: mark.line(),
        column: mark.col() + 1,
    }
}

/// Reads one YAML document from `text`.
pub fn parse(text: &str) -> Document {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    loop {
        match parser.next_token() {
            Ok((Event::StreamEnd, _)) => break,
            Ok((event, mark)) => {
                if let Err(err) = builder.on_event(event, &mark) {
                    builder.doc.errors.push(err);
                    builder.doc.stopped = true;
                    break;
                }
            }
            Err(err) => {
                let at = position(err.marker());
                let error = match misplaced_tab(text, at, err.info()) {
                    Some(tab) => SyntaxError {
                        position: tab,
                        message: "invalid YAML: a tab where only spaces are accepted; use \
                                  spaces"
                            .into(),
                    },
                    None => SyntaxError {
                        position: at,
                        message: format!("invalid YAML: {}", err.info()),
                    },
                };
                builder.doc.errors.push(error);
                builder.doc.stopped = true;
                break;
            }
        }
    }
    builder.doc
}

/// Where the tab that made the parser fail at `at` is, if a tab did: yaml-rust2 reports such
/// errors at the token before the tab, or with a message that does not name it. A tab counts
/// when the parser's message names one and the tab is in the leading white space of the
/// failing line or the next, or when it starts either line, or follows `:` on the failing line.
fn misplaced_tab(text: &str, at: Position, info: &str) -> Option<Position> {
    let names_tab = info.contains("tab");
    let mut lines = text.split('\n').skip(at.line.saturating_sub(1));
    let candidates = [(at.line, lines.next()), (at.line + 1, lines.next())];
    for (line_number, line) in candidates {
        let Some(line) = line else { continue };
        let tab_at = |column: usize| {
            Some(Position {
                line: line_number,
                column: column + 1,
            })
        };
        let leading = line.chars().take_while(|c| *c == ' ' || *c == '\t');
        if let Some(column) = leading.clone().position(|c| c == '\t') {
            if names_tab || column == 0 {
                return tab_at(column);
            }
        }
        if line_number == at.line {
            let chars: Vec<char> = line.chars().collect();
            if let Some(column) = chars.windows(2).position(|w| w == [':', '\t']) {
                return tab_at(column + 1);
            }
        }
    }
    None
}

/// `text` as quoted in a message: at most [`MAX_QUOTED_CHARS`] characters, cut with `…`.
pub fn excerpt(text: &str) -> std::borrow::Cow<'_, str> {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        None => std::borrow::Cow::Borrowed(text),
        Some((end, _)) => {
            let cut = text[..end].char_indices().last().map_or(0, |(i, _)| i);
            std::borrow::Cow::Owned(format!("{}…", &text[..cut]))
        }
    }
}

enum Frame {
    Sequence {
        start: Position,
        anchor: usize,
        items: Vec<Node>,
    },
    Mapping {
        start: Position,
        anchor: usize,
        entries: Vec<(Node, Node)>,
        pending_key: Option<Node>,
        /// Where each scalar key is, to find a duplicate in constant time.
        keys: HashMap<String, Position>,
    },
}

/// How much a node holds: nodes, and bytes of scalar text.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

#[derive(Default)]
struct Builder {
    doc: Document,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, Size)>,
    documents: usize,
    /// What the document holds so far, aliases expanded.
    size: Size,
}

fn is_core_tag(tag: &Tag) -> bool {
    tag.handle == "tag:yaml.org,2002:" || tag.handle == "!!"
}

/// Resolves a plain scalar by the YAML 1.2 core schema.
fn resolve_plain(text: &str) -> ScalarKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return ScalarKind::Null,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => return ScalarKind::Bool,
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return ScalarKind::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return ScalarKind::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return ScalarKind::Float(f64::NAN),
        _ => {}
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return ScalarKind::Int;
    }
    if let Some(hex) = text.strip_prefix("0x") {
        if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return ScalarKind::Int;
        }
    }
    if let Some(oct) = text.strip_prefix("0o") {
        if !oct.is_empty() && oct.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
            return ScalarKind::Int;
        }
    }
    if is_core_float(digits) {
        if let Ok(f) = text.parse::<f64>() {
            return ScalarKind::Float(f);
        }
    }
    ScalarKind::String
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` without the sign.
fn is_core_float(s: &str) -> bool {
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

fn size_of(node: &Node) -> Size {
    let mut size = Size::default();
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        size.nodes += 1;
        match &n.value {
            Value::Scalar(s) => size.bytes += s.text.len(),
            Value::Sequence(items) => todo.extend(items),
            Value::Mapping(entries) => {
                for (k, v) in entries {
                    todo.push(k);
                    todo.push(v);
                }
            }
        }
    }
    size
}

fn key_text(node: &Node) -> Option<&str> {
    match &node.value {
        Value::Scalar(s) => Some(&s.text),
        _ => None,
    }
}

impl Builder {
    fn on_event(&mut self, event: Event, mark: &Marker) -> Result<(), SyntaxError> {
        let at = position(mark);
        match event {
            Event::StreamStart | Event::DocumentEnd | Event::Nothing | Event::StreamEnd => Ok(()),
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(SyntaxError {
                        position: at,
                        message: "a postmortem file holds one YAML document, found a second one"
                            .into(),
                    });
                }
                Ok(())
            }
            Event::Alias(id) => {
                let Some((node, size)) = self.anchors.get(&id) else {
                    return Err(SyntaxError {
                        position: at,
                        message: "alias to an unknown anchor".into(),
                    });
                };
                self.size.nodes += size.nodes;
                self.size.bytes += size.bytes;
                if self.size.nodes > MAX_NODES {
                    return Err(SyntaxError {
                        position: at,
                        message: format!(
                            "document has more than {MAX_NODES} nodes once aliases are expanded"
                        ),
                    });
                }
                if self.size.bytes > MAX_TEXT_BYTES {
                    return Err(SyntaxError {
                        position: at,
                        message: format!(
                            "document has more than {MAX_TEXT_BYTES} bytes of text once aliases \
                             are expanded"
                        ),
                    });
                }
                let mut node = node.clone();
                node.position = at;
                self.attach(node, 0)
            }
            Event::Scalar(text, style, anchor, tag) => {
                let kind = match (&tag, style) {
                    (Some(tag), _) if !is_core_tag(tag) => {
                        return Err(SyntaxError {
                            position: at,
                            message: format!(
                                "unsupported tag `{}`",
                                excerpt(&format!("{}{}", tag.handle, tag.suffix))
                            ),
                        });
                    }
                    (Some(tag), _) if tag.suffix == "str" => ScalarKind::String,
                    (_, TScalarStyle::Plain) => resolve_plain(&text),
                    (Some(_), _) => resolve_plain(&text),
                    (None, _) => ScalarKind::String,
                };
                self.count(at)?;
                self.size.bytes += text.len();
                self.attach(
                    Node {
                        position: at,
                        value: Value::Scalar(Scalar { text, kind }),
                    },
                    anchor,
                )
            }
            Event::SequenceStart(_, Some(tag)) | Event::MappingStart(_, Some(tag))
                if !is_core_tag(&tag) =>
            {
                Err(SyntaxError {
                    position: at,
                    message: format!(
                        "unsupported tag `{}`",
                        excerpt(&format!("{}{}", tag.handle, tag.suffix))
                    ),
                })
            }
            Event::SequenceStart(anchor, _) => {
                self.open(at)?;
                self.stack.push(Frame::Sequence {
                    start: at,
                    anchor,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.open(at)?;
                self.stack.push(Frame::Mapping {
                    start: at,
                    anchor,
                    entries: Vec::new(),
                    pending_key: None,
                    keys: HashMap::new(),
                });
                Ok(())
            }
            Event::SequenceEnd | Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Sequence {
                    start,
                    anchor,
                    items,
                }) => self.attach(
                    Node {
                        position: start,
                        value: Value::Sequence(items),
                    },
                    anchor,
                ),
                Some(Frame::Mapping {
                    start,
                    anchor,
                    entries,
                    ..
                }) => self.attach(
                    Node {
                        // A block mapping's start event lies after its first key.
                        position: entries
                            .first()
                            .map_or(start, |(k, _)| k.position.min(start)),
                        value: Value::Mapping(entries),
                    },
                    anchor,
                ),
                None => Ok(()),
            },
        }
    }

    fn count(&mut self, at: Position) -> Result<(), SyntaxError> {
        self.size.nodes += 1;
        if self.size.nodes > MAX_NODES {
            return Err(SyntaxError {
                position: at,
                message: format!(
                    "document has more than {MAX_NODES} nodes (keys, values and list items)"
                ),
            });
        }
        Ok(())
    }

    fn open(&mut self, at: Position) -> Result<(), SyntaxError> {
        self.count(at)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(SyntaxError {
                position: at,
                message: format!("nesting is deeper than {MAX_DEPTH} levels"),
            });
        }
        Ok(())
    }

    /// Puts a finished node into its parent (or makes it the root), remembering its anchor.
    fn attach(&mut self, node: Node, anchor: usize) -> Result<(), SyntaxError> {
        if anchor > 0 {
            let size = size_of(&node);
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            None => {
                self.doc.root = Some(node);
            }
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping {
                entries,
                pending_key,
                keys,
                ..
            }) => match pending_key.take() {
                None => *pending_key = Some(node),
                Some(key) => match key_text(&key) {
                    None => entries.push((key, node)),
                    Some(name) => match keys.entry(name.to_string()) {
                        Entry::Occupied(first) => self.doc.errors.push(SyntaxError {
                            position: key.position,
                            message: format!(
                                "duplicate field `{}` (first at line {})",
                                excerpt(name),
                                first.get().line
                            ),
                        }),
                        Entry::Vacant(slot) => {
                            slot.insert(key.position);
                            entries.push((key, node));
                        }
                    },
                },
            },
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: usize, column: usize) -> Position {
        Position { line, column }
    }

    fn root(text: &str) -> Node {
        let doc = parse(text);
        assert_eq!(doc.errors, vec![], "{text:?}");
        doc.root.expect("a root")
    }

    fn scalar_kind(text: &str) -> ScalarKind {
        match root(text).value {
            Value::Scalar(s) => s.kind,
            other => panic!("not a scalar: {other:?}"),
        }
    }

    #[test]
    fn plain_scalars_resolve_by_the_core_schema() {
        assert_eq!(scalar_kind("14:00"), ScalarKind::String);
        assert_eq!(scalar_kind("2023-05-10"), ScalarKind::String);
        assert_eq!(scalar_kind("yes"), ScalarKind::String);
        assert_eq!(scalar_kind("~"), ScalarKind::Null);
        assert_eq!(scalar_kind("True"), ScalarKind::Bool);
        assert_eq!(scalar_kind("-12"), ScalarKind::Int);
        assert_eq!(scalar_kind("0x1F"), ScalarKind::Int);
        assert_eq!(scalar_kind("30.5"), ScalarKind::Float(30.5));
        assert_eq!(scalar_kind("1e3"), ScalarKind::Float(1000.0));
        assert_eq!(scalar_kind("'30'"), ScalarKind::String);
        assert_eq!(scalar_kind("!!str 30"), ScalarKind::String);
        assert_eq!(scalar_kind("1.2.3"), ScalarKind::String);
        assert!(matches!(scalar_kind(".nan"), ScalarKind::Float(f) if f.is_nan()));
    }

    #[test]
    fn nodes_carry_one_based_lines_and_columns() {
        let node = root("# comment\nid: x\nimpact:\n  summary: y\n");
        let Value::Mapping(entries) = node.value else {
            panic!("not a mapping")
        };
        assert_eq!(entries[0].0.position, at(2, 1));
        assert_eq!(entries[0].1.position, at(2, 5));
        let Value::Mapping(inner) = &entries[1].1.value else {
            panic!("not a mapping")
        };
        assert_eq!(inner[0].1.position, at(4, 12));
    }

    #[test]
    fn duplicate_keys_are_errors_and_the_first_value_is_kept() {
        let doc = parse("a: 1\nb: 2\na: 3\n");
        assert_eq!(
            doc.errors,
            vec![SyntaxError {
                position: at(3, 1),
                message: "duplicate field `a` (first at line 1)".into()
            }]
        );
        let Some(Node {
            value: Value::Mapping(entries),
            ..
        }) = doc.root
        else {
            panic!("not a mapping")
        };
        assert_eq!(entries.len(), 2);
    }

    #[test]
    fn aliases_expand_and_a_second_document_is_refused() {
        let node = root("a: &x [1, 2]\nb: *x\n");
        let Value::Mapping(entries) = node.value else {
            panic!("not a mapping")
        };
        assert_eq!(entries[0].1.value, entries[1].1.value);
        assert_eq!(entries[1].1.position, at(2, 4));
        let doc = parse("a: 1\n---\nb: 2\n");
        assert_eq!(
            doc.errors,
            vec![SyntaxError {
                position: at(2, 1),
                message: "a postmortem file holds one YAML document, found a second one".into()
            }]
        );
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused_without_exhausting_anything() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let doc = parse(&bomb);
        assert_eq!(doc.errors.len(), 1);
        assert!(doc.errors[0].message.contains("aliases are expanded"));
        let deep_flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let doc = parse(&deep_flow);
        assert_eq!(doc.errors.len(), 1);
        assert_eq!(
            doc.errors[0].message,
            "invalid YAML: recursion limit exceeded"
        );
        let deep_block = format!("{}x\n", "- ".repeat(10_000));
        let doc = parse(&deep_block);
        assert_eq!(
            doc.errors,
            vec![SyntaxError {
                position: at(1, 129),
                message: "nesting is deeper than 64 levels".into()
            }]
        );
    }

    #[test]
    fn a_tab_that_stops_the_parser_is_pointed_at() {
        let tab = |text: &str| {
            let doc = parse(text);
            assert!(doc.stopped, "{text:?}");
            doc.errors[0].position
        };
        assert_eq!(tab("a:\n\tb: 1\n"), at(2, 1));
        assert_eq!(tab("a: x\n\tb: 1\n"), at(2, 1));
        assert_eq!(tab("a:\tx\n"), at(1, 3));
        assert_eq!(
            parse("a:\n\tb: 1\n").errors[0].message,
            "invalid YAML: a tab where only spaces are accepted; use spaces"
        );
        // A tab inside a block scalar, after its indentation, is text.
        let doc = parse("a: |\n  x\n  \ty\n");
        assert_eq!(doc.errors, vec![]);
        // An error with no tab near it keeps the parser's words and place.
        let doc = parse("a: [1\nb: \"x\ty\"\n");
        assert!(!doc.errors[0].message.contains("a tab"), "{:?}", doc.errors);
    }

    #[test]
    fn aliases_of_long_text_are_refused_by_their_bytes() {
        let long = "x".repeat(100_000);
        let aliases = ["*s"; 100].join(", ");
        let doc = parse(&format!("a: &s {long}\nb: [{aliases}]\n"));
        assert_eq!(
            doc.errors[0].message,
            "document has more than 8388608 bytes of text once aliases are expanded"
        );
        assert!(doc.stopped);
        let few = ["*s"; 10].join(", ");
        assert_eq!(parse(&format!("a: &s {long}\nb: [{few}]\n")).errors, vec![]);
    }

    #[test]
    fn excerpts_cut_long_text_at_80_characters() {
        assert_eq!(excerpt("short"), "short");
        assert_eq!(excerpt(&"é".repeat(80)), "é".repeat(80));
        assert_eq!(excerpt(&"é".repeat(81)), format!("{}…", "é".repeat(79)));
        let doc = parse(&format!("{k}: 1\n{k}: 2\n", k = "k".repeat(500)));
        assert_eq!(
            doc.errors[0].message,
            format!("duplicate field `{}…` (first at line 1)", "k".repeat(79))
        );
    }

    #[test]
    fn syntax_errors_carry_the_parser_position() {
        let doc = parse("a: 1\nb: [1, 2\n");
        assert_eq!(doc.errors.len(), 1);
        assert!(doc.errors[0].message.starts_with("invalid YAML: "));
        assert_eq!(doc.errors[0].position.line, 3);
    }
}
