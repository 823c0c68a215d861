//! The Railway export: everything collected about one or more tokens, as
//! JSON. Live collection writes it; offline mode reads it; assessment reads
//! nothing else. It never holds a token or a variable value.

use serde::{Deserialize, Serialize};

pub const EXPORT_FORMAT: &str = "blastradius-railway-export";
pub const EXPORT_VERSION: u32 = 1;

/// One export file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RailwayExport {
    /// Always [`EXPORT_FORMAT`]; checked on load so that a wrong file gives a
    /// clear error.
    pub format: String,
    pub version: u32,
    pub tokens: Vec<TokenExport>,
}

impl RailwayExport {
    pub fn new(tokens: Vec<TokenExport>) -> Self {
        RailwayExport {
            format: EXPORT_FORMAT.to_string(),
            version: EXPORT_VERSION,
            tokens,
        }
    }
}

/// What was collected for one token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenExport {
    /// `Secret::fingerprint` of the token: links a token found in a
    /// workspace to its export without storing the token.
    pub fingerprint: String,
    /// `Secret::redacted` of the token.
    pub redacted: String,
    /// Where the token was found: `FILE:LINE` or `env VAR`.
    pub source: String,
    /// The GraphQL endpoint it was collected from.
    pub api_url: String,
    pub token_type: TokenType,
    /// The read-only queries used to tell the token type, with their outcome:
    /// the evidence for `token_type`.
    pub probes: Vec<Probe>,
    /// `me`, when the token may read it (account and OAuth tokens).
    pub user: Option<User>,
    /// `projectToken`, for project tokens.
    pub project_token: Option<ProjectTokenScope>,
    /// Workspaces the token reaches (from `apiToken.workspaces`, `me.workspaces`
    /// or `externalWorkspaces`), each with its projects.
    pub workspaces: Vec<Workspace>,
    /// Projects reached outside any listed workspace (a project token's one
    /// project, personal projects).
    #[serde(default)]
    pub projects: Vec<Project>,
    /// Mutation names of the live schema (introspection); `None` when the
    /// introspection query failed.
    pub mutations: Option<Vec<String>>,
    /// Calls that failed: the export is partial when this is not empty.
    #[serde(default)]
    pub errors: Vec<CollectError>,
    /// Requests sent to collect this export.
    #[serde(default)]
    pub requests: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenType {
    /// Personal account token: every workspace and project of the user.
    Account,
    /// One workspace, no personal resources.
    Workspace,
    /// One environment of one project (`Project-Access-Token` header).
    Project,
    /// OAuth access token: like an account token, capped by consent.
    Oauth,
    /// Every probe said the token is not valid.
    Invalid,
    /// The probes could not decide (network errors, unexpected answers).
    Unknown,
}

impl TokenType {
    /// The `kind` of the report, e.g. `railway-account-token`.
    pub fn kind(self) -> &'static str {
        match self {
            TokenType::Account => "railway-account-token",
            TokenType::Workspace => "railway-workspace-token",
            TokenType::Project => "railway-project-token",
            TokenType::Oauth => "railway-oauth-token",
            TokenType::Invalid | TokenType::Unknown => "railway-token",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probe {
    /// e.g. `apiToken (Authorization: Bearer)`.
    pub query: String,
    pub outcome: ProbeOutcome,
    /// The error message of the answer, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeOutcome {
    Ok,
    NotAuthorized,
    /// "project token not found", 401, or similar: the token is not valid
    /// for this header.
    Invalid,
    /// Transport or server error: says nothing about the token.
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectTokenScope {
    pub project_id: String,
    pub environment_id: String,
    pub project_name: Option<String>,
    pub environment_name: Option<String>,
}

/// Railway's roles (`TeamRole` for workspaces, `ProjectRole` for projects).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Role {
    Viewer,
    Member,
    Admin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub user_id: String,
    pub role: Role,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    /// `Workspace.members`; `None` when not readable.
    pub members: Option<Vec<Member>>,
    pub projects: Vec<Project>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub workspace_id: Option<String>,
    /// `Project.members`; `None` when not readable.
    pub members: Option<Vec<Member>>,
    pub environments: Vec<Environment>,
    pub services: Vec<Service>,
    pub volumes: Vec<Volume>,
    pub buckets: Vec<Bucket>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Environment {
    pub id: String,
    pub name: String,
    /// Service instances deployed in this environment (service ids).
    pub service_ids: Vec<String>,
    pub volume_instances: Vec<VolumeInstance>,
    /// Variable NAMES (never values), per service; `None` when not readable.
    pub variables: Option<Vec<VariableName>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bucket {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VolumeInstance {
    pub id: String,
    pub volume_id: String,
    pub volume_name: String,
    pub service_id: Option<String>,
    pub mount_path: Option<String>,
    /// `VolumeState` as Railway spells it (`READY`, `DELETING`, ...).
    pub state: Option<String>,
    pub is_pending_deletion: bool,
    pub deleted_at: Option<String>,
    /// `volumeInstanceBackupList`; `None` when not readable.
    pub backups: Option<Vec<Backup>>,
    /// `volumeInstanceBackupScheduleList` kinds (`DAILY`, ...); `None` when
    /// not readable.
    pub backup_schedules: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Backup {
    pub id: String,
    pub name: Option<String>,
    pub created_at: Option<String>,
    pub expires_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariableName {
    pub name: String,
    pub service_id: Option<String>,
    pub is_sealed: bool,
}

/// A call that failed during collection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollectError {
    /// The query, e.g. `project`.
    pub query: String,
    /// The object it was about, e.g. `project 5a3c...`.
    pub object: Option<String>,
    pub message: String,
}
