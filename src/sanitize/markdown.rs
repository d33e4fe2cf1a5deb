/*! Markdown: raw HTML spans and link destinations found with pulldown-cmark.

Only the spans that change are rewritten; the rest of the cell stays byte for byte. */

use pulldown_cmark::{Event, LinkType, Options, Parser, Tag};

use super::html::{self, Cleaned, HtmlAllowlist};
use crate::diagnostic::{Action, Finding};
use crate::rules;

/// Sanitizes Markdown source. Removing HTML can reveal Markdown that was inside it (a link
/// after a `<script>` on the same line of an HTML block), so passes repeat until nothing
/// changes (at most four; then every `<` is escaped and links checked once more).
pub fn sanitize_markdown(input: &str, allow: &HtmlAllowlist) -> Cleaned {
    let first = sanitize_once(input, allow);
    let Some(mut text) = first.text else {
        return first;
    };
    let mut findings = first.findings;
    for _ in 0..3 {
        let again = sanitize_once(&text, allow);
        match again.text {
            None => {
                return Cleaned {
                    text: Some(text),
                    findings,
                };
            }
            Some(next) => {
                findings.extend(again.findings);
                text = next;
            }
        }
    }
    let escaped = text.replace('<', "&lt;");
    let last = sanitize_once(&escaped, allow);
    findings.extend(last.findings);
    Cleaned {
        text: Some(last.text.unwrap_or(escaped)),
        findings,
    }
}

/// Markdown destinations: what the HTML policy allows on links, JupyterLab's
/// `attachment:NAME` references to the cell's own attachments, and raster `data:` images.
fn destination_is_safe(url: &str) -> bool {
    match html::scheme_of(url.trim()).as_deref() {
        Some("attachment") => true,
        Some("data") => {
            html::url_is_safe("img", "src", url) && !url.to_ascii_lowercase().contains("svg")
        }
        _ => html::url_is_safe("a", "href", url),
    }
}

fn sanitize_once(input: &str, allow: &HtmlAllowlist) -> Cleaned {
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut findings = Vec::new();
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut html_block: Option<std::ops::Range<usize>> = None;
    let parser = Parser::new_ext(input, options);
    // Reference definitions (`[r]: javascript:…`) are rewritten where they stand, so every
    // `[text][r]`, `[text][]` and `[r]` using them follows.
    for (_, def) in parser.reference_definitions().iter() {
        if destination_is_safe(&def.dest) {
            continue;
        }
        let source = &input[def.span.clone()];
        let Some(label_end) = label_end(source) else {
            continue;
        };
        let mut replacement = format!("{}: #", &source[..label_end]);
        if source.ends_with('\n') {
            replacement.push('\n');
        }
        edits.push((def.span.clone(), replacement));
        findings.push(Finding::new(
            &rules::markdown::MARKDOWN_UNSAFE_LINK,
            Action::Neutralized,
            format!(
                "link definition to `{}` replaced with `#`",
                def.dest.chars().take(40).collect::<String>()
            ),
        ));
    }
    for (event, range) in parser.into_offset_iter() {
        match event {
            Event::Html(_) => {
                html_block = Some(match html_block.take() {
                    Some(open) => open.start..range.end,
                    None => range,
                });
                continue;
            }
            Event::InlineHtml(_) => {
                // Inline HTML tags are sanitized one by one in context of the paragraph below.
                let span = &input[range.clone()];
                let cleaned = html::sanitize_inline_tag(span, allow);
                if let Some(text) = cleaned.text {
                    findings.extend(cleaned.findings);
                    edits.push((range, text));
                }
            }
            Event::Start(Tag::Link {
                dest_url,
                link_type,
                ..
            })
            | Event::Start(Tag::Image {
                dest_url,
                link_type,
                ..
            }) if !destination_is_safe(&dest_url) => {
                let span = &input[range.clone()];
                let edit = match link_type {
                    // The destination is in a definition, rewritten above.
                    LinkType::Reference
                    | LinkType::ReferenceUnknown
                    | LinkType::Collapsed
                    | LinkType::CollapsedUnknown
                    | LinkType::Shortcut
                    | LinkType::ShortcutUnknown => None,
                    LinkType::Inline => Some(match inline_destination(span) {
                        Some(dest) => (
                            range.start + dest.start..range.start + dest.end,
                            "#".to_owned(),
                        ),
                        None => (range.clone(), "[link removed]".to_owned()),
                    }),
                    _ => Some(match span.rfind(dest_url.as_ref()) {
                        Some(pos) => {
                            let at = range.start + pos;
                            (at..at + dest_url.len(), "#".to_owned())
                        }
                        None => (range.clone(), "[link removed]".to_owned()),
                    }),
                };
                if let Some(edit) = edit {
                    edits.push(edit);
                    findings.push(Finding::new(
                        &rules::markdown::MARKDOWN_UNSAFE_LINK,
                        Action::Neutralized,
                        format!(
                            "link to `{}` replaced with `#`",
                            dest_url.chars().take(40).collect::<String>()
                        ),
                    ));
                }
            }
            _ => {}
        }
        if let Some(block) = html_block.take() {
            flush_block(input, block, allow, &mut edits, &mut findings);
        }
    }
    if let Some(block) = html_block.take() {
        flush_block(input, block, allow, &mut edits, &mut findings);
    }
    if edits.is_empty() {
        return Cleaned {
            text: None,
            findings,
        };
    }
    edits.sort_by_key(|(range, _)| range.start);
    let mut out = String::with_capacity(input.len());
    let mut at = 0;
    for (range, text) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&input[at..range.start]);
        out.push_str(&text);
        at = range.end;
    }
    out.push_str(&input[at..]);
    Cleaned {
        text: Some(out),
        findings,
    }
}

/// The end of a definition's `[label]` (the index just past `]`), skipping `\]`.
fn label_end(source: &str) -> Option<usize> {
    let start = source.find('[')?;
    let mut escaped = false;
    for (i, c) in source[start + 1..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ']' => {
                let end = start + 1 + i + 1;
                return source[end..].starts_with(':').then_some(end);
            }
            _ => {}
        }
    }
    None
}

/// The range of an inline link's destination and title inside its source
/// `[text](dest "title")` (or `![alt](…)`): what lies between the `(` after the link text's
/// closing `]` and the final `)`. Brackets in the text are balanced (CommonMark), backslash
/// escapes and code spans skipped.
fn inline_destination(span: &str) -> Option<std::ops::Range<usize>> {
    let bytes = span.as_bytes();
    let mut i = span.find('[')? + 1;
    let mut depth = 1usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 1,
            b'`' => {
                let run = bytes[i..].iter().take_while(|&&b| b == b'`').count();
                let fence = &span[i..i + run];
                match span[i + run..].find(fence) {
                    Some(close) => i += run + close + run - 1,
                    None => i += run - 1,
                }
            }
            b'[' => depth += 1,
            b']' => {
                depth -= 1;
                if depth == 0 {
                    let open = i + 1;
                    if bytes.get(open) != Some(&b'(') || !span.ends_with(')') {
                        return None;
                    }
                    return Some(open + 1..span.len() - 1);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn flush_block(
    input: &str,
    block: std::ops::Range<usize>,
    allow: &HtmlAllowlist,
    edits: &mut Vec<(std::ops::Range<usize>, String)>,
    findings: &mut Vec<Finding>,
) {
    let source = &input[block.clone()];
    let cleaned = html::sanitize_fragment(source, allow);
    if let Some(mut text) = cleaned.text {
        // A block left open (`<style>` to the end of a list item) would swallow the HTML the
        // renderer writes after it, and closing it would move the end tag out of its
        // container: the block becomes text instead.
        if cleaned
            .findings
            .iter()
            .any(|f| f.rule == &rules::html::UNTERMINATED_MARKUP)
        {
            text = source.replace('<', "&lt;");
        }
        if input[block.clone()].ends_with('\n') && !text.ends_with('\n') {
            text.push('\n');
        }
        findings.push(Finding::new(
            &rules::markdown::MARKDOWN_RAW_HTML,
            Action::Sanitized,
            "raw HTML block sanitized",
        ));
        findings.extend(cleaned.findings);
        edits.push((block, text));
    }
}

/// Neutralizes `\href{target}` and `\url{target}` in LaTeX when the target's scheme is unsafe.
pub fn sanitize_latex(input: &str) -> Cleaned {
    let mut out = String::with_capacity(input.len());
    let mut findings = Vec::new();
    let mut at = 0;
    while let Some(found) = next_link_command(input, at) {
        let (arg_start, arg_end) = found;
        let target = &input[arg_start..arg_end];
        if !html::url_is_safe("a", "href", target) {
            out.push_str(&input[at..arg_start]);
            out.push('#');
            findings.push(Finding::new(
                &rules::markdown::LATEX_UNSAFE_HREF,
                Action::Neutralized,
                format!(
                    "LaTeX link to `{}` replaced with `#`",
                    target.chars().take(40).collect::<String>()
                ),
            ));
            at = arg_end;
        } else {
            out.push_str(&input[at..arg_end]);
            at = arg_end;
        }
    }
    if findings.is_empty() {
        return Cleaned::default();
    }
    out.push_str(&input[at..]);
    Cleaned {
        text: Some(out),
        findings,
    }
}

/// Finds the next `\href{…}` or `\url{…}` at or after `from`; returns its argument's range.
fn next_link_command(input: &str, from: usize) -> Option<(usize, usize)> {
    let mut search = from;
    loop {
        let rest = &input[search..];
        let slash = rest.find('\\')?;
        let cmd_start = search + slash + 1;
        let name_len = input[cmd_start..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .count();
        let name = &input[cmd_start..cmd_start + name_len];
        let mut pos = cmd_start + name_len;
        if name == "href" || name == "url" {
            pos += input[pos..].len() - input[pos..].trim_start().len();
            if input[pos..].starts_with('{') {
                let arg_start = pos + 1;
                let mut depth = 1usize;
                for (i, c) in input[arg_start..].char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some((arg_start, arg_start + i));
                            }
                        }
                        _ => {}
                    }
                }
                return None;
            }
        }
        search = pos.max(cmd_start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_links_and_raw_html() {
        let allow = HtmlAllowlist::default();
        let md = "# Title\n\nSome *text* and [ok](https://x.org) and [bad](javascript:alert(1)).\n\n<div onclick=\"alert(1)\">hi</div>\n\nInline <img src=x onerror=alert(1)> end.\n";
        let out = sanitize_markdown(md, &allow);
        let text = out.text.expect("changed");
        assert!(
            text.starts_with("# Title\n\nSome *text* and [ok](https://x.org) and [bad](#)."),
            "{text}"
        );
        assert!(
            !text.contains("onclick") && !text.contains("onerror"),
            "{text}"
        );
        assert!(
            sanitize_markdown(&text, &allow).text.is_none(),
            "idempotent: {text}"
        );
        assert!(
            sanitize_markdown("plain *markdown* with <b>bold</b>\n", &allow)
                .text
                .is_none()
        );
    }

    #[test]
    fn obfuscated_reference_and_autolink_destinations() {
        let allow = HtmlAllowlist::default();
        for (md, expected) in [
            ("[a][r]\n\n[r]: javascript:alert(1)\n", "[a][r]\n\n[r]: #\n"),
            (
                "[r]\n\n[r]: <javascript:alert(1)> \"t\"\n",
                "[r]\n\n[r]: #\n",
            ),
            ("[a][]\n\n[a\\]b]: vbscript:x\n", "[a][]\n\n[a\\]b]: #\n"),
            ("<javascript:alert(1)>", "<#>"),
            ("[a](<javascript:alert(1)>)", "[a](#)"),
            ("[a](jav&#x61;script:alert(1))", "[a](#)"),
            ("[a](javascript&#58;alert(1) \"t\")", "[a](#)"),
            ("[a]( javascript:alert(1) )", "[a](#)"),
            ("![i](data:text/html,x)", "![i](#)"),
            ("[`](`](javascript:x)", "[`](`](#)"),
            ("[![i](x.png)](java%73cript:x)", "[![i](x.png)](#)"),
            ("> - [a](JAVASCRIPT:x)\n", "> - [a](#)\n"),
        ] {
            let out = sanitize_markdown(md, &allow);
            assert_eq!(out.text.as_deref(), Some(expected), "{md}");
            assert_eq!(out.findings[0].rule.code, "NB301", "{md}");
            assert!(
                sanitize_markdown(expected, &allow).text.is_none(),
                "{expected}"
            );
        }
        for md in [
            "[a](https://x.org \"t\") [b][c]\n\n[c]: ./rel.md\n",
            "<https://x.org> and <a@b.org>",
            "![logo](attachment:pycon-logo.jpg)",
            "`[a](javascript:x)` in code",
        ] {
            assert!(sanitize_markdown(md, &allow).text.is_none(), "{md}");
        }
    }

    #[test]
    fn latex_hrefs() {
        let out = sanitize_latex(r"$\href{javascript:alert(1)}{x}$ and \url{https://ok}");
        assert_eq!(
            out.text.as_deref(),
            Some(r"$\href{#}{x}$ and \url{https://ok}")
        );
        assert!(
            sanitize_latex(r"$\frac{a}{b} \href {https://x}{y}$")
                .text
                .is_none()
        );
    }

    const PIECES: &[&str] = &[
        "[a](",
        "javascript:alert(1)",
        "jav&#x61;script:x",
        ")",
        "<",
        ">",
        "[r]",
        "[r]: ",
        "\n",
        "\n\n",
        "![i](",
        "data:text/html,x",
        "https://ok/",
        " \"t\"",
        "`",
        "<b>",
        "</b>",
        "<img src=x onerror=alert(1)>",
        "<div>",
        "</div>",
        "<script>x</script>",
        "# h",
        "> ",
        "- ",
        "*",
        "[",
        "]",
        "(",
        "\\",
        "<!--",
        "-->",
        "<javascript:x>",
        "<style>",
        "</style>",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            failure_persistence: None,
            ..Default::default()
        })]

        #[test]
        fn markdown_is_idempotent_and_links_are_safe(
            parts in proptest::collection::vec(proptest::sample::select(PIECES), 0..20)
        ) {
            let allow = HtmlAllowlist::default();
            let md = parts.concat();
            let out = sanitize_markdown(&md, &allow);
            let text = out.text.unwrap_or_else(|| md.clone());
            let again = sanitize_markdown(&text, &allow);
            proptest::prop_assert!(again.text.is_none(), "{:?} -> {:?} -> {:?}", md, text, again.text);
            let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
            let mut block = String::new();
            for event in Parser::new_ext(&text, options) {
                match event {
                    Event::Html(h) => {
                        block.push_str(&h);
                        continue;
                    }
                    Event::Start(Tag::Link { dest_url, .. }) | Event::Start(Tag::Image { dest_url, .. }) => {
                        proptest::prop_assert!(html::url_is_safe("a", "href", &dest_url), "{:?} -> {:?}", md, text);
                    }
                    Event::InlineHtml(h) => {
                        proptest::prop_assert!(html::sanitize_inline_tag(&h, &allow).text.is_none(), "{:?} -> {:?}", md, text);
                    }
                    _ => {}
                }
                proptest::prop_assert!(html::sanitize_fragment(&block, &allow).text.is_none(), "{:?} -> {:?}", md, text);
                block.clear();
            }
            proptest::prop_assert!(html::sanitize_fragment(&block, &allow).text.is_none(), "{:?} -> {:?}", md, text);
        }
    }
}
