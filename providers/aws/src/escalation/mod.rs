//! The principal -> principal escalation graph (PMapper's edge types, built
//! from indexes so the cost grows with the edges, not with every pair).
//!
//! - `sts:AssumeRole`: the target's trust policy and the caller's identity
//!   side must allow (same-account trust naming the caller's ARN grants on
//!   its own: IAM User Guide, "Policy evaluation logic"). Trust policies are
//!   indexed by the principals they name; account-root and `*` trusts are
//!   considered only for callers holding an `sts:AssumeRole` grant that
//!   covers the role.
//! - `iam:PassRole` to a role a compute service may assume, with that
//!   service's run-code actions (table `[[passrole]]`).
//! - `iam:CreateAccessKey` / `CreateLoginProfile` / `UpdateLoginProfile` on a
//!   user; `iam:UpdateAssumeRolePolicy` on a role.
//! - Self-editable policies make a principal admin-equivalent.

use std::sync::Arc;

use crate::classify::Classifier;
use crate::context::Context;
use crate::eval::{evaluate, Decision, Evaluation, PolicySet, Principal, Request};
use crate::fasthash::{FastMap, FastSet};
use crate::policy::pattern::{glob_match, simple_glob, Resolved, TokOut};
use crate::policy::{
    ActionSpec, Effect, Policy, PrincipalId, PrincipalSpec, ResourceSpec, Statement, Template,
};
use crate::reach::{evidence_of, GrantIndex};

/// What the graph needs to know about one principal.
pub struct NodeView<'a> {
    pub arn: &'a str,
    /// Index of its distinct policy combination: principals with the same
    /// one share the edges that do not name them.
    pub sig: usize,
    /// The first policy combination of its family: the same documents
    /// but for the principal (IAM users whose policies name
    /// `${aws:username}`); its own `sig` when alone.
    pub family: usize,
    pub account: &'a str,
    pub is_user: bool,
    pub principal: &'a Principal,
    pub set: &'a PolicySet,
    pub grants: &'a GrantIndex,
    pub context: &'a Context,
    /// Customer managed policies attached to it (directly or by a group).
    pub attached: &'a [String],
    /// Group ARNs it belongs to (users).
    pub group_arns: &'a [String],
    /// The role's trust policy (roles).
    pub trust: Option<&'a Policy>,
}

#[derive(Debug, Clone)]
pub struct Edge {
    /// The target principal's index.
    pub to: u32,
    /// `sts:AssumeRole -> arn:aws:iam::1:role/x`, as an index of
    /// [`Graph::text`]: a large account has a million edges and a few
    /// thousand distinct hops and evidence lines.
    pub hop: u32,
    pub evidence: u32,
    pub conditional: bool,
}

impl Edge {
    pub fn target(&self) -> usize {
        self.to as usize
    }
}

/// A way a principal can give itself any permission.
#[derive(Debug, Clone)]
pub struct AdminPath {
    pub action: String,
    pub resource: String,
    pub conditional: bool,
    pub evidence: String,
}

#[derive(Debug, Default)]
pub struct Graph {
    /// Edges from trust policies naming the principal's ARN (already merged
    /// with its generic edges: a generic unconditional edge to the same
    /// target replaces a conditional one).
    pub specific: Vec<Vec<Edge>>,
    /// The edges every principal of one (policy combination, account) has,
    /// stored once; `class[i]` indexes it.
    pub generic: Vec<Vec<Edge>>,
    pub class: Vec<usize>,
    pub admin: Vec<Vec<AdminPath>>,
    /// Some trust policy names this principal's ARN: its edges are its own,
    /// not those of every principal with the same policies.
    pub named: Vec<bool>,
    /// The hop and evidence lines edges refer to.
    pub texts: Texts,
}

impl Graph {
    /// A hop or evidence line of an edge.
    pub fn text(&self, id: u32) -> &str {
        self.texts.list.get(id as usize).map_or("", |t| t)
    }

    /// The edges of principal `i`, one per target, in the order they were
    /// found: those of trusts naming it, then (with `generic`) its class's.
    pub fn edges_of(&self, i: usize, generic: bool) -> EdgesOf<'_> {
        let specific = self.specific.get(i).map(Vec::as_slice).unwrap_or(&[]);
        let generic = match self.class.get(i).and_then(|&c| self.generic.get(c)) {
            Some(g) if generic => g.as_slice(),
            _ => &[],
        };
        EdgesOf {
            at: i,
            specific,
            generic,
        }
    }
}

/// One principal's edges, read by index: a walk of a large account reads
/// some 500 million of them.
pub struct EdgesOf<'g> {
    at: usize,
    specific: &'g [Edge],
    generic: &'g [Edge],
}

impl<'g> EdgesOf<'g> {
    /// How many indexes there are (some may hold no edge).
    pub fn len(&self) -> usize {
        self.specific.len() + self.generic.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Edge `k`; `None` for a class edge to the principal itself or to a
    /// target a trust naming it already gives.
    pub fn get(&self, k: usize) -> Option<&'g Edge> {
        if let Some(e) = self.specific.get(k) {
            return Some(e);
        }
        let e = self.generic.get(k - self.specific.len())?;
        let shadowed = e.target() == self.at || self.specific.iter().any(|s| s.to == e.to);
        (!shadowed).then_some(e)
    }
}

/// Keep one edge per target, in first-found order; an unconditional edge
/// replaces a conditional one in place. `seen[t]` is 1 + the index of the
/// edge to `t`, 0 for none (reset by `take_edges`).
fn push_edge(edges: &mut Vec<Edge>, seen: &mut [usize], e: Edge) {
    match seen[e.target()] {
        0 => {
            seen[e.target()] = edges.len() + 1;
            edges.push(e);
        }
        k if edges[k - 1].conditional && !e.conditional => edges[k - 1] = e,
        _ => {}
    }
}

/// A class's `sts:AssumeRole` edges to the roles that trust its account (or
/// anyone), and every answer that decided them. Another class of the same
/// family whose answers to the same questions are the same gets the same
/// edges without checking every role again (the grants share work the
/// same way: `reach::Asked`): without this, every IAM user of a large
/// account checks every role.
struct AssumeRecord {
    /// The ids of the `sts:AssumeRole` grant patterns: which targets are
    /// covered.
    grants: Vec<u32>,
    /// (target, its extra mask), for every target checked.
    extras: Vec<(usize, u64)>,
    /// (cache key, the target it was evaluated on, the outcome).
    evaluated: Vec<(AssumeKey, usize, AssumeOutcome)>,
    edges: Vec<Edge>,
}

/// (trust content, target key, extra mask).
type AssumeKey = (usize, u32, u64);
/// Allowed (conditionally or not) with the evaluation's id, or not.
type AssumeOutcome = Option<(bool, u32)>;

/// The edges gathered in `scratch`, moved to a vector of their exact size
/// (`scratch` keeps its capacity for the next list, so the lists do not
/// grow by doubling), with their `seen` slots cleared.
fn take_edges(scratch: &mut Vec<Edge>, seen: &mut [usize]) -> Vec<Edge> {
    for e in scratch.iter() {
        seen[e.target()] = 0;
    }
    let mut out = Vec::with_capacity(scratch.len());
    out.append(scratch);
    out
}

/// Hop strings, one per (kind of edge, target): built on first use, then
/// cloned for every class with the same edge.
struct Hops {
    built: Vec<Option<u32>>,
}

impl Hops {
    fn new(n: usize) -> Hops {
        Hops {
            built: vec![None; n],
        }
    }

    fn get(&mut self, t: usize, texts: &mut Texts, make: impl FnOnce() -> String) -> u32 {
        *self.built[t].get_or_insert_with(|| texts.push(make().into()))
    }
}

/// Hop and evidence lines, each held once; edges refer to them by index.
#[derive(Debug, Default)]
pub struct Texts {
    list: Vec<Arc<str>>,
    /// By the address of the shared line: evidence is computed once per
    /// distinct outcome and shared already.
    by_ptr: FastMap<usize, u32>,
}

impl Texts {
    fn push(&mut self, text: Arc<str>) -> u32 {
        self.list.push(text);
        (self.list.len() - 1) as u32
    }

    fn shared(&mut self, text: &Arc<str>) -> u32 {
        let key = Arc::as_ptr(text) as *const u8 as usize;
        if let Some(&id) = self.by_ptr.get(&key) {
            return id;
        }
        let id = self.push(text.clone());
        self.by_ptr.insert(key, id);
        id
    }
}

/// Credentials of a user others can mint or reset.
const CREDENTIALS: [&str; 3] = [
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
];
/// The actions whose grants the edges need.
const ACTIONS: [&str; 6] = [
    "sts:AssumeRole",
    "iam:PassRole",
    "iam:UpdateAssumeRolePolicy",
    CREDENTIALS[0],
    CREDENTIALS[1],
    CREDENTIALS[2],
];
/// Self-edits: a user's, a role's, a customer managed policy's, a group's.
const USER_SELF_EDIT: [&str; 2] = ["iam:PutUserPolicy", "iam:AttachUserPolicy"];
const ROLE_SELF_EDIT: [&str; 2] = ["iam:PutRolePolicy", "iam:AttachRolePolicy"];
const POLICY_SELF_EDIT: &str = "iam:CreatePolicyVersion";
const GROUP_SELF_EDIT: [&str; 2] = ["iam:PutGroupPolicy", "iam:AttachGroupPolicy"];

/// Whether [`build`] looks at grants of `action` (case-insensitive): the
/// grants of any other action can be left out of the [`NodeView`]s.
pub fn queries(action: &str, classifier: &Classifier) -> bool {
    let is = |a: &str| a.eq_ignore_ascii_case(action);
    ACTIONS.iter().any(|a| is(a))
        || USER_SELF_EDIT.iter().any(|a| is(a))
        || ROLE_SELF_EDIT.iter().any(|a| is(a))
        || is(POLICY_SELF_EDIT)
        || GROUP_SELF_EDIT.iter().any(|a| is(a))
        || classifier
            .passrole
            .iter()
            .any(|r| r.actions.iter().any(|a| is(a)))
}

/// Every Resource/NotResource template of a policy.
fn policy_templates(p: &Policy) -> impl Iterator<Item = &Template> + '_ {
    p.statements.iter().flat_map(|st| match &st.resource {
        Some(ResourceSpec::Resource(l)) | Some(ResourceSpec::NotResource(l)) => l.as_slice(),
        None => &[],
    })
}

/// Every Resource/NotResource template of a set's policies, its resource
/// policy included: with the action, the caller and its context fixed, the
/// evaluator's answer depends on the resource ARN only through which of
/// them (and of the resource policy's) match it, the ARN's account and
/// whether it names a role or a KMS key (`eval::evaluate`).
fn templates(set: &PolicySet) -> impl Iterator<Item = &Template> + '_ {
    set.identity
        .iter()
        .chain(set.boundaries.iter())
        .chain(set.session.iter())
        .chain(set.scps.iter().flatten())
        .chain(set.rcps.iter().flatten())
        .chain(set.resource.iter())
        .flat_map(policy_templates)
}

/// A template whose meaning depends on the context (a policy variable, or
/// an escape that `simple_glob` would read as text).
fn contextual(t: &Template) -> bool {
    t.raw().contains("${")
}

/// The parts of a resource ARN the evaluator reads besides the patterns:
/// its account (`arn_account`) and whether it is a role or a KMS key
/// (`must_allow_explicitly`).
fn arn_facts(arn: &str) -> (Option<&str>, bool, bool) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 {
        return (None, false, false);
    }
    let account = (parts[0] == "arn" && !parts[4].is_empty()).then_some(parts[4]);
    (
        account,
        parts[2] == "iam" && parts[5].starts_with("role/"),
        parts[2] == "kms" && parts[5].starts_with("key/"),
    )
}

/// Every plain pattern (policy resources without variables, grant
/// resources) of the account, each matched once against each principal's
/// ARN with `simple_glob` (what `Grant::covers` and, for such patterns, the
/// evaluator use). Principals whose ARNs match the same patterns and share
/// the ARN facts and account get one key: any check whose patterns are
/// among these gives them the same answer.
struct TargetKeys<'a> {
    ids: FastMap<&'a str, u32>,
    words: usize,
    /// Per key, which patterns match.
    bits: Vec<Vec<u64>>,
    /// Per principal, its key.
    of: Vec<u32>,
}

impl<'a> TargetKeys<'a> {
    fn new(patterns: Vec<&'a str>, nodes: &[NodeView<'a>]) -> TargetKeys<'a> {
        let mut ids: FastMap<&'a str, u32> = FastMap::default();
        let mut list: Vec<&'a str> = Vec::new();
        for p in patterns {
            ids.entry(p).or_insert_with(|| {
                list.push(p);
                list.len() as u32 - 1
            });
        }
        // Patterns by the text before their first wildcard: a match needs
        // the ARN to start with it (resources match case-sensitively). An
        // ARN looks its heads of those lengths up, rather than comparing
        // with every pattern (hundreds, mostly of a few lengths).
        let mut by_prefix: FastMap<&str, Vec<usize>> = FastMap::default();
        for (k, p) in list.iter().enumerate() {
            let prefix = &p[..p.find(['*', '?']).unwrap_or(p.len())];
            by_prefix.entry(prefix).or_default().push(k);
        }
        let mut lengths: Vec<usize> = by_prefix.keys().map(|p| p.len()).collect();
        lengths.sort_unstable();
        lengths.dedup();
        let words = list.len().div_ceil(64);
        type Key<'k> = (Vec<u64>, Option<&'k str>, bool, bool, &'k str);
        let mut keys: FastMap<Key<'a>, u32> = FastMap::default();
        let mut bits: Vec<Vec<u64>> = Vec::new();
        let of = nodes
            .iter()
            .map(|n| {
                let mut b = vec![0u64; words];
                // (`get` is `None` past the end or inside a character.)
                let heads = lengths.iter().filter_map(|&len| n.arn.get(..len));
                for k in heads.filter_map(|h| by_prefix.get(h)).flatten() {
                    if simple_glob(list[*k], n.arn, false) {
                        b[k / 64] |= 1 << (k % 64);
                    }
                }
                let (acct, role, key) = arn_facts(n.arn);
                let next = bits.len() as u32;
                *keys
                    .entry((b.clone(), acct, role, key, n.account))
                    .or_insert_with(|| {
                        bits.push(b);
                        next
                    })
            })
            .collect();
        TargetKeys {
            ids,
            words,
            bits,
            of,
        }
    }

    fn matches(&self, key: u32, pattern: u32) -> bool {
        let p = pattern as usize;
        debug_assert!(p / 64 < self.words);
        self.bits[key as usize][p / 64] & (1 << (p % 64)) != 0
    }
}

/// Names the trust policy while its answer is cached for every role with
/// the same statements; replaced by the role's own trust policy name in
/// the evidence. Classes having a policy of this name are not cached.
const TRUST_PLACEHOLDER: &str = "\u{0}trust policy\u{0}";

fn check(n: &NodeView, set: &PolicySet, action: &str, resource: &str) -> Option<(bool, Arc<str>)> {
    let req = Request {
        principal: n.principal,
        action,
        resource,
        resource_account: None,
        context: n.context,
    };
    let ev = evaluate(set, &req);
    match ev.decision {
        Decision::Allowed => Some((false, evidence_of(&ev).into())),
        Decision::Conditional => Some((true, evidence_of(&ev).into())),
        _ => None,
    }
}

/// Principals a trust policy names in an Allow of `sts:AssumeRole`.
enum Trusted {
    Arn(String),
    Account(String),
    Anyone,
    Service(String),
}

fn trusted(policy: &Policy) -> Vec<Trusted> {
    let mut out = Vec::new();
    for s in policy.statements.iter() {
        if s.effect != Effect::Allow {
            continue;
        }
        let assumes = match &s.action {
            ActionSpec::Action(l) => l.iter().any(|p| simple_glob(p, "sts:assumerole", true)),
            ActionSpec::NotAction(l) => !l.iter().any(|p| simple_glob(p, "sts:assumerole", true)),
        };
        if !assumes {
            continue;
        }
        match &s.principal {
            Some(PrincipalSpec::Principal(ids)) => {
                for id in ids {
                    out.push(match id {
                        PrincipalId::Any => Trusted::Anyone,
                        PrincipalId::Aws(v) => {
                            if v.chars().all(|c| c.is_ascii_digit()) {
                                Trusted::Account(v.clone())
                            } else if let Some(acct) =
                                v.strip_suffix(":root").and_then(|r| r.rsplit(':').next())
                            {
                                Trusted::Account(acct.to_string())
                            } else {
                                Trusted::Arn(v.clone())
                            }
                        }
                        PrincipalId::Service(s) => Trusted::Service(s.to_ascii_lowercase()),
                        _ => continue,
                    });
                }
            }
            // NotPrincipal with Allow: everyone not listed.
            Some(PrincipalSpec::NotPrincipal(_)) => out.push(Trusted::Anyone),
            None => {}
        }
    }
    out
}

/// Build the graph over `nodes` (users and roles).
pub fn build<'a>(nodes: &[NodeView<'a>], classifier: &Classifier) -> Graph {
    let mut by_arn: FastMap<String, Vec<usize>> = FastMap::default();
    let mut by_account: FastMap<String, Vec<usize>> = FastMap::default();
    let mut anyone: Vec<usize> = Vec::new();
    let mut by_service: FastMap<String, Vec<usize>> = FastMap::default();
    let mut users: Vec<usize> = Vec::new();
    let mut roles: Vec<usize> = Vec::new();
    for (i, n) in nodes.iter().enumerate() {
        if n.is_user {
            users.push(i);
            continue;
        }
        roles.push(i);
        let Some(trust) = n.trust else { continue };
        for t in trusted(trust) {
            match t {
                Trusted::Arn(a) => by_arn.entry(a).or_default().push(i),
                Trusted::Account(a) => by_account.entry(a).or_default().push(i),
                Trusted::Anyone => anyone.push(i),
                Trusted::Service(s) => by_service.entry(s).or_default().push(i),
            }
        }
    }
    for v in by_arn
        .values_mut()
        .chain(by_account.values_mut())
        .chain(by_service.values_mut())
    {
        v.sort_unstable();
        v.dedup();
    }
    anyone.sort_unstable();
    anyone.dedup();

    // Trust policies with the same statements (most roles are stamped from
    // a few templates) share one content id: with the caller's policies and
    // the patterns the target ARN matches, it decides the check. Ids in the
    // order contents first come.
    let mut trust_ids: FastMap<&[Statement], usize> = FastMap::default();
    let trust_id: Vec<usize> = nodes
        .iter()
        .map(|n| match n.trust {
            Some(t) => {
                let next = trust_ids.len();
                *trust_ids.entry(&t.statements).or_insert(next)
            }
            None => usize::MAX,
        })
        .collect();

    // Which trust contents hold a context-dependent pattern (not cached),
    // and each content's statements under the placeholder name.
    let mut trust_plain: Vec<bool> = vec![true; trust_ids.len()];
    let mut trust_placeheld: Vec<Option<Policy>> = vec![None; trust_ids.len()];
    for (i, n) in nodes.iter().enumerate() {
        let Some(t) = n.trust else { continue };
        let id = trust_id[i];
        if trust_placeheld[id].is_none() {
            trust_plain[id] = !policy_templates(t).any(contextual);
            let mut p = t.clone();
            p.name = TRUST_PLACEHOLDER.to_string();
            trust_placeheld[id] = Some(p);
        }
    }

    // The actions whose grants the edges need.
    const ASSUME: usize = 0;
    const PASSROLE: usize = 1;
    const UPDATE_TRUST: usize = 2;

    // Every plain pattern of every policy set and trust policy, and the
    // resources of the grants of those actions (each distinct set and
    // grant index read once).
    let mut patterns: Vec<&'a str> = Vec::new();
    let mut sets_seen: FastSet<(*const PolicySet, *const GrantIndex)> = FastSet::default();
    for n in nodes {
        if let Some(t) = n.trust {
            patterns.extend(
                policy_templates(t)
                    .filter(|t| !contextual(t))
                    .map(Template::raw),
            );
        }
        if !sets_seen.insert((n.set, n.grants)) {
            continue;
        }
        patterns.extend(
            templates(n.set)
                .filter(|t| !contextual(t))
                .map(Template::raw),
        );
        for a in ACTIONS {
            patterns.extend(n.grants.for_action(a).map(|g| g.resource.as_str()));
        }
    }
    let keys = TargetKeys::new(patterns, nodes);

    let mut graph = Graph {
        specific: vec![Vec::new(); nodes.len()],
        generic: Vec::new(),
        class: vec![0; nodes.len()],
        admin: vec![Vec::new(); nodes.len()],
        named: vec![false; nodes.len()],
        texts: Texts::default(),
    };
    let mut texts = Texts::default();
    let mut generic_index: FastMap<(usize, &str), usize> = FastMap::default();
    let mut seen: Vec<usize> = vec![0; nodes.len()];
    let mut scratch: Vec<Edge> = Vec::new();
    let mut assume_hops = Hops::new(nodes.len());
    let mut passrole_hops: Vec<Hops> = classifier
        .passrole
        .iter()
        .map(|_| Hops::new(nodes.len()))
        .collect();
    let mut credential_hops: Vec<Hops> =
        CREDENTIALS.iter().map(|_| Hops::new(nodes.len())).collect();
    let mut trust_hops = Hops::new(nodes.len());
    // Cached sts:AssumeRole answers of every class, under the placeholder
    // trust name: an id per distinct evaluation, and its evidence per target.
    let mut outcome_ids: FastMap<String, u32> = FastMap::default();
    let mut outcomes: Vec<Evaluation> = Vec::new();
    let mut assume_evidence: FastMap<(u32, usize), Arc<str>> = FastMap::default();
    // Per (family, account): the first class's record, if every check it
    // made went through the cache.
    let mut assume_records: FastMap<(usize, &str), AssumeRecord> = FastMap::default();
    // Classes per (family, account): a class records what decided its
    // edges only when another class could use it (most are alone).
    let mut classes_of: FastMap<(usize, &str), FastSet<usize>> = FastMap::default();
    for n in nodes {
        classes_of
            .entry((n.family, n.account))
            .or_default()
            .insert(n.sig);
    }
    for (i, n) in nodes.iter().enumerate() {
        // sts:AssumeRole.
        // Cloned only when a trust policy is to be checked.
        let mut trust_set: Option<PolicySet> = None;
        let named = by_arn.get(n.arn).map(Vec::as_slice).unwrap_or(&[]);
        let by_acct = by_account.get(n.account).map(Vec::as_slice).unwrap_or(&[]);

        // Everything but named trusts depends only on the policies (and the
        // account): computed once per distinct policy combination.
        let key = (n.sig, n.account);
        let class = match generic_index.get(&key) {
            Some(&c) => c,
            None => {
                let gen = &mut scratch;
                type Outcome = Option<(bool, Arc<str>)>;

                // Does some grant of ACTIONS[a] cover target key k?
                let grant_ids: Vec<Vec<u32>> = ACTIONS
                    .iter()
                    .map(|a| {
                        n.grants
                            .for_action(a)
                            .map(|g| keys.ids[g.resource.as_str()])
                            .collect()
                    })
                    .collect();
                let mut covered: Vec<Vec<Option<bool>>> =
                    vec![vec![None; keys.bits.len()]; ACTIONS.len()];
                let mut covers = |a: usize, t: usize| -> bool {
                    let k = keys.of[t];
                    *covered[a][k as usize]
                        .get_or_insert_with(|| grant_ids[a].iter().any(|&p| keys.matches(k, p)))
                };

                // The class's context-dependent patterns, resolved as the
                // evaluator resolves them (its context is the class's):
                // which of them match the target completes the key. Those
                // resolving to nothing match no target, or none knowably.
                let resolved: Vec<Vec<TokOut>> = templates(n.set)
                    .filter(|t| contextual(t))
                    .filter_map(|t| match t.resolve(n.context, true) {
                        Resolved::Tokens(toks) => Some(toks),
                        Resolved::Missing | Resolved::Unknown(_) => None,
                    })
                    .collect();
                // More than fit a mask: every check is evaluated.
                let cacheable = resolved.len() <= 64;
                let extra = |t: usize| -> u64 {
                    resolved.iter().enumerate().fold(0, |m, (k, toks)| {
                        if glob_match(toks, nodes[t].arn, false) {
                            m | 1 << k
                        } else {
                            m
                        }
                    })
                };

                // (trust content, target key, extra mask) -> outcome id.
                let placeholder_free = n
                    .set
                    .identity
                    .iter()
                    .chain(n.set.boundaries.iter())
                    .chain(n.set.session.iter())
                    .chain(n.set.scps.iter().flatten())
                    .chain(n.set.rcps.iter().flatten())
                    .all(|p| p.name != TRUST_PLACEHOLDER);
                let mut assume_cache: FastMap<AssumeKey, AssumeOutcome> = FastMap::default();
                // The class's answer for a cache key, evaluated on target
                // `t`: (conditional, the evaluation's text) or `None`.
                let assume_answer = |ts: &mut PolicySet, id: usize, t: usize| {
                    ts.resource = trust_placeheld[id].clone();
                    let req = Request {
                        principal: n.principal,
                        action: "sts:AssumeRole",
                        resource: nodes[t].arn,
                        resource_account: None,
                        context: n.context,
                    };
                    let ev = evaluate(ts, &req);
                    let conditional = match ev.decision {
                        Decision::Allowed => false,
                        Decision::Conditional => true,
                        _ => return None,
                    };
                    let text = format!(
                        "{:?}\u{0}{:?}\u{0}{:?}",
                        ev.decision, ev.deciding, ev.unknown_keys
                    );
                    Some((conditional, text, ev))
                };
                let family = (n.family, n.account);
                let reusable = cacheable
                    && placeholder_free
                    && classes_of.get(&family).is_some_and(|c| c.len() > 1);
                let same = assume_records.get(&family).filter(|r| {
                    reusable
                        && r.grants == grant_ids[ASSUME]
                        && r.extras.iter().all(|&(t, m)| extra(t) == m)
                        && r.evaluated.iter().all(|&((id, _, _), t, o)| {
                            let ts = trust_set.get_or_insert_with(|| n.set.clone());
                            match (assume_answer(ts, id, t), o) {
                                (None, None) => true,
                                (Some((c, text, _)), Some((rc, ro))) => {
                                    c == rc && outcome_ids.get(&text) == Some(&ro)
                                }
                                _ => false,
                            }
                        })
                });
                let mut record = (reusable && same.is_none()).then(|| AssumeRecord {
                    grants: grant_ids[ASSUME].clone(),
                    extras: Vec::new(),
                    evaluated: Vec::new(),
                    edges: Vec::new(),
                });
                if let Some(r) = same {
                    for e in &r.edges {
                        push_edge(gen, &mut seen, e.clone());
                    }
                }
                // Reused: no role is checked again.
                let (trusting_account, trusting_anyone): (&[usize], &[usize]) = match same {
                    Some(_) => (&[], &[]),
                    None => (by_acct, &anyone),
                };
                for &t in trusting_account.iter().chain(trusting_anyone) {
                    let target = &nodes[t];
                    if !covers(ASSUME, t) {
                        continue;
                    }
                    let Some(trust) = target.trust else { continue };
                    let id = trust_id[t];
                    let ts = trust_set.get_or_insert_with(|| n.set.clone());
                    let outcome = if cacheable && placeholder_free && trust_plain[id] {
                        let m = extra(t);
                        let k = (id, keys.of[t], m);
                        if let Some(r) = &mut record {
                            r.extras.push((t, m));
                        }
                        let o = *assume_cache.entry(k).or_insert_with(|| {
                            let (conditional, text, ev) = assume_answer(ts, id, t)?;
                            let next = outcomes.len() as u32;
                            let id = *outcome_ids.entry(text).or_insert_with(|| {
                                outcomes.push(ev);
                                next
                            });
                            Some((conditional, id))
                        });
                        if let Some(r) = &mut record {
                            if !r.evaluated.iter().any(|e| e.0 == k) {
                                r.evaluated.push((k, t, o));
                            }
                        }
                        o.map(|(conditional, o)| {
                            // The evaluation of this role's own trust
                            // policy: the same but for its name.
                            let evidence = assume_evidence
                                .entry((o, t))
                                .or_insert_with(|| {
                                    let mut ev = outcomes[o as usize].clone();
                                    for d in &mut ev.deciding {
                                        if d.policy == TRUST_PLACEHOLDER {
                                            d.policy.clone_from(&trust.name);
                                        }
                                    }
                                    Arc::from(evidence_of(&ev))
                                })
                                .clone();
                            (conditional, evidence)
                        })
                    } else {
                        // Not through the cache: nothing to share.
                        record = None;
                        ts.resource = Some(trust.clone());
                        check(n, ts, "sts:AssumeRole", target.arn)
                    };
                    if let Some((conditional, evidence)) = outcome {
                        push_edge(
                            gen,
                            &mut seen,
                            Edge {
                                to: t as u32,
                                hop: assume_hops.get(t, &mut texts, || {
                                    format!("sts:AssumeRole -> {}", target.arn)
                                }),
                                conditional,
                                evidence: texts.shared(&evidence),
                            },
                        );
                    }
                }

                if let Some(mut r) = record {
                    if let std::collections::hash_map::Entry::Vacant(v) =
                        assume_records.entry(family)
                    {
                        r.edges = gen.clone();
                        v.insert(r);
                    }
                }

                // The other checks evaluate the caller's own policies only:
                // (action, target key, extra mask) -> outcome.
                let mut own_cache: FastMap<(&str, u32, u64), Outcome> = FastMap::default();
                let mut own_check = |action: &'static str, t: usize| -> Outcome {
                    let arn = nodes[t].arn;
                    if !cacheable {
                        return check(n, n.set, action, arn);
                    }
                    own_cache
                        .entry((action, keys.of[t], extra(t)))
                        .or_insert_with(|| check(n, n.set, action, arn))
                        .clone()
                };

                // iam:PassRole + a compute service that runs code as the role.
                if n.grants.has("iam:PassRole") {
                    for (k, rule) in classifier.passrole.iter().enumerate() {
                        let mut rule_conditional = false;
                        let ok = rule
                            .actions
                            .iter()
                            .all(|a| match n.grants.for_action(a).next() {
                                Some(g) => {
                                    rule_conditional |= g.conditional;
                                    true
                                }
                                None => false,
                            });
                        if !ok {
                            continue;
                        }
                        let targets = by_service
                            .get(&rule.service.to_ascii_lowercase())
                            .map(Vec::as_slice)
                            .unwrap_or(&[]);
                        for &t in targets {
                            let target = &nodes[t];
                            if !covers(PASSROLE, t) {
                                continue;
                            }
                            if let Some((conditional, evidence)) = own_check("iam:PassRole", t) {
                                push_edge(
                                    gen,
                                    &mut seen,
                                    Edge {
                                        to: t as u32,
                                        hop: passrole_hops[k].get(t, &mut texts, || {
                                            format!(
                                                "iam:PassRole + {} -> {}",
                                                rule.actions.join(" + "),
                                                target.arn
                                            )
                                        }),
                                        conditional: conditional || rule_conditional,
                                        evidence: texts.shared(&evidence),
                                    },
                                );
                            }
                        }
                    }
                }

                // New credentials for a user.
                for (k, action) in CREDENTIALS.into_iter().enumerate() {
                    if !n.grants.has(action) {
                        continue;
                    }
                    for &u in &users {
                        let target = &nodes[u];
                        if !covers(3 + k, u) {
                            continue;
                        }
                        if let Some((conditional, evidence)) = own_check(action, u) {
                            push_edge(
                                gen,
                                &mut seen,
                                Edge {
                                    to: u as u32,
                                    hop: credential_hops[k].get(u, &mut texts, || {
                                        format!("{action} -> {}", target.arn)
                                    }),
                                    conditional,
                                    evidence: texts.shared(&evidence),
                                },
                            );
                        }
                    }
                }

                // Rewrite a role's trust policy to trust oneself.
                if n.grants.has("iam:UpdateAssumeRolePolicy") {
                    for &r in &roles {
                        let target = &nodes[r];
                        // Not `r == i`: the list serves every principal of
                        // the class; each one's own edge is dropped by
                        // `Graph::edges`.
                        if !covers(UPDATE_TRUST, r) {
                            continue;
                        }
                        if let Some((conditional, evidence)) =
                            own_check("iam:UpdateAssumeRolePolicy", r)
                        {
                            push_edge(
                                gen,
                                &mut seen,
                                Edge {
                                    to: r as u32,
                                    hop: trust_hops.get(r, &mut texts, || {
                                        format!("iam:UpdateAssumeRolePolicy -> {}", target.arn)
                                    }),
                                    conditional,
                                    evidence: texts.shared(&evidence),
                                },
                            );
                        }
                    }
                }
                graph.generic.push(take_edges(gen, &mut seen));
                generic_index.insert(key, graph.generic.len() - 1);
                graph.generic.len() - 1
            }
        };
        graph.class[i] = class;

        // Trusts naming this principal's ARN: specific to it. A generic
        // unconditional edge to the same target wins over a conditional one.
        let specific = &mut scratch;
        for &t in named {
            let target = &nodes[t];
            let ts = trust_set.get_or_insert_with(|| n.set.clone());
            ts.resource = target.trust.cloned();
            if let Some((conditional, evidence)) = check(n, ts, "sts:AssumeRole", target.arn) {
                if t == i {
                    continue;
                }
                push_edge(
                    specific,
                    &mut seen,
                    Edge {
                        to: t as u32,
                        hop: assume_hops.get(t, &mut texts, || {
                            format!("sts:AssumeRole -> {}", target.arn)
                        }),
                        conditional,
                        evidence: texts.shared(&evidence),
                    },
                );
            }
        }
        for e in specific.iter_mut() {
            if e.conditional {
                if let Some(g) = graph.generic[class]
                    .iter()
                    .find(|g| g.to == e.to && !g.conditional)
                {
                    *e = g.clone();
                }
            }
        }
        graph.named[i] = !named.is_empty();
        graph.specific[i] = take_edges(specific, &mut seen);
        graph.admin[i] = admin_paths(n);
    }
    graph.texts = texts;
    graph
}

/// Self-editing: writing its own policies, a new default version of a
/// policy attached to it, or its group's policies (Rhino Security Labs'
/// and PMapper's admin checks).
fn admin_paths(n: &NodeView) -> Vec<AdminPath> {
    let mut wanted: Vec<(&str, String)> = Vec::new();
    let own: &[&str] = if n.is_user {
        &USER_SELF_EDIT
    } else {
        &ROLE_SELF_EDIT
    };
    for a in own {
        wanted.push((a, n.arn.to_string()));
    }
    for p in n.attached {
        // AWS managed policies cannot get customer versions.
        if !p.contains(":iam::aws:policy/") {
            // With --set-as-default, CreatePolicyVersion alone switches the
            // default (IAM API Reference, CreatePolicyVersion).
            wanted.push((POLICY_SELF_EDIT, p.clone()));
        }
    }
    for g in n.group_arns {
        for a in GROUP_SELF_EDIT {
            wanted.push((a, g.clone()));
        }
    }
    let mut out = Vec::new();
    for (action, resource) in wanted {
        if n.grants.covering(action, &resource).is_none() {
            continue;
        }
        if let Some((conditional, evidence)) = check(n, n.set, action, &resource) {
            out.push(AdminPath {
                action: action.to_string(),
                resource: resource.clone(),
                conditional,
                evidence: format!(
                    "admin-equivalent: {action} on {resource}, which applies to itself; {evidence}"
                ),
            });
        }
    }
    out
}
