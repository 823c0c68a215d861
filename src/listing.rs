//! The output of `scan`: every place a credential was found, redacted.
//! Every occurrence is listed (each is a place to clean up); the `id` shows
//! which are the same credential.

use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;

use crate::discover::{Found, ScanReport};

#[derive(Serialize)]
struct Listing<'a> {
    schema_version: u32,
    credentials: Vec<Entry>,
    skipped: Vec<SkippedEntry<'a>>,
    files_scanned: u64,
    bytes_scanned: u64,
}

#[derive(Serialize)]
struct Entry {
    id: String,
    provider: String,
    kind: String,
    source: String,
    redacted: String,
    rule: String,
}

#[derive(Serialize)]
struct SkippedEntry<'a> {
    path: String,
    reason: &'a str,
}

fn entry(found: &Found) -> Entry {
    Entry {
        id: format!("{}:{}", found.provider, found.secret.fingerprint()),
        provider: found.provider.to_string(),
        kind: found.kind.clone(),
        source: found.location.to_string(),
        redacted: match &found.key_id {
            Some(key_id) => format!("{key_id} / {}", found.secret.redacted()),
            None => found.secret.redacted(),
        },
        rule: found.rule.clone(),
    }
}

pub fn json(scan: &ScanReport) -> String {
    let listing = Listing {
        schema_version: 1,
        credentials: scan.found.iter().map(entry).collect(),
        skipped: scan
            .skipped
            .iter()
            .map(|s| SkippedEntry {
                path: s.path.display().to_string(),
                reason: &s.reason,
            })
            .collect(),
        files_scanned: scan.files_scanned,
        bytes_scanned: scan.bytes_scanned,
    };
    let mut out = serde_json::to_string_pretty(&listing).unwrap_or_default();
    out.push('\n');
    out
}

pub fn table(scan: &ScanReport) -> String {
    if scan.found.is_empty() {
        return format!(
            "No credentials found ({} files scanned).\n",
            scan.files_scanned
        );
    }
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(100)
        .set_header(vec!["provider", "kind", "found at", "token"]);
    for found in &scan.found {
        let e = entry(found);
        table.add_row(vec![e.provider, e.kind, e.source, e.redacted]);
    }
    format!(
        "{table}\n{} credential(s) found in {} files.\n",
        scan.found.len(),
        scan.files_scanned
    )
}
