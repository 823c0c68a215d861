//! Credential discovery: finds tokens in a workspace and the environment the
//! way an agent would. (Interface; the scanner is being written.)

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

#[derive(Debug, Clone, Default)]
pub struct ScanOptions {
    /// Files larger than this are skipped (and reported as skipped).
    pub max_file_size: u64,
    /// Draw a progress line on stderr (only when it is a terminal).
    pub progress: bool,
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
}

pub fn scan_path(_root: &Path, _options: &ScanOptions) -> Result<ScanReport, ScanError> {
    Ok(ScanReport::default())
}

pub fn scan_env(_vars: impl IntoIterator<Item = (String, String)>) -> Vec<Found> {
    Vec::new()
}
