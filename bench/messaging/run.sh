#!/usr/bin/env bash
# make bench-messaging: runs the messaging benchmarks built by CMake into
# build/bench/messaging/ and prints one table (README.md explains it).
# Never part of `make test`: the figures depend on the machine and never fail.
# Arguments go to the program: --runs N, --scale F, --workers N, --only LIST.
# BENCH_RUNS and BENCH_SCALE in the environment set the first two.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/build/bench/messaging/bench_messaging"
if [ ! -x "$bin" ]; then
    echo "run.sh: $bin is missing: run make bench-messaging" >&2
    exit 2
fi
args=()
[ -n "${BENCH_RUNS:-}" ] && args+=(--runs "$BENCH_RUNS")
[ -n "${BENCH_SCALE:-}" ] && args+=(--scale "$BENCH_SCALE")
exec "$bin" ${args[@]+"${args[@]}"} "$@"
