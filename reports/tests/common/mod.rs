//! The sample report every renderer test uses: the April 2026 story and its
//! neighbours, built in code so that each test can change one value.
#![allow(dead_code)] // Each test crate uses its own part of this.

use blastradius_report::{
    Capability, Category, Certainty, CredentialReport, Finding, Provider, Reach, Report, Severity,
    Status, WorstCase,
};

pub fn cap(
    category: Category,
    severity: Severity,
    actions: &[&str],
    resource: &str,
    environment: Option<&str>,
    via: &[&str],
) -> Capability {
    Capability::rated(
        Reach {
            actions: actions.iter().map(|a| a.to_string()).collect(),
            resource: resource.to_string(),
            environment: environment.map(str::to_string),
            category,
            conditional: false,
            via: via.iter().map(|v| v.to_string()).collect(),
            reversible: None,
            data: false,
            certainty: Certainty::Proven,
            evidence: "test".to_string(),
        },
        severity,
    )
}

pub fn worst(
    action: &str,
    resource: &str,
    environment: Option<&str>,
    category: Category,
    reversible: bool,
    summary: &str,
    via: &[&str],
) -> Option<WorstCase> {
    Some(WorstCase {
        action: action.to_string(),
        resource: resource.to_string(),
        environment: environment.map(str::to_string),
        category,
        reversible,
        summary: summary.to_string(),
        via: via.iter().map(|v| v.to_string()).collect(),
    })
}

/// The April 2026 story and its neighbours.
pub fn sample() -> Report {
    let account = CredentialReport {
        id: "railway:7f3a9c21d04e8b55".to_string(),
        provider: Provider::Railway,
        kind: "railway-account-token".to_string(),
        source: "infra/custom-domains/.env:4".to_string(),
        redacted: "3f1c…(36 chars)".to_string(),
        identity: "user ops@pocketos.dev, workspace pocketos".to_string(),
        status: Status::Valid,
        severity: Severity::Critical,
        worst_case: worst(
            "volumeDelete",
            "volume pg-data (project pocketos)",
            Some("production"),
            Category::Destroy,
            false,
            "Deletes the production Postgres volume; its backups live on the same volume, so nothing is left to restore.",
            &["account token", "workspace pocketos", "project pocketos"],
        ),
        capabilities: vec![
            {
                let mut c = cap(
                    Category::Destroy,
                    Severity::Critical,
                    &["volumeDelete", "volumeInstanceBackupDelete"],
                    "volume pg-data (project pocketos)",
                    Some("production"),
                    &["workspace pocketos", "project pocketos"],
                );
                c.reversible = Some(false);
                c
            },
            cap(
                Category::Escalate,
                Severity::Critical,
                &["teamUserInvite", "projectMemberAdd"],
                "workspace pocketos",
                None,
                &["workspace pocketos"],
            ),
            cap(
                Category::Secrets,
                Severity::High,
                &["variables"],
                "environment production (project pocketos)",
                Some("production"),
                &["project pocketos"],
            ),
            cap(
                Category::Write,
                Severity::High,
                &["serviceInstanceDeploy"],
                "service api (project pocketos)",
                Some("production"),
                &[],
            ),
        ],
        findings: vec![Finding::new(
            "railway.no-verb-scoping",
            Severity::High,
            "Railway tokens cannot be limited to verbs: a token made for custom domains can delete volumes.",
        )],
        expires_at: None,
        partial: false,
    };
    let staging = CredentialReport {
        id: "railway:c0ffee0012345678".to_string(),
        provider: Provider::Railway,
        kind: "railway-project-token".to_string(),
        source: "env RAILWAY_API_TOKEN".to_string(),
        redacted: "9b2e…(36 chars)".to_string(),
        identity: "project pocketos, environment staging".to_string(),
        status: Status::Valid,
        severity: Severity::High,
        worst_case: worst(
            "serviceDelete",
            "service api (project pocketos)",
            Some("staging"),
            Category::Destroy,
            false,
            "Deletes the staging API service and its deployments.",
            &["project token", "environment staging"],
        ),
        capabilities: vec![
            cap(
                Category::Destroy,
                Severity::High,
                &["serviceDelete", "volumeDelete"],
                "service api (project pocketos)",
                Some("staging"),
                &["environment staging"],
            ),
            cap(
                Category::Secrets,
                Severity::Medium,
                &["variables"],
                "environment staging (project pocketos)",
                Some("staging"),
                &[],
            ),
        ],
        findings: vec![],
        expires_at: None,
        partial: false,
    };
    let role = CredentialReport {
        id: "arn:aws:iam::111122223333:role/staging-writer".to_string(),
        provider: Provider::Aws,
        kind: "aws-iam-role".to_string(),
        source: "arn:aws:iam::111122223333:role/staging-writer".to_string(),
        redacted: "(role, no secret)".to_string(),
        identity: "arn:aws:iam::111122223333:role/staging-writer".to_string(),
        status: Status::Unknown,
        severity: Severity::Medium,
        worst_case: worst(
            "s3:PutObject",
            "arn:aws:s3:::pocketos-staging-assets/*",
            Some("staging"),
            Category::Write,
            true,
            "Can overwrite staging assets; versioning keeps the old objects.",
            &[],
        ),
        capabilities: vec![],
        findings: vec![],
        expires_at: None,
        partial: true,
    };
    let viewer = CredentialReport {
        id: "github:5a5a5a5a00000001".to_string(),
        provider: Provider::Github,
        kind: "github-fine-grained-pat".to_string(),
        source: "ci/scripts/notify.sh:17".to_string(),
        redacted: "github_pat_…(93 chars)".to_string(),
        // A `|` in a value must not break the Markdown table.
        identity: "octo-bot | read-only viewer".to_string(),
        status: Status::Valid,
        severity: Severity::Low,
        worst_case: worst(
            "GET /repos/{owner}/{repo}",
            "repository pocketos/web (metadata)",
            None,
            Category::Read,
            true,
            "Reads repository metadata only.",
            &[],
        ),
        capabilities: vec![cap(
            Category::Read,
            Severity::Low,
            &["GET /repos/{owner}/{repo}"],
            "repository pocketos/web",
            None,
            &[],
        )],
        findings: vec![],
        expires_at: Some("2026-12-31T00:00:00Z".to_string()),
        partial: false,
    };
    let invalid = CredentialReport {
        id: "aws:AKIA0000OLDKEY".to_string(),
        provider: Provider::Aws,
        kind: "aws-iam-user".to_string(),
        source: "terraform/old.tfvars:9".to_string(),
        redacted: "AKIA…(20 chars)".to_string(),
        identity: "unknown".to_string(),
        status: Status::Invalid,
        severity: Severity::None,
        worst_case: None,
        capabilities: vec![],
        findings: vec![Finding::new(
            "aws.credential-invalid",
            Severity::Low,
            "AWS rejected the access key (InvalidClientTokenId): delete it from the file.",
        )],
        expires_at: None,
        partial: false,
    };
    Report::new(vec![invalid, viewer, role, staging, account])
}
