//! The HTML report: one self-contained file (nothing fetched), every value
//! escaped, a drawing of each worst-case path, a sortable table.

mod common;

use blastradius_report::render::{render, Format, RenderOptions};
use blastradius_report::{Report, Severity};
use common::sample;

fn html(report: &Report) -> String {
    render(report, Format::Html, &RenderOptions::default())
}

/// Every tag the renderer writes. A value that got through unescaped would
/// show up as a tag outside this list.
const TAGS: &[&str] = &[
    "!DOCTYPE",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "h1",
    "h2",
    "h3",
    "p",
    "strong",
    "span",
    "section",
    "ul",
    "li",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "dl",
    "dt",
    "dd",
    "figure",
    "figcaption",
    "svg",
    "g",
    "rect",
    "text",
    "line",
    "polygon",
    "details",
    "summary",
    "code",
    "script",
];

/// Tag names in `out`, the inline script's text left out (its `a<b` is
/// JavaScript, not markup).
fn tags(out: &str) -> Vec<String> {
    let out = match (out.find("<script>"), out.find("</script>")) {
        (Some(start), Some(end)) if start < end => format!("{}{}", &out[..start + 8], &out[end..]),
        _ => out.to_string(),
    };
    out.match_indices('<')
        .map(|(i, _)| {
            out[i + 1..]
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
                .collect::<String>()
        })
        .collect()
}

fn assert_self_contained(out: &str) {
    for tag in tags(out) {
        assert!(TAGS.contains(&tag.as_str()), "unexpected tag <{tag}>");
    }
    assert!(!out.contains("<link"), "a <link>");
    assert!(!out.contains("<script src"), "an external script");
    assert_eq!(out.matches("<script").count(), 1, "one inline script");
    assert_eq!(out.matches("<style").count(), 1, "one inline style");
    // Links only within the page.
    for (i, _) in out.match_indices("href=") {
        let value = &out[i + 5..];
        assert!(
            value.starts_with("\"#"),
            "external href: {}",
            &value[..40.min(value.len())]
        );
    }
    for needle in [" src=", "url(", "@import", "http://", "https://", "//cdn"] {
        assert!(!out.contains(needle), "`{needle}` in the page");
    }
    // And a policy that would block anything that slipped through.
    assert!(out.contains("content=\"default-src 'none'; style-src 'sha256-"));
}

#[test]
fn html_snapshot() {
    insta::assert_snapshot!("html", html(&sample()));
}

#[test]
fn empty_html_snapshot() {
    insta::assert_snapshot!("empty_html", html(&Report::new(vec![])));
}

#[test]
fn html_is_self_contained() {
    assert_self_contained(&html(&sample()));
    assert_self_contained(&html(&Report::new(vec![])));
    let mut with_changes = sample();
    with_changes.attach_baseline(&sample()).unwrap();
    assert_self_contained(&html(&with_changes));
}

#[test]
fn html_escapes_every_value() {
    let mut report = sample();
    let c = &mut report.credentials[0];
    c.identity = "<script>alert(1)</script>".to_string();
    c.kind = "\"><img src=x onerror=alert(2)>".to_string();
    c.redacted = "</code><a href=\"https://evil.example\">x</a>".to_string();
    c.source = "'/><link rel=stylesheet href=//evil.example/x.css>:4".to_string();
    let wc = c.worst_case.as_mut().unwrap();
    wc.resource = "</text></svg><script>alert(3)</script>".to_string();
    wc.via
        .push("<foreignObject>hop</foreignObject>".to_string());
    wc.action = "volumeDelete\u{202e}evil\x1b[2J".to_string();
    c.capabilities[0].resource = "<iframe src=https://evil.example>".to_string();
    c.findings[0].message = "<b>bold</b> & more".to_string();
    let out = html(&report);
    for tag in tags(&out) {
        assert!(
            TAGS.contains(&tag.as_str()),
            "unescaped tag <{tag}> in:\n{out}"
        );
    }
    assert_eq!(out.matches("<script").count(), 1);
    assert!(!out.contains("<img") && !out.contains("<iframe") && !out.contains("<link"));
    assert!(out.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(out.contains("&quot;&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert!(out.contains("&lt;b&gt;bold&lt;/b&gt; &amp; more"));
    assert!(!out.contains('\u{202e}') && !out.contains('\x1b'));
    // Every href is still in-page.
    for (i, _) in out.match_indices("href=\"") {
        assert!(out[i + 6..].starts_with('#'));
    }
}

#[test]
fn each_worst_case_is_drawn() {
    let report = sample();
    let out = html(&report);
    let with_worst = report
        .credentials
        .iter()
        .filter(|c| c.worst_case.is_some())
        .count();
    assert_eq!(out.matches("<svg class=\"path\"").count(), with_worst);
    // The account token: credential -> 3 hops -> the volume, in red, with
    // the action on the last arrow.
    let first = out.split("id=\"cred-0\"").nth(1).unwrap();
    let svg = &first[first.find("<svg").unwrap()..first.find("</svg>").unwrap()];
    assert_eq!(svg.matches("<rect").count(), 5, "{svg}");
    assert_eq!(svg.matches("<line").count(), 4, "{svg}");
    for hop in ["account token", "workspace pocketos", "project pocketos"] {
        assert!(svg.contains(hop), "{hop} missing in {svg}");
    }
    assert!(svg.contains("<g class=\"node sev-critical\">"), "{svg}");
    assert!(svg.contains("<text class=\"edge\""), "{svg}");
    assert!(svg.contains(">volumeDelete</text>"), "{svg}");
    // A credential without a worst case says there is nothing to draw.
    assert!(out.contains("No worst case named"));
}

#[test]
fn html_table_sorts_and_carries_the_summary() {
    let out = html(&sample());
    assert!(out.contains("<table class=\"sortable\" id=\"credentials\">"));
    assert!(out.contains("addEventListener('click'"));
    assert!(out.contains("<strong>5 credentials</strong>"));
    // Severities sort by rank, not alphabetically.
    assert!(out.contains(&format!(
        "<td data-sort=\"4\"><span class=\"badge sev-critical\">{}</span>",
        Severity::Critical
    )));
    assert!(out.contains("railway.no-verb-scoping"));
    // No changes section without a baseline.
    assert!(!out.contains("Changes since baseline"));
}
