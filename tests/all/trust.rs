//! Trust and injection: what an outsider or a hostile text can do through GitHub and through
//! postmortem files, run through the built binary against the emulator.
//!
//! - Look-alike issues from someone without push access (marker copied, labels added by a
//!   triager, closed as completed to fake progress) never count in `status` and are never
//!   updated, commented on or closed by `sync`; a collaborator's issue does count.
//!   `sync.rs` has the basic case (`an_outsiders_look_alike_is_ignored_and_warned_about`).
//! - Hostile titles (HTML, `<script>`, comment ends and the README's own end marker, table
//!   pipes, `javascript:` links, workflow-command syntax, bidirectional overrides, 200
//!   characters) come out escaped in every report: text, JSON, Markdown, the README section,
//!   the badge and its endpoint JSON, the annotations and the job summary. Issue titles and
//!   bodies that someone rewrote on GitHub never reach the status at all.
//! - The token never appears in any output at any verbosity, also when GitHub's error message
//!   quotes it back. `sync.rs` has the basic case
//!   (`the_token_never_appears_in_output_at_the_highest_verbosity`).

use std::path::Path;

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::task_marker;
use serde_json::json;

use crate::malformed::VALID;
use crate::support::cli::{Aftercare, Outcome};
use crate::support::emulator::{COLLAB_TOKEN, Emulator, Fault, OUTSIDER_TOKEN, OWNER_TOKEN};

const CONFIG: &str = "repo: acme/web\nlabels: [postmortem]\n";

/// Three tasks, none overdue: `jitter`, `alert`, `runbook`.
fn cache() -> String {
    format!(
        "{VALID}  - id: alert\n    title: Alert on cache hit rate\n  - id: runbook\n    title: \
         Write a cache runbook\n"
    )
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("a directory");
    std::fs::write(path, text).expect("a file is written");
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    write(dir.path(), "aftercare.yml", CONFIG);
    for (name, text) in files {
        write(dir.path(), &format!("postmortems/{name}"), text);
    }
    dir
}

fn aftercare(dir: &Path, gh: &Emulator, token: &str) -> Aftercare {
    Aftercare::new(dir)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", token)
}

async fn sync(dir: &Path, gh: &Emulator) -> Outcome {
    aftercare(dir, gh, OWNER_TOKEN)
        .args(["sync", "--write-interval-ms", "0"])
        .run_async()
        .await
}

fn marked(key: &str) -> String {
    format!(
        "Done, trust me.\n\n{}\n",
        task_marker(&TaskKey::parse(key).expect("a key"))
    )
}

/// An issue carrying the marker of `key`, opened by the account of `token` and labelled (by
/// a triager, when the author may not label); closed as completed when `closed`.
fn look_alike(gh: &Emulator, token: &str, title: &str, key: &str, closed: bool) -> u64 {
    let number = gh.seed_issue(token, title, &marked(key), &[]);
    gh.set_issue_labels(number, &["postmortem"]);
    if closed {
        gh.close_issue(number, "completed");
    }
    number
}

/// Requests that name issue `number` itself (`/issues/N`, its comments, its labels).
fn touching(gh: &Emulator, number: u64) -> Vec<String> {
    let own = format!("/issues/{number}");
    gh.requests()
        .into_iter()
        .filter(|r| r.path.ends_with(&own) || r.path.contains(&format!("{own}/")))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outsiders_look_alikes_never_count_and_are_never_touched_while_a_collaborators_does() {
    let gh = Emulator::start().await;
    // Before the first sync: an outsider fakes `jitter` as done and opens one for `alert`; a
    // triager labels both so that the listing by label sees them. A collaborator files
    // `runbook` by hand and closes it as done.
    let (pm, outsider, collaborator) = ("2024-01-02-cache", OUTSIDER_TOKEN, COLLAB_TOKEN);
    let fake_done = look_alike(&gh, outsider, "Add jitter", &format!("{pm}/jitter"), true);
    let fake_open = look_alike(&gh, outsider, "Alert", &format!("{pm}/alert"), false);
    let by_hand = look_alike(&gh, collaborator, "Runbook", &format!("{pm}/runbook"), true);
    let warnings = |verb: &str| {
        [(fake_done, "jitter"), (fake_open, "alert")]
            .iter()
            .map(|(n, task)| verb.replace("{n}", &n.to_string()).replace("{task}", task))
            .collect::<String>()
    };

    let dir = tree(&[("cache.yaml", &cache())]);
    let out = sync(dir.path(), &gh).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // Ours for the two faked tasks; the collaborator's issue is adopted (its title and body
    // brought in step), not duplicated.
    let numbers: Vec<u64> = out
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("create #"))
        .map(|l| {
            l.split(' ')
                .next()
                .unwrap_or_default()
                .parse()
                .expect("a number")
        })
        .collect();
    let [jitter, alert] = numbers[..] else {
        panic!("two creates: {}", out.stdout)
    };
    assert_eq!(
        out.stdout,
        format!(
            "create #{jitter} 2024-01-02-cache/jitter: Add jitter to cache expiry\n\
             create #{alert} 2024-01-02-cache/alert: Alert on cache hit rate\n\
             update #{by_hand} 2024-01-02-cache/runbook: Write a cache runbook\n\
             created 2, updated 1, closed 0, reopened 0, unchanged 0\n"
        )
    );
    assert_eq!(
        out.stderr,
        warnings(
            "warning: ignored issue #{n} by mallory: it carries the marker of \
             2024-01-02-cache/{task}, but its author is neither the syncing identity nor a \
             repository owner, member or collaborator\n"
        )
    );

    // The status counts ours and the collaborator's, never the outsider's closed one.
    let out = aftercare(dir.path(), &gh, OWNER_TOKEN)
        .args(["status", "--format", "json"])
        .run_async()
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let states: Vec<(&str, &str, u64)> = report["incidents"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["id"].as_str().unwrap_or_default(),
                i["state"].as_str().unwrap_or_default(),
                i["issue"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("jitter", "open", jitter),
            ("alert", "open", alert),
            ("runbook", "done", by_hand)
        ]
    );
    assert_eq!(
        report["totals"],
        json!({"postmortems": 1, "tasks": 3, "done": 1, "open": 2, "dropped": 0, "missing": 0, "unverified": 0,
               "overdue": 0, "percent": 33.3})
    );
    assert_eq!(
        out.stderr,
        warnings(
            "warning: ignored issue #{n} marked for task 2024-01-02-cache/{task}: its author \
             mallory is neither this token's account nor a repository owner, member or \
             collaborator\n"
        )
    );

    // With `alert` removed from the YAML, sync closes our issue and leaves the outsider's open
    // look-alike alone; nothing it does ever names an outsider's issue.
    let without_alert = cache().replace("  - id: alert\n    title: Alert on cache hit rate\n", "");
    write(dir.path(), "postmortems/cache.yaml", &without_alert);
    let out = sync(dir.path(), &gh).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        format!(
            "close #{alert} (not planned) 2024-01-02-cache/alert: Alert on cache hit rate\n\
             created 0, updated 0, closed 1, reopened 0, unchanged 2\n"
        )
    );
    for fake in [fake_done, fake_open] {
        assert_eq!(touching(&gh, fake), Vec::<String>::new(), "#{fake}");
        let issue = gh.issue(fake).expect("the look-alike");
        assert!(issue.comments.is_empty(), "{:?}", issue.comments);
    }
    assert_eq!(gh.issue(fake_open).expect("open").state, "open");
    assert_eq!(gh.issue(fake_done).expect("closed").state, "closed");
    assert_eq!(gh.issue(alert).expect("ours").state, "closed");

    // The outsider reopens nothing and closes nothing of ours either: they cannot, and their
    // own look-alike closing changes no count.
    gh.reopen_issue(fake_done);
    gh.close_issue(fake_open, "completed");
    let out = aftercare(dir.path(), &gh, OWNER_TOKEN)
        .args(["status", "--format", "json"])
        .run_async()
        .await;
    let report: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        report["totals"],
        json!({"postmortems": 1, "tasks": 2, "done": 1, "open": 1, "dropped": 0, "missing": 0, "unverified": 0,
               "overdue": 0, "percent": 50.0})
    );
}

/// Runs `args` at every verbosity, each time against a fresh emulator holding one issue of an
/// earlier sync (#1 for `jitter`, whose title has since changed in the YAML) and `fault`, with
/// a fresh cache file. Returns each run's outcome and what it left in its cache file.
async fn with_fault(dir: &Path, fault: &Fault, args: &[&str]) -> Vec<(Outcome, String)> {
    let mut outcomes = Vec::new();
    for verbosity in [&[][..], &["-v"], &["-vv"], &["-vvv"]] {
        let gh = Emulator::start().await;
        let body = marked("2024-01-02-cache/jitter");
        assert_eq!(
            gh.seed_issue(OWNER_TOKEN, "Jitter", &body, &["postmortem"]),
            1
        );
        gh.inject(fault.clone());
        let cache = tempfile::tempdir().expect("a directory for the cache");
        let cache_file = cache.path().join("cache.json");
        let out = aftercare(dir, &gh, OWNER_TOKEN)
            .args(args)
            .args(verbosity)
            .arg("--cache-file")
            .arg(&cache_file)
            .run_async()
            .await;
        assert_eq!(gh.pending_faults(), vec![], "the fault fired: {args:?}");
        outcomes.push((
            out,
            std::fs::read_to_string(&cache_file).unwrap_or_default(),
        ));
    }
    outcomes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_quoted_back_in_githubs_error_never_reaches_any_output() {
    let dir = tree(&[("cache.yaml", &cache())]);
    let quoted = "the credentials 'token [token]' were rejected";
    let sync = ["sync", "--write-interval-ms", "0"];
    let sync_json = ["sync", "--write-interval-ms", "0", "--format", "json"];
    let status = ["status"];
    let status_json = ["status", "--format", "json"];
    let unauthorized = format!(
        "error: cannot read the issues of acme/web: cannot tell who the token belongs to: GitHub \
         rejected the token: check GITHUB_TOKEN or GH_TOKEN: GitHub answered 401: Unauthorized: \
         {quoted}"
    );
    let cases: [(Fault, &[&str], String); 7] = [
        (
            Fault::echo_token("GET", "/user", 401),
            &sync,
            unauthorized.clone(),
        ),
        (
            Fault::echo_token("GET", "/issues", 403),
            &sync,
            format!(
                "error: cannot read the issues of acme/web: cannot list issues labelled \
                 \"postmortem\": the token may not read acme/web: GitHub answered 403: \
                 Forbidden: {quoted}"
            ),
        ),
        (
            Fault::echo_token("POST", "/repos/acme/web/issues", 422),
            &sync,
            format!(
                "error: create 2024-01-02-cache/alert: Alert on cache hit rate: GitHub \
                 rejected the request as invalid: GitHub answered 422: Unprocessable Entity: \
                 {quoted}"
            ),
        ),
        (
            Fault::echo_token("POST", "/repos/acme/web/issues", 403),
            &sync_json,
            format!(
                "  \"stopped\": \"stopped after 1 of 3 changes: the token may not write issues \
                 in acme/web: it needs the `issues: write` permission: GitHub answered 403: \
                 Forbidden: {quoted}\","
            ),
        ),
        (
            Fault::echo_token("PATCH", "/issues/1", 410),
            &sync,
            format!(
                "error: stopped after 0 of 3 changes: issues are disabled in acme/web: GitHub \
                 answered 410: Gone: {quoted}"
            ),
        ),
        (
            Fault::echo_token("GET", "/user", 401),
            &status,
            unauthorized.clone(),
        ),
        (
            Fault::echo_token("GET", "/issues", 404),
            &status_json,
            format!(
                "error: cannot read the issues of acme/web: cannot list issues labelled \
                 \"postmortem\": repository acme/web not found, or not visible to the token: \
                 GitHub answered 404: Not Found: {quoted}"
            ),
        ),
    ];
    for (fault, args, line) in cases {
        let outcomes = with_fault(dir.path(), &fault, args).await;
        for (verbosity, (out, cache)) in outcomes.iter().enumerate() {
            let what = format!("{args:?} at -v x{verbosity} with {fault:?}");
            assert_eq!(out.code, 1, "{what}");
            let lines: Vec<&str> = out.stdout.lines().chain(out.stderr.lines()).collect();
            assert!(lines.contains(&line.as_str()), "{what}:\n{lines:#?}");
            for text in [&out.stdout, &out.stderr, cache] {
                assert!(!text.contains(OWNER_TOKEN), "{what}: {text}");
            }
        }
    }
}

/// The incident's title: HTML, a script, the end of a comment, the README section's own end
/// marker, and table pipes.
const HOSTILE_INCIDENT: &str =
    "<script>alert(1)</script> --> <!-- aftercare:status:end --> | x | y |";
/// Task titles, each overdue: a script link and image, workflow-command syntax, a
/// bidirectional override, Markdown and entities, and the longest title allowed.
const HOSTILE_TASKS: [&str; 4] = [
    "<img src=x onerror=alert(1)> [link](javascript:alert(1)) ![i](https://evil.example/i.png)",
    "%0A::error file=x::forged, 100% done :: yes",
    "\u{202E}gnp.exe *b* _e_ ~~s~~ `c` <b>h</b> &amp; \\ #h",
    "",
];

fn hostile_postmortem() -> String {
    let long = format!("{}<!-- -->", "L".repeat(192));
    let mut yaml = format!(
        "id: 2024-01-02-hostile\ntitle: '{HOSTILE_INCIDENT}'\nstarted: 2024-01-02\nimpact:\n  \
         summary: s\nroot_cause: r\ntasks:\n"
    );
    for (n, title) in HOSTILE_TASKS.iter().enumerate() {
        let title = if title.is_empty() {
            long.as_str()
        } else {
            title
        };
        let quoted = serde_json::to_string(title).expect("a JSON string is a YAML string");
        yaml.push_str(&format!(
            "  - id: t{n}\n    title: {quoted}\n    priority: P1\n    due: 2020-01-01\n"
        ));
    }
    yaml
}

/// The incident's title as Markdown text: entities for `<`, `>` and `&`, a backslash before
/// punctuation, so no tag, comment, link or cell can form.
const INCIDENT_MD: &str = "&lt;script&gt;alert\\(1\\)&lt;/script&gt; --&gt; &lt;\\!-- \
                           aftercare:status:end --&gt; \\| x \\| y \\|";
/// The task titles as Markdown text, the bidirectional override turned into a space.
const TASKS_MD: [&str; 3] = [
    "&lt;img src=x onerror=alert\\(1\\)&gt; \\[link\\]\\(javascript:alert\\(1\\)\\) \
     \\!\\[i\\]\\(https://evil.example/i.png\\)",
    "%0A::error file=x::forged, 100% done :: yes",
    " gnp.exe \\*b\\* \\_e\\_ \\~\\~s\\~\\~ \\`c\\` &lt;b&gt;h&lt;/b&gt; &amp;amp; \\\\ \\#h",
];
/// The task titles in a workflow command's message: `%` encoded so that `%0A` stays text, the
/// override replaced; the rest is shown as plain text by GitHub.
const TASKS_ANNOTATED: [&str; 3] = [
    "<img src=x onerror=alert(1)> [link](javascript:alert(1)) ![i](https://evil.example/i.png)",
    "%250A::error file=x::forged, 100%25 done :: yes",
    "\u{FFFD}gnp.exe *b* _e_ ~~s~~ `c` <b>h</b> &amp; \\ #h",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_titles_come_out_escaped_in_every_report() {
    let gh = Emulator::start().await;
    let file = "2024-01-02-x,y:z.yaml";
    let dir = tree(&[(file, &hostile_postmortem())]);
    let readme =
        "# Project <b>\n\n<!-- aftercare:status:start -->\n<!-- aftercare:status:end -->\n\nEnd.\n";
    write(dir.path(), "README.md", readme);
    let out = sync(dir.path(), &gh).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // What people write on GitHub never reaches the status: every title and body rewritten.
    let sentinel = "GITHUB-SIDE \u{1b}[2J\n<script>x</script> --> <!-- aftercare:status:end -->";
    for issue in gh.issues() {
        gh.edit_issue_title(issue.number, &format!("{sentinel} {}", "t".repeat(180)));
        gh.edit_issue_body(
            issue.number,
            &format!("{sentinel}\n{}\n{}", "b".repeat(60_000), issue.body),
        );
    }
    let long_md = format!("{}&lt;\\!-- --&gt;", "L".repeat(192));
    let long_raw = format!("{}<!-- -->", "L".repeat(192));
    let annotations: String = TASKS_ANNOTATED
        .iter()
        .map(|t| t.to_string())
        .chain([long_raw.clone()])
        .enumerate()
        .map(|(n, title)| {
            format!(
                "::warning file=postmortems/2024-01-02-x%2Cy%3Az.yaml,line={},title=Overdue \
                 corrective task::{title} (2024-01-02-hostile/t{n}, P1) was due 2020-01-01 and \
                 is still open: #{} https://github.com/acme/web/issues/{}\n",
                8 + 4 * n,
                n + 1,
                n + 1
            )
        })
        .collect();
    let status = |format: &'static str| {
        aftercare(dir.path(), &gh, OWNER_TOKEN)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", dir.path().join("summary.md"))
            .args([
                "status",
                "--readme",
                "README.md",
                "--badge",
                "badge.svg",
                "--format",
                format,
            ])
            .run_async()
    };

    let text = status("text").await;
    assert_eq!(text.code, 0, "{}", text.stderr);
    let expected_text = format!(
        "Corrective actions in acme/web: 0 of 4 done (0%), 4 overdue\n\n\
         INCIDENT            TASKS  DONE  OPEN  DROPPED  MISSING  OVERDUE  PERCENT  TITLE\n\
         2024-01-02-hostile      4     0     4        0        0        4       0%  \
         {HOSTILE_INCIDENT}\n\
         total                   4     0     4        0        0        4       0%\n\n\
         Overdue tasks (4):\n\
         \x20 2024-01-02-hostile/t0  P1  due 2020-01-01  #1  -  {}\n\
         \x20 2024-01-02-hostile/t1  P1  due 2020-01-01  #2  -  {}\n\
         \x20 2024-01-02-hostile/t2  P1  due 2020-01-01  #3  -  \u{FFFD}gnp.exe *b* _e_ ~~s~~ \
         `c` <b>h</b> &amp; \\ #h\n\
         \x20 2024-01-02-hostile/t3  P1  due 2020-01-01  #4  -  {long_raw}\n\
         {annotations}",
        HOSTILE_TASKS[0], HOSTILE_TASKS[1]
    );
    assert_eq!(text.stdout, expected_text);

    let markdown = status("markdown").await;
    let overdue_rows: String = TASKS_MD
        .iter()
        .map(|t| t.to_string())
        .chain([long_md])
        .enumerate()
        .map(|(n, title)| {
            format!(
                "| {title} | {INCIDENT_MD} | P1 | 2020-01-01 | \
                 [#{}](https://github.com/acme/web/issues/{}) | – |\n",
                n + 1,
                n + 1
            )
        })
        .collect();
    let expected_markdown = format!(
        "### Corrective actions in acme/web: 0/4 done (0%)\n\n\
         | Incident | Done | Progress | Open | Dropped | Missing | Overdue |\n\
         | --- | ---: | --- | ---: | ---: | ---: | ---: |\n\
         | [{INCIDENT_MD}](https://github.com/acme/web/blob/HEAD/postmortems/2024-01-02-x,y:z.yaml) \
         | 0/4 | ░░░░░░░░░░ 0% | 4 | 0 | 0 | 4 |\n\
         | **Total** | 0/4 | ░░░░░░░░░░ 0% | 4 | 0 | 0 | 4 |\n\n\
         #### Overdue tasks (4)\n\n\
         | Task | Incident | Priority | Due | Issue | Owner |\n\
         | --- | --- | --- | --- | --- | --- |\n\
         {overdue_rows}"
    );
    assert_eq!(markdown.stdout, format!("{expected_markdown}{annotations}"));
    // The job summary got the same Markdown from each run so far.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("summary.md")).expect("the summary"),
        expected_markdown.repeat(2)
    );

    let json = status("json").await;
    assert_eq!(
        json.stderr, annotations,
        "annotations go to stderr beside JSON"
    );
    let report: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(report["incidents"][0]["title"], HOSTILE_INCIDENT);
    let titles: Vec<&str> = report["incidents"][0]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["title"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        titles,
        [
            HOSTILE_TASKS[0],
            HOSTILE_TASKS[1],
            HOSTILE_TASKS[2],
            long_raw.as_str()
        ]
    );

    let section = format!(
        "<!-- aftercare:status:start -->\n\
         ![corrective actions: 0/4 done](badge.svg)\n\n\
         | Incident | Done | Progress | Overdue |\n\
         | --- | ---: | --- | ---: |\n\
         | [{INCIDENT_MD}](postmortems/2024-01-02-x%2Cy%3Az.yaml) | 0/4 | ░░░░░░░░░░ 0% | 4 |\n\
         | **Total** | 0/4 | ░░░░░░░░░░ 0% | 4 |\n\n\
         <!-- aftercare:status:end -->"
    );
    let written = std::fs::read_to_string(dir.path().join("README.md")).expect("README");
    assert_eq!(written, format!("# Project <b>\n\n{section}\n\nEnd.\n"));
    // Three runs rewrote the same section in place: the title's copy of the end marker never
    // counted as the end of the section.
    let svg = std::fs::read_to_string(dir.path().join("badge.svg")).expect("badge");
    let doc = roxmltree::Document::parse(&svg).expect("well-formed SVG");
    assert_eq!(
        doc.root_element().attribute("aria-label"),
        Some("corrective actions: 0/4 done")
    );
    let endpoint = std::fs::read_to_string(dir.path().join("badge.json")).expect("endpoint");
    assert_eq!(
        endpoint,
        "{\"schemaVersion\":1,\"label\":\"corrective actions\",\"message\":\"0/4 done\",\"color\":\"red\"}\n"
    );

    let outputs = [
        &text.stdout,
        &text.stderr,
        &markdown.stdout,
        &markdown.stderr,
        &json.stdout,
        &json.stderr,
        &written,
        &svg,
        &endpoint,
    ];
    for output in outputs {
        assert!(!output.contains("GITHUB-SIDE"), "{output}");
    }
    assert!(!svg.contains("script") && !svg.contains("gnp.exe"), "{svg}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_prints_a_title_read_from_github_without_its_terminal_controls() {
    let gh = Emulator::start().await;
    let dir = tree(&[("cache.yaml", &cache())]);
    assert_eq!(sync(dir.path(), &gh).await.code, 0);
    // Someone retitles the `runbook` issue on GitHub; then the task is removed from the YAML,
    // so sync closes the issue and names it by the title GitHub holds.
    gh.edit_issue_title(
        3,
        "Runbook\u{1b}[2J\u{1b}]0;owned\u{7}\u{202e}txt.exe\rcreate #9 forged",
    );
    write(
        dir.path(),
        "postmortems/cache.yaml",
        &cache().replace("  - id: runbook\n    title: Write a cache runbook\n", ""),
    );
    let out = aftercare(dir.path(), &gh, OWNER_TOKEN)
        .args(["sync", "--write-interval-ms", "0", "-v"])
        .run_async()
        .await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "unchanged #1 2024-01-02-cache/jitter: Add jitter to cache expiry\n\
         unchanged #2 2024-01-02-cache/alert: Alert on cache hit rate\n\
         close #3 (not planned) 2024-01-02-cache/runbook: \
         Runbook\u{FFFD}[2J\u{FFFD}]0;owned\u{FFFD}\u{FFFD}txt.exe\u{FFFD}create #9 forged\n\
         created 0, updated 0, closed 1, reopened 0, unchanged 2\n"
    );
}
