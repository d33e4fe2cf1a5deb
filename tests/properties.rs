//! Property tests: sanitizing is idempotent, a clean notebook round-trips byte for byte, and
//! no output keeps an executable construct.

use nbsanitize::{Kind, Policy, engine};
use proptest::prelude::*;

/// HTML-ish fragments built from benign pieces and known payload pieces.
fn html_piece() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<b>bold</b>".to_owned()),
        Just("<table border=\"1\" class=\"dataframe\"><tr><td>1</td></tr></table>".to_owned()),
        Just("<script>alert(1)</script>".to_owned()),
        Just("<img src=x onerror=alert(1)>".to_owned()),
        Just("<a href=\"jav&#x09;ascript:alert(1)\">x</a>".to_owned()),
        Just("<svg><g onload=alert(1)></g></svg>".to_owned()),
        Just("<math><mi><style><img src=x onerror=alert(1)></style></mi></math>".to_owned()),
        Just(
            "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>".to_owned()
        ),
        Just("<p style=\"color: red; background: url(javascript:x)\">s</p>".to_owned()),
        Just("<div id=\"cookie\">c</div>".to_owned()),
        Just("<!--<img src=x onerror=alert(1)>-->".to_owned()),
        Just("<template><script>alert(1)</script></template>".to_owned()),
        Just("<select><option><img src=x onerror=alert(1)></option></select>".to_owned()),
        "[a-z <>&\"'=/]{1,12}",
    ]
}

fn html_doc() -> impl Strategy<Value = String> {
    proptest::collection::vec(html_piece(), 1..8).prop_map(|v| v.concat())
}

fn has_executable(html: &str) -> bool {
    let lower = html.to_ascii_lowercase();
    lower.contains("<script")
        || lower.contains("javascript:")
        || lower.contains(" onerror")
        || lower.contains(" onload")
}

fn notebook_with(html: &str, markdown: &str) -> String {
    serde_json::to_string_pretty(&serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "markdown", "id": "m", "metadata": {}, "source": markdown},
            {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": "x",
             "outputs": [{"output_type": "display_data", "metadata": {},
                          "data": {"text/html": html, "text/plain": "x"}}]}
        ]
    }))
    .unwrap()
}

proptest! {
    // PROPTEST_CASES raises the count for a longer local run.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200),
        ..ProptestConfig::default()
    })]

    #[test]
    fn html_is_idempotent_and_inert(doc in html_doc()) {
        let policy = Policy::default();
        let once = engine::sanitize_bytes(doc.as_bytes(), Some(Kind::Html), None, &policy).unwrap();
        let out = once.output.clone().unwrap_or_else(|| doc.clone().into_bytes());
        let out = String::from_utf8(out).unwrap();
        let twice = engine::sanitize_bytes(out.as_bytes(), Some(Kind::Html), None, &policy).unwrap();
        prop_assert!(twice.output.is_none(), "not idempotent: {doc:?} -> {out:?}");
        prop_assert!(twice.findings.is_empty());
        // Comments are inert text to the browser; look outside them.
        let visible: String = out.split("<!--").map(|part| part.split_once("-->").map_or(part, |(_, rest)| rest)).collect();
        prop_assert!(!has_executable(&visible) || visible.contains("&lt;"), "executable left: {out:?}");
    }

    #[test]
    fn notebooks_are_idempotent(html in html_doc(), md in "[a-z \\[\\]()<>:*#]{0,40}") {
        let policy = Policy::default();
        let nb = notebook_with(&html, &md);
        let once = engine::sanitize_bytes(nb.as_bytes(), None, None, &policy).unwrap();
        if let Some(out) = once.output {
            let twice = engine::sanitize_bytes(&out, None, None, &policy).unwrap();
            prop_assert!(twice.output.is_none(), "not idempotent: {:?}", twice.findings);
        }
    }

    #[test]
    fn clean_notebooks_round_trip_byte_for_byte(text in "[a-zA-Z0-9 .,é😀\\n]{0,60}", n in any::<i64>(), f in any::<f64>()) {
        prop_assume!(f.is_finite());
        let nb = serde_json::json!({
            "nbformat": 4, "nbformat_minor": 5, "metadata": {"n": n, "f": f},
            "cells": [{"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 1, "source": text,
                       "outputs": [{"output_type": "stream", "name": "stdout", "text": text}]}]
        });
        let bytes = serde_json::to_vec(&nb).unwrap();
        let outcome = engine::sanitize_bytes(&bytes, None, None, &Policy::default()).unwrap();
        prop_assert!(outcome.output.is_none());
        prop_assert!(outcome.findings.is_empty());
    }
}
