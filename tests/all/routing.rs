//! Tasks in several repositories: `repo:` on a postmortem or a task routes its issues, one
//! sync covers every repository, a task that changes repository moves, and a repository the
//! token cannot read is an error naming it while the others still sync.

use std::collections::BTreeMap;
use std::path::Path;

use aftercare::tracker::markdown::find_key;

use crate::support::cli::{Aftercare, Outcome};
use crate::support::emulator::{Emulator, IssueSnapshot, OUTSIDER_TOKEN, OWNER_TOKEN};
use crate::support::examples::copy_of_examples;
use crate::support::routed::{
    API_POSTMORTEM, OPS_TASK, append, file, route_task, routed_examples, three_repositories,
};

fn sync(gh: &Emulator, dir: &Path) -> Outcome {
    Aftercare::sync_as_owner(gh, dir).run()
}

/// Each repository's issues by task key.
fn keys(issues: &[IssueSnapshot]) -> BTreeMap<String, Vec<(u64, String)>> {
    let mut out: BTreeMap<String, Vec<(u64, String)>> = BTreeMap::new();
    for issue in issues {
        if let Some(key) = find_key(&issue.body) {
            out.entry(key.to_string())
                .or_default()
                .push((issue.number, issue.state.clone()));
        }
    }
    out
}

fn last_line(out: &Outcome) -> &str {
    out.stdout.lines().last().unwrap_or("")
}

#[test]
fn one_sync_routes_the_examples_across_three_repositories_with_one_issue_per_task() {
    let gh = Emulator::start_blocking();
    three_repositories(&gh);
    let dir = routed_examples();
    let first = sync(&gh, dir.path());
    assert_eq!(first.code, 0, "{first:#?}");
    assert_eq!(
        last_line(&first),
        "created 34, updated 0, closed 0, reopened 0, unchanged 0"
    );
    let web = keys(&gh.issues());
    let api = keys(&gh.issues_in("acme/api"));
    let ops = keys(&gh.issues_in("acme/ops"));
    assert_eq!((web.len(), api.len(), ops.len()), (29, 4, 1));
    for issues in [&web, &api, &ops] {
        assert!(issues.values().all(|v| v.len() == 1), "{issues:#?}");
    }
    assert!(
        api.keys().all(|k| k.starts_with(API_POSTMORTEM)),
        "{api:#?}"
    );
    assert_eq!(ops.keys().collect::<Vec<_>>(), [OPS_TASK]);
    // Issues outside the configured repository are named in full; the ops issue's body links
    // the postmortem in the repository that holds it.
    assert!(
        first
            .stdout
            .contains(&format!("create acme/ops#1 {OPS_TASK}: ")),
        "{}",
        first.stdout
    );
    let ops_issue = &gh.issues_in("acme/ops")[0];
    assert!(
        ops_issue
            .body
            .contains("/acme/web/blob/HEAD/postmortems/2023-05-10-ddos-database-overload.yaml"),
        "{}",
        ops_issue.body
    );

    let before = gh.requests().len();
    let second = sync(&gh, dir.path());
    assert_eq!(second.code, 0, "{second:#?}");
    assert_eq!(
        last_line(&second),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    let requests = &gh.requests()[before..];
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:#?}");
    // One listing of changes per repository; the login is cached.
    assert_eq!(requests.len(), 3, "{requests:#?}");
}

#[test]
fn a_task_moved_to_another_repository_gets_a_new_issue_there_and_its_old_one_links_it() {
    let gh = Emulator::start_blocking();
    three_repositories(&gh);
    let dir = routed_examples();
    assert_eq!(sync(&gh, dir.path()).code, 0);

    route_task(dir.path(), "acme/api");
    let moved = sync(&gh, dir.path());
    assert_eq!(moved.code, 0, "{moved:#?}");
    let lines: Vec<&str> = moved.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "create acme/api#5 {OPS_TASK}: Evaluate and implement an advanced DDoS \
                 detection system"
            )
            .as_str(),
            format!(
                "move acme/ops#1 (to acme/api) {OPS_TASK}: Evaluate and implement an \
                 advanced DDoS detection system"
            )
            .as_str(),
            "created 1, updated 0, closed 0, reopened 0, unchanged 33, moved 1",
        ]
    );
    let old = &gh.issues_in("acme/ops")[0];
    assert_eq!(
        (old.state.as_str(), old.state_reason.as_deref()),
        ("closed", Some("not_planned"))
    );
    let new_url = "https://github.com/acme/api/issues/5";
    assert_eq!(
        old.comments.last().map(String::as_str),
        Some(
            format!(
                "Moved by aftercare: task `evaluate-ddos-detection` of postmortem \
                 `2023-05-10-ddos-database-overload` is now tracked in acme/api, as \
                 acme/api#5: {new_url}. This issue is closed as not planned; the work goes on \
                 there."
            )
            .as_str()
        )
    );
    assert_eq!(keys(&gh.issues_in("acme/api")).len(), 5);

    // Nothing more to do; and status counts the task where it now lives.
    let again = sync(&gh, dir.path());
    assert_eq!(
        last_line(&again),
        "created 0, updated 0, closed 0, reopened 0, unchanged 34"
    );
    let status = Aftercare::new(dir.path())
        .args(["status", "--format", "json"])
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", OWNER_TOKEN)
        .env("GITHUB_REPOSITORY", "acme/web")
        .run();
    assert_eq!(status.code, 0, "{status:#?}");
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("JSON");
    let item = json["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .flat_map(|i| i["items"].as_array().expect("items").iter())
        .find(|i| i["id"] == "evaluate-ddos-detection")
        .expect("the moved task");
    assert_eq!(item["repo"], "acme/api");
    assert_eq!(item["ref"], "acme/api#5");
    assert_eq!(item["state"], "open");
    assert_eq!(json["totals"]["tasks"], 34);
    assert_eq!(json["totals"]["open"], 34);
}

#[test]
fn the_issues_of_a_repository_no_task_names_any_more_are_still_found_and_moved_back() {
    let gh = Emulator::start_blocking();
    three_repositories(&gh);
    let dir = routed_examples();
    assert_eq!(sync(&gh, dir.path()).code, 0);
    // The only task in acme/ops goes back to the configured repository: acme/ops is named by
    // no task any more, but its open issue is still found.
    let path = file(dir.path(), "2023-05-10-ddos-database-overload");
    let yaml = std::fs::read_to_string(&path).expect("the example");
    std::fs::write(&path, yaml.replace("    repo: acme/ops\n", "")).expect("written");
    let out = sync(&gh, dir.path());
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        last_line(&out),
        "created 1, updated 0, closed 0, reopened 0, unchanged 33, moved 1"
    );
    let ops = &gh.issues_in("acme/ops")[0];
    assert_eq!(ops.state, "closed");
    assert_eq!(keys(&gh.issues()).get(OPS_TASK).map(Vec::len), Some(1));
}

#[test]
fn a_repository_the_token_cannot_read_is_an_error_naming_it_and_the_others_still_sync() {
    let gh = Emulator::start_blocking();
    gh.add_repository("acme/api", &["octocat"]);
    // acme/ops does not exist for this token.
    let dir = routed_examples();
    let out = sync(&gh, dir.path());
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(
        out.stderr,
        "error: cannot read the issues of acme/ops: cannot list issues labelled \"postmortem\": \
         repository acme/ops not found, or not visible to the token: GitHub answered 404: Not \
         Found; its tasks were left alone\n"
    );
    assert_eq!(
        last_line(&out),
        "created 33, updated 0, closed 0, reopened 0, unchanged 0"
    );
    assert_eq!(keys(&gh.issues()).len(), 29);
    assert_eq!(keys(&gh.issues_in("acme/api")).len(), 4);
}

#[test]
fn trust_is_decided_per_repository() {
    let gh = Emulator::start_blocking();
    // hubot is a collaborator of acme/web only: in acme/api its look-alike counts for nothing,
    // as an outsider's does.
    gh.add_repository("acme/api", &["octocat"]);
    gh.add_repository("acme/ops", &["octocat"]);
    let key = format!("{API_POSTMORTEM}/database-tuning");
    for token in [crate::support::emulator::COLLAB_TOKEN, OUTSIDER_TOKEN] {
        let number = gh.seed_issue_in(
            "acme/api",
            token,
            "Database Tuning",
            &format!("<!-- aftercare:task={key} -->"),
            &[],
        );
        // Someone with triage access labels it, so that a listing finds it.
        gh.set_issue_labels_in("acme/api", number, &["postmortem"]);
    }
    // In acme/web, hubot's look-alike of a task there counts: the task has its issue.
    let web_task = "2023-05-10-network-misconfiguration/";
    let tasks_of = |yaml: &str| -> Vec<String> {
        let tasks = &yaml[yaml.find("\ntasks:\n").expect("tasks")..];
        (tasks.lines())
            .filter_map(|l| l.strip_prefix("  - id: "))
            .map(str::to_string)
            .collect()
    };
    let dir = routed_examples();
    let first = tasks_of(
        &std::fs::read_to_string(file(dir.path(), "2023-05-10-network-misconfiguration"))
            .expect("the example"),
    )[0]
    .clone();
    let adopted = gh.seed_issue(
        crate::support::emulator::COLLAB_TOKEN,
        "Network monitoring",
        &format!("<!-- aftercare:task={web_task}{first} -->"),
        &["postmortem"],
    );
    let out = sync(&gh, dir.path());
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        last_line(&out),
        "created 33, updated 1, closed 0, reopened 0, unchanged 0"
    );
    assert!(
        out.stdout
            .contains(&format!("update #{adopted} {web_task}{first}: ")),
        "{}",
        out.stdout
    );
    let warnings = out
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning: ignored issue acme/api#"))
        .count();
    assert_eq!(warnings, 2, "{}", out.stderr);
}

#[test]
fn check_rejects_a_repo_the_tracker_cannot_name_at_its_place() {
    let dir = copy_of_examples();
    append(dir.path(), API_POSTMORTEM, "repo: api\n");
    let out = Aftercare::new(dir.path()).arg("check").run();
    assert_eq!(out.code, 1, "{out:#?}");
    let lines = std::fs::read_to_string(file(dir.path(), API_POSTMORTEM))
        .expect("the example")
        .lines()
        .count();
    assert!(
        out.stdout.contains(&format!(
            "postmortems/{API_POSTMORTEM}.yaml:{lines}:7: error: `repo` `api` is not a GitHub \
             repository: expected `owner/name`"
        )),
        "{}",
        out.stdout
    );
    // sync stops before any request.
    let sync = Aftercare::new(dir.path()).args(["sync", "--dry-run"]).run();
    assert_eq!(sync.code, 1, "{sync:#?}");
}

#[test]
fn remind_comments_once_on_an_overdue_tasks_issue_in_its_own_repository() {
    let gh = Emulator::start_blocking();
    three_repositories(&gh);
    let dir = routed_examples();
    // The task in acme/ops is overdue and owned by hubot.
    let path = file(dir.path(), "2023-05-10-ddos-database-overload");
    let yaml = std::fs::read_to_string(&path).expect("the example");
    let yaml = yaml.replacen(
        "    repo: acme/ops\n",
        "    repo: acme/ops\n    owner: hubot\n    due: 2023-06-10\n",
        1,
    );
    std::fs::write(&path, yaml).expect("written");
    assert_eq!(sync(&gh, dir.path()).code, 0);
    let remind = || {
        Aftercare::new(dir.path())
            .args(["remind", "--write-interval-ms", "0"])
            .env("GITHUB_API_URL", gh.url())
            .env("GITHUB_TOKEN", OWNER_TOKEN)
            .env("GITHUB_REPOSITORY", "acme/web")
            .run()
    };
    for (action, counts) in [
        ("remind", "reminded 1, already reminded 0"),
        ("already reminded", "reminded 0, already reminded 1"),
    ] {
        let out = remind();
        assert_eq!(out.code, 0, "{out:#?}");
        assert_eq!(
            out.stdout,
            format!(
                "{action} acme/ops#1 {OPS_TASK} (@hubot): overdue since 2023-06-11\n{counts}\n"
            )
        );
    }
    let comments = &gh.issues_in("acme/ops")[0].comments;
    assert_eq!(comments.len(), 1, "{comments:#?}");
    assert!(comments[0].contains("@hubot"), "{}", comments[0]);
    // Nothing in the other repositories: no other task is overdue.
    assert!(gh.issues().iter().all(|i| i.comments.is_empty()));
}
