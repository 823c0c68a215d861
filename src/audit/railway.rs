//! The Railway adapter, as the pipeline sees it.

use blastradius_railway::export::{RailwayExport, TokenType, EXPORT_FORMAT, EXPORT_VERSION};
use blastradius_railway::TokenExport;
use blastradius_report::{Assessment, Provider};

use super::adapter::Adapter;

pub struct Railway;

impl Adapter for Railway {
    const PROVIDER: Provider = Provider::Railway;
    const NAME: &'static str = "Railway";
    const EXPORT_FORMAT: &'static str = EXPORT_FORMAT;
    const EXPORT_FLAG: &'static str = "--railway-export";
    type Token = TokenExport;

    fn parse_export(value: serde_json::Value) -> Result<Vec<TokenExport>, String> {
        let export: RailwayExport = serde_json::from_value(value).map_err(|e| e.to_string())?;
        if export.version != EXPORT_VERSION {
            return Err(format!(
                "version {} is not supported (this build reads version {EXPORT_VERSION})",
                export.version
            ));
        }
        Ok(export.tokens)
    }

    fn export_json(tokens: Vec<TokenExport>) -> Result<String, serde_json::Error> {
        serde_json::to_string_pretty(&RailwayExport::new(tokens))
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
        token.token_type.kind().to_string()
    }

    fn assess(token: &TokenExport) -> Assessment {
        blastradius_railway::assess::assess(token)
    }

    fn failure(token: &TokenExport) -> Option<String> {
        if token.token_type != TokenType::Unknown {
            return None;
        }
        let first = token.errors.first()?;
        Some(match &first.object {
            Some(object) => format!("{} ({}): {}", first.query, object, first.message),
            None => format!("{}: {}", first.query, first.message),
        })
    }

    #[cfg(feature = "live")]
    async fn collect(
        api_url: &str,
        credential: &crate::credentials::Credential,
        secret: &blastradius_report::Secret,
        progress: &(dyn Fn(&str) + Sync),
    ) -> TokenExport {
        use blastradius_railway::live::{collect, CollectConfig, TokenHint};
        let config = CollectConfig {
            api_url: api_url.to_string(),
            ..CollectConfig::default()
        };
        // The Railway CLI reads RAILWAY_TOKEN as a project token.
        let hint = if credential.kind_hint == "railway-project-token" {
            TokenHint::Project
        } else {
            TokenHint::Any
        };
        collect(&config, secret, &credential.source, hint, progress).await
    }
}
