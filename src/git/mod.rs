/*! Git integration: the clean filter, git's filter process protocol, nbstripout's `strip`,
and installing all of it into a repository.

[`clean`] is what `nbsanitize filter` does to one file: it returns the complete bytes to
store, or an error, never partial output. With `filter.nbsanitize.required = true` (which
`install` sets) git then refuses the file and the working copy stays as it is.

```
use nbsanitize::git::{self, GitSettings, Mode};
use nbsanitize::Policy;
let nb = br#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
  {"cell_type": "code", "id": "x", "metadata": {}, "execution_count": 1, "source": "1",
   "outputs": [{"output_type": "display_data", "metadata": {},
                "data": {"text/html": "<b>hi</b><script>alert(1)</script>"}}]}]}"#;
let path = std::path::Path::new("nb.ipynb");
let sanitized = git::clean(nb, Some(path), &GitSettings::default(), &Policy::default()).unwrap();
assert!(String::from_utf8(sanitized).unwrap().contains("<b>hi</b>\""));
let settings = GitSettings { mode: Mode::Strip, ..GitSettings::default() };
let stripped = git::clean(nb, Some(path), &settings, &Policy::default()).unwrap();
assert!(String::from_utf8(stripped).unwrap().contains("\"outputs\": []"));
assert!(git::clean(b"{not json", Some(path), &settings, &Policy::default()).is_err());
``` */

pub mod config;
pub mod install;
pub mod process;
pub mod strip;

use std::path::Path;

pub use config::{GitSettings, Mode};

use crate::artifact::{self, Kind};
use crate::engine;
use crate::error::Error;
use crate::policy::Policy;

/// The kind git's path implies: notebooks, HTML and SVG by extension, else by content.
fn kind_of(path: Option<&Path>) -> Option<Kind> {
    let ext = path?.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "ipynb" => Some(Kind::Notebook),
        "html" | "htm" => Some(Kind::Html),
        "svg" => Some(Kind::Svg),
        _ => None,
    }
}

/// Cleans one file for the index. `path` is the file's path in the repository (used to pick
/// the kind). An empty file stays empty.
pub fn clean(
    input: &[u8],
    path: Option<&Path>,
    settings: &GitSettings,
    policy: &Policy,
) -> Result<Vec<u8>, Error> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let kind = kind_of(path);
    let is_notebook = match kind {
        Some(k) => k == Kind::Notebook,
        None => {
            let text = artifact::as_text(input)?;
            artifact::detect(text.trim_start_matches('\u{feff}'), path)? == Kind::Notebook
        }
    };
    if settings.mode == Mode::Strip && is_notebook {
        let text = artifact::as_text(input)?;
        let (_, stripped) =
            strip::strip_text(text.trim_start_matches('\u{feff}'), &settings.strip)?;
        let outcome = engine::sanitize_bytes(&stripped, Some(Kind::Notebook), path, policy)?;
        return Ok(outcome.output.unwrap_or(stripped));
    }
    let outcome = engine::sanitize_bytes(input, kind, path, policy)?;
    Ok(outcome.output.unwrap_or_else(|| input.to_vec()))
}
