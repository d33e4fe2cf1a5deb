#!/usr/bin/env bash
# Runs every test of nbsanitize: the Rust suite (unit, integration, doc and property tests,
# the real-browser XSS test, git and watcher tests) and the non-cargo suites in .ci/test.d/
# (the Jupyter server extension's pytest, …). Installs what the tests need when it is missing
# (.ci/setup.d/: Chromium, Python packages, npm modules), so it works on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")/.."

for setup in .ci/setup.d/*.sh; do
  [ -e "$setup" ] || continue
  echo "==> setup: $setup"
  bash "$setup"
done

echo "==> cargo test"
cargo test --locked

status=0
for suite in .ci/test.d/*.sh; do
  [ -e "$suite" ] || continue
  echo "==> suite: $suite"
  bash "$suite" || { echo "FAILED: $suite"; status=1; }
done
exit $status
