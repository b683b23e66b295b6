//! The process exit codes, in one place because scripts and CI branch on them.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success: nothing wrong was found and everything asked for was done |
//! | 1 | failure: invalid postmortems, a GitHub error, or a sync that stopped before it finished |
//! | 2 | policy: `status --fail-on-overdue` found an overdue P1 task (clap also uses 2 for bad usage) |

use std::process::ExitCode;

/// Success.
pub const OK: u8 = 0;
/// Something is wrong: invalid input, or an operation that could not finish.
pub const FAILURE: u8 = 1;
/// `status --fail-on-overdue` found an overdue P1 task.
pub const OVERDUE: u8 = 2;

/// Converts one of the codes above into the type `main` returns.
pub fn code(code: u8) -> ExitCode {
    ExitCode::from(code)
}
