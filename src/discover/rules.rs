//! The rule data (`rules.toml`) and its compiled form.
//!
//! Rules are data so that adding a token format is a reviewable TOML change
//! with examples, not a new branch of code.

use std::sync::OnceLock;

use blastradius_report::Provider;
use regex::bytes::Regex;
use serde::Deserialize;

/// The rule file, compiled into the binary.
pub const RULES_TOML: &str = include_str!("rules.toml");

/// The default `max_len`: every fixed-length token, and a key name with its
/// value, fits.
const DEFAULT_MAX_LEN: usize = 512;

/// Characters a key or variable name may hold in the assignment forms we
/// understand (`KEY=v`, `"key": "v"`, `key = "v"`, `key: v`, `ENV KEY v`).
const KEY_CHARS: &str = r"[A-Za-z0-9_.\-]";

#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    #[error("rules.toml is not valid: {0}")]
    Toml(#[from] toml::de::Error),
    #[error("rule {rule}: bad regex in `{field}`: {source}")]
    Regex {
        rule: String,
        field: &'static str,
        source: regex::Error,
    },
    #[error("rule {rule}: {message}")]
    Invalid { rule: String, message: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Context {
    /// The pattern alone is evidence.
    None,
    /// The secret must be the value of a suitably named key.
    Key,
    /// An AWS access key id, paired with a secret nearby.
    AwsPair,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Checksum {
    GithubCrc32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawKind {
    key: String,
    kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    provider: String,
    kind: String,
    #[serde(default)]
    anchors: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    pattern: String,
    context: Context,
    #[serde(default)]
    key: Option<String>,
    #[serde(default)]
    key_not: Option<String>,
    #[serde(default)]
    kinds: Vec<RawKind>,
    #[serde(default)]
    checksum: Option<Checksum>,
    #[serde(default)]
    min_len: Option<usize>,
    #[serde(default)]
    max_len: Option<usize>,
    #[serde(default)]
    reject: Option<String>,
    #[serde(default)]
    secret_key: Option<String>,
    #[serde(default)]
    secret_pattern: Option<String>,
    #[serde(default)]
    pair_lines: Option<usize>,
    #[serde(default)]
    pub example_path: Option<String>,
    #[serde(default)]
    pub positive: Vec<String>,
    #[serde(default)]
    pub negative: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRules {
    pub rule: Vec<RawRule>,
}

/// How an AWS id finds its secret.
#[derive(Debug)]
pub struct Pairing {
    /// `KEY sep SECRET` with groups `key` and `secret`.
    pub assignment: Regex,
    pub key: Regex,
    pub lines: usize,
}

#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub provider: Provider,
    pub kind: String,
    pub anchors: Vec<String>,
    pub paths: Vec<Regex>,
    pub context: Context,
    /// For `Context::Key`: `KEY sep SECRET` with groups `key` and `secret`;
    /// otherwise the bare pattern.
    pub regex: Regex,
    /// `regex` anchored at the start of the haystack: run at an anchor hit
    /// (for "key" rules: at the start of the key around the anchor).
    pub anchored: Regex,
    pub key: Option<Regex>,
    pub key_not: Option<Regex>,
    pub kinds: Vec<(Regex, String)>,
    pub checksum: Option<Checksum>,
    pub min_len: usize,
    /// How far past an anchor the rule may look: bounds the work per anchor
    /// on hostile input (a file of `ghs_ghs_ghs_...`).
    pub max_len: usize,
    pub reject: Option<Regex>,
    pub pairing: Option<Pairing>,
}

impl Rule {
    /// The kind for a match under `key` (the variable name, if any).
    pub fn kind_for(&self, key: Option<&str>) -> &str {
        if let Some(key) = key {
            for (re, kind) in &self.kinds {
                if re.is_match(key.as_bytes()) {
                    return kind;
                }
            }
        }
        &self.kind
    }

    /// Whether a key name gives this rule its context.
    pub fn key_accepts(&self, key: &str) -> bool {
        let k = key.as_bytes();
        self.key.as_ref().is_none_or(|re| re.is_match(k))
            && !self.key_not.as_ref().is_some_and(|re| re.is_match(k))
    }
}

/// All rules, plus the prefilter over their anchors.
#[derive(Debug)]
pub struct Rules {
    pub rules: Vec<Rule>,
    /// One alternation of every anchor literal: a single pass over a file
    /// tells whether any rule can match there at all.
    pub anchors: Option<Regex>,
    /// `anchor_rules[i]`: indexes of the rules that own anchor literal `i`
    /// (in the order of `anchor_literals`).
    pub anchor_literals: Vec<String>,
    pub anchor_rules: Vec<Vec<usize>>,
    /// Rules restricted to paths (they run on the whole file).
    pub path_rules: Vec<usize>,
}

fn compile(rule: &str, field: &'static str, pattern: &str) -> Result<Regex, RuleError> {
    Regex::new(pattern).map_err(|source| RuleError::Regex {
        rule: rule.to_string(),
        field,
        source,
    })
}

/// `KEY sep ["']SECRET` where the secret is `pattern`.
fn assignment(
    rule: &str,
    field: &'static str,
    key: &str,
    pattern: &str,
) -> Result<Regex, RuleError> {
    let re = format!(
        r#"(?P<key>{key})["']?(?:[ \t]*(?:=>|:=|=|:)[ \t]*|[ \t]+)["']?(?P<secret>{pattern})"#
    );
    compile(rule, field, &re)
}

fn provider(id: &str, name: &str) -> Result<Provider, RuleError> {
    match name {
        "aws" => Ok(Provider::Aws),
        "github" => Ok(Provider::Github),
        "railway" => Ok(Provider::Railway),
        other => Err(RuleError::Invalid {
            rule: id.to_string(),
            message: format!("unknown provider `{other}`"),
        }),
    }
}

pub fn parse_raw(text: &str) -> Result<RawRules, RuleError> {
    Ok(toml::from_str(text)?)
}

pub fn build(raw: &RawRules) -> Result<Rules, RuleError> {
    let key_any = format!("{KEY_CHARS}+");
    let mut rules = Vec::with_capacity(raw.rule.len());
    for r in &raw.rule {
        let invalid = |message: &str| RuleError::Invalid {
            rule: r.id.clone(),
            message: message.to_string(),
        };
        if r.anchors.is_empty() && r.paths.is_empty() {
            return Err(invalid("needs anchors or paths"));
        }
        if r.context == Context::Key && r.key.is_none() {
            return Err(invalid("context `key` needs `key`"));
        }
        let (regex, anchored) = match r.context {
            Context::Key => (
                assignment(&r.id, "pattern", &key_any, &r.pattern)?,
                assignment(&r.id, "pattern", &format!("^{key_any}"), &r.pattern)?,
            ),
            _ => (
                compile(&r.id, "pattern", &r.pattern)?,
                compile(&r.id, "pattern", &format!("^(?:{})", r.pattern))?,
            ),
        };
        let pairing = if r.context == Context::AwsPair {
            let (Some(key), Some(pattern)) = (&r.secret_key, &r.secret_pattern) else {
                return Err(invalid(
                    "context `aws-pair` needs secret_key and secret_pattern",
                ));
            };
            Some(Pairing {
                assignment: assignment(&r.id, "secret_pattern", &key_any, pattern)?,
                key: compile(&r.id, "secret_key", key)?,
                lines: r.pair_lines.unwrap_or(5),
            })
        } else {
            None
        };
        let opt = |field: &'static str, p: &Option<String>| {
            p.as_deref().map(|p| compile(&r.id, field, p)).transpose()
        };
        rules.push(Rule {
            id: r.id.clone(),
            provider: provider(&r.id, &r.provider)?,
            kind: r.kind.clone(),
            anchors: r.anchors.clone(),
            paths: r
                .paths
                .iter()
                .map(|p| compile(&r.id, "paths", p))
                .collect::<Result<_, _>>()?,
            context: r.context,
            regex,
            anchored,
            key: opt("key", &r.key)?,
            key_not: opt("key_not", &r.key_not)?,
            kinds: r
                .kinds
                .iter()
                .map(|k| Ok((compile(&r.id, "kinds", &k.key)?, k.kind.clone())))
                .collect::<Result<_, RuleError>>()?,
            checksum: r.checksum,
            min_len: r.min_len.unwrap_or(0),
            max_len: r.max_len.unwrap_or(DEFAULT_MAX_LEN),
            reject: opt("reject", &r.reject)?,
            pairing,
        });
    }

    let mut anchor_literals: Vec<String> = Vec::new();
    let mut anchor_rules: Vec<Vec<usize>> = Vec::new();
    let mut path_rules = Vec::new();
    for (i, rule) in rules.iter().enumerate() {
        if !rule.paths.is_empty() {
            path_rules.push(i);
            continue;
        }
        for a in &rule.anchors {
            match anchor_literals.iter().position(|l| l == a) {
                Some(j) => anchor_rules[j].push(i),
                None => {
                    anchor_literals.push(a.clone());
                    anchor_rules.push(vec![i]);
                }
            }
        }
    }
    let anchors = if anchor_literals.is_empty() {
        None
    } else {
        // Literal alternation: the regex crate turns this into a SIMD
        // multi-literal search (Teddy/Aho-Corasick), far faster than the
        // per-rule patterns.
        let alt: Vec<String> = anchor_literals.iter().map(|a| regex::escape(a)).collect();
        Some(compile("anchors", "anchors", &alt.join("|"))?)
    };
    Ok(Rules {
        rules,
        anchors,
        anchor_literals,
        anchor_rules,
        path_rules,
    })
}

/// The compiled built-in rules (compiled once per process).
pub fn builtin() -> Result<&'static Rules, &'static RuleError> {
    static RULES: OnceLock<Result<Rules, RuleError>> = OnceLock::new();
    RULES
        .get_or_init(|| parse_raw(RULES_TOML).and_then(|raw| build(&raw)))
        .as_ref()
}
