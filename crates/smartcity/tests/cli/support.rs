//! Spawning the binary against a throw-away data directory.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use smartcity_store::portable::{Dump, Tables};

/// Settings from the environment of the test run must not leak into the binary under test.
const SETTINGS_VARS: [&str; 5] = [
    "SMARTCITY_LISTEN",
    "SMARTCITY_DATA_DIR",
    "SMARTCITY_DATABASE_URL",
    "SMARTCITY_SECURE_COOKIES",
    "SMARTCITY_SESSION_HOURS",
];

/// The binary, run from `cwd` with a clean configuration environment.
pub fn smartcity(cwd: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_smartcity"));
    command.current_dir(cwd).env("RUST_LOG", "warn").env("NO_COLOR", "1");
    for var in SETTINGS_VARS {
        command.env_remove(var);
    }
    command
}

/// What a finished run printed.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(output: Output) -> Self {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Panics with both streams unless the run succeeded.
    pub fn success(self) -> Self {
        assert_eq!(self.code, Some(0), "expected success\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self
    }

    /// Panics unless the run exited with `code`.
    pub fn exit_code(self, code: i32) -> Self {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit code {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout,
            self.stderr
        );
        self
    }
}

/// Run `command` to completion, feeding `stdin` when given.
pub fn run(mut command: Command, stdin: Option<&str>) -> Run {
    command.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("spawn smartcity");
    if let Some(input) = stdin {
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
    }
    Run::from(child.wait_with_output().expect("wait for smartcity"))
}

/// A temporary installation: the binary runs with `--data-dir` pointing into it.
pub struct Installation {
    dir: tempfile::TempDir,
}

impl Installation {
    pub fn new() -> Self {
        Installation { dir: tempfile::tempdir().expect("temporary directory") }
    }

    /// The temporary directory (the binary's working directory).
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root().join("data")
    }

    /// A path for a file next to the data directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// `smartcity ARGS… --data-dir DATA`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = smartcity(self.root());
        command.args(args).arg("--data-dir").arg(self.data_dir());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run(self.command(args), None)
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        run(self.command(args), Some(stdin))
    }

    /// Load the demo data.
    pub fn with_demo(self) -> Self {
        self.run(&["demo"]).success();
        self
    }

    /// The whole database, through `smartcity export`.
    pub fn export(&self) -> Dump {
        let out = self.run(&["export"]).success();
        serde_json::from_str(&out.stdout).expect("export prints a dump")
    }

    pub fn tables(&self) -> Tables {
        self.export().tables
    }
}
