//! `--format markdown`: for a CI job summary or a pull-request comment.
//!
//! A summary line, one table row per credential, then for each credential
//! rated high or worse its worst case and its destroy/escalate/secrets
//! capabilities. Every value from the report is escaped: identities, paths
//! and API answers may hold `|`, `*`, `<script>` or a newline, and must not
//! break the table or inject markup into a PR page.

use super::text::{self, Source};
use crate::{CredentialReport, Report, Severity, Status, WorstCase};

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::from("## blastradius credential audit\n\n");
    if report.credentials.is_empty() {
        out.push_str("No credentials found: nothing to rate.\n");
        changes(&mut out, report);
        return out;
    }
    out.push_str(&summary(report));
    out.push('\n');
    // Before the table: in a CI job summary the drift is the news.
    changes(&mut out, report);
    out.push('\n');
    table(&mut out, report);

    let detailed: Vec<&CredentialReport> = report
        .credentials
        .iter()
        .filter(|c| text::detailed(c))
        .collect();
    for cred in &detailed {
        out.push('\n');
        details(&mut out, cred);
    }
    let other_findings: Vec<&CredentialReport> = report
        .credentials
        .iter()
        .filter(|c| !text::detailed(c) && !c.findings.is_empty())
        .collect();
    if !other_findings.is_empty() {
        out.push_str("\n### Other findings\n\n");
        for cred in other_findings {
            for f in &cred.findings {
                out.push_str(&format!(
                    "- {} {} ({}): {}: {}\n",
                    severity_word(f.severity),
                    escape(&cred.kind),
                    escape(&source(cred)),
                    escape(&f.id),
                    escape(&f.message)
                ));
            }
        }
    }
    out
}

/// `**4 credentials**: **1 critical**, **1 high**, 0 medium, 1 low, 1 none`.
fn summary(report: &Report) -> String {
    let n = report.credentials.len();
    let parts: Vec<String> = text::counts(report)
        .into_iter()
        .map(|(s, k)| {
            if k > 0 && s >= Severity::High {
                format!("**{k} {s}**")
            } else {
                format!("{k} {s}")
            }
        })
        .collect();
    format!(
        "**{n} credential{}**: {}",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    )
}

/// `### Changes since baseline`, a count line, then one list per kind of
/// change. Nothing without a baseline.
fn changes(out: &mut String, report: &Report) {
    let Some(changes) = &report.changes else {
        return;
    };
    out.push_str("\n### Changes since baseline\n\n");
    let new = changes.new_severity();
    out.push_str(&format!(
        "{} (baseline: {} credential{}).",
        capitalised(&changes.summary()),
        changes.baseline_credentials,
        if changes.baseline_credentials == 1 {
            ""
        } else {
            "s"
        }
    ));
    if new > Severity::None {
        out.push_str(&format!(" Highest new severity: {}.", severity_word(new)));
    }
    out.push('\n');
    for section in super::changes::sections(report, changes) {
        out.push_str(&format!("\n**{}**\n\n", section.title));
        for line in section.lines {
            out.push_str(&format!(
                "- {}{}{}\n",
                escape(&line.lead),
                severity_word(line.severity),
                escape(&line.rest)
            ));
        }
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn table(out: &mut String, report: &Report) {
    out.push_str(
        "| Severity | Provider / kind | Source | Token | Identity | Worst case | Reversible |\n",
    );
    out.push_str("|---|---|---|---|---|---|---|\n");
    for cred in &report.credentials {
        let mut sev = severity_word(cred.severity);
        if cred.status != Status::Valid {
            sev.push_str(&format!(" ({})", cred.status.as_str()));
        }
        if cred.partial {
            sev.push_str(" (partial)");
        }
        let (worst, reversible) = match &cred.worst_case {
            Some(wc) => (worst_case(wc), text::reversible_word(wc.reversible)),
            None => ("-".to_string(), "-"),
        };
        out.push_str(&format!(
            "| {} | {} / {} | {} | {} | {} | {} | {} |\n",
            sev,
            cred.provider,
            escape(&cred.kind),
            escape(&source(cred)),
            escape(&cred.redacted),
            escape(&cred.identity),
            worst,
            reversible
        ));
    }
}

fn details(out: &mut String, cred: &CredentialReport) {
    out.push_str(&format!(
        "### {}: {} {} ({})\n\n",
        cred.severity,
        cred.provider,
        escape(&cred.kind),
        escape(&source(cred))
    ));
    out.push_str(&format!("- **Identity**: {}\n", escape(&cred.identity)));
    out.push_str(&format!("- **Token**: {}\n", escape(&cred.redacted)));
    if let Some(wc) = &cred.worst_case {
        out.push_str(&format!(
            "- **Worst case** ({}): {}\n",
            wc.category,
            worst_case(wc)
        ));
        out.push_str(&format!(
            "- **Reversible**: {}\n",
            text::reversible_word(wc.reversible)
        ));
        if !wc.summary.is_empty() {
            out.push_str(&format!("- **Summary**: {}\n", escape(&wc.summary)));
        }
        if !wc.via.is_empty() {
            out.push_str(&format!("- **Via**: {}\n", escape(&wc.via.join(" → "))));
        }
    }
    let caps: Vec<_> = text::dangerous(cred).collect();
    if !caps.is_empty() {
        out.push_str("\n| Category | Severity | Actions | Resource | Environment | Via |\n");
        out.push_str("|---|---|---|---|---|---|\n");
        for cap in caps {
            let mut actions = escape(&text::actions_line(&cap.actions));
            if cap.conditional {
                actions.push_str(" (conditional)");
            }
            let via = if cap.via.is_empty() {
                "direct".to_string()
            } else {
                escape(&cap.via.join(" → "))
            };
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                cap.category,
                severity_word(cap.severity),
                actions,
                escape(&cap.resource),
                escape(&text::environment(cap.environment.as_deref())),
                via
            ));
        }
    }
    if !cred.findings.is_empty() {
        out.push_str("\n**Findings**\n\n");
        for f in &cred.findings {
            out.push_str(&format!(
                "- {} {}: {}\n",
                severity_word(f.severity),
                escape(&f.id),
                escape(&f.message)
            ));
        }
    }
}

/// `volumeDelete on volume pg-data in production`: no `->`, which would
/// need an entity for `>` and read badly in the raw comment.
fn worst_case(wc: &WorstCase) -> String {
    format!(
        "{} on {} in {}",
        escape(&wc.action),
        escape(&wc.resource),
        escape(&text::environment(wc.environment.as_deref()))
    )
}

fn source(cred: &CredentialReport) -> String {
    match Source::parse(&cred.source) {
        Source::Env(var) => format!("env {var}"),
        _ => cred.source.clone(),
    }
}

/// Critical and high in bold, so they stand out in a long table.
fn severity_word(severity: Severity) -> String {
    if severity >= Severity::High {
        format!("**{severity}**")
    } else {
        severity.to_string()
    }
}

/// Escapes a value for inline Markdown inside a table cell or list item.
///
/// Backslash-escapes the ASCII punctuation that CommonMark or GitHub gives a
/// meaning inline (`(`, `)` and `!` only matter next to `[`/`]`, which are
/// escaped, so they stay readable), writes `<`, `>` and `&`
/// as entities so no HTML or entity survives, and turns line breaks, other
/// control characters and bidi overrides into spaces, since a newline would end the table row.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '{' | '}' | '#' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c if text::is_unsafe(c) => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escapes_markup() {
        assert_eq!(escape("a|b"), "a\\|b");
        assert_eq!(escape("<img src=x>"), "&lt;img src=x&gt;");
        assert_eq!(escape("line\nbreak"), "line break");
        assert_eq!(escape("**bold** [x](y)"), "\\*\\*bold\\*\\* \\[x\\](y)");
        assert_eq!(escape("C:\\path"), "C:\\\\path");
    }
}
