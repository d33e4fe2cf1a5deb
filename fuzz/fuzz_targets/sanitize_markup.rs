//! The policy on arbitrary markup: HTML (fragment and document), SVG and Markdown, through the
//! engine. No panic, and the output is a fixpoint: sanitizing it again changes nothing and finds
//! nothing. The second pass is the oracle for "nothing executable": its checker parses the
//! output as the browser does and reports any script element, handler or script URL. (A text
//! search is not: `</p<<script>` is an end tag named `p<<script`, and inert.)
//! `cargo +nightly fuzz run sanitize_markup -- -max_total_time=60 -dict=html.dict`
#![no_main]

use libfuzzer_sys::fuzz_target;
use nbsanitize::{Kind, Policy, engine};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let kind = [Kind::Html, Kind::Svg, Kind::Markdown][usize::from(selector) % 3];
    let policy = Policy::default();
    let Ok(once) = engine::sanitize_bytes(text.as_bytes(), Some(kind), None, &policy) else { return };
    let out = once.output.unwrap_or_else(|| text.as_bytes().to_vec());
    let twice = engine::sanitize_bytes(&out, Some(kind), None, &policy).expect("sanitized output is accepted");
    assert!(twice.output.is_none() && twice.findings.is_empty(), "not a fixpoint: {text:?}");
});
