//! A mock GitHub REST API with the real answer shapes and headers, and
//! fake tokens (built here; none was ever issued).
#![allow(dead_code)]

use blastradius_github::live::{collect, CollectConfig};
use blastradius_github::TokenExport;
use blastradius_report::Secret;
use serde_json::{json, Value};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

/// 2026-11-21T00:00:00Z: the clock of assessments in tests.
pub const CLOCK: i64 = 1_795_219_200;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A classic token with a valid checksum: prefix + 30 characters + the
/// CRC32 of those 30 in 6 base62 digits.
pub fn fake_classic(seed: char) -> Secret {
    let random: String = std::iter::repeat_n(seed, 30).collect();
    let mut crc = crc32fast::hash(random.as_bytes()) as u64;
    let mut digits = [b'0'; 6];
    for d in digits.iter_mut().rev() {
        *d = BASE62[(crc % 62) as usize];
        crc /= 62;
    }
    Secret::new(format!("ghp_{random}{}", String::from_utf8_lossy(&digits)))
}

pub fn fake_fine_grained() -> Secret {
    Secret::new(format!("github_pat_{}_{}", "1".repeat(22), "F".repeat(59)))
}

/// The long dotted installation form (2026).
pub fn fake_installation() -> Secret {
    Secret::new(format!(
        "ghs_{}.{}.{}",
        "a".repeat(200),
        "b".repeat(250),
        "c".repeat(86)
    ))
}

pub fn json_answer(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200)
        .insert_header("content-type", "application/json; charset=utf-8")
        .insert_header("x-github-api-version-selected", "2022-11-28")
        .insert_header("x-ratelimit-limit", "5000")
        .insert_header("x-ratelimit-remaining", "4990")
        .set_body_json(body)
}

pub fn user(login: &str) -> Value {
    json!({
        "login": login, "id": 583231, "node_id": "MDQ6VXNlcjU4MzIzMQ==",
        "type": "User", "site_admin": false, "name": "Octo Cat",
        "url": format!("https://api.github.com/users/{login}")
    })
}

pub fn repo(full_name: &str, private: bool, role: &str) -> Value {
    let rank = ["pull", "triage", "push", "maintain", "admin"]
        .iter()
        .position(|r| *r == role)
        .unwrap();
    let (owner, name) = full_name.split_once('/').unwrap();
    json!({
        "id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": name, "full_name": full_name,
        "owner": { "login": owner, "id": 1, "type": "Organization" },
        "private": private, "visibility": if private { "private" } else { "public" },
        "fork": false, "archived": false, "disabled": false,
        "default_branch": "main",
        "permissions": {
            "admin": rank >= 4, "maintain": rank >= 3, "push": rank >= 2,
            "triage": rank >= 1, "pull": true
        }
    })
}

pub fn rule(kind: &str, source_type: &str, source: &str, id: u64) -> Value {
    json!({ "type": kind, "ruleset_source_type": source_type,
            "ruleset_source": source, "ruleset_id": id })
}

pub fn membership(org: &str, role: &str) -> Value {
    json!({
        "url": format!("https://api.github.com/orgs/{org}/memberships/octocat"),
        "state": "active", "role": role,
        "organization_url": format!("https://api.github.com/orgs/{org}"),
        "organization": { "login": org, "id": 1, "node_id": "MDEyOk9yZ2FuaXphdGlvbjE=" },
        "user": { "login": "octocat", "id": 583231 }
    })
}

pub fn rate_limit() -> Value {
    json!({
        "resources": { "core": { "limit": 5000, "used": 10, "remaining": 4990, "reset": 1767225600 } },
        "rate": { "limit": 5000, "used": 10, "remaining": 4990, "reset": 1767225600 }
    })
}

/// Mounts a mock that fails the test if any request other than GET/HEAD
/// reaches the server (checked when the server is dropped).
pub async fn forbid_writes(server: &MockServer) {
    for m in ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"] {
        Mock::given(method(m))
            .respond_with(ResponseTemplate::new(500))
            .expect(0)
            .with_priority(1)
            .named(format!("no {m} may reach GitHub"))
            .mount(server)
            .await;
    }
}

/// Every recorded request was GET or HEAD and carried the headers GitHub
/// asks for.
pub async fn assert_read_only(server: &MockServer) -> Vec<Request> {
    let requests = server.received_requests().await.unwrap_or_default();
    for r in &requests {
        assert!(
            r.method.as_str() == "GET" || r.method.as_str() == "HEAD",
            "{} {} reached the server",
            r.method,
            r.url
        );
        let h = |n: &str| {
            r.headers
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        assert_eq!(h("accept").as_deref(), Some("application/vnd.github+json"));
        assert_eq!(h("x-github-api-version").as_deref(), Some("2022-11-28"));
        assert!(h("user-agent").is_some_and(|u| u.starts_with("blastradius")));
        assert!(h("authorization").is_some_and(|a| a.starts_with("Bearer ")));
    }
    requests
}

pub async fn run(server_url: &str, token: &Secret) -> TokenExport {
    let config = CollectConfig {
        api_url: server_url.to_string(),
        ..CollectConfig::default()
    };
    let progress = |_: &str| {};
    collect(&config, token, "env GITHUB_TOKEN", &progress).await
}

/// Makes an export independent of the mock server's random port.
pub fn stable(mut export: TokenExport, server_url: &str) -> TokenExport {
    let fix = |s: &mut String| *s = s.replace(server_url, "https://api.github.com");
    fix(&mut export.api_url);
    for p in &mut export.sso {
        fix(&mut p.request);
    }
    for e in &mut export.errors {
        fix(&mut e.request);
    }
    export
}

pub fn rules_path() -> wiremock::matchers::PathRegexMatcher {
    path_regex(r"^/repos/[^/]+/[^/]+/rules/branches/.+$")
}

pub fn at(p: &str) -> wiremock::matchers::PathExactMatcher {
    path(p)
}

/// A `ghu_` (App user-to-server) token with a valid checksum.
pub fn fake_app_user(seed: char) -> Secret {
    let classic = fake_classic(seed);
    Secret::new(format!("ghu_{}", &classic.expose()[4..]))
}

pub fn app_installation(id: u64, account: &str, permissions: Value) -> Value {
    json!({
        "id": id, "account": { "login": account, "id": 1, "type": "Organization" },
        "app_id": 1234, "app_slug": "deploy-bot", "target_type": "Organization",
        "repository_selection": "selected", "permissions": permissions,
        "events": ["push"], "created_at": "2026-01-01T00:00:00Z"
    })
}

/// A GitHub ruleset as `GET /repos/{o}/{r}/rulesets` lists it.
pub fn ruleset(id: u64, source_type: &str, bypass: &str) -> Value {
    json!({ "id": id, "name": format!("ruleset {id}"), "target": "branch",
            "source_type": source_type, "source": "acme", "enforcement": "active",
            "node_id": "RRS_lACqUmVwb3NpdG9yec5", "current_user_can_bypass": bypass })
}

/// Classic protection of a branch, as `GET .../protection` answers it.
pub fn protection(force: bool, enforce_admins: bool, reviews: bool) -> Value {
    let mut v = json!({
        "url": "https://api.github.com/repos/acme/api/branches/main/protection",
        "allow_force_pushes": { "enabled": force },
        "allow_deletions": { "enabled": false },
        "enforce_admins": { "url": "x", "enabled": enforce_admins },
        "required_linear_history": { "enabled": false }
    });
    if reviews {
        v["required_pull_request_reviews"] =
            json!({ "dismiss_stale_reviews": true, "required_approving_review_count": 1 });
    }
    v
}
