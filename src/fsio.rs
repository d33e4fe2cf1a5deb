/*! File I/O that never loses data: size-checked reads and atomic, mode-keeping writes. */

use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use crate::error::Error;

/// The default `--max-size`: 256 MiB.
pub const DEFAULT_MAX_SIZE: u64 = 256 * 1024 * 1024;

/// Reads a regular file, refusing it before loading when it is larger than `max_size`.
pub fn read_limited(path: &Path, max_size: u64) -> Result<Vec<u8>, Error> {
    let file = fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(Error::Io(std::io::Error::other("not a regular file")));
    }
    if meta.len() > max_size {
        return Err(Error::TooLarge {
            size: meta.len(),
            limit: max_size,
        });
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // `take` guards against a file that grows while it is read.
    file.take(max_size + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_size {
        return Err(Error::TooLarge {
            size: bytes.len() as u64,
            limit: max_size,
        });
    }
    Ok(bytes)
}

/// Reads all of a reader, refusing more than `max_size` bytes.
pub fn read_all_limited(reader: impl Read, max_size: u64) -> Result<Vec<u8>, Error> {
    let mut bytes = Vec::new();
    reader.take(max_size + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max_size {
        return Err(Error::TooLarge {
            size: bytes.len() as u64,
            limit: max_size,
        });
    }
    Ok(bytes)
}

/// Prefix of the temporary files [`write_atomic`] creates (watchers ignore them).
pub const TEMP_PREFIX: &str = ".nbsanitize-tmp-";

/// Replaces `path` with `bytes` atomically: a temporary file in the same folder, synced, given
/// the original's permissions, then renamed over it. Symlinks are written through to their
/// target, so the link stays a link.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let target = fs::canonicalize(path)?;
    let dir = target
        .parent()
        .ok_or_else(|| Error::Io(std::io::Error::other("no parent folder")))?;
    let permissions = fs::metadata(&target)?.permissions();
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    fs::set_permissions(tmp.path(), permissions)?;
    tmp.persist(&target).map_err(|e| Error::Io(e.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn atomic_write_keeps_mode_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.ipynb");
        fs::write(&path, b"old").unwrap();
        #[cfg(unix)]
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        #[cfg(unix)]
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn refuses_large_files_before_reading() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("big");
        fs::write(&path, vec![b'x'; 100]).unwrap();
        assert!(matches!(
            read_limited(&path, 99),
            Err(Error::TooLarge {
                size: 100,
                limit: 99
            })
        ));
        assert_eq!(read_limited(&path, 100).unwrap().len(), 100);
    }
}
