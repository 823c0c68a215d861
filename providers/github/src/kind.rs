//! Token kinds, told apart by their documented prefixes.

use serde::{Deserialize, Serialize};

/// What a GitHub token is. The prefix decides which endpoints answer it and
/// how its grant can be read (scopes in a header, or nothing at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenKind {
    /// `ghp_`: classic personal access token; scopes in `X-OAuth-Scopes`.
    Classic,
    /// `gho_`: OAuth app token; scopes in `X-OAuth-Scopes`.
    Oauth,
    /// `ghu_`: GitHub App user-to-server token: the app's permissions capped
    /// by the user's.
    AppUser,
    /// `ghs_`: App installation token, including Actions' `GITHUB_TOKEN` and
    /// the long dotted form.
    Installation,
    /// `github_pat_`: fine-grained personal access token.
    FineGrained,
    /// `ghr_`: refresh token; useless against the API without the app's
    /// client secret.
    Refresh,
    /// No known prefix (very old 40-hex tokens, or not a GitHub token).
    Unknown,
}

/// Prefix -> kind, longest first so that `github_pat_` is not mistaken.
const PREFIXES: &[(&str, TokenKind)] = &[
    ("github_pat_", TokenKind::FineGrained),
    ("ghp_", TokenKind::Classic),
    ("gho_", TokenKind::Oauth),
    ("ghu_", TokenKind::AppUser),
    ("ghs_", TokenKind::Installation),
    ("ghr_", TokenKind::Refresh),
];

impl TokenKind {
    pub fn of(token: &str) -> TokenKind {
        PREFIXES
            .iter()
            .find(|(p, _)| token.starts_with(p))
            .map(|(_, k)| *k)
            .unwrap_or(TokenKind::Unknown)
    }

    /// The `kind` of the report.
    pub fn report_kind(self) -> &'static str {
        match self {
            TokenKind::Classic => "github-classic-pat",
            TokenKind::Oauth => "github-oauth-token",
            TokenKind::AppUser => "github-app-user-token",
            TokenKind::Installation => "github-app-installation-token",
            TokenKind::FineGrained => "github-fine-grained-pat",
            TokenKind::Refresh => "github-refresh-token",
            TokenKind::Unknown => "github-token",
        }
    }

    /// Tokens whose grant is a list of classic OAuth scopes.
    pub fn has_scopes(self) -> bool {
        matches!(self, TokenKind::Classic | TokenKind::Oauth)
    }

    /// Tokens that act as a user (`GET /user` answers them).
    pub fn acts_as_user(self) -> bool {
        !matches!(self, TokenKind::Installation | TokenKind::Refresh)
    }

    /// Tokens whose grant is a set of fine-grained permissions that no
    /// endpoint lists.
    pub fn has_permissions(self) -> bool {
        matches!(
            self,
            TokenKind::FineGrained | TokenKind::AppUser | TokenKind::Installation
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_prefix() {
        assert_eq!(TokenKind::of("ghp_x"), TokenKind::Classic);
        assert_eq!(TokenKind::of("gho_x"), TokenKind::Oauth);
        assert_eq!(TokenKind::of("ghu_x"), TokenKind::AppUser);
        assert_eq!(TokenKind::of("ghs_x"), TokenKind::Installation);
        // The long JWT-like installation form (2026) keeps the prefix.
        let long = format!(
            "ghs_{}.{}.{}",
            "a".repeat(200),
            "b".repeat(200),
            "c".repeat(120)
        );
        assert_eq!(TokenKind::of(&long), TokenKind::Installation);
        assert_eq!(TokenKind::of("github_pat_11AB_cd"), TokenKind::FineGrained);
        assert_eq!(TokenKind::of("ghr_x"), TokenKind::Refresh);
        assert_eq!(TokenKind::of("0123456789abcdef"), TokenKind::Unknown);
    }
}
