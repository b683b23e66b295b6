//! The JSON Schema of the postmortem format, derived from the format's Rust types.
//!
//! Editors use it (through the `yaml-language-server` line at the top of each postmortem) to
//! complete and check fields as people type. It is generated from [`crate::format::raw`], never
//! written by hand, and the repository's `postmortem.schema.json` is tested against it.

use crate::format::raw::RawPostmortem;

/// The schema as pretty-printed JSON (draft 2020-12), ending with a newline.
pub fn postmortem_schema_json() -> String {
    let schema = schemars::schema_for!(RawPostmortem);
    // A schema is plain JSON values, which always serialise.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

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
