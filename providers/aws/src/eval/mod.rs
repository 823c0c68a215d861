//! The exact evaluator: AWS's documented order (IAM User Guide, "Policy
//! evaluation logic", "Determining whether a request is allowed or denied
//! within an account", "Cross-account policy evaluation logic",
//! "Permissions boundaries for IAM entities", "Session policies").
//!
//! 1. An explicit Deny in any applicable policy wins.
//! 2. RCPs: every level of the organisation must allow (always true: the
//!    undetachable RCPFullAWSAccess allows everything at every level).
//! 3. SCPs: every level, root to account, must allow (not for
//!    service-linked roles).
//! 4. Same account: a resource-policy Allow naming the principal grants on
//!    its own; otherwise the identity side must allow. Role trust policies
//!    and KMS key policies must themselves allow.
//!    Cross account: the identity side AND the resource policy must allow.
//! 5. Identity side = identity policies AND permission boundary (when set)
//!    AND session policy (when set).

mod principal;
mod tri;

use serde::Serialize;

pub use principal::{Principal, PrincipalKind, PrincipalMatch};
pub use tri::Tri;

use crate::context::Context;
use crate::policy::pattern::{glob_match, simple_glob, Resolved};
use crate::policy::{ActionSpec, Effect, Policy, ResourceSpec, Statement};

/// All the policies that apply to one principal and one resource.
#[derive(Debug, Clone, Default)]
pub struct PolicySet {
    pub identity: Vec<Policy>,
    /// Empty means no permission boundary is set.
    pub boundaries: Vec<Policy>,
    pub session: Option<Policy>,
    /// One list per organisation level, root first; empty: no SCPs apply.
    pub scps: Vec<Vec<Policy>>,
    pub rcps: Vec<Vec<Policy>>,
    pub resource: Option<Policy>,
}

/// One request to authorise.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub principal: &'a Principal,
    pub action: &'a str,
    pub resource: &'a str,
    /// Account owning the resource; `None`: taken from the resource ARN,
    /// else (S3 ARNs carry no account) the principal's own account.
    pub resource_account: Option<&'a str>,
    pub context: &'a Context,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Allowed,
    /// A deciding statement's condition depends on a key the context does
    /// not supply: neither allowed nor denied for sure.
    Conditional,
    ImplicitDeny,
    ExplicitDeny,
}

/// A statement that took part in the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatementRef {
    pub policy: String,
    pub statement: String,
    pub effect: Effect,
    /// True when the statement's outcome depended on an unknown key.
    pub conditional: bool,
}

/// The outcome, and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Evaluation {
    pub decision: Decision,
    /// The deciding statements: the Deny for an explicit deny, the Allows
    /// for an allow, the conditional statements for a conditional.
    pub deciding: Vec<StatementRef>,
    /// One sentence: which rule decided.
    pub reason: String,
    /// Context keys whose absence made the outcome conditional.
    pub unknown_keys: Vec<String>,
}

/// Result of one policy group for the request.
#[derive(Debug, Clone)]
struct GroupResult {
    deny: Tri,
    allow: Tri,
    denies: Vec<StatementRef>,
    allows: Vec<StatementRef>,
}

impl GroupResult {
    fn empty() -> Self {
        GroupResult {
            deny: Tri::False,
            allow: Tri::False,
            denies: Vec::new(),
            allows: Vec::new(),
        }
    }
}

fn action_matches(pattern: &str, action: &str) -> bool {
    // Action names are case-insensitive; patterns are stored lowercased.
    simple_glob(pattern, action, true)
}

fn stmt_action(stmt: &Statement, action: &str) -> bool {
    match &stmt.action {
        ActionSpec::Action(list) => list.iter().any(|p| action_matches(p, action)),
        ActionSpec::NotAction(list) => !list.iter().any(|p| action_matches(p, action)),
    }
}

/// Resource ARNs are case-sensitive, `*` spans `:` and `/`.
fn stmt_resource(
    stmt: &Statement,
    resource: &str,
    ctx: &Context,
    unknown: &mut Vec<String>,
) -> Tri {
    let any_match = |list: &[crate::policy::Template], unknown: &mut Vec<String>| {
        let mut acc = Tri::False;
        for t in list {
            if let Some(text) = t.plain() {
                acc = acc.or(Tri::from(simple_glob(text, resource, false)));
                continue;
            }
            let r = match t.resolve(ctx, true) {
                Resolved::Tokens(toks) => Tri::from(glob_match(&toks, resource, false)),
                Resolved::Missing => Tri::False,
                Resolved::Unknown(k) => {
                    unknown.push(k);
                    Tri::Unknown
                }
            };
            acc = acc.or(r);
        }
        acc
    };
    match &stmt.resource {
        None => Tri::True,
        Some(ResourceSpec::Resource(list)) => any_match(list, unknown),
        Some(ResourceSpec::NotResource(list)) => any_match(list, unknown).not(),
    }
}

/// Does the statement apply to the request (ignoring Principal)?
fn stmt_applies(stmt: &Statement, req: &Request, unknown: &mut Vec<String>) -> Tri {
    if !stmt_action(stmt, req.action) {
        return Tri::False;
    }
    let mut acc = stmt_resource(stmt, req.resource, req.context, unknown);
    for c in &stmt.conditions {
        if acc == Tri::False {
            break;
        }
        // Keys in a block are ANDed.
        acc = acc.and(c.evaluate(req.context, unknown));
    }
    acc
}

fn sref(p: &Policy, s: &Statement, t: Tri) -> StatementRef {
    StatementRef {
        policy: p.name.clone(),
        statement: s.label.clone(),
        effect: s.effect,
        conditional: t == Tri::Unknown,
    }
}

/// Evaluate a group of policies whose statements carry no Principal
/// (identity, boundary, session, SCP; RCP principals are checked too).
fn eval_group(
    policies: &[Policy],
    req: &Request,
    check_principal: bool,
    unknown: &mut Vec<String>,
) -> GroupResult {
    let mut g = GroupResult::empty();
    for p in policies {
        for s in p.statements.iter() {
            if check_principal {
                if let Some(spec) = &s.principal {
                    if req.principal.matches(spec) == PrincipalMatch::None {
                        continue;
                    }
                }
            }
            let t = stmt_applies(s, req, unknown);
            if t == Tri::False {
                continue;
            }
            match s.effect {
                Effect::Deny => {
                    g.deny = g.deny.or(t);
                    g.denies.push(sref(p, s, t));
                }
                Effect::Allow => {
                    g.allow = g.allow.or(t);
                    g.allows.push(sref(p, s, t));
                }
            }
        }
    }
    g
}

/// Resource policy: allows split by how the Principal names the caller.
struct ResourceResult {
    deny: Tri,
    denies: Vec<StatementRef>,
    direct: Tri,
    role: Tri,
    account: Tri,
    allows: Vec<(PrincipalMatch, StatementRef)>,
}

fn eval_resource(p: &Policy, req: &Request, unknown: &mut Vec<String>) -> ResourceResult {
    let mut r = ResourceResult {
        deny: Tri::False,
        denies: Vec::new(),
        direct: Tri::False,
        role: Tri::False,
        account: Tri::False,
        allows: Vec::new(),
    };
    for s in p.statements.iter() {
        let m = match &s.principal {
            Some(spec) => req.principal.matches(spec),
            None => PrincipalMatch::None,
        };
        if m == PrincipalMatch::None {
            continue;
        }
        let t = stmt_applies(s, req, unknown);
        if t == Tri::False {
            continue;
        }
        match s.effect {
            // A Deny naming the principal in any way (its account included)
            // applies to it.
            Effect::Deny => {
                r.deny = r.deny.or(t);
                r.denies.push(sref(p, s, t));
            }
            Effect::Allow => {
                let slot = match m {
                    PrincipalMatch::Direct => &mut r.direct,
                    PrincipalMatch::Role => &mut r.role,
                    _ => &mut r.account,
                };
                *slot = slot.or(t);
                r.allows.push((m, sref(p, s, t)));
            }
        }
    }
    r
}

fn arn_account(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    (parts.len() == 6 && parts[0] == "arn" && !parts[4].is_empty()).then(|| parts[4])
}

/// Trust policies and KMS key policies must allow the caller themselves
/// (IAM User Guide, "Policy evaluation logic": "Role trust policies and KMS
/// key policies are an exception").
fn must_allow_explicitly(action: &str, resource: &str) -> bool {
    let a = action.to_ascii_lowercase();
    let parts: Vec<&str> = resource.splitn(6, ':').collect();
    let (svc, res) = if parts.len() == 6 {
        (parts[2], parts[5])
    } else {
        ("", "")
    };
    (a.starts_with("sts:") && svc == "iam" && res.starts_with("role/"))
        || (a.starts_with("kms:") && svc == "kms" && res.starts_with("key/"))
}

/// Evaluate one request against a policy set.
pub fn evaluate(set: &PolicySet, req: &Request) -> Evaluation {
    let mut unknown = Vec::new();
    let slr = req.principal.is_service_linked_role();

    let identity = eval_group(&set.identity, req, false, &mut unknown);
    let boundary = eval_group(&set.boundaries, req, false, &mut unknown);
    let session = set
        .session
        .as_ref()
        .map(|p| eval_group(std::slice::from_ref(p), req, false, &mut unknown));
    let scp_levels: Vec<GroupResult> = if slr {
        Vec::new()
    } else {
        set.scps
            .iter()
            .map(|l| eval_group(l, req, false, &mut unknown))
            .collect()
    };
    let rcp_levels: Vec<GroupResult> = if slr {
        Vec::new()
    } else {
        set.rcps
            .iter()
            .map(|l| eval_group(l, req, true, &mut unknown))
            .collect()
    };
    let resource = set
        .resource
        .as_ref()
        .map(|p| eval_resource(p, req, &mut unknown));

    // 1. Explicit deny anywhere wins.
    let mut deny = Tri::False;
    let mut denies: Vec<StatementRef> = Vec::new();
    for g in [Some(&identity), Some(&boundary), session.as_ref()]
        .into_iter()
        .flatten()
        .chain(scp_levels.iter())
        .chain(rcp_levels.iter())
    {
        deny = deny.or(g.deny);
        denies.extend(g.denies.iter().cloned());
    }
    if let Some(r) = &resource {
        deny = deny.or(r.deny);
        denies.extend(r.denies.iter().cloned());
    }
    unknown.sort();
    unknown.dedup();
    if deny == Tri::True {
        return Evaluation {
            decision: Decision::ExplicitDeny,
            deciding: denies.into_iter().filter(|d| !d.conditional).collect(),
            reason: "an explicit Deny applies; an explicit deny in any policy wins".into(),
            unknown_keys: Vec::new(),
        };
    }

    // 2.-3. Organisation guardrails: every level must allow.
    let mut gates: Vec<(Tri, String)> = Vec::new();
    // RCPs: AWS attaches the managed RCPFullAWSAccess (Allow * on *) to the
    // root, every OU and every account, and it cannot be detached
    // (Organizations User Guide, "Resource control policies"); customer RCPs
    // hold only Deny statements. So every level always allows, and only an
    // RCP's explicit Deny (step 1) can stop a request.
    for (i, g) in scp_levels.iter().enumerate() {
        gates.push((
            g.allow,
            format!("no service control policy at organisation level {i} allows the action"),
        ));
    }

    // 5. Identity side.
    let boundary_ok = if set.boundaries.is_empty() {
        Tri::True
    } else {
        boundary.allow
    };
    let session_ok = session.as_ref().map(|s| s.allow).unwrap_or(Tri::True);
    let identity_side = identity.allow.and(boundary_ok).and(session_ok);

    let resource_account = req
        .resource_account
        .filter(|a| !a.is_empty())
        .or_else(|| arn_account(req.resource))
        .unwrap_or(&req.principal.account);
    let same_account = resource_account == req.principal.account;
    let explicit_only = must_allow_explicitly(req.action, req.resource);

    // 4. Core: resource policy and identity side.
    let (core, core_reason) = match &resource {
        None if !same_account => (
            Tri::False,
            "cross-account access needs a resource policy that allows it, and none was given"
                .to_string(),
        ),
        None if explicit_only && req.action.to_ascii_lowercase().starts_with("kms:") => (
            Tri::False,
            "a KMS key policy must allow the caller explicitly, and none was given".to_string(),
        ),
        None => (
            identity_side,
            identity_reason(&identity, boundary_ok, session_ok),
        ),
        Some(r) => {
            // Grants to the role ARN are limited by boundary and session
            // policy; grants to the exact user / session ARN are not
            // ("Permissions boundaries", "Session policies").
            let role_path = r.role.and(boundary_ok).and(session_ok);
            if !same_account {
                (
                    identity_side.and(r.direct.or(r.role).or(r.account)),
                    "cross-account access needs both the identity side and the resource policy to allow"
                        .to_string(),
                )
            } else if explicit_only {
                (
                    r.direct.or(role_path).or(r.account.and(identity_side)),
                    "a role trust policy or KMS key policy must allow the caller (or its account, with an identity policy allowing too)"
                        .to_string(),
                )
            } else {
                (
                    r.direct.or(role_path).or(identity_side),
                    format!(
                        "the resource policy does not name the caller with an Allow, and {}",
                        identity_reason(&identity, boundary_ok, session_ok)
                    ),
                )
            }
        }
    };
    gates.push((core, core_reason));

    let allow = gates.iter().fold(Tri::True, |acc, (t, _)| acc.and(*t));
    if allow == Tri::False {
        let reason = gates
            .iter()
            .find(|(t, _)| *t == Tri::False)
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        return Evaluation {
            decision: Decision::ImplicitDeny,
            deciding: Vec::new(),
            reason,
            unknown_keys: Vec::new(),
        };
    }

    let mut allows: Vec<StatementRef> = Vec::new();
    for g in rcp_levels.iter().chain(scp_levels.iter()) {
        allows.extend(g.allows.iter().cloned());
    }
    allows.extend(identity.allows.iter().cloned());
    allows.extend(boundary.allows.iter().cloned());
    if let Some(s) = &session {
        allows.extend(s.allows.iter().cloned());
    }
    if let Some(r) = &resource {
        allows.extend(r.allows.iter().map(|(_, s)| s.clone()));
    }
    if allow == Tri::True && deny == Tri::False {
        return Evaluation {
            decision: Decision::Allowed,
            deciding: allows.into_iter().filter(|a| !a.conditional).collect(),
            reason: "allowed: no explicit deny, and every required policy allows".into(),
            unknown_keys: Vec::new(),
        };
    }
    let mut deciding: Vec<StatementRef> = denies.into_iter().filter(|d| d.conditional).collect();
    deciding.extend(allows.into_iter().filter(|a| a.conditional));
    Evaluation {
        decision: Decision::Conditional,
        deciding,
        reason: if deny == Tri::Unknown {
            "a Deny may apply depending on context keys not supplied".into()
        } else {
            "the Allow depends on context keys not supplied".into()
        },
        unknown_keys: unknown,
    }
}

fn identity_reason(identity: &GroupResult, boundary_ok: Tri, session_ok: Tri) -> String {
    if identity.allow == Tri::False {
        "no identity policy allows the action".into()
    } else if boundary_ok == Tri::False {
        "the permission boundary does not allow the action".into()
    } else if session_ok == Tri::False {
        "the session policy does not allow the action".into()
    } else {
        "the identity side allows only under conditions".into()
    }
}

#[cfg(test)]
mod tests;
