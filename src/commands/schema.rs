//! `aftercare schema`: print the JSON Schema of the postmortem format.
//!
//! Only prints what [`crate::schema`] generates; regenerate the committed copy with
//! `cargo run -- schema > postmortem.schema.json`.

use clap::Args;

use super::Globals;

#[derive(Debug, Args)]
pub struct SchemaArgs {}

pub fn run(_args: SchemaArgs, _globals: &Globals) -> anyhow::Result<u8> {
    crate::stdout::print(&crate::schema::postmortem_schema_json());
    Ok(crate::exit::OK)
}
