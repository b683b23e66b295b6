//! Jira as a tracker, through the built binary against the Jira emulator, on Cloud and on Data
//! Center: one issue per task through a first sync, an immediate second sync, an edit, a
//! removal and a return with search lag on; faults, rate limits, forged look-alikes, the
//! secret at every verbosity, and the clear errors for wrong credentials, a missing project,
//! a missing issue type and a workflow without a done transition.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Value, json};

use crate::support::cli::{Aftercare, Outcome};
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
    let command = Aftercare::new(dir)
        .args(["sync", "--write-interval-ms", "0"])
        .args(args);
    let command = match deployment {
        Deployment::Cloud => command
            .env("JIRA_EMAIL", BOT_EMAIL)
            .env("JIRA_API_TOKEN", BOT_TOKEN),
        Deployment::DataCenter => command.env("JIRA_TOKEN", BOT_TOKEN),
    };
    command.run()
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
    assert_eq!(out.code, 0, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
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
        ("page-on-lag", "Page on replica lag over 30 s", "    type: detect\n"),
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
        Deployment::Cloud => closed.comments[0]["content"][0]["content"][0]["text"].clone(),
        Deployment::DataCenter => closed.comments[0].clone(),
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
