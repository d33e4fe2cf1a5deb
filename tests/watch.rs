//! `nbsanitize watch` through the real binary, on temporary folders. Every test is bounded in
//! time and kills only the process it started (also when it fails, through `Drop`).

#![cfg(unix)]
#![allow(clippy::print_stderr)] // tests explain what they skip

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const BIN: &str = env!("CARGO_BIN_EXE_nbsanitize");

fn corpus(name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus/mlflow")
            .join(name),
    )
    .unwrap()
}

/// A running `nbsanitize watch` on a fresh temporary folder.
struct Watcher {
    child: Option<Child>,
    dir: tempfile::TempDir,
    logs: tempfile::TempDir,
}

impl Watcher {
    fn start(extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, extra)
    }

    fn start_in(dir: tempfile::TempDir, extra: &[&str]) -> Self {
        let logs = tempfile::tempdir().unwrap();
        let child = Command::new(BIN)
            .arg("watch")
            .arg(dir.path())
            .arg("--report")
            .arg(logs.path().join("report.jsonl"))
            .args(extra)
            .stdin(Stdio::null())
            .stdout(fs::File::create(logs.path().join("stdout")).unwrap())
            .stderr(fs::File::create(logs.path().join("stderr")).unwrap())
            .spawn()
            .expect("start nbsanitize watch");
        let w = Watcher {
            child: Some(child),
            dir,
            logs,
        };
        w.wait_for("watch to start", Duration::from_secs(20), || {
            w.stderr().contains("nbsanitize: watching")
        });
        w
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn stderr(&self) -> String {
        fs::read_to_string(self.logs.path().join("stderr")).unwrap_or_default()
    }

    /// The JSON lines of the report.
    fn report(&self) -> Vec<serde_json::Value> {
        fs::read_to_string(self.logs.path().join("report.jsonl"))
            .unwrap_or_default()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Report lines per path.
    fn report_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for line in self.report() {
            *counts
                .entry(line["path"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        counts
    }

    fn wait_for(&self, what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
        let start = Instant::now();
        loop {
            if done() {
                return start.elapsed();
            }
            if start.elapsed() > limit {
                panic!("timed out waiting for {what}; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Sends SIGTERM and waits (bounded) for the exit code.
    fn terminate(&mut self) -> i32 {
        let mut child = self.child.take().expect("running");
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(child.id() as i32),
            nix::sys::signal::Signal::SIGTERM,
        )
        .expect("send SIGTERM");
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            if start.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("did not exit after SIGTERM; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn is_clean_notebook(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|t| {
        serde_json::from_str::<serde_json::Value>(&t).is_ok()
            && !t.contains("onerror")
            && !t.contains("application/javascript")
    })
}

/// No script-bearing construct of our poisoned HTML artifacts is left (and the file is whole).
fn is_clean_html(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|t| {
        // Inline SVG is kept once sanitized; its `onload` is what must go.
        ["<script", "onerror", "onload", "javascript:", "<iframe"]
            .iter()
            .all(|bad| !t.contains(bad))
            && (t.contains("Evaluation report") || t.contains("Ingest step card"))
    })
}

fn mtime(path: &Path) -> SystemTime {
    fs::metadata(path).unwrap().modified().unwrap()
}

#[test]
fn a_malicious_notebook_is_sanitized_within_a_second_and_only_once() {
    let mut w = Watcher::start(&[]);
    let path = w.root().join("evil.ipynb");
    fs::write(&path, corpus("notebook_poisoned.ipynb")).unwrap();
    let took = w.wait_for(
        "the notebook to be sanitized",
        Duration::from_secs(10),
        || is_clean_notebook(&path),
    );
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains("<td>0.12</td>"), "benign output kept: {text}");
    // The watcher's own write must not trigger another rewrite.
    let first = mtime(&path);
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(mtime(&path), first, "rewritten again");
    let counts = w.report_counts();
    assert_eq!(counts.get(path.to_str().unwrap()), Some(&1), "{counts:?}");
    assert_eq!(w.terminate(), 0, "SIGTERM ends the watch cleanly");
    assert!(w.stderr().contains("sanitized"), "{}", w.stderr());
}

#[test]
fn a_burst_of_1000_files_is_sanitized_none_twice_none_missed() {
    let mut w = Watcher::start(&[]);
    let poisoned = corpus("report_poisoned.html");
    let paths: Vec<PathBuf> = (0..1000)
        .map(|i| {
            w.root()
                .join(format!("d{}", i % 10))
                .join(format!("r{i}.html"))
        })
        .collect();
    for d in 0..10 {
        fs::create_dir_all(w.root().join(format!("d{d}"))).unwrap();
    }
    for p in &paths {
        fs::write(p, &poisoned).unwrap();
    }
    w.wait_for(
        "all 1000 files to be sanitized",
        Duration::from_secs(90),
        || paths.iter().all(|p| is_clean_html(p)),
    );
    // Let any duplicate work show up before counting.
    std::thread::sleep(Duration::from_millis(1500));
    let counts = w.report_counts();
    for p in &paths {
        assert_eq!(
            counts.get(p.to_str().unwrap()),
            Some(&1),
            "{} handled {:?} times",
            p.display(),
            counts.get(p.to_str().unwrap())
        );
    }
    assert_eq!(counts.len(), 1000, "unexpected paths in the report");
    assert_eq!(w.terminate(), 0);
}

#[test]
fn a_file_written_in_two_halves_ends_sanitized_and_whole() {
    let mut w = Watcher::start(&[]);
    let notebook = corpus("notebook_poisoned.ipynb");
    let (first, second) = notebook.split_at(notebook.len() / 2);

    // One writer keeping the file open across a pause longer than the debounce.
    let open = w.root().join("open.ipynb");
    let mut file = fs::File::create(&open).unwrap();
    file.write_all(first).unwrap();
    file.flush().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    file.write_all(second).unwrap();
    drop(file);

    // The same with HTML, whose first half parses: it must not be replaced under the writer
    // (the second half would go to the replaced file and be lost).
    let card = corpus("recipe_card_poisoned.html");
    let (card_first, card_second) = card.split_at(card.len() / 2);
    let open_html = w.root().join("card.html");
    let mut file = fs::File::create(&open_html).unwrap();
    file.write_all(card_first).unwrap();
    file.flush().unwrap();
    std::thread::sleep(Duration::from_millis(700));
    file.write_all(card_second).unwrap();
    drop(file);

    // A writer closing between the halves: the first half does not parse and is retried.
    let closed = w.root().join("closed.ipynb");
    fs::write(&closed, first).unwrap();
    std::thread::sleep(Duration::from_millis(500));
    fs::OpenOptions::new()
        .append(true)
        .open(&closed)
        .unwrap()
        .write_all(second)
        .unwrap();

    for path in [&open, &closed] {
        w.wait_for(
            "the notebook to be sanitized",
            Duration::from_secs(20),
            || is_clean_notebook(path),
        );
        let text = fs::read_to_string(path).unwrap();
        assert!(
            text.contains("<td>0.12</td>") && text.contains("\"nbformat\": 4"),
            "not whole: {text}"
        );
    }
    w.wait_for("the card to be sanitized", Duration::from_secs(20), || {
        is_clean_html(&open_html)
    });
    let text = fs::read_to_string(&open_html).unwrap();
    assert!(text.contains("trip_distance"), "second half lost: {text}");
    assert_eq!(w.terminate(), 0);
    let failures: Vec<_> = w
        .report()
        .into_iter()
        .filter(|l| l["event"] == "failed")
        .collect();
    assert!(failures.is_empty(), "{failures:?}");
}

#[test]
fn a_rename_into_the_tree_and_a_new_folder_are_handled() {
    let outside = tempfile::tempdir().unwrap();
    let mut w = Watcher::start(&[]);
    // Same file system as the watched folder, so this is a real rename.
    let staging = w
        .root()
        .parent()
        .unwrap()
        .join(format!("nbsanitize-staging-{}", std::process::id()));
    fs::create_dir_all(&staging).unwrap();
    let src = staging.join("card.html");
    fs::write(&src, corpus("recipe_card_poisoned.html")).unwrap();
    let dst = w.root().join("card.html");
    fs::rename(&src, &dst).unwrap();
    let _ = fs::remove_dir_all(&staging);
    // A folder with files in it, moved in at once.
    let folder = outside.path().join("run1");
    fs::create_dir_all(folder.join("artifacts")).unwrap();
    fs::write(
        folder.join("artifacts/r.html"),
        corpus("report_poisoned.html"),
    )
    .unwrap();
    let moved = w.root().join("run1");
    if fs::rename(&folder, &moved).is_err() {
        // Another file system: copy instead (still a new folder appearing).
        fs::create_dir_all(moved.join("artifacts")).unwrap();
        fs::write(
            moved.join("artifacts/r.html"),
            corpus("report_poisoned.html"),
        )
        .unwrap();
    }
    w.wait_for(
        "the renamed file to be sanitized",
        Duration::from_secs(10),
        || is_clean_html(&dst),
    );
    w.wait_for(
        "the moved folder to be sanitized",
        Duration::from_secs(10),
        || is_clean_html(&moved.join("artifacts/r.html")),
    );
    assert_eq!(w.terminate(), 0);
}

#[test]
fn check_only_reports_without_writing_and_the_sweep_sees_existing_files() {
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("old.html");
    fs::write(&existing, corpus("report_poisoned.html")).unwrap();
    let mut w = Watcher::start_in(dir, &["--check-only"]);
    let new = w.root().join("new.geojson");
    fs::write(&new, corpus("map_poisoned.geojson")).unwrap();
    w.wait_for("both files to be reported", Duration::from_secs(10), || {
        let counts = w.report_counts();
        counts.contains_key(existing.to_str().unwrap())
            && counts.contains_key(new.to_str().unwrap())
    });
    assert_eq!(fs::read(&existing).unwrap(), corpus("report_poisoned.html"));
    assert_eq!(fs::read(&new).unwrap(), corpus("map_poisoned.geojson"));
    for line in w.report() {
        assert_eq!(line["event"], "findings", "{line}");
        assert!(!line["findings"].as_array().unwrap().is_empty(), "{line}");
    }
    assert_eq!(w.terminate(), 0);
}

#[test]
fn polling_mode_sanitizes_too() {
    let mut w = Watcher::start(&["--poll", "--poll-interval", "100"]);
    let path = w.root().join("report.html");
    fs::write(&path, corpus("report_poisoned.html")).unwrap();
    w.wait_for(
        "the file to be sanitized by polling",
        Duration::from_secs(15),
        || is_clean_html(&path),
    );
    let first = mtime(&path);
    std::thread::sleep(Duration::from_millis(800));
    assert_eq!(mtime(&path), first, "rewritten again");
    assert_eq!(w.terminate(), 0);
}

#[test]
fn deleted_and_ignored_files_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join(".nbsanitizeignore"), "keep/\n").unwrap();
    let mut w = Watcher::start_in(dir, &[]);
    fs::create_dir_all(w.root().join("keep")).unwrap();
    let kept = w.root().join("keep/raw.html");
    fs::write(&kept, corpus("report_poisoned.html")).unwrap();
    let hidden = w.root().join(".cache.html");
    fs::write(&hidden, corpus("report_poisoned.html")).unwrap();
    // Created and deleted at once: must not be reported as a failure.
    for i in 0..20 {
        let p = w.root().join(format!("gone{i}.html"));
        fs::write(&p, corpus("report_poisoned.html")).unwrap();
        fs::remove_file(&p).unwrap();
    }
    let marker = w.root().join("marker.html");
    fs::write(&marker, corpus("report_poisoned.html")).unwrap();
    w.wait_for(
        "the marker to be sanitized",
        Duration::from_secs(10),
        || is_clean_html(&marker),
    );
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(fs::read(&kept).unwrap(), corpus("report_poisoned.html"));
    assert_eq!(fs::read(&hidden).unwrap(), corpus("report_poisoned.html"));
    assert_eq!(w.terminate(), 0);
    let stderr = w.stderr();
    assert!(!stderr.contains("gone"), "{stderr}");
}
