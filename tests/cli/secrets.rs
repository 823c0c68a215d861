//! Non-negotiable 2: no output of any command holds a whole token.

use crate::support::*;

#[test]
fn no_format_and_no_command_prints_a_whole_token() {
    let mut runs = Vec::new();
    for format in ["table", "json", "markdown", "sarif"] {
        runs.push(run(blastradius().args([
            "audit",
            "fixtures/workspaces",
            "--offline",
            "--railway-export",
            POCKETOS_EXPORT,
            "--railway-export",
            STAGING_EXPORT,
            "--format",
            format,
        ])));
    }
    runs.push(run(blastradius().args([
        "scan",
        "fixtures/workspaces",
        "--format",
        "json",
    ])));
    runs.push(run(blastradius().args(["scan", "fixtures/workspaces"])));
    // A token from the environment, audited offline.
    runs.push(run(blastradius()
        .env("RAILWAY_API_TOKEN", POCKETOS_ACCOUNT_TOKEN)
        .args(["audit", "--offline", "--format", "json"])));
    for r in &runs {
        for token in [POCKETOS_ACCOUNT_TOKEN, STAGING_PROJECT_TOKEN] {
            assert!(
                !r.stdout.contains(token),
                "stdout leaks a token:\n{}",
                r.stdout
            );
            assert!(
                !r.stderr.contains(token),
                "stderr leaks a token:\n{}",
                r.stderr
            );
        }
    }
    // The environment token was audited from the export's data by fingerprint.
    let env_run = runs.last().unwrap();
    let creds = credentials(&json(env_run));
    assert_eq!(creds[0]["source"], "env RAILWAY_API_TOKEN");
}
