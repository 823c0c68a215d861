//! The principal -> principal escalation graph (PMapper's edge types, built
//! from indexes so the cost grows with the edges, not with every pair).
//!
//! - `sts:AssumeRole`: the target's trust policy and the caller's identity
//!   side must allow (same-account trust naming the caller's ARN grants on
//!   its own: IAM User Guide, "Policy evaluation logic"). Trust policies are
//!   indexed by the principals they name; account-root and `*` trusts are
//!   considered only for callers holding an `sts:AssumeRole` grant that
//!   covers the role.
//! - `iam:PassRole` to a role a compute service may assume, with that
//!   service's run-code actions (table `[[passrole]]`).
//! - `iam:CreateAccessKey` / `CreateLoginProfile` / `UpdateLoginProfile` on a
//!   user; `iam:UpdateAssumeRolePolicy` on a role.
//! - Self-editable policies make a principal admin-equivalent.

use std::collections::HashMap;

use crate::classify::Classifier;
use crate::context::Context;
use crate::eval::{evaluate, Decision, PolicySet, Principal, Request};
use crate::policy::pattern::simple_glob;
use crate::policy::{ActionSpec, Effect, Policy, PrincipalId, PrincipalSpec};
use crate::reach::{evidence_of, GrantIndex};

/// What the graph needs to know about one principal.
pub struct NodeView<'a> {
    pub arn: &'a str,
    /// Index of its distinct policy combination: principals with the same
    /// one share the edges that do not name them.
    pub sig: usize,
    pub account: &'a str,
    pub is_user: bool,
    pub principal: &'a Principal,
    pub set: &'a PolicySet,
    pub grants: &'a GrantIndex,
    pub context: &'a Context,
    /// Customer managed policies attached to it (directly or by a group).
    pub attached: &'a [String],
    /// Group ARNs it belongs to (users).
    pub group_arns: &'a [String],
    /// The role's trust policy (roles).
    pub trust: Option<&'a Policy>,
}

#[derive(Debug, Clone)]
pub struct Edge {
    pub to: usize,
    /// `sts:AssumeRole -> arn:aws:iam::1:role/x`
    pub hop: String,
    pub conditional: bool,
    pub evidence: String,
}

/// A way a principal can give itself any permission.
#[derive(Debug, Clone)]
pub struct AdminPath {
    pub action: String,
    pub resource: String,
    pub conditional: bool,
    pub evidence: String,
}

#[derive(Debug, Default)]
pub struct Graph {
    pub edges: Vec<Vec<Edge>>,
    pub admin: Vec<Vec<AdminPath>>,
    /// Some trust policy names this principal's ARN: its edges are its own,
    /// not those of every principal with the same policies.
    pub named: Vec<bool>,
}

fn check(n: &NodeView, set: &PolicySet, action: &str, resource: &str) -> Option<(bool, String)> {
    let req = Request {
        principal: n.principal,
        action,
        resource,
        resource_account: None,
        context: n.context,
    };
    let ev = evaluate(set, &req);
    match ev.decision {
        Decision::Allowed => Some((false, evidence_of(&ev))),
        Decision::Conditional => Some((true, evidence_of(&ev))),
        _ => None,
    }
}

/// Principals a trust policy names in an Allow of `sts:AssumeRole`.
enum Trusted {
    Arn(String),
    Account(String),
    Anyone,
    Service(String),
}

fn trusted(policy: &Policy) -> Vec<Trusted> {
    let mut out = Vec::new();
    for s in &policy.statements {
        if s.effect != Effect::Allow {
            continue;
        }
        let assumes = match &s.action {
            ActionSpec::Action(l) => l.iter().any(|p| simple_glob(p, "sts:assumerole", true)),
            ActionSpec::NotAction(l) => !l.iter().any(|p| simple_glob(p, "sts:assumerole", true)),
        };
        if !assumes {
            continue;
        }
        match &s.principal {
            Some(PrincipalSpec::Principal(ids)) => {
                for id in ids {
                    out.push(match id {
                        PrincipalId::Any => Trusted::Anyone,
                        PrincipalId::Aws(v) => {
                            if v.chars().all(|c| c.is_ascii_digit()) {
                                Trusted::Account(v.clone())
                            } else if let Some(acct) =
                                v.strip_suffix(":root").and_then(|r| r.rsplit(':').next())
                            {
                                Trusted::Account(acct.to_string())
                            } else {
                                Trusted::Arn(v.clone())
                            }
                        }
                        PrincipalId::Service(s) => Trusted::Service(s.to_ascii_lowercase()),
                        _ => continue,
                    });
                }
            }
            // NotPrincipal with Allow: everyone not listed.
            Some(PrincipalSpec::NotPrincipal(_)) => out.push(Trusted::Anyone),
            None => {}
        }
    }
    out
}

/// Build the graph over `nodes` (users and roles).
pub fn build(nodes: &[NodeView], classifier: &Classifier) -> Graph {
    let mut by_arn: HashMap<String, Vec<usize>> = HashMap::new();
    let mut by_account: HashMap<String, Vec<usize>> = HashMap::new();
    let mut anyone: Vec<usize> = Vec::new();
    let mut by_service: HashMap<String, Vec<usize>> = HashMap::new();
    let mut users: Vec<usize> = Vec::new();
    let mut roles: Vec<usize> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if n.is_user {
            users.push(i);
            continue;
        }
        roles.push(i);
        let Some(trust) = n.trust else { continue };
        for t in trusted(trust) {
            match t {
                Trusted::Arn(a) => by_arn.entry(a).or_default().push(i),
                Trusted::Account(a) => by_account.entry(a).or_default().push(i),
                Trusted::Anyone => anyone.push(i),
                Trusted::Service(s) => by_service.entry(s).or_default().push(i),
            }
        }
    }
    for v in by_arn
        .values_mut()
        .chain(by_account.values_mut())
        .chain(by_service.values_mut())
    {
        v.sort_unstable();
        v.dedup();
    }
    anyone.sort_unstable();
    anyone.dedup();

    let mut graph = Graph {
        edges: vec![Vec::new(); nodes.len()],
        admin: vec![Vec::new(); nodes.len()],
        named: vec![false; nodes.len()],
    };
    let mut generic_cache: HashMap<(usize, &str), Vec<Edge>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        let mut edges: Vec<Edge> = Vec::new();
        let mut seen: HashMap<usize, usize> = HashMap::new();
        let mut push = |edges: &mut Vec<Edge>, e: Edge| {
            if e.to == i {
                return;
            }
            match seen.get(&e.to) {
                // Keep one edge per target; an unconditional one wins.
                Some(&k) if edges[k].conditional && !e.conditional => edges[k] = e,
                Some(_) => {}
                None => {
                    seen.insert(e.to, edges.len());
                    edges.push(e);
                }
            }
        };

        // sts:AssumeRole.
        // Cloned only when a trust policy is to be checked.
        let mut trust_set: Option<PolicySet> = None;
        let named = by_arn.get(n.arn).map(Vec::as_slice).unwrap_or(&[]);
        let by_acct = by_account.get(n.account).map(Vec::as_slice).unwrap_or(&[]);
        // Trusts naming this principal's ARN: specific to it.
        for &t in named {
            let target = &nodes[t];
            let ts = trust_set.get_or_insert_with(|| n.set.clone());
            ts.resource = target.trust.cloned();
            if let Some((conditional, evidence)) = check(n, ts, "sts:AssumeRole", target.arn) {
                push(
                    &mut edges,
                    Edge {
                        to: t,
                        hop: format!("sts:AssumeRole -> {}", target.arn),
                        conditional,
                        evidence,
                    },
                );
            }
        }
        graph.named[i] = !named.is_empty();

        // Everything else depends only on the policies (and the account):
        // computed once per distinct policy combination.
        let key = (n.sig, n.account);
        let generic = match generic_cache.get(&key) {
            Some(g) => g.clone(),
            None => {
                let mut gen: Vec<Edge> = Vec::new();
                for &t in by_acct.iter().chain(anyone.iter()) {
                    let target = &nodes[t];
                    if n.grants.covering("sts:AssumeRole", target.arn).is_none() {
                        continue;
                    }
                    let ts = trust_set.get_or_insert_with(|| n.set.clone());
                    ts.resource = target.trust.cloned();
                    if let Some((conditional, evidence)) =
                        check(n, ts, "sts:AssumeRole", target.arn)
                    {
                        gen.push(Edge {
                            to: t,
                            hop: format!("sts:AssumeRole -> {}", target.arn),
                            conditional,
                            evidence,
                        });
                    }
                }

                // iam:PassRole + a compute service that runs code as the role.
                if n.grants.has("iam:PassRole") {
                    for rule in &classifier.passrole {
                        let mut rule_conditional = false;
                        let ok = rule
                            .actions
                            .iter()
                            .all(|a| match n.grants.for_action(a).next() {
                                Some(g) => {
                                    rule_conditional |= g.conditional;
                                    true
                                }
                                None => false,
                            });
                        if !ok {
                            continue;
                        }
                        let targets = by_service
                            .get(&rule.service.to_ascii_lowercase())
                            .map(Vec::as_slice)
                            .unwrap_or(&[]);
                        for &t in targets {
                            let target = &nodes[t];
                            if n.grants.covering("iam:PassRole", target.arn).is_none() {
                                continue;
                            }
                            if let Some((conditional, evidence)) =
                                check(n, n.set, "iam:PassRole", target.arn)
                            {
                                gen.push(Edge {
                                    to: t,
                                    hop: format!(
                                        "iam:PassRole + {} -> {}",
                                        rule.actions.join(" + "),
                                        target.arn
                                    ),
                                    conditional: conditional || rule_conditional,
                                    evidence,
                                });
                            }
                        }
                    }
                }

                // New credentials for a user.
                for action in [
                    "iam:CreateAccessKey",
                    "iam:CreateLoginProfile",
                    "iam:UpdateLoginProfile",
                ] {
                    if !n.grants.has(action) {
                        continue;
                    }
                    for &u in &users {
                        let target = &nodes[u];
                        if n.grants.covering(action, target.arn).is_none() {
                            continue;
                        }
                        if let Some((conditional, evidence)) = check(n, n.set, action, target.arn) {
                            gen.push(Edge {
                                to: u,
                                hop: format!("{action} -> {}", target.arn),
                                conditional,
                                evidence,
                            });
                        }
                    }
                }

                // Rewrite a role's trust policy to trust oneself.
                if n.grants.has("iam:UpdateAssumeRolePolicy") {
                    for &r in &roles {
                        let target = &nodes[r];
                        if r == i
                            || n.grants
                                .covering("iam:UpdateAssumeRolePolicy", target.arn)
                                .is_none()
                        {
                            continue;
                        }
                        if let Some((conditional, evidence)) =
                            check(n, n.set, "iam:UpdateAssumeRolePolicy", target.arn)
                        {
                            gen.push(Edge {
                                to: r,
                                hop: format!("iam:UpdateAssumeRolePolicy -> {}", target.arn),
                                conditional,
                                evidence,
                            });
                        }
                    }
                }
                generic_cache.insert(key, gen.clone());
                gen
            }
        };
        for e in generic {
            push(&mut edges, e);
        }
        graph.edges[i] = edges;
        graph.admin[i] = admin_paths(n);
    }
    graph
}

/// Self-editing: writing its own policies, a new default version of a
/// policy attached to it, or its group's policies (Rhino Security Labs'
/// and PMapper's admin checks).
fn admin_paths(n: &NodeView) -> Vec<AdminPath> {
    let mut wanted: Vec<(&str, String)> = Vec::new();
    let own: &[&str] = if n.is_user {
        &["iam:PutUserPolicy", "iam:AttachUserPolicy"]
    } else {
        &["iam:PutRolePolicy", "iam:AttachRolePolicy"]
    };
    for a in own {
        wanted.push((a, n.arn.to_string()));
    }
    for p in n.attached {
        // AWS managed policies cannot get customer versions.
        if !p.contains(":iam::aws:policy/") {
            // With --set-as-default, CreatePolicyVersion alone switches the
            // default (IAM API Reference, CreatePolicyVersion).
            wanted.push(("iam:CreatePolicyVersion", p.clone()));
        }
    }
    for g in n.group_arns {
        wanted.push(("iam:PutGroupPolicy", g.clone()));
        wanted.push(("iam:AttachGroupPolicy", g.clone()));
    }
    let mut out = Vec::new();
    for (action, resource) in wanted {
        if n.grants.covering(action, &resource).is_none() {
            continue;
        }
        if let Some((conditional, evidence)) = check(n, n.set, action, &resource) {
            out.push(AdminPath {
                action: action.to_string(),
                resource: resource.clone(),
                conditional,
                evidence: format!(
                    "admin-equivalent: {action} on {resource}, which applies to itself; {evidence}"
                ),
            });
        }
    }
    out
}
