//! The pre-commit hook in `.pre-commit-hooks.yaml`: its entry, run with its arguments as
//! pre-commit runs it (without pre-commit itself), rejects a broken postmortem and accepts the
//! examples.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::cli::remove_ambient_environment;
use crate::support::examples::copy_of_examples;

/// The `aftercare-check` hook, parsed.
fn hook() -> serde_yaml::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    let text = std::fs::read_to_string(path).expect(".pre-commit-hooks.yaml is there");
    let hooks: Vec<serde_yaml::Value> = serde_yaml::from_str(&text).expect("a list of hooks");
    assert_eq!(hooks.len(), 1);
    hooks.into_iter().next().expect("one hook")
}

/// Runs the hook's entry and args in `dir`, the hook's `aftercare` being the binary cargo built
/// (pre-commit installs it with `cargo install`); exit code and stdout.
fn run_hook(dir: &Path) -> (i32, String) {
    let hook = hook();
    let entry = hook["entry"].as_str().expect("an entry");
    let mut words = entry.split_whitespace();
    assert_eq!(words.next(), Some("aftercare"), "the entry runs aftercare");
    let args = hook["args"].as_sequence().expect("args is a list");
    let mut command = Command::new(env!("CARGO_BIN_EXE_aftercare"));
    command
        .args(words)
        .args(args.iter().map(|a| a.as_str().expect("a string argument")))
        .current_dir(dir);
    remove_ambient_environment(&mut command);
    let out = command.output().expect("the hook runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_hook_checks_the_postmortem_directory_with_cargo() {
    let hook = hook();
    assert_eq!(hook["id"].as_str(), Some("aftercare-check"));
    assert_eq!(hook["entry"].as_str(), Some("aftercare check"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    assert_eq!(
        hook["files"].as_str(),
        Some(r"^(postmortems/.*\.ya?ml|aftercare\.yml)$")
    );
    // check reads the whole directory: file names would be taken for arguments.
    assert_eq!(hook["pass_filenames"].as_bool(), Some(false));
}

#[test]
fn the_hook_accepts_the_examples() {
    let dir = copy_of_examples();
    assert_eq!(
        run_hook(dir.path()),
        (
            0,
            "no problems in 5 files (5 postmortems, 34 tasks)\n".into()
        )
    );
}

#[test]
fn the_hook_rejects_a_broken_postmortem() {
    let dir = copy_of_examples();
    let path = dir
        .path()
        .join("postmortems/database-connection-bottleneck.yaml");
    let text = std::fs::read_to_string(&path).expect("an example");
    std::fs::write(&path, text.replacen("\ntitle:", "\ntitel:", 1)).expect("the typo is written");
    let (code, stdout) = run_hook(dir.path());
    assert_eq!(code, 1);
    assert_eq!(
        stdout,
        "postmortems/database-connection-bottleneck.yaml:5:1: error: unknown field `titel`, did you \
         mean `title`?\n\
         1 error in 5 files\n"
    );
}
