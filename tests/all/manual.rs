//! Shell completions, manual pages and `--version`: the completion script is one bash accepts,
//! each manual page renders without a warning, and the version names the commit of the build.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::support::cli::Aftercare;

/// Runs `program` with `args`, `input` on standard input; its exit code, stdout and stderr.
fn run_with_input(
    program: &str,
    args: &[&str],
    env: &[(&str, &str)],
    input: &str,
) -> (i32, String, String) {
    let mut child = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} runs: {e}"));
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("the input is written");
    let out = child.wait_with_output().expect("it finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn completions_print_a_script_bash_accepts_and_one_per_shell() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let bash = Aftercare::new(dir.path())
        .args(["completions", "bash"])
        .run();
    assert_eq!((bash.code, bash.stderr.as_str()), (0, ""));
    assert!(
        bash.stdout.starts_with("_aftercare() {\n"),
        "{}",
        bash.stdout
    );
    assert!(bash.stdout.contains(" init "), "init is completed");
    let (code, _, stderr) = run_with_input("bash", &["-n"], &[], &bash.stdout);
    assert_eq!(
        (code, stderr.as_str()),
        (0, ""),
        "bash -n rejects the script"
    );
    for (shell, first_line) in [
        ("zsh", "#compdef aftercare"),
        (
            "fish",
            "# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.",
        ),
        ("powershell", ""),
        ("elvish", ""),
    ] {
        let out = Aftercare::new(dir.path())
            .args(["completions", shell])
            .run();
        assert_eq!(out.code, 0, "{shell}");
        assert_eq!(out.stdout.lines().next(), Some(first_line), "{shell}");
        assert!(out.stdout.contains("aftercare"), "{shell}");
    }
    let out = Aftercare::new(dir.path())
        .args(["completions", "tcsh"])
        .run();
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .starts_with("error: invalid value 'tcsh' for '<SHELL>'\n"),
        "{}",
        out.stderr
    );
}

/// The warnings of rendering a manual page with `man --warnings -l -` and with
/// `groff -man -Tutf8 -ww`, each where it is installed (at least one must be).
fn render_warnings(page: &str) -> String {
    let mut renderers: Vec<(&str, &[&str])> = Vec::new();
    if installed("man") {
        renderers.push(("man", &["--warnings", "-l", "-"]));
    }
    if installed("groff") {
        renderers.push(("groff", &["-man", "-Tutf8", "-ww"]));
    }
    assert!(
        !renderers.is_empty(),
        "neither man nor groff is installed: install man-db or groff-base"
    );
    let mut warnings = String::new();
    for (program, args) in renderers {
        let (code, stdout, stderr) = run_with_input(program, args, &[("MANWIDTH", "80")], page);
        assert_eq!(code, 0, "{program}: {stderr}");
        assert!(!stdout.trim().is_empty(), "{program} rendered nothing");
        warnings.push_str(&stderr);
    }
    warnings
}

#[test]
fn the_renderers_report_a_warning_when_there_is_one() {
    let broken = ".TH x 1\n.SH NAME\nx \\- y\n.notamacro z\n";
    assert!(
        render_warnings(broken).contains("warning: macro 'notamacro' not defined"),
        "the rendering check would miss a warning"
    );
}

#[test]
fn each_command_has_a_manual_page_that_renders_without_warnings() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = Aftercare::new(dir.path()).arg("man").run();
    assert_eq!((out.code, out.stderr.as_str()), (0, ""));
    assert!(out.stdout.contains(".TH aftercare 1 "), "{}", out.stdout);
    assert_eq!(render_warnings(&out.stdout), "");
    let commands = [
        "check",
        "sync",
        "status",
        "site",
        "remind",
        "new",
        "schema",
        "init",
        "completions",
        "man",
        "import",
    ];
    for command in commands {
        let out = Aftercare::new(dir.path()).args(["man", command]).run();
        assert_eq!(out.code, 0, "{command}");
        assert!(
            out.stdout.contains(&format!(".TH aftercare-{command} 1 ")),
            "{command}: {}",
            out.stdout
        );
        assert_eq!(render_warnings(&out.stdout), "", "{command}");
    }

    let out = Aftercare::new(dir.path())
        .args(["man", "--out-dir", "pages"])
        .run();
    let mut expected = vec!["pages/aftercare.1".to_string()];
    expected.extend(commands.iter().map(|c| format!("pages/aftercare-{c}.1")));
    assert_eq!(out.stdout, format!("{}\n", expected.join("\n")));
    for path in &expected {
        let written = std::fs::read_to_string(dir.path().join(path)).expect("the page is written");
        let name = path.trim_start_matches("pages/").trim_end_matches(".1");
        let printed = match name.strip_prefix("aftercare-") {
            Some(command) => {
                Aftercare::new(dir.path())
                    .args(["man", command])
                    .run()
                    .stdout
            }
            None => Aftercare::new(dir.path()).arg("man").run().stdout,
        };
        assert_eq!(written, printed, "{path}");
    }

    let out = Aftercare::new(dir.path()).args(["man", "sink"]).run();
    assert_eq!(
        out.stderr,
        "error: there is no command `sink`; the commands are check, sync, status, site, remind, \
         new, schema, init, completions, man, import\n"
    );
    assert_eq!(out.code, 1);
}

#[test]
fn the_version_names_the_commit_of_the_build() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let out = Aftercare::new(dir.path()).arg("--version").run();
    let version = env!("CARGO_PKG_VERSION");
    let commit = env!("AFTERCARE_COMMIT");
    // A build from a git checkout or a crates.io package knows its commit; a bare source tree
    // does not, and prints the version alone.
    if commit.is_empty() {
        assert_eq!(out.stdout, format!("aftercare {version}\n"));
    } else {
        assert_eq!(commit.len(), 40, "{commit:?}");
        assert!(commit.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_eq!(
            out.stdout,
            format!("aftercare {version} ({})\n", &commit[..7])
        );
    }
    assert_eq!(out.code, 0);
}
