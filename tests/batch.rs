//! Batch cleaning through the real binary: MLflow stores, safety (dry run, backups, quarantine,
//! symlinks, unreadable and over-size files), ignore rules and reports.

#![allow(clippy::print_stderr)] // tests explain what they skip

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;

const BIN: &str = env!("CARGO_BIN_EXE_nbsanitize");
/// The shared MLflow sample store, next to the worktrees (skipped when absent).
const SAMPLE: &str = "../shared/corpus/mlruns-sample/mlruns";

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/mlflow")
        .join(name)
}

/// Runs the binary with a time limit (it must never hang, e.g. on a FIFO), killing only it.
/// Output goes to files, so a full pipe cannot stall it.
fn run(args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let out_dir = tempfile::tempdir().unwrap();
    let (out_path, err_path) = (out_dir.path().join("out"), out_dir.path().join("err"));
    let mut child = Command::new(BIN)
        .args(args.iter().map(|a| a.as_ref()))
        .stdin(Stdio::null())
        .stdout(fs::File::create(&out_path).unwrap())
        .stderr(fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("start nbsanitize");
    let deadline = Instant::now() + Duration::from_secs(120);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "nbsanitize {:?} did not finish in time",
                args.iter().map(|a| a.as_ref()).collect::<Vec<_>>()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: fs::read(out_path).unwrap(),
        stderr: fs::read(err_path).unwrap(),
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every regular file under `root`: relative path → (bytes, mode).
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let meta = fs::symlink_metadata(entry.path()).unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else if meta.is_file() {
                #[cfg(unix)]
                let mode = meta.permissions().mode();
                #[cfg(not(unix))]
                let mode = 0;
                out.insert(
                    entry.path().strip_prefix(root).unwrap().to_path_buf(),
                    (fs::read(entry.path()).unwrap(), mode),
                );
            }
        }
    }
    out
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

const EXP: &str = "900";
const RUN: &str = "poisonrun0000";

/// Poisoned and benign artifacts: corpus file → place under the run's `artifacts/`.
const POISONED: &[(&str, &str)] = &[
    ("recipe_card_poisoned.html", "recipe_cards/ingest/card.html"),
    ("map_poisoned.geojson", "maps/stations.geojson"),
    ("report_poisoned.html", "reports/eval.html"),
    ("notebook_poisoned.ipynb", "notebooks/train.ipynb"),
    (
        "9c1185a5c5e9fc54612808977ee8f548b2258d31",
        "hf-cache/blobs/9c1185a5c5e9fc54612808977ee8f548b2258d31",
    ),
];
const BENIGN: &[(&str, &str)] = &[
    ("benign_table.html", "tables/epochs.html"),
    ("benign_map.geojson", "maps/paris.geojson"),
    ("benign_metrics.csv", "metrics.csv"),
    ("benign_plot.png", "plots/loss.png"),
    ("MLmodel", "model/MLmodel"),
];

/// A temporary MLflow store: a copy of the shared sample (when present) plus experiment 900 with
/// one run holding our poisoned and benign artifacts, and metadata that looks like HTML.
fn store() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let mlruns = dir.path().join("mlruns");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join(SAMPLE);
    if sample.is_dir() {
        copy_tree(&sample, &mlruns);
    } else {
        eprintln!("note: {} absent; using our own run only", sample.display());
    }
    let exp = mlruns.join(EXP);
    let run = exp.join(RUN);
    let files: &[(&str, &str)] = &[
        (
            "meta.yaml",
            "artifact_location: file:///tmp/mlruns/900\nexperiment_id: '900'\nlifecycle_stage: active\nname: poisoned\n",
        ),
        (
            "poisonrun0000/meta.yaml",
            "artifact_uri: file:///tmp/mlruns/900/poisonrun0000/artifacts\nexperiment_id: '900'\nrun_id: poisonrun0000\nrun_uuid: poisonrun0000\nstatus: 3\n",
        ),
        (
            "poisonrun0000/params/note",
            "<script>alert('param')</script>",
        ),
        (
            "poisonrun0000/tags/mlflow.note.content",
            "<img src=x onerror=alert('tag')>",
        ),
        ("poisonrun0000/metrics/loss", "1700000000000 0.5 0\n"),
    ];
    for (path, content) in files {
        let p = exp.join(path);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, content).unwrap();
    }
    for (src, dst) in POISONED.iter().chain(BENIGN) {
        let p = run.join("artifacts").join(dst);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::copy(corpus(src), &p).unwrap();
    }
    // One read-only artifact: rewriting must keep its mode.
    #[cfg(unix)]
    fs::set_permissions(
        run.join("artifacts/reports/eval.html"),
        fs::Permissions::from_mode(0o440),
    )
    .unwrap();
    (dir, mlruns)
}

fn is_artifact(rel: &Path) -> bool {
    rel.components().any(|c| c.as_os_str() == "artifacts") && rel.file_name().unwrap() != "MLmodel"
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(path).unwrap()).unwrap()
}

#[test]
fn sanitize_cleans_an_mlflow_store_and_touches_only_artifacts() {
    let (dir, mlruns) = store();
    let before = snapshot(&mlruns);
    let report = dir.path().join("before.json");

    let out = run(&[&"check", &mlruns, &"--report", &report]);
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    let doc = json(&report);
    for (_, dst) in POISONED {
        let hit = doc["findings"].as_array().unwrap().iter().find(|f| {
            f["path"]
                .as_str()
                .unwrap()
                .ends_with(&format!("{EXP}/{RUN}/artifacts/{dst}"))
        });
        let hit = hit.unwrap_or_else(|| panic!("no finding for {dst}"));
        assert_eq!(hit["mlflow"]["experiment_id"], EXP, "{hit}");
        assert_eq!(hit["mlflow"]["run_id"], RUN, "{hit}");
    }
    assert_eq!(snapshot(&mlruns), before, "check must not write");

    let out = run(&[&"sanitize", &"-i", &mlruns]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("scanned"),
        "summary table expected: {stderr}"
    );
    assert!(stderr.contains("MLflow metadata"), "{stderr}");

    let after_report = dir.path().join("after.json");
    let out = run(&[&"check", &mlruns, &"--report", &after_report]);
    assert_eq!(
        code(&out),
        0,
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let doc = json(&after_report);
    assert_eq!(doc["findings"].as_array().unwrap().len(), 0, "{doc}");
    assert_eq!(doc["summary"]["files_failed"], 0);

    let after = snapshot(&mlruns);
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>(),
        "no file added or removed"
    );
    let run_artifacts = Path::new(EXP).join(RUN).join("artifacts");
    for (rel, (bytes, mode)) in &before {
        let (new_bytes, new_mode) = &after[rel];
        assert_eq!(mode, new_mode, "mode of {}", rel.display());
        if !is_artifact(rel) {
            assert_eq!(
                bytes,
                new_bytes,
                "MLflow metadata {} changed",
                rel.display()
            );
        }
    }
    for (_, dst) in BENIGN {
        let rel = run_artifacts.join(dst);
        assert_eq!(
            before[&rel].0,
            after[&rel].0,
            "benign {} changed",
            rel.display()
        );
    }
    for (_, dst) in POISONED {
        let rel = run_artifacts.join(dst);
        assert_ne!(
            before[&rel].0,
            after[&rel].0,
            "{} not sanitized",
            rel.display()
        );
    }
    // The benign popup survives next to the sanitized one; the notebook keeps its table.
    let map = text(&after[&run_artifacts.join("maps/stations.geojson")].0);
    assert!(
        map.contains("<b>Berlin</b>") && map.contains("<b>Paris</b>"),
        "{map}"
    );
    assert!(!map.contains("onerror"), "{map}");
    let nb = text(&after[&run_artifacts.join("notebooks/train.ipynb")].0);
    assert!(
        nb.contains("<td>0.12</td>") && !nb.contains("onerror"),
        "{nb}"
    );
    let card = text(&after[&run_artifacts.join("recipe_cards/ingest/card.html")].0);
    assert!(
        card.contains("trip_distance") && !card.contains("<script"),
        "{card}"
    );
}

#[test]
fn dry_run_writes_nothing_and_says_what_would_change() {
    let (dir, mlruns) = store();
    let backup = dir.path().join("backup");
    let before = snapshot(&mlruns);
    let out = run(&[
        &"sanitize",
        &"-i",
        &"--dry-run",
        &"--backup",
        &backup,
        &mlruns,
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("would sanitize") && stderr.contains("eval.html"),
        "{stderr}"
    );
    assert!(stderr.contains("would change"), "{stderr}");
    assert_eq!(snapshot(&mlruns), before);
    assert!(!backup.exists(), "a dry run makes no backup folder");
}

#[test]
fn symlinks_out_of_the_root_are_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    fs::create_dir_all(&root).unwrap();
    fs::create_dir_all(&outside).unwrap();
    fs::copy(corpus("report_poisoned.html"), root.join("a.html")).unwrap();
    fs::copy(corpus("report_poisoned.html"), outside.join("evil.html")).unwrap();
    let original = fs::read(outside.join("evil.html")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(outside.join("evil.html"), root.join("link.html")).unwrap();
        std::os::unix::fs::symlink(&outside, root.join("linkdir")).unwrap();
    }
    let out = run(&[&"sanitize", &"-i", &root]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_ne!(fs::read(root.join("a.html")).unwrap(), original);
    assert_eq!(fs::read(outside.join("evil.html")).unwrap(), original);
    assert!(
        text(&out.stderr).contains("symlink 2"),
        "{}",
        text(&out.stderr)
    );
    #[cfg(unix)]
    {
        assert!(
            fs::symlink_metadata(root.join("link.html"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        // Named on the command line, a link leading out of its folder is refused too.
        let out = run(&[&"sanitize", &"-i", &root.join("link.html")]);
        assert_eq!(code(&out), 2);
        assert!(
            text(&out.stderr).contains("outside its folder"),
            "{}",
            text(&out.stderr)
        );
        assert_eq!(fs::read(outside.join("evil.html")).unwrap(), original);
    }
}

#[cfg(unix)]
#[test]
fn an_unreadable_file_is_reported_and_the_rest_cleaned() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(&root).unwrap();
    fs::copy(corpus("report_poisoned.html"), root.join("a.html")).unwrap();
    fs::copy(corpus("notebook_poisoned.ipynb"), root.join("b.ipynb")).unwrap();
    // A FIFO named like an artifact: opening it naively would block forever.
    let fifo = root.join("stream.html");
    nix::unistd::mkfifo(
        &fifo,
        nix::sys::stat::Mode::S_IRUSR | nix::sys::stat::Mode::S_IWUSR,
    )
    .expect("mkfifo");
    // A socket in place of a file.
    let _socket = std::os::unix::net::UnixListener::bind(root.join("sock.html")).unwrap();
    // chmod 000 blocks reads only without CAP_DAC_OVERRIDE (not as root in CI).
    let locked = root.join("locked.html");
    fs::copy(corpus("report_poisoned.html"), &locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
    let root_can_read = fs::read(&locked).is_ok();

    let out = run(&[&"sanitize", &"-i", &root]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(
        stderr.contains("sock.html: not a regular file (a socket)"),
        "{stderr}"
    );
    if fifo.exists() {
        assert!(
            stderr.contains("stream.html: not a regular file (a FIFO)"),
            "{stderr}"
        );
    }
    if !root_can_read {
        assert!(stderr.contains("locked.html"), "{stderr}");
    }
    for clean in ["a.html", "b.ipynb"] {
        let out = run(&[&"check", &root.join(clean)]);
        assert_eq!(code(&out), 0, "{clean} not cleaned: {}", text(&out.stdout));
    }
    // A named file that vanished is reported; the other named file is still cleaned.
    fs::copy(corpus("report_poisoned.html"), root.join("c.html")).unwrap();
    let out = run(&[
        &"sanitize",
        &"-i",
        &root.join("missing.html"),
        &root.join("c.html"),
    ]);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out.stderr).contains("missing.html"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(code(&run(&[&"check", &root.join("c.html")])), 0);
}

#[test]
fn backups_keep_originals_and_quarantine_moves_what_cannot_be_sanitized() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(root.join("a")).unwrap();
    fs::create_dir_all(root.join("b")).unwrap();
    fs::copy(corpus("report_poisoned.html"), root.join("a/report.html")).unwrap();
    fs::copy(corpus("benign_table.html"), root.join("b/ok.html")).unwrap();
    let broken = b"{\"cells\": [{\"cell_type\": \"code\", \"outputs\": [";
    fs::write(root.join("a/bad.ipynb"), broken).unwrap();

    // Without --quarantine the broken notebook fails the run and stays where it is.
    let out = run(&[&"sanitize", &"-i", &"--dry-run", &root]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("bad.ipynb: invalid JSON"),
        "{}",
        text(&out.stderr)
    );

    // Backups inside the walked root are never walked (they hold the poisoned originals).
    let backup = root.join("originals");
    let quarantine = dir.path().join("quarantine");
    let out = run(&[
        &"sanitize",
        &"-i",
        &"--backup",
        &backup,
        &"--quarantine",
        &quarantine,
        &root,
    ]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("quarantined"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        fs::read(backup.join("a/report.html")).unwrap(),
        fs::read(corpus("report_poisoned.html")).unwrap()
    );
    assert!(
        !backup.join("b/ok.html").exists(),
        "unchanged files need no backup"
    );
    assert!(!root.join("a/bad.ipynb").exists());
    assert_eq!(fs::read(quarantine.join("a/bad.ipynb")).unwrap(), broken);
    let manifest = fs::read_to_string(quarantine.join("manifest.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = manifest
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{manifest}");
    assert!(
        lines[0]["reason"]
            .as_str()
            .unwrap()
            .contains("invalid JSON"),
        "{manifest}"
    );
    assert_eq!(lines[0]["size"], broken.len());
    assert_eq!(code(&run(&[&"check", &root.join("a"), &root.join("b")])), 0);
}

#[test]
fn files_over_max_size_are_reported_not_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut big = fs::read(corpus("report_poisoned.html")).unwrap();
    big.extend(std::iter::repeat_n(b' ', 2000));
    fs::write(root.join("big.html"), &big).unwrap();
    let mut blob = vec![0u8; 3000];
    blob[..4].copy_from_slice(b"\x89PNG");
    fs::write(root.join("weights.bin"), &blob).unwrap();
    fs::write(root.join("big.csv"), "a,b\n".repeat(800)).unwrap();
    fs::copy(corpus("report_poisoned.html"), root.join("small.html")).unwrap();
    let out = run(&[&"sanitize", &"-i", &"--max-size", &"1K", &root]);
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(
        stderr.contains("big.html: file is") && stderr.contains("--max-size"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("weights.bin:") && !stderr.contains("big.csv:"),
        "{stderr}"
    );
    assert_eq!(fs::read(root.join("big.html")).unwrap(), big);
    assert_eq!(code(&run(&[&"check", &root.join("small.html")])), 0);
}

#[test]
fn ignore_files_and_hidden_folders_are_honoured_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for rel in ["z.html", "keep/x.html", ".hidden/y.html", "gen.html"] {
        let p = root.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::copy(corpus("report_poisoned.html"), p).unwrap();
    }
    fs::write(root.join(".nbsanitizeignore"), "keep/\n").unwrap();
    fs::write(root.join(".gitignore"), "gen.html\n").unwrap();
    let poisoned = fs::read(corpus("report_poisoned.html")).unwrap();
    let out = run(&[&"sanitize", &"-i", &root]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_ne!(fs::read(root.join("z.html")).unwrap(), poisoned);
    for rel in ["keep/x.html", ".hidden/y.html", "gen.html"] {
        assert_eq!(
            fs::read(root.join(rel)).unwrap(),
            poisoned,
            "{rel} should be left alone"
        );
    }
    let out = run(&[&"sanitize", &"-i", &"--no-ignore", &"--hidden", &root]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    for rel in ["keep/x.html", ".hidden/y.html", "gen.html"] {
        assert_ne!(
            fs::read(root.join(rel)).unwrap(),
            poisoned,
            "{rel} should be cleaned"
        );
    }
}

#[test]
fn reports_are_the_same_whatever_the_jobs_and_sarif_names_the_run() {
    let (dir, mlruns) = store();
    let one = run(&[
        &"check",
        &"-q",
        &"-j",
        &"1",
        &"--output-format",
        &"json",
        &mlruns,
    ]);
    let two = run(&[
        &"check",
        &"-q",
        &"-j",
        &"2",
        &"--output-format",
        &"json",
        &mlruns,
    ]);
    assert_eq!(code(&one), 1);
    assert_eq!(text(&one.stdout), text(&two.stdout));
    // Text output is streamed file by file, then the summary line; the same counts.
    let text_out = run(&[&"check", &mlruns]);
    assert_eq!(code(&text_out), 1);
    let stdout = text(&text_out.stdout);
    let doc: serde_json::Value = serde_json::from_slice(&one.stdout).unwrap();
    let findings = doc["findings"].as_array().unwrap().len();
    assert_eq!(stdout.lines().count(), findings + 1, "{stdout}");
    assert!(
        stdout.lines().any(|l| l.contains(&format!(
            "{RUN}/artifacts/reports/eval.html (experiment {EXP}, run {RUN}): NB"
        ))),
        "{stdout}"
    );
    let last = stdout.lines().last().unwrap();
    assert!(last.contains(&format!("{findings} finding(s)")), "{last}");
    let sarif = dir.path().join("r.sarif");
    let out = run(&[
        &"check",
        &"-q",
        &mlruns,
        &"--report",
        &sarif,
        &"--report-format",
        &"sarif",
    ]);
    assert_eq!(code(&out), 1);
    let doc = json(&sarif);
    assert_eq!(doc["version"], "2.1.0");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["properties"]["mlflow"]["run_id"] == RUN),
        "no result names run {RUN}"
    );
}
