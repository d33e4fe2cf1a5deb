#!/usr/bin/env bash
# Process start-up, the floor under every per-file figure: a Rust "hello world", `nbsanitize
# --version` and `nbsanitize filter` on a tiny notebook, for the default `cargo build --release`
# binary (dynamic PIE) and the shipped one (scripts/build-release.sh: static-pie on Linux), and
# nbstripout-fast when bench/.venv has it. With --non-pie, also a static non-PIE build
# (target/static; not shipped: it gives up ASLR), for reference.
#   bench/startup.sh [--non-pie] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
nonpie=0
if [[ "${1:-}" == "--non-pie" ]]; then nonpie=1; shift; fi
runs="${1:-300}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

cargo build --release --quiet --bin nbsanitize
release="$(scripts/build-release.sh --quiet)"
printf 'fn main() { println!("hi"); }\n' > "$work/hello.rs"
rustc -O -o "$work/hello" "$work/hello.rs"
printf '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}\n' > "$work/tiny.ipynb"

cmds=("hello world|$work/hello"
      "cargo build: nbsanitize --version|target/release/nbsanitize --version"
      "cargo build: nbsanitize filter (tiny)|target/release/nbsanitize filter"
      "shipped: nbsanitize --version|$release --version"
      "shipped: nbsanitize filter (tiny)|$release filter")
if [[ -x bench/.venv/bin/nbstripout-fast ]]; then
    cmds+=("nbstripout-fast (tiny notebook)|bench/.venv/bin/nbstripout-fast")
fi
if (( nonpie )); then
    triple="$(rustc -vV | sed -n 's/^host: //p')"
    RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static" \
        CARGO_TARGET_DIR=target/static cargo build --release --quiet --bin nbsanitize --target "$triple"
    bin="target/static/$triple/release/nbsanitize"
    cmds+=("static non-PIE --version|$bin --version" "static non-PIE filter (tiny)|$bin filter")
fi

python3 - "$runs" "$work/tiny.ipynb" "${cmds[@]}" <<'PY'
import shlex, statistics, subprocess, sys, time
runs, tiny, cmds = int(sys.argv[1]), open(sys.argv[2], "rb").read(), sys.argv[3:]
print(f"{'command':40} {'median ms':>10} {'min ms':>8}   ({runs} runs each)")
for entry in cmds:
    name, cmd = entry.split("|", 1)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(shlex.split(cmd), input=tiny, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - start) * 1000)
    print(f"{name:40} {statistics.median(times):10.2f} {min(times):8.2f}")
PY
