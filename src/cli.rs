//! Raw command-line flags. They become one validated [`crate::settings`]
//! value before any work starts; nothing else reads them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "blastradius",
    version,
    about = "What is the worst thing each reachable credential can do?",
    long_about = "Audits every credential an engineer or an AI agent can reach and rates it by \
                  its worst-case action. Read-only: it never mutates what it audits.\n\n\
                  Secrets are never taken as arguments: tokens come from environment \
                  variables (named with --*-token-env) or from files found in PATH."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit every credential given or found, and print the blast-radius report.
    Audit(AuditArgs),
    /// List the credentials an agent would find in PATH (redacted), without contacting any API.
    Scan(ScanArgs),
    /// Collect live data (read-only) and save it as exports for offline audits.
    Collect(CollectArgs),
    /// Before an AI agent gets PATH: a PASS/FAIL/UNKNOWN checklist of what the
    /// credentials it can reach could do (exit status 1 when an item fails).
    Checklist(ChecklistArgs),
    /// AWS tools.
    Aws {
        #[command(subcommand)]
        command: AwsCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum AwsCommand {
    /// Offline IAM policy evaluation (the contract's `aws simulate`).
    Simulate {
        /// The JSON input: principal, policies, requests.
        #[arg(long, value_name = "FILE")]
        input: PathBuf,
    },
}

/// Where credentials and provider data come from (shared by audit and collect).
#[derive(Debug, Args, Clone, Default)]
pub struct SourceArgs {
    /// Environment variable that holds a Railway token
    /// [default: RAILWAY_API_TOKEN, then RAILWAY_TOKEN].
    #[arg(long, value_name = "VAR")]
    pub railway_token_env: Option<String>,

    /// Railway GraphQL endpoint.
    #[arg(
        long,
        value_name = "URL",
        default_value = "https://backboard.railway.com/graphql/v2"
    )]
    pub railway_api_url: String,

    /// A Railway export (from `blastradius collect`): audit reads it instead of
    /// the API; collect writes it. Repeatable for audit.
    #[arg(long, value_name = "FILE")]
    pub railway_export: Vec<PathBuf>,

    /// Environment variable that holds a GitHub token
    /// [default: GITHUB_TOKEN, then GH_TOKEN].
    #[arg(long, value_name = "VAR")]
    pub github_token_env: Option<String>,

    /// GitHub REST API base: github.com, or Enterprise Server `https://HOST/api/v3`
    /// [default: env GITHUB_API_URL, else https://api.github.com].
    #[arg(long, value_name = "URL")]
    pub github_api_url: Option<String>,

    /// A GitHub export (from `blastradius collect`): audit reads it instead of
    /// the API; collect writes it. Repeatable for audit.
    #[arg(long, value_name = "FILE")]
    pub github_export: Vec<PathBuf>,

    /// Audit the AWS account of the standard AWS credential chain, live and
    /// read-only (AWS_PROFILE, AWS_ACCESS_KEY_ID..., AWS_REGION, AWS_ENDPOINT_URL).
    #[arg(long)]
    pub aws: bool,

    /// The JSON of `aws iam get-account-authorization-details` (all pages
    /// merged, or the first page): audit reads it; collect writes it. Repeatable for audit.
    #[arg(long, value_name = "FILE")]
    pub aws_gaad: Vec<PathBuf>,

    /// Do not read tokens from the environment (only from PATH and exports).
    #[arg(long)]
    pub no_env: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// A workspace to scan for credentials.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    #[command(flatten)]
    pub sources: SourceArgs,

    #[command(flatten)]
    pub run: RunArgs,

    /// Exit with status 1 when any credential rates SEVERITY or worse (with
    /// --baseline: when anything NEW since the baseline does).
    #[arg(long, value_name = "SEVERITY")]
    pub fail_on: Option<SeverityArg>,

    /// A JSON report of an earlier run: the report says what changed since.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ChecklistArgs {
    /// The workspace the agent will get.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    #[command(flatten)]
    pub sources: SourceArgs,

    #[command(flatten)]
    pub run: RunArgs,
}

/// How an audit runs and where its result goes (audit and checklist).
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Send no request: audit from exports only (a credential without one is
    /// listed as not audited, and what depends on it is UNKNOWN).
    #[arg(long)]
    pub offline: bool,

    /// Output format (checklist: table, markdown or json).
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Write the result to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// The team's config: production environments, declared purposes,
    /// accepted risks [default: PATH/blastradius.toml when it exists].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Largest file the workspace scan reads, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_file_size: u64,
}

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The workspace to scan.
    #[arg(value_name = "PATH")]
    pub path: PathBuf,

    /// Output format (table or json).
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,

    /// Write the list to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Largest file the scan reads, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_file_size: u64,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// A workspace to scan for credentials.
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,

    #[command(flatten)]
    pub sources: SourceArgs,

    /// Largest file the workspace scan reads, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
    pub max_file_size: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Table,
    Json,
    Markdown,
    Sarif,
    /// One self-contained HTML file (audit only).
    Html,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SeverityArg {
    Critical,
    High,
    Medium,
    Low,
    None,
}
