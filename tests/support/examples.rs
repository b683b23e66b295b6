//! A copy of the repository's example postmortems, its `aftercare.yml` and the schema their
//! first lines point at, in a temporary directory, as a checkout of a repository that uses
//! aftercare holds them, and pointing such a copy at a GitLab.

use std::fs;
use std::path::{Path, PathBuf};

/// A temporary directory holding `postmortems/*.yaml`, `aftercare.yml` and
/// `postmortem.schema.json` of this repository.
pub fn copy_of_examples() -> tempfile::TempDir {
    let repository = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("a temporary directory");
    let to = dir.path().join("postmortems");
    fs::create_dir(&to).expect("the postmortems directory is created");
    for entry in fs::read_dir(repository.join("postmortems")).expect("the examples directory") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let name = path.file_name().expect("a file name");
            fs::copy(&path, to.join(name)).expect("an example is copied");
        }
    }
    for name in ["aftercare.yml", "postmortem.schema.json"] {
        fs::copy(repository.join(name), dir.path().join(name)).expect("a file is copied");
    }
    dir
}

/// Adds to the `aftercare.yml` in `dir` a `tracker` block naming the GitLab at `url` (the
/// instance's root) and its project `project`.
pub fn use_gitlab(dir: &Path, url: &str, project: &str) {
    let config = dir.join("aftercare.yml");
    let mut text = fs::read_to_string(&config).expect("aftercare.yml");
    text.push_str(&format!(
        "\ntracker:\n  kind: gitlab\n  url: {url}\n  project: {project}\n"
    ));
    fs::write(&config, text).expect("aftercare.yml is written");
}
