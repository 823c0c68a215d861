//! GitHub's classic token checksum: the last 6 characters are the CRC32 of
//! the 30 random characters, in base62 (`0-9A-Za-z`), left-padded with `0`
//! (GitHub blog, "Behind GitHub's new authentication token formats", 2021).

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// The 6-character base62 form of a CRC32.
pub fn base62_crc32(data: &[u8]) -> [u8; 6] {
    let mut n = crc32fast::hash(data);
    let mut out = [b'0'; 6];
    // 62^6 > 2^32, so six digits always suffice.
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    out
}

/// Whether `token` (`ghX_` + 30 random + 6 checksum) carries a valid checksum.
pub fn github_crc32_ok(token: &[u8]) -> bool {
    let Some(pos) = token.iter().position(|&b| b == b'_') else {
        return false;
    };
    let body = &token[pos + 1..];
    if body.len() <= 6 || !body.iter().all(u8::is_ascii_alphanumeric) {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    base62_crc32(random) == check
}

/// A classic-form token with a valid checksum, for tests and the benchmark.
/// `seed` picks the random part deterministically.
pub fn fake_github_token(prefix: &str, seed: u64) -> String {
    let mut state = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let random: Vec<u8> = (0..30)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            BASE62[((state >> 33) % 62) as usize]
        })
        .collect();
    let check = base62_crc32(&random);
    let mut s = String::with_capacity(40);
    s.push_str(prefix);
    s.push_str(std::str::from_utf8(&random).unwrap_or_default());
    s.push_str(std::str::from_utf8(&check).unwrap_or_default());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_pass_and_altered_ones_fail() {
        for seed in 0..50 {
            let t = fake_github_token("ghp_", seed);
            assert_eq!(t.len(), 40);
            assert!(github_crc32_ok(t.as_bytes()));
            let mut bad = t.into_bytes();
            bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
            assert!(!github_crc32_ok(&bad));
        }
    }

    #[test]
    fn padding_is_zeros_on_the_left() {
        // CRC32 of the empty string is 0.
        assert_eq!(&base62_crc32(b""), b"000000");
    }

    #[test]
    fn rejects_malformed() {
        assert!(!github_crc32_ok(b"ghp"));
        assert!(!github_crc32_ok(b"ghp_abc"));
        assert!(!github_crc32_ok("ghp_ñññññññññññññññññ".as_bytes()));
    }
}
