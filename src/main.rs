use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use clap::Parser;

use blastradius::audit::{self, RunError};
use blastradius::checklist;
use blastradius::cli::{
    AuditArgs, AwsCommand, ChecklistArgs, Cli, CollectArgs, Command, FormatArg, ScanArgs,
};
use blastradius::config::Config;
use blastradius::discover::{self, Skipped};
use blastradius::rating::Rater;
use blastradius::settings::{self, AuditSettings};
use blastradius::{listing, progress::Progress};
use blastradius_report::render::{render_to, RenderOptions};

/// Exit statuses (contract): 1 when `--fail-on` trips, 2 for usage and
/// runtime errors.
const EXIT_FAIL_ON: u8 = 1;
const EXIT_ERROR: u8 = 2;

/// Feature `jemalloc` (default): see Cargo.toml.
#[cfg(all(feature = "jemalloc", not(target_env = "msvc")))]
mod allocator {
    #[global_allocator]
    static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

    /// jemalloc's options, read at its first allocation. One arena: what
    /// the assessment's worker threads free is reused by the report, made
    /// on the main thread (an arena per thread held 20 MiB more at a
    /// 5,000-role audit's peak, at no gain in time). The benchmark
    /// (providers/aws/benches/account.rs) sets the same.
    #[export_name = "_rjem_malloc_conf"]
    static JEMALLOC_OPTIONS: &[u8; 10] = b"narenas:1\0";
}

fn main() -> ExitCode {
    // With glibc's allocator: a large AWS account is assessed on all
    // cores, and per-thread arenas would hold some 25 MiB of freed pages at
    // the peak of a 5,000-role audit.
    #[cfg(not(all(feature = "jemalloc", not(target_env = "msvc"))))]
    blastradius_aws::heap::limit_arenas(2);
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BLASTRADIUS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    match cli.command {
        Command::Audit(args) => audit_command(args),
        Command::Scan(args) => scan_command(args),
        Command::Collect(args) => collect_command(args),
        Command::Checklist(args) => checklist_command(args),
        Command::Aws {
            command: AwsCommand::Simulate { input },
        } => simulate_command(&input),
    }
}

fn env(var: &str) -> Option<String> {
    std::env::var(var).ok()
}

fn audit_command(args: AuditArgs) -> Result<u8> {
    let sources = settings::sources(args.path, &args.sources, args.run.max_file_size, &env)?;
    let config = Config::find(args.run.config.as_deref(), sources.workspace.as_deref())?;
    let settings = AuditSettings {
        sources,
        config,
        offline: args.run.offline,
        output: settings::output(settings::format(args.run.format), args.run.output),
        fail_on: args.fail_on.map(settings::severity),
        progress: true,
    };
    // Read the baseline before any work: a wrong file fails fast.
    let baseline = match &args.baseline {
        Some(path) => Some(blastradius_report::load_baseline(path)?),
        None => None,
    };
    let mut outcome = audit::audit(&settings);
    if let Some(baseline) = &baseline {
        outcome.report.attach_baseline(baseline)?;
    }
    let options = RenderOptions {
        color: settings.output.color,
        width: None,
        tool_version: Some(env!("CARGO_PKG_VERSION").to_string()),
    };
    write_report(settings.output.path.as_deref(), |out| {
        render_to(&outcome.report, settings.output.format, &options, out)
    })?;
    note_skipped(&outcome.skipped);
    report_errors(&outcome.errors);
    if !outcome.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    match settings.fail_on {
        Some(threshold) if gating_severity(&outcome.report) >= threshold => Ok(EXIT_FAIL_ON),
        _ => Ok(0),
    }
}

fn checklist_command(args: ChecklistArgs) -> Result<u8> {
    let format = match args.run.format {
        FormatArg::Sarif | FormatArg::Html => {
            bail!("`checklist` writes table, markdown or json")
        }
        other => settings::format(other),
    };
    let mut sources =
        settings::sources(Some(args.path), &args.sources, args.run.max_file_size, &env)?;
    sources.scan_environment = true;
    let config = Config::find(args.run.config.as_deref(), sources.workspace.as_deref())?;
    let settings = AuditSettings {
        sources,
        config,
        offline: args.run.offline,
        output: settings::output(format, args.run.output),
        fail_on: None,
        progress: true,
    };
    let outcome = audit::audit(&settings);
    let rater = Rater::new(&settings.config.environments);
    let context = checklist::Context {
        rater: &rater,
        today: chrono::Utc::now().date_naive(),
        max_token_days: settings.config.checklist.max_token_days,
    };
    let result = checklist::check(&outcome.report, &context);
    write_output(
        settings.output.path.as_deref(),
        &checklist::render(&result, format),
    )?;
    note_skipped(&outcome.skipped);
    report_errors(&outcome.errors);
    if !outcome.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    Ok(if result.failed() { EXIT_FAIL_ON } else { 0 })
}

/// What `--fail-on` compares: the worst rating not covered by an accepted
/// (and unexpired) risk; with a baseline, only what is new since it counts.
fn gating_severity(report: &blastradius_report::Report) -> blastradius_report::Severity {
    let unaccepted = report
        .credentials
        .iter()
        .map(|c| c.unaccepted_severity())
        .max()
        .unwrap_or(blastradius_report::Severity::None);
    match report.changes {
        Some(_) => unaccepted.min(report.gate_severity()),
        None => unaccepted,
    }
}

fn scan_command(args: ScanArgs) -> Result<u8> {
    if !args.path.exists() {
        bail!("workspace `{}` does not exist", args.path.display());
    }
    let options = discover::ScanOptions {
        max_file_size: args.max_file_size,
        progress: true,
    };
    let scan = discover::scan_path(&args.path, &options)?;
    let text = match args.format {
        FormatArg::Table => listing::table(&scan),
        FormatArg::Json => listing::json(&scan),
        FormatArg::Markdown => return Err(settings::SettingsError::ScanFormat("markdown").into()),
        FormatArg::Sarif => return Err(settings::SettingsError::ScanFormat("sarif").into()),
        FormatArg::Html => return Err(settings::SettingsError::ScanFormat("html").into()),
    };
    write_output(args.output.as_deref(), &text)?;
    note_skipped(&scan.skipped);
    Ok(0)
}

fn collect_command(args: CollectArgs) -> Result<u8> {
    if !cfg!(feature = "live") {
        bail!("this build has no live collection: rebuild with the cargo feature `live`");
    }
    let railway_out = one_output(&args.sources.railway_export, "--railway-export")?;
    let github_out = one_output(&args.sources.github_export, "--github-export")?;
    let aws_out = one_output(&args.sources.aws_gaad, "--aws-gaad")?;
    if railway_out.is_none() && github_out.is_none() && aws_out.is_none() {
        bail!(
            "name where to write the exports: --railway-export FILE, --github-export FILE \
             and/or --aws-gaad FILE"
        );
    }
    // The export flags name where collect writes; nothing is read from them.
    let mut source_args = args.sources.clone();
    source_args.railway_export.clear();
    source_args.github_export.clear();
    source_args.aws_gaad.clear();
    let sources = settings::sources(args.path, &source_args, args.max_file_size, &env)?;
    let mut errors = Vec::new();
    let (credentials, skipped) = audit::credentials(&sources, &mut errors);
    note_skipped(&skipped);
    let mut steps = audit::Steps::from_exports(&sources, &mut errors);
    steps.collect_missing(&credentials, &sources, &Progress::new(true));
    if let Some(path) = railway_out {
        write_collected::<audit::Railway>(&path, steps.railway.into_tokens())?;
    }
    if let Some(path) = github_out {
        write_collected::<audit::Github>(&path, steps.github.into_tokens())?;
    }
    if let Some(path) = aws_out {
        // The account of the standard AWS chain, in AWS's own GAAD shape.
        let gaad = audit::collect_gaad_json().map_err(|e| anyhow::anyhow!("AWS: {e}"))?;
        std::fs::write(&path, gaad)
            .with_context(|| format!("cannot write `{}`", path.display()))?;
        eprintln!(
            "wrote the AWS account's authorization details to {}; audit it with `blastradius audit --aws-gaad {}`",
            path.display(),
            path.display()
        );
    }
    report_errors(&errors);
    Ok(if errors.is_empty() { 0 } else { EXIT_ERROR })
}

fn one_output(paths: &[PathBuf], flag: &str) -> Result<Option<PathBuf>> {
    match paths {
        [] => Ok(None),
        [path] => Ok(Some(path.clone())),
        _ => bail!("collect writes one export per provider: give {flag} once"),
    }
}

fn write_collected<A: audit::Adapter>(path: &Path, tokens: Vec<A::Token>) -> Result<()> {
    if tokens.is_empty() {
        eprintln!(
            "note: no {} token found (environment or PATH); {} not written",
            A::NAME,
            path.display()
        );
        return Ok(());
    }
    let count = tokens.len();
    audit::write_export::<A>(path, tokens)
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    eprintln!(
        "wrote {count} {} token export(s) to {}; audit it with `blastradius audit {} {}`",
        A::NAME,
        path.display(),
        A::EXPORT_FLAG,
        path.display()
    );
    Ok(())
}

fn simulate_command(input: &Path) -> Result<u8> {
    let text = std::fs::read_to_string(input)
        .with_context(|| format!("cannot read `{}`", input.display()))?;
    let output = blastradius_aws::simulate::run(&text)
        .with_context(|| format!("invalid simulate input `{}`", input.display()))?;
    let mut json = serde_json::to_string_pretty(&output)?;
    json.push('\n');
    write_output(None, &json)?;
    Ok(0)
}

/// Like [`write_output`], for a report written as it is rendered.
fn write_report(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(path) => {
            let mut file = std::fs::File::create(path)
                .with_context(|| format!("cannot write the report to `{}`", path.display()))?;
            write(&mut file)
                .with_context(|| format!("cannot write the report to `{}`", path.display()))
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            write(&mut stdout)?;
            stdout.flush()?;
            Ok(())
        }
    }
}

fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(path) => std::fs::write(path, text)
            .with_context(|| format!("cannot write the report to `{}`", path.display())),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
            Ok(())
        }
    }
}

fn report_errors(errors: &[RunError]) {
    for error in errors {
        eprintln!("error: {error}");
    }
}

fn note_skipped(skipped: &[Skipped]) {
    if skipped.is_empty() {
        return;
    }
    let shown: Vec<String> = skipped
        .iter()
        .take(3)
        .map(|s| format!("{} ({})", s.path.display(), s.reason))
        .collect();
    let more = skipped.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" and {more} more (`scan --format json` lists them)")
    } else {
        String::new()
    };
    eprintln!("note: skipped {}{tail}", shown.join(", "));
}
