#!/usr/bin/env bash
# Building every kustomization folder of each shared corpus: anton in-process
# (median of --runs, load and build shown apart) against `kubectl kustomize`
# run folder by folder, in the same run. Prints the ratio per corpus.
#
#   crates/anton-build/bench.sh [CORPORA_DIR] [--runs N]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cargo run --quiet --release -p anton-build --example bench_vs_kubectl -- "$@"
