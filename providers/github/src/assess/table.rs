//! The capability table (`data/capabilities.toml`) and the probe table
//! (`data/write-probes.toml`), parsed once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use blastradius_report::{Category, Certainty};
use serde::Deserialize;

const CAPABILITIES: &str = include_str!("../../data/capabilities.toml");
const WRITE_PROBES: &str = include_str!("../../data/write-probes.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BranchRule {
    /// Not about a branch.
    #[default]
    Any,
    /// A force push: stopped by `non_fast_forward`.
    Force,
    /// A direct push: stopped by `update` and `pull_request` (the push then
    /// only reaches other branches).
    Direct,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub actions: Vec<String>,
    pub category: Category,
    /// Minimum role; `None` for account entries.
    #[serde(default)]
    pub role: Option<String>,
    /// Classic scopes, all needed.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Fine-grained / App permissions, all needed; `None`: no route.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
    #[serde(default)]
    pub branch: BranchRule,
    #[serde(default)]
    pub public_read: bool,
    #[serde(default)]
    pub data: bool,
    #[serde(default)]
    pub certainty: Certainty,
    /// Classic scopes alone are enough on a repository (no `repo` or
    /// `public_repo` needed), e.g. `admin:repo_hook`.
    #[serde(default)]
    pub standalone_scopes: bool,
    pub why: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub target: String,
    pub kind: crate::kind::TokenKind,
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    /// Rule types on the default branch; `None`: not read.
    pub rules: Option<Vec<String>>,
    /// `current_user_can_bypass` of the ruleset the rules come from.
    #[serde(default)]
    pub bypass: Option<String>,
    /// Classic protection of the default branch: `force` (force pushes
    /// allowed), `no-force` (protected, force pushes blocked), `none` (not
    /// protected); absent: not read.
    #[serde(default)]
    pub protection: Option<String>,
    /// `ghu_` tokens: the installation's permissions (`contents = "write"`).
    #[serde(default)]
    pub installation: Option<BTreeMap<String, String>>,
    pub expect: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub environment: String,
    /// A token expiring within this many days gets a finding.
    pub expiry_warning_days: u32,
    /// `current_user_can_bypass` values with which a ruleset's rules do not
    /// stop a direct or force push by the token's user.
    pub bypass: Vec<String>,
    pub rule_remover: String,
    pub implies: BTreeMap<String, Vec<String>>,
    pub installation_role: BTreeMap<String, String>,
    pub repo: Vec<Entry>,
    pub org: Vec<Entry>,
    pub account: Vec<Entry>,
    #[serde(default)]
    pub example: Vec<Example>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WriteProbe {
    /// `pat` (fine-grained PAT) or `app` (installation and user-to-server).
    pub family: String,
    pub permission: String,
    /// `repo` or `org`.
    pub target: String,
    pub path: String,
}

#[derive(Debug, Deserialize)]
struct ProbeFile {
    probe: Vec<WriteProbe>,
}

/// The compiled-in table. Both files ship inside the binary and a test
/// parses them, so a parse failure here is a build defect, not bad input.
pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        toml::from_str(CAPABILITIES).expect("data/capabilities.toml is checked by tests")
    })
}

pub fn write_probes() -> &'static [WriteProbe] {
    static PROBES: OnceLock<Vec<WriteProbe>> = OnceLock::new();
    PROBES.get_or_init(|| {
        toml::from_str::<ProbeFile>(WRITE_PROBES)
            .expect("data/write-probes.toml is checked by tests")
            .probe
    })
}

const REPO_ROLES: [&str; 5] = ["pull", "triage", "push", "maintain", "admin"];
const ORG_ROLES: [&str; 2] = ["member", "admin"];

/// Rank of a role on its ladder; `None` for a name on neither.
pub fn role_rank(role: &str) -> Option<usize> {
    REPO_ROLES
        .iter()
        .position(|r| *r == role)
        .or_else(|| ORG_ROLES.iter().position(|r| *r == role))
}

/// Every scope the granted ones stand for.
pub fn expand_scopes(granted: &[String]) -> std::collections::BTreeSet<String> {
    let implies = &table().implies;
    let mut out = std::collections::BTreeSet::new();
    let mut todo: Vec<String> = granted.iter().map(|s| s.trim().to_string()).collect();
    while let Some(s) = todo.pop() {
        if s.is_empty() || !out.insert(s.clone()) {
            continue;
        }
        if let Some(more) = implies.get(&s) {
            todo.extend(more.iter().cloned());
        }
    }
    out
}
