//! Export -> reach: what a Railway token can do, on which concrete resource.
//! (Interface; being written.)

use blastradius_report::{Assessment, Provider, Status};

use crate::export::TokenExport;

pub fn assess(token: &TokenExport) -> Assessment {
    Assessment {
        provider: Provider::Railway,
        kind: token.token_type.kind().to_string(),
        identity: String::new(),
        status: Status::Unknown,
        expires_at: None,
        reach: Vec::new(),
        findings: Vec::new(),
        partial: !token.errors.is_empty(),
    }
}
