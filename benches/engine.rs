/*! Engine throughput (MB/s): `engine::sanitize_bytes` over real notebooks, beside the JSON
floor (`notebook::json::parse` + `write_python`, the least any notebook rewrite costs).

Inputs:
- `NBSANITIZE_CORPUS` (default `/work/shared/corpus/notebooks`, else the repo's `corpus/`):
  every `*.ipynb` under it. Files the engine or the JSON parser refuse are left out (counted).
- `BENCH_HTML_DIR` (written by `bench/run`): `pandas.html`, `prose.html`, `plot.svg`, measured
  through the engine as HTML/SVG documents.

Groups: `corpus` (all notebooks), `no_html` (notebooks with no HTML, SVG or JavaScript output,
which should cost little more than the floor), `html` (generated documents).

Run: `cargo bench --bench engine` (add `-- --quick` for a fast, rougher pass). */

#![allow(clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use nbsanitize::notebook::json;
use nbsanitize::{Kind, Policy, engine};

struct Input {
    path: PathBuf,
    bytes: Vec<u8>,
}

fn corpus_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("NBSANITIZE_CORPUS") {
        return Some(PathBuf::from(dir));
    }
    let shared = PathBuf::from("/work/shared/corpus/notebooks");
    if shared.is_dir() {
        return Some(shared);
    }
    let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    local.is_dir().then_some(local)
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "ipynb") {
            out.push(path);
        }
    }
}

fn json_floor(bytes: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let value = json::parse(text.strip_prefix('\u{feff}').unwrap_or(text)).ok()?;
    Some(json::write_python(&value, false, false))
}

/// Notebooks both the engine and the JSON floor accept.
fn load_corpus(policy: &Policy) -> Vec<Input> {
    let Some(dir) = corpus_dir() else {
        eprintln!("engine bench: no corpus (set NBSANITIZE_CORPUS); corpus groups skipped");
        return Vec::new();
    };
    let mut paths = Vec::new();
    collect(&dir, &mut paths);
    paths.sort();
    let mut refused = 0usize;
    let mut inputs = Vec::new();
    for path in paths {
        let Ok(bytes) = std::fs::read(&path) else {
            refused += 1;
            continue;
        };
        let accepted = json_floor(&bytes).is_some()
            && engine::sanitize_bytes(&bytes, None, Some(&path), policy).is_ok();
        if accepted {
            inputs.push(Input { path, bytes });
        } else {
            refused += 1;
        }
    }
    let total: usize = inputs.iter().map(|i| i.bytes.len()).sum();
    eprintln!(
        "engine bench: {} notebooks, {:.1} MB from {} ({} refused, left out)",
        inputs.len(),
        total as f64 / 1e6,
        dir.display(),
        refused
    );
    inputs
}

fn has_markup(bytes: &[u8]) -> bool {
    let needles: [&[u8]; 4] = [
        b"text/html",
        b"image/svg+xml",
        b"javascript",
        b"text/markdown",
    ];
    needles
        .iter()
        .any(|n| bytes.windows(n.len()).any(|w| w == *n))
}

fn bench_set(c: &mut Criterion, group_name: &str, inputs: &[&Input], policy: &Policy) {
    if inputs.is_empty() {
        return;
    }
    let total: u64 = inputs.iter().map(|i| i.bytes.len() as u64).sum();
    let mut group = c.benchmark_group(group_name);
    group.throughput(Throughput::Bytes(total));
    group.bench_function("json_floor", |b| {
        b.iter(|| {
            for input in inputs {
                std::hint::black_box(json_floor(&input.bytes));
            }
        })
    });
    group.bench_function("sanitize_bytes", |b| {
        b.iter(|| {
            for input in inputs {
                let out = engine::sanitize_bytes(&input.bytes, None, Some(&input.path), policy);
                std::hint::black_box(out.ok());
            }
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let policy = Policy::default();
    let corpus = load_corpus(&policy);
    let all: Vec<&Input> = corpus.iter().collect();
    bench_set(c, "corpus", &all, &policy);
    let plain: Vec<&Input> = corpus.iter().filter(|i| !has_markup(&i.bytes)).collect();
    bench_set(c, "no_html", &plain, &policy);

    let Some(dir) = std::env::var_os("BENCH_HTML_DIR").map(PathBuf::from) else {
        eprintln!("engine bench: BENCH_HTML_DIR not set; html group skipped (bench/run sets it)");
        return;
    };
    let mut group = c.benchmark_group("html");
    for (name, kind) in [
        ("pandas.html", Kind::Html),
        ("prose.html", Kind::Html),
        ("plot.svg", Kind::Svg),
    ] {
        let Ok(bytes) = std::fs::read(dir.join(name)) else {
            eprintln!(
                "engine bench: {} missing; skipped",
                dir.join(name).display()
            );
            continue;
        };
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(
            BenchmarkId::new("sanitize_bytes", name),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    std::hint::black_box(
                        engine::sanitize_bytes(bytes, Some(kind), None, &policy).ok(),
                    )
                })
            },
        );
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = engine_benches;
    config = config();
    targets = benches
}
criterion_main!(engine_benches);
