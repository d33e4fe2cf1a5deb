/*! The `[git]` settings of a repository's configuration file.

Read from `nbsanitize.toml` (table `[git]`) or `pyproject.toml` (table `[tool.nbsanitize.git]`),
the first found walking up from the working directory (git runs filters at the top of the
work tree). Only this table is read here; other tables are left to the main configuration.

```toml
[git]
mode = "strip"                      # or "sanitize" (default)
extra-keys = ["metadata.kernelspec", "cell.metadata.collapsed"]
keep-metadata-keys = []
keep-output = false
keep-count = false
keep-id = false
drop-empty-cells = false
``` */

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::strip::StripOptions;
use crate::error::Error;

/// What the clean filter does to a notebook.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Keep safe outputs, remove what can run script (the engine). Default.
    #[default]
    Sanitize,
    /// Remove outputs and execution counts as nbstripout does, then sanitize what is left
    /// (Markdown cells, outputs kept by `keep_output`).
    Strip,
}

/// A list given as a TOML array or as one space-separated string (nbstripout's style).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum Keys {
    List(Vec<String>),
    Spaced(String),
}

impl Keys {
    fn into_vec(self) -> Vec<String> {
        match self {
            Keys::List(v) => v,
            Keys::Spaced(s) => s.split_whitespace().map(str::to_owned).collect(),
        }
    }
}

/// The `[git]` table as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
struct GitOptions {
    mode: Option<Mode>,
    extra_keys: Option<Keys>,
    keep_metadata_keys: Option<Keys>,
    keep_output: Option<bool>,
    keep_count: Option<bool>,
    keep_id: Option<bool>,
    drop_empty_cells: Option<bool>,
}

/// Resolved settings for `filter`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GitSettings {
    /// The filter mode.
    pub mode: Mode,
    /// Strip options used in [`Mode::Strip`].
    pub strip: StripOptions,
    /// The file the settings came from, if any.
    pub source: Option<PathBuf>,
}

impl GitSettings {
    /// Settings from the nearest configuration file at or above `dir`; defaults when none.
    pub fn discover(dir: &Path) -> Result<Self, Error> {
        for ancestor in dir.ancestors() {
            let toml_path = ancestor.join("nbsanitize.toml");
            if toml_path.is_file() {
                return Self::from_file(&toml_path, &["git"]);
            }
            let pyproject = ancestor.join("pyproject.toml");
            if pyproject.is_file() {
                let text = std::fs::read_to_string(&pyproject)?;
                if has_tool_table(&text) {
                    return Self::from_text(&text, &pyproject, &["tool", "nbsanitize", "git"]);
                }
            }
            if ancestor.join(".git").exists() {
                break;
            }
        }
        Ok(Self::default())
    }

    fn from_file(path: &Path, table: &[&str]) -> Result<Self, Error> {
        let text = std::fs::read_to_string(path)?;
        Self::from_text(&text, path, table)
    }

    /// Parses the `[git]` table found under `table` in TOML `text`.
    fn from_text(text: &str, path: &Path, table: &[&str]) -> Result<Self, Error> {
        let root: toml::Table =
            toml::from_str(text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
        let mut value = Some(toml::Value::Table(root));
        for key in table {
            value = value.and_then(|v| match v {
                toml::Value::Table(mut t) => t.remove(*key),
                _ => None,
            });
        }
        let options: GitOptions = match value {
            Some(v) => v.try_into().map_err(|e| {
                Error::Config(format!("{}: [{}]: {e}", path.display(), table.join(".")))
            })?,
            None => GitOptions::default(),
        };
        let strip = StripOptions {
            keep_output: options.keep_output.filter(|k| *k),
            keep_count: options.keep_count.unwrap_or(false),
            keep_id: options.keep_id.unwrap_or(false),
            extra_keys: options.extra_keys.map(Keys::into_vec).unwrap_or_default(),
            keep_metadata_keys: options
                .keep_metadata_keys
                .map(Keys::into_vec)
                .unwrap_or_default(),
            drop_empty_cells: options.drop_empty_cells.unwrap_or(false),
            ..StripOptions::default()
        };
        Ok(GitSettings {
            mode: options.mode.unwrap_or_default(),
            strip,
            source: Some(path.to_owned()),
        })
    }
}

fn has_tool_table(text: &str) -> bool {
    toml::from_str::<toml::Table>(text)
        .ok()
        .and_then(|t| t.get("tool")?.get("nbsanitize").cloned())
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_nbsanitize_toml_and_pyproject() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let sub = dir.path().join("a/b");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(GitSettings::discover(&sub).unwrap().mode, Mode::Sanitize);
        std::fs::write(
            dir.path().join("pyproject.toml"),
            "[tool.nbsanitize.git]\nmode = \"strip\"\nextra-keys = \"metadata.kernelspec cell.metadata.foo\"\nkeep-count = true\n",
        )
        .unwrap();
        let s = GitSettings::discover(&sub).unwrap();
        assert_eq!(s.mode, Mode::Strip);
        assert!(s.strip.keep_count);
        assert_eq!(
            s.strip.extra_keys,
            ["metadata.kernelspec", "cell.metadata.foo"]
        );
        std::fs::write(dir.path().join("a/nbsanitize.toml"), "[git]\nmodee = 1\n").unwrap();
        assert!(matches!(GitSettings::discover(&sub), Err(Error::Config(_))));
    }
}
