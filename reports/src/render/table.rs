//! `--format table`: what a person reads in a terminal.
//!
//! A summary line, one table row per credential, then for every credential
//! rated high or worse its destroy/escalate/secrets capabilities by name, and
//! the findings of any credential. Fits 100 columns unless told the terminal
//! is wider (or narrower). Colour only when asked: piped output stays plain.

use comfy_table::{
    presets, Attribute, Cell, Color, ColumnConstraint, ContentArrangement, Table,
    Width as ComfyWidth,
};

use super::text::{self, clean, Source};
use super::RenderOptions;
use crate::{CredentialReport, Report, Severity, Status};

/// Width when the terminal's is unknown: readable in a CI log or a pager.
const DEFAULT_WIDTH: u16 = 100;
/// Narrower than this, no table layout is readable; wrap at this instead.
const MIN_WIDTH: u16 = 60;
/// From this width on, every column gets a minimum width (they add up to 98).
const WIDE: u16 = 100;

pub(crate) fn render(report: &Report, options: &RenderOptions) -> String {
    let mut out = Vec::new();
    // Writing to memory does not fail, and only text is written.
    let _ = write(report, options, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`render`], written as it is made: one credential's details at a time.
/// A large AWS account's details run to tens of MB, which a growing string
/// would hold twice while it moves to a larger buffer.
pub(crate) fn write(
    report: &Report,
    options: &RenderOptions,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let width = options.width.unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH);
    if report.credentials.is_empty() {
        let mut out = "No credentials found: nothing to rate.\n".to_string();
        // Every credential may be gone since the baseline: say which.
        changes(&mut out, report, options.color, usize::from(width));
        return w.write_all(out.as_bytes());
    }
    let mut out = String::new();
    out.push_str(&summary(report, options.color, usize::from(width)));
    out.push_str("\n\n");
    out.push_str(&table(report, options.color, width).to_string());
    out.push('\n');
    changes(&mut out, report, options.color, usize::from(width));

    let with_details: Vec<&CredentialReport> = report
        .credentials
        .iter()
        .filter(|c| text::detailed(c) || !c.findings.is_empty())
        .collect();
    if !with_details.is_empty() {
        out.push_str("\nDetails\n");
        for cred in with_details {
            out.push('\n');
            details(&mut out, cred, options.color, usize::from(width));
            w.write_all(out.as_bytes())?;
            out.clear();
        }
    }
    w.write_all(out.as_bytes())
}

fn summary(report: &Report, color: bool, width: usize) -> String {
    let n = report.credentials.len();
    let counts = text::counts(report);
    let head = format!("{n} credential{}:", if n == 1 { "" } else { "s" });
    let plain: Vec<String> = counts.iter().map(|(s, k)| format!("{k} {s}")).collect();
    let painted: Vec<String> = counts
        .iter()
        .zip(&plain)
        .map(|((s, k), word)| {
            if *k > 0 {
                paint(*s, word, color)
            } else {
                word.clone()
            }
        })
        .collect();
    // Measured without escape codes, which take no columns.
    let one_line = text::width(&head) + 1 + text::width(&plain.join(", "));
    let sep = if one_line <= width { " " } else { "\n  " };
    format!("{head}{sep}{}", painted.join(", "))
}

fn table(report: &Report, color: bool, width: u16) -> Table {
    let mut table = Table::new();
    table
        .load_preset(presets::UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(width);
    if color {
        table.enforce_styling();
    } else {
        // Without this comfy-table would still style when stdout is a tty.
        table.force_no_tty();
    }
    table.set_header(
        [
            "Severity",
            "Provider / kind",
            "Source / token",
            "Identity",
            "Worst case",
        ]
        .into_iter()
        .map(|h| {
            let cell = Cell::new(h);
            if color {
                cell.add_attribute(Attribute::Bold)
            } else {
                cell
            }
        }),
    );
    for cred in &report.credentials {
        let mut sev = cred.severity.as_str().to_uppercase();
        if cred.status != Status::Valid {
            sev.push('\n');
            sev.push_str(cred.status.as_str());
        }
        if cred.partial {
            sev.push_str("\npartial");
        }
        let mut sev_cell = Cell::new(sev);
        if color {
            sev_cell = sev_cell.fg(severity_color(cred.severity));
            if cred.severity == Severity::Critical {
                sev_cell = sev_cell.add_attribute(Attribute::Bold);
            }
        }
        // Action, resource and environment each on a line of their own, so
        // a narrow column breaks between them rather than inside them.
        let worst = match &cred.worst_case {
            Some(wc) => format!(
                "{}\n-> {}\nin {}\n{}",
                clean(&wc.action),
                clean(&wc.resource),
                clean(&text::environment(wc.environment.as_deref())),
                if wc.reversible {
                    "reversible"
                } else {
                    "irreversible"
                }
            ),
            None => "-".to_string(),
        };
        table.add_row(vec![
            sev_cell,
            Cell::new(format!("{}\n{}", cred.provider, clean(&cred.kind))),
            Cell::new(format!(
                "{}\n{}",
                clean(&cred.source),
                clean(&cred.redacted)
            )),
            Cell::new(clean(&cred.identity)),
            Cell::new(worst),
        ]);
    }
    if width >= WIDE {
        // Kinds are short identifiers that read badly when broken; the worst
        // case is the point of the tool. Give both room before the rest.
        let kind = report
            .credentials
            .iter()
            .map(|c| text::width(&clean(&c.kind)))
            .max()
            .unwrap_or(0)
            .min(24);
        // comfy-table's widths include the cell padding (one space a side).
        // At 100 columns: 6 borders + 10 + 25 + 16 + 17 + 24 = 98.
        for (i, min) in [(0, 10), (1, kind + 2), (2, 16), (3, 17), (4, 24)] {
            if let (Some(col), Ok(min)) = (table.column_mut(i), u16::try_from(min)) {
                col.set_constraint(ColumnConstraint::LowerBoundary(ComfyWidth::Fixed(min)));
            }
        }
    }
    table
}

/// `Changes since baseline: ...` and one bulleted list per kind of change,
/// when a baseline was given. Right under the table: in a scheduled job the
/// drift is what the reader came for.
fn changes(out: &mut String, report: &Report, color: bool, width: usize) {
    let Some(changes) = &report.changes else {
        return;
    };
    out.push('\n');
    let head = format!("Changes since baseline: {}", changes.summary());
    for (i, line) in text::wrap(&head, width, 0, 2).iter().enumerate() {
        if i > 0 {
            out.push_str("  ");
        }
        out.push_str(line);
        out.push('\n');
    }
    for section in super::changes::sections(report, changes) {
        out.push_str(&format!("  {}:\n", section.title.to_lowercase()));
        for line in section.lines {
            bullet(out, &line.lead, line.severity, &line.rest, color, width);
        }
    }
}

/// The block under the table for one credential.
fn details(out: &mut String, cred: &CredentialReport, color: bool, width: usize) {
    let source = match Source::parse(&cred.source) {
        Source::File { .. } | Source::Other(_) => clean(&cred.source).into_owned(),
        Source::Env(var) => format!("env {}", clean(var)),
    };
    let head = format!(
        "{} {}/{} {} ({})",
        cred.severity.as_str().to_uppercase(),
        cred.provider,
        clean(&cred.kind),
        clean(&cred.redacted),
        source
    );
    // Paint only the severity word: the rest is wrapped by width, and escape
    // codes have no width.
    let head_lines = text::wrap(&head, width, 0, 2);
    for (i, line) in head_lines.iter().enumerate() {
        if i == 0 {
            let sev = cred.severity.as_str().to_uppercase();
            let rest = line.strip_prefix(sev.as_str()).unwrap_or(line);
            out.push_str(&paint(cred.severity, &sev, color));
            out.push_str(rest);
        } else {
            out.push_str("  ");
            out.push_str(line);
        }
        out.push('\n');
    }
    if text::detailed(cred) {
        if let Some(wc) = &cred.worst_case {
            field(out, "worst case", &text::worst_case_line(wc), width);
            field(
                out,
                "reversible",
                text::reversible_word(wc.reversible),
                width,
            );
            if !wc.summary.is_empty() {
                field(out, "summary", &wc.summary, width);
            }
            if !wc.via.is_empty() {
                field(out, "via", &wc.via.join(" -> "), width);
            }
        }
        let caps: Vec<_> = text::dangerous(cred).collect();
        if !caps.is_empty() {
            out.push_str("  capabilities:\n");
        }
        for cap in caps {
            let mut what = format!(": {}", text::actions_line(&cap.actions));
            if cap.conditional {
                what.push_str(" (conditional)");
            }
            let lead = format!("{} ", cap.category);
            bullet(out, &lead, cap.severity, &what, color, width);
            let on = format!(
                "on {} in {}",
                cap.resource,
                text::environment(cap.environment.as_deref())
            );
            indented(out, 6, &on, width);
            if !cap.via.is_empty() {
                indented(out, 6, &format!("via {}", cap.via.join(" -> ")), width);
            }
        }
    }
    if !cred.findings.is_empty() {
        out.push_str("  findings:\n");
        for f in &cred.findings {
            let rest = format!(" {}: {}", f.id, f.message);
            bullet(out, "", f.severity, &rest, color, width);
        }
    }
}

/// `  label: value`, wrapped under the value.
fn field(out: &mut String, label: &str, value: &str, width: usize) {
    let first = 2 + label.len() + 2;
    let lines = text::wrap(&clean(value), width, first, first);
    for (i, line) in lines.iter().enumerate() {
        if i == 0 {
            out.push_str(&format!("  {label}: "));
        } else {
            out.push_str(&" ".repeat(first));
        }
        out.push_str(line);
        out.push('\n');
    }
}

/// `    - LEAD SEVERITY REST`, wrapped; the severity word is painted when
/// colour is on (after wrapping, since escape codes have no width).
fn bullet(out: &mut String, lead: &str, severity: Severity, rest: &str, color: bool, width: usize) {
    let line = format!("{lead}{severity}{}", clean(rest));
    let lines = text::wrap(&line, width, 6, 8);
    for (i, l) in lines.iter().enumerate() {
        if i == 0 {
            out.push_str("    - ");
            let painted = l
                .strip_prefix(lead)
                .and_then(|r| r.strip_prefix(severity.as_str()))
                .map(|r| format!("{lead}{}{r}", paint(severity, severity.as_str(), color)));
            out.push_str(painted.as_deref().unwrap_or(l));
        } else {
            out.push_str(&" ".repeat(8));
            out.push_str(l);
        }
        out.push('\n');
    }
}

fn indented(out: &mut String, indent: usize, value: &str, width: usize) {
    for line in text::wrap(&clean(value), width, indent, indent + 2) {
        out.push_str(&" ".repeat(indent));
        out.push_str(&line);
        out.push('\n');
    }
}

fn severity_color(severity: Severity) -> Color {
    match severity {
        Severity::Critical => Color::Red,
        Severity::High => Color::DarkRed,
        Severity::Medium => Color::Yellow,
        Severity::Low => Color::Cyan,
        Severity::None => Color::DarkGrey,
    }
}

/// ANSI SGR codes matching `severity_color`, for text outside the table.
fn paint(severity: Severity, text: &str, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match severity {
        Severity::Critical => "1;91",
        Severity::High => "31",
        Severity::Medium => "93",
        Severity::Low => "96",
        Severity::None => "90",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}
