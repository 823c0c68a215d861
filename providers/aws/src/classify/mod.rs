//! What an action does: destroy, escalate, secrets, write or read, from the
//! data table `data/classification.toml` on top of the action catalog's
//! access levels (AWS Service Authorization Reference). Access level alone
//! does not say "destroys" (`s3:PutLifecycleConfiguration` can expire every
//! object), hence the curated rules.

mod catalog;

use std::collections::{BTreeSet, HashMap};
use std::sync::{Mutex, OnceLock};

use blastradius_report::Category;
use serde::Deserialize;

pub use catalog::{default_catalog, AccessLevel, ActionCatalog, TableCatalog};

use crate::policy::pattern::simple_glob;

const TABLE: &str = include_str!("../../data/classification.toml");

#[derive(Debug, thiserror::Error)]
pub enum ClassifyError {
    #[error("classification.toml: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("classification.toml: {0}")]
    Invalid(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum CategoryName {
    Destroy,
    Escalate,
    Secrets,
    Write,
    Read,
}

impl From<CategoryName> for Category {
    fn from(c: CategoryName) -> Category {
        match c {
            CategoryName::Destroy => Category::Destroy,
            CategoryName::Escalate => Category::Escalate,
            CategoryName::Secrets => Category::Secrets,
            CategoryName::Write => Category::Write,
            CategoryName::Read => Category::Read,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTable {
    access_levels: std::collections::BTreeMap<String, CategoryName>,
    fallback: Fallback,
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    passrole: Vec<PassRoleRule>,
    #[serde(default)]
    example: Vec<Example>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Fallback {
    read_prefixes: Vec<String>,
    destroy_prefixes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    actions: Vec<String>,
    category: CategoryName,
    #[serde(default)]
    weight: u32,
    #[serde(default)]
    data: bool,
    #[serde(default)]
    backups: Vec<String>,
    #[serde(default)]
    destroys_backups: bool,
}

/// `iam:PassRole` on a role trusted by `service` plus all of `actions` runs
/// code as that role.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PassRoleRule {
    pub service: String,
    pub actions: Vec<String>,
}

/// A documented classification that a test enforces.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub action: String,
    pub category: Category,
    #[serde(default)]
    pub data: bool,
    #[serde(default)]
    pub destroys_backups: bool,
}

/// How one concrete action is classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Class {
    pub category: Category,
    /// A read of data, not just metadata.
    pub data: bool,
    /// Harm inside the category: the heaviest action is the headline.
    pub weight: u32,
    /// Actions (concrete names) that destroy the backups of what this destroys.
    pub backups: Vec<String>,
    /// The action's target is itself a backup.
    pub destroys_backups: bool,
    /// Which line of the table decided, for evidence.
    pub source: &'static str,
}

#[derive(Debug)]
struct Rule {
    /// As written (canonical case), for the fallback action universe.
    names: Vec<String>,
    /// Lowercased, for matching.
    patterns: Vec<String>,
    category: Category,
    weight: u32,
    data: bool,
    backups: Vec<String>,
    destroys_backups: bool,
}

/// The loaded table.
#[derive(Debug)]
pub struct Classifier {
    rules: Vec<Rule>,
    /// Lowercased exact action -> first rule naming it (most rules are
    /// exact names; the catalog has 22,000 actions to classify).
    exact: HashMap<String, usize>,
    /// (lowercased pattern with a wildcard, rule index), in table order.
    wild: Vec<(String, usize)>,
    access_levels: Vec<(AccessLevel, Category)>,
    read_prefixes: Vec<String>,
    destroy_prefixes: Vec<String>,
    pub passrole: Vec<PassRoleRule>,
    pub examples: Vec<Example>,
    /// Classifications already made: `*` expands to 22,000 actions for every
    /// distinct policy combination.
    cache: Mutex<HashMap<(String, Option<AccessLevel>), Class>>,
    /// (catalog, action) -> its class, shared by every grant of it.
    shared: Mutex<HashMap<usize, HashMap<String, std::sync::Arc<Class>>>>,
    /// catalog -> its dense action table (ids, classes, pattern bit sets).
    tables: Mutex<HashMap<usize, std::sync::Arc<crate::reach::ActionTable>>>,
}

impl Classifier {
    pub fn from_toml(text: &str) -> Result<Classifier, ClassifyError> {
        let raw: RawTable = toml::from_str(text)?;
        let mut access_levels = Vec::new();
        for (name, cat) in raw.access_levels {
            let level = AccessLevel::from_name(&name)
                .ok_or_else(|| ClassifyError::Invalid(format!("unknown access level {name:?}")))?;
            access_levels.push((level, cat.into()));
        }
        let mut rules = Vec::new();
        for r in raw.rule {
            for a in r.actions.iter().chain(r.backups.iter()) {
                if !a.contains(':') {
                    return Err(ClassifyError::Invalid(format!(
                        "action {a:?} has no service prefix"
                    )));
                }
            }
            rules.push(Rule {
                patterns: r.actions.iter().map(|a| a.to_ascii_lowercase()).collect(),
                names: r.actions.clone(),
                category: r.category.into(),
                weight: r.weight,
                data: r.data,
                backups: r.backups,
                destroys_backups: r.destroys_backups,
            });
        }
        let mut exact = HashMap::new();
        let mut wild = Vec::new();
        for (i, r) in rules.iter().enumerate() {
            for p in &r.patterns {
                if p.contains(['*', '?']) {
                    wild.push((p.clone(), i));
                } else {
                    exact.entry(p.clone()).or_insert(i);
                }
            }
        }
        Ok(Classifier {
            rules,
            exact,
            wild,
            access_levels,
            read_prefixes: raw.fallback.read_prefixes,
            destroy_prefixes: raw.fallback.destroy_prefixes,
            passrole: raw.passrole,
            examples: raw.example,
            cache: Mutex::default(),
            shared: Mutex::default(),
            tables: Mutex::default(),
        })
    }

    /// The embedded table. It is checked by tests, so loading cannot fail in
    /// a released build; should it anyway, an empty table classifies by
    /// verb only rather than panicking.
    pub fn embedded() -> &'static Classifier {
        static C: OnceLock<Classifier> = OnceLock::new();
        C.get_or_init(|| {
            Classifier::from_toml(TABLE).unwrap_or_else(|_| Classifier {
                rules: Vec::new(),
                exact: HashMap::new(),
                wild: Vec::new(),
                access_levels: Vec::new(),
                read_prefixes: vec!["Get".into(), "List".into(), "Describe".into()],
                destroy_prefixes: vec!["Delete".into(), "Terminate".into()],
                passrole: Vec::new(),
                examples: Vec::new(),
                cache: Mutex::default(),
                shared: Mutex::default(),
                tables: Mutex::default(),
            })
        })
    }

    /// Every concrete action the table names (a fallback action universe
    /// when no catalog is available).
    pub fn named_actions(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for r in &self.rules {
            for p in r.names.iter().chain(r.backups.iter()) {
                if !p.contains(['*', '?']) {
                    out.insert(p.clone());
                }
            }
        }
        for p in &self.passrole {
            out.extend(p.actions.iter().cloned());
        }
        for e in &self.examples {
            // Examples may be written in odd case on purpose.
            if !out.iter().any(|o| o.eq_ignore_ascii_case(&e.action)) {
                out.insert(e.action.clone());
            }
        }
        out
    }

    /// [`Classifier::classify`] with the catalog's access level, shared:
    /// each action is classified once per process, not once per policy
    /// combination that holds it.
    pub fn classify_shared(
        &self,
        action: &str,
        catalog: &dyn crate::classify::ActionCatalog,
    ) -> std::sync::Arc<Class> {
        // Keyed by the catalog too: another catalog may give the same
        // action another access level.
        let which = catalog_key(catalog);
        if let Ok(cache) = self.shared.lock() {
            if let Some(c) = cache.get(&which).and_then(|m| m.get(action)) {
                return c.clone();
            }
        }
        let c = std::sync::Arc::new(self.classify(action, catalog.access_level(action)));
        if let Ok(mut cache) = self.shared.lock() {
            cache
                .entry(which)
                .or_default()
                .insert(action.to_string(), c.clone());
        }
        c
    }

    /// [`Classifier::classify_shared`] of many actions at once, the ones
    /// not classified yet on all cores (the action table classifies every
    /// action of the catalog).
    pub fn classify_all(
        &self,
        actions: &[String],
        catalog: &dyn crate::classify::ActionCatalog,
    ) -> Vec<std::sync::Arc<Class>> {
        use rayon::prelude::*;
        let which = catalog_key(catalog);
        let known: Vec<Option<std::sync::Arc<Class>>> = match self.shared.lock() {
            Ok(cache) => {
                let m = cache.get(&which);
                actions
                    .iter()
                    .map(|a| m.and_then(|m| m.get(a.as_str())).cloned())
                    .collect()
            }
            Err(_) => vec![None; actions.len()],
        };
        let classes: Vec<std::sync::Arc<Class>> = actions
            .par_iter()
            .zip(known)
            // Not through `classify`: its cache is one lock, which every
            // thread would take twice per action; the answer is the same.
            .map(|(a, k)| {
                k.unwrap_or_else(|| {
                    std::sync::Arc::new(self.classify_uncached(a, catalog.access_level(a)))
                })
            })
            .collect();
        if let Ok(mut cache) = self.shared.lock() {
            let m = cache.entry(which).or_default();
            for (a, c) in actions.iter().zip(&classes) {
                m.entry(a.clone()).or_insert_with(|| c.clone());
            }
        }
        classes
    }

    /// The dense action table of `catalog` (every action with an integer
    /// id and its class), built once per (classifier, catalog).
    pub fn action_table(
        &self,
        catalog: &dyn crate::classify::ActionCatalog,
    ) -> std::sync::Arc<crate::reach::ActionTable> {
        let which = catalog_key(catalog);
        if let Ok(t) = self.tables.lock() {
            if let Some(t) = t.get(&which) {
                return t.clone();
            }
        }
        let t = std::sync::Arc::new(crate::reach::ActionTable::build(catalog, self));
        if let Ok(mut tables) = self.tables.lock() {
            tables.entry(which).or_insert_with(|| t.clone());
        }
        t
    }

    /// Classify one concrete action; `level` is the catalog's access level
    /// when the catalog knows it.
    pub fn classify(&self, action: &str, level: Option<AccessLevel>) -> Class {
        let key = (action.to_ascii_lowercase(), level);
        if let Ok(cache) = self.cache.lock() {
            if let Some(c) = cache.get(&key) {
                return c.clone();
            }
        }
        let c = self.classify_uncached(action, level);
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(key, c.clone());
        }
        c
    }

    fn classify_uncached(&self, action: &str, level: Option<AccessLevel>) -> Class {
        let lower = action.to_ascii_lowercase();
        // The first rule in table order that matches, exact or wildcard.
        let by_exact = self.exact.get(&lower).copied();
        let by_wild = self
            .wild
            .iter()
            .find(|(p, _)| simple_glob(p, &lower, false))
            .map(|(_, i)| *i);
        let hit = match (by_exact, by_wild) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(r) = hit.and_then(|i| self.rules.get(i)) {
            {
                return Class {
                    category: r.category,
                    data: r.data,
                    weight: r.weight,
                    backups: r.backups.clone(),
                    destroys_backups: r.destroys_backups,
                    source: "classification rule",
                };
            }
        }
        let name = action.split_once(':').map(|(_, n)| n).unwrap_or(action);
        let starts = |prefixes: &[String]| {
            prefixes.iter().any(|p| {
                name.len() >= p.len()
                    && name.is_char_boundary(p.len())
                    && name[..p.len()].eq_ignore_ascii_case(p)
            })
        };
        let plain = |category, source| Class {
            category,
            data: false,
            weight: 0,
            backups: Vec::new(),
            destroys_backups: false,
            source,
        };
        if matches!(level, None | Some(AccessLevel::Write)) && starts(&self.destroy_prefixes) {
            return plain(Category::Destroy, "destroying verb");
        }
        if let Some(level) = level {
            if let Some((_, c)) = self.access_levels.iter().find(|(l, _)| *l == level) {
                return plain(*c, "catalog access level");
            }
        }
        if starts(&self.read_prefixes) {
            plain(Category::Read, "reading verb")
        } else {
            plain(Category::Write, "other verb (counted as write)")
        }
    }
}

/// Which catalog a cache entry belongs to: its address (another catalog
/// may give the same action another access level).
fn catalog_key(catalog: &dyn crate::classify::ActionCatalog) -> usize {
    catalog as *const dyn crate::classify::ActionCatalog as *const () as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_loads_and_examples_hold() {
        let c = Classifier::from_toml(TABLE).expect("table parses");
        assert!(!c.examples.is_empty());
        let cat = TableCatalog::embedded();
        for e in &c.examples {
            let got = c.classify(&e.action, cat.access_level(&e.action));
            assert_eq!(got.category, e.category, "{}", e.action);
            assert_eq!(got.data, e.data, "data flag of {}", e.action);
            assert_eq!(
                got.destroys_backups, e.destroys_backups,
                "destroys_backups of {}",
                e.action
            );
        }
    }

    #[test]
    fn access_levels_map_by_default() {
        let c = Classifier::embedded();
        assert_eq!(
            c.classify("iam:TagRole", Some(AccessLevel::Tagging))
                .category,
            Category::Write
        );
        assert_eq!(
            c.classify("iam:DoSomething", Some(AccessLevel::PermissionsManagement))
                .category,
            Category::Escalate
        );
        assert_eq!(
            c.classify("ec2:DeleteTags", Some(AccessLevel::Tagging))
                .category,
            Category::Write
        );
        assert_eq!(
            c.classify("iam:DeleteRole", Some(AccessLevel::Write))
                .category,
            Category::Destroy
        );
        assert_eq!(
            c.classify("x:ListThings", Some(AccessLevel::List)).category,
            Category::Read
        );
    }

    #[test]
    fn bad_tables_are_errors() {
        assert!(Classifier::from_toml("nonsense = [").is_err());
        let t = TABLE.replace("\"Permissions management\"", "\"Perms\"");
        assert!(Classifier::from_toml(&t).is_err());
    }

    #[test]
    fn backups_are_named() {
        let c = Classifier::embedded();
        let k = c.classify("rds:DeleteDBInstance", None);
        assert!(k.backups.iter().any(|b| b == "rds:DeleteDBSnapshot"));
        assert!(c.classify("rds:DeleteDBSnapshot", None).destroys_backups);
    }

    /// `crate::prepare` builds the table beside the parse so that the
    /// audit finds it: a classifier keeps one table per catalog.
    #[test]
    fn a_classifier_builds_its_action_table_once_per_catalog() {
        let c = Classifier::from_toml(TABLE).expect("table parses");
        let catalog = default_catalog();
        let first = c.action_table(catalog);
        let again = c.action_table(catalog);
        assert!(std::sync::Arc::ptr_eq(&first, &again));
        assert!(first.entries.len() > 20_000, "{}", first.entries.len());
        let other = c.action_table(TableCatalog::embedded());
        assert!(!std::sync::Arc::ptr_eq(&first, &other));
        assert!(other.entries.len() < first.entries.len());
    }
}
