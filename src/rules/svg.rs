//! `NB2xx`: SVG (`image/svg+xml` outputs and attachments, `.svg` files, inline `<svg>`).

declare_rules! {
    /// Script or event handlers inside SVG.
    ///
    /// ## What it does
    /// Removes `<script>` elements (also namespaced ones such as `<h:script>`) and every `on*`
    /// attribute from SVG.
    ///
    /// ## Why is this bad?
    /// An SVG opened as a document, or inlined in HTML, runs its scripts and handlers.
    ///
    /// ## Example
    /// `<svg onload="alert(1)">` becomes `<svg>`.
    SVG_SCRIPT = ("NB201", "svg-script", Error);

    /// An SVG reference (`href`, `xlink:href`) that is not an in-document `#fragment` or a safe image.
    ///
    /// ## What it does
    /// Keeps `<use href="#id">` and `<image href="data:image/png…">`; removes `javascript:`
    /// links, external `use` documents and other unsafe references.
    ///
    /// ## Why is this bad?
    /// `<a xlink:href="javascript:…">` runs script when clicked; `<use href="https://…#x">`
    /// pulls in foreign SVG.
    ///
    /// ## Example
    /// `<a xlink:href="javascript:alert(1)"><text>x</text></a>` loses its `xlink:href`.
    SVG_UNSAFE_REFERENCE = ("NB202", "svg-unsafe-reference", Error);

    /// An SVG animation (`animate`, `set`, `animateTransform`, …) that targets a link or handler.
    ///
    /// ## What it does
    /// Removes animation elements whose `attributeName` is `href`, `xlink:href` or an `on*`
    /// attribute, or that carry `values`/`to`/`from` with a script URL.
    ///
    /// ## Why is this bad?
    /// `<set attributeName="href" to="javascript:alert(1)">` turns a harmless link into a script
    /// link after the sanitizer has looked at it.
    ///
    /// ## Example
    /// `<a><set attributeName="href" to="javascript:alert(1)"/></a>` loses the `<set>`.
    SVG_ANIMATION_ATTACK = ("NB203", "svg-animation-attack", Error);

    /// `foreignObject` content that is not safe HTML.
    ///
    /// ## What it does
    /// Checks the XHTML inside `foreignObject` (mermaid and draw.io labels) with the HTML
    /// policy and removes elements it does not allow; other namespaces there are removed.
    ///
    /// ## Why is this bad?
    /// `foreignObject` switches back to HTML inside SVG, so every HTML vector applies there.
    ///
    /// ## Example
    /// `<foreignObject><iframe srcdoc="…"></iframe></foreignObject>` loses the iframe.
    SVG_FOREIGN_OBJECT = ("NB204", "svg-foreign-object", Error);

    /// An XML document type declaration or entity in SVG.
    ///
    /// ## What it does
    /// Removes `<!DOCTYPE …>` internal subsets and `<!ENTITY …>` declarations.
    ///
    /// ## Why is this bad?
    /// Entities expand to markup the sanitizer never saw (and to billions of bytes: "billion
    /// laughs"); external entities read local files in some viewers.
    ///
    /// ## Example
    /// `<!DOCTYPE svg [<!ENTITY x "<script>…">]>` is removed.
    SVG_DTD = ("NB205", "svg-dtd", Error);

    /// An SVG element or attribute that is not on the SVG allowlist.
    ///
    /// ## What it does
    /// Removes SVG elements and attributes the policy does not list, elements of other
    /// namespaces (XHTML, MathML; RDF/Dublin Core/Inkscape metadata is kept), and processing
    /// instructions such as `<?xml-stylesheet?>`. Matplotlib, plotly and graphviz output use
    /// only listed ones. An SVG document that is not well-formed XML is replaced by an empty
    /// `<svg/>`.
    ///
    /// ## Why is this bad?
    /// Unlisted elements (`handler`, `listener`, `discard`, namespaced XHTML) are where SVG
    /// engines and sanitizers disagree.
    ///
    /// ## Example
    /// `<svg><h:iframe xmlns:h="http://www.w3.org/1999/xhtml"/></svg>` loses the iframe.
    SVG_DISALLOWED = ("NB206", "svg-disallowed", Warning);
}
