//! The rating table (`rules.toml`), parsed once.

use std::sync::OnceLock;

use blastradius_report::{Category, Severity};
use serde::Deserialize;

const RULES: &str = include_str!("rules.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Table {
    pub severity: SeverityTable,
    pub environments: Environments,
    pub summary: Summaries,
    // Read by the tests, which check every example against the table.
    #[cfg_attr(not(test), allow(dead_code))]
    #[serde(default, rename = "example")]
    pub examples: Vec<Example>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(crate) struct SeverityTable {
    pub destroy: Row,
    pub escalate: Row,
    pub secrets: Row,
    pub write: Row,
    pub read_data: Row,
    pub read: Row,
}

#[derive(Debug, Deserialize, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub(crate) struct Row {
    pub production: Severity,
    pub other: Severity,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Environments {
    pub non_production: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Summaries {
    pub destroy: String,
    pub escalate: String,
    pub secrets: String,
    pub write: String,
    pub read: String,
    pub irreversible: String,
    pub reversible: String,
    pub reversibility_unknown: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) struct Example {
    pub category: Category,
    #[serde(default)]
    pub data: bool,
    pub environment: Option<String>,
    pub severity: Severity,
}

impl Table {
    pub fn row(&self, category: Category, data: bool) -> Row {
        match category {
            Category::Destroy => self.severity.destroy,
            Category::Escalate => self.severity.escalate,
            Category::Secrets => self.severity.secrets,
            Category::Write => self.severity.write,
            Category::Read if data => self.severity.read_data,
            Category::Read => self.severity.read,
        }
    }

    pub fn summary_template(&self, category: Category) -> &str {
        match category {
            Category::Destroy => &self.summary.destroy,
            Category::Escalate => &self.summary.escalate,
            Category::Secrets => &self.summary.secrets,
            Category::Write => &self.summary.write,
            Category::Read => &self.summary.read,
        }
    }
}

/// The compiled-in table. A broken `rules.toml` is caught by the tests
/// (`table_parses`), so the message here is for developers, not users.
pub(crate) fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| toml::from_str(RULES).expect("src/rating/rules.toml is valid (tested)"))
}

#[cfg(test)]
pub(crate) fn parse() -> Result<Table, toml::de::Error> {
    toml::from_str(RULES)
}
