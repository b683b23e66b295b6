//! Requests made by `aftercare sync` against the GitHub emulator, next to the floor
//! ceil(issues/100) + 2 that a run with nothing to change must stay within.
//!
//! For the repository's five examples (34 tasks) and for a generated set of 1,000 tasks it runs
//! the built binary: a first sync (everything created), a no-op sync (the cache holds only stale
//! ETags), a no-op sync with a warm cache (every GET answered 304), and a no-op sync without a
//! cache file (no watermark, so the creator listing is read in full). It prints GETs, writes,
//! the primary budget spent and the time taken. Run with `cargo bench --bench sync_requests`.

// The support module is shared with the tests; this bench uses only part of it.
#[allow(unused_imports)]
#[path = "../tests/support/mod.rs"]
mod support;

use std::path::Path;
use std::time::Instant;

use support::cli::Aftercare;
use support::emulator::{Emulator, OWNER_TOKEN};

fn main() {
    let examples = tempfile::tempdir().expect("a temporary directory");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir(examples.path().join("postmortems")).expect("postmortems/");
    for entry in std::fs::read_dir(root.join("postmortems")).expect("the examples") {
        let entry = entry.expect("an entry");
        std::fs::copy(
            entry.path(),
            examples.path().join("postmortems").join(entry.file_name()),
        )
        .expect("an example is copied");
    }
    std::fs::write(
        examples.path().join("aftercare.yml"),
        "labels: [postmortem]\n",
    )
    .expect("the config is written");

    let generated = tempfile::tempdir().expect("a temporary directory");
    std::fs::create_dir(generated.path().join("postmortems")).expect("postmortems/");
    for p in 0..10 {
        let mut text = format!(
            "id: 2024-01-{:02}-generated\ntitle: Generated incident {p}\nstatus: published\n\
             impact:\n  summary: Generated.\nroot_cause: Generated.\ntasks:\n",
            p + 1
        );
        for t in 0..100 {
            text.push_str(&format!(
                "  - id: task-{t}\n    title: Task {t} of incident {p}\n"
            ));
        }
        std::fs::write(
            generated
                .path()
                .join("postmortems")
                .join(format!("g{p}.yaml")),
            text,
        )
        .expect("a generated postmortem is written");
    }
    std::fs::write(
        generated.path().join("aftercare.yml"),
        "labels: [postmortem]\n",
    )
    .expect("the config is written");

    println!(
        "{:<10} {:>6} {:<26} {:>5} {:>6} {:>7} {:>6} {:>9}",
        "set", "tasks", "run", "GETs", "writes", "budget", "floor", "time"
    );
    measure("examples", 34, examples.path());
    measure("generated", 1000, generated.path());
}

fn measure(set: &str, tasks: usize, dir: &Path) {
    let gh = Emulator::start_blocking();
    let floor = tasks.div_ceil(100) + 2;
    let cache = dir.join(".aftercare/cache.json");
    let runs: [(&str, bool); 4] = [
        ("first sync", false),
        ("no-op", false),
        ("no-op, warm cache", false),
        ("no-op, no cache file", true),
    ];
    for (name, drop_cache) in runs {
        if drop_cache {
            let _ = std::fs::remove_file(&cache);
        }
        gh.clear_requests();
        let started = Instant::now();
        let out = Aftercare::new(dir)
            .args(["sync", "--write-interval-ms", "0"])
            .env("GITHUB_API_URL", gh.url())
            .env("GITHUB_TOKEN", OWNER_TOKEN)
            .env("GITHUB_REPOSITORY", "acme/web")
            .run();
        let elapsed = started.elapsed();
        assert_eq!(out.code, 0, "{}", out.stderr);
        let requests = gh.requests();
        let gets = requests.iter().filter(|r| r.method == "GET").count();
        let writes = requests.len() - gets;
        let budget = requests.iter().filter(|r| r.counted).count();
        println!(
            "{set:<10} {tasks:>6} {name:<26} {gets:>5} {writes:>6} {budget:>7} {floor:>6} {:>7} ms",
            elapsed.as_millis()
        );
    }
}
