//! From `graphql_client`'s generated answer types to the export types.
//!
//! `graphql_client` generates one Rust type per query and selection, so the
//! same selection in two queries gives two types with the same field names.
//! The macros below convert such look-alikes by field name.

use serde::Serialize;

use crate::export::{Member, Role};

/// A connection's position: `after` for the next page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    pub has_next: bool,
    pub end: Option<String>,
}

impl Cursor {
    /// Ask again from here: the connection's end cursor, so a complete
    /// connection answers with an empty page.
    pub fn after(&self) -> Option<String> {
        self.end.clone()
    }
}

macro_rules! cursor {
    ($page_info:expr) => {{
        let p = $page_info;
        $crate::live::convert::Cursor {
            has_next: p.has_next_page,
            end: p.end_cursor,
        }
    }};
}
pub(crate) use cursor;

/// The spelling Railway uses for an enum value (`READY`, `DAILY`).
pub fn enum_name<E: Serialize>(value: &E) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "UNKNOWN".to_string(),
    }
}

/// `TeamRole`/`ProjectRole` to [`Role`]; `None` for a role this build
/// does not know (reported, not guessed).
pub fn role(name: &str) -> Option<Role> {
    match name {
        "ADMIN" => Some(Role::Admin),
        "MEMBER" => Some(Role::Member),
        "VIEWER" => Some(Role::Viewer),
        _ => None,
    }
}

/// Members with known roles, and the unknown roles seen.
pub fn members<I: IntoIterator<Item = (String, String)>>(items: I) -> (Vec<Member>, Vec<String>) {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for (user_id, role_name) in items {
        match role(&role_name) {
            Some(role) => known.push(Member { user_id, role }),
            None => unknown.push(role_name),
        }
    }
    (known, unknown)
}

/// Converts a generated environment selection (`serviceInstances`,
/// `volumeInstances`, `variables`) into its parts and cursors.
macro_rules! environment_parts {
    ($env:expr) => {{
        let e = $env;
        let service_ids: Vec<String> = e
            .service_instances
            .edges
            .into_iter()
            .map(|edge| edge.node.service_id)
            .collect();
        let volume_instances: Vec<$crate::export::VolumeInstance> = e
            .volume_instances
            .edges
            .into_iter()
            .map(|edge| {
                let n = edge.node;
                $crate::export::VolumeInstance {
                    id: n.id,
                    volume_id: n.volume_id,
                    volume_name: n.volume.name,
                    service_id: n.service_id,
                    mount_path: Some(n.mount_path),
                    state: n.state.as_ref().map($crate::live::convert::enum_name),
                    is_pending_deletion: n.is_pending_deletion,
                    deleted_at: n.deleted_at,
                    backups: None,
                    backup_schedules: None,
                }
            })
            .collect();
        let variables: Vec<$crate::export::VariableName> = e
            .variables
            .edges
            .into_iter()
            .map(|edge| $crate::export::VariableName {
                name: edge.node.name,
                service_id: edge.node.service_id,
                is_sealed: edge.node.is_sealed,
            })
            .collect();
        $crate::live::convert::EnvironmentPage {
            id: e.id,
            name: e.name,
            service_ids,
            volume_instances,
            variables,
            service_cursor: $crate::live::convert::cursor!(e.service_instances.page_info),
            volume_cursor: $crate::live::convert::cursor!(e.volume_instances.page_info),
            variable_cursor: $crate::live::convert::cursor!(e.variables.page_info),
        }
    }};
}
pub(crate) use environment_parts;

/// `{ edges { node { id name } } pageInfo }` into `(T { id, name }, cursor)`.
macro_rules! id_names {
    ($conn:expr, $ty:ident) => {{
        let c = $conn;
        let items: Vec<$ty> = c
            .edges
            .into_iter()
            .map(|edge| $ty {
                id: edge.node.id,
                name: edge.node.name,
            })
            .collect();
        (items, $crate::live::convert::cursor!(c.page_info))
    }};
}
pub(crate) use id_names;

/// One page of an environment's nested connections.
#[derive(Debug)]
pub struct EnvironmentPage {
    pub id: String,
    pub name: String,
    pub service_ids: Vec<String>,
    pub volume_instances: Vec<crate::export::VolumeInstance>,
    pub variables: Vec<crate::export::VariableName>,
    pub service_cursor: Cursor,
    pub volume_cursor: Cursor,
    pub variable_cursor: Cursor,
}

impl EnvironmentPage {
    pub fn has_next(&self) -> bool {
        self.service_cursor.has_next || self.volume_cursor.has_next || self.variable_cursor.has_next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_map_and_unknown_roles_are_kept_apart() {
        let (known, unknown) = members(vec![
            ("u1".to_string(), "ADMIN".to_string()),
            ("u2".to_string(), "OWNER".to_string()),
            ("u3".to_string(), "VIEWER".to_string()),
        ]);
        assert_eq!(
            known,
            vec![
                Member {
                    user_id: "u1".into(),
                    role: Role::Admin
                },
                Member {
                    user_id: "u3".into(),
                    role: Role::Viewer
                },
            ]
        );
        assert_eq!(unknown, vec!["OWNER".to_string()]);
    }
}
