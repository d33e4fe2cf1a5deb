#!/bin/sh
# git integration tests (tests/git.rs) need git, nbstripout (output comparison) and
# pre-commit (hooks test). Idempotent and quiet.
set -eu
if ! command -v git >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq git >/dev/null
fi
need=""
command -v nbstripout >/dev/null 2>&1 || need="$need nbstripout"
command -v pre-commit >/dev/null 2>&1 || need="$need pre-commit"
if [ -n "$need" ]; then
    if ! command -v pip3 >/dev/null 2>&1 && ! command -v pip >/dev/null 2>&1; then
        apt-get update -qq && apt-get install -y -qq python3-pip >/dev/null
    fi
    PIP=$(command -v pip3 || command -v pip)
    # Debian's system Python refuses global installs without this flag (PEP 668).
    $PIP install -q --disable-pip-version-check $need 2>/dev/null \
        || $PIP install -q --disable-pip-version-check --break-system-packages $need
fi
