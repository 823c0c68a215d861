//! Discovery tests: the rule examples, planted tokens and decoys in temporary
//! trees, skips, the fixture workspaces, the environment. Every token here is
//! generated fake data.

use std::fs;
use std::path::{Path, PathBuf};

use blastradius_report::Provider;

use super::matcher::scan_bytes;
use super::rules::{build, builtin, parse_raw, RULES_TOML};
use super::*;

// ------------------------------------------------------------ fake tokens

fn pseudo(seed: u64, n: usize, alphabet: &[u8]) -> String {
    let mut state = seed ^ 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            alphabet[((state >> 33) % alphabet.len() as u64) as usize] as char
        })
        .collect()
}

const ALNUM: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn ghp(seed: u64) -> String {
    fake_github_token("ghp_", seed)
}

fn bad_checksum(token: &str) -> String {
    let mut b = token.as_bytes().to_vec();
    let last = b.len() - 1;
    b[last] = if b[last] == b'a' { b'b' } else { b'a' };
    String::from_utf8(b).unwrap()
}

fn github_pat(seed: u64) -> String {
    format!(
        "github_pat_{}_{}",
        pseudo(seed, 22, ALNUM),
        pseudo(seed + 1, 59, ALNUM)
    )
}

fn ghs_long(seed: u64) -> String {
    let seg = |s, n| {
        pseudo(
            s,
            n,
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        )
    };
    format!(
        "ghs_{}.{}.{}",
        seg(seed, 60),
        seg(seed + 1, 400),
        seg(seed + 2, 86)
    )
}

fn aws_id(prefix: &str, seed: u64) -> String {
    format!(
        "{prefix}{}",
        pseudo(seed, 16, b"ABCDFGHJKLMNPQRSTUVWXYZ234567")
    )
}

fn aws_secret(seed: u64) -> String {
    pseudo(
        seed,
        40,
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
    )
}

fn expand(example: &str) -> String {
    let mut s = example.to_string();
    let good = ghp(7);
    let subs: Vec<(&str, String)> = vec![
        ("{{ghp-bad}}", bad_checksum(&good)),
        ("{{ghp}}", good),
        ("{{gho}}", fake_github_token("gho_", 8)),
        ("{{ghu}}", fake_github_token("ghu_", 9)),
        ("{{ghs}}", fake_github_token("ghs_", 10)),
        ("{{ghr}}", fake_github_token("ghr_", 11)),
        ("{{github_pat}}", github_pat(12)),
        ("{{ghs-long}}", ghs_long(13)),
        ("{{akia}}", aws_id("AKIA", 14)),
        ("{{asia}}", aws_id("ASIA", 15)),
        ("{{aws-secret}}", aws_secret(16)),
    ];
    for (k, v) in subs {
        s = s.replace(k, &v);
    }
    let leftover = regex::Regex::new(r"\{\{[a-z_-]+\}\}").unwrap();
    assert!(!leftover.is_match(&s), "unknown placeholder in {example}");
    s
}

// ------------------------------------------------------------ rule data

#[test]
fn builtin_rules_compile() {
    let rules = builtin().expect("rules.toml compiles");
    assert!(rules.rules.len() >= 9);
    assert!(rules.anchors.is_some());
}

#[test]
fn every_rule_example_behaves() {
    let raw = parse_raw(RULES_TOML).unwrap();
    let rules = build(&raw).unwrap();
    let mut failures = Vec::new();
    for (i, r) in raw.rule.iter().enumerate() {
        assert!(
            !r.positive.is_empty(),
            "rule {} has no positive example",
            r.id
        );
        assert!(
            !r.negative.is_empty(),
            "rule {} has no negative example",
            r.id
        );
        let path = r.example_path.as_deref().unwrap_or("workspace/example.txt");
        for ex in &r.positive {
            let text = expand(ex);
            let mut hits = Vec::new();
            scan_bytes(&rules, Some(path), text.as_bytes(), &mut hits);
            if !hits.iter().any(|h| h.rule == i && text.contains(&h.secret)) {
                failures.push(format!("{}: positive missed: {ex}", r.id));
            }
        }
        for ex in &r.negative {
            let text = expand(ex);
            let mut hits = Vec::new();
            scan_bytes(&rules, Some(path), text.as_bytes(), &mut hits);
            if let Some(h) = hits.first() {
                failures.push(format!(
                    "{}: negative reported by {}: {ex}",
                    r.id, rules.rules[h.rule].id
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bad_rule_data_is_an_error_not_a_panic() {
    let bad = r#"[[rule]]
id = "x"
provider = "nope"
kind = "k"
anchors = ["a"]
pattern = "a"
context = "none"
"#;
    assert!(build(&parse_raw(bad).unwrap()).is_err());
    let bad_regex = bad
        .replace("\"nope\"", "\"aws\"")
        .replace("pattern = \"a\"", "pattern = \"(\"");
    assert!(build(&parse_raw(&bad_regex).unwrap()).is_err());
    assert!(parse_raw("[[rule]]\nid = 1").is_err());
}

// ------------------------------------------------------------ helpers

fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, content).unwrap();
    p
}

fn scan(root: &Path) -> ScanReport {
    scan_path(root, &ScanOptions::default()).unwrap()
}

fn located(f: &Found) -> (String, usize) {
    match &f.location {
        Location::File { path, line } => (path.to_string_lossy().into_owned(), *line),
        Location::Env { var } => (var.clone(), 0),
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/workspaces")
        .join(name)
}

// ------------------------------------------------------------ fixtures

#[test]
fn pocketos_has_exactly_the_planted_token() {
    let root = fixture("pocketos");
    let report = scan(&root);
    assert_eq!(report.found.len(), 1, "{:?}", report.found);
    let f = &report.found[0];
    assert_eq!(f.provider, Provider::Railway);
    assert_eq!(f.kind, "railway-token");
    assert_eq!(f.name.as_deref(), Some("RAILWAY_API_TOKEN"));
    assert_eq!(f.secret.expose(), "7c1e4f2a-93b5-4d08-a6e1-2f9b0c8d5e31");
    assert_eq!(
        f.location,
        Location::File {
            path: root.join("scripts/custom-domains.sh"),
            line: 5
        }
    );
    assert!(report.files_scanned >= 5);
}

#[test]
fn staging_only_has_a_project_token() {
    let root = fixture("staging-only");
    let report = scan(&root);
    assert_eq!(report.found.len(), 1, "{:?}", report.found);
    let f = &report.found[0];
    assert_eq!(f.kind, "railway-project-token");
    assert_eq!(f.name.as_deref(), Some("RAILWAY_TOKEN"));
    assert_eq!(
        located(f),
        (root.join(".env").to_string_lossy().into_owned(), 2)
    );
}

#[test]
fn decoys_workspace_is_quiet() {
    let report = scan(&fixture("decoys"));
    assert!(report.found.is_empty(), "{:?}", report.found);
    assert!(report.files_scanned >= 4);
}

// ------------------------------------------------------------ Railway

#[test]
fn railway_in_every_file_shape_and_decoys_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let u = |n: u8| format!("{n:08x}-1111-4111-8111-111111111111");
    write(
        root,
        ".env",
        format!("RAILWAY_PROJECT_ID={}\nRAILWAY_TOKEN={}\n", u(1), u(2)),
    );
    write(
        root,
        "deploy.sh",
        format!("#!/bin/sh\nexport RAILWAY_API_TOKEN=\"{}\"\n", u(3)),
    );
    write(
        root,
        "app.json",
        format!(
            "{{\n  \"requestId\": \"{}\",\n  \"railwayToken\": \"{}\"\n}}\n",
            u(4),
            u(5)
        ),
    );
    write(
        root,
        "conf.toml",
        format!("[deploy]\nrailway_token = \"{}\"\n", u(6)),
    );
    write(
        root,
        "ci.yml",
        format!(
            "env:\n  RAILWAY_PROD_TOKEN: {}\n  RAILWAY_SERVICE_ID: {}\n",
            u(7),
            u(8)
        ),
    );
    write(
        root,
        "home/.railway/config.json",
        format!(
            "{{\n  \"projects\": {{ \"/p\": {{ \"project\": \"{}\", \"environment\": \"{}\" }} }},\n  \"user\": {{\n    \"token\": \"{}\"\n  }}\n}}\n",
            u(9),
            u(10),
            u(11)
        ),
    );
    write(
        root,
        "logs/trace.json",
        format!(
            "{{\"traceId\": \"{}\", \"requestId\": \"{}\"}}\n",
            u(12),
            u(13)
        ),
    );
    let report = scan(root);
    let got: Vec<(String, usize, String, String)> = report
        .found
        .iter()
        .map(|f| {
            let (p, l) = located(f);
            let rel = Path::new(&p)
                .strip_prefix(root)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, l, f.kind.clone(), f.secret.expose().to_string())
        })
        .collect();
    let want = vec![
        (
            ".env".to_string(),
            2,
            "railway-project-token".to_string(),
            u(2),
        ),
        ("app.json".to_string(), 3, "railway-token".to_string(), u(5)),
        ("ci.yml".to_string(), 2, "railway-token".to_string(), u(7)),
        (
            "conf.toml".to_string(),
            2,
            "railway-token".to_string(),
            u(6),
        ),
        (
            "deploy.sh".to_string(),
            2,
            "railway-token".to_string(),
            u(3),
        ),
        (
            "home/.railway/config.json".to_string(),
            4,
            "railway-token".to_string(),
            u(11),
        ),
    ];
    assert_eq!(got, want);
    assert!(report.found.iter().all(|f| f.provider == Provider::Railway));
}

// ------------------------------------------------------------ GitHub

#[test]
fn github_in_credential_files_and_git_config() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (a, b, c, d, e) = (
        ghp(100),
        fake_github_token("gho_", 101),
        ghp(102),
        ghp(103),
        github_pat(104),
    );
    write(
        root,
        ".git-credentials",
        format!("https://octocat:{a}@github.com\n"),
    );
    write(
        root,
        ".config/gh/hosts.yml",
        format!("github.com:\n    user: octocat\n    oauth_token: {b}\n"),
    );
    write(
        root,
        ".netrc",
        format!("machine github.com\n  login octocat\n  password {c}\n"),
    );
    write(
        root,
        "repo/.git/config",
        format!("[core]\n\tbare = false\n[remote \"origin\"]\n\turl = https://x:{d}@github.com/o/r.git\n"),
    );
    write(
        root,
        "repo/.env",
        format!("GITHUB_TOKEN={e}\nGH_TOKEN={}\n", bad_checksum(&ghp(105))),
    );
    let long = ghs_long(106);
    write(root, "ci/token.txt", format!("token: {long}\n"));
    let report = scan(root);
    let kinds: Vec<(String, String)> = report
        .found
        .iter()
        .map(|f| (f.kind.clone(), f.secret.expose().to_string()))
        .collect();
    assert!(kinds.contains(&("github-classic-pat".into(), a)));
    assert!(kinds.contains(&("github-oauth-token".into(), b)));
    assert!(kinds.contains(&("github-classic-pat".into(), c)));
    assert!(kinds.contains(&("github-classic-pat".into(), d.clone())));
    assert!(kinds.contains(&("github-fine-grained-pat".into(), e)));
    assert!(kinds.contains(&("github-installation-token".into(), long)));
    assert_eq!(report.found.len(), 6, "{:?}", report.found);
    let git = report
        .found
        .iter()
        .find(|f| f.secret.expose() == d)
        .unwrap();
    assert_eq!(git.name.as_deref(), Some("url"));
    assert_eq!(
        git.location,
        Location::File {
            path: root.join("repo/.git/config"),
            line: 4
        }
    );
}

#[test]
fn classic_token_prefix_of_long_token_is_not_reported_twice() {
    let dir = tempfile::tempdir().unwrap();
    let long = format!("{}.{}", fake_github_token("ghs_", 5), pseudo(1, 520, ALNUM));
    write(dir.path(), "a.txt", format!("T={long}\n"));
    let report = scan(dir.path());
    assert_eq!(report.found.len(), 1, "{:?}", report.found);
    assert_eq!(report.found[0].rule, "github.installation-token-long");
}

// ------------------------------------------------------------ AWS

#[test]
fn aws_pairs_ids_with_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let (id1, s1, id2, s2) = (
        aws_id("AKIA", 1),
        aws_secret(1),
        aws_id("AKIA", 2),
        aws_secret(2),
    );
    write(
        root,
        ".aws/credentials",
        format!(
            "[default]\naws_access_key_id = {id1}\naws_secret_access_key = {s1}\n\n[prod]\naws_secret_access_key = {s2}\naws_access_key_id = {id2}\n"
        ),
    );
    let (id3, s3) = (aws_id("ASIA", 3), aws_secret(3));
    write(
        root,
        "creds.json",
        format!("{{\n  \"Credentials\": {{\n    \"AccessKeyId\": \"{id3}\",\n    \"SecretAccessKey\": \"{s3}\"\n  }}\n}}\n"),
    );
    let id4 = aws_id("AKIA", 4);
    write(root, "notes.md", format!("old key {id4} was rotated\n"));
    // A secret without an id: never reported.
    write(
        root,
        "orphan.env",
        format!("AWS_SECRET_ACCESS_KEY={}\n", aws_secret(5)),
    );
    // Ini sections are a wall: this id must not take the other profile's secret.
    let id6 = aws_id("AKIA", 6);
    write(
        root,
        "two.ini",
        format!(
            "[a]\naws_secret_access_key = {}\n[b]\naws_access_key_id = {id6}\n",
            aws_secret(6)
        ),
    );

    let report = scan(root);
    let by_id = |id: &str| {
        report
            .found
            .iter()
            .find(|f| f.key_id.as_deref() == Some(id))
            .unwrap()
    };
    let f1 = by_id(&id1);
    assert_eq!(
        (f1.kind.as_str(), f1.secret.expose()),
        ("aws-access-key", s1.as_str())
    );
    assert_eq!(f1.provider, Provider::Aws);
    let f2 = by_id(&id2);
    assert_eq!(
        (f2.kind.as_str(), f2.secret.expose()),
        ("aws-access-key", s2.as_str())
    );
    let f3 = by_id(&id3);
    assert_eq!(
        (f3.kind.as_str(), f3.secret.expose()),
        ("aws-access-key", s3.as_str())
    );
    let f4 = by_id(&id4);
    assert_eq!(f4.kind, "aws-access-key-id");
    assert!(f4.note().is_some());
    let f6 = by_id(&id6);
    assert_eq!(f6.kind, "aws-access-key-id");
    assert_eq!(report.found.len(), 5, "{:?}", report.found);
}

// ------------------------------------------------------------ walking

#[test]
fn skips_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let tok = ghp(200);
    let mut bin = b"\x7fELF\0\0\0".to_vec();
    bin.extend_from_slice(tok.as_bytes());
    write(root, "bin/tool", &bin);
    write(
        root,
        "big.log",
        format!("{}\nGITHUB_TOKEN={tok}\n", "x".repeat(2000)),
    );
    write(
        root,
        "repo/.git/objects/ab/cdef",
        format!("GITHUB_TOKEN={tok}\n"),
    );
    write(root, "repo/.git/HEAD", "ref: refs/heads/main\n");
    write(root, "repo/src/ok.txt", "nothing here\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("big.log"), root.join("link.log")).unwrap();

    let report = scan_path(
        root,
        &ScanOptions {
            max_file_size: 1000,
            progress: false,
        },
    )
    .unwrap();
    assert!(report.found.is_empty(), "{:?}", report.found);
    let reason = |rel: &str| {
        report
            .skipped
            .iter()
            .find(|s| s.path == root.join(rel))
            .map(|s| s.reason.clone())
            .unwrap_or_else(|| panic!("{rel} not skipped: {:?}", report.skipped))
    };
    assert!(reason("bin/tool").contains("binary"));
    assert!(reason("big.log").contains("larger"));
    assert!(reason("repo/.git/objects").contains("git"));
    #[cfg(unix)]
    assert!(reason("link.log").contains("symlink"));
    // Hidden and git-ignored files are read.
    write(root, ".gitignore", "secret.env\n");
    write(root, "secret.env", format!("GITHUB_TOKEN={tok}\n"));
    let report = scan(root);
    assert!(report
        .found
        .iter()
        .any(|f| located(f).0.ends_with("secret.env")));
    assert!(report
        .found
        .iter()
        .any(|f| located(f).0.ends_with("big.log")));
}

#[test]
fn single_file_root_and_missing_root() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "one.env",
        "RAILWAY_TOKEN=2d6f8a1c-4e3b-4a5d-9c7e-8b0f1e2d3c4a\n",
    );
    let report = scan(&p);
    assert_eq!(report.found.len(), 1);
    assert_eq!(
        report.found[0].location,
        Location::File {
            path: p.clone(),
            line: 1
        }
    );
    let err = scan_path(&dir.path().join("nope"), &ScanOptions::default()).unwrap_err();
    assert!(err.to_string().contains("nope"));
}

#[test]
fn output_is_sorted_and_deduplicated() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let t = ghp(300);
    // Same token twice on one line: one finding. Several files: sorted.
    write(root, "b.txt", format!("a={t} b={t}\n\nc={t}\n"));
    write(root, "a.txt", format!("\n\nx={t}\n"));
    let report = scan(root);
    let locs: Vec<(String, usize)> = report.found.iter().map(located).collect();
    let rel = |p: &str| root.join(p).to_string_lossy().into_owned();
    assert_eq!(
        locs,
        vec![(rel("a.txt"), 3), (rel("b.txt"), 1), (rel("b.txt"), 3)]
    );
}

#[test]
fn hostile_input_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let t = ghp(400);
    // Invalid UTF-8 around a token, CRLF lines, a huge single line with
    // anchors everywhere, anchors at the very start and end of a file.
    let mut bytes = b"\xff\xfe RAILWAY_TOKEN=\xc3\x28 ".to_vec();
    bytes.extend_from_slice(format!("GITHUB_TOKEN={t}\r\n").as_bytes());
    write(root, "bad-utf8.txt", &bytes);
    let mut huge = String::new();
    for i in 0..20_000 {
        huge.push_str(&format!("railway ghp_ AKIA {i} "));
    }
    huge.push_str(&format!("k={t}"));
    write(root, "huge-line.js", &huge);
    // Anchors back to back: bounded work per anchor, no quadratic blow-up.
    write(root, "anchors.txt", "ghs_".repeat(64 * 1024));
    write(root, "anchors2.txt", "RAILWAY_".repeat(32 * 1024));
    write(root, "edge1.txt", "ghp_");
    write(root, "edge2.txt", "AKIA");
    write(root, "edge3.txt", "RAILWAY_TOKEN=");
    write(root, "empty.txt", "");
    let report = scan(root);
    let files: Vec<String> = report.found.iter().map(|f| located(f).0).collect();
    assert!(files.iter().any(|f| f.ends_with("bad-utf8.txt")));
    assert!(files.iter().any(|f| f.ends_with("huge-line.js")));
    assert_eq!(report.found.len(), 2, "{:?}", report.found);
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let dir = tempfile::tempdir().unwrap();
    let t = ghp(500);
    write(dir.path(), "x.env", format!("GITHUB_TOKEN={t}\n"));
    let report = scan(dir.path());
    let dbg = format!("{:?}", report.found);
    assert!(!dbg.contains(&t));
    assert!(dbg.contains("ghp_****"));
}

// ------------------------------------------------------------ environment

#[test]
fn env_vars() {
    let t = ghp(600);
    let (id, secret) = (aws_id("AKIA", 600), aws_secret(600));
    let vars = vec![
        ("PATH".to_string(), "/usr/bin".to_string()),
        (
            "RAILWAY_API_TOKEN".to_string(),
            "7c1e4f2a-93b5-4d08-a6e1-2f9b0c8d5e31".to_string(),
        ),
        (
            "RAILWAY_PROJECT_ID".to_string(),
            "5a3c9e7d-1b2f-4c6a-8d0e-9f1a2b3c4d5e".to_string(),
        ),
        ("GITHUB_TOKEN".to_string(), t.clone()),
        ("AWS_ACCESS_KEY_ID".to_string(), id.clone()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), secret.clone()),
        (
            "REQUEST_ID".to_string(),
            "d4e5f6a7-b8c9-4d0e-9f1a-2b3c4d5e6f70".to_string(),
        ),
    ];
    let found = scan_env(vars);
    let got: Vec<(String, String, String)> = found
        .iter()
        .map(|f| (located(f).0, f.kind.clone(), f.secret.expose().to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("AWS_ACCESS_KEY_ID".into(), "aws-access-key".into(), secret),
            ("GITHUB_TOKEN".into(), "github-classic-pat".into(), t),
            (
                "RAILWAY_API_TOKEN".into(),
                "railway-token".into(),
                "7c1e4f2a-93b5-4d08-a6e1-2f9b0c8d5e31".into()
            ),
        ]
    );
    let aws = &found[0];
    assert_eq!(aws.key_id.as_deref(), Some(id.as_str()));
    assert_eq!(aws.name.as_deref(), Some("AWS_ACCESS_KEY_ID"));

    // An id alone: reported with a note; a secret alone: not at all.
    let only_id = scan_env(vec![("AWS_ACCESS_KEY_ID".to_string(), aws_id("AKIA", 601))]);
    assert_eq!(only_id.len(), 1);
    assert_eq!(only_id[0].kind, "aws-access-key-id");
    assert!(only_id[0].note().is_some());
    assert!(scan_env(vec![("AWS_SECRET_ACCESS_KEY".to_string(), aws_secret(602))]).is_empty());
    let project = scan_env(vec![(
        "RAILWAY_TOKEN".to_string(),
        "2d6f8a1c-4e3b-4a5d-9c7e-8b0f1e2d3c4a".to_string(),
    )]);
    assert_eq!(project[0].kind, "railway-project-token");
}
