//! `audit` and `collect` against a fake Railway API (the same fake the
//! provider's own tests use), through the binary, as a user runs them.

use serde_json::Value;

use crate::support::*;

use crate::railway_fake as fake;

use fake::{FakeRailway, World};

fn audit_live(fake_url: &str, env: &[(&str, &str)], extra: &[&str]) -> Run {
    let mut cmd = blastradius();
    cmd.args(["audit", "--format", "json", "--railway-api-url", fake_url]);
    cmd.args(extra);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

fn the_credential(run: &Run) -> Value {
    let creds = credentials(&json(run));
    assert_eq!(creds.len(), 1, "{creds:#?}\n{}", run.stderr);
    creds[0].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_account_token_in_the_environment_is_audited_live() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let run = audit_live(&fake.url(), &[("RAILWAY_API_TOKEN", fake::ACCOUNT)], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token = the_credential(&run);
    assert_eq!(token["kind"], "railway-account-token");
    assert_eq!(token["source"], "env RAILWAY_API_TOKEN");
    assert_eq!(token["status"], "valid");
    assert_eq!(token["severity"], "critical");
    assert_eq!(token["worst_case"]["action"], "volumeDelete");
    assert_eq!(token["worst_case"]["environment"], "production");
    assert_eq!(token["worst_case"]["reversible"], false);
    assert!(!run.stdout.contains(fake::ACCOUNT));
    fake.assert_read_only().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_variable_holding_a_project_token() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let run = audit_live(
        &fake.url(),
        &[("DEPLOY_TOKEN", fake::PROJECT)],
        &["--railway-token-env", "DEPLOY_TOKEN"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token = the_credential(&run);
    assert_eq!(token["kind"], "railway-project-token");
    assert_eq!(token["source"], "env DEPLOY_TOKEN");
    // The fake's project token is scoped to pocketos/production: nothing of
    // the sibling environment (staging) may show.
    let caps = token["capabilities"].as_array().unwrap();
    assert!(!caps.is_empty());
    for cap in caps {
        assert_eq!(cap["environment"], "production", "{cap}");
    }
    fake.assert_read_only().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_token_is_invalid_and_rates_none() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let run = audit_live(
        &fake.url(),
        &[("RAILWAY_API_TOKEN", fake::UNKNOWN)],
        &["--fail-on", "low"],
    );
    assert_eq!(run.code, 0, "none is below low: {}", run.stderr);
    let token = the_credential(&run);
    assert_eq!(token["status"], "invalid");
    assert_eq!(token["severity"], "none");
}

#[test]
fn an_unreachable_endpoint_is_one_clear_error_and_exit_2() {
    // A port nothing listens on: bind, read the port, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/graphql/v2");
    let run = audit_live(&url, &[("RAILWAY_API_TOKEN", fake::ACCOUNT)], &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stderr);
    assert!(
        errors[0].contains(&format!("127.0.0.1:{port}")),
        "{}",
        errors[0]
    );
    assert!(!run.stderr.contains(fake::ACCOUNT));
    // The report is still written, the credential marked as not assessed.
    let token = the_credential(&run);
    assert_ne!(token["status"], "valid");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_workspace_token_is_found_and_audited_and_collect_round_trips() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path().join("app");
    std::fs::create_dir_all(workspace.join("scripts")).unwrap();
    std::fs::write(
        workspace.join("scripts/deploy.sh"),
        format!("#!/bin/sh\nexport RAILWAY_API_TOKEN={}\n", fake::ACCOUNT),
    )
    .unwrap();
    let ws = workspace.to_str().unwrap();

    let live = audit_live(&fake.url(), &[], &[ws]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let live_token = the_credential(&live);
    assert!(live_token["source"]
        .as_str()
        .unwrap()
        .ends_with("scripts/deploy.sh:2"));
    assert_eq!(live_token["severity"], "critical");

    let export = dir.path().join("railway.json");
    let collected = run(blastradius().args([
        "collect",
        ws,
        "--railway-api-url",
        &fake.url(),
        "--railway-export",
        export.to_str().unwrap(),
    ]));
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    let written = std::fs::read_to_string(&export).unwrap();
    assert!(
        !written.contains(fake::ACCOUNT),
        "the export holds no token"
    );

    let offline = run(blastradius().args([
        "audit",
        ws,
        "--offline",
        "--format",
        "json",
        "--railway-export",
        export.to_str().unwrap(),
    ]));
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let offline_token = the_credential(&offline);
    assert_eq!(
        offline_token, live_token,
        "the export gives the same report"
    );
    fake.assert_read_only().await;
}
