//! What changed between a baseline report (the last scheduled run) and this
//! one, so that CI alerts on drift rather than on known, accepted risk.
//!
//! # Identity
//! - A credential is its `id` (a fingerprint or an ARN, stable across runs).
//!   Should a report hold the same id twice (one token found in two files),
//!   the entries are merged: the highest severity, the union of capabilities,
//!   the worst case and display fields of the highest-rated entry.
//! - A capability is compared action by action: its key is
//!   `(category, action, resource, environment)`, one per action in
//!   `actions`. Providers group actions per resource and may regroup them
//!   between versions (or gain one action on a resource they already
//!   reached); comparing whole groups would then report a whole group as new
//!   and its old self as gone, which hides the one action that actually
//!   appeared. `via` and `conditional` are not part of the key: a second path
//!   to the same power is not a new power. The severity of an action key is
//!   the highest of the capabilities that hold it.
//! - Capabilities of a credential that is new (or gone) are not listed one by
//!   one: the credential itself is the change, and its severity says how bad.
//!
//! Everything here is pure: the caller loads the baseline
//! ([`load_baseline`]) and attaches the result ([`crate::Report::attach_baseline`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{
    Capability, Category, CredentialReport, Finding, Provider, Report, Severity, WorstCase,
    SCHEMA_VERSION,
};

/// Why a baseline cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("cannot read baseline `{path}`: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not JSON, or not a report: `line` and `column` point at the problem.
    #[error("baseline `{path}` is not a blastradius JSON report (line {line}, column {column}): {message}")]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A report of another `schema_version`: its fields may mean other things.
    #[error("baseline{} has schema_version {found}; this blastradius reads schema_version {expected}: re-create the baseline with this version", .path.as_ref().map(|p| format!(" `{}`", p.display())).unwrap_or_default())]
    SchemaVersion {
        path: Option<PathBuf>,
        found: u64,
        expected: u32,
    },
}

/// Reads a baseline report written by `--format json`.
///
/// The version is checked before the shape, so that a report of another
/// `schema_version` is named as such rather than as a confusing missing field.
pub fn load_baseline(path: &Path) -> Result<Report, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_baseline(&text, Some(path))
}

/// [`load_baseline`] on text already read; `path` only names it in errors.
pub fn parse_baseline(text: &str, path: Option<&Path>) -> Result<Report, BaselineError> {
    let name = || path.map(Path::to_path_buf).unwrap_or_else(|| "-".into());
    let parse_error = |e: serde_json::Error| BaselineError::Parse {
        path: name(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    };

    /// Only the version: any other field may differ between versions.
    #[derive(Deserialize)]
    struct Versioned {
        schema_version: u64,
    }
    let versioned: Versioned = serde_json::from_str(text).map_err(parse_error)?;
    if versioned.schema_version != u64::from(SCHEMA_VERSION) {
        return Err(BaselineError::SchemaVersion {
            path: path.map(Path::to_path_buf),
            found: versioned.schema_version,
            expected: SCHEMA_VERSION,
        });
    }
    serde_json::from_str(text).map_err(parse_error)
}

/// A credential as the changes name it. Gone credentials are not in the
/// current report, so everything a reader needs to recognise it is here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialRef {
    pub id: String,
    pub provider: Provider,
    pub kind: String,
    pub source: String,
    pub redacted: String,
    pub identity: String,
    /// Its rating in the report it comes from (current for new, baseline for gone).
    pub severity: Severity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worst_case: Option<WorstCase>,
}

/// A credential's rating moved (`from` in the baseline, `to` now).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RatingChange {
    pub credential: CredentialRef,
    pub from: Severity,
    pub to: Severity,
}

/// Actions that appeared on (or disappeared from) one resource of a
/// credential present in both reports. `actions` holds only the actions that
/// changed, in the order of the capability they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityChange {
    pub credential_id: String,
    pub actions: Vec<String>,
    pub resource: String,
    pub environment: Option<String>,
    pub category: Category,
    pub severity: Severity,
    pub via: Vec<String>,
}

/// Actions reachable in both runs whose rating changed (e.g. an environment
/// now declared production).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityRatingChange {
    pub credential_id: String,
    pub actions: Vec<String>,
    pub resource: String,
    pub environment: Option<String>,
    pub category: Category,
    pub from: Severity,
    pub to: Severity,
}

/// The worst case of a credential present in both runs names another action,
/// resource, environment, category or reversibility (its wording aside).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorstCaseChange {
    pub credential_id: String,
    pub from: Option<WorstCase>,
    pub to: Option<WorstCase>,
}

/// Everything that changed since the baseline. Lists are in the current
/// report's order (worst first), gone items in the baseline's.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Changes {
    /// How many credentials the baseline held, so a reader can tell an empty
    /// diff from an empty baseline.
    pub baseline_credentials: usize,
    pub new_credentials: Vec<CredentialRef>,
    pub gone_credentials: Vec<CredentialRef>,
    pub ratings_up: Vec<RatingChange>,
    pub ratings_down: Vec<RatingChange>,
    pub new_capabilities: Vec<CapabilityChange>,
    pub gone_capabilities: Vec<CapabilityChange>,
    pub capability_ratings: Vec<CapabilityRatingChange>,
    pub worst_cases: Vec<WorstCaseChange>,
    /// Findings of credentials present in both runs, compared by
    /// `(finding id, message)`.
    pub new_findings: Vec<FindingChange>,
    pub gone_findings: Vec<FindingChange>,
}

/// A finding that appeared on (or disappeared from) a credential present in
/// both runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingChange {
    pub credential_id: String,
    pub finding: Finding,
}

impl Changes {
    /// True when nothing changed.
    pub fn is_empty(&self) -> bool {
        self.new_credentials.is_empty()
            && self.gone_credentials.is_empty()
            && self.ratings_up.is_empty()
            && self.ratings_down.is_empty()
            && self.new_capabilities.is_empty()
            && self.gone_capabilities.is_empty()
            && self.capability_ratings.is_empty()
            && self.worst_cases.is_empty()
            && self.new_findings.is_empty()
            && self.gone_findings.is_empty()
    }

    /// The highest severity that is new relative to the baseline: a new
    /// credential's, the new rating of a credential rated up, a new
    /// capability's, the new rating of a capability rated up. `None` severity
    /// when nothing new appeared (gone things and ratings down never count).
    pub fn new_severity(&self) -> Severity {
        let credentials = self.new_credentials.iter().map(|c| c.severity);
        let up = self.ratings_up.iter().map(|r| r.to);
        let caps = self.new_capabilities.iter().map(|c| c.severity);
        let caps_up = self
            .capability_ratings
            .iter()
            .filter(|r| r.to > r.from)
            .map(|r| r.to);
        credentials
            .chain(up)
            .chain(caps)
            .chain(caps_up)
            .max()
            .unwrap_or(Severity::None)
    }

    /// A short count line: `1 new credential, 2 new capabilities, 1 rating up`.
    /// `no changes` when empty.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (
                self.new_credentials.len(),
                "new credential",
                "new credentials",
            ),
            (
                self.gone_credentials.len(),
                "credential gone",
                "credentials gone",
            ),
            (self.ratings_up.len(), "rating up", "ratings up"),
            (self.ratings_down.len(), "rating down", "ratings down"),
            (
                self.new_capabilities.len(),
                "new capability",
                "new capabilities",
            ),
            (
                self.gone_capabilities.len(),
                "capability gone",
                "capabilities gone",
            ),
            (
                self.capability_ratings.len(),
                "capability re-rated",
                "capabilities re-rated",
            ),
            (
                self.worst_cases.len(),
                "worst case changed",
                "worst cases changed",
            ),
            (self.new_findings.len(), "new finding", "new findings"),
            (self.gone_findings.len(), "finding gone", "findings gone"),
        ]
        .into_iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
        if parts.is_empty() {
            "no changes".to_string()
        } else {
            parts.join(", ")
        }
    }

    /// How a credential changed, for renderers that mark each credential
    /// (SARIF's `baselineState`, the HTML table).
    pub fn state_of(&self, credential_id: &str) -> CredentialState {
        if self.new_credentials.iter().any(|c| c.id == credential_id) {
            return CredentialState::New;
        }
        let updated = self
            .ratings_up
            .iter()
            .chain(&self.ratings_down)
            .any(|r| r.credential.id == credential_id)
            || self
                .new_capabilities
                .iter()
                .chain(&self.gone_capabilities)
                .any(|c| c.credential_id == credential_id)
            || self
                .capability_ratings
                .iter()
                .any(|c| c.credential_id == credential_id)
            || self
                .worst_cases
                .iter()
                .any(|c| c.credential_id == credential_id);
        // Findings are results of their own in SARIF; they do not make the
        // credential's own result "updated".
        if updated {
            CredentialState::Updated
        } else {
            CredentialState::Unchanged
        }
    }
}

impl Changes {
    /// How a finding of a credential of the current report changed: new with
    /// its credential, new on its own, or unchanged.
    pub fn finding_state(&self, credential_id: &str, finding: &Finding) -> CredentialState {
        let new = self.new_credentials.iter().any(|c| c.id == credential_id)
            || self
                .new_findings
                .iter()
                .any(|f| f.credential_id == credential_id && &f.finding == finding);
        if new {
            CredentialState::New
        } else {
            CredentialState::Unchanged
        }
    }
}

/// A credential (or finding) of the current report relative to the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialState {
    New,
    Updated,
    Unchanged,
}

/// Compares two reports of the current `schema_version`.
pub fn diff(baseline: &Report, current: &Report) -> Result<Changes, BaselineError> {
    for report in [baseline, current] {
        if report.schema_version != SCHEMA_VERSION {
            return Err(BaselineError::SchemaVersion {
                path: None,
                found: u64::from(report.schema_version),
                expected: SCHEMA_VERSION,
            });
        }
    }
    let old = merged(baseline);
    let new = merged(current);
    let mut changes = Changes {
        baseline_credentials: old.len(),
        ..Changes::default()
    };

    for (id, cur) in new.iter() {
        let Some(was) = old.get(id) else {
            changes.new_credentials.push(cur.reference());
            continue;
        };
        if cur.severity > was.severity {
            changes.ratings_up.push(RatingChange {
                credential: cur.reference(),
                from: was.severity,
                to: cur.severity,
            });
        } else if cur.severity < was.severity {
            changes.ratings_down.push(RatingChange {
                credential: cur.reference(),
                from: was.severity,
                to: cur.severity,
            });
        }
        let (old_atoms, new_atoms) = (atoms(&was.capabilities), atoms(&cur.capabilities));
        changes
            .new_capabilities
            .extend(only_in(id, &cur.capabilities, &new_atoms, &old_atoms));
        changes
            .gone_capabilities
            .extend(only_in(id, &was.capabilities, &old_atoms, &new_atoms));
        changes
            .capability_ratings
            .extend(rerated(id, &cur.capabilities, &old_atoms, &new_atoms));
        changes
            .new_findings
            .extend(findings_only_in(id, &cur.findings, &was.findings));
        changes
            .gone_findings
            .extend(findings_only_in(id, &was.findings, &cur.findings));
        let (from, to) = (was.worst_case(), cur.worst_case());
        if !same_worst_case(from, to) {
            changes.worst_cases.push(WorstCaseChange {
                credential_id: id.to_string(),
                from: from.cloned(),
                to: to.cloned(),
            });
        }
    }
    for (id, was) in old.iter() {
        if new.get(id).is_none() {
            changes.gone_credentials.push(was.reference());
        }
    }
    Ok(changes)
}

/// One credential id of a report, its entries merged.
struct Merged<'a> {
    /// The highest-rated entry: what the credential is shown as.
    head: &'a CredentialReport,
    severity: Severity,
    capabilities: Vec<&'a Capability>,
    findings: Vec<&'a Finding>,
}

impl Merged<'_> {
    fn reference(&self) -> CredentialRef {
        CredentialRef {
            id: self.head.id.clone(),
            provider: self.head.provider,
            kind: self.head.kind.clone(),
            source: self.head.source.clone(),
            redacted: self.head.redacted.clone(),
            identity: self.head.identity.clone(),
            severity: self.severity,
            worst_case: self.head.worst_case.clone(),
        }
    }

    fn worst_case(&self) -> Option<&WorstCase> {
        self.head.worst_case.as_ref()
    }
}

/// Credentials by id, in report order (first appearance).
struct ById<'a> {
    order: Vec<&'a str>,
    map: BTreeMap<&'a str, Merged<'a>>,
}

impl<'a> ById<'a> {
    fn len(&self) -> usize {
        self.order.len()
    }
    fn get(&self, id: &str) -> Option<&Merged<'a>> {
        self.map.get(id)
    }
    fn iter(&self) -> impl Iterator<Item = (&'a str, &Merged<'a>)> + '_ {
        self.order
            .iter()
            .filter_map(|id| self.map.get(id).map(|m| (*id, m)))
    }
}

fn merged(report: &Report) -> ById<'_> {
    let mut order = Vec::new();
    let mut map: BTreeMap<&str, Merged<'_>> = BTreeMap::new();
    for cred in &report.credentials {
        match map.get_mut(cred.id.as_str()) {
            Some(m) => {
                if cred.severity > m.severity {
                    m.head = cred;
                    m.severity = cred.severity;
                }
                m.capabilities.extend(&cred.capabilities);
                m.findings.extend(&cred.findings);
            }
            None => {
                order.push(cred.id.as_str());
                map.insert(
                    cred.id.as_str(),
                    Merged {
                        head: cred,
                        severity: cred.severity,
                        capabilities: cred.capabilities.iter().collect(),
                        findings: cred.findings.iter().collect(),
                    },
                );
            }
        }
    }
    ById { order, map }
}

/// `(category, action, resource, environment)`: see the module docs.
type Atom<'a> = (Category, &'a str, &'a str, Option<&'a str>);

fn atom_keys(cap: &Capability) -> impl Iterator<Item = Atom<'_>> {
    cap.actions.iter().map(move |a| {
        (
            cap.category,
            a.as_str(),
            cap.resource.as_str(),
            cap.environment.as_deref(),
        )
    })
}

/// Every action key of some capabilities with its highest severity.
fn atoms<'a>(caps: &[&'a Capability]) -> BTreeMap<Atom<'a>, Severity> {
    let mut out = BTreeMap::new();
    for cap in caps {
        for key in atom_keys(cap) {
            let sev = out.entry(key).or_insert(cap.severity);
            *sev = (*sev).max(cap.severity);
        }
    }
    out
}

/// The actions of `caps` (whose keys are `mine`) absent from `other`,
/// grouped back into the capabilities they come from; each action once.
fn only_in(
    id: &str,
    caps: &[&Capability],
    mine: &BTreeMap<Atom<'_>, Severity>,
    other: &BTreeMap<Atom<'_>, Severity>,
) -> Vec<CapabilityChange> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for cap in caps {
        let keys: Vec<Atom<'_>> = atom_keys(cap)
            .filter(|k| !other.contains_key(k) && seen.insert(*k))
            .collect();
        if keys.is_empty() {
            continue;
        }
        let severity = keys
            .iter()
            .filter_map(|k| mine.get(k).copied())
            .max()
            .unwrap_or(cap.severity);
        out.push(CapabilityChange {
            credential_id: id.to_string(),
            actions: keys.iter().map(|k| k.1.to_string()).collect(),
            resource: cap.resource.clone(),
            environment: cap.environment.clone(),
            category: cap.category,
            severity,
            via: cap.via.clone(),
        });
    }
    out
}

/// Actions in both runs whose (highest) severity changed, grouped by the
/// current capability and by the pair of ratings.
fn rerated(
    id: &str,
    caps: &[&Capability],
    old: &BTreeMap<Atom<'_>, Severity>,
    new: &BTreeMap<Atom<'_>, Severity>,
) -> Vec<CapabilityRatingChange> {
    let mut seen = BTreeSet::new();
    let mut out: Vec<CapabilityRatingChange> = Vec::new();
    for cap in caps {
        // Grouped by (from, to) within one capability, first-seen order.
        let mut groups: Vec<CapabilityRatingChange> = Vec::new();
        for key in atom_keys(cap) {
            let (Some(&from), Some(&to)) = (old.get(&key), new.get(&key)) else {
                continue;
            };
            if from == to || !seen.insert(key) {
                continue;
            }
            match groups.iter_mut().find(|g| g.from == from && g.to == to) {
                Some(g) => g.actions.push(key.1.to_string()),
                None => groups.push(CapabilityRatingChange {
                    credential_id: id.to_string(),
                    actions: vec![key.1.to_string()],
                    resource: cap.resource.clone(),
                    environment: cap.environment.clone(),
                    category: cap.category,
                    from,
                    to,
                }),
            }
        }
        out.extend(groups);
    }
    out
}

/// Findings of `mine` whose `(id, message)` is not among `other`'s, each once.
fn findings_only_in(id: &str, mine: &[&Finding], other: &[&Finding]) -> Vec<FindingChange> {
    let theirs: BTreeSet<(&str, &str)> = other
        .iter()
        .map(|f| (f.id.as_str(), f.message.as_str()))
        .collect();
    let mut seen = BTreeSet::new();
    mine.iter()
        .filter(|f| {
            let key = (f.id.as_str(), f.message.as_str());
            !theirs.contains(&key) && seen.insert(key)
        })
        .map(|f| FindingChange {
            credential_id: id.to_string(),
            finding: (*f).clone(),
        })
        .collect()
}

/// Worst cases are the same when they name the same harm; the summary's
/// wording and the hops may be rephrased between versions.
fn same_worst_case(a: Option<&WorstCase>, b: Option<&WorstCase>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            a.action == b.action
                && a.resource == b.resource
                && a.environment == b.environment
                && a.category == b.category
                && a.reversible == b.reversible
        }
        _ => false,
    }
}
