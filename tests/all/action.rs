//! The GitHub Action's scripts, run as the runner runs them: `bash action/install.sh` and
//! `bash action/entrypoint.sh` with the environment a workflow step gets (`GITHUB_*`,
//! `RUNNER_*`, the `INPUT_*` variables action.yml sets) and the built binary as
//! `AFTERCARE_BIN`, against the GitHub emulator. These tests assert the step outputs file,
//! the job summary, the exit code and, for sync, the issues on the emulator.
//!
//! They must not download or build anything and must not reach a real GitHub: the binary is
//! the one cargo built for the tests and every API call goes to the emulator.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::cli::remove_ambient_environment;
use crate::support::emulator::{ACTIONS_TOKEN, Emulator};
use crate::support::examples::copy_of_examples;

/// The root of this repository, where action.yml and action/ live.
fn action_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What a step run produced: exit code, logs, and the files the runner reads afterwards.
#[derive(Debug)]
struct StepRun {
    code: i32,
    stdout: String,
    stderr: String,
    outputs: String,
    summary: String,
}

/// One step of the action, with the environment the runner gives it and nothing else that
/// could point it elsewhere (tokens, `GITHUB_*`, `INPUT_*`, `RUNNER_*` of the outer process).
struct Step {
    command: Command,
    runner: tempfile::TempDir,
    /// Whether the step must leave RUNNER_TEMP empty (install.sh keeps its download there).
    cleans_temp: bool,
}

impl Step {
    /// A step running `script` (relative to the action's root) in `workspace`.
    fn new(script: &str, workspace: &Path) -> Step {
        let runner = tempfile::tempdir().expect("a temporary directory");
        fs::create_dir(runner.path().join("temp")).expect("RUNNER_TEMP is created");
        let mut command = Command::new("bash");
        command.arg(action_path().join(script));
        command.current_dir(workspace);
        remove_ambient_environment(&mut command);
        command
            .env("CI", "true")
            .env("NO_COLOR", "1")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", action_path())
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_OUTPUT", runner.path().join("output"))
            .env("GITHUB_STEP_SUMMARY", runner.path().join("summary"))
            .env("RUNNER_TEMP", runner.path().join("temp"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64");
        Step {
            command,
            runner,
            cleans_temp: false,
        }
    }

    /// The action's main step, using the binary cargo built.
    fn entrypoint(workspace: &Path) -> Step {
        let mut step = Step::new("action/entrypoint.sh", workspace)
            .env("AFTERCARE_BIN", env!("CARGO_BIN_EXE_aftercare"));
        step.cleans_temp = true;
        step
    }

    fn env(mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> Step {
        self.command.env(key, value);
        self
    }

    fn arg(mut self, arg: impl AsRef<std::ffi::OsStr>) -> Step {
        self.command.arg(arg);
        self
    }

    fn env_remove(mut self, key: &str) -> Step {
        self.command.env_remove(key);
        self
    }

    async fn run_async(self) -> StepRun {
        tokio::task::spawn_blocking(move || self.run())
            .await
            .expect("the step finishes")
    }

    fn run(mut self) -> StepRun {
        let out = self.command.output().expect("bash runs");
        let read =
            |name: &str| fs::read_to_string(self.runner.path().join(name)).unwrap_or_default();
        if self.cleans_temp {
            let leftovers: Vec<_> = fs::read_dir(self.runner.path().join("temp"))
                .expect("RUNNER_TEMP is readable")
                .collect();
            assert!(
                leftovers.is_empty(),
                "the step left files in RUNNER_TEMP: {leftovers:?}"
            );
        }
        StepRun {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            outputs: read("output"),
            summary: read("summary"),
        }
    }
}

#[test]
fn install_uses_the_binary_it_is_given_and_downloads_nothing() {
    let workspace = tempfile::tempdir().expect("a temporary directory");
    let run = Step::new("action/install.sh", workspace.path())
        .env("AFTERCARE_BIN", env!("CARGO_BIN_EXE_aftercare"))
        .env("ACTION_REPOSITORY", "example/aftercare")
        .env("ACTION_REF", "v1")
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.outputs,
        format!(
            "path={}\nbuild=false\nroot=\nkey=\n",
            env!("CARGO_BIN_EXE_aftercare")
        )
    );
}

#[test]
fn install_refuses_a_binary_override_that_is_not_executable() {
    let workspace = tempfile::tempdir().expect("a temporary directory");
    let missing = workspace.path().join("no-such-binary");
    let run = Step::new("action/install.sh", workspace.path())
        .env("AFTERCARE_BIN", &missing)
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        format!(
            "::error title=aftercare::AFTERCARE_BIN is set to '{}', which is not an executable file\n",
            missing.display()
        )
    );
    assert_eq!(run.outputs, "");
}

#[test]
fn install_builds_from_source_when_the_action_is_not_used_at_a_release_tag() {
    // `uses: ./` (no action repository or ref): the binary is built from this checkout, in a
    // cache directory whose key follows the source.
    let workspace = tempfile::tempdir().expect("a temporary directory");
    let home = tempfile::tempdir().expect("a temporary directory");
    let run = Step::new("action/install.sh", workspace.path())
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.outputs.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.outputs);
    let root = lines[2].strip_prefix("root=").expect("a root output");
    let key = lines[3].strip_prefix("key=").expect("a key output");
    let digest = key
        .strip_prefix(&format!(
            "aftercare-Linux-X64-{}-",
            env!("CARGO_PKG_VERSION")
        ))
        .expect("the key names the runner and the version");
    assert_eq!(digest.len(), 64, "a sha256 of the source: {key}");
    assert!(digest.chars().all(|c| c.is_ascii_hexdigit()), "{key}");
    let expected_root = home
        .path()
        .canonicalize()
        .expect("the home directory exists")
        .join(".cache/aftercare-action")
        .join(digest);
    assert_eq!(root, expected_root.display().to_string());
    assert_eq!(lines[0], format!("path={root}/bin/aftercare"));
    assert_eq!(lines[1], "build=true");
    assert!(Path::new(root).is_dir(), "the cache directory is created");
}

#[test]
fn install_reuses_a_build_of_the_same_source_from_an_earlier_step() {
    // The action used twice in one job: the second step finds the first step's build.
    let workspace = tempfile::tempdir().expect("a temporary directory");
    let home = tempfile::tempdir().expect("a temporary directory");
    let first = Step::new("action/install.sh", workspace.path())
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .run();
    assert_eq!(first.code, 0, "{first:?}");
    let root = first
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("root="))
        .expect("a root output")
        .to_string();
    let key = first
        .outputs
        .lines()
        .find_map(|l| l.strip_prefix("key="))
        .expect("a key output")
        .to_string();
    fs::create_dir(Path::new(&root).join("bin")).expect("bin is created");
    fs::copy(
        env!("CARGO_BIN_EXE_aftercare"),
        Path::new(&root).join("bin/aftercare"),
    )
    .expect("the build is in place");

    let second = Step::new("action/install.sh", workspace.path())
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .run();
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(
        second.outputs,
        format!("path={root}/bin/aftercare\nbuild=false\nroot={root}\nkey={key}\n")
    );
}

/// Serves `archive` where a release of `example/aftercare` at the crate's version keeps the
/// Linux x86-64 binary, on 127.0.0.1, and answers 404 to everything else.
async fn release_server(archive: Vec<u8>) -> (String, tokio::task::JoinHandle<()>) {
    let path = format!(
        "/example/aftercare/releases/download/v{}/aftercare-x86_64-unknown-linux-musl.tar.gz",
        env!("CARGO_PKG_VERSION")
    );
    let app = axum::Router::new().route(
        &path,
        axum::routing::get(move || {
            let archive = archive.clone();
            async move { archive }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a local port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let task = tokio::spawn(async move {
        axum::serve(listener, app).await.expect("the server runs");
    });
    (url, task)
}

/// A small stand-in for a released binary in `dir`: it answers `--version` with `version`.
fn stand_in(dir: &Path, version: &str) -> PathBuf {
    let path = dir.join("aftercare");
    fs::write(&path, format!("#!/bin/sh\necho 'aftercare {version}'\n")).expect("the stand-in");
    let chmod = Command::new("chmod")
        .arg("+x")
        .arg(&path)
        .status()
        .expect("chmod runs");
    assert!(chmod.success());
    path
}

/// A release archive holding `binary` as `aftercare`, beside completions and manual pages, as
/// release.yml packs it.
fn release_archive(binary: &Path) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fs::copy(binary, dir.path().join("aftercare")).expect("the binary is copied");
    for (subdirectory, file) in [("completions", "aftercare.bash"), ("man", "aftercare.1")] {
        fs::create_dir(dir.path().join(subdirectory)).expect("a directory is created");
        fs::write(dir.path().join(subdirectory).join(file), "text\n").expect("a file is written");
    }
    let out = Command::new("tar")
        .args(["-czf", "-", "-C"])
        .arg(dir.path())
        .args(["aftercare", "completions", "man"])
        .output()
        .expect("tar runs");
    assert!(out.status.success(), "{out:?}");
    out.stdout
}

/// install.sh with the action used at `action_ref` of `example/aftercare`, whose release asset
/// answers `--version` with `aftercare {printed}`; HOME and RUNNER_TEMP are fresh directories.
async fn install_from_release(printed: &str, action_ref: &str) -> StepRun {
    let released = tempfile::tempdir().expect("a temporary directory");
    let binary = stand_in(released.path(), printed);
    let (server, task) = release_server(release_archive(&binary)).await;
    let workspace = tempfile::tempdir().expect("a temporary directory");
    let home = tempfile::tempdir().expect("a temporary directory");
    let run = Step::new("action/install.sh", workspace.path())
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .env("GITHUB_SERVER_URL", &server)
        .env("ACTION_REPOSITORY", "example/aftercare")
        .env("ACTION_REF", action_ref)
        .run_async()
        .await;
    task.abort();
    run
}

/// Asserts that install.sh used the downloaded release binary.
fn assert_uses_the_release(run: &StepRun) {
    assert_eq!(run.code, 0, "{run:?}");
    let version = env!("CARGO_PKG_VERSION");
    let path = run
        .outputs
        .strip_prefix("path=")
        .and_then(|rest| rest.strip_suffix("\nbuild=false\nroot=\nkey=\n"))
        .expect("a downloaded binary and nothing to build");
    assert!(
        path.ends_with(&format!(
            "/aftercare-{version}-x86_64-unknown-linux-musl/aftercare"
        )),
        "{path}"
    );
    assert_eq!(
        run.stdout,
        format!("using the released aftercare {version} for x86_64-unknown-linux-musl\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_downloads_the_release_binary_at_a_release_tag() {
    let version = env!("CARGO_PKG_VERSION");
    assert_uses_the_release(&install_from_release(version, "v1").await);
    // A release binary that names the commit it was built from is the same version.
    let with_commit = format!("{version} (0123abc)");
    assert_uses_the_release(&install_from_release(&with_commit, "v1").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_downloads_the_release_binary_at_the_commit_of_a_release() {
    // `aftercare init` pins the action to the commit of the release that wrote the workflow.
    let version = env!("CARGO_PKG_VERSION");
    let commit = "0123abc4567890123abc4567890123abc4567890";
    let built_there = format!("{version} (0123abc)");
    assert_uses_the_release(&install_from_release(&built_there, commit).await);
    // A binary of the version built from another commit, or that does not say, is not trusted.
    for printed in [format!("{version} (fedcba9)"), version.to_string()] {
        let run = install_from_release(&printed, commit).await;
        assert_eq!(run.code, 0, "{run:?}");
        assert!(run.outputs.contains("\nbuild=true\n"), "{printed}: {run:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_builds_when_the_release_binary_is_of_another_version() {
    // A release asset that is not the action's version is not trusted.
    let impostor = tempfile::tempdir().expect("a temporary directory");
    let script = stand_in(impostor.path(), "0.0.0-other");
    let (server, task) = release_server(release_archive(&script)).await;
    let workspace = tempfile::tempdir().expect("a temporary directory");
    let home = tempfile::tempdir().expect("a temporary directory");
    let run_temp = tempfile::tempdir().expect("a temporary directory");
    let run = Step::new("action/install.sh", workspace.path())
        .env("HOME", home.path())
        .env_remove("XDG_CACHE_HOME")
        .env("RUNNER_TEMP", run_temp.path())
        .env("GITHUB_SERVER_URL", &server)
        .env("ACTION_REPOSITORY", "example/aftercare")
        .env("ACTION_REF", "v1")
        .run_async()
        .await;
    task.abort();
    assert_eq!(run.code, 0, "{run:?}");
    assert!(
        run.stdout.starts_with(&format!(
            "::notice title=aftercare::no usable release asset at {server}/example/aftercare/\
             releases/download/v{}/aftercare-x86_64-unknown-linux-musl.tar.gz; building from source\n",
            env!("CARGO_PKG_VERSION")
        )),
        "{run:?}"
    );
    assert!(run.outputs.contains("\nbuild=true\n"), "{}", run.outputs);
    let temp: Vec<_> = fs::read_dir(run_temp.path())
        .expect("RUNNER_TEMP is readable")
        .collect();
    assert!(temp.is_empty(), "the refused download is removed: {temp:?}");
}

#[test]
fn entrypoint_rejects_an_unknown_command() {
    let workspace = copy_of_examples();
    let run = Step::entrypoint(workspace.path())
        .env("INPUT_COMMAND", "deploy")
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "::error title=aftercare::input command must be check, sync, status, site or remind, \
         not 'deploy'\n"
    );
    assert_eq!(run.outputs, "");
    assert_eq!(run.summary, "");
}

#[test]
fn entrypoint_rejects_a_dry_run_that_is_not_a_boolean() {
    let workspace = copy_of_examples();
    let run = Step::entrypoint(workspace.path())
        .env("INPUT_COMMAND", "sync")
        .env("INPUT_DRY_RUN", "yes")
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "::error title=aftercare::input dry-run must be true or false, not 'yes'\n"
    );
}

#[test]
fn entrypoint_escapes_an_input_it_quotes_in_an_annotation() {
    // A newline in an input must not start a workflow command of its own.
    let workspace = copy_of_examples();
    let run = Step::entrypoint(workspace.path())
        .env("INPUT_COMMAND", "x\n::add-mask::secret 100%")
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "::error title=aftercare::input command must be check, sync, status, site or remind, \
         not 'x%0A::add-mask::secret 100%25'\n"
    );
}

#[test]
fn entrypoint_splits_extra_flags_over_several_lines() {
    // `args: |` in a workflow gives one flag per line.
    let workspace = copy_of_examples();
    fs::create_dir(workspace.path().join("empty")).expect("the directory is created");
    let run = Step::entrypoint(workspace.path())
        .env("INPUT_COMMAND", "check")
        .env("INPUT_ARGS", "--dir\nempty\n")
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "no problems in 0 files (0 postmortems, 0 tasks)\n"
    );
}

#[test]
fn entrypoint_passes_inputs_as_data_never_as_shell_code() {
    // An input full of shell syntax reaches aftercare as literal arguments: nothing is
    // expanded, substituted or globbed, so the marker file is never written.
    let workspace = copy_of_examples();
    let marker = workspace.path().join("injected");
    let hostile = format!(
        "--dir $(touch {0}) `touch {0}` ;touch {0} *",
        marker.display()
    );
    let run = Step::entrypoint(workspace.path())
        .env("INPUT_COMMAND", "check")
        .env("INPUT_ARGS", &hostile)
        .run();
    assert!(!marker.exists(), "an input ran as shell code: {run:?}");
    assert_eq!(
        run.code, 2,
        "clap refuses the unexpected arguments: {run:?}"
    );
    assert_eq!(
        run.stderr.lines().next(),
        Some(
            format!(
                "error: unexpected argument '{}/injected)' found",
                workspace.path().display()
            )
            .as_str()
        )
    );
}

/// The environment of a workflow run in `acme/web` on the emulator, with the job's
/// `GITHUB_TOKEN`.
fn on_emulator(step: Step, gh: &Emulator, event: &str) -> Step {
    step.env("GITHUB_EVENT_NAME", event)
        .env("GITHUB_REPOSITORY", "acme/web")
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_TOKEN", ACTIONS_TOKEN)
}

/// A sync step as postmortems.yml runs it, with no pause between writes.
fn sync_step(workspace: &Path, gh: &Emulator, event: &str, dry_run: &str) -> Step {
    on_emulator(Step::entrypoint(workspace), gh, event)
        .env("INPUT_COMMAND", "sync")
        .env("INPUT_DRY_RUN", dry_run)
        .env("INPUT_ARGS", "--write-interval-ms 0")
}

/// The sync job summary's opening: heading, repository and the counts table.
fn sync_summary_head(heading: &str, counts: [u32; 5]) -> String {
    let [created, updated, closed, reopened, unchanged] = counts;
    format!(
        "### {heading}\n\nRepository: acme/web\n\n\
         | created | updated | closed | reopened | unchanged |\n\
         |---:|---:|---:|---:|---:|\n\
         | {created} | {updated} | {closed} | {reopened} | {unchanged} |\n"
    )
}

/// The rows of a sync summary's table that report a created issue.
fn summary_rows(summary: &str) -> Vec<&str> {
    summary
        .lines()
        .filter(|l| l.starts_with("| create |"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_on_push_files_one_issue_per_task_and_sets_the_outputs() {
    let gh = Emulator::start().await;
    let workspace = copy_of_examples();

    let first = sync_step(workspace.path(), &gh, "push", "false")
        .run_async()
        .await;
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(
        first.outputs,
        "created=34\nupdated=0\nclosed=0\nreopened=0\nunchanged=0\n"
    );
    let issues = gh.issues();
    assert_eq!(issues.len(), 34);
    assert!(
        issues
            .iter()
            .all(|i| i.state == "open" && i.author == "github-actions[bot]"),
        "{issues:#?}"
    );
    assert!(
        issues
            .iter()
            .all(|i| i.labels.iter().any(|l| l == "postmortem")),
        "every issue carries the configured label"
    );
    // The summary lists every created issue by number, once, after the counts.
    let head = sync_summary_head("aftercare sync", [34, 0, 0, 0, 0]);
    let table = "\n| change | issue | task | title |\n|---|---:|---|---|\n";
    assert!(
        first.summary.starts_with(&format!("{head}{table}")),
        "{}",
        first.summary
    );
    let rows = summary_rows(&first.summary);
    assert_eq!(rows.len(), 34, "{}", first.summary);
    for issue in &issues {
        let prefix = format!("| create | #{} | `", issue.number);
        let matching: Vec<&&str> = rows.iter().filter(|r| r.starts_with(&prefix)).collect();
        assert_eq!(
            matching.len(),
            1,
            "issue #{} in {}",
            issue.number,
            first.summary
        );
        // The row names the task whose marker the issue carries.
        let key = matching[0][prefix.len()..]
            .split('`')
            .next()
            .expect("a task key");
        assert!(
            issue.body.contains(key),
            "issue #{} does not mark task {key}",
            issue.number
        );
    }
    assert_eq!(
        first.summary.lines().count(),
        head.lines().count() + 3 + 34,
        "no warnings, errors or notes: {}",
        first.summary
    );

    // The next push with no change to the postmortems changes nothing.
    gh.clear_requests();
    let second = sync_step(workspace.path(), &gh, "push", "false")
        .run_async()
        .await;
    assert_eq!(second.code, 0, "{second:?}");
    assert_eq!(
        second.outputs,
        "created=0\nupdated=0\nclosed=0\nreopened=0\nunchanged=34\n"
    );
    assert_eq!(
        second.summary,
        sync_summary_head("aftercare sync", [0, 0, 0, 0, 34])
    );
    assert_eq!(gh.issues().len(), 34);
    let writes = gh.requests().iter().filter(|r| r.method != "GET").count();
    assert_eq!(writes, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_dry_run_on_a_pull_request_puts_the_plan_in_the_summary_and_writes_nothing() {
    let gh = Emulator::start().await;
    let workspace = copy_of_examples();

    let run = sync_step(workspace.path(), &gh, "pull_request", "true")
        .run_async()
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.outputs,
        "created=34\nupdated=0\nclosed=0\nreopened=0\nunchanged=0\n"
    );
    let head = sync_summary_head(
        "aftercare sync (dry run: nothing was changed)",
        [34, 0, 0, 0, 0],
    );
    assert!(
        run.summary.starts_with(&format!(
            "{head}\n| change | issue | task | title |\n|---|---:|---|---|\n\
             | create |  | `2023-05-10-ddos-database-overload/evaluate-ddos-detection` | \
             Evaluate and implement an advanced DDoS detection system |\n"
        )),
        "{}",
        run.summary
    );
    assert_eq!(summary_rows(&run.summary).len(), 34, "{}", run.summary);
    assert_eq!(gh.issues().len(), 0);
    let writes = gh.requests().iter().filter(|r| r.method != "GET").count();
    assert_eq!(writes, 0);
}

#[test]
fn check_passes_on_the_example_postmortems() {
    let workspace = copy_of_examples();
    let run = Step::entrypoint(workspace.path())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("INPUT_COMMAND", "check")
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "no problems in 5 files (5 postmortems, 34 tasks)\n"
    );
    assert_eq!(
        run.summary,
        "### aftercare check\n\nno problems in 5 files (5 postmortems, 34 tasks)\n"
    );
    assert_eq!(run.outputs, "");
}

#[test]
fn check_annotates_an_invalid_postmortem_and_fails_the_step() {
    let workspace = copy_of_examples();
    fs::write(
        workspace.path().join("postmortems/broken.yaml"),
        "id: broken\ntitle: Broken\nstatuss: draft\n",
    )
    .expect("the broken postmortem is written");
    let run = Step::entrypoint(workspace.path())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("INPUT_COMMAND", "check")
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(
        run.stdout,
        "::error file=postmortems/broken.yaml,line=1,col=1::missing field `impact` in the postmortem\n\
         ::error file=postmortems/broken.yaml,line=1,col=1::missing field `root_cause` in the postmortem\n\
         ::error file=postmortems/broken.yaml,line=3,col=1::unknown field `statuss`, did you mean `status`?\n\
         3 errors in 6 files\n"
    );
    assert_eq!(
        run.summary,
        "### aftercare check\n\n3 errors in 6 files\n\n\
         Each problem is an annotation on its file and line.\n"
    );
}

#[test]
fn site_writes_the_pages_and_says_so_in_the_summary() {
    let workspace = copy_of_examples();
    let run = Step::entrypoint(workspace.path())
        .env("INPUT_COMMAND", "site")
        .env("INPUT_ARGS", "--offline --out public")
        .run();
    assert_eq!(run.code, 0, "{run:?}");
    let line = "wrote 6 pages to public (offline: task states unknown)\n";
    assert_eq!(run.stdout, line);
    assert_eq!(run.summary, format!("### aftercare site\n\n{line}"));
    assert_eq!(run.outputs, "");
    assert!(workspace.path().join("public/index.html").is_file());
}

#[test]
fn site_fails_the_step_when_the_postmortems_are_broken() {
    let workspace = copy_of_examples();
    fs::write(
        workspace.path().join("postmortems/broken.yaml"),
        "id: broken\n",
    )
    .expect("the broken postmortem is written");
    let run = Step::entrypoint(workspace.path())
        .env("INPUT_COMMAND", "site")
        .env("INPUT_ARGS", "--offline")
        .run();
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.summary,
        "### aftercare site\n\naftercare site wrote no page\n"
    );
    assert!(!workspace.path().join("site").exists());
}

#[test]
fn check_reads_the_directory_input() {
    // `dir` is passed as --dir: an empty directory holds no postmortem, which is no error.
    let workspace = copy_of_examples();
    fs::create_dir(workspace.path().join("empty")).expect("the directory is created");
    let run = Step::entrypoint(workspace.path())
        .env("INPUT_COMMAND", "check")
        .env("INPUT_DIR", "empty")
        .run();
    assert_eq!(
        run.stdout, "no problems in 0 files (0 postmortems, 0 tasks)\n",
        "{run:?}"
    );
    assert_eq!(run.code, 0, "{run:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_sets_the_outputs_and_rewrites_the_readme_and_badge() {
    let gh = Emulator::start().await;
    let workspace = copy_of_examples();
    let synced = sync_step(workspace.path(), &gh, "push", "false")
        .run_async()
        .await;
    assert_eq!(synced.code, 0, "{synced:?}");
    // Three tasks are done, one is dropped.
    let mut numbers: Vec<u64> = gh.issues().iter().map(|i| i.number).collect();
    numbers.sort_unstable();
    for &n in &numbers[..3] {
        gh.close_issue(n, "completed");
    }
    gh.close_issue(numbers[3], "not_planned");
    fs::write(
        workspace.path().join("README.md"),
        "# Project\n\n<!-- aftercare:status:start -->\n<!-- aftercare:status:end -->\n",
    )
    .expect("the README is written");
    fs::create_dir(workspace.path().join(".github")).expect(".github is created");

    let run = on_emulator(Step::entrypoint(workspace.path()), &gh, "issues")
        .env("INPUT_COMMAND", "status")
        .env("INPUT_README", "README.md")
        .env("INPUT_BADGE", ".github/aftercare-badge.svg")
        .run_async()
        .await;
    assert_eq!(run.code, 0, "{run:?}");
    // Tasks count every task; the share done leaves out the dropped one (3 of 33).
    assert_eq!(run.outputs, "tasks=34\ndone=3\npercent=9.1\noverdue=0\n");
    // aftercare status writes the job summary itself.
    assert!(
        run.summary
            .starts_with("### Corrective actions in acme/web: 3/33 done (9.1%)\n"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.ends_with(
            "| **Total** | 3/33 | ░░░░░░░░░░ 9.1% | 30 | 1 | 0 | 0 |\n\nNo overdue tasks.\n"
        ),
        "{}",
        run.summary
    );
    let readme = fs::read_to_string(workspace.path().join("README.md")).expect("the README");
    assert!(
        readme.starts_with(
            "# Project\n\n<!-- aftercare:status:start -->\n\
             ![corrective actions: 3/33 done](.github/aftercare-badge.svg)\n"
        ),
        "{readme}"
    );
    assert!(
        readme.ends_with(
            "| **Total** | 3/33 | ░░░░░░░░░░ 9.1% | 0 |\n\n<!-- aftercare:status:end -->\n"
        ),
        "{readme}"
    );
    let badge = workspace.path().join(".github/aftercare-badge.svg");
    let svg = fs::read_to_string(&badge).expect("the badge is written");
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(svg.contains("3/33 done"), "{svg}");
    let endpoint = workspace.path().join(".github/aftercare-badge.json");
    assert!(
        endpoint.is_file(),
        "the endpoint JSON is written beside the badge"
    );

    // A second run with nothing changed on GitHub leaves both files as they were, so the
    // workflow has nothing to commit.
    let endpoint_json = fs::read_to_string(&endpoint).expect("the endpoint JSON");
    let again = on_emulator(Step::entrypoint(workspace.path()), &gh, "schedule")
        .env("INPUT_COMMAND", "status")
        .env("INPUT_README", "README.md")
        .env("INPUT_BADGE", ".github/aftercare-badge.svg")
        .run_async()
        .await;
    assert_eq!(again.code, 0, "{again:?}");
    assert_eq!(again.outputs, run.outputs);
    assert_eq!(
        fs::read_to_string(workspace.path().join("README.md")).expect("the README"),
        readme
    );
    assert_eq!(fs::read_to_string(&badge).expect("the badge"), svg);
    assert_eq!(
        fs::read_to_string(&endpoint).expect("the endpoint JSON"),
        endpoint_json
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remind_comments_once_and_sets_the_outputs_and_summary() {
    let gh = Emulator::start().await;
    let workspace = tempfile::tempdir().expect("a workspace");
    fs::create_dir(workspace.path().join("postmortems")).expect("postmortems/");
    fs::write(
        workspace.path().join("postmortems/2023-05-10-ddos.yaml"),
        "id: 2023-05-10-ddos\ntitle: DDoS\nimpact: {summary: Slow}\nroot_cause: No limits\n\
         tasks:\n  - {id: waf, title: Evaluate a WAF, owner: octocat, due: 2020-01-01}\n  \
         - {id: drill, title: Run a drill, due: 2999-01-01}\n",
    )
    .expect("the postmortem is written");
    let synced = sync_step(workspace.path(), &gh, "push", "false")
        .run_async()
        .await;
    assert_eq!(synced.code, 0, "{synced:?}");
    let remind = |dry_run: &'static str| {
        on_emulator(Step::entrypoint(workspace.path()), &gh, "schedule")
            .env("INPUT_COMMAND", "remind")
            .env("INPUT_DRY_RUN", dry_run)
            .env("INPUT_ARGS", "--write-interval-ms 0")
            .run_async()
    };
    let dry = remind("true").await;
    assert_eq!(dry.code, 0, "{dry:?}");
    assert_eq!(dry.outputs, "reminded=1\nalready_reminded=0\n");
    let first = remind("false").await;
    assert_eq!(first.code, 0, "{first:?}");
    assert_eq!(first.outputs, "reminded=1\nalready_reminded=0\n");
    assert_eq!(
        first.summary,
        "### aftercare remind\n\n| action | issue | task | overdue since |\n|---|---:|---|---|\n\
         | remind | #1 | `2023-05-10-ddos/waf` | 2020-01-02 |\n"
    );
    let second = remind("false").await;
    assert_eq!(second.outputs, "reminded=0\nalready_reminded=1\n");
    assert_eq!(gh.issue(1).expect("the issue").comments.len(), 1);
    assert_eq!(gh.issue(2).expect("the issue").comments.len(), 0);
}

/// Runs git in `dir` as a test fixture author, and fails the test when git fails.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Fixture")
        .env("GIT_AUTHOR_EMAIL", "fixture@example.com")
        .env("GIT_COMMITTER_NAME", "Fixture")
        .env("GIT_COMMITTER_EMAIL", "fixture@example.com")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A bare `origin` and a clone of it on `main` holding a README and a badge, as the status
/// job's checkout is.
fn status_checkout() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let root = tempfile::tempdir().expect("a temporary directory");
    let origin = root.path().join("origin.git");
    let checkout = root.path().join("checkout");
    git(
        root.path(),
        &["init", "--quiet", "--bare", "-b", "main", "origin.git"],
    );
    git(root.path(), &["clone", "--quiet", "origin.git", "checkout"]);
    git(&checkout, &["checkout", "--quiet", "-b", "main"]);
    fs::write(checkout.join("README.md"), "# Project\n\nold status\n").expect("README");
    fs::create_dir(checkout.join(".github")).expect(".github");
    fs::write(
        checkout.join(".github/aftercare-badge.svg"),
        "<svg>old</svg>",
    )
    .expect("badge");
    fs::write(checkout.join("notes.txt"), "not the status\n").expect("notes");
    git(&checkout, &["add", "README.md", ".github", "notes.txt"]);
    git(&checkout, &["commit", "--quiet", "-m", "Start"]);
    git(&checkout, &["push", "--quiet", "origin", "main"]);
    (root, origin, checkout)
}

fn commit_status(checkout: &Path) -> StepRun {
    Step::new(".github/scripts/commit-status.sh", checkout)
        .env("GITHUB_REF_NAME", "main")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .arg("README.md")
        .arg(".github/aftercare-badge.svg")
        .run()
}

#[test]
fn status_commit_is_skipped_when_nothing_changed() {
    let (_root, origin, checkout) = status_checkout();
    let before = git(&origin, &["rev-parse", "main"]);
    let run = commit_status(&checkout);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "the status files are up to date: nothing to commit\n"
    );
    assert_eq!(git(&origin, &["rev-parse", "main"]), before);
}

#[test]
fn status_commit_pushes_only_the_status_files_as_the_actions_bot() {
    let (_root, origin, checkout) = status_checkout();
    fs::write(checkout.join("README.md"), "# Project\n\nnew status\n").expect("README");
    fs::write(checkout.join("notes.txt"), "an unrelated edit\n").expect("notes");
    let run = commit_status(&checkout);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.stdout, "pushed the refreshed status to main\n");
    assert_eq!(
        git(&origin, &["log", "-1", "--format=%an <%ae>%n%s", "main"]),
        "github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>\n\
         Refresh the postmortem status section and badge\n"
    );
    assert_eq!(
        git(&origin, &["diff", "--name-only", "main~1", "main"]),
        "README.md\n"
    );
}

#[test]
fn status_commit_rebases_when_the_branch_moved_meanwhile() {
    let (root, origin, checkout) = status_checkout();
    // Someone else pushes first.
    git(root.path(), &["clone", "--quiet", "origin.git", "other"]);
    let other = root.path().join("other");
    fs::write(other.join("notes.txt"), "pushed meanwhile\n").expect("notes");
    git(&other, &["commit", "--quiet", "-am", "Meanwhile"]);
    git(&other, &["push", "--quiet", "origin", "main"]);

    fs::write(
        checkout.join(".github/aftercare-badge.svg"),
        "<svg>new</svg>",
    )
    .expect("badge");
    let run = commit_status(&checkout);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.stdout,
        "push 1 to main was refused; rebasing on it\npushed the refreshed status to main\n"
    );
    assert_eq!(
        git(&origin, &["log", "--format=%s", "main"]),
        "Refresh the postmortem status section and badge\nMeanwhile\nStart\n"
    );
}

/// A YAML file of this repository, parsed.
fn yaml(path: &str) -> serde_yaml::Value {
    let text = fs::read_to_string(action_path().join(path)).expect("the file is there");
    serde_yaml::from_str(&text).expect("the file is YAML")
}

/// The keys of a YAML mapping, as strings, sorted.
fn keys(value: &serde_yaml::Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_mapping()
        .map(|m| {
            m.keys()
                .filter_map(|k| k.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    keys.sort();
    keys
}

#[test]
fn action_yml_passes_inputs_to_its_scripts_only_through_the_environment() {
    let action = yaml("action.yml");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    let steps = action["runs"]["steps"]
        .as_sequence()
        .expect("the action has steps");
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "an expression inside run: {run}");
        }
    }
    let run = steps
        .iter()
        .find(|s| s["id"].as_str() == Some("run"))
        .expect("the step that runs aftercare");
    assert_eq!(
        run["run"].as_str(),
        Some("bash \"$GITHUB_ACTION_PATH/action/entrypoint.sh\"")
    );
    // Every input except the token reaches the script as INPUT_<NAME>, and the script reads
    // exactly those variables.
    let inputs = keys(&action["inputs"]);
    assert_eq!(
        inputs,
        [
            "args", "badge", "command", "dir", "dry-run", "readme", "token"
        ]
    );
    for input in inputs.iter().filter(|i| *i != "token") {
        let variable = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        assert_eq!(
            run["env"][variable.as_str()].as_str(),
            Some(format!("${{{{ inputs.{input} }}}}").as_str()),
            "{variable}"
        );
    }
    assert_eq!(
        run["env"]["GITHUB_TOKEN"].as_str(),
        Some("${{ inputs.token }}")
    );
    let script =
        fs::read_to_string(action_path().join("action/entrypoint.sh")).expect("the script");
    let mut read: Vec<&str> = script
        .match_indices("INPUT_")
        .map(|(at, _)| {
            let rest = &script[at..];
            let end = rest
                .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
                .unwrap_or(rest.len());
            &rest[..end]
        })
        .filter(|v| *v != "INPUT_")
        .collect();
    read.sort_unstable();
    read.dedup();
    assert_eq!(
        read,
        [
            "INPUT_ARGS",
            "INPUT_BADGE",
            "INPUT_COMMAND",
            "INPUT_DIR",
            "INPUT_DRY_RUN",
            "INPUT_README"
        ]
    );
    // The outputs are the ones the tests above see in GITHUB_OUTPUT.
    let outputs = keys(&action["outputs"]);
    assert_eq!(
        outputs,
        [
            "already_reminded",
            "closed",
            "created",
            "done",
            "overdue",
            "percent",
            "reminded",
            "reopened",
            "tasks",
            "unchanged",
            "updated"
        ]
    );
    for output in &outputs {
        assert_eq!(
            action["outputs"][output.as_str()]["value"].as_str(),
            Some(format!("${{{{ steps.run.outputs.{output} }}}}").as_str())
        );
    }
}

#[test]
fn postmortems_workflow_has_the_triggers_permissions_and_concurrency_it_promises() {
    let workflow = yaml(".github/workflows/postmortems.yml");
    let on = &workflow["on"];
    assert_eq!(
        keys(on),
        [
            "issues",
            "pull_request",
            "push",
            "schedule",
            "workflow_dispatch"
        ]
    );
    let paths = serde_yaml::to_string(&on["pull_request"]["paths"]).expect("paths");
    assert_eq!(paths, "- postmortems/**\n- aftercare.yml\n");
    assert_eq!(
        serde_yaml::to_string(&on["issues"]["types"]).expect("types"),
        "- closed\n- reopened\n- labeled\n"
    );
    assert_eq!(
        serde_yaml::to_string(&workflow["permissions"]).expect("permissions"),
        "{}\n"
    );
    let jobs = &workflow["jobs"];
    assert_eq!(
        keys(jobs),
        ["check", "pages", "remind", "site", "status", "sync"]
    );
    let permissions = |job: &str| serde_yaml::to_string(&jobs[job]["permissions"]).expect("yaml");
    assert_eq!(permissions("check"), "contents: read\nissues: read\n");
    assert_eq!(permissions("sync"), "contents: read\nissues: write\n");
    assert_eq!(permissions("status"), "contents: write\nissues: read\n");
    assert_eq!(permissions("remind"), "contents: read\nissues: write\n");
    assert_eq!(
        jobs["remind"]["if"].as_str(),
        Some("github.event_name == 'schedule' || github.event_name == 'workflow_dispatch'")
    );
    // The site is built with read access only; only the deployment may write to Pages.
    assert_eq!(permissions("site"), "contents: read\nissues: read\n");
    assert_eq!(permissions("pages"), "pages: write\nid-token: write\n");
    assert_eq!(jobs["site"]["needs"].as_str(), Some("status"));
    assert_eq!(
        jobs["site"]["if"].as_str(),
        Some("${{ !cancelled() && needs.status.result == 'success' }}")
    );
    assert_eq!(
        jobs["site"]["steps"][1]["with"]["command"].as_str(),
        Some("site")
    );
    assert_eq!(
        jobs["site"]["steps"][2]["with"]["path"].as_str(),
        Some("site")
    );
    assert_eq!(jobs["pages"]["needs"].as_str(), Some("site"));
    assert_eq!(
        jobs["pages"]["environment"]["name"].as_str(),
        Some("github-pages")
    );
    let deploy: Vec<&str> = jobs["pages"]["steps"]
        .as_sequence()
        .expect("steps")
        .iter()
        .filter_map(|s| s["uses"].as_str())
        .map(|u| u.split_once('@').map_or(u, |(name, _)| name))
        .collect();
    assert_eq!(deploy, ["actions/configure-pages", "actions/deploy-pages"]);
    assert_eq!(
        serde_yaml::to_string(&jobs["sync"]["concurrency"]).expect("yaml"),
        "group: aftercare-sync\ncancel-in-progress: false\n"
    );
    // The status refreshes after a successful sync as well as on issue events.
    assert_eq!(jobs["status"]["needs"].as_str(), Some("sync"));
    let status_if = jobs["status"]["if"].as_str().expect("a condition");
    assert!(
        status_if.contains("github.event_name == 'push' && needs.sync.result == 'success'"),
        "{status_if}"
    );
    // Only the status job pushes, so only its checkout keeps credentials.
    for job in ["check", "sync", "status", "site", "remind"] {
        let checkout = &jobs[job]["steps"][0];
        assert!(
            checkout["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@")),
            "{job}"
        );
        assert_eq!(
            checkout["with"]["persist-credentials"].as_bool(),
            Some(job == "status"),
            "{job}"
        );
    }
}

#[test]
fn every_third_party_action_is_pinned_to_a_full_commit() {
    let files = [
        "action.yml",
        ".github/workflows/ci.yml",
        ".github/workflows/postmortems.yml",
        ".github/workflows/release.yml",
    ];
    let mut pinned = 0;
    for file in files {
        let text = fs::read_to_string(action_path().join(file)).expect("the file is there");
        for line in text.lines() {
            let Some(uses) = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")
            else {
                continue;
            };
            if uses == "./" {
                continue;
            }
            let (reference, comment) = uses.split_once(" # ").unwrap_or((uses, ""));
            let sha = reference.rsplit_once('@').map(|(_, r)| r).unwrap_or("");
            assert!(
                sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
                "{file}: {uses}"
            );
            assert!(comment.starts_with('v'), "{file}: the version of {uses}");
            pinned += 1;
        }
    }
    assert_eq!(pinned, 16);
}

#[test]
fn cargo_binstall_finds_the_archives_the_release_workflow_attaches() {
    let manifest = fs::read_to_string(action_path().join("Cargo.toml")).expect("Cargo.toml");
    let binstall: Vec<&str> = manifest
        .split("[package.metadata.binstall]\n")
        .nth(1)
        .expect("binstall metadata")
        .lines()
        .take_while(|line| !line.is_empty())
        .collect();
    assert_eq!(
        binstall,
        [
            r#"pkg-url = "{ repo }/releases/download/v{ version }/aftercare-{ target }.tar.gz""#,
            r#"bin-dir = "{ bin }{ binary-ext }""#,
            r#"pkg-fmt = "tgz""#,
        ]
    );
    // The release workflow names each archive so, with the binary at its top.
    let release = fs::read_to_string(action_path().join(".github/workflows/release.yml"))
        .expect("release.yml");
    assert!(release.contains("          archive=\"aftercare-$TARGET.tar.gz\"\n"));
    assert!(
        release
            .contains("          tar -czf \"$archive\" -C \"$stage\" aftercare completions man\n")
    );
    assert!(release.contains("\"aftercare-$TARGET.tar.gz\" \"aftercare-$TARGET.tar.gz.sha256\""));
}
