//! The live AWS path through the binary, against a real moto server: the
//! account is built with the SDK, then `audit --aws`, `collect --aws-gaad`
//! and a found access key are run as a user runs them (the standard AWS
//! environment variables, `AWS_ENDPOINT_URL` at moto, fake credentials).
//!
//! The server and the account are those of the AWS crate's own live tests
//! (`providers/aws/tests/support/`), so crate and binary agree on one
//! account. Needs `moto_server` (`scripts/ci-deps`): missing, these tests
//! fail under CI and are skipped with a note elsewhere.

use std::path::Path;

use serde_json::Value;

use crate::support::*;

// Each test binary uses part of the shared set-up.
#[allow(dead_code)]
#[path = "../../providers/aws/tests/support/account.rs"]
mod account;
#[allow(dead_code)]
#[path = "../../providers/aws/tests/support/moto.rs"]
mod moto;

use account::{arn, build_account, setup_iam, KEY_ID, SECRET};
use moto::Moto;

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A moto server holding the shared test account, or `None` (skip).
fn moto_with_account() -> Option<Moto> {
    let server = Moto::start()?;
    rt().block_on(build_account(&server.url));
    Some(server)
}

/// The auditor's environment: the standard AWS variables, fake keys that
/// moto accepts, and no instance metadata lookups (there is no EC2 here).
fn with_aws_env<'a>(
    cmd: &'a mut assert_cmd::Command,
    endpoint: &str,
) -> &'a mut assert_cmd::Command {
    cmd.env("AWS_ACCESS_KEY_ID", KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

/// The endpoint alone: a found key must bring its own credentials.
fn with_endpoint_only<'a>(
    cmd: &'a mut assert_cmd::Command,
    endpoint: &str,
) -> &'a mut assert_cmd::Command {
    cmd.env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_EC2_METADATA_DISABLED", "true")
}

fn assert_no_secret(run: &Run, secret: &str) {
    assert!(!run.stdout.contains(secret), "the secret is in stdout");
    assert!(!run.stderr.contains(secret), "the secret is in stderr");
}

fn error_lines(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|l| l.starts_with("error:"))
        .collect()
}

/// Credentials by id, without `source` (live vs file differs by design) and
/// without the collection notes only a live run has (moto is in no
/// organisation: a note on every principal).
fn comparable(report: &Value) -> Vec<(String, Value)> {
    let mut out: Vec<(String, Value)> = credentials(report)
        .into_iter()
        .map(|mut c| {
            let id = c["id"].as_str().expect("an id").to_string();
            if let Some(obj) = c.as_object_mut() {
                obj.remove("source");
            }
            if let Some(findings) = c["findings"].as_array_mut() {
                findings.retain(|f| f["id"] != "aws.collection-note");
            }
            (id, c)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn by_id<'a>(creds: &'a [(String, Value)], id: &str) -> &'a Value {
    creds
        .iter()
        .find(|(i, _)| i == id)
        .map(|(_, c)| c)
        .unwrap_or_else(|| {
            panic!(
                "no credential {id} in {:?}",
                creds.iter().map(|c| &c.0).collect::<Vec<_>>()
            )
        })
}

#[test]
fn live_audit_equals_the_offline_audit_of_the_collected_gaad() {
    let Some(server) = moto_with_account() else {
        return;
    };
    let live = run(with_aws_env(
        blastradius().args(["audit", "--aws", "--format", "json"]),
        &server.url,
    ));
    assert_eq!(live.code, 0, "{}", live.stderr);
    assert_no_secret(&live, SECRET);

    let dir = tempfile::tempdir().expect("tempdir");
    let gaad = dir.path().join("gaad.json");
    let gaad_arg = gaad.to_str().expect("UTF-8 temp path");
    let collect = run(with_aws_env(
        blastradius().args(["collect", "--aws-gaad", gaad_arg]),
        &server.url,
    ));
    assert_eq!(collect.code, 0, "{}", collect.stderr);
    assert_no_secret(&collect, SECRET);
    let saved = std::fs::read_to_string(&gaad).expect("collect wrote the GAAD");
    assert!(!saved.contains(SECRET));

    // No AWS environment at all: the file is everything.
    let offline = run(blastradius().args([
        "audit",
        "--offline",
        "--aws-gaad",
        gaad_arg,
        "--format",
        "json",
    ]));
    assert_eq!(offline.code, 0, "{}", offline.stderr);

    let live_report = json(&live);
    let offline_report = json(&offline);
    for c in credentials(&live_report) {
        let source = c["source"].as_str().unwrap_or_default();
        assert!(source.contains("live"), "{source}");
    }
    for c in credentials(&offline_report) {
        assert_eq!(c["source"], gaad_arg);
    }
    let live_creds = comparable(&live_report);
    let offline_creds = comparable(&offline_report);
    let ids = |c: &[(String, Value)]| c.iter().map(|x| x.0.clone()).collect::<Vec<_>>();
    assert_eq!(ids(&live_creds), ids(&offline_creds));
    for ((id, l), (_, o)) in live_creds.iter().zip(&offline_creds) {
        assert_eq!(l, o, "{id} differs between live and offline");
    }

    // Every principal of the account, each rated.
    for user in ["alice", "bob", "carol"] {
        assert_eq!(
            by_id(&live_creds, &arn("user", user))["kind"],
            "aws-iam-user"
        );
    }
    for role in ["ci", "prod-dba", "bounded"] {
        let r = by_id(&live_creds, &arn("role", role));
        assert_eq!(r["kind"], "aws-iam-role");
        assert_eq!(r["provider"], "aws");
    }

    // The CI role reaches the production database through the DBA role.
    let ci = by_id(&live_creds, &arn("role", "ci"));
    assert_eq!(ci["severity"], "critical", "{ci:#}");
    let worst = &ci["worst_case"];
    assert_eq!(worst["action"], "rds:DeleteDBInstance", "{worst:#}");
    let via = worst["via"].as_array().expect("via");
    assert!(
        via.iter().any(|hop| hop
            .as_str()
            .unwrap_or_default()
            .contains(&arn("role", "prod-dba"))),
        "the hop through the DBA role: {via:?}"
    );
    // The boundary leaves `bounded` with reads only, whatever its `*`.
    let bounded = by_id(&live_creds, &arn("role", "bounded"));
    assert_eq!(bounded["severity"], "low", "{bounded:#}");
    // alice: the default version of `dba` (v2) counts, not v1's `*`.
    let alice = by_id(&live_creds, &arn("user", "alice"));
    assert_eq!(alice["worst_case"]["action"], "rds:DeleteDBInstance");
    assert_ne!(alice["worst_case"]["category"], "escalate", "{alice:#}");
}

/// Creates an access key for `user` in moto: (id, secret).
fn access_key(url: &str, user: &str) -> (String, String) {
    rt().block_on(async {
        let key = setup_iam(url)
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .expect("create_access_key")
            .access_key
            .expect("an access key");
        (key.access_key_id, key.secret_access_key)
    })
}

/// A workspace with the key planted in `.env`, as an agent would find it.
fn workspace_with_key(key_id: &str, secret: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join(".env"),
        format!("AWS_ACCESS_KEY_ID={key_id}\nAWS_SECRET_ACCESS_KEY={secret}\n"),
    )
    .expect("write .env");
    dir
}

fn path_arg(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temp path")
}

#[test]
fn a_found_access_key_is_rated_by_its_principal() {
    let Some(server) = moto_with_account() else {
        return;
    };
    let (key_id, secret) = access_key(&server.url, "alice");
    let workspace = workspace_with_key(&key_id, &secret);

    let live = run(with_endpoint_only(
        blastradius().args(["audit", path_arg(workspace.path()), "--format", "json"]),
        &server.url,
    ));
    assert_no_secret(&live, &secret);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let creds = credentials(&json(&live));
    assert_eq!(creds.len(), 1, "{creds:#?}");
    let key = &creds[0];
    assert_eq!(key["provider"], "aws");
    assert_eq!(key["kind"], "aws-access-key");
    assert_eq!(key["status"], "valid", "{key:#}");
    assert_eq!(key["identity"], arn("user", "alice"));
    assert!(
        key["source"].as_str().unwrap_or_default().contains(".env"),
        "{key:#}"
    );
    // alice's policies: the `dba` default version allows the delete.
    assert_eq!(key["severity"], "critical", "{key:#}");
    assert_eq!(key["worst_case"]["action"], "rds:DeleteDBInstance");
    assert_eq!(key["worst_case"]["category"], "destroy");

    // --offline: nothing leaves the machine, the key is listed, not rated.
    let offline = run(with_endpoint_only(
        blastradius().args([
            "audit",
            path_arg(workspace.path()),
            "--offline",
            "--format",
            "json",
        ]),
        &server.url,
    ));
    assert_no_secret(&offline, &secret);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let creds = credentials(&json(&offline));
    assert_eq!(creds.len(), 1, "{creds:#?}");
    let key = &creds[0];
    assert_eq!(key["kind"], "aws-access-key");
    assert_eq!(key["status"], "unknown");
    let findings = key["findings"].as_array().expect("findings");
    let not_audited = findings
        .iter()
        .find(|f| f["id"] == "audit.not-audited")
        .unwrap_or_else(|| panic!("a not-audited finding: {findings:#?}"));
    let message = not_audited["message"].as_str().unwrap_or_default();
    assert!(message.contains("--offline"), "{message}");
}

/// What the account holds, as the SDK lists it (no request ids, which
/// change per call).
fn snapshot(url: &str) -> String {
    rt().block_on(async {
        let iam = setup_iam(url);
        let gaad = iam
            .get_account_authorization_details()
            .send()
            .await
            .expect("GAAD");
        assert!(!gaad.is_truncated(), "the test account fits one page");
        let mut out = format!(
            "{:?}\n{:?}\n{:?}\n{:?}\n",
            gaad.user_detail_list(),
            gaad.group_detail_list(),
            gaad.role_detail_list(),
            gaad.policies()
        );
        for user in gaad.user_detail_list() {
            let name = user.user_name().unwrap_or_default();
            let keys = iam
                .list_access_keys()
                .user_name(name)
                .send()
                .await
                .expect("list_access_keys");
            out.push_str(&format!("{name}: {:?}\n", keys.access_key_metadata()));
        }
        out
    })
}

#[test]
fn the_audit_changes_nothing_in_the_account() {
    let Some(server) = moto_with_account() else {
        return;
    };
    let (key_id, secret) = access_key(&server.url, "bob");
    let workspace = workspace_with_key(&key_id, &secret);
    let before = snapshot(&server.url);
    assert!(before.contains("prod-dba") && before.contains(&key_id));

    // Everything the binary can do live: the account, a found key, collect.
    let audit = run(with_aws_env(
        blastradius().args([
            "audit",
            path_arg(workspace.path()),
            "--aws",
            "--format",
            "json",
        ]),
        &server.url,
    ));
    assert_eq!(audit.code, 0, "{}", audit.stderr);
    assert_no_secret(&audit, &secret);
    let dir = tempfile::tempdir().expect("tempdir");
    let collect = run(with_aws_env(
        blastradius().args([
            "collect",
            "--aws-gaad",
            path_arg(&dir.path().join("gaad.json")),
        ]),
        &server.url,
    ));
    assert_eq!(collect.code, 0, "{}", collect.stderr);

    assert_eq!(
        before,
        snapshot(&server.url),
        "the audit changed the account"
    );
}

#[test]
fn an_unreachable_endpoint_is_one_clear_error() {
    // No moto needed: a port nobody listens on.
    let endpoint = format!("http://127.0.0.1:{}", moto::free_port());
    let audit = run(with_aws_env(
        blastradius().args(["audit", "--aws", "--format", "json"]),
        &endpoint,
    ));
    assert_eq!(audit.code, 2, "{}", audit.stderr);
    assert_no_secret(&audit, SECRET);
    let errors = error_lines(&audit);
    assert_eq!(errors.len(), 1, "{}", audit.stderr);
    assert!(errors[0].contains("--aws"), "{}", errors[0]);
    assert!(errors[0].contains("could not reach"), "{}", errors[0]);
    assert!(
        errors[0].contains(&endpoint),
        "names the endpoint: {}",
        errors[0]
    );
    // The report is still JSON (with nothing in it).
    assert!(credentials(&json(&audit)).is_empty());

    let dir = tempfile::tempdir().expect("tempdir");
    let gaad = dir.path().join("gaad.json");
    let collect = run(with_aws_env(
        blastradius().args(["collect", "--aws-gaad", path_arg(&gaad)]),
        &endpoint,
    ));
    assert_eq!(collect.code, 2, "{}", collect.stderr);
    assert_no_secret(&collect, SECRET);
    let errors = error_lines(&collect);
    assert_eq!(errors.len(), 1, "{}", collect.stderr);
    assert!(errors[0].contains("could not reach"), "{}", errors[0]);
    assert!(!gaad.exists(), "nothing written on failure");
}

/// An endpoint that answers every request as AWS STS answers an unknown
/// or deleted key (403 `InvalidClientTokenId`, AWS's query error shape).
/// moto cannot stand in here: with auth on it answers in a shape
/// (`<Errors><Error>`) the Rust SDK does not parse, so the code is lost.
fn rejecting_endpoint() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = reject(stream);
        }
    });
    url
}

fn reject(mut stream: std::net::TcpStream) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let xml = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
        <Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>\
        <Message>The security token included in the request is invalid.</Message>\
        </Error><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>";
    write!(
        stream,
        "HTTP/1.1 403 Forbidden\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{xml}",
        xml.len()
    )
}

#[test]
fn a_rejected_key_is_invalid_and_rates_none() {
    // Made up for this test: the shape of a key, no key of anyone.
    let key_id = "AKIAZQ3T5V7X9B2D4F6H";
    let secret = "k3Vt9xQ2mL7pR4sW8yZ1aB5cD6eF0gH2jK4nM8q/";
    let workspace = workspace_with_key(key_id, secret);
    let audit = run(with_endpoint_only(
        blastradius().args([
            "audit",
            path_arg(workspace.path()),
            "--format",
            "json",
            "--fail-on",
            "low",
        ]),
        &rejecting_endpoint(),
    ));
    assert_no_secret(&audit, secret);
    assert_eq!(audit.code, 0, "none is below low: {}", audit.stderr);
    assert!(error_lines(&audit).is_empty(), "{}", audit.stderr);
    let creds = credentials(&json(&audit));
    assert_eq!(creds.len(), 1, "{creds:#?}");
    let key = &creds[0];
    assert_eq!(key["kind"], "aws-access-key");
    assert_eq!(key["status"], "invalid", "{key:#}");
    assert_eq!(key["severity"], "none", "{key:#}");
    let findings = key["findings"].as_array().expect("findings");
    assert!(
        findings.iter().any(|f| f["id"] == "aws.key-rejected"
            && f["message"]
                .as_str()
                .unwrap_or_default()
                .contains("InvalidClientTokenId")),
        "{findings:#?}"
    );
}
