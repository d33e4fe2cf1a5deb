//! Sanitizes a large HTML file through the streaming API, for measuring peak memory.
//!
//! ```text
//! cargo build --release --example stream_html
//! target/release/examples/stream_html generate 1024 /tmp/big.html    # 1 GiB pandas table
//! /usr/bin/time -v target/release/examples/stream_html sanitize /tmp/big.html /tmp/big.clean.html
//! ```
//!
//! The generated table starts with pandas' `<style scoped>` (kept: the sheet is clean) and has
//! a link per row, which gets `rel="noopener noreferrer"`: the whole file is rewritten.
#![allow(clippy::print_stdout)]

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

use nbsanitize::sanitize::html::HtmlAllowlist;
use nbsanitize::sanitize::stream::{StreamLimits, sanitize_stream};

fn generate(megabytes: u64, path: &str) -> std::io::Result<()> {
    let mut out = BufWriter::new(File::create(path)?);
    out.write_all(b"<div>\n<style scoped>\n    .dataframe tbody tr th {\n        vertical-align: top;\n    }\n</style>\n<table border=\"1\" class=\"dataframe\">\n  <thead>\n    <tr style=\"text-align: right;\">\n      <th></th>\n      <th>a</th>\n      <th>b</th>\n      <th>c</th>\n    </tr>\n  </thead>\n  <tbody>\n")?;
    let target = megabytes << 20;
    let (mut written, mut i) = (0u64, 0u64);
    while written < target {
        let x = (i * 2654435761) % 100_000;
        let row = format!(
            "    <tr>\n      <th>{i}</th>\n      <td>{}.{:04}</td>\n      <td><a href=\"https://example.org/{x}\">{x}</a></td>\n      <td>cat_{} &amp; co</td>\n    </tr>\n",
            x / 100,
            x % 10_000,
            x % 13
        );
        out.write_all(row.as_bytes())?;
        written += row.len() as u64;
        i += 1;
    }
    out.write_all(b"  </tbody>\n</table>\n</div>\n")?;
    out.flush()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") if args.len() == 4 => generate(args[2].parse()?, &args[3])?,
        Some("sanitize") if args.len() == 4 => {
            let start = Instant::now();
            let input = File::open(&args[2])?;
            let output = BufWriter::new(File::create(&args[3])?);
            let report = sanitize_stream(
                input,
                output,
                &HtmlAllowlist::default(),
                StreamLimits::default(),
            )?;
            let secs = start.elapsed().as_secs_f64();
            println!(
                "{} bytes in {secs:.2} s ({:.0} MB/s), changed: {}, fell back: {}, findings: {}",
                report.bytes_in,
                report.bytes_in as f64 / 1e6 / secs,
                report.changed,
                report.fell_back,
                report
                    .findings
                    .iter()
                    .map(|f| f.rule.code)
                    .collect::<Vec<_>>()
                    .join(",")
            );
        }
        _ => return Err("usage: stream_html generate MEGABYTES OUT | sanitize IN OUT".into()),
    }
    Ok(())
}
