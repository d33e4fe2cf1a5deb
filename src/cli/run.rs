//! `sanitize` and `check`: standard input and one file to stdout here, everything else through
//! the library's batch runner (`super::walk`).

use std::io::{self, Write};

use anyhow::{Context, bail};
use nbsanitize::batch::Mode;
use nbsanitize::report::{FileResult, Format, Report};
use nbsanitize::sanitize::stream::FastPath;
use nbsanitize::{Error, Policy, config, engine, fsio};

use super::Exit;
use super::args::{CheckArgs, InputArgs, SanitizeArgs};
use super::walk;

/// The policy from `--policy`, `--config` or the discovered configuration file; on error the
/// one-line message, with the file it came from.
/// The environment variable that sets `--fast-path` when the flag is not given.
const FAST_PATH_ENV: &str = "NBSANITIZE_FAST_PATH";

/// `--fast-path`, else `$NBSANITIZE_FAST_PATH`, else `None` (the configured or default mode).
fn fast_path_of(args: &InputArgs) -> Result<Option<FastPath>, String> {
    if let Some(mode) = args.fast_path {
        return Ok(Some(mode));
    }
    match std::env::var(FAST_PATH_ENV) {
        Ok(value) if !value.is_empty() => clap::ValueEnum::from_str(&value, true)
            .map(Some)
            .map_err(|_| format!("{FAST_PATH_ENV}={value}: expected auto, always or never")),
        _ => Ok(None),
    }
}

fn policy_of(args: &InputArgs) -> Result<Policy, String> {
    let fast_path = fast_path_of(args)?;
    resolve_policy(args.policy, args.config.as_deref(), fast_path)
}

/// The policy of `preset` (else the configuration file's, else `default`) with the allowlist
/// additions of `config` or of the configuration file found from the working directory, and
/// the fast-path mode when one is forced.
pub(super) fn resolve_policy(
    preset: Option<nbsanitize::Preset>,
    config: Option<&std::path::Path>,
    fast_path: Option<FastPath>,
) -> Result<Policy, String> {
    let cwd = std::env::current_dir().map_err(|e| format!("current directory: {e}"))?;
    let path = match config.map(std::path::Path::to_path_buf) {
        Some(path) => Some(path.clone()),
        None => config::discover(&cwd).map_err(|e| format!("{}: {e}", cwd.display()))?,
    };
    let in_file = |e: Error| match &path {
        Some(path) => format!("{}: {e}", path.display()),
        None => e.to_string(),
    };
    let options = match &path {
        Some(path) => config::Options::load(path).map_err(in_file)?,
        None => config::Options::default(),
    };
    let mut builder = options.policy_builder(preset);
    if let Some(mode) = fast_path {
        builder = builder.fast_path(mode);
    }
    builder.build().map_err(in_file)
}

/// [`policy_of`], or the exit code for a bad configuration (after printing why).
fn policy_or_exit(args: &InputArgs) -> Result<Policy, Exit> {
    policy_of(args).map_err(|message| {
        let _ = writeln!(io::stderr(), "nbsanitize: {message}");
        Exit::Config
    })
}

fn is_stdin(path: &std::path::Path) -> bool {
    path.as_os_str() == "-"
}

/// Sanitizes standard input or one file, writing the result (or the input unchanged) to stdout.
fn sanitize_to_stdout(args: &InputArgs, policy: &Policy) -> anyhow::Result<Exit> {
    let path = &args.paths[0];
    let bytes = if is_stdin(path) {
        fsio::read_all_limited(io::stdin().lock(), args.max_size)
    } else {
        fsio::read_limited(path, args.max_size)
    }
    .with_context(|| path.display().to_string())?;
    let name = (!is_stdin(path)).then_some(path.as_path());
    let outcome = engine::sanitize_bytes(&bytes, args.format, name, policy)
        .with_context(|| path.display().to_string())?;
    let out = outcome.output.as_deref().unwrap_or(&bytes);
    io::stdout()
        .lock()
        .write_all(out)
        .context("writing to stdout")?;
    Ok(Exit::Ok)
}

/// Checks standard input.
fn check_stdin(args: &InputArgs, policy: &Policy) -> FileResult {
    let outcome = fsio::read_all_limited(io::stdin().lock(), args.max_size)
        .and_then(|bytes| engine::sanitize_bytes(&bytes, args.format, None, policy));
    let (findings, changed, error) = match outcome {
        Ok(outcome) => {
            let changed = outcome.changed();
            (outcome.findings, changed, None)
        }
        Err(err) => {
            let _ = writeln!(io::stderr(), "nbsanitize: -: {err}");
            (Vec::new(), false, Some(err.to_string()))
        }
    };
    FileResult {
        path: "-".into(),
        findings,
        changed,
        error,
        skipped: false,
        mlflow: None,
    }
}

pub fn sanitize(args: SanitizeArgs) -> anyhow::Result<Exit> {
    let input = &args.input;
    let policy = match policy_or_exit(input) {
        Ok(policy) => policy,
        Err(exit) => return Ok(exit),
    };
    let batch = args.in_place || args.safety.dry_run;
    if !batch {
        let many = input.paths.len() > 1 || input.paths.iter().any(|p| p.is_dir());
        if many {
            bail!(
                "several inputs: use -i/--in-place to rewrite them, or give one file to write it to stdout"
            );
        }
        if args.safety.backup.is_some() || args.safety.quarantine.is_some() {
            bail!("--backup and --quarantine need -i/--in-place");
        }
        return sanitize_to_stdout(input, &policy);
    }
    if input.paths.iter().any(|p| is_stdin(p)) {
        bail!("-i/--in-place cannot rewrite standard input");
    }
    let mode = Mode::Sanitize {
        dry_run: args.safety.dry_run,
    };
    let report = walk::run(input, &policy, mode, Some(&args.safety), false, false)?;
    Ok(if report.has_errors() {
        Exit::Error
    } else {
        Exit::Ok
    })
}

pub fn check(args: CheckArgs) -> anyhow::Result<Exit> {
    let mut input = args.input.clone();
    let policy = match policy_or_exit(&input) {
        Ok(policy) => policy,
        Err(exit) => return Ok(exit),
    };
    let stdin = input.paths.iter().any(|p| is_stdin(p));
    input.paths.retain(|p| !is_stdin(p));
    // Text output is printed file by file; JSON and SARIF need every finding at the end.
    let text = args.output_format == Format::Text;
    let mut report = if input.paths.is_empty() {
        Report::default()
    } else {
        let safety = args.quarantine.clone().map(|quarantine| walk::SafetyArgs {
            dry_run: false,
            backup: None,
            quarantine: Some(quarantine),
        });
        walk::run(
            &input,
            &policy,
            Mode::Check,
            safety.as_ref(),
            !text || stdin,
            text && !input.quiet,
        )?
    };
    if stdin {
        report.files.insert(0, check_stdin(&input, &policy));
        if let Some(path) = &input.walk.report {
            walk::write_report(&report, input.walk.report_format, path)?;
        }
    }
    if !(input.quiet && args.output_format == Format::Text) {
        report.write(args.output_format, &mut io::stdout().lock())?;
    }
    Ok(if report.has_errors() {
        Exit::Error
    } else if report.has_findings() {
        Exit::Findings
    } else {
        Exit::Ok
    })
}
