//! How long `check` takes to load and validate 1,000 postmortems with 10,000 tasks in total.
//!
//! Generates the files in a temporary directory once, then measures
//! [`aftercare::format::load_dir`] over them: reading, parsing, validating and cross-file
//! checks, everything `check` does before printing. Run with `cargo bench --bench check`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};

const POSTMORTEMS: usize = 1_000;
const TASKS_PER_POSTMORTEM: usize = 10;

fn postmortem(n: usize) -> String {
    let mut text = format!(
        "# yaml-language-server: $schema=../postmortem.schema.json
id: 2023-05-10-incident-{n}
title: Outage number {n} caused by a DDoS attack
status: published
severity: SEV2
service: WidgetWorld
started: 2023-05-10T14:00:00Z
ended: 2023-05-11T02:00:00Z
detected: 2023-05-10T14:05:00Z
detection: monitoring alert on response time
impact:
  summary: Intermittent downtime for a share of users during twelve hours.
  users_affected_percent: 30
root_cause: |
  A DDoS attack overloaded the database server, which ran out of connections.
resolution: |
  Traffic was filtered at the edge and the database was restarted.
timeline:
  - at: 14:00
    kind: detection
    event: Alert on response time.
  - at: 2023-05-10T14:30:00Z
    kind: investigation
    event: Database server found under heavy load.
  - at: 2023-05-10T16:00:00Z
    kind: mitigation
    event: Traffic filtered.
lessons: |
  Watch the database connection count.
measures:
  - id: ddos-detection
    title: Improve DDoS detection and mitigation
  - id: database-capacity
    title: Add database capacity
tasks:
"
    );
    for t in 0..TASKS_PER_POSTMORTEM {
        text.push_str(&format!(
            "  - id: task-{t}
    title: Evaluate and implement improvement number {t}
    description: |
      Compare the options and implement the best one.
    measure: ddos-detection
    type: prevent
    priority: P{}
    owner: octocat
    due: 2023-06-10
    labels: [database, ddos]
",
            t % 3 + 1
        ));
    }
    text
}

fn write_tree(root: &Path) {
    let dir = root.join("postmortems");
    std::fs::create_dir_all(&dir).expect("create the postmortem directory");
    for n in 0..POSTMORTEMS {
        std::fs::write(dir.join(format!("incident-{n:04}.yaml")), postmortem(n))
            .expect("write a postmortem");
    }
}

fn bench_check(c: &mut Criterion) {
    let root = tempfile::tempdir().expect("a temp dir");
    write_tree(root.path());
    let loaded = aftercare::format::load_dir(root.path(), Path::new("postmortems"));
    assert_eq!(loaded.diagnostics, vec![]);
    assert_eq!(loaded.postmortems.len(), POSTMORTEMS);
    assert_eq!(loaded.task_count(), POSTMORTEMS * TASKS_PER_POSTMORTEM);

    let mut group = c.benchmark_group("check");
    group.sample_size(10);
    group.bench_function("load_dir 1000 postmortems, 10000 tasks", |b| {
        b.iter(|| aftercare::format::load_dir(black_box(root.path()), Path::new("postmortems")))
    });
    group.finish();
}

criterion_group!(benches, bench_check);
criterion_main!(benches);
