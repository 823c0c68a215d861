//! The planted-token fixture workspace `fixtures/workspaces/github-agent`,
//! audited offline from its committed export (no network, no cargo feature).

use crate::support::*;

const WORKSPACE: &str = "fixtures/workspaces/github-agent";
const EXPORT: &str = "fixtures/exports/github-agent.json";

#[test]
fn the_planted_token_is_found_and_rated_from_the_export() {
    let run = run(blastradius().args([
        "audit",
        WORKSPACE,
        "--offline",
        "--format",
        "json",
        "--github-export",
        EXPORT,
    ]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let creds = credentials(&json(&run));
    // The decoys in .env (a failing checksum, a placeholder) are not tokens.
    assert_eq!(creds.len(), 1, "{creds:#?}");
    let t = &creds[0];
    assert_eq!(
        t["source"],
        "fixtures/workspaces/github-agent/.git-credentials:1"
    );
    assert_eq!(t["provider"], "github");
    assert_eq!(t["kind"], "github-classic-pat");
    // Linked by fingerprint: audited, not "not audited".
    assert_eq!(t["status"], "valid");
    assert_eq!(t["identity"], "octocat");
    assert_eq!(t["severity"], "critical");
    assert_eq!(t["worst_case"]["action"], "DELETE /repos/{owner}/{repo}");
    assert_eq!(t["worst_case"]["resource"], "acme/billing-api");
    assert_eq!(t["redacted"], "ghp_****hcE0");
    assert!(!run.stdout.contains("fixture0AGENT"), "no whole token");
}

#[test]
fn without_the_export_it_is_listed_but_not_audited() {
    let run = run(blastradius().args(["audit", WORKSPACE, "--offline", "--format", "json"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let creds = credentials(&json(&run));
    assert_eq!(creds.len(), 1, "{creds:#?}");
    assert_eq!(creds[0]["status"], "unknown");
    assert!(!run.stdout.contains("fixture0AGENT"));
}
