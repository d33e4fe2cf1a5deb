/*! Pure sanitizers: text in, [`Cleaned`] (optional new text plus findings) out.

They know nothing of notebooks or files; the walker in [`crate::notebook`] and the
[`crate::engine`] place their findings. `text: None` always means "keep the input as it is",
which is how clean content stays byte-identical. */

pub mod css;
pub mod geojson;
pub mod html;
pub mod markdown;
pub mod stream;
pub mod svg;

pub use html::Cleaned;
