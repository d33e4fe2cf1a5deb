#!/usr/bin/env bash
# Builds nbsanitize as it is shipped and prints the binary's path.
#
# On Linux with glibc the binary is static-pie: no shared library to load and link at start-up,
# which is most of a tiny process's life (a git clean filter starts once per file), and still
# position-independent, so ASLR applies (bench/startup.sh times both builds). `cargo build
# --release` cannot do this by itself: `-C target-feature=+crt-static` breaks proc-macro crates
# unless --target is given.
# Elsewhere this is a plain `cargo build --release`.
#   scripts/build-release.sh [extra cargo flags]
set -euo pipefail
cd "$(dirname "$0")/.."
host="$(rustc -vV | sed -n 's/^host: //p')"
case "$host" in
  *-linux-gnu)
    RUSTFLAGS="${RUSTFLAGS:-} -C target-feature=+crt-static" \
      cargo build --release --locked --bin nbsanitize --target "$host" "$@" >&2
    echo "$PWD/target/$host/release/nbsanitize"
    ;;
  *)
    cargo build --release --locked --bin nbsanitize "$@" >&2
    echo "$PWD/target/release/nbsanitize"
    ;;
esac
