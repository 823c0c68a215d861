//! The last phase: each principal's list of reach, from its policy set's
//! own entries, the self-edit paths it and those it becomes hold, and what
//! its walk found.
//!
//! Action names are added first, in order; what each walk adds is then
//! made in parallel (its action lists interned by `Names`, whichever
//! thread comes first), and last each principal's list (copies of shared
//! entries, duplicates dropped), in parallel too.

use std::hash::{BuildHasher, BuildHasherDefault};
use std::sync::Arc;

use blastradius_report::{Assessment, Category, Certainty, Finding, Provider, Reach, Status};
use rayon::prelude::*;

use super::explore::Explored;
use super::names::Names;
use super::transitive::OwnEntry;
use super::{AccountOptions, Node, PrincipalAssessment};
use crate::escalation::{AdminPath, Graph};
use crate::fasthash::{FastMap, FastSet, FxHasher};
use crate::reach::display_resource;

/// An entry with the hash of what makes it distinct (`key`), computed
/// once: the entries are shared by many principals, and each principal's
/// list drops duplicates.
type Keyed = (Arc<Reach>, u64);

/// What makes entries the same: interned lists are one list, so the
/// pointer stands for the names.
fn key(r: &Reach) -> (*const String, &str, Category, bool, &[String]) {
    (
        r.actions.as_ptr(),
        r.resource.as_str(),
        r.category,
        r.conditional,
        r.via.as_slice(),
    )
}

fn keyed(r: Arc<Reach>) -> Keyed {
    let h = BuildHasherDefault::<FxHasher>::default().hash_one(key(&r));
    (r, h)
}

/// What a walk adds to its principal's list.
struct Extra {
    reach: Vec<Keyed>,
    findings: Vec<Finding>,
    partial: bool,
}

pub(super) fn assemble(
    nodes: &[Node],
    own: &[Vec<OwnEntry>],
    graph: &Graph,
    walks: Vec<Option<Explored>>,
    names: &mut Names,
    options: &AccountOptions,
) -> Vec<PrincipalAssessment> {
    // In order: the names self-edit paths and first hops add (those not
    // among the policies' actions get the next ids); the rest, in
    // parallel, only looks names up.
    let admin_ids: Vec<Vec<u32>> = graph
        .admin
        .iter()
        .map(|paths| paths.iter().map(|a| names.id(&a.action)).collect())
        .collect();
    let becoming_ids: Vec<Vec<u32>> = walks
        .iter()
        .map(|w| {
            w.iter()
                .flat_map(|w| &w.becoming)
                .map(|(action, _)| names.id(action))
                .collect()
        })
        .collect();
    let a = Assembly {
        nodes,
        graph,
        admin_ids: &admin_ids,
        names,
        options,
    };
    let own_keyed: Vec<Vec<Keyed>> = own
        .par_iter()
        .map(|entries| entries.iter().map(|e| keyed(e.reach.clone())).collect())
        .collect();
    let mine: Vec<Option<Vec<Keyed>>> = (0..nodes.len())
        .into_par_iter()
        .map(|i| a.mine(i, own))
        .collect();
    let extra: Vec<Option<Extra>> = walks
        .into_par_iter()
        .zip(becoming_ids)
        .map(|(walk, becoming)| Some(a.extra(walk?, &becoming)))
        .collect();
    // Per policy set: the principal whose walk stands for those not
    // walked (the first of the set no trust policy names).
    let mut walked_for: FastMap<usize, usize> = FastMap::default();
    for (i, n) in nodes.iter().enumerate() {
        if extra[i].is_some() && !graph.named[i] {
            walked_for.insert(n.sig, i);
        }
    }
    // In parallel: each principal's list.
    nodes
        .par_iter()
        .enumerate()
        .map(|(i, n)| {
            let base = mine[i].as_deref().unwrap_or(&own_keyed[n.sig]);
            let mut findings = n.findings.clone();
            let mut partial = n.partial;
            let mut reach: Vec<Keyed> = base.to_vec();
            match &extra[i] {
                Some(x) => {
                    reach.extend(x.reach.iter().cloned());
                    partial |= x.partial;
                    findings.extend(x.findings.iter().cloned());
                }
                None => {
                    // Not named, and not the first of its policy set: the
                    // first's walk, minus what names this principal.
                    if let Some(x) = walked_for.get(&n.sig).and_then(|&f| extra[f].as_ref()) {
                        let me = n.arn.as_str();
                        reach.extend(
                            x.reach
                                .iter()
                                .filter(|(r, _)| {
                                    let becomes_me = r.via.is_empty() && r.resource == me;
                                    let through_me = r.via.first().is_some_and(|v| v.ends_with(me));
                                    !(becomes_me || through_me)
                                })
                                .cloned(),
                        );
                        partial |= !x.findings.is_empty();
                        findings.extend(x.findings.iter().cloned());
                    }
                }
            }
            principal_assessment(n, dedup_reach(reach), findings, partial)
        })
        .collect()
}

/// What the parts of a principal's list are made from.
struct Assembly<'a> {
    nodes: &'a [Node],
    graph: &'a Graph,
    /// Per principal: the name id of each of its self-edit paths' actions.
    admin_ids: &'a [Vec<u32>],
    names: &'a Names,
    options: &'a AccountOptions,
}

impl Assembly<'_> {
    /// A principal that can edit its own policies gets its own copy of its
    /// policy set's entries, with its self-edit paths.
    fn mine(&self, i: usize, own: &[Vec<OwnEntry>]) -> Option<Vec<Keyed>> {
        let admin = &self.graph.admin[i];
        if admin.is_empty() {
            return None;
        }
        let n = &self.nodes[i];
        let mut reach: Vec<Arc<Reach>> = own[n.sig].iter().map(|e| e.reach.clone()).collect();
        Admin {
            account: &n.account,
            options: self.options,
            via: &[],
            via_conditional: false,
        }
        .apply(&mut reach, admin, &self.admin_ids[i], self.names);
        Some(reach.into_iter().map(keyed).collect())
    }

    /// What a walk adds; `becoming`: the name id of each first hop's action.
    fn extra(&self, walk: Explored, becoming: &[u32]) -> Extra {
        // Entries the self-edit paths below can change have a chain (`via`),
        // so they are among these, never among the principal's own.
        let mut reach: Vec<Arc<Reach>> = Vec::new();
        for (to, hops, c) in &walk.admins {
            Admin {
                account: &self.nodes[*to].account,
                options: self.options,
                via: hops,
                via_conditional: *c,
            }
            .apply(
                &mut reach,
                &self.graph.admin[*to],
                &self.admin_ids[*to],
                self.names,
            );
        }
        // A merge other walks share is copied; the last one moves it.
        let merged = Arc::try_unwrap(walk.transitive).unwrap_or_else(|shared| (*shared).clone());
        for (mut r, ids) in merged {
            r.actions = self.names.list(&ids);
            reach.push(Arc::new(r));
        }
        for ((_, mut r), &id) in walk.becoming.into_iter().zip(becoming) {
            r.actions = self.names.list(&[id]);
            reach.push(Arc::new(r));
        }
        Extra {
            reach: reach.into_iter().map(keyed).collect(),
            findings: walk.findings,
            partial: walk.partial,
        }
    }
}

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
    /// admin-equivalent evidence; otherwise a new entry is added. `ids`:
    /// the name id of each path's action.
    fn apply(&self, reach: &mut Vec<Arc<Reach>>, admin: &[AdminPath], ids: &[u32], names: &Names) {
        for (a, &id) in admin.iter().zip(ids) {
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
                    let pos = r
                        .actions
                        .iter()
                        .position(|x| x.eq_ignore_ascii_case(&a.action));
                    // An interned list's names are all known.
                    if let (Some(pos), Some(mut ids)) = (pos, names.known(&r.actions)) {
                        let head = ids.remove(pos);
                        ids.insert(0, head);
                        r.actions = names.list(&ids);
                    }
                    r.evidence = format!("{} ({})", a.evidence, r.evidence);
                }
                None => reach.push(Arc::new(Reach {
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
                })),
            }
        }
    }
}

/// The entries in order, each distinct one once.
fn dedup_reach(reach: Vec<Keyed>) -> Vec<Arc<Reach>> {
    let keep: Vec<bool> = {
        let mut first: FastMap<u64, usize> = FastMap::default();
        first.reserve(reach.len());
        // Entries whose hash is another's, but not their key.
        let mut collided: FastSet<_> = FastSet::default();
        reach
            .iter()
            .enumerate()
            .map(|(i, (r, h))| match first.entry(*h) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(i);
                    true
                }
                std::collections::hash_map::Entry::Occupied(o) => {
                    key(&reach[*o.get()].0) != key(r) && collided.insert(key(r))
                }
            })
            .collect()
    };
    reach
        .into_iter()
        .zip(keep)
        .filter_map(|((r, _), k)| k.then_some(r))
        .collect()
}
