//! `NB1xx`: HTML (outputs, raw cells, artifacts, raw HTML inside Markdown).

declare_rules! {
    /// A `<script>` element in HTML.
    ///
    /// ## What it does
    /// Removes `<script>` elements, with their content, from HTML wherever a browser renders it:
    /// `text/html` outputs, HTML raw cells, raw HTML in Markdown, `.html` artifacts.
    ///
    /// ## Why is this bad?
    /// JupyterLab runs scripts in outputs it considers trusted (every output your own kernel
    /// produces, CVE-2024-27132), and the MLflow UI renders HTML artifacts with scripts allowed
    /// on its own origin. A script there acts with your session: it can add and run cells.
    ///
    /// ## Example
    /// `<div>result</div><script>fetch('/api/contents')</script>` becomes `<div>result</div>`.
    SCRIPT_ELEMENT = ("NB101", "html-script-element", Error);

    /// An event-handler attribute (`onerror`, `onload`, `onclick`, …) in HTML.
    ///
    /// ## What it does
    /// Removes every attribute whose name starts with `on`, on any element, including the
    /// `<html>` and `<body>` start tags of an output (dropped with their tags).
    ///
    /// ## Why is this bad?
    /// `<img src=x onerror=...>` runs script without any `<script>` element, as soon as the
    /// output is shown. `<body onload=...>` in an output does nothing in JupyterLab, but once
    /// nbconvert's HTML export writes the output into its page, the browser gives the handler
    /// to the page's own `<body>`.
    ///
    /// ## Example
    /// `<img src="x" onerror="alert(1)">` becomes `<img src="x">`.
    EVENT_HANDLER = ("NB102", "html-event-handler", Error);

    /// A URL with a scheme that is not allowed (`javascript:`, `vbscript:`, `data:text/html`, …).
    ///
    /// ## What it does
    /// Checks `href`, `src`, `action`, `formaction`, `xlink:href`, `poster`, `background`,
    /// `cite` and similar attributes after decoding entities and removing the whitespace and
    /// control characters browsers ignore. Allowed: relative URLs, `#fragments`, `http`,
    /// `https`, `mailto`, and `data:image/*` on images. Anything else is removed.
    ///
    /// ## Why is this bad?
    /// Clicking `<a href="jav&#x09;ascript:...">` runs script in the page.
    ///
    /// ## Example
    /// `<a href="javascript:alert(1)">x</a>` becomes `<a>x</a>`.
    UNSAFE_URL = ("NB103", "html-unsafe-url", Error);

    /// An element that embeds another document or plug-in (`iframe`, `object`, `embed`, `frame`).
    ///
    /// ## What it does
    /// Removes `iframe`, `frame`, `frameset`, `object`, `embed`, `applet` and `portal`
    /// elements, including `srcdoc` documents.
    ///
    /// ## Why is this bad?
    /// `<iframe srcdoc="<script>...">` and `<object data="data:text/html,...">` run script that no
    /// attribute check of the outer document sees.
    ///
    /// ## Example
    /// `<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>` is removed.
    EMBEDDED_CONTENT = ("NB104", "html-embedded-content", Error);

    /// A form or form control (`form`, `input`, `button`, `select`, `textarea`, …).
    ///
    /// ## What it does
    /// Removes form elements and controls; their text content is kept.
    ///
    /// ## Why is this bad?
    /// Forms can post to other sites (`formaction`), phish for passwords, and are a common
    /// route for DOM clobbering and mXSS (`<select><template>`).
    ///
    /// ## Example
    /// `<form action="https://evil"><input name="password"></form>` is removed.
    FORM_CONTROL = ("NB105", "html-form-control", Warning);

    /// CSS that can run script, load resources or escape its box.
    ///
    /// ## What it does
    /// Parses `style` attributes and `<style>` blocks with a CSS parser and keeps only allowed
    /// properties with safe values: no `expression()`, `url(javascript:…)`, `@import`,
    /// `behavior`, `-moz-binding`, or fixed positioning that covers the page.
    ///
    /// ## Why is this bad?
    /// Old engines run `expression()` and bindings; `@import` and `url()` leak data; an overlay
    /// can fake the notebook interface.
    ///
    /// ## Example
    /// `<p style="color: red; background: url(javascript:alert(1))">` becomes
    /// `<p style="color: red">`.
    UNSAFE_CSS = ("NB106", "html-unsafe-css", Error);

    /// A document-level element (`base`, `meta`, `link`, `head`, `title`) in an output.
    ///
    /// ## What it does
    /// Removes `base`, `meta`, `link` and other elements that change how the whole page loads.
    ///
    /// ## Why is this bad?
    /// `<base href>` redirects every relative URL of the page; `<meta http-equiv=refresh>`
    /// navigates away; `<link rel=import|stylesheet>` loads remote code or CSS.
    ///
    /// ## Example
    /// `<meta http-equiv="refresh" content="0;url=https://evil">` is removed.
    DOCUMENT_METADATA = ("NB107", "html-document-metadata", Error);

    /// An `id` or `name` that clobbers a property of `document` or `window`.
    ///
    /// ## What it does
    /// Prefixes `id` and `name` values that equal a DOM property (`cookie`, `location`,
    /// `getElementById`, …) with `user-content-`, and rewrites in-page `#fragment` links to
    /// match.
    ///
    /// ## Why is this bad?
    /// `<img name="getElementById">` replaces `document.getElementById` for every script of
    /// the page (DOM clobbering), which breaks or redirects JupyterLab's own code.
    ///
    /// ## Example
    /// `<form id="location">` becomes `<form id="user-content-location">`.
    DOM_CLOBBERING = ("NB108", "html-dom-clobbering", Warning);

    /// An element that is not on the HTML allowlist.
    ///
    /// ## What it does
    /// Removes elements the policy does not list (the allowlist is close to what JupyterLab
    /// shows for untrusted output); their text content is kept, except for raw-text elements.
    ///
    /// ## Why is this bad?
    /// Unknown elements are where parser differentials (mXSS) and new browser features live;
    /// only known-inert elements are kept.
    ///
    /// ## Example
    /// `<marquee>hi</marquee>` becomes `hi`.
    DISALLOWED_ELEMENT = ("NB109", "html-disallowed-element", Warning);

    /// An attribute that is not on the HTML allowlist.
    ///
    /// ## What it does
    /// Removes attributes the policy does not allow on that element (for example `srcdoc`,
    /// `formaction`, `ping`, `xmlns:*` on HTML).
    ///
    /// ## Why is this bad?
    /// New attributes load resources or change behaviour; only known-inert ones are kept.
    ///
    /// ## Example
    /// `<a href="/x" ping="https://evil">` becomes `<a href="/x">`.
    DISALLOWED_ATTRIBUTE = ("NB110", "html-disallowed-attribute", Warning);

    /// Markup left open at the end of an HTML fragment.
    ///
    /// ## What it does
    /// Rewrites a fragment that ends inside a tag, an attribute value, a comment or a raw-text
    /// element (`<img src=x onerror=alert(1)//`, `<!--`, `<style>`), so that it is closed.
    ///
    /// ## Why is this bad?
    /// Alone, a browser drops the unfinished tag; but nbconvert and other exporters write
    /// outputs one after another into one page, where the open tag swallows the markup that
    /// follows and turns `//` plus the next output's `</div>` into a working event handler.
    ///
    /// ## Example
    /// `<b>x</b><img src=x onerror=alert(1)//` becomes `<b>x</b>`.
    UNTERMINATED_MARKUP = ("NB111", "html-unterminated-markup", Error);

    /// Markup hidden in a comment, an attribute value or a malformed tag.
    ///
    /// ## What it does
    /// Removes comments whose text contains `<`: conditional comments
    /// (`<!--[if IE]><script>…<![endif]-->`), commented-out markup, and the "bogus comments" a
    /// browser makes of malformed tags such as `</<script>`. Removes attributes whose value
    /// holds a tag (`<` followed by a letter, `/`, `!` or `?`), and end tags that carry
    /// attributes (`</a<p style=…>`). Plain comments and values such as `title="x < 5"` are
    /// kept.
    ///
    /// ## Why is this bad?
    /// A comment or an attribute value is inert only to a parser that agrees on where it ends.
    /// Old browsers ran conditional comments; tools that read HTML another way (Markdown
    /// renderers, regex strippers, XML parsers, sanitizers that parse `<noscript>` with
    /// scripting off, pages that paste an output into a raw-text element) see the markup inside
    /// as live tags: `<p title="</noscript><img src=x onerror=alert(1)>">` is the classic
    /// mutation-XSS payload.
    ///
    /// ## Example
    /// `</<script>alert(1)</script>` becomes `alert(1)`.
    HIDDEN_MARKUP = ("NB112", "html-hidden-markup", Warning);
}
