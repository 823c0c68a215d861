//! The collection plan: probe the token type, read the mutation names, then
//! walk workspaces -> projects -> environments -> volume instances with as
//! few requests as the nesting allows.

use std::collections::HashSet;

use blastradius_report::Secret;
use serde::Deserialize;

use super::client::{Auth, Client, RequestError};
use super::convert::{self, cursor, environment_parts, id_names, Cursor, EnvironmentPage};
use super::queries::{self, *};
use super::{CollectConfig, TokenHint};
use crate::export::{
    Backup, Bucket, CollectError, Environment, Probe, ProbeOutcome, Project, ProjectTokenScope,
    Service, TokenExport, TokenType, User, Volume, Workspace,
};

/// Projects asked per page of `projects(workspaceId:)`.
const PROJECT_PAGE: i64 = 50;

pub async fn collect(
    config: &CollectConfig,
    token: &Secret,
    source: &str,
    hint: TokenHint,
    progress: &(dyn Fn(&str) + Sync),
) -> TokenExport {
    let mut export = TokenExport {
        fingerprint: token.fingerprint(),
        redacted: token.redacted(),
        source: source.to_string(),
        api_url: config.api_url.clone(),
        token_type: TokenType::Unknown,
        probes: Vec::new(),
        user: None,
        project_token: None,
        workspaces: Vec::new(),
        projects: Vec::new(),
        mutations: None,
        errors: Vec::new(),
        requests: 0,
    };
    let client = match Client::new(config, token) {
        Ok(client) => client,
        Err(e) => {
            export.errors.push(CollectError {
                query: "client".into(),
                object: Some(config.api_url.clone()),
                message: e.to_string(),
            });
            return export;
        }
    };
    let mut collector = Collector {
        client,
        export,
        progress,
        halted: false,
    };
    collector.collect_all(hint).await;
    collector.export.requests = collector.client.sent();
    collector.export
}

struct Collector<'a> {
    client: Client<'a>,
    export: TokenExport,
    progress: &'a (dyn Fn(&str) + Sync),
    /// Set after an error no later request can overcome (budget, endpoint
    /// unreachable): the rest is skipped and the export stays partial.
    halted: bool,
}

/// What the Bearer probes read.
#[derive(Default)]
struct BearerProbes {
    api_workspaces: Option<Vec<(String, String)>>,
    me: Option<(User, Vec<(String, String)>)>,
}

#[derive(Deserialize)]
struct MutationNames {
    #[serde(rename = "__type")]
    ty: Option<MutationType>,
}

#[derive(Deserialize)]
struct MutationType {
    fields: Option<Vec<NamedField>>,
}

#[derive(Deserialize)]
struct NamedField {
    name: String,
}

impl Collector<'_> {
    fn say(&self, message: &str) {
        (self.progress)(message);
    }

    /// Records a failed call. A fatal error halts the collection and is
    /// recorded once.
    fn fail(&mut self, query: &str, object: Option<String>, error: RequestError) {
        if self.halted {
            return;
        }
        if error.is_fatal() {
            self.halted = true;
            self.say(&format!("stopped: {error}"));
        }
        tracing::debug!(query, ?object, %error, "railway: call failed");
        self.export.errors.push(CollectError {
            query: query.to_string(),
            object,
            message: error.to_string(),
        });
    }

    /// Runs a compiled query, recording its failure.
    async fn run<Q: graphql_client::GraphQLQuery>(
        &mut self,
        auth: Auth,
        variables: Q::Variables,
        query: &str,
        object: Option<String>,
    ) -> Option<Q::ResponseData>
    where
        Q::Variables: serde::Serialize,
        Q::ResponseData: serde::de::DeserializeOwned,
    {
        if self.halted {
            return None;
        }
        match self.client.query::<Q>(auth, variables).await {
            Ok(data) => Some(data),
            Err(e) => {
                self.fail(query, object, e);
                None
            }
        }
    }

    /// Records a probe; failures that say nothing about the token (network,
    /// malformed answers) also go to `errors`.
    fn probe<T>(&mut self, query: &str, auth: Auth, result: &Result<T, RequestError>) -> bool {
        let (outcome, message) = match result {
            Ok(_) => (ProbeOutcome::Ok, None),
            Err(e) if e.is_invalid_token() => (ProbeOutcome::Invalid, Some(e.to_string())),
            Err(e) if e.is_not_authorized() => (ProbeOutcome::NotAuthorized, Some(e.to_string())),
            Err(e) => (ProbeOutcome::Error, Some(e.to_string())),
        };
        self.export.probes.push(Probe {
            query: format!("{query} ({})", auth.label()),
            outcome,
            message,
        });
        outcome == ProbeOutcome::Ok
    }

    async fn collect_all(&mut self, hint: TokenHint) {
        self.say("probing the token type");
        let order = match hint {
            TokenHint::Project => [Auth::ProjectAccessToken, Auth::Bearer],
            TokenHint::Any | TokenHint::Api => [Auth::Bearer, Auth::ProjectAccessToken],
        };
        let mut bearer = BearerProbes::default();
        let mut scope = None;
        for auth in order {
            if self.halted {
                break;
            }
            match auth {
                Auth::Bearer => {
                    bearer = self.probe_bearer().await;
                    if bearer.api_workspaces.is_some() || bearer.me.is_some() {
                        break;
                    }
                }
                Auth::ProjectAccessToken => {
                    scope = self.probe_project_token().await;
                    if scope.is_some() {
                        break;
                    }
                }
            }
        }

        let token_type = match (&scope, &bearer.api_workspaces, &bearer.me) {
            (Some(_), _, _) => TokenType::Project,
            (None, Some(_), Some(_)) => TokenType::Account,
            (None, Some(_), None) => {
                // Only a refusal of `me` proves a workspace token; when `me`
                // failed for another reason (network, garbage) the wider
                // reading, account, is the worst case, and the error says so.
                let me_refused = self.export.probes.iter().any(|p| {
                    p.query.starts_with("me ")
                        && matches!(
                            p.outcome,
                            ProbeOutcome::NotAuthorized | ProbeOutcome::Invalid
                        )
                });
                if me_refused {
                    TokenType::Workspace
                } else {
                    self.export.errors.push(CollectError {
                        query: "me".into(),
                        object: Some(self.client.url().to_string()),
                        message: "`me` could not be read: account or workspace token, assumed account (the wider)".into(),
                    });
                    TokenType::Account
                }
            }
            (None, None, Some(_)) => TokenType::Oauth,
            (None, None, None) => {
                let all_refused = !self.export.probes.is_empty()
                    && self.export.probes.iter().all(|p| {
                        matches!(
                            p.outcome,
                            ProbeOutcome::NotAuthorized | ProbeOutcome::Invalid
                        )
                    });
                if all_refused {
                    TokenType::Invalid
                } else {
                    if self.export.errors.is_empty() {
                        self.export.errors.push(CollectError {
                            query: "probes".into(),
                            object: Some(self.client.url().to_string()),
                            message: "the probes could not tell the token type".into(),
                        });
                    }
                    TokenType::Unknown
                }
            }
        };
        self.export.token_type = token_type;
        self.say(&format!("token type: {}", token_type.kind()));
        let auth = if token_type == TokenType::Project {
            Auth::ProjectAccessToken
        } else {
            Auth::Bearer
        };

        match token_type {
            TokenType::Invalid | TokenType::Unknown => {}
            TokenType::Project => {
                self.mutation_names(auth).await;
                if let Some((scope, workspace_id)) = scope {
                    let project = self
                        .project(
                            auth,
                            &scope.project_id,
                            scope.project_name.as_deref(),
                            workspace_id,
                        )
                        .await;
                    self.export.project_token = Some(scope);
                    self.export.projects.push(project);
                }
            }
            TokenType::Account | TokenType::Workspace => {
                self.mutation_names(auth).await;
                if let Some((user, _)) = &bearer.me {
                    self.export.user = Some(user.clone());
                }
                let mut workspaces = bearer.api_workspaces.clone().unwrap_or_default();
                if let Some((_, mine)) = &bearer.me {
                    workspaces.extend(mine.iter().cloned());
                }
                self.workspaces(auth, dedup(workspaces)).await;
            }
            TokenType::Oauth => {
                self.mutation_names(auth).await;
                let (user, mine) = bearer.me.clone().unwrap_or_else(|| {
                    (
                        User {
                            id: String::new(),
                            name: None,
                            email: None,
                        },
                        Vec::new(),
                    )
                });
                self.export.user = Some(user);
                self.oauth_workspaces(auth, mine).await;
            }
        }
    }

    async fn probe_bearer(&mut self) -> BearerProbes {
        let mut found = BearerProbes::default();
        let result = self
            .client
            .query::<ProbeApiToken>(Auth::Bearer, probe_api_token::Variables {})
            .await;
        if self.probe("apiToken", Auth::Bearer, &result) {
            if let Ok(data) = result {
                found.api_workspaces = Some(
                    data.api_token
                        .workspaces
                        .into_iter()
                        .map(|w| (w.id, w.name))
                        .collect(),
                );
            }
        } else if let Err(e) = result {
            if !(e.is_not_authorized() || e.is_invalid_token()) {
                let fatal = e.is_fatal();
                self.fail("apiToken", Some(self.client.url().to_string()), e);
                if fatal {
                    return found;
                }
            }
        }

        let result = self
            .client
            .query::<ProbeMe>(Auth::Bearer, probe_me::Variables {})
            .await;
        if self.probe("me", Auth::Bearer, &result) {
            if let Ok(data) = result {
                let me = data.me;
                found.me = Some((
                    User {
                        id: me.id,
                        name: me.name,
                        email: Some(me.email),
                    },
                    me.workspaces.into_iter().map(|w| (w.id, w.name)).collect(),
                ));
            }
        } else if let Err(e) = result {
            if !(e.is_not_authorized() || e.is_invalid_token()) {
                self.fail("me", Some(self.client.url().to_string()), e);
            }
        }
        found
    }

    /// The project token's scope and the project's workspace id.
    async fn probe_project_token(&mut self) -> Option<(ProjectTokenScope, Option<String>)> {
        let auth = Auth::ProjectAccessToken;
        let result = self
            .client
            .query::<ProbeProjectToken>(auth, probe_project_token::Variables {})
            .await;
        if self.probe("projectToken", auth, &result) {
            let t = result.ok()?.project_token;
            let scope = ProjectTokenScope {
                project_id: t.project_id,
                environment_id: t.environment_id,
                project_name: Some(t.project.name),
                environment_name: Some(t.environment.name),
            };
            return Some((scope, t.project.workspace_id));
        }
        if let Err(e) = result {
            if !(e.is_not_authorized() || e.is_invalid_token()) {
                self.fail("projectToken", Some(self.client.url().to_string()), e);
            }
        }
        None
    }

    async fn mutation_names(&mut self, auth: Auth) {
        if self.halted {
            return;
        }
        let result = self
            .client
            .raw_query::<MutationNames>(auth, queries::MUTATION_NAMES, "MutationNames")
            .await;
        match result {
            Ok(MutationNames {
                ty: Some(MutationType {
                    fields: Some(fields),
                }),
            }) => {
                let mut names: Vec<String> = fields.into_iter().map(|f| f.name).collect();
                names.sort();
                names.dedup();
                self.say(&format!("schema: {} mutations", names.len()));
                self.export.mutations = Some(names);
            }
            Ok(_) => self.export.errors.push(CollectError {
                query: "__type(name: \"Mutation\")".into(),
                object: None,
                message: "the schema answered without a Mutation type".into(),
            }),
            Err(e) => self.fail("__type(name: \"Mutation\")", None, e),
        }
    }

    async fn workspaces(&mut self, auth: Auth, workspaces: Vec<(String, String)>) {
        for (id, name) in workspaces {
            if self.halted {
                break;
            }
            let workspace = self.workspace(auth, id, name, None).await;
            self.export.workspaces.push(workspace);
        }
    }

    /// OAuth: the consented workspaces and projects; the user's workspaces
    /// when `externalWorkspaces` cannot be read.
    async fn oauth_workspaces(&mut self, auth: Auth, mine: Vec<(String, String)>) {
        let result = self
            .client
            .query::<ExternalWorkspaces>(auth, external_workspaces::Variables {})
            .await;
        self.probe("externalWorkspaces", auth, &result);
        match result {
            Ok(data) => {
                for w in data.external_workspaces {
                    if self.halted {
                        break;
                    }
                    let projects = w.projects.into_iter().map(|p| (p.id, p.name)).collect();
                    let workspace = self.workspace(auth, w.id, w.name, Some(projects)).await;
                    self.export.workspaces.push(workspace);
                }
            }
            Err(e) => {
                self.fail("externalWorkspaces", None, e);
                self.workspaces(auth, dedup(mine)).await;
            }
        }
    }

    /// A workspace, its members and its projects (all pages unless given).
    async fn workspace(
        &mut self,
        auth: Auth,
        id: String,
        mut name: String,
        known_projects: Option<Vec<(String, String)>>,
    ) -> Workspace {
        let object = Some(format!("workspace {name} ({id})"));
        let mut members = None;
        if let Some(data) = self
            .run::<WorkspaceMembers>(
                auth,
                workspace_members::Variables {
                    workspace_id: id.clone(),
                },
                "workspace",
                object.clone(),
            )
            .await
        {
            name = data.workspace.name;
            let (known, unknown) = convert::members(
                data.workspace
                    .members
                    .into_iter()
                    .map(|m| (m.id, convert::enum_name(&m.role))),
            );
            self.unknown_roles(&unknown, object.clone());
            members = Some(known);
        }

        let project_list = match known_projects {
            Some(list) => list,
            None => self.project_list(auth, &id, object.clone()).await,
        };
        self.say(&format!(
            "workspace {name}: {} projects",
            project_list.len()
        ));
        let mut projects = Vec::new();
        for (project_id, project_name) in project_list {
            if self.halted {
                break;
            }
            projects.push(
                self.project(auth, &project_id, Some(&project_name), Some(id.clone()))
                    .await,
            );
        }
        Workspace {
            id,
            name,
            members,
            projects,
        }
    }

    async fn project_list(
        &mut self,
        auth: Auth,
        workspace_id: &str,
        object: Option<String>,
    ) -> Vec<(String, String)> {
        let mut list = Vec::new();
        let mut seen = HashSet::new();
        let mut after = None;
        loop {
            let Some(data) = self
                .run::<WorkspaceProjects>(
                    auth,
                    workspace_projects::Variables {
                        workspace_id: workspace_id.to_string(),
                        first: PROJECT_PAGE,
                        after: after.clone(),
                    },
                    "projects",
                    object.clone(),
                )
                .await
            else {
                break;
            };
            for edge in data.projects.edges {
                if seen.insert(edge.node.id.clone()) {
                    list.push((edge.node.id, edge.node.name));
                }
            }
            let next = cursor!(data.projects.page_info);
            // A server that says "more" without a new cursor would loop forever.
            if !next.has_next || next.end.is_none() || next.end == after {
                break;
            }
            after = next.end;
        }
        list
    }

    /// One project: one ProjectDetail request when the token may read all of
    /// it; otherwise piece by piece so that what is readable is kept.
    async fn project(
        &mut self,
        auth: Auth,
        id: &str,
        name: Option<&str>,
        workspace_id: Option<String>,
    ) -> Project {
        let label = format!("project {} ({id})", name.unwrap_or("?"));
        let mut project = Project {
            id: id.to_string(),
            name: name.unwrap_or_default().to_string(),
            workspace_id,
            members: None,
            environments: Vec::new(),
            services: Vec::new(),
            volumes: Vec::new(),
            buckets: Vec::new(),
        };
        let detail = self
            .run::<ProjectDetail>(
                auth,
                project_detail::Variables { id: id.to_string() },
                "project",
                Some(label.clone()),
            )
            .await;

        // Environments whose nested connections need more requests, with
        // where to continue (None: not read at all yet).
        let mut pending: Vec<(usize, Option<EnvironmentPage>)> = Vec::new();
        let mut cursors = [
            Cursor::default(),
            Cursor::default(),
            Cursor::default(),
            Cursor::default(),
        ];
        let mut need_page;
        match detail {
            Some(data) => {
                let p = data.project;
                project.name = p.name;
                project.workspace_id = p.workspace_id.or(project.workspace_id);
                let (known, unknown) = convert::members(
                    p.members
                        .into_iter()
                        .map(|m| (m.id, convert::enum_name(&m.role))),
                );
                self.unknown_roles(&unknown, Some(label.clone()));
                project.members = Some(known);
                for edge in p.environments.edges {
                    let page = environment_parts!(edge.node);
                    project.environments.push(Environment {
                        id: page.id.clone(),
                        name: page.name.clone(),
                        service_ids: page.service_ids.clone(),
                        volume_instances: page.volume_instances.clone(),
                        variables: Some(page.variables.clone()),
                    });
                    if page.has_next() {
                        pending.push((project.environments.len() - 1, Some(page)));
                    }
                }
                cursors[0] = cursor!(p.environments.page_info);
                let (services, c) = id_names!(p.services, Service);
                project.services = services;
                cursors[1] = c;
                let (volumes, c) = id_names!(p.volumes, Volume);
                project.volumes = volumes;
                cursors[2] = c;
                let (buckets, c) = id_names!(p.buckets, Bucket);
                project.buckets = buckets;
                cursors[3] = c;
                need_page = cursors.iter().any(|c| c.has_next);
            }
            None if self.halted => return project,
            None => {
                // Fallback: the parts one by one.
                need_page = true;
                self.project_members(auth, &mut project, &label).await;
            }
        }

        let first_new_env = project.environments.len();
        while need_page && !self.halted {
            let Some(data) = self
                .run::<ProjectPage>(
                    auth,
                    project_page::Variables {
                        id: id.to_string(),
                        env_after: cursors[0].after(),
                        svc_after: cursors[1].after(),
                        vol_after: cursors[2].after(),
                        bkt_after: cursors[3].after(),
                    },
                    "project",
                    Some(label.clone()),
                )
                .await
            else {
                break;
            };
            let p = data.project;
            if project.name.is_empty() {
                project.name = p.name;
            }
            project.workspace_id = p.workspace_id.or(project.workspace_id.take());
            for edge in p.environments.edges {
                project.environments.push(Environment {
                    id: edge.node.id,
                    name: edge.node.name,
                    service_ids: Vec::new(),
                    volume_instances: Vec::new(),
                    variables: None,
                });
            }
            let (services, c1) = id_names!(p.services, Service);
            let (volumes, c2) = id_names!(p.volumes, Volume);
            let (buckets, c3) = id_names!(p.buckets, Bucket);
            project.services.extend(services);
            project.volumes.extend(volumes);
            project.buckets.extend(buckets);
            let next = [cursor!(p.environments.page_info), c1, c2, c3];
            // Stop when the server gives no way forward (no progress).
            let progressed = next
                .iter()
                .zip(cursors.iter())
                .any(|(n, c)| n.has_next && n.end.is_some() && n.end != c.end);
            need_page = next.iter().any(|c| c.has_next) && progressed;
            for (slot, n) in cursors.iter_mut().zip(next) {
                // A finished connection keeps its last cursor.
                if n.end.is_some() || n.has_next {
                    *slot = n;
                } else {
                    slot.has_next = false;
                }
            }
        }
        for index in first_new_env..project.environments.len() {
            pending.push((index, None));
        }

        for (index, from) in pending {
            if self.halted {
                break;
            }
            self.environment_pages(auth, &mut project.environments[index], from)
                .await;
        }

        let environments = project.environments.len();
        self.say(&format!(
            "project {}: {environments} environments",
            project.name
        ));
        for env in project.environments.iter_mut() {
            for instance in env.volume_instances.iter_mut() {
                if self.halted {
                    break;
                }
                self.backups(auth, instance).await;
            }
        }
        project
    }

    async fn project_members(&mut self, auth: Auth, project: &mut Project, label: &str) {
        if let Some(data) = self
            .run::<ProjectMembers>(
                auth,
                project_members::Variables {
                    id: project.id.clone(),
                },
                "project.members",
                Some(label.to_string()),
            )
            .await
        {
            let (known, unknown) = convert::members(
                data.project
                    .members
                    .into_iter()
                    .map(|m| (m.id, convert::enum_name(&m.role))),
            );
            self.unknown_roles(&unknown, Some(label.to_string()));
            project.members = Some(known);
        }
    }

    /// Reads an environment's nested connections from `from` (or from the
    /// start) to their ends.
    async fn environment_pages(
        &mut self,
        auth: Auth,
        env: &mut Environment,
        from: Option<EnvironmentPage>,
    ) {
        let label = format!("environment {} ({})", env.name, env.id);
        let mut cursors = from.map(|p| [p.service_cursor, p.volume_cursor, p.variable_cursor]);
        loop {
            if let Some(c) = &cursors {
                if !c.iter().any(|c| c.has_next) {
                    break;
                }
            }
            let after = |i: usize| cursors.as_ref().and_then(|c| c[i].after());
            let Some(data) = self
                .run::<EnvironmentDetail>(
                    auth,
                    environment_detail::Variables {
                        id: env.id.clone(),
                        si_after: after(0),
                        vi_after: after(1),
                        var_after: after(2),
                    },
                    "environment",
                    Some(label.clone()),
                )
                .await
            else {
                break;
            };
            let page = environment_parts!(data.environment);
            env.service_ids.extend(page.service_ids);
            env.volume_instances.extend(page.volume_instances);
            env.variables
                .get_or_insert_with(Vec::new)
                .extend(page.variables);
            let next = [
                page.service_cursor,
                page.volume_cursor,
                page.variable_cursor,
            ];
            let progressed = match &cursors {
                None => true,
                Some(old) => next
                    .iter()
                    .zip(old.iter())
                    .any(|(n, o)| n.has_next && n.end.is_some() && n.end != o.end),
            };
            if !progressed {
                break;
            }
            cursors = Some(next);
        }
    }

    async fn backups(&mut self, auth: Auth, instance: &mut crate::export::VolumeInstance) {
        let label = format!("volume instance {} ({})", instance.volume_name, instance.id);
        if let Some(data) = self
            .run::<VolumeBackups>(
                auth,
                volume_backups::Variables {
                    volume_instance_id: instance.id.clone(),
                },
                "volumeInstanceBackupList",
                Some(label),
            )
            .await
        {
            instance.backups = Some(
                data.volume_instance_backup_list
                    .into_iter()
                    .map(|b| Backup {
                        id: b.id,
                        name: b.name,
                        created_at: Some(b.created_at),
                        expires_at: b.expires_at,
                    })
                    .collect(),
            );
            let mut kinds: Vec<String> = data
                .volume_instance_backup_schedule_list
                .iter()
                .map(|s| convert::enum_name(&s.kind))
                .collect();
            kinds.sort();
            kinds.dedup();
            instance.backup_schedules = Some(kinds);
        }
    }

    fn unknown_roles(&mut self, unknown: &[String], object: Option<String>) {
        for role in unknown {
            self.export.errors.push(CollectError {
                query: "members".into(),
                object: object.clone(),
                message: format!("unknown role {role}: member left out"),
            });
        }
    }
}

fn dedup(items: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|(id, _)| seen.insert(id.clone()))
        .collect()
}
