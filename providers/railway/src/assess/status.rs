//! Identity, status and the findings that are not reach.

use blastradius_report::{Finding, Severity, Status};

use super::reach::ScopedProject;
use super::roles::Grant;
use crate::export::{ProbeOutcome, Role, TokenExport, TokenType, Workspace};

/// The user as shown: email, else name, else id.
pub fn account_name(token: &TokenExport) -> String {
    match &token.user {
        Some(u) => u
            .email
            .clone()
            .or_else(|| u.name.clone())
            .unwrap_or_else(|| format!("user {}", u.id)),
        None => "unknown user".into(),
    }
}

fn workspace_names(token: &TokenExport) -> String {
    token
        .workspaces
        .iter()
        .map(|w| w.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn identity(token: &TokenExport) -> String {
    match token.token_type {
        TokenType::Project => match &token.project_token {
            Some(s) => format!(
                "project {} / environment {}",
                s.project_name.as_deref().unwrap_or(&s.project_id),
                s.environment_name.as_deref().unwrap_or(&s.environment_id)
            ),
            None => "project token (scope not readable)".into(),
        },
        TokenType::Workspace => match token.workspaces.len() {
            0 => "workspace token (workspace not readable)".into(),
            _ => format!("workspace {}", workspace_names(token)),
        },
        TokenType::Account | TokenType::Oauth => {
            let mut who = account_name(token);
            if let Some(u) = &token.user {
                if let (Some(name), Some(_)) = (&u.name, &u.email) {
                    who.push_str(&format!(" ({name})"));
                }
            }
            match token.workspaces.len() {
                0 => who,
                1 => format!("{who} in workspace {}", workspace_names(token)),
                _ => format!("{who} in workspaces {}", workspace_names(token)),
            }
        }
        TokenType::Invalid | TokenType::Unknown => "unknown".into(),
    }
}

pub fn status(token: &TokenExport) -> Status {
    match token.token_type {
        TokenType::Invalid => Status::Invalid,
        TokenType::Unknown => {
            let all_errors = !token.probes.is_empty()
                && token
                    .probes
                    .iter()
                    .all(|p| p.outcome == ProbeOutcome::Error);
            if all_errors {
                Status::Error
            } else {
                Status::Unknown
            }
        }
        _ => Status::Valid,
    }
}

fn probe_summary(token: &TokenExport) -> String {
    if token.probes.is_empty() {
        return "no probe recorded".into();
    }
    token
        .probes
        .iter()
        .map(|p| {
            let outcome = match p.outcome {
                ProbeOutcome::Ok => "ok",
                ProbeOutcome::NotAuthorized => "not authorized",
                ProbeOutcome::Invalid => "invalid",
                ProbeOutcome::Error => "error",
            };
            match &p.message {
                Some(m) => format!("{}: {outcome} ({m})", p.query),
                None => format!("{}: {outcome}", p.query),
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn status_findings(token: &TokenExport) -> Vec<Finding> {
    match token.token_type {
        TokenType::Invalid => vec![Finding::new(
            "railway.invalid-token",
            Severity::None,
            format!(
                "Railway rejected the token with every header: {}",
                probe_summary(token)
            ),
        )],
        TokenType::Unknown => vec![Finding::new(
            "railway.token-unverified",
            Severity::Low,
            format!(
                "the token type could not be decided, so its reach is unknown (not none): {}",
                probe_summary(token)
            ),
        )],
        _ => Vec::new(),
    }
}

pub fn partial_finding(token: &TokenExport) -> Option<Finding> {
    if token.errors.is_empty() {
        return None;
    }
    let failed: Vec<String> = token
        .errors
        .iter()
        .map(|e| match &e.object {
            Some(o) => format!("{} ({o}): {}", e.query, e.message),
            None => format!("{}: {}", e.query, e.message),
        })
        .collect();
    Some(Finding::new(
        "railway.partial",
        Severity::Low,
        format!(
            "{} call(s) failed during collection, the reach shown is a lower bound: {}",
            failed.len(),
            failed.join("; ")
        ),
    ))
}

/// Findings about roles: assumed ones, and a Viewer's own-account mutations.
pub fn role_findings(
    workspaces: &[(&Workspace, Grant)],
    projects: &[ScopedProject],
    self_only: &[String],
    token: &TokenExport,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if matches!(token.token_type, TokenType::Account | TokenType::Oauth) {
        let assumed: Vec<&str> = workspaces
            .iter()
            .map(|(_, g)| g)
            .chain(projects.iter().map(|p| &p.grant))
            .filter(|g| g.is_assumed() && g.role == Role::Admin)
            .map(|g| g.basis.as_str())
            .collect();
        if !assumed.is_empty() {
            let mut uniq = assumed.clone();
            uniq.dedup();
            out.push(Finding::new(
                "railway.role-unknown",
                Severity::Low,
                format!(
                    "role not readable, the worst (Admin) assumed: {}",
                    uniq.join("; ")
                ),
            ));
        }
    }
    if !self_only.is_empty() {
        out.push(Finding::new(
            "railway.account-self",
            Severity::Low,
            format!(
                "the token can also act on its own user account ({}), but that account holds Viewer roles only: a new token or a takeover gains read access only",
                self_only.join(", ")
            ),
        ));
    }
    let viewer = workspaces
        .iter()
        .map(|(_, g)| g)
        .chain(projects.iter().map(|p| &p.grant))
        .any(|g| g.role == Role::Viewer);
    if viewer {
        out.push(Finding::new(
            "railway.viewer-variables",
            Severity::Low,
            "Viewers are taken not to read variable values (data/reads.toml, an inference from the docs' read-only Viewer role); if they can, this token reads the secrets named in the variables",
        ));
    }
    out
}
