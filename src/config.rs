/*! Configuration files: `nbsanitize.toml`, or `[tool.nbsanitize]` in `pyproject.toml`.

Found from a directory upwards ([`discover`]); the first `nbsanitize.toml`, or the first
`pyproject.toml` that has a `[tool.nbsanitize]` table, wins. Keys are kebab-case and unknown
keys are an error that names the key (the CLI exits 78).

```toml
policy = "strict"            # "default" (the default) or "strict"

[allow]
tags = ["kbd", "abbr"]       # more HTML elements (never script, iframe, …)
attributes = ["data-id"]     # more attributes on every element (never on*)
tag-attributes = { img = ["loading"] }
mime-types = ["application/x-my-data"]   # MIME types kept verbatim, also under strict

[git]                        # read by the git filter
mode = "sanitize"            # or "strip": also drop outputs
extra-keys = ["metadata.celltoolbar"]
keep-metadata-keys = ["tags"]
keep-output = false
keep-count = false
keep-id = false
drop-empty-cells = false
```

```
use nbsanitize::config::Options;
let options = Options::from_toml("policy = \"strict\"\n[allow]\ntags = [\"kbd\"]\n").unwrap();
let policy = options.policy_builder(None).build().unwrap();
assert!(policy.removes_unknown_mime());
let err = Options::from_toml("[allow]\ntagz = []\n").unwrap_err();
assert!(err.to_string().contains("tagz"));
``` */

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::error::Error;
use crate::policy::{PolicyBuilder, Preset};

/// The file names looked for, in this order, in each directory.
pub const FILE_NAMES: &[&str] = &["nbsanitize.toml", "pyproject.toml"];

/// The raw options of a configuration file. Every field is optional; the defaults are
/// documented on each field and applied by [`Options::policy_builder`] and
/// [`GitOptions::resolve`].
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Options {
    /// The policy preset. Default: `default`. `--policy` on the command line wins.
    pub policy: Option<Preset>,
    /// Additions to the policy's allowlists. Default: none.
    pub allow: Option<AllowOptions>,
    /// Settings of the git filter. Default: see [`GitOptions`].
    pub git: Option<GitOptions>,
}

/// `[allow]`: additions to the allowlists.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct AllowOptions {
    /// HTML elements to keep, beyond the default allowlist. Elements that can run or embed
    /// code are refused. Default: none.
    pub tags: Option<Vec<String>>,
    /// Attributes to keep on every HTML element. Event handlers are refused. Default: none.
    pub attributes: Option<Vec<String>>,
    /// Attributes to keep on one element: `{ tag = ["attr", …] }`. Default: none.
    pub tag_attributes: Option<BTreeMap<String, Vec<String>>>,
    /// MIME types kept verbatim in outputs, also under `strict`. Executable types
    /// (`application/javascript`, bokeh loaders) are refused. Default: none.
    pub mime_types: Option<Vec<String>>,
}

/// What the git filter does with a notebook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GitMode {
    /// Sanitize outputs (keep what is safe). The default.
    #[default]
    Sanitize,
    /// Strip outputs, execution counts and volatile metadata, like nbstripout.
    Strip,
}

/// `[git]`: settings of the git filter, as written in the file.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct GitOptions {
    /// Default: `sanitize`.
    pub mode: Option<GitMode>,
    /// More metadata keys to remove, as dotted paths (`metadata.celltoolbar`,
    /// `cell.metadata.collapsed`): a list, or one space-separated string as nbstripout takes
    /// them. Default: none.
    pub extra_keys: Option<Keys>,
    /// Cell metadata keys kept when stripping (list or space-separated string). Default: none.
    pub keep_metadata_keys: Option<Keys>,
    /// Keep outputs when stripping. Default: `false`.
    pub keep_output: Option<bool>,
    /// Keep execution counts when stripping. Default: `false`.
    pub keep_count: Option<bool>,
    /// Keep cell ids instead of renumbering them. Default: `false`.
    pub keep_id: Option<bool>,
    /// Remove cells with empty source. Default: `false`.
    pub drop_empty_cells: Option<bool>,
}

/// A list of keys, written as a TOML array or as one space-separated string (nbstripout's
/// style).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Keys {
    /// `["a", "b"]`
    List(Vec<String>),
    /// `"a b"`
    Spaced(String),
}

impl Keys {
    /// The keys as a list.
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            Keys::List(v) => v.clone(),
            Keys::Spaced(s) => s.split_whitespace().map(str::to_owned).collect(),
        }
    }
}

/// `[git]` with every default applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitSettings {
    /// See [`GitOptions::mode`].
    pub mode: GitMode,
    /// See [`GitOptions::extra_keys`].
    pub extra_keys: Vec<String>,
    /// See [`GitOptions::keep_metadata_keys`].
    pub keep_metadata_keys: Vec<String>,
    /// See [`GitOptions::keep_output`].
    pub keep_output: bool,
    /// See [`GitOptions::keep_count`].
    pub keep_count: bool,
    /// See [`GitOptions::keep_id`].
    pub keep_id: bool,
    /// See [`GitOptions::drop_empty_cells`].
    pub drop_empty_cells: bool,
}

impl GitOptions {
    /// Applies the documented defaults.
    pub fn resolve(&self) -> GitSettings {
        GitSettings {
            mode: self.mode.unwrap_or_default(),
            extra_keys: self
                .extra_keys
                .as_ref()
                .map(Keys::to_vec)
                .unwrap_or_default(),
            keep_metadata_keys: self
                .keep_metadata_keys
                .as_ref()
                .map(Keys::to_vec)
                .unwrap_or_default(),
            keep_output: self.keep_output.unwrap_or(false),
            keep_count: self.keep_count.unwrap_or(false),
            keep_id: self.keep_id.unwrap_or(false),
            drop_empty_cells: self.drop_empty_cells.unwrap_or(false),
        }
    }
}

impl Options {
    /// Parses the text of an `nbsanitize.toml`.
    pub fn from_toml(text: &str) -> Result<Self, Error> {
        toml::from_str(text).map_err(|e| Error::Config(one_line(&e.to_string())))
    }

    /// Parses the text of a `pyproject.toml`; `None` when it has no `[tool.nbsanitize]`.
    pub fn from_pyproject(text: &str) -> Result<Option<Self>, Error> {
        let table: toml::Table =
            toml::from_str(text).map_err(|e| Error::Config(one_line(&e.to_string())))?;
        let Some(section) = table
            .get("tool")
            .and_then(|tool| tool.get("nbsanitize"))
            .cloned()
        else {
            return Ok(None);
        };
        section.try_into().map(Some).map_err(|e: toml::de::Error| {
            Error::Config(format!("[tool.nbsanitize]: {}", one_line(&e.to_string())))
        })
    }

    /// Reads a configuration file: `pyproject.toml` by its `[tool.nbsanitize]` table (an
    /// empty configuration when it has none), any other name as an `nbsanitize.toml`.
    pub fn load(path: &Path) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)?;
        if is_pyproject(path) {
            Ok(Self::from_pyproject(&text)?.unwrap_or_default())
        } else {
            Self::from_toml(&text)
        }
    }

    /// The git filter's settings, defaults applied.
    pub fn git_settings(&self) -> GitSettings {
        self.git.clone().unwrap_or_default().resolve()
    }

    /// A policy builder with these options; `preset` (from the command line) overrides the
    /// file's `policy`. Errors (a refused tag, attribute or MIME type) surface at `build()`.
    pub fn policy_builder(&self, preset: Option<Preset>) -> PolicyBuilder {
        let mut builder =
            PolicyBuilder::default().preset(preset.or(self.policy).unwrap_or_default());
        if let Some(allow) = &self.allow {
            if let Some(tags) = &allow.tags {
                builder = builder.add_tags(tags.iter().map(String::as_str));
            }
            if let Some(attrs) = &allow.attributes {
                builder = builder.add_generic_attributes(attrs.iter().map(String::as_str));
            }
            for (tag, attrs) in allow.tag_attributes.iter().flatten() {
                builder = builder.add_tag_attributes(tag, attrs.iter().map(String::as_str));
            }
            if let Some(types) = &allow.mime_types {
                builder = builder.keep_mime_types(types.iter().map(String::as_str));
            }
        }
        builder
    }
}

fn is_pyproject(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n == "pyproject.toml")
}

/// toml's messages span several lines (with a source excerpt); errors here are one line.
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| {
            let excerpt = line
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .trim_start();
            !line.is_empty() && !excerpt.starts_with('|')
        })
        .collect::<Vec<_>>()
        .join(": ")
}

/// Finds the configuration file for `start` (a directory): the nearest `nbsanitize.toml`, or
/// `pyproject.toml` with a `[tool.nbsanitize]` table, in `start` or above it.
pub fn discover(start: &Path) -> Result<Option<PathBuf>, Error> {
    for dir in start.ancestors() {
        let own = dir.join("nbsanitize.toml");
        if own.is_file() {
            return Ok(Some(own));
        }
        let pyproject = dir.join("pyproject.toml");
        if pyproject.is_file() {
            let text = std::fs::read_to_string(&pyproject)?;
            if text.contains("nbsanitize") {
                let table: Result<toml::Table, _> = toml::from_str(&text);
                if table.is_ok_and(|t| t.get("tool").and_then(|t| t.get("nbsanitize")).is_some()) {
                    return Ok(Some(pyproject));
                }
            }
        }
    }
    Ok(None)
}

/// The configuration for a run: `explicit` (`--config FILE`) or the one [`discover`]ed from
/// `start`; the path it came from, if any. Errors name the file.
pub fn resolve(explicit: Option<&Path>, start: &Path) -> Result<(Options, Option<PathBuf>), Error> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => discover(start)?,
    };
    match path {
        Some(path) => match Options::load(&path) {
            Ok(options) => Ok((options, Some(path))),
            Err(Error::Config(message)) => {
                Err(Error::Config(format!("{}: {message}", path.display())))
            }
            Err(Error::Io(e)) => Err(Error::Config(format!("{}: {e}", path.display()))),
            Err(other) => Err(other),
        },
        None => Ok((Options::default(), None)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mime::MimeType;
    use crate::policy::Treatment;

    #[test]
    fn full_file_parses_with_kebab_case_keys() {
        let options = Options::from_toml(
            r#"
policy = "strict"
[allow]
tags = ["kbd"]
attributes = ["data-id"]
tag-attributes = { img = ["loading"] }
mime-types = ["application/x-custom"]
[git]
mode = "strip"
extra-keys = ["metadata.celltoolbar"]
keep-metadata-keys = ["tags"]
keep-output = true
keep-count = true
keep-id = true
drop-empty-cells = true
"#,
        )
        .unwrap();
        assert_eq!(options.policy, Some(Preset::Strict));
        let git = options.git_settings();
        assert_eq!(git.mode, GitMode::Strip);
        assert_eq!(git.extra_keys, vec!["metadata.celltoolbar"]);
        assert_eq!(git.keep_metadata_keys, vec!["tags"]);
        assert!(git.keep_output && git.keep_count && git.keep_id && git.drop_empty_cells);
        let policy = options.policy_builder(None).build().unwrap();
        assert_eq!(policy.preset(), Preset::Strict);
        assert_eq!(
            policy.treatment(&MimeType::parse("application/x-custom")),
            Treatment::Keep
        );
        let html = policy.html();
        assert!(html.allows_tag("kbd"));
        assert!(html.allows_attribute("p", "data-id"));
        assert!(html.allows_attribute("img", "loading"));
        // The command line wins over the file.
        let policy = options
            .policy_builder(Some(Preset::Default))
            .build()
            .unwrap();
        assert_eq!(policy.preset(), Preset::Default);
    }

    #[test]
    fn defaults_are_documented_values() {
        let git = Options::default().git_settings();
        assert_eq!(git, GitSettings::default());
        assert_eq!(git.mode, GitMode::Sanitize);
        let policy = Options::default().policy_builder(None).build().unwrap();
        assert_eq!(policy.preset(), Preset::Default);
    }

    #[test]
    fn unknown_keys_are_named() {
        for (text, key) in [
            ("polcy = \"strict\"", "polcy"),
            ("[allow]\ntag = [\"kbd\"]", "tag"),
            ("[git]\nkeep_output = true", "keep_output"),
            ("[colours]\n", "colours"),
        ] {
            let err = Options::from_toml(text).unwrap_err().to_string();
            assert!(err.contains(key), "{text}: {err}");
            assert!(!err.contains('\n'), "{err}");
        }
        let err = Options::from_toml("policy = \"lenient\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("lenient"), "{err}");
    }

    #[test]
    fn dangerous_additions_fail_at_build() {
        let options = Options::from_toml("[allow]\ntags = [\"script\"]").unwrap();
        assert!(options.policy_builder(None).build().is_err());
        let options = Options::from_toml("[allow]\nattributes = [\"onclick\"]").unwrap();
        assert!(options.policy_builder(None).build().is_err());
    }

    #[test]
    fn pyproject_section_and_discovery() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        assert_eq!(discover(&nested).unwrap(), None);
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[project]\nname = \"x\"\n[tool.nbsanitize]\npolicy = \"strict\"\n",
        )
        .unwrap();
        // A pyproject.toml without the table is passed over.
        std::fs::write(
            dir.path().join("a/pyproject.toml"),
            "[project]\nname = \"y\"\n",
        )
        .unwrap();
        let (options, found) = resolve(None, &nested).unwrap();
        assert_eq!(found, Some(dir.path().join("pyproject.toml")));
        assert_eq!(options.policy, Some(Preset::Strict));
        // nbsanitize.toml nearer the start wins.
        std::fs::write(nested.join("nbsanitize.toml"), "policy = \"default\"\n").unwrap();
        let (options, found) = resolve(None, &nested).unwrap();
        assert_eq!(found, Some(nested.join("nbsanitize.toml")));
        assert_eq!(options.policy, Some(Preset::Default));
        // An unknown key in [tool.nbsanitize] is named too.
        let bad = dir.path().join("bad/pyproject.toml");
        std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
        std::fs::write(&bad, "[tool.nbsanitize]\nstrictness = 1\n").unwrap();
        let err = Options::load(&bad).unwrap_err().to_string();
        assert!(
            err.contains("strictness") && err.contains("tool.nbsanitize"),
            "{err}"
        );
    }
}
