//! The action universe: which concrete actions a pattern (`s3:Delete*`, `*`,
//! a `NotAction` list) stands for, and each one's access level.
//!
//! The embedded AWS catalog (`crate::catalog`) is the real source;
//! [`TableCatalog`] (the actions the classification table names) is the
//! fallback should its data fail to load, and a small universe for tests.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::Classifier;
use crate::policy::pattern::simple_glob;

/// Access levels of AWS's Service Authorization Reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessLevel {
    List,
    Read,
    Write,
    PermissionsManagement,
    Tagging,
}

impl AccessLevel {
    pub fn from_name(name: &str) -> Option<AccessLevel> {
        Some(match name.to_ascii_lowercase().replace(' ', "").as_str() {
            "list" => AccessLevel::List,
            "read" => AccessLevel::Read,
            "write" => AccessLevel::Write,
            "permissionsmanagement" => AccessLevel::PermissionsManagement,
            "tagging" => AccessLevel::Tagging,
            _ => return None,
        })
    }
}

/// What the reach computation needs from an action catalog.
pub trait ActionCatalog: Sync {
    /// Concrete actions (canonical case, `service:Name`) matching a pattern.
    fn expand(&self, pattern: &str) -> Vec<String>;
    /// Concrete actions matching none of the patterns (a `NotAction`).
    fn expand_not(&self, patterns: &[String]) -> Vec<String>;
    fn access_level(&self, action: &str) -> Option<AccessLevel>;
}

/// A small catalog made of the actions the classification table names, with
/// access levels guessed from the verb (no level: the classifier decides by
/// verb). A lower bound of the real universe.
pub struct TableCatalog {
    /// (lowercased, canonical)
    actions: Vec<(String, String)>,
}

impl TableCatalog {
    pub fn embedded() -> &'static TableCatalog {
        static C: OnceLock<TableCatalog> = OnceLock::new();
        C.get_or_init(|| {
            let mut names: BTreeSet<String> = Classifier::embedded().named_actions();
            // Common actions no rule names, so that `*` and `s3:*` reach
            // the ordinary writes and reads too.
            for a in EXTRA {
                names.insert((*a).to_string());
            }
            TableCatalog {
                actions: names
                    .into_iter()
                    .map(|n| (n.to_ascii_lowercase(), n))
                    .collect(),
            }
        })
    }
}

const EXTRA: &[&str] = &[
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:ListBucket",
    "s3:ListAllMyBuckets",
    "s3:GetBucketPolicy",
    "s3:CreateBucket",
    "ec2:DescribeInstances",
    "ec2:CreateVolume",
    "ec2:StartInstances",
    "ec2:StopInstances",
    "rds:DescribeDBInstances",
    "rds:CreateDBSnapshot",
    "rds:CreateDBInstance",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DescribeTable",
    "lambda:InvokeFunction",
    "lambda:ListFunctions",
    "iam:GetRole",
    "iam:ListRoles",
    "iam:GetUser",
    "iam:ListUsers",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:TagRole",
    "iam:DeleteRole",
    "iam:DeleteUser",
    "secretsmanager:ListSecrets",
    "secretsmanager:DescribeSecret",
    "secretsmanager:PutSecretValue",
    "ssm:PutParameter",
    "ssm:DescribeParameters",
    "kms:Encrypt",
    "kms:ListKeys",
    "logs:PutLogEvents",
    "logs:CreateLogStream",
    "cloudwatch:PutMetricData",
    "sqs:SendMessage",
    "sqs:DeleteMessage",
    "sns:Publish",
    "sts:GetCallerIdentity",
    "backup:StartBackupJob",
    "backup:ListRecoveryPointsByBackupVault",
];

impl ActionCatalog for TableCatalog {
    fn expand(&self, pattern: &str) -> Vec<String> {
        let p = pattern.to_ascii_lowercase();
        let mut out: Vec<String> = self
            .actions
            .iter()
            .filter(|(l, _)| simple_glob(&p, l, false))
            .map(|(_, n)| n.clone())
            .collect();
        // A literal action the catalog does not know is still an action.
        if out.is_empty() && !p.contains(['*', '?']) && p.contains(':') {
            out.push(pattern.to_string());
        }
        out
    }

    fn expand_not(&self, patterns: &[String]) -> Vec<String> {
        let ps: Vec<String> = patterns.iter().map(|p| p.to_ascii_lowercase()).collect();
        self.actions
            .iter()
            .filter(|(l, _)| !ps.iter().any(|p| simple_glob(p, l, false)))
            .map(|(_, n)| n.clone())
            .collect()
    }

    fn access_level(&self, _action: &str) -> Option<AccessLevel> {
        None
    }
}

impl ActionCatalog for crate::catalog::Catalog {
    fn expand(&self, pattern: &str) -> Vec<String> {
        let mut out: Vec<String> = crate::catalog::Catalog::expand(self, pattern)
            .map(|a| a.full_name())
            .collect();
        // An action the catalog does not know (newer than the data) is still
        // an action: keep it as written.
        if out.is_empty() && !pattern.contains(['*', '?']) && pattern.contains(':') {
            out.push(pattern.to_string());
        }
        out
    }

    fn expand_not(&self, patterns: &[String]) -> Vec<String> {
        crate::catalog::Catalog::expand_not(self, patterns)
            .map(|a| a.full_name())
            .collect()
    }

    fn access_level(&self, action: &str) -> Option<AccessLevel> {
        use crate::catalog::AccessLevel as L;
        self.get(action).map(|a| match a.access_level {
            L::List => AccessLevel::List,
            L::Read => AccessLevel::Read,
            L::Write => AccessLevel::Write,
            L::PermissionsManagement => AccessLevel::PermissionsManagement,
            L::Tagging => AccessLevel::Tagging,
        })
    }
}

/// The catalog the account assessment uses: AWS's (22,000 actions) when its
/// embedded data loads, else the table's own short list (a lower bound).
pub fn default_catalog() -> &'static dyn ActionCatalog {
    match crate::catalog::Catalog::try_embedded() {
        Ok(c) => c,
        Err(_) => TableCatalog::embedded(),
    }
}
