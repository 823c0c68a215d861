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

/// Assesses against the system clock: see [`assess_at`].
pub fn assess(token: &TokenExport) -> Assessment {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    assess_at(token, now)
}

/// Assesses as of `now` (Unix seconds): an export read after its token's
/// expiry describes a token that no longer works.
pub fn assess_at(token: &TokenExport, now: i64) -> Assessment {
    let expiry = Expiry::of(token, now);
    let status = match token.status {
        _ if matches!(expiry, Expiry::Expired(_)) => Status::Expired,
        TokenStatus::Valid => Status::Valid,
        TokenStatus::Invalid => Status::Invalid,
        TokenStatus::Unknown => Status::Unknown,
        TokenStatus::Error => Status::Error,
    };
    let mut reach = Vec::new();
    if status == Status::Valid {
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
        reach: reach.into_iter().map(std::sync::Arc::new).collect(),
        findings: findings(token, &expiry),
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
    /// Something the auditor could not read may stop it (an unread branch
    /// rule): the grant is as certain as before, the outcome conditional.
    conditional: bool,
    evidence: Vec<String>,
    via: Vec<String>,
    resource: Option<String>,
    environment: Option<String>,
}

impl Verdict {
    fn new() -> Self {
        Verdict {
            certainty: Certainty::Proven,
            conditional: false,
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
    /// An unread obstacle: the capability may be stopped by it.
    fn may_be_blocked(&mut self, evidence: String) {
        self.conditional = true;
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
            if let (Target::Repo(_), true) = (target, entry.standalone_scopes) {
                // The scopes alone reach the repository.
            } else if let Target::Repo(repo) = target {
                if eff.contains("repo") {
                    used.insert(0, "repo");
                } else if repo.is_public() && eff.contains("public_repo") {
                    used.insert(0, "public_repo");
                } else if repo.is_public() && entry.public_read {
                    // Any token may read a public repository.
                    used.insert(0, "no scope needed (public repository)");
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
    if token.kind == TokenKind::AppUser {
        if let Some(found) = app_user_permission(token, perm, target) {
            return found;
        }
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
    if token.kind == TokenKind::FineGrained && FINE_GRAINED_INFERRED.contains(&perm) {
        if let Target::Repo(_) = target {
            // The grant of the repository to the token is proven (it is
            // listed); no GET can prove the contents level, so the user's
            // role (checked by the caller) is assumed for it. Every other
            // permission stays unknown and does not set the rating.
            return Some((
                Certainty::Inferred,
                format!("{perm} assumed: the repository is granted to the token and no endpoint lists its contents level"),
            ));
        }
    }
    Some((
        Certainty::Unknown,
        format!("{perm} unknown (no endpoint lists it)"),
    ))
}

/// Permissions of a fine-grained token taken as held on a repository that
/// is granted to it: what such a token exists for (pushing code).
const FINE_GRAINED_INFERRED: &[&str] = &["contents:read", "contents:write"];

/// Something on the default branch that stands in the way of a push.
struct Blocker {
    what: String,
    /// The request that removes it, when the repository's admin may.
    removal: Option<String>,
}

/// A `ghu_` token holds the permissions of the installation the target
/// belongs to (the user's role caps them: [`role_check`]). `None`: no
/// installation known for the target; `Some(None)`: the app lacks it.
#[allow(clippy::option_option)]
fn app_user_permission(
    token: &TokenExport,
    perm: &str,
    target: Target,
) -> Option<Option<(Certainty, String)>> {
    let installation = match target {
        Target::Repo(repo) => {
            let id = repo.installation_id?;
            token.app_installations.iter().find(|i| i.id == id)?
        }
        Target::Org(org) => token
            .app_installations
            .iter()
            .find(|i| i.account.eq_ignore_ascii_case(&org.login))?,
        Target::Account => return None,
    };
    let (name, wanted) = perm.split_once(':')?;
    let rank = |level: &str| ["read", "write", "admin"].iter().position(|l| *l == level);
    let held = installation.permissions.get(name).map(String::as_str);
    let ok = matches!((held.and_then(rank), rank(wanted)), (Some(h), Some(w)) if h >= w);
    Some(ok.then(|| {
        (
            Certainty::Inferred,
            format!(
                "{perm} (installation {} on {} grants {name}={})",
                installation.id,
                installation.account,
                held.unwrap_or("?")
            ),
        )
    }))
}

/// Default-branch rules and classic protection: `None` when they stop the
/// entry.
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
    let mut blockers = Vec::new();
    match &repo.branch_rules {
        None => v.may_be_blocked(format!("rules of {branch} not read")),
        Some(rules) => {
            let stopping: Vec<_> = rules
                .iter()
                .filter(|r| blocking.contains(&r.rule_type.as_str()))
                .collect();
            if stopping.is_empty() {
                v.add(
                    Certainty::Proven,
                    format!("no {} rule on {branch}", blocking.join("/")),
                );
            }
            for r in stopping {
                let id = r
                    .ruleset_id
                    .map(|i| i.to_string())
                    .unwrap_or_else(|| "?".into());
                let bypass = repo
                    .rulesets
                    .iter()
                    .flatten()
                    .find(|s| Some(s.id) == r.ruleset_id)
                    .and_then(|s| s.current_user_can_bypass.as_deref());
                if let Some(b) = bypass.filter(|b| table().bypass.iter().any(|x| x == b)) {
                    v.add(
                        Certainty::Proven,
                        format!(
                            "the {} rule on {branch} (ruleset {id}) does not bind this user: current_user_can_bypass = {b}",
                            r.rule_type
                        ),
                    );
                    continue;
                }
                let removal = (r.ruleset_source_type.as_deref() == Some("Repository"))
                    .then(|| format!("DELETE /repos/{}/rulesets/{id}", repo.full_name));
                blockers.push(Blocker {
                    what: format!("the {} rule on {branch} (ruleset {id})", r.rule_type),
                    removal,
                });
            }
        }
    }
    match &repo.branch_protection {
        // Only admins may read it: for anyone else it stays unknown.
        None => v.may_be_blocked(format!(
            "classic protection of {branch} not read (needs admin)"
        )),
        Some(p) if !p.protected => v.add(
            Certainty::Proven,
            format!("{branch} has no classic protection"),
        ),
        Some(p) => {
            let stops = match entry.branch {
                BranchRule::Force => !p.allow_force_pushes,
                _ => p.required_pull_request_reviews || p.restrictions,
            };
            if stops {
                let admins = if p.enforce_admins {
                    "enforced for admins too"
                } else {
                    "admins may bypass it"
                };
                blockers.push(Blocker {
                    what: format!("classic protection of {branch} ({admins})"),
                    removal: Some(format!(
                        "DELETE /repos/{}/branches/{}/protection",
                        repo.full_name, branch
                    )),
                });
            } else {
                v.add(
                    Certainty::Proven,
                    format!("the classic protection of {branch} does not stop it"),
                );
            }
        }
    }
    if blockers.is_empty() {
        return Some(());
    }
    // What the repository's admin put there, an admin token removes first.
    if blockers.iter().all(|b| b.removal.is_some()) {
        let remover = table().repo.iter().find(|e| e.id == table().rule_remover);
        if let Some(remover) = remover {
            let mut rv = Verdict::new();
            if role_check(remover, Target::Repo(repo), &mut rv).is_some()
                && grant_check(token, remover, Target::Repo(repo), &mut rv).is_some()
            {
                v.certainty = v.certainty.max(rv.certainty);
                let mut names = Vec::new();
                for b in blockers {
                    v.via.extend(b.removal);
                    names.push(b.what);
                }
                v.evidence.push(format!(
                    "{} can be removed by this token first",
                    names.join(" and ")
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
            let names: Vec<String> = blockers.into_iter().map(|b| b.what).collect();
            v.add(
                Certainty::Proven,
                format!("{} requires a pull request", names.join(" and ")),
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
        actions: actions.into(),
        resource: v.resource.unwrap_or(default_resource),
        environment: Some(v.environment.unwrap_or_else(|| env.to_string())),
        category: entry.category,
        conditional: v.conditional || v.certainty == Certainty::Unknown,
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
        // Two routes to the same actions (`repo` and `admin:repo_hook`): one line.
        let covered = out
            .iter()
            .any(|(_, r): &(String, Reach)| entry.actions.iter().all(|a| r.actions.contains(a)));
        if covered {
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

/// The token's expiry as of "now".
#[derive(Debug, Clone, PartialEq)]
enum Expiry {
    /// No expiry date was given (it never expires, or the kind has no header).
    None,
    Expired(String),
    /// Expires within the warning window: the date and whole days left.
    Soon(String, i64),
    Later,
    Unreadable(String),
}

impl Expiry {
    fn of(token: &TokenExport, now: i64) -> Expiry {
        let Some(at) = token.expires_at.as_deref() else {
            return Expiry::None;
        };
        // A 401 says nothing of the date; a valid or unknown token past its
        // date has expired (an export read after the fact).
        let Some(t) = parse_rfc3339(at) else {
            return Expiry::Unreadable(at.to_string());
        };
        let window = i64::from(table().expiry_warning_days) * 86_400;
        if t <= now {
            Expiry::Expired(at.to_string())
        } else if t - now <= window {
            Expiry::Soon(at.to_string(), (t - now) / 86_400)
        } else {
            Expiry::Later
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS` with `Z` or `±HH:MM` (fractions ignored) -> Unix
/// seconds; `None` for anything else.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let s = s.trim();
    let b = s.as_bytes();
    if b.len() < 20 || !s.is_ascii() || b[4] != b'-' || b[7] != b'-' || b[13] != b':' {
        return None;
    }
    if !matches!(b[10], b'T' | b't' | b' ') || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ if rest.len() == 6 && (rest.starts_with('+') || rest.starts_with('-')) => {
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            let sign = if rest.starts_with('-') { -1 } else { 1 };
            sign * (oh * 3600 + om * 60)
        }
        _ => return None,
    };
    // Days from civil (Howard Hinnant's algorithm).
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

fn findings(token: &TokenExport, expiry: &Expiry) -> Vec<Finding> {
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
    // Classic, OAuth and fine-grained tokens carry the expiry header when
    // they have a date; App tokens expire on their own schedule.
    let dated = token.kind.has_scopes() || token.kind == TokenKind::FineGrained;
    match expiry {
        Expiry::None if token.status == TokenStatus::Valid && dated => out.push(Finding::new(
            "github.no-expiry",
            Severity::Low,
            "the token never expires: set an expiry date, or it works until someone revokes it",
        )),
        Expiry::None | Expiry::Later => {}
        Expiry::Expired(at) => out.push(Finding::new(
            "github.expired",
            Severity::None,
            format!("the token expired at {at}: it can do nothing any more"),
        )),
        Expiry::Soon(at, days) => out.push(Finding::new(
            "github.expires-soon",
            Severity::Low,
            format!(
                "the token expires at {at} (in {days} days): whatever uses it stops working then; rotate it"
            ),
        )),
        Expiry::Unreadable(at) => out.push(Finding::new(
            "github.expiry-unreadable",
            Severity::Low,
            format!("unreadable expiry date `{at}`: treated as not expiring"),
        )),
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
