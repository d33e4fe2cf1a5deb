#!/usr/bin/env python3
"""Benchmark of `nbsanitize watch`: latency from a file's close to its sanitized version on disk,
and throughput of a burst.

    scripts/bench_watch_latency.py [BINARY] [N]

Starts the watcher (BINARY, default target/release/nbsanitize) on a temporary folder with a
JSON-lines report, then:
  1. writes N (default 1000) poisoned notebooks one after another, 20 ms apart, recording the
     time each was closed; the report line of each file is written right after its sanitized
     version was renamed into place, so latency = report time - close time;
  2. writes N poisoned HTML files at once and measures the time until the last one is reported.
Prints a Markdown table. Kills only the watcher it started.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "target/release/nbsanitize")
N = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
NOTEBOOK = open(os.path.join(HERE, "corpus/mlflow/notebook_poisoned.ipynb"), "rb").read()
HTML = open(os.path.join(HERE, "corpus/mlflow/report_poisoned.html"), "rb").read()


def report_lines(path):
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def wait_until(pred, limit, what):
    start = time.time()
    while not pred():
        if time.time() - start > limit:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.01)


def main():
    with tempfile.TemporaryDirectory() as work:
        root = os.path.join(work, "watched")
        os.mkdir(root)
        report = os.path.join(work, "report.jsonl")
        err = open(os.path.join(work, "stderr"), "w+")
        proc = subprocess.Popen(
            [BIN, "watch", root, "--report", report, "-j", "2"],
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            wait_until(lambda: "watching" in open(err.name).read(), 30, "the watcher")
            closed = {}
            for i in range(N):
                path = os.path.join(root, f"nb{i:05d}.ipynb")
                with open(path, "wb") as f:
                    f.write(NOTEBOOK)
                closed[path] = time.time()
                time.sleep(0.02)
            wait_until(lambda: len(report_lines(report)) >= N, 120, "all notebooks")
            done = {line["path"]: line["time_unix"] for line in report_lines(report)}
            lat = sorted((done[p] - t) * 1000 for p, t in closed.items())
            median = statistics.median(lat)
            p99 = lat[int(len(lat) * 0.99) - 1]

            burst_dir = os.path.join(root, "burst")
            os.mkdir(burst_dir)
            time.sleep(0.3)
            start = time.time()
            for i in range(N):
                with open(os.path.join(burst_dir, f"r{i:05d}.html"), "wb") as f:
                    f.write(HTML)
            written = time.time() - start
            wait_until(lambda: len(report_lines(report)) >= 2 * N, 300, "the burst")
            last = max(line["time_unix"] for line in report_lines(report)[N:])
            burst = last - start
            counts = {}
            for line in report_lines(report):
                counts[line["path"]] = counts.get(line["path"], 0) + 1
            twice = sum(1 for c in counts.values() if c > 1)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.wait()
        print(f"| measure | value |")
        print(f"|---|---:|")
        print(f"| files, one every 20 ms | {N} |")
        print(f"| latency close → sanitized on disk, median | {median:.0f} ms |")
        print(f"| latency, p99 | {p99:.0f} ms |")
        print(f"| latency, max | {lat[-1]:.0f} ms |")
        print(f"| burst of {N} files: written in | {written:.2f} s |")
        print(f"| burst: last file sanitized after | {burst:.2f} s ({N / burst:.0f} files/s) |")
        print(f"| files handled more than once | {twice} |")
        print(f"| exit code after SIGTERM | {code} |")


if __name__ == "__main__":
    main()
