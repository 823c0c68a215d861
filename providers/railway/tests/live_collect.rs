//! The live collector against a fake Railway API (tests/support): token
//! types, pagination, rate limits, out-of-scope objects, broken endpoints,
//! the request budget. Every scenario ends by checking that each request
//! the fake received was a read-only query of names.
#![cfg(feature = "live")]

mod support;

use std::sync::Mutex;
use std::time::Duration;

use blastradius_railway::export::{ProbeOutcome, Role, TokenType};
use blastradius_railway::live::{collect, CollectConfig, TokenHint};
use blastradius_railway::TokenExport;
use blastradius_report::Secret;
use support::*;

fn config(url: String) -> CollectConfig {
    CollectConfig {
        api_url: url,
        max_requests: 300,
        max_retries: 3,
        max_retry_wait: Duration::from_millis(20),
        timeout: Duration::from_secs(5),
    }
}

async fn run(fake: &FakeRailway, token: &str, hint: TokenHint) -> (TokenExport, Vec<String>) {
    run_with(&config(fake.url()), token, hint).await
}

async fn run_with(
    config: &CollectConfig,
    token: &str,
    hint: TokenHint,
) -> (TokenExport, Vec<String>) {
    let messages = Mutex::new(Vec::new());
    let progress = |m: &str| messages.lock().unwrap().push(m.to_string());
    let export = collect(
        config,
        &Secret::new(token),
        "env TEST_TOKEN",
        hint,
        &progress,
    )
    .await;
    (export, messages.into_inner().unwrap())
}

fn outcomes(export: &TokenExport) -> Vec<(String, ProbeOutcome)> {
    export
        .probes
        .iter()
        .map(|p| (p.query.clone(), p.outcome))
        .collect()
}

#[tokio::test]
async fn account_token_reads_everything_it_reaches() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let (export, messages) = run(&fake, ACCOUNT, TokenHint::Api).await;

    assert_eq!(export.token_type, TokenType::Account);
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    assert_eq!(
        outcomes(&export),
        vec![
            (
                "apiToken (Authorization: Bearer)".to_string(),
                ProbeOutcome::Ok
            ),
            ("me (Authorization: Bearer)".to_string(), ProbeOutcome::Ok),
        ]
    );
    assert_eq!(export.fingerprint, Secret::new(ACCOUNT).fingerprint());
    assert!(!export.redacted.contains(&ACCOUNT[..20]));
    assert_eq!(export.source, "env TEST_TOKEN");
    assert_eq!(export.user.as_ref().map(|u| u.id.as_str()), Some("user-1"));
    assert_eq!(
        export.mutations.as_deref().unwrap(),
        [
            "apiTokenCreate",
            "projectDelete",
            "variableUpsert",
            "volumeDelete"
        ]
    );

    assert_eq!(export.workspaces.len(), 1);
    let ws = &export.workspaces[0];
    assert_eq!(ws.name, "PocketOS");
    let members = ws.members.as_ref().unwrap();
    assert_eq!(members.len(), 2);
    assert_eq!(members[0].role, Role::Admin);
    assert_eq!(ws.projects.len(), 2);

    let pocketos = &ws.projects[0];
    assert_eq!(pocketos.name, "pocketos");
    assert_eq!(pocketos.workspace_id.as_deref(), Some("ws-1"));
    assert_eq!(pocketos.members.as_ref().unwrap()[0].role, Role::Admin);
    assert_eq!(pocketos.services.len(), 2);
    assert_eq!(pocketos.volumes[0].name, "pg-data");
    assert_eq!(pocketos.buckets[0].name, "pg-wal");
    assert_eq!(pocketos.environments.len(), 2);
    let prod = &pocketos.environments[0];
    assert_eq!(prod.name, "production");
    assert_eq!(prod.service_ids, ["svc-api", "svc-pg"]);
    let vars = prod.variables.as_ref().unwrap();
    assert_eq!(vars[0].name, "DATABASE_URL");
    assert!(vars[1].is_sealed);
    let vi = &prod.volume_instances[0];
    assert_eq!(
        (vi.volume_name.as_str(), vi.state.as_deref()),
        ("pg-data", Some("READY"))
    );
    assert!(!vi.is_pending_deletion);
    assert_eq!(vi.backups.as_ref().unwrap().len(), 2);
    assert_eq!(vi.backup_schedules.as_deref().unwrap(), ["DAILY", "WEEKLY"]);

    // 2 probes + mutations + workspace + 1 project page + 2 projects
    // + 2 volume instances (marketing has none).
    assert_eq!(export.requests, 9);
    assert_eq!(fake.received().await.len(), 9);
    assert!(
        messages
            .iter()
            .any(|m| m == "project pocketos: 2 environments"),
        "{messages:?}"
    );
    fake.assert_read_only().await;
}

#[tokio::test]
async fn workspace_token_cannot_read_me() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let (export, _) = run(&fake, WORKSPACE, TokenHint::Any).await;
    assert_eq!(export.token_type, TokenType::Workspace);
    assert_eq!(
        outcomes(&export).iter().map(|p| p.1).collect::<Vec<_>>(),
        [ProbeOutcome::Ok, ProbeOutcome::NotAuthorized]
    );
    assert!(export.user.is_none());
    assert_eq!(export.workspaces.len(), 1);
    assert_eq!(export.workspaces[0].projects.len(), 2);
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    fake.assert_read_only().await;
}

#[tokio::test]
async fn project_token_reaches_one_environment_and_siblings_are_marked() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let (export, _) = run(&fake, PROJECT, TokenHint::Any).await;

    assert_eq!(export.token_type, TokenType::Project);
    // Bearer is refused, then the Project-Access-Token header works.
    assert_eq!(
        outcomes(&export),
        vec![
            (
                "apiToken (Authorization: Bearer)".to_string(),
                ProbeOutcome::NotAuthorized
            ),
            (
                "me (Authorization: Bearer)".to_string(),
                ProbeOutcome::NotAuthorized
            ),
            (
                "projectToken (Project-Access-Token)".to_string(),
                ProbeOutcome::Ok
            ),
        ]
    );
    let scope = export.project_token.as_ref().unwrap();
    assert_eq!(
        (scope.project_id.as_str(), scope.environment_id.as_str()),
        ("prj-pocketos", "env-prod")
    );
    assert_eq!(scope.environment_name.as_deref(), Some("production"));
    assert!(export.workspaces.is_empty());
    assert_eq!(export.projects.len(), 1);
    let project = &export.projects[0];
    assert_eq!(project.workspace_id.as_deref(), Some("ws-1"));
    assert!(project.members.is_none(), "members are not readable");
    assert_eq!(project.services.len(), 2);
    let prod = project
        .environments
        .iter()
        .find(|e| e.id == "env-prod")
        .unwrap();
    assert_eq!(prod.variables.as_ref().unwrap().len(), 2);
    assert_eq!(prod.volume_instances[0].backups.as_ref().unwrap().len(), 2);
    let staging = project
        .environments
        .iter()
        .find(|e| e.id == "env-stg")
        .unwrap();
    assert!(staging.variables.is_none());
    assert!(staging.volume_instances.is_empty());
    // The refusals are recorded: the export is partial, and says where.
    assert!(export.errors.iter().any(|e| e.object.as_deref()
        == Some("environment staging (env-stg)")
        && e.message == "Not Authorized"));
    assert!(export.errors.iter().any(|e| e.query == "project.members"));
    assert!(export.mutations.is_some());
    fake.assert_read_only().await;

    // Read as RAILWAY_TOKEN, the project header goes first: one probe.
    let fake = FakeRailway::start(World::pocketos()).await;
    let (export, _) = run(&fake, PROJECT, TokenHint::Project).await;
    assert_eq!(export.token_type, TokenType::Project);
    assert_eq!(export.probes.len(), 1);
    let sent = fake.received().await;
    assert!(sent
        .iter()
        .all(|r| r.headers.get("authorization").is_none()));
    assert!(sent
        .iter()
        .all(|r| r.headers.get("project-access-token").is_some()));
    fake.assert_read_only().await;
}

#[tokio::test]
async fn oauth_token_reads_the_consented_projects() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let (export, _) = run(&fake, OAUTH, TokenHint::Any).await;
    assert_eq!(export.token_type, TokenType::Oauth);
    assert_eq!(
        export.user.as_ref().unwrap().email.as_deref(),
        Some("jer@pocketos.test")
    );
    assert!(export
        .probes
        .iter()
        .any(|p| p.query.starts_with("externalWorkspaces") && p.outcome == ProbeOutcome::Ok));
    assert_eq!(export.workspaces.len(), 1);
    let names: Vec<&str> = export.workspaces[0]
        .projects
        .iter()
        .map(|p| p.name.as_str())
        .collect();
    assert_eq!(names, ["marketing"]);
    fake.assert_read_only().await;
}

#[tokio::test]
async fn invalid_token_fails_every_probe() {
    let fake = FakeRailway::start(World::pocketos()).await;
    let (export, _) = run(&fake, UNKNOWN, TokenHint::Any).await;
    assert_eq!(export.token_type, TokenType::Invalid);
    assert_eq!(
        outcomes(&export).iter().map(|p| p.1).collect::<Vec<_>>(),
        [
            ProbeOutcome::NotAuthorized,
            ProbeOutcome::NotAuthorized,
            ProbeOutcome::Invalid
        ]
    );
    assert_eq!(
        export.probes[2].message.as_deref(),
        Some("project token not found")
    );
    assert!(export.workspaces.is_empty() && export.projects.is_empty());
    assert!(export.mutations.is_none());
    assert!(export.errors.is_empty());
    assert_eq!(export.requests, 3);
    fake.assert_read_only().await;
}

#[tokio::test]
async fn every_page_is_followed() {
    let mut world = World::pocketos();
    world.page_cap = 2;
    // 5 projects in the workspace, and a busier pocketos.
    for i in 0..3 {
        world.projects.push(support::Project {
            id: format!("prj-extra-{i}"),
            name: format!("extra-{i}"),
            workspace: "ws-1".into(),
            ..Default::default()
        });
    }
    let pocketos = &mut world.projects[0];
    pocketos
        .services
        .push(("svc-worker".into(), "worker".into()));
    pocketos.environments.push(Env {
        id: "env-pr".into(),
        name: "pr-1".into(),
        ..Env::default()
    });
    for i in 0..3 {
        pocketos.environments[0]
            .variables
            .push((format!("EXTRA_{i}"), None, false));
    }
    let fake = FakeRailway::start(world).await;
    let (export, _) = run(&fake, ACCOUNT, TokenHint::Api).await;

    assert!(export.errors.is_empty(), "{:?}", export.errors);
    let projects = &export.workspaces[0].projects;
    assert_eq!(projects.len(), 5);
    let pocketos = &projects[0];
    assert_eq!(pocketos.services.len(), 3);
    let envs: Vec<&str> = pocketos
        .environments
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert_eq!(envs, ["production", "staging", "pr-1"]);
    let prod_vars: Vec<&str> = pocketos.environments[0]
        .variables
        .as_ref()
        .unwrap()
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    assert_eq!(
        prod_vars,
        [
            "DATABASE_URL",
            "POSTGRES_PASSWORD",
            "EXTRA_0",
            "EXTRA_1",
            "EXTRA_2"
        ]
    );
    assert_eq!(pocketos.environments[2].variables.as_deref(), Some(&[][..]));
    let ops = fake.operations().await;
    assert_eq!(ops.iter().filter(|o| *o == "WorkspaceProjects").count(), 3);
    assert!(ops.iter().any(|o| o == "ProjectPage"));
    assert!(ops.iter().any(|o| o == "EnvironmentDetail"));
    fake.assert_read_only().await;
}

#[tokio::test]
async fn rate_limits_are_waited_out() {
    let mut world = World::pocketos();
    world.rate_limit_next = 2;
    world.retry_after = "30"; // capped by max_retry_wait (20 ms)
    let fake = FakeRailway::start(world).await;
    let started = std::time::Instant::now();
    let (export, _) = run(&fake, ACCOUNT, TokenHint::Api).await;
    assert!(started.elapsed() >= Duration::from_millis(40));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "Retry-After was not capped"
    );
    assert_eq!(export.token_type, TokenType::Account);
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    // The two 429s count as requests.
    assert_eq!(export.requests, 11);
    assert_eq!(fake.received().await.len(), 11);
    fake.assert_read_only().await;
}

#[tokio::test]
async fn endless_rate_limit_gives_up_after_the_retries() {
    let mut world = World::pocketos();
    world.rate_limit_next = 1000;
    world.retry_after = "0";
    let fake = FakeRailway::start(world).await;
    let mut cfg = config(fake.url());
    cfg.max_retries = 2;
    let (export, _) = run_with(&cfg, ACCOUNT, TokenHint::Api).await;
    assert_eq!(export.token_type, TokenType::Unknown);
    assert!(export
        .probes
        .iter()
        .all(|p| p.outcome == ProbeOutcome::Error));
    assert!(
        export.errors.iter().any(|e| e.message.contains("429")),
        "{:?}",
        export.errors
    );
    // 3 probes x (1 + 2 retries).
    assert_eq!(export.requests, 9);
}

#[tokio::test]
async fn out_of_scope_objects_are_recorded_and_skipped() {
    let mut world = World::pocketos();
    world.denied.insert("prj-mkt".into());
    world.denied.insert("vi-stg".into());
    let fake = FakeRailway::start(world).await;
    let (export, _) = run(&fake, ACCOUNT, TokenHint::Api).await;
    assert_eq!(export.token_type, TokenType::Account);
    let projects = &export.workspaces[0].projects;
    assert_eq!(projects.len(), 2);
    let mkt = projects.iter().find(|p| p.id == "prj-mkt").unwrap();
    assert!(mkt.environments.is_empty() && mkt.members.is_none());
    let pocketos = projects.iter().find(|p| p.id == "prj-pocketos").unwrap();
    let stg = &pocketos.environments[1].volume_instances[0];
    assert!(stg.backups.is_none() && stg.backup_schedules.is_none());
    assert!(pocketos.environments[0].volume_instances[0]
        .backups
        .is_some());
    let objects: Vec<&str> = export
        .errors
        .iter()
        .filter_map(|e| e.object.as_deref())
        .collect();
    assert!(
        objects.contains(&"project marketing (prj-mkt)"),
        "{objects:?}"
    );
    assert!(
        objects.contains(&"volume instance pg-data (vi-stg)"),
        "{objects:?}"
    );
    assert!(export.errors.iter().all(|e| e.message == "Not Authorized"));
    fake.assert_read_only().await;
}

#[tokio::test]
async fn unreachable_endpoint_is_unknown_and_names_the_url() {
    // A port that was free a moment ago: connection refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/graphql/v2");
    let (export, _) = run_with(&config(url.clone()), ACCOUNT, TokenHint::Any).await;
    assert_eq!(export.token_type, TokenType::Unknown);
    assert_eq!(export.api_url, url);
    assert_eq!(export.errors.len(), 1, "{:?}", export.errors);
    assert!(
        export.errors[0].message.contains(&url),
        "{:?}",
        export.errors
    );
    assert_eq!(
        export.requests, 1,
        "no point probing a dead endpoint further"
    );
    assert!(export.mutations.is_none());
}

#[tokio::test]
async fn malformed_answers_are_unknown_not_invalid() {
    let mut world = World::pocketos();
    world.malformed = true;
    let fake = FakeRailway::start(world).await;
    let (export, _) = run(&fake, ACCOUNT, TokenHint::Any).await;
    assert_eq!(export.token_type, TokenType::Unknown);
    assert!(export
        .probes
        .iter()
        .all(|p| p.outcome == ProbeOutcome::Error));
    assert!(!export.errors.is_empty());
    for e in &export.errors {
        assert!(
            e.message.contains("malformed answer from") && e.message.contains(&fake.url()),
            "{e:?}"
        );
    }
    fake.assert_read_only().await;
}

#[tokio::test]
async fn fifty_projects_fit_the_budget() {
    let fake = FakeRailway::start(World::big(50, 3)).await;
    let (export, _) = run(&fake, ACCOUNT, TokenHint::Api).await;
    assert!(export.errors.is_empty(), "{:?}", export.errors);
    let projects = &export.workspaces[0].projects;
    assert_eq!(projects.len(), 50);
    assert!(projects.iter().all(|p| p.environments.len() == 3));
    assert!(projects
        .iter()
        .flat_map(|p| &p.environments)
        .all(|e| e.volume_instances.len() == 1 && e.volume_instances[0].backups.is_some()));
    let received = fake.received().await.len() as u32;
    assert_eq!(export.requests, received);
    assert!(received <= 300, "{received} requests");
    // 2 probes + mutations + workspace + 1 page + 50 projects + 150 volume instances.
    assert_eq!(received, 205);
    fake.assert_read_only().await;
}

#[tokio::test]
async fn exhausted_budget_stops_with_a_partial_export() {
    let fake = FakeRailway::start(World::big(10, 1)).await;
    let mut cfg = config(fake.url());
    cfg.max_requests = 8;
    let (export, _) = run_with(&cfg, ACCOUNT, TokenHint::Api).await;
    assert_eq!(export.token_type, TokenType::Account);
    assert_eq!(export.requests, 8);
    assert_eq!(fake.received().await.len(), 8);
    let budget: Vec<_> = export
        .errors
        .iter()
        .filter(|e| e.message.contains("budget"))
        .collect();
    assert_eq!(budget.len(), 1, "{:?}", export.errors);
    assert!(export.workspaces[0].projects.len() < 10);
    fake.assert_read_only().await;
}

#[tokio::test]
async fn a_wrongly_shaped_answer_falls_back_to_smaller_queries() {
    let mut world = World::pocketos();
    world.wrong_shape = Some("ProjectDetail");
    let fake = FakeRailway::start(world).await;
    let (export, _) = run(&fake, ACCOUNT, TokenHint::Api).await;
    assert_eq!(export.token_type, TokenType::Account);
    // Recorded with where it happened...
    let shape: Vec<_> = export
        .errors
        .iter()
        .filter(|e| e.message.contains("unexpected shape"))
        .collect();
    assert_eq!(shape.len(), 2, "{:?}", export.errors);
    assert_eq!(
        shape[0].object.as_deref(),
        Some("project pocketos (prj-pocketos)")
    );
    // ...and the data still arrives piece by piece.
    let pocketos = &export.workspaces[0].projects[0];
    assert_eq!(pocketos.members.as_ref().map(|m| m.len()), Some(1));
    assert_eq!(pocketos.environments.len(), 2);
    assert_eq!(
        pocketos.environments[1].variables.as_ref().map(|v| v.len()),
        Some(2)
    );
    assert!(pocketos.environments[1].volume_instances[0]
        .backups
        .is_some());
    assert_eq!(pocketos.buckets.len(), 1);
    fake.assert_read_only().await;
}
