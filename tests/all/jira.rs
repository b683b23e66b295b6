//! Jira as a tracker, through the built binary against the Jira emulator, on Cloud and on Data
//! Center: one issue per task through a first sync, an immediate second sync, an edit, a
//! removal and a return with search lag on; faults, rate limits, forged look-alikes, the
//! secret at every verbosity, and the clear errors for wrong credentials, a missing project,
//! a missing issue type and a workflow without a done transition. The incremental listing: what
//! a run with nothing new costs, people's changes seen in any time zone and despite search lag,
//! crashes of a run that lists incrementally, and listings cut short or snapshots damaged.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::cli::{Aftercare, Outcome};
use crate::support::http::contract;
use crate::support::jira::{
    BOT_EMAIL, BOT_TOKEN, Deployment, FaultKind, Jira, MALLORY_EMAIL, MALLORY_TOKEN,
};

/// A postmortem with the given tasks: `(id, title, extra YAML lines)`.
fn postmortem(tasks: &[(&str, &str, &str)]) -> String {
    let mut out = String::from(
        "id: 2024-03-01-db\ntitle: Database failover took an hour\nstatus: published\n\
         severity: SEV2\nstarted: 2024-03-01T10:00:00Z\nended: 2024-03-01T11:00:00Z\n\
         impact:\n  summary: Writes failed\nroot_cause: A stuck replica.\n\
         measures:\n  - id: faster-failover\n    title: Fail over in minutes\ntasks:\n",
    );
    for (id, title, extra) in tasks {
        out.push_str(&format!("  - id: {id}\n    title: {title}\n{extra}"));
    }
    out
}

const TWO_TASKS: &[(&str, &str, &str)] = &[
    (
        "automate-failover",
        "Automate the failover",
        "    measure: faster-failover\n    type: mitigate\n    priority: P1\n    owner: alice\n    due: 2024-04-01\n    labels: [database]\n",
    ),
    ("page-on-lag", "Page on replica lag", "    type: detect\n"),
];

fn config(jira: &Jira, deployment: Deployment) -> String {
    let d = match deployment {
        Deployment::Cloud => "cloud",
        Deployment::DataCenter => "datacenter",
    };
    format!(
        "tracker:\n  kind: jira\n  url: {}\n  project: OPS\n  deployment: {d}\n",
        jira.url()
    )
}

fn write_tree(dir: &Path, config: &str, postmortem: &str) {
    std::fs::create_dir_all(dir.join("postmortems")).unwrap();
    std::fs::write(dir.join("aftercare.yml"), config).unwrap();
    std::fs::write(dir.join("postmortems/2024-03-01-db.yaml"), postmortem).unwrap();
}

fn sync(jira: &Jira, deployment: Deployment, dir: &Path, args: &[&str]) -> Outcome {
    let _ = jira;
    as_bot(
        deployment,
        Aftercare::new(dir)
            .args(["sync", "--write-interval-ms", "0"])
            .args(args),
    )
    .run()
}

/// The command with the syncing account's credentials for the deployment.
fn as_bot(deployment: Deployment, command: Aftercare) -> Aftercare {
    match deployment {
        Deployment::Cloud => command
            .env("JIRA_EMAIL", BOT_EMAIL)
            .env("JIRA_API_TOKEN", BOT_TOKEN),
        Deployment::DataCenter => command.env("JIRA_TOKEN", BOT_TOKEN),
    }
}

/// `aftercare status --format json`, as the syncing account.
fn status_json(deployment: Deployment, dir: &Path) -> Value {
    let out = as_bot(
        deployment,
        Aftercare::new(dir).args(["status", "--format", "json"]),
    )
    .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).unwrap()
}

/// Each task's state in a status report: `id state`.
fn states(report: &Value) -> Vec<String> {
    report["incidents"][0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{} {}",
                t["id"].as_str().unwrap(),
                t["state"].as_str().unwrap()
            )
        })
        .collect()
}

/// Every request in the emulator's log: `METHOD /path status`.
fn requests(jira: &Jira) -> Vec<String> {
    jira.requests()
        .iter()
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect()
}

/// The search request of the deployment, as [`requests`] shows it.
fn search_request(deployment: Deployment) -> &'static str {
    match deployment {
        Deployment::Cloud => "POST /search/jql 200",
        Deployment::DataCenter => "POST /search 200",
    }
}

/// The requests of a complete listing of 250 issues: the account when the cache does not know
/// it, the project, its editors and three search pages.
fn complete_listing(deployment: Deployment, ask_account: bool) -> Vec<&'static str> {
    let mut out = Vec::new();
    if ask_account {
        out.push("GET /myself 200");
    }
    out.extend(["GET /project/OPS 200", "GET /user/permission/search 200"]);
    out.extend([search_request(deployment); 3]);
    out
}

/// The listing snapshot beside the default cache file.
fn snapshot_file(dir: &Path) -> std::path::PathBuf {
    dir.join(".aftercare/cache.jira.snapshot.json")
}

/// Issues per task key, by the `aftercare` property.
fn per_task(jira: &Jira) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for issue in jira.issues() {
        if let Some(task) = issue
            .properties
            .get("aftercare")
            .and_then(|p| p["task"].as_str())
        {
            *out.entry(task.to_string()).or_default() += 1;
        }
    }
    out
}

fn one_each(jira: &Jira) {
    assert_eq!(
        per_task(jira),
        BTreeMap::from([
            ("2024-03-01-db/automate-failover".to_string(), 1),
            ("2024-03-01-db/page-on-lag".to_string(), 1),
        ])
    );
}

/// Writes to the emulator in its log: everything but GETs and searches.
fn writes(jira: &Jira) -> Vec<String> {
    jira.requests()
        .iter()
        .filter(|r| r.method != "GET" && !r.path.starts_with("/search"))
        .map(|r| format!("{} {} {}", r.method, r.path, r.status))
        .collect()
}

fn stdout_of(out: &Outcome) -> &str {
    assert_eq!(
        out.code, 0,
        "stdout:\n{}\nstderr:\n{}",
        out.stdout, out.stderr
    );
    &out.stdout
}

async fn lifecycle(deployment: Deployment) {
    let jira = Jira::start(deployment).await;
    // Nothing written shows in search during the whole test unless reconciled.
    jira.set_search_lag(1000);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&jira, deployment);
    write_tree(dir.path(), &cfg, &postmortem(TWO_TASKS));

    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "create OPS-1 2024-03-01-db/automate-failover: Automate the failover\n\
         create OPS-2 2024-03-01-db/page-on-lag: Page on replica lag\n\
         created 2, updated 0, closed 0, reopened 0, unchanged 0\n"
    );
    one_each(&jira);
    let first = &jira.issues()[0];
    assert_eq!(first.labels, vec!["postmortem", "database"]);
    assert_eq!(first.assignee, Some(jira.user_id("alice")));
    assert_eq!(
        first.properties["aftercare"]["task"],
        json!("2024-03-01-db/automate-failover")
    );

    // An immediate second run: search shows neither issue, yet nothing is created again.
    jira.clear_log();
    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 2\n"
    );
    assert_eq!(writes(&jira), Vec::<String>::new());
    one_each(&jira);

    // An edit of the title.
    let edited: Vec<(&str, &str, &str)> = vec![
        TWO_TASKS[0],
        (
            "page-on-lag",
            "Page on replica lag over 30 s",
            "    type: detect\n",
        ),
    ];
    write_tree(dir.path(), &cfg, &postmortem(&edited));
    jira.clear_log();
    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "update OPS-2 2024-03-01-db/page-on-lag: Page on replica lag over 30 s\n\
         created 0, updated 1, closed 0, reopened 0, unchanged 1\n"
    );
    assert_eq!(writes(&jira), vec!["PUT /issue/OPS-2 204"]);
    assert_eq!(jira.issues()[1].summary, "Page on replica lag over 30 s");
    one_each(&jira);

    // The task is removed: its issue is closed as Won't Do, with a comment.
    write_tree(dir.path(), &cfg, &postmortem(&TWO_TASKS[..1]));
    jira.clear_log();
    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "close OPS-2 (not planned) 2024-03-01-db/page-on-lag: Page on replica lag over 30 s\n\
         created 0, updated 0, closed 1, reopened 0, unchanged 1\n"
    );
    assert_eq!(
        writes(&jira),
        vec![
            "PUT /issue/OPS-2 204",
            "POST /issue/OPS-2/transitions 204",
            "POST /issue/OPS-2/comment 201"
        ]
    );
    let closed = jira.issues()[1].clone();
    assert_eq!(closed.status, "Done");
    assert_eq!(closed.resolution.as_deref(), Some("Won't Do"));
    assert_eq!(closed.properties["aftercare"]["removed"], json!(true));
    let comment = match deployment {
        Deployment::Cloud => closed.comments[0].body["content"][0]["content"][0]["text"].clone(),
        Deployment::DataCenter => closed.comments[0].body.clone(),
    };
    assert_eq!(
        comment,
        json!(
            "Closed as not planned by aftercare: task `page-on-lag` was removed from \
             `postmortems/2024-03-01-db.yaml`. If the task comes back, this issue is reopened."
        )
    );
    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 1\n"
    );

    // The task comes back: the issue is reopened, not made again.
    write_tree(dir.path(), &cfg, &postmortem(&edited));
    jira.clear_log();
    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "reopen OPS-2 2024-03-01-db/page-on-lag: Page on replica lag over 30 s\n\
         created 0, updated 0, closed 0, reopened 1, unchanged 1\n"
    );
    assert_eq!(
        writes(&jira),
        vec![
            "POST /issue/OPS-2/transitions 204",
            "PUT /issue/OPS-2 204",
            "POST /issue/OPS-2/comment 201"
        ]
    );
    let reopened = jira.issues()[1].clone();
    assert_eq!(reopened.status, "To Do");
    assert_eq!(reopened.resolution, None);
    assert_eq!(reopened.properties["aftercare"]["removed"], Value::Null);
    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 2\n"
    );
    assert_eq!(jira.issues().len(), 2);
    one_each(&jira);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cloud_lifecycle_keeps_one_issue_per_task_despite_search_lag() {
    lifecycle(Deployment::Cloud).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_center_lifecycle_keeps_one_issue_per_task_despite_search_lag() {
    lifecycle(Deployment::DataCenter).await;
}

/// Runs sync with the given credentials only.
fn sync_with_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Outcome {
    let mut command = Aftercare::new(dir)
        .args(["sync", "--write-interval-ms", "0"])
        .args(args);
    for (k, v) in env {
        command = command.env(k, v);
    }
    command.run()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missing_or_mismatched_credentials_stop_before_any_request() {
    let jira = Jira::start(Deployment::Cloud).await;
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &config(&jira, Deployment::Cloud),
        &postmortem(TWO_TASKS),
    );
    let out = sync_with_env(dir.path(), &[("JIRA_TOKEN", BOT_TOKEN)], &[]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: sync needs a token: JIRA_TOKEN is a Jira Data Center personal access token, but \
         the tracker is Jira Cloud (`deployment: cloud`): set JIRA_EMAIL and JIRA_API_TOKEN, or \
         set `deployment: datacenter` in aftercare.yml\n"
    );
    let out = sync_with_env(dir.path(), &[("JIRA_EMAIL", BOT_EMAIL)], &[]);
    assert_eq!(
        out.stderr,
        "error: sync needs a token: Jira Cloud needs the account's e-mail in JIRA_EMAIL and an \
         API token in JIRA_API_TOKEN: JIRA_API_TOKEN is not set\n"
    );
    // A dry run without credentials plans against an empty project, without a request.
    let out = sync_with_env(dir.path(), &[], &["--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "no token: planning against an empty OPS, without contacting Jira\n\
         plan: create 2024-03-01-db/automate-failover: Automate the failover\n\
         plan: create 2024-03-01-db/page-on-lag: Page on replica lag\n\
         plan: 2 to create, 0 to update, 0 to close, 0 to reopen, 0 unchanged (dry run in OPS: \
         nothing was changed)\n"
    );
    assert!(jira.requests().is_empty());

    let dc = Jira::start(Deployment::DataCenter).await;
    write_tree(
        dir.path(),
        &config(&dc, Deployment::DataCenter),
        &postmortem(TWO_TASKS),
    );
    let out = sync_with_env(
        dir.path(),
        &[("JIRA_EMAIL", BOT_EMAIL), ("JIRA_API_TOKEN", BOT_TOKEN)],
        &[],
    );
    assert_eq!(
        out.stderr,
        "error: sync needs a token: JIRA_EMAIL and JIRA_API_TOKEN are Jira Cloud credentials, \
         but the tracker is Jira Data Center (`deployment: datacenter`): set JIRA_TOKEN to a \
         personal access token, or set `deployment: cloud` in aftercare.yml\n"
    );
    assert!(dc.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_a_missing_project_and_a_missing_issue_type_are_clear_errors() {
    let jira = Jira::start(Deployment::Cloud).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&jira, Deployment::Cloud);
    write_tree(dir.path(), &cfg, &postmortem(TWO_TASKS));
    let out = sync_with_env(
        dir.path(),
        &[("JIRA_EMAIL", BOT_EMAIL), ("JIRA_API_TOKEN", "wrong")],
        &[],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "error: cannot read the issues of OPS: cannot tell who the token belongs to: Jira at \
             {} rejected the credentials: check JIRA_EMAIL and JIRA_API_TOKEN: Jira answered \
             401: You are not authenticated.\n",
            jira.url()
        )
    );

    write_tree(
        dir.path(),
        &cfg.replace("project: OPS", "project: OPZ"),
        &postmortem(TWO_TASKS),
    );
    let out = sync(&jira, Deployment::Cloud, dir.path(), &[]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        format!(
            "error: cannot read the issues of OPZ: Jira project OPZ not found at {}, or the \
             account may not browse it: check `tracker.project` in aftercare.yml\n",
            jira.url()
        )
    );

    write_tree(
        dir.path(),
        &format!("{cfg}  issue_type: Story\n"),
        &postmortem(TWO_TASKS),
    );
    let out = sync(&jira, Deployment::Cloud, dir.path(), &[]);
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stderr,
        "error: cannot read the issues of OPS: Jira project OPS has no issue type `Story` (it \
         has Task, Bug): set `tracker.issue_type` in aftercare.yml\n"
    );
    assert!(jira.issues().is_empty());
    assert_eq!(writes(&jira), Vec::<String>::new());

    // An account that may browse the project but not create issues in it.
    write_tree(dir.path(), &cfg, &postmortem(TWO_TASKS));
    let out = sync_with_env(
        dir.path(),
        &[
            ("JIRA_EMAIL", MALLORY_EMAIL),
            ("JIRA_API_TOKEN", MALLORY_TOKEN),
        ],
        &[],
    );
    assert_eq!(out.code, 1);
    assert_eq!(
        out.stdout,
        "created 0, updated 0, closed 0, reopened 0, unchanged 0\n"
    );
    assert_eq!(
        out.stderr,
        "error: stopped after 0 of 2 changes: the account may not create or edit issues in \
         project OPS: Jira answered 403: You do not have permission to create issues in this \
         project.\n"
    );
    assert!(jira.issues().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workflow_without_a_done_transition_fails_that_issue_and_the_run_goes_on() {
    let jira = Jira::start(Deployment::Cloud).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&jira, Deployment::Cloud);
    write_tree(dir.path(), &cfg, &postmortem(TWO_TASKS));
    stdout_of(&sync(&jira, Deployment::Cloud, dir.path(), &[]));
    jira.remove_done_transition();
    jira.set_status("OPS-2", "In Progress", None);
    // Both tasks removed: each issue fails on its own, naming the issue and its status.
    write_tree(
        dir.path(),
        &cfg,
        &postmortem(&[]).replace("tasks:\n", "tasks: []\n"),
    );
    let out = sync(&jira, Deployment::Cloud, dir.path(), &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(
        out.stderr,
        "postmortems/2024-03-01-db.yaml:13:1: warning: published postmortem has no tasks; add \
         tasks or set `status: draft`\n\
         error: close OPS-1 (not planned) 2024-03-01-db/automate-failover: Automate the \
         failover: OPS-1 is in status `To Do`, from which its workflow offers no transition to \
         a done status: move it by hand, or add such a transition to the workflow of project \
         OPS\n\
         error: close OPS-2 (not planned) 2024-03-01-db/page-on-lag: Page on replica lag: OPS-2 \
         is in status `In Progress`, from which its workflow offers no transition to a done \
         status: move it by hand, or add such a transition to the workflow of project OPS\n\
         error: 2 changes failed; run again to retry\n"
    );
    assert_eq!(jira.issues().len(), 2);
    for issue in jira.issues() {
        assert_eq!(issue.properties["aftercare"].get("removed"), None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_look_alike_is_ignored_and_warned_about() {
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        let jira = Jira::start(deployment).await;
        // Mallory, who may not edit issues in the project, copies the property of a task.
        let forged = jira.seed_issue(
            "mallory",
            "Automate the failover",
            json!({"task": "2024-03-01-db/automate-failover"}),
            &["postmortem"],
        );
        // Alice, who may edit issues, made one for the other task: it counts.
        let kept = jira.seed_issue(
            "alice",
            "Page on replica lag",
            json!({"task": "2024-03-01-db/page-on-lag"}),
            &["postmortem"],
        );
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &config(&jira, deployment),
            &postmortem(TWO_TASKS),
        );
        let out = sync(&jira, deployment, dir.path(), &[]);
        let who = match deployment {
            Deployment::Cloud => "Mallory",
            Deployment::DataCenter => "Mallory",
        };
        assert_eq!(
            stdout_of(&out),
            format!(
                "create OPS-3 2024-03-01-db/automate-failover: Automate the failover\n\
                 update {kept} 2024-03-01-db/page-on-lag: Page on replica lag\n\
                 created 1, updated 1, closed 0, reopened 0, unchanged 0\n"
            )
        );
        assert_eq!(
            out.stderr,
            format!(
                "warning: ignored issue {forged} by {who}: it carries the marker of \
                 2024-03-01-db/automate-failover, but its author is neither the syncing identity \
                 nor a user who may edit issues in the project\n"
            )
        );
        // The forged issue was not touched.
        let issues = jira.issues();
        assert_eq!(issues[0].summary, "Automate the failover");
        assert_eq!(issues[0].comments.len(), 0);
        assert_eq!(issues.len(), 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_secret_never_shows_at_any_verbosity() {
    use base64_of::encode;
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        let jira = Jira::start(deployment).await;
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &config(&jira, deployment),
            &postmortem(TWO_TASKS),
        );
        jira.inject("POST", "/issue", FaultKind::Status(503), 1);
        for verbosity in [&[][..], &["-v"], &["-vv"], &["-vvv"]] {
            for format in ["text", "json"] {
                let mut args = vec!["--format", format];
                args.extend_from_slice(verbosity);
                let out = sync(&jira, deployment, dir.path(), &args);
                let all = format!("{}{}", out.stdout, out.stderr);
                assert!(!all.contains(BOT_TOKEN), "{all}");
                assert!(
                    !all.contains(&encode(&format!("{BOT_EMAIL}:{BOT_TOKEN}"))),
                    "{all}"
                );
            }
        }
        let cache = std::fs::read_to_string(dir.path().join(".aftercare/cache.json")).unwrap();
        assert!(!cache.contains(BOT_TOKEN));
        let snapshot = std::fs::read_to_string(snapshot_file(dir.path())).unwrap();
        assert!(snapshot.contains("2024-03-01-db/automate-failover"));
        assert!(!snapshot.contains(BOT_TOKEN));
        one_each(&jira);
    }
}

/// Base64 as HTTP Basic writes it, to look for the encoded secret.
mod base64_of {
    pub fn encode(text: &str) -> String {
        const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let mut out = String::new();
        for chunk in text.as_bytes().chunks(3) {
            let b = [
                chunk[0],
                *chunk.get(1).unwrap_or(&0),
                *chunk.get(2).unwrap_or(&0),
            ];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }

    #[test]
    fn encodes_as_http_basic_does() {
        assert_eq!(encode("user:pass"), "dXNlcjpwYXNz");
        assert_eq!(encode("ab"), "YWI=");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_create_whose_answer_is_lost_is_found_and_not_made_again() {
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        let jira = Jira::start(deployment).await;
        jira.set_search_lag(1000);
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &config(&jira, deployment),
            &postmortem(TWO_TASKS),
        );
        // The first create is made, but its answer breaks off.
        jira.inject("POST", "/issue", FaultKind::BreakAfter, 1);
        let out = sync(&jira, deployment, dir.path(), &[]);
        assert_eq!(
            stdout_of(&out),
            "create OPS-1 2024-03-01-db/automate-failover: Automate the failover\n\
             create OPS-2 2024-03-01-db/page-on-lag: Page on replica lag\n\
             created 2, updated 0, closed 0, reopened 0, unchanged 0\n"
        );
        one_each(&jira);
        // One POST a task: the lost answer was followed by a look at the next key, not a
        // second create. On Data Center, whose search has no reconciliation, the listing after
        // the writes then reads both issues directly, as search does not show them yet.
        assert_eq!(writes(&jira), vec!["POST /issue 201", "POST /issue 201"]);
        let probes: Vec<String> = (jira.requests().iter())
            .filter(|r| r.method == "GET" && r.path.starts_with("/issue/"))
            .map(|r| format!("{} {}", r.path, r.status))
            .collect();
        let expected = match deployment {
            Deployment::Cloud => vec!["/issue/OPS-1 200"],
            Deployment::DataCenter => {
                vec!["/issue/OPS-1 200", "/issue/OPS-2 200", "/issue/OPS-1 200"]
            }
        };
        assert_eq!(probes, expected);
        // A create refused by the rate limit, and a search failing once with a server error.
        jira.inject("POST", "/issue", FaultKind::RateLimited(1), 1);
        let search = match deployment {
            Deployment::Cloud => "/search/jql",
            Deployment::DataCenter => "/search",
        };
        jira.inject("POST", search, FaultKind::Status(502), 1);
        let more: Vec<(&str, &str, &str)> =
            vec![TWO_TASKS[0], TWO_TASKS[1], ("third", "A third task", "")];
        write_tree(dir.path(), &config(&jira, deployment), &postmortem(&more));
        let out = sync(&jira, deployment, dir.path(), &[]);
        assert_eq!(
            stdout_of(&out),
            "create OPS-3 2024-03-01-db/third: A third task\n\
             created 1, updated 0, closed 0, reopened 0, unchanged 2\n"
        );
        assert_eq!(jira.issues().len(), 3);
        let refused = jira
            .requests()
            .iter()
            .filter(|r| r.status == 429 || r.status == 502)
            .count();
        assert_eq!(refused, 2);
    }
}

/// Jira's Cloud description named by `AFTERCARE_JIRA_OPENAPI`; `None` (and a note) when unset.
fn jira_openapi() -> Option<Value> {
    contract::description_from_env("AFTERCARE_JIRA_OPENAPI")
}

/// The operation of a logged Cloud request: `(method, path template)`.
fn operation(method: &str, path: &str) -> (String, String) {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let template = match segments.as_slice() {
        ["project", _] => "/project/{projectIdOrKey}".to_string(),
        ["issue", _] => "/issue/{issueIdOrKey}".to_string(),
        ["issue", _, rest] => format!("/issue/{{issueIdOrKey}}/{rest}"),
        _ => path.to_string(),
    };
    (method.to_lowercase(), format!("/rest/api/3{template}"))
}

/// Properties an object has beyond those its schema lists, where the schema says
/// `additionalProperties: false` (the shared checker does not look at that).
fn extra_properties(doc: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let schema = match schema.get("$ref").and_then(Value::as_str) {
        Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap(),
        None => schema,
    };
    let mut out = Vec::new();
    let properties = schema.get("properties").and_then(Value::as_object);
    if let Some(object) = value.as_object() {
        for (name, item) in object {
            match properties.and_then(|p| p.get(name)) {
                Some(p) => out.extend(extra_properties(doc, p, item, &format!("{at}.{name}"))),
                None if schema.get("additionalProperties") == Some(&Value::Bool(false)) => {
                    out.push(format!("{at}.{name}: not in the schema"))
                }
                None => {}
            }
        }
    }
    if let (Some(items), Some(array)) = (schema.get("items"), value.as_array()) {
        for (i, item) in array.iter().enumerate() {
            out.extend(extra_properties(doc, items, item, &format!("{at}[{i}]")));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_cloud_answer_aftercare_reads_matches_jira_s_openapi_description() {
    let Some(doc) = jira_openapi() else {
        return;
    };
    let jira = Jira::start(Deployment::Cloud).await;
    jira.set_search_lag(2);
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&jira, Deployment::Cloud);
    write_tree(dir.path(), &cfg, &postmortem(TWO_TASKS));
    stdout_of(&sync(&jira, Deployment::Cloud, dir.path(), &[]));
    write_tree(dir.path(), &cfg, &postmortem(&TWO_TASKS[..1]));
    stdout_of(&sync(&jira, Deployment::Cloud, dir.path(), &[]));
    write_tree(dir.path(), &cfg, &postmortem(TWO_TASKS));
    stdout_of(&sync(&jira, Deployment::Cloud, dir.path(), &[]));
    // A lost create answer makes aftercare read issues directly.
    jira.inject("POST", "/issue", FaultKind::BreakAfter, 1);
    let more: Vec<(&str, &str, &str)> = vec![TWO_TASKS[0], ("third", "A third task", "")];
    write_tree(dir.path(), &cfg, &postmortem(&more));
    stdout_of(&sync(&jira, Deployment::Cloud, dir.path(), &[]));
    // A create refused with a server error: the next keys are missing, so it is made again.
    jira.inject("POST", "/issue", FaultKind::Status(500), 1);
    let more: Vec<(&str, &str, &str)> = vec![
        TWO_TASKS[0],
        ("third", "A third task", ""),
        ("fourth", "A fourth task", ""),
    ];
    write_tree(dir.path(), &cfg, &postmortem(&more));
    let out = sync(&jira, Deployment::Cloud, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "create OPS-4 2024-03-01-db/fourth: A fourth task\n\
         created 1, updated 0, closed 0, reopened 0, unchanged 2\n"
    );

    let mut checked = std::collections::BTreeSet::new();
    let mut problems = Vec::new();
    // (Server errors are the injected faults, whose bodies aftercare only quotes.)
    for r in jira.requests().into_iter().filter(|r| r.status < 500) {
        let (method, template) = operation(&r.method, &r.path);
        let schema = contract::response_schema(&doc, &method, &template, r.status)
            .unwrap_or_else(|e| panic!("{e}"));
        checked.insert(format!("{method} {template} {}", r.status));
        let Some(schema) = schema else {
            continue;
        };
        for p in contract::check(&doc, schema, &r.body)
            .into_iter()
            .chain(extra_properties(&doc, schema, &r.body, "$"))
        {
            problems.push(format!("{method} {} {}: {p}", r.path, r.status));
        }
    }
    assert_eq!(problems, Vec::<String>::new());
    assert_eq!(
        checked.into_iter().collect::<Vec<_>>(),
        vec![
            "get /rest/api/3/issue/{issueIdOrKey} 200",
            "get /rest/api/3/issue/{issueIdOrKey} 404",
            "get /rest/api/3/issue/{issueIdOrKey}/transitions 200",
            "get /rest/api/3/myself 200",
            "get /rest/api/3/project/{projectIdOrKey} 200",
            "get /rest/api/3/user/permission/search 200",
            "get /rest/api/3/user/search 200",
            "post /rest/api/3/issue 201",
            "post /rest/api/3/issue/{issueIdOrKey}/comment 201",
            "post /rest/api/3/issue/{issueIdOrKey}/transitions 204",
            "post /rest/api/3/search/jql 200",
            "put /rest/api/3/issue/{issueIdOrKey} 204",
        ]
    );
}

#[test]
fn the_search_result_schema_refuses_a_total() {
    let Some(doc) = jira_openapi() else {
        return;
    };
    let schema = contract::response_schema(&doc, "post", "/rest/api/3/search/jql", 200)
        .unwrap()
        .unwrap();
    assert_eq!(
        extra_properties(&doc, schema, &json!({"issues": [], "total": 0}), "$"),
        vec!["$.total: not in the schema"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_reads_done_and_dropped_from_status_category_and_resolution() {
    let jira = Jira::start(Deployment::Cloud).await;
    let dir = tempfile::tempdir().unwrap();
    let three: Vec<(&str, &str, &str)> =
        vec![TWO_TASKS[0], TWO_TASKS[1], ("third", "A third task", "")];
    write_tree(
        dir.path(),
        &config(&jira, Deployment::Cloud),
        &postmortem(&three),
    );
    stdout_of(&sync(&jira, Deployment::Cloud, dir.path(), &[]));
    jira.set_status("OPS-1", "Done", Some("Done"));
    jira.set_status("OPS-2", "Done", Some("Won't Fix"));
    jira.set_status("OPS-3", "In Progress", None);
    let out = Aftercare::new(dir.path())
        .args(["status", "--format", "json"])
        .env("JIRA_EMAIL", BOT_EMAIL)
        .env("JIRA_API_TOKEN", BOT_TOKEN)
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report["repo"], json!("OPS"));
    let tasks = &report["incidents"][0]["items"];
    let seen: Vec<Value> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| json!([t["id"], t["state"], t["ref"], t["issue"], t["url"]]))
        .collect();
    let url = jira.url();
    assert_eq!(
        seen,
        vec![
            json!([
                "automate-failover",
                "done",
                "OPS-1",
                null,
                format!("{url}/browse/OPS-1")
            ]),
            json!([
                "page-on-lag",
                "dropped",
                "OPS-2",
                null,
                format!("{url}/browse/OPS-2")
            ]),
            json!([
                "third",
                "open",
                "OPS-3",
                null,
                format!("{url}/browse/OPS-3")
            ]),
        ]
    );
}

/// 250 tasks of one postmortem, `task-001` to `task-250`.
fn many_tasks(dir: &Path, jira: &Jira, deployment: Deployment, count: usize) {
    let ids: Vec<String> = (1..=count).map(|n| format!("task-{n:03}")).collect();
    let tasks: Vec<(&str, &str, &str)> = ids.iter().map(|id| (id.as_str(), "Do it", "")).collect();
    write_tree(dir, &config(jira, deployment), &postmortem(&tasks));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_with_nothing_new_makes_two_searches_and_full_lists_everything() {
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        let jira = Jira::start(deployment).await;
        let dir = tempfile::tempdir().unwrap();
        many_tasks(dir.path(), &jira, deployment, 250);
        let out = sync(&jira, deployment, dir.path(), &[]);
        assert!(
            stdout_of(&out)
                .ends_with("created 250, updated 0, closed 0, reopened 0, unchanged 0\n")
        );
        let search = search_request(deployment);
        // Every run a new process, with the cache kept: no /myself (the account is cached by
        // the credentials' hash), no project or editors, and the changes since the last run,
        // which reach back two minutes before its newest update: the 121 issues the first
        // sync stamped in its last two minutes, on two pages. The same every time.
        for _ in 0..3 {
            jira.clear_log();
            let out = sync(&jira, deployment, dir.path(), &[]);
            assert_eq!(
                stdout_of(&out),
                "created 0, updated 0, closed 0, reopened 0, unchanged 250\n"
            );
            assert_eq!(requests(&jira), vec![search, search], "{deployment:?}");
        }
        jira.clear_log();
        let report = status_json(deployment, dir.path());
        assert_eq!(states(&report).len(), 250);
        assert_eq!(requests(&jira), vec![search, search], "{deployment:?}");

        // --full lists everything: the project, its editors, and 3 pages.
        jira.clear_log();
        let out = sync(&jira, deployment, dir.path(), &["--full"]);
        assert_eq!(
            stdout_of(&out),
            "created 0, updated 0, closed 0, reopened 0, unchanged 250\n"
        );
        assert_eq!(
            requests(&jira),
            complete_listing(deployment, false),
            "{deployment:?}"
        );

        // An hour later a person closes two issues: the next status shows both in two
        // searches, and the one after reads one page, the two changes.
        jira.advance_clock(3600);
        jira.set_status("OPS-7", "Done", Some("Done"));
        jira.set_status("OPS-200", "Done", Some("Won't Do"));
        jira.clear_log();
        let report = status_json(deployment, dir.path());
        let changed: Vec<String> = states(&report)
            .into_iter()
            .filter(|s| !s.ends_with(" open"))
            .collect();
        assert_eq!(changed, vec!["task-007 done", "task-200 dropped"]);
        assert_eq!(requests(&jira), vec![search, search], "{deployment:?}");
        jira.clear_log();
        let again = status_json(deployment, dir.path());
        assert_eq!(states(&again), states(&report));
        assert_eq!(requests(&jira), vec![search], "{deployment:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_in_a_shared_project_reads_only_aftercare_s_issues() {
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        let jira = Jira::start(deployment).await;
        // Another team's 250 issues, none of them aftercare's.
        for n in 1..=250 {
            jira.seed_issue(
                "alice",
                &format!("Their issue {n}"),
                Value::Null,
                &["other"],
            );
        }
        let dir = tempfile::tempdir().unwrap();
        write_tree(
            dir.path(),
            &config(&jira, deployment),
            &postmortem(TWO_TASKS),
        );
        stdout_of(&sync(&jira, deployment, dir.path(), &[]));
        // One page before the creates and one after, both of the label and the account's own.
        let searches: Vec<String> = (requests(&jira).into_iter())
            .filter(|r| r.starts_with("POST /search"))
            .collect();
        assert_eq!(
            searches,
            vec![search_request(deployment), search_request(deployment)]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_people_make_between_runs_are_seen_in_any_time_zone() {
    // JQL dates are read in the account's profile zone: the widest offsets either way, and UTC.
    let zones = [
        (Deployment::Cloud, "Etc/GMT+12", -12),
        (Deployment::DataCenter, "Pacific/Kiritimati", 14),
        (Deployment::Cloud, "Pacific/Kiritimati", 14),
        (Deployment::DataCenter, "Etc/GMT+12", -12),
        (Deployment::Cloud, "UTC", 0),
    ];
    for (deployment, zone, hours) in zones {
        let case = format!("{deployment:?} in {zone}");
        let jira = Jira::start(deployment).await;
        jira.set_time_zone(zone, chrono::FixedOffset::east_opt(hours * 3600).unwrap());
        let dir = tempfile::tempdir().unwrap();
        let three: Vec<(&str, &str, &str)> =
            vec![TWO_TASKS[0], TWO_TASKS[1], ("third", "A third task", "")];
        write_tree(dir.path(), &config(&jira, deployment), &postmortem(&three));
        stdout_of(&sync(&jira, deployment, dir.path(), &[]));
        // An hour later, far past the overlap: a person closes one issue, removes a label
        // aftercare set from another, retitles the third.
        jira.advance_clock(3600);
        jira.set_status("OPS-3", "Done", Some("Done"));
        jira.edit_by_hand("OPS-1", |i| i.labels.retain(|l| l != "database"));
        jira.edit_by_hand("OPS-2", |i| i.summary = "Renamed by hand".into());
        let out = sync(&jira, deployment, dir.path(), &["--dry-run"]);
        assert_eq!(
            stdout_of(&out),
            "plan: update OPS-1 2024-03-01-db/automate-failover: Automate the failover\n\
             plan: update OPS-2 2024-03-01-db/page-on-lag: Page on replica lag\n\
             plan: 0 to create, 2 to update, 0 to close, 0 to reopen, 1 unchanged (dry run in \
             OPS: nothing was changed)\n",
            "{case}"
        );
        let full = sync(&jira, deployment, dir.path(), &["--dry-run", "--full"]);
        assert_eq!(full.stdout, out.stdout, "{case}: --full agrees");
        assert_eq!(
            states(&status_json(deployment, dir.path())),
            vec!["automate-failover open", "page-on-lag open", "third done"],
            "{case}"
        );
        let out = sync(&jira, deployment, dir.path(), &[]);
        assert_eq!(
            stdout_of(&out),
            "update OPS-1 2024-03-01-db/automate-failover: Automate the failover\n\
             update OPS-2 2024-03-01-db/page-on-lag: Page on replica lag\n\
             created 0, updated 2, closed 0, reopened 0, unchanged 1\n",
            "{case}"
        );
        let issues = jira.issues();
        assert_eq!(issues[0].labels, vec!["postmortem", "database"], "{case}");
        assert_eq!(issues[1].summary, "Page on replica lag", "{case}");
        let out = sync(&jira, deployment, dir.path(), &[]);
        assert_eq!(
            stdout_of(&out),
            "created 0, updated 0, closed 0, reopened 0, unchanged 3\n",
            "{case}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_search_shows_late_is_seen_within_the_overlap() {
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        let jira = Jira::start(deployment).await;
        let dir = tempfile::tempdir().unwrap();
        let three: Vec<(&str, &str, &str)> =
            vec![TWO_TASKS[0], TWO_TASKS[1], ("third", "A third task", "")];
        write_tree(dir.path(), &config(&jira, deployment), &postmortem(&three));
        stdout_of(&sync(&jira, deployment, dir.path(), &[]));
        jira.advance_clock(3600);
        // A person closes OPS-3, which search shows only from the third search on; 30 s
        // later someone closes OPS-1, which search shows at once. The first status sees OPS-1
        // only, and its watermark moves past the close of OPS-3; the overlap still covers it.
        jira.set_search_lag(2);
        jira.set_status("OPS-3", "Done", Some("Done"));
        jira.set_search_lag(0);
        jira.advance_clock(30);
        jira.set_status("OPS-1", "Done", Some("Done"));
        let seen: Vec<Vec<String>> = (0..3)
            .map(|_| states(&status_json(deployment, dir.path())))
            .collect();
        let open_closed = |third: &str| {
            vec![
                "automate-failover done".to_string(),
                "page-on-lag open".to_string(),
                format!("third {third}"),
            ]
        };
        assert_eq!(
            seen,
            vec![
                open_closed("open"),
                open_closed("open"),
                open_closed("done")
            ],
            "{deployment:?}"
        );
    }
}

/// How the crash matrix cuts a request.
const CUTS: [(FaultKind, bool); 4] = [
    (FaultKind::StallBefore, true),
    (FaultKind::StallAfter, true),
    (FaultKind::BreakAfter, false),
    (FaultKind::Status(500), false),
];

/// Which run of a crash case is cut.
#[derive(Debug, Clone, Copy, PartialEq)]
enum CutRun {
    /// A first sync of two tasks: a complete listing, two creates, a listing of the changes.
    First,
    /// After a clean first sync, a sync that adds a third task: a listing of the changes since
    /// the snapshot, one create, and another listing of the changes.
    Incremental,
}

/// How many requests the run of a crash case makes when nothing is cut.
async fn uncut_requests(deployment: Deployment, run: CutRun) -> u64 {
    let jira = Jira::start(deployment).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&jira, deployment);
    write_tree(dir.path(), &cfg, &postmortem(TWO_TASKS));
    if run == CutRun::Incremental {
        stdout_of(&sync(&jira, deployment, dir.path(), &[]));
        let mut tasks: Vec<(&str, &str, &str)> = TWO_TASKS.to_vec();
        tasks.push(("third", "A third task", ""));
        write_tree(dir.path(), &cfg, &postmortem(&tasks));
        jira.clear_log();
    }
    jira.set_search_lag(1000);
    stdout_of(&sync(&jira, deployment, dir.path(), &[]));
    jira.requests().len() as u64
}

/// A sync with its `number`-th request cut (the process killed while it waits, or the answer
/// lost), with search lagging from then on, then a clean run and one more: the duplicates and
/// lost tasks left.
async fn crash_case(
    deployment: Deployment,
    run: CutRun,
    number: u64,
    cut: &FaultKind,
    kill: bool,
) -> (usize, usize) {
    let jira = Jira::start(deployment).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(&jira, deployment);
    write_tree(dir.path(), &cfg, &postmortem(TWO_TASKS));
    let mut tasks: Vec<(&str, &str, &str)> = TWO_TASKS.to_vec();
    if run == CutRun::Incremental {
        stdout_of(&sync(&jira, deployment, dir.path(), &[]));
        tasks.push(("third", "A third task", ""));
        write_tree(dir.path(), &cfg, &postmortem(&tasks));
        jira.clear_log();
    }
    jira.set_search_lag(1000);
    // Requests are numbered from the emulator's start: after those of the clean first sync.
    let number = number + jira.received();
    jira.inject_at(number, cut.clone());
    let command = as_bot(
        deployment,
        Aftercare::new(dir.path()).args(["sync", "--write-interval-ms", "0"]),
    );
    if kill {
        kill_when_logged(&jira, command, number).await;
    } else {
        command.run();
    }
    let case = format!("{deployment:?}, {run:?} run, request {number} cut by {cut:?}");
    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(out.code, 0, "{case}: {}", out.stderr);
    let out = sync(&jira, deployment, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        format!(
            "created 0, updated 0, closed 0, reopened 0, unchanged {}\n",
            tasks.len()
        ),
        "{case}"
    );
    let counts = per_task(&jira);
    let duplicates: usize = counts.values().map(|n| n.saturating_sub(1)).sum();
    let lost = tasks.len() - counts.len();
    if duplicates + lost > 0 {
        eprintln!("{case}: {duplicates} duplicates, {lost} lost");
    }
    (duplicates, lost)
}

/// Every request of `run` on each deployment (`(deployment, requests the run makes)`) cut each
/// of the four ways: the cases, duplicates and lost tasks.
async fn crash_matrix(run: CutRun, runs: [(Deployment, u64); 2]) -> (usize, usize, usize) {
    let started = std::time::Instant::now();
    let mut cases = 0;
    let (mut duplicates, mut lost) = (0, 0);
    for (deployment, requests) in runs {
        assert_eq!(uncut_requests(deployment, run).await, requests);
        for number in 1..=requests {
            for (cut, kill) in &CUTS {
                let (d, l) = crash_case(deployment, run, number, cut, *kill).await;
                cases += 1;
                duplicates += d;
                lost += l;
            }
        }
    }
    eprintln!(
        "jira crash matrix, {run:?} run: {cases} cases, {duplicates} duplicates, {lost} lost \
         tasks, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    (cases, duplicates, lost)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_matrix_every_request_of_a_first_sync_cut_four_ways_leaves_one_issue_per_task() {
    // Cloud: /myself, the project, its editors, the search, the owner's account, two creates
    // and the listing of the changes after them. Data Center: no account search, and the
    // listing after the creates reads both issues directly (search shows neither).
    let runs = [(Deployment::Cloud, 8), (Deployment::DataCenter, 9)];
    assert_eq!(crash_matrix(CutRun::First, runs).await, (68, 0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_matrix_every_request_of_an_incremental_sync_cut_four_ways_leaves_one_issue_per_task()
{
    // The changes since the snapshot, the project (before the create), the create, and the
    // changes after it; on Data Center the new issue is then read directly.
    let runs = [(Deployment::Cloud, 4), (Deployment::DataCenter, 5)];
    assert_eq!(crash_matrix(CutRun::Incremental, runs).await, (36, 0, 0));
}

/// Seeds of the hostile runs, with the share of requests that fail.
const HOSTILE_SEEDS: [(u64, u8); 4] = [(1, 20), (2, 30), (3, 40), (4, 40)];

/// Runs sync under seeded random faults, then without faults until it is complete: the faults
/// struck.
async fn faulty_then_clean(
    jira: &Jira,
    deployment: Deployment,
    dir: &Path,
    seed: (u64, u8),
) -> usize {
    jira.clear_log();
    jira.set_random_faults(Some(seed));
    let out = sync(jira, deployment, dir, &[]);
    jira.set_random_faults(None);
    let struck = jira
        .requests()
        .iter()
        .filter(|r| r.status >= 500 || r.status == 429)
        .count();
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    let out = sync(jira, deployment, dir, &[]);
    assert_eq!(out.code, 0, "seed {seed:?}: {}", out.stderr);
    struck
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seeded_random_faults_and_forged_look_alikes_leave_one_issue_per_task() {
    let started = std::time::Instant::now();
    let (mut runs, mut struck, mut duplicates, mut lost, mut counted_forgeries) = (0, 0, 0, 0, 0);
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        for seed in HOSTILE_SEEDS {
            let jira = Jira::start(deployment).await;
            jira.set_search_lag(3);
            let forged = jira.seed_issue(
                "mallory",
                "Page on replica lag",
                json!({"task": "2024-03-01-db/page-on-lag"}),
                &["postmortem"],
            );
            let dir = tempfile::tempdir().unwrap();
            let cfg = config(&jira, deployment);
            let three: Vec<(&str, &str, &str)> =
                vec![TWO_TASKS[0], TWO_TASKS[1], ("third", "A third task", "")];
            write_tree(dir.path(), &cfg, &postmortem(&three));
            struck += faulty_then_clean(&jira, deployment, dir.path(), seed).await;
            // Then edits under faults: a title changes and a task goes.
            let edited: Vec<(&str, &str, &str)> =
                vec![TWO_TASKS[0], ("page-on-lag", "Page on lag over 30 s", "")];
            write_tree(dir.path(), &cfg, &postmortem(&edited));
            struck +=
                faulty_then_clean(&jira, deployment, dir.path(), (seed.0 + 100, seed.1)).await;
            runs += 4;
            let out = sync(&jira, deployment, dir.path(), &[]);
            assert_eq!(
                stdout_of(&out),
                "created 0, updated 0, closed 0, reopened 0, unchanged 2\n",
                "{deployment:?} seed {seed:?}"
            );
            let mut open = BTreeMap::<String, usize>::new();
            let mut seen = BTreeMap::<String, usize>::new();
            for issue in jira.issues() {
                if issue.key == forged {
                    let touched = issue.comments.len() + usize::from(issue.status != "To Do");
                    counted_forgeries += usize::from(touched > 0);
                    continue;
                }
                let task = issue.properties["aftercare"]["task"]
                    .as_str()
                    .unwrap()
                    .to_string();
                *seen.entry(task.clone()).or_default() += 1;
                if issue.status != "Done" {
                    *open.entry(task).or_default() += 1;
                }
            }
            duplicates += seen.values().map(|n| n - 1).sum::<usize>();
            lost += 3 - seen.len();
            assert_eq!(
                open,
                BTreeMap::from([
                    ("2024-03-01-db/automate-failover".to_string(), 1),
                    ("2024-03-01-db/page-on-lag".to_string(), 1),
                ]),
                "{deployment:?} seed {seed:?}"
            );
        }
    }
    eprintln!(
        "jira hostile answers: {} seeds x 2 deployments, {runs} runs, {struck} faults, \
         {duplicates} duplicates, {lost} lost tasks, {counted_forgeries} counted forgeries, \
         {:.1} s",
        HOSTILE_SEEDS.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!((duplicates, lost, counted_forgeries), (0, 0, 0));
    assert!(struck >= 20, "only {struck} faults struck");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_leave_to_list_editors_only_the_syncing_account_s_issues_count() {
    let jira = Jira::start(Deployment::Cloud).await;
    jira.refuse_permission_search();
    let by_alice = jira.seed_issue(
        "alice",
        "Page on replica lag",
        json!({"task": "2024-03-01-db/page-on-lag"}),
        &["postmortem"],
    );
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &config(&jira, Deployment::Cloud),
        &postmortem(TWO_TASKS),
    );
    let out = sync(&jira, Deployment::Cloud, dir.path(), &[]);
    assert_eq!(
        stdout_of(&out),
        "create OPS-2 2024-03-01-db/automate-failover: Automate the failover\n\
         create OPS-3 2024-03-01-db/page-on-lag: Page on replica lag\n\
         created 2, updated 0, closed 0, reopened 0, unchanged 0\n"
    );
    assert_eq!(
        out.stderr,
        format!(
            "warning: the account may not list who may edit issues in project OPS (Jira \
             answered 403; it needs the Administer Projects permission): only issues it created \
             itself count\n\
             warning: ignored issue {by_alice} by Alice Liddell: it carries the marker of \
             2024-03-01-db/page-on-lag, but its author is neither the syncing identity nor a \
             user who may edit issues in the project\n"
        )
    );
}

/// Runs the command until the emulator has received its `nth` request (which is held), then
/// kills it.
async fn kill_at(jira: &Jira, command: Aftercare, nth: u64) {
    let number = jira.received() + nth;
    jira.inject_at(number, FaultKind::StallBefore);
    kill_when_logged(jira, command, number).await;
}

/// Runs the command until the emulator has logged request `number`, then kills it.
async fn kill_when_logged(jira: &Jira, command: Aftercare, number: u64) {
    let running = command.spawn();
    let started = std::time::Instant::now();
    while !jira.requests().iter().any(|r| r.number == number) {
        assert!(
            started.elapsed().as_secs() < 30,
            "request {number} never came"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    running.kill();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_cut_short_or_a_damaged_snapshot_is_never_trusted() {
    for deployment in [Deployment::Cloud, Deployment::DataCenter] {
        let jira = Jira::start(deployment).await;
        let search = search_request(deployment);
        // 250 issues made from another checkout.
        let other = tempfile::tempdir().unwrap();
        many_tasks(other.path(), &jira, deployment, 250);
        stdout_of(&sync(&jira, deployment, other.path(), &[]));
        let dir = tempfile::tempdir().unwrap();
        many_tasks(dir.path(), &jira, deployment, 250);
        let sync_command = || {
            as_bot(
                deployment,
                Aftercare::new(dir.path()).args(["sync", "-v", "--write-interval-ms", "0"]),
            )
        };

        // A first listing killed on its second page (/myself, the project, its editors, page
        // one, page two) leaves no snapshot: the next run lists everything.
        kill_at(&jira, sync_command(), 5).await;
        assert!(!snapshot_file(dir.path()).exists());
        jira.clear_log();
        let out = sync_command().run();
        assert!(
            stdout_of(&out)
                .ends_with("\ncreated 0, updated 0, closed 0, reopened 0, unchanged 250\n")
        );
        assert!(
            out.stderr
                .contains("listing every issue: no snapshot of an earlier listing\n"),
            "{}",
            out.stderr
        );
        assert_eq!(requests(&jira), complete_listing(deployment, true));
        let snapshot = std::fs::read(snapshot_file(dir.path())).unwrap();

        // A person closes 150 issues; a listing of the changes killed on its second page
        // leaves the snapshot as it was, and the next run lists the changes since the same
        // watermark: all 150 (and the 121 of the overlap), on three pages.
        jira.advance_clock(3600);
        for n in 1..=150 {
            jira.set_status(&format!("OPS-{n}"), "Done", Some("Done"));
        }
        kill_at(&jira, sync_command(), 2).await;
        assert_eq!(std::fs::read(snapshot_file(dir.path())).unwrap(), snapshot);
        jira.clear_log();
        let report = status_json(deployment, dir.path());
        let done = states(&report)
            .iter()
            .filter(|s| s.ends_with(" done"))
            .count();
        assert_eq!(done, 150);
        assert_eq!(requests(&jira), vec![search, search, search]);

        // A damaged snapshot is reported and not trusted.
        let text = std::fs::read_to_string(snapshot_file(dir.path())).unwrap();
        std::fs::write(snapshot_file(dir.path()), &text[..text.len() / 2]).unwrap();
        jira.clear_log();
        let out = sync_command().run();
        assert!(
            out.stderr.contains(&format!(
                "warning: ignoring the listing snapshot: {} is not a valid snapshot",
                snapshot_file(dir.path()).display()
            )),
            "{}",
            out.stderr
        );
        assert!(
            out.stderr
                .contains("listing every issue: no snapshot of an earlier listing\n")
        );
        assert_eq!(requests(&jira), complete_listing(deployment, false));

        // Another account's run lists everything, and so does the next run of the first, which
        // asks for its account again (the cache remembers one).
        jira.clear_log();
        let status = Aftercare::new(dir.path()).args(["status", "-v"]);
        let status = match deployment {
            Deployment::Cloud => status
                .env("JIRA_EMAIL", MALLORY_EMAIL)
                .env("JIRA_API_TOKEN", MALLORY_TOKEN),
            Deployment::DataCenter => status.env("JIRA_TOKEN", MALLORY_TOKEN),
        };
        let out = status.run();
        assert_eq!(out.code, 0, "{}", out.stderr);
        let another = "listing every issue: the snapshot was listed by another identity\n";
        assert!(out.stderr.contains(another), "{}", out.stderr);
        assert_eq!(requests(&jira), complete_listing(deployment, true));
        jira.clear_log();
        let out = sync_command().run();
        assert!(out.stderr.contains(another), "{}", out.stderr);
        assert_eq!(requests(&jira), complete_listing(deployment, true));
    }
}
