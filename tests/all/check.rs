//! `aftercare check` on fixture trees: one fixture per rule under `tests/fixtures/check/`,
//! each run through the built binary with exact expected output and exit code. Inputs that
//! cannot live in a fixture file comfortably (non-UTF-8 bytes, thousands of truncations) are
//! written to a temporary directory.

use std::path::{Path, PathBuf};

use crate::support::cli::{Aftercare, Outcome};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name)
}

fn check(name: &str, extra: &[&str]) -> Outcome {
    Aftercare::new(&fixture(name))
        .arg("check")
        .args(extra)
        .run()
}

/// Asserts the exact output and exit code of `check` on a fixture.
fn assert_check(name: &str, code: i32, expected: &str) {
    let out = check(name, &[]);
    assert_eq!(out.stdout, expected, "stdout of {name}");
    assert_eq!(out.stderr, "", "stderr of {name}");
    assert_eq!(out.code, code, "exit code of {name}");
}

const TIME_FORMS: &str = "expected a date-time like `2023-05-10T14:00:00Z`, a date like \
                          `2023-05-10` or a time of day like `14:00`";

#[test]
fn a_valid_tree_passes_and_counts_postmortems_and_tasks() {
    // `.yml` is read, `notes.txt` is not, and `at: 14:00` unquoted is a time of day.
    assert_check(
        "valid",
        0,
        "no problems in 2 files (2 postmortems, 2 tasks)\n",
    );
}

#[test]
fn yaml_syntax_errors_point_at_the_parser_position() {
    assert_check(
        "yaml-syntax",
        1,
        "postmortems/broken.yaml:10:10: error: invalid YAML: illegal placement of ':' indicator\n\
         1 error in 1 file\n",
    );
}

#[test]
fn unknown_fields_suggest_the_field_meant() {
    // The misspelt `titel` is not reported a second time as a missing `title`.
    assert_check(
        "unknown-field",
        1,
        "postmortems/typo.yaml:2:1: error: unknown field `titel`, did you mean `title`?\n\
         postmortems/typo.yaml:9:5: error: unknown field `prority`, did you mean `priority`?\n\
         2 errors in 1 file\n",
    );
}

#[test]
fn wrong_types_say_what_was_expected_and_found() {
    assert_check(
        "wrong-type",
        1,
        "postmortems/types.yaml:2:8: error: expected a string for `title`, found a number; \
         quote it (`'2023'`) if it is text\n\
         postmortems/types.yaml:5:13: error: expected a string for `root_cause`, found a list\n\
         postmortems/types.yaml:9:13: error: expected a list for `labels`, found a string\n\
         3 errors in 1 file\n",
    );
}

#[test]
fn missing_required_fields_are_all_reported() {
    assert_check(
        "missing-required",
        1,
        "postmortems/missing.yaml:1:1: error: missing field `title` in the postmortem\n\
         postmortems/missing.yaml:1:1: error: missing field `root_cause` in the postmortem\n\
         postmortems/missing.yaml:2:9: error: missing field `summary` in `impact`\n\
         postmortems/missing.yaml:4:5: error: missing field `id` in a task\n\
         4 errors in 1 file\n",
    );
}

#[test]
fn ids_must_match_the_pattern_and_length() {
    let long = "a".repeat(65);
    assert_check(
        "bad-id",
        1,
        &format!(
            "postmortems/ids.yaml:1:5: error: postmortem id `2023_05_10_DB` must use only \
             lowercase letters, digits and `-`, and start with a letter or digit\n\
             postmortems/ids.yaml:7:9: error: task id `{long}` is 65 characters long, at most 64 \
             are allowed\n\
             2 errors in 1 file\n"
        ),
    );
}

#[test]
fn a_postmortem_id_used_by_two_files_is_an_error_in_the_second() {
    assert_check(
        "duplicate-postmortem-id",
        1,
        "postmortems/b.yaml:2:5: error: duplicate postmortem id `2023-05-10-db` (also in \
         postmortems/a.yaml:1:5)\n\
         1 error in 2 files\n",
    );
}

#[test]
fn a_related_id_that_names_no_postmortem_is_an_error_at_its_place() {
    assert_check(
        "unknown-related",
        1,
        "postmortems/b.yaml:6:26: error: unknown related postmortem `2023-05-01-db`, did you \
         mean `2023-05-10-db`?\n\
         postmortems/b.yaml:6:41: error: unknown related postmortem `2022-01-01-cache`: no \
         postmortem in the directory has this id\n\
         postmortems/b.yaml:6:59: warning: `2023-05-10-db` is listed twice in `related`\n\
         2 errors, 1 warning in 2 files\n",
    );
}

#[test]
fn duplicate_task_ids_in_a_file_are_errors() {
    assert_check(
        "duplicate-task-id",
        1,
        "postmortems/tasks.yaml:9:9: error: duplicate task id `add-pooling` (first at line 7)\n\
         1 error in 1 file\n",
    );
}

#[test]
fn duplicate_measure_ids_in_a_file_are_errors() {
    assert_check(
        "duplicate-measure-id",
        1,
        "postmortems/measures.yaml:12:9: error: duplicate measure id `pooling` (first at line \
         10)\n\
         1 error in 1 file\n",
    );
}

#[test]
fn a_task_naming_no_measure_of_its_file_is_an_error() {
    assert_check(
        "unknown-measure",
        1,
        "postmortems/measure.yaml:9:14: error: unknown measure `poling`, did you mean \
         `pooling`?\n\
         1 error in 1 file\n",
    );
}

#[test]
fn unparseable_times_list_the_accepted_forms() {
    assert_check(
        "unparseable-time",
        1,
        &format!(
            "postmortems/time.yaml:1:10: error: invalid time `10/05/2023 14:00` for `started`: \
             {TIME_FORMS}\n\
             postmortems/time.yaml:11:9: error: invalid time `25:00` for `at`: {TIME_FORMS}\n\
             postmortems/time.yaml:13:9: error: invalid time `yesterday` for `at`: {TIME_FORMS}\n\
             3 errors in 1 file\n"
        ),
    );
}

#[test]
fn an_end_before_the_start_is_an_error() {
    assert_check(
        "ended-before-started",
        1,
        "postmortems/ended.yaml:2:8: error: `ended` (2023-05-10T13:00:00Z) is before `started` \
         (2023-05-10T14:00:00Z)\n\
         1 error in 1 file\n",
    );
}

#[test]
fn a_share_of_users_above_100_percent_is_an_error() {
    assert_check(
        "percent-out-of-range",
        1,
        "postmortems/percent.yaml:5:27: error: `users_affected_percent` must be between 0 and \
         100, found 130\n\
         1 error in 1 file\n",
    );
}

#[test]
fn empty_titles_are_errors_whether_quoted_or_null() {
    assert_check(
        "empty-title",
        1,
        "postmortems/empty.yaml:2:8: error: `title` must not be empty\n\
         postmortems/empty.yaml:8:5: error: `title` must not be empty\n\
         2 errors in 1 file\n",
    );
}

#[test]
fn titles_over_200_characters_are_errors() {
    assert_check(
        "long-title",
        1,
        "postmortems/long.yaml:2:8: error: `title` is 201 characters long, at most 200 are \
         allowed\n\
         1 error in 1 file\n",
    );
}

#[test]
fn empty_files_and_files_of_only_comments_are_errors() {
    let empty = "error: the file is empty; a postmortem needs at least `id`, `title`, `impact` \
                 and `root_cause`";
    assert_check(
        "empty-file",
        1,
        &format!(
            "postmortems/comments-only.yaml:1:1: {empty}\n\
             postmortems/empty.yaml:1:1: {empty}\n\
             2 errors in 2 files\n"
        ),
    );
}

#[test]
fn a_timeline_out_of_order_is_a_warning_that_does_not_fail() {
    // `14:30` and `14:00` take their date from `started`; the undated entry compares with
    // nothing, and `15:00Z` on the same day is in order.
    assert_check(
        "timeline-out-of-order",
        0,
        "postmortems/timeline.yaml:13:9: warning: timeline is out of order: `14:00` is listed \
         after `14:30` (line 11)\n\
         1 warning in 1 file (1 postmortem, 1 task)\n",
    );
}

#[test]
fn a_published_postmortem_without_tasks_is_a_warning_and_a_draft_is_not() {
    assert_check(
        "published-without-tasks",
        0,
        "postmortems/notasks.yaml:1:1: warning: published postmortem has no tasks; add tasks or \
         set `status: draft`\n\
         1 warning in 2 files (2 postmortems, 0 tasks)\n",
    );
}

#[test]
fn a_schema_line_that_points_at_nothing_is_a_warning() {
    // found.yaml's schema is beside the directory and url.yaml's is a URL, which is not followed.
    assert_check(
        "schema-line",
        0,
        "postmortems/missing.yaml:1:33: warning: the schema line points at \
         `../postmortem.schema.json`, which does not exist, so editors cannot check this file \
         (`aftercare init` writes postmortem.schema.json)\n\
         1 warning in 3 files (3 postmortems, 0 tasks)\n",
    );
}

#[test]
fn problems_of_all_files_are_reported_in_file_then_position_order() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let pms = dir.path().join("postmortems");
    std::fs::create_dir(&pms).expect("mkdir");
    let bad = "id: x\ntitle: ''\nimpact: {summary: s}\nroot_cause: r\ntasks: [{id: T, title: t}]\n";
    std::fs::write(pms.join("b.yaml"), bad).expect("write");
    std::fs::write(pms.join("a.yml"), bad.replace("id: x", "id: y")).expect("write");
    let out = Aftercare::new(dir.path()).arg("check").run();
    assert_eq!(
        out.stdout,
        "postmortems/a.yml:2:8: error: `title` must not be empty\n\
         postmortems/a.yml:5:14: error: task id `T` must use only lowercase letters, digits and \
         `-`, and start with a letter or digit\n\
         postmortems/b.yaml:2:8: error: `title` must not be empty\n\
         postmortems/b.yaml:5:14: error: task id `T` must use only lowercase letters, digits and \
         `-`, and start with a letter or digit\n\
         4 errors in 2 files\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn non_utf8_files_are_errors_at_the_first_bad_byte() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let pms = dir.path().join("postmortems");
    std::fs::create_dir(&pms).expect("mkdir");
    std::fs::write(pms.join("latin1.yaml"), b"id: x\ntitle: Caf\xe9 outage\n").expect("write");
    let out = Aftercare::new(dir.path()).arg("check").run();
    assert_eq!(
        out.stdout,
        "postmortems/latin1.yaml:2:11: error: the file is not valid UTF-8; save it as UTF-8\n\
         1 error in 1 file\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn github_format_prints_escaped_workflow_commands() {
    let out = check("unknown-measure", &["--format", "github"]);
    assert_eq!(
        out.stdout,
        "::error file=postmortems/measure.yaml,line=9,col=14::unknown measure `poling`, did you \
         mean `pooling`?\n\
         1 error in 1 file\n"
    );
    assert_eq!(out.code, 1);
    let out = check("timeline-out-of-order", &["--format", "github"]);
    assert_eq!(
        out.stdout,
        "::warning file=postmortems/timeline.yaml,line=13,col=9::timeline is out of order: \
         `14:00` is listed after `14:30` (line 11)\n\
         1 warning in 1 file (1 postmortem, 1 task)\n"
    );
    assert_eq!(out.code, 0);
}

#[test]
fn json_format_prints_counts_and_problems() {
    let out = check("timeline-out-of-order", &["--format", "json"]);
    assert_eq!(
        out.stdout,
        r#"{
  "files": 1,
  "postmortems": 1,
  "tasks": 1,
  "errors": 0,
  "warnings": 1,
  "problems": [
    {
      "file": "postmortems/timeline.yaml",
      "line": 13,
      "column": 9,
      "severity": "warning",
      "message": "timeline is out of order: `14:00` is listed after `14:30` (line 11)"
    }
  ]
}
"#
    );
    assert_eq!(out.code, 0);
    let out = check("duplicate-postmortem-id", &["--format", "json"]);
    assert_eq!(
        out.stdout,
        r#"{
  "files": 2,
  "postmortems": 1,
  "tasks": 1,
  "errors": 1,
  "warnings": 0,
  "problems": [
    {
      "file": "postmortems/b.yaml",
      "line": 2,
      "column": 5,
      "severity": "error",
      "message": "duplicate postmortem id `2023-05-10-db` (also in postmortems/a.yaml:1:5)"
    }
  ]
}
"#
    );
    assert_eq!(out.code, 1);
}

#[test]
fn the_configured_dir_is_used_and_the_flag_overrides_it() {
    let out = check("config-dir", &[]);
    assert_eq!(out.stdout, "no problems in 1 file (1 postmortem, 1 task)\n");
    assert_eq!(out.code, 0);
    let out = check("config-dir", &["--dir", "elsewhere"]);
    assert_eq!(
        out.stdout,
        "elsewhere:1:1: error: cannot read the postmortem directory: No such file or directory \
         (os error 2)\n\
         1 error in 0 files\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn configuration_errors_are_reported_like_postmortem_problems() {
    let out = check("config-error", &[]);
    assert_eq!(
        out.stdout,
        "aftercare.yml:1:7: error: `repo` must be `owner/name`, found `widgets`\n\
         aftercare.yml:2:1: error: unknown key `dri`, did you mean `dir`?\n\
         aftercare.yml:4:7: error: `slo.P1` must be a positive whole number of days\n\
         3 errors in 0 files\n"
    );
    assert_eq!(out.stderr, "");
    assert_eq!(out.code, 1);
    let out = check("config-error", &["--format", "github"]);
    assert_eq!(
        out.stdout.lines().next(),
        Some(
            "::error file=aftercare.yml,line=1,col=7::`repo` must be `owner/name`, found `widgets`"
        )
    );
    // Other commands stop with the same lines.
    let out = Aftercare::new(&fixture("config-error"))
        .args(["new", "Disk full", "--id", "x"])
        .run();
    assert_eq!(
        out.stderr,
        "error: invalid configuration\n\
         aftercare.yml:1:7: error: `repo` must be `owner/name`, found `widgets`\n\
         aftercare.yml:2:1: error: unknown key `dri`, did you mean `dir`?\n\
         aftercare.yml:4:7: error: `slo.P1` must be a positive whole number of days\n"
    );
    assert_eq!(out.code, 1);
}

/// Every prefix of a valid file, and YAML that is odd in every way we could think of, must be
/// reported as problems (or accepted), never crash the binary.
#[test]
fn no_input_makes_check_panic() {
    let valid = std::fs::read_to_string(fixture("valid/postmortems/2023-05-10-ddos.yaml"))
        .expect("the valid fixture");
    let dir = tempfile::tempdir().expect("a temp dir");
    let pms = dir.path().join("postmortems");
    std::fs::create_dir(&pms).expect("mkdir");
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for (i, _) in valid.char_indices().step_by(3) {
        inputs.push(valid.as_bytes()[..i].to_vec());
    }
    for odd in [
        "- a\n- b\n",
        "just a string\n",
        "42\n",
        "~\n",
        "---\n...\n",
        "id: a\n---\nid: b\n",
        "id: &x a\ntitle: *x\nimpact: {summary: *x}\nroot_cause: *x\n",
        "id: *nope\n",
        "!!map {id: a}\n",
        "id: !custom a\n",
        "? [complex, key]\n: value\n",
        "id: a\nimpact:\n  summary: s\n  users_affected_percent: 1e999999\n",
        "id: a\nimpact:\n  summary: s\n  users_affected_percent: 99999999999999999999999999999999999\n",
        "id: a\nimpact:\n  summary: s\n  users_affected_percent: .nan\n",
        "id: a\nimpact:\n  summary: s\n  users_affected_percent: 0x\n",
        "tasks: {id: a}\ntimeline: 3\nmeasures: [1, [2], {x: 3}]\n",
        "tasks:\n  - labels: [[a], {b: c}, ~, '']\n    due: [2023]\n    owner: -bad-\n",
        "\t id: tab\n",
        "id: \"unterminated\n",
        "%YAML 1.2\n%TAG ! tag:example.com:\n---\nid: a\n",
        "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
        "\u{feff}id: bom\n",
        "id: \u{0}\n",
        "started: 2023-05-10T14:00:00Z\nended: 14:00\ntimeline: [{at: 99:99, event: x}]\n",
    ] {
        inputs.push(odd.as_bytes().to_vec());
    }
    inputs.push("[".repeat(10_000).into_bytes());
    inputs.push(format!("{}x\n", "- ".repeat(10_000)).into_bytes());
    inputs.push(vec![0xff, 0xfe, b'i', 0, b'd', 0]);
    for (i, input) in inputs.iter().enumerate() {
        std::fs::write(pms.join(format!("{i:04}.yaml")), input).expect("write");
    }
    let out = Aftercare::new(dir.path()).arg("check").run();
    assert_eq!(out.stderr, "", "no panic message");
    assert_eq!(out.code, 1);
    let last = out.stdout.lines().last().unwrap_or_default();
    assert!(
        last.ends_with(&format!("in {} files", inputs.len())),
        "summary: {last}"
    );
    for line in out.stdout.lines().filter(|l| l.contains(": error: ")) {
        let file = line.split(':').next().unwrap_or_default();
        assert!(file.starts_with("postmortems/0"), "{line}");
    }
}

#[test]
fn schema_prints_the_committed_postmortem_schema() {
    let out = Aftercare::new(Path::new(env!("CARGO_MANIFEST_DIR")))
        .arg("schema")
        .run();
    assert_eq!(out.code, 0);
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("postmortem.schema.json"),
    )
    .expect("postmortem.schema.json is committed");
    assert!(
        committed == out.stdout,
        "postmortem.schema.json is stale; regenerate it with \
         `cargo run -- schema > postmortem.schema.json`"
    );
}

/// The Code Quality report GitLab shows in a merge request: every problem with its file and
/// line, errors as `major`, and a fingerprint that does not move with the line.
#[test]
fn codequality_output_is_gitlabs_report_with_stable_fingerprints() {
    use sha2::{Digest, Sha256};
    let out = check("unknown-field", &["--format", "codequality"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert_eq!(out.stderr, "");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let issue = |message: &str, line: usize| {
        let fingerprint = format!(
            "{:x}",
            Sha256::digest(format!("postmortems/typo.yaml\0{message}\01"))
        );
        serde_json::json!({
            "description": message,
            "check_name": "aftercare-check",
            "fingerprint": fingerprint,
            "severity": "major",
            "location": {"path": "postmortems/typo.yaml", "lines": {"begin": line}}
        })
    };
    assert_eq!(
        report,
        serde_json::json!([
            issue("unknown field `titel`, did you mean `title`?", 2),
            issue("unknown field `prority`, did you mean `priority`?", 9),
        ])
    );
    let clean = check("valid", &["--format", "codequality"]);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, "[]\n"));
}
