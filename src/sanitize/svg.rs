/*! SVG: `image/svg+xml` outputs and attachments, `.svg` files, and inline `<svg>` in HTML.

A whole SVG document is XML, so it is read with an XML tokenizer (quick-xml) that resolves
namespaces: every element and attribute is checked against an allowlist per namespace that
covers matplotlib, plotly, graphviz and bokeh output (`defs`, `use` with in-document `#refs`,
`clipPath`, gradients, markers, `text`, `image` with `data:image/…`, `a` with safe links,
`<style>` through the CSS sanitizer, and matplotlib's RDF/Dublin Core `metadata`).

A document with nothing to remove is kept **byte for byte**. Otherwise only the offending
spans are cut out of the original text (a removed element with its subtree, a start tag
rewritten without the removed attributes, a `<style>` body replaced by its sanitized CSS), so
the result is still well-formed XML and everything else is untouched.

The same element and attribute rules ([`allows_element`], `check_attribute`) are used by
the HTML checker for inline `<svg>`. */

use std::ops::Range;

use quick_xml::escape::{escape, resolve_predefined_entity};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::css;
use super::html::{self, Cleaned, HtmlAllowlist, Observations};
use crate::rules::{self, Rule};

const SVG_NS: &[u8] = b"http://www.w3.org/2000/svg";
const XLINK_NS: &[u8] = b"http://www.w3.org/1999/xlink";
const XML_NS: &[u8] = b"http://www.w3.org/XML/1998/namespace";
const XHTML_NS: &[u8] = b"http://www.w3.org/1999/xhtml";

/// Namespaces whose elements and attributes are inert metadata (matplotlib, Inkscape).
const METADATA_NAMESPACES: &[&[u8]] = &[
    b"http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    b"http://purl.org/dc/elements/1.1/",
    b"http://purl.org/dc/terms/",
    b"http://creativecommons.org/ns#",
    b"http://web.resource.org/cc/",
    b"http://www.inkscape.org/namespaces/inkscape",
    b"http://inkscape.sourceforge.net/DTD/sodipodi-0.dtd",
    b"http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
];

/// SVG elements that are kept (case-sensitive, as SVG spells them).
pub(crate) const SVG_ELEMENTS: &[&str] = &[
    "a",
    "animate",
    "animateMotion",
    "animateTransform",
    "circle",
    "clipPath",
    "defs",
    "desc",
    "ellipse",
    "feBlend",
    "feColorMatrix",
    "feComponentTransfer",
    "feComposite",
    "feConvolveMatrix",
    "feDiffuseLighting",
    "feDisplacementMap",
    "feDistantLight",
    "feDropShadow",
    "feFlood",
    "feFuncA",
    "feFuncB",
    "feFuncG",
    "feFuncR",
    "feGaussianBlur",
    "feMerge",
    "feMergeNode",
    "feMorphology",
    "feOffset",
    "fePointLight",
    "feSpecularLighting",
    "feSpotLight",
    "feTile",
    "feTurbulence",
    "filter",
    "foreignObject",
    "g",
    "image",
    "line",
    "linearGradient",
    "marker",
    "mask",
    "metadata",
    "mpath",
    "path",
    "pattern",
    "polygon",
    "polyline",
    "radialGradient",
    "rect",
    "set",
    "stop",
    "style",
    "svg",
    "switch",
    "symbol",
    "text",
    "textPath",
    "title",
    "tspan",
    "use",
    "view",
];

/// Animation elements: kept unless they target a link, a handler or carry a script URL.
const ANIMATION_ELEMENTS: &[&str] = &[
    "animate",
    "animateColor",
    "animateMotion",
    "animateTransform",
    "set",
];

/// Attributes (without namespace) kept on every SVG element.
pub(crate) const SVG_ATTRIBUTES: &[&str] = &[
    "accumulate",
    "additive",
    "alignment-baseline",
    "amplitude",
    "attributeName",
    "attributeType",
    "azimuth",
    "baseFrequency",
    "baseProfile",
    "baseline-shift",
    "begin",
    "bias",
    "by",
    "calcMode",
    "class",
    "clip",
    "clip-path",
    "clip-rule",
    "clipPathUnits",
    "color",
    "color-interpolation",
    "color-interpolation-filters",
    "cx",
    "cy",
    "d",
    "diffuseConstant",
    "direction",
    "display",
    "divisor",
    "dominant-baseline",
    "dur",
    "dx",
    "dy",
    "edgeMode",
    "elevation",
    "enable-background",
    "end",
    "exponent",
    "fill",
    "fill-opacity",
    "fill-rule",
    "filter",
    "filterUnits",
    "flood-color",
    "flood-opacity",
    "font-family",
    "font-size",
    "font-size-adjust",
    "font-stretch",
    "font-style",
    "font-variant",
    "font-weight",
    "fr",
    "from",
    "fx",
    "fy",
    "gradientTransform",
    "gradientUnits",
    "height",
    "href",
    "id",
    "image-rendering",
    "in",
    "in2",
    "intercept",
    "k1",
    "k2",
    "k3",
    "k4",
    "kernelMatrix",
    "kernelUnitLength",
    "keyPoints",
    "keySplines",
    "keyTimes",
    "lang",
    "lengthAdjust",
    "letter-spacing",
    "lighting-color",
    "limitingConeAngle",
    "marker-end",
    "marker-mid",
    "marker-start",
    "markerHeight",
    "markerUnits",
    "markerWidth",
    "mask",
    "maskContentUnits",
    "maskUnits",
    "max",
    "method",
    "min",
    "mode",
    "numOctaves",
    "offset",
    "opacity",
    "operator",
    "order",
    "orient",
    "origin",
    "overflow",
    "paint-order",
    "path",
    "pathLength",
    "patternContentUnits",
    "patternTransform",
    "patternUnits",
    "pointer-events",
    "points",
    "pointsAtX",
    "pointsAtY",
    "pointsAtZ",
    "preserveAlpha",
    "preserveAspectRatio",
    "primitiveUnits",
    "r",
    "radius",
    "refX",
    "refY",
    "repeatCount",
    "repeatDur",
    "requiredExtensions",
    "requiredFeatures",
    "restart",
    "result",
    "role",
    "rotate",
    "rx",
    "ry",
    "scale",
    "seed",
    "shape-rendering",
    "side",
    "slope",
    "spacing",
    "specularConstant",
    "specularExponent",
    "spreadMethod",
    "startOffset",
    "stdDeviation",
    "stitchTiles",
    "stop-color",
    "stop-opacity",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "stroke-width",
    "style",
    "surfaceScale",
    "systemLanguage",
    "tableValues",
    "targetX",
    "targetY",
    "text-anchor",
    "text-decoration",
    "text-rendering",
    "textLength",
    "to",
    "transform",
    "transform-origin",
    "type",
    "values",
    "vector-effect",
    "version",
    "viewBox",
    "visibility",
    "width",
    "word-spacing",
    "writing-mode",
    "x",
    "x1",
    "x2",
    "xChannelSelector",
    "y",
    "y1",
    "y2",
    "yChannelSelector",
    "z",
    "zoomAndPan",
];

/// Presentation attributes parsed as CSS values (where `url()` could load something).
const CSS_VALUED_ATTRIBUTES: &[&str] = &[
    "clip-path",
    "cursor",
    "fill",
    "filter",
    "marker-end",
    "marker-mid",
    "marker-start",
    "mask",
    "stroke",
];

/// Whether an SVG element (by its local name, as SVG spells it) is on the allowlist.
pub fn allows_element(local: &str) -> bool {
    SVG_ELEMENTS.contains(&local)
}

fn is_animation(local: &str) -> bool {
    ANIMATION_ELEMENTS.contains(&local)
}

/// What happens to one attribute of an SVG element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Kept as it is.
    Keep,
    /// Removed, reported under this rule.
    Drop(&'static Rule),
    /// Replaced by this value, reported under this rule.
    Rewrite(String, &'static Rule),
}

/// The attribute's namespace, as far as the SVG policy cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AttrNs {
    /// No namespace.
    None,
    /// `xlink:`.
    Xlink,
    /// `xml:`.
    Xml,
    /// A namespace declaration (`xmlns`, `xmlns:x`).
    Xmlns,
    /// Inert metadata namespaces (RDF, Inkscape).
    Metadata,
    /// Anything else.
    Other,
}

/// Checks one attribute of an allowed SVG element. `local` is the attribute's local name,
/// `value` its decoded value.
pub(crate) fn check_attribute(element: &str, ns: AttrNs, local: &str, value: &str) -> Verdict {
    if local.len() > 2 && local[..2].eq_ignore_ascii_case("on") {
        return Verdict::Drop(&rules::svg::SVG_SCRIPT);
    }
    match ns {
        AttrNs::Xmlns | AttrNs::Metadata => return Verdict::Keep,
        AttrNs::Xml => {
            return if matches!(local, "space" | "lang") {
                Verdict::Keep
            } else {
                Verdict::Drop(&rules::svg::SVG_DISALLOWED)
            };
        }
        AttrNs::Xlink => {
            return match local {
                "href" => check_reference(element, value),
                "title" => Verdict::Keep,
                _ => Verdict::Drop(&rules::svg::SVG_DISALLOWED),
            };
        }
        AttrNs::Other => return Verdict::Drop(&rules::svg::SVG_DISALLOWED),
        AttrNs::None => {}
    }
    if local.starts_with("aria-") {
        return Verdict::Keep;
    }
    if !SVG_ATTRIBUTES.contains(&local) {
        return Verdict::Drop(&rules::svg::SVG_DISALLOWED);
    }
    if local == "href" {
        return check_reference(element, value);
    }
    if local == "style" {
        let decls = css::check_declarations(value);
        return if decls.is_clean() {
            Verdict::Keep
        } else if decls.kept.is_empty() {
            Verdict::Drop(&rules::html::UNSAFE_CSS)
        } else {
            Verdict::Rewrite(decls.kept, &rules::html::UNSAFE_CSS)
        };
    }
    if is_animation(element) {
        if local == "attributeName" && animation_target_is_dangerous(value) {
            return Verdict::Drop(&rules::svg::SVG_ANIMATION_ATTACK);
        }
        if matches!(local, "values" | "from" | "to" | "by")
            && value
                .split(';')
                .any(|part| !html::url_is_safe("a", "href", part))
        {
            return Verdict::Drop(&rules::svg::SVG_ANIMATION_ATTACK);
        }
    }
    if CSS_VALUED_ATTRIBUTES.contains(&local)
        && value.contains(['(', '\\'])
        && !css::check_declarations(&format!("fill: {value}")).is_clean()
    {
        return Verdict::Drop(&rules::svg::SVG_UNSAFE_REFERENCE);
    }
    Verdict::Keep
}

/// Whether an animation's `attributeName` points at a link, a handler or a style.
fn animation_target_is_dangerous(value: &str) -> bool {
    let target = value.trim();
    let local = target
        .rsplit(':')
        .next()
        .unwrap_or(target)
        .to_ascii_lowercase();
    local.starts_with("on")
        || matches!(
            local.as_str(),
            "href" | "src" | "style" | "action" | "formaction" | "data"
        )
}

/// `href`/`xlink:href`: links on `a` follow the HTML URL rules; `image` takes
/// `data:image/*`; every other element may only point inside the document (`#id`).
fn check_reference(element: &str, value: &str) -> Verdict {
    let ok = match element {
        "a" => html::url_is_safe("a", "href", value),
        "image" => {
            html::url_is_safe("img", "src", value)
                && html::scheme_of(value.trim_matches(|c: char| c <= ' ')).as_deref()
                    == Some("data")
        }
        _ => is_fragment_reference(value),
    };
    if ok {
        Verdict::Keep
    } else {
        Verdict::Drop(&rules::svg::SVG_UNSAFE_REFERENCE)
    }
}

fn is_fragment_reference(value: &str) -> bool {
    let value = value.trim();
    value.len() > 1
        && value.starts_with('#')
        && value[1..]
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.:".contains(c))
}

/// An element's place in the policy, by namespace and name.
enum ElementClass {
    Allowed,
    /// An XHTML element inside `foreignObject`, on the HTML allowlist.
    Html,
    Style,
    Script,
    ForeignObject,
    Metadata,
    Disallowed,
}

/// An element's resolved namespace, owned.
enum ElementNs {
    Unbound,
    Bound(Vec<u8>),
    Unknown,
}

impl ElementNs {
    fn of(ns: &ResolveResult<'_>) -> Self {
        match ns {
            ResolveResult::Bound(ns) => ElementNs::Bound(ns.as_ref().to_vec()),
            ResolveResult::Unbound => ElementNs::Unbound,
            ResolveResult::Unknown(_) => ElementNs::Unknown,
        }
    }
}

fn classify(ns: &ElementNs, local: &str, in_foreign: bool, html: &HtmlAllowlist) -> ElementClass {
    let ns: Option<&[u8]> = match ns {
        ElementNs::Bound(ns) => Some(ns.as_slice()),
        ElementNs::Unbound => None,
        ElementNs::Unknown => return ElementClass::Disallowed,
    };
    match ns {
        None | Some(SVG_NS) => match local {
            "script" => ElementClass::Script,
            "foreignObject" => ElementClass::ForeignObject,
            "style" => ElementClass::Style,
            _ if allows_element(local) => ElementClass::Allowed,
            _ => ElementClass::Disallowed,
        },
        Some(XHTML_NS) if local.eq_ignore_ascii_case("script") => ElementClass::Script,
        Some(XHTML_NS) if in_foreign && local == "style" => ElementClass::Style,
        Some(XHTML_NS) if in_foreign && html.allows_tag(local) => ElementClass::Html,
        Some(ns) if METADATA_NAMESPACES.contains(&ns) => ElementClass::Metadata,
        Some(_) => ElementClass::Disallowed,
    }
}

fn attr_ns(ns: &ResolveResult<'_>, raw_key: &[u8]) -> AttrNs {
    if raw_key == b"xmlns" || raw_key.starts_with(b"xmlns:") {
        return AttrNs::Xmlns;
    }
    match ns {
        ResolveResult::Unbound => AttrNs::None,
        ResolveResult::Bound(ns) => match ns.as_ref() {
            XLINK_NS => AttrNs::Xlink,
            XML_NS => AttrNs::Xml,
            ns if METADATA_NAMESPACES.contains(&ns) => AttrNs::Metadata,
            _ => AttrNs::Other,
        },
        ResolveResult::Unknown(prefix) if prefix.as_slice() == b"xml" => AttrNs::Xml,
        ResolveResult::Unknown(_) => AttrNs::Other,
    }
}

/// Sanitizes a whole SVG document (XML). Clean input comes back as `text: None`.
///
/// ```
/// use nbsanitize::sanitize::svg::sanitize_svg;
/// let svg = r#"<svg xmlns="http://www.w3.org/2000/svg"><g onclick="alert(1)"><path d="M0 0"/></g><script>alert(1)</script></svg>"#;
/// let out = sanitize_svg(svg);
/// assert_eq!(out.text.as_deref(), Some(r#"<svg xmlns="http://www.w3.org/2000/svg"><g><path d="M0 0"/></g></svg>"#));
/// assert!(sanitize_svg(r#"<svg xmlns="http://www.w3.org/2000/svg"><path d="M0 0"/></svg>"#).text.is_none());
/// ```
pub fn sanitize_svg(input: &str) -> Cleaned {
    let mut seen = Observations::default();
    match scan(input, &mut seen) {
        Ok(edits) if edits.is_empty() && seen.is_empty() => Cleaned::default(),
        Ok(edits) => {
            let text = apply_edits(input, edits);
            // The result must itself be clean XML; anything else is replaced by an empty image.
            let mut again = Observations::default();
            let text = match scan(&text, &mut again) {
                Ok(more) if more.is_empty() && again.is_empty() && has_root(&text) => text,
                _ => EMPTY_SVG.to_owned(),
            };
            Cleaned {
                text: Some(text),
                findings: seen.into_findings(),
            }
        }
        Err(reason) => {
            seen.add(
                &rules::svg::SVG_DISALLOWED,
                format!("not well-formed XML ({reason}); image replaced"),
            );
            Cleaned {
                text: Some(EMPTY_SVG.to_owned()),
                findings: seen.into_findings(),
            }
        }
    }
}

/// What replaces an SVG document that cannot be repaired.
const EMPTY_SVG: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";

fn has_root(text: &str) -> bool {
    let mut reader = NsReader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(_) | Event::Empty(_)) => return true,
            Ok(Event::Eof) | Err(_) => return false,
            Ok(_) => {}
        }
    }
}

/// An element being removed with its subtree, or a `<style>` whose text is collected.
enum Capture {
    Remove {
        start: usize,
        depth: usize,
    },
    Style {
        start: usize,
        content: usize,
        depth: usize,
        css: String,
        broken: bool,
    },
}

/// Reads the document and returns the edits that make it clean, recording observations.
fn scan(input: &str, seen: &mut Observations) -> Result<Vec<(Range<usize>, String)>, String> {
    let mut reader = NsReader::from_str(input);
    reader.config_mut().check_end_names = true;
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let mut depth = 0usize;
    let mut capture: Option<Capture> = None;
    let mut dropped_dtd = false;
    let mut root_seen = false;
    // The depth of the open `foreignObject`, inside which XHTML is checked as HTML.
    let mut foreign_at: Option<usize> = None;
    let html_allow = HtmlAllowlist::default();
    loop {
        let before = reader.buffer_position() as usize;
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|e| format!("{e} at byte {before}"))?;
        let ns = ElementNs::of(&ns);
        let after = reader.buffer_position() as usize;
        let span = before..after;
        match event {
            Event::Eof if depth != 0 || capture.is_some() => {
                return Err("an element is not closed".into());
            }
            Event::Eof => break,
            Event::Start(ref start) | Event::Empty(ref start) => {
                let is_empty = matches!(event, Event::Empty(_));
                if matches!(capture, Some(Capture::Remove { .. })) {
                    if !is_empty {
                        depth += 1;
                    }
                    continue;
                }
                if let Some(Capture::Style { broken, .. }) = capture.as_mut() {
                    // Markup inside <style>: the element goes.
                    *broken = true;
                    if !is_empty {
                        depth += 1;
                    }
                    continue;
                }
                let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
                let at_root = !root_seen;
                root_seen = true;
                let class = classify(&ns, &local, foreign_at.is_some(), &html_allow);
                let remove_rule = match class {
                    ElementClass::Script => Some(&rules::svg::SVG_SCRIPT),
                    ElementClass::Disallowed if foreign_at.is_some() => {
                        Some(&rules::svg::SVG_FOREIGN_OBJECT)
                    }
                    ElementClass::Disallowed => Some(&rules::svg::SVG_DISALLOWED),
                    ElementClass::Allowed
                    | ElementClass::Html
                    | ElementClass::ForeignObject
                    | ElementClass::Style
                    | ElementClass::Metadata => None,
                };
                let mut remove = remove_rule.map(|rule| (rule, format!("<{local}>")));
                let mut new_tag = None;
                if remove.is_none() {
                    match check_start_tag(&reader, start, &local, &class, input, &span, seen) {
                        TagVerdict::Keep => {}
                        TagVerdict::Rewrite(tag) => new_tag = Some(tag),
                        TagVerdict::RemoveElement(rule, why) => remove = Some((rule, why)),
                    }
                }
                if let Some((rule, why)) = remove {
                    seen.add(rule, why);
                    if at_root {
                        return Err("the root element is not allowed".into());
                    }
                    if is_empty {
                        edits.push((span, String::new()));
                    } else {
                        depth += 1;
                        capture = Some(Capture::Remove {
                            start: before,
                            depth,
                        });
                    }
                    continue;
                }
                if let Some(tag) = new_tag {
                    edits.push((span.clone(), tag));
                }
                if !is_empty {
                    depth += 1;
                    if matches!(class, ElementClass::ForeignObject) && foreign_at.is_none() {
                        foreign_at = Some(depth);
                    }
                    if matches!(class, ElementClass::Style) {
                        capture = Some(Capture::Style {
                            start: before,
                            content: after,
                            depth,
                            css: String::new(),
                            broken: false,
                        });
                    }
                }
            }
            Event::End(_) => {
                let closing = depth;
                depth = depth.saturating_sub(1);
                if foreign_at == Some(closing) {
                    foreign_at = None;
                }
                match capture.take() {
                    Some(Capture::Remove { start, depth: at }) if at == closing => {
                        edits.push((start..after, String::new()));
                    }
                    Some(Capture::Style {
                        start,
                        content,
                        depth: at,
                        css,
                        broken,
                    }) if at == closing => {
                        if broken {
                            seen.add(&rules::html::UNSAFE_CSS, "markup inside <style>".into());
                            edits.push((start..after, String::new()));
                        } else {
                            let sheet = css::check_stylesheet(&css);
                            if !sheet.is_clean() {
                                for removed in &sheet.removed {
                                    seen.add(&rules::html::UNSAFE_CSS, truncate(removed));
                                }
                                if sheet.kept.is_empty() {
                                    edits.push((start..after, String::new()));
                                } else {
                                    edits.push((content..before, escape(sheet.kept).into_owned()));
                                }
                            }
                        }
                    }
                    other => capture = other,
                }
            }
            Event::Text(text) => {
                if let Some(Capture::Style { css, broken, .. }) = capture.as_mut() {
                    match text.xml_content() {
                        Ok(t) => css.push_str(&t),
                        Err(_) => *broken = true,
                    }
                }
            }
            Event::CData(data) => {
                if let Some(Capture::Style { css, broken, .. }) = capture.as_mut() {
                    match data.decode() {
                        Ok(t) => css.push_str(&t),
                        Err(_) => *broken = true,
                    }
                }
            }
            Event::GeneralRef(reference) => {
                let name = reference
                    .decode()
                    .map(|n| n.into_owned())
                    .unwrap_or_default();
                let resolved = if reference.is_char_ref() {
                    reference
                        .resolve_char_ref()
                        .ok()
                        .flatten()
                        .map(String::from)
                } else {
                    resolve_predefined_entity(&name).map(str::to_owned)
                };
                match resolved {
                    Some(text) => {
                        if let Some(Capture::Style { css, .. }) = capture.as_mut() {
                            css.push_str(&text);
                        }
                    }
                    None => {
                        // An entity from a DTD: never expanded, and gone with the DTD.
                        if !matches!(capture, Some(Capture::Remove { .. })) {
                            seen.add(&rules::svg::SVG_DTD, format!("&{name};"));
                            edits.push((span, String::new()));
                        }
                    }
                }
            }
            Event::DocType(doctype) => {
                let text = String::from_utf8_lossy(doctype.as_ref()).into_owned();
                if text.contains('[') || text.to_ascii_uppercase().contains("ENTITY") {
                    seen.add(
                        &rules::svg::SVG_DTD,
                        "<!DOCTYPE> with an internal subset".into(),
                    );
                    edits.push((span, String::new()));
                    dropped_dtd = true;
                }
            }
            Event::PI(pi) => {
                if !matches!(capture, Some(Capture::Remove { .. })) {
                    let target = String::from_utf8_lossy(pi.target()).into_owned();
                    seen.add(
                        &rules::svg::SVG_DISALLOWED,
                        format!("processing instruction <?{target}?>"),
                    );
                    edits.push((span, String::new()));
                }
            }
            Event::Decl(_) | Event::Comment(_) => {}
        }
    }
    let _ = dropped_dtd;
    Ok(edits)
}

enum TagVerdict {
    Keep,
    Rewrite(String),
    RemoveElement(&'static Rule, String),
}

/// Checks the attributes of a kept element; returns the rewritten start tag if some go.
fn check_start_tag(
    reader: &NsReader<&[u8]>,
    start: &BytesStart<'_>,
    local: &str,
    class: &ElementClass,
    input: &str,
    span: &Range<usize>,
    seen: &mut Observations,
) -> TagVerdict {
    let mut kept: Vec<String> = Vec::new();
    let mut changed = false;
    for attr in start.attributes().with_checks(true) {
        let Ok(attr) = attr else {
            seen.add(
                &rules::svg::SVG_DISALLOWED,
                format!("malformed attribute on <{local}>"),
            );
            return TagVerdict::RemoveElement(
                &rules::svg::SVG_DISALLOWED,
                format!("<{local}> with a malformed attribute"),
            );
        };
        let raw_key = attr.key.as_ref();
        let key = String::from_utf8_lossy(raw_key).into_owned();
        let (ns, attr_local) = reader.resolve_attribute(attr.key);
        let attr_local = String::from_utf8_lossy(attr_local.as_ref()).into_owned();
        let ns = attr_ns(&ns, raw_key);
        let raw_value = String::from_utf8_lossy(&attr.value).into_owned();
        let verdict = match attr.unescape_value() {
            Err(_) => Verdict::Drop(&rules::svg::SVG_DTD),
            Ok(value) => match class {
                ElementClass::Html => match ns {
                    AttrNs::Xmlns => Verdict::Keep,
                    AttrNs::None => html::check_html_attribute(local, &attr_local, &value),
                    _ => Verdict::Drop(&rules::svg::SVG_FOREIGN_OBJECT),
                },
                ElementClass::Metadata => {
                    if attr_local.len() > 2 && attr_local[..2].eq_ignore_ascii_case("on") {
                        Verdict::Drop(&rules::svg::SVG_SCRIPT)
                    } else if matches!(ns, AttrNs::Xlink | AttrNs::Other) {
                        Verdict::Drop(&rules::svg::SVG_DISALLOWED)
                    } else {
                        Verdict::Keep
                    }
                }
                _ => {
                    if is_animation(local)
                        && attr_local == "attributeName"
                        && animation_target_is_dangerous(&value)
                    {
                        return TagVerdict::RemoveElement(
                            &rules::svg::SVG_ANIMATION_ATTACK,
                            format!("<{local} attributeName=\"{}\">", truncate(&value)),
                        );
                    }
                    check_attribute(local, ns, &attr_local, &value)
                }
            },
        };
        match verdict {
            Verdict::Keep => kept.push(format!("{key}=\"{}\"", requote(&raw_value))),
            Verdict::Drop(rule) => {
                changed = true;
                if rule.code == "NB203" {
                    return TagVerdict::RemoveElement(
                        rule,
                        format!("<{local} {key}=\"{}\">", truncate(&raw_value)),
                    );
                }
                seen.add(
                    rule,
                    format!("{key}=\"{}\" on <{local}>", truncate(&raw_value)),
                );
            }
            Verdict::Rewrite(new, rule) => {
                changed = true;
                seen.add(
                    rule,
                    format!("{key}=\"{}\" on <{local}>", truncate(&raw_value)),
                );
                kept.push(format!("{key}=\"{}\"", escape(new)));
            }
        }
    }
    if !changed {
        return TagVerdict::Keep;
    }
    let original = &input[span.clone()];
    let name = String::from_utf8_lossy(start.name().as_ref()).into_owned();
    let close = if original.trim_end().ends_with("/>") {
        "/>"
    } else {
        ">"
    };
    let mut tag = format!("<{name}");
    for attr in kept {
        tag.push(' ');
        tag.push_str(&attr);
    }
    tag.push_str(close);
    TagVerdict::Rewrite(tag)
}

/// A raw (still escaped) attribute value made safe for double quotes.
fn requote(raw: &str) -> String {
    raw.replace('"', "&quot;")
}

fn truncate(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(40).collect();
        out.push('…');
        out
    }
}

fn apply_edits(input: &str, mut edits: Vec<(Range<usize>, String)>) -> String {
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    for (range, text) in edits {
        if range.start < at {
            continue; // inside a span already removed
        }
        out.push_str(&input[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&input[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MATPLOTLIB: &str = r##"<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN"
  "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460.8pt" height="345.6pt" viewBox="0 0 460.8 345.6" xmlns="http://www.w3.org/2000/svg" version="1.1">
 <metadata>
  <rdf:RDF xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:cc="http://creativecommons.org/ns#" xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
   <cc:Work>
    <dc:type rdf:resource="http://purl.org/dc/dcmitype/StillImage"/>
    <dc:date>2024-01-01T00:00:00</dc:date>
    <dc:format>image/svg+xml</dc:format>
    <dc:creator><cc:Agent><dc:title>Matplotlib v3.8.0, https://matplotlib.org/</dc:title></cc:Agent></dc:creator>
   </cc:Work>
  </rdf:RDF>
 </metadata>
 <defs>
  <style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>
 </defs>
 <g id="figure_1">
  <g id="patch_1">
   <path d="M 0 345.6 L 460.8 345.6 L 460.8 0 L 0 0 z" style="fill: #ffffff"/>
  </g>
  <g id="axes_1">
   <g id="line2d_1">
    <defs>
     <path id="m0b6a4e5c1e" d="M 0 0 L 0 3.5" style="stroke: #000000; stroke-width: 0.8"/>
    </defs>
    <g>
     <use xlink:href="#m0b6a4e5c1e" x="73.832727" y="307.584" style="stroke: #000000; stroke-width: 0.8"/>
    </g>
   </g>
   <g id="text_1">
    <text style="font: 10px 'DejaVu Sans'; text-anchor: middle" x="73.8" y="322.2" transform="rotate(-0 73.8 322.2)">0.0 &amp; 1 &#x3c; 2</text>
   </g>
   <image xlink:href="data:image/png;base64,iVBORw0KGgo=" id="image1" transform="scale(1 -1) translate(0 -1)" x="1" y="1" width="2" height="2"/>
  </g>
 </g>
 <defs>
  <clipPath id="p1a2b3c4d5e">
   <rect x="57.6" y="41.472" width="357.12" height="266.112"/>
  </clipPath>
  <linearGradient id="lg" gradientUnits="userSpaceOnUse" x1="0" y1="0" x2="1" y2="1"><stop offset="0" style="stop-color: #ff0000"/></linearGradient>
 </defs>
 <path clip-path="url(#p1a2b3c4d5e)" fill="url(#lg)" d="M0 0"/>
</svg>
"##;

    fn assert_well_formed(text: &str) {
        let mut reader = NsReader::from_str(text);
        let mut depth = 0i32;
        loop {
            match reader.read_event() {
                Ok(Event::Eof) => break,
                Ok(Event::Start(_)) => depth += 1,
                Ok(Event::End(_)) => depth -= 1,
                Ok(_) => {}
                Err(e) => panic!("not well-formed: {e}\n{text}"),
            }
        }
        assert_eq!(depth, 0, "{text}");
        assert!(has_root(text), "{text}");
    }

    fn clean(svg: &str) -> (String, Vec<&'static str>) {
        let out = sanitize_svg(svg);
        let codes = out.findings.iter().map(|f| f.rule.code).collect();
        let text = out.text.unwrap_or_else(|| svg.to_owned());
        assert_well_formed(&text);
        let again = sanitize_svg(&text);
        assert!(again.text.is_none(), "not idempotent: {text}");
        (text, codes)
    }

    #[test]
    fn matplotlib_svg_is_kept_byte_for_byte() {
        let out = sanitize_svg(MATPLOTLIB);
        assert!(out.text.is_none(), "{:?}", out.findings);
        assert!(out.findings.is_empty());
    }

    fn wrap(body: &str) -> String {
        format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><g id="keep"/>{body}</svg>"#
        )
    }

    #[test]
    fn removes_scripts_and_handlers() {
        for (body, code) in [
            ("<script>alert(1)</script>", "NB201"),
            ("<script><![CDATA[alert(1)]]></script>", "NB201"),
            ("<script href=\"data:,alert(1)\"/>", "NB201"),
            (
                "<h:script xmlns:h=\"http://www.w3.org/1999/xhtml\">alert(1)</h:script>",
                "NB201",
            ),
            (
                "<h:iframe xmlns:h=\"http://www.w3.org/1999/xhtml\" h:src=\"javascript:alert(1)\"/>",
                "NB206",
            ),
            (
                "<handler type=\"application/ecmascript\">alert(1)</handler>",
                "NB206",
            ),
            (
                "<math xmlns=\"http://www.w3.org/1998/Math/MathML\"><maction actiontype=\"statusline\" xlink:href=\"javascript:alert(1)\">x</maction></math>",
                "NB206",
            ),
        ] {
            let (text, codes) = clean(&wrap(body));
            assert_eq!(text, wrap(""), "{body}");
            assert_eq!(codes, vec![code], "{body}");
        }
        for body in ["<g onload=\"alert(1)\"/>", "<g ONCLICK=\"alert(1)\"></g>"] {
            let (text, codes) = clean(&wrap(body));
            assert!(text == wrap("<g/>") || text == wrap("<g></g>"), "{text}");
            assert_eq!(codes, vec!["NB201"], "{body}");
        }
    }

    #[test]
    fn foreign_object_keeps_safe_html_only() {
        let labels = wrap(
            "<foreignObject x=\"0\" y=\"0\" width=\"10\" height=\"10\"><div xmlns=\"http://www.w3.org/1999/xhtml\" style=\"color: red\"><span class=\"nodeLabel\">A &amp; B</span><br/><a href=\"https://example.org\">x</a></div></foreignObject>",
        );
        assert!(sanitize_svg(&labels).text.is_none(), "{labels}");
        for (body, kept, codes) in [
            (
                "<foreignObject><iframe xmlns=\"http://www.w3.org/1999/xhtml\" src=\"javascript:alert(1)\"/></foreignObject>",
                "<foreignObject></foreignObject>",
                vec!["NB204"],
            ),
            (
                "<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\" onclick=\"alert(1)\"><a href=\"javascript:alert(1)\">x</a><script>alert(1)</script></div></foreignObject>",
                "<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\"><a>x</a></div></foreignObject>",
                vec!["NB102", "NB103", "NB201"],
            ),
            (
                "<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\"><style>@import 'x'; p { color: red }</style><p id=\"cookie\">x</p></div></foreignObject>",
                "<foreignObject><div xmlns=\"http://www.w3.org/1999/xhtml\"><style>p { color: red }</style><p id=\"user-content-cookie\">x</p></div></foreignObject>",
                vec!["NB106", "NB108"],
            ),
        ] {
            let (text, found) = clean(&wrap(body));
            assert_eq!(text, wrap(kept), "{body}");
            assert_eq!(found, codes, "{body}");
        }
        // XHTML outside foreignObject is never HTML.
        let (text, codes) = clean(&wrap("<p xmlns=\"http://www.w3.org/1999/xhtml\">x</p>"));
        assert_eq!(text, wrap(""));
        assert_eq!(codes, vec!["NB206"]);
    }

    #[test]
    fn checks_links_and_references() {
        for (body, kept, code) in [
            (
                "<a xlink:href=\"javascript:alert(1)\"><text>x</text></a>",
                "<a><text>x</text></a>",
                "NB202",
            ),
            (
                "<a href=\" jav&#x09;ascript:alert(1)\"><text>x</text></a>",
                "<a><text>x</text></a>",
                "NB202",
            ),
            (
                "<use href=\"https://evil.example/x.svg#a\"/>",
                "<use/>",
                "NB202",
            ),
            (
                "<use xlink:href=\"data:image/svg+xml;base64,PHN2Zz4=#x\"/>",
                "<use/>",
                "NB202",
            ),
            (
                "<image href=\"https://evil.example/track.png\"/>",
                "<image/>",
                "NB202",
            ),
            (
                "<image href=\"data:image/svg+xml,&lt;svg onload=alert(1)&gt;\"/>",
                "<image href=\"data:image/svg+xml,&lt;svg onload=alert(1)&gt;\"/>",
                "",
            ),
            (
                "<rect fill=\"url(https://evil.example/p.svg#g)\"/>",
                "<rect/>",
                "NB202",
            ),
            (
                "<rect style=\"fill: red; background: url(https://evil.example/)\"/>",
                "<rect style=\"fill: red\"/>",
                "NB106",
            ),
            (
                "<a href='https://example.org/?a=\"b\"' target=\"_blank\"><text>x</text></a>",
                "<a href=\"https://example.org/?a=&quot;b&quot;\"><text>x</text></a>",
                "NB206",
            ),
        ] {
            let (text, codes) = clean(&wrap(body));
            assert_eq!(text, wrap(kept), "{body}");
            let expected: Vec<&str> = if code.is_empty() { vec![] } else { vec![code] };
            assert_eq!(codes, expected, "{body}");
        }
    }

    #[test]
    fn removes_animation_attacks() {
        for body in [
            "<a><set attributeName=\"href\" to=\"javascript:alert(1)\"/><text>x</text></a>",
            "<a><animate attributeName=\"xlink:href\" values=\"https://ok;javascript:alert(1)\"/><text>x</text></a>",
            "<a><set attributeName=\"onmouseover\" to=\"alert(1)\"/><text>x</text></a>",
            "<a><animate attributeName=\"x\" values=\"0;javascript:alert(1)\"></animate><text>x</text></a>",
        ] {
            let (text, codes) = clean(&wrap(body));
            assert_eq!(text, wrap("<a><text>x</text></a>"), "{body}");
            assert_eq!(codes, vec!["NB203"], "{body}");
        }
        let benign =
            wrap("<rect><animate attributeName=\"opacity\" values=\"0;1\" dur=\"1s\"/></rect>");
        assert!(sanitize_svg(&benign).text.is_none());
    }

    #[test]
    fn removes_dtd_entities_and_processing_instructions() {
        let svg = "<?xml version=\"1.0\"?>\n<!DOCTYPE svg [<!ENTITY x \"<script>alert(1)</script>\">]>\n<?xml-stylesheet type=\"text/xsl\" href=\"data:text/xml,x\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"><text>&x;&amp;</text></svg>";
        let (text, codes) = clean(svg);
        assert_eq!(
            text,
            "<?xml version=\"1.0\"?>\n\n\n<svg xmlns=\"http://www.w3.org/2000/svg\"><text>&amp;</text></svg>"
        );
        assert_eq!(codes, vec!["NB205", "NB206"]);
    }

    #[test]
    fn sanitizes_style_elements() {
        let (text, codes) = clean(&wrap(
            "<style>@import url(https://evil.example/x.css); .a { fill: red }</style>",
        ));
        assert_eq!(text, wrap("<style>.a { fill: red }</style>"));
        assert_eq!(codes, vec!["NB106"]);
        let (text, _) = clean(&wrap(
            "<style><![CDATA[ .a { fill: red; background: url(javascript:x) } ]]></style>",
        ));
        assert_eq!(text, wrap("<style>.a { fill: red }</style>"));
        let (text, _) = clean(&wrap("<style>@import 'x';</style>"));
        assert_eq!(text, wrap(""));
        let clean_css = wrap("<style><![CDATA[ .a > .b { fill: red } ]]></style>");
        assert!(sanitize_svg(&clean_css).text.is_none());
    }

    #[test]
    fn broken_or_foreign_roots_become_an_empty_image() {
        for svg in [
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><g></svg>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><style><</svg>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><g>",
            "<html xmlns=\"http://www.w3.org/1999/xhtml\"><script>alert(1)</script></html>",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"><g attr=\"a\" attr=\"b\"/></svg>",
        ] {
            let out = sanitize_svg(svg);
            let text = out.text.expect("replaced");
            assert_well_formed(&text);
            assert!(!text.contains("alert"), "{svg} -> {text}");
        }
    }

    #[test]
    fn unnamespaced_svg_is_checked_too() {
        let (text, codes) = clean("<svg><rect width=\"1\"/><script>alert(1)</script></svg>");
        assert_eq!(text, "<svg><rect width=\"1\"/></svg>");
        assert_eq!(codes, vec!["NB201"]);
    }

    const PIECES: &[&str] = &[
        "<g>",
        "</g>",
        "<g/>",
        "<a href=\"javascript:alert(1)\">",
        "<a>",
        "</a>",
        "<text>x</text>",
        "<script>alert(1)</script>",
        "<h:script xmlns:h=\"http://www.w3.org/1999/xhtml\">x</h:script>",
        "<set attributeName=\"href\" to=\"javascript:alert(1)\"/>",
        "<use href=\"#a\"/>",
        "<use href=\"https://evil/#a\"/>",
        "<style>",
        "</style>",
        "td{fill:red}",
        "@import 'x';",
        "<![CDATA[",
        "]]>",
        "&amp;",
        "&x;",
        "&#60;",
        "<!-- c -->",
        "<?pi x?>",
        "<foreignObject><p xmlns=\"http://www.w3.org/1999/xhtml\">x</p></foreignObject>",
        "<rect onclick=\"alert(1)\" fill=\"url(#g)\"/>",
        "<image href=\"data:image/png;base64,AA\"/>",
        "<path d=\"M0 0\" style=\"fill: red; behavior: url(x)\"/>",
        "<",
        ">",
        "\"",
        " ",
        "<animate attributeName=\"x\" values=\"0;javascript:alert(1)\"/>",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..Default::default()
        })]

        #[test]
        fn svg_output_is_well_formed_idempotent_and_script_free(
            parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..16)
        ) {
            let svg = format!(
                "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">{}</svg>",
                parts.concat()
            );
            let out = sanitize_svg(&svg);
            let text = out.text.unwrap_or_else(|| svg.clone());
            assert_well_formed(&text);
            proptest::prop_assert!(sanitize_svg(&text).text.is_none(), "{} -> {}", svg, text);
            let mut reader = NsReader::from_str(&text);
            loop {
                match reader.read_event() {
                    Ok(Event::Eof) => break,
                    Ok(Event::Start(e) | Event::Empty(e)) => {
                        proptest::prop_assert!(e.local_name().as_ref() != b"script", "{}", text);
                        for attr in e.attributes().flatten() {
                            let key = attr.key.local_name();
                            proptest::prop_assert!(!key.as_ref().to_ascii_lowercase().starts_with(b"on"), "{}", text);
                            let value = attr.unescape_value().map(|v| v.to_ascii_lowercase()).unwrap_or_default();
                            proptest::prop_assert!(!value.contains("javascript:"), "{}", text);
                        }
                    }
                    Ok(_) => {}
                    Err(e) => panic!("{e}"),
                }
            }
        }
    }
}
