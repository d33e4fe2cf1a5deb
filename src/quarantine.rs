/*! Quarantine: moving a file that must not stay where it is (it could not be sanitized, or a
scanner flagged it) into a folder, with a manifest saying where it came from and why.

The file keeps its path relative to the root it was found under (`DIR/<relative path>`); a name
already taken gets a `~1`, `~2`, … suffix, so nothing in the quarantine is ever overwritten.
Each move appends one JSON line to `DIR/manifest.jsonl`:

```json
{"time_unix":1764140000,"original":"/store/1/abc/artifacts/x.ipynb","quarantined":"/q/1/abc/artifacts/x.ipynb","root":"/store","reason":"invalid JSON: …","size":123,"sha256":"…"}
```

```
let store = tempfile::tempdir().unwrap();
let q = tempfile::tempdir().unwrap();
let bad = store.path().join("runs/x.ipynb");
std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
std::fs::write(&bad, "{broken").unwrap();
let moved = nbsanitize::quarantine::quarantine(&bad, store.path(), q.path(), "invalid JSON").unwrap();
assert_eq!(moved, q.path().join("runs/x.ipynb"));
assert!(!bad.exists());
let manifest = std::fs::read_to_string(q.path().join("manifest.jsonl")).unwrap();
assert!(manifest.contains("\"reason\":\"invalid JSON\""));
``` */

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The manifest's file name inside the quarantine folder.
pub const MANIFEST: &str = "manifest.jsonl";

/// One line of the manifest.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    /// Seconds since the Unix epoch when the file was moved.
    pub time_unix: u64,
    /// Where the file was (absolute).
    pub original: PathBuf,
    /// Where it is now.
    pub quarantined: PathBuf,
    /// The root it was found under (absolute).
    pub root: PathBuf,
    /// Why it was moved.
    pub reason: String,
    /// Its size in bytes.
    pub size: u64,
    /// SHA-256 of its content, lower-case hex.
    pub sha256: String,
}

/// Serialises manifest appends and name choices within this process.
static LOCK: Mutex<()> = Mutex::new(());

/// Moves `path` (found under `root`) into the quarantine folder `dir`, keeping its path relative
/// to `root`, and appends a [`Record`] to `dir/manifest.jsonl`. Returns the new path.
///
/// The move is a hard link then an unlink on the same file system (never replacing an existing
/// file), else a copy to a new file, synced, then an unlink. When `path` is not under `root`, only
/// its file name is kept.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read, moved or the manifest written; the file then stays
/// where it was (or, if only the manifest failed, is already in the quarantine).
pub fn quarantine(path: &Path, root: &Path, dir: &Path, reason: &str) -> Result<PathBuf, Error> {
    let original = std::path::absolute(path)?;
    let root = std::path::absolute(root)?;
    let meta = fs::symlink_metadata(&original)?;
    if !meta.is_file() {
        return Err(Error::Io(io::Error::other(
            "only regular files can be quarantined",
        )));
    }
    let relative = match original.strip_prefix(&root) {
        Ok(rel) if !rel.as_os_str().is_empty() => rel.to_path_buf(),
        _ => PathBuf::from(
            original
                .file_name()
                .ok_or_else(|| Error::Io(io::Error::other("no file name")))?,
        ),
    };
    let sha256 = sha256_of(&original)?;
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    fs::create_dir_all(dir)?;
    let dir = fs::canonicalize(dir)?;
    let target = dir.join(&relative);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    let quarantined = move_to_new_name(&original, &target)?;
    let record = Record {
        time_unix: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        original,
        quarantined: quarantined.clone(),
        root,
        reason: reason.to_owned(),
        size: meta.len(),
        sha256,
    };
    let mut line = serde_json::to_vec(&record).map_err(|e| Error::Io(io::Error::other(e)))?;
    line.push(b'\n');
    let mut manifest = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(MANIFEST))?;
    manifest.write_all(&line)?;
    manifest.sync_data()?;
    Ok(quarantined)
}

/// Moves `from` to `target`, or to `target~1`, `target~2`… when taken. Never overwrites.
fn move_to_new_name(from: &Path, target: &Path) -> Result<PathBuf, Error> {
    for n in 0..10_000u32 {
        let candidate = if n == 0 {
            target.to_path_buf()
        } else {
            let mut name = target.as_os_str().to_owned();
            name.push(format!("~{n}"));
            PathBuf::from(name)
        };
        match fs::hard_link(from, &candidate) {
            Ok(()) => {
                fs::remove_file(from)?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(_) => {
                // Another file system, or one without hard links: copy into a new file.
                let mut out = match OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&candidate)
                {
                    Ok(out) => out,
                    Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                    Err(e) => return Err(e.into()),
                };
                let copied = io::copy(&mut fs::File::open(from)?, &mut out)
                    .and_then(|_| out.sync_all())
                    .and_then(|()| {
                        fs::set_permissions(&candidate, fs::metadata(from)?.permissions())
                    });
                if let Err(e) = copied {
                    let _ = fs::remove_file(&candidate);
                    return Err(e.into());
                }
                fs::remove_file(from)?;
                return Ok(candidate);
            }
        }
    }
    Err(Error::Io(io::Error::other(
        "too many files of that name in the quarantine",
    )))
}

fn sha256_of(path: &Path) -> Result<String, Error> {
    let mut file = fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_overwrites_and_records_each_move() {
        let store = tempfile::tempdir().unwrap();
        let q = tempfile::tempdir().unwrap();
        let path = store.path().join("a/x.html");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        for (i, text) in ["one", "two"].iter().enumerate() {
            fs::write(&path, text).unwrap();
            let moved = quarantine(&path, store.path(), q.path(), "test").unwrap();
            let want = if i == 0 { "a/x.html" } else { "a/x.html~1" };
            assert_eq!(moved, fs::canonicalize(q.path()).unwrap().join(want));
            assert_eq!(fs::read_to_string(&moved).unwrap(), *text);
            assert!(!path.exists());
        }
        let manifest = fs::read_to_string(q.path().join(MANIFEST)).unwrap();
        let lines: Vec<serde_json::Value> = manifest
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0]["sha256"],
            "7692c3ad3540bb803c020b3aee66cd8887123234ea0c6e7143c0add73ff431ed"
        );
        assert_eq!(lines[1]["size"], 3);
    }

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let store = tempfile::tempdir().unwrap();
        let q = tempfile::tempdir().unwrap();
        assert!(quarantine(store.path(), store.path(), q.path(), "x").is_err());
        assert!(quarantine(&store.path().join("missing"), store.path(), q.path(), "x").is_err());
        assert!(!q.path().join(MANIFEST).exists());
    }
}
