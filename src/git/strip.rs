/*! nbstripout's semantics on a notebook held as a `serde_json::Value`.

[`read`] does what `nbformat.read(..., as_version=NO_CONVERT)` does to the JSON (rejoin
multi-line strings, drop transient keys, give nbformat 4.5+ cells a unique id), [`strip`]
does what nbstripout 0.9's `strip_output` does, and [`write`] writes like `nbformat.write`.
For the same options, `write(strip(read(x)))` is byte for byte what `nbstripout -t` prints.

```
use nbsanitize::git::strip::{self, StripOptions};
let text = r#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {"signature": "x"}, "cells": [
  {"cell_type": "code", "id": "abc", "metadata": {"scrolled": true}, "execution_count": 3,
   "source": ["print(1)\n", "print(2)"], "outputs": [{"output_type": "stream", "name": "stdout", "text": "1\n"}]}]}"#;
let mut nb = strip::read(text).unwrap();
let before = nb.clone();
strip::strip(&mut nb, &StripOptions::default()).unwrap();
assert_ne!(nb, before);
let out = String::from_utf8(strip::write(&nb)).unwrap();
assert!(out.contains(r#""execution_count": null"#));
assert!(out.contains(r#""id": "0""#));
assert!(out.contains(r#""outputs": []"#));
assert!(!out.contains("scrolled") && !out.contains("signature"));
``` */

use std::collections::HashSet;
use std::hash::{BuildHasher, Hasher};

use serde_json::{Map, Value};

use crate::error::Error;
use crate::notebook::{self, Notebook, json};

/// The metadata nbstripout removes by default (its built-in `extra_keys`).
pub const DEFAULT_EXTRA_KEYS: &[&str] = &[
    "metadata.signature",
    "metadata.widgets",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
];

/// What to strip. `Default` is nbstripout without flags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StripOptions {
    /// `--keep-output`: keep outputs. `None` lets the notebook's `metadata.keep_output` decide
    /// (as nbstripout does when the flag is absent); default: strip.
    pub keep_output: Option<bool>,
    /// `--keep-count`: keep execution counts. Default: set to `null`.
    pub keep_count: bool,
    /// `--keep-id`: keep cell ids. Default: renumber them `"0"`, `"1"`, …
    pub keep_id: bool,
    /// Keys removed besides [`DEFAULT_EXTRA_KEYS`]: `metadata.a.b` (notebook metadata) or
    /// `cell.metadata.c` (every cell), dot-separated paths.
    pub extra_keys: Vec<String>,
    /// Keys (same syntax) that are *not* removed, even when in the defaults.
    pub keep_metadata_keys: Vec<String>,
    /// `--drop-empty-cells`: remove cells whose source is only whitespace.
    pub drop_empty_cells: bool,
    /// `--drop-tagged-cells`: remove cells carrying any of these tags.
    pub drop_tagged_cells: Vec<String>,
    /// `--strip-init-cells`: strip outputs of `init_cell: true` cells too (kept by default).
    pub strip_init_cells: bool,
    /// `--keep-output-type`: output types (`stream`, or `stream:stderr`) kept even when
    /// outputs are stripped.
    pub keep_output_types: Vec<String>,
    /// `--drop-output-type`: output types removed even when outputs are kept.
    pub drop_output_types: Vec<String>,
    /// `--max-size`: outputs whose text is at most this many characters are kept
    /// (nbstripout's `get_size`). Default 0: strip all.
    pub max_size: u64,
}

impl StripOptions {
    /// The effective key list: defaults, then `extra_keys`, minus `keep_metadata_keys`.
    /// Returns `(notebook metadata keys, cell keys, invalid keys)`; invalid keys are ignored
    /// (nbstripout warns about them).
    pub fn keys(&self) -> (Vec<String>, Vec<String>, Vec<String>) {
        let mut nb_keys = Vec::new();
        let mut cell_keys = Vec::new();
        let mut invalid = Vec::new();
        let all = DEFAULT_EXTRA_KEYS
            .iter()
            .map(|k| (*k).to_owned())
            .chain(self.extra_keys.iter().cloned());
        for key in all {
            if self.keep_metadata_keys.contains(&key) {
                continue;
            }
            match key.split_once('.') {
                Some(("metadata", rest)) => nb_keys.push(rest.to_owned()),
                Some(("cell", rest)) => cell_keys.push(rest.to_owned()),
                _ => invalid.push(key),
            }
        }
        (nb_keys, cell_keys, invalid)
    }
}

/// Parses a notebook as `nbformat.read(..., NO_CONVERT)` leaves it in memory.
pub fn read(text: &str) -> Result<Value, Error> {
    let parsed = Notebook::parse(text)?;
    let mut value = parsed.as_value().clone();
    notebook::rejoin_lines(&mut value)?;
    if parsed.nbformat() == 4 {
        repair_ids(&mut value);
    }
    Ok(value)
}

/// Writes a notebook as `nbformat.write` does (v3 with `ensure_ascii=True`).
pub fn write(nb: &Value) -> Vec<u8> {
    notebook::write_nbformat(nb)
}

/// Reads, strips and reports: `Ok((changed, bytes))`, the bytes as nbstripout writes them.
pub fn strip_text(text: &str, options: &StripOptions) -> Result<(bool, Vec<u8>), Error> {
    let mut nb = read(text)?;
    let before = nb.clone();
    strip(&mut nb, options)?;
    Ok((nb != before, write(&nb)))
}

/// nbformat's validator gives nbformat 4.5+ cells without an id, or with a duplicate id, a
/// fresh random one (8 hex digits).
fn repair_ids(nb: &mut Value) {
    let minor = nb
        .get("nbformat_minor")
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if minor < 5 {
        return;
    }
    let Some(Value::Array(cells)) = nb.get_mut("cells") else {
        return;
    };
    let state = std::collections::hash_map::RandomState::new();
    let mut counter = 0u64;
    let mut fresh = || {
        counter += 1;
        let mut h = state.build_hasher();
        h.write_u64(counter);
        format!("{:08x}", h.finish() as u32)
    };
    for cell in cells.iter_mut() {
        if let Value::Object(cell) = cell {
            if !cell.contains_key("id") {
                cell.insert("id".into(), Value::String(fresh()));
            }
        }
    }
    let mut seen = HashSet::new();
    for cell in cells.iter_mut() {
        if let Some(id) = cell.get("id").cloned() {
            if !seen.insert(id.to_string()) {
                let new = fresh();
                seen.insert(Value::String(new.clone()).to_string());
                cell["id"] = Value::String(new);
            }
        }
    }
}

/// Python's truthiness of a JSON value.
fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Python's `needle in container` for a list or a string.
fn contains(container: Option<&Value>, needle: &str) -> bool {
    match container {
        Some(Value::Array(items)) => items.iter().any(|i| i.as_str() == Some(needle)),
        Some(Value::String(s)) => s.contains(needle),
        Some(Value::Object(o)) => o.contains_key(needle),
        _ => false,
    }
}

/// nbstripout's `pop_recursive`: removes `key`, a dot-separated path (a literal key with dots
/// wins over the path).
fn pop_recursive(map: &mut Map<String, Value>, key: &str) {
    if map.remove(key).is_some() {
        return;
    }
    if let Some((head, tail)) = key.split_once('.') {
        if let Some(Value::Object(inner)) = map.get_mut(head) {
            pop_recursive(inner, tail);
        }
    }
}

/// nbstripout's `get_size`: the number of characters in all strings, `str()` of the rest.
fn python_size(value: &Value) -> u64 {
    match value {
        Value::String(s) => s.chars().count() as u64,
        Value::Array(items) => items.iter().map(python_size).sum(),
        Value::Object(map) => map.values().map(python_size).sum(),
        Value::Null => 4,
        Value::Bool(true) => 4,
        Value::Bool(false) => 5,
        Value::Number(n) => json::python_number(&n.to_string()).len() as u64,
    }
}

fn matches_output_type(output: &Value, spec: &str) -> bool {
    let (kind, name) = match spec.split_once(':') {
        Some((k, n)) => (k, Some(n)),
        None => (spec, None),
    };
    output.get("output_type").and_then(Value::as_str) == Some(kind)
        && name.is_none_or(|n| output.get("name").and_then(Value::as_str) == Some(n))
}

/// Python's `str.strip()` whitespace.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\x1c'..='\x1f').contains(&c)
}

/// Whether a cell's outputs are kept (nbstripout's `determine_keep_output`).
fn keep_cell_output(
    cell: &Map<String, Value>,
    default: bool,
    strip_init_cells: bool,
) -> Result<bool, Error> {
    let Some(meta) = cell.get("metadata") else {
        return Ok(default);
    };
    if let Some(init) = meta.get("init_cell") {
        return Ok(truthy(init) && !strip_init_cells);
    }
    let has_meta = meta.get("keep_output").is_some();
    let meta_value = meta.get("keep_output").is_some_and(truthy);
    let has_tag = contains(meta.get("tags"), "keep_output");
    if has_meta && has_tag && !meta_value {
        return Err(Error::InvalidSchema(
            "cell metadata contradicts tags: `keep_output` is false, but `keep_output` in tags"
                .into(),
        ));
    }
    if has_meta || has_tag {
        return Ok(meta_value || has_tag);
    }
    Ok(default)
}

/// Strips a notebook read by [`read`], as nbstripout's `strip_output` does.
pub fn strip(nb: &mut Value, options: &StripOptions) -> Result<(), Error> {
    let (nb_keys, cell_keys, _) = options.keys();
    let major = nb.get("nbformat").and_then(Value::as_i64).unwrap_or(4);
    let keep_output = match options.keep_output {
        Some(keep) => keep,
        None => nb
            .get("metadata")
            .and_then(|m| m.get("keep_output"))
            .is_some_and(truthy),
    };
    if let Some(Value::Object(meta)) = nb.get_mut("metadata") {
        for key in &nb_keys {
            pop_recursive(meta, key);
        }
    }
    let lists: Vec<&mut Vec<Value>> = if major < 4 {
        let Some(Value::Array(worksheets)) = nb.get_mut("worksheets") else {
            return Err(Error::InvalidSchema(
                "expected an array at /worksheets".into(),
            ));
        };
        worksheets
            .iter_mut()
            .filter_map(|ws| match ws.get_mut("cells") {
                Some(Value::Array(cells)) => Some(cells),
                _ => None,
            })
            .collect()
    } else {
        vec![notebook::cells_mut(nb, "/cells")?]
    };
    let mut index = 0usize;
    for cells in lists {
        cells.retain(|cell| keep_cell(cell, options));
        for cell in cells.iter_mut() {
            let Value::Object(cell) = cell else {
                return Err(Error::InvalidSchema("a cell is not an object".into()));
            };
            strip_cell(cell, index, keep_output, options, &cell_keys)?;
            index += 1;
        }
    }
    Ok(())
}

/// The cell filters: `--drop-empty-cells`, `--drop-tagged-cells`.
fn keep_cell(cell: &Value, options: &StripOptions) -> bool {
    if options.drop_empty_cells {
        let nonblank = match cell.get("source") {
            Some(Value::String(s)) => s.chars().any(|c| !is_python_space(c)),
            Some(Value::Array(lines)) => lines.iter().any(|l| {
                l.as_str()
                    .is_some_and(|s| s.chars().any(|c| !is_python_space(c)))
            }),
            _ => false,
        };
        if !nonblank {
            return false;
        }
    }
    let tags = cell.get("metadata").and_then(|m| m.get("tags"));
    !options
        .drop_tagged_cells
        .iter()
        .any(|tag| contains(tags, tag))
}

fn strip_cell(
    cell: &mut Map<String, Value>,
    index: usize,
    keep_output: bool,
    options: &StripOptions,
    cell_keys: &[String],
) -> Result<(), Error> {
    let keep_this = keep_cell_output(cell, keep_output, options.strip_init_cells)?;
    if let Some(Value::Array(outputs)) = cell.get_mut("outputs") {
        if !keep_this || !options.keep_output_types.is_empty() {
            outputs.retain(|output| {
                python_size(output) <= options.max_size
                    || options
                        .keep_output_types
                        .iter()
                        .any(|t| matches_output_type(output, t))
            });
        }
        if !options.keep_count {
            for output in outputs.iter_mut() {
                if let Some(count) = output.get_mut("execution_count") {
                    *count = Value::Null;
                }
            }
        }
        if !options.drop_output_types.is_empty() {
            outputs.retain(|output| {
                !options
                    .drop_output_types
                    .iter()
                    .any(|t| matches_output_type(output, t))
            });
        }
    }
    if !options.keep_count {
        for key in ["prompt_number", "execution_count"] {
            if let Some(count) = cell.get_mut(key) {
                *count = Value::Null;
            }
        }
    }
    if !options.keep_id {
        if let Some(id) = cell.get_mut("id") {
            *id = Value::String(index.to_string());
        }
    }
    for key in cell_keys {
        pop_recursive(cell, key);
    }
    Ok(())
}

/// nbstripout's `--max-size` syntax: a number with an optional `K`, `M`, `G` (powers of 1000).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let upper = text.trim().to_ascii_uppercase();
    let (digits, factor) = match upper.chars().last() {
        Some('K') => (&upper[..upper.len() - 1], 1_000),
        Some('M') => (&upper[..upper.len() - 1], 1_000_000),
        Some('G') => (&upper[..upper.len() - 1], 1_000_000_000),
        _ => (upper.as_str(), 1),
    };
    let n: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a size (a number with K, M or G)"))?;
    n.checked_mul(factor)
        .ok_or_else(|| format!("`{text}` is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn nb(cells: Value) -> Value {
        json!({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": cells})
    }

    fn code(id: &str, meta: Value) -> Value {
        json!({"cell_type": "code", "id": id, "metadata": meta, "execution_count": 1,
               "source": "x", "outputs": [{"output_type": "execute_result", "execution_count": 1,
               "metadata": {}, "data": {"text/plain": "1"}}]})
    }

    #[test]
    fn keep_output_tag_and_metadata() {
        let mut v = nb(json!([
            code("a", json!({"tags": ["keep_output"]})),
            code("b", json!({"keep_output": true})),
            code("c", json!({})),
        ]));
        strip(&mut v, &StripOptions::default()).unwrap();
        let outputs: Vec<usize> = (0..3)
            .map(|i| v["cells"][i]["outputs"].as_array().unwrap().len())
            .collect();
        assert_eq!(outputs, [1, 1, 0]);
        assert_eq!(v["cells"][0]["outputs"][0]["execution_count"], Value::Null);
        assert_eq!(v["cells"][2]["id"], "2");
    }

    #[test]
    fn contradicting_keep_output_is_an_error() {
        let mut v = nb(json!([code(
            "a",
            json!({"tags": ["keep_output"], "keep_output": false})
        )]));
        assert!(strip(&mut v, &StripOptions::default()).is_err());
    }

    #[test]
    fn init_cells() {
        let mut v = nb(json!([code("a", json!({"init_cell": true}))]));
        let mut w = v.clone();
        strip(&mut v, &StripOptions::default()).unwrap();
        assert_eq!(v["cells"][0]["outputs"].as_array().unwrap().len(), 1);
        let opts = StripOptions {
            strip_init_cells: true,
            ..Default::default()
        };
        strip(&mut w, &opts).unwrap();
        assert_eq!(w["cells"][0]["outputs"].as_array().unwrap().len(), 0);
    }

    #[test]
    fn extra_and_kept_keys() {
        let mut v = nb(json!([code(
            "a",
            json!({"collapsed": true, "foo": {"bar": 1, "baz": 2}})
        )]));
        v["metadata"] = json!({"kernelspec": {"name": "python3"}, "widgets": {}});
        let opts = StripOptions {
            extra_keys: vec![
                "metadata.kernelspec.name".into(),
                "cell.metadata.foo.bar".into(),
            ],
            keep_metadata_keys: vec!["cell.metadata.collapsed".into()],
            ..Default::default()
        };
        strip(&mut v, &opts).unwrap();
        assert_eq!(v["metadata"], json!({"kernelspec": {}}));
        assert_eq!(
            v["cells"][0]["metadata"],
            json!({"collapsed": true, "foo": {"baz": 2}})
        );
    }

    #[test]
    fn drop_cells_and_max_size() {
        let mut v = nb(json!([
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": " \n\t"},
            code("a", json!({"tags": ["skip"]})),
            code("b", json!({})),
            code("c", json!({"tags": ["other"]})),
        ]));
        let opts = StripOptions {
            drop_empty_cells: true,
            drop_tagged_cells: vec!["skip".into(), "other".into()],
            max_size: 1000,
            ..Default::default()
        };
        strip(&mut v, &opts).unwrap();
        let cells = v["cells"].as_array().unwrap();
        assert_eq!(cells.len(), 1);
        assert_eq!(cells[0]["id"], "0");
        assert_eq!(cells[0]["outputs"].as_array().unwrap().len(), 1);
    }

    #[test]
    fn read_rejoins_and_repairs_ids() {
        let text = r#"{"nbformat": 4, "nbformat_minor": 5, "metadata": {"orig_nbformat": 3},
          "cells": [{"cell_type": "markdown", "metadata": {"trusted": true}, "source": ["a\n", "b"]},
                    {"cell_type": "markdown", "id": "x", "metadata": {}, "source": []},
                    {"cell_type": "markdown", "id": "x", "metadata": {}, "source": "c"}]}"#;
        let v = read(text).unwrap();
        assert_eq!(v["cells"][0]["source"], "a\nb");
        assert_eq!(v["cells"][1]["source"], "");
        assert_eq!(v["metadata"], json!({}));
        assert_eq!(v["cells"][0]["metadata"], json!({}));
        let ids: HashSet<&str> = (0..3)
            .map(|i| v["cells"][i]["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn v3_is_written_ascii_only() {
        let v = json!({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "é😀"},
                       "worksheets": []});
        let out = String::from_utf8(write(&v)).unwrap();
        assert!(out.contains(r#""name": "\u00e9\ud83d\ude00""#), "{out}");
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("2k").unwrap(), 2000);
        assert_eq!(parse_size("10").unwrap(), 10);
        assert!(parse_size("1x").is_err());
        assert_eq!(python_size(&json!({"a": ["é", null], "b": 1.5})), 1 + 4 + 3);
    }
}
