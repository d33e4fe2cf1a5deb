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

/// Detects the kind of a file met while walking a folder, where most files are not ours
/// (YAML, CSV, logs, params): `None` means "leave it alone".
///
/// Unlike [`detect`], plain text is Markdown only when the name says so (`.md`, `.markdown`),
/// JSON that is neither a notebook nor GeoJSON is `None`, and HTML is recognised by content (a
/// doctype, or a known HTML element first) so content-addressed files without an extension (Hugging
/// Face, DVC and W&B caches) are found. A name ending in `.ipynb`, `.geojson`, `.html`, `.htm`,
/// `.xhtml` or `.svg` claims the kind even when the content does not parse, so a broken file is
/// reported instead of silently skipped. MLflow recipe cards are HTML documents and are found as
/// such.
///
/// ```
/// use std::path::Path;
/// use nbsanitize::{artifact::detect_in_tree, Kind};
/// assert_eq!(detect_in_tree("<!DOCTYPE html><p>x", Some(Path::new("3f2a9c"))), Some(Kind::Html));
/// assert_eq!(detect_in_tree("# Title", Some(Path::new("notes.md"))), Some(Kind::Markdown));
/// assert_eq!(detect_in_tree("# Title", Some(Path::new("notes.txt"))), None);
/// assert_eq!(detect_in_tree("lr: 0.1", Some(Path::new("meta.yaml"))), None);
/// assert_eq!(detect_in_tree("{\"a\": 1}", None), None);
/// ```
pub fn detect_in_tree(text: &str, name: Option<&Path>) -> Option<Kind> {
    let body = skip_bom_and_space(text);
    let ext = name
        .and_then(Path::extension)
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    let by_name = match ext.as_deref() {
        Some("ipynb") => Some(Kind::Notebook),
        Some("geojson") => Some(Kind::GeoJson),
        Some("html" | "htm" | "xhtml") => Some(Kind::Html),
        Some("svg") => Some(Kind::Svg),
        Some("md" | "markdown") => Some(Kind::Markdown),
        _ => None,
    };
    if body.starts_with('{') || body.starts_with('[') {
        return match detect_json(body) {
            Ok(kind) => Some(kind),
            // Broken JSON named as ours is reported by the engine; anything else is data.
            Err(_) => by_name.filter(|k| matches!(k, Kind::Notebook | Kind::GeoJson)),
        };
    }
    if looks_like_svg(body) {
        return Some(Kind::Svg);
    }
    if by_name.is_some() {
        return by_name;
    }
    looks_like_html(body).then_some(Kind::Html)
}

/// Elements that may open an HTML document or fragment written by plotting and reporting tools.
const HTML_START_TAGS: &[&str] = &[
    "html",
    "head",
    "body",
    "meta",
    "title",
    "link",
    "style",
    "script",
    "div",
    "span",
    "p",
    "table",
    "iframe",
    "img",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "ul",
    "ol",
    "pre",
    "form",
    "section",
    "article",
    "header",
    "main",
    "nav",
    "center",
    "b",
    "i",
    "br",
    "hr",
    "object",
    "embed",
    "details",
    "template",
    "noscript",
    "base",
    "input",
    "button",
    "video",
    "audio",
    "canvas",
    "math",
    "frameset",
    "marquee",
    "blockquote",
    "figure",
];

/// A doctype `html`, or a known HTML element as the first tag (after comments).
fn looks_like_html(mut body: &str) -> bool {
    loop {
        body = body.trim_start();
        if let Some(rest) = body.strip_prefix("<!--") {
            match rest.find("-->") {
                Some(end) => body = &rest[end + 3..],
                None => return false,
            }
            continue;
        }
        if body.len() >= 9 && body[..9].eq_ignore_ascii_case("<!doctype") {
            return body[9..]
                .trim_start()
                .get(..4)
                .is_some_and(|s| s.eq_ignore_ascii_case("html"));
        }
        let Some(rest) = body.strip_prefix('<') else {
            return false;
        };
        let name_end = rest
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_end);
        let terminated = after
            .chars()
            .next()
            .is_some_and(|c| c == '>' || c == '/' || c.is_ascii_whitespace());
        return terminated && HTML_START_TAGS.iter().any(|t| t.eq_ignore_ascii_case(name));
    }
}

fn detect_json(body: &str) -> Result<Kind, Error> {
    classify_json(&crate::notebook::json::parse(body)?)
}

/// The kind of a parsed JSON document: a notebook, GeoJSON, or an error.
pub fn classify_json(value: &serde_json::Value) -> Result<Kind, Error> {
    match value {
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
    fn detects_tree_files_by_content() {
        let none = None;
        assert_eq!(detect_in_tree("<html><body>x", none), Some(Kind::Html));
        assert_eq!(
            detect_in_tree("  <!-- c --><div id=a>", none),
            Some(Kind::Html)
        );
        assert_eq!(detect_in_tree("<!doctype HTML>", none), Some(Kind::Html));
        assert_eq!(detect_in_tree("<?xml version=\"1.0\"?><note/>", none), None);
        assert_eq!(detect_in_tree("<note>x</note>", none), None);
        assert_eq!(detect_in_tree("<divx>", none), None);
        assert_eq!(
            detect_in_tree("<svg xmlns=\"x\"></svg>", none),
            Some(Kind::Svg)
        );
        assert_eq!(detect_in_tree("0.5", Some(Path::new("params/lr"))), None);
        assert_eq!(detect_in_tree("a,b\n1,2", Some(Path::new("x.csv"))), None);
        assert_eq!(
            detect_in_tree("{\"type\": \"Feature\", \"properties\": {}}", none),
            Some(Kind::GeoJson)
        );
        assert_eq!(
            detect_in_tree("{\"nbformat\": 4, \"cells\": []}", none),
            Some(Kind::Notebook)
        );
        assert_eq!(
            detect_in_tree("{\"cells\": [", Some(Path::new("a.ipynb"))),
            Some(Kind::Notebook)
        );
        assert_eq!(
            detect_in_tree("{\"cells\": [", Some(Path::new("a.json"))),
            None
        );
        assert_eq!(
            detect_in_tree("hello", Some(Path::new("r.HTML"))),
            Some(Kind::Html)
        );
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
