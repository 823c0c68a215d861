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
mod table;

use std::collections::{BTreeMap, BTreeSet};

use blastradius_report::Category;

pub use group::{display_resource, group_reach, Grouping, Listings};
use table::SummaryKey;
pub use table::{ActionEntry, ActionTable, SpecBits};

use crate::classify::{ActionCatalog, Class, Classifier};
use crate::context::Context;
use crate::eval::{evaluate, Decision, Evaluation, PolicySet, Principal, Request};
use crate::policy::pattern::simple_glob;
use crate::policy::{parse_policy, ActionSpec, Effect, Policy, ResourceSpec};

/// How many plain write/read actions per service and resource are listed.
pub const SUMMARY_LIMIT: usize = 5;

/// One allowed (or conditionally allowed) action on one named resource.
#[derive(Debug, Clone)]
pub struct Grant {
    /// Canonical action name (`rds:DeleteDBInstance`).
    pub action: String,
    pub class: std::sync::Arc<Class>,
    /// The resource as the policy names it (`*` for every resource).
    pub resource: String,
    pub conditional: bool,
    /// The deciding policies and statements, one line.
    pub evidence: std::sync::Arc<str>,
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
        for s in p.statements.iter() {
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
        for s in p.statements.iter() {
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

/// The account field of an ARN (`None` when it is not an ARN).
pub fn arn_account(arn: &str) -> Option<&str> {
    let mut it = arn.splitn(6, ':');
    let (Some("arn"), Some(_), Some(_), Some(_), Some(acct)) =
        (it.next(), it.next(), it.next(), it.next(), it.next())
    else {
        return None;
    };
    Some(acct)
}

pub fn evidence_of(ev: &Evaluation) -> String {
    let mut out = String::new();
    match ev.decision {
        Decision::Conditional => {
            if ev.unknown_keys.is_empty() {
                out.push_str("conditional: ");
            } else {
                out.push_str("conditional on ");
                out.push_str(&ev.unknown_keys.join(", "));
                out.push_str(": ");
            }
        }
        _ => out.push_str("allowed by "),
    }
    // "policy / statement" of each deciding statement, "; "-separated,
    // a part equal to the one before left out; written in place.
    let mut part = String::new();
    let mut last = String::new();
    for (i, s) in ev.deciding.iter().enumerate() {
        part.clear();
        part.push_str(&s.policy);
        part.push_str(" / ");
        part.push_str(&s.statement);
        if i > 0 {
            if part == last {
                continue;
            }
            out.push_str("; ");
        }
        out.push_str(&part);
        std::mem::swap(&mut part, &mut last);
    }
    if ev.deciding.is_empty() {
        out.push_str("no statement named");
    }
    out
}

/// Every grant of a policy set: each candidate action evaluated on each
/// candidate resource. When `*` is allowed outright, the narrower resources
/// of the same action add nothing and are dropped.
///
/// Candidate actions come from the catalog's dense action table: each
/// Action/NotAction list is a bit set over action ids (computed once per
/// distinct list), so expanding `*` or a `NotAction` costs bit operations,
/// not 22,000 names per policy combination. The bit sets only choose what
/// to evaluate and which evaluations are the same; every decision is the
/// exact evaluator's.
pub fn grants(input: &ReachInput) -> Vec<Grant> {
    grants_asked(input).0.grants(|_, _| true)
}

/// Every grant of a policy set, in [`grants`] order, held compactly:
/// actions by table id and resources by index, so that the many grants
/// only grouped into entries are never written out as strings.
///
/// The grants come in action-name order (table ids follow it, and the
/// extras are merged into it), one action's together, and an action has
/// at most one grant on a resource: the grouping relies on both.
pub struct Granted {
    table: std::sync::Arc<ActionTable>,
    /// Actions the table does not hold; their ids follow the table's.
    extras: Vec<(String, std::sync::Arc<Class>)>,
    resources: Vec<String>,
    found: Vec<Found>,
}

struct Found {
    action: u32,
    resource: u32,
    conditional: bool,
    evidence: std::sync::Arc<str>,
}

impl Granted {
    fn action(&self, id: u32) -> &str {
        let id = id as usize;
        match self.table.entries.get(id) {
            Some(e) => &e.name,
            None => &self.extras[id - self.table.entries.len()].0,
        }
    }

    fn class(&self, id: u32) -> &std::sync::Arc<Class> {
        let id = id as usize;
        match self.table.entries.get(id) {
            Some(e) => &e.class,
            None => &self.extras[id - self.table.entries.len()].1,
        }
    }

    /// The ids of the actions whose lowercased name is `lower`.
    fn ids_of_lower(&self, lower: &str) -> Vec<u32> {
        let mut ids = self.table.ids_of_lower(lower);
        let after = self.table.entries.len();
        ids.extend(
            self.extras
                .iter()
                .enumerate()
                .filter(|(_, (name, _))| name.eq_ignore_ascii_case(lower))
                .map(|(i, _)| (after + i) as u32),
        );
        ids
    }

    /// The grants of the actions `keep` accepts (asked once per action,
    /// with its id in the action table when it has one), written out, in
    /// order.
    pub fn grants(&self, keep: impl Fn(Option<usize>, &str) -> bool) -> Vec<Grant> {
        let mut out = Vec::new();
        // One action's grants are adjacent.
        for run in self.found.chunk_by(|a, b| a.action == b.action) {
            let action = self.action(run[0].action);
            let id = (run[0].action as usize) < self.table.entries.len();
            if !keep(id.then_some(run[0].action as usize), action) {
                continue;
            }
            let class = self.class(run[0].action);
            out.extend(run.iter().map(|f| Grant {
                action: action.to_string(),
                class: class.clone(),
                resource: self.resources[f.resource as usize].clone(),
                conditional: f.conditional,
                evidence: f.evidence.clone(),
            }));
        }
        out
    }
}

/// What one [`grants`] computation asked the evaluator, and what it
/// answered. Everything else that computation does is a function of the
/// policy set, the catalog, the classifier, the principal's account and
/// these answers alone: another principal of the same account under the
/// same policy set whose evaluator gives the same answers to the same
/// questions goes through the same steps, so it has the same grants (it
/// may be asked nothing else: each step, and so each next question, is
/// the same as here).
#[derive(Debug)]
pub struct Asked {
    account: String,
    questions: Vec<Question>,
}

#[derive(Debug)]
struct Question {
    action: String,
    resource: String,
    kms: bool,
    /// The resource's account when it is another than the principal's.
    cross: Option<String>,
    decided: Decided,
}

impl Asked {
    /// Whether `input` gets the same answers to every question; `input`
    /// must hold the policy set, catalog and classifier these were asked
    /// under (then its grants are those of the computation that asked).
    pub fn same_answers(&self, input: &ReachInput) -> bool {
        if input.principal.account != self.account {
            return false;
        }
        let mut kms_set: Option<PolicySet> = None;
        self.questions.iter().all(|q| {
            let set = if q.kms {
                kms_set.get_or_insert_with(|| with_key_policy(input.set, &self.account))
            } else {
                input.set
            };
            decide(
                set,
                input,
                &self.account,
                &q.action,
                &q.resource,
                q.kms,
                q.cross.as_deref(),
            ) == q.decided
        })
    }
}

/// The set with the assumed default key policy as its resource policy.
fn with_key_policy(set: &PolicySet, account: &str) -> PolicySet {
    let mut s = set.clone();
    s.resource = default_key_policy(account);
    s
}

/// The evaluator's answer for one action on one resource, as a grant
/// would carry it.
fn decide(
    set: &PolicySet,
    input: &ReachInput,
    account: &str,
    action: &str,
    resource: &str,
    kms: bool,
    cross: Option<&str>,
) -> Decided {
    let req = Request {
        principal: input.principal,
        action,
        resource,
        resource_account: Some(account),
        context: input.context,
    };
    let ev = evaluate(set, &req);
    let conditional = match ev.decision {
        Decision::Allowed => false,
        Decision::Conditional => true,
        Decision::ImplicitDeny | Decision::ExplicitDeny => return None,
    };
    let mut evidence = evidence_of(&ev);
    if kms {
        evidence.push_str(" (assuming the default key policy)");
    }
    if let Some(acct) = cross {
        evidence.push_str(&format!(
            " (cross-account: also needs a resource policy in {acct})"
        ));
    }
    Some((conditional, evidence.into()))
}

/// [`grants`], and the questions it asked.
pub fn grants_asked(input: &ReachInput) -> (Granted, Asked) {
    let account = input.principal.account.clone();
    let kms_set = with_key_policy(input.set, &account);
    let table = input.classifier.action_table(input.catalog);
    // The evaluator's answer depends on the action only through which
    // statements' Action/NotAction match it (and, for the trust-policy and
    // KMS rules, its service). Actions with the same match pattern get the
    // same decision on the same resource: evaluate each pattern once.
    let specs: Vec<&ActionSpec> = all_specs(input.set);
    let kms_specs: Vec<&ActionSpec> = all_specs(&kms_set);
    let bits: Vec<std::sync::Arc<SpecBits>> = specs.iter().map(|s| table.spec_bits(s)).collect();
    let kms_bits: Vec<std::sync::Arc<SpecBits>> =
        kms_specs.iter().map(|s| table.spec_bits(s)).collect();

    // Identity Allows (spec index, resources) and the boundary Allows that
    // name narrower resources; resources interned in sorted order so that
    // sorted ids visit them as a BTreeSet<String> would.
    let mut ident: Vec<(usize, Vec<String>)> = Vec::new();
    let mut bound: Vec<(usize, Vec<String>)> = Vec::new();
    let mut k = 0usize;
    for p in &input.set.identity {
        for st in p.statements.iter() {
            if st.effect == Effect::Allow {
                ident.push((k, resources_of(&st.resource)));
            }
            k += 1;
        }
    }
    for p in &input.set.boundaries {
        for st in p.statements.iter() {
            if st.effect == Effect::Allow {
                let rs: Vec<String> = resources_of(&st.resource)
                    .into_iter()
                    .filter(|r| r != "*")
                    .collect();
                if !rs.is_empty() {
                    bound.push((k, rs));
                }
            }
            k += 1;
        }
    }
    let names: Vec<String> = ident
        .iter()
        .chain(bound.iter())
        .flat_map(|(_, rs)| rs.iter().cloned())
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let rid = |r: &str| names.binary_search_by(|n| n.as_str().cmp(r)).unwrap_or(0) as u32;
    let ident: Vec<(usize, Vec<u32>)> = ident
        .into_iter()
        .map(|(k, rs)| (k, rs.iter().map(|r| rid(r)).collect()))
        .collect();
    let bound: Vec<(usize, Vec<u32>)> = bound
        .into_iter()
        .map(|(k, rs)| (k, rs.iter().map(|r| rid(r)).collect()))
        .collect();

    // Candidate actions: the union of the identity Allows' bit sets, plus
    // the literal names the catalog does not know.
    let mut union = vec![0u64; table.words()];
    let mut extras: BTreeSet<&str> = BTreeSet::new();
    for (k, _) in &ident {
        for (u, w) in union.iter_mut().zip(bits[*k].bits.iter()) {
            *u |= *w;
        }
        extras.extend(bits[*k].extras.iter().map(|e| e.as_str()));
    }

    // Per resource id: the account its ARN names when concrete (a wildcard
    // or missing account means "this account" for an audit of this
    // account's principals; a concrete other account is cross-account: the
    // identity side is evaluated here, the other account's resource policy
    // is unknown).
    let res_accts: Vec<Option<&str>> = names
        .iter()
        .map(|r| arn_account(r).filter(|a| !a.is_empty() && !a.contains(['*', '?'])))
        .collect();

    // Masks are interned: equal masks get the same id (the ids themselves
    // only name the classes of equal masks).
    let mut masks = Masks::default();
    let mut mask_resources: Vec<Option<Vec<u32>>> = Vec::new();
    let mut scratch = vec![0u64; mask_words(bits.len())];
    let mut word_masks = WordMasks::default();
    let mut kms_scratch = vec![0u64; mask_words(kms_bits.len())];
    let mut memo: crate::fasthash::FastMap<(u8, u32, u32), Decided> = Default::default();
    let mut questions: Vec<Question> = Vec::new();
    let mut out: Vec<Found> = Vec::new();
    let mut found: Vec<Found> = Vec::new();
    let mut extra_list: Vec<(String, std::sync::Arc<Class>)> = Vec::new();
    // Plain writes and reads are summarised per service: after
    // SUMMARY_LIMIT allowed actions on one resource the rest of that
    // service's plain writes/reads are not evaluated (`*` alone is 22,000
    // actions). Destroy, escalate, secrets and data reads are all evaluated.
    let mut summarised: crate::fasthash::FastMap<SummaryKey, usize> = Default::default();
    // Per (service, category): how many resources have reached the limit;
    // when all of them have, a summarised action of that pair yields
    // nothing and is passed over without computing its mask.
    let mut full = PerService::default();
    // Services of extras the table does not use, numbered after its own.
    let mut extra_services: crate::fasthash::FastMap<&str, u32> = Default::default();
    let mut extra_rs: Vec<u32> = Vec::new();

    // Table ids (byte order of names) merged with the extras, in order.
    let mut ids = union.iter().enumerate().flat_map(|(wi, &w)| {
        let mut w = w;
        std::iter::from_fn(move || {
            if w == 0 {
                return None;
            }
            let b = w.trailing_zeros() as usize;
            w &= w - 1;
            Some(wi * 64 + b)
        })
    });
    let mut extras = extras.into_iter().peekable();
    let mut next_id = ids.next();
    loop {
        // Which comes first: the next table action or the next extra.
        let take_extra = match (next_id, extras.peek()) {
            (None, None) => break,
            (None, Some(_)) => true,
            (Some(_), None) => false,
            (Some(i), Some(e)) => *e < table.entries[i].name.as_str(),
        };
        let extra_name;
        let extra_lower;
        let extra_class;
        let action_id: u32;
        // `category`: the action's, read once (the class is elsewhere in
        // memory, and the loop below reads it for every resource).
        let (action, lower, category, summary, svc, resources, mask_id): (
            &str,
            &str,
            Category,
            bool,
            u32,
            &[u32],
            u32,
        );
        if take_extra {
            extra_name = extras.next().unwrap_or_default();
            extra_lower = extra_name.to_ascii_lowercase();
            extra_class = input.classifier.classify_shared(extra_name, input.catalog);
            extra_list.push((extra_name.to_string(), extra_class.clone()));
            action_id = (table.entries.len() + extra_list.len() - 1) as u32;
            let l = extra_lower.as_str();
            let m = action_mask(&specs, l);
            extra_rs.clear();
            for (k, r) in &ident {
                if bits[*k].extras.iter().any(|e| e == extra_name) {
                    extra_rs.extend(r);
                }
            }
            for (k, r) in &bound {
                if m.has(*k) {
                    extra_rs.extend(r);
                }
            }
            extra_rs.sort_unstable();
            extra_rs.dedup();
            let kms = l.starts_with("kms:");
            let mid = if kms {
                intern(&mut masks, &action_mask(&kms_specs, l).0)
            } else {
                intern(&mut masks, &m.0)
            };
            let service = extra_name.split(':').next().unwrap_or("");
            svc = table.service_id(service).unwrap_or_else(|| {
                let n = table.services() + extra_services.len() as u32;
                *extra_services.entry(service).or_insert(n)
            });
            action = extra_name;
            summary = !concrete(extra_class.category) && !extra_class.data;
            category = extra_class.category;
            lower = l;
            resources = &extra_rs;
            mask_id = mid;
        } else {
            let i = next_id.unwrap_or_default();
            next_id = ids.next();
            let e = &table.entries[i];
            action_id = i as u32;
            if e.summary && {
                let n = full.get(e.svc, e.category);
                n > 0 && n >= names.len()
            } {
                continue;
            }
            word_masks.fill(&bits, i, &mut scratch);
            let mid = intern(&mut masks, &scratch);
            let mi = mid as usize;
            if mask_resources.len() <= mi {
                mask_resources.resize(mi + 1, None);
            }
            let m = &scratch;
            resources = mask_resources[mi].get_or_insert_with(|| {
                let mut rs: Vec<u32> = Vec::new();
                for (k, r) in ident.iter().chain(bound.iter()) {
                    if mask_has(m, *k) {
                        rs.extend(r);
                    }
                }
                rs.sort_unstable();
                rs.dedup();
                rs
            });
            action = e.name.as_str();
            lower = e.lower.as_str();
            category = e.category;
            summary = e.summary;
            svc = e.svc;
            mask_id = if e.pclass == 2 {
                fill_mask(&kms_bits, i, &mut kms_scratch);
                intern(&mut masks, &kms_scratch)
            } else {
                mid
            };
        }
        let pclass = prefix_class(lower);
        let kms = lower.starts_with("kms:");
        let set = if kms { &kms_set } else { input.set };
        found.clear();
        for &ri in resources {
            let resource = names[ri as usize].as_str();
            let key = (svc, category, ri);
            if summary && summarised.get(&key).copied().unwrap_or(0) >= SUMMARY_LIMIT {
                continue;
            }
            let res_acct = res_accts[ri as usize];
            let cross = res_acct.is_some_and(|a| a != account);
            let decided = memo.entry((pclass, mask_id, ri)).or_insert_with(|| {
                let cross = cross.then(|| res_acct.unwrap_or_default());
                let decided = decide(set, input, &account, action, resource, kms, cross);
                questions.push(Question {
                    action: action.to_string(),
                    resource: resource.to_string(),
                    kms,
                    cross: cross.map(str::to_string),
                    decided: decided.clone(),
                });
                decided
            });
            let Some((conditional, evidence)) = decided.clone() else {
                continue;
            };
            if summary {
                let n = summarised.entry(key).or_default();
                *n += 1;
                if *n == SUMMARY_LIMIT {
                    full.bump(svc, category);
                }
            }
            found.push(Found {
                action: action_id,
                resource: ri,
                conditional: conditional || cross,
                evidence,
            });
        }
        let every = |f: &Found| names[f.resource as usize] == "*";
        if found.iter().any(|f| every(f) && !f.conditional) {
            found.retain(every);
        }
        out.append(&mut found);
    }
    let granted = Granted {
        table,
        extras: extra_list,
        resources: names,
        found: out,
    };
    (granted, Asked { account, questions })
}

/// A memoised decision: `None` denied, else (conditional, evidence).
type Decided = Option<(bool, std::sync::Arc<str>)>;

/// Words of a mask over `n` specs.
fn mask_words(n: usize) -> usize {
    n.div_ceil(64).max(1)
}

/// Which specs' bit sets hold action `id`, written into `words` (of
/// [`mask_words`] length).
fn fill_mask(bits: &[std::sync::Arc<SpecBits>], id: usize, words: &mut [u64]) {
    words.fill(0);
    for (i, b) in bits.iter().enumerate() {
        if b.has(id) {
            words[i / 64] |= 1 << (i % 64);
        }
    }
}

/// The masks of 64 actions at a time (those of one word of the table's
/// bit sets), for policy sets of at most 64 specs: read spec by spec, a
/// word at a time, rather than every spec for every action.
#[derive(Default)]
struct WordMasks {
    /// The word the masks are of, plus one (0: none yet).
    word: usize,
    masks: Vec<u64>,
}

impl WordMasks {
    /// `fill_mask`, the same answer.
    fn fill(&mut self, bits: &[std::sync::Arc<SpecBits>], id: usize, words: &mut [u64]) {
        if bits.len() > 64 || words.len() != 1 {
            return fill_mask(bits, id, words);
        }
        let word = id / 64;
        if self.word != word + 1 {
            self.word = word + 1;
            self.masks.clear();
            self.masks.resize(64, 0);
            for (k, b) in bits.iter().enumerate() {
                let mut w = b.bits.get(word).copied().unwrap_or(0);
                while w != 0 {
                    self.masks[w.trailing_zeros() as usize] |= 1 << k;
                    w &= w - 1;
                }
            }
        }
        words[0] = self.masks[id % 64];
    }
}

fn mask_has(words: &[u64], i: usize) -> bool {
    words
        .get(i / 64)
        .is_some_and(|w| w & (1u64 << (i % 64)) != 0)
}

/// Ids of masks: equal masks, equal ids. Most policy sets have at most 64
/// statements, so most masks are one word, kept apart to be hashed as a
/// word rather than as a vector.
#[derive(Default)]
struct Masks {
    one: crate::fasthash::FastMap<u64, u32>,
    more: crate::fasthash::FastMap<Vec<u64>, u32>,
}

/// The id of a mask.
fn intern(masks: &mut Masks, m: &[u64]) -> u32 {
    let next = (masks.one.len() + masks.more.len()) as u32;
    if let [w] = m {
        return *masks.one.entry(*w).or_insert(next);
    }
    if let Some(&id) = masks.more.get(m) {
        return id;
    }
    masks.more.insert(m.to_vec(), next);
    next
}

/// A count per (service id, category), in a dense table: it is read for
/// every candidate action.
#[derive(Default)]
struct PerService(Vec<usize>);

impl PerService {
    fn slot(svc: u32, category: Category) -> usize {
        let c = match category {
            Category::Read => 0,
            Category::Write => 1,
            Category::Secrets => 2,
            Category::Escalate => 3,
            Category::Destroy => 4,
        };
        svc as usize * 5 + c
    }

    fn get(&self, svc: u32, category: Category) -> usize {
        self.0.get(Self::slot(svc, category)).copied().unwrap_or(0)
    }

    fn bump(&mut self, svc: u32, category: Category) {
        let i = Self::slot(svc, category);
        if i >= self.0.len() {
            self.0.resize(i + 1, 0);
        }
        self.0[i] += 1;
    }
}

/// Which of `specs` match a lowercased action: a bit set (policy sets with
/// more than 64 statements spill into further words).
fn action_mask(specs: &[&ActionSpec], action_lower: &str) -> Mask {
    let mut words = vec![0u64; mask_words(specs.len())];
    for (i, sp) in specs.iter().enumerate() {
        if spec_matches(sp, action_lower) {
            words[i / 64] |= 1 << (i % 64);
        }
    }
    Mask(words)
}

struct Mask(Vec<u64>);

impl Mask {
    fn has(&self, i: usize) -> bool {
        mask_has(&self.0, i)
    }
}

/// Every Action/NotAction of a policy set, in a fixed order.
fn all_specs(set: &PolicySet) -> Vec<&ActionSpec> {
    let mut out = Vec::new();
    let policies = set
        .identity
        .iter()
        .chain(set.boundaries.iter())
        .chain(set.session.iter())
        .chain(set.scps.iter().flatten())
        .chain(set.rcps.iter().flatten())
        .chain(set.resource.iter());
    for p in policies {
        for st in p.statements.iter() {
            out.push(&st.action);
        }
    }
    out
}

/// The evaluator treats `sts:` and `kms:` actions specially (trust and key
/// policies must allow themselves).
fn prefix_class(action_lower: &str) -> u8 {
    if action_lower.starts_with("sts:") {
        1
    } else if action_lower.starts_with("kms:") {
        2
    } else {
        0
    }
}

fn spec_matches(spec: &ActionSpec, action_lower: &str) -> bool {
    match spec {
        ActionSpec::Action(list) => list.iter().any(|p| glob_lower(p, action_lower)),
        ActionSpec::NotAction(list) => !list.iter().any(|p| glob_lower(p, action_lower)),
    }
}

/// `*`/`?` matching of a lowercased action pattern against a lowercased
/// action, without allocating; non-ASCII input goes to the general matcher.
fn glob_lower(pattern: &str, text: &str) -> bool {
    if !pattern.is_ascii() || !text.is_ascii() {
        return simple_glob(pattern, text, true);
    }
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(b'?') => {
                pi += 1;
                ti += 1;
            }
            Some(c) if c.eq_ignore_ascii_case(&t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while p.get(pi) == Some(&b'*') {
        pi += 1;
    }
    pi == p.len()
}

/// How a principal's grants hold the backup actions (lowercased) that its
/// destroy grants name: whether some grant of each is unconditional,
/// whether some is conditional. Built in one pass over the grants, it
/// answers [`BackupUse::reversibility`] for every destroy entry.
pub(crate) struct BackupUse(crate::fasthash::FastMap<String, (bool, bool)>);

impl BackupUse {
    pub(crate) fn of(granted: &Granted) -> BackupUse {
        let mut backups: crate::fasthash::FastSet<String> = Default::default();
        // One action's grants are adjacent: its class is read once.
        for run in granted.found.chunk_by(|a, b| a.action == b.action) {
            let class = granted.class(run[0].action);
            if class.category == Category::Destroy {
                backups.extend(class.backups.iter().map(|b| b.to_ascii_lowercase()));
            }
        }
        // The backups by action id: grants are matched by number, not by
        // lowercasing every action's name.
        let names: Vec<String> = backups.into_iter().collect();
        let mut ids: crate::fasthash::FastMap<u32, usize> = Default::default();
        for (n, b) in names.iter().enumerate() {
            for id in granted.ids_of_lower(b) {
                ids.insert(id, n);
            }
        }
        let mut flags = vec![(false, false); names.len()];
        for f in &granted.found {
            if let Some(&n) = ids.get(&f.action) {
                flags[n].0 |= !f.conditional;
                flags[n].1 |= f.conditional;
            }
        }
        let held = names.into_iter().zip(flags).collect();
        BackupUse(held)
    }

    /// `Some(false)` when the grants also destroy the backups of what
    /// `actions` destroy (or the target is itself a backup), `Some(true)`
    /// when they clearly cannot, `None` when unknown (a conditional grant,
    /// or nothing is known about backups of these actions).
    ///
    /// The backups of `actions` must all be among those this was built for.
    pub(crate) fn reversibility(&self, actions: &[&Class]) -> Option<bool> {
        if actions.iter().any(|c| c.destroys_backups) {
            return Some(false);
        }
        let mut any = false;
        let mut conditional = false;
        for b in actions.iter().flat_map(|c| c.backups.iter()) {
            any = true;
            let (unconditional, cond) = self
                .0
                .get(&b.to_ascii_lowercase())
                .copied()
                .unwrap_or_default();
            if unconditional {
                return Some(false);
            }
            conditional |= cond;
        }
        match (any, conditional) {
            (false, _) | (true, true) => None,
            (true, false) => Some(true),
        }
    }
}

/// True for the categories the contract wants listed action by action.
pub fn concrete(category: Category) -> bool {
    matches!(
        category,
        Category::Destroy | Category::Escalate | Category::Secrets
    )
}

/// A principal's grants indexed by lowercased action: the escalation
/// checks ask "may it do X on Y" for many Y.
#[derive(Debug, Clone, Default)]
pub struct GrantIndex {
    pub list: Vec<Grant>,
    /// Lowercased action -> its range of `order`.
    by_action: crate::fasthash::FastMap<String, (usize, usize)>,
    /// Indices into `list`, grouped by lowercased action, in list order
    /// within a group.
    order: Vec<usize>,
}

impl GrantIndex {
    pub fn new(list: Vec<Grant>) -> GrantIndex {
        // Grants of one action are usually adjacent: one key per run.
        let mut runs: Vec<(usize, usize, usize)> = Vec::new();
        let mut start = 0;
        while start < list.len() {
            let action = &list[start].action;
            let end = start
                + list[start..]
                    .iter()
                    .take_while(|g| g.action == *action)
                    .count();
            runs.push((start, end, 0));
            start = end;
        }
        let mut by_action: crate::fasthash::FastMap<String, (usize, usize)> =
            crate::fasthash::FastMap::with_capacity_and_hasher(runs.len(), Default::default());
        // First the group of each run and the size of each group (kept in
        // the range's second field), then each group's place in `order`.
        let mut groups = 0;
        for run in runs.iter_mut() {
            let e = by_action
                .entry(list[run.0].action.to_ascii_lowercase())
                .or_insert_with(|| {
                    groups += 1;
                    (groups - 1, 0)
                });
            e.1 += run.1 - run.0;
            run.2 = e.0;
        }
        let mut first = vec![0usize; groups];
        let mut size = vec![0usize; groups];
        for &(g, n) in by_action.values() {
            size[g] = n;
        }
        let mut at = 0;
        for (f, n) in first.iter_mut().zip(size.iter()) {
            *f = at;
            at += n;
        }
        for v in by_action.values_mut() {
            *v = (first[v.0], first[v.0] + v.1);
        }
        let mut order = vec![0usize; list.len()];
        for &(s, e, g) in &runs {
            for i in s..e {
                order[first[g]] = i;
                first[g] += 1;
            }
        }
        GrantIndex {
            list,
            by_action,
            order,
        }
    }

    pub fn for_action<'s>(&'s self, action: &str) -> impl Iterator<Item = &'s Grant> + 's {
        let found = if action.bytes().any(|b| b.is_ascii_uppercase()) {
            self.by_action.get(&action.to_ascii_lowercase())
        } else {
            self.by_action.get(action)
        };
        let (a, b) = found.copied().unwrap_or((0, 0));
        self.order[a..b]
            .iter()
            .filter_map(move |&i| self.list.get(i))
    }

    pub fn has(&self, action: &str) -> bool {
        self.for_action(action).next().is_some()
    }

    /// A grant of `action` covering `arn`, unconditional ones first.
    pub fn covering(&self, action: &str, arn: &str) -> Option<&Grant> {
        let mut found = None;
        for g in self.for_action(action) {
            if g.covers(arn) {
                if !g.conditional {
                    return Some(g);
                }
                found.get_or_insert(g);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_masks_give_the_masks_spec_by_spec() {
        // Three specs over 200 actions: every third, a run, none.
        let spec = |f: &dyn Fn(usize) -> bool| {
            let mut bits = vec![0u64; 4];
            for id in (0..200).filter(|&i| f(i)) {
                bits[id / 64] |= 1 << (id % 64);
            }
            std::sync::Arc::new(SpecBits {
                bits,
                extras: Vec::new(),
            })
        };
        let bits = vec![
            spec(&|i| i % 3 == 0),
            spec(&|i| (60..130).contains(&i)),
            spec(&|_| false),
        ];
        let mut cache = WordMasks::default();
        for id in (0..200).chain([5, 199, 64]) {
            let (mut want, mut got) = ([0u64], [0u64]);
            fill_mask(&bits, id, &mut want);
            cache.fill(&bits, id, &mut got);
            assert_eq!(got, want, "action {id}");
        }
    }

    fn grant(action: &str, resource: &str) -> Grant {
        Grant {
            action: action.to_string(),
            class: std::sync::Arc::new(Classifier::embedded().classify(action, None)),
            resource: resource.to_string(),
            conditional: false,
            evidence: "test".into(),
        }
    }

    #[test]
    fn grant_index_groups_case_insensitively_in_list_order() {
        let list = vec![
            grant("s3:GetObject", "a"),
            grant("s3:GetObject", "b"),
            grant("iam:PassRole", "c"),
            grant("S3:getobject", "d"),
            grant("s3:GetObject", "e"),
        ];
        let index = GrantIndex::new(list);
        let of =
            |a: &str| -> Vec<&str> { index.for_action(a).map(|g| g.resource.as_str()).collect() };
        assert_eq!(of("s3:getobject"), ["a", "b", "d", "e"]);
        assert_eq!(of("S3:GETOBJECT"), ["a", "b", "d", "e"]);
        assert_eq!(of("iam:PassRole"), ["c"]);
        assert!(of("iam:passrol").is_empty());
        assert!(!index.has("kms:Decrypt"));
        assert!(GrantIndex::new(Vec::new())
            .for_action("s3:x")
            .next()
            .is_none());
        assert!(GrantIndex::default().for_action("s3:x").next().is_none());
    }

    /// Grants of alice under `doc`, attached as policy `name`.
    fn granted_by(doc: &serde_json::Value, name: &str) -> Granted {
        let set = PolicySet {
            identity: vec![parse_policy(doc, name).expect("policy")],
            ..PolicySet::default()
        };
        let principal = Principal::from_arn("arn:aws:iam::111122223333:user/alice");
        let input = ReachInput {
            set: &set,
            principal: &principal,
            context: &Context::partial(),
            catalog: crate::classify::default_catalog(),
            classifier: Classifier::embedded(),
        };
        grants_asked(&input).0
    }

    /// The entries of alice's grants, held directly (no hops).
    fn own_entries_of(granted: &Granted, listings: &Listings) -> Vec<blastradius_report::Reach> {
        let environments = std::collections::HashMap::new();
        let grouping = Grouping {
            account: "111122223333",
            environments: &environments,
            via: &[],
            via_conditional: false,
            listings,
        };
        group_reach(granted, &grouping)
    }

    /// Several resources, some actions on more than one, a condition.
    fn mixed_policy() -> serde_json::Value {
        serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:DeleteObject", "s3:GetObject", "s3:DeleteBucket"],
                 "Resource": ["arn:aws:s3:::backups/*", "arn:aws:s3:::logs/*"]},
                {"Effect": "Allow", "Action": ["rds:DeleteDBInstance", "ec2:DescribeInstances", "ec2:TerminateInstances"],
                 "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::logs/*",
                 "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
            ]
        })
    }

    #[test]
    fn entries_group_grants_by_category_and_resource_listing_the_worst_first() {
        let granted = granted_by(&mixed_policy(), "self");
        let grants = granted.grants(|_, _| true);
        // The grouping relies on grants coming in action-name order.
        assert!(grants.is_sorted_by(|a, b| a.action <= b.action));
        // What the entries must be, worked out from the written-out grants.
        type Key = (Category, String, bool, bool);
        let mut expected: BTreeMap<Key, Vec<(std::cmp::Reverse<u32>, String)>> = BTreeMap::new();
        for gr in &grants {
            let key = (
                gr.class.category,
                display_resource(&gr.resource, "111122223333"),
                gr.conditional,
                gr.class.data,
            );
            let action = (std::cmp::Reverse(gr.class.weight), gr.action.clone());
            expected.entry(key).or_default().push(action);
        }
        let entries = own_entries_of(&granted, &Listings::default());
        let got: BTreeMap<Key, Vec<String>> = entries
            .iter()
            .map(|r| {
                let key = (r.category, r.resource.clone(), r.conditional, r.data);
                (key, r.actions.to_vec())
            })
            .collect();
        assert_eq!(got.len(), entries.len(), "one entry per key");
        let expected: BTreeMap<Key, Vec<String>> = expected
            .into_iter()
            .map(|(k, mut actions)| {
                actions.sort();
                (k, actions.into_iter().map(|(_, a)| a).collect())
            })
            .collect();
        assert_eq!(got, expected);
        let resources: BTreeSet<&str> = entries.iter().map(|r| r.resource.as_str()).collect();
        assert!(resources.len() >= 3, "{resources:?}");
        let star = entries
            .iter()
            .find(|r| r.category == Category::Destroy && r.resource.starts_with("every resource"))
            .expect("a destroy entry on every resource");
        assert_eq!(star.actions.len(), 2, "{star:?}");
    }

    #[test]
    fn equal_lists_are_shared_but_each_entry_keeps_its_own_evidence() {
        // The same actions granted by two policies: one list, two evidences.
        let listings = Listings::default();
        let destroy = |name: &str| -> Vec<blastradius_report::Reach> {
            own_entries_of(&granted_by(&mixed_policy(), name), &listings)
                .into_iter()
                .filter(|r| r.category == Category::Destroy)
                .collect()
        };
        let (first, second) = (destroy("first-policy"), destroy("second-policy"));
        assert_eq!(first.len(), second.len());
        assert!(first.len() >= 3, "{first:?}");
        for (a, b) in first.iter().zip(&second) {
            assert!(a.actions.ptr_eq(&b.actions), "{a:?} / {b:?}");
            assert!(a.evidence.contains("first-policy"), "{}", a.evidence);
            assert!(b.evidence.contains("second-policy"), "{}", b.evidence);
        }
        // The two bucket entries list the same actions, shared too.
        let buckets: Vec<&blastradius_report::Reach> = first
            .iter()
            .filter(|r| r.resource.contains(":s3:::"))
            .collect();
        assert_eq!(buckets.len(), 2, "{first:?}");
        assert!(buckets[0].actions.ptr_eq(&buckets[1].actions));
    }

    /// Grants of `user` under one policy set naming `${aws:username}`.
    fn user_grants(set: &PolicySet, user: &str) -> (Vec<Grant>, Asked, Principal, Context) {
        let principal = Principal::from_arn(&format!("arn:aws:iam::111122223333:user/{user}"));
        let context = Context::partial().with("aws:username", user);
        let input = ReachInput {
            set,
            principal: &principal,
            context: &context,
            catalog: crate::classify::default_catalog(),
            classifier: Classifier::embedded(),
        };
        let (g, asked) = grants_asked(&input);
        (g.grants(|_, _| true), asked, principal, context)
    }

    fn summary(g: &[Grant]) -> Vec<(String, String, bool, String)> {
        g.iter()
            .map(|g| {
                let e = g.evidence.to_string();
                (g.action.clone(), g.resource.clone(), g.conditional, e)
            })
            .collect()
    }

    #[test]
    fn same_answers_means_same_grants_and_a_different_answer_is_seen() {
        let doc = serde_json::json!({
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "iam:CreateAccessKey"],
                 "Resource": ["arn:aws:s3:::shared/*", "arn:aws:iam::*:user/${aws:username}"]},
                {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:username": "alice"}}}
            ]
        });
        let set = PolicySet {
            identity: vec![parse_policy(&doc, "self").expect("policy")],
            ..PolicySet::default()
        };
        let (alice, asked, ..) = user_grants(&set, "alice");
        let (bob, _, bob_principal, bob_context) = user_grants(&set, "bob");
        let (carol, _, carol_principal, carol_context) = user_grants(&set, "carol");
        let input = |principal, context| ReachInput {
            set: &set,
            principal,
            context,
            catalog: crate::classify::default_catalog(),
            classifier: Classifier::embedded(),
        };
        // Alice may put objects, Bob may not: an answer differs.
        assert_ne!(summary(&alice), summary(&bob));
        assert!(!asked.same_answers(&input(&bob_principal, &bob_context)));
        // Bob and Carol answer alike, and have the same grants.
        let (_, bob_asked, ..) = user_grants(&set, "bob");
        assert!(bob_asked.same_answers(&input(&carol_principal, &carol_context)));
        assert_eq!(summary(&bob), summary(&carol));
    }
}
