//! Build-time facts the binary prints: the commit it was built from, for `aftercare --version`
//! and for the commit `aftercare init` pins the Action to, and the GitHub repository of
//! aftercare (`owner/name`, from `repository` in Cargo.toml), which names that Action and the
//! schema's `$id`.
//!
//! The commit is read with `git rev-parse HEAD`, only when this package is the root of a git
//! checkout (a package vendored inside another repository must not claim that repository's
//! commit), else from the `.cargo_vcs_info.json` that `cargo publish` puts in a crates.io
//! package. Without either, the version stands alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let commit = git_commit(&manifest_dir).or_else(|| published_commit(&manifest_dir));
    let long_version = match &commit {
        Some(commit) => format!("{version} ({})", &commit[..7]),
        None => version,
    };
    println!("cargo:rustc-env=AFTERCARE_LONG_VERSION={long_version}");
    println!(
        "cargo:rustc-env=AFTERCARE_COMMIT={}",
        commit.unwrap_or_default()
    );

    let repository = std::env::var("CARGO_PKG_REPOSITORY").unwrap_or_default();
    let Some(owner_name) = repository
        .strip_prefix("https://github.com/")
        .filter(|rest| rest.split('/').count() == 2)
    else {
        panic!(
            "`repository` in Cargo.toml must be https://github.com/OWNER/NAME, found {repository:?}"
        );
    };
    println!("cargo:rustc-env=AFTERCARE_REPOSITORY={owner_name}");
    println!("cargo:rerun-if-changed=build.rs");
}

/// Whether `text` is a full commit id: 40 lowercase hexadecimal digits.
fn is_commit(text: &str) -> bool {
    text.len() == 40
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The commit a crates.io package was published from: `git.sha1` in `.cargo_vcs_info.json`,
/// unless the package was published from a work tree with uncommitted changes (`"dirty"`).
fn published_commit(dir: &Path) -> Option<String> {
    let path = dir.join(".cargo_vcs_info.json");
    let text = std::fs::read_to_string(&path).ok()?;
    println!("cargo:rerun-if-changed={}", path.display());
    if text.contains("\"dirty\"") {
        return None;
    }
    let after = &text[text.find("\"sha1\"")? + "\"sha1\"".len()..];
    let value = after.split('"').nth(1)?;
    is_commit(value).then(|| value.to_string())
}

/// The commit of HEAD when `dir` is the top of a git work tree, with the files whose change
/// means HEAD moved watched.
fn git_commit(dir: &Path) -> Option<String> {
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        out.status.success().then(|| text.trim().to_string())
    };
    let top = git(&["rev-parse", "--show-toplevel"])?;
    if Path::new(&top).canonicalize().ok()? != dir.canonicalize().ok()? {
        return None;
    }
    // HEAD, the branch it names, and packed refs (worktrees keep HEAD apart from the refs).
    let mut watched = vec!["HEAD".to_string(), "packed-refs".to_string()];
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"]) {
        watched.push(branch);
    }
    for name in watched {
        // A path that does not exist would make cargo run this script on every build.
        if let Some(path) = git(&["rev-parse", "--git-path", &name]).map(|p| dir.join(p)) {
            if path.exists() {
                println!("cargo:rerun-if-changed={}", path.display());
            }
        }
    }
    git(&["rev-parse", "HEAD"]).filter(|c| is_commit(c))
}
