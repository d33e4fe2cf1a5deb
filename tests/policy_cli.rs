//! The policy through the binary: configuration files and the stdin/stdout contract
//! (`nbsanitize sanitize --format html|svg|markdown -`).

use assert_cmd::Command;

fn nbsanitize(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("nbsanitize").expect("binary built");
    cmd.current_dir(dir);
    cmd
}

#[test]
fn unknown_config_key_exits_78_and_names_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("nbsanitize.toml"),
        "[allow]\ntagz = [\"kbd\"]\n",
    )
    .unwrap();
    let out = nbsanitize(dir.path())
        .args(["check", "--format", "html", "-"])
        .write_stdin("<b>x</b>")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(78));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.starts_with("nbsanitize: "), "{stderr}");
    assert!(
        stderr.contains("tagz") && stderr.contains("nbsanitize.toml"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
}

#[test]
fn config_from_pyproject_and_explicit_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[tool.nbsanitize.allow]\ntags = [\"marquee\"]\n",
    )
    .unwrap();
    nbsanitize(dir.path())
        .args(["sanitize", "--format", "html", "-"])
        .write_stdin("<marquee>hi</marquee>")
        .assert()
        .success()
        .stdout("<marquee>hi</marquee>");
    let other = dir.path().join("other.toml");
    std::fs::write(&other, "policy = \"strict\"\n").unwrap();
    nbsanitize(dir.path())
        .args(["sanitize", "--config"])
        .arg(&other)
        .args(["--format", "html", "-"])
        .write_stdin("<marquee>hi</marquee>")
        .assert()
        .success()
        .stdout("hi");
    nbsanitize(dir.path())
        .args(["check", "--config", "missing.toml", "--format", "html", "-"])
        .write_stdin("x")
        .assert()
        .code(78);
}

#[test]
fn stdin_contract_keeps_formats() {
    let dir = tempfile::tempdir().unwrap();
    nbsanitize(dir.path())
        .args(["sanitize", "--format", "html", "-"])
        .write_stdin("<p>a<script>alert(1)</script></p>")
        .assert()
        .success()
        .stdout("<p>a</p>");
    nbsanitize(dir.path())
        .args(["sanitize", "--format", "svg", "-"])
        .write_stdin(
            "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script><g/></svg>",
        )
        .assert()
        .success()
        .stdout("<svg xmlns=\"http://www.w3.org/2000/svg\"><g/></svg>");
    nbsanitize(dir.path())
        .args(["sanitize", "--format", "markdown", "-"])
        .write_stdin("# T\n\n[x](javascript:alert(1))\n")
        .assert()
        .success()
        .stdout("# T\n\n[x](#)\n");
}

#[test]
fn html_documents_stay_documents_through_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let card = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\">\n<title>Card</title>\n<style>.tab { color: red }</style>\n</head>\n<body>\n<table><tr><td>1</td></tr></table>\n</body>\n</html>\n";
    nbsanitize(dir.path())
        .args(["sanitize", "--format", "html", "-"])
        .write_stdin(card)
        .assert()
        .success()
        .stdout(card.to_owned());
    let out = nbsanitize(dir.path())
        .args(["sanitize", "--format", "html", "-"])
        .write_stdin(card.replace("</body>", "<script>alert(1)</script></body>"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("<!DOCTYPE html>"), "{text}");
    assert!(
        text.contains("<title>Card</title>") && text.contains("<style>.tab { color: red }</style>"),
        "{text}"
    );
    assert!(!text.contains("<script"), "{text}");
    nbsanitize(dir.path())
        .args(["check", "--format", "html", "-"])
        .write_stdin(card.replace("</body>", "<script>alert(1)</script></body>"))
        .assert()
        .code(1);
}
