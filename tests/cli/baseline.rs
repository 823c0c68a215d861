//! `audit --baseline last.json`: what changed since the last scheduled run,
//! and `--fail-on` on what is new only.

use crate::support::*;

const VIEWER_V2_EXPORT: &str = "fixtures/exports/railway-viewer-v2.json";

/// Runs an offline audit of `export` to a JSON file, as last night's job did.
fn baseline_of(export: &str, dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("last.json");
    let run = run(blastradius().args([
        "audit",
        "--offline",
        "--railway-export",
        export,
        "--format",
        "json",
        "--output",
        path.to_str().unwrap(),
    ]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    path
}

#[test]
fn exactly_the_added_capability_shows_as_new() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = baseline_of(VIEWER_EXPORT, dir.path());
    let run = run(blastradius().args([
        "audit",
        "--offline",
        "--railway-export",
        VIEWER_V2_EXPORT,
        "--format",
        "json",
        "--baseline",
        baseline.to_str().unwrap(),
        "--fail-on",
        "high",
    ]));
    assert_eq!(run.code, 0, "nothing new reaches high: {}", run.stderr);
    let changes = &json(&run)["changes"];
    let new = changes["new_capabilities"].as_array().unwrap();
    assert!(!new.is_empty(), "{changes:#}");
    for cap in new {
        assert!(
            cap.to_string().contains("preview"),
            "only the new preview environment is new: {cap}"
        );
    }
    for list in [
        "new_credentials",
        "gone_credentials",
        "ratings_up",
        "gone_capabilities",
    ] {
        assert!(
            changes[list].as_array().unwrap().is_empty(),
            "{list}: {changes:#}"
        );
    }
}

#[test]
fn a_new_critical_credential_trips_fail_on() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = baseline_of(VIEWER_EXPORT, dir.path());
    let run = run(blastradius().args([
        "audit",
        "--offline",
        "--railway-export",
        VIEWER_EXPORT,
        "--railway-export",
        POCKETOS_EXPORT,
        "--baseline",
        baseline.to_str().unwrap(),
        "--fail-on",
        "high",
        "--format",
        "markdown",
    ]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("Changes since baseline"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_known_critical_is_not_new() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = baseline_of(POCKETOS_EXPORT, dir.path());
    let run = run(blastradius().args([
        "audit",
        "--offline",
        "--railway-export",
        POCKETOS_EXPORT,
        "--baseline",
        baseline.to_str().unwrap(),
        "--fail-on",
        "high",
    ]));
    assert_eq!(run.code, 0, "drift gate: nothing changed: {}", run.stderr);
}

#[test]
fn a_baseline_that_is_not_a_report_is_named() {
    let run = run(blastradius().args(["audit", "--offline", "--baseline", POCKETOS_EXPORT]));
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("railway-pocketos.json"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_html_report_is_one_self_contained_file() {
    let run = run(blastradius().args([
        "audit",
        "fixtures/workspaces/pocketos",
        "--offline",
        "--railway-export",
        POCKETOS_EXPORT,
        "--format",
        "html",
    ]));
    assert_eq!(run.code, 0, "{}", run.stderr);
    let html = &run.stdout;
    assert!(
        html.starts_with("<!DOCTYPE html>") || html.starts_with("<!doctype html>"),
        "{}",
        &html[..100.min(html.len())]
    );
    assert!(html.contains("<svg"), "the path to the worst case is drawn");
    assert!(html.contains("pg-data"));
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "no external assets"
    );
    assert!(!html.contains(POCKETOS_ACCOUNT_TOKEN));
}
