//! Throughput of the HTML paths on generated documents: the lol_html fast path
//! (`sanitize::stream`) against the ammonia path (`sanitize::html`).
//!
//! ```text
//! cargo run --release --example html_throughput -- [MEGABYTES]
//! ```
//!
//! Prints MB/s (best of several runs, per second of CPU time on Linux) for pandas tables (clean, and with pandas' `<style
//! scoped>`, which the checker keeps when clean), prose and an SVG plot inlined in HTML.
#![allow(clippy::print_stdout)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use nbsanitize::sanitize::html::{HtmlAllowlist, sanitize_fragment};
use nbsanitize::sanitize::stream::{StreamLimits, sanitize_fragment_fast, sanitize_stream};

const PANDAS_STYLE: &str = "<style scoped>\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n    }\n\n    .dataframe tbody tr th {\n        vertical-align: top;\n    }\n\n    .dataframe thead th {\n        text-align: right;\n    }\n</style>\n";

/// A pandas `DataFrame._repr_html_()` of about `bytes` bytes.
fn pandas_table(bytes: usize, style: bool) -> String {
    let mut s = String::with_capacity(bytes + 4096);
    s.push_str("<div>\n");
    if style {
        s.push_str(PANDAS_STYLE);
    }
    s.push_str("<table border=\"1\" class=\"dataframe\">\n  <thead>\n    <tr style=\"text-align: right;\">\n      <th></th>\n");
    for c in ["alpha", "beta", "gamma", "delta", "label"] {
        s.push_str(&format!("      <th>{c}</th>\n"));
    }
    s.push_str("    </tr>\n  </thead>\n  <tbody>\n");
    let mut i = 0u64;
    while s.len() < bytes {
        let x = (i * 2654435761) % 100_000;
        s.push_str(&format!(
            "    <tr>\n      <th>{i}</th>\n      <td>{}.{:04}</td>\n      <td>{}</td>\n      <td>{:.6}</td>\n      <td>-{}.5</td>\n      <td>cat_{} &amp; co</td>\n    </tr>\n",
            x / 100,
            x % 10_000,
            x,
            (x as f64) / 7.0,
            x % 97,
            x % 13
        ));
        i += 1;
    }
    s.push_str("  </tbody>\n</table>\n<p>100000 rows × 5 columns</p>\n</div>");
    s
}

/// Prose: headings, paragraphs with links and inline markup, lists, code.
fn prose(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 4096);
    let mut i = 0;
    while s.len() < bytes {
        s.push_str(&format!(
            "<h2 id=\"section-{i}\">Section {i}</h2>\n<p>The <b>model</b> was trained for <em>{i} epochs</em> with a learning rate of <code>3e-4</code>; see <a href=\"https://example.org/runs/{i}\" title=\"run {i}\">the run page</a> and the <a href=\"#section-{i}\">notes</a>. Loss fell from 2.31 to 0.17 &mdash; validation accuracy reached 93.4&nbsp;%, which is within the expected range for this data set and configuration.</p>\n<ul>\n<li>batch size 128</li>\n<li>optimizer <i>AdamW</i></li>\n<li>weight decay 0.01</li>\n</ul>\n<blockquote><p>Results are averaged over <strong>five</strong> seeds.</p></blockquote>\n"
        ));
        i += 1;
    }
    s
}

/// A matplotlib-like SVG plot inlined in HTML.
fn svg(bytes: usize) -> String {
    let mut s = String::with_capacity(bytes + 4096);
    s.push_str("<div><svg xmlns=\"http://www.w3.org/2000/svg\" width=\"460pt\" height=\"345pt\" viewBox=\"0 0 460 345\">\n<g id=\"figure_1\">\n");
    let mut i = 0u64;
    while s.len() < bytes {
        s.push_str(&format!(
            "<path d=\"M {} {} L {} {} L {} {}\" clip-path=\"url(#p1)\" style=\"fill: none; stroke: #1f77b4; stroke-width: 1.5; stroke-linecap: square\"/>\n",
            i % 460,
            (i * 7) % 345,
            (i * 3) % 460,
            (i * 11) % 345,
            (i * 5) % 460,
            (i * 13) % 345
        ));
        i += 1;
    }
    s.push_str("</g>\n</svg></div>");
    s
}

/// CPU time of this thread (Linux `schedstat`), so that a loaded machine does not count the
/// time other processes ran; wall-clock time elsewhere.
fn cpu_now() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Best MB/s of `f` over a few runs (at least one, at most about two seconds), in CPU time
/// when the platform reports it.
fn measure(input: &str, mut f: impl FnMut(&str)) -> f64 {
    let mut best = Duration::MAX;
    let start = Instant::now();
    for _ in 0..5 {
        let (t, c) = (Instant::now(), cpu_now());
        f(input);
        let spent = match (c, cpu_now()) {
            (Some(before), Some(after)) => after - before,
            _ => t.elapsed(),
        };
        best = best.min(spent);
        if start.elapsed() > Duration::from_secs(2) {
            break;
        }
    }
    input.len() as f64 / 1e6 / best.as_secs_f64()
}

/// lol_html alone with a no-op handler on every element: the ceiling for the fast path.
fn lol_html_noop(input: &str) -> usize {
    let mut n = 0;
    let mut rewriter = lol_html::HtmlRewriter::new(
        lol_html::Settings::new()
            .append_element_content_handler(lol_html::element!("*", |_el| { Ok(()) })),
        |chunk: &[u8]| n += chunk.len(),
    );
    for chunk in input.as_bytes().chunks(64 * 1024) {
        rewriter.write(chunk).expect("no handler fails");
    }
    rewriter.end().expect("no handler fails");
    n
}

fn main() {
    let mb: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(20);
    let bytes = mb << 20;
    let allow = HtmlAllowlist::default();
    let docs = [
        ("pandas table (clean)", pandas_table(bytes, false)),
        ("pandas table + <style scoped>", pandas_table(bytes, true)),
        ("prose", prose(bytes)),
        ("svg plot in html", svg(bytes)),
    ];
    println!(
        "{:<32} {:>8} {:>14} {:>14} {:>14} {:>14}",
        "document", "size MB", "lol_html no-op", "fast path", "streaming", "ammonia"
    );
    for (name, doc) in &docs {
        let accepted = sanitize_fragment_fast(doc, &allow).is_ok();
        let baseline = measure(doc, |d| {
            black_box(lol_html_noop(d));
        });
        let fast = measure(doc, |d| {
            black_box(sanitize_fragment_fast(d, &allow).ok());
        });
        let streaming = measure(doc, |d| {
            let limits = StreamLimits::default();
            black_box(sanitize_stream(d.as_bytes(), std::io::sink(), &allow, limits).ok());
        });
        let ammonia = measure(doc, |d| {
            black_box(sanitize_fragment(d, &allow));
        });
        let (fast, streaming) = if accepted {
            (format!("{fast:.0} MB/s"), format!("{streaming:.0} MB/s"))
        } else {
            ("falls back".to_owned(), "falls back".to_owned())
        };
        println!(
            "{:<32} {:>8.1} {:>9.0} MB/s {:>14} {:>14} {:>9.1} MB/s",
            name,
            doc.len() as f64 / 1e6,
            baseline,
            fast,
            streaming,
            ammonia
        );
    }
}
