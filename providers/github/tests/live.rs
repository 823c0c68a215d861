//! Live collection against a mock GitHub, then assessment (snapshots).

mod support;

use blastradius_github::assess::assess_at;
use blastradius_github::export::{GithubExport, ProbeOutcome, TokenStatus};
use blastradius_github::live::client::{HttpError, ReadOnlyClient};
use blastradius_github::TokenKind;
use blastradius_report::{Category, Certainty, Secret, Status};
use serde_json::json;
use support::*;
use wiremock::matchers::{header, method, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Assessments as of a fixed day (2026-11-21), so that expiry findings do
/// not change with the calendar.
fn assess(export: &blastradius_github::TokenExport) -> blastradius_report::Assessment {
    assess_at(export, CLOCK)
}

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../fixtures/exports/github-classic-org-admin.json"
);

/// A classic token (`repo, delete_repo, admin:org, workflow`) of an
/// organisation admin, with two pages of repositories.
async fn classic_org_admin_server() -> MockServer {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(
            json_answer(user("octocat"))
                .insert_header("x-oauth-scopes", "repo, delete_repo, admin:org, workflow")
                .insert_header("x-accepted-oauth-scopes", ""),
        )
        .mount(&server)
        .await;
    let next = format!(
        "<{}/user/repos?per_page=100&page=2>; rel=\"next\", <{}/user/repos?per_page=100&page=2>; rel=\"last\"",
        server.uri(),
        server.uri()
    );
    Mock::given(method("GET"))
        .and(at("/user/repos"))
        .and(query_param("page", "2"))
        .respond_with(json_answer(json!([repo(
            "octocat/dotfiles",
            false,
            "admin"
        )])))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/repos"))
        .respond_with(
            json_answer(json!([
                repo("acme/billing-api", true, "admin"),
                repo("acme/web", true, "push"),
                repo("acme/handbook", true, "pull"),
            ]))
            .insert_header("link", next.as_str()),
        )
        .with_priority(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/memberships/orgs"))
        .respond_with(json_answer(json!([membership("acme", "admin")])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/rate_limit"))
        .respond_with(json_answer(rate_limit()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/repos/acme/web/rules/branches/main"))
        .respond_with(json_answer(json!([
            rule("non_fast_forward", "Organization", "acme", 42),
            rule("deletion", "Organization", "acme", 42)
        ])))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(rules_path())
        .respond_with(json_answer(json!([])))
        .with_priority(3)
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn classic_org_admin_destroys_repositories() {
    let server = classic_org_admin_server().await;
    let token = fake_classic('k');
    let export = run(&server.uri(), &token).await;
    let requests = assert_read_only(&server).await;

    assert_eq!(export.kind, TokenKind::Classic);
    assert_eq!(export.status, TokenStatus::Valid);
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    assert_eq!(export.repos.len(), 4, "both pages read");
    // /user, 2 pages, orgs, rate limit, rules of the 3 pushable repos,
    // classic protection of the 2 administered ones, rulesets of the one
    // whose rules stop a push.
    assert_eq!(export.requests, 11);
    assert_eq!(requests.len(), 11);
    // acme/handbook is read-only: its rules cannot change anything.
    assert!(export
        .repos
        .iter()
        .find(|r| r.full_name == "acme/handbook")
        .unwrap()
        .branch_rules
        .is_none());

    let json = serde_json::to_string(&export).unwrap();
    assert!(
        !json.contains(token.expose()),
        "the export must not hold the token"
    );

    let a = assess(&export);
    assert_eq!(a.status, Status::Valid);
    let destroy = |action: &str, resource: &str| {
        a.reach.iter().any(|r| {
            r.category == Category::Destroy
                && r.actions.iter().any(|x| x == action)
                && r.resource == resource
        })
    };
    assert!(destroy("DELETE /repos/{owner}/{repo}", "acme/billing-api"));
    assert!(destroy("git push --force", "acme/billing-api@main"));
    // The organisation's non_fast_forward rule holds against a push-only user.
    assert!(!destroy("git push --force", "acme/web@main"));
    assert!(a
        .reach
        .iter()
        .any(|r| r.category == Category::Escalate && r.resource == "organization acme"));

    let stable_export = stable(export, &server.uri());
    insta::assert_json_snapshot!("classic_org_admin_assessment", assess(&stable_export));

    // The committed fixture export is what this collection gives.
    let file = GithubExport::new(vec![stable_export]);
    let text = serde_json::to_string_pretty(&file).unwrap() + "\n";
    if std::env::var_os("BLASTRADIUS_WRITE_FIXTURES").is_some() {
        std::fs::write(FIXTURE, &text).unwrap();
    }
    let committed = std::fs::read_to_string(FIXTURE).expect("fixture export present");
    let parsed = GithubExport::from_json(&committed).unwrap();
    assert_eq!(
        parsed, file,
        "fixtures/exports/github-classic-org-admin.json is stale"
    );
}

#[tokio::test]
async fn fine_grained_push_is_write_not_destroy_under_non_fast_forward() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(json_answer(user("octocat")).insert_header(
            "github-authentication-token-expiration",
            "2026-12-01 00:00:00 UTC",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/repos"))
        .respond_with(json_answer(json!([repo("acme/billing-api", true, "push")])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/memberships/orgs"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/rate_limit"))
        .respond_with(json_answer(rate_limit()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/repos/acme/billing-api/rules/branches/main"))
        .respond_with(json_answer(json!([
            rule("non_fast_forward", "Repository", "acme/billing-api", 7),
            rule("deletion", "Repository", "acme/billing-api", 7)
        ])))
        .mount(&server)
        .await;

    let export = run(&server.uri(), &fake_fine_grained()).await;
    assert_read_only(&server).await;
    assert_eq!(export.kind, TokenKind::FineGrained);
    assert_eq!(export.scopes, None);
    assert_eq!(export.expires_at.as_deref(), Some("2026-12-01T00:00:00Z"));
    assert!(
        export.probes.is_empty(),
        "no admin repository: nothing to probe"
    );

    let a = assess(&export);
    assert!(
        a.reach.iter().all(|r| r.category != Category::Destroy),
        "{:#?}",
        a.reach
    );
    let push = a
        .reach
        .iter()
        .find(|r| r.actions.iter().any(|x| x == "git push"))
        .expect("push");
    assert_eq!(push.category, Category::Write);
    assert_eq!(push.resource, "acme/billing-api@main");
    // No endpoint lists contents:write: it is inferred from the repository's
    // grant to the token, and conditional on the unread classic protection.
    assert_eq!(push.certainty, Certainty::Inferred);
    assert!(push.conditional);
    assert!(push.evidence.contains("assumed"), "{}", push.evidence);
    insta::assert_json_snapshot!(
        "fine_grained_assessment",
        stable_assessment(&export, &server.uri())
    );
}

fn stable_assessment(
    export: &blastradius_github::TokenExport,
    uri: &str,
) -> blastradius_report::Assessment {
    assess(&stable(export.clone(), uri))
}

#[tokio::test]
async fn fine_grained_admin_write_is_proven_by_a_get() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(json_answer(user("octocat")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/repos"))
        .respond_with(json_answer(json!([
            repo("acme/billing-api", true, "admin"),
            repo("acme/infra", true, "admin")
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/memberships/orgs"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/rate_limit"))
        .respond_with(json_answer(rate_limit()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(rules_path())
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/repos/acme/billing-api/automated-security-fixes"))
        .respond_with(
            json_answer(json!({"enabled": true, "paused": false}))
                .insert_header("x-accepted-github-permissions", "administration=write"),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/repos/acme/infra/automated-security-fixes"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("x-accepted-github-permissions", "administration=write")
                .set_body_json(
                    json!({"message": "Resource not accessible by personal access token",
                    "documentation_url": "https://docs.github.com/rest", "status": "403"}),
                ),
        )
        .mount(&server)
        .await;

    let export = run(&server.uri(), &fake_fine_grained()).await;
    assert_read_only(&server).await;
    let outcome = |t: &str| {
        export
            .probes
            .iter()
            .find(|p| p.target == t)
            .map(|p| p.outcome)
    };
    assert_eq!(outcome("acme/billing-api"), Some(ProbeOutcome::Granted));
    assert_eq!(outcome("acme/infra"), Some(ProbeOutcome::Denied));
    let a = assess(&export);
    let delete = |res: &str| {
        a.reach.iter().find(|r| {
            r.resource == res
                && r.actions
                    .iter()
                    .any(|x| x == "DELETE /repos/{owner}/{repo}")
        })
    };
    let d = delete("acme/billing-api").expect("proven delete");
    assert_eq!(d.certainty, Certainty::Proven);
    assert!(!d.conditional);
    assert!(
        delete("acme/infra").is_none(),
        "403 proves administration:write absent"
    );
}

#[tokio::test]
async fn installation_token_with_read_access() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    let mut r = repo("acme/billing-api", true, "pull");
    r["permissions"] =
        json!({"admin": false, "maintain": false, "push": false, "triage": false, "pull": true});
    Mock::given(method("GET"))
        .and(at("/installation/repositories"))
        .respond_with(json_answer(json!({
            "total_count": 1, "repository_selection": "selected", "repositories": [r]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/rate_limit"))
        .respond_with(json_answer(rate_limit()))
        .mount(&server)
        .await;
    // An installation token must not be sent to /user (403 "Resource not
    // accessible by integration"): the collector knows it by its prefix.
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(ResponseTemplate::new(403))
        .expect(0)
        .mount(&server)
        .await;

    let export = run(&server.uri(), &fake_installation()).await;
    assert_read_only(&server).await;
    assert_eq!(export.kind, TokenKind::Installation);
    assert_eq!(export.status, TokenStatus::Valid);
    assert_eq!(export.installation.as_ref().map(|i| i.total_count), Some(1));
    assert_eq!(export.requests, 2);
    let a = assess(&export);
    assert_eq!(a.kind, "github-app-installation-token");
    assert!(
        a.reach.iter().all(|r| r.category == Category::Read),
        "{:#?}",
        a.reach
    );
    assert_eq!(a.reach.len(), 1);
    insta::assert_json_snapshot!(
        "installation_read_assessment",
        stable_assessment(&export, &server.uri())
    );
}

#[tokio::test]
async fn revoked_token_is_invalid_after_one_request() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "message": "Bad credentials", "documentation_url": "https://docs.github.com/rest", "status": "401"
        })))
        .mount(&server)
        .await;
    let export = run(&server.uri(), &fake_classic('r')).await;
    assert_read_only(&server).await;
    assert_eq!(export.status, TokenStatus::Invalid);
    assert_eq!(export.requests, 1);
    let a = assess(&export);
    assert_eq!(a.status, Status::Invalid);
    assert!(a.reach.is_empty());
    insta::assert_json_snapshot!(
        "revoked_assessment",
        stable_assessment(&export, &server.uri())
    );
}

#[tokio::test]
async fn sso_403_is_a_finding_not_no_access() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(json_answer(user("octocat")).insert_header("x-oauth-scopes", "repo"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/repos"))
        .respond_with(
            json_answer(json!([repo("saml-corp/payments", true, "push")])).insert_header(
                "x-github-sso",
                "partial-results; organizations=21955855,20582480",
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/memberships/orgs"))
        .respond_with(json_answer(json!([membership("saml-corp", "member")])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/rate_limit"))
        .respond_with(json_answer(rate_limit()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(rules_path())
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header(
                    "x-github-sso",
                    "required; url=https://github.com/orgs/saml-corp/sso?authorization_request=AZSCKtL4U8yX1H3sCQIVnVgmjmon5fWxks5YrqhJgah0b2tlbl9pZM4EuMz4",
                )
                .set_body_json(json!({"message": "Resource protected by organization SAML enforcement. You must grant your Personal Access token access to this organization.",
                    "documentation_url": "https://docs.github.com/articles/authenticating-to-a-github-organization-with-saml-single-sign-on/"})),
        )
        .mount(&server)
        .await;
    let export = run(&server.uri(), &fake_classic('s')).await;
    assert_read_only(&server).await;
    assert_eq!(export.status, TokenStatus::Valid);
    assert_eq!(export.sso.len(), 2);
    assert!(
        export.errors.is_empty(),
        "SSO is not an error: {:?}",
        export.errors
    );
    let a = assess(&export);
    assert!(a.partial);
    assert!(a
        .findings
        .iter()
        .any(|f| f.id == "github.sso" && f.message.contains("403")));
    // Rules unread because of SSO: the force push stays, conditional.
    let force = a
        .reach
        .iter()
        .find(|r| r.actions.iter().any(|x| x == "git push --force"))
        .expect("force push kept as unknown");
    assert!(force.conditional);
    insta::assert_json_snapshot!("sso_assessment", stable_assessment(&export, &server.uri()));
}

#[tokio::test]
async fn enterprise_server_path_prefix() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    let base = format!("{}/api/v3", server.uri());
    Mock::given(method("GET"))
        .and(at("/api/v3/user"))
        .respond_with(json_answer(user("octocat")).insert_header("x-oauth-scopes", "repo"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/api/v3/user/repos"))
        .and(query_param("page", "2"))
        .respond_with(json_answer(json!([repo("eng/tools", true, "pull")])))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/api/v3/user/repos"))
        .respond_with(
            json_answer(json!([repo("eng/deploy", true, "push")])).insert_header(
                "link",
                format!("<{base}/user/repos?per_page=100&page=2>; rel=\"next\"").as_str(),
            ),
        )
        .with_priority(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/api/v3/user/memberships/orgs"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;
    // Enterprise Server with rate limiting off.
    Mock::given(method("GET"))
        .and(at("/api/v3/rate_limit"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"message": "Rate limiting is not enabled."})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/api/v3/repos/eng/deploy/rules/branches/main"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;

    let export = run(&base, &fake_classic('e')).await;
    let requests = assert_read_only(&server).await;
    assert!(requests
        .iter()
        .all(|r| r.url.path().starts_with("/api/v3/")));
    assert_eq!(export.api_url, base);
    assert_eq!(export.repos.len(), 2);
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    assert_eq!(export.rate_limit, None);
    let a = assess(&export);
    assert!(a
        .reach
        .iter()
        .any(|r| r.resource == "eng/deploy@main" && r.category == Category::Destroy));
}

#[tokio::test]
async fn a_thousand_repositories_within_eleven_hundred_requests() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(json_answer(user("octocat")).insert_header("x-oauth-scopes", "repo"))
        .mount(&server)
        .await;
    for page in 1..=10u32 {
        let repos: Vec<_> = (0..100)
            .map(|i| repo(&format!("big/r{:04}", (page - 1) * 100 + i), true, "push"))
            .collect();
        let mut answer = json_answer(json!(repos));
        if page < 10 {
            answer = answer.insert_header(
                "link",
                format!(
                    "<{}/user/repos?per_page=100&page={}>; rel=\"next\"",
                    server.uri(),
                    page + 1
                )
                .as_str(),
            );
        }
        let mut m = Mock::given(method("GET")).and(at("/user/repos"));
        if page > 1 {
            m = m.and(query_param("page", page.to_string().as_str()));
        }
        m.respond_with(answer)
            .with_priority(if page == 1 { 5 } else { 2 })
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(at("/user/memberships/orgs"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/rate_limit"))
        .respond_with(json_answer(rate_limit()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(rules_path())
        .and(header("x-github-api-version", "2022-11-28"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;

    let seen = std::sync::Mutex::new(0usize);
    let progress = |_: &str| *seen.lock().unwrap() += 1;
    let config = blastradius_github::live::CollectConfig {
        api_url: server.uri(),
        ..Default::default()
    };
    let export = blastradius_github::live::collect(
        &config,
        &fake_classic('b'),
        "env GITHUB_TOKEN",
        &progress,
    )
    .await;
    let requests = assert_read_only(&server).await;
    assert_eq!(export.repos.len(), 1000);
    assert!(export.repos.iter().all(|r| r.branch_rules.is_some()));
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    assert!(requests.len() <= 1100, "{} requests", requests.len());
    assert_eq!(requests.len() as u32, export.requests);
    assert!(*seen.lock().unwrap() >= 10, "progress is reported");
}

#[tokio::test]
async fn the_budget_stops_collection_and_says_so() {
    let server = classic_org_admin_server().await;
    let config = blastradius_github::live::CollectConfig {
        api_url: server.uri(),
        max_requests: 5,
        ..Default::default()
    };
    let export = blastradius_github::live::collect(&config, &fake_classic('k'), "x", &|_| {}).await;
    let requests = assert_read_only(&server).await;
    assert_eq!(requests.len(), 5);
    assert_eq!(export.requests, 5);
    assert!(
        export.errors.iter().any(|e| e.message.contains("not read")),
        "{:?}",
        export.errors
    );
    assert!(assess(&export).partial);
}

#[tokio::test]
async fn the_client_refuses_writes_before_sending() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    let client = ReadOnlyClient::new(
        &server.uri(),
        &Secret::new("ghp_notarealtoken000000000000000000000000"),
        10,
        std::time::Duration::from_secs(5),
        "blastradius-test",
    )
    .unwrap();
    for m in ["POST", "PUT", "PATCH", "DELETE"] {
        let m = reqwest::Method::from_bytes(m.as_bytes()).unwrap();
        let err = client.send(m, "/repos/acme/api").await.unwrap_err();
        assert!(matches!(err, HttpError::MethodRefused(_)));
    }
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(client.sent(), 0);
}

#[tokio::test]
async fn refresh_tokens_are_never_sent() {
    let server = MockServer::start().await;
    let export = run(
        &server.uri(),
        &Secret::new(format!("ghr_{}", "x".repeat(76))),
    )
    .await;
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(export.requests, 0);
    let a = assess(&export);
    assert_eq!(a.status, Status::Unknown);
    assert!(a.findings.iter().any(|f| f.id == "github.refresh-token"));
}

#[tokio::test]
async fn app_user_token_reads_installations_capped_by_role() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(json_answer(user("octocat")))
        .mount(&server)
        .await;
    // /user/repos is not how a ghu_ token's reach is read.
    Mock::given(method("GET"))
        .and(at("/user/repos"))
        .respond_with(json_answer(json!([])))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/installations"))
        .respond_with(json_answer(json!({
            "total_count": 2,
            "installations": [
                app_installation(11, "acme", json!({"contents": "write", "administration": "write", "metadata": "read"})),
                app_installation(12, "octocat", json!({"contents": "read", "metadata": "read"}))
            ]
        })))
        .mount(&server)
        .await;
    let next = format!(
        "<{}/user/installations/11/repositories?per_page=100&page=2>; rel=\"next\"",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(at("/user/installations/11/repositories"))
        .and(query_param("page", "2"))
        .respond_with(json_answer(json!({
            "total_count": 2, "repositories": [repo("acme/web", true, "push")]
        })))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/installations/11/repositories"))
        .respond_with(
            json_answer(json!({
                "total_count": 2, "repositories": [repo("acme/billing-api", true, "admin")]
            }))
            .insert_header("link", next.as_str()),
        )
        .with_priority(3)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/installations/12/repositories"))
        .respond_with(json_answer(json!({
            "total_count": 1, "repositories": [repo("octocat/notes", true, "admin")]
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/memberships/orgs"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/rate_limit"))
        .respond_with(json_answer(rate_limit()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(rules_path())
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;

    let export = run(&server.uri(), &fake_app_user('u')).await;
    assert_read_only(&server).await;
    assert_eq!(export.kind, TokenKind::AppUser);
    assert_eq!(export.status, TokenStatus::Valid);
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    assert_eq!(export.app_installations.len(), 2);
    assert_eq!(export.app_installations[0].total_count, 2);
    let names: Vec<_> = export.repos.iter().map(|r| r.full_name.as_str()).collect();
    assert_eq!(names, ["acme/billing-api", "acme/web", "octocat/notes"]);
    assert_eq!(export.repos[1].installation_id, Some(11));
    assert_eq!(export.repos[2].installation_id, Some(12));

    let a = assess(&export);
    let has = |action: &str, resource: &str| {
        a.reach
            .iter()
            .any(|r| r.actions.iter().any(|x| x == action) && r.resource.starts_with(resource))
    };
    // administration=write and an admin user: the repository can go.
    assert!(has("DELETE /repos/{owner}/{repo}", "acme/billing-api"));
    // The same installation, but the user only pushes to acme/web.
    assert!(!has("DELETE /repos/{owner}/{repo}", "acme/web"));
    assert!(has("git push", "acme/web"));
    // An admin user, but the installation on octocat reads only.
    assert!(!has("git push", "octocat/notes"));
    assert!(!has("DELETE /repos/{owner}/{repo}", "octocat/notes"));
    assert!(
        has("git clone", "octocat/notes")
            || a.reach.iter().any(|r| r.resource.contains("octocat/notes"))
    );
}

#[tokio::test]
async fn classic_protection_and_ruleset_bypass_are_read() {
    let server = MockServer::start().await;
    forbid_writes(&server).await;
    Mock::given(method("GET"))
        .and(at("/user"))
        .respond_with(json_answer(user("octocat")).insert_header("x-oauth-scopes", "repo"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/repos"))
        .respond_with(json_answer(json!([
            repo("acme/api", true, "admin"),
            repo("acme/web", true, "push"),
            repo("acme/docs", true, "push"),
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/user/memberships/orgs"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/rate_limit"))
        .respond_with(json_answer(rate_limit()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/repos/acme/api/branches/main/protection"))
        .respond_with(json_answer(protection(false, true, true)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/repos/acme/api/rules/branches/main"))
        .respond_with(json_answer(json!([])))
        .mount(&server)
        .await;
    // acme/web: an organisation rule this user may always bypass.
    Mock::given(method("GET"))
        .and(at("/repos/acme/web/rules/branches/main"))
        .respond_with(json_answer(json!([rule(
            "non_fast_forward",
            "Organization",
            "acme",
            5
        )])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/repos/acme/web/rulesets"))
        .respond_with(json_answer(json!([ruleset(5, "Organization", "always")])))
        .mount(&server)
        .await;
    // acme/docs: the same rule, bypass through pull requests only.
    Mock::given(method("GET"))
        .and(at("/repos/acme/docs/rules/branches/main"))
        .respond_with(json_answer(json!([rule(
            "non_fast_forward",
            "Organization",
            "acme",
            6
        )])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(at("/repos/acme/docs/rulesets"))
        .respond_with(json_answer(json!([ruleset(
            6,
            "Organization",
            "pull_requests_only"
        )])))
        .mount(&server)
        .await;

    let export = run(&server.uri(), &fake_classic('p')).await;
    let requests = assert_read_only(&server).await;
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    // Protection is read only where the user administers the repository.
    let protection_reads: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/protection"))
        .map(|r| r.url.path().to_string())
        .collect();
    assert_eq!(
        protection_reads,
        ["/repos/acme/api/branches/main/protection"]
    );
    let api = &export.repos[0];
    let p = api.branch_protection.as_ref().expect("protection read");
    assert!(
        p.protected && !p.allow_force_pushes && p.enforce_admins && p.required_pull_request_reviews
    );

    let a = assess(&export);
    let force = |res: &str| {
        a.reach
            .iter()
            .find(|r| r.resource == res && r.actions.iter().any(|x| x == "git push --force"))
    };
    let api_force = force("acme/api@main").expect("the admin removes the protection first");
    assert_eq!(
        api_force.via,
        ["DELETE /repos/acme/api/branches/main/protection"]
    );
    let web_force = force("acme/web@main").expect("a bypassable rule does not protect");
    assert!(
        web_force
            .evidence
            .contains("current_user_can_bypass = always"),
        "{}",
        web_force.evidence
    );
    assert!(
        force("acme/docs@main").is_none(),
        "pull_requests_only does not bypass a push"
    );
}
