//! Runs the built `aftercare` binary in a controlled environment and captures what it did.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Outcome {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Removes from `command`'s environment everything the test process inherited that could point
/// a run at a real GitHub or change its behaviour: tokens, `GITHUB_*`, the Actions runner's
/// `RUNNER_*`, `ACTION_*` and `INPUT_*`, the test suite's own `AFTERCARE_*`, and `CI`.
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
        let out = self.command.output().expect("the aftercare binary runs");
        Outcome {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs with standard output connected to a pipe whose reader has already gone away, as
    /// in `aftercare check | head -0`.
    pub fn run_with_stdout_closed(mut self) -> Outcome {
        use std::process::Stdio;
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
