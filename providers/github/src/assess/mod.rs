//! Export -> reach: what a GitHub token can do, on which concrete
//! repository, organisation or account.
//!
//! A capability needs both halves: the token's grant (classic scopes, or
//! fine-grained/App permissions as far as they are known) and the user's
//! role where it is used. The capabilities themselves are data
//! (`data/capabilities.toml`); this module only evaluates them.

pub mod table;

use blastradius_report::{
    Assessment, Category, Certainty, Finding, Provider, Reach, Severity, Status,
};

use crate::export::{OrgMembership, ProbeOutcome, Repo, RepoPermissions, TokenExport, TokenStatus};
use crate::kind::TokenKind;
use table::{expand_scopes, role_rank, table, BranchRule, Entry};

/// Read reaches are summarised past this many repositories (the contract
/// lets `read` be summarised; destroy/escalate/secrets never are).
const READ_NAMES_SHOWN: usize = 20;

pub fn assess(token: &TokenExport) -> Assessment {
    let status = match token.status {
        TokenStatus::Valid => Status::Valid,
        TokenStatus::Invalid => Status::Invalid,
        TokenStatus::Unknown => Status::Unknown,
        TokenStatus::Error => Status::Error,
    };
    let mut reach = Vec::new();
    if token.status == TokenStatus::Valid {
        let mut reads = Vec::new();
        for repo in &token.repos {
            for (_, r) in repo_reach(token, repo) {
                if r.category == Category::Read {
                    reads.push((repo.full_name.clone(), r));
                } else {
                    reach.push(r);
                }
            }
        }
        reach.extend(summarise_reads(reads));
        for org in &token.orgs {
            reach.extend(org_reach(token, org).into_iter().map(|(_, r)| r));
        }
        reach.extend(account_reach(token).into_iter().map(|(_, r)| r));
    }
    Assessment {
        provider: Provider::Github,
        kind: token.kind.report_kind().to_string(),
        identity: identity(token),
        status,
        expires_at: token.expires_at.clone(),
        reach,
        findings: findings(token),
        partial: !token.errors.is_empty() || !token.sso.is_empty(),
    }
}

fn identity(token: &TokenExport) -> String {
    match (&token.user, &token.installation) {
        (Some(u), _) if u.site_admin => format!("{} (site administrator)", u.login),
        (Some(u), _) => u.login.clone(),
        (None, Some(i)) => format!("app installation ({} repositories)", i.total_count),
        (None, None) => String::new(),
    }
}

/// Where a capability is used.
#[derive(Clone, Copy)]
enum Target<'a> {
    Repo(&'a Repo),
    Org(&'a OrgMembership),
    Account,
}

impl Target<'_> {
    fn name(&self) -> &str {
        match self {
            Target::Repo(r) => &r.full_name,
            Target::Org(o) => &o.login,
            Target::Account => "",
        }
    }
}

/// One conclusion in progress: how sure, and why.
struct Verdict {
    certainty: Certainty,
    evidence: Vec<String>,
    via: Vec<String>,
    resource: Option<String>,
    environment: Option<String>,
}

impl Verdict {
    fn new() -> Self {
        Verdict {
            certainty: Certainty::Proven,
            evidence: Vec::new(),
            via: Vec::new(),
            resource: None,
            environment: None,
        }
    }
    fn add(&mut self, certainty: Certainty, evidence: String) {
        self.certainty = self.certainty.max(certainty);
        self.evidence.push(evidence);
    }
}

fn highest_role(p: &RepoPermissions) -> Option<&'static str> {
    [
        (p.admin, "admin"),
        (p.maintain, "maintain"),
        (p.push, "push"),
        (p.triage, "triage"),
        (p.pull, "pull"),
    ]
    .into_iter()
    .find(|(on, _)| *on)
    .map(|(_, r)| r)
}

/// The user's role reaches the entry's; `None` when it does not.
fn role_check(entry: &Entry, target: Target, v: &mut Verdict) -> Option<()> {
    let Some(needed) = entry.role.as_deref() else {
        return Some(());
    };
    let (actual, what) = match target {
        Target::Repo(repo) => match &repo.permissions {
            None => {
                v.add(
                    Certainty::Unknown,
                    format!("role on {} unknown", repo.full_name),
                );
                return Some(());
            }
            Some(p) => (highest_role(p), "repository role"),
        },
        Target::Org(org) => {
            if org.state != "active" {
                return None;
            }
            (Some(org.role.as_str()), "organisation role")
        }
        Target::Account => return Some(()),
    };
    let actual = actual?;
    let ok = matches!((role_rank(actual), role_rank(needed)), (Some(a), Some(n)) if a >= n);
    if !ok {
        return None;
    }
    v.add(Certainty::Proven, format!("{what} {actual}"));
    Some(())
}

/// The token's grant allows the entry; `None` when it does not.
fn grant_check(token: &TokenExport, entry: &Entry, target: Target, v: &mut Verdict) -> Option<()> {
    match token.kind {
        TokenKind::Refresh => None,
        _ if token.kind.has_scopes() || token.scopes.is_some() => {
            let Some(granted) = &token.scopes else {
                v.add(
                    Certainty::Unknown,
                    "scopes unknown (no X-OAuth-Scopes)".into(),
                );
                return Some(());
            };
            let eff = expand_scopes(granted);
            if !entry.scopes.iter().all(|s| eff.contains(s)) {
                return None;
            }
            let mut used: Vec<&str> = entry.scopes.iter().map(String::as_str).collect();
            if let Target::Repo(repo) = target {
                if eff.contains("repo") {
                    used.insert(0, "repo");
                } else if repo.is_public() && eff.contains("public_repo") {
                    used.insert(0, "public_repo");
                } else {
                    return None;
                }
            }
            let label = if token.kind.has_scopes() {
                "scope"
            } else {
                "X-OAuth-Scopes"
            };
            v.add(entry.certainty, format!("{label} {}", used.join(", ")));
            Some(())
        }
        _ if token.kind.has_permissions() => {
            let perms = entry.permissions.as_ref()?;
            for p in perms {
                let (c, why) = permission_state(token, p, target)?;
                v.add(c.max(entry.certainty), why);
            }
            Some(())
        }
        _ => {
            v.add(
                Certainty::Unknown,
                "grant unknown (unrecognised token kind)".into(),
            );
            Some(())
        }
    }
}

/// What is known of one fine-grained / App permission on a target:
/// `None` when it is proven absent.
fn permission_state(
    token: &TokenExport,
    perm: &str,
    target: Target,
) -> Option<(Certainty, String)> {
    let name = target.name();
    for probe in token
        .probes
        .iter()
        .filter(|p| p.permission == perm && p.target == name)
    {
        match probe.outcome {
            ProbeOutcome::Granted => {
                return Some((
                    Certainty::Proven,
                    format!("{perm} (GET {} answered)", probe.path),
                ))
            }
            ProbeOutcome::Denied => return None,
            ProbeOutcome::Sso | ProbeOutcome::Error => {}
        }
    }
    if perm == "metadata:read" {
        return Some((Certainty::Proven, "metadata:read (listed)".into()));
    }
    if token.kind == TokenKind::Installation {
        if let (Some(needed), Target::Repo(repo)) = (table().installation_role.get(perm), target) {
            if let Some(p) = &repo.permissions {
                let actual = highest_role(p)?;
                let ok =
                    matches!((role_rank(actual), role_rank(needed)), (Some(a), Some(n)) if a >= n);
                return ok.then(|| {
                    (
                        Certainty::Inferred,
                        format!("{perm} (installation role {actual})"),
                    )
                });
            }
        }
    }
    Some((
        Certainty::Unknown,
        format!("{perm} unknown (no endpoint lists it)"),
    ))
}

/// Default-branch rules: `None` when they stop the entry.
fn branch_check(token: &TokenExport, entry: &Entry, repo: &Repo, v: &mut Verdict) -> Option<()> {
    let blocking: &[&str] = match entry.branch {
        BranchRule::Any => return Some(()),
        BranchRule::Force => &["non_fast_forward"],
        BranchRule::Direct => &["update", "pull_request"],
    };
    let Some(branch) = repo.default_branch.as_deref() else {
        v.add(Certainty::Proven, "no default branch yet".into());
        return Some(());
    };
    v.resource = Some(format!("{}@{branch}", repo.full_name));
    let Some(rules) = &repo.branch_rules else {
        v.add(Certainty::Unknown, format!("rules of {branch} not read"));
        return Some(());
    };
    let stopping: Vec<_> = rules
        .iter()
        .filter(|r| blocking.contains(&r.rule_type.as_str()))
        .collect();
    if stopping.is_empty() {
        v.add(
            Certainty::Proven,
            format!("no {} rule on {branch}", blocking.join("/")),
        );
        return Some(());
    }
    // Rules of the repository's own rulesets fall to whoever may remove them.
    let removable = stopping
        .iter()
        .all(|r| r.ruleset_source_type.as_deref() == Some("Repository"));
    if removable {
        let remover = table().repo.iter().find(|e| e.id == table().rule_remover);
        if let Some(remover) = remover {
            let mut rv = Verdict::new();
            if role_check(remover, Target::Repo(repo), &mut rv).is_some()
                && grant_check(token, remover, Target::Repo(repo), &mut rv).is_some()
            {
                v.certainty = v.certainty.max(rv.certainty);
                for r in &stopping {
                    let id = r
                        .ruleset_id
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| "?".into());
                    v.via
                        .push(format!("DELETE /repos/{}/rulesets/{id}", repo.full_name));
                }
                v.evidence.push(format!(
                    "the {} rule on {branch} comes from a repository ruleset this token can remove",
                    blocking.join("/")
                ));
                return Some(());
            }
        }
    }
    match entry.branch {
        BranchRule::Direct => {
            // The push still reaches every other branch.
            v.resource = Some(format!("{} (branches other than {branch})", repo.full_name));
            v.environment = Some("non-default-branch".into());
            v.add(
                Certainty::Proven,
                format!("{branch} requires a pull request"),
            );
            Some(())
        }
        _ => None,
    }
}

fn finish(entry: &Entry, default_resource: String, env: &str, v: Verdict, data: bool) -> Reach {
    let mut actions = entry.actions.clone();
    actions.sort();
    Reach {
        actions,
        resource: v.resource.unwrap_or(default_resource),
        environment: Some(v.environment.unwrap_or_else(|| env.to_string())),
        category: entry.category,
        conditional: v.certainty == Certainty::Unknown,
        via: v.via,
        reversible: None,
        data,
        certainty: v.certainty,
        evidence: format!("{}: {}", v.evidence.join("; "), entry.why),
    }
}

/// Capabilities on one repository, with the ids of their table entries.
pub(crate) fn repo_reach(token: &TokenExport, repo: &Repo) -> Vec<(String, Reach)> {
    let t = table();
    let mut out = Vec::new();
    for entry in &t.repo {
        // Anyone may read a public repository: not worth a line.
        if entry.public_read && repo.is_public() {
            continue;
        }
        let target = Target::Repo(repo);
        let mut v = Verdict::new();
        if role_check(entry, target, &mut v).is_none()
            || grant_check(token, entry, target, &mut v).is_none()
        {
            continue;
        }
        if repo.archived && entry.category != Category::Read {
            // Archived repositories are read-only until an admin unarchives.
            let admin = repo.permissions.as_ref().is_some_and(|p| p.admin);
            if !admin {
                continue;
            }
            v.via
                .push(format!("PATCH /repos/{} (unarchive)", repo.full_name));
        }
        if branch_check(token, entry, repo, &mut v).is_none() {
            continue;
        }
        let data = entry.data && !repo.is_public();
        out.push((
            entry.id.clone(),
            finish(entry, repo.full_name.clone(), &t.environment, v, data),
        ));
    }
    out
}

pub(crate) fn org_reach(token: &TokenExport, org: &OrgMembership) -> Vec<(String, Reach)> {
    let t = table();
    let mut out = Vec::new();
    for entry in &t.org {
        let target = Target::Org(org);
        let mut v = Verdict::new();
        if role_check(entry, target, &mut v).is_none()
            || grant_check(token, entry, target, &mut v).is_none()
        {
            continue;
        }
        let resource = format!("organization {}", org.login);
        out.push((
            entry.id.clone(),
            finish(entry, resource, &t.environment, v, false),
        ));
    }
    out
}

pub(crate) fn account_reach(token: &TokenExport) -> Vec<(String, Reach)> {
    // Account capabilities are classic scopes only: no endpoint tells a
    // fine-grained token's account permissions.
    if !token.kind.has_scopes() && token.scopes.is_none() {
        return Vec::new();
    }
    let t = table();
    let login = token.user.as_ref().map(|u| u.login.as_str()).unwrap_or("?");
    let mut out = Vec::new();
    for entry in &t.account {
        let mut v = Verdict::new();
        if grant_check(token, entry, Target::Account, &mut v).is_none() {
            continue;
        }
        let resource = format!("user {login}");
        out.push((
            entry.id.clone(),
            finish(entry, resource, &t.environment, v, false),
        ));
    }
    out
}

/// One read reach per (certainty, conditional), naming the repositories.
fn summarise_reads(reads: Vec<(String, Reach)>) -> Vec<Reach> {
    let mut groups: Vec<(Certainty, Vec<String>, Reach)> = Vec::new();
    for (name, r) in reads {
        match groups.iter_mut().find(|(c, _, _)| *c == r.certainty) {
            Some((_, names, _)) => names.push(name),
            None => groups.push((r.certainty, vec![name], r)),
        }
    }
    groups
        .into_iter()
        .map(|(_, mut names, mut r)| {
            if names.len() > 1 {
                names.sort();
                let shown = names
                    .iter()
                    .take(READ_NAMES_SHOWN)
                    .cloned()
                    .collect::<Vec<_>>();
                let more = names.len().saturating_sub(READ_NAMES_SHOWN);
                r.resource = if more > 0 {
                    format!(
                        "{} private repositories: {} and {more} more",
                        names.len(),
                        shown.join(", ")
                    )
                } else {
                    format!("{} private repositories: {}", names.len(), shown.join(", "))
                };
            }
            r
        })
        .collect()
}

fn findings(token: &TokenExport) -> Vec<Finding> {
    let mut out = Vec::new();
    match token.kind {
        TokenKind::Refresh => out.push(Finding::new(
            "github.refresh-token",
            Severity::Medium,
            "a refresh token: with the app's client secret it becomes a user token; keep it as secret as one",
        )),
        TokenKind::Unknown => out.push(Finding::new(
            "github.unknown-kind",
            Severity::Low,
            "no known GitHub token prefix; its grant was judged from the answers alone",
        )),
        _ => {}
    }
    if token.status == TokenStatus::Invalid {
        out.push(Finding::new(
            "github.bad-credentials",
            Severity::None,
            "GitHub answered 401 Bad credentials: revoked, expired or mistyped",
        ));
    }
    for notice in &token.sso {
        let msg = if notice.kind == "required" {
            format!(
                "{} answered 403 X-GitHub-SSO: the token is not authorised for a SAML organisation yet; once authorised it reaches that organisation too ({})",
                notice.request, notice.detail
            )
        } else {
            format!(
                "{} left out resources of SAML organisations the token is not authorised for ({})",
                notice.request, notice.detail
            )
        };
        out.push(Finding::new("github.sso", Severity::Medium, msg));
    }
    if token.status == TokenStatus::Valid && token.kind.has_permissions() {
        out.push(Finding::new(
            "github.permissions-unlisted",
            Severity::Low,
            "no endpoint lists a fine-grained or App token's permissions: capabilities not proven by a GET are marked unknown and conditional",
        ));
    }
    if token.status == TokenStatus::Valid && token.kind.has_scopes() && token.expires_at.is_none() {
        out.push(Finding::new(
            "github.no-expiry",
            Severity::Low,
            "the token never expires",
        ));
    }
    for e in &token.errors {
        let status = e.status.map(|s| format!(" ({s})")).unwrap_or_default();
        out.push(Finding::new(
            "github.collect-error",
            Severity::Low,
            format!("{}{status}: {}", e.request, e.message),
        ));
    }
    out
}

#[cfg(test)]
mod tests;
