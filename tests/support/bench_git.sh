#!/usr/bin/env bash
# Speed of the git filter versus nbstripout and nbstripout-fast on the notebook corpus.
# Usage: tests/support/bench_git.sh [NBSANITIZE] [CORPUS] [NBSTRIPOUT_SAMPLE]
# Prints per-file whole-process times (wall and CPU, mean over the files) and `git add` of the
# corpus. Python tools are called through their real paths, not pyenv shims.
set -eu
BIN=${1:-target/release/nbsanitize}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
CORPUS=${2:-/work/shared/corpus/notebooks}
SAMPLE=${3:-40}
now() { date +%s.%N; }
files=$(find "$CORPUS" -name '*.ipynb' | sort)
count=$(echo "$files" | wc -l)
sample=$(echo "$files" | awk -v n="$count" -v s="$SAMPLE" 'NR % int(n / s + 1) == 0')
scount=$(echo "$sample" | wc -l)
real() { if command -v pyenv >/dev/null 2>&1; then pyenv which "$1"; else command -v "$1"; fi; }
per_file() { # NAME COUNT CMD... (file on stdin)
    name=$1; n=$2; shift 2
    list=$files; [ "$n" = "$scount" ] && list=$sample
    TIMEFORMAT='%R %U %S'
    t=$( { time (for f in $list; do "$@" < "$f" > /dev/null 2>&1 || true; done) ; } 2>&1 )
    read -r wall user sys <<< "$t"
    printf '%s wall %.2f ms/file, cpu %.2f ms/file (%s files)\n' "$name" \
        "$(echo "$wall * 1000 / $n" | bc -l)" "$(echo "($user + $sys) * 1000 / $n" | bc -l)" "$n"
}
per_file "nbsanitize-filter-sanitize" "$count" "$BIN" filter --path x.ipynb
per_file "nbsanitize-filter-strip" "$count" "$BIN" filter --mode strip --path x.ipynb
per_file "nbstripout-fast" "$count" "$(real nbstripout-fast)"
per_file "nbstripout" "$scount" "$(real python3)" -m nbstripout

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" GIT_CONFIG_GLOBAL="$work/home/.gitconfig" GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git_add() { # NAME INSTALL-CMD...
    name=$1; shift
    repo="$work/$name"; mkdir -p "$repo"; cp -r "$CORPUS"/. "$repo"/
    (cd "$repo" && git init -q && "$@" >/dev/null)
    t0=$(now); (cd "$repo" && git add -A 2>/dev/null); t1=$(now)
    echo "git-add-$name $(echo "$t1 - $t0" | bc -l | xargs printf '%.2f') s ($count notebooks)"
}
[ "${SKIP_GIT_ADD:-}" ] && exit 0
git_add nbsanitize-process "$BIN" install
git_add nbstripout sh -c "nbstripout --install && git config filter.nbstripout.required false"
