/*! The rule registry: every finding has a stable code `NB` + three digits.

Families: `NB1xx` HTML, `NB2xx` SVG, `NB3xx` Markdown and LaTeX, `NB4xx` notebook structure,
`NB5xx` MLflow stores and artifacts, `NB6xx` MIME bundle decisions, `NB7xx` model files.
A code is never reused. Each rule is declared once, with its documentation as doc comments;
`nbsanitize rule CODE` prints exactly that text. */

use crate::diagnostic::Severity;

/// A rule: its code, a kebab-case name, a severity and its documentation.
#[derive(Debug, PartialEq, Eq)]
pub struct Rule {
    /// `NB` + three digits.
    pub code: &'static str,
    /// kebab-case name, e.g. `html-script-element`.
    pub name: &'static str,
    /// How bad a finding of this rule is.
    pub severity: Severity,
    raw_doc: &'static str,
}

impl Rule {
    /// The rule's documentation: the doc comment it is declared with.
    pub fn doc(&self) -> String {
        let mut out = String::with_capacity(self.raw_doc.len());
        for line in self.raw_doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }

    /// The first line of the documentation.
    pub fn summary(&self) -> &'static str {
        self.raw_doc.lines().next().unwrap_or("").trim()
    }
}

/// Declares rules as `pub static` items whose doc comment is also their runtime doc.
macro_rules! declare_rules {
    ($( $(#[doc = $doc:literal])* $ident:ident = ($code:literal, $name:literal, $severity:ident); )*) => {
        $(
            $(#[doc = $doc])*
            pub static $ident: $crate::rules::Rule = $crate::rules::Rule {
                code: $code,
                name: $name,
                severity: $crate::diagnostic::Severity::$severity,
                raw_doc: concat!($($doc, "\n"),*),
            };
        )*
        /// Every rule of this family, in code order.
        pub static RULES: &[&$crate::rules::Rule] = &[$(&$ident),*];
    };
}

pub mod html;
pub mod markdown;
pub mod mime;
pub mod mlflow;
pub mod model;
pub mod notebook;
pub mod svg;

/// Every family's rules.
static FAMILIES: &[&[&Rule]] = &[
    html::RULES,
    svg::RULES,
    markdown::RULES,
    notebook::RULES,
    mlflow::RULES,
    mime::RULES,
    model::RULES,
];

/// Every rule, in code order.
pub fn all() -> impl Iterator<Item = &'static Rule> {
    FAMILIES.iter().flat_map(|family| family.iter().copied())
}

/// Looks a rule up by code (`NB101`, case-insensitive) or by name.
pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    all().find(|rule| {
        rule.code.eq_ignore_ascii_case(code_or_name) || rule.name.eq_ignore_ascii_case(code_or_name)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_well_formed_and_in_their_family() {
        let mut seen = HashSet::new();
        for rule in super::all() {
            assert!(seen.insert(rule.code), "duplicate code {}", rule.code);
            assert!(seen.insert(rule.name), "duplicate name {}", rule.name);
            assert_eq!(rule.code.len(), 5, "{}", rule.code);
            assert!(rule.code.starts_with("NB"), "{}", rule.code);
            assert!(
                rule.code[2..].chars().all(|c| c.is_ascii_digit()),
                "{}",
                rule.code
            );
            assert!(!rule.summary().is_empty(), "{} has no doc", rule.code);
        }
        for (family, digit) in [
            (super::html::RULES, '1'),
            (super::svg::RULES, '2'),
            (super::markdown::RULES, '3'),
            (super::notebook::RULES, '4'),
            (super::mlflow::RULES, '5'),
            (super::mime::RULES, '6'),
            (super::model::RULES, '7'),
        ] {
            for rule in family {
                assert_eq!(
                    rule.code.as_bytes()[2] as char,
                    digit,
                    "{} misfiled",
                    rule.code
                );
            }
        }
    }

    #[test]
    fn doc_is_the_doc_comment() {
        let doc = super::html::SCRIPT_ELEMENT.doc();
        assert!(doc.starts_with("A `<script>` element"), "{doc}");
        assert_eq!(super::find("nb101"), Some(&super::html::SCRIPT_ELEMENT));
        assert_eq!(
            super::find("html-script-element"),
            Some(&super::html::SCRIPT_ELEMENT)
        );
        assert_eq!(super::find("NB999"), None);
    }
}
