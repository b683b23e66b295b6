//! Build-time facts the binary prints: the commit it was built from, for `aftercare --version`,
//! and the GitHub repository of aftercare (`owner/name`, from `repository` in Cargo.toml), which
//! names the Action that `aftercare init` pins and the schema's `$id`.
//!
//! The commit is read with `git rev-parse --short HEAD`, only when this package is the root of a
//! git checkout: a build from crates.io has no `.git`, and a package vendored inside another
//! repository must not claim that repository's commit. Without one, the version stands alone.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default());
    let version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let long_version = match commit(&manifest_dir) {
        Some(commit) => format!("{version} ({commit})"),
        None => version,
    };
    println!("cargo:rustc-env=AFTERCARE_LONG_VERSION={long_version}");

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

/// The short commit of HEAD when `dir` is the top of a git work tree, and the files whose change
/// means HEAD moved are watched.
fn commit(dir: &Path) -> Option<String> {
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
    git(&["rev-parse", "--short", "HEAD"]).filter(|c| !c.is_empty())
}
