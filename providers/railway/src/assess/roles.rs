//! The role a token acts with in each workspace and project. Railway tokens
//! have no verb-level scopes: within its scope a token can do whatever its
//! user's role allows, so the role is the only bound there is.

use blastradius_report::Certainty;

use crate::export::{Member, Project, Role, TokenExport, TokenType, Workspace};

/// The role a token holds somewhere, and how that was concluded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub role: Role,
    /// `Proven` when read from a members list; `Inferred` when assumed from
    /// the docs (role unknown: the worst case, Admin, is assumed).
    pub certainty: Certainty,
    /// One clause for the evidence, e.g. `role ADMIN in workspace PocketOS`.
    pub basis: String,
}

impl Grant {
    fn proven(role: Role, basis: String) -> Self {
        Grant {
            role,
            certainty: Certainty::Proven,
            basis,
        }
    }

    /// An unknown role is never silently allowed: it is assumed to be the
    /// worst (Admin) and labelled as inferred.
    fn assumed_admin(basis: String) -> Self {
        Grant {
            role: Role::Admin,
            certainty: Certainty::Inferred,
            basis,
        }
    }

    /// True when the role was not read from an answer about this token.
    pub fn is_assumed(&self) -> bool {
        self.certainty != Certainty::Proven
    }
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Viewer => "VIEWER",
        Role::Member => "MEMBER",
        Role::Admin => "ADMIN",
    }
}

fn find_role(members: &[Member], user_id: &str) -> Option<Role> {
    members
        .iter()
        .find(|m| m.user_id == user_id)
        .map(|m| m.role)
}

/// The token's role in a workspace.
pub fn workspace_grant(token: &TokenExport, ws: &Workspace) -> Grant {
    match token.token_type {
        TokenType::Workspace => Grant::assumed_admin(format!(
            "workspace token of workspace {}: Railway docs say it may perform any API action in its workspace; no user role applies, Admin assumed",
            ws.name
        )),
        TokenType::Project => Grant::assumed_admin(
            "project token: Railway docs say it may perform any action within its one environment".into(),
        ),
        _ => user_grant(token, ws.members.as_deref(), &format!("workspace {}", ws.name)),
    }
}

/// The role of the token's user in a members list, for account and OAuth
/// tokens.
fn user_grant(token: &TokenExport, members: Option<&[Member]>, place: &str) -> Grant {
    let oauth = if token.token_type == TokenType::Oauth {
        "; OAuth consent is not visible, the user's role is its upper bound"
    } else {
        ""
    };
    let Some(user) = &token.user else {
        return Grant::assumed_admin(format!(
            "user (me) not readable: role in {place} unknown, Admin assumed{oauth}"
        ));
    };
    let Some(members) = members else {
        return Grant::assumed_admin(format!(
            "members of {place} not readable: role unknown, Admin assumed{oauth}"
        ));
    };
    match find_role(members, &user.id) {
        Some(role) => {
            let mut grant = Grant::proven(
                role,
                format!(
                    "role {} in {place} (members matched to me.id){oauth}",
                    role_name(role)
                ),
            );
            if token.token_type == TokenType::Oauth {
                grant.certainty = Certainty::Inferred;
            }
            grant
        }
        None => Grant::assumed_admin(format!(
            "user {} not among the members of {place}: role unknown, Admin assumed{oauth}",
            user.id
        )),
    }
}

/// The token's role in a project: the higher of its workspace role and its
/// project role (a workspace Admin is Admin in every project; a project role
/// can raise a workspace Member).
pub fn project_grant(token: &TokenExport, ws_grant: Option<&Grant>, project: &Project) -> Grant {
    if matches!(token.token_type, TokenType::Workspace | TokenType::Project) {
        return ws_grant.cloned().unwrap_or_else(|| {
            Grant::assumed_admin(format!(
                "{} token: Railway docs say it may perform any action within its scope; Admin assumed",
                if token.token_type == TokenType::Project { "project" } else { "workspace" }
            ))
        });
    }
    let project_role = match (&token.user, &project.members) {
        (Some(user), Some(members)) => find_role(members, &user.id),
        _ => None,
    };
    match (ws_grant, project_role) {
        (Some(ws), Some(role)) if role > ws.role => {
            let mut g = Grant::proven(
                role,
                format!("project role {} in project {} (members matched to me.id)", role_name(role), project.name),
            );
            if token.token_type == TokenType::Oauth {
                g.certainty = Certainty::Inferred;
            }
            g
        }
        (Some(ws), _) => ws.clone(),
        (None, Some(_)) => user_grant(token, project.members.as_deref(), &format!("project {}", project.name)),
        (None, None) => Grant::assumed_admin(format!(
            "project {} outside any listed workspace (personal project): its owner is assumed, Admin",
            project.name
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::User;

    fn token(kind: TokenType) -> TokenExport {
        TokenExport {
            fingerprint: "f".into(),
            redacted: "****".into(),
            source: "test".into(),
            api_url: "http://x".into(),
            token_type: kind,
            probes: vec![],
            user: Some(User {
                id: "u1".into(),
                name: None,
                email: None,
            }),
            project_token: None,
            workspaces: vec![],
            projects: vec![],
            mutations: None,
            errors: vec![],
            requests: 0,
        }
    }

    fn ws(members: Option<Vec<Member>>) -> Workspace {
        Workspace {
            id: "w".into(),
            name: "W".into(),
            members,
            projects: vec![],
        }
    }

    #[test]
    fn member_role_is_proven() {
        let g = workspace_grant(
            &token(TokenType::Account),
            &ws(Some(vec![Member {
                user_id: "u1".into(),
                role: Role::Member,
            }])),
        );
        assert_eq!(g.role, Role::Member);
        assert_eq!(g.certainty, Certainty::Proven);
    }

    #[test]
    fn unknown_role_is_assumed_admin_and_inferred() {
        for members in [None, Some(vec![])] {
            let g = workspace_grant(&token(TokenType::Account), &ws(members));
            assert_eq!(g.role, Role::Admin);
            assert_eq!(g.certainty, Certainty::Inferred);
            assert!(g.basis.contains("unknown"), "{}", g.basis);
        }
    }

    #[test]
    fn workspace_token_is_inferred() {
        let g = workspace_grant(&token(TokenType::Workspace), &ws(None));
        assert_eq!(g.certainty, Certainty::Inferred);
        assert!(g.basis.contains("workspace token"));
    }
}
