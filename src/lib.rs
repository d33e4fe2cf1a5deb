/*! nbsanitize: make Jupyter notebooks and ML artifacts safe to open.

Notebook outputs and MLflow artifacts are HTML, SVG, Markdown and JavaScript that browsers
render. nbsanitize walks every output, MIME bundle, attachment and widget state, removes what
can run script, and keeps tables, plots and images, byte for byte when they are clean.

```
use nbsanitize::{engine, Policy};
let nb = br#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
  {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": 1, "source": "x",
   "outputs": [{"output_type": "display_data", "metadata": {},
                "data": {"text/html": "<b>hi</b><img src=x onerror=alert(1)>", "text/plain": "hi"}}]}]}"#;
let outcome = engine::sanitize_bytes(nb, None, None, &Policy::default()).unwrap();
assert_eq!(outcome.findings[0].rule.code, "NB102");
let fixed = String::from_utf8(outcome.output.unwrap()).unwrap();
assert!(fixed.contains(r#""<b>hi</b><img src=x>""#));
```

The library never prints; the `nbsanitize` binary is a thin layer over it. */

#![warn(missing_docs)]

pub mod artifact;
pub mod batch;
pub mod config;
pub mod diagnostic;
pub mod engine;
pub mod error;
pub mod fsio;
pub mod git;
pub mod mime;
pub mod mlflow;
pub mod model;
pub mod notebook;
pub mod policy;
pub mod quarantine;
pub mod report;
pub mod rules;
pub mod sanitize;
pub mod watch;

pub use artifact::Kind;
pub use diagnostic::{Action, Finding, Location, Severity};
pub use engine::{Outcome, sanitize_bytes};
pub use error::Error;
pub use policy::{Policy, PolicyBuilder, Preset};
