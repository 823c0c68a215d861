//! The GitHub adapter, as the pipeline sees it.

use blastradius_github::export::{GithubExport, TokenExport, TokenStatus, EXPORT_FORMAT};
use blastradius_report::{Assessment, Provider};

use super::adapter::Adapter;

pub struct Github;

impl Adapter for Github {
    const PROVIDER: Provider = Provider::Github;
    const NAME: &'static str = "GitHub";
    const EXPORT_FORMAT: &'static str = EXPORT_FORMAT;
    const EXPORT_FLAG: &'static str = "--github-export";
    type Token = TokenExport;

    fn parse_export(value: serde_json::Value) -> Result<Vec<TokenExport>, String> {
        GithubExport::from_json(&value.to_string())
            .map(|e| e.tokens)
            .map_err(|e| e.to_string())
    }

    fn export_json(tokens: Vec<TokenExport>) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(&GithubExport::new(tokens))
    }

    fn fingerprint(token: &TokenExport) -> &str {
        &token.fingerprint
    }
    fn redacted(token: &TokenExport) -> &str {
        &token.redacted
    }
    fn source(token: &TokenExport) -> &str {
        &token.source
    }
    fn kind(token: &TokenExport) -> String {
        token.kind.report_kind().to_string()
    }

    fn assess(token: &TokenExport) -> Assessment {
        blastradius_github::assess::assess(token)
    }

    fn failure(token: &TokenExport) -> Option<String> {
        if token.status != TokenStatus::Error {
            return None;
        }
        let first = token.errors.first()?;
        Some(format!("{}: {}", first.request, first.message))
    }

    #[cfg(feature = "live")]
    async fn collect(
        api_url: &str,
        credential: &crate::credentials::Credential,
        secret: &blastradius_report::Secret,
        progress: &(dyn Fn(&str) + Sync),
    ) -> TokenExport {
        use blastradius_github::live::{collect, CollectConfig};
        let config = CollectConfig {
            api_url: api_url.to_string(),
            ..CollectConfig::default()
        };
        collect(&config, secret, &credential.source, progress).await
    }
}
