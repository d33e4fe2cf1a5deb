#!/usr/bin/env bash
# Model-scanner speed: opcodes/s on one large opcode-dense pickle and files/s on a folder of
# model files, for `nbsanitize check` (release build) and picklescan (pip install picklescan).
#
#   bench/model_bench.sh [OPS] [COPIES]     defaults: 4000000 opcodes, 40 copies of the corpus
#
# Both tools are timed as users run them (one process per invocation, start-up included);
# nbsanitize best of 3, picklescan once (it is slow). Nothing is written outside a temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
ops=${1:-4000000}
copies=${2:-40}
command -v picklescan >/dev/null || { echo "picklescan missing: pip install picklescan" >&2; exit 2; }
cargo build --release --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$ops" "$copies" "$PWD/target/release/nbsanitize" <<'PY'
import glob, os, pickle, pickletools, re, shutil, subprocess, sys, time

work, n, copies, nbs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

# Opcode-dense: small ints (BININT1), a memoized string fetched again (BINGET), nested
# tuples (TUPLE2), floats (BINFLOAT), in protocol 4 frames.
items = []
for i in range(n // 4):
    items.append(i % 250)
    items.append("w")
    items.append((i % 7, 1.5))
big = os.path.join(work, "big.pkl")
with open(big, "wb") as f:
    pickle.dump(items, f, protocol=4)
with open(big, "rb") as f:
    count = sum(1 for _ in pickletools.genops(f))
size = os.path.getsize(big)

def timed(cmd, runs):
    best = None
    out = None
    for _ in range(runs):
        t = time.perf_counter()
        out = subprocess.run(cmd, capture_output=True, text=True)
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, out

t_nb, out_nb = timed([nbs, "check", "-q", big], 3)
assert out_nb.returncode == 0, out_nb
t_ps, out_ps = timed(["picklescan", "-p", big], 1)
print(f"large pickle: {size/1e6:.1f} MB, {count:,} opcodes")
print(f"  nbsanitize  {t_nb:7.3f} s  {count/t_nb/1e6:8.2f} M opcodes/s")
print(f"  picklescan  {t_ps:7.3f} s  {count/t_ps/1e6:8.2f} M opcodes/s")
print(f"  ratio       {t_ps/t_nb:7.1f}x")

# A folder of model files: the corpus, copied `copies` times.
tree = os.path.join(work, "tree")
src = os.path.join(os.getcwd(), "corpus", "models")
files = [p for p in glob.glob(os.path.join(src, "*")) if not p.endswith((".py", ".json"))]
for c in range(copies):
    d = os.path.join(tree, f"run{c}")
    os.makedirs(d)
    for p in files:
        shutil.copy(p, d)
total = len(files) * copies
t_nb, out_nb = timed([nbs, "check", "-q", tree], 3)
t_ps, out_ps = timed(["picklescan", "-p", tree], 1)
m = re.search(r"Scanned files: (\d+)", out_ps.stdout)
ps_files = int(m.group(1)) if m else total
print(f"folder: {total} files ({len(files)} corpus files x {copies})")
print(f"  nbsanitize  {t_nb:7.3f} s  {total/t_nb:9.0f} files/s (all {total} files, by content)")
print(f"  picklescan  {t_ps:7.3f} s  {ps_files/t_ps:9.0f} files/s ({ps_files} files it picks by extension)")
PY
