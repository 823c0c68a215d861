//! `checklist PATH`: the pre-onboarding check, and `blastradius.toml`.

use crate::support::*;

fn checklist(workspace: &str, export: &str) -> (Run, serde_json::Value) {
    let run = run(blastradius().args([
        "checklist",
        workspace,
        "--offline",
        "--format",
        "json",
        "--railway-export",
        export,
    ]));
    let value = json(&run);
    (run, value)
}

fn item<'a>(checklist: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    checklist["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap_or_else(|| panic!("no item {id}"))
}

fn evidence(item: &serde_json::Value) -> String {
    item["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_incident_workspace_fails_with_the_resources_named() {
    let (run, list) = checklist("fixtures/workspaces/pocketos", POCKETOS_EXPORT);
    assert_eq!(run.code, 1, "a failed item exits 1: {}", run.stderr);
    for id in [
        "no-critical",
        "backups-out-of-reach",
        "purpose-covers-reach",
    ] {
        let item = item(&list, id);
        assert_eq!(item["verdict"], "FAIL", "{id}: {item}");
        assert!(
            evidence(item).contains("pg-data"),
            "{id} names the volume: {item}"
        );
    }
    let purpose = evidence(item(&list, "purpose-covers-reach"));
    assert!(purpose.contains("custom domains"), "{purpose}");
    assert!(purpose.contains("volumeDelete"), "{purpose}");
    assert_eq!(item(&list, "listed")["verdict"], "PASS");
    // Railway exports carry no expiry: not known, so not a pass.
    assert_eq!(item(&list, "expiry")["verdict"], "UNKNOWN");
}

#[test]
fn a_staging_project_token_passes_those_items() {
    let (run, list) = checklist("fixtures/workspaces/staging-only", STAGING_EXPORT);
    for id in [
        "no-critical",
        "backups-out-of-reach",
        "purpose-covers-reach",
        "no-production",
        "one-environment",
    ] {
        assert_eq!(item(&list, id)["verdict"], "PASS", "{id}: {list:#}");
    }
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn without_data_the_items_are_unknown_never_pass() {
    // No export and --offline: the token is found but cannot be audited.
    let run = run(blastradius().args([
        "checklist",
        "fixtures/workspaces/pocketos",
        "--offline",
        "--format",
        "json",
    ]));
    let list = json(&run);
    for id in [
        "listed",
        "no-critical",
        "no-production",
        "backups-out-of-reach",
    ] {
        assert_eq!(item(&list, id)["verdict"], "UNKNOWN", "{id}: {list:#}");
    }
}

#[test]
fn markdown_and_table_forms() {
    let md = run(blastradius().args([
        "checklist",
        "fixtures/workspaces/staging-only",
        "--offline",
        "--railway-export",
        STAGING_EXPORT,
        "--format",
        "markdown",
    ]));
    assert!(
        md.stdout
            .starts_with("## blastradius pre-onboarding checklist"),
        "{}",
        md.stdout
    );
    assert!(
        md.stdout
            .contains("| ✅ PASS | No reachable credential rates critical |"),
        "{}",
        md.stdout
    );
    let table = run(blastradius().args([
        "checklist",
        "fixtures/workspaces/staging-only",
        "--offline",
        "--railway-export",
        STAGING_EXPORT,
    ]));
    assert!(table.stdout.contains("PASS"), "{}", table.stdout);
    assert!(!table.stdout.contains(STAGING_PROJECT_TOKEN));
}

#[test]
fn an_accepted_risk_stops_failing_until_it_expires() {
    let dir = tempfile::tempdir().unwrap();
    let config = |expires: &str| {
        let path = dir.path().join(format!("accept-{expires}.toml"));
        std::fs::write(
            &path,
            format!(
                "[[accept]]\ncredential = \"railway:d7f7b796bea0e819\"\naction = \"*\"\nowner = \"jer@pocketos.example\"\nreason = \"restoring from the incident\"\nexpires = \"{expires}\"\n"
            ),
        )
        .unwrap();
        path
    };
    let audit = |config: &std::path::Path| {
        run(blastradius().args([
            "audit",
            "--offline",
            "--format",
            "json",
            "--railway-export",
            POCKETOS_EXPORT,
            "--fail-on",
            "high",
            "--config",
            config.to_str().unwrap(),
        ]))
    };
    let accepted = audit(&config("2999-12-31"));
    assert_eq!(
        accepted.code, 0,
        "accepted risk does not trip --fail-on: {}",
        accepted.stderr
    );
    let cred = &credentials(&json(&accepted))[0];
    assert_eq!(cred["severity"], "critical", "the rating stays the truth");
    assert!(cred["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "risk.accepted"));

    let expired = audit(&config("2020-01-01"));
    assert_eq!(expired.code, 1, "an expired acceptance fails again");
    let cred = &credentials(&json(&expired))[0];
    assert!(cred["findings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|f| f["id"] == "risk.acceptance-expired"));
}

#[test]
fn an_invalid_config_names_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("blastradius.toml");
    std::fs::write(
        &path,
        "[environments]\nproduction = [\"prod\"]\nprodution = [\"x\"]\n",
    )
    .unwrap();
    let run = run(blastradius().args(["audit", "--offline", "--config", path.to_str().unwrap()]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("blastradius.toml"), "{}", run.stderr);
    assert!(run.stderr.contains("prodution"), "{}", run.stderr);
    assert!(run.stderr.contains("line 3"), "{}", run.stderr);
}
