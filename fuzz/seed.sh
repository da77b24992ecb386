#!/bin/sh
# Collects a seed corpus for fuzz_module: every binary module of the converted
# spec tests, the SIMD ones included.
# Usage: fuzz/seed.sh [SPECTEST_DIR [CORPUS_DIR]]
# (defaults build/spectest and build-fuzz/corpus, relative to the repository)
set -eu
cd "$(dirname "$0")/.."
src=${1:-build/spectest}
dst=${2:-build-fuzz/corpus}
if [ ! -d "$src" ]; then
    echo "seed.sh: no converted spec tests in $src (run: make spectest-data)" >&2
    exit 1
fi
mkdir -p "$dst"
# Names are unique already: <script>/<script>.<N>.wasm.
find "$src" -name '*.wasm' -exec cp {} "$dst"/ \;
echo "seed.sh: $(find "$dst" -type f | wc -l) files in $dst"
