//! Runs the built `aftercare` binary in a controlled environment and captures what it did:
//! to completion, or started in the background and killed mid-run.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use super::emulator::{Emulator, OWNER_TOKEN};

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Outcome {
    /// The exit code; -1 when a signal ended the process.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    fn of(out: Output) -> Outcome {
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// A run started by [`Aftercare::spawn`] and not yet collected.
pub struct Running {
    child: Child,
}

impl Running {
    /// True once the process has ended on its own.
    pub fn has_ended(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Kills the process at once (SIGKILL on Unix: no cleanup of any kind runs) and collects
    /// what it printed until then.
    pub fn kill(mut self) -> Outcome {
        let _ = self.child.kill();
        self.wait()
    }

    /// Waits for the process to end.
    pub fn wait(self) -> Outcome {
        Outcome::of(
            self.child
                .wait_with_output()
                .expect("the aftercare binary runs"),
        )
    }
}

/// Removes from `command`'s environment everything the test process inherited that could point
/// a run at a real tracker or change its behaviour: tokens, `GITHUB_*`, `GITLAB_*`, `JIRA_*`,
/// GitLab CI's `CI_*`, the Actions runner's `RUNNER_*`, `ACTION_*` and `INPUT_*`, the test
/// suite's own `AFTERCARE_*`, and `CI`.
pub fn remove_ambient_environment(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if [
            "GITHUB_",
            "GH_",
            "INPUT_",
            "RUNNER_",
            "ACTION_",
            "AFTERCARE_",
            "GITLAB_",
            "CI_",
            "JIRA_",
        ]
        .iter()
        .any(|prefix| k.starts_with(prefix))
            || k == "CI"
        {
            command.env_remove(&key);
        }
    }
}

/// A command line for the built binary. The environment is cleared of everything that could
/// point it at a real GitHub or change its output ([`remove_ambient_environment`]), so tests set
/// exactly what they mean.
pub struct Aftercare {
    command: Command,
}

impl Aftercare {
    /// Runs in `cwd`, which is usually a temporary fixture tree.
    pub fn new(cwd: &Path) -> Aftercare {
        let mut command = Command::new(env!("CARGO_BIN_EXE_aftercare"));
        command.current_dir(cwd);
        remove_ambient_environment(&mut command);
        command.env("NO_COLOR", "1");
        Aftercare { command }
    }

    /// `aftercare sync --write-interval-ms 0` in `cwd`, against `acme/web` in the emulator `gh`,
    /// with the owner's token.
    pub fn sync_as_owner(gh: &Emulator, cwd: &Path) -> Aftercare {
        Aftercare::new(cwd)
            .args(["sync", "--write-interval-ms", "0"])
            .env("GITHUB_API_URL", gh.url())
            .env("GITHUB_TOKEN", OWNER_TOKEN)
            .env("GITHUB_REPOSITORY", "acme/web")
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Aftercare {
        self.command.arg(arg);
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Aftercare
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.command.args(args);
        self
    }

    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Aftercare {
        self.command.env(key, value);
        self
    }

    /// Runs to completion (on a blocking thread when called from async tests is the caller's
    /// business: use `run_async` there).
    pub fn run(mut self) -> Outcome {
        Outcome::of(self.command.output().expect("the aftercare binary runs"))
    }

    /// Runs to completion with `input` on standard input.
    pub fn run_with_stdin(mut self, input: &[u8]) -> Outcome {
        use std::io::Write as _;
        let mut child = self
            .command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the aftercare binary starts");
        let mut stdin = child.stdin.take().expect("a standard input pipe");
        // The binary may stop reading early (a document over the size limit): a closed pipe is
        // then expected.
        let _ = stdin.write_all(input);
        drop(stdin);
        Outcome::of(child.wait_with_output().expect("the aftercare binary runs"))
    }

    /// Starts the binary and returns at once, its output captured, so that the test can kill
    /// it while it works.
    pub fn spawn(mut self) -> Running {
        let child = self
            .command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the aftercare binary starts");
        Running { child }
    }

    /// Runs with standard output connected to a pipe whose reader has already gone away, as
    /// in `aftercare check | head -0`.
    pub fn run_with_stdout_closed(mut self) -> Outcome {
        let mut child = self
            .command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the aftercare binary starts");
        drop(child.stdout.take());
        let out = child.wait_with_output().expect("the aftercare binary runs");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::new(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs without blocking the async runtime, so an in-process emulator keeps serving.
    pub async fn run_async(self) -> Outcome {
        tokio::task::spawn_blocking(move || self.run())
            .await
            .expect("the run finishes")
    }
}
