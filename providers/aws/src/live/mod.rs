//! Live, read-only collection from AWS (feature `live`).
//!
//! - [`collect_gaad`]: who the auditor is (`sts:GetCallerIdentity`), every
//!   page of `iam:GetAccountAuthorizationDetails` merged into one GAAD JSON
//!   document in AWS's own shape, and the account's SCPs and RCPs from AWS
//!   Organizations when they are readable.
//! - [`caller_identity`]: resolves an access key found in a workspace to its
//!   principal.
//!
//! Credentials, region, profile and endpoints come from the standard AWS
//! chain (`AWS_PROFILE`, `AWS_ACCESS_KEY_ID`..., `AWS_REGION`,
//! `AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_IAM`, `AWS_ENDPOINT_URL_STS`,
//! `AWS_ENDPOINT_URL_ORGANIZATIONS`), which the SDK reads itself;
//! [`LiveConfig`] overrides them. Every client carries the
//! [`readonly::ReadOnlyInterceptor`]: an operation that is not
//! `Get*`/`List*`/`Describe*`/`Simulate*` is refused before it is sent.
//!
//! The functions are async; a synchronous caller runs them on its own
//! runtime:
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use blastradius_aws::live::{collect_gaad, LiveConfig};
//! let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
//! let collected = rt.block_on(collect_gaad(&LiveConfig::default()))?;
//! let gaad = blastradius_aws::Gaad::from_json(&collected.gaad_json)?;
//! # let _ = gaad; Ok(()) }
//! ```

mod error;
mod gaad_json;
mod org;
pub mod readonly;

use std::time::Duration;

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::Credentials;
use blastradius_report::Secret;

pub use error::LiveError;
pub use org::OrgPolicies;
pub use readonly::{is_read_only, OperationLog, ReadOnlyInterceptor, Refused, READ_ONLY_PREFIXES};

/// Where and how to connect. `Default` takes everything from the standard
/// AWS chain.
#[derive(Debug, Clone)]
pub struct LiveConfig {
    /// One endpoint for every service (like `AWS_ENDPOINT_URL`), e.g. a
    /// local moto server. `None`: the SDK's own resolution, which honours
    /// the `AWS_ENDPOINT_URL*` variables.
    pub endpoint_url: Option<String>,
    /// Region for the signing and for STS. `None`: from the chain, else
    /// `us-east-1` (IAM and Organizations are global; STS needs some region).
    pub region: Option<String>,
    /// A named profile. `None`: `AWS_PROFILE`, else `default`.
    pub profile: Option<String>,
    /// Read SCPs and RCPs from AWS Organizations. A failure there is a note,
    /// never an error.
    pub organizations: bool,
    /// Upper bound on GAAD pages (of up to 1,000 entities each), so that a
    /// misbehaving server cannot keep the collection going forever.
    pub max_pages: u32,
    /// Longest wait for one attempt of one request. The SDK sets none by
    /// default, and a server that accepts and never answers would hang the
    /// audit.
    pub attempt_timeout: Duration,
}

impl Default for LiveConfig {
    fn default() -> Self {
        LiveConfig {
            endpoint_url: None,
            region: None,
            profile: None,
            organizations: true,
            max_pages: 10_000,
            attempt_timeout: Duration::from_secs(60),
        }
    }
}

/// The principal behind a set of credentials (`sts:GetCallerIdentity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallerIdentity {
    pub arn: String,
    pub account: String,
    pub user_id: String,
}

/// What [`collect_gaad`] gathered.
#[derive(Debug, Clone)]
pub struct CollectedAccount {
    /// One GAAD document (all pages merged), the JSON the AWS CLI prints for
    /// `aws iam get-account-authorization-details`; read it with
    /// [`crate::Gaad::from_json`], or save it for `--aws-gaad`.
    pub gaad_json: String,
    /// The auditor's own ARN and account.
    pub caller_arn: String,
    pub account_id: String,
    /// SCPs, one list of policy JSON documents per level, root first,
    /// account last. `Some(vec![])`: no SCPs apply (no organisation, SCPs
    /// not in use, or the management account). `None`: not readable.
    pub scps: Option<Vec<Vec<String>>>,
    /// RCPs, same shape and meaning.
    pub rcps: Option<Vec<Vec<String>>>,
    /// What was skipped or assumed, for the report's findings.
    pub notes: Vec<String>,
    /// Requests sent (every attempt, retries included).
    pub requests: u32,
    /// Every operation sent, `service:Operation`, in order.
    pub operations: Vec<String>,
}

/// The SDK configuration from the standard chain plus `config`'s overrides.
async fn sdk_config(
    config: &LiveConfig,
    credentials: Option<SharedCredentialsProvider>,
) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            // The SDK's own default connect timeout, kept when we set ours.
            .connect_timeout(Duration::from_millis(3100))
            .operation_attempt_timeout(config.attempt_timeout)
            .build(),
    );
    if let Some(profile) = &config.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(url) = &config.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(region) = &config.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(provider) = credentials {
        loader = loader.credentials_provider(provider);
    }
    let loaded = loader.load().await;
    if loaded.region().is_some() {
        loaded
    } else {
        loaded
            .into_builder()
            .region(Region::from_static("us-east-1"))
            .build()
    }
}

/// The three clients of one collection, sharing one operation log.
struct Clients {
    sts: aws_sdk_sts::Client,
    iam: aws_sdk_iam::Client,
    org: aws_sdk_organizations::Client,
    log: OperationLog,
}

impl Clients {
    fn new(sdk: &SdkConfig) -> Clients {
        let log = OperationLog::new();
        let guard = || ReadOnlyInterceptor::new(log.clone());
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(sdk)
                .interceptor(guard())
                .build(),
        );
        let iam = aws_sdk_iam::Client::from_conf(
            aws_sdk_iam::config::Builder::from(sdk)
                .interceptor(guard())
                .build(),
        );
        let org = aws_sdk_organizations::Client::from_conf(
            aws_sdk_organizations::config::Builder::from(sdk)
                .interceptor(guard())
                .build(),
        );
        Clients { sts, iam, org, log }
    }
}

async fn get_caller_identity(sts: &aws_sdk_sts::Client) -> Result<CallerIdentity, LiveError> {
    const OP: &str = "sts:GetCallerIdentity";
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| error::from_sdk(OP, e))?;
    let missing = |field: &str| LiveError::InvalidResponse {
        operation: OP,
        message: format!("no {field} in the answer"),
    };
    Ok(CallerIdentity {
        arn: out.arn().ok_or_else(|| missing("Arn"))?.to_string(),
        account: out.account().ok_or_else(|| missing("Account"))?.to_string(),
        user_id: out.user_id().unwrap_or_default().to_string(),
    })
}

/// Collect the account the ambient credentials belong to: caller identity,
/// the full GAAD, and organisation policies when readable.
///
/// Fails when the caller cannot be identified or the GAAD cannot be read
/// (without it there is nothing to assess); anything about Organizations
/// is a note in [`CollectedAccount::notes`].
pub async fn collect_gaad(config: &LiveConfig) -> Result<CollectedAccount, LiveError> {
    let sdk = sdk_config(config, None).await;
    collect_with(&sdk, config).await
}

async fn collect_with(sdk: &SdkConfig, config: &LiveConfig) -> Result<CollectedAccount, LiveError> {
    let clients = Clients::new(sdk);
    let caller = get_caller_identity(&clients.sts).await?;
    let mut notes = Vec::new();

    let merged = read_gaad(&clients.iam, config.max_pages).await?;
    if merged.filled_policy_names > 0 {
        notes.push(format!(
            "{} managed policies came without PolicyName; named from their ARN",
            merged.filled_policy_names
        ));
    }
    let gaad_json =
        serde_json::to_string(&merged.into_value()).map_err(|e| LiveError::InvalidResponse {
            operation: "iam:GetAccountAuthorizationDetails",
            message: format!("could not serialise the merged document: {e}"),
        })?;

    let (scps, rcps) = if config.organizations {
        let found = org::collect(&clients.org, &caller.account).await;
        notes.extend(found.notes);
        (found.scps, found.rcps)
    } else {
        notes.push("Organizations not read (disabled): SCPs and RCPs are not applied".into());
        (None, None)
    };

    let operations = clients.log.operations();
    Ok(CollectedAccount {
        gaad_json,
        caller_arn: caller.arn,
        account_id: caller.account,
        scps,
        rcps,
        notes,
        requests: u32::try_from(operations.len()).unwrap_or(u32::MAX),
        operations,
    })
}

async fn read_gaad(
    iam: &aws_sdk_iam::Client,
    max_pages: u32,
) -> Result<gaad_json::MergedGaad, LiveError> {
    const OP: &str = "iam:GetAccountAuthorizationDetails";
    let mut merged = gaad_json::MergedGaad::default();
    let mut marker: Option<String> = None;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..max_pages.max(1) {
        let page = iam
            .get_account_authorization_details()
            .set_marker(marker.clone())
            .send()
            .await
            .map_err(|e| error::from_sdk(OP, e))?;
        merged.add_page(&page);
        match page.marker().filter(|_| page.is_truncated()) {
            None => return Ok(merged),
            Some(next) => {
                // A server that hands back a marker it already gave would
                // loop forever.
                if !seen.insert(next.to_string()) {
                    return Err(LiveError::Pagination {
                        operation: OP,
                        message: "the server repeated a pagination marker".into(),
                    });
                }
                marker = Some(next.to_string());
            }
        }
    }
    let (u, g, r, p) = merged.counts();
    Err(LiveError::Pagination {
        operation: OP,
        message: format!(
            "more than {max_pages} pages ({u} users, {g} groups, {r} roles, {p} policies so far); raise max_pages"
        ),
    })
}

/// SCPs and RCPs that apply to `account_id`, read with the ambient
/// credentials (typically the management account or a delegated
/// administrator looking at a member account). Never fails: what cannot be
/// read is a note and a `None`.
pub async fn organization_policies(config: &LiveConfig, account_id: &str) -> OrgPolicies {
    let sdk = sdk_config(config, None).await;
    let clients = Clients::new(&sdk);
    let mut found = org::collect(&clients.org, account_id).await;
    found.operations = clients.log.operations();
    found
}

/// Who a set of static credentials (an access key found in a workspace)
/// belongs to. Region and endpoints come from `config` and the standard
/// chain, so a local test server applies here too; the ambient credentials
/// are not used.
pub async fn caller_identity(
    access_key_id: &str,
    secret_access_key: &Secret,
    session_token: Option<&Secret>,
    config: &LiveConfig,
) -> Result<CallerIdentity, LiveError> {
    let credentials = Credentials::new(
        access_key_id,
        secret_access_key.expose(),
        session_token.map(|t| t.expose().to_string()),
        None,
        "blastradius-workspace",
    );
    let sdk = sdk_config(config, Some(SharedCredentialsProvider::new(credentials))).await;
    let clients = Clients::new(&sdk);
    get_caller_identity(&clients.sts).await
}

/// Collect with static credentials instead of the ambient chain: the full
/// [`collect_gaad`] as the principal behind a found access key.
pub async fn collect_gaad_with_key(
    access_key_id: &str,
    secret_access_key: &Secret,
    session_token: Option<&Secret>,
    config: &LiveConfig,
) -> Result<CollectedAccount, LiveError> {
    let credentials = Credentials::new(
        access_key_id,
        secret_access_key.expose(),
        session_token.map(|t| t.expose().to_string()),
        None,
        "blastradius-workspace",
    );
    let sdk = sdk_config(config, Some(SharedCredentialsProvider::new(credentials))).await;
    collect_with(&sdk, config).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A TCP listener that counts connections and closes each at once: any
    /// request that leaves the client shows up in the count.
    async fn counting_listener() -> (String, Arc<AtomicUsize>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let count = Arc::new(AtomicUsize::new(0));
        let seen = count.clone();
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                seen.fetch_add(1, Ordering::SeqCst);
                drop(socket);
            }
        });
        (url, count)
    }

    fn local(url: &str) -> LiveConfig {
        LiveConfig {
            endpoint_url: Some(url.to_string()),
            region: Some("us-east-1".into()),
            ..LiveConfig::default()
        }
    }

    async fn clients(url: &str) -> Clients {
        let creds = Credentials::new(
            "AKIAIOSFODNN7EXAMPLE",
            "not-a-real-secret",
            None,
            None,
            "test",
        );
        let sdk = sdk_config(&local(url), Some(SharedCredentialsProvider::new(creds))).await;
        Clients::new(&sdk)
    }

    #[tokio::test]
    async fn mutating_operations_are_refused_before_sending() {
        let (url, count) = counting_listener().await;
        let c = clients(&url).await;

        let err = c
            .iam
            .create_user()
            .user_name("intruder")
            .send()
            .await
            .expect_err("refused");
        let err = error::from_sdk("iam:CreateUser", err);
        assert!(
            matches!(&err, LiveError::Refused(r) if r.operation == "CreateUser" && r.service == "iam"),
            "{err}"
        );
        let err = c
            .iam
            .delete_role()
            .role_name("prod")
            .send()
            .await
            .map_err(|e| error::from_sdk("iam:DeleteRole", e))
            .expect_err("refused");
        assert!(matches!(err, LiveError::Refused(_)), "{err}");
        let err = c
            .sts
            .assume_role()
            .role_arn("arn:aws:iam::123456789012:role/x")
            .role_session_name("s")
            .send()
            .await
            .map_err(|e| error::from_sdk("sts:AssumeRole", e))
            .expect_err("refused");
        assert!(matches!(err, LiveError::Refused(_)), "{err}");
        let err = c
            .org
            .detach_policy()
            .policy_id("p-1")
            .target_id("r-1")
            .send()
            .await
            .map_err(|e| error::from_sdk("organizations:DetachPolicy", e))
            .expect_err("refused");
        assert!(matches!(err, LiveError::Refused(_)), "{err}");

        // Give a stray connection time to arrive before counting.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert_eq!(
            count.load(Ordering::SeqCst),
            0,
            "a refused operation reached the server"
        );
        assert!(c.log.is_empty(), "{:?}", c.log);

        // The same client does send a read-only operation: the listener
        // sees it, so the zero above is not an artefact of the set-up.
        let err = get_caller_identity(&c.sts)
            .await
            .expect_err("the listener does not answer");
        assert!(!matches!(err, LiveError::Refused(_)), "{err}");
        assert!(count.load(Ordering::SeqCst) >= 1);
        assert!(
            c.log
                .operations()
                .iter()
                .all(|op| op == "sts:GetCallerIdentity"),
            "{:?}",
            c.log
        );
    }

    /// A minimal IAM query-protocol server: answers every request with
    /// `answer(body)` (keep-alive, one request after another).
    async fn fake_iam(answer: fn(&str) -> String) -> String {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    loop {
                        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                            continue;
                        };
                        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
                        let len: usize = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse().ok())
                            .unwrap_or(0);
                        while buf.len() < end + 4 + len {
                            match socket.read(&mut chunk).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                            }
                        }
                        let body =
                            String::from_utf8_lossy(&buf[end + 4..end + 4 + len]).to_string();
                        buf.drain(..end + 4 + len);
                        let xml = answer(&body);
                        let response = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: {}\r\n\r\n{xml}",
                            xml.len()
                        );
                        if socket.write_all(response.as_bytes()).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        url
    }

    fn gaad_page(user: &str, marker: Option<&str>) -> String {
        let more = match marker {
            Some(m) => format!("<IsTruncated>true</IsTruncated><Marker>{m}</Marker>"),
            None => "<IsTruncated>false</IsTruncated>".into(),
        };
        format!(
            "<GetAccountAuthorizationDetailsResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\
             <GetAccountAuthorizationDetailsResult><UserDetailList><member><Path>/</Path>\
             <UserName>{user}</UserName><UserId>AIDA{user}</UserId>\
             <Arn>arn:aws:iam::123456789012:user/{user}</Arn>\
             <CreateDate>2024-01-02T03:04:05Z</CreateDate></member></UserDetailList>\
             <GroupDetailList/><RoleDetailList/><Policies/>{more}\
             </GetAccountAuthorizationDetailsResult>\
             <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>\
             </GetAccountAuthorizationDetailsResponse>"
        )
    }

    #[tokio::test]
    async fn gaad_pages_are_merged_into_one_document() {
        let url = fake_iam(|body| {
            if body.contains("Marker=page2") {
                gaad_page("bob", None)
            } else {
                gaad_page("alice", Some("page2"))
            }
        })
        .await;
        let c = clients(&url).await;
        let merged = read_gaad(&c.iam, 10).await.expect("two pages");
        assert_eq!(merged.counts(), (2, 0, 0, 0));
        let text = serde_json::to_string(&merged.into_value()).expect("json");
        let gaad = crate::Gaad::from_json(&text).expect("loads");
        let names: Vec<&str> = gaad.users.iter().map(|u| u.name.as_str()).collect();
        assert_eq!(names, ["alice", "bob"]);
        assert_eq!(
            c.log.operations(),
            [
                "iam:GetAccountAuthorizationDetails",
                "iam:GetAccountAuthorizationDetails"
            ]
        );
    }

    #[tokio::test]
    async fn a_repeated_marker_or_endless_pages_stop() {
        let url = fake_iam(|_| gaad_page("alice", Some("again"))).await;
        let c = clients(&url).await;
        let err = read_gaad(&c.iam, 10).await.expect_err("loops");
        assert!(matches!(err, LiveError::Pagination { .. }), "{err}");
        assert_eq!(c.log.len(), 2);

        let url = fake_iam(|body| {
            // A fresh marker every time: only max_pages stops it.
            let n = body.matches("Marker=").count();
            gaad_page("alice", Some(if n == 0 { "a" } else { "b" }))
        })
        .await;
        let c = clients(&url).await;
        let err = read_gaad(&c.iam, 1).await.expect_err("bounded");
        assert!(matches!(err, LiveError::Pagination { .. }), "{err}");
        assert_eq!(c.log.len(), 1);
    }
}
