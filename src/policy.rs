/*! The sanitizing policy: one builder, documented defaults, and the decision per MIME type.

```
use nbsanitize::{Policy, Preset};
let policy = Policy::builder().preset(Preset::Strict).build().unwrap();
assert!(policy.removes_unknown_mime());
``` */

use std::collections::HashSet;
use std::sync::Arc;

use crate::error::Error;
use crate::mime::MimeType;
use crate::model::ModelPolicy;
use crate::rules::{self, Rule};
use crate::sanitize::html::HtmlAllowlist;
use crate::sanitize::stream::{self, FastPath};

/// A named starting point for a policy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Keep everything that is safe to render: sanitized HTML/SVG/Markdown, images, plain text,
    /// JSON data for data-only renderers, and unknown MIME types (JupyterLab does not render
    /// those as HTML). Remove JavaScript and executable bundles.
    #[default]
    Default,
    /// As `default`, but unknown MIME types are removed too.
    Strict,
}

/// What happens to one MIME entry of a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Treatment {
    /// Kept verbatim.
    Keep,
    /// Sanitized as an HTML fragment.
    Html,
    /// Sanitized as SVG.
    Svg,
    /// Sanitized as Markdown.
    Markdown,
    /// `\href`/`\url` targets checked.
    Latex,
    /// HTML-bearing GeoJSON properties sanitized.
    GeoJson,
    /// Removed, reported under this rule.
    Remove(&'static Rule),
}

/// Builds a [`Policy`].
#[derive(Debug, Clone, Default)]
pub struct PolicyBuilder {
    preset: Preset,
    html: HtmlAllowlist,
    keep_mime: HashSet<String>,
    model: ModelPolicy,
    errors: Vec<String>,
    fast_path: FastPathSettings,
}

/// When HTML goes through the streaming fast path (`sanitize::stream`).
#[derive(Debug, Clone, Copy)]
struct FastPathSettings {
    mode: FastPath,
    threshold: usize,
}

impl Default for FastPathSettings {
    fn default() -> Self {
        FastPathSettings {
            mode: FastPath::Auto,
            threshold: stream::DEFAULT_THRESHOLD,
        }
    }
}

impl PolicyBuilder {
    /// Starts from a preset. Default: [`Preset::Default`].
    pub fn preset(mut self, preset: Preset) -> Self {
        self.preset = preset;
        self
    }

    /// Allows more HTML elements. Default: the allowlist in `sanitize::html::DEFAULT_TAGS`.
    /// Elements that run or embed code (`script`, `iframe`, …) are refused at [`build`](Self::build).
    pub fn add_tags<'a>(mut self, tags: impl IntoIterator<Item = &'a str>) -> Self {
        if let Err(e) = self.html.add_tags(tags) {
            self.errors.push(e);
        }
        self
    }

    /// Allows more attributes on every HTML element. Event handlers are refused.
    pub fn add_generic_attributes<'a>(mut self, attrs: impl IntoIterator<Item = &'a str>) -> Self {
        if let Err(e) = self.html.add_generic_attributes(attrs) {
            self.errors.push(e);
        }
        self
    }

    /// Allows more attributes on one HTML element. Event handlers are refused.
    pub fn add_tag_attributes<'a>(
        mut self,
        tag: &str,
        attrs: impl IntoIterator<Item = &'a str>,
    ) -> Self {
        if let Err(e) = self.html.add_tag_attributes(tag, attrs) {
            self.errors.push(e);
        }
        self
    }

    /// Keeps (`true`, the default) or removes inline `<svg>` in HTML. Kept SVG is checked
    /// with the SVG allowlist of [`crate::sanitize::svg`].
    pub fn inline_svg(mut self, keep: bool) -> Self {
        self.html.set_inline_svg(keep);
        self
    }

    /// Keeps these MIME types verbatim, also under `strict`. Executable types
    /// (`application/javascript`, bokeh's loaders) cannot be kept. Default: none.
    pub fn keep_mime_types<'a>(mut self, types: impl IntoIterator<Item = &'a str>) -> Self {
        for t in types {
            match MimeType::parse(t) {
                MimeType::Javascript
                | MimeType::BokehExec
                | MimeType::BokehLoad
                | MimeType::PlotlyHtml => self
                    .errors
                    .push(format!("the MIME type `{t}` runs code and cannot be kept")),
                _ => {
                    self.keep_mime.insert(t.to_ascii_lowercase());
                }
            }
        }
        self
    }

    /// How model files (pickles) are judged. Default: [`ModelPolicy::default`] (every
    /// allowlist profile).
    pub fn model(mut self, model: ModelPolicy) -> Self {
        self.model = model;
        self
    }

    /// HTML inputs (outputs, attachments, artifacts) of at least this many bytes go through the
    /// streaming fast path (`sanitize::stream`), which falls back to ammonia outside its safe
    /// subset. Default: 0, every input ([`stream::DEFAULT_THRESHOLD`]).
    pub fn fast_path_threshold(mut self, bytes: usize) -> Self {
        self.fast_path.threshold = bytes;
        self
    }

    /// Forces the fast path on or off for every input ([`FastPath::Always`],
    /// [`FastPath::Never`]), or lets the threshold decide. Default: [`FastPath::Auto`].
    pub fn fast_path(mut self, mode: FastPath) -> Self {
        self.fast_path.mode = mode;
        self
    }

    /// Validates the settings and builds the policy.
    pub fn build(self) -> Result<Policy, Error> {
        if let Some(first) = self.errors.into_iter().next() {
            return Err(Error::Config(first));
        }
        Ok(Policy {
            inner: Arc::new(Inner {
                preset: self.preset,
                html: self.html,
                keep_mime: self.keep_mime,
                model: self.model,
                fast_path: self.fast_path,
            }),
        })
    }
}

/// A built, immutable policy; cheap to clone and share across threads.
#[derive(Debug, Clone)]
pub struct Policy {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    preset: Preset,
    html: HtmlAllowlist,
    keep_mime: HashSet<String>,
    model: ModelPolicy,
    fast_path: FastPathSettings,
}

impl Default for Policy {
    fn default() -> Self {
        PolicyBuilder::default()
            .build()
            .expect("the default policy is valid")
    }
}

impl Policy {
    /// A builder starting from the default preset.
    pub fn builder() -> PolicyBuilder {
        PolicyBuilder::default()
    }

    /// The policy of a preset with no additions.
    pub fn from_preset(preset: Preset) -> Self {
        PolicyBuilder::default()
            .preset(preset)
            .build()
            .expect("presets are valid")
    }

    /// The preset this policy started from.
    pub fn preset(&self) -> Preset {
        self.inner.preset
    }

    /// Whether unknown MIME types are removed (strict) or kept (default).
    pub fn removes_unknown_mime(&self) -> bool {
        self.inner.preset == Preset::Strict
    }

    /// How model files are judged.
    pub fn model(&self) -> &ModelPolicy {
        &self.inner.model
    }

    /// The HTML allowlist (also used for raw HTML in Markdown and for GeoJSON popups).
    pub fn html(&self) -> &HtmlAllowlist {
        &self.inner.html
    }

    /// The HTML allowlist (for the streaming API, `sanitize::stream::sanitize_stream`).
    pub fn html_allowlist(&self) -> &HtmlAllowlist {
        &self.inner.html
    }

    /// Whether HTML goes through the fast path: by size, always, or never.
    pub fn fast_path(&self) -> FastPath {
        self.inner.fast_path.mode
    }

    /// The input size from which [`FastPath::Auto`] uses the fast path.
    pub fn fast_path_threshold(&self) -> usize {
        self.inner.fast_path.threshold
    }

    /// Decides what happens to a MIME entry of an output bundle.
    pub fn treatment(&self, mime: &MimeType) -> Treatment {
        if self
            .inner
            .keep_mime
            .contains(&mime.as_str().to_ascii_lowercase())
        {
            return Treatment::Keep;
        }
        match mime {
            MimeType::Html => Treatment::Html,
            MimeType::Svg => Treatment::Svg,
            MimeType::Markdown => Treatment::Markdown,
            MimeType::Latex => Treatment::Latex,
            MimeType::GeoJson => Treatment::GeoJson,
            MimeType::Plain
            | MimeType::RasterImage(_)
            | MimeType::Pdf
            | MimeType::WidgetView
            | MimeType::WidgetState
            | MimeType::JsonData(_) => Treatment::Keep,
            MimeType::Javascript => Treatment::Remove(&rules::mime::JAVASCRIPT_OUTPUT),
            MimeType::BokehExec | MimeType::BokehLoad | MimeType::PlotlyHtml => {
                Treatment::Remove(&rules::mime::EXECUTABLE_BUNDLE)
            }
            MimeType::Other(_) if self.removes_unknown_mime() => {
                Treatment::Remove(&rules::mime::UNKNOWN_MIME)
            }
            MimeType::Other(_) => Treatment::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_decide_mime_types() {
        let default = Policy::default();
        let strict = Policy::from_preset(Preset::Strict);
        let custom = MimeType::parse("application/x-custom");
        assert_eq!(default.treatment(&custom), Treatment::Keep);
        assert_eq!(
            strict.treatment(&custom),
            Treatment::Remove(&rules::mime::UNKNOWN_MIME)
        );
        assert_eq!(
            default.treatment(&MimeType::Javascript),
            Treatment::Remove(&rules::mime::JAVASCRIPT_OUTPUT)
        );
        assert_eq!(default.treatment(&MimeType::Html), Treatment::Html);
    }

    #[test]
    fn dangerous_additions_are_refused() {
        assert!(Policy::builder().add_tags(["script"]).build().is_err());
        assert!(
            Policy::builder()
                .add_generic_attributes(["onclick"])
                .build()
                .is_err()
        );
        assert!(
            Policy::builder()
                .keep_mime_types(["application/javascript"])
                .build()
                .is_err()
        );
        let policy = Policy::builder()
            .preset(Preset::Strict)
            .keep_mime_types(["application/x-custom"])
            .build()
            .unwrap();
        assert_eq!(
            policy.treatment(&MimeType::parse("application/x-custom")),
            Treatment::Keep
        );
    }
}
