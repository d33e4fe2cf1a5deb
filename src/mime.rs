/*! MIME types, parsed once at the edge into a closed enum.

Everything downstream matches on [`MimeType`] exhaustively, so adding a type forces every
decision about it to be made. */

use std::fmt;

/// A MIME type found as a key of a notebook output bundle or attachment.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum MimeType {
    /// `text/html`
    Html,
    /// `text/markdown`
    Markdown,
    /// `text/plain`
    Plain,
    /// `text/latex`
    Latex,
    /// `image/svg+xml`
    Svg,
    /// `image/png`, `image/jpeg`, `image/gif`, `image/webp`, `image/bmp` (base64 raster data)
    RasterImage(String),
    /// `application/pdf` (base64)
    Pdf,
    /// `application/javascript`, `text/javascript`, `application/x-javascript`
    Javascript,
    /// `application/vnd.bokehjs_exec.v0+json`
    BokehExec,
    /// `application/vnd.bokehjs_load.v0+json`
    BokehLoad,
    /// `text/vnd.plotly.v1+html`: HTML with plotly's loader scripts
    PlotlyHtml,
    /// `application/vnd.jupyter.widget-view+json`
    WidgetView,
    /// `application/vnd.jupyter.widget-state+json`
    WidgetState,
    /// `application/geo+json`: Leaflet may render `popupContent` as HTML
    GeoJson,
    /// Other JSON data rendered by data-only renderers: `application/json`, plotly JSON,
    /// vega and vega-lite specs, `application/vnd.dataresource+json`, …
    JsonData(String),
    /// Anything else, kept verbatim as written in the notebook.
    Other(String),
}

impl MimeType {
    /// Parses a bundle key. Matching is exact and case-insensitive, as JupyterLab's is.
    pub fn parse(key: &str) -> Self {
        let lower = key.trim().to_ascii_lowercase();
        match lower.as_str() {
            "text/html" => Self::Html,
            "text/markdown" => Self::Markdown,
            "text/plain" => Self::Plain,
            "text/latex" => Self::Latex,
            "image/svg+xml" => Self::Svg,
            "image/png" | "image/jpeg" | "image/gif" | "image/webp" | "image/bmp" => {
                Self::RasterImage(key.to_owned())
            }
            "application/pdf" => Self::Pdf,
            "application/javascript"
            | "text/javascript"
            | "application/x-javascript"
            | "application/ecmascript"
            | "text/ecmascript" => Self::Javascript,
            "application/vnd.bokehjs_exec.v0+json" => Self::BokehExec,
            "application/vnd.bokehjs_load.v0+json" => Self::BokehLoad,
            "text/vnd.plotly.v1+html" => Self::PlotlyHtml,
            "application/vnd.jupyter.widget-view+json" => Self::WidgetView,
            "application/vnd.jupyter.widget-state+json" => Self::WidgetState,
            "application/geo+json" => Self::GeoJson,
            _ if is_json_data(&lower) => Self::JsonData(key.to_owned()),
            _ => Self::Other(key.to_owned()),
        }
    }

    /// The nbformat 3 output key for this type (`html`, `svg`, …), when there is one.
    pub fn from_v3_key(key: &str) -> Option<Self> {
        Some(match key {
            "html" => Self::Html,
            "svg" => Self::Svg,
            "javascript" => Self::Javascript,
            "latex" => Self::Latex,
            "markdown" => Self::Markdown,
            "text" => Self::Plain,
            "png" => Self::RasterImage("image/png".into()),
            "jpeg" => Self::RasterImage("image/jpeg".into()),
            "pdf" => Self::Pdf,
            "json" => Self::JsonData("application/json".into()),
            _ => return None,
        })
    }

    /// The canonical name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Html => "text/html",
            Self::Markdown => "text/markdown",
            Self::Plain => "text/plain",
            Self::Latex => "text/latex",
            Self::Svg => "image/svg+xml",
            Self::RasterImage(s) | Self::JsonData(s) | Self::Other(s) => s,
            Self::Pdf => "application/pdf",
            Self::Javascript => "application/javascript",
            Self::BokehExec => "application/vnd.bokehjs_exec.v0+json",
            Self::BokehLoad => "application/vnd.bokehjs_load.v0+json",
            Self::PlotlyHtml => "text/vnd.plotly.v1+html",
            Self::WidgetView => "application/vnd.jupyter.widget-view+json",
            Self::WidgetState => "application/vnd.jupyter.widget-state+json",
            Self::GeoJson => "application/geo+json",
        }
    }
}

fn is_json_data(lower: &str) -> bool {
    lower == "application/json" || (lower.starts_with("application/") && lower.ends_with("+json"))
}

impl fmt::Display for MimeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::MimeType;

    #[test]
    fn parses_known_and_unknown_types() {
        assert_eq!(MimeType::parse("text/html"), MimeType::Html);
        assert_eq!(MimeType::parse("TEXT/HTML"), MimeType::Html);
        assert_eq!(
            MimeType::parse("application/javascript"),
            MimeType::Javascript
        );
        assert_eq!(
            MimeType::parse("application/vnd.vegalite.v4+json"),
            MimeType::JsonData("application/vnd.vegalite.v4+json".into())
        );
        assert_eq!(
            MimeType::parse("application/x-whatever"),
            MimeType::Other("application/x-whatever".into())
        );
        assert_eq!(MimeType::from_v3_key("html"), Some(MimeType::Html));
        assert_eq!(MimeType::from_v3_key("metadata"), None);
    }
}
