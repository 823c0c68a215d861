//! A fake Railway GraphQL API on wiremock. It holds a small world (users,
//! workspaces, projects, environments, volume instances, backups), answers
//! the collector's operations in the shapes of Railway's public schema,
//! enforces each token type's scope the way Railway does ("Not Authorized"
//! as HTTP 200 GraphQL errors, "project token not found" for unknown
//! project tokens), paginates Relay connections, and can rate-limit or
//! answer garbage. Every request it received can be checked for
//! read-only-ness with [`assert_read_only`].

#![allow(dead_code)]

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use graphql_parser::query::{
    parse_query, Definition, OperationDefinition, Selection, SelectionSet,
};
use serde_json::{json, Value};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

pub const GRAPHQL_PATH: &str = "/graphql/v2";

#[derive(Clone, Debug)]
pub enum Token {
    Account {
        user: String,
    },
    Workspace {
        workspace: String,
    },
    Project {
        project: String,
        environment: String,
    },
    Oauth {
        user: String,
        projects: Vec<String>,
    },
}

#[derive(Clone, Debug, Default)]
pub struct VolumeInstance {
    pub id: String,
    pub volume_id: String,
    pub volume_name: String,
    pub service_id: Option<String>,
    pub pending_deletion: bool,
    pub backups: Vec<String>,
    pub schedules: Vec<&'static str>,
}

#[derive(Clone, Debug, Default)]
pub struct Env {
    pub id: String,
    pub name: String,
    pub service_ids: Vec<String>,
    pub volume_instances: Vec<VolumeInstance>,
    /// (name, service id, sealed). The fake holds no values at all.
    pub variables: Vec<(String, Option<String>, bool)>,
}

#[derive(Clone, Debug, Default)]
pub struct Project {
    pub id: String,
    pub name: String,
    pub workspace: String,
    pub members: Vec<(String, &'static str)>,
    pub environments: Vec<Env>,
    pub services: Vec<(String, String)>,
    pub volumes: Vec<(String, String)>,
    pub buckets: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default)]
pub struct Workspace {
    pub id: String,
    pub name: String,
    pub members: Vec<(String, &'static str)>,
}

#[derive(Clone, Debug, Default)]
pub struct World {
    pub users: Vec<(String, String, String)>,
    pub tokens: HashMap<String, Token>,
    pub workspaces: Vec<Workspace>,
    pub projects: Vec<Project>,
    /// Largest page the server gives, whatever `first` asks.
    pub page_cap: usize,
    /// Object ids (project, environment, volume instance, workspace) that
    /// answer "Not Authorized" to every token.
    pub denied: HashSet<String>,
    /// The next N requests get HTTP 429 with `Retry-After: retry_after`.
    pub rate_limit_next: u32,
    pub retry_after: &'static str,
    /// Answer every request with a body that is not JSON.
    pub malformed: bool,
    /// Answer this one operation with JSON of the wrong shape.
    pub wrong_shape: Option<&'static str>,
    pub mutations: Vec<&'static str>,
}

pub const ACCOUNT: &str = "4f0c7a52-1b1e-4c39-9d0e-2a8f0b6a1c01";
pub const WORKSPACE: &str = "7d2e9b14-5c6a-4e8f-a1b3-3c4d5e6f7a02";
pub const PROJECT: &str = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c03";
pub const OAUTH: &str = "0b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d04";
pub const UNKNOWN: &str = "ffffffff-0000-4000-8000-000000000005";

impl World {
    /// PocketOS: one workspace, the `pocketos` project (production and
    /// staging, a Postgres volume per environment with backups) and a
    /// `marketing` project; one token of each type.
    pub fn pocketos() -> World {
        let mut w = World {
            page_cap: 100,
            retry_after: "1",
            mutations: vec![
                "volumeDelete",
                "projectDelete",
                "variableUpsert",
                "apiTokenCreate",
            ],
            ..World::default()
        };
        w.users
            .push(("user-1".into(), "Jer".into(), "jer@pocketos.test".into()));
        w.workspaces.push(Workspace {
            id: "ws-1".into(),
            name: "PocketOS".into(),
            members: vec![("user-1".into(), "ADMIN"), ("user-2".into(), "MEMBER")],
        });
        let env = |id: &str, name: &str, vi: &str| Env {
            id: id.into(),
            name: name.into(),
            service_ids: vec!["svc-api".into(), "svc-pg".into()],
            volume_instances: vec![VolumeInstance {
                id: vi.into(),
                volume_id: "vol-pg".into(),
                volume_name: "pg-data".into(),
                service_id: Some("svc-pg".into()),
                pending_deletion: false,
                backups: vec![format!("{vi}-b1"), format!("{vi}-b2")],
                schedules: vec!["DAILY", "WEEKLY"],
            }],
            variables: vec![
                ("DATABASE_URL".into(), Some("svc-api".into()), false),
                ("POSTGRES_PASSWORD".into(), Some("svc-pg".into()), true),
            ],
        };
        w.projects.push(Project {
            id: "prj-pocketos".into(),
            name: "pocketos".into(),
            workspace: "ws-1".into(),
            members: vec![("user-1".into(), "ADMIN")],
            environments: vec![
                env("env-prod", "production", "vi-prod"),
                env("env-stg", "staging", "vi-stg"),
            ],
            services: vec![
                ("svc-api".into(), "api".into()),
                ("svc-pg".into(), "postgres".into()),
            ],
            volumes: vec![("vol-pg".into(), "pg-data".into())],
            buckets: vec![("bkt-wal".into(), "pg-wal".into())],
        });
        w.projects.push(Project {
            id: "prj-mkt".into(),
            name: "marketing".into(),
            workspace: "ws-1".into(),
            members: vec![("user-1".into(), "MEMBER")],
            environments: vec![Env {
                id: "env-mkt".into(),
                name: "production".into(),
                ..Env::default()
            }],
            ..Project::default()
        });
        w.tokens.insert(
            ACCOUNT.into(),
            Token::Account {
                user: "user-1".into(),
            },
        );
        w.tokens.insert(
            WORKSPACE.into(),
            Token::Workspace {
                workspace: "ws-1".into(),
            },
        );
        w.tokens.insert(
            PROJECT.into(),
            Token::Project {
                project: "prj-pocketos".into(),
                environment: "env-prod".into(),
            },
        );
        w.tokens.insert(
            OAUTH.into(),
            Token::Oauth {
                user: "user-1".into(),
                projects: vec!["prj-mkt".into()],
            },
        );
        w
    }

    /// One workspace of `projects` projects, each with `envs` environments
    /// holding one volume instance each.
    pub fn big(projects: usize, envs: usize) -> World {
        let mut w = World::pocketos();
        w.projects.clear();
        for p in 0..projects {
            let environments = (0..envs)
                .map(|e| Env {
                    id: format!("env-{p}-{e}"),
                    name: format!("env{e}"),
                    service_ids: vec![format!("svc-{p}")],
                    volume_instances: vec![VolumeInstance {
                        id: format!("vi-{p}-{e}"),
                        volume_id: format!("vol-{p}"),
                        volume_name: format!("data-{p}"),
                        service_id: Some(format!("svc-{p}")),
                        backups: vec![format!("b-{p}-{e}")],
                        schedules: vec!["DAILY"],
                        ..VolumeInstance::default()
                    }],
                    variables: vec![("DATABASE_URL".into(), Some(format!("svc-{p}")), false)],
                })
                .collect();
            w.projects.push(Project {
                id: format!("prj-{p}"),
                name: format!("project-{p}"),
                workspace: "ws-1".into(),
                members: vec![("user-1".into(), "ADMIN")],
                environments,
                services: vec![(format!("svc-{p}"), "app".into())],
                volumes: vec![(format!("vol-{p}"), format!("data-{p}"))],
                buckets: Vec::new(),
            });
        }
        w
    }
}

/// The running fake.
pub struct FakeRailway {
    pub server: MockServer,
    pub world: Arc<Mutex<World>>,
}

impl FakeRailway {
    pub async fn start(world: World) -> FakeRailway {
        let server = MockServer::start().await;
        let world = Arc::new(Mutex::new(world));
        Mock::given(method("POST"))
            .and(path(GRAPHQL_PATH))
            .respond_with(Responder {
                world: world.clone(),
            })
            .mount(&server)
            .await;
        FakeRailway { server, world }
    }

    pub fn url(&self) -> String {
        format!("{}{GRAPHQL_PATH}", self.server.uri())
    }

    pub async fn received(&self) -> Vec<Request> {
        self.server.received_requests().await.unwrap_or_default()
    }

    /// Fails the test if any request was not a read-only query of names.
    pub async fn assert_read_only(&self) {
        let requests = self.received().await;
        assert!(!requests.is_empty(), "no request reached the fake");
        for request in requests {
            assert_eq!(request.method.as_str(), "POST");
            let body: Value = serde_json::from_slice(&request.body).expect("request body is JSON");
            let query = body["query"].as_str().expect("request has a query string");
            if let Err(why) = read_only_violation(query) {
                panic!("a request broke the read-only guarantee ({why}): {query}");
            }
        }
    }

    pub async fn operations(&self) -> Vec<String> {
        self.received()
            .await
            .iter()
            .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
            .map(|b| b["operationName"].as_str().unwrap_or("?").to_string())
            .collect()
    }
}

/// An independent check of a received document (it does not reuse the
/// crate's guard): `Err` names the first violation.
pub fn read_only_violation(document: &str) -> Result<(), String> {
    let doc = parse_query::<String>(document).map_err(|e| format!("unparsable: {e}"))?;
    for def in &doc.definitions {
        match def {
            Definition::Operation(OperationDefinition::Query(q)) => walk(&q.selection_set, true)?,
            Definition::Operation(OperationDefinition::SelectionSet(s)) => walk(s, true)?,
            Definition::Operation(OperationDefinition::Mutation(_)) => {
                return Err("mutation".into())
            }
            Definition::Operation(OperationDefinition::Subscription(_)) => {
                return Err("subscription".into())
            }
            Definition::Fragment(f) => walk(&f.selection_set, false)?,
        }
    }
    Ok(())
}

fn walk(set: &SelectionSet<String>, root: bool) -> Result<(), String> {
    for item in &set.items {
        match item {
            Selection::Field(f) => {
                let name = f.name.as_str();
                if [
                    "variablesForServiceDeployment",
                    "bucketS3Credentials",
                    "config",
                    "decryptVariables",
                ]
                .contains(&name)
                    || f.arguments.iter().any(|(a, _)| a == "decryptVariables")
                {
                    return Err(format!("forbidden field {name}"));
                }
                if name == "variables" {
                    if root {
                        return Err("top-level variables".into());
                    }
                    // Only edges { node { name serviceId isSealed } } and pageInfo.
                    for part in &f.selection_set.items {
                        let Selection::Field(part) = part else {
                            return Err("variables: fragment".into());
                        };
                        match part.name.as_str() {
                            "pageInfo" => {}
                            "edges" => {
                                for e in &part.selection_set.items {
                                    let Selection::Field(node) = e else {
                                        return Err("edges: fragment".into());
                                    };
                                    if node.name != "node" {
                                        continue;
                                    }
                                    for n in &node.selection_set.items {
                                        let Selection::Field(n) = n else {
                                            return Err("node: fragment".into());
                                        };
                                        if !["name", "serviceId", "isSealed", "id"]
                                            .contains(&n.name.as_str())
                                        {
                                            return Err(format!(
                                                "variables node selects {}",
                                                n.name
                                            ));
                                        }
                                    }
                                }
                            }
                            other => return Err(format!("variables selects {other}")),
                        }
                    }
                    if f.selection_set.items.is_empty() {
                        return Err("variables scalar".into());
                    }
                }
                walk(&f.selection_set, false)?;
            }
            Selection::InlineFragment(i) => walk(&i.selection_set, root)?,
            Selection::FragmentSpread(_) => {}
        }
    }
    Ok(())
}

struct Responder {
    world: Arc<Mutex<World>>,
}

fn not_authorized(path: &str) -> ResponseTemplate {
    gql_error("Not Authorized", path)
}

fn gql_error(message: &str, path: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "data": null,
        "errors": [{
            "message": message,
            "locations": [{"line": 2, "column": 3}],
            "path": [path],
            "extensions": {"code": "INTERNAL_SERVER_ERROR"}
        }]
    }))
}

fn data(value: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "data": value }))
}

/// A Relay connection page of `items` from `after` (cursor = index).
fn page(items: Vec<Value>, first: Option<u64>, after: Option<&str>, cap: usize) -> Value {
    let start = after
        .and_then(|a| a.strip_prefix("c"))
        .and_then(|n| n.parse::<usize>().ok())
        .map(|n| n + 1)
        .unwrap_or(0);
    let size = first.map(|f| f as usize).unwrap_or(cap).min(cap);
    let end = (start + size).min(items.len());
    let slice = if start < items.len() {
        &items[start..end]
    } else {
        &[][..]
    };
    let edges: Vec<Value> = slice
        .iter()
        .enumerate()
        .map(|(i, node)| json!({"cursor": format!("c{}", start + i), "node": node}))
        .collect();
    let end_cursor = if slice.is_empty() {
        after.map(|a| a.to_string())
    } else {
        Some(format!("c{}", end - 1))
    };
    json!({
        "edges": edges,
        "pageInfo": {"hasNextPage": end < items.len(), "hasPreviousPage": start > 0,
                      "startCursor": null, "endCursor": end_cursor}
    })
}

impl Respond for Responder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut world = self.world.lock().expect("fake world lock");
        if world.rate_limit_next > 0 {
            world.rate_limit_next -= 1;
            return ResponseTemplate::new(429)
                .insert_header("Retry-After", world.retry_after)
                .set_body_string("rate limited");
        }
        if world.malformed {
            return ResponseTemplate::new(200).set_body_string("<html>502 Bad Gateway</html>{");
        }
        let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
            return ResponseTemplate::new(400).set_body_string("bad body");
        };
        let op = body["operationName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if world.wrong_shape == Some(op.as_str()) {
            return data(json!({"project": {"id": 5, "environments": "many"}}));
        }
        let vars = body["variables"].clone();
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.to_string())
        };
        let bearer =
            header("authorization").and_then(|h| h.strip_prefix("Bearer ").map(|s| s.to_string()));
        let pat = header("project-access-token");
        let caller: Option<Token> = match (&bearer, &pat) {
            (Some(t), None) => match world.tokens.get(t) {
                Some(Token::Project { .. }) | None => None,
                Some(t) => Some(t.clone()),
            },
            (None, Some(t)) => match world.tokens.get(t) {
                Some(t @ Token::Project { .. }) => Some(t.clone()),
                _ => return gql_error("project token not found", "projectToken"),
            },
            _ => None,
        };
        world.answer(&op, &vars, caller)
    }
}

impl World {
    fn user_workspaces(&self, user: &str) -> Vec<&Workspace> {
        self.workspaces
            .iter()
            .filter(|w| w.members.iter().any(|(u, _)| u == user))
            .collect()
    }

    fn project(&self, id: &str) -> Option<&Project> {
        self.projects.iter().find(|p| p.id == id)
    }

    fn can_workspace(&self, caller: &Token, ws: &str) -> bool {
        !self.denied.contains(ws)
            && match caller {
                Token::Account { user } => self.user_workspaces(user).iter().any(|w| w.id == ws),
                Token::Workspace { workspace } => workspace == ws,
                Token::Oauth { user, .. } => self.user_workspaces(user).iter().any(|w| w.id == ws),
                Token::Project { .. } => false,
            }
    }

    fn can_project(&self, caller: &Token, id: &str) -> bool {
        let Some(p) = self.project(id) else {
            return false;
        };
        !self.denied.contains(id)
            && match caller {
                Token::Project { project, .. } => project == id,
                Token::Oauth { projects, .. } => projects.iter().any(|x| x == id),
                _ => self.can_workspace(caller, &p.workspace),
            }
    }

    fn can_env(&self, caller: &Token, project: &str, env: &str) -> bool {
        self.can_project(caller, project)
            && !self.denied.contains(env)
            && match caller {
                Token::Project { environment, .. } => environment == env,
                _ => true,
            }
    }

    fn env_json(&self, env: &Env, vars: &Value, prefix: &str) -> Value {
        let cap = self.page_cap;
        let after = |k: &str| vars[format!("{prefix}{k}")].as_str().map(|s| s.to_string());
        let sis: Vec<Value> = env
            .service_ids
            .iter()
            .map(|s| json!({"serviceId": s}))
            .collect();
        let vis: Vec<Value> = env
            .volume_instances
            .iter()
            .map(|vi| {
                json!({"id": vi.id, "volumeId": vi.volume_id,
                       "volume": {"id": vi.volume_id, "name": vi.volume_name},
                       "serviceId": vi.service_id, "mountPath": "/var/lib/postgresql/data",
                       "state": if vi.pending_deletion { "DELETING" } else { "READY" },
                       "isPendingDeletion": vi.pending_deletion,
                       "deletedAt": null})
            })
            .collect();
        let variables: Vec<Value> = env
            .variables
            .iter()
            .map(|(n, s, sealed)| json!({"name": n, "serviceId": s, "isSealed": sealed}))
            .collect();
        json!({
            "id": env.id, "name": env.name,
            "serviceInstances": page(sis, Some(100), after("siAfter").as_deref(), cap),
            "volumeInstances": page(vis, Some(100), after("viAfter").as_deref(), cap),
            "variables": page(variables, Some(100), after("varAfter").as_deref(), cap),
        })
    }

    fn id_names(items: &[(String, String)]) -> Vec<Value> {
        items
            .iter()
            .map(|(id, name)| json!({"id": id, "name": name}))
            .collect()
    }

    fn answer(&self, op: &str, vars: &Value, caller: Option<Token>) -> ResponseTemplate {
        let cap = self.page_cap;
        let Some(caller) = caller else {
            return not_authorized(op);
        };
        let s = |k: &str| vars[k].as_str().unwrap_or_default().to_string();
        match op {
            "ProbeApiToken" => {
                let list: Vec<&Workspace> = match &caller {
                    Token::Account { user } => self.user_workspaces(user),
                    Token::Workspace { workspace } => self
                        .workspaces
                        .iter()
                        .filter(|w| &w.id == workspace)
                        .collect(),
                    _ => return not_authorized("apiToken"),
                };
                let ws: Vec<Value> = list
                    .iter()
                    .map(|w| json!({"id": w.id, "name": w.name}))
                    .collect();
                data(json!({"apiToken": {"workspaces": ws}}))
            }
            "ProbeMe" => match &caller {
                Token::Account { user } | Token::Oauth { user, .. } => {
                    let Some((id, name, email)) = self.users.iter().find(|u| &u.0 == user) else {
                        return not_authorized("me");
                    };
                    let ws: Vec<Value> = self
                        .user_workspaces(user)
                        .iter()
                        .map(|w| json!({"id": w.id, "name": w.name}))
                        .collect();
                    data(json!({"me": {"id": id, "name": name, "email": email, "workspaces": ws}}))
                }
                _ => not_authorized("me"),
            },
            "ProbeProjectToken" => match &caller {
                Token::Project {
                    project,
                    environment,
                } => {
                    let Some(p) = self.project(project) else {
                        return not_authorized("projectToken");
                    };
                    let env_name = p
                        .environments
                        .iter()
                        .find(|e| &e.id == environment)
                        .map(|e| e.name.clone())
                        .unwrap_or_default();
                    data(json!({"projectToken": {
                        "projectId": project, "environmentId": environment,
                        "project": {"id": p.id, "name": p.name, "workspaceId": p.workspace},
                        "environment": {"id": environment, "name": env_name}}}))
                }
                _ => not_authorized("projectToken"),
            },
            "MutationNames" => {
                let fields: Vec<Value> =
                    self.mutations.iter().map(|m| json!({"name": m})).collect();
                data(json!({"__type": {"fields": fields}}))
            }
            "ExternalWorkspaces" => {
                match &caller {
                    Token::Oauth { projects, .. } => {
                        let mut out = Vec::new();
                        for w in &self.workspaces {
                            let ps: Vec<Value> = self
                            .projects
                            .iter()
                            .filter(|p| p.workspace == w.id && projects.contains(&p.id))
                            .map(|p| json!({"id": p.id, "name": p.name, "workspaceId": p.workspace}))
                            .collect();
                            if !ps.is_empty() {
                                out.push(json!({"id": w.id, "name": w.name, "projects": ps}));
                            }
                        }
                        data(json!({"externalWorkspaces": out}))
                    }
                    _ => not_authorized("externalWorkspaces"),
                }
            }
            "WorkspaceMembers" => {
                let id = s("workspaceId");
                let Some(w) = self.workspaces.iter().find(|w| w.id == id) else {
                    return not_authorized("workspace");
                };
                if !self.can_workspace(&caller, &id) {
                    return not_authorized("workspace");
                }
                let members: Vec<Value> = w
                    .members
                    .iter()
                    .map(|(u, r)| json!({"id": u, "role": r}))
                    .collect();
                data(json!({"workspace": {"id": w.id, "name": w.name, "members": members}}))
            }
            "WorkspaceProjects" => {
                let id = s("workspaceId");
                if !self.can_workspace(&caller, &id) {
                    return not_authorized("projects");
                }
                let items: Vec<Value> = self
                    .projects
                    .iter()
                    .filter(|p| p.workspace == id)
                    .map(|p| json!({"id": p.id, "name": p.name, "workspaceId": p.workspace}))
                    .collect();
                data(
                    json!({"projects": page(items, vars["first"].as_u64(), vars["after"].as_str(), cap)}),
                )
            }
            "ProjectDetail" => {
                let id = s("id");
                let Some(p) = self.project(&id) else {
                    return not_authorized("project");
                };
                // One unreadable nested object nulls the whole answer.
                let all_envs = p
                    .environments
                    .iter()
                    .all(|e| self.can_env(&caller, &id, &e.id));
                let members_ok = !matches!(caller, Token::Project { .. });
                if !self.can_project(&caller, &id) || !all_envs || !members_ok {
                    return not_authorized("project");
                }
                let envs: Vec<Value> = p
                    .environments
                    .iter()
                    .map(|e| self.env_json(e, &json!({}), ""))
                    .collect();
                data(json!({"project": {
                    "id": p.id, "name": p.name, "workspaceId": p.workspace,
                    "members": p.members.iter().map(|(u, r)| json!({"id": u, "role": r})).collect::<Vec<_>>(),
                    "environments": page(envs, Some(100), None, cap),
                    "services": page(Self::id_names(&p.services), Some(100), None, cap),
                    "volumes": page(Self::id_names(&p.volumes), Some(100), None, cap),
                    "buckets": page(Self::id_names(&p.buckets), Some(100), None, cap),
                }}))
            }
            "ProjectPage" => {
                let id = s("id");
                let Some(p) = self.project(&id) else {
                    return not_authorized("project");
                };
                if !self.can_project(&caller, &id) {
                    return not_authorized("project");
                }
                let envs: Vec<Value> = p
                    .environments
                    .iter()
                    .map(|e| json!({"id": e.id, "name": e.name}))
                    .collect();
                let a = |k: &str| vars[k].as_str();
                data(json!({"project": {
                    "id": p.id, "name": p.name, "workspaceId": p.workspace,
                    "environments": page(envs, Some(100), a("envAfter"), cap),
                    "services": page(Self::id_names(&p.services), Some(100), a("svcAfter"), cap),
                    "volumes": page(Self::id_names(&p.volumes), Some(100), a("volAfter"), cap),
                    "buckets": page(Self::id_names(&p.buckets), Some(100), a("bktAfter"), cap),
                }}))
            }
            "ProjectMembers" => {
                let id = s("id");
                let Some(p) = self.project(&id) else {
                    return not_authorized("project");
                };
                if !self.can_project(&caller, &id) || matches!(caller, Token::Project { .. }) {
                    return not_authorized("project");
                }
                let members: Vec<Value> = p
                    .members
                    .iter()
                    .map(|(u, r)| json!({"id": u, "role": r}))
                    .collect();
                data(json!({"project": {"members": members}}))
            }
            "EnvironmentDetail" => {
                let id = s("id");
                let found = self
                    .projects
                    .iter()
                    .find_map(|p| p.environments.iter().find(|e| e.id == id).map(|e| (p, e)));
                let Some((p, env)) = found else {
                    return not_authorized("environment");
                };
                if !self.can_env(&caller, &p.id, &id) {
                    return not_authorized("environment");
                }
                data(json!({"environment": self.env_json(env, vars, "")}))
            }
            "VolumeBackups" => {
                let id = s("volumeInstanceId");
                let found = self.projects.iter().find_map(|p| {
                    p.environments.iter().find_map(|e| {
                        e.volume_instances
                            .iter()
                            .find(|v| v.id == id)
                            .map(|v| (p, e, v))
                    })
                });
                let Some((p, e, vi)) = found else {
                    return not_authorized("volumeInstanceBackupList");
                };
                if !self.can_env(&caller, &p.id, &e.id) || self.denied.contains(&vi.id) {
                    return not_authorized("volumeInstanceBackupList");
                }
                let backups: Vec<Value> = vi
                    .backups
                    .iter()
                    .map(|b| json!({"id": b, "name": b, "createdAt": "2026-04-20T10:00:00.000Z", "expiresAt": null}))
                    .collect();
                let schedules: Vec<Value> = vi
                    .schedules
                    .iter()
                    .enumerate()
                    .map(|(i, k)| json!({"id": format!("{id}-s{i}"), "kind": k}))
                    .collect();
                data(
                    json!({"volumeInstanceBackupList": backups, "volumeInstanceBackupScheduleList": schedules}),
                )
            }
            other => gql_error(&format!("Cannot query operation {other}"), "unknown"),
        }
    }
}
