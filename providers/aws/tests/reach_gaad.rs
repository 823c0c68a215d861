//! GAAD loading: shapes, sharing, errors that name what is wrong, and bad
//! entries that become findings instead of failed runs.

use std::sync::Arc;

use blastradius_aws::{assess_account, AccountAssessment, AccountOptions, Gaad, GaadError};
use blastradius_report::{Category, Reach};
use serde_json::{json, Value};

const A: &str = "111122223333";

fn enc(doc: &Value) -> Value {
    // GAAD's URL encoding (only the characters JSON needs).
    let s = doc.to_string();
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '"' => out.push_str("%22"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            '[' => out.push_str("%5B"),
            ']' => out.push_str("%5D"),
            '*' => out.push_str("%2A"),
            '/' => out.push_str("%2F"),
            c => out.push(c),
        }
    }
    Value::String(out)
}

fn managed(name: &str, doc: Value) -> Value {
    json!({"PolicyName": name, "Arn": format!("arn:aws:iam::{A}:policy/{name}"),
           "DefaultVersionId": "v1",
           "PolicyVersionList": [{"Document": enc(&doc), "VersionId": "v1", "IsDefaultVersion": true}]})
}

fn role(name: &str, attached: &[&str], boundary: Option<&str>) -> Value {
    let mut r = json!({"RoleName": name, "Arn": format!("arn:aws:iam::{A}:role/{name}"), "Path": "/",
        "AssumeRolePolicyDocument": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]},
        "RolePolicyList": [],
        "AttachedManagedPolicies": attached.iter().map(|p| json!({"PolicyName": p, "PolicyArn": format!("arn:aws:iam::{A}:policy/{p}")})).collect::<Vec<_>>()});
    if let Some(b) = boundary {
        r["PermissionsBoundary"] = json!({"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": format!("arn:aws:iam::{A}:policy/{b}")});
    }
    r
}

/// The reach listed for one IAM user of an assessed account.
fn user_reach<'a>(a: &'a AccountAssessment, user: &str) -> &'a [Arc<Reach>] {
    &a.principals
        .iter()
        .find(|p| p.arn.ends_with(&format!(":user/{user}")))
        .unwrap()
        .assessment
        .reach
}

fn admin() -> Value {
    json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})
}

#[test]
fn shared_managed_policies_parse_once_and_role_boundaries_count() {
    let g = json!({
        "UserDetailList": [], "GroupDetailList": [],
        "RoleDetailList": [role("a", &["Admin"], None), role("b", &["Admin"], None), role("c", &["Admin"], Some("OnlyS3"))],
        "Policies": [managed("Admin", admin()),
                     managed("OnlyS3", json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}))]
    });
    let gaad = Gaad::from_json(&g.to_string()).unwrap();
    // Two managed documents and three trust policies: nothing per attachment.
    assert_eq!(gaad.documents.len(), 5);
    assert_eq!(
        gaad.roles[2].boundary.as_deref(),
        Some("arn:aws:iam::111122223333:policy/OnlyS3")
    );
    let a = assess_account(&gaad, &AccountOptions::default());
    let c = &a.principals[2].assessment;
    // The boundary keeps only S3: no RDS, no IAM.
    assert!(
        c.reach
            .iter()
            .flat_map(|r| &r.actions)
            .all(|x| x.to_ascii_lowercase().starts_with("s3:")),
        "{:#?}",
        c.reach
    );
    let b = &a.principals[1].assessment;
    assert!(b
        .reach
        .iter()
        .any(|r| r.actions.iter().any(|x| x == "iam:CreateAccessKey")));
}

#[test]
fn array_of_pages_is_merged_and_first_page_alone_works() {
    let p1 = json!({"UserDetailList": [], "RoleDetailList": [role("a", &["Admin"], None)], "Policies": [], "IsTruncated": true, "Marker": "x"});
    let p2 =
        json!({"RoleDetailList": [role("b", &[], None)], "Policies": [managed("Admin", admin())]});
    let gaad = Gaad::from_json(&json!([p1, p2]).to_string()).unwrap();
    assert_eq!(gaad.roles.len(), 2);
    assert!(gaad
        .managed("arn:aws:iam::111122223333:policy/Admin")
        .is_some());
    // The raw first page alone: the attached policy is missing, which is a
    // finding on the role, not an error.
    let gaad = Gaad::from_json(&p1.to_string()).unwrap();
    let a = assess_account(&gaad, &AccountOptions::default());
    let f = &a.principals[0].assessment;
    assert!(f.partial);
    assert!(f
        .findings
        .iter()
        .any(|x| x.id == "aws.policy.missing" && x.message.contains("policy/Admin")));
}

#[test]
fn errors_name_what_is_wrong() {
    assert!(matches!(
        Gaad::from_json("{not json"),
        Err(GaadError::Json(_))
    ));
    assert!(matches!(Gaad::from_json("42"), Err(GaadError::NotGaad(_))));
    let e = Gaad::from_json(r#"{"Foo": 1}"#).unwrap_err();
    assert!(e.to_string().contains("UserDetailList"), "{e}");
    // An empty account is fine.
    let g = Gaad::from_json(r#"{"UserDetailList": [], "RoleDetailList": []}"#).unwrap();
    assert!(g.users.is_empty());
}

#[test]
fn a_bad_entry_or_policy_is_a_finding_not_a_failed_run() {
    let g = json!({
        "UserDetailList": [
            {"UserName": "no-arn"},
            {"UserName": "broken", "Arn": format!("arn:aws:iam::{A}:user/broken"),
             "UserPolicyList": [{"PolicyName": "bad", "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": "NoPrefix", "Resource": "*"}]}},
                                {"PolicyName": "good", "PolicyDocument": enc(&json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"rds:DeleteDBInstance","Resource":"*"}]}))}]},
            {"UserName": "fine", "Arn": format!("arn:aws:iam::{A}:user/fine"), "GroupList": ["ghost"]}
        ],
        "RoleDetailList": [], "Policies": []
    });
    let gaad = Gaad::from_json(&g.to_string()).unwrap();
    let a = assess_account(&gaad, &AccountOptions::default());
    assert!(
        a.findings
            .iter()
            .any(|f| f.message.contains("UserDetailList[0]") && f.message.contains("no-arn")),
        "{:?}",
        a.findings
    );
    let broken = &a.principals[0].assessment;
    assert!(broken.partial);
    assert!(broken.findings.iter().any(|f| f.id == "aws.policy.invalid"
        && f.message.contains("bad")
        && f.message.contains("service prefix")));
    // The valid policy beside it still counts.
    assert!(broken.reach.iter().any(|r| r.category == Category::Destroy));
    let fine = &a.principals[1].assessment;
    assert!(fine.findings.iter().any(|f| f.id == "aws.group.missing"));
}

#[test]
fn escalation_edges_passrole_keys_and_trust_rewrites() {
    let lambda_trust = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]});
    let g = json!({
        "UserDetailList": [
            {"UserName": "deployer", "Arn": format!("arn:aws:iam::{A}:user/deployer"),
             "UserPolicyList": [{"PolicyName": "deploy", "PolicyDocument": {"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":["lambda:CreateFunction","lambda:InvokeFunction"],"Resource":"*"},
                {"Effect":"Allow","Action":"iam:PassRole","Resource":format!("arn:aws:iam::{A}:role/fn-admin")}]}}]},
            {"UserName": "helpdesk", "Arn": format!("arn:aws:iam::{A}:user/helpdesk"),
             "UserPolicyList": [{"PolicyName": "keys", "PolicyDocument": {"Version":"2012-10-17","Statement":[
                {"Effect":"Allow","Action":"iam:CreateAccessKey","Resource":format!("arn:aws:iam::{A}:user/ops-*")},
                {"Effect":"Allow","Action":"iam:UpdateAssumeRolePolicy","Resource":format!("arn:aws:iam::{A}:role/fn-*")}]}}]},
            {"UserName": "ops-admin", "Arn": format!("arn:aws:iam::{A}:user/ops-admin"),
             "AttachedManagedPolicies": [{"PolicyName":"Admin","PolicyArn":format!("arn:aws:iam::{A}:policy/Admin")}]}
        ],
        "RoleDetailList": [
            {"RoleName": "fn-admin", "Arn": format!("arn:aws:iam::{A}:role/fn-admin"), "AssumeRolePolicyDocument": lambda_trust,
             "AttachedManagedPolicies": [{"PolicyName":"Admin","PolicyArn":format!("arn:aws:iam::{A}:policy/Admin")}]}
        ],
        "Policies": [managed("Admin", admin())]
    });
    let gaad = Gaad::from_json(&g.to_string()).unwrap();
    let a = assess_account(&gaad, &AccountOptions::default());
    let by = |s: &str| {
        &a.principals
            .iter()
            .find(|p| p.arn.ends_with(s))
            .unwrap()
            .assessment
            .reach
    };
    let d = by(":user/deployer");
    assert!(d.iter().any(|r| r.category == Category::Destroy
        && r.via == vec![format!("iam:PassRole + lambda:CreateFunction + lambda:InvokeFunction -> arn:aws:iam::{A}:role/fn-admin")]),
        "{d:#?}");
    let h = by(":user/helpdesk");
    assert!(h
        .iter()
        .any(|r| r.via.first().is_some_and(
            |v| v == &format!("iam:CreateAccessKey -> arn:aws:iam::{A}:user/ops-admin")
        )));
    assert!(h.iter().any(|r| r.via.first().is_some_and(
        |v| v == &format!("iam:UpdateAssumeRolePolicy -> arn:aws:iam::{A}:role/fn-admin")
    )));
    // ops-admin is admin: it can edit its own policies.
    let o = by(":user/ops-admin");
    assert!(o.iter().any(|r| r.evidence.contains("admin-equivalent")));
}

/// Users whose policies differ only by `${aws:username}` share their
/// `sts:AssumeRole` edges only where every answer is the same: a trust
/// policy that admits one user by name stays that user's.
#[test]
fn users_of_one_family_share_assume_role_edges_only_when_every_answer_is_the_same() {
    let trust = |condition: Option<Value>| {
        let mut st = json!({"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{A}:root")},"Action":"sts:AssumeRole"});
        if let Some(c) = condition {
            st["Condition"] = c;
        }
        json!({"Version":"2012-10-17","Statement":[st]})
    };
    let user = |name: &str| {
        json!({"UserName": name, "Arn": format!("arn:aws:iam::{A}:user/{name}"),
               "UserPolicyList": [{"PolicyName": "self", "PolicyDocument": {"Version":"2012-10-17","Statement":[
                  {"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":format!("arn:aws:iam::{A}:user/${{aws:username}}")},
                  {"Effect":"Allow","Action":"sts:AssumeRole","Resource":format!("arn:aws:iam::{A}:role/app-*")}]}}]})
    };
    let app = |name: &str, trust: Value| {
        json!({"RoleName": name, "Arn": format!("arn:aws:iam::{A}:role/{name}"), "AssumeRolePolicyDocument": trust,
               "AttachedManagedPolicies": [{"PolicyName":"Admin","PolicyArn":format!("arn:aws:iam::{A}:policy/Admin")}]})
    };
    let g = json!({
        "UserDetailList": [user("u1"), user("u2"), user("u3")],
        "RoleDetailList": [
            app("app-open", trust(None)),
            app("app-u1", trust(Some(json!({"StringEquals":{"aws:username":"u1"}})))),
        ],
        "Policies": [managed("Admin", admin())]
    });
    let gaad = Gaad::from_json(&g.to_string()).unwrap();
    let a = assess_account(&gaad, &AccountOptions::default());
    let becomes = |user: &str, role: &str| {
        user_reach(&a, user)
            .iter()
            .any(|r| r.via.is_empty() && r.resource == format!("arn:aws:iam::{A}:role/{role}"))
    };
    for u in ["u1", "u2", "u3"] {
        assert!(becomes(u, "app-open"), "{u} can become app-open");
    }
    assert!(becomes("u1", "app-u1"));
    assert!(!becomes("u2", "app-u1") && !becomes("u3", "app-u1"));
}

/// Walks that merge the same roles by the same chains share one merge;
/// what each walking principal already holds there still decides what its
/// own list shows: entries it holds itself are left out of what it gets
/// through others, and only for it.
#[test]
fn principals_becoming_the_same_roles_keep_what_they_hold_apart() {
    let bucket = "arn:aws:s3:::prod-data";
    let user = |name: &str, own: Option<&str>| {
        let mut statements = vec![
            json!({"Effect":"Allow","Action":"iam:ListAccessKeys","Resource":format!("arn:aws:iam::{A}:user/${{aws:username}}")}),
            json!({"Effect":"Allow","Action":"sts:AssumeRole","Resource":format!("arn:aws:iam::{A}:role/app-*")}),
        ];
        if let Some(resource) = own {
            statements
                .push(json!({"Effect":"Allow","Action":"s3:DeleteBucket","Resource":resource}));
        }
        json!({"UserName": name, "Arn": format!("arn:aws:iam::{A}:user/{name}"),
               "UserPolicyList": [{"PolicyName": "self", "PolicyDocument": {"Version":"2012-10-17","Statement":statements}}]})
    };
    let trust = json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{A}:root")},"Action":"sts:AssumeRole"}]});
    let g = json!({
        // u1 holds a delete on the bucket the role reaches; u3 on another.
        "UserDetailList": [user("u1", Some(bucket)), user("u2", None), user("u3", Some("arn:aws:s3:::scratch")), user("u4", None)],
        "RoleDetailList": [
            {"RoleName": "app-data", "Arn": format!("arn:aws:iam::{A}:role/app-data"), "AssumeRolePolicyDocument": trust,
             "RolePolicyList": [{"PolicyName": "data", "PolicyDocument": {"Version":"2012-10-17","Statement":[
                 {"Effect":"Allow","Action":["s3:DeleteBucket","s3:DeleteObject"],"Resource":[bucket, format!("{bucket}/*")]}]}}]},
        ],
        "Policies": []
    });
    let gaad = Gaad::from_json(&g.to_string()).unwrap();
    let a = assess_account(&gaad, &AccountOptions::default());
    let through_role = |user: &str| -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = user_reach(&a, user)
            .iter()
            .filter(|r| !r.via.is_empty() && r.category == Category::Destroy)
            .map(|r| (r.resource.clone(), r.actions.iter().cloned().collect()))
            .collect();
        out.sort();
        out
    };
    let deletes_bucket = |entries: &[(String, Vec<String>)]| {
        entries
            .iter()
            .any(|(r, actions)| r == bucket && actions.iter().any(|a| a == "s3:DeleteBucket"))
    };
    let (u1, u2, u3, u4) = (
        through_role("u1"),
        through_role("u2"),
        through_role("u3"),
        through_role("u4"),
    );
    assert!(!u1.is_empty() && !u2.is_empty(), "{u1:?} {u2:?}");
    assert!(!deletes_bucket(&u1), "u1 deletes the bucket itself: {u1:?}");
    assert!(
        deletes_bucket(&u2),
        "u2 deletes the bucket only as app-data: {u2:?}"
    );
    // What u3 holds elsewhere changes nothing of what it gets as app-data.
    assert_eq!(u3, u2);
    assert_eq!(u4, u2);
}
