/*! MLflow file stores: which files are run artifacts (ours to sanitize) and which are MLflow's
own metadata (never touched).

The layout of a local store (`mlflow/store/tracking/file_store.py`):

```text
mlruns/
  <experiment_id>/meta.yaml            experiment
  <experiment_id>/tags/<key>
  <experiment_id>/<run_id>/meta.yaml   run
  <experiment_id>/<run_id>/{metrics,params,tags}/<key>
  <experiment_id>/<run_id>/artifacts/… run artifacts (HTML reports, recipe cards, plots, notebooks)
  <experiment_id>/traces/<trace_id>/{trace_info.yaml,artifacts/…}
  models/<name>/meta.yaml, models/<name>/version-<n>/meta.yaml
  .trash/<experiment_id>/…             deleted experiments and runs, same layout
```

A file is an artifact when one of its ancestors is a folder named `artifacts` whose parent is a
run (or trace) folder: it holds an MLflow `meta.yaml` (or `trace_info.yaml`). A file is MLflow
metadata when it sits anywhere else below a folder with an MLflow `meta.yaml`, and `MLmodel`
files are metadata wherever they are. Everything else is outside any store. A `meta.yaml` counts
as MLflow's only when it has one of MLflow's keys (`experiment_id`, `run_uuid`,
`artifact_location`, `artifact_uri`, `lifecycle_stage`, `creation_timestamp`), so an unrelated
project's `meta.yaml` does not hide its folder.

```
use nbsanitize::mlflow::{Placement, StoreIndex};
let dir = tempfile::tempdir().unwrap();
let run = dir.path().join("mlruns/1/abc");
std::fs::create_dir_all(run.join("artifacts")).unwrap();
std::fs::write(dir.path().join("mlruns/1/meta.yaml"), "experiment_id: '1'\n").unwrap();
std::fs::write(run.join("meta.yaml"), "run_uuid: abc\nexperiment_id: '1'\n").unwrap();
let index = StoreIndex::default();
match index.classify(&run.join("artifacts/report.html")) {
    Placement::Artifact(r) => assert_eq!((r.experiment_id.as_str(), r.run_id.as_str()), ("1", "abc")),
    other => panic!("{other:?}"),
}
assert_eq!(index.classify(&run.join("params/lr")), Placement::Metadata);
assert_eq!(index.classify(&dir.path().join("notes.md")), Placement::Outside);
``` */

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use serde::Serialize;

/// The experiment and run an artifact belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct RunRef {
    /// The experiment id (the experiment folder's name).
    pub experiment_id: String,
    /// The run id (the run folder's name), or the trace id for trace artifacts.
    pub run_id: String,
    /// Whether the run is in the store's `.trash`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
}

impl RunRef {
    /// `experiment 1, run abc` (plus `, deleted`).
    pub fn describe(&self) -> String {
        let deleted = if self.deleted { ", deleted" } else { "" };
        format!(
            "experiment {}, run {}{deleted}",
            self.experiment_id, self.run_id
        )
    }
}

/// Where a file sits relative to MLflow stores.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// Under a run's (or trace's) `artifacts/`: may be sanitized.
    Artifact(RunRef),
    /// MLflow's own bookkeeping (`meta.yaml`, metrics, params, tags, `MLmodel`, registered
    /// models): never modified.
    Metadata,
    /// Not in an MLflow store.
    Outside,
}

/// What a folder is, as far as MLflow is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DirRole {
    /// Holds an MLflow `meta.yaml` (experiment, run, registered model or version).
    Entity,
    /// Holds a `trace_info.yaml` (an MLflow trace).
    Trace,
    /// Anything else.
    Plain,
}

/// Classifies files, caching what it learns about folders (safe to share between threads).
#[derive(Debug, Default)]
pub struct StoreIndex {
    dirs: RwLock<HashMap<PathBuf, DirRole>>,
}

/// Keys that only MLflow's `meta.yaml` files have.
const MLFLOW_KEYS: &[&str] = &[
    "experiment_id:",
    "run_uuid:",
    "artifact_location:",
    "artifact_uri:",
    "lifecycle_stage:",
    "creation_timestamp:",
];

impl StoreIndex {
    /// Classifies `path`. Relative paths are resolved against the current directory; no
    /// symlink is followed (the folders are looked at as named).
    pub fn classify(&self, path: &Path) -> Placement {
        let absolute;
        let path = if path.is_absolute() {
            path
        } else {
            absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
            &absolute
        };
        if path.file_name().is_some_and(|n| n == "MLmodel") {
            return Placement::Metadata;
        }
        let mut in_entity = false;
        for dir in path.ancestors().skip(1) {
            if dir.file_name().is_some_and(|n| n == "artifacts")
                && let Some(owner) = dir.parent()
            {
                match self.role(owner) {
                    DirRole::Entity | DirRole::Trace => {
                        return Placement::Artifact(self.run_of(owner));
                    }
                    DirRole::Plain => {}
                }
            }
            if !in_entity && self.role(dir) != DirRole::Plain {
                in_entity = true;
            }
        }
        if in_entity {
            Placement::Metadata
        } else {
            Placement::Outside
        }
    }

    /// The run (or trace) folder `owner` as a [`RunRef`].
    fn run_of(&self, owner: &Path) -> RunRef {
        let name = |p: Option<&Path>| {
            p.and_then(Path::file_name)
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        // A trace lives at <exp>/traces/<trace_id>; a run at <exp>/<run_id>.
        let experiment = if self.role(owner) == DirRole::Trace {
            owner.parent().and_then(Path::parent)
        } else {
            owner.parent()
        };
        let deleted = experiment
            .and_then(Path::parent)
            .and_then(Path::file_name)
            .is_some_and(|n| n == ".trash");
        RunRef {
            experiment_id: name(experiment),
            run_id: name(Some(owner)),
            deleted,
        }
    }

    fn role(&self, dir: &Path) -> DirRole {
        if let Some(role) = self.dirs.read().unwrap_or_else(|e| e.into_inner()).get(dir) {
            return *role;
        }
        let role = if is_mlflow_meta(&dir.join("meta.yaml")) {
            DirRole::Entity
        } else if dir.join("trace_info.yaml").is_file() {
            DirRole::Trace
        } else {
            DirRole::Plain
        };
        self.dirs
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(dir.to_path_buf(), role);
        role
    }
}

/// Whether `path` is a regular file (not a symlink) whose first 4 KiB hold an MLflow key.
fn is_mlflow_meta(path: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(path) else {
        return false;
    };
    if !meta.is_file() {
        return false;
    }
    let mut head = Vec::with_capacity(4096);
    let read = fs::File::open(path).and_then(|f| f.take(4096).read_to_end(&mut head));
    if read.is_err() {
        return false;
    }
    String::from_utf8_lossy(&head)
        .lines()
        .any(|line| MLFLOW_KEYS.iter().any(|k| line.starts_with(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("mlruns");
        for (path, text) in [
            ("7/meta.yaml", "artifact_location: x\nexperiment_id: '7'\n"),
            ("7/r1/meta.yaml", "run_uuid: r1\n"),
            ("7/r1/artifacts/sub/card.html", "<p>"),
            ("7/r1/artifacts/model/MLmodel", "flavors: {}\n"),
            ("7/r1/tags/mlflow.note.content", "<b>"),
            ("7/traces/t1/trace_info.yaml", "trace_id: t1\n"),
            ("7/traces/t1/artifacts/traces.json", "{}"),
            (".trash/9/meta.yaml", "experiment_id: '9'\n"),
            (".trash/9/r2/meta.yaml", "run_uuid: r2\n"),
            (".trash/9/r2/artifacts/a.html", "<p>"),
            ("models/m/meta.yaml", "creation_timestamp: 1\nname: m\n"),
            ("models/m/version-1/meta.yaml", "creation_timestamp: 1\n"),
        ] {
            let p = root.join(path);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, text).unwrap();
        }
        (dir, root)
    }

    #[test]
    fn classifies_a_store() {
        let (_dir, root) = store();
        let index = StoreIndex::default();
        let run = |exp: &str, run: &str, deleted| {
            Placement::Artifact(RunRef {
                experiment_id: exp.into(),
                run_id: run.into(),
                deleted,
            })
        };
        assert_eq!(
            index.classify(&root.join("7/r1/artifacts/sub/card.html")),
            run("7", "r1", false)
        );
        assert_eq!(
            index.classify(&root.join("7/traces/t1/artifacts/traces.json")),
            run("7", "t1", false)
        );
        assert_eq!(
            index.classify(&root.join(".trash/9/r2/artifacts/a.html")),
            run("9", "r2", true)
        );
        for meta in [
            "7/meta.yaml",
            "7/r1/meta.yaml",
            "7/r1/tags/mlflow.note.content",
            "7/r1/artifacts/model/MLmodel",
            "models/m/version-1/meta.yaml",
            ".trash/9/r2/meta.yaml",
        ] {
            assert_eq!(
                index.classify(&root.join(meta)),
                Placement::Metadata,
                "{meta}"
            );
        }
        assert_eq!(index.classify(&root.join("loose.html")), Placement::Outside);
    }

    #[test]
    fn an_unrelated_meta_yaml_does_not_make_a_store() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("p/artifacts")).unwrap();
        fs::write(dir.path().join("p/meta.yaml"), "title: my project\n").unwrap();
        let index = StoreIndex::default();
        assert_eq!(
            index.classify(&dir.path().join("p/artifacts/x.html")),
            Placement::Outside
        );
        assert_eq!(
            index.classify(&dir.path().join("p/x.html")),
            Placement::Outside
        );
    }
}
