//! The one HTTP client of the collector: read-only guard, request budget,
//! 429 retries, auth headers, and GraphQL error handling. Nothing else in the
//! crate talks to the network.

use std::time::Duration;

use blastradius_report::Secret;
use graphql_client::{GraphQLQuery, QueryBody};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::guard::{check_document, GuardError};
use super::CollectConfig;

/// How the token is presented. Railway reads the same UUID differently
/// depending on the header: account, workspace and OAuth tokens as Bearer,
/// project tokens only as `Project-Access-Token`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    Bearer,
    ProjectAccessToken,
}

impl Auth {
    pub fn label(self) -> &'static str {
        match self {
            Auth::Bearer => "Authorization: Bearer",
            Auth::ProjectAccessToken => "Project-Access-Token",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error(transparent)]
    Refused(#[from] GuardError),
    #[error("request budget of {0} requests exhausted; collection stopped early")]
    BudgetExhausted(u32),
    #[error("the token cannot be sent in an HTTP header (it holds characters a header may not)")]
    BadToken,
    #[error("cannot reach {url}: {reason}")]
    Transport { url: String, reason: String },
    #[error("{url} answered HTTP {status}: {body}")]
    Status {
        url: String,
        status: u16,
        body: String,
    },
    #[error("{url} kept answering HTTP 429 (rate limited) after {retries} retries")]
    RateLimited { url: String, retries: u32 },
    #[error("malformed answer from {url}: {reason}")]
    Malformed { url: String, reason: String },
    /// HTTP 200 with GraphQL `errors`: Railway's way to say "Not Authorized".
    #[error("{}", messages.join("; "))]
    GraphQl { messages: Vec<String> },
}

impl RequestError {
    /// Railway's answer for an object outside the token's scope.
    pub fn is_not_authorized(&self) -> bool {
        match self {
            RequestError::GraphQl { messages } => messages
                .iter()
                .any(|m| m.to_ascii_lowercase().contains("not authorized")),
            RequestError::Status { status, .. } => *status == 401 || *status == 403,
            _ => false,
        }
    }

    /// An answer that says the token is not valid with this header.
    pub fn is_invalid_token(&self) -> bool {
        match self {
            RequestError::GraphQl { messages } => messages.iter().any(|m| {
                let m = m.to_ascii_lowercase();
                m.contains("token not found")
                    || m.contains("invalid token")
                    || m.contains("unauthenticated")
                    || m.contains("authentication required")
            }),
            RequestError::Status { status, .. } => *status == 401,
            _ => false,
        }
    }

    /// Errors after which no further request can succeed either.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            RequestError::BudgetExhausted(_) | RequestError::Transport { .. }
        )
    }
}

pub struct Client<'a> {
    http: reqwest::Client,
    url: String,
    token: &'a Secret,
    max_requests: u32,
    max_retries: u32,
    max_retry_wait: Duration,
    sent: u32,
}

/// Longest body excerpt kept in an error: enough to recognise the answer,
/// short enough not to flood a report.
const BODY_EXCERPT: usize = 200;

impl<'a> Client<'a> {
    pub fn new(config: &CollectConfig, token: &'a Secret) -> Result<Self, RequestError> {
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .user_agent(concat!("blastradius/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| RequestError::Transport {
                url: config.api_url.clone(),
                reason: format!("cannot build an HTTP client: {e}"),
            })?;
        Ok(Client {
            http,
            url: config.api_url.clone(),
            token,
            max_requests: config.max_requests,
            max_retries: config.max_retries,
            max_retry_wait: config.max_retry_wait,
            sent: 0,
        })
    }

    /// Requests sent so far, retries included (they count against
    /// Railway's hourly limit too).
    pub fn sent(&self) -> u32 {
        self.sent
    }

    pub fn exhausted(&self) -> bool {
        self.sent >= self.max_requests
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// A compiled query; the answer's `data` is typed by `graphql_client`.
    pub async fn query<Q: GraphQLQuery>(
        &mut self,
        auth: Auth,
        variables: Q::Variables,
    ) -> Result<Q::ResponseData, RequestError>
    where
        Q::Variables: Serialize,
        Q::ResponseData: DeserializeOwned,
    {
        let body = Q::build_query(variables);
        self.send(auth, &body).await
    }

    /// A hand-written query (introspection); same guard, same budget.
    pub async fn raw_query<T: DeserializeOwned>(
        &mut self,
        auth: Auth,
        document: &'static str,
        operation_name: &'static str,
    ) -> Result<T, RequestError> {
        let body = QueryBody {
            variables: serde_json::Value::Object(Default::default()),
            query: document,
            operation_name,
        };
        self.send(auth, &body).await
    }

    async fn send<V: Serialize, T: DeserializeOwned>(
        &mut self,
        auth: Auth,
        body: &QueryBody<V>,
    ) -> Result<T, RequestError> {
        // The guard runs on the exact document about to be sent.
        check_document(body.query)?;
        let payload = serde_json::to_vec(body).map_err(|e| RequestError::Malformed {
            url: self.url.clone(),
            reason: format!("cannot encode the request: {e}"),
        })?;
        let headers = self.headers(auth)?;

        let mut retries = 0;
        loop {
            if self.exhausted() {
                return Err(RequestError::BudgetExhausted(self.max_requests));
            }
            self.sent += 1;
            let response = self
                .http
                .post(&self.url)
                .headers(headers.clone())
                .body(payload.clone())
                .send()
                .await
                .map_err(|e| RequestError::Transport {
                    url: self.url.clone(),
                    reason: transport_reason(&e),
                })?;
            let status = response.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                if retries >= self.max_retries {
                    return Err(RequestError::RateLimited {
                        url: self.url.clone(),
                        retries,
                    });
                }
                retries += 1;
                let wait = retry_after(response.headers())
                    .unwrap_or(Duration::from_secs(1))
                    .min(self.max_retry_wait);
                tracing::debug!(?wait, retries, "railway: HTTP 429, waiting");
                tokio::time::sleep(wait).await;
                continue;
            }
            let bytes = response
                .bytes()
                .await
                .map_err(|e| RequestError::Transport {
                    url: self.url.clone(),
                    reason: transport_reason(&e),
                })?;
            return self.decode(status, &bytes);
        }
    }

    fn headers(&self, auth: Auth) -> Result<HeaderMap, RequestError> {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        let (name, value) = match auth {
            Auth::Bearer => (
                AUTHORIZATION,
                format!("Bearer {}", self.token.expose().trim()),
            ),
            Auth::ProjectAccessToken => (
                reqwest::header::HeaderName::from_static("project-access-token"),
                self.token.expose().trim().to_string(),
            ),
        };
        let mut value = HeaderValue::from_str(&value).map_err(|_| RequestError::BadToken)?;
        // Keeps the value out of reqwest's and hyper's debug output.
        value.set_sensitive(true);
        headers.insert(name, value);
        Ok(headers)
    }

    fn decode<T: DeserializeOwned>(
        &self,
        status: StatusCode,
        bytes: &[u8],
    ) -> Result<T, RequestError> {
        let parsed: Result<serde_json::Value, _> = serde_json::from_slice(bytes);
        // GraphQL errors can come with a non-200 status (400, 401): prefer
        // their messages to the bare status.
        if let Ok(value) = &parsed {
            if let Some(messages) = graphql_errors(value) {
                return Err(RequestError::GraphQl { messages });
            }
        }
        if !status.is_success() {
            return Err(RequestError::Status {
                url: self.url.clone(),
                status: status.as_u16(),
                body: excerpt(bytes),
            });
        }
        let value = parsed.map_err(|e| RequestError::Malformed {
            url: self.url.clone(),
            reason: format!("not JSON ({e}): {}", excerpt(bytes)),
        })?;
        let data = match value {
            serde_json::Value::Object(mut map) => map.remove("data"),
            _ => None,
        };
        let data = match data {
            Some(d) if !d.is_null() => d,
            _ => {
                return Err(RequestError::Malformed {
                    url: self.url.clone(),
                    reason: format!("no `data` and no `errors`: {}", excerpt(bytes)),
                })
            }
        };
        serde_json::from_value(data).map_err(|e| RequestError::Malformed {
            url: self.url.clone(),
            reason: format!("unexpected shape: {e}"),
        })
    }
}

/// The messages of a non-empty `errors` array.
fn graphql_errors(value: &serde_json::Value) -> Option<Vec<String>> {
    let errors = value.get("errors")?.as_array()?;
    if errors.is_empty() {
        return None;
    }
    Some(
        errors
            .iter()
            .map(|e| {
                e.get("message")
                    .and_then(|m| m.as_str())
                    .unwrap_or("GraphQL error without a message")
                    .to_string()
            })
            .collect(),
    )
}

/// `Retry-After` in seconds. The HTTP-date form is not used by Railway; it
/// falls back to the default wait.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
}

fn excerpt(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut out: String = text.chars().take(BODY_EXCERPT).collect();
    if text.chars().count() > BODY_EXCERPT {
        out.push('…');
    }
    out
}

/// reqwest's message plus its source chain ("connection refused" sits in
/// the sources).
fn transport_reason(error: &reqwest::Error) -> String {
    let mut reason = if error.is_timeout() {
        "timed out".to_string()
    } else if error.is_connect() {
        "connection failed".to_string()
    } else {
        "request failed".to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        reason.push_str(": ");
        reason.push_str(&s.to_string());
        source = s.source();
    }
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("0.5"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(500)));
        h.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn graphql_errors_are_read() {
        let v = serde_json::json!({"data": null, "errors": [{"message": "Not Authorized"}, {}]});
        assert_eq!(
            graphql_errors(&v),
            Some(vec![
                "Not Authorized".to_string(),
                "GraphQL error without a message".to_string()
            ])
        );
        assert_eq!(graphql_errors(&serde_json::json!({"errors": []})), None);
    }
}
