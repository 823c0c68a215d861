//! `aws simulate --input FILE`: the contract's offline IAM evaluation.

use crate::support::*;

fn simulate(input: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("input.json");
    std::fs::write(&path, input).unwrap();
    run(blastradius().args(["aws", "simulate", "--input", path.to_str().unwrap()]))
}

#[test]
fn decisions_come_back_in_request_order() {
    let run = simulate(
        r#"{
  "principal": "arn:aws:iam::111122223333:user/alice",
  "identity_policies": [
    {"Version": "2012-10-17", "Statement": [
      {"Effect": "Allow", "Action": "s3:*", "Resource": "*"},
      {"Effect": "Deny", "NotAction": "s3:GetObject", "Resource": "arn:aws:s3:::backups/*"}
    ]}
  ],
  "permission_boundaries": [
    {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": ["s3:Get*", "s3:Delete*"], "Resource": "*"}}
  ],
  "scps": [[{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}]],
  "requests": [
    {"action": "s3:GetObject", "resource": "arn:aws:s3:::backups/db.dump"},
    {"action": "s3:DeleteObject", "resource": "arn:aws:s3:::backups/db.dump"},
    {"action": "s3:DeleteObject", "resource": "arn:aws:s3:::scratch/x"},
    {"action": "s3:PutObject", "resource": "arn:aws:s3:::scratch/x"},
    {"action": "ec2:TerminateInstances", "resource": "*"}
  ]
}"#,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = json(&run);
    let decisions: Vec<&str> = out["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        decisions,
        [
            "allowed",
            "explicit_deny",
            "allowed",
            "implicit_deny",
            "implicit_deny"
        ]
    );
    assert_eq!(out["results"][1]["action"], "s3:DeleteObject");
    assert_eq!(
        out["results"][1]["resource"],
        "arn:aws:s3:::backups/db.dump"
    );
}

#[test]
fn an_action_without_a_service_prefix_is_a_clear_error() {
    let run = simulate(
        r#"{"principal": "arn:aws:iam::111122223333:user/alice",
            "identity_policies": [],
            "requests": [{"action": "GetObject", "resource": "*"}]}"#,
    );
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("requests[0]"), "{}", run.stderr);
    assert!(run.stderr.contains("GetObject"), "{}", run.stderr);
}

#[test]
fn bad_json_names_the_file_and_place() {
    let run = simulate("{\"principal\": ");
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("input.json"), "{}", run.stderr);
    assert!(run.stderr.contains("line 1"), "{}", run.stderr);
}

#[test]
fn a_policy_that_is_not_a_policy_is_named() {
    let run = simulate(
        r#"{"principal": "arn:aws:iam::111122223333:user/alice",
            "identity_policies": [{"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}],
            "requests": []}"#,
    );
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("identity_policies[0]"),
        "{}",
        run.stderr
    );
}
