/*! Model files that run code when loaded: pickles, and containers of pickles.

A pickle cannot be made safe by editing it, so model files are only scanned and reported (and
`check --quarantine` moves them away); `sanitize` never rewrites one.

```
use nbsanitize::model::{scan_bytes, ModelPolicy};
// A protocol 2 pickle calling posix.system('id').
let evil = b"\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.";
let findings = scan_bytes(evil, &ModelPolicy::default()).unwrap();
assert_eq!(findings[0].rule.code, "NB701");
assert!(findings[0].message.contains("posix.system"));
// A plain dict is clean.
assert!(scan_bytes(b"\x80\x04}\x94.", &ModelPolicy::default()).unwrap().is_empty());
``` */

pub mod allowlist;
pub mod container;
pub mod pickle;

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

pub use allowlist::{ModelPolicy, ModelPolicyBuilder, Profile, Verdict};
pub use container::Format;

use crate::diagnostic::{Action, Finding, Location};
use crate::error::Error;
use crate::rules::{self, model as r};

/// Whether `bytes` are a model file (a pickle or a container of one), by content.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    container::detect(bytes)
}

/// Whether the file at `path` looks like a model file, reading only its first and last
/// 64 KiB. Used when walking folders, where most files are not models.
pub fn sniff_path(path: &Path) -> bool {
    const WINDOW: u64 = 64 * 1024;
    let Ok(mut file) = std::fs::File::open(path) else {
        return false;
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let mut head = Vec::new();
    if (&mut file).take(WINDOW).read_to_end(&mut head).is_err() || head.is_empty() {
        return false;
    }
    let truncated = len > head.len() as u64;
    if container::detect_prefix(&head, truncated).is_some() {
        return true;
    }
    // A zip archive with data before it: its directory is at the end.
    let mut tail = Vec::new();
    let from = len.saturating_sub(WINDOW + 22);
    if file.seek(SeekFrom::Start(from)).is_err() || file.read_to_end(&mut tail).is_err() {
        return false;
    }
    container::find_eocd(&tail).is_some()
}

/// Scans a model file: every pickle in it, in every archive member and wrapper, judged by
/// `policy`. Findings carry the archive member in [`Location::member`]; their action is
/// [`Action::Reported`]. Input that is not a recognisable model is reported as a malformed
/// pickle (`NB704`).
pub fn scan_bytes(bytes: &[u8], policy: &ModelPolicy) -> Result<Vec<Finding>, Error> {
    if bytes.is_empty() {
        return Err(Error::Empty);
    }
    let mut scanner = Scanner {
        policy,
        budget: policy.max_decompressed(),
        findings: Vec::new(),
    };
    scanner.scan(bytes, None, 0, true);
    Ok(scanner.findings)
}

struct Scanner<'p> {
    policy: &'p ModelPolicy,
    budget: u64,
    findings: Vec<Finding>,
}

fn join(parent: Option<&str>, name: &str) -> String {
    match parent {
        Some(p) => format!("{p}!{name}"),
        None => name.to_owned(),
    }
}

impl Scanner<'_> {
    fn report(&mut self, rule: &'static rules::Rule, member: Option<&str>, message: String) {
        let mut f = Finding::new(rule, Action::Reported, message);
        f.location = Location {
            member: member.map(str::to_owned),
            ..Location::default()
        };
        self.findings.push(f);
    }

    /// Scans one byte stream. `expected`: the caller knows this is meant to be a pickle (the
    /// top-level file, a `.pkl` member), so a broken one is reported.
    fn scan(&mut self, bytes: &[u8], member: Option<&str>, depth: usize, expected: bool) {
        if depth > self.policy.max_depth() {
            self.report(
                &r::SCAN_LIMIT,
                member,
                format!(
                    "containers nested deeper than {} levels were not scanned",
                    self.policy.max_depth()
                ),
            );
            return;
        }
        let format = container::detect_prefix(bytes, false);
        match format {
            Some(Format::Zip) => self.zip(bytes, member, depth),
            Some(f @ (Format::Gzip | Format::Bzip2 | Format::Xz | Format::Lzma | Format::Zlib)) => {
                match container::decompress(f, bytes, self.budget) {
                    Ok(inner) => {
                        self.budget -= inner.len() as u64;
                        self.scan(&inner, member, depth + 1, expected);
                    }
                    Err(true) => self.report(
                        &r::SCAN_LIMIT,
                        member,
                        format!(
                            "{} data decompresses to more than the {}-byte budget; not scanned",
                            f.as_str(),
                            self.policy.max_decompressed()
                        ),
                    ),
                    Err(false) => {
                        if expected {
                            self.report(
                                &r::MALFORMED_PICKLE,
                                member,
                                format!("{} data that does not decompress", f.as_str()),
                            );
                        }
                    }
                }
            }
            Some(Format::Npy) => match container::npy_object_payload(bytes) {
                Ok(Some(payload)) => self.pickle(payload, member, true),
                Ok(None) => {}
                Err(e) => self.report(&r::MALFORMED_PICKLE, member, format!("`.npy` file: {e}")),
            },
            Some(Format::Pickle) => {
                self.pickle(bytes, member, true);
                // A pickle that is also a zip archive (its directory at the end): loaders that
                // look for the directory see the archive.
                if container::find_eocd(bytes).is_some() {
                    self.zip(bytes, member, depth);
                }
            }
            None => {
                if container::find_eocd(bytes).is_some() {
                    self.zip(bytes, member, depth);
                } else if expected {
                    self.pickle(bytes, member, true);
                }
            }
        }
    }

    fn zip(&mut self, bytes: &[u8], member: Option<&str>, depth: usize) {
        let Some(archive) = container::read_zip(bytes) else {
            return;
        };
        for trick in &archive.tricks {
            self.report(&r::ARCHIVE_TRICK, member, format!("zip archive: {trick}"));
        }
        for m in &archive.members {
            let path = join(member, &m.name);
            for trick in &m.tricks {
                self.report(
                    &r::ARCHIVE_TRICK,
                    Some(&path),
                    format!("zip member: {trick}"),
                );
            }
            let raw = &bytes[m.data.clone()];
            let data: std::borrow::Cow<[u8]> = match m.method {
                0 => raw.into(),
                8 | 12 => {
                    let out = if m.method == 8 {
                        container::inflate_raw(raw, self.budget)
                    } else {
                        container::bunzip(raw, self.budget)
                    };
                    match out {
                        Ok(out) => {
                            self.budget -= out.len() as u64;
                            out.into()
                        }
                        Err(true) => {
                            self.report(
                                &r::SCAN_LIMIT,
                                Some(&path),
                                "zip member decompresses past the byte budget; not scanned".into(),
                            );
                            continue;
                        }
                        Err(false) => {
                            self.report(
                                &r::ARCHIVE_TRICK,
                                Some(&path),
                                format!(
                                    "zip member does not decompress (method {}); not scanned",
                                    m.method
                                ),
                            );
                            continue;
                        }
                    }
                }
                other => {
                    self.report(
                        &r::ARCHIVE_TRICK,
                        Some(&path),
                        format!("zip member uses compression method {other}; not scanned"),
                    );
                    continue;
                }
            };
            if m.flags & 1 == 0 && m.tricks.is_empty() && crc32fast::hash(&data) != m.crc {
                self.report(
                    &r::ARCHIVE_TRICK,
                    Some(&path),
                    "zip member CRC-32 does not match its data (strict readers refuse it)".into(),
                );
            }
            let named_pickle = [".pkl", ".pickle", ".joblib"]
                .iter()
                .any(|ext| m.name.to_ascii_lowercase().ends_with(ext));
            self.scan(&data, Some(&path), depth + 1, named_pickle);
        }
    }

    fn pickle(&mut self, bytes: &[u8], member: Option<&str>, expected: bool) {
        let (limits, ext) = (self.policy.limits(), self.policy.extensions());
        let scan = pickle::walk_with(bytes, limits, ext, true);
        let mut imports = scan.imports.clone();
        if scan.joblib_arrays > 0 {
            // Read as joblib does, raw array bytes were skipped; a plain `pickle.load` reads
            // them as opcodes. Imports only that view sees are reported too (when their names
            // are identifiers: array data that happens to parse yields garbage names, which
            // Python cannot import).
            let plain = pickle::walk_with(bytes, limits, ext, false);
            for imp in plain.imports {
                let known = imports
                    .iter()
                    .any(|i| i.module == imp.module && i.name == imp.name);
                if !known && is_dotted_identifier(&imp.module) && is_dotted_identifier(&imp.name) {
                    imports.push(imp);
                }
            }
        }
        for imp in &imports {
            let rule = match self.policy.judge(&imp.module, &imp.name) {
                Verdict::Allowed => continue,
                Verdict::Dangerous => &r::DANGEROUS_IMPORT,
                Verdict::Unknown => &r::UNKNOWN_IMPORT,
            };
            let called = if imp.called { ", called" } else { "" };
            let times = if imp.count > 1 {
                format!(", {} times", imp.count)
            } else {
                String::new()
            };
            self.report(
                rule,
                member,
                format!(
                    "pickle imports `{}` ({} at offset {}{called}{times})",
                    imp.qualified(),
                    imp.via.as_str(),
                    imp.offset
                ),
            );
        }
        for u in &scan.unresolved {
            self.report(
                &r::UNRESOLVED,
                member,
                format!("{} (offset {})", u.what, u.offset),
            );
        }
        match &scan.error {
            Some(err @ pickle::WalkError::Limit { .. }) => {
                self.report(&r::SCAN_LIMIT, member, err.to_string());
            }
            Some(err @ pickle::WalkError::Malformed { .. }) if expected || scan.is_pickle() => {
                self.report(&r::MALFORMED_PICKLE, member, err.to_string());
            }
            Some(pickle::WalkError::Malformed { .. }) | None => {}
        }
    }
}

/// `a.b_c.D`: what Python can import and look up.
fn is_dotted_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
                && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(bytes: &[u8]) -> Vec<(&'static str, String)> {
        scan_bytes(bytes, &ModelPolicy::default())
            .unwrap()
            .into_iter()
            .map(|f| (f.rule.code, f.message))
            .collect()
    }

    #[test]
    fn gzip_wrapped_pickle() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"\x80\x04\x8c\x08builtins\x8c\x04exec\x93.")
            .unwrap();
        let out = codes(&gz.finish().unwrap());
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].0, "NB701");
        assert!(out[0].1.contains("builtins.exec"), "{out:?}");
    }

    #[test]
    fn unknown_import_is_a_warning() {
        let out = codes(b"\x80\x02cmypkg\nModel\n)\x81.");
        assert_eq!(out[0].0, "NB702");
        assert!(out[0].1.contains("mypkg.Model"));
    }

    #[test]
    fn torch_like_is_clean() {
        let p = b"\x80\x02ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n(X\x07\x00\x00\x00storageQK\x00K\x02\x85K\x01\x85\x89ccollections\nOrderedDict\n)RtRu.";
        assert_eq!(codes(p), vec![]);
    }

    #[test]
    fn text_is_reported_as_malformed_when_forced() {
        let out = codes(b"hello\n");
        assert_eq!(out[0].0, "NB704");
    }
}
