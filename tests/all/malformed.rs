//! Malformed postmortems: a corpus of broken files (YAML syntax errors, tabs, wrong types,
//! unknown and misspelt fields, duplicate keys and ids, huge strings, deep nesting and alias
//! bombs, binary and non-UTF-8 content, empty files, things that are not files at all), each
//! run alone through `check`, `sync` and `status` with a token against the emulator. Every run
//! must say what is wrong with file, line and column (the exact first line is written out for
//! each file), exit 1 without a panic, stay within a time and memory bound measured on the
//! child process itself, and send no request to GitHub. Two directories of 2,000 files, one with
//! a single broken file and one with many, show that every problem is reported, in the same
//! order every time.
//!
//! `check.rs` already holds one fixture per validation rule and a no-panic sweep over
//! truncations; this module adds what those do not: the hostile inputs, `sync` and `status` on
//! them, and the bounds.

use std::fs;
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::cli::remove_ambient_environment;
use crate::support::emulator::{Emulator, OWNER_TOKEN};

/// A run that takes longer is killed and fails its test: a guard against hangs, not a speed
/// test (debug builds on a busy machine are slow).
const HANG_GUARD: Duration = Duration::from_secs(60);
/// The most memory a run may take, in kibibytes of peak resident set size.
const MAX_RSS_KIB: u64 = 100 * 1024;

/// What one run of the binary did, and what it cost.
struct Measured {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
    /// The child's `ru_maxrss` from `wait4`, taken by a launcher (see [`run`]).
    peak_rss_kib: u64,
}

/// The variable naming the file that tells [`launch_and_measure`] what to run.
const LAUNCH_SPEC: &str = "AFTERCARE_MALFORMED_LAUNCH";

/// Runs the built binary in `cwd` with a clean environment plus `env`, and measures it.
///
/// Linux folds into a child's `ru_maxrss` the memory it had before `exec`: a copy of the
/// spawning process's pages at the fork. Spawned from this test process, whose size depends on
/// the tests running beside it, every run would carry tens of MiB that are not aftercare's. So
/// the binary is started by a launcher, a fresh copy of this test binary running only
/// [`launch_and_measure`], which stays small: it spawns the binary, reaps it with `wait4` and
/// reports its exit code, time and peak memory.
fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Measured {
    let output = tempfile::tempdir().expect("a directory for the output");
    let stdout_path = output.path().join("stdout");
    let stderr_path = output.path().join("stderr");
    let report_path = output.path().join("report");
    let spec_path = output.path().join("spec.json");
    let spec = serde_json::json!({
        "program": env!("CARGO_BIN_EXE_aftercare"),
        "args": args,
        "env": env,
        "stdout": stdout_path,
        "stderr": stderr_path,
        "report": report_path,
    });
    fs::write(&spec_path, spec.to_string()).expect("the launch spec is written");
    let launcher = Command::new(std::env::current_exe().expect("this test binary's path"))
        .args(["--ignored", "--exact", "malformed::launch_and_measure"])
        .args(["--test-threads=1", "--quiet"])
        .current_dir(cwd)
        .env(LAUNCH_SPEC, &spec_path)
        .stdin(Stdio::null())
        .output()
        .expect("the launcher starts");
    assert!(
        launcher.status.success(),
        "the launcher failed: {launcher:?}"
    );
    let read = |path: &Path| String::from_utf8_lossy(&fs::read(path).expect("output")).into_owned();
    let report = read(&report_path);
    let numbers: Vec<u64> = report
        .split_whitespace()
        .map(|n| n.parse().expect("a number"))
        .collect();
    let [code, nanos, peak_rss_kib] = numbers[..] else {
        panic!("a report of three numbers, not {report:?}");
    };
    Measured {
        code: i32::try_from(code).map_or(-1, |c| c - 1),
        stdout: read(&stdout_path),
        stderr: read(&stderr_path),
        elapsed: Duration::from_nanos(nanos),
        peak_rss_kib,
    }
}

/// The launcher of [`run`], not a test of its own: in a fresh copy of this test binary, runs
/// the program the file named by [`LAUNCH_SPEC`] describes (clean environment plus its `env`,
/// output to its files), kills it after [`HANG_GUARD`], and writes its exit code plus one (0
/// when killed by a signal), wall time in nanoseconds and `ru_maxrss` in KiB to its report.
#[test]
#[ignore = "started by `run` as its launcher"]
fn launch_and_measure() {
    let spec_path = std::env::var_os(LAUNCH_SPEC).expect("started by `run`, which names a spec");
    let spec: serde_json::Value =
        serde_json::from_slice(&fs::read(&spec_path).expect("the spec")).expect("a JSON spec");
    let text = |key: &str| {
        spec[key]
            .as_str()
            .expect("a string in the spec")
            .to_string()
    };
    let mut command = Command::new(text("program"));
    for arg in spec["args"].as_array().expect("args") {
        command.arg(arg.as_str().expect("an argument"));
    }
    remove_ambient_environment(&mut command);
    command.env_remove(LAUNCH_SPEC).env("NO_COLOR", "1");
    for pair in spec["env"].as_array().expect("env") {
        command.env(
            pair[0].as_str().expect("a name"),
            pair[1].as_str().expect("a value"),
        );
    }
    command
        .stdin(Stdio::null())
        .stdout(fs::File::create(text("stdout")).expect("stdout file"))
        .stderr(fs::File::create(text("stderr")).expect("stderr file"));
    // SAFETY: the hook does nothing, so it is async-signal-safe. Its presence makes std fork
    // and exec instead of using posix_spawn, whose shared address space would fold the
    // launcher's peak memory into the child's `ru_maxrss`.
    unsafe {
        command.pre_exec(|| Ok(()));
    }
    let started = Instant::now();
    let child = command.spawn().expect("the aftercare binary starts");
    let pid = libc::pid_t::try_from(child.id()).expect("a pid");
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain data; all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut killed = false;
    loop {
        // SAFETY: `pid` is our child, not yet reaped; the pointers are to live locals.
        let reaped = unsafe { libc::wait4(pid, &mut status, libc::WNOHANG, &mut usage) };
        if reaped == pid {
            break;
        }
        if reaped < 0 {
            let err = std::io::Error::last_os_error();
            assert_eq!(err.kind(), std::io::ErrorKind::Interrupted, "wait4: {err}");
        }
        if !killed && started.elapsed() > HANG_GUARD {
            // SAFETY: the child is not reaped, so its pid still names it.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            killed = true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let elapsed = started.elapsed();
    drop(child);
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status) + 1
    } else {
        0
    };
    let report = format!(
        "{code} {} {}\n",
        elapsed.as_nanos(),
        u64::try_from(usage.ru_maxrss).unwrap_or(u64::MAX)
    );
    fs::write(text("report"), report).expect("the report is written");
}

/// Asserts that a run ended by itself, without a panic, within the bounds.
fn assert_bounded(what: &str, out: &Measured) {
    assert!(
        out.elapsed < HANG_GUARD,
        "{what}: killed after {:?}",
        out.elapsed
    );
    assert!(
        out.peak_rss_kib < MAX_RSS_KIB,
        "{what}: peak RSS {} KiB",
        out.peak_rss_kib
    );
    assert!(
        !out.stderr.contains("panicked"),
        "{what}: panicked:\n{}",
        out.stderr
    );
}

/// A postmortem without a problem; the cases below break it in one place each. Lines: 1 id,
/// 2 title, 3 impact, 4 summary, 5 root_cause, 6 tasks, 7 task id, 8 task title.
pub(crate) const VALID: &str = "id: 2024-01-02-cache
title: Cache stampede
impact:
  summary: Pages were slow.
root_cause: Every cache entry expired at once.
tasks:
  - id: jitter
    title: Add jitter to cache expiry
";

fn text(path: &Path, text: &str) {
    fs::write(path, text).expect("a corpus file is written");
}

fn bytes(path: &Path, bytes: &[u8]) {
    fs::write(path, bytes).expect("a corpus file is written");
}

/// `VALID` with `from` replaced by `to` (which must occur).
fn valid_with(from: &str, to: &str) -> String {
    assert!(VALID.contains(from), "{from:?}");
    VALID.replacen(from, to, 1)
}

/// `text` in UTF-16, little- or big-endian, after a byte order mark.
fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut out = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        let pair = if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        };
        out.extend(pair);
    }
    out
}

/// Deterministic noise: xorshift64 from a fixed seed.
fn noise(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// The billion laughs: eleven levels of ten aliases each.
fn alias_bomb() -> String {
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for level in 1..12 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 10].join(", ");
        bomb.push_str(&format!("a{level}: &a{level} [{items}]\n"));
    }
    bomb
}

/// Writes a postmortem of `size` bytes without holding it in memory, its title (on line 5) a
/// string of `x`s.
fn huge_title_file(path: &Path, size: usize) {
    let mut file = std::io::BufWriter::new(fs::File::create(path).expect("a corpus file"));
    let head = b"id: a\nimpact: {summary: s}\nroot_cause: r\ntasks: [{id: t, title: t}]\ntitle: \"";
    let tail = b"\"\n";
    file.write_all(head).expect("write");
    let chunk = vec![b'x'; 1 << 16];
    let mut left = size - head.len() - tail.len();
    while left > 0 {
        let n = left.min(chunk.len());
        file.write_all(&chunk[..n]).expect("write");
        left -= n;
    }
    file.write_all(tail).expect("write");
    file.flush().expect("flush");
}

fn fifo(path: &Path) {
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("a path");
    // SAFETY: `name` is a NUL-terminated path that outlives the call.
    let made = unsafe { libc::mkfifo(name.as_ptr(), 0o644) };
    assert_eq!(made, 0, "mkfifo: {}", std::io::Error::last_os_error());
}

/// One broken file: its name, how to write it, and the first line `check` prints for it.
struct Case {
    file: &'static str,
    write: fn(&Path),
    first: String,
}

const TAB: &str = "invalid YAML: a tab where only spaces are accepted; use spaces";
const EMPTY: &str = "the file is empty; a postmortem needs at least `id`, `title`, `impact` and \
                     `root_cause`";
const UTF16: &str =
    "the file is UTF-16 or UTF-32 (it starts with a byte order mark); save it as UTF-8";
const NUL: &str = "the file contains a NUL character, which YAML does not allow; save it as UTF-8 \
                   text (a UTF-16 file has one in every other byte)";
const NOT_A_FILE: &str = "not a regular file: a postmortem must be a plain text file";
const FIELDS: &str = "id, title, status, severity, service, started, ended, detected, detection, \
                      impact, root_cause, resolution, timeline, lessons, measures, tasks, related, repo";
const TIME_FORMS: &str = "expected a date-time like `2023-05-10T14:00:00Z`, a date like \
                          `2023-05-10` or a time of day like `14:00`";

fn corpus() -> Vec<Case> {
    vec![
        Case {
            file: "syntax-unclosed-flow.yaml",
            write: |p| text(p, &valid_with("  - id: jitter\n", "  - [id: jitter\n")),
            first: "postmortems/syntax-unclosed-flow.yaml:8:11: error: invalid YAML: while parsing a flow mapping, did not find expected ',' or '}'".into(),
        },
        Case {
            file: "syntax-bad-indent.yaml",
            write: |p| text(p, &valid_with("title:", "  title:")),
            first: "postmortems/syntax-bad-indent.yaml:2:8: error: invalid YAML: mapping values are not allowed in this context".into(),
        },
        Case {
            file: "syntax-unterminated-quote.yaml",
            write: |p| text(p, &valid_with("title: Cache stampede", "title: \"Cache stampede")),
            first: "postmortems/syntax-unterminated-quote.yaml:2:8: error: invalid YAML: invalid indentation in quoted scalar".into(),
        },
        Case {
            file: "syntax-stray-indicator.yaml",
            write: |p| text(p, &valid_with("root_cause: Every", "root_cause: : Every")),
            first: "postmortems/syntax-stray-indicator.yaml:5:13: error: invalid YAML: mapping values are not allowed in this context".into(),
        },
        Case {
            file: "tab-indents-a-field.yaml",
            write: |p| text(p, &valid_with("  summary:", "\tsummary:")),
            first: format!("postmortems/tab-indents-a-field.yaml:4:1: error: {TAB}"),
        },
        Case {
            file: "tab-indents-a-task-field.yaml",
            write: |p| text(p, &valid_with("    title: Add", "\t title: Add")),
            first: format!("postmortems/tab-indents-a-task-field.yaml:8:1: error: {TAB}"),
        },
        Case {
            file: "tab-after-a-colon.yaml",
            write: |p| text(p, &valid_with("title: Cache", "title:\tCache")),
            first: format!("postmortems/tab-after-a-colon.yaml:2:7: error: {TAB}"),
        },
        Case {
            file: "empty.yaml",
            write: |p| text(p, ""),
            first: format!("postmortems/empty.yaml:1:1: error: {EMPTY}"),
        },
        Case {
            file: "only-comments.yaml",
            write: |p| text(p, "# id: 2024-01-02-cache\n# title: Cache stampede\n"),
            first: format!("postmortems/only-comments.yaml:1:1: error: {EMPTY}"),
        },
        Case {
            file: "only-white-space.yaml",
            write: |p| text(p, "  \n\n   \n"),
            first: format!("postmortems/only-white-space.yaml:1:1: error: {EMPTY}"),
        },
        Case {
            file: "a-list.yaml",
            write: |p| text(p, "- id: a\n- title: b\n"),
            first: "postmortems/a-list.yaml:1:1: error: expected a mapping for the postmortem, found a list".into(),
        },
        Case {
            file: "a-scalar.yaml",
            write: |p| text(p, "Cache stampede on 2024-01-02\n"),
            first: "postmortems/a-scalar.yaml:1:1: error: expected a mapping for the postmortem, found a string".into(),
        },
        Case {
            file: "two-documents.yaml",
            write: |p| text(p, &format!("{VALID}---\n{VALID}")),
            first: "postmortems/two-documents.yaml:9:1: error: a postmortem file holds one YAML document, found a second one".into(),
        },
        Case {
            file: "duplicate-key.yaml",
            write: |p| text(p, &format!("{VALID}title: Another title\n")),
            first: "postmortems/duplicate-key.yaml:9:1: error: duplicate field `title` (first at line 2)".into(),
        },
        Case {
            file: "duplicate-nested-key.yaml",
            write: |p| text(p, &valid_with("    title: Add", "    id: again\n    title: Add")),
            first: "postmortems/duplicate-nested-key.yaml:8:5: error: duplicate field `id` (first at line 7)".into(),
        },
        Case {
            file: "alias-bomb.yaml",
            write: |p| text(p, &alias_bomb()),
            first: "postmortems/alias-bomb.yaml:5:45: error: document has more than 100000 nodes once aliases are expanded".into(),
        },
        Case {
            file: "alias-of-a-long-string.yaml",
            write: |p| {
                let aliases = ["*s"; 2_000].join(", ");
                let long = "x".repeat(100_000);
                text(p, &format!("root_cause: &s \"{long}\"\nlessons: [{aliases}]\n"))
            },
            first: "postmortems/alias-of-a-long-string.yaml:2:339: error: document has more than 8388608 bytes of text once aliases are expanded".into(),
        },
        Case {
            file: "alias-to-nothing.yaml",
            write: |p| text(p, &valid_with("title: Cache stampede", "title: *missing")),
            first: "postmortems/alias-to-nothing.yaml:2:8: error: invalid YAML: while parsing node, found unknown anchor".into(),
        },
        Case {
            file: "custom-tag.yaml",
            write: |p| text(p, &valid_with("title: Cache", "title: !python/object Cache")),
            first: "postmortems/custom-tag.yaml:2:23: error: unsupported tag `!python/object`".into(),
        },
        Case {
            file: "deep-flow-nesting.yaml",
            write: |p| text(p, &"[".repeat(100_000)),
            first: "postmortems/deep-flow-nesting.yaml:1:256: error: invalid YAML: recursion limit exceeded".into(),
        },
        Case {
            file: "deep-block-nesting.yaml",
            write: |p| text(p, &format!("{}x\n", "- ".repeat(10_000))),
            first: "postmortems/deep-block-nesting.yaml:1:129: error: nesting is deeper than 64 levels".into(),
        },
        Case {
            file: "deep-mapping-nesting.yaml",
            write: |p| {
                let nested: String = (0..100).map(|d| format!("{}k:\n", " ".repeat(d))).collect();
                text(p, &nested)
            },
            first: "postmortems/deep-mapping-nesting.yaml:65:66: error: nesting is deeper than 64 levels".into(),
        },
        Case {
            file: "too-many-nodes.yaml",
            write: |p| {
                let labels: Vec<String> = (0..110_000).map(|i| format!("l{i}")).collect();
                text(p, &format!("{VALID}    labels: [{}]\n", labels.join(", ")))
            },
            first: "postmortems/too-many-nodes.yaml:9:788744: error: document has more than 100000 nodes (keys, values and list items)".into(),
        },
        Case {
            file: "fifty-megabytes.yaml",
            write: |p| huge_title_file(p, 50 * 1024 * 1024),
            first: "postmortems/fifty-megabytes.yaml:1:1: error: the file is larger than 1 MiB (1048576 bytes), the most a postmortem file may have".into(),
        },
        Case {
            file: "a-title-of-a-million-characters.yaml",
            write: |p| huge_title_file(p, 1_000_000),
            first: "postmortems/a-title-of-a-million-characters.yaml:5:8: error: `title` is 999922 characters long, at most 200 are allowed".into(),
        },
        Case {
            file: "an-id-of-half-a-million-characters.yaml",
            write: |p| text(p, &valid_with("2024-01-02-cache", &"a".repeat(500_000))),
            first: format!("postmortems/an-id-of-half-a-million-characters.yaml:1:5: error: postmortem id `{}…` is 500000 characters long, at most 64 are allowed", "a".repeat(79)),
        },
        Case {
            file: "many-unknown-fields.yaml",
            write: |p| {
                let fields: String = (0..40_000).map(|i| format!("field{i}: {i}\n")).collect();
                text(p, &format!("{VALID}{fields}"))
            },
            first: format!("postmortems/many-unknown-fields.yaml:9:1: error: unknown field `field0`; expected one of: {FIELDS}"),
        },
        Case {
            file: "random-bytes.yaml",
            write: |p| bytes(p, &noise(4096)),
            first: "postmortems/random-bytes.yaml:1:1: error: the file is not valid UTF-8; save it as UTF-8".into(),
        },
        Case {
            file: "utf16-little-endian.yaml",
            write: |p| bytes(p, &utf16(VALID, true)),
            first: format!("postmortems/utf16-little-endian.yaml:1:1: error: {UTF16}"),
        },
        Case {
            file: "utf16-big-endian.yaml",
            write: |p| bytes(p, &utf16(VALID, false)),
            first: format!("postmortems/utf16-big-endian.yaml:1:1: error: {UTF16}"),
        },
        Case {
            file: "utf16-without-bom.yaml",
            write: |p| bytes(p, &utf16(VALID, true)[2..]),
            first: format!("postmortems/utf16-without-bom.yaml:1:2: error: {NUL}"),
        },
        Case {
            file: "latin1.yaml",
            write: |p| {
                let mut b = VALID.as_bytes().to_vec();
                let at = VALID.find("slow").expect("summary") + 2;
                b.splice(at..at + 1, [0xF6]);
                bytes(p, &b)
            },
            first: "postmortems/latin1.yaml:4:25: error: the file is not valid UTF-8; save it as UTF-8".into(),
        },
        Case {
            file: "windows-1252.yaml",
            write: |p| {
                let mut b = VALID.as_bytes().to_vec();
                let at = VALID.find("Every").expect("root_cause");
                b.splice(at..at, [0x93, b'A', 0x94, b' ']);
                bytes(p, &b)
            },
            first: "postmortems/windows-1252.yaml:5:13: error: the file is not valid UTF-8; save it as UTF-8".into(),
        },
        Case {
            file: "nul-byte.yaml",
            write: |p| text(p, &valid_with("Cache stampede", "Cache\0stampede")),
            first: format!("postmortems/nul-byte.yaml:2:13: error: {NUL}"),
        },
        Case {
            file: "escape-byte.yaml",
            write: |p| text(p, &valid_with("Add jitter", "Add \x1b[2Jjitter")),
            first: "postmortems/escape-byte.yaml:8:16: error: the file contains the control character U+001B, which YAML does not allow; remove it".into(),
        },
        Case {
            file: "escaped-control-in-a-title.yaml",
            write: |p| text(p, &valid_with("title: Add jitter to cache expiry", "title: \"Add \\e[2Jjitter\"")),
            first: "postmortems/escaped-control-in-a-title.yaml:8:12: error: `title` must be plain text: it contains the control character U+001B".into(),
        },
        Case {
            file: "line-break-in-a-title.yaml",
            write: |p| text(p, &valid_with("title: Cache stampede", "title: \"Cache\\nstampede\"")),
            first: "postmortems/line-break-in-a-title.yaml:2:8: error: `title` must be one line: it contains a line break".into(),
        },
        Case {
            file: "wrong-type.yaml",
            write: |p| text(p, &valid_with("impact:\n  summary: Pages were slow.", "impact: [Pages were slow.]")),
            first: "postmortems/wrong-type.yaml:3:9: error: expected a mapping for `impact`, found a list".into(),
        },
        Case {
            file: "misspelt-field.yaml",
            write: |p| text(p, &valid_with("root_cause:", "root_casue:")),
            first: "postmortems/misspelt-field.yaml:5:1: error: unknown field `root_casue`, did you mean `root_cause`?".into(),
        },
        Case {
            file: "unknown-field.yaml",
            write: |p| text(p, &format!("{VALID}assignee: octocat\n")),
            first: format!("postmortems/unknown-field.yaml:9:1: error: unknown field `assignee`; expected one of: {FIELDS}"),
        },
        Case {
            file: "complex-key.yaml",
            write: |p| text(p, &format!("{VALID}? [a, b]\n: c\n")),
            first: "postmortems/complex-key.yaml:9:3: error: expected a field name, found a list".into(),
        },
        Case {
            file: "unparseable-time.yaml",
            write: |p| text(p, &format!("{VALID}started: last tuesday\n")),
            first: format!("postmortems/unparseable-time.yaml:9:10: error: invalid time `last tuesday` for `started`: {TIME_FORMS}"),
        },
        Case {
            file: "a-fifo.yaml",
            write: fifo,
            first: format!("postmortems/a-fifo.yaml:1:1: error: {NOT_A_FILE}"),
        },
        Case {
            file: "a-link-to-dev-zero.yaml",
            write: |p| std::os::unix::fs::symlink("/dev/zero", p).expect("a symlink"),
            first: format!("postmortems/a-link-to-dev-zero.yaml:1:1: error: {NOT_A_FILE}"),
        },
    ]
}

/// The last line `sync` prints on standard error when it stops for `errors` problems.
fn sync_refusal(errors: usize) -> String {
    let s = if errors == 1 { "" } else { "s" };
    format!("error: {errors} problem{s} in the postmortems; nothing was synced")
}

/// The last line `status` prints on standard error when it stops for `errors` problems.
fn status_refusal(errors: usize) -> String {
    let s = if errors == 1 { "" } else { "s" };
    format!(
        "error: {errors} error{s} in the postmortems; a status would leave their tasks out (see \
         `aftercare check`)"
    )
}

#[test]
fn every_broken_file_is_an_error_with_its_place_exit_1_and_no_request() {
    let gh = Emulator::start_blocking();
    let url = gh.url();
    let with_token = [
        ("GITHUB_API_URL", url.as_str()),
        ("GITHUB_TOKEN", OWNER_TOKEN),
        ("GITHUB_REPOSITORY", "acme/web"),
    ];
    let cases = corpus();
    assert!(cases.len() >= 30, "{} cases", cases.len());
    let (mut slowest, mut largest) = (Duration::ZERO, 0);
    for case in &cases {
        let dir = tempfile::tempdir().expect("a temporary directory");
        fs::create_dir(dir.path().join("postmortems")).expect("postmortems/");
        (case.write)(&dir.path().join("postmortems").join(case.file));

        let check = run(dir.path(), &["check"], &[]);
        assert_bounded(case.file, &check);
        assert_eq!(
            check.stdout.lines().next(),
            Some(case.first.as_str()),
            "{}",
            case.file
        );
        assert_eq!(
            (check.code, check.stderr.as_str()),
            (1, ""),
            "{}",
            case.file
        );
        let errors = check
            .stdout
            .lines()
            .filter(|l| l.contains(": error: "))
            .count();
        let summary = check.stdout.lines().last().unwrap_or_default();
        let s = if errors == 1 { "" } else { "s" };
        assert_eq!(
            summary,
            format!("{errors} error{s} in 1 file"),
            "{}",
            case.file
        );

        let sync = run(
            dir.path(),
            &["sync", "--write-interval-ms", "0"],
            &with_token,
        );
        assert_bounded(case.file, &sync);
        assert_eq!(sync.code, 1, "{}: {}", case.file, sync.stderr);
        assert_eq!(sync.stderr.lines().next(), Some(case.first.as_str()));
        assert_eq!(
            sync.stderr.lines().last(),
            Some(sync_refusal(errors).as_str())
        );
        assert_eq!(sync.stdout, "", "{}", case.file);

        let status = run(dir.path(), &["status"], &with_token);
        assert_bounded(case.file, &status);
        assert_eq!(status.code, 1, "{}: {}", case.file, status.stderr);
        assert_eq!(status.stderr.lines().next(), Some(case.first.as_str()));
        assert_eq!(
            status.stderr.lines().last(),
            Some(status_refusal(errors).as_str())
        );

        assert_eq!(gh.requests(), vec![], "{} reached GitHub", case.file);
        for out in [&check, &sync, &status] {
            slowest = slowest.max(out.elapsed);
            largest = largest.max(out.peak_rss_kib);
        }
    }
    eprintln!(
        "{} broken files, 3 runs each: slowest run {slowest:?}, largest peak RSS {largest} KiB",
        cases.len()
    );
}

/// Every field of every object with a value of the wrong type.
const WRONG_TYPES: &str = "id: [a]
title: 2023
status: 3
severity: {a: 1}
service: [x]
started: 2023
ended: true
detected: [1]
detection: 5
impact:
  summary: [s]
  users_affected_percent: lots
root_cause: 4
resolution: [a]
timeline:
  - at: [1]
    kind: 5
    event: {a: b}
  - 3
lessons: {a: b}
measures:
  - id: [m]
    title: 3
    description: [d]
  - x
tasks:
  - id: true
    title: [t]
    description: 1
    measure: [m]
    type: 3
    priority: 1
    owner: [o]
    due: 2023
    labels: x
  - id: t2
    title: T
    labels: [[a], {b: c}, 7]
  - 5
";

/// A tree holding only `postmortems/` with the given files.
fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    fs::create_dir(dir.path().join("postmortems")).expect("postmortems/");
    for (name, content) in files {
        text(&dir.path().join("postmortems").join(name), content);
    }
    dir
}

#[test]
fn every_field_of_the_wrong_type_says_what_was_expected_and_found() {
    let dir = tree(&[("types.yaml", WRONG_TYPES)]);
    let out = run(dir.path(), &["check"], &[]);
    let quote = |n: &str| format!("quote it (`'{n}'`) if it is text");
    let expected = [
        "1:5: error: expected a string for `id`, found a list".to_string(),
        format!(
            "2:8: error: expected a string for `title`, found a number; {}",
            quote("2023")
        ),
        format!(
            "3:9: error: expected a string for `status`, found a number; {}",
            quote("3")
        ),
        "4:11: error: expected a string for `severity`, found a mapping".to_string(),
        "5:10: error: expected a string for `service`, found a list".to_string(),
        format!("6:10: error: invalid time `2023` for `started`: {TIME_FORMS}"),
        format!("7:8: error: invalid time `true` for `ended`: {TIME_FORMS}"),
        "8:11: error: expected a time for `detected`, found a list".to_string(),
        format!(
            "9:12: error: expected a string for `detection`, found a number; {}",
            quote("5")
        ),
        "11:12: error: expected a string for `summary`, found a list".to_string(),
        "12:27: error: expected a number for `users_affected_percent`, found a string".to_string(),
        format!(
            "13:13: error: expected a string for `root_cause`, found a number; {}",
            quote("4")
        ),
        "14:13: error: expected a string for `resolution`, found a list".to_string(),
        "16:9: error: expected a time for `at`, found a list".to_string(),
        format!(
            "17:11: error: expected a string for `kind`, found a number; {}",
            quote("5")
        ),
        "18:12: error: expected a string for `event`, found a mapping".to_string(),
        "19:5: error: expected a mapping for a timeline entry, found a number".to_string(),
        "20:10: error: expected a string for `lessons`, found a mapping".to_string(),
        "22:9: error: expected a string for `id`, found a list".to_string(),
        format!(
            "23:12: error: expected a string for `title`, found a number; {}",
            quote("3")
        ),
        "24:18: error: expected a string for `description`, found a list".to_string(),
        "25:5: error: expected a mapping for a measure, found a string".to_string(),
        format!(
            "27:9: error: expected a string for `id`, found a boolean; {}",
            quote("true")
        ),
        "28:12: error: expected a string for `title`, found a list".to_string(),
        format!(
            "29:18: error: expected a string for `description`, found a number; {}",
            quote("1")
        ),
        "30:14: error: expected a string for `measure`, found a list".to_string(),
        format!(
            "31:11: error: expected a string for `type`, found a number; {}",
            quote("3")
        ),
        format!(
            "32:15: error: expected a string for `priority`, found a number; {}",
            quote("1")
        ),
        "33:12: error: expected a string for `owner`, found a list".to_string(),
        "34:10: error: invalid date `2023` for `due`: expected a date like `2023-06-10`"
            .to_string(),
        "35:13: error: expected a list for `labels`, found a string".to_string(),
        "38:14: error: expected a string for a label, found a list".to_string(),
        "38:19: error: expected a string for a label, found a mapping".to_string(),
        "38:27: error: expected a string for a label, found a number".to_string(),
        "39:5: error: expected a mapping for a task, found a number".to_string(),
    ];
    let mut want: String = expected
        .iter()
        .map(|line| format!("postmortems/types.yaml:{line}\n"))
        .collect();
    want.push_str("35 errors in 1 file\n");
    assert_eq!(out.stdout, want);
    assert_eq!(out.code, 1);
}

#[test]
fn misspelt_fields_of_every_object_suggest_the_field_meant() {
    let typos = "id: 2024-01-02-typos
titel: Cache stampede
stauts: draft
impact:
  sumary: Pages were slow.
  users_affected_precent: 30
root_cause: Every cache entry expired at once.
timeline:
  - at: \"14:00\"
    kidn: detection
    evnet: Alert.
measures:
  - id: expiry
    tittle: Spread expiry
    descripton: Jitter.
tasks:
  - id: jitter
    title: Add jitter
    prority: P1
    onwer: octocat
    lables: [cache]
    Due: 2024-02-01
    mesure: expiry
    typ: prevent
    assignee: octocat
";
    let dir = tree(&[("typos.yaml", typos)]);
    let out = run(dir.path(), &["check"], &[]);
    let lines = [
        ("2:1", "titel", "title"),
        ("3:1", "stauts", "status"),
        ("5:3", "sumary", "summary"),
        ("6:3", "users_affected_precent", "users_affected_percent"),
        ("10:5", "kidn", "kind"),
        ("11:5", "evnet", "event"),
        ("14:5", "tittle", "title"),
        ("15:5", "descripton", "description"),
        ("19:5", "prority", "priority"),
        ("20:5", "onwer", "owner"),
        ("21:5", "lables", "labels"),
        ("22:5", "Due", "due"),
        ("23:5", "mesure", "measure"),
        ("24:5", "typ", "type"),
    ];
    let mut want: String = lines
        .iter()
        .map(|(at, typo, meant)| {
            format!(
                "postmortems/typos.yaml:{at}: error: unknown field `{typo}`, did you mean \
                 `{meant}`?\n"
            )
        })
        .collect();
    // A word that is no typo of any field lists them all instead.
    want.push_str(
        "postmortems/typos.yaml:25:5: error: unknown field `assignee`; expected one of: id, \
         title, description, measure, type, priority, owner, due, labels, verified_by, repo\n\
         15 errors in 1 file\n",
    );
    assert_eq!(out.stdout, want);
    assert_eq!(out.code, 1);
}

#[test]
fn duplicate_postmortem_ids_name_the_first_file_and_equal_task_ids_in_two_files_are_fine() {
    let postmortem = |id: &str, task: &str| {
        format!(
            "id: {id}\ntitle: T\nimpact: {{summary: s}}\nroot_cause: r\ntasks:\n  - id: {task}\n    title: T\n"
        )
    };
    let (a, b, c, d) = (
        postmortem("2024-01-02-cache", "jitter"),
        postmortem("2024-01-02-cache", "alert"),
        postmortem("2024-01-02-cache", "runbook"),
        postmortem("2024-02-03-disk", "jitter"),
    );
    let dir = tree(&[
        ("a.yaml", &a),
        ("b.yaml", &b),
        ("c.yml", &c),
        ("d.yaml", &d),
    ]);
    let out = run(dir.path(), &["check"], &[]);
    assert_eq!(
        out.stdout,
        "postmortems/b.yaml:1:5: error: duplicate postmortem id `2024-01-02-cache` (also in \
         postmortems/a.yaml:1:5)\n\
         postmortems/c.yml:1:5: error: duplicate postmortem id `2024-01-02-cache` (also in \
         postmortems/a.yaml:1:5)\n\
         2 errors in 4 files\n"
    );
    assert_eq!(out.code, 1);
    // A task id is unique within its postmortem only: `jitter` in two postmortems is two tasks.
    let dir = tree(&[("a.yaml", &a), ("d.yaml", &d)]);
    let out = run(dir.path(), &["check"], &[]);
    assert_eq!(
        out.stdout,
        "no problems in 2 files (2 postmortems, 2 tasks)\n"
    );
    assert_eq!(out.code, 0);
}

/// The postmortem in file `n` of a large directory.
fn numbered(n: usize) -> String {
    format!(
        "id: pm-{n:04}\ntitle: Incident {n}\nimpact:\n  summary: s\nroot_cause: r\ntasks:\n  \
         - id: fix\n    title: Fix {n}\n"
    )
}

/// Writes `files` into `postmortems/` in a scrambled order, so that the directory lists them
/// in neither name nor number order.
fn scrambled(dir: &Path, files: &[(String, String)]) {
    let mut order: Vec<usize> = (0..files.len()).collect();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for i in (1..order.len()).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = usize::try_from(state % (i as u64 + 1)).expect("an index");
        order.swap(i, j);
    }
    for i in order {
        text(&dir.join("postmortems").join(&files[i].0), &files[i].1);
    }
}

#[test]
fn of_2000_files_the_one_broken_file_is_reported_and_sync_sends_nothing() {
    let gh = Emulator::start_blocking();
    let url = gh.url();
    let mut files: Vec<(String, String)> = (0..2000)
        .map(|n| (format!("pm-{n:04}.yaml"), numbered(n)))
        .collect();
    files[1234].1 = numbered(1234).replace("title: Incident", "titel: Incident");
    let dir = tree(&[]);
    scrambled(dir.path(), &files);

    let out = run(dir.path(), &["check"], &[]);
    assert_bounded("check of 2000 files", &out);
    assert_eq!(
        out.stdout,
        "postmortems/pm-1234.yaml:2:1: error: unknown field `titel`, did you mean `title`?\n\
         1 error in 2000 files\n"
    );
    assert_eq!(out.code, 1);

    let env = [
        ("GITHUB_API_URL", url.as_str()),
        ("GITHUB_TOKEN", OWNER_TOKEN),
        ("GITHUB_REPOSITORY", "acme/web"),
    ];
    let out = run(dir.path(), &["sync", "--write-interval-ms", "0"], &env);
    assert_bounded("sync of 2000 files", &out);
    assert_eq!(
        out.stderr,
        "postmortems/pm-1234.yaml:2:1: error: unknown field `titel`, did you mean `title`?\n\
         error: 1 problem in the postmortems; nothing was synced\n"
    );
    assert_eq!(out.code, 1);
    assert_eq!(gh.requests(), vec![]);
}

#[test]
fn of_2000_files_every_broken_one_is_reported_in_file_order_every_time() {
    // Every seventh file is broken, in one of three ways in turn.
    let mut files: Vec<(String, String)> = Vec::new();
    let mut expected = String::new();
    for n in 0..2000 {
        let name = format!("pm-{n:04}.yaml");
        let content = match (n % 7, (n / 7) % 3) {
            (3, 0) => {
                expected.push_str(&format!(
                    "postmortems/{name}:2:1: error: unknown field `titel`, did you mean `title`?\n"
                ));
                numbered(n).replace("title: Incident", "titel: Incident")
            }
            (3, 1) => {
                expected.push_str(&format!("postmortems/{name}:4:1: error: {TAB}\n"));
                numbered(n).replace("  summary", "\tsummary")
            }
            (3, _) => {
                let first = n - 1;
                expected.push_str(&format!(
                    "postmortems/{name}:1:5: error: duplicate postmortem id `pm-{first:04}` \
                     (also in postmortems/pm-{first:04}.yaml:1:5)\n"
                ));
                numbered(n).replace(&format!("pm-{n:04}"), &format!("pm-{first:04}"))
            }
            _ => numbered(n),
        };
        files.push((name, content));
    }
    let broken = expected.lines().count();
    assert_eq!(broken, 286);
    expected.push_str(&format!("{broken} errors in 2000 files\n"));
    let dir = tree(&[]);
    scrambled(dir.path(), &files);

    let first = run(dir.path(), &["check"], &[]);
    assert_bounded("check of 2000 files", &first);
    assert_eq!(first.stdout, expected);
    assert_eq!(first.code, 1);
    let again = run(dir.path(), &["check"], &[]);
    assert_eq!(again.stdout, first.stdout, "the same order on a second run");

    let json = run(dir.path(), &["check", "--format", "json"], &[]);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).expect("JSON");
    assert_eq!(
        (&value["files"], &value["postmortems"], &value["errors"]),
        (
            &serde_json::json!(2000),
            &serde_json::json!(1714),
            &serde_json::json!(286)
        )
    );
    let files_in_order: Vec<&str> = value["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["file"].as_str().expect("a file"))
        .collect();
    let mut sorted = files_in_order.clone();
    sorted.sort();
    assert_eq!(files_in_order, sorted);
}

#[test]
fn problems_quoting_control_characters_stay_one_line_in_every_format() {
    // A file name and a field name, each with an escape sequence and a line break that could
    // pass for a problem of its own.
    let name = "evil\u{1b}[2J\nx.yaml:1:1: error: forged.yaml";
    let dir = tree(&[(
        name,
        &format!("{VALID}\"\\e]0;pwned\\a\\n::error::forged\": x\n"),
    )]);
    let shown_name = "evil\u{FFFD}[2J\u{FFFD}x.yaml:1:1: error: forged.yaml";
    let field = "\u{FFFD}]0;pwned\u{FFFD}\u{FFFD}::error::forged";
    let out = run(dir.path(), &["check"], &[]);
    assert_eq!(
        out.stdout,
        format!(
            "postmortems/{shown_name}:9:1: error: unknown field `{field}`; expected one of: \
             {FIELDS}\n\
             1 error in 1 file\n"
        )
    );
    let out = run(dir.path(), &["check", "--format", "github"], &[]);
    assert_eq!(
        out.stdout,
        format!(
            "::error file=postmortems/evil\u{FFFD}[2J%0Ax.yaml%3A1%3A1%3A error%3A \
             forged.yaml,line=9,col=1::unknown field `\u{FFFD}]0;pwned\u{FFFD}%0A::error::forged`; \
             expected one of: {FIELDS}\n\
             1 error in 1 file\n"
        )
    );
    // JSON keeps the text as it is, escaped by JSON itself.
    let out = run(dir.path(), &["check", "--format", "json"], &[]);
    let value: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(value["problems"][0]["file"], format!("postmortems/{name}"));
    assert_eq!(
        value["problems"][0]["message"],
        format!("unknown field `\u{1b}]0;pwned\u{7}\n::error::forged`; expected one of: {FIELDS}")
    );
    assert!(!out.stdout.contains('\u{1b}'));
}
