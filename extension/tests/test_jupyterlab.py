"""JupyterLab in headless Chromium: no payload runs, neither from an opened malicious notebook nor
from live kernel output (CVE-2024-27132's path: the user's own kernel displays attacker HTML,
which JupyterLab trusts). A control server with live sanitizing off must see the payload run,
proving the check can fail.

Needs jupyterlab and playwright (Python; it drives the system's /usr/bin/chromium, no browser
download) and chromium; `CHROMIUM` overrides the browser path.
"""

from __future__ import annotations

import os
import shutil

import pytest
from conftest import IN_CI, Server, malicious_notebook, need, write_notebook

PAYLOAD = "document.body.dataset.pwned = '1'; alert('pwned')"
LIVE_HTML = f'<b id="live">live</b><img src=x onerror="{PAYLOAD}">'
LIVE_CODE = f"from IPython.display import HTML, display\ndisplay(HTML({LIVE_HTML!r}))"


def chromium() -> str:
    path = os.environ.get("CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        if IN_CI:
            pytest.fail(f"chromium is required in CI ({path} missing)")
        pytest.skip(f"chromium not installed ({path})")
    return path


def lab_notebook(code: str) -> dict:
    nb = malicious_notebook()
    nb["cells"] = [{"cell_type": "code", "id": "run", "metadata": {}, "execution_count": None, "source": code, "outputs": []}]
    return nb


@pytest.fixture(scope="module")
def lab_servers(tmp_path_factory):
    need("jupyterlab")
    need("ipykernel")
    servers = {
        "on": Server(tmp_path_factory.mktemp("lab-on"), []),
        "off": Server(tmp_path_factory.mktemp("lab-off"), ["--NBSanitize.sanitize_live_outputs=False"]),
    }
    yield servers
    for srv in servers.values():
        srv.stop()


@pytest.fixture(scope="module")
def browser():
    exe = chromium()
    sync_api = need("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def open_in_lab(browser, srv: Server, name: str, run: bool) -> dict:
    """Opens a notebook in JupyterLab, optionally runs its first cell; returns what happened."""
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        # `reset`: a fresh workspace, so only this notebook is open
        page.goto(f"{srv.url}lab/tree/{name}?reset&token={srv.token}", timeout=120_000)
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_selector(".jp-Spinner", state="detached", timeout=120_000)
        if run:
            # the kernel must be connected and idle, or the execution request is dropped
            page.locator(".jp-StatusBar-Widget").get_by_text("| Idle").wait_for(timeout=120_000)
            page.locator(".jp-Notebook .jp-Cell .jp-InputArea-editor:visible").first.click()
            page.keyboard.press("Shift+Enter")
        try:
            page.wait_for_selector(".jp-OutputArea-output img", timeout=90_000)
        except Exception:
            shot = srv.root.parent / f"{name}.png"
            page.screenshot(path=str(shot))
            raise AssertionError(f"no output rendered; screenshot {shot}; server log:\n{srv.log()[-3000:]}")
        page.wait_for_timeout(1500)  # let the image fail to load and any handler fire
        return {
            "pwned": page.evaluate("document.body.dataset.pwned || null"),
            "dialogs": dialogs,
            "html": page.inner_html(".jp-OutputArea-output:has(img)"),
        }
    finally:
        page.close()


def test_opened_malicious_notebook_runs_nothing(lab_servers, browser):
    srv = lab_servers["on"]
    nb = malicious_notebook()
    out = nb["cells"][1]["outputs"][0]["data"]
    out["text/html"] = f'<b>report</b><img src=x onerror="{PAYLOAD}">'
    write_notebook(srv.root / "mal.ipynb", nb)
    seen = open_in_lab(browser, srv, "mal.ipynb", run=False)
    assert seen["pwned"] is None and seen["dialogs"] == [], seen
    assert "report" in seen["html"] and "onerror" not in seen["html"]


def test_live_output_payload_does_not_run(lab_servers, browser):
    srv = lab_servers["on"]
    write_notebook(srv.root / "live.ipynb", lab_notebook(LIVE_CODE))
    seen = open_in_lab(browser, srv, "live.ipynb", run=True)
    assert seen["pwned"] is None and seen["dialogs"] == [], seen
    assert "live" in seen["html"] and "onerror" not in seen["html"]


def test_control_without_live_sanitizing_the_payload_runs(lab_servers, browser):
    srv = lab_servers["off"]
    write_notebook(srv.root / "live.ipynb", lab_notebook(LIVE_CODE))
    seen = open_in_lab(browser, srv, "live.ipynb", run=True)
    assert seen["pwned"] == "1" and seen["dialogs"] == ["pwned"], seen
