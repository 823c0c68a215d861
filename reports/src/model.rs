//! Types of the JSON report (`schema_version` 1 of `shared/contract.md`) and
//! of the unrated provider output that feeds it.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ActionList;

/// Version of the JSON report. Removing or renaming a field needs a new one.
pub const SCHEMA_VERSION: u32 = 1;

/// The worst-case action rating. Ordered: `None < Low < ... < Critical`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub const ALL: [Severity; 5] = [
        Severity::None,
        Severity::Low,
        Severity::Medium,
        Severity::High,
        Severity::Critical,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("unknown severity `{s}`: expected one of critical, high, medium, low, none")
            })
    }
}

/// What an action does to what it hits. Ordered by harm, `Read` lowest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Read,
    Write,
    Secrets,
    Escalate,
    Destroy,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Read => "read",
            Category::Write => "write",
            Category::Secrets => "secrets",
            Category::Escalate => "escalate",
            Category::Destroy => "destroy",
        }
    }
}

impl std::fmt::Display for Category {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    Aws,
    Github,
    Railway,
}

impl Provider {
    pub fn as_str(self) -> &'static str {
        match self {
            Provider::Aws => "aws",
            Provider::Github => "github",
            Provider::Railway => "railway",
        }
    }
}

impl std::fmt::Display for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether the credential works, as far as the auditor could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Valid,
    Invalid,
    Expired,
    /// Not checked (offline without an export) or the answer was inconclusive.
    Unknown,
    /// The check itself failed (unreachable endpoint, malformed answer).
    Error,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Expired => "expired",
            Status::Unknown => "unknown",
            Status::Error => "error",
        }
    }
}

/// How firmly a capability is known.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Certainty {
    /// Shown by an answer of the provider (a listed resource, a role, a scope).
    #[default]
    Proven,
    /// Follows from documented rules, not from an answer about this credential.
    Inferred,
    /// The data to decide was missing.
    Unknown,
}

/// What a credential reaches, as a provider sees it: one or more
/// provider-native actions on one concrete resource. Not yet rated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reach {
    /// Concrete provider-native action names, wildcards expanded. The first
    /// is the headline (the most harmful, named as the worst case); the rest
    /// are sorted.
    pub actions: ActionList,
    /// The concrete resource, e.g. `volume pg-data (project pocketos)`.
    pub resource: String,
    /// The environment as the provider names it; `None` when unknown,
    /// which the rating treats as production.
    pub environment: Option<String>,
    pub category: Category,
    /// True when the grant depends on something the auditor cannot know.
    pub conditional: bool,
    /// The hops that lead here (assumed roles, token -> workspace -> project).
    #[serde(default)]
    pub via: Vec<String>,
    /// For `destroy`: `Some(false)` when the backups are destroyable by the
    /// same credential or do not exist, `Some(true)` when backups exist out of
    /// its reach, `None` when that could not be decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reversible: Option<bool>,
    /// True when a `read` reaches data (not just metadata).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub data: bool,
    #[serde(default)]
    pub certainty: Certainty,
    /// How this conclusion was reached, in one line.
    pub evidence: String,
}

/// A rated [`Reach`]: one entry of `capabilities` in the JSON report.
///
/// The entry itself is shared with the assessment it came from (thousands
/// of AWS principals hold the same entries); reading goes through `Deref`,
/// and writing a field copies the entry first, for this capability only.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "CapabilityRecord")]
pub struct Capability {
    reach: Arc<Reach>,
    pub severity: Severity,
    /// Set when the team accepted this risk (who, until when, why); an
    /// accepted capability does not trip `--fail-on` until it expires.
    pub accepted: Option<String>,
}

impl Capability {
    pub fn rated(reach: Reach, severity: Severity) -> Self {
        Capability::shared(Arc::new(reach), severity)
    }

    /// Rates an entry without copying it.
    pub fn shared(reach: Arc<Reach>, severity: Severity) -> Self {
        Capability {
            reach,
            severity,
            accepted: None,
        }
    }

    /// The rated entry.
    pub fn reach(&self) -> &Reach {
        &self.reach
    }
}

impl std::ops::Deref for Capability {
    type Target = Reach;
    fn deref(&self) -> &Reach {
        &self.reach
    }
}

impl std::ops::DerefMut for Capability {
    fn deref_mut(&mut self) -> &mut Reach {
        Arc::make_mut(&mut self.reach)
    }
}

/// A capability as the JSON report spells it (`schema_version` 1): the
/// entry's fields with the severity after the category.
#[derive(Serialize)]
struct CapabilityView<'a> {
    actions: &'a ActionList,
    resource: &'a str,
    environment: &'a Option<String>,
    category: Category,
    severity: Severity,
    conditional: bool,
    via: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    reversible: Option<bool>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    data: bool,
    certainty: Certainty,
    evidence: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    accepted: Option<&'a str>,
}

impl Serialize for Capability {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &*self.reach;
        CapabilityView {
            actions: &r.actions,
            resource: &r.resource,
            environment: &r.environment,
            category: r.category,
            severity: self.severity,
            conditional: r.conditional,
            via: &r.via,
            reversible: r.reversible,
            data: r.data,
            certainty: r.certainty,
            evidence: &r.evidence,
            accepted: self.accepted.as_deref(),
        }
        .serialize(s)
    }
}

/// A capability as read back from a report (a baseline).
#[derive(Deserialize)]
struct CapabilityRecord {
    actions: ActionList,
    resource: String,
    environment: Option<String>,
    category: Category,
    severity: Severity,
    conditional: bool,
    via: Vec<String>,
    #[serde(default)]
    reversible: Option<bool>,
    #[serde(default)]
    data: bool,
    certainty: Certainty,
    evidence: String,
    #[serde(default)]
    accepted: Option<String>,
}

impl From<CapabilityRecord> for Capability {
    fn from(c: CapabilityRecord) -> Self {
        Capability {
            reach: Arc::new(Reach {
                actions: c.actions,
                resource: c.resource,
                environment: c.environment,
                category: c.category,
                conditional: c.conditional,
                via: c.via,
                reversible: c.reversible,
                data: c.data,
                certainty: c.certainty,
                evidence: c.evidence,
            }),
            severity: c.severity,
            accepted: c.accepted,
        }
    }
}

/// The single worst thing the credential can do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorstCase {
    pub action: String,
    pub resource: String,
    pub environment: Option<String>,
    pub category: Category,
    pub reversible: bool,
    pub summary: String,
    #[serde(default)]
    pub via: Vec<String>,
}

/// A diagnostic about one credential. `id` is a stable dotted code such as
/// `railway.unknown-mutation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    pub severity: Severity,
    pub message: String,
}

impl Finding {
    pub fn new(id: impl Into<String>, severity: Severity, message: impl Into<String>) -> Self {
        Finding {
            id: id.into(),
            severity,
            message: message.into(),
        }
    }
}

/// What a provider concluded about one credential, before rating.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assessment {
    pub provider: Provider,
    /// e.g. `railway-account-token`, `github-classic-pat`, `aws-iam-role`.
    pub kind: String,
    /// Who it acts as (user, workspace, project/environment, ARN).
    pub identity: String,
    pub status: Status,
    /// When the credential stops working, if known (RFC 3339).
    pub expires_at: Option<String>,
    /// Shared: principals with the same policies hold the same entries.
    pub reach: Vec<Arc<Reach>>,
    pub findings: Vec<Finding>,
    /// True when some of the data could not be collected: the reach shown is
    /// a lower bound.
    pub partial: bool,
}

/// One credential in the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialReport {
    /// Stable across runs for the same credential (a fingerprint, an ARN).
    pub id: String,
    pub provider: Provider,
    pub kind: String,
    /// Where it was found: `FILE:LINE`, `env VAR`, or the export it came from.
    pub source: String,
    /// Never the whole secret.
    pub redacted: String,
    pub identity: String,
    pub status: Status,
    pub severity: Severity,
    pub worst_case: Option<WorstCase>,
    pub capabilities: Vec<Capability>,
    pub findings: Vec<Finding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<String>,
    pub partial: bool,
}

impl CredentialReport {
    /// The rating that counts for `--fail-on`: the worst capability whose
    /// risk is not accepted (an invalid credential counts as nothing, and so
    /// does reach that nothing proves, as in the rating itself).
    pub fn unaccepted_severity(&self) -> Severity {
        if self.severity == Severity::None {
            return Severity::None;
        }
        self.capabilities
            .iter()
            .filter(|c| c.accepted.is_none() && c.certainty != Certainty::Unknown)
            .map(|c| c.severity)
            .max()
            .unwrap_or(Severity::None)
    }
}

/// The whole report: what every renderer consumes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub schema_version: u32,
    pub credentials: Vec<CredentialReport>,
    /// What changed since a baseline report, when one was given. An extra
    /// field (allowed by the contract): absent without a baseline.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "lenient_changes"
    )]
    pub changes: Option<crate::diff::Changes>,
}

/// `changes` of a report read back (a baseline) are derived data that a
/// later version may shape differently: unreadable ones are dropped rather
/// than making the whole baseline unusable.
fn lenient_changes<'de, D>(deserializer: D) -> Result<Option<crate::diff::Changes>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

impl Report {
    pub fn new(mut credentials: Vec<CredentialReport>) -> Self {
        // Worst first, then by id, so that runs diff cleanly.
        credentials.sort_by(|a, b| b.severity.cmp(&a.severity).then_with(|| a.id.cmp(&b.id)));
        Report {
            schema_version: SCHEMA_VERSION,
            credentials,
            changes: None,
        }
    }

    /// Compares this report with `baseline` and keeps the result in
    /// `changes`. Any `changes` the baseline carries (from its own baseline)
    /// are ignored.
    pub fn attach_baseline(&mut self, baseline: &Report) -> Result<(), crate::BaselineError> {
        self.changes = Some(crate::diff::diff(baseline, self)?);
        Ok(())
    }

    /// The highest severity that is new relative to the baseline (see
    /// [`crate::Changes::new_severity`]); `None` when no baseline is attached.
    pub fn new_severity(&self) -> Option<Severity> {
        self.changes.as_ref().map(crate::Changes::new_severity)
    }

    /// What `--fail-on` compares with: what is new when a baseline is
    /// attached, else the worst of all.
    pub fn gate_severity(&self) -> Severity {
        self.new_severity().unwrap_or_else(|| self.worst())
    }

    /// The highest severity of any credential, `None` for an empty report.
    pub fn worst(&self) -> Severity {
        self.credentials
            .iter()
            .map(|c| c.severity)
            .max()
            .unwrap_or(Severity::None)
    }
}
