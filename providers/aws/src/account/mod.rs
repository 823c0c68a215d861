//! From a GAAD export to one assessment per principal: own reach, then,
//! transitively, the reach of every principal it can become, each hop under
//! that principal's own policies and boundary.
//!
//! Principals with the same policies (same documents, same boundary) share
//! one reach computation: large accounts have thousands of roles made from a
//! few managed policies.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

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

mod names;
mod transitive;

use names::Names;
pub use transitive::TRANSITIVE_RESOURCES;
use transitive::{in_account, OwnEntry, Transitive};

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
    reach: Vec<Arc<Reach>>,
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
    for (s, r) in rep.iter().enumerate() {
        let Some(r) = *r else { continue };
        let sig = &sigs[s];
        let g = grants(&ReachInput {
            set: &sig.set,
            principal: &nodes[r].principal,
            context: &sig.context,
            catalog,
            classifier,
        });
        sigs[s].grants = GrantIndex::new(g);
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
    // Action names interned once; ids in name order, so that the merge
    // can sort on integers (weight, then name).
    let every = display_resource("*", &account);
    let mut names = Names::new(sigs.iter().flat_map(|s| {
        s.grants
            .list
            .iter()
            .map(|g| (g.action.as_str(), g.class.weight))
    }));
    let mut resources: FastMap<String, u32> = FastMap::default();
    let own: Vec<Vec<OwnEntry>> = sigs
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
            .into_iter()
            .map(|mut r| {
                let ids = names.ids(&r.actions);
                r.actions = names.list(&ids);
                let next = resources.len() as u32;
                OwnEntry {
                    in_account: in_account(&r.resource, &every, &account),
                    resource: *resources.entry(r.resource.clone()).or_insert(next),
                    reach: Arc::new(r),
                    ids,
                }
            })
            .collect()
        })
        .collect();

    let every_id = resources.get(&every).copied();
    drop(resources);

    let mut principals = Vec::with_capacity(nodes.len());
    let mut bfs_cache: FastMap<usize, (Vec<Arc<Reach>>, Vec<Finding>)> = FastMap::default();
    let mut visited: Vec<u32> = vec![0; nodes.len()];
    let mut expanded: Vec<u32> = vec![0; graph.generic.len()];
    let mut stamp: u32 = 0;
    for (i, n) in nodes.iter().enumerate() {
        let mut reach: Vec<Arc<Reach>> = own[n.sig].iter().map(|e| e.reach.clone()).collect();
        let admin = Admin {
            account: &n.account,
            options,
            via: &[],
            via_conditional: false,
        };
        admin.apply(&mut reach, &graph.admin[i], &mut names);
        let mut node_findings = n.findings.clone();
        let mut partial = n.partial;
        let base = reach.len();
        let findings_base = node_findings.len();

        // A principal no trust policy names has the edges of its policies:
        // what it reaches through others is that of the first principal
        // with the same policies (minus anything naming itself). The
        // entries are shared, not copied.
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

        let mut transitive = Transitive::new(&own[n.sig], every_id);
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
        let mut seen_sigs: FastMap<usize, bool> = FastMap::default();
        seen_sigs.insert(n.sig, true);
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
                    for entry in own[target.sig]
                        .iter()
                        .filter(|e| crate::reach::concrete(e.reach.category) || e.reach.data)
                    {
                        used |= transitive.add(entry, c, chain, &names);
                    }
                    if used {
                        transitive.chains.push((hops.clone(), target.arn.as_str()));
                    }
                }
                Admin {
                    account: &target.account,
                    options,
                    via: &hops,
                    via_conditional: c,
                }
                .apply(&mut reach, &graph.admin[e.to], &mut names);
                // Becoming a principal is itself an escalation; listed for
                // the first hop only (deeper hops show in `via`), and once
                // per distinct set of policies (the rest reach the same).
                if first_hop {
                    let action = e.hop.split(" -> ").next().unwrap_or("");
                    let action = action.split(" + ").next().unwrap_or("");
                    let id = names.id(action);
                    becoming.push((
                        e.hop.as_str(),
                        !graph.admin[e.to].is_empty(),
                        Reach {
                            actions: names.list(&[id]),
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
        transitive.finish(&mut names, &mut reach);
        add_becoming(&mut reach, mark, becoming, &account, &mut names);
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

/// Becoming another principal is itself an escalation. A first hop is
/// listed on its own when some entry's chain starts with it or the target
/// is admin-equivalent; the others (they add nothing beyond what is
/// listed) are counted in one entry per (action, conditional).
fn add_becoming(
    reach: &mut Vec<Arc<Reach>>,
    mark: usize,
    becoming: Vec<(&str, bool, Reach)>,
    account: &str,
    names: &mut Names,
) {
    let used: HashSet<&str> = reach[mark..]
        .iter()
        .filter_map(|r| r.via.first().map(String::as_str))
        .collect();
    let used: HashSet<String> = used.into_iter().map(str::to_string).collect();
    let mut rest: Vec<Reach> = Vec::new();
    for (hop, admin, r) in becoming {
        if admin || used.contains(hop) {
            reach.push(Arc::new(r));
        } else {
            rest.push(r);
        }
    }
    if rest.len() <= BECOMING_LISTED {
        reach.extend(rest.into_iter().map(Arc::new));
        return;
    }
    let mut groups: std::collections::BTreeMap<(String, bool), Vec<Reach>> = Default::default();
    for r in rest {
        let action = r.actions.first().cloned().unwrap_or_default();
        groups.entry((action, r.conditional)).or_default().push(r);
    }
    for ((action, conditional), members) in groups {
        let listed: Vec<&str> = members
            .iter()
            .take(5)
            .map(|r| r.resource.as_str())
            .collect();
        let id = names.id(&action);
        reach.push(Arc::new(Reach {
            actions: names.list(&[id]),
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
                listed.join(", "),
                if members.len() > listed.len() { ", ..." } else { "" },
                members[0].evidence
            ),
        }));
    }
}

/// First hops that add nothing are listed one by one up to this many.
const BECOMING_LISTED: usize = 5;

/// Where self-edit paths are found: the principal holding them, and how
/// the audited principal gets to it.
struct Admin<'a> {
    account: &'a str,
    options: &'a AccountOptions,
    via: &'a [String],
    via_conditional: bool,
}

impl Admin<'_> {
    /// Self-edit paths become escalate entries: the matching entry (same
    /// resource, holding the action) gets the action first and the
    /// admin-equivalent evidence; otherwise a new entry is added.
    fn apply(&self, reach: &mut Vec<Arc<Reach>>, admin: &[AdminPath], names: &mut Names) {
        for a in admin {
            let conditional = a.conditional || self.via_conditional;
            let hit = reach.iter_mut().find(|r| {
                r.category == Category::Escalate
                    && r.resource == a.resource
                    && r.via == self.via
                    && r.conditional == conditional
                    && r.actions.iter().any(|x| x.eq_ignore_ascii_case(&a.action))
            });
            match hit {
                Some(r) => {
                    let r = Arc::make_mut(r);
                    if let Some(pos) = r
                        .actions
                        .iter()
                        .position(|x| x.eq_ignore_ascii_case(&a.action))
                    {
                        let mut ids = names.ids(&r.actions);
                        let head = ids.remove(pos);
                        ids.insert(0, head);
                        r.actions = names.list(&ids);
                    }
                    r.evidence = format!("{} ({})", a.evidence, r.evidence);
                }
                None => {
                    let id = names.id(&a.action);
                    reach.push(Arc::new(Reach {
                        actions: names.list(&[id]),
                        resource: display_resource(&a.resource, self.account),
                        environment: self.options.environments.get(self.account).cloned(),
                        category: Category::Escalate,
                        conditional,
                        via: self.via.to_vec(),
                        reversible: None,
                        data: false,
                        certainty: Certainty::Inferred,
                        evidence: a.evidence.clone(),
                    }))
                }
            }
        }
    }
}

fn dedup_reach(reach: Vec<Arc<Reach>>) -> Vec<Arc<Reach>> {
    let keep: Vec<bool> = {
        // Lists are interned (equal lists are one list): the pointer
        // stands for the names.
        let mut seen: FastSet<_> = FastSet::default();
        reach
            .iter()
            .map(|r| {
                seen.insert((
                    r.actions.as_ptr(),
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
