//! The table's own examples, and the table's consistency.

use super::table::{table, write_probes, Example};
use super::*;
use crate::export::{BranchRule as Rule, TokenExport, User};

fn token_for(ex: &Example) -> TokenExport {
    let mut t = TokenExport::empty(
        "f".into(),
        "r".into(),
        "test".into(),
        "https://api.github.com".into(),
        ex.kind,
    );
    t.status = TokenStatus::Valid;
    if ex.kind.has_scopes() {
        t.scopes = Some(ex.scopes.clone());
    }
    t.user = Some(User {
        login: "octo".into(),
        id: 1,
        user_type: None,
        site_admin: false,
    });
    t
}

fn perms(role: &str) -> RepoPermissions {
    let rank = role_rank(role).expect("example role");
    RepoPermissions {
        admin: rank >= 4,
        maintain: rank >= 3,
        push: rank >= 2,
        triage: rank >= 1,
        pull: true,
    }
}

#[test]
fn examples_hold() {
    let examples = &table().example;
    assert!(examples.len() >= 5);
    for ex in examples {
        let token = token_for(ex);
        let mut got: Vec<String> = match ex.target.as_str() {
            "repo" => {
                let repo = Repo {
                    full_name: "acme/api".into(),
                    private: !ex.public,
                    visibility: None,
                    archived: false,
                    fork: false,
                    default_branch: Some("main".into()),
                    permissions: ex.role.as_deref().map(perms),
                    branch_rules: ex.rules.as_ref().map(|rs| {
                        rs.iter()
                            .map(|r| Rule {
                                rule_type: r.clone(),
                                ruleset_source_type: Some("Repository".into()),
                                ruleset_source: Some("acme/api".into()),
                                ruleset_id: Some(7),
                            })
                            .collect()
                    }),
                };
                repo_reach(&token, &repo)
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect()
            }
            "org" => {
                let org = OrgMembership {
                    login: "acme".into(),
                    role: ex.role.clone().unwrap_or_default(),
                    state: "active".into(),
                };
                org_reach(&token, &org)
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect()
            }
            "account" => account_reach(&token)
                .into_iter()
                .map(|(id, _)| id)
                .collect(),
            other => panic!("unknown example target {other}"),
        };
        let mut want = ex.expect.clone();
        got.sort();
        want.sort();
        assert_eq!(got, want, "example {ex:?}");
    }
}

#[test]
fn table_is_consistent() {
    let t = table();
    let mut ids = std::collections::BTreeSet::new();
    for e in t.repo.iter().chain(&t.org).chain(&t.account) {
        assert!(ids.insert(e.id.clone()), "duplicate id {}", e.id);
        assert!(!e.actions.is_empty(), "{} has no action", e.id);
        if let Some(r) = &e.role {
            assert!(role_rank(r).is_some(), "{}: unknown role {r}", e.id);
        }
        for p in e.permissions.iter().flatten() {
            assert!(
                p.ends_with(":read") || p.ends_with(":write"),
                "{}: {p}",
                e.id
            );
        }
    }
    assert!(t.repo.iter().any(|e| e.id == t.rule_remover));
    assert!(t.repo.iter().all(|e| e.role.is_some()));
    assert!(!write_probes().is_empty());
    assert!(write_probes()
        .iter()
        .all(|p| p.permission.ends_with(":write") && (p.target == "repo" || p.target == "org")));
}

#[test]
fn scope_implications() {
    let e = expand_scopes(&["repo".into(), "admin:org".into()]);
    assert!(
        e.contains("public_repo") && e.contains("read:org") && e.contains("manage_runners:org")
    );
    assert!(!e.contains("delete_repo"));
}
