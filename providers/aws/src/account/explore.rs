//! Breadth-first walk from one principal over the escalation graph: what it
//! reaches through the principals it can become, with the shortest chain to
//! each. Pure and independent per principal, so walks run in parallel; the
//! result holds action ids, interned into shared lists afterwards.
//!
//! A walk first finds the policy sets it merges, then merges them, unless
//! another walk already merged the same sets by the same chains for a
//! principal whose own entries there are the same (`merge`): then it
//! takes that walk's entries.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use blastradius_report::{Category, Certainty, Finding, Reach, Severity};

use super::names::Names;
use super::transitive::{MergeScratch, Numbering, OwnEntry, Transitive};
use super::{AccountOptions, Node};
use crate::escalation::Graph;
use crate::fasthash::FastMap;

/// A walk's merged entries, with their action ids.
pub type Merged = Arc<Vec<(Reach, Vec<u32>)>>;

/// Merged entries by what they are made from (`explore`'s key): walks
/// that merge the same policy sets by the same chains, from principals
/// whose entries there are the same, share one merge. In a large account
/// many principals (users of one family, say) become the same roles.
pub type Shared = Mutex<FastMap<Vec<u32>, Merged>>;

/// What the walks share (read-only).
pub struct World<'a, 'n> {
    pub nodes: &'a [Node],
    /// Per node, its policy set (`nodes[i].sig`, kept dense: the walks
    /// read it for every principal they reach).
    pub sig_of: &'a [u32],
    pub graph: &'a Graph,
    pub own: &'n [Vec<OwnEntry>],
    pub names: &'n Names,
    pub numbering: &'n Numbering,
    pub options: &'a AccountOptions,
    pub account: &'a str,
    /// The resource id of "every resource of the account", if any.
    pub every: Option<u32>,
    /// Per policy set, the id of what it adds to others' reach: sets whose
    /// destroy/escalate/secrets/data entries are the same share one.
    pub content: &'n [u32],
    pub contents: usize,
    pub shared: &'n Shared,
}

/// Per-thread marks, reset by bumping the stamp: no per-walk allocation.
pub struct Scratch<'n> {
    stamp: u32,
    visited: Vec<u32>,
    expanded: Vec<u32>,
    /// Per content id: the walk that merged it, and whether unconditionally.
    merged: Vec<(u32, bool)>,
    /// Per policy set: the walk that showed it, and whether unconditionally.
    shown: Vec<(u32, bool)>,
    merge: MergeScratch<'n>,
    /// A walk's chains as parent links (parent, hop id), its queue
    /// (principal, link, conditional) and the policy sets it merges
    /// (principal, conditional, link): kept between walks, which fill
    /// thousands of each.
    links: Vec<(usize, u32)>,
    queue: VecDeque<(usize, usize, bool)>,
    merges: Vec<(usize, bool, usize)>,
    /// Per policy set: the walk that merged it.
    merged_set: Vec<u32>,
}

impl<'n> Scratch<'n> {
    pub fn new(world: &World<'_, 'n>) -> Self {
        Scratch {
            stamp: 0,
            visited: vec![0; world.nodes.len()],
            expanded: vec![0; world.graph.generic.len()],
            merged: vec![(0, false); world.contents],
            shown: vec![(0, false); world.own.len()],
            merge: MergeScratch::new(world.numbering),
            links: Vec::new(),
            queue: VecDeque::new(),
            merges: Vec::new(),
            merged_set: vec![0; world.own.len()],
        }
    }
}

/// A first hop: becoming a principal is itself an escalation.
struct FirstHop<'a> {
    hop: &'a str,
    /// The hop's action (`sts:AssumeRole`).
    action: &'a str,
    to: usize,
    conditional: bool,
    evidence: &'a str,
}

/// First hops that add nothing are listed one by one up to this many.
const BECOMING_LISTED: usize = 5;

/// The result of one walk, in the order things were found.
#[derive(Default)]
pub struct Explored<'a> {
    /// Self-edit paths of principals reached: (principal, chain, conditional).
    pub admins: Vec<(usize, Vec<String>, bool)>,
    /// Merged entries reached through others, with their action ids
    /// (shared by walks that merge the same).
    pub transitive: Merged,
    /// Escalate entries for first hops, with their one action.
    pub becoming: Vec<(&'a str, Reach)>,
    pub findings: Vec<Finding>,
    pub partial: bool,
}

// Out of line: called once per walk, and profiles then show the walks
// as one function.
#[inline(never)]
pub fn explore<'a: 'n, 'n>(i: usize, w: &World<'a, 'n>, s: &mut Scratch<'n>) -> Explored<'a> {
    let (nodes, graph, options) = (w.nodes, w.graph, w.options);
    let n = &nodes[i];
    let mut out = Explored::default();
    // Breadth first: the shortest chain to each principal is reported.
    s.stamp += 1;
    let stamp = s.stamp;
    s.visited[i] = stamp;
    // Distinct policy sets already shown, and whether unconditionally:
    // principals with the same policies reach the same things, so the
    // first chain to one of them is enough (a later unconditional chain
    // still counts when the first was conditional).
    s.shown[n.sig] = (stamp, true);
    // Chains as parent links; a chain is spelled out only for output.
    let mut links = std::mem::take(&mut s.links);
    links.clear();
    let mut queue = std::mem::take(&mut s.queue);
    queue.clear();
    let mut merges = std::mem::take(&mut s.merges);
    merges.clear();
    queue.push_back((i, usize::MAX, false));
    let mut followed = 0usize;
    let mut first_hops: Vec<FirstHop> = Vec::new();
    while let Some((at, via_link, cond)) = queue.pop_front() {
        // A principal no trust policy names has exactly the edges of its
        // class; once one member's are followed, the others' lead only
        // to principals already visited.
        let class = graph.class[at];
        let class_done = s.expanded[class] == stamp;
        s.expanded[class] = stamp;
        if class_done && !graph.named[at] {
            continue;
        }
        let first_hop = via_link == usize::MAX;
        let mut via: Option<Vec<String>> = None;
        let edges = graph.edges_of(at, !class_done);
        for k in 0..edges.len() {
            let Some(e) = edges.get(k) else {
                continue;
            };
            let to = e.target();
            if s.visited[to] == stamp {
                continue;
            }
            s.visited[to] = stamp;
            followed += 1;
            if followed > options.max_reachable {
                out.partial = true;
                out.findings.push(Finding::new(
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
            let hop = graph.text(e.hop);
            links.push((via_link, e.hop));
            let link = links.len() - 1;
            queue.push_back((to, link, c));
            let sig = w.sig_of[to] as usize;
            let new_sig = match s.shown[sig] {
                (st, shown_certain) if st == stamp => !shown_certain && !c,
                _ => true,
            };
            // A principal that can edit its own policies is listed on
            // every first hop (becoming it is the escalation); deeper,
            // once per distinct set of policies like the rest.
            let admin_hop = first_hop && !graph.admin[to].is_empty();
            if !new_sig && !admin_hop {
                continue;
            }
            // The chain to `to`, spelled out only for what keeps it.
            let mut hops = || {
                let via = via.get_or_insert_with(|| spell_chain(&links, via_link, graph));
                let mut hops = Vec::with_capacity(via.len() + 1);
                hops.extend(via.iter().cloned());
                hops.push(hop.to_string());
                hops
            };
            if new_sig {
                s.shown[sig] = (stamp, !c);
                // The same entries merged before, unconditionally or now
                // again under a condition, add nothing (the first chain
                // to an action stays its chain).
                let content = &mut s.merged[w.content[sig] as usize];
                let known = content.0 == stamp && (content.1 || c);
                if !known {
                    content.1 = (content.0 == stamp && content.1) || !c;
                    content.0 = stamp;
                    merges.push((to, c, link));
                    s.merged_set[sig] = stamp;
                }
            }
            if !graph.admin[to].is_empty() {
                out.admins.push((to, hops(), c));
            }
            // Becoming a principal is itself an escalation; listed for
            // the first hop only (deeper hops show in `via`), and once
            // per distinct set of policies (the rest reach the same).
            if first_hop {
                // A hop reads `action -> target` or `action + ... -> target`.
                first_hops.push(FirstHop {
                    hop,
                    action: hop.split_once(' ').map_or(hop, |(action, _)| action),
                    to,
                    conditional: c,
                    evidence: graph.text(e.evidence),
                });
            }
        }
    }
    out.transitive = merge(i, w, s, &links, &merges);
    s.links = links;
    s.queue = queue;
    s.merges = merges;
    out.becoming = becoming(w, first_hops, &out.transitive);
    out
}

/// What the walk from `i` reaches through the principals it becomes:
/// the policy sets of `merges` (principal, conditional, link), in the
/// order found, merged; or the same merge made by an earlier walk.
fn merge<'a: 'n, 'n>(
    i: usize,
    w: &World<'a, 'n>,
    s: &mut Scratch<'n>,
    links: &[(usize, u32)],
    merges: &[(usize, bool, usize)],
) -> Merged {
    if merges.is_empty() {
        return Merged::default();
    }
    // The merge is made from: each set merged, whether under a
    // condition, and the chain to it (hop ids from the last back); then
    // the walking principal's entries the merge can consult. Counts
    // come first, so that no two keys read alike.
    let mut key: Vec<u32> = vec![merges.len() as u32];
    for &(to, c, link) in merges {
        let from = key.len();
        key.extend([to as u32, c as u32, 0]);
        let mut at = link;
        while let Some(&(parent, hop)) = links.get(at) {
            key.push(hop);
            at = parent;
        }
        key[from + 2] = (key.len() - from - 3) as u32;
    }
    let stamp = s.stamp;
    let sig = w.nodes[i].sig;
    w.numbering.held_key(
        &w.own[sig],
        w.every,
        |set| s.merged_set[set as usize] == stamp,
        &mut key,
    );
    if let Some(found) = lock(w.shared).get(&key) {
        return found.clone();
    }
    let mut transitive = Transitive::new(&w.own[sig], w.every, w.numbering, &mut s.merge);
    for &(to, c, link) in merges {
        // Through other principals only what rates: destroy, escalate,
        // secrets and data reads (plain writes and reads are on the
        // target's own assessment).
        let set = w.sig_of[to] as usize;
        let chain = transitive.chains.len();
        if transitive.add_set(set, &w.own[set], c, chain) {
            let hops = spell_chain(links, link, w.graph);
            transitive.chains.push((hops, w.nodes[to].arn.as_str()));
        }
    }
    let merged = Arc::new(transitive.finish(w.names));
    lock(w.shared).insert(key, merged.clone());
    merged
}

/// The shared merges, also after a walk panicked holding them (they are
/// complete entries either way).
fn lock(shared: &Shared) -> std::sync::MutexGuard<'_, FastMap<Vec<u32>, Merged>> {
    shared.lock().unwrap_or_else(|e| e.into_inner())
}

/// Becoming another principal is itself an escalation. A first hop is
/// listed on its own when some entry's chain starts with it or the target
/// is admin-equivalent; the others (they add nothing beyond what is
/// listed) are counted in one entry per (action, conditional).
fn becoming<'a>(
    w: &World<'a, '_>,
    hops: Vec<FirstHop<'a>>,
    transitive: &[(Reach, Vec<u32>)],
) -> Vec<(&'a str, Reach)> {
    let entry = |h: &FirstHop| {
        let target = &w.nodes[h.to];
        Reach {
            actions: Default::default(),
            resource: target.arn.clone(),
            environment: w.options.environments.get(&target.account).cloned(),
            category: Category::Escalate,
            conditional: h.conditional,
            via: Vec::new(),
            reversible: None,
            data: false,
            certainty: Certainty::Inferred,
            // Sized once: one per first hop of every walk.
            evidence: ["can become ", &target.arn, ": ", h.evidence].concat(),
        }
    };
    let used: crate::fasthash::FastSet<&str> = transitive
        .iter()
        .filter_map(|(r, _)| r.via.first().map(String::as_str))
        .collect();
    let mut out = Vec::new();
    let mut rest: Vec<FirstHop> = Vec::new();
    for h in hops {
        if !w.graph.admin[h.to].is_empty() || used.contains(h.hop) {
            out.push((h.action, entry(&h)));
        } else {
            rest.push(h);
        }
    }
    if rest.len() <= BECOMING_LISTED {
        out.extend(rest.iter().map(|h| (h.action, entry(h))));
        return out;
    }
    let mut groups: std::collections::BTreeMap<(&str, bool), Vec<&FirstHop>> = Default::default();
    for h in &rest {
        groups.entry((h.action, h.conditional)).or_default().push(h);
    }
    for ((action, conditional), members) in groups {
        let listed: Vec<&str> = members
            .iter()
            .take(5)
            .map(|h| w.nodes[h.to].arn.as_str())
            .collect();
        let first = entry(members[0]);
        out.push((
            action,
            Reach {
                resource: format!("{} principals of account {}", members.len(), w.account),
                via: Vec::new(),
                conditional,
                evidence: format!(
                    "can become {} principals by {action} ({}{}), none of which adds a harm beyond the entries listed; e.g. {}",
                    members.len(),
                    listed.join(", "),
                    if members.len() > listed.len() { ", ..." } else { "" },
                    first.evidence
                ),
                ..first
            },
        ));
    }
    out
}

/// The hops of a chain, from the audited principal on.
fn spell_chain(links: &[(usize, u32)], mut at: usize, graph: &Graph) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(&(parent, hop)) = links.get(at) {
        out.push(graph.text(hop).to_string());
        at = parent;
    }
    out.reverse();
    out
}
