//! The table's own examples, and the table's consistency.

use super::table::{table, write_probes, Example};
use super::*;
use crate::export::{
    AppInstallation, BranchProtection, BranchRule as Rule, Ruleset, TokenExport, User,
};

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
    if let Some(perms) = &ex.installation {
        t.app_installations.push(AppInstallation {
            id: 99,
            account: "acme".into(),
            app_slug: Some("deploy-bot".into()),
            repository_selection: Some("selected".into()),
            permissions: perms.clone(),
            total_count: 1,
        });
    }
    t
}

fn protection(kind: &str) -> BranchProtection {
    BranchProtection {
        protected: kind != "none",
        allow_force_pushes: kind != "no-force",
        allow_deletions: false,
        enforce_admins: false,
        required_pull_request_reviews: false,
        restrictions: false,
    }
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
                    branch_protection: ex.protection.as_deref().map(protection),
                    rulesets: ex.bypass.as_ref().map(|b| {
                        vec![Ruleset {
                            id: 7,
                            name: Some("main".into()),
                            source_type: Some("Repository".into()),
                            enforcement: Some("active".into()),
                            current_user_can_bypass: Some(b.clone()),
                        }]
                    }),
                    installation_id: ex.installation.as_ref().map(|_| 99),
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

fn classic_at(expires_at: Option<&str>) -> TokenExport {
    let mut t = TokenExport::empty(
        "f".into(),
        "r".into(),
        "test".into(),
        "https://api.github.com".into(),
        crate::kind::TokenKind::Classic,
    );
    t.status = TokenStatus::Valid;
    t.scopes = Some(vec!["repo".into(), "delete_repo".into()]);
    t.expires_at = expires_at.map(str::to_string);
    t.repos.push(Repo {
        full_name: "acme/api".into(),
        private: true,
        visibility: None,
        archived: false,
        fork: false,
        default_branch: Some("main".into()),
        permissions: Some(perms("admin")),
        branch_rules: Some(Vec::new()),
        branch_protection: None,
        rulesets: None,
        installation_id: None,
    });
    t
}

/// 2026-11-21T00:00:00Z, the clock of the expiry tests.
const NOW: i64 = 1_795_219_200;

fn ids(a: &Assessment) -> Vec<&str> {
    a.findings.iter().map(|f| f.id.as_str()).collect()
}

#[test]
fn rfc3339_dates() {
    assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
    assert_eq!(parse_rfc3339("2026-11-21T00:00:00Z"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-11-21T01:00:00+01:00"), Some(NOW));
    assert_eq!(parse_rfc3339("2026-11-21T00:00:00.123Z"), Some(NOW));
    assert_eq!(parse_rfc3339("2000-02-29T12:00:00Z"), Some(951_825_600));
    for bad in [
        "",
        "soon",
        "2026-13-01T00:00:00Z",
        "2026-11-21",
        "2026-11-21T00:00:00",
        "２０２６-11-21T00:00:00Z",
    ] {
        assert_eq!(parse_rfc3339(bad), None, "{bad}");
    }
}

#[test]
fn an_expired_token_is_expired_and_reaches_nothing() {
    let a = assess_at(&classic_at(Some("2026-11-20T23:59:59Z")), NOW);
    assert_eq!(a.status, Status::Expired);
    assert!(a.reach.is_empty());
    let f = a
        .findings
        .iter()
        .find(|f| f.id == "github.expired")
        .unwrap();
    assert_eq!(f.severity, Severity::None);
    // The same export a day earlier: valid, and expiring soon.
    let a = assess_at(&classic_at(Some("2026-11-20T23:59:59Z")), NOW - 86_400);
    assert_eq!(a.status, Status::Valid);
    assert!(!a.reach.is_empty());
    assert!(ids(&a).contains(&"github.expires-soon"));
}

#[test]
fn expiry_windows() {
    let in_days = |d: i64| {
        let at = NOW + d * 86_400;
        let days = at.div_euclid(86_400);
        // Back to a date string through the parser's inverse: build it by search.
        let mut s = String::new();
        for y in 2026..2030 {
            for m in 1..=12 {
                for dd in 1..=31 {
                    let c = format!("{y:04}-{m:02}-{dd:02}T00:00:00Z");
                    if parse_rfc3339(&c) == Some(days * 86_400) {
                        s = c;
                    }
                }
            }
        }
        s
    };
    let soon = assess_at(&classic_at(Some(&in_days(3))), NOW);
    assert!(
        ids(&soon).contains(&"github.expires-soon"),
        "{:?}",
        ids(&soon)
    );
    let days = table().expiry_warning_days as i64;
    let later = assess_at(&classic_at(Some(&in_days(days + 1))), NOW);
    assert!(!ids(&later).iter().any(|i| i.starts_with("github.expir")));
    assert!(!ids(&later).contains(&"github.no-expiry"));
    let never = assess_at(&classic_at(None), NOW);
    assert!(ids(&never).contains(&"github.no-expiry"));
    assert_eq!(never.status, Status::Valid);
    let odd = assess_at(&classic_at(Some("next tuesday")), NOW);
    assert!(ids(&odd).contains(&"github.expiry-unreadable"));
    assert_eq!(odd.status, Status::Valid);
}

#[test]
fn a_revoked_token_past_its_date_is_expired() {
    let mut t = classic_at(Some("2026-01-01T00:00:00Z"));
    t.status = TokenStatus::Invalid;
    assert_eq!(assess_at(&t, NOW).status, Status::Expired);
    t.expires_at = None;
    assert_eq!(assess_at(&t, NOW).status, Status::Invalid);
}

#[test]
fn classic_protection_and_bypass_show_in_the_evidence() {
    let mut t = classic_at(None);
    t.repos[0].branch_protection = Some(BranchProtection {
        protected: true,
        allow_force_pushes: false,
        allow_deletions: false,
        enforce_admins: true,
        required_pull_request_reviews: true,
        restrictions: false,
    });
    let a = assess_at(&t, NOW);
    let force = a
        .reach
        .iter()
        .find(|r| r.actions.iter().any(|x| x == "git push --force"))
        .expect("an admin removes the protection first");
    assert_eq!(
        force.via,
        vec!["DELETE /repos/acme/api/branches/main/protection"]
    );
    assert!(
        force.evidence.contains("classic protection"),
        "{}",
        force.evidence
    );
    assert_eq!(force.certainty, Certainty::Proven);
}
