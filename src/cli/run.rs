//! `sanitize` and `check`.

use std::io::{self, Write};

use anyhow::{Context, bail};
use clap::ValueEnum;
use nbsanitize::report::{FileResult, Format, Report};
use nbsanitize::sanitize::stream::FastPath;
use nbsanitize::{Error, Outcome, Policy, engine, fsio};

use super::Exit;
use super::args::{CheckArgs, InputArgs, SanitizeArgs};
use super::inputs::{self, Input};
use super::stream;

/// The environment variable that sets `--fast-path` when the flag is not given.
const FAST_PATH_ENV: &str = "NBSANITIZE_FAST_PATH";

/// `--fast-path`, else `$NBSANITIZE_FAST_PATH`, else `auto`.
fn fast_path_of(args: &InputArgs) -> anyhow::Result<FastPath> {
    if let Some(mode) = args.fast_path {
        return Ok(mode);
    }
    match std::env::var(FAST_PATH_ENV) {
        Ok(value) if !value.is_empty() => FastPath::from_str(&value, true).map_err(|_| {
            anyhow::anyhow!("{FAST_PATH_ENV}={value}: expected auto, always or never")
        }),
        _ => Ok(FastPath::Auto),
    }
}

fn policy_of(args: &InputArgs) -> Policy {
    Policy::builder()
        .preset(args.policy)
        .fast_path(fast_path_of(args).unwrap_or_default())
        .build()
        .expect("presets are valid")
}

fn read(input: &Input, max_size: u64) -> Result<Vec<u8>, Error> {
    match input {
        Input::Stdin => fsio::read_all_limited(io::stdin().lock(), max_size),
        Input::File { path, .. } => fsio::read_limited(path, max_size),
    }
}

fn process(input: &Input, args: &InputArgs, policy: &Policy) -> Result<(Vec<u8>, Outcome), Error> {
    let bytes = read(input, args.max_size)?;
    let outcome = engine::sanitize_bytes(&bytes, args.format, input.path(), policy)?;
    Ok((bytes, outcome))
}

fn error_line(path: &str, err: &dyn std::fmt::Display) {
    let _ = writeln!(io::stderr(), "nbsanitize: {path}: {err}");
}

/// Runs `f` over every input, collecting a report. Errors are printed as they happen.
fn for_each_input(
    args: &InputArgs,
    mode: stream::Mode,
    mut f: impl FnMut(&Input, Vec<u8>, Outcome) -> anyhow::Result<bool>,
) -> Report {
    let policy = policy_of(args);
    let mut report = Report::default();
    for item in inputs::expand(&args.paths) {
        let input = match item {
            Ok(input) => input,
            Err((path, err)) => {
                error_line(&path, &err);
                report.push(FileResult {
                    path,
                    findings: vec![],
                    changed: false,
                    error: Some(err),
                    skipped: false,
                });
                continue;
            }
        };
        let path = input.display();
        if let Some(result) = stream::try_large_html(&input, args, &policy, mode) {
            let (findings, changed, error) = match result {
                Ok((findings, changed)) => (findings, changed, None),
                Err(err) => {
                    error_line(&path, &err);
                    (vec![], false, Some(err.to_string()))
                }
            };
            report.push(FileResult {
                path,
                findings,
                changed,
                error,
                skipped: false,
            });
            continue;
        }
        match process(&input, args, &policy) {
            Ok((bytes, outcome)) => {
                let findings = outcome.findings.clone();
                match f(&input, bytes, outcome) {
                    Ok(changed) => report.push(FileResult {
                        path,
                        findings,
                        changed,
                        error: None,
                        skipped: false,
                    }),
                    Err(err) => {
                        error_line(&path, &format!("{err:#}"));
                        report.push(FileResult {
                            path,
                            findings,
                            changed: false,
                            error: Some(format!("{err:#}")),
                            skipped: false,
                        });
                    }
                }
            }
            Err(err) => {
                let explicit = matches!(input, Input::Stdin | Input::File { explicit: true, .. });
                let skippable = matches!(err, Error::NotText(_) | Error::Empty);
                if !explicit && skippable {
                    report.push(FileResult {
                        path,
                        findings: vec![],
                        changed: false,
                        error: None,
                        skipped: true,
                    });
                } else {
                    error_line(&path, &err);
                    report.push(FileResult {
                        path,
                        findings: vec![],
                        changed: false,
                        error: Some(err.to_string()),
                        skipped: false,
                    });
                }
            }
        }
    }
    report
}

pub fn sanitize(args: SanitizeArgs) -> anyhow::Result<Exit> {
    fast_path_of(&args.input)?;
    let many = args.input.paths.len() > 1 || args.input.paths.iter().any(|p| p.is_dir());
    if many && !args.in_place {
        bail!(
            "several inputs: use -i/--in-place to rewrite them, or give one file to write it to stdout"
        );
    }
    if args.in_place && args.input.paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("-i/--in-place cannot rewrite standard input");
    }
    let mode = if args.in_place {
        stream::Mode::InPlace
    } else {
        stream::Mode::Stdout
    };
    let report = for_each_input(&args.input, mode, |input, bytes, outcome| {
        let Some(new) = outcome.output else {
            if !args.in_place {
                io::stdout()
                    .lock()
                    .write_all(&bytes)
                    .context("writing to stdout")?;
            }
            return Ok(false);
        };
        match input {
            Input::File { path, .. } if args.in_place => {
                fsio::write_atomic(path, &new).with_context(|| "writing the sanitized file")?;
            }
            _ => io::stdout()
                .lock()
                .write_all(&new)
                .context("writing to stdout")?,
        }
        Ok(true)
    });
    if !args.input.quiet && args.in_place {
        report.write(Format::Text, &mut io::stderr().lock())?;
    }
    Ok(if report.has_errors() {
        Exit::Error
    } else {
        Exit::Ok
    })
}

pub fn check(args: CheckArgs) -> anyhow::Result<Exit> {
    fast_path_of(&args.input)?;
    let report = for_each_input(&args.input, stream::Mode::Check, |_, _, outcome| {
        Ok(outcome.changed())
    });
    if !(args.input.quiet && args.output_format == Format::Text) {
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
