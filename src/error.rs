/*! The library's one error type.

Findings are not errors: a notebook full of scripts is a successful run with findings. An
[`Error`] means the input could not be processed at all, and the caller must leave the file
on disk exactly as it was. */

use std::fmt;

/// What went wrong, without the file name (the caller knows which file it passed in).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not valid JSON (broken, truncated, too deeply nested).
    #[error("invalid JSON: {0}")]
    InvalidJson(String),
    /// Valid JSON, but not a notebook, or a notebook with a field of the wrong type.
    #[error("invalid notebook: {0}")]
    InvalidSchema(String),
    /// A notebook whose `nbformat` this tool does not read (only 3 and 4 are supported).
    #[error("unsupported nbformat {0} (nbsanitize reads nbformat 3 and 4)")]
    UnsupportedNbformat(i64),
    /// Binary data, or text that is not UTF-8.
    #[error("not a text file: {0}")]
    NotText(String),
    /// The input is larger than the configured limit.
    #[error("file is {size} bytes, over the --max-size limit of {limit} bytes")]
    TooLarge {
        /// Size of the input in bytes.
        size: u64,
        /// The limit in bytes.
        limit: u64,
    },
    /// The input is empty.
    #[error("empty file")]
    Empty,
    /// An I/O error while reading or writing.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A document too large to rebuild in memory left the streaming fast path's safe subset
    /// (`sanitize::stream`); the partial output must be discarded.
    #[error("too large to rebuild in memory and outside the streaming fast path: {0}")]
    OutsideFastPath(String),
    /// The configuration is invalid (unknown key, wrong type).
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    pub(crate) fn schema(pointer: &str, what: impl fmt::Display) -> Self {
        let at = if pointer.is_empty() { "/" } else { pointer };
        Error::InvalidSchema(format!("{what} at {at}"))
    }
}

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
