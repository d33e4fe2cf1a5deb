#!/usr/bin/env bash
# bench smoke test needs python3, git and GNU time (peak memory); idempotent and quiet.
set -euo pipefail
missing=()
command -v python3 >/dev/null || missing+=(python3)
command -v git >/dev/null || missing+=(git)
[[ -x /usr/bin/time ]] || missing+=(time)
if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
