//! The benchmark's synthetic account (500 roles) as a regression test of
//! the assessment's shape. The figures below are those of the assessment
//! before the speed and memory work of issue 3 (commit 3be8143): every
//! optimisation since had to leave them, and the binary's JSON report of
//! the 500- and 5,000-role files, byte for byte unchanged.

#![cfg(feature = "bench-support")]

use std::collections::BTreeMap;
use std::sync::Arc;

use blastradius_aws::gaad::synthetic_gaad;
use blastradius_aws::{assess_account, AccountAssessment, AccountOptions, Gaad};

fn assess() -> AccountAssessment {
    let text = synthetic_gaad(500, 42);
    let gaad = Gaad::from_json(&text).expect("synthetic GAAD loads");
    assess_account(&gaad, &AccountOptions::default())
}

#[test]
fn the_500_role_account_keeps_its_entries_and_action_names() {
    let a = assess();
    assert_eq!(a.principals.len(), 550);
    let mut by_category: BTreeMap<String, usize> = BTreeMap::new();
    let mut names = 0;
    for p in &a.principals {
        for r in &p.assessment.reach {
            let via = if r.via.is_empty() { "" } else { "/via" };
            *by_category
                .entry(format!("{:?}{via}", r.category))
                .or_default() += 1;
            names += r.actions.len();
        }
    }
    let expected: BTreeMap<String, usize> = [
        ("Destroy", 5348),
        ("Destroy/via", 2062),
        ("Escalate", 3419),
        ("Escalate/via", 4328),
        ("Read", 14200),
        ("Read/via", 1933),
        ("Secrets", 2888),
        ("Secrets/via", 1859),
        ("Write", 8730),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(by_category, expected);
    assert_eq!(names, 802_724);
}

#[test]
fn principals_with_the_same_policies_share_entries_and_lists() {
    let a = assess();
    // Entries held by more than one principal are one allocation (at 500
    // roles about half of the listed entries are shared).
    let mut holders: BTreeMap<*const blastradius_report::Reach, usize> = BTreeMap::new();
    for p in &a.principals {
        for r in &p.assessment.reach {
            *holders.entry(Arc::as_ptr(r)).or_default() += 1;
        }
    }
    let entries: usize = holders.values().sum();
    assert!(
        holders.len() * 5 < entries * 3,
        "{} distinct entries for {entries} listed: principals with the same policies should share",
        holders.len()
    );
    // Equal action lists are one list.
    let mut lists: BTreeMap<Vec<String>, *const String> = BTreeMap::new();
    for p in &a.principals {
        for r in &p.assessment.reach {
            let ptr = r.actions.as_ptr();
            let first = *lists.entry(r.actions.to_vec()).or_insert(ptr);
            assert_eq!(first, ptr, "two copies of {:?}", r.actions.first());
        }
    }
}
