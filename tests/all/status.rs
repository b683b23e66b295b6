//! `aftercare status` against the GitHub emulator: after a sync, with issues closed as
//! completed, not planned and duplicate and one reopened, every count of the JSON; the overdue
//! rule with `due` and with `slo`; an outsider's look-alike not counting; the badge; the README
//! section; the job summary and annotations; `--fail-on-overdue`; and the request budget of a
//! 5,000-task status.
//!
//! Each test builds its own fixture tree in a temporary directory and never touches the
//! repository's files.

use std::path::Path;

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::task_marker;
use serde_json::{Value, json};

use crate::support::cli::{Aftercare, Outcome};
use crate::support::emulator::{COLLAB_TOKEN, Emulator, OUTSIDER_TOKEN, OWNER_TOKEN};

const CONFIG: &str = "repo: acme/web\nlabels: [postmortem]\nslo:\n  P1: 28\n";

/// Tasks: an open P1 overdue by its `due`, an open P1 overdue by the SLO (ended 2023-05-11, so
/// due 2023-06-08), an open P2 with no due date (no SLO for P2), and four that the tests close.
const DDOS: &str = r#"id: 2023-05-10-ddos
title: DDoS on the web tier
status: published
started: 2023-05-10T14:00:00Z
ended: 2023-05-11T02:00:00Z
impact:
  summary: The site was slow.
root_cause: A DDoS attack.
tasks:
  - id: evaluate-waf
    title: Evaluate a WAF
    priority: P1
    owner: octocat
    due: 2023-06-07
  - id: pool-size
    title: Raise the database pool size
    priority: P1
  - id: rate-limit
    title: Rate-limit the login endpoint
    priority: P2
  - id: drill
    title: Run a DDoS drill
    priority: P3
    due: 2999-01-01
  - id: runbook
    title: Write a runbook
  - id: dashboards
    title: Build dashboards
  - id: paging
    title: Page the network team
    priority: P1
    due: 2999-01-01
"#;

/// A task with a hostile title, open and overdue but only P2.
const DNS: &str = r#"id: 2024-03-09-dns
title: "DNS <b>outage</b> | [x](y)"
status: published
started: 2024-03-09
impact:
  summary: Names did not resolve.
root_cause: A bad TTL.
related: [2023-05-10-ddos]
tasks:
  - id: ttl
    title: Lower the TTL
  - id: cache
    title: "<script>&\"'| ] ( [x](javascript:alert(1))"
    priority: P2
    due: 2020-01-01
"#;

const DRAFT: &str = r#"id: 2025-01-01-draft
title: Not written yet
status: draft
impact:
  summary: Unknown.
root_cause: Unknown.
tasks:
  - id: later
    title: Decide later
"#;

/// The same as the last task of DDOS plus one more, which sync has not seen yet.
const NEW_TASK: &str =
    "  - id: new-task\n    title: Add an alert\n    priority: P1\n    due: 2020-01-01\n";

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "aftercare.yml", CONFIG);
    write(dir.path(), "postmortems/2023-05-10-ddos.yaml", DDOS);
    write(dir.path(), "postmortems/2024-03-09-dns.yaml", DNS);
    write(dir.path(), "postmortems/2025-01-01-draft.yaml", DRAFT);
    dir
}

fn aftercare(dir: &Path, gh: &Emulator) -> Aftercare {
    Aftercare::new(dir)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", OWNER_TOKEN)
}

async fn sync(dir: &Path, gh: &Emulator) {
    let out = aftercare(dir, gh)
        .args(["sync", "--write-interval-ms", "0"])
        .run_async()
        .await;
    assert_eq!(out.code, 0, "sync failed:\n{}\n{}", out.stdout, out.stderr);
}

async fn status(dir: &Path, gh: &Emulator, args: &[&str]) -> Outcome {
    aftercare(dir, gh)
        .arg("status")
        .args(args)
        .run_async()
        .await
}

/// The number of the issue whose body carries the marker of `pm/task`, authored by octocat.
fn number(gh: &Emulator, pm: &str, task: &str) -> u64 {
    let marker = task_marker(&TaskKey::new(pm, task));
    let found: Vec<u64> = gh
        .issues()
        .into_iter()
        .filter(|i| i.author == "octocat" && i.body.contains(&marker))
        .map(|i| i.number)
        .collect();
    assert_eq!(found.len(), 1, "issues for {pm}/{task}: {found:?}");
    found[0]
}

/// Syncs the fixture, then closes and reopens issues as people would.
async fn synced_and_closed(dir: &Path, gh: &Emulator) {
    sync(dir, gh).await;
    let ddos = "2023-05-10-ddos";
    gh.close_issue(number(gh, ddos, "drill"), "completed");
    gh.close_issue(number(gh, ddos, "runbook"), "not_planned");
    gh.close_issue(number(gh, ddos, "dashboards"), "duplicate");
    let paging = number(gh, ddos, "paging");
    gh.close_issue(paging, "completed");
    gh.reopen_issue(paging);
    gh.close_issue(number(gh, "2024-03-09-dns", "ttl"), "completed");
}

fn json_of(out: &Outcome) -> Value {
    assert!(
        out.code == 0 || out.code == 2,
        "status failed ({}):\n{}\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", out.stdout))
}

/// One expected item of the JSON, its fields in the documented order.
#[allow(clippy::too_many_arguments)]
fn item(
    id: &str,
    title: &str,
    state: &str,
    issue: Option<u64>,
    owner: Option<&str>,
    priority: Option<&str>,
    due: Option<&str>,
    overdue: bool,
) -> Value {
    json!({
        "id": id, "title": title, "state": state, "issue": issue,
        "ref": issue.map(|n| format!("#{n}")),
        "url": issue.map(|n| format!("https://github.com/acme/web/issues/{n}")),
        "repo": "acme/web",
        "owner": owner, "priority": priority, "due": due, "overdue": overdue,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_counts_every_state_after_closing_reopening_and_an_outsiders_look_alike() {
    let gh = Emulator::start().await;
    let dir = fixture();
    synced_and_closed(dir.path(), &gh).await;
    // A task added after the sync has no issue; an outsider's issue carrying its marker must
    // not count, or the task would be `open`.
    write(
        dir.path(),
        "postmortems/2023-05-10-ddos.yaml",
        &format!("{DDOS}{NEW_TASK}"),
    );
    let ddos = "2023-05-10-ddos";
    let look_alike = gh.seed_issue(
        OUTSIDER_TOKEN,
        "Add an alert",
        &format!(
            "done!\n\n{}\n",
            task_marker(&TaskKey::new(ddos, "new-task"))
        ),
        &["postmortem"],
    );
    // Without push access its label was dropped; a triager puts it back, so it is listed.
    gh.set_issue_labels(look_alike, &["postmortem"]);
    let n = |pm: &str, task: &str| number(&gh, pm, task);

    let out = status(dir.path(), &gh, &["--format", "json"]).await;
    let mut report = json_of(&out);
    assert!(
        report["generated_at"]
            .as_str()
            .is_some_and(|t| t.len() == 20 && t.ends_with('Z')),
        "{}",
        report["generated_at"]
    );
    report["generated_at"] = json!("fixed");
    let expected = json!({
        "repo": "acme/web",
        "generated_at": "fixed",
        "totals": {"postmortems": 2, "tasks": 10, "done": 2, "open": 5, "dropped": 2,
                   "missing": 1, "unverified": 0, "overdue": 3, "percent": 25.0},
        "incidents": [
            {
                "id": ddos, "title": "DDoS on the web tier",
                "file": "postmortems/2023-05-10-ddos.yaml",
                "tasks": 8, "done": 1, "open": 4, "dropped": 2, "missing": 1, "unverified": 0, "overdue": 2,
                "percent": 16.7,
                "items": [
                    item("evaluate-waf", "Evaluate a WAF", "open", Some(n(ddos, "evaluate-waf")),
                         Some("octocat"), Some("P1"), Some("2023-06-07"), true),
                    item("pool-size", "Raise the database pool size", "open",
                         Some(n(ddos, "pool-size")), None, Some("P1"), Some("2023-06-08"), true),
                    item("rate-limit", "Rate-limit the login endpoint", "open",
                         Some(n(ddos, "rate-limit")), None, Some("P2"), None, false),
                    item("drill", "Run a DDoS drill", "done", Some(n(ddos, "drill")), None,
                         Some("P3"), Some("2999-01-01"), false),
                    item("runbook", "Write a runbook", "dropped", Some(n(ddos, "runbook")), None,
                         None, None, false),
                    item("dashboards", "Build dashboards", "dropped", Some(n(ddos, "dashboards")),
                         None, None, None, false),
                    item("paging", "Page the network team", "open", Some(n(ddos, "paging")), None,
                         Some("P1"), Some("2999-01-01"), false),
                    item("new-task", "Add an alert", "missing", None, None, Some("P1"),
                         Some("2020-01-01"), false),
                ],
                "related": []
            },
            {
                "id": "2024-03-09-dns", "title": "DNS <b>outage</b> | [x](y)",
                "file": "postmortems/2024-03-09-dns.yaml",
                "tasks": 2, "done": 1, "open": 1, "dropped": 0, "missing": 0, "unverified": 0, "overdue": 1,
                "percent": 50.0,
                "items": [
                    item("ttl", "Lower the TTL", "done", Some(n("2024-03-09-dns", "ttl")), None,
                         None, None, false),
                    item("cache", "<script>&\"'| ] ( [x](javascript:alert(1))", "open",
                         Some(n("2024-03-09-dns", "cache")), None, Some("P2"),
                         Some("2020-01-01"), true),
                ],
                "related": [
                    {"id": ddos, "title": "DDoS on the web tier", "open": 5, "done": 1}
                ]
            }
        ]
    });
    assert_eq!(report, expected);
    assert_eq!(
        out.stderr,
        format!(
            "warning: ignored issue #{look_alike} marked for task {ddos}/new-task: its author \
             mallory is neither this token's account nor a repository owner, member or \
             collaborator\n"
        )
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_report_and_fail_on_overdue_exit_code() {
    let gh = Emulator::start().await;
    let dir = fixture();
    synced_and_closed(dir.path(), &gh).await;
    let ddos = "2023-05-10-ddos";
    let (waf, pool, cache) = (
        number(&gh, ddos, "evaluate-waf"),
        number(&gh, ddos, "pool-size"),
        number(&gh, "2024-03-09-dns", "cache"),
    );
    let writes_before = gh.requests().iter().filter(|r| r.method != "GET").count();

    let out = status(dir.path(), &gh, &["--fail-on-overdue"]).await;
    assert_eq!(out.code, 2, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        out.stderr,
        "error: 2 P1 tasks are overdue (--fail-on-overdue)\n"
    );
    let expected = format!(
        "\
Corrective actions in acme/web: 2 of 7 done (28.6%), 3 overdue

INCIDENT         TASKS  DONE  OPEN  DROPPED  MISSING  OVERDUE  PERCENT  TITLE
2023-05-10-ddos      7     1     4        2        0        2      20%  DDoS on the web tier
2024-03-09-dns       2     1     1        0        0        1      50%  DNS <b>outage</b> | [x](y)
total                9     2     5        2        0        3    28.6%

2024-03-09-dns cites 1 incident(s) with open follow-ups: 2023-05-10-ddos (4 open)

Overdue tasks (3):
  2023-05-10-ddos/evaluate-waf  P1  due 2023-06-07  #{waf}  octocat  Evaluate a WAF
  2023-05-10-ddos/pool-size     P1  due 2023-06-08  #{pool}  -        Raise the database pool size
  2024-03-09-dns/cache          P2  due 2020-01-01  #{cache}  -        <script>&\"'| ] ( [x](javascript:alert(1))
"
    );
    assert_eq!(out.stdout, expected);

    // Without the flag, overdue tasks are reported but do not fail the run.
    assert_eq!(status(dir.path(), &gh, &[]).await.code, 0);

    // With the P1 tasks done, only a P2 task is overdue: the gate passes.
    gh.close_issue(waf, "completed");
    gh.close_issue(pool, "not_planned");
    let out = status(dir.path(), &gh, &["--fail-on-overdue", "--format", "json"]).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let report = json_of(&out);
    assert_eq!(report["totals"]["overdue"], 1);
    assert_eq!(report["totals"]["percent"], 50.0);
    let writes_after = gh.requests().iter().filter(|r| r.method != "GET").count();
    assert_eq!(
        writes_after, writes_before,
        "status must not write to GitHub"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn badge_and_readme_section_are_escaped_coloured_and_idempotent() {
    let gh = Emulator::start().await;
    let dir = fixture();
    synced_and_closed(dir.path(), &gh).await;
    let before = "# Project <b>&amp;</b>\n\nIntro | [x](y)\n\n<!-- aftercare:status:start -->\nstale\n<!-- aftercare:status:end -->\n\nThe end.\n";
    write(dir.path(), "docs/README.md", before);

    let args = [
        "--readme",
        "docs/README.md",
        "--badge",
        "docs/status.svg",
        "--format",
        "json",
    ];
    let out = status(dir.path(), &gh, &args).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);

    let svg = std::fs::read_to_string(dir.path().join("docs/status.svg")).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the badge is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.attribute("aria-label"),
        Some("corrective actions: 2/7 done")
    );
    let title = root.children().find(|n| n.has_tag_name("title")).unwrap();
    assert_eq!(title.text(), Some("corrective actions: 2/7 done"));
    assert!(
        svg.contains("fill=\"#e05d44\""),
        "red: a P1 task is overdue\n{svg}"
    );
    assert!(!svg.contains("href"), "self-contained: {svg}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("docs/status.json")).unwrap(),
        "{\"schemaVersion\":1,\"label\":\"corrective actions\",\"message\":\"2/7 done\",\"color\":\"red\"}\n"
    );

    let readme = std::fs::read_to_string(dir.path().join("docs/README.md")).unwrap();
    let section = "<!-- aftercare:status:start -->
![corrective actions: 2/7 done](status.svg)

| Incident | Done | Progress | Overdue |
| --- | ---: | --- | ---: |
| [DDoS on the web tier](../postmortems/2023-05-10-ddos.yaml) | 1/5 | ▓▓░░░░░░░░ 20% | 2 |
| [DNS &lt;b&gt;outage&lt;/b&gt; \\| \\[x\\]\\(y\\)](../postmortems/2024-03-09-dns.yaml) | 1/2 | ▓▓▓▓▓░░░░░ 50% | 1 |
| **Total** | 2/7 | ▓▓░░░░░░░░ 28.6% | 3 |

<!-- aftercare:status:end -->";
    assert_eq!(
        readme,
        format!("# Project <b>&amp;</b>\n\nIntro | [x](y)\n\n{section}\n\nThe end.\n")
    );

    // A second run with nothing changed leaves both files alone, down to their times.
    let modified = |p: &str| {
        std::fs::metadata(dir.path().join(p))
            .unwrap()
            .modified()
            .unwrap()
    };
    let times = (modified("docs/README.md"), modified("docs/status.svg"));
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = status(dir.path(), &gh, &args).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("docs/README.md")).unwrap(),
        readme
    );
    assert_eq!(
        (modified("docs/README.md"), modified("docs/status.svg")),
        times
    );

    // Once every P1 task is done the colour follows the percentage: 4 of 7 is 57%, yellow.
    for task in ["evaluate-waf", "pool-size"] {
        gh.close_issue(number(&gh, "2023-05-10-ddos", task), "completed");
    }
    let out = status(dir.path(), &gh, &args).await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let svg = std::fs::read_to_string(dir.path().join("docs/status.svg")).unwrap();
    assert!(svg.contains("fill=\"#dfb317\""), "yellow\n{svg}");
    assert!(
        std::fs::read_to_string(dir.path().join("docs/README.md"))
            .unwrap()
            .contains("| **Total** | 4/7 | ▓▓▓▓▓░░░░░ 57.1% | 1 |")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readme_without_markers_fails_and_is_left_untouched() {
    let gh = Emulator::start().await;
    let dir = fixture();
    sync(dir.path(), &gh).await;
    write(dir.path(), "README.md", "# Project\n");
    let out = status(
        dir.path(),
        &gh,
        &["--readme", "README.md", "--badge", "badge.svg"],
    )
    .await;
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert_eq!(
        out.stderr,
        "error: cannot update README.md: the markers <!-- aftercare:status:start --> and \
         <!-- aftercare:status:end --> are missing; add them where the status should go\n"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("README.md")).unwrap(),
        "# Project\n"
    );
    assert!(!dir.path().join("badge.svg").exists(), "nothing is written");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_actions_gets_a_job_summary_and_annotations_at_the_task_lines() {
    let gh = Emulator::start().await;
    let dir = fixture();
    synced_and_closed(dir.path(), &gh).await;
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let waf = number(&gh, "2023-05-10-ddos", "evaluate-waf");
    let pool = number(&gh, "2023-05-10-ddos", "pool-size");
    let cache = number(&gh, "2024-03-09-dns", "cache");
    let warnings = format!(
        "::warning file=postmortems/2023-05-10-ddos.yaml,line=10,title=Overdue corrective task::\
         Evaluate a WAF (2023-05-10-ddos/evaluate-waf, P1) was due 2023-06-07 and is still open: \
         #{waf} https://github.com/acme/web/issues/{waf}\n\
         ::warning file=postmortems/2023-05-10-ddos.yaml,line=15,title=Overdue corrective task::\
         Raise the database pool size (2023-05-10-ddos/pool-size, P1) was due 2023-06-08 and is \
         still open: #{pool} https://github.com/acme/web/issues/{pool}\n\
         ::warning file=postmortems/2024-03-09-dns.yaml,line=12,title=Overdue corrective task::\
         <script>&\"'| ] ( [x](javascript:alert(1)) (2024-03-09-dns/cache, P2) was due \
         2020-01-01 and is still open: #{cache} https://github.com/acme/web/issues/{cache}\n"
    );

    let out = aftercare(dir.path(), &gh)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .args(["status", "--format", "markdown"])
        .run_async()
        .await;
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let markdown = out
        .stdout
        .strip_suffix(&warnings)
        .unwrap_or_else(|| panic!("the annotations end standard output:\n{}", out.stdout));
    assert!(markdown.starts_with("### Corrective actions in acme/web: 2/7 done (28.6%)\n"));
    assert!(markdown.contains(
        "\n| [DNS &lt;b&gt;outage&lt;/b&gt; \\| \\[x\\]\\(y\\)](https://github.com/acme/web/blob/HEAD/postmortems/2024-03-09-dns.yaml) | 1/2 | ▓▓▓▓▓░░░░░ 50% | 1 | 0 | 0 | 1 |\n"
    ), "{markdown}");
    assert!(markdown.contains(
        "| &lt;script&gt;&amp;\"'\\| \\] \\( \\[x\\]\\(javascript:alert\\(1\\)\\) | DNS &lt;b&gt;outage&lt;/b&gt; \\| \\[x\\]\\(y\\) | P2 | 2020-01-01 |"
    ));
    assert_eq!(
        std::fs::read_to_string(&summary).unwrap(),
        format!("earlier step\n{markdown}")
    );

    // With JSON on standard output the annotations go to standard error, keeping it parseable.
    let out = aftercare(dir.path(), &gh)
        .env("GITHUB_ACTIONS", "true")
        .args(["status", "--format", "json"])
        .run_async()
        .await;
    assert_eq!(json_of(&out)["totals"]["overdue"], 3);
    assert_eq!(out.stderr, warnings);

    // Outside GitHub Actions there are no annotations.
    let out = status(dir.path(), &gh, &[]).await;
    assert!(!out.stdout.contains("::warning"), "{}", out.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_of_5000_tasks_costs_the_pages_of_issues_plus_two_requests() {
    const POSTMORTEMS: usize = 50;
    const TASKS: usize = 100;
    let gh = Emulator::start().await;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "aftercare.yml", CONFIG);
    for p in 0..POSTMORTEMS {
        let id = format!("2024-01-01-incident-{p:02}");
        let mut yaml = format!(
            "id: {id}\ntitle: Incident {p}\nstatus: published\nended: 2024-01-02\nimpact:\n  \
             summary: Slow.\nroot_cause: Load.\ntasks:\n"
        );
        for t in 0..TASKS {
            yaml.push_str(&format!(
                "  - id: task-{t:03}\n    title: Task {t}\n    priority: P1\n"
            ));
            // Issues opened by a collaborator, who is trusted; every tenth one is done.
            let number = gh.seed_issue(
                COLLAB_TOKEN,
                &format!("Task {t}"),
                &task_marker(&TaskKey::new(&id, &format!("task-{t:03}"))),
                &["postmortem"],
            );
            if t % 10 == 0 {
                gh.close_issue(number, "completed");
            }
        }
        write(dir.path(), &format!("postmortems/{id}.yaml"), &yaml);
    }
    let issues = POSTMORTEMS * TASKS;
    gh.clear_requests();

    let out = status(dir.path(), &gh, &["--format", "json"]).await;
    let report = json_of(&out);
    assert_eq!(
        report["totals"],
        json!({"postmortems": 50, "tasks": 5000, "done": 500, "open": 4500, "dropped": 0,
               "missing": 0, "unverified": 0, "overdue": 4500, "percent": 10.0})
    );
    let requests = gh.requests();
    assert_eq!(
        requests.len(),
        issues.div_ceil(100) + 2,
        "{:#?}",
        requests
            .iter()
            .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
            .collect::<Vec<_>>()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_after_sync_reuses_its_snapshot_and_reads_only_the_changes() {
    let gh = Emulator::start().await;
    let dir = big_fixture();
    sync(dir.path(), &gh).await;
    gh.close_issue(number(&gh, "2024-01-01-big", "task-007"), "completed");
    gh.clear_requests();

    let out = status(dir.path(), &gh, &["--format", "json"]).await;
    assert_eq!(json_of(&out)["totals"], big_totals());
    let requests: Vec<String> = gh
        .requests()
        .iter()
        .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
        .collect();
    // The login is cached for the token; one page of what changed since the sync.
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert!(
        requests[0].starts_with("GET /repos/acme/web/issues?state=all&since="),
        "{requests:#?}"
    );
}

/// Regression: a listing whose first page is answered 304 from the cache must still follow
/// that page's `next` link, or every issue beyond the first page looks missing (and a third
/// unchanged `sync` of the same 120 tasks creates 20 duplicates).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unchanged_listings_answered_from_the_cache_still_reach_every_page() {
    let gh = Emulator::start().await;
    let dir = big_fixture();
    sync(dir.path(), &gh).await;
    gh.close_issue(number(&gh, "2024-01-01-big", "task-007"), "completed");
    let first = status(dir.path(), &gh, &["--format", "json"]).await;
    assert_eq!(json_of(&first)["totals"], big_totals());

    gh.clear_requests();
    let again = status(dir.path(), &gh, &["--format", "json"]).await;
    assert_eq!(json_of(&again)["totals"], big_totals());
    let log = gh.requests();
    assert_eq!(
        log.iter().filter(|r| r.counted).count(),
        0,
        "every listing is answered 304 and spends no budget: {log:#?}"
    );
}

/// One postmortem of 120 tasks: two pages of issues.
fn big_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "aftercare.yml", CONFIG);
    let mut yaml = "id: 2024-01-01-big\ntitle: Big\nstatus: published\nimpact:\n  summary: Slow.\n\
                    root_cause: Load.\ntasks:\n"
        .to_string();
    for t in 0..120 {
        yaml.push_str(&format!("  - id: task-{t:03}\n    title: Task {t}\n"));
    }
    write(dir.path(), "postmortems/2024-01-01-big.yaml", &yaml);
    dir
}

fn big_totals() -> Value {
    json!({"postmortems": 1, "tasks": 120, "done": 1, "open": 119, "dropped": 0, "missing": 0, "unverified": 0,
           "overdue": 0, "percent": 0.8})
}
