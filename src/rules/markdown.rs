//! `NB3xx`: Markdown cells, `text/markdown` outputs and `text/latex`.

declare_rules! {
    /// A Markdown link or image whose destination has an unsafe scheme.
    ///
    /// ## What it does
    /// Finds inline, reference-style and autolink destinations with a CommonMark parser and
    /// replaces `javascript:`, `vbscript:`, `data:text/html` (also entity-, percent- and
    /// whitespace-obfuscated forms) with `#`. The rest of the cell is left byte for byte.
    ///
    /// ## Why is this bad?
    /// Markdown renders to `<a href>`; a click on `[docs](javascript:…)` runs script.
    ///
    /// ## Example
    /// `[docs](javascript:alert(1))` becomes `[docs](#)`.
    MARKDOWN_UNSAFE_LINK = ("NB301", "markdown-unsafe-link", Error);

    /// Raw HTML in Markdown that the HTML policy changes.
    ///
    /// ## What it does
    /// Sanitizes each raw HTML span of a Markdown cell or output with the HTML policy and writes
    /// back only the spans that changed. Findings of the HTML family are reported beside it.
    ///
    /// ## Why is this bad?
    /// Markdown allows raw HTML, so every HTML vector works in a Markdown cell.
    ///
    /// ## Example
    /// `Hello <img src=x onerror=alert(1)>` becomes `Hello <img src="x">`.
    MARKDOWN_RAW_HTML = ("NB302", "markdown-raw-html", Error);

    /// A LaTeX `\href` or `\url` with an unsafe scheme.
    ///
    /// ## What it does
    /// Replaces the target of `\href{…}` and `\url{…}` in `text/latex` outputs and in math of
    /// Markdown cells when its scheme is not `http`, `https` or `mailto`.
    ///
    /// ## Why is this bad?
    /// MathJax turns `\href` into a real link; `\href{javascript:…}{x}` runs script on click.
    ///
    /// ## Example
    /// `$\href{javascript:alert(1)}{x}$` becomes `$\href{#}{x}$`.
    LATEX_UNSAFE_HREF = ("NB303", "latex-unsafe-href", Error);
}
