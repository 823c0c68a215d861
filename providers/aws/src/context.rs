//! The request context: condition keys and their values.

use std::collections::HashMap;

/// One context key's value: single-valued (`aws:SourceIp`) or a set
/// (`aws:TagKeys`), the distinction the set operators rely on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContextValue {
    Single(String),
    Multi(Vec<String>),
}

impl ContextValue {
    pub fn values(&self) -> Vec<&str> {
        match self {
            ContextValue::Single(v) => vec![v.as_str()],
            ContextValue::Multi(vs) => vs.iter().map(String::as_str).collect(),
        }
    }
}

/// What a lookup found. `Unknown` only arises when the context is partial
/// (the auditor does not know e.g. the caller's source IP): it keeps an
/// unknown unknown instead of treating it as absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup<'a> {
    Present(&'a ContextValue),
    Missing,
    Unknown,
}

/// Condition keys are case-insensitive (IAM User Guide, "IAM JSON policy
/// elements: Condition": "Condition key names are not case-sensitive"), so
/// keys are stored lowercased.
#[derive(Debug, Clone, Default)]
pub struct Context {
    values: HashMap<String, ContextValue>,
    /// When true, a key not supplied is *unknown* (auditor mode); when false,
    /// it is absent from the request (simulate mode: the request is complete).
    missing_is_unknown: bool,
    /// Keys known to be absent even in partial mode.
    known_absent: Vec<String>,
}

impl Context {
    /// A complete request context: anything not given is absent.
    pub fn complete() -> Self {
        Self::default()
    }

    /// A partial context: anything not given is unknown, so conditions on
    /// it come out `Conditional`.
    pub fn partial() -> Self {
        Context {
            missing_is_unknown: true,
            ..Self::default()
        }
    }

    pub fn insert(&mut self, key: &str, value: ContextValue) {
        self.values.insert(key.to_ascii_lowercase(), value);
    }

    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.insert(key, ContextValue::Single(value.to_string()));
        self
    }

    pub fn with_multi(mut self, key: &str, values: &[&str]) -> Self {
        self.insert(
            key,
            ContextValue::Multi(values.iter().map(|s| s.to_string()).collect()),
        );
        self
    }

    /// Mark a key as known to be absent (partial mode only matters).
    pub fn mark_absent(&mut self, key: &str) {
        self.known_absent.push(key.to_ascii_lowercase());
    }

    pub fn contains(&self, key: &str) -> bool {
        self.values.contains_key(&key.to_ascii_lowercase())
    }

    pub fn lookup(&self, key: &str) -> Lookup<'_> {
        let k = key.to_ascii_lowercase();
        match self.values.get(&k) {
            Some(v) => Lookup::Present(v),
            None if self.missing_is_unknown && !self.known_absent.contains(&k) => Lookup::Unknown,
            None => Lookup::Missing,
        }
    }
}
