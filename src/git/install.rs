/*! Installing the filter into git's configuration and attributes, and taking it out again.

Everything goes through the `git` command (`git config --local|--global|--system`), so git's
own rules for where files live apply. [`install`] writes:

| key | value |
|---|---|
| `filter.nbsanitize.process` | `'<exe>' filter --process` |
| `filter.nbsanitize.clean` | `'<exe>' filter --path %f` (used by tools without process support) |
| `filter.nbsanitize.smudge` | `cat` |
| `filter.nbsanitize.required` | `true`: a file the filter cannot clean is refused, not committed raw |
| `diff.nbsanitize.textconv` | `'<exe>' filter` (git passes the file name) |

and appends `*.ipynb filter=nbsanitize diff=nbsanitize` (with `html_svg`, the same for `*.html`
and `*.svg`) to the attributes file: `--attributes FILE`, else `.git/info/attributes` (local),
`core.attributesFile` or `~/.config/git/attributes` (global), `<etc>/gitattributes` (system).
`<exe>` is the absolute path of the running binary, single-quoted for the shell git uses.
[`uninstall`] removes exactly those keys and lines. */

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::Error;

/// The filter and diff driver name.
pub const DRIVER: &str = "nbsanitize";

/// Which git configuration file to edit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Scope {
    /// The repository's `.git/config` (default).
    #[default]
    Local,
    /// The user's `~/.gitconfig` (or `$XDG_CONFIG_HOME/git/config`).
    Global,
    /// The system's `<etc>/gitconfig`.
    System,
}

impl Scope {
    fn flag(self) -> &'static str {
        match self {
            Scope::Local => "--local",
            Scope::Global => "--global",
            Scope::System => "--system",
        }
    }

    /// How `status` names the scope.
    pub fn describe(self) -> &'static str {
        match self {
            Scope::Local => "in this repository",
            Scope::Global => "globally",
            Scope::System => "system-wide",
        }
    }
}

/// Where and what to install.
#[derive(Debug, Clone)]
pub struct InstallOptions {
    /// Which configuration to edit.
    pub scope: Scope,
    /// The attributes file; `None` picks the scope's default.
    pub attributes: Option<PathBuf>,
    /// Also filter `*.html` and `*.svg`.
    pub html_svg: bool,
    /// The binary to run; normally `std::env::current_exe()`.
    pub exe: PathBuf,
    /// The directory to run git in.
    pub cwd: PathBuf,
}

/// Quotes `text` for the POSIX shell git runs filter commands with.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The path as git's shell wants it (forward slashes on Windows).
fn exe_text(exe: &Path) -> String {
    let text = exe.to_string_lossy().into_owned();
    if cfg!(windows) {
        text.replace('\\', "/")
    } else {
        text
    }
}

/// The configuration [`install`] writes, as `(key, value)` pairs.
pub fn config_entries(exe: &Path) -> Vec<(String, String)> {
    let exe = shell_quote(&exe_text(exe));
    vec![
        (
            format!("filter.{DRIVER}.process"),
            format!("{exe} filter --process"),
        ),
        (
            format!("filter.{DRIVER}.clean"),
            format!("{exe} filter --path %f"),
        ),
        (format!("filter.{DRIVER}.smudge"), "cat".to_owned()),
        (format!("filter.{DRIVER}.required"), "true".to_owned()),
        (format!("diff.{DRIVER}.textconv"), format!("{exe} filter")),
    ]
}

/// The attribute lines [`install`] appends.
pub fn attribute_lines(html_svg: bool) -> Vec<String> {
    let patterns: &[&str] = if html_svg {
        &["*.ipynb", "*.html", "*.svg"]
    } else {
        &["*.ipynb"]
    };
    patterns
        .iter()
        .map(|p| format!("{p} filter={DRIVER} diff={DRIVER}"))
        .collect()
}

/// Every pattern [`uninstall`] may remove (whether or not `html_svg` was given).
fn all_attribute_lines() -> Vec<String> {
    attribute_lines(true)
}

fn git(cwd: &Path, args: &[&OsStr]) -> Result<std::process::Output, Error> {
    Command::new("git")
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::Io(std::io::Error::new(e.kind(), format!("running git: {e}"))))
}

fn git_ok(cwd: &Path, args: &[&str]) -> Result<String, Error> {
    let os: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    let out = git(cwd, &os)?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let err = err.trim().lines().next().unwrap_or("failed");
        return Err(Error::Io(std::io::Error::other(format!(
            "git {}: {err}",
            args.join(" ")
        ))));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
}

/// `git config <scope> --get KEY`, `None` when unset.
fn config_get(cwd: &Path, scope: Scope, key: &str) -> Result<Option<String>, Error> {
    let out = git(
        cwd,
        &[
            OsStr::new("config"),
            OsStr::new(scope.flag()),
            OsStr::new("--get"),
            OsStr::new(key),
        ],
    )?;
    match out.status.code() {
        Some(0) => Ok(Some(
            String::from_utf8_lossy(&out.stdout).trim_end().to_owned(),
        )),
        Some(1) => Ok(None),
        _ => Err(Error::Io(std::io::Error::other(format!(
            "git config {} --get {key}: {}",
            scope.flag(),
            String::from_utf8_lossy(&out.stderr).trim()
        )))),
    }
}

/// The attributes file for `scope`, unless `explicit` names one.
pub fn attributes_file(
    cwd: &Path,
    scope: Scope,
    explicit: Option<&Path>,
) -> Result<PathBuf, Error> {
    if let Some(path) = explicit {
        return Ok(if path.is_absolute() {
            path.to_owned()
        } else {
            cwd.join(path)
        });
    }
    match scope {
        Scope::Local => {
            let dir = git_ok(cwd, &["rev-parse", "--git-path", "info/attributes"])?;
            Ok(cwd.join(dir))
        }
        Scope::Global => {
            if let Some(file) = config_get(cwd, scope, "core.attributesFile")? {
                return Ok(expand_home(&file));
            }
            let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
                Some(dir) => PathBuf::from(dir),
                None => home()?.join(".config"),
            };
            Ok(base.join("git").join("attributes"))
        }
        Scope::System => {
            if let Some(file) = config_get(cwd, scope, "core.attributesFile")? {
                return Ok(expand_home(&file));
            }
            Ok(system_config_dir(cwd)?.join("gitattributes"))
        }
    }
}

fn home() -> Result<PathBuf, Error> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .ok_or_else(|| Error::Io(std::io::Error::other("HOME is not set")))
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), home()) {
        (Some(rest), Ok(home)) => home.join(rest),
        _ => PathBuf::from(path),
    }
}

/// The folder of git's system configuration (`/etc` for distribution builds).
fn system_config_dir(cwd: &Path) -> Result<PathBuf, Error> {
    if let Some(file) = std::env::var_os("GIT_CONFIG_SYSTEM") {
        if let Some(parent) = Path::new(&file).parent() {
            return Ok(parent.to_owned());
        }
    }
    let out = git(
        cwd,
        &["config", "--system", "--list", "--show-origin"].map(OsStr::new),
    )?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let file = stdout
        .lines()
        .next()
        .and_then(|l| l.split('\t').next())
        .and_then(|o| o.strip_prefix("file:"))
        .map(str::to_owned)
        .or_else(|| {
            // "fatal: unable to read config file '/usr/local/etc/gitconfig': No such file…"
            let start = stderr.find('\'')? + 1;
            let end = start + stderr[start..].find('\'')?;
            Some(stderr[start..end].to_owned())
        })
        .ok_or_else(|| {
            Error::Io(std::io::Error::other(
                "cannot find git's system configuration; pass --attributes FILE",
            ))
        })?;
    Ok(Path::new(&file)
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default())
}

/// What [`install`] or [`uninstall`] changed, for the caller to report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Changes {
    /// Configuration keys set or unset.
    pub keys: Vec<String>,
    /// The attributes file.
    pub attributes_file: PathBuf,
    /// Lines added to or removed from it.
    pub lines: Vec<String>,
}

/// Writes the configuration and the attributes. Safe to run twice: nothing is duplicated.
pub fn install(options: &InstallOptions) -> Result<Changes, Error> {
    if options.scope == Scope::Local {
        git_ok(&options.cwd, &["rev-parse", "--git-dir"])?;
    }
    let mut changes = Changes::default();
    for (key, value) in config_entries(&options.exe) {
        if config_get(&options.cwd, options.scope, &key)?.as_deref() != Some(value.as_str()) {
            git_ok(
                &options.cwd,
                &["config", options.scope.flag(), &key, &value],
            )?;
            changes.keys.push(key);
        }
    }
    let file = attributes_file(&options.cwd, options.scope, options.attributes.as_deref())?;
    let mut text = match std::fs::read_to_string(&file) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e.into()),
    };
    let present: Vec<&str> = text.lines().map(str::trim_end).collect();
    let missing: Vec<String> = attribute_lines(options.html_svg)
        .into_iter()
        .filter(|l| !present.contains(&l.as_str()))
        .collect();
    if !missing.is_empty() {
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for line in &missing {
            text.push_str(line);
            text.push('\n');
        }
        if let Some(parent) = file.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&file, text)?;
    }
    changes.attributes_file = file;
    changes.lines = missing;
    Ok(changes)
}

/// Removes what [`install`] writes: its keys (whatever their value) and its attribute lines.
/// A file left empty is deleted.
pub fn uninstall(options: &InstallOptions) -> Result<Changes, Error> {
    let mut changes = Changes::default();
    for (key, _) in config_entries(&options.exe) {
        if config_get(&options.cwd, options.scope, &key)?.is_some() {
            git_ok(
                &options.cwd,
                &["config", options.scope.flag(), "--unset-all", &key],
            )?;
            changes.keys.push(key);
        }
    }
    let file = attributes_file(&options.cwd, options.scope, options.attributes.as_deref())?;
    if let Ok(text) = std::fs::read_to_string(&file) {
        let ours = all_attribute_lines();
        let mut kept = String::new();
        for line in text.split_inclusive('\n') {
            let bare = line.trim_end();
            if ours.iter().any(|o| o == bare) {
                changes.lines.push(bare.to_owned());
            } else {
                kept.push_str(line);
            }
        }
        if !changes.lines.is_empty() {
            if kept.trim().is_empty() {
                std::fs::remove_file(&file)?;
            } else {
                std::fs::write(&file, kept)?;
            }
        }
    }
    changes.attributes_file = file;
    Ok(changes)
}

/// What `status` found.
#[derive(Debug, Clone)]
pub struct Status {
    /// Each key [`install`] writes, with its current value.
    pub keys: Vec<(String, Option<String>)>,
    /// The attributes file looked at.
    pub attributes_file: PathBuf,
    /// Lines in it that mention the driver.
    pub attribute_lines: Vec<String>,
    /// For the local scope: what `git check-attr` says for `x.ipynb` (`filter`, `diff`).
    pub effective: Option<(String, String)>,
    /// `Ok(())` when the configured clean command cleaned a test notebook, else why not.
    pub works: Result<(), String>,
}

impl Status {
    /// Installed: the filter keys are set and the attributes use the driver.
    pub fn is_installed(&self) -> bool {
        let keys_set = self
            .keys
            .iter()
            .filter(|(k, _)| k.starts_with("filter."))
            .all(|(_, v)| v.is_some());
        let attrs = match &self.effective {
            Some((filter, _)) => filter == DRIVER,
            None => !self.attribute_lines.is_empty(),
        };
        keys_set && attrs
    }
}

/// A small notebook the clean command must accept.
const PROBE: &str = r#"{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}"#;

/// Reports what is installed for `scope`, and runs the configured clean command on a probe.
pub fn status(options: &InstallOptions) -> Result<Status, Error> {
    let mut status = Status {
        keys: Vec::new(),
        attributes_file: PathBuf::new(),
        attribute_lines: Vec::new(),
        effective: None,
        works: Ok(()),
    };
    for (key, _) in config_entries(&options.exe) {
        // The local view includes global and system values, as git sees them.
        let value = if options.scope == Scope::Local {
            let out = git(&options.cwd, &["config", "--get", &key].map(OsStr::new))?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim_end().to_owned())
        } else {
            config_get(&options.cwd, options.scope, &key)?
        };
        status.keys.push((key, value));
    }
    let file = attributes_file(&options.cwd, options.scope, options.attributes.as_deref())?;
    if let Ok(text) = std::fs::read_to_string(&file) {
        status.attribute_lines = text
            .lines()
            .filter(|l| l.contains(&format!("={DRIVER}")))
            .map(str::to_owned)
            .collect();
    }
    status.attributes_file = file;
    if options.scope == Scope::Local {
        let out = git_ok(
            &options.cwd,
            &["check-attr", "filter", "diff", "--", "x.ipynb"],
        )?;
        let value = |attr: &str| {
            out.lines()
                .find(|l| l.contains(&format!(": {attr}: ")))
                .and_then(|l| l.rsplit(": ").next())
                .unwrap_or("unspecified")
                .to_owned()
        };
        status.effective = Some((value("filter"), value("diff")));
    }
    let clean = status
        .keys
        .iter()
        .find(|(k, _)| k.ends_with(".clean"))
        .and_then(|(_, v)| v.clone());
    let process = status
        .keys
        .iter()
        .find(|(k, _)| k.ends_with(".process"))
        .and_then(|(_, v)| v.clone());
    status.works = match clean {
        None => Err("filter.nbsanitize.clean is not set".into()),
        Some(cmd) => probe(&options.cwd, &cmd),
    }
    .and_then(|()| match process {
        Some(cmd) => probe_process(&options.cwd, &cmd),
        None => Ok(()),
    });
    Ok(status)
}

/// Runs `cmd` with `sh -c` in `cwd`, feeding `input`; returns its standard output.
fn run_shell(cwd: &Path, cmd: &str, input: &[u8]) -> Result<Vec<u8>, String> {
    use std::io::Write;
    let mut child = Command::new("sh")
        .args(["-c", cmd])
        .current_dir(cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{cmd}`: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input);
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("`{cmd}`: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "`{cmd}` failed ({}): {}",
            out.status,
            err.trim().lines().next().unwrap_or("")
        ));
    }
    Ok(out.stdout)
}

/// Runs the process command as git would and cleans [`PROBE`] through the protocol.
fn probe_process(cwd: &Path, cmd: &str) -> Result<(), String> {
    use super::process::{FLUSH, pkt_line};
    let mut input = Vec::new();
    let lines = |input: &mut Vec<u8>, lines: &[&str]| {
        for line in lines {
            input.extend(pkt_line(format!("{line}\n").as_bytes()));
        }
        input.extend(FLUSH);
    };
    lines(&mut input, &["git-filter-client", "version=2"]);
    lines(&mut input, &["capability=clean", "capability=smudge"]);
    lines(&mut input, &["command=clean", "pathname=probe.ipynb"]);
    input.extend(pkt_line(PROBE.as_bytes()));
    input.extend(FLUSH);
    let out = run_shell(cwd, cmd, &input)?;
    let hello = pkt_line(b"git-filter-server\n");
    let success = pkt_line(b"status=success\n");
    if out.starts_with(&hello) && out.windows(success.len()).any(|w| w == success) {
        Ok(())
    } else {
        Err(format!("`{cmd}` does not speak git's filter protocol"))
    }
}

/// Runs a clean command as git would (`sh -c`) on [`PROBE`].
fn probe(cwd: &Path, cmd: &str) -> Result<(), String> {
    // git replaces `%f` with the (quoted) file name.
    let cmd = cmd.replace("%f", "probe.ipynb");
    let out = run_shell(cwd, &cmd, PROBE.as_bytes())?;
    match crate::notebook::json::parse(&String::from_utf8_lossy(&out)) {
        Ok(v) if v.get("nbformat").is_some() => Ok(()),
        _ => Err(format!("`{cmd}` did not print a notebook")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        assert_eq!(shell_quote("/a b/nbsanitize"), "'/a b/nbsanitize'");
        assert_eq!(shell_quote("/it's"), r"'/it'\''s'");
        let entries = config_entries(Path::new("/opt/my tools/nbsanitize"));
        assert_eq!(
            entries[0],
            (
                "filter.nbsanitize.process".into(),
                "'/opt/my tools/nbsanitize' filter --process".into()
            )
        );
    }
}
