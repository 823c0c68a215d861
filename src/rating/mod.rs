//! Rating: turns a provider's unrated [`Assessment`] into the report's
//! [`CredentialReport`]: a severity for every capability (from the table in
//! `rules.toml`), the credential's severity, and its worst case.

mod table;

use std::sync::Arc;

use blastradius_report::{
    Assessment, Capability, Category, Certainty, CredentialReport, Finding, Provider, Reach,
    Severity, Status, WorstCase,
};

use crate::config::Environments;

/// Who the credential is, as the pipeline knows it (not the provider).
#[derive(Debug, Clone)]
pub struct CredentialMeta {
    pub id: String,
    pub source: String,
    pub redacted: String,
}

/// Rates with the built-in table and the team's `blastradius.toml`.
#[derive(Debug, Clone, Default)]
pub struct Rater {
    environments: Environments,
}

impl Rater {
    pub fn new(environments: &Environments) -> Self {
        Rater {
            environments: environments.clone(),
        }
    }

    /// Whether an environment name counts as production: the config's
    /// `production` list first, then its `non_production` list and the
    /// table's; any other name, and no name at all, is production.
    pub fn is_production(&self, environment: Option<&str>) -> bool {
        let Some(name) = environment else {
            return true;
        };
        let listed = |patterns: &[String]| patterns.iter().any(|p| wildcard_match(p, name));
        if listed(&self.environments.production) {
            return true;
        }
        !(listed(&self.environments.non_production)
            || listed(&table::table().environments.non_production))
    }

    pub fn severity_of(
        &self,
        category: Category,
        data: bool,
        environment: Option<&str>,
    ) -> Severity {
        let row = table::table().row(category, data);
        if self.is_production(environment) {
            row.production
        } else {
            row.other
        }
    }

    pub fn rate_reach(&self, provider: Provider, reach: Reach) -> Capability {
        self.rate_shared(provider, Arc::new(reach))
    }

    /// Rates an entry the provider may share with other credentials; it is
    /// copied only when the config changes its environment.
    pub fn rate_shared(&self, provider: Provider, mut reach: Arc<Reach>) -> Capability {
        // The config knows what the provider cannot: that `acme/sandbox-*`
        // is a sandbox, say.
        if let Some(rule) = self.environments.resources.iter().find(|r| {
            r.provider.is_none_or(|p| p == provider) && wildcard_match(&r.resource, &reach.resource)
        }) {
            Arc::make_mut(&mut reach).environment = Some(rule.environment.clone());
        }
        let severity = self.severity_of(reach.category, reach.data, reach.environment.as_deref());
        Capability::shared(reach, severity)
    }

    pub fn rate(&self, meta: CredentialMeta, assessment: Assessment) -> CredentialReport {
        let provider = assessment.provider;
        let mut capabilities: Vec<Capability> = assessment
            .reach
            .into_iter()
            .map(|r| self.rate_shared(provider, r))
            .collect();
        // Worst first. The sort is stable: ties keep the provider's order, which
        // knows what the scale cannot (a volume holds data, an account does not).
        capabilities.sort_by_key(|c| std::cmp::Reverse(harm_key(c)));
        let usable = matches!(assessment.status, Status::Valid | Status::Unknown);
        // What nothing proves or implies (certainty `unknown`) is listed, but
        // does not set the rating: a finding says what it would add.
        let counted = || {
            capabilities
                .iter()
                .filter(|c| c.certainty != Certainty::Unknown)
        };
        let severity = if usable {
            counted()
                .map(|c| c.severity)
                .max()
                .unwrap_or(Severity::None)
        } else {
            Severity::None
        };
        let worst_case = if usable {
            counted().next().map(worst_case_of)
        } else {
            None
        };
        let mut findings = assessment.findings;
        if let Some(unproven) = capabilities
            .iter()
            .find(|c| usable && c.certainty == Certainty::Unknown && c.severity > severity)
        {
            findings.push(Finding::new(
                "rating.unproven-reach",
                unproven.severity,
                format!(
                    "not counted in the rating, as nothing proves it: if the credential has it, it could also {} `{}` on {} ({})",
                    unproven.category,
                    unproven.actions.first().map(String::as_str).unwrap_or("?"),
                    unproven.resource,
                    unproven.evidence
                ),
            ));
        }
        CredentialReport {
            id: meta.id,
            provider,
            kind: assessment.kind,
            source: meta.source,
            redacted: meta.redacted,
            identity: assessment.identity,
            status: assessment.status,
            severity,
            worst_case,
            capabilities,
            findings,
            expires_at: assessment.expires_at,
            partial: assessment.partial,
        }
    }
}

/// Case-insensitive match where `*` stands for any run of characters.
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let text = text.to_ascii_lowercase();
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for middle in &parts[1..parts.len() - 1] {
        match rest.find(middle) {
            Some(at) => rest = &rest[at + middle.len()..],
            None => return false,
        }
    }
    true
}

/// Orders capabilities by harm: severity, then category, then irreversible
/// before reversible, certain before conditional, proven before inferred.
fn harm_key(c: &Capability) -> (Severity, Category, bool, bool, std::cmp::Reverse<Certainty>) {
    (
        c.severity,
        c.category,
        c.reversible != Some(true),
        !c.conditional,
        std::cmp::Reverse(c.certainty),
    )
}

fn worst_case_of(c: &Capability) -> WorstCase {
    let table = table::table();
    // Providers put the most harmful action first.
    let action = c.actions.first().cloned().unwrap_or_default();
    let env = match &c.environment {
        Some(name) => name.clone(),
        None => "an unknown environment (counted as production)".to_string(),
    };
    let mut summary = table
        .summary_template(c.category)
        .replace("{action}", &action)
        .replace("{resource}", &c.resource)
        .replace("{env}", &env);
    if c.category == Category::Destroy {
        summary.push_str(match c.reversible {
            Some(false) => &table.summary.irreversible,
            Some(true) => &table.summary.reversible,
            None => &table.summary.reversibility_unknown,
        });
    }
    if c.conditional {
        summary.push_str(" (only under conditions the auditor cannot check)");
    }
    summary.push('.');
    WorstCase {
        action,
        resource: c.resource.clone(),
        environment: c.environment.clone(),
        category: c.category,
        // Unknown counts as irreversible: the worst case.
        reversible: c.reversible == Some(true),
        summary: capitalize(&summary),
        via: c.via.clone(),
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_parses() {
        table::parse().expect("rules.toml parses");
    }

    #[test]
    fn examples_in_the_table_hold() {
        let table = table::parse().unwrap();
        assert!(!table.examples.is_empty());
        for ex in &table.examples {
            assert_eq!(
                Rater::default().severity_of(ex.category, ex.data, ex.environment.as_deref()),
                ex.severity,
                "example {ex:?}"
            );
        }
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("pr-*", "PR-12"));
        assert!(wildcard_match("*-pr-*", "web-pr-3"));
        assert!(!wildcard_match("pr-*", "prod"));
        assert!(wildcard_match("staging", "Staging"));
        assert!(!wildcard_match("staging-*", "staging"));
        assert!(
            !wildcard_match("ab*ba", "aba"),
            "prefix and suffix may not overlap"
        );
    }

    #[test]
    fn the_config_overrides_environments_and_resources() {
        let environments = Environments {
            production: vec!["staging-eu".into()],
            non_production: vec!["perf".into()],
            resources: vec![crate::config::ResourceEnvironment {
                provider: Some(Provider::Github),
                resource: "acme/sandbox-*".into(),
                environment: "sandbox".into(),
            }],
            ..Environments::default()
        };
        let rater = Rater::new(&environments);
        assert!(
            rater.is_production(Some("staging-eu")),
            "config production wins over the table"
        );
        assert!(!rater.is_production(Some("perf")));
        assert!(rater.is_production(Some("anything-else")));
        let mut sandbox = reach(Category::Destroy, Some("production"), Some(false));
        sandbox.resource = "acme/sandbox-42".into();
        let cap = rater.rate_reach(Provider::Github, sandbox.clone());
        assert_eq!(
            (cap.environment.as_deref(), cap.severity),
            (Some("sandbox"), Severity::High)
        );
        let cap = rater.rate_reach(Provider::Railway, sandbox);
        assert_eq!(
            cap.severity,
            Severity::Critical,
            "the rule is for GitHub only"
        );
    }

    fn reach(category: Category, env: Option<&str>, reversible: Option<bool>) -> Reach {
        Reach {
            actions: ["volumeDelete", "volumeInstanceBackupDelete"].into(),
            resource: "volume pg-data".into(),
            environment: env.map(str::to_string),
            category,
            conditional: false,
            via: vec!["workspace PocketOS".into()],
            reversible,
            data: false,
            certainty: Certainty::Proven,
            evidence: "test".into(),
        }
    }

    fn assessment(status: Status, reach: Vec<Reach>) -> Assessment {
        Assessment {
            provider: Provider::Railway,
            kind: "railway-account-token".into(),
            identity: "jer".into(),
            status,
            expires_at: None,
            reach: reach.into_iter().map(std::sync::Arc::new).collect(),
            findings: vec![],
            partial: false,
        }
    }

    fn meta() -> CredentialMeta {
        CredentialMeta {
            id: "railway:abc".into(),
            source: "env RAILWAY_API_TOKEN".into(),
            redacted: "****abcd".into(),
        }
    }

    #[test]
    fn worst_case_is_the_irreversible_production_destroy() {
        let report = Rater::default().rate(
            meta(),
            assessment(
                Status::Valid,
                vec![
                    reach(Category::Write, Some("production"), None),
                    reach(Category::Destroy, Some("staging"), Some(false)),
                    reach(Category::Destroy, Some("production"), Some(false)),
                ],
            ),
        );
        assert_eq!(report.severity, Severity::Critical);
        let worst = report.worst_case.unwrap();
        assert_eq!(worst.action, "volumeDelete");
        assert_eq!(worst.environment.as_deref(), Some("production"));
        assert!(!worst.reversible);
        assert!(worst
            .summary
            .starts_with("Can destroy volume pg-data in production"));
        assert!(worst.summary.contains("cannot be undone"));
    }

    #[test]
    fn unknown_reach_is_listed_but_does_not_set_the_rating() {
        let mut unproven = reach(Category::Escalate, Some("production"), None);
        unproven.certainty = Certainty::Unknown;
        unproven.actions = ["PUT /repos/{owner}/{repo}/contents/.github/workflows"].into();
        let report = Rater::default().rate(
            meta(),
            assessment(
                Status::Valid,
                vec![unproven, reach(Category::Write, Some("production"), None)],
            ),
        );
        assert_eq!(report.severity, Severity::High);
        assert_eq!(report.worst_case.unwrap().category, Category::Write);
        assert_eq!(
            report.capabilities.len(),
            2,
            "the unproven reach is still listed"
        );
        let finding = report
            .findings
            .iter()
            .find(|f| f.id == "rating.unproven-reach")
            .expect("a finding names it");
        assert_eq!(finding.severity, Severity::Critical);
        assert!(finding.message.contains("workflows"));
    }

    #[test]
    fn invalid_credentials_rate_none_whatever_they_claim() {
        let report = Rater::default().rate(
            meta(),
            assessment(
                Status::Invalid,
                vec![reach(Category::Destroy, Some("production"), None)],
            ),
        );
        assert_eq!(report.severity, Severity::None);
        assert!(report.worst_case.is_none());
    }

    #[test]
    fn unknown_reversibility_is_reported_as_irreversible() {
        let report = Rater::default().rate(
            meta(),
            assessment(Status::Valid, vec![reach(Category::Destroy, None, None)]),
        );
        let worst = report.worst_case.unwrap();
        assert_eq!(report.severity, Severity::Critical);
        assert!(!worst.reversible);
        assert!(worst.summary.contains("could not be determined"));
    }
}
