#!/usr/bin/env bash
# Python side of nbsanitize (issue 8): a venv at extension/.venv with maturin, jupyter_server,
# ipykernel, pytest, jupyterlab and playwright, and the package itself (`pip install ./extension`: maturin builds the
# PyO3 module and the nbsanitize binary; cold ≈ 3–10 min on 2 cores). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/../.."

if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
fi
# JupyterLab check (extension/tests/test_jupyterlab.py): Debian's chromium, driven by the
# playwright Python package (its bundled driver; no browser download).
if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1; then
    echo "40-ext: cargo is required to build the extension" >&2
    exit 1
fi

VENV=extension/.venv
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install -q --disable-pip-version-check \
    'maturin>=1.7,<2' 'jupyter_server>=2,<3' nbformat ipykernel pytest websocket-client \
    jupyterlab playwright
# --no-build-isolation: use the maturin just installed (found on PATH) instead of fetching another.
# CI builds the dev profile (the tests check behaviour, not speed) and builds the CLI binary in the
# root's target/, where `cargo test` reuses it: one compile of the engine's dependencies instead of
# two release ones. EXT_PROFILE=release builds what a published wheel ships (bench.py needs it).
EXT_PROFILE="${EXT_PROFILE:-dev}"
if [ "$EXT_PROFILE" = dev ]; then
    export MATURIN_PEP517_ARGS="--profile dev"
    export NBSANITIZE_CLI_TARGET_DIR="$PWD/target"
fi
PATH="$PWD/$VENV/bin:$PATH" "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation --force-reinstall --no-deps ./extension
"$VENV/bin/python" -c 'import nbsanitize; print("40-ext: nbsanitize", nbsanitize.__version__, "installed")'
