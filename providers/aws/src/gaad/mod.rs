//! The offline input: `aws iam get-account-authorization-details` (GAAD).
//!
//! Accepted shapes: all pages merged, the raw first page, or a JSON array of
//! pages. Policy documents are URL-encoded strings or objects. Each distinct
//! document is parsed once: managed policies by ARN (only the default
//! version counts: IAM User Guide, "Versioning IAM policies"), inline
//! policies by name and text, so that 20,000 roles sharing a few policies
//! cost a few parses. A document that does not parse is kept as an error
//! and becomes a finding on every principal using it, not a failed load.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::fasthash::{FastMap, FxHasher};
use crate::policy::{parse_policy, Policy, PolicyError};

#[derive(Debug, thiserror::Error)]
pub enum GaadError {
    #[error("GAAD export is not valid JSON: {0}")]
    Json(serde_json::Error),
    #[error("GAAD export: expected an object with UserDetailList, GroupDetailList, RoleDetailList or Policies (or a list of such pages), found {0}")]
    NotGaad(String),
    #[error("GAAD export, page {page}: {message}")]
    Page { page: usize, message: String },
}

/// Index of a parsed document in [`Gaad::documents`].
pub type DocId = usize;

#[derive(Debug)]
pub struct Document {
    pub policy: Result<Policy, PolicyError>,
    /// The text mentions a policy variable or a principal condition key:
    /// its meaning depends on who uses it, so results cannot be shared.
    pub principal_dependent: bool,
}

/// A managed policy from `Policies`.
#[derive(Debug)]
pub struct ManagedPolicy {
    pub arn: String,
    pub name: String,
    /// The default version's document; `None` when missing (with `problem`).
    pub document: Option<DocId>,
    pub problem: Option<String>,
}

#[derive(Debug, Clone)]
pub struct InlinePolicy {
    pub name: String,
    pub document: DocId,
}

#[derive(Debug, Clone, Default)]
pub struct User {
    pub arn: String,
    pub name: String,
    pub account: String,
    pub groups: Vec<String>,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<String>,
    pub boundary: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Group {
    pub arn: String,
    pub name: String,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Role {
    pub arn: String,
    pub name: String,
    pub path: String,
    pub account: String,
    pub trust: Option<DocId>,
    pub inline: Vec<InlinePolicy>,
    pub attached: Vec<String>,
    pub boundary: Option<String>,
    pub instance_profiles: Vec<String>,
}

/// A problem in the export that does not stop the load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadProblem {
    /// The principal (ARN or name) it concerns, or `None` for the account.
    pub principal: Option<String>,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Gaad {
    pub documents: Vec<Document>,
    pub managed: Vec<ManagedPolicy>,
    managed_index: HashMap<String, usize>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    group_index: HashMap<String, usize>,
    pub roles: Vec<Role>,
    pub problems: Vec<LoadProblem>,
    /// Inline documents already parsed, by a hash of (policy name, raw
    /// text), with the name and text to tell them apart: the texts are
    /// most of an export, hashed once and never copied but the first.
    interned: FastMap<u64, Vec<(String, Box<str>, DocId)>>,
}

// ------------------------------------------------------------ raw shapes

#[derive(Deserialize)]
struct RawPage<'a> {
    #[serde(rename = "UserDetailList", default, borrow)]
    users: Vec<&'a RawValue>,
    #[serde(rename = "GroupDetailList", default, borrow)]
    groups: Vec<&'a RawValue>,
    #[serde(rename = "RoleDetailList", default, borrow)]
    roles: Vec<&'a RawValue>,
    #[serde(rename = "Policies", default, borrow)]
    policies: Vec<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawInline<'a> {
    policy_name: String,
    #[serde(borrow)]
    policy_document: &'a RawValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawAttached {
    policy_arn: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawBoundary {
    permissions_boundary_arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawUser<'a> {
    arn: String,
    user_name: Option<String>,
    #[serde(default)]
    group_list: Vec<String>,
    #[serde(default, borrow)]
    user_policy_list: Vec<RawInline<'a>>,
    #[serde(default)]
    attached_managed_policies: Vec<RawAttached>,
    permissions_boundary: Option<RawBoundary>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawGroup<'a> {
    arn: Option<String>,
    group_name: String,
    #[serde(default, borrow)]
    group_policy_list: Vec<RawInline<'a>>,
    #[serde(default)]
    attached_managed_policies: Vec<RawAttached>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawInstanceProfile {
    arn: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawRole<'a> {
    arn: String,
    role_name: Option<String>,
    path: Option<String>,
    #[serde(borrow)]
    assume_role_policy_document: Option<&'a RawValue>,
    #[serde(default, borrow)]
    role_policy_list: Vec<RawInline<'a>>,
    #[serde(default)]
    attached_managed_policies: Vec<RawAttached>,
    permissions_boundary: Option<RawBoundary>,
    #[serde(default)]
    instance_profile_list: Vec<RawInstanceProfile>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawVersion<'a> {
    #[serde(borrow)]
    document: Option<&'a RawValue>,
    version_id: Option<String>,
    #[serde(default)]
    is_default_version: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPolicy<'a> {
    arn: String,
    policy_name: Option<String>,
    default_version_id: Option<String>,
    #[serde(default, borrow)]
    policy_version_list: Vec<RawVersion<'a>>,
}

/// Only the identifying fields, to name an entry that failed to load.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawName {
    arn: Option<String>,
    user_name: Option<String>,
    role_name: Option<String>,
    group_name: Option<String>,
    policy_name: Option<String>,
}

fn name_of(raw: &RawValue, list: &str, index: usize) -> String {
    match serde_json::from_str::<RawName>(raw.get()) {
        Ok(n) => n
            .arn
            .or(n.user_name)
            .or(n.role_name)
            .or(n.group_name)
            .or(n.policy_name)
            .map(|n| format!("{list}[{index}] ({n})"))
            .unwrap_or_else(|| format!("{list}[{index}]")),
        Err(_) => format!("{list}[{index}]"),
    }
}

/// Why a document's meaning depends on the principal using it.
fn principal_dependent(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    t.contains("${")
        || t.contains("%24%7b")
        || t.contains("aws:principal")
        || t.contains("aws%3aprincipal")
        || t.contains("aws:username")
        || t.contains("aws%3ausername")
        || t.contains("aws:userid")
        || t.contains("aws%3auserid")
}

fn account_of(arn: &str) -> String {
    arn.split(':').nth(4).unwrap_or("").to_string()
}

impl Gaad {
    /// Load an export. Fails only when the text is not JSON or not a GAAD
    /// at all; anything wrong inside one entry is a [`LoadProblem`].
    pub fn from_json(text: &str) -> Result<Gaad, GaadError> {
        let trimmed = text.trim_start();
        let pages: Vec<RawPage> = if trimmed.starts_with('[') {
            serde_json::from_str(text).map_err(GaadError::Json)?
        } else if trimmed.starts_with('{') {
            vec![serde_json::from_str(text).map_err(GaadError::Json)?]
        } else {
            // Let serde say what is wrong with non-JSON; a JSON scalar is
            // the wrong shape.
            let v: serde_json::Value = serde_json::from_str(text).map_err(GaadError::Json)?;
            return Err(GaadError::NotGaad(crate::policy::kind(&v).into()));
        };
        if pages.iter().all(|p| {
            p.users.is_empty() && p.groups.is_empty() && p.roles.is_empty() && p.policies.is_empty()
        }) && !looks_like_empty_gaad(text)
        {
            return Err(GaadError::NotGaad("an object without any of them".into()));
        }
        let mut g = Gaad::default();
        // Policies first: principals refer to them by ARN.
        for page in &pages {
            for (i, raw) in page.policies.iter().enumerate() {
                g.load_policy(raw, i);
            }
        }
        for page in &pages {
            for (i, raw) in page.groups.iter().enumerate() {
                g.load_group(raw, i);
            }
        }
        for page in &pages {
            for (i, raw) in page.users.iter().enumerate() {
                g.load_user(raw, i);
            }
            // Roles are most of an export: each is read, and its trust
            // policy parsed, in parallel; they are added in order.
            use rayon::prelude::*;
            let read: Vec<Result<ReadRole, String>> = page
                .roles
                .par_iter()
                .enumerate()
                .map(|(i, raw)| read_role(raw, i))
                .collect();
            for r in read {
                match r {
                    Ok(r) => g.add_role(r),
                    Err(problem) => g.problem(None, problem),
                }
            }
        }
        Ok(g)
    }

    pub fn managed(&self, arn: &str) -> Option<&ManagedPolicy> {
        self.managed_index.get(arn).map(|&i| &self.managed[i])
    }

    pub fn group(&self, name: &str) -> Option<&Group> {
        self.group_index.get(name).map(|&i| &self.groups[i])
    }

    /// The account the export describes (the most common account in ARNs).
    pub fn account(&self) -> Option<String> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for a in self
            .users
            .iter()
            .map(|u| u.account.as_str())
            .chain(self.roles.iter().map(|r| r.account.as_str()))
        {
            if !a.is_empty() {
                *counts.entry(a).or_default() += 1;
            }
        }
        counts
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(a, _)| a.to_string())
    }

    fn problem(&mut self, principal: Option<String>, message: String) {
        self.problems.push(LoadProblem { principal, message });
    }

    fn parse_doc(&mut self, raw: &RawValue, name: &str) -> DocId {
        self.add_doc(parse_document(raw, name))
    }

    fn add_doc(&mut self, d: Document) -> DocId {
        self.documents.push(d);
        self.documents.len() - 1
    }

    /// `keys`: each policy's `inline_key`, when worked out already.
    fn inline(&mut self, list: Vec<RawInline>, keys: Option<&[u64]>) -> Vec<InlinePolicy> {
        list.into_iter()
            .enumerate()
            .map(|(i, p)| {
                let text = p.policy_document.get();
                let key = keys
                    .and_then(|k| k.get(i).copied())
                    .unwrap_or_else(|| inline_key(&p.policy_name, text));
                let seen = self.interned.get(&key).and_then(|same| {
                    same.iter()
                        .find(|(name, t, _)| *name == p.policy_name && **t == *text)
                        .map(|&(_, _, d)| d)
                });
                let document = match seen {
                    Some(d) => d,
                    None => {
                        let d = self.parse_doc(p.policy_document, &p.policy_name);
                        self.interned.entry(key).or_default().push((
                            p.policy_name.clone(),
                            text.into(),
                            d,
                        ));
                        d
                    }
                };
                InlinePolicy {
                    name: p.policy_name,
                    document,
                }
            })
            .collect()
    }

    fn load_policy(&mut self, raw: &RawValue, index: usize) {
        let p: RawPolicy = match serde_json::from_str(raw.get()) {
            Ok(p) => p,
            Err(e) => {
                let who = name_of(raw, "Policies", index);
                self.problem(None, format!("{who}: {e}"));
                return;
            }
        };
        if self.managed_index.contains_key(&p.arn) {
            return;
        }
        let name = p
            .policy_name
            .clone()
            .unwrap_or_else(|| p.arn.rsplit('/').next().unwrap_or(&p.arn).to_string());
        // Only the default version is in force.
        let default = p
            .policy_version_list
            .iter()
            .find(|v| v.is_default_version && v.document.is_some())
            .or_else(|| {
                p.policy_version_list.iter().find(|v| {
                    v.version_id.is_some()
                        && v.version_id == p.default_version_id
                        && v.document.is_some()
                })
            });
        let (document, problem) = match default.and_then(|v| v.document) {
            Some(doc) => (Some(self.parse_doc(doc, &p.arn)), None),
            None => (
                None,
                Some(format!(
                    "managed policy {} has no default version document in the export",
                    p.arn
                )),
            ),
        };
        self.managed_index.insert(p.arn.clone(), self.managed.len());
        self.managed.push(ManagedPolicy {
            arn: p.arn,
            name,
            document,
            problem,
        });
    }

    fn load_group(&mut self, raw: &RawValue, index: usize) {
        let g: RawGroup = match serde_json::from_str(raw.get()) {
            Ok(g) => g,
            Err(e) => {
                let who = name_of(raw, "GroupDetailList", index);
                self.problem(None, format!("{who}: {e}"));
                return;
            }
        };
        let inline = self.inline(g.group_policy_list, None);
        self.group_index
            .insert(g.group_name.clone(), self.groups.len());
        self.groups.push(Group {
            arn: g.arn.unwrap_or_default(),
            name: g.group_name,
            inline,
            attached: g
                .attached_managed_policies
                .into_iter()
                .map(|a| a.policy_arn)
                .collect(),
        });
    }

    fn load_user(&mut self, raw: &RawValue, index: usize) {
        let u: RawUser = match serde_json::from_str(raw.get()) {
            Ok(u) => u,
            Err(e) => {
                let who = name_of(raw, "UserDetailList", index);
                self.problem(None, format!("{who}: {e}"));
                return;
            }
        };
        let inline = self.inline(u.user_policy_list, None);
        let name = u
            .user_name
            .unwrap_or_else(|| u.arn.rsplit('/').next().unwrap_or("").to_string());
        self.users.push(User {
            account: account_of(&u.arn),
            arn: u.arn,
            name,
            groups: u.group_list,
            inline,
            attached: u
                .attached_managed_policies
                .into_iter()
                .map(|a| a.policy_arn)
                .collect(),
            boundary: u
                .permissions_boundary
                .and_then(|b| b.permissions_boundary_arn),
        });
    }

    fn add_role(&mut self, read: ReadRole) {
        let ReadRole {
            raw: r,
            trust,
            inline_keys,
        } = read;
        let trust = trust.map(|d| self.add_doc(d));
        let inline = self.inline(r.role_policy_list, Some(&inline_keys));
        let name = r
            .role_name
            .unwrap_or_else(|| r.arn.rsplit('/').next().unwrap_or("").to_string());
        self.roles.push(Role {
            account: account_of(&r.arn),
            arn: r.arn,
            name,
            path: r.path.unwrap_or_else(|| "/".into()),
            trust,
            inline,
            attached: r
                .attached_managed_policies
                .into_iter()
                .map(|a| a.policy_arn)
                .collect(),
            // Role boundaries count (PMapper drops them: its issue #129).
            boundary: r
                .permissions_boundary
                .and_then(|b| b.permissions_boundary_arn),
            instance_profiles: r
                .instance_profile_list
                .into_iter()
                .filter_map(|p| p.arn)
                .collect(),
        });
    }
}

fn parse_document(raw: &RawValue, name: &str) -> Document {
    let text = raw.get();
    let policy = serde_json::from_str::<serde_json::Value>(text)
        .map_err(|e| PolicyError::Policy {
            policy: name.to_string(),
            message: format!("document is not valid JSON: {e}"),
        })
        .and_then(|v| parse_policy(&v, name));
    Document {
        policy,
        principal_dependent: principal_dependent(text),
    }
}

/// A role as read on its own, with its trust policy parsed.
struct ReadRole<'a> {
    raw: RawRole<'a>,
    trust: Option<Document>,
    /// Its inline policies' `inline_key`s.
    inline_keys: Vec<u64>,
}

/// The key an inline policy is interned by: a hash of its name and text.
fn inline_key(name: &str, text: &str) -> u64 {
    use std::hash::BuildHasher;
    std::hash::BuildHasherDefault::<FxHasher>::default().hash_one((name, text))
}

/// Reads entry `index` of RoleDetailList; the problem, named, if it cannot.
fn read_role<'a>(raw: &'a RawValue, index: usize) -> Result<ReadRole<'a>, String> {
    let r: RawRole = serde_json::from_str(raw.get()).map_err(|e| {
        let who = name_of(raw, "RoleDetailList", index);
        format!("{who}: {e}")
    })?;
    let trust = r
        .assume_role_policy_document
        .map(|d| parse_document(d, &format!("trust policy of {}", r.arn)));
    let inline_keys = r
        .role_policy_list
        .iter()
        .map(|p| inline_key(&p.policy_name, p.policy_document.get()))
        .collect();
    Ok(ReadRole {
        raw: r,
        trust,
        inline_keys,
    })
}

/// An account with nothing in it still has the four keys.
fn looks_like_empty_gaad(text: &str) -> bool {
    [
        "UserDetailList",
        "GroupDetailList",
        "RoleDetailList",
        "Policies",
    ]
    .iter()
    .any(|k| text.contains(k))
}

#[cfg(feature = "bench-support")]
mod synthetic;
#[cfg(feature = "bench-support")]
pub use synthetic::synthetic_gaad;

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str, text: &str) -> (String, Box<RawValue>) {
        let doc = format!("\"{}\"", text);
        (
            name.to_string(),
            RawValue::from_string(doc).expect("a JSON string"),
        )
    }

    #[test]
    fn inline_policies_share_a_document_only_when_name_and_text_are_equal() {
        let docs = [
            raw("a", "%7B%22Statement%22%3A%5B%5D%7D"),
            raw("a", "%7B%22Statement%22%3A%5B%5D%7D"),
            raw("b", "%7B%22Statement%22%3A%5B%5D%7D"),
            raw(
                "a",
                "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D",
            ),
        ];
        let list = || -> Vec<RawInline> {
            docs.iter()
                .map(|(name, text)| RawInline {
                    policy_name: name.clone(),
                    policy_document: text,
                })
                .collect()
        };
        let mut g = Gaad::default();
        let ids: Vec<DocId> = g.inline(list(), None).iter().map(|p| p.document).collect();
        assert_eq!(ids[0], ids[1]);
        assert_ne!(ids[0], ids[2], "another name");
        assert_ne!(ids[0], ids[3], "another text");
        // Keys that collide (all the same) still tell the policies apart.
        let mut g = Gaad::default();
        let ids: Vec<DocId> = g
            .inline(list(), Some(&[7, 7, 7, 7]))
            .iter()
            .map(|p| p.document)
            .collect();
        assert_eq!(ids[0], ids[1]);
        assert!(ids[0] != ids[2] && ids[0] != ids[3] && ids[2] != ids[3]);
    }
}
