/*! Model containers, detected by content (never by file name), and walked down to their pickles.

- raw pickles (protocol 2+ start with `PROTO`; protocol 0/1 are recognised by parsing), with
  every pickle of a stream read (legacy PyTorch files are several pickles, then tensor data);
- zip archives (PyTorch `.pt`/`.pth`/`.bin`, `.keras`, `.npz`, joblib dumps zipped by hand),
  read from the central directory the way loaders do, tolerant of wrong CRCs, the encryption
  flag and other flag bits, and of data before the archive; local headers that the central
  directory does not list are scanned too. Every member is checked by content;
- gzip, bzip2, xz, raw LZMA (`.lzma`) and zlib (joblib's `compress=`) wrappers, decompressed
  within a byte budget;
- `.npy` files whose dtype holds Python objects (`'descr': '|O'`): a pickle follows the header.

Tensor payloads (zip members that are not pickles, `.npy` data of plain dtypes, bytes after a
stream's last pickle) are never parsed as anything. The zip reader is written here rather than
taken from the `zip` crate because that crate refuses exactly the archives an attacker crafts
(wrong CRC, encryption flag, mismatched local headers) that PyTorch's own reader accepts. */

use std::collections::HashSet;
use std::io::Read;

/// A recognised container or stream format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// One or more pickles.
    Pickle,
    /// A zip archive (also with data before it).
    Zip,
    /// gzip (`1f 8b`).
    Gzip,
    /// bzip2 (`BZh`).
    Bzip2,
    /// xz (`fd 37 7a 58 5a 00`).
    Xz,
    /// Raw LZMA ("alone" format, `.lzma`).
    Lzma,
    /// zlib (joblib's `compress=('zlib', n)`).
    Zlib,
    /// A NumPy `.npy` array.
    Npy,
}

impl Format {
    /// A short lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Pickle => "pickle",
            Format::Zip => "zip",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Lzma => "lzma",
            Format::Zlib => "zlib",
            Format::Npy => "npy",
        }
    }
}

/// Detects the format of `bytes` by content. `None` when nothing here is a model container.
pub fn detect(bytes: &[u8]) -> Option<Format> {
    detect_prefix(bytes, false).or_else(|| find_eocd(bytes).map(|_| Format::Zip))
}

/// Detects the format from the first bytes of a file only (`truncated`: the file is longer).
pub fn detect_prefix(bytes: &[u8], truncated: bool) -> Option<Format> {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Some(Format::Zip);
    }
    if bytes.starts_with(&[0x1f, 0x8b]) {
        return Some(Format::Gzip);
    }
    if bytes.len() >= 4 && bytes.starts_with(b"BZh") && (b'1'..=b'9').contains(&bytes[3]) {
        return Some(Format::Bzip2);
    }
    if bytes.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return Some(Format::Xz);
    }
    if bytes.starts_with(b"\x93NUMPY") {
        return Some(Format::Npy);
    }
    if bytes.len() >= 13 && bytes[0] == 0x5d && bytes[1] == 0 && bytes[2] == 0 {
        return Some(Format::Lzma);
    }
    if bytes.len() >= 2
        && bytes[0] == 0x78
        && matches!(bytes[1], 0x01 | 0x5e | 0x9c | 0xda)
        && inflate_probe(bytes)
    {
        return Some(Format::Zlib);
    }
    if super::pickle::sniff(bytes, truncated) {
        return Some(Format::Pickle);
    }
    None
}

/// Whether the start of `bytes` inflates as zlib (`x^` and `x\x9c` also start text files).
fn inflate_probe(bytes: &[u8]) -> bool {
    let mut out = [0u8; 64];
    let mut d = flate2::read::ZlibDecoder::new(&bytes[..bytes.len().min(4096)]);
    d.read(&mut out).is_ok_and(|n| n > 0)
}

/// Decompresses a wrapper, reading at most `budget + 1` bytes. `Err(true)` when the budget
/// was exceeded, `Err(false)` when the data is not valid for the format.
pub(crate) fn decompress(format: Format, bytes: &[u8], budget: u64) -> Result<Vec<u8>, bool> {
    let reader: Box<dyn Read + '_> = match format {
        Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(bytes)),
        Format::Zlib => Box::new(flate2::read::ZlibDecoder::new(bytes)),
        Format::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(bytes)),
        Format::Xz => Box::new(xz2::read::XzDecoder::new_multi_decoder(bytes)),
        Format::Lzma => {
            let stream = xz2::stream::Stream::new_lzma_decoder(u64::MAX).map_err(|_| false)?;
            Box::new(xz2::read::XzDecoder::new_stream(bytes, stream))
        }
        _ => return Err(false),
    };
    read_bounded(reader, budget)
}

/// Inflates a raw deflate stream (zip method 8) within `budget`.
pub(crate) fn inflate_raw(bytes: &[u8], budget: u64) -> Result<Vec<u8>, bool> {
    read_bounded(flate2::read::DeflateDecoder::new(bytes), budget)
}

/// Decompresses a bzip2 stream (zip method 12) within `budget`.
pub(crate) fn bunzip(bytes: &[u8], budget: u64) -> Result<Vec<u8>, bool> {
    read_bounded(bzip2::read::BzDecoder::new(bytes), budget)
}

fn read_bounded(reader: impl Read, budget: u64) -> Result<Vec<u8>, bool> {
    let mut out = Vec::new();
    let mut limited = reader.take(budget.saturating_add(1));
    match limited.read_to_end(&mut out) {
        Ok(_) if out.len() as u64 > budget => Err(true),
        Ok(_) => Ok(out),
        // Keep what was decompressed before a corrupt tail: a loader reading sequentially
        // would have unpickled it too.
        Err(_) if !out.is_empty() => Ok(out),
        Err(_) => Err(false),
    }
}

/// The part of a `.npy` file after its header, when its dtype holds Python objects.
/// `Ok(None)`: a plain array (its data is never parsed). `Err`: the header is broken.
pub fn npy_object_payload(bytes: &[u8]) -> Result<Option<&[u8]>, String> {
    let major = *bytes.get(6).ok_or("truncated .npy header")?;
    let (len, start): (usize, usize) = match major {
        1 => {
            let b = bytes.get(8..10).ok_or("truncated .npy header")?;
            (u16::from_le_bytes([b[0], b[1]]) as usize, 10)
        }
        2 | 3 => {
            let b = bytes.get(8..12).ok_or("truncated .npy header")?;
            (u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize, 12)
        }
        v => return Err(format!("unknown .npy version {v}")),
    };
    let header = bytes
        .get(start..start.saturating_add(len))
        .ok_or("truncated .npy header")?;
    let header = String::from_utf8_lossy(header);
    let descr = header
        .find("'descr'")
        .or_else(|| header.find("\"descr\""))
        .ok_or("no 'descr' in the .npy header")?;
    // The dtype's text, up to `'fortran_order'` or `'shape'` (either order is valid).
    let rest = &header[descr + 7..];
    let end = [
        "'fortran_order'",
        "'shape'",
        "\"fortran_order\"",
        "\"shape\"",
    ]
    .iter()
    .filter_map(|k| rest.find(k))
    .min()
    .unwrap_or(rest.len());
    let dtype = &rest[..end];
    let object = dtype.contains("'O'")
        || dtype.contains("|O")
        || dtype.contains("\"O\"")
        || dtype.contains("'O8'")
        || dtype.contains("<O")
        || dtype.contains(">O");
    Ok(object.then(|| &bytes[start + len..]))
}

/// Where the end-of-central-directory record is, searching the last 64 KiB like loaders do.
pub(crate) fn find_eocd(bytes: &[u8]) -> Option<usize> {
    // The record is 22 bytes plus a comment of up to 65,535, so it starts in the last 64 KiB.
    // Text has no 0x05 bytes: searching for the signature's third byte rules it out at memchr
    // speed.
    let last = bytes.len().checked_sub(22)?;
    let lowest = last.saturating_sub(65535);
    memchr::memrchr_iter(0x05, &bytes[lowest + 2..=last + 2])
        .map(|i| lowest + i)
        .find(|&i| {
            bytes[i..i + 4] == *b"PK\x05\x06"
                && u16le(bytes, i + 20).is_some_and(|c| i + 22 + c as usize <= bytes.len())
        })
}

fn u16le(b: &[u8], at: usize) -> Option<u16> {
    let s = b.get(at..at.checked_add(2)?)?;
    Some(u16::from_le_bytes([s[0], s[1]]))
}

fn u32le(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64le(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

/// One member of a zip archive, as a loader would read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The name (from the central directory; from the local header for unlisted entries).
    pub name: String,
    /// Compression method (0 stored, 8 deflate, 12 bzip2, …).
    pub method: u16,
    /// General-purpose flags.
    pub flags: u16,
    /// CRC-32 recorded in the central directory.
    pub crc: u32,
    /// Uncompressed size recorded in the central directory.
    pub size: u64,
    /// Where the member's data starts and how long it is, in the archive's bytes.
    pub data: std::ops::Range<usize>,
    /// Things a strict reader refuses or that differ between readers.
    pub tricks: Vec<String>,
}

/// A zip archive's members, and problems with the archive as a whole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Archive {
    /// Members in central-directory order, then entries found only by their local header.
    pub members: Vec<Member>,
    /// Archive-level oddities (no central directory, data before the archive, …).
    pub tricks: Vec<String>,
}

/// Reads a zip archive's directory leniently. `None` when this is not a zip archive at all.
pub fn read_zip(bytes: &[u8]) -> Option<Archive> {
    let mut archive = Archive::default();
    let mut listed: HashSet<usize> = HashSet::new();
    let mut covered: Vec<std::ops::Range<usize>> = Vec::new();
    if let Some(eocd) = find_eocd(bytes) {
        read_central(bytes, eocd, &mut archive, &mut listed, &mut covered);
    }
    if archive.members.is_empty() && !bytes.starts_with(b"PK\x03\x04") {
        return (find_eocd(bytes).is_some() && bytes.starts_with(b"PK\x05\x06")).then_some(archive);
    }
    // Local headers the central directory does not list: a streaming reader sees them. Only
    // the gaps between listed members are searched (tensor data is never looked into).
    let had_central = !archive.members.is_empty();
    covered.sort_by_key(|r| r.start);
    let (mut at, mut ci) = (0usize, 0usize);
    while at < bytes.len() {
        while ci < covered.len() && covered[ci].end <= at {
            ci += 1;
        }
        if ci < covered.len() && covered[ci].start <= at {
            at = covered[ci].end.max(at + 1);
            continue;
        }
        let gap_end = covered.get(ci).map_or(bytes.len(), |r| r.start);
        let window = &bytes[at..(gap_end + 3).min(bytes.len())];
        let Some(found) = memchr::memmem::find(window, b"PK\x03\x04") else {
            at = gap_end;
            continue;
        };
        let p = at + found;
        at = p + 4;
        if listed.contains(&p) {
            continue;
        }
        let Some(mut member) = local_entry(bytes, p) else {
            continue;
        };
        if had_central {
            member
                .tricks
                .push("local header not listed in the central directory".into());
        }
        at = member.data.end.max(at);
        archive.members.push(member);
    }
    if !had_central && !archive.members.is_empty() {
        archive
            .tricks
            .push("no central directory: members found by their local headers".into());
    }
    Some(archive)
}

fn read_central(
    bytes: &[u8],
    eocd: usize,
    archive: &mut Archive,
    listed: &mut HashSet<usize>,
    covered: &mut Vec<std::ops::Range<usize>>,
) {
    let (Some(mut count), Some(mut cd_size), Some(mut cd_offset)) = (
        u16le(bytes, eocd + 10).map(u64::from),
        u32le(bytes, eocd + 12).map(u64::from),
        u32le(bytes, eocd + 16).map(u64::from),
    ) else {
        return;
    };
    let mut records_end = eocd as u64;
    // ZIP64 end of central directory, through its locator just before the EOCD.
    if eocd >= 20 && bytes.get(eocd - 20..eocd - 16) == Some(b"PK\x06\x07") {
        if let Some(z) = u64le(bytes, eocd - 12).and_then(|z| usize::try_from(z).ok()) {
            if bytes.get(z..z + 4) == Some(b"PK\x06\x06") {
                if let (Some(n), Some(s), Some(o)) = (
                    u64le(bytes, z + 32),
                    u64le(bytes, z + 40),
                    u64le(bytes, z + 48),
                ) {
                    count = n;
                    cd_size = s;
                    cd_offset = o;
                    records_end = (eocd - 20) as u64 - 56;
                }
            }
        }
    }
    // Data prepended to the archive shifts every offset (Python's zipfile handles it).
    let concat = records_end
        .saturating_sub(cd_size)
        .saturating_sub(cd_offset);
    let shift = if concat > 0
        && bytes
            .get(to_usize(cd_offset + concat)..)
            .is_some_and(|s| s.starts_with(b"PK\x01\x02"))
    {
        archive
            .tricks
            .push(format!("{concat} bytes of data before the archive"));
        concat
    } else {
        0
    };
    let mut p = to_usize(cd_offset + shift);
    let mut names: HashSet<String> = HashSet::new();
    let max_entries = (bytes.len() / 46) as u64;
    for _ in 0..count.min(max_entries) {
        if bytes.get(p..p + 4) != Some(b"PK\x01\x02") {
            archive
                .tricks
                .push("central directory shorter than its entry count".into());
            break;
        }
        let (
            Some(flags),
            Some(method),
            Some(crc),
            Some(csize),
            Some(usize_),
            Some(nlen),
            Some(xlen),
            Some(clen),
            Some(lho),
        ) = (
            u16le(bytes, p + 8),
            u16le(bytes, p + 10),
            u32le(bytes, p + 16),
            u32le(bytes, p + 20),
            u32le(bytes, p + 24),
            u16le(bytes, p + 28),
            u16le(bytes, p + 30),
            u16le(bytes, p + 32),
            u32le(bytes, p + 42),
        )
        else {
            break;
        };
        let name_at = p + 46;
        let (nlen, xlen, clen) = (nlen as usize, xlen as usize, clen as usize);
        let Some(name) = bytes.get(name_at..name_at + nlen) else {
            break;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        let extra = bytes
            .get(name_at + nlen..name_at + nlen + xlen)
            .unwrap_or(&[]);
        let (mut csize, mut usize_, mut lho) =
            (u64::from(csize), u64::from(usize_), u64::from(lho));
        zip64_extra(extra, &mut usize_, &mut csize, &mut lho);
        p = name_at + nlen + xlen + clen;

        let mut tricks = Vec::new();
        if !names.insert(name.clone()) {
            tricks.push("duplicate member name".into());
        }
        if flags & 1 != 0 {
            tricks.push("encryption flag set (data read as plain)".into());
        }
        let local = to_usize(lho + shift);
        listed.insert(local);
        let Some(loc) = local_header(bytes, local) else {
            tricks.push("local header missing or truncated".into());
            archive.members.push(Member {
                name,
                method,
                flags,
                crc,
                size: usize_,
                data: 0..0,
                tricks,
            });
            continue;
        };
        if loc.name != name.as_bytes() {
            tricks.push(format!(
                "local header names it {:?}",
                String::from_utf8_lossy(&loc.name)
            ));
        }
        if loc.method != method {
            tricks.push(format!(
                "local header says method {}, central directory {method}",
                loc.method
            ));
        }
        if loc.flags != flags {
            tricks.push(format!(
                "local header flags 0x{:04x} differ from central 0x{flags:04x}",
                loc.flags
            ));
        }
        let start = loc.data_start;
        let end = start.saturating_add(to_usize(csize)).min(bytes.len());
        if start.saturating_add(to_usize(csize)) > bytes.len() {
            tricks.push("member data runs past the end of the file".into());
        }
        covered.push(local..end.max(local));
        archive.members.push(Member {
            name,
            method,
            flags,
            crc,
            size: usize_,
            data: start.min(end)..end,
            tricks,
        });
    }
}

fn to_usize(v: u64) -> usize {
    usize::try_from(v).unwrap_or(usize::MAX)
}

fn zip64_extra(mut extra: &[u8], usize_: &mut u64, csize: &mut u64, lho: &mut u64) {
    while extra.len() >= 4 {
        let id = u16::from_le_bytes([extra[0], extra[1]]);
        let len = u16::from_le_bytes([extra[2], extra[3]]) as usize;
        let Some(body) = extra.get(4..4 + len) else {
            return;
        };
        if id == 1 {
            let mut i = 0;
            for field in [usize_, csize, lho] {
                if *field == 0xffff_ffff {
                    if let Some(v) = u64le(body, i) {
                        *field = v;
                    }
                    i += 8;
                }
            }
            return;
        }
        extra = &extra[4 + len..];
    }
}

struct Local {
    name: Vec<u8>,
    method: u16,
    flags: u16,
    csize: u64,
    data_start: usize,
}

fn local_header(bytes: &[u8], at: usize) -> Option<Local> {
    if bytes.get(at..at.checked_add(4)?)? != b"PK\x03\x04" {
        return None;
    }
    let flags = u16le(bytes, at + 6)?;
    let method = u16le(bytes, at + 8)?;
    let csize = u32le(bytes, at + 18)?;
    let nlen = u16le(bytes, at + 26)? as usize;
    let xlen = u16le(bytes, at + 28)? as usize;
    let name = bytes.get(at + 30..at + 30 + nlen)?.to_vec();
    let data_start = at + 30 + nlen + xlen;
    (data_start <= bytes.len()).then_some(Local {
        name,
        method,
        flags,
        csize: u64::from(csize),
        data_start,
    })
}

/// A member found only through its local header (no central directory entry).
fn local_entry(bytes: &[u8], at: usize) -> Option<Member> {
    let loc = local_header(bytes, at)?;
    let crc = u32le(bytes, at + 14)?;
    let usize_ = u32le(bytes, at + 22)?;
    let mut tricks = Vec::new();
    if loc.flags & 1 != 0 {
        tricks.push("encryption flag set (data read as plain)".into());
    }
    let end = if loc.flags & 8 != 0 && loc.csize == 0 {
        // Sizes in a data descriptor after the data: for deflate the stream ends itself;
        // otherwise look for the descriptor signature.
        match memchr::memmem::find(&bytes[loc.data_start..], b"PK\x07\x08") {
            Some(i) => loc.data_start + i,
            None => bytes.len(),
        }
    } else {
        loc.data_start
            .saturating_add(to_usize(loc.csize))
            .min(bytes.len())
    };
    Some(Member {
        name: String::from_utf8_lossy(&loc.name).into_owned(),
        method: loc.method,
        flags: loc.flags,
        crc,
        size: u64::from(usize_),
        data: loc.data_start..end,
        tricks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn end_of_directory_is_found_within_its_reach_only() {
        let record = |comment: &[u8]| {
            let mut r = b"PK\x05\x06".to_vec();
            r.extend_from_slice(&[0; 16]);
            r.extend_from_slice(&(comment.len() as u16).to_le_bytes());
            r.extend_from_slice(comment);
            r
        };
        let bare = record(b"");
        assert_eq!(find_eocd(&bare), Some(0));
        assert_eq!(find_eocd(&bare[..21]), None);
        // Data before it (a self-extracting archive) and a comment after it.
        let mut prefixed = b"#!/bin/sh\n".to_vec();
        prefixed.extend(record(b"a comment"));
        assert_eq!(find_eocd(&prefixed), Some(10));
        // A comment length running past the end is not a record; an earlier one is.
        let mut two = record(b"");
        two.extend_from_slice(b"PK\x05\x06");
        two.extend_from_slice(&[0; 16]);
        two.extend_from_slice(&100u16.to_le_bytes());
        assert_eq!(find_eocd(&two), Some(0));
        // The record starts at most 22 + 65,535 bytes from the end.
        let mut far = record(b"");
        far.extend(vec![b' '; 65_535]);
        assert_eq!(find_eocd(&far), Some(0));
        far.push(b' ');
        assert_eq!(find_eocd(&far), None);
        let mut reach = record(&[b' '; 65_535]);
        reach.splice(0..0, *b"text");
        assert_eq!(find_eocd(&reach), Some(4));
        assert_eq!(find_eocd(b"PK PK\x05 {\"cells\": []} and more text"), None);
    }

    /// A one-member stored zip built by hand.
    fn stored_zip(name: &str, data: &[u8], crc: u32, flags: u16) -> Vec<u8> {
        let mut z = Vec::new();
        z.extend_from_slice(b"PK\x03\x04\x14\x00");
        z.extend_from_slice(&flags.to_le_bytes());
        z.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&crc.to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0, 0]);
        z.extend_from_slice(name.as_bytes());
        z.extend_from_slice(data);
        let cd = z.len();
        z.extend_from_slice(b"PK\x01\x02\x14\x00\x14\x00");
        z.extend_from_slice(&flags.to_le_bytes());
        z.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        z.extend_from_slice(&crc.to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&(data.len() as u32).to_le_bytes());
        z.extend_from_slice(&(name.len() as u16).to_le_bytes());
        z.extend_from_slice(&[0; 12]);
        z.extend_from_slice(&0u32.to_le_bytes());
        z.extend_from_slice(name.as_bytes());
        let cd_size = z.len() - cd;
        z.extend_from_slice(b"PK\x05\x06\0\0\0\0\x01\x00\x01\x00");
        z.extend_from_slice(&(cd_size as u32).to_le_bytes());
        z.extend_from_slice(&(cd as u32).to_le_bytes());
        z.extend_from_slice(&[0, 0]);
        z
    }

    #[test]
    fn reads_members_despite_tricks() {
        let z = stored_zip("a/data.pkl", b"\x80\x02N.", 0xdead_beef, 1);
        let a = read_zip(&z).unwrap();
        assert_eq!(a.members.len(), 1);
        let m = &a.members[0];
        assert_eq!(m.name, "a/data.pkl");
        assert_eq!(&z[m.data.clone()], b"\x80\x02N.");
        assert!(m.tricks[0].contains("encryption"));
        assert_eq!(detect(&z), Some(Format::Zip));
    }

    #[test]
    fn polyglot_pickle_and_zip_and_nested_zip() {
        use crate::model::{ModelPolicy, scan_bytes};
        let evil = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00id\x85R.";
        // A benign pickle with a zip appended: pickle.load sees the first, zip readers the
        // second.
        let mut poly = b"\x80\x02}q\x00.".to_vec();
        poly.extend(stored_zip("a/data.pkl", evil, crc32fast::hash(evil), 0));
        let f = scan_bytes(&poly, &ModelPolicy::default()).unwrap();
        assert!(
            f.iter()
                .any(|f| f.rule.code == "NB701"
                    && f.location.member.as_deref() == Some("a/data.pkl")),
            "{f:?}"
        );
        // A zip inside a zip: the member path names both.
        let inner = stored_zip("data.pkl", evil, crc32fast::hash(evil), 0);
        let outer = stored_zip("inner.zip", &inner, crc32fast::hash(&inner), 0);
        let f = scan_bytes(&outer, &ModelPolicy::default()).unwrap();
        assert!(
            f.iter().any(|f| f.rule.code == "NB701"
                && f.location.member.as_deref() == Some("inner.zip!data.pkl")),
            "{f:?}"
        );
    }

    #[test]
    fn prepended_data_is_found() {
        let mut z = b"junk".to_vec();
        z.extend(stored_zip("m", b"N.", 0, 0));
        let a = read_zip(&z).unwrap();
        assert_eq!(&z[a.members[0].data.clone()], b"N.");
        assert!(a.tricks[0].contains("before the archive"));
    }

    fn npy(descr: &str) -> Vec<u8> {
        let mut npy = b"\x93NUMPY\x01\x00".to_vec();
        let header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (1,), }}\n");
        npy.extend_from_slice(&(header.len() as u16).to_le_bytes());
        npy.extend_from_slice(header.as_bytes());
        npy.extend_from_slice(b"\x80\x02N.");
        npy
    }

    #[test]
    fn npy_object_dtype() {
        let obj = npy("|O");
        assert_eq!(detect(&obj), Some(Format::Npy));
        assert_eq!(npy_object_payload(&obj).unwrap(), Some(&b"\x80\x02N."[..]));
        assert_eq!(npy_object_payload(&npy("<f8")).unwrap(), None);
    }

    #[test]
    fn wrappers_are_bounded() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&vec![b'N'; 100_000]).unwrap();
        let gz = gz.finish().unwrap();
        assert_eq!(detect(&gz), Some(Format::Gzip));
        assert_eq!(decompress(Format::Gzip, &gz, 1000), Err(true));
        assert_eq!(
            decompress(Format::Gzip, &gz, 100_000).unwrap().len(),
            100_000
        );
    }
}
