//! `aftercare init`: in an empty repository it writes everything a team needs, `new` and `check`
//! then pass, and a second run writes nothing; it keeps what is there unless `--force`, follows
//! the configured directory, and writes the tracker block and CI jobs asked for. The workflow it
//! writes is the README's example, pinned to this build.

use std::collections::BTreeMap;
use std::path::Path;

use aftercare::init::{Pin, github_workflow, gitlab_jobs};

use crate::support::cli::Aftercare;

/// Every file under `dir` but `.git`, with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a readable directory") {
            let path = entry.expect("an entry").path();
            let name = path
                .strip_prefix(dir)
                .expect("below the root")
                .to_string_lossy()
                .into_owned();
            if name == ".git" {
                continue;
            }
            if path.is_dir() {
                files.insert(format!("{name}/"), Vec::new());
                stack.push(path);
            } else {
                files.insert(name, std::fs::read(&path).expect("a readable file"));
            }
        }
    }
    files
}

fn read(dir: &Path, path: &str) -> String {
    std::fs::read_to_string(dir.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// An empty git repository.
fn empty_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let status = std::process::Command::new("git")
        .args(["init", "--quiet"])
        .current_dir(dir.path())
        .status()
        .expect("git runs");
    assert!(status.success());
    dir
}

const WROTE_EVERYTHING: &str = "wrote aftercare.yml\n\
                                created postmortems/\n\
                                wrote postmortem.schema.json\n\
                                wrote .github/workflows/postmortems.yml\n\
                                wrote README.md\n\
                                wrote .gitignore\n\
                                next: `aftercare new \"A title\"` writes a draft postmortem\n";

const NOTHING_TO_WRITE: &str = "nothing to write: this repository is set up for aftercare\n";

#[test]
fn init_then_new_then_check_pass_in_an_empty_repository_and_a_second_init_writes_nothing() {
    let repo = empty_repository();
    let out = Aftercare::new(repo.path()).arg("init").run();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.code),
        (WROTE_EVERYTHING, "", 0)
    );
    assert_eq!(
        tree(repo.path()).keys().collect::<Vec<_>>(),
        [
            ".github/",
            ".github/workflows/",
            ".github/workflows/postmortems.yml",
            ".gitignore",
            "README.md",
            "aftercare.yml",
            "postmortem.schema.json",
            "postmortems/",
        ]
    );
    assert_eq!(
        read(repo.path(), "postmortem.schema.json"),
        Aftercare::new(repo.path()).arg("schema").run().stdout
    );
    assert_eq!(
        read(repo.path(), ".github/workflows/postmortems.yml"),
        github_workflow("postmortems", Pin::of_this_build())
    );
    assert_eq!(read(repo.path(), ".gitignore"), ".aftercare/\n");
    assert_eq!(
        read(repo.path(), "README.md"),
        "<!-- aftercare:status:start -->\n<!-- aftercare:status:end -->\n"
    );

    let out = Aftercare::new(repo.path())
        .args(["new", "A title", "--id", "2023-05-10-a-title"])
        .run();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.code),
        ("postmortems/2023-05-10-a-title.yaml\n", "", 0)
    );
    let draft = read(repo.path(), "postmortems/2023-05-10-a-title.yaml");
    let reference = draft
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("# yaml-language-server: $schema="))
        .expect("the draft starts with the schema line");
    assert_eq!(reference, "../postmortem.schema.json");
    let resolved = repo.path().join("postmortems").join(reference);
    assert_eq!(
        std::fs::read_to_string(resolved).expect("the schema line resolves"),
        read(repo.path(), "postmortem.schema.json")
    );
    let out = Aftercare::new(repo.path()).arg("check").run();
    assert_eq!(
        (out.stdout.as_str(), out.code),
        ("no problems in 1 file (1 postmortem, 0 tasks)\n", 0)
    );

    let before = tree(repo.path());
    let out = Aftercare::new(repo.path()).arg("init").run();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str(), out.code),
        (NOTHING_TO_WRITE, "", 0)
    );
    let out = Aftercare::new(repo.path()).args(["init", "--force"]).run();
    assert_eq!((out.stdout.as_str(), out.code), (NOTHING_TO_WRITE, 0));
    assert!(
        tree(repo.path()) == before,
        "a second init changed the tree"
    );
}

#[test]
fn init_keeps_what_differs_unless_forced_and_appends_to_the_readme_and_gitignore() {
    let repo = empty_repository();
    let files = [
        ("aftercare.yml", "dir: postmortems\nlabels: [incident]\n"),
        (".github/workflows/postmortems.yml", "name: ours\n"),
        ("README.md", "# Shop\n\nThe shop."),
        (".gitignore", "target/\n"),
    ];
    std::fs::create_dir_all(repo.path().join(".github/workflows")).expect("mkdir");
    for (path, text) in files {
        std::fs::write(repo.path().join(path), text).expect("write");
    }
    let out = Aftercare::new(repo.path()).arg("init").run();
    assert_eq!(
        out.stdout,
        "kept aftercare.yml: it exists and differs from what init writes (--force replaces it)\n\
         created postmortems/\n\
         wrote postmortem.schema.json\n\
         kept .github/workflows/postmortems.yml: it exists and differs from what init writes \
         (--force replaces it)\n\
         added the status markers to README.md\n\
         added .aftercare/ to .gitignore\n\
         next: `aftercare new \"A title\"` writes a draft postmortem\n"
    );
    assert_eq!(out.code, 0);
    assert_eq!(read(repo.path(), "aftercare.yml"), files[0].1);
    assert_eq!(
        read(repo.path(), ".github/workflows/postmortems.yml"),
        "name: ours\n"
    );
    assert_eq!(
        read(repo.path(), "README.md"),
        "# Shop\n\nThe shop.\n\n<!-- aftercare:status:start -->\n<!-- aftercare:status:end -->\n"
    );
    assert_eq!(read(repo.path(), ".gitignore"), "target/\n.aftercare/\n");

    let out = Aftercare::new(repo.path()).args(["init", "--force"]).run();
    assert_eq!(
        out.stdout,
        "replaced aftercare.yml\n\
         replaced .github/workflows/postmortems.yml\n\
         next: `aftercare new \"A title\"` writes a draft postmortem\n"
    );
    assert_eq!(
        read(repo.path(), ".github/workflows/postmortems.yml"),
        github_workflow("postmortems", Pin::of_this_build())
    );
    let out = Aftercare::new(repo.path()).arg("check").run();
    assert_eq!(
        out.stdout,
        "no problems in 0 files (0 postmortems, 0 tasks)\n"
    );
}

#[test]
fn init_follows_the_configured_directory() {
    let repo = empty_repository();
    std::fs::write(repo.path().join("aftercare.yml"), "dir: docs/incidents\n").expect("write");
    let out = Aftercare::new(repo.path())
        .args(["init", "--ci", "none"])
        .run();
    assert_eq!(
        out.stdout,
        "kept aftercare.yml: it exists and differs from what init writes (--force replaces it)\n\
         created docs/incidents/\n\
         wrote postmortem.schema.json\n\
         wrote README.md\n\
         wrote .gitignore\n\
         next: `aftercare new \"A title\"` writes a draft postmortem\n"
    );
    assert!(!repo.path().join(".github").exists());
    let out = Aftercare::new(repo.path())
        .args(["new", "Disk full", "--id", "2023-06-01-disk"])
        .run();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str()),
        ("docs/incidents/2023-06-01-disk.yaml\n", "")
    );
    let out = Aftercare::new(repo.path()).arg("check").run();
    assert_eq!(
        out.stdout,
        "no problems in 1 file (1 postmortem, 0 tasks)\n"
    );
    let out = Aftercare::new(repo.path()).arg("init").run();
    assert!(out.stdout.ends_with(
        "wrote .github/workflows/postmortems.yml\n\
         next: `aftercare new \"A title\"` writes a draft postmortem\n"
    ));
    assert_eq!(
        read(repo.path(), ".github/workflows/postmortems.yml"),
        github_workflow("docs/incidents", Pin::of_this_build())
    );
}

#[test]
fn init_refuses_to_keep_an_invalid_configuration() {
    let repo = empty_repository();
    std::fs::write(repo.path().join("aftercare.yml"), "dri: x\n").expect("write");
    let out = Aftercare::new(repo.path()).arg("init").run();
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: aftercare.yml is kept as it is, and it must be valid: invalid configuration\n\
         aftercare.yml:1:1: error: unknown key `dri`, did you mean `dir`?\n"
    );
    assert_eq!(out.code, 1);
    assert_eq!(tree(repo.path()).len(), 1, "nothing was written");
}

#[test]
fn init_for_gitlab_writes_the_tracker_block_and_the_pipeline_jobs() {
    let repo = empty_repository();
    let out = Aftercare::new(repo.path())
        .args(["init", "--tracker", "gitlab"])
        .run();
    assert_eq!(
        out.stdout,
        WROTE_EVERYTHING.replace(".github/workflows/postmortems.yml", ".gitlab-ci.yml")
    );
    let config = read(repo.path(), "aftercare.yml");
    assert!(config.ends_with(
        "\n# tracker:\n\
         #   kind: gitlab                      # github | gitlab\n\
         #   url: https://gitlab.example.com   # default: CI_SERVER_URL, else https://gitlab.com\n\
         #   project: group/sub/project        # a path or numeric id; default: CI_PROJECT_PATH\n"
    ));
    assert_eq!(
        read(repo.path(), ".gitlab-ci.yml"),
        gitlab_jobs("postmortems")
    );
    // A project's own pipeline is never replaced, even with --force: the jobs are printed.
    std::fs::write(repo.path().join(".gitlab-ci.yml"), "stages: [test]\n").expect("write");
    let out = Aftercare::new(repo.path())
        .args(["init", "--tracker", "gitlab", "--force"])
        .run();
    assert_eq!(
        out.stdout,
        format!(
            ".gitlab-ci.yml exists: add these jobs to it\n{}nothing to write: this repository is \
             set up for aftercare\n",
            gitlab_jobs("postmortems")
        )
    );
    assert_eq!(read(repo.path(), ".gitlab-ci.yml"), "stages: [test]\n");
}

#[test]
fn init_for_jira_writes_the_tracker_block_and_github_ci_by_default() {
    let repo = empty_repository();
    let out = Aftercare::new(repo.path())
        .args(["init", "--tracker", "jira"])
        .run();
    assert_eq!(out.stdout, WROTE_EVERYTHING);
    assert!(read(repo.path(), "aftercare.yml").ends_with(
        "\n# tracker:\n\
         #   kind: jira\n\
         #   url: https://acme.atlassian.net   # required\n\
         #   project: OPS                      # required: the project key\n\
         #   deployment: cloud                 # cloud | datacenter\n"
    ));
}

#[test]
fn the_readme_shows_the_workflow_init_writes() {
    // The README's example is the workflow pinned to the release tag; a change to one of them
    // must be made to both.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("the README");
    let workflow = github_workflow("postmortems", Pin::Tag);
    let example = readme
        .split("```yaml\n")
        .filter_map(|block| block.split("```").next())
        .find(|block| block.starts_with("# Postmortems as code with aftercare"))
        .expect("the README has the workflow example");
    assert_eq!(example, workflow);
}

#[test]
fn the_workflow_init_writes_runs_the_jobs_this_repository_runs() {
    // The same triggers, permissions, conditions, concurrency and Action inputs as this
    // repository's own workflow, which uses the Action from its checkout (`uses: ./`) and runs
    // on pushes to `main` only.
    let ours: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join(".github/workflows/postmortems.yml"),
        )
        .expect("the repository's workflow"),
    )
    .expect("YAML");
    let written: serde_yaml::Value =
        serde_yaml::from_str(&github_workflow("postmortems", Pin::Tag)).expect("YAML");
    let yaml = |value: &serde_yaml::Value| serde_yaml::to_string(value).expect("YAML");
    for trigger in ["pull_request", "issues", "schedule", "workflow_dispatch"] {
        assert_eq!(
            yaml(&written["on"][trigger]),
            yaml(&ours["on"][trigger]),
            "{trigger}"
        );
    }
    assert_eq!(
        yaml(&written["on"]["push"]["paths"]),
        yaml(&ours["on"]["push"]["paths"])
    );
    assert_eq!(yaml(&written["permissions"]), yaml(&ours["permissions"]));
    for job in ["check", "sync", "status"] {
        let (w, o) = (&written["jobs"][job], &ours["jobs"][job]);
        for key in ["if", "needs", "runs-on", "permissions", "concurrency"] {
            assert_eq!(yaml(&w[key]), yaml(&o[key]), "{job}.{key}");
        }
        let inputs = |job: &serde_yaml::Value| -> Vec<String> {
            job["steps"]
                .as_sequence()
                .expect("steps")
                .iter()
                .filter(|s| {
                    s["uses"]
                        .as_str()
                        .is_some_and(|u| !u.starts_with("actions/"))
                })
                .map(|s| yaml(&s["with"]))
                .collect()
        };
        assert_eq!(inputs(w), inputs(o), "{job}: the Action's inputs");
    }
}

#[test]
fn the_readme_shows_the_gitlab_jobs_init_writes() {
    // The README's GitLab example is the jobs `init --ci gitlab` writes for `postmortems/`.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("the README");
    let example = readme
        .split("```yaml\n")
        .filter_map(|block| block.split("```").next())
        .find(|block| block.contains("\naftercare-check:\n"))
        .expect("the README has the GitLab CI example");
    assert_eq!(example, aftercare::init::gitlab_jobs("postmortems"));
}
