//! The corpus generator of the benchmarks (`examples/gen-corpus.rs`): what it writes passes
//! `aftercare check` with no problem at all, varies the way real postmortems do, comes out
//! byte-identical for the same arguments, and has exactly the tasks asked for.

use std::collections::BTreeMap;
use std::path::Path;

use clap::Parser as _;

use crate::support::cli::Aftercare;

#[allow(dead_code)]
#[path = "../../examples/gen-corpus.rs"]
mod gen_corpus;

use gen_corpus::{Args, Corpus, DEFAULT_SEED};

/// Runs the generator's command line with `args` (after the program name) into `out`.
fn generate(args: &[&str], out: &Path) -> gen_corpus::Written {
    let argv = ["gen-corpus"]
        .iter()
        .chain(args)
        .map(|a| a.to_string())
        .chain(["--out".to_string(), out.display().to_string()]);
    let args = Args::try_parse_from(argv).expect("the arguments parse");
    args.corpus().write(out).expect("the corpus is written")
}

/// Every file below `dir`, by path relative to it, with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("a readable directory") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path
                    .strip_prefix(dir)
                    .expect("below the root")
                    .display()
                    .to_string();
                out.insert(name, std::fs::read(&path).expect("a readable file"));
            }
        }
    }
    out
}

#[test]
fn a_generated_corpus_passes_check_without_a_problem() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let written = generate(&["--postmortems", "150", "--tasks-per", "4"], dir.path());
    assert_eq!((written.files, written.tasks), (150, 600));
    let out = Aftercare::new(dir.path()).arg("check").run();
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (
            0,
            "no problems in 150 files (150 postmortems, 600 tasks)\n",
            ""
        )
    );
}

#[test]
fn a_generated_corpus_varies_like_real_postmortems() {
    let corpus = Corpus {
        postmortems: 150,
        tasks_per: 4,
        seed: DEFAULT_SEED,
    };
    let files = corpus.files();
    let text: String = files.iter().map(|f| f.text.as_str()).collect();
    let present = |needle: &str| text.contains(needle);
    // Each form the format allows shows up somewhere.
    for needle in [
        "\nstatus: published\n",
        "\nseverity: SEV",
        "\nservice: ",
        "\nstarted: 20",
        "\nstarted: \"",
        "\ndetected: ",
        "\ndetection: ",
        "\n  summary: |\n",
        "\n  users_affected_percent: ",
        ".5\n",
        "\nroot_cause: |\n",
        "\nresolution: |\n",
        "\nlessons: |\n",
        "\n  - at: \"",
        "\n  - at: 20",
        "\n  - kind: ",
        "kind: misleading\n",
        "kind: escalation\n",
        "kind: communication\n",
        "\n    description: |\n",
        "\n    description: Follow-up",
        "\n    measure: ",
        "\n    type: investigate\n",
        "\n    priority: P1\n",
        "\n    owner: ",
        "\n    due: ",
        "\n    labels: [",
        "\n    labels:\n      - ",
    ] {
        assert!(present(needle), "no postmortem has {needle:?}");
    }
    // Some files are `.yml`, some start with the schema comment, a date-only incident exists.
    assert!(files.iter().any(|f| f.name.ends_with(".yml")));
    assert!(
        files
            .iter()
            .any(|f| !f.text.starts_with("# yaml-language-server"))
    );
    assert!(files.iter().any(|f| {
        f.text
            .lines()
            .any(|l| l.len() == "started: 2019-01-01".len() && l.starts_with("started: 20"))
    }));
    // Task counts vary between files; the total is exact.
    let counts: Vec<usize> = files.iter().map(|f| f.tasks).collect();
    assert_eq!(counts.iter().sum::<usize>(), 600);
    assert_eq!(counts.iter().min(), Some(&2));
    assert_eq!(counts.iter().max(), Some(&6));
    // Real postmortems run to a few kilobytes.
    let average = text.len() / files.len();
    assert!(
        (2_000..12_000).contains(&average),
        "{average} bytes on average"
    );
}

#[test]
fn the_same_arguments_give_byte_identical_files() {
    let first = tempfile::tempdir().expect("a temporary directory");
    let second = tempfile::tempdir().expect("a temporary directory");
    let args = ["--postmortems", "25", "--tasks-per", "6", "--seed", "7"];
    generate(&args, first.path());
    generate(&args, second.path());
    let (a, b) = (files(first.path()), files(second.path()));
    assert_eq!(
        a.len(),
        27,
        "aftercare.yml, postmortem.schema.json and 25 postmortems"
    );
    assert!(a == b, "two runs with the same arguments differ");

    let other = tempfile::tempdir().expect("a temporary directory");
    generate(
        &["--postmortems", "25", "--tasks-per", "6", "--seed", "8"],
        other.path(),
    );
    let c = files(other.path());
    assert!(
        a.iter()
            .filter(|(name, _)| name.starts_with("postmortems"))
            .all(|(name, bytes)| c.get(name) != Some(bytes)),
        "another seed gives other postmortems"
    );
}

#[test]
fn a_small_corpus_is_the_beginning_of_a_larger_one() {
    let corpus = |postmortems| Corpus {
        postmortems,
        tasks_per: 10,
        seed: DEFAULT_SEED,
    };
    let small = corpus(10).files();
    let large = corpus(101).files();
    assert_eq!(small[..], large[..10]);
    // An odd count's last postmortem makes the total exact.
    assert_eq!(large.iter().map(|f| f.tasks).sum::<usize>(), 1_010);
    assert_eq!(large[100].tasks, 10);
}

#[test]
fn refuses_to_mix_two_corpora_in_one_directory() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    generate(&["--postmortems", "2"], dir.path());
    let args = Args::try_parse_from(["gen-corpus", "--postmortems", "3", "--out", "x"])
        .expect("the arguments parse");
    let err = args.corpus().write(dir.path()).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{} already holds files: give an empty directory",
            dir.path().join("postmortems").display()
        )
    );
    assert_eq!(files(dir.path()).len(), 4, "nothing was added");
}
