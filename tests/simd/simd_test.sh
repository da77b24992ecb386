#!/bin/sh
# simd_test.sh WACTOR KERNELS_WASM KERNELS_NATIVE: the vector kernels of kernels.c, built with
# clang -msimd128 and run by `wactor exec`, print exactly what the same source built natively
# prints; and the module really is SIMD code (wactor inspect lists the feature).
set -u
wactor=$1 wasm=$2 native=$3
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
"$wactor" inspect "$wasm" > "$tmp/inspect" 2>&1 || fail "inspect: $(cat "$tmp/inspect")"
grep -qx 'features: simd' "$tmp/inspect" || fail "the module does not use SIMD: $(cat "$tmp/inspect")"
"$native" > "$tmp/native" || fail "native build exited with $?"
"$wactor" exec "$wasm" > "$tmp/wasm" 2> "$tmp/err" || fail "wactor exec exited with $?: $(cat "$tmp/err")"
[ -s "$tmp/native" ] || fail "no output from the native build"
cmp -s "$tmp/native" "$tmp/wasm" || fail "outputs differ: $(diff "$tmp/native" "$tmp/wasm")"
[ ! -s "$tmp/err" ] || fail "unexpected stderr: $(cat "$tmp/err")"
echo "ok: $(wc -l < "$tmp/wasm") lines identical"
