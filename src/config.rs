//! `blastradius.toml`: what the team knows that no API says: which
//! environments are production, what each credential is *for*, and which
//! risks are accepted until when. Loaded with `--config FILE`, or from
//! `blastradius.toml` in the scanned workspace.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use blastradius_report::{Category, Provider};
use chrono::NaiveDate;
use serde::Deserialize;

/// The file name looked for in a workspace.
pub const FILE_NAME: &str = "blastradius.toml";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    // toml's message names the line, the column and the key.
    #[error("invalid config `{}`: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("invalid config `{}`: {what}", path.display())]
    Invalid { path: PathBuf, what: String },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub environments: Environments,
    /// Declared purposes, one per known credential.
    #[serde(default, rename = "credential")]
    pub credentials: Vec<CredentialRule>,
    /// Risks accepted until a date.
    #[serde(default, rename = "accept")]
    pub accepted: Vec<Acceptance>,
    #[serde(default)]
    pub checklist: ChecklistConfig,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Environments {
    /// Environment names (globs) that are production, whatever else says.
    #[serde(default)]
    pub production: Vec<String>,
    /// Environment names (globs) that are not production.
    #[serde(default)]
    pub non_production: Vec<String>,
    /// AWS account id -> environment name.
    #[serde(default)]
    pub aws_accounts: BTreeMap<String, String>,
    /// Resources (globs on the report's resource, e.g. `acme/sandbox-*` or
    /// `* (project pocketos-staging)`) -> environment name.
    #[serde(default, rename = "resource")]
    pub resources: Vec<ResourceEnvironment>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceEnvironment {
    pub provider: Option<Provider>,
    pub resource: String,
    pub environment: String,
}

/// A known credential, matched by where it is (never by the secret itself),
/// and what it is for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRule {
    /// Glob on the file it is found in (relative to the workspace, or as
    /// reported), e.g. `scripts/custom-domains.sh`.
    pub source: Option<String>,
    /// The environment variable or key name, e.g. `RAILWAY_TOKEN`.
    pub variable: Option<String>,
    /// The report's credential id, e.g. `railway:d7f7b796bea0e819`.
    pub id: Option<String>,
    /// In words, e.g. "custom domains".
    pub purpose: String,
    /// What it may do: provider-native actions (globs), or categories
    /// (`read`, `write`, `secrets`, `escalate`, `destroy`), each optionally
    /// limited to environments with `@ENV` (e.g. `*@staging`).
    pub allow: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// The report's credential id.
    pub credential: String,
    /// Which of its capabilities: an action glob or a category; `*` for all.
    #[serde(default = "everything")]
    pub action: String,
    pub owner: String,
    pub reason: String,
    /// Last day the acceptance holds (`YYYY-MM-DD`); after it, the risk
    /// counts again.
    pub expires: String,
}

fn everything() -> String {
    "*".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChecklistConfig {
    /// Tokens that can expire must do so within this many days.
    #[serde(default = "default_max_token_days")]
    pub max_token_days: u32,
}

impl Default for ChecklistConfig {
    fn default() -> Self {
        ChecklistConfig {
            max_token_days: default_max_token_days(),
        }
    }
}

fn default_max_token_days() -> u32 {
    90
}

impl Config {
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text).map_err(|e| match e {
            ParseError::Toml(message) => ConfigError::Parse {
                path: path.to_path_buf(),
                message,
            },
            ParseError::Invalid(what) => ConfigError::Invalid {
                path: path.to_path_buf(),
                what,
            },
        })
    }

    /// `--config FILE`, else `blastradius.toml` in the workspace, else none.
    pub fn find(explicit: Option<&Path>, workspace: Option<&Path>) -> Result<Config, ConfigError> {
        if let Some(path) = explicit {
            return Config::load(path);
        }
        match workspace.map(|w| w.join(FILE_NAME)) {
            Some(path) if path.is_file() => Config::load(&path),
            _ => Ok(Config::default()),
        }
    }

    fn parse(text: &str) -> Result<Config, ParseError> {
        let config: Config = toml::from_str(text).map_err(|e| ParseError::Toml(e.to_string()))?;
        config.validate().map_err(ParseError::Invalid)?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        for (i, rule) in self.credentials.iter().enumerate() {
            let matchers = [&rule.source, &rule.variable, &rule.id]
                .iter()
                .filter(|m| m.is_some())
                .count();
            if matchers != 1 {
                return Err(format!(
                    "credential[{i}] (purpose \"{}\"): give exactly one of `source`, `variable`, `id`",
                    rule.purpose
                ));
            }
            if rule.allow.is_empty() {
                return Err(format!(
                    "credential[{i}] (purpose \"{}\"): `allow` is empty; list the actions or categories it needs",
                    rule.purpose
                ));
            }
        }
        for (i, acceptance) in self.accepted.iter().enumerate() {
            parse_date(&acceptance.expires)
                .map_err(|e| format!("accept[{i}].expires `{}`: {e}", acceptance.expires))?;
        }
        Ok(())
    }
}

enum ParseError {
    Toml(String),
    Invalid(String),
}

pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|e| format!("not a YYYY-MM-DD date ({e})"))
}

/// One entry of `allow`: an action glob or a category, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allowance {
    pub what: Allowed,
    /// Environment glob; `None` for anywhere.
    pub environment: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Allowed {
    Category(Category),
    Action(String),
}

impl Allowance {
    pub fn parse(entry: &str) -> Allowance {
        let (what, environment) = match entry.split_once('@') {
            Some((what, env)) => (what, Some(env.to_string())),
            None => (entry, None),
        };
        let category = [
            Category::Read,
            Category::Write,
            Category::Secrets,
            Category::Escalate,
            Category::Destroy,
        ]
        .into_iter()
        .find(|c| c.as_str() == what);
        Allowance {
            what: match category {
                Some(c) => Allowed::Category(c),
                None => Allowed::Action(what.to_string()),
            },
            environment,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_example_parses() {
        let example = include_str!("../examples/blastradius.toml");
        let config = Config::parse(example).unwrap_or_else(|e| match e {
            ParseError::Toml(m) | ParseError::Invalid(m) => {
                panic!("examples/blastradius.toml: {m}")
            }
        });
        assert_eq!(config.credentials.len(), 2);
        assert_eq!(config.accepted[0].action, "volumeDelete");
    }

    #[test]
    fn a_full_config_parses() {
        let config = Config::parse(
            r#"
[environments]
production = ["live-*"]
non_production = ["qa-*"]
aws_accounts = { "111122223333" = "production", "444455556666" = "staging" }

[[environments.resource]]
provider = "github"
resource = "acme/sandbox-*"
environment = "sandbox"

[[credential]]
source = "scripts/custom-domains.sh"
purpose = "custom domains"
allow = ["customDomainCreate", "customDomainDelete"]

[[accept]]
credential = "railway:d7f7b796bea0e819"
action = "volumeDelete"
owner = "jer@pocketos.example"
reason = "migration in progress"
expires = "2026-12-31"

[checklist]
max_token_days = 30
"#,
        )
        .unwrap_or_else(|_| panic!("parses"));
        assert_eq!(config.environments.aws_accounts["444455556666"], "staging");
        assert_eq!(config.credentials[0].allow.len(), 2);
        assert_eq!(config.checklist.max_token_days, 30);
        assert_eq!(
            config.environments.resources[0].provider,
            Some(Provider::Github)
        );
    }

    fn error_of(text: &str) -> String {
        match Config::parse(text) {
            Err(ParseError::Toml(m)) | Err(ParseError::Invalid(m)) => m,
            Ok(_) => panic!("expected an error for {text}"),
        }
    }

    #[test]
    fn errors_name_the_key_and_line() {
        let message = error_of("[environments]\nproduction = [\"a\"]\nprodction = []\n");
        assert!(message.contains("prodction"), "{message}");
        assert!(message.contains("line 3"), "{message}");
    }

    #[test]
    fn a_credential_rule_needs_one_matcher_and_an_allow_list() {
        let message = error_of("[[credential]]\npurpose = \"x\"\nallow = [\"read\"]\n");
        assert!(message.contains("credential[0]"), "{message}");
        let message =
            error_of("[[credential]]\nid = \"railway:ab\"\npurpose = \"x\"\nallow = []\n");
        assert!(message.contains("allow"), "{message}");
    }

    #[test]
    fn a_bad_expiry_date_is_named() {
        let message = error_of(
            "[[accept]]\ncredential = \"railway:ab\"\nowner = \"o\"\nreason = \"r\"\nexpires = \"31/12/2026\"\n",
        );
        assert!(message.contains("accept[0].expires"), "{message}");
        assert!(message.contains("31/12/2026"), "{message}");
    }

    #[test]
    fn allowances_read_categories_actions_and_environments() {
        assert_eq!(
            Allowance::parse("*@staging"),
            Allowance {
                what: Allowed::Action("*".into()),
                environment: Some("staging".into())
            }
        );
        assert_eq!(
            Allowance::parse("read").what,
            Allowed::Category(Category::Read)
        );
        assert_eq!(
            Allowance::parse("customDomainCreate").what,
            Allowed::Action("customDomainCreate".into())
        );
    }
}
