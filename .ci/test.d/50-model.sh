#!/usr/bin/env bash
# Model scanner: regenerate the model corpus with this machine's Python into a temp folder and
# check it against expected.json with the same test that checks the committed files (so the
# generator and the committed corpus cannot drift apart), then the committed corpus itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null || { echo "50-model: python3 missing (setup.d/50-model.sh)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp corpus/models/generate.py "$work/"
python3 "$work/generate.py"
NBSANITIZE_MODEL_CORPUS="$work" cargo test --quiet --test model_corpus
cargo test --quiet --test model_corpus --test model_props --test model_memory --test model_cli
