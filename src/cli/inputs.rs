//! Turning PATH arguments into inputs: `-`, files, and files found under folders.

use std::path::{Path, PathBuf};

/// One thing to process.
#[derive(Debug, Clone)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file; `explicit` when named on the command line (errors are then never skipped).
    File { path: PathBuf, explicit: bool },
}

impl Input {
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "-".into(),
            Input::File { path, .. } => path.display().to_string(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        match self {
            Input::Stdin => None,
            Input::File { path, .. } => Some(path),
        }
    }
}

/// Extensions looked at when walking folders.
const TREE_EXTENSIONS: &[&str] = &["ipynb", "html", "htm", "svg", "md", "markdown", "geojson"];

/// Expands the arguments: folders are walked recursively (respecting `.gitignore`).
pub fn expand(paths: &[PathBuf]) -> Vec<Result<Input, (String, String)>> {
    let mut out = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            out.push(Ok(Input::Stdin));
        } else if path.is_dir() {
            for entry in ignore::WalkBuilder::new(path).build() {
                match entry {
                    Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                        let p = entry.into_path();
                        let wanted = p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                            TREE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str())
                        });
                        // Model files are found by content, whatever their name.
                        if wanted || nbsanitize::model::sniff_path(&p) {
                            out.push(Ok(Input::File {
                                path: p,
                                explicit: false,
                            }));
                        }
                    }
                    Ok(_) => {}
                    Err(err) => out.push(Err((path.display().to_string(), err.to_string()))),
                }
            }
        } else {
            out.push(Ok(Input::File {
                path: path.clone(),
                explicit: true,
            }));
        }
    }
    out
}
