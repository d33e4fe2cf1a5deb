/*! Moving flagged model files out of the way, with a manifest saying where each came from.

The manifest is `manifest.jsonl` in the quarantine folder: one JSON object per moved file with
`original` (absolute path), `quarantined`, `size`, `time` (Unix seconds) and `findings` (code,
message, member). Files are renamed when the folder is on the same file system, else copied,
synced and then removed; a name already taken in the folder gets a numeric suffix. */

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::diagnostic::Finding;
use crate::error::Error;

/// The manifest's file name inside the quarantine folder.
pub const MANIFEST: &str = "manifest.jsonl";

#[derive(Serialize)]
struct Entry<'a> {
    original: String,
    quarantined: String,
    size: u64,
    time: u64,
    findings: &'a [Finding],
}

/// Moves `path` into `dir` (created if missing) and appends its entry to the manifest.
/// Returns the new path.
pub fn quarantine(path: &Path, dir: &Path, findings: &[Finding]) -> Result<PathBuf, Error> {
    fs::create_dir_all(dir)?;
    let original = fs::canonicalize(path)?;
    let meta = fs::symlink_metadata(&original)?;
    if !meta.is_file() {
        return Err(Error::Io(std::io::Error::other("not a regular file")));
    }
    let name = original
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    let target = free_name(dir, &name)?;
    if fs::rename(&original, &target).is_err() {
        // Another file system: copy, sync, then remove the original.
        fs::copy(&original, &target)?;
        fs::File::open(&target)?.sync_all()?;
        fs::remove_file(&original)?;
    }
    let entry = Entry {
        original: original.display().to_string(),
        quarantined: target.display().to_string(),
        size: meta.len(),
        time: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        findings,
    };
    let mut line = serde_json::to_vec(&entry).map_err(|e| Error::Io(std::io::Error::other(e)))?;
    line.push(b'\n');
    let mut manifest = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(MANIFEST))?;
    manifest.write_all(&line)?;
    manifest.sync_all()?;
    Ok(target)
}

/// `dir/name`, or `dir/name.1`, `dir/name.2`, … when taken. Never the manifest's name.
fn free_name(dir: &Path, name: &str) -> Result<PathBuf, Error> {
    for i in 0..10_000u32 {
        let candidate = if i == 0 {
            dir.join(name)
        } else {
            dir.join(format!("{name}.{i}"))
        };
        if candidate.file_name().is_some_and(|n| n == MANIFEST) {
            continue;
        }
        if !candidate.exists() {
            return Ok(candidate);
        }
    }
    Err(Error::Io(std::io::Error::other(
        "no free name in the quarantine folder",
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_and_writes_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("model.pkl");
        fs::write(&a, b"x").unwrap();
        let q = tmp.path().join("q");
        let first = quarantine(&a, &q, &[]).unwrap();
        assert!(!a.exists());
        assert_eq!(fs::read(&first).unwrap(), b"x");
        fs::write(&a, b"y").unwrap();
        let second = quarantine(&a, &q, &[]).unwrap();
        assert_ne!(first, second);
        let manifest = fs::read_to_string(q.join(MANIFEST)).unwrap();
        assert_eq!(manifest.lines().count(), 2);
        let v: serde_json::Value = serde_json::from_str(manifest.lines().next().unwrap()).unwrap();
        assert!(v["original"].as_str().unwrap().ends_with("model.pkl"));
    }
}
