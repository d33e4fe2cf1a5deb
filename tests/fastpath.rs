//! Differential tests of the streaming fast path (`sanitize::stream`) against the ammonia path
//! (`sanitize::html::sanitize_fragment`): the same tree wherever the fast path accepts an
//! input, nothing executable from either, the same result whatever the chunking, and the same
//! bytes on the shared corpus.

#![allow(clippy::print_stderr)] // a skipped test says why

use std::io::Read;
use std::path::Path;

use html5ever::tendril::TendrilSink;
use html5ever::{ParseOpts, QualName, local_name, ns};
use markup5ever_rcdom::{Handle, NodeData, RcDom, SerializableHandle};
use nbsanitize::sanitize::html::{HtmlAllowlist, sanitize_fragment};
use nbsanitize::sanitize::stream::{
    FastPath, StreamLimits, check_stream, sanitize_fragment_fast, sanitize_stream,
};
use nbsanitize::{Error, Kind, Policy, engine};
use proptest::prelude::*;

/// The html5ever tree of a fragment as a canonical string: elements with sorted attributes
/// (without the `rel` ammonia puts on links), adjacent text merged with whitespace collapsed,
/// comments dropped.
fn canonical(html: &str) -> String {
    canonical_with(html, true)
}

/// [`canonical`], with or without attributes.
fn canonical_with(html: &str, attributes: bool) -> String {
    let dom = parse(html);
    let mut out = String::new();
    let mut top: Vec<Handle> = Vec::new();
    for root in dom.document.children.borrow().iter() {
        top.extend(root.children.borrow().iter().cloned());
    }
    walk(top, attributes, &mut out);
    out
}

fn parse(html: &str) -> RcDom {
    html5ever::parse_fragment(
        RcDom::default(),
        ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        vec![],
        false,
    )
    .one(html)
}

/// Whether the input's tree survives serializing and parsing again. Mis-nested input
/// (`<li><table><li>` puts an `li` in an `li`) gives trees that no serialization reproduces:
/// ammonia's output of them parses to another tree than the one it cleaned, so comparing it
/// with the fast path's output (which keeps the original nesting) proves nothing.
fn round_trips(html: &str) -> bool {
    let dom = parse(html);
    let root = dom.document.children.borrow()[0].clone();
    let mut bytes = Vec::new();
    let opts = html5ever::serialize::SerializeOpts {
        traversal_scope: html5ever::serialize::TraversalScope::ChildrenOnly(None),
        ..Default::default()
    };
    html5ever::serialize::serialize(&mut bytes, &SerializableHandle::from(root), opts).unwrap();
    canonical(&String::from_utf8(bytes).unwrap()) == canonical(html)
}

fn walk(top: Vec<Handle>, attributes: bool, out: &mut String) {
    // Iterative, with explicit close markers: inputs may nest deeply.
    enum Step {
        Open(Handle),
        /// The first child of a `pre`: a leading newline there does not survive serializing
        /// and parsing again (html5ever's serializer does not double it), so it is dropped.
        OpenFirstInPre(Handle),
        Close,
    }
    let mut stack: Vec<Step> = top.into_iter().rev().map(Step::Open).collect();
    let mut text = String::new();
    while let Some(step) = stack.pop() {
        let node = match step {
            Step::Close => {
                flush(&mut text, out);
                out.push(')');
                continue;
            }
            Step::Open(node) => (node, false),
            Step::OpenFirstInPre(node) => (node, true),
        };
        let (node, first_in_pre) = node;
        match &node.data {
            NodeData::Text { contents } => {
                let contents = contents.borrow();
                let contents: &str = &contents;
                text.push_str(match contents.strip_prefix('\n') {
                    Some(rest) if first_in_pre => rest,
                    _ => contents,
                });
            }
            NodeData::Element {
                name,
                attrs,
                template_contents,
                ..
            } => {
                flush(&mut text, out);
                let mut list: Vec<(String, String)> = attrs
                    .borrow()
                    .iter()
                    .filter(|a| {
                        attributes
                            && !(&*name.local == "a"
                                && &*a.name.local == "rel"
                                && &*a.value == "noopener noreferrer")
                    })
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect();
                list.sort();
                out.push_str(&format!("({:?}:{} {list:?} ", name.ns, name.local));
                stack.push(Step::Close);
                let mut children: Vec<Handle> = node.children.borrow().iter().cloned().collect();
                if let Some(contents) = template_contents.borrow().as_ref() {
                    children.extend(contents.children.borrow().iter().cloned());
                }
                let pre = matches!(&*name.local, "pre" | "listing" | "textarea");
                let mut steps: Vec<Step> = children.into_iter().map(Step::Open).collect();
                if pre
                    && let Some(Step::Open(first)) = steps.first().map(|s| match s {
                        Step::Open(h) => Step::Open(h.clone()),
                        _ => unreachable!(),
                    })
                {
                    steps[0] = Step::OpenFirstInPre(first);
                }
                stack.extend(steps.into_iter().rev());
            }
            _ => {}
        }
    }
    flush(&mut text, out);
}

/// Text runs with whitespace collapsed: removing a comment between `\n` and `x` inside a
/// table moves the newline with the foster-parented text, which is not worth a difference.
fn flush(text: &mut String, out: &mut String) {
    let words: Vec<&str> = text.split_whitespace().collect();
    if !words.is_empty() {
        out.push_str(&format!("{:?}", words.join(" ")));
    }
    text.clear();
}

/// The ammonia path's result as text.
fn reference(input: &str, allow: &HtmlAllowlist) -> (bool, String) {
    let cleaned = sanitize_fragment(input, allow);
    (
        cleaned.text.is_none(),
        cleaned.text.unwrap_or_else(|| input.to_owned()),
    )
}

/// Checks one input through both paths; returns whether the fast path accepted it.
fn differential(input: &str) -> bool {
    let allow = HtmlAllowlist::default();
    let (ref_clean, ref_text) = reference(input, &allow);
    let Ok(fast) = sanitize_fragment_fast(input, &allow) else {
        return false;
    };
    let fast_clean = fast.text.is_none();
    let fast_text = fast.text.unwrap_or_else(|| input.to_owned());
    assert!(
        !fast_clean || ref_clean,
        "fast path kept an input ammonia changes:\n{input}\nammonia: {ref_text}"
    );
    if round_trips(input) {
        // When the fast path rewrites what ammonia keeps (it flagged an element the parser
        // ignores, such as `<td onclick>` outside a table), its rewrite also drops attributes
        // ammonia drops only when it rewrites (`src="http://[bad"`): elements and text agree.
        let attributes = fast_clean || !ref_clean;
        assert_eq!(
            canonical_with(&fast_text, attributes),
            canonical_with(&ref_text, attributes),
            "trees differ for input:\n{input}\nfast:    {fast_text}\nammonia: {ref_text}"
        );
    }
    // Nothing executable: the fast output passes the ammonia path's checker untouched.
    let again = sanitize_fragment(&fast_text, &allow);
    assert!(
        again.text.is_none(),
        "fast output not clean: {input} -> {fast_text}: {:?}",
        again.findings
    );
    // Idempotent: the fast path keeps its own output.
    let twice = sanitize_fragment_fast(&fast_text, &allow).map(|c| c.text);
    assert!(
        matches!(twice, Ok(None) | Err(_)),
        "{input} -> {fast_text} -> {twice:?}"
    );
    true
}

/// A reader that returns the input in the given chunk sizes (cycled).
struct Chunked<'a> {
    data: &'a [u8],
    sizes: Vec<usize>,
    i: usize,
}

impl Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let want = self.sizes[self.i % self.sizes.len()].max(1);
        self.i += 1;
        let n = want.min(buf.len()).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

fn stream(input: &str, sizes: Vec<usize>, limits: StreamLimits) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let reader = Chunked {
        data: input.as_bytes(),
        sizes,
        i: 0,
    };
    sanitize_stream(reader, &mut out, &HtmlAllowlist::default(), limits)
        .map(|_| out)
        .map_err(|e| e.to_string())
}

const TAGS: &[&str] = &[
    "div",
    "p",
    "a",
    "b",
    "i",
    "span",
    "table",
    "tr",
    "td",
    "th",
    "thead",
    "tbody",
    "img",
    "pre",
    "colgroup",
    "col",
    "ul",
    "li",
    "br",
    "h1",
    "code",
    "font",
    "caption",
    "details",
    "summary",
    "script",
    "style",
    "meta",
    "link",
    "base",
    "html",
    "head",
    "body",
    "svg",
    "math",
    "mglyph",
    "mtext",
    "title",
    "textarea",
    "select",
    "noscript",
    "xmp",
    "template",
    "iframe",
    "form",
    "x-custom",
    "image",
    "plaintext",
    "listing",
    "foreignObject",
    "object",
];

const ATTRS: &[&str] = &[
    "href",
    "src",
    "style",
    "onclick",
    "onerror",
    "id",
    "name",
    "class",
    "title",
    "rel",
    "width",
    "border",
    "colspan",
    "xlink:href",
    "srcdoc",
    "formaction",
    "HREF",
    "data-x",
    "ping",
    "cite",
];

const VALUES: &[&str] = &[
    "x",
    "javascript:alert(1)",
    "jav&#x61;script:alert(1)",
    "java\tscript:x",
    "&#106;avascript&colon;x",
    "#location",
    "location",
    "cookie",
    "color: red",
    "color: red; background: url(javascript:x)",
    "width: expr\\65ssion(alert(1))",
    "noopener noreferrer",
    "&quot;&gt;<script>alert(1)</script>",
    "data:image/png;base64,AAAA",
    "data:text/html,<script>x</script>",
    "http://[bad",
    "https://example.org/a?b=c&amp;d",
    " &#1;javascript:x",
    "a&ampb",
    "mailto:a@b",
    "",
    "1",
];

const TEXTS: &[&str] = &[
    "x",
    "&lt;",
    "<",
    ">",
    "&amp;",
    "&",
    "</p>",
    "</td>",
    "</br>",
    "</a>",
    "</table>",
    "<!-- c -->",
    "<!--",
    "-->",
    "<!DOCTYPE html>",
    "\n",
    "<![CDATA[x]]>",
    "</script>",
    " ",
    "<?php x ?>",
    "</style>",
    "<!-->",
    "<img src=x onerror=alert(1)>",
    "\r\n",
    "\0",
    "é",
    "😀&nbsp;",
];

fn attribute() -> impl Strategy<Value = String> {
    (
        prop::sample::select(ATTRS),
        prop::sample::select(VALUES),
        0..4u8,
    )
        .prop_map(|(name, value, quote)| match quote {
            0 => format!(" {name}=\"{}\"", value.replace('"', "&quot;")),
            1 => format!(" {name}='{}'", value.replace('\'', "&#39;")),
            2 if !value.is_empty() && !value.contains([' ', '\t', '>', '"', '\'']) => {
                format!(" {name}={value}")
            }
            _ => format!(" {name}"),
        })
}

fn fragment() -> impl Strategy<Value = String> {
    let leaf = prop::sample::select(TEXTS).prop_map(str::to_owned);
    leaf.prop_recursive(5, 48, 5, |inner| {
        (
            prop::sample::select(TAGS),
            prop::collection::vec(attribute(), 0..3),
            prop::collection::vec(inner, 0..5),
            any::<bool>(),
        )
            .prop_map(|(tag, attrs, children, close)| {
                let mut s = format!("<{tag}{}>", attrs.concat());
                s.push_str(&children.concat());
                if close {
                    s.push_str(&format!("</{tag}>"));
                }
                s
            })
    })
}

/// Mostly-safe documents, so that the fast path accepts a good share of them.
fn safe_fragment() -> impl Strategy<Value = String> {
    let tags = &TAGS[..25];
    let leaf = prop::sample::select(&TEXTS[..12]).prop_map(str::to_owned);
    leaf.prop_recursive(5, 48, 5, move |inner| {
        (
            prop::sample::select(tags),
            prop::collection::vec(attribute(), 0..3),
            prop::collection::vec(inner, 0..5),
            prop::sample::select(
                &[
                    "",
                    "<script>alert(1)</script>",
                    "<style>p{}</style>",
                    "<!-- c -->",
                ][..],
            ),
        )
            .prop_map(|(tag, attrs, children, extra)| {
                format!(
                    "<{tag}{}>{extra}{}</{tag}>",
                    attrs.concat(),
                    children.concat()
                )
            })
    })
}

/// Byte-level mutations of a generated document.
fn mutated() -> impl Strategy<Value = String> {
    (
        safe_fragment(),
        prop::collection::vec(
            (
                any::<prop::sample::Index>(),
                0..4u8,
                prop::sample::select(TEXTS),
            ),
            1..4,
        ),
    )
        .prop_map(|(doc, edits)| {
            let mut doc = doc;
            for (at, op, text) in edits {
                if doc.is_empty() {
                    break;
                }
                let mut i = at.index(doc.len());
                while !doc.is_char_boundary(i) {
                    i -= 1;
                }
                match op {
                    0 => doc.insert_str(i, text),
                    1 => {
                        let mut j = (i + text.len()).min(doc.len());
                        while !doc.is_char_boundary(j) {
                            j -= 1;
                        }
                        doc.replace_range(i..j, "");
                    }
                    2 => doc.truncate(i),
                    _ => {
                        let tail = doc[i..].to_owned();
                        doc.push_str(&tail);
                    }
                }
            }
            doc
        })
}

proptest! {
    // FASTPATH_CASES=20000 for a longer local run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("FASTPATH_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_documents_agree_with_ammonia(doc in fragment()) {
        differential(&doc);
    }

    #[test]
    fn safe_documents_agree_with_ammonia(doc in safe_fragment()) {
        differential(&doc);
    }

    #[test]
    fn mutated_documents_agree_with_ammonia(doc in mutated()) {
        differential(&doc);
    }

    #[test]
    fn chunking_does_not_change_the_result(
        doc in prop_oneof![safe_fragment(), mutated()],
        sizes in prop::collection::vec(1..40usize, 1..8),
        small in any::<bool>(),
    ) {
        let limits = if small {
            StreamLimits { fallback_bytes: 16, ..StreamLimits::default() }
        } else {
            StreamLimits::default()
        };
        let whole = stream(&doc, vec![usize::MAX], limits);
        let chunked = stream(&doc, sizes, limits);
        prop_assert_eq!(&whole, &chunked);
        let allow = HtmlAllowlist::default();
        if let Ok(out) = whole {
            let out = String::from_utf8(out).unwrap();
            // Streamed output (committed or not) is the ammonia path's tree.
            let (ref_clean, ref_text) = reference(&doc, &allow);
            if round_trips(&doc) {
                let attributes = !ref_clean || out == doc;
                prop_assert_eq!(
                    canonical_with(&out, attributes),
                    canonical_with(&ref_text, attributes),
                    "{}",
                    doc
                );
            }
            if !small {
                // Within `fallback_bytes`, exactly what the in-memory API gives.
                let expect = match sanitize_fragment_fast(&doc, &allow) {
                    Ok(c) => c.text.unwrap_or_else(|| doc.clone()),
                    Err(_) => ref_text,
                };
                prop_assert_eq!(out, expect);
            }
        }
    }
}

#[test]
fn known_vectors() {
    let accepted = [
        "<table border=\"1\" class=\"dataframe\"><thead><tr style=\"text-align: right;\"><th></th><th>a</th></tr></thead><tbody><tr><th>0</th><td>1</td></tr></tbody></table>",
        "<div><style scoped>.dataframe tbody tr th { vertical-align: top; }</style><table><tr><td>1</td></tr></table></div>",
        "<div><style scoped>.dataframe th { color: red; }</style><table><tr><td onclick=x>1</td></tr></table></div>",
        "<p id=location style=\"color: red; background: url(javascript:x)\">x</p><a href=\"#location\">l</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\" rel=nofollow>x</a><a rel=\"noopener noreferrer\" href=/x>y</a>",
        "<b><p onclick=x>y</b>z</p>",
        "<td onclick=x>outside a table</td>",
        "<table><tr><td>a<script>x</script>b</td></tr>x<script>y</script></table>",
        "<!DOCTYPE html><p>x<!-- y --></p>",
        "<img src=\"data:image/png;base64,AAAA\"><img src=\"data:text/html,x\">",
        "<a href=\"http://[bad\">x</a><p onclick=x></p>",
        // Removing a token must not join the text around it into markup.
        "<p onclick=x><<script></script>img src=x onerror=alert(1)>",
        "<p onclick=x><<!-- c -->img src=x onerror=alert(1)>",
        "<p onclick=x><<!-- c --><!-- d -->/p><<!DOCTYPE html>script>alert(1)<</p>",
        // Rewritten values are re-encoded: no second round of entity decoding.
        "<p style=\"font-family: '&amp;#x27;; background: url(https://evil/); x: &amp;#x27;'; position: fixed\">x</p>",
        "<p id=\"cookie&amp;quot;\" title=\"&amp;lt;\">x</p><a href=\"#cookie&amp;amp;\">y</a>",
        // An empty iframe (folium, altair) goes whole, srcdoc page and all.
        "<div><iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\" style=\"width:100%\"></iframe></div>",
        "<p>a</p><iframe src=\"javascript:alert(1)\"></iframe><p>b</p>",
        // A fragment parse ignores `html`, `head`, `body` start tags (kept) and unwraps the
        // void `meta`, `link`, `base` (removed): whole pages from bokeh and plotly.
        "<html><head><meta charset=utf-8><link rel=stylesheet href=x.css><base href=//evil/></head><body><p>x</p></body></html>",
        "<html><</html>img src=x onerror=alert(1)>",
        "<body><p>&am<!-- c -->p; &#x3<!---->c;</p></body>",
        "<p>a<meta http-equiv=refresh content=\"0;url=javascript:alert(1)\">b</p>",
        "<table><tr><td>a</td><link rel=import href=x></tr></table>",
        "<div><table>><script></script>\n</td>é",
    ];
    for input in accepted {
        assert!(differential(input), "fast path refused: {input}");
    }
    let refused = [
        // `html`, `head`, `body` with attributes are the checker's to judge: ammonia path.
        "<html><head><meta charset=utf-8><link rel=stylesheet href=x.css></head><body onload=alert(1)><p>x</p></body></html>",
        "<html lang=en><p>x</p></html>",
        // A `<style>` sheet the checker rewrites, or with markup in it.
        "<style>p { background: url(javascript:x) }</style><p>x</p>",
        "<style>p { color: red } <!-- x --></style><p>x</p>",
        // Markup unterminated at the end (NB111): the input ends inside an attribute value.
        "<div href=\"&quot;&gt;<script>",
        "<p>x</p><style>p { color: red }",
        // The checker keeps an iframe's fallback text; a start tag that swallows its end tag
        // leaves the iframe open.
        "<iframe src=x><b>fallback</b></iframe>",
        "<iframe srcdoc='<p>x</p>'\n</iframe>",
        // `<col>` opens an implied colgroup: removing the script would merge two of them.
        "<table><col><script>alert(1)</script><col></table>",
        "<svg><script>alert(1)</script></svg>",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
        "<select><xmp><script>x</script></xmp></select>",
        "<p>x<img src=x onerror=alert(1)",
        // Found by the fuzz target: lol_html reads the name `\u{feff}a` as `a`.
        "<div><p \u{feff}a>x</p><a href=\"/y\">y</ap id=a>x</p><a hra></div>",
        "<a href=\"\u{feff}javascript:alert(1)\">x</a>",
    ];
    for input in refused {
        assert!(!differential(input), "fast path accepted: {input}");
    }
}

#[test]
fn policy_threshold_and_modes_choose_the_path() {
    // Same answer through either path on a dirty table large enough for `auto`.
    let row = "<tr><td>1</td><td onclick=\"x\">2</td></tr>\n";
    let doc = format!("<table>{}</table>", row.repeat(40_000));
    assert!(doc.len() > 1 << 20);
    let out = |mode| {
        let policy = Policy::builder().fast_path(mode).build().unwrap();
        engine::sanitize_bytes(doc.as_bytes(), Some(Kind::Html), None, &policy).unwrap()
    };
    let (fast, auto, never) = (
        out(FastPath::Always),
        out(FastPath::Auto),
        out(FastPath::Never),
    );
    assert_eq!(fast.output, auto.output);
    let fast = String::from_utf8(fast.output.unwrap()).unwrap();
    let never = String::from_utf8(never.output.unwrap()).unwrap();
    // The fast path edits the input in place; ammonia re-serializes it.
    assert!(
        fast.starts_with("<table><tr><td>1</td><td>2</td></tr>\n"),
        "{}",
        &fast[..80]
    );
    assert!(never.starts_with("<table><tbody><tr>"), "{}", &never[..80]);
    assert_eq!(canonical(&fast), canonical(&never));
    let policy = Policy::builder().fast_path_threshold(10).build().unwrap();
    assert_eq!(policy.fast_path_threshold(), 10);
}

#[test]
fn streaming_large_documents_in_bounded_memory() {
    let allow = HtmlAllowlist::default();
    let limits = StreamLimits {
        fallback_bytes: 4096,
        max_token_bytes: 4096,
    };
    // A token larger than the limit cannot be streamed.
    let huge_attr = format!(
        "<p title=\"{}\">x</p>{}",
        "a".repeat(1_000_000),
        "<p>y</p>".repeat(1000)
    );
    let err = sanitize_stream(huge_attr.as_bytes(), Vec::new(), &allow, limits).unwrap_err();
    assert!(matches!(err, Error::OutsideFastPath(_)), "{err}");
    // The checking pass reports the same without writing.
    let verdict = check_stream(huge_attr.as_bytes(), &allow, limits).unwrap();
    assert!(verdict.is_err());
    let clean = "<p>y</p>".repeat(1000);
    assert_eq!(
        check_stream(clean.as_bytes(), &allow, limits).unwrap(),
        Ok(vec![])
    );
    // Invalid UTF-8 is not text.
    let err = sanitize_stream(&b"<p>\xff</p>"[..], Vec::new(), &allow, limits).unwrap_err();
    assert!(matches!(err, Error::NotText(_)), "{err}");
}

/// Every notebook and HTML artifact of the shared corpus: the same bytes through either path
/// where ammonia keeps the input, the same trees where it changes it.
#[test]
fn shared_corpus_gives_the_same_result_through_either_path() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let root = root.as_path();
    if !root.is_dir() {
        eprintln!("skipped: {} is absent", root.display());
        return;
    }
    let always = Policy::builder()
        .fast_path(FastPath::Always)
        .build()
        .unwrap();
    let never = Policy::builder()
        .fast_path(FastPath::Never)
        .build()
        .unwrap();
    let mut files = 0;
    for entry in ignore::WalkBuilder::new(root).hidden(false).build() {
        let entry = entry.unwrap();
        let path = entry.path();
        let kind = match path.extension().and_then(|e| e.to_str()) {
            Some("ipynb") => Kind::Notebook,
            Some("html" | "htm") => Kind::Html,
            _ => continue,
        };
        let bytes = std::fs::read(path).unwrap();
        let (Ok(fast), Ok(slow)) = (
            engine::sanitize_bytes(&bytes, Some(kind), Some(path), &always),
            engine::sanitize_bytes(&bytes, Some(kind), Some(path), &never),
        ) else {
            continue;
        };
        files += 1;
        assert_eq!(
            fast.output.is_none(),
            slow.output.is_none(),
            "{}",
            path.display()
        );
        let (Some(fast), Some(slow)) = (fast.output, slow.output) else {
            continue;
        };
        let (fast, slow) = (
            String::from_utf8(fast).unwrap(),
            String::from_utf8(slow).unwrap(),
        );
        match kind {
            Kind::Html => assert_eq!(canonical(&fast), canonical(&slow), "{}", path.display()),
            _ => {
                let a: serde_json::Value = serde_json::from_str(&fast).unwrap();
                let b: serde_json::Value = serde_json::from_str(&slow).unwrap();
                same_json(&a, &b, &path.display().to_string());
            }
        }
    }
    assert!(files > 10, "only {files} corpus files read");
}

/// Equal JSON, except that strings (or line lists) may differ when they are HTML with the same
/// tree.
fn same_json(a: &serde_json::Value, b: &serde_json::Value, at: &str) {
    use serde_json::Value;
    let text = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Array(lines) if lines.iter().all(Value::is_string) => {
                Some(lines.iter().filter_map(Value::as_str).collect())
            }
            _ => None,
        }
    };
    if a == b {
        return;
    }
    if let (Some(x), Some(y)) = (text(a), text(b)) {
        assert_eq!(canonical(&x), canonical(&y), "{at}");
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(
                x.keys().collect::<Vec<_>>(),
                y.keys().collect::<Vec<_>>(),
                "{at}"
            );
            for (k, v) in x {
                same_json(v, &y[k], &format!("{at}/{k}"));
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len(), "{at}");
            for (i, (v, w)) in x.iter().zip(y).enumerate() {
                same_json(v, w, &format!("{at}/{i}"));
            }
        }
        _ => panic!("{at}: {a} != {b}"),
    }
}

/// The generators must reach the fast path often, or the differential tests prove little.
#[test]
fn generators_exercise_the_fast_path() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategies = [
        ("random", fragment().boxed(), 60),
        ("safe", safe_fragment().boxed(), 150),
        ("mutated", mutated().boxed(), 60),
    ];
    for (name, strategy, at_least) in strategies {
        let (mut accepted, mut rewritten, mut compared) = (0, 0, 0);
        for _ in 0..300 {
            let doc = strategy.new_tree(&mut runner).unwrap().current();
            if let Ok(c) = sanitize_fragment_fast(&doc, &HtmlAllowlist::default()) {
                accepted += 1;
                rewritten += usize::from(c.text.is_some());
                compared += usize::from(round_trips(&doc));
            }
        }
        assert!(accepted >= at_least, "{name}: {accepted}/300 accepted");
        assert!(
            compared >= at_least * 2 / 3,
            "{name}: {compared}/300 compared"
        );
        assert!(
            rewritten >= at_least / 2,
            "{name}: {rewritten}/300 rewritten"
        );
    }
}
