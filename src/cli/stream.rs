//! Large `.html` files through the streaming fast path, in bounded memory.
//!
//! An HTML file larger than the fast-path threshold (and than the streaming API's in-memory
//! limit, 1 MiB) is not loaded: a first pass checks it without writing anything; a clean file
//! is left alone (or copied to stdout), a dirty one is rewritten by a second pass into a
//! temporary file next to it (or to stdout). A file outside the fast path's subset goes the
//! usual way (loaded, ammonia) when it is within `--max-size`, and is an error otherwise:
//! nothing is written.

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use nbsanitize::sanitize::stream::{self, FastPath, StreamLimits};
use nbsanitize::{Error, Finding, Kind, Policy, fsio};

use super::args::InputArgs;
use super::inputs::Input;

/// What the command does with a streamed file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report only.
    Check,
    /// Write the result (changed or not) to stdout.
    Stdout,
    /// Rewrite the file when it changes.
    InPlace,
}

/// Findings and whether the file changed.
pub type Streamed = (Vec<Finding>, bool);

/// Streams `input` when it is a large HTML file; `None` when the usual path should handle it.
pub fn try_large_html(
    input: &Input,
    args: &InputArgs,
    policy: &Policy,
    mode: Mode,
) -> Option<Result<Streamed, Error>> {
    let Input::File { path, .. } = input else {
        return None;
    };
    let limits = StreamLimits::default();
    if policy.fast_path() == FastPath::Never || !is_html(path, args.format) {
        return None;
    }
    let size = fs::metadata(path).ok()?.len();
    let threshold = limits.fallback_bytes.max(match policy.fast_path() {
        FastPath::Always => 0,
        _ => policy.fast_path_threshold(),
    });
    if size <= threshold as u64 {
        return None;
    }
    let allow = policy.html_allowlist();
    let verdict = match File::open(path)
        .map_err(Error::from)
        .and_then(|f| stream::check_stream(f, allow, limits))
    {
        Ok(verdict) => verdict,
        Err(e) => return Some(Err(e)),
    };
    let findings = match verdict {
        Ok(findings) => findings,
        Err(_) if size <= args.max_size => return None,
        Err(outside) => return Some(Err(Error::OutsideFastPath(outside.to_string()))),
    };
    let clean = findings.is_empty();
    let result = match (mode, clean) {
        (Mode::Check, _) | (Mode::InPlace, true) => Ok(()),
        (Mode::Stdout, true) => File::open(path)
            .and_then(|mut f| io::copy(&mut f, &mut io::stdout().lock()).map(drop))
            .map_err(Error::from),
        (Mode::Stdout, false) => {
            let out = BufWriter::new(io::stdout().lock());
            File::open(path)
                .map_err(Error::from)
                .and_then(|f| stream::sanitize_stream(f, out, allow, limits).map(drop))
        }
        (Mode::InPlace, false) => rewrite_in_place(path, allow, limits),
    };
    Some(result.map(|()| (findings, !clean)))
}

fn is_html(path: &Path, format: Option<Kind>) -> bool {
    match format {
        Some(kind) => kind == Kind::Html,
        None => path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm")),
    }
}

/// Streams the sanitized file into a temporary file beside it, then renames it over the
/// original (keeping its permissions), like `fsio::write_atomic`.
fn rewrite_in_place(
    path: &Path,
    allow: &nbsanitize::sanitize::html::HtmlAllowlist,
    limits: StreamLimits,
) -> Result<(), Error> {
    let target = fs::canonicalize(path)?;
    let dir = target
        .parent()
        .ok_or_else(|| Error::Io(io::Error::other("no parent folder")))?;
    let permissions = fs::metadata(&target)?.permissions();
    let tmp = tempfile::Builder::new()
        .prefix(fsio::TEMP_PREFIX)
        .tempfile_in(dir)?;
    {
        let mut out = BufWriter::new(tmp.as_file());
        stream::sanitize_stream(File::open(&target)?, &mut out, allow, limits)?;
        out.flush()?;
    }
    tmp.as_file().sync_all()?;
    fs::set_permissions(tmp.path(), permissions)?;
    tmp.persist(&target).map_err(|e| Error::Io(e.error))?;
    Ok(())
}
