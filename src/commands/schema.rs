//! `aftercare schema`: print the JSON Schema of the postmortem format.

use clap::Args;

use super::Globals;

#[derive(Debug, Args)]
pub struct SchemaArgs {}

pub fn run(_args: SchemaArgs, _globals: &Globals) -> anyhow::Result<u8> {
    anyhow::bail!("schema is not implemented yet")
}
