"""The Python API and the console command of the installed package."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading

import pytest
from conftest import IN_CI, malicious_notebook

PAYLOAD = "<b>hi</b><img src=x onerror=alert(1)>"


def test_sanitize_html_str_and_bytes(nbs):
    assert nbs.sanitize(PAYLOAD, format="html") == '<b>hi</b><img src=x>'
    assert nbs.sanitize(PAYLOAD.encode(), format="html") == '<b>hi</b><img src=x>'


def test_clean_input_comes_back_unchanged(nbs):
    clean = "<table><tr><td>1</td></tr></table>"
    assert nbs.sanitize(clean, format="html") == clean
    assert nbs.check(clean, format="html") == []


def test_check_returns_finding_dicts(nbs):
    findings = nbs.check(json.dumps(malicious_notebook()))
    codes = {f["code"] for f in findings}
    assert {"NB102", "NB601"} <= codes, findings
    f = next(f for f in findings if f["code"] == "NB102" and f["location"]["output"] == 0)
    assert set(f) == {"code", "rule", "severity", "message", "location", "action"}
    assert f["severity"] == "error"
    assert f["action"] == "removed"
    assert f["location"]["cell"] == 1
    assert f["location"]["cell_id"] == "code"
    assert f["location"]["mime"] == "text/html"
    assert f["location"]["pointer"] == "/cells/1/outputs/0/data/text~1html"


def test_sanitize_notebook_dict_keeps_shape(nbs):
    nb = malicious_notebook()
    out, findings = nbs.sanitize_notebook(nb)
    assert out is not nb and findings
    outputs = out["cells"][1]["outputs"]
    assert outputs[0]["data"]["text/html"] == '<b>report</b><img src=x>'
    assert all("application/javascript" not in o.get("data", {}) for o in outputs)
    # benign table untouched, strings stay joined (not nbformat's lists of lines)
    assert outputs[-1]["data"]["text/html"] == "<table><tr><td>1</td></tr></table>"
    assert "onerror" not in out["cells"][0]["source"]
    assert nb["cells"][1]["outputs"][0]["data"]["text/html"].endswith("onerror=\"alert('xss')\">")


def test_sanitize_notebook_unchanged_returns_same_object(nbs):
    nb = malicious_notebook()
    nb["cells"] = nb["cells"][1:]
    nb["cells"][0]["outputs"] = nb["cells"][0]["outputs"][2:]
    out, findings = nbs.sanitize_notebook(nb)
    assert out is nb and findings == []


def test_sanitize_notebook_text_is_nbformat_bytes(nbs):
    text = json.dumps(malicious_notebook())
    out, findings = nbs.sanitize_notebook(text)
    assert findings and out.endswith("}\n")
    assert out.startswith('{\n "cells": [\n')  # sorted keys, one-space indent
    assert "onerror" not in out


def test_errors_are_value_errors_with_one_line(nbs):
    with pytest.raises(ValueError, match="invalid JSON") as e:
        nbs.sanitize("{broken", format="ipynb")
    assert "\n" not in str(e.value)
    with pytest.raises(ValueError, match="unknown format"):
        nbs.sanitize("x", format="docx")
    with pytest.raises(ValueError, match="unknown policy"):
        nbs.sanitize("x", format="html", policy="lenient")
    with pytest.raises(ValueError, match="runs code"):
        nbs.Policy(keep_mime_types=["application/javascript"])
    with pytest.raises(ValueError):
        nbs.Policy(add_tags=["script"])
    with pytest.raises(ValueError, match="str or bytes"):
        nbs.check(12)


def test_policy_objects_and_presets(nbs):
    bundle = json.dumps({"application/x-custom": "x", "text/plain": "p"})
    assert nbs.sanitize_bundle(bundle)[0] is None
    strict = nbs.Policy("strict")
    assert strict.preset == "strict"
    data, findings = nbs.sanitize_bundle(bundle, None, strict)
    assert json.loads(data) == {"text/plain": "p"}
    assert findings[0]["code"] == "NB603"
    kept = nbs.Policy("strict", keep_mime_types=["application/x-custom"])
    assert nbs.sanitize_bundle(bundle, None, kept)[0] is None


def test_bundle_locations_are_relative(nbs):
    data, findings = nbs.sanitize_bundle(json.dumps({"text/html": PAYLOAD}))
    assert json.loads(data) == {"text/html": '<b>hi</b><img src=x>'}
    loc = findings[0]["location"]
    assert loc["cell"] is None and loc["output"] is None
    assert loc["pointer"] == "/text~1html"


def test_gil_is_released(nbs):
    """Another Python thread keeps running while the engine works on a big input."""
    big = "<p>x<img src=x onerror=alert(1)></p>" * 50_000
    ticks = 0
    done = threading.Event()

    def count():
        nonlocal ticks
        while not done.is_set():
            ticks += 1

    t = threading.Thread(target=count)
    t.start()
    try:
        before = ticks
        nbs.sanitize(big, format="html")
        during = ticks - before
    finally:
        done.set()
        t.join()
    # With the GIL held for the whole call the counter could only move at the switch interval
    # boundaries before the call started; released, it runs freely (hundreds of thousands).
    assert during > 10_000, during


def _nbsanitize_command():
    exe = shutil.which("nbsanitize", path=str(__import__("pathlib").Path(sys.executable).parent))
    if exe is None:
        if IN_CI:
            pytest.fail("the nbsanitize command was not installed with the wheel")
        pytest.skip("nbsanitize command not installed")
    return exe


def test_console_command_is_the_rust_binary(nbs, tmp_path):
    exe = _nbsanitize_command()
    with open(exe, "rb") as f:
        assert f.read(4) == b"\x7fELF" or sys.platform != "linux"
    nb = tmp_path / "mal.ipynb"
    nb.write_text(json.dumps(malicious_notebook()))
    checked = subprocess.run([exe, "check", str(nb)], capture_output=True, text=True, timeout=60)
    assert checked.returncode == 1, checked
    assert "NB102" in checked.stdout + checked.stderr
    via_module = subprocess.run(
        [sys.executable, "-m", "nbsanitize", "--version"], capture_output=True, text=True, timeout=60
    )
    assert via_module.returncode == 0 and nbs.__version__ in via_module.stdout
