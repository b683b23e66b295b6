//! `aftercare remind` against the GitHub emulator: one comment per open, overdue task's issue
//! with the owner's `@login` (else the assignees), none on a task that is not overdue or is
//! closed, none on a second run, one more when a new due date passes, and an outsider's copy
//! of the marker not counting.

use std::path::Path;

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::task_marker;

use crate::support::cli::{Aftercare, Outcome};
use crate::support::emulator::{Emulator, OUTSIDER_TOKEN, OWNER_TOKEN};

fn postmortem(first_due: &str) -> String {
    format!(
        "id: 2023-05-10-ddos
title: DDoS on the web tier
ended: 2023-05-11
impact:
  summary: Slow pages.
root_cause: No rate limits.
tasks:
  - id: waf
    title: Evaluate a WAF
    owner: octocat
    due: {first_due}
  - id: pool
    title: Raise the pool size
    priority: P1
  - id: later
    title: Run a drill
    due: 2999-01-01
  - id: done
    title: Write a runbook
    due: 2020-01-01
"
    )
}

fn write_postmortem(dir: &Path, first_due: &str) {
    std::fs::write(
        dir.join("postmortems/2023-05-10-ddos.yaml"),
        postmortem(first_due),
    )
    .unwrap();
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aftercare.yml"),
        "repo: acme/web\nslo: {P1: 28}\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("postmortems")).unwrap();
    write_postmortem(dir.path(), "2023-06-07");
    dir
}

async fn run(dir: &Path, gh: &Emulator, args: &[&str]) -> Outcome {
    let out = Aftercare::new(dir)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", OWNER_TOKEN)
        .args(args)
        .run_async()
        .await;
    assert_eq!(out.code, 0, "{args:?}:\n{}\n{}", out.stdout, out.stderr);
    out
}

fn number(gh: &Emulator, task: &str) -> u64 {
    let marker = task_marker(&TaskKey::new("2023-05-10-ddos", task));
    gh.issues()
        .into_iter()
        .find(|i| i.body.contains(&marker))
        .map(|i| i.number)
        .expect("an issue for the task")
}

fn comments(gh: &Emulator, number: u64) -> Vec<String> {
    gh.issue(number).expect("the issue").comments
}

const REMIND: &[&str] = &["remind", "--write-interval-ms", "0"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_comment_once_on_each_overdue_task_and_never_on_others() {
    let gh = Emulator::start().await;
    let dir = fixture();
    run(dir.path(), &gh, &["sync", "--write-interval-ms", "0"]).await;
    let (waf, pool, later, done) = (
        number(&gh, "waf"),
        number(&gh, "pool"),
        number(&gh, "later"),
        number(&gh, "done"),
    );
    gh.close_issue(done, "completed");
    gh.set_issue_assignees(pool, &["hubot"]);
    // An outsider's copy of the marker does not count as a reminder.
    gh.seed_comment(
        OUTSIDER_TOKEN,
        waf,
        "<!-- aftercare:reminder due=2023-06-07 -->",
    );

    let dry = run(dir.path(), &gh, &["remind", "--dry-run"]).await;
    assert_eq!(
        dry.stdout,
        format!(
            "would remind #{waf} 2023-05-10-ddos/waf (@octocat): overdue since 2023-06-08\n\
             would remind #{pool} 2023-05-10-ddos/pool (@hubot): overdue since 2023-06-09\n\
             reminded 2, already reminded 0\n"
        )
    );
    assert_eq!(comments(&gh, waf).len(), 1, "a dry run writes nothing");

    let first = run(dir.path(), &gh, REMIND).await;
    assert_eq!(
        first.stdout,
        format!(
            "remind #{waf} 2023-05-10-ddos/waf (@octocat): overdue since 2023-06-08\n\
             remind #{pool} 2023-05-10-ddos/pool (@hubot): overdue since 2023-06-09\n\
             reminded 2, already reminded 0\n"
        )
    );
    let second = run(dir.path(), &gh, REMIND).await;
    assert_eq!(
        second.stdout,
        format!(
            "already reminded #{waf} 2023-05-10-ddos/waf (@octocat): overdue since 2023-06-08\n\
             already reminded #{pool} 2023-05-10-ddos/pool (@hubot): overdue since 2023-06-09\n\
             reminded 0, already reminded 2\n"
        )
    );
    let waf_comments = comments(&gh, waf);
    assert_eq!(waf_comments.len(), 2, "{waf_comments:?}");
    assert_eq!(
        waf_comments[1],
        "@octocat: this corrective task is overdue since 2023-06-08: it was due on 2023-06-07 \
         and is still open.\n\nIt follows from the incident [DDoS on the web \
         tier](https://github.com/acme/web/blob/HEAD/postmortems/2023-05-10-ddos.yaml). Close \
         this issue when it is done, or change `due` in the postmortem if the plan \
         changed.\n\n<!-- aftercare:reminder due=2023-06-07 -->\n"
    );
    assert!(comments(&gh, pool)[0].starts_with("@hubot: this corrective task is overdue"));
    assert_eq!(comments(&gh, later), Vec::<String>::new());
    assert_eq!(comments(&gh, done), Vec::<String>::new());

    // A new due date that passes earns one new reminder.
    write_postmortem(dir.path(), "2024-01-31");
    let third = run(
        dir.path(),
        &gh,
        &["remind", "--format", "json", "--write-interval-ms", "0"],
    )
    .await;
    let report: serde_json::Value = serde_json::from_str(&third.stdout).unwrap();
    assert_eq!(
        report["summary"],
        serde_json::json!({"reminded": 1, "already_reminded": 1})
    );
    assert_eq!(report["reminders"][0]["due"], "2024-01-31");
    assert_eq!(report["reminders"][0]["action"], "remind");
    assert_eq!(comments(&gh, waf).len(), 3);
}
