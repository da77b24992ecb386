#!/usr/bin/env bash
# make bench-engine: times the engine benchmarks natively, under `wactor exec`
# (interpreted and compiled), under wabt's wasm-interp and as translated by
# wabt's wasm2c, and measures the engine's fixed costs; make bench-aot runs it
# with BENCH_ONLY=aot, the AOT comparison alone. The work is done by run.py
# (see it, and README.md, for arguments and output).
# Never part of `make test`: timings depend on the machine.
set -euo pipefail
exec python3 "$(dirname "$0")/run.py" "$@"
