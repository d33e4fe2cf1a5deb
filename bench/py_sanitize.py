#!/usr/bin/env python3
"""The Python baseline for the batch benchmark: sanitize notebooks in place with nbformat + nh3.

This is what a team would write without nbsanitize, with the same MIME decisions as
nbsanitize's default policy:
  * drop application/javascript and the Bokeh exec/load bundles (executable output);
  * clean text/html and text/markdown outputs, and the HTML in markdown cells, with nh3
    (ammonia, the same sanitizer nbsanitize uses on its slow path);
  * clean image/svg+xml with nh3 and an SVG allowlist;
  * keep images, text/plain, JSON and everything else;
  * drop an output whose bundle is left empty;
  * write back through nbformat only when something changed.

Markdown cells are cleaned as a whole when they contain '<' (a cost baseline, not a product:
it escapes '>' in block quotes). nbformat 3 notebooks (worksheets, short MIME keys) are
handled in their own structure.

Usage: py_sanitize.py [--jobs N] PATH...   (folders are walked for *.ipynb)
"""

import argparse
import os
import sys
import warnings
from multiprocessing import Pool

import nbformat
import nh3

warnings.filterwarnings("ignore")  # nbformat's MissingIDFieldWarning on old notebooks

DROP = {
    "application/javascript",
    "application/vnd.bokehjs_exec.v0+json",
    "application/vnd.bokehjs_load.v0+json",
    # nbformat 3 short keys
    "javascript",
}
HTML = {"text/html", "text/markdown", "html", "markdown"}
SVG = {"image/svg+xml", "svg"}

SVG_TAGS = {
    "svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon", "text",
    "tspan", "defs", "use", "clipPath", "linearGradient", "radialGradient", "stop", "symbol",
    "title", "desc", "mask", "pattern", "marker", "style", "image",
}
SVG_ATTRS = {
    "id", "class", "style", "d", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx", "ry",
    "width", "height", "viewBox", "transform", "fill", "stroke", "stroke-width", "opacity",
    "fill-opacity", "stroke-opacity", "points", "font-size", "font-family", "text-anchor",
    "clip-path", "offset", "stop-color", "xmlns", "version", "preserveAspectRatio",
    "stroke-linecap", "stroke-linejoin", "stroke-dasharray", "href", "xlink:href",
}

if hasattr(nh3, "Cleaner"):
    _html = nh3.Cleaner().clean
    _svg = nh3.Cleaner(tags=SVG_TAGS, attributes={"*": SVG_ATTRS}, clean_content_tags={"script"}).clean
else:  # older nh3
    _html = nh3.clean

    def _svg(text):
        return nh3.clean(text, tags=SVG_TAGS, attributes={"*": SVG_ATTRS})


def _text(value):
    return "".join(value) if isinstance(value, list) else value


def _clean(value, fn):
    text = _text(value)
    if not isinstance(text, str):
        return value, False
    out = fn(text)
    return (out, True) if out != text else (value, False)


def _bundle(bundle):
    """Cleans one MIME bundle in place; returns whether it changed."""
    changed = False
    for key in list(bundle.keys()):
        if key in DROP:
            del bundle[key]
            changed = True
        elif key in HTML:
            bundle[key], c = _clean(bundle[key], _html)
            changed |= c
        elif key in SVG:
            bundle[key], c = _clean(bundle[key], _svg)
            changed |= c
    return changed


def _cells(nb):
    if nb.get("nbformat", 4) >= 4:
        return nb.get("cells", [])
    return [c for ws in nb.get("worksheets", []) for c in ws.get("cells", [])]


def sanitize(nb):
    changed = False
    for cell in _cells(nb):
        kind = cell.get("cell_type")
        if kind == "markdown":
            source = _text(cell.get("source", ""))
            if "<" in source:
                out = _html(source)
                if out != source:
                    cell["source"] = out
                    changed = True
        elif kind == "code":
            kept = []
            for output in cell.get("outputs", []):
                if output.get("output_type") in ("stream", "error", "pyerr"):
                    kept.append(output)
                    continue
                data = output.get("data", output)  # nbformat 3 keeps MIME keys on the output
                before = len(data)
                if _bundle(data):
                    changed = True
                    mime_keys = [k for k in data if k not in ("output_type", "metadata", "execution_count", "prompt_number", "transient")]
                    if before and not mime_keys:
                        continue  # nothing safe left in the bundle
                kept.append(output)
            if len(kept) != len(cell.get("outputs", [])):
                cell["outputs"] = kept
    return changed


def run_one(path):
    with open(path, encoding="utf-8") as f:
        nb = nbformat.read(f, as_version=nbformat.NO_CONVERT)
    if sanitize(nb):
        with open(path, "w", encoding="utf-8") as f:
            nbformat.write(nb, f, version=nb.get("nbformat", 4))
        return True
    return False


def safe_run(path):
    try:
        return run_one(path), None
    except Exception as err:  # report and go on, as nbsanitize does
        return False, f"{path}: {type(err).__name__}: {err}"


def walk(paths):
    for p in paths:
        if os.path.isdir(p):
            for root, _dirs, files in os.walk(p):
                for name in sorted(files):
                    if name.endswith(".ipynb"):
                        yield os.path.join(root, name)
        else:
            yield p


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)
    files = list(walk(args.paths))
    if args.jobs > 1:
        with Pool(args.jobs) as pool:
            results = pool.map(safe_run, files, chunksize=4)
    else:
        results = [safe_run(f) for f in files]
    failed = [err for _, err in results if err]
    for err in failed:
        print(f"py_sanitize: {err}", file=sys.stderr)
    changed = sum(1 for c, _ in results if c)
    print(f"{len(files)} files, {changed} changed, {len(failed)} failed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
