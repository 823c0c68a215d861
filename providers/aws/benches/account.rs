//! Parse time vs full assessment time for synthetic GAAD exports.
//!
//!   cargo bench -p blastradius-aws --features bench-support --bench account
//!   cargo bench -p blastradius-aws --features bench-support --bench account -- 500 5000 20000
//!
//! Target: assessing 5,000 roles within 10x a `serde_json::Value` parse of
//! the same file, and under 2 s.

use std::time::Instant;

use blastradius_aws::gaad::synthetic_gaad;
use blastradius_aws::{assess_account, AccountOptions, Gaad};

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![500, 5000]
    } else {
        sizes
    };
    for roles in sizes {
        let text = synthetic_gaad(roles, 42);
        let t = Instant::now();
        let v: serde_json::Value = serde_json::from_str(&text).expect("json");
        let parse = t.elapsed();
        drop(v);
        let t = Instant::now();
        let gaad = Gaad::from_json(&text).expect("gaad");
        let load = t.elapsed();
        let t = Instant::now();
        let a = assess_account(&gaad, &AccountOptions::default());
        let assess = t.elapsed();
        let reach: usize = a.principals.iter().map(|p| p.assessment.reach.len()).sum();
        let mut by_cat = std::collections::BTreeMap::new();
        for p in &a.principals {
            for r in &p.assessment.reach {
                *by_cat
                    .entry((r.category, !r.via.is_empty()))
                    .or_insert(0usize) += 1;
            }
        }
        println!("  reach entries by (category, through another principal): {by_cat:?}");
        println!(
            "{roles:>6} roles, {:>6.1} MB: serde_json parse {:>8.1} ms | Gaad::from_json {:>8.1} ms | assess {:>8.1} ms ({} principals, {} reach entries) | load+assess = {:.1}x parse",
            text.len() as f64 / 1e6,
            parse.as_secs_f64() * 1e3,
            load.as_secs_f64() * 1e3,
            assess.as_secs_f64() * 1e3,
            a.principals.len(),
            reach,
            (load + assess).as_secs_f64() / parse.as_secs_f64()
        );
    }
}
