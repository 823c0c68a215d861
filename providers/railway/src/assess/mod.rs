//! Export -> reach: what a Railway token can do, on which concrete resource.
//!
//! Pure and synchronous: [`assess`] reads a [`TokenExport`] and the
//! compiled-in classification tables (`data/mutations.toml`,
//! `data/reads.toml`) and nothing else.

mod reach;
pub mod roles;
pub mod secrets;
mod status;
pub mod table;

use std::borrow::Cow;
use std::collections::BTreeSet;

use blastradius_report::{Assessment, Finding, Provider, Severity, Status};

use crate::export::{Environment, Project, TokenExport, TokenType};
use reach::{Context, ScopedProject};
use roles::{project_grant, workspace_grant, Grant};
pub use table::{MutationEntry, Scope, TableError, Tables};

/// What `token` can do, before rating.
pub fn assess(token: &TokenExport) -> Assessment {
    let mut assessment = Assessment {
        provider: Provider::Railway,
        kind: token.token_type.kind().to_string(),
        identity: status::identity(token),
        status: status::status(token),
        expires_at: None,
        reach: Vec::new(),
        findings: Vec::new(),
        partial: !token.errors.is_empty(),
    };
    assessment.findings.extend(status::status_findings(token));
    if let Some(f) = status::partial_finding(token) {
        assessment.findings.push(f);
    }
    if assessment.status != Status::Valid {
        return assessment;
    }
    let tables = match Tables::builtin() {
        Ok(t) => t,
        Err(e) => {
            // Cannot happen with a table that passed the tests; never panic.
            assessment.status = Status::Error;
            assessment.findings.push(Finding::new(
                "railway.table-invalid",
                Severity::High,
                e.to_string(),
            ));
            return assessment;
        }
    };

    let (live, mutation_findings) = live_mutations(token, tables);
    assessment.findings.extend(mutation_findings);

    let workspaces: Vec<_> = if token.token_type == TokenType::Project {
        Vec::new()
    } else {
        token
            .workspaces
            .iter()
            .map(|ws| (ws, workspace_grant(token, ws)))
            .collect()
    };
    let projects = scoped_projects(token, &workspaces);
    let ctx = Context {
        tables,
        project_token: token.token_type == TokenType::Project,
        account: match token.token_type {
            TokenType::Account | TokenType::Oauth => Some(status::account_name(token)),
            _ => None,
        },
        workspaces,
        projects,
        live,
    };
    let (reach, self_only) = ctx.build();
    assessment.reach = reach.into_iter().map(std::sync::Arc::new).collect();
    assessment.findings.extend(status::role_findings(
        &ctx.workspaces,
        &ctx.projects,
        &self_only,
        token,
    ));
    assessment
}

/// The live mutation names that the table classifies, and findings for the
/// rest: an unknown mutation is named, never dropped nor guessed.
fn live_mutations(
    token: &TokenExport,
    tables: &Tables,
) -> (Option<BTreeSet<String>>, Vec<Finding>) {
    let Some(listed) = &token.mutations else {
        return (
            None,
            vec![Finding::new(
                "railway.mutations-unreadable",
                Severity::Low,
                "the live list of mutations (introspection) could not be read: every mutation of the built-in table is assumed callable",
            )],
        );
    };
    let mut findings = Vec::new();
    let unknown: BTreeSet<&str> = listed
        .iter()
        .map(String::as_str)
        .filter(|n| tables.mutation(n).is_none())
        .collect();
    if !unknown.is_empty() {
        findings.push(Finding::new(
            "railway.unknown-mutation",
            Severity::Medium,
            format!(
                "{} mutation(s) of the live API are not in blastradius's table and were not classified (they may be destructive): {}",
                unknown.len(),
                unknown.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    let known = listed
        .iter()
        .filter(|n| tables.mutation(n).is_some())
        .cloned()
        .collect();
    (Some(known), findings)
}

/// Every project the token reaches, with the grant it acts with there.
fn scoped_projects<'a>(
    token: &'a TokenExport,
    workspaces: &[(&'a crate::export::Workspace, Grant)],
) -> Vec<ScopedProject<'a>> {
    if token.token_type == TokenType::Project {
        return project_token_scope(token).into_iter().collect();
    }
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for (ws, grant) in workspaces {
        for project in &ws.projects {
            if seen.insert(project.id.as_str()) {
                out.push(ScopedProject {
                    workspace: Some(ws.name.as_str()),
                    grant: project_grant(token, Some(grant), project),
                    project: Cow::Borrowed(project),
                    only_env: None,
                });
            }
        }
    }
    for project in &token.projects {
        if !seen.insert(project.id.as_str()) {
            continue;
        }
        let ws = workspaces
            .iter()
            .find(|(ws, _)| Some(&ws.id) == project.workspace_id.as_ref());
        out.push(ScopedProject {
            workspace: ws.map(|(ws, _)| ws.name.as_str()),
            grant: project_grant(token, ws.map(|(_, g)| g), project),
            project: Cow::Borrowed(project),
            only_env: None,
        });
    }
    out
}

/// A project token's one project, cut down to its one environment. When the
/// project or environment was not collected, a stand-in is built from the
/// `projectToken` answer, so that the scope is still exactly one environment.
fn project_token_scope(token: &TokenExport) -> Option<ScopedProject<'_>> {
    let scope = token.project_token.as_ref()?;
    let found = token
        .projects
        .iter()
        .chain(token.workspaces.iter().flat_map(|w| w.projects.iter()))
        .find(|p| p.id == scope.project_id);
    let mut project: Cow<'_, Project> = match found {
        Some(p) => Cow::Borrowed(p),
        None => Cow::Owned(Project {
            id: scope.project_id.clone(),
            name: scope
                .project_name
                .clone()
                .unwrap_or_else(|| scope.project_id.clone()),
            workspace_id: None,
            members: None,
            environments: Vec::new(),
            services: Vec::new(),
            volumes: Vec::new(),
            buckets: Vec::new(),
        }),
    };
    if !project
        .environments
        .iter()
        .any(|e| e.id == scope.environment_id)
    {
        project.to_mut().environments.push(Environment {
            id: scope.environment_id.clone(),
            name: scope
                .environment_name
                .clone()
                .unwrap_or_else(|| scope.environment_id.clone()),
            service_ids: Vec::new(),
            volume_instances: Vec::new(),
            variables: None,
        });
    }
    let env_name = project
        .environments
        .iter()
        .find(|e| e.id == scope.environment_id)
        .map(|e| e.name.clone())
        .unwrap_or_default();
    let grant = Grant {
        role: crate::export::Role::Admin,
        certainty: blastradius_report::Certainty::Inferred,
        basis: format!(
            "project token scoped to environment {env_name} of project {} (projectToken answered): Railway docs say it may perform any action within that one environment and no other; no user role applies",
            project.name
        ),
    };
    Some(ScopedProject {
        workspace: None,
        project,
        grant,
        only_env: Some(scope.environment_id.clone()),
    })
}
