//! Per-principal reach: which concrete actions, on which resources, a
//! principal's own policies allow, evaluated with the exact evaluator under a
//! partial context (an unknown condition is `conditional`, never silently
//! allowed or denied).
//!
//! GAAD carries no resource inventory, so a resource is what the policies
//! name: `arn:aws:rds:*:*:db:prod-*`, or `*` ("every resource in the
//! account"). The candidates for one action are the resources named by the
//! identity Allows *and* by the boundary Allows that cover it: a boundary
//! that narrows `*` to `prod-*` yields `prod-*`, not nothing.

mod group;

use std::collections::{BTreeMap, BTreeSet};

use blastradius_report::Category;

pub use group::{display_resource, group_reach, Grouping};

use crate::classify::{ActionCatalog, Class, Classifier};
use crate::context::Context;
use crate::eval::{evaluate, Decision, Evaluation, PolicySet, Principal, Request};
use crate::policy::pattern::simple_glob;
use crate::policy::{parse_policy, ActionSpec, Effect, Policy, ResourceSpec};

/// One allowed (or conditionally allowed) action on one named resource.
#[derive(Debug, Clone)]
pub struct Grant {
    /// Canonical action name (`rds:DeleteDBInstance`).
    pub action: String,
    pub class: Class,
    /// The resource as the policy names it (`*` for every resource).
    pub resource: String,
    pub conditional: bool,
    /// The deciding policies and statements, one line.
    pub evidence: String,
}

impl Grant {
    /// Does this grant cover a concrete ARN (or pattern) `arn`?
    pub fn covers(&self, arn: &str) -> bool {
        self.resource == "*" || simple_glob(&self.resource, arn, false)
    }
}

/// The inputs of a reach computation for one principal.
pub struct ReachInput<'a> {
    pub set: &'a PolicySet,
    pub principal: &'a Principal,
    pub context: &'a Context,
    pub catalog: &'a dyn ActionCatalog,
    pub classifier: &'a Classifier,
}

/// The AWS default key policy delegates to the account's IAM policies
/// (KMS Developer Guide, "Default key policy"). GAAD holds no key policies,
/// so KMS actions are evaluated as if each key had the default one; the
/// evidence says so.
pub fn default_key_policy(account: &str) -> Option<Policy> {
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "EnableIAMUserPermissions",
            "Effect": "Allow",
            "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
            "Action": "kms:*",
            "Resource": "*"
        }]
    });
    parse_policy(&doc, "assumed default KMS key policy").ok()
}

fn statement_actions(spec: &ActionSpec, catalog: &dyn ActionCatalog) -> Vec<String> {
    match spec {
        ActionSpec::Action(list) => list.iter().flat_map(|p| catalog.expand(p)).collect(),
        ActionSpec::NotAction(list) => catalog.expand_not(list),
    }
}

fn action_in(spec: &ActionSpec, action_lower: &str) -> bool {
    match spec {
        ActionSpec::Action(list) => list.iter().any(|p| simple_glob(p, action_lower, true)),
        ActionSpec::NotAction(list) => !list.iter().any(|p| simple_glob(p, action_lower, true)),
    }
}

fn resources_of(spec: &Option<ResourceSpec>) -> Vec<String> {
    match spec {
        Some(ResourceSpec::Resource(list)) => list.iter().map(|t| t.raw().to_string()).collect(),
        // NotResource grants every resource but the listed ones; the
        // evaluator removes those when they are asked for.
        Some(ResourceSpec::NotResource(_)) | None => vec!["*".to_string()],
    }
}

/// The candidate (action, resources) pairs a policy set could allow.
pub fn candidates(
    set: &PolicySet,
    catalog: &dyn ActionCatalog,
) -> BTreeMap<String, BTreeSet<String>> {
    let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &set.identity {
        for s in &p.statements {
            if s.effect != Effect::Allow {
                continue;
            }
            let resources = resources_of(&s.resource);
            for a in statement_actions(&s.action, catalog) {
                out.entry(a).or_default().extend(resources.iter().cloned());
            }
        }
    }
    // Boundary Allows name the narrower resources an identity `*` is cut to.
    for p in &set.boundaries {
        for s in &p.statements {
            if s.effect != Effect::Allow {
                continue;
            }
            let resources: Vec<String> = resources_of(&s.resource)
                .into_iter()
                .filter(|r| r != "*")
                .collect();
            if resources.is_empty() {
                continue;
            }
            for (a, rs) in out.iter_mut() {
                if action_in(&s.action, &a.to_ascii_lowercase()) {
                    rs.extend(resources.iter().cloned());
                }
            }
        }
    }
    out
}

fn arn_account(arn: &str) -> Option<&str> {
    let mut it = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(_), Some(_), Some(acct)) =
        (it.next(), it.next(), it.next(), it.next(), it.next())
    else {
        return None;
    };
    Some(acct)
}

pub fn evidence_of(ev: &Evaluation) -> String {
    let mut parts: Vec<String> = ev
        .deciding
        .iter()
        .map(|s| format!("{} / {}", s.policy, s.statement))
        .collect();
    parts.dedup();
    let who = if parts.is_empty() {
        "no statement named".to_string()
    } else {
        parts.join("; ")
    };
    match ev.decision {
        Decision::Conditional => {
            if ev.unknown_keys.is_empty() {
                format!("conditional: {who}")
            } else {
                format!(
                    "conditional on {}: {who}",
                    ev.unknown_keys.join(", ")
                )
            }
        }
        _ => format!("allowed by {who}"),
    }
}

/// Every grant of a policy set: each candidate action evaluated on each
/// candidate resource. When `*` is allowed outright, the narrower resources
/// of the same action add nothing and are dropped.
pub fn grants(input: &ReachInput) -> Vec<Grant> {
    let account = input.principal.account.clone();
    let kms_set = {
        let mut s = input.set.clone();
        s.resource = default_key_policy(&account);
        s
    };
    let mut out = Vec::new();
    for (action, resources) in candidates(input.set, input.catalog) {
        let class = input
            .classifier
            .classify(&action, input.catalog.access_level(&action));
        let kms = action.to_ascii_lowercase().starts_with("kms:");
        let set = if kms { &kms_set } else { input.set };
        let mut found: Vec<Grant> = Vec::new();
        for resource in &resources {
            // A wildcard or missing account in the ARN means "this account"
            // for an audit of this account's principals; a concrete other
            // account is cross-account: the identity side is evaluated here,
            // the other account's resource policy is unknown.
            let res_acct = arn_account(resource).filter(|a| !a.is_empty() && !a.contains(['*', '?']));
            let cross = res_acct.is_some_and(|a| a != account);
            let req = Request {
                principal: input.principal,
                action: &action,
                resource,
                resource_account: Some(&account),
                context: input.context,
            };
            let ev = evaluate(set, &req);
            let conditional = match ev.decision {
                Decision::Allowed => false,
                Decision::Conditional => true,
                Decision::ImplicitDeny | Decision::ExplicitDeny => continue,
            };
            let mut evidence = evidence_of(&ev);
            if kms {
                evidence.push_str(" (assuming the default key policy)");
            }
            if cross {
                evidence.push_str(&format!(
                    " (cross-account: also needs a resource policy in {})",
                    res_acct.unwrap_or_default()
                ));
            }
            found.push(Grant {
                action: action.clone(),
                class: class.clone(),
                resource: resource.clone(),
                conditional: conditional || cross,
                evidence,
            });
        }
        if found.iter().any(|g| g.resource == "*" && !g.conditional) {
            found.retain(|g| g.resource == "*");
        }
        out.extend(found);
    }
    out
}

/// `Some(false)` when the grants also destroy the backups of what `actions`
/// destroy (or the target is itself a backup), `Some(true)` when they clearly
/// cannot, `None` when unknown (a conditional grant, or nothing is known
/// about backups of these actions).
pub fn reversibility(actions: &[&Class], all: &[Grant]) -> Option<bool> {
    if actions.iter().any(|c| c.destroys_backups) {
        return Some(false);
    }
    let backups: BTreeSet<String> = actions
        .iter()
        .flat_map(|c| c.backups.iter().map(|b| b.to_ascii_lowercase()))
        .collect();
    if backups.is_empty() {
        return None;
    }
    let mut conditional = false;
    for g in all {
        if backups.contains(&g.action.to_ascii_lowercase()) {
            if !g.conditional {
                return Some(false);
            }
            conditional = true;
        }
    }
    if conditional {
        None
    } else {
        Some(true)
    }
}

/// True for the categories the contract wants listed action by action.
pub fn concrete(category: Category) -> bool {
    matches!(
        category,
        Category::Destroy | Category::Escalate | Category::Secrets
    )
}

