//! The GitHub export: everything collected about one or more tokens, as
//! JSON. Live collection writes it; offline mode reads it; assessment reads
//! nothing else. It never holds a token.

use serde::{Deserialize, Serialize};

use crate::kind::TokenKind;

pub const EXPORT_FORMAT: &str = "blastradius-github-export";
pub const EXPORT_VERSION: u32 = 1;

/// One export file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GithubExport {
    /// Always [`EXPORT_FORMAT`]; checked on load so that a wrong file gives a
    /// clear error.
    pub format: String,
    pub version: u32,
    pub tokens: Vec<TokenExport>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("not a GitHub export: {0}")]
    Json(#[from] serde_json::Error),
    #[error("`format` is `{0}`, expected `{EXPORT_FORMAT}`")]
    Format(String),
    #[error("`version` is {0}, this build reads version {EXPORT_VERSION}")]
    Version(u32),
}

impl GithubExport {
    pub fn new(tokens: Vec<TokenExport>) -> Self {
        GithubExport {
            format: EXPORT_FORMAT.to_string(),
            version: EXPORT_VERSION,
            tokens,
        }
    }

    /// Parses and checks `format` and `version`.
    pub fn from_json(text: &str) -> Result<Self, ExportError> {
        let export: GithubExport = serde_json::from_str(text)?;
        if export.format != EXPORT_FORMAT {
            return Err(ExportError::Format(export.format));
        }
        if export.version != EXPORT_VERSION {
            return Err(ExportError::Version(export.version));
        }
        Ok(export)
    }
}

/// Whether the token works, as collection saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenStatus {
    Valid,
    /// 401 `Bad credentials`: revoked, expired or wrong.
    Invalid,
    /// Not sent (a refresh token) or no conclusive answer.
    Unknown,
    /// Transport or server errors only.
    Error,
}

/// What was collected for one token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenExport {
    /// `Secret::fingerprint` of the token.
    pub fingerprint: String,
    /// `Secret::redacted` of the token.
    pub redacted: String,
    /// Where the token was found: `FILE:LINE` or `env VAR`.
    pub source: String,
    /// The REST API base it was collected from (`https://api.github.com` or
    /// `https://HOST/api/v3`).
    pub api_url: String,
    pub kind: TokenKind,
    pub status: TokenStatus,
    /// `GET /user`, for tokens that act as a user.
    pub user: Option<User>,
    /// `X-OAuth-Scopes` (classic and OAuth tokens); `None` when the header
    /// was absent, which is the case for fine-grained and App tokens.
    pub scopes: Option<Vec<String>>,
    /// `GitHub-Authentication-Token-Expiration`, as RFC 3339; `None` when it
    /// never expires or the header was absent.
    pub expires_at: Option<String>,
    /// SAML single sign-on answers (`X-GitHub-SSO`): resources the token
    /// cannot reach until it is authorised, not resources it has no access to.
    #[serde(default)]
    pub sso: Vec<SsoNotice>,
    /// Repositories the token reaches, with the user's role on each.
    #[serde(default)]
    pub repos: Vec<Repo>,
    /// `GET /user/memberships/orgs`.
    #[serde(default)]
    pub orgs: Vec<OrgMembership>,
    /// `GET /installation/repositories`, for installation tokens.
    #[serde(default)]
    pub installation: Option<Installation>,
    /// `GET /user/installations`, for App user-to-server (`ghu_`) tokens:
    /// the app's installations the user can reach, with their permissions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub app_installations: Vec<AppInstallation>,
    /// `GET /rate_limit` (`None` on Enterprise Server without rate limiting).
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// GET requests that need a permission to answer: their outcome proves a
    /// fine-grained or App permission without writing anything.
    #[serde(default)]
    pub probes: Vec<Probe>,
    /// Calls that failed or were skipped: the export is partial when this is
    /// not empty.
    #[serde(default)]
    pub errors: Vec<CollectError>,
    /// Requests sent to collect this export.
    #[serde(default)]
    pub requests: u32,
}

impl TokenExport {
    /// An export with nothing collected yet.
    pub fn empty(
        fingerprint: String,
        redacted: String,
        source: String,
        api_url: String,
        kind: TokenKind,
    ) -> Self {
        TokenExport {
            fingerprint,
            redacted,
            source,
            api_url,
            kind,
            status: TokenStatus::Unknown,
            user: None,
            scopes: None,
            expires_at: None,
            sso: Vec::new(),
            repos: Vec::new(),
            orgs: Vec::new(),
            installation: None,
            app_installations: Vec::new(),
            rate_limit: None,
            probes: Vec::new(),
            errors: Vec::new(),
            requests: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub login: String,
    pub id: u64,
    /// `User` or `Bot`.
    #[serde(rename = "type", default)]
    pub user_type: Option<String>,
    #[serde(default)]
    pub site_admin: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SsoNotice {
    /// The request that got the header, e.g. `GET /user/repos`.
    pub request: String,
    /// `required` (403: this resource needs authorisation) or
    /// `partial-results` (a list left out some organisations' resources).
    pub kind: String,
    /// The header value minus its kind: `url=...` or `organizations=...`.
    pub detail: String,
}

/// The user's (or app's) role on a repository, from `permissions`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepoPermissions {
    #[serde(default)]
    pub admin: bool,
    #[serde(default)]
    pub maintain: bool,
    #[serde(default)]
    pub push: bool,
    #[serde(default)]
    pub triage: bool,
    #[serde(default)]
    pub pull: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repo {
    /// `owner/name`.
    pub full_name: String,
    #[serde(default)]
    pub private: bool,
    /// `public`, `private` or `internal` when given.
    #[serde(default)]
    pub visibility: Option<String>,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub fork: bool,
    pub default_branch: Option<String>,
    /// `None` when the answer had no `permissions` object.
    pub permissions: Option<RepoPermissions>,
    /// Active rules on the default branch
    /// (`GET /repos/{o}/{r}/rules/branches/{branch}`); `None` when not read.
    #[serde(default)]
    pub branch_rules: Option<Vec<BranchRule>>,
    /// Classic branch protection of the default branch
    /// (`GET /repos/{o}/{r}/branches/{branch}/protection`, admins only);
    /// `None` when not read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch_protection: Option<BranchProtection>,
    /// `GET /repos/{o}/{r}/rulesets` (with the organisation's), read when a
    /// rule stands in the way, for `current_user_can_bypass`; `None` when not
    /// read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rulesets: Option<Vec<Ruleset>>,
    /// The App installation this repository was listed under (`ghu_` tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installation_id: Option<u64>,
}

/// Classic branch protection, as far as it changes a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchProtection {
    /// False when the branch answered 404 `Branch not protected`.
    pub protected: bool,
    #[serde(default)]
    pub allow_force_pushes: bool,
    #[serde(default)]
    pub allow_deletions: bool,
    /// "Do not allow bypassing the above settings": off, admins bypass it.
    #[serde(default)]
    pub enforce_admins: bool,
    /// Pull request reviews are required before merging.
    #[serde(default)]
    pub required_pull_request_reviews: bool,
    /// Only some users, teams or apps may push.
    #[serde(default)]
    pub restrictions: bool,
}

/// One ruleset that applies to a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ruleset {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    /// `Repository` or `Organization`.
    #[serde(default)]
    pub source_type: Option<String>,
    /// `active`, `evaluate` or `disabled`.
    #[serde(default)]
    pub enforcement: Option<String>,
    /// `always`, `pull_requests_only`, `never` or `exempt`; absent when the
    /// answer did not say.
    #[serde(default)]
    pub current_user_can_bypass: Option<String>,
}

/// One installation of the App behind a `ghu_` token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInstallation {
    pub id: u64,
    /// The user or organisation the app is installed on.
    pub account: String,
    #[serde(default)]
    pub app_slug: Option<String>,
    /// `all` or `selected`.
    #[serde(default)]
    pub repository_selection: Option<String>,
    /// The installation's permissions: name -> `read`, `write` or `admin`.
    #[serde(default)]
    pub permissions: std::collections::BTreeMap<String, String>,
    /// Repositories listed under it (`total_count`).
    #[serde(default)]
    pub total_count: u64,
}

impl Repo {
    pub fn is_public(&self) -> bool {
        match self.visibility.as_deref() {
            Some(v) => v == "public",
            None => !self.private,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BranchRule {
    /// `non_fast_forward`, `deletion`, `pull_request`, `update`, ...
    #[serde(rename = "type")]
    pub rule_type: String,
    /// `Repository` or `Organization`: a repository admin can remove the
    /// first kind, not the second.
    #[serde(default)]
    pub ruleset_source_type: Option<String>,
    #[serde(default)]
    pub ruleset_source: Option<String>,
    #[serde(default)]
    pub ruleset_id: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgMembership {
    pub login: String,
    /// `admin` or `member` (`billing_manager` too).
    pub role: String,
    /// `active` or `pending`.
    pub state: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Installation {
    pub total_count: u64,
    /// `all` or `selected`, when given.
    #[serde(default)]
    pub repository_selection: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    pub limit: u64,
    pub remaining: u64,
    pub used: u64,
    /// Unix time of the reset.
    pub reset: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeOutcome {
    /// 2xx: the token holds the permission.
    Granted,
    /// 403/404: it does not (or the resource hides it).
    Denied,
    /// 403 with `X-GitHub-SSO`: undecided until SSO is authorised.
    Sso,
    /// Anything else: says nothing.
    Error,
}

/// A GET that proves (or disproves) a permission without writing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// The concrete path requested, e.g. `/repos/acme/api/automated-security-fixes`.
    pub path: String,
    /// `owner/repo` or the organisation login.
    pub target: String,
    /// The permission it needs, e.g. `administration:write`.
    pub permission: String,
    pub outcome: ProbeOutcome,
    /// `X-Accepted-GitHub-Permissions` of the answer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_permissions: Option<String>,
}

/// A call that failed, or was skipped, during collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectError {
    /// e.g. `GET /user/repos`.
    pub request: String,
    /// HTTP status, when there was an answer.
    #[serde(default)]
    pub status: Option<u16>,
    pub message: String,
}
