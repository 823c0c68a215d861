//! Grants to report entries: one [`Reach`] per resource, category,
//! environment and conditionality (and per service for the summarised
//! write/read), its actions sorted worst first so that `actions[0]` is the
//! headline the rating names.

use std::collections::{BTreeMap, HashMap};

use blastradius_report::{Category, Certainty, Reach};

use super::{arn_account, concrete, reversibility, Grant};
use crate::classify::Class;

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

type Key = (Category, String, Option<String>, bool, bool, String);

pub fn group_reach(grants: &[Grant], g: &Grouping) -> Vec<Reach> {
    let mut groups: BTreeMap<Key, Vec<&Grant>> = BTreeMap::new();
    for gr in grants {
        let service = if concrete(gr.class.category) {
            String::new()
        } else {
            gr.action
                .split(':')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase()
        };
        let key = (
            gr.class.category,
            display_resource(&gr.resource, g.account),
            environment(&gr.resource, g),
            gr.conditional || g.via_conditional,
            gr.class.data,
            service,
        );
        groups.entry(key).or_default().push(gr);
    }
    let mut out = Vec::with_capacity(groups.len());
    for ((category, resource, environment, conditional, data, _), mut members) in groups {
        members.sort_by(|a, b| {
            b.class
                .weight
                .cmp(&a.class.weight)
                .then_with(|| a.action.cmp(&b.action))
        });
        members.dedup_by(|a, b| a.action == b.action);
        let actions: Vec<String> = members.iter().map(|m| m.action.clone()).collect();
        let reversible = if category == Category::Destroy {
            let classes: Vec<&Class> = members.iter().map(|m| m.class.as_ref()).collect();
            reversibility(&classes, grants)
        } else {
            None
        };
        let mut evidence = members[0].evidence.to_string();
        let others = members
            .iter()
            .filter(|m| m.evidence != members[0].evidence)
            .count();
        if others > 0 {
            evidence.push_str(&format!(" (and {others} more actions by other statements)"));
        }
        if !concrete(category) && !data && actions.len() >= super::SUMMARY_LIMIT {
            evidence.push_str(&format!(
                " (summary: the first {} allowed actions of this service; more may be allowed)",
                super::SUMMARY_LIMIT
            ));
        }
        out.push(Reach {
            actions,
            resource,
            environment,
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
