//! `nbsanitize check` and `sanitize` on folders holding model files, through the binary.

use std::fs;
use std::path::Path;

use assert_cmd::Command;

fn corpus(name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus/models")
            .join(name),
    )
    .unwrap()
}

fn nbsanitize() -> Command {
    Command::cargo_bin("nbsanitize").unwrap()
}

#[test]
fn check_finds_models_by_content_and_quarantines_them() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = tmp.path().join("tree");
    fs::create_dir_all(tree.join("mlflow/artifacts/model")).unwrap();
    // Names that say nothing about the content.
    fs::write(
        tree.join("mlflow/artifacts/model/python_model.pkl"),
        corpus("inst.pkl"),
    )
    .unwrap();
    fs::write(tree.join("weights.dat"), corpus("zip_bad_crc.pt")).unwrap();
    fs::write(tree.join("README"), corpus("notes.txt")).unwrap();
    fs::write(tree.join("model.pkl"), corpus("torch_state_dict.pt")).unwrap();
    fs::write(tree.join("notes.md"), "# Notes\n\nNothing to see.\n").unwrap();

    let out = nbsanitize()
        .args(["check", "--output-format", "json"])
        .arg(&tree)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let paths: std::collections::BTreeSet<String> = findings
        .iter()
        .map(|f| {
            Path::new(f["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(
        paths.into_iter().collect::<Vec<_>>(),
        ["README", "python_model.pkl", "weights.dat"]
    );
    assert!(findings.iter().any(|f| f["code"] == "NB701"
        && f["location"]["member"] == "archive/data.pkl"
        && f["message"].as_str().unwrap().contains("posix.system")));

    // sanitize never rewrites a model file.
    let before = fs::read(tree.join("weights.dat")).unwrap();
    nbsanitize()
        .args(["sanitize", "-i", "-q"])
        .arg(&tree)
        .assert()
        .success();
    assert_eq!(fs::read(tree.join("weights.dat")).unwrap(), before);

    let q = tmp.path().join("quarantine");
    nbsanitize()
        .args(["check", "-q", "--quarantine"])
        .arg(&q)
        .arg(&tree)
        .assert()
        .code(1);
    assert!(!tree.join("weights.dat").exists());
    assert!(!tree.join("README").exists());
    assert!(
        !tree
            .join("mlflow/artifacts/model/python_model.pkl")
            .exists()
    );
    assert!(tree.join("model.pkl").exists(), "a benign model stays");
    assert_eq!(fs::read(q.join("weights.dat")).unwrap(), before);
    let manifest = fs::read_to_string(q.join("manifest.jsonl")).unwrap();
    assert_eq!(manifest.lines().count(), 3);
    assert!(manifest.contains("python_model.pkl"));

    // What is left is clean.
    nbsanitize().arg("check").arg(&tree).assert().success();
}

#[test]
fn explicit_format_model_scans_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("x.md");
    // A protocol 0 pickle named .md is Markdown unless --format model says otherwise.
    fs::write(&p, corpus("os_system_p0.pkl")).unwrap();
    nbsanitize().arg("check").arg(&p).assert().success();
    let out = nbsanitize()
        .args(["check", "--format", "model"])
        .arg(&p)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("`os.system`"));
}
