//! `--fast-path`, `NBSANITIZE_FAST_PATH` and large `.html` files through the fast path, through
//! the binary. (Files are loaded within `--max-size`, like every other input of the batch walker;
//! the bounded-memory streaming API is `sanitize::stream::sanitize_stream`.)

use assert_cmd::Command;

fn nbsanitize() -> Command {
    let mut cmd = Command::cargo_bin("nbsanitize").unwrap();
    cmd.env_remove("NBSANITIZE_FAST_PATH");
    cmd
}

#[test]
fn flag_and_environment_choose_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.html");
    std::fs::write(
        &file,
        "<table><tr><td onclick=\"x\">1</td></tr></table><script>alert(1)</script>",
    )
    .unwrap();
    let fast = nbsanitize()
        .args(["sanitize", "--fast-path", "always"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    // The fast path edits the input in place; ammonia re-serializes (adds <tbody>).
    assert_eq!(fast, b"<table><tr><td>1</td></tr></table>");
    let slow = nbsanitize()
        .args(["sanitize", "--fast-path", "never"])
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(slow, b"<table><tbody><tr><td>1</td></tr></tbody></table>");
    let from_env = nbsanitize()
        .env("NBSANITIZE_FAST_PATH", "always")
        .arg("sanitize")
        .arg(&file)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(from_env, fast);
    // The flag wins over the environment.
    nbsanitize()
        .env("NBSANITIZE_FAST_PATH", "always")
        .args(["sanitize", "--fast-path", "never"])
        .arg(&file)
        .assert()
        .success()
        .stdout(slow);
    let out = nbsanitize()
        .env("NBSANITIZE_FAST_PATH", "sometimes")
        .arg("check")
        .arg(&file)
        .assert()
        .code(78) // a configuration error, like a bad config file
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("NBSANITIZE_FAST_PATH=sometimes"), "{err}");
}

fn big_table(rows: usize, cell: &str) -> String {
    let mut s = String::from("<table class=\"dataframe\">\n<tbody>\n");
    for i in 0..rows {
        s.push_str(&format!("<tr><th>{i}</th>{cell}</tr>\n"));
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

#[test]
fn large_html_files_take_the_fast_path_in_place() {
    let dir = tempfile::tempdir().unwrap();
    // Over the 1 MiB threshold (and the streaming API's in-memory limit).
    let rows = 3 * 1024 * 1024 / 2 / 40;
    let dirty = dir.path().join("dirty.html");
    std::fs::write(&dirty, big_table(rows, "<td onclick=x>1</td>")).unwrap();
    let clean = dir.path().join("clean.html");
    let clean_text = big_table(rows, "<td class=x>1.0</td>");
    std::fs::write(&clean, &clean_text).unwrap();

    let out = nbsanitize()
        .args(["check", "--output-format", "json"])
        .arg(&dirty)
        .arg(&clean)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("NB102"), "{out}");

    nbsanitize()
        .args(["sanitize", "-i", "-q"])
        .arg(&dirty)
        .arg(&clean)
        .assert()
        .success();
    let fixed = std::fs::read_to_string(&dirty).unwrap();
    assert!(!fixed.contains("onclick"));
    assert_eq!(fixed, big_table(rows, "<td>1</td>"));
    assert_eq!(std::fs::read_to_string(&clean).unwrap(), clean_text);

    // Over --max-size: an error, and the file is left as it was.
    let svg = dir.path().join("svg.html");
    let svg_text = big_table(rows, "<td onclick=x>1</td>") + "<svg><script>alert(1)</script></svg>";
    std::fs::write(&svg, &svg_text).unwrap();
    let out = nbsanitize()
        .args(["sanitize", "-i", "--max-size", "1MiB"])
        .arg(&svg)
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let err = String::from_utf8(out).unwrap();
    assert!(err.contains("--max-size"), "{err}");
    assert_eq!(std::fs::read_to_string(&svg).unwrap(), svg_text);
}
