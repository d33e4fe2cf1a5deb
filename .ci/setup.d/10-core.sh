#!/usr/bin/env bash
# Python's nbformat: the fidelity test compares our output with nbformat.writes.
set -euo pipefail
python3 -c "import nbformat" 2>/dev/null || python3 -m pip install -q --disable-pip-version-check nbformat
