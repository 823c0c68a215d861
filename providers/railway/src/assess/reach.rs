//! Table entries x role x scope -> [`Reach`] on concrete resources.
//!
//! Destroy, escalate and secrets reaches are one per concrete resource
//! (volume, service, bucket, environment, project, workspace, account) and
//! environment; write and read are summarised per environment (or per
//! project, workspace, account when they act there).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

use blastradius_report::{Category, Certainty, Reach};

use super::roles::{role_name, Grant};
use super::secrets::looks_secret;
use super::table::{MutationEntry, QueryEntry, QueryScope, Scope, Tables};
use crate::export::{Environment, Project, Role, VolumeInstance, Workspace};

/// One project the token reaches, with the role it acts with there.
#[derive(Debug, Clone)]
pub struct ScopedProject<'a> {
    pub workspace: Option<&'a str>,
    pub project: Cow<'a, Project>,
    pub grant: Grant,
    /// For project tokens: the one environment id it may act in.
    pub only_env: Option<String>,
}

impl ScopedProject<'_> {
    fn envs(&self) -> impl Iterator<Item = &Environment> {
        self.project
            .environments
            .iter()
            .filter(move |e| self.only_env.as_deref().is_none_or(|id| e.id == id))
    }

    fn via(&self, env: Option<&str>) -> Vec<String> {
        let mut via = Vec::new();
        if let Some(ws) = self.workspace {
            via.push(format!("workspace {ws}"));
        }
        via.push(format!("project {}", self.project.name));
        if let Some(env) = env {
            via.push(format!("environment {env}"));
        }
        via
    }

    fn service_name<'s>(&'s self, id: &'s str) -> &'s str {
        self.project
            .services
            .iter()
            .find(|s| s.id == id)
            .map(|s| s.name.as_str())
            .unwrap_or(id)
    }
}

/// Everything the reach computation needs about one token.
pub struct Context<'a> {
    pub tables: &'a Tables,
    /// Project token: only entries with `project_token = true`, only in
    /// `only_env`.
    pub project_token: bool,
    /// The account the token acts as (account and OAuth tokens), as shown.
    pub account: Option<String>,
    /// Highest role of the account anywhere, `None` when no role is known.
    pub workspaces: Vec<(&'a Workspace, Grant)>,
    pub projects: Vec<ScopedProject<'a>>,
    /// Mutations of the live schema that are in the table; `None` when the
    /// live list could not be read (then the whole table is assumed).
    pub live: Option<BTreeSet<String>>,
}

#[derive(Debug, Default)]
struct Acc {
    actions: BTreeSet<String>,
    /// Actions that act on this very resource in their own category (e.g.
    /// `volumeDelete` on a volume, not `environmentPatchCommit`): the
    /// candidates for the headline action.
    primary: BTreeSet<String>,
    via: Vec<String>,
    reversible: Option<bool>,
    data: bool,
    certainty: Certainty,
    conditional: bool,
    evidence: Vec<String>,
}

impl Acc {
    fn note(&mut self, line: impl Into<String>) {
        let line = line.into();
        if !self.evidence.contains(&line) {
            self.evidence.push(line);
        }
    }
}

type Key = (Category, String, Option<String>);

#[derive(Default)]
struct Builder {
    reaches: BTreeMap<Key, Acc>,
}

impl Builder {
    fn acc(
        &mut self,
        category: Category,
        resource: String,
        env: Option<&str>,
        via: Vec<String>,
    ) -> &mut Acc {
        let acc = self
            .reaches
            .entry((category, resource, env.map(str::to_string)))
            .or_default();
        if acc.via.is_empty() {
            acc.via = via;
        }
        acc
    }

    fn finish(self) -> Vec<Reach> {
        let mut out: Vec<Reach> = self
            .reaches
            .into_iter()
            .map(|((category, resource, environment), acc)| Reach {
                actions: headline_first(acc.actions, &acc.primary).into(),
                resource,
                environment,
                category,
                conditional: acc.conditional,
                via: acc.via,
                reversible: if category == Category::Destroy {
                    acc.reversible
                } else {
                    None
                },
                data: acc.data,
                certainty: acc.certainty,
                evidence: acc.evidence.join("; "),
            })
            .collect();
        // Worst first, so that the first reach of the worst category is the
        // one a person should fix first: category, then irreversible before
        // reversible, production (or unknown) before other environments, data
        // holders (volumes, buckets, projects) before the rest; then by name.
        out.sort_by(|a, b| {
            b.category
                .cmp(&a.category)
                .then_with(|| (a.reversible == Some(true)).cmp(&(b.reversible == Some(true))))
                .then_with(|| env_rank(&a.environment).cmp(&env_rank(&b.environment)))
                .then_with(|| kind_rank(&a.resource).cmp(&kind_rank(&b.resource)))
                .then_with(|| a.resource.cmp(&b.resource))
                .then_with(|| a.environment.cmp(&b.environment))
        });
        out
    }
}

/// The rating names `actions[0]` as the worst case, so the headline goes
/// first: an action on this very resource, a delete before other effects;
/// the rest stay in name order.
fn headline_first(actions: BTreeSet<String>, primary: &BTreeSet<String>) -> Vec<String> {
    let mut actions: Vec<String> = actions.into_iter().collect();
    let headline = actions
        .iter()
        .enumerate()
        .min_by_key(|(_, a)| (!primary.contains(*a), !a.ends_with("Delete"), a.as_str()))
        .map(|(i, _)| i);
    if let Some(i) = headline {
        let first = actions.remove(i);
        actions.insert(0, first);
    }
    actions
}

/// Production first, then unknown (treated as production), then the rest.
fn env_rank(env: &Option<String>) -> u8 {
    match env.as_deref() {
        Some("production") => 0,
        None => 1,
        Some(_) => 2,
    }
}

/// Resources that hold data first.
fn kind_rank(resource: &str) -> u8 {
    const ORDER: [&str; 7] = [
        "volume ",
        "bucket ",
        "project ",
        "environment ",
        "service ",
        "workspace ",
        "account ",
    ];
    ORDER
        .iter()
        .position(|p| resource.starts_with(p))
        .map_or(ORDER.len() as u8, |i| i as u8)
}

/// What one mutation entry adds to a reach.
struct Hit<'e> {
    entry: &'e MutationEntry,
    category: Category,
    grant: &'e Grant,
}

fn plural(kind: &str) -> String {
    if kind.ends_with('s') || kind.ends_with('x') {
        format!("{kind}es")
    } else {
        format!("{kind}s")
    }
}

fn env_label(kind: &str, env: &str, project: &str) -> String {
    if kind == "environment" {
        format!("environment {env} (project {project})")
    } else {
        format!("{} in environment {env} (project {project})", plural(kind))
    }
}

fn volume_evidence(vi: &VolumeInstance) -> String {
    let backups = match &vi.backups {
        None => "backups not readable".to_string(),
        Some(b) if b.is_empty() => "no backups".to_string(),
        Some(b) => {
            let latest = b.iter().filter_map(|b| b.created_at.as_deref()).max();
            match latest {
                Some(t) => format!("{} backup(s), latest {t}", b.len()),
                None => format!("{} backup(s)", b.len()),
            }
        }
    };
    let schedule = match &vi.backup_schedules {
        None => "backup schedule not readable".to_string(),
        Some(s) if s.is_empty() => "no backup schedule".to_string(),
        Some(s) => format!("backup schedule {}", s.join(", ")),
    };
    let mut line = format!(
        "{backups} and {schedule} on volume instance {}; Railway backups live on the volume: a token that reaches the volume reaches its backups",
        vi.id
    );
    if vi.is_pending_deletion || vi.deleted_at.is_some() {
        line.push_str("; already pending deletion (48h grace, which projectScheduleDeleteForce-style force calls skip)");
    }
    line
}

impl Context<'_> {
    fn live_note(&self) -> &'static str {
        if self.live.is_some() {
            "mutations listed by live introspection, classified by data/mutations.toml"
        } else {
            "live mutation list unreadable: every mutation of data/mutations.toml assumed present"
        }
    }

    fn certainty(&self, grant: &Grant) -> Certainty {
        let live = if self.live.is_some() {
            Certainty::Proven
        } else {
            Certainty::Inferred
        };
        grant.certainty.max(live)
    }

    fn usable(&self, entry: &MutationEntry) -> bool {
        let listed = self.live.as_ref().is_none_or(|l| l.contains(&entry.name));
        listed && (!self.project_token || entry.project_token)
    }

    fn record(
        &self,
        b: &mut Builder,
        hit: &Hit,
        resource: String,
        env: Option<&str>,
        via: Vec<String>,
    ) {
        let own_resource = resource
            .split_once(' ')
            .is_some_and(|(kind, _)| kind == hit.entry.resource);
        let acc = b.acc(hit.category, resource, env, via);
        acc.actions.insert(hit.entry.name.clone());
        if own_resource && hit.category == hit.entry.category {
            acc.primary.insert(hit.entry.name.clone());
        }
        acc.certainty = acc.certainty.max(self.certainty(hit.grant));
        if hit.category == Category::Destroy {
            let rev = hit.entry.reversible.unwrap_or(false);
            acc.reversible = Some(acc.reversible.unwrap_or(true) && rev);
        }
        acc.note(hit.grant.basis.clone());
        acc.note(self.live_note());
        if hit.category != hit.entry.category {
            acc.note(format!(
                "{} counted as {} for role {}: its {} effect needs {} (docs)",
                hit.entry.name,
                hit.category,
                role_name(hit.grant.role),
                hit.entry.category,
                hit.entry
                    .limited
                    .map(|l| role_name(l.below))
                    .unwrap_or("a higher role"),
            ));
        }
    }

    /// All reaches of the token, and the account-level mutations that were
    /// left out because the account holds Viewer roles only.
    pub fn build(&self) -> (Vec<Reach>, Vec<String>) {
        let mut b = Builder::default();
        let mut self_only = Vec::new();
        let entries: Vec<&MutationEntry> = self
            .tables
            .mutations
            .values()
            .filter(|e| self.usable(e))
            .collect();

        for entry in &entries {
            for scope in &entry.scopes {
                match scope {
                    Scope::None => {}
                    Scope::Account => self.account_hit(&mut b, entry, &mut self_only),
                    Scope::Workspace => {
                        for (ws, grant) in &self.workspaces {
                            if !entry.allows(grant.role) {
                                continue;
                            }
                            let hit = Hit {
                                entry,
                                category: entry.category_for(grant.role),
                                grant,
                            };
                            self.record(
                                &mut b,
                                &hit,
                                format!("workspace {}", ws.name),
                                None,
                                vec![format!("workspace {}", ws.name)],
                            );
                        }
                    }
                    _ => {
                        for sp in &self.projects {
                            if entry.allows(sp.grant.role) {
                                self.project_hit(&mut b, entry, *scope, sp);
                            }
                        }
                    }
                }
            }
        }
        for sp in &self.projects {
            for q in &self.tables.queries {
                if sp.grant.role >= q.min_role && (!self.project_token || q.project_token) {
                    self.query_hit(&mut b, q, sp);
                }
            }
        }
        (b.finish(), self_only)
    }

    fn account_hit(&self, b: &mut Builder, entry: &MutationEntry, self_only: &mut Vec<String>) {
        let Some(account) = &self.account else { return };
        // The account's own mutations (new tokens, email, 2FA, deletion) give
        // the holder exactly the user's own roles. When those are Viewer
        // everywhere, taking the account over gains reads only: it is
        // reported as a finding, not as an escalation.
        let best = self
            .workspaces
            .iter()
            .map(|(_, g)| g)
            .chain(self.projects.iter().map(|p| &p.grant))
            .max_by_key(|g| g.role);
        let grant = match best {
            Some(g) if g.role == Role::Viewer => {
                self_only.push(entry.name.clone());
                return;
            }
            Some(g) => g.clone(),
            None => Grant {
                role: Role::Admin,
                certainty: Certainty::Inferred,
                basis: "no workspace or project listed: the account's roles are unknown".into(),
            },
        };
        let grant = Grant {
            basis: format!(
                "acts on the token's own account, which holds role {} ({})",
                role_name(grant.role),
                grant.basis
            ),
            ..grant
        };
        let hit = Hit {
            entry,
            category: entry.category,
            grant: &grant,
        };
        let label = format!("account {account}");
        self.record(b, &hit, label.clone(), None, vec![label]);
    }

    fn project_hit(
        &self,
        b: &mut Builder,
        entry: &MutationEntry,
        scope: Scope,
        sp: &ScopedProject,
    ) {
        let grant = &sp.grant;
        let category = entry.category_for(grant.role);
        let hit = Hit {
            entry,
            category,
            grant,
        };
        let p = sp.project.name.as_str();
        // Writes and reads are summarised per environment.
        let summarised = matches!(category, Category::Write | Category::Read);
        let env_summary = |env: &str| format!("environment {env} (project {p})");
        match scope {
            Scope::Project => {
                // A project token never gets a project-wide (production
                // included) reach: it is attached to its own environment.
                let env = if self.project_token {
                    sp.envs().next().map(|e| e.name.as_str())
                } else {
                    None
                };
                if self.project_token && env.is_none() {
                    return;
                }
                self.record(b, &hit, format!("project {p}"), env, sp.via(env));
                if category == Category::Destroy {
                    let envs: Vec<&str> = sp
                        .project
                        .environments
                        .iter()
                        .map(|e| e.name.as_str())
                        .collect();
                    b.acc(category, format!("project {p}"), env, vec![]).note(format!(
                        "project-wide: every environment ({}) with its services, volumes and backups",
                        envs.join(", ")
                    ));
                }
            }
            Scope::Environment => {
                for env in sp.envs() {
                    let label = if summarised {
                        env_summary(&env.name)
                    } else {
                        env_label(&entry.resource, &env.name, p)
                    };
                    self.record(b, &hit, label, Some(&env.name), sp.via(Some(&env.name)));
                }
            }
            Scope::Service => {
                let mut deployed = BTreeSet::new();
                for env in sp.envs() {
                    for sid in &env.service_ids {
                        deployed.insert(sid.as_str());
                        let label = if summarised {
                            env_summary(&env.name)
                        } else {
                            format!("service {} (project {p})", sp.service_name(sid))
                        };
                        self.record(b, &hit, label, Some(&env.name), sp.via(Some(&env.name)));
                    }
                }
                if sp.only_env.is_none() {
                    // A service deployed nowhere: its environment is unknown.
                    for s in sp
                        .project
                        .services
                        .iter()
                        .filter(|s| !deployed.contains(s.id.as_str()))
                    {
                        let label = if summarised {
                            format!("project {p}")
                        } else {
                            format!("service {} (project {p})", s.name)
                        };
                        self.record(b, &hit, label, None, sp.via(None));
                    }
                }
            }
            Scope::Volume => {
                let mut instanced = BTreeSet::new();
                for env in sp.envs() {
                    for vi in &env.volume_instances {
                        instanced.insert(vi.volume_id.as_str());
                        if summarised {
                            self.record(
                                b,
                                &hit,
                                env_summary(&env.name),
                                Some(&env.name),
                                sp.via(Some(&env.name)),
                            );
                            continue;
                        }
                        let label = format!("volume {} (project {p})", vi.volume_name);
                        self.record(
                            b,
                            &hit,
                            label.clone(),
                            Some(&env.name),
                            sp.via(Some(&env.name)),
                        );
                        let acc = b.acc(category, label, Some(&env.name), vec![]);
                        acc.note(volume_evidence(vi));
                        let elsewhere = sp.project.environments.iter().any(|e| {
                            e.id != env.id
                                && e.volume_instances
                                    .iter()
                                    .any(|o| o.volume_id == vi.volume_id)
                        });
                        if sp.only_env.is_some() && elsewhere {
                            // volumeDelete names a volume, not an instance: the
                            // scope limit is Railway's to enforce.
                            acc.note("the volume has instances in other environments too; volumeDelete takes a volume id, and Railway is trusted (not verified) to refuse it outside the token's environment");
                        }
                        if category == Category::Destroy {
                            // Backups are on the volume: never reversible.
                            acc.reversible = Some(false);
                        }
                    }
                }
                if sp.only_env.is_none() {
                    for v in sp
                        .project
                        .volumes
                        .iter()
                        .filter(|v| !instanced.contains(v.id.as_str()))
                    {
                        let label = if summarised {
                            format!("project {p}")
                        } else {
                            format!("volume {} (project {p})", v.name)
                        };
                        self.record(b, &hit, label, None, sp.via(None));
                    }
                }
            }
            Scope::Bucket => {
                let envs: Vec<&Environment> = sp.envs().collect();
                for bucket in &sp.project.buckets {
                    if envs.is_empty() && sp.only_env.is_none() {
                        let label = if summarised {
                            format!("project {p}")
                        } else {
                            format!("bucket {} (project {p})", bucket.name)
                        };
                        self.record(b, &hit, label, None, sp.via(None));
                    }
                    for env in &envs {
                        let label = if summarised {
                            env_summary(&env.name)
                        } else {
                            format!("bucket {} (project {p})", bucket.name)
                        };
                        self.record(b, &hit, label, Some(&env.name), sp.via(Some(&env.name)));
                    }
                }
            }
            Scope::Account | Scope::Workspace | Scope::None => {}
        }
    }

    fn query_hit(&self, b: &mut Builder, q: &QueryEntry, sp: &ScopedProject) {
        let p = sp.project.name.as_str();
        let grant = &sp.grant;
        // Queries need no live list: their certainty is the role's.
        let certainty = grant.certainty;
        for env in sp.envs() {
            let via = sp.via(Some(&env.name));
            let add = |b: &mut Builder,
                       resource: String,
                       extra: Option<String>,
                       certainty: Certainty,
                       conditional: bool| {
                let acc = b.acc(q.category, resource, Some(&env.name), via.clone());
                acc.actions.insert(q.name.clone());
                acc.certainty = acc.certainty.max(certainty);
                acc.conditional |= conditional;
                acc.data |= q.data;
                acc.note(grant.basis.clone());
                acc.note(format!("query {}: {} (data/reads.toml)", q.name, q.why));
                if let Some(extra) = extra {
                    acc.note(extra);
                }
            };
            match q.scope {
                QueryScope::Environment => add(
                    b,
                    format!("environment {} (project {p})", env.name),
                    None,
                    certainty,
                    false,
                ),
                QueryScope::Bucket => {
                    for bucket in &sp.project.buckets {
                        add(
                            b,
                            format!("bucket {} (project {p})", bucket.name),
                            None,
                            certainty,
                            false,
                        );
                    }
                }
                QueryScope::Service => match &env.variables {
                    None => add(
                        b,
                        format!("variables in environment {} (project {p})", env.name),
                        Some("variable names not readable: they may hold secrets".into()),
                        Certainty::Unknown,
                        true,
                    ),
                    Some(vars) => {
                        let mut by_service: BTreeMap<Option<&str>, (Vec<&str>, Vec<&str>)> =
                            BTreeMap::new();
                        for v in vars
                            .iter()
                            .filter(|v| looks_secret(&self.tables.secret_names, &v.name))
                        {
                            let slot = by_service.entry(v.service_id.as_deref()).or_default();
                            if v.is_sealed {
                                slot.1.push(&v.name);
                            } else {
                                slot.0.push(&v.name);
                            }
                        }
                        for (service, (open, sealed)) in by_service {
                            if open.is_empty() {
                                continue;
                            }
                            let resource = match service {
                                Some(id) => {
                                    format!("service {} (project {p})", sp.service_name(id))
                                }
                                None => format!(
                                    "shared variables in environment {} (project {p})",
                                    env.name
                                ),
                            };
                            let mut extra = format!(
                                "variable names {} look secret (names only: the auditor never reads values)",
                                open.join(", ")
                            );
                            if !sealed.is_empty() {
                                extra.push_str(&format!(
                                    "; sealed, values not readable: {}",
                                    sealed.join(", ")
                                ));
                            }
                            add(b, resource, Some(extra), certainty, false);
                        }
                    }
                },
            }
        }
    }
}
