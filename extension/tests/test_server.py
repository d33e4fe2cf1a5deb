"""The server extension against a real `jupyter server`: load, trust, save, REST, errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from conftest import malicious_notebook, write_notebook


def served_html(model: dict) -> str:
    return model["content"]["cells"][1]["outputs"][0]["data"]["text/html"]


def test_extension_is_auto_enabled(server):
    status, ext = server.request("GET", "api/status")
    assert status == 200
    assert "nbsanitize" in server.log() and "POST /nbsanitize/sanitize" in server.log()


def test_untrusted_notebook_is_sanitized_on_load_and_disk_untouched(server, nbs):
    path = server.root / "mal.ipynb"
    original = write_notebook(path, malicious_notebook())
    status, model = server.request("GET", "api/contents/mal.ipynb?content=1")
    assert status == 200, model
    html = served_html(model)
    assert "onerror" not in html and html.startswith("<b>report</b>")
    assert all(
        "application/javascript" not in o.get("data", {}) for o in model["content"]["cells"][1]["outputs"]
    )
    assert "onerror" not in model["content"]["cells"][0]["source"]
    # the benign table is served as it was
    assert model["content"]["cells"][1]["outputs"][-1]["data"]["text/html"] == (
        "<table><tr><td>1</td></tr></table>"
    )
    assert path.read_bytes() == original
    assert "nbsanitize: mal.ipynb: sanitized on load" in server.log()


def test_trust_api_signs_the_original(server, nbs):
    path = server.root / "trust-api.ipynb"
    original = write_notebook(path, malicious_notebook())
    status, model = server.request("GET", "api/contents/trust-api.ipynb?content=1")
    assert "onerror" not in served_html(model)
    status, _ = server.request("POST", "api/contents/trust-api.ipynb/trust", raw=b"")
    assert status == 201, server.log()[-2000:]
    status, model = server.request("GET", "api/contents/trust-api.ipynb?content=1")
    assert status == 200
    assert "onerror" in served_html(model), "a trusted notebook is served as it is"
    assert path.read_bytes() == original
    # the notary's database holds the signature of the original, not of a sanitized copy
    from nbformat import reads
    from nbformat.sign import NotebookNotary

    notary = NotebookNotary(data_dir=server.env["JUPYTER_DATA_DIR"])
    assert notary.check_signature(reads(original.decode(), as_version=4))
    sanitized, _ = nbs.sanitize_notebook(original.decode())
    assert not notary.check_signature(reads(sanitized, as_version=4))


def test_jupyter_trust_command_serves_the_original(server):
    path = server.root / "trust-cli.ipynb"
    write_notebook(path, malicious_notebook())
    trust = subprocess.run(
        [sys.executable, "-m", "nbformat.sign", str(path)],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert trust.returncode == 0, trust.stderr
    status, model = server.request("GET", "api/contents/trust-cli.ipynb?content=1")
    assert status == 200 and "onerror" in served_html(model)


def test_notebook_the_engine_cannot_read_is_served_unchanged(server):
    nb = malicious_notebook()
    nb["cells"][1]["outputs"][0]["metadata"] = {"scale": float("nan")}  # nbformat reads NaN
    path = server.root / "nan.ipynb"
    path.write_text(json.dumps(nb))
    status, model = server.request("GET", "api/contents/nan.ipynb?content=1")
    assert status == 200
    assert "onerror" in served_html(model)
    assert "nbsanitize: nan.ipynb: not sanitized on load, served unchanged" in server.log()


def test_save_is_not_sanitized_by_default(server):
    body = {"type": "notebook", "format": "json", "content": malicious_notebook()}
    status, _ = server.request("PUT", "api/contents/saved.ipynb", body)
    assert status == 201
    assert "onerror" in (server.root / "saved.ipynb").read_text()


@pytest.mark.parametrize("which", ["save_server", "sync_save_server"])
def test_save_sanitizing_stores_a_sanitized_file(which, request):
    save_server = request.getfixturevalue(which)
    body = {"type": "notebook", "format": "json", "content": malicious_notebook()}
    status, model = save_server.request("PUT", "api/contents/saved.ipynb", body)
    assert status == 201, model
    stored = json.loads((save_server.root / "saved.ipynb").read_text())
    outputs = stored["cells"][1]["outputs"]
    assert "".join(outputs[0]["data"]["text/html"]) == '<b>report</b><img src=x>'
    assert all("application/javascript" not in o.get("data", {}) for o in outputs)
    assert "nbsanitize: saved.ipynb: sanitized on save" in save_server.log()
    # loading goes through the same hooks, inline for the synchronous manager
    write_notebook(save_server.root / "mal.ipynb", malicious_notebook())
    status, model = save_server.request("GET", "api/contents/mal.ipynb?content=1")
    assert status == 200 and "onerror" not in served_html(model)


def test_rest_sanitizes_text(server):
    body = {"content": "<b>hi</b><img src=x onerror=alert(1)>", "format": "html"}
    status, out = server.request("POST", "nbsanitize/sanitize", body)
    assert status == 200, out
    assert out["content"] == '<b>hi</b><img src=x>' and out["changed"] is True
    assert [f["code"] for f in out["findings"]] == ["NB102"]


def test_rest_sanitizes_a_notebook_object(server):
    status, out = server.request("POST", "nbsanitize/sanitize", malicious_notebook())
    assert status == 200, out
    assert out["changed"] is True
    assert "onerror" not in out["content"]["cells"][1]["outputs"][0]["data"]["text/html"]
    status, out = server.request(
        "POST", "nbsanitize/sanitize", {"content": "<table><tr><td>1</td></tr></table>", "format": "html"}
    )
    assert status == 200 and out["changed"] is False and out["findings"] == []


def test_rest_rejects_bad_input_with_400(server):
    status, out = server.request("POST", "nbsanitize/sanitize", {"content": "{broken", "format": "ipynb"})
    assert status == 400 and "invalid JSON" in out["message"]
    status, out = server.request("POST", "nbsanitize/sanitize", raw=b"not json")
    assert status == 400 and "not JSON" in out["message"]
    status, out = server.request("POST", "nbsanitize/sanitize", {"content": "x", "format": "docx"})
    assert status == 400 and "unknown format" in out["message"]
    status, out = server.request("POST", "nbsanitize/sanitize", [1, 2])
    assert status == 400


def test_rest_requires_the_token(server):
    body = {"content": "<img src=x onerror=alert(1)>", "format": "html"}
    status, _ = server.request("POST", "nbsanitize/sanitize", body, token=False)
    assert status == 403


def test_markdown_only_notebook_trust_is_read_from_the_notary(server):
    nb = malicious_notebook()
    nb["cells"] = nb["cells"][:1]  # no code cell: no per-cell trust marks to read
    write_notebook(server.root / "md.ipynb", nb)
    status, model = server.request("GET", "api/contents/md.ipynb?content=1")
    assert status == 200 and "onerror" not in model["content"]["cells"][0]["source"]
    status, _ = server.request("POST", "api/contents/md.ipynb/trust", raw=b"")
    assert status == 201
    status, model = server.request("GET", "api/contents/md.ipynb?content=1")
    assert "onerror" in model["content"]["cells"][0]["source"]
