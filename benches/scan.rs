//! Discovery throughput: generates a tree of mixed text (default 1 GB, in a
//! temporary directory) with fake tokens planted at known places, scans it
//! with `blastradius::discover::scan_path`, checks that every planted token
//! was found, and prints MB/s and files/s.
//!
//!   cargo bench --bench scan                  # 1024 MB
//!   SCAN_BENCH_MB=256 cargo bench --bench scan
//!   cargo bench --bench scan -- --mb 256 --runs 5
//!   cargo bench --bench scan -- --dir /tmp/tree   # generate there and keep it
//!
//! The files are written once and scanned `runs` times (default 3); the first
//! run may include reading from disk, later ones come from the page cache, as
//! an agent's repeated reads would.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use blastradius::discover::{fake_github_token, scan_path, Location, ScanOptions};

const FILE_SIZE: usize = 256 * 1024;
const FILES_PER_DIR: usize = 64;

/// A small deterministic generator (no extra dependency).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn uuid(&mut self) -> String {
        let h = |r: &mut Rng, n: usize| -> String {
            (0..n)
                .map(|_| char::from(b"0123456789abcdef"[r.below(16) as usize]))
                .collect()
        };
        format!(
            "{}-{}-4{}-8{}-{}",
            h(self, 8),
            h(self, 4),
            h(self, 3),
            h(self, 3),
            h(self, 12)
        )
    }
    fn word(&mut self) -> &'static str {
        const WORDS: &[&str] = &[
            "the",
            "request",
            "handler",
            "returns",
            "booking",
            "customer",
            "vehicle",
            "rental",
            "invoice",
            "deploy",
            "service",
            "config",
            "value",
            "error",
            "timeout",
            "retry",
            "database",
            "volume",
            "backup",
            "staging",
            "production",
            "domain",
            "cache",
            "queue",
            "worker",
            "payload",
            "session",
            "account",
            "region",
            "bucket",
            "policy",
            "token",
            "Railway",
            "AWS",
            "GitHub",
            "ASIAN",
            "key",
            "secret",
        ];
        WORDS[self.below(WORDS.len() as u64) as usize]
    }
}

/// A pool of text lines in the shapes a workspace holds: code, logs with
/// request ids, env files with Railway's own id variables (decoys), JSON,
/// prose. Anchor words (`Railway`, `RAILWAY_...`) show up regularly so the
/// rules, not only the prefilter, get exercised.
fn pool(bytes: usize) -> Vec<u8> {
    let mut r = Rng(42);
    let mut out = Vec::with_capacity(bytes + 256);
    while out.len() < bytes {
        let line = match r.below(20) {
            0..=5 => format!(
                "    let {} = {}.{}({}, \"{}\")?;",
                r.word(),
                r.word(),
                r.word(),
                r.below(1000),
                r.word()
            ),
            6..=8 => format!(
                "2026-04-{:02}T12:{:02}:{:02}Z INFO {} {} requestId={} traceId={} took {}ms",
                r.below(28) + 1,
                r.below(60),
                r.below(60),
                r.word(),
                r.word(),
                r.uuid(),
                r.uuid(),
                r.below(5000)
            ),
            9 => match r.below(8) {
                0 => format!("RAILWAY_PROJECT_ID={}", r.uuid()),
                1 => format!("RAILWAY_ENVIRONMENT_ID={}", r.uuid()),
                2 => format!("  \"railwayServiceId\": \"{}\",", r.uuid()),
                _ => format!("NODE_ENV={} PORT={}", r.word(), 3000 + r.below(100)),
            },
            10..=12 => format!(
                "  \"{}\": {{ \"id\": \"{}\", \"{}\": {} }},",
                r.word(),
                r.uuid(),
                r.word(),
                r.below(100000)
            ),
            _ => {
                let n = 6 + r.below(12);
                let words: Vec<&str> = (0..n).map(|_| r.word()).collect();
                words.join(" ")
            }
        };
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
    }
    out
}

struct Planted {
    path: PathBuf,
    line: usize,
    secret: String,
}

fn generate(root: &Path, total: usize) -> Vec<Planted> {
    let pool = pool(8 << 20);
    let files = total.div_ceil(FILE_SIZE).max(1);
    let mut r = Rng(7);
    let mut planted = Vec::new();
    // One file in ~97 gets a planted credential at its end.
    for i in 0..files {
        let dir = root.join(format!("d{:03}/sub{}", i / FILES_PER_DIR, i % 3));
        if i % FILES_PER_DIR == 0 || i % FILES_PER_DIR < 3 {
            fs::create_dir_all(&dir).expect("create dir");
        }
        let ext = ["rs", "log", "json", "md", "env", "ts"][i % 6];
        let path = dir.join(format!("f{i}.{ext}"));
        // A slice of the pool that starts and ends on line boundaries.
        let start = (i * 7_919_993) % (pool.len() - FILE_SIZE - 1);
        let start = memchr_next(&pool, start);
        let end = memchr_next(&pool, start + FILE_SIZE);
        let body = &pool[start..end];
        let mut w = BufWriter::new(fs::File::create(&path).expect("create file"));
        w.write_all(body).expect("write");
        if i % 97 == 5 {
            let lines = body.iter().filter(|&&b| b == b'\n').count();
            let (line, secret) = match (i / 97) % 4 {
                0 => {
                    let t = r.uuid();
                    (format!("export RAILWAY_API_TOKEN={t}\n"), t)
                }
                1 => {
                    let t = r.uuid();
                    (format!("RAILWAY_TOKEN=\"{t}\"\n"), t)
                }
                2 => {
                    let t = fake_github_token("ghp_", i as u64);
                    (format!("GITHUB_TOKEN={t}\n"), t)
                }
                _ => {
                    let t = fake_github_token("ghs_", i as u64);
                    (
                        format!("\turl = https://x-access-token:{t}@github.com/o/r\n"),
                        t,
                    )
                }
            };
            w.write_all(line.as_bytes()).expect("write");
            planted.push(Planted {
                path: path.clone(),
                line: lines + 1,
                secret,
            });
        }
        w.flush().expect("flush");
    }
    planted
}

fn memchr_next(data: &[u8], from: usize) -> usize {
    data[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(data.len(), |p| from + p + 1)
}

fn arg(name: &str) -> Option<usize> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
}

fn main() {
    let mb = arg("--mb")
        .or_else(|| {
            std::env::var("SCAN_BENCH_MB")
                .ok()
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(1024);
    let runs = arg("--runs").unwrap_or(3).max(1);
    let keep = std::env::args()
        .skip_while(|a| a != "--dir")
        .nth(1)
        .map(PathBuf::from);
    let temp = tempfile::tempdir().expect("temp dir");
    let root = match &keep {
        Some(dir) => {
            fs::create_dir_all(dir).expect("create --dir");
            dir.clone()
        }
        None => temp.path().to_path_buf(),
    };
    let t = Instant::now();
    let planted = generate(&root, mb << 20);
    eprintln!(
        "generated {mb} MB with {} planted tokens in {:.1}s",
        planted.len(),
        t.elapsed().as_secs_f64()
    );

    let options = ScanOptions::default();
    let mut best = f64::MAX;
    for run in 1..=runs {
        let t = Instant::now();
        let report = scan_path(&root, &options).expect("scan");
        let secs = t.elapsed().as_secs_f64();
        best = best.min(secs);
        let mbs = report.bytes_scanned as f64 / (1 << 20) as f64 / secs;
        println!(
            "scan run {run}: {} files, {:.0} MB in {:.2}s: {:.0} MB/s, {:.0} files/s, {} found, {} skipped",
            report.files_scanned,
            report.bytes_scanned as f64 / (1 << 20) as f64,
            secs,
            mbs,
            report.files_scanned as f64 / secs,
            report.found.len(),
            report.skipped.len()
        );
        for p in &planted {
            let hit = report.found.iter().any(|f| {
                f.secret.expose() == p.secret
                    && f.location
                        == Location::File {
                            path: p.path.clone(),
                            line: p.line,
                        }
            });
            assert!(
                hit,
                "planted token at {}:{} not found",
                p.path.display(),
                p.line
            );
        }
        assert_eq!(
            report.found.len(),
            planted.len(),
            "decoys reported as credentials"
        );
    }
    println!(
        "best: {:.0} MB/s over {mb} MB ({} threads available)",
        mb as f64 / best,
        std::thread::available_parallelism().map_or(0, |n| n.get())
    );
}
