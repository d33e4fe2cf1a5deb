/*! Findings: what was found, where, and what was done about it.

A sanitizer reports a [`Finding`] with an empty [`Location`]; the walker that called it fills
in the cell, output, MIME type and JSON pointer, and the caller adds the file path. */

use serde::Serialize;

use crate::rules::Rule;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Content that can run code in the browser or on load.
    Error,
    /// Content that can mislead or leak (clobbering, tab-nabbing, unknown renderers).
    Warning,
    /// Changes made to keep the output valid (emptied bundles, normalisation).
    Info,
}

/// What was (or, for `check`, would be) done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// The content was deleted (an output, a MIME entry, an element, an attribute).
    Removed,
    /// The content was rewritten by a sanitizer, keeping what is safe.
    Sanitized,
    /// A value was changed so it can no longer act (a URL replaced, an id prefixed).
    Neutralized,
    /// The file was moved to the quarantine folder.
    Quarantined,
    /// Nothing was changed; the finding is only reported (e.g. model files).
    Reported,
}

impl Action {
    /// The lower-case name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Removed => "removed",
            Action::Sanitized => "sanitized",
            Action::Neutralized => "neutralized",
            Action::Quarantined => "quarantined",
            Action::Reported => "reported",
        }
    }
}

/// Where a finding is, inside one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    /// Index of the cell (nbformat 3: counted across worksheets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell: Option<usize>,
    /// The cell's `id` (nbformat ≥ 4.5).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cell_id: Option<String>,
    /// Index of the output within the cell.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output: Option<usize>,
    /// The MIME type of the content.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mime: Option<String>,
    /// RFC 6901 JSON pointer to the value, for JSON files; empty otherwise.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pointer: String,
    /// Member of an archive (zip, tar) the finding is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<String>,
}

impl Location {
    /// A short human form: `cell 3 (id abc), output 0, text/html`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(cell) = self.cell {
            match &self.cell_id {
                Some(id) => parts.push(format!("cell {cell} (id {id})")),
                None => parts.push(format!("cell {cell}")),
            }
        }
        if let Some(output) = self.output {
            parts.push(format!("output {output}"));
        }
        if let Some(mime) = &self.mime {
            parts.push(mime.clone());
        }
        if let Some(member) = &self.member {
            parts.push(format!("member {member}"));
        }
        if parts.is_empty() && !self.pointer.is_empty() {
            parts.push(self.pointer.clone());
        }
        parts.join(", ")
    }
}

/// One thing found in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule that found it.
    #[serde(rename = "code", serialize_with = "serialize_rule")]
    pub rule: &'static Rule,
    /// One line saying what was found.
    pub message: String,
    /// Where it is.
    pub location: Location,
    /// What was done.
    pub action: Action,
}

fn serialize_rule<S: serde::Serializer>(rule: &&'static Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.code)
}

impl Finding {
    /// A finding with an empty location, for a walker to place.
    ///
    /// A finding is one line of the text report: line breaks in `message` (text quoted from
    /// the input) become spaces.
    pub fn new(rule: &'static Rule, action: Action, message: impl Into<String>) -> Self {
        let mut message: String = message.into();
        if message.contains(['\n', '\r']) {
            message = message.replace("\r\n", " ").replace(['\n', '\r'], " ");
        }
        Finding {
            rule,
            message,
            location: Location::default(),
            action,
        }
    }

    /// The rule's severity.
    pub fn severity(&self) -> Severity {
        self.rule.severity
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_is_one_line() {
        let quoted = "`.a,\r\n.b,\n.c { x: y }` in <style>";
        let finding = Finding::new(&crate::rules::html::UNSAFE_CSS, Action::Removed, quoted);
        assert_eq!(finding.message, "`.a, .b, .c { x: y }` in <style>");
    }
}
