//! The read-only guard: an SDK interceptor on every client blastradius
//! builds. It refuses, before anything is serialised or sent, any operation
//! whose name does not start with a read-only verb, and records every
//! operation attempt that does go out on the wire.
//!
//! Why an interceptor and not "we only call read-only methods": a refactor,
//! a new paginator or a helper could call a mutating operation by mistake;
//! the interceptor makes that a typed error instead of a changed account.

use std::fmt;
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

/// Operation-name prefixes that never change anything in AWS.
///
/// `Simulate*` (IAM policy simulation) evaluates policies without changing
/// them. Nothing else is allowed: not even `Generate*` (for example
/// `iam:GenerateCredentialReport` creates a report as a side effect).
pub const READ_ONLY_PREFIXES: &[&str] = &["Get", "List", "Describe", "Simulate"];

/// True when `operation` (an SDK operation name such as `GetUser`) is one
/// blastradius may send. The verb must be followed by an upper-case letter or
/// nothing, so that a hypothetical `Listen...` or `Getaway...` does not pass.
pub fn is_read_only(operation: &str) -> bool {
    READ_ONLY_PREFIXES.iter().any(|prefix| {
        operation.strip_prefix(prefix).is_some_and(|rest| {
            rest.is_empty() || rest.starts_with(|c: char| c.is_ascii_uppercase())
        })
    })
}

/// The typed refusal carried inside the SDK error; [`super::LiveError`]
/// finds it in the error's source chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refused to send {service}:{operation}: blastradius sends only read-only AWS operations \
     (Get*, List*, Describe*, Simulate*)"
)]
pub struct Refused {
    pub service: String,
    pub operation: String,
}

/// Every operation attempt that left the machine, as `service:Operation`
/// (e.g. `iam:GetAccountAuthorizationDetails`), in order. Retries count:
/// each attempt is one request. Shared by the clients of one collection.
#[derive(Clone, Default)]
pub struct OperationLog {
    inner: Arc<Mutex<Vec<String>>>,
}

impl OperationLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the operations sent so far.
    pub fn operations(&self) -> Vec<String> {
        match self.inner.lock() {
            Ok(guard) => guard.clone(),
            // A panic elsewhere while holding the lock must not hide the log.
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Number of requests sent so far.
    pub fn len(&self) -> usize {
        self.operations().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn push(&self, entry: String) {
        match self.inner.lock() {
            Ok(mut guard) => guard.push(entry),
            Err(poisoned) => poisoned.into_inner().push(entry),
        }
    }
}

impl fmt::Debug for OperationLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.operations()).finish()
    }
}

/// The interceptor. Add it to every client config
/// (`.interceptor(ReadOnlyInterceptor::new(log.clone()))`).
#[derive(Debug, Clone)]
pub struct ReadOnlyInterceptor {
    log: OperationLog,
}

impl ReadOnlyInterceptor {
    pub fn new(log: OperationLog) -> Self {
        ReadOnlyInterceptor { log }
    }
}

fn metadata(cfg: &ConfigBag) -> (String, String) {
    match cfg.load::<Metadata>() {
        Some(m) => (service_prefix(m.service()), m.name().to_string()),
        // Every generated operation stores its Metadata; without it we cannot
        // tell what is being sent, so the empty name is refused below.
        None => (String::from("unknown"), String::new()),
    }
}

impl Intercept for ReadOnlyInterceptor {
    fn name(&self) -> &'static str {
        "blastradius::ReadOnlyInterceptor"
    }

    // The first hook after the operation's own configuration (which holds
    // its name) is in the bag: client-level interceptors run their
    // `read_before_execution` before that, when the name is not known yet.
    // Nothing has been serialised, signed or sent at this point, and an
    // error here skips every later stage up to completion.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = metadata(cfg);
        if is_read_only(&operation) {
            Ok(())
        } else {
            Err(Box::new(Refused { service, operation }))
        }
    }

    // Called once per attempt, just before the request goes out: this is
    // the honest count of what was sent.
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let (service, operation) = metadata(cfg);
        // Checked again here so that the guard does not depend on one hook.
        if !is_read_only(&operation) {
            return Err(Box::new(Refused { service, operation }));
        }
        self.log
            .push(format!("{}:{}", service_prefix(&service), operation));
        Ok(())
    }
}

/// The IAM action prefix for an SDK service name (`IAM` -> `iam`,
/// `STS` -> `sts`, `Organizations` -> `organizations`).
fn service_prefix(service: &str) -> String {
    service.to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_only_names() {
        for ok in [
            "GetCallerIdentity",
            "GetAccountAuthorizationDetails",
            "ListParents",
            "ListPoliciesForTarget",
            "DescribePolicy",
            "DescribeOrganization",
            "SimulatePrincipalPolicy",
        ] {
            assert!(is_read_only(ok), "{ok}");
        }
        for bad in [
            "CreateUser",
            "DeleteRole",
            "PutUserPolicy",
            "AttachRolePolicy",
            "UpdateAssumeRolePolicy",
            "GenerateCredentialReport",
            "AssumeRole",
            "Listen",
            "Getaway",
            "",
            "get_user",
        ] {
            assert!(!is_read_only(bad), "{bad}");
        }
    }
}
