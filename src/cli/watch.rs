//! `nbsanitize watch DIR...`: sweep, then sanitize (or check) files as they appear or change,
//! until Ctrl-C or SIGTERM (exit 0). The work is `nbsanitize::watch`.

use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::Args;
use nbsanitize::Preset;
use nbsanitize::batch::{self, Mode, Processed};
use nbsanitize::watch::{self, WatchEvent, WatchOptions};
use serde::Serialize;

use super::Exit;
use super::args::parse_size;

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// Folders to watch (recursively).
    #[arg(required = true, value_name = "DIR")]
    pub paths: Vec<PathBuf>,
    /// Report findings instead of rewriting files.
    #[arg(long)]
    pub check_only: bool,
    /// Append one JSON line per file changed (or, with --check-only, with findings) to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Poll instead of using the OS's notifications (network file systems).
    #[arg(long)]
    pub poll: bool,
    /// Polling interval in milliseconds (with --poll).
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    pub poll_interval: u64,
    /// Milliseconds events are collected before being looked at.
    #[arg(long, value_name = "MS", default_value_t = 100)]
    pub debounce: u64,
    /// Milliseconds without events after which a file that was not closed is handled anyway.
    #[arg(long, value_name = "MS", default_value_t = 2000)]
    pub settle: u64,
    /// Copy each original here, with the same relative layout, before rewriting it.
    #[arg(long, value_name = "DIR")]
    pub backup: Option<PathBuf>,
    /// Policy preset. Default: the configuration file's `policy`, else `default`.
    #[arg(long, value_enum)]
    pub policy: Option<Preset>,
    /// Leave files larger than this alone (reported when they are of a kind we clean).
    #[arg(long, value_name = "SIZE", default_value = "256MiB", value_parser = parse_size)]
    pub max_size: u64,
    /// Worker threads (0: one per CPU).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Do not honour `.gitignore`, `.ignore` and `.nbsanitizeignore` files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Watch hidden files and folders too.
    #[arg(long)]
    pub hidden: bool,
    /// Print nothing but errors.
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(Serialize)]
struct Line<'a> {
    time_unix: f64,
    path: &'a str,
    event: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mlflow: Option<&'a nbsanitize::mlflow::RunRef>,
    findings: &'a [nbsanitize::Finding],
}

fn event_name(p: &Processed, check_only: bool) -> &'static str {
    if p.result.error.is_some() {
        "failed"
    } else if p.quarantined.is_some() {
        "quarantined"
    } else if check_only {
        "findings"
    } else {
        "sanitized"
    }
}

pub fn run(args: WatchArgs) -> anyhow::Result<Exit> {
    let mode = if args.check_only {
        Mode::Check
    } else {
        Mode::Sanitize { dry_run: false }
    };
    let mut batch_opts = batch::Options::new(mode);
    batch_opts.policy = match super::run::resolve_policy(args.policy, None, None) {
        Ok(policy) => policy,
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "nbsanitize: {message}");
            return Ok(Exit::Config);
        }
    };
    batch_opts.max_size = args.max_size;
    batch_opts.jobs = args.jobs;
    batch_opts.no_ignore = args.no_ignore;
    batch_opts.hidden = args.hidden;
    batch_opts.backup = args.backup.clone();
    let mut opts = WatchOptions::new(batch_opts);
    opts.debounce = Duration::from_millis(args.debounce);
    opts.settle = Duration::from_millis(args.settle);
    opts.poll = args
        .poll
        .then(|| Duration::from_millis(args.poll_interval.max(10)));

    let mut report = match &args.report {
        Some(path) => Some(
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .with_context(|| format!("{}: opening the report", path.display()))?,
        ),
        None => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        ctrlc::set_handler(move || stop.store(true, Ordering::SeqCst))
            .context("installing the Ctrl-C/SIGTERM handler")?;
    }
    for path in &args.paths {
        if !fs::metadata(path).is_ok_and(|m| m.is_dir()) {
            anyhow::bail!("{}: not a folder (watch takes folders)", path.display());
        }
    }
    let quiet = args.quiet;
    let check_only = args.check_only;
    let folders = args.paths.len();
    let mut report_error = None;
    let mut sink = |event: WatchEvent| {
        let mut err = io::stderr().lock();
        match event {
            WatchEvent::Swept { files, rescan } => {
                if !quiet {
                    let what = if rescan { "rescanned" } else { "swept" };
                    let _ = writeln!(
                        err,
                        "nbsanitize: watching {folders} folder(s) ({what} {files} file(s)); Ctrl-C to stop"
                    );
                }
            }
            WatchEvent::Warning(message) => {
                let _ = writeln!(err, "nbsanitize: warning: {message}");
            }
            WatchEvent::File(p) => {
                let r = &p.result;
                if let Some(error) = &r.error {
                    let _ = writeln!(err, "nbsanitize: {}: {error}", r.path);
                } else if !quiet {
                    let run = r
                        .mlflow
                        .as_ref()
                        .map(|x| format!(" ({})", x.describe()))
                        .unwrap_or_default();
                    let _ = writeln!(
                        err,
                        "{} {}{run}: {} finding(s)",
                        event_name(&p, check_only),
                        r.path,
                        r.findings.len()
                    );
                }
                if let Some(file) = report.as_mut() {
                    let line = Line {
                        time_unix: SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .map(|d| d.as_secs_f64())
                            .unwrap_or(0.0),
                        path: &r.path,
                        event: event_name(&p, check_only),
                        error: r.error.as_deref(),
                        mlflow: r.mlflow.as_ref(),
                        findings: &r.findings,
                    };
                    let written = serde_json::to_vec(&line)
                        .map_err(io::Error::other)
                        .and_then(|mut bytes| {
                            bytes.push(b'\n');
                            file.write_all(&bytes)?;
                            file.flush()
                        });
                    if let Err(e) = written {
                        report_error.get_or_insert(e);
                    }
                }
            }
        }
    };
    watch::watch(&args.paths, &opts, &stop, &mut sink)?;
    if let Some(e) = report_error {
        return Err(e).context("writing the report");
    }
    Ok(Exit::Ok)
}
