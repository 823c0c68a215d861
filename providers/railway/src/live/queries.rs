//! The queries of the collector, compiled by `graphql_client` against the
//! trimmed, mutation-free schema in `graphql/schema.graphql`: a query that
//! names a mutation or a secret-value field does not compile.

#![allow(clippy::all)]

use graphql_client::GraphQLQuery;

/// Railway's `DateTime` scalar, kept as the ISO 8601 string it arrives as.
type DateTime = String;

macro_rules! railway_query {
    ($name:ident, $file:literal) => {
        #[derive(GraphQLQuery)]
        #[graphql(
                                                            schema_path = "graphql/schema.graphql",
                                                            query_path = $file,
                                                            response_derives = "Debug",
                                                            variables_derives = "Debug"
                                                        )]
        pub struct $name;
    };
}

railway_query!(ProbeApiToken, "graphql/probe_api_token.graphql");
railway_query!(ProbeMe, "graphql/probe_me.graphql");
railway_query!(ProbeProjectToken, "graphql/probe_project_token.graphql");
railway_query!(ExternalWorkspaces, "graphql/external_workspaces.graphql");
railway_query!(WorkspaceMembers, "graphql/workspace_members.graphql");
railway_query!(WorkspaceProjects, "graphql/workspace_projects.graphql");
railway_query!(ProjectDetail, "graphql/project_detail.graphql");
railway_query!(ProjectPage, "graphql/project_page.graphql");
railway_query!(ProjectMembers, "graphql/project_members.graphql");
railway_query!(EnvironmentDetail, "graphql/environment_detail.graphql");
railway_query!(VolumeBackups, "graphql/volume_backups.graphql");

/// Today's mutation names. Hand-written because the trimmed schema has,
/// on purpose, no Mutation type to compile it against; it goes through the
/// same guard as every other document.
pub const MUTATION_NAMES: &str =
    "query MutationNames { __type(name: \"Mutation\") { fields { name } } }";

/// Every document the collector can send, for the guard's tests.
#[cfg(test)]
pub const ALL_DOCUMENTS: &[&str] = &[
    probe_api_token::QUERY,
    probe_me::QUERY,
    probe_project_token::QUERY,
    external_workspaces::QUERY,
    workspace_members::QUERY,
    workspace_projects::QUERY,
    project_detail::QUERY,
    project_page::QUERY,
    project_members::QUERY,
    environment_detail::QUERY,
    volume_backups::QUERY,
    MUTATION_NAMES,
];

#[cfg(test)]
mod tests {
    /// The compiled schema is read-only: no mutation or subscription root.
    #[test]
    fn trimmed_schema_has_no_mutation_or_subscription() {
        let schema = include_str!("../../graphql/schema.graphql");
        for needle in [
            "type Mutation",
            "mutation:",
            "type Subscription",
            "subscription:",
        ] {
            assert!(
                !schema.contains(needle),
                "schema.graphql contains {needle:?}"
            );
        }
        // ...and no field that returns secret values.
        for field in [
            "variablesForServiceDeployment",
            "bucketS3Credentials",
            "decryptVariables",
            "config",
        ] {
            assert!(!schema.contains(field), "schema.graphql contains {field}");
        }
        let query_type = schema
            .split("type Query {")
            .nth(1)
            .and_then(|rest| rest.split('}').next())
            .unwrap_or_default();
        assert!(query_type.contains("projectToken"));
        assert!(
            !query_type.contains("  variables("),
            "Query.variables returns values"
        );
    }
}
