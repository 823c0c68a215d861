//! Baseline drift: the diff between two runs and how every format shows it.
//!
//! The fixture pair is the sample report before and after one capability
//! appeared (the account token gained `teamUserInvite, projectMemberAdd` on
//! its workspace): exactly that capability must show as new, nothing else.

mod common;

use blastradius_report::render::{render, Format, RenderOptions};
use blastradius_report::{
    diff, load_baseline, parse_baseline, BaselineError, Category, Changes, Finding, Report,
    Severity, SCHEMA_VERSION,
};
use common::{cap, sample, worst};
use serde_json::Value;

const ACCOUNT: &str = "railway:7f3a9c21d04e8b55";
const STAGING: &str = "railway:c0ffee0012345678";
const VIEWER: &str = "github:5a5a5a5a00000001";

/// The sample as it was before the account token could invite members.
fn before() -> Report {
    let mut report = sample();
    let account = report
        .credentials
        .iter_mut()
        .find(|c| c.id == ACCOUNT)
        .unwrap();
    account
        .capabilities
        .retain(|c| c.category != Category::Escalate);
    report
}

/// The sample as it is now, compared with [`before`].
fn after() -> Report {
    let mut report = sample();
    report.attach_baseline(&before()).expect("same version");
    report
}

fn plain() -> RenderOptions {
    RenderOptions::default()
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

// ---------------------------------------------------------------- the diff

#[test]
fn exactly_the_added_capability_is_new() {
    let changes = diff(&before(), &sample()).unwrap();
    assert_eq!(changes.new_capabilities.len(), 1, "{changes:#?}");
    let new = &changes.new_capabilities[0];
    assert_eq!(new.credential_id, ACCOUNT);
    assert_eq!(new.category, Category::Escalate);
    assert_eq!(new.actions, ["teamUserInvite", "projectMemberAdd"]);
    assert_eq!(new.resource, "workspace pocketos");
    assert_eq!(new.severity, Severity::Critical);
    let only_that = Changes {
        baseline_credentials: 5,
        new_capabilities: changes.new_capabilities.clone(),
        ..Changes::default()
    };
    assert_eq!(changes, only_that);
    assert_eq!(changes.new_severity(), Severity::Critical);
    assert_eq!(changes.summary(), "1 new capability");
}

#[test]
fn the_same_report_has_no_changes() {
    let changes = diff(&sample(), &sample()).unwrap();
    assert!(changes.is_empty(), "{changes:#?}");
    assert_eq!(changes.new_severity(), Severity::None);
    assert_eq!(changes.summary(), "no changes");
}

#[test]
fn gate_is_on_what_is_new_only() {
    // Without a baseline the gate is the worst of all.
    let report = sample();
    assert_eq!(report.new_severity(), None);
    assert_eq!(report.gate_severity(), Severity::Critical);

    // Known risk only: nothing new, the gate stays at none.
    let mut same = sample();
    same.attach_baseline(&sample()).unwrap();
    assert_eq!(same.new_severity(), Some(Severity::None));
    assert!(same.gate_severity() < Severity::High);

    // Something new but low: `--fail-on high` passes.
    let mut low = sample();
    let viewer = low.credentials.iter_mut().find(|c| c.id == VIEWER).unwrap();
    viewer.capabilities.push(cap(
        Category::Read,
        Severity::Low,
        &["GET /repos/{owner}/{repo}/issues"],
        "repository pocketos/web",
        None,
        &[],
    ));
    low.attach_baseline(&sample()).unwrap();
    assert_eq!(low.gate_severity(), Severity::Low);

    // Something new and critical: it fails.
    assert_eq!(after().gate_severity(), Severity::Critical);
}

#[test]
fn credentials_new_gone_up_down_and_worst_cases() {
    let baseline = sample();
    let mut current = sample();
    // Gone: the invalid key was deleted.
    current.credentials.retain(|c| c.id != "aws:AKIA0000OLDKEY");
    // Down: the staging token lost its destroy capability.
    let staging = current
        .credentials
        .iter_mut()
        .find(|c| c.id == STAGING)
        .unwrap();
    staging.severity = Severity::Medium;
    staging
        .capabilities
        .retain(|c| c.category != Category::Destroy);
    staging.worst_case = worst(
        "variables",
        "environment staging (project pocketos)",
        Some("staging"),
        Category::Secrets,
        true,
        "Reads staging variables.",
        &[],
    );
    // Up: the viewer can now push; its rating rose and a finding appeared.
    let viewer = current
        .credentials
        .iter_mut()
        .find(|c| c.id == VIEWER)
        .unwrap();
    viewer.severity = Severity::High;
    viewer.capabilities.push(cap(
        Category::Write,
        Severity::High,
        &["PUT /repos/{owner}/{repo}/contents/{path}"],
        "repository pocketos/web",
        None,
        &[],
    ));
    viewer.findings.push(Finding::new(
        "github.broad-fine-grained",
        Severity::Medium,
        "Reaches every repository of the organisation.",
    ));
    // New: a fresh token in a file.
    let mut fresh = sample()
        .credentials
        .into_iter()
        .find(|c| c.id == STAGING)
        .unwrap();
    fresh.id = "railway:0000000000000new".to_string();
    fresh.source = "deploy/.env:2".to_string();
    current.credentials.push(fresh);
    let current = Report::new(current.credentials);

    let changes = diff(&baseline, &current).unwrap();
    let ids = |v: &[blastradius_report::CredentialRef]| {
        v.iter().map(|c| c.id.clone()).collect::<Vec<_>>()
    };
    assert_eq!(ids(&changes.new_credentials), ["railway:0000000000000new"]);
    assert_eq!(ids(&changes.gone_credentials), ["aws:AKIA0000OLDKEY"]);
    assert_eq!(changes.ratings_up.len(), 1);
    assert_eq!(changes.ratings_up[0].credential.id, VIEWER);
    assert_eq!(
        (changes.ratings_up[0].from, changes.ratings_up[0].to),
        (Severity::Low, Severity::High)
    );
    assert_eq!(changes.ratings_down.len(), 1);
    assert_eq!(
        (changes.ratings_down[0].from, changes.ratings_down[0].to),
        (Severity::High, Severity::Medium)
    );
    assert_eq!(changes.new_capabilities.len(), 1);
    assert_eq!(changes.new_capabilities[0].credential_id, VIEWER);
    assert_eq!(changes.gone_capabilities.len(), 1);
    assert_eq!(
        changes.gone_capabilities[0].actions,
        ["serviceDelete", "volumeDelete"]
    );
    assert_eq!(changes.worst_cases.len(), 1);
    assert_eq!(changes.worst_cases[0].credential_id, STAGING);
    assert_eq!(changes.new_findings.len(), 1);
    assert!(changes.capability_ratings.is_empty());
    // New credential (high) and a rating up to high: high is new.
    assert_eq!(changes.new_severity(), Severity::High);

    // Every format shows every kind of change, and SARIF stays valid.
    let mut report = current.clone();
    report.changes = Some(changes);
    insta::assert_snapshot!("drift_table", render(&report, Format::Table, &plain()));
    insta::assert_snapshot!(
        "drift_markdown",
        render(&report, Format::Markdown, &plain())
    );
    let log = parse(&render(&report, Format::Sarif, &plain()));
    assert_valid_sarif(&log);
    let state = |id: &str| {
        log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["properties"]["id"] == id && r["properties"]["finding"].is_null())
            .map(|r| r["baselineState"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(state("railway:0000000000000new"), ["new"]);
    assert_eq!(state(VIEWER), ["updated"]);
    assert_eq!(state(STAGING), ["updated"]);
    assert_eq!(state(ACCOUNT), ["unchanged"]);
    // The deleted key was rated none: no result of its own to mark absent.
    assert!(state("aws:AKIA0000OLDKEY").is_empty());
}

#[test]
fn regrouped_actions_are_not_changes() {
    let baseline = sample();
    let mut current = sample();
    let account = current
        .credentials
        .iter_mut()
        .find(|c| c.id == ACCOUNT)
        .unwrap();
    // The provider now lists the two destroy actions as two capabilities.
    let destroy = account.capabilities.remove(0);
    for action in destroy.actions.iter().rev() {
        let mut one = destroy.clone();
        one.actions = vec![action.clone()].into();
        account.capabilities.insert(0, one);
    }
    // And says how it got there in other words.
    account.capabilities[0].via = vec!["workspace pocketos".to_string()];
    let changes = diff(&baseline, &current).unwrap();
    assert!(changes.is_empty(), "{changes:#?}");
}

#[test]
fn one_action_added_to_a_group_is_the_only_new_one() {
    let baseline = sample();
    let mut current = sample();
    let staging = current
        .credentials
        .iter_mut()
        .find(|c| c.id == STAGING)
        .unwrap();
    let cap = &mut staging.capabilities[0];
    let mut actions = cap.actions.to_vec();
    actions.push("volumeInstanceBackupDelete".to_string());
    cap.actions = actions.into();
    let changes = diff(&baseline, &current).unwrap();
    assert_eq!(changes.new_capabilities.len(), 1);
    assert_eq!(
        changes.new_capabilities[0].actions,
        ["volumeInstanceBackupDelete"]
    );
    assert!(changes.gone_capabilities.is_empty());
}

#[test]
fn a_capability_rated_up_counts_as_new_severity() {
    let baseline = sample();
    let mut current = sample();
    let staging = current
        .credentials
        .iter_mut()
        .find(|c| c.id == STAGING)
        .unwrap();
    staging.capabilities[1].severity = Severity::High;
    let changes = diff(&baseline, &current).unwrap();
    assert_eq!(changes.capability_ratings.len(), 1);
    let r = &changes.capability_ratings[0];
    assert_eq!((r.from, r.to), (Severity::Medium, Severity::High));
    assert_eq!(changes.new_severity(), Severity::High);
}

#[test]
fn duplicate_ids_are_merged() {
    let baseline = sample();
    let mut current = sample();
    // The same token also found in a second file, seen with less reach.
    let mut copy = current
        .credentials
        .iter()
        .find(|c| c.id == ACCOUNT)
        .unwrap()
        .clone();
    copy.source = "other/.env:1".to_string();
    copy.capabilities.truncate(1);
    copy.severity = Severity::High;
    current.credentials.push(copy);
    let changes = diff(&baseline, &current).unwrap();
    assert!(changes.is_empty(), "{changes:#?}");
}

// ---------------------------------------------------------------- loading

#[test]
fn a_baseline_of_another_version_is_named() {
    let mut v = parse(&render(&sample(), Format::Json, &plain()));
    v["schema_version"] = Value::from(2);
    v["credentials"] = Value::from("shaped differently");
    let err = parse_baseline(&v.to_string(), Some("last.json".as_ref())).unwrap_err();
    assert!(
        matches!(err, BaselineError::SchemaVersion { found: 2, .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("last.json") && msg.contains("schema_version 2"),
        "{msg}"
    );

    let mut other = sample();
    other.schema_version = 7;
    let err = diff(&other, &sample()).unwrap_err();
    assert!(err.to_string().contains("schema_version 7"), "{err}");
}

#[test]
fn a_broken_baseline_names_file_and_line() {
    let err = parse_baseline(
        "{\n  \"schema_version\": 1,\n  \"credentials\": [\n    {\"id\": 3}\n  ]\n}\n",
        Some("last.json".as_ref()),
    )
    .unwrap_err();
    match &err {
        BaselineError::Parse { line, .. } => assert_eq!(*line, 4, "{err}"),
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains("last.json") && msg.contains("line 4"), "{msg}");

    let err = parse_baseline("not json", Some("last.json".as_ref())).unwrap_err();
    assert!(
        matches!(err, BaselineError::Parse { line: 1, .. }),
        "{err:?}"
    );

    let missing = std::path::Path::new("/nonexistent/blastradius/last.json");
    let err = load_baseline(missing).unwrap_err();
    assert!(matches!(err, BaselineError::Read { .. }), "{err:?}");
    assert!(err
        .to_string()
        .contains("/nonexistent/blastradius/last.json"));
}

#[test]
fn a_json_report_is_a_baseline_and_round_trips_with_changes() {
    let dir = std::env::temp_dir().join(format!("blastradius-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("last.json");
    std::fs::write(&path, render(&before(), Format::Json, &plain())).unwrap();
    let baseline = load_baseline(&path).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(baseline, before());

    let mut report = sample();
    report.attach_baseline(&baseline).unwrap();
    let out = render(&report, Format::Json, &plain());
    let back: Report = serde_json::from_str(&out).unwrap();
    assert_eq!(back, report);
    // A report with changes is itself a usable baseline (its changes ignored).
    let mut next = sample();
    next.attach_baseline(&back).unwrap();
    assert!(next.changes.as_ref().unwrap().is_empty());
    assert_eq!(report.schema_version, SCHEMA_VERSION);

    // Changes written by another version are dropped, not fatal.
    let mut v = parse(&out);
    v["changes"] = serde_json::json!({"shape": "of a later version"});
    let read = parse_baseline(&v.to_string(), None).unwrap();
    assert_eq!(read.changes, None);
    assert_eq!(read.credentials, report.credentials);
}

// ---------------------------------------------------------------- formats

fn assert_valid_sarif(log: &Value) {
    let schema = parse(include_str!("data/sarif-schema-2.1.0.json"));
    let validator = jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "invalid SARIF:\n{}", errors.join("\n"));
}

#[test]
fn changes_snapshots() {
    let report = after();
    insta::assert_snapshot!("changes_table", render(&report, Format::Table, &plain()));
    insta::assert_snapshot!(
        "changes_markdown",
        render(&report, Format::Markdown, &plain())
    );
    insta::assert_snapshot!("changes_json", render(&report, Format::Json, &plain()));
    insta::assert_snapshot!("changes_sarif", render(&report, Format::Sarif, &plain()));
    insta::assert_snapshot!("changes_html", render(&report, Format::Html, &plain()));
}

#[test]
fn every_format_names_only_the_new_capability() {
    let report = after();
    for format in Format::ALL {
        let out = render(&report, format, &plain());
        assert!(out.contains("teamUserInvite"), "{format}");
    }
    let table = render(&report, Format::Table, &plain());
    let section = table
        .split("Changes since baseline")
        .nth(1)
        .expect("a changes section");
    let section = section.split("\nDetails").next().unwrap();
    assert!(section.contains("new capabilities:"), "{section}");
    assert!(
        section.contains("teamUserInvite, projectMemberAdd"),
        "{section}"
    );
    for absent in ["volumeDelete", "gone", "ratings", "new credentials"] {
        assert!(!section.contains(absent), "`{absent}` in:\n{section}");
    }

    let md = render(&report, Format::Markdown, &plain());
    assert!(md.contains("### Changes since baseline"), "{md}");
    assert!(md.contains("**New capabilities**"), "{md}");
    assert!(!md.contains("**Credentials gone**"), "{md}");

    let json = parse(&render(&report, Format::Json, &plain()));
    assert_eq!(
        json["changes"]["new_capabilities"][0]["actions"],
        serde_json::json!(["teamUserInvite", "projectMemberAdd"])
    );
    // Still the contract's report.
    let schema = parse(include_str!("data/report-v1.schema.json"));
    let validator = jsonschema::draft7::new(&schema).unwrap();
    assert!(validator.is_valid(&json));

    let log = parse(&render(&report, Format::Sarif, &plain()));
    assert_valid_sarif(&log);
    for r in log["runs"][0]["results"].as_array().unwrap() {
        let want = if r["properties"]["id"] == ACCOUNT && r["properties"]["finding"].is_null() {
            "updated"
        } else {
            "unchanged"
        };
        assert_eq!(r["baselineState"], want, "{r}");
    }
    // Without a baseline, no result claims a state.
    let plain_log = render(&sample(), Format::Sarif, &plain());
    assert!(!plain_log.contains("baselineState"));
}

#[test]
fn gone_credentials_are_absent_in_sarif() {
    let mut report = sample();
    report.credentials.retain(|c| c.id != STAGING);
    report.attach_baseline(&sample()).unwrap();
    let log = parse(&render(&report, Format::Sarif, &plain()));
    assert_valid_sarif(&log);
    let absent: Vec<&Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["baselineState"] == "absent")
        .collect();
    assert_eq!(absent.len(), 1);
    assert_eq!(absent[0]["properties"]["id"], STAGING);
    assert_eq!(absent[0]["level"], "none");
    assert_eq!(absent[0]["ruleId"], "credential-destroy");
}

#[test]
fn every_credential_gone_still_shows_the_changes() {
    let mut report = Report::new(vec![]);
    report.attach_baseline(&sample()).unwrap();
    for format in [Format::Table, Format::Markdown, Format::Html] {
        let out = render(&report, format, &plain());
        assert!(out.contains("No credentials found"), "{format}");
        assert!(
            out.contains("Credentials gone") || out.contains("credentials gone"),
            "{format}:\n{out}"
        );
        assert!(out.contains("railway-account-token"), "{format}:\n{out}");
    }
}
