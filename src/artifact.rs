/*! What kind of file this is, decided by content (the name only breaks ties). */

use std::path::Path;

use crate::error::Error;

/// The kinds of input nbsanitize sanitizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A Jupyter notebook (nbformat 3 or 4).
    #[value(name = "ipynb")]
    Notebook,
    /// An HTML document or fragment.
    Html,
    /// An SVG image.
    Svg,
    /// Markdown text.
    Markdown,
    /// GeoJSON (HTML-bearing feature properties).
    #[value(name = "geojson")]
    GeoJson,
    /// A model file: a pickle or a container of pickles (scanned, never rewritten).
    Model,
}

impl Kind {
    /// The name used by `--format` and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Notebook => "ipynb",
            Kind::Html => "html",
            Kind::Svg => "svg",
            Kind::Markdown => "markdown",
            Kind::GeoJson => "geojson",
            Kind::Model => "model",
        }
    }
}

/// Checks that the bytes are text: UTF-8 without NUL bytes.
pub fn as_text(bytes: &[u8]) -> Result<&str, Error> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    if bytes.contains(&0) {
        return Err(Error::NotText("binary data (NUL bytes)".into()));
    }
    std::str::from_utf8(bytes).map_err(|e| Error::NotText(format!("not UTF-8 ({e})")))
}

/// Detects the kind of a text by content. `name` (a file name) is only a tie-breaker between
/// Markdown and HTML, which overlap. JSON that is not a notebook or GeoJSON is an error.
pub fn detect(text: &str, name: Option<&Path>) -> Result<Kind, Error> {
    let body = skip_bom_and_space(text);
    let ext = name
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if body.starts_with('{') || body.starts_with('[') {
        return detect_json(body);
    }
    if looks_like_svg(body) {
        return Ok(Kind::Svg);
    }
    if matches!(ext.as_deref(), Some("md" | "markdown")) {
        return Ok(Kind::Markdown);
    }
    if body.starts_with('<') {
        return Ok(Kind::Html);
    }
    Ok(Kind::Markdown)
}

fn detect_json(body: &str) -> Result<Kind, Error> {
    // Cheap look at the top-level keys without building the whole value twice: the caller
    // parses again with the notebook reader, which reports precise errors.
    let value: serde_json::Value =
        serde_json::from_str(body).map_err(|e| Error::InvalidJson(e.to_string()))?;
    match &value {
        serde_json::Value::Object(map) if map.contains_key("nbformat") => Ok(Kind::Notebook),
        serde_json::Value::Object(map)
            if matches!(
                map.get("type").and_then(|t| t.as_str()),
                Some("FeatureCollection" | "Feature" | "GeometryCollection")
            ) =>
        {
            Ok(Kind::GeoJson)
        }
        _ => Err(Error::InvalidSchema(
            "JSON that is neither a notebook (no `nbformat` key) nor GeoJSON".into(),
        )),
    }
}

fn skip_bom_and_space(text: &str) -> &str {
    text.trim_start_matches('\u{feff}').trim_start()
}

/// An SVG document: optional XML declaration, comments and doctype, then `<svg`.
fn looks_like_svg(mut body: &str) -> bool {
    loop {
        body = body.trim_start();
        if let Some(rest) = body.strip_prefix("<?") {
            match rest.find("?>") {
                Some(end) => body = &rest[end + 2..],
                None => return false,
            }
        } else if let Some(rest) = body.strip_prefix("<!--") {
            match rest.find("-->") {
                Some(end) => body = &rest[end + 3..],
                None => return false,
            }
        } else if body.len() >= 9 && body[..9].eq_ignore_ascii_case("<!doctype") {
            // An SVG doctype may hold an internal subset in brackets.
            let lower = body[..body.len().min(200)].to_ascii_lowercase();
            if !lower.contains("svg") {
                return false;
            }
            let end = match (body.find('['), body.find('>')) {
                (Some(open), Some(close)) if open < close => body.find("]>").map(|i| i + 2),
                (_, Some(close)) => Some(close + 1),
                _ => None,
            };
            match end {
                Some(end) => body = &body[end..],
                None => return false,
            }
        } else {
            let lower = body.get(..5).map(str::to_ascii_lowercase);
            return lower.as_deref() == Some("<svg ")
                || lower.as_deref() == Some("<svg>")
                || body.get(..5).is_some_and(|s| {
                    s.eq_ignore_ascii_case("<svg\n")
                        || s.eq_ignore_ascii_case("<svg\t")
                        || s.eq_ignore_ascii_case("<svg\r")
                });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect("{\"nbformat\": 4, \"cells\": []}", None).unwrap(),
            Kind::Notebook
        );
        assert_eq!(detect("<?xml version=\"1.0\"?>\n<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>", None).unwrap(), Kind::Svg);
        assert_eq!(
            detect("<!DOCTYPE html><html></html>", None).unwrap(),
            Kind::Html
        );
        assert_eq!(detect("<div>x</div>", None).unwrap(), Kind::Html);
        assert_eq!(
            detect("<div>x</div>", Some(Path::new("a.md"))).unwrap(),
            Kind::Markdown
        );
        assert_eq!(detect("# Title", None).unwrap(), Kind::Markdown);
        assert_eq!(
            detect("{\"type\": \"FeatureCollection\", \"features\": []}", None).unwrap(),
            Kind::GeoJson
        );
        assert!(matches!(
            detect("{\"a\": 1}", None),
            Err(Error::InvalidSchema(_))
        ));
        assert!(matches!(
            detect("{\"a\": ", None),
            Err(Error::InvalidJson(_))
        ));
    }

    #[test]
    fn refuses_binary() {
        assert!(matches!(as_text(b""), Err(Error::Empty)));
        assert!(matches!(
            as_text(b"\x89PNG\r\n\x1a\n\0\0"),
            Err(Error::NotText(_))
        ));
        assert!(matches!(as_text(b"\xff\xfe"), Err(Error::NotText(_))));
    }
}
