/*! CSS declarations checked with a real CSS parser (cssparser), property by property.

A declaration is kept only when its property is on the allowlist and every token of its value
is inert: identifiers, numbers, dimensions, colours, strings, commas and a short list of
functions (`rgb()`, `calc()`, gradients, transforms). `url()` is allowed only for in-document
`#fragment` references (SVG `clip-path: url(#p1)`); `expression()`, `@import`, `behavior`,
`-moz-binding` and custom properties can never pass. Escapes are decoded by the tokenizer
before the check, so `expr\65ssion(` is seen as `expression(`. */

use cssparser::{
    AtRuleParser, CowRcStr, DeclarationParser, ParseError, Parser, ParserInput, ParserState,
    QualifiedRuleParser, RuleBodyItemParser, RuleBodyParser, Token,
};

/// Properties whose values may be kept (lower case).
pub(crate) const ALLOWED_PROPERTIES: &[&str] = &[
    "align-content",
    "align-items",
    "align-self",
    "background",
    "background-color",
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
    "color",
    "column-gap",
    "dominant-baseline",
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
    "position",
    "right",
    "row-gap",
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
    "text-shadow",
    "text-transform",
    "top",
    "transform",
    "transform-origin",
    "vertical-align",
    "visibility",
    "white-space",
    "width",
    "word-break",
    "word-spacing",
    "word-wrap",
    "z-index",
];

/// Functions allowed in values (lower case); their arguments are checked the same way.
const ALLOWED_FUNCTIONS: &[&str] = &[
    "calc",
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
    while let Some(item) = body.next() {
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
        let lower = name.to_ascii_lowercase();
        if !ALLOWED_PROPERTIES.contains(&lower.as_str()) {
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
            Token::Delim(c) if matches!(c, '/' | '+' | '-' | '*' | '.' | '%' | '!') => {}
            Token::UnquotedUrl(url) if is_fragment_url(&url) => {}
            Token::Function(name) => {
                let name = name.to_ascii_lowercase();
                if name == "url" {
                    input.parse_nested_block(|args| {
                        let ok =
                            matches!(args.next(), Ok(Token::QuotedString(s)) if is_fragment_url(s));
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

fn is_fragment_url(url: &str) -> bool {
    let url = url.trim();
    url.starts_with('#')
        && url[1..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
}

#[cfg(test)]
mod tests {
    use super::check_declarations;

    #[test]
    fn keeps_pandas_and_matplotlib_styles() {
        for css in [
            "text-align: right;",
            "fill: none; stroke: #1f77b4; stroke-width: 1.5; stroke-linecap: square",
            "background-color: rgba(0, 0, 0, 0.5); font-family: \"DejaVu Sans\", sans-serif",
            "clip-path: url(#p1a2b3c)",
            "width: calc(100% - 2em) !important",
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
            "color: red; position: fixed",
            "color: red; --x: url(javascript:alert(1))",
            "color: red; @import 'x.css'",
        ] {
            let out = check_declarations(css);
            assert!(!out.is_clean(), "{css}");
            assert_eq!(out.kept, "color: red", "{css}");
        }
    }
}
