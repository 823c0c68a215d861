//! GitHub through the same pipeline: an export audited offline.

use crate::support::*;

const GITHUB_EXPORT: &str = "fixtures/exports/github-classic-org-admin.json";

#[test]
fn a_classic_org_admin_token_can_delete_repositories() {
    let run = run(blastradius().args([
        "audit",
        "--offline",
        "--format",
        "json",
        "--github-export",
        GITHUB_EXPORT,
        "--fail-on",
        "high",
    ]));
    assert_eq!(run.code, 1, "critical trips --fail-on high: {}", run.stderr);
    let creds = credentials(&json(&run));
    assert_eq!(creds.len(), 1);
    let token = &creds[0];
    assert_eq!(token["provider"], "github");
    assert_eq!(token["kind"], "github-classic-pat");
    assert_eq!(token["severity"], "critical");
    assert_eq!(
        token["worst_case"]["action"],
        "DELETE /repos/{owner}/{repo}"
    );
    assert!(token["redacted"].as_str().unwrap().starts_with("ghp_****"));
}

#[test]
fn a_github_export_given_as_a_railway_export_says_what_it_is() {
    let run = run(blastradius().args(["audit", "--offline", "--railway-export", GITHUB_EXPORT]));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("blastradius-github-export"),
        "{}",
        run.stderr
    );
}
