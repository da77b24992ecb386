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
# --counters: the cost of the statistics' counters. Runs this program and the same one built
# without them (bench_messaging_nocount, MSG_NO_COUNTERS) in turn, ROUNDS times (default 3),
# on round trips and fire-and-forget only, and prints each one's rows.
if [ "${1:-}" = "--counters" ]; then
    shift
    nocount="$root/build/bench/messaging/bench_messaging_nocount"
    [ -x "$nocount" ] || { echo "run.sh: $nocount is missing: make bench-counters" >&2; exit 2; }
    for round in $(seq "${ROUNDS:-3}"); do
        for b in "$bin" "$nocount"; do
            echo "== round $round: $(basename "$b")"
            "$b" --only rr,ff "$@" | grep -E 'round trip|throughput|latency'
        done
    done
    exit 0
fi
# --aot: the round trip, fire-and-forget and spawning of 10,000 idle components with every
# component interpreted and compiled (docs/AOT.md), in turn, ROUNDS times (default 3); the guests
# are compiled first (wactor compile: MODULE.wasm.so beside each). make bench-messaging-aot.
if [ "${1:-}" = "--aot" ]; then
    shift
    for w in "$root"/build/bench/messaging/mb_*.wasm; do
        "$root/build/wactor" compile "$w"
    done
    for round in $(seq "${ROUNDS:-3}"); do
        for tier in interp aot; do
            echo "== round $round: --tier $tier"
            "$bin" --only baseline,rr,ff,spawn --tier "$tier" "$@" |
                grep -E 'round trip|throughput|latency|per component|per idle'
        done
    done
    exit 0
fi
# --trace: the cost of traces. Runs round trips and fire-and-forget with tracing off and on
# (spans appended to a temporary file, then removed) in turn, ROUNDS times (default 3).
if [ "${1:-}" = "--trace" ]; then
    shift
    spans="$(mktemp)"
    trap 'rm -f "$spans"' EXIT
    for round in $(seq "${ROUNDS:-3}"); do
        for mode in off on; do
            echo "== round $round: traces $mode"
            if [ $mode = on ]; then
                : > "$spans"
                "$bin" --only rr,ff --trace "$spans" "$@" | grep -E 'round trip|throughput|latency'
                echo "   ($(wc -l < "$spans") span lines, $(du -h "$spans" | cut -f1))"
            else
                "$bin" --only rr,ff "$@" | grep -E 'round trip|throughput|latency'
            fi
        done
    done
    exit 0
fi
args=()
[ -n "${BENCH_RUNS:-}" ] && args+=(--runs "$BENCH_RUNS")
[ -n "${BENCH_SCALE:-}" ] && args+=(--scale "$BENCH_SCALE")
exec "$bin" ${args[@]+"${args[@]}"} "$@"
