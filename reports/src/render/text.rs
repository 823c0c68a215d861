//! Pieces of text every renderer needs: where a credential was found, how a
//! worst case reads, which capabilities are shown in detail, and how to keep
//! report values (which come from scanned files and API answers, so can hold
//! anything) from breaking a terminal.

use std::borrow::Cow;

use crate::{Capability, Category, CredentialReport, Report, Severity, WorstCase};

/// Where a credential was found, parsed from `CredentialReport::source`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source<'a> {
    /// `FILE:LINE`.
    File { path: &'a str, line: u64 },
    /// `env VAR`.
    Env(&'a str),
    /// Anything else: an export, a GAAD file, an ARN.
    Other(&'a str),
}

impl<'a> Source<'a> {
    /// Splits on the last `:` only when digits follow it, so that ARNs
    /// (`arn:aws:iam::1111:user/x`) and Windows drive letters stay whole.
    pub(crate) fn parse(source: &'a str) -> Self {
        if let Some(var) = source.strip_prefix("env ") {
            let var = var.trim();
            if !var.is_empty() {
                return Source::Env(var);
            }
        }
        if let Some((path, line)) = source.rsplit_once(':') {
            let digits = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
            // An ARN ends in digits only for odd resources, but it is never a file.
            if digits && !path.is_empty() && !path.starts_with("arn:") {
                if let Ok(line) = line.parse::<u64>() {
                    return Source::File { path, line };
                }
            }
        }
        Source::Other(source)
    }
}

/// The environment as a person should read it: unknown is treated as
/// production by the rating, and the reader should know that.
pub(crate) fn environment(env: Option<&str>) -> Cow<'_, str> {
    match env {
        Some(e) if !e.trim().is_empty() => Cow::Borrowed(e),
        _ => Cow::Borrowed("unknown env (rated as production)"),
    }
}

/// `volumeDelete -> volume pg-data (production)`.
pub(crate) fn worst_case_line(wc: &WorstCase) -> String {
    format!(
        "{} -> {} ({})",
        wc.action,
        wc.resource,
        environment(wc.environment.as_deref())
    )
}

/// A capability's actions for a person: the first [`ACTIONS_SHOWN`] by
/// name (headline first), then how many more. An AWS principal that can
/// become an admin role reaches some 2,000 destroy actions; the JSON and
/// SARIF reports list every one.
pub(crate) fn actions_line(actions: &[String]) -> String {
    let shown = &actions[..actions.len().min(ACTIONS_SHOWN)];
    let mut line = shown.join(", ");
    if actions.len() > shown.len() {
        line.push_str(&format!(
            " and {} more (`--format json` lists them all)",
            actions.len() - shown.len()
        ));
    }
    line
}

/// How many of a capability's actions the human formats name.
pub(crate) const ACTIONS_SHOWN: usize = 12;

pub(crate) fn reversible_word(reversible: bool) -> &'static str {
    if reversible {
        "yes"
    } else {
        "no"
    }
}

/// Capabilities worth naming one by one: the contract lists every
/// destroy/escalate/secrets action by name; write and read may be summarised.
pub(crate) fn dangerous(cred: &CredentialReport) -> impl Iterator<Item = &Capability> {
    cred.capabilities.iter().filter(|c| {
        matches!(
            c.category,
            Category::Destroy | Category::Escalate | Category::Secrets
        )
    })
}

/// Credentials whose capabilities are shown in detail.
pub(crate) fn detailed(cred: &CredentialReport) -> bool {
    cred.severity >= Severity::High
}

/// How many credentials have each severity, worst first.
pub(crate) fn counts(report: &Report) -> Vec<(Severity, usize)> {
    Severity::ALL
        .into_iter()
        .rev()
        .map(|s| {
            (
                s,
                report
                    .credentials
                    .iter()
                    .filter(|c| c.severity == s)
                    .count(),
            )
        })
        .collect()
}

/// Replaces control characters (ANSI escapes, newlines, tabs) with their
/// visible escaped form. A hostile file name or API answer must not be able
/// to move the cursor, recolour the terminal or forge a table row.
pub(crate) fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

pub(crate) fn is_unsafe(c: char) -> bool {
    // Bidi overrides can reorder what a reader sees (trojan-source style).
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Display width of `s` in terminal columns.
pub(crate) fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Wraps `text` to `max` columns. The caller writes `first` columns before
/// the first line and `indent` before each later one. Words longer than a
/// line (ARNs, paths) are cut, never left overflowing.
pub(crate) fn wrap(text: &str, max: usize, first: usize, indent: usize) -> Vec<String> {
    // Never less than 20 columns of text, however narrow the terminal says it is.
    let room = |lines: &Vec<String>| {
        let start = if lines.is_empty() { first } else { indent };
        max.saturating_sub(start).max(20)
    };
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = width(word);
        let sep = usize::from(!line.is_empty());
        if used + sep + w <= room(&lines) {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            used += sep + w;
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        let mut rest = word;
        while width(rest) > room(&lines) {
            let (head, tail) = split_at_width(rest, room(&lines));
            if head.is_empty() {
                break;
            }
            lines.push(head.to_string());
            rest = tail;
        }
        line.push_str(rest);
        used = width(rest);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// The longest prefix of `s` at most `cols` columns wide, and the rest.
fn split_at_width(s: &str, cols: usize) -> (&str, &str) {
    let mut used = 0;
    for (i, c) in s.char_indices() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > cols {
            return s.split_at(i);
        }
        used += cw;
    }
    (s, "")
}

#[cfg(test)]
mod tests {

    #[test]
    fn long_action_lists_are_cut_for_people_with_a_count() {
        let few: Vec<String> = ["rds:DeleteDBInstance", "rds:DeleteDBSnapshot"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            actions_line(&few),
            "rds:DeleteDBInstance, rds:DeleteDBSnapshot"
        );
        let many: Vec<String> = (0..2000).map(|i| format!("svc:Delete{i}")).collect();
        let line = actions_line(&many);
        assert!(line.starts_with("svc:Delete0, svc:Delete1, "), "{line}");
        assert!(line.contains("svc:Delete11 and 1988 more"), "{line}");
        assert!(!line.contains("svc:Delete12,"), "{line}");
    }
    use super::*;

    #[test]
    fn source_forms() {
        assert_eq!(
            Source::parse("deploy/.env:12"),
            Source::File {
                path: "deploy/.env",
                line: 12
            }
        );
        assert_eq!(
            Source::parse("C:\\repo\\a.txt:3"),
            Source::File {
                path: "C:\\repo\\a.txt",
                line: 3
            }
        );
        assert_eq!(
            Source::parse("env RAILWAY_API_TOKEN"),
            Source::Env("RAILWAY_API_TOKEN")
        );
        assert_eq!(
            Source::parse("arn:aws:iam::111122223333:user/alice"),
            Source::Other("arn:aws:iam::111122223333:user/alice")
        );
        assert_eq!(
            Source::parse("arn:aws:iam::111122223333"),
            Source::Other("arn:aws:iam::111122223333")
        );
        assert_eq!(Source::parse("file:"), Source::Other("file:"));
        assert_eq!(Source::parse(":12"), Source::Other(":12"));
        assert_eq!(Source::parse("gaad.json"), Source::Other("gaad.json"));
    }

    #[test]
    fn clean_escapes_controls() {
        assert_eq!(clean("a\x1b[31mb\nc"), "a\\u{1b}[31mb\\nc");
        assert_eq!(clean("plain | text"), "plain | text");
    }

    #[test]
    fn wrap_stays_within_width() {
        let long = "x".repeat(250);
        let text = format!("short words then {long} and more words after it");
        for line in wrap(&text, 60, 10, 4) {
            assert!(width(&line) <= 60, "{line}");
        }
        assert_eq!(wrap("", 60, 0, 0), vec![String::new()]);
    }
}
