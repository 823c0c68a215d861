//! Bad input: one clear line naming what and where, exit status 2, and the
//! other credentials still audited.

use crate::support::*;

#[test]
fn a_bad_export_is_named_and_the_rest_is_still_audited() {
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(
        &broken,
        "{\"format\": \"blastradius-railway-export\", \"version\": 1, \"tokens\": [{]}",
    )
    .unwrap();
    let run = run(blastradius().args([
        "audit",
        "--offline",
        "--format",
        "json",
        "--railway-export",
        broken.to_str().unwrap(),
        "--railway-export",
        POCKETOS_EXPORT,
    ]));
    assert_eq!(run.code, 2);
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .expect("an error line");
    assert!(line.contains("broken.json"), "{line}");
    assert!(line.contains("line 1"), "names the place: {line}");
    let report = json(&run);
    assert_eq!(
        credentials(&report).len(),
        1,
        "the good export is still audited"
    );
}

#[test]
fn a_file_that_is_not_an_export_says_so() {
    let run = run(blastradius().args([
        "audit",
        "--offline",
        "--railway-export",
        "fixtures/workspaces/pocketos/api/request-log.json",
    ]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("request-log.json"), "{}", run.stderr);
    assert!(
        run.stderr.contains("not a Railway export"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_named_token_variable_must_exist() {
    let run = run(blastradius().args(["audit", "--railway-token-env", "MY_RAILWAY_TOKEN"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("MY_RAILWAY_TOKEN"), "{}", run.stderr);
}

#[test]
fn a_bad_severity_is_a_usage_error() {
    let run = run(blastradius().args(["audit", "--fail-on", "severe"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("severe"), "{}", run.stderr);
}

#[test]
fn a_bad_api_url_is_named() {
    let run = run(blastradius().args(["audit", "--railway-api-url", "backboard.example"]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--railway-api-url"), "{}", run.stderr);
}
