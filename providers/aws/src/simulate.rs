//! `blastradius aws simulate`: the outside contract (shared/contract.md).
//!
//! A request carries its full context, so a key not given is absent (never
//! "unknown"): the decision is always `allowed`, `explicit_deny` or
//! `implicit_deny`.

use serde::Serialize;
use serde_json::{Map, Value};

use crate::context::{Context, ContextValue};
use crate::eval::{evaluate, Decision, PolicySet, Principal, Request};
use crate::policy::{kind, parse_policy, Policy, PolicyError};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimulateOutput {
    pub results: Vec<SimulateResult>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SimulateResult {
    pub action: String,
    pub resource: String,
    /// `allowed | explicit_deny | implicit_deny`
    pub decision: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    #[error("input is not valid JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("input field {field}: {message}")]
    Field { field: String, message: String },
    #[error(transparent)]
    Policy(#[from] PolicyError),
    #[error("requests[{index}]: {message}")]
    Request { index: usize, message: String },
}

fn field_err(field: &str, message: impl Into<String>) -> SimulateError {
    SimulateError::Field {
        field: field.to_string(),
        message: message.into(),
    }
}

/// Run the simulation described by the contract's input JSON.
pub fn run(input_json: &str) -> Result<SimulateOutput, SimulateError> {
    let input: Value = serde_json::from_str(input_json)?;
    let Value::Object(root) = &input else {
        return Err(field_err(
            "(root)",
            format!("expected an object, found {}", kind(&input)),
        ));
    };
    let principal_arn = match root.get("principal") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        Some(other) => {
            return Err(field_err(
                "principal",
                format!("expected an ARN string, found {other}"),
            ))
        }
        None => return Err(field_err("principal", "missing")),
    };
    let principal = Principal::from_arn(&principal_arn);

    let set = PolicySet {
        identity: policy_list(root, "identity_policies")?,
        boundaries: policy_list(root, "permission_boundaries")?,
        session: optional_policy(root, "session_policy")?,
        scps: levels(root, "scps")?,
        rcps: levels(root, "rcps")?,
        resource: optional_policy(root, "resource_policy")?,
    };

    let requests = match root.get("requests") {
        Some(Value::Array(a)) => a,
        None | Some(Value::Null) => {
            return Ok(SimulateOutput {
                results: Vec::new(),
            })
        }
        Some(other) => {
            return Err(field_err(
                "requests",
                format!("expected a list, found {}", kind(other)),
            ))
        }
    };
    let mut results = Vec::with_capacity(requests.len());
    for (index, r) in requests.iter().enumerate() {
        let rerr = |message: String| SimulateError::Request { index, message };
        let Value::Object(r) = r else {
            return Err(rerr(format!("expected an object, found {}", kind(r))));
        };
        let action = match r.get("action") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(rerr(format!("action must be a string, found {other}"))),
            None => return Err(rerr("missing action".into())),
        };
        match action.split_once(':') {
            Some((svc, name)) if !svc.is_empty() && !name.is_empty() => {}
            _ => {
                return Err(rerr(format!(
                    "action {action:?} has no service prefix (expected \"service:Action\")"
                )))
            }
        }
        let resource = match r.get("resource") {
            Some(Value::String(s)) => s.clone(),
            // An action without a resource type is authorised against "*".
            None | Some(Value::Null) => "*".to_string(),
            Some(other) => return Err(rerr(format!("resource must be a string, found {other}"))),
        };
        let resource_account = match r.get("resource_account") {
            Some(Value::String(s)) => Some(s.clone()),
            None | Some(Value::Null) => None,
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(other) => {
                return Err(rerr(format!(
                    "resource_account must be a string, found {other}"
                )))
            }
        };
        let context = parse_context(r.get("context")).map_err(rerr)?;
        let req = Request {
            principal: &principal,
            action: &action,
            resource: &resource,
            resource_account: resource_account.as_deref(),
            context: &context,
        };
        let decision = match evaluate(&set, &req).decision {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicit_deny",
            // A complete context has no unknown keys, so Conditional cannot
            // arise; were it to, it is not a certain allow.
            Decision::ImplicitDeny | Decision::Conditional => "implicit_deny",
        };
        results.push(SimulateResult {
            action,
            resource,
            decision,
        });
    }
    Ok(SimulateOutput { results })
}

fn policy_list(root: &Map<String, Value>, field: &str) -> Result<Vec<Policy>, SimulateError> {
    match root.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .enumerate()
            .map(|(i, p)| parse_policy(p, &format!("{field}[{i}]")).map_err(Into::into))
            .collect(),
        Some(other) => Err(field_err(
            field,
            format!("expected a list of policies, found {}", kind(other)),
        )),
    }
}

fn optional_policy(
    root: &Map<String, Value>,
    field: &str,
) -> Result<Option<Policy>, SimulateError> {
    match root.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(p) => Ok(Some(parse_policy(p, field)?)),
    }
}

fn levels(root: &Map<String, Value>, field: &str) -> Result<Vec<Vec<Policy>>, SimulateError> {
    match root.get(field) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(levels)) => levels
            .iter()
            .enumerate()
            .map(|(l, level)| match level {
                Value::Array(ps) => ps
                    .iter()
                    .enumerate()
                    .map(|(i, p)| {
                        parse_policy(p, &format!("{field}[{l}][{i}]")).map_err(Into::into)
                    })
                    .collect(),
                other => Err(field_err(
                    &format!("{field}[{l}]"),
                    format!(
                        "expected a list of policies for one organisation level, found {}",
                        kind(other)
                    ),
                )),
            })
            .collect(),
        Some(other) => Err(field_err(
            field,
            format!("expected a list of levels, found {}", kind(other)),
        )),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn parse_context(v: Option<&Value>) -> Result<Context, String> {
    let mut ctx = Context::complete();
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                match v {
                    // A null value is an absent key.
                    Value::Null => {}
                    Value::Array(a) => {
                        let vals = a
                            .iter()
                            .map(|x| {
                                scalar(x).ok_or_else(|| {
                                    format!("context {k:?}: list values must be scalars")
                                })
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        ctx.insert(k, ContextValue::Multi(vals));
                    }
                    other => {
                        let s = scalar(other).ok_or_else(|| {
                            format!("context {k:?}: expected a string, number, boolean or list")
                        })?;
                        ctx.insert(k, ContextValue::Single(s));
                    }
                }
            }
        }
        Some(other) => return Err(format!("context must be an object, found {}", kind(other))),
    }
    Ok(ctx)
}
