#![allow(clippy::print_stderr, clippy::print_stdout)] // tests report skips and counts
//! Properties over the real notebooks and artifacts in `../shared/corpus` (skipped when
//! absent): every file parses or is refused cleanly; sanitizing is idempotent byte
//! for byte; files with nothing to change come out byte-identical; rewritten notebooks are
//! exactly what Python's `json.dumps(json.loads(out), indent=1, sort_keys=True,
//! ensure_ascii=False) + "\n"` writes.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use nbsanitize::{Kind, Policy, engine};

#[test]
fn corpus_sanitizes_idempotently_and_faithfully() {
    let Some(corpus) = common::shared_corpus() else {
        // Shared data beside the repository, not a tool CI installs: skipped when absent.
        eprintln!("skipping: ../shared/corpus is absent");
        return;
    };
    let policy = Policy::default();
    let files = common::files_under(&corpus, &["ipynb", "html", "svg", "md", "geojson"]);
    assert!(
        files.len() > 100,
        "corpus looks truncated: {} files",
        files.len()
    );
    let mut rewritten_notebooks = Vec::new();
    let (mut refused, mut unchanged, mut changed) = (0, 0, 0);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let outcome = match engine::sanitize_bytes(&bytes, None, Some(path), &policy) {
            Ok(o) => o,
            Err(err) => {
                // Refused cleanly, with a message.
                assert!(!err.to_string().is_empty());
                refused += 1;
                continue;
            }
        };
        let Some(out) = outcome.output else {
            assert!(
                outcome
                    .findings
                    .iter()
                    .all(|f| f.action == nbsanitize::Action::Reported),
                "{}: findings without a change",
                path.display()
            );
            unchanged += 1;
            continue;
        };
        changed += 1;
        assert!(
            !outcome.findings.is_empty(),
            "{}: changed without a finding",
            path.display()
        );
        let again = engine::sanitize_bytes(&out, Some(outcome.kind), Some(path), &policy)
            .unwrap_or_else(|e| panic!("{}: sanitized output does not parse: {e}", path.display()));
        assert!(
            again.output.is_none(),
            "{}: not idempotent; second pass found {:?}",
            path.display(),
            again
                .findings
                .iter()
                .map(|f| (f.rule.code, &f.message, f.location.describe()))
                .collect::<Vec<_>>()
        );
        if outcome.kind == Kind::Notebook {
            rewritten_notebooks.push((path.clone(), out));
        }
    }
    eprintln!(
        "{} files: {unchanged} unchanged, {changed} changed, {refused} refused",
        files.len()
    );
    assert!(unchanged > 0 && changed > 0);
    assert_matches_python_json(&rewritten_notebooks);
}

/// Rewritten notebooks equal Python's canonical nbformat serialization of themselves.
fn assert_matches_python_json(notebooks: &[(std::path::PathBuf, Vec<u8>)]) {
    if !common::require(common::has_command("python3", "--version"), "python3") {
        return;
    }
    let has_nbformat = std::process::Command::new("python3")
        .args(["-c", "import nbformat"])
        .status()
        .is_ok_and(|s| s.success());
    common::require(has_nbformat, "Python package nbformat");
    // One Python process for all notebooks: length-prefixed documents on stdin.
    let script = r#"
import json, sys, difflib
try:
    import nbformat
except ImportError:
    nbformat = None
data = sys.stdin.buffer.read()
i = 0
bad = []
n = 0
while i < len(data):
    j = data.index(b"\n", i)
    size = int(data[i:j]); i = j + 1
    raw = data[i:i + size]; i += size
    n += 1
    text = raw.decode("utf-8")
    crlf = "\r\n" in text[:200]
    if crlf:
        text = text.replace("\r\n", "\n")
    nb = json.loads(text)
    # nbformat writes v4 with ensure_ascii=False and v3 with Python's default (True).
    ascii = nb.get("nbformat") == 3
    want = json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=ascii) + "\n"
    if want != text:
        bad.append([n, "json.dumps"])
        continue
    if nbformat is None:
        continue
    try:
        node = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
    except Exception:
        continue  # nbformat refuses it; json.dumps equality above still holds
    want = nbformat.writes(node, version=nbformat.NO_CONVERT) + "\n"
    if want != text:
        # nbformat invents random cell ids for >= 4.5 notebooks without them: not ours to add.
        changed = [l for l in difflib.ndiff(want.splitlines(), text.splitlines()) if l[:1] in "+-"]
        if not all(l[2:].strip().startswith('"id":') for l in changed):
            bad.append([n, "nbformat.writes"])
print(json.dumps(bad))
"#;
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    {
        let mut stdin = child.stdin.take().unwrap();
        for (_, bytes) in notebooks {
            writeln!(stdin, "{}", bytes.len()).unwrap();
            stdin.write_all(bytes).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "python failed");
    let bad: Vec<(usize, String)> = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<_> = bad
        .iter()
        .map(|(n, how)| format!("{} ({how})", notebooks[n - 1].0.display()))
        .collect();
    assert!(
        names.is_empty(),
        "differs from what Python writes: {names:#?}"
    );
    assert!(!notebooks.is_empty());
}
