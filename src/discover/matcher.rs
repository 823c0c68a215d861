//! Running the rules over a buffer.
//!
//! One pass of the anchor prefilter (a SIMD multi-literal search) over the
//! whole buffer; only the lines around an anchor hit see the rule regexes.
//! Most files have no anchor at all and cost one `find` call.

use memchr::{memchr, memchr_iter, memrchr};

use super::checksum::github_crc32_ok;
use super::context::{bounded, continues_left, is_section_header, key_before};
use super::rules::{Checksum, Context, Rule, Rules};

/// How far back from a match the line is read (for the key name) and how
/// much of a neighbouring line AWS pairing reads. Lines longer than this
/// (minified bundles) are cut, so a huge line costs O(hits * window), never
/// O(hits * line).
const WINDOW: usize = 4096;

/// One match, before it becomes a `Found`. `Debug` is written by hand so
/// that the secret never reaches a log or a failed assertion's output.
#[derive(Clone, PartialEq, Eq)]
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

impl std::fmt::Debug for Hit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hit")
            .field("rule", &self.rule)
            .field("line", &self.line)
            .field("kind", &self.kind)
            .field("secret", &blastradius_report::secret::redact(&self.secret))
            .field("name", &self.name)
            .finish()
    }
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

fn trim_cr(text: &[u8]) -> &[u8] {
    text.strip_suffix(b"\r").unwrap_or(text)
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
        for m in anchors.find_iter(data) {
            let Some(lit) = rules
                .anchor_literals
                .iter()
                .position(|l| l.as_bytes() == m.as_bytes())
            else {
                continue;
            };
            for &i in &rules.anchor_rules[lit] {
                at_anchor(rules, i, data, m.start(), m.end(), &mut counter, out);
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

/// The longest key name read around an anchor.
const MAX_KEY: usize = 256;

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The start of the line holding `pos`, looking back at most `WINDOW` bytes.
fn line_start_capped(data: &[u8], pos: usize) -> usize {
    let floor = pos.saturating_sub(WINDOW);
    memrchr(b'\n', &data[floor..pos]).map_or(floor, |p| floor + p + 1)
}

/// Runs rule `i` right at an anchor hit `[a, b)`. No line is looked at
/// unless the rule matches there, which keeps anchor-dense text (prose that
/// says "Railway", "ASIAN") cheap.
fn at_anchor(
    rules: &Rules,
    i: usize,
    data: &[u8],
    a: usize,
    b: usize,
    counter: &mut LineCounter<'_>,
    out: &mut Vec<Hit>,
) {
    let rule = &rules.rules[i];
    match rule.context {
        Context::None | Context::AwsPair => {
            // Refuse the tail of a longer string before any regex runs.
            if a > 0 && continues_left(data[a - 1]) {
                return;
            }
            let slice = &data[a..data.len().min(a + rule.max_len + 1)];
            let Some(m) = rule.anchored.find(slice) else {
                return;
            };
            let end = a + m.end();
            if !bounded(data, a, end, false, false) || !secret_ok(rule, m.as_bytes()) {
                return;
            }
            let line = counter.line_at(a);
            let ls = line_start_capped(data, a);
            let name = key_before(&data[ls..a], a - ls);
            let token = lossy(m.as_bytes());
            let hit = if rule.context == Context::AwsPair {
                let le = memchr(b'\n', &data[end..]).map_or(data.len(), |p| end + p);
                aws_hit(rule, i, data, ls, le, line, token, name)
            } else {
                Hit {
                    rule: i,
                    line,
                    kind: rule.kind_for(name.as_deref()).to_string(),
                    secret: token,
                    key_id: None,
                    name,
                    note: None,
                }
            };
            out.push(hit);
        }
        Context::Key => {
            // The whole key name around the anchor.
            let mut ks = a;
            while ks > 0 && a - ks < MAX_KEY && is_key_byte(data[ks - 1]) {
                ks -= 1;
            }
            let mut ke = b;
            while ke < data.len() && ke - b < MAX_KEY && is_key_byte(data[ke]) {
                ke += 1;
            }
            let key = &data[ks..ke];
            let Ok(key_str) = std::str::from_utf8(key) else {
                return;
            };
            if !rule.key_accepts(key_str) {
                return;
            }
            let slice = &data[ks..data.len().min(ks + rule.max_len + 1)];
            let Some(caps) = rule.anchored.captures(slice) else {
                return;
            };
            let (Some(k), Some(secret)) = (caps.name("key"), caps.name("secret")) else {
                return;
            };
            if k.end() != key.len()
                || !bounded(slice, secret.start(), secret.end(), false, false)
                || !secret_ok(rule, secret.as_bytes())
            {
                return;
            }
            out.push(Hit {
                rule: i,
                line: counter.line_at(a),
                kind: rule.kind_for(Some(key_str)).to_string(),
                secret: lossy(secret.as_bytes()),
                key_id: None,
                name: Some(key_str.to_string()),
                note: None,
            });
        }
    }
}

/// An AWS id found on the line `[ls, le)` of `data`: paired with its secret
/// when one is near, else reported alone.
#[allow(clippy::too_many_arguments)]
fn aws_hit(
    rule: &Rule,
    i: usize,
    data: &[u8],
    ls: usize,
    le: usize,
    line: usize,
    id: String,
    name: Option<String>,
) -> Hit {
    match find_aws_secret(rule, data, ls, le) {
        Some(secret) => Hit {
            rule: i,
            line,
            kind: rule.kind.clone(),
            secret,
            key_id: Some(id),
            name,
            note: None,
        },
        None => Hit {
            rule: i,
            line,
            kind: "aws-access-key-id".to_string(),
            secret: id.clone(),
            key_id: Some(id),
            name,
            note: Some(format!(
                "access key id without a secret access key within {} lines",
                rule.pairing.as_ref().map_or(0, |p| p.lines)
            )),
        },
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
                let name = key_before(w.text, m.start());
                let ls = w.offset;
                let le = ls + w.text.len();
                out.push(aws_hit(
                    rule,
                    i,
                    data,
                    ls,
                    le,
                    w.line,
                    lossy(m.as_bytes()),
                    name,
                ));
            }
        }
    }
}

/// The secret access key assigned nearest to the id's line (same line
/// first, then by distance, later lines winning ties), never across an ini
/// section header.
fn find_aws_secret(rule: &Rule, data: &[u8], ls: usize, le: usize) -> Option<String> {
    let pairing = rule.pairing.as_ref()?;
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
    if let Some(s) = search(trim_cr(&data[ls..le])) {
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
