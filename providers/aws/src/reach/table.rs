//! A dense table of the catalog's actions: each action gets an integer id
//! (ids follow the byte order of the canonical names, so iterating a bit set
//! visits actions in the order a `BTreeMap<String, _>` would), its lowercase
//! name and its class, computed once. Each distinct Action/NotAction list is
//! expanded once into a bit set over these ids and shared by every policy
//! combination that holds it.
//!
//! The bit sets only say which actions a statement's Action/NotAction
//! matches (the same matching as the evaluator's); decisions are still made
//! by the exact evaluator.

use std::fmt;
use std::sync::{Arc, Mutex};

use blastradius_report::Category;

use crate::classify::{ActionCatalog, Class, Classifier};
use crate::fasthash::FastMap;
use crate::policy::ActionSpec;

/// One catalog action.
pub struct ActionEntry {
    /// Canonical `service:Name`.
    pub name: String,
    pub lower: String,
    pub class: Arc<Class>,
    /// `class.category`, copied: read for every candidate action of every
    /// policy set, and the class is elsewhere in memory.
    pub category: Category,
    /// A plain write/read (summarised per service), not destroy, escalate,
    /// secrets or a data read.
    pub summary: bool,
    /// Evaluator's service class (0 plain, 1 `sts:`, 2 `kms:`).
    pub pclass: u8,
    /// Id of [`ActionEntry::service`] (see [`ActionTable::service_id`]).
    pub svc: u32,
}

impl ActionEntry {
    pub fn service(&self) -> &str {
        self.name.split(':').next().unwrap_or("")
    }
}

/// Which table actions an Action/NotAction list matches, and (for
/// `Action` lists) the literal names the catalog does not know, which are
/// still actions (kept as written).
pub struct SpecBits {
    pub bits: Vec<u64>,
    pub extras: Vec<String>,
}

impl SpecBits {
    #[inline]
    pub fn has(&self, id: usize) -> bool {
        self.bits
            .get(id / 64)
            .is_some_and(|w| w & (1u64 << (id % 64)) != 0)
    }
}

pub struct ActionTable {
    pub entries: Vec<ActionEntry>,
    /// Lowercase name -> id (when lowercase names are unique).
    by_lower: FastMap<String, u32>,
    unique_lower: bool,
    words: usize,
    /// Service prefix (as the canonical names write it) -> id.
    services: FastMap<String, u32>,
    /// Bit sets of Action lists (`[0]`) and NotAction lists (`[1]`).
    specs: Mutex<[FastMap<Vec<String>, Arc<SpecBits>>; 2]>,
}

impl fmt::Debug for ActionTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ActionTable({} actions)", self.entries.len())
    }
}

impl ActionTable {
    pub fn build(catalog: &dyn ActionCatalog, classifier: &Classifier) -> ActionTable {
        let mut names = catalog.expand("*");
        names.sort();
        names.dedup();
        let classes = classifier.classify_all(&names, catalog);
        let mut services: FastMap<String, u32> = FastMap::default();
        let entries: Vec<ActionEntry> = names
            .into_iter()
            .zip(classes)
            .map(|(name, class)| {
                let lower = name.to_ascii_lowercase();
                let service = name.split(':').next().unwrap_or("");
                let n = services.len() as u32;
                let svc = match services.get(service) {
                    Some(&id) => id,
                    None => {
                        services.insert(service.to_string(), n);
                        n
                    }
                };
                ActionEntry {
                    summary: !super::concrete(class.category) && !class.data,
                    category: class.category,
                    pclass: super::prefix_class(&lower),
                    svc,
                    class,
                    lower,
                    name,
                }
            })
            .collect();
        let mut by_lower: FastMap<String, u32> = FastMap::default();
        let mut unique_lower = true;
        for (i, e) in entries.iter().enumerate() {
            if by_lower.insert(e.lower.clone(), i as u32).is_some() {
                unique_lower = false;
            }
        }
        ActionTable {
            words: entries.len().div_ceil(64).max(1),
            entries,
            by_lower,
            unique_lower,
            services,
            specs: Mutex::default(),
        }
    }

    pub fn words(&self) -> usize {
        self.words
    }

    /// The id of a service prefix (exact, case-sensitive) the table's
    /// actions use; ids are below [`ActionTable::services`].
    pub fn service_id(&self, service: &str) -> Option<u32> {
        self.services.get(service).copied()
    }

    /// How many distinct service prefixes the table's actions use.
    pub fn services(&self) -> u32 {
        self.services.len() as u32
    }

    /// The ids of the actions whose lowercased name is `lower`.
    pub fn ids_of_lower(&self, lower: &str) -> Vec<u32> {
        if self.unique_lower {
            return self
                .by_lower
                .get(lower)
                .map(|&i| vec![i])
                .unwrap_or_default();
        }
        (0..self.entries.len() as u32)
            .filter(|&i| self.entries[i as usize].lower == lower)
            .collect()
    }

    /// The bit set of an Action/NotAction list, computed once per distinct
    /// list.
    pub fn spec_bits(&self, spec: &ActionSpec) -> Arc<SpecBits> {
        let (not, list) = match spec {
            ActionSpec::Action(l) => (false, l),
            ActionSpec::NotAction(l) => (true, l),
        };
        if let Ok(m) = self.specs.lock() {
            // Looked up by slice, without cloning the list.
            if let Some(b) = m[not as usize].get(list.as_slice()) {
                return b.clone();
            }
        }
        let built = Arc::new(self.compute(not, list));
        if let Ok(mut m) = self.specs.lock() {
            m[not as usize]
                .entry(list.clone())
                .or_insert_with(|| built.clone());
        }
        built
    }

    fn compute(&self, not: bool, list: &[String]) -> SpecBits {
        let mut bits = vec![0u64; self.words];
        let mut extras = Vec::new();
        for p in list {
            let mut matched = false;
            let wild = p.contains(['*', '?']);
            if !wild && self.unique_lower && p.is_ascii() {
                if let Some(&i) = self.by_lower.get(&p.to_ascii_lowercase()) {
                    bits[i as usize / 64] |= 1u64 << (i % 64);
                    matched = true;
                }
            } else {
                // A literal service prefix narrows the scan cheaply.
                let lower = p.to_ascii_lowercase();
                let svc = lower
                    .split_once(':')
                    .map(|(s, _)| s)
                    .filter(|s| !s.contains(['*', '?']) && lower.is_ascii());
                for (i, e) in self.entries.iter().enumerate() {
                    if let Some(s) = svc {
                        let eb = e.lower.as_bytes();
                        if !(eb.len() > s.len()
                            && eb[..s.len()] == *s.as_bytes()
                            && eb[s.len()] == b':')
                        {
                            continue;
                        }
                    }
                    if super::glob_lower(p, &e.lower) {
                        bits[i / 64] |= 1u64 << (i % 64);
                        matched = true;
                    }
                }
            }
            if !not && !matched && !wild && p.contains(':') {
                extras.push(p.clone());
            }
        }
        if not {
            for (i, w) in bits.iter_mut().enumerate() {
                *w = !*w;
                let lo = i * 64;
                if lo + 64 > self.entries.len() {
                    let keep = self.entries.len().saturating_sub(lo);
                    *w &= if keep == 0 {
                        0
                    } else {
                        u64::MAX >> (64 - keep)
                    };
                }
            }
        }
        SpecBits { bits, extras }
    }
}

/// Plain-write/read summarising is keyed per (service id, category,
/// resource id).
pub type SummaryKey = (u32, Category, u32);
