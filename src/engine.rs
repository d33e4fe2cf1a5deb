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
use crate::notebook::{Notebook, json};
use crate::policy::Policy;
use crate::sanitize;

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

/// Sanitizes one input. `kind` overrides detection; `name` helps it (extension tie-breaks).
pub fn sanitize_bytes(
    bytes: &[u8],
    kind: Option<Kind>,
    name: Option<&Path>,
    policy: &Policy,
) -> Result<Outcome, Error> {
    let text = artifact::as_text(bytes)?;
    let (bom, body) = match text.strip_prefix('\u{feff}') {
        Some(rest) => ("\u{feff}", rest),
        None => ("", text),
    };
    let kind = match kind {
        Some(kind) => kind,
        None => artifact::detect(body, name)?,
    };
    let (findings, new_text) = match kind {
        Kind::Notebook => {
            let mut nb = Notebook::parse(body)?;
            let findings = nb.sanitize(policy)?;
            let changed = findings.iter().any(|f| f.action != Action::Reported);
            let out = changed.then(|| nb.to_nbformat_bytes());
            (findings, out)
        }
        Kind::GeoJson => {
            let mut value = json::parse(body)?;
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
