//! What `aftercare init` writes into a repository, decided from what is already there.
//!
//! [`plan`] is pure: given the options, the postmortem directory and the current text of each
//! file it may write, it returns one [`Step`] per file saying whether to write it, append to it,
//! keep it or leave it as it is, with the exact text. The command applies the steps; nothing
//! here touches the disk. The files' text comes from the templates under `templates/`, so that
//! the README can show (and a test compare) the same text.

/// The issue tracker the configuration is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tracker {
    Github,
    Gitlab,
    Jira,
}

/// The CI system whose configuration is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ci {
    Github,
    Gitlab,
    None,
}

/// What `init` was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub tracker: Tracker,
    pub ci: Ci,
    /// Replace files that exist and differ from what `init` writes.
    pub force: bool,
}

/// A path `init` looks at, as it is on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Missing,
    /// A file, with its text.
    File(String),
    Directory,
}

/// What to do with one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Create the file with this text.
    Create(String),
    /// Create the directory.
    CreateDirectory,
    /// Replace the file's text (with `--force`).
    Replace(String),
    /// Add `text` at the end of the file; `what` names it in the printed line.
    Append { text: String, what: &'static str },
    /// Nothing to do: the path already holds what `init` writes.
    Present,
    /// Leave the file as it is, for the reason given.
    Keep(String),
    /// The file is someone else's: print this text for people to add themselves.
    Suggest(String),
}

/// One path and what to do with it. `path` is relative to the repository root, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub path: String,
    pub action: Action,
}

impl Step {
    /// Whether applying the step changes the disk.
    pub fn writes(&self) -> bool {
        matches!(
            self.action,
            Action::Create(_)
                | Action::CreateDirectory
                | Action::Replace(_)
                | Action::Append { .. }
        )
    }

    /// The line `init` prints for the step, when there is one to print.
    pub fn line(&self) -> Option<String> {
        let path = &self.path;
        Some(match &self.action {
            Action::Create(_) => format!("wrote {path}"),
            Action::CreateDirectory => format!("created {path}/"),
            Action::Replace(_) => format!("replaced {path}"),
            Action::Append { what, .. } => format!("added {what} to {path}"),
            Action::Present => return None,
            Action::Keep(why) => format!("kept {path}: {why}"),
            Action::Suggest(text) => {
                format!("{path} exists: add these jobs to it\n{}", text.trim_end())
            }
        })
    }
}

/// The file of the GitHub workflow `init` writes.
pub const GITHUB_WORKFLOW: &str = ".github/workflows/postmortems.yml";
/// GitLab's pipeline file.
pub const GITLAB_CI: &str = ".gitlab-ci.yml";
/// The README whose status section `status --readme` fills.
pub const README: &str = "README.md";
/// The line that keeps sync's cache out of git.
pub const CACHE_ENTRY: &str = ".aftercare/";

const CONFIG_TEMPLATE: &str = include_str!("templates/aftercare.yml");
const GITLAB_TRACKER_TEMPLATE: &str = include_str!("templates/tracker-gitlab.yml");
const JIRA_TRACKER_TEMPLATE: &str = include_str!("templates/tracker-jira.yml");
const GITHUB_WORKFLOW_TEMPLATE: &str = include_str!("templates/github-workflow.yml");
const GITLAB_CI_TEMPLATE: &str = include_str!("templates/gitlab-ci.yml");

/// The GitHub repository of aftercare, `owner/name`: where its Action and releases are.
pub const REPOSITORY: &str = env!("AFTERCARE_REPOSITORY");

/// How the workflow names the Action's version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin<'a> {
    /// The commit of the release, with its tag as a comment: `owner/aftercare@<sha> # v0.1.0`.
    Commit(&'a str),
    /// The release tag alone: `owner/aftercare@v0.1.0`.
    Tag,
}

impl Pin<'static> {
    /// The commit this binary was built from when the build knew it, else the tag.
    pub fn of_this_build() -> Pin<'static> {
        match env!("AFTERCARE_COMMIT") {
            "" => Pin::Tag,
            commit => Pin::Commit(commit),
        }
    }
}

/// `aftercare.yml` as `init` writes it: this repository's commented configuration, and for a
/// GitLab or Jira tracker its `tracker:` block, commented out for people to fill in.
pub fn config(tracker: Tracker) -> String {
    let block = match tracker {
        Tracker::Github => "",
        Tracker::Gitlab => GITLAB_TRACKER_TEMPLATE,
        Tracker::Jira => JIRA_TRACKER_TEMPLATE,
    };
    format!("{CONFIG_TEMPLATE}{block}")
}

/// The GitHub workflow for postmortems in `dir`, using this version of the Action.
pub fn github_workflow(dir: &str, pin: Pin) -> String {
    let version = env!("CARGO_PKG_VERSION");
    let action = match pin {
        Pin::Commit(commit) => format!("{REPOSITORY}@{commit} # v{version}"),
        Pin::Tag => format!("{REPOSITORY}@v{version}"),
    };
    GITHUB_WORKFLOW_TEMPLATE
        .replace("{repository}", REPOSITORY)
        .replace("{dir}", dir)
        .replace("{action}", &action)
}

/// The GitLab CI jobs for postmortems in `dir`, installing this version of aftercare.
pub fn gitlab_jobs(dir: &str) -> String {
    GITLAB_CI_TEMPLATE
        .replace("{repository}", REPOSITORY)
        .replace("{dir}", dir)
        .replace("{version}", env!("CARGO_PKG_VERSION"))
}

/// The README's status markers, each on a line of its own.
fn markers() -> String {
    format!("{}\n{}\n", crate::readme::START, crate::readme::END)
}

/// The steps that bring a repository to what `init` writes, in the order to apply them. `dir` is
/// the postmortem directory relative to the root, `/`-separated; `pin` is how the GitHub
/// workflow names the Action's version; `found` tells what is at a path.
pub fn plan(options: &Options, dir: &str, pin: Pin, found: impl Fn(&str) -> Found) -> Vec<Step> {
    let step = |path: &str, action: Action| Step {
        path: path.to_string(),
        action,
    };
    let whole =
        |path: &str, text: String| step(path, whole_file(&found(path), text, options.force));
    let mut steps = vec![
        whole(crate::config::FILE_NAME, config(options.tracker)),
        step(dir, directory(found(dir))),
        whole(
            crate::schema::FILE_NAME,
            crate::schema::postmortem_schema_json(),
        ),
    ];
    match options.ci {
        Ci::Github => steps.push(whole(GITHUB_WORKFLOW, github_workflow(dir, pin))),
        Ci::Gitlab => steps.push(step(GITLAB_CI, gitlab_ci(found(GITLAB_CI), dir))),
        Ci::None => {}
    }
    steps.push(step(README, readme(found(README))));
    steps.push(step(".gitignore", gitignore(found(".gitignore"))));
    steps
}

const NOT_A_FILE: &str = "it is a directory, not a file";

/// The postmortem directory is created when missing.
fn directory(found: Found) -> Action {
    match found {
        Found::Missing => Action::CreateDirectory,
        Found::Directory => Action::Present,
        Found::File(_) => {
            Action::Keep("it is a file, where the postmortems need a directory".into())
        }
    }
}

/// `.gitlab-ci.yml` is written when missing; an existing one is the project's own pipeline, so
/// the jobs are printed for people to add (even with `--force`), unless it has them already.
fn gitlab_ci(found: Found, dir: &str) -> Action {
    match found {
        Found::Missing => Action::Create(gitlab_jobs(dir)),
        Found::File(text) if has_aftercare_jobs(&text) => Action::Present,
        Found::File(_) => Action::Suggest(gitlab_jobs(dir)),
        Found::Directory => Action::Keep(NOT_A_FILE.into()),
    }
}

/// A file `init` owns whole: created when missing, replaced with `--force` when it differs.
fn whole_file(found: &Found, text: String, force: bool) -> Action {
    match found {
        Found::Missing => Action::Create(text),
        Found::File(current) if *current == text => Action::Present,
        Found::File(_) if force => Action::Replace(text),
        Found::File(_) => {
            Action::Keep("it exists and differs from what init writes (--force replaces it)".into())
        }
        Found::Directory => Action::Keep(NOT_A_FILE.into()),
    }
}

/// Whether a `.gitlab-ci.yml` already holds the jobs `init` writes (a job named
/// `aftercare-check`).
fn has_aftercare_jobs(text: &str) -> bool {
    text.lines()
        .any(|line| line.trim_end() == "aftercare-check:")
}

/// The README gets the status markers at its end, unless it has them.
fn readme(found: Found) -> Action {
    match found {
        Found::Missing => Action::Create(markers()),
        Found::Directory => Action::Keep(NOT_A_FILE.into()),
        Found::File(text) => match crate::readme::replace_section(&text, "") {
            Ok(_) => Action::Present,
            Err(_)
                if !text.contains(crate::readme::START) && !text.contains(crate::readme::END) =>
            {
                Action::Append {
                    text: after_last_line(&text, &format!("\n{}", markers())),
                    what: "the status markers",
                }
            }
            Err(err) => Action::Keep(format!("{err:#}")),
        },
    }
}

/// `.gitignore` gets `.aftercare/` (sync's cache) unless a line already ignores it.
fn gitignore(found: Found) -> Action {
    let entry = format!("{CACHE_ENTRY}\n");
    match found {
        Found::Missing => Action::Create(entry),
        Found::Directory => Action::Keep(NOT_A_FILE.into()),
        Found::File(text) => {
            let ignored = text.lines().map(str::trim).any(|line| {
                [".aftercare", ".aftercare/", "/.aftercare", "/.aftercare/"].contains(&line)
            });
            if ignored {
                Action::Present
            } else {
                Action::Append {
                    text: after_last_line(&text, &entry),
                    what: CACHE_ENTRY,
                }
            }
        }
    }
}

/// `addition` (whose lines end with `\n`), preceded by a line break when `text` does not end
/// with one, and with the line endings of `text` when they are `\r\n`.
fn after_last_line(text: &str, addition: &str) -> String {
    let addition = if text.is_empty() || text.ends_with('\n') {
        addition.to_string()
    } else {
        format!("\n{addition}")
    };
    if text.contains("\r\n") {
        addition.replace('\n', "\r\n")
    } else {
        addition
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    const COMMIT: &str = "0123abc4567890123abc4567890123abc4567890";

    fn options(tracker: Tracker, ci: Ci, force: bool) -> Options {
        Options { tracker, ci, force }
    }

    /// The plan for a tree holding `files` (path, text), `directories` and nothing else.
    fn plan_for(options: &Options, files: &[(&str, &str)], directories: &[&str]) -> Vec<Step> {
        let mut found: BTreeMap<String, Found> = files
            .iter()
            .map(|(path, text)| (path.to_string(), Found::File(text.to_string())))
            .collect();
        for dir in directories {
            found.insert(dir.to_string(), Found::Directory);
        }
        plan(options, "postmortems", Pin::Commit(COMMIT), |path| {
            found.get(path).cloned().unwrap_or(Found::Missing)
        })
    }

    fn lines(steps: &[Step]) -> Vec<String> {
        steps.iter().filter_map(Step::line).collect()
    }

    #[test]
    fn an_empty_repository_gets_every_file() {
        let steps = plan_for(&options(Tracker::Github, Ci::Github, false), &[], &[]);
        assert_eq!(
            lines(&steps),
            [
                "wrote aftercare.yml",
                "created postmortems/",
                "wrote postmortem.schema.json",
                "wrote .github/workflows/postmortems.yml",
                "wrote README.md",
                "wrote .gitignore",
            ]
        );
        let text = |path: &str| match &steps.iter().find(|s| s.path == path).expect(path).action {
            Action::Create(text) => text.clone(),
            other => panic!("{path}: {other:?}"),
        };
        assert_eq!(text("aftercare.yml"), CONFIG_TEMPLATE);
        assert_eq!(
            text("postmortem.schema.json"),
            crate::schema::postmortem_schema_json()
        );
        assert_eq!(
            text("README.md"),
            "<!-- aftercare:status:start -->\n<!-- aftercare:status:end -->\n"
        );
        assert_eq!(text(".gitignore"), ".aftercare/\n");
        let workflow = text(".github/workflows/postmortems.yml");
        let pinned = format!(
            "        uses: {REPOSITORY}@{COMMIT} # v{}\n",
            env!("CARGO_PKG_VERSION")
        );
        // check, sync (dry run), sync, status and remind; the site's step is a list item.
        assert_eq!(workflow.matches(&pinned).count(), 5, "{workflow}");
        assert!(workflow.contains(&format!(
            "- uses: {REPOSITORY}@{COMMIT} # v{}\n",
            env!("CARGO_PKG_VERSION")
        )));
    }

    #[test]
    fn what_is_there_already_is_left_alone_and_a_second_run_writes_nothing() {
        let options = options(Tracker::Github, Ci::Github, false);
        let first = plan_for(&options, &[], &[]);
        let mut files: Vec<(&str, String)> = Vec::new();
        for step in &first {
            if let Action::Create(text) = &step.action {
                files.push((step.path.as_str(), text.clone()));
            }
        }
        let files: Vec<(&str, &str)> = files.iter().map(|(p, t)| (*p, t.as_str())).collect();
        let second = plan_for(&options, &files, &["postmortems"]);
        assert!(
            second.iter().all(|s| s.action == Action::Present),
            "{second:?}"
        );
        assert_eq!(lines(&second), Vec::<String>::new());
    }

    #[test]
    fn a_file_that_differs_is_kept_unless_forced() {
        let files = [("aftercare.yml", "dir: postmortems\n")];
        let kept = plan_for(&options(Tracker::Github, Ci::None, false), &files, &[]);
        assert_eq!(
            kept[0].line().as_deref(),
            Some(
                "kept aftercare.yml: it exists and differs from what init writes (--force replaces it)"
            )
        );
        let forced = plan_for(&options(Tracker::Github, Ci::None, true), &files, &[]);
        assert_eq!(forced[0].action, Action::Replace(CONFIG_TEMPLATE.into()));
        assert_eq!(forced[0].line().as_deref(), Some("replaced aftercare.yml"));
        // No CI configuration with `--ci none`.
        let paths: Vec<&str> = forced.iter().map(|s| s.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "aftercare.yml",
                "postmortems",
                "postmortem.schema.json",
                "README.md",
                ".gitignore"
            ]
        );
    }

    #[test]
    fn the_readme_and_gitignore_are_appended_to() {
        let files = [
            ("README.md", "# Project\n\nWhat it is."),
            (".gitignore", "target/\n"),
        ];
        let steps = plan_for(&options(Tracker::Github, Ci::None, false), &files, &[]);
        let action = |path: &str| {
            steps
                .iter()
                .find(|s| s.path == path)
                .expect(path)
                .action
                .clone()
        };
        assert_eq!(
            action("README.md"),
            Action::Append {
                text: "\n\n<!-- aftercare:status:start -->\n<!-- aftercare:status:end -->\n".into(),
                what: "the status markers"
            }
        );
        assert_eq!(
            action(".gitignore"),
            Action::Append {
                text: ".aftercare/\n".into(),
                what: ".aftercare/"
            }
        );
        assert_eq!(
            lines(&steps)[3..],
            [
                "added the status markers to README.md",
                "added .aftercare/ to .gitignore"
            ]
        );
        // A file with CRLF line endings keeps them.
        let steps = plan_for(
            &options(Tracker::Github, Ci::None, false),
            &[(".gitignore", "target/\r\n*.log")],
            &[],
        );
        assert_eq!(
            steps[4].action,
            Action::Append {
                text: "\r\n.aftercare/\r\n".into(),
                what: ".aftercare/"
            }
        );
        // Already ignored, markers present, or a marker alone (which init does not repair).
        let files = [
            (
                "README.md",
                "# P\n<!-- aftercare:status:start -->\nold\n<!-- aftercare:status:end -->\n",
            ),
            (".gitignore", "target\n/.aftercare\n"),
        ];
        let steps = plan_for(&options(Tracker::Github, Ci::None, false), &files, &[]);
        assert_eq!(steps[3].action, Action::Present);
        assert_eq!(steps[4].action, Action::Present);
        let files = [("README.md", "# P\n<!-- aftercare:status:start -->\n")];
        let steps = plan_for(&options(Tracker::Github, Ci::None, false), &files, &[]);
        assert_eq!(
            steps[3].line().as_deref(),
            Some(
                "kept README.md: the marker <!-- aftercare:status:end --> is missing; add it after \
                 <!-- aftercare:status:start -->"
            )
        );
    }

    #[test]
    fn gitlab_and_jira_trackers_get_their_block_commented_out() {
        let gitlab = config(Tracker::Gitlab);
        assert!(gitlab.starts_with(CONFIG_TEMPLATE));
        assert!(gitlab.ends_with(
            "# tracker:\n\
             #   kind: gitlab                      # github | gitlab\n\
             #   url: https://gitlab.example.com   # default: CI_SERVER_URL, else https://gitlab.com\n\
             #   project: group/sub/project        # a path or numeric id; default: CI_PROJECT_PATH\n"
        ));
        let jira = config(Tracker::Jira);
        assert!(jira.ends_with(
            "# tracker:\n\
             #   kind: jira\n\
             #   url: https://acme.atlassian.net   # required\n\
             #   project: OPS                      # required: the project key\n\
             #   deployment: cloud                 # cloud | datacenter\n"
        ));
        // Commented out, every configuration init writes is valid for this version.
        for tracker in [Tracker::Github, Tracker::Gitlab, Tracker::Jira] {
            let parsed = crate::config::Config::parse(config(tracker).as_bytes());
            assert_eq!(parsed.map(|c| c.dir), Ok("postmortems".into()));
        }
    }

    #[test]
    fn gitlab_jobs_are_written_or_suggested_and_never_replace_a_pipeline() {
        let gitlab = |files: &[(&str, &str)]| {
            plan_for(&options(Tracker::Gitlab, Ci::Gitlab, true), files, &[])
                .into_iter()
                .find(|s| s.path == ".gitlab-ci.yml")
                .expect("a step for .gitlab-ci.yml")
                .action
        };
        assert_eq!(gitlab(&[]), Action::Create(gitlab_jobs("postmortems")));
        let own = "stages: [test]\n";
        assert_eq!(
            gitlab(&[(".gitlab-ci.yml", own)]),
            Action::Suggest(gitlab_jobs("postmortems"))
        );
        let with_jobs = format!("{own}\n{}", gitlab_jobs("postmortems"));
        assert_eq!(gitlab(&[(".gitlab-ci.yml", &with_jobs)]), Action::Present);
        let jobs = gitlab_jobs("docs/incidents");
        assert!(jobs.contains("      changes: [\"docs/incidents/**/*\", aftercare.yml]\n"));
        assert!(jobs.contains(&format!(
            "    AFTERCARE_VERSION: \"{}\"\n",
            env!("CARGO_PKG_VERSION")
        )));
        for job in [
            "    - aftercare check --format codequality > gl-code-quality-report.json || { aftercare check; exit 1; }\n",
            "      codequality: gl-code-quality-report.json\n",
            "  resource_group: aftercare-sync\n  script:\n    - aftercare sync\n",
            "    - aftercare status --badge .gitlab/aftercare-badge.svg --readme README.md\n",
            "  resource_group: aftercare-remind\n  script:\n    - aftercare remind\n",
        ] {
            assert!(jobs.contains(job), "{job}");
        }
    }

    #[test]
    fn the_workflow_pins_the_tag_when_the_build_does_not_know_its_commit() {
        let workflow = github_workflow("docs/incidents", Pin::Tag);
        let version = env!("CARGO_PKG_VERSION");
        assert_eq!(
            workflow
                .matches(&format!("uses: {REPOSITORY}@v{version}\n"))
                .count(),
            6
        );
        assert_eq!(
            workflow
                .matches("paths: [\"docs/incidents/**\", \"aftercare.yml\"]\n")
                .count(),
            2
        );
        for placeholder in ["{action}", "{dir}", "{repository}", "{version}"] {
            assert!(!workflow.contains(placeholder), "{placeholder}");
            assert!(!gitlab_jobs("p").contains(placeholder), "{placeholder}");
        }
    }
}
