//! Wildcard patterns with policy variables.
//!
//! `*` matches any run of characters (including `:` and `/` in ARNs), `?`
//! exactly one. Policy variables (`${aws:username}`) are substituted as
//! literal text, and `${*}`, `${?}`, `${$}` stand for the literal characters
//! (IAM User Guide, "IAM policy elements: Variables and tags", "Special
//! characters"). Variables are only honoured under `Version: 2012-10-17`.

use crate::context::{Context, ContextValue, Lookup};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Piece {
    /// Text from the policy: `*`/`?` in it are wildcards where wildcards apply.
    Text(String),
    /// Text that is always literal (an escaped `${*}` etc.).
    Literal(String),
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A policy string value, pre-split into text and variables.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Template {
    raw: String,
    pieces: Vec<Piece>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok {
    Ch(char),
    Star,
    Quest,
}

/// The outcome of substituting variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// Tokens ready to match.
    Tokens(Vec<TokOut>),
    /// A variable's key is absent (and has no default): the value matches
    /// nothing ("If the variable isn't present ... the policy doesn't match").
    Missing,
    /// A variable's key is unknown (partial context).
    Unknown(String),
}

/// Opaque token of a resolved template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokOut(Tok);

impl Template {
    pub fn parse(raw: &str, variables: bool) -> Template {
        let mut pieces = Vec::new();
        if !variables {
            pieces.push(Piece::Text(raw.to_string()));
            return Template {
                raw: raw.to_string(),
                pieces,
            };
        }
        let mut rest = raw;
        let mut text = String::new();
        while let Some(pos) = rest.find("${") {
            let after = &rest[pos + 2..];
            let Some(end) = after.find('}') else { break };
            text.push_str(&rest[..pos]);
            let inner = after[..end].trim();
            if !text.is_empty() {
                pieces.push(Piece::Text(std::mem::take(&mut text)));
            }
            match inner {
                "*" | "?" | "$" => pieces.push(Piece::Literal(inner.to_string())),
                _ => {
                    // `${key, 'default'}` (IAM User Guide, "Specifying default values").
                    let (key, default) = match inner.split_once(',') {
                        Some((k, d)) => {
                            let d = d.trim();
                            let d = d
                                .strip_prefix('\'')
                                .and_then(|d| d.strip_suffix('\''))
                                .unwrap_or(d);
                            (k.trim().to_string(), Some(d.to_string()))
                        }
                        None => (inner.to_string(), None),
                    };
                    pieces.push(Piece::Var { key, default });
                }
            }
            rest = &after[end + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Template {
            raw: raw.to_string(),
            pieces,
        }
    }

    pub fn raw(&self) -> &str {
        &self.raw
    }

    /// The text, when the template is plain text (no variable, no
    /// escape): then matching it with [`simple_glob`] is matching its
    /// resolved tokens, without building them.
    pub fn plain(&self) -> Option<&str> {
        match self.pieces.as_slice() {
            [Piece::Text(t)] => Some(t),
            _ => None,
        }
    }

    pub fn has_variables(&self) -> bool {
        self.pieces.iter().any(|p| matches!(p, Piece::Var { .. }))
    }

    /// Substitute variables. `wildcards` says whether `*`/`?` in policy text
    /// are wildcards (StringLike, ArnLike, Resource) or literal (StringEquals).
    pub fn resolve(&self, ctx: &Context, wildcards: bool) -> Resolved {
        let mut out = Vec::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => {
                    for c in t.chars() {
                        out.push(TokOut(match c {
                            '*' if wildcards => Tok::Star,
                            '?' if wildcards => Tok::Quest,
                            c => Tok::Ch(c),
                        }));
                    }
                }
                Piece::Literal(t) => out.extend(t.chars().map(|c| TokOut(Tok::Ch(c)))),
                Piece::Var { key, default } => {
                    let value = match ctx.lookup(key) {
                        Lookup::Present(ContextValue::Single(v)) => v.clone(),
                        // A multivalued key cannot stand in a single string.
                        Lookup::Present(ContextValue::Multi(_)) | Lookup::Missing => {
                            match default {
                                Some(d) => d.clone(),
                                None => return Resolved::Missing,
                            }
                        }
                        // Unknown whether the key exists, so the value is
                        // unknown even with a default.
                        Lookup::Unknown => return Resolved::Unknown(key.clone()),
                    };
                    out.extend(value.chars().map(|c| TokOut(Tok::Ch(c))));
                }
            }
        }
        Resolved::Tokens(out)
    }
}

/// Glob match of tokens against text. Linear-ish two-pointer algorithm with
/// single backtrack point, so no pathological blow-up on any input.
pub fn glob_match(pattern: &[TokOut], text: &str, ignore_case: bool) -> bool {
    // A literal first or last token must be the text's first or last
    // character (as in `simple_glob`): most resolved patterns differ from
    // an ARN there, and are rejected without scanning either.
    let differ = |tok: Tok, c: char| match tok {
        Tok::Ch(p) if p.is_ascii() && c.is_ascii() => {
            if ignore_case {
                !p.eq_ignore_ascii_case(&c)
            } else {
                p != c
            }
        }
        _ => false,
    };
    if let (Some(p0), Some(pn), Some(t0), Some(tn)) = (
        pattern.first(),
        pattern.last(),
        text.chars().next(),
        text.chars().next_back(),
    ) {
        if differ(p0.0, t0) || differ(pn.0, tn) {
            return false;
        }
    }
    // ASCII text and pattern (the common case): the same algorithm on
    // bytes, without building char vectors; lowercasing an ASCII char is
    // `to_ascii_lowercase`, so the answer is the same.
    if text.is_ascii()
        && pattern
            .iter()
            .all(|TokOut(t)| !matches!(t, Tok::Ch(c) if !c.is_ascii()))
    {
        return glob_ascii(
            pattern.len(),
            |i| match pattern[i].0 {
                Tok::Star => Byte::Star,
                Tok::Quest => Byte::Quest,
                Tok::Ch(c) => Byte::Ch(c as u8),
            },
            text.as_bytes(),
            ignore_case,
        );
    }
    let t: Vec<char> = if ignore_case {
        text.chars().flat_map(char::to_lowercase).collect()
    } else {
        text.chars().collect()
    };
    let p: Vec<Tok> = pattern
        .iter()
        .map(|TokOut(tok)| match tok {
            Tok::Ch(c) if ignore_case => Tok::Ch(c.to_lowercase().next().unwrap_or(*c)),
            other => *other,
        })
        .collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some(Tok::Star) => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(Tok::Quest) => {
                pi += 1;
                ti += 1;
            }
            Some(Tok::Ch(c)) if *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while let Some(Tok::Star) = p.get(pi) {
        pi += 1;
    }
    pi == p.len()
}

/// Whole-string equality of resolved tokens (no wildcards were produced).
pub fn tokens_eq(pattern: &[TokOut], text: &str, ignore_case: bool) -> bool {
    let s: String = pattern
        .iter()
        .map(|TokOut(t)| match t {
            Tok::Ch(c) => *c,
            Tok::Star => '*',
            Tok::Quest => '?',
        })
        .collect();
    if ignore_case {
        s.to_lowercase() == text.to_lowercase()
    } else {
        s == text
    }
}

/// Plain wildcard match without variables (action names).
pub fn simple_glob(pattern: &str, text: &str, ignore_case: bool) -> bool {
    // A literal first or last pattern character must be the text's first
    // or last (both ASCII here, so lowercasing keeps them one character):
    // most patterns of a statement differ from an action or a resource
    // there, and are rejected without scanning either string.
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let differ = |a: u8, b: u8| {
        a.is_ascii()
            && b.is_ascii()
            && a != b'*'
            && a != b'?'
            && if ignore_case {
                !a.eq_ignore_ascii_case(&b)
            } else {
                a != b
            }
    };
    if let (Some(&p0), Some(&t0), Some(&pn), Some(&tn)) = (p.first(), t.first(), p.last(), t.last())
    {
        if differ(p0, t0) || differ(pn, tn) {
            return false;
        }
    }
    if pattern.is_ascii() && text.is_ascii() {
        let p = pattern.as_bytes();
        return glob_ascii(
            p.len(),
            |i| match p[i] {
                b'*' => Byte::Star,
                b'?' => Byte::Quest,
                c => Byte::Ch(c),
            },
            text.as_bytes(),
            ignore_case,
        );
    }
    let toks: Vec<TokOut> = pattern
        .chars()
        .map(|c| {
            TokOut(match c {
                '*' => Tok::Star,
                '?' => Tok::Quest,
                c => Tok::Ch(c),
            })
        })
        .collect();
    glob_match(&toks, text, ignore_case)
}

/// Tokens of a resolved template as a string, for splitting ARNs.
pub fn tokens_split_arn(pattern: &[TokOut]) -> Vec<Vec<TokOut>> {
    // Split on the first five literal ':' (an ARN has six components, the
    // last of which may itself hold ':').
    let mut parts: Vec<Vec<TokOut>> = vec![Vec::new()];
    for tok in pattern {
        if tok.0 == Tok::Ch(':') && parts.len() < 6 {
            parts.push(Vec::new());
        } else if let Some(last) = parts.last_mut() {
            last.push(*tok);
        }
    }
    parts
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Byte {
    Star,
    Quest,
    Ch(u8),
}

/// [`glob_match`] on ASCII input: `*` any run, `?` one byte, single
/// backtrack point, without allocating.
fn glob_ascii(plen: usize, at: impl Fn(usize) -> Byte, t: &[u8], ignore_case: bool) -> bool {
    let eq = |a: u8, b: u8| {
        if ignore_case {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let get = |i: usize| if i < plen { Some(at(i)) } else { None };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match get(pi) {
            Some(Byte::Star) => {
                star = Some((pi, ti));
                pi += 1;
            }
            Some(Byte::Quest) => {
                pi += 1;
                ti += 1;
            }
            Some(Byte::Ch(c)) if eq(c, t[ti]) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while get(pi) == Some(Byte::Star) {
        pi += 1;
    }
    pi == plen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, t: &str) -> bool {
        simple_glob(p, t, false)
    }

    #[test]
    fn star_spans_separators() {
        assert!(m("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"));
        assert!(m("arn:*:iam::*:user/*", "arn:aws:iam::1:user/x/y"));
        assert!(m("*", ""));
        assert!(m("a*b*c", "aXXbYYc"));
        assert!(!m("a*b*c", "aXXbYY"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(!m("Bucket", "bucket"));
        assert!(simple_glob("s3:get*", "s3:GetObject", true));
    }

    #[test]
    fn variables_substitute_literally() {
        let ctx = Context::complete().with("aws:username", "a*b");
        let t = Template::parse("home/${aws:username}/*", true);
        let Resolved::Tokens(toks) = t.resolve(&ctx, true) else {
            panic!("resolves")
        };
        assert!(glob_match(&toks, "home/a*b/x", false));
        // The substituted '*' is literal, not a wildcard.
        assert!(!glob_match(&toks, "home/aXXb/x", false));
        let esc = Template::parse("a${*}b${?}${$}", true);
        let Resolved::Tokens(toks) = esc.resolve(&ctx, true) else {
            panic!("resolves")
        };
        assert!(tokens_eq(&toks, "a*b?$", false));
        assert!(!glob_match(&toks, "aXb?$", false));
    }

    #[test]
    fn missing_variable_and_default() {
        let ctx = Context::complete();
        assert_eq!(
            Template::parse("${aws:username}", true).resolve(&ctx, false),
            Resolved::Missing
        );
        let Resolved::Tokens(t) =
            Template::parse("${aws:username, 'nobody'}", true).resolve(&ctx, false)
        else {
            panic!("default")
        };
        assert!(tokens_eq(&t, "nobody", false));
        // Old policy language version: no substitution.
        let Resolved::Tokens(t) = Template::parse("${aws:username}", false).resolve(&ctx, false)
        else {
            panic!("literal")
        };
        assert!(tokens_eq(&t, "${aws:username}", false));
        assert!(matches!(
            Template::parse("${aws:username}", true).resolve(&Context::partial(), false),
            Resolved::Unknown(_)
        ));
    }

    /// simple_glob (with its shortcuts) answers as the resolved tokens of
    /// a plain template do, on ASCII and non-ASCII text, either case mode.
    #[test]
    fn simple_glob_agrees_with_resolved_tokens() {
        let words = [
            "",
            "*",
            "?",
            "a",
            "A",
            "ab",
            "a*",
            "*b",
            "a?b",
            "s3:get*",
            "s3:GetObject",
            "S3:getobject",
            "s3:getobjecttagging",
            "arn:aws:s3:::b/*",
            "arn:aws:s3:::b/x",
            "é",
            "É*",
            "*é",
            "aé",
            "İ",
            "i̇",
            "x*y",
            "xzzy",
            "?*",
        ];
        let ctx = Context::complete();
        for p in words {
            let t = Template::parse(p, true);
            assert_eq!(t.plain(), Some(p).filter(|p| !p.is_empty()));
            let Resolved::Tokens(toks) = t.resolve(&ctx, true) else {
                panic!("plain text resolves")
            };
            for text in words {
                for ignore_case in [false, true] {
                    assert_eq!(
                        simple_glob(p, text, ignore_case),
                        glob_match(&toks, text, ignore_case),
                        "{p:?} on {text:?}, ignore_case {ignore_case}"
                    );
                }
            }
        }
    }
}
