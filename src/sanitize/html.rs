/*! HTML: an allowlist checker over html5ever's tree, ammonia as the fixer, and the checker
again as the judge.

**Fragments** (`text/html` outputs, raw HTML in Markdown) are parsed the way a browser parses
`innerHTML` of a `<div>` (html5ever, the same parser ammonia uses), with an end-of-input
sentinel element appended: when the sentinel is swallowed (the input ends inside a tag, an
attribute value, a comment or a raw-text element) the fragment is not self-contained and is
rewritten, because exporters write outputs one after another into one page. If every element,
attribute, URL and style in the tree is allowed, the input is kept **byte for byte**: pandas
tables, Styler output, links and inline matplotlib SVG are not re-serialized.

Otherwise ammonia rebuilds the fragment from the same [`HtmlAllowlist`] (with `<style>` and
the SVG elements added), the checker repairs what ammonia cannot judge (it passes allowed
`<style>` text verbatim and knows no per-namespace attribute rules): style sheets go through
[`css::check_stylesheet`], SVG attributes through [`svg`]'s rules. The result is parsed once
more and must pass the checker unchanged; if it does not, a stricter ammonia pass without
`<style>` and SVG is used, and as the last resort the fragment is escaped as text. So the
output always passes the checker (idempotence), and the checker's observations become the
findings.

**Documents** (input starting with `<!DOCTYPE` or `<html>`: MLflow recipe cards, plotly and
bokeh exports, nbconvert pages) stay documents: doctype, `<html>`, `<head>` with `title`,
`meta charset` and sanitized `<style>`, and `<body>` are kept; scripts, `base`, `link`,
`meta http-equiv` go. They are repaired by the checker itself and re-parsed until clean. */

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use html5ever::tendril::TendrilSink;
use html5ever::{ParseOpts, QualName, local_name, ns};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

use super::{css, svg};
use crate::diagnostic::{Action, Finding};
use crate::rules::{self, Rule};

/// The rel value given to every link ammonia rewrites.
pub(crate) const LINK_REL: &str = "noopener noreferrer";
/// Prefix for `id`/`name` values that would clobber DOM properties.
pub const CLOBBER_PREFIX: &str = "user-content-";

/// Elements kept in HTML (HTML namespace), close to JupyterLab's untrusted-output allowlist.
pub(crate) const DEFAULT_TAGS: &[&str] = &[
    "a",
    "abbr",
    "acronym",
    "address",
    "article",
    "aside",
    "audio",
    "b",
    "bdi",
    "bdo",
    "big",
    "blockquote",
    "br",
    "caption",
    "center",
    "cite",
    "code",
    "col",
    "colgroup",
    "data",
    "dd",
    "del",
    "details",
    "dfn",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "font",
    "footer",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "label",
    "li",
    "main",
    "mark",
    "meter",
    "nav",
    "ol",
    "p",
    "picture",
    "pre",
    "progress",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
    "source",
    "span",
    "strike",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "time",
    "tr",
    "tt",
    "u",
    "ul",
    "var",
    "video",
    "wbr",
];

/// Attributes kept on every allowed element.
pub(crate) const DEFAULT_GENERIC_ATTRIBUTES: &[&str] = &[
    "align", "class", "dir", "hidden", "id", "lang", "style", "title", "valign", "width", "height",
];

/// Attributes kept on specific elements.
pub(crate) const DEFAULT_TAG_ATTRIBUTES: &[(&str, &[&str])] = &[
    ("a", &["href", "name", "hreflang"]),
    ("img", &["src", "alt", "border"]),
    (
        "table",
        &[
            "border",
            "cellpadding",
            "cellspacing",
            "summary",
            "frame",
            "rules",
        ],
    ),
    (
        "td",
        &[
            "colspan", "rowspan", "headers", "nowrap", "bgcolor", "halign",
        ],
    ),
    (
        "th",
        &[
            "colspan", "rowspan", "headers", "scope", "nowrap", "bgcolor", "halign",
        ],
    ),
    ("tr", &["bgcolor"]),
    ("col", &["span"]),
    ("colgroup", &["span"]),
    ("ol", &["start", "type", "reversed"]),
    ("ul", &["type"]),
    ("li", &["value"]),
    ("details", &["open"]),
    ("blockquote", &["cite"]),
    ("q", &["cite"]),
    ("del", &["cite", "datetime"]),
    ("ins", &["cite", "datetime"]),
    ("time", &["datetime"]),
    ("data", &["value"]),
    ("font", &["color", "face", "size"]),
    ("label", &["for"]),
    ("hr", &["size", "noshade"]),
    ("progress", &["value", "max"]),
    (
        "audio",
        &["src", "controls", "loop", "muted", "preload", "autoplay"],
    ),
    (
        "video",
        &[
            "src",
            "controls",
            "loop",
            "muted",
            "preload",
            "autoplay",
            "poster",
            "playsinline",
        ],
    ),
    ("source", &["src", "type", "media"]),
    ("meter", &["value", "min", "max", "low", "high", "optimum"]),
];

/// Attributes whose value is a URL and is checked as one.
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "cite",
    "action",
    "formaction",
    "background",
    "poster",
    "longdesc",
    "usemap",
    "data",
    "codebase",
    "lowsrc",
    "dynsrc",
    "ping",
    "xlink:href",
    "manifest",
];

/// Names of `document`/`window` properties an `id` or `name` must not take.
const CLOBBER_NAMES: &[&str] = &[
    "activeElement",
    "addEventListener",
    "adoptNode",
    "alert",
    "all",
    "anchors",
    "append",
    "applets",
    "attributes",
    "body",
    "characterSet",
    "childNodes",
    "children",
    "close",
    "cloneNode",
    "closed",
    "compatMode",
    "confirm",
    "constructor",
    "contains",
    "contentType",
    "cookie",
    "createAttribute",
    "createComment",
    "createElement",
    "createElementNS",
    "createEvent",
    "createRange",
    "createTextNode",
    "currentScript",
    "customElements",
    "defaultView",
    "designMode",
    "dispatchEvent",
    "doctype",
    "document",
    "documentElement",
    "documentURI",
    "domain",
    "embeds",
    "eval",
    "evaluate",
    "execCommand",
    "fetch",
    "firstChild",
    "fonts",
    "forms",
    "frames",
    "getElementById",
    "getElementsByClassName",
    "getElementsByName",
    "getElementsByTagName",
    "getSelection",
    "hasFocus",
    "head",
    "history",
    "images",
    "implementation",
    "importNode",
    "innerHTML",
    "inputEncoding",
    "lastChild",
    "lastModified",
    "length",
    "links",
    "localStorage",
    "location",
    "name",
    "navigator",
    "nodeName",
    "nodeType",
    "open",
    "opener",
    "origin",
    "outerHTML",
    "ownerDocument",
    "parent",
    "parentNode",
    "plugins",
    "postMessage",
    "prompt",
    "querySelector",
    "querySelectorAll",
    "readyState",
    "referrer",
    "removeChild",
    "removeEventListener",
    "replaceChild",
    "requestIdleCallback",
    "scripts",
    "self",
    "sessionStorage",
    "setTimeout",
    "setInterval",
    "styleSheets",
    "textContent",
    "title",
    "top",
    "toString",
    "URL",
    "valueOf",
    "window",
    "write",
    "writeln",
    "__proto__",
    "acceptCharset",
    "action",
    "className",
    "elements",
    "firstElementChild",
    "getAttribute",
    "hasAttribute",
    "hasChildNodes",
    "id",
    "localName",
    "method",
    "namespaceURI",
    "nextSibling",
    "parentElement",
    "previousSibling",
    "removeAttribute",
    "removeAttributeNode",
    "reset",
    "setAttribute",
    "submit",
    "tagName",
    "_jupyterlab",
    "jupyter",
    "require",
    "define",
    "IPython",
    "Jupyter",
];

/// The HTML allowlist, shared by the checker and the ammonia fixer.
#[derive(Debug, Clone)]
pub struct HtmlAllowlist {
    tags: HashSet<&'static str>,
    svg: bool,
    generic_attributes: HashSet<&'static str>,
    tag_attributes: HashMap<&'static str, HashSet<&'static str>>,
    /// The ammonia builders of this allowlist, made on first use and shared by clones; a
    /// change to the allowlist starts a new, empty set.
    fixers: Arc<Fixers>,
}

/// ammonia builders are costly to make (hash sets of every name) and immutable once made, so
/// each allowlist makes its two at most once.
#[derive(Default)]
struct Fixers {
    rich: OnceLock<ammonia::Builder<'static>>,
    strict: OnceLock<ammonia::Builder<'static>>,
}

impl std::fmt::Debug for Fixers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixers")
            .field("rich", &self.rich.get().is_some())
            .field("strict", &self.strict.get().is_some())
            .finish()
    }
}

impl Default for HtmlAllowlist {
    fn default() -> Self {
        HtmlAllowlist {
            tags: DEFAULT_TAGS.iter().copied().collect(),
            svg: true,
            generic_attributes: DEFAULT_GENERIC_ATTRIBUTES.iter().copied().collect(),
            tag_attributes: DEFAULT_TAG_ATTRIBUTES
                .iter()
                .map(|&(tag, attrs)| (tag, attrs.iter().copied().collect()))
                .collect(),
            fixers: Arc::default(),
        }
    }
}

/// A configured element or attribute name as `&'static str`, which ammonia's builder needs
/// to be made once and kept. Each distinct name is stored once for the life of the process,
/// so the memory is bounded by what configuration names, not by how often it is loaded.
fn intern(name: String) -> &'static str {
    static NAMES: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut names = NAMES.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(&known) = names.get(name.as_str()) {
        return known;
    }
    let name: &'static str = Box::leak(name.into_boxed_str());
    names.insert(name);
    name
}

impl HtmlAllowlist {
    /// Allows more elements. Elements that can run or embed code are refused.
    pub fn add_tags<'a>(&mut self, tags: impl IntoIterator<Item = &'a str>) -> Result<(), String> {
        for tag in tags {
            let tag = tag.to_ascii_lowercase();
            if classify_element(&tag)
                .is_some_and(|rule| rule.severity == crate::diagnostic::Severity::Error)
            {
                return Err(format!(
                    "the element `{tag}` can run code and cannot be allowed"
                ));
            }
            self.tags.insert(intern(tag));
        }
        self.fixers = Arc::default();
        Ok(())
    }

    /// Allows more attributes on every element. Event handlers are refused.
    pub fn add_generic_attributes<'a>(
        &mut self,
        attrs: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        for attr in attrs {
            let attr = attr.to_ascii_lowercase();
            check_addable_attribute(&attr)?;
            self.generic_attributes.insert(intern(attr));
        }
        self.fixers = Arc::default();
        Ok(())
    }

    /// Allows more attributes on one element. Event handlers are refused.
    pub fn add_tag_attributes<'a>(
        &mut self,
        tag: &str,
        attrs: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        self.fixers = Arc::default();
        let set = self
            .tag_attributes
            .entry(intern(tag.to_ascii_lowercase()))
            .or_default();
        for attr in attrs {
            let attr = attr.to_ascii_lowercase();
            check_addable_attribute(&attr)?;
            set.insert(intern(attr));
        }
        Ok(())
    }

    /// Keeps or removes inline `<svg>` (checked with the SVG policy). Default: kept.
    pub fn set_inline_svg(&mut self, keep: bool) {
        self.svg = keep;
        self.fixers = Arc::default();
    }

    /// Whether inline `<svg>` is kept.
    pub fn allows_inline_svg(&self) -> bool {
        self.svg
    }

    /// Whether an HTML-namespace element is kept with no check of its content (its attributes
    /// are checked with [`allows_attribute`](Self::allows_attribute)). `<style>` and `<svg>`
    /// are never "allowed" here: their content needs the CSS/SVG checks of
    /// [`sanitize_fragment`].
    pub fn allows_tag(&self, tag: &str) -> bool {
        self.tags.contains(tag)
    }

    /// Whether an attribute (lower-case name, `prefix:local` for namespaced ones) is kept on
    /// an HTML element. Its value still goes through the URL, CSS and clobbering checks.
    pub fn allows_attribute(&self, tag: &str, attr: &str) -> bool {
        self.generic_attributes.contains(attr)
            || self
                .tag_attributes
                .get(tag)
                .is_some_and(|set| set.contains(attr))
    }
}

fn check_addable_attribute(attr: &str) -> Result<(), String> {
    if attr.starts_with("on") || matches!(attr, "srcdoc" | "formaction" | "xmlns" | "is") {
        return Err(format!(
            "the attribute `{attr}` can run code and cannot be allowed"
        ));
    }
    Ok(())
}

/// The result of sanitizing one piece of markup.
#[derive(Debug, Default)]
pub struct Cleaned {
    /// The sanitized text, or `None` when the input is kept unchanged.
    pub text: Option<String>,
    /// What was found (with empty locations).
    pub findings: Vec<Finding>,
}

/// Sanitizes an HTML fragment. Clean input comes back as `text: None` (keep the original).
///
/// A changed fragment is rebuilt by ammonia from the same allowlist, then repaired by the
/// checker itself (`<style>` sheets, SVG references), re-serialized, and checked once more
/// as a browser would parse it. Should that check still object (it never has in tests), a
/// stricter ammonia pass without `<style>` and SVG is used, and as a last resort the whole
/// fragment is escaped as text.
pub fn sanitize_fragment(input: &str, allow: &HtmlAllowlist) -> Cleaned {
    let (mut observations, contained) = check(input, allow);
    if observations.is_empty() && contained {
        return Cleaned::default();
    }
    if !contained {
        observations.add(
            &rules::html::UNTERMINATED_MARKUP,
            format!("…{}", tail(input, 30)),
        );
    }
    Cleaned {
        text: Some(fix(input, allow)),
        findings: observations.into_findings(),
    }
}

/// Sanitizes HTML from a file or artifact: a whole document (it starts, after white space and
/// comments, with `<!DOCTYPE` or `<html`) stays a document, anything else is a fragment.
///
/// A file is opened by the browser as a document even when it reads like a fragment, and
/// what is inert inside a `<div>` is not always inert there (`<body onload>`, `<frameset
/// onload>`): a fragment must pass the document check too, or it becomes a sanitized document.
pub fn sanitize_html(input: &str, allow: &HtmlAllowlist) -> Cleaned {
    if is_document(input) {
        return sanitize_document(input, allow);
    }
    let mut cleaned = sanitize_fragment(input, allow);
    let as_fragment = cleaned.text.as_deref().unwrap_or(input);
    let as_document = sanitize_document(as_fragment, allow);
    if let Some(text) = as_document.text {
        cleaned.text = Some(text);
        cleaned.findings.extend(as_document.findings);
    }
    cleaned
}

/// Whether `input` is a whole HTML document rather than a fragment.
pub fn is_document(input: &str) -> bool {
    let mut rest = input.trim_start_matches(['\u{feff}', ' ', '\t', '\n', '\r', '\x0c']);
    while let Some(after) = rest.strip_prefix("<!--") {
        let Some(end) = after.find("-->") else {
            return false;
        };
        rest = after[end + 3..].trim_start();
    }
    let head: String = rest
        .chars()
        .take(9)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype")
        || head.starts_with("<html")
            && !head[5..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
}

/// Sanitizes a whole HTML document (MLflow recipe cards, plotly/bokeh exports, nbconvert
/// pages). The result stays a document: doctype, `<html>`, `<head>` with its title, charset
/// and sanitized `<style>` sheets, and `<body>`; scripts, external stylesheets, `base` and
/// `meta http-equiv` go. A clean document is kept byte for byte.
pub fn sanitize_document(input: &str, allow: &HtmlAllowlist) -> Cleaned {
    let dom = parse_document(input);
    let mut observations = walk_in(&dom, allow, false, true);
    note_malformed_end_tags(input, &mut observations);
    if observations.is_empty() {
        return Cleaned::default();
    }
    let mut text = input.to_owned();
    let mut dom = dom;
    // Repair and re-parse until the document a browser builds from the output is clean.
    for _ in 0..4 {
        walk_in(&dom, allow, true, true);
        text = serialize_document(&dom);
        dom = parse_document(&text);
        if walk_in(&dom, allow, false, true).is_empty() && !has_malformed_end_tag(&text) {
            return Cleaned {
                text: Some(text),
                findings: observations.into_findings(),
            };
        }
    }
    Cleaned {
        text: Some(format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body><pre>{}</pre></body></html>\n",
            escape_text(&text)
        )),
        findings: observations.into_findings(),
    }
}

fn parse_document(input: &str) -> RcDom {
    html5ever::parse_document(RcDom::default(), ParseOpts::default()).one(input)
}

fn serialize_document(dom: &RcDom) -> String {
    let mut out = Vec::new();
    let handle: markup5ever_rcdom::SerializableHandle = dom.document.clone().into();
    html5ever::serialize(
        &mut out,
        &handle,
        html5ever::serialize::SerializeOpts {
            traversal_scope: html5ever::serialize::TraversalScope::ChildrenOnly(None),
            ..Default::default()
        },
    )
    .expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("html5ever writes UTF-8")
}

/// Sanitizes one inline HTML tag of Markdown (`<b>`, `</b>`, `<img …>`, `<!-- … -->`): like
/// [`sanitize_fragment`], but an opening tag is not "left open": the Markdown renderer writes
/// the text after it escaped, and every later tag is checked on its own.
pub fn sanitize_inline_tag(input: &str, allow: &HtmlAllowlist) -> Cleaned {
    let observations = walk(&parse_fragment(input), allow, false);
    if observations.is_empty() {
        return Cleaned::default();
    }
    Cleaned {
        text: Some(fix(input, allow)),
        findings: observations.into_findings(),
    }
}

/// Appended to the input before parsing: it is parsed as an element only when the input ends
/// outside any tag, attribute value, comment or raw-text element, i.e. when the input cannot
/// swallow what a page puts after it (nbconvert writes outputs one after another).
const SENTINEL: &str = "<nbsanitize-end></nbsanitize-end>";
const SENTINEL_TAG: &str = "nbsanitize-end";

/// Checks `input`: its observations, and whether it is self-contained (ends in the data state).
fn check(input: &str, allow: &HtmlAllowlist) -> (Observations, bool) {
    let dom = parse_fragment(&format!("{input}{SENTINEL}"));
    let mut observations = walk(&dom, allow, false);
    // An input that names the sentinel could stand in for the one it swallowed.
    let contained = observations.sentinels == 1 && !mentions_sentinel(input);
    if !contained {
        // The sentinel was swallowed; report what the input alone contains.
        observations = walk(&parse_fragment(input), allow, false);
    }
    note_malformed_end_tags(input, &mut observations);
    note_document_context(input, allow, &mut observations);
    (observations, contained)
}

/// `<html>`, `<body>` and `<frameset>` start tags leave no trace in a fragment parse (what
/// JupyterLab's `innerHTML` does), but an exporter that writes the fragment into a page of its
/// own (nbconvert's HTML export, a report template) hands their attributes to the page's
/// `<html>` and `<body>`, or swaps the body for the frameset: `<body onload=…>` runs there.
/// When the source has such a tag with attributes, the fragment is also parsed as a page, and
/// the attributes of its `<html>`, `<head>`, `<body>` are judged as in a document; a
/// `<frameset>` is an embedding element. The fix drops these tags: ammonia serializes the
/// fragment tree, which has none of them.
fn note_document_context(input: &str, allow: &HtmlAllowlist, observations: &mut Observations) {
    if !has_document_tag_with_attributes(input) {
        return;
    }
    let dom = parse_document(input);
    let roots = dom.document.children.borrow();
    let html = roots
        .iter()
        .filter(|n| matches!(n.data, NodeData::Element { .. }));
    for root in html {
        let children = root.children.borrow();
        for node in std::iter::once(root).chain(children.iter()) {
            let NodeData::Element { name, attrs, .. } = &node.data else {
                continue;
            };
            if name.ns != ns!(html) {
                continue;
            }
            match &*name.local {
                "html" | "head" | "body" => {
                    for attr in attrs.borrow().iter() {
                        match attribute_verdict(name, &attr.name, &attr.value, allow, true) {
                            AttrVerdict::Keep => {}
                            AttrVerdict::Drop(rule, why) | AttrVerdict::Rewrite(_, rule, why) => {
                                observations.add(rule, why);
                            }
                        }
                    }
                }
                "frameset" => {
                    let rule = classify_element("frameset").expect("frameset is classified");
                    observations.add(rule, "<frameset>".to_owned());
                }
                _ => {}
            }
        }
    }
}

/// Whether the source has an `<html` or `<body` start tag followed by attributes (white space
/// or `/` after the name), or any `<frameset` start tag (a bare one still replaces the page's
/// body, with `<frame src=…>` inside), wherever it is: a false hit only costs a second parse.
fn has_document_tag_with_attributes(input: &str) -> bool {
    let bytes = input.as_bytes();
    memchr::memchr_iter(b'<', bytes).any(|at| {
        let rest = &bytes[at + 1..];
        ["html", "body", "frameset"].iter().any(|&tag| {
            rest.len() > tag.len()
                && rest[..tag.len()].eq_ignore_ascii_case(tag.as_bytes())
                && match rest[tag.len()] {
                    b'/' => true,
                    b'>' => tag == "frameset",
                    b => is_html_space(b),
                }
        })
    })
}

/// HTML's white space between a tag name and its attributes.
fn is_html_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' ')
}

/// End tags leave no trace in the tree: their malformed forms are looked for in the source.
fn note_malformed_end_tags(input: &str, observations: &mut Observations) {
    if has_malformed_end_tag(input) {
        observations.add(
            &rules::html::HIDDEN_MARKUP,
            "an end tag with attributes or a `<` in its name".into(),
        );
    }
}

/// Finds malformed end tags: with attributes (`</a<p style=...>`) or a `<` in the name
/// (`</a<script>`). The parser ignores them, so the tree (and lol_html) shows nothing, but they
/// are markup hidden from the parser (NB112). Fed the raw input chunk by chunk: a hit is a
/// finding for the checker and sends the fast path's input here. `</` inside comments,
/// attribute values and raw text can give a false hit; the checker removes those anyway.
#[derive(Default)]
pub(crate) struct EndTagScanner {
    state: EndTagState,
    /// Offset of the first malformed end tag.
    pub(crate) hit: Option<u64>,
    pos: u64,
}

#[derive(Default, Clone, Copy)]
enum EndTagState {
    #[default]
    Data,
    Lt,
    LtSlash,
    Name,
    AfterName,
}

impl EndTagScanner {
    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        use EndTagState::*;
        let mut i = 0;
        while i < chunk.len() && self.hit.is_none() {
            if let Data = self.state {
                match memchr::memchr(b'<', &chunk[i..]) {
                    Some(at) => {
                        i += at + 1;
                        self.state = Lt;
                    }
                    None => break,
                }
                continue;
            }
            let b = chunk[i];
            let space = is_html_space(b);
            self.state = match (self.state, b) {
                (Lt, b'/') => LtSlash,
                (LtSlash, b) if b.is_ascii_alphabetic() => Name,
                (Name | AfterName, b'>') => Data,
                (Name | AfterName, b'/') => AfterName,
                (Name | AfterName, _) if space => AfterName,
                // A `<` in the name, or anything but `/` and spaces after it.
                (Name, b'<') | (AfterName, _) => {
                    self.hit = Some(self.pos + i as u64);
                    Data
                }
                (Name, _) => Name,
                (_, b'<') => Lt,
                _ => Data,
            };
            i += 1;
        }
        self.pos += chunk.len() as u64;
    }
}

/// Whether `input` has a malformed end tag (see [`EndTagScanner`]).
fn has_malformed_end_tag(input: &str) -> bool {
    let mut scanner = EndTagScanner::default();
    scanner.feed(input.as_bytes());
    scanner.hit.is_some()
}

/// Whether a fragment passes the checker unchanged.
pub fn is_clean_fragment(input: &str, allow: &HtmlAllowlist) -> bool {
    let (observations, contained) = check(input, allow);
    observations.is_empty() && contained
}

/// Whether `input` has a start tag of the sentinel's name (tag names are never decoded, so
/// only a literal `<nbsanitize-end` can make one).
fn mentions_sentinel(input: &str) -> bool {
    let open = format!("<{SENTINEL_TAG}");
    input
        .as_bytes()
        .windows(open.len())
        .any(|w| w.eq_ignore_ascii_case(open.as_bytes()))
}

fn tail(s: &str, max: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    chars[chars.len().saturating_sub(max)..].iter().collect()
}

fn fix(input: &str, allow: &HtmlAllowlist) -> String {
    // ammonia with `<style>` and inline SVG first, then without; each result is repaired and
    // must pass the checker.
    for (fixer, rich) in [(&allow.fixers.rich, true), (&allow.fixers.strict, false)] {
        let cleaned = fixer.get_or_init(|| builder(allow, rich)).clean(input);
        let repaired = repair(&cleaned.to_string(), allow);
        if is_clean_fragment(&repaired, allow) {
            return repaired;
        }
    }
    escape_text(input)
}

/// Applies the checker's decisions to the tree of `html` and serializes it again.
fn repair(html: &str, allow: &HtmlAllowlist) -> String {
    let dom = parse_fragment(html);
    if walk(&dom, allow, true).is_empty() {
        return html.to_owned();
    }
    serialize_fragment(&dom)
}

fn serialize_fragment(dom: &RcDom) -> String {
    let mut out = Vec::new();
    let root = dom.document.children.borrow().first().cloned();
    if let Some(root) = root {
        for child in root.children.borrow().iter() {
            let handle: markup5ever_rcdom::SerializableHandle = child.clone().into();
            html5ever::serialize(
                &mut out,
                &handle,
                html5ever::serialize::SerializeOpts {
                    traversal_scope: html5ever::serialize::TraversalScope::IncludeNode,
                    ..Default::default()
                },
            )
            .expect("writing to a Vec cannot fail");
        }
    }
    String::from_utf8(out).expect("html5ever writes UTF-8")
}

/// The fragment as plain text: `&`, `<`, `>`, quotes escaped.
fn escape_text(input: &str) -> String {
    let mut out = String::with_capacity(input.len() + input.len() / 8);
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn parse_fragment(input: &str) -> RcDom {
    html5ever::parse_fragment(
        RcDom::default(),
        ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        vec![],
        false,
    )
    .one(input)
}

/// The ammonia builder for an allowlist; `rich` adds `<style>` and inline SVG (whose content
/// the repair pass then checks).
fn builder(allow: &HtmlAllowlist, rich: bool) -> ammonia::Builder<'static> {
    let mut tags = allow.tags.clone();
    let mut tag_attributes = allow.tag_attributes.clone();
    tag_attributes.entry("a").or_default().insert("target");
    let mut clean_content: HashSet<&'static str> = ["script"].into_iter().collect();
    if rich {
        tags.insert("style");
        tag_attributes
            .entry("style")
            .or_default()
            .extend(["type", "scoped", "media"]);
        if allow.svg {
            for &element in svg::SVG_ELEMENTS {
                tags.insert(element);
                tag_attributes
                    .entry(element)
                    .or_default()
                    .extend(svg::SVG_ATTRIBUTES.iter().copied());
            }
        }
    } else {
        clean_content.insert("style");
    }
    tags.retain(|t| !clean_content.contains(t));
    let mut b = ammonia::Builder::empty();
    b.tags(tags)
        .generic_attributes(allow.generic_attributes.clone())
        .tag_attributes(tag_attributes)
        .url_schemes(["http", "https", "mailto", "data"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some(LINK_REL))
        .clean_content_tags(clean_content)
        .strip_comments(true)
        .attribute_filter(filter_attribute);
    b
}

/// ammonia's per-attribute hook: the same value checks as [`attribute_verdict`].
pub(crate) fn filter_attribute<'u>(
    element: &str,
    attribute: &str,
    value: &'u str,
) -> Option<Cow<'u, str>> {
    if is_url_attribute(attribute) {
        if !url_is_safe(element, attribute, value) {
            return None;
        }
        if let Some(fragment) = value.strip_prefix('#')
            && is_clobbering(fragment)
        {
            return Some(Cow::Owned(format!("#{CLOBBER_PREFIX}{fragment}")));
        }
        return Some(Cow::Borrowed(value));
    }
    match attribute {
        "target" if !is_safe_target(value) => None,
        "style" => {
            let decls = css::check_declarations(value);
            if decls.is_clean() {
                Some(Cow::Borrowed(value))
            } else if decls.kept.is_empty() {
                None
            } else {
                Some(Cow::Owned(decls.kept))
            }
        }
        "id" | "name" if is_clobbering(value) => {
            Some(Cow::Owned(format!("{CLOBBER_PREFIX}{value}")))
        }
        _ => Some(Cow::Borrowed(value)),
    }
}

/// Checks an attribute of an HTML element found outside an HTML parse (XHTML inside an SVG
/// `foreignObject`), with the same rules as the HTML checker.
pub(crate) fn check_html_attribute(tag: &str, attr: &str, value: &str) -> svg::Verdict {
    let element = QualName::new(None, ns!(html), tag.into());
    let name = QualName::new(None, ns!(), attr.into());
    match attribute_verdict(&element, &name, value, &HtmlAllowlist::default(), false) {
        AttrVerdict::Keep => svg::Verdict::Keep,
        AttrVerdict::Drop(rule, _) => svg::Verdict::Drop(rule),
        AttrVerdict::Rewrite(value, rule, _) => svg::Verdict::Rewrite(value, rule),
    }
}

/// Records what the fragment checker finds in one attribute of an HTML element (for the
/// streaming fast path, `sanitize::stream`, which reads attributes without a tree).
pub(crate) fn record_attribute(
    element: &QualName,
    name: &QualName,
    value: &str,
    allow: &HtmlAllowlist,
    seen: &mut Observations,
) {
    match attribute_verdict(element, name, value, allow, false) {
        AttrVerdict::Keep => {}
        AttrVerdict::Drop(rule, example) | AttrVerdict::Rewrite(_, rule, example) => {
            seen.add(rule, example);
        }
    }
}

/// What the fragment repair pass does to an attribute ammonia kept with `value`: kept as is,
/// rewritten, or dropped (`None`).
pub(crate) fn repaired_attribute<'u>(
    element: &QualName,
    name: &QualName,
    value: Cow<'u, str>,
    allow: &HtmlAllowlist,
) -> Option<Cow<'u, str>> {
    match attribute_verdict(element, name, &value, allow, false) {
        AttrVerdict::Keep => Some(value),
        AttrVerdict::Drop(..) => None,
        AttrVerdict::Rewrite(new, ..) => Some(Cow::Owned(new)),
    }
}

/// The keyword targets are kept: `_blank` opens a new tab without an opener (browsers imply
/// `noopener`), `_self`/`_parent`/`_top` navigate on a click, to a URL checked like any other
/// ("Open in Colab" badges use `_parent`). Named targets could reach other windows by name.
fn is_safe_target(value: &str) -> bool {
    let value = value.trim();
    ["_blank", "_self", "_parent", "_top"]
        .iter()
        .any(|t| value.eq_ignore_ascii_case(t))
}

fn is_url_attribute(attribute: &str) -> bool {
    URL_ATTRIBUTES.contains(&attribute)
}

fn is_clobbering(value: &str) -> bool {
    CLOBBER_NAMES.contains(&value.trim())
}

/// Whether a URL attribute value is safe once decoded as a browser decodes it: entities are
/// already decoded by the parser; tabs and newlines are removed and leading/trailing control
/// characters and spaces trimmed (WHATWG URL parser); percent-encoded schemes are decoded too.
pub fn url_is_safe(element: &str, attribute: &str, value: &str) -> bool {
    let cleaned: String = value
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    // Browsers trim only C0 controls and spaces; other Unicode spaces and invisible
    // characters are trimmed here too, to be safe when a value is re-parsed elsewhere.
    let cleaned = cleaned.trim_matches(is_trimmed);
    let decoded = percent_encoding::percent_decode_str(cleaned).decode_utf8_lossy();
    scheme_is_safe(element, attribute, cleaned) && scheme_is_safe(element, attribute, &decoded)
}

fn is_trimmed(c: char) -> bool {
    c <= ' '
        || c.is_whitespace()
        || matches!(
            c,
            '\u{200B}'..='\u{200F}' | '\u{180E}' | '\u{2060}' | '\u{FEFF}'
        )
}

fn scheme_is_safe(element: &str, attribute: &str, url: &str) -> bool {
    let url = url.trim_matches(is_trimmed);
    let Some(scheme) = scheme_of(url) else {
        return true; // relative
    };
    match scheme.as_str() {
        "http" | "https" => true,
        // Jupyter resolves `attachment:NAME` to the cell's own (sanitized) attachment.
        "attachment" => true,
        "mailto" => element == "a" || element == "area",
        "data" => {
            let media = url[5..].trim_start().to_ascii_lowercase();
            match (element, attribute) {
                ("img", "src") | ("video", "poster") => media.starts_with("image/"),
                // IPython.display.Audio/Video embed their data this way.
                ("audio" | "video" | "source", "src") => {
                    media.starts_with("audio/") || media.starts_with("video/")
                }
                _ => false,
            }
        }
        _ => false,
    }
}

/// The URL's scheme, lower-cased, if it has one.
pub(crate) fn scheme_of(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let candidate = &url[..colon];
    let mut chars = candidate.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic()
        || !chars.all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    {
        return None;
    }
    Some(candidate.to_ascii_lowercase())
}

/// What the checker saw, grouped by rule: rule → examples.
#[derive(Default)]
pub(crate) struct Observations {
    by_rule: BTreeMap<&'static str, (&'static Rule, usize, BTreeSet<String>)>,
    /// How many end-of-input sentinel elements the walk met (see [`SENTINEL`]).
    sentinels: usize,
}

impl Observations {
    pub(crate) fn add(&mut self, rule: &'static Rule, example: String) {
        let entry = self
            .by_rule
            .entry(rule.code)
            .or_insert((rule, 0, BTreeSet::new()));
        entry.1 += 1;
        if entry.2.len() < 5 {
            entry.2.insert(example);
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.by_rule.is_empty()
    }

    pub(crate) fn into_findings(self) -> Vec<Finding> {
        self.by_rule
            .into_values()
            .map(|(rule, count, examples)| {
                let examples: Vec<_> = examples.into_iter().collect();
                let what = if count == 1 {
                    examples.join(", ")
                } else {
                    format!("{count} × {}", examples.join(", "))
                };
                let action = match rule.code {
                    "NB108" => Action::Neutralized,
                    "NB106" => Action::Sanitized,
                    _ => Action::Removed,
                };
                Finding::new(
                    rule,
                    action,
                    format!("{}: {what}", rule.summary().trim_end_matches('.')),
                )
            })
            .collect()
    }
}

/// The rule a disallowed HTML element falls under, when it is one of the named families.
pub(crate) fn classify_element(tag: &str) -> Option<&'static Rule> {
    Some(match tag {
        "script" => &rules::html::SCRIPT_ELEMENT,
        "iframe" | "frame" | "frameset" | "object" | "embed" | "applet" | "portal"
        | "fencedframe" | "param" => &rules::html::EMBEDDED_CONTENT,
        "form" | "input" | "button" | "select" | "textarea" | "option" | "optgroup"
        | "datalist" | "output" | "keygen" | "fieldset" | "legend" | "isindex" => {
            &rules::html::FORM_CONTROL
        }
        "base" | "meta" | "link" | "head" | "title" | "html" | "body" => {
            &rules::html::DOCUMENT_METADATA
        }
        "style" => &rules::html::UNSAFE_CSS,
        _ => return None,
    })
}

/// What happens to one element.
enum ElementVerdict {
    /// Kept (its attributes and content are checked on their own).
    Keep,
    /// Removed, its children moved up into its place (ammonia's default for disallowed tags).
    Unwrap(&'static Rule, String),
    /// Removed with everything inside it.
    Remove(&'static Rule, String),
}

/// What happens to one attribute.
enum AttrVerdict {
    Keep,
    Drop(&'static Rule, String),
    Rewrite(String, &'static Rule, String),
}

/// Walks the parsed fragment (iteratively: input may nest 100,000 levels) and records every
/// element, attribute, URL and style the allowlist does not accept. With `repair`, the tree is
/// changed so that it contains only what the checker accepts.
fn walk(dom: &RcDom, allow: &HtmlAllowlist, repair: bool) -> Observations {
    walk_in(dom, allow, repair, false)
}

/// [`walk`], for a fragment (`document: false`) or a whole document.
fn walk_in(dom: &RcDom, allow: &HtmlAllowlist, repair: bool, document: bool) -> Observations {
    let mut seen = Observations::default();
    // A fragment parse puts the nodes under a synthetic <html> element; a document's doctype
    // and <html> are checked like any other node.
    let mut parents: Vec<Handle> = if document {
        vec![dom.document.clone()]
    } else {
        dom.document.children.borrow().iter().cloned().collect()
    };
    while let Some(parent) = parents.pop() {
        let children: Vec<Handle> = parent.children.borrow().clone();
        let mut queue: std::collections::VecDeque<Handle> = children.into();
        let mut kept: Vec<Handle> = Vec::with_capacity(queue.len());
        let mut changed = false;
        while let Some(node) = queue.pop_front() {
            let NodeData::Element {
                name,
                attrs,
                template_contents,
                ..
            } = &node.data
            else {
                if let NodeData::Comment { contents } = &node.data
                    && contents.contains('<')
                {
                    seen.add(&rules::html::HIDDEN_MARKUP, comment_example(contents));
                    changed = true;
                    continue;
                }
                kept.push(node);
                continue;
            };
            if name.ns == ns!(html)
                && &*name.local == SENTINEL_TAG
                && attrs.borrow().is_empty()
                && node.children.borrow().is_empty()
            {
                seen.sentinels += 1;
                kept.push(node);
                continue;
            }
            match element_verdict(name, &node, allow, &mut seen, repair, document) {
                ElementVerdict::Keep => {
                    let mut attrs = attrs.borrow_mut();
                    let mut i = 0;
                    while i < attrs.len() {
                        let attr = &attrs[i];
                        match attribute_verdict(name, &attr.name, &attr.value, allow, document) {
                            AttrVerdict::Keep => i += 1,
                            AttrVerdict::Drop(rule, why) => {
                                seen.add(rule, why);
                                if repair {
                                    attrs.remove(i);
                                } else {
                                    i += 1;
                                }
                            }
                            AttrVerdict::Rewrite(value, rule, why) => {
                                seen.add(rule, why);
                                if repair {
                                    attrs[i].value = value.into();
                                }
                                i += 1;
                            }
                        }
                    }
                    drop(attrs);
                    if let Some(contents) = template_contents.borrow().as_ref() {
                        parents.push(contents.clone());
                    }
                    parents.push(node.clone());
                    kept.push(node);
                }
                ElementVerdict::Unwrap(rule, why) => {
                    seen.add(rule, why);
                    changed = true;
                    let mut inner: Vec<Handle> = node.children.borrow().clone();
                    if let Some(contents) = template_contents.borrow().as_ref() {
                        inner.extend(contents.children.borrow().iter().cloned());
                    }
                    for child in inner.into_iter().rev() {
                        queue.push_front(child);
                    }
                }
                ElementVerdict::Remove(rule, why) => {
                    seen.add(rule, why);
                    changed = true;
                }
            }
        }
        if repair && changed {
            *parent.children.borrow_mut() = kept;
        }
    }
    seen
}

/// A comment as a finding shows it: its first characters.
pub(crate) fn comment_example(contents: &str) -> String {
    let head: String = contents.chars().take(24).collect();
    if head.len() < contents.len() {
        format!("<!--{head}…-->")
    } else {
        format!("<!--{head}-->")
    }
}

/// Decides an element by namespace and name; `<style>` content is checked (and in `repair`
/// mode replaced) here.
fn element_verdict(
    name: &QualName,
    node: &Handle,
    allow: &HtmlAllowlist,
    seen: &mut Observations,
    repair: bool,
    document: bool,
) -> ElementVerdict {
    let tag: &str = &name.local;
    if name.ns == ns!(html) {
        if tag == "style" {
            return style_verdict(node, seen, repair, document);
        }
        if document {
            match tag {
                "html" | "head" | "body" | "title" => return ElementVerdict::Keep,
                "meta" => return meta_verdict(node),
                _ => {}
            }
        }
        if allow.allows_tag(tag) {
            return ElementVerdict::Keep;
        }
        let rule = classify_element(tag).unwrap_or(&rules::html::DISALLOWED_ELEMENT);
        return if tag == "script" {
            ElementVerdict::Remove(rule, format!("<{tag}>"))
        } else {
            ElementVerdict::Unwrap(rule, format!("<{tag}>"))
        };
    }
    if name.ns == ns!(svg) && allow.svg {
        return match tag {
            "script" => ElementVerdict::Remove(&rules::svg::SVG_SCRIPT, "<svg:script>".into()),
            "style" => style_verdict(node, seen, repair, document),
            _ if svg::allows_element(tag) => ElementVerdict::Keep,
            _ => ElementVerdict::Remove(&rules::svg::SVG_DISALLOWED, format!("<svg:{tag}>")),
        };
    }
    let rule = if tag == "script" {
        &rules::svg::SVG_SCRIPT
    } else {
        &rules::svg::SVG_DISALLOWED
    };
    ElementVerdict::Remove(rule, format!("<{tag}>"))
}

/// In a document, `<meta>` may state the charset, the viewport and descriptive names; any
/// `http-equiv` but `content-type` (refresh, set-cookie, CSP changes) removes it.
fn meta_verdict(node: &Handle) -> ElementVerdict {
    let NodeData::Element { attrs, .. } = &node.data else {
        return ElementVerdict::Keep;
    };
    for attr in attrs.borrow().iter() {
        if &*attr.name.local == "http-equiv"
            && !attr.value.trim().eq_ignore_ascii_case("content-type")
        {
            return ElementVerdict::Remove(
                &rules::html::DOCUMENT_METADATA,
                format!("<meta http-equiv=\"{}\">", truncate(&attr.value, 30)),
            );
        }
    }
    ElementVerdict::Keep
}

/// A `<style>` element (HTML or SVG) is kept when its text is a clean style sheet; in
/// `repair` mode a sheet with unsafe parts is replaced by what [`css::check_stylesheet`] keeps.
fn style_verdict(
    node: &Handle,
    seen: &mut Observations,
    repair: bool,
    document: bool,
) -> ElementVerdict {
    let mut text = String::new();
    for child in node.children.borrow().iter() {
        match &child.data {
            NodeData::Text { contents } => text.push_str(&contents.borrow()),
            NodeData::Comment { .. } => {}
            _ => {
                return ElementVerdict::Remove(
                    &rules::html::UNSAFE_CSS,
                    "markup inside <style>".into(),
                );
            }
        }
    }
    // In a fragment, `<` has no place in a kept sheet (even in a comment): should the element
    // ever land in foreign content (a page that leaves an `<svg>` open before it), it would
    // become markup. The sheet is then re-serialized without comments. A document stands
    // alone, but `</` goes there too: it reads as a malformed end tag (NB112) to the source
    // scan, which cannot tell raw text from markup.
    let sheet = css::check_stylesheet(&text);
    let angle = if document {
        text.contains("</")
    } else {
        text.contains('<')
    };
    if sheet.is_clean() && !angle {
        return ElementVerdict::Keep;
    }
    if angle {
        seen.add(&rules::html::UNSAFE_CSS, "`<` inside <style>".into());
    }
    for removed in &sheet.removed {
        seen.add(
            &rules::html::UNSAFE_CSS,
            format!("`{}` in <style>", truncate(removed, 40)),
        );
    }
    // The kept sheet is written back as raw text: it must not be able to close the element.
    if sheet.kept.trim().is_empty() || sheet.kept.contains('<') {
        return ElementVerdict::Remove(&rules::html::UNSAFE_CSS, "<style>".into());
    }
    if repair {
        let mut children = node.children.borrow_mut();
        children.retain(|c| matches!(c.data, NodeData::Text { .. }));
        children.truncate(1);
        if let Some(NodeData::Text { contents }) = children.first().map(|c| &c.data) {
            *contents.borrow_mut() = sheet.kept.as_str().into();
        }
    }
    ElementVerdict::Keep
}

fn attribute_verdict(
    element: &QualName,
    name: &QualName,
    value: &str,
    allow: &HtmlAllowlist,
    document: bool,
) -> AttrVerdict {
    let verdict = value_verdict(element, name, value, allow, document);
    // Whatever else is wrong with it is reported first; a value that would be kept must not
    // hide a tag.
    let kept = match &verdict {
        AttrVerdict::Keep => value,
        AttrVerdict::Rewrite(new, ..) => new.as_str(),
        AttrVerdict::Drop(..) => return verdict,
    };
    if holds_markup(kept) {
        return AttrVerdict::Drop(
            &rules::html::HIDDEN_MARKUP,
            format!(
                "{}=\"{}\" on <{}>",
                name.local,
                truncate(value, 40),
                element.local
            ),
        );
    }
    verdict
}

/// [`attribute_verdict`] before the hidden-markup check.
fn value_verdict(
    element: &QualName,
    name: &QualName,
    value: &str,
    allow: &HtmlAllowlist,
    document: bool,
) -> AttrVerdict {
    let tag: &str = &element.local;
    if document && element.ns == ns!(html) {
        let ok = match tag {
            "meta" => matches!(
                &*name.local,
                "charset" | "name" | "content" | "http-equiv" | "property"
            ),
            "html" => matches!(&*name.local, "xmlns" | "lang" | "dir"),
            _ => false,
        };
        if ok {
            return AttrVerdict::Keep;
        }
    }
    let attr: String = match &name.prefix {
        Some(prefix) => format!("{prefix}:{}", name.local),
        None => name.local.to_string(),
    };
    let where_ = || format!("{attr} on <{tag}>");
    if attr.len() > 2 && attr.as_bytes()[..2].eq_ignore_ascii_case(b"on") {
        let rule = if element.ns == ns!(html) {
            &rules::html::EVENT_HANDLER
        } else {
            &rules::svg::SVG_SCRIPT
        };
        return AttrVerdict::Drop(rule, where_());
    }
    if tag == "a" && attr == "rel" && value == LINK_REL {
        return AttrVerdict::Keep; // what ammonia writes on links it rewrites
    }
    let clobbering = (attr == "id" || attr == "name") && is_clobbering(value);
    let unclobber = || {
        AttrVerdict::Rewrite(
            format!("{CLOBBER_PREFIX}{}", value.trim()),
            &rules::html::DOM_CLOBBERING,
            format!("{attr}=\"{value}\" on <{tag}>"),
        )
    };
    if element.ns == ns!(svg) {
        if attr == "id" && clobbering {
            return unclobber();
        }
        let ns = if name.ns == ns!(xlink) {
            svg::AttrNs::Xlink
        } else if name.ns == ns!(xml) {
            svg::AttrNs::Xml
        } else if name.ns == ns!(xmlns) {
            svg::AttrNs::Xmlns
        } else if name.ns == ns!() && !name.local.contains(':') {
            svg::AttrNs::None
        } else {
            svg::AttrNs::Other
        };
        return match svg::check_attribute(tag, ns, &name.local, value) {
            svg::Verdict::Keep => AttrVerdict::Keep,
            svg::Verdict::Drop(rule) => AttrVerdict::Drop(rule, where_()),
            svg::Verdict::Rewrite(new, rule) => AttrVerdict::Rewrite(new, rule, where_()),
        };
    }
    if tag == "style" && matches!(attr.as_str(), "type" | "scoped" | "media") {
        return match attr.as_str() {
            "type" if !value.trim().eq_ignore_ascii_case("text/css") && !value.is_empty() => {
                AttrVerdict::Drop(
                    &rules::html::UNSAFE_CSS,
                    format!("type=\"{value}\" on <style>"),
                )
            }
            "media"
                if !css::check_stylesheet(&format!("@media {value} {{ a {{ color: red }} }}"))
                    .is_clean() =>
            {
                AttrVerdict::Drop(
                    &rules::html::UNSAFE_CSS,
                    format!("media=\"{value}\" on <style>"),
                )
            }
            _ => AttrVerdict::Keep,
        };
    }
    // `target` is not on the allowlist (a streaming checker that only asks
    // [`HtmlAllowlist::allows_attribute`] drops it); `_blank` alone is kept here.
    if tag == "a" && attr == "target" {
        return if is_safe_target(value) {
            AttrVerdict::Keep
        } else {
            AttrVerdict::Drop(
                &rules::html::DISALLOWED_ATTRIBUTE,
                format!("target=\"{}\" on <{tag}>", truncate(value, 40)),
            )
        };
    }
    if !allow.allows_attribute(tag, &attr) {
        return AttrVerdict::Drop(&rules::html::DISALLOWED_ATTRIBUTE, where_());
    }
    if clobbering {
        return unclobber();
    }
    if is_url_attribute(&attr) {
        if !url_is_safe(tag, &attr, value) {
            return AttrVerdict::Drop(
                &rules::html::UNSAFE_URL,
                format!("{attr}=\"{}\" on <{tag}>", truncate(value, 40)),
            );
        }
        return AttrVerdict::Keep;
    }
    if attr == "style" {
        let decls = css::check_declarations(value);
        if !decls.is_clean() {
            let why = format!("`{}` on <{tag}>", truncate(&decls.removed.join("; "), 40));
            return if decls.kept.is_empty() {
                AttrVerdict::Drop(&rules::html::UNSAFE_CSS, why)
            } else {
                AttrVerdict::Rewrite(decls.kept, &rules::html::UNSAFE_CSS, why)
            };
        }
    }
    AttrVerdict::Keep
}

/// Whether an attribute value holds a tag: `<` followed by a letter, `/`, `!` or `?`.
fn holds_markup(value: &str) -> bool {
    memchr::memchr_iter(b'<', value.as_bytes()).any(|at| {
        value
            .as_bytes()
            .get(at + 1)
            .is_some_and(|next| next.is_ascii_alphabetic() || matches!(next, b'/' | b'!' | b'?'))
    })
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clean(html: &str) -> (String, Vec<&'static str>) {
        let out = sanitize_fragment(html, &HtmlAllowlist::default());
        let codes = out.findings.iter().map(|f| f.rule.code).collect();
        (out.text.unwrap_or_else(|| html.to_owned()), codes)
    }

    #[test]
    fn markup_hidden_in_comments_attributes_and_end_tags_goes() {
        // Plain comments and a `<` that opens no tag stay, byte for byte.
        for kept in [
            "<p>a</p><!-- generated by pandas -->",
            "<p title=\"x < 5 and y <= 6\">a</p>",
            "<p>a</p ><b>b</b\n>",
        ] {
            assert_eq!(clean(kept), (kept.to_owned(), vec![]), "{kept}");
        }
        for (input, expected) in [
            ("</<script>alert(1)</script>", "alert(1)"),
            (
                "<p>a</p><!--[if IE]><script>x</script><![endif]-->",
                "<p>a</p>",
            ),
            (
                "<p title=\"</noscript><img src=x onerror=alert(1)>\">a</p>",
                "<p>a</p>",
            ),
            ("<b>a</b><?xml <x>?>", "<b>a</b>?&gt;"),
            ("</a<script>alert(1)</script>", "alert(1)"),
            ("<b>a</b x=\"javascript:1\">", "<b>a</b>"),
        ] {
            assert_eq!(
                clean(input),
                (expected.to_owned(), vec!["NB112"]),
                "{input}"
            );
        }
        // In a document, a sheet holding `</` goes (the source scan cannot tell it from a
        // malformed end tag); the document is repaired, not escaped, and stays repaired.
        let doc = "<!DOCTYPE html><html><head><style>p::after { content: \"</b c>\" }</style></head><body><p>x</p></body></html>";
        let fixed = sanitize_document(doc, &HtmlAllowlist::default())
            .text
            .expect("changed");
        assert!(
            !fixed.contains("<style") && fixed.contains("<p>x</p>"),
            "{fixed}"
        );
        let again = sanitize_document(&fixed, &HtmlAllowlist::default());
        assert!(again.text.is_none(), "{:?}", again.findings);
    }

    #[test]
    fn pandas_table_is_kept_byte_for_byte() {
        let table = "<div>\n<table border=\"1\" class=\"dataframe\">\n  <thead>\n    <tr style=\"text-align: right;\">\n      <th></th>\n      <th>a</th>\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <th>0</th>\n      <td>1 &lt; 2 &amp; x</td>\n    </tr>\n  </tbody>\n</table>\n</div>";
        let out = sanitize_fragment(table, &HtmlAllowlist::default());
        assert!(out.text.is_none(), "{:?}", out.findings);
    }

    #[test]
    fn removes_scripts_handlers_and_bad_urls() {
        let (out, codes) = clean(
            "<div>ok<script>alert(1)</script><img src=x onerror=alert(1)><a href=\"jav&#x09;ascript:alert(1)\">x</a></div>",
        );
        assert_eq!(
            out,
            "<div>ok<img src=\"x\"><a rel=\"noopener noreferrer\">x</a></div>"
        );
        assert_eq!(codes, vec!["NB101", "NB102", "NB103"]);
    }

    #[test]
    fn output_is_idempotent() {
        for input in [
            "<p id=location style=\"color: red; background: url(javascript:x)\">x</p><a href=\"#location\">l</a>",
            "<svg><script>alert(1)</script></svg><math><mi>x</mi></math>",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
            "<form><input name=cookie></form><iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        ] {
            let (once, codes) = clean(input);
            assert!(!codes.is_empty(), "{input}");
            let (twice, again) = clean(&once);
            assert_eq!(once, twice, "{input}");
            assert!(again.is_empty(), "{input} -> {once}: {again:?}");
        }
    }

    #[test]
    fn dom_clobbering_is_prefixed_and_links_follow() {
        let (out, codes) = clean("<p id=\"cookie\">x</p><a href=\"#cookie\">c</a>");
        assert_eq!(codes, vec!["NB108"]);
        assert!(out.contains("id=\"user-content-cookie\""), "{out}");
        assert!(out.contains("href=\"#user-content-cookie\""), "{out}");
    }

    #[test]
    fn url_checks_decode_and_allow_images() {
        assert!(url_is_safe("img", "src", "data:image/png;base64,AAAA"));
        assert!(!url_is_safe(
            "a",
            "href",
            "data:text/html,<script>alert(1)</script>"
        ));
        assert!(!url_is_safe("a", "href", " \u{1}javascript:alert(1)"));
        assert!(!url_is_safe("a", "href", "java\nscript:alert(1)"));
        assert!(!url_is_safe("a", "href", "javascript%3Aalert(1)"));
        assert!(!url_is_safe("a", "href", "vbscript:msgbox"));
        assert!(url_is_safe("a", "href", "https://example.org/a?b=c#d"));
        assert!(url_is_safe("a", "href", "./relative/path:with-colon"));
        assert!(url_is_safe("a", "href", "#section"));
        assert!(url_is_safe("img", "src", "attachment:image.png"));
        assert!(url_is_safe(
            "source",
            "src",
            "data:audio/wav;base64,UklGRg=="
        ));
        assert!(!url_is_safe("source", "src", "data:text/html,x"));
        assert!(!url_is_safe("a", "href", "data:audio/wav;base64,UklGRg=="));
    }

    /// Known bypass classes (PortSwigger cheat sheet, DOMPurify and ammonia test vectors).
    pub(crate) const VECTORS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=x oNeRrOr=alert(1)//",
        "<svg onload=alert(1)>",
        "<svg><script>alert(1)</script></svg>",
        "<svg><script href=data:,alert(1) />",
        "<svg><a xlink:href=\"javascript:alert(1)\"><text x=20 y=20>x</text></a></svg>",
        "<svg><a><set attributeName=href to=javascript:alert(1) /><text>x</text></a></svg>",
        "<svg><animate xlink:href=#x attributeName=href values=javascript:alert(1) /><a id=x><text>x</text></a></svg>",
        "<svg><use href=\"data:image/svg+xml,&lt;svg id='x' xmlns='http://www.w3.org/2000/svg'&gt;&lt;image href='1' onerror='alert(1)' /&gt;&lt;/svg&gt;#x\" /></svg>",
        "<svg><foreignObject><iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe></foreignObject></svg>",
        "<svg><style><img src=x onerror=alert(1)></style></svg>",
        "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
        "<math><mi><style><img src=x onerror=alert(1)></style></mi></math>",
        "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
        "<template><script>alert(1)</script></template>",
        "<select><template><style><img src=x onerror=alert(1)></style></template></select>",
        "<textarea></textarea><img src=x onerror=alert(1)></textarea>",
        "<xmp><img src=x onerror=alert(1)></xmp>",
        "<plaintext><img src=x onerror=alert(1)>",
        "<iframe src=javascript:alert(1)></iframe>",
        "<iframe srcdoc=\"&lt;img src=x onerror=alert(1)&gt;\"></iframe>",
        "<object data=\"data:text/html,<script>alert(1)</script>\"></object>",
        "<embed src=\"javascript:alert(1)\">",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)\">x</a>",
        "<a href=\"&#x6A;avascript&colon;alert(1)\">x</a>",
        "<a href=\"\x01\x02 javascript:alert(1)\">x</a>",
        "<a href=\"java\tscript:alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "<a href=\"https://ok\" target=\"opener\">x</a>",
        "<img src=\"data:text/html,<script>alert(1)</script>\">",
        "<img srcset=\"javascript:alert(1) 1x\">",
        "<map name=m><area href=javascript:alert(1) shape=default></map><img usemap=#m src=x>",
        "<form action=javascript:alert(1)><button>x</button></form>",
        "<button formaction=javascript:alert(1)>x</button>",
        "<input autofocus onfocus=alert(1)>",
        "<details open ontoggle=alert(1)>",
        "<base href=\"javascript:alert(1)//\">",
        "<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">",
        "<link rel=stylesheet href=\"https://evil/x.css\">",
        "<style>@import 'https://evil/x.css';</style>",
        "<style>td{background:url(javascript:alert(1))}</style>",
        "<style>*{behavior:url(x.htc)}td{color:red}</style>",
        "<style>x{}</style><style>td{-moz-binding:url(x.xml#xss)}</style>",
        "<style></style><img src=x onerror=alert(1)></style>",
        "<div style=\"background:url(javascript:alert(1))\">x</div>",
        "<div style=\"width: expression(alert(1))\">x</div>",
        "<div style=\"position: fixed; top: 0; left: 0; width: 100%; height: 100%\">x</div>",
        "<p id=\"cookie\">x</p><img name=\"getElementById\" src=x>",
        "<a id=\"location\" href=\"#location\">x</a>",
        "<svg><g id=\"location\"></g></svg>",
        "<table><tr><td><svg><desc><table><tr><td><svg><style><img src=x onerror=alert(1)></style></svg></td></tr></table></desc></svg></td></tr></table>",
        "<svg><title><style><img src=x onerror=alert(1)></style></title></svg>",
        "<svg><image href=\"https://evil/track.png\" /></svg>",
        "<svg><rect fill=\"url(https://evil/p.svg#g)\" /></svg>",
        "<svg><g><h1>break</h1><img src=x onerror=alert(1)></g></svg>",
        "<!--><img src=x onerror=alert(1)>-->",
        "<!-- --!><img src=x onerror=alert(1)> -->",
        "<a href=\"https://ok\" ping=\"https://evil\">x</a>",
        "<portal src=https://evil></portal>",
        "<marquee onstart=alert(1)>x</marquee>",
        "<video><source onerror=alert(1)></video>",
        "<audio src=x onerror=alert(1)></audio><video poster=javascript:alert(1)></video>",
        "<video><source src=\"data:text/html,<script>alert(1)</script>\"></video>",
        // Unicode spaces and invisible characters before the scheme.
        "<a href=\"\u{2028}javascript:alert(1)\">x</a>",
        "<a href=\"&#xA0;javascript:alert(1)\">x</a>",
        "<a href=\"&#x200B;javascript:alert(1)\">x</a>",
        "<a href=\"&#x3000;javascript:alert(1)\">x</a>",
        // Clobbering the members sanitizers and page code read from forms and elements.
        "<img src=x name=attributes><form><input name=submit></form>",
        "<p id=namespaceURI>x</p><p id=firstElementChild>y</p>",
        // Style sheets that hide rules inside selectors and comments.
        "<style>p[a=b{}*{color:red}]{color:green}</style>",
        "<style>*{color:red}<!--</style><img src=x onerror=alert(1)>-->",
        "<div style=\"content:url(data:image/svg+xml,%3Csvg/%3E);color:red\">x</div>",
        "<svg><image style='filter:url(\"data:image/svg+xml,<svg><script>alert(1)</script></svg>\")'/></svg>",
        // Animations that swap in a script URL at run time.
        "<svg><a href=\"?\"><circle r=\"400\"/><animate attributeName=\"href\" from=\"javascript:alert(1)\" to=\"&amp;\"/></a></svg>",
        "<svg><set attributeName=\"onmouseover\" to=\"alert(1)\"/><animate attributeName=\"onunload\" to=\"alert(1)\"/></svg>",
        // Nesting and namespace confusion.
        "<svg></p><textarea><title><style></textarea><img src=x onerror=alert(1)></style></title></svg>",
        "<math><mtext><h1><a><h6></a></h6><mglyph><svg><mtext><style><a title=\"</style><img src onerror='alert(1)'>\"></style></h1>",
        "a<svg><xss><desc><noscript>&lt;/noscript>&lt;/desc>&lt;s>&lt;style>&lt;a title=\"&lt;/style>&lt;img src onerror=alert(1)>\">",
        "<svg><foreignobject><p><style><p title=\"</style><iframe onload&#x3d;alert(1)<!--\"></style>",
        "<math><annotation-xml encoding=\"text/html\"><p><style><p title=\"</style><iframe onload&#x3d;alert(1)<!--\"></style>",
        "<xmp><svg><b><style><b title='</style><img>'>",
        "<noembed><svg><b><style><b title='</style><img>'>",
        "<option><style></option></select><b><img src=x onerror=alert(1)></style></option>",
        "<b><style><style/><img src=x onerror=alert(1)>",
        "<textarea>x</textarea><!--</textarea><img src=x onerror=alert(1)>-->",
        "<svg><![CDATA[><image xlink:href=\"]]><img src=x onerror=alert(2)//\"></svg>",
        "<div><head><base href=\"javascript://\"/></head><a href=\"/. /,alert(1)//#\">x</a></div>",
        "<img src=x id/=' onerror=alert(1)//'>",
        // A fragment that supplies its own end-of-input sentinel before an open tag.
        "<nbsanitize-end></nbsanitize-end><iframe srcdoc=\"",
        "<NBSANITIZE-END><img src=x onerror=alert(1)//",
    ];

    #[test]
    fn every_vector_is_fixed_and_the_fix_passes_the_checker() {
        for input in VECTORS {
            let out = sanitize_fragment(input, &HtmlAllowlist::default());
            assert!(!out.findings.is_empty(), "{input}: no findings");
            let text = out.text.unwrap_or_else(|| panic!("{input}: kept"));
            let again = sanitize_fragment(&text, &HtmlAllowlist::default());
            assert!(
                again.text.is_none() && again.findings.is_empty(),
                "{input} -> {text}: {:?}",
                again.findings
            );
            assert_no_executable(&text);
            assert_no_executable(&format!("{text}<img src=x title=\"a\">"));
        }
    }

    /// A URL as the WHATWG URL parser sees its scheme: C0 controls and spaces trimmed, tabs
    /// and newlines removed, lower-cased.
    fn effective_url(value: &str) -> String {
        value
            .trim_matches(|c: char| c <= ' ')
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .collect::<String>()
            .to_ascii_lowercase()
    }

    /// No script element, event handler or script URL in the tree a browser builds from `html`.
    pub(crate) fn assert_no_executable(html: &str) {
        let dom = parse_fragment(html);
        let mut stack: Vec<Handle> = vec![dom.document.clone()];
        while let Some(node) = stack.pop() {
            if let NodeData::Element {
                name,
                attrs,
                template_contents,
                ..
            } = &node.data
            {
                assert!(&*name.local != "script", "script in {html}");
                assert!(
                    !matches!(
                        &*name.local,
                        "iframe" | "object" | "embed" | "base" | "meta"
                    ),
                    "<{}> in {html}",
                    name.local
                );
                for attr in attrs.borrow().iter() {
                    let local: String = attr.name.local.to_string().to_ascii_lowercase();
                    assert!(!local.starts_with("on"), "{local} in {html}");
                    assert!(
                        !matches!(local.as_str(), "srcdoc" | "formaction" | "srcset"),
                        "{local} in {html}"
                    );
                    let value = effective_url(&attr.value);
                    let decoded = percent_encoding::percent_decode_str(&value)
                        .decode_utf8_lossy()
                        .to_string();
                    for v in [&value, &decoded] {
                        assert!(!v.starts_with("javascript:"), "{} in {html}", attr.value);
                        assert!(!v.starts_with("vbscript:"), "{} in {html}", attr.value);
                        assert!(!v.starts_with("data:text/html"), "{} in {html}", attr.value);
                    }
                    if local == "style" {
                        assert!(css::check_declarations(&attr.value).is_clean(), "{html}");
                    }
                }
                if let Some(contents) = template_contents.borrow().as_ref() {
                    stack.push(contents.clone());
                }
                if &*name.local == "style" {
                    let text: String = node
                        .children
                        .borrow()
                        .iter()
                        .filter_map(|c| match &c.data {
                            NodeData::Text { contents } => Some(contents.borrow().to_string()),
                            _ => None,
                        })
                        .collect();
                    assert!(css::check_stylesheet(&text).is_clean(), "{html}");
                }
            }
            stack.extend(node.children.borrow().iter().cloned());
        }
    }

    #[test]
    fn style_blocks_are_kept_when_clean_and_rewritten_when_not() {
        let styler = "<style type=\"text/css\">\n#T_ab12_row0_col0, #T_ab12_row1_col1 {\n  background-color: #ffff00;\n}\n</style>\n<table id=\"T_ab12\">\n  <thead>\n    <tr>\n      <th class=\"blank level0\" >&nbsp;</th>\n      <th id=\"T_ab12_level0_col0\" class=\"col_heading level0 col0\" >a</th>\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <th id=\"T_ab12_level0_row0\" class=\"row_heading level0 row0\" >0</th>\n      <td id=\"T_ab12_row0_col0\" class=\"data row0 col0\" >1</td>\n    </tr>\n  </tbody>\n</table>\n";
        assert!(
            sanitize_fragment(styler, &HtmlAllowlist::default())
                .text
                .is_none()
        );
        let scoped = "<div>\n<style scoped>\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n    }\n</style>\n<table border=\"1\" class=\"dataframe\"><tr><td>1</td></tr></table>\n</div>";
        assert!(
            sanitize_fragment(scoped, &HtmlAllowlist::default())
                .text
                .is_none()
        );

        let (out, codes) =
            clean("<style>@import 'https://evil/x.css'; td { color: red }</style><p>x</p>");
        assert_eq!(out, "<style>td { color: red }</style><p>x</p>");
        assert_eq!(codes, vec!["NB106"]);
        let (out, _) = clean("<style>@import 'https://evil/x.css';</style><p>x</p>");
        assert_eq!(out, "<p>x</p>");
        let (out, _) =
            clean("<style>td { font-family: \"</style><img src=x onerror=alert(1)>\" }</style>");
        assert!(!out.contains("onerror"), "{out}");
    }

    #[test]
    fn inline_svg_is_kept_and_checked() {
        let svg = "<div><svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10pt\" viewBox=\"0 0 10 10\" version=\"1.1\"><defs><style type=\"text/css\">*{stroke-linejoin: round}</style><path id=\"m1\" d=\"M 0 0 L 0 3.5\" style=\"stroke: #000000\"/></defs><g id=\"figure_1\" clip-path=\"url(#p1)\"><use xlink:href=\"#m1\" x=\"1\" y=\"2\"/><text x=\"1\">a &lt; b</text></g><clipPath id=\"p1\"><rect x=\"0\" width=\"1\"/></clipPath></svg></div>";
        let out = sanitize_fragment(svg, &HtmlAllowlist::default());
        assert!(out.text.is_none(), "{:?}", out.findings);

        let (out, codes) =
            clean("<svg><use xlink:href=\"https://evil/x.svg#a\"/><g onclick=\"alert(1)\"/></svg>");
        assert_eq!(out, "<svg><use></use><g></g></svg>");
        assert_eq!(codes, vec!["NB201", "NB202"]);

        let mut no_svg = HtmlAllowlist::default();
        no_svg.set_inline_svg(false);
        let out = sanitize_fragment(svg, &no_svg);
        assert!(!out.text.expect("changed").contains("<svg"));
    }

    #[test]
    fn page_level_tags_are_judged_as_an_exported_page_would_read_them() {
        let allow = HtmlAllowlist::default();
        let codes = |c: &Cleaned| -> Vec<&str> { c.findings.iter().map(|f| f.rule.code).collect() };
        // Inert under innerHTML, but nbconvert writes the output into its own page's body.
        let body = sanitize_fragment("<body onload=alert(1)>hi", &allow);
        assert_eq!(codes(&body), ["NB102"]);
        assert_eq!(body.text.as_deref(), Some("hi"));
        let html = sanitize_fragment("<p>x</p><HTML/onmouseover=alert(1)>", &allow);
        assert_eq!(codes(&html), ["NB102"]);
        assert_eq!(html.text.as_deref(), Some("<p>x</p>"));
        let frameset = sanitize_fragment("<frameset onload=alert(1)>", &allow);
        assert_eq!(codes(&frameset), ["NB104"]);
        let bare = sanitize_fragment("<frameset><frame src=\"javascript:alert(1)\">", &allow);
        assert_eq!(codes(&bare), ["NB104"]);
        assert_eq!(bare.text.as_deref(), Some(""));
        // Allowed attributes, and tags that are only text, stay as they are.
        for kept in [
            "<html lang=\"en\"><body class=\"x\"><p>x</p></body></html>",
            "<body><p>x</p></body>",
            "<pre>&lt;body onload=alert(1)&gt;</pre>",
            "<bodyguard onload>",
        ] {
            let out = sanitize_fragment(kept, &allow);
            assert!(
                out.text.is_none() || !codes(&out).contains(&"NB102"),
                "{kept}: {:?}",
                out.findings
            );
        }
        assert!(
            sanitize_fragment("<html lang=\"en\"><p>x</p>", &allow)
                .text
                .is_none()
        );
    }

    #[test]
    fn a_changed_allowlist_gets_new_builders() {
        // The first use makes and keeps the ammonia builders; a clone shares them, and a
        // change to the clone must not be fixed with the old ones.
        let html = "<kbd>k</kbd><tt>t</tt><script>x()</script>";
        let allow = HtmlAllowlist::default();
        let before = sanitize_fragment(html, &allow).text.expect("changed");
        assert_eq!(before, "<kbd>k</kbd><tt>t</tt>");
        let mut fewer = allow.clone();
        fewer.tags.remove("tt");
        fewer.fixers = Arc::default();
        let mut more = fewer.clone();
        more.add_tags(["tt"]).expect("allowed");
        let after = sanitize_fragment(html, &fewer).text.expect("changed");
        assert_eq!(after, "<kbd>k</kbd>t");
        assert_eq!(
            sanitize_fragment(html, &more).text.expect("changed"),
            before
        );
        assert_eq!(
            sanitize_fragment(html, &allow).text.expect("changed"),
            before
        );
    }

    #[test]
    fn ipython_audio_and_attachments_are_kept() {
        let allow = HtmlAllowlist::default();
        let audio = "\n                <audio  controls=\"controls\" >\n                    <source src=\"data:audio/wav;base64,UklGRiQAAABXQVZF\" type=\"audio/wav\" />\n                    Your browser does not support the audio element.\n                </audio>\n              ";
        assert!(sanitize_fragment(audio, &allow).text.is_none());
        let img = "<img src=\"attachment:image.png\" alt=\"x\">";
        assert!(sanitize_fragment(img, &allow).text.is_none());
    }

    #[test]
    fn links_keep_keyword_targets_only() {
        let blank =
            "<a href=\"https://bokeh.org\" target=\"_blank\" class=\"bk-notebook-logo\">b</a>";
        assert!(
            sanitize_fragment(blank, &HtmlAllowlist::default())
                .text
                .is_none()
        );
        let colab = "<a href=\"https://colab.research.google.com/x.ipynb\" target=\"_parent\"><img src=\"https://colab.research.google.com/assets/colab-badge.svg\" alt=\"Open In Colab\"/></a>";
        assert!(
            sanitize_fragment(colab, &HtmlAllowlist::default())
                .text
                .is_none()
        );
        let (out, _) = clean("<a href=\"https://ok\" target=\"opener\">x</a>");
        assert_eq!(
            out,
            "<a href=\"https://ok\" rel=\"noopener noreferrer\">x</a>"
        );
    }

    #[test]
    fn documents_stay_documents() {
        let allow = HtmlAllowlist::default();
        let doc = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"UTF-8\">\n<title>Card</title>\n<style>.tab { color: red }</style>\n</head>\n<body>\n<table class=\"t\"><tr><td>1</td></tr></table>\n</body>\n</html>\n";
        assert!(is_document(doc));
        assert!(sanitize_html(doc, &allow).text.is_none());

        let bad = "<!-- exported -->\n<!DOCTYPE html><html><head><meta charset=\"utf-8\"><meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\"><base href=\"https://evil/\"><link rel=\"stylesheet\" href=\"https://evil/x.css\"><title>T</title><style>@import 'https://evil/x.css'; td { color: red }</style><script src=\"https://cdn/x.js\"></script></head><body onload=\"alert(1)\"><table><tr><td onclick=\"alert(1)\">1</td></tr></table><script>alert(1)</script></body></html>";
        let out = sanitize_html(bad, &allow);
        let text = out.text.expect("changed");
        assert_eq!(
            text,
            "<!-- exported --><!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>T</title><style>td { color: red }</style></head><body><table><tbody><tr><td>1</td></tr></tbody></table></body></html>"
        );
        let codes: Vec<_> = out.findings.iter().map(|f| f.rule.code).collect();
        assert_eq!(codes, vec!["NB101", "NB102", "NB106", "NB107"]);
        assert!(sanitize_html(&text, &allow).text.is_none());

        assert!(!is_document("<div>x</div>"));
        for vector in [
            "<body onload=\"alert(1)\">",
            "<frameset onload=\"alert(1)\"><frame src=\"about:blank\"></frameset>",
        ] {
            let allow = HtmlAllowlist::default();
            let out = sanitize_html(vector, &allow);
            let text = out.text.expect("a document handler must go");
            assert!(!text.contains("onload"), "{text}");
            assert!(
                sanitize_html(&text, &allow).text.is_none(),
                "idempotent: {text}"
            );
            // Inert under innerHTML, but not once written into a page (nbconvert's export).
            let fragment = sanitize_fragment(vector, &allow).text.expect("changed");
            assert!(!fragment.contains("onload"), "{fragment}");
        }
        assert!(!is_document("<htmlx>"));
        assert!(is_document("  <HTML><body>x</body></HTML>"));
        // Fragments keep their fragment treatment.
        assert_eq!(
            sanitize_html("<p>a<script>x</script></p>", &allow)
                .text
                .as_deref(),
            Some("<p>a</p>")
        );
    }

    /// Pieces of markup that random inputs are glued from: allowed and dangerous tags, every
    /// namespace switch, raw-text elements, quotes, entities and URL schemes.
    const PIECES: &[&str] = &[
        "<div>",
        "</div>",
        "<p>",
        "</p>",
        "<table>",
        "<tr>",
        "<td>",
        "</td>",
        "<a href=\"",
        "javascript:alert(1)",
        "jav&#x09;ascript:",
        "java\tscript:",
        "https://ok/",
        "#cookie",
        "\">",
        "\"",
        "'",
        ">",
        "<",
        "/",
        "=",
        " ",
        "<img src=x ",
        "onerror=alert(1)",
        " oNclick=alert(1) ",
        "<svg>",
        "</svg>",
        "<math>",
        "</math>",
        "<mtext>",
        "<mglyph>",
        "<style>",
        "</style>",
        "td{color:red}",
        "@import 'x';",
        "url(javascript:x)",
        "<script>",
        "</script>",
        "alert(1)",
        "<noscript>",
        "</noscript>",
        "<template>",
        "</template>",
        "<select>",
        "<textarea>",
        "</textarea>",
        "<xmp>",
        "<iframe srcdoc=\"",
        "<title>",
        "</title>",
        "<!--",
        "-->",
        "--!>",
        "<![CDATA[",
        "]]>",
        "<set attributeName=href to=",
        "<animate attributeName=xlink:href values=",
        "<use href=\"",
        "<foreignObject>",
        "<desc>",
        "<a xlink:href=\"",
        "<form>",
        "<input name=cookie>",
        "<plaintext>",
        "<details open ontoggle=alert(1)>",
        "&lt;img src=x onerror=alert(1)&gt;",
        "&amp;",
        "&#60;",
        "<style>/*",
        "*/</style>",
        "<p style=\"",
        "background:url(",
        ")",
        "id=location",
        "<b>",
        "</b>",
        "<table><td>",
        "<svg><style>",
        "<math><style>",
        "<nbsanitize-end>",
    ];

    fn html_ish() -> impl proptest::strategy::Strategy<Value = String> {
        use proptest::prelude::*;
        proptest::collection::vec(
            prop_oneof![
                4 => proptest::sample::select(PIECES).prop_map(str::to_owned),
                1 => "[a-z<>/\"'= ]{0,6}",
            ],
            0..24,
        )
        .prop_map(|parts| parts.concat())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..Default::default()
        })]

        #[test]
        fn sanitizing_is_idempotent_and_leaves_nothing_executable(input in html_ish()) {
            let allow = HtmlAllowlist::default();
            let out = sanitize_fragment(&input, &allow);
            let text = out.text.unwrap_or_else(|| input.clone());
            let again = sanitize_fragment(&text, &allow);
            proptest::prop_assert!(
                again.text.is_none() && again.findings.is_empty(),
                "{} -> {} -> {:?}", input, text, again.findings
            );
            assert_no_executable(&text);
            // What follows the output in a page stays outside it.
            assert_no_executable(&format!("{text}<img src=x title=\"a\">"));
        }

        #[test]
        fn documents_are_idempotent_too(input in html_ish()) {
            let allow = HtmlAllowlist::default();
            let doc = format!("<!DOCTYPE html><html><head><title>t</title></head><body>{input}</body></html>");
            let out = sanitize_html(&doc, &allow);
            let text = out.text.unwrap_or_else(|| doc.clone());
            let again = sanitize_html(&text, &allow);
            proptest::prop_assert!(again.text.is_none(), "{} -> {} -> {:?}", doc, text, again.findings);
            assert_no_executable_document(&text);
        }
    }

    fn assert_no_executable_document(html: &str) {
        let dom = parse_document(html);
        let mut stack: Vec<Handle> = vec![dom.document.clone()];
        while let Some(node) = stack.pop() {
            if let NodeData::Element { name, attrs, .. } = &node.data {
                assert!(&*name.local != "script", "{html}");
                for attr in attrs.borrow().iter() {
                    assert!(
                        !attr.name.local.to_ascii_lowercase().starts_with("on"),
                        "{html}"
                    );
                    assert!(
                        !effective_url(&attr.value).starts_with("javascript:"),
                        "{html}"
                    );
                }
            }
            stack.extend(node.children.borrow().iter().cloned());
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "<div>".repeat(5_000) + "<script>x</script>";
        let out = sanitize_fragment(&deep, &HtmlAllowlist::default());
        assert!(out.text.is_some());
    }
}
