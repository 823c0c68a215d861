//! Helpers shared by the end-to-end tests.

use assert_cmd::Command;

/// The fake tokens planted in `fixtures/workspaces/` (see fixtures/README.md).
pub const POCKETOS_ACCOUNT_TOKEN: &str = "7c1e4f2a-93b5-4d08-a6e1-2f9b0c8d5e31";
pub const STAGING_PROJECT_TOKEN: &str = "2d6f8a1c-4e3b-4a5d-9c7e-8b0f1e2d3c4a";

pub const POCKETOS_EXPORT: &str = "fixtures/exports/railway-pocketos.json";
pub const STAGING_EXPORT: &str = "fixtures/exports/railway-staging-only.json";
pub const VIEWER_EXPORT: &str = "fixtures/exports/railway-viewer.json";
pub const INVALID_EXPORT: &str = "fixtures/exports/railway-invalid.json";

/// The binary, run from the repository root with an empty environment, so
/// that a token in the developer's shell never leaks into a test.
pub fn blastradius() -> Command {
    let mut cmd = Command::cargo_bin("blastradius").expect("binary builds");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .env("NO_COLOR", "1");
    cmd
}

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn run(cmd: &mut Command) -> Run {
    let out = cmd.output().expect("binary runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

pub fn json(run: &Run) -> serde_json::Value {
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}\n{}", run.stdout, run.stderr))
}

/// The report's credentials, as JSON values.
pub fn credentials(report: &serde_json::Value) -> Vec<serde_json::Value> {
    report["credentials"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}
