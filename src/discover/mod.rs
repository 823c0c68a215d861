//! Credential discovery: finds tokens in a workspace and the environment the
//! way an agent would.
//!
//! - `rules.toml` / [`rules`]: what each token looks like and the context it
//!   needs (data, with examples a test enforces);
//! - [`matcher`]: an anchor prefilter over each buffer, then the rules on the
//!   lines around a hit;
//! - [`context`]: names, boundaries and sections around a match;
//! - [`walk`]: the parallel tree walk, reading and skipping.

use std::path::{Path, PathBuf};

use blastradius_report::{Provider, Secret};

/// Where a credential was found.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Location {
    File { path: PathBuf, line: usize },
    Env { var: String },
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File { path, line } => write!(f, "{}:{line}", path.display()),
            Location::Env { var } => write!(f, "env {var}"),
        }
    }
}

/// One credential found.
#[derive(Debug, Clone)]
pub struct Found {
    pub provider: Provider,
    /// The id of the rule that matched, e.g. `railway.env-token`.
    pub rule: String,
    /// What the rule says this is, e.g. `railway-token`, `railway-project-token`.
    pub kind: String,
    pub secret: Secret,
    /// For AWS: the access key id that goes with the secret (not secret itself).
    pub key_id: Option<String>,
    /// The variable or key name that gave the match its context.
    pub name: Option<String>,
    pub location: Location,
}

impl Found {
    /// Something a reader should know about this finding, e.g. an AWS key id
    /// found without its secret. Derived from the kind rather than stored, so
    /// that `Found` stays constructible by struct literal elsewhere.
    pub fn note(&self) -> Option<&'static str> {
        match self.kind.as_str() {
            "aws-access-key-id" => Some(
                "AWS access key id found without its secret access key nearby; \
                 the secret may be elsewhere (env, another file)",
            ),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files larger than this are skipped (and reported as skipped); 0 means
    /// no limit.
    pub max_file_size: u64,
    /// Draw a progress line on stderr (only when it is a terminal).
    pub progress: bool,
}

/// The default size limit: config and source files are far smaller; larger
/// text files are logs, dumps and bundles.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 * 1024 * 1024;

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            progress: false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

#[derive(Debug, Clone, Default)]
pub struct ScanReport {
    pub found: Vec<Found>,
    pub skipped: Vec<Skipped>,
    pub files_scanned: u64,
    pub bytes_scanned: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("cannot scan {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Cannot happen with the shipped rules (a test compiles them); kept as
    /// an error rather than a panic all the same.
    #[error("the built-in discovery rules are invalid: {0}")]
    Rules(String),
}

mod checksum;
mod context;
mod matcher;
pub mod rules;
mod walk;

#[cfg(test)]
mod tests;

pub use checksum::{fake_github_token, github_crc32_ok};

fn to_found(rules: &rules::Rules, hit: matcher::Hit, location: Location) -> Found {
    let rule = &rules.rules[hit.rule];
    Found {
        provider: rule.provider,
        rule: rule.id.clone(),
        kind: hit.kind,
        secret: Secret::new(hit.secret),
        key_id: hit.key_id,
        name: hit.name,
        location,
    }
}

/// Sorted by location (path, line); one entry per (secret, location).
fn finish(mut found: Vec<Found>) -> Vec<Found> {
    // Secret before rule, so that equal (location, secret) pairs are adjacent
    // for `dedup_by`; the rule makes the order total, so runs diff cleanly.
    found.sort_by(|a, b| {
        a.location
            .cmp(&b.location)
            .then_with(|| a.secret.expose().cmp(b.secret.expose()))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    found.dedup_by(|b, a| a.location == b.location && a.secret == b.secret);
    found
}

/// Scans a file or a directory tree. Paths in the result are `root` joined
/// with the path below it. Fails only when `root` itself cannot be read;
/// anything below it that cannot be read is listed in `skipped`.
pub fn scan_path(root: &Path, options: &ScanOptions) -> Result<ScanReport, ScanError> {
    let rules = rules::builtin().map_err(|e| ScanError::Rules(e.to_string()))?;
    std::fs::metadata(root).map_err(|source| ScanError::Io {
        path: root.to_path_buf(),
        source,
    })?;
    let outcome = walk::walk(root, options, rules);
    let found = outcome
        .collected
        .hits
        .into_iter()
        .map(|(path, hit)| {
            let line = hit.line;
            to_found(rules, hit, Location::File { path, line })
        })
        .collect();
    let mut skipped = outcome.collected.skipped;
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(ScanReport {
        found: finish(found),
        skipped,
        files_scanned: outcome.files,
        bytes_scanned: outcome.bytes,
    })
}

/// Runs the same rules over environment variables, each seen as the line
/// `VAR=value`. AWS ids in one variable pair with a secret in another
/// (`AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY`, prefixes matching).
pub fn scan_env(vars: impl IntoIterator<Item = (String, String)>) -> Vec<Found> {
    let Ok(rules) = rules::builtin() else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut hits = Vec::new();
    // (var, secret) for every variable that holds an AWS secret access key.
    let mut aws_secrets: Vec<(String, String)> = Vec::new();
    for (var, value) in vars {
        let line = format!("{var}={value}");
        for rule in &rules.rules {
            if let Some(p) = &rule.pairing {
                for caps in p.assignment.captures_iter(line.as_bytes()) {
                    if let (Some(k), Some(s)) = (caps.name("key"), caps.name("secret")) {
                        if k.start() == 0 && k.end() == var.len() && p.key.is_match(k.as_bytes()) {
                            aws_secrets.push((
                                var.clone(),
                                String::from_utf8_lossy(s.as_bytes()).into_owned(),
                            ));
                        }
                    }
                }
            }
        }
        matcher::scan_bytes(rules, None, line.as_bytes(), &mut hits);
        for mut hit in hits.drain(..) {
            let rule = &rules.rules[hit.rule];
            if rule.pairing.is_some() && hit.kind != rule.kind {
                hit.name = Some(var.clone());
            }
            found.push((var.clone(), hit));
        }
    }
    let found = found
        .into_iter()
        .map(|(var, mut hit)| {
            let rule = &rules.rules[hit.rule];
            if rule.pairing.is_some() && hit.kind != rule.kind {
                // An id alone in its variable: pair with the secret variable
                // sharing the longest name prefix.
                let best = aws_secrets
                    .iter()
                    .max_by_key(|(v, _)| common_prefix(v, &var))
                    .cloned();
                if let Some((_, secret)) = best {
                    hit.kind = rule.kind.clone();
                    hit.secret = secret;
                    hit.note = None;
                }
            }
            to_found(rules, hit, Location::Env { var })
        })
        .collect();
    finish(found)
}

fn common_prefix(a: &str, b: &str) -> usize {
    a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count()
}
