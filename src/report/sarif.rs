//! SARIF 2.1.0 (accepted by GitHub code scanning), built with `serde-sarif`'s types.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, Write};

use serde_sarif::sarif::{
    ArtifactLocation, Location, LogicalLocation, Message, MultiformatMessageString,
    PhysicalLocation, PropertyBag, Region, ReportingDescriptor, Result as SarifResult, ResultLevel,
    Run, Sarif, Tool, ToolComponent,
};

use super::Report;
use crate::diagnostic::Severity;
use crate::rules;

/// Writes the report as a SARIF log with one run.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let used: BTreeSet<&str> = report
        .files
        .iter()
        .flat_map(|f| f.findings.iter().map(|x| x.rule.code))
        .collect();
    let descriptors: Vec<ReportingDescriptor> = rules::all()
        .filter(|rule| used.contains(rule.code))
        .map(|rule| {
            ReportingDescriptor::builder()
                .id(rule.code.to_owned())
                .name(rule.name.to_owned())
                .short_description(
                    MultiformatMessageString::builder()
                        .text(rule.summary().to_owned())
                        .build(),
                )
                .full_description(MultiformatMessageString::builder().text(rule.doc()).build())
                .help(
                    MultiformatMessageString::builder()
                        .text(rule.doc())
                        .markdown(rule.doc())
                        .build(),
                )
                .build()
        })
        .collect();
    let index: BTreeMap<&str, i64> = descriptors
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i as i64))
        .collect();
    let mut results = Vec::new();
    for file in &report.files {
        for f in &file.findings {
            let physical = PhysicalLocation::builder()
                .artifact_location(ArtifactLocation::builder().uri(uri_of(&file.path)).build())
                .region(Region::builder().start_line(1).build())
                .build();
            let mut location = Location::builder().physical_location(physical).build();
            let place = f.location.describe();
            if !place.is_empty() {
                location.logical_locations = Some(vec![
                    LogicalLocation::builder()
                        .name(place)
                        .fully_qualified_name(f.location.pointer.clone())
                        .kind("element".to_owned())
                        .build(),
                ]);
            }
            let mut props = BTreeMap::new();
            props.insert(
                "action".to_owned(),
                serde_json::Value::from(f.action.as_str()),
            );
            if let Some(run) = &file.mlflow {
                props.insert(
                    "mlflow".to_owned(),
                    serde_json::to_value(run).expect("run serializes"),
                );
            }
            props.insert(
                "location".to_owned(),
                serde_json::to_value(&f.location).expect("location serializes"),
            );
            results.push(
                SarifResult::builder()
                    .rule_id(f.rule.code.to_owned())
                    .rule_index(index[f.rule.code])
                    .level(match f.rule.severity {
                        Severity::Error => ResultLevel::Error,
                        Severity::Warning => ResultLevel::Warning,
                        Severity::Info => ResultLevel::Note,
                    })
                    .message(
                        Message::builder()
                            .text(format!("{} [{}]", f.message, f.action.as_str()))
                            .build(),
                    )
                    .locations(vec![location])
                    .properties(PropertyBag::builder().additional_properties(props).build())
                    .build(),
            );
        }
    }
    let driver = ToolComponent::builder()
        .name("nbsanitize".to_owned())
        .version(env!("CARGO_PKG_VERSION").to_owned())
        .information_uri("https://github.com/nbsanitize/nbsanitize".to_owned())
        .rules(descriptors)
        .build();
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .build();
    let sarif = Sarif::builder()
        .schema(serde_sarif::sarif::SCHEMA_URL.to_owned())
        .version(serde_json::Value::from("2.1.0"))
        .runs(vec![run])
        .build();
    serde_json::to_writer_pretty(&mut *out, &sarif)?;
    writeln!(out)
}

/// A relative URI for a path (forward slashes, percent-encoded spaces and the like).
fn uri_of(path: &str) -> String {
    const SET: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'/')
        .remove(b'.')
        .remove(b'-')
        .remove(b'_')
        .remove(b'~');
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    percent_encoding::utf8_percent_encode(path, SET).to_string()
}
