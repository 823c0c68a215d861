//! `audit` and `collect` against a fake GitHub REST API (the same fake the
//! GitHub crate's own tests use), through the binary, as a user runs them.
//! Every test checks that the fake saw GET/HEAD only and that no output
//! holds the whole token.

use serde_json::{json, Value};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

#[path = "../../providers/github/tests/support/mod.rs"]
#[allow(unused_imports)]
mod fake;

use blastradius_report::Secret;
use fake::{at, json_answer, rate_limit, repo, rule, rules_path, user};

/// The token planted in `fixtures/workspaces/github-agent/.git-credentials`
/// (a FAKE; see that workspace's README.md).
const AGENT_WORKSPACE: &str = "fixtures/workspaces/github-agent";
const AGENT_EXPORT: &str = "fixtures/exports/github-agent.json";

async fn get(server: &MockServer, path: &str, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(at(path))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// A user-token world under `prefix` (`""` or `/api/v3`): `/user` with
/// `scopes` (None: no `X-OAuth-Scopes`, as for fine-grained tokens), the
/// given repositories, no organisations, the same `rules` on every default
/// branch. Classic protection is not mounted: 404, `Branch not protected`.
async fn user_world(prefix: &str, scopes: Option<&str>, repos: Value, rules: Value) -> MockServer {
    let server = MockServer::start().await;
    fake::forbid_writes(&server).await;
    let mut me = json_answer(user("octocat"));
    if let Some(s) = scopes {
        me = me.insert_header("x-oauth-scopes", s);
    }
    get(&server, &format!("{prefix}/user"), me).await;
    get(&server, &format!("{prefix}/user/repos"), json_answer(repos)).await;
    get(
        &server,
        &format!("{prefix}/user/memberships/orgs"),
        json_answer(json!([])),
    )
    .await;
    get(
        &server,
        &format!("{prefix}/rate_limit"),
        json_answer(rate_limit()),
    )
    .await;
    Mock::given(method("GET"))
        .and(rules_path_under(prefix))
        .respond_with(json_answer(rules))
        .mount(&server)
        .await;
    server
}

fn rules_path_under(prefix: &str) -> wiremock::matchers::PathRegexMatcher {
    if prefix.is_empty() {
        rules_path()
    } else {
        wiremock::matchers::path_regex(format!(r"^{prefix}/repos/[^/]+/[^/]+/rules/branches/.+$"))
    }
}

/// A classic `repo, delete_repo` token of an admin of acme/billing-api.
async fn classic_admin_world(prefix: &str) -> MockServer {
    user_world(
        prefix,
        Some("repo, delete_repo, workflow"),
        json!([repo("acme/billing-api", true, "admin")]),
        json!([]),
    )
    .await
}

fn audit_json(env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = blastradius();
    cmd.args(["audit", "--format", "json"]).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    run(&mut cmd)
}

fn the_credential(run: &Run) -> Value {
    let creds = credentials(&json(run));
    assert_eq!(creds.len(), 1, "{creds:#?}\n{}", run.stderr);
    creds[0].clone()
}

fn assert_no_token(run: &Run, token: &Secret) {
    assert!(
        !run.stdout.contains(token.expose()),
        "stdout holds the token"
    );
    assert!(
        !run.stderr.contains(token.expose()),
        "stderr holds the token"
    );
}

fn capability<'a>(token: &'a Value, action: &str, resource: &str) -> Option<&'a Value> {
    token["capabilities"].as_array()?.iter().find(|c| {
        c["resource"] == resource && c["actions"].as_array().unwrap().iter().any(|a| a == action)
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn a_classic_token_in_github_token_rates_critical() {
    let server = classic_admin_world("").await;
    let token = fake::fake_classic('k');
    let run = audit_json(
        &[("GITHUB_TOKEN", token.expose())],
        &["--github-api-url", &server.uri(), "--fail-on", "high"],
    );
    assert_eq!(run.code, 1, "critical trips --fail-on high: {}", run.stderr);
    let t = the_credential(&run);
    assert_eq!(t["provider"], "github");
    assert_eq!(t["kind"], "github-classic-pat");
    assert_eq!(t["source"], "env GITHUB_TOKEN");
    assert_eq!(t["status"], "valid");
    assert_eq!(t["identity"], "octocat");
    assert_eq!(t["severity"], "critical");
    assert_eq!(t["worst_case"]["action"], "DELETE /repos/{owner}/{repo}");
    assert_eq!(t["worst_case"]["resource"], "acme/billing-api");
    assert_eq!(t["worst_case"]["category"], "destroy");
    assert!(capability(&t, "git push --force", "acme/billing-api@main").is_some());
    assert_no_token(&run, &token);
    fake::assert_read_only(&server).await;
}

/// No endpoint lists a fine-grained token's permissions: the push (contents
/// write on a granted repository) is inferred, the workflow edit
/// (`workflows:write`) stays unknown. The branch rule forbids force pushes,
/// so the token rates high, and a finding names the unproven workflow edit.
#[tokio::test(flavor = "multi_thread")]
async fn a_fine_grained_token_whose_main_forbids_force_pushes() {
    let server = user_world(
        "",
        None,
        json!([repo("acme/billing-api", true, "push")]),
        json!([
            rule("non_fast_forward", "Organization", "acme", 42),
            rule("deletion", "Organization", "acme", 42)
        ]),
    )
    .await;
    let token = fake::fake_fine_grained();
    let run = audit_json(
        &[("DEPLOY_PAT", token.expose())],
        &[
            "--github-api-url",
            &server.uri(),
            "--github-token-env",
            "DEPLOY_PAT",
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let t = the_credential(&run);
    assert_eq!(t["kind"], "github-fine-grained-pat");
    assert_eq!(t["source"], "env DEPLOY_PAT");
    let caps = t["capabilities"].as_array().unwrap();
    assert!(
        caps.iter().all(|c| c["category"] != "destroy"),
        "the rule forbids force pushes: {caps:#?}"
    );
    let push = capability(&t, "git push", "acme/billing-api@main").expect("push");
    assert_eq!(push["severity"], "high");
    assert_eq!(push["category"], "write");
    assert_eq!(
        push["certainty"], "inferred",
        "contents:write is not listed"
    );
    assert_eq!(t["severity"], "high", "high, not critical: {t:#}");
    assert_eq!(t["worst_case"]["category"], "write");
    let unproven = t["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "rating.unproven-reach")
        .expect("the unproven workflow edit is named");
    assert_eq!(unproven["severity"], "critical");
    let without_workflows: Vec<_> = caps
        .iter()
        .filter(|c| c["category"] != "escalate")
        .map(|c| c["severity"].as_str().unwrap())
        .collect();
    assert!(
        without_workflows.iter().all(|s| *s != "critical"),
        "{without_workflows:?}"
    );
    assert_no_token(&run, &token);
    fake::assert_read_only(&server).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_installation_token_with_read_access() {
    let server = MockServer::start().await;
    fake::forbid_writes(&server).await;
    get(
        &server,
        "/installation/repositories",
        json_answer(json!({
            "total_count": 2, "repository_selection": "selected",
            "repositories": [repo("acme/handbook", false, "pull"), repo("acme/site", false, "pull")]
        })),
    )
    .await;
    get(&server, "/rate_limit", json_answer(rate_limit())).await;
    let token = fake::fake_installation();
    let run = audit_json(
        &[("GITHUB_TOKEN", token.expose())],
        &["--github-api-url", &server.uri(), "--fail-on", "medium"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let t = the_credential(&run);
    assert_eq!(t["kind"], "github-app-installation-token");
    assert_eq!(t["status"], "valid");
    // A valid token with read permissions reads non-sensitive data: low
    // (`none` is for tokens that can do nothing at all).
    let caps = t["capabilities"].as_array().unwrap();
    assert!(caps.iter().all(|c| c["category"] == "read"), "{t:#}");
    assert_eq!(t["severity"], "low");
    let requests = fake::assert_read_only(&server).await;
    assert!(requests.iter().all(|r| r.url.path() != "/user"));
    assert_no_token(&run, &token);
}

/// Read access to a private repository reads its code, and nothing more: a
/// read-only installation token rates low.
#[tokio::test(flavor = "multi_thread")]
async fn an_installation_token_reading_a_private_repository() {
    let server = MockServer::start().await;
    fake::forbid_writes(&server).await;
    get(
        &server,
        "/installation/repositories",
        json_answer(json!({
            "total_count": 1, "repository_selection": "selected",
            "repositories": [repo("acme/billing-api", true, "pull")]
        })),
    )
    .await;
    get(&server, "/rate_limit", json_answer(rate_limit())).await;
    let token = fake::fake_installation();
    let run = audit_json(
        &[("GITHUB_TOKEN", token.expose())],
        &["--github-api-url", &server.uri()],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let t = the_credential(&run);
    let caps = t["capabilities"].as_array().unwrap();
    assert_eq!(caps.len(), 1, "{caps:#?}");
    assert_eq!(caps[0]["category"], "read");
    assert_eq!(t["worst_case"]["category"], "read");
    assert_eq!(t["severity"], "low");
    assert_eq!(
        t["worst_case"]["action"],
        "GET /repos/{owner}/{repo}/contents/{path}"
    );
    fake::assert_read_only(&server).await;
    assert_no_token(&run, &token);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_token_is_invalid_and_rates_none() {
    let server = MockServer::start().await;
    fake::forbid_writes(&server).await;
    get(
        &server,
        "/user",
        ResponseTemplate::new(401).set_body_json(json!({
            "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"
        })),
    )
    .await;
    let token = fake::fake_classic('r');
    let run = audit_json(
        &[("GH_TOKEN", token.expose())],
        &["--github-api-url", &server.uri(), "--fail-on", "low"],
    );
    assert_eq!(run.code, 0, "none is below low: {}", run.stderr);
    let t = the_credential(&run);
    assert_eq!(t["source"], "env GH_TOKEN");
    assert_eq!(t["status"], "invalid");
    assert_eq!(t["severity"], "none");
    assert!(t["worst_case"].is_null());
    let requests = fake::assert_read_only(&server).await;
    assert_eq!(requests.len(), 1, "one 401 is enough");
    assert_no_token(&run, &token);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_enterprise_server_base_url_with_api_v3() {
    let server = classic_admin_world("/api/v3").await;
    let base = format!("{}/api/v3", server.uri());
    let token = fake::fake_classic('e');
    let run = audit_json(
        &[("GITHUB_TOKEN", token.expose())],
        &["--github-api-url", &base],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let t = the_credential(&run);
    assert_eq!(t["severity"], "critical");
    assert_eq!(t["worst_case"]["action"], "DELETE /repos/{owner}/{repo}");
    let requests = fake::assert_read_only(&server).await;
    assert!(!requests.is_empty());
    assert!(
        requests
            .iter()
            .all(|r| r.url.path().starts_with("/api/v3/")),
        "{:?}",
        requests.iter().map(|r| r.url.path()).collect::<Vec<_>>()
    );
    assert_no_token(&run, &token);
}

#[tokio::test(flavor = "multi_thread")]
async fn github_api_url_from_the_environment() {
    let server = classic_admin_world("/api/v3").await;
    let base = format!("{}/api/v3", server.uri());
    let token = fake::fake_classic('v');
    let run = audit_json(
        &[("GITHUB_TOKEN", token.expose()), ("GITHUB_API_URL", &base)],
        &[],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let t = the_credential(&run);
    assert_eq!(t["status"], "valid");
    assert_eq!(t["severity"], "critical");
    let requests = fake::assert_read_only(&server).await;
    assert!(requests.iter().any(|r| r.url.path() == "/api/v3/user"));
    assert_no_token(&run, &token);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_planted_token_is_found_audited_and_collect_round_trips() {
    let server = classic_admin_world("").await;
    let token = fake::fake_classic('w');
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("service");
    std::fs::create_dir_all(&ws).unwrap();
    std::fs::write(
        ws.join(".git-credentials"),
        format!("https://octocat:{}@github.com\n", token.expose()),
    )
    .unwrap();
    std::fs::write(
        ws.join(".env"),
        "# a placeholder, not a token\nGITHUB_TOKEN=ghp_your_token_here\n",
    )
    .unwrap();
    let ws = ws.to_str().unwrap();

    let live = audit_json(&[], &[ws, "--github-api-url", &server.uri()]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let live_token = the_credential(&live);
    assert!(
        live_token["source"]
            .as_str()
            .unwrap()
            .ends_with(".git-credentials:1"),
        "{}",
        live_token["source"]
    );
    assert_eq!(live_token["kind"], "github-classic-pat");
    assert_eq!(live_token["severity"], "critical");
    assert_no_token(&live, &token);

    let export = dir.path().join("github.json");
    let collected = run(blastradius().args([
        "collect",
        ws,
        "--github-api-url",
        &server.uri(),
        "--github-export",
        export.to_str().unwrap(),
    ]));
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    assert_no_token(&collected, &token);
    let written = std::fs::read_to_string(&export).unwrap();
    assert!(
        !written.contains(token.expose()),
        "the export holds no token"
    );
    assert!(written.contains("blastradius-github-export"));

    let offline = audit_json(
        &[],
        &[ws, "--offline", "--github-export", export.to_str().unwrap()],
    );
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let offline_token = the_credential(&offline);
    assert_eq!(
        offline_token, live_token,
        "the export gives the same report"
    );
    assert_no_token(&offline, &token);
    fake::assert_read_only(&server).await;
}

/// The committed fixture export is what `collect` makes of the fixture
/// workspace against the fake (set BLASTRADIUS_WRITE_FIXTURES=1 to rewrite).
#[tokio::test(flavor = "multi_thread")]
async fn the_github_agent_fixture_export_is_what_collect_gives() {
    let server = classic_admin_world("").await;
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("github.json");
    let collected = run(blastradius().args([
        "collect",
        AGENT_WORKSPACE,
        "--github-api-url",
        &server.uri(),
        "--github-export",
        export.to_str().unwrap(),
    ]));
    assert_eq!(collected.code, 0, "{}", collected.stderr);
    fake::assert_read_only(&server).await;
    let text = std::fs::read_to_string(&export)
        .unwrap()
        .replace(&server.uri(), "https://api.github.com");
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(AGENT_EXPORT);
    if std::env::var_os("BLASTRADIUS_WRITE_FIXTURES").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("fixture export")).unwrap();
    let fresh: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(committed, fresh, "{AGENT_EXPORT} is stale");
}
