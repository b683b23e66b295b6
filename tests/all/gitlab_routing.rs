//! Tasks in several GitLab projects: `repo:` names a project path, one sync covers every
//! project and a run with nothing new makes one request per project, a task that changes
//! project moves (a new issue there, the old one closed with the label `not planned` and a note
//! linking the new one), a project the token cannot read is an error naming it while the others
//! still sync, and trust follows membership in each project, inherited from its groups only.

use std::collections::BTreeMap;
use std::path::Path;

use aftercare::tracker::markdown::find_key;

use crate::support::cli::{Aftercare, Outcome};
use crate::support::gitlab::{
    Fault, GitLab, IssueChange, IssueSnapshot, OWNER_TOKEN, PROJECT_PATH, REPORTER_TOKEN,
};
use crate::support::routed::{
    API_POSTMORTEM, GITLAB_API_PROJECT as API, GITLAB_OPS_PROJECT as OPS, OPS_TASK, route_task,
    routed_gitlab_examples, three_projects,
};

/// `aftercare ARGS` in `dir` as `ada`, without pacing.
fn run(dir: &Path, args: &[&str]) -> Outcome {
    Aftercare::new(dir)
        .args(args)
        .env("GITLAB_TOKEN", OWNER_TOKEN)
        .run()
}

fn sync(dir: &Path) -> Outcome {
    run(dir, &["sync", "--write-interval-ms", "0"])
}

fn last_line(out: &Outcome) -> &str {
    out.stdout.lines().last().unwrap_or("")
}

/// Each project's issues by task key: `(iid, state)`.
fn keys(issues: &[IssueSnapshot]) -> BTreeMap<String, Vec<(u64, String)>> {
    let mut out: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for issue in issues {
        if let Some(key) = find_key(&issue.description) {
            out.entry(key.to_string())
                .or_default()
                .push((issue.iid, issue.state.clone()));
        }
    }
    out
}

fn writes(gl: &GitLab) -> usize {
    gl.requests().iter().filter(|r| r.method != "GET").count()
}

/// The emulator with the three projects and the examples routed across them, synced once.
fn synced() -> (GitLab, tempfile::TempDir) {
    let gl = GitLab::start_blocking();
    three_projects(&gl);
    let dir = routed_gitlab_examples(&gl);
    let first = sync(dir.path());
    assert_eq!(first.code, 0, "{first:#?}");
    (gl, dir)
}

#[test]
fn one_sync_routes_the_examples_across_three_projects_and_the_next_makes_one_request_each() {
    let gl = GitLab::start_blocking();
    three_projects(&gl);
    let dir = routed_gitlab_examples(&gl);
    let first = sync(dir.path());
    assert_eq!(first.code, 0, "{first:#?}");
    assert_eq!(first.stderr, "");
    assert_eq!(
        last_line(&first),
        "created 34, updated 0, closed 0, reopened 0, unchanged 0"
    );
    let web = keys(&gl.issues());
    let api = keys(&gl.issues_in(API));
    let ops = keys(&gl.issues_in(OPS));
    assert_eq!((web.len(), api.len(), ops.len()), (29, 4, 1));
    for issues in [&web, &api, &ops] {
        assert!(issues.values().all(|v| v.len() == 1), "{issues:#?}");
    }
    assert!(
        api.keys().all(|k| k.starts_with(API_POSTMORTEM)),
        "{api:#?}"
    );
    assert_eq!(ops.keys().collect::<Vec<_>>(), [OPS_TASK]);
    // Issues outside the configured project are named by their path; their descriptions link
    // the postmortem in the configured project, which holds the files.
    for line in [
        format!("create {OPS}#1 {OPS_TASK}: "),
        format!("create {API}#1 {API_POSTMORTEM}/database-tuning: Database Tuning\n"),
        "create #1 2023-05-10-ddos-database-overload/real-time-traffic-analysis: ".to_string(),
    ] {
        assert!(first.stdout.contains(&line), "{line}\n{}", first.stdout);
    }
    let ops_issue = &gl.issues_in(OPS)[0];
    assert!(
        ops_issue.description.contains(&format!(
            "]({}/{PROJECT_PATH}/-/blob/HEAD/postmortems/2023-05-10-ddos-database-overload.yaml)",
            gl.url()
        )),
        "{}",
        ops_issue.description
    );
    for issue in gl.issues_in(API).iter().chain(gl.issues_in(OPS).iter()) {
        assert_eq!(
            (issue.author.as_str(), issue.labels.as_slice()),
            ("ada", ["postmortem".to_string()].as_slice())
        );
    }
    // Each project's client asks who the token belongs to once, and never asks whether the
    // syncing user itself may speak for a task.
    let log = gl.requests();
    let asked = |path: &str| log.iter().filter(|r| r.path.contains(path)).count();
    assert_eq!((asked("/user"), asked("/members/all/")), (3, 0), "{log:#?}");

    gl.clear_requests();
    let second = sync(dir.path());
    assert_eq!(second.code, 0, "{second:#?}");
    assert_eq!(
        last_line(&second),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    assert_eq!(writes(&gl), 0);
    // One listing of the changes per project; the user is remembered in each cache file.
    let listed: Vec<(String, bool)> = (gl.requests().iter())
        .map(|r| (r.path.clone(), r.query.contains("updated_after=")))
        .collect();
    assert_eq!(
        listed,
        [
            "/projects/acme%2Fplatform%2Fweb/issues",
            "/projects/acme%2Fplatform%2Fapi/issues",
            "/projects/infra%2Fops/issues",
        ]
        .map(|p| (p.to_string(), true))
    );
}

#[test]
fn a_task_moved_to_another_project_gets_a_new_issue_there_and_its_old_one_links_it() {
    let (gl, dir) = synced();
    route_task(dir.path(), API);
    gl.clear_requests();
    let moved = sync(dir.path());
    assert_eq!(moved.code, 0, "{moved:#?}");
    let title = "Evaluate and implement an advanced DDoS detection system";
    assert_eq!(
        moved.stdout.lines().collect::<Vec<_>>(),
        [
            format!("create {API}#5 {OPS_TASK}: {title}").as_str(),
            format!("move {OPS}#1 (to {API}) {OPS_TASK}: {title}").as_str(),
            "created 1, updated 0, closed 0, reopened 0, unchanged 33, moved 1",
        ]
    );
    let old = &gl.issues_in(OPS)[0];
    assert_eq!(
        (
            old.state.as_str(),
            old.labels.as_slice(),
            old.closed_by.as_deref()
        ),
        (
            "closed",
            ["not planned".to_string(), "postmortem".to_string()].as_slice(),
            Some("ada")
        )
    );
    assert_eq!(
        old.notes,
        [format!(
            "Moved by aftercare: task `evaluate-ddos-detection` of postmortem \
             `2023-05-10-ddos-database-overload` is now tracked in {API}, as {API}#5: \
             {}/{API}/-/issues/5. This issue is closed as not planned; the work goes on there.",
            gl.url()
        )]
    );
    let new = gl.issue_in(API, 5).expect("the new issue");
    assert_eq!(
        (new.state.as_str(), find_key(&new.description)),
        (
            "opened",
            Some(aftercare::model::TaskKey::new(
                "2023-05-10-ddos-database-overload",
                "evaluate-ddos-detection"
            ))
        )
    );
    // A create, the close with its label, and the note.
    assert_eq!(writes(&gl), 3, "{:#?}", gl.requests());

    // Nothing more to do; and status counts the task where it now lives.
    let again = sync(dir.path());
    assert_eq!(
        last_line(&again),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    let status = run(dir.path(), &["status", "--format", "json"]);
    assert_eq!(status.code, 0, "{status:#?}");
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
    let item = json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .flat_map(|i| i["items"].as_array().expect("items").iter())
        .find(|i| i["id"] == "evaluate-ddos-detection")
        .expect("the moved task");
    assert_eq!(
        (&item["repo"], &item["ref"], &item["state"]),
        (
            &serde_json::json!(API),
            &serde_json::json!(format!("{API}#5")),
            &serde_json::json!("open")
        )
    );
    assert_eq!(
        (&json["totals"]["tasks"], &json["totals"]["open"]),
        (&serde_json::json!(34), &serde_json::json!(34))
    );
}

#[test]
fn a_project_that_does_not_exist_is_an_error_naming_it_and_the_others_still_sync() {
    let gl = GitLab::start_blocking();
    gl.add_project(API, &[("ada", 40)]);
    // infra/ops was never created.
    let dir = routed_gitlab_examples(&gl);
    let out = sync(dir.path());
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(
        out.stderr,
        "error: cannot read the issues of infra/ops: cannot list issues labelled \"postmortem\": \
         GitLab project infra/ops not found, not visible to the token, or its issues are \
         disabled: GitLab answered 404: 404 Project Not Found; its tasks were left alone\n"
    );
    assert_eq!(
        last_line(&out),
        "created 33, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert_eq!(keys(&gl.issues()).len(), 29);
    assert_eq!(keys(&gl.issues_in(API)).len(), 4);
    let to_ops = gl
        .requests()
        .iter()
        .filter(|r| r.path.contains("infra%2Fops"))
        .count();
    assert_eq!(to_ops, 1, "one listing, refused; nothing written there");
}

/// Regression: the client of a project other than the configured one never learnt who the
/// syncing user was, so after a create whose answer was lost it looked for the issue among
/// those nobody opened, found none, and created it again.
#[test]
fn a_create_in_another_project_whose_answer_is_lost_makes_one_issue() {
    let gl = GitLab::start_blocking();
    three_projects(&gl);
    gl.inject(Fault::drop_after_write(
        "POST",
        "/projects/infra%2Fops/issues",
    ));
    let dir = routed_gitlab_examples(&gl);
    let out = sync(dir.path());
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        last_line(&out),
        "created 34, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert!(gl.pending_faults().is_empty(), "the fault fired");
    assert_eq!(
        keys(&gl.issues_in(OPS)).get(OPS_TASK).map(Vec::len),
        Some(1)
    );
    assert_eq!(gl.issues_in(OPS).len(), 1);
}

#[test]
fn an_issue_in_another_project_whose_label_was_removed_is_found_again_by_its_author() {
    let (gl, dir) = synced();
    // A person removes the label from acme/platform/api#1; a complete listing still finds it
    // among the issues ada opened there, and the sync puts the label back.
    gl.edit_as_in(
        API,
        OWNER_TOKEN,
        1,
        IssueChange {
            labels: Some(Vec::new()),
            ..IssueChange::default()
        },
    );
    let out = run(dir.path(), &["sync", "--write-interval-ms", "0", "--full"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        out.stdout,
        format!(
            "update {API}#1 {API_POSTMORTEM}/database-tuning: Database Tuning\n\
             created 0, updated 1, closed 0, reopened 0, unchanged 33\n"
        )
    );
    assert_eq!(gl.issues_in(API).len(), 4, "no second issue");
    assert_eq!(gl.issue_in(API, 1).expect("api#1").labels, ["postmortem"]);
}

#[test]
fn trust_is_decided_per_project_by_membership_there() {
    let gl = GitLab::start_blocking();
    three_projects(&gl);
    // rita is a Reporter of the group acme: a member of acme/platform/api through it, nobody
    // in infra/ops. Her look-alikes count in the one and not in the other.
    let marker = |key: &str| format!("<!-- aftercare:task={key} -->");
    let api_key = format!("{API_POSTMORTEM}/database-tuning");
    let ignored = gl.seed_issue_in(
        OPS,
        REPORTER_TOKEN,
        "Look-alike",
        &marker(OPS_TASK),
        &["postmortem"],
    );
    let adopted = gl.seed_issue_in(
        API,
        REPORTER_TOKEN,
        "Database Tuning",
        &marker(&api_key),
        &["postmortem"],
    );
    let dir = routed_gitlab_examples(&gl);
    let out = sync(dir.path());
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        last_line(&out),
        "created 33, updated 1, closed 0, reopened 0, unchanged 0"
    );
    for line in [
        format!("update {API}#{adopted} {api_key}: Database Tuning\n"),
        format!("create {OPS}#2 {OPS_TASK}: "),
    ] {
        assert!(out.stdout.contains(&line), "{line}\n{}", out.stdout);
    }
    assert_eq!(
        out.stderr,
        format!(
            "warning: ignored issue {OPS}#{ignored} by rita: it carries the marker of \
             {OPS_TASK}, but its author is neither the syncing identity nor a project member \
             with at least the Reporter role\n"
        )
    );
    let look_alike = gl.issue_in(OPS, ignored).expect("the look-alike");
    assert_eq!(
        (look_alike.state.as_str(), look_alike.title.as_str()),
        ("opened", "Look-alike"),
        "never touched"
    );
}
