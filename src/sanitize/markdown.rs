/*! Markdown: raw HTML spans and link destinations found with pulldown-cmark.

Only the spans that change are rewritten; the rest of the cell stays byte for byte. */

use pulldown_cmark::{Event, Options, Parser, Tag};

use super::html::{self, Cleaned, HtmlAllowlist};
use crate::diagnostic::{Action, Finding};
use crate::rules;

/// Sanitizes Markdown source.
pub fn sanitize_markdown(input: &str, allow: &HtmlAllowlist) -> Cleaned {
    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    let mut findings = Vec::new();
    let options =
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS;
    let mut html_block: Option<std::ops::Range<usize>> = None;
    for (event, range) in Parser::new_ext(input, options).into_offset_iter() {
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
                let cleaned = html::sanitize_fragment(span, allow);
                if let Some(text) = cleaned.text {
                    findings.extend(cleaned.findings);
                    edits.push((range, text));
                }
            }
            Event::Start(Tag::Link { dest_url, .. })
            | Event::Start(Tag::Image { dest_url, .. })
                if !html::url_is_safe("a", "href", &dest_url) =>
            {
                let span = &input[range.clone()];
                if let Some(pos) = span.rfind(dest_url.as_ref()) {
                    let at = range.start + pos;
                    edits.push((at..at + dest_url.len(), "#".into()));
                }
                findings.push(Finding::new(
                    &rules::markdown::MARKDOWN_UNSAFE_LINK,
                    Action::Neutralized,
                    format!(
                        "link to `{}` replaced with `#`",
                        dest_url.chars().take(40).collect::<String>()
                    ),
                ));
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

fn flush_block(
    input: &str,
    block: std::ops::Range<usize>,
    allow: &HtmlAllowlist,
    edits: &mut Vec<(std::ops::Range<usize>, String)>,
    findings: &mut Vec<Finding>,
) {
    let cleaned = html::sanitize_fragment(&input[block.clone()], allow);
    if let Some(mut text) = cleaned.text {
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
}
