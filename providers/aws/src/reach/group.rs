//! Grants to report entries: one [`Reach`] per resource, category,
//! environment and conditionality (and per service for the summarised
//! write/read), its actions sorted worst first so that `actions[0]` is the
//! headline the rating names.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use blastradius_report::{ActionList, Category, Certainty, Reach};

use super::{arn_account, concrete, BackupUse, Granted};
use crate::classify::Class;
use crate::fasthash::FastMap;

/// Where the grants come from and how they are reached.
pub struct Grouping<'a> {
    /// The principal's account: `*` resources are "every resource" in it.
    pub account: &'a str,
    /// Account id -> environment name; missing: `None` (production).
    pub environments: &'a HashMap<String, String>,
    /// Hops from the audited principal to the one holding the grants.
    pub via: &'a [String],
    /// Some hop only holds under conditions.
    pub via_conditional: bool,
    /// Lists made for other entries of the audit.
    pub listings: &'a Listings,
}

pub fn display_resource(resource: &str, account: &str) -> String {
    if resource == "*" {
        format!("every resource in account {account}")
    } else {
        resource.to_string()
    }
}

fn environment(resource: &str, g: &Grouping) -> Option<String> {
    let acct = arn_account(resource)
        .filter(|a| !a.is_empty() && !a.contains(['*', '?']))
        .unwrap_or(g.account);
    g.environments.get(acct).cloned()
}

/// (category, resource, environment, conditional, data read). Destroy,
/// escalate and secrets merge across services on one resource (every
/// action listed by name); plain writes and reads too, summarised.
type Key<'a> = (Category, &'a str, Option<&'a str>, bool, bool);

/// A summarised write/read entry lists every action by name up to this
/// many; beyond, the most harmful few and a count per service.
pub const SUMMARY_NAMED: usize = 12;
/// How many per-service counts a summarised entry lists.
pub const SUMMARY_SERVICES: usize = 10;

pub fn group_reach(granted: &Granted, g: &Grouping) -> Vec<Reach> {
    let found = &granted.found;
    // Grants are grouped by number (hundreds of thousands of grants, a few
    // thousand groups): each grant's group found by its resource's number
    // and its action's category, then the grants laid out group after
    // group, each group's in grant order, which is action-name order.
    let mut index: FastMap<u64, u32> = FastMap::default();
    let mut keys: Vec<(Category, u32, bool, bool)> = Vec::new();
    let mut group_of: Vec<u32> = Vec::with_capacity(found.len());
    for f in found {
        let class = granted.class(f.action);
        let conditional = f.conditional || g.via_conditional;
        let packed = (u64::from(f.resource) << 8)
            | (u64::from(category_rank(class.category)) << 2)
            | (u64::from(conditional) << 1)
            | u64::from(class.data);
        let next = keys.len() as u32;
        let id = *index.entry(packed).or_insert(next);
        if id == next {
            keys.push((class.category, f.resource, conditional, class.data));
        }
        group_of.push(id);
    }
    drop(index);
    let mut starts = vec![0u32; keys.len() + 1];
    for &id in &group_of {
        starts[id as usize + 1] += 1;
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut order = vec![0u32; found.len()];
    let mut fill = starts.clone();
    for (i, &id) in group_of.iter().enumerate() {
        order[fill[id as usize] as usize] = i as u32;
        fill[id as usize] += 1;
    }
    drop(group_of);

    // How a resource is shown, and its environment, depend on the resource
    // alone: worked out once per resource (a policy set names few).
    let shown: Vec<(String, Option<String>)> = granted
        .resources
        .iter()
        .map(|r| (display_resource(r, g.account), environment(r, g)))
        .collect();
    let mut groups: Vec<(Key, &[u32])> = keys
        .iter()
        .enumerate()
        .map(|(id, &(category, r, conditional, data))| {
            let (resource, environment) = &shown[r as usize];
            let key = (
                category,
                resource.as_str(),
                environment.as_deref(),
                conditional,
                data,
            );
            (key, &order[starts[id] as usize..starts[id + 1] as usize])
        })
        .collect();
    // Keys are distinct.
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let backup_use = BackupUse::of(granted);
    let in_table = granted.table.entries.len();
    let mut out = Vec::with_capacity(groups.len());
    let mut key: Vec<u32> = Vec::new();
    for ((category, resource, environment, conditional, data), in_group) in groups {
        // A list is looked up by its category and its actions in grant
        // order; actions the table does not hold are numbered per policy
        // set, so lists holding one are made on the spot.
        key.clear();
        key.push(u32::from(category_rank(category)) << 1 | u32::from(data));
        key.extend(in_group.iter().map(|&i| found[i as usize].action));
        let ids = &key[1..];
        let listed = if ids.iter().all(|&a| (a as usize) < in_table) {
            g.listings
                .get_or_make(&key, || list(granted, ids, category, data))
        } else {
            Arc::new(list(granted, ids, category, data))
        };
        let reversible = if category == Category::Destroy {
            let classes: Vec<&Class> = ids.iter().map(|&a| granted.class(a).as_ref()).collect();
            backup_use.reversibility(&classes)
        } else {
            None
        };
        let first = &found[in_group[listed.headline] as usize].evidence;
        let mut evidence = first.to_string();
        let others = in_group
            .iter()
            .filter(|&&i| {
                let e = &found[i as usize].evidence;
                !Arc::ptr_eq(e, first) && e != first
            })
            .count();
        if others > 0 {
            evidence.push_str(&format!(" (and {others} more actions by other statements)"));
        }
        evidence.push_str(&listed.summary);
        out.push(Reach {
            actions: listed.actions.clone(),
            resource: resource.to_string(),
            environment: environment.map(str::to_string),
            category,
            conditional,
            via: g.via.to_vec(),
            reversible,
            data,
            certainty: Certainty::Inferred,
            evidence,
        });
    }
    out
}

/// An entry's actions as listed: worst first, then by name; plain writes
/// and reads summarised.
struct Listed {
    actions: ActionList,
    /// Where the headline action is among the actions in grant order.
    headline: usize,
    /// What the evidence says of the summary, if any.
    summary: String,
}

/// Lists already made in an audit, by category and action ids: the
/// 30,000 own entries of a 5,000-role account list about 130 distinct
/// action sequences (every policy set allowing `*` has the same destroy
/// list), so each is sorted and written out once, and shared. The ids are
/// those of one action table: one audit's catalog.
#[derive(Default)]
pub struct Listings(Mutex<FastMap<Vec<u32>, Arc<Listed>>>);

impl Listings {
    fn get_or_make(&self, key: &[u32], make: impl FnOnce() -> Listed) -> Arc<Listed> {
        if let Some(l) = self.0.lock().ok().and_then(|m| m.get(key).cloned()) {
            return l;
        }
        // Made outside the lock: two threads may both make one list, and
        // both makings are the same.
        let made = Arc::new(make());
        if let Ok(mut m) = self.0.lock() {
            m.entry(key.to_vec()).or_insert_with(|| made.clone());
        }
        made
    }
}

/// The list of `ids` (in grant order, which is name order; each action
/// once), for an entry of `category`.
fn list(granted: &Granted, ids: &[u32], category: Category, data: bool) -> Listed {
    let mut order: Vec<(std::cmp::Reverse<u32>, usize)> = ids
        .iter()
        .enumerate()
        .map(|(k, &a)| (std::cmp::Reverse(granted.class(a).weight), k))
        .collect();
    order.sort_unstable();
    let names: Vec<&str> = order.iter().map(|&(_, k)| granted.action(ids[k])).collect();
    let mut summary = String::new();
    let actions = if !concrete(category) && !data {
        summarise(&names, category, &mut summary)
    } else {
        names.iter().map(|a| a.to_string()).collect()
    };
    Listed {
        actions: actions.into(),
        headline: order.first().map_or(0, |&(_, k)| k),
        summary,
    }
}

/// A small number per category, for packing group keys.
fn category_rank(category: Category) -> u8 {
    match category {
        Category::Read => 0,
        Category::Write => 1,
        Category::Secrets => 2,
        Category::Escalate => 3,
        Category::Destroy => 4,
    }
}

/// Plain writes and reads, which the contract lets be summarised: every
/// name when there are few; else, per service (most harmful service
/// first), its most harmful action by name, then one
/// `service:* (N more write actions)` item per service. The evidence says
/// what was summarised and where the full list comes from.
fn summarise(members: &[&str], category: Category, evidence: &mut String) -> Vec<String> {
    let word = category.as_str();
    // Services in order of their most harmful action (members are sorted
    // worst first), with that action and how many they hold.
    let mut services: Vec<(&str, &str, usize)> = Vec::new();
    let mut index: FastMap<&str, usize> = FastMap::default();
    for m in members {
        let service = m.split(':').next().unwrap_or("");
        match index.get(service) {
            Some(&i) => services[i].2 += 1,
            None => {
                index.insert(service, services.len());
                services.push((service, m, 1));
            }
        }
    }
    // Plain writes and reads are evaluated up to SUMMARY_LIMIT per service
    // and resource (`*` alone is 22,000 actions), so a count at the limit
    // is a lower bound.
    let capped = services.iter().any(|s| s.2 >= super::SUMMARY_LIMIT);
    if members.len() <= SUMMARY_NAMED && !capped {
        return members.iter().map(|m| m.to_string()).collect();
    }
    let shown = &services[..services.len().min(SUMMARY_SERVICES)];
    let mut actions: Vec<String> = shown.iter().map(|s| s.1.to_string()).collect();
    for (service, _, n) in shown {
        if *n > 1 {
            let more = if *n >= super::SUMMARY_LIMIT {
                " or more"
            } else {
                ""
            };
            actions.push(format!("{service}:* ({}{more} more {word} actions)", n - 1));
        }
    }
    let hidden = services.len() - shown.len();
    evidence.push_str(&format!(
        " (summary: {}{} plain {word} actions in {} services are allowed on this resource; listed: each service's most harmful action by name and a count of the rest{}; the principal's full list: `aws iam simulate-principal-policy` or `blastradius aws simulate`)",
        members.len(),
        if capped { " or more (plain writes and reads are evaluated up to 5 per service)" } else { "" },
        services.len(),
        if hidden > 0 {
            format!(", for the {SUMMARY_SERVICES} most harmful services; {hidden} more services not listed")
        } else {
            String::new()
        },
    ));
    actions
}
