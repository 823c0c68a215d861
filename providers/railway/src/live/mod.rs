//! Live, read-only collection from Railway's GraphQL API.
//!
//! [`collect`] tells the token type apart with read-only probes, then
//! enumerates what the token reaches into a [`TokenExport`]. Every document
//! goes through one client ([`client`]) that refuses, before sending,
//! anything but a query and any field that returns secret values
//! ([`guard`]); the queries are compiled against a trimmed schema without a
//! Mutation type (`graphql/schema.graphql`).

mod client;
mod collect;
mod convert;
pub mod guard;
mod queries;

use std::time::Duration;

use blastradius_report::Secret;

use crate::export::TokenExport;

pub use client::RequestError;

pub const DEFAULT_API_URL: &str = "https://backboard.railway.com/graphql/v2";

/// Limits of one collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectConfig {
    pub api_url: String,
    /// Hard cap on HTTP requests for one token, retries included; Railway
    /// plans allow 100 to 10,000 requests an hour. When it runs out the
    /// export is partial and says so.
    pub max_requests: u32,
    /// Retries of one request answered with HTTP 429.
    pub max_retries: u32,
    /// Cap on one wait asked by `Retry-After`.
    pub max_retry_wait: Duration,
    /// Timeout of one HTTP request.
    pub timeout: Duration,
}

impl Default for CollectConfig {
    fn default() -> Self {
        CollectConfig {
            api_url: DEFAULT_API_URL.to_string(),
            max_requests: 300,
            max_retries: 3,
            max_retry_wait: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
        }
    }
}

/// What the place the token was found says about it. The string of a token
/// does not tell its type; this only orders the probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TokenHint {
    /// Nothing known: Bearer probes first, then `Project-Access-Token`.
    #[default]
    Any,
    /// Read as a project token (the CLI's `RAILWAY_TOKEN`): the
    /// `Project-Access-Token` probe first.
    Project,
    /// Read as an account or workspace token (`RAILWAY_API_TOKEN`): Bearer
    /// probes first.
    Api,
}

/// Collects what `token` reaches. Never fails: what went wrong is in
/// `errors` (the export is then partial) and a token whose type could not
/// be told is `Unknown`.
pub async fn collect(
    config: &CollectConfig,
    token: &Secret,
    source: &str,
    hint: TokenHint,
    progress: &(dyn Fn(&str) + Sync),
) -> TokenExport {
    collect::collect(config, token, source, hint, progress).await
}
