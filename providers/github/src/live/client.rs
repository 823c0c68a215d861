//! The only HTTP client of the GitHub adapter: GET and HEAD, nothing else.
//!
//! The method check happens before a request is built, so a bug elsewhere
//! cannot turn an audit into a change. Every request counts against a
//! budget, so a huge account cannot turn an audit into thousands of calls.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use blastradius_report::Secret;
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, USER_AGENT};
use reqwest::Method;

pub const API_VERSION: &str = "2022-11-28";
pub const ACCEPT_JSON: &str = "application/vnd.github+json";

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The client refuses every method but GET and HEAD, before sending.
    #[error("refused to send {0}: this client sends GET and HEAD only")]
    MethodRefused(Method),
    #[error("request budget of {0} requests is spent")]
    BudgetSpent(u32),
    #[error("the rate limit is spent; no more requests until it resets")]
    RateLimited,
    /// A URL outside the API base (e.g. a `Link` header pointing elsewhere):
    /// the token is never sent there.
    #[error("refused to follow `{0}`: outside the API base")]
    ForeignUrl(String),
    #[error("the token contains characters not allowed in an HTTP header")]
    BadToken,
    #[error("could not build the HTTP client: {0}")]
    Build(String),
    #[error("request failed: {0}")]
    Transport(String),
}

/// One answer, body read in full.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub struct ReadOnlyClient {
    http: reqwest::Client,
    base: String,
    auth: HeaderValue,
    max_requests: u32,
    sent: AtomicU32,
    rate_limited: AtomicBool,
}

impl ReadOnlyClient {
    pub fn new(
        api_url: &str,
        token: &Secret,
        max_requests: u32,
        timeout: Duration,
        user_agent: &str,
    ) -> Result<Self, HttpError> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.expose()))
            .map_err(|_| HttpError::BadToken)?;
        // Keeps the token out of reqwest's debug output.
        auth.set_sensitive(true);
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static(ACCEPT_JSON));
        headers.insert(
            "X-GitHub-Api-Version",
            HeaderValue::from_static(API_VERSION),
        );
        headers.insert(
            USER_AGENT,
            HeaderValue::from_str(user_agent).map_err(|e| HttpError::Build(e.to_string()))?,
        );
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(timeout)
            // A redirect could carry the Authorization header to another
            // host or change the method; GitHub's API does not need them.
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| HttpError::Build(e.to_string()))?;
        Ok(ReadOnlyClient {
            http,
            base: api_url.trim_end_matches('/').to_string(),
            auth,
            max_requests,
            sent: AtomicU32::new(0),
            rate_limited: AtomicBool::new(false),
        })
    }

    /// Requests sent so far (refused ones are not counted).
    pub fn sent(&self) -> u32 {
        self.sent.load(Ordering::SeqCst)
    }

    pub fn remaining(&self) -> u32 {
        self.max_requests.saturating_sub(self.sent())
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    /// `path` is either relative to the API base (`/user/repos?...`) or an
    /// absolute URL under it (a `Link` header's `next`).
    pub async fn send(&self, method: Method, path: &str) -> Result<Answer, HttpError> {
        if method != Method::GET && method != Method::HEAD {
            return Err(HttpError::MethodRefused(method));
        }
        let url = self.url(path)?;
        if self.rate_limited.load(Ordering::SeqCst) {
            return Err(HttpError::RateLimited);
        }
        // Reserve a slot first so that concurrent callers never overshoot.
        let n = self.sent.fetch_add(1, Ordering::SeqCst);
        if n >= self.max_requests {
            self.sent.fetch_sub(1, Ordering::SeqCst);
            return Err(HttpError::BudgetSpent(self.max_requests));
        }
        let response = self
            .http
            .request(method, &url)
            .header(AUTHORIZATION, self.auth.clone())
            .send()
            .await
            .map_err(|e| HttpError::Transport(without_url(&e)))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        if (status == 403 || status == 429)
            && headers
                .get("x-ratelimit-remaining")
                .and_then(|v| v.to_str().ok())
                == Some("0")
        {
            self.rate_limited.store(true, Ordering::SeqCst);
        }
        let body = response
            .text()
            .await
            .map_err(|e| HttpError::Transport(without_url(&e)))?;
        Ok(Answer {
            status,
            headers,
            body,
        })
    }

    pub async fn get(&self, path: &str) -> Result<Answer, HttpError> {
        self.send(Method::GET, path).await
    }

    fn url(&self, path: &str) -> Result<String, HttpError> {
        if path.starts_with('/') {
            return Ok(format!("{}{}", self.base, path));
        }
        // An absolute URL must stay under the base, path prefix included
        // (Enterprise Server's `/api/v3`), or the token would leave it.
        match path.strip_prefix(&self.base) {
            Some(rest) if rest.starts_with('/') || rest.starts_with('?') => Ok(path.to_string()),
            _ => Err(HttpError::ForeignUrl(path.to_string())),
        }
    }
}

/// reqwest errors are fine to show; keep them to one line.
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> ReadOnlyClient {
        ReadOnlyClient::new(
            "https://ghe.example.com/api/v3/",
            &Secret::new("ghp_notarealtoken000000000000000000000000"),
            5,
            Duration::from_secs(1),
            "blastradius-test",
        )
        .unwrap()
    }

    #[tokio::test]
    async fn refuses_every_method_but_get_and_head_before_sending() {
        let c = client();
        for m in [
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::OPTIONS,
            Method::from_bytes(b"PURGE").unwrap(),
        ] {
            let err = c.send(m.clone(), "/user").await.unwrap_err();
            assert!(
                matches!(err, HttpError::MethodRefused(ref r) if *r == m),
                "{err}"
            );
        }
        assert_eq!(c.sent(), 0, "a refused request must not count as sent");
    }

    #[test]
    fn urls_stay_under_the_base() {
        let c = client();
        assert_eq!(
            c.url("/user").unwrap(),
            "https://ghe.example.com/api/v3/user"
        );
        assert!(c
            .url("https://ghe.example.com/api/v3/user/repos?page=2")
            .is_ok());
        assert!(c.url("https://ghe.example.com/user/repos?page=2").is_err());
        assert!(c.url("https://ghe.example.com/api/v3evil/x").is_err());
        assert!(c.url("https://evil.example.com/api/v3/user").is_err());
    }
}
