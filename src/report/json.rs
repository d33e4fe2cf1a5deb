//! One JSON document: `{"findings": [...], "summary": {...}}`. Clean files are counted only.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, Summary};
use crate::diagnostic::{Action, Location, Severity};
use crate::mlflow::RunRef;

#[derive(Serialize)]
struct JsonFinding<'a> {
    path: &'a str,
    code: &'static str,
    rule: &'static str,
    severity: Severity,
    message: &'a str,
    location: &'a Location,
    action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    mlflow: Option<&'a RunRef>,
}

#[derive(Serialize)]
struct JsonError<'a> {
    path: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    mlflow: Option<&'a RunRef>,
}

#[derive(Serialize)]
struct Document<'a> {
    findings: Vec<JsonFinding<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<JsonError<'a>>,
    summary: Summary,
}

/// Writes the report as one JSON document.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        findings: report
            .files
            .iter()
            .flat_map(|file| {
                file.findings.iter().map(|f| JsonFinding {
                    path: &file.path,
                    code: f.rule.code,
                    rule: f.rule.name,
                    severity: f.rule.severity,
                    message: &f.message,
                    location: &f.location,
                    action: f.action,
                    mlflow: file.mlflow.as_ref(),
                })
            })
            .collect(),
        errors: report
            .files
            .iter()
            .filter_map(|f| {
                f.error.as_deref().map(|message| JsonError {
                    path: &f.path,
                    message,
                    mlflow: f.mlflow.as_ref(),
                })
            })
            .collect(),
        summary: report.summary(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
