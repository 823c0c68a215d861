//! `scan PATH`: what an agent would find, redacted, without any request.

use crate::support::*;

#[test]
fn scan_finds_the_planted_token_and_ignores_decoys() {
    let run = run(blastradius().args(["scan", "fixtures/workspaces/pocketos", "--format", "json"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let listing = json(&run);
    let found = listing["credentials"].as_array().unwrap();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        found[0]["source"],
        "fixtures/workspaces/pocketos/scripts/custom-domains.sh:5"
    );
    assert_eq!(found[0]["provider"], "railway");
    assert_eq!(found[0]["redacted"], "****5e31");
}

#[test]
fn scan_table_is_readable_and_redacted() {
    let run = run(blastradius().args(["scan", "fixtures/workspaces/staging-only"]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("fixtures/workspaces/staging-only/.env:2"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("railway-project-token"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(STAGING_PROJECT_TOKEN));
}

#[test]
fn scan_of_a_missing_path_is_a_usage_error() {
    let run = run(blastradius().args(["scan", "no/such/dir"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no/such/dir"), "{}", run.stderr);
}
