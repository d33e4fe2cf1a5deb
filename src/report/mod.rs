/*! Reports: findings of many files, printed as text, JSON or SARIF 2.1.0.

The library builds a [`Report`]; printing happens through a writer the caller passes. */

pub mod json;
pub mod sarif;
pub mod text;

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::Finding;

/// Output formats for findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per finding, then a summary.
    Text,
    /// One JSON document: `findings` and `summary`.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
}

/// The result for one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    /// The path as given (or `-` for stdin).
    pub path: String,
    /// Its findings.
    pub findings: Vec<Finding>,
    /// Whether it was (or would be) rewritten.
    pub changed: bool,
    /// The error that stopped processing it, if any.
    pub error: Option<String>,
    /// Skipped (binary or unknown kind) rather than processed.
    pub skipped: bool,
    /// The MLflow experiment and run, for a run artifact.
    pub mlflow: Option<crate::mlflow::RunRef>,
}

/// Counts over a whole run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Files looked at.
    pub files: usize,
    /// Files with at least one finding.
    pub files_with_findings: usize,
    /// Files rewritten (or, for `check`, that would be).
    pub files_changed: usize,
    /// Files skipped as binary or of an unknown kind.
    pub files_skipped: usize,
    /// Files that could not be processed.
    pub files_failed: usize,
    /// Findings in all.
    pub findings: usize,
    /// Findings per rule code.
    pub by_rule: BTreeMap<String, usize>,
}

/// A run's results.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Per-file results, in the order they were added.
    pub files: Vec<FileResult>,
    /// Counts of files not kept in `files` (a batch run keeps only files with findings,
    /// changes or errors, so memory does not grow with clean files); added by [`Report::summary`].
    pub uncounted: Summary,
}

impl Report {
    /// Adds one file's result.
    pub fn push(&mut self, result: FileResult) {
        self.files.push(result);
    }

    /// Counts a file (its findings by rule too) without keeping it, so a long run's memory
    /// does not grow with its files.
    pub fn count_only(&mut self, result: &FileResult) {
        count(&mut self.uncounted, result);
    }

    /// Counts.
    pub fn summary(&self) -> Summary {
        let mut s = self.uncounted.clone();
        for file in &self.files {
            count(&mut s, file);
        }
        s
    }

    /// Whether any finding was reported.
    pub fn has_findings(&self) -> bool {
        self.uncounted.findings > 0 || self.files.iter().any(|f| !f.findings.is_empty())
    }

    /// Whether any file failed.
    pub fn has_errors(&self) -> bool {
        self.uncounted.files_failed > 0 || self.files.iter().any(|f| f.error.is_some())
    }

    /// Writes the report in `format`.
    pub fn write(&self, format: Format, out: &mut dyn Write) -> io::Result<()> {
        match format {
            Format::Text => text::write(self, out),
            Format::Json => json::write(self, out),
            Format::Sarif => sarif::write(self, out),
        }
    }
}

fn count(s: &mut Summary, file: &FileResult) {
    s.files += 1;
    s.files_with_findings += usize::from(!file.findings.is_empty());
    s.files_changed += usize::from(file.changed);
    s.files_skipped += usize::from(file.skipped);
    s.files_failed += usize::from(file.error.is_some());
    s.findings += file.findings.len();
    for f in &file.findings {
        *s.by_rule.entry(f.rule.code.to_owned()).or_default() += 1;
    }
}
