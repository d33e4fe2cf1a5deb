/*! HTML: an allowlist checker over html5ever's tree, and ammonia as the fixer.

The input is parsed the way a browser parses `innerHTML` of a `<div>` (html5ever, the same
parser ammonia uses). If every element, attribute, URL and style in that tree is allowed, the
input is kept **byte for byte**: the browser will build the same tree we checked, and pandas
tables, Styler output and links are not re-serialized. Otherwise ammonia rebuilds the fragment
from the same allowlist, and the checker's observations become findings. The two share one
[`HtmlAllowlist`], so ammonia's output always passes the checker (idempotence). */

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use html5ever::tendril::TendrilSink;
use html5ever::{ParseOpts, QualName, local_name, ns};
use markup5ever_rcdom::{Handle, NodeData, RcDom};

use super::css;
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
    "nav",
    "ol",
    "p",
    "picture",
    "pre",
    "q",
    "rp",
    "rt",
    "ruby",
    "s",
    "samp",
    "section",
    "small",
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
        &["colspan", "rowspan", "headers", "nowrap", "bgcolor"],
    ),
    (
        "th",
        &[
            "colspan", "rowspan", "headers", "scope", "nowrap", "bgcolor",
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
    tags: HashSet<String>,
    generic_attributes: HashSet<String>,
    tag_attributes: HashMap<String, HashSet<String>>,
}

impl Default for HtmlAllowlist {
    fn default() -> Self {
        HtmlAllowlist {
            tags: DEFAULT_TAGS.iter().map(|s| s.to_string()).collect(),
            generic_attributes: DEFAULT_GENERIC_ATTRIBUTES
                .iter()
                .map(|s| s.to_string())
                .collect(),
            tag_attributes: DEFAULT_TAG_ATTRIBUTES
                .iter()
                .map(|(tag, attrs)| {
                    (
                        tag.to_string(),
                        attrs.iter().map(|a| a.to_string()).collect(),
                    )
                })
                .collect(),
        }
    }
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
            self.tags.insert(tag);
        }
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
            self.generic_attributes.insert(attr);
        }
        Ok(())
    }

    /// Allows more attributes on one element. Event handlers are refused.
    pub fn add_tag_attributes<'a>(
        &mut self,
        tag: &str,
        attrs: impl IntoIterator<Item = &'a str>,
    ) -> Result<(), String> {
        let set = self
            .tag_attributes
            .entry(tag.to_ascii_lowercase())
            .or_default();
        for attr in attrs {
            let attr = attr.to_ascii_lowercase();
            check_addable_attribute(&attr)?;
            set.insert(attr);
        }
        Ok(())
    }

    pub(crate) fn allows_tag(&self, tag: &str) -> bool {
        self.tags.contains(tag)
    }

    pub(crate) fn allows_attribute(&self, tag: &str, attr: &str) -> bool {
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
pub fn sanitize_fragment(input: &str, allow: &HtmlAllowlist) -> Cleaned {
    let dom = parse_fragment(input);
    let observations = check_tree(&dom, allow);
    if observations.is_empty() {
        return Cleaned::default();
    }
    let text = builder(allow).clean(input).to_string();
    Cleaned {
        text: Some(text),
        findings: observations.into_findings(),
    }
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

fn builder(allow: &HtmlAllowlist) -> ammonia::Builder<'_> {
    let mut b = ammonia::Builder::empty();
    b.tags(allow.tags.iter().map(String::as_str).collect())
        .generic_attributes(
            allow
                .generic_attributes
                .iter()
                .map(String::as_str)
                .collect(),
        )
        .tag_attributes(
            allow
                .tag_attributes
                .iter()
                .map(|(tag, attrs)| (tag.as_str(), attrs.iter().map(String::as_str).collect()))
                .collect(),
        )
        .url_schemes(["http", "https", "mailto", "data"].into_iter().collect())
        .url_relative(ammonia::UrlRelative::PassThrough)
        .link_rel(Some(LINK_REL))
        .clean_content_tags(["script", "style"].into_iter().collect())
        .strip_comments(true)
        .attribute_filter(|element, attribute, value| filter_attribute(element, attribute, value));
    b
}

/// ammonia's per-attribute hook: the same value checks as [`check_tree`].
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
    let cleaned = cleaned.trim_matches(|c: char| c <= ' ');
    let decoded = percent_encoding::percent_decode_str(cleaned).decode_utf8_lossy();
    scheme_is_safe(element, attribute, cleaned) && scheme_is_safe(element, attribute, &decoded)
}

fn scheme_is_safe(element: &str, attribute: &str, url: &str) -> bool {
    let url = url.trim_matches(|c: char| c <= ' ');
    let Some(scheme) = scheme_of(url) else {
        return true; // relative
    };
    match scheme.as_str() {
        "http" | "https" => true,
        "mailto" => element == "a" || element == "area",
        "data" => {
            element == "img"
                && attribute == "src"
                && url[5..]
                    .trim_start()
                    .to_ascii_lowercase()
                    .starts_with("image/")
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

/// Walks the parsed fragment (iteratively: input may nest 100,000 levels) and records every
/// element, attribute, URL and style the allowlist does not accept.
fn check_tree(dom: &RcDom, allow: &HtmlAllowlist) -> Observations {
    let mut seen = Observations::default();
    let mut stack: Vec<Handle> = Vec::new();
    // A fragment parse puts the nodes under a synthetic <html> element.
    for child in dom.document.children.borrow().iter() {
        stack.extend(child.children.borrow().iter().rev().cloned());
    }
    while let Some(node) = stack.pop() {
        if let NodeData::Element {
            name,
            attrs,
            template_contents,
            ..
        } = &node.data
        {
            let tag: &str = &name.local;
            if name.ns != ns!(html) {
                let rule = if &*name.local == "script" {
                    &rules::svg::SVG_SCRIPT
                } else {
                    &rules::svg::SVG_DISALLOWED
                };
                seen.add(rule, format!("<{tag}>"));
            } else if !allow.allows_tag(tag) {
                seen.add(
                    classify_element(tag).unwrap_or(&rules::html::DISALLOWED_ELEMENT),
                    format!("<{tag}>"),
                );
            } else {
                for attr in attrs.borrow().iter() {
                    check_attribute(tag, &attr.name, &attr.value, allow, &mut seen);
                }
            }
            if let Some(contents) = template_contents.borrow().as_ref() {
                stack.extend(contents.children.borrow().iter().rev().cloned());
            }
        }
        stack.extend(node.children.borrow().iter().rev().cloned());
    }
    seen
}

pub(crate) fn check_attribute(
    tag: &str,
    name: &QualName,
    value: &str,
    allow: &HtmlAllowlist,
    seen: &mut Observations,
) {
    let attr: String = match &name.prefix {
        Some(prefix) => format!("{prefix}:{}", name.local),
        None => name.local.to_string(),
    };
    if attr.starts_with("on") {
        seen.add(&rules::html::EVENT_HANDLER, format!("{attr} on <{tag}>"));
        return;
    }
    if tag == "a" && attr == "rel" && value == LINK_REL {
        return; // what ammonia writes on links it rewrites
    }
    if !allow.allows_attribute(tag, &attr) {
        seen.add(
            &rules::html::DISALLOWED_ATTRIBUTE,
            format!("{attr} on <{tag}>"),
        );
        return;
    }
    if is_url_attribute(&attr) {
        if !url_is_safe(tag, &attr, value) {
            seen.add(
                &rules::html::UNSAFE_URL,
                format!("{attr}=\"{}\" on <{tag}>", truncate(value, 40)),
            );
        }
        return;
    }
    match attr.as_str() {
        "style" => {
            let decls = css::check_declarations(value);
            for removed in decls.removed {
                seen.add(
                    &rules::html::UNSAFE_CSS,
                    format!("`{}` on <{tag}>", truncate(&removed, 40)),
                );
            }
        }
        "id" | "name" if is_clobbering(value) => {
            seen.add(
                &rules::html::DOM_CLOBBERING,
                format!("{attr}=\"{value}\" on <{tag}>"),
            );
        }
        _ => {}
    }
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
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let deep = "<div>".repeat(5_000) + "<script>x</script>";
        let out = sanitize_fragment(&deep, &HtmlAllowlist::default());
        assert!(out.text.is_some());
    }
}
