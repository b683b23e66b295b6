//! `aftercare import`: the five seed documents become drafts that pass `check` and keep the
//! facts of the hand-converted examples; documents in other layouts import with every entry;
//! documents that are not postmortems get a clear error; nothing is ever overwritten.
//!
//! The seed documents are read through `AFTERCARE_SEEDS`, which `.ci/run` sets.

use std::path::{Path, PathBuf};

use aftercare::model::{Moment, Postmortem, TimelineKind};

use crate::support::cli::Aftercare;

/// What import says when it writes the schema its drafts' first line points at.
const WROTE_SCHEMA: &str =
    "wrote postmortem.schema.json: the schema the drafts' first line points editors at\n";

fn repository() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    repository().join("tests/fixtures/import")
}

/// A temporary directory holding the named fixture documents.
fn with_fixtures(names: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    for name in names {
        std::fs::copy(fixtures().join(name), dir.path().join(name)).expect("a fixture is copied");
    }
    dir
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// The postmortems in `dir`, which must load without a single problem.
fn load(root: &Path, dir: &str) -> Vec<Postmortem> {
    let loaded = aftercare::format::load_dir(root, Path::new(dir));
    assert_eq!(loaded.diagnostics, vec![], "{dir} has problems");
    loaded.postmortems
}

fn moments(pm: &Postmortem) -> Vec<Option<String>> {
    let show = |m: &Option<Moment>| m.map(|m| m.to_string());
    let mut out = vec![show(&pm.started), show(&pm.ended), show(&pm.detected)];
    out.extend(pm.timeline.iter().map(|e| show(&e.at)));
    out
}

/// Per timeline entry: whether it is a misleading path, whether it is an escalation.
fn paths_and_escalations(pm: &Postmortem) -> Vec<(bool, bool)> {
    pm.timeline
        .iter()
        .map(|e| {
            (
                e.kind == Some(TimelineKind::Misleading),
                e.kind == Some(TimelineKind::Escalation),
            )
        })
        .collect()
}

/// The hand-converted examples, in the order of the seed documents they come from.
const EXAMPLES: [&str; 5] = [
    "2023-05-10-ddos-database-overload",
    "2023-05-10-network-misconfiguration",
    "database-connection-bottleneck",
    "2024-03-09-connection-pool-exhaustion",
    "2023-08-10-widgetworld-connection-pooling",
];

/// The drafts' ids, in the same order.
const DRAFTS: [&str; 5] = [
    "2023-05-10-outage-incident",
    "2023-05-10-postmortem",
    "postmortem-project",
    "2024-03-09-web-stack-outage-incident",
    "2023-08-10-web-service-outage-widgetworld",
];

#[test]
fn the_seed_documents_import_into_drafts_that_keep_the_examples_facts() {
    let Some(seeds) = std::env::var_os("AFTERCARE_SEEDS") else {
        println!("skipped: AFTERCARE_SEEDS is not set");
        return;
    };
    let seeds = PathBuf::from(seeds);
    assert!(
        seeds.is_dir(),
        "AFTERCARE_SEEDS={} is not a directory",
        seeds.display()
    );
    let mut documents: Vec<PathBuf> = std::fs::read_dir(&seeds)
        .expect("the seeds are readable")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    documents.sort();
    assert_eq!(documents.len(), 5, "five seed documents");

    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = Aftercare::new(dir.path())
        .args(["import", "--out", "drafts"])
        .args(&documents)
        .run();
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(out.stderr, WROTE_SCHEMA);
    assert!(
        dir.path().join("postmortem.schema.json").is_file(),
        "the drafts' schema line resolves"
    );
    assert!(
        out.stdout.ends_with("imported 5 of 5 documents\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("warning"), "{}", out.stdout);

    let check = Aftercare::new(dir.path())
        .args(["check", "--dir", "drafts"])
        .run();
    assert_eq!(
        check.stdout,
        "no problems in 5 files (5 postmortems, 34 tasks)\n"
    );
    assert_eq!(check.code, 0);

    let drafts = load(dir.path(), "drafts");
    let examples = load(&repository(), "postmortems");
    for (draft_id, example_id) in DRAFTS.iter().zip(EXAMPLES) {
        let draft = drafts
            .iter()
            .find(|p| p.id == *draft_id)
            .unwrap_or_else(|| panic!("no draft {draft_id}"));
        let example = examples
            .iter()
            .find(|p| p.id == example_id)
            .expect("the example exists");
        let counts = |p: &Postmortem| (p.tasks.len(), p.measures.len(), p.timeline.len());
        assert_eq!(
            counts(draft),
            counts(example),
            "{draft_id}: tasks, measures, timeline"
        );
        assert_eq!(
            draft.impact.users_affected_percent, example.impact.users_affected_percent,
            "{draft_id}"
        );
        assert_eq!(moments(draft), moments(example), "{draft_id}: times");
        assert_eq!(
            paths_and_escalations(draft),
            paths_and_escalations(example),
            "{draft_id}: misleading paths and escalations"
        );
        assert_eq!(draft.status, aftercare::model::PostmortemStatus::Draft);
        assert!(
            read(&dir.path().join(format!("drafts/{draft_id}.yaml")))
                .starts_with("# yaml-language-server: $schema=../postmortem.schema.json\n"),
        );
        // Closing remarks are lessons, never tasks.
        assert!(draft.lessons.is_some(), "{draft_id}: lessons");
        for task in &draft.tasks {
            let lower = task.title.to_lowercase();
            assert!(
                !lower.starts_with("by implementing") && !lower.starts_with("this incident"),
                "{draft_id}: {}",
                task.title
            );
        }
    }
}

/// Imports one fixture into `drafts/`, asserting the exact report, the exact draft (kept in
/// `expected/`) and that `check` passes it with `tasks` tasks.
fn assert_imports(fixture: &str, draft: &str, report: &str, tasks: usize) {
    let dir = with_fixtures(&[fixture]);
    let out = Aftercare::new(dir.path())
        .args(["import", fixture, "--out", "drafts"])
        .run();
    assert_eq!(out.stdout, report);
    assert_eq!(out.stderr, WROTE_SCHEMA);
    assert_eq!(out.code, 0);
    assert_eq!(
        read(&dir.path().join("drafts").join(draft)),
        read(&fixtures().join("expected").join(draft))
    );
    let check = Aftercare::new(dir.path())
        .args(["check", "--dir", "drafts"])
        .run();
    assert_eq!(
        check.stdout,
        format!("no problems in 1 file (1 postmortem, {tasks} tasks)\n")
    );
}

#[test]
fn a_markdown_document_with_lists_imports_every_entry() {
    assert_imports(
        "markdown-lists.md",
        "checkout-errors-after-a-config-push.yaml",
        "\
markdown-lists.md: wrote drafts/checkout-errors-after-a-config-push.yaml (6 timeline entries, 2 measures, 4 tasks)
markdown-lists.md:3: section \"Summary\" -> impact
markdown-lists.md:5: section \"Duration\" -> started, ended
markdown-lists.md:7: section \"Impact\" -> impact
markdown-lists.md:9: section \"Timeline\" -> timeline
markdown-lists.md:19: section \"Root Cause\" -> root_cause
markdown-lists.md:23: section \"Resolution\" -> resolution
markdown-lists.md:27: section \"Corrective and Preventive Measures\" -> measures
markdown-lists.md:34: section \"Action Items\" -> tasks
markdown-lists.md:40: section \"Lessons Learned\" -> lessons
markdown-lists.md:44: section \"Appendix\" -> lessons (not placed)
markdown-lists.md:44: warning: the section \"Appendix\" has no place in the format; its text is in `lessons` under a note
imported 1 of 1 document
",
        4,
    );
}

#[test]
fn an_underlined_document_with_a_task_table_imports_every_entry() {
    assert_imports(
        "underlined-table.txt",
        "2024-01-15-database-failover-outage.yaml",
        "\
underlined-table.txt: wrote drafts/2024-01-15-database-failover-outage.yaml (5 timeline entries, 0 measures, 2 tasks)
underlined-table.txt:4: warning: text before the first heading has no place in the format; its text is in `lessons` under a note
underlined-table.txt:6: section \"Summary\" -> impact
underlined-table.txt:8: section \"Duration\" -> started, ended
underlined-table.txt:8: warning: the document names no time zone; its times are read as UTC
underlined-table.txt:9: section \"Impact\" -> impact
underlined-table.txt:11: section \"Timeline\" -> timeline
underlined-table.txt:19: section \"Root Cause\" -> root_cause
underlined-table.txt:23: section \"Tasks\" -> tasks
imported 1 of 1 document
",
        2,
    );
}

#[test]
fn json_reports_the_same_sections_and_warnings() {
    let dir = with_fixtures(&["underlined-table.txt"]);
    let out = Aftercare::new(dir.path())
        .args(["import", "underlined-table.txt", "--format", "json"])
        .run();
    assert_eq!(out.code, 0, "{}", out.stderr);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let section =
        |name: &str, line: u64, to: &str| serde_json::json!({"name": name, "line": line, "to": to});
    assert_eq!(
        value,
        serde_json::json!({
            "documents": [{
                "file": "underlined-table.txt",
                "imported": true,
                "id": "2024-01-15-database-failover-outage",
                "path": "postmortems/2024-01-15-database-failover-outage.yaml",
                "counts": {"timeline": 5, "measures": 0, "tasks": 2},
                "sections": [
                    section("Summary", 6, "impact"),
                    section("Duration", 8, "started, ended"),
                    section("Impact", 9, "impact"),
                    section("Timeline", 11, "timeline"),
                    section("Root Cause", 19, "root_cause"),
                    section("Tasks", 23, "tasks"),
                ],
                "warnings": [
                    {"line": 4, "message": "text before the first heading has no place in the format; its text is in `lessons` under a note"},
                    {"line": 8, "message": "the document names no time zone; its times are read as UTC"},
                ],
                "error": null,
                "yaml": null
            }],
            "imported": 1,
            "failed": 0,
            "dry_run": false
        })
    );
    assert!(
        dir.path()
            .join("postmortems/2024-01-15-database-failover-outage.yaml")
            .is_file()
    );
}

#[test]
fn dry_run_prints_the_draft_and_writes_nothing_and_dash_reads_stdin() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let document = std::fs::read(fixtures().join("markdown-lists.md")).expect("the fixture");
    let out = Aftercare::new(dir.path())
        .args(["import", "-", "--dry-run"])
        .run_with_stdin(&document);
    assert_eq!(
        out.stdout,
        read(&fixtures().join("expected/checkout-errors-after-a-config-push.yaml"))
    );
    assert!(out.stderr.starts_with(
        "stdin: would write postmortems/checkout-errors-after-a-config-push.yaml (6 timeline entries, 2 measures, 4 tasks)\nstdin:3: section \"Summary\" -> impact\n"
    ), "{}", out.stderr);
    assert!(
        out.stderr
            .ends_with("read 1 of 1 document (dry run: nothing written)\n")
    );
    assert_eq!(out.code, 0);
    assert!(!dir.path().join("postmortems").exists());
}

#[test]
fn the_default_directory_is_the_configured_one_and_nothing_is_overwritten() {
    let dir = with_fixtures(&["markdown-lists.md", "underlined-table.txt"]);
    std::fs::write(dir.path().join("aftercare.yml"), "dir: incidents\n").expect("config");
    let first = Aftercare::new(dir.path())
        .args(["import", "markdown-lists.md"])
        .run();
    assert_eq!(first.code, 0, "{}", first.stdout);
    let path = dir
        .path()
        .join("incidents/checkout-errors-after-a-config-push.yaml");
    std::fs::write(
        &path,
        read(&path).replace("Checkout errors", "Edited title"),
    )
    .expect("edit");
    let edited = read(&path);

    // The same document again, and one that is fine: the first fails, the second is written.
    let again = Aftercare::new(dir.path())
        .args(["import", "markdown-lists.md", "underlined-table.txt"])
        .run();
    let lines: Vec<&str> = again.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "markdown-lists.md: error: the draft's id `checkout-errors-after-a-config-push` is already used: incidents/checkout-errors-after-a-config-push.yaml already exists; nothing was written"
    );
    assert_eq!(
        lines[1],
        "underlined-table.txt: wrote incidents/2024-01-15-database-failover-outage.yaml (5 timeline entries, 0 measures, 2 tasks)"
    );
    assert_eq!(lines.last(), Some(&"imported 1 of 2 documents"));
    assert_eq!(again.code, 1);
    assert_eq!(read(&path), edited);

    // An id used by a postmortem in another file, and twice in one run.
    std::fs::rename(&path, dir.path().join("incidents/renamed.yaml")).expect("rename");
    let twice = Aftercare::new(dir.path())
        .args(["import", "markdown-lists.md", "--dry-run"])
        .run();
    assert_eq!(
        twice.stderr.lines().next(),
        Some(
            "markdown-lists.md: error: the draft's id `checkout-errors-after-a-config-push` is already used: incidents/renamed.yaml already has the id `checkout-errors-after-a-config-push`; nothing was written"
        )
    );
    std::fs::remove_file(dir.path().join("incidents/renamed.yaml")).expect("remove");
    let twice = Aftercare::new(dir.path())
        .args([
            "import",
            "markdown-lists.md",
            "markdown-lists.md",
            "--dry-run",
        ])
        .run();
    assert_eq!(
        twice.stderr.lines().nth(12),
        Some(
            "markdown-lists.md: error: the draft's id `checkout-errors-after-a-config-push` is already used: another document of this run has the id `checkout-errors-after-a-config-push`; nothing was written"
        ),
        "{}",
        twice.stderr
    );
    assert_eq!(twice.code, 1);
}

#[test]
fn documents_that_are_not_postmortems_get_a_clear_error() {
    let dir = with_fixtures(&["readme.md"]);
    std::fs::write(dir.path().join("empty.txt"), "").expect("write");
    std::fs::write(dir.path().join("blank.txt"), "\n  \n\t\n").expect("write");
    std::fs::write(
        dir.path().join("image.png"),
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    )
    .expect("write");
    std::fs::write(dir.path().join("latin1.txt"), b"Summary:\nCaf\xe9 down\n").expect("write");
    std::fs::write(dir.path().join("utf16.txt"), b"\xff\xfeS\x00").expect("write");
    std::fs::create_dir(dir.path().join("folder")).expect("mkdir");
    let big = "Timeline:\n14:00 alert\n".repeat(60_000);
    std::fs::write(dir.path().join("big.txt"), &big).expect("write");
    let out = Aftercare::new(dir.path())
        .args([
            "import",
            "readme.md",
            "empty.txt",
            "blank.txt",
            "image.png",
            "latin1.txt",
            "utf16.txt",
            "folder",
            "missing.txt",
            "big.txt",
        ])
        .run();
    assert_eq!(
        out.stdout,
        "\
readme.md: error: not a postmortem: 0 of the sections a postmortem has (summary, impact, timeline, root cause, resolution, measures, tasks, lessons) found, at least 2 needed
empty.txt: error: the file is empty
blank.txt: error: the file is empty
image.png:3:1: error: binary data, not a text document (a NUL byte)
latin1.txt:2:4: error: not UTF-8 text (an invalid byte); save it as UTF-8
utf16.txt: error: the file is UTF-16 or UTF-32 (it starts with a byte order mark); save it as UTF-8
folder: error: not a regular file
missing.txt: error: cannot read the file: No such file or directory (os error 2)
big.txt: error: the file is larger than 1 MiB (1048576 bytes), the most a postmortem file may have
imported 0 of 9 documents
"
    );
    assert_eq!(out.code, 1);
    assert!(!dir.path().join("postmortems").exists());
}

#[test]
fn a_ten_megabyte_document_is_refused_quickly() {
    use std::io::Write as _;
    let dir = tempfile::tempdir().expect("a temporary directory");
    // Written in pieces: the test process's own memory would count in other tests' children,
    // which are forked from it.
    let mut file =
        std::io::BufWriter::new(std::fs::File::create(dir.path().join("big.txt")).expect("create"));
    for _ in 0..250_000 {
        file.write_all(b"Timeline:\n14:00 UTC: The issue was detected.\n")
            .expect("write");
    }
    file.flush().expect("flush");
    drop(file);
    let size = std::fs::metadata(dir.path().join("big.txt"))
        .expect("metadata")
        .len();
    assert!(size > 10_000_000);
    let started = std::time::Instant::now();
    let out = Aftercare::new(dir.path()).args(["import", "big.txt"]).run();
    let took = started.elapsed();
    assert_eq!(
        out.stdout,
        "big.txt: error: the file is larger than 1 MiB (1048576 bytes), the most a postmortem file may have\nimported 0 of 1 document\n"
    );
    assert_eq!(out.code, 1);
    assert!(took.as_secs_f64() < 1.0, "took {took:?}");
}

#[test]
fn more_than_a_document_on_standard_input_is_refused() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let document = "Timeline:\n14:00 UTC: The issue was detected.\n".repeat(30_000);
    assert!(document.len() > 1024 * 1024);
    let out = Aftercare::new(dir.path())
        .args(["import", "-"])
        .run_with_stdin(document.as_bytes());
    assert_eq!(
        out.stdout,
        "stdin: error: the file is larger than 1 MiB (1048576 bytes), the most a postmortem file may have\nimported 0 of 1 document\n"
    );
    assert_eq!(out.code, 1);
}

/// The fenced block of `language` that follows `after` in the README.
fn readme_block(readme: &str, after: &str, language: &str) -> String {
    let section = &readme[readme.find(after).expect("the README section")..];
    let fence = format!("```{language}\n");
    let start = section.find(&fence).expect("the block") + fence.len();
    let end = section[start..].find("```").expect("the block's end");
    section[start..start + end].to_string()
}

#[test]
fn the_readme_example_is_what_import_does() {
    let readme = read(&repository().join("README.md"));
    let heading = "### `aftercare import FILE...";
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("disk-full.md"),
        readme_block(&readme, heading, "markdown"),
    )
    .expect("write");
    let out = Aftercare::new(dir.path())
        .args(["import", "disk-full.md"])
        .run();
    assert_eq!(out.stdout, readme_block(&readme, heading, "text"));
    assert_eq!(out.code, 0);
    assert_eq!(
        read(
            &dir.path()
                .join("postmortems/2024-03-09-disk-full-on-the-primary-database.yaml")
        ),
        readme_block(&readme, heading, "yaml")
    );
}
