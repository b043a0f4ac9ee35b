#!/usr/bin/env bash
# bench/network.sh — how fast is `anton network` on a cluster with 300
# Ingresses, each with its Service and EndpointSlice, and how many API
# requests does it make, against kubectl listing the same kinds.
#
# What it does
#   1. builds `anton` in release mode;
#   2. runs crates/anton-kube/benches/network.rs, which starts the real test
#      API server (testharness/, built on first use), loads it, then measures
#      `anton network --json` (wall time, median, and details.api.requests)
#      and `kubectl get <kind> -A -o json` one kind at a time;
#   3. prints a Markdown table and writes it to bench/network-results.md.
#
# Usage
#   bench/network.sh                    # about a minute after the builds
#
# Environment (optional)
#   ANTON_NETWORK_BENCH_RUNS        timed runs of each side (default 5)
#   ANTON_NETWORK_BENCH_INGRESSES   Ingresses to create (default 300)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --release --locked -p anton-cli
export ANTON_BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/anton"
export ANTON_NETWORK_BENCH_OUT="$PWD/bench/network-results.md"
cargo bench --locked -p anton-kube --bench network
