/*! Watch mode: sanitize (or check) files in place as they appear or change.

[`watch`] sets recursive watches on the roots (notify with notify-debouncer-full; inotify on
Linux, or polling for network file systems), then sweeps the roots once with the batch runner
([`crate::batch`], same kinds, ignore rules, MLflow awareness and atomic writes), then handles
events until the `stop` flag is set:

- **What triggers work:** a file created, modified, closed after writing, or renamed into the
  tree; a folder created or moved in is walked (its files may predate the watch on it). Reads
  (open, close without writing) and metadata changes do not. When the backend reports a queue
  overflow, the roots are swept again.
- **Settling:** a file is handled once its writer closed it (inotify `IN_CLOSE_WRITE`) or was
  renamed into place, or after [`WatchOptions::settle`] without events (polling, or writers that
  keep files open). A file that does not parse yet (half-written JSON) or changed while being
  sanitized is retried with a doubling delay; a later event restarts the clock, so the complete
  version is the one handled.
- **No loops:** the writer's temporary files ([`fsio::TEMP_PREFIX`]) are ignored, and the SHA-256
  of every file written is remembered: an event on a file whose content is exactly what the
  watcher wrote is dropped. Sanitizing is idempotent besides.
- **Robust:** a file deleted between event and read is dropped; a permission error is reported
  and the watch goes on; the inotify watch limit gives an error naming the sysctl
  (`fs.inotify.max_user_watches`).

The library never prints and never installs signal handlers: results go to the `sink`, and the
caller sets `stop` (e.g. from SIGTERM); the file in hand is finished before returning. */

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ignore::gitignore::Gitignore;
use notify::event::{AccessKind, AccessMode, CreateKind, EventKind, ModifyKind, RenameMode};
use notify::{PollWatcher, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{
    DebounceEventResult, DebouncedEvent, Debouncer, NoCache, RecommendedCache, new_debouncer_opt,
};
use rayon::prelude::*;
use sha2::{Digest, Sha256};

use crate::batch::{self, Context, Processed};
use crate::error::Error;
use crate::fsio;

/// The message for the inotify watch limit.
pub const WATCH_LIMIT_MESSAGE: &str = "the inotify watch limit is reached: raise it (sysctl \
     fs.inotify.max_user_watches=524288, persist it in /etc/sysctl.d/), watch fewer folders, or \
     use --poll";

/// Settings of a watch.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    /// The batch settings used for the sweep and every file: [`batch::Mode::Check`] reports,
    /// [`batch::Mode::Sanitize`] rewrites.
    pub batch: batch::Options,
    /// Events are collected this long before being looked at. Default: 100 ms.
    pub debounce: Duration,
    /// A file with no close-after-write event is handled after this long without events.
    /// Default: 2 s.
    pub settle: Duration,
    /// Poll every this often instead of using the OS's notifications. Default: none.
    pub poll: Option<Duration>,
    /// Times a file that does not parse is tried again before its failure is reported.
    /// Default: 6 (over about 8 s).
    pub retries: u32,
    /// The first retry delay, doubled each time. Default: 125 ms.
    pub retry_delay: Duration,
}

impl WatchOptions {
    /// Options with the documented defaults.
    pub fn new(batch: batch::Options) -> Self {
        WatchOptions {
            batch,
            debounce: Duration::from_millis(100),
            settle: Duration::from_secs(2),
            poll: None,
            retries: 6,
            retry_delay: Duration::from_millis(125),
        }
    }
}

/// What a watch reports.
#[derive(Debug)]
pub enum WatchEvent {
    /// The initial sweep (or a rescan after an overflow) is done; events are being handled.
    Swept {
        /// Files looked at by the sweep.
        files: usize,
        /// Whether this was a rescan after the event queue overflowed.
        rescan: bool,
    },
    /// A file was handled: rewritten, found to have findings, or failed. Clean and skipped
    /// files are not reported.
    File(Box<Processed>),
    /// Something that did not stop the watch (a watch limit reached on a new folder, an I/O
    /// error from the backend).
    Warning(String),
}

/// Watches `roots` (folders) until `stop` is set, sending what happens to `sink`.
///
/// # Errors
/// When the watch cannot start: a root is not a folder, the watch limit is reached (the message
/// names `fs.inotify.max_user_watches`), or the backup/quarantine folders cannot be created.
pub fn watch(
    roots: &[PathBuf],
    opts: &WatchOptions,
    stop: &AtomicBool,
    sink: &mut dyn FnMut(WatchEvent),
) -> Result<(), Error> {
    let mut canonical = Vec::new();
    for root in roots {
        let real = fs::canonicalize(root)?;
        if !real.is_dir() {
            return Err(Error::Io(io::Error::other(format!(
                "{}: not a folder (watch takes folders)",
                root.display()
            ))));
        }
        canonical.push(real);
    }
    let (tx, rx) = mpsc::channel::<DebounceEventResult>();
    let mut debouncer = AnyDebouncer::new(opts, tx)?;
    for root in &canonical {
        debouncer.watch(root)?;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.batch.jobs)
        .thread_name(|i| format!("nbsanitize-watch-{i}"))
        .build()
        .map_err(|e| Error::Io(io::Error::other(e)))?;
    let mut state = State {
        ctx: Context::new(opts.batch.clone())?,
        opts,
        roots: canonical,
        pending: HashMap::new(),
        written: HashMap::new(),
        ignores: HashMap::new(),
    };
    let files = state.sweep(&pool, stop, sink);
    sink(WatchEvent::Swept {
        files,
        rescan: false,
    });
    while !stop.load(Ordering::SeqCst) {
        let wait = state
            .next_due()
            .map(|due| due.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_millis(100))
            .clamp(Duration::from_millis(5), Duration::from_millis(100));
        match rx.recv_timeout(wait) {
            Ok(first) => {
                let mut rescan = false;
                for result in std::iter::once(first).chain(rx.try_iter()) {
                    match result {
                        Ok(events) => {
                            for event in events {
                                rescan |= state.on_event(event);
                            }
                        }
                        Err(errors) => {
                            for e in errors {
                                sink(WatchEvent::Warning(describe_notify_error(&e)));
                            }
                        }
                    }
                }
                if rescan {
                    let files = state.sweep(&pool, stop, sink);
                    sink(WatchEvent::Swept {
                        files,
                        rescan: true,
                    });
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                return Err(Error::Io(io::Error::other("the file watcher stopped")));
            }
        }
        state.handle_ready(&pool, sink);
    }
    Ok(())
}

/// A file waiting to be handled.
#[derive(Debug, Clone)]
struct Pending {
    /// The root it is under.
    root: PathBuf,
    /// Time of the last event.
    last: Instant,
    /// Its writer closed it (or it was renamed into place).
    closed: bool,
    /// Failed attempts so far.
    attempts: u32,
    /// Not before this (retry back-off).
    not_before: Instant,
}

struct State<'a> {
    ctx: Context,
    opts: &'a WatchOptions,
    roots: Vec<PathBuf>,
    pending: HashMap<PathBuf, Pending>,
    /// SHA-256 of what the watcher last wrote to each path.
    written: HashMap<PathBuf, [u8; 32]>,
    /// Ignore files per folder (`.nbsanitizeignore`, `.ignore`, `.gitignore`, in that order).
    ignores: HashMap<PathBuf, Vec<Gitignore>>,
}

impl State<'_> {
    fn root_of(&self, path: &Path) -> Option<PathBuf> {
        self.roots
            .iter()
            .filter(|r| path.starts_with(r))
            .max_by_key(|r| r.components().count())
            .cloned()
    }

    /// Walks every root with the batch walker and handles every file now (the initial sweep,
    /// and rescans after an overflow). Stops early when `stop` is set.
    fn sweep(
        &mut self,
        pool: &rayon::ThreadPool,
        stop: &AtomicBool,
        sink: &mut dyn FnMut(WatchEvent),
    ) -> usize {
        let results = std::sync::Mutex::new(Vec::new());
        pool.install(|| {
            for root in &self.roots {
                batch::walker(root, &self.ctx)
                    .par_bridge()
                    .for_each(|entry| {
                        let Ok(entry) = entry else { return };
                        if stop.load(Ordering::SeqCst)
                            || entry.file_type().is_some_and(|t| t.is_dir())
                        {
                            return;
                        }
                        let processed = self.ctx.process_found(entry.path(), root);
                        results
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(processed);
                    });
            }
        });
        let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
        let files = results.len();
        for processed in results {
            self.pending.remove(Path::new(&processed.result.path));
            self.report(processed, sink);
        }
        files
    }

    /// A folder appeared (created or moved in): its files may predate the watch on it, so
    /// they become pending. They are handled when their writer closes them, or after
    /// [`WatchOptions::settle`] without events (a file still being written is never replaced
    /// under its writer).
    fn enqueue_folder(&mut self, dir: &Path, root: &Path) {
        let now = Instant::now();
        for entry in batch::walker(dir, &self.ctx).filter_map(Result::ok) {
            if entry.file_type().is_some_and(|t| t.is_file()) {
                self.pending
                    .entry(entry.into_path())
                    .or_insert_with(|| Pending {
                        root: root.to_path_buf(),
                        last: now,
                        closed: false,
                        attempts: 0,
                        not_before: now,
                    });
            }
        }
    }

    /// Records what was written and passes interesting results on.
    fn report(&mut self, processed: Processed, sink: &mut dyn FnMut(WatchEvent)) {
        if let Some(hash) = processed.written_sha256 {
            self.written
                .insert(PathBuf::from(&processed.result.path), hash);
        }
        let r = &processed.result;
        if r.changed || !r.findings.is_empty() || r.error.is_some() {
            sink(WatchEvent::File(Box::new(processed)));
        }
    }

    /// Takes one debounced event; returns whether a rescan is needed.
    fn on_event(&mut self, event: DebouncedEvent) -> bool {
        if event.need_rescan() {
            return true;
        }
        let closed = match event.kind {
            EventKind::Create(CreateKind::Folder) => false,
            EventKind::Create(_) => false,
            EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both)) => true,
            EventKind::Modify(ModifyKind::Name(RenameMode::Any)) => true,
            EventKind::Modify(ModifyKind::Name(_)) => return false,
            EventKind::Modify(ModifyKind::Metadata(_)) => return false,
            EventKind::Modify(_) => false,
            EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
            EventKind::Remove(_) => {
                for path in &event.paths {
                    self.pending.remove(path);
                    self.written.remove(path);
                }
                return false;
            }
            _ => return false,
        };
        // A rename carries [from, to]: the destination is the last path.
        let Some(path) = event.paths.last().cloned() else {
            return false;
        };
        if let Some(from) = event.paths.first().filter(|_| event.paths.len() > 1) {
            self.pending.remove(from);
            self.written.remove(from);
        }
        let Some(root) = self.root_of(&path) else {
            return false;
        };
        if self.is_ignored(&path, &root) {
            return false;
        }
        let Ok(meta) = fs::symlink_metadata(&path) else {
            self.pending.remove(&path);
            return false;
        };
        if meta.is_dir() {
            self.enqueue_folder(&path, &root);
            return false;
        }
        if is_ignore_file(&path)
            && let Some(dir) = path.parent()
        {
            self.ignores.remove(dir);
        }
        let now = Instant::now();
        let entry = self.pending.entry(path).or_insert(Pending {
            root,
            last: now,
            closed,
            attempts: 0,
            not_before: now,
        });
        entry.last = now;
        entry.closed = closed;
        entry.attempts = 0;
        entry.not_before = now;
        false
    }

    /// When the next pending file may become ready.
    fn next_due(&self) -> Option<Instant> {
        self.pending
            .values()
            .map(|p| {
                let settled = if p.closed {
                    p.last
                } else {
                    p.last + self.opts.settle
                };
                settled.max(p.not_before)
            })
            .min()
    }

    /// Handles every settled file, in parallel.
    fn handle_ready(&mut self, pool: &rayon::ThreadPool, sink: &mut dyn FnMut(WatchEvent)) {
        let now = Instant::now();
        let settle = self.opts.settle;
        let ready: Vec<(PathBuf, Pending)> = self
            .pending
            .iter()
            .filter(|(_, p)| p.not_before <= now && (p.closed || now >= p.last + settle))
            .map(|(path, p)| (path.clone(), p.clone()))
            .collect();
        if ready.is_empty() {
            return;
        }
        for (path, _) in &ready {
            self.pending.remove(path);
        }
        let ctx = &self.ctx;
        let written = &self.written;
        let max_size = self.opts.batch.max_size;
        let results: Vec<(PathBuf, Pending, Processed)> = pool.install(|| {
            ready
                .into_par_iter()
                .filter_map(|(path, pending)| {
                    let meta = fs::symlink_metadata(&path).ok()?;
                    if meta.is_dir() {
                        return None;
                    }
                    if meta.is_file()
                        && let Some(hash) = written.get(&path)
                        && let Ok(bytes) = fsio::read_limited(&path, max_size)
                        && Sha256::digest(&bytes).as_slice() == hash
                    {
                        // Our own write coming back.
                        return None;
                    }
                    let processed = ctx.process_found(&path, &pending.root);
                    Some((path, pending, processed))
                })
                .collect()
        });
        for (path, mut pending, processed) in results {
            if processed.retryable && pending.attempts < self.opts.retries {
                let delay = self.opts.retry_delay * 2u32.saturating_pow(pending.attempts);
                pending.attempts += 1;
                pending.not_before = Instant::now() + delay;
                pending.closed = true;
                self.pending.insert(path, pending);
                continue;
            }
            if processed.result.error.is_some() && !path.exists() {
                // Deleted between the event and the read: nothing to report.
                continue;
            }
            self.report(processed, sink);
        }
    }

    /// Whether the walker would have left `path` out: hidden (except `.trash`), `.git`, our
    /// temporary files, the backup/quarantine folders, or matched by an ignore file.
    fn is_ignored(&mut self, path: &Path, root: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(root) else {
            return true;
        };
        let opts = &self.opts.batch;
        for part in relative.components() {
            let name = part.as_os_str().to_string_lossy();
            if name == ".git" || name.starts_with(fsio::TEMP_PREFIX) {
                return true;
            }
            if !opts.hidden && name.starts_with('.') && name != ".trash" {
                return true;
            }
        }
        if self.ctx.is_excluded(path) {
            return true;
        }
        if opts.no_ignore {
            return false;
        }
        // The deepest folder with a matching rule decides.
        let is_dir = path.is_dir();
        let mut dir = path.parent();
        while let Some(d) = dir {
            if !d.starts_with(root) {
                break;
            }
            for matcher in self.ignores_of(d) {
                let m = matcher.matched_path_or_any_parents(path, is_dir);
                if m.is_ignore() {
                    return true;
                }
                if m.is_whitelist() {
                    return false;
                }
            }
            dir = d.parent();
        }
        false
    }

    fn ignores_of(&mut self, dir: &Path) -> &[Gitignore] {
        self.ignores.entry(dir.to_path_buf()).or_insert_with(|| {
            [batch::IGNORE_FILE, ".ignore", ".gitignore"]
                .iter()
                .map(|name| dir.join(name))
                .filter(|p| p.is_file())
                .map(|p| Gitignore::new(p).0)
                .collect()
        })
    }
}

fn is_ignore_file(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n == batch::IGNORE_FILE || n == ".ignore" || n == ".gitignore")
}

fn describe_notify_error(e: &notify::Error) -> String {
    let paths: Vec<String> = e.paths.iter().map(|p| p.display().to_string()).collect();
    let at = if paths.is_empty() {
        String::new()
    } else {
        format!("{}: ", paths.join(", "))
    };
    match &e.kind {
        notify::ErrorKind::MaxFilesWatch => format!("{at}{WATCH_LIMIT_MESSAGE}"),
        notify::ErrorKind::Io(io) if io.raw_os_error() == Some(libc::EMFILE) => format!(
            "{at}{io}: too many inotify instances (sysctl fs.inotify.max_user_instances) or open files"
        ),
        _ => format!("{at}{e}"),
    }
}

fn notify_error(e: notify::Error) -> Error {
    Error::Io(io::Error::other(describe_notify_error(&e)))
}

/// The native or the polling debouncer (their types differ).
enum AnyDebouncer {
    Native(Debouncer<RecommendedWatcher, RecommendedCache>),
    Poll(Debouncer<PollWatcher, NoCache>),
}

impl AnyDebouncer {
    fn new(opts: &WatchOptions, tx: mpsc::Sender<DebounceEventResult>) -> Result<Self, Error> {
        let config = notify::Config::default().with_follow_symlinks(false);
        let debounce = opts.debounce.max(Duration::from_millis(4));
        Ok(match opts.poll {
            Some(interval) => AnyDebouncer::Poll(
                new_debouncer_opt(
                    debounce,
                    None,
                    tx,
                    NoCache,
                    config.with_poll_interval(interval),
                )
                .map_err(notify_error)?,
            ),
            None => AnyDebouncer::Native(
                new_debouncer_opt(debounce, None, tx, RecommendedCache::new(), config)
                    .map_err(notify_error)?,
            ),
        })
    }

    fn watch(&mut self, root: &Path) -> Result<(), Error> {
        match self {
            AnyDebouncer::Native(d) => d.watch(root, RecursiveMode::Recursive),
            AnyDebouncer::Poll(d) => d.watch(root, RecursiveMode::Recursive),
        }
        .map_err(notify_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_watch_limit_message_names_the_sysctl() {
        let e = notify::Error::new(notify::ErrorKind::MaxFilesWatch).add_path("/data/runs".into());
        let message = notify_error(e).to_string();
        assert!(message.starts_with("/data/runs: "), "{message}");
        assert!(message.contains("fs.inotify.max_user_watches"), "{message}");
        assert!(message.contains("--poll"), "{message}");
    }

    #[test]
    fn ignore_rules_match_the_walker() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir_all(root.join("a/b")).unwrap();
        fs::write(root.join(".gitignore"), "*.tmp.html\n").unwrap();
        fs::write(root.join("a/.nbsanitizeignore"), "b/\n!keep.tmp.html\n").unwrap();
        let opts = WatchOptions::new(batch::Options::new(batch::Mode::Check));
        let mut state = State {
            ctx: Context::new(opts.batch.clone()).unwrap(),
            opts: &opts,
            roots: vec![root.clone()],
            pending: HashMap::new(),
            written: HashMap::new(),
            ignores: HashMap::new(),
        };
        for (rel, ignored) in [
            ("x.html", false),
            ("x.tmp.html", true),
            ("a/keep.tmp.html", false),
            ("a/b/y.html", true),
            (".hidden/z.html", true),
            (".trash/1/r/artifacts/z.html", false),
            (".git/config", true),
            ("a/.nbsanitize-tmp-123", true),
        ] {
            assert_eq!(state.is_ignored(&root.join(rel), &root), ignored, "{rel}");
            let path = root.join(rel);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, "<p>x</p>").unwrap();
        }
        // The batch walker agrees on every file.
        for entry in batch::walker(&root, &state.ctx) {
            let entry = entry.unwrap();
            if entry.file_type().is_some_and(|t| t.is_file()) {
                assert!(
                    !state.is_ignored(entry.path(), &root),
                    "walked but ignored: {}",
                    entry.path().display()
                );
            }
        }
        let walked = batch::walker(&root, &state.ctx)
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .count();
        // x.html, a/keep.tmp.html and .trash/…/z.html (the ignore files are hidden).
        assert_eq!(walked, 3);
    }
}
