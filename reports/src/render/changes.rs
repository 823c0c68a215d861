//! The "Changes since baseline" section as plain lines, shared by the table,
//! Markdown and HTML renderers. Lines hold raw report values: each renderer
//! escapes them its own way (terminal, Markdown, HTML).

use super::text::{self, Source};
use crate::{CapabilityChange, Changes, CredentialRef, Report, Severity, WorstCase};

/// One group of changes: `New capabilities`, `Ratings up`, ...
pub(crate) struct Section {
    pub title: &'static str,
    pub lines: Vec<Line>,
}

/// `{lead}{severity}{rest}`: the severity word sits in the middle so that
/// renderers can colour or embolden it (`escalate critical: ...`).
pub(crate) struct Line {
    pub lead: String,
    pub severity: Severity,
    pub rest: String,
}

/// `escalate critical: ACTIONS on RESOURCE in ENV; CREDENTIAL` for each.
fn capability_lines(list: &[CapabilityChange], name: &dyn Fn(&str) -> String) -> Vec<Line> {
    list.iter()
        .map(|c| Line {
            lead: format!("{} ", c.category),
            severity: c.severity,
            rest: format!(
                ": {} on {} in {}; {}",
                c.actions.join(", "),
                c.resource,
                text::environment(c.environment.as_deref()),
                name(&c.credential_id)
            ),
        })
        .collect()
}

/// The non-empty sections, most alarming first: what is new, then what
/// went up, then what went away or down.
pub(crate) fn sections(report: &Report, changes: &Changes) -> Vec<Section> {
    let name = |id: &str| credential_name(report, changes, id);
    let all = vec![
        Section {
            title: "New credentials",
            lines: changes
                .new_credentials
                .iter()
                .map(|c| Line {
                    lead: String::new(),
                    severity: c.severity,
                    rest: format!(": {}{}", reference(c), worst_suffix(c)),
                })
                .collect(),
        },
        Section {
            title: "New capabilities",
            lines: capability_lines(&changes.new_capabilities, &name),
        },
        Section {
            title: "Ratings up",
            lines: changes
                .ratings_up
                .iter()
                .map(|r| Line {
                    lead: format!("{} → ", r.from),
                    severity: r.to,
                    rest: format!(": {}", reference(&r.credential)),
                })
                .collect(),
        },
        Section {
            title: "Capabilities re-rated",
            lines: changes
                .capability_ratings
                .iter()
                .map(|c| Line {
                    lead: format!("{} {} → ", c.category, c.from),
                    severity: c.to,
                    rest: format!(
                        ": {} on {} in {}; {}",
                        c.actions.join(", "),
                        c.resource,
                        text::environment(c.environment.as_deref()),
                        name(&c.credential_id)
                    ),
                })
                .collect(),
        },
        Section {
            title: "Worst case changed",
            lines: changes
                .worst_cases
                .iter()
                .map(|w| Line {
                    lead: String::new(),
                    severity: severity_of(report, &w.credential_id),
                    rest: format!(
                        ": {}: was {}; now {}",
                        name(&w.credential_id),
                        worst_or_none(w.from.as_ref()),
                        worst_or_none(w.to.as_ref())
                    ),
                })
                .collect(),
        },
        Section {
            title: "New findings",
            lines: changes
                .new_findings
                .iter()
                .map(|f| Line {
                    lead: String::new(),
                    severity: f.finding.severity,
                    rest: format!(
                        " {} ({}): {}",
                        f.finding.id,
                        name(&f.credential_id),
                        f.finding.message
                    ),
                })
                .collect(),
        },
        Section {
            title: "Credentials gone",
            lines: changes
                .gone_credentials
                .iter()
                .map(|c| Line {
                    lead: "was ".to_string(),
                    severity: c.severity,
                    rest: format!(": {}", reference(c)),
                })
                .collect(),
        },
        Section {
            title: "Capabilities gone",
            lines: capability_lines(&changes.gone_capabilities, &name),
        },
        Section {
            title: "Ratings down",
            lines: changes
                .ratings_down
                .iter()
                .map(|r| Line {
                    lead: format!("{} → ", r.from),
                    severity: r.to,
                    rest: format!(": {}", reference(&r.credential)),
                })
                .collect(),
        },
        Section {
            title: "Findings gone",
            lines: changes
                .gone_findings
                .iter()
                .map(|f| Line {
                    lead: String::new(),
                    severity: f.finding.severity,
                    rest: format!(
                        " {} ({}): {}",
                        f.finding.id,
                        name(&f.credential_id),
                        f.finding.message
                    ),
                })
                .collect(),
        },
    ];
    all.into_iter().filter(|s| !s.lines.is_empty()).collect()
}

/// `railway/railway-account-token 3f1c…(36 chars) (infra/.env:4)`.
fn reference(c: &CredentialRef) -> String {
    format!(
        "{}/{} {} ({})",
        c.provider,
        c.kind,
        c.redacted,
        source(&c.source)
    )
}

fn worst_suffix(c: &CredentialRef) -> String {
    match &c.worst_case {
        Some(wc) => format!(", worst case {}: {}", wc.category, worst_or_none(Some(wc))),
        None => String::new(),
    }
}

fn worst_or_none(wc: Option<&WorstCase>) -> String {
    match wc {
        Some(wc) => format!(
            "{} on {} in {}",
            wc.action,
            wc.resource,
            text::environment(wc.environment.as_deref())
        ),
        None => "nothing named".to_string(),
    }
}

fn source(s: &str) -> String {
    match Source::parse(s) {
        Source::Env(var) => format!("env {var}"),
        _ => s.to_string(),
    }
}

/// A credential of the current report (or, failing that, a gone one) by id.
fn credential_name(report: &Report, changes: &Changes, id: &str) -> String {
    if let Some(c) = report.credentials.iter().find(|c| c.id == id) {
        return format!(
            "{}/{} {} ({})",
            c.provider,
            c.kind,
            c.redacted,
            source(&c.source)
        );
    }
    match changes.gone_credentials.iter().find(|c| c.id == id) {
        Some(c) => reference(c),
        None => id.to_string(),
    }
}

fn severity_of(report: &Report, id: &str) -> Severity {
    report
        .credentials
        .iter()
        .filter(|c| c.id == id)
        .map(|c| c.severity)
        .max()
        .unwrap_or(Severity::None)
}
