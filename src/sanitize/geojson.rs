/*! GeoJSON: feature properties that map viewers render as HTML.

Leaflet's `bindPopup` (used by the MLflow UI and folium) renders `popupContent` as HTML, and
many viewers do the same with `description`, `tooltip` and `popup`. String values of those
properties are sanitized as HTML fragments; everything else is data and is left alone. */

use serde_json::Value;

use super::html::{self, HtmlAllowlist};
use crate::diagnostic::{Action, Finding};
use crate::rules;

/// Property names rendered as HTML by common map viewers.
pub const HTML_PROPERTIES: &[&str] = &["popupContent", "popup", "tooltip", "description", "html"];

/// Sanitizes every HTML-bearing property in a GeoJSON value in place. Returns the findings;
/// the value changed when any finding was returned.
pub fn sanitize_value(value: &mut Value, allow: &HtmlAllowlist) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut stack = vec![value];
    while let Some(node) = stack.pop() {
        match node {
            Value::Object(map) => {
                for (key, child) in map.iter_mut() {
                    if key == "properties"
                        && let Value::Object(props) = child
                    {
                        for (name, prop) in props.iter_mut() {
                            if HTML_PROPERTIES.contains(&name.as_str())
                                && let Value::String(text) = prop
                            {
                                let cleaned = html::sanitize_fragment(text, allow);
                                if let Some(new) = cleaned.text {
                                    findings.push(Finding::new(
                                        &rules::mlflow::GEOJSON_HTML,
                                        Action::Sanitized,
                                        format!("HTML in GeoJSON property `{name}` sanitized"),
                                    ));
                                    findings.extend(cleaned.findings);
                                    *text = new;
                                }
                            }
                        }
                    }
                    stack.push(child);
                }
            }
            Value::Array(items) => stack.extend(items.iter_mut()),
            _ => {}
        }
    }
    findings
}
