//! The Rust half of the differential oracle (`run.sh`): evaluates every
//! generated case with `blastradius_aws::simulate::run` in one process (3,000
//! spawns of the binary would dominate the run time) and writes one JSON
//! line per case. Without `BLASTRADIUS_ORACLE_CASES` set (a plain
//! `cargo test`) it has nothing to do and passes.

use std::fmt::Write as _;

#[test]
fn evaluate_generated_cases() {
    let Ok(cases) = std::env::var("BLASTRADIUS_ORACLE_CASES") else {
        eprintln!("BLASTRADIUS_ORACLE_CASES not set: run providers/aws/tests/oracle/run.sh");
        return;
    };
    let out_path = std::env::var("BLASTRADIUS_ORACLE_OURS").expect("BLASTRADIUS_ORACLE_OURS");
    let text = std::fs::read_to_string(&cases).expect("read cases");
    let mut out = String::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).expect("case is JSON");
        let id = v.get("id").cloned().unwrap_or_default();
        let rec = match blastradius_aws::simulate::run(line) {
            Ok(o) => serde_json::json!({ "id": id, "results": o.results }),
            Err(e) => serde_json::json!({ "id": id, "error": e.to_string() }),
        };
        writeln!(out, "{rec}").expect("write to string");
    }
    std::fs::write(&out_path, out).expect("write results");
}
