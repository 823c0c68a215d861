//! Live collection against a real local AWS API server (moto).
//!
//! Each test starts its own `moto_server` on a free port (killed on drop),
//! builds an account with the SDK (the test's own set-up mutates moto; the
//! auditor never does), collects it with `blastradius_aws::live`, and checks
//! the GAAD, the read-only log and the assessment.
//!
//! The server and the account come from `support/` (shared with the
//! binary's `tests/cli/aws_live.rs`). Needs `moto_server` on PATH (`pip
//! install 'moto[server]'`, or `scripts/ci-deps`). Without it the tests fail
//! under CI (env `CI` set) and are skipped with a note elsewhere.
#![cfg(feature = "live")]

#[path = "support/account.rs"]
mod account;
#[path = "support/moto.rs"]
mod moto;

use std::sync::Arc;

use aws_credential_types::Credentials;
use aws_sdk_iam::config::{BehaviorVersion, Region};
use blastradius_aws::live::{self, is_read_only, LiveConfig, LiveError};
use blastradius_aws::{assess_account, AccountOptions, Gaad};
use blastradius_report::{Category, Reach, Secret};

use account::{arn, build_account, doc, ACCOUNT, KEY_ID, SECRET};
use moto::Moto;

fn config(url: &str) -> LiveConfig {
    LiveConfig {
        endpoint_url: Some(url.to_string()),
        region: Some("us-east-1".into()),
        ..LiveConfig::default()
    }
}

/// The ambient chain of `collect_gaad` must find fake keys, never a
/// developer's real ones. Every test sets the same values, so the order in
/// which parallel tests run does not matter.
fn fake_ambient_credentials() {
    std::env::set_var("AWS_ACCESS_KEY_ID", KEY_ID);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", SECRET);
    std::env::remove_var("AWS_SESSION_TOKEN");
    std::env::remove_var("AWS_PROFILE");
    std::env::set_var("AWS_EC2_METADATA_DISABLED", "true");
}

// ------------------------------------------------------------ checks

fn reach<'a>(a: &'a blastradius_aws::AccountAssessment, arn: &str) -> &'a [Arc<Reach>] {
    &a.principals
        .iter()
        .find(|p| p.arn == arn)
        .unwrap_or_else(|| panic!("no principal {arn}"))
        .assessment
        .reach
}

/// The entry the rating names first (as in tests/reach_scenarios.rs).
fn headline(r: &[Arc<Reach>]) -> Option<&Reach> {
    r.iter()
        .max_by_key(|x| (x.category, x.reversible != Some(true), !x.conditional))
        .map(|x| &**x)
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

#[test]
fn collects_a_moto_account_read_only_and_assesses_it() {
    let Some(server) = Moto::start() else { return };
    fake_ambient_credentials();
    let rt = rt();
    rt.block_on(build_account(&server.url));
    let collected = rt
        .block_on(live::collect_gaad(&config(&server.url)))
        .expect("collect_gaad");

    // Read-only, provably: every operation the auditor sent.
    assert!(!collected.operations.is_empty());
    for op in &collected.operations {
        let name = op.split_once(':').map(|(_, n)| n).unwrap_or(op);
        assert!(is_read_only(name), "non-read-only operation sent: {op}");
    }
    assert_eq!(collected.requests as usize, collected.operations.len());
    assert_eq!(collected.operations[0], "sts:GetCallerIdentity");
    assert!(collected
        .operations
        .contains(&"iam:GetAccountAuthorizationDetails".to_string()));

    assert_eq!(collected.account_id, ACCOUNT);
    assert!(
        collected.caller_arn.contains(ACCOUNT),
        "{}",
        collected.caller_arn
    );
    // moto has no organisation unless one is created: nothing applies.
    assert_eq!(collected.scps, Some(vec![]));
    assert!(
        collected
            .notes
            .iter()
            .any(|n| n.contains("not in an AWS Organization")),
        "{:?}",
        collected.notes
    );

    // The merged document is AWS's shape and the loader reads it.
    let value: serde_json::Value = serde_json::from_str(&collected.gaad_json).expect("JSON");
    for key in [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ] {
        assert!(value[key].is_array(), "{key}");
    }
    let dba = value["Policies"]
        .as_array()
        .and_then(|p| p.iter().find(|p| p["Arn"] == arn("policy", "team/dba")))
        .expect("dba in Policies");
    // moto omits PolicyName in Policies[]: filled from the ARN.
    assert_eq!(dba["PolicyName"], "dba");
    assert_eq!(dba["DefaultVersionId"], "v2");
    assert_eq!(dba["PolicyVersionList"].as_array().map(Vec::len), Some(3));

    let gaad =
        Gaad::from_json(&collected.gaad_json).expect("Gaad::from_json reads the collected GAAD");
    assert!(gaad.problems.is_empty(), "{:?}", gaad.problems);
    let users: Vec<&str> = gaad.users.iter().map(|u| u.name.as_str()).collect();
    for u in ["alice", "bob", "carol"] {
        assert!(users.contains(&u), "{users:?}");
    }
    let bounded = gaad
        .roles
        .iter()
        .find(|r| r.name == "bounded")
        .expect("role bounded");
    assert_eq!(
        bounded.boundary.as_deref(),
        Some(arn("policy", "describe-only").as_str())
    );
    assert!(gaad
        .roles
        .iter()
        .any(|r| r.name == "prod-dba" && r.trust.is_some()));

    let a = assess_account(&gaad, &AccountOptions::default());

    // alice: the default version (v2) counts, not v1's `*`.
    let alice = reach(&a, &arn("user", "alice"));
    let h = headline(alice).expect("alice reaches something");
    assert_eq!(h.category, Category::Destroy);
    assert_eq!(h.actions[0], "rds:DeleteDBInstance");
    assert!(h.via.is_empty(), "{:?}", h.via);
    assert!(
        alice.iter().all(|x| x.category != Category::Escalate),
        "{alice:?}"
    );

    // bob -> ci -> prod-dba.
    let bob = reach(&a, &arn("user", "bob"));
    let h = headline(bob).expect("bob reaches something");
    assert_eq!(h.category, Category::Destroy);
    assert_eq!(h.actions[0], "rds:DeleteDBInstance");
    assert_eq!(h.via.len(), 2, "{:?}", h.via);
    assert!(h.via[0].contains(&arn("role", "ci")), "{:?}", h.via);
    assert!(h.via[1].contains(&arn("role", "prod-dba")), "{:?}", h.via);

    // The boundary leaves `bounded` with describe only.
    let bounded = reach(&a, &arn("role", "bounded"));
    assert!(
        bounded.iter().all(|x| x.category == Category::Read),
        "{bounded:?}"
    );

    // carol gets her group's policy and nothing worse.
    let carol = reach(&a, &arn("user", "carol"));
    assert!(
        carol
            .iter()
            .any(|x| x.actions.iter().any(|a| a == "s3:ListAllMyBuckets")),
        "{carol:?}"
    );
    assert!(
        carol.iter().all(|x| x.category == Category::Read),
        "{carol:?}"
    );
}

#[test]
fn access_keys_resolve_to_their_principal() {
    let Some(server) = Moto::start() else { return };
    let rt = rt();
    // The endpoint from the environment, as a user sets it: the SDK honours
    // AWS_ENDPOINT_URL_STS itself. Only this test sets it; the others give
    // an explicit endpoint, which takes precedence.
    std::env::set_var("AWS_ENDPOINT_URL_STS", &server.url);
    let from_env = LiveConfig {
        region: Some("us-east-1".into()),
        ..LiveConfig::default()
    };
    let who = rt
        .block_on(live::caller_identity(
            KEY_ID,
            &Secret::new(SECRET),
            None,
            &from_env,
        ))
        .expect("caller_identity");
    assert_eq!(who.account, ACCOUNT);
    assert!(who.arn.starts_with("arn:aws:"), "{}", who.arn);
    assert!(!who.user_id.is_empty());
    let explicit = rt
        .block_on(live::caller_identity(
            KEY_ID,
            &Secret::new(SECRET),
            None,
            &config(&server.url),
        ))
        .expect("caller_identity");
    assert_eq!(explicit, who);
}

#[test]
fn unreachable_endpoint_is_a_transport_error() {
    // No moto needed: a port nobody listens on.
    let port = moto::free_port();
    let cfg = config(&format!("http://127.0.0.1:{port}"));
    let err = rt()
        .block_on(live::caller_identity(
            KEY_ID,
            &Secret::new(SECRET),
            None,
            &cfg,
        ))
        .expect_err("nothing listens");
    assert!(matches!(err, LiveError::Transport { .. }), "{err:?}");
    // The message never carries the secret.
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

/// An unguarded Organizations client for the test's own set-up.
fn setup_org(url: &str) -> aws_sdk_organizations::Client {
    let conf = aws_sdk_organizations::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(KEY_ID, SECRET, None, None, "setup"))
        .build();
    aws_sdk_organizations::Client::from_conf(conf)
}

/// root -> OU `prod` (SCP `deny-rds-delete`) -> member account. Returns the
/// member account id.
async fn build_organization(url: &str) -> String {
    use aws_sdk_organizations::types::{OrganizationFeatureSet, PolicyType};
    let org = setup_org(url);
    org.create_organization()
        .feature_set(OrganizationFeatureSet::All)
        .send()
        .await
        .expect("create_organization");
    let root = org
        .list_roots()
        .send()
        .await
        .expect("list_roots")
        .roots()
        .first()
        .and_then(|r| r.id().map(str::to_string))
        .expect("a root");
    let ou = org
        .create_organizational_unit()
        .parent_id(&root)
        .name("prod")
        .send()
        .await
        .expect("create OU")
        .organizational_unit()
        .and_then(|o| o.id().map(str::to_string))
        .expect("OU id");
    let member = org
        .create_account()
        .email("prod@example.com")
        .account_name("prod")
        .send()
        .await
        .expect("create_account")
        .create_account_status()
        .and_then(|s| s.account_id().map(str::to_string))
        .expect("account id");
    org.move_account()
        .account_id(&member)
        .source_parent_id(&root)
        .destination_parent_id(&ou)
        .send()
        .await
        .expect("move_account");
    let scp = org
        .create_policy()
        .name("deny-rds-delete")
        .description("no database deletes in prod")
        .r#type(PolicyType::ServiceControlPolicy)
        .content(doc(serde_json::json!([{
            "Effect": "Deny", "Action": "rds:Delete*", "Resource": "*"
        }])))
        .send()
        .await
        .expect("create_policy")
        .policy()
        .and_then(|p| p.policy_summary())
        .and_then(|s| s.id().map(str::to_string))
        .expect("policy id");
    org.attach_policy()
        .policy_id(&scp)
        .target_id(&ou)
        .send()
        .await
        .expect("attach_policy");
    member
}

#[test]
fn organization_policies_root_to_account_and_the_management_account() {
    let Some(server) = Moto::start() else { return };
    fake_ambient_credentials();
    let rt = rt();
    rt.block_on(build_account(&server.url));
    let member = rt.block_on(build_organization(&server.url));

    // A member account: one level per target, root first.
    let found = rt.block_on(live::organization_policies(&config(&server.url), &member));
    for op in &found.operations {
        let name = op.split_once(':').map(|(_, n)| n).unwrap_or(op);
        assert!(is_read_only(name), "non-read-only operation sent: {op}");
    }
    let scps = found
        .scps
        .as_ref()
        .unwrap_or_else(|| panic!("SCPs read: {:?}", found.notes));
    assert_eq!(scps.len(), 3, "root, OU, account: {scps:?}");
    assert!(scps.iter().all(|level| !level.is_empty()), "{scps:?}");
    assert!(
        !scps[0].iter().any(|p| p.contains("rds:Delete")),
        "{scps:?}"
    );
    assert!(
        scps[1].iter().any(|p| p.contains("rds:Delete*")),
        "{scps:?}"
    );
    assert_eq!(
        found.rcps.as_ref().map(Vec::len),
        Some(3),
        "{:?}",
        found.notes
    );

    // The SCPs feed the assessment: alice's database delete is now denied
    // if her account were the member.
    let levels: Vec<Vec<blastradius_aws::Policy>> = scps
        .iter()
        .enumerate()
        .map(|(i, level)| {
            level
                .iter()
                .map(|text| {
                    let v: serde_json::Value = serde_json::from_str(text).expect("SCP JSON");
                    blastradius_aws::parse_policy(&v, &format!("scp level {i}"))
                        .expect("SCP parses")
                })
                .collect()
        })
        .collect();
    let collected = rt
        .block_on(live::collect_gaad(&config(&server.url)))
        .expect("collect_gaad");
    let gaad = Gaad::from_json(&collected.gaad_json).expect("GAAD");
    let options = AccountOptions {
        scps: levels,
        ..AccountOptions::default()
    };
    let a = assess_account(&gaad, &options);
    let alice = reach(&a, &arn("user", "alice"));
    assert!(
        alice
            .iter()
            .all(|x| !x.actions.iter().any(|a| a == "rds:DeleteDBInstance")),
        "{alice:?}"
    );

    // The auditor's own account manages the organisation: SCPs and RCPs do
    // not apply to it, and that is a note, not an error.
    assert_eq!(collected.scps, Some(vec![]));
    assert_eq!(collected.rcps, Some(vec![]));
    assert!(
        collected
            .notes
            .iter()
            .any(|n| n.contains("management account")),
        "{:?}",
        collected.notes
    );
}
