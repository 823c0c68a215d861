//! The run pipeline: gather credentials -> provider data (export or live)
//! -> provider assessment -> rating -> report. Failures of one credential
//! become errors beside the report; the others are still audited.

mod adapter;
mod aws;
mod github;
mod railway;

use blastradius_report::{
    Assessment, CredentialReport, Finding, Provider, Report, Severity, Status,
};

use crate::credentials::{gather, Credential};
use crate::declared::Declared;
use crate::discover;
use crate::progress::Progress;
use crate::rating::{CredentialMeta, Rater};
use crate::settings::{AuditSettings, Sources};

pub use adapter::{write_export, Adapter, Step};
pub use aws::collect_gaad_json;
pub use github::Github;
pub use railway::Railway;

/// One line for stderr: what failed and where. Any makes the exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read {provider} export `{path}`: {message}")]
    Export {
        provider: &'static str,
        path: String,
        message: String,
    },
    #[error(transparent)]
    Scan(#[from] discover::ScanError),
    #[error("cannot audit {provider} {what} from {origin}: {message}")]
    Collect {
        provider: &'static str,
        /// What could not be audited, e.g. `token ****5e31` (never a secret).
        what: String,
        origin: String,
        message: String,
    },
}

pub struct Outcome {
    pub report: Report,
    pub errors: Vec<RunError>,
    /// Files the workspace scan passed over, with why.
    pub skipped: Vec<discover::Skipped>,
}

/// Every provider's data for one run.
pub struct Steps {
    pub railway: Step<Railway>,
    pub github: Step<Github>,
    pub aws: aws::AwsStep,
}

impl Steps {
    pub fn from_exports(sources: &Sources, errors: &mut Vec<RunError>) -> Self {
        Steps {
            railway: Step::from_exports(&sources.railway.exports, errors),
            github: Step::from_exports(&sources.github.exports, errors),
            aws: aws::AwsStep::default(),
        }
    }

    pub fn add_export_only(&self, credentials: &mut Vec<Credential>) {
        self.railway.add_export_only(credentials);
        self.github.add_export_only(credentials);
    }

    pub fn collect_missing(
        &mut self,
        credentials: &[Credential],
        sources: &Sources,
        progress: &Progress,
    ) {
        self.railway
            .collect_missing(credentials, &sources.railway.api_url, progress);
        self.github
            .collect_missing(credentials, &sources.github.api_url, progress);
    }

    fn assess(
        &self,
        credential: &Credential,
        offline: bool,
        errors: &mut Vec<RunError>,
    ) -> Assessment {
        let (assessment, reason) = match credential.provider {
            Provider::Railway => (
                self.railway.assess(credential, errors),
                adapter::missing_reason::<Railway>(offline),
            ),
            Provider::Github => (
                self.github.assess(credential, errors),
                adapter::missing_reason::<Github>(offline),
            ),
            Provider::Aws => match self.aws.assess_key(credential, offline) {
                Ok(assessment) => (Some(assessment), String::new()),
                Err(reason) => (None, reason),
            },
        };
        assessment.unwrap_or_else(|| not_audited(credential, reason))
    }
}

/// Scans the workspace (if any) and merges what it found with the
/// environment's tokens.
pub fn credentials(
    sources: &Sources,
    errors: &mut Vec<RunError>,
) -> (Vec<Credential>, Vec<discover::Skipped>) {
    let (found, skipped) = match &sources.workspace {
        Some(root) => match discover::scan_path(root, &sources.scan) {
            Ok(scan) => (scan.found, scan.skipped),
            Err(e) => {
                errors.push(e.into());
                (Vec::new(), Vec::new())
            }
        },
        None => (Vec::new(), Vec::new()),
    };
    let mut found = found;
    if sources.scan_environment && !sources.no_env {
        found.extend(discover::scan_env(std::env::vars()));
    }
    (gather(&sources.env_tokens, found), skipped)
}

pub fn audit(settings: &AuditSettings) -> Outcome {
    let mut errors = Vec::new();
    let progress = Progress::new(settings.progress);
    let mut steps = Steps::from_exports(&settings.sources, &mut errors);
    progress.message("reading AWS accounts");
    steps.aws = aws::AwsStep::load(
        &settings.sources.aws,
        settings.offline,
        &settings.config,
        &mut errors,
    );
    progress.message("scanning for credentials");
    let (mut credentials, skipped) = credentials(&settings.sources, &mut errors);
    steps.add_export_only(&mut credentials);
    if !settings.offline {
        steps.collect_missing(&credentials, &settings.sources, &progress);
    }
    let rater = Rater::new(&settings.config.environments);
    let today = chrono::Utc::now().date_naive();
    let declared = Declared::new(
        &settings.config,
        settings.sources.workspace.as_deref(),
        today,
    );
    let mut assessed: Vec<(Credential, Assessment)> = credentials
        .into_iter()
        .map(|credential| {
            let assessment = steps.assess(&credential, settings.offline, &mut errors);
            (credential, assessment)
        })
        .collect();
    assessed.extend(steps.aws.principals());
    let reports = assessed
        .into_iter()
        .map(|(credential, assessment)| {
            let mut report = rated(&rater, &credential, assessment);
            declared.apply(&credential, &mut report);
            report
        })
        .collect();
    Outcome {
        report: Report::new(reports),
        errors,
        skipped,
    }
}

fn rated(rater: &Rater, credential: &Credential, assessment: Assessment) -> CredentialReport {
    let meta = CredentialMeta {
        id: credential.id(),
        source: credential.source.clone(),
        redacted: credential.redacted.clone(),
    };
    let mut report = rater.rate(meta, assessment);
    if !credential.also_at.is_empty() {
        report.findings.push(Finding::new(
            "discovery.also-found",
            Severity::Low,
            format!(
                "the same credential is also at: {}",
                credential.also_at.join(", ")
            ),
        ));
    }
    report
}

/// A credential the run could not audit: listed, status unknown, and a
/// finding that says why, so that a reader knows its reach is not "nothing"
/// but "not known".
fn not_audited(credential: &Credential, reason: String) -> Assessment {
    Assessment {
        provider: credential.provider,
        kind: credential.kind_hint.clone(),
        identity: "unknown (not audited)".to_string(),
        status: Status::Unknown,
        expires_at: None,
        reach: Vec::new(),
        findings: vec![Finding::new(
            "audit.not-audited",
            Severity::Medium,
            format!("not audited: {reason}"),
        )],
        partial: true,
    }
}
