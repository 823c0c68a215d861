//! The fixture exports of `fixtures/exports/railway-*.json`, assessed.

use blastradius_railway::assess::assess;
use blastradius_railway::export::{RailwayExport, Role, TokenExport};
use blastradius_report::{Assessment, Category, Certainty, Reach, Severity, Status};

fn load(name: &str) -> TokenExport {
    let path = format!(
        "{}/../../fixtures/exports/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let export: RailwayExport =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(export.format, "blastradius-railway-export");
    assert_eq!(export.tokens.len(), 1);
    export.tokens.into_iter().next().unwrap()
}

fn is_production(env: &Option<String>) -> bool {
    env.as_deref().is_none_or(|e| e == "production")
}

/// The contract's severity scale, as the brief states it for Railway (the
/// binary's rating owns the real one; this checks the reach feeds it right).
fn rate(r: &Reach) -> Severity {
    let prod = is_production(&r.environment);
    match r.category {
        Category::Destroy | Category::Escalate if prod => Severity::Critical,
        Category::Destroy | Category::Escalate => Severity::High,
        Category::Secrets | Category::Write if prod => Severity::High,
        Category::Secrets | Category::Write => Severity::Medium,
        Category::Read if r.data && prod => Severity::High,
        Category::Read => Severity::Low,
    }
}

fn worst(a: &Assessment) -> Severity {
    a.reach
        .iter()
        .map(|r| rate(r))
        .max()
        .unwrap_or(Severity::None)
}

fn find<'a>(a: &'a Assessment, resource: &str, env: Option<&str>, category: Category) -> &'a Reach {
    a.reach
        .iter()
        .find(|r| {
            r.resource == resource && r.environment.as_deref() == env && r.category == category
        })
        .unwrap_or_else(|| {
            panic!(
                "no {category} reach on {resource} in {env:?}: {:#?}",
                a.reach
            )
        })
}

#[test]
fn pocketos_token_destroys_the_production_volume_and_its_backups() {
    let a = assess(&load("railway-pocketos.json"));
    assert_eq!(a.status, Status::Valid);
    assert_eq!(a.kind, "railway-account-token");
    assert_eq!(
        a.identity,
        "jer@pocketos.example (Jer Crane) in workspace PocketOS"
    );
    assert!(!a.partial);
    assert_eq!(worst(&a), Severity::Critical);

    let vol = find(
        &a,
        "volume pg-data (project pocketos)",
        Some("production"),
        Category::Destroy,
    );
    for action in [
        "volumeDelete",
        "volumeInstanceBackupDelete",
        "volumeInstanceBackupRestore",
        "volumeInstanceBackupScheduleUpdate",
        "volumeInstanceUpdate",
        "environmentPatchCommit",
    ] {
        assert!(
            vol.actions.iter().any(|x| x == action),
            "{action} missing: {:?}",
            vol.actions
        );
    }
    assert_eq!(
        vol.actions[0], "volumeDelete",
        "the headline action comes first"
    );
    let mut rest = vol.actions[1..].to_vec();
    rest.sort();
    assert_eq!(rest, vol.actions[1..], "the other actions are sorted");
    assert_eq!(vol.reversible, Some(false));
    assert_eq!(vol.certainty, Certainty::Proven);
    assert_eq!(
        vol.via,
        [
            "workspace PocketOS",
            "project pocketos",
            "environment production"
        ]
    );
    assert!(
        vol.evidence.contains("role ADMIN in workspace PocketOS"),
        "{}",
        vol.evidence
    );
    assert!(
        vol.evidence.contains("3 backup(s)") && vol.evidence.contains("DAILY"),
        "{}",
        vol.evidence
    );

    let project = find(&a, "project pocketos", None, Category::Destroy);
    for action in [
        "projectDelete",
        "projectScheduleDelete",
        "projectScheduleDeleteForce",
    ] {
        assert!(project.actions.iter().any(|x| x == action), "{action}");
    }
    find(
        &a,
        "service postgres (project pocketos)",
        Some("production"),
        Category::Destroy,
    )
    .actions
    .iter()
    .find(|x| *x == "serviceDelete")
    .expect("serviceDelete");
    find(
        &a,
        "environment production (project pocketos)",
        Some("production"),
        Category::Destroy,
    )
    .actions
    .iter()
    .find(|x| *x == "environmentDelete")
    .expect("environmentDelete");
    find(
        &a,
        "bucket pg-wal (project pocketos)",
        Some("production"),
        Category::Destroy,
    );

    // Secrets: by variable NAME only.
    let web = find(
        &a,
        "service web (project pocketos)",
        Some("production"),
        Category::Secrets,
    );
    assert!(web.actions.iter().any(|x| x == "variables"));
    assert!(web.data);
    assert!(web.evidence.contains("DATABASE_URL") && web.evidence.contains("STRIPE_SECRET_KEY"));
    assert!(
        !web.evidence.contains("STRIPE_PUBLISHABLE_KEY"),
        "{}",
        web.evidence
    );
    assert!(
        web.evidence
            .contains("sealed, values not readable: SESSION_SECRET"),
        "{}",
        web.evidence
    );

    // Escalation at workspace and account level, environment unknown.
    let ws = find(&a, "workspace PocketOS", None, Category::Escalate);
    for action in [
        "apiTokenCreate",
        "trustedDomainCreate",
        "workspacePermissionChange",
        "workspaceUserInvite",
    ] {
        assert!(ws.actions.iter().any(|x| x == action), "{action}");
    }
    find(&a, "project pocketos", None, Category::Escalate)
        .actions
        .iter()
        .find(|x| *x == "projectTokenCreate")
        .expect("projectTokenCreate");
    find(&a, "account jer@pocketos.example", None, Category::Escalate);

    // Writes are summarised per environment.
    let w = find(
        &a,
        "environment staging (project pocketos)",
        Some("staging"),
        Category::Write,
    );
    assert!(w.actions.iter().any(|x| x == "variableUpsert"));
    assert!(w.actions.iter().any(|x| x == "serviceInstanceDeployV2"));

    // All 230 are known: no unknown-mutation finding.
    assert!(
        a.findings
            .iter()
            .all(|f| f.id != "railway.unknown-mutation"),
        "{:#?}",
        a.findings
    );
}

#[test]
fn staging_project_token_never_reaches_production() {
    let a = assess(&load("railway-staging-only.json"));
    assert_eq!(a.status, Status::Valid);
    assert_eq!(a.kind, "railway-project-token");
    assert_eq!(a.identity, "project pocketos / environment staging");
    assert!(!a.reach.is_empty());
    for r in &a.reach {
        assert_eq!(r.environment.as_deref(), Some("staging"), "{r:#?}");
        assert!(!r.resource.contains("production"), "{r:#?}");
        assert!(r.via.iter().all(|v| !v.contains("production")), "{r:#?}");
        assert!(!r.evidence.contains("production"), "{r:#?}");
        assert_eq!(
            r.certainty,
            Certainty::Inferred,
            "no role: inferred from the docs"
        );
        for action in &r.actions {
            assert!(
                ![
                    "projectDelete",
                    "apiTokenCreate",
                    "projectTokenCreate",
                    "workspaceDelete"
                ]
                .contains(&action.as_str()),
                "{action}"
            );
        }
    }
    let vol = find(
        &a,
        "volume pg-data (project pocketos)",
        Some("staging"),
        Category::Destroy,
    );
    assert!(vol.actions.iter().any(|x| x == "volumeDelete"));
    assert_eq!(vol.reversible, Some(false));
    assert_eq!(worst(&a), Severity::High);
}

#[test]
fn viewer_token_reads_only() {
    let a = assess(&load("railway-viewer.json"));
    assert_eq!(a.status, Status::Valid);
    assert_eq!(worst(&a), Severity::Low, "{:#?}", a.reach);
    assert!(
        a.reach
            .iter()
            .all(|r| r.category == Category::Read && !r.data),
        "{:#?}",
        a.reach
    );
    assert!(!a.reach.is_empty());
    // The own-account mutations are named, not dropped.
    let f = a
        .findings
        .iter()
        .find(|f| f.id == "railway.account-self")
        .expect("account-self finding");
    assert!(f.message.contains("apiTokenCreate"));
}

#[test]
fn viewer_fixture_fingerprint_is_consistent() {
    let t = load("railway-viewer.json");
    // The fake token of this fixture (never issued by Railway).
    let fake = blastradius_report::Secret::new("4b9e2d71-0c6a-4f38-9e15-a7d3c8b26f90");
    assert_eq!(t.fingerprint, fake.fingerprint());
    assert_eq!(t.redacted, fake.redacted());
}

#[test]
fn invalid_token_is_invalid_and_reaches_nothing() {
    let a = assess(&load("railway-invalid.json"));
    assert_eq!(a.status, Status::Invalid);
    assert!(a.reach.is_empty());
    assert_eq!(worst(&a), Severity::None);
    let f = a
        .findings
        .iter()
        .find(|f| f.id == "railway.invalid-token")
        .expect("finding");
    assert_eq!(f.severity, Severity::None);
    assert!(
        f.message.contains("project token not found"),
        "{}",
        f.message
    );
}

#[test]
fn member_cannot_volume_delete() {
    let mut t = load("railway-pocketos.json");
    for ws in &mut t.workspaces {
        for m in ws.members.iter_mut().flatten() {
            m.role = Role::Member;
        }
        for p in &mut ws.projects {
            for m in p.members.iter_mut().flatten() {
                m.role = Role::Member;
            }
        }
    }
    let a = assess(&t);
    for r in &a.reach {
        for forbidden in [
            "volumeDelete",
            "serviceDelete",
            "projectDelete",
            "environmentDelete",
            "volumeInstanceBackupDelete",
        ] {
            assert!(
                !r.actions.iter().any(|x| x == forbidden),
                "{forbidden} on {}",
                r.resource
            );
        }
    }
    // A Member's config patch cannot delete: it counts as a write.
    let w = find(
        &a,
        "environment production (project pocketos)",
        Some("production"),
        Category::Write,
    );
    assert!(w.actions.iter().any(|x| x == "environmentPatchCommit"));
    assert!(w.evidence.contains("role MEMBER"), "{}", w.evidence);
}

#[test]
fn unknown_mutation_is_a_finding_not_a_reach() {
    let mut t = load("railway-pocketos.json");
    t.mutations
        .as_mut()
        .unwrap()
        .push("volumeObliterate".into());
    let a = assess(&t);
    let f = a
        .findings
        .iter()
        .find(|f| f.id == "railway.unknown-mutation")
        .expect("finding");
    assert!(f.message.contains("volumeObliterate"));
    assert!(a
        .reach
        .iter()
        .all(|r| !r.actions.iter().any(|x| x == "volumeObliterate")));
}

#[test]
fn mutation_missing_from_live_list_is_not_reachable() {
    let mut t = load("railway-pocketos.json");
    t.mutations
        .as_mut()
        .unwrap()
        .retain(|m| m != "volumeDelete");
    let a = assess(&t);
    assert!(a
        .reach
        .iter()
        .all(|r| !r.actions.iter().any(|x| x == "volumeDelete")));
    // The volume is still destroyable by the rest.
    find(
        &a,
        "volume pg-data (project pocketos)",
        Some("production"),
        Category::Destroy,
    );
}

#[test]
fn unreadable_mutation_list_assumes_the_table() {
    let mut t = load("railway-pocketos.json");
    t.mutations = None;
    let a = assess(&t);
    assert!(a
        .findings
        .iter()
        .any(|f| f.id == "railway.mutations-unreadable"));
    let vol = find(
        &a,
        "volume pg-data (project pocketos)",
        Some("production"),
        Category::Destroy,
    );
    assert!(vol.actions.iter().any(|x| x == "volumeDelete"));
    assert_eq!(vol.certainty, Certainty::Inferred);
}

#[test]
fn unknown_role_is_inferred_never_silently_allowed() {
    let mut t = load("railway-pocketos.json");
    t.workspaces[0].members = None;
    t.workspaces[0].projects[0].members = None;
    let a = assess(&t);
    let vol = find(
        &a,
        "volume pg-data (project pocketos)",
        Some("production"),
        Category::Destroy,
    );
    assert_eq!(vol.certainty, Certainty::Inferred);
    assert!(vol.evidence.contains("role unknown"), "{}", vol.evidence);
    assert!(a.findings.iter().any(|f| f.id == "railway.role-unknown"));
}

#[test]
fn errors_make_it_partial() {
    let mut t = load("railway-pocketos.json");
    t.errors.push(blastradius_railway::export::CollectError {
        query: "volumeInstanceBackupList".into(),
        object: Some("volume instance 0a1b".into()),
        message: "rate limited (429)".into(),
    });
    let a = assess(&t);
    assert!(a.partial);
    let f = a
        .findings
        .iter()
        .find(|f| f.id == "railway.partial")
        .expect("partial finding");
    assert!(f.message.contains("volumeInstanceBackupList") && f.message.contains("429"));
}
