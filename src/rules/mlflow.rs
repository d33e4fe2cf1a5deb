//! `NB5xx`: MLflow stores and artifacts.

declare_rules! {
    /// An HTML-bearing GeoJSON property (`popupContent`, `tooltip`, `description`).
    ///
    /// ## What it does
    /// Sanitizes string values of GeoJSON feature properties that map viewers render as HTML
    /// (the MLflow UI passes `popupContent` to Leaflet's `bindPopup`).
    ///
    /// ## Why is this bad?
    /// Opening the artifact in the MLflow UI runs the script on the UI's origin.
    ///
    /// ## Example
    /// `"popupContent": "<img src=x onerror=alert(1)>"` becomes `"<img src=\"x\">"`.
    GEOJSON_HTML = ("NB501", "geojson-html", Error);

    /// An artifact that could not be sanitized was moved to the quarantine folder.
    ///
    /// ## What it does
    /// With `sanitize -i --quarantine DIR`, a file that is one of the kinds nbsanitize cleans
    /// (by content or by name) but cannot be parsed or is over `--max-size` is moved to `DIR`,
    /// keeping its path relative to the walked root, and recorded in `DIR/manifest.jsonl` with
    /// the reason, its size and SHA-256.
    ///
    /// ## Why is this bad?
    /// A file that cannot be sanitized cannot be shown to be safe; browsers and viewers are far
    /// more lenient than our parsers (a truncated notebook still renders in some viewers, an
    /// HTML report renders whatever its size).
    ///
    /// ## Example
    /// `run/artifacts/report.ipynb` holding `{"cells": [` moves to
    /// `DIR/run/artifacts/report.ipynb`.
    QUARANTINED = ("NB502", "quarantined-artifact", Error);
}
