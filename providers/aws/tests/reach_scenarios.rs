//! Scenario fixtures in `fixtures/aws/` with known answers.

use blastradius_aws::{assess_account, AccountAssessment, AccountOptions, Gaad};
use std::sync::Arc;

use blastradius_report::{Category, Reach};

fn load(name: &str) -> AccountAssessment {
    let path = format!("{}/../../fixtures/aws/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("fixture");
    let gaad = Gaad::from_json(&text).expect("valid GAAD");
    assess_account(&gaad, &AccountOptions::default())
}

fn reach<'a>(a: &'a AccountAssessment, arn_suffix: &str) -> &'a [Arc<Reach>] {
    &a.principals
        .iter()
        .find(|p| p.arn.ends_with(arn_suffix))
        .unwrap_or_else(|| panic!("no principal {arn_suffix}"))
        .assessment
        .reach
}

/// The entry the rating would name first: highest category, certain before
/// conditional (the rating also ranks by severity, equal here: one account,
/// production).
fn headline(r: &[Arc<Reach>]) -> &Reach {
    r.iter()
        .max_by_key(|x| (x.category, x.reversible != Some(true), !x.conditional))
        .expect("some reach")
}

fn dump(a: &AccountAssessment) {
    for p in &a.principals {
        eprintln!("== {} ({})", p.arn, p.kind);
        for r in &p.assessment.reach {
            eprintln!(
                "  {:?} {:?} {} cond={} rev={:?} data={} via={:?}\n     {}",
                r.category,
                r.actions,
                r.resource,
                r.conditional,
                r.reversible,
                r.data,
                r.via,
                r.evidence
            );
        }
        for f in &p.assessment.findings {
            eprintln!("  finding {}: {}", f.id, f.message);
        }
    }
}

/// Every fixture loads and every principal gets an assessment; run with
/// `--nocapture` to see them all.
#[test]
fn every_fixture_assesses() {
    for f in [
        "escalation_policy_version.json",
        "ci_assumes_prod_dba.json",
        "boundary_removes_deletes.json",
        "backups.json",
        "deny_not_action.json",
    ] {
        eprintln!("######## {f}");
        let a = load(f);
        assert!(!a.principals.is_empty(), "{f}");
        assert!(a.findings.is_empty(), "{f}: {:?}", a.findings);
        for p in &a.principals {
            assert!(p.assessment.findings.is_empty(), "{}", p.arn);
            for r in &p.assessment.reach {
                assert!(!r.actions.is_empty() && !r.evidence.is_empty());
            }
        }
        dump(&a);
    }
}

const ACCT: &str = "111122223333";

#[test]
fn self_attached_policy_version_is_admin_equivalent() {
    let a = load("escalation_policy_version.json");
    let r = reach(&a, ":user/dev");
    let h = headline(r);
    assert_eq!(h.category, Category::Escalate);
    assert_eq!(h.actions[0], "iam:CreatePolicyVersion");
    assert_eq!(
        h.resource,
        format!("arn:aws:iam::{ACCT}:policy/dev-self-service")
    );
    assert!(h.evidence.contains("admin-equivalent"), "{}", h.evidence);
    assert!(!h.conditional && h.via.is_empty());
    // Escalate in an unknown environment (production) rates critical.
    assert_eq!(h.environment, None);
    // Only the default version counts: the old `*` version grants nothing.
    assert!(r.iter().all(|x| x.category != Category::Destroy));
}

#[test]
fn ci_role_worst_case_is_the_prod_dba_database() {
    let a = load("ci_assumes_prod_dba.json");
    let r = reach(&a, ":role/ci-deploy");
    let h = headline(r);
    assert_eq!(h.category, Category::Destroy);
    assert_eq!(h.actions[0], "rds:DeleteDBInstance");
    assert_eq!(
        h.via,
        vec![format!(
            "sts:AssumeRole -> arn:aws:iam::{ACCT}:role/prod-dba"
        )]
    );
    assert!(!h.conditional);
    // prod-dba can also delete the snapshots.
    assert_eq!(h.reversible, Some(false));
    assert!(h.evidence.contains("dba-full"), "{}", h.evidence);
    // Becoming prod-dba is itself listed.
    assert!(r.iter().any(|x| x.category == Category::Escalate
        && x.resource == format!("arn:aws:iam::{ACCT}:role/prod-dba")
        && x.via.is_empty()));
}

#[test]
fn trust_policy_limits_who_can_assume() {
    let a = load("ci_assumes_prod_dba.json");
    // oncall may call sts:AssumeRole on `*`, but prod-dba trusts only the CI
    // role; mfa-only trusts the account under an MFA condition.
    let r = reach(&a, ":user/oncall");
    assert!(r
        .iter()
        .all(|x| !x.via.iter().any(|v| v.contains("prod-dba"))));
    let via_mfa: Vec<&Arc<Reach>> = r
        .iter()
        .filter(|x| x.via.iter().any(|v| v.contains("role/mfa-only")))
        .collect();
    assert!(!via_mfa.is_empty());
    assert!(via_mfa.iter().all(|x| x.conditional));
    let h = headline(r);
    assert_eq!(h.category, Category::Destroy);
    assert!(h.conditional);
    let hop = r
        .iter()
        .find(|x| x.resource.ends_with("role/mfa-only") && x.via.is_empty())
        .expect("hop listed");
    assert!(hop.conditional && hop.evidence.contains("aws:MultiFactorAuthPresent"));
}

#[test]
fn boundary_that_removes_deletes_rates_lower() {
    let a = load("boundary_removes_deletes.json");
    let bounded = reach(&a, ":role/ops-bounded");
    let unbounded = reach(&a, ":role/ops-unbounded");
    assert_eq!(headline(unbounded).category, Category::Destroy);
    assert_eq!(headline(unbounded).actions[0], "rds:DeleteDBInstance");
    assert!(
        bounded.iter().all(|x| x.category != Category::Destroy),
        "{bounded:#?}"
    );
    assert!(headline(bounded).category < headline(unbounded).category);
    // What the boundary leaves is still there.
    assert!(bounded
        .iter()
        .any(|x| x.actions.iter().any(|a| a == "s3:PutObject")));
}

#[test]
fn reversible_depends_on_deleting_the_backups() {
    let a = load("backups.json");
    let d = headline(reach(&a, ":user/dba-destroyer"));
    assert_eq!(d.actions[0], "rds:DeleteDBInstance");
    assert_eq!(d.reversible, Some(false));
    let c = headline(reach(&a, ":user/dba-careful"));
    assert_eq!(c.actions, vec!["rds:DeleteDBInstance".to_string()]);
    assert_eq!(
        c.resource,
        format!("arn:aws:rds:us-east-1:{ACCT}:db:prod-*")
    );
    assert_eq!(c.reversible, Some(true));
}

#[test]
fn explicit_deny_beside_not_action_wins() {
    let a = load("deny_not_action.json");
    let r = reach(&a, ":user/contractor");
    let all: Vec<&String> = r.iter().flat_map(|x| x.actions.iter()).collect();
    for gone in [
        "rds:DeleteDBInstance",
        "s3:DeleteBucket",
        "ec2:TerminateInstances",
        "backup:DeleteRecoveryPoint",
        "kms:ScheduleKeyDeletion",
    ] {
        assert!(
            !all.iter().any(|a| a.eq_ignore_ascii_case(gone)),
            "{gone} must be denied"
        );
    }
    // NotAction excludes IAM entirely.
    assert!(!all
        .iter()
        .any(|a| a.to_ascii_lowercase().starts_with("iam:")));
    // The Deny on secrets depends on the source IP: conditional, not gone.
    let s = r
        .iter()
        .find(|x| {
            x.actions
                .iter()
                .any(|a| a == "secretsmanager:GetSecretValue")
        })
        .expect("secrets reach kept as conditional");
    assert_eq!(s.category, Category::Secrets);
    assert!(s.conditional);
    assert!(s.evidence.contains("aws:SourceIp"), "{}", s.evidence);
    // Other destroy actions the Deny does not name stay reachable.
    assert!(r.iter().any(|x| x.category == Category::Destroy));
}
