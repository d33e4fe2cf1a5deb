//! The `nbsanitize` binary: exit codes, stdout/stdin, in-place rewriting, and bad input that
//! must leave the file exactly as it was with one clear line on stderr.

mod common;

use std::fs;
use std::path::Path;

use assert_cmd::Command;

const MALICIOUS: &str = r#"{
 "cells": [
  {
   "cell_type": "code",
   "execution_count": 1,
   "id": "c1",
   "metadata": {},
   "outputs": [
    {
     "data": {
      "text/html": [
       "<table class=\"dataframe\"><tr><td>1</td></tr></table>\n",
       "<img src=x onerror=\"alert(document.cookie)\">"
      ],
      "text/plain": [
       "df"
      ]
     },
     "metadata": {},
     "output_type": "display_data"
    },
    {
     "data": {
      "application/javascript": [
       "alert(1)"
      ]
     },
     "metadata": {},
     "output_type": "display_data"
    }
   ],
   "source": [
    "show()"
   ]
  }
 ],
 "metadata": {},
 "nbformat": 4,
 "nbformat_minor": 5
}
"#;

const CLEAN: &str = "{\n \"cells\": [\n  {\n   \"cell_type\": \"markdown\",\n   \"id\": \"m\",\n   \"metadata\": {},\n   \"source\": \"# Hello <b>world</b>\"\n  }\n ],\n \"metadata\": {}, \"nbformat\": 4, \"nbformat_minor\": 5}";

fn nbsanitize() -> Command {
    Command::cargo_bin("nbsanitize").unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = dir.join(name);
    fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn check_exits_1_with_findings_and_0_when_clean() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.ipynb", MALICIOUS.as_bytes());
    let good = write(dir.path(), "good.ipynb", CLEAN.as_bytes());
    let out = nbsanitize()
        .arg("check")
        .arg(&bad)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("bad.ipynb: cell 0 (id c1), output 0, text/html: NB102 [removed]"),
        "{text}"
    );
    assert!(text.contains("NB601 [removed]"), "{text}");
    nbsanitize().arg("check").arg(&good).assert().code(0);
    assert_eq!(
        fs::read_to_string(&bad).unwrap(),
        MALICIOUS,
        "check never writes"
    );
}

#[test]
fn check_json_is_one_document_listing_only_files_with_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "bad.ipynb", MALICIOUS.as_bytes());
    write(dir.path(), "good.ipynb", CLEAN.as_bytes());
    let out = nbsanitize()
        .args(["check", "--output-format", "json"])
        .arg(dir.path())
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let findings = doc["findings"].as_array().unwrap();
    assert!(
        findings
            .iter()
            .all(|f| f["path"].as_str().unwrap().ends_with("bad.ipynb"))
    );
    let f = &findings[0];
    for key in ["path", "code", "message", "location", "action", "severity"] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["location"]["cell"], 0);
    assert_eq!(f["location"]["cell_id"], "c1");
    assert_eq!(f["location"]["mime"], "text/html");
    assert_eq!(
        f["location"]["pointer"],
        "/cells/0/outputs/0/data/text~1html"
    );
    assert_eq!(doc["summary"]["files"], 2);
    assert_eq!(doc["summary"]["files_with_findings"], 1);
    assert!(!String::from_utf8_lossy(&out).contains("good.ipynb"));
}

#[test]
fn check_sarif_is_sarif_2_1_0() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad nb.ipynb", MALICIOUS.as_bytes());
    let out = nbsanitize()
        .args(["check", "--output-format", "sarif"])
        .arg(&bad)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let doc: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "nbsanitize");
    let rules: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let result = &run["results"][0];
    assert!(rules.contains(&result["ruleId"].as_str().unwrap()));
    assert_eq!(
        rules[result["ruleIndex"].as_u64().unwrap() as usize],
        result["ruleId"]
    );
    let uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap();
    assert!(uri.ends_with("bad%20nb.ipynb"), "{uri}");
    assert_eq!(result["level"], "error");
}

#[test]
fn sanitize_writes_stdout_for_one_file_and_in_place_with_i() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "bad.ipynb", MALICIOUS.as_bytes());
    let out = nbsanitize()
        .arg("sanitize")
        .arg(&bad)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        !text.contains("onerror") && !text.contains("application/javascript"),
        "{text}"
    );
    assert!(text.contains("<table class=\\\"dataframe\\\">"), "{text}");
    assert_eq!(
        fs::read_to_string(&bad).unwrap(),
        MALICIOUS,
        "stdout mode leaves the file"
    );

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&bad, fs::Permissions::from_mode(0o600)).unwrap();
    }
    nbsanitize()
        .args(["sanitize", "-i"])
        .arg(&bad)
        .assert()
        .code(0);
    assert_eq!(
        fs::read_to_string(&bad).unwrap(),
        text,
        "-i writes what stdout mode printed"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            fs::metadata(&bad).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    nbsanitize().arg("check").arg(&bad).assert().code(0);
}

#[test]
fn clean_notebook_is_left_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    // Unusual but valid layout: not what nbformat writes, so any re-serialization would show.
    let good = write(dir.path(), "good.ipynb", CLEAN.as_bytes());
    let before = fs::metadata(&good).unwrap().modified().unwrap();
    nbsanitize()
        .args(["sanitize", "-i"])
        .arg(&good)
        .assert()
        .code(0);
    assert_eq!(fs::read_to_string(&good).unwrap(), CLEAN);
    assert_eq!(
        fs::metadata(&good).unwrap().modified().unwrap(),
        before,
        "not rewritten"
    );
    let out = nbsanitize()
        .arg("sanitize")
        .arg(&good)
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(out, CLEAN.as_bytes());
}

#[test]
fn stdin_to_stdout_for_each_format() {
    for (format, input, must_not, must) in [
        (
            "html",
            "<p>hi<script>alert(1)</script></p>",
            "script",
            "<p>hi</p>",
        ),
        (
            "markdown",
            "[x](javascript:alert(1)) *ok*\n",
            "javascript",
            "*ok*",
        ),
        ("ipynb", MALICIOUS, "onerror", "dataframe"),
    ] {
        let out = nbsanitize()
            .args(["sanitize", "--format", format, "-"])
            .write_stdin(input)
            .assert()
            .code(0)
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        assert!(
            !text.contains(must_not) && text.contains(must),
            "{format}: {text}"
        );
    }
}

#[test]
fn crlf_notebooks_keep_crlf() {
    let dir = tempfile::tempdir().unwrap();
    let crlf = MALICIOUS.replace('\n', "\r\n");
    let path = write(dir.path(), "win.ipynb", crlf.as_bytes());
    nbsanitize()
        .args(["sanitize", "-i"])
        .arg(&path)
        .assert()
        .code(0);
    let out = fs::read_to_string(&path).unwrap();
    assert!(
        out.ends_with("}\r\n") && !out.replace("\r\n", "").contains('\n'),
        "{out:?}"
    );
}

/// Every kind of bad input: one line `nbsanitize: PATH: reason`, exit 2, nothing on stdout,
/// the file byte-for-byte unchanged.
#[test]
fn bad_input_is_refused_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!(
        "{{\"nbformat\": 4, \"cells\": {}{}}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("broken.ipynb", b"{\"nbformat\": 4, \"cells\": [".to_vec(), "invalid JSON"),
        ("truncated.ipynb", MALICIOUS.as_bytes()[..MALICIOUS.len() / 2].to_vec(), "invalid JSON"),
        ("junk.ipynb", vec![0x89, b'P', b'N', b'G', 0, 0, 0xff, 0xfe, 0, 1], "not a text file"),
        ("empty.ipynb", vec![], "empty file"),
        ("notnb.json", b"{\"name\": \"package\", \"version\": 1}".to_vec(), "neither a notebook"),
        ("wrongtypes.ipynb", b"{\"nbformat\": 4, \"cells\": [{\"cell_type\": 3}], \"metadata\": {}}".to_vec(), "invalid notebook"),
        ("cells.ipynb", b"{\"nbformat\": 4, \"cells\": {}, \"metadata\": {}}".to_vec(), "expected an array at /cells"),
        ("outputs.ipynb", b"{\"nbformat\": 4, \"metadata\": {}, \"cells\": [{\"cell_type\": \"code\", \"source\": \"\", \"metadata\": {}, \"outputs\": [{\"output_type\": \"display_data\", \"data\": {\"text/html\": 5}}]}]}".to_vec(), "/cells/0/outputs/0/data/text~1html"),
        ("v5.ipynb", b"{\"nbformat\": 5, \"cells\": []}".to_vec(), "unsupported nbformat 5"),
        ("nan.ipynb", b"{\"nbformat\": 4, \"metadata\": {\"x\": NaN}, \"cells\": []}".to_vec(), "NaN/Infinity"),
        ("deep.ipynb", deep.into_bytes(), "invalid JSON"),
    ];
    for (name, bytes, reason) in cases {
        let path = write(dir.path(), name, &bytes);
        for args in [vec!["sanitize", "-i"], vec!["sanitize"], vec!["check"]] {
            let out = nbsanitize()
                .args(&args)
                .arg(&path)
                .assert()
                .code(2)
                .get_output()
                .clone();
            let stderr = String::from_utf8(out.stderr).unwrap();
            assert_eq!(stderr.lines().count(), 1, "{name} {args:?}: {stderr}");
            assert!(
                stderr.starts_with(&format!("nbsanitize: {}: ", path.display())),
                "{name}: {stderr}"
            );
            assert!(stderr.contains(reason), "{name} {args:?}: {stderr}");
            if args != ["check"] {
                assert!(out.stdout.is_empty(), "{name} {args:?}: partial output");
            }
            assert_eq!(
                fs::read(&path).unwrap(),
                bytes,
                "{name} {args:?}: file changed"
            );
        }
    }
}

#[test]
fn max_size_refuses_before_loading() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "big.ipynb", MALICIOUS.as_bytes());
    let out = nbsanitize()
        .args(["sanitize", "-i", "--max-size", "100"])
        .arg(&path)
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("over the --max-size limit of 100 bytes"),
        "{stderr}"
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), MALICIOUS);
    nbsanitize()
        .args(["sanitize", "--max-size", "1K", "-"])
        .write_stdin(vec![b' '; 2000])
        .assert()
        .code(2);
}

#[test]
fn a_failing_file_does_not_stop_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let bad = write(dir.path(), "a-bad.ipynb", MALICIOUS.as_bytes());
    let broken = write(dir.path(), "b-broken.ipynb", b"{\"nbformat\": 4,");
    nbsanitize()
        .args(["sanitize", "-i", "-q"])
        .arg(dir.path())
        .assert()
        .code(2);
    assert_ne!(
        fs::read_to_string(&bad).unwrap(),
        MALICIOUS,
        "the good file was sanitized"
    );
    assert_eq!(fs::read(&broken).unwrap(), b"{\"nbformat\": 4,");
}

#[test]
fn usage_errors_exit_2() {
    nbsanitize().args(["sanitize", "a", "b"]).assert().code(2);
    nbsanitize().args(["sanitize", "-i", "-"]).assert().code(2);
    nbsanitize()
        .args(["check", "--output-format", "xml", "x"])
        .assert()
        .code(2);
    nbsanitize()
        .args(["check", "/nonexistent/x.ipynb"])
        .assert()
        .code(2);
}

#[test]
fn rule_prints_the_documentation() {
    let out = nbsanitize()
        .args(["rule", "NB101"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("# NB101 (html-script-element)\n\nA `<script>` element in HTML.\n"),
        "{text}"
    );
    assert!(text.contains("## Why is this bad?"), "{text}");
    assert_eq!(
        text.split_once("\n\n").unwrap().1,
        nbsanitize::rules::html::SCRIPT_ELEMENT.doc()
    );
    let all = nbsanitize()
        .args(["rule", "--all"])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    assert_eq!(
        String::from_utf8(all).unwrap().lines().count(),
        nbsanitize::rules::all().count()
    );
    nbsanitize().args(["rule", "NB999"]).assert().code(2);
}

/// `check`, `sanitize` and the git `filter` resolve the same policy: the configuration file's
/// allowlist additions apply to all three.
#[test]
fn config_allowlist_applies_to_check_and_filter() {
    let dir = tempfile::tempdir().unwrap();
    let nb = MALICIOUS.replace(
        "<img src=x onerror=\\\"alert(document.cookie)\\\">",
        "<marquee>m</marquee>",
    );
    let path = write(dir.path(), "nb.ipynb", nb.as_bytes());
    let codes = |dir: &Path| {
        let out = nbsanitize()
            .current_dir(dir)
            .args(["check", "--output-format", "json", "nb.ipynb"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["code"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let filtered = |dir: &Path| {
        let out = nbsanitize()
            .current_dir(dir)
            .args(["filter", "--mode", "sanitize"])
            .write_stdin(nb.clone())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert!(codes(dir.path()).contains(&"NB109".to_owned()));
    assert!(!filtered(dir.path()).contains("marquee"));
    fs::write(
        dir.path().join("nbsanitize.toml"),
        "[allow]\ntags = [\"marquee\"]\n",
    )
    .unwrap();
    assert!(!codes(dir.path()).contains(&"NB109".to_owned()));
    assert!(filtered(dir.path()).contains("<marquee>m</marquee>"));
    assert!(path.exists());
}
