//! Batch runs from the command line: flags, progress bar, per-file lines, summary table and
//! `--report FILE`. The work itself is `nbsanitize::batch`.

use std::fs;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use nbsanitize::batch::{self, BatchReport, Mode, Processed, Progress};
use nbsanitize::report::{Format, Report};

use super::args::InputArgs;

/// Walking folders and writing a report file (`sanitize` and `check`).
#[derive(Debug, Args, Clone)]
pub struct WalkArgs {
    /// Worker threads (0: one per CPU).
    #[arg(short = 'j', long, value_name = "N", default_value_t = 0)]
    pub jobs: usize,
    /// Do not honour `.gitignore`, `.ignore` and `.nbsanitizeignore` files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Walk hidden files and folders too (MLflow's `.trash` is always walked; `.git` never).
    #[arg(long)]
    pub hidden: bool,
    /// Also write the findings of the whole run to this file.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Format of `--report`.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = ReportFormat::Json)]
    pub report_format: ReportFormat,
}

/// Formats of `--report FILE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// One JSON document with findings, errors and a summary.
    Json,
    /// SARIF 2.1.0.
    Sarif,
}

/// What `sanitize` may do besides rewriting files.
#[derive(Debug, Args, Clone)]
pub struct SafetyArgs {
    /// Write nothing; report what would change.
    #[arg(long)]
    pub dry_run: bool,
    /// Copy each original here, with the same relative layout, before rewriting it.
    #[arg(long, value_name = "DIR")]
    pub backup: Option<PathBuf>,
    /// Move files that cannot be sanitized, and model files with findings, here (manifest:
    /// DIR/manifest.jsonl).
    #[arg(long, value_name = "DIR")]
    pub quarantine: Option<PathBuf>,
}

/// Progress bar on a terminal, one line per changed or failed file.
struct CliProgress {
    bar: ProgressBar,
    mode: Mode,
    quiet: bool,
    /// Print each file's findings to stdout as it is done (text output, findings not kept).
    stream_findings: bool,
}

impl Progress for CliProgress {
    fn file_done(&self, processed: &Processed) {
        self.bar.inc(1);
        let file = &processed.result;
        let line = if let Some(error) = &file.error {
            Some(format!("nbsanitize: {}: {error}", file.path))
        } else if self.quiet || !file.changed || self.mode == Mode::Check {
            None
        } else {
            let verb = match (&processed.quarantined, self.mode) {
                (Some(_), _) => "quarantined",
                (None, Mode::Sanitize { dry_run: true }) => "would sanitize",
                _ => "sanitized",
            };
            let run = file
                .mlflow
                .as_ref()
                .map(|r| format!(" ({})", r.describe()))
                .unwrap_or_default();
            Some(format!(
                "{verb} {}{run}: {} finding(s)",
                file.path,
                file.findings.len()
            ))
        };
        if let Some(line) = line {
            self.bar.suspend(|| {
                let _ = writeln!(io::stderr(), "{line}");
            });
        }
        if self.stream_findings && !file.findings.is_empty() {
            self.bar.suspend(|| {
                let _ = nbsanitize::report::text::write_file(file, &mut io::stdout().lock());
            });
        }
    }
}

/// Runs a batch over `input.paths` and prints progress, per-file lines and, for more than one
/// file, the summary table on stderr. Unless `keep_findings` (or `--report`), findings are not
/// kept in the returned report (memory stays flat on large stores); with `stream_findings`
/// they are printed to stdout, as text, as files are done.
pub fn run(
    input: &InputArgs,
    policy: &nbsanitize::Policy,
    mode: Mode,
    safety: Option<&SafetyArgs>,
    keep_findings: bool,
    stream_findings: bool,
) -> anyhow::Result<Report> {
    let walk = &input.walk;
    let mut opts = batch::Options::new(mode);
    opts.policy = policy.clone();
    opts.format = input.format;
    opts.max_size = input.max_size;
    opts.jobs = walk.jobs;
    opts.no_ignore = walk.no_ignore;
    opts.hidden = walk.hidden;
    opts.keep_findings = keep_findings || walk.report.is_some();
    if let Some(safety) = safety {
        opts.backup = safety.backup.clone();
        opts.quarantine = safety.quarantine.clone();
    }
    let bar = if input.quiet || !io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {pos} files ({per_sec}) {elapsed}")
                .expect("valid template"),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        bar
    };
    let progress = CliProgress {
        bar,
        mode,
        quiet: input.quiet,
        stream_findings: stream_findings && !opts.keep_findings,
    };
    let started = Instant::now();
    let result = batch::run(&input.paths, &opts, &progress)?;
    progress.bar.finish_and_clear();
    let many = input.paths.len() > 1 || input.paths.iter().any(|p| p.is_dir());
    if many && !input.quiet {
        summary_table(&result, mode, started.elapsed(), &mut io::stderr().lock())?;
    }
    if let Some(path) = &walk.report {
        write_report(&result.report, walk.report_format, path)?;
    }
    Ok(result.report)
}

/// Writes `report` to `path` in `format`.
pub fn write_report(report: &Report, format: ReportFormat, path: &PathBuf) -> anyhow::Result<()> {
    let format = match format {
        ReportFormat::Json => Format::Json,
        ReportFormat::Sarif => Format::Sarif,
    };
    let mut out = io::BufWriter::new(
        fs::File::create(path)
            .with_context(|| format!("{}: creating the report", path.display()))?,
    );
    report
        .write(format, &mut out)
        .and_then(|()| out.flush())
        .with_context(|| format!("{}: writing the report", path.display()))
}

/// The end-of-run table: files scanned / changed / skipped / failed, findings per rule and per
/// MLflow run.
fn summary_table(
    run: &BatchReport,
    mode: Mode,
    elapsed: Duration,
    out: &mut dyn Write,
) -> io::Result<()> {
    let s = run.report.summary();
    let secs = elapsed.as_secs_f64().max(1e-3);
    let changed = match mode {
        Mode::Sanitize { dry_run: false } => "changed",
        _ => "would change",
    };
    let skipped: Vec<String> = run
        .skipped
        .iter()
        .map(|(why, n)| format!("{} {n}", why.as_str()))
        .collect();
    let mb = run.bytes as f64 / (1024.0 * 1024.0);
    writeln!(
        out,
        "\n{} file(s) scanned in {:.2} s ({:.0} files/s; {mb:.1} MiB read, {:.1} MiB/s)",
        s.files,
        secs,
        s.files as f64 / secs,
        mb / secs
    )?;
    writeln!(
        out,
        "  {changed:<13}{:>8}",
        s.files_changed - run.quarantined
    )?;
    if run.quarantined > 0 {
        writeln!(out, "  {:<13}{:>8}", "quarantined", run.quarantined)?;
    }
    write!(out, "  {:<13}{:>8}", "skipped", s.files_skipped)?;
    if skipped.is_empty() {
        writeln!(out)?;
    } else {
        writeln!(out, "  ({})", skipped.join(", "))?;
    }
    writeln!(out, "  {:<13}{:>8}", "failed", s.files_failed)?;
    writeln!(out, "  {:<13}{:>8}", "findings", s.findings)?;
    if !s.by_rule.is_empty() {
        writeln!(out, "\n  {:<8}{:>8}  name", "rule", "findings")?;
        for (code, n) in &s.by_rule {
            let name = nbsanitize::rules::find(code).map_or("", |r| r.name);
            writeln!(out, "  {code:<8}{n:>8}  {name}")?;
        }
    }
    if !run.by_run.is_empty() {
        writeln!(out, "\n  {:>8}  MLflow experiment/run", "findings")?;
        for (r, n) in &run.by_run {
            let deleted = if r.deleted { " (deleted)" } else { "" };
            writeln!(out, "  {n:>8}  {}/{}{deleted}", r.experiment_id, r.run_id)?;
        }
    }
    Ok(())
}
