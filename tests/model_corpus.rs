//! Every file in `corpus/models/` against `corpus/models/expected.json`: each malicious
//! construction is reported with the right callable (and archive member), benign files get no
//! finding at all, and every file is detected as a model by content through the engine.

use std::path::{Path, PathBuf};

use nbsanitize::{Kind, Policy, engine};

#[test]
fn corpus_matches_expected() {
    // CI points this at a freshly generated copy (`.ci/test.d/50-model.sh`).
    let dir = match std::env::var_os("NBSANITIZE_MODEL_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/models"),
    };
    let expected: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let expected = expected.as_object().unwrap();
    // Every generated file is listed.
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if !matches!(
            name.as_str(),
            "generate.py" | "expected.json" | "README.md" | "__pycache__"
        ) {
            assert!(
                expected.contains_key(&name),
                "{name} is not in expected.json"
            );
        }
    }
    assert!(expected.len() >= 40, "corpus too small: {}", expected.len());
    let policy = Policy::default();
    let mut failures = Vec::new();
    for (name, spec) in expected {
        let path = dir.join(name);
        let bytes = std::fs::read(&path).unwrap();
        let outcome = engine::sanitize_bytes(&bytes, None, Some(&path), &policy).unwrap();
        if outcome.kind != Kind::Model {
            failures.push(format!("{name}: detected as {:?}", outcome.kind));
            continue;
        }
        assert!(
            outcome.output.is_none(),
            "{name}: a model file was rewritten"
        );
        let wants = spec["expect"].as_array().unwrap();
        for want in wants {
            let code = want["code"].as_str().unwrap();
            let text = want["callable"].as_str().unwrap();
            let member = want.get("member").and_then(|m| m.as_str());
            let hit = outcome.findings.iter().any(|f| {
                f.rule.code == code
                    && f.message.contains(text)
                    && f.location.member.as_deref() == member
            });
            if !hit {
                failures.push(format!(
                    "{name}: missing {code} `{text}` (member {member:?}); got {:#?}",
                    outcome.findings
                ));
            }
        }
        // Nothing beyond what is expected (benign files: nothing at all).
        for f in &outcome.findings {
            let expected_code = wants
                .iter()
                .any(|w| w["code"].as_str() == Some(f.rule.code));
            if !expected_code {
                failures.push(format!("{name}: unexpected {} {}", f.rule.code, f.message));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
