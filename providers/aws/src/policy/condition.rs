//! Condition operators and their evaluation.
//!
//! IAM User Guide, "IAM JSON policy elements: Condition operators",
//! "Condition keys that don't exist in the request", "Set operators for
//! multivalued context keys". Rules implemented:
//! - every key in a block must match (AND), values of one key are OR;
//! - a missing key makes a condition false, except `...IfExists` (true),
//!   `Null`, negated operators (true), `ForAllValues:` (true) and
//!   `ForAnyValue:` (false);
//! - string operators are case-sensitive unless `...IgnoreCase`.

use std::net::IpAddr;

use ipnet::IpNet;
use serde_json::Value;

use super::date::parse_date;
use super::pattern::{glob_match, tokens_eq, tokens_split_arn, Resolved, Template};
use crate::context::{Context, Lookup};
use crate::eval::Tri;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BaseOp {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

use BaseOp::*;

/// Operator names as they are written; data, not a match block of strings.
const OPERATORS: &[(&str, BaseOp)] = &[
    ("StringEquals", StringEquals),
    ("StringNotEquals", StringNotEquals),
    ("StringEqualsIgnoreCase", StringEqualsIgnoreCase),
    ("StringNotEqualsIgnoreCase", StringNotEqualsIgnoreCase),
    ("StringLike", StringLike),
    ("StringNotLike", StringNotLike),
    ("NumericEquals", NumericEquals),
    ("NumericNotEquals", NumericNotEquals),
    ("NumericLessThan", NumericLessThan),
    ("NumericLessThanEquals", NumericLessThanEquals),
    ("NumericGreaterThan", NumericGreaterThan),
    ("NumericGreaterThanEquals", NumericGreaterThanEquals),
    ("DateEquals", DateEquals),
    ("DateNotEquals", DateNotEquals),
    ("DateLessThan", DateLessThan),
    ("DateLessThanEquals", DateLessThanEquals),
    ("DateGreaterThan", DateGreaterThan),
    ("DateGreaterThanEquals", DateGreaterThanEquals),
    ("Bool", Bool),
    ("BinaryEquals", BinaryEquals),
    ("IpAddress", IpAddress),
    ("NotIpAddress", NotIpAddress),
    ("ArnEquals", ArnEquals),
    ("ArnLike", ArnLike),
    ("ArnNotEquals", ArnNotEquals),
    ("ArnNotLike", ArnNotLike),
    ("Null", Null),
];

impl BaseOp {
    /// Negated operators: on a missing key they are true, and on a present
    /// key they are the negation of their positive twin.
    pub fn is_negated(self) -> bool {
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Policy variables are honoured in string and ARN operators only
    /// (IAM User Guide, "Where you can use policy variables").
    fn takes_variables(self) -> bool {
        matches!(
            self,
            StringEquals
                | StringNotEquals
                | StringEqualsIgnoreCase
                | StringNotEqualsIgnoreCase
                | StringLike
                | StringNotLike
                | ArnEquals
                | ArnLike
                | ArnNotEquals
                | ArnNotLike
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOp {
    ForAllValues,
    ForAnyValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operator {
    pub set: Option<SetOp>,
    pub base: BaseOp,
    pub if_exists: bool,
}

impl Operator {
    pub fn parse(s: &str) -> Option<Operator> {
        let (set, rest) = if let Some(r) = s.strip_prefix("ForAllValues:") {
            (Some(SetOp::ForAllValues), r)
        } else if let Some(r) = s.strip_prefix("ForAnyValue:") {
            (Some(SetOp::ForAnyValue), r)
        } else {
            (None, s)
        };
        let (if_exists, rest) = match rest.strip_suffix("IfExists") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let base = OPERATORS.iter().find(|(n, _)| *n == rest)?.1;
        // `NullIfExists` is meaningless and not an operator.
        if base == Null && if_exists {
            return None;
        }
        Some(Operator {
            set,
            base,
            if_exists,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Condition {
    /// As written, for messages and evidence.
    pub operator_name: String,
    pub operator: Operator,
    pub key: String,
    pub values: Vec<Template>,
}

/// Parse a `Condition` block: `{ operator: { key: value-or-list } }`.
pub fn parse_block(v: &Value, variables: bool) -> Result<Vec<Condition>, String> {
    let Value::Object(ops) = v else {
        return Err(format!(
            "Condition must be an object, found {}",
            super::kind(v)
        ));
    };
    let mut out = Vec::new();
    for (op_name, keys) in ops {
        let operator = Operator::parse(op_name)
            .ok_or_else(|| format!("unknown condition operator {op_name:?}"))?;
        let Value::Object(keys) = keys else {
            return Err(format!(
                "condition operator {op_name} must map keys to values, found {}",
                super::kind(keys)
            ));
        };
        for (key, vals) in keys {
            let raw: Vec<String> = match vals {
                Value::Array(a) => a
                    .iter()
                    .map(|x| scalar(x, op_name, key))
                    .collect::<Result<_, _>>()?,
                x => vec![scalar(x, op_name, key)?],
            };
            for r in &raw {
                validate(operator.base, r)
                    .map_err(|m| format!("condition {op_name} {key:?}: {m}"))?;
            }
            let vars = variables && operator.base.takes_variables();
            out.push(Condition {
                operator_name: op_name.clone(),
                operator,
                key: key.clone(),
                values: raw.iter().map(|r| Template::parse(r, vars)).collect(),
            });
        }
    }
    Ok(out)
}

/// Condition values may be written as JSON strings, numbers or booleans.
fn scalar(v: &Value, op: &str, key: &str) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!(
            "condition {op} {key:?}: values must be strings, numbers or booleans, found {}",
            super::kind(other)
        )),
    }
}

/// AWS rejects a policy whose condition values do not fit the operator;
/// so do we, instead of silently never matching.
fn validate(op: BaseOp, v: &str) -> Result<(), String> {
    match op {
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => v
            .trim()
            .parse::<f64>()
            .map(|_| ())
            .map_err(|_| format!("{v:?} is not a number")),
        DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => parse_date(v)
            .map(|_| ())
            .ok_or_else(|| format!("{v:?} is not a date (ISO 8601 or epoch seconds)")),
        IpAddress | NotIpAddress => parse_net(v)
            .map(|_| ())
            .ok_or_else(|| format!("{v:?} is not an IP address or CIDR block")),
        Null | Bool => {
            if v.eq_ignore_ascii_case("true") || v.eq_ignore_ascii_case("false") {
                Ok(())
            } else {
                Err(format!("{v:?} is not true or false"))
            }
        }
        _ => Ok(()),
    }
}

fn parse_net(v: &str) -> Option<IpNet> {
    let v = v.trim();
    if let Ok(n) = v.parse::<IpNet>() {
        return Some(n);
    }
    v.parse::<IpAddr>().ok().map(IpNet::from)
}

impl Condition {
    /// Evaluate against the context; `unknown` collects keys whose absence
    /// made the outcome unknown.
    pub fn evaluate(&self, ctx: &Context, unknown: &mut Vec<String>) -> Tri {
        let op = self.operator;
        let found = ctx.lookup(&self.key);
        if op.base == Null {
            // Null: "true" asks that the key be absent, "false" present.
            return match found {
                Lookup::Unknown => {
                    unknown.push(self.key.clone());
                    Tri::Unknown
                }
                Lookup::Present(_) | Lookup::Missing => {
                    let absent = matches!(found, Lookup::Missing);
                    Tri::from(
                        self.values
                            .iter()
                            .any(|v| v.raw().eq_ignore_ascii_case("true") == absent),
                    )
                }
            };
        }
        let values = match found {
            Lookup::Unknown => {
                unknown.push(self.key.clone());
                return Tri::Unknown;
            }
            Lookup::Missing => {
                return Tri::from(if op.if_exists {
                    true
                } else {
                    match op.set {
                        Some(SetOp::ForAllValues) => true,
                        Some(SetOp::ForAnyValue) => false,
                        None => op.base.is_negated(),
                    }
                });
            }
            Lookup::Present(v) => v.values(),
        };
        let mut value_test = |cv: &str| -> Tri {
            // Positive test: any policy value matches (values are OR).
            let mut acc = Tri::False;
            for pv in &self.values {
                acc = acc.or(positive(op.base, pv, cv, ctx, unknown));
                if acc == Tri::True {
                    break;
                }
            }
            if op.base.is_negated() {
                acc.not()
            } else {
                acc
            }
        };
        match op.set {
            Some(SetOp::ForAllValues) => {
                let mut acc = Tri::True;
                for cv in &values {
                    acc = acc.and(value_test(cv));
                }
                acc
            }
            Some(SetOp::ForAnyValue) => {
                let mut acc = Tri::False;
                for cv in &values {
                    acc = acc.or(value_test(cv));
                }
                acc
            }
            None => {
                // A single-valued operator on a multivalued key: the positive
                // form matches when any value matches; the negated form is its
                // negation (none matches).
                if op.base.is_negated() {
                    let mut acc = Tri::True;
                    for cv in &values {
                        acc = acc.and(value_test(cv));
                    }
                    acc
                } else {
                    let mut acc = Tri::False;
                    for cv in &values {
                        acc = acc.or(value_test(cv));
                    }
                    acc
                }
            }
        }
    }
}

/// The positive (non-negated) comparison of one policy value with one
/// context value.
fn positive(op: BaseOp, pv: &Template, cv: &str, ctx: &Context, unknown: &mut Vec<String>) -> Tri {
    let wildcards = matches!(
        op,
        StringLike | StringNotLike | ArnEquals | ArnLike | ArnNotEquals | ArnNotLike
    );
    let toks = match pv.resolve(ctx, wildcards) {
        Resolved::Tokens(t) => t,
        // An absent variable matches nothing.
        Resolved::Missing => return Tri::False,
        Resolved::Unknown(k) => {
            unknown.push(k);
            return Tri::Unknown;
        }
    };
    let b = match op {
        StringEquals | StringNotEquals => tokens_eq(&toks, cv, false),
        StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => tokens_eq(&toks, cv, true),
        StringLike | StringNotLike => glob_match(&toks, cv, false),
        ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => arn_match(&toks, cv),
        NumericEquals
        | NumericNotEquals
        | NumericLessThan
        | NumericLessThanEquals
        | NumericGreaterThan
        | NumericGreaterThanEquals => {
            match (pv.raw().trim().parse::<f64>(), cv.trim().parse::<f64>()) {
                (Ok(p), Ok(c)) => compare(op, c.partial_cmp(&p)),
                _ => false,
            }
        }
        DateEquals
        | DateNotEquals
        | DateLessThan
        | DateLessThanEquals
        | DateGreaterThan
        | DateGreaterThanEquals => match (parse_date(pv.raw()), parse_date(cv)) {
            (Some(p), Some(c)) => compare(op, Some(c.cmp(&p))),
            _ => false,
        },
        Bool => pv.raw().eq_ignore_ascii_case(cv.trim()),
        BinaryEquals => pv.raw() == cv,
        IpAddress | NotIpAddress => match (parse_net(pv.raw()), cv.trim().parse::<IpAddr>()) {
            (Some(net), Ok(ip)) => net.contains(&ip),
            _ => false,
        },
        Null => false,
    };
    Tri::from(b)
}

fn compare(op: BaseOp, ord: Option<std::cmp::Ordering>) -> bool {
    use std::cmp::Ordering::*;
    let Some(o) = ord else { return false };
    match op {
        NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => o == Equal,
        NumericLessThan | DateLessThan => o == Less,
        NumericLessThanEquals | DateLessThanEquals => o != Greater,
        NumericGreaterThan | DateGreaterThan => o == Greater,
        NumericGreaterThanEquals | DateGreaterThanEquals => o != Less,
        _ => false,
    }
}

/// ARN operators compare each of the six colon-separated components on its
/// own, each with `*`/`?` wildcards (IAM User Guide, "Amazon Resource Name
/// (ARN) condition operators").
fn arn_match(pattern: &[super::pattern::TokOut], arn: &str) -> bool {
    let pp = tokens_split_arn(pattern);
    let ap: Vec<&str> = arn.splitn(6, ':').collect();
    if pp.len() != 6 || ap.len() != 6 {
        return false;
    }
    pp.iter().zip(ap).all(|(p, a)| glob_match(p, a, false))
}

#[cfg(test)]
#[path = "condition_tests.rs"]
mod tests;
