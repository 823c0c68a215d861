//! `audit --aws-gaad FILE`: every IAM principal of an exported account,
//! rated by what it can do, including through the roles it can assume.

use crate::support::*;

fn audit_gaad(file: &str) -> (Run, Vec<serde_json::Value>) {
    let run = run(blastradius().args(["audit", "--format", "json", "--aws-gaad", file]));
    let creds = credentials(&json(&run));
    (run, creds)
}

fn principal<'a>(creds: &'a [serde_json::Value], arn_suffix: &str) -> &'a serde_json::Value {
    creds
        .iter()
        .find(|c| c["id"].as_str().unwrap().ends_with(arn_suffix))
        .unwrap_or_else(|| panic!("no principal {arn_suffix} in {creds:#?}"))
}

#[test]
fn a_ci_role_reaches_the_production_database_through_an_assumed_role() {
    let (run, creds) = audit_gaad("fixtures/aws/ci_assumes_prod_dba.json");
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ci = principal(&creds, ":role/ci-deploy");
    assert_eq!(ci["provider"], "aws");
    assert_eq!(ci["kind"], "aws-iam-role");
    assert_eq!(ci["severity"], "critical");
    assert_eq!(ci["source"], "fixtures/aws/ci_assumes_prod_dba.json");
    let worst = &ci["worst_case"];
    assert_eq!(worst["action"], "rds:DeleteDBInstance");
    let via = worst["via"].as_array().unwrap();
    assert!(
        via.iter()
            .any(|hop| hop.as_str().unwrap().contains("prod-dba")),
        "the hop through the DBA role is shown: {via:?}"
    );
}

#[test]
fn a_bad_gaad_is_named_and_the_rest_is_still_audited() {
    let run = run(blastradius().args([
        "audit",
        "--format",
        "json",
        "--aws-gaad",
        "fixtures/workspaces/pocketos/api/request-log.json",
        "--aws-gaad",
        "fixtures/aws/backups.json",
    ]));
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("request-log.json"), "{}", run.stderr);
    assert!(
        !credentials(&json(&run)).is_empty(),
        "the good GAAD is audited"
    );
}
