//! The AWS step: accounts (GAAD files, or collected live with `--aws`),
//! every IAM principal rated as a credential of its own, and access keys
//! found in files resolved to the principal they act as.

use std::path::Path;

use blastradius_aws::account::{
    assess_account, AccountAssessment, AccountOptions, PrincipalAssessment,
};
use blastradius_aws::{parse_policy, Gaad, Policy};
use blastradius_report::{Assessment, Finding, Provider, Severity, Status};

use super::RunError;
use crate::config::Config;
use crate::credentials::Credential;
use crate::settings::AwsSettings;

/// One account's principals, assessed.
pub struct Account {
    /// Where the data came from: the GAAD file, or `live (as ARN)`.
    pub origin: String,
    pub assessed: AccountAssessment,
}

#[derive(Default)]
pub struct AwsStep {
    accounts: Vec<Account>,
}

impl AwsStep {
    pub fn load(
        settings: &AwsSettings,
        offline: bool,
        config: &Config,
        errors: &mut Vec<RunError>,
    ) -> Self {
        let mut accounts = Vec::new();
        let options = |scps: Vec<Vec<Policy>>| AccountOptions {
            environments: config
                .environments
                .aws_accounts
                .clone()
                .into_iter()
                .collect(),
            scps,
            ..AccountOptions::default()
        };
        for path in &settings.gaad {
            match load_gaad(path) {
                Ok(gaad) => accounts.push(Account {
                    origin: path.display().to_string(),
                    assessed: assess_account(&gaad, &options(Vec::new())),
                }),
                Err(message) => errors.push(RunError::Export {
                    provider: "AWS",
                    path: path.display().to_string(),
                    message,
                }),
            }
        }
        if settings.live && !offline {
            match live::collect_account() {
                Ok(collected) => {
                    let mut assessed = assess_account(&collected.gaad, &options(collected.scps));
                    for p in &mut assessed.principals {
                        p.assessment
                            .findings
                            .extend(collected.notes.iter().map(|n| {
                                Finding::new("aws.collection-note", Severity::Low, n.clone())
                            }));
                    }
                    accounts.push(Account {
                        origin: collected.origin,
                        assessed,
                    });
                }
                Err(message) => errors.push(RunError::Collect {
                    provider: "AWS",
                    what: "the account of the standard AWS credential chain".to_string(),
                    origin: "--aws".to_string(),
                    message,
                }),
            }
        }
        AwsStep { accounts }
    }

    /// Every principal of every account, as a credential of the run.
    pub fn principals(&self) -> Vec<(Credential, Assessment)> {
        let mut out = Vec::new();
        for account in &self.accounts {
            for p in &account.assessed.principals {
                let mut assessment = p.assessment.clone();
                assessment
                    .findings
                    .extend(account.assessed.findings.iter().cloned());
                out.push((principal_credential(p, &account.origin), assessment));
            }
        }
        out
    }

    /// The blast radius of a found access key: the principal it acts as.
    pub fn assess_key(&self, credential: &Credential, offline: bool) -> Result<Assessment, String> {
        if offline {
            return Err("--offline was given: the key's principal cannot be looked up (sts:GetCallerIdentity)".to_string());
        }
        let (Some(key_id), Some(secret)) = (&credential.key_id, &credential.secret) else {
            return Err("an access key id without its secret cannot be resolved".to_string());
        };
        let arn = match live::caller_arn(key_id, secret) {
            Ok(arn) => arn,
            Err(KeyError::Rejected { status, message }) => {
                return Ok(rejected_key(credential, status, message))
            }
            Err(KeyError::Failed(message)) => return Err(message),
        };
        if let Some(found) = self.principal(&arn) {
            return Ok(key_assessment(found, &arn));
        }
        // Not in the accounts given: read the account with the key itself.
        let collected = live::collect_account_with_key(key_id, secret).map_err(|e| {
            format!("the key acts as {arn}, whose account data is not readable with it ({e}): give --aws-gaad FILE or --aws")
        })?;
        let assessed = assess_account(
            &collected.gaad,
            &AccountOptions {
                scps: collected.scps,
                ..AccountOptions::default()
            },
        );
        let step = AwsStep {
            accounts: vec![Account {
                origin: collected.origin,
                assessed,
            }],
        };
        step.principal(&arn)
            .map(|p| key_assessment(p, &arn))
            .ok_or_else(|| {
                format!("the key acts as {arn}, which its own account data does not list")
            })
    }

    /// A principal by ARN; an assumed-role session ARN
    /// (`arn:aws:sts::1:assumed-role/NAME/session`) finds its role by name.
    fn principal(&self, arn: &str) -> Option<&PrincipalAssessment> {
        let all = || {
            self.accounts
                .iter()
                .flat_map(|a| a.assessed.principals.iter())
        };
        if let Some(p) = all().find(|p| p.arn == arn) {
            return Some(p);
        }
        let rest = arn.strip_prefix("arn:aws:sts::")?;
        let (account, session) = rest.split_once(":assumed-role/")?;
        let role = session.split('/').next()?;
        all().find(|p| {
            p.kind == "aws-iam-role"
                && p.arn.starts_with(&format!("arn:aws:iam::{account}:role/"))
                && p.arn.rsplit('/').next() == Some(role)
        })
    }
}

fn load_gaad(path: &Path) -> Result<Gaad, String> {
    // The action catalog and table every audit needs are built on another
    // core while this one reads and parses the file. Best effort: without
    // that thread, the audit builds them itself.
    std::thread::scope(|s| {
        let _ = std::thread::Builder::new().spawn_scoped(s, blastradius_aws::prepare);
        let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
        Gaad::from_json(&text).map_err(|e| e.to_string())
    })
}

fn principal_credential(p: &PrincipalAssessment, origin: &str) -> Credential {
    let mut credential = Credential::known(
        Provider::Aws,
        &p.arn,
        p.kind.clone(),
        "n/a".to_string(),
        origin.to_string(),
    );
    // The ARN is the stable id of a principal.
    credential.id = p.arn.clone();
    credential
}

/// Why a found key was not resolved to its principal.
pub enum KeyError {
    /// AWS answered: the key is not (or no longer) a key. It is rated
    /// `none` with this status, not left "not audited". (Only a live build
    /// asks AWS.)
    #[cfg_attr(not(feature = "live"), allow(dead_code))]
    Rejected { status: Status, message: String },
    /// No answer worth a verdict (unreachable, denied, no live build).
    Failed(String),
}

fn key_assessment(principal: &PrincipalAssessment, caller_arn: &str) -> Assessment {
    let mut assessment = principal.assessment.clone();
    assessment.kind = "aws-access-key".to_string();
    assessment.identity = caller_arn.to_string();
    // sts:GetCallerIdentity answered for this key, and it needs no
    // permission: the key works. (A principal out of a GAAD has no status
    // of its own: it is not a secret anyone holds.)
    assessment.status = Status::Valid;
    for reach in &mut assessment.reach {
        std::sync::Arc::make_mut(reach)
            .via
            .insert(0, format!("access key of {}", principal.arn));
    }
    assessment
}

/// A key AWS refused: it can do nothing, and the report says why.
fn rejected_key(credential: &Credential, status: Status, message: String) -> Assessment {
    Assessment {
        provider: Provider::Aws,
        kind: "aws-access-key".to_string(),
        identity: "none (AWS rejected the key)".to_string(),
        status,
        expires_at: None,
        reach: Vec::new(),
        findings: vec![Finding::new(
            "aws.key-rejected",
            Severity::Low,
            format!("{message}: delete the key from {}", credential.source),
        )],
        partial: false,
    }
}

/// Organisation policies as live collection returns them (JSON texts).
#[cfg_attr(not(feature = "live"), allow(dead_code))]
pub fn parse_org_policies(levels: Vec<Vec<String>>) -> Result<Vec<Vec<Policy>>, String> {
    levels
        .into_iter()
        .enumerate()
        .map(|(level, docs)| {
            docs.into_iter()
                .enumerate()
                .map(|(i, doc)| {
                    let value: serde_json::Value = serde_json::from_str(&doc)
                        .map_err(|e| format!("scps[{level}][{i}]: {e}"))?;
                    parse_policy(&value, &format!("scps[{level}][{i}]")).map_err(|e| e.to_string())
                })
                .collect()
        })
        .collect()
}

#[cfg(feature = "live")]
mod live {
    use blastradius_aws::live::{self as aws_live, CollectedAccount, LiveConfig, LiveError};
    use blastradius_aws::{Gaad, Policy};
    use blastradius_report::{Secret, Status};

    use super::KeyError;

    pub struct Collected {
        pub origin: String,
        pub gaad: Gaad,
        pub scps: Vec<Vec<Policy>>,
        pub notes: Vec<String>,
    }

    fn runtime() -> Result<tokio::runtime::Runtime, String> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))
    }

    fn into_collected(account: CollectedAccount) -> Result<Collected, String> {
        let gaad = Gaad::from_json(&account.gaad_json).map_err(|e| e.to_string())?;
        let mut notes = account.notes;
        let scps = match account.scps {
            Some(levels) => super::parse_org_policies(levels)?,
            None => {
                notes.push("SCPs not readable: organisation policies were not applied, the reach may be smaller".to_string());
                Vec::new()
            }
        };
        Ok(Collected {
            origin: format!(
                "aws account {} (live, as {})",
                account.account_id, account.caller_arn
            ),
            gaad,
            scps,
            notes,
        })
    }

    /// One line for the user. A transport failure names the endpoint it
    /// tried (the usual cause is a wrong `AWS_ENDPOINT_URL`) and drops the
    /// SDK's debug dump, which repeats the chain as Rust structs.
    fn describe(error: &LiveError) -> String {
        match error {
            LiveError::Transport { operation, message } => format!(
                "could not reach AWS at {} for {operation}: {}",
                endpoint_for(operation),
                without_debug_dump(message)
            ),
            other => other.to_string(),
        }
    }

    /// The endpoint the SDK used for `service:Operation`, as the user set it:
    /// the service's own variable first, as the SDK reads them.
    fn endpoint_for(operation: &str) -> String {
        let service = operation.split(':').next().unwrap_or_default();
        let own = format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase());
        let from_env = [own.as_str(), "AWS_ENDPOINT_URL"]
            .into_iter()
            .find_map(|var| {
                std::env::var(var)
                    .ok()
                    .filter(|url| !url.is_empty())
                    .map(|url| format!("{url} ({var})"))
            })
            .unwrap_or_else(|| "its endpoint for the configured region".to_string());
        from_env
    }

    /// `DisplayErrorContext` prints the error chain, then ` ({err:?})` of the
    /// whole `SdkError`, whose debug form starts with the variant's name.
    fn without_debug_dump(message: &str) -> &str {
        const VARIANTS: [&str; 5] = [
            "DispatchFailure(",
            "TimeoutError(",
            "ResponseError(",
            "ConstructionFailure(",
            "ServiceError(",
        ];
        VARIANTS
            .iter()
            .filter_map(|v| message.find(&format!(" ({v}")))
            .min()
            .map_or(message, |cut| &message[..cut])
    }

    pub fn collect_account() -> Result<Collected, String> {
        let account = runtime()?
            .block_on(aws_live::collect_gaad(&LiveConfig::default()))
            .map_err(|e| describe(&e))?;
        into_collected(account)
    }

    /// The raw GAAD JSON of a live collection, for `collect --aws-gaad`.
    pub fn collect_gaad_json() -> Result<String, String> {
        let account = runtime()?
            .block_on(aws_live::collect_gaad(&LiveConfig::default()))
            .map_err(|e| describe(&e))?;
        Ok(account.gaad_json)
    }

    pub fn caller_arn(key_id: &str, secret: &Secret) -> Result<String, KeyError> {
        runtime()
            .map_err(KeyError::Failed)?
            .block_on(aws_live::caller_identity(
                key_id,
                secret,
                None,
                &LiveConfig::default(),
            ))
            .map(|id| id.arn)
            .map_err(|e| match e {
                LiveError::InvalidCredentials { .. } => KeyError::Rejected {
                    status: Status::Invalid,
                    message: e.to_string(),
                },
                LiveError::Expired { .. } => KeyError::Rejected {
                    status: Status::Expired,
                    message: e.to_string(),
                },
                other => KeyError::Failed(describe(&other)),
            })
    }

    pub fn collect_account_with_key(key_id: &str, secret: &Secret) -> Result<Collected, String> {
        let account = runtime()?
            .block_on(aws_live::collect_gaad_with_key(
                key_id,
                secret,
                None,
                &LiveConfig::default(),
            ))
            .map_err(|e| describe(&e))?;
        into_collected(account)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn the_debug_dump_is_dropped_and_the_chain_kept() {
            let m = "dispatch failure: io error: Connection refused (os error 111) (DispatchFailure(DispatchFailure { source: X }))";
            assert_eq!(
                without_debug_dump(m),
                "dispatch failure: io error: Connection refused (os error 111)"
            );
            assert_eq!(without_debug_dump("plain (x)"), "plain (x)");
        }
    }
}

#[cfg(not(feature = "live"))]
mod live {
    use blastradius_aws::{Gaad, Policy};
    use blastradius_report::Secret;

    use super::KeyError;

    pub struct Collected {
        pub origin: String,
        pub gaad: Gaad,
        pub scps: Vec<Vec<Policy>>,
        pub notes: Vec<String>,
    }

    const NO_LIVE: &str = "this build has no live collection (cargo feature `live`)";

    pub fn collect_account() -> Result<Collected, String> {
        Err(NO_LIVE.to_string())
    }
    pub fn collect_gaad_json() -> Result<String, String> {
        Err(NO_LIVE.to_string())
    }
    pub fn caller_arn(_: &str, _: &Secret) -> Result<String, KeyError> {
        Err(KeyError::Failed(NO_LIVE.to_string()))
    }
    pub fn collect_account_with_key(_: &str, _: &Secret) -> Result<Collected, String> {
        Err(NO_LIVE.to_string())
    }
}

pub use live::collect_gaad_json;
