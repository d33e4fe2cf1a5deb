/*! Python bindings for nbsanitize (`nbsanitize._native`).

The Python package `nbsanitize` (in `python/nbsanitize/`) wraps these functions; they take text
or bytes, release the GIL while the engine works, and raise `ValueError` with the engine's
one-line message when the input cannot be processed. Only the library's public API is used. */

use std::path::Path;
use std::sync::OnceLock;

use nbsanitize::notebook::Notebook;
use nbsanitize::{Error, Finding, Kind, Outcome, Preset, engine};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use pyo3::types::{PyDict, PyList, PyString};
use serde_json::{Value, json};

/// A built sanitizing policy, shared between calls and threads.
///
/// `Policy(preset="default", add_tags=(), add_attributes=(), keep_mime_types=())`. Tags and
/// attributes that run code (`script`, `on*`, …) and executable MIME types are refused with
/// `ValueError`.
#[pyclass(frozen, module = "nbsanitize._native", name = "Policy")]
struct PyPolicy {
    inner: nbsanitize::Policy,
    preset: Preset,
}

#[pymethods]
impl PyPolicy {
    #[new]
    #[pyo3(signature = (preset = "default", add_tags = Vec::new(), add_attributes = Vec::new(), keep_mime_types = Vec::new()))]
    fn new(
        preset: &str,
        add_tags: Vec<String>,
        add_attributes: Vec<String>,
        keep_mime_types: Vec<String>,
    ) -> PyResult<Self> {
        let preset = parse_preset(preset)?;
        let inner = nbsanitize::Policy::builder()
            .preset(preset)
            .add_tags(add_tags.iter().map(String::as_str))
            .add_generic_attributes(add_attributes.iter().map(String::as_str))
            .keep_mime_types(keep_mime_types.iter().map(String::as_str))
            .build()
            .map_err(value_error)?;
        Ok(PyPolicy { inner, preset })
    }

    /// The preset the policy started from (`"default"` or `"strict"`).
    #[getter]
    fn preset(&self) -> &'static str {
        match self.preset {
            Preset::Strict => "strict",
            _ => "default",
        }
    }

    fn __repr__(&self) -> String {
        format!("Policy(preset={:?})", self.preset())
    }
}

fn parse_preset(name: &str) -> PyResult<Preset> {
    match name.to_ascii_lowercase().as_str() {
        "default" => Ok(Preset::Default),
        "strict" => Ok(Preset::Strict),
        other => Err(PyValueError::new_err(format!(
            "unknown policy `{other}` (expected `default` or `strict`)"
        ))),
    }
}

fn parse_format(format: Option<&str>) -> PyResult<Option<Kind>> {
    let Some(name) = format else { return Ok(None) };
    let kind = match name.to_ascii_lowercase().as_str() {
        "ipynb" | "notebook" => Kind::Notebook,
        "html" => Kind::Html,
        "svg" => Kind::Svg,
        "markdown" | "md" => Kind::Markdown,
        "geojson" => Kind::GeoJson,
        other => {
            return Err(PyValueError::new_err(format!(
                "unknown format `{other}` (expected ipynb, html, svg, markdown or geojson)"
            )));
        }
    };
    Ok(Some(kind))
}

/// The presets' policies, built once (building the HTML allowlist costs tens of µs).
fn preset_policy(preset: Preset) -> nbsanitize::Policy {
    static PRESETS: OnceLock<(nbsanitize::Policy, nbsanitize::Policy)> = OnceLock::new();
    let (default, strict) = PRESETS.get_or_init(|| {
        (
            nbsanitize::Policy::from_preset(Preset::Default),
            nbsanitize::Policy::from_preset(Preset::Strict),
        )
    });
    match preset {
        Preset::Strict => strict.clone(),
        _ => default.clone(),
    }
}

/// A policy given as a preset name or as a built `Policy`.
fn resolve_policy(policy: Option<&Bound<'_, PyAny>>) -> PyResult<nbsanitize::Policy> {
    let Some(policy) = policy else {
        return Ok(preset_policy(Preset::Default));
    };
    if let Ok(built) = policy.cast::<PyPolicy>() {
        return Ok(built.get().inner.clone());
    }
    let name: PyBackedStr = policy.extract().map_err(|_| {
        PyValueError::new_err("policy must be a preset name (`default`, `strict`) or a Policy")
    })?;
    Ok(preset_policy(parse_preset(&name)?))
}

/// Text or bytes from Python, kept alive without the GIL.
enum Content {
    Str(PyBackedStr),
    Bytes(PyBackedBytes),
}

impl Content {
    fn extract(obj: &Bound<'_, PyAny>) -> PyResult<Self> {
        if let Ok(s) = obj.extract::<PyBackedStr>() {
            return Ok(Content::Str(s));
        }
        if let Ok(b) = obj.extract::<PyBackedBytes>() {
            return Ok(Content::Bytes(b));
        }
        Err(PyValueError::new_err(
            "content must be str or bytes (pass notebooks as dicts to sanitize_notebook)",
        ))
    }

    fn as_bytes(&self) -> &[u8] {
        match self {
            Content::Str(s) => s.as_bytes(),
            Content::Bytes(b) => b,
        }
    }
}

fn value_error(e: Error) -> PyErr {
    PyValueError::new_err(e.to_string())
}

fn run(
    py: Python<'_>,
    content: &Content,
    kind: Option<Kind>,
    policy: &nbsanitize::Policy,
) -> PyResult<Outcome> {
    py.detach(|| engine::sanitize_bytes(content.as_bytes(), kind, None::<&Path>, policy))
        .map_err(value_error)
}

fn finding_dict<'py>(py: Python<'py>, finding: &Finding) -> PyResult<Bound<'py, PyDict>> {
    let location = PyDict::new(py);
    let loc = &finding.location;
    location.set_item("cell", loc.cell)?;
    location.set_item("cell_id", loc.cell_id.as_deref())?;
    location.set_item("output", loc.output)?;
    location.set_item("mime", loc.mime.as_deref())?;
    location.set_item("pointer", loc.pointer.as_str())?;
    location.set_item("member", loc.member.as_deref())?;
    location.set_item("description", loc.describe())?;
    let dict = PyDict::new(py);
    dict.set_item("code", finding.rule.code)?;
    dict.set_item("rule", finding.rule.name)?;
    dict.set_item("severity", severity_name(finding))?;
    dict.set_item("message", finding.message.as_str())?;
    dict.set_item("location", location)?;
    dict.set_item("action", finding.action.as_str())?;
    Ok(dict)
}

fn severity_name(finding: &Finding) -> &'static str {
    match finding.severity() {
        nbsanitize::Severity::Error => "error",
        nbsanitize::Severity::Warning => "warning",
        _ => "info",
    }
}

fn findings_list<'py>(py: Python<'py>, findings: &[Finding]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for finding in findings {
        list.append(finding_dict(py, finding)?)?;
    }
    Ok(list)
}

/// The output text: the sanitized bytes, or the input itself when nothing changed.
fn output_text(content: &Content, output: Option<Vec<u8>>) -> PyResult<String> {
    let bytes = output.unwrap_or_else(|| content.as_bytes().to_vec());
    String::from_utf8(bytes).map_err(|e| PyValueError::new_err(format!("not UTF-8 ({e})")))
}

/// `sanitize(content, format=None, policy="default") -> str`
///
/// An unchanged `str` input is returned as the same object (no copy).
#[pyfunction]
#[pyo3(signature = (content, format = None, policy = None))]
fn sanitize<'py>(
    py: Python<'py>,
    content: &Bound<'py, PyAny>,
    format: Option<&str>,
    policy: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let input = content;
    let content = Content::extract(input)?;
    let kind = parse_format(format)?;
    let policy = resolve_policy(policy)?;
    let outcome = run(py, &content, kind, &policy)?;
    if outcome.output.is_none() && matches!(content, Content::Str(_)) {
        return Ok(input.clone());
    }
    Ok(PyString::new(py, &output_text(&content, outcome.output)?).into_any())
}

/// `sanitize_with_findings(content, format=None, policy="default") -> (str | None, list[dict])`
///
/// The text is `None` when nothing changed.
#[pyfunction]
#[pyo3(signature = (content, format = None, policy = None))]
fn sanitize_with_findings<'py>(
    py: Python<'py>,
    content: &Bound<'py, PyAny>,
    format: Option<&str>,
    policy: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Option<String>, Bound<'py, PyList>)> {
    let content = Content::extract(content)?;
    let kind = parse_format(format)?;
    let policy = resolve_policy(policy)?;
    let outcome = run(py, &content, kind, &policy)?;
    let text = match outcome.output {
        Some(bytes) => Some(output_text(&content, Some(bytes))?),
        None => None,
    };
    Ok((text, findings_list(py, &outcome.findings)?))
}

/// `check(content, format=None, policy="default") -> list[dict]`
#[pyfunction]
#[pyo3(signature = (content, format = None, policy = None))]
fn check<'py>(
    py: Python<'py>,
    content: &Bound<'py, PyAny>,
    format: Option<&str>,
    policy: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyList>> {
    let content = Content::extract(content)?;
    let kind = parse_format(format)?;
    let policy = resolve_policy(policy)?;
    let outcome = run(py, &content, kind, &policy)?;
    findings_list(py, &outcome.findings)
}

/// `sanitize_notebook_value(json, policy="default") -> (str | None, list[dict])`
///
/// Sanitizes notebook JSON as held in memory (strings not split into lines, keys as given) and
/// returns the changed notebook as compact JSON of the same shape, or `None` when unchanged.
/// Used for notebooks that Python already parsed (the server's contents model).
#[pyfunction]
#[pyo3(signature = (content, policy = None))]
fn sanitize_notebook_value<'py>(
    py: Python<'py>,
    content: &Bound<'py, PyAny>,
    policy: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Option<String>, Bound<'py, PyList>)> {
    let content = Content::extract(content)?;
    let policy = resolve_policy(policy)?;
    let (text, findings) = py
        .detach(|| -> Result<_, Error> {
            let text = nbsanitize::artifact::as_text(content.as_bytes())?;
            let mut nb = Notebook::parse(text)?;
            let findings = nb.sanitize(&policy)?;
            let changed = findings
                .iter()
                .any(|f| f.action != nbsanitize::Action::Reported);
            let out = changed.then(|| nb.as_value().to_string());
            Ok((out, findings))
        })
        .map_err(value_error)?;
    Ok((text, findings_list(py, &findings)?))
}

/// `sanitize_bundle(data_json, metadata_json="{}", policy="default") -> (str | None, list[dict])`
///
/// Sanitizes one MIME bundle (the `data` of a `display_data`, `execute_result` or
/// `update_display_data` message) exactly as the notebook walker treats an output's bundle.
/// Returns the new bundle as JSON, or `None` when unchanged. A bundle whose every entry is
/// removed comes back as `{}`.
#[pyfunction]
#[pyo3(signature = (data, metadata = None, policy = None))]
fn sanitize_bundle<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    metadata: Option<&Bound<'py, PyAny>>,
    policy: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Option<String>, Bound<'py, PyList>)> {
    let data = Content::extract(data)?;
    let metadata = metadata.map(Content::extract).transpose()?;
    let policy = resolve_policy(policy)?;
    let (text, findings) = py
        .detach(|| bundle(&data, metadata.as_ref(), &policy))
        .map_err(value_error)?;
    Ok((text, findings_list(py, &findings)?))
}

/// Where the bundle sits in the one-cell notebook that [`bundle`] wraps it in.
const BUNDLE_POINTER: &str = "/cells/0/outputs/0/data";

fn bundle(
    data: &Content,
    metadata: Option<&Content>,
    policy: &nbsanitize::Policy,
) -> Result<(Option<String>, Vec<Finding>), Error> {
    let parse = |c: &Content| -> Result<Value, Error> {
        serde_json::from_slice(c.as_bytes()).map_err(|e| Error::InvalidJson(e.to_string()))
    };
    let data = parse(data)?;
    if !data.is_object() {
        return Err(Error::InvalidSchema(
            "a MIME bundle must be a JSON object".into(),
        ));
    }
    let metadata = match metadata {
        Some(m) => parse(m)?,
        None => json!({}),
    };
    // One display_data output in one code cell: the walker's treatment of output bundles.
    let wrapper = json!({
        "nbformat": 4,
        "nbformat_minor": 4,
        "metadata": {},
        "cells": [{
            "cell_type": "code",
            "execution_count": null,
            "metadata": {},
            "source": "",
            "outputs": [{"output_type": "display_data", "data": data, "metadata": metadata}],
        }],
    });
    let mut nb = Notebook::parse(&wrapper.to_string())?;
    let mut findings = nb.sanitize(policy)?;
    // Locations relative to the bundle: no cell or output, pointers inside `data`.
    for finding in &mut findings {
        let loc = &mut finding.location;
        loc.cell = None;
        loc.cell_id = None;
        loc.output = None;
        if let Some(rest) = loc.pointer.strip_prefix(BUNDLE_POINTER) {
            loc.pointer = rest.to_owned();
        }
    }
    if !findings
        .iter()
        .any(|f| f.action != nbsanitize::Action::Reported)
    {
        return Ok((None, findings));
    }
    let new = nb
        .as_value()
        .pointer(BUNDLE_POINTER)
        .cloned()
        .unwrap_or_else(|| json!({}));
    Ok((Some(new.to_string()), findings))
}

/// `_time_engine(content, format=None, iterations=100, policy="default") -> float`
///
/// Mean seconds per call of the pure Rust engine on `content`, measured in Rust (no Python in
/// the loop). `bench.py` compares it with the Python call to get the binding's overhead.
#[pyfunction]
#[pyo3(signature = (content, format = None, iterations = 100, policy = None))]
fn _time_engine(
    py: Python<'_>,
    content: &Bound<'_, PyAny>,
    format: Option<&str>,
    iterations: u32,
    policy: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let content = Content::extract(content)?;
    let kind = parse_format(format)?;
    let policy = resolve_policy(policy)?;
    let iterations = iterations.max(1);
    py.detach(|| -> Result<f64, Error> {
        let started = std::time::Instant::now();
        for _ in 0..iterations {
            std::hint::black_box(engine::sanitize_bytes(
                std::hint::black_box(content.as_bytes()),
                kind,
                None,
                &policy,
            )?);
        }
        Ok(started.elapsed().as_secs_f64() / f64::from(iterations))
    })
    .map_err(value_error)
}

/// The Rust extension module of the `nbsanitize` package.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyPolicy>()?;
    m.add_function(wrap_pyfunction!(sanitize, m)?)?;
    m.add_function(wrap_pyfunction!(sanitize_with_findings, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(sanitize_notebook_value, m)?)?;
    m.add_function(wrap_pyfunction!(sanitize_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(_time_engine, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
