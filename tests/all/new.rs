//! `aftercare new`: the skeleton it writes passes `check`, it takes the configured directory,
//! its schema line resolves to a schema file on disk, and it never overwrites a file.

use crate::support::cli::Aftercare;

#[test]
fn new_writes_a_draft_that_passes_check_and_prints_its_path() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let out = Aftercare::new(dir.path())
        .args([
            "new",
            "Disk full: writes failed",
            "--id",
            "2023-06-01-disk-full",
        ])
        .run();
    assert_eq!(out.stdout, "postmortems/2023-06-01-disk-full.yaml\n");
    assert_eq!(
        out.stderr,
        "wrote postmortem.schema.json: the schema the draft's first line points editors at\n"
    );
    assert_eq!(out.code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("postmortem.schema.json")).expect("the schema"),
        Aftercare::new(dir.path()).arg("schema").run().stdout
    );
    let text = std::fs::read_to_string(dir.path().join("postmortems/2023-06-01-disk-full.yaml"))
        .expect("the file was written");
    assert!(text.starts_with(
        "# yaml-language-server: $schema=../postmortem.schema.json\n\
         id: 2023-06-01-disk-full\n\
         title: \"Disk full: writes failed\"\n\
         status: draft"
    ));
    let out = Aftercare::new(dir.path()).arg("check").run();
    assert_eq!(
        out.stdout,
        "no problems in 1 file (1 postmortem, 0 tasks)\n"
    );
    assert_eq!(out.code, 0);
}

#[test]
fn the_default_id_is_today_and_a_slug_of_the_title() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let today = chrono::Utc::now().date_naive().format("%Y-%m-%d");
    let out = Aftercare::new(dir.path())
        .args(["new", "Outage caused by a DDoS attack"])
        .run();
    assert_eq!(
        out.stdout,
        format!("postmortems/{today}-outage-caused-by-a-ddos-attack.yaml\n")
    );
    assert_eq!(out.code, 0);
}

#[test]
fn new_refuses_to_overwrite_and_to_write_bad_ids() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::create_dir(dir.path().join("postmortems")).expect("mkdir");
    std::fs::write(
        dir.path().join("postmortems/2023-06-01-disk.yml"),
        "keep me\n",
    )
    .expect("write");
    let out = Aftercare::new(dir.path())
        .args(["new", "Disk full", "--id", "2023-06-01-disk"])
        .run();
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: postmortems/2023-06-01-disk.yml already exists; choose another id with --id\n"
    );
    assert_eq!(out.code, 1);
    let kept = std::fs::read_to_string(dir.path().join("postmortems/2023-06-01-disk.yml"));
    assert_eq!(kept.expect("still there"), "keep me\n");
    std::fs::write(
        dir.path().join("postmortems/disk.yaml"),
        "id: 2023-06-02-disk\ntitle: Disk\nstatus: draft\nimpact: {summary: s}\nroot_cause: r\n",
    )
    .expect("write");
    let out = Aftercare::new(dir.path())
        .args(["new", "Disk full", "--id", "2023-06-02-disk"])
        .run();
    assert_eq!(
        out.stderr,
        "error: postmortems/disk.yaml already has the id `2023-06-02-disk`; choose another id \
         with --id\n"
    );
    assert_eq!(out.code, 1);
    assert!(!dir.path().join("postmortems/2023-06-02-disk.yaml").exists());
    let out = Aftercare::new(dir.path())
        .args(["new", "Disk full", "--id", "Disk_Full"])
        .run();
    assert_eq!(
        out.stderr,
        "error: the id `Disk_Full` must use only lowercase letters, digits and `-`, and start \
         with a letter or digit\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn new_writes_into_the_configured_directory() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("aftercare.yml"), "dir: docs/incidents\n").expect("write");
    let out = Aftercare::new(dir.path())
        .args(["new", "Disk full", "--id", "2023-06-01-disk"])
        .run();
    assert_eq!(out.stdout, "docs/incidents/2023-06-01-disk.yaml\n");
    assert_eq!(out.code, 0);
    let text = std::fs::read_to_string(dir.path().join("docs/incidents/2023-06-01-disk.yaml"))
        .expect("the draft");
    assert_eq!(
        text.lines().next(),
        Some("# yaml-language-server: $schema=../../postmortem.schema.json")
    );
    assert!(dir.path().join("postmortem.schema.json").is_file());
    let out = Aftercare::new(dir.path()).arg("check").run();
    assert_eq!(
        out.stdout,
        "no problems in 1 file (1 postmortem, 0 tasks)\n"
    );
}

#[test]
fn new_keeps_a_schema_file_that_is_there() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("postmortem.schema.json"), "{}\n").expect("write");
    let out = Aftercare::new(dir.path())
        .args(["new", "Disk full", "--id", "2023-06-01-disk"])
        .run();
    assert_eq!(out.stdout, "postmortems/2023-06-01-disk.yaml\n");
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 0);
    let kept = std::fs::read_to_string(dir.path().join("postmortem.schema.json"));
    assert_eq!(kept.expect("still there"), "{}\n");
}
