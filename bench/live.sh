#!/usr/bin/env bash
# bench/live.sh — how fast are `anton health` and `anton flux status` on a
# live cluster, and how many API requests do they make, against kubectl.
#
# What it does
#   1. builds `anton` in release mode;
#   2. runs crates/anton-kube/benches/live.rs, which starts the real test API
#      server (testharness/, built on first use), loads it with 3 nodes,
#      100 Flux objects (10 GitRepositories, 5 HelmRepositories,
#      45 Kustomizations, 40 HelmReleases) and 2,000 pods with kubelet-like
#      status in 20 namespaces, then measures, in the same run:
#        - `anton health --json` (every area) and `anton flux status --json`:
#          wall time (median) and the API requests anton reports
#          (details.api.requests, counted by its HTTP client);
#        - THE PEER: the same kinds listed with kubectl one kind at a time,
#          `kubectl get <kind> -A -o json`, one process after the other, with
#          a warm discovery cache; requests counted from `-v=6`;
#   3. prints a Markdown table and writes it to bench/live-results.md.
#
# Usage
#   bench/live.sh                       # about 2 minutes after the builds
#
# Environment (optional)
#   ANTON_LIVE_BENCH_RUNS   timed runs of each side (default 5)
#   ANTON_LIVE_BENCH_PODS   pods to create (default 2000)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --locked -p anton-cli
export ANTON_BIN="$PWD/target/release/anton"
export ANTON_LIVE_BENCH_OUT="$PWD/bench/live-results.md"
cargo bench --locked -p anton-kube --bench live
