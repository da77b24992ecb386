#!/usr/bin/env bash
# Times each engine benchmark natively (gcc -O2), under `build/wactor exec`
# (clang -O2 to wasm32-wasi) and under wabt's wasm-interp, checks that every
# run computes the native checksum, and prints a table of times and ratios to
# native. Never part of `make test`: timings depend on the machine.
#
# Usage: bench/engine/run.sh [NAME=SIZE...]   e.g. run.sh fib=32 sieve=40
# (defaults: fib=32 sieve=10 matmul=200). Needs `make` to have built build/wactor.
set -euo pipefail
cd "$(dirname "$0")/../.."

src=bench/engine
out=build/bench/engine
wactor=build/wactor
mkdir -p "$out"
if [ ! -x "$wactor" ]; then
    echo "run.sh: $wactor is missing: run make first" >&2
    exit 1
fi
have_interp=0
command -v wasm-interp >/dev/null 2>&1 && have_interp=1

declare -A size=([fib]=32 [sieve]=10 [matmul]=200)
order=(fib sieve matmul)
for arg in "$@"; do
    name=${arg%%=*}
    if [ -z "${size[$name]+x}" ] || [ "$name" = "$arg" ]; then
        echo "run.sh: expected NAME=SIZE with NAME one of ${order[*]}, got '$arg'" >&2
        exit 2
    fi
    size[$name]=${arg#*=}
done

# now_ns: monotonic-enough wall clock in nanoseconds.
now_ns() { date +%s%N; }
# seconds START END
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'; }
ratio() { awk -v t="$1" -v n="$2" 'BEGIN { if (n > 0) printf "%.1fx", t / n; else print "-" }'; }

status=0
printf '%-8s %6s %10s %10s %9s %12s %9s\n' program size native wactor ratio wasm-interp ratio
for name in "${order[@]}"; do
    n=${size[$name]}
    gcc -std=c17 -O2 -o "$out/$name" "$src/$name.c"
    clang --target=wasm32-wasi --sysroot=/usr -O2 -o "$out/$name.wasm" "$src/$name.c"
    # wasm-interp cannot run WASI commands on Debian: a libc-less variant that
    # exports bench() with the work size built in.
    clang --target=wasm32-wasi --sysroot=/usr -O2 -nostartfiles -Wl,--no-entry -DBENCH_N="$n" \
        -o "$out/$name.interp.wasm" "$src/$name.c"

    t0=$(now_ns)
    want=$("$out/$name" "$n")
    t1=$(now_ns)
    got=$("$wactor" exec "$out/$name.wasm" "$n")
    t2=$(now_ns)
    native=$(seconds "$t0" "$t1")
    engine=$(seconds "$t1" "$t2")
    if [ "$got" != "$want" ]; then
        echo "run.sh: $name under wactor: '$got', native: '$want'" >&2
        status=1
    fi

    interp=-
    interp_ratio=-
    if [ "$have_interp" = 1 ]; then
        t3=$(now_ns)
        line=$(wasm-interp "$out/$name.interp.wasm" --run-all-exports | grep '^bench()')
        t4=$(now_ns)
        interp=$(seconds "$t3" "$t4")
        interp_ratio=$(ratio "$interp" "$native")
        if [ "checksum ${line##*i32:}" != "$want" ]; then
            echo "run.sh: $name under wasm-interp: '$line', native: '$want'" >&2
            status=1
        fi
    fi
    printf '%-8s %6s %10s %10s %9s %12s %9s\n' "$name" "$n" "$native" "$engine" \
        "$(ratio "$engine" "$native")" "$interp" "$interp_ratio"
done
exit $status
