//! Builds the `nbsanitize` command-line binary from the parent crate and places it in
//! `nbsanitize.data/scripts/`, which maturin packs into the wheel's scripts (installed to the
//! environment's `bin/`). maturin's pyo3 bindings build only this cdylib, so the binary needs its
//! own cargo run; it uses a separate target directory (`target/cli`) because the outer cargo
//! holds the lock of the main one. Set `NBSANITIZE_NO_CLI=1` to skip it (e.g. for clippy), and
//! `NBSANITIZE_CLI_TARGET_DIR` to build it in another target dir (CI points it at the root's
//! `target/` so that a dev-profile build shares its artifacts with `cargo test`).

use std::env;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest_dir.join("..");
    for path in ["src", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=NBSANITIZE_NO_CLI");
    println!("cargo:rerun-if-env-changed=NBSANITIZE_CLI_TARGET_DIR");
    if env::var_os("NBSANITIZE_NO_CLI").is_some_and(|v| !v.is_empty() && v != "0") {
        return;
    }
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let release = env::var("PROFILE").as_deref() == Ok("release");
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .args([
            "--bin",
            "nbsanitize",
            "--message-format=json-render-diagnostics",
        ])
        // The wheel's binary carries no symbols (the root profile keeps line tables).
        .args(["--config", "profile.release.strip=true"])
        .arg("--target-dir")
        .arg(
            env::var_os("NBSANITIZE_CLI_TARGET_DIR")
                .filter(|dir| !dir.is_empty())
                .map_or_else(|| manifest_dir.join("target").join("cli"), PathBuf::from),
        )
        // Flags meant for the cdylib (set by maturin) are not for the binary.
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    if release {
        cmd.arg("--release");
    }
    let output = cmd
        .output()
        .expect("running cargo to build the nbsanitize binary");
    assert!(
        output.status.success(),
        "building the nbsanitize binary failed ({})",
        output.status
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    let executable = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|msg| msg["reason"] == "compiler-artifact" && msg["target"]["name"] == "nbsanitize")
        .find_map(|msg| msg["executable"].as_str().map(PathBuf::from))
        .expect("cargo reported no nbsanitize executable");
    let scripts = manifest_dir.join("nbsanitize.data").join("scripts");
    std::fs::create_dir_all(&scripts).expect("creating nbsanitize.data/scripts");
    let dest = scripts.join(
        executable
            .file_name()
            .expect("an executable has a file name"),
    );
    std::fs::copy(&executable, &dest).expect("copying the nbsanitize binary");
}
