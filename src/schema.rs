//! The JSON Schema of the postmortem format, derived from the format's Rust types.
