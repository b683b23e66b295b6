//! `aftercare sync` against the GitHub emulator, through the built binary: the examples give
//! one issue per task; a repeated run makes no write within the request budget, and with the
//! ETag cache spends no budget at all; edits, removals, restorations and drafts; outsiders'
//! look-alikes and duplicates; every fault on the create path ends with exactly one issue per
//! task; `--dry-run` writes nothing, with or without a token; the token never shows.
//!
//! Each test works in its own temporary directory (a copy of the examples or a small fixture)
//! and never touches the repository's files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::find_key;

use crate::support::cli::{Aftercare, Outcome};
use crate::support::emulator::{
    ACTIONS_TOKEN, Account, COLLAB_TOKEN, Emulator, Fault, IssueSnapshot, OUTSIDER_TOKEN,
    OWNER_TOKEN,
};

const CONFIG: &str = "labels: [postmortem]\n";

/// A small postmortem: three tasks, the first with an owner and a label of its own.
const SMALL: &str = r#"id: 2024-01-02-cache
title: Cache stampede
status: published
impact:
  summary: Pages were slow.
root_cause: Every cache entry expired at once.
tasks:
  - id: jitter
    title: Add jitter to cache expiry
    owner: hubot
    labels: [cache]
  - id: alert
    title: Alert on cache hit rate
  - id: runbook
    title: Write a cache runbook
"#;

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A temporary tree holding `aftercare.yml` and the given postmortem files.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("postmortems")).expect("postmortems/ is created");
    std::fs::write(dir.path().join("aftercare.yml"), CONFIG).expect("the config is written");
    for (name, text) in files {
        write(dir.path(), name, text);
    }
    dir
}

fn write(root: &Path, name: &str, text: &str) {
    std::fs::write(root.join("postmortems").join(name), text).expect("a postmortem is written");
}

/// The repository's examples, each task given the owner `hubot` and the label `reliability`.
fn examples_tree() -> tempfile::TempDir {
    let dir = tree(&[]);
    let mut names: Vec<_> = std::fs::read_dir(repository().join("postmortems"))
        .expect("the examples directory")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".yaml"))
        .collect();
    names.sort();
    assert_eq!(names.len(), 5, "{names:?}");
    for name in names {
        let text = std::fs::read_to_string(repository().join("postmortems").join(&name))
            .expect("an example is readable");
        let mut out = String::new();
        let mut in_tasks = false;
        for line in text.lines() {
            if !line.starts_with(' ') && !line.starts_with('-') && !line.is_empty() {
                in_tasks = line.starts_with("tasks:");
            }
            out.push_str(line);
            out.push('\n');
            if in_tasks && line.starts_with("  - id: ") {
                out.push_str("    owner: hubot\n    labels: [reliability]\n");
            }
        }
        write(dir.path(), &name, &out);
    }
    dir
}

fn sync(gh: &Emulator, dir: &Path) -> Aftercare {
    Aftercare::new(dir)
        .args(["sync", "--write-interval-ms", "0"])
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", OWNER_TOKEN)
        .env("GITHUB_REPOSITORY", "acme/web")
}

async fn run_ok(command: Aftercare) -> Outcome {
    let out = command.run_async().await;
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    out
}

fn last_line(out: &Outcome) -> &str {
    out.stdout.lines().last().unwrap_or("")
}

/// Issues (not pull requests) by task key.
fn by_key(gh: &Emulator) -> BTreeMap<TaskKey, Vec<IssueSnapshot>> {
    let mut map: BTreeMap<TaskKey, Vec<IssueSnapshot>> = BTreeMap::new();
    for issue in gh.issues().into_iter().filter(|i| !i.is_pull_request) {
        if let Some(key) = find_key(&issue.body) {
            map.entry(key).or_default().push(issue);
        }
    }
    map
}

fn small_keys() -> Vec<TaskKey> {
    ["jitter", "alert", "runbook"]
        .iter()
        .map(|t| TaskKey::new("2024-01-02-cache", t))
        .collect()
}

/// Every task of the small fixture has exactly one issue, and no other issue exists.
fn assert_one_issue_per_small_task(gh: &Emulator) {
    let map = by_key(gh);
    assert_eq!(map.keys().cloned().collect::<Vec<_>>(), {
        let mut k = small_keys();
        k.sort();
        k
    });
    for (key, issues) in &map {
        assert_eq!(issues.len(), 1, "{key}: {issues:#?}");
    }
    assert_eq!(gh.issues().len(), 3);
}

fn writes(gh: &Emulator) -> usize {
    gh.requests().iter().filter(|r| r.method != "GET").count()
}

fn gets(gh: &Emulator) -> usize {
    gh.requests().iter().filter(|r| r.method == "GET").count()
}

fn marked(key: &str) -> String {
    format!("Someone's issue.\n\n<!-- aftercare:task={key} -->\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_examples_give_one_issue_per_task_with_marker_labels_and_assignee() {
    let gh = Emulator::start().await;
    let dir = examples_tree();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 34, updated 0, closed 0, reopened 0, unchanged 0"
    );
    let issues = gh.issues();
    assert_eq!(issues.len(), 34);
    let map = by_key(&gh);
    assert_eq!(map.len(), 34);
    let postmortems: std::collections::BTreeSet<&str> =
        map.keys().map(|k| k.postmortem()).collect();
    assert_eq!(postmortems.len(), 5);
    for (key, issues) in &map {
        assert_eq!(issues.len(), 1, "{key}");
        let issue = &issues[0];
        let mut labels = issue.labels.clone();
        labels.sort();
        assert_eq!(labels, ["postmortem", "reliability"], "{key}");
        assert_eq!(issue.assignees, ["hubot"], "{key}");
        assert_eq!(issue.author, "octocat");
        assert_eq!(issue.state, "open");
        assert!(
            issue
                .body
                .contains(&format!("<!-- aftercare:task={key} -->")),
            "{key}"
        );
        assert!(issue.body.contains("/blob/HEAD/postmortems/"), "{key}");
    }
    assert_eq!(gh.count("POST", "/repos/acme/web/issues"), 34);
    assert_eq!(writes(&gh), 34);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_writes_nothing_within_budget_and_a_third_spends_no_budget() {
    let gh = Emulator::start().await;
    let dir = examples_tree();
    run_ok(sync(&gh, dir.path())).await;

    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    assert_eq!(writes(&gh), 0);
    // ceil(34 / 100) + 2
    assert!(gets(&gh) <= 3, "{:#?}", gh.requests());

    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    let requests = gh.requests();
    assert_eq!(writes(&gh), 0);
    assert!(!requests.is_empty());
    assert!(
        requests.iter().all(|r| r.status == 304 && !r.counted),
        "{requests:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_title_edit_updates_the_same_issue() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    run_ok(sync(&gh, dir.path())).await;
    let key = TaskKey::new("2024-01-02-cache", "alert");
    let number = by_key(&gh)[&key][0].number;

    write(
        dir.path(),
        "cache.yaml",
        &SMALL.replace(
            "Alert on cache hit rate",
            "Page on a falling cache hit rate",
        ),
    );
    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        out.stdout,
        format!(
            "update #{number} 2024-01-02-cache/alert: Page on a falling cache hit rate\n\
             created 0, updated 1, closed 0, reopened 0, unchanged 2\n"
        )
    );
    assert_one_issue_per_small_task(&gh);
    assert_eq!(
        gh.issue(number).unwrap().title,
        "Page on a falling cache hit rate"
    );
    assert_eq!(writes(&gh), 1);
    assert_eq!(gh.count("PATCH", &format!("/issues/{number}")), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_task_is_closed_as_not_planned_and_reopened_when_restored() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    run_ok(sync(&gh, dir.path())).await;
    let key = TaskKey::new("2024-01-02-cache", "runbook");
    let number = by_key(&gh)[&key][0].number;

    let without = SMALL.replace("  - id: runbook\n    title: Write a cache runbook\n", "");
    write(dir.path(), "cache.yaml", &without);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        out.stdout,
        format!(
            "close #{number} (not planned) 2024-01-02-cache/runbook: Write a cache runbook\n\
             created 0, updated 0, closed 1, reopened 0, unchanged 2\n"
        )
    );
    let issue = gh.issue(number).unwrap();
    assert_eq!(issue.state, "closed");
    assert_eq!(issue.state_reason.as_deref(), Some("not_planned"));
    assert_eq!(
        issue.comments,
        [
            "Closed as not planned by aftercare: task `runbook` was removed from \
          `postmortems/cache.yaml`. If the task comes back, this issue is reopened."
        ]
    );

    write(dir.path(), "cache.yaml", SMALL);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        out.stdout,
        format!(
            "reopen #{number} 2024-01-02-cache/runbook: Write a cache runbook\n\
             created 0, updated 0, closed 0, reopened 1, unchanged 2\n"
        )
    );
    let issue = gh.issue(number).unwrap();
    assert_eq!(issue.state, "open");
    assert_eq!(issue.state_reason.as_deref(), Some("reopened"));
    assert_eq!(issue.comments.len(), 2);
    assert_one_issue_per_small_task(&gh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_closed_by_a_person_stays_closed() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    run_ok(sync(&gh, dir.path())).await;
    let number = by_key(&gh)[&TaskKey::new("2024-01-02-cache", "alert")][0].number;
    gh.close_issue(number, "completed");
    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 3"
    );
    assert_eq!(gh.issue(number).unwrap().state, "closed");
    assert_eq!(writes(&gh), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_creates_nothing() {
    let gh = Emulator::start().await;
    let draft = SMALL.replace("status: published", "status: draft");
    let dir = tree(&[("cache.yaml", &draft)]);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        out.stdout,
        "created 0, updated 0, closed 0, reopened 0, unchanged 0\n"
    );
    assert_eq!(gh.issues().len(), 0);
    assert_eq!(writes(&gh), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_issue_whose_labels_were_removed_is_found_and_relabelled_not_duplicated() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    run_ok(sync(&gh, dir.path())).await;
    let number = by_key(&gh)[&TaskKey::new("2024-01-02-cache", "jitter")][0].number;
    gh.set_issue_labels(number, &["wontfix-later"]);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 1, closed 0, reopened 0, unchanged 2"
    );
    assert_one_issue_per_small_task(&gh);
    let mut labels = gh.issue(number).unwrap().labels;
    labels.sort();
    assert_eq!(labels, ["cache", "postmortem", "wontfix-later"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outsiders_look_alike_is_ignored_and_warned_about() {
    let gh = Emulator::start().await;
    let fake = gh.seed_issue(
        OUTSIDER_TOKEN,
        "Add jitter to cache expiry",
        &marked("2024-01-02-cache/jitter"),
        &[],
    );
    // A maintainer labels it, so the listing by label sees it; then mallory closes it.
    gh.set_issue_labels(fake, &["postmortem"]);
    gh.close_issue(fake, "completed");
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 3, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert_eq!(
        out.stderr,
        format!(
            "warning: ignored issue #{fake} by mallory: it carries the marker of \
             2024-01-02-cache/jitter, but its author is neither the syncing identity nor a \
             repository owner, member or collaborator\n"
        )
    );
    let jitter = &by_key(&gh)[&TaskKey::new("2024-01-02-cache", "jitter")];
    assert_eq!(jitter.len(), 2);
    let ours: Vec<_> = jitter.iter().filter(|i| i.author == "octocat").collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(ours[0].state, "open");
    assert_eq!(gh.issue(fake).unwrap().comments.len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_trusted_duplicates_end_as_one_kept_and_one_closed_as_duplicate() {
    let gh = Emulator::start().await;
    let key = "2024-01-02-cache/alert";
    let oldest = gh.seed_issue(OWNER_TOKEN, "Alert", &marked(key), &["postmortem"]);
    let newer = gh.seed_issue(COLLAB_TOKEN, "Alert", &marked(key), &["postmortem"]);
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert!(
        out.stdout.contains(&format!(
            "update #{oldest} 2024-01-02-cache/alert: Alert on cache hit rate\n\
             close #{newer} (duplicate of #{oldest}) 2024-01-02-cache/alert: Alert\n"
        )),
        "{}",
        out.stdout
    );
    assert_eq!(
        last_line(&out),
        "created 2, updated 1, closed 1, reopened 0, unchanged 0"
    );
    let kept = gh.issue(oldest).unwrap();
    assert_eq!(kept.state, "open");
    assert_eq!(kept.title, "Alert on cache hit rate");
    let dup = gh.issue(newer).unwrap();
    assert_eq!(dup.state, "closed");
    assert_eq!(dup.state_reason.as_deref(), Some("duplicate"));
    assert_eq!(
        dup.comments,
        [format!(
            "Duplicate of #{oldest}: aftercare keeps one issue per task (`{key}`), the oldest one."
        )]
    );
}

/// Runs a sync of the small fixture with `fault` on the create endpoint and checks that every
/// task ends with exactly one issue.
async fn create_survives(fault: Fault) -> Emulator {
    let gh = Emulator::start().await;
    gh.inject(fault);
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 3, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert_one_issue_per_small_task(&gh);
    assert!(gh.pending_faults().is_empty(), "the fault fired");
    // And a run after it has nothing left to do.
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 3"
    );
    gh
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_connection_drops_after_the_write_makes_one_issue() {
    let gh = create_survives(Fault::drop_after_write("POST", "/repos/acme/web/issues")).await;
    // The lost answer was followed by a lookup, not by a second create.
    assert_eq!(gh.count("POST", "/repos/acme/web/issues"), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_502_makes_one_issue() {
    let gh = create_survives(Fault::status("POST", "/repos/acme/web/issues", 502)).await;
    assert_eq!(gh.count("POST", "/repos/acme/web/issues"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_answered_429_makes_one_issue() {
    let gh = create_survives(Fault::status("POST", "/repos/acme/web/issues", 429)).await;
    assert_eq!(gh.count("POST", "/repos/acme/web/issues"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_hitting_the_secondary_limit_waits_and_makes_one_issue() {
    let gh = create_survives(Fault::secondary_limit("POST", "/repos/acme/web/issues", 1)).await;
    let posts: Vec<_> = gh
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == "/repos/acme/web/issues")
        .collect();
    assert_eq!(posts.len(), 4);
    assert_eq!(posts[0].status, 403);
    assert!(
        posts[1].at.duration_since(posts[0].at) >= std::time::Duration::from_secs(1),
        "retry-after was honoured"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_writes_nothing_with_a_token() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = run_ok(sync(&gh, dir.path()).arg("--dry-run")).await;
    assert_eq!(
        out.stdout,
        "plan: create 2024-01-02-cache/jitter: Add jitter to cache expiry\n\
         plan: create 2024-01-02-cache/alert: Alert on cache hit rate\n\
         plan: create 2024-01-02-cache/runbook: Write a cache runbook\n\
         plan: 3 to create, 0 to update, 0 to close, 0 to reopen, 0 unchanged (dry run in \
         acme/web: nothing was changed)\n"
    );
    assert_eq!(writes(&gh), 0);
    assert!(gets(&gh) > 0);
    assert_eq!(gh.issues().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_without_a_token_plans_against_an_empty_repository_without_requests() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = run_ok(
        Aftercare::new(dir.path())
            .args(["sync", "--dry-run", "--repo", "acme/web"])
            .env("GITHUB_API_URL", gh.url()),
    )
    .await;
    assert_eq!(
        out.stdout,
        "no token in GITHUB_TOKEN or GH_TOKEN: planning against an empty repository, without \
         contacting GitHub\n\
         plan: create 2024-01-02-cache/jitter: Add jitter to cache expiry\n\
         plan: create 2024-01-02-cache/alert: Alert on cache hit rate\n\
         plan: create 2024-01-02-cache/runbook: Write a cache runbook\n\
         plan: 3 to create, 0 to update, 0 to close, 0 to reopen, 0 unchanged (dry run in \
         acme/web: nothing was changed)\n"
    );
    assert_eq!(gh.requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_never_appears_in_output_at_the_highest_verbosity() {
    let gh = Emulator::start().await;
    // A failure path too: a 502 and a dropped answer are logged and worded as errors.
    gh.inject(Fault::status("GET", "/user", 502));
    gh.inject(Fault::drop_after_write("POST", "/repos/acme/web/issues"));
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = run_ok(sync(&gh, dir.path()).arg("-vvv")).await;
    assert!(out.stderr.contains("GET /user"), "{}", out.stderr);
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains(OWNER_TOKEN), "{text}");
    }
    let cache = std::fs::read_to_string(dir.path().join(".aftercare/cache.json"))
        .expect("the cache file is written");
    assert!(!cache.contains(OWNER_TOKEN));
    // A refused token is reported in words, without the token.
    let out = sync(&gh, dir.path())
        .env("GITHUB_TOKEN", "not-a-valid-token")
        .arg("-vvv")
        .run_async()
        .await;
    assert_eq!(out.code, 1);
    assert!(!out.stderr.contains("not-a-valid-token"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("GitHub rejected the token: check GITHUB_TOKEN or GH_TOKEN"),
        "{}",
        out.stderr
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_postmortems_stop_sync_before_any_request() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", &SMALL.replace("title: Cache stampede\n", ""))]);
    let out = sync(&gh, dir.path()).run_async().await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("postmortems/cache.yaml:"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.ends_with("nothing was synced\n"),
        "{}",
        out.stderr
    );
    assert_eq!(gh.requests().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_stops_cleanly_and_a_later_run_resumes() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    // /user, the label listing and the creator listing, then one create.
    gh.set_remaining(OWNER_TOKEN, 4);
    gh.set_reset_in(std::time::Duration::from_secs(3600));
    let out = sync(&gh, dir.path()).run_async().await;
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("error: stopped after 1 of 3 changes: the GitHub API budget is spent until "),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("run `aftercare sync` again after that to resume")
    );
    assert_eq!(gh.issues().len(), 1);
    gh.set_remaining(OWNER_TOKEN, 5000);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 2, updated 0, closed 0, reopened 0, unchanged 1"
    );
    assert_one_issue_per_small_task(&gh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_lists_every_change_and_the_summary() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = run_ok(sync(&gh, dir.path()).args(["--format", "json"])).await;
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON output");
    let numbers: Vec<u64> = {
        let map = by_key(&gh);
        small_keys().iter().map(|k| map[k][0].number).collect()
    };
    assert_eq!(
        value,
        serde_json::json!({
            "repo": "acme/web",
            "dry_run": false,
            "changes": [
                {"action": "create", "key": "2024-01-02-cache/jitter", "issue": numbers[0],
                 "ref": format!("#{}", numbers[0]),
                 "repo": "acme/web", "title": "Add jitter to cache expiry"},
                {"action": "create", "key": "2024-01-02-cache/alert", "issue": numbers[1],
                 "ref": format!("#{}", numbers[1]),
                 "repo": "acme/web", "title": "Alert on cache hit rate"},
                {"action": "create", "key": "2024-01-02-cache/runbook", "issue": numbers[2],
                 "ref": format!("#{}", numbers[2]),
                 "repo": "acme/web", "title": "Write a cache runbook"},
            ],
            "summary": {"created": 3, "updated": 0, "closed": 0, "reopened": 0, "unchanged": 0,
                        "moved": 0},
            "warnings": [],
            "notes": [],
            "stopped": null,
            "errors": [],
        })
    );
}

/// `count` generated tasks in one postmortem.
fn many_tasks(count: usize) -> String {
    let mut text = String::from(
        "id: 2024-02-03-many\ntitle: Many tasks\nstatus: published\nimpact:\n  summary: s\n\
         root_cause: r\ntasks:\n",
    );
    for t in 0..count {
        text.push_str(&format!("  - id: task-{t}\n    title: Task {t}\n"));
    }
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paginated_listings_under_a_ghes_prefix_stay_within_budget() {
    let gh = Emulator::start_with_prefix("/api/v3").await;
    assert!(gh.url().ends_with("/api/v3"));
    let dir = tree(&[("many.yaml", &many_tasks(250))]);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 250, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert_eq!(gh.issues().len(), 250);

    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path()).arg("--full")).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 250"
    );
    assert_eq!(writes(&gh), 0);
    // ceil(250 / 100) by label and as many by creator, each following `Link` to pages 2 and 3.
    assert_eq!(gets(&gh), 6, "{:#?}", gh.requests());
    assert_eq!(gh.count("GET", "/repositories/1/issues"), 4);

    // Then only what changed since: one page.
    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 250"
    );
    assert_eq!(gets(&gh), 1, "{:#?}", gh.requests());

    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 250"
    );
    let requests = gh.requests();
    assert_eq!(requests.len(), 1);
    assert!(requests.iter().all(|r| r.status == 304 && !r.counted));
    assert_eq!(gh.issues().len(), 250);
}

/// Regression: the listing watermark was kept per token, and a GitHub Actions token is new on
/// every run, so with the cache file restored each run still listed every page of its own issues.
/// The listing snapshot is kept per login for the same reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_actions_token_for_the_same_bot_reuses_the_listing_snapshot() {
    let gh = Emulator::start().await;
    let next_run_token = "actions-token-of-the-next-run";
    gh.add_account(next_run_token, Account::actions());
    let dir = tree(&[("many.yaml", &many_tasks(250))]);
    run_ok(sync(&gh, dir.path()).env("GITHUB_TOKEN", ACTIONS_TOKEN)).await;
    assert_eq!(gh.issues().len(), 250);

    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path()).env("GITHUB_TOKEN", next_run_token)).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 250"
    );
    assert_eq!(writes(&gh), 0);
    // GET /user (a new token, refused) and one page of what changed since the last run.
    assert_eq!(gets(&gh), 2, "{:#?}", gh.requests());
}

/// Regression: the listing watermark promises that every older issue carries the listed label.
/// After `labels` changed in aftercare.yml the label listing found none of the existing issues,
/// and the creator listing, stopping at the old watermark, would have missed them too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_configured_label_finds_every_existing_issue_and_creates_none() {
    let gh = Emulator::start().await;
    let dir = tree(&[("many.yaml", &many_tasks(250))]);
    run_ok(sync(&gh, dir.path())).await;
    run_ok(sync(&gh, dir.path())).await;
    assert_eq!(gh.issues().len(), 250);

    std::fs::write(
        dir.path().join("aftercare.yml"),
        "labels: [incident-follow-up]\n",
    )
    .expect("the config is written");
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 250, closed 0, reopened 0, unchanged 0"
    );
    let issues = gh.issues();
    assert_eq!(issues.len(), 250);
    assert!(
        issues.iter().all(|i| i.labels == ["incident-follow-up"]),
        "{:?}",
        issues[0].labels
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_actions_token_syncs_as_github_actions_bot_and_finds_its_issues_again() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = run_ok(sync(&gh, dir.path()).env("GITHUB_TOKEN", ACTIONS_TOKEN)).await;
    assert_eq!(
        last_line(&out),
        "created 3, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert!(
        gh.issues()
            .iter()
            .all(|i| i.author == "github-actions[bot]")
    );
    let number = by_key(&gh)[&TaskKey::new("2024-01-02-cache", "alert")][0].number;
    gh.set_issue_labels(number, &[]);
    let out = run_ok(sync(&gh, dir.path()).env("GITHUB_TOKEN", ACTIONS_TOKEN)).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 1, closed 0, reopened 0, unchanged 2"
    );
    assert_one_issue_per_small_task(&gh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_refusals_are_worded_for_people() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    let out = sync(&gh, dir.path())
        .args(["--repo", "acme/nope"])
        .run_async()
        .await;
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: cannot read the issues of acme/nope: cannot list issues labelled \"postmortem\": \
         repository acme/nope not found, or not visible to the token: GitHub answered 404: Not \
         Found\n"
    );
    gh.inject(Fault::status("POST", "/repos/acme/web/issues", 403));
    let out = sync(&gh, dir.path()).run_async().await;
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "created 0, updated 0, closed 0, reopened 0, unchanged 0\n"
    );
    assert_eq!(
        out.stderr,
        "error: stopped after 0 of 3 changes: the token may not write issues in acme/web: it \
         needs the `issues: write` permission: GitHub answered 403: Forbidden\n"
    );
    gh.inject(Fault::status("GET", "/issues", 410));
    let out = sync(&gh, dir.path()).run_async().await;
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: cannot read the issues of acme/web: cannot list issues labelled \"postmortem\": \
         issues are disabled in acme/web: GitHub answered 410: Gone\n"
    );
    assert_eq!(gh.issues().len(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_that_resets_soon_is_waited_for() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    // /user and both listings, then one create; the budget comes back two seconds later.
    gh.set_remaining(OWNER_TOKEN, 4);
    gh.set_reset_in(std::time::Duration::from_secs(2));
    let started = std::time::Instant::now();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        last_line(&out),
        "created 3, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert_one_issue_per_small_task(&gh);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_who_cannot_be_assigned_gets_a_warning_not_a_failure() {
    let gh = Emulator::start().await;
    let dir = tree(&[(
        "cache.yaml",
        &SMALL.replace("owner: hubot", "owner: nobody-here"),
    )]);
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        out.stderr,
        "warning: 2024-01-02-cache/jitter: nobody-here cannot be assigned in this repository; \
         creating the issue without an assignee\n"
    );
    assert_eq!(
        last_line(&out),
        "created 3, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert_one_issue_per_small_task(&gh);
    let jitter = by_key(&gh)[&TaskKey::new("2024-01-02-cache", "jitter")][0].clone();
    assert!(jitter.assignees.is_empty());
    // Each later run tries the assignment once more, says so, and changes nothing else.
    gh.clear_requests();
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(
        out.stderr,
        format!(
            "warning: issue #{}: nobody-here cannot be assigned in this repository; fix the \
             task's owner (assignees left as they are)\n",
            jitter.number
        )
    );
    assert_eq!(writes(&gh), 1);
    assert_eq!(
        gh.issue(jitter.number).unwrap().updated_at,
        jitter.updated_at
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_cache_file_is_ignored_with_a_warning() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", SMALL)]);
    std::fs::create_dir(dir.path().join(".aftercare")).expect(".aftercare/ is created");
    std::fs::write(dir.path().join(".aftercare/cache.json"), "{not json").expect("written");
    let out = run_ok(sync(&gh, dir.path())).await;
    assert!(
        out.stderr.starts_with("warning: ignoring the cache file ")
            && out.stderr.contains("cache.json: it is not valid ("),
        "{}",
        out.stderr
    );
    assert_eq!(
        last_line(&out),
        "created 3, updated 0, closed 0, reopened 0, unchanged 0"
    );
    // The file is rewritten and read without a warning next time.
    let out = run_ok(sync(&gh, dir.path())).await;
    assert_eq!(out.stderr, "");
    assert_one_issue_per_small_task(&gh);
}
