#!/usr/bin/env bash
# bench/run.sh — how fast is `anton validate`, and against what.
#
# What it does
#   1. builds `anton` and `anton-bench-gen` in release mode;
#   2. generates two synthetic Flux repositories (500 and 10,000 files, fixed
#      seed, so every run measures the same bytes) in a scratch folder outside
#      any git work tree;
#   3. for each of them and for each corpus in ../shared/corpora (skipped when
#      absent), measures
#        - the wall time of `anton validate --json DIR` (median of N runs,
#          hyperfine when installed, else a loop around bash's `time`) and its
#          CPU time (user + system, mean; steady even on a busy machine),
#        - its peak memory (`/usr/bin/time -v`, "Maximum resident set size",
#          the largest of 3 runs; shown as n/a without GNU time),
#        - anton's own phase timings (`anton validate -v --json`, details.timingsMs),
#        - THE PEER, in the same run: `kubectl kustomize --load-restrictor
#          LoadRestrictionsNone DIR`, one process per folder holding a
#          kustomization file, which is what tools that shell out to kustomize
#          do. On the 10,000-file repository only a fixed, evenly spaced sample
#          of folders is built and the time is extrapolated to all folders
#          (marked `~` in the table).
#   4. prints a table (repo, files, anton wall, anton peak RSS, kubectl wall,
#      ratio = kubectl wall / anton wall, and the same in CPU time) and writes
#      it to bench/out/results.md.
#
# Usage
#   bench/run.sh            # full run (about 5 minutes on 2 cores)
#   bench/run.sh --quick    # fewer runs, smaller peer sample: checks the script
#
# Environment (all optional)
#   ANTON_BENCH_WORK       scratch folder (default: a new mktemp -d under /tmp);
#                          must be outside any git work tree, because anton
#                          resolves Flux spec.path against the nearest .git
#   ANTON_BENCH_RUNS       timed runs of anton per repository (default 15)
#   ANTON_BENCH_PEER_RUNS  timed runs of the kubectl peer (default 3)
#   ANTON_BENCH_SAMPLE     folders of the 10k repository the peer builds (default 150)
#   ANTON_BENCH_CORPORA    corpora folder (default: <repo>/../shared/corpora)
#   ANTON_BENCH_MAX_LOAD   wait (at most 5 minutes) until the 1-minute load
#                          average is below this before measuring (default: no wait)
#   KUBECTL                kubectl to use (default: kubectl on PATH)
#
# Optional tools: hyperfine (`apt-get install -y hyperfine`), GNU time
# (`apt-get install -y time`), jq. Without them the script still runs and
# says what it could not measure.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$ROOT/bench/out"
RUNS="${ANTON_BENCH_RUNS:-15}"
PEER_RUNS="${ANTON_BENCH_PEER_RUNS:-3}"
SAMPLE="${ANTON_BENCH_SAMPLE:-150}"
CORPORA="${ANTON_BENCH_CORPORA:-$ROOT/../shared/corpora}"
KUBECTL="${KUBECTL:-kubectl}"
SIZES=(500 10000)
if [[ "${1:-}" == "--quick" ]]; then
    RUNS=3 PEER_RUNS=1 SAMPLE=20
elif [[ -n "${1:-}" ]]; then
    sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
fi

say() { printf '%s\n' "$*" >&2; }
have() { command -v "$1" >/dev/null 2>&1; }

# ---------------------------------------------------------------- tools
HYPERFINE=""; have hyperfine && HYPERFINE=hyperfine
GNU_TIME=""
if [[ -x /usr/bin/time && "$(/usr/bin/time -v true 2>&1)" == *"Maximum resident set size"* ]]; then
    GNU_TIME=/usr/bin/time
fi
JQ=""; have jq && JQ=jq
HAVE_KUBECTL=""; have "$KUBECTL" && HAVE_KUBECTL=1
[[ -z "$HYPERFINE" ]] && say "note: hyperfine not found (apt-get install -y hyperfine); timing with a loop around bash's time"
[[ -z "$GNU_TIME" ]] && say "note: GNU time not found (apt-get install -y time); peak memory will be n/a"
[[ -z "$JQ" ]] && say "note: jq not found; phase timings will be n/a"
[[ -z "$HAVE_KUBECTL" ]] && say "note: $KUBECTL not found; the peer column will be n/a"

# ---------------------------------------------------------------- build
say "building anton and anton-bench-gen (release)…"
(cd "$ROOT" && cargo build --release --quiet -p anton-cli --bin anton -p anton-bench --bin anton-bench-gen)
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
ANTON="$BIN/anton"
GEN="$BIN/anton-bench-gen"

# ---------------------------------------------------------------- scratch
if [[ -n "${ANTON_BENCH_WORK:-}" ]]; then
    WORK="$ANTON_BENCH_WORK"
    mkdir -p "$WORK"
else
    WORK="$(mktemp -d "${TMPDIR:-/tmp}/anton-bench.XXXXXX")"
fi
case "$(cd "$WORK" && git rev-parse --is-inside-work-tree 2>/dev/null || true)" in
    true) say "error: $WORK is inside a git work tree; set ANTON_BENCH_WORK to a folder outside it"; exit 2 ;;
esac
mkdir -p "$OUT" "$WORK/measure"

# ---------------------------------------------------------------- helpers
wait_for_low_load() {
    [[ -z "${ANTON_BENCH_MAX_LOAD:-}" ]] && return 0
    local waited=0 load
    while :; do
        load="$(cut -d' ' -f1 /proc/loadavg)"
        awk -v l="$load" -v m="$ANTON_BENCH_MAX_LOAD" 'BEGIN { exit !(l < m) }' && return 0
        ((waited >= 300)) && { say "load $load still ≥ $ANTON_BENCH_MAX_LOAD after 5 min; measuring anyway"; return 0; }
        say "load $load ≥ $ANTON_BENCH_MAX_LOAD, waiting…"
        sleep 15; waited=$((waited + 15))
    done
}

# measure RUNS WARMUP CMD...: "WALL CPU" — the median wall time and the mean
# CPU time (user + system, all threads and child processes) of CMD, in ms.
# CPU time barely moves when other jobs share the machine; wall time does.
# Exit codes are ignored: anton exits 1/2 on findings, and that is a result.
measure() {
    local runs="$1" warmup="$2"; shift 2
    if [[ -n "$HYPERFINE" && -n "$JQ" ]]; then
        local json="$WORK/measure/hyperfine.json" cmd
        cmd="$(printf '%q ' "$@")"
        hyperfine --style none --ignore-failure --shell none --warmup "$warmup" --runs "$runs" \
            --export-json "$json" -- "$cmd" >/dev/null 2>&1
        "$JQ" -r '.results[0] | "\(.median * 10000 | round / 10) \((.user + .system) * 10000 | round / 10)"' "$json"
        return
    fi
    # Without hyperfine: bash's own `time` (real, user, sys) around each run.
    local i log="$WORK/measure/times.txt" TIMEFORMAT='%3R %3U %3S'
    : >"$log"
    for ((i = 0; i < warmup; i++)); do "$@" >/dev/null 2>&1 || true; done
    for ((i = 0; i < runs; i++)); do
        { time "$@" >/dev/null 2>&1 || true; } 2>>"$log"
    done
    sort -g "$log" | awk '{ w[NR] = $1; cpu += $2 + $3 } END {
        m = (NR % 2) ? w[(NR + 1) / 2] : (w[NR / 2] + w[NR / 2 + 1]) / 2
        printf "%.1f %.1f\n", m * 1000, cpu / NR * 1000 }'
}

# peak_rss_mb CMD...: the largest "Maximum resident set size" of 3 runs, in MB.
peak_rss_mb() {
    [[ -z "$GNU_TIME" ]] && { echo "n/a"; return; }
    local i kb max=0
    for i in 1 2 3; do
        "$GNU_TIME" -v -o "$WORK/measure/time.txt" "$@" >/dev/null 2>&1 || true
        kb="$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/measure/time.txt")"
        ((kb > max)) && max=$kb
    done
    awk -v kb="$max" 'BEGIN { printf "%.1f\n", kb / 1024 }'
}

# phases DIR: "load/analyse" medians (ms) of anton's own timings, 5 runs.
phases() {
    [[ -z "$JQ" ]] && { echo "n/a"; return; }
    local i loads=() analyses=() line
    for i in 1 2 3 4 5; do
        line="$("$ANTON" validate -v --json "$1" 2>/dev/null | "$JQ" -r '.details.timingsMs | "\(.load) \(.analyse)"' || true)"
        [[ -z "$line" ]] && { echo "n/a"; return; }
        loads+=("${line% *}"); analyses+=("${line#* }")
    done
    local l a
    l="$(printf '%s\n' "${loads[@]}" | sort -g | sed -n 3p)"
    a="$(printf '%s\n' "${analyses[@]}" | sort -g | sed -n 3p)"
    printf '%.1f / %.1f\n' "$l" "$a"
}

# kustomization_dirs DIR: folders holding a kustomization file, sorted.
kustomization_dirs() {
    find "$1" \( -name .git -prune \) -o -type f \
        \( -name kustomization.yaml -o -name kustomization.yml -o -name Kustomization \) -printf '%h\n' | sort -u
}

# peer NAME DIR [SAMPLE]: "WALL CPU BUILT TOTAL FAILURES" (ms, folders).
# The times cover the BUILT folders; the caller extrapolates when sampled.
peer() {
    local name="$1" dir="$2" sample="${3:-0}"
    local list="$WORK/measure/$name.dirs" script="$WORK/measure/$name.peer.sh"
    kustomization_dirs "$dir" >"$list"
    local total built
    total=$(wc -l <"$list")
    if ((total == 0)) || [[ -z "$HAVE_KUBECTL" ]]; then
        echo "n/a n/a 0 $total 0"; return
    fi
    if ((sample > 0 && sample < total)); then
        # Evenly spaced, so the sample has every kind of folder in proportion.
        awk -v n="$total" -v k="$sample" '{ if (int((NR - 1) * k / n) != int(NR * k / n)) print }' \
            "$list" >"$list.sample"
        mv "$list.sample" "$list.used"
    else
        cp "$list" "$list.used"
    fi
    built=$(wc -l <"$list.used")
    {
        echo '#!/usr/bin/env bash'
        echo "# The peer: one kubectl kustomize process per kustomization folder of $name."
        echo 'failures=0'
        while IFS= read -r d; do
            printf '%q kustomize --load-restrictor LoadRestrictionsNone %q >/dev/null 2>&1 || failures=$((failures + 1))\n' \
                "$KUBECTL" "$d"
        done <"$list.used"
        echo 'echo "$failures" >"${PEER_FAILURES:-/dev/null}"'
    } >"$script"
    PEER_FAILURES="$WORK/measure/$name.failures" bash "$script"
    local failures ms
    failures="$(cat "$WORK/measure/$name.failures")"
    local timing
    timing="$(measure "$PEER_RUNS" 0 bash "$script")"
    echo "$timing $built $total $failures"
}

# ---------------------------------------------------------------- repositories
REPOS=()
for n in "${SIZES[@]}"; do
    dir="$WORK/synthetic-$n"
    if [[ ! -f "$dir/kubernetes/flux/cluster/ks.yaml" ]]; then
        rm -rf "$dir"
        "$GEN" "$dir" --files "$n" >&2
    fi
    REPOS+=("synthetic-$n|$dir|$n")
done
if [[ -d "$CORPORA" ]]; then
    for dir in "$CORPORA"/*/; do
        dir="${dir%/}"
        REPOS+=("$(basename "$dir")|$dir|0")
    done
else
    say "no corpora at $CORPORA: measuring the synthetic repositories only"
fi

# ---------------------------------------------------------------- measure
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
ROWS=()
DETAILS=()
for entry in "${REPOS[@]}"; do
    IFS='|' read -r name dir size <<<"$entry"
    files=$(find "$dir" -type f -not -path '*/.git/*' | wc -l)
    wait_for_low_load
    say "measuring $name ($files files)…"
    status=0
    report="$("$ANTON" validate --json "$dir" 2>/dev/null)" || status=$?
    findings="n/a"; yaml="n/a"
    if [[ -n "$JQ" ]]; then
        findings="$("$JQ" -r '.summary.warnings + .summary.critical' <<<"$report" 2>/dev/null || echo n/a)"
        yaml="$("$JQ" -r '.details.repository.files' <<<"$report" 2>/dev/null || echo n/a)"
    fi
    # The synthetic repositories have no structural, build or schema problem
    # (exit 2 or 3 would be a defect); the rules' warnings about their
    # generated HelmReleases are expected (exit 1).
    if [[ "$size" != 0 && "$status" -ge 2 ]]; then
        say "warning: anton exits $status on $name, which should have no critical finding"
    fi
    read -r wall cpu <<<"$(measure "$RUNS" 3 "$ANTON" validate --json "$dir")"
    rss="$(peak_rss_mb "$ANTON" validate --json "$dir")"
    phase="$(phases "$dir")"
    sample=0
    [[ "$size" -gt 1000 ]] && sample="$SAMPLE"
    read -r peer_ms peer_cpu built total failures <<<"$(peer "$name" "$dir" "$sample")"
    peer_cell="n/a"; peer_cpu_cell="n/a"; ratio="n/a"; cpu_ratio="n/a"; note=""
    if [[ "$peer_ms" != "n/a" ]]; then
        mark=""
        if ((built < total)); then
            peer_ms="$(awk -v m="$peer_ms" -v b="$built" -v t="$total" 'BEGIN { printf "%.1f", m * t / b }')"
            peer_cpu="$(awk -v m="$peer_cpu" -v b="$built" -v t="$total" 'BEGIN { printf "%.1f", m * t / b }')"
            mark="~"
            note="peer: $built of $total folders built (evenly spaced), times scaled by $total/$built"
        fi
        peer_cell="$mark$peer_ms"; peer_cpu_cell="$mark$peer_cpu"
        ratio="$(awk -v p="$peer_ms" -v a="$wall" 'BEGIN { printf "%.0f×", p / a }')"
        [[ "$cpu" != "n/a" ]] && cpu_ratio="$(awk -v p="$peer_cpu" -v a="$cpu" 'BEGIN { printf "%.0f×", p / a }')"
    fi
    ((failures > 0)) && note="${note:+$note; }kubectl failed on $failures folders (their time is still counted)"
    ((total == 0)) && note="no kustomization files: Flux generates them, kubectl kustomize has nothing to build"
    ROWS+=("| $name | $files | $yaml | $total | $wall | $rss | $cpu | $phase | $peer_cell | $ratio | $peer_cpu_cell | $cpu_ratio | $findings |")
    [[ -n "$note" ]] && DETAILS+=("- $name: $note")
done
LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"

# The commit measured, and which tracked files differ from it.
revision() {
    local commit changed
    commit="$(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
    changed="$(cd "$ROOT" && git diff --name-only HEAD 2>/dev/null | head -5 | tr '\n' ' ')"
    if [[ -n "$changed" ]]; then
        echo "$commit, with local changes to: $changed"
    else
        echo "$commit"
    fi
}

# ---------------------------------------------------------------- targets
target() { # LIMIT VALUE: "holds" when VALUE < LIMIT
    local value="$2"
    [[ "$value" == "n/a" ]] && { echo "n/a"; return; }
    awk -v v="$value" -v l="$1" 'BEGIN { print (v < l) ? "holds" : "MISSED" }'
}
cell() { # ROW-PREFIX COLUMN
    local row
    for row in "${ROWS[@]}"; do
        [[ "$row" == "| $1 |"* ]] && { awk -F'|' -v c="$2" '{ gsub(/ /, "", $(c + 1)); print $(c + 1) }' <<<"$row"; return; }
    done
    echo "n/a"
}
max_rss="$(for row in "${ROWS[@]}"; do awk -F'|' '{ gsub(/ /, "", $7); print $7 }' <<<"$row"; done | grep -v n/a | sort -g | tail -1 || true)"

{
    echo "# anton validate — benchmark results"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo), $(uname -sr)"
    echo "- load average (1/5/15 min): before $LOAD_BEFORE, after $LOAD_AFTER"
    echo "- anton: $(revision); peer: $("$KUBECTL" version --client 2>/dev/null | tr '\n' ' ' || echo 'kubectl n/a')"
    echo "- timing: ${HYPERFINE:-bash time loop}, median of $RUNS runs (3 warm-up) for anton, $PEER_RUNS for the peer; peak RSS: ${GNU_TIME:-n/a}, largest of 3 runs"
    echo
    echo "| repo | files | YAML read | kustomize folders | anton wall (ms) | anton peak RSS (MB) | anton CPU (ms) | anton load / analyse (ms) | kubectl-kustomize wall (ms) | ratio | kubectl CPU (ms) | CPU ratio | findings |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    echo
    echo "ratio = kubectl-kustomize wall / anton wall: how many times faster anton is. CPU = user + system time"
    echo "of all threads and child processes (mean); it moves far less than wall time when other jobs share the machine."
    echo "anton load / analyse: anton's own phase timings (\`anton validate -v --json\`, details.timingsMs), medians of 5."
    echo "anton validates the whole repository (kustomize, Flux graph and checks); the peer only builds the kustomizations."
    ((${#DETAILS[@]} > 0)) && { echo; printf '%s\n' "${DETAILS[@]}"; }
    echo
    echo "Targets:"
    echo "- 500 files under 50 ms wall: $(target 50 "$(cell synthetic-500 5)") ($(cell synthetic-500 5) ms)"
    echo "- 10,000 files under 500 ms wall: $(target 500 "$(cell synthetic-10000 5)") ($(cell synthetic-10000 5) ms)"
    echo "- peak memory under 200 MB: $(target 200 "${max_rss:-n/a}") (largest: ${max_rss:-n/a} MB)"
} >"$OUT/results.md"

cat "$OUT/results.md"
say
say "written to $OUT/results.md; repositories kept in $WORK"
