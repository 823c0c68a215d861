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

use crate::classify::Classifier;
use crate::context::Context;
use crate::eval::{evaluate, Decision, PolicySet, Principal, Request};
use crate::fasthash::FastMap;
use crate::policy::pattern::simple_glob;
use crate::policy::{ActionSpec, Effect, Policy, PrincipalId, PrincipalSpec, ResourceSpec};
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
    /// Edges from trust policies naming the principal's ARN (already merged
    /// with its generic edges: a generic unconditional edge to the same
    /// target replaces a conditional one).
    pub specific: Vec<Vec<Edge>>,
    /// The edges every principal of one (policy combination, account) has,
    /// stored once; `class[i]` indexes it.
    pub generic: Vec<Vec<Edge>>,
    pub class: Vec<usize>,
    pub admin: Vec<Vec<AdminPath>>,
    /// Some trust policy names this principal's ARN: its edges are its own,
    /// not those of every principal with the same policies.
    pub named: Vec<bool>,
}

impl Graph {
    /// The edges of principal `i`, one per target, in the order they were
    /// found (specific first).
    pub fn edges(&self, i: usize) -> impl Iterator<Item = &Edge> + '_ {
        let specific = self.specific.get(i).map(Vec::as_slice).unwrap_or(&[]);
        let generic = self
            .class
            .get(i)
            .and_then(|&c| self.generic.get(c))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        specific.iter().chain(
            generic
                .iter()
                .filter(move |e| e.to != i && !specific.iter().any(|s| s.to == e.to)),
        )
    }

    pub fn edge_count(&self) -> usize {
        (0..self.class.len()).map(|i| self.edges(i).count()).sum()
    }
}

/// Keep one edge per target, in first-found order; an unconditional edge
/// replaces a conditional one in place.
fn push_edge(edges: &mut Vec<Edge>, seen: &mut FastMap<usize, usize>, e: Edge) {
    match seen.get(&e.to) {
        Some(&k) if edges[k].conditional && !e.conditional => edges[k] = e,
        Some(_) => {}
        None => {
            seen.insert(e.to, edges.len());
            edges.push(e);
        }
    }
}

/// Hop strings, one per (kind of edge, target): built on first use, then
/// cloned for every class with the same edge.
struct Hops {
    built: Vec<String>,
}

impl Hops {
    fn new(n: usize) -> Hops {
        Hops {
            built: vec![String::new(); n],
        }
    }

    fn get(&mut self, t: usize, make: impl FnOnce() -> String) -> String {
        let h = &mut self.built[t];
        if h.is_empty() {
            *h = make();
        }
        h.clone()
    }
}

/// Every Resource/NotResource pattern of a policy set and a trust policy:
/// the evaluator's answer for one caller depends on the target ARN only
/// through which of them match it. `None` when a pattern holds a policy
/// variable (its meaning depends on the context).
fn resource_patterns<'a>(set: &'a PolicySet, trust: Option<&'a Policy>) -> Option<Vec<&'a str>> {
    let mut out = Vec::new();
    let policies = set
        .identity
        .iter()
        .chain(set.boundaries.iter())
        .chain(set.session.iter())
        .chain(set.scps.iter().flatten())
        .chain(set.rcps.iter().flatten())
        .chain(trust);
    for p in policies {
        for st in &p.statements {
            let list = match &st.resource {
                Some(ResourceSpec::Resource(l)) | Some(ResourceSpec::NotResource(l)) => l,
                None => continue,
            };
            for t in list {
                let raw = t.raw();
                if raw.contains("${") {
                    return None;
                }
                out.push(raw);
            }
        }
    }
    Some(out)
}

/// Which of `patterns` match `arn`, as a key.
fn match_mask(patterns: &[&str], arn: &str) -> Vec<bool> {
    patterns
        .iter()
        .map(|p| simple_glob(p, arn, false))
        .collect()
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
pub fn build<'a>(nodes: &[NodeView<'a>], classifier: &Classifier) -> Graph {
    let mut by_arn: FastMap<String, Vec<usize>> = FastMap::default();
    let mut by_account: FastMap<String, Vec<usize>> = FastMap::default();
    let mut anyone: Vec<usize> = Vec::new();
    let mut by_service: FastMap<String, Vec<usize>> = FastMap::default();
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

    // Trust policies with the same statements (most roles are stamped from
    // a few templates) share one content id: with the caller's policies and
    // the patterns the target ARN matches, it decides the check.
    let mut trust_ids: FastMap<String, usize> = FastMap::default();
    let trust_id: Vec<usize> = nodes
        .iter()
        .map(|n| match n.trust {
            Some(t) => {
                let k = format!("{:?}", t.statements);
                let next = trust_ids.len();
                *trust_ids.entry(k).or_insert(next)
            }
            None => usize::MAX,
        })
        .collect();

    let mut graph = Graph {
        specific: vec![Vec::new(); nodes.len()],
        generic: Vec::new(),
        class: vec![0; nodes.len()],
        admin: vec![Vec::new(); nodes.len()],
        named: vec![false; nodes.len()],
    };
    let mut generic_index: FastMap<(usize, &str), usize> = FastMap::default();
    const CREDENTIALS: [&str; 3] = [
        "iam:CreateAccessKey",
        "iam:CreateLoginProfile",
        "iam:UpdateLoginProfile",
    ];
    let mut assume_hops = Hops::new(nodes.len());
    let mut passrole_hops: Vec<Hops> = classifier
        .passrole
        .iter()
        .map(|_| Hops::new(nodes.len()))
        .collect();
    let mut credential_hops: Vec<Hops> =
        CREDENTIALS.iter().map(|_| Hops::new(nodes.len())).collect();
    let mut trust_hops = Hops::new(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        // sts:AssumeRole.
        // Cloned only when a trust policy is to be checked.
        let mut trust_set: Option<PolicySet> = None;
        let named = by_arn.get(n.arn).map(Vec::as_slice).unwrap_or(&[]);
        let by_acct = by_account.get(n.account).map(Vec::as_slice).unwrap_or(&[]);

        // Everything but named trusts depends only on the policies (and the
        // account): computed once per distinct policy combination.
        let key = (n.sig, n.account);
        let class = match generic_index.get(&key) {
            Some(&c) => c,
            None => {
                let mut gen: Vec<Edge> = Vec::new();
                let mut seen: FastMap<usize, usize> = FastMap::default();
                // (trust content, target account, matching patterns) ->
                // outcome and the trust policy name its evidence cites.
                type Outcome = Option<(bool, String)>;
                let mut assume_cache: FastMap<(usize, &str, Vec<bool>), (Outcome, &str)> =
                    FastMap::default();
                // The other checks evaluate the caller's own policies only.
                let own_patterns = resource_patterns(n.set, None);
                let mut own_cache: FastMap<(&str, &str, Vec<bool>), Outcome> = FastMap::default();
                let mut own_check = |action: &'static str, target: &NodeView<'a>| -> Outcome {
                    let Some(p) = own_patterns.as_ref() else {
                        return check(n, n.set, action, target.arn);
                    };
                    own_cache
                        .entry((action, target.account, match_mask(p, target.arn)))
                        .or_insert_with(|| check(n, n.set, action, target.arn))
                        .clone()
                };
                for &t in by_acct.iter().chain(anyone.iter()) {
                    let target = &nodes[t];
                    if n.grants.covering("sts:AssumeRole", target.arn).is_none() {
                        continue;
                    }
                    let Some(trust) = target.trust else { continue };
                    let patterns = resource_patterns(n.set, Some(trust));
                    let cache_key = patterns
                        .as_ref()
                        .map(|p| (trust_id[t], target.account, match_mask(p, target.arn)));
                    let cached = cache_key.as_ref().and_then(|k| assume_cache.get(k));
                    let outcome = match cached {
                        Some((outcome, cited)) => outcome.as_ref().map(|(c, ev)| {
                            // The same decision; the evidence names this
                            // role's own trust policy.
                            (
                                *c,
                                ev.replace(&format!("{cited} / "), &format!("{} / ", trust.name)),
                            )
                        }),
                        None => {
                            let ts = trust_set.get_or_insert_with(|| n.set.clone());
                            ts.resource = Some(trust.clone());
                            let outcome = check(n, ts, "sts:AssumeRole", target.arn);
                            if let Some(k) = cache_key {
                                assume_cache.insert(k, (outcome.clone(), trust.name.as_str()));
                            }
                            outcome
                        }
                    };
                    if let Some((conditional, evidence)) = outcome {
                        push_edge(
                            &mut gen,
                            &mut seen,
                            Edge {
                                to: t,
                                hop: assume_hops
                                    .get(t, || format!("sts:AssumeRole -> {}", target.arn)),
                                conditional,
                                evidence,
                            },
                        );
                    }
                }

                // iam:PassRole + a compute service that runs code as the role.
                if n.grants.has("iam:PassRole") {
                    for (k, rule) in classifier.passrole.iter().enumerate() {
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
                            if let Some((conditional, evidence)) = own_check("iam:PassRole", target)
                            {
                                push_edge(
                                    &mut gen,
                                    &mut seen,
                                    Edge {
                                        to: t,
                                        hop: passrole_hops[k].get(t, || {
                                            format!(
                                                "iam:PassRole + {} -> {}",
                                                rule.actions.join(" + "),
                                                target.arn
                                            )
                                        }),
                                        conditional: conditional || rule_conditional,
                                        evidence,
                                    },
                                );
                            }
                        }
                    }
                }

                // New credentials for a user.
                for (k, action) in CREDENTIALS.into_iter().enumerate() {
                    if !n.grants.has(action) {
                        continue;
                    }
                    for &u in &users {
                        let target = &nodes[u];
                        if n.grants.covering(action, target.arn).is_none() {
                            continue;
                        }
                        if let Some((conditional, evidence)) = own_check(action, target) {
                            push_edge(
                                &mut gen,
                                &mut seen,
                                Edge {
                                    to: u,
                                    hop: credential_hops[k]
                                        .get(u, || format!("{action} -> {}", target.arn)),
                                    conditional,
                                    evidence,
                                },
                            );
                        }
                    }
                }

                // Rewrite a role's trust policy to trust oneself.
                if n.grants.has("iam:UpdateAssumeRolePolicy") {
                    for &r in &roles {
                        let target = &nodes[r];
                        // Not `r == i`: the list serves every principal of
                        // the class; each one's own edge is dropped by
                        // `Graph::edges`.
                        if n.grants
                            .covering("iam:UpdateAssumeRolePolicy", target.arn)
                            .is_none()
                        {
                            continue;
                        }
                        if let Some((conditional, evidence)) =
                            own_check("iam:UpdateAssumeRolePolicy", target)
                        {
                            push_edge(
                                &mut gen,
                                &mut seen,
                                Edge {
                                    to: r,
                                    hop: trust_hops.get(r, || {
                                        format!("iam:UpdateAssumeRolePolicy -> {}", target.arn)
                                    }),
                                    conditional,
                                    evidence,
                                },
                            );
                        }
                    }
                }
                graph.generic.push(gen);
                generic_index.insert(key, graph.generic.len() - 1);
                graph.generic.len() - 1
            }
        };
        graph.class[i] = class;

        // Trusts naming this principal's ARN: specific to it. A generic
        // unconditional edge to the same target wins over a conditional one.
        let mut specific: Vec<Edge> = Vec::new();
        let mut seen: FastMap<usize, usize> = FastMap::default();
        for &t in named {
            let target = &nodes[t];
            let ts = trust_set.get_or_insert_with(|| n.set.clone());
            ts.resource = target.trust.cloned();
            if let Some((conditional, evidence)) = check(n, ts, "sts:AssumeRole", target.arn) {
                if t == i {
                    continue;
                }
                push_edge(
                    &mut specific,
                    &mut seen,
                    Edge {
                        to: t,
                        hop: assume_hops.get(t, || format!("sts:AssumeRole -> {}", target.arn)),
                        conditional,
                        evidence,
                    },
                );
            }
        }
        for e in specific.iter_mut() {
            if e.conditional {
                if let Some(g) = graph.generic[class]
                    .iter()
                    .find(|g| g.to == e.to && !g.conditional)
                {
                    *e = g.clone();
                }
            }
        }
        graph.named[i] = !named.is_empty();
        graph.specific[i] = specific;
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
