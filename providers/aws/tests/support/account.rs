//! The test account built in moto with the SDK, shared by
//! `providers/aws/tests/live_moto.rs` and the binary's `tests/cli/aws_live.rs`
//! (both include this file by path): the crate and the CLI assess the same
//! account, so their answers can be compared.
//!
//! The set-up client is unguarded (it creates things); the auditor under
//! test never is.

use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};

pub const ACCOUNT: &str = "123456789012";
/// Fake ambient credentials: moto accepts any key for its default account.
pub const KEY_ID: &str = "AKIAIOSFODNN7EXAMPLE";
// AWS's documented example secret: not a real credential.
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

pub fn doc(statements: serde_json::Value) -> String {
    serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string()
}

pub fn allow(action: &str, resource: &str) -> serde_json::Value {
    serde_json::json!({"Effect": "Allow", "Action": action, "Resource": resource})
}

pub fn trust(principal_arn: &str) -> String {
    doc(serde_json::json!([{
        "Effect": "Allow",
        "Principal": {"AWS": principal_arn},
        "Action": "sts:AssumeRole"
    }]))
}

pub fn arn(kind: &str, name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:{kind}/{name}")
}

/// An unguarded admin client for the test's own set-up.
pub fn setup_iam(url: &str) -> aws_sdk_iam::Client {
    let conf = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(KEY_ID, SECRET, None, None, "setup"))
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

/// The account:
/// - `alice`: managed `dba` (three versions; the default, v2, allows
///   `rds:DeleteDBInstance`; v1 allowed `*` and must not count).
/// - `bob` -> role `ci` -> role `prod-dba` (`rds:DeleteDBInstance` inline).
/// - role `bounded`: `*` inline, boundary `describe-only`.
/// - group `readers` (inline `s3:ListAllMyBuckets`) with `carol`.
pub async fn build_account(url: &str) {
    let iam = setup_iam(url);
    let dba = iam
        .create_policy()
        .policy_name("dba")
        .path("/team/")
        .policy_document(doc(serde_json::json!([allow("*", "*")])))
        .send()
        .await
        .expect("create_policy dba")
        .policy
        .and_then(|p| p.arn)
        .expect("policy arn");
    iam.create_policy_version()
        .policy_arn(&dba)
        .policy_document(doc(serde_json::json!([allow("rds:DeleteDBInstance", "*")])))
        .set_as_default(true)
        .send()
        .await
        .expect("v2");
    iam.create_policy_version()
        .policy_arn(&dba)
        .policy_document(doc(serde_json::json!([allow(
            "ec2:DescribeInstances",
            "*"
        )])))
        .set_as_default(false)
        .send()
        .await
        .expect("v3");
    let describe_only = iam
        .create_policy()
        .policy_name("describe-only")
        .policy_document(doc(serde_json::json!([allow(
            "ec2:DescribeInstances",
            "*"
        )])))
        .send()
        .await
        .expect("create_policy describe-only")
        .policy
        .and_then(|p| p.arn)
        .expect("policy arn");

    iam.create_user()
        .user_name("alice")
        .send()
        .await
        .expect("alice");
    iam.attach_user_policy()
        .user_name("alice")
        .policy_arn(&dba)
        .send()
        .await
        .expect("attach dba");

    iam.create_user()
        .user_name("bob")
        .send()
        .await
        .expect("bob");
    iam.put_user_policy()
        .user_name("bob")
        .policy_name("assume-ci")
        .policy_document(doc(serde_json::json!([allow(
            "sts:AssumeRole",
            &arn("role", "ci")
        )])))
        .send()
        .await
        .expect("bob inline");
    iam.create_role()
        .role_name("ci")
        .assume_role_policy_document(trust(&arn("user", "bob")))
        .send()
        .await
        .expect("role ci");
    iam.put_role_policy()
        .role_name("ci")
        .policy_name("assume-prod-dba")
        .policy_document(doc(serde_json::json!([allow(
            "sts:AssumeRole",
            &arn("role", "prod-dba")
        )])))
        .send()
        .await
        .expect("ci inline");
    iam.create_role()
        .role_name("prod-dba")
        .assume_role_policy_document(trust(&arn("role", "ci")))
        .send()
        .await
        .expect("role prod-dba");
    iam.put_role_policy()
        .role_name("prod-dba")
        .policy_name("delete-db")
        .policy_document(doc(serde_json::json!([allow("rds:DeleteDBInstance", "*")])))
        .send()
        .await
        .expect("prod-dba inline");

    iam.create_role()
        .role_name("bounded")
        .assume_role_policy_document(trust(&format!("arn:aws:iam::{ACCOUNT}:root")))
        .permissions_boundary(&describe_only)
        .send()
        .await
        .expect("role bounded");
    iam.put_role_policy()
        .role_name("bounded")
        .policy_name("everything")
        .policy_document(doc(serde_json::json!([allow("*", "*")])))
        .send()
        .await
        .expect("bounded inline");

    iam.create_group()
        .group_name("readers")
        .send()
        .await
        .expect("group");
    iam.put_group_policy()
        .group_name("readers")
        .policy_name("list-buckets")
        .policy_document(doc(serde_json::json!([allow("s3:ListAllMyBuckets", "*")])))
        .send()
        .await
        .expect("group inline");
    iam.create_user()
        .user_name("carol")
        .send()
        .await
        .expect("carol");
    iam.add_user_to_group()
        .group_name("readers")
        .user_name("carol")
        .send()
        .await
        .expect("carol in readers");
}
