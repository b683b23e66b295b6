//! aftercare at scale: local speed and memory, GitHub requests next to their floor, and write
//! pacing, printed as the Markdown tables of the README's "Performance" section.
//!
//! Run with `cargo bench --bench scale` (add section names, `check`, `sync`, `actions`,
//! `gitlab`, `jira`, `import`, `site` or `pace`, after `--` to run only those). It generates
//! corpora with `examples/gen-corpus.rs` and runs the built binary, measuring each child's wall
//! time and peak memory exactly (`wait4`'s `ru_maxrss`, through a small launcher so that the
//! bench's own memory is not counted); wall times are the median of several runs.
//!
//! - **check**: `aftercare check` (load and validate) over 100, 1,000, 10,000 and 100,000
//!   tasks (ten per postmortem), and the sync plan computed in-process by
//!   [`aftercare::plan::plan`] over an index in which every task already has its issue (time,
//!   and the peak heap the planning allocates, counted by this bench's allocator). The time per
//!   task shows whether growth is linear.
//! - **site**: `aftercare site --offline` over 1,000 postmortems (10,000 tasks) through the
//!   binary (load, render and write 1,001 pages), and the pages rendered in-process by
//!   [`aftercare::report::site::render`] with every task's issue known, a third of them
//!   closed, so that every page carries its states, links and burn-down.
//! - **sync**: the binary against the GitHub emulator answering every request 20 ms late, with
//!   `--write-interval-ms 0`: a first sync of 1,000 tasks; syncs with nothing to change over
//!   5,000 tasks, with stale ETags, with a warm ETag cache (the listing snapshot kept in both)
//!   and without any state; `status` over the same issues. Each figure stands beside its floor:
//!   one read for a listing of changes, ceil(issues/100) for a complete listing, one write per
//!   changed task, zero budget for a run answered by 304s.
//! - **actions**: the same emulator as GitHub Actions sees it: after a first sync by the
//!   Action, a sync and a status with nothing new over 1,000, 5,000 and 50,000 tasks, each run
//!   with a new `GITHUB_TOKEN` (so no ETag ever matches) and the `.aftercare/` state kept, as
//!   the Action keeps it in the Actions cache. The 50,000-task setup takes a few minutes.
//! - **gitlab**: the same runs with nothing to change over 5,000 tasks against the GitLab
//!   emulator, 20 ms late: `sync` and `status` with the listing snapshot kept (at most 3
//!   requests), and `sync --full`, a complete listing (2 × ceil(issues/100) pages).
//! - **jira**: the same runs with nothing to change over 5,000 tasks against the Jira emulator
//!   (Cloud and Data Center), 20 ms late: `sync` and `status` with the listing snapshot kept (at
//!   most 3 requests), and `sync --full` (the project, its editors and ceil(issues/100) search
//!   pages).
//! - **import**: `aftercare import --dry-run` of a generated prose postmortem of 10 MB (refused
//!   by its size, without being read) and of one just under the 1 MiB a postmortem file may
//!   have, with 5,000 timeline lines and 2,000 tasks (read in full).
//! - **pace**: a first sync of 100 tasks at the default pace (writes 1 s apart) against the
//!   emulator enforcing GitHub's secondary limit of 80 writes a minute and 500 an hour, and
//!   the same at interval 0, which trips it. This section takes about three minutes.
//!
//! The targets are checked at the end and each is reported as met or missed.

// The support module is shared with the tests; this bench uses only part of it.
#[allow(unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;

#[allow(dead_code)]
#[path = "../examples/gen-corpus.rs"]
mod gen_corpus;

use std::alloc::{GlobalAlloc, Layout, System};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use aftercare::pacing::WritePacer;
use aftercare::plan::issue_index::IssueIndex;
use aftercare::plan::{Change, PlanInput, plan};
use aftercare::report::site::{SiteInput, States};
use aftercare::tracker::markdown::{self, Markdown};
use aftercare::tracker::{IssueRef, IssueState, TrackedIssue};

use gen_corpus::{Corpus, DEFAULT_SEED, OWNERS};
use support::emulator::{Account, Emulator, OWNER_TOKEN};
use support::gitlab::{self, GitLab};
use support::jira::{self as jira_emulator, Jira};

/// Every request answered this late in the sync section.
const LATENCY: Duration = Duration::from_millis(20);
/// Tasks per postmortem in every corpus.
const TASKS_PER: usize = 10;
const MIB: f64 = 1024.0 * 1024.0;
/// Runs of each measurement in the sync section, of which the median wall time is shown.
const RUNS: usize = 3;

/// Counts the bytes the bench's heap holds, and the most it held since the last reset.
struct CountingAllocator;

static HEAP_NOW: AtomicUsize = AtomicUsize::new(0);
static HEAP_PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let now = HEAP_NOW.fetch_add(bytes, Ordering::Relaxed) + bytes;
    HEAP_PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is passed on to the system allocator unchanged; only counters are added.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        HEAP_NOW.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            HEAP_NOW.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// Runs `f`; its result and the most heap it held at once beyond what was held before.
fn heap_peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = HEAP_NOW.load(Ordering::Relaxed);
    HEAP_PEAK.store(before, Ordering::Relaxed);
    let out = f();
    (out, HEAP_PEAK.load(Ordering::Relaxed) - before)
}

/// What one run of the binary did.
struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    wall: Duration,
    /// The child's own peak resident memory (`ru_maxrss`), in bytes.
    peak_rss: u64,
}

/// The first argument that makes this bench a launcher (see [`launch`]).
const LAUNCH: &str = "--launch-and-measure";

/// Runs the built binary with `args` in `dir` (plus `env`), in the clean environment the tests
/// use, and measures it.
///
/// Linux counts the memory of the process that spawned a child in the child's `ru_maxrss`
/// (the spawner's peak is carried over at `exec`), and this bench holds large corpora. So the
/// binary is started by a launcher, a fresh copy of this bench that does nothing else and
/// stays far smaller than the binary: the launcher spawns it, reaps it with `wait4`, and
/// reports its wall time, exit status and peak memory in a file.
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Measured {
    let report = tempfile::NamedTempFile::new().expect("a report file");
    let mut command = Command::new(std::env::current_exe().expect("this bench's path"));
    command
        .arg(LAUNCH)
        .arg(report.path())
        .arg(env!("CARGO_BIN_EXE_aftercare"))
        .args(args)
        .current_dir(dir);
    support::cli::remove_ambient_environment(&mut command);
    command.env("NO_COLOR", "1");
    for (key, value) in env {
        command.env(key, value);
    }
    let out = command.output().expect("the launcher runs");
    assert!(out.status.success(), "the launcher failed: {out:?}");
    let text = std::fs::read_to_string(report.path()).expect("the launcher's report");
    let numbers: Vec<u64> = text
        .split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect();
    let [status, nanos, peak_kib] = numbers[..] else {
        panic!("a report of three numbers, not {text:?}");
    };
    let status = std::process::ExitStatus::from_raw(status as i32);
    Measured {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        wall: Duration::from_nanos(nanos),
        peak_rss: peak_kib * 1024,
    }
}

/// The launcher: `args` are the report file, the program and its arguments. Runs the program
/// with this process's standard streams, directory and environment, and writes its raw wait
/// status, wall time in nanoseconds and `ru_maxrss` in KiB to the report file.
fn launch(args: &[String]) {
    let [report, program, rest @ ..] = args else {
        panic!("{LAUNCH} REPORT PROGRAM [ARGS...]");
    };
    let started = Instant::now();
    // Reaped below by `wait4`, which also reports the child's peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(program)
        .args(rest)
        .spawn()
        .expect("the program starts");
    let mut status = 0;
    // SAFETY: `rusage` is plain data that wait4 fills in; the child is ours and not yet reaped.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as libc::pid_t;
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(reaped, pid, "wait4 reaps the child");
    // Linux reports `ru_maxrss` in KiB.
    let line = format!("{status} {} {}\n", wall.as_nanos(), usage.ru_maxrss);
    std::fs::write(report, line).expect("the report is written");
}

fn median(mut values: Vec<Duration>) -> Duration {
    values.sort();
    values[values.len() / 2]
}

/// `12,345`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `0.214 s`, `38 ms`, `412 µs`.
fn short(d: Duration) -> String {
    if d >= Duration::from_secs(1) {
        format!("{:.3} s", d.as_secs_f64())
    } else if d >= Duration::from_millis(10) {
        format!("{} ms", d.as_millis())
    } else if d >= Duration::from_millis(1) {
        format!("{:.1} ms", d.as_secs_f64() * 1e3)
    } else {
        format!("{} µs", d.as_micros())
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB)
}

/// A fresh corpus of `tasks` tasks, ten per postmortem, in a temporary directory.
fn corpus(tasks: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let corpus = Corpus {
        postmortems: tasks / TASKS_PER,
        tasks_per: TASKS_PER,
        seed: DEFAULT_SEED,
    };
    let written = corpus.write(dir.path()).expect("the corpus is written");
    assert_eq!(written.tasks, tasks);
    dir
}

/// The targets, each measured and judged as it is met.
#[derive(Default)]
struct Targets {
    lines: Vec<String>,
}

impl Targets {
    fn judge(&mut self, what: &str, measured: String, met: bool) {
        self.lines.push(format!(
            "- {what}: {measured}: **{}**",
            if met { "met" } else { "missed" }
        ));
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some(LAUNCH) {
        launch(&args[2..]);
        return;
    }
    let sections: Vec<String> = args
        .into_iter()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| sections.is_empty() || sections.iter().any(|s| s == name);
    machine();
    let mut targets = Targets::default();
    if wanted("check") {
        check_and_plan(&mut targets);
    }
    if wanted("site") {
        site(&mut targets);
    }
    if wanted("sync") {
        sync_requests(&mut targets);
    }
    if wanted("gitlab") {
        gitlab_requests(&mut targets);
    }
    if wanted("jira") {
        jira_requests(&mut targets);
    }
    if wanted("import") {
        import_documents(&mut targets);
    }
    if wanted("actions") {
        actions_requests(&mut targets);
    }
    if wanted("pace") {
        pace(&mut targets);
    }
    println!("\n### Targets\n");
    for line in &targets.lines {
        println!("{line}");
    }
}

/// The machine the figures come from.
fn machine() {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown CPU".to_string());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory_kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    println!(
        "Machine: {model}, {cores} cores, {:.0} GiB of memory; release build.",
        memory_kib as f64 / 1024.0 / 1024.0
    );
}

/// A prose postmortem with `entries` timeline lines and `tasks` numbered tasks, in the layout of
/// the seed documents.
fn prose_postmortem(entries: usize, tasks: usize) -> String {
    let mut text = String::from(
        "Postmortem: Generated outage\n\nIssue Summary:\n\
         Duration: May 10, 2023, 14:00 UTC to May 11, 2023, 02:00 UTC\n\
         Impact: Approximately 30% of the users were affected.\n\nTimeline:\n\n",
    );
    for i in 0..entries {
        // Spread over ten hours from 14:00, in order.
        let minutes = 14 * 60 + i * 600 / entries;
        text.push_str(&format!(
            "{:02}:{:02} UTC: The incident was escalated to team {i} after a monitoring alert.\n",
            minutes / 60,
            minutes % 60
        ));
    }
    text.push_str("\nRoot Cause:\nA generated cause.\n\nTasks:\n\n");
    for i in 0..tasks {
        text.push_str(&format!(
            "{}. Review the configuration of service {i}.\n",
            i + 1
        ));
    }
    text
}

/// `import --dry-run` of a 10 MB document (refused by size) and of one near the size limit.
fn import_documents(targets: &mut Targets) {
    println!("\n### `import`\n");
    println!("`aftercare import --dry-run`, the binary, median of 5 runs.\n");
    println!("| Document | Size | Outcome | Wall time | peak memory |");
    println!("| --- | ---: | --- | ---: | ---: |");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let near = prose_postmortem(5_000, 2_000);
    let mut huge = String::new();
    while huge.len() < 10_000_000 {
        huge.push_str(&near);
    }
    for (name, text, expect_ok) in [
        ("near-limit.txt", &near, true),
        ("ten-megabytes.txt", &huge, false),
    ] {
        std::fs::write(dir.path().join(name), text).expect("the document is written");
        let mut walls = Vec::new();
        let mut peak_rss = 0;
        let mut outcome = String::new();
        for _ in 0..5 {
            let out = run(dir.path(), &["import", "--dry-run", name], &[]);
            assert_eq!(out.code == 0, expect_ok, "{}{}", out.stdout, out.stderr);
            outcome = out
                .stderr
                .lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches(name)
                .trim_start_matches(": ")
                .to_string();
            walls.push(out.wall);
            peak_rss = peak_rss.max(out.peak_rss);
        }
        let wall = median(walls);
        println!(
            "| {name} | {} | {outcome} | {} | {} |",
            mib(text.len() as u64),
            short(wall),
            mib(peak_rss)
        );
        targets.judge(
            &format!(
                "`import` of {name} ({}) under 0.5 s",
                mib(text.len() as u64)
            ),
            short(wall),
            wall < Duration::from_millis(500),
        );
    }
}

/// `check` through the binary and the plan in-process, at four sizes.
fn check_and_plan(targets: &mut Targets) {
    println!("\n### `check` and the sync plan\n");
    println!(
        "`check`: the binary, median of 5 runs (3 at 100,000 tasks). Plan: \
         `aftercare::plan::plan` in-process over an index in which every task has its issue, \
         median of 5 runs, and the heap it allocates at its peak.\n"
    );
    println!(
        "| Tasks | Postmortems | YAML | `check` | per task | peak memory | plan | per task | plan heap |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for tasks in [100, 1_000, 10_000, 100_000] {
        let dir = corpus(tasks);
        let bytes: u64 = std::fs::read_dir(dir.path().join("postmortems"))
            .expect("the corpus")
            .map(|e| e.expect("an entry").metadata().expect("metadata").len())
            .sum();
        let runs = if tasks >= 100_000 { 3 } else { 5 };
        let mut walls = Vec::new();
        let mut peak_rss = 0;
        let expected = format!(
            "no problems in {0} files ({0} postmortems, {tasks} tasks)\n",
            tasks / TASKS_PER
        );
        for _ in 0..runs {
            let out = run(dir.path(), &["check"], &[]);
            assert_eq!((out.code, out.stdout.as_str()), (0, expected.as_str()));
            walls.push(out.wall);
            peak_rss = peak_rss.max(out.peak_rss);
        }
        let check = median(walls);

        let (plan_time, plan_heap) = plan_measure(dir.path(), tasks);
        let per_task = |d: Duration| format!("{:.1} µs", d.as_secs_f64() * 1e6 / tasks as f64);
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            thousands(tasks),
            thousands(tasks / TASKS_PER),
            mib(bytes),
            short(check),
            per_task(check),
            mib(peak_rss),
            short(plan_time),
            per_task(plan_time),
            mib(plan_heap as u64),
        );
        if tasks == 10_000 {
            targets.judge(
                "`check` over 1,000 postmortems with 10,000 tasks under 0.5 s",
                short(check),
                check < Duration::from_millis(500),
            );
            targets.judge(
                "`check` over 10,000 tasks under 100 MiB peak memory",
                mib(peak_rss),
                peak_rss < 100 * 1024 * 1024,
            );
        }
    }
}

/// An index in which every task of `postmortems` has its issue, opened at the epoch plus its
/// number of hours; every `closed_every`-th issue (none when 0) is closed a day after it was
/// opened.
fn every_task_has_an_issue(
    postmortems: &[aftercare::model::Postmortem],
    closed_every: usize,
) -> IssueIndex {
    let labels = vec!["postmortem".to_string()];
    let text = github_text();
    let routes = aftercare::plan::route::Routes::single("acme/web");
    let first = plan(PlanInput {
        postmortems,
        index: &IssueIndex::default(),
        labels: &labels,
        text: &text,
        trust_rule: TRUST_RULE,
        routes: &routes,
        unreadable: &[],
    });
    let issues: Vec<TrackedIssue> = first
        .changes
        .into_iter()
        .enumerate()
        .map(|(n, change)| match change {
            Change::Create { issue, .. } => {
                let created_at = chrono::DateTime::UNIX_EPOCH + chrono::Duration::hours(n as i64);
                let closed = closed_every > 0 && n % closed_every == 0;
                TrackedIssue {
                    issue: IssueRef::numbered(n as u64 + 1, format!("{WEB}/issues/{}", n + 1)),
                    task: markdown::find_key(&issue.body),
                    trusted: true,
                    owned: markdown::find_owned(&issue.body),
                    removed_by_aftercare: false,
                    title: issue.title,
                    body: issue.body,
                    state: if closed {
                        IssueState::Done
                    } else {
                        IssueState::Open
                    },
                    labels: issue.labels,
                    assignees: issue.assignees,
                    author: "octocat".to_string(),
                    created_at,
                    updated_at: created_at,
                    closed_at: closed.then(|| created_at + chrono::Duration::days(1)),
                }
            }
            other => panic!("a first plan only creates, not {}", other.action()),
        })
        .collect();
    IssueIndex::build(issues)
}

/// The repository of the in-process plans.
const WEB: &str = "https://github.com/acme/web";
/// GitHub's trust rule, for the in-process plans.
const TRUST_RULE: &str = "a repository owner, member or collaborator";

/// GitHub's issue text for the in-process plans.
fn github_text() -> Markdown {
    Markdown {
        file_base: format!("{WEB}/blob/HEAD"),
        max_title_chars: markdown::GITHUB_MAX_TITLE_CHARS,
    }
}

/// Loads the corpus in `dir`, gives every task its issue, and times the plan over them.
fn plan_measure(dir: &Path, tasks: usize) -> (Duration, usize) {
    let loaded = aftercare::format::load_dir(dir, Path::new("postmortems"));
    assert!(!loaded.has_errors());
    let labels = vec!["postmortem".to_string()];
    let text = github_text();
    let index = every_task_has_an_issue(&loaded.postmortems, 0);
    let routes = aftercare::plan::route::Routes::single("acme/web");
    let input = PlanInput {
        postmortems: &loaded.postmortems,
        index: &index,
        labels: &labels,
        text: &text,
        trust_rule: TRUST_RULE,
        routes: &routes,
        unreadable: &[],
    };
    let mut times = Vec::new();
    let mut heap = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let (planned, peak) = heap_peak_of(|| plan(input));
        times.push(started.elapsed());
        heap = heap.max(peak);
        assert_eq!(planned.writes(), 0, "every task already has its issue");
        assert_eq!(planned.changes.len(), tasks);
    }
    (median(times), heap)
}

/// `site --offline` through the binary and the pages rendered in-process, over 1,000
/// postmortems.
fn site(targets: &mut Targets) {
    const TASKS: usize = 10_000;
    println!("\n### `site`\n");
    println!(
        "1,000 postmortems with 10,000 tasks. `site --offline`: the binary (load, render, write \
         1,001 pages), median of 5 runs. Render: `aftercare::report::site::render` in-process \
         with every task's issue known (a third closed), median of 5 runs.\n"
    );
    println!("| Postmortems | Tasks | `site --offline` | peak memory | render | per page | HTML |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let dir = corpus(TASKS);
    let pages = TASKS / TASKS_PER + 1;
    let expected = format!("wrote {pages} pages to site (offline: task states unknown)\n");
    let mut walls = Vec::new();
    let mut peak_rss = 0;
    for _ in 0..5 {
        let out = run(dir.path(), &["site", "--offline"], &[]);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (0, expected.as_str()),
            "{}",
            out.stderr
        );
        walls.push(out.wall);
        peak_rss = peak_rss.max(out.peak_rss);
    }
    let offline = median(walls);

    let loaded = aftercare::format::load_dir(dir.path(), Path::new("postmortems"));
    assert!(!loaded.has_errors());
    let index = every_task_has_an_issue(&loaded.postmortems, 3);
    let now = chrono::Utc::now();
    let status = aftercare::status::compute(
        &loaded.postmortems,
        &index,
        &aftercare::status::StatusInputs {
            repo: "acme/web",
            routes: &aftercare::plan::route::Routes::single("acme/web"),
            slo: &std::collections::BTreeMap::new(),
            today: now.date_naive(),
            generated_at: now,
            repo_url: Some("https://github.com/acme/web"),
            require_evidence: false,
            closed_by_merge: &std::collections::BTreeSet::new(),
        },
    );
    let input = SiteInput {
        postmortems: &loaded.postmortems,
        status: &status,
        states: States::Known,
    };
    let mut times = Vec::new();
    let mut bytes = 0;
    for _ in 0..5 {
        let started = Instant::now();
        let rendered = aftercare::report::site::render(&input);
        times.push(started.elapsed());
        assert_eq!(rendered.len(), pages);
        bytes = rendered.iter().map(|p| p.html.len()).sum::<usize>();
    }
    let render = median(times);
    println!(
        "| {} | {} | {} | {} | {} | {} | {} |",
        thousands(TASKS / TASKS_PER),
        thousands(TASKS),
        short(offline),
        mib(peak_rss),
        short(render),
        short(render / pages as u32),
        mib(bytes as u64),
    );
    targets.judge(
        "`site --offline` over 1,000 postmortems (load, render, write) under 1 s",
        short(offline),
        offline < Duration::from_secs(1),
    );
    targets.judge(
        "rendering the pages of 1,000 postmortems with their states under 1 s",
        short(render),
        render < Duration::from_secs(1),
    );
}

/// The requests of one run, counted from the emulator's log.
struct Requests {
    reads: usize,
    writes: usize,
    budget: usize,
    /// Writes refused by a rate limit.
    refused: usize,
}

fn requests(gh: &Emulator) -> Requests {
    let log = gh.requests();
    let reads = log.iter().filter(|r| r.method == "GET").count();
    Requests {
        reads,
        writes: log.len() - reads,
        budget: log.iter().filter(|r| r.counted).count(),
        refused: log
            .iter()
            .filter(|r| r.method != "GET" && (r.status == 403 || r.status == 429))
            .count(),
    }
}

/// An emulator that knows every owner of the corpus as a collaborator, with a budget larger
/// than a 5,000-issue setup needs (what a run spends is counted from the log).
fn emulator() -> Emulator {
    let gh = Emulator::start_blocking();
    for login in OWNERS {
        if login != "octocat" && login != "hubot" {
            gh.add_account(&format!("{login}-token"), Account::collaborator(login));
        }
    }
    gh.set_rate_limit(OWNER_TOKEN, 1_000_000);
    gh
}

const SYNC_ENV: [(&str, &str); 2] = [
    ("GITHUB_TOKEN", OWNER_TOKEN),
    ("GITHUB_REPOSITORY", "acme/web"),
];

/// Runs `args` against `gh` with the token and repository set.
fn against(gh: &Emulator, dir: &Path, args: &[&str]) -> (Measured, Requests) {
    gh.clear_requests();
    let url = gh.url();
    let mut env: Vec<(&str, &str)> = SYNC_ENV.to_vec();
    env.push(("GITHUB_API_URL", url.as_str()));
    let out = run(dir, args, &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (out, requests(gh))
}

/// ceil(issues/100) pages for a listing, and one page even for no issue.
fn listing_floor(issues: usize) -> usize {
    issues.div_ceil(100).max(1)
}

/// One row of the requests table.
struct Row<'a> {
    run: &'a str,
    requests: &'a Requests,
    reads_floor: usize,
    writes_floor: usize,
    budget_floor: usize,
    wall: Duration,
    runs: usize,
    peak_rss: u64,
}

fn print_row(row: Row<'_>) {
    let r = row.requests;
    println!(
        "| {} | {} (floor {}) | {} (floor {}) | {} (floor {}) | {} (median of {}) | {} |",
        row.run,
        thousands(r.reads),
        thousands(row.reads_floor),
        thousands(r.writes),
        thousands(row.writes_floor),
        thousands(r.budget),
        thousands(row.budget_floor),
        short(row.wall),
        row.runs,
        mib(row.peak_rss),
    );
}

/// Runs `args` `runs` times, putting `cache` in place first when given (else removing the cache
/// file), and checks that the output says `words`; the last run's requests (every run
/// makes the same ones), the median wall time and the largest peak memory.
fn repeat(
    gh: &Emulator,
    dir: &Path,
    args: &[&str],
    cache: Option<&[u8]>,
    words: &str,
) -> (Requests, Duration, u64) {
    let cache_file = dir.join(".aftercare/cache.json");
    let mut walls = Vec::new();
    let mut peak = 0;
    let mut last = None;
    for _ in 0..RUNS {
        match cache {
            Some(bytes) => std::fs::write(&cache_file, bytes).expect("the cache is put back"),
            None => {
                let _ = std::fs::remove_file(&cache_file);
                let _ = std::fs::remove_file(dir.join(".aftercare/cache.snapshot.json"));
            }
        }
        let (out, requests) = against(gh, dir, args);
        assert!(out.stdout.contains(words), "{}", out.stdout);
        walls.push(out.wall);
        peak = peak.max(out.peak_rss);
        if let Some(previous) = &last {
            let previous: &Requests = previous;
            assert_eq!(
                (previous.reads, previous.writes, previous.budget),
                (requests.reads, requests.writes, requests.budget),
                "the same run makes the same requests"
            );
        }
        last = Some(requests);
    }
    (last.expect("at least one run"), median(walls), peak)
}

/// Runs `command` over the 5,000 issues of `gh` with nothing to change, from the cache file
/// `cache` and the listing snapshot of the last run (none: neither file), and prints its row.
fn noop_row(
    gh: &Emulator,
    dir: &Path,
    command: &str,
    cache_state: &str,
    cache: Option<&[u8]>,
    words: &str,
) -> Requests {
    let args: &[&str] = match command {
        "sync" => &["sync", "--write-interval-ms", "0"],
        _ => &["status"],
    };
    let (requests, wall, peak_rss) = repeat(gh, dir, args, cache, words);
    // With the listing snapshot kept, one page of changes; without it, a complete listing.
    let floor = if cache.is_some() {
        1
    } else {
        listing_floor(5_000)
    };
    let answered_by_304s = cache_state == "ETag cache";
    let run = match command {
        "sync" => format!("sync, nothing to change, 5,000 tasks ({cache_state})"),
        _ => format!("status, 5,000 tasks ({cache_state})"),
    };
    print_row(Row {
        run: &run,
        requests: &requests,
        reads_floor: floor,
        writes_floor: 0,
        budget_floor: if answered_by_304s { 0 } else { floor },
        wall,
        runs: RUNS,
        peak_rss,
    });
    requests
}

fn sync_requests(targets: &mut Targets) {
    println!("\n### GitHub requests\n");
    println!(
        "The binary against the GitHub emulator, which answers every request {} ms late; \
         `--write-interval-ms 0`. Floors: one read for a listing of the changes since the last \
         run, ceil(issues/100) reads for a complete listing (no state kept), one write per \
         changed task, and budget for every request not answered `304`.\n",
        LATENCY.as_millis()
    );
    println!("| Run | Reads | Writes | Budget spent | Wall time | Peak memory |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let sync = ["sync", "--write-interval-ms", "0"];

    // A first sync of 1,000 tasks, each run on an empty repository.
    let dir = corpus(1_000);
    let mut walls = Vec::new();
    let mut peak = 0;
    let mut first = None;
    for _ in 0..RUNS {
        let gh = emulator();
        gh.set_latency(LATENCY);
        let _ = std::fs::remove_dir_all(dir.path().join(".aftercare"));
        let (out, requests) = against(&gh, dir.path(), &sync);
        assert!(
            out.stdout
                .ends_with("created 1000, updated 0, closed 0, reopened 0, unchanged 0\n")
        );
        assert_eq!(gh.issues().len(), 1_000);
        walls.push(out.wall);
        peak = peak.max(out.peak_rss);
        first = Some(requests);
    }
    let first = first.expect("three runs");
    print_row(Row {
        run: "first sync, 1,000 tasks",
        requests: &first,
        reads_floor: listing_floor(0),
        writes_floor: 1_000,
        budget_floor: listing_floor(0) + 1_000,
        wall: median(walls),
        runs: RUNS,
        peak_rss: peak,
    });
    targets.judge(
        "a first sync of 1,000 tasks in exactly 1,000 writes",
        format!("{} writes", thousands(first.writes)),
        first.writes == 1_000,
    );

    // 5,000 tasks synced once (without latency, to save time), then runs with nothing to do.
    let dir = corpus(5_000);
    let gh = emulator();
    let (setup, _) = against(&gh, dir.path(), &sync);
    assert!(
        setup
            .stdout
            .ends_with("created 5000, updated 0, closed 0, reopened 0, unchanged 0\n")
    );
    let cache_file = dir.path().join(".aftercare/cache.json");
    let stale = std::fs::read(&cache_file).expect("the first sync wrote its cache");
    gh.set_latency(LATENCY);
    let unchanged = "created 0, updated 0, closed 0, reopened 0, unchanged 5000\n";
    let reported = "Corrective actions in acme/web: 0 of 5000 done";

    // The run with stale ETags leaves them fresh in the cache file: that is the warm cache.
    let noop = noop_row(
        &gh,
        dir.path(),
        "sync",
        "ETags stale",
        Some(&stale),
        unchanged,
    );
    let warm = std::fs::read(&cache_file).expect("the cache");
    let cached = noop_row(
        &gh,
        dir.path(),
        "sync",
        "ETag cache",
        Some(&warm),
        unchanged,
    );
    noop_row(&gh, dir.path(), "sync", "no cache file", None, unchanged);
    let status_stale = noop_row(
        &gh,
        dir.path(),
        "status",
        "ETags stale",
        Some(&stale),
        reported,
    );
    let status_cached = noop_row(
        &gh,
        dir.path(),
        "status",
        "ETag cache",
        Some(&warm),
        reported,
    );
    for (what, r) in [
        ("sync with nothing to change over 5,000 tasks", &noop),
        ("status over 5,000 tasks", &status_stale),
    ] {
        targets.judge(
            &format!("{what} in at most 52 requests and no write"),
            format!("{} requests, {} writes", r.reads + r.writes, r.writes),
            r.reads + r.writes <= 52 && r.writes == 0,
        );
    }
    for (what, r) in [
        ("sync with nothing to change over 5,000 tasks", &cached),
        ("status over 5,000 tasks", &status_cached),
    ] {
        targets.judge(
            &format!("{what}, with the ETag cache, spends no budget"),
            format!("{} budget", r.budget),
            r.budget == 0 && r.reads + r.writes <= 52,
        );
    }
}

/// The requests a GitLab run made, from the emulator's log (GitLab has no conditional requests,
/// so every request spends budget).
fn gitlab_log(gl: &GitLab) -> Requests {
    let log = gl.requests();
    let reads = log.iter().filter(|r| r.method == "GET").count();
    Requests {
        reads,
        writes: log.len() - reads,
        budget: log.len(),
        refused: log.iter().filter(|r| r.status == 429).count(),
    }
}

/// Syncs with nothing to change and `status` over 5,000 tasks in a GitLab project.
fn gitlab_requests(targets: &mut Targets) {
    println!("\n### GitLab requests\n");
    println!(
        "The binary against the GitLab emulator, which answers every request {} ms late, with \
         `.aftercare/` kept between runs, after a first sync of 5,000 tasks stamped a second \
         apart. Floors: for a run with nothing to change, one read (the changes since the last \
         run) and no write; for `--full`, a complete listing: ceil(issues/100) pages by label \
         and as many of the syncing user's own issues.\n",
        LATENCY.as_millis()
    );
    println!("| Run | Reads | Writes | Budget spent | Wall time | Peak memory |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let gl = GitLab::start_blocking();
    for login in OWNERS {
        gl.add_user(login, None, Some(gitlab::DEVELOPER));
    }
    gl.set_request_limit(1_000_000, Duration::from_secs(60));
    gl.set_issue_creation_limit(1_000_000, Duration::from_secs(60));
    // The first sync runs unpaced here, but stamps its issues a second apart, as a sync within
    // gitlab.com's limits would: otherwise all 5,000 fall inside the minute of overlap that a
    // listing of changes re-reads.
    gl.set_clock_step(Duration::from_secs(1));
    let dir = corpus(5_000);
    let config = dir.path().join("aftercare.yml");
    let mut text = std::fs::read_to_string(&config).unwrap_or_default();
    text.push_str(&format!(
        "\ntracker:\n  kind: gitlab\n  url: {}\n  project: {}\n",
        gl.url(),
        gitlab::PROJECT_PATH
    ));
    std::fs::write(&config, text).expect("aftercare.yml is written");
    let env = [("GITLAB_TOKEN", gitlab::OWNER_TOKEN)];
    let sync = ["sync", "--write-interval-ms", "0"];
    let setup = run(dir.path(), &sync, &env);
    assert!(
        setup
            .stdout
            .ends_with("created 5000, updated 0, closed 0, reopened 0, unchanged 0\n"),
        "{}",
        setup.stderr
    );
    gl.set_latency(LATENCY);
    let floor = 1;
    let full_floor = 2 * listing_floor(5_000);
    for (name, args, words) in [
        (
            "sync, nothing to change, 5,000 tasks",
            &sync[..],
            "created 0, updated 0, closed 0, reopened 0, unchanged 5000\n",
        ),
        ("status, 5,000 tasks", &["status"][..], "0 of 5000 done"),
        (
            "sync --full, nothing to change, 5,000 tasks",
            &["sync", "--write-interval-ms", "0", "--full"][..],
            "created 0, updated 0, closed 0, reopened 0, unchanged 5000\n",
        ),
    ] {
        let mut walls = Vec::new();
        let mut peak = 0;
        let mut last: Option<Requests> = None;
        for _ in 0..RUNS {
            gl.clear_requests();
            let out = run(dir.path(), args, &env);
            assert_eq!(out.code, 0, "{}", out.stderr);
            assert!(out.stdout.contains(words), "{}", out.stdout);
            walls.push(out.wall);
            peak = peak.max(out.peak_rss);
            let requests = gitlab_log(&gl);
            if let Some(previous) = &last {
                assert_eq!(
                    (previous.reads, previous.writes),
                    (requests.reads, requests.writes),
                    "the same run makes the same requests"
                );
            }
            last = Some(requests);
        }
        let requests = last.expect("three runs");
        let floor = if name.contains("--full") {
            full_floor
        } else {
            floor
        };
        print_row(Row {
            run: name,
            requests: &requests,
            reads_floor: floor,
            writes_floor: 0,
            budget_floor: floor,
            wall: median(walls),
            runs: RUNS,
            peak_rss: peak,
        });
        let most = if name.contains("--full") {
            full_floor
        } else {
            3
        };
        targets.judge(
            &format!("GitLab: {name} in at most {most} requests and no write"),
            format!(
                "{} requests, {} writes",
                requests.reads + requests.writes,
                requests.writes
            ),
            requests.reads + requests.writes <= most && requests.writes == 0,
        );
    }
}

/// Runs `args` as the Action does: a new `GITHUB_TOKEN` of `github-actions[bot]` that the
/// Action vouches for, whose budget is `budget` requests an hour.
fn in_actions(gh: &Emulator, dir: &Path, args: &[&str], budget: u32) -> (Measured, Requests) {
    gh.clear_requests();
    let token = gh.new_actions_token();
    gh.set_rate_limit(&token, budget);
    let url = gh.url();
    let env = [
        ("GITHUB_TOKEN", token.as_str()),
        ("GITHUB_REPOSITORY", "acme/web"),
        ("GITHUB_API_URL", url.as_str()),
        ("GITHUB_ACTIONS", "true"),
        ("AFTERCARE_TOKEN_IS_GITHUB_TOKEN", "true"),
    ];
    let out = run(dir, args, &env);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (out, requests(gh))
}

/// After a first sync by the Action, syncs and statuses with nothing new, each with a new token
/// and the state of the run before, at 1,000, 5,000 and 50,000 tasks.
fn actions_requests(targets: &mut Targets) {
    println!("\n### In GitHub Actions\n");
    println!(
        "The emulator as a workflow sees it ({} ms a request): every run has a new \
         `GITHUB_TOKEN` (1,000 requests an hour), so no ETag of an earlier run ever matches, and \
         `.aftercare/` is kept between runs as the Action keeps it. Each row follows a first \
         sync of all tasks by the Action. Floors: one read for a listing of the changes, no \
         write.\n",
        LATENCY.as_millis()
    );
    println!("| Run | Reads | Writes | Budget spent | Wall time | Peak memory |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let sync = ["sync", "--write-interval-ms", "0"];
    for tasks in [1_000, 5_000, 50_000] {
        let dir = corpus(tasks);
        let gh = emulator();
        let (setup, _) = in_actions(&gh, dir.path(), &sync, 1_000_000);
        assert!(setup.stdout.ends_with(&format!(
            "created {tasks}, updated 0, closed 0, reopened 0, unchanged 0\n"
        )));
        gh.set_latency(LATENCY);
        for command in ["sync", "status"] {
            let (args, words): (&[&str], String) = match command {
                "sync" => (
                    &sync,
                    format!("created 0, updated 0, closed 0, reopened 0, unchanged {tasks}\n"),
                ),
                _ => (
                    &["status"],
                    format!("Corrective actions in acme/web: 0 of {tasks} done"),
                ),
            };
            let mut walls = Vec::new();
            let mut peak = 0;
            let mut counts = Vec::new();
            for _ in 0..RUNS {
                let (out, requests) = in_actions(&gh, dir.path(), args, 1_000);
                assert!(out.stdout.contains(&words), "{}", out.stdout);
                walls.push(out.wall);
                peak = peak.max(out.peak_rss);
                counts.push((requests.reads, requests.writes, requests.budget));
            }
            assert!(
                counts.windows(2).all(|w| w[0] == w[1]),
                "the same run makes the same requests: {counts:?}"
            );
            let (reads, writes, budget) = counts[0];
            let run = match command {
                "sync" => format!("sync, nothing new, {} tasks, new token", thousands(tasks)),
                _ => format!("status, nothing new, {} tasks, new token", thousands(tasks)),
            };
            print_row(Row {
                run: &run,
                requests: &Requests {
                    reads,
                    writes,
                    budget,
                    refused: 0,
                },
                reads_floor: 1,
                writes_floor: 0,
                budget_floor: 1,
                wall: median(walls),
                runs: RUNS,
                peak_rss: peak,
            });
            targets.judge(
                &format!(
                    "{command} with nothing new over {} tasks in Actions in at most 3 requests \
                     and no write",
                    thousands(tasks)
                ),
                format!("{} requests, {writes} writes", reads + writes),
                reads + writes <= 3 && writes == 0,
            );
            if tasks == 50_000 {
                targets.judge(
                    &format!("{command} with nothing new over 50,000 tasks under 150 MiB"),
                    mib(peak),
                    peak < 150 * 1024 * 1024,
                );
            }
        }
    }
}

/// A first sync of 100 tasks against GitHub's secondary write limits, at the default pace and
/// with pacing off.
fn pace(targets: &mut Targets) {
    println!("\n### Write pacing\n");
    println!(
        "A first sync of 100 tasks against the emulator enforcing GitHub's secondary limit of 80 \
         writes a minute and 500 an hour ({} ms latency). One run each.\n",
        LATENCY.as_millis()
    );
    println!("| Pace | Writes | Refused by the secondary limit | Wall time |");
    println!("| --- | ---: | ---: | ---: |");
    let dir = corpus(100);
    let mut refused_at_default = None;
    for (pace, args) in [
        ("default (1 s apart)", &["sync"][..]),
        (
            "`--write-interval-ms 0`",
            &["sync", "--write-interval-ms", "0"][..],
        ),
    ] {
        let gh = emulator();
        gh.set_latency(LATENCY);
        gh.set_secondary_write_limits(&[
            (80, Duration::from_secs(60)),
            (500, Duration::from_secs(3_600)),
        ]);
        let _ = std::fs::remove_dir_all(dir.path().join(".aftercare"));
        let (out, requests) = against(&gh, dir.path(), args);
        assert!(
            out.stdout
                .ends_with("created 100, updated 0, closed 0, reopened 0, unchanged 0\n")
        );
        assert_eq!(gh.issues().len(), 100);
        println!(
            "| {pace} | {} | {} (floor 0) | {} |",
            requests.writes - requests.refused,
            requests.refused,
            short(out.wall)
        );
        refused_at_default.get_or_insert(requests.refused);
    }
    let refused = refused_at_default.expect("the default pace ran");
    targets.judge(
        "more than 80 writes at the default pace never trip the secondary limit",
        format!("{refused} refused of 100"),
        refused == 0,
    );

    // What the hour window means for a first sync of 1,000 tasks at the default pace.
    let mut pacer = WritePacer::github(Duration::from_secs(1));
    let t0 = Instant::now();
    let mut now = t0;
    for _ in 0..1_000 {
        if let Some(wait) = pacer.wait(now) {
            now += wait.duration;
        }
        pacer.record(now);
    }
    let last = now - t0;
    println!(
        "\nAt the default pace the 1,000th write of a first sync of 1,000 tasks goes {} min {} s \
         after the first: writes 1 to 500 go a second apart, write 501 waits for the first to \
         leave the hour window.",
        last.as_secs() / 60,
        last.as_secs() % 60
    );
}

/// Runs with nothing to change over 5,000 tasks in a Jira project, on Cloud and Data Center,
/// with `.aftercare/` kept: `sync` and `status` from the listing snapshot, and `sync --full`.
fn jira_requests(targets: &mut Targets) {
    println!("\n### Jira requests\n");
    println!(
        "The binary against the Jira emulator, which answers every request {} ms late, with \
         `.aftercare/` kept between runs, after a first sync of 5,000 tasks (the emulator \
         stamps its changes a second apart, as a paced sync would). Searches are POSTs that \
         change nothing and count as reads. Floors: for a run with nothing to change, one \
         search page (the changes since the last run) and no write; for `--full`, the project, \
         its editors and ceil(issues/100) search pages.\n",
        LATENCY.as_millis()
    );
    println!("| Run | Reads | Writes | Budget spent | Wall time | Peak memory |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    for (deployment, name, env) in [
        (
            jira_emulator::Deployment::Cloud,
            "Cloud",
            vec![
                ("JIRA_EMAIL", jira_emulator::BOT_EMAIL),
                ("JIRA_API_TOKEN", jira_emulator::BOT_TOKEN),
            ],
        ),
        (
            jira_emulator::Deployment::DataCenter,
            "Data Center",
            vec![("JIRA_TOKEN", jira_emulator::BOT_TOKEN)],
        ),
    ] {
        let jira = Jira::start_blocking(deployment);
        for login in OWNERS {
            jira.add_user(login);
        }
        let dir = corpus(5_000);
        let config = dir.path().join("aftercare.yml");
        let mut text = std::fs::read_to_string(&config).unwrap_or_default();
        let kind = match deployment {
            jira_emulator::Deployment::Cloud => "cloud",
            jira_emulator::Deployment::DataCenter => "datacenter",
        };
        text.push_str(&format!(
            "\ntracker:\n  kind: jira\n  url: {}\n  project: {}\n  deployment: {kind}\n",
            jira.url(),
            jira_emulator::PROJECT
        ));
        std::fs::write(&config, text).expect("aftercare.yml is written");
        let sync = ["sync", "--write-interval-ms", "0"];
        let setup = run(dir.path(), &sync, &env);
        assert!(
            setup
                .stdout
                .ends_with("created 5000, updated 0, closed 0, reopened 0, unchanged 0\n"),
            "{}",
            setup.stderr
        );
        jira.set_latency(LATENCY);
        let full_floor = listing_floor(5_000) + 2;
        for (run_name, args, words) in [
            (
                "sync, nothing to change, 5,000 tasks",
                &sync[..],
                "created 0, updated 0, closed 0, reopened 0, unchanged 5000\n",
            ),
            ("status, 5,000 tasks", &["status"][..], "0 of 5000 done"),
            (
                "sync --full, nothing to change, 5,000 tasks",
                &["sync", "--write-interval-ms", "0", "--full"][..],
                "created 0, updated 0, closed 0, reopened 0, unchanged 5000\n",
            ),
        ] {
            let full = run_name.contains("--full");
            let mut walls = Vec::new();
            let mut peak = 0;
            let mut last: Option<Requests> = None;
            for _ in 0..RUNS {
                jira.clear_log();
                let out = run(dir.path(), args, &env);
                assert_eq!(out.code, 0, "{}", out.stderr);
                assert!(out.stdout.contains(words), "{}", out.stdout);
                walls.push(out.wall);
                peak = peak.max(out.peak_rss);
                let log = jira.requests();
                let reads = log
                    .iter()
                    .filter(|r| r.method == "GET" || r.path.starts_with("/search"))
                    .count();
                let requests = Requests {
                    reads,
                    writes: log.len() - reads,
                    budget: log.len(),
                    refused: log.iter().filter(|r| r.status == 429).count(),
                };
                if let Some(previous) = &last {
                    assert_eq!(
                        (previous.reads, previous.writes),
                        (requests.reads, requests.writes),
                        "the same run makes the same requests"
                    );
                }
                last = Some(requests);
            }
            let requests = last.expect("three runs");
            let floor = if full { full_floor } else { 1 };
            let row = format!("Jira {name}: {run_name}");
            print_row(Row {
                run: &row,
                requests: &requests,
                reads_floor: floor,
                writes_floor: 0,
                budget_floor: floor,
                wall: median(walls),
                runs: RUNS,
                peak_rss: peak,
            });
            let most = if full { full_floor } else { 3 };
            targets.judge(
                &format!("{row} in at most {most} requests and no write"),
                format!(
                    "{} requests, {} writes",
                    requests.reads + requests.writes,
                    requests.writes
                ),
                requests.reads + requests.writes <= most && requests.writes == 0,
            );
        }
    }
}
