#!/usr/bin/env python3
"""nbsanitize benchmark suite (entry point: bench/run, which builds and installs first).

Measures, with several repetitions and medians (whole-process wall time via
time.perf_counter around fork/exec/wait; peak RSS from the child's rusage, the figure
/usr/bin/time -v prints):
  1. filter: per-notebook time of `nbsanitize filter` (sanitize, strip) vs nbstripout,
     nbstripout-fast, nb-clean, each run as git runs a clean filter (stdin -> stdout);
  2. batch: the corpus sanitized in place by `nbsanitize sanitize -i` vs nbformat + nh3
     (bench/py_sanitize.py), and stripped by `nbsanitize strip` vs nbconvert, nbstripout,
     nbstripout-fast, nb-clean;
  3. git add of the corpus in a temp repo with each tool's git filter;
  4. HTML throughput (MB/s) on generated pandas-table HTML, prose HTML and SVG, vs nh3;
     plus `cargo bench --bench engine` (engine and JSON floor over the corpus);
  5. peak memory of the batch runs;
  6. model files: `nbsanitize check` vs picklescan on generated pickles (opcodes/s, files/s).
Commands nbsanitize does not have (yet) and tools that failed to install are reported as
"not available". Only the standard library is needed here; nh3 runs in the venv's Python.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NA = "not available"


# --------------------------------------------------------------------------- running

class Run:
    """One finished process: wall seconds, peak RSS (KiB), exit code, stderr head."""

    def __init__(self, seconds: float, maxrss_kib: int, code: int, err: str, cpu: float | None = None):
        self.seconds, self.maxrss_kib, self.code, self.err = seconds, maxrss_kib, code, err
        self.cpu = cpu  # user + system seconds, when measured with /usr/bin/time


TIME = "/usr/bin/time" if Path("/usr/bin/time").is_file() else None


def run(cmd, stdin_path=None, cwd=None, env=None, timeout=900.0, rss=False) -> Run:
    """Runs `cmd`, draining and discarding its stdout, and times it. `stdin_path` is fed through a pipe, as git
    feeds a clean filter. With `rss`, the peak RSS comes from `/usr/bin/time -f %M` (our own
    rusage would include the forking Python's pages); else it is 0."""
    data = Path(stdin_path).read_bytes() if stdin_path else None
    with tempfile.TemporaryFile() as err_file, tempfile.NamedTemporaryFile("r") as rss_file:
        argv = list(cmd)
        if rss and TIME:
            argv = [TIME, "-f", "%M %U %S", "-o", rss_file.name, *argv]
        start = time.perf_counter()
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE if data is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=err_file, cwd=cwd, env=env,
        )
        try:  # stdout is a pipe we drain, as git does (nbstripout cannot write to /dev/null)
            proc.communicate(input=data, timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        code = proc.returncode
        seconds = time.perf_counter() - start
        err_file.seek(0)
        err = err_file.read(1 << 20).decode("utf-8", "replace").strip()
        maxrss, cpu = 0, None
        if rss and TIME:
            try:
                fields = rss_file.read().strip().splitlines()[-1].split()
                maxrss, cpu = int(fields[0]), float(fields[1]) + float(fields[2])
            except (ValueError, IndexError):
                pass
    return Run(seconds, maxrss, code, err, cpu)


def output(cmd, cwd=None) -> tuple[int, str]:
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=120)
        return p.returncode, p.stdout + p.stderr
    except (OSError, subprocess.TimeoutExpired) as err:
        return 127, str(err)


def median(xs):
    return statistics.median(xs) if xs else None


def first_line(text: str) -> str:
    lines = [l for l in text.splitlines() if l.strip()]
    return lines[-1][:160] if lines else ""


# --------------------------------------------------------------------------- detection

class Nbs:
    """What the nbsanitize binary under test can do, read from its --help."""

    def __init__(self, binary: str, args):
        self.bin = binary
        # The default `cargo build --release` binary, timed beside the shipped one (section 1).
        plain = getattr(args, "plain_bin", None)
        self.plain_bin = plain if plain and Path(plain).resolve() != Path(binary).resolve() else None
        _, top = output([binary, "--help"])
        self.commands = set()
        in_cmds = False
        for line in top.splitlines():
            if line.strip().lower().startswith("commands:"):
                in_cmds = True
                continue
            if in_cmds:
                m = re.match(r"^\s{2,}([a-z][a-z0-9-]*)\s", line)
                if m:
                    self.commands.add(m.group(1))
                elif line.strip() and not line.startswith(" "):
                    in_cmds = False
        self.commands.discard("help")
        self.help = {c: output([binary, c, "--help"])[1] for c in self.commands}
        fh = self.help.get("filter", "")
        # How to ask `filter` for a mode: overridable, else guessed from its --help.
        self.filter_sanitize = self._args(args.filter_sanitize_args, ["filter"] if fh else None)
        strip = None
        if fh:
            if "--mode" in fh and "strip" in fh:
                strip = ["filter", "--mode", "strip"]
            elif re.search(r"--strip\b", fh):
                strip = ["filter", "--strip"]
            elif re.search(r"[<\[]MODE[>\]]", fh) and "strip" in fh:
                strip = ["filter", "strip"]
        self.filter_strip = self._args(args.filter_strip_args, strip)
        self.process = self._args(
            args.filter_process_args, ["filter", "--process"] if "--process" in fh else None
        )
        self.strip = self._args(args.strip_args, ["strip"] if "strip" in self.commands else None)
        sh = self.help.get("sanitize", "")
        self.jobs = "--jobs" in sh
        self.fast_path = "--fast-path" in sh
        self.version = output([binary, "--version"])[1].strip()

    @staticmethod
    def _args(override, guess):
        if override is not None:
            return shlex.split(override) if override.strip() else None
        return guess


def venv_tool(venv: Path, name: str):
    p = venv / "bin" / name
    return str(p) if p.exists() else None


def python_with(venv: Path, *modules) -> str | None:
    """A Python that can import every module (the venv's first, then the system's)."""
    for py in (venv / "bin" / "python", Path(sys.executable), Path(shutil.which("python3") or "")):
        if py.is_file():
            code, _ = output([str(py), "-c", "import " + ", ".join(modules)])
            if code == 0:
                return str(py)
    return None


def pip_versions(venv: Path) -> dict:
    py = venv / "bin" / "python"
    if not py.exists():
        return {}
    code, text = output([str(py), "-m", "pip", "list", "--format", "json", "--disable-pip-version-check"])
    try:
        return {p["name"].lower(): p["version"] for p in json.loads(text.splitlines()[0])} if code == 0 else {}
    except (ValueError, IndexError):
        return {}


# --------------------------------------------------------------------------- inputs

def corpus_files(corpus: Path) -> list[Path]:
    return sorted(p for p in corpus.rglob("*.ipynb") if p.is_file())


def sample(files: list[Path], n: int, seed: int) -> list[Path]:
    if n <= 0 or n >= len(files):
        return list(files)
    rng = random.Random(seed)
    return sorted(rng.sample(files, n))


def copy_flat(files: list[Path], dest: Path) -> list[Path]:
    """Copies files into dest (names made unique); returns the copies."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    out = []
    for i, f in enumerate(files):
        target = dest / f"{i:04d}_{f.parent.name}__{f.name}"
        shutil.copyfile(f, target)
        out.append(target)
    return out


def gen_pandas(size: int) -> str:
    """HTML as pandas' DataFrame._repr_html_ writes it (scoped style, border=1 table)."""
    rng = random.Random(1)
    cols = [f"col_{i}" for i in range(8)]
    head = (
        '<div>\n<style scoped>\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n'
        "    }\n\n    .dataframe tbody tr th {\n        vertical-align: top;\n    }\n\n"
        "    .dataframe thead th {\n        text-align: right;\n    }\n</style>\n"
        '<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n      <th></th>\n'
        + "".join(f"      <th>{c}</th>\n" for c in cols)
        + "    </tr>\n  </thead>\n  <tbody>\n"
    )
    parts, n, i = [head], len(head), 0
    while n < size:
        row = f"    <tr>\n      <th>{i}</th>\n" + "".join(
            f"      <td>{rng.uniform(-1000, 1000):.6f}</td>\n" for _ in cols
        ) + "    </tr>\n"
        parts.append(row)
        n += len(row)
        i += 1
    parts.append("  </tbody>\n</table>\n<p>%d rows × %d columns</p>\n</div>" % (i, len(cols)))
    return "".join(parts)


def gen_prose(size: int) -> str:
    rng = random.Random(2)
    words = ("notebook output table plot kernel cell markdown value model data frame series "
             "render trust browser script safe allow list").split()
    parts, n, i = [], 0, 0
    while n < size:
        text = " ".join(rng.choice(words) for _ in range(60))
        block = (
            f"<h2 id=\"s{i}\">Section {i}</h2>\n<p>{text[:200]} <a href=\"https://example.org/{i}\" "
            f"title=\"t{i}\">link</a> <em>{text[200:260]}</em> <strong>{text[260:300]}</strong> "
            f"<code>x_{i} = {i}</code> {text[300:]}</p>\n<ul><li>{words[i % len(words)]}</li>"
            f"<li>{text[:40]}</li></ul>\n<blockquote>{text[:120]}</blockquote>\n"
        )
        parts.append(block)
        n += len(block)
        i += 1
    return "".join(parts)


def gen_svg(size: int) -> str:
    """An SVG as matplotlib writes it: defs, clip paths, paths, uses, text."""
    rng = random.Random(3)
    head = (
        '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n'
        '<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="460pt" height="345pt" '
        'viewBox="0 0 460 345" xmlns="http://www.w3.org/2000/svg" version="1.1">\n'
        ' <defs>\n  <style type="text/css">*{stroke-linejoin: round; stroke-linecap: butt}</style>\n'
        '  <clipPath id="p1"><rect x="57" y="41" width="357" height="266"/></clipPath>\n'
        '  <path id="m0" d="M 0 0 L 0 3.5" style="stroke: #000000; stroke-width: 0.8"/>\n </defs>\n <g id="figure_1">\n'
    )
    parts, n, i = [head], len(head), 0
    while n < size:
        pts = " L ".join(f"{rng.uniform(57, 414):.3f} {rng.uniform(41, 307):.3f}" for _ in range(12))
        block = (
            f'  <g id="line2d_{i}">\n   <path d="M {pts}" clip-path="url(#p1)" '
            f'style="fill: none; stroke: #1f77b4; stroke-width: 1.5; stroke-linecap: square"/>\n'
            f'   <use xlink:href="#m0" x="{rng.uniform(57, 414):.3f}" y="307" style="stroke: #000000"/>\n'
            f'   <text x="{rng.uniform(57, 414):.1f}" y="321" style="font-size: 10px; text-anchor: middle">{i}</text>\n  </g>\n'
        )
        parts.append(block)
        n += len(block)
        i += 1
    parts.append(" </g>\n</svg>\n")
    return "".join(parts)


# --------------------------------------------------------------------------- sections

# A process that does nothing: what the harness itself costs per run (section 1).
FLOOR = "true (does nothing)"


def section_filter(nbs: Nbs, venv: Path, files: list[Path], reps: int, results: dict, log):
    """1. git clean filter, one process per notebook, stdin -> stdout."""
    py = venv_tool(venv, "python")
    have_nbstripout = py and python_with(venv, "nbstripout") == py
    tools = [
        ("nbsanitize filter (sanitize)", [nbs.bin] + nbs.filter_sanitize if nbs.filter_sanitize else None, True),
        ("nbsanitize filter (strip)", [nbs.bin] + nbs.filter_strip if nbs.filter_strip else None, True),
        ("nbsanitize sanitize - (stdin)", [nbs.bin, "sanitize", "-"], True),
        ("nbsanitize filter (sanitize), plain cargo build",
         [nbs.plain_bin] + nbs.filter_sanitize if nbs.plain_bin and nbs.filter_sanitize else None, True),
        ("nbstripout", [py, "-m", "nbstripout"] if have_nbstripout else None, False),
        ("nbstripout-fast", [venv_tool(venv, "nbstripout-fast")] if venv_tool(venv, "nbstripout-fast") else None, False),
        ("nb-clean", [venv_tool(venv, "nb-clean"), "clean"] if venv_tool(venv, "nb-clean") else None, False),
        (FLOOR, [shutil.which("true")] if shutil.which("true") else None, False),
    ]
    # Probe each on the first file (and warm the page cache and .pyc files).
    live = []
    rows = {}
    for name, cmd, ours in tools:
        if cmd is None:
            rows[name] = {"status": NA, "ours": ours}
            continue
        probe = run(cmd, stdin_path=files[0])
        if probe.code != 0:
            rows[name] = {"status": f"{NA} (probe exit {probe.code}: {first_line(probe.err)})", "ours": ours}
            continue
        rows[name] = {"status": "ok", "ours": ours, "cmd": " ".join(shlex.quote(c) for c in cmd)}
        live.append((name, cmd))
    times = {name: {f: [] for f in files} for name, _ in live}
    failures = {name: set() for name, _ in live}
    for rep in range(reps):
        log(f"filter: repetition {rep + 1}/{reps} over {len(files)} notebooks")
        for i, f in enumerate(files):
            # The first tool after a slow Python one meets cold caches: rotate who goes first.
            k = (rep + i) % len(live)
            for name, cmd in live[k:] + live[:k]:
                r = run(cmd, stdin_path=f)
                if r.code == 0:
                    times[name][f].append(r.seconds)
                else:
                    failures[name].add(f.name)
    # Statistics over the notebooks every tool accepted, so each row covers the same files.
    common = [f for f in files if all(times[name][f] for name, _ in live)]
    for name, _ in live:
        per_file = [median(times[name][f]) for f in common]
        rows[name].update(
            files=len(per_file),
            failed=sorted(failures[name]),
            median_ms=median(per_file) * 1e3 if per_file else None,
            mean_ms=statistics.fmean(per_file) * 1e3 if per_file else None,
            total_s=sum(per_file) if per_file else None,
        )
    results["filter"] = {"files": len(files), "common": len(common), "reps": reps, "rows": rows}


def section_batch(nbs: Nbs, venv: Path, files: list[Path], work: Path, reps: int, results: dict, log):
    """2 and 5. The corpus in one run: sanitize and strip, time and peak memory."""
    nproc = os.cpu_count() or 1
    py = python_with(venv, "nbformat", "nh3")
    nbconvert = venv_tool(venv, "jupyter-nbconvert")
    nbstripout_py = venv_tool(venv, "python") if python_with(venv, "nbstripout") == venv_tool(venv, "python") else None
    fast = venv_tool(venv, "nbstripout-fast")
    nbclean = venv_tool(venv, "nb-clean")
    script = str(HERE / "py_sanitize.py")
    D = "{dir}"
    F = "{files}"
    jobs1 = [nbs.bin, "sanitize", "-q", "-i", "--jobs", "1", D] if nbs.jobs else None
    tools = [
        ("sanitize", f"nbsanitize sanitize -i (all {nproc} cores)" if nbs.jobs else "nbsanitize sanitize -i",
         [nbs.bin, "sanitize", "-q", "-i", D], True),
        ("sanitize", "nbsanitize sanitize -i --jobs 1", jobs1, True),
        ("sanitize", "nbsanitize check (read-only)", [nbs.bin, "check", "-q", D], True),
        ("sanitize", "nbformat + nh3 (py_sanitize.py, 1 process)", [py, script, D] if py else None, False),
        ("sanitize", f"nbformat + nh3 (py_sanitize.py --jobs {nproc})",
         [py, script, "--jobs", str(nproc), D] if py and nproc > 1 else None, False),
        ("strip", "nbsanitize strip", [nbs.bin] + nbs.strip + [F] if nbs.strip else None, True),
        ("strip", "jupyter nbconvert --ClearOutputPreprocessor",
         [nbconvert, "--ClearOutputPreprocessor.enabled=True", "--inplace", "--to", "notebook",
          "--log-level=ERROR", F] if nbconvert else None, False),
        ("strip", "nbstripout", [nbstripout_py, "-m", "nbstripout", F] if nbstripout_py else None, False),
        ("strip", "nbstripout-fast", [fast, "-i", F] if fast else None, False),
        ("strip", "nb-clean clean", [nbclean, "clean", F] if nbclean else None, False),
    ]
    src = work / "batch-src"
    copy_flat(files, src)
    total_bytes = sum(f.stat().st_size for f in files)
    dst = work / "batch-run"
    rows, live = {}, []
    for kind, name, cmd, ours in tools:
        if cmd is None:
            rows[name] = {"status": NA, "kind": kind, "ours": ours}
        else:
            rows[name] = {"status": "ok", "kind": kind, "ours": ours,
                          "cmd": " ".join(shlex.quote(c) for c in cmd), "_s": [], "_rss": [], "_cpu": [], "_codes": set(), "error": ""}
            live.append((name, cmd))
    # Repetitions outermost, so a change in the machine's load hits every tool alike.
    for rep in range(reps):
        for name, cmd in live:
            row = rows[name]
            if dst.exists():
                shutil.rmtree(dst)
            shutil.copytree(src, dst)
            listed = sorted(str(p) for p in dst.iterdir())
            argv = []
            for a in cmd:
                if a == D:
                    argv.append(str(dst))
                elif a == F:
                    argv.extend(listed)
                else:
                    argv.append(a)
            log(f"batch: {name} ({rep + 1}/{reps})")
            r = run(argv, rss=True)
            row["_s"].append(r.seconds)
            row["_rss"].append(r.maxrss_kib)
            if r.cpu is not None:
                row["_cpu"].append(r.cpu)
            row["_codes"].add(r.code)
            if r.code not in (0, 1):
                row["error"] = first_line(r.err)
    for name, _ in live:
        row = rows[name]
        secs, rss, codes, cpu = row.pop("_s"), row.pop("_rss"), row.pop("_codes"), row.pop("_cpu")
        row.update(median_s=median(secs), cpu_s=median(cpu), min_s=min(secs), mb_per_s=total_bytes / 1e6 / median(secs),
                   peak_rss_mib=max(rss) / 1024, exit_codes=sorted(codes))
    shutil.rmtree(dst, ignore_errors=True)
    results["batch"] = {"files": len(files), "bytes": total_bytes, "reps": reps, "rows": rows}


def git(args, cwd, env):
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def section_git(nbs: Nbs, venv: Path, files: list[Path], work: Path, reps: int, results: dict, log):
    """3. `git add` of the corpus in a fresh repo with each tool's filter."""
    if not shutil.which("git"):
        results["git"] = {"status": NA + " (no git)"}
        return
    # The venv's bin on PATH, as for a user who activated it (`nb-clean add-filter` writes a bare
    # `nb-clean clean`).
    env = dict(os.environ, GIT_CONFIG_GLOBAL=os.devnull, GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.invalid",
               PATH=f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    q = shlex.quote
    py = venv_tool(venv, "python")
    have_nbstripout = py and python_with(venv, "nbstripout") == py
    fast = venv_tool(venv, "nbstripout-fast")
    nbclean = venv_tool(venv, "nb-clean")

    def filt(driver, **kv):
        def setup(repo):
            for k, v in kv.items():
                git(["config", f"filter.{driver}.{k}", v], repo, env)
            (repo / ".git" / "info").mkdir(exist_ok=True)
            (repo / ".git" / "info" / "attributes").write_text(f"*.ipynb filter={driver}\n")
        return setup

    def command(setup_cmd):
        def setup(repo):
            subprocess.run(setup_cmd, cwd=repo, env=env, check=True, capture_output=True)
        return setup

    b = q(nbs.bin)
    setups = [
        ("no filter (git alone)", lambda repo: None, False),
        ("nbsanitize filter --process (sanitize)",
         filt("nbsanitize", process=" ".join([b] + [q(a) for a in nbs.process]), required="true")
         if nbs.process else None, True),
        ("nbsanitize filter --process (strip)",
         filt("nbsanitize", process=" ".join([b] + [q(a) for a in nbs.filter_strip] + ["--process"]), required="true")
         if nbs.process and nbs.filter_strip else None, True),
        ("nbsanitize filter, clean per file (sanitize)",
         filt("nbsanitize", clean=" ".join([b] + [q(a) for a in nbs.filter_sanitize]), required="true")
         if nbs.filter_sanitize else None, True),
        ("nbstripout --install", command([py, "-m", "nbstripout", "--install"]) if have_nbstripout else None, False),
        ("nbstripout-fast (clean filter)", filt("nbstripout-fast", clean=q(fast), required="true") if fast else None, False),
        ("nb-clean add-filter", command([nbclean, "add-filter"]) if nbclean else None, False),
    ]
    total_bytes = sum(f.stat().st_size for f in files)
    rows, live = {}, []
    for name, setup, ours in setups:
        if setup is None:
            rows[name] = {"status": NA, "ours": ours}
        else:
            rows[name] = {"status": "ok", "ours": ours, "secs": [], "refused": 0}
            live.append((name, setup))
    # Repetitions outermost, so a change in the machine's load hits every setup alike.
    for rep in range(reps):
        for name, setup in live:
            row = rows[name]
            if row["status"] != "ok":
                continue
            repo = work / "git-repo"
            if repo.exists():
                shutil.rmtree(repo)
            repo.mkdir(parents=True)
            try:
                git(["init", "-q"], repo, env)
                copy_flat(files, repo / "nb")
                setup(repo)
                # Timing, not policy: a notebook a filter refuses is kept as is (and counted)
                # instead of aborting the whole `git add`.
                keys = subprocess.run(["git", "config", "--get-regexp", r"^filter\..*\.required$"], cwd=repo,
                                      env=env, capture_output=True, text=True).stdout.split()
                for key in keys[::2]:
                    git(["config", key, "false"], repo, env)
            except subprocess.CalledProcessError as err:
                row["status"] = f"{NA} (setup failed: {first_line((err.stderr or b'').decode())})"
                continue
            log(f"git add: {name} ({rep + 1}/{reps})")
            r = run(["git", "add", "-A"], cwd=repo, env=env, timeout=1800)
            if r.code != 0:
                row["status"] = f"failed (exit {r.code}: {first_line(r.err)})"
                continue
            row["secs"].append(r.seconds)
            row["refused"] = sum(1 for l in r.err.splitlines() if re.match(r"^error: external filter .* failed$", l))
    for name, _ in live:
        row = rows[name]
        secs = row.pop("secs")
        if secs and row["status"] == "ok":
            row.update(median_s=median(secs), per_file_ms=median(secs) / len(files) * 1e3)
    shutil.rmtree(work / "git-repo", ignore_errors=True)
    results["git"] = {"files": len(files), "bytes": total_bytes, "reps": reps, "rows": rows}


NH3_SNIPPET = r"""
import json, statistics, sys, time
import nh3
path, kind, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
text = open(path, encoding="utf-8").read()
if kind == "svg":
    tags = {"svg","g","path","rect","circle","line","text","tspan","defs","use","clipPath","title"}
    attrs = {"*": {"id","class","style","d","x","y","width","height","viewBox","transform","fill",
                   "stroke","clip-path","xmlns","version","href","xlink:href"}}
    clean = nh3.Cleaner(tags=tags, attributes=attrs).clean if hasattr(nh3, "Cleaner") else (lambda t: nh3.clean(t, tags=tags, attributes=attrs))
else:
    clean = nh3.Cleaner().clean if hasattr(nh3, "Cleaner") else nh3.clean
clean(text)
ts = []
for _ in range(reps):
    t = time.perf_counter(); clean(text); ts.append(time.perf_counter() - t)
print(json.dumps({"median_s": statistics.median(ts)}))
"""


def section_html(nbs: Nbs, venv: Path, work: Path, size: int, reps: int, results: dict, log):
    """4. MB/s of the policy on generated documents, per path, vs nh3 in Python."""
    html_dir = work / "html"
    html_dir.mkdir(parents=True, exist_ok=True)
    docs = [("pandas table HTML", "pandas.html", "html", gen_pandas),
            ("prose HTML", "prose.html", "html", gen_prose),
            ("SVG (matplotlib-like)", "plot.svg", "svg", gen_svg)]
    variants = [("nbsanitize (default)", [])]
    if nbs.fast_path:
        variants += [("nbsanitize fast path (--fast-path always)", ["--fast-path", "always"]),
                     ("nbsanitize ammonia path (--fast-path never)", ["--fast-path", "never"])]
    py = python_with(venv, "nh3")
    rows = []
    for label, fname, fmt, gen in docs:
        path = html_dir / fname
        path.write_text(gen(size), encoding="utf-8")
        nbytes = path.stat().st_size
        row = {"doc": label, "bytes": nbytes, "tools": {}}
        for vname, extra in variants:
            cmd = [nbs.bin, "sanitize", "--format", fmt, *extra, str(path)]
            secs, rss, err = [], [], None
            for _ in range(reps):
                r = run(cmd, rss=True)
                if r.code not in (0, 1):
                    err = f"exit {r.code}: {first_line(r.err)}"
                    break
                secs.append(r.seconds)
                rss.append(r.maxrss_kib)
            kept = None
            if not err:  # how much of the document survives: a throughput of a dropped document means little
                p = subprocess.run(cmd, capture_output=True, timeout=900)
                kept = len(p.stdout) / nbytes * 100
            row["tools"][vname] = ({"status": "failed (" + err + ")"} if err else
                                   {"status": "ok", "median_s": median(secs), "kept_pct": kept,
                                    "mb_per_s": nbytes / 1e6 / median(secs), "peak_rss_mib": max(rss) / 1024})
        if py:
            code, text = output([py, "-c", NH3_SNIPPET, str(path), fmt, str(reps)])
            try:
                m = json.loads(text.strip().splitlines()[-1])["median_s"]
                row["tools"]["nh3 (Python, in-process)"] = {"status": "ok", "median_s": m, "mb_per_s": nbytes / 1e6 / m}
            except (ValueError, IndexError, KeyError):
                row["tools"]["nh3 (Python, in-process)"] = {"status": f"failed: {first_line(text)}"}
        else:
            row["tools"]["nh3 (Python, in-process)"] = {"status": NA}
        log(f"html: {label} done")
        rows.append(row)
    results["html"] = {"reps": reps, "rows": rows, "variants": [v for v, _ in variants]}
    return html_dir


def section_cargo_bench(html_dir: Path, corpus: Path, results: dict, log, quick: bool):
    """4b. criterion: engine::sanitize_bytes and the JSON floor, in-process MB/s."""
    if not shutil.which("cargo"):
        results["cargo_bench"] = {"status": NA + " (no cargo)"}
        return
    env = dict(os.environ, NBSANITIZE_CORPUS=str(corpus), BENCH_HTML_DIR=str(html_dir))
    cmd = ["cargo", "bench", "--quiet", "--bench", "engine", "--"] + (["--quick"] if quick else [])
    log("cargo bench --bench engine (compiles the bench profile the first time: minutes)")
    p = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    text = p.stdout + "\n" + p.stderr
    rows, name = [], None
    unit = {"B/s": 1e-6, "KiB/s": 1024 / 1e6, "MiB/s": 1024 ** 2 / 1e6, "GiB/s": 1024 ** 3 / 1e6,
            "KB/s": 1e-3, "MB/s": 1.0, "GB/s": 1e3}
    for line in text.splitlines():
        tunit = r"(ns|µs|us|ms|s)\]?"
        m = re.match(r"^(\S+/\S+)\s+time:\s+\[\S+ \S+ (\S+) " + tunit, line) or re.match(r"^(\S+/\S+)\s*$", line)
        if m:
            name = m.group(1)
            if m.lastindex and m.lastindex >= 3:
                rows.append({"name": name, "time": f"{m.group(2)} {m.group(3)}"})
            continue
        m = re.match(r"^\s+time:\s+\[\S+ \S+ (\S+) " + tunit, line)
        if m and name:
            rows.append({"name": name, "time": f"{m.group(1)} {m.group(2)}"})
            continue
        m = re.match(r"^\s+thrpt:\s+\[\S+ \S+ (\S+) (\S+)", line)
        if m and rows and rows[-1]["name"] == name:
            rows[-1]["mb_per_s"] = float(m.group(1)) * unit.get(m.group(2), float("nan"))
    info = [l for l in text.splitlines() if l.startswith("engine bench:")]
    results["cargo_bench"] = {"status": "ok" if p.returncode == 0 else f"failed (exit {p.returncode})",
                              "rows": rows, "info": info, "cmd": " ".join(cmd)}


EVIL_PICKLE = b"cos\nsystem\n(S'echo bench'\ntR."  # protocol 0: os.system('echo bench'); never loaded


def section_models(nbs: Nbs, venv: Path, work: Path, ops_target: int, n_files: int, reps: int, results: dict, log):
    """6. Model files: opcodes/s on one opcode-dense pickle, files/s on a folder of them,
    `nbsanitize check` vs picklescan. Pickles are written with the standard library and never loaded."""
    import collections
    import pickle
    import pickletools

    mdir = work / "models"
    if mdir.exists():
        shutil.rmtree(mdir)
    (mdir / "store").mkdir(parents=True)
    # A state-dict-like pickle: OrderedDict of name -> small tuples (as torch/numpy metadata is).
    n = max(ops_target // 12, 10)
    big = pickle.dumps(collections.OrderedDict(
        (f"layer{i}.weight", (i, float(i) / 7, f"t{i}", None, True)) for i in range(n)), protocol=2)
    (mdir / "big.pkl").write_bytes(big)
    ops = sum(1 for _ in pickletools.genops(big))
    small = [pickle.dumps(collections.OrderedDict(
        (f"w{j}", (j, float(j))) for j in range(200 + i)), protocol=4) for i in range(n_files - 1)]
    for i, b in enumerate(small):
        (mdir / "store" / f"run{i:04d}_model.pkl").write_bytes(b)
    (mdir / "store" / "zz_evil_model.pkl").write_bytes(EVIL_PICKLE)
    (mdir / "evil.pkl").write_bytes(EVIL_PICKLE)
    store_bytes = sum(p.stat().st_size for p in (mdir / "store").iterdir())

    picklescan = venv_tool(venv, "picklescan")
    probe = run([nbs.bin, "check", "-q", str(mdir / "evil.pkl")])
    ours_ok = probe.code == 1
    tools = [
        ("nbsanitize check", [nbs.bin, "check", "-q"] if ours_ok else None, True,
         None if ours_ok else f"{NA} (check does not flag a pickle calling os.system in this build)"),
        ("picklescan", [picklescan, "-l", "ERROR", "-p"] if picklescan else None, False, None),
    ]
    rows = {}
    for name, cmd, ours, why in tools:
        if cmd is None:
            rows[name] = {"status": why or NA, "ours": ours}
            continue
        row = {"status": "ok", "ours": ours}
        for key, target in (("big", mdir / "big.pkl"), ("store", mdir / "store")):
            secs, codes, rss = [], set(), []
            for rep in range(reps):
                log(f"models: {name} on {key} ({rep + 1}/{reps})")
                r = run(cmd + [str(target)], rss=True)
                secs.append(r.seconds)
                codes.add(r.code)
                rss.append(r.maxrss_kib)
            row[key] = {"median_s": median(secs), "exit_codes": sorted(codes), "peak_rss_mib": max(rss) / 1024}
        row["big"]["mops_per_s"] = ops / 1e6 / row["big"]["median_s"]
        row["store"]["files_per_s"] = n_files / row["store"]["median_s"]
        rows[name] = row
    results["models"] = {"ops": ops, "big_bytes": len(big), "files": n_files, "store_bytes": store_bytes,
                         "reps": reps, "rows": rows}


# --------------------------------------------------------------------------- report

def fmt(x, digits=1, suffix=""):
    if x is None:
        return "–"
    if isinstance(x, float) and x >= 100:
        return f"{x:,.0f}{suffix}"
    return f"{x:.{digits}f}{suffix}"


def ratio_cell(ours, theirs):
    """nbsanitize time / other time, and the speed-up it means."""
    if not ours or not theirs:
        return "–"
    r = ours / theirs
    return f"{r:.3f} ({theirs / ours:.1f}× faster)" if r < 1 else f"{r:.2f} ({r:.1f}× slower)"


def machine_info(nbs: Nbs, versions: dict, load_start, args) -> list[str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load_end = os.getloadavg() if hasattr(os, "getloadavg") else None
    code, commit = output(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT)
    mem = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        mem = f", {kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, AttributeError):
        pass
    tools = ", ".join(f"{k} {versions[k]}" for k in
                      ("nbstripout", "nbstripout-fast", "nb-clean", "nbconvert", "nbformat", "nh3", "picklescan")
                      if k in versions) or "none installed"
    return [
        f"- Date: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC; mode: {args.mode}"
        f" ({args.reps} repetitions, medians)",
        f"- Machine: {os.cpu_count()} CPUs (nproc), {cpu}{mem}; {platform.system()} {platform.release()};"
        f" Python {platform.python_version()}",
        f"- Load average at start {', '.join(f'{x:.2f}' for x in load_start)}"
        + (f", at end {', '.join(f'{x:.2f}' for x in load_end)}" if load_end else "")
        + " (shared machine: other jobs were running, so absolute times are noisy; ratios are the point)",
        f"- nbsanitize: {nbs.version} at commit {commit.strip() if code == 0 else '?'} ({nbs.bin});"
        f" commands: {', '.join(sorted(nbs.commands))}",
        f"- Comparison tools (PyPI, {args.venv}): {tools}",
    ]


def render(results: dict, info: list[str], args, install_notes: list[str]) -> str:
    out = ["# nbsanitize benchmarks", "",
           "Generated by `bench/run" + (f" {args.mode_flag}" if args.mode_flag else "") + "`; do not edit by hand.", ""]
    out += info
    if install_notes:
        out.append("- Install failures: " + ", ".join(install_notes))
    out.append("")
    out += ["## Headline", "", "```text"] + headline(results) + ["```", ""]

    f = results.get("filter")
    if f:
        out += ["## 1. git clean filter, one process per notebook", "",
                f"Each tool reads one notebook on stdin and writes it to stdout, as git runs a clean filter (the tools take turns going first); "
                f"{f['files']} notebooks, {f['reps']} repetitions, the median of each notebook's times, then the "
                f"median, mean and sum over the {f.get('common', f['files'])} notebooks every tool accepted (a tool's "
                "failures are listed beside its name). Ratio = nbsanitize time / tool time.", ""]
        refs = [(n, r) for n, r in f["rows"].items() if r["ours"] and r.get("median_ms")]
        out.append("| tool | median ms/notebook | mean ms | total s | " + " | ".join(f"ratio: {n}" for n, _ in refs) + " |")
        out.append("|---|---:|---:|---:|" + "---:|" * len(refs))
        for name, r in f["rows"].items():
            if r["status"] != "ok":
                out.append(f"| {name} | {r['status']} |  |  |" + " |" * len(refs))
                continue
            failed = f" (failed on {len(r['failed'])})" if r.get("failed") else ""
            cells = ["–" if r["ours"] else ratio_cell(ref["median_ms"], r["median_ms"]) for _, ref in refs]
            out.append(f"| {name}{failed} | {fmt(r['median_ms'], 2)} | {fmt(r['mean_ms'], 2)} | "
                       f"{fmt(r['total_s'], 2)} | " + " | ".join(cells) + " |")
        out.append("")
        floor = f["rows"].get(FLOOR, {})
        if floor.get("median_ms"):
            out += [f"`{FLOOR}` is the harness's own floor: a process that does nothing, launched and fed "
                    f"the same way, measures {fmt(floor['median_ms'], 2)} ms, and every row includes it.", ""]

    b = results.get("batch")
    if b:
        out += ["## 2. Batch: the corpus in one run", "",
                f"{b['files']} notebooks, {b['bytes'] / 1e6:.1f} MB, copied fresh before each of {b['reps']} runs "
                "(the copy is not timed); whole-process wall time.", ""]
        for kind, title, refname in (("sanitize", "Sanitizing in place", None), ("strip", "Stripping outputs in place", "nbsanitize strip")):
            rows = {n: r for n, r in b["rows"].items() if r["kind"] == kind}
            ref = next((r for n, r in rows.items() if r["ours"] and r.get("median_s") and (refname is None or n == refname)), None)
            out += [f"**{title}**", "", "| tool | median s | CPU s (user+sys) | MB/s | peak RSS MiB | exit | ratio (nbsanitize / tool) |",
                    "|---|---:|---:|---:|---:|---|---:|"]
            for name, r in rows.items():
                if r["status"] != "ok":
                    out.append(f"| {name} | {r['status']} |  |  |  |  |  |")
                    continue
                rc = ",".join(map(str, r["exit_codes"])) + (f" ({r['error']})" if r.get("error") else "")
                cell = "–" if r["ours"] or not ref else ratio_cell(ref["median_s"], r["median_s"])
                out.append(f"| {name} | {fmt(r['median_s'], 3)} | {fmt(r.get('cpu_s'), 2)} | {fmt(r['mb_per_s'])} | {fmt(r['peak_rss_mib'])} | {rc} | {cell} |")
            out.append("")
        out += ["Exit 1 from `nbsanitize check` means findings (expected on this corpus). The nbformat + nh3 "
                "script fails on notebooks nbformat cannot read and counts them. Wall time well above CPU time "
                "is waiting, mostly for the disk (nbsanitize syncs each rewritten file before renaming it).", ""]

    g = results.get("git")
    if g and "rows" in g:
        out += ["## 3. `git add` of the corpus with each tool's filter", "",
                f"A fresh repository per run, {g['files']} notebooks ({g['bytes'] / 1e6:.1f} MB), median of "
                f"{g['reps']} runs of `git add -A` (the repository set-up and the copy are not timed); git's global and "
                "system config are ignored.", ""]
        ref = next((r for n, r in g["rows"].items() if r["ours"] and r.get("median_s")), None)
        refname = next((n for n, r in g["rows"].items() if r["ours"] and r.get("median_s")), None)
        out += [f"| setup | median s | ms/notebook | notebooks the filter refused | ratio ({refname or 'nbsanitize'} / setup) |",
                "|---|---:|---:|---:|---:|"]
        for name, r in g["rows"].items():
            if not r.get("median_s"):
                out.append(f"| {name} | {r['status']} |  |  |  |")
                continue
            cell = "–" if r["ours"] or not ref or name.startswith("no filter") else ratio_cell(ref["median_s"], r["median_s"])
            out.append(f"| {name} | {fmt(r['median_s'], 3)} | {fmt(r['per_file_ms'], 2)} | {r.get('refused', 0)} | {cell} |")
        out += ["", "Filters run with `required=false` so that a notebook a tool cannot read is stored unfiltered "
                "(and counted) instead of aborting the run.", ""]
    elif g:
        out += ["## 3. `git add`", "", g["status"], ""]

    h = results.get("html")
    if h:
        names = []
        for row in h["rows"]:
            for n in row["tools"]:
                if n not in names:
                    names.append(n)
        out += ["## 4. HTML and SVG throughput", "",
                "Generated documents; nbsanitize is timed as a whole process (`nbsanitize sanitize --format html|svg FILE`,"
                " start-up included), nh3 in-process (`nh3.clean`, start-up excluded). MB/s (10^6 bytes), median of "
                f"{h['reps']} runs. \"kept\" = output size / input size: a document the policy drops whole "
                "(e.g. an SVG it judges script-capable) is fast for the wrong reason.", ""]
        if "nbsanitize fast path (--fast-path always)" not in names:
            out += ["The lol_html fast path (`--fast-path always|never`): not available in this build.", ""]
        out += ["| document | MB | " + " | ".join(names) + " |", "|---|---:|" + "---:|" * len(names)]
        for row in h["rows"]:
            cells = []
            for n in names:
                t = row["tools"].get(n, {"status": NA})
                if t.get("status") != "ok":
                    cells.append(t["status"])
                else:
                    kept = f" ({t['kept_pct']:.0f}% kept)" if t.get("kept_pct") is not None else ""
                    cells.append(fmt(t["mb_per_s"]) + kept)
            out.append(f"| {row['doc']} | {row['bytes'] / 1e6:.1f} | " + " | ".join(cells) + " |")
        out.append("")

    c = results.get("cargo_bench")
    if c:
        out += ["### Engine in-process (`cargo bench --bench engine`, criterion)", ""]
        if c.get("rows"):
            out += [f"`{c['cmd']}`; " + "; ".join(i.replace("engine bench: ", "") for i in c.get("info", [])), "",
                    "| benchmark | time per iteration | MB/s |", "|---|---:|---:|"]
            for r in c["rows"]:
                out.append(f"| {r['name']} | {r['time']} | {fmt(r.get('mb_per_s'))} |")
            out += ["", "`json_floor` = `notebook::json::parse` + `write_python` of every notebook (the least a "
                    "rewrite costs); `sanitize_bytes` = the whole engine with the default policy. `no_html` = notebooks "
                    "with no HTML, SVG, Markdown or JavaScript output.", ""]
        else:
            out += [c["status"], ""]

    if b:
        out += ["## 5. Limits: peak memory", "",
                "Peak resident set size (`/usr/bin/time -f %M`, the figure `/usr/bin/time -v` reports) of each batch run "
                "(section 2) and of the largest generated document (section 4).", "",
                "| run | peak RSS MiB |", "|---|---:|"]
        for name, r in b["rows"].items():
            if r.get("peak_rss_mib"):
                out.append(f"| batch: {name} | {fmt(r['peak_rss_mib'])} |")
        for row in (h or {}).get("rows", []):
            for n, t in row["tools"].items():
                if t.get("peak_rss_mib"):
                    out.append(f"| {row['doc']} ({row['bytes'] / 1e6:.1f} MB): {n} | {fmt(t['peak_rss_mib'])} |")
        out.append("")
    m = results.get("models")
    if m:
        out += ["## 6. Model files (pickle scanning)", "",
                f"One opcode-dense pickle ({m['ops']:,} opcodes, {m['big_bytes'] / 1e6:.1f} MB, a state-dict-like "
                f"`OrderedDict`) and a folder of {m['files']} model pickles ({m['store_bytes'] / 1e6:.1f} MB, one of them "
                f"calling `os.system`), whole-process time, median of {m['reps']} runs. Exit 1 = something flagged.", ""]
        ref = m["rows"].get("nbsanitize check", {})
        out += ["| tool | big pickle s | M opcodes/s | folder s | files/s | exit (big; folder) | ratio (nbsanitize / tool) |",
                "|---|---:|---:|---:|---:|---|---:|"]
        for name, r in m["rows"].items():
            if r["status"] != "ok":
                out.append(f"| {name} | {r['status']} |  |  |  |  |  |")
                continue
            cell = "–"
            if not r["ours"] and ref.get("status") == "ok":
                cell = "big " + ratio_cell(ref["big"]["median_s"], r["big"]["median_s"]) + "; folder " + \
                    ratio_cell(ref["store"]["median_s"], r["store"]["median_s"])
            codes = ",".join(map(str, r["big"]["exit_codes"])) + "; " + ",".join(map(str, r["store"]["exit_codes"]))
            out.append(f"| {name} | {fmt(r['big']['median_s'], 3)} | {fmt(r['big']['mops_per_s'], 2)} | "
                       f"{fmt(r['store']['median_s'], 3)} | {fmt(r['store']['files_per_s'])} | {codes} | {cell} |")
        out.append("")
    out += ["## Reproduce", "", "```sh", "bench/run            # 30-notebook sample for section 1, 5 repetitions",
            "bench/run --full     # every notebook in section 1", "bench/run --smoke    # 2 notebooks, 1 repetition: checks the script, not the speed",
            "```", "", "Raw figures: `bench/work/results.json`.", ""]
    return "\n".join(out)


def speedup(ours, theirs) -> str:
    """'N× faster' or 'N× slower' for nbsanitize's time `ours` against `theirs`."""
    if not ours or not theirs:
        return "–"
    return f"{theirs / ours:.1f}× faster" if theirs >= ours else f"{ours / theirs:.1f}× slower"


def headline(results: dict) -> list[str]:
    lines = []
    f = results.get("filter", {}).get("rows", {})

    def ms(n):
        r = f.get(n, {})
        return r.get("median_ms")

    ours = next((n for n in ("nbsanitize filter (sanitize)", "nbsanitize sanitize - (stdin)") if ms(n)), None)
    strip = "nbsanitize filter (strip)" if ms("nbsanitize filter (strip)") else None
    if ours:
        lines.append(f"git filter, per notebook (whole process): {ours} {ms(ours):.1f} ms"
                     + (f", {strip} {ms(strip):.1f} ms" if strip else ""))
        for other in ("nbstripout", "nbstripout-fast", "nb-clean"):
            if ms(other):
                lines.append(f"  vs {other} {ms(other):.1f} ms: {speedup(ms(ours), ms(other))} while sanitizing"
                             + (f"; strip mode {speedup(ms(strip), ms(other))}" if strip else ""))
    b = results.get("batch", {}).get("rows", {})
    ours_b = next((r for n, r in b.items() if r["kind"] == "sanitize" and r["ours"] and r.get("median_s")), None)
    if ours_b:
        lines.append(f"batch sanitize of {results['batch']['files']} notebooks ({results['batch']['bytes'] / 1e6:.0f} MB): "
                     f"nbsanitize {ours_b['median_s']:.2f} s ({ours_b['mb_per_s']:.0f} MB/s"
                     + (f", {ours_b['cpu_s']:.2f} s CPU" if ours_b.get("cpu_s") is not None else "")
                     + f", peak {ours_b['peak_rss_mib']:.0f} MiB)")
        for n, r in b.items():
            if r["kind"] == "sanitize" and not r["ours"] and r.get("median_s"):
                lines.append(f"  vs {n} {r['median_s']:.2f} s: {speedup(ours_b['median_s'], r['median_s'])}")
    strip_b = b.get("nbsanitize strip", {})
    for n, r in b.items():
        if r["kind"] == "strip" and not r["ours"] and r.get("median_s"):
            if strip_b.get("median_s"):
                lines.append(f"batch strip: nbsanitize strip {strip_b['median_s']:.2f} s vs {n} {r['median_s']:.2f} s: "
                             f"{speedup(strip_b['median_s'], r['median_s'])}")
            elif n.startswith("jupyter nbconvert"):
                lines.append(f"batch strip: {n} {r['median_s']:.2f} s (nbsanitize strip not available)")
    g = results.get("git", {}).get("rows", {})
    ref = next(((n, r) for n, r in g.items() if r["ours"] and r.get("median_s")), None)
    if ref:
        for n in ("nbstripout --install", "nbstripout-fast (clean filter)", "nb-clean add-filter"):
            r = g.get(n, {})
            if r.get("median_s"):
                lines.append(f"git add of {results['git']['files']} notebooks: {ref[0]} {ref[1]['median_s']:.2f} s vs {n} "
                             f"{r['median_s']:.2f} s: {speedup(ref[1]['median_s'], r['median_s'])}")
    for row in results.get("html", {}).get("rows", []):
        parts = [f"{n.replace('nbsanitize ', '')} {t['mb_per_s']:.0f}"
                 + (f" ({t['kept_pct']:.0f}% of it kept)" if t.get("kept_pct") is not None and t["kept_pct"] < 50 else "")
                 for n, t in row["tools"].items() if t.get("mb_per_s")]
        if parts:
            lines.append(f"{row['doc']} MB/s: " + ", ".join(parts))
    for r in results.get("cargo_bench", {}).get("rows", []):
        if r["name"].startswith("corpus/") and r.get("mb_per_s"):
            lines.append(f"engine in-process, corpus: {r['name'].split('/')[1]} {r['mb_per_s']:.0f} MB/s")
    mr = results.get("models", {}).get("rows", {})
    ours_m, ps = mr.get("nbsanitize check", {}), mr.get("picklescan", {})
    if ours_m.get("status") == "ok" and ps.get("status") == "ok":
        lines.append(f"pickle scan: nbsanitize check {ours_m['big']['mops_per_s']:.1f} M opcodes/s vs picklescan "
                     f"{ps['big']['mops_per_s']:.2f} ({speedup(ours_m['big']['median_s'], ps['big']['median_s'])}); "
                     f"{ours_m['store']['files_per_s']:.0f} vs {ps['store']['files_per_s']:.0f} files/s")
    return lines or ["(no measurements)"]


# --------------------------------------------------------------------------- main

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="nbsanitize benchmark suite (run through bench/run)")
    ap.add_argument("--bin", default=str(ROOT / "target" / "release" / "nbsanitize"), help="nbsanitize binary")
    ap.add_argument("--plain-bin", default=None,
                    help="the default `cargo build --release` binary, timed beside --bin in section 1")
    ap.add_argument("--venv", default=str(HERE / ".venv"), help="venv with the comparison tools")
    ap.add_argument("--install-log", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", default=os.environ.get("NBSANITIZE_CORPUS", "/work/shared/corpus/notebooks"))
    ap.add_argument("--smoke", action="store_true", help="2 notebooks, 1 repetition, small documents, no cargo bench")
    ap.add_argument("--full", action="store_true", help="every notebook in the per-file filter section")
    ap.add_argument("--sample", type=int, default=30, help="notebooks in the per-file section (default 30)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 5; smoke 1)")
    ap.add_argument("--git-reps", type=int, default=None, help="repetitions of git add (default min(reps, 3))")
    ap.add_argument("--html-size", type=int, default=None, help="bytes per generated document (default 8 MB)")
    ap.add_argument("--seed", type=int, default=10, help="sample seed")
    ap.add_argument("--only", default="filter,batch,git,html,cargo,models", help="sections to run (comma list)")
    ap.add_argument("--render-only", action="store_true",
                    help="rewrite the markdown from bench/work/results.json without measuring")
    ap.add_argument("--no-cargo-bench", action="store_true", help="skip cargo bench")
    ap.add_argument("--out", default=None, help="markdown output (default bench/RESULTS.md; smoke: bench/work/RESULTS.smoke.md)")
    ap.add_argument("--work", default=str(HERE / "work"), help="scratch folder (default bench/work)")
    for name in ("filter-sanitize-args", "filter-strip-args", "filter-process-args", "strip-args"):
        ap.add_argument(f"--{name}", default=None,
                        help="override the nbsanitize arguments guessed from --help ('' = not available)")
    args = ap.parse_args(argv)
    args.mode = "smoke" if args.smoke else ("full" if args.full else f"sample of {args.sample}")
    args.mode_flag = "--smoke" if args.smoke else ("--full" if args.full else "")
    args.reps = args.reps or (1 if args.smoke else 5)
    git_reps = args.git_reps or min(args.reps, 3)
    html_size = args.html_size or (100_000 if args.smoke else 8_000_000)
    sections = set(args.only.split(","))
    venv = Path(args.venv)
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    out = Path(args.out) if args.out else (work / "RESULTS.smoke.md" if args.smoke else HERE / "RESULTS.md")
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else (0, 0, 0)
    t0 = time.perf_counter()

    def log(msg):
        print(f"bench [{time.perf_counter() - t0:6.1f}s] {msg}", file=sys.stderr, flush=True)

    if args.render_only:
        saved = json.loads((work / "results.json").read_text())
        out.write_text(render(saved["results"], saved["info"], argparse.Namespace(**saved["args"]), saved["install_notes"]))
        print("\n".join(headline(saved["results"])))
        return 0
    if not Path(args.bin).is_file():
        print(f"bench: {args.bin}: no such binary (run bench/run, which builds it)", file=sys.stderr)
        return 2
    corpus = Path(args.corpus)
    all_files = corpus_files(corpus) if corpus.is_dir() else []
    if not all_files:
        local = ROOT / "corpus"
        all_files = corpus_files(local) if local.is_dir() else []
        if all_files:
            log(f"{corpus} has no notebooks; using {local}")
            corpus = local
    if not all_files:
        print(f"bench: no notebooks under {args.corpus} (set NBSANITIZE_CORPUS)", file=sys.stderr)
        return 2
    per_file = sample(all_files, 2 if args.smoke else (0 if args.full else args.sample), args.seed)
    batch_files = per_file if args.smoke else all_files

    nbs = Nbs(args.bin, args)
    log(f"nbsanitize commands: {', '.join(sorted(nbs.commands))}; filter={nbs.filter_sanitize} "
        f"strip-mode={nbs.filter_strip} process={nbs.process} strip={nbs.strip} jobs={nbs.jobs} fast-path={nbs.fast_path}")
    versions = pip_versions(venv)
    install_notes = []
    if args.install_log and Path(args.install_log).is_file():
        install_notes = [l.split(":")[0] for l in Path(args.install_log).read_text().splitlines() if l.endswith("FAILED")]

    results: dict = {}
    if "filter" in sections:
        section_filter(nbs, venv, per_file, args.reps, results, log)
    if "batch" in sections:
        section_batch(nbs, venv, batch_files, work, args.reps, results, log)
    if "git" in sections:
        section_git(nbs, venv, batch_files, work, git_reps, results, log)
    html_dir = work / "html"
    if "html" in sections:
        html_dir = section_html(nbs, venv, work, html_size, args.reps, results, log)
    if "models" in sections:
        section_models(nbs, venv, work, 20_000 if args.smoke else 2_000_000, 5 if args.smoke else 300,
                       args.reps, results, log)
    if "cargo" in sections and not args.smoke and not args.no_cargo_bench:
        section_cargo_bench(html_dir, corpus, results, log, quick=False)

    info = machine_info(nbs, versions, load_start, args)
    saved = {"results": results, "info": info, "install_notes": install_notes,
             "args": {"mode_flag": args.mode_flag, "mode": args.mode, "reps": args.reps}}
    (work / "results.json").write_text(json.dumps(saved, indent=1, default=str))
    out.write_text(render(results, info, args, install_notes))
    log(f"wrote {out}")
    print("\n".join(headline(results)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
