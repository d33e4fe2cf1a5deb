//! Faithfulness on the shared corpus (`/work/shared/corpus`, or `$NBSANITIZE_CORPUS`): every
//! pandas table, Styler sheet and `<style>` output, and every SVG without script-capable
//! content, comes out of the sanitizers unchanged; `.html` artifacts lose their scripts and keep
//! their tables and styles. Skipped (with a message) when the corpus is absent.

#![allow(clippy::print_stderr)] // the skip message is the point

use std::path::{Path, PathBuf};

use nbsanitize::sanitize::html::{HtmlAllowlist, sanitize_fragment};
use nbsanitize::sanitize::svg::sanitize_svg;
use serde_json::Value;

fn corpus() -> Option<PathBuf> {
    let dir = std::env::var_os("NBSANITIZE_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"));
    if dir.is_dir() {
        return Some(dir);
    }
    // The corpus is data shared on the development machines, not a tool CI installs.
    eprintln!("skipping: corpus {} not found", dir.display());
    None
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Array(lines) => Some(lines.iter().filter_map(Value::as_str).collect()),
        _ => None,
    }
}

/// Every (notebook, MIME type, text) of `text/html` and `image/svg+xml` outputs.
fn outputs(root: &Path) -> Vec<(PathBuf, &'static str, String)> {
    let mut notebooks = Vec::new();
    files(root, "ipynb", &mut notebooks);
    let mut out = Vec::new();
    for path in notebooks {
        let Ok(bytes) = std::fs::read(&path) else {
            continue;
        };
        let Ok(nb) = serde_json::from_slice::<Value>(&bytes) else {
            continue;
        };
        let cells: Vec<&Value> = match nb.get("cells").and_then(Value::as_array) {
            Some(cells) => cells.iter().collect(),
            None => nb
                .get("worksheets")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|w| w.get("cells").and_then(Value::as_array))
                .flatten()
                .collect(),
        };
        for cell in cells {
            for output in cell
                .get("outputs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let data = output.get("data").unwrap_or(output);
                for (key, mime) in [
                    ("text/html", "text/html"),
                    ("html", "text/html"),
                    ("image/svg+xml", "image/svg+xml"),
                    ("svg", "image/svg+xml"),
                ] {
                    if let Some(text) = data.get(key).and_then(text_of) {
                        out.push((path.clone(), mime, text));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn pandas_tables_and_style_blocks_are_byte_identical() {
    let Some(root) = corpus() else { return };
    let allow = HtmlAllowlist::default();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, mime, html) in outputs(&root) {
        if mime != "text/html" || !(html.contains("class=\"dataframe\"") || html.contains("<style"))
        {
            continue;
        }
        // Outputs that also carry scripts are not "benign"; they must change. So is
        // JupyterLab's own CSS-injection fixture.
        let lower = html.to_ascii_lowercase();
        if lower.contains("<script")
            || lower.contains("<iframe")
            || path.to_string_lossy().contains("css_js_injection")
        {
            continue;
        }
        checked += 1;
        let out = sanitize_fragment(&html, &allow);
        if out.text.is_some() {
            let what: Vec<String> = out.findings.iter().map(|f| f.message.clone()).collect();
            failures.push(format!("{}: {what:?}", path.display()));
        }
    }
    assert!(checked > 20, "only {checked} pandas/style outputs found");
    assert!(
        failures.is_empty(),
        "{} changed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn svg_outputs_and_artifacts_without_script_are_byte_identical() {
    let Some(root) = corpus() else { return };
    let mut svgs: Vec<(PathBuf, String)> = outputs(&root)
        .into_iter()
        .filter(|(_, mime, _)| *mime == "image/svg+xml")
        .map(|(path, _, text)| (path, text))
        .collect();
    let mut paths = Vec::new();
    files(&root, "svg", &mut paths);
    for path in paths {
        if let Ok(text) = std::fs::read_to_string(&path) {
            svgs.push((path, text));
        }
    }
    let mut checked = 0;
    let mut failures = Vec::new();
    for (path, svg) in svgs {
        let lower = svg.to_ascii_lowercase();
        let out = sanitize_svg(&svg);
        if lower.contains("<script") {
            assert!(out.text.is_some(), "{}: script kept", path.display());
            continue;
        }
        checked += 1;
        if out.text.is_some() {
            let what: Vec<String> = out.findings.iter().map(|f| f.message.clone()).collect();
            failures.push(format!("{}: {what:?}", path.display()));
        }
    }
    assert!(checked > 10, "only {checked} SVGs found");
    assert!(
        failures.is_empty(),
        "{} changed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Counts elements by local name in the document a browser builds from `html`.
fn count_elements(html: &str, names: &[&str]) -> Vec<usize> {
    use html5ever::tendril::TendrilSink;
    use markup5ever_rcdom::{NodeData, RcDom};
    let dom = html5ever::parse_document(RcDom::default(), Default::default()).one(html);
    let mut counts = vec![0; names.len()];
    let mut stack = vec![dom.document.clone()];
    while let Some(node) = stack.pop() {
        if let NodeData::Element { name, .. } = &node.data
            && let Some(i) = names.iter().position(|n| *n == &*name.local)
        {
            counts[i] += 1;
        }
        stack.extend(node.children.borrow().iter().cloned());
    }
    counts
}

#[test]
fn html_artifacts_lose_scripts_and_keep_tables_and_styles() {
    let Some(root) = corpus() else { return };
    let allow = HtmlAllowlist::default();
    let mut paths = Vec::new();
    files(&root, "html", &mut paths);
    assert!(paths.len() >= 10, "only {} .html artifacts", paths.len());
    let mut cards = 0;
    for path in paths {
        let Ok(html) = std::fs::read_to_string(&path) else {
            continue;
        };
        let out = nbsanitize::sanitize::html::sanitize_html(&html, &allow);
        let text = out.text.clone().unwrap_or_else(|| html.clone());
        let names = ["script", "table", "style", "title", "html", "body"];
        let before = count_elements(&html, &names);
        let after = count_elements(&text, &names);
        let p = path.display();
        assert_eq!(after[0], 0, "{p}: script kept");
        assert_eq!(after[1], before[1], "{p}: tables lost");
        assert!(after[2] > 0 || before[2] == 0, "{p}: every style lost");
        assert_eq!(after[3], before[3], "{p}: title lost");
        // The output is clean and stays what it was: a document or a fragment.
        let again = nbsanitize::sanitize::html::sanitize_html(&text, &allow);
        assert!(
            again.text.is_none(),
            "{p}: not idempotent: {:?}",
            again.findings
        );
        let is_doc = nbsanitize::sanitize::html::is_document(&html);
        assert_eq!(
            nbsanitize::sanitize::html::is_document(&text),
            is_doc,
            "{p}"
        );
        if path.file_name().is_some_and(|n| n == "card.html") {
            cards += 1;
            assert!(is_doc, "{p}");
            assert!(text.starts_with("<!DOCTYPE html>"), "{p}");
        }
    }
    assert!(cards >= 5, "only {cards} recipe cards");
}
