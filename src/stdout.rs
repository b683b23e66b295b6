//! Standard output that a reader may close early.
//!
//! `aftercare check | head -1` closes the pipe after one line, and Rust's `println!` panics
//! then. Commands print through [`print`] instead: once the reader has gone away the rest of the
//! output is dropped and the command finishes its work (a sync still applies its plan, so that
//! nothing is left half done). Any other failure to write (a full disk) is reported once on
//! standard error and turns the exit code into a failure, since the output is then incomplete.
//! This module only writes; it never decides what to print.

use std::fmt::Display;
use std::io::{ErrorKind, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once writing failed: nothing more is written.
static STOPPED: AtomicBool = AtomicBool::new(false);
/// Set when writing failed for another reason than a reader that went away.
static FAILED: AtomicBool = AtomicBool::new(false);

/// Writes `text` as it is.
pub fn print(text: &str) {
    if STOPPED.load(Ordering::Relaxed) {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(err) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        STOPPED.store(true, Ordering::Relaxed);
        if err.kind() != ErrorKind::BrokenPipe {
            FAILED.store(true, Ordering::Relaxed);
            eprintln!("error: cannot write to standard output: {err}");
        }
    }
}

/// Writes `text` and a newline.
pub fn line(text: impl Display) {
    print(&format!("{text}\n"));
}

/// Whether some output was lost for another reason than a reader that went away.
pub fn failed() -> bool {
    FAILED.load(Ordering::Relaxed)
}
