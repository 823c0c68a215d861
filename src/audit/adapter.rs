//! What the pipeline needs of a provider adapter, and the steps every
//! provider shares: load exports, add export-only credentials, collect the
//! rest live, assess. One small impl per provider (`railway.rs`, `github.rs`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use blastradius_report::{Assessment, Provider};

use super::RunError;
use crate::credentials::Credential;
use crate::progress::Progress;

pub trait Adapter {
    const PROVIDER: Provider;
    /// For messages: `Railway`, `GitHub`.
    const NAME: &'static str;
    const EXPORT_FORMAT: &'static str;
    const EXPORT_FLAG: &'static str;

    /// What was collected for one token (no secret in it).
    type Token: Clone + Send + 'static;

    /// Parses an export file whose `format` marker was already checked.
    fn parse_export(value: serde_json::Value) -> Result<Vec<Self::Token>, String>;
    fn export_json(tokens: Vec<Self::Token>) -> Result<String, serde_json::Error>;

    fn fingerprint(token: &Self::Token) -> &str;
    fn redacted(token: &Self::Token) -> &str;
    fn source(token: &Self::Token) -> &str;
    fn kind(token: &Self::Token) -> String;
    fn assess(token: &Self::Token) -> Assessment;
    /// When collection learned nothing at all: what failed, and where.
    fn failure(token: &Self::Token) -> Option<String>;

    #[cfg(feature = "live")]
    fn collect(
        api_url: &str,
        credential: &Credential,
        secret: &blastradius_report::Secret,
        progress: &(dyn Fn(&str) + Sync),
    ) -> impl std::future::Future<Output = Self::Token>;
}

/// One provider's data for this run, by fingerprint.
pub struct Step<A: Adapter> {
    /// The token data, and whether it was collected live in this run.
    data: HashMap<String, (A::Token, bool)>,
}

impl<A: Adapter> Step<A> {
    pub fn from_exports(paths: &[PathBuf], errors: &mut Vec<RunError>) -> Self {
        let mut data = HashMap::new();
        for path in paths {
            match load_export::<A>(path) {
                Ok(tokens) => {
                    for token in tokens {
                        data.entry(A::fingerprint(&token).to_string())
                            .or_insert((token, false));
                    }
                }
                Err(message) => errors.push(RunError::Export {
                    provider: A::NAME,
                    path: path.display().to_string(),
                    message,
                }),
            }
        }
        Step { data }
    }

    /// Tokens known only from an export (no secret at hand) are credentials
    /// of the run too: the export says where they were found.
    pub fn add_export_only(&self, credentials: &mut Vec<Credential>) {
        let mut tokens: Vec<&A::Token> = self.data.values().map(|(t, _)| t).collect();
        tokens.sort_by(|a, b| A::fingerprint(a).cmp(A::fingerprint(b)));
        for token in tokens {
            let known = credentials
                .iter()
                .any(|c| c.provider == A::PROVIDER && c.fingerprint == A::fingerprint(token));
            if !known {
                credentials.push(Credential::known(
                    A::PROVIDER,
                    A::fingerprint(token),
                    A::kind(token),
                    A::redacted(token).to_string(),
                    A::source(token).to_string(),
                ));
            }
        }
    }

    /// Collects every credential of this provider that has a secret and no
    /// data yet.
    #[cfg(feature = "live")]
    pub fn collect_missing(
        &mut self,
        credentials: &[Credential],
        api_url: &str,
        progress: &Progress,
    ) {
        let todo: Vec<&Credential> = credentials
            .iter()
            .filter(|c| c.provider == A::PROVIDER && !self.data.contains_key(&c.fingerprint))
            .filter(|c| c.secret.is_some())
            .collect();
        if todo.is_empty() {
            return;
        }
        let runtime = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                tracing::error!("cannot start the async runtime: {e}");
                return;
            }
        };
        let report = |message: &str| progress.message(&format!("{}: {message}", A::NAME));
        runtime.block_on(async {
            for credential in todo {
                let Some(secret) = &credential.secret else {
                    continue;
                };
                let token = A::collect(api_url, credential, secret, &report).await;
                self.data
                    .insert(credential.fingerprint.clone(), (token, true));
            }
        });
    }

    #[cfg(not(feature = "live"))]
    pub fn collect_missing(&mut self, _: &[Credential], _: &str, _: &Progress) {}

    /// The assessment of one credential, `None` when there is no data for it.
    /// A live collection that learned nothing is a run error (exit status 2);
    /// a partial one is only marked partial in the report.
    pub fn assess(
        &self,
        credential: &Credential,
        errors: &mut Vec<RunError>,
    ) -> Option<Assessment> {
        let (token, live) = self.data.get(&credential.fingerprint)?;
        if *live {
            if let Some(message) = A::failure(token) {
                errors.push(RunError::Collect {
                    provider: A::NAME,
                    what: format!("token {}", credential.redacted),
                    origin: credential.source.clone(),
                    message,
                });
            }
        }
        Some(A::assess(token))
    }

    /// Every token collected or loaded, in a stable order (for `collect`).
    pub fn into_tokens(self) -> Vec<A::Token> {
        let mut tokens: Vec<A::Token> = self.data.into_values().map(|(t, _)| t).collect();
        tokens.sort_by(|a, b| A::source(a).cmp(A::source(b)));
        tokens
    }
}

fn load_export<A: Adapter>(path: &Path) -> Result<Vec<A::Token>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    // Check the format marker first, so that a GitHub export or a GAAD given
    // to the wrong flag says so instead of "missing field".
    match value.get("format").and_then(|f| f.as_str()) {
        Some(format) if format == A::EXPORT_FORMAT => A::parse_export(value),
        Some(other) => Err(format!(
            "format is `{other}`, expected `{}`",
            A::EXPORT_FORMAT
        )),
        None => Err(format!(
            "no `format` field: not a {} export (make one with `blastradius collect {} FILE`)",
            A::NAME,
            A::EXPORT_FLAG
        )),
    }
}

/// Writes the tokens as one export file.
pub fn write_export<A: Adapter>(path: &Path, tokens: Vec<A::Token>) -> std::io::Result<()> {
    let mut text = A::export_json(tokens).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(path, text)
}

pub fn missing_reason<A: Adapter>(offline: bool) -> String {
    if offline {
        format!(
            "--offline was given and no {flag} holds this token (make one with \
             `blastradius collect {flag} FILE`)",
            flag = A::EXPORT_FLAG
        )
    } else if cfg!(feature = "live") {
        "no data could be collected for it".to_string()
    } else {
        format!(
            "this build has no live collection (cargo feature `live`); give a {}",
            A::EXPORT_FLAG
        )
    }
}
