/*! Notebooks: reading, walking every place a browser renders, and writing as nbformat does.

A notebook is kept as a `serde_json::Value` so that every key, known or not, survives. The
walker visits code-cell outputs (each MIME entry), Markdown and raw-cell sources, attachments
and saved widget state, asks the [`Policy`] what to do with each, and records findings with
their location. Nothing is serialized unless something changed: an untouched notebook is
returned by the caller byte for byte. */

pub mod json;

use serde_json::{Map, Value};

use crate::diagnostic::{Action, Finding, Location};
use crate::error::Error;
use crate::mime::MimeType;
use crate::policy::{Policy, Treatment};
use crate::rules;
use crate::sanitize::{self, Cleaned};

/// A parsed notebook (nbformat 3 or 4).
#[derive(Debug, Clone)]
pub struct Notebook {
    value: Value,
    major: i64,
    crlf: bool,
}

/// MIME keys whose string values nbformat 4 writes as lists of lines (besides `text/*`).
const SPLIT_MIMES: &[&str] = &["application/javascript", "image/svg+xml"];
/// nbformat 3 output keys written as lists of lines.
const V3_MULTILINE_KEYS: &[&str] = &["text", "html", "svg", "latex", "javascript", "json"];
/// The widget-state key in notebook metadata.
const WIDGET_STATE: &str = "application/vnd.jupyter.widget-state+json";

impl Notebook {
    /// Parses notebook JSON. Refuses JSON that is not a notebook, and nbformat other than 3/4.
    pub fn parse(text: &str) -> Result<Self, Error> {
        Self::from_value(json::parse(text)?, text)
    }

    /// Wraps an already parsed document; `text` is the source it came from (for its line ends).
    pub fn from_value(value: Value, text: &str) -> Result<Self, Error> {
        let Value::Object(root) = &value else {
            return Err(Error::InvalidSchema(
                "not a notebook: the top level is not a JSON object".into(),
            ));
        };
        let major = match root.get("nbformat") {
            Some(Value::Number(n)) => n
                .as_i64()
                .ok_or_else(|| Error::schema("/nbformat", "`nbformat` is not an integer"))?,
            Some(_) => return Err(Error::schema("/nbformat", "`nbformat` is not an integer")),
            None => {
                return Err(Error::InvalidSchema(
                    "not a notebook: JSON without an `nbformat` key".into(),
                ));
            }
        };
        match major {
            4 => expect_array(root.get("cells"), "/cells")?,
            3 => expect_array(root.get("worksheets"), "/worksheets")?,
            other => return Err(Error::UnsupportedNbformat(other)),
        };
        let crlf = text
            .find('\n')
            .is_some_and(|i| i > 0 && text.as_bytes()[i - 1] == b'\r');
        Ok(Notebook { value, major, crlf })
    }

    /// The `nbformat` major version (3 or 4).
    pub fn nbformat(&self) -> i64 {
        self.major
    }

    /// The notebook as JSON.
    pub fn as_value(&self) -> &Value {
        &self.value
    }

    /// Sanitizes in place. Returns every finding; the notebook changed when any finding's
    /// action is not [`Action::Reported`].
    pub fn sanitize(&mut self, policy: &Policy) -> Result<Vec<Finding>, Error> {
        let mut walker = Walker {
            policy,
            findings: Vec::new(),
        };
        if self.major == 4 {
            walker.walk_v4(&mut self.value)?;
        } else {
            walker.walk_v3(&mut self.value)?;
        }
        Ok(walker.findings)
    }

    /// Serializes as nbformat writes: lines split, transient keys dropped, sorted keys, one-space
    /// indent, trailing newline (CRLF kept when the input used it).
    pub fn to_nbformat_bytes(&self) -> Vec<u8> {
        let mut value = self.value.clone();
        if self.major == 4 {
            normalize_v4(&mut value);
        } else {
            normalize_v3(&mut value);
        }
        // nbformat writes v4 with `ensure_ascii=False` and v3 with Python's default `True`.
        let ascii = self.major == 3;
        json::write_python(&value, self.crlf, ascii)
    }
}

/// Serializes a notebook value exactly as `nbformat.write` does for its `nbformat` version:
/// lines split, transient keys dropped, sorted keys, one-space indent, `\n` and a trailing
/// newline. Strings must already be joined as `nbformat.read` leaves them.
pub fn write_nbformat(value: &Value) -> Vec<u8> {
    let mut value = value.clone();
    let v3 = value.get("nbformat").and_then(Value::as_i64) == Some(3);
    if v3 {
        normalize_v3(&mut value);
    } else {
        normalize_v4(&mut value);
    }
    json::write_python(&value, false, v3)
}

fn expect_array(value: Option<&Value>, pointer: &str) -> Result<(), Error> {
    match value {
        Some(Value::Array(_)) => Ok(()),
        _ => Err(Error::schema(pointer, "expected an array")),
    }
}

/// Escapes one JSON pointer segment (RFC 6901).
fn segment(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Joins a multi-line value (string, or list of strings) into one string.
fn join_text(value: &Value, pointer: &str) -> Result<String, Error> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Array(items) => {
            let mut out = String::new();
            for (i, item) in items.iter().enumerate() {
                match item {
                    Value::String(s) => out.push_str(s),
                    _ => {
                        return Err(Error::schema(
                            &format!("{pointer}/{i}"),
                            "expected a string",
                        ));
                    }
                }
            }
            Ok(out)
        }
        _ => Err(Error::schema(
            pointer,
            "expected a string or a list of strings",
        )),
    }
}

struct Walker<'p> {
    policy: &'p Policy,
    findings: Vec<Finding>,
}

/// Where the walker is, to place findings.
#[derive(Clone, Default)]
struct At {
    cell: Option<usize>,
    cell_id: Option<String>,
    output: Option<usize>,
}

impl At {
    fn locate(&self, pointer: &str, mime: Option<&str>) -> Location {
        Location {
            cell: self.cell,
            cell_id: self.cell_id.clone(),
            output: self.output,
            mime: mime.map(str::to_owned),
            pointer: pointer.to_owned(),
            member: None,
        }
    }
}

impl Walker<'_> {
    fn place(&mut self, findings: Vec<Finding>, at: &At, pointer: &str, mime: Option<&str>) {
        for mut finding in findings {
            finding.location = at.locate(pointer, mime);
            self.findings.push(finding);
        }
    }

    fn walk_v4(&mut self, root: &mut Value) -> Result<(), Error> {
        let root = root.as_object_mut().expect("checked at parse");
        if let Some(metadata) = root.get_mut("metadata") {
            self.widget_state(metadata, "/metadata")?;
        }
        let Some(Value::Array(cells)) = root.get_mut("cells") else {
            return Err(Error::schema("/cells", "expected an array"));
        };
        for (index, cell) in cells.iter_mut().enumerate() {
            self.cell(cell, index, &format!("/cells/{index}"), 4)?;
        }
        Ok(())
    }

    fn walk_v3(&mut self, root: &mut Value) -> Result<(), Error> {
        let root = root.as_object_mut().expect("checked at parse");
        let Some(Value::Array(worksheets)) = root.get_mut("worksheets") else {
            return Err(Error::schema("/worksheets", "expected an array"));
        };
        let mut index = 0;
        for (w, worksheet) in worksheets.iter_mut().enumerate() {
            let pointer = format!("/worksheets/{w}");
            let Value::Object(ws) = worksheet else {
                return Err(Error::schema(&pointer, "expected an object"));
            };
            match ws.get_mut("cells") {
                Some(Value::Array(cells)) => {
                    for (c, cell) in cells.iter_mut().enumerate() {
                        self.cell(cell, index, &format!("{pointer}/cells/{c}"), 3)?;
                        index += 1;
                    }
                }
                None => {}
                Some(_) => {
                    return Err(Error::schema(
                        &format!("{pointer}/cells"),
                        "expected an array",
                    ));
                }
            }
        }
        Ok(())
    }

    fn cell(
        &mut self,
        cell: &mut Value,
        index: usize,
        pointer: &str,
        major: i64,
    ) -> Result<(), Error> {
        let Value::Object(cell) = cell else {
            return Err(Error::schema(pointer, "expected a cell object"));
        };
        let cell_type = match cell.get("cell_type") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                return Err(Error::schema(
                    &format!("{pointer}/cell_type"),
                    "expected a string",
                ));
            }
        };
        let at = At {
            cell: Some(index),
            cell_id: cell.get("id").and_then(Value::as_str).map(str::to_owned),
            output: None,
        };
        let source_key = if major == 3 && cell_type == "code" {
            "input"
        } else {
            "source"
        };
        match cell_type.as_str() {
            "markdown" | "heading" => {
                self.text_entry(
                    cell,
                    source_key,
                    Treatment::Markdown,
                    &at,
                    pointer,
                    "text/markdown",
                    None,
                )?;
            }
            "raw" => {
                let format = cell
                    .get("metadata")
                    .and_then(|m| m.get("raw_mimetype").or_else(|| m.get("format")))
                    .and_then(Value::as_str)
                    .map(MimeType::parse);
                let treatment = match format {
                    Some(MimeType::Html) => Some((Treatment::Html, "text/html")),
                    Some(MimeType::Svg) => Some((Treatment::Svg, "image/svg+xml")),
                    Some(MimeType::Markdown) => Some((Treatment::Markdown, "text/markdown")),
                    _ => None,
                };
                if let Some((treatment, mime)) = treatment {
                    self.text_entry(
                        cell,
                        "source",
                        treatment,
                        &at,
                        pointer,
                        mime,
                        Some(&rules::notebook::RAW_CELL_HTML),
                    )?;
                }
            }
            "code" => match cell.get_mut("outputs") {
                Some(Value::Array(outputs)) => {
                    let mut removed = Vec::new();
                    for (o, output) in outputs.iter_mut().enumerate() {
                        let at = At {
                            output: Some(o),
                            ..at.clone()
                        };
                        let out_pointer = format!("{pointer}/outputs/{o}");
                        if self.output(output, &at, &out_pointer, major)? {
                            removed.push(o);
                        }
                    }
                    for o in removed.into_iter().rev() {
                        outputs.remove(o);
                    }
                }
                None => {}
                Some(_) => {
                    return Err(Error::schema(
                        &format!("{pointer}/outputs"),
                        "expected an array",
                    ));
                }
            },
            _ => {}
        }
        if let Some(attachments) = cell.get_mut("attachments") {
            self.attachments(attachments, &at, &format!("{pointer}/attachments"))?;
        }
        Ok(())
    }

    /// Sanitizes the multi-line text at `cell[key]`, if present.
    #[allow(clippy::too_many_arguments)]
    fn text_entry(
        &mut self,
        map: &mut Map<String, Value>,
        key: &str,
        treatment: Treatment,
        at: &At,
        pointer: &str,
        mime: &str,
        context_rule: Option<&'static rules::Rule>,
    ) -> Result<(), Error> {
        let Some(value) = map.get_mut(key) else {
            return Ok(());
        };
        let pointer = format!("{pointer}/{}", segment(key));
        let text = join_text(value, &pointer)?;
        let cleaned = self.apply(treatment, &text);
        if let Some(new) = cleaned.text {
            *value = Value::String(new);
            let mut findings = cleaned.findings;
            if let Some(rule) = context_rule {
                findings.insert(
                    0,
                    Finding::new(rule, Action::Sanitized, format!("{mime} content sanitized")),
                );
            }
            self.place(findings, at, &pointer, Some(mime));
        }
        Ok(())
    }

    fn apply(&self, treatment: Treatment, text: &str) -> Cleaned {
        let html = self.policy.html();
        match treatment {
            Treatment::Html => sanitize::stream::sanitize_fragment(text, self.policy),
            Treatment::Svg => sanitize::svg::sanitize_svg(text),
            Treatment::Markdown => sanitize::markdown::sanitize_markdown(text, html),
            Treatment::Latex => sanitize::markdown::sanitize_latex(text),
            Treatment::Keep | Treatment::GeoJson | Treatment::Remove(_) => Cleaned::default(),
        }
    }

    /// Returns true when the output should be removed entirely.
    fn output(
        &mut self,
        output: &mut Value,
        at: &At,
        pointer: &str,
        major: i64,
    ) -> Result<bool, Error> {
        let Value::Object(map) = output else {
            return Err(Error::schema(pointer, "expected an output object"));
        };
        let output_type = match map.get("output_type") {
            Some(Value::String(s)) => s.clone(),
            _ => {
                return Err(Error::schema(
                    &format!("{pointer}/output_type"),
                    "expected a string",
                ));
            }
        };
        match (major, output_type.as_str()) {
            (4, "execute_result" | "display_data" | "update_display_data") => {
                let data_pointer = format!("{pointer}/data");
                let emptied = match map.get_mut("data") {
                    Some(Value::Object(data)) => {
                        let removed = self.bundle(data, at, &data_pointer, MimeType::parse)?;
                        if let Some(Value::Object(meta)) = map.get_mut("metadata") {
                            for key in &removed {
                                meta.remove(key);
                            }
                        }
                        !removed.is_empty()
                            && map
                                .get("data")
                                .is_some_and(|d| d.as_object().is_some_and(Map::is_empty))
                    }
                    None => false,
                    Some(_) => return Err(Error::schema(&data_pointer, "expected an object")),
                };
                Ok(self.report_emptied(emptied, at, pointer))
            }
            (3, "pyout" | "display_data") => {
                let removed = self.bundle(map, at, pointer, |key| {
                    MimeType::from_v3_key(key).unwrap_or_else(|| MimeType::Other(key.to_owned()))
                })?;
                let has_data = map.keys().any(|k| MimeType::from_v3_key(k).is_some());
                Ok(self.report_emptied(!removed.is_empty() && !has_data, at, pointer))
            }
            _ => Ok(false),
        }
    }

    fn report_emptied(&mut self, emptied: bool, at: &At, pointer: &str) -> bool {
        if emptied {
            let finding = Finding::new(
                &rules::notebook::EMPTY_OUTPUT_REMOVED,
                Action::Removed,
                "output removed: nothing safe was left in its bundle",
            );
            self.place(vec![finding], at, pointer, None);
        }
        emptied
    }

    /// Applies the policy to each entry of a MIME bundle. Returns the removed keys.
    fn bundle(
        &mut self,
        data: &mut Map<String, Value>,
        at: &At,
        pointer: &str,
        parse: impl Fn(&str) -> MimeType,
    ) -> Result<Vec<String>, Error> {
        let v3 = !pointer.ends_with("/data");
        let mut removed = Vec::new();
        for (key, value) in data.iter_mut() {
            // nbformat 3 outputs mix data keys with `output_type`, `metadata`, `prompt_number`.
            if v3 && MimeType::from_v3_key(key).is_none() {
                continue;
            }
            let mime = parse(key);
            let entry_pointer = format!("{pointer}/{}", segment(key));
            match self.policy.treatment(&mime) {
                Treatment::Keep => {}
                Treatment::Remove(rule) => {
                    let finding = Finding::new(
                        rule,
                        Action::Removed,
                        format!("{} output removed", mime.as_str()),
                    );
                    self.place(vec![finding], at, &entry_pointer, Some(mime.as_str()));
                    removed.push(key.clone());
                }
                Treatment::GeoJson => {
                    let findings = sanitize::geojson::sanitize_value(value, self.policy.html());
                    self.place(findings, at, &entry_pointer, Some(mime.as_str()));
                }
                treatment => {
                    let text = join_text(value, &entry_pointer)?;
                    let cleaned = self.apply(treatment, &text);
                    if let Some(new) = cleaned.text {
                        if new.trim().is_empty() && !text.trim().is_empty() {
                            removed.push(key.clone());
                        } else {
                            *value = Value::String(new);
                        }
                        self.place(cleaned.findings, at, &entry_pointer, Some(mime.as_str()));
                    }
                }
            }
        }
        for key in &removed {
            data.remove(key);
        }
        Ok(removed)
    }

    fn attachments(
        &mut self,
        attachments: &mut Value,
        at: &At,
        pointer: &str,
    ) -> Result<(), Error> {
        let Value::Object(attachments) = attachments else {
            return Err(Error::schema(pointer, "expected an object"));
        };
        for (name, bundle) in attachments.iter_mut() {
            let bundle_pointer = format!("{pointer}/{}", segment(name));
            let Value::Object(bundle) = bundle else {
                return Err(Error::schema(&bundle_pointer, "expected a MIME bundle"));
            };
            let before = self.findings.len();
            for (key, value) in bundle.iter_mut() {
                if MimeType::parse(key) != MimeType::Svg {
                    continue;
                }
                let entry_pointer = format!("{bundle_pointer}/{}", segment(key));
                let Some(text) = decode_attachment(value) else {
                    continue;
                };
                let cleaned = sanitize::svg::sanitize_svg(&text.0);
                if let Some(new) = cleaned.text {
                    *value = Value::String(if text.1 { encode_base64(&new) } else { new });
                    self.place(cleaned.findings, at, &entry_pointer, Some(key));
                }
            }
            let removed = self.bundle_without_svg(bundle, at, &bundle_pointer)?;
            for key in removed {
                bundle.remove(&key);
            }
            if self.findings.len() > before {
                let finding = Finding::new(
                    &rules::notebook::ATTACHMENT,
                    Action::Sanitized,
                    format!("attachment `{name}` changed"),
                );
                self.place(vec![finding], at, &bundle_pointer, None);
            }
        }
        Ok(())
    }

    /// Attachments other than SVG: the usual MIME decisions (JavaScript is removed, …).
    fn bundle_without_svg(
        &mut self,
        bundle: &mut Map<String, Value>,
        at: &At,
        pointer: &str,
    ) -> Result<Vec<String>, Error> {
        let mut removed = Vec::new();
        for key in bundle.keys() {
            let mime = MimeType::parse(key);
            if let Treatment::Remove(rule) = self.policy.treatment(&mime) {
                let finding = Finding::new(
                    rule,
                    Action::Removed,
                    format!("{} attachment removed", mime.as_str()),
                );
                self.place(
                    vec![finding],
                    at,
                    &format!("{pointer}/{}", segment(key)),
                    Some(mime.as_str()),
                );
                removed.push(key.clone());
            }
        }
        Ok(removed)
    }

    fn widget_state(&mut self, metadata: &mut Value, pointer: &str) -> Result<(), Error> {
        let Some(Value::Object(state)) = metadata
            .get_mut("widgets")
            .and_then(|w| w.get_mut(WIDGET_STATE))
            .and_then(|w| w.get_mut("state"))
        else {
            return Ok(());
        };
        let base = format!("{pointer}/widgets/{}/state", segment(WIDGET_STATE));
        let at = At::default();
        for (model_id, model) in state.iter_mut() {
            let model_name = model
                .get("model_name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            let Some(Value::Object(values)) = model.get_mut("state") else {
                continue;
            };
            let html_keys: &[&str] = if matches!(model_name.as_str(), "HTMLModel" | "HTMLMathModel")
            {
                &["value", "description", "tooltip", "placeholder"]
            } else {
                &["description", "tooltip"]
            };
            for key in html_keys {
                let Some(Value::String(text)) = values.get_mut(*key) else {
                    continue;
                };
                let cleaned = sanitize::stream::sanitize_fragment(text, self.policy);
                if let Some(new) = cleaned.text {
                    *text = new;
                    let entry = format!("{base}/{}/state/{key}", segment(model_id));
                    let mut findings = vec![Finding::new(
                        &rules::notebook::WIDGET_STATE_HTML,
                        Action::Sanitized,
                        format!("{model_name} `{key}` sanitized"),
                    )];
                    findings.extend(cleaned.findings);
                    self.place(findings, &at, &entry, Some(WIDGET_STATE));
                }
            }
        }
        Ok(())
    }
}

/// Attachment SVG may be stored as text or base64. Returns the text and whether it was base64.
fn decode_attachment(value: &Value) -> Option<(String, bool)> {
    use base64::Engine;
    let raw = join_text(value, "").ok()?;
    if raw.trim_start().starts_with('<') {
        return Some((raw, false));
    }
    let compact: String = raw.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(compact)
        .ok()?;
    Some((String::from_utf8(bytes).ok()?, true))
}

fn encode_base64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// nbformat's `rejoin_lines` and `strip_transient`, as `nbformat.read` leaves a notebook in
/// memory: lists of lines joined into strings (v4: every non-JSON MIME entry, sources and
/// output text; v3: `_join_lines` on the multi-line keys), transient keys dropped.
pub fn rejoin_lines(nb: &mut Value) -> Result<(), Error> {
    if nb.get("nbformat").and_then(Value::as_i64) == Some(3) {
        rejoin_lines_v3(nb)
    } else {
        rejoin_lines_v4(nb)
    }
}

fn join_list(value: &mut Value, newline_join: bool) {
    if let Value::Array(items) = value {
        if !items.iter().all(Value::is_string) {
            return;
        }
        let lines: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
        let sep = if newline_join && !lines.first().is_some_and(|l| l.ends_with(['\n', '\r'])) {
            "\n"
        } else {
            ""
        };
        *value = Value::String(lines.join(sep));
    }
}

fn rejoin_bundle(bundle: &mut Value) {
    if let Value::Object(map) = bundle {
        for (key, value) in map.iter_mut() {
            if !is_json_mime(key) {
                join_list(value, false);
            }
        }
    }
}

pub(crate) fn cells_mut<'a>(nb: &'a mut Value, pointer: &str) -> Result<&'a mut Vec<Value>, Error> {
    match nb.pointer_mut(pointer) {
        Some(Value::Array(cells)) => Ok(cells),
        _ => Err(Error::InvalidSchema(format!(
            "expected an array at {pointer}"
        ))),
    }
}

/// nbformat 4 `rejoin_lines` + `strip_transient`.
fn rejoin_lines_v4(nb: &mut Value) -> Result<(), Error> {
    if let Some(Value::Object(meta)) = nb.get_mut("metadata") {
        for key in ["orig_nbformat", "orig_nbformat_minor", "signature"] {
            meta.remove(key);
        }
    }
    for cell in cells_mut(nb, "/cells")? {
        let Value::Object(cell) = cell else {
            return Err(Error::InvalidSchema("a cell is not an object".into()));
        };
        if let Some(source) = cell.get_mut("source") {
            join_list(source, false);
        }
        if let Some(Value::Object(attachments)) = cell.get_mut("attachments") {
            attachments.values_mut().for_each(rejoin_bundle);
        }
        if let Some(Value::Object(meta)) = cell.get_mut("metadata") {
            meta.remove("trusted");
        }
        if cell.get("cell_type").and_then(Value::as_str) != Some("code") {
            continue;
        }
        let Some(Value::Array(outputs)) = cell.get_mut("outputs") else {
            continue;
        };
        for output in outputs {
            let output_type = output
                .get("output_type")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            match output_type.as_str() {
                "execute_result" | "display_data" => {
                    if let Some(data) = output.get_mut("data") {
                        rejoin_bundle(data);
                    }
                }
                "" => {}
                _ => {
                    if let Some(text) = output.get_mut("text") {
                        join_list(text, false);
                    }
                }
            }
        }
    }
    Ok(())
}

/// nbformat 3 `rejoin_lines` + `strip_transient`.
fn rejoin_lines_v3(nb: &mut Value) -> Result<(), Error> {
    if let Value::Object(root) = nb {
        root.remove("orig_nbformat");
        root.remove("orig_nbformat_minor");
    }
    for ws in cells_mut(nb, "/worksheets")? {
        let Some(Value::Array(cells)) = ws.get_mut("cells") else {
            continue;
        };
        for cell in cells {
            let Value::Object(cell) = cell else {
                return Err(Error::InvalidSchema("a cell is not an object".into()));
            };
            cell.remove("trusted");
            if let Some(Value::Object(meta)) = cell.get_mut("metadata") {
                meta.remove("trusted");
            }
            if cell.get("cell_type").and_then(Value::as_str) == Some("code") {
                if let Some(input) = cell.get_mut("input") {
                    join_list(input, true);
                }
                if let Some(Value::Array(outputs)) = cell.get_mut("outputs") {
                    for output in outputs {
                        for key in ["text", "html", "svg", "latex", "javascript", "json"] {
                            if let Some(item) = output.get_mut(key) {
                                join_list(item, true);
                            }
                        }
                    }
                }
            } else {
                for key in ["source", "rendered"] {
                    if let Some(item) = cell.get_mut(key) {
                        join_list(item, true);
                    }
                }
            }
        }
    }
    Ok(())
}

/// Splits a string into a list of lines (nbformat's `split_lines` on write).
fn split_value(value: &mut Value) {
    if let Value::String(s) = value {
        let lines = json::splitlines_keepends(s)
            .into_iter()
            .map(|l| Value::String(l.to_owned()))
            .collect();
        *value = Value::Array(lines);
    }
}

/// nbformat's `_is_json_mime`.
fn is_json_mime(mime: &str) -> bool {
    mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// `_split_mimebundle`.
fn split_bundle(bundle: &mut Value) {
    if let Value::Object(map) = bundle {
        for (key, value) in map.iter_mut() {
            if key.starts_with("text/") || SPLIT_MIMES.contains(&key.as_str()) {
                split_value(value);
            }
        }
    }
}

/// What `nbformat.writes(nbformat.reads(text))` does to a v4 notebook: `rejoin_lines` and
/// `strip_transient`, then `split_lines`.
fn normalize_v4(nb: &mut Value) {
    // The walker has already checked the structure the rejoin relies on.
    let _ = rejoin_lines_v4(nb);
    let Some(Value::Array(cells)) = nb.get_mut("cells") else {
        return;
    };
    for cell in cells {
        let Value::Object(cell) = cell else { continue };
        if let Some(source) = cell.get_mut("source") {
            split_value(source);
        }
        if let Some(Value::Object(attachments)) = cell.get_mut("attachments") {
            attachments.values_mut().for_each(split_bundle);
        }
        if cell.get("cell_type").and_then(Value::as_str) != Some("code") {
            continue;
        }
        let Some(Value::Array(outputs)) = cell.get_mut("outputs") else {
            continue;
        };
        for output in outputs {
            match output.get("output_type").and_then(Value::as_str) {
                Some("execute_result" | "display_data") => {
                    if let Some(data) = output.get_mut("data") {
                        split_bundle(data);
                    }
                }
                Some("stream") => {
                    if let Some(text) = output.get_mut("text") {
                        split_value(text);
                    }
                }
                _ => {}
            }
        }
    }
}

/// The same for nbformat 3.
fn normalize_v3(nb: &mut Value) {
    let _ = rejoin_lines_v3(nb);
    let Some(Value::Array(worksheets)) = nb.get_mut("worksheets") else {
        return;
    };
    for ws in worksheets {
        let Some(Value::Array(cells)) = ws.get_mut("cells") else {
            continue;
        };
        for cell in cells {
            let Value::Object(cell) = cell else { continue };
            if cell.get("cell_type").and_then(Value::as_str) == Some("code") {
                if let Some(input) = cell.get_mut("input") {
                    split_value(input);
                }
                if let Some(Value::Array(outputs)) = cell.get_mut("outputs") {
                    for output in outputs {
                        for key in V3_MULTILINE_KEYS {
                            if let Some(value) = output.get_mut(*key) {
                                split_value(value);
                            }
                        }
                    }
                }
            } else {
                for key in ["source", "rendered"] {
                    if let Some(value) = cell.get_mut(key) {
                        split_value(value);
                    }
                }
            }
        }
    }
}
