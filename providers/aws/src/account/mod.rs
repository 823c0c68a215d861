//! From a GAAD export to one assessment per principal: own reach, then,
//! transitively, the reach of every principal it can become, each hop under
//! that principal's own policies and boundary.
//!
//! Principals with the same policies (same documents, same boundary) share
//! one reach computation, and its entries: large accounts have thousands of
//! roles made from a few managed policies.
//!
//! Phases: grants and own entries per policy set (in parallel); the
//! escalation graph, and beside it the entries' action lists interned
//! (`names`, `own_entries`); a breadth-first walk from each principal
//! whose edges are its own (`explore`, in parallel) merging what it
//! reaches (`transitive`), once for walks that merge the same; then each
//! principal's list, shared where its policies and edges are another's
//! (`assemble`).

use std::collections::HashMap;
use std::sync::Arc;

use blastradius_report::{ActionList, Assessment, Category, Finding, Reach, Severity};

use crate::classify::{default_catalog, ActionCatalog, Classifier};
use crate::context::Context;
use crate::escalation::{self, NodeView};
use crate::eval::{PolicySet, Principal};
use crate::fasthash::FastMap;
use crate::gaad::{DocId, Gaad};
use crate::policy::Policy;
use crate::reach::{
    display_resource, grants_asked, group_reach, Asked, GrantIndex, Granted, Grouping, Listings,
    ReachInput,
};

mod assemble;
mod explore;
mod names;
mod transitive;

use assemble::assemble;
use explore::{explore, Explored, Scratch, Shared, World};
use names::Names;
pub use transitive::TRANSITIVE_RESOURCES;
use transitive::{in_account, transits, Numbering, OwnEntry};

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

pub(crate) struct Node {
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

/// Where a principal's policy comes from, for a finding about it (spelled
/// out only then).
enum Label<'a> {
    /// (policy name, principal ARN)
    Inline(&'a str, &'a str),
    /// (policy name, group name)
    GroupInline(&'a str, &'a str),
    Managed(&'a str),
    /// Attached, but not in the export.
    Attached(&'a str),
}

impl std::fmt::Display for Label<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Inline(name, of) => write!(f, "inline policy {name} of {of}"),
            Label::GroupInline(name, group) => write!(f, "inline policy {name} of group {group}"),
            Label::Managed(arn) => write!(f, "managed policy {arn}"),
            Label::Attached(arn) => write!(f, "attached managed policy {arn}"),
        }
    }
}

/// One entry another principal gets by becoming this one: (category,
/// resource id, data, conditional, the interned action list).
type ContentItem = (Category, u32, bool, bool, *const String);

pub fn assess_account(gaad: &Gaad, options: &AccountOptions) -> AccountAssessment {
    assess_account_with(gaad, options, default_catalog())
}

/// Builds what [`assess_account`] needs that no account changes: the
/// embedded action catalog, the classification and the action table over
/// it. Reading and parsing a GAAD is one thread's work, so a caller can
/// run this on another core meanwhile; an audit builds them itself
/// otherwise, and either way they are built once per process.
pub fn prepare() {
    Classifier::embedded().action_table(default_catalog());
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

pub fn assess_account_with<'g>(
    gaad: &'g Gaad,
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
    let mut sig_index: FastMap<SigKey, usize> = FastMap::default();
    let mut sigs: Vec<Sig> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();

    let mut add_node = |arn: &str,
                        name: &str,
                        acct: &str,
                        is_user: bool,
                        mut docs: Vec<(Label, Option<DocId>)>,
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

    let managed_doc = |arn: &'g str| -> (Label<'g>, Option<DocId>) {
        match gaad.managed(arn) {
            Some(m) => (Label::Managed(arn), m.document),
            None => (Label::Attached(arn), None),
        }
    };
    for u in &gaad.users {
        let mut docs: Vec<(Label, Option<DocId>)> = Vec::new();
        let mut attached = u.attached.clone();
        let mut group_arns = Vec::new();
        let mut nf = Vec::new();
        for p in &u.inline {
            docs.push((Label::Inline(&p.name, &u.arn), Some(p.document)));
        }
        for a in &u.attached {
            docs.push(managed_doc(a));
        }
        for gname in &u.groups {
            match gaad.group(gname) {
                Some(g) => {
                    group_arns.push(g.arn.clone());
                    for p in &g.inline {
                        docs.push((Label::GroupInline(&p.name, &g.name), Some(p.document)));
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
        let mut docs: Vec<(Label, Option<DocId>)> = Vec::new();
        for p in &r.inline {
            docs.push((Label::Inline(&p.name, &r.arn), Some(p.document)));
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
    // once beforehand rather than by each thread. Each combination's grants
    // are kept compact (actions and resources by number, about 10 MB at
    // 5,000 roles) until they become its own entries beside the graph;
    // only those the escalation graph asks about are written out.
    use rayon::prelude::*;
    classifier.action_table(catalog);
    let listings = Listings::default();
    let grouping = Grouping {
        account: &account,
        environments: &options.environments,
        via: &[],
        via_conditional: false,
        listings: &listings,
    };
    // Policy sets that differ only by the principal (a principal-dependent
    // document makes each user its own set: a policy on
    // `user/${aws:username}`) share the work: the first of each family is
    // computed, and each other gets its result when its evaluator answers
    // every question the first one's computation asked the same way (see
    // `reach::Asked`); otherwise it is computed too.
    // (documents, boundary, service-linked, account): one policy set.
    type Family<'a> = (&'a [DocId], Option<DocId>, bool, &'a str);
    let mut families: HashMap<Family, Vec<usize>> = HashMap::new();
    for (key, &s) in &sig_index {
        if let Some(r) = rep[s] {
            let account = nodes[r].principal.account.as_str();
            families
                .entry((key.0.as_slice(), key.1, key.2, account))
                .or_default()
                .push(s);
        }
    }
    let mut first_of: Vec<Option<usize>> = vec![None; sigs.len()];
    for members in families.values_mut() {
        members.sort_unstable();
        for &s in &members[1..] {
            first_of[s] = Some(members[0]);
        }
    }
    let input = |s: usize| -> Option<ReachInput> {
        let sig = &sigs[s];
        Some(ReachInput {
            set: &sig.set,
            principal: &nodes[rep[s]?].principal,
            context: &sig.context,
            catalog,
            classifier,
        })
    };
    // Which catalog actions the escalation graph asks about, once.
    let queried: Vec<bool> = classifier
        .action_table(catalog)
        .entries
        .iter()
        .map(|e| escalation::queries(&e.name, classifier))
        .collect();
    let compute = |input: &ReachInput| -> (GrantIndex, Granted, Asked) {
        let (g, asked) = grants_asked(input);
        let queried = g.grants(|id, action| match id {
            Some(id) => queried[id],
            None => escalation::queries(action, classifier),
        });
        (GrantIndex::new(queried), g, asked)
    };
    let firsts: Vec<Option<(GrantIndex, Granted, Asked)>> = (0..sigs.len())
        .into_par_iter()
        .map(|s| match first_of[s] {
            None => input(s).map(|i| compute(&i)),
            Some(_) => None,
        })
        .collect();
    let others: Vec<(usize, GrantIndex, SetGrants)> = (0..sigs.len())
        .into_par_iter()
        .filter_map(|s| {
            let i = input(s)?;
            let first = first_of[s]?;
            let (g, _, asked) = firsts[first].as_ref()?;
            if asked.same_answers(&i) {
                Some((s, g.clone(), SetGrants::SameAs(first)))
            } else {
                let (g, granted, _) = compute(&i);
                Some((s, g, SetGrants::Computed(granted)))
            }
        })
        .collect();
    let computed = firsts
        .into_iter()
        .enumerate()
        .filter_map(|(s, c)| c.map(|(g, granted, _)| (s, g, SetGrants::Computed(granted))))
        .chain(others);
    let mut granted: Vec<SetGrants> = (0..sigs.len()).map(|_| SetGrants::Missing).collect();
    for (s, g, gr) in computed {
        sigs[s].grants = g;
        granted[s] = gr;
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
            family: first_of[n.sig].unwrap_or(n.sig),
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
    // The graph (sequential) and the own entries (parallel) need nothing
    // of each other: built side by side. The graph reads only the grants
    // the escalation checks ask about, so the grants become entries here
    // too, on the core the graph leaves free.
    let (graph, owned) = rayon::join(
        || escalation::build(&views, classifier),
        || {
            let grouped = own_grouped(&granted, &grouping);
            drop(granted);
            own_entries(grouped, &account, classifier, catalog)
        },
    );
    let Owned {
        own,
        mut names,
        numbering,
        every: every_id,
        content,
        contents,
    } = owned;

    // The graph is built: the walks need only the entries.
    for s in &mut sigs {
        s.grants = GrantIndex::default();
    }

    // Walks: from every principal some trust policy names, and from the
    // first of each policy set among the rest (the others have its edges,
    // so its walk, minus anything naming themselves).
    let mut first_of_sig: Vec<Option<usize>> = vec![None; sigs.len()];
    let starts: Vec<usize> = (0..nodes.len())
        .filter(|&i| {
            graph.named[i] || {
                let first = first_of_sig[nodes[i].sig].get_or_insert(i);
                *first == i
            }
        })
        .collect();
    let sig_of: Vec<u32> = nodes.iter().map(|n| n.sig as u32).collect();
    let shared = Shared::default();
    let world = World {
        nodes: &nodes,
        sig_of: &sig_of,
        graph: &graph,
        own: &own,
        names: &names,
        numbering: &numbering,
        options,
        account: &account,
        every: every_id,
        content: &content,
        contents,
        shared: &shared,
    };
    let walked: Vec<Explored> = starts
        .par_iter()
        .map_init(
            || Scratch::new(&world),
            |scratch, &i| explore(i, &world, scratch),
        )
        .collect();
    // Only the walks hold the merges now: those not shared are moved,
    // not copied, into the lists.
    drop(shared);
    crate::heap::release_free_memory();
    let mut walks: Vec<Option<Explored>> = (0..nodes.len()).map(|_| None).collect();
    for (i, w) in starts.iter().zip(walked) {
        walks[*i] = Some(w);
    }

    let principals = assemble(&nodes, &own, &graph, walks, &mut names, options);
    // What the phases built, freed on two cores: in sequence it took
    // 12-19 ms of a 5,000-role audit.
    rayon::join(
        || drop((own, numbering)),
        || drop((graph, nodes, names, sigs)),
    );
    AccountAssessment {
        principals,
        findings,
    }
}

/// A policy set's own entries, ready for the walks, and what the walks
/// number them by.
struct Owned {
    own: Vec<Vec<OwnEntry>>,
    names: Names,
    numbering: Numbering,
    /// The resource id of "every resource of the account", if any.
    every: Option<u32>,
    /// Per policy set, the id of what it adds to others' reach.
    content: Vec<u32>,
    contents: usize,
}

/// A policy set's grants, before they become its own entries.
enum SetGrants {
    /// No principal holds the set.
    Missing,
    Computed(Granted),
    /// Those of another set (its family's first, which answers every
    /// question the same way).
    SameAs(usize),
}

/// Each policy set's own entries: grouped from its grants, or copied from
/// the set whose grants they are.
fn own_grouped(granted: &[SetGrants], grouping: &Grouping) -> Vec<Vec<Reach>> {
    use rayon::prelude::*;
    let mut made: Vec<Vec<Reach>> = granted
        .par_iter()
        .map(|g| match g {
            SetGrants::Computed(g) => group_reach(g, grouping),
            SetGrants::Missing | SetGrants::SameAs(_) => Vec::new(),
        })
        .collect();
    let mut grouped: Vec<Vec<Reach>> = granted
        .iter()
        .map(|g| match g {
            SetGrants::SameAs(first) => made[*first].clone(),
            SetGrants::Missing | SetGrants::Computed(_) => Vec::new(),
        })
        .collect();
    for (s, g) in granted.iter().enumerate() {
        if let SetGrants::Computed(_) = g {
            grouped[s] = std::mem::take(&mut made[s]);
        }
    }
    grouped
}

/// Each policy set's entries (`grouped`) with interned action lists and
/// numbers.
fn own_entries(
    grouped: Vec<Vec<Reach>>,
    account: &str,
    classifier: &Classifier,
    catalog: &dyn ActionCatalog,
) -> Owned {
    use rayon::prelude::*;
    // Action names interned once; ids in name order, so that the merge
    // can sort on integers (weight, then name). Thousands of entries hold
    // the same few hundred action lists (and resources): each distinct
    // one is numbered, its names looked up once, and the entries are then
    // made in parallel.
    let every = display_resource("*", account);
    let (list_of, lists) = number(&grouped, |r| &*r.actions);
    let (resource_of, resources) = number(&grouped, |r| r.resource.as_str());
    let mut names = Names::new(
        lists.iter().flat_map(|l| l.iter().map(String::as_str)),
        |a| classifier.classify_shared(a, catalog).weight,
    );
    let interned: Vec<(ActionList, Vec<u32>)> = lists
        .iter()
        .map(|l| {
            let ids = names.ids(l);
            (names.list(&ids), ids)
        })
        .collect();
    let every_id = resources
        .iter()
        .position(|&r| r == every)
        .map(|id| id as u32);
    let local: Vec<bool> = resources
        .iter()
        .map(|r| in_account(r, &every, account))
        .collect();
    let resources: Vec<String> = resources.into_iter().map(str::to_string).collect();
    let mut own: Vec<Vec<OwnEntry>> = grouped
        .into_par_iter()
        .zip(list_of)
        .zip(resource_of)
        .map(|((entries, list_of), resource_of)| {
            entries
                .into_iter()
                .zip(list_of)
                .zip(resource_of)
                .map(|((mut r, list), resource)| {
                    let (actions, ids) = &interned[list as usize];
                    r.actions = actions.clone();
                    let local = local[resource as usize];
                    OwnEntry::new(Arc::new(r), ids.clone(), resource, local)
                })
                .collect()
        })
        .collect();
    drop(interned);

    let numbering = {
        let by_id: Vec<&str> = resources.iter().map(String::as_str).collect();
        Numbering::new(&mut own, &names, &by_id)
    };
    drop(resources);
    // Policy sets that add the same entries to others' reach.
    let mut content_ids: FastMap<Vec<ContentItem>, u32> = FastMap::default();
    let content: Vec<u32> = own
        .iter()
        .map(|entries| {
            let key = entries
                .iter()
                .filter(|e| transits(e))
                .map(|e| {
                    let r = &e.reach;
                    (
                        r.category,
                        e.resource,
                        r.data,
                        r.conditional,
                        r.actions.as_ptr(),
                    )
                })
                .collect();
            let next = content_ids.len() as u32;
            *content_ids.entry(key).or_insert(next)
        })
        .collect();
    let contents = content_ids.len();
    drop(content_ids);

    Owned {
        own,
        names,
        numbering,
        every: every_id,
        content,
        contents,
    }
}

/// Each entry's `part` as a number (equal parts, equal numbers; in order
/// of first appearance), and the distinct parts by number: borrowed, not
/// copied, and hashed once per entry.
fn number<'a, K: std::hash::Hash + Eq + Copy>(
    grouped: &'a [Vec<Reach>],
    part: impl Fn(&'a Reach) -> K,
) -> (Vec<Vec<u32>>, Vec<K>) {
    let mut numbers: FastMap<K, u32> = FastMap::default();
    let mut parts: Vec<K> = Vec::new();
    let of = grouped
        .iter()
        .map(|entries| {
            entries
                .iter()
                .map(|r| {
                    let k = part(r);
                    *numbers.entry(k).or_insert_with(|| {
                        parts.push(k);
                        (parts.len() - 1) as u32
                    })
                })
                .collect()
        })
        .collect();
    (of, parts)
}
