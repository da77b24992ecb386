#!/bin/sh
# The ahead-of-time tier through the `wactor` binary (docs/AOT.md), one case per ctest test:
# programs give the same output, exit status and trap message compiled as interpreted, and an
# artifact that is not ours, is writable by others, was made for another module, is cut short
# or is no artifact at all is refused, with the reason; a failed compile leaves nothing behind.
# Usage: aot_test.sh CASE WACTOR GUEST_DIR HELLO_WASM EXAMPLES_DIR
set -u

case_name=$1
wactor=$2
guests=$3
hello=$4
examples=$5

tmp=$(mktemp -d) || exit 1
chmod 755 "$tmp"
trap 'stop_background; rm -rf "$tmp"' EXIT
out=$tmp/stdout
err=$tmp/stderr
. "$(dirname "$0")/../cli/lib.sh"

# compiled NAME.wasm: a copy in $tmp with its artifact beside it.
compiled() {
    cp "$1" "$tmp/$(basename "$1")"
    "$wactor" compile "$tmp/$(basename "$1")" 2>"$tmp/compile.err" ||
        { cat "$tmp/compile.err"; fail "wactor compile $1"; }
    [ -f "$tmp/$(basename "$1").so" ] || fail "no artifact beside $1"
}

# same_in_both MODULE ARGS...: exec in each tier; stdout, stderr and status must agree.
same_in_both() {
    m=$1
    shift
    run "$wactor" exec --tier interp "$m" "$@"
    s1=$status
    cp "$out" "$tmp/out.interp"
    cp "$err" "$tmp/err.interp"
    run "$wactor" exec --tier aot "$m" "$@"
    [ "$status" -eq "$s1" ] || fail "exit status $status compiled, $s1 interpreted"
    cmp -s "$out" "$tmp/out.interp" || fail "stdout differs between the tiers"
    cmp -s "$err" "$tmp/err.interp" || fail "stderr differs between the tiers"
}

case $case_name in
same_output)
    for g in "$hello" "$guests/trap.wasm" "$guests/exit3.wasm" "$guests/tailcall.wasm"; do
        compiled "$g"
        same_in_both "$tmp/$(basename "$g")" one two
    done
    # a trap's message names the function in both
    run "$wactor" exec --tier aot "$tmp/trap.wasm"
    expect_status 134
    grep -q 'trap in .*trap.wasm: ' "$err" || fail "no trap message compiled"
    ;;
same_fuel)
    # Running out of fuel: the same function, the same output, at the same point.
    compiled "$hello"
    for fuel in 1 100 1000 5000 20000; do
        run "$wactor" exec --tier interp --fuel $fuel "$tmp/hello.wasm" a b
        s1=$status
        cp "$out" "$tmp/o1"
        cp "$err" "$tmp/e1"
        run "$wactor" exec --tier aot --fuel $fuel "$tmp/hello.wasm" a b
        [ "$status" -eq "$s1" ] || fail "--fuel $fuel: exit $status compiled, $s1 interpreted"
        cmp -s "$out" "$tmp/o1" && cmp -s "$err" "$tmp/e1" || fail "--fuel $fuel: the tiers differ"
    done
    ;;
refused_writable)
    compiled "$hello"
    chmod 666 "$tmp/hello.wasm.so"
    run "$wactor" exec --tier aot "$tmp/hello.wasm"
    expect_status 4
    expect_one_error_line "writable by group or others"
    # auto: a note, then the interpreter
    run "$wactor" exec "$tmp/hello.wasm"
    expect_status 0
    grep -q 'writable by group or others; running interpreted' "$err" || fail "no note"
    [ -s "$out" ] || fail "auto did not run the program"
    ;;
refused_other_module)
    compiled "$hello"
    compiled "$guests/exit3.wasm"
    cp "$tmp/exit3.wasm.so" "$tmp/hello.wasm.so"
    run "$wactor" exec --tier aot "$tmp/hello.wasm"
    expect_status 4
    expect_one_error_line "made for another module"
    ;;
refused_garbage)
    cp "$hello" "$tmp/hello.wasm"
    head -c 4096 /dev/urandom >"$tmp/hello.wasm.so"
    run "$wactor" exec --tier aot "$tmp/hello.wasm"
    expect_status 4
    expect_one_error_line "not a loadable shared object"
    # a shared object that is no artifact
    cc -shared -fPIC -o "$tmp/hello.wasm.so" -x c /dev/null 2>/dev/null ||
        fail "cannot build an empty shared object"
    run "$wactor" exec --tier aot "$tmp/hello.wasm"
    expect_status 4
    expect_one_error_line "no wactor artifact"
    ;;
refused_owner)
    if [ "$(id -u)" -ne 0 ]; then
        echo "skipped: only root can give a file to another user here"
        exit 77
    fi
    compiled "$hello"
    chown nobody "$tmp/hello.wasm.so"
    run "$wactor" exec --tier aot "$tmp/hello.wasm"
    expect_status 4
    expect_one_error_line "owned by another user"
    ;;
missing)
    cp "$hello" "$tmp/hello.wasm"
    run "$wactor" exec --tier aot "$tmp/hello.wasm"
    expect_status 4
    expect_one_error_line "wactor compile"
    run "$wactor" exec --tier auto "$tmp/hello.wasm"
    expect_status 0
    [ ! -s "$err" ] || fail "auto without an artifact must say nothing"
    ;;
compile_errors)
    # Every failure exits 4 with one line saying why and leaves no file behind; the artifact
    # is never writable by others, whatever the umask.
    mkdir "$tmp/w"
    printf 'no module' >"$tmp/w/bad.wasm"
    run "$wactor" compile "$tmp/w/bad.wasm"
    expect_status 4
    expect_one_error_line "bad.wasm"
    cp "$hello" "$tmp/w/hello.wasm"
    run env CC=/nonexistent/cc "$wactor" compile "$tmp/w/hello.wasm"
    expect_status 4
    expect_one_error_line "cannot run the C compiler /nonexistent/cc"
    run env CC=false "$wactor" compile "$tmp/w/hello.wasm"
    expect_status 4
    expect_one_error_line "the C compiler false failed"
    run env CC="   " "$wactor" compile "$tmp/w/hello.wasm"
    expect_status 4
    expect_one_error_line "\$CC must be a C compiler"
    run "$wactor" compile "$tmp/w/hello.wasm" -o "$tmp/nowhere/hello.so"
    expect_status 4
    expect_one_error_line "cannot write beside $tmp/nowhere/hello.so"
    [ "$(ls "$tmp/w")" = "$(printf 'bad.wasm\nhello.wasm')" ] || fail "files left: $(ls "$tmp/w")"
    # $CC may be several words (no shell: split at blanks)
    (umask 000 && CC="cc -O2" "$wactor" compile "$tmp/w/hello.wasm" -o "$tmp/w/out.so") ||
        fail "wactor compile -o"
    [ "$(stat -c %a "$tmp/w/out.so")" = 644 ] || fail "artifact mode $(stat -c %a "$tmp/w/out.so")"
    [ "$(ls "$tmp/w" | wc -l)" -eq 3 ] || fail "files left: $(ls "$tmp/w")"
    # -o puts it anywhere; exec finds it only as FILE.wasm.so
    mv "$tmp/w/out.so" "$tmp/w/hello.wasm.so"
    run "$wactor" exec --tier aot "$tmp/w/hello.wasm"
    expect_status 0
    ;;
refused_truncated)
    # A shared object cut short would be mapped past its end (SIGBUS): refused before loading,
    # and auto runs the module interpreted.
    cp "$hello" "$tmp/hello.wasm"
    cc -shared -fPIC -o "$tmp/whole.so" -x c /dev/null 2>/dev/null ||
        fail "cannot build an empty shared object"
    head -c 6000 "$tmp/whole.so" >"$tmp/hello.wasm.so"
    run "$wactor" exec --tier aot "$tmp/hello.wasm"
    expect_status 4
    expect_one_error_line "not a loadable shared object (truncated"
    run "$wactor" exec --tier auto "$tmp/hello.wasm"
    expect_status 0
    grep -q 'truncated.*running interpreted' "$err" || fail "no note"
    # a FIFO in its place is refused at once, not waited on
    rm "$tmp/hello.wasm.so"
    mkfifo "$tmp/hello.wasm.so"
    run "$wactor" exec --tier aot "$tmp/hello.wasm"
    expect_status 4
    expect_one_error_line "not a regular file"
    ;;
manifest_tier)
    # tier: aot with no artifact: the component does not start, and says why; run --compile
    # makes the artifacts in runtime.cache, then the same call answers as interpreted.
    cp "$examples/fanout/"*.wasm "$tmp/"
    cat >"$tmp/wactor.yaml" <<YAML
runtime:
  cache: cache
  control: null
components:
  front:
    wasm: front.wasm
    tier: aot
    capabilities:
      request: ["workers.*"]
  workers.a:
    wasm: worker.wasm
    config: upper
    tier: aot
  workers.b:
    wasm: worker.wasm
    config: reverse
    tier: interp
YAML
    run "$wactor" call "$tmp/wactor.yaml" front hello
    [ "$status" -ne 0 ] || fail "tier aot started without an artifact"
    grep -q 'no compiled module' "$err" || fail "the reason is missing"
    app=$tmp/wactor.yaml
    log=$tmp/run.log
    start_run --compile
    stop_run
    log=
    [ "$(ls "$tmp/cache" | grep -c '\.so$')" -eq 2 ] || fail "expected 2 artifacts in the cache"
    run "$wactor" call "$tmp/wactor.yaml" front hello
    expect_status 0
    expect_stdout "a:HELLO|b:olleh"
    ;;
*)
    echo "unknown case $case_name"
    exit 2
    ;;
esac
echo "ok $case_name"
