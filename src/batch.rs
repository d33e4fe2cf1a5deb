/*! Batch runs over files and folders: walk, detect, sanitize or check, in parallel.

Folders are walked with the `ignore` crate (`.gitignore`, `.ignore` and `.nbsanitizeignore`
files are honoured unless [`Options::no_ignore`]; hidden files and folders are skipped unless
[`Options::hidden`], except MLflow's `.trash`; `.git` is never entered). Symbolic links met in a
walk are never followed; a file named on the command line must resolve to a path inside its own
folder. Each file's kind is decided by its content ([`artifact::detect_in_tree`]); binary files,
files of no kind of ours and MLflow's own metadata ([`mlflow`]) are skipped and counted, never
opened for writing.

Files are processed on a rayon pool of [`Options::jobs`] threads. One file failing never stops
the run: it becomes a [`FileResult`] with an `error`. Writes are atomic and keep the mode
([`fsio::write_atomic`]); a file that changed on disk between reading and writing is left alone
and reported. The library never prints: progress goes to a [`Progress`] the caller implements.

```
use nbsanitize::batch::{self, Mode, NoProgress, Options};
let dir = tempfile::tempdir().unwrap();
std::fs::write(dir.path().join("report.html"), "<p>hi<script>alert(1)</script></p>").unwrap();
std::fs::write(dir.path().join("data.csv"), "a,b\n1,2\n").unwrap();
let opts = Options::new(Mode::Sanitize { dry_run: false });
let run = batch::run(&[dir.path().to_path_buf()], &opts, &NoProgress).unwrap();
assert_eq!(run.report.summary().files_changed, 1);
assert_eq!(run.skipped.values().sum::<usize>(), 1);
assert_eq!(std::fs::read_to_string(dir.path().join("report.html")).unwrap(), "<p>hi</p>");
``` */

use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use rayon::iter::{ParallelBridge, ParallelIterator};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::artifact::{self, Kind};
use crate::diagnostic::{Action, Finding};
use crate::engine;
use crate::error::Error;
use crate::fsio;
use crate::mlflow::{Placement, RunRef, StoreIndex};
use crate::policy::Policy;
use crate::quarantine;
use crate::report::{FileResult, Report};
use crate::rules;

/// The per-folder ignore file, in `.gitignore` syntax.
pub const IGNORE_FILE: &str = ".nbsanitizeignore";

/// How many bytes of an over-size file are looked at to tell text from binary.
const SNIFF_LEN: u64 = 8192;

/// What a run does to files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Report findings; never write.
    Check,
    /// Rewrite files in place; with `dry_run`, only say what would change.
    Sanitize {
        /// Write nothing (no rewrite, backup or quarantine).
        dry_run: bool,
    },
}

impl Mode {
    fn writes(self) -> bool {
        matches!(self, Mode::Sanitize { dry_run: false })
    }
}

/// Settings of a batch run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Check, sanitize, or dry run.
    pub mode: Mode,
    /// The sanitizing policy. Default: [`Policy::default`].
    pub policy: Policy,
    /// Treat every file as this kind instead of detecting it. Default: detect.
    pub format: Option<Kind>,
    /// Files larger than this are not loaded. Default: [`fsio::DEFAULT_MAX_SIZE`].
    pub max_size: u64,
    /// Worker threads; 0 means one per CPU. Default: 0.
    pub jobs: usize,
    /// Do not honour `.gitignore`, `.ignore` or `.nbsanitizeignore`. Default: false.
    pub no_ignore: bool,
    /// Walk hidden files and folders too. Default: false.
    pub hidden: bool,
    /// Copy originals here (same relative layout) before rewriting them. Default: none.
    pub backup: Option<PathBuf>,
    /// Move files that cannot be sanitized here, with a manifest. Default: none.
    pub quarantine: Option<PathBuf>,
    /// Keep the findings of every file in the returned report. With `false`, files that did
    /// not fail are only counted (findings per rule included) and their findings reach only
    /// the [`Progress`] callback, so memory does not grow with the store. Default: true.
    pub keep_findings: bool,
}

impl Options {
    /// Options with the documented defaults.
    pub fn new(mode: Mode) -> Self {
        Options {
            mode,
            policy: Policy::default(),
            format: None,
            max_size: fsio::DEFAULT_MAX_SIZE,
            jobs: 0,
            no_ignore: false,
            hidden: false,
            backup: None,
            quarantine: None,
            keep_findings: true,
        }
    }
}

/// Why a file was skipped (left alone, not counted as a failure).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Skip {
    /// Binary content (NUL bytes or not UTF-8).
    Binary,
    /// Text of no kind nbsanitize cleans (YAML, CSV, logs, plain JSON).
    UnknownKind,
    /// An empty file.
    Empty,
    /// MLflow's own metadata (`meta.yaml`, metrics, params, tags, `MLmodel`).
    MlflowMetadata,
    /// A symbolic link (never followed in a walk).
    Symlink,
    /// Over `--max-size`, and its first bytes do not show a kind of ours.
    TooLargeUnknown,
}

impl Skip {
    /// A short human name.
    pub fn as_str(self) -> &'static str {
        match self {
            Skip::Binary => "binary",
            Skip::UnknownKind => "unknown kind",
            Skip::Empty => "empty",
            Skip::MlflowMetadata => "MLflow metadata",
            Skip::Symlink => "symlink",
            Skip::TooLargeUnknown => "over --max-size, unknown kind",
        }
    }
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct Processed {
    /// The report entry (its `mlflow` field names the run for MLflow artifacts).
    pub result: FileResult,
    /// Set when the file was skipped.
    pub skip: Option<Skip>,
    /// Where the file was moved, when it was quarantined.
    pub quarantined: Option<PathBuf>,
    /// Where the original was copied, when a backup was made.
    pub backup: Option<PathBuf>,
    /// SHA-256 of the bytes written, when the file was rewritten.
    pub written_sha256: Option<[u8; 32]>,
    /// Bytes read (0 when the file was not loaded).
    pub bytes: u64,
    /// The failure may go away by itself: the content did not parse (a file still being
    /// written) or the file changed while being sanitized. Watch mode tries again.
    pub retryable: bool,
}

/// Receives progress from a run; called from worker threads.
pub trait Progress: Sync {
    /// One file is done (processed, skipped or failed).
    fn file_done(&self, processed: &Processed) {
        let _ = processed;
    }
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// The results of a run.
#[derive(Debug, Clone, Default)]
pub struct BatchReport {
    /// Files with findings, changes or errors, sorted by path; the others are only counted
    /// (see [`Report::uncounted`]), so memory does not grow with the size of a clean store.
    pub report: Report,
    /// Skipped files per reason.
    pub skipped: BTreeMap<Skip, usize>,
    /// Files moved to the quarantine.
    pub quarantined: usize,
    /// Findings per MLflow run.
    pub by_run: BTreeMap<RunRef, usize>,
    /// Bytes read and sanitized (or checked).
    pub bytes: u64,
}

impl BatchReport {
    fn add(&mut self, processed: Processed, keep_findings: bool) {
        if let Some(skip) = processed.skip {
            *self.skipped.entry(skip).or_default() += 1;
        }
        self.quarantined += usize::from(processed.quarantined.is_some());
        self.bytes += processed.bytes;
        if let Some(run) = &processed.result.mlflow
            && !processed.result.findings.is_empty()
        {
            *self.by_run.entry(run.clone()).or_default() += processed.result.findings.len();
        }
        let r = &processed.result;
        let interesting = !r.findings.is_empty() || r.changed;
        if r.error.is_none() && (!interesting || !keep_findings) {
            self.report.count_only(r);
        } else {
            self.report.push(processed.result);
        }
    }
}

/// Shared state of one run.
#[derive(Debug)]
pub struct Context {
    opts: Options,
    store: StoreIndex,
    /// Canonical folders never walked into (the backup and quarantine folders).
    excluded: Vec<PathBuf>,
}

impl Context {
    /// Prepares a run: resolves the backup and quarantine folders (creating them when the run
    /// writes) so walks never enter them.
    pub fn new(opts: Options) -> Result<Self, Error> {
        let mut excluded = Vec::new();
        for dir in [&opts.backup, &opts.quarantine].into_iter().flatten() {
            if opts.mode.writes() {
                fs::create_dir_all(dir)?;
            }
            if let Ok(dir) = fs::canonicalize(dir) {
                excluded.push(dir);
            }
        }
        Ok(Context {
            opts,
            store: StoreIndex::default(),
            excluded,
        })
    }

    /// The options of this run.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// Whether `path` is inside the backup or quarantine folder (never walked).
    pub fn is_excluded(&self, path: &Path) -> bool {
        !self.excluded.is_empty()
            && fs::canonicalize(path).is_ok_and(|p| self.excluded.iter().any(|d| p.starts_with(d)))
    }

    /// Processes one file named by the caller (not found in a walk). It must resolve to a
    /// regular file inside its own folder (a symlink to elsewhere is refused).
    pub fn process_named(&self, path: &Path) -> Processed {
        let root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let inside = fs::canonicalize(&root).and_then(|root| {
            let real = fs::canonicalize(path)?;
            Ok((real.starts_with(&root), real))
        });
        match inside {
            Ok((true, real)) => self.process(path, &real, &root, true),
            Ok((false, real)) => failed(
                path,
                None,
                format!(
                    "a symlink to {}, outside its folder: not followed (name the target instead)",
                    real.display()
                ),
            ),
            Err(e) => failed(path, None, e.to_string()),
        }
    }

    /// Processes one file found under `root` (a walked folder). Symlinks are skipped, special
    /// files reported as failures.
    pub fn process_found(&self, path: &Path, root: &Path) -> Processed {
        let meta = match fs::symlink_metadata(path) {
            Ok(meta) => meta,
            Err(e) => return failed(path, None, e.to_string()),
        };
        if meta.file_type().is_symlink() {
            return skipped(path, None, Skip::Symlink);
        }
        if !meta.is_file() {
            return failed(path, None, special_file_error(&meta));
        }
        self.process(path, path, root, false)
    }

    /// `path` as reported, `real` as opened, `root` for relative layouts.
    fn process(&self, path: &Path, real: &Path, root: &Path, named: bool) -> Processed {
        let run = match self.store.classify(real) {
            Placement::Metadata => return skipped(path, None, Skip::MlflowMetadata),
            Placement::Artifact(run) => Some(run),
            Placement::Outside => None,
        };
        match self.sanitize_file(path, real, root, named, run.clone()) {
            Ok(processed) => processed,
            Err(Failure { error, kind }) => {
                let message = error.to_string();
                let retryable = matches!(error, Error::InvalidJson(_) | Error::InvalidSchema(_))
                    || message == CHANGED_WHILE_SANITIZING;
                let quarantinable = kind.is_some()
                    && matches!(
                        error,
                        Error::InvalidJson(_)
                            | Error::InvalidSchema(_)
                            | Error::UnsupportedNbformat(_)
                            | Error::TooLarge { .. }
                    );
                match &self.opts.quarantine {
                    Some(dir) if quarantinable && self.opts.mode.writes() => {
                        self.quarantine(path, real, root, dir, &message, run)
                    }
                    Some(_) if quarantinable => {
                        failed(path, run, format!("{message} (would be quarantined)"))
                    }
                    _ => {
                        let mut processed = failed(path, run, message);
                        processed.retryable = retryable;
                        processed
                    }
                }
            }
        }
    }

    /// A model file: scanned, never rewritten; with a quarantine folder (and not a dry run),
    /// a file with findings is moved there.
    fn model_file(
        &self,
        path: &Path,
        real: &Path,
        root: &Path,
        run: Option<RunRef>,
        bytes: &[u8],
    ) -> Processed {
        let outcome =
            match engine::sanitize_bytes(bytes, Some(Kind::Model), Some(real), &self.opts.policy) {
                Ok(outcome) => outcome,
                Err(e) => return failed(path, run, e.to_string()),
            };
        let dry_run = self.opts.mode == Mode::Sanitize { dry_run: true };
        let mut processed = match &self.opts.quarantine {
            Some(dir) if !outcome.findings.is_empty() && !dry_run => {
                let mut codes: Vec<&str> = outcome.findings.iter().map(|f| f.rule.code).collect();
                codes.dedup();
                let reason = format!("model file with findings ({})", codes.join(", "));
                let mut moved = self.quarantine(path, real, root, dir, &reason, run);
                let mut findings = outcome.findings;
                findings.append(&mut moved.result.findings);
                moved.result.findings = findings;
                moved.result.changed = false;
                moved
            }
            _ => result(path, run, outcome.findings, false, None),
        };
        processed.bytes = bytes.len() as u64;
        processed
    }

    fn quarantine(
        &self,
        path: &Path,
        real: &Path,
        root: &Path,
        dir: &Path,
        reason: &str,
        run: Option<RunRef>,
    ) -> Processed {
        match quarantine::quarantine(real, root, dir, reason) {
            Ok(moved) => {
                let finding = Finding::new(
                    &rules::mlflow::QUARANTINED,
                    Action::Quarantined,
                    format!(
                        "cannot be sanitized ({reason}); moved to {}",
                        moved.display()
                    ),
                );
                let mut processed = result(path, run, vec![finding], true, None);
                processed.quarantined = Some(moved);
                processed
            }
            Err(e) => failed(path, run, format!("{reason}; quarantine failed too: {e}")),
        }
    }

    fn sanitize_file(
        &self,
        path: &Path,
        real: &Path,
        root: &Path,
        named: bool,
        run: Option<RunRef>,
    ) -> Result<Processed, Failure> {
        let opts = &self.opts;
        let (bytes, stamp) = match read_regular(real, opts.max_size) {
            Ok(read) => read,
            Err(Error::TooLarge { size, limit }) => {
                return self.too_large(path, real, named, run, size, limit);
            }
            Err(error) => return Err(Failure { error, kind: None }),
        };
        if matches!(opts.format, None | Some(Kind::Model)) && engine::is_model(&bytes, Some(real)) {
            return Ok(self.model_file(path, real, root, run, &bytes));
        }
        let text = match artifact::as_text(&bytes) {
            Ok(text) => text,
            Err(error @ (Error::Empty | Error::NotText(_))) => {
                if named || opts.format.is_some() {
                    return Err(Failure { error, kind: None });
                }
                let skip = if matches!(error, Error::Empty) {
                    Skip::Empty
                } else {
                    Skip::Binary
                };
                return Ok(skipped(path, run, skip));
            }
            Err(error) => return Err(Failure { error, kind: None }),
        };
        let kind = match opts.format {
            Some(kind) => kind,
            None if named => artifact::detect(text.trim_start_matches('\u{feff}'), Some(real))
                .map_err(|error| Failure {
                    error,
                    kind: artifact::detect_in_tree(text, Some(real)),
                })?,
            None => match artifact::detect_in_tree(text, Some(real)) {
                Some(kind) => kind,
                None => return Ok(skipped(path, run, Skip::UnknownKind)),
            },
        };
        let outcome = engine::sanitize_bytes(&bytes, Some(kind), Some(real), &opts.policy)
            .map_err(|error| Failure {
                error,
                kind: Some(kind),
            })?;
        let Some(new) = outcome.output else {
            let mut processed = result(path, run, outcome.findings, false, None);
            processed.bytes = bytes.len() as u64;
            return Ok(processed);
        };
        if !opts.mode.writes() {
            let mut processed = result(path, run, outcome.findings, true, None);
            processed.bytes = bytes.len() as u64;
            return Ok(processed);
        }
        let io_failure = |error: Error| Failure { error, kind: None };
        // Leave a file alone that someone changed (or swapped for a link) since we read it.
        if Stamp::of_path(real).ok() != Some(stamp) {
            return Err(io_failure(Error::Io(io::Error::other(
                CHANGED_WHILE_SANITIZING,
            ))));
        }
        let backup = match &opts.backup {
            Some(dir) => Some(backup(&bytes, real, root, dir).map_err(io_failure)?),
            None => None,
        };
        fsio::write_atomic(real, &new).map_err(io_failure)?;
        let mut processed = result(path, run, outcome.findings, true, None);
        processed.bytes = bytes.len() as u64;
        processed.backup = backup;
        processed.written_sha256 = Some(Sha256::digest(&new).into());
        Ok(processed)
    }

    /// An over-size file: binary or of no kind of ours is skipped; ours is a failure.
    fn too_large(
        &self,
        path: &Path,
        real: &Path,
        named: bool,
        run: Option<RunRef>,
        size: u64,
        limit: u64,
    ) -> Result<Processed, Failure> {
        let error = Error::TooLarge { size, limit };
        if named || self.opts.format.is_some() {
            return Err(Failure {
                error,
                kind: self.opts.format,
            });
        }
        let mut head = Vec::with_capacity(SNIFF_LEN as usize);
        fs::File::open(real)
            .and_then(|f| f.take(SNIFF_LEN).read_to_end(&mut head))
            .map_err(|e| Failure {
                error: e.into(),
                kind: None,
            })?;
        if head.contains(&0) {
            return Ok(skipped(path, run, Skip::Binary));
        }
        // The head may end inside a UTF-8 sequence; decode what is valid.
        let text = match std::str::from_utf8(&head) {
            Ok(text) => text,
            Err(e) if e.error_len().is_none() => {
                std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default()
            }
            Err(_) => return Ok(skipped(path, run, Skip::Binary)),
        };
        match artifact::detect_in_tree(text, Some(real)) {
            Some(kind) => Err(Failure {
                error,
                kind: Some(kind),
            }),
            None => Ok(skipped(path, run, Skip::TooLargeUnknown)),
        }
    }
}

/// Why a file could not be processed, and what kind it was taken for (if any).
struct Failure {
    error: Error,
    kind: Option<Kind>,
}

/// The message of a file that changed between reading and writing.
const CHANGED_WHILE_SANITIZING: &str = "changed on disk while being sanitized; left as it is";

/// Identity of a file's content on disk, to notice changes between reading and writing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    #[cfg(unix)]
    inode: (u64, u64),
}

impl Stamp {
    fn of(meta: &fs::Metadata) -> Self {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            inode: (meta.dev(), meta.ino()),
        }
    }

    fn of_path(path: &Path) -> io::Result<Self> {
        let meta = fs::symlink_metadata(path)?;
        if !meta.is_file() {
            return Err(io::Error::other("not a regular file"));
        }
        Ok(Stamp::of(&meta))
    }
}

/// Opens without following a final symlink and without blocking on a FIFO, checks that it is a
/// regular file within `max_size`, and reads it.
fn read_regular(path: &Path, max_size: u64) -> Result<(Vec<u8>, Stamp), Error> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::Io(io::Error::other(special_file_error(&meta))));
    }
    if meta.len() > max_size {
        return Err(Error::TooLarge {
            size: meta.len(),
            limit: max_size,
        });
    }
    let bytes = fsio::read_all_limited(file, max_size)?;
    Ok((bytes, Stamp::of(&meta)))
}

fn special_file_error(meta: &fs::Metadata) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        let what = if t.is_fifo() {
            "a FIFO"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_block_device() || t.is_char_device() {
            "a device"
        } else if t.is_dir() {
            "a folder"
        } else {
            "a special file"
        };
        format!("not a regular file ({what}); not read")
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        "not a regular file; not read".to_owned()
    }
}

/// Copies `bytes` (the original content of `path`) to `dir/<path relative to root>`, never
/// overwriting (`~1`, `~2`… suffixes), with the original's permissions.
fn backup(bytes: &[u8], path: &Path, root: &Path, dir: &Path) -> Result<PathBuf, Error> {
    use std::io::Write;
    let relative = std::path::absolute(path)?
        .strip_prefix(std::path::absolute(root)?)
        .map(Path::to_path_buf)
        .ok()
        .filter(|p| !p.as_os_str().is_empty())
        .or_else(|| path.file_name().map(PathBuf::from))
        .ok_or_else(|| Error::Io(io::Error::other("no file name")))?;
    let target = dir.join(relative);
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent)?;
    }
    let permissions = fs::metadata(path)?.permissions();
    for n in 0..10_000u32 {
        let candidate = if n == 0 {
            target.clone()
        } else {
            let mut name = target.as_os_str().to_owned();
            name.push(format!("~{n}"));
            PathBuf::from(name)
        };
        let mut file = match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.into()),
        };
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::set_permissions(&candidate, permissions)?;
        return Ok(candidate);
    }
    Err(Error::Io(io::Error::other("too many backups of that name")))
}

fn result(
    path: &Path,
    mlflow: Option<RunRef>,
    findings: Vec<Finding>,
    changed: bool,
    error: Option<String>,
) -> Processed {
    Processed {
        result: FileResult {
            path: path.display().to_string(),
            findings,
            changed,
            error,
            skipped: false,
            mlflow,
        },
        skip: None,
        quarantined: None,
        backup: None,
        written_sha256: None,
        bytes: 0,
        retryable: false,
    }
}

fn failed(path: &Path, mlflow: Option<RunRef>, error: String) -> Processed {
    result(path, mlflow, Vec::new(), false, Some(error))
}

fn skipped(path: &Path, mlflow: Option<RunRef>, skip: Skip) -> Processed {
    let mut processed = result(path, mlflow, Vec::new(), false, None);
    processed.result.skipped = true;
    processed.skip = Some(skip);
    processed
}

/// Builds the walker for one folder, with this run's ignore and hidden rules.
pub fn walker(root: &Path, ctx: &Context) -> ignore::Walk {
    let opts = &ctx.opts;
    let mut builder = ignore::WalkBuilder::new(root);
    builder
        .standard_filters(!opts.no_ignore)
        // Hidden entries are filtered below, to let MLflow's `.trash` through.
        .hidden(false)
        .require_git(false)
        .follow_links(false);
    if !opts.no_ignore {
        builder.add_custom_ignore_filename(IGNORE_FILE);
    }
    let excluded = ctx.excluded.clone();
    let hidden = opts.hidden;
    builder.filter_entry(move |entry| {
        if entry.depth() == 0 {
            return true;
        }
        let name = entry.file_name().to_string_lossy();
        if name == ".git" {
            return false;
        }
        if name.starts_with(fsio::TEMP_PREFIX) {
            return false;
        }
        if !hidden && name.starts_with('.') && name != ".trash" {
            return false;
        }
        if !excluded.is_empty()
            && entry.file_type().is_some_and(|t| t.is_dir())
            && fs::canonicalize(entry.path()).is_ok_and(|p| excluded.contains(&p))
        {
            return false;
        }
        true
    });
    builder.build()
}

/// Runs over `paths` (files and folders) with `ctx`'s options on the current rayon pool.
/// Results come in any order; see [`run`] for a sorted report.
pub fn for_each(paths: &[PathBuf], ctx: &Context, sink: &(dyn Fn(Processed) + Sync)) {
    for path in paths {
        let is_dir = fs::metadata(path).is_ok_and(|m| m.is_dir());
        if !is_dir {
            sink(ctx.process_named(path));
            continue;
        }
        walker(path, ctx)
            .par_bridge()
            .for_each(|entry| match entry {
                Ok(entry) => {
                    if entry.file_type().is_some_and(|t| t.is_dir()) {
                        return;
                    }
                    sink(ctx.process_found(entry.path(), path));
                }
                Err(err) => sink(failed(path, None, format!("walking: {err}"))),
            });
    }
}

/// Processes files and folders with `opts` on a pool of `opts.jobs` threads, reporting each
/// file to `progress`, and returns the report sorted by path.
///
/// # Errors
/// Only when the run cannot start: the thread pool cannot be built, or the backup or
/// quarantine folder cannot be created. Failures on single files are in the report.
pub fn run(
    paths: &[PathBuf],
    opts: &Options,
    progress: &dyn Progress,
) -> Result<BatchReport, Error> {
    let ctx = Context::new(opts.clone())?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs)
        .thread_name(|i| format!("nbsanitize-{i}"))
        .build()
        .map_err(|e| Error::Io(io::Error::other(e)))?;
    let collected = std::sync::Mutex::new(BatchReport::default());
    pool.install(|| {
        for_each(paths, &ctx, &|processed| {
            progress.file_done(&processed);
            collected
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .add(processed, opts.keep_findings);
        });
    });
    let mut out = collected.into_inner().unwrap_or_else(|e| e.into_inner());
    out.report.files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}
