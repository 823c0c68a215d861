//! The pre-onboarding checklist: before an AI agent is given a workspace,
//! what could it do with the credentials it can reach? Every item is
//! computed from the same audit, says PASS, FAIL or UNKNOWN, and shows its
//! evidence. UNKNOWN whenever the data to decide is missing (offline,
//! partial, not audited): never PASS by default.

mod render;

use blastradius_report::{
    Capability, Category, Certainty, CredentialReport, Report, Severity, Status,
};
use chrono::NaiveDate;
use serde::Serialize;

use crate::rating::Rater;

pub use render::render;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Verdict {
    Pass,
    Unknown,
    Fail,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Unknown => "UNKNOWN",
            Verdict::Fail => "FAIL",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: &'static str,
    pub title: &'static str,
    pub verdict: Verdict,
    pub evidence: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Checklist {
    pub schema_version: u32,
    pub items: Vec<Item>,
}

impl Checklist {
    pub fn failed(&self) -> bool {
        self.items.iter().any(|i| i.verdict == Verdict::Fail)
    }
}

/// What the checks need besides the report.
pub struct Context<'a> {
    pub rater: &'a Rater,
    pub today: NaiveDate,
    pub max_token_days: u32,
}

type Check = fn(&Report, &Context) -> (Verdict, Vec<String>);

/// The items, in the order a reader should fix them.
const ITEMS: &[(&str, &str, Check)] = &[
    (
        "listed",
        "Every credential reachable from PATH and the environment is listed with its worst case",
        listed,
    ),
    (
        "no-critical",
        "No reachable credential rates critical",
        no_critical,
    ),
    (
        "no-production",
        "No production credential is reachable",
        no_production,
    ),
    (
        "one-environment",
        "Each credential is scoped to one environment",
        one_environment,
    ),
    (
        "expiry",
        "Tokens expire within the configured number of days",
        expiry,
    ),
    (
        "backups-out-of-reach",
        "For every production resource a credential can destroy, the backups are out of its reach",
        backups_out_of_reach,
    ),
    (
        "purpose-covers-reach",
        "Every declared purpose covers the credential's reach",
        purpose_covers_reach,
    ),
];

pub fn check(report: &Report, context: &Context) -> Checklist {
    Checklist {
        schema_version: 1,
        items: ITEMS
            .iter()
            .map(|(id, title, check)| {
                let (verdict, evidence) = check(report, context);
                Item {
                    id,
                    title,
                    verdict,
                    evidence,
                }
            })
            .collect(),
    }
}

/// Reach that counts against a credential: not accepted, and proven or
/// implied (unknown reach makes an item UNKNOWN, not FAIL).
fn counts(cap: &Capability) -> bool {
    cap.accepted.is_none() && cap.certainty != Certainty::Unknown
}

fn name(c: &CredentialReport) -> String {
    format!("{} {} ({})", c.kind, c.redacted, c.source)
}

/// Credentials whose reach is not fully known: their absence from a FAIL
/// list proves nothing.
fn unsure(report: &Report) -> Vec<String> {
    report
        .credentials
        .iter()
        .filter(|c| matches!(c.status, Status::Unknown | Status::Error) || c.partial)
        .map(|c| {
            format!(
                "{}: reach not fully known (status {}{})",
                name(c),
                c.status.as_str(),
                if c.partial { ", partial" } else { "" }
            )
        })
        .collect()
}

/// FAIL with the failures as evidence; else UNKNOWN when some credential's
/// reach is not fully known; else PASS with `pass` as evidence.
fn verdict(report: &Report, failures: Vec<String>, pass: String) -> (Verdict, Vec<String>) {
    if !failures.is_empty() {
        return (Verdict::Fail, failures);
    }
    let unsure = unsure(report);
    if !unsure.is_empty() {
        return (Verdict::Unknown, unsure);
    }
    (Verdict::Pass, vec![pass])
}

fn listed(report: &Report, _: &Context) -> (Verdict, Vec<String>) {
    if report.credentials.is_empty() {
        return (
            Verdict::Pass,
            vec!["no credential found in PATH or the environment".to_string()],
        );
    }
    let unsure = unsure(report);
    if !unsure.is_empty() {
        return (Verdict::Unknown, unsure);
    }
    let evidence = report
        .credentials
        .iter()
        .map(|c| match &c.worst_case {
            Some(w) => format!(
                "{}: {} — {} on {}",
                name(c),
                c.severity,
                w.action,
                w.resource
            ),
            None => format!("{}: {} ({})", name(c), c.severity, c.status.as_str()),
        })
        .collect();
    (Verdict::Pass, evidence)
}

fn no_critical(report: &Report, _: &Context) -> (Verdict, Vec<String>) {
    let failures = report
        .credentials
        .iter()
        .filter(|c| c.unaccepted_severity() == Severity::Critical)
        .map(|c| match &c.worst_case {
            Some(w) => format!(
                "{}: critical — {} on {} in {}",
                name(c),
                w.action,
                w.resource,
                w.environment.as_deref().unwrap_or("an unknown environment")
            ),
            None => format!("{}: critical", name(c)),
        })
        .collect();
    verdict(report, failures, "no credential rates critical".to_string())
}

fn no_production(report: &Report, context: &Context) -> (Verdict, Vec<String>) {
    let failures = report
        .credentials
        .iter()
        .filter(|c| c.severity > Severity::None)
        .filter_map(|c| {
            // Reading metadata of production is not holding a production
            // credential; anything more is.
            let cap = c.capabilities.iter().find(|cap| {
                counts(cap)
                    && (cap.category != Category::Read || cap.data)
                    && context.rater.is_production(cap.environment.as_deref())
            })?;
            Some(format!(
                "{}: {} {} on {} in {}",
                name(c),
                cap.category,
                cap.actions.first().map(String::as_str).unwrap_or("?"),
                cap.resource,
                cap.environment
                    .as_deref()
                    .unwrap_or("an unknown environment (counted as production)")
            ))
        })
        .collect();
    verdict(
        report,
        failures,
        "no credential reaches production".to_string(),
    )
}

fn one_environment(report: &Report, _: &Context) -> (Verdict, Vec<String>) {
    let failures = report
        .credentials
        .iter()
        .filter_map(|c| {
            let mut envs: Vec<&str> = c
                .capabilities
                .iter()
                .map(|cap| cap.environment.as_deref().unwrap_or("unknown"))
                .collect();
            envs.sort_unstable();
            envs.dedup();
            (envs.len() > 1).then(|| format!("{}: reaches {}", name(c), envs.join(", ")))
        })
        .collect();
    verdict(
        report,
        failures,
        "each credential reaches one environment".to_string(),
    )
}

fn expiry(report: &Report, context: &Context) -> (Verdict, Vec<String>) {
    let mut failures = Vec::new();
    let mut unknown = Vec::new();
    for c in report
        .credentials
        .iter()
        .filter(|c| c.status == Status::Valid)
    {
        let never = c.findings.iter().any(|f| f.id.ends_with("no-expiry"));
        match c.expires_at.as_deref().and_then(date_prefix) {
            Some(date) => {
                let days = (date - context.today).num_days();
                if days > i64::from(context.max_token_days) {
                    failures.push(format!(
                        "{}: expires {date}, in {days} days (more than {})",
                        name(c),
                        context.max_token_days
                    ));
                }
            }
            None if never => failures.push(format!("{}: never expires", name(c))),
            None => unknown.push(format!("{}: expiry not known", name(c))),
        }
    }
    if !failures.is_empty() {
        return (Verdict::Fail, failures);
    }
    if !unknown.is_empty() {
        return (Verdict::Unknown, unknown);
    }
    verdict(
        report,
        Vec::new(),
        format!(
            "every valid token expires within {} days",
            context.max_token_days
        ),
    )
}

fn date_prefix(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()
}

fn backups_out_of_reach(report: &Report, context: &Context) -> (Verdict, Vec<String>) {
    let mut failures = Vec::new();
    let mut unknown = Vec::new();
    for c in &report.credentials {
        for cap in c.capabilities.iter().filter(|cap| {
            cap.category == Category::Destroy
                && cap.accepted.is_none()
                && context.rater.is_production(cap.environment.as_deref())
        }) {
            if cap.certainty == Certainty::Unknown {
                unknown.push(format!(
                    "{}: {} on {}: not proven either way",
                    name(c),
                    cap.actions.first().map(String::as_str).unwrap_or("?"),
                    cap.resource
                ));
                continue;
            }
            let line = format!(
                "{}: {} on {} in {}",
                name(c),
                cap.actions.first().map(String::as_str).unwrap_or("?"),
                cap.resource,
                cap.environment
                    .as_deref()
                    .unwrap_or("an unknown environment")
            );
            match cap.reversible {
                Some(false) => failures.push(format!(
                    "{line}: its backups are within the same reach, or there are none"
                )),
                None => unknown.push(format!("{line}: whether backups survive is not known")),
                Some(true) => {}
            }
        }
    }
    if !failures.is_empty() {
        return (Verdict::Fail, failures);
    }
    if !unknown.is_empty() {
        return (Verdict::Unknown, unknown);
    }
    verdict(
        report,
        Vec::new(),
        "no credential can destroy a production resource together with its backups".to_string(),
    )
}

fn purpose_covers_reach(report: &Report, _: &Context) -> (Verdict, Vec<String>) {
    let mut failures = Vec::new();
    let mut undeclared = Vec::new();
    for c in report
        .credentials
        .iter()
        .filter(|c| c.severity > Severity::None)
    {
        match c.findings.iter().find(|f| f.id.starts_with("purpose.")) {
            Some(f) if f.id == "purpose.excess" => {
                failures.push(format!("{}: {}", name(c), f.message))
            }
            Some(_) => {}
            None => undeclared.push(format!(
                "{}: no purpose declared in blastradius.toml ([[credential]])",
                name(c)
            )),
        }
    }
    if !failures.is_empty() {
        return (Verdict::Fail, failures);
    }
    if !undeclared.is_empty() {
        return (Verdict::Unknown, undeclared);
    }
    verdict(
        report,
        Vec::new(),
        "every credential stays within its declared purpose".to_string(),
    )
}
