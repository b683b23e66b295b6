//! The command line: clap definitions and the dispatch to [`crate::commands`].
//!
//! This module only parses and routes; each subcommand's arguments and behaviour live in its
//! own file under `commands/`. It must not hold logic a test would want to call directly.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::{self, Globals};

/// Postmortems as code: every corrective task becomes exactly one GitHub or GitLab issue, and
/// its completion is reported back.
#[derive(Debug, Parser)]
#[command(name = "aftercare", version = env!("AFTERCARE_LONG_VERSION"), about, long_about = None)]
pub struct Cli {
    /// More detail on standard error (-v: requests, -vv: plan decisions, -vvv: everything).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Validate every postmortem and report all problems at once.
    Check(commands::check::CheckArgs),
    /// Create, update, close and reopen one issue per corrective task.
    Sync(commands::sync::SyncArgs),
    /// Report completion per incident and overdue tasks, from the issues' state.
    Status(commands::status::StatusArgs),
    /// Write the postmortems as a static web site, with the tasks' states from the issues.
    Site(commands::site::SiteArgs),
    /// Comment once on each open, overdue task's issue, mentioning its owner.
    Remind(commands::remind::RemindArgs),
    /// Write a skeleton postmortem.
    New(commands::new::NewArgs),
    /// Print the JSON Schema of the postmortem format.
    Schema(commands::schema::SchemaArgs),
    /// Set this repository up: configuration, schema, CI, README markers, .gitignore.
    Init(commands::init::InitArgs),
    /// Print the completion script of a shell (bash, zsh, fish, powershell, elvish).
    Completions(commands::completions::CompletionsArgs),
    /// Print the manual page of aftercare or of a command, or write them all with --out-dir.
    Man(commands::man::ManArgs),
    /// Turn prose postmortems (text, Markdown) into draft postmortem files.
    Import(commands::import::ImportArgs),
}

/// Runs the parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> ExitCode {
    let globals = Globals {
        verbose: cli.verbose,
    };
    let result = match cli.command {
        Command::Check(args) => commands::check::run(args, &globals),
        Command::Sync(args) => commands::sync::run(args, &globals),
        Command::Status(args) => commands::status::run(args, &globals),
        Command::Site(args) => commands::site::run(args, &globals),
        Command::Remind(args) => commands::remind::run(args, &globals),
        Command::New(args) => commands::new::run(args, &globals),
        Command::Schema(args) => commands::schema::run(args, &globals),
        Command::Init(args) => commands::init::run(args, &globals),
        Command::Completions(args) => commands::completions::run(args, &globals),
        Command::Man(args) => commands::man::run(args, &globals),
        Command::Import(args) => commands::import::run(args, &globals),
    };
    match result {
        Ok(_) if crate::stdout::failed() => crate::exit::code(crate::exit::FAILURE),
        Ok(code) => crate::exit::code(code),
        Err(err) => {
            eprintln!("error: {err:#}");
            crate::exit::code(crate::exit::FAILURE)
        }
    }
}
