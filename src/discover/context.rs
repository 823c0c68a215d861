//! Reading the context around a match: the name a value is assigned to,
//! token boundaries, section headers. Byte-level and allocation-free except
//! for the returned name.

/// Bytes that continue a token: a match touching one of these on either side
/// is part of a longer string (`x` + token, token + `abc`), not a token.
pub fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `line[start..end]` stands alone. Window edges that are not line
/// edges count as "unknown": the caller passes `open_left`/`open_right` as
/// true when the slice was cut there, and then the match is refused (a cut
/// token would be reported with the wrong value).
pub fn bounded(line: &[u8], start: usize, end: usize, open_left: bool, open_right: bool) -> bool {
    let left_ok = if start == 0 {
        !open_left
    } else {
        !continues_left(line[start - 1])
    };
    let right_ok = if end >= line.len() {
        !open_right
    } else {
        !is_token_byte(line[end]) && line[end] != b'-'
    };
    left_ok && right_ok
}

/// A byte before a match that makes it the tail of a longer string. `-` and
/// `.` count too: besides `x-ghp_...` not being a token, this keeps a run of
/// back-to-back anchors (`ghs_ghs_...`, `-ghs_-ghs_...`) linear, since every
/// anchor after the first is refused before any regex runs.
pub fn continues_left(b: u8) -> bool {
    is_token_byte(b) || matches!(b, b'-' | b'.')
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-')
}

/// The name a value starting at `start` is assigned to, if any:
/// `KEY=`, `KEY: `, `"key": "`, `key = '`, `export KEY=`, `url = https://user:`
/// (URL userinfo is skipped, so the name is the key the URL is assigned to),
/// `password ` (netrc).
pub fn key_before(line: &[u8], start: usize) -> Option<String> {
    let mut i = start.min(line.len());
    // URL userinfo: `scheme://user:` or `scheme://` right before the value.
    if let Some(p) = find_url_start(&line[..i]) {
        i = p;
    }
    // Opening quote and separator.
    while i > 0 && matches!(line[i - 1], b'"' | b'\'' | b'`') {
        i -= 1;
    }
    let before_sep = i;
    while i > 0 && matches!(line[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    let mut had_sep = false;
    while i > 0 && matches!(line[i - 1], b'=' | b':' | b'>') {
        i -= 1;
        had_sep = true;
    }
    while i > 0 && matches!(line[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    if !had_sep && i == before_sep {
        return None;
    }
    while i > 0 && matches!(line[i - 1], b'"' | b'\'') {
        i -= 1;
    }
    let end = i;
    while i > 0 && is_key_byte(line[i - 1]) {
        i -= 1;
    }
    if i == end {
        return None;
    }
    let key = &line[i..end];
    // netrc and friends: `password TOKEN` has no separator, only a keyword.
    if !had_sep && !matches!(key, b"password" | b"login" | b"ENV") {
        return None;
    }
    std::str::from_utf8(key).ok().map(str::to_string)
}

/// If `prefix` ends inside a URL's userinfo (`https://user:` or `https://`),
/// the offset where the URL starts.
fn find_url_start(prefix: &[u8]) -> Option<usize> {
    // Walk back over the userinfo (no `/`, `@`, whitespace or quotes).
    let mut i = prefix.len();
    while i > 0 && !matches!(prefix[i - 1], b'/' | b'@' | b' ' | b'\t' | b'"' | b'\'') {
        i -= 1;
    }
    if i < 3 || &prefix[i - 3..i] != b"://" {
        return None;
    }
    i -= 3;
    while i > 0
        && (prefix[i - 1].is_ascii_alphanumeric() || matches!(prefix[i - 1], b'+' | b'.' | b'-'))
    {
        i -= 1;
    }
    Some(i)
}

/// An ini section header such as `[default]` or `[profile prod]`: AWS pairs
/// never cross one.
pub fn is_section_header(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.len() > 2 && t[0] == b'[' && t[t.len() - 1] == b']'
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(line: &str, value: &str) -> Option<String> {
        let start = line.find(value).unwrap();
        key_before(line.as_bytes(), start)
    }

    #[test]
    fn keys_in_common_forms() {
        assert_eq!(
            key("GITHUB_TOKEN=abc", "abc").as_deref(),
            Some("GITHUB_TOKEN")
        );
        assert_eq!(
            key("export GH_TOKEN=\"abc\"", "abc").as_deref(),
            Some("GH_TOKEN")
        );
        assert_eq!(
            key("  \"token\": \"abc\",", "abc").as_deref(),
            Some("token")
        );
        assert_eq!(
            key("oauth_token: abc", "abc").as_deref(),
            Some("oauth_token")
        );
        assert_eq!(key("x = 'abc'", "abc").as_deref(), Some("x"));
        assert_eq!(
            key("\turl = https://u:abc@github.com", "abc").as_deref(),
            Some("url")
        );
        assert_eq!(key("https://u:abc@github.com", "abc"), None);
        assert_eq!(
            key("machine h login u password abc", "abc").as_deref(),
            Some("password")
        );
        assert_eq!(key("see abc", "abc"), None);
        assert_eq!(key("abc", "abc"), None);
    }

    #[test]
    fn boundaries() {
        let l = b"x=TOKEN;";
        assert!(bounded(l, 2, 7, false, false));
        assert!(!bounded(b"xTOKEN", 1, 6, false, false));
        assert!(!bounded(b"_TOKEN", 1, 6, false, false));
        assert!(!bounded(b"-TOKEN", 1, 6, false, false));
        assert!(bounded(b":TOKEN@", 1, 6, false, false));
        assert!(!bounded(b"TOKENx", 0, 5, false, false));
        assert!(!bounded(b"TOKEN", 0, 5, true, false));
        assert!(bounded(b"TOKEN", 0, 5, false, false));
    }

    #[test]
    fn headers() {
        assert!(is_section_header(b"[default]"));
        assert!(is_section_header(b"  [profile prod]  "));
        assert!(!is_section_header(b"x = [1]"));
        assert!(!is_section_header(b"[]"));
    }
}
