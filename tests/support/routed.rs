//! The examples routed across three repositories of the GitHub emulator, for the routing tests
//! and the proofs that run across repositories: one postmortem's tasks in `acme/api`, one task
//! in `acme/ops`, the other 29 in the configured `acme/web`.

use std::path::Path;

use super::emulator::Emulator;
use super::examples::copy_of_examples;

/// The postmortem whose four tasks all go to `acme/api`.
pub const API_POSTMORTEM: &str = "2024-03-09-connection-pool-exhaustion";
/// The task that goes to `acme/ops`.
pub const OPS_TASK: &str = "2023-05-10-ddos-database-overload/evaluate-ddos-detection";

/// Adds `acme/api` and `acme/ops` to the emulator, octocat a collaborator of both.
pub fn three_repositories(gh: &Emulator) {
    gh.add_repository("acme/api", &["octocat"]);
    gh.add_repository("acme/ops", &["octocat"]);
}

/// The examples, routed: one postmortem to `acme/api` (4 tasks), one task to `acme/ops`, the
/// other 29 in `acme/web`.
pub fn routed_examples() -> tempfile::TempDir {
    let dir = copy_of_examples();
    append(dir.path(), API_POSTMORTEM, "repo: acme/api\n");
    route_task(dir.path(), "acme/ops");
    dir
}

pub fn file(dir: &Path, id: &str) -> std::path::PathBuf {
    dir.join("postmortems").join(format!("{id}.yaml"))
}

pub fn append(dir: &Path, id: &str, text: &str) {
    let path = file(dir, id);
    let mut yaml = std::fs::read_to_string(&path).expect("the example");
    yaml.push_str(text);
    std::fs::write(&path, yaml).expect("the example is written");
}

/// Sets (or changes) the `repo` of [`OPS_TASK`].
pub fn route_task(dir: &Path, repo: &str) {
    let path = file(dir, "2023-05-10-ddos-database-overload");
    let yaml = std::fs::read_to_string(&path).expect("the example");
    let line = "  - id: evaluate-ddos-detection\n";
    let yaml = match yaml.find(line) {
        Some(at) => {
            let rest = &yaml[at + line.len()..];
            let rest = match rest.strip_prefix("    repo: ") {
                Some(r) => &r[r.find('\n').expect("a line") + 1..],
                None => rest,
            };
            format!("{}{line}    repo: {repo}\n{rest}", &yaml[..at])
        }
        None => panic!("the task is in the example"),
    };
    std::fs::write(&path, yaml).expect("the example is written");
}
