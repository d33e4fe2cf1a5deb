/*! JSON exactly as Python's `json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False)`.

serde_json's pretty printer with a one-space indent already matches Python's layout and
escaping (only `"`, `\` and control characters, lower-case `\u00XX`); numbers are the
difference. With serde_json's `arbitrary_precision` feature a number reaches the formatter as
its source text, and [`PythonFormatter`] writes it the way Python would after `json.loads`:
integers of any size verbatim, floats in `repr` form (`1e-05`, `1e+16`, `0.1`). Objects are
`BTreeMap`s, whose order (UTF-8 byte order) equals Python's `sort_keys` (code point order). */

use std::io::{self, Write};

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter};

use crate::error::Error;

/// Parses JSON text into a value, with numbers kept as text and a clear message for the
/// `NaN`/`Infinity` literals Python writes but JSON does not allow.
pub fn parse(text: &str) -> Result<serde_json::Value, Error> {
    serde_json::from_str(text).map_err(|err| {
        let at = offset_of(text, err.line(), err.column());
        let rest = at.map(|at| &text[at.saturating_sub(1).min(text.len())..]);
        match rest {
            Some(rest)
                if ["NaN", "Infinity", "-Infinity"]
                    .iter()
                    .any(|lit| rest.starts_with(lit) || rest.get(1..).is_some_and(|r| r.starts_with(lit))) =>
            {
                Error::InvalidJson(format!(
                    "NaN/Infinity is not valid JSON (line {}, column {}); nbsanitize refuses to rewrite it",
                    err.line(),
                    err.column()
                ))
            }
            _ => Error::InvalidJson(err.to_string()),
        }
    })
}

fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    if line == 0 {
        return None;
    }
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let at = start + column;
    (at <= text.len() && text.is_char_boundary(at.min(text.len()))).then_some(at)
}

/// Writes `value` as nbformat does, followed by a newline. With `crlf`, every line ends with
/// `\r\n` (JSON strings escape their own newlines, so only layout newlines change). With
/// `ascii`, non-ASCII characters and DEL are written as `\uXXXX` escapes (surrogate pairs above
/// U+FFFF), as Python's `ensure_ascii=True` does.
pub fn write_python<T: Serialize>(value: &T, crlf: bool, ascii: bool) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter::new());
        value
            .serialize(&mut ser)
            .expect("serializing a serde_json::Value into memory cannot fail");
    }
    out.push(b'\n');
    if ascii {
        out = escape_non_ascii(&out);
    }
    if crlf {
        let mut converted = Vec::with_capacity(out.len() + out.len() / 16);
        for &b in &out {
            if b == b'\n' {
                converted.push(b'\r');
            }
            converted.push(b);
        }
        out = converted;
    }
    out
}

/// Escapes every non-ASCII character (and DEL) of serialized JSON. They can only occur inside
/// strings, so escaping them byte-wise over the whole document is exact.
fn escape_non_ascii(json: &[u8]) -> Vec<u8> {
    let text = std::str::from_utf8(json).expect("serde_json writes UTF-8");
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() && c != '\x7f' {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out.into_bytes()
}

/// serde_json's pretty printer with a one-space indent and Python's number formatting.
pub struct PythonFormatter {
    pretty: PrettyFormatter<'static>,
}

impl PythonFormatter {
    /// A formatter with nbformat's one-space indent.
    pub fn new() -> Self {
        PythonFormatter {
            pretty: PrettyFormatter::with_indent(b" "),
        }
    }
}

impl Default for PythonFormatter {
    fn default() -> Self {
        Self::new()
    }
}

impl Formatter for PythonFormatter {
    fn write_number_str<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        value: &str,
    ) -> io::Result<()> {
        writer.write_all(python_number(value).as_bytes())
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.pretty.begin_object_key(w, first)
    }
    fn end_object_key<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object_key(w)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.pretty.end_object_value(w)
    }
}

/// The text Python writes for a JSON number literal after `json.loads`: integers (any size)
/// unchanged but for `-0`, floats through `repr`, overflowing floats as `Infinity`.
pub fn python_number(literal: &str) -> String {
    let is_float = literal.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'));
    if !is_float {
        return if literal == "-0" {
            "0".into()
        } else {
            literal.into()
        };
    }
    match literal.parse::<f64>() {
        Ok(f) if f.is_infinite() => if f > 0.0 { "Infinity" } else { "-Infinity" }.into(),
        Ok(f) => python_float_repr(f),
        Err(_) => literal.into(),
    }
}

/// Python's `repr(float)`: the shortest round-tripping digits, fixed notation when the
/// decimal exponent is in `-4 < e <= 16`, else `d.ddde±XX`.
pub fn python_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Rust's `{:e}` is the shortest round-trip form too: `-1.2345e-7`.
    let sci = format!("{f:e}");
    let (mantissa, exp) = sci.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let (sign, mantissa) = match mantissa.strip_prefix('-') {
        Some(m) => ("-", m),
        None => ("", mantissa),
    };
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1;
    let mut out = String::from(sign);
    if -4 < decpt && decpt <= 16 {
        if decpt <= 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-decpt) as usize));
            out.push_str(&digits);
        } else if decpt as usize >= digits.len() {
            out.push_str(&digits);
            out.extend(std::iter::repeat_n('0', decpt as usize - digits.len()));
            out.push_str(".0");
        } else {
            out.push_str(&digits[..decpt as usize]);
            out.push('.');
            out.push_str(&digits[decpt as usize..]);
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exp.abs()));
    }
    out
}

/// Python's `str.splitlines(keepends=True)`: splits after `\n`, `\r`, `\r\n`, `\v`, `\f`,
/// `\x1c`–`\x1e`, `\x85`, U+2028 and U+2029. An empty string gives no lines.
pub fn splitlines_keepends(s: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let end = match c {
            '\r' => match chars.peek() {
                Some((_, '\n')) => {
                    chars.next();
                    i + 2
                }
                _ => i + 1,
            },
            '\n' | '\x0b' | '\x0c' | '\x1c' | '\x1d' | '\x1e' | '\u{85}' | '\u{2028}'
            | '\u{2029}' => i + c.len_utf8(),
            _ => continue,
        };
        lines.push(&s[start..end]);
        start = end;
    }
    if start < s.len() {
        lines.push(&s[start..]);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_match_python_repr() {
        // Expected values printed by CPython 3.11 `repr(float(x))`.
        for (input, expected) in [
            ("1e-05", "1e-05"),
            ("0.00001", "1e-05"),
            ("0.0001", "0.0001"),
            ("1e16", "1e+16"),
            ("1e15", "1000000000000000.0"),
            ("1.5e16", "1.5e+16"),
            ("123.456", "123.456"),
            ("1.0", "1.0"),
            ("1.50", "1.5"),
            ("-0.0", "-0.0"),
            ("0.1", "0.1"),
            ("2.5e-7", "2.5e-07"),
            ("1e100", "1e+100"),
            ("1e400", "Infinity"),
            ("-1e400", "-Infinity"),
            ("12345678901234567890.0", "1.2345678901234567e+19"),
            ("0.30000000000000004", "0.30000000000000004"),
            ("3.141592653589793", "3.141592653589793"),
            ("1E5", "100000.0"),
        ] {
            assert_eq!(python_number(input), expected, "{input}");
        }
    }

    #[test]
    fn integers_are_kept_at_any_size() {
        assert_eq!(
            python_number("123456789012345678901234567890"),
            "123456789012345678901234567890"
        );
        assert_eq!(python_number("-0"), "0");
        assert_eq!(python_number("-42"), "-42");
    }

    #[test]
    fn splitlines_matches_python() {
        assert_eq!(splitlines_keepends(""), Vec::<&str>::new());
        assert_eq!(splitlines_keepends("a"), vec!["a"]);
        assert_eq!(splitlines_keepends("a\nb\n"), vec!["a\n", "b\n"]);
        assert_eq!(splitlines_keepends("a\r\nb\rc"), vec!["a\r\n", "b\r", "c"]);
        assert_eq!(
            splitlines_keepends("a\x0bb\x0cc\x1cd\u{85}e\u{2028}f\u{2029}"),
            vec![
                "a\x0b",
                "b\x0c",
                "c\x1c",
                "d\u{85}",
                "e\u{2028}",
                "f\u{2029}"
            ]
        );
        assert_eq!(splitlines_keepends("\n\n"), vec!["\n", "\n"]);
    }

    #[test]
    fn writes_like_nbformat() {
        let value =
            parse(r#"{"b": [1, 2.50, "x/\u2028é\u001b"], "a": {}, "c": [], "n": 1e-5}"#).unwrap();
        let out = String::from_utf8(write_python(&value, false, false)).unwrap();
        assert_eq!(
            out,
            "{\n \"a\": {},\n \"b\": [\n  1,\n  2.5,\n  \"x/\u{2028}é\\u001b\"\n ],\n \"c\": [],\n \"n\": 1e-05\n}\n"
        );
        let crlf = String::from_utf8(write_python(&value, true, false)).unwrap();
        assert!(crlf.starts_with("{\r\n \"a\": {},\r\n"));
        let ascii = String::from_utf8(write_python(
            &parse(r#"["é😀\u007f"]"#).unwrap(),
            false,
            true,
        ))
        .unwrap();
        assert_eq!(ascii, "[\n \"\\u00e9\\ud83d\\ude00\\u007f\"\n]\n");
    }

    #[test]
    fn nan_is_refused_with_a_clear_message() {
        let err = parse("{\"a\": NaN}").unwrap_err().to_string();
        assert!(err.contains("NaN/Infinity"), "{err}");
        let err = parse("{\"a\": -Infinity}").unwrap_err().to_string();
        assert!(err.contains("NaN/Infinity"), "{err}");
    }
}
