#!/usr/bin/env bash
# Benchmark of batch cleaning over a generated MLflow store.
#
#   scripts/bench_batch_store.sh [RUNS] [SAMPLE] [BINARY]
#
# Generates RUNS runs (default 10000) in one experiment under a temporary folder from the shared
# sample store (default ../shared/corpus/mlruns-sample/mlruns): run i is a hard-linked copy of
# sample run i mod 8, with its metadata and artifacts, so the store costs no disk space. Then it
# measures, with both cores busy (-j 2):
#   1. `check -q` over the whole store (reads and sanitizes in memory, writes nothing);
#   2. `sanitize -i` over a copy of the first 1/10 of the runs (real copies, real writes).
# For each: wall time, files/s, MB/s of artifact bytes, and peak RSS (GNU time's "Maximum
# resident set size"). Run it with a release build; it prints a Markdown table.
set -euo pipefail

RUNS=${1:-10000}
HERE=$(cd "$(dirname "$0")/.." && pwd)
SAMPLE=${2:-$HERE/../../shared/corpus/mlruns-sample/mlruns}
BIN=${3:-$HERE/target/release/nbsanitize}
[ -d "$SAMPLE" ] || { echo "sample store not found: $SAMPLE" >&2; exit 2; }
[ -x "$BIN" ] || { echo "binary not found: $BIN (cargo build --release)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time (/usr/bin/time) is needed" >&2; exit 2; }

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
EXP=$(find "$SAMPLE" -mindepth 1 -maxdepth 1 -type d ! -name 0 ! -name '.*' | head -1)
mapfile -t SRC_RUNS < <(find "$EXP" -mindepth 1 -maxdepth 1 -type d ! -name tags | sort)
STORE=$WORK/mlruns
mkdir -p "$STORE/1"
cp "$EXP/meta.yaml" "$STORE/1/meta.yaml"
for ((i = 0; i < RUNS; i++)); do
  cp -al "${SRC_RUNS[i % ${#SRC_RUNS[@]}]}" "$STORE/1/$(printf 'run%08d' "$i")"
done

measure() { # label, store, command...
  local label=$1 store=$2
  shift 2
  local files bytes
  files=$(find "$store" -type f -path '*/artifacts/*' | wc -l)
  bytes=$(find "$store" -type f -path '*/artifacts/*' -printf '%s\n' | awk '{s+=$1} END {printf "%.0f", s}')
  local log=$WORK/time.log start end
  start=$(date +%s.%N)
  /usr/bin/time -v -o "$log" "$@" >/dev/null 2>&1 || true
  end=$(date +%s.%N)
  local rss secs
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  secs=$(echo "$end - $start" | bc -l)
  printf '| %s | %d | %.1f | %.2f | %.0f | %.1f | %.1f |\n' "$label" "$files" \
    "$(echo "$bytes / 1048576" | bc -l)" "$secs" "$(echo "$files / $secs" | bc -l)" \
    "$(echo "$bytes / 1048576 / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

echo "| run | artifact files | MB | seconds | files/s | MB/s | peak RSS (MB) |"
echo "|---|---:|---:|---:|---:|---:|---:|"
measure "check -j 2, $RUNS runs" "$STORE" "$BIN" check -q -j 2 "$STORE"
SMALL=$WORK/small
mkdir -p "$SMALL/1"
cp "$STORE/1/meta.yaml" "$SMALL/1/"
for ((i = 0; i < RUNS / 10; i++)); do
  cp -r "$STORE/1/$(printf 'run%08d' "$i")" "$SMALL/1/"
done
measure "sanitize -i -j 2, $((RUNS / 10)) runs" "$SMALL" "$BIN" sanitize -i -q -j 2 "$SMALL"
