//! SCPs and RCPs of one account from AWS Organizations, one list per level
//! from the root down to the account (the contract's `scps` / `rcps` shape).
//!
//! Reading them needs Organizations read access, which most audit
//! principals outside the management or a delegated account lack: every
//! failure here becomes a note and a `None`, never an error, so the rest of
//! the audit goes on (without the guardrails, reach may be overstated,
//! which errs on the side of the worst case).

use aws_sdk_organizations::types::{ParentType, PolicyType};
use aws_sdk_organizations::Client;

use super::error::{self, LiveError};

/// Organisation policies for one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OrgPolicies {
    /// `Some(vec![])`: none apply. `None`: not known.
    pub scps: Option<Vec<Vec<String>>>,
    pub rcps: Option<Vec<Vec<String>>>,
    pub notes: Vec<String>,
    /// Operations sent, `service:Operation` (filled by
    /// [`super::organization_policies`]).
    pub operations: Vec<String>,
}

/// Organizations allows five levels of OUs under the root; the bound only
/// stops a server that answers with a cycle.
const MAX_DEPTH: usize = 16;

pub(crate) async fn collect(org: &Client, account: &str) -> OrgPolicies {
    let mut out = OrgPolicies::default();

    let described = match org.describe_organization().send().await {
        Ok(d) => d,
        Err(e) => {
            let e = error::from_sdk("organizations:DescribeOrganization", e);
            if e.code() == Some("AWSOrganizationsNotInUseException") {
                // Not in an organisation: no SCP or RCP can apply.
                out.scps = Some(Vec::new());
                out.rcps = Some(Vec::new());
                out.notes.push(format!(
                    "account {account} is not in an AWS Organization: no SCPs or RCPs apply"
                ));
            } else {
                out.notes.push(unreadable(&e));
            }
            return out;
        }
    };
    let management = described.organization().and_then(|o| o.master_account_id());
    if management == Some(account) {
        // IAM User Guide: SCPs and RCPs do not affect the management account.
        out.scps = Some(Vec::new());
        out.rcps = Some(Vec::new());
        out.notes.push(format!(
            "account {account} is the organization's management account: SCPs and RCPs do not apply to it"
        ));
        return out;
    }

    let levels = match levels(org, account).await {
        Ok(l) => l,
        Err(e) => {
            out.notes.push(unreadable(&e));
            return out;
        }
    };

    match policies(org, &levels, PolicyType::ServiceControlPolicy).await {
        Ok(scps) => out.scps = Some(none_if_unused(scps, "SCPs", &mut out.notes)),
        Err(e) => out
            .notes
            .push(format!("SCPs not read ({e}); they are not applied")),
    }
    match policies(org, &levels, PolicyType::ResourceControlPolicy).await {
        Ok(rcps) => out.rcps = Some(none_if_unused(rcps, "RCPs", &mut out.notes)),
        Err(e) => out
            .notes
            .push(format!("RCPs not read ({e}); they are not applied")),
    }
    out
}

fn unreadable(e: &LiveError) -> String {
    format!("organization policies not readable ({e}); SCPs and RCPs are not applied")
}

/// With the policy type enabled, AWS keeps at least one policy attached at
/// every level; no policy at any level means the type is not in use, so
/// nothing applies (an empty level would otherwise deny everything).
fn none_if_unused(
    levels: Vec<Vec<String>>,
    what: &str,
    notes: &mut Vec<String>,
) -> Vec<Vec<String>> {
    if levels.iter().all(Vec::is_empty) {
        notes.push(format!(
            "no {what} attached at any level: {what} not in use"
        ));
        Vec::new()
    } else {
        levels
    }
}

/// Target ids from the root down to the account itself.
async fn levels(org: &Client, account: &str) -> Result<Vec<String>, LiveError> {
    const OP: &str = "organizations:ListParents";
    let mut chain = vec![account.to_string()];
    let mut child = account.to_string();
    for _ in 0..MAX_DEPTH {
        let out = org
            .list_parents()
            .child_id(&child)
            .send()
            .await
            .map_err(|e| error::from_sdk(OP, e))?;
        // An account or OU has exactly one parent.
        let parent = out
            .parents()
            .first()
            .ok_or_else(|| LiveError::InvalidResponse {
                operation: OP,
                message: format!("no parent for {child}"),
            })?;
        let id = parent.id().ok_or_else(|| LiveError::InvalidResponse {
            operation: OP,
            message: format!("a parent of {child} without an id"),
        })?;
        chain.push(id.to_string());
        if parent.r#type() == Some(&ParentType::Root) {
            chain.reverse();
            return Ok(chain);
        }
        child = id.to_string();
    }
    Err(LiveError::Pagination {
        operation: OP,
        message: format!("no root within {MAX_DEPTH} levels above {account}"),
    })
}

/// Policy documents of one type at each level.
async fn policies(
    org: &Client,
    levels: &[String],
    kind: PolicyType,
) -> Result<Vec<Vec<String>>, LiveError> {
    let mut out = Vec::with_capacity(levels.len());
    for target in levels {
        let mut docs = Vec::new();
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = org
                .list_policies_for_target()
                .target_id(target)
                .filter(kind.clone())
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| error::from_sdk("organizations:ListPoliciesForTarget", e))?;
            for summary in page.policies() {
                let Some(id) = summary.id() else { continue };
                let described = org
                    .describe_policy()
                    .policy_id(id)
                    .send()
                    .await
                    .map_err(|e| error::from_sdk("organizations:DescribePolicy", e))?;
                let content = described
                    .policy()
                    .and_then(|p| p.content())
                    .ok_or_else(|| LiveError::InvalidResponse {
                        operation: "organizations:DescribePolicy",
                        message: format!("policy {id} has no content"),
                    })?;
                docs.push(content.to_string());
            }
            pages += 1;
            match page.next_token() {
                Some(next) if pages < 1000 && token.as_deref() != Some(next) => {
                    token = Some(next.to_string())
                }
                _ => break,
            }
        }
        out.push(docs);
    }
    Ok(out)
}
