/*! The git filter's settings: the `[git]` table of the configuration file ([`crate::config`]),
turned into the filter's mode and nbstripout options.

```toml
[git]
mode = "strip"                      # or "sanitize" (default)
extra-keys = ["metadata.kernelspec", "cell.metadata.collapsed"]   # or "a b", as nbstripout
keep-metadata-keys = []
keep-output = false
keep-count = false
keep-id = false
drop-empty-cells = false
``` */

use std::path::{Path, PathBuf};

use super::strip::StripOptions;
use crate::config;
use crate::error::Error;

/// What the clean filter does to a notebook: keep safe outputs (`Sanitize`, the default), or
/// remove outputs as nbstripout does, then sanitize what is left (`Strip`).
pub use crate::config::GitMode as Mode;

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
    /// Settings from the configuration file found from `dir` upwards (the same file `check`
    /// and `sanitize` use); defaults when there is none.
    pub fn discover(dir: &Path) -> Result<Self, Error> {
        let (options, source) = config::resolve(None, dir)?;
        let git = options.git_settings();
        let strip = StripOptions {
            keep_output: git.keep_output.then_some(true),
            keep_count: git.keep_count,
            keep_id: git.keep_id,
            extra_keys: git.extra_keys,
            keep_metadata_keys: git.keep_metadata_keys,
            drop_empty_cells: git.drop_empty_cells,
            ..StripOptions::default()
        };
        Ok(GitSettings {
            mode: git.mode,
            strip,
            source,
        })
    }
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
