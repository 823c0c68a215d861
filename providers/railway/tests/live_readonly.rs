//! The read-only guarantee from the outside: the crate's guard refuses what
//! the fake's independent checker would flag, and the checker itself works.
#![cfg(feature = "live")]

mod support;

use blastradius_railway::live::guard::check_document;
use support::read_only_violation;

const BAD: &[&str] = &[
    "mutation { volumeDelete(volumeId: \"v\") }",
    "mutation M { projectScheduleDeleteForce(id: \"p\") }",
    "subscription { buildLogs(deploymentId: \"d\") { message } }",
    "query { variables(projectId: \"p\", environmentId: \"e\") }",
    "query { variablesForServiceDeployment(projectId: \"p\", environmentId: \"e\", serviceId: \"s\") }",
    "query { bucketS3Credentials(projectId: \"p\", environmentId: \"e\", bucketId: \"b\") { secretAccessKey } }",
    "query { environment(id: \"e\") { config(decryptVariables: true) } }",
    "query { me { id } } mutation { apiTokenCreate(input: {name: \"x\"}) }",
];

#[test]
fn guard_and_checker_agree_on_forbidden_documents() {
    for doc in BAD {
        assert!(check_document(doc).is_err(), "guard let through: {doc}");
        assert!(
            read_only_violation(doc).is_err(),
            "checker let through: {doc}"
        );
    }
}

#[test]
fn names_of_variables_are_allowed() {
    let doc = "query E($id: String!) { environment(id: $id) { variables(first: 100) { edges { node { name serviceId isSealed } } pageInfo { hasNextPage endCursor } } } }";
    check_document(doc).unwrap();
    read_only_violation(doc).unwrap();
}
