//! Real-browser XSS test: `tests/browser/run.mjs` sanitizes every vector in `corpus/xss/` with
//! this build's `nbsanitize`, renders it like JupyterLab in headless Debian chromium, fires every
//! surviving handler and clicks every link, and fails if any payload runs. It also runs the
//! vectors unsanitized and fails if the harness does not see them run (self-check).
//!
//! Needs `node`, `/usr/bin/chromium` and `tests/browser/node_modules` (`.ci/setup.d/20-browser.sh`
//! installs them). Missing tools fail the test when `CI=true` and skip it otherwise.

#![allow(clippy::print_stdout, clippy::print_stderr)] // a test reports what it saw

use std::path::Path;
use std::process::Command;

fn missing_tools(root: &Path) -> Vec<String> {
    let mut missing = Vec::new();
    let node_ok = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !node_ok {
        missing.push("node".to_owned());
    }
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".to_owned());
    if !Path::new(&chromium).exists() {
        missing.push(chromium);
    }
    for module in ["playwright-core", "marked"] {
        let dir = root.join("tests/browser/node_modules").join(module);
        if !dir.is_dir() {
            missing.push(dir.display().to_string());
        }
    }
    missing
}

/// One chromium at a time: the two runs below share the machine's cores.
static BROWSER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs the harness with `extra_args` (`NBSANITIZE_ARGS`, passed to every `nbsanitize sanitize`).
fn run_harness(extra_args: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let missing = missing_tools(root);
    if !missing.is_empty() {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "browser XSS test cannot run, missing: {} (run .ci/setup.d/20-browser.sh)",
            missing.join(", ")
        );
        eprintln!(
            "skipping browser XSS test, missing: {} (run .ci/setup.d/20-browser.sh)",
            missing.join(", ")
        );
        return;
    }
    let _one_at_a_time = BROWSER.lock().unwrap_or_else(|e| e.into_inner());
    let output = Command::new("node")
        .arg(root.join("tests/browser/run.mjs"))
        .env("NBSANITIZE_BIN", env!("CARGO_BIN_EXE_nbsanitize"))
        .env("NBSANITIZE_ARGS", extra_args)
        .env_remove("NBSANITIZE_FAST_PATH")
        .current_dir(root)
        .output()
        .expect("node starts (checked above)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Shown with `--nocapture`, and on failure below; the known-failures banner is loud on purpose.
    println!("{stdout}");
    eprintln!("{stderr}");
    assert!(
        output.status.success(),
        "browser XSS harness failed with NBSANITIZE_ARGS={extra_args:?} ({}):\n{stdout}\n{stderr}",
        output.status
    );
}

#[test]
fn no_xss_vector_runs_in_a_real_browser() {
    run_harness("");
}

/// The same vectors with the streaming fast path off (`--fast-path never`): by default every
/// HTML input goes through it first, so this is where the ammonia path alone is held against
/// the browser (the fast path's fallbacks reach it in the default run too).
#[test]
fn no_xss_vector_runs_through_the_ammonia_path() {
    run_harness("--fast-path never");
}
