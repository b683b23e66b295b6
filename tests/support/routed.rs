//! The examples routed across three repositories of the GitHub emulator, or three projects of
//! the GitLab one, for the routing tests and the proofs that run across repositories: one
//! postmortem's tasks in a second place (`acme/api`; on GitLab `acme/platform/api`), one task in
//! a third (`acme/ops`; on GitLab `infra/ops`, in a group of its own), the other 29 in the
//! configured repository or project.

use std::path::Path;

use super::emulator::Emulator;
use super::examples::{copy_of_examples, use_gitlab};
use super::gitlab::{GitLab, MAINTAINER, PROJECT_PATH};

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
    routed_to("acme/api", "acme/ops")
}

/// The examples with [`API_POSTMORTEM`] routed to `api` and [`OPS_TASK`] to `ops`.
fn routed_to(api: &str, ops: &str) -> tempfile::TempDir {
    let dir = copy_of_examples();
    append(dir.path(), API_POSTMORTEM, &format!("repo: {api}\n"));
    route_task(dir.path(), ops);
    dir
}

/// The GitLab project [`API_POSTMORTEM`]'s tasks go to, in the group `acme/platform` beside
/// the configured project.
pub const GITLAB_API_PROJECT: &str = "acme/platform/api";
/// The GitLab project [`OPS_TASK`] goes to, in a group of its own.
pub const GITLAB_OPS_PROJECT: &str = "infra/ops";

/// Adds [`GITLAB_API_PROJECT`] and [`GITLAB_OPS_PROJECT`] to the emulator, `ada` (who syncs)
/// a Maintainer of both, as of the configured project.
pub fn three_projects(gl: &GitLab) {
    for path in [GITLAB_API_PROJECT, GITLAB_OPS_PROJECT] {
        gl.add_project(path, &[("ada", MAINTAINER.into())]);
    }
}

/// The examples pointed at the GitLab emulator's configured project ([`PROJECT_PATH`]) and
/// routed: one postmortem to [`GITLAB_API_PROJECT`] (4 tasks), one task to
/// [`GITLAB_OPS_PROJECT`], the other 29 in the configured project.
pub fn routed_gitlab_examples(gl: &GitLab) -> tempfile::TempDir {
    let dir = routed_to(GITLAB_API_PROJECT, GITLAB_OPS_PROJECT);
    use_gitlab(dir.path(), &gl.url(), PROJECT_PATH);
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
