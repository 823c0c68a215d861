//! Grants to report entries: one [`Reach`] per resource, category,
//! environment and conditionality (and per service for the summarised
//! write/read), its actions sorted worst first so that `actions[0]` is the
//! headline the rating names.

use std::collections::hash_map::Entry;
use std::collections::HashMap;

use blastradius_report::{Category, Certainty, Reach};

use super::{arn_account, concrete, BackupUse, GrantView};
use crate::classify::Class;
use crate::fasthash::{FastMap, FastSet};

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
/// The same, with the resource (and so its environment) by number.
type NumberedKey = (Category, u32, bool, bool);

/// A summarised write/read entry lists every action by name up to this
/// many; beyond, the most harmful few and a count per service.
pub const SUMMARY_NAMED: usize = 12;
/// How many per-service counts a summarised entry lists.
pub const SUMMARY_SERVICES: usize = 10;

pub fn group_reach<'a, G: GrantView>(grants: &'a [G], g: &Grouping) -> Vec<Reach> {
    // How a resource is shown, and its environment, depend on the resource
    // alone: worked out once per distinct resource, not per grant, which
    // is then grouped by the resource's number (hundreds of thousands of
    // grants, a few thousand groups), and the groups put in key order.
    let mut resource_ids: FastMap<&str, u32> = FastMap::default();
    let mut shown: Vec<(String, Option<String>)> = Vec::new();
    let mut number = |resource: &'a str| -> u32 {
        *resource_ids.entry(resource).or_insert_with(|| {
            shown.push((
                display_resource(resource, g.account),
                environment(resource, g),
            ));
            (shown.len() - 1) as u32
        })
    };
    // Grants that number their resources are looked up by that number:
    // a set with `*` has tens of thousands of grants on a few resources.
    let mut by_number: Vec<Option<u32>> = Vec::new();
    let mut index: FastMap<NumberedKey, usize> = FastMap::default();
    let mut groups: Vec<(NumberedKey, Vec<&G>)> = Vec::new();
    for gr in grants {
        let id = match gr.resource_number().map(|n| n as usize) {
            Some(n) => match by_number.get(n) {
                Some(&Some(id)) => id,
                _ => {
                    let id = number(gr.resource());
                    if by_number.len() <= n {
                        by_number.resize(n + 1, None);
                    }
                    by_number[n] = Some(id);
                    id
                }
            },
            None => number(gr.resource()),
        };
        let (category, conditional, data) = (
            gr.class().category,
            gr.conditional() || g.via_conditional,
            gr.class().data,
        );
        let key = (category, id, conditional, data);
        match index.entry(key) {
            Entry::Occupied(o) => groups[*o.get()].1.push(gr),
            Entry::Vacant(v) => {
                v.insert(groups.len());
                groups.push((key, vec![gr]));
            }
        }
    }
    drop(index);
    drop(resource_ids);
    let mut groups: Vec<(Key, Vec<&G>)> = groups
        .into_iter()
        .map(|((category, id, conditional, data), members)| {
            let (resource, environment) = &shown[id as usize];
            let key = (
                category,
                resource.as_str(),
                environment.as_deref(),
                conditional,
                data,
            );
            (key, members)
        })
        .collect();
    // Keys are distinct.
    groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    // Every backup a destroy entry may ask about, looked up in one pass.
    let mut destroying: FastSet<*const Class> = FastSet::default();
    let backups: FastSet<String> = grants
        .iter()
        .filter(|gr| gr.class().category == Category::Destroy)
        .filter(|gr| destroying.insert(std::sync::Arc::as_ptr(gr.class())))
        .flat_map(|gr| gr.class().backups.iter().map(|b| b.to_ascii_lowercase()))
        .collect();
    let backup_use = BackupUse::of(grants, backups.into_iter());
    let mut out = Vec::with_capacity(groups.len());
    for ((category, resource, environment, conditional, data), mut members) in groups {
        // Worst first, then by name. Grants usually come in name order
        // (a policy set's are), and then a stable sort on the weight alone
        // gives that same order.
        if members.is_sorted_by(|a, b| a.action() <= b.action()) {
            members.sort_by_key(|m| std::cmp::Reverse(m.class().weight));
        } else {
            members.sort_by(|a, b| {
                b.class()
                    .weight
                    .cmp(&a.class().weight)
                    .then_with(|| a.action().cmp(b.action()))
            });
        }
        members.dedup_by(|a, b| a.action() == b.action());
        let reversible = if category == Category::Destroy {
            let classes: Vec<&Class> = members.iter().map(|m| m.class().as_ref()).collect();
            backup_use.reversibility(&classes)
        } else {
            None
        };
        let mut evidence = members[0].evidence().to_string();
        let others = members
            .iter()
            .filter(|m| m.evidence() != members[0].evidence())
            .count();
        if others > 0 {
            evidence.push_str(&format!(" (and {others} more actions by other statements)"));
        }
        let actions = if !concrete(category) && !data {
            summarise(&members, category, &mut evidence)
        } else {
            members.iter().map(|m| m.action().to_string()).collect()
        };
        out.push(Reach {
            actions: actions.into(),
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

/// Plain writes and reads, which the contract lets be summarised: every
/// name when there are few; else, per service (most harmful service
/// first), its most harmful action by name, then one
/// `service:* (N more write actions)` item per service. The evidence says
/// what was summarised and where the full list comes from.
fn summarise<G: GrantView>(
    members: &[&G],
    category: Category,
    evidence: &mut String,
) -> Vec<String> {
    let word = category.as_str();
    // Services in order of their most harmful action (members are sorted
    // worst first), with that action and how many they hold.
    let mut services: Vec<(&str, &str, usize)> = Vec::new();
    let mut index: FastMap<&str, usize> = FastMap::default();
    for m in members {
        let service = m.action().split(':').next().unwrap_or("");
        match index.get(service) {
            Some(&i) => services[i].2 += 1,
            None => {
                index.insert(service, services.len());
                services.push((service, m.action(), 1));
            }
        }
    }
    // Plain writes and reads are evaluated up to SUMMARY_LIMIT per service
    // and resource (`*` alone is 22,000 actions), so a count at the limit
    // is a lower bound.
    let capped = services.iter().any(|s| s.2 >= super::SUMMARY_LIMIT);
    if members.len() <= SUMMARY_NAMED && !capped {
        return members.iter().map(|m| m.action().to_string()).collect();
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
