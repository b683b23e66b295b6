//! The `aftercare` binary: parses the command line and hands it to the library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    aftercare::cli::run(aftercare::cli::Cli::parse())
}
