//! The calling principal, parsed from its ARN, and how a resource policy's
//! `Principal` element names it.

use crate::policy::{PrincipalId, PrincipalSpec};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalKind {
    /// `arn:aws:iam::ACCOUNT:user/path/name`
    User,
    /// `arn:aws:iam::ACCOUNT:role/path/name`: evaluated as a session of it.
    Role {
        name: String,
        path: String,
    },
    /// `arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION`
    RoleSession {
        role_name: String,
    },
    /// `arn:aws:sts::ACCOUNT:federated-user/NAME`
    FederatedUser,
    /// `arn:aws:iam::ACCOUNT:root`
    Root,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub arn: String,
    pub partition: String,
    pub account: String,
    pub kind: PrincipalKind,
}

impl Principal {
    pub fn from_arn(arn: &str) -> Principal {
        let parts: Vec<&str> = arn.splitn(6, ':').collect();
        let (partition, service, account, res) = if parts.len() == 6 && parts[0] == "arn" {
            (parts[1], parts[2], parts[4], parts[5])
        } else {
            ("aws", "", "", "")
        };
        let kind = match (service, res.split_once('/')) {
            ("iam", _) if res == "root" => PrincipalKind::Root,
            ("iam", Some(("user", _))) => PrincipalKind::User,
            ("iam", Some(("role", rest))) => {
                let (path, name) = match rest.rfind('/') {
                    Some(i) => (&rest[..=i], &rest[i + 1..]),
                    None => ("", rest),
                };
                PrincipalKind::Role {
                    name: name.to_string(),
                    path: format!("/{path}"),
                }
            }
            ("sts", Some(("assumed-role", rest))) => PrincipalKind::RoleSession {
                role_name: rest.split('/').next().unwrap_or("").to_string(),
            },
            ("sts", Some(("federated-user", _))) => PrincipalKind::FederatedUser,
            _ => PrincipalKind::Other,
        };
        Principal {
            arn: arn.to_string(),
            partition: partition.to_string(),
            account: account.to_string(),
            kind,
        }
    }

    /// Service-linked roles live under the path `/aws-service-role/`; SCPs
    /// and RCPs do not apply to them (IAM User Guide / Organizations User
    /// Guide: "SCPs do not affect service-linked roles").
    pub fn is_service_linked_role(&self) -> bool {
        match &self.kind {
            PrincipalKind::Role { path, .. } => path.starts_with("/aws-service-role/"),
            _ => self.arn.contains(":role/aws-service-role/"),
        }
    }

    fn role_name(&self) -> Option<&str> {
        match &self.kind {
            PrincipalKind::Role { name, .. } => Some(name),
            PrincipalKind::RoleSession { role_name } => Some(role_name),
            _ => None,
        }
    }

    /// How one `{"AWS": ...}` value names this principal.
    fn match_aws(&self, v: &str) -> PrincipalMatch {
        if v == self.arn {
            // A role given by its role ARN is a session of that role: a grant
            // to the role ARN is the "role" kind, limited by boundary and
            // session policy.
            return match self.kind {
                PrincipalKind::Role { .. } => PrincipalMatch::Role,
                _ => PrincipalMatch::Direct,
            };
        }
        if !self.account.is_empty()
            && (v == self.account
                || v == format!("arn:{}:iam::{}:root", self.partition, self.account))
        {
            return PrincipalMatch::Account;
        }
        if let Some(name) = self.role_name() {
            // `arn:aws:iam::ACCOUNT:role/path/NAME` names the role whatever the
            // path (the session ARN carries no path).
            let prefix = format!("arn:{}:iam::{}:role/", self.partition, self.account);
            if let Some(rest) = v.strip_prefix(&prefix) {
                if rest.rsplit('/').next() == Some(name) {
                    return PrincipalMatch::Role;
                }
            }
        }
        PrincipalMatch::None
    }

    fn match_id(&self, id: &PrincipalId) -> PrincipalMatch {
        match id {
            PrincipalId::Any => PrincipalMatch::Direct,
            PrincipalId::Aws(v) => self.match_aws(v),
            // An ARN principal is never a service, a web identity or an S3
            // canonical user.
            PrincipalId::Service(_) | PrincipalId::Federated(_) | PrincipalId::CanonicalUser(_) => {
                PrincipalMatch::None
            }
        }
    }

    /// How a statement's Principal/NotPrincipal names this principal; the
    /// strongest match wins.
    pub fn matches(&self, spec: &PrincipalSpec) -> PrincipalMatch {
        match spec {
            PrincipalSpec::Principal(ids) => ids
                .iter()
                .map(|i| self.match_id(i))
                .max()
                .unwrap_or(PrincipalMatch::None),
            // NotPrincipal applies to everyone not listed; a principal is
            // "listed" when its own ARN, its role or its account is
            // (IAM User Guide, "NotPrincipal").
            PrincipalSpec::NotPrincipal(ids) => {
                if ids.iter().any(|i| self.match_id(i) != PrincipalMatch::None) {
                    PrincipalMatch::None
                } else {
                    PrincipalMatch::Direct
                }
            }
        }
    }
}

/// Ordered weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PrincipalMatch {
    None,
    /// The account (id or `:root`): delegates to the account's identity policies.
    Account,
    /// The role ARN of a role session: limited by boundary and session policy.
    Role,
    /// The principal's own ARN (user, role session, federated user) or `*`.
    Direct,
}
