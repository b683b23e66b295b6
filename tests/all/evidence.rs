//! Evidence of done (`require_evidence: true`) against the GitHub emulator: an issue closed as
//! completed counts as done only with the task's `verified_by` or when a merged pull request
//! closed it (read from the issue's timeline); otherwise it is `unverified`. Without the
//! setting, no timeline is read.

use std::path::Path;

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::task_marker;
use serde_json::{Value, json};

use crate::support::cli::{Aftercare, Outcome};
use crate::support::emulator::{COLLAB_TOKEN, Emulator, OWNER_TOKEN};

const POSTMORTEM: &str = "id: 2024-02-01-cache
title: Cache stampede
impact:
  summary: Slow pages.
root_cause: Every key expired at once.
tasks:
  - id: jitter
    title: Add jitter to expiry
    verified_by: https://github.com/acme/web/pull/40
  - id: warmup
    title: Warm the cache on deploy
  - id: alert
    title: Alert on the miss rate
  - id: runbook
    title: Write a runbook
";

fn fixture(require_evidence: bool) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("repo: acme/web\nrequire_evidence: {require_evidence}\n");
    std::fs::write(dir.path().join("aftercare.yml"), config).unwrap();
    std::fs::create_dir(dir.path().join("postmortems")).unwrap();
    std::fs::write(
        dir.path().join("postmortems/2024-02-01-cache.yaml"),
        POSTMORTEM,
    )
    .unwrap();
    dir
}

fn aftercare(dir: &Path, gh: &Emulator) -> Aftercare {
    Aftercare::new(dir)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", OWNER_TOKEN)
}

async fn run(dir: &Path, gh: &Emulator, args: &[&str]) -> Outcome {
    let out = aftercare(dir, gh).args(args).run_async().await;
    assert_eq!(out.code, 0, "{args:?}:\n{}\n{}", out.stdout, out.stderr);
    out
}

fn number(gh: &Emulator, task: &str) -> u64 {
    let marker = task_marker(&TaskKey::new("2024-02-01-cache", task));
    gh.issues()
        .into_iter()
        .find(|i| i.body.contains(&marker))
        .map(|i| i.number)
        .expect("an issue for the task")
}

/// Syncs, then closes `jitter` and `alert` by hand and `warmup` by merging a pull request.
async fn synced_and_closed(dir: &Path, gh: &Emulator) {
    run(dir, gh, &["sync", "--write-interval-ms", "0"]).await;
    gh.close_issue(number(gh, "jitter"), "completed");
    gh.close_issue(number(gh, "alert"), "completed");
    let pr = gh.seed_pull_request(COLLAB_TOKEN, "Warm the cache", "Fixes #2", &[]);
    gh.merge_pull_request(pr, &[number(gh, "warmup")]);
    gh.clear_requests();
}

/// A fresh emulator and fixture, synced and closed, and `status --format json` of it.
async fn closed_then_status(require_evidence: bool) -> (Emulator, tempfile::TempDir, Value) {
    let gh = Emulator::start().await;
    let dir = fixture(require_evidence);
    synced_and_closed(dir.path(), &gh).await;
    let out = run(dir.path(), &gh, &["status", "--format", "json"]).await;
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    (gh, dir, report)
}

fn states(report: &Value) -> Vec<(String, String)> {
    report["incidents"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap().into(),
                i["state"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_completed_issue_without_evidence_is_unverified_and_not_done() {
    let (gh, dir, report) = closed_then_status(true).await;
    assert_eq!(
        states(&report),
        pairs(&[
            ("jitter", "done"),
            ("warmup", "done"),
            ("alert", "unverified"),
            ("runbook", "open"),
        ])
    );
    assert_eq!(
        report["totals"],
        json!({"postmortems": 1, "tasks": 4, "done": 2, "open": 1, "dropped": 0, "missing": 0,
               "unverified": 1, "overdue": 0, "percent": 50.0})
    );
    assert_eq!(report["incidents"][0]["unverified"], 1);
    // Only the completed issues without `verified_by` had their timeline read.
    assert_eq!(gh.count("GET", "/timeline"), 2);

    let out = run(dir.path(), &gh, &["status"]).await;
    assert_eq!(
        out.stdout,
        "\
Corrective actions in acme/web: 2 of 4 done (50%), 1 unverified, 0 overdue

INCIDENT          TASKS  DONE  OPEN  DROPPED  MISSING  OVERDUE  PERCENT  TITLE
2024-02-01-cache      4     2     1        0        0        0      50%  Cache stampede
total                 4     2     1        0        0        0      50%

No overdue tasks.

1 task is closed as completed without evidence, so not counted as done: \
2024-02-01-cache/alert (#3). Give it `verified_by`, or close it with a merged pull request.
"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_every_completed_issue_is_done_and_no_timeline_is_read() {
    let (gh, _dir, report) = closed_then_status(false).await;
    assert_eq!(
        states(&report),
        pairs(&[
            ("jitter", "done"),
            ("warmup", "done"),
            ("alert", "done"),
            ("runbook", "open"),
        ])
    );
    assert_eq!(report["totals"]["unverified"], 0);
    assert_eq!(gh.count("GET", "/timeline"), 0);
}

mod gitlab {
    //! Evidence of done on GitLab: a completed issue counts as done with `verified_by` or when
    //! a merged merge request among those that close it on merge (`closed_by`) closed it; an
    //! open or closed (unmerged) one is no evidence.

    use std::path::Path;

    use serde_json::{Value, json};

    use crate::support::cli::Aftercare;
    use crate::support::gitlab::{DEVELOPER_TOKEN, GitLab, OWNER_TOKEN, PROJECT_PATH};

    fn fixture(gl: &GitLab, require_evidence: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "require_evidence: {require_evidence}\ntracker:\n  kind: gitlab\n  url: {}\n  \
             project: {PROJECT_PATH}\n",
            gl.url()
        );
        std::fs::write(dir.path().join("aftercare.yml"), config).unwrap();
        std::fs::create_dir(dir.path().join("postmortems")).unwrap();
        let postmortem = format!(
            "{}  - id: ttl\n    title: Shorten the TTL\n",
            super::POSTMORTEM
        );
        std::fs::write(
            dir.path().join("postmortems/2024-02-01-cache.yaml"),
            postmortem,
        )
        .unwrap();
        dir
    }

    async fn run(dir: &Path, args: &[&str]) -> String {
        let out = Aftercare::new(dir)
            .env("GITLAB_TOKEN", OWNER_TOKEN)
            .args(args)
            .run_async()
            .await;
        assert_eq!(out.code, 0, "{args:?}:\n{}\n{}", out.stdout, out.stderr);
        out.stdout
    }

    fn iid(gl: &GitLab, task: &str) -> u64 {
        gl.iid_of("2024-02-01-cache", task)
    }

    /// Syncs, then closes `jitter`, `alert` and `ttl` by hand (`ttl` with an open and a
    /// closed merge request that would close it) and `warmup` by merging a merge request.
    async fn closed_then_status(require_evidence: bool) -> (GitLab, Value) {
        let gl = GitLab::start().await;
        let dir = fixture(&gl, require_evidence);
        run(dir.path(), &["sync", "--write-interval-ms", "0"]).await;
        gl.close_issue(iid(&gl, "jitter"));
        gl.close_issue(iid(&gl, "alert"));
        let warmup = iid(&gl, "warmup");
        let mr = gl.open_merge_request(
            DEVELOPER_TOKEN,
            "Warm the cache",
            &format!("Closes #{warmup}"),
        );
        gl.merge(mr);
        let ttl = iid(&gl, "ttl");
        gl.open_merge_request(DEVELOPER_TOKEN, "Shorter TTL", &format!("Fixes #{ttl}"));
        let dropped =
            gl.open_merge_request(DEVELOPER_TOKEN, "TTL, take one", &format!("Fixes #{ttl}"));
        gl.close_merge_request(dropped);
        gl.close_issue(ttl);
        gl.clear_requests();
        let out = run(dir.path(), &["status", "--format", "json"]).await;
        (gl, serde_json::from_str(&out).unwrap())
    }

    fn states(report: &Value) -> Vec<(String, String)> {
        super::states(report)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_completed_issue_is_done_only_with_verified_by_or_a_merged_closing_merge_request() {
        let (gl, report) = closed_then_status(true).await;
        assert_eq!(
            gl.issue(iid(&gl, "warmup")).unwrap().closed_by.as_deref(),
            Some("devon")
        );
        assert_eq!(
            states(&report),
            super::pairs(&[
                ("jitter", "done"),
                ("warmup", "done"),
                ("alert", "unverified"),
                ("runbook", "open"),
                ("ttl", "unverified"),
            ])
        );
        assert_eq!(
            report["totals"],
            json!({"postmortems": 1, "tasks": 5, "done": 2, "open": 1, "dropped": 0,
                   "missing": 0, "unverified": 2, "overdue": 0, "percent": 40.0})
        );
        // Only the completed issues without `verified_by` were asked about.
        let asked: Vec<String> = (gl.requests().iter())
            .filter(|r| r.path.ends_with("/closed_by"))
            .map(|r| r.path.clone())
            .collect();
        assert_eq!(
            asked,
            ["warmup", "alert", "ttl"]
                .iter()
                .map(|t| format!(
                    "/projects/acme%2Fplatform%2Fweb/issues/{}/closed_by",
                    iid(&gl, t)
                ))
                .collect::<Vec<_>>()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn without_the_setting_no_merge_request_is_asked_about() {
        let (gl, report) = closed_then_status(false).await;
        assert_eq!(report["totals"]["unverified"], 0);
        assert_eq!(report["totals"]["done"], 4);
        assert_eq!(gl.count("GET", "/closed_by"), 0);
    }
}
