//! Which variable names look like secrets (from their NAME only: the
//! auditor never reads a value). The patterns are data in `data/reads.toml`.

use super::table::SecretNames;

/// True when `name` matches an `include` glob and no `exclude` glob.
pub fn looks_secret(table: &SecretNames, name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let hit = |globs: &[String]| {
        globs
            .iter()
            .any(|g| glob_match(&g.to_ascii_uppercase(), &upper))
    };
    hit(&table.include) && !hit(&table.exclude)
}

/// `*` matches any run of characters (none included); everything else is
/// literal. Iterative with backtracking to the last `*`: linear enough for
/// variable names, and no recursion on hostile input.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if pi < p.len() && p[pi] == t[ti] {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob_match("*_KEY", "STRIPE_SECRET_KEY"));
        assert!(glob_match("*SECRET*", "SECRET"));
        assert!(glob_match("DATABASE_URL", "DATABASE_URL"));
        assert!(!glob_match("DATABASE_URL", "DATABASE_URLS"));
        assert!(glob_match("RAILWAY_*_ID", "RAILWAY_SERVICE_ID"));
        assert!(!glob_match("*_KEY", "KEYBOARD"));
        assert!(glob_match("*", ""));
        assert!(!glob_match("A", ""));
    }
}
