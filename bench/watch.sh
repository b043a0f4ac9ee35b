#!/usr/bin/env bash
# bench/watch.sh — `anton watch` with 2,000 pods and 200 Flux objects:
# time to first screen, idle CPU (no polling: near zero) and peak memory.
#
# What it does
#   1. builds `anton` in release mode;
#   2. runs crates/anton-watch/benches/watch.rs, which starts the real test
#      API server (testharness/), loads 200 Flux objects and 2,000 pods (20
#      crash-looping), then runs `anton watch` in a 160×48 tmux and
#      `anton watch --events`, and for each reads:
#        - first screen: process start → a screen with "● live" and every pod
#          (dashboard), or → the "listed every stream" note (--events);
#        - idle CPU: utime + stime from /proc/<pid>/stat over 10 s;
#        - peak memory: VmHWM from /proc/<pid>/status;
#   3. prints a Markdown table and writes it to bench/watch-results.md.
#
# Needs tmux. Environment (optional): ANTON_WATCH_BENCH_PODS (default 2000),
# ANTON_WATCH_BENCH_IDLE (seconds, default 10).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --locked -p anton-cli
export ANTON_BIN="$PWD/target/release/anton"
export ANTON_WATCH_BENCH_OUT="$PWD/bench/watch-results.md"
cargo bench --locked -p anton-watch --bench watch
