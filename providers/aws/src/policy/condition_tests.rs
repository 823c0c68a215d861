use super::*;
use serde_json::json;

fn cond(block: serde_json::Value) -> Vec<Condition> {
    parse_block(&block, true).unwrap()
}

fn eval(block: serde_json::Value, ctx: &Context) -> Tri {
    let mut unk = Vec::new();
    cond(block)
        .iter()
        .fold(Tri::True, |acc, c| acc.and(c.evaluate(ctx, &mut unk)))
}

fn t(block: serde_json::Value, ctx: &Context) -> bool {
    eval(block, ctx) == Tri::True
}

#[test]
fn string_family() {
    let c = Context::complete().with("k", "Prod");
    assert!(t(json!({"StringEquals": {"k": ["dev", "Prod"]}}), &c));
    assert!(!t(json!({"StringEquals": {"k": "prod"}}), &c));
    assert!(t(json!({"StringEqualsIgnoreCase": {"k": "prod"}}), &c));
    assert!(t(json!({"StringNotEquals": {"k": "prod"}}), &c));
    assert!(!t(json!({"StringNotEquals": {"k": ["x", "Prod"]}}), &c));
    assert!(!t(json!({"StringNotEqualsIgnoreCase": {"k": "PROD"}}), &c));
    assert!(t(json!({"StringLike": {"k": "P*"}}), &c));
    assert!(t(json!({"StringLike": {"k": "Pro?"}}), &c));
    assert!(!t(json!({"StringLike": {"k": "p*"}}), &c));
    assert!(t(json!({"StringNotLike": {"k": "d*"}}), &c));
    // StringEquals takes '*' literally.
    assert!(!t(json!({"StringEquals": {"k": "P*"}}), &c));
    // Condition keys are case-insensitive.
    assert!(t(json!({"StringEquals": {"K": "Prod"}}), &c));
}

#[test]
fn and_across_keys_or_across_values() {
    let c = Context::complete().with("a", "1").with("b", "2");
    assert!(t(json!({"StringEquals": {"a": ["0", "1"], "b": "2"}}), &c));
    assert!(!t(json!({"StringEquals": {"a": "1", "b": "3"}}), &c));
    assert!(!t(
        json!({"StringEquals": {"a": "1"}, "StringLike": {"b": "9*"}}),
        &c
    ));
}

#[test]
fn numeric_and_date() {
    let c = Context::complete()
        .with("n", "10")
        .with("d", "2024-06-01T12:00:00Z");
    assert!(t(json!({"NumericEquals": {"n": 10}}), &c));
    assert!(t(json!({"NumericNotEquals": {"n": "11"}}), &c));
    assert!(t(json!({"NumericLessThan": {"n": "11"}}), &c));
    assert!(!t(json!({"NumericLessThan": {"n": "10"}}), &c));
    assert!(t(json!({"NumericLessThanEquals": {"n": "10"}}), &c));
    assert!(t(json!({"NumericGreaterThan": {"n": "9.5"}}), &c));
    assert!(t(json!({"NumericGreaterThanEquals": {"n": "10"}}), &c));
    assert!(!t(json!({"NumericGreaterThan": {"n": "10"}}), &c));
    assert!(t(
        json!({"DateGreaterThan": {"d": "2024-01-01T00:00:00Z"}}),
        &c
    ));
    assert!(t(json!({"DateLessThan": {"d": "2025-01-01"}}), &c));
    assert!(t(
        json!({"DateEquals": {"d": "2024-06-01T14:00:00+02:00"}}),
        &c
    ));
    assert!(t(json!({"DateNotEquals": {"d": "2024-06-01"}}), &c));
    assert!(t(json!({"DateLessThanEquals": {"d": "1717243200"}}), &c));
    assert!(t(json!({"DateGreaterThanEquals": {"d": "1717243200"}}), &c));
    // An unparsable context value never satisfies a positive comparison.
    let bad = Context::complete().with("n", "ten");
    assert!(!t(json!({"NumericEquals": {"n": "10"}}), &bad));
    // Bad policy values are rejected at parse time.
    assert!(parse_block(&json!({"NumericEquals": {"n": "ten"}}), true).is_err());
    assert!(parse_block(&json!({"DateEquals": {"n": "soon"}}), true).is_err());
    assert!(parse_block(&json!({"IpAddress": {"n": "300.1.1.1"}}), true).is_err());
}

#[test]
fn bool_binary_ip_arn() {
    let c = Context::complete()
        .with("aws:SecureTransport", "true")
        .with("b", "QmluYXJ5")
        .with("aws:SourceIp", "203.0.113.7")
        .with("v6", "2001:db8::1")
        .with("aws:SourceArn", "arn:aws:sns:us-east-1:123456789012:topic");
    assert!(t(json!({"Bool": {"aws:SecureTransport": true}}), &c));
    assert!(t(json!({"Bool": {"aws:SecureTransport": "TRUE"}}), &c));
    assert!(!t(json!({"Bool": {"aws:SecureTransport": "false"}}), &c));
    assert!(t(json!({"BinaryEquals": {"b": "QmluYXJ5"}}), &c));
    assert!(t(
        json!({"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}),
        &c
    ));
    assert!(t(json!({"IpAddress": {"aws:SourceIp": "203.0.113.7"}}), &c));
    assert!(!t(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), &c));
    assert!(t(
        json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        &c
    ));
    assert!(t(json!({"IpAddress": {"v6": "2001:db8::/32"}}), &c));
    assert!(!t(json!({"IpAddress": {"v6": "10.0.0.0/8"}}), &c));
    assert!(t(
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}),
        &c
    ));
    assert!(t(
        json!({"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}}),
        &c
    ));
    assert!(!t(
        json!({"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:999999999999:*"}}),
        &c
    ));
    assert!(t(
        json!({"ArnNotLike": {"aws:SourceArn": "arn:aws:sqs:*"}}),
        &c
    ));
    assert!(!t(
        json!({"ArnNotEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:topic"}}),
        &c
    ));
    // ARN components are matched one by one: a '*' does not eat the colons
    // of a pattern with fewer components.
    assert!(!t(json!({"ArnLike": {"aws:SourceArn": "arn:aws:*"}}), &c));
}

#[test]
fn missing_key_rules() {
    let c = Context::complete();
    assert!(!t(json!({"StringEquals": {"k": "v"}}), &c));
    assert!(t(json!({"StringEqualsIfExists": {"k": "v"}}), &c));
    assert!(t(json!({"StringNotEquals": {"k": "v"}}), &c));
    assert!(t(
        json!({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}),
        &c
    ));
    assert!(!t(json!({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}), &c));
    assert!(t(json!({"ArnNotLike": {"k": "arn:*"}}), &c));
    assert!(t(json!({"Null": {"k": "true"}}), &c));
    assert!(!t(json!({"Null": {"k": "false"}}), &c));
    assert!(t(json!({"ForAllValues:StringEquals": {"k": "v"}}), &c));
    assert!(!t(json!({"ForAnyValue:StringEquals": {"k": "v"}}), &c));
    assert!(t(
        json!({"ForAnyValue:StringEqualsIfExists": {"k": "v"}}),
        &c
    ));
    // IfExists still applies when present.
    let p = Context::complete().with("k", "w");
    assert!(!t(json!({"StringEqualsIfExists": {"k": "v"}}), &p));
    assert!(t(json!({"Null": {"k": "false"}}), &p));
    assert!(!t(json!({"Null": {"k": "true"}}), &p));
}

#[test]
fn set_operators() {
    let c = Context::complete().with_multi("aws:TagKeys", &["env", "team"]);
    assert!(t(
        json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "team", "cost"]}}),
        &c
    ));
    assert!(!t(
        json!({"ForAllValues:StringEquals": {"aws:TagKeys": ["env"]}}),
        &c
    ));
    assert!(t(
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["env"]}}),
        &c
    ));
    assert!(!t(
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": ["cost"]}}),
        &c
    ));
    assert!(t(
        json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["cost"]}}),
        &c
    ));
    assert!(!t(
        json!({"ForAllValues:StringNotEquals": {"aws:TagKeys": ["env"]}}),
        &c
    ));
    assert!(t(
        json!({"ForAnyValue:StringNotEquals": {"aws:TagKeys": ["env"]}}),
        &c
    ));
    assert!(t(
        json!({"ForAnyValue:StringLike": {"aws:TagKeys": ["te*"]}}),
        &c
    ));
    // Empty set.
    let e = Context::complete().with_multi("aws:TagKeys", &[]);
    assert!(t(
        json!({"ForAllValues:StringEquals": {"aws:TagKeys": "x"}}),
        &e
    ));
    assert!(!t(
        json!({"ForAnyValue:StringEquals": {"aws:TagKeys": "x"}}),
        &e
    ));
}

#[test]
fn policy_variables_in_conditions() {
    let c = Context::complete()
        .with("aws:username", "alice")
        .with("aws:PrincipalTag/team", "red")
        .with("s3:prefix", "home/alice/docs")
        .with("rt", "red");
    assert!(t(
        json!({"StringLike": {"s3:prefix": "home/${aws:username}/*"}}),
        &c
    ));
    assert!(!t(
        json!({"StringLike": {"s3:prefix": "home/${aws:userid}/*"}}),
        &c
    ));
    assert!(t(
        json!({"StringEquals": {"rt": "${aws:PrincipalTag/team}"}}),
        &c
    ));
    // Not substituted in numeric operators: parse rejects "${...}" there.
    assert!(parse_block(&json!({"NumericEquals": {"n": "${aws:username}"}}), true).is_err());
}

#[test]
fn unknown_keys_stay_unknown() {
    let c = Context::partial();
    assert_eq!(
        eval(json!({"Bool": {"aws:MultiFactorAuthPresent": "true"}}), &c),
        Tri::Unknown
    );
    assert_eq!(eval(json!({"Null": {"k": "true"}}), &c), Tri::Unknown);
    // AND with a false condition is false whatever the unknown.
    let c = Context::partial().with("a", "x");
    assert_eq!(
        eval(json!({"StringEquals": {"a": "y", "b": "z"}}), &c),
        Tri::False
    );
}

#[test]
fn operator_parsing() {
    assert!(Operator::parse("ForAllValues:StringLikeIfExists").is_some());
    assert!(Operator::parse("NullIfExists").is_none());
    assert!(Operator::parse("StringEqualz").is_none());
    assert!(Operator::parse("ForSomeValues:StringEquals").is_none());
    assert!(parse_block(&json!({"StringEquals": "x"}), true).is_err());
    assert!(parse_block(&json!({"Null": {"k": "maybe"}}), true).is_err());
}
