//! What one principal reaches through the principals it can become, merged
//! per (category, resource, data, conditional): one entry per distinct
//! harm, every destroy/escalate/secrets action by name, `via` the chain of
//! its headline action. What the principal can already do itself is left
//! out.

use std::sync::Arc;

use blastradius_report::{Category, Reach};

use super::names::Names;
use crate::fasthash::{FastMap, FastSet};

/// At most this many resources per (category, data, conditional) keep an
/// entry of their own among what is reached through other principals.
pub const TRANSITIVE_RESOURCES: usize = 8;

/// One of a principal's own entries, ready to merge into another's reach.
pub struct OwnEntry {
    pub reach: Arc<Reach>,
    /// Its actions as interned ids.
    pub ids: Vec<u32>,
    /// Its resource, interned (equal resources, equal ids).
    pub resource: u32,
    /// A resource of the principal's account (a wildcard or missing account
    /// counts), but not "every resource".
    pub in_account: bool,
}

/// One action reached through other principals: its weight, the chain
/// it was first (so most shortly) reached by, and the entry it came from.
struct Via<'a> {
    weight: u32,
    chain: usize,
    source: &'a OwnEntry,
}

/// (category, resource id, data, conditional).
type MergeKey = (Category, u32, bool, bool);

pub struct Transitive<'a> {
    /// The id of "every resource of the account", if any entry has it.
    every: Option<u32>,
    /// Actions the principal holds itself, per (category, resource):
    /// unconditionally, and only under conditions.
    own: FastMap<(Category, u32), FastSet<u32>>,
    own_cond: FastMap<(Category, u32), FastSet<u32>>,
    /// Actions held unconditionally on every resource of the account.
    everywhere: FastMap<Category, FastSet<u32>>,
    /// Merged entries: their keys in the order found (a key's index is
    /// its number), and per key its actions with how each was reached.
    keys: FastMap<MergeKey, u32>,
    order: Vec<MergeKey>,
    merged: Vec<Vec<(u32, Via<'a>)>>,
    /// (key number, action) already merged: one set for all keys, rather
    /// than a map per key.
    present: FastSet<(u32, u32)>,
    /// Lists already merged under a key: a list is interned, so one seen
    /// again (another principal with the same policy) adds nothing.
    lists_seen: FastSet<(MergeKey, *const String)>,
    /// Chains (hops, the principal at their end) in the order found.
    pub chains: Vec<(Vec<String>, &'a str)>,
}

impl<'a> Transitive<'a> {
    /// `every`: the resource id of "every resource of the account".
    pub fn new(own: &'a [OwnEntry], every: Option<u32>) -> Self {
        let mut t = Transitive {
            every,
            own: FastMap::default(),
            own_cond: FastMap::default(),
            everywhere: FastMap::default(),
            keys: FastMap::default(),
            order: Vec::new(),
            merged: Vec::new(),
            present: FastSet::default(),
            lists_seen: FastSet::default(),
            chains: Vec::new(),
        };
        for e in own {
            let r = &*e.reach;
            let set = if r.conditional {
                t.own_cond.entry((r.category, e.resource))
            } else {
                t.own.entry((r.category, e.resource))
            };
            set.or_default().extend(e.ids.iter().copied());
            if !r.conditional && Some(e.resource) == t.every {
                t.everywhere
                    .entry(r.category)
                    .or_default()
                    .extend(e.ids.iter().copied());
            }
        }
        t
    }

    /// Adds a target's entry reached by chain number `chain`; true when
    /// some action of it was new.
    pub fn add(
        &mut self,
        e: &'a OwnEntry,
        via_conditional: bool,
        chain: usize,
        names: &Names,
    ) -> bool {
        let r = &*e.reach;
        let cond = r.conditional || via_conditional;
        let key = (r.category, e.resource, r.data, cond);
        if !self.lists_seen.insert((key, r.actions.as_ptr())) {
            return false;
        }
        let k = (r.category, e.resource);
        let own = self.own.get(&k);
        let own_cond = if cond { self.own_cond.get(&k) } else { None };
        let every = if e.in_account {
            self.everywhere.get(&r.category)
        } else {
            None
        };
        let held = |a: &u32| {
            own.is_some_and(|s| s.contains(a))
                || own_cond.is_some_and(|s| s.contains(a))
                || every.is_some_and(|s| s.contains(a))
        };
        if e.ids.iter().all(held) {
            return false;
        }
        let k = match self.keys.entry(key) {
            std::collections::hash_map::Entry::Occupied(o) => *o.get(),
            std::collections::hash_map::Entry::Vacant(v) => {
                self.order.push(key);
                self.merged.push(Vec::new());
                *v.insert((self.order.len() - 1) as u32)
            }
        };
        let mut added = false;
        for a in e.ids.iter().copied().filter(|a| !held(a)) {
            // Breadth first: the first chain to an action is the shortest.
            if self.present.insert((k, a)) {
                self.merged[k as usize].push((
                    a,
                    Via {
                        weight: names.weight(a),
                        chain,
                        source: e,
                    },
                ));
                added = true;
            }
        }
        added
    }

    /// The merged entries, headline first; an action also reached
    /// unconditionally, or on every resource of the account, is dropped
    /// from the narrower or conditional entries.
    pub fn finish(self, names: &Names) -> Vec<(Reach, Vec<u32>)> {
        let mut everywhere = self.everywhere.clone();
        for (k, m) in self.order.iter().zip(&self.merged) {
            let (category, resource, _, cond) = *k;
            if !cond && Some(resource) == self.every {
                everywhere
                    .entry(category)
                    .or_default()
                    .extend(m.iter().map(|(a, _)| *a));
            }
        }
        let mut built: Vec<Built> = Vec::new();
        for (k, m) in self.order.iter().zip(&self.merged) {
            let (category, resource, data, cond) = *k;
            let certain = if cond {
                self.keys.get(&(category, resource, data, false)).copied()
            } else {
                None
            };
            let Some((_, first)) = m.first() else {
                continue;
            };
            let every = if first.source.in_account {
                everywhere.get(&category)
            } else {
                None
            };
            let ids: Vec<(u32, &Via)> = m
                .iter()
                .filter(|(a, _)| {
                    !certain.is_some_and(|c| self.present.contains(&(c, *a)))
                        && !every.is_some_and(|e| e.contains(a))
                })
                .map(|(a, v)| (*a, v))
                .collect();
            // The headline: the most harmful action, then the first name
            // (ids follow name order).
            let Some(&(_, head)) = ids
                .iter()
                .min_by(|a, b| b.1.weight.cmp(&a.1.weight).then(a.0.cmp(&b.0)))
            else {
                continue;
            };
            if self.chains.get(head.chain).is_none() {
                continue;
            }
            let reversible = if category == Category::Destroy {
                // Irreversible if any principal reached can also destroy
                // the backups; unknown if any is unknown.
                let mut rev = Some(true);
                for (_, v) in &ids {
                    match v.source.reach.reversible {
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
            built.push(Built {
                category,
                data,
                cond,
                head,
                ids,
                reversible,
            });
        }
        // Per (category, data, conditional): the TRANSITIVE_RESOURCES most
        // harmful resources keep entries of their own; the rest are merged
        // into one entry that still names every action (the contract), so
        // the output grows with distinct harms, not with reachable
        // principals times their resources. Entries are spelled out only
        // once chosen.
        built.sort_by(|a, b| {
            (a.category, a.data, a.cond)
                .cmp(&(b.category, b.data, b.cond))
                .then_with(|| b.head.weight.cmp(&a.head.weight))
                .then_with(|| a.resource().cmp(b.resource()))
        });
        let mut out = Vec::new();
        let mut start = 0;
        while start < built.len() {
            let group = |x: &Built| (x.category, x.data, x.cond);
            let g = group(&built[start]);
            let end = built[start..]
                .iter()
                .position(|x| group(x) != g)
                .map_or(built.len(), |p| start + p);
            let keep = (end - start).min(TRANSITIVE_RESOURCES);
            for b in &mut built[start..start + keep] {
                let (reach, ids) = self.spell(b);
                out.push((reach, ids));
            }
            if end - start > keep {
                let rest = &mut built[start + keep..end];
                let mut union: FastSet<u32> = FastSet::default();
                let mut reversible = Some(true);
                for b in rest.iter() {
                    union.extend(b.ids.iter().map(|(a, _)| *a));
                    match b.reversible {
                        Some(false) => reversible = Some(false),
                        None if reversible != Some(false) => reversible = None,
                        _ => {}
                    }
                }
                let mut actions: Vec<u32> = union.into_iter().collect();
                actions.sort_unstable_by(|&a, &b| {
                    names.weight(b).cmp(&names.weight(a)).then(a.cmp(&b))
                });
                let listed: String = rest
                    .iter()
                    .take(3)
                    .map(|b| b.resource())
                    .collect::<Vec<_>>()
                    .join(", ");
                let (first, _) = self.spell(&mut rest[0]);
                out.push((
                    Reach {
                        actions: Default::default(),
                        resource: format!(
                            "{} more resources reached through other principals",
                            end - start - keep
                        ),
                        reversible: if g.0 == Category::Destroy { reversible } else { None },
                        evidence: format!(
                            "summary of {} further resources ({}, ...), each reached through another principal; `via` is the chain to the most harmful of them; {}",
                            end - start - keep,
                            listed,
                            first.evidence
                        ),
                        ..first
                    },
                    actions,
                ));
            }
            start = end;
        }
        out
    }

    /// A chosen merged entry, spelled out: its actions headline first.
    fn spell(&self, b: &mut Built) -> (Reach, Vec<u32>) {
        // Ids follow name order: weight, then name, on integers.
        b.ids
            .sort_unstable_by(|a, b| b.1.weight.cmp(&a.1.weight).then(a.0.cmp(&b.0)));
        let head = b.head;
        let (hops, holder) = &self.chains[head.chain];
        let mut holders: Vec<usize> = b.ids.iter().map(|(_, v)| v.chain).collect();
        holders.sort_unstable();
        holders.dedup();
        let source = &*head.source.reach;
        let mut evidence = format!("as {holder}: {}", source.evidence);
        if holders.len() > 1 {
            evidence.push_str(&format!(
                " (merged: {} actions reached through {} principals; `via` is the shortest chain to the headline action)",
                b.ids.len(),
                holders.len()
            ));
        }
        let reach = Reach {
            actions: Default::default(),
            resource: source.resource.clone(),
            environment: source.environment.clone(),
            category: b.category,
            conditional: b.cond,
            via: hops.clone(),
            reversible: b.reversible,
            data: b.data,
            certainty: source.certainty,
            evidence,
        };
        (reach, b.ids.iter().map(|(a, _)| *a).collect())
    }
}

/// A resource of `account` (a wildcard or missing account counts), but not
/// "every resource" itself.
pub fn in_account(resource: &str, every: &str, account: &str) -> bool {
    resource != every
        && crate::reach::arn_account(resource)
            .is_none_or(|x| x.is_empty() || x.contains('*') || x == account)
}

/// A merged entry before it is spelled out (most never are: they end in
/// a summary).
struct Built<'v, 'a> {
    category: Category,
    data: bool,
    cond: bool,
    head: &'v Via<'a>,
    ids: Vec<(u32, &'v Via<'a>)>,
    reversible: Option<bool>,
}

impl Built<'_, '_> {
    fn resource(&self) -> &str {
        &self.head.source.reach.resource
    }
}
