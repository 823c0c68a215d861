//! What one principal reaches through the principals it can become, merged
//! per (category, resource, data, conditional): one entry per distinct
//! harm, every destroy/escalate/secrets action by name, `via` the chain of
//! its headline action. What the principal can already do itself is left
//! out.

use std::sync::Arc;

use blastradius_report::{Category, Reach};

use super::names::Names;
use crate::fasthash::FastMap;

/// At most this many resources per (category, data, conditional) keep an
/// entry of their own among what is reached through other principals.
pub const TRANSITIVE_RESOURCES: usize = 8;

/// No number: an entry that never transits, or a block not allocated.
const NONE: u32 = u32::MAX;

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
    /// Account-wide numbers (`Numbering`): its (category, resource), and
    /// its merge key and (merge key, list) pair when reached
    /// unconditionally `[0]` and under a condition `[1]`.
    place: u32,
    key: [u32; 2],
    list: [u32; 2],
    /// Copied from `reach`: the walks read them for every entry they
    /// merge, and an entry's `Reach` is elsewhere in memory.
    category: Category,
    conditional: bool,
    reversible: Option<bool>,
}

impl OwnEntry {
    pub fn new(reach: Arc<Reach>, ids: Vec<u32>, resource: u32, in_account: bool) -> Self {
        OwnEntry {
            category: reach.category,
            conditional: reach.conditional,
            reversible: reach.reversible,
            reach,
            ids,
            resource,
            in_account,
            place: NONE,
            key: [NONE; 2],
            list: [NONE; 2],
        }
    }
}

/// What of a principal's own reach others get by becoming it: what rates
/// (destroy, escalate, secrets, data reads); plain writes and reads stay on
/// its own assessment.
pub fn transits(e: &OwnEntry) -> bool {
    crate::reach::concrete(e.reach.category) || e.reach.data
}

/// (category, resource id, data, conditional).
type MergeKey = (Category, u32, bool, bool);

/// Account-wide numbers for what a walk marks, so that a walk marks them
/// in arrays (stamps, bit sets over action ids) instead of hash tables:
/// a walk merges thousands of entries, most of them seen before.
pub struct Numbering {
    /// Merge key by number.
    keys: Vec<MergeKey>,
    /// Per conditional key: the number of the same key reached
    /// unconditionally, if some entry has it.
    certain: Vec<u32>,
    lists: usize,
    places: usize,
    /// Words of a bit set over the action ids.
    words: usize,
    /// Per resource id: its place in the byte order of the resources, so
    /// that walks sort entries by resource on integers.
    rank: Vec<u32>,
    /// Per policy set: its entries others get by becoming one of its
    /// principals, as (list reached unconditionally, list reached under a
    /// condition, entry index): a walk merges thousands of them and skips
    /// most by the list alone.
    transit: Vec<Vec<(u32, u32, u32)>>,
    /// Action ids by harm (weight, then name), and each id's place in
    /// that order: a set of places read in order is a sorted list.
    by_harm: Vec<u32>,
    harm_rank: Vec<u32>,
    /// Per place: the policy sets with an entry there that others get,
    /// each once (`held_key`).
    place_sets: Vec<Vec<u32>>,
}

impl Numbering {
    /// Numbers every entry of `own`; `names`: every action id, interned
    /// before; `resources`: every resource by id.
    pub fn new(own: &mut [Vec<OwnEntry>], names: &Names, resources: &[&str]) -> Self {
        let mut by_harm: Vec<u32> = (0..names.len() as u32).collect();
        by_harm.sort_unstable_by(|&a, &b| names.weight(b).cmp(&names.weight(a)).then(a.cmp(&b)));
        let harm_rank = places_of(&by_harm);
        let mut by_name: Vec<u32> = (0..resources.len() as u32).collect();
        by_name.sort_unstable_by_key(|&r| resources[r as usize]);
        let rank = places_of(&by_name);
        let mut places: FastMap<(Category, u32), u32> = FastMap::default();
        let mut keys: FastMap<MergeKey, u32> = FastMap::default();
        let mut order: Vec<MergeKey> = Vec::new();
        // Lists are interned (equal lists are one list): the pointer
        // stands for the names.
        let mut lists: FastMap<(u32, *const String), u32> = FastMap::default();
        let mut transit: Vec<Vec<(u32, u32, u32)>> = Vec::with_capacity(own.len());
        let mut place_sets: Vec<Vec<u32>> = Vec::new();
        for (set, entries) in own.iter_mut().enumerate() {
            let mut passing = Vec::new();
            for (index, e) in entries.iter_mut().enumerate() {
                let r = &*e.reach;
                let next = places.len() as u32;
                e.place = *places.entry((r.category, e.resource)).or_insert(next);
                if !transits(e) {
                    continue;
                }
                for via_conditional in [false, true] {
                    let key = (
                        r.category,
                        e.resource,
                        r.data,
                        r.conditional || via_conditional,
                    );
                    let k = *keys.entry(key).or_insert_with(|| {
                        order.push(key);
                        (order.len() - 1) as u32
                    });
                    let next = lists.len() as u32;
                    e.key[via_conditional as usize] = k;
                    e.list[via_conditional as usize] =
                        *lists.entry((k, r.actions.as_ptr())).or_insert(next);
                }
                passing.push((e.list[0], e.list[1], index as u32));
                let place = e.place as usize;
                if place_sets.len() <= place {
                    place_sets.resize_with(place + 1, Vec::new);
                }
                if place_sets[place].last() != Some(&(set as u32)) {
                    place_sets[place].push(set as u32);
                }
            }
            transit.push(passing);
        }
        let certain = order
            .iter()
            .map(|&(c, r, d, cond)| {
                if cond {
                    keys.get(&(c, r, d, false)).copied().unwrap_or(NONE)
                } else {
                    NONE
                }
            })
            .collect();
        Numbering {
            keys: order,
            certain,
            lists: lists.len(),
            places: places.len(),
            words: names.len().div_ceil(64).max(1),
            rank,
            transit,
            by_harm,
            harm_rank,
            place_sets,
        }
    }

    /// Appends to `key` what of a walking principal's own entries (`own`)
    /// a walk can consult: the entries at a place some merged policy set
    /// (`merged`) has an entry others get at, and those held
    /// unconditionally on every resource (`every`). A walk reads the
    /// walking principal's entries only there (`Transitive::add`,
    /// `finish`), so two walks that merge the same sets by the same chains
    /// and append the same key here give the same entries.
    pub fn held_key(
        &self,
        own: &[OwnEntry],
        every: Option<u32>,
        merged: impl Fn(u32) -> bool,
        key: &mut Vec<u32>,
    ) {
        for e in own {
            let everywhere = !e.conditional && Some(e.resource) == every;
            let touched = || {
                self.place_sets
                    .get(e.place as usize)
                    .is_some_and(|sets| sets.iter().any(|&s| merged(s)))
            };
            if everywhere || touched() {
                // Interned lists are one list: the address stands for
                // the actions.
                let list = e.reach.actions.as_ptr() as u64;
                key.extend([
                    e.place,
                    e.conditional as u32,
                    list as u32,
                    (list >> 32) as u32,
                ]);
            }
        }
    }
}

/// Each id's place in `order` (a permutation of the ids).
fn places_of(order: &[u32]) -> Vec<u32> {
    let mut place = vec![0u32; order.len()];
    for (p, &id) in order.iter().enumerate() {
        place[id as usize] = p as u32;
    }
    place
}

/// Destroy entries: irreversible if any part is, else unknown if any part
/// is unknown, else reversible.
fn combine_reversible(so_far: &mut Option<bool>, part: Option<bool>) {
    match part {
        Some(false) => *so_far = Some(false),
        None if *so_far != Some(false) => *so_far = None,
        _ => {}
    }
}

/// Bit sets over action ids, allocated in one buffer and dropped together.
struct Blocks {
    words: usize,
    bits: Vec<u64>,
}

impl Blocks {
    fn alloc(&mut self) -> u32 {
        let b = self.bits.len() / self.words;
        self.bits.resize(self.bits.len() + self.words, 0);
        b as u32
    }

    #[inline]
    fn word(&self, block: u32, a: u32) -> Option<(usize, u64)> {
        if block == NONE || a as usize >= self.words * 64 {
            return None;
        }
        Some((
            block as usize * self.words + (a as usize >> 6),
            1u64 << (a & 63),
        ))
    }

    /// The words of a block, if it is one.
    fn set(&self, block: u32) -> Option<&[u64]> {
        if block == NONE {
            return None;
        }
        let from = block as usize * self.words;
        self.bits.get(from..from + self.words)
    }

    #[cfg(test)]
    fn contains(&self, block: u32, a: u32) -> bool {
        self.word(block, a)
            .is_some_and(|(i, m)| self.bits.get(i).is_some_and(|w| w & m != 0))
    }

    fn insert_all(&mut self, block: u32, ids: &[u32]) {
        for &a in ids {
            self.insert(block, a);
        }
    }

    /// True when `a` was not in the set yet.
    #[inline]
    fn insert(&mut self, block: u32, a: u32) -> bool {
        let Some((i, m)) = self.word(block, a) else {
            return false;
        };
        let Some(w) = self.bits.get_mut(i) else {
            return false;
        };
        let new = *w & m == 0;
        *w |= m;
        new
    }
}

/// A walk's marks, kept per thread and reset by bumping the stamp.
pub struct MergeScratch<'a> {
    stamp: u32,
    /// Per (merge key, list): the walk that merged it.
    list_seen: Vec<u32>,
    /// Per merge key: (walk, its number in that walk).
    key_local: Vec<(u32, u32)>,
    /// Per (category, resource): (walk, block of the actions held there
    /// unconditionally, block of those held under a condition).
    place_local: Vec<(u32, u32, u32)>,
    /// The actions merged under a key of the walk, for the keys that need
    /// a set (`Transitive::blocks`).
    present: Blocks,
    /// What the walking principal holds itself.
    held: Blocks,
    lists: Lists<'a>,
}

impl MergeScratch<'_> {
    pub fn new(n: &Numbering) -> Self {
        MergeScratch {
            stamp: 0,
            list_seen: vec![0; n.lists],
            key_local: vec![(0, 0); n.keys.len()],
            place_local: vec![(0, NONE, NONE); n.places],
            present: Blocks {
                words: n.words,
                bits: Vec::new(),
            },
            held: Blocks {
                words: n.words,
                bits: Vec::new(),
            },
            lists: Lists::default(),
        }
    }
}

/// Actions one merged entry added to a key, in `Transitive::added`.
struct Contribution<'a> {
    /// The key's number in this walk.
    key: u32,
    /// The chain it was reached by (chains are numbered in the order
    /// found, so breadth first: the first chain to an action is the
    /// shortest).
    chain: u32,
    source: &'a OwnEntry,
    /// Copied from `source`: read for every key, and the entry is elsewhere
    /// in memory.
    in_account: bool,
    resource: u32,
    reversible: Option<bool>,
    added: std::ops::Range<u32>,
}

/// A walk's lists, kept per thread between walks: a walk fills thousands
/// of entries, and grown from empty each time they cost a tenth of the
/// walk in reallocation.
#[derive(Default)]
struct Lists<'a> {
    /// The walk's keys, in the order found: their account-wide numbers.
    order: Vec<u32>,
    /// Per key of the walk: its first contribution, and the block of
    /// `present` holding its actions once a second one comes (most keys
    /// get one contribution, whose actions are distinct: no set needed).
    first: Vec<u32>,
    blocks: Vec<u32>,
    contributions: Vec<Contribution<'a>>,
    added: Vec<u32>,
    /// Contributions grouped by key (filled by `finish`): those of key `k`
    /// are `by_key[starts[k]..starts[k + 1]]`, in the order made.
    by_key: Vec<u32>,
    starts: Vec<u32>,
    /// The actions each key of the walk keeps, as places in the order by
    /// harm, ascending: those of key `k` are `kept[kept_at[k]..kept_at[k +
    /// 1]]` (filled by `finish`).
    kept: Vec<u32>,
    kept_at: Vec<u32>,
    /// `finish`'s cursor per key while grouping.
    fill: Vec<u32>,
    /// The walk's keys before they are spelled out (`finish`), in the
    /// order made, then by group.
    built: Vec<Built>,
    grouped: Vec<Built>,
}

impl Lists<'_> {
    fn clear(&mut self) {
        self.order.clear();
        self.first.clear();
        self.blocks.clear();
        self.contributions.clear();
        self.added.clear();
        self.by_key.clear();
        self.starts.clear();
        self.kept.clear();
        self.kept_at.clear();
        self.fill.clear();
        self.built.clear();
        self.grouped.clear();
    }
}

pub struct Transitive<'a, 's> {
    numbering: &'a Numbering,
    s: &'s mut MergeScratch<'a>,
    stamp: u32,
    /// The id of "every resource of the account", if any entry has it.
    every: Option<u32>,
    /// Per category: the block of actions held unconditionally on every
    /// resource of the account.
    everywhere: [u32; 5],
    l: Lists<'a>,
    /// Chains (hops, the principal at their end) in the order found.
    pub chains: Vec<(Vec<String>, &'a str)>,
}

impl<'a, 's> Transitive<'a, 's> {
    /// `own`: the walking principal's entries; `every`: the resource id of
    /// "every resource of the account".
    pub fn new(
        own: &'a [OwnEntry],
        every: Option<u32>,
        numbering: &'a Numbering,
        s: &'s mut MergeScratch<'a>,
    ) -> Self {
        if s.stamp == u32::MAX {
            s.list_seen.fill(0);
            s.key_local.fill((0, 0));
            s.place_local.fill((0, NONE, NONE));
            s.stamp = 0;
        }
        s.stamp += 1;
        let stamp = s.stamp;
        s.present.bits.clear();
        s.held.bits.clear();
        let mut l = std::mem::take(&mut s.lists);
        l.clear();
        let mut everywhere = [NONE; 5];
        for e in own {
            let Some(slot) = s.place_local.get_mut(e.place as usize) else {
                continue;
            };
            if slot.0 != stamp {
                *slot = (stamp, NONE, NONE);
            }
            let block = if e.conditional {
                &mut slot.2
            } else {
                &mut slot.1
            };
            if *block == NONE {
                *block = s.held.alloc();
            }
            s.held.insert_all(*block, &e.ids);
            if !e.conditional && Some(e.resource) == every {
                let b = &mut everywhere[e.category as usize];
                if *b == NONE {
                    *b = s.held.alloc();
                }
                s.held.insert_all(*b, &e.ids);
            }
        }
        Transitive {
            numbering,
            s,
            stamp,
            every,
            everywhere,
            l,
            chains: Vec::new(),
        }
    }

    /// Adds what a target's policy set gives others (`own`: its entries),
    /// reached by chain number `chain`; true when some action was new.
    pub fn add_set(
        &mut self,
        set: usize,
        own: &'a [OwnEntry],
        via_conditional: bool,
        chain: usize,
    ) -> bool {
        let numbering = self.numbering;
        let mut used = false;
        for &(plain, conditional, index) in &numbering.transit[set] {
            // A list seen again under the same key (another principal
            // with the same policy) adds nothing.
            let list = if via_conditional { conditional } else { plain };
            let Some(seen) = self.s.list_seen.get_mut(list as usize) else {
                continue;
            };
            if *seen == self.stamp {
                continue;
            }
            *seen = self.stamp;
            if let Some(e) = own.get(index as usize) {
                used |= self.add(e, via_conditional, chain);
            }
        }
        used
    }

    /// Adds one entry whose list is new under its key.
    fn add(&mut self, e: &'a OwnEntry, via_conditional: bool, chain: usize) -> bool {
        let v = via_conditional as usize;
        let stamp = self.stamp;
        let s = &mut *self.s;
        let cond = e.conditional || via_conditional;
        let (own, own_cond) = match s.place_local.get(e.place as usize) {
            Some(&(st, o, c)) if st == stamp => (o, if cond { c } else { NONE }),
            _ => (NONE, NONE),
        };
        let every = if e.in_account {
            self.everywhere[e.category as usize]
        } else {
            NONE
        };
        // The actions not held, then of those the ones new to the key,
        // filtered in place.
        let start = self.l.added.len();
        let mut sets: [&[u64]; 3] = [&[]; 3];
        let mut n = 0;
        for block in [own, own_cond, every] {
            if let Some(set) = s.held.set(block) {
                sets[n] = set;
                n += 1;
            }
        }
        // Most entries reach a place the walking principal holds nothing
        // at: then every action is new.
        if n == 0 {
            self.l.added.extend_from_slice(&e.ids);
        } else {
            let sets = &sets[..n];
            self.l
                .added
                .extend(e.ids.iter().copied().filter(|&a| !in_any(sets, a)));
        }
        if self.l.added.len() == start {
            return false;
        }
        let slot = &mut s.key_local[e.key[v] as usize];
        let k = if slot.0 != stamp {
            // A key's first contribution: an entry's actions are distinct.
            *slot = (stamp, self.l.order.len() as u32);
            self.l.order.push(e.key[v]);
            self.l.first.push(self.l.contributions.len() as u32);
            self.l.blocks.push(NONE);
            slot.1
        } else {
            let k = slot.1;
            let block = self.block(k);
            let s = &mut *self.s;
            let mut kept = start;
            for i in start..self.l.added.len() {
                let a = self.l.added[i];
                if s.present.insert(block, a) {
                    self.l.added[kept] = a;
                    kept += 1;
                }
            }
            self.l.added.truncate(kept);
            k
        };
        let start = start as u32;
        let end = self.l.added.len() as u32;
        if end == start {
            return false;
        }
        self.l.contributions.push(Contribution {
            key: k,
            chain: chain as u32,
            source: e,
            in_account: e.in_account,
            resource: e.resource,
            reversible: e.reversible,
            added: start..end,
        });
        true
    }

    /// The set of the actions merged under the walk's key `k`, made from
    /// its first contribution when first asked for.
    fn block(&mut self, k: u32) -> u32 {
        let Some(&block) = self.l.blocks.get(k as usize) else {
            return NONE;
        };
        if block != NONE {
            return block;
        }
        let block = self.s.present.alloc();
        self.l.blocks[k as usize] = block;
        if let Some(c) = self.l.contributions.get(self.l.first[k as usize] as usize) {
            let ids = &self.l.added[c.added.start as usize..c.added.end as usize];
            self.s.present.insert_all(block, ids);
        }
        block
    }

    /// The walk's number of an account-wide key, if the walk has it.
    fn local(&self, key: u32) -> Option<u32> {
        match self.s.key_local.get(key as usize) {
            Some(&(st, k)) if st == self.stamp => Some(k),
            _ => None,
        }
    }

    /// The merged entries, headline first; an action also reached
    /// unconditionally, or on every resource of the account, is dropped
    /// from the narrower or conditional entries.
    pub fn finish(mut self, names: &Names) -> Vec<(Reach, Vec<u32>)> {
        // What is held on every resource, with what was merged there
        // unconditionally.
        for c in &self.l.contributions {
            let (category, resource, _, cond) =
                self.numbering.keys[self.l.order[c.key as usize] as usize];
            if !cond && Some(resource) == self.every {
                let b = &mut self.everywhere[category as usize];
                if *b == NONE {
                    *b = self.s.held.alloc();
                }
                let ids = &self.l.added[c.added.start as usize..c.added.end as usize];
                self.s.held.insert_all(*b, ids);
            }
        }
        // A conditional key drops what its unconditional twin holds: that
        // twin needs a set.
        for k in 0..self.l.order.len() {
            let certain = self.numbering.certain[self.l.order[k] as usize];
            if let Some(c) = self.local(certain) {
                self.block(c);
            }
        }
        // Each key's contributions, in the order they were made.
        let mut starts = std::mem::take(&mut self.l.starts);
        starts.resize(self.l.order.len() + 1, 0);
        for c in &self.l.contributions {
            starts[c.key as usize + 1] += 1;
        }
        for k in 0..self.l.order.len() {
            starts[k + 1] += starts[k];
        }
        let mut by_key = std::mem::take(&mut self.l.by_key);
        by_key.resize(self.l.contributions.len(), 0);
        let mut fill = std::mem::take(&mut self.l.fill);
        fill.extend_from_slice(&starts);
        for (i, c) in self.l.contributions.iter().enumerate() {
            by_key[fill[c.key as usize] as usize] = i as u32;
            fill[c.key as usize] += 1;
        }
        self.l.starts = starts;
        self.l.by_key = by_key;
        self.l.fill = fill;
        let mut kept = std::mem::take(&mut self.l.kept);
        let mut order = vec![0u64; self.s.present.words];
        let mut kept_at = std::mem::take(&mut self.l.kept_at);
        kept_at.push(0);
        let mut built = std::mem::take(&mut self.l.built);
        for k in 0..self.l.order.len() {
            let members = self.members(k as u32);
            let Some(&first) = members.first() else {
                kept_at.push(kept.len() as u32);
                continue;
            };
            let (category, _, data, cond) = self.numbering.keys[self.l.order[k] as usize];
            let certain = if cond {
                self.local(self.numbering.certain[self.l.order[k] as usize])
                    .and_then(|c| self.l.blocks.get(c as usize).copied())
                    .unwrap_or(NONE)
            } else {
                NONE
            };
            let every = if self.l.contributions[first as usize].in_account {
                self.everywhere[category as usize]
            } else {
                NONE
            };
            // (place in the order by harm, contribution) of the headline:
            // the most harmful action, then the first name.
            let mut head: Option<(u32, u32)> = None;
            let start = kept.len();
            let (mut count, mut holders) = (0, 0);
            let mut reversible = (category == Category::Destroy).then_some(true);
            let mut last_chain = None;
            for &c in members {
                let contribution = &self.l.contributions[c as usize];
                let from = kept.len();
                self.keep(certain, every, contribution, &mut kept);
                // Places are distinct within a key: one is the least.
                let Some(&least) = kept[from..].iter().min() else {
                    continue;
                };
                count += kept.len() - from;
                if head.is_none_or(|(hr, _)| least < hr) {
                    head = Some((least, c));
                }
                if last_chain != Some(contribution.chain) {
                    holders += 1;
                    last_chain = Some(contribution.chain);
                }
                // Irreversible if any principal reached can also destroy
                // the backups; unknown if any is unknown.
                if category == Category::Destroy {
                    combine_reversible(&mut reversible, contribution.reversible);
                }
            }
            // Distinct (a key's contributions add distinct actions); in
            // order already when one entry, listed by harm, made them all.
            // Several make up to thousands (every action on every
            // resource): put in order through a set, not a sort.
            if !kept[start..].is_sorted() {
                order.fill(0);
                for &r in &kept[start..] {
                    if let Some(w) = order.get_mut(r as usize >> 6) {
                        *w |= 1u64 << (r & 63);
                    }
                }
                kept.truncate(start);
                kept.extend(set_bits(&order));
            }
            kept_at.push(kept.len() as u32);
            let Some((place, head)) = head else {
                continue;
            };
            let weight = names.weight(self.numbering.by_harm[place as usize]);
            if self
                .chains
                .get(self.l.contributions[head as usize].chain as usize)
                .is_none()
            {
                continue;
            }
            let resource = self.l.contributions[head as usize].resource as usize;
            built.push(Built {
                key: k as u32,
                rank: self
                    .numbering
                    .rank
                    .get(resource)
                    .copied()
                    .unwrap_or(u32::MAX),
                category,
                data,
                cond,
                weight,
                head,
                count,
                holders,
                reversible,
            });
        }
        self.l.kept = kept;
        self.l.kept_at = kept_at;
        // Per (category, data, conditional): the TRANSITIVE_RESOURCES most
        // harmful resources keep entries of their own; the rest are merged
        // into one entry that still names every action (the contract), so
        // the output grows with distinct harms, not with reachable
        // principals times their resources. Entries are spelled out only
        // once chosen.
        // Only the entries kept and the first few of the rest (the summary
        // names them) need their order; the summary's union does not.
        let mut grouped = std::mem::take(&mut self.l.grouped);
        by_group(&built, &mut grouped);
        self.l.built = built;
        let built = &mut grouped[..];
        let mut out = Vec::new();
        let mut start = 0;
        while start < built.len() {
            let g = built[start].group();
            let end = built[start..]
                .iter()
                .position(|x| x.group() != g)
                .map_or(built.len(), |p| start + p);
            order_first(&mut built[start..end], TRANSITIVE_RESOURCES + SUMMARY_NAMES);
            let keep = (end - start).min(TRANSITIVE_RESOURCES);
            for b in &built[start..start + keep] {
                out.push(self.spell(b));
            }
            if end - start > keep {
                let rest = &built[start + keep..end];
                // A set over the places: hundreds of resources' actions,
                // mostly the same ones.
                let mut union = vec![0u64; self.s.present.words];
                let mut reversible = Some(true);
                for b in rest {
                    for &r in self.kept_of(b) {
                        if let Some(w) = union.get_mut(r as usize >> 6) {
                            *w |= 1u64 << (r & 63);
                        }
                    }
                    combine_reversible(&mut reversible, b.reversible);
                }
                let places: Vec<u32> = set_bits(&union).collect();
                let actions = self.harm_ordered(&places);
                let listed: String = rest
                    .iter()
                    .take(SUMMARY_NAMES)
                    .map(|b| self.resource(b))
                    .collect::<Vec<_>>()
                    .join(", ");
                let first = self.entry(&rest[0]);
                out.push((
                    Reach {
                        actions: Default::default(),
                        resource: format!(
                            "{} more resources reached through other principals",
                            end - start - keep
                        ),
                        reversible: if built[start].category == Category::Destroy { reversible } else { None },
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
        self.l.grouped = grouped;
        self.s.lists = std::mem::take(&mut self.l);
        out
    }

    /// The contributions of the walk's key `k`, in the order made.
    fn members(&self, k: u32) -> &[u32] {
        let k = k as usize;
        &self.l.by_key[self.l.starts[k] as usize..self.l.starts[k + 1] as usize]
    }

    /// Appends to `kept` the places in the order by harm of the actions a
    /// contribution added that its key keeps: not also reached
    /// unconditionally (`certain`, a block of `present`, for a conditional
    /// key), nor held on every resource of the account (`every`, a block
    /// of `held`).
    fn keep(&self, certain: u32, every: u32, c: &Contribution, kept: &mut Vec<u32>) {
        let added = &self.l.added[c.added.start as usize..c.added.end as usize];
        let rank = &self.numbering.harm_rank;
        let place = |&a: &u32| rank.get(a as usize).copied();
        match (self.s.present.set(certain), self.s.held.set(every)) {
            (None, None) => kept.extend(added.iter().filter_map(place)),
            (a, b) => {
                let sets = [a.unwrap_or(&[]), b.unwrap_or(&[])];
                kept.extend(
                    added
                        .iter()
                        .filter(|&&a| !in_any(&sets, a))
                        .filter_map(place),
                );
            }
        }
    }

    /// A built entry's actions, as places in the order by harm, ascending.
    fn kept_of(&self, b: &Built) -> &[u32] {
        let k = b.key as usize;
        match (self.l.kept_at.get(k), self.l.kept_at.get(k + 1)) {
            (Some(&from), Some(&to)) => &self.l.kept[from as usize..to as usize],
            _ => &[],
        }
    }

    fn head(&self, b: &Built) -> &Contribution<'a> {
        &self.l.contributions[b.head as usize]
    }

    fn resource(&self, b: &Built) -> &str {
        &self.head(b).source.reach.resource
    }

    /// The actions at ascending places in the order by harm: most harmful
    /// first, then by name.
    fn harm_ordered(&self, places: &[u32]) -> Vec<u32> {
        // Sized exactly: the walks' lists are held until all walks end.
        let mut out = Vec::with_capacity(places.len());
        out.extend(
            places
                .iter()
                .filter_map(|&r| self.numbering.by_harm.get(r as usize).copied()),
        );
        out
    }

    /// A chosen merged entry, spelled out: its actions headline first.
    fn spell(&self, b: &Built) -> (Reach, Vec<u32>) {
        (self.entry(b), self.harm_ordered(self.kept_of(b)))
    }

    /// A merged entry but its actions.
    fn entry(&self, b: &Built) -> Reach {
        let head = self.head(b);
        let (hops, holder) = &self.chains[head.chain as usize];
        let source = &*head.source.reach;
        let merged = if b.holders > 1 {
            format!(
                " (merged: {} actions reached through {} principals; `via` is the shortest chain to the headline action)",
                b.count, b.holders
            )
        } else {
            String::new()
        };
        // Sized once: `format!` grows it piece by piece, and tens of
        // thousands are made per audit.
        let evidence = ["as ", holder, ": ", &source.evidence, &merged].concat();
        Reach {
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
        }
    }
}

/// Whether one of the bit sets (words of `Blocks`) holds `a`.
#[inline]
fn in_any(sets: &[&[u64]], a: u32) -> bool {
    let (i, m) = (a as usize >> 6, 1u64 << (a & 63));
    sets.iter()
        .any(|set| set.get(i).is_some_and(|w| w & m != 0))
}

/// The members of a bit set, in increasing order.
fn set_bits(bits: &[u64]) -> impl Iterator<Item = u32> + '_ {
    bits.iter().enumerate().flat_map(|(i, &w)| {
        let mut w = w;
        std::iter::from_fn(move || {
            if w == 0 {
                return None;
            }
            let t = w.trailing_zeros();
            w &= w - 1;
            Some(i as u32 * 64 + t)
        })
    })
}

/// A resource of `account` (a wildcard or missing account counts), but not
/// "every resource" itself.
pub fn in_account(resource: &str, every: &str, account: &str) -> bool {
    resource != every
        && crate::reach::arn_account(resource)
            .is_none_or(|x| x.is_empty() || x.contains('*') || x == account)
}

/// Resources a summary of further resources names.
const SUMMARY_NAMES: usize = 3;

impl Built {
    /// (category, data, conditional), as one integer.
    fn group(&self) -> u8 {
        (self.category as u8) << 2 | (self.data as u8) << 1 | self.cond as u8
    }

    /// The group, then the most harmful, then the resource, as one
    /// integer. No two are equal: a key has one resource, and a resource
    /// one rank.
    fn order(&self) -> u128 {
        (self.group() as u128) << 64 | ((u32::MAX - self.weight) as u128) << 32 | self.rank as u128
    }
}

/// `built` by group (`Built::group`) into `into`: a counting sort, as
/// there are at most 32 groups and a walk builds hundreds of entries.
fn by_group(built: &[Built], into: &mut Vec<Built>) {
    let mut at = [0usize; 33];
    for b in built {
        at[b.group() as usize + 1] += 1;
    }
    for g in 0..32 {
        at[g + 1] += at[g];
    }
    into.clear();
    let Some(&first) = built.first() else {
        return;
    };
    into.resize(built.len(), first);
    for b in built {
        let slot = &mut at[b.group() as usize];
        into[*slot] = *b;
        *slot += 1;
    }
}

/// Puts the first `n` entries in order (by `Built::order`), the others
/// after them in any order.
fn order_first(built: &mut [Built], n: usize) {
    let n = n.min(built.len());
    if n == 0 {
        return;
    }
    if n < built.len() {
        built.select_nth_unstable_by_key(n - 1, Built::order);
    }
    built[..n].sort_unstable_by_key(Built::order);
}

/// A merged entry before it is spelled out (most never are: they end in
/// a summary).
#[derive(Clone, Copy)]
struct Built {
    /// The key's number in the walk.
    key: u32,
    /// Where the headline's resource comes in the byte order of resources
    /// (equal resources, equal ranks).
    rank: u32,
    category: Category,
    data: bool,
    cond: bool,
    /// The headline action's weight, and the contribution it came by.
    weight: u32,
    head: u32,
    /// Actions kept, and distinct chains they came by.
    count: usize,
    holders: usize,
    reversible: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_separate_sets_and_ignore_what_they_cannot_hold() {
        let mut b = Blocks {
            words: 2,
            bits: Vec::new(),
        };
        let (x, y) = (b.alloc(), b.alloc());
        assert!(b.insert(x, 3));
        assert!(!b.insert(x, 3), "a second insert is not new");
        assert!(b.insert(y, 127));
        assert!(b.contains(x, 3) && !b.contains(y, 3));
        assert!(b.contains(y, 127) && !b.contains(x, 127));
        // Beyond the ids numbered, or no block: never held, never added.
        assert!(!b.insert(x, 128) && !b.contains(x, 128));
        assert!(!b.insert(NONE, 1) && !b.contains(NONE, 1));
    }

    #[test]
    fn irreversible_wins_then_unknown() {
        let fold = |parts: &[Option<bool>]| {
            let mut r = Some(true);
            for &p in parts {
                combine_reversible(&mut r, p);
            }
            r
        };
        assert_eq!(fold(&[Some(true), Some(true)]), Some(true));
        assert_eq!(fold(&[Some(true), None]), None);
        assert_eq!(fold(&[None, Some(false), None]), Some(false));
    }

    #[test]
    fn by_group_orders_by_group_and_keeps_each_group_in_order() {
        let made = |key: u32, category: Category, data: bool, cond: bool| Built {
            key,
            rank: 0,
            category,
            data,
            cond,
            weight: 0,
            head: 0,
            count: 0,
            holders: 0,
            reversible: None,
        };
        let built = [
            made(0, Category::Secrets, false, true),
            made(1, Category::Read, true, false),
            made(2, Category::Destroy, false, false),
            made(3, Category::Secrets, false, true),
            made(4, Category::Read, false, false),
            made(5, Category::Destroy, false, false),
            made(6, Category::Escalate, false, true),
        ];
        let mut into = vec![made(9, Category::Write, false, false)];
        by_group(&built, &mut into);
        let groups: Vec<u8> = into.iter().map(Built::group).collect();
        assert!(groups.is_sorted(), "{groups:?}");
        // Every entry once, and within a group in the order made.
        let keys: Vec<u32> = into.iter().map(|b| b.key).collect();
        let mut expected: Vec<u32> = (0..7).collect();
        expected.sort_by_key(|&k| built[k as usize].group());
        assert_eq!(keys, expected);
        by_group(&[], &mut into);
        assert!(into.is_empty());
    }

    #[test]
    fn places_invert_an_order() {
        assert_eq!(places_of(&[2, 0, 1]), vec![1, 2, 0]);
    }

    #[test]
    fn set_bits_lists_members_in_order() {
        let set = [1u64 << 63 | 1 << 2, 0, 1];
        assert_eq!(set_bits(&set).collect::<Vec<_>>(), vec![2, 63, 128]);
        assert_eq!(set_bits(&[0, 0]).count(), 0);
    }
}
