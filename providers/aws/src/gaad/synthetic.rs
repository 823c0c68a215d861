//! Large synthetic GAAD exports for benchmarks and scale tests: shared
//! managed policies, per-role inline policies drawn from a few templates,
//! wildcards, NotAction, conditions, boundaries and assume-role chains.

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use serde_json::{json, Value};

const ACCOUNT: &str = "111122223333";

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

fn enc(doc: &Value) -> Value {
    Value::String(utf8_percent_encode(&doc.to_string(), NON_ALPHANUMERIC).to_string())
}

fn doc(statements: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn managed_policies() -> Vec<(String, Value)> {
    let a = ACCOUNT;
    let mut out: Vec<(String, Value)> = vec![
        (
            "Admin".into(),
            doc(json!([{"Effect":"Allow","Action":"*","Resource":"*"}])),
        ),
        (
            "ReadOnly".into(),
            doc(
                json!([{"Effect":"Allow","Action":["s3:Get*","s3:List*","ec2:Describe*","rds:Describe*","dynamodb:Describe*","logs:Get*"],"Resource":"*"}]),
            ),
        ),
        (
            "PowerUser".into(),
            doc(json!([
            {"Effect":"Allow","NotAction":["iam:*","organizations:*","account:*"],"Resource":"*"},
            {"Effect":"Allow","Action":["iam:CreateServiceLinkedRole","iam:ListRoles"],"Resource":"*"}])),
        ),
        (
            "DbaProd".into(),
            doc(
                json!([{"Effect":"Allow","Action":["rds:*","backup:*"],"Resource":format!("arn:aws:rds:*:{a}:*:prod-*")}]),
            ),
        ),
        (
            "SecretsReader".into(),
            doc(
                json!([{"Effect":"Allow","Action":["secretsmanager:GetSecretValue","kms:Decrypt"],"Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]),
            ),
        ),
        (
            "Deployer".into(),
            doc(json!([
            {"Effect":"Allow","Action":["lambda:*","cloudformation:*","iam:PassRole"],"Resource":"*"},
            {"Effect":"Deny","Action":"cloudformation:DeleteStack","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/env":"prod"}}}])),
        ),
        (
            "S3Writer".into(),
            doc(
                json!([{"Effect":"Allow","Action":["s3:PutObject","s3:DeleteObject"],"Resource":"arn:aws:s3:::data-*/*"}]),
            ),
        ),
        (
            "AssumeApps".into(),
            doc(
                json!([{"Effect":"Allow","Action":"sts:AssumeRole","Resource":format!("arn:aws:iam::{a}:role/app-*")}]),
            ),
        ),
        (
            "MfaGuard".into(),
            doc(
                json!([{"Effect":"Deny","NotAction":["iam:*MFA*","sts:GetSessionToken"],"Resource":"*","Condition":{"BoolIfExists":{"aws:MultiFactorAuthPresent":"false"}}}]),
            ),
        ),
    ];
    for k in 0..40 {
        out.push((
            format!("Team{k}"),
            doc(json!([
                {"Effect":"Allow","Action":["s3:*"],"Resource":[format!("arn:aws:s3:::team-{k}"),format!("arn:aws:s3:::team-{k}/*")]},
                {"Effect":"Allow","Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:Query","dynamodb:DeleteItem"],"Resource":format!("arn:aws:dynamodb:*:{a}:table/team-{k}-*")},
                {"Effect":"Allow","Action":["sqs:*","sns:Publish"],"Resource":format!("arn:aws:sqs:*:{a}:team-{k}-*")}
            ])),
        ));
    }
    out
}

fn boundaries() -> Vec<(String, Value)> {
    vec![
        (
            "BoundaryNoIam".into(),
            doc(json!([{"Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*"}])),
        ),
        (
            "BoundaryNoDelete".into(),
            doc(json!([
            {"Effect":"Allow","Action":"*","Resource":"*"},
            {"Effect":"Deny","Action":["rds:Delete*","s3:Delete*","dynamodb:Delete*","backup:Delete*"],"Resource":"*"}])),
        ),
        (
            "BoundaryProdOnly".into(),
            doc(
                json!([{"Effect":"Allow","Action":["s3:*","rds:*","dynamodb:*"],"Resource":["arn:aws:s3:::prod-*","arn:aws:rds:*:*:db:prod-*"]}]),
            ),
        ),
    ]
}

/// Service actions the inline templates list one by one, as generated
/// policies (CDK, Terraform modules, policy_sentry) do.
const LISTED: &[(&str, &[&str])] = &[
    (
        "s3",
        &[
            "GetObject",
            "GetObjectVersion",
            "GetObjectTagging",
            "PutObject",
            "PutObjectTagging",
            "DeleteObject",
            "ListBucket",
            "GetBucketLocation",
            "AbortMultipartUpload",
            "ListMultipartUploadParts",
        ],
    ),
    (
        "dynamodb",
        &[
            "GetItem",
            "BatchGetItem",
            "Query",
            "Scan",
            "PutItem",
            "UpdateItem",
            "DeleteItem",
            "BatchWriteItem",
            "DescribeTable",
            "ConditionCheckItem",
        ],
    ),
    (
        "sqs",
        &[
            "SendMessage",
            "ReceiveMessage",
            "DeleteMessage",
            "GetQueueAttributes",
            "GetQueueUrl",
            "ChangeMessageVisibility",
        ],
    ),
    (
        "kms",
        &[
            "Decrypt",
            "Encrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "DescribeKey",
            "ReEncryptFrom",
            "ReEncryptTo",
        ],
    ),
    (
        "logs",
        &[
            "CreateLogGroup",
            "CreateLogStream",
            "PutLogEvents",
            "DescribeLogStreams",
            "GetLogEvents",
        ],
    ),
    (
        "ssm",
        &[
            "GetParameter",
            "GetParameters",
            "GetParametersByPath",
            "DescribeParameters",
        ],
    ),
    (
        "secretsmanager",
        &["GetSecretValue", "DescribeSecret", "ListSecretVersionIds"],
    ),
    (
        "sns",
        &[
            "Publish",
            "Subscribe",
            "GetTopicAttributes",
            "ListSubscriptionsByTopic",
        ],
    ),
    (
        "ecr",
        &[
            "GetAuthorizationToken",
            "BatchCheckLayerAvailability",
            "GetDownloadUrlForLayer",
            "BatchGetImage",
            "PutImage",
            "InitiateLayerUpload",
            "UploadLayerPart",
            "CompleteLayerUpload",
        ],
    ),
    (
        "cloudwatch",
        &[
            "PutMetricData",
            "GetMetricData",
            "GetMetricStatistics",
            "ListMetrics",
        ],
    ),
    (
        "xray",
        &[
            "PutTraceSegments",
            "PutTelemetryRecords",
            "GetSamplingRules",
            "GetSamplingTargets",
        ],
    ),
    (
        "lambda",
        &["InvokeFunction", "GetFunction", "GetFunctionConfiguration"],
    ),
];

fn inline_templates() -> Vec<(String, Value)> {
    let a = ACCOUNT;
    let mut out = Vec::new();
    for k in 0..20 {
        // Each template: five services' actions listed one by one on the
        // service's own resources, plus logging, like a generated policy.
        let mut statements = Vec::new();
        for j in 0..5 {
            let (svc, actions) = LISTED[(k + j * 5) % LISTED.len()];
            let listed: Vec<String> = actions.iter().map(|x| format!("{svc}:{x}")).collect();
            let resources: Vec<String> = match svc {
                "s3" => vec![
                    format!("arn:aws:s3:::svc-{k}-artifacts"),
                    format!("arn:aws:s3:::svc-{k}-artifacts/*"),
                    format!("arn:aws:s3:::svc-{k}-uploads/incoming/*"),
                ],
                "dynamodb" => vec![
                    format!("arn:aws:dynamodb:us-east-1:{a}:table/svc-{k}-*"),
                    format!("arn:aws:dynamodb:us-east-1:{a}:table/svc-{k}-*/index/*"),
                ],
                "ssm" => vec![format!("arn:aws:ssm:*:{a}:parameter/svc-{k}/*")],
                "secretsmanager" => vec![format!(
                    "arn:aws:secretsmanager:us-east-1:{a}:secret:svc-{k}/*"
                )],
                "kms" => vec![format!(
                    "arn:aws:kms:us-east-1:{a}:key/{k:08}-aaaa-bbbb-cccc-{k:012}"
                )],
                "logs" | "cloudwatch" | "xray" | "ecr" => vec!["*".to_string()],
                _ => vec![
                    format!("arn:aws:{svc}:us-east-1:{a}:svc-{k}-*"),
                    format!("arn:aws:{svc}:us-west-2:{a}:svc-{k}-*"),
                ],
            };
            let mut st = json!({"Sid": format!("Svc{k}{}", svc.replace('-', "")), "Effect":"Allow","Action":listed,"Resource":resources});
            if svc == "kms" {
                st["Condition"] = json!({"StringEquals":{"kms:ViaService":["s3.us-east-1.amazonaws.com","dynamodb.us-east-1.amazonaws.com"]}});
            }
            statements.push(st);
        }
        out.push((format!("inline-{k}"), doc(Value::Array(statements))));
    }
    out
}

/// A GAAD export (merged pages) with `roles` roles, `roles / 10` users and
/// groups; the same `seed` gives the same text.
pub fn synthetic_gaad(roles: usize, seed: u64) -> String {
    let mut rng = Rng(seed | 1);
    let a = ACCOUNT;
    let managed = managed_policies();
    let bounds = boundaries();
    let inline = inline_templates();
    let mut policies = Vec::new();
    for (name, d) in managed.iter().chain(bounds.iter()) {
        policies.push(json!({
            "PolicyName": name, "PolicyId": format!("ANPA{name}"), "Arn": format!("arn:aws:iam::{a}:policy/{name}"),
            "Path": "/", "DefaultVersionId": "v2", "AttachmentCount": 1, "IsAttachable": true,
            "PolicyVersionList": [
                {"Document": enc(d), "VersionId": "v2", "IsDefaultVersion": true},
                {"Document": enc(&doc(json!([{"Effect":"Allow","Action":"*","Resource":"*"}]))), "VersionId": "v1", "IsDefaultVersion": false}
            ]
        }));
    }
    // Admin is rare; team policies common.
    let pick_managed = |rng: &mut Rng| -> String {
        let r = rng.below(100);
        let name = match r {
            0 => "Admin".to_string(),
            1..=3 => "PowerUser".into(),
            4..=8 => "DbaProd".into(),
            9..=14 => "SecretsReader".into(),
            15..=20 => "Deployer".into(),
            21..=30 => "S3Writer".into(),
            31..=40 => "AssumeApps".into(),
            41..=55 => "ReadOnly".into(),
            _ => format!("Team{}", rng.below(40)),
        };
        format!("arn:aws:iam::{a}:policy/{name}")
    };
    // Real accounts stamp roles out of a few templates (CloudFormation,
    // Terraform modules): 200 archetypes of attached policies, inline
    // template and boundary; 5% of roles also get an inline policy of their
    // own (unique text), which defeats sharing for them.
    let archetypes: Vec<(Vec<String>, Vec<usize>, Option<usize>)> = (0..200)
        .map(|_| {
            let attached = (0..1 + rng.below(3))
                .map(|_| pick_managed(&mut rng))
                .collect();
            let inl = (0..2 + rng.below(3))
                .map(|_| rng.below(inline.len()))
                .collect();
            let bnd = rng.chance(20).then(|| rng.below(bounds.len()));
            (attached, inl, bnd)
        })
        .collect();
    let mut role_list = Vec::with_capacity(roles);
    for i in 0..roles {
        let name = if i.is_multiple_of(3) {
            format!("app-{i}")
        } else {
            format!("svc-{i}")
        };
        let trust = match rng.below(10) {
            0..=4 => {
                json!([{"Effect":"Allow","Principal":{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]},"Action":"sts:AssumeRole"}])
            }
            5..=6 => {
                json!([{"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{a}:root")},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}])
            }
            _ if i > 0 => {
                let prev = rng.below(i);
                let prev_name = if prev.is_multiple_of(3) {
                    format!("app-{prev}")
                } else {
                    format!("svc-{prev}")
                };
                json!([{"Effect":"Allow","Principal":{"AWS":format!("arn:aws:iam::{a}:role/{prev_name}")},"Action":"sts:AssumeRole"}])
            }
            _ => {
                json!([{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}])
            }
        };
        let (arch_attached, arch_inline, arch_boundary) = &archetypes[rng.below(archetypes.len())];
        let attached: Vec<Value> = arch_attached
            .iter()
            .map(|arn| json!({"PolicyName": arn.rsplit('/').next(), "PolicyArn": arn}))
            .collect();
        let mut inline_list: Vec<Value> = Vec::new();
        for k in arch_inline {
            let (n, d) = &inline[*k];
            inline_list.push(json!({"PolicyName": n, "PolicyDocument": enc(d)}));
        }
        if rng.chance(5) {
            let own = doc(
                json!([{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":format!("arn:aws:s3:::{name}-data/*")}]),
            );
            inline_list.push(json!({"PolicyName": "own-bucket", "PolicyDocument": enc(&own)}));
        }
        // What AWS returns beside the policies: ids, dates, tags, last use,
        // and for EC2 roles the instance profile with a copy of the role.
        let role_id = format!("AROA{:017X}", rng.next() >> 4);
        let arn = format!("arn:aws:iam::{a}:role/{name}");
        let trust_doc = enc(&doc(trust));
        let created = format!(
            "2021-{:02}-{:02}T{:02}:14:07+00:00",
            1 + rng.below(12),
            1 + rng.below(28),
            rng.below(24)
        );
        let profiles: Vec<Value> = if rng.chance(40) {
            vec![
                json!({"Path":"/","InstanceProfileName":name,"InstanceProfileId":format!("AIPA{:017X}", rng.next() >> 4),
                "Arn":format!("arn:aws:iam::{a}:instance-profile/{name}"),"CreateDate":created,
                "Roles":[{"Path":"/","RoleName":name,"RoleId":role_id,"Arn":arn,"CreateDate":created,
                          "AssumeRolePolicyDocument":trust_doc}]}),
            ]
        } else {
            Vec::new()
        };
        let team = rng.below(40);
        let tags = json!([
            {"Key":"team","Value":format!("team-{team}")},
            {"Key":"cost-center","Value":format!("cc-{:05}", rng.below(100_000))},
            {"Key":"owner","Value":format!("team-{team}@example.com")},
            {"Key":"managed-by","Value":"terraform"},
            {"Key":"terraform-module","Value":format!("git::ssh://git@example.com/platform/modules.git//iam-role?ref=v{}.{}.{}", rng.below(5), rng.below(20), rng.below(10))},
            {"Key":"environment","Value":if rng.chance(50) {"prod"} else {"staging"}}
        ]);
        let mut role = json!({
            "Path": "/", "RoleName": name, "RoleId": role_id,
            "Arn": arn,
            "CreateDate": created,
            "AssumeRolePolicyDocument": trust_doc,
            "Description": format!("Service role for {name}, managed by terraform; do not edit by hand"),
            "MaxSessionDuration": 3600,
            "InstanceProfileList": profiles, "RolePolicyList": inline_list,
            "AttachedManagedPolicies": attached, "Tags": tags,
            "RoleLastUsed": {"LastUsedDate": "2026-04-02T10:31:44+00:00", "Region": "us-east-1"}
        });
        if let Some(k) = arch_boundary {
            let (b, _) = &bounds[*k];
            role["PermissionsBoundary"] = json!({"PermissionsBoundaryType":"Policy","PermissionsBoundaryArn":format!("arn:aws:iam::{a}:policy/{b}")});
        }
        role_list.push(role);
    }
    let groups: Vec<Value> = (0..(roles / 50).max(1))
        .map(|g| {
            json!({"Path":"/","GroupName":format!("group-{g}"),"GroupId":format!("AGPA{g}"),
                   "Arn":format!("arn:aws:iam::{a}:group/group-{g}"),"GroupPolicyList":[],
                   "AttachedManagedPolicies":[{"PolicyName":"MfaGuard","PolicyArn":format!("arn:aws:iam::{a}:policy/MfaGuard")},
                                              {"PolicyName":"AssumeApps","PolicyArn":format!("arn:aws:iam::{a}:policy/AssumeApps")}]})
        })
        .collect();
    let users: Vec<Value> = (0..(roles / 10).max(1))
        .map(|u| {
            let arn = pick_managed(&mut rng);
            json!({"Path":"/","UserName":format!("user-{u}"),"UserId":format!("AIDA{u}"),
                   "Arn":format!("arn:aws:iam::{a}:user/user-{u}"),
                   "GroupList":[format!("group-{}", u % groups.len())],
                   "UserPolicyList":[{"PolicyName":"self-keys","PolicyDocument":enc(&doc(json!([{"Effect":"Allow","Action":["iam:CreateAccessKey","iam:ListAccessKeys"],"Resource":"arn:aws:iam::*:user/${aws:username}"}])))}],
                   "AttachedManagedPolicies":[{"PolicyName":arn.rsplit('/').next(),"PolicyArn":arn}],"Tags":[]})
        })
        .collect();
    json!({
        "UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": role_list,
        "Policies": policies, "IsTruncated": false
    })
    .to_string()
}
