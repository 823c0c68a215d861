//! Dates for the Date* operators: ISO 8601 (W3C profile) or epoch seconds
//! (IAM User Guide, "Date condition operators"). Own small parser: the
//! forms are few and a calendar crate would be a heavy dependency for them.

/// Milliseconds since the Unix epoch, or `None` when not a date.
pub fn parse_date(s: &str) -> Option<i64> {
    let s = s.trim();
    // Epoch seconds: an integer, possibly negative.
    if let Ok(n) = s.parse::<i64>() {
        return n.checked_mul(1000);
    }
    let (date, time) = match s.split_once(['T', 't']) {
        Some((d, t)) => (d, Some(t)),
        None => (s, None),
    };
    let mut dp = date.split('-');
    let y: i64 = num(dp.next()?, 4)?;
    let mo: i64 = dp.next().map(|m| num(m, 2)).unwrap_or(Some(1))?;
    let d: i64 = dp.next().map(|d| num(d, 2)).unwrap_or(Some(1))?;
    if dp.next().is_some() || !(1..=12).contains(&mo) || d < 1 || d > days_in_month(y, mo) {
        return None;
    }
    let mut ms = days_from_civil(y, mo, d) * 86_400_000;
    if let Some(t) = time {
        // Split off the zone: 'Z', '+hh:mm', '-hh:mm' or none (UTC).
        let (clock, offset_min) = if let Some(c) = t.strip_suffix(['Z', 'z']) {
            (c, 0)
        } else if let Some(pos) = t.rfind(['+', '-']) {
            let (c, z) = t.split_at(pos);
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let z = &z[1..];
            // Byte slicing below needs ASCII (no panic on any input).
            if !z.is_ascii() {
                return None;
            }
            let (h, m) = match z.split_once(':') {
                Some((h, m)) => (num(h, 2)?, num(m, 2)?),
                None if z.len() == 4 => (num(&z[..2], 2)?, num(&z[2..], 2)?),
                None => (num(z, 2)?, 0),
            };
            (c, sign * (h * 60 + m))
        } else {
            (t, 0)
        };
        let mut cp = clock.split(':');
        let h: i64 = num(cp.next()?, 2)?;
        let mi: i64 = cp.next().map(|m| num(m, 2)).unwrap_or(Some(0))?;
        let (sec, frac_ms) = match cp.next() {
            Some(sv) => match sv.split_once('.') {
                Some((s, f)) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
                    let f3: String = f.chars().chain("000".chars()).take(3).collect();
                    (num(s, 2)?, f3.parse::<i64>().ok()?)
                }
                Some(_) => return None,
                None => (num(sv, 2)?, 0),
            },
            None => (0, 0),
        };
        if cp.next().is_some() || h > 24 || mi > 59 || sec > 60 {
            return None;
        }
        ms += ((h * 60 + mi - offset_min) * 60 + sec) * 1000 + frac_ms;
    }
    Some(ms)
}

fn num(s: &str, width: usize) -> Option<i64> {
    if s.len() != width || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days-from-civil algorithm.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        assert_eq!(parse_date("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_date("1700000000"), Some(1_700_000_000_000));
        assert_eq!(parse_date("2023-11-14T22:13:20Z"), Some(1_700_000_000_000));
        assert_eq!(
            parse_date("2023-11-14T23:13:20+01:00"),
            Some(1_700_000_000_000)
        );
        assert_eq!(
            parse_date("2023-11-14T22:13:20.500Z"),
            Some(1_700_000_000_500)
        );
        assert_eq!(
            parse_date("2024-02-29"),
            Some(days_from_civil(2024, 2, 29) * 86_400_000)
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("yesterday"), None);
        assert_eq!(parse_date(""), None);
        assert_eq!(parse_date("2024-01-01T00:00:00+aé1"), None);
        assert_eq!(parse_date("2024-01-01T00:00:00.Z"), None);
    }
}
