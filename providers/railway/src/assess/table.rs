//! The classification tables (`data/mutations.toml`, `data/reads.toml`),
//! compiled in and parsed once. Classifications live in data so that they can
//! be reviewed and extended without touching the logic; the tests in this
//! module make a broken table a test failure rather than a runtime surprise.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use blastradius_report::Category;
use serde::Deserialize;

use crate::export::Role;

const MUTATIONS_TOML: &str = include_str!("../../data/mutations.toml");
const READS_TOML: &str = include_str!("../../data/reads.toml");

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error("data/{file}: {message}")]
    Parse { file: &'static str, message: String },
    #[error("data/mutations.toml: {0}")]
    Invalid(String),
}

/// Where a reach of a mutation attaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// The token's own user account (account and OAuth tokens).
    Account,
    Workspace,
    Project,
    Environment,
    /// Each service, per environment it is deployed in.
    Service,
    /// Each volume, per volume instance (environment).
    Volume,
    /// Each bucket, per environment of its project.
    Bucket,
    /// Touches no resource: never a reach.
    None,
}

/// A lower category for callers below a role (e.g. a Member's config patch
/// cannot delete volumes, so it only writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limited {
    pub below: Role,
    pub category: Category,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MutationEntry {
    pub name: String,
    pub category: Category,
    pub resource: String,
    pub scopes: Vec<Scope>,
    pub min_role: Role,
    pub project_token: bool,
    #[serde(default)]
    pub reversible: Option<bool>,
    #[serde(default)]
    pub limited: Option<Limited>,
    pub why: String,
}

impl MutationEntry {
    /// Whether a caller with `role` may call it.
    pub fn allows(&self, role: Role) -> bool {
        role >= self.min_role
    }

    /// The category of a call by a caller with `role`.
    pub fn category_for(&self, role: Role) -> Category {
        match self.limited {
            Some(limited) if role < limited.below => limited.category,
            _ => self.category,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub mutation: String,
    #[serde(default)]
    pub category: Option<Category>,
    #[serde(default)]
    pub not_category: Option<Category>,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub allowed: Option<bool>,
    #[serde(default)]
    pub project_token: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct MutationsFile {
    schema_mutations: Vec<String>,
    mutation: Vec<MutationEntry>,
    #[serde(default)]
    example: Vec<Example>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryScope {
    Environment,
    Service,
    Bucket,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueryEntry {
    pub name: String,
    pub category: Category,
    pub scope: QueryScope,
    pub min_role: Role,
    pub project_token: bool,
    pub data: bool,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameExample {
    pub name: String,
    pub secret: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecretNames {
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    #[serde(default)]
    pub example: Vec<NameExample>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReadsFile {
    query: Vec<QueryEntry>,
    secret_names: SecretNames,
}

/// Both tables, parsed and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tables {
    pub schema_mutations: Vec<String>,
    pub mutations: BTreeMap<String, MutationEntry>,
    pub examples: Vec<Example>,
    pub queries: Vec<QueryEntry>,
    pub secret_names: SecretNames,
}

impl Tables {
    pub fn parse(mutations_toml: &str, reads_toml: &str) -> Result<Tables, TableError> {
        let file: MutationsFile =
            toml::from_str(mutations_toml).map_err(|e| TableError::Parse {
                file: "mutations.toml",
                message: e.to_string(),
            })?;
        let reads: ReadsFile = toml::from_str(reads_toml).map_err(|e| TableError::Parse {
            file: "reads.toml",
            message: e.to_string(),
        })?;
        let mut mutations = BTreeMap::new();
        for entry in file.mutation {
            if entry.scopes.is_empty() {
                return Err(TableError::Invalid(format!(
                    "`{}` has no scopes",
                    entry.name
                )));
            }
            // A destroy entry must say whether it can be undone: the contract's
            // `reversible` comes from here.
            if entry.category == Category::Destroy && entry.reversible.is_none() {
                return Err(TableError::Invalid(format!(
                    "destroy entry `{}` lacks `reversible`",
                    entry.name
                )));
            }
            let name = entry.name.clone();
            if mutations.insert(name.clone(), entry).is_some() {
                return Err(TableError::Invalid(format!("`{name}` is listed twice")));
            }
        }
        let listed: BTreeSet<&str> = file.schema_mutations.iter().map(String::as_str).collect();
        if listed.len() != file.schema_mutations.len() {
            return Err(TableError::Invalid(
                "schema_mutations has duplicates".into(),
            ));
        }
        let classified: BTreeSet<&str> = mutations.keys().map(String::as_str).collect();
        let missing: Vec<&str> = listed.difference(&classified).copied().collect();
        let extra: Vec<&str> = classified.difference(&listed).copied().collect();
        if !missing.is_empty() || !extra.is_empty() {
            return Err(TableError::Invalid(format!(
                "schema_mutations and entries differ: unclassified {missing:?}, not in schema {extra:?}"
            )));
        }
        Ok(Tables {
            schema_mutations: file.schema_mutations,
            mutations,
            examples: file.example,
            queries: reads.query,
            secret_names: reads.secret_names,
        })
    }

    /// The compiled-in tables, parsed on first use.
    pub fn builtin() -> Result<&'static Tables, TableError> {
        static TABLES: OnceLock<Result<Tables, TableError>> = OnceLock::new();
        TABLES
            .get_or_init(|| Tables::parse(MUTATIONS_TOML, READS_TOML))
            .as_ref()
            .map_err(Clone::clone)
    }

    pub fn mutation(&self, name: &str) -> Option<&MutationEntry> {
        self.mutations.get(name)
    }

    /// Every example of both tables that does not hold, as a message.
    pub fn failed_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for ex in &self.examples {
            let Some(entry) = self.mutation(&ex.mutation) else {
                failures.push(format!("example names unknown mutation `{}`", ex.mutation));
                continue;
            };
            if let Some(c) = ex.category {
                if entry.category != c {
                    failures.push(format!(
                        "`{}` is {}, expected {c}",
                        ex.mutation, entry.category
                    ));
                }
            }
            if let Some(c) = ex.not_category {
                if entry.category == c {
                    failures.push(format!("`{}` must not be {c}", ex.mutation));
                }
            }
            match (ex.role, ex.allowed) {
                (Some(role), Some(allowed)) if entry.allows(role) != allowed => {
                    failures.push(format!(
                        "`{}` for {role:?}: allowed {}, expected {allowed}",
                        ex.mutation, !allowed
                    ))
                }
                (Some(_), None) | (None, Some(_)) => failures.push(format!(
                    "example `{}`: `role` and `allowed` go together",
                    ex.mutation
                )),
                _ => {}
            }
            if let Some(pt) = ex.project_token {
                if entry.project_token != pt {
                    failures.push(format!(
                        "`{}`: project_token {}, expected {pt}",
                        ex.mutation, entry.project_token
                    ));
                }
            }
        }
        for ex in &self.secret_names.example {
            if crate::assess::secrets::looks_secret(&self.secret_names, &ex.name) != ex.secret {
                failures.push(format!(
                    "variable name `{}`: secret expected {}",
                    ex.name, ex.secret
                ));
            }
        }
        failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_tables_parse() {
        let t = Tables::builtin().expect("data/*.toml must parse and be consistent");
        assert_eq!(t.mutations.len(), 230);
        assert_eq!(t.schema_mutations.len(), 230);
    }

    #[test]
    fn examples_hold() {
        let t = Tables::builtin().unwrap();
        assert!(!t.examples.is_empty());
        assert!(!t.secret_names.example.is_empty());
        let failures = t.failed_examples();
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn table_matches_shared_schema_when_present() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/railway/schema.json"
        );
        let Ok(text) = std::fs::read_to_string(path) else {
            eprintln!("skipped: {path} not present");
            return;
        };
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        let root = schema.get("data").unwrap_or(&schema)["__schema"].clone();
        let mutation_type = root["mutationType"]["name"].as_str().unwrap().to_string();
        let ty = root["types"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == mutation_type.as_str())
            .unwrap();
        let live: BTreeSet<String> = ty["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["name"].as_str().unwrap().to_string())
            .collect();
        let t = Tables::builtin().unwrap();
        let ours: BTreeSet<String> = t.mutations.keys().cloned().collect();
        assert_eq!(ours, live, "table and schema.json disagree");
    }

    #[test]
    fn destroy_without_reversible_is_rejected() {
        let m = r#"schema_mutations = ["x"]
[[mutation]]
name = "x"
category = "destroy"
resource = "volume"
scopes = ["volume"]
min_role = "ADMIN"
project_token = true
why = "w"
"#;
        let err = Tables::parse(m, READS_TOML).unwrap_err();
        assert!(err.to_string().contains("reversible"), "{err}");
    }

    #[test]
    fn unlisted_entry_is_rejected() {
        let m = r#"schema_mutations = []
[[mutation]]
name = "x"
category = "read"
resource = "none"
scopes = ["none"]
min_role = "VIEWER"
project_token = true
why = "w"
"#;
        assert!(matches!(
            Tables::parse(m, READS_TOML),
            Err(TableError::Invalid(_))
        ));
    }

    #[test]
    fn bad_toml_names_the_file() {
        let err = Tables::parse("schema_mutations = [", READS_TOML).unwrap_err();
        assert!(err.to_string().contains("mutations.toml"), "{err}");
    }

    #[test]
    fn limited_category_applies_below_the_role() {
        let t = Tables::builtin().unwrap();
        let e = t.mutation("environmentPatchCommit").unwrap();
        assert_eq!(e.category_for(Role::Admin), Category::Destroy);
        assert_eq!(e.category_for(Role::Member), Category::Write);
    }
}
