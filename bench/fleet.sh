#!/usr/bin/env bash
# bench/fleet.sh — does `anton validate` grow linearly with the clusters of a repository?
#
# What it does
#   1. builds `anton`, `anton-bench-gen` and `anton-bench-schemas` in release mode;
#   2. generates, in a scratch folder outside any git work tree,
#        - fleets of N = 1, 2, 4, 8, 16 clusters (`anton-bench-gen --clusters N`):
#          every cluster runs the apps of the same FILES-file repository, with
#          the same Flux Kustomization names, over shared app bases;
#        - the 10,000-file fleet (16 clusters, 10,000 files in all);
#        - the corpora of ../shared/corpora, alone, placed side by side twice
#          (copy-1/<corpus>, copy-2/<corpus>) and ten times (10,220 files of
#          real repositories); skipped when absent;
#   3. for each, measures `anton validate --json DIR`:
#        - wall time (median of RUNS, hyperfine) and user CPU time (mean),
#        - peak memory (GNU time, largest of 3 runs),
#        - anton's own load / analyse phases (`-v --json`, median of 5),
#        - instructions (valgrind --tool=callgrind, one run; --no-callgrind skips),
#        - a plain read of the same files (`cat` of every file, the load phase's floor),
#        - kubeconform on the same folder when it is installed (see KUBECONFORM), twice:
#          its floor (no schemas: it reads and parses every file, validates nothing)
#          and with schemas (-strict, offline: anton's own built-in schemas written
#          as a kubeconform catalog by anton-bench-schemas, or KUBECONFORM_SCHEMAS);
#   4. prints the table with the ratio of each figure to the one of half the
#      clusters (2.00 is linear) and writes it to bench/out/fleet.md.
#
# Usage
#   bench/fleet.sh                 # everything (about 5 minutes on 2 cores)
#   bench/fleet.sh --quick         # 3 runs, no callgrind: checks the script
#   bench/fleet.sh --no-callgrind  # skip the instruction counts
#
# Environment (all optional)
#   ANTON_BENCH_WORK        scratch folder (default: a new mktemp -d under /tmp)
#   ANTON_BENCH_RUNS        timed runs per repository (default 15)
#   ANTON_BENCH_FLEET_FILES size of the repository every cluster runs (default 600)
#   ANTON_BENCH_CORPORA     corpora folder (default: <repo>/../shared/corpora)
#   KUBECONFORM             kubeconform binary (default: kubeconform on PATH; the row
#                           says n/a without it). Install from the Go module proxy:
#                           GOBIN=$HOME/.local/bin go install github.com/yannh/kubeconform/cmd/kubeconform@v0.7.0
#   KUBECONFORM_SCHEMAS     kubeconform -schema-location for the run with schemas (default:
#                           anton's built-in schemas as a catalog, written to the scratch
#                           folder by anton-bench-schemas: '<dir>/{{ .ResourceKind }}{{ .KindSuffix }}.json').
#                           Kinds without a schema are skipped (-ignore-missing-schemas) by both runs.
#
# Needs hyperfine, jq and GNU time (apt-get install -y hyperfine jq time); valgrind for
# the instruction counts.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/out"
RUNS="${ANTON_BENCH_RUNS:-15}"
FLEET_FILES="${ANTON_BENCH_FLEET_FILES:-600}"
CORPORA="${ANTON_BENCH_CORPORA:-$ROOT/../shared/corpora}"
KUBECONFORM="${KUBECONFORM:-$(command -v kubeconform || true)}"
CALLGRIND=1
case "${1:-}" in
    "") ;;
    --quick) RUNS=3 CALLGRIND="" ;;
    --no-callgrind) CALLGRIND="" ;;
    *) sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
CLUSTERS=(1 2 4 8 16)

say() { printf '%s\n' "$*" >&2; }
for tool in hyperfine jq; do
    command -v "$tool" >/dev/null || { say "error: $tool is needed (apt-get install -y $tool)"; exit 2; }
done
[[ -x /usr/bin/time ]] || { say "error: GNU time is needed (apt-get install -y time)"; exit 2; }
command -v valgrind >/dev/null || CALLGRIND=""

say "building anton, anton-bench-gen and anton-bench-schemas (release)…"
(cd "$ROOT" && cargo build --release --quiet -p anton-cli --bin anton -p anton-bench --bin anton-bench-gen --bin anton-bench-schemas)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
ANTON="$BIN/anton"
GEN="$BIN/anton-bench-gen"
SCHEMAS="$BIN/anton-bench-schemas"

WORK="${ANTON_BENCH_WORK:-$(mktemp -d "${TMPDIR:-/tmp}/anton-fleet.XXXXXX")}"
mkdir -p "$WORK/measure" "$OUT"
case "$(cd "$WORK" && git rev-parse --is-inside-work-tree 2>/dev/null || true)" in
    true) say "error: $WORK is inside a git work tree; set ANTON_BENCH_WORK to a folder outside it"; exit 2 ;;
esac

# ---------------------------------------------------------------- repositories
generate() { # NAME ARGS...: a generated repository, made once
    local dir="$WORK/$1"; shift
    [[ -d "$dir" ]] || "$GEN" "$dir" "$@" >&2
    echo "$dir"
}
REPOS=()
for n in "${CLUSTERS[@]}"; do
    REPOS+=("fleet-$n|$(generate "fleet-$n" --files "$FLEET_FILES" --clusters "$n")|$n")
done
# The 10,000-file fleet: 16 clusters; the size each runs is chosen so that
# the whole repository has about 10,000 files (9,993).
REPOS+=("fleet-16-10k|$(generate fleet-16-10k --files 1515 --clusters 16)|")
# side_by_side N: the corpora copied N times into one folder (copy-1 … copy-N).
side_by_side() {
    local dir="$WORK/corpora-x$1" copy
    if [[ ! -d "$dir" ]]; then
        for ((copy = 1; copy <= $1; copy++)); do
            mkdir -p "$dir/copy-$copy"
            cp -r "$CORPORA"/*/ "$dir/copy-$copy/"
        done
    fi
    echo "$dir"
}
if [[ -d "$CORPORA" ]]; then
    REPOS+=("corpora-x1|$CORPORA|")
    REPOS+=("corpora-x2|$(side_by_side 2)|")
    # About 10,000 files of real repositories side by side, each with its own
    # clusters and Flux names: the kind of tree the fleet issue measured.
    REPOS+=("corpora-x10|$(side_by_side 10)|")
else
    say "no corpora at $CORPORA: fleets only"
fi

# ---------------------------------------------------------------- measures
# wall_cpu CMD...: "WALL_MS USER_MS" (median wall, mean user CPU) of RUNS runs.
wall_cpu() {
    local json="$WORK/measure/hyperfine.json"
    hyperfine --style none --ignore-failure --shell none --warmup 3 --runs "$RUNS" \
        --export-json "$json" -- "$(printf '%q ' "$@")" >/dev/null 2>&1
    jq -r '.results[0] | "\(.median * 10000 | round / 10) \(.user * 10000 | round / 10)"' "$json"
}
peak_rss_mb() {
    local i kb max=0
    for i in 1 2 3; do
        /usr/bin/time -v -o "$WORK/measure/time.txt" "$@" >/dev/null 2>&1 || true
        kb="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/measure/time.txt")"
        ((kb > max)) && max=$kb
    done
    awk -v kb="$max" 'BEGIN { printf "%.1f\n", kb / 1024 }'
}
phases() { # DIR: "LOAD ANALYSE" medians of 5 (ms)
    local i
    for i in 1 2 3 4 5; do
        "$ANTON" validate -v --json "$1" 2>/dev/null | jq -r '.details.timingsMs | "\(.load | round) \(.analyse | round)"' || true
    done | sort -g -k2 | sed -n 3p
}
instructions() { # CMD...: instructions of one run, in millions
    [[ -z "$CALLGRIND" ]] && { echo n/a; return; }
    local out="$WORK/measure/callgrind.out"
    valgrind --tool=callgrind --callgrind-out-file="$out" "$@" >/dev/null 2>"$WORK/measure/callgrind.log" || true
    awk '/^summary:|^totals:/ { printf "%.0f\n", $2 / 1e6; exit }' "$out"
}
# plain_read DIR: wall ms of reading every file of DIR (the load phase's floor).
plain_read() {
    find "$1" -type f -not -path '*/.git/*' -print0 >"$WORK/measure/files.list"
    printf 'xargs -0 -P 2 -n 500 cat -- <%q >/dev/null\n' "$WORK/measure/files.list" >"$WORK/measure/read.sh"
    wall_cpu bash "$WORK/measure/read.sh" | cut -d' ' -f1
}
# kubeconform's schema locations: none (its floor) and anton's built-in schemas.
mkdir -p "$WORK/measure/no-schemas"
KC_FLOOR="$WORK/measure/no-schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json"
KC_SCHEMAS="${KUBECONFORM_SCHEMAS:-}"
if [[ -z "$KC_SCHEMAS" ]]; then
    rm -rf "$WORK/kubeconform-schemas"
    "$SCHEMAS" "$WORK/kubeconform-schemas" >&2
    KC_SCHEMAS="$WORK/kubeconform-schemas/{{ .ResourceKind }}{{ .KindSuffix }}.json"
fi
kubeconform_wall() { # DIR SCHEMA_LOCATION
    [[ -z "$KUBECONFORM" ]] && { echo n/a; return; }
    wall_cpu "$KUBECONFORM" -summary -strict -ignore-missing-schemas -schema-location "$2" "$1" | cut -d' ' -f1
}

ROWS=()
prev_wall="" prev_cpu="" prev_ins=""
ratio() { [[ -z "$2" || "$1" == n/a || "$2" == n/a ]] && { echo ""; return; }; awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
for entry in "${REPOS[@]}"; do
    IFS='|' read -r name dir clusters <<<"$entry"
    files=$(find "$dir" -type f | wc -l)
    say "measuring $name ($files files)…"
    read -r wall cpu <<<"$(wall_cpu "$ANTON" validate --json "$dir")"
    rss="$(peak_rss_mb "$ANTON" validate --json "$dir")"
    read -r load analyse <<<"$(phases "$dir")"
    ins="$(instructions "$ANTON" validate --json "$dir")"
    read_ms="$(plain_read "$dir")"
    kc_floor="$(kubeconform_wall "$dir" "$KC_FLOOR")"
    kc="$(kubeconform_wall "$dir" "$KC_SCHEMAS")"
    times() { [[ "$1" == n/a ]] && { echo n/a; return; }; awk -v k="$1" -v a="$wall" 'BEGIN { printf "%.1f×", k / a }'; }
    doubling="" cpu_doubling="" ins_doubling=""
    if [[ -n "$clusters" && "$clusters" != 1 ]]; then
        doubling="$(ratio "$wall" "$prev_wall")"; cpu_doubling="$(ratio "$cpu" "$prev_cpu")"; ins_doubling="$(ratio "$ins" "$prev_ins")"
    fi
    [[ -n "$clusters" ]] && { prev_wall="$wall" prev_cpu="$cpu" prev_ins="$ins"; }
    ROWS+=("| $name | ${clusters:-–} | $files | $wall | $cpu | ${cpu_doubling:-–} | $ins | ${ins_doubling:-–} | $rss | $load / $analyse | $read_ms | $kc_floor / $kc | $(times "$kc_floor") / $(times "$kc") |")
done

{
    echo "# anton validate on fleets — $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo
    echo "- machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- anton: $(cd "$ROOT" && git rev-parse --short HEAD); fleets of --files $FLEET_FILES; kubeconform: ${KUBECONFORM:-n/a} -strict -ignore-missing-schemas, floor: no schemas, with schemas: ${KUBECONFORM_SCHEMAS:-the built-in schemas of anton (anton-bench-schemas)}"
    echo
    echo "| repo | clusters | files | wall (ms) | user CPU (ms) | CPU ×/doubling | instructions (M) | instr. ×/doubling | peak RSS (MB) | load / analyse (ms) | plain read (ms) | kubeconform floor / with schemas (ms) | kubeconform / anton (floor / with schemas) |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "×/doubling: the figure divided by the one of half as many clusters (2.00 is linear)."
    echo "kubeconform / anton: kubeconform's wall time over anton's, measured in the same run (above 1: anton is faster)."
} >"$OUT/fleet.md"
cat "$OUT/fleet.md"
say "written to $OUT/fleet.md; repositories kept in $WORK"
