//! The Railway step of the pipeline: exports in, live collection for tokens
//! without one, assessment out.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use blastradius_railway::export::{RailwayExport, TokenType, EXPORT_FORMAT, EXPORT_VERSION};
use blastradius_railway::TokenExport;
use blastradius_report::{Assessment, Provider};

use super::RunError;
use crate::credentials::Credential;
use crate::progress::Progress;
use crate::settings::RailwaySettings;

/// Railway data for one token, and whether it was just collected.
pub enum Data {
    Export(TokenExport),
    #[cfg_attr(not(feature = "live"), allow(dead_code))]
    Live(TokenExport),
}

impl Data {
    pub fn export(&self) -> &TokenExport {
        match self {
            Data::Export(e) | Data::Live(e) => e,
        }
    }

    pub fn assess(&self) -> Assessment {
        blastradius_railway::assess::assess(self.export())
    }

    /// A live collection that could determine nothing at all is a run error
    /// (exit status 2); a partial one is only marked partial in the report.
    pub fn collect_error(&self, credential: &Credential) -> Option<RunError> {
        let Data::Live(export) = self else {
            return None;
        };
        if export.token_type != TokenType::Unknown {
            return None;
        }
        let first = export.errors.first()?;
        Some(RunError::Collect {
            provider: "Railway",
            redacted: credential.redacted.clone(),
            origin: credential.source.clone(),
            message: match &first.object {
                Some(object) => format!("{} ({}): {}", first.query, object, first.message),
                None => format!("{}: {}", first.query, first.message),
            },
        })
    }
}

pub fn load_exports(paths: &[PathBuf], errors: &mut Vec<RunError>) -> Vec<TokenExport> {
    let mut tokens = Vec::new();
    for path in paths {
        match load_export(path) {
            Ok(export) => tokens.extend(export.tokens),
            Err(message) => errors.push(RunError::Export {
                path: path.display().to_string(),
                message,
            }),
        }
    }
    tokens
}

fn load_export(path: &Path) -> Result<RailwayExport, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    // Check the format marker first, so that a GitHub export or a GAAD given
    // here says so instead of "missing field".
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(EXPORT_FORMAT) => {}
        Some(other) => return Err(format!("format is `{other}`, expected `{EXPORT_FORMAT}`")),
        None => {
            return Err(format!(
                "no `format` field: not a Railway export (make one with `blastradius collect --railway-export FILE`)"
            ))
        }
    }
    let export: RailwayExport = serde_json::from_value(value).map_err(|e| e.to_string())?;
    if export.version != EXPORT_VERSION {
        return Err(format!(
            "version {} is not supported (this build reads version {EXPORT_VERSION})",
            export.version
        ));
    }
    Ok(export)
}

/// Tokens known only from an export (no secret at hand) are credentials of
/// the run too: the export says where they were found.
pub fn add_export_only(credentials: &mut Vec<Credential>, exports: &[TokenExport]) {
    for export in exports {
        let known = credentials
            .iter()
            .any(|c| c.provider == Provider::Railway && c.fingerprint == export.fingerprint);
        if !known {
            credentials.push(Credential {
                provider: Provider::Railway,
                kind_hint: export.token_type.kind().to_string(),
                secret: None,
                fingerprint: export.fingerprint.clone(),
                redacted: export.redacted.clone(),
                source: export.source.clone(),
                also_at: Vec::new(),
            });
        }
    }
}

pub fn missing_reason(offline: bool) -> String {
    if offline {
        "--offline was given and no --railway-export holds this token (make one with \
         `blastradius collect --railway-export FILE`)"
            .to_string()
    } else {
        "this build has no live collection (cargo feature `live`); give a --railway-export"
            .to_string()
    }
}

#[cfg(feature = "live")]
pub fn collect_missing(
    credentials: &[Credential],
    settings: &RailwaySettings,
    data: &mut HashMap<String, Data>,
    progress: &Progress,
) {
    for export in collect_live(credentials, settings, data, progress) {
        data.insert(export.fingerprint.clone(), Data::Live(export));
    }
}

#[cfg(not(feature = "live"))]
pub fn collect_missing(
    _credentials: &[Credential],
    _settings: &RailwaySettings,
    _data: &mut HashMap<String, Data>,
    _progress: &Progress,
) {
}

/// Collects every Railway credential that has a secret and no data yet.
#[cfg(feature = "live")]
pub fn collect_live(
    credentials: &[Credential],
    settings: &RailwaySettings,
    data: &HashMap<String, Data>,
    progress: &Progress,
) -> Vec<TokenExport> {
    use blastradius_railway::live::{collect, CollectConfig, TokenHint};

    let todo: Vec<&Credential> = credentials
        .iter()
        .filter(|c| c.provider == Provider::Railway && !data.contains_key(&c.fingerprint))
        .filter(|c| c.secret.is_some())
        .collect();
    if todo.is_empty() {
        return Vec::new();
    }
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!("cannot start the async runtime: {e}");
            return Vec::new();
        }
    };
    let config = CollectConfig {
        api_url: settings.api_url.clone(),
        ..CollectConfig::default()
    };
    let report = |message: &str| progress.message(&format!("railway: {message}"));
    runtime.block_on(async {
        let mut exports = Vec::with_capacity(todo.len());
        for credential in todo {
            let Some(secret) = &credential.secret else {
                continue;
            };
            let hint = if credential.kind_hint == "railway-project-token" {
                TokenHint::Project
            } else {
                TokenHint::Any
            };
            exports.push(collect(&config, secret, &credential.source, hint, &report).await);
        }
        exports
    })
}

/// Writes the collected tokens as one Railway export.
pub fn write_export(path: &Path, tokens: Vec<TokenExport>) -> std::io::Result<()> {
    let export = RailwayExport::new(tokens);
    let mut text = serde_json::to_string_pretty(&export).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(path, text)
}
