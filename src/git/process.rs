/*! git's long-running filter protocol (`filter.<driver>.process`, version 2).

One process serves every file of a `git add`, `git status` or `git checkout`: git starts it
once, and sends each file as pkt-lines (see gitprotocol-common(5) and gitattributes(5),
"Long Running Filter Process"). [`serve`] speaks the server side over any `Read`/`Write`:

1. handshake: `git-filter-client`, `version=2`, flush → `git-filter-server`, `version=2`, flush;
2. capabilities: git lists its own, flush → we answer `capability=clean`,
   `capability=smudge`, flush (only those git offered);
3. per file: `command=clean|smudge`, `pathname=…`, other keys, flush, then the content and a
   flush. We answer `status=success`, flush, the new content, flush, flush (keep status);
   or `status=error`, flush when the file cannot be cleaned — git then reports the error for
   that file (and refuses it when `filter.<driver>.required` is true) and we keep serving.

```
use nbsanitize::git::process::{serve, pkt_line, FLUSH};
let mut input = Vec::new();
for line in ["git-filter-client\n", "version=2\n"] { input.extend(pkt_line(line.as_bytes())); }
input.extend(FLUSH);
for line in ["capability=clean\n", "capability=smudge\n"] { input.extend(pkt_line(line.as_bytes())); }
input.extend(FLUSH);
for line in ["command=clean\n", "pathname=a.txt\n"] { input.extend(pkt_line(line.as_bytes())); }
input.extend(FLUSH);
input.extend(pkt_line(b"hello"));
input.extend(FLUSH);
let mut output = Vec::new();
let served = serve(&input[..], &mut output, |_cmd, _path, bytes| Ok(bytes.to_ascii_uppercase())).unwrap();
assert_eq!(served, 1);
assert!(output.ends_with(b"0013status=success\n00000009HELLO00000000"));
``` */

use std::io::{self, BufReader, BufWriter, Read, Write};

/// The flush packet.
pub const FLUSH: &[u8] = b"0000";
/// The largest payload of one pkt-line (65520 - 4).
pub const MAX_PAYLOAD: usize = 65516;

/// Which direction a file is filtered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Work tree → index (`git add`).
    Clean,
    /// Index → work tree (`git checkout`).
    Smudge,
}

/// One pkt-line carrying `payload` (at most [`MAX_PAYLOAD`] bytes).
pub fn pkt_line(payload: &[u8]) -> Vec<u8> {
    debug_assert!(payload.len() <= MAX_PAYLOAD);
    let mut out = format!("{:04x}", payload.len() + 4).into_bytes();
    out.extend_from_slice(payload);
    out
}

fn protocol_error(what: impl Into<String>) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.into())
}

/// Reads one packet: `Ok(None)` for a flush, `Err(UnexpectedEof)` at the end of input.
fn read_packet(r: &mut impl Read, buf: &mut Vec<u8>) -> io::Result<Option<()>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let text = std::str::from_utf8(&len).map_err(|_| protocol_error("bad pkt-line length"))?;
    let n = usize::from_str_radix(text, 16).map_err(|_| protocol_error("bad pkt-line length"))?;
    match n {
        0 => Ok(None),
        1..=3 => Err(protocol_error(format!("unexpected special packet {text}"))),
        _ => {
            buf.clear();
            buf.resize(n - 4, 0);
            r.read_exact(buf)?;
            Ok(Some(()))
        }
    }
}

/// Reads text packets up to a flush, each without its trailing newline.
fn read_lines(r: &mut impl Read) -> io::Result<Vec<String>> {
    let mut lines = Vec::new();
    let mut buf = Vec::new();
    while read_packet(r, &mut buf)?.is_some() {
        let mut line = String::from_utf8(buf.clone())
            .map_err(|_| protocol_error("a header line is not UTF-8"))?;
        if line.ends_with('\n') {
            line.pop();
        }
        lines.push(line);
    }
    Ok(lines)
}

/// Reads content packets up to a flush.
fn read_content(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut content = Vec::new();
    let mut buf = Vec::new();
    while read_packet(r, &mut buf)?.is_some() {
        content.extend_from_slice(&buf);
    }
    Ok(content)
}

fn write_lines(w: &mut impl Write, lines: &[&str]) -> io::Result<()> {
    for line in lines {
        w.write_all(&pkt_line(format!("{line}\n").as_bytes()))?;
    }
    w.write_all(FLUSH)
}

fn write_content(w: &mut impl Write, content: &[u8]) -> io::Result<()> {
    for chunk in content.chunks(MAX_PAYLOAD) {
        w.write_all(&pkt_line(chunk))?;
    }
    w.write_all(FLUSH)
}

/// Serves git until it closes the pipe. `filter(command, pathname, content)` returns the new
/// content, or an error message for that file (git is told `status=error` and the process
/// goes on). Smudge is offered only so `git checkout` does not fall back to the `smudge`
/// command; the caller decides what it does. Returns how many files were served.
pub fn serve<F>(input: impl Read, output: impl Write, mut filter: F) -> io::Result<usize>
where
    F: FnMut(Command, &str, Vec<u8>) -> Result<Vec<u8>, String>,
{
    let mut r = BufReader::with_capacity(1 << 16, input);
    let mut w = BufWriter::with_capacity(1 << 16, output);
    let hello = read_lines(&mut r)?;
    if hello.first().map(String::as_str) != Some("git-filter-client") {
        return Err(protocol_error("expected git-filter-client"));
    }
    if !hello.iter().any(|l| l == "version=2") {
        return Err(protocol_error("git does not offer protocol version 2"));
    }
    write_lines(&mut w, &["git-filter-server", "version=2"])?;
    w.flush()?;
    let offered = read_lines(&mut r)?;
    let ours: Vec<&str> = ["capability=clean", "capability=smudge"]
        .into_iter()
        .filter(|c| offered.iter().any(|o| o == c))
        .collect();
    write_lines(&mut w, &ours)?;
    w.flush()?;

    let mut served = 0;
    loop {
        let header = match read_lines(&mut r) {
            Ok(h) => h,
            // git closes the pipe when it is done.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(served),
            Err(e) => return Err(e),
        };
        let mut command = None;
        let mut pathname = String::new();
        for line in &header {
            match line.split_once('=') {
                Some(("command", "clean")) => command = Some(Command::Clean),
                Some(("command", "smudge")) => command = Some(Command::Smudge),
                Some(("command", other)) => {
                    return Err(protocol_error(format!("unknown command {other}")));
                }
                Some(("pathname", p)) => pathname = p.to_owned(),
                _ => {}
            }
        }
        let command = command.ok_or_else(|| protocol_error("request without a command"))?;
        let content = read_content(&mut r)?;
        match filter(command, &pathname, content) {
            Ok(new) => {
                write_lines(&mut w, &["status=success"])?;
                write_content(&mut w, &new)?;
                // An empty list keeps the status given above.
                w.write_all(FLUSH)?;
            }
            Err(_) => write_lines(&mut w, &["status=error"])?,
        }
        w.flush()?;
        served += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(cmd: &str, path: &str, content: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(pkt_line(format!("command={cmd}\n").as_bytes()));
        v.extend(pkt_line(format!("pathname={path}\n").as_bytes()));
        v.extend(FLUSH);
        for chunk in content.chunks(MAX_PAYLOAD) {
            v.extend(pkt_line(chunk));
        }
        v.extend(FLUSH);
        v
    }

    fn handshake(caps: &[&str]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend(pkt_line(b"git-filter-client\n"));
        v.extend(pkt_line(b"version=2\n"));
        v.extend(FLUSH);
        for c in caps {
            v.extend(pkt_line(format!("{c}\n").as_bytes()));
        }
        v.extend(FLUSH);
        v
    }

    #[test]
    fn large_content_errors_and_smudge() {
        let big = vec![b'a'; 200_000];
        let mut input = handshake(&["capability=clean", "capability=smudge", "capability=delay"]);
        input.extend(request("clean", "big", &big));
        input.extend(request("clean", "bad", b"x"));
        input.extend(request("smudge", "s", b"same"));
        let mut out = Vec::new();
        let n = serve(&input[..], &mut out, |cmd, path, content| {
            match (cmd, path) {
                (Command::Clean, "bad") => Err("no".into()),
                (Command::Clean, _) => Ok(content[..content.len() / 2].to_vec()),
                (Command::Smudge, _) => Ok(content),
            }
        })
        .unwrap();
        assert_eq!(n, 3);
        let mut r = &out[..];
        assert_eq!(
            read_lines(&mut r).unwrap(),
            ["git-filter-server", "version=2"]
        );
        assert_eq!(
            read_lines(&mut r).unwrap(),
            ["capability=clean", "capability=smudge"]
        );
        assert_eq!(read_lines(&mut r).unwrap(), ["status=success"]);
        assert_eq!(read_content(&mut r).unwrap(), vec![b'a'; 100_000]);
        assert!(read_lines(&mut r).unwrap().is_empty());
        assert_eq!(read_lines(&mut r).unwrap(), ["status=error"]);
        assert_eq!(read_lines(&mut r).unwrap(), ["status=success"]);
        assert_eq!(read_content(&mut r).unwrap(), b"same");
        assert!(read_lines(&mut r).unwrap().is_empty());
        assert!(r.is_empty());
    }

    #[test]
    fn refuses_other_protocols() {
        let mut input = Vec::new();
        input.extend(pkt_line(b"git-filter-client\n"));
        input.extend(pkt_line(b"version=3\n"));
        input.extend(FLUSH);
        assert!(serve(&input[..], Vec::new(), |_, _, c| Ok(c)).is_err());
        assert!(serve(&b"00"[..], Vec::new(), |_, _, c| Ok(c)).is_err());
    }
}
