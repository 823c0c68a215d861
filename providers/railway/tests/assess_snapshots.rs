//! Snapshots of the assessment JSON of each fixture export: a review aid for
//! any change of the table or the reach logic (`cargo insta review`).

use blastradius_railway::assess::assess;
use blastradius_railway::export::RailwayExport;

fn assessed(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../../fixtures/exports/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let export: RailwayExport =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::to_value(assess(&export.tokens[0])).unwrap()
}

#[test]
fn snapshot_pocketos() {
    insta::assert_json_snapshot!("pocketos", assessed("railway-pocketos.json"));
}

#[test]
fn snapshot_staging_only() {
    insta::assert_json_snapshot!("staging_only", assessed("railway-staging-only.json"));
}

#[test]
fn snapshot_viewer() {
    insta::assert_json_snapshot!("viewer", assessed("railway-viewer.json"));
}

#[test]
fn snapshot_invalid() {
    insta::assert_json_snapshot!("invalid", assessed("railway-invalid.json"));
}
