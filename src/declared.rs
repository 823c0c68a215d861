//! What the team declared in `blastradius.toml` about known credentials:
//! their purpose (and so what they can do beyond it) and the risks accepted
//! until a date. Applied to a rated credential; matched by where the
//! credential is, never by the secret.

use std::path::Path;

use blastradius_report::{Capability, CredentialReport, Finding, Reach, Severity};
use chrono::NaiveDate;

use crate::config::{parse_date, Acceptance, Allowance, Allowed, Config, CredentialRule};
use crate::credentials::Credential;
use crate::rating::wildcard_match;

pub struct Declared<'a> {
    config: &'a Config,
    workspace: Option<&'a Path>,
    today: NaiveDate,
}

impl<'a> Declared<'a> {
    pub fn new(config: &'a Config, workspace: Option<&'a Path>, today: NaiveDate) -> Self {
        Declared {
            config,
            workspace,
            today,
        }
    }

    pub fn apply(&self, credential: &Credential, report: &mut CredentialReport) {
        if let Some(rule) = self.rule_for(credential) {
            report.findings.push(purpose_finding(rule, report));
        }
        let id = report.id.clone();
        for acceptance in self.config.accepted.iter().filter(|a| a.credential == id) {
            self.accept(acceptance, report);
        }
    }

    /// The purpose declared for this credential, if any.
    pub fn rule_for(&self, credential: &Credential) -> Option<&'a CredentialRule> {
        let id = credential.id();
        let places: Vec<&str> = std::iter::once(credential.source.as_str())
            .chain(credential.also_at.iter().map(String::as_str))
            .collect();
        self.config.credentials.iter().find(|rule| {
            if let Some(want) = &rule.id {
                return *want == id;
            }
            if let Some(variable) = &rule.variable {
                return credential.name.as_deref() == Some(variable.as_str());
            }
            rule.source
                .as_deref()
                .is_some_and(|pattern| places.iter().any(|p| self.source_matches(pattern, p)))
        })
    }

    /// `FILE:LINE` against a glob on the file, as reported or relative to
    /// the workspace (where `blastradius.toml` usually sits).
    fn source_matches(&self, pattern: &str, source: &str) -> bool {
        let file = match source.rsplit_once(':') {
            Some((file, line)) if line.chars().all(|c| c.is_ascii_digit()) => file,
            _ => source,
        };
        let relative = self
            .workspace
            .and_then(|w| Path::new(file).strip_prefix(w).ok())
            .map(|p| p.display().to_string());
        wildcard_match(pattern, file) || relative.is_some_and(|r| wildcard_match(pattern, &r))
    }

    fn accept(&self, acceptance: &Acceptance, report: &mut CredentialReport) {
        // Validated when the config was loaded.
        let Ok(expires) = parse_date(&acceptance.expires) else {
            return;
        };
        let allowance = Allowance::parse(&acceptance.action);
        let expired = self.today > expires;
        let mut matched = Vec::new();
        for cap in report.capabilities.iter_mut() {
            if !covers(&allowance, cap) {
                continue;
            }
            matched.push((cap.severity, describe(cap)));
            if !expired {
                cap.accepted = Some(format!(
                    "accepted by {} until {}: {}",
                    acceptance.owner, acceptance.expires, acceptance.reason
                ));
            }
        }
        let Some(worst) = matched.iter().map(|(s, _)| *s).max() else {
            return;
        };
        let what = matched
            .iter()
            .map(|(_, d)| d.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        report.findings.push(if expired {
            Finding::new(
                "risk.acceptance-expired",
                worst,
                format!(
                    "the acceptance of `{}` by {} expired on {} ({}): it counts again: {what}",
                    acceptance.action, acceptance.owner, acceptance.expires, acceptance.reason
                ),
            )
        } else {
            Finding::new(
                "risk.accepted",
                Severity::None,
                format!(
                    "accepted by {} until {} ({}): {what}",
                    acceptance.owner, acceptance.expires, acceptance.reason
                ),
            )
        });
    }
}

/// Whether an allowance covers every action of a capability where it is.
fn covers(allowance: &Allowance, cap: &Capability) -> bool {
    let env = cap.environment.as_deref().unwrap_or("unknown");
    if let Some(pattern) = &allowance.environment {
        if !wildcard_match(pattern, env) {
            return false;
        }
    }
    match &allowance.what {
        Allowed::Category(category) => *category == cap.category,
        Allowed::Action(pattern) => cap.actions.iter().all(|a| wildcard_match(pattern, a)),
    }
}

/// The actions of a capability no allowance of the rule covers.
fn beyond<'c>(allowances: &[Allowance], cap: &'c Capability) -> Vec<&'c str> {
    cap.actions
        .iter()
        .filter(|action| {
            let single = Capability::rated(
                Reach {
                    actions: vec![(*action).clone()].into(),
                    ..cap.reach().clone()
                },
                cap.severity,
            );
            !allowances.iter().any(|a| covers(a, &single))
        })
        .map(String::as_str)
        .collect()
}

fn describe(cap: &Capability) -> String {
    let env = cap
        .environment
        .as_deref()
        .unwrap_or("an unknown environment");
    let head = cap.actions.first().map(String::as_str).unwrap_or("?");
    format!("{head} on {} in {env}", cap.resource)
}

/// `purpose.excess` when the credential can do more than it is for (with
/// the severity of the worst thing beyond its purpose), `purpose.covered`
/// otherwise.
fn purpose_finding(rule: &CredentialRule, report: &CredentialReport) -> Finding {
    let allowances: Vec<Allowance> = rule.allow.iter().map(|a| Allowance::parse(a)).collect();
    let declared = format!("declared \"{}\": {}", rule.purpose, rule.allow.join(", "));
    let mut excess_actions = std::collections::BTreeSet::new();
    let mut worst: Option<(&Capability, &str)> = None;
    // Capabilities are sorted worst first, so the first one with an action
    // beyond the purpose is the one to name.
    for cap in &report.capabilities {
        let extra = beyond(&allowances, cap);
        if let (None, Some(first)) = (worst, extra.first()) {
            worst = Some((cap, first));
        }
        excess_actions.extend(extra);
    }
    match worst {
        None => Finding::new(
            "purpose.covered",
            Severity::None,
            format!("{declared}; its reach stays within that purpose"),
        ),
        Some((cap, action)) => {
            let env = cap
                .environment
                .as_deref()
                .unwrap_or("an unknown environment");
            Finding::new(
                "purpose.excess",
                cap.severity,
                format!(
                    "{declared}; reaches {} more action(s) beyond it, incl. {action} on {} in {env}",
                    excess_actions.len(),
                    cap.resource
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use blastradius_report::{Category, Certainty, Provider, Status};

    fn cap(actions: &[&str], category: Category, env: &str, severity: Severity) -> Capability {
        Capability::rated(
            Reach {
                actions: actions.iter().map(|a| a.to_string()).collect(),
                resource: "volume pg-data".into(),
                environment: Some(env.into()),
                category,
                conditional: false,
                via: vec![],
                reversible: Some(false),
                data: false,
                certainty: Certainty::Proven,
                evidence: String::new(),
            },
            severity,
        )
    }

    fn report(caps: Vec<Capability>) -> CredentialReport {
        CredentialReport {
            id: "railway:d7f7b796bea0e819".into(),
            provider: Provider::Railway,
            kind: "railway-account-token".into(),
            source: "ws/scripts/custom-domains.sh:5".into(),
            redacted: "****5e31".into(),
            identity: "jer".into(),
            status: Status::Valid,
            severity: Severity::Critical,
            worst_case: None,
            capabilities: caps,
            findings: vec![],
            expires_at: None,
            partial: false,
        }
    }

    fn credential() -> Credential {
        let mut credential = Credential::known(
            Provider::Railway,
            "d7f7b796bea0e819",
            "railway-token".into(),
            "****5e31".into(),
            "ws/scripts/custom-domains.sh:5".into(),
        );
        credential.name = Some("RAILWAY_API_TOKEN".into());
        credential
    }

    fn config(text: &str) -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("blastradius.toml");
        std::fs::write(&path, text).unwrap();
        Config::load(&path).unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
    }

    #[test]
    fn a_domain_token_that_can_delete_the_volume_is_named_in_excess() {
        let config = config(
            "[[credential]]\nsource = \"scripts/custom-domains.sh\"\npurpose = \"custom domains\"\nallow = [\"customDomain*\"]\n",
        );
        let declared = Declared::new(&config, Some(Path::new("ws")), today());
        let mut r = report(vec![
            cap(
                &["volumeDelete", "volumeInstanceBackupDelete"],
                Category::Destroy,
                "production",
                Severity::Critical,
            ),
            cap(
                &["customDomainCreate", "customDomainDelete"],
                Category::Write,
                "production",
                Severity::High,
            ),
        ]);
        declared.apply(&credential(), &mut r);
        let f = &r.findings[0];
        assert_eq!(
            (f.id.as_str(), f.severity),
            ("purpose.excess", Severity::Critical)
        );
        assert!(f.message.contains("2 more action(s)"), "{}", f.message);
        assert!(
            f.message
                .contains("volumeDelete on volume pg-data in production"),
            "{}",
            f.message
        );
    }

    #[test]
    fn a_purpose_by_environment_covers_everything_there() {
        let config = config(
            "[[credential]]\nvariable = \"RAILWAY_API_TOKEN\"\npurpose = \"staging\"\nallow = [\"*@staging\"]\n",
        );
        let declared = Declared::new(&config, None, today());
        let mut r = report(vec![cap(
            &["volumeDelete"],
            Category::Destroy,
            "staging",
            Severity::High,
        )]);
        declared.apply(&credential(), &mut r);
        assert_eq!(r.findings[0].id, "purpose.covered");
        let mut r = report(vec![cap(
            &["volumeDelete"],
            Category::Destroy,
            "production",
            Severity::Critical,
        )]);
        declared.apply(&credential(), &mut r);
        assert_eq!(r.findings[0].id, "purpose.excess");
    }

    #[test]
    fn an_accepted_risk_holds_until_it_expires() {
        let text = |expires: &str| {
            format!(
                "[[accept]]\ncredential = \"railway:d7f7b796bea0e819\"\naction = \"volumeDelete\"\nowner = \"jer\"\nreason = \"migration\"\nexpires = \"{expires}\"\n"
            )
        };
        let caps = || {
            vec![
                cap(
                    &["volumeDelete"],
                    Category::Destroy,
                    "production",
                    Severity::Critical,
                ),
                cap(
                    &["variableUpsert"],
                    Category::Write,
                    "production",
                    Severity::High,
                ),
            ]
        };
        let live = config(&text("2026-12-31"));
        let mut r = report(caps());
        Declared::new(&live, None, today()).apply(&credential(), &mut r);
        assert!(r.capabilities[0].accepted.is_some());
        assert_eq!(r.unaccepted_severity(), Severity::High);
        assert_eq!(
            r.severity,
            Severity::Critical,
            "the rating itself stays the truth"
        );

        let old = config(&text("2026-11-20"));
        let mut r = report(caps());
        Declared::new(&old, None, today()).apply(&credential(), &mut r);
        assert!(r.capabilities[0].accepted.is_none());
        assert_eq!(r.unaccepted_severity(), Severity::Critical);
        assert!(r.findings.iter().any(|f| f.id == "risk.acceptance-expired"));
    }
}
