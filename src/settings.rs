//! Validated settings: the raw flags of [`crate::cli`] and the environment,
//! checked once before any work starts, so that a typo fails fast with a
//! message that names the flag.

use std::path::PathBuf;

use blastradius_report::render::Format;
use blastradius_report::{Provider, Secret, Severity};

use crate::cli::{FormatArg, SeverityArg, SourceArgs};
use crate::config::Config;
use crate::discover::ScanOptions;

/// Default token variables, in the order the contract gives.
pub const RAILWAY_TOKEN_VARS: &[&str] = &["RAILWAY_API_TOKEN", "RAILWAY_TOKEN"];
pub const GITHUB_TOKEN_VARS: &[&str] = &["GITHUB_TOKEN", "GH_TOKEN"];
pub const GITHUB_API_URL: &str = "https://api.github.com";

#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("environment variable `{var}` (named by {flag}) is not set or empty")]
    MissingEnv { var: String, flag: &'static str },
    #[error("{flag} `{value}` is not an http(s) URL")]
    BadUrl { flag: &'static str, value: String },
    #[error("{what} `{}` does not exist", path.display())]
    MissingPath { what: &'static str, path: PathBuf },
    #[error("`scan` writes table or json, not {0}")]
    ScanFormat(&'static str),
}

/// A token taken from an environment variable.
#[derive(Debug, Clone)]
pub struct EnvToken {
    pub provider: Provider,
    pub var: String,
    pub secret: Secret,
}

/// One provider's endpoint and export files.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub api_url: String,
    pub exports: Vec<PathBuf>,
}

/// Where credentials come from, shared by `audit` and `collect`.
#[derive(Debug, Clone)]
pub struct Sources {
    pub workspace: Option<PathBuf>,
    pub scan: ScanOptions,
    pub env_tokens: Vec<EnvToken>,
    /// Also run the discovery rules over every environment variable (the
    /// checklist: what a process started here could reach).
    pub scan_environment: bool,
    /// `--no-env`: no token is taken from the environment at all.
    pub no_env: bool,
    pub railway: ProviderSettings,
    pub github: ProviderSettings,
    pub aws: AwsSettings,
}

#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    /// `--aws-gaad` files.
    pub gaad: Vec<PathBuf>,
    /// `--aws`: collect the chain's account live.
    pub live: bool,
}

#[derive(Debug, Clone)]
pub struct OutputSettings {
    pub format: Format,
    pub path: Option<PathBuf>,
    /// Colour only when writing to a terminal and `NO_COLOR` is unset.
    pub color: bool,
}

#[derive(Debug, Clone)]
pub struct AuditSettings {
    pub sources: Sources,
    pub config: Config,
    pub offline: bool,
    pub output: OutputSettings,
    pub fail_on: Option<Severity>,
    /// Progress lines on stderr (only when it is a terminal).
    pub progress: bool,
}

/// Reads the environment through a function so that tests can give their own.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

pub fn sources(
    workspace: Option<PathBuf>,
    args: &SourceArgs,
    max_file_size: u64,
    env: EnvLookup<'_>,
) -> Result<Sources, SettingsError> {
    if let Some(path) = &workspace {
        if !path.exists() {
            return Err(SettingsError::MissingPath {
                what: "workspace",
                path: path.clone(),
            });
        }
    }
    check_url("--railway-api-url", &args.railway_api_url)?;
    let github_api_url = match &args.github_api_url {
        Some(url) => {
            check_url("--github-api-url", url)?;
            url.clone()
        }
        None => match env("GITHUB_API_URL").filter(|v| !v.trim().is_empty()) {
            Some(url) => {
                check_url("GITHUB_API_URL", &url)?;
                url
            }
            None => GITHUB_API_URL.to_string(),
        },
    };
    let mut env_tokens = Vec::new();
    if !args.no_env {
        let wanted = [
            (
                Provider::Railway,
                args.railway_token_env.as_deref(),
                "--railway-token-env",
                RAILWAY_TOKEN_VARS,
            ),
            (
                Provider::Github,
                args.github_token_env.as_deref(),
                "--github-token-env",
                GITHUB_TOKEN_VARS,
            ),
        ];
        for (provider, named, flag, defaults) in wanted {
            if let Some(token) = env_token(provider, named, flag, defaults, env)? {
                env_tokens.push(token);
            }
        }
    }
    Ok(Sources {
        workspace,
        scan: ScanOptions {
            max_file_size,
            progress: stderr_is_terminal(),
        },
        env_tokens,
        scan_environment: false,
        no_env: args.no_env,
        railway: ProviderSettings {
            api_url: args.railway_api_url.clone(),
            exports: args.railway_export.clone(),
        },
        github: ProviderSettings {
            api_url: github_api_url,
            exports: args.github_export.clone(),
        },
        aws: AwsSettings {
            gaad: args.aws_gaad.clone(),
            live: args.aws,
        },
    })
}

/// A variable named by `--*-token-env VAR` must be set; without one, the
/// first of the default variables that is set is used, and none is fine.
fn env_token(
    provider: Provider,
    named: Option<&str>,
    flag: &'static str,
    defaults: &[&str],
    env: EnvLookup<'_>,
) -> Result<Option<EnvToken>, SettingsError> {
    let non_empty = |var: &str| env(var).filter(|v| !v.trim().is_empty());
    let found = match named {
        Some(var) => Some((
            var.to_string(),
            non_empty(var).ok_or_else(|| SettingsError::MissingEnv {
                var: var.to_string(),
                flag,
            })?,
        )),
        None => defaults
            .iter()
            .find_map(|var| non_empty(var).map(|value| (var.to_string(), value))),
    };
    Ok(found.map(|(var, value)| EnvToken {
        provider,
        var,
        secret: Secret::new(value.trim()),
    }))
}

fn check_url(flag: &'static str, value: &str) -> Result<(), SettingsError> {
    let ok = ["http://", "https://"]
        .iter()
        .any(|scheme| value.len() > scheme.len() && value.starts_with(scheme));
    if ok {
        Ok(())
    } else {
        Err(SettingsError::BadUrl {
            flag,
            value: value.to_string(),
        })
    }
}

pub fn format(arg: FormatArg) -> Format {
    match arg {
        FormatArg::Table => Format::Table,
        FormatArg::Json => Format::Json,
        FormatArg::Markdown => Format::Markdown,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Html => Format::Html,
    }
}

pub fn severity(arg: SeverityArg) -> Severity {
    match arg {
        SeverityArg::Critical => Severity::Critical,
        SeverityArg::High => Severity::High,
        SeverityArg::Medium => Severity::Medium,
        SeverityArg::Low => Severity::Low,
        SeverityArg::None => Severity::None,
    }
}

pub fn output(format: Format, path: Option<PathBuf>) -> OutputSettings {
    use std::io::IsTerminal;
    let color = path.is_none()
        && format == Format::Table
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    OutputSettings {
        format,
        path,
        color,
    }
}

pub fn stderr_is_terminal() -> bool {
    use std::io::IsTerminal;
    std::io::stderr().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| v.to_string())
        }
    }

    fn railway_env_token(
        named: Option<&str>,
        env: EnvLookup<'_>,
    ) -> Result<Option<EnvToken>, SettingsError> {
        env_token(
            Provider::Railway,
            named,
            "--railway-token-env",
            RAILWAY_TOKEN_VARS,
            env,
        )
    }

    #[test]
    fn github_chain_falls_back_to_gh_token() {
        let env = env_of(&[("GH_TOKEN", "gho_value_of_some_length_000")]);
        let token = env_token(
            Provider::Github,
            None,
            "--github-token-env",
            GITHUB_TOKEN_VARS,
            &env,
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (token.provider, token.var.as_str()),
            (Provider::Github, "GH_TOKEN")
        );
    }

    #[test]
    fn default_railway_chain_prefers_the_api_token() {
        let env = env_of(&[
            ("RAILWAY_TOKEN", "project-token-value-0000"),
            ("RAILWAY_API_TOKEN", "account-token-value-0000"),
        ]);
        let token = railway_env_token(None, &env).unwrap().unwrap();
        assert_eq!(token.provider, Provider::Railway);
        assert_eq!(token.var, "RAILWAY_API_TOKEN");
        assert_eq!(token.secret.expose(), "account-token-value-0000");
    }

    #[test]
    fn a_named_variable_must_be_set() {
        let env = env_of(&[("RAILWAY_API_TOKEN", "x")]);
        let err = railway_env_token(Some("MY_TOKEN"), &env).unwrap_err();
        assert!(err.to_string().contains("MY_TOKEN"), "{err}");
        assert!(err.to_string().contains("--railway-token-env"), "{err}");
    }

    #[test]
    fn no_token_anywhere_is_fine() {
        let env = env_of(&[]);
        assert!(railway_env_token(None, &env).unwrap().is_none());
    }

    #[test]
    fn urls_are_checked() {
        assert!(check_url("--railway-api-url", "http://127.0.0.1:9/graphql").is_ok());
        let err = check_url("--railway-api-url", "backboard.railway.com").unwrap_err();
        assert!(err.to_string().contains("--railway-api-url"));
    }
}
