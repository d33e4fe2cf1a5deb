//! `NB4xx`: notebook structure (widget state, raw cells, attachments, metadata).

declare_rules! {
    /// HTML inside saved widget state (`application/vnd.jupyter.widget-state+json`).
    ///
    /// ## What it does
    /// Sanitizes the HTML-bearing values of saved widget models (`HTMLModel.value`,
    /// `HTMLMathModel.value`, `description` and `tooltip` of any model) with the HTML policy.
    ///
    /// ## Why is this bad?
    /// JupyterLab and nbviewer restore widget state from notebook metadata and render these
    /// values as HTML, without any output being trusted.
    ///
    /// ## Example
    /// An `HTMLModel` whose `value` is `<img src=x onerror=alert(1)>` gets `<img src="x">`.
    WIDGET_STATE_HTML = ("NB401", "widget-state-html", Error);

    /// A raw cell whose format is HTML or SVG, with content the policy changes.
    ///
    /// ## What it does
    /// Sanitizes raw cells whose `metadata.raw_mimetype` (or `metadata.format`) is
    /// `text/html` or `image/svg+xml`; nbconvert copies those verbatim into HTML exports.
    ///
    /// ## Why is this bad?
    /// A notebook exported to HTML (nbconvert, Jupyter Book, nbviewer) carries the raw cell's
    /// scripts into the page.
    ///
    /// ## Example
    /// A raw cell `<script>alert(1)</script>` with `raw_mimetype: text/html` becomes empty.
    RAW_CELL_HTML = ("NB402", "raw-cell-html", Error);

    /// A cell attachment whose content the policy changes or removes.
    ///
    /// ## What it does
    /// Applies the MIME policy to every entry of every cell attachment (`image/svg+xml`
    /// attachments are decoded, sanitized and re-encoded).
    ///
    /// ## Why is this bad?
    /// Attachments are rendered by Markdown cells; an SVG attachment opened in a tab runs its
    /// scripts.
    ///
    /// ## Example
    /// An SVG attachment with `<script>` is re-encoded without it.
    ATTACHMENT = ("NB403", "attachment", Error);

    /// An output bundle left with no MIME type, removed as a whole.
    ///
    /// ## What it does
    /// When every entry of a `display_data` or `execute_result` bundle was removed, the output
    /// itself is removed so the notebook stays valid and shows nothing stale.
    ///
    /// ## Why is this bad?
    /// It is not; it records that an output disappeared.
    ///
    /// ## Example
    /// A `display_data` holding only `application/javascript` is removed.
    EMPTY_OUTPUT_REMOVED = ("NB404", "empty-output-removed", Info);
}
