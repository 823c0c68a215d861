//! The checklist as a terminal table, Markdown or JSON.

use blastradius_report::render::Format;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};

use super::{Checklist, Verdict};

pub fn render(checklist: &Checklist, format: Format) -> String {
    match format {
        Format::Json => {
            let mut out = serde_json::to_string_pretty(checklist).unwrap_or_default();
            out.push('\n');
            out
        }
        Format::Markdown => markdown(checklist),
        _ => table(checklist),
    }
}

fn summary(checklist: &Checklist) -> String {
    let count = |v: Verdict| checklist.items.iter().filter(|i| i.verdict == v).count();
    format!(
        "{} passed, {} failed, {} unknown",
        count(Verdict::Pass),
        count(Verdict::Fail),
        count(Verdict::Unknown)
    )
}

fn table(checklist: &Checklist) -> String {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(100)
        .set_header(vec!["", "Check", "Evidence"]);
    for item in &checklist.items {
        table.add_row(vec![
            item.verdict.as_str().to_string(),
            item.title.to_string(),
            item.evidence.join("\n"),
        ]);
    }
    format!(
        "Pre-onboarding checklist: {}\n{table}\n",
        summary(checklist)
    )
}

fn markdown(checklist: &Checklist) -> String {
    let escape = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut out = format!(
        "## blastradius pre-onboarding checklist\n\n**{}**\n\n| | Check | Evidence |\n|---|---|---|\n",
        summary(checklist)
    );
    for item in &checklist.items {
        let mark = match item.verdict {
            Verdict::Pass => "✅ PASS",
            Verdict::Fail => "❌ FAIL",
            Verdict::Unknown => "❔ UNKNOWN",
        };
        let evidence: Vec<String> = item.evidence.iter().map(|e| escape(e)).collect();
        out.push_str(&format!(
            "| {mark} | {} | {} |\n",
            escape(item.title),
            evidence.join("<br>")
        ));
    }
    out
}
