//! Time the HTML checkers on every `text/html` output of the notebooks given on the command
//! line: the ammonia path's checker and the lol_html fast path, in-process, per output size.
//!
//! ```text
//! cargo run --release --example corpus_html -- ../shared/corpus/notebooks/*/*.ipynb
//! ```
#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use nbsanitize::sanitize::html::{HtmlAllowlist, sanitize_fragment};
use nbsanitize::sanitize::stream::sanitize_fragment_fast;

fn collect(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if k == "text/html" || k == "html" {
                    match x {
                        serde_json::Value::String(s) => out.push(s.clone()),
                        serde_json::Value::Array(a) => {
                            out.push(a.iter().filter_map(|s| s.as_str()).collect())
                        }
                        _ => {}
                    }
                } else {
                    collect(x, out)
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect(x, out)),
        _ => {}
    }
}

fn main() {
    let mut htmls = Vec::new();
    for path in std::env::args().skip(1) {
        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&std::fs::read(&path).unwrap()) {
            collect(&v, &mut htmls);
        }
    }
    let allow = HtmlAllowlist::default();
    let bytes: usize = htmls.iter().map(String::len).sum();
    println!("{} outputs, {:.1} MB", htmls.len(), bytes as f64 / 1e6);
    let (mut ammonia, mut fast) = (Duration::ZERO, Duration::ZERO);
    let (mut clean_a, mut clean_f, mut outside) = (0, 0, 0);
    for h in &htmls {
        let t = Instant::now();
        let a = sanitize_fragment(h, &allow);
        ammonia += t.elapsed();
        let t = Instant::now();
        let f = sanitize_fragment_fast(h, &allow);
        fast += t.elapsed();
        clean_a += usize::from(a.text.is_none());
        match f {
            Ok(c) => clean_f += usize::from(c.text.is_none()),
            Err(e) => {
                outside += 1;
                if std::env::var_os("REASONS").is_some() {
                    let r = e.to_string();
                    println!("{:8} {}", h.len(), r.split(" at byte").next().unwrap_or(&r));
                }
            }
        }
    }
    let t = Instant::now();
    for h in &htmls {
        if !matches!(sanitize_fragment_fast(h, &allow), Ok(c) if c.text.is_none()) {
            std::hint::black_box(sanitize_fragment(h, &allow));
        }
    }
    let combined = t.elapsed();
    let always = nbsanitize::Policy::builder()
        .fast_path(nbsanitize::sanitize::stream::FastPath::Always)
        .build()
        .expect("valid policy");
    let t = Instant::now();
    for h in &htmls {
        std::hint::black_box(nbsanitize::sanitize::stream::sanitize_fragment(h, &always));
    }
    let with_fallback = t.elapsed();
    let mbps = |d: Duration| bytes as f64 / 1e6 / d.as_secs_f64();
    println!(
        "ammonia path: {ammonia:?} ({:.0} MB/s), clean {clean_a}",
        mbps(ammonia)
    );
    println!(
        "fast first, then ammonia unless clean: {combined:?} ({:.0} MB/s)",
        mbps(combined)
    );
    println!(
        "fast path:    {fast:?} ({:.0} MB/s), clean {clean_f}, outside {outside}",
        mbps(fast)
    );
    println!(
        "fast path, falling back to ammonia outside its subset: {with_fallback:?} ({:.0} MB/s)",
        mbps(with_fallback)
    );
    println!("by output size: outputs, ammonia path, fast path with fallback (µs per output)");
    for (lo, hi) in [
        (0, 1 << 10),
        (1 << 10, 16 << 10),
        (16 << 10, 256 << 10),
        (256 << 10, usize::MAX),
    ] {
        let group: Vec<&String> = htmls
            .iter()
            .filter(|h| (lo..hi).contains(&h.len()))
            .collect();
        if group.is_empty() {
            continue;
        }
        let time = |f: &dyn Fn(&str)| {
            let t = Instant::now();
            for _ in 0..5 {
                group.iter().for_each(|h| f(h));
            }
            t.elapsed().as_secs_f64() * 1e6 / 5.0 / group.len() as f64
        };
        let a = time(&|h| drop(std::hint::black_box(sanitize_fragment(h, &allow))));
        let f = time(&|h| {
            drop(std::hint::black_box(
                nbsanitize::sanitize::stream::sanitize_fragment(h, &always),
            ))
        });
        println!("  {lo:>7}..: {:4} {a:9.1} {f:9.1}", group.len());
    }
}
