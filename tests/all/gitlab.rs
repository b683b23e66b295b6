//! `aftercare sync` and `status` with a GitLab tracker, through the built binary against the
//! GitLab emulator: the examples give one issue per task and a second run writes nothing at
//! its request floor; removal, return and a person's close; trust by membership and role;
//! `status --format json`; errors worded for people before or at the first request; the
//! token never shows; the jobs `init` writes into `.gitlab-ci.yml`, remind's included, run
//! with GitLab CI's variables.

use std::path::Path;

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::find_key;

use crate::support::cli::{Aftercare, Outcome};
use crate::support::examples::copy_of_examples;
use crate::support::gitlab::{
    GUEST_TOKEN, GitLab, OUTSIDER_TOKEN, OWNER_TOKEN, PROJECT_PATH, REJECTED_TOKEN, REPORTER_TOKEN,
};

/// The `tracker` block that points aftercare at the emulator's project.
pub fn tracker_block(gl: &GitLab, project: &str) -> String {
    format!(
        "\ntracker:\n  kind: gitlab\n  url: {}\n  project: {project}\n",
        gl.url()
    )
}

/// A copy of the examples whose `aftercare.yml` names the emulator's project.
pub fn gitlab_examples(gl: &GitLab) -> tempfile::TempDir {
    let dir = copy_of_examples();
    let config = dir.path().join("aftercare.yml");
    let mut text = std::fs::read_to_string(&config).expect("aftercare.yml");
    text.push_str(&tracker_block(gl, PROJECT_PATH));
    std::fs::write(&config, text).expect("aftercare.yml is written");
    dir
}

/// `aftercare ARGS` in `dir` with `token` in GITLAB_TOKEN.
fn run_as(dir: &Path, token: &str, args: &[&str]) -> Outcome {
    Aftercare::new(dir)
        .args(args)
        .env("GITLAB_TOKEN", token)
        .run()
}

/// `aftercare sync` in `dir` as the project's maintainer, without pacing.
pub fn sync_as_owner(dir: &Path) -> Aftercare {
    Aftercare::new(dir)
        .args(["sync", "--write-interval-ms", "0"])
        .env("GITLAB_TOKEN", OWNER_TOKEN)
}

fn last_line(out: &Outcome) -> &str {
    out.stdout.lines().last().unwrap_or("")
}

fn writes(gl: &GitLab) -> usize {
    gl.requests().iter().filter(|r| r.method != "GET").count()
}

#[test]
fn the_examples_give_one_issue_per_task_and_a_second_run_writes_nothing_at_its_floor() {
    let gl = GitLab::start_blocking();
    let dir = gitlab_examples(&gl);
    let first = sync_as_owner(dir.path()).run();
    assert_eq!(first.code, 0, "{first:#?}");
    assert_eq!(
        last_line(&first),
        "created 34, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert_eq!(first.stderr, "");
    let issues = gl.issues();
    assert_eq!(issues.len(), 34);
    let mut keys: Vec<TaskKey> = issues
        .iter()
        .map(|i| find_key(&i.description).expect("every issue carries its marker"))
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 34, "one issue per task");
    for issue in &issues {
        assert_eq!(issue.author, "ada");
        assert_eq!(issue.state, "opened");
        assert!(
            issue.labels.contains(&"postmortem".to_string()),
            "{issue:#?}"
        );
        assert!(
            issue.description.contains(&format!(
                "]({}/{PROJECT_PATH}/-/blob/HEAD/postmortems/",
                gl.url()
            )),
            "{}",
            issue.description
        );
    }
    // The first line of the run names the issue it made, as on GitHub.
    assert!(
        first
            .stdout
            .lines()
            .next()
            .unwrap()
            .starts_with("create #1 "),
        "{}",
        first.stdout
    );

    gl.clear_requests();
    let second = sync_as_owner(dir.path()).run();
    assert_eq!(second.code, 0, "{second:#?}");
    assert_eq!(
        last_line(&second),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    assert_eq!(writes(&gl), 0);
    // The user is remembered by a hash of the token, and the listing snapshot is kept: one page
    // of the issues updated since the last run, whatever the project's size.
    let requests = gl.requests();
    let paths: Vec<String> = requests
        .iter()
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        paths,
        ["GET /projects/acme%2Fplatform%2Fweb/issues"],
        "{requests:#?}"
    );
    assert!(
        requests[0].query.contains("updated_after="),
        "{}",
        requests[0].query
    );

    // `--full` lists everything: the label listing and the syncing user's own issues, one page
    // each here, within ceil(issues/100) + 3.
    gl.clear_requests();
    let full = sync_as_owner(dir.path()).arg("--full").run();
    assert_eq!(
        last_line(&full),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    let queries: Vec<String> = gl.requests().iter().map(|r| r.query.clone()).collect();
    assert_eq!(queries.len(), 2, "{queries:#?}");
    assert!(queries[0].contains("labels=postmortem"), "{queries:#?}");
    assert!(queries[1].contains("author_username=ada"), "{queries:#?}");
    assert_eq!(writes(&gl), 0);
}

#[test]
fn a_removed_task_is_dropped_with_a_label_and_a_note_and_reopened_when_it_returns() {
    let gl = GitLab::start_blocking();
    let dir = gitlab_examples(&gl);
    assert_eq!(sync_as_owner(dir.path()).run().code, 0);
    let file = dir
        .path()
        .join("postmortems/2023-05-10-ddos-database-overload.yaml");
    let original = std::fs::read_to_string(&file).expect("the example");
    let task = "  - id: database-auto-scaling\n    title: Implement auto-scaling mechanisms to \
                dynamically adjust database resources based on traffic patterns\n    measure: \
                database-scalability\n    type: prevent\n";
    assert!(original.contains(task));
    std::fs::write(&file, original.replace(task, "")).expect("the task is removed");
    let key = TaskKey::new("2023-05-10-ddos-database-overload", "database-auto-scaling");
    let iid = gl
        .issues()
        .iter()
        .find(|i| find_key(&i.description) == Some(key.clone()))
        .expect("the task's issue")
        .iid;

    let out = sync_as_owner(dir.path()).run();
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 1, reopened 0, unchanged 33"
    );
    let issue = gl.issue(iid).expect("the issue");
    assert_eq!(issue.state, "closed");
    assert!(
        issue.labels.contains(&"not planned".to_string()),
        "{issue:#?}"
    );
    assert_eq!(
        issue.notes,
        [
            "Closed as not planned by aftercare: task `database-auto-scaling` was removed from \
             `postmortems/2023-05-10-ddos-database-overload.yaml`. If the task comes back, this \
             issue is reopened."
                .to_string()
        ]
    );
    let status = run_as(dir.path(), OWNER_TOKEN, &["status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
    assert_eq!(json["repo"], PROJECT_PATH);
    assert_eq!(
        json["totals"]["dropped"], 0,
        "a removed task is not reported"
    );

    std::fs::write(&file, &original).expect("the task is back");
    let out = sync_as_owner(dir.path()).run();
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 1, unchanged 33"
    );
    let issue = gl.issue(iid).expect("the issue");
    assert_eq!(issue.state, "opened");
    assert!(
        !issue.labels.contains(&"not planned".to_string()),
        "{issue:#?}"
    );

    // A person closes it now: it reads as done, and sync leaves it closed.
    gl.close_issue(iid);
    let out = sync_as_owner(dir.path()).run();
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    assert_eq!(gl.issue(iid).expect("the issue").state, "closed");
    let status = run_as(dir.path(), OWNER_TOKEN, &["status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
    let item = json["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|i| i["items"].as_array().unwrap())
        .find(|i| i["id"] == "database-auto-scaling")
        .expect("the item")
        .clone();
    assert_eq!(item["state"], "done");
    assert_eq!(item["ref"], format!("#{iid}"));
    assert_eq!(item["issue"], iid);
    assert_eq!(
        item["url"],
        format!("{}/{PROJECT_PATH}/-/issues/{iid}", gl.url())
    );
}

#[test]
fn a_closed_issue_with_a_dropped_label_is_dropped_and_without_one_done() {
    let gl = GitLab::start_blocking();
    let dir = gitlab_examples(&gl);
    assert_eq!(sync_as_owner(dir.path()).run().code, 0);
    gl.close_issue(1);
    gl.close_issue(2);
    gl.set_issue_labels(2, &["postmortem", "WontFix"]);
    let status = run_as(dir.path(), OWNER_TOKEN, &["status", "--format", "json"]);
    assert_eq!(status.code, 0, "{status:#?}");
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
    assert_eq!(json["totals"]["done"], 1);
    assert_eq!(json["totals"]["dropped"], 1);
    assert_eq!(json["totals"]["open"], 32);
}

#[test]
fn look_alikes_by_a_non_member_and_a_guest_are_ignored_and_a_reporters_is_adopted() {
    let gl = GitLab::start_blocking();
    let dir = gitlab_examples(&gl);
    let marker = |task: &str| {
        format!("Forged.\n\n<!-- aftercare:task=2023-05-10-ddos-database-overload/{task} -->\n")
    };
    let labels = ["postmortem"];
    let outsider = gl.seed_issue(
        OUTSIDER_TOKEN,
        "Forged",
        &marker("database-auto-scaling"),
        &labels,
    );
    let guest = gl.seed_issue(
        GUEST_TOKEN,
        "Forged",
        &marker("review-database-configuration"),
        &labels,
    );
    let reporter = gl.seed_issue(
        REPORTER_TOKEN,
        "By hand",
        &marker("evaluate-ddos-detection"),
        &labels,
    );
    gl.close_issue(outsider);
    let out = sync_as_owner(dir.path()).run();
    assert_eq!(out.code, 0, "{out:#?}");
    // The reporter's issue is adopted (brought in step), the forgeries are not counted.
    assert_eq!(
        last_line(&out),
        "created 33, updated 1, closed 0, reopened 0, unchanged 0"
    );
    let rule = "a project member with at least the Reporter role";
    assert_eq!(
        out.stderr,
        format!(
            "warning: ignored issue #{outsider} by mallory: it carries the marker of \
             2023-05-10-ddos-database-overload/database-auto-scaling, but its author is neither \
             the syncing identity nor {rule}\n\
             warning: ignored issue #{guest} by gus: it carries the marker of \
             2023-05-10-ddos-database-overload/review-database-configuration, but its author is \
             neither the syncing identity nor {rule}\n"
        )
    );
    for forged in [outsider, guest] {
        let issue = gl.issue(forged).expect("the forgery");
        assert_eq!(issue.title, "Forged", "never edited");
        assert!(issue.notes.is_empty(), "never commented on");
    }
    assert_eq!(gl.issue(reporter).expect("adopted").state, "opened");
    let status = run_as(dir.path(), OWNER_TOKEN, &["status", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
    assert_eq!(
        json["totals"]["done"], 0,
        "the outsider's closed forgery never counts"
    );
    assert_eq!(json["totals"]["open"], 34);
}

#[test]
fn gitlab_refusals_are_one_clear_line_and_nothing_is_written() {
    let gl = GitLab::start_blocking();
    let dir = gitlab_examples(&gl);
    // CI_JOB_TOKEN alone: stopped before any request.
    let out = Aftercare::new(dir.path())
        .args(["sync", "--write-interval-ms", "0"])
        .env("CI_JOB_TOKEN", "job-token")
        .run();
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: sync needs a token: GitLab's CI job token (CI_JOB_TOKEN) cannot use the Issues \
         API: set GITLAB_TOKEN to a project access token with the `api` scope and at least the \
         Reporter role (Developer to create issues), as a masked CI/CD variable\n"
    );
    assert!(gl.requests().is_empty());

    let out = run_as(
        dir.path(),
        REJECTED_TOKEN,
        &["sync", "--write-interval-ms", "0"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: cannot read the issues of acme/platform/web: cannot tell who the token belongs \
         to: GitLab rejected the token: check GITLAB_TOKEN (it may be expired or revoked): \
         GitLab answered 401: 401 Unauthorized\n"
    );

    let config = dir.path().join("aftercare.yml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace(PROJECT_PATH, "acme/platform/nothing")).unwrap();
    let out = run_as(
        dir.path(),
        OWNER_TOKEN,
        &["sync", "--write-interval-ms", "0"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: cannot read the issues of acme/platform/nothing: cannot list issues labelled \
         \"postmortem\": GitLab project acme/platform/nothing not found, not visible to the \
         token, or its issues are disabled: GitLab answered 404: 404 Project Not Found\n"
    );

    std::fs::write(
        &config,
        text.replace(PROJECT_PATH, "acme/platform/handbook"),
    )
    .unwrap();
    let out = run_as(
        dir.path(),
        OWNER_TOKEN,
        &["sync", "--write-interval-ms", "0"],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: cannot read the issues of acme/platform/handbook: cannot list issues labelled \
         \"postmortem\": the token may not read the issues of acme/platform/handbook: it needs \
         the `api` or `read_api` scope and a role in the project, and issues must be enabled in \
         it: GitLab answered 403: 403 Forbidden\n"
    );
    assert_eq!(writes(&gl), 0);
}

#[test]
fn the_token_never_appears_in_output_at_any_verbosity() {
    let gl = GitLab::start_blocking();
    let dir = gitlab_examples(&gl);
    for verbosity in [None, Some("-v"), Some("-vv"), Some("-vvv")] {
        let mut args = vec!["sync", "--write-interval-ms", "0"];
        args.extend(verbosity);
        let out = run_as(dir.path(), OWNER_TOKEN, &args);
        assert_eq!(out.code, 0, "{out:#?}");
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains(OWNER_TOKEN), "{verbosity:?}: {text}");
        }
        let out = run_as(dir.path(), REJECTED_TOKEN, &args);
        assert_eq!(out.code, 1);
        for text in [&out.stdout, &out.stderr] {
            assert!(!text.contains(REJECTED_TOKEN), "{verbosity:?}: {text}");
        }
    }
    for entry in std::fs::read_dir(dir.path().join(".aftercare")).expect("the cache directory") {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(OWNER_TOKEN));
    }
}

#[test]
fn dry_run_without_a_token_plans_against_an_empty_project_without_a_request() {
    let gl = GitLab::start_blocking();
    let dir = gitlab_examples(&gl);
    let out = Aftercare::new(dir.path()).args(["sync", "--dry-run"]).run();
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        out.stdout.lines().next(),
        Some("no token: planning against an empty acme/platform/web, without contacting GitLab")
    );
    assert_eq!(
        last_line(&out),
        "plan: 34 to create, 0 to update, 0 to close, 0 to reopen, 0 unchanged (dry run in \
         acme/platform/web: nothing was changed)"
    );
    assert!(gl.requests().is_empty());
}

/// The GitLab CI jobs `init` writes (and the README shows), run line by line as a GitLab runner
/// runs their `script`, with GitLab CI's variables and the project's token as a CI/CD variable:
/// the merge request check, the sync on the default branch, the scheduled status and pages.
#[test]
fn the_gitlab_ci_jobs_run_with_gitlab_cis_variables() {
    let gl = GitLab::start_blocking();
    let dir = copy_of_examples();
    let root = dir.path();
    let config = root.join("aftercare.yml");
    let mut text = std::fs::read_to_string(&config).expect("aftercare.yml");
    text.push_str("\ntracker:\n  kind: gitlab\n");
    std::fs::write(&config, text).expect("aftercare.yml is written");
    std::fs::write(
        root.join("README.md"),
        "# Ops\n\n<!-- aftercare:status:start -->\n<!-- aftercare:status:end -->\n",
    )
    .expect("the README is written");
    // One task overdue, owned by a project member: the remind job's one note.
    let (overdue_postmortem, overdue_task) =
        ("2024-03-09-connection-pool-exhaustion", "database-tuning");
    let postmortem = root.join(format!("postmortems/{overdue_postmortem}.yaml"));
    let text = std::fs::read_to_string(&postmortem).expect("the example");
    let task_line = format!("  - id: {overdue_task}\n");
    assert_eq!(text.matches(&task_line).count(), 1);
    std::fs::write(
        &postmortem,
        text.replace(
            &task_line,
            &format!("{task_line}    owner: devon\n    due: 2024-04-06\n"),
        ),
    )
    .expect("the example is written");

    let project_url = format!("{}/{PROJECT_PATH}", gl.url());
    let server_host = gl.url().trim_start_matches("http://").to_string();
    let bin = Path::new(env!("CARGO_BIN_EXE_aftercare"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let jobs: serde_yaml::Value =
        serde_yaml::from_str(&aftercare::init::gitlab_jobs("postmortems")).expect("YAML");
    let run_job = |job: &str| -> Vec<std::process::Output> {
        let script = jobs[job]["script"].as_sequence().expect("a script");
        script
            .iter()
            .filter_map(|line| line.as_str())
            .filter(|line| line.starts_with("aftercare "))
            .map(|line| {
                let mut command = std::process::Command::new("bash");
                command.args(["-c", line]).current_dir(root);
                crate::support::cli::remove_ambient_environment(&mut command);
                command
                    .env("PATH", &path)
                    .env("NO_COLOR", "1")
                    .env("CI", "true")
                    .env("GITLAB_CI", "true")
                    .env("CI_SERVER_URL", gl.url())
                    .env("CI_SERVER_HOST", &server_host)
                    .env("CI_PROJECT_PATH", PROJECT_PATH)
                    .env("CI_PROJECT_URL", &project_url)
                    .env("CI_DEFAULT_BRANCH", "main")
                    .env("CI_COMMIT_BRANCH", "main")
                    .env("CI_JOB_TOKEN", "job-token-of-this-pipeline")
                    .env("GITLAB_TOKEN", OWNER_TOKEN);
                command.output().expect("bash runs the job's line")
            })
            .collect()
    };
    let ok = |outs: &[std::process::Output], job: &str| {
        assert!(!outs.is_empty(), "{job} runs aftercare");
        for out in outs {
            assert!(
                out.status.success(),
                "{job}: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    };

    let check = run_job("aftercare-check");
    ok(&check, "aftercare-check");
    assert_eq!(
        std::fs::read_to_string(root.join("gl-code-quality-report.json")).unwrap(),
        "[]\n"
    );

    let sync = run_job("aftercare-sync");
    ok(&sync, "aftercare-sync");
    let issues = gl.issues();
    assert_eq!(issues.len(), 34);
    assert!(
        issues.iter().all(|i| i
            .description
            .contains(&format!("]({project_url}/-/blob/main/postmortems/"))),
        "links go to the postmortem in the project's web UI on the default branch"
    );
    gl.close_issue(issues[0].iid);

    let status = run_job("aftercare-status");
    ok(&status, "aftercare-status");
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    assert!(
        readme.contains("![corrective actions: 1/34 done](.gitlab/aftercare-badge.svg)"),
        "{readme}"
    );
    assert!(root.join(".gitlab/aftercare-badge.json").is_file());

    let pages = run_job("pages");
    ok(&pages, "pages");
    let index = std::fs::read_to_string(root.join("public/index.html")).expect("the site");
    assert!(index.contains("1 of 34"), "the site shows the closed issue");
    let writes = gl.requests().iter().filter(|r| r.method != "GET").count();
    assert_eq!(writes, 34, "only sync wrote, one issue per task");

    // The remind job runs on the scheduled pipeline, as status does.
    assert_eq!(
        jobs["aftercare-remind"]["rules"],
        jobs["aftercare-status"]["rules"]
    );
    let overdue = gl.iid_of(overdue_postmortem, overdue_task);
    assert_ne!(overdue, issues[0].iid, "the overdue task's issue is open");
    let stdout = |outs: &[std::process::Output]| -> Vec<String> {
        outs.iter()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .collect()
    };
    let remind = run_job("aftercare-remind");
    ok(&remind, "aftercare-remind");
    assert_eq!(
        stdout(&remind),
        [format!(
            "remind #{overdue} {overdue_postmortem}/{overdue_task} (@devon): overdue since \
             2024-04-07\nreminded 1, already reminded 0\n"
        )]
    );
    let reminded: Vec<(u64, Vec<String>)> = gl
        .issues()
        .into_iter()
        .filter(|i| !i.notes.is_empty())
        .map(|i| (i.iid, i.notes))
        .collect();
    assert_eq!(
        reminded,
        [(
            overdue,
            vec![format!(
                "@devon: this corrective task is overdue since 2024-04-07: it was due on \
                 2024-04-06 and is still open.\n\nIt follows from the incident [Web stack \
                 outage from database connection pool exhaustion]({project_url}/-/blob/main/\
                 postmortems/{overdue_postmortem}.yaml). Close this issue when it is done, or \
                 change `due` in the postmortem if the plan changed.\n\n<!-- \
                 aftercare:reminder due=2024-04-06 -->\n"
            )]
        )]
    );
    let again = run_job("aftercare-remind");
    ok(&again, "aftercare-remind");
    assert_eq!(
        stdout(&again),
        [format!(
            "already reminded #{overdue} {overdue_postmortem}/{overdue_task} (@devon): overdue \
             since 2024-04-07\nreminded 0, already reminded 1\n"
        )]
    );
    assert_eq!(gl.issue(overdue).expect("the issue").notes.len(), 1);
    let writes = gl.requests().iter().filter(|r| r.method != "GET").count();
    assert_eq!(writes, 35, "sync's 34 issues and the one reminder");
}
