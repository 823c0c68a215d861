//! The example GitHub Actions workflow (examples/github-actions): its
//! `blastradius-*` steps are run here as the runner would run them, against
//! the fake Railway API, two nights in a row.

use std::path::Path;

use crate::support::*;

use crate::railway_fake as fake;

const WORKFLOW: &str = "examples/github-actions/blastradius.yml";

/// The `run:` script of the step with this id.
fn step_script(workflow: &str, id: &str) -> String {
    let lines: Vec<&str> = workflow.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim() == format!("id: {id}"))
        .unwrap_or_else(|| panic!("no step {id} in {WORKFLOW}"));
    let run = (at..lines.len())
        .find(|&i| lines[i].trim() == "run: |")
        .unwrap_or_else(|| panic!("step {id} has no run block"));
    let indent = |l: &str| l.len() - l.trim_start().len();
    let base = indent(lines[run]);
    lines[run + 1..]
        .iter()
        .take_while(|l| l.trim().is_empty() || indent(l) > base)
        .map(|l| l.get(base + 2..).unwrap_or("").to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn run_step(id: &str, workspace: &Path, fake_url: &str, summary: &Path) -> Run {
    let workflow =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(WORKFLOW)).unwrap();
    let script = step_script(&workflow, id);
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_blastradius"))
        .parent()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = assert_cmd::Command::new("bash");
    cmd.arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(script)
        .current_dir(workspace)
        .env_clear()
        .env("PATH", path)
        .env("NO_COLOR", "1")
        .env("RAILWAY_API_TOKEN", fake::ACCOUNT)
        .env("BLASTRADIUS_FLAGS", format!("--railway-api-url {fake_url}"))
        .env("GITHUB_STEP_SUMMARY", summary);
    run(&mut cmd)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_nightly_workflow_reports_and_gates_on_drift_only() {
    let server = fake::FakeRailway::start(fake::World::pocketos()).await;
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("repo");
    std::fs::create_dir_all(&workspace).unwrap();
    std::fs::write(workspace.join("README.md"), "an app\n").unwrap();
    let summary = dir.path().join("summary.md");

    // Night 1: no baseline. The token is critical, so the gate fails.
    for id in ["blastradius-collect", "blastradius-report"] {
        let r = run_step(id, &workspace, &server.url(), &summary);
        assert_eq!(r.code, 0, "{id}: {}\n{}", r.stdout, r.stderr);
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(workspace.join("blastradius.json")).unwrap())
            .unwrap();
    assert_eq!(report["credentials"][0]["severity"], "critical");
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace.join("blastradius.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("critical"), "{md}");
    let gate = run_step("blastradius-gate", &workspace, &server.url(), &summary);
    assert_eq!(
        gate.code, 1,
        "a critical with no baseline fails: {}",
        gate.stderr
    );

    // Night 2: last night's report is the baseline; nothing changed.
    std::fs::create_dir_all(workspace.join("baseline")).unwrap();
    std::fs::copy(
        workspace.join("blastradius.json"),
        workspace.join("baseline/blastradius.json"),
    )
    .unwrap();
    for id in ["blastradius-collect", "blastradius-report"] {
        let r = run_step(id, &workspace, &server.url(), &summary);
        assert_eq!(r.code, 0, "{id}: {}\n{}", r.stdout, r.stderr);
    }
    let gate = run_step("blastradius-gate", &workspace, &server.url(), &summary);
    assert_eq!(
        gate.code, 0,
        "nothing new: the gate passes: {}",
        gate.stderr
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("Changes since baseline"), "{md}");
    for file in [
        "blastradius.json",
        "blastradius.sarif",
        "exports/railway.json",
    ] {
        let text = std::fs::read_to_string(workspace.join(file)).unwrap();
        assert!(!text.contains(fake::ACCOUNT), "{file} holds no token");
    }
    server.assert_read_only().await;
}
