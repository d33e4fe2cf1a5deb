#!/bin/sh
# Real-browser XSS test (tests/browser_xss.rs): Debian's chromium + playwright-core/marked.
# Idempotent and quiet; CI runs as root on a fresh Debian machine.
set -eu
cd "$(dirname "$0")/../.."
if [ ! -x /usr/bin/chromium ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
    echo "20-browser.sh: node $(node --version) found; playwright-core and marked need node >= 20" >&2
    exit 1
fi
if [ ! -d tests/browser/node_modules ]; then
    # playwright-core never downloads a browser; the harness launches /usr/bin/chromium.
    npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi
