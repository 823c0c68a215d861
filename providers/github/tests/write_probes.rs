//! `data/write-probes.toml` is what `scripts/derive-write-probes.py` makes
//! of GitHub's permission maps (`../shared/github/` beside the checkout).
//! The maps are not committed: without them (or without python3) the test
//! says so and passes.

use std::path::Path;
use std::process::Command;

#[test]
fn committed_probes_match_the_script_output() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = crate_dir.join("../../../shared/github");
    if !shared.join("fine-grained-pat-permissions.json").is_file()
        || !shared.join("server-to-server-permissions.json").is_file()
    {
        eprintln!(
            "note: {} not found: write-probes.toml not checked against its source",
            shared.display()
        );
        return;
    }
    let out = match Command::new("python3")
        .arg(crate_dir.join("scripts/derive-write-probes.py"))
        .arg(&shared)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            eprintln!("note: python3 not runnable ({e}): write-probes.toml not checked");
            return;
        }
    };
    assert!(
        out.status.success(),
        "derive-write-probes.py failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let derived = String::from_utf8(out.stdout).expect("UTF-8 output");
    let committed =
        std::fs::read_to_string(crate_dir.join("data/write-probes.toml")).expect("committed file");
    assert_eq!(
        derived.trim_end(),
        committed.trim_end(),
        "data/write-probes.toml is stale: run scripts/derive-write-probes.py ../../../shared/github > data/write-probes.toml"
    );
}
