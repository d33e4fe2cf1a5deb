/*! The one entry point that knows every format: bytes in, [`Outcome`] out.

```
use nbsanitize::{engine, Kind, Policy};
let out = engine::sanitize_bytes(b"<p>hi<script>alert(1)</script></p>", Some(Kind::Html), None, &Policy::default()).unwrap();
assert_eq!(out.output.as_deref(), Some(&b"<p>hi</p>"[..]));
assert_eq!(out.findings[0].rule.code, "NB101");
``` */

use std::path::Path;

use crate::artifact::{self, Kind};
use crate::diagnostic::{Action, Finding};
use crate::error::Error;
use crate::model;
use crate::notebook::{Notebook, json};
use crate::policy::Policy;
use crate::sanitize;

/// A model file by content. Text that parses as a protocol 0 pickle is still sanitized as
/// text when its name says it is one of the text formats.
pub fn is_model(bytes: &[u8], name: Option<&Path>) -> bool {
    if model::detect(bytes).is_none() {
        return false;
    }
    let text_name = name
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .is_some_and(|e| {
            matches!(
                e.to_ascii_lowercase().as_str(),
                "ipynb" | "html" | "htm" | "svg" | "md" | "markdown" | "geojson" | "json"
            )
        });
    !(text_name && artifact::as_text(bytes).is_ok())
}

/// The result of sanitizing one input.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// What the input was.
    pub kind: Kind,
    /// Everything found, with locations inside the input.
    pub findings: Vec<Finding>,
    /// The sanitized bytes, or `None` when the input is to be kept exactly as it was.
    pub output: Option<Vec<u8>>,
}

impl Outcome {
    /// Whether sanitizing changed the input.
    pub fn changed(&self) -> bool {
        self.output.is_some()
    }
}

/// Sanitizes one artifact held in memory: the public, file-system-free entry point that every
/// front end (the CLI, the batch runner, the watcher, the Python binding) ends in.
///
/// - `bytes`: the whole artifact (notebook, HTML, SVG, Markdown or GeoJSON), UTF-8, optionally
///   with a BOM (kept).
/// - `kind`: overrides detection; `None` detects by content ([`artifact::detect`]).
/// - `name`: the file name or path, only used as a tie-breaker (`.md` means Markdown); nothing is
///   read from it.
/// - `policy`: build it once and share it; [`Policy`] is `Send + Sync`, so one value serves
///   every thread.
///
/// Returns an [`Outcome`]: the findings, and `output: Some(bytes)` only when something changed
/// (a clean artifact comes back as `None`, so callers keep the original bytes exactly). The
/// function is pure and deterministic: same bytes and policy, same result, whatever the thread
/// or machine, which is what a distributed job (Spark, Ray) needs.
///
/// # Errors
/// [`Error::Empty`], [`Error::NotText`] (binary), [`Error::InvalidJson`],
/// [`Error::InvalidSchema`] (JSON that is neither a notebook nor GeoJSON, or a malformed
/// notebook), [`Error::UnsupportedNbformat`]. The caller must then leave the artifact as it was.
///
/// ```
/// use nbsanitize::{engine, Kind, Policy};
/// let policy = Policy::default();
/// let clean = engine::sanitize_bytes(b"<p>ok</p>", None, None, &policy).unwrap();
/// assert!(clean.output.is_none() && clean.findings.is_empty());
/// let geo = br#"{"type": "Feature", "properties": {"popupContent": "<img src=x onerror=alert(1)>"}}"#;
/// let out = engine::sanitize_bytes(geo, None, None, &policy).unwrap();
/// assert_eq!(out.kind, Kind::GeoJson);
/// assert!(!String::from_utf8(out.output.unwrap()).unwrap().contains("onerror"));
/// assert!(engine::sanitize_bytes(b"\x89PNG\0", None, None, &policy).is_err());
/// ```
pub fn sanitize_bytes(
    bytes: &[u8],
    kind: Option<Kind>,
    name: Option<&Path>,
    policy: &Policy,
) -> Result<Outcome, Error> {
    // Empty markup is valid (and clean) when its kind is known; an empty notebook is not.
    if bytes.is_empty()
        && let Some(kind @ (Kind::Html | Kind::Svg | Kind::Markdown)) = kind
    {
        return Ok(Outcome {
            kind,
            findings: Vec::new(),
            output: None,
        });
    }
    if kind == Some(Kind::Model) || (kind.is_none() && is_model(bytes, name)) {
        // Model files are scanned, never rewritten.
        return Ok(Outcome {
            kind: Kind::Model,
            findings: model::scan_bytes(bytes, policy.model())?,
            output: None,
        });
    }
    let text = artifact::as_text(bytes)?;
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    // JSON is parsed once, whether or not the kind was given.
    let looks_json = body.trim_start().starts_with(['{', '[']);
    let (kind, parsed) = match kind {
        Some(kind @ (Kind::Notebook | Kind::GeoJson)) => (kind, Some(json::parse(body)?)),
        Some(kind) => (kind, None),
        None if looks_json => {
            let value = json::parse(body)?;
            (artifact::classify_json(&value)?, Some(value))
        }
        None => (artifact::detect(body, name)?, None),
    };
    let (findings, new_text) = match kind {
        Kind::Notebook => {
            let value = parsed.expect("parsed above for JSON kinds");
            let mut nb = Notebook::from_value(value, body)?;
            let findings = nb.sanitize(policy)?;
            let changed = findings.iter().any(|f| f.action != Action::Reported);
            let out = changed.then(|| nb.to_nbformat_bytes());
            (findings, out)
        }
        Kind::GeoJson => {
            let mut value = parsed.expect("parsed above for JSON kinds");
            let findings = sanitize::geojson::sanitize_value(&mut value, policy.html());
            let out = (!findings.is_empty()).then(|| {
                let mut bytes =
                    serde_json::to_vec(&value).expect("serializing a Value cannot fail");
                if body.ends_with('\n') {
                    bytes.push(b'\n');
                }
                bytes
            });
            (findings, out)
        }
        Kind::Html => {
            let cleaned = sanitize::stream::sanitize_html(body, policy);
            (cleaned.findings, cleaned.text.map(String::into_bytes))
        }
        Kind::Svg => {
            let cleaned = sanitize::svg::sanitize_svg(body);
            (cleaned.findings, cleaned.text.map(String::into_bytes))
        }
        Kind::Markdown => {
            let cleaned = sanitize::markdown::sanitize_markdown(body, policy.html());
            (cleaned.findings, cleaned.text.map(String::into_bytes))
        }
        Kind::Model => unreachable!("model files return above"),
    };
    let output = new_text.map(|mut bytes| {
        if !bom.is_empty() {
            bytes.splice(0..0, bom.bytes());
        }
        bytes
    });
    Ok(Outcome {
        kind,
        findings,
        output,
    })
}
