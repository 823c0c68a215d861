//! From a GAAD export to one assessment per principal: own reach, then,
//! transitively, the reach of every principal it can become, each hop under
//! that principal's own policies and boundary.
//!
//! Principals with the same policies (same documents, same boundary) share
//! one reach computation: large accounts have thousands of roles made from a
//! few managed policies.

use std::collections::{HashMap, HashSet, VecDeque};

use blastradius_report::{
    Assessment, Category, Certainty, Finding, Provider, Reach, Severity, Status,
};

use crate::classify::{default_catalog, ActionCatalog, Classifier};
use crate::context::Context;
use crate::escalation::{self, AdminPath, NodeView};
use crate::eval::{PolicySet, Principal};
use crate::fasthash::{FastMap, FastSet};
use crate::gaad::{DocId, Gaad};
use crate::policy::Policy;
use crate::reach::{display_resource, grants, group_reach, GrantIndex, Grouping, ReachInput};

#[derive(Debug, Clone)]
pub struct AccountOptions {
    /// Account id -> environment name (`production`, `staging`...). An
    /// account not listed is `None`, which the rating treats as production.
    pub environments: HashMap<String, String>,
    /// SCPs, one list per organisation level, root first, when known.
    pub scps: Vec<Vec<Policy>>,
    /// At most this many principals are followed from one principal; beyond
    /// it the assessment is marked partial.
    pub max_reachable: usize,
}

impl Default for AccountOptions {
    fn default() -> Self {
        AccountOptions {
            environments: HashMap::new(),
            scps: Vec::new(),
            max_reachable: 1000,
        }
    }
}

#[derive(Debug, Clone)]
pub struct PrincipalAssessment {
    pub arn: String,
    /// `aws-iam-user` or `aws-iam-role`.
    pub kind: String,
    pub assessment: Assessment,
}

#[derive(Debug, Clone)]
pub struct AccountAssessment {
    pub principals: Vec<PrincipalAssessment>,
    /// Problems of the export not tied to one principal.
    pub findings: Vec<Finding>,
}

struct Node {
    arn: String,
    account: String,
    is_user: bool,
    principal: Principal,
    sig: usize,
    attached: Vec<String>,
    group_arns: Vec<String>,
    trust: Option<DocId>,
    findings: Vec<Finding>,
    partial: bool,
}

/// One distinct policy combination.
struct Sig {
    set: PolicySet,
    context: Context,
    grants: GrantIndex,
}

type SigKey = (Vec<DocId>, Option<DocId>, bool, String);

/// One principal's result. Listed in the account data, the principal exists:
/// its status is valid.
fn principal_assessment(
    n: &Node,
    reach: Vec<Reach>,
    findings: Vec<Finding>,
    partial: bool,
) -> PrincipalAssessment {
    let kind = if n.is_user {
        "aws-iam-user"
    } else {
        "aws-iam-role"
    };
    PrincipalAssessment {
        arn: n.arn.clone(),
        kind: kind.to_string(),
        assessment: Assessment {
            provider: Provider::Aws,
            kind: kind.to_string(),
            identity: n.arn.clone(),
            status: Status::Valid,
            expires_at: None,
            reach,
            findings,
            partial,
        },
    }
}

pub fn assess_account(gaad: &Gaad, options: &AccountOptions) -> AccountAssessment {
    assess_account_with(gaad, options, default_catalog())
}

fn context_for(principal: &Principal, name: &str, is_user: bool, dependent: bool) -> Context {
    let mut ctx = Context::partial();
    if dependent {
        // Principal keys AWS always sets (IAM User Guide, "AWS global
        // condition context keys"): known here, so substituted.
        ctx = ctx
            .with("aws:PrincipalArn", &principal.arn)
            .with("aws:PrincipalAccount", &principal.account)
            .with(
                "aws:PrincipalType",
                if is_user { "User" } else { "AssumedRole" },
            );
        if is_user {
            ctx = ctx.with("aws:username", name);
        }
    }
    ctx
}

pub fn assess_account_with(
    gaad: &Gaad,
    options: &AccountOptions,
    catalog: &dyn ActionCatalog,
) -> AccountAssessment {
    let classifier = Classifier::embedded();
    let mut findings: Vec<Finding> = gaad
        .problems
        .iter()
        .map(|p| {
            Finding::new(
                "aws.gaad.bad-entry",
                Severity::Medium,
                match &p.principal {
                    Some(who) => format!("{who}: {}", p.message),
                    None => p.message.clone(),
                },
            )
        })
        .collect();
    let account = gaad.account().unwrap_or_default();
    if !gaad.problems.is_empty() {
        findings.push(Finding::new(
            "aws.gaad.partial",
            Severity::Low,
            "some entries of the export could not be read; principals they concern are missing",
        ));
    }

    // ------------------------------------------------------------ nodes
    let mut sig_index: HashMap<SigKey, usize> = HashMap::new();
    let mut sigs: Vec<Sig> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();

    let mut add_node = |arn: &str,
                        name: &str,
                        acct: &str,
                        is_user: bool,
                        mut docs: Vec<(String, Option<DocId>)>,
                        boundary_arn: Option<&str>,
                        attached: Vec<String>,
                        group_arns: Vec<String>,
                        trust: Option<DocId>,
                        mut node_findings: Vec<Finding>| {
        let principal = Principal::from_arn(arn);
        // A missing group or an unreadable trust policy already leaves a gap.
        let mut partial = !node_findings.is_empty();
        let mut ids: Vec<DocId> = Vec::new();
        for (label, d) in docs.drain(..) {
            match d {
                Some(d) => match &gaad.documents[d].policy {
                    Ok(_) => ids.push(d),
                    Err(e) => {
                        partial = true;
                        node_findings.push(Finding::new(
                            "aws.policy.invalid",
                            Severity::Medium,
                            format!("{label} is not a valid policy and was left out: {e}"),
                        ));
                    }
                },
                None => {
                    partial = true;
                    node_findings.push(Finding::new(
                        "aws.policy.missing",
                        Severity::Medium,
                        format!(
                            "{label} is not in the export: the reach shown may miss what it grants"
                        ),
                    ));
                }
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let mut boundary = None;
        if let Some(b) = boundary_arn {
            match gaad.managed(b).and_then(|m| m.document) {
                Some(d) if gaad.documents[d].policy.is_ok() => boundary = Some(d),
                _ => {
                    partial = true;
                    node_findings.push(Finding::new(
                        "aws.boundary.unreadable",
                        Severity::Medium,
                        format!("permission boundary {b} is not in the export or not valid: the reach shown ignores it and may be too wide"),
                    ));
                }
            }
        }
        let dependent = ids
            .iter()
            .chain(boundary.iter())
            .any(|&d| gaad.documents[d].principal_dependent);
        let key: SigKey = (
            ids.clone(),
            boundary,
            principal.is_service_linked_role(),
            if dependent {
                arn.to_string()
            } else {
                format!("account:{acct}")
            },
        );
        let sig = *sig_index.entry(key).or_insert_with(|| {
            let doc = |d: DocId| gaad.documents[d].policy.as_ref().ok().cloned();
            let set = PolicySet {
                identity: ids.iter().filter_map(|&d| doc(d)).collect(),
                boundaries: boundary.and_then(doc).into_iter().collect(),
                session: None,
                scps: options.scps.clone(),
                rcps: Vec::new(),
                resource: None,
            };
            sigs.push(Sig {
                set,
                context: context_for(&principal, name, is_user, dependent),
                grants: GrantIndex::default(),
            });
            sigs.len() - 1
        });
        nodes.push(Node {
            arn: arn.to_string(),
            account: acct.to_string(),
            is_user,
            principal,
            sig,
            attached,
            group_arns,
            trust,
            findings: node_findings,
            partial,
        });
    };

    let managed_doc = |arn: &str| -> (String, Option<DocId>) {
        match gaad.managed(arn) {
            Some(m) => (format!("managed policy {arn}"), m.document),
            None => (format!("attached managed policy {arn}"), None),
        }
    };
    for u in &gaad.users {
        let mut docs: Vec<(String, Option<DocId>)> = Vec::new();
        let mut attached = u.attached.clone();
        let mut group_arns = Vec::new();
        let mut nf = Vec::new();
        for p in &u.inline {
            docs.push((
                format!("inline policy {} of {}", p.name, u.arn),
                Some(p.document),
            ));
        }
        for a in &u.attached {
            docs.push(managed_doc(a));
        }
        for gname in &u.groups {
            match gaad.group(gname) {
                Some(g) => {
                    group_arns.push(g.arn.clone());
                    for p in &g.inline {
                        docs.push((format!("inline policy {} of group {}", p.name, g.name), Some(p.document)));
                    }
                    for a in &g.attached {
                        docs.push(managed_doc(a));
                        attached.push(a.clone());
                    }
                }
                None => nf.push(Finding::new(
                    "aws.group.missing",
                    Severity::Medium,
                    format!("group {gname} of {} is not in the export: the reach shown may miss what it grants", u.arn),
                )),
            }
        }
        add_node(
            &u.arn,
            &u.name,
            &u.account,
            true,
            docs,
            u.boundary.as_deref(),
            attached,
            group_arns,
            None,
            nf,
        );
    }
    for r in &gaad.roles {
        let mut docs: Vec<(String, Option<DocId>)> = Vec::new();
        for p in &r.inline {
            docs.push((
                format!("inline policy {} of {}", p.name, r.arn),
                Some(p.document),
            ));
        }
        for a in &r.attached {
            docs.push(managed_doc(a));
        }
        let mut nf = Vec::new();
        let trust = match r.trust {
            Some(d) => match &gaad.documents[d].policy {
                Ok(_) => Some(d),
                Err(e) => {
                    nf.push(Finding::new(
                        "aws.trust.invalid",
                        Severity::Medium,
                        format!("the trust policy is not valid, so no one is shown able to assume this role: {e}"),
                    ));
                    None
                }
            },
            None => None,
        };
        add_node(
            &r.arn,
            &r.name,
            &r.account,
            false,
            docs,
            r.boundary.as_deref(),
            r.attached.clone(),
            Vec::new(),
            trust,
            nf,
        );
    }

    // ------------------------------------------------------------ own grants
    // One computation per distinct policy combination; the representative
    // principal only matters through what the key already holds.
    let mut rep: Vec<Option<usize>> = vec![None; sigs.len()];
    for (i, n) in nodes.iter().enumerate() {
        rep[n.sig].get_or_insert(i);
    }
    // The computations are independent (each reads only its key and the
    // shared, lock-guarded caches) and run on all cores; the table is built
    // once beforehand rather than by each thread.
    use rayon::prelude::*;
    classifier.action_table(catalog);
    let computed: Vec<(usize, GrantIndex)> = rep
        .par_iter()
        .enumerate()
        .filter_map(|(s, r)| {
            let r = (*r)?;
            let sig = &sigs[s];
            let g = grants(&ReachInput {
                set: &sig.set,
                principal: &nodes[r].principal,
                context: &sig.context,
                catalog,
                classifier,
            });
            Some((s, GrantIndex::new(g)))
        })
        .collect();
    for (s, g) in computed {
        sigs[s].grants = g;
    }

    // ------------------------------------------------------------ graph
    let trusts: Vec<Option<Policy>> = nodes
        .iter()
        .map(|n| {
            n.trust
                .and_then(|d| gaad.documents[d].policy.as_ref().ok().cloned())
        })
        .collect();
    let views: Vec<NodeView> = nodes
        .iter()
        .zip(trusts.iter())
        .map(|(n, t)| NodeView {
            arn: &n.arn,
            sig: n.sig,
            account: &n.account,
            is_user: n.is_user,
            principal: &n.principal,
            set: &sigs[n.sig].set,
            grants: &sigs[n.sig].grants,
            context: &sigs[n.sig].context,
            attached: &n.attached,
            group_arns: &n.group_arns,
            trust: t.as_ref(),
        })
        .collect();
    let graph = escalation::build(&views, classifier);

    // ------------------------------------------------------------ reach
    let own_reach: Vec<Vec<Reach>> = sigs
        .iter()
        .map(|s| {
            group_reach(
                &s.grants.list,
                &Grouping {
                    account: &account,
                    environments: &options.environments,
                    via: &[],
                    via_conditional: false,
                },
            )
        })
        .collect();

    // Each action's harm weight, to order merged entries headline first.
    let mut weights: FastMap<&str, u32> = FastMap::default();
    for sig in &sigs {
        for g in &sig.grants.list {
            weights.entry(g.action.as_str()).or_insert(g.class.weight);
        }
    }
    // Action names interned to integers for the transitive merge, which
    // otherwise hashes every name of every entry of every principal reached.
    let mut action_ids: FastMap<&str, u32> = FastMap::default();
    let mut action_names: Vec<&str> = Vec::new();
    let mut own_ids: Vec<Vec<Vec<u32>>> = Vec::with_capacity(own_reach.len());
    for rs in &own_reach {
        let mut per = Vec::with_capacity(rs.len());
        for r in rs {
            let mut v = Vec::with_capacity(r.actions.len());
            for a in &r.actions {
                let next = action_ids.len() as u32;
                let id = *action_ids.entry(a.as_str()).or_insert_with(|| {
                    action_names.push(a.as_str());
                    next
                });
                v.push(id);
            }
            per.push(v);
        }
        own_ids.push(per);
    }
    // Ids in the byte order of the names, so that ordering by id is
    // ordering by name (the merge sorts by weight, then name).
    let mut by_name: Vec<u32> = (0..action_names.len() as u32).collect();
    by_name.sort_unstable_by_key(|&i| action_names[i as usize]);
    let mut rank = vec![0u32; by_name.len()];
    for (r, &i) in by_name.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    for id in own_ids.iter_mut().flatten().flatten() {
        *id = rank[*id as usize];
    }
    let action_names: Vec<&str> = by_name.iter().map(|&i| action_names[i as usize]).collect();
    drop(action_ids);
    let action_weights: Vec<u32> = action_names
        .iter()
        .map(|a| weights.get(a).copied().unwrap_or(0))
        .collect();
    let names = Names {
        names: &action_names,
        weights: &action_weights,
    };

    let mut principals = Vec::with_capacity(nodes.len());
    let mut bfs_cache: HashMap<usize, (Vec<Reach>, Vec<Finding>)> = HashMap::new();
    let mut visited: Vec<u32> = vec![0; nodes.len()];
    let mut expanded: Vec<u32> = vec![0; graph.generic.len()];
    let mut stamp: u32 = 0;
    for (i, n) in nodes.iter().enumerate() {
        let mut reach = own_reach[n.sig].clone();
        apply_admin(&mut reach, &graph.admin[i], &n.account, options, &[], false);
        let mut node_findings = n.findings.clone();
        let mut partial = n.partial;
        let base = reach.len();
        let findings_base = node_findings.len();

        // A principal no trust policy names has the edges of its policies:
        // what it reaches through others is that of the first principal
        // with the same policies (minus anything naming itself).
        if !graph.named[i] {
            if let Some((extra, extra_findings)) = bfs_cache.get(&n.sig) {
                let me = n.arn.as_str();
                reach.extend(
                    extra
                        .iter()
                        .filter(|r| {
                            let becomes_me = r.via.is_empty() && r.resource == me;
                            let through_me = r.via.first().is_some_and(|v| v.ends_with(me));
                            !(becomes_me || through_me)
                        })
                        .cloned(),
                );
                partial |= !extra_findings.is_empty();
                node_findings.extend(extra_findings.iter().cloned());
                principals.push(principal_assessment(
                    n,
                    dedup_reach(reach),
                    node_findings,
                    partial,
                ));
                continue;
            }
        }

        // What is reached through others, merged per (category, resource,
        // data, conditional) across every principal reached; what the
        // principal can already do itself is left out.
        let mut transitive = Transitive::new(&own_reach[n.sig], &own_ids[n.sig], &account, names);
        // First hops: (hop, target is admin-equivalent, entry).
        let mut becoming: Vec<(&str, bool, Reach)> = Vec::new();
        // Breadth first: the shortest chain to each principal is reported.
        // Visited marks by run number: no per-principal set to allocate.
        stamp += 1;
        visited[i] = stamp;
        // Distinct policy sets already shown, and whether unconditionally:
        // principals with the same policies reach the same things, so the
        // first chain to one of them is enough (a later unconditional chain
        // still counts when the first was conditional).
        let mut seen_sigs: HashMap<usize, bool> = HashMap::from([(n.sig, true)]);
        // Chains as parent links; a chain is spelled out only for output.
        let mut links: Vec<(usize, &str)> = Vec::new();
        let mut queue: VecDeque<(usize, usize, bool)> = VecDeque::new();
        queue.push_back((i, usize::MAX, false));
        let mut followed = 0usize;
        while let Some((at, via_link, cond)) = queue.pop_front() {
            // A principal no trust policy names has exactly the edges of its
            // class; once one member's are followed, the others' lead only
            // to principals already visited.
            let class = graph.class[at];
            let class_done = expanded[class] == stamp;
            expanded[class] = stamp;
            if class_done && !graph.named[at] {
                continue;
            }
            let first_hop = via_link == usize::MAX;
            let mut via: Option<Vec<String>> = None;
            let edges: Box<dyn Iterator<Item = &escalation::Edge>> = if class_done {
                Box::new(graph.specific[at].iter())
            } else {
                Box::new(graph.edges(at))
            };
            for e in edges {
                if visited[e.to] == stamp {
                    continue;
                }
                visited[e.to] = stamp;
                followed += 1;
                if followed > options.max_reachable {
                    partial = true;
                    node_findings.push(Finding::new(
                        "aws.escalation.truncated",
                        Severity::Low,
                        format!(
                            "more than {} principals are reachable; the rest are not shown",
                            options.max_reachable
                        ),
                    ));
                    queue.clear();
                    break;
                }
                let c = cond || e.conditional;
                let target = &nodes[e.to];
                links.push((via_link, e.hop.as_str()));
                let link = links.len() - 1;
                queue.push_back((e.to, link, c));
                let new_sig = match seen_sigs.get(&target.sig) {
                    None => true,
                    Some(&shown_certain) => !shown_certain && !c,
                };
                // A principal that can edit its own policies is listed on
                // every first hop (becoming it is the escalation); deeper,
                // once per distinct set of policies like the rest.
                let admin_hop = first_hop && !graph.admin[e.to].is_empty();
                if !new_sig && !admin_hop {
                    continue;
                }
                let via = via.get_or_insert_with(|| spell_chain(&links, via_link));
                let mut hops = via.clone();
                hops.push(e.hop.clone());
                if new_sig {
                    seen_sigs.insert(target.sig, !c);
                    // Through other principals only what rates: destroy,
                    // escalate, secrets and data reads (plain writes and
                    // reads are on the target's own assessment).
                    let chain = transitive.chains.len();
                    let mut used = false;
                    for (r, ids) in own_reach[target.sig]
                        .iter()
                        .zip(own_ids[target.sig].iter())
                        .filter(|(r, _)| crate::reach::concrete(r.category) || r.data)
                    {
                        used |= transitive.add(r, ids, c, chain);
                    }
                    if used {
                        transitive.chains.push((hops.clone(), target.arn.as_str()));
                    }
                }
                apply_admin(
                    &mut reach,
                    &graph.admin[e.to],
                    &target.account,
                    options,
                    &hops,
                    c,
                );
                // Becoming a principal is itself an escalation; listed for
                // the first hop only (deeper hops show in `via`), and once
                // per distinct set of policies (the rest reach the same).
                if first_hop {
                    becoming.push((
                        e.hop.as_str(),
                        !graph.admin[e.to].is_empty(),
                        Reach {
                            actions: vec![e
                                .hop
                                .split(" -> ")
                                .next()
                                .unwrap_or("")
                                .split(" + ")
                                .next()
                                .unwrap_or("")
                                .to_string()],
                            resource: target.arn.clone(),
                            environment: options.environments.get(&target.account).cloned(),
                            category: Category::Escalate,
                            conditional: c,
                            via: Vec::new(),
                            reversible: None,
                            data: false,
                            certainty: Certainty::Inferred,
                            evidence: format!("can become {}: {}", target.arn, e.evidence),
                        },
                    ));
                }
            }
        }
        let mark = reach.len();
        transitive.finish(&mut reach);
        add_becoming(&mut reach, mark, becoming, &account);
        if !graph.named[i] {
            bfs_cache.insert(
                n.sig,
                (
                    reach[base..].to_vec(),
                    node_findings[findings_base..].to_vec(),
                ),
            );
        }

        principals.push(principal_assessment(
            n,
            dedup_reach(reach),
            node_findings,
            partial,
        ));
    }
    AccountAssessment {
        principals,
        findings,
    }
}

/// The hops of a chain, from the audited principal on.
fn spell_chain(links: &[(usize, &str)], mut at: usize) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(&(parent, hop)) = links.get(at) {
        out.push(hop.to_string());
        at = parent;
    }
    out.reverse();
    out
}

/// One action reached through other principals: its weight, the chain
/// it was first (so most shortly) reached by, and the entry it came from.
struct Via<'a> {
    weight: u32,
    chain: usize,
    source: &'a Reach,
}

/// What one principal reaches through others, merged per (category,
/// resource, data, conditional): one entry per distinct harm, every
/// destroy/escalate/secrets action by name, `via` the chain of its headline.
/// Interned action names (id -> name) and their harm weights.
#[derive(Clone, Copy)]
struct Names<'a> {
    names: &'a [&'a str],
    weights: &'a [u32],
}

struct Transitive<'a> {
    account: &'a str,
    every: String,
    names: Names<'a>,
    /// Actions (interned ids) the principal holds itself, per (category,
    /// resource): unconditionally, and only under conditions.
    own: FastMap<(Category, &'a str), FastSet<u32>>,
    own_cond: FastMap<(Category, &'a str), FastSet<u32>>,
    /// Actions held unconditionally on every resource of the account.
    everywhere: FastMap<Category, FastSet<u32>>,
    merged: FastMap<(Category, &'a str, bool, bool), FastMap<u32, Via<'a>>>,
    order: Vec<(Category, &'a str, bool, bool)>,
    /// Chains (hops, the principal at their end) in the order found.
    chains: Vec<(Vec<String>, &'a str)>,
}

impl<'a> Transitive<'a> {
    fn new(own: &'a [Reach], own_ids: &'a [Vec<u32>], account: &'a str, names: Names<'a>) -> Self {
        let every = display_resource("*", account);
        let mut t = Transitive {
            account,
            every,
            names,
            own: FastMap::default(),
            own_cond: FastMap::default(),
            everywhere: FastMap::default(),
            merged: FastMap::default(),
            order: Vec::new(),
            chains: Vec::new(),
        };
        for (r, ids) in own.iter().zip(own_ids.iter()) {
            let set = if r.conditional {
                t.own_cond.entry((r.category, r.resource.as_str()))
            } else {
                t.own.entry((r.category, r.resource.as_str()))
            };
            set.or_default().extend(ids.iter().copied());
            if !r.conditional && r.resource == t.every {
                t.everywhere
                    .entry(r.category)
                    .or_default()
                    .extend(ids.iter().copied());
            }
        }
        t
    }

    /// A resource of this account (a wildcard or missing account counts).
    fn in_account(&self, resource: &str) -> bool {
        resource != self.every
            && crate::reach::arn_account(resource)
                .is_none_or(|x| x.is_empty() || x.contains('*') || x == self.account)
    }

    /// Adds a target's entry reached by chain number `chain`; true when
    /// some action of it was new.
    fn add(&mut self, r: &'a Reach, ids: &[u32], via_conditional: bool, chain: usize) -> bool {
        let cond = r.conditional || via_conditional;
        let k = (r.category, r.resource.as_str());
        let own = self.own.get(&k);
        let own_cond = self.own_cond.get(&k);
        let every = if self.in_account(&r.resource) {
            self.everywhere.get(&r.category)
        } else {
            None
        };
        let key = (r.category, r.resource.as_str(), r.data, cond);
        let mut added = false;
        let kept: Vec<u32> = ids
            .iter()
            .copied()
            .filter(|a| {
                !(own.is_some_and(|s| s.contains(a))
                    || (cond && own_cond.is_some_and(|s| s.contains(a)))
                    || every.is_some_and(|s| s.contains(a)))
            })
            .collect();
        if kept.is_empty() {
            return false;
        }
        if !self.merged.contains_key(&key) {
            self.order.push(key);
        }
        let weights = self.names.weights;
        let m = self.merged.entry(key).or_default();
        for a in kept {
            // Breadth first: the first chain to an action is the shortest.
            if let std::collections::hash_map::Entry::Vacant(v) = m.entry(a) {
                v.insert(Via {
                    weight: weights.get(a as usize).copied().unwrap_or(0),
                    chain,
                    source: r,
                });
                added = true;
            }
        }
        added
    }

    /// The merged entries, headline first; an action also reached
    /// unconditionally, or on every resource of the account, is dropped
    /// from the narrower or conditional entries.
    fn finish(self, out: &mut Vec<Reach>) {
        let mut everywhere = self.everywhere.clone();
        for k in &self.order {
            let (category, resource, _, cond) = *k;
            if !cond && resource == self.every {
                if let Some(m) = self.merged.get(k) {
                    everywhere.entry(category).or_default().extend(m.keys());
                }
            }
        }
        let mut built: Vec<Built> = Vec::new();
        for k in &self.order {
            let (category, resource, data, cond) = *k;
            let Some(m) = self.merged.get(k) else {
                continue;
            };
            let certain = if cond {
                self.merged.get(&(category, resource, data, false))
            } else {
                None
            };
            let every = if self.in_account(resource) {
                everywhere.get(&category)
            } else {
                None
            };
            let names = self.names.names;
            let mut ids: Vec<(u32, &Via)> = m
                .iter()
                .filter(|(a, _)| {
                    !certain.is_some_and(|c| c.contains_key(*a))
                        && !every.is_some_and(|e| e.contains(*a))
                })
                .map(|(a, v)| (*a, v))
                .collect();
            if ids.is_empty() {
                continue;
            }
            // Ids follow name order: weight, then name, on integers.
            ids.sort_unstable_by(|a, b| b.1.weight.cmp(&a.1.weight).then(a.0.cmp(&b.0)));
            let actions: Vec<(&str, &Via)> = ids
                .into_iter()
                .map(|(a, v)| (names.get(a as usize).copied().unwrap_or(""), v))
                .collect();
            let head = actions[0].1;
            let Some((hops, holder)) = self.chains.get(head.chain) else {
                continue;
            };
            let mut holders: Vec<usize> = actions.iter().map(|(_, v)| v.chain).collect();
            holders.sort_unstable();
            holders.dedup();
            let reversible = if category == Category::Destroy {
                // Irreversible if any principal reached can also destroy
                // the backups; unknown if any is unknown.
                let mut rev = Some(true);
                for (_, v) in &actions {
                    match v.source.reversible {
                        Some(false) => {
                            rev = Some(false);
                            break;
                        }
                        None => rev = None,
                        Some(true) => {}
                    }
                }
                rev
            } else {
                None
            };
            let mut evidence = format!("as {holder}: {}", head.source.evidence);
            if holders.len() > 1 {
                evidence.push_str(&format!(
                    " (merged: {} actions reached through {} principals; `via` is the shortest chain to the headline action)",
                    actions.len(),
                    holders.len()
                ));
            }
            built.push(Built {
                weight: head.weight,
                actions: actions.iter().map(|(a, v)| (*a, v.weight)).collect(),
                reach: Reach {
                    actions: Vec::new(),
                    resource: head.source.resource.clone(),
                    environment: head.source.environment.clone(),
                    category,
                    conditional: cond,
                    via: hops.clone(),
                    reversible,
                    data,
                    certainty: head.source.certainty,
                    evidence,
                },
            });
        }
        // Per (category, data, conditional): the TRANSITIVE_RESOURCES most
        // harmful resources keep entries of their own; the rest are merged
        // into one entry that still names every action (the contract), so
        // the output grows with distinct harms, not with reachable
        // principals times their resources.
        built.sort_by(|a, b| {
            (a.reach.category, a.reach.data, a.reach.conditional)
                .cmp(&(b.reach.category, b.reach.data, b.reach.conditional))
                .then_with(|| b.weight.cmp(&a.weight))
                .then_with(|| a.reach.resource.cmp(&b.reach.resource))
        });
        let mut start = 0;
        while start < built.len() {
            let group = |x: &Built| (x.reach.category, x.reach.data, x.reach.conditional);
            let g = group(&built[start]);
            let end = built[start..]
                .iter()
                .position(|x| group(x) != g)
                .map_or(built.len(), |p| start + p);
            let keep = (end - start).min(TRANSITIVE_RESOURCES);
            for b in &mut built[start..start + keep] {
                let mut r = std::mem::replace(&mut b.reach, empty_reach());
                r.actions = b.actions.iter().map(|(a, _)| a.to_string()).collect();
                out.push(r);
            }
            if end - start > keep {
                let rest = &mut built[start + keep..end];
                let mut union: FastMap<&str, u32> = FastMap::default();
                let mut reversible = Some(true);
                for b in rest.iter() {
                    for &(a, w) in &b.actions {
                        union.insert(a, w);
                    }
                    match b.reach.reversible {
                        Some(false) => reversible = Some(false),
                        None if reversible != Some(false) => reversible = None,
                        _ => {}
                    }
                }
                let mut actions: Vec<(&str, u32)> = union.into_iter().collect();
                actions.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
                let names: String = rest
                    .iter()
                    .take(3)
                    .map(|b| b.reach.resource.as_str())
                    .collect::<Vec<_>>()
                    .join(", ");
                let first = std::mem::replace(&mut rest[0].reach, empty_reach());
                out.push(Reach {
                    actions: actions.iter().map(|(a, _)| a.to_string()).collect(),
                    resource: format!(
                        "{} more resources reached through other principals",
                        end - start - keep
                    ),
                    reversible: if g.0 == Category::Destroy { reversible } else { None },
                    evidence: format!(
                        "summary of {} further resources ({}, ...), each reached through another principal; `via` is the chain to the most harmful of them; {}",
                        end - start - keep,
                        names,
                        first.evidence
                    ),
                    ..first
                });
            }
            start = end;
        }
    }
}

/// At most this many resources per (category, data, conditional) keep an
/// entry of their own among what is reached through other principals.
pub const TRANSITIVE_RESOURCES: usize = 8;

/// A merged entry before its action names are spelled out.
struct Built<'a> {
    weight: u32,
    actions: Vec<(&'a str, u32)>,
    reach: Reach,
}

fn empty_reach() -> Reach {
    Reach {
        actions: Vec::new(),
        resource: String::new(),
        environment: None,
        category: Category::Read,
        conditional: false,
        via: Vec::new(),
        reversible: None,
        data: false,
        certainty: Certainty::Inferred,
        evidence: String::new(),
    }
}

/// Becoming another principal is itself an escalation. A first hop is
/// listed on its own when some entry's chain starts with it or the target
/// is admin-equivalent; the others (they add nothing beyond what is
/// listed) are counted in one entry per (action, conditional).
fn add_becoming(
    reach: &mut Vec<Reach>,
    mark: usize,
    becoming: Vec<(&str, bool, Reach)>,
    account: &str,
) {
    let used: HashSet<&str> = reach[mark..]
        .iter()
        .filter_map(|r| r.via.first().map(String::as_str))
        .collect();
    let used: HashSet<String> = used.into_iter().map(str::to_string).collect();
    let mut rest: Vec<Reach> = Vec::new();
    for (hop, admin, r) in becoming {
        if admin || used.contains(hop) {
            reach.push(r);
        } else {
            rest.push(r);
        }
    }
    if rest.len() <= BECOMING_LISTED {
        reach.extend(rest);
        return;
    }
    let mut groups: std::collections::BTreeMap<(String, bool), Vec<Reach>> = Default::default();
    for r in rest {
        let action = r.actions.first().cloned().unwrap_or_default();
        groups.entry((action, r.conditional)).or_default().push(r);
    }
    for ((action, conditional), members) in groups {
        let names: Vec<&str> = members
            .iter()
            .take(5)
            .map(|r| r.resource.as_str())
            .collect();
        reach.push(Reach {
            actions: vec![action.clone()],
            resource: format!("{} principals of account {account}", members.len()),
            environment: members[0].environment.clone(),
            category: Category::Escalate,
            conditional,
            via: Vec::new(),
            reversible: None,
            data: false,
            certainty: Certainty::Inferred,
            evidence: format!(
                "can become {} principals by {action} ({}{}), none of which adds a harm beyond the entries listed; e.g. {}",
                members.len(),
                names.join(", "),
                if members.len() > names.len() { ", ..." } else { "" },
                members[0].evidence
            ),
        });
    }
}

/// First hops that add nothing are listed one by one up to this many.
const BECOMING_LISTED: usize = 5;

/// Self-edit paths become escalate entries: the matching entry (same
/// resource, holding the action) gets the action first and the
/// admin-equivalent evidence; otherwise a new entry is added.
fn apply_admin(
    reach: &mut Vec<Reach>,
    admin: &[AdminPath],
    account: &str,
    options: &AccountOptions,
    via: &[String],
    via_conditional: bool,
) {
    for a in admin {
        let conditional = a.conditional || via_conditional;
        let hit = reach.iter_mut().find(|r| {
            r.category == Category::Escalate
                && r.resource == a.resource
                && r.via == via
                && r.conditional == conditional
                && r.actions.iter().any(|x| x.eq_ignore_ascii_case(&a.action))
        });
        match hit {
            Some(r) => {
                if let Some(pos) = r
                    .actions
                    .iter()
                    .position(|x| x.eq_ignore_ascii_case(&a.action))
                {
                    let act = r.actions.remove(pos);
                    r.actions.insert(0, act);
                }
                r.evidence = format!("{} ({})", a.evidence, r.evidence);
            }
            None => reach.push(Reach {
                actions: vec![a.action.clone()],
                resource: display_resource(&a.resource, account),
                environment: options.environments.get(account).cloned(),
                category: Category::Escalate,
                conditional,
                via: via.to_vec(),
                reversible: None,
                data: false,
                certainty: Certainty::Inferred,
                evidence: a.evidence.clone(),
            }),
        }
    }
}

fn dedup_reach(reach: Vec<Reach>) -> Vec<Reach> {
    let keep: Vec<bool> = {
        // Fx, not SipHash: the keys hold whole action lists.
        let mut seen: FastSet<_> = FastSet::default();
        reach
            .iter()
            .map(|r| {
                seen.insert((
                    r.actions.as_slice(),
                    r.resource.as_str(),
                    r.category,
                    r.conditional,
                    r.via.as_slice(),
                ))
            })
            .collect()
    };
    reach
        .into_iter()
        .zip(keep)
        .filter_map(|(r, k)| k.then_some(r))
        .collect()
}
