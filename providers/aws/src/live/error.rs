//! Errors of live collection, sorted by what the caller does with them: a
//! refusal is a bug in blastradius, bad or expired credentials rate the
//! credential `invalid`/`expired`, a denial is a partial result, the rest is
//! `error`. No message ever holds a secret: SDK errors carry codes,
//! messages and request ids, never the signing key.

use std::error::Error as StdError;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::readonly::Refused;

#[derive(Debug, thiserror::Error)]
pub enum LiveError {
    /// The read-only guard stopped an operation before it was sent.
    #[error(transparent)]
    Refused(#[from] Refused),

    /// The standard chain found no credentials (no env keys, profile, SSO,
    /// instance role...).
    #[error("no AWS credentials: {0}")]
    NoCredentials(String),

    /// AWS does not know the key, or the signature does not match.
    #[error("AWS rejected the credentials in {operation} ({code}): {message}")]
    InvalidCredentials {
        operation: &'static str,
        code: String,
        message: String,
    },

    /// A session token or temporary key past its expiry.
    #[error("the AWS credentials have expired ({code}): {message}")]
    Expired { code: String, message: String },

    /// The credentials are valid but may not call this operation.
    #[error("{operation} was denied ({code}): {message}")]
    AccessDenied {
        operation: &'static str,
        code: String,
        message: String,
    },

    /// Could not reach the endpoint (DNS, connection refused, TLS, timeout).
    #[error("could not reach AWS for {operation}: {message}")]
    Transport {
        operation: &'static str,
        message: String,
    },

    /// Any other service error.
    #[error("{operation} failed ({code}): {message}")]
    Api {
        operation: &'static str,
        code: String,
        message: String,
    },

    /// The answer lacked something AWS always returns.
    #[error("unexpected answer to {operation}: {message}")]
    InvalidResponse {
        operation: &'static str,
        message: String,
    },

    /// Pagination did not end (a marker repeated, or too many pages).
    #[error("{operation}: {message}")]
    Pagination {
        operation: &'static str,
        message: String,
    },
}

impl LiveError {
    /// The error code AWS sent, when it sent one.
    pub fn code(&self) -> Option<&str> {
        match self {
            LiveError::InvalidCredentials { code, .. }
            | LiveError::Expired { code, .. }
            | LiveError::AccessDenied { code, .. }
            | LiveError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

/// Error codes meaning "this key is not a valid key" (STS, IAM, Organizations).
const INVALID_CODES: &[&str] = &[
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "IncompleteSignature",
    "AuthFailure",
    "InvalidAccessKeyId",
];
const EXPIRED_CODES: &[&str] = &[
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "TokenRefreshRequired",
];
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "AWSOrganizationsNotInUseException",
];

/// Turn an SDK error into a [`LiveError`], finding our own refusal and the
/// credential-provider failure in the source chain.
pub(crate) fn from_sdk<E, R>(operation: &'static str, err: SdkError<E, R>) -> LiveError
where
    E: ProvideErrorMetadata + StdError + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    if let Some(refused) = find_in_chain::<Refused>(&err) {
        return LiveError::Refused(refused.clone());
    }
    if let Some(cred) =
        find_in_chain::<aws_credential_types::provider::error::CredentialsError>(&err)
    {
        return LiveError::NoCredentials(DisplayErrorContext(cred).to_string());
    }
    match &err {
        SdkError::ServiceError(service) => {
            let e = service.err();
            let code = e.code().unwrap_or("Unknown").to_string();
            let message = e.message().unwrap_or("(no message)").to_string();
            classify(operation, code, message)
        }
        SdkError::DispatchFailure(_) | SdkError::TimeoutError(_) => LiveError::Transport {
            operation,
            message: DisplayErrorContext(&err).to_string(),
        },
        SdkError::ResponseError(_) => LiveError::InvalidResponse {
            operation,
            message: DisplayErrorContext(&err).to_string(),
        },
        _ => LiveError::Api {
            operation,
            code: "ClientError".into(),
            message: DisplayErrorContext(&err).to_string(),
        },
    }
}

fn classify(operation: &'static str, code: String, message: String) -> LiveError {
    if INVALID_CODES.contains(&code.as_str()) {
        LiveError::InvalidCredentials {
            operation,
            code,
            message,
        }
    } else if EXPIRED_CODES.contains(&code.as_str()) {
        LiveError::Expired { code, message }
    } else if DENIED_CODES.contains(&code.as_str()) {
        LiveError::AccessDenied {
            operation,
            code,
            message,
        }
    } else {
        LiveError::Api {
            operation,
            code,
            message,
        }
    }
}

fn find_in_chain<'a, T: StdError + 'static>(err: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current: Option<&(dyn StdError + 'static)> = Some(err);
    // The chain is short; the bound only guards against a cyclic source().
    for _ in 0..32 {
        let e = current?;
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_sort_into_kinds() {
        let k = |code: &str| classify("GetCallerIdentity", code.into(), "m".into());
        assert!(matches!(
            k("InvalidClientTokenId"),
            LiveError::InvalidCredentials { .. }
        ));
        assert!(matches!(k("ExpiredToken"), LiveError::Expired { .. }));
        assert!(matches!(k("AccessDenied"), LiveError::AccessDenied { .. }));
        assert!(matches!(k("Throttling"), LiveError::Api { .. }));
        assert_eq!(k("Throttling").code(), Some("Throttling"));
    }
}
