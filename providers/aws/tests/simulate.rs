//! Contract tests for `simulate::run`: every `tests/data/NAME.input.json`
//! is run; `NAME.expected.json` holds the exact expected output, or
//! `NAME.error.txt` the substrings the error message must contain.

use std::fs;
use std::path::Path;

use serde_json::Value;

#[test]
fn data_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut inputs: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".input.json"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 5, "data files missing");
    let mut failures = Vec::new();
    for input in inputs {
        let name = input
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace(".input.json", "");
        let text = fs::read_to_string(&input).unwrap();
        let expected = dir.join(format!("{name}.expected.json"));
        let error = dir.join(format!("{name}.error.txt"));
        let got = blastradius_aws::simulate::run(&text);
        if expected.exists() {
            let want: Value =
                serde_json::from_str(&fs::read_to_string(&expected).unwrap()).unwrap();
            match got {
                Ok(out) => {
                    let got = serde_json::to_value(&out).unwrap();
                    if got != want {
                        failures.push(format!(
                            "{name}: got\n{}\nwant\n{}",
                            serde_json::to_string_pretty(&got).unwrap(),
                            serde_json::to_string_pretty(&want).unwrap()
                        ));
                    }
                }
                Err(e) => failures.push(format!("{name}: unexpected error {e}")),
            }
        } else if error.exists() {
            match got {
                Ok(out) => failures.push(format!("{name}: expected an error, got {out:?}")),
                Err(e) => {
                    let msg = e.to_string();
                    for want in fs::read_to_string(&error)
                        .unwrap()
                        .lines()
                        .filter(|l| !l.is_empty())
                    {
                        if !msg.contains(want) {
                            failures.push(format!("{name}: error {msg:?} lacks {want:?}"));
                        }
                    }
                }
            }
        } else {
            failures.push(format!("{name}: no .expected.json or .error.txt"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn output_shape_is_exactly_the_contract() {
    let out = blastradius_aws::simulate::run(
        r#"{"principal":"arn:aws:iam::111122223333:user/a","identity_policies":[{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}],
            "requests":[{"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"111122223333","context":{}}]}"#,
    )
    .unwrap();
    assert_eq!(
        serde_json::to_string(&out).unwrap(),
        r#"{"results":[{"action":"s3:GetObject","resource":"arn:aws:s3:::b/k","decision":"allowed"}]}"#
    );
}

#[test]
fn no_panic_on_odd_inputs() {
    for input in [
        "",
        "null",
        "[]",
        "42",
        "{}",
        r#"{"principal":5}"#,
        r#"{"principal":"x","requests":[1]}"#,
        r#"{"principal":"x","requests":[{"action":"a:b","context":[1]}]}"#,
        r#"{"principal":"x","scps":[{}]}"#,
        r#"{"principal":"not-an-arn","identity_policies":[{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}],"requests":[{"action":"a:b"}]}"#,
        r#"{"principal":"arn:aws:iam::1:user/a","identity_policies":["%ZZ"]}"#,
    ] {
        let _ = blastradius_aws::simulate::run(input);
    }
}
