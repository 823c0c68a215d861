//! The read-only guard: every GraphQL document is checked here, by the HTTP
//! client, before it is sent. It refuses any operation that is not a query
//! and any selection of a field that returns secret values.
//!
//! The trimmed schema already makes such documents fail to compile when they
//! go through `graphql_client`; this check also covers hand-written strings
//! (the introspection query) and any future code path, and it is the one
//! place that decides, so it parses the document rather than searching text.

use std::collections::{HashMap, HashSet};

use graphql_parser::query::{
    parse_query, Definition, FragmentDefinition, OperationDefinition, Selection, SelectionSet,
};

/// Fields that return secret values wherever they appear.
const FORBIDDEN_ANYWHERE: &[(&str, &str)] = &[
    (
        "variablesForServiceDeployment",
        "returns the rendered variable values of a service",
    ),
    (
        "bucketS3Credentials",
        "returns the S3 access keys of a bucket",
    ),
    (
        "config",
        "Environment.config(decryptVariables:) returns decrypted variable values",
    ),
];

/// Arguments that ask for secret values wherever they appear.
const FORBIDDEN_ARGUMENTS: &[&str] = &["decryptVariables"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GuardError {
    #[error("refused to send a GraphQL document that does not parse: {0}")]
    Unparsable(String),
    #[error("refused to send a GraphQL document without an operation")]
    NoOperation,
    #[error("refused to send a GraphQL {kind}: the collector is read-only")]
    NotAQuery { kind: &'static str },
    #[error("refused to send a selection of `{field}`: {reason}")]
    ForbiddenField { field: String, reason: &'static str },
    #[error(
        "refused to send the argument `{argument}` (field `{field}`): it asks for secret values"
    )]
    ForbiddenArgument { field: String, argument: String },
    #[error("refused to send a document whose fragment `{0}` is undefined or recursive")]
    BadFragment(String),
}

/// Ok when `document` holds only queries that read no secret values.
pub fn check_document(document: &str) -> Result<(), GuardError> {
    let doc = parse_query::<String>(document).map_err(|e| GuardError::Unparsable(e.to_string()))?;
    let fragments: HashMap<&str, &FragmentDefinition<String>> = doc
        .definitions
        .iter()
        .filter_map(|d| match d {
            Definition::Fragment(f) => Some((f.name.as_str(), f)),
            Definition::Operation(_) => None,
        })
        .collect();

    let mut operations = 0;
    for definition in &doc.definitions {
        match definition {
            Definition::Operation(op) => {
                operations += 1;
                let selection = match op {
                    OperationDefinition::SelectionSet(s) => s,
                    OperationDefinition::Query(q) => &q.selection_set,
                    OperationDefinition::Mutation(_) => {
                        return Err(GuardError::NotAQuery { kind: "mutation" })
                    }
                    OperationDefinition::Subscription(_) => {
                        return Err(GuardError::NotAQuery {
                            kind: "subscription",
                        })
                    }
                };
                check_root(selection, &fragments, &mut HashSet::new())?;
            }
            Definition::Fragment(f) => check_nested(&f.selection_set)?,
        }
    }
    if operations == 0 {
        return Err(GuardError::NoOperation);
    }
    Ok(())
}

/// The root selection of a query: `variables` here is `Query.variables`,
/// which returns every value of an environment. Fragments spread at the root
/// are root selections too.
fn check_root<'a>(
    set: &'a SelectionSet<String>,
    fragments: &HashMap<&str, &'a FragmentDefinition<String>>,
    visiting: &mut HashSet<&'a str>,
) -> Result<(), GuardError> {
    for item in &set.items {
        match item {
            Selection::Field(field) => {
                if field.name == "variables" {
                    return Err(GuardError::ForbiddenField {
                        field: "variables".into(),
                        reason: "Query.variables returns the values of every variable",
                    });
                }
            }
            Selection::InlineFragment(inline) => {
                check_root(&inline.selection_set, fragments, visiting)?
            }
            Selection::FragmentSpread(spread) => {
                let name = spread.fragment_name.as_str();
                let fragment = fragments
                    .get(name)
                    .ok_or_else(|| GuardError::BadFragment(name.to_string()))?;
                if !visiting.insert(fragment.name.as_str()) {
                    return Err(GuardError::BadFragment(name.to_string()));
                }
                check_root(&fragment.selection_set, fragments, visiting)?;
                visiting.remove(fragment.name.as_str());
            }
        }
    }
    check_nested(set)
}

/// Any depth: forbidden fields and arguments; a `variables` field without a
/// sub-selection is a scalar of values (only the `Environment.variables`
/// connection, whose nodes carry names, is allowed).
fn check_nested(set: &SelectionSet<String>) -> Result<(), GuardError> {
    for item in &set.items {
        match item {
            Selection::Field(field) => {
                if let Some((name, reason)) =
                    FORBIDDEN_ANYWHERE.iter().find(|(n, _)| *n == field.name)
                {
                    return Err(GuardError::ForbiddenField {
                        field: (*name).to_string(),
                        reason,
                    });
                }
                if let Some((argument, _)) = field
                    .arguments
                    .iter()
                    .find(|(a, _)| FORBIDDEN_ARGUMENTS.contains(&a.as_str()))
                {
                    return Err(GuardError::ForbiddenArgument {
                        field: field.name.clone(),
                        argument: argument.clone(),
                    });
                }
                if field.name == "variables" && field.selection_set.items.is_empty() {
                    return Err(GuardError::ForbiddenField {
                        field: "variables".into(),
                        reason: "a `variables` scalar holds values; only the connection of names is allowed",
                    });
                }
                check_nested(&field.selection_set)?;
            }
            Selection::InlineFragment(inline) => check_nested(&inline.selection_set)?,
            // Fragment definitions are checked on their own.
            Selection::FragmentSpread(_) => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_queries_pass() {
        check_document("query A { me { id } }").unwrap();
        check_document("{ __type(name: \"Mutation\") { fields { name } } }").unwrap();
        check_document(
            "query E($id: String!) { environment(id: $id) { variables(first: 5) { edges { node { name serviceId isSealed } } } } }",
        )
        .unwrap();
    }

    #[test]
    fn every_compiled_query_passes() {
        for doc in super::super::queries::ALL_DOCUMENTS {
            check_document(doc).unwrap_or_else(|e| panic!("{e}: {doc}"));
        }
    }

    #[test]
    fn mutations_and_subscriptions_are_refused() {
        assert_eq!(
            check_document("mutation { volumeDelete(volumeId: \"x\") }"),
            Err(GuardError::NotAQuery { kind: "mutation" })
        );
        assert_eq!(
            check_document("subscription S { deploymentLogs(deploymentId: \"x\") { message } }"),
            Err(GuardError::NotAQuery {
                kind: "subscription"
            })
        );
        // A mutation hidden behind a harmless query in the same document.
        assert!(matches!(
            check_document("query A { me { id } } mutation B { projectDelete(id: \"p\") }"),
            Err(GuardError::NotAQuery { .. })
        ));
    }

    #[test]
    fn secret_value_fields_are_refused() {
        let refused = [
            "query { variables(projectId: \"p\", environmentId: \"e\") }",
            "{ v: variables(projectId: \"p\", environmentId: \"e\") }",
            "query { variablesForServiceDeployment(projectId: \"p\", environmentId: \"e\", serviceId: \"s\") }",
            "query { bucketS3Credentials(projectId: \"p\", environmentId: \"e\", bucketId: \"b\") { accessKeyId } }",
            "query { environment(id: \"e\") { config(decryptVariables: true) } }",
            "query { environment(id: \"e\") { config } }",
            "query { environment(id: \"e\") { other(decryptVariables: false) } }",
            "query { environment(id: \"e\") { variables } }",
            "query { ...Root } fragment Root on Query { variables(projectId: \"p\", environmentId: \"e\") }",
            "query { ... on Query { variables(projectId: \"p\", environmentId: \"e\") } }",
            "query { environment(id: \"e\") { ...C } } fragment C on Environment { config }",
        ];
        for doc in refused {
            assert!(check_document(doc).is_err(), "not refused: {doc}");
        }
    }

    #[test]
    fn garbage_and_empty_documents_are_refused() {
        assert!(matches!(
            check_document("query {"),
            Err(GuardError::Unparsable(_))
        ));
        assert!(matches!(
            check_document("fragment F on Query { me { id } }"),
            Err(GuardError::NoOperation)
        ));
        assert!(matches!(
            check_document("query { ...Missing }"),
            Err(GuardError::BadFragment(_))
        ));
        assert!(matches!(
            check_document("query { ...A } fragment A on Query { ...A }"),
            Err(GuardError::BadFragment(_))
        ));
    }
}
