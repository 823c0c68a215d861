//! The credentials of one run: given in the environment or found in the
//! workspace, deduplicated by fingerprint (the same token pasted in three
//! files is one credential with three places).

use blastradius_report::{Provider, Secret};

use crate::discover::Found;
use crate::settings::EnvToken;

#[derive(Debug, Clone)]
pub struct Credential {
    /// Stable across runs and revealing nothing of the secret:
    /// `PROVIDER:FINGERPRINT` for tokens, the ARN for an IAM principal.
    pub id: String,
    pub provider: Provider,
    /// What discovery or the variable name suggests, e.g. `railway-project-token`.
    pub kind_hint: String,
    /// `None` for a credential known only from an export.
    pub secret: Option<Secret>,
    pub fingerprint: String,
    pub redacted: String,
    /// The first place it was found: `FILE:LINE` or `env VAR`.
    pub source: String,
    /// The variable or key that held it (`RAILWAY_TOKEN`), when known.
    pub name: Option<String>,
    /// For an AWS secret access key: its access key id (not a secret).
    pub key_id: Option<String>,
    /// Every other place.
    pub also_at: Vec<String>,
}

impl Credential {
    pub fn id(&self) -> String {
        self.id.clone()
    }

    /// A credential known only by its fingerprint (from an export).
    pub fn known(
        provider: Provider,
        fingerprint: &str,
        kind_hint: String,
        redacted: String,
        source: String,
    ) -> Self {
        Credential {
            id: format!("{provider}:{fingerprint}"),
            provider,
            kind_hint,
            secret: None,
            fingerprint: fingerprint.to_string(),
            redacted,
            source,
            name: None,
            key_id: None,
            also_at: Vec::new(),
        }
    }

    fn from_secret(
        provider: Provider,
        kind_hint: String,
        secret: Secret,
        source: String,
        name: Option<String>,
    ) -> Self {
        let fingerprint = secret.fingerprint();
        Credential {
            id: format!("{provider}:{fingerprint}"),
            provider,
            kind_hint,
            fingerprint,
            redacted: secret.redacted(),
            secret: Some(secret),
            source,
            name,
            key_id: None,
            also_at: Vec::new(),
        }
    }
}

/// Environment tokens first (they are what a process started here would
/// use), then what the scan found, in its (sorted) order.
pub fn gather(env_tokens: &[EnvToken], found: Vec<Found>) -> Vec<Credential> {
    let mut credentials: Vec<Credential> = Vec::new();
    let from_env = env_tokens.iter().map(|t| {
        let kind = match (t.provider, t.var.as_str()) {
            (Provider::Railway, "RAILWAY_TOKEN") => "railway-project-token",
            (Provider::Railway, _) => "railway-token",
            (Provider::Github, _) => "github-token",
            (Provider::Aws, _) => "aws-access-key",
        };
        Credential::from_secret(
            t.provider,
            kind.to_string(),
            t.secret.clone(),
            format!("env {}", t.var),
            Some(t.var.clone()),
        )
    });
    let from_files = found.into_iter().map(|f| {
        let source = f.location.to_string();
        let mut credential = Credential::from_secret(f.provider, f.kind, f.secret, source, f.name);
        if let Some(key_id) = f.key_id {
            credential.redacted = format!("{key_id} / {}", credential.redacted);
            credential.key_id = Some(key_id);
        }
        credential
    });
    for candidate in from_env.chain(from_files) {
        match credentials
            .iter_mut()
            .find(|c| c.provider == candidate.provider && c.fingerprint == candidate.fingerprint)
        {
            Some(existing) => {
                if existing.source != candidate.source
                    && !existing.also_at.contains(&candidate.source)
                {
                    existing.also_at.push(candidate.source);
                }
            }
            None => credentials.push(candidate),
        }
    }
    credentials
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::Location;

    fn found(secret: &str, path: &str, line: usize) -> Found {
        Found {
            provider: Provider::Railway,
            rule: "railway.env-token".into(),
            kind: "railway-token".into(),
            secret: Secret::new(secret),
            key_id: None,
            name: Some("RAILWAY_API_TOKEN".into()),
            location: Location::File {
                path: path.into(),
                line,
            },
        }
    }

    #[test]
    fn the_same_token_in_two_places_is_one_credential() {
        let token = "7c1e4f2a-93b5-4d08-a6e1-2f9b0c8d5e31";
        let env = [EnvToken {
            provider: Provider::Railway,
            var: "RAILWAY_API_TOKEN".into(),
            secret: Secret::new(token),
        }];
        let creds = gather(
            &env,
            vec![found(token, "a.sh", 3), found(token, "b.env", 1)],
        );
        assert_eq!(creds.len(), 1);
        assert_eq!(creds[0].source, "env RAILWAY_API_TOKEN");
        assert_eq!(creds[0].also_at, vec!["a.sh:3", "b.env:1"]);
        assert_eq!(creds[0].id(), format!("railway:{}", creds[0].fingerprint));
        assert!(!creds[0].id().contains("93b5"));
    }
}
