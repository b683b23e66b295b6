//! The JSON Schema of the postmortem format, derived from the format's Rust types, and where a
//! repository keeps it.
//!
//! Editors use it (through the `yaml-language-server` line at the top of each postmortem) to
//! complete and check fields as people type. It is generated from [`crate::format::raw`], never
//! written by hand, and the repository's `postmortem.schema.json` is tested against it. The
//! schema line of a postmortem is a path relative to the postmortem's directory, computed here
//! from paths alone: nothing in this module reads the disk.

use std::path::{Component, Path, PathBuf};

use crate::format::raw::RawPostmortem;

/// The schema's file name, at the root of a repository that uses aftercare.
pub const FILE_NAME: &str = "postmortem.schema.json";

/// The schema's `$id`: where the schema of the newest release can be read.
pub const ID: &str = concat!(
    "https://raw.githubusercontent.com/",
    env!("AFTERCARE_REPOSITORY"),
    "/main/postmortem.schema.json"
);

/// The schema as pretty-printed JSON (draft 2020-12), ending with a newline.
pub fn postmortem_schema_json() -> String {
    let mut schema = schemars::schema_for!(RawPostmortem);
    schema.insert("$id".into(), ID.into());
    // A schema is plain JSON values, which always serialise.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// The path from a postmortem directory to the schema file at the repository root, as a
/// schema line writes it: `/`-separated and relative, e.g. `../postmortem.schema.json` for
/// `postmortems` and `../../postmortem.schema.json` for `docs/incidents`. `root` is absolute;
/// `dir` is relative to it or absolute. The paths are compared as written (`.` and `..` are
/// resolved by name), so a directory reached through a symbolic link is not followed.
pub fn reference_from(root: &Path, dir: &Path) -> String {
    let from = normalized(&root.join(dir));
    let to = normalized(root).join(FILE_NAME);
    // Two paths under one absolute root always have a relative path between them; a directory
    // on another drive (Windows) is named by its full path.
    crate::readme::relative_path(&from, &to).unwrap_or_else(|| to.to_string_lossy().into_owned())
}

/// `path` with `.` removed and each `..` taking away the name before it.
fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reference_climbs_from_the_postmortem_directory_to_the_root() {
        let root = Path::new("/repo");
        let cases = [
            ("postmortems", "../postmortem.schema.json"),
            ("./postmortems/", "../postmortem.schema.json"),
            ("docs/incidents", "../../postmortem.schema.json"),
            ("docs/../incidents", "../postmortem.schema.json"),
            (".", "postmortem.schema.json"),
            ("/repo/docs/pm", "../../postmortem.schema.json"),
            ("/elsewhere/pm", "../../repo/postmortem.schema.json"),
            ("../sibling", "../repo/postmortem.schema.json"),
        ];
        for (dir, expected) in cases {
            assert_eq!(reference_from(root, Path::new(dir)), expected, "{dir}");
        }
    }

    #[test]
    fn the_schema_has_a_stable_id() {
        let schema: serde_json::Value =
            serde_json::from_str(&postmortem_schema_json()).expect("json");
        assert_eq!(schema["$id"], ID);
        assert!(ID.starts_with("https://raw.githubusercontent.com/"));
        assert!(
            ID.ends_with("/aftercare/main/postmortem.schema.json"),
            "{ID}"
        );
    }

    #[test]
    fn the_schema_is_draft_2020_12_and_describes_fields() {
        let schema: serde_json::Value =
            serde_json::from_str(&postmortem_schema_json()).expect("json");
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
        assert_eq!(schema["additionalProperties"], false);
        assert_eq!(
            schema["properties"]["id"]["pattern"],
            "^[a-z0-9][a-z0-9-]*$"
        );
        assert_eq!(schema["properties"]["id"]["maxLength"], 64);
        assert!(
            schema["properties"]["title"]["description"]
                .as_str()
                .is_some_and(|d| d.contains("200 characters"))
        );
    }
}
