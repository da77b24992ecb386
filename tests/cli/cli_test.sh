#!/bin/sh
# Command-line tests for build/wactor, one case per ctest test.
# Usage: cli_test.sh CASE WACTOR GUEST_DIR HELLO_WASM
# GUEST_DIR holds the guests of tests/guest (exit3.wasm, trap.wasm, ...).
set -u

case_name=$1
wactor=$2
guests=$3
hello=$4

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
out=$tmp/stdout
err=$tmp/stderr

fail() {
    echo "FAIL $case_name: $*"
    echo "--- stdout"; cat "$out"
    echo "--- stderr"; cat "$err"
    exit 1
}

# run CMD...: runs it with stdin from /dev/null, sets $status.
run() {
    "$@" </dev/null >"$out" 2>"$err"
    status=$?
}

expect_status() {
    [ "$status" -eq "$1" ] || fail "exit status $status, expected $1"
}

# The error output is exactly one line starting with "wactor: " and
# containing $1.
expect_one_error_line() {
    [ "$(wc -l <"$err")" -eq 1 ] || fail "expected one line on stderr"
    grep -q '^wactor: ' "$err" || fail "stderr does not start with 'wactor: '"
    grep -qF -- "$1" "$err" || fail "stderr does not mention '$1'"
}

case $case_name in
version)
    run "$wactor" --version
    expect_status 0
    [ "$(cat "$out")" = "wactor 0.1.0" ] || fail "unexpected version line"
    ;;
help)
    run "$wactor" --help
    expect_status 0
    grep -q 'exec' "$out" || fail "--help does not list exec"
    for cmd in exec inspect; do
        run "$wactor" "$cmd" --help
        expect_status 0
        grep -q "usage: wactor $cmd" "$out" || fail "$cmd --help shows no usage"
    done
    ;;
usage)
    run "$wactor"
    expect_status 4
    run "$wactor" frobnicate
    expect_status 4
    expect_one_error_line "frobnicate"
    run "$wactor" exec
    expect_status 4
    expect_one_error_line "missing FILE.wasm"
    run "$wactor" exec --bogus "$hello"
    expect_status 4
    expect_one_error_line "--bogus"
    run "$wactor" inspect
    expect_status 4
    expect_one_error_line "inspect"
    ;;
exec_hello)
    run "$wactor" exec "$hello" a "b c"
    expect_status 0
    printf 'Hello from WebAssembly!\nargv[0] = %s\nargv[1] = a\nargv[2] = b c\n' "$hello" \
        >"$tmp/expected"
    cmp -s "$out" "$tmp/expected" || fail "unexpected output"
    [ ! -s "$err" ] || fail "unexpected output on stderr"
    ;;
exec_exit)
    run "$wactor" exec "$guests/exit3.wasm"
    expect_status 3
    [ ! -s "$out" ] && [ ! -s "$err" ] || fail "exit(3) should print nothing"
    ;;
exec_trap)
    run "$wactor" exec "$guests/trap.wasm"
    expect_status 134
    [ "$(cat "$out")" = "about to trap" ] || fail "output before the trap is lost"
    expect_one_error_line "trap in $guests/trap.wasm: "
    ;;
exec_missing)
    run "$wactor" exec "$tmp/no-such.wasm"
    expect_status 4
    expect_one_error_line "$tmp/no-such.wasm"
    grep -q 'No such file' "$err" || fail "the reason is missing"
    ;;
exec_unknown_import)
    # A reactor that imports test.entered: exec cannot link it.
    run "$wactor" exec "$guests/hooks.wasm"
    expect_status 4
    expect_one_error_line "unknown import test.entered"
    ;;
exec_wasi)
    printf 'from stdin\n' | "$wactor" exec --env GREETING=hi --env=EMPTY= \
        "$guests/wasi_probe.wasm" x >"$out" 2>"$err"
    status=$?
    expect_status 0
    [ ! -s "$err" ] || fail "unexpected output on stderr"
    ! grep -q FAILED "$out" || fail "a WASI check failed"
    grep -qx 'argc: 2' "$out" || fail "wrong argc"
    grep -qx 'GREETING=hi' "$out" || fail "--env not passed"
    [ "$(grep -c ': ok$' "$out")" -eq 13 ] || fail "expected 13 passing checks"
    ;;
inspect_garbage)
    printf 'this is not a wasm module\n' >"$tmp/garbage.wasm"
    run "$wactor" inspect "$tmp/garbage.wasm"
    expect_status 4
    expect_one_error_line "$tmp/garbage.wasm: "
    grep -q 'byte offset' "$err" || fail "no byte offset in the error"
    # A truncated module fails the same way.
    head -c 20 "$hello" >"$tmp/truncated.wasm"
    run "$wactor" inspect "$tmp/truncated.wasm"
    expect_status 4
    expect_one_error_line "$tmp/truncated.wasm: "
    ;;
inspect_hello)
    run "$wactor" inspect "$hello"
    expect_status 0
    grep -q '^  func   wasi_snapshot_preview1.fd_write  (i32, i32, i32, i32) -> i32$' "$out" ||
        fail "fd_write import not listed"
    grep -q '^  func   _start  () -> ()$' "$out" || fail "_start export not listed"
    grep -q '^  memory memory  min [0-9]* pages, no max$' "$out" || fail "memory not listed"
    grep -qx 'memories: 1' "$out" || fail "memory count missing"
    grep -q '^  0  funcref, min [0-9]*' "$out" || fail "defined table not listed"
    grep -qx 'component: no' "$out" || fail "a command is not a component"
    grep -q 'no export wactor_on_message' "$out" || fail "the reason is missing"
    ;;
inspect_reactor)
    run "$wactor" inspect "$guests/hooks.wasm"
    expect_status 0
    grep -q '^  func   test.entered  () -> ()$' "$out" || fail "import not listed"
    grep -q 'import test.entered: components import only from wactor' "$out" ||
        fail "foreign import not reported"
    ;;
inspect_component)
    run "$wactor" inspect "$guests/component.wasm"
    expect_status 0
    grep -q '^  func   wactor.log  (i32, i32, i32) -> i32$' "$out" || fail "import not listed"
    grep -qx 'component: yes' "$out" || fail "not recognised as a component"
    ;;
*)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "ok $case_name"
