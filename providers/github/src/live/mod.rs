//! Live, read-only collection from GitHub's REST API.
//!
//! Every request goes through [`client::ReadOnlyClient`], which sends GET and
//! HEAD only and stops at a request budget. Collection never fails as a
//! whole: what goes wrong lands in [`TokenExport::errors`] and the export
//! is partial.

pub mod client;

use std::sync::Arc;
use std::time::Duration;

use blastradius_report::Secret;
use serde::Deserialize;
use serde_json::Value;

use crate::assess::table::{table, write_probes};
use crate::export::{
    AppInstallation, BranchProtection, BranchRule, CollectError, Installation, OrgMembership,
    Probe, ProbeOutcome, RateLimit, Repo, Ruleset, SsoNotice, TokenExport, TokenStatus, User,
};
use crate::kind::TokenKind;
use client::{Answer, HttpError, ReadOnlyClient};

pub const DEFAULT_API_URL: &str = "https://api.github.com";

#[derive(Debug, Clone)]
pub struct CollectConfig {
    /// `https://api.github.com` or an Enterprise Server `https://HOST/api/v3`.
    pub api_url: String,
    /// Hard cap on requests per token. The default covers a user with 1,000
    /// repositories: 10 pages + 1,000 branch-rule reads + a few more.
    pub max_requests: u32,
    /// Requests in flight at once for the per-repository reads.
    pub concurrency: usize,
    pub timeout: Duration,
    pub user_agent: String,
}

impl Default for CollectConfig {
    fn default() -> Self {
        CollectConfig {
            api_url: DEFAULT_API_URL.to_string(),
            max_requests: 1100,
            concurrency: 8,
            timeout: Duration::from_secs(30),
            user_agent: concat!("blastradius/", env!("CARGO_PKG_VERSION")).to_string(),
        }
    }
}

/// Collects what `token` can reach. Never panics and never fails: errors go
/// into the export's `errors`.
pub async fn collect(
    config: &CollectConfig,
    token: &Secret,
    source: &str,
    progress: &(dyn Fn(&str) + Sync),
) -> TokenExport {
    let kind = TokenKind::of(token.expose());
    let api_url = config.api_url.trim_end_matches('/').to_string();
    let mut export = TokenExport::empty(
        token.fingerprint(),
        token.redacted(),
        source.to_string(),
        api_url.clone(),
        kind,
    );
    if kind == TokenKind::Refresh {
        // Not accepted by the API on its own; sending it proves nothing.
        progress("refresh token: not sent");
        return export;
    }
    let client = match ReadOnlyClient::new(
        &api_url,
        token,
        config.max_requests,
        config.timeout,
        &config.user_agent,
    ) {
        Ok(c) => Arc::new(c),
        Err(e) => {
            export.status = TokenStatus::Error;
            export.errors.push(CollectError {
                request: "client".into(),
                status: None,
                message: e.to_string(),
            });
            return export;
        }
    };
    let mut c = Collector {
        client: client.clone(),
        export,
        progress,
        concurrency: config.concurrency.max(1),
    };
    c.run().await;
    let mut export = c.export;
    export.requests = client.sent();
    export
}

struct Collector<'a> {
    client: Arc<ReadOnlyClient>,
    export: TokenExport,
    progress: &'a (dyn Fn(&str) + Sync),
    concurrency: usize,
}

/// How an answer reads, after SSO and auth are taken out.
enum Read {
    Ok(Answer),
    /// 401: the token is not valid.
    Unauthorized,
    /// 403 with `X-GitHub-SSO: required`.
    Sso,
    /// Any other status (kept for the caller to judge) or a transport error
    /// (already recorded).
    Status(Answer),
    Failed,
}

impl Collector<'_> {
    async fn run(&mut self) {
        let kind = self.export.kind;
        if kind.acts_as_user() {
            self.user().await;
        } else {
            self.installation_repos().await;
        }
        if self.export.status != TokenStatus::Valid {
            return;
        }
        if kind == TokenKind::AppUser {
            self.user_installations().await;
            self.orgs().await;
        } else if kind.acts_as_user() {
            self.user_repos().await;
            self.orgs().await;
        }
        self.rate_limit().await;
        self.branch_rules().await;
        self.branch_protection().await;
        self.rulesets().await;
        // A `ghu_` token's permissions are listed by its installations;
        // probes would only repeat them.
        if kind.has_permissions() && kind != TokenKind::AppUser {
            self.probes().await;
        }
    }

    fn error(&mut self, request: &str, status: Option<u16>, message: impl Into<String>) {
        self.export.errors.push(CollectError {
            request: request.to_string(),
            status,
            message: message.into(),
        });
    }

    /// Sends one GET and sorts its answer; records SSO notices and errors.
    async fn get(&mut self, path: &str) -> Read {
        let request = format!("GET {}", strip_base(self.client.base(), path));
        (self.progress)(&request);
        match self.client.get(path).await {
            Ok(answer) => self.classify(&request, answer),
            Err(e) => {
                self.error(&request, None, e.to_string());
                Read::Failed
            }
        }
    }

    fn classify(&mut self, request: &str, answer: Answer) -> Read {
        let sso = answer.header("x-github-sso").map(str::to_string);
        if let Some(sso) = &sso {
            let (kind, detail) = sso.split_once(';').unwrap_or((sso.as_str(), ""));
            self.export.sso.push(SsoNotice {
                request: request.to_string(),
                kind: kind.trim().to_string(),
                detail: detail.trim().to_string(),
            });
        }
        match answer.status {
            200..=299 => Read::Ok(answer),
            401 => Read::Unauthorized,
            403 if sso.is_some() => Read::Sso,
            _ => Read::Status(answer),
        }
    }

    fn bad_answer(&mut self, request: &str, answer: &Answer) {
        let message = serde_json::from_str::<Value>(&answer.body)
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| "unexpected answer".to_string());
        self.error(request, Some(answer.status), message);
    }

    async fn user(&mut self) {
        let answer = match self.get("/user").await {
            Read::Ok(a) => a,
            Read::Unauthorized => {
                self.export.status = TokenStatus::Invalid;
                return;
            }
            Read::Sso => {
                // The token works; only SAML authorisation is missing.
                self.export.status = TokenStatus::Valid;
                return;
            }
            Read::Status(a) => {
                self.export.status = TokenStatus::Error;
                self.bad_answer("GET /user", &a);
                return;
            }
            Read::Failed => {
                self.export.status = TokenStatus::Error;
                return;
            }
        };
        self.export.status = TokenStatus::Valid;
        self.export.scopes = answer.header("x-oauth-scopes").map(parse_scopes);
        self.export.expires_at = answer
            .header("github-authentication-token-expiration")
            .map(to_rfc3339);
        match serde_json::from_str::<User>(&answer.body) {
            Ok(u) => self.export.user = Some(u),
            Err(e) => self.error(
                "GET /user",
                Some(answer.status),
                format!("unreadable user: {e}"),
            ),
        }
    }

    /// Follows `Link: rel="next"` from `first`; the items are the array
    /// itself or, with `key`, the array under it. Returns the items and the
    /// first page's object (for `total_count`), `None` when the first page
    /// failed (401 sets the status).
    async fn pages(&mut self, first: &str, key: Option<&str>) -> Option<(Vec<Value>, Value)> {
        let mut next = Some(first.to_string());
        let mut items = Vec::new();
        let mut head: Option<Value> = None;
        let label = format!("GET {}", first.split('?').next().unwrap_or(first));
        while let Some(url) = next.take() {
            let answer = match self.get(&url).await {
                Read::Ok(a) => a,
                Read::Unauthorized => {
                    if head.is_none() {
                        self.export.status = TokenStatus::Invalid;
                    }
                    break;
                }
                Read::Status(a) => {
                    self.bad_answer(&label, &a);
                    break;
                }
                Read::Sso | Read::Failed => break,
            };
            let body: Value = match serde_json::from_str(&answer.body) {
                Ok(v) => v,
                Err(e) => {
                    self.error(&label, Some(answer.status), format!("not JSON: {e}"));
                    break;
                }
            };
            let page = match key {
                Some(k) => body.get(k).cloned(),
                None => Some(body.clone()),
            };
            match page {
                Some(Value::Array(a)) => items.extend(a),
                _ => {
                    self.error(&label, Some(answer.status), "no list in the answer");
                    break;
                }
            }
            next = answer.header("link").and_then(next_link);
            if head.is_none() {
                head = Some(body);
            }
        }
        head.map(|h| (items, h))
    }

    fn add_repos(&mut self, items: Vec<Value>, label: &str) {
        for item in items {
            match serde_json::from_value::<Repo>(item) {
                Ok(r) => self.export.repos.push(r),
                Err(e) => self.error(label, None, format!("unreadable repository: {e}")),
            }
        }
    }

    async fn user_repos(&mut self) {
        if let Some((items, _)) = self.pages("/user/repos?per_page=100", None).await {
            self.add_repos(items, "GET /user/repos");
        }
    }

    async fn installation_repos(&mut self) {
        let Some((items, head)) = self
            .pages(
                "/installation/repositories?per_page=100",
                Some("repositories"),
            )
            .await
        else {
            // 401 already set `Invalid`; anything else says nothing of it.
            if self.export.status != TokenStatus::Invalid {
                self.export.status = TokenStatus::Error;
            }
            return;
        };
        self.export.status = TokenStatus::Valid;
        self.export.installation = Some(Installation {
            total_count: head.get("total_count").and_then(Value::as_u64).unwrap_or(0),
            repository_selection: head
                .get("repository_selection")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
        self.add_repos(items, "GET /installation/repositories");
    }

    /// `ghu_` tokens: the app's installations the user can reach, then the
    /// repositories of each (both paginated). A repository's `permissions`
    /// there are the user's role; the installation's `permissions` are the
    /// app's grant; the token holds the smaller of the two.
    async fn user_installations(&mut self) {
        #[derive(Deserialize)]
        struct RawInstallation {
            id: u64,
            #[serde(default)]
            account: Option<RawAccount>,
            #[serde(default)]
            app_slug: Option<String>,
            #[serde(default)]
            repository_selection: Option<String>,
            #[serde(default)]
            permissions: std::collections::BTreeMap<String, Value>,
        }
        #[derive(Deserialize)]
        struct RawAccount {
            login: String,
        }
        let Some((items, _)) = self
            .pages("/user/installations?per_page=100", Some("installations"))
            .await
        else {
            return;
        };
        for item in items {
            let raw = match serde_json::from_value::<RawInstallation>(item) {
                Ok(r) => r,
                Err(e) => {
                    self.error(
                        "GET /user/installations",
                        None,
                        format!("unreadable installation: {e}"),
                    );
                    continue;
                }
            };
            let permissions = raw
                .permissions
                .into_iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k, v.to_string())))
                .collect();
            self.export.app_installations.push(AppInstallation {
                id: raw.id,
                account: raw.account.map(|a| a.login).unwrap_or_default(),
                app_slug: raw.app_slug,
                repository_selection: raw.repository_selection,
                permissions,
                total_count: 0,
            });
        }
        let ids: Vec<u64> = self.export.app_installations.iter().map(|i| i.id).collect();
        for id in ids {
            let first = format!("/user/installations/{id}/repositories?per_page=100");
            let label = format!("GET /user/installations/{id}/repositories");
            let Some((items, head)) = self.pages(&first, Some("repositories")).await else {
                continue;
            };
            let total = head.get("total_count").and_then(Value::as_u64);
            let before = self.export.repos.len();
            self.add_repos(items, &label);
            let added = (self.export.repos.len() - before) as u64;
            for repo in &mut self.export.repos[before..] {
                repo.installation_id = Some(id);
            }
            if let Some(i) = self
                .export
                .app_installations
                .iter_mut()
                .find(|i| i.id == id)
            {
                i.total_count = total.unwrap_or(added);
            }
        }
        // One repository under two installations of the same app cannot
        // happen on GitHub; keep the first if an answer says otherwise.
        let mut seen = std::collections::BTreeSet::new();
        self.export
            .repos
            .retain(|r| seen.insert(r.full_name.clone()));
    }

    async fn orgs(&mut self) {
        #[derive(Deserialize)]
        struct RawMembership {
            state: String,
            role: String,
            organization: RawOrg,
        }
        #[derive(Deserialize)]
        struct RawOrg {
            login: String,
        }
        let Some((items, _)) = self
            .pages("/user/memberships/orgs?per_page=100", None)
            .await
        else {
            return;
        };
        for item in items {
            match serde_json::from_value::<RawMembership>(item) {
                Ok(m) => self.export.orgs.push(OrgMembership {
                    login: m.organization.login,
                    role: m.role,
                    state: m.state,
                }),
                Err(e) => self.error(
                    "GET /user/memberships/orgs",
                    None,
                    format!("unreadable membership: {e}"),
                ),
            }
        }
    }

    async fn rate_limit(&mut self) {
        match self.get("/rate_limit").await {
            Read::Ok(a) => {
                let core = serde_json::from_str::<Value>(&a.body)
                    .ok()
                    .and_then(|v| v.pointer("/resources/core").cloned())
                    .and_then(|c| serde_json::from_value::<RateLimit>(c).ok());
                self.export.rate_limit = core;
            }
            // Enterprise Server with rate limiting off: nothing to report.
            Read::Status(a) if a.status == 404 => {}
            Read::Status(a) => self.bad_answer("GET /rate_limit", &a),
            Read::Unauthorized | Read::Sso | Read::Failed => {}
        }
    }

    /// Rules of the default branch of every repository the token may push
    /// to (only there do they change the verdict), a few at a time.
    async fn branch_rules(&mut self) {
        let wanted: Vec<(usize, String)> = self
            .export
            .repos
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.permissions
                    .is_none_or(|p| p.push || p.maintain || p.admin)
            })
            .filter_map(|(i, r)| {
                let branch = r.default_branch.as_deref()?;
                Some((
                    i,
                    format!(
                        "/repos/{}/rules/branches/{}",
                        r.full_name,
                        encode_path(branch)
                    ),
                ))
            })
            .collect();
        let total = wanted.len();
        let results = self.fan_out(wanted, "branch rules").await;
        let mut skipped = 0;
        for (i, path, result) in results {
            let request = format!("GET {path}");
            let answer = match result {
                Ok(a) => a,
                Err(HttpError::BudgetSpent(_)) | Err(HttpError::RateLimited) => {
                    skipped += 1;
                    continue;
                }
                Err(e) => {
                    self.error(&request, None, e.to_string());
                    continue;
                }
            };
            match self.classify(&request, answer) {
                Read::Ok(a) => match serde_json::from_str::<Vec<BranchRule>>(&a.body) {
                    Ok(rules) => {
                        if let Some(repo) = self.export.repos.get_mut(i) {
                            repo.branch_rules = Some(rules);
                        }
                    }
                    Err(e) => {
                        self.error(&request, Some(a.status), format!("unreadable rules: {e}"))
                    }
                },
                Read::Status(a) => self.bad_answer(&request, &a),
                Read::Unauthorized => self.error(&request, Some(401), "Bad credentials"),
                Read::Sso | Read::Failed => {}
            }
        }
        if skipped > 0 {
            self.error(
                "GET /repos/{owner}/{repo}/rules/branches/{branch}",
                None,
                format!(
                    "request budget or rate limit spent: rules of {skipped} of {total} default branches not read"
                ),
            );
        }
    }

    /// Classic branch protection of the default branch, where the user is
    /// an admin (the endpoint answers admins only). 404 is `Branch not
    /// protected`; 403 (a token without administration read) leaves it unread.
    async fn branch_protection(&mut self) {
        let wanted: Vec<(usize, String)> = self
            .export
            .repos
            .iter()
            .enumerate()
            .filter(|(_, r)| r.permissions.is_some_and(|p| p.admin) && !r.archived)
            .filter_map(|(i, r)| {
                let branch = r.default_branch.as_deref()?;
                Some((
                    i,
                    format!(
                        "/repos/{}/branches/{}/protection",
                        r.full_name,
                        encode_path(branch)
                    ),
                ))
            })
            .collect();
        let total = wanted.len();
        let mut skipped = 0;
        for (i, path, result) in self.fan_out(wanted, "branch protection").await {
            let request = format!("GET {path}");
            let answer = match result {
                Ok(a) => a,
                Err(HttpError::BudgetSpent(_)) | Err(HttpError::RateLimited) => {
                    skipped += 1;
                    continue;
                }
                Err(e) => {
                    self.error(&request, None, e.to_string());
                    continue;
                }
            };
            let protection = match self.classify(&request, answer) {
                Read::Ok(a) => match serde_json::from_str::<Value>(&a.body) {
                    Ok(v) => Some(read_protection(&v)),
                    Err(e) => {
                        self.error(&request, Some(a.status), format!("not JSON: {e}"));
                        None
                    }
                },
                Read::Status(a) if a.status == 404 => Some(BranchProtection {
                    protected: false,
                    allow_force_pushes: true,
                    allow_deletions: true,
                    enforce_admins: false,
                    required_pull_request_reviews: false,
                    restrictions: false,
                }),
                Read::Status(a) if a.status == 403 => None,
                Read::Status(a) => {
                    self.bad_answer(&request, &a);
                    None
                }
                Read::Unauthorized => {
                    self.error(&request, Some(401), "Bad credentials");
                    None
                }
                Read::Sso | Read::Failed => None,
            };
            if let Some(repo) = self.export.repos.get_mut(i) {
                repo.branch_protection = protection;
            }
        }
        if skipped > 0 {
            self.error(
                "GET /repos/{owner}/{repo}/branches/{branch}/protection",
                None,
                format!(
                    "request budget or rate limit spent: protection of {skipped} of {total} default branches not read"
                ),
            );
        }
    }

    /// Rulesets of repositories where an active rule stands in the way of a
    /// push, for `current_user_can_bypass`: a rule the user may bypass does
    /// not protect against this token. Unreadable (403/404): left unread.
    async fn rulesets(&mut self) {
        const BLOCKING: [&str; 3] = ["non_fast_forward", "update", "pull_request"];
        let wanted: Vec<(usize, String)> = self
            .export
            .repos
            .iter()
            .enumerate()
            .filter(|(_, r)| {
                r.branch_rules.as_ref().is_some_and(|rules| {
                    rules
                        .iter()
                        .any(|x| BLOCKING.contains(&x.rule_type.as_str()))
                })
            })
            .map(|(i, r)| (i, format!("/repos/{}/rulesets?per_page=100", r.full_name)))
            .collect();
        for (i, path, result) in self.fan_out(wanted, "rulesets").await {
            let request = format!("GET {}", path.split('?').next().unwrap_or(&path));
            let answer = match result {
                Ok(a) => a,
                // Without them a rule simply counts as binding.
                Err(HttpError::BudgetSpent(_)) | Err(HttpError::RateLimited) => continue,
                Err(e) => {
                    self.error(&request, None, e.to_string());
                    continue;
                }
            };
            if let Read::Ok(a) = self.classify(&request, answer) {
                match serde_json::from_str::<Vec<Value>>(&a.body) {
                    Ok(items) => {
                        let sets = items
                            .into_iter()
                            .filter_map(|v| serde_json::from_value::<Ruleset>(v).ok())
                            .collect();
                        if let Some(repo) = self.export.repos.get_mut(i) {
                            repo.rulesets = Some(sets);
                        }
                    }
                    Err(e) => self.error(
                        &request,
                        Some(a.status),
                        format!("unreadable rulesets: {e}"),
                    ),
                }
            }
        }
    }

    /// GETs that prove a write permission (fine-grained and App tokens),
    /// only where the user's role would let the permission matter (admin).
    async fn probes(&mut self) {
        let family = if self.export.kind == TokenKind::FineGrained {
            "pat"
        } else {
            "app"
        };
        let t = table();
        let used = |perm: &str| {
            t.repo
                .iter()
                .chain(&t.org)
                .any(|e| e.permissions.iter().flatten().any(|p| p == perm))
        };
        let mut wanted = Vec::new();
        let mut meta = Vec::new();
        for probe in write_probes()
            .iter()
            .filter(|p| p.family == family && used(&p.permission))
        {
            let targets: Vec<String> = match probe.target.as_str() {
                "repo" => self
                    .export
                    .repos
                    .iter()
                    .filter(|r| r.permissions.is_none_or(|p| p.admin))
                    .map(|r| r.full_name.clone())
                    .collect(),
                _ => self
                    .export
                    .orgs
                    .iter()
                    .filter(|o| o.role == "admin" && o.state == "active")
                    .map(|o| o.login.clone())
                    .collect(),
            };
            for target in targets {
                let path = match target.split_once('/') {
                    Some((o, r)) => probe.path.replace("{owner}", o).replace("{repo}", r),
                    None => probe.path.replace("{org}", &target),
                };
                meta.push((target, probe.permission.clone()));
                wanted.push((meta.len() - 1, path));
            }
        }
        let mut skipped = 0;
        for (i, path, result) in self.fan_out(wanted, "permission probes").await {
            let Some((target, permission)) = meta.get(i).cloned() else {
                continue;
            };
            let outcome;
            let mut accepted = None;
            match result {
                Ok(a) => {
                    accepted = a
                        .header("x-accepted-github-permissions")
                        .map(str::to_string);
                    outcome = match self.classify(&format!("GET {path}"), a) {
                        Read::Ok(_) => ProbeOutcome::Granted,
                        Read::Sso => ProbeOutcome::Sso,
                        Read::Status(a) if a.status == 403 || a.status == 404 => {
                            ProbeOutcome::Denied
                        }
                        _ => ProbeOutcome::Error,
                    };
                }
                Err(HttpError::BudgetSpent(_)) | Err(HttpError::RateLimited) => {
                    skipped += 1;
                    continue;
                }
                Err(e) => {
                    self.error(&format!("GET {path}"), None, e.to_string());
                    outcome = ProbeOutcome::Error;
                }
            }
            self.export.probes.push(Probe {
                path,
                target,
                permission,
                outcome,
                accepted_permissions: accepted,
            });
        }
        if skipped > 0 {
            self.error(
                "permission probes",
                None,
                format!("request budget or rate limit spent: {skipped} probes not sent"),
            );
        }
    }

    /// Sends GETs `concurrency` at a time; results in input order.
    async fn fan_out(
        &mut self,
        wanted: Vec<(usize, String)>,
        what: &str,
    ) -> Vec<(usize, String, Result<Answer, HttpError>)> {
        let total = wanted.len();
        let mut results = Vec::with_capacity(total);
        let mut set = tokio::task::JoinSet::new();
        let mut queue = wanted.into_iter().enumerate();
        let mut done = 0usize;
        loop {
            while set.len() < self.concurrency {
                let Some((order, (i, path))) = queue.next() else {
                    break;
                };
                let client = self.client.clone();
                set.spawn(async move {
                    let r = client.get(&path).await;
                    (order, i, path, r)
                });
            }
            let Some(joined) = set.join_next().await else {
                break;
            };
            match joined {
                Ok(r) => results.push(r),
                Err(e) => self.error(what, None, format!("task failed: {e}")),
            }
            done += 1;
            if done % 50 == 0 || done == total {
                (self.progress)(&format!("{what}: {done}/{total}"));
            }
        }
        results.sort_by_key(|r| r.0);
        results.into_iter().map(|(_, i, p, r)| (i, p, r)).collect()
    }
}

/// The parts of a classic protection answer that change a verdict. Each
/// setting is an object `{ "enabled": bool }`; an absent one is off.
fn read_protection(v: &Value) -> BranchProtection {
    let enabled = |key: &str| {
        v.get(key)
            .and_then(|o| o.get("enabled"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let present = |key: &str| v.get(key).is_some_and(|o| !o.is_null());
    BranchProtection {
        protected: true,
        allow_force_pushes: enabled("allow_force_pushes"),
        allow_deletions: enabled("allow_deletions"),
        enforce_admins: enabled("enforce_admins"),
        required_pull_request_reviews: present("required_pull_request_reviews"),
        restrictions: present("restrictions"),
    }
}

fn parse_scopes(header: &str) -> Vec<String> {
    header
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// `2026-12-01 00:00:00 UTC` -> `2026-12-01T00:00:00Z`; anything else as is.
fn to_rfc3339(v: &str) -> String {
    let v = v.trim();
    match v.strip_suffix(" UTC").and_then(|s| s.split_once(' ')) {
        Some((date, time)) if date.len() == 10 && time.len() == 8 => format!("{date}T{time}Z"),
        _ => v.to_string(),
    }
}

/// The `rel="next"` URL of a `Link` header.
fn next_link(link: &str) -> Option<String> {
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        params
            .split(';')
            .any(|p| p.trim() == "rel=\"next\"")
            .then(|| {
                url.trim()
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string()
            })
    })
}

/// Percent-encodes a branch name for a path, keeping `/` (GitHub takes
/// branch names with slashes as they are).
fn encode_path(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Shows a request relative to the API base.
fn strip_base<'a>(base: &str, url: &'a str) -> &'a str {
    url.strip_prefix(base).unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_parse() {
        assert_eq!(
            parse_scopes("repo, delete_repo,  "),
            vec!["repo", "delete_repo"]
        );
        assert!(parse_scopes("").is_empty());
        assert_eq!(
            to_rfc3339("2026-12-01 00:00:00 UTC"),
            "2026-12-01T00:00:00Z"
        );
        assert_eq!(to_rfc3339("soon"), "soon");
        let link = r#"<https://api.github.com/user/repos?page=2>; rel="next", <https://api.github.com/user/repos?page=5>; rel="last""#;
        assert_eq!(
            next_link(link).as_deref(),
            Some("https://api.github.com/user/repos?page=2")
        );
        assert_eq!(next_link(r#"<x>; rel="prev""#), None);
        assert_eq!(encode_path("feat/a b#1"), "feat/a%20b%231");
    }
}
