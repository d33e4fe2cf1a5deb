/*! The streaming fast path: lol_html for the common safe subset of HTML, ammonia for the rest.

[`html::sanitize_fragment`] parses the whole input into a tree (html5ever) and rebuilds it with
ammonia: about 10 MB/s on pandas tables, and memory that grows with the document. This module
runs one [`lol_html`] pass with handlers on every element, comment and doctype instead. lol_html
is a streaming tokenizer, not a sanitizer, so the pass only *accepts* a document when it can tell
that its view of the markup is the browser's view, and sends everything else to the ammonia path.

# The subset

A document stays on the fast path when every start tag is

- an allowlisted HTML element (`HtmlAllowlist`, the same allowlist ammonia uses), outside
  foreign content; its attributes are checked with the ammonia path's own checks
  (`check_attribute`, `filter_attribute`, ammonia's URL-scheme test) on values this module
  decodes itself (entities, CR/NUL exactly as html5ever does: the value is re-tokenized by
  html5ever); or
- a `<style>` the checker keeps as it is (`type`/`scoped`/`media` attributes it keeps, a sheet
  cssparser finds clean, no `<` in it; pandas tables have one); or
- `<script>`, which the checker removes with its content, an empty `<iframe>`, and the void
  `<meta>`, `<link>`, `<base>`, which it unwraps into nothing (and only where a removal cannot
  change how the rest is parsed: not right after `<pre>` (leading newline) nor anywhere after a
  `<colgroup>` (column-group insertion mode); in a table the removed element leaves an empty
  comment, which keeps the text runs on either side apart); or
- an `<html>`, `<head>` or `<body>` start tag without attributes, which a fragment parse
  ignores (kept as written, as the checker keeps it).

Everything else falls back: `svg`/`math`, `template`, `title`, `textarea`, `select`, `noscript`,
`xmp`, `plaintext`, an `<iframe>` with content, `noembed`, `noframes`, `image`, a `<style>` the
checker would rewrite, `html`/`head`/`body` with attributes (an exported page hands them to its
own `<html>`/`<body>`: the checker's call), any other element outside the allowlist, duplicate
or malformed attribute names, lol_html's parsing-ambiguity errors, a single token larger than
the memory limit, and markup unterminated at the end (NB111): an end sentinel written after the
input must be read as an element, exactly as in `html::sanitize_fragment`, so an input ending
inside a tag, an attribute value, a comment or a raw-text element falls back.

Documents (`html::is_document`) never take the fast path: [`sanitize_html`] sends them to
`html::sanitize_document`, and a fragment's result must pass the document check too.

# Output

When the pass finds nothing, the input is kept byte for byte (`text: None`), exactly like the
ammonia path. Otherwise the output is the input with the same edits ammonia makes: disallowed
attributes and elements removed, styles and clobbering ids rewritten, comments and doctypes
dropped (kept when removing them would join the text around them into markup, or right after
`<pre>`), and `rel="noopener noreferrer"` on every `<a>`. It is not ammonia's serialization, but
parses to the same tree (same elements, attributes and text; the differential tests in
`tests/fastpath.rs` compare html5ever trees of both).

# Memory

The in-memory API ([`sanitize_fragment_fast`], [`sanitize_html`]) holds the input and output.
The streaming API ([`sanitize_stream`], [`check_stream`]) holds at most
[`StreamLimits::fallback_bytes`] of input plus as much output (so that clean documents are
passed through byte for byte and outside-the-subset documents can still go to ammonia),
lol_html's buffer for one token (at most [`StreamLimits::max_token_bytes`] plus two read
chunks), the same amount of recent input for the check that a removal does not join text into
markup, up to 1 MiB of one `<style>` sheet being checked, and a 64 KiB read buffer: with the defaults (1 MiB, 8 MiB) at most about 28 MiB,
whatever the input size, and about 30 MB peak RSS measured for a 1 GiB table. A document that
leaves the subset within `fallback_bytes` goes to ammonia, whose tree needs about 45 times its
size on top (about 46 MB for 1 MiB). A larger document that leaves the subset after that point
cannot be rebuilt in bounded memory: the stream stops with [`Error::OutsideFastPath`] and the
caller must discard the partial output. (The CLI's batch walker loads files within
`--max-size` and uses the in-memory API; the streaming API is for library callers.) */

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::io::{Read, Write};
use std::rc::Rc;

use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, Tag, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::{LocalName, QualName, ns};
use lol_html::errors::RewritingError;
use lol_html::html_content::{Comment, ContentType, Doctype, Element, EndTag};
use lol_html::{HtmlRewriter, MemorySettings, Settings, doc_comments, doctype, element, text};

use super::css;
use super::html::{self, Cleaned, HtmlAllowlist, LINK_REL, Observations};
use crate::error::Error;
use crate::policy::Policy;
use crate::rules;

/// Which path sanitizes HTML: chosen per input by size, or forced (for tests and benchmarks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FastPath {
    /// The fast path for inputs of at least the policy's threshold (by default every input),
    /// ammonia below it.
    #[default]
    Auto,
    /// The fast path for every input (it still falls back to ammonia outside its subset).
    Always,
    /// Never the fast path: ammonia for every input.
    Never,
}

/// The default [`PolicyBuilder::fast_path_threshold`](crate::PolicyBuilder::fast_path_threshold):
/// 0, every input. On the real corpus's `text/html` outputs the fast path (with its fallbacks)
/// is faster at every size, 8 against 13 µs under 1 KiB (`examples/corpus_html.rs`), and its
/// output keeps the input's bytes wherever nothing was removed.
pub const DEFAULT_THRESHOLD: usize = 0;

/// Why a document left the fast path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideSubset {
    /// Byte offset in the input where it was noticed, when known.
    pub offset: Option<u64>,
    /// What was found, for people (`<svg> (foreign content)`).
    pub reason: String,
}

impl fmt::Display for OutsideSubset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(at) => write!(f, "{} at byte {at}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for OutsideSubset {}

impl OutsideSubset {
    fn new(offset: Option<u64>, reason: impl Into<String>) -> Self {
        OutsideSubset {
            offset,
            reason: reason.into(),
        }
    }
}

/// Elements that always leave the fast path, even when a policy allowlists them: their content
/// is parsed differently (raw text, RCDATA, foreign content, template contents, select) or the
/// tree builder rewrites them (`image` becomes `img`).
fn is_fallback_tag(tag: &str) -> bool {
    matches!(
        tag,
        "svg"
            | "math"
            | "template"
            | "title"
            | "textarea"
            | "select"
            | "option"
            | "optgroup"
            | "noscript"
            | "xmp"
            | "plaintext"
            | "iframe"
            | "noembed"
            | "noframes"
            | "image"
            | "frameset"
            | "frame"
            | "form"
            | "style"
            | "script"
            | "object"
            | "embed"
            | "applet"
            | "isindex"
            | "keygen"
            | "listing"
    )
}

/// Elements a fragment parse creates without a start tag (`<table><td>` implies `tbody`, `tr`;
/// `</p>` and `</br>` create `p` and `br`). The fast path only sees start tags, so it needs them
/// allowlisted.
const IMPLIED_TAGS: &[&str] = &["tbody", "tr", "colgroup", "p", "br"];

/// The attributes ammonia's own URL test covers on HTML elements (`is_url_attr` in ammonia).
fn is_ammonia_url_attribute(tag: &str, attr: &str) -> bool {
    matches!(attr, "href" | "xlink:href" | "src")
        || (tag == "a" && attr == "ping")
        || (tag == "video" && attr == "poster")
}

/// ammonia's scheme test, with the schemes `html::builder` gives it.
fn ammonia_url_allowed(value: &str) -> bool {
    match url::Url::parse(value) {
        Ok(url) => matches!(url.scheme(), "http" | "https" | "mailto" | "data"),
        Err(url::ParseError::RelativeUrlWithoutBase) => true,
        Err(_) => false,
    }
}

/// What the handlers share during one pass.
struct State<'a> {
    allow: &'a HtmlAllowlist,
    seen: Observations,
    /// A `<colgroup>` or `<col>` was seen: removing anything after it may change the tree.
    seen_colgroup: bool,
    /// Where the input ends, once the end sentinel is written after it.
    end_at: Option<u64>,
    /// How many end sentinels were met as elements.
    sentinels: usize,
}

/// Written after the input, like the ammonia path's own sentinel (`html::sanitize_fragment`):
/// it is read as an element only when the input ends in the data state, outside any tag,
/// attribute value, comment or raw-text element. Otherwise the input is unterminated markup
/// (NB111), which the ammonia path rewrites: fall back.
const SENTINEL: &str = "<nbsanitize-end></nbsanitize-end>";
const SENTINEL_TAG: &str = "nbsanitize-end";

/// What the element, comment and doctype handlers share besides [`State`].
///
/// Removing a token can join the text around it into markup: `<<script></script>img src=x
/// onerror=...>` would become `<img ...>`, `&am<!---->p;` would become `&amp;`. So before each
/// removal the raw input right before the token is looked at, and when it ends in `<` or an
/// unfinished character reference the removed element leaves an empty comment `<!---->`
/// behind, and a comment or doctype is kept (both are inert).
struct Shared<'a> {
    /// The last tag was a `<pre>` start tag: removing the next token may change whether the
    /// newline after it is dropped, so comments and doctypes there are kept.
    after_pre: bool,
    /// `<table>` elements open (by lol_html's pairing of end tags, which can only count too
    /// many). In a table, outside its cells, text runs on either side of a token are one run
    /// once it is gone, and a run with anything but white space is moved in front of the
    /// table: whatever is removed there leaves an empty comment, which keeps the runs apart.
    open_tables: Rc<Cell<usize>>,
    history: History<'a>,
    /// Changes made to the input so far (removals, attribute edits).
    edits: usize,
}

/// The raw input the glue check looks back into.
enum History<'a> {
    /// The whole input (in-memory API).
    Whole(&'a [u8]),
    /// The last `retain` bytes read (streaming API): every token lol_html can still report
    /// starts inside them, since it buffers at most its memory limit.
    Recent {
        bytes: VecDeque<u8>,
        start: u64,
        retain: usize,
    },
}

impl History<'_> {
    /// Enough history for any token lol_html can still report: its buffer limit (the token
    /// limit plus two read chunks), the chunk being written, and [`HISTORY`] before it.
    fn recent(max_token_bytes: usize) -> Self {
        History::Recent {
            bytes: VecDeque::new(),
            start: 0,
            retain: max_token_bytes.saturating_add(4 * READ_CHUNK + HISTORY),
        }
    }
}

/// How far back the glue check looks: longer than any named character reference.
const HISTORY: usize = 40;

impl Shared<'_> {
    fn advance(&mut self, chunk: &[u8]) {
        if let History::Recent {
            bytes,
            start,
            retain,
        } = &mut self.history
        {
            bytes.extend(chunk);
            let drop = bytes.len().saturating_sub(*retain);
            bytes.drain(..drop);
            *start += drop as u64;
        }
    }

    /// Decides the removal of a doctype or comment starting at input offset `at`: removed
    /// (and counted) unless it follows `<pre>` or removing it could glue text into markup.
    fn removes_token_at(&mut self, at: u64) -> bool {
        let remove = !self.after_pre && !self.risky_before(at);
        self.edits += usize::from(remove);
        remove
    }

    /// Whether removing the token that starts at input offset `at` could join the text
    /// before it with what follows: in a table, or when that text ends in `<` or an
    /// unfinished character reference. Unknown history counts as risky.
    fn risky_before(&self, at: u64) -> bool {
        if self.open_tables.get() > 0 {
            return true;
        }
        let from = at.saturating_sub(HISTORY as u64);
        let before: Vec<u8> = match &self.history {
            History::Whole(input) => match input.get(from as usize..at as usize) {
                Some(before) => before.to_vec(),
                None => return true,
            },
            History::Recent { bytes, start, .. } => {
                if from < *start || at > start + bytes.len() as u64 {
                    return true;
                }
                bytes
                    .range((from - start) as usize..(at - start) as usize)
                    .copied()
                    .collect()
            }
        };
        if before.last() == Some(&b'<') {
            return true;
        }
        memchr::memrchr(b'&', &before).is_some_and(|amp| {
            before[amp + 1..]
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'#')
        })
    }
}

/// Removed raw-text elements (`script`, `style`) whose end tag has not been seen yet
/// (`'static` for end-tag handlers).
type OpenRaw = Rc<Cell<usize>>;

fn outside(
    el: &Element<'_, '_>,
    reason: impl Into<String>,
) -> Box<dyn std::error::Error + Send + Sync> {
    Box::new(OutsideSubset::new(
        Some(el.source_location().bytes().start as u64),
        reason,
    ))
}

fn on_element(
    el: &mut Element<'_, '_>,
    state: &mut State<'_>,
    pending: &RefCell<Shared<'_>>,
    open_raw: &OpenRaw,
    style_text: &StyleText,
) -> lol_html::HandlerResult {
    let tag = el.tag_name();
    if el.namespace_uri() != "http://www.w3.org/1999/xhtml" {
        return Err(outside(el, format!("<{tag}> (foreign content)")));
    }
    if tag == SENTINEL_TAG {
        let start = el.source_location().bytes().start as u64;
        return match state.end_at {
            Some(end) if start >= end => {
                state.sentinels += 1;
                el.remove();
                Ok(())
            }
            _ => Err(outside(el, format!("<{tag}> in the input"))),
        };
    }
    let after_pre = std::mem::replace(&mut pending.borrow_mut().after_pre, tag == "pre");
    // `<col>` opens an implied `<colgroup>`.
    if tag == "colgroup" || tag == "col" {
        state.seen_colgroup = true;
    }
    if tag == "table" && el.can_have_content() {
        let open_tables = Rc::clone(&pending.borrow().open_tables);
        open_tables.set(open_tables.get() + 1);
        el.on_end_tag(Box::new(move |_: &mut EndTag<'_>| {
            open_tables.set(open_tables.get().saturating_sub(1));
            Ok(())
        }))?;
    }
    if tag == "style" {
        return keep_style(el, open_raw, style_text);
    }
    if matches!(tag.as_str(), "html" | "head" | "body") {
        // A fragment parse ignores these start tags (the checker keeps them as they are), but
        // their attributes are not checked: those go to the ammonia path.
        if el.attributes().is_empty() {
            return Ok(());
        }
        return Err(outside(el, format!("<{tag}> with attributes")));
    }
    if is_fallback_tag(&tag) && !removable(&tag, state.allow) {
        return Err(outside(el, format!("<{tag}>")));
    }
    if state.allow.allows_tag(&tag) {
        let edits = check_attributes(el, &tag, state)?;
        pending.borrow_mut().edits += edits;
        return Ok(());
    }
    if !removable(&tag, state.allow) {
        return Err(outside(el, format!("<{tag}> (not allowed)")));
    }
    if after_pre || state.seen_colgroup {
        return Err(outside(
            el,
            format!("<{tag}> to remove after <pre> or <colgroup>"),
        ));
    }
    if pending
        .borrow()
        .risky_before(el.source_location().bytes().start as u64)
    {
        el.before("<!---->", ContentType::Html);
    }
    pending.borrow_mut().edits += 1;
    let rule = html::classify_element(&tag).unwrap_or(&rules::html::DISALLOWED_ELEMENT);
    state.seen.add(rule, format!("<{tag}>"));
    if el.can_have_content() {
        open_raw.set(open_raw.get() + 1);
        let open_raw = Rc::clone(open_raw);
        // The checker keeps an `<iframe>`'s fallback text (as escaped text): only an
        // empty one is removed here.
        let empty_from = (tag == "iframe").then(|| el.source_location().bytes().end);
        el.on_end_tag(Box::new(move |end: &mut EndTag<'_>| {
            let at = end.source_location().bytes().start;
            if empty_from.is_some_and(|from| from != at) {
                return Err(Box::new(OutsideSubset::new(
                    Some(at as u64),
                    "an <iframe> with fallback content",
                )));
            }
            open_raw.set(open_raw.get().saturating_sub(1));
            Ok(())
        }))?;
    }
    el.remove();
    Ok(())
}

/// The text of the `<style>` element being read (`None` outside one).
type StyleText = Rc<RefCell<Option<String>>>;

/// The longest `<style>` sheet the fast path checks; longer ones fall back.
const MAX_STYLE_BYTES: usize = 1 << 20;

/// A `<style>` stays on the fast path only when the checker keeps it as it is: attributes
/// among `type`, `scoped`, `media` that the checker keeps, and a sheet that cssparser finds
/// clean with no `<` in it (checked at the end tag). Anything else falls back, so that the
/// ammonia path rewrites or removes it.
fn keep_style(
    el: &mut Element<'_, '_>,
    open_raw: &OpenRaw,
    style_text: &StyleText,
) -> lol_html::HandlerResult {
    let element = QualName::new(None, ns!(html), LocalName::from("style"));
    let mut names: Vec<String> = Vec::new();
    for a in el.attributes() {
        let (name, raw) = (a.name(), a.value());
        let exact_name = a
            .name_source_location()
            .is_some_and(|at| at.bytes().len() == name.len());
        let exact_value = match a.value_source_location() {
            Some(at) => at.bytes().len() == raw.len(),
            None => raw.is_empty(),
        };
        if !(exact_name && exact_value && matches!(name.as_str(), "type" | "scoped" | "media"))
            || names.contains(&name)
        {
            return Err(outside(el, format!("attribute `{name}` on <style>")));
        }
        let Some(value) = decode_attribute_value(&raw) else {
            return Err(outside(
                el,
                format!("undecodable `{name}` value on <style>"),
            ));
        };
        let qual = QualName::new(None, ns!(), LocalName::from(name.as_str()));
        let kept = html::repaired_attribute(
            &element,
            &qual,
            Cow::Borrowed(&*value),
            &HtmlAllowlist::default(),
        );
        if !matches!(kept, Some(Cow::Borrowed(_))) {
            return Err(outside(el, format!("`{name}` on <style>")));
        }
        names.push(name);
    }
    if !el.can_have_content() || style_text.borrow().is_some() {
        return Err(outside(el, "<style>"));
    }
    *style_text.borrow_mut() = Some(String::new());
    open_raw.set(open_raw.get() + 1);
    let (open_raw, style_text) = (Rc::clone(open_raw), Rc::clone(style_text));
    el.on_end_tag(Box::new(move |end: &mut EndTag<'_>| {
        let text = style_text.borrow_mut().take().unwrap_or_default();
        if text.contains('<') || !css::check_stylesheet(&text).is_clean() {
            return Err(Box::new(OutsideSubset::new(
                Some(end.source_location().bytes().start as u64),
                "a <style> sheet the checker rewrites",
            )));
        }
        open_raw.set(open_raw.get().saturating_sub(1));
        Ok(())
    }))?;
    Ok(())
}

/// Elements the fast path removes itself (ammonia's result is provably the same).
///
/// `<script>`: the checker removes it with its content in a fragment; an empty `<iframe>`
/// (folium maps, altair and plotly exports put whole pages in `srcdoc`), which it unwraps into
/// nothing (one with fallback content falls back); and the void `<meta>`, `<link>`, `<base>`,
/// which it unwraps (bokeh and plotly outputs are whole pages with a `<head>`). `<style>`
/// sheets are kept and checked with cssparser by the ammonia path, so they fall back, and
/// `<html>`, `<head>`, `<body>` start tags are ignored by a fragment parse, so they are kept.
fn removable(tag: &str, allow: &HtmlAllowlist) -> bool {
    matches!(tag, "script" | "iframe" | "meta" | "link" | "base") && !allow.allows_tag(tag)
}

fn is_plain_attribute_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b':' | b'.'))
}

/// Checks and rewrites the attributes of an allowed element; returns how many it changed.
fn check_attributes(
    el: &mut Element<'_, '_>,
    tag: &str,
    state: &mut State<'_>,
) -> Result<usize, Box<dyn std::error::Error + Send + Sync>> {
    let mut edits = 0;
    let mut attrs: Vec<(String, String)> = Vec::with_capacity(el.attributes().len());
    for a in el.attributes() {
        let (name, value) = (a.name(), a.value());
        // lol_html decodes names and values with encoding_rs, which drops a leading U+FEFF:
        // `\u{feff}onclick` would be read as `onclick`. Only exact decodings are trusted.
        let exact_name = a
            .name_source_location()
            .is_some_and(|at| at.bytes().len() == name.len());
        let exact_value = match a.value_source_location() {
            Some(at) => at.bytes().len() == value.len(),
            None => value.is_empty(),
        };
        if !(exact_name && exact_value) {
            return Err(outside(
                el,
                format!("attribute `{name}` on <{tag}> not read exactly"),
            ));
        }
        attrs.push((name, value));
    }
    for (i, (name, _)) in attrs.iter().enumerate() {
        if !is_plain_attribute_name(name) {
            return Err(outside(el, format!("attribute name {name:?} on <{tag}>")));
        }
        if attrs[..i].iter().any(|(other, _)| other == name) {
            return Err(outside(
                el,
                format!("duplicate attribute `{name}` on <{tag}>"),
            ));
        }
    }
    let element = QualName::new(None, ns!(html), LocalName::from(tag));
    for (name, raw) in &attrs {
        let Some(value) = decode_attribute_value(raw) else {
            return Err(outside(
                el,
                format!("undecodable `{name}` value on <{tag}>"),
            ));
        };
        let qual = QualName::new(None, ns!(), LocalName::from(name.as_str()));
        // The findings: the checker's own verdict on the decoded value.
        html::record_attribute(&element, &qual, &value, state.allow, &mut state.seen);
        if tag == "a" && name == "rel" {
            continue; // replaced by `rel` below, as ammonia's `link_rel` does
        }
        // The output: what ammonia keeps (allowlist, its scheme test, the attribute filter),
        // then what the repair pass keeps of that, as `html::sanitize_fragment` does.
        let allowed = !name.starts_with("on")
            && (state.allow.allows_attribute(tag, name) || (tag == "a" && name == "target"));
        let scheme_ok = !is_ammonia_url_attribute(tag, name) || ammonia_url_allowed(&value);
        let kept = (allowed && scheme_ok)
            .then(|| html::filter_attribute(tag, name, &value))
            .flatten()
            .and_then(|v| html::repaired_attribute(&element, &qual, v, state.allow));
        match kept {
            None => {
                el.remove_attribute(name);
                edits += 1;
            }
            Some(Cow::Borrowed(_)) => {}
            // lol_html writes values raw (only `"` escaped): encode `&` so that the browser
            // decodes exactly the value that was checked.
            Some(Cow::Owned(new)) => {
                el.set_attribute(name, &encode_attribute_value(&new))?;
                edits += 1;
            }
        }
    }
    let has_rel = attrs
        .iter()
        .any(|(name, raw)| name == "rel" && raw == LINK_REL);
    if tag == "a" && !has_rel {
        el.set_attribute("rel", LINK_REL)?;
        edits += 1;
    }
    Ok(edits)
}

/// Encodes a decoded value for a double-quoted attribute.
fn encode_attribute_value(value: &str) -> String {
    value.replace('&', "&amp;").replace('"', "&quot;")
}

/// Decodes an attribute value as the browser does (character references, CR and NUL), by
/// letting html5ever tokenize `<a x="value">`. `None` when the raw value holds both quote kinds
/// (an unquoted value can) and cannot be re-quoted.
pub(crate) fn decode_attribute_value(raw: &str) -> Option<Cow<'_, str>> {
    if !raw.contains(['&', '\r', '\0']) {
        return Some(Cow::Borrowed(raw));
    }
    let quote = if !raw.contains('"') {
        '"'
    } else if !raw.contains('\'') {
        '\''
    } else {
        return None;
    };
    struct Sink(RefCell<Option<StrTendril>>);
    impl TokenSink for Sink {
        type Handle = ();
        fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
            if let Token::TagToken(Tag {
                kind: TagKind::StartTag,
                attrs,
                ..
            }) = token
                && let Some(attr) = attrs.into_iter().next()
            {
                self.0.borrow_mut().get_or_insert(attr.value);
            }
            TokenSinkResult::Continue
        }
    }
    let tokenizer = Tokenizer::new(Sink(RefCell::new(None)), TokenizerOpts::default());
    let queue = BufferQueue::default();
    queue.push_back(StrTendril::from(format!("<a x={quote}{raw}{quote}>")));
    let _ = tokenizer.feed(&queue);
    tokenizer.end();
    let value = tokenizer.sink.0.borrow_mut().take()?;
    Some(Cow::Owned(value.to_string()))
}

/// Watches the raw input for markup left open at the end: the last `<` after the last `>`, or
/// the last `<!--` after the last `-->`. Conservative: `a < b` at the very end falls back too.
#[derive(Default)]
struct TailTracker {
    pos: u64,
    last_lt: Option<u64>,
    last_gt: Option<u64>,
    last_comment_open: Option<u64>,
    last_comment_close: Option<u64>,
    /// The last three bytes of the previous chunk, for patterns across a chunk boundary.
    carry: Vec<u8>,
}

impl TailTracker {
    fn feed(&mut self, chunk: &[u8]) {
        if let Some(i) = memchr::memrchr(b'<', chunk) {
            self.last_lt = Some(self.pos + i as u64);
        }
        if let Some(i) = memchr::memrchr(b'>', chunk) {
            self.last_gt = Some(self.pos + i as u64);
        }
        // Patterns across the boundary: the carry (≤ 3 bytes) and the start of this chunk.
        let mut joint = std::mem::take(&mut self.carry);
        let base = self.pos - joint.len() as u64;
        joint.extend_from_slice(&chunk[..chunk.len().min(3)]);
        for (needle, slot) in [
            (&b"<!--"[..], &mut self.last_comment_open),
            (&b"-->"[..], &mut self.last_comment_close),
        ] {
            if let Some(i) = memchr::memmem::rfind(chunk, needle) {
                *slot = Some(self.pos + i as u64);
            } else if let Some(i) = memchr::memmem::rfind(&joint, needle) {
                *slot = Some(base + i as u64);
            }
        }
        self.carry = if chunk.len() >= 3 {
            chunk[chunk.len() - 3..].to_vec()
        } else {
            // `joint` is the old carry followed by the whole (short) chunk.
            joint[joint.len().saturating_sub(3)..].to_vec()
        };
        self.pos += chunk.len() as u64;
    }

    fn unterminated(&self) -> Option<&'static str> {
        if self.last_lt > self.last_gt {
            Some("a tag left open at the end")
        } else if self.last_comment_open.is_some()
            && self.last_comment_open >= self.last_comment_close
        {
            Some("a comment left open at the end")
        } else {
            None
        }
    }
}

/// One lol_html pass with the fast path's handlers.
struct Pass<'a, O: lol_html::OutputSink> {
    rewriter: HtmlRewriter<'a, O>,
    state: Rc<RefCell<State<'a>>>,
    shared: Rc<RefCell<Shared<'a>>>,
    open_raw: OpenRaw,
    tail: TailTracker,
    end_tags: html::EndTagScanner,
}

impl<'a, O: lol_html::OutputSink> Pass<'a, O> {
    fn new(
        allow: &'a HtmlAllowlist,
        max_token_bytes: usize,
        history: History<'a>,
        sink: O,
    ) -> Result<Self, OutsideSubset> {
        if let Some(tag) = IMPLIED_TAGS.iter().find(|t| !allow.allows_tag(t)) {
            return Err(OutsideSubset::new(
                None,
                format!("the policy does not allow <{tag}>, which parsing can imply"),
            ));
        }
        let state = Rc::new(RefCell::new(State {
            allow,
            seen: Observations::default(),
            seen_colgroup: false,
            end_at: None,
            sentinels: 0,
        }));
        let shared = Rc::new(RefCell::new(Shared {
            after_pre: false,
            open_tables: Rc::default(),
            history,
            edits: 0,
        }));
        let open_raw: OpenRaw = Rc::default();
        let style_text: StyleText = Rc::default();
        let (s1, p1, o1) = (Rc::clone(&state), Rc::clone(&shared), Rc::clone(&open_raw));
        let (t1, t2) = (Rc::clone(&style_text), Rc::clone(&style_text));
        let (p2, p3) = (Rc::clone(&shared), Rc::clone(&shared));
        let s3 = Rc::clone(&state);
        let settings = Settings::new()
            .with_strict(true)
            .with_memory_settings(
                MemorySettings::new()
                    .with_preallocated_parsing_buffer_size(max_token_bytes.min(16 * 1024))
                    // lol_html may buffer what is left of a read chunk besides the token.
                    .with_max_allowed_memory_usage(max_token_bytes.saturating_add(2 * READ_CHUNK)),
            )
            .append_element_content_handler(element!("*", move |el| {
                on_element(el, &mut s1.borrow_mut(), &p1, &o1, &t1)
            }))
            .append_element_content_handler(text!("style", move |t| {
                let mut text = t2.borrow_mut();
                if let Some(sheet) = text.as_mut() {
                    sheet.push_str(t.as_str());
                    if sheet.len() > MAX_STYLE_BYTES {
                        return Err(Box::new(OutsideSubset::new(
                            None,
                            "a <style> sheet larger than the fast path checks",
                        )));
                    }
                }
                Ok(())
            }))
            .append_document_content_handler(doctype!(move |d: &mut Doctype<'_>| {
                if p2
                    .borrow_mut()
                    .removes_token_at(d.source_location().bytes().start as u64)
                {
                    d.remove();
                }
                Ok(())
            }))
            .append_document_content_handler(doc_comments!(move |c: &mut Comment<'_>| {
                let at = c.source_location().bytes().start as u64;
                let mut shared = p3.borrow_mut();
                if c.text().contains('<') {
                    // Markup hidden in a comment (NB112): it goes, as in the checker. Where
                    // removing the token could glue text into markup, an empty comment stays.
                    s3.borrow_mut().seen.add(
                        &rules::html::HIDDEN_MARKUP,
                        html::comment_example(&c.text()),
                    );
                    if shared.removes_token_at(at) {
                        c.remove();
                    } else {
                        c.set_text("").expect("an empty comment text is valid");
                        shared.edits += 1;
                    }
                } else if shared.removes_token_at(at) {
                    c.remove();
                }
                Ok(())
            }));
        Ok(Pass {
            rewriter: HtmlRewriter::new(settings, sink),
            state,
            shared,
            open_raw,
            tail: TailTracker::default(),
            end_tags: html::EndTagScanner::default(),
        })
    }

    fn write(&mut self, chunk: &[u8]) -> Result<(), OutsideSubset> {
        self.tail.feed(chunk);
        self.end_tags.feed(chunk);
        self.shared.borrow_mut().advance(chunk);
        self.rewriter
            .write(chunk)
            .map_err(|e| convert(e, self.tail.pos))
    }

    /// Finishes the pass: what was found and how many edits were made, or why the document is
    /// outside the subset.
    fn end(mut self) -> Result<(Observations, usize), OutsideSubset> {
        let at = self.tail.pos;
        self.state.borrow_mut().end_at = Some(at);
        self.rewriter
            .write(SENTINEL.as_bytes())
            .map_err(|e| convert(e, at))?;
        self.rewriter.end().map_err(|e| convert(e, at))?;
        if self.state.borrow().sentinels != 1 {
            return Err(OutsideSubset::new(
                Some(at),
                "markup unterminated at the end (a tag, attribute value or raw text left open)",
            ));
        }
        if let Some(what) = self.tail.unterminated() {
            return Err(OutsideSubset::new(Some(at), what));
        }
        if self.open_raw.get() > 0 {
            return Err(OutsideSubset::new(
                Some(at),
                "a removed <script> or <style> left open at the end",
            ));
        }
        // Reported last, so that chunking cannot change which reason wins.
        if let Some(hit) = self.end_tags.hit {
            return Err(OutsideSubset::new(Some(hit), "a malformed end tag"));
        }
        let edits = self.shared.borrow().edits;
        let state = Rc::try_unwrap(self.state)
            .map_err(|_| OutsideSubset::new(None, "internal: handler state still shared"))?;
        Ok((state.into_inner().seen, edits))
    }
}

fn convert(err: RewritingError, at: u64) -> OutsideSubset {
    match err {
        RewritingError::ContentHandlerError(e) => match e.downcast::<OutsideSubset>() {
            Ok(outside) => *outside,
            Err(other) => OutsideSubset::new(Some(at), other.to_string()),
        },
        RewritingError::ParsingAmbiguity(e) => {
            OutsideSubset::new(Some(at), format!("ambiguous markup ({e})"))
        }
        RewritingError::MemoryLimitExceeded(_) => OutsideSubset::new(
            Some(at),
            "a single tag or text run larger than the fast path's memory limit",
        ),
        other => OutsideSubset::new(Some(at), other.to_string()),
    }
}

/// Sanitizes a fragment on the fast path alone. `Ok` with `text: None` when the input is clean
/// (keep it byte for byte); `Err` when it is outside the subset and needs the ammonia path.
pub fn sanitize_fragment_fast(
    input: &str,
    allow: &HtmlAllowlist,
) -> Result<Cleaned, OutsideSubset> {
    let mut out: Vec<u8> = Vec::with_capacity(input.len());
    let (seen, _) = {
        let history = History::Whole(input.as_bytes());
        let mut pass = Pass::new(allow, usize::MAX, history, |chunk: &[u8]| {
            out.extend_from_slice(chunk)
        })?;
        for chunk in input.as_bytes().chunks(READ_CHUNK) {
            pass.write(chunk)?;
        }
        pass.end()?
    };
    if seen.is_empty() {
        return Ok(Cleaned::default());
    }
    let text = String::from_utf8(out)
        .map_err(|_| OutsideSubset::new(None, "the rewrite produced invalid UTF-8"))?;
    Ok(Cleaned {
        text: Some(text),
        findings: seen.into_findings(),
    })
}

/// Whether the policy sends an input of `len` bytes to the fast path.
fn wants_fast_path(len: usize, policy: &Policy) -> bool {
    match policy.fast_path() {
        FastPath::Never => false,
        FastPath::Always => true,
        FastPath::Auto => len >= policy.fast_path_threshold(),
    }
}

/// Sanitizes an HTML fragment (a notebook `text/html` output, a widget's HTML state) with the
/// path the policy chooses: the fast path for inputs of at least
/// [`Policy::fast_path_threshold`] bytes (or always/never, [`Policy::fast_path`]), falling
/// back to [`html::sanitize_fragment`] outside its subset. Same contract as
/// `html::sanitize_fragment`: `text: None` keeps the input.
pub fn sanitize_fragment(input: &str, policy: &Policy) -> Cleaned {
    if wants_fast_path(input.len(), policy)
        && let Ok(cleaned) = sanitize_fragment_fast(input, policy.html())
    {
        return cleaned;
    }
    html::sanitize_fragment(input, policy.html())
}

/// Sanitizes HTML from a file or artifact with the semantics of [`html::sanitize_html`]: a
/// whole document goes to [`html::sanitize_document`] (never the fast path); a fragment goes
/// through [`sanitize_fragment`] (fast path when the policy says so), and its result must then
/// pass the document check too, exactly as in `html::sanitize_html`.
pub fn sanitize_html(input: &str, policy: &Policy) -> Cleaned {
    let allow = policy.html();
    if html::is_document(input) {
        return html::sanitize_document(input, allow);
    }
    let mut cleaned = sanitize_fragment(input, policy);
    let as_fragment = cleaned.text.as_deref().unwrap_or(input);
    let as_document = html::sanitize_document(as_fragment, allow);
    if let Some(text) = as_document.text {
        cleaned.text = Some(text);
        cleaned.findings.extend(as_document.findings);
    }
    cleaned
}

/// Limits of the streaming API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StreamLimits {
    /// Largest single token (tag, comment, text run lol_html must buffer) the fast path accepts.
    /// Default: 8 MiB (inline `data:` images in reports reach a few MB).
    pub max_token_bytes: usize,
    /// Up to this many input bytes are kept so that a clean document is passed through byte
    /// for byte and a document outside the subset can be rebuilt by ammonia (whose tree takes
    /// about 45 times the input: 316 MB for 7 MiB of table). Past it the rewritten output is
    /// streamed and leaving the subset is an error. Default: 1 MiB.
    pub fallback_bytes: usize,
}

impl Default for StreamLimits {
    fn default() -> Self {
        StreamLimits {
            max_token_bytes: 8 << 20,
            fallback_bytes: 1 << 20,
        }
    }
}

/// What a streaming run did.
#[derive(Debug, Default)]
pub struct StreamReport {
    /// Whether the output differs from the input.
    pub changed: bool,
    /// Bytes read.
    pub bytes_in: u64,
    /// Whether the document went to the ammonia path (it fit in `fallback_bytes`).
    pub fell_back: bool,
    /// What was found.
    pub findings: Vec<crate::diagnostic::Finding>,
}

const READ_CHUNK: usize = 64 * 1024;

/// Validates UTF-8 across chunk boundaries.
#[derive(Default)]
struct Utf8Check {
    carry: Vec<u8>,
}

impl Utf8Check {
    fn feed(&mut self, chunk: &[u8], at: u64) -> Result<(), Error> {
        let mut buf;
        let data = if self.carry.is_empty() {
            chunk
        } else {
            buf = std::mem::take(&mut self.carry);
            buf.extend_from_slice(chunk);
            &buf[..]
        };
        match std::str::from_utf8(data) {
            Ok(_) => Ok(()),
            Err(e) if e.error_len().is_none() => {
                self.carry = data[e.valid_up_to()..].to_vec();
                Ok(())
            }
            Err(e) => Err(Error::NotText(format!(
                "invalid UTF-8 near byte {}",
                at + e.valid_up_to() as u64
            ))),
        }
    }

    fn end(&self) -> Result<(), Error> {
        if self.carry.is_empty() {
            Ok(())
        } else {
            Err(Error::NotText("truncated UTF-8 at the end".into()))
        }
    }
}

/// Where the pass's output goes: kept in memory until `fallback_bytes` of input have been read,
/// then streamed to the writer. The writer's first error is kept and reported at the end.
struct Spool<W: Write> {
    writer: W,
    buffer: Option<Vec<u8>>,
    error: Option<std::io::Error>,
}

impl<W: Write> Spool<W> {
    fn push(&mut self, chunk: &[u8]) {
        match &mut self.buffer {
            Some(buffer) => buffer.extend_from_slice(chunk),
            None if self.error.is_none() => {
                if let Err(e) = self.writer.write_all(chunk) {
                    self.error = Some(e);
                }
            }
            None => {}
        }
    }
}

/// Sanitizes an HTML document from `reader` to `writer` in bounded memory (see the module
/// docs). A clean document of up to `fallback_bytes` is written byte for byte; a larger one
/// is written as rewritten even when clean (comments and doctypes dropped, `rel` added to
/// links: [`StreamReport::changed`] says whether anything was). [`check_stream`] first avoids
/// that for files.
///
/// # Errors
/// [`Error::OutsideFastPath`] when a document larger than `fallback_bytes` leaves the subset:
/// the writer has then received a partial document that must be discarded. I/O errors, and
/// [`Error::NotText`] for input that is not UTF-8.
pub fn sanitize_stream(
    mut reader: impl Read,
    writer: impl Write,
    allow: &HtmlAllowlist,
    limits: StreamLimits,
) -> Result<StreamReport, Error> {
    let spool = RefCell::new(Spool {
        writer,
        buffer: Some(Vec::new()),
        error: None,
    });
    let mut raw: Option<Vec<u8>> = Some(Vec::new());
    let mut utf8 = Utf8Check::default();
    let mut chunk = vec![0u8; READ_CHUNK];
    let mut total: u64 = 0;
    let history = History::recent(limits.max_token_bytes);
    let mut pass = Pass::new(allow, limits.max_token_bytes, history, |c: &[u8]| {
        spool.borrow_mut().push(c)
    })
    .ok();
    let mut outside: Option<OutsideSubset> = None;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        let bytes = &chunk[..n];
        utf8.feed(bytes, total)?;
        total += n as u64;
        if let Some(kept) = &mut raw {
            kept.extend_from_slice(bytes);
        }
        if let Some(p) = &mut pass
            && let Err(e) = p.write(bytes)
        {
            pass = None;
            outside = Some(e);
        }
        if total > limits.fallback_bytes as u64 && raw.is_some() {
            if let Some(e) = outside.take() {
                return Err(Error::OutsideFastPath(e.to_string()));
            }
            // Commit: stream from now on.
            raw = None;
            let mut spool = spool.borrow_mut();
            if let Some(buffer) = spool.buffer.take() {
                spool.push(&buffer);
            }
        }
        if raw.is_none() && outside.is_some() {
            break;
        }
    }
    // Reading stopped early (the fast path failed after the commit): the input's tail was
    // never read, so a character cut by the last read says nothing about it.
    if raw.is_some() || outside.is_none() {
        utf8.end()?;
    }
    let result = match pass {
        Some(p) => match outside {
            Some(e) => Err(e),
            None => p.end(),
        },
        None => Err(outside.unwrap_or_else(|| {
            OutsideSubset::new(None, "the policy is outside the fast path's subset")
        })),
    };
    let mut spool = spool.into_inner();
    if let Some(e) = spool.error.take() {
        return Err(e.into());
    }
    let mut report = StreamReport {
        bytes_in: total,
        ..StreamReport::default()
    };
    match (result, raw) {
        (Ok((seen, _)), Some(raw)) => {
            if seen.is_empty() {
                spool.writer.write_all(&raw)?;
            } else {
                report.changed = true;
                report.findings = seen.into_findings();
                spool
                    .writer
                    .write_all(&spool.buffer.take().unwrap_or_default())?;
            }
        }
        (Ok((seen, edits)), None) => {
            report.changed = edits > 0;
            report.findings = seen.into_findings();
        }
        (Err(_), Some(raw)) => {
            let text = String::from_utf8(raw)
                .map_err(|e| Error::NotText(format!("invalid UTF-8: {e}")))?;
            let cleaned = html::sanitize_fragment(&text, allow);
            report.fell_back = true;
            report.changed = cleaned.text.is_some();
            report.findings = cleaned.findings;
            spool
                .writer
                .write_all(cleaned.text.as_deref().unwrap_or(&text).as_bytes())?;
        }
        (Err(e), None) => return Err(Error::OutsideFastPath(e.to_string())),
    }
    spool.writer.flush()?;
    Ok(report)
}

/// Checks an HTML document from `reader` on the fast path without writing anything: the
/// findings, or why it is outside the subset (`Ok(Err(..))`). Memory: one token, as much recent
/// input, and one read buffer (no copy of the document). Use it as the first of two passes
/// over a file: only dirty files need the second.
pub fn check_stream(
    mut reader: impl Read,
    allow: &HtmlAllowlist,
    limits: StreamLimits,
) -> Result<Result<Vec<crate::diagnostic::Finding>, OutsideSubset>, Error> {
    let history = History::recent(limits.max_token_bytes);
    let mut pass = match Pass::new(allow, limits.max_token_bytes, history, |_: &[u8]| {}) {
        Ok(pass) => pass,
        Err(e) => return Ok(Err(e)),
    };
    let mut utf8 = Utf8Check::default();
    let mut chunk = vec![0u8; READ_CHUNK];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        };
        utf8.feed(&chunk[..n], total)?;
        total += n as u64;
        if let Err(e) = pass.write(&chunk[..n]) {
            return Ok(Err(e));
        }
    }
    utf8.end()?;
    Ok(pass.end().map(|(seen, _)| seen.into_findings()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(input: &str) -> Result<Option<String>, OutsideSubset> {
        sanitize_fragment_fast(input, &HtmlAllowlist::default()).map(|c| c.text)
    }

    #[test]
    fn clean_pandas_table_is_kept() {
        let table = "<table border=\"1\" class=\"dataframe\">\n<thead><tr style=\"text-align: right;\"><th></th><th>a</th></tr></thead>\n<tbody><tr><th>0</th><td>1 &lt; 2</td></tr></tbody></table>";
        assert_eq!(fast(table), Ok(None));
    }

    #[test]
    fn removes_what_ammonia_removes() {
        let out = fast("<div>ok<script>alert(1)</script><img src=x onerror=alert(1)><a href=\"jav&#x09;ascript:alert(1)\">x</a></div>")
            .unwrap()
            .unwrap();
        assert_eq!(
            out,
            "<div>ok<img src=x><a rel=\"noopener noreferrer\">x</a></div>"
        );
        // A clean sheet is kept (the checker keeps it too); one it would rewrite falls back.
        let styled = "<div>\n<style scoped>.x { color: red }</style>\n<table><tr><td>1</td></tr></table></div>";
        assert_eq!(fast(styled), Ok(None));
        assert!(
            fast(
                "<div><style>.x { background: url(javascript:x) }</style><p onclick=x>y</p></div>"
            )
            .is_err()
        );
    }

    #[test]
    fn falls_back_outside_the_subset() {
        for input in [
            "<svg><script>alert(1)</script></svg>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
            "<select><xmp><script>x</script></xmp></select>",
            "<template><img src=x onerror=alert(1)></template>",
            "<p>unterminated <img src=x onerror=alert(1)",
            "<p>x</p><!-- open comment",
            "<p>x</p><script>never closed",
            "<a href=x href=javascript:alert(1)>x</a>",
            "<title><b>x</b></title>",
            "<pre><script>x</script>\nfoo</pre>",
            "<table><colgroup><script>x</script><col></table>",
            "<custom-element>x</custom-element>",
        ] {
            assert!(fast(input).is_err(), "{input}");
        }
    }

    #[test]
    fn decodes_attribute_values_like_html5ever() {
        assert_eq!(
            decode_attribute_value("jav&#x61;script&colon;x").as_deref(),
            Some("javascript:x")
        );
        assert_eq!(decode_attribute_value("a&ampb").as_deref(), Some("a&ampb"));
        assert_eq!(decode_attribute_value("a&amp;b").as_deref(), Some("a&b"));
        assert_eq!(decode_attribute_value("x\r\ny").as_deref(), Some("x\ny"));
        assert_eq!(decode_attribute_value("&#0;").as_deref(), Some("\u{fffd}"));
        assert_eq!(decode_attribute_value("a\"b'&amp;"), None);
        let out =
            fast("<a href=\"jav&#x61;script&colon;alert(1)\">x</a><img src=\"&#106;avascript:x\">")
                .unwrap()
                .unwrap();
        assert!(!out.contains("script"), "{out}");
    }

    #[test]
    fn tail_tracker_sees_patterns_across_chunks() {
        let doc = b"<p>a</p><!-- b --> c <i>d</i>";
        for split in 0..doc.len() {
            let mut t = TailTracker::default();
            t.feed(&doc[..split]);
            t.feed(&doc[split..]);
            assert_eq!(t.unterminated(), None, "split at {split}");
        }
        let doc = b"<p>a</p><!-- b > c";
        for split in 0..doc.len() {
            let mut t = TailTracker::default();
            for byte in doc[..split].chunks(1) {
                t.feed(byte);
            }
            t.feed(&doc[split..]);
            assert!(t.unterminated().is_some(), "split at {split}");
        }
    }

    #[test]
    fn streaming_passes_clean_documents_through_and_rewrites_dirty_ones() {
        let allow = HtmlAllowlist::default();
        let clean = "<!DOCTYPE html><p>x <!-- c --> <a href=\"/y\">y</a></p>".repeat(100);
        let mut out = Vec::new();
        let report =
            sanitize_stream(clean.as_bytes(), &mut out, &allow, StreamLimits::default()).unwrap();
        assert!(!report.changed);
        assert_eq!(out, clean.as_bytes());
        // Past the in-memory window too: nothing to edit, nothing changed.
        let links = "<p><a href=\"/y\" rel=\"noopener noreferrer\">y</a></p>".repeat(100);
        let small = StreamLimits {
            fallback_bytes: 64,
            ..StreamLimits::default()
        };
        let mut out = Vec::new();
        let report = sanitize_stream(links.as_bytes(), &mut out, &allow, small).unwrap();
        assert!(!report.changed);
        assert_eq!(out, links.as_bytes());

        let dirty = "<p onclick=x>y</p>".repeat(10_000);
        let limits = StreamLimits {
            fallback_bytes: 1024,
            ..StreamLimits::default()
        };
        let mut out = Vec::new();
        let report = sanitize_stream(dirty.as_bytes(), &mut out, &allow, limits).unwrap();
        assert!(report.changed);
        assert_eq!(out, "<p>y</p>".repeat(10_000).as_bytes());

        let late_svg = format!("{}<svg><script>x</script></svg>", "<p>y</p>".repeat(1000));
        let err = sanitize_stream(late_svg.as_bytes(), Vec::new(), &allow, limits).unwrap_err();
        assert!(matches!(err, Error::OutsideFastPath(_)), "{err}");
        let mut out = Vec::new();
        let report = sanitize_stream(
            late_svg.as_bytes(),
            &mut out,
            &allow,
            StreamLimits::default(),
        )
        .unwrap();
        assert!(report.fell_back);
        assert!(!String::from_utf8(out).unwrap().contains("<script"));
    }
}
