#!/usr/bin/env bash
# Model scanner: python3 regenerates corpus/models in CI (standard library only).
set -euo pipefail
if ! command -v python3 >/dev/null; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null
fi
