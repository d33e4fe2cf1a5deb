"""Fixtures: an installed `nbsanitize`, and real `jupyter server` processes on 127.0.0.1.

Each server gets its own token, port and isolated JUPYTER_CONFIG_DIR / JUPYTER_DATA_DIR /
JUPYTER_RUNTIME_DIR / IPYTHONDIR; the extension is enabled by the config file the wheel installs
into `<sys.prefix>/etc/jupyter/jupyter_server_config.d/` (not by the command line). When CI=true
every missing tool is a failure; locally the tests skip with the reason.
"""

from __future__ import annotations

import importlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"


def need(module: str):
    """Imports `module`, failing under CI and skipping locally when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError as e:
        if IN_CI:
            pytest.fail(f"{module} is required in CI: {e}")
        pytest.skip(f"{module} not installed ({e}); run .ci/setup.d/40-ext.sh")


def malicious_notebook() -> dict:
    """A notebook with script-bearing output, Markdown and JavaScript, and a benign table."""
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [
            {
                "cell_type": "markdown",
                "id": "md",
                "metadata": {},
                "source": "# Title\n<img src=x onerror=\"alert('md')\">",
            },
            {
                "cell_type": "code",
                "id": "code",
                "metadata": {},
                "execution_count": 1,
                "source": "show()",
                "outputs": [
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {
                            "text/html": "<b>report</b><img src=x onerror=\"alert('xss')\">",
                            "text/plain": "report",
                        },
                    },
                    {
                        "output_type": "display_data",
                        "metadata": {},
                        "data": {"application/javascript": "alert('js')", "text/plain": "js"},
                    },
                    {
                        "output_type": "execute_result",
                        "execution_count": 1,
                        "metadata": {},
                        "data": {
                            "text/html": "<table><tr><td>1</td></tr></table>",
                            "text/plain": "table",
                        },
                    },
                ],
            },
        ],
    }


def write_notebook(path: Path, nb: dict) -> bytes:
    """Writes as nbformat does; returns the bytes written."""
    data = (json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode()
    path.write_bytes(data)
    return data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A running `jupyter server` and a tiny HTTP client for it."""

    def __init__(self, base: Path, extra_args: list[str]) -> None:
        need("jupyter_server")
        self.root = base / "root"
        self.root.mkdir(parents=True)
        self.env = dict(os.environ)
        for var, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (base / sub).mkdir()
            self.env[var] = str(base / sub)
        self.env.pop("JUPYTER_PATH", None)
        self.env.pop("JUPYTER_CONFIG_PATH", None)
        self.token = secrets.token_hex(16)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log_path = base / "server.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "jupyter_server",
                "--no-browser",
                "--allow-root",
                "--ServerApp.ip=127.0.0.1",
                f"--ServerApp.port={self.port}",
                "--ServerApp.port_retries=0",
                f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}",
                *extra_args,
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"jupyter server exited {self.proc.returncode}:\n{self.log()}")
            try:
                self.request("GET", "api/status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"jupyter server did not start:\n{self.log()}") from None
                time.sleep(0.2)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def request(self, method: str, path: str, body=None, token: bool = True, raw: bytes | None = None):
        """Returns (status, parsed JSON or None)."""
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"token {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:
                text = resp.read()
                status = resp.status
        except urllib.error.HTTPError as e:
            text = e.read()
            status = e.code
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


@pytest.fixture(scope="session")
def nbs():
    """The installed package (fails in CI when missing)."""
    return need("nbsanitize")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("server"), [])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def save_server(tmp_path_factory):
    srv = Server(tmp_path_factory.mktemp("save-server"), ["--NBSanitize.sanitize_on_save=True"])
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def sync_save_server(tmp_path_factory):
    """A synchronous contents manager: hooks run inline, the save goes through the pre-save hook."""
    srv = Server(
        tmp_path_factory.mktemp("sync-save-server"),
        [
            "--NBSanitize.sanitize_on_save=True",
            "--ServerApp.contents_manager_class=jupyter_server.services.contents.largefilemanager.LargeFileManager",
        ],
    )
    yield srv
    srv.stop()
