//! The run pipeline: gather credentials -> provider data (export or live)
//! -> provider assessment -> rating -> report. Failures of one credential
//! become errors beside the report; the others are still audited.

mod railway;

use std::collections::HashMap;

use blastradius_report::{Assessment, CredentialReport, Finding, Report, Severity, Status};

use crate::credentials::{gather, Credential};
use crate::discover;
use crate::progress::Progress;
use crate::rating::{rate, CredentialMeta};
use crate::settings::{AuditSettings, Sources};

pub use railway::write_export;

/// Collects every Railway credential live (for `collect`).
#[cfg(feature = "live")]
pub fn collect_railway(
    credentials: &[Credential],
    settings: &crate::settings::RailwaySettings,
    progress: &Progress,
) -> Vec<blastradius_railway::TokenExport> {
    railway::collect_live(credentials, settings, &HashMap::new(), progress)
}

/// One line for stderr: what failed and where. Any makes the exit status 2.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("cannot read Railway export `{path}`: {message}")]
    Export { path: String, message: String },
    #[error(transparent)]
    Scan(#[from] discover::ScanError),
    #[error("cannot audit {provider} token {redacted} from {origin}: {message}")]
    Collect {
        provider: &'static str,
        redacted: String,
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

/// Scans the workspace (if any) and merges what it found with the
/// environment's tokens.
pub fn credentials(sources: &Sources, errors: &mut Vec<RunError>) -> (Vec<Credential>, Vec<discover::Skipped>) {
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
    (gather(&sources.env_tokens, found), skipped)
}

pub fn audit(settings: &AuditSettings) -> Outcome {
    let mut errors = Vec::new();
    let progress = Progress::new(settings.progress);
    let railway_exports = railway::load_exports(&settings.sources.railway.exports, &mut errors);
    progress.message("scanning for credentials");
    let (mut credentials, skipped) = credentials(&settings.sources, &mut errors);
    railway::add_export_only(&mut credentials, &railway_exports);

    let mut railway_data: HashMap<String, railway::Data> = railway_exports
        .into_iter()
        .map(|e| (e.fingerprint.clone(), railway::Data::Export(e)))
        .collect();
    if !settings.offline {
        railway::collect_missing(
            &credentials,
            &settings.sources.railway,
            &mut railway_data,
            &progress,
        );
    }

    let mut reports = Vec::with_capacity(credentials.len());
    for credential in &credentials {
        let assessment = match credential.provider {
            blastradius_report::Provider::Railway => {
                match railway_data.get(&credential.fingerprint) {
                    Some(data) => {
                        if let Some(e) = data.collect_error(credential) {
                            errors.push(e);
                        }
                        data.assess()
                    }
                    None => not_audited(credential, railway::missing_reason(settings.offline)),
                }
            }
            other => not_audited(
                credential,
                format!("the {other} adapter is not built yet: the credential is listed, not audited"),
            ),
        };
        reports.push(rated(credential, assessment));
    }
    Outcome {
        report: Report::new(reports),
        errors,
        skipped,
    }
}

fn rated(credential: &Credential, assessment: Assessment) -> CredentialReport {
    let meta = CredentialMeta {
        id: credential.id(),
        source: credential.source.clone(),
        redacted: credential.redacted.clone(),
    };
    let mut report = rate(meta, assessment);
    if !credential.also_at.is_empty() {
        report.findings.push(Finding::new(
            "discovery.also-found",
            Severity::Low,
            format!("the same credential is also at: {}", credential.also_at.join(", ")),
        ));
    }
    report
}

/// A credential the run could not audit: listed, status unknown, and a
/// finding that says why. Never rated as if it could do nothing on purpose:
/// the finding is what a reader acts on.
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
