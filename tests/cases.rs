//! Our own cases in `corpus/cases/` (written by `corpus/cases/generate.py`): each file's
//! findings must be exactly the rule codes listed in `EXPECTED.tsv`, benign files must come out
//! byte-identical, and the report and sanitized output are pinned by insta snapshots.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use nbsanitize::report::{FileResult, Format, Report};
use nbsanitize::{Policy, Preset, engine};

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/cases")
}

fn expected() -> Vec<(String, BTreeSet<String>)> {
    let tsv = std::fs::read_to_string(cases_dir().join("EXPECTED.tsv")).unwrap();
    tsv.lines()
        .skip(1)
        .map(|line| {
            let mut cols = line.split('\t');
            let file = cols.next().unwrap().to_owned();
            let codes = cols.next().unwrap();
            let codes = if codes == "-" {
                BTreeSet::new()
            } else {
                codes.split(',').map(str::to_owned).collect()
            };
            (file, codes)
        })
        .collect()
}

#[test]
fn every_case_has_exactly_its_expected_findings() {
    let policy = Policy::default();
    let cases = expected();
    assert!(cases.len() >= 25);
    for (file, want) in cases {
        let path = cases_dir().join(&file);
        let bytes = std::fs::read(&path).unwrap();
        let outcome = engine::sanitize_bytes(&bytes, None, Some(&path), &policy).unwrap();
        let got: BTreeSet<String> = outcome
            .findings
            .iter()
            .map(|f| f.rule.code.to_owned())
            .collect();
        assert_eq!(got, want, "{file}");
        assert_eq!(
            outcome.output.is_none(),
            want.is_empty(),
            "{file}: changed iff findings"
        );

        let mut report = Report::default();
        report.push(FileResult {
            path: file.clone(),
            findings: outcome.findings.clone(),
            changed: outcome.changed(),
            error: None,
            skipped: false,
            mlflow: None,
        });
        let mut text = Vec::new();
        report.write(Format::Text, &mut text).unwrap();
        let mut snapshot = String::from_utf8(text).unwrap();
        if let Some(out) = &outcome.output {
            snapshot.push_str("----- sanitized -----\n");
            snapshot.push_str(std::str::from_utf8(out).unwrap());
            let again =
                engine::sanitize_bytes(out, Some(outcome.kind), Some(&path), &policy).unwrap();
            assert!(
                again.output.is_none() && again.findings.is_empty(),
                "{file}: not idempotent: {:?}",
                again.findings
            );
        }
        insta::assert_snapshot!(file.replace('.', "_"), snapshot);
    }
}

#[test]
fn strict_policy_removes_unknown_mime_types() {
    let path = cases_dir().join("nb603-unknown-mime.ipynb");
    let bytes = std::fs::read(&path).unwrap();
    let outcome =
        engine::sanitize_bytes(&bytes, None, None, &Policy::from_preset(Preset::Strict)).unwrap();
    let codes: Vec<_> = outcome.findings.iter().map(|f| f.rule.code).collect();
    assert_eq!(codes, ["NB603"]);
    let out = String::from_utf8(outcome.output.unwrap()).unwrap();
    assert!(
        !out.contains("application/x-custom") && out.contains("text/plain"),
        "{out}"
    );
}

#[test]
fn v3_notebooks_stay_v3_and_ascii() {
    let path = cases_dir().join("v3-outputs.ipynb");
    let outcome = engine::sanitize_bytes(
        &std::fs::read(&path).unwrap(),
        None,
        None,
        &Policy::default(),
    )
    .unwrap();
    let out = String::from_utf8(outcome.output.unwrap()).unwrap();
    let nb: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(nb["nbformat"], 3);
    assert!(nb["worksheets"][0]["cells"].is_array());
    assert!(
        out.is_ascii() && out.contains("\\u00e9"),
        "nbformat writes v3 with ensure_ascii"
    );
    let outputs = nb["worksheets"][0]["cells"][1]["outputs"]
        .as_array()
        .unwrap();
    assert_eq!(outputs.len(), 2, "the javascript-only output is gone");
    assert_eq!(outputs[0]["html"], serde_json::json!(["<b>ok</b>"]));
}
