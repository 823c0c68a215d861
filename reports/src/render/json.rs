//! `--format json`: the contract's report, `schema_version` 1.
//!
//! The model's serde derive is the schema: field order is struct order and
//! credentials keep the report's order (worst first), so runs diff cleanly.

use std::io::Write;

use crate::Report;

pub(crate) fn render(report: &Report) -> String {
    pretty(report)
}

/// [`render`], written as it is produced.
pub(crate) fn write(report: &Report, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    serde_json::to_writer_pretty(&mut out, report)?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Pretty JSON with a trailing newline. The report types serialise only
/// strings, numbers, booleans and string-keyed maps, so serde_json cannot
/// fail on them; should that ever change, the output is still valid JSON that
/// says what went wrong, rather than a panic in the middle of an audit.
pub(crate) fn pretty<T: serde::Serialize>(value: &T) -> String {
    let mut out = match serde_json::to_string_pretty(value) {
        Ok(s) => s,
        Err(e) => serde_json::json!({ "error": format!("could not serialise the report: {e}") })
            .to_string(),
    };
    out.push('\n');
    out
}
