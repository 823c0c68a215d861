//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards.
//!
//! Rules: one per worst-case category (`credential-destroy`, ...) and one
//! per finding id. The category is what a reviewer triages on ("this token
//! can destroy things") and it is a small fixed set, so alerts group well and
//! rule ids never churn; the concrete action and resource are in each
//! result's message. A finding id is already a stable diagnostic code, which
//! is exactly what a SARIF rule is. Finding ids contain a dot and category
//! rule ids do not, so the two never collide.
//!
//! Results: one per credential rated above none, and one per finding.
//! Levels: critical/high -> error, medium -> warning, low -> note, none ->
//! none. A credential found in a file gets a physical location; one from the
//! environment or an export gets a logical location only, since there is no
//! file to point at.
//!
//! No `security-severity` on rules: GitHub reads it per rule, but a rule
//! here spans severities (destroying staging is high, production critical),
//! so a per-rule score would mislabel results. Each result's `level` and its
//! `properties.severity` carry the real rating.

use std::collections::BTreeMap;

use serde::Serialize;

use super::json::pretty;
use super::text::{self, Source};
use super::RenderOptions;
use crate::{
    Category, Changes, CredentialRef, CredentialReport, CredentialState, Finding, Report, Severity,
};

/// Where the SARIF 2.1.0 schema is published (what `$schema` names).
pub const SARIF_SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub(crate) fn render(report: &Report, options: &RenderOptions) -> String {
    pretty(&log(report, options))
}

fn log(report: &Report, options: &RenderOptions) -> Log {
    let mut rules = RuleSet::default();
    let mut results = Vec::new();
    let changes = report.changes.as_ref();
    for cred in &report.credentials {
        if cred.severity > Severity::None {
            let mut result = credential_result(cred, &mut rules);
            if let Some(changes) = changes {
                result.baseline_state = Some(BaselineState::from(changes.state_of(&cred.id)));
                if let Some(since) = since_baseline(changes, &cred.id) {
                    result.message.text.push(' ');
                    result.message.text.push_str(&since);
                }
            }
            results.push(result);
        }
        for finding in &cred.findings {
            let mut result = finding_result(cred, finding, &mut rules);
            result.baseline_state =
                changes.map(|c| BaselineState::from(c.finding_state(&cred.id, finding)));
            results.push(result);
        }
    }
    if let Some(changes) = changes {
        for gone in &changes.gone_credentials {
            if gone.severity > Severity::None {
                results.push(absent_result(gone, &mut rules));
            }
        }
    }
    Log {
        schema: SARIF_SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "blastradius",
                    version: options.tool_version.clone(),
                    rules: rules.rules,
                },
            },
            results,
        }],
    }
}

/// Rules in the order results first need them; `ruleIndex` points here.
#[derive(Default)]
struct RuleSet {
    rules: Vec<Rule>,
    index: BTreeMap<String, usize>,
}

impl RuleSet {
    fn get(&mut self, id: &str, make: impl FnOnce() -> Rule) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        let i = self.rules.len();
        self.rules.push(make());
        self.index.insert(id.to_string(), i);
        i
    }
}

fn category_rule_id(category: Option<Category>) -> String {
    match category {
        Some(c) => format!("credential-{c}"),
        // A rated credential without a worst case: the rating could not
        // name one action, but the credential still reaches something.
        None => "credential-reach".to_string(),
    }
}

fn category_rule(category: Option<Category>) -> Rule {
    let (name, short, full, level) = match category {
        Some(Category::Destroy) => (
            "CredentialCanDestroy",
            "A reachable credential can destroy resources or data",
            "This credential can delete or destroy resources or data. If it reaches production, or the backups of what it can destroy, the loss may be permanent.",
            Level::Error,
        ),
        Some(Category::Escalate) => (
            "CredentialCanEscalate",
            "A reachable credential can escalate its privileges",
            "This credential can grant itself or others more access (admin, new keys, membership, policy changes): a path to taking over the account, workspace or organisation.",
            Level::Error,
        ),
        Some(Category::Secrets) => (
            "CredentialCanReadSecrets",
            "A reachable credential can read secrets",
            "This credential can read secrets (variables, keys, tokens), which opens everything those secrets open.",
            Level::Error,
        ),
        Some(Category::Write) => (
            "CredentialCanWrite",
            "A reachable credential can write or deploy",
            "This credential can change resources or deploy code.",
            Level::Warning,
        ),
        Some(Category::Read) => (
            "CredentialCanRead",
            "A reachable credential can read data or metadata",
            "This credential can read data or metadata.",
            Level::Note,
        ),
        None => (
            "CredentialReach",
            "A reachable credential has a rated reach",
            "This credential was rated above none but no single worst-case action was named.",
            Level::Warning,
        ),
    };
    Rule {
        id: category_rule_id(category),
        name: name.to_string(),
        short_description: Message::new(short),
        full_description: Message::new(full),
        help: Message::new(
            "Revoke the credential or replace it with one scoped to what it is for; keep it out of files and environments that people or agents can reach.",
        ),
        default_configuration: Configuration { level },
        properties: RuleProperties {
            tags: vec!["security".to_string(), "credentials".to_string()],
        },
    }
}

fn finding_rule(finding: &Finding) -> Rule {
    Rule {
        id: finding.id.clone(),
        name: rule_name(&finding.id),
        short_description: Message::new(format!("blastradius finding {}", finding.id)),
        full_description: Message::new(format!(
            "A diagnostic reported by blastradius while auditing a credential ({}).",
            finding.id
        )),
        help: Message::new("Read the message of each result for what was found and what to do."),
        default_configuration: Configuration {
            level: Level::from(finding.severity),
        },
        properties: RuleProperties {
            tags: vec!["credentials".to_string()],
        },
    }
}

/// `railway.unknown-mutation` -> `RailwayUnknownMutation`: SARIF rule names
/// are meant to be identifier-like.
fn rule_name(id: &str) -> String {
    let mut out = String::new();
    for part in id.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = part.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() {
        "Finding".to_string()
    } else {
        out
    }
}

fn credential_result(cred: &CredentialReport, rules: &mut RuleSet) -> SarifResult {
    let category = cred.worst_case.as_ref().map(|wc| wc.category);
    let rule_id = category_rule_id(category);
    let rule_index = rules.get(&rule_id, || category_rule(category));
    let text = match &cred.worst_case {
        Some(wc) => {
            let mut t = format!(
                "{} {} {} ({}, {}) can {}: {}. Reversible: {}.",
                capitalised(cred.severity.as_str()),
                cred.provider,
                cred.kind,
                cred.redacted,
                cred.identity,
                wc.category,
                text::worst_case_line(wc),
                text::reversible_word(wc.reversible),
            );
            if !wc.summary.is_empty() {
                t.push(' ');
                t.push_str(&wc.summary);
            }
            t
        }
        None => format!(
            "{} {} {} ({}, {}) is rated {} but no worst-case action was named.",
            capitalised(cred.severity.as_str()),
            cred.provider,
            cred.kind,
            cred.redacted,
            cred.identity,
            cred.severity
        ),
    };
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("credentialId/v1".to_string(), cred.id.clone());
    SarifResult {
        rule_id,
        rule_index,
        level: Level::from(cred.severity),
        message: Message::new(text),
        locations: vec![location(cred)],
        partial_fingerprints: fingerprints,
        baseline_state: None,
        properties: properties(cred, cred.severity, None),
    }
}

/// `Since the baseline: rated high (was low); new write capability ...`:
/// what made a result `updated`, since a dashboard shows the message.
fn since_baseline(changes: &Changes, id: &str) -> Option<String> {
    let mut parts = Vec::new();
    for r in changes.ratings_up.iter().chain(&changes.ratings_down) {
        if r.credential.id == id {
            parts.push(format!("rated {} (was {})", r.to, r.from));
        }
    }
    for (caps, word) in [
        (&changes.new_capabilities, "new"),
        (&changes.gone_capabilities, "gone"),
    ] {
        for c in caps.iter().filter(|c| c.credential_id == id) {
            parts.push(format!(
                "{word} {} capability ({}) {} on {} in {}",
                c.category,
                c.severity,
                c.actions.join(", "),
                c.resource,
                text::environment(c.environment.as_deref())
            ));
        }
    }
    for c in changes
        .capability_ratings
        .iter()
        .filter(|c| c.credential_id == id)
    {
        parts.push(format!(
            "{} {} on {} rated {} (was {})",
            c.category,
            c.actions.join(", "),
            c.resource,
            c.to,
            c.from
        ));
    }
    for w in changes.worst_cases.iter().filter(|w| w.credential_id == id) {
        if let Some(from) = &w.from {
            parts.push(format!("worst case was {}", text::worst_case_line(from)));
        }
    }
    (!parts.is_empty()).then(|| format!("Since the baseline: {}.", parts.join("; ")))
}

/// A credential of the baseline that this run no longer finds. Level `none`:
/// it is no longer a risk here, so a dashboard that reads levels but not
/// `baselineState` must not count it as a problem.
fn absent_result(gone: &CredentialRef, rules: &mut RuleSet) -> SarifResult {
    let category = gone.worst_case.as_ref().map(|wc| wc.category);
    let rule_id = category_rule_id(category);
    let rule_index = rules.get(&rule_id, || category_rule(category));
    let worst = match &gone.worst_case {
        Some(wc) => format!(" Its worst case was {}.", text::worst_case_line(wc)),
        None => String::new(),
    };
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("credentialId/v1".to_string(), gone.id.clone());
    SarifResult {
        rule_id,
        rule_index,
        level: Level::None,
        message: Message::new(format!(
            "No longer found: {} {} ({}, {}), rated {} in the baseline.{worst}",
            gone.provider, gone.kind, gone.redacted, gone.identity, gone.severity
        )),
        locations: vec![location_of(&gone.source)],
        partial_fingerprints: fingerprints,
        baseline_state: Some(BaselineState::Absent),
        properties: Properties {
            severity: gone.severity,
            credential_severity: gone.severity,
            provider: gone.provider.as_str(),
            kind: gone.kind.clone(),
            id: gone.id.clone(),
            source: gone.source.clone(),
            // Not checked in this run: it was not found.
            status: "unknown",
            identity: gone.identity.clone(),
            redacted: gone.redacted.clone(),
            finding: None,
        },
    }
}

fn finding_result(cred: &CredentialReport, finding: &Finding, rules: &mut RuleSet) -> SarifResult {
    let rule_index = rules.get(&finding.id, || finding_rule(finding));
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert("credentialId/v1".to_string(), cred.id.clone());
    fingerprints.insert(
        "findingId/v1".to_string(),
        format!("{}:{}", cred.id, finding.id),
    );
    SarifResult {
        rule_id: finding.id.clone(),
        rule_index,
        level: Level::from(finding.severity),
        message: Message::new(format!(
            "{} {} ({}): {}",
            cred.provider, cred.kind, cred.redacted, finding.message
        )),
        locations: vec![location(cred)],
        partial_fingerprints: fingerprints,
        baseline_state: None,
        properties: properties(cred, finding.severity, Some(finding.id.clone())),
    }
}

fn properties(cred: &CredentialReport, severity: Severity, finding: Option<String>) -> Properties {
    Properties {
        severity,
        credential_severity: cred.severity,
        provider: cred.provider.as_str(),
        kind: cred.kind.clone(),
        id: cred.id.clone(),
        source: cred.source.clone(),
        status: cred.status.as_str(),
        identity: cred.identity.clone(),
        redacted: cred.redacted.clone(),
        finding,
    }
}

fn location(cred: &CredentialReport) -> Location {
    location_of(&cred.source)
}

fn location_of(source: &str) -> Location {
    match Source::parse(source) {
        Source::File { path, line } => Location {
            physical_location: Some(PhysicalLocation {
                artifact_location: ArtifactLocation {
                    uri: file_uri(path),
                },
                // SARIF lines start at 1; a line 0 would fail validation.
                region: (line >= 1).then_some(Region { start_line: line }),
            }),
            logical_locations: Vec::new(),
        },
        Source::Env(var) => Location {
            physical_location: None,
            logical_locations: vec![LogicalLocation {
                name: var.to_string(),
                fully_qualified_name: source.to_string(),
                kind: "variable",
            }],
        },
        Source::Other(other) => Location {
            physical_location: None,
            logical_locations: vec![LogicalLocation {
                name: other.to_string(),
                fully_qualified_name: other.to_string(),
                kind: "resource",
            }],
        },
    }
}

/// A relative URI reference for a path: `/` separators, and every byte
/// outside RFC 3986's unreserved set and `/` percent-encoded, so spaces,
/// `#`, `?` or `%` in a file name cannot change what the URI means.
fn file_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
struct Run {
    tool: Tool,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<String>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    help: Message,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
}

#[derive(Serialize)]
struct Configuration {
    level: Level,
}

#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum Level {
    Error,
    Warning,
    Note,
    None,
}

impl From<Severity> for Level {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Critical | Severity::High => Level::Error,
            Severity::Medium => Level::Warning,
            Severity::Low => Level::Note,
            Severity::None => Level::None,
        }
    }
}

#[derive(Serialize)]
struct Message {
    text: String,
}

impl Message {
    fn new(text: impl Into<String>) -> Self {
        Message { text: text.into() }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: Level,
    message: Message,
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<String, String>,
    /// Only when a baseline was given: without one, "new" would be a guess.
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_state: Option<BaselineState>,
    properties: Properties,
}

/// `result.baselineState` of SARIF 2.1.0: how a result relates to the
/// baseline run.
#[derive(Serialize, Clone, Copy)]
#[serde(rename_all = "lowercase")]
enum BaselineState {
    New,
    Unchanged,
    Updated,
    Absent,
}

impl From<CredentialState> for BaselineState {
    fn from(state: CredentialState) -> Self {
        match state {
            CredentialState::New => BaselineState::New,
            CredentialState::Updated => BaselineState::Updated,
            CredentialState::Unchanged => BaselineState::Unchanged,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u64,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

/// Result properties: what a dashboard filters on, beside SARIF's level.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Properties {
    /// Of this result: the credential's, or the finding's.
    severity: Severity,
    credential_severity: Severity,
    provider: &'static str,
    kind: String,
    id: String,
    source: String,
    status: &'static str,
    identity: String,
    redacted: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    finding: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_escapes() {
        assert_eq!(file_uri("deploy/my env/.env"), "deploy/my%20env/.env");
        assert_eq!(file_uri("a\\b#c?.txt"), "a/b%23c%3F.txt");
        assert_eq!(file_uri("ü"), "%C3%BC");
    }

    #[test]
    fn rule_names() {
        assert_eq!(
            rule_name("railway.unknown-mutation"),
            "RailwayUnknownMutation"
        );
        assert_eq!(rule_name("..."), "Finding");
    }
}
