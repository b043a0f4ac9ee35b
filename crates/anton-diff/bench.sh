#!/usr/bin/env bash
# crates/anton-diff/bench.sh — how fast is `anton diff` between two commits of
# a ~500-file repository, and against what.
#
# What it does
#   1. builds `anton` and `anton-bench-gen` in release mode;
#   2. generates the synthetic 500-file Flux repository (fixed seed) in a
#      scratch git repository and commits it (A);
#   3. changes it the way a pull request does — one app removed (its folder
#      and its line in the namespace kustomization), ten chart versions
#      bumped, five ConfigMaps edited, one file renamed — and commits (B);
#   4. times, in the same run (hyperfine: warm-up, then N runs each):
#        - `anton diff --base A --head B --json`;
#        - THE PEER: what a script-based diff does without anton — list the
#          files that changed (`git diff --name-only A B`), then build every
#          changed kustomization folder in both states with
#          `kubectl kustomize` (from two checked-out worktrees, made before
#          timing) and `diff -u` the outputs. It finds neither the Flux
#          Kustomizations nor what pruning deletes; it is the floor of the
#          work, not an equivalent;
#        - two `anton validate` runs (A and B), the cost of loading both states;
#   5. prints mean times and the ratios, and checks the 200 ms target.
#
# Usage
#   crates/anton-diff/bench.sh            # 20 runs each
#   ANTON_BENCH_RUNS=5 crates/anton-diff/bench.sh
#
# Needs git, hyperfine, jq and kubectl (the peer is skipped without kubectl).

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RUNS="${ANTON_BENCH_RUNS:-20}"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"

cargo build --release --quiet --manifest-path "$ROOT/Cargo.toml" -p anton-cli -p anton-bench
ANTON="$TARGET/release/anton"
GEN="$TARGET/release/anton-bench-gen"

WORK="$(mktemp -d /tmp/anton-diff-bench.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
REPO="$WORK/repo"
git_() { git -C "$REPO" -c user.name=bench -c user.email=bench@example.invalid -c commit.gpgsign=false "$@"; }

"$GEN" "$REPO" --files 500 >/dev/null
git_ init -q -b main
git_ add -A && git_ commit -q -m A && git_ tag A

# The pull request.
cd "$REPO"
first_ns_kustomization="$(ls kubernetes/apps/*/kustomization.yaml | sort | head -n1)"
ns_dir="$(dirname "$first_ns_kustomization")"
removed_app="$(grep -o '\./[^/]*/ks\.yaml' "$first_ns_kustomization" | head -n1 | cut -d/ -f2)"
sed -i "\#\./$removed_app/ks\.yaml#d" "$first_ns_kustomization"
rm -rf "${ns_dir:?}/$removed_app"
for file in $(grep -rl --include=helmrelease.yaml 'version: ' kubernetes/apps | sort | head -n 10); do
    sed -i -E '0,/version: ([0-9]+)\.([0-9]+)\.([0-9]+)/s//version: \1.\2.99/' "$file"
done
for file in $(find kubernetes/apps -name 'configmap-extra-1.yaml' | sort | head -n 5); do
    sed -i 's/LOG_LEVEL: debug/LOG_LEVEL: info/; s/LOG_LEVEL: info$/LOG_LEVEL: warn/' "$file"
done
renamed="$(find kubernetes/apps -name 'externalsecret.yaml' | sort | head -n1)"
if [[ -n "$renamed" ]]; then
    git_ mv "$renamed" "$(dirname "$renamed")/external-secret.yaml"
    sed -i 's#\./externalsecret\.yaml#./external-secret.yaml#' "$(dirname "$renamed")/kustomization.yaml"
fi
git_ add -A && git_ commit -q -m B && git_ tag B
cd - >/dev/null

echo "repository: $(git_ ls-files | wc -l) files; change A..B: $(git_ diff --shortstat A B)"
echo "removed app: $ns_dir/$removed_app"
{ "$ANTON" diff "$REPO/kubernetes" --base A --head B --color never || true; } | tail -n 1

# The peer's two checkouts, made before timing.
git_ worktree add -q "$WORK/a" A
git_ worktree add -q "$WORK/b" B
cat >"$WORK/peer.sh" <<'EOF'
#!/usr/bin/env bash
# Build every changed kustomization folder in both states and diff the output.
set -uo pipefail
repo="$1"; a="$2"; b="$3"
dirs="$(git -C "$repo" diff --name-only A B | xargs -r -n1 dirname | sort -u)"
for dir in $dirs; do
    while [[ "$dir" != "." && ! -f "$a/$dir/kustomization.yaml" && ! -f "$b/$dir/kustomization.yaml" ]]; do
        dir="$(dirname "$dir")"
    done
    [[ "$dir" == "." ]] && continue
    echo "$dir"
done | sort -u | while read -r dir; do
    kubectl kustomize --load-restrictor LoadRestrictionsNone "$a/$dir" >"$a.out" 2>/dev/null || true
    kubectl kustomize --load-restrictor LoadRestrictionsNone "$b/$dir" >"$b.out" 2>/dev/null || true
    diff -u "$a.out" "$b.out" >/dev/null || true
done
EOF
chmod +x "$WORK/peer.sh"

commands=(-n "anton diff" "$ANTON diff $REPO/kubernetes --base A --head B --json")
if command -v kubectl >/dev/null; then
    commands+=(-n "peer: git diff + kubectl kustomize of changed folders, both states" "$WORK/peer.sh $REPO $WORK/a $WORK/b")
fi
commands+=(-n "two anton validate runs" "$ANTON validate $WORK/a/kubernetes --json; $ANTON validate $WORK/b/kubernetes --json")

hyperfine --warmup 3 --runs "$RUNS" --ignore-failure --export-json "$WORK/results.json" "${commands[@]}" >/dev/null

echo
printf '%-70s %10s %10s %10s\n' "command" "mean ms" "min ms" "user ms"
jq -r '.results[] | [.command, (.mean*1000), (.min*1000), (.user*1000)] | @tsv' "$WORK/results.json" |
    while IFS=$'\t' read -r name mean min user; do
        printf '%-70s %10.1f %10.1f %10.1f\n' "$name" "$mean" "$min" "$user"
    done
anton_ms="$(jq '.results[0].mean*1000' "$WORK/results.json")"
echo
jq -r '.results[0].mean as $anton | .results[1:][] | "\(.command): \((.mean / $anton * 100 | floor) / 100) × the time of anton diff"' "$WORK/results.json"
if awk "BEGIN { exit !($anton_ms < 200) }"; then
    echo "target: anton diff under 200 ms — met (${anton_ms%.*} ms)"
else
    echo "target: anton diff under 200 ms — NOT met (${anton_ms%.*} ms)"
fi
