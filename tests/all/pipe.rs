//! Regression: a reader that closes the pipe early (`aftercare check | head -1`) made `check`,
//! `schema` and the no-token `sync --dry-run` panic with "failed printing to stdout". The output
//! is dropped instead and the command ends as it would have.

use std::path::Path;

use crate::support::cli::Aftercare;

fn repository_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn commands_writing_into_a_closed_pipe_end_normally_without_a_panic() {
    for args in [
        &["check"][..],
        &["check", "--format", "json"][..],
        &["schema"][..],
        &["sync", "--dry-run"][..],
    ] {
        let out = Aftercare::new(repository_root())
            .args(args)
            .run_with_stdout_closed();
        assert!(!out.stderr.contains("panicked"), "{args:?}: {}", out.stderr);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
    }
}
