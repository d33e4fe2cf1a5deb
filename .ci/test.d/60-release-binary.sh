#!/usr/bin/env bash
# The shipped binary (scripts/build-release.sh: static-pie on Linux/glibc) must behave exactly
# like the `cargo build` one: same bytes out, same exit codes, on every case of corpus/ and as a
# git filter; and it must really be static and position-independent (ASLR kept).
set -euo pipefail
cd "$(dirname "$0")/../.."
release="$(scripts/build-release.sh --quiet)"
cargo build --release --locked --quiet --bin nbsanitize
plain="target/release/nbsanitize"
fail() { echo "60-release-binary: $*" >&2; exit 1; }

if [[ "$(rustc -vV | sed -n 's/^host: //p')" == *-linux-gnu ]]; then
    command -v readelf >/dev/null || fail "readelf is missing (binutils)"
    readelf -h "$release" | grep -q 'Type:.*DYN' || fail "$release is not position-independent"
    ! readelf -d "$release" | grep -q NEEDED || fail "$release loads shared libraries"
    ! readelf -l "$release" | grep -q INTERP || fail "$release asks for a dynamic loader"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
compared=0
while IFS= read -r -d '' file; do
    for cmd in "filter" "filter --mode strip" "sanitize -"; do
        set +e
        # shellcheck disable=SC2086
        "$plain" $cmd < "$file" > "$work/plain.out" 2> "$work/plain.err"; a=$?
        # shellcheck disable=SC2086
        "$release" $cmd < "$file" > "$work/release.out" 2> "$work/release.err"; b=$?
        set -e
        [[ $a == "$b" ]] || fail "$cmd < $file: exit $a (cargo build) vs $b (release)"
        cmp -s "$work/plain.out" "$work/release.out" || fail "$cmd < $file: outputs differ"
        cmp -s "$work/plain.err" "$work/release.err" || fail "$cmd < $file: messages differ"
        compared=$((compared + 1))
    done
done < <(find corpus -type f \( -name '*.ipynb' -o -name '*.html' -o -name '*.svg' -o -name '*.md' \) -print0)
(( compared > 30 )) || fail "only $compared comparisons: corpus/ not found?"

# A whole check run: same findings (files are checked in parallel: sorted), same exit code.
set +e
"$plain" check corpus | sort > "$work/plain.txt"; a=${PIPESTATUS[0]}
"$release" check corpus | sort > "$work/release.txt"; b=${PIPESTATUS[0]}
set -e
[[ $a == "$b" ]] || fail "check corpus: exit $a vs $b"
cmp -s "$work/plain.txt" "$work/release.txt" || fail "check corpus: reports differ"
echo "60-release-binary: ok ($compared runs compared, $(basename "$release") is static-pie)"
