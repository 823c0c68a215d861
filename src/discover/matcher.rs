//! Running the rules over a buffer.
//!
//! One pass of the anchor prefilter (a SIMD multi-literal search) over the
//! whole buffer; only the lines around an anchor hit see the rule regexes.
//! Most files have no anchor at all and cost one `find` call.

use memchr::{memchr, memchr_iter, memrchr};

use super::checksum::github_crc32_ok;
use super::context::{bounded, is_section_header, key_before};
use super::rules::{Checksum, Context, Rule, Rules};

/// How far around an anchor a line is examined. Lines longer than this on
/// either side (minified bundles) are cut, so a single huge line costs
/// O(hits * window), never O(hits * line).
const WINDOW: usize = 4096;

/// One match, before it becomes a `Found`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub rule: usize,
    /// 1-based.
    pub line: usize,
    pub kind: String,
    pub secret: String,
    pub key_id: Option<String>,
    pub name: Option<String>,
    pub note: Option<String>,
}

/// A slice of one line and whether it was cut from a longer line.
#[derive(Clone, Copy)]
struct Window<'a> {
    text: &'a [u8],
    open_left: bool,
    open_right: bool,
    line: usize,
    /// Where `text` starts in the scanned buffer.
    offset: usize,
}

/// Counts lines lazily: positions asked for must not decrease.
struct LineCounter<'a> {
    data: &'a [u8],
    pos: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(data: &'a [u8]) -> Self {
        LineCounter {
            data,
            pos: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, pos: usize) -> usize {
        if pos > self.pos {
            self.line += memchr_iter(b'\n', &self.data[self.pos..pos]).count();
            self.pos = pos;
        }
        self.line
    }
}

fn line_bounds(data: &[u8], pos: usize) -> (usize, usize) {
    let start = memrchr(b'\n', &data[..pos]).map_or(0, |p| p + 1);
    let end = memchr(b'\n', &data[pos..]).map_or(data.len(), |p| pos + p);
    (start, end)
}

fn trim_cr(text: &[u8]) -> &[u8] {
    text.strip_suffix(b"\r").unwrap_or(text)
}

/// The window of the line holding `[from, to)`, cut to `WINDOW` each side.
fn window_around(data: &[u8], from: usize, to: usize, line: usize) -> (Window<'_>, usize) {
    let (ls, le) = line_bounds(data, from);
    let ws = ls.max(from.saturating_sub(WINDOW));
    let we = le.min(to.saturating_add(WINDOW));
    let w = Window {
        text: trim_cr(&data[ws..we]),
        open_left: ws > ls,
        open_right: we < le,
        line,
        offset: ws,
    };
    (w, we)
}

fn lossy(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Scans `data` (a file's bytes, or one synthetic line for an env var).
/// `path` is the file's path with `/` separators, for path-bound rules.
pub fn scan_bytes(rules: &Rules, path: Option<&str>, data: &[u8], out: &mut Vec<Hit>) {
    let first = out.len();
    if let Some(path) = path {
        for &i in &rules.path_rules {
            let rule = &rules.rules[i];
            if rule.paths.iter().any(|p| p.is_match(path.as_bytes())) {
                // Path-bound files are small configs: every line is examined.
                let mut offset = 0;
                for (n, text) in data.split(|&b| b == b'\n').enumerate() {
                    let w = Window {
                        text: trim_cr(text),
                        open_left: false,
                        open_right: false,
                        line: n + 1,
                        offset,
                    };
                    offset += text.len() + 1;
                    apply(rules, i, w, data, out);
                }
            }
        }
    }

    if let Some(anchors) = &rules.anchors {
        let mut counter = LineCounter::new(data);
        // Per rule: the byte offset up to which it has already run, so a line
        // with several anchors is examined once per rule.
        let mut done: Vec<usize> = Vec::new();
        for m in anchors.find_iter(data) {
            let Some(lit) = rules
                .anchor_literals
                .iter()
                .position(|l| l.as_bytes() == m.as_bytes())
            else {
                continue;
            };
            if done.is_empty() {
                done = vec![0; rules.rules.len()];
            }
            let line = counter.line_at(m.start());
            for &i in &rules.anchor_rules[lit] {
                if m.start() < done[i] {
                    continue;
                }
                let (w, end) = window_around(data, m.start(), m.end(), line);
                done[i] = end.max(m.end());
                apply(rules, i, w, data, out);
            }
        }
    }
    drop_contained(&mut out[first..]);
    let mut keep = 0;
    for j in first..out.len() {
        if !out[j].secret.is_empty() {
            out.swap(keep + first, j);
            keep += 1;
        }
    }
    out.truncate(first + keep);
}

/// Where one rule's match lies inside a longer match of another rule on the
/// same line (a classic-looking `ghs_` prefix of a long installation token),
/// only the longer one is kept. Dropped hits get an empty secret.
fn drop_contained(hits: &mut [Hit]) {
    for a in 0..hits.len() {
        for b in 0..hits.len() {
            if a != b
                && hits[a].line == hits[b].line
                && hits[b].secret.len() > hits[a].secret.len()
                && !hits[a].secret.is_empty()
                && hits[b].secret.contains(hits[a].secret.as_str())
            {
                hits[a].secret.clear();
            }
        }
    }
}

fn secret_ok(rule: &Rule, s: &[u8]) -> bool {
    if s.len() < rule.min_len {
        return false;
    }
    if rule.reject.as_ref().is_some_and(|r| r.is_match(s)) {
        return false;
    }
    match rule.checksum {
        Some(Checksum::GithubCrc32) => github_crc32_ok(s),
        None => true,
    }
}

fn apply(rules: &Rules, i: usize, w: Window<'_>, data: &[u8], out: &mut Vec<Hit>) {
    let rule = &rules.rules[i];
    match rule.context {
        Context::None => {
            for m in rule.regex.find_iter(w.text) {
                if !bounded(w.text, m.start(), m.end(), w.open_left, w.open_right)
                    || !secret_ok(rule, m.as_bytes())
                {
                    continue;
                }
                let name = key_before(w.text, m.start());
                out.push(Hit {
                    rule: i,
                    line: w.line,
                    kind: rule.kind_for(name.as_deref()).to_string(),
                    secret: lossy(m.as_bytes()),
                    key_id: None,
                    name,
                    note: None,
                });
            }
        }
        Context::Key => {
            for caps in rule.regex.captures_iter(w.text) {
                let (Some(key), Some(secret)) = (caps.name("key"), caps.name("secret")) else {
                    continue;
                };
                if (key.start() == 0 && w.open_left)
                    || !bounded(w.text, secret.start(), secret.end(), false, w.open_right)
                    || !secret_ok(rule, secret.as_bytes())
                {
                    continue;
                }
                let key = lossy(key.as_bytes());
                if !rule.key_accepts(&key) {
                    continue;
                }
                out.push(Hit {
                    rule: i,
                    line: w.line,
                    kind: rule.kind_for(Some(&key)).to_string(),
                    secret: lossy(secret.as_bytes()),
                    key_id: None,
                    name: Some(key),
                    note: None,
                });
            }
        }
        Context::AwsPair => {
            for m in rule.regex.find_iter(w.text) {
                if !bounded(w.text, m.start(), m.end(), w.open_left, w.open_right)
                    || !secret_ok(rule, m.as_bytes())
                {
                    continue;
                }
                let id = lossy(m.as_bytes());
                let name = key_before(w.text, m.start());
                let hit = match find_aws_secret(rule, data, w) {
                    Some(secret) => Hit {
                        rule: i,
                        line: w.line,
                        kind: rule.kind.clone(),
                        secret,
                        key_id: Some(id),
                        name,
                        note: None,
                    },
                    None => Hit {
                        rule: i,
                        line: w.line,
                        kind: "aws-access-key-id".to_string(),
                        secret: id.clone(),
                        key_id: Some(id),
                        name,
                        note: Some(format!(
                            "access key id without a secret access key within {} lines",
                            rule.pairing.as_ref().map_or(0, |p| p.lines)
                        )),
                    },
                };
                out.push(hit);
            }
        }
    }
}

/// The secret access key assigned nearest to the id's line (same line
/// first, then by distance, later lines winning ties), never across an ini
/// section header.
fn find_aws_secret(rule: &Rule, data: &[u8], w: Window<'_>) -> Option<String> {
    let pairing = rule.pairing.as_ref()?;
    let (ls, le) = line_bounds(data, w.offset.min(data.len()));
    let search = |text: &[u8]| -> Option<String> {
        let text = &text[..text.len().min(2 * WINDOW)];
        for caps in pairing.assignment.captures_iter(text) {
            let (Some(key), Some(secret)) = (caps.name("key"), caps.name("secret")) else {
                continue;
            };
            if !pairing.key.is_match(key.as_bytes()) {
                continue;
            }
            let end = secret.end();
            if end < text.len()
                && (text[end].is_ascii_alphanumeric() || matches!(text[end], b'/' | b'+' | b'='))
            {
                continue;
            }
            return Some(lossy(secret.as_bytes()));
        }
        None
    };
    if let Some(s) = search(trim_cr(w.text)) {
        return Some(s);
    }
    // Neighbour lines, nearest first; stop a direction at a section header.
    let mut up = ls; // start of the line above's successor
    let mut down = le; // end of the current line
    let (mut up_open, mut down_open) = (true, true);
    for _ in 0..pairing.lines {
        if down_open {
            if down >= data.len() {
                down_open = false;
            } else {
                let s = down + 1;
                let e = memchr(b'\n', &data[s..]).map_or(data.len(), |p| s + p);
                let text = trim_cr(&data[s..e]);
                if is_section_header(text) {
                    down_open = false;
                } else if let Some(found) = search(text) {
                    return Some(found);
                }
                down = e;
            }
        }
        if up_open {
            if up == 0 {
                up_open = false;
            } else {
                let e = up - 1;
                let s = memrchr(b'\n', &data[..e]).map_or(0, |p| p + 1);
                let text = trim_cr(&data[s..e]);
                if is_section_header(text) {
                    up_open = false;
                } else if let Some(found) = search(text) {
                    return Some(found);
                }
                up = s;
            }
        }
    }
    None
}
