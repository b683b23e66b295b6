//! The subcommands: each file holds one command's arguments and its `run`, which wires the
//! library's pure parts to files, the terminal and the tracker. Logic that can be pure lives in
//! the library modules these call.

pub mod check;
pub mod completions;
pub mod import;
pub mod init;
pub mod man;
pub mod new;
pub mod remind;
pub mod schema;
pub mod site;
pub mod status;
pub mod sync;

/// Options that apply to every command.
#[derive(Debug, Clone, Default)]
pub struct Globals {
    /// How many `-v` were given.
    pub verbose: u8,
}
