//! Incremental listing against the GitHub emulator, through the built binary, with a new
//! GitHub Actions token of the same identity for every run and the `.aftercare/` state kept
//! between runs: a run with nothing new costs one request at 5,000 tasks (the Action vouches for
//! the token's identity) or two (the identity is asked); what a person changes between runs is
//! seen by the next run, and agrees with a complete listing (`--full`); a deleted issue is
//! noticed by the next complete listing (`--full` or `full_every`); runs killed during the
//! listing of changes leave the last complete snapshot, which the next run trusts; a damaged
//! snapshot is never trusted; neither file holds the token.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use aftercare::model::TaskKey;
use aftercare::tracker::markdown::{find_key, with_closed_note};

use crate::support::cli::{Aftercare, Outcome};
use crate::support::emulator::{COLLAB_TOKEN, Emulator, FaultKind, OWNER_TOKEN};

const SYNC: [&str; 3] = ["sync", "--write-interval-ms", "0"];
const STATUS: [&str; 3] = ["status", "--format", "json"];

/// `postmortems` postmortems of `tasks` tasks each, labelled `postmortem`.
fn fixture(postmortems: usize, tasks: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(dir.path().join("postmortems")).expect("postmortems/ is created");
    write_config(dir.path(), "labels: [postmortem]\n");
    for p in 0..postmortems {
        let mut text = format!(
            "id: 2024-01-01-pm{p:03}\ntitle: Incident {p}\nstatus: published\nimpact:\n  \
             summary: s\nroot_cause: r\ntasks:\n"
        );
        for t in 0..tasks {
            text.push_str(&format!("  - id: task-{t:03}\n    title: Task {t}\n"));
        }
        std::fs::write(
            dir.path()
                .join(format!("postmortems/2024-01-01-pm{p:03}.yaml")),
            text,
        )
        .expect("a postmortem is written");
    }
    dir
}

fn write_config(root: &Path, text: &str) {
    std::fs::write(root.join("aftercare.yml"), text).expect("the config is written");
}

/// A run as the Action makes it: a new `GITHUB_TOKEN` of `github-actions[bot]`, vouched for.
fn in_actions(gh: &Emulator, dir: &Path, args: &[&str]) -> Aftercare {
    vouched(with_token(gh, dir, args, &gh.new_actions_token()))
}

fn vouched(command: Aftercare) -> Aftercare {
    command
        .env("GITHUB_ACTIONS", "true")
        .env("AFTERCARE_TOKEN_IS_GITHUB_TOKEN", "true")
}

/// A first sync by the Action: its token's budget raised above the 1,000 writes an Actions
/// token may make in an hour.
fn first_sync_in_actions(gh: &Emulator, dir: &Path) -> Aftercare {
    let token = gh.new_actions_token();
    gh.set_rate_limit(&token, 100_000);
    vouched(with_token(gh, dir, &SYNC, &token))
}

fn with_token(gh: &Emulator, dir: &Path, args: &[&str], token: &str) -> Aftercare {
    Aftercare::new(dir)
        .args(args)
        .env("GITHUB_API_URL", gh.url())
        .env("GITHUB_TOKEN", token)
        .env("GITHUB_REPOSITORY", "acme/web")
}

async fn run_ok(command: Aftercare) -> Outcome {
    let out = command.run_async().await;
    assert!(
        out.code == 0,
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        out.code,
        out.stdout,
        out.stderr
    );
    out
}

fn last_line(out: &Outcome) -> &str {
    out.stdout.lines().last().unwrap_or("")
}

/// The JSON report of `status`, without the time it was made.
fn report(out: &Outcome) -> Value {
    let mut report: Value = serde_json::from_str(&out.stdout).expect("status prints JSON");
    report["generated_at"] = Value::Null;
    report
}

fn totals(out: &Outcome) -> Value {
    let report: Value = serde_json::from_str(&out.stdout).expect("status prints JSON");
    report["totals"].clone()
}

/// Every request since the log was cleared, as `METHOD path?query`.
fn requests(gh: &Emulator) -> Vec<String> {
    gh.requests()
        .iter()
        .map(|r| format!("{} {}?{}", r.method, r.path, r.query))
        .collect()
}

/// The newest `updated_at` in the repository.
fn newest(gh: &Emulator) -> DateTime<Utc> {
    gh.issues()
        .iter()
        .map(|i| i.updated_at)
        .max()
        .expect("issues")
}

/// The request listing the issues updated since `watermark` less the minute of overlap.
fn changes_since(watermark: DateTime<Utc>) -> String {
    let since = (watermark - chrono::Duration::seconds(60))
        .format("%Y-%m-%dT%H%%3A%M%%3A%SZ")
        .to_string();
    format!(
        "GET /repos/acme/web/issues?state=all&since={since}&sort=updated&direction=desc&per_page=100"
    )
}

/// The number of the issue of task `task-NNN` of postmortem `pmNNN`.
fn number_of(gh: &Emulator, pm: usize, task: usize) -> u64 {
    let key = TaskKey::new(&format!("2024-01-01-pm{pm:03}"), &format!("task-{task:03}"));
    let numbers: Vec<u64> = gh
        .issues()
        .iter()
        .filter(|i| find_key(&i.body).as_ref() == Some(&key))
        .map(|i| i.number)
        .collect();
    assert_eq!(numbers.len(), 1, "{key}: {numbers:?}");
    numbers[0]
}

fn totals_of(tasks: usize, done: usize, missing: usize) -> Value {
    let open = tasks - done - missing;
    let percent = (done as f64 * 1000.0 / tasks as f64).round() / 10.0;
    json!({"postmortems": tasks / TASKS_PER, "tasks": tasks, "done": done, "open": open,
           "dropped": 0, "missing": missing, "overdue": 0, "percent": percent, "unverified": 0})
}

/// Tasks per postmortem in every fixture here.
const TASKS_PER: usize = 100;

/// A first sync of 5,000 tasks, then runs with nothing new, each with a new token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_5000_tasks_a_run_with_nothing_new_makes_one_request_with_a_new_token_every_run() {
    let gh = Emulator::start().await;
    let dir = fixture(50, TASKS_PER);
    let first = run_ok(first_sync_in_actions(&gh, dir.path())).await;
    assert_eq!(
        last_line(&first),
        "created 5000, updated 0, closed 0, reopened 0, unchanged 0"
    );
    let listing = changes_since(newest(&gh));

    gh.clear_requests();
    let out = run_ok(in_actions(&gh, dir.path(), &SYNC)).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 5000"
    );
    assert_eq!(requests(&gh), [listing.as_str()]);

    gh.clear_requests();
    let out = run_ok(in_actions(&gh, dir.path(), &STATUS)).await;
    assert_eq!(totals(&out), totals_of(5000, 0, 0));
    assert_eq!(requests(&gh), [listing.as_str()]);

    // A person closes two issues: the next status shows both, still in one request.
    gh.close_issue(number_of(&gh, 3, 7), "completed");
    gh.close_issue(number_of(&gh, 41, 99), "completed");
    gh.clear_requests();
    let incremental = run_ok(in_actions(&gh, dir.path(), &STATUS)).await;
    assert_eq!(totals(&incremental), totals_of(5000, 2, 0));
    assert_eq!(requests(&gh), [changes_since(newest(&gh))]);

    // A complete listing reads every page and agrees.
    gh.clear_requests();
    let full = run_ok(in_actions(
        &gh,
        dir.path(),
        &[&STATUS[..], &["--full"]].concat(),
    ))
    .await;
    assert_eq!(report(&full), report(&incremental));
    let log = requests(&gh);
    assert_eq!(log.len(), 100, "50 pages by label, 50 by creator: {log:#?}");
    assert!(log.iter().all(|r| !r.contains("since=")), "{log:#?}");

    // Without the Action's word for the token, its login is asked for: one more request.
    gh.clear_requests();
    let token = gh.new_actions_token();
    let out = run_ok(with_token(&gh, dir.path(), &SYNC, &token)).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 5000"
    );
    assert_eq!(
        requests(&gh),
        ["GET /user?".to_string(), changes_since(newest(&gh))]
    );
}

/// How many requests a sync with nothing new makes after a first sync of 5,000 tasks on an
/// empty repository.
fn noop_after_a_first_sync() -> (usize, usize) {
    let gh = Emulator::start_blocking();
    let dir = fixture(50, TASKS_PER);
    let token = gh.new_actions_token();
    gh.set_rate_limit(&token, 100_000);
    let first = with_token(&gh, dir.path(), &SYNC, &token).run();
    assert_eq!(first.code, 0, "{first:#?}");
    gh.clear_requests();
    let token = gh.new_actions_token();
    let out = with_token(&gh, dir.path(), &SYNC, &token).run();
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 0, unchanged 5000"
    );
    let log = gh.requests();
    let writes = log.iter().filter(|r| r.method != "GET").count();
    (log.len(), writes)
}

#[test]
fn the_count_of_a_run_with_nothing_new_is_the_same_every_time() {
    let counts: Vec<(usize, usize)> = (0..5).map(|_| noop_after_a_first_sync()).collect();
    assert_eq!(counts, [(2, 0); 5]);
}

/// One postmortem of `TASKS_PER` tasks synced by the Action, the issue of task 0 opened by a
/// collaborator before the first sync (and adopted by it).
async fn small_repository() -> (Emulator, tempfile::TempDir) {
    let gh = Emulator::start().await;
    let dir = fixture(1, TASKS_PER);
    let key = TaskKey::new("2024-01-01-pm000", "task-000");
    gh.seed_issue(
        COLLAB_TOKEN,
        "Task 0",
        &format!("Filed by hand.\n\n<!-- aftercare:task={key} -->"),
        &["postmortem"],
    );
    let out = run_ok(in_actions(&gh, dir.path(), &SYNC)).await;
    assert_eq!(
        last_line(&out),
        "created 99, updated 1, closed 0, reopened 0, unchanged 0"
    );
    (gh, dir)
}

/// The plan of a sync, incremental and then from a complete listing: they must agree.
async fn plans_agree(gh: &Emulator, dir: &Path) -> String {
    let dry = [&SYNC[..], &["--dry-run"]].concat();
    let incremental = run_ok(in_actions(gh, dir, &dry)).await;
    let full = run_ok(in_actions(gh, dir, &[&dry[..], &["--full"]].concat())).await;
    assert_eq!(incremental.stdout, full.stdout);
    incremental.stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_person_changes_between_runs_is_seen_by_the_next_run() {
    let (gh, dir) = small_repository().await;
    let status = || async { totals(&run_ok(in_actions(&gh, dir.path(), &STATUS)).await) };

    let closed = number_of(&gh, 0, 5);
    gh.close_issue(closed, "completed");
    assert_eq!(status().await, totals_of(100, 1, 0));
    gh.reopen_issue(closed);
    assert_eq!(status().await, totals_of(100, 0, 0));

    let retitled = number_of(&gh, 0, 6);
    gh.edit_issue_title(retitled, "Something else");
    let relabelled = number_of(&gh, 0, 7);
    gh.set_issue_labels(relabelled, &["postmortem", "wontfix"]);
    let unlabelled = number_of(&gh, 0, 8);
    gh.set_issue_labels(unlabelled, &[]);
    let plan = plans_agree(&gh, dir.path()).await;
    assert_eq!(
        plan,
        format!(
            "plan: update #{retitled} 2024-01-01-pm000/task-006: Task 6\n\
             plan: update #{unlabelled} 2024-01-01-pm000/task-008: Task 8\n\
             plan: 0 to create, 2 to update, 0 to close, 0 to reopen, 98 unchanged (dry run in \
             acme/web: nothing was changed)\n"
        )
    );
    let out = run_ok(in_actions(&gh, dir.path(), &SYNC)).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 2, closed 0, reopened 0, unchanged 98"
    );
    assert_eq!(gh.issue(retitled).unwrap().title, "Task 6");
    assert_eq!(gh.issue(unlabelled).unwrap().labels, ["postmortem"]);
    assert_eq!(
        gh.issue(relabelled).unwrap().labels,
        ["postmortem", "wontfix"]
    );

    // The collaborator's issue without the label is no longer aftercare's: as with a complete
    // listing, its task gets an issue of its own.
    let adopted = number_of(&gh, 0, 0);
    gh.set_issue_labels(adopted, &["bug"]);
    let plan = plans_agree(&gh, dir.path()).await;
    assert_eq!(
        plan,
        "plan: create 2024-01-01-pm000/task-000: Task 0\n\
         plan: 1 to create, 0 to update, 0 to close, 0 to reopen, 99 unchanged (dry run in \
         acme/web: nothing was changed)\n"
    );
}

/// The snapshot keeps digests of the descriptions, not the descriptions: a description a
/// person changed is still put back, and a task removed from the YAML closes its issue with
/// the note added to its whole description, read back for it in one request.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn descriptions_are_kept_as_digests_and_read_back_whole_to_close() {
    let (gh, dir) = small_repository().await;
    let snapshot = dir.path().join(".aftercare/cache.snapshot.json");
    let text = std::fs::read_to_string(&snapshot).expect("the snapshot is kept");
    assert!(text.contains("\"version\":2"), "{text}");
    assert!(
        !text.contains("aftercare:task="),
        "no description in {text}"
    );

    let edited = number_of(&gh, 0, 3);
    let body = gh.issue(edited).unwrap().body;
    gh.edit_issue_body(edited, &format!("{body}\nA line a person added."));
    let out = run_ok(in_actions(&gh, dir.path(), &SYNC)).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 1, closed 0, reopened 0, unchanged 99"
    );
    assert_eq!(gh.issue(edited).unwrap().body, body);

    // Task 4 leaves the YAML: its issue, known from the snapshot by a digest, is read whole.
    let removed = number_of(&gh, 0, 4);
    let whole = gh.issue(removed).unwrap().body;
    let file = dir.path().join("postmortems/2024-01-01-pm000.yaml");
    let yaml = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        yaml.replace("  - id: task-004\n    title: Task 4\n", ""),
    )
    .unwrap();
    gh.clear_requests();
    let out = run_ok(in_actions(&gh, dir.path(), &SYNC)).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 1, reopened 0, unchanged 99"
    );
    assert_eq!(gh.issue(removed).unwrap().body, with_closed_note(&whole));
    assert_eq!(
        requests(&gh)
            .iter()
            .filter(|r| r.starts_with(&format!("GET /repos/acme/web/issues/{removed}?")))
            .count(),
        1,
        "{:#?}",
        requests(&gh)
    );
    // Put back, the task's issue is reopened: the note was written.
    std::fs::write(&file, yaml).unwrap();
    let out = run_ok(in_actions(&gh, dir.path(), &SYNC)).await;
    assert_eq!(
        last_line(&out),
        "created 0, updated 0, closed 0, reopened 1, unchanged 99"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_issue_is_noticed_by_the_next_complete_listing() {
    let (gh, dir) = small_repository().await;
    gh.delete_issue(number_of(&gh, 0, 9));
    // Deleting changes no `updated_at`: the listing of changes cannot see it.
    let out = run_ok(in_actions(&gh, dir.path(), &STATUS)).await;
    assert_eq!(totals(&out), totals_of(100, 0, 0));
    let out = run_ok(in_actions(
        &gh,
        dir.path(),
        &[&STATUS[..], &["--full"]].concat(),
    ))
    .await;
    assert_eq!(totals(&out), totals_of(100, 0, 1));
    // The complete listing's snapshot is the next run's.
    let out = run_ok(in_actions(&gh, dir.path(), &STATUS)).await;
    assert_eq!(totals(&out), totals_of(100, 0, 1));

    // `full_every` makes one by itself.
    gh.delete_issue(number_of(&gh, 0, 10));
    write_config(dir.path(), "labels: [postmortem]\nfull_every: 1s\n");
    std::thread::sleep(std::time::Duration::from_millis(1_100));
    gh.clear_requests();
    let out = run_ok(in_actions(&gh, dir.path(), &[&SYNC[..], &["-v"]].concat())).await;
    assert!(
        out.stderr
            .contains("listing every issue: the last complete listing is older than full_every\n"),
        "{}",
        out.stderr
    );
    let created: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.starts_with("unchanged "))
        .collect();
    assert_eq!(
        created,
        [
            "create #101 2024-01-01-pm000/task-009: Task 9",
            "create #102 2024-01-01-pm000/task-010: Task 10",
            "created 2, updated 0, closed 0, reopened 0, unchanged 98",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_snapshot_is_not_trusted_and_no_file_holds_the_token() {
    let gh = Emulator::start().await;
    let dir = fixture(1, TASKS_PER);
    let out = run_ok(with_token(&gh, dir.path(), &SYNC, OWNER_TOKEN)).await;
    assert_eq!(
        last_line(&out),
        "created 100, updated 0, closed 0, reopened 0, unchanged 0"
    );
    let cache = dir.path().join(".aftercare/cache.json");
    let snapshot = dir.path().join(".aftercare/cache.snapshot.json");
    for file in [&cache, &snapshot] {
        let text = std::fs::read_to_string(file).expect("the state is kept");
        assert!(!text.contains(OWNER_TOKEN), "{}", file.display());
    }
    let text = std::fs::read_to_string(&snapshot).unwrap();
    std::fs::write(&snapshot, &text[..text.len() - 10]).unwrap();
    gh.clear_requests();
    let out = run_ok(with_token(&gh, dir.path(), &STATUS, OWNER_TOKEN)).await;
    assert_eq!(totals(&out), totals_of(100, 0, 0));
    assert!(
        out.stderr
            .starts_with("warning: ignoring the listing snapshot: "),
        "{}",
        out.stderr
    );
    // The login is cached for the token; one page by label and one by creator.
    assert_eq!(requests(&gh).len(), 2, "{:#?}", requests(&gh));

    // Changing the labels in aftercare.yml lists everything again.
    write_config(dir.path(), "labels: [postmortem, reliability]\n");
    gh.clear_requests();
    let out = run_ok(with_token(&gh, dir.path(), &["status", "-v"], OWNER_TOKEN)).await;
    assert!(
        out.stderr
            .contains("listing every issue: the configured labels changed\n"),
        "{}",
        out.stderr
    );
    assert_eq!(requests(&gh).len(), 2, "{:#?}", requests(&gh));
}

/// Starts `status`, waits until request `number` is held open, and kills the process.
fn kill_at(gh: &Emulator, dir: &Path, number: u64) {
    let mut running = in_actions(gh, dir, &STATUS).spawn();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        if let Some(stalled) = gh.stalled_request() {
            assert_eq!(stalled.number, number, "{stalled:#?}");
            running.kill();
            return;
        }
        assert!(
            !running.has_ended(),
            "the run ended before request {number}"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "request {number} never came"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// 250 issues changed since the snapshot: the listing of changes is three pages. Two runs
/// killed at each of them leave the snapshot as it was, and the next run sees every change.
#[test]
fn runs_killed_during_the_listing_of_changes_leave_a_snapshot_the_next_run_can_trust() {
    let gh = Emulator::start_blocking();
    let dir = fixture(3, TASKS_PER);
    let first = in_actions(&gh, dir.path(), &SYNC).run();
    assert_eq!(
        last_line(&first),
        "created 300, updated 0, closed 0, reopened 0, unchanged 0"
    );
    let snapshot = dir.path().join(".aftercare/cache.snapshot.json");
    let before = std::fs::read(&snapshot).expect("the snapshot");
    for pm in 0..3 {
        for task in 0..TASKS_PER {
            if pm < 2 || task < 50 {
                gh.close_issue(number_of(&gh, pm, task), "completed");
            }
        }
    }
    let mut next = gh.requests().last().map_or(1, |r| r.number + 1);
    for page in 0..3 {
        for _ in 0..2 {
            let number = next + page;
            gh.inject(crate::support::emulator::Fault::at_request(
                number,
                FaultKind::Stall,
            ));
            kill_at(&gh, dir.path(), number);
            assert!(gh.pending_faults().is_empty());
            gh.clear_requests();
            next = number + 1;
            assert_eq!(std::fs::read(&snapshot).unwrap(), before, "page {page}");
        }
    }
    gh.clear_requests();
    let out = in_actions(&gh, dir.path(), &STATUS).run();
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(totals(&out), totals_of(300, 250, 0));
    assert_eq!(requests(&gh).len(), 3, "{:#?}", requests(&gh));
    let full = in_actions(&gh, dir.path(), &[&STATUS[..], &["--full"]].concat()).run();
    assert_eq!(report(&full), report(&out));
}
