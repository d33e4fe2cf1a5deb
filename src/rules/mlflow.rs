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
}
