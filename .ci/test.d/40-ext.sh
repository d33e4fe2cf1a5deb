#!/usr/bin/env bash
# pytest for the Python package and the Jupyter server extension (extension/tests).
# Needs .ci/setup.d/40-ext.sh first. pytest's exit 5 (no tests collected) is a failure.
set -uo pipefail
cd "$(dirname "$0")/../.."
PY=extension/.venv/bin/python
if [ ! -x "$PY" ]; then
    echo "40-ext: extension/.venv is missing; run .ci/setup.d/40-ext.sh" >&2
    exit 1
fi
CI="${CI:-true}" "$PY" -m pytest -q -p no:cacheprovider extension/tests
rc=$?
if [ "$rc" -eq 5 ]; then
    echo "40-ext: pytest collected no tests" >&2
    exit 1
fi
exit "$rc"
