//! Audit time and peak memory vs one serde_json parse, for synthetic GAAD
//! exports (about 8 KB per role, like real ones).
//!
//!   cargo bench -p blastradius-aws --features bench-support --bench account
//!   cargo bench -p blastradius-aws --features bench-support --bench account -- 500 5000 20000
//!   cargo bench -p blastradius-aws --features bench-support --bench account -- --write DIR 500
//!
//! Target (issue 3): the 5,000-role account (about 40 MB) audited in under
//! 2 s, within 10x one `serde_json::Value` parse of the file, with peak
//! memory under 4x the file size; time and memory about linear from 5,000
//! to 20,000 roles.
//!
//! Each audit runs in a child process (this binary with `--child FILE`)
//! that reads the file, loads and assesses it and reports its own peak RSS
//! (`VmHWM`), so the figure is that of an audit alone, not of the
//! generator or the reference parse.

use std::time::{Duration, Instant};

use blastradius_aws::gaad::synthetic_gaad;
use blastradius_aws::{assess_account, AccountOptions, Gaad};

fn peak_rss_kb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// The audit alone: read, load, assess; print one machine-readable line.
fn child(path: &str) {
    // As the binary does at its start (src/main.rs).
    blastradius_aws::heap::limit_arenas(2);
    let t = Instant::now();
    let text = std::fs::read_to_string(path).expect("read GAAD file");
    let read = t.elapsed();
    let t = Instant::now();
    let gaad = Gaad::from_json(&text).expect("gaad");
    let load = t.elapsed();
    drop(text);
    let t = Instant::now();
    let a = assess_account(&gaad, &AccountOptions::default());
    let assess = t.elapsed();
    let reach: usize = a.principals.iter().map(|p| p.assessment.reach.len()).sum();
    let mut by_cat = std::collections::BTreeMap::new();
    for p in &a.principals {
        for r in &p.assessment.reach {
            *by_cat
                .entry(format!(
                    "{:?}{}",
                    r.category,
                    if r.via.is_empty() { "" } else { "/via" }
                ))
                .or_insert(0usize) += 1;
        }
    }
    let names: usize = a
        .principals
        .iter()
        .flat_map(|p| &p.assessment.reach)
        .map(|r| r.actions.len())
        .sum();
    eprintln!("    reach entries by category (/via: through another principal): {by_cat:?}; {names} action names in all");
    println!(
        "RESULT {} {} {} {} {} {}",
        read.as_secs_f64(),
        load.as_secs_f64(),
        assess.as_secs_f64(),
        peak_rss_kb().unwrap_or(0),
        a.principals.len(),
        reach
    );
}

struct Run {
    roles: usize,
    bytes: usize,
    audit: f64,
    peak_kb: u64,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(pos) = args.iter().position(|a| a == "--child") {
        child(&args[pos + 1]);
        return;
    }
    let write_dir = args
        .iter()
        .position(|a| a == "--write")
        .map(|p| args[p + 1].clone());
    let sizes: Vec<usize> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let sizes = if sizes.is_empty() {
        vec![500, 5000]
    } else {
        sizes
    };
    if let Some(dir) = write_dir {
        for roles in sizes {
            let path = format!("{dir}/gaad-{roles}.json");
            std::fs::write(&path, synthetic_gaad(roles, 42)).expect("write");
            println!("wrote {path}");
        }
        return;
    }
    let exe = std::env::current_exe().expect("own path");
    let mut runs: Vec<Run> = Vec::new();
    for roles in sizes {
        let text = synthetic_gaad(roles, 42);
        let path = std::env::temp_dir().join(format!(
            "blastradius-bench-gaad-{roles}-{}.json",
            std::process::id()
        ));
        std::fs::write(&path, &text).expect("write temp GAAD");
        // The reference: one full serde_json::Value parse (best of 3).
        let mut parse = Duration::MAX;
        for _ in 0..3 {
            let t = Instant::now();
            let v: serde_json::Value = serde_json::from_str(&text).expect("json");
            parse = parse.min(t.elapsed());
            drop(v);
        }
        let bytes = text.len();
        drop(text);
        let out = std::process::Command::new(&exe)
            .arg("--child")
            .arg(&path)
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("run the audit child");
        let _ = std::fs::remove_file(&path);
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().find(|l| l.starts_with("RESULT ")) else {
            eprintln!("{roles} roles: the audit child failed ({})", out.status);
            continue;
        };
        let f: Vec<f64> = line
            .split_whitespace()
            .skip(1)
            .filter_map(|x| x.parse().ok())
            .collect();
        let (read, load, assess, peak_kb, principals, reach) = (f[0], f[1], f[2], f[3], f[4], f[5]);
        let audit = load + assess;
        let mb = bytes as f64 / 1e6;
        println!(
            "{roles:>6} roles, {mb:>6.1} MB: serde_json parse {:>7.1} ms | read {:>6.1} ms | Gaad::from_json {:>7.1} ms | assess {:>8.1} ms | {} principals, {} reach entries",
            parse.as_secs_f64() * 1e3,
            read * 1e3,
            load * 1e3,
            assess * 1e3,
            principals,
            reach
        );
        println!(
            "        audit (load+assess) {:>8.1} ms = {:.1}x parse (target < 10x, < 2000 ms) | peak RSS {:.1} MB = {:.2}x file (target < 4x)",
            audit * 1e3,
            audit / parse.as_secs_f64(),
            peak_kb / 1024.0,
            peak_kb * 1024.0 / bytes as f64
        );
        if let Some(first) = runs.first() {
            let size = bytes as f64 / first.bytes as f64;
            println!(
                "        growth from {} roles: file {:.2}x, audit time {:.2}x, peak RSS {:.2}x (linear: the same as the file)",
                first.roles,
                size,
                audit / first.audit,
                peak_kb / first.peak_kb as f64
            );
        }
        runs.push(Run {
            roles,
            bytes,
            audit,
            peak_kb: peak_kb as u64,
        });
    }
}
