use super::*;
use crate::policy::parse_policy;
use serde_json::{json, Value};

const ALICE: &str = "arn:aws:iam::111122223333:user/alice";

fn pol(name: &str, v: Value) -> Policy {
    parse_policy(&v, name).unwrap()
}

fn allow(action: &str, resource: &str) -> Value {
    json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":action,"Resource":resource}]})
}

fn deny(action: &str, resource: &str) -> Value {
    json!({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":action,"Resource":resource}]})
}

fn run_with(
    set: &PolicySet,
    principal: &str,
    action: &str,
    resource: &str,
    acct: Option<&str>,
    ctx: &Context,
) -> Evaluation {
    let p = Principal::from_arn(principal);
    evaluate(
        set,
        &Request {
            principal: &p,
            action,
            resource,
            resource_account: acct,
            context: ctx,
        },
    )
}

fn dec(set: &PolicySet, principal: &str, action: &str, resource: &str) -> Decision {
    run_with(set, principal, action, resource, None, &Context::complete()).decision
}

fn identity(vs: Vec<Value>) -> PolicySet {
    PolicySet {
        identity: vs
            .into_iter()
            .enumerate()
            .map(|(i, v)| pol(&format!("id{i}"), v))
            .collect(),
        ..Default::default()
    }
}

#[test]
fn no_policy_is_implicit_deny() {
    assert_eq!(
        dec(&PolicySet::default(), ALICE, "s3:GetObject", "*"),
        Decision::ImplicitDeny
    );
}

#[test]
fn allow_and_case_rules() {
    let set = identity(vec![allow("S3:Get*", "arn:aws:s3:::Bucket/*")]);
    assert_eq!(
        dec(&set, ALICE, "s3:getobject", "arn:aws:s3:::Bucket/a/b"),
        Decision::Allowed
    );
    assert_eq!(
        dec(&set, ALICE, "S3:GETOBJECT", "arn:aws:s3:::Bucket/x"),
        Decision::Allowed
    );
    // Resource ARNs are case-sensitive.
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "arn:aws:s3:::bucket/x"),
        Decision::ImplicitDeny
    );
    assert_eq!(
        dec(&set, ALICE, "s3:PutObject", "arn:aws:s3:::Bucket/x"),
        Decision::ImplicitDeny
    );
    let set = identity(vec![allow("ec2:Describe?nstances", "*")]);
    assert_eq!(
        dec(&set, ALICE, "ec2:DescribeInstances", "*"),
        Decision::Allowed
    );
}

#[test]
fn explicit_deny_beside_not_action() {
    // Allow everything but IAM; a Deny NotAction denies everything but S3.
    let set = identity(vec![
        json!({"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}),
        json!({"Statement":[{"Sid":"OnlyS3","Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}),
    ]);
    assert_eq!(
        dec(&set, ALICE, "s3:DeleteBucket", "arn:aws:s3:::b"),
        Decision::Allowed
    );
    let e = run_with(
        &set,
        ALICE,
        "ec2:TerminateInstances",
        "*",
        None,
        &Context::complete(),
    );
    assert_eq!(e.decision, Decision::ExplicitDeny);
    assert_eq!(e.deciding[0].statement, "OnlyS3");
    assert_eq!(e.deciding[0].policy, "id1");
    // NotAction Allow does not grant what it lists.
    let set = identity(vec![
        json!({"Statement":[{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}),
    ]);
    assert_eq!(
        dec(&set, ALICE, "iam:CreateUser", "*"),
        Decision::ImplicitDeny
    );
}

#[test]
fn not_resource() {
    let set = identity(vec![
        json!({"Statement":[{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}]}),
    ]);
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "arn:aws:s3:::public/x"),
        Decision::Allowed
    );
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "arn:aws:s3:::secret/x"),
        Decision::ImplicitDeny
    );
}

#[test]
fn boundary_removes_deletes() {
    let mut set = identity(vec![allow("*", "*")]);
    set.boundaries = vec![pol(
        "boundary",
        json!({"Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}),
    )];
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
    let e = run_with(
        &set,
        ALICE,
        "s3:DeleteObject",
        "arn:aws:s3:::b/k",
        None,
        &Context::complete(),
    );
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.reason.contains("permission boundary"), "{}", e.reason);
    // A boundary alone grants nothing.
    let set = PolicySet {
        boundaries: vec![pol("b", allow("*", "*"))],
        ..Default::default()
    };
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "*"),
        Decision::ImplicitDeny
    );
}

#[test]
fn scp_at_intermediate_level_denies() {
    let mut set = identity(vec![allow("*", "*")]);
    let full = || pol("FullAWSAccess", allow("*", "*"));
    set.scps = vec![
        vec![full()],
        vec![pol("ou-allow-s3", allow("s3:*", "*"))],
        vec![full()],
    ];
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
    let e = run_with(
        &set,
        ALICE,
        "ec2:RunInstances",
        "*",
        None,
        &Context::complete(),
    );
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.reason.contains("level 1"), "{}", e.reason);
    // An explicit Deny in an SCP wins.
    set.scps[2].push(pol("deny-delete", deny("s3:Delete*", "*")));
    assert_eq!(
        dec(&set, ALICE, "s3:DeleteBucket", "arn:aws:s3:::b"),
        Decision::ExplicitDeny
    );
    // SCPs grant nothing by themselves.
    let only_scp = PolicySet {
        scps: vec![vec![full()]],
        ..Default::default()
    };
    assert_eq!(
        dec(&only_scp, ALICE, "s3:GetObject", "*"),
        Decision::ImplicitDeny
    );
}

#[test]
fn scps_and_rcps_skip_service_linked_roles() {
    let mut set = identity(vec![allow("*", "*")]);
    set.scps = vec![vec![pol("scp", allow("s3:*", "*"))]];
    set.rcps = vec![vec![pol(
        "rcp",
        json!({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}}),
    )]];
    let slr = "arn:aws:iam::111122223333:role/aws-service-role/elasticloadbalancing.amazonaws.com/AWSServiceRoleForElasticLoadBalancing";
    assert_eq!(
        dec(&set, slr, "ec2:DescribeInstances", "*"),
        Decision::Allowed
    );
    assert_eq!(
        dec(&set, ALICE, "ec2:DescribeInstances", "*"),
        Decision::ImplicitDeny
    );
}

#[test]
fn rcp_every_level_and_deny() {
    let mut set = identity(vec![allow("*", "*")]);
    let rcp_full = || {
        pol(
            "RCPFullAWSAccess",
            json!({"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}}),
        )
    };
    set.rcps = vec![
        vec![rcp_full()],
        vec![
            rcp_full(),
            pol(
                "deny-external",
                json!({"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*",
                  "Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-123"}}}}),
            ),
        ],
    ];
    let ctx = Context::complete().with("aws:PrincipalOrgID", "o-123");
    assert_eq!(
        run_with(&set, ALICE, "s3:GetObject", "arn:aws:s3:::b/k", None, &ctx).decision,
        Decision::Allowed
    );
    let other = Context::complete().with("aws:PrincipalOrgID", "o-999");
    assert_eq!(
        run_with(
            &set,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            None,
            &other
        )
        .decision,
        Decision::ExplicitDeny
    );
    // A level without an Allow still allows: RCPFullAWSAccess is implicit.
    set.rcps.push(vec![pol("deny-only", json!({"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:DeleteBucket","Resource":"*"}}))]);
    assert_eq!(
        run_with(&set, ALICE, "s3:GetObject", "arn:aws:s3:::b/k", None, &ctx).decision,
        Decision::Allowed
    );
    assert_eq!(
        run_with(&set, ALICE, "s3:DeleteBucket", "arn:aws:s3:::b", None, &ctx).decision,
        Decision::ExplicitDeny
    );
    // An RCP Deny naming another principal does not apply.
    set.rcps.push(vec![pol("deny-bob", json!({"Statement":{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"*","Resource":"*"}}))]);
    assert_eq!(
        run_with(&set, ALICE, "s3:GetObject", "arn:aws:s3:::b/k", None, &ctx).decision,
        Decision::Allowed
    );
}

fn with_resource(mut set: PolicySet, v: Value) -> PolicySet {
    set.resource = Some(pol("resource", v));
    set
}

#[test]
fn same_account_resource_policy_grant() {
    let bucket = json!({"Statement":{"Sid":"AliceRead","Effect":"Allow","Principal":{"AWS":ALICE},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}});
    let set = with_resource(PolicySet::default(), bucket.clone());
    let e = run_with(
        &set,
        ALICE,
        "s3:GetObject",
        "arn:aws:s3:::b/k",
        Some("111122223333"),
        &Context::complete(),
    );
    assert_eq!(e.decision, Decision::Allowed);
    assert_eq!(e.deciding[0].statement, "AliceRead");
    // Not limited by an implicit deny in the user's boundary.
    let mut bounded = with_resource(PolicySet::default(), bucket.clone());
    bounded.boundaries = vec![pol("b", allow("ec2:*", "*"))];
    assert_eq!(
        run_with(
            &bounded,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::b/k",
            Some("111122223333"),
            &Context::complete()
        )
        .decision,
        Decision::Allowed
    );
    // Another user is not named.
    assert_eq!(
        dec(
            &set,
            "arn:aws:iam::111122223333:user/bob",
            "s3:GetObject",
            "arn:aws:s3:::b/k"
        ),
        Decision::ImplicitDeny
    );
    // Naming the account delegates to identity policies.
    let acct = with_resource(
        PolicySet::default(),
        json!({"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:*","Resource":"*"}}),
    );
    assert_eq!(
        dec(&acct, ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::ImplicitDeny
    );
    let mut acct2 = acct.clone();
    acct2.identity = vec![pol("id", allow("s3:GetObject", "*"))];
    assert_eq!(
        dec(&acct2, ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
    // A resource-policy Deny naming the principal wins.
    let d = with_resource(
        identity(vec![allow("*", "*")]),
        json!({"Statement":{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}}),
    );
    assert_eq!(
        dec(&d, ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::ExplicitDeny
    );
}

#[test]
fn role_session_grants() {
    let session = "arn:aws:sts::111122223333:assumed-role/App/i-123";
    let role_named = json!({"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/team/App"},"Action":"sqs:SendMessage","Resource":"*"}});
    let q = "arn:aws:sqs:us-east-1:111122223333:q";
    let set = with_resource(PolicySet::default(), role_named.clone());
    assert_eq!(dec(&set, session, "sqs:SendMessage", q), Decision::Allowed);
    // A grant to the role ARN is limited by the boundary...
    let mut bounded = set.clone();
    bounded.boundaries = vec![pol("b", allow("s3:*", "*"))];
    assert_eq!(
        dec(&bounded, session, "sqs:SendMessage", q),
        Decision::ImplicitDeny
    );
    // ...and by the session policy.
    let mut sess = set.clone();
    sess.session = Some(pol("session", allow("s3:*", "*")));
    assert_eq!(
        dec(&sess, session, "sqs:SendMessage", q),
        Decision::ImplicitDeny
    );
    // A grant to the session ARN itself is not.
    let mut direct = with_resource(
        PolicySet::default(),
        json!({"Statement":{"Effect":"Allow","Principal":{"AWS":session},"Action":"sqs:SendMessage","Resource":"*"}}),
    );
    direct.boundaries = vec![pol("b", allow("s3:*", "*"))];
    direct.session = Some(pol("session", allow("s3:*", "*")));
    assert_eq!(
        dec(&direct, session, "sqs:SendMessage", q),
        Decision::Allowed
    );
}

#[test]
fn trust_policy_must_allow_explicitly() {
    let role = "arn:aws:iam::111122223333:role/Admin";
    let ids = identity(vec![allow("sts:AssumeRole", "*")]);
    // Identity allows, trust policy trusts someone else: denied.
    let other = with_resource(
        ids.clone(),
        json!({"Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}),
    );
    assert_eq!(
        dec(&other, ALICE, "sts:AssumeRole", role),
        Decision::ImplicitDeny
    );
    // Trusting the account root: identity must allow too.
    let acct = json!({"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRole"}});
    assert_eq!(
        dec(
            &with_resource(ids.clone(), acct.clone()),
            ALICE,
            "sts:AssumeRole",
            role
        ),
        Decision::Allowed
    );
    assert_eq!(
        dec(
            &with_resource(PolicySet::default(), acct),
            ALICE,
            "sts:AssumeRole",
            role
        ),
        Decision::ImplicitDeny
    );
    // Trusting the user directly: enough alone.
    let direct =
        json!({"Statement":{"Effect":"Allow","Principal":{"AWS":ALICE},"Action":"sts:AssumeRole"}});
    assert_eq!(
        dec(
            &with_resource(PolicySet::default(), direct),
            ALICE,
            "sts:AssumeRole",
            role
        ),
        Decision::Allowed
    );
    // KMS key policy: same exception; no key policy, no access.
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234";
    let kms_ids = identity(vec![allow("kms:Decrypt", "*")]);
    assert_eq!(
        dec(&kms_ids, ALICE, "kms:Decrypt", key),
        Decision::ImplicitDeny
    );
    let enable_iam = json!({"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"kms:*","Resource":"*"}});
    assert_eq!(
        dec(
            &with_resource(kms_ids, enable_iam),
            ALICE,
            "kms:Decrypt",
            key
        ),
        Decision::Allowed
    );
    // Ordinary same-account resource (S3) with identity only: allowed even
    // when the bucket policy is silent.
    let s3 = with_resource(
        identity(vec![allow("s3:*", "*")]),
        json!({"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"s3:*","Resource":"*"}}),
    );
    assert_eq!(
        dec(&s3, ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
}

#[test]
fn cross_account_needs_both() {
    let obj = "arn:aws:s3:::other/k";
    let other_acct = Some("444455556666");
    let ctx = Context::complete();
    let ids = identity(vec![allow("s3:GetObject", "*")]);
    assert_eq!(
        run_with(&ids, ALICE, "s3:GetObject", obj, other_acct, &ctx).decision,
        Decision::ImplicitDeny
    );
    let grant = json!({"Statement":{"Effect":"Allow","Principal":{"AWS":"111122223333"},"Action":"s3:GetObject","Resource":"*"}});
    assert_eq!(
        run_with(
            &with_resource(ids.clone(), grant.clone()),
            ALICE,
            "s3:GetObject",
            obj,
            other_acct,
            &ctx
        )
        .decision,
        Decision::Allowed
    );
    assert_eq!(
        run_with(
            &with_resource(PolicySet::default(), grant),
            ALICE,
            "s3:GetObject",
            obj,
            other_acct,
            &ctx
        )
        .decision,
        Decision::ImplicitDeny
    );
    // The account is taken from the resource ARN when not given.
    assert_eq!(
        dec(
            &ids,
            ALICE,
            "sqs:SendMessage",
            "arn:aws:sqs:us-east-1:444455556666:q"
        ),
        Decision::ImplicitDeny
    );
}

#[test]
fn session_policy_limits_identity() {
    let mut set = identity(vec![allow("*", "*")]);
    set.session = Some(pol("session", allow("s3:GetObject", "*")));
    let s = "arn:aws:sts::111122223333:assumed-role/App/x";
    assert_eq!(
        dec(&set, s, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
    let e = run_with(
        &set,
        s,
        "s3:PutObject",
        "arn:aws:s3:::b/k",
        None,
        &Context::complete(),
    );
    assert_eq!(e.decision, Decision::ImplicitDeny);
    assert!(e.reason.contains("session policy"));
    // A session policy grants nothing alone.
    let only = PolicySet {
        session: Some(pol("session", allow("*", "*"))),
        ..Default::default()
    };
    assert_eq!(dec(&only, s, "s3:GetObject", "*"), Decision::ImplicitDeny);
}

#[test]
fn conditional_when_key_unknown() {
    let set = identity(vec![
        json!({"Version":"2012-10-17","Statement":{"Sid":"MFA","Effect":"Allow","Action":"*","Resource":"*",
        "Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}}),
    ]);
    let e = run_with(
        &set,
        ALICE,
        "iam:CreateUser",
        "*",
        None,
        &Context::partial(),
    );
    assert_eq!(e.decision, Decision::Conditional);
    assert_eq!(
        e.unknown_keys,
        vec!["aws:MultiFactorAuthPresent".to_string()]
    );
    assert_eq!(e.deciding[0].statement, "MFA");
    // Complete context without the key: simply not allowed.
    assert_eq!(
        dec(&set, ALICE, "iam:CreateUser", "*"),
        Decision::ImplicitDeny
    );
    // A Deny that may apply makes an allow conditional, never allowed.
    let set = identity(vec![
        allow("*", "*"),
        json!({"Statement":{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}}),
    ]);
    assert_eq!(
        run_with(&set, ALICE, "s3:GetObject", "*", None, &Context::partial()).decision,
        Decision::Conditional
    );
    let inside = Context::partial().with("aws:SourceIp", "10.1.2.3");
    assert_eq!(
        run_with(&set, ALICE, "s3:GetObject", "*", None, &inside).decision,
        Decision::Allowed
    );
    let outside = Context::partial().with("aws:SourceIp", "8.8.8.8");
    assert_eq!(
        run_with(&set, ALICE, "s3:GetObject", "*", None, &outside).decision,
        Decision::ExplicitDeny
    );
}

#[test]
fn resource_variables() {
    let set = identity(vec![
        json!({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}),
    ]);
    let ctx = Context::complete().with("aws:username", "alice");
    assert_eq!(
        run_with(
            &set,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::home/alice/f",
            None,
            &ctx
        )
        .decision,
        Decision::Allowed
    );
    assert_eq!(
        run_with(
            &set,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::home/bob/f",
            None,
            &ctx
        )
        .decision,
        Decision::ImplicitDeny
    );
    // Missing variable: the resource matches nothing.
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "arn:aws:s3:::home/alice/f"),
        Decision::ImplicitDeny
    );
    // Version 2008-10-17: the variable is literal text.
    let old = identity(vec![
        json!({"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::home/${aws:username}/*"}}),
    ]);
    assert_eq!(
        run_with(
            &old,
            ALICE,
            "s3:GetObject",
            "arn:aws:s3:::home/${aws:username}/f",
            None,
            &ctx
        )
        .decision,
        Decision::Allowed
    );
}

#[test]
fn not_principal() {
    let set = with_resource(
        identity(vec![allow("s3:*", "*")]),
        json!({"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::111122223333:user/admin","111122223333"]},"Action":"s3:*","Resource":"*"}}),
    );
    // alice's account is listed: the Deny does not apply to her.
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::Allowed
    );
    let set = with_resource(
        identity(vec![allow("s3:*", "*")]),
        json!({"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:user/admin"},"Action":"s3:*","Resource":"*"}}),
    );
    assert_eq!(
        dec(&set, ALICE, "s3:GetObject", "arn:aws:s3:::b/k"),
        Decision::ExplicitDeny
    );
}
