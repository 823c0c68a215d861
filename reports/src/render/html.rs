//! `--format html`: one self-contained page to open offline or attach to a
//! CI run.
//!
//! Everything is inline: CSS, a small script that sorts the table, and for
//! each credential an SVG drawing of the path to its worst case (credential
//! -> each hop of `worst_case.via` -> the resource, coloured by severity).
//! Nothing is fetched: no `src`, no `<link>`, no external `href`, and a
//! Content-Security-Policy of `default-src 'none'` that allows only the
//! exact inline style and script by hash. Report values come from scanned
//! files and API answers, so every one is HTML-escaped; the policy is the
//! second line of defence should an escape ever be missed, since an
//! injected script would not match the hash and would not run.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::changes;
use super::text::{self, clean, Source};
use crate::{Capability, CredentialReport, CredentialState, Report, Severity, Status, WorstCase};

const STYLE: &str = r#"
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.5rem;margin-bottom:.25rem}
h2{font-size:1.15rem;margin-top:2rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
h3{font-size:1rem;margin:1rem 0 .25rem}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:.92em}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
thead th{background:#f6f8fa}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[aria-sort=ascending]::after{content:" \25B2"}
table.sortable th[aria-sort=descending]::after{content:" \25BC"}
.badge{display:inline-block;padding:0 .45em;border-radius:.6em;font-weight:600;font-size:.85em;color:#fff}
.sev-critical .badge,.badge.sev-critical{background:#b71c1c}
.sev-high .badge,.badge.sev-high{background:#e65100}
.sev-medium .badge,.badge.sev-medium{background:#f9a825;color:#1b1f24}
.sev-low .badge,.badge.sev-low{background:#0277bd}
.sev-none .badge,.badge.sev-none{background:#757575}
.note{color:#57606a;font-size:.85em}
.change-new{color:#b71c1c;font-weight:600}
.change-updated{color:#9a6700;font-weight:600}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}
svg.path{display:block;margin:.75rem 0;max-width:100%;height:auto}
svg.path rect{fill:#f6f8fa;stroke:#57606a;stroke-width:1}
svg.path text{font:13px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;fill:#1b1f24}
svg.path text.cap{font:11px system-ui,sans-serif;fill:#57606a}
svg.path line{stroke:#57606a;stroke-width:1.5}
svg.path polygon{fill:#57606a}
svg.path text.edge{font:12px ui-monospace,Menlo,Consolas,monospace;fill:#1b1f24;font-weight:600}
svg.path g.sev-critical rect{fill:#b71c1c;stroke:#7f0000}
svg.path g.sev-high rect{fill:#e65100;stroke:#ac1900}
svg.path g.sev-medium rect{fill:#f9a825;stroke:#c17900}
svg.path g.sev-low rect{fill:#0277bd;stroke:#004c8c}
svg.path g.sev-none rect{fill:#757575;stroke:#494949}
svg.path g.sev-critical text,svg.path g.sev-high text,svg.path g.sev-low text,svg.path g.sev-none text{fill:#fff}
"#;

/// Sorts a `table.sortable` by the clicked column: by `data-sort` (a
/// number) when the cell has one, else by its text.
const SCRIPT: &str = r#"
(function(){
function key(td){var s=td.getAttribute('data-sort');return s!==null?Number(s):td.textContent.trim().toLowerCase();}
document.querySelectorAll('table.sortable').forEach(function(t){
var heads=t.tHead.rows[0].cells;
Array.prototype.forEach.call(heads,function(th,i){
th.tabIndex=0;
function sort(){
var asc=th.getAttribute('aria-sort')!=='ascending';
Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
th.setAttribute('aria-sort',asc?'ascending':'descending');
var body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
rows.sort(function(x,y){var a=key(x.cells[i]),b=key(y.cells[i]);return (a<b?-1:a>b?1:0)*(asc?1:-1);});
rows.forEach(function(r){body.appendChild(r);});
}
th.addEventListener('click',sort);
th.addEventListener('keydown',function(e){if(e.key==='Enter'||e.key===' '){e.preventDefault();sort();}});
});
});
})();
"#;

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    // Only the exact inline style and script below may apply; nothing may
    // be loaded from anywhere.
    let _ = writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src '{}'; script-src '{}'; base-uri 'none'; form-action 'none'\">",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    );
    out.push_str("<title>blastradius credential audit</title>\n");
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str("</head>\n<body>\n<h1>blastradius credential audit</h1>\n");

    if report.credentials.is_empty() {
        out.push_str("<p>No credentials found: nothing to rate.</p>\n");
    } else {
        summary(&mut out, report);
    }
    changes_section(&mut out, report);
    if !report.credentials.is_empty() {
        table(&mut out, report);
        for (i, cred) in report.credentials.iter().enumerate() {
            credential(&mut out, i, cred);
        }
    }
    let _ = writeln!(out, "<script>{SCRIPT}</script>");
    out.push_str("</body>\n</html>\n");
    out
}

/// `5 credentials: 1 critical, 1 high, ...` with the counts as badges.
fn summary(out: &mut String, report: &Report) {
    let n = report.credentials.len();
    let parts: Vec<String> = text::counts(report)
        .into_iter()
        .map(|(s, k)| {
            if k > 0 {
                format!("<span class=\"badge sev-{s}\">{k} {s}</span>")
            } else {
                format!("{k} {s}")
            }
        })
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"summary\"><strong>{n} credential{}</strong>: {}</p>",
        if n == 1 { "" } else { "s" },
        parts.join(", ")
    );
}

fn changes_section(out: &mut String, report: &Report) {
    let Some(changes) = &report.changes else {
        return;
    };
    out.push_str("<section id=\"changes\">\n<h2>Changes since baseline</h2>\n");
    let _ = write!(
        out,
        "<p>{} (baseline: {} credential{}).",
        esc(&changes.summary()),
        changes.baseline_credentials,
        if changes.baseline_credentials == 1 {
            ""
        } else {
            "s"
        }
    );
    let new = changes.new_severity();
    if new > Severity::None {
        let _ = write!(out, " Highest new severity: {}.", badge(new));
    }
    out.push_str("</p>\n");
    for section in changes::sections(report, changes) {
        let _ = writeln!(out, "<h3>{}</h3>\n<ul>", esc(section.title));
        for line in section.lines {
            let _ = writeln!(
                out,
                "<li>{}{}{}</li>",
                esc(&line.lead),
                badge(line.severity),
                esc(&line.rest)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn table(out: &mut String, report: &Report) {
    let changes = report.changes.as_ref();
    out.push_str("<h2>Credentials</h2>\n<p class=\"note\">Click a column heading to sort.</p>\n");
    out.push_str("<table class=\"sortable\" id=\"credentials\">\n<thead><tr><th>Severity</th><th>Provider / kind</th><th>Source</th><th>Token</th><th>Identity</th><th>Worst case</th><th>Reversible</th>");
    if changes.is_some() {
        out.push_str("<th>Change</th>");
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (i, cred) in report.credentials.iter().enumerate() {
        let mut sev = badge(cred.severity);
        if cred.status != Status::Valid {
            let _ = write!(sev, " <span class=\"note\">{}</span>", cred.status.as_str());
        }
        if cred.partial {
            sev.push_str(" <span class=\"note\">partial</span>");
        }
        let (worst, reversible) = match &cred.worst_case {
            Some(wc) => (
                format!(
                    "<a href=\"#cred-{i}\">{}</a>",
                    esc(&text::worst_case_line(wc))
                ),
                text::reversible_word(wc.reversible),
            ),
            None => (format!("<a href=\"#cred-{i}\">-</a>"), "-"),
        };
        let _ = write!(
            out,
            "<tr class=\"sev-{}\"><td data-sort=\"{}\">{sev}</td><td>{} / {}</td><td class=\"mono\">{}</td><td class=\"mono\">{}</td><td>{}</td><td>{worst}</td><td>{reversible}</td>",
            cred.severity,
            severity_rank(cred.severity),
            cred.provider,
            esc(&cred.kind),
            esc(&source(cred)),
            esc(&cred.redacted),
            esc(&cred.identity),
        );
        if let Some(changes) = changes {
            let (rank, word) = match changes.state_of(&cred.id) {
                CredentialState::New => (2, "<span class=\"change-new\">new</span>"),
                CredentialState::Updated => (1, "<span class=\"change-updated\">updated</span>"),
                CredentialState::Unchanged => (0, "unchanged"),
            };
            let _ = write!(out, "<td data-sort=\"{rank}\">{word}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
}

/// One credential: facts, the drawn path, capabilities and findings.
fn credential(out: &mut String, i: usize, cred: &CredentialReport) {
    let _ = writeln!(
        out,
        "<section class=\"credential sev-{}\" id=\"cred-{i}\">\n<h2>{} {} / {} <code>{}</code></h2>",
        cred.severity,
        badge(cred.severity),
        cred.provider,
        esc(&cred.kind),
        esc(&cred.redacted)
    );
    out.push_str("<dl>\n");
    dl(out, "Source", &source(cred));
    dl(out, "Identity", &cred.identity);
    let mut status = cred.status.as_str().to_string();
    if cred.partial {
        status.push_str(" (partial: the reach shown is a lower bound)");
    }
    dl(out, "Status", &status);
    if let Some(expires) = &cred.expires_at {
        dl(out, "Expires", expires);
    }
    if let Some(wc) = &cred.worst_case {
        dl(
            out,
            "Worst case",
            &format!("{} ({})", text::worst_case_line(wc), wc.category),
        );
        dl(out, "Reversible", text::reversible_word(wc.reversible));
        if !wc.summary.is_empty() {
            dl(out, "Summary", &wc.summary);
        }
    }
    out.push_str("</dl>\n");
    match &cred.worst_case {
        Some(wc) => path_svg(out, i, cred, wc),
        None => out.push_str("<p class=\"note\">No worst case named: nothing to draw.</p>\n"),
    }
    capabilities(out, cred);
    if !cred.findings.is_empty() {
        out.push_str("<h3>Findings</h3>\n<ul>\n");
        for f in &cred.findings {
            let _ = writeln!(
                out,
                "<li>{} <code>{}</code>: {}</li>",
                badge(f.severity),
                esc(&f.id),
                esc(&f.message)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}

fn dl(out: &mut String, term: &str, value: &str) {
    let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(term), esc(value));
}

/// Every capability, the dangerous ones (destroy, escalate, secrets) open,
/// the rest folded: a broad token reaches hundreds of reads.
fn capabilities(out: &mut String, cred: &CredentialReport) {
    let (dangerous, rest): (Vec<&Capability>, Vec<&Capability>) =
        cred.capabilities.iter().partition(|c| {
            matches!(
                c.category,
                crate::Category::Destroy | crate::Category::Escalate | crate::Category::Secrets
            )
        });
    for (caps, title, open) in [
        (
            dangerous,
            "Destroy, escalate and secrets capabilities",
            true,
        ),
        (rest, "Write and read capabilities", false),
    ] {
        if caps.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details{}><summary>{title} ({})</summary>",
            if open { " open" } else { "" },
            caps.len()
        );
        out.push_str("<table class=\"sortable\">\n<thead><tr><th>Category</th><th>Severity</th><th>Actions</th><th>Resource</th><th>Environment</th><th>Via</th></tr></thead>\n<tbody>\n");
        for cap in caps {
            let mut actions = esc(&text::actions_line(&cap.actions));
            if cap.conditional {
                actions.push_str(" <span class=\"note\">(conditional)</span>");
            }
            let via = if cap.via.is_empty() {
                "direct".to_string()
            } else {
                esc(&cap.via.join(" → "))
            };
            let _ = writeln!(
                out,
                "<tr class=\"sev-{}\"><td>{}</td><td data-sort=\"{}\">{}</td><td class=\"mono\">{actions}</td><td>{}</td><td>{}</td><td>{via}</td></tr>",
                cap.severity,
                cap.category,
                severity_rank(cap.severity),
                badge(cap.severity),
                esc(&cap.resource),
                esc(&text::environment(cap.environment.as_deref())),
            );
        }
        out.push_str("</tbody>\n</table>\n</details>\n");
    }
}

// ---------------------------------------------------------------- drawing

/// Box width, height and the gap (holding an arrow) between boxes.
const BOX_W: usize = 560;
const BOX_H: usize = 46;
const GAP: usize = 36;
const MARGIN: usize = 10;
/// Characters of a value that fit in a box at 13px monospace (about 7.8px
/// each in 536px of text room); longer values
/// are cut with an ellipsis, the whole value stays in the box's `<title>`.
const FIT: usize = 66;

/// One box of the drawing: a caption (what it is) and a value.
struct Node {
    caption: String,
    value: String,
    class: String,
}

/// credential (its identity) -> each hop of `via` -> the resource, top to bottom; the last
/// arrow is labelled with the action, the resource box has the severity's
/// colour. Vertical, so that long ARNs and names get the page's width.
fn path_svg(out: &mut String, i: usize, cred: &CredentialReport, wc: &WorstCase) {
    // The principal it acts as, named by the identity (an ARN, a user and
    // workspace); the token itself only as its redacted form.
    let mut nodes = vec![Node {
        caption: format!(
            "credential · {} {} · {}",
            cred.provider, cred.kind, cred.redacted
        ),
        value: cred.identity.clone(),
        class: "node".to_string(),
    }];
    for hop in &wc.via {
        nodes.push(Node {
            caption: "via".to_string(),
            value: hop.clone(),
            class: "node".to_string(),
        });
    }
    nodes.push(Node {
        caption: format!(
            "{} · {} · {} · {}",
            cred.severity,
            wc.category,
            text::environment(wc.environment.as_deref()),
            if wc.reversible {
                "reversible"
            } else {
                "irreversible"
            }
        ),
        value: wc.resource.clone(),
        class: format!("node sev-{}", cred.severity),
    });

    let n = nodes.len();
    let height = 2 * MARGIN + n * BOX_H + (n - 1) * GAP;
    let width = BOX_W + 2 * MARGIN;
    let mut described: Vec<&str> = nodes.iter().map(|n| n.value.as_str()).collect();
    described.insert(described.len() - 1, wc.action.as_str());
    let _ = writeln!(
        out,
        "<figure>\n<svg class=\"path\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" role=\"img\" aria-labelledby=\"path-{i}-title\">\n<title id=\"path-{i}-title\">Path to the worst case: {}</title>",
        esc(&described.join(" → "))
    );
    for (k, node) in nodes.iter().enumerate() {
        let y = MARGIN + k * (BOX_H + GAP);
        if k > 0 {
            // The arrow from the box above to this one.
            let (x, y1, y2) = (MARGIN + 40, y - GAP, y - 1);
            let _ = writeln!(
                out,
                "<line x1=\"{x}\" y1=\"{y1}\" x2=\"{x}\" y2=\"{}\"/><polygon points=\"{},{} {},{} {x},{y2}\"/>",
                y2 - 7,
                x - 5,
                y2 - 8,
                x + 5,
                y2 - 8
            );
            if k == n - 1 {
                let _ = writeln!(
                    out,
                    "<text class=\"edge\" x=\"{}\" y=\"{}\">{}</text>",
                    x + 14,
                    y1 + GAP / 2 + 4,
                    esc(&fit(&wc.action))
                );
            }
        }
        let _ = writeln!(
            out,
            "<g class=\"{}\"><title>{}: {}</title><rect x=\"{MARGIN}\" y=\"{y}\" width=\"{BOX_W}\" height=\"{BOX_H}\" rx=\"6\"/><text class=\"cap\" x=\"{}\" y=\"{}\">{}</text><text x=\"{}\" y=\"{}\">{}</text></g>",
            node.class,
            esc(&node.caption),
            esc(&node.value),
            MARGIN + 12,
            y + 16,
            esc(&fit(&node.caption)),
            MARGIN + 12,
            y + 35,
            esc(&fit(&node.value)),
        );
    }
    out.push_str(
        "</svg>\n<figcaption class=\"note\">Path to the worst case</figcaption>\n</figure>\n",
    );
}

/// At most [`FIT`] characters (not bytes: values may be any UTF-8).
fn fit(s: &str) -> String {
    if s.chars().count() <= FIT {
        return s.to_string();
    }
    let mut cut: String = s.chars().take(FIT - 1).collect();
    cut.push('…');
    cut
}

// ---------------------------------------------------------------- helpers

fn badge(severity: Severity) -> String {
    format!("<span class=\"badge sev-{severity}\">{severity}</span>")
}

/// For sorting: critical highest.
fn severity_rank(severity: Severity) -> u8 {
    match severity {
        Severity::None => 0,
        Severity::Low => 1,
        Severity::Medium => 2,
        Severity::High => 3,
        Severity::Critical => 4,
    }
}

fn source(cred: &CredentialReport) -> String {
    match Source::parse(&cred.source) {
        Source::Env(var) => format!("env {var}"),
        _ => cred.source.clone(),
    }
}

/// HTML-escapes a report value for text or a quoted attribute. Control
/// characters and bidi overrides are first made visible (`\u{1b}`), so a
/// value cannot reorder or hide what a reader sees.
pub(crate) fn esc(value: &str) -> String {
    let value = clean(value);
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `sha256-BASE64` of an inline block, as CSP names it.
fn csp_hash(block: &str) -> String {
    format!("sha256-{}", base64(&Sha256::digest(block.as_bytes())))
}

/// Standard base64 with padding (RFC 4648 §4); a 32-byte digest only, so
/// a dependency would be more code than this.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * k)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        for (input, want) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(input.as_bytes()), want);
        }
    }

    #[test]
    fn escapes_markup_and_controls() {
        assert_eq!(
            esc("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(esc("a\u{202e}b"), "a\\u{202e}b");
    }

    #[test]
    fn policy_hashes_match_the_inline_blocks() {
        let out = render(&Report::new(vec![]));
        assert!(out.contains(&format!("style-src '{}'", csp_hash(STYLE))));
        assert!(out.contains(&format!("script-src '{}'", csp_hash(SCRIPT))));
        // The blocks are written byte for byte as hashed.
        assert!(out.contains(&format!("<style>{STYLE}</style>")));
        assert!(out.contains(&format!("<script>{SCRIPT}</script>")));
    }

    #[test]
    fn fit_cuts_on_characters() {
        let long = "é".repeat(100);
        let cut = fit(&long);
        assert_eq!(cut.chars().count(), FIT);
        assert!(cut.ends_with('…'));
        assert_eq!(fit("short"), "short");
    }
}
