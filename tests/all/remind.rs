//! `aftercare remind` against the GitHub emulator: one comment per open, overdue task's issue
//! with the owner's `@login` (else the assignees), none on a task that is not overdue or is
//! closed, none on a second run, one more when a new due date passes, and an outsider's copy
//! of the marker not counting. The same against the GitLab emulator (notes, a Guest's copy of
//! the marker not counting) and the Jira one, Cloud and Data Center (mentions and markers in
//! each deployment's format, a copy by a user who may not edit issues not counting).

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

/// A directory with `aftercare.yml` (an SLO of 28 days for P1, then `config`) and the
/// postmortem, its `waf` task owned by `owner` and due on 2023-06-07.
fn tree(config: &str, owner: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("aftercare.yml"),
        format!("slo: {{P1: 28}}\n{config}"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("postmortems")).unwrap();
    std::fs::write(
        dir.path().join("postmortems/2023-05-10-ddos.yaml"),
        postmortem("2023-06-07").replace("owner: octocat", &format!("owner: {owner}")),
    )
    .unwrap();
    dir
}

fn fixture() -> tempfile::TempDir {
    tree("repo: acme/web\n", "octocat")
}

/// `aftercare ARGS` in `dir` with `env`, which must succeed.
async fn run_with(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> Outcome {
    let mut command = Aftercare::new(dir).args(args);
    for (key, value) in env {
        command = command.env(key, value);
    }
    let out = command.run_async().await;
    assert_eq!(out.code, 0, "{args:?}:\n{}\n{}", out.stdout, out.stderr);
    out
}

async fn run(dir: &Path, gh: &Emulator, args: &[&str]) -> Outcome {
    let url = gh.url();
    let env = [
        ("GITHUB_API_URL", url.as_str()),
        ("GITHUB_TOKEN", OWNER_TOKEN),
    ];
    run_with(dir, &env, args).await
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

mod gitlab {
    //! `remind` on GitLab: notes, `@username` mentions, and trust by membership from Reporter
    //! up.

    use std::path::Path;

    use crate::support::cli::Outcome;
    use crate::support::gitlab::{
        DEVELOPER_TOKEN, GUEST_TOKEN, GitLab, IssueChange, OWNER_TOKEN, PROJECT_PATH,
    };

    fn fixture(gl: &GitLab) -> tempfile::TempDir {
        let config = format!(
            "tracker:\n  kind: gitlab\n  url: {}\n  project: {PROJECT_PATH}\n",
            gl.url()
        );
        super::tree(&config, "devon")
    }

    async fn run(dir: &Path, args: &[&str]) -> Outcome {
        super::run_with(dir, &[("GITLAB_TOKEN", OWNER_TOKEN)], args).await
    }

    fn iid(gl: &GitLab, task: &str) -> u64 {
        gl.iid_of("2023-05-10-ddos", task)
    }

    fn notes(gl: &GitLab, iid: u64) -> Vec<String> {
        gl.issue(iid).expect("the issue").notes
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_runs_note_once_on_each_overdue_task_and_a_guest_s_marker_does_not_count() {
        let gl = GitLab::start().await;
        let dir = fixture(&gl);
        run(dir.path(), &["sync", "--write-interval-ms", "0"]).await;
        let (waf, pool, later, done) = (
            iid(&gl, "waf"),
            iid(&gl, "pool"),
            iid(&gl, "later"),
            iid(&gl, "done"),
        );
        gl.close_issue(done);
        let rita = gl.user_id("rita");
        gl.edit_as(
            DEVELOPER_TOKEN,
            pool,
            IssueChange {
                assignees: Some(vec![rita]),
                ..IssueChange::default()
            },
        );
        // A Guest (below Reporter) copies the marker: it does not count as a reminder.
        gl.add_note(
            GUEST_TOKEN,
            waf,
            "<!-- aftercare:reminder due=2023-06-07 -->",
        );

        let first = run(dir.path(), super::REMIND).await;
        assert_eq!(
            first.stdout,
            format!(
                "remind #{waf} 2023-05-10-ddos/waf (@devon): overdue since 2023-06-08\n\
                 remind #{pool} 2023-05-10-ddos/pool (@rita): overdue since 2023-06-09\n\
                 reminded 2, already reminded 0\n"
            )
        );
        gl.clear_requests();
        let second = run(dir.path(), super::REMIND).await;
        assert_eq!(
            second.stdout,
            format!(
                "already reminded #{waf} 2023-05-10-ddos/waf (@devon): overdue since 2023-06-08\n\
                 already reminded #{pool} 2023-05-10-ddos/pool (@rita): overdue since 2023-06-09\n\
                 reminded 0, already reminded 2\n"
            )
        );
        assert_eq!(
            gl.requests().iter().filter(|r| r.method != "GET").count(),
            0,
            "a second run writes nothing"
        );
        // The notes are read oldest first, every page.
        assert!(
            gl.requests()
                .iter()
                .filter(|r| r.path.ends_with("/notes"))
                .all(|r| r.query.contains("sort=asc") && r.query.contains("per_page=100")),
            "{:#?}",
            gl.requests()
        );

        let waf_notes = notes(&gl, waf);
        assert_eq!(waf_notes.len(), 2, "{waf_notes:?}");
        assert_eq!(
            waf_notes[1],
            format!(
                "@devon: this corrective task is overdue since 2023-06-08: it was due on \
                 2023-06-07 and is still open.\n\nIt follows from the incident [DDoS on the web \
                 tier]({}/{PROJECT_PATH}/-/blob/HEAD/postmortems/2023-05-10-ddos.yaml). Close \
                 this issue when it is done, or change `due` in the postmortem if the plan \
                 changed.\n\n<!-- aftercare:reminder due=2023-06-07 -->\n",
                gl.url()
            )
        );
        assert!(notes(&gl, pool)[0].starts_with("@rita: this corrective task is overdue"));
        assert_eq!(notes(&gl, later), Vec::<String>::new());
        assert_eq!(notes(&gl, done), Vec::<String>::new());
    }
}

mod jira {
    //! `remind` on Jira Cloud and Data Center: mentions as the deployment writes them, the
    //! marker in a form Jira keeps, and only comments by users who may edit issues counting.

    use std::path::Path;

    use serde_json::{Value, json};

    use crate::support::cli::Outcome;
    use crate::support::http::contract;
    use crate::support::jira::{BOT_EMAIL, BOT_TOKEN, Deployment, Jira};

    fn fixture(jira: &Jira, deployment: Deployment) -> tempfile::TempDir {
        let d = match deployment {
            Deployment::Cloud => "cloud",
            Deployment::DataCenter => "datacenter",
        };
        let config = format!(
            "tracker:\n  kind: jira\n  url: {}\n  project: OPS\n  deployment: {d}\n",
            jira.url()
        );
        super::tree(&config, "alice")
    }

    async fn run(deployment: Deployment, dir: &Path, args: &[&str]) -> Outcome {
        let env: &[(&str, &str)] = match deployment {
            // On Cloud the postmortem is linked, as in a GitHub Actions run.
            Deployment::Cloud => &[
                ("JIRA_EMAIL", BOT_EMAIL),
                ("JIRA_API_TOKEN", BOT_TOKEN),
                ("GITHUB_REPOSITORY", "acme/web"),
            ],
            Deployment::DataCenter => &[("JIRA_TOKEN", BOT_TOKEN)],
        };
        super::run_with(dir, env, args).await
    }

    fn comments(jira: &Jira, key: &str) -> Vec<Value> {
        let issue = jira.issues().into_iter().find(|i| i.key == key).unwrap();
        issue.comments.into_iter().map(|c| c.body).collect()
    }

    /// Mallory (who may not edit issues) copies the reminder's marker onto `OPS-1`.
    fn forge_marker(jira: &Jira, deployment: Deployment) {
        let body = match deployment {
            Deployment::Cloud => json!({"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "aftercare reminder, due 2023-06-07"}]}]}),
            Deployment::DataCenter => json!("{anchor:aftercare-reminder-2023-06-07}"),
        };
        jira.seed_comment("mallory", "OPS-1", body);
    }

    async fn two_runs_comment_once(deployment: Deployment) -> Jira {
        let jira = Jira::start(deployment).await;
        let dir = fixture(&jira, deployment);
        run(
            deployment,
            dir.path(),
            &["sync", "--write-interval-ms", "0"],
        )
        .await;
        // waf: OPS-1, pool: OPS-2, later: OPS-3, done: OPS-4.
        jira.set_status("OPS-4", "Done", Some("Done"));
        forge_marker(&jira, deployment);

        let first = run(deployment, dir.path(), super::REMIND).await;
        assert_eq!(
            first.stdout,
            "remind OPS-1 2023-05-10-ddos/waf (@alice): overdue since 2023-06-08\n\
             remind OPS-2 2023-05-10-ddos/pool: overdue since 2023-06-09\n\
             reminded 2, already reminded 0\n"
        );
        let second = run(deployment, dir.path(), super::REMIND).await;
        assert_eq!(
            second.stdout,
            "already reminded OPS-1 2023-05-10-ddos/waf (@alice): overdue since 2023-06-08\n\
             already reminded OPS-2 2023-05-10-ddos/pool: overdue since 2023-06-09\n\
             reminded 0, already reminded 2\n"
        );
        assert_eq!(comments(&jira, "OPS-1").len(), 2);
        assert_eq!(comments(&jira, "OPS-2").len(), 1);
        assert_eq!(comments(&jira, "OPS-3"), Vec::<Value>::new());
        assert_eq!(comments(&jira, "OPS-4"), Vec::<Value>::new());
        jira
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cloud_mentions_the_owner_s_account_and_comments_once() {
        let jira = two_runs_comment_once(Deployment::Cloud).await;
        let text = |t: &str| json!({"type": "text", "text": t});
        assert_eq!(
            comments(&jira, "OPS-1")[1],
            json!({"type": "doc", "version": 1, "content": [
                {"type": "paragraph", "content": [
                    {"type": "mention", "attrs": {"id": "acc-alice", "text": "@alice"}},
                    text(": this corrective task is overdue since 2023-06-08: it was due on \
                          2023-06-07 and is still open.")]},
                {"type": "paragraph", "content": [
                    text("It follows from the incident "),
                    {"type": "text", "text": "DDoS on the web tier", "marks": [{"type": "link",
                     "attrs": {"href": "https://github.com/acme/web/blob/HEAD/postmortems/\
                                        2023-05-10-ddos.yaml"}}]},
                    text(". Close this issue when it is done, or change "),
                    {"type": "text", "text": "due", "marks": [{"type": "code"}]},
                    text(" in the postmortem if the plan changed.")]},
                {"type": "paragraph", "content": [
                    {"type": "text", "text": "aftercare reminder, due 2023-06-07",
                     "marks": [{"type": "em"}]}]}]})
        );
        assert_eq!(
            comments(&jira, "OPS-2")[0]["content"][0]["content"],
            json!([text(
                "This corrective task is overdue since 2023-06-09: it was due on 2023-06-08 \
                 and is still open."
            )])
        );
        // The comment pages aftercare read are as Jira Cloud's description has them.
        let Some(doc) = contract::description_from_env("AFTERCARE_JIRA_OPENAPI") else {
            return;
        };
        let template = "/rest/api/3/issue/{issueIdOrKey}/comment";
        let mut checked = 0;
        for r in jira
            .requests()
            .into_iter()
            .filter(|r| r.path.ends_with("/comment"))
        {
            let method = r.method.to_lowercase();
            let schema = contract::response_schema(&doc, &method, template, r.status)
                .unwrap()
                .expect("a documented answer");
            assert_eq!(
                contract::check(&doc, schema, &r.body),
                Vec::<String>::new(),
                "{} {}",
                r.method,
                r.path
            );
            checked += 1;
        }
        // Four reads (two issues, two runs) and two comments.
        assert_eq!(checked, 6);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn data_center_mentions_the_username_and_hides_the_marker_in_an_anchor() {
        let jira = two_runs_comment_once(Deployment::DataCenter).await;
        assert_eq!(
            comments(&jira, "OPS-1")[1],
            json!(
                "[~alice]: this corrective task is overdue since 2023-06-08: it was due on \
                 2023-06-07 and is still open.\n\nIt follows from the incident DDoS on the web \
                 tier. Close this issue when it is done, or change {{due}} in the postmortem if \
                 the plan changed.\n\n{anchor:aftercare-reminder-2023-06-07}\n"
            )
        );
    }
}
