//! Every renderer on one realistic report: snapshots of each format, SARIF
//! against the official schema, JSON against the contract's shape, the
//! table's width, colour only on request, and escaping of hostile values.

mod common;

use blastradius_report::render::{render, render_to, Format, RenderOptions};
use blastradius_report::Report;
use common::sample;
use serde_json::Value;

fn plain() -> RenderOptions {
    RenderOptions::default()
}

fn colored() -> RenderOptions {
    RenderOptions {
        color: true,
        ..RenderOptions::default()
    }
}

fn parse(s: &str) -> Value {
    serde_json::from_str(s).unwrap_or_else(|e| panic!("not JSON ({e}):\n{s}"))
}

fn max_width(s: &str) -> usize {
    s.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

// ---------------------------------------------------------------- snapshots

#[test]
fn table_snapshot() {
    insta::assert_snapshot!("table", render(&sample(), Format::Table, &plain()));
}

#[test]
fn json_snapshot() {
    insta::assert_snapshot!("json", render(&sample(), Format::Json, &plain()));
}

#[test]
fn markdown_snapshot() {
    insta::assert_snapshot!("markdown", render(&sample(), Format::Markdown, &plain()));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!("sarif", render(&sample(), Format::Sarif, &plain()));
}

#[test]
fn empty_report_snapshots() {
    let empty = Report::new(vec![]);
    insta::assert_snapshot!("empty_table", render(&empty, Format::Table, &plain()));
    insta::assert_snapshot!("empty_markdown", render(&empty, Format::Markdown, &plain()));
    insta::assert_snapshot!("empty_json", render(&empty, Format::Json, &plain()));
}

// ---------------------------------------------------------------- table

#[test]
fn table_fits_100_columns_without_colour() {
    let out = render(&sample(), Format::Table, &plain());
    assert!(max_width(&out) <= 100, "wider than 100:\n{out}");
}

#[test]
fn table_honours_a_given_width() {
    for width in [60u16, 80, 140] {
        let options = RenderOptions {
            width: Some(width),
            ..RenderOptions::default()
        };
        let out = render(&sample(), Format::Table, &options);
        assert!(
            max_width(&out) <= usize::from(width),
            "wider than {width}:\n{out}"
        );
    }
}

#[test]
fn table_long_values_still_fit() {
    let mut report = sample();
    let long = "x".repeat(300);
    for c in &mut report.credentials {
        c.identity = format!("{} {long}", c.identity);
        c.source = format!("{long}/{}", c.source);
        if let Some(wc) = &mut c.worst_case {
            wc.summary = format!("{} {long}", wc.summary);
        }
    }
    let out = render(&report, Format::Table, &plain());
    assert!(max_width(&out) <= 100, "wider than 100:\n{out}");
}

#[test]
fn colour_codes_only_when_asked() {
    for format in Format::ALL {
        let out = render(&sample(), format, &plain());
        assert!(
            !out.contains('\x1b'),
            "{format} has ANSI codes without colour"
        );
    }
    let out = render(&sample(), Format::Table, &colored());
    assert!(out.contains("\x1b["), "no colour in:\n{out}");
    // Critical is painted red wherever the severity is shown.
    assert!(out.contains("\x1b[1;91mCRITICAL\x1b[0m"), "{out}");
}

#[test]
fn coloured_table_has_the_same_text() {
    let strip = |s: &str| {
        let mut out = String::new();
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d.is_ascii_alphabetic() {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    let plain_out = render(&sample(), Format::Table, &plain());
    let color_out = render(&sample(), Format::Table, &colored());
    assert_eq!(strip(&color_out), plain_out);
}

#[test]
fn table_names_dangerous_capabilities_and_findings() {
    let out = render(&sample(), Format::Table, &plain());
    for needle in [
        "volumeDelete, volumeInstanceBackupDelete",
        "teamUserInvite, projectMemberAdd",
        "via workspace pocketos -> project pocketos",
        "railway.no-verb-scoping",
        "aws.credential-invalid",
        "env RAILWAY_API_TOKEN",
    ] {
        assert!(out.contains(needle), "missing `{needle}` in:\n{out}");
    }
    // Read capabilities of a low credential are not detailed.
    assert!(!out.contains("read low:"), "{out}");
}

#[test]
fn hostile_values_cannot_drive_the_terminal() {
    let mut report = sample();
    report.credentials[0].identity = "evil\x1b[2J\x1b]0;pwned\x07\nforged row".to_string();
    report.credentials[0].findings[0].message = "\x1b[31mred\u{202e}reversed".to_string();
    for format in [Format::Table, Format::Markdown, Format::Html] {
        let out = render(&report, format, &plain());
        assert!(!out.contains('\x1b'), "{format} let ESC through:\n{out}");
        assert!(!out.contains('\x07'), "{format} let BEL through");
        assert!(
            !out.contains('\u{202e}'),
            "{format} let a bidi override through"
        );
    }
}

#[test]
fn empty_report_says_so() {
    let empty = Report::new(vec![]);
    assert!(render(&empty, Format::Table, &plain()).contains("No credentials found"));
    assert!(render(&empty, Format::Markdown, &plain()).contains("No credentials found"));
}

// ---------------------------------------------------------------- json

#[test]
fn json_is_the_model_pretty_with_a_newline() {
    let report = sample();
    let out = render(&report, Format::Json, &plain());
    assert!(out.ends_with("}\n"));
    let back: Report = serde_json::from_str(&out).expect("round trip");
    assert_eq!(back, report);
    assert!(out.starts_with("{\n  \"schema_version\": 1,\n  \"credentials\": ["));
}

#[test]
fn json_carries_every_contract_field_with_its_type() {
    let schema = parse(include_str!("data/report-v1.schema.json"));
    let validator = jsonschema::draft7::new(&schema).expect("contract schema compiles");
    let instance = parse(&render(&sample(), Format::Json, &plain()));
    let errors: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "JSON breaks the contract:\n{}",
        errors.join("\n")
    );

    // The schema has teeth: a renamed field fails it.
    let mut broken = instance.clone();
    let cred = &mut broken["credentials"][0];
    let sev = cred["severity"].take();
    cred.as_object_mut().unwrap().remove("severity");
    cred["rating"] = sev;
    assert!(!validator.is_valid(&broken));
}

// ---------------------------------------------------------------- sarif

fn sarif_validator() -> jsonschema::Validator {
    let schema = parse(include_str!("data/sarif-schema-2.1.0.json"));
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("SARIF schema compiles")
}

fn assert_valid_sarif(out: &str) {
    let instance = parse(out);
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "invalid SARIF:\n{}\n{out}",
        errors.join("\n")
    );
}

#[test]
fn sarif_validates_against_the_official_schema() {
    assert_valid_sarif(&render(&sample(), Format::Sarif, &plain()));
    assert_valid_sarif(&render(&Report::new(vec![]), Format::Sarif, &plain()));
    let with_version = RenderOptions {
        tool_version: Some("0.1.0".to_string()),
        ..RenderOptions::default()
    };
    assert_valid_sarif(&render(&sample(), Format::Sarif, &with_version));
}

#[test]
fn sarif_schema_rejects_a_broken_log() {
    let mut log = parse(&render(&sample(), Format::Sarif, &plain()));
    log["runs"][0]["results"][0]["level"] = Value::from("critical");
    assert!(!sarif_validator().is_valid(&log));
}

#[test]
fn sarif_results_levels_and_locations() {
    let log = parse(&render(&sample(), Format::Sarif, &plain()));
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "blastradius");
    let results = run["results"].as_array().unwrap();
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // 4 credentials above none + 2 findings.
    assert_eq!(results.len(), 6);
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    let by_id = |id: &str, rule: &str| {
        results
            .iter()
            .find(|r| r["properties"]["id"] == id && r["ruleId"] == rule)
            .unwrap_or_else(|| panic!("no result {id} {rule}"))
    };

    let critical = by_id("railway:7f3a9c21d04e8b55", "credential-destroy");
    assert_eq!(critical["level"], "error");
    assert!(critical["message"]["text"]
        .as_str()
        .unwrap()
        .contains("volumeDelete -> volume pg-data"));
    let phys = &critical["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "infra/custom-domains/.env");
    assert_eq!(phys["region"]["startLine"], 4);
    assert_eq!(
        critical["partialFingerprints"]["credentialId/v1"],
        "railway:7f3a9c21d04e8b55"
    );
    assert_eq!(critical["properties"]["severity"], "critical");
    assert_eq!(critical["properties"]["provider"], "railway");

    let env = by_id("railway:c0ffee0012345678", "credential-destroy");
    assert_eq!(env["level"], "error");
    assert!(env["locations"][0].get("physicalLocation").is_none());
    assert_eq!(
        env["locations"][0]["logicalLocations"][0]["name"],
        "RAILWAY_API_TOKEN"
    );

    let arn = by_id(
        "arn:aws:iam::111122223333:role/staging-writer",
        "credential-write",
    );
    assert_eq!(arn["level"], "warning");
    assert!(arn["locations"][0].get("physicalLocation").is_none());

    let low = by_id("github:5a5a5a5a00000001", "credential-read");
    assert_eq!(low["level"], "note");

    // The invalid credential has no result of its own, only its finding's.
    assert!(!results
        .iter()
        .any(|r| r["properties"]["id"] == "aws:AKIA0000OLDKEY"
            && r["ruleId"] != "aws.credential-invalid"));
    let finding = by_id("aws:AKIA0000OLDKEY", "aws.credential-invalid");
    assert_eq!(finding["level"], "note");
    assert_eq!(
        finding["partialFingerprints"]["findingId/v1"],
        "aws:AKIA0000OLDKEY:aws.credential-invalid"
    );
}

// ---------------------------------------------------------------- markdown

#[test]
fn markdown_escapes_pipes_and_markup() {
    let mut report = sample();
    report.credentials[0].kind = "<script>alert(1)</script>".to_string();
    let out = render(&report, Format::Markdown, &plain());
    assert!(out.contains("octo-bot \\| read-only viewer"), "{out}");
    assert!(!out.contains("<script>"), "{out}");
    // Every row of the main table has exactly 8 unescaped pipes (7 columns).
    let rows: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with('|'))
        .take_while(|l| !l.starts_with("| Category"))
        .collect();
    assert_eq!(rows.len(), 2 + report.credentials.len());
    for row in rows {
        let unescaped = row
            .char_indices()
            .filter(|&(i, c)| c == '|' && (i == 0 || row.as_bytes()[i - 1] != b'\\'))
            .count();
        assert_eq!(unescaped, 8, "{row}");
    }
}

#[test]
fn markdown_summary_counts_by_severity() {
    let out = render(&sample(), Format::Markdown, &plain());
    assert!(
        out.contains("**5 credentials**: **1 critical**, **1 high**, 1 medium, 1 low, 1 none"),
        "{out}"
    );
}

#[test]
fn format_names_round_trip() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
    }
    assert!("htm".parse::<Format>().is_err());
    assert_eq!("HTML".parse::<Format>().unwrap(), Format::Html);
}

/// Records what is written, and in how many pieces.
#[derive(Default)]
struct Pieces {
    bytes: Vec<u8>,
    writes: usize,
}

impl std::io::Write for Pieces {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.bytes.extend_from_slice(buf);
        self.writes += 1;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn table_is_written_one_credential_at_a_time_and_reads_as_rendered() {
    let report = sample();
    let detailed = render(&report, Format::Table, &plain())
        .lines()
        .skip_while(|l| *l != "Details")
        .filter(|l| {
            ["CRITICAL ", "HIGH ", "MEDIUM ", "LOW ", "NONE "]
                .iter()
                .any(|s| l.starts_with(s))
        })
        .count();
    let mut out = Pieces::default();
    render_to(&report, Format::Table, &plain(), &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out.bytes).unwrap(),
        render(&report, Format::Table, &plain())
    );
    // A piece per credential's details (the first with the summary and
    // the table), not the whole text at once.
    assert!(
        detailed > 1,
        "the sample has details for several credentials"
    );
    assert_eq!(out.writes, detailed);
}
