//! The IAM policy language: parsing documents into typed statements.
//!
//! Grammar: IAM User Guide, "IAM JSON policy element reference" and "Grammar
//! of the IAM JSON policy language". Documents come as JSON objects or as
//! URL-encoded strings (as `get-account-authorization-details` returns them).

pub mod condition;
pub mod date;
pub mod pattern;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

pub use condition::{BaseOp, Condition, Operator, SetOp};
pub use pattern::Template;

/// Where in the input a problem was found and what it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("policy {policy}: {message}")]
    Policy { policy: String, message: String },
    #[error("policy {policy}, statement {statement}: {message}")]
    Statement {
        policy: String,
        statement: String,
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Effect {
    Allow,
    Deny,
}

/// `Action` or `NotAction`, lowercased `service:pattern` strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ActionSpec {
    Action(Vec<String>),
    NotAction(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ResourceSpec {
    Resource(Vec<Template>),
    NotResource(Vec<Template>),
}

/// One entry of a `Principal` map.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalId {
    /// `"*"` or `{"AWS": "*"}`: everyone.
    Any,
    /// `{"AWS": ...}`: an ARN or an account id (stored as given).
    Aws(String),
    Service(String),
    Federated(String),
    CanonicalUser(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrincipalSpec {
    Principal(Vec<PrincipalId>),
    NotPrincipal(Vec<PrincipalId>),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Statement {
    /// `Sid`, else `#<index>`: how messages and evidence name it.
    pub label: String,
    pub sid: Option<String>,
    pub index: usize,
    pub effect: Effect,
    pub action: ActionSpec,
    /// `None` when absent (trust policies have no Resource): applies to the
    /// resource the policy is attached to.
    pub resource: Option<ResourceSpec>,
    pub principal: Option<PrincipalSpec>,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// How the policy is named in messages: `identity_policies[0]`, an ARN...
    pub name: String,
    pub version: Option<String>,
    /// Shared: a policy attached to many principals is one list.
    pub statements: std::sync::Arc<[Statement]>,
}

/// Parse a policy document given as a JSON value: an object, or a string
/// holding the JSON (URL-encoded or not).
pub fn parse_policy(value: &Value, name: &str) -> Result<Policy, PolicyError> {
    let perr = |message: String| PolicyError::Policy {
        policy: name.to_string(),
        message,
    };
    match value {
        Value::Object(map) => parse_object(map, name),
        Value::String(s) => {
            let trimmed = s.trim_start();
            // GAAD returns documents URL-encoded ("%7B%22Version..."); a string
            // already starting with '{' is plain JSON, and must not be decoded
            // (a literal '%' in it would be mangled).
            let text = if trimmed.starts_with('{') {
                s.clone()
            } else {
                percent_decode_str(s)
                    .decode_utf8()
                    .map_err(|e| perr(format!("URL-encoded document is not UTF-8: {e}")))?
                    .into_owned()
            };
            let inner: Value = serde_json::from_str(&text)
                .map_err(|e| perr(format!("document is not valid JSON: {e}")))?;
            match inner {
                Value::Object(map) => parse_object(&map, name),
                _ => Err(perr("document is not a JSON object".into())),
            }
        }
        other => Err(perr(format!(
            "expected a policy object or document string, found {}",
            kind(other)
        ))),
    }
}

pub(crate) fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn parse_object(map: &Map<String, Value>, name: &str) -> Result<Policy, PolicyError> {
    let perr = |message: String| PolicyError::Policy {
        policy: name.to_string(),
        message,
    };
    let mut version = None;
    let mut statement = None;
    for (k, v) in map {
        match k.as_str() {
            "Version" => match v {
                Value::String(s) if s == "2012-10-17" || s == "2008-10-17" => {
                    version = Some(s.clone())
                }
                _ => {
                    return Err(perr(format!(
                        "Version must be \"2012-10-17\" or \"2008-10-17\", found {v}"
                    )))
                }
            },
            "Id" => {}
            "Statement" => statement = Some(v),
            other => return Err(perr(format!("unknown policy element {other:?}"))),
        }
    }
    let statement = statement.ok_or_else(|| perr("missing Statement".into()))?;
    // Policy variables are only substituted under 2012-10-17; under
    // 2008-10-17 (the default when Version is absent) `${...}` is literal
    // text (IAM User Guide, "IAM JSON policy elements: Version").
    let variables = version.as_deref() == Some("2012-10-17");
    let items: Vec<&Value> = match statement {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![statement],
        other => {
            return Err(perr(format!(
                "Statement must be an object or a list, found {}",
                kind(other)
            )))
        }
    };
    let mut statements = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        statements.push(parse_statement(item, i, name, variables)?);
    }
    Ok(Policy {
        name: name.to_string(),
        version,
        statements: statements.into(),
    })
}

/// A string or a list of strings (IAM allows both for every value element).
fn string_list(v: &Value, what: &str) -> Result<Vec<String>, String> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::String(s) => Ok(s.clone()),
                other => Err(format!(
                    "{what} values must be strings, found {}",
                    kind(other)
                )),
            })
            .collect(),
        other => Err(format!(
            "{what} must be a string or a list of strings, found {}",
            kind(other)
        )),
    }
}

fn parse_statement(
    v: &Value,
    index: usize,
    policy: &str,
    variables: bool,
) -> Result<Statement, PolicyError> {
    let Value::Object(map) = v else {
        return Err(PolicyError::Statement {
            policy: policy.to_string(),
            statement: format!("#{index}"),
            message: format!("statement must be an object, found {}", kind(v)),
        });
    };
    let sid = match map.get("Sid") {
        Some(Value::String(s)) => Some(s.clone()),
        _ => None,
    };
    let label = sid
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| format!("#{index}"));
    let serr = |message: String| PolicyError::Statement {
        policy: policy.to_string(),
        statement: label.clone(),
        message,
    };
    for k in map.keys() {
        if !matches!(
            k.as_str(),
            "Sid"
                | "Effect"
                | "Action"
                | "NotAction"
                | "Resource"
                | "NotResource"
                | "Principal"
                | "NotPrincipal"
                | "Condition"
        ) {
            return Err(serr(format!("unknown statement element {k:?}")));
        }
    }
    if let Some(s) = map.get("Sid") {
        if !s.is_string() {
            return Err(serr(format!("Sid must be a string, found {}", kind(s))));
        }
    }
    let effect = match map.get("Effect") {
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(other) => {
            return Err(serr(format!(
                "Effect must be \"Allow\" or \"Deny\", found {other}"
            )))
        }
        None => return Err(serr("missing Effect".into())),
    };
    let action = match (map.get("Action"), map.get("NotAction")) {
        (Some(_), Some(_)) => return Err(serr("has both Action and NotAction".into())),
        (None, None) => return Err(serr("missing Action or NotAction".into())),
        (Some(a), None) => ActionSpec::Action(parse_actions(a, "Action").map_err(&serr)?),
        (None, Some(a)) => ActionSpec::NotAction(parse_actions(a, "NotAction").map_err(&serr)?),
    };
    let resource = match (map.get("Resource"), map.get("NotResource")) {
        (Some(_), Some(_)) => return Err(serr("has both Resource and NotResource".into())),
        (None, None) => None,
        (Some(r), None) => Some(ResourceSpec::Resource(
            string_list(r, "Resource")
                .map_err(&serr)?
                .iter()
                .map(|s| Template::parse(s, variables))
                .collect(),
        )),
        (None, Some(r)) => Some(ResourceSpec::NotResource(
            string_list(r, "NotResource")
                .map_err(&serr)?
                .iter()
                .map(|s| Template::parse(s, variables))
                .collect(),
        )),
    };
    let principal = match (map.get("Principal"), map.get("NotPrincipal")) {
        (Some(_), Some(_)) => return Err(serr("has both Principal and NotPrincipal".into())),
        (None, None) => None,
        (Some(p), None) => Some(PrincipalSpec::Principal(
            parse_principal(p, "Principal").map_err(&serr)?,
        )),
        (None, Some(p)) => Some(PrincipalSpec::NotPrincipal(
            parse_principal(p, "NotPrincipal").map_err(&serr)?,
        )),
    };
    let conditions = match map.get("Condition") {
        None => Vec::new(),
        Some(c) => condition::parse_block(c, variables).map_err(&serr)?,
    };
    Ok(Statement {
        label,
        sid,
        index,
        effect,
        action,
        resource,
        principal,
        conditions,
    })
}

/// Actions are `service:name` with wildcards, or `*` alone. Matching is
/// case-insensitive (IAM User Guide, "IAM JSON policy elements: Action"), so
/// they are stored lowercased.
fn parse_actions(v: &Value, what: &str) -> Result<Vec<String>, String> {
    let list = string_list(v, what)?;
    let mut out = Vec::with_capacity(list.len());
    for a in list {
        let a = a.trim();
        if a != "*" {
            match a.split_once(':') {
                Some((svc, _)) if !svc.is_empty() && !svc.contains(['*', '?']) => {}
                _ => {
                    return Err(format!(
                        "{what} {a:?} has no service prefix (expected \"service:Action\" or \"*\")"
                    ))
                }
            }
        }
        out.push(a.to_ascii_lowercase());
    }
    Ok(out)
}

fn parse_principal(v: &Value, what: &str) -> Result<Vec<PrincipalId>, String> {
    match v {
        Value::String(s) if s == "*" => Ok(vec![PrincipalId::Any]),
        Value::Object(map) => {
            let mut out = Vec::new();
            for (k, vals) in map {
                for s in string_list(vals, &format!("{what}.{k}"))? {
                    out.push(match k.as_str() {
                        "AWS" if s == "*" => PrincipalId::Any,
                        "AWS" => PrincipalId::Aws(s),
                        "Service" => PrincipalId::Service(s),
                        "Federated" => PrincipalId::Federated(s),
                        "CanonicalUser" => PrincipalId::CanonicalUser(s),
                        other => {
                            return Err(format!(
                                "{what} has unknown principal type {other:?} (expected AWS, Service, Federated or CanonicalUser)"
                            ))
                        }
                    });
                }
            }
            Ok(out)
        }
        other => Err(format!(
            "{what} must be \"*\" or an object, found {}",
            kind(other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn statement_object_or_list_and_values_string_or_list() {
        let p = parse_policy(
            &json!({"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"S3:GetObject","Resource":"*"}}),
            "p",
        )
        .unwrap();
        assert_eq!(p.statements.len(), 1);
        assert_eq!(
            p.statements[0].action,
            ActionSpec::Action(vec!["s3:getobject".into()])
        );
        let p = parse_policy(
            &json!({"Statement":[{"Sid":"A","Effect":"Deny","NotAction":["iam:*","sts:*"],"NotResource":["arn:aws:iam::1:role/x"]}]}),
            "p",
        )
        .unwrap();
        assert_eq!(p.statements[0].label, "A");
        assert!(matches!(
            p.statements[0].resource,
            Some(ResourceSpec::NotResource(_))
        ));
    }

    #[test]
    fn url_encoded_document() {
        let enc = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3A%2A%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D";
        let p = parse_policy(&Value::String(enc.into()), "gaad").unwrap();
        assert_eq!(
            p.statements[0].action,
            ActionSpec::Action(vec!["s3:*".into()])
        );
        // A plain JSON string works too.
        let plain = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
        assert!(parse_policy(&Value::String(plain.into()), "s").is_ok());
    }

    #[test]
    fn errors_name_policy_and_statement() {
        let e = parse_policy(
            &json!({"Statement":[{"Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"Bad","Effect":"Allow","Action":"GetObject","Resource":"*"}]}),
            "identity_policies[2]",
        )
        .unwrap_err();
        let msg = e.to_string();
        assert!(
            msg.contains("identity_policies[2]")
                && msg.contains("Bad")
                && msg.contains("service prefix"),
            "{msg}"
        );
        let e =
            parse_policy(&json!({"Statement":{"Effect":"allow","Action":"*"}}), "p").unwrap_err();
        assert!(
            e.to_string().contains("#0") && e.to_string().contains("Effect"),
            "{e}"
        );
        assert!(parse_policy(&json!(42), "p").is_err());
        assert!(parse_policy(&json!({}), "p")
            .unwrap_err()
            .to_string()
            .contains("missing Statement"));
        assert!(parse_policy(
            &json!({"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Actions":"x"}}),
            "p"
        )
        .is_err());
        assert!(parse_policy(
            &json!({"Statement":{"Effect":"Allow","Action":"*","NotAction":"s3:*"}}),
            "p"
        )
        .is_err());
        assert!(parse_policy(&json!({"Version":"2020-01-01","Statement":[]}), "p").is_err());
        assert!(parse_policy(&json!({"Statement":{"Effect":"Allow","Action":"*","Condition":{"StringEqualz":{"a":"b"}}}}), "p")
            .unwrap_err()
            .to_string()
            .contains("StringEqualz"));
        assert!(parse_policy(&Value::String("%7Bnot json".into()), "p").is_err());
    }

    #[test]
    fn principals() {
        let p = parse_policy(
            &json!({"Statement":{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"AWS":["111122223333","*"],"Service":"ec2.amazonaws.com","Federated":"cognito-identity.amazonaws.com","CanonicalUser":"abc"}}}),
            "trust",
        )
        .unwrap();
        let Some(PrincipalSpec::Principal(ids)) = &p.statements[0].principal else {
            panic!("principal")
        };
        assert_eq!(ids.len(), 5);
        assert!(ids.contains(&PrincipalId::Any));
        assert!(parse_policy(
            &json!({"Statement":{"Effect":"Allow","Action":"*","Principal":{"Bogus":"x"}}}),
            "t"
        )
        .is_err());
    }
}
