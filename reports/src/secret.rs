//! A credential string that cannot be printed by accident.
//!
//! `Debug` and `Display` show the redacted form; the only way to the whole
//! value is [`Secret::expose`], which is meant for the one place that sends it
//! to the provider's API.

use sha2::{Digest, Sha256};

/// Prefixes that say what a token is and are safe to show.
const KNOWN_PREFIXES: &[&str] = &[
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "AKIA",
    "ASIA",
];

#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The whole value. Call only to authenticate a request.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A stable, non-reversible id: the first 16 hex digits of SHA-256.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.0)
    }

    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", self.redacted())
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

pub fn fingerprint(value: &str) -> String {
    let digest = Sha256::digest(value.as_bytes());
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Shows a known prefix (or nothing) and the last four characters; short
/// values show nothing at all, since four characters of eight is half a secret.
pub fn redact(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 16 {
        return "****".to_string();
    }
    let prefix = KNOWN_PREFIXES
        .iter()
        .find(|p| value.starts_with(*p))
        .copied()
        .unwrap_or("");
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_never_shows_the_secret() {
        let uuid = "3f2b8c1e-9a4d-4e6f-b7c2-5d8e1a0f9c34";
        assert_eq!(redact(uuid), "****9c34");
        assert_eq!(
            redact("ghp_abcdefghijklmnopqrstuvwxyz0123456789"),
            "ghp_****6789"
        );
        assert_eq!(redact("short"), "****");
        let s = Secret::new(uuid);
        assert!(!format!("{s:?} {s}").contains("9a4d"));
    }

    #[test]
    fn fingerprint_is_stable_and_short() {
        let a = fingerprint("token-a");
        assert_eq!(a, fingerprint("token-a"));
        assert_ne!(a, fingerprint("token-b"));
        assert_eq!(a.len(), 16);
    }
}
