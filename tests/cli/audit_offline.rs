//! `audit --offline` on the fixture workspaces and exports: the README's
//! first command and the "done when" cases.

use crate::support::*;

fn audit_json(args: &[&str]) -> (Run, serde_json::Value) {
    let run = run(blastradius()
        .args(["audit", "--offline", "--format", "json"])
        .args(args));
    let report = json(&run);
    (run, report)
}

#[test]
fn pocketos_token_rates_critical_with_volume_delete_on_production() {
    let (run, report) = audit_json(&[
        "fixtures/workspaces/pocketos",
        "--railway-export",
        POCKETOS_EXPORT,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(report["schema_version"], 1);
    let creds = credentials(&report);
    assert_eq!(
        creds.len(),
        1,
        "one planted token, decoys ignored: {creds:#?}"
    );
    let token = &creds[0];
    assert_eq!(token["provider"], "railway");
    assert_eq!(token["kind"], "railway-account-token");
    assert_eq!(token["status"], "valid");
    assert_eq!(token["severity"], "critical");
    assert_eq!(
        token["source"],
        "fixtures/workspaces/pocketos/scripts/custom-domains.sh:5"
    );
    let worst = &token["worst_case"];
    assert_eq!(worst["category"], "destroy");
    assert_eq!(worst["environment"], "production");
    assert_eq!(worst["reversible"], false);
    assert!(
        worst["resource"].as_str().unwrap().contains("pg-data"),
        "{worst}"
    );
    let volume_delete_on_prod = token["capabilities"].as_array().unwrap().iter().any(|c| {
        c["environment"] == "production"
            && c["resource"].as_str().unwrap_or("").contains("pg-data")
            && c["actions"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a == "volumeDelete")
    });
    assert!(
        volume_delete_on_prod,
        "volumeDelete on production pg-data is listed"
    );
}

#[test]
fn staging_project_token_never_shows_production() {
    let (run, report) = audit_json(&[
        "fixtures/workspaces/staging-only",
        "--railway-export",
        STAGING_EXPORT,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let creds = credentials(&report);
    assert_eq!(creds.len(), 1);
    let token = &creds[0];
    assert_eq!(token["kind"], "railway-project-token");
    assert_eq!(token["severity"], "high");
    assert_eq!(token["source"], "fixtures/workspaces/staging-only/.env:2");
    for cap in token["capabilities"].as_array().unwrap() {
        assert_eq!(cap["environment"], "staging", "{cap}");
        assert!(!cap["resource"].as_str().unwrap().contains("production"));
    }
}

#[test]
fn invalid_token_is_invalid_and_none() {
    let (run, report) = audit_json(&["--railway-export", INVALID_EXPORT]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let creds = credentials(&report);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0]["status"], "invalid");
    assert_eq!(creds[0]["severity"], "none");
    assert!(creds[0]["worst_case"].is_null());
    assert!(
        !creds[0]["findings"].as_array().unwrap().is_empty(),
        "an invalid token says why"
    );
}

#[test]
fn fail_on_high_gates_on_the_worst_rating() {
    let critical = run(blastradius().args([
        "audit",
        "--offline",
        "--railway-export",
        POCKETOS_EXPORT,
        "--fail-on",
        "high",
    ]));
    assert_eq!(critical.code, 1, "{}", critical.stderr);

    let low = run(blastradius().args([
        "audit",
        "--offline",
        "--railway-export",
        VIEWER_EXPORT,
        "--format",
        "json",
        "--fail-on",
        "high",
    ]));
    assert_eq!(low.code, 0, "{}", low.stderr);
    assert_eq!(credentials(&json(&low))[0]["severity"], "low");

    let without =
        run(blastradius().args(["audit", "--offline", "--railway-export", POCKETOS_EXPORT]));
    assert_eq!(without.code, 0, "no --fail-on, no failure");
}

#[test]
fn an_export_gives_the_same_report_with_or_without_the_workspace() {
    let (_, from_export) = audit_json(&["--railway-export", POCKETOS_EXPORT]);
    let (_, from_workspace) = audit_json(&[
        "fixtures/workspaces/pocketos",
        "--railway-export",
        POCKETOS_EXPORT,
    ]);
    let a = &credentials(&from_export)[0];
    let b = &credentials(&from_workspace)[0];
    assert_eq!(
        a["id"], b["id"],
        "ids are stable: the fingerprint, not the place"
    );
    assert_eq!(a["capabilities"], b["capabilities"]);
    assert_eq!(a["worst_case"], b["worst_case"]);
}

#[test]
fn a_found_token_without_export_is_listed_as_not_audited() {
    let (run, report) = audit_json(&["fixtures/workspaces/pocketos"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let creds = credentials(&report);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0]["status"], "unknown");
    let findings = creds[0]["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["id"] == "audit.not-audited"));
}

#[test]
fn output_file_receives_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    let run = run(blastradius().args([
        "audit",
        "--offline",
        "--railway-export",
        POCKETOS_EXPORT,
        "--format",
        "json",
        "--output",
        out.to_str().unwrap(),
    ]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "the report went to the file");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(written["credentials"][0]["severity"], "critical");
}

#[test]
fn every_format_of_the_incident_report() {
    for format in ["table", "json", "markdown", "sarif"] {
        let run = run(blastradius().args([
            "audit",
            "fixtures/workspaces/pocketos",
            "--offline",
            "--railway-export",
            POCKETOS_EXPORT,
            "--format",
            format,
        ]));
        assert_eq!(run.code, 0, "{format}: {}", run.stderr);
        insta::assert_snapshot!(format!("pocketos_{format}"), run.stdout);
    }
}
